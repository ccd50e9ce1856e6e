"""A claim's quads read back into its ClaimRecord: the inverse of
kb.model.claim.claim_quads, so that the claim model is written in one place and read in
one place. The quads a claim owns and its content come back exactly: reading back what
``claim_quads(rec)`` wrote and writing it again gives the same quads, every field read
and nothing left over (tests/kb/model/test_claim_read.py holds it for every claim of
the demo, the analyst sets and the ClaimReview samples, and through the store).

Pure: the caller gives the triples (kb.records.claims.ClaimReader.record reads them).
Raises InputError when the quads are not a claim claimkb could have written (no
modality, no source, an unknown bound qualifier or unit).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Iterable

from rdflib import BNode, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, TIME

from kb.errors import InputError
from kb.model.anchoring import Anchor
from kb.model.claim import (WDT, ClaimRecord, DateValue, EntitySetValue, EntityValue, Named,
                            TextValue, Value)
from kb.model.dates import PDate, TimeAbout, parse_date
from kb.model.iris import META
from kb.model.quantity import Quantity
from kb.model.qualifiers import qualifiers
from kb.model.units import UNITS
from kb.model.vocab import CKB, OA, SCHEMA, WD

# the rdf:type claim_quads gives each role's resources (named_quads' rdf_type)
ROLE_TYPES = (CKB.Entity, CKB.ClaimProperty, SCHEMA.Person, SCHEMA.Organization)
# the metadata nodes claim_quads writes for a claim (``<claim>`` + suffix); whatever
# else the claim owns (a ClaimReview, its rating) is ``extra``, kept as it is
REGENERATED = ("", "#quote", "#quote-text", "#quote-position", "#about", "#about-start",
               "#about-end")


class _Graph:
    """Triples indexed by subject (and predicate), for the lookups below."""

    def __init__(self, triples: Iterable[tuple]):
        self.by_subject: dict = {}
        for s, p, o in triples:
            self.by_subject.setdefault(s, {}).setdefault(p, []).append(o)

    def objects(self, s, p) -> list:
        return self.by_subject.get(s, {}).get(p, [])

    def value(self, s, p):
        found = self.objects(s, p)
        return found[0] if found else None


def named(iri: URIRef, graph: _Graph, role: URIRef) -> Named:
    """A Named as claim_quads' named_quads wrote it for ``role`` (one of ROLE_TYPES)."""
    label = graph.value(iri, RDFS.label)
    link = OWL.equivalentProperty if role == CKB.ClaimProperty else OWL.sameAs
    wikidata, same_as = None, []
    for other in graph.objects(iri, link):
        text = str(other)
        if wikidata is None and role == CKB.ClaimProperty and text.startswith(WDT):
            wikidata = text[len(WDT):]
        elif wikidata is None and role != CKB.ClaimProperty and text.startswith(str(WD)):
            wikidata = text[len(str(WD)):]
        else:
            same_as.append(other)
    types = tuple(sorted(t for t in graph.objects(iri, RDF.type) if t not in ROLE_TYPES))
    tolerance = graph.value(iri, CKB.timeToleranceDays)
    return Named(iri=iri, label=None if label is None else str(label), wikidata=wikidata,
                 types=types, same_as=tuple(sorted(same_as)),
                 part_of=tuple(sorted(graph.objects(iri, DCTERMS.isPartOf))),
                 tolerance_days=None if tolerance is None else int(tolerance))


def _pdate(literal) -> PDate:
    return parse_date(str(literal))


def _instant(graph: _Graph, node) -> PDate | None:
    for p in (TIME.inXSDDate, TIME.inXSDgYearMonth, TIME.inXSDgYear):
        value = graph.value(node, p)
        if value is not None:
            return _pdate(value)
    return None


def _about(graph: _Graph, node) -> TimeAbout:
    text = graph.value(node, CKB.surfaceText)
    text = None if text is None else str(text)
    begin, end = graph.value(node, TIME.hasBeginning), graph.value(node, TIME.hasEnd)
    if graph.value(node, CKB.openEnd) is not None:
        latest = dt.date.fromisoformat(str(graph.value(node, CKB.latest)))
        return TimeAbout(_instant(graph, begin), None, text, open_end=True, horizon=latest)
    if graph.value(node, CKB.openStart) is not None:
        return TimeAbout(None, _instant(graph, end), text, open_start=True)
    if begin is not None:
        return TimeAbout(_instant(graph, begin), _instant(graph, end), text)
    return TimeAbout(_instant(graph, node), None, text)


def _quantity(graph: _Graph, node, where: str) -> Quantity:
    value = Decimal(str(graph.value(node, SCHEMA.value)))
    code = str(graph.value(node, SCHEMA.unitCode))
    if code not in UNITS:
        raise InputError(f"unknown unit code {code!r}", where=where)
    unit = UNITS[code]
    symbol = graph.value(node, SCHEMA.unitText)
    if (str(symbol) if symbol is not None else "") != unit.symbol:   # a counted noun
        unit = replace(unit, symbol=str(symbol) if symbol is not None else "")
    bound = graph.value(node, CKB.bound)
    qualifier = qualifiers().get(bound)
    if qualifier is None:
        raise InputError(f"unknown bound qualifier {bound}", where=where)
    low, high = graph.value(node, SCHEMA.minValue), graph.value(node, SCHEMA.maxValue)
    places = graph.value(node, CKB.decimalPlaces)
    quantity = Quantity(surface=str(graph.value(node, CKB.surfaceText)),
                        value=value, unit=unit,
                        qualifier=qualifier, places=None if places is None else int(places))
    if quantity.interval()[0::2] != (None if low is None else Decimal(str(low)),
                                     None if high is None else Decimal(str(high))) \
            and low is not None and high is not None:
        quantity = replace(quantity, low=Decimal(str(low)), high=Decimal(str(high)))
    return quantity


def _value(kind: str, objects: list, content: _Graph, graph: _Graph, where: str) -> Value:
    if kind == "quantity":
        return _quantity(content, objects[0], where)
    if kind == "entity":
        members = tuple(named(o, graph, CKB.Entity) for o in sorted(objects))
        return EntityValue(members[0]) if len(members) == 1 else EntitySetValue(members)
    if kind == "date":
        return DateValue(_pdate(objects[0]), str(objects[0]))
    return TextValue(str(objects[0]))


def read_record(claim: URIRef, meta: Iterable[tuple], content: Iterable[tuple],
                shared: Iterable[tuple] = ()) -> ClaimRecord:
    """The ClaimRecord whose claim_quads are ``meta`` (the metadata triples the claim
    owns), ``content`` (its named graph's triples) and, for the entities, properties
    and people it names, ``shared`` (their descriptions in the metadata graph).
    What the claim owns besides the nodes claim_quads writes (a ClaimReview's review
    and rating) comes back as ``extra``; anything else said of those nodes is not
    claimkb's and is not read. A missing modality or source reads as None (the caller
    decides). Raises InputError for quads claimkb could not have written (no
    ``schema:Claim``, a value or date that does not parse, an unknown unit)."""
    try:
        return _read(claim, list(meta), list(content), list(shared))
    except InputError:
        raise
    except (ArithmeticError, ValueError, TypeError, KeyError) as exc:
        raise InputError(f"the stored claim cannot be read back ({exc})", where=str(claim)) \
            from None


def _read(claim: URIRef, meta: list, content: list, shared: list) -> ClaimRecord:
    graph = _Graph([*meta, *shared])
    body = _Graph(content)
    where = str(claim)
    if SCHEMA.Claim not in graph.objects(claim, RDF.type):
        raise InputError("not a claim: no schema:Claim", where=where)
    modality, source = graph.value(claim, CKB.modality), graph.value(claim, SCHEMA.appearance)
    derived = graph.value(claim, PROV.wasDerivedFrom)
    recorded = graph.value(claim, PROV.generatedAtTime)
    record = ClaimRecord(
        iri=claim, modality=modality, source=source,
        statement=_text(graph.value(claim, SCHEMA.text)),
        source_version=derived if derived is not None and derived != source else None,
        published=None if graph.value(claim, SCHEMA.datePublished) is None
        else _pdate(graph.value(claim, SCHEMA.datePublished)),
        recorded=dt.datetime.fromisoformat(str(recorded)) if recorded is not None
        else dt.datetime.now(dt.timezone.utc))
    quote = graph.value(claim, CKB.quote)
    if quote is not None:
        selectors = graph.objects(quote, OA.hasSelector)
        text = next((s for s in selectors if graph.value(s, OA.exact) is not None), None)
        position = next((s for s in selectors if graph.value(s, OA.start) is not None), None)
        if text is not None and position is not None:
            record.anchor = Anchor(str(graph.value(text, OA.exact)),
                                   str(graph.value(text, OA.prefix) or ""),
                                   str(graph.value(text, OA.suffix) or ""),
                                   int(graph.value(position, OA.start)),
                                   int(graph.value(position, OA.end)))
    about = graph.value(claim, CKB.timeAbout)
    if about is not None:
        record.about = _about(graph, about)
    for attr, prop, role in (("speaker", CKB.speaker, SCHEMA.Person),
                             ("scope", CKB.scope, CKB.Entity)):
        iri = graph.value(claim, prop)
        if iri is not None:
            setattr(record, attr, named(iri, graph, role))
    subject, prop, kind = (graph.value(claim, CKB.subject), graph.value(claim, CKB.property),
                           graph.value(claim, CKB.valueKind))
    if subject is not None and prop is not None and kind is not None:
        objects = body.objects(subject, prop)
        if objects:
            record.subject = named(subject, graph, CKB.Entity)
            record.predicate = named(prop, graph, CKB.ClaimProperty)
            record.value = _value(str(kind), objects, body, graph, where)
    regenerated = {URIRef(f"{claim}{suffix}") for suffix in REGENERATED}
    record.extra = [(s, p, o, META) for s, p, o in meta
                    if s not in regenerated and not isinstance(s, BNode)]
    return record


def _text(term) -> str | None:
    return None if term is None else str(term)


__all__ = ["read_record", "named", "ROLE_TYPES", "REGENERATED"]
