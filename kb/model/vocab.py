"""Namespaces used by claimkb.

``CKB`` is closed: a typo such as ``CKB.modallity`` raises AttributeError at import
time instead of minting a new IRI. tests/kb/model/test_vocabulary.py checks that every term
here is defined (with label and comment) in ontologies/claimkb.ttl and vice versa.
"""
from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace, OWL, PROV, RDF, RDFS, TIME, XSD, DCTERMS

SCHEMA = Namespace("http://schema.org/")
OA = Namespace("http://www.w3.org/ns/oa#")
WD = Namespace("http://www.wikidata.org/entity/")


class CKB(DefinedNamespace):
    """The claimkb vocabulary (https://w3id.org/claimkb/ns#)."""

    _NS = Namespace("https://w3id.org/claimkb/ns#")
    _fail = True

    # classes
    Modality: URIRef
    BoundQualifier: URIRef
    Endpoint: URIRef
    ArticleText: URIRef
    Entity: URIRef
    ClaimProperty: URIRef
    # modalities
    Factual: URIRef
    Event: URIRef
    ReportedSpeech: URIRef
    Opinion: URIRef
    Prediction: URIRef
    # endpoint rules
    AtValueInclusive: URIRef
    AtValueExclusive: URIRef
    WithinTolerance: URIRef
    Unbounded: URIRef
    # bound qualifiers
    Exact: URIRef
    About: URIRef
    Nearly: URIRef
    MoreThan: URIRef
    AtLeast: URIRef
    LessThan: URIRef
    AtMost: URIRef
    Between: URIRef
    # properties
    modality: URIRef
    speaker: URIRef
    quote: URIRef
    timeAbout: URIRef
    earliest: URIRef
    latest: URIRef
    scope: URIRef
    subject: URIRef
    property: URIRef
    valueKind: URIRef
    via: URIRef
    bound: URIRef
    surfaceText: URIRef
    decimalPlaces: URIRef
    minExclusive: URIRef
    maxExclusive: URIRef
    lowerEndpoint: URIRef
    upperEndpoint: URIRef
    tolerance: URIRef
    surfaceForm: URIRef
    sha256: URIRef
    currentVersion: URIRef
    # comparison
    TimeInvariantProperty: URIRef
    StateProperty: URIRef
    EventCountProperty: URIRef
    CumulativeProperty: URIRef
    timeToleranceDays: URIRef
    openStart: URIRef
    openEnd: URIRef
    Flag: URIRef
    AttributionChange: URIRef
    ModalityChange: URIRef
    DifferentDates: URIRef
    ScopeNotStated: URIRef
    Rounded: URIRef
    flag: URIRef
    Partial: URIRef
    Comparison: URIRef
    Verdict: URIRef
    Agree: URIRef
    Compatible: URIRef
    Conflict: URIRef
    NotComparable: URIRef
    Severity: URIRef
    Minor: URIRef
    Moderate: URIRef
    Major: URIRef
    compares: URIRef
    verdict: URIRef
    reason: URIRef
    severity: URIRef
    absoluteDifference: URIRef
    relativeDifference: URIRef
    # history and retraction
    Change: URIRef
    ChangeKind: URIRef
    Created: URIRef
    Updated: URIRef
    Deleted: URIRef
    Retracted: URIRef
    Merged: URIRef
    Split: URIRef
    mergedInto: URIRef
    # suggested claims (kb/services/suggestions.py)
    DismissedSuggestion: URIRef
    suggestionId: URIRef
    changed: URIRef
    changeKind: URIRef
    changeSummary: URIRef
    earlierVersion: URIRef
    retraction: URIRef
    # annotations (kb/services/annotations.py)
    orphaned: URIRef
    # publisher reliability (kb/services/reliability.py, docs/reliability.md)
    ReliabilityLevel: URIRef
    Unreliable: URIRef
    MostlyUnreliable: URIRef
    MixedReliability: URIRef
    MostlyReliable: URIRef
    HighlyReliable: URIRef
    reliabilityLevel: URIRef
    TruthLevel: URIRef
    RatedFalse: URIRef
    RatedMostlyFalse: URIRef
    RatedHalfTrue: URIRef
    RatedMostlyTrue: URIRef
    RatedTrue: URIRef
    truthLevel: URIRef
    itemAppearance: URIRef


PREFIXES: dict[str, str] = {
    "ckb": str(CKB._NS),
    "schema": str(SCHEMA),
    "prov": str(PROV),
    "oa": str(OA),
    "time": str(TIME),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "dct": str(DCTERMS),
    "wd": str(WD),
    "wdt": "http://www.wikidata.org/prop/direct/",
}

MODALITIES: dict[str, URIRef] = {
    "factual": CKB.Factual,
    "event": CKB.Event,
    "reported-speech": CKB.ReportedSpeech,
    "opinion": CKB.Opinion,
    "prediction": CKB.Prediction,
}

# a modality IRI → its name ("factual"…), as claims files and the CLI spell it
MODALITY_NAMES: dict[URIRef, str] = {iri: name for name, iri in MODALITIES.items()}


def local_name(term) -> str | None:
    """The last segment of an IRI (after '#' or '/'); None for None."""
    if term is None:
        return None
    text = str(term)
    for sep in ("#", "/"):
        if sep in text:
            text = text.rsplit(sep, 1)[1]
    return text


__all__ = ["CKB", "SCHEMA", "OA", "WD", "PROV", "TIME", "OWL", "RDF", "RDFS", "XSD",
           "DCTERMS", "PREFIXES", "MODALITIES", "MODALITY_NAMES", "local_name"]
