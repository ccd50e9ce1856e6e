"""The claim record: what a claim carries, and the quads it becomes.

Content (what the source says) goes in the claim's own named graph; everything the
KB asserts *about* the claim goes in the metadata graph (kb.model.iris.META). See
docs/data-model.md for a worked example.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, TIME, XSD

from kb.model.anchoring import Anchor
from kb.model.dates import DAY, MONTH, PDate, TimeAbout
from kb.model.iris import META
from kb.model.quantity import Quantity
from kb.model.vocab import CKB, OA, SCHEMA, WD

WDT = "http://www.wikidata.org/prop/direct/"


@dataclass(frozen=True)
class Named:
    """An entity, property, person or publisher: its IRI, label and optional Wikidata id."""

    iri: URIRef
    label: str | None = None
    wikidata: str | None = None     # Q123 for items, P123 for properties
    types: tuple[URIRef, ...] = ()  # extra rdf:types (ckb:TimeInvariantProperty, owl:FunctionalProperty)
    same_as: tuple[URIRef, ...] = ()  # owl:sameAs (entities) / owl:equivalentProperty (properties)
    part_of: tuple[URIRef, ...] = ()  # dcterms:isPartOf: places or bodies it lies within
    tolerance_days: int | None = None  # properties: ckb:timeToleranceDays
    aliases: tuple[str, ...] = ()     # skos:altLabel: other names it is known by


@dataclass(frozen=True)
class EntityValue:
    entity: Named


@dataclass(frozen=True)
class EntitySetValue:
    """Several entities named together as one value ("France, Germany and Italy"):
    one content triple per member."""

    entities: tuple[Named, ...]


@dataclass(frozen=True)
class DateValue:
    date: PDate
    surface: str


@dataclass(frozen=True)
class TextValue:
    text: str


Value = Quantity | EntityValue | EntitySetValue | DateValue | TextValue


@dataclass
class ClaimRecord:
    """One claim, ready to be written. Built by kb.ingest.claimsfile or kb.ingest.claimreview."""

    iri: URIRef
    modality: URIRef
    source: URIRef                      # the article (schema:CreativeWork) it appears in
    statement: str | None = None        # schema:text: the claim in words
    source_version: URIRef | None = None  # the stored text the quote points into
    anchor: Anchor | None = None
    subject: Named | None = None
    predicate: Named | None = None
    value: Value | None = None
    scope: Named | None = None
    speaker: Named | None = None
    about: TimeAbout | None = None
    published: PDate | None = None      # when the source published it
    recorded: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    # Extra metadata quads the importer adds about this claim (kb.ingest.claimreview: the
    # schema:ClaimReview node and its schema:Rating). claim_quads appends them as given.
    # Only nodes the claim owns may be described here, i.e. nodes that
    # delete_claims.ru reaches from the claim (for a review: <claim>#review via
    # ^schema:itemReviewed, <claim>#rating via schema:reviewRating), so that re-import
    # and delete remove them; shared resources may only be re-declared.
    extra: list[tuple] = field(default_factory=list)
    # Entities a claims file declares for their part-of links, whether a claim names
    # them or not (a region between a district and its country): shared declarations,
    # written with this claim, resolved like every other name (kb.services.names).
    declared: list[Named] = field(default_factory=list)

    @property
    def has_content(self) -> bool:
        return self.subject is not None and self.predicate is not None and self.value is not None


def date_literal(date: PDate) -> Literal:
    if date.precision == DAY:
        return Literal(date.isoformat(), datatype=XSD.date)
    if date.precision == MONTH:
        return Literal(date.isoformat(), datatype=XSD.gYearMonth)
    return Literal(date.isoformat(), datatype=XSD.gYear)


_UNIT_TYPE = {DAY: TIME.unitDay, MONTH: TIME.unitMonth, "year": TIME.unitYear}
_IN_XSD = {DAY: TIME.inXSDDate, MONTH: TIME.inXSDgYearMonth, "year": TIME.inXSDgYear}


def decimal_literal(value: Decimal) -> Literal:
    if value == value.to_integral_value() and abs(value) < 10**18:
        return Literal(int(value), datatype=XSD.integer)
    return Literal(format(value.normalize(), "f"), datatype=XSD.decimal)


def named_quads(named: Named, rdf_type: URIRef) -> list[tuple]:
    quads = [(named.iri, RDF.type, rdf_type, META)]
    if named.label:
        label = Literal(named.label)
        quads.append((named.iri, RDFS.label, label, META))
        if rdf_type in (SCHEMA.Organization, SCHEMA.Person):
            quads.append((named.iri, SCHEMA.name, label, META))
    for extra in named.types:
        quads.append((named.iri, RDF.type, extra, META))
    for alias in named.aliases:
        quads.append((named.iri, SKOS.altLabel, Literal(alias), META))
    link = OWL.equivalentProperty if rdf_type == CKB.ClaimProperty else OWL.sameAs
    for other in named.same_as:
        quads.append((named.iri, link, other, META))
    for whole in named.part_of:
        quads.append((named.iri, DCTERMS.isPartOf, whole, META))
    if named.tolerance_days is not None:
        quads.append((named.iri, CKB.timeToleranceDays,
                      Literal(named.tolerance_days, datatype=XSD.integer), META))
    if named.wikidata:
        link = OWL.equivalentProperty if named.wikidata.startswith("P") else OWL.sameAs
        quads.append((named.iri, link, wikidata_iri(named.wikidata), META))
    return quads


def wikidata_iri(qid: str) -> URIRef:
    """The IRI of a Wikidata item (``wd:Q…``) or property (``wdt:P…``, the direct
    property claimkb links its properties to)."""
    return URIRef(WDT + qid) if qid.startswith("P") else WD[qid]


def wikidata_id(iri: str) -> str | None:
    """The Q… or P… id of a Wikidata IRI (``wd:`` or ``wdt:``); None for another IRI."""
    for prefix in (str(WD), WDT):
        if iri.startswith(prefix):
            return iri[len(prefix):]
    return None


def _instant(node: URIRef, date: PDate) -> list[tuple]:
    return [
        (node, RDF.type, TIME.Instant, META),
        (node, _IN_XSD[date.precision], date_literal(date), META),
        (node, TIME.unitType, _UNIT_TYPE[date.precision], META),
    ]


def claim_quads(rec: ClaimRecord) -> list[tuple]:
    """All quads of one claim: its content graph and its metadata.

    Shared resources (entities, properties, people) are declared too; re-declaring an
    existing one adds nothing new. ``rec.extra`` quads are appended last.
    """
    c = rec.iri
    q: list[tuple] = [
        (c, RDF.type, SCHEMA.Claim, META),
        (c, CKB.modality, rec.modality, META),
        (c, SCHEMA.appearance, rec.source, META),
        (c, PROV.wasDerivedFrom, rec.source_version or rec.source, META),
        (c, PROV.generatedAtTime,
         Literal(rec.recorded.isoformat(timespec="seconds"), datatype=XSD.dateTime), META),
    ]
    if rec.statement:
        q.append((c, SCHEMA.text, Literal(rec.statement), META))
    if rec.published:
        q.append((c, SCHEMA.datePublished, date_literal(rec.published), META))
    if rec.speaker:
        q.append((c, CKB.speaker, rec.speaker.iri, META))
        q += named_quads(rec.speaker, SCHEMA.Person)
    if rec.anchor and rec.source_version:
        quote, tq, tp = URIRef(f"{c}#quote"), URIRef(f"{c}#quote-text"), URIRef(f"{c}#quote-position")
        a = rec.anchor
        q += [
            (c, CKB.quote, quote, META),
            (quote, RDF.type, OA.SpecificResource, META),
            (quote, OA.hasSource, rec.source_version, META),
            (quote, OA.hasSelector, tq, META),
            (quote, OA.hasSelector, tp, META),
            (tq, RDF.type, OA.TextQuoteSelector, META),
            (tq, OA.exact, Literal(a.exact), META),
            (tq, OA.prefix, Literal(a.prefix), META),
            (tq, OA.suffix, Literal(a.suffix), META),
            (tp, RDF.type, OA.TextPositionSelector, META),
            (tp, OA.start, Literal(a.start, datatype=XSD.integer), META),
            (tp, OA.end, Literal(a.end, datatype=XSD.integer), META),
        ]
    if rec.about:
        node = URIRef(f"{c}#about")
        q += [
            (c, CKB.timeAbout, node, META),
            (node, CKB.earliest, Literal(rec.about.earliest.isoformat(), datatype=XSD.date), META),
            (node, CKB.latest, Literal(rec.about.latest.isoformat(), datatype=XSD.date), META),
        ]
        if rec.about.text:   # the words it was read from ("yesterday", "since 1998")
            q.append((node, CKB.surfaceText, Literal(rec.about.text), META))
        if rec.about.open_end or rec.about.open_start:   # an OWL-Time interval with one end
            known, link, flag, date = (
                (URIRef(f"{c}#about-start"), TIME.hasBeginning, CKB.openEnd, rec.about.start)
                if rec.about.open_end else
                (URIRef(f"{c}#about-end"), TIME.hasEnd, CKB.openStart, rec.about.end))
            q += [(node, RDF.type, TIME.ProperInterval, META), (node, link, known, META),
                  (node, flag, Literal(True), META)]
            q += _instant(known, date)
        elif rec.about.is_interval:
            start, end = URIRef(f"{c}#about-start"), URIRef(f"{c}#about-end")
            q += [(node, RDF.type, TIME.ProperInterval, META),
                  (node, TIME.hasBeginning, start, META), (node, TIME.hasEnd, end, META)]
            q += _instant(start, rec.about.start) + _instant(end, rec.about.end)
        else:
            q += _instant(node, rec.about.start)
    if rec.scope:
        q.append((c, CKB.scope, rec.scope.iri, META))
        q += named_quads(rec.scope, CKB.Entity)
    if rec.has_content:
        q += _content_quads(rec)
    for named in rec.declared:
        q += named_quads(named, CKB.Entity)
    q += rec.extra
    return q


def _content_quads(rec: ClaimRecord) -> list[tuple]:
    c, s, p, v = rec.iri, rec.subject, rec.predicate, rec.value
    q = [(c, CKB.subject, s.iri, META), (c, CKB.property, p.iri, META)]
    q += named_quads(s, CKB.Entity) + named_quads(p, CKB.ClaimProperty)
    if isinstance(v, Quantity):
        node = URIRef(f"{c}#value")
        low, low_ex, high, high_ex = v.interval()
        q += [
            (c, CKB.valueKind, Literal("quantity"), META),
            (s.iri, p.iri, node, c),
            (node, RDF.type, SCHEMA.QuantitativeValue, c),
            (node, SCHEMA.value, decimal_literal(v.value), c),
            (node, SCHEMA.unitCode, Literal(v.unit.code), c),
            (node, CKB.bound, v.qualifier.iri, c),
            (node, CKB.surfaceText, Literal(v.surface), c),
        ]
        if v.places is not None:
            q.append((node, CKB.decimalPlaces, Literal(v.places, datatype=XSD.integer), c))
        if v.unit.symbol:
            q.append((node, SCHEMA.unitText, Literal(v.unit.symbol), c))
        if low is not None:
            q.append((node, SCHEMA.minValue, decimal_literal(low), c))
            if low_ex:
                q.append((node, CKB.minExclusive, Literal(True), c))
        if high is not None:
            q.append((node, SCHEMA.maxValue, decimal_literal(high), c))
            if high_ex:
                q.append((node, CKB.maxExclusive, Literal(True), c))
    elif isinstance(v, EntityValue):
        q += [(c, CKB.valueKind, Literal("entity"), META), (s.iri, p.iri, v.entity.iri, c)]
        q += named_quads(v.entity, CKB.Entity)
    elif isinstance(v, EntitySetValue):
        q.append((c, CKB.valueKind, Literal("entity"), META))
        for member in v.entities:
            q.append((s.iri, p.iri, member.iri, c))
            q += named_quads(member, CKB.Entity)
    elif isinstance(v, DateValue):
        q += [(c, CKB.valueKind, Literal("date"), META),
              (s.iri, p.iri, date_literal(v.date), c)]
    else:
        q += [(c, CKB.valueKind, Literal("text"), META),
              (s.iri, p.iri, Literal(v.text), c)]
    return q
