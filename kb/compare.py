"""Cross-source comparison: for claims about the same thing, do they agree, are they
compatible once their qualifiers are read, or do they conflict?

Which claims are about the same thing is found in SPARQL (kb/queries/compare_*.rq:
same subject or owl:sameAs-linked, same property or owl:equivalentProperty); this
module does only what SPARQL cannot: interval arithmetic, unit conversion, rounding.

Two claims are **comparable** when they have the same subject, the same property, the
same scope (ckb:scope; none = the whole subject), and times-about that overlap — unless
the property is a ckb:TimeInvariantProperty (a border's length), whose claims compare
whatever their times. Opinions and predictions get no verdict.

Verdicts (each with its reason in words):

* **AGREE** — the same value after normalisation and rounding (see below), or the same
  qualifier and figure ("more than a thousand" / "more than 1,000"), the same entity
  (or owl:sameAs), the same date, the same text.
* **COMPATIBLE** — the intervals the qualifiers imply overlap (qualifier rules are data:
  ckb:lowerEndpoint/ckb:upperEndpoint/ckb:tolerance in ontologies/claimkb.ttl, applied
  by kb.quantity and stored as schema:minValue/maxValue); different entities or dates
  for a property that may have several values.
* **CONFLICT** — disjoint intervals; different entities or dates for a single-valued
  property (owl:FunctionalProperty). Conflicts between quantities carry the gap between
  the intervals (absolute, in the first claim's unit, and relative to the larger
  magnitude) and a severity from ``SEVERITY``.
* **NOT_COMPARABLE** — with why: different subject, property, scope, times, unit
  dimension, or kind of value; a missing time; an opinion or prediction.

**Rounding rule** (``agree_after_rounding``): two figures stated as exact agree when
the more precise one, rounded to the decimal places the less precise one was written
with, equals it (2,640 m and 2,640.3 m agree; 12,500 and 12500 are the same number).
Whole numbers are taken at face value: trailing zeros are not read as rounding
(1,400 km vs 1,344 km is a conflict, of moderate severity), because a reader cannot
tell "1,400" from "about 1,400" unless the source says so; sources that round say
"about", "some", "nearly", and those qualifiers widen the interval.
"""
from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Iterable, Iterator

from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, XSD

from . import sparql
from .errors import InputError, NotFound
from .iris import COMPARISONS, short_hash
from .units import UNITS
from .vocab import CKB, SCHEMA

if TYPE_CHECKING:  # pragma: no cover
    from .knowledgebase import KnowledgeBase

AGREE, COMPATIBLE, CONFLICT, NOT_COMPARABLE = "agree", "compatible", "conflict", "not-comparable"
VERDICTS = (CONFLICT, COMPATIBLE, AGREE, NOT_COMPARABLE)
VERDICT_IRI = {AGREE: CKB.Agree, COMPATIBLE: CKB.Compatible, CONFLICT: CKB.Conflict,
               NOT_COMPARABLE: CKB.NotComparable}
# relative gap between two conflicting intervals → severity (upper bounds, exclusive)
SEVERITY = ((Decimal("0.02"), "minor"), (Decimal("0.10"), "moderate"), (None, "major"))
SEVERITY_IRI = {"minor": CKB.Minor, "moderate": CKB.Moderate, "major": CKB.Major}
NO_VERDICT = {str(CKB.Opinion): "an opinion", str(CKB.Prediction): "a prediction"}


@dataclass
class ClaimFacts:
    """One structured claim, as the comparison sees it (plain values, not RDF terms)."""

    claim: str
    source: str                      # the publisher, else the article
    article: str
    modality: str
    subject: str
    property: str
    scope: str | None
    earliest: dt.date | None
    latest: dt.date | None
    kind: str                        # quantity, entity, date, text
    object: str
    value: Decimal | None = None
    decimals: int = 0
    unit: str | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    low_ex: bool = False
    high_ex: bool = False
    bound: str | None = None
    surface: str | None = None

    @property
    def when(self) -> str:
        if self.earliest is None:
            return "no time given"
        return str(self.earliest) if self.earliest == self.latest else f"{self.earliest}/{self.latest}"


@dataclass
class Verdict:
    a: str
    b: str
    verdict: str
    reason: str
    absolute: Decimal | None = None
    relative: Decimal | None = None
    severity: str | None = None

    def as_dict(self) -> dict:
        return {"a": self.a, "b": self.b, "verdict": self.verdict, "reason": self.reason,
                "absolute_difference": None if self.absolute is None else str(self.absolute),
                "relative_difference": None if self.relative is None else str(self.relative),
                "severity": self.severity}


@dataclass
class Identity:
    """owl:sameAs / owl:equivalentProperty classes, and property traits."""

    canonical: dict[str, str] = field(default_factory=dict)
    time_invariant: set[str] = field(default_factory=set)
    single_valued: set[str] = field(default_factory=set)

    def key(self, iri: str | None) -> str | None:
        return None if iri is None else self.canonical.get(iri, iri)

    def property_has(self, prop: str, traits: set[str]) -> bool:
        key = self.key(prop)
        return any(self.key(p) == key for p in traits)


def load_identity(kb: "KnowledgeBase") -> Identity:
    """Union-find over the KB's owl:sameAs and owl:equivalentProperty links."""
    _, rows = kb.store.values(sparql.load("identity_links.rq"), many=True)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    identity = Identity()
    for a, link, b in rows:
        if link == str(RDF.type):
            (identity.time_invariant if b == str(CKB.TimeInvariantProperty)
             else identity.single_valued).add(a)
        else:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    identity.canonical = {x: find(x) for x in parent}
    return identity


def _date(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text[:10])


def _dec(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _facts(claim: str, source: str, article: str, modality: str, subject: str, prop: str,
           scope, earliest, latest, kind: str, obj: str, value, unit, low, high, low_ex,
           high_ex, bound, surface) -> ClaimFacts:
    value = _dec(value)
    return ClaimFacts(
        claim=claim, source=source, article=article, modality=modality, subject=subject,
        property=prop, scope=scope, earliest=_date(earliest), latest=_date(latest),
        kind=kind, object=obj, value=value,
        decimals=max(0, -value.as_tuple().exponent) if value is not None else 0,
        unit=unit, low=_dec(low), high=_dec(high), low_ex=low_ex == "true",
        high_ex=high_ex == "true", bound=bound, surface=surface)


def load_facts(kb: "KnowledgeBase", claim: list | None = None, **params) -> list[ClaimFacts]:
    """ClaimFacts for the given claims, or for every structured claim matching
    ``params`` (subject, property) when no claims are given."""
    if claim is not None:
        return _load_claims(kb, claim, params.get("property"))
    names, rows = kb.store.values(sparql.render("compare_facts.rq", **params))
    facts = []
    for row in rows:
        r = dict(zip(names, row))
        facts.append(_facts(
            r["claim"], r["publisher"] or r["article"], r["article"], r["modality"],
            r["subject"], r["property"], r["scope"], r["earliest"], r["latest"], r["kind"],
            r["object"], r["value"], r["unit"], r["low"], r["high"], r["lowEx"], r["highEx"],
            r["bound"], r["surface"]))
    return facts


_M = {str(CKB.subject): "subject", str(CKB.property): "property", str(CKB.valueKind): "kind",
      str(CKB.modality): "modality", str(CKB.scope): "scope", str(SCHEMA.appearance): "article",
      str(SCHEMA.publisher): "publisher", str(CKB.earliest): "earliest",
      str(CKB.latest): "latest", str(CKB.retraction): "retraction"}
_Q = {str(SCHEMA.value): "value", str(SCHEMA.unitCode): "unit", str(SCHEMA.minValue): "low",
      str(SCHEMA.maxValue): "high", str(CKB.minExclusive): "lowEx",
      str(CKB.maxExclusive): "highEx", str(CKB.bound): "bound", str(CKB.surfaceText): "surface"}


def _load_claims(kb: "KnowledgeBase", claims: list, prop=None) -> list[ClaimFacts]:
    """ClaimFacts for the given claims, from their quads (compare_claim_quads.rq)."""
    _, rows = kb.store.values(sparql.render("compare_claim_quads.rq", claim=list(claims)))
    meta: dict[str, dict] = defaultdict(dict)
    content: dict[str, list] = defaultdict(list)
    for claim, where, s, p, o in rows:
        if where == "content":
            content[claim].append((s, p, o))
        elif p in _M:
            meta[claim][_M[p]] = o
    facts = []
    for claim, m in meta.items():
        if "subject" not in m or "property" not in m or "kind" not in m:
            continue
        if "retraction" in m:   # retracted claims take no part in comparisons
            continue
        if prop is not None and m["property"] != str(prop):
            continue
        obj = next((o for s, p, o in content[claim]
                    if s == m["subject"] and p == m["property"]), None)
        if obj is None:
            continue
        q = {_Q[p]: o for s, p, o in content[claim] if s == obj and p in _Q}
        facts.append(_facts(
            claim, m.get("publisher") or m["article"], m["article"], m["modality"],
            m["subject"], m["property"], m.get("scope"), m.get("earliest"), m.get("latest"),
            m["kind"], obj, q.get("value"), q.get("unit"), q.get("low"), q.get("high"),
            q.get("lowEx"), q.get("highEx"), q.get("bound"), q.get("surface")))
    return facts


# ---------------------------------------------------------------- the verdict on a pair

def _nc(a: ClaimFacts, b: ClaimFacts, reason: str) -> Verdict:
    return Verdict(a.claim, b.claim, NOT_COMPARABLE, reason)


def _short(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def compare_pair(a: ClaimFacts, b: ClaimFacts, identity: Identity | None = None) -> Verdict:
    """The verdict on two claims, with its reason. Never raises for odd data: a pair
    that cannot be judged is NOT_COMPARABLE with the reason why."""
    identity = identity or Identity()
    for c in (a, b):
        if c.modality in NO_VERDICT:
            return _nc(a, b, f"{_short(c.claim)} is {NO_VERDICT[c.modality]}: opinions "
                             "and predictions get no verdict")
    if identity.key(a.subject) != identity.key(b.subject):
        return _nc(a, b, f"different subjects ({_short(a.subject)}, {_short(b.subject)})")
    if identity.key(a.property) != identity.key(b.property):
        return _nc(a, b, f"different properties ({_short(a.property)}, {_short(b.property)})")
    if identity.key(a.scope) != identity.key(b.scope):
        scopes = [_short(s) if s else f"the whole {_short(c.subject)}"
                  for s, c in ((a.scope, a), (b.scope, b))]
        return _nc(a, b, f"different scope: {scopes[0]} vs {scopes[1]}")
    if not identity.property_has(a.property, identity.time_invariant):
        for c in (a, b):
            if c.earliest is None:
                return _nc(a, b, f"{_short(c.claim)} does not say what time it is about, and "
                                 f"{_short(a.property)} changes over time")
        if a.latest < b.earliest or b.latest < a.earliest:
            return _nc(a, b, f"different times: {a.when} vs {b.when}")
    if a.kind != b.kind:
        return _nc(a, b, f"different kinds of value ({a.kind}, {b.kind})")
    if a.kind == "quantity":
        return _compare_quantities(a, b)
    single = identity.property_has(a.property, identity.single_valued)
    if a.kind == "entity":
        if identity.key(a.object) == identity.key(b.object):
            return Verdict(a.claim, b.claim, AGREE, f"both name {_short(a.object)}")
        if single:
            return Verdict(a.claim, b.claim, CONFLICT,
                           f"{_short(a.property)} has one value, but they name "
                           f"{_short(a.object)} and {_short(b.object)}", severity="major")
        return Verdict(a.claim, b.claim, COMPATIBLE,
                       f"{_short(a.object)} and {_short(b.object)} can both hold: "
                       f"{_short(a.property)} may have several values")
    if a.kind == "date":
        da, db = _date_span(a.object), _date_span(b.object)
        if a.object == b.object:
            return Verdict(a.claim, b.claim, AGREE, f"both give {a.object}")
        if da and db and da[0] <= db[1] and db[0] <= da[1]:
            return Verdict(a.claim, b.claim, COMPATIBLE,
                           f"{a.object} and {b.object} overlap at their precision")
        if single:
            return Verdict(a.claim, b.claim, CONFLICT, f"{_short(a.property)} has one value, "
                           f"but they give {a.object} and {b.object}", severity="major")
        return Verdict(a.claim, b.claim, COMPATIBLE, f"{a.object} and {b.object} can both "
                       f"hold: {_short(a.property)} may have several values")
    if " ".join(a.object.lower().split()) == " ".join(b.object.lower().split()):
        return Verdict(a.claim, b.claim, AGREE, f"both say {a.object!r}")
    return _nc(a, b, "free-text values are not compared")


def _date_span(text: str) -> tuple[dt.date, dt.date] | None:
    from .dates import parse_date

    try:
        d = parse_date(text)
    except InputError:
        return None
    return d.earliest, d.latest


def _factor(unit: str | None) -> tuple[str, Decimal] | None:
    u = UNITS.get(unit or "")
    return None if u is None else (u.dimension, Decimal(str(u.factor)))


def _round(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def agree_after_rounding(a: Decimal, da: int, b: Decimal, db: int) -> bool:
    """The rounding rule: equal at the precision of the less precise figure."""
    places = min(da, db)
    return _round(a, places) == _round(b, places)


def _fmt_interval(low, low_ex, high, high_ex, unit_symbol: str) -> str:
    left = "(" if low is None or low_ex else "["
    right = ")" if high is None or high_ex else "]"
    lo = "-∞" if low is None else _num(low)
    hi = "∞" if high is None else _num(high)
    return f"{left}{lo}, {hi}{right}{unit_symbol}"


def _num(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value == value else str(value)
    return text


def _compare_quantities(a: ClaimFacts, b: ClaimFacts) -> Verdict:
    fa, fb = _factor(a.unit), _factor(b.unit)
    if fa is None or fb is None or a.value is None or b.value is None:
        return _nc(a, b, f"unknown unit ({a.unit}, {b.unit})")
    if fa[0] != fb[0]:
        return _nc(a, b, f"different unit dimensions: {fa[0]} ({a.surface}) vs {fb[0]} ({b.surface})")
    to_a = fb[1] / fa[1]            # multiply b's numbers by this to express them in a's unit
    symbol = UNITS[a.unit].symbol
    symbol = f" {symbol}" if symbol and symbol != "%" else symbol
    bv = b.value * to_a
    blow = None if b.low is None else b.low * to_a
    bhigh = None if b.high is None else b.high * to_a
    exact = str(CKB.Exact)
    if a.bound == exact and b.bound == exact:
        same_unit = a.unit == b.unit
        if (same_unit and agree_after_rounding(a.value, a.decimals, b.value, b.decimals)) or \
           (not same_unit and (_round(bv, a.decimals) == a.value
                               or _round(a.value / to_a, b.decimals) == b.value)):
            return Verdict(a.claim, b.claim, AGREE,
                           f"{a.surface} and {b.surface} are the same figure"
                           + ("" if a.value == bv else " after rounding"))
    elif a.bound == b.bound and a.value == bv and a.low == blow and a.high == bhigh:
        return Verdict(a.claim, b.claim, AGREE, f"{a.surface} and {b.surface} say the same")
    ia = (a.low, a.low_ex, a.high, a.high_ex)
    ib = (blow, b.low_ex, bhigh, b.high_ex)
    text_a = _fmt_interval(*ia, symbol)
    text_b = _fmt_interval(*ib, symbol)
    gap = _gap(ia, ib)
    if gap is None:
        return Verdict(a.claim, b.claim, COMPATIBLE,
                       f"{a.surface} means {text_a} and {b.surface} means {text_b}: they overlap")
    magnitude = max(abs(a.value), abs(bv))
    relative = (gap / magnitude).quantize(Decimal("0.0001")) if magnitude else None
    severity = next(name for limit, name in SEVERITY
                    if limit is None or (relative is not None and relative < limit))
    rel_text = f", {relative * 100:.1f}%" if relative is not None else ""
    return Verdict(a.claim, b.claim, CONFLICT,
                   f"{a.surface} ({text_a}) and {b.surface} ({text_b}) cannot both hold for "
                   f"the same time and scope: {_num(gap)}{symbol} apart{rel_text}",
                   absolute=gap, relative=relative, severity=severity)


def _gap(ia, ib) -> Decimal | None:
    """Distance between two intervals, or None when they overlap."""
    alow, alow_ex, ahigh, ahigh_ex = ia
    blow, blow_ex, bhigh, bhigh_ex = ib
    # a entirely below b?
    if ahigh is not None and blow is not None:
        if ahigh < blow or (ahigh == blow and (ahigh_ex or blow_ex)):
            return blow - ahigh
    if bhigh is not None and alow is not None:
        if bhigh < alow or (bhigh == alow and (bhigh_ex or alow_ex)):
            return alow - bhigh
    return None


# ---------------------------------------------------------------- services

class Fact:
    """A fact several sources speak about: one subject, property and scope (canonical
    keys), the claims of one run of overlapping times, and the verdicts on their pairs.

    Facts from the comparison index read their claims and verdicts when first asked
    for them (``claims``, ``verdicts``); ``sources`` and ``count()`` answer from the
    index's counts until then, so a report can list many facts cheaply."""

    def __init__(self, subject: str, property: str, scope: str | None,
                 claims: list[ClaimFacts] | None = None, verdicts: list[Verdict] | None = None,
                 *, loader=None, sources: int | None = None, counts: dict | None = None):
        self.subject, self.property, self.scope = subject, property, scope
        self._claims, self._verdicts = claims, verdicts
        self._loader, self._sources, self._counts = loader, sources, counts

    @property
    def claims(self) -> list[ClaimFacts]:
        if self._claims is None:
            self._claims = self._loader("claims") if self._loader else []
        return self._claims

    @claims.setter
    def claims(self, value: list[ClaimFacts]) -> None:
        self._claims, self._sources = list(value), None

    @property
    def verdicts(self) -> list[Verdict]:
        if self._verdicts is None:
            self._verdicts = self._loader("verdicts") if self._loader else []
        return self._verdicts

    @verdicts.setter
    def verdicts(self, value: list[Verdict]) -> None:
        self._verdicts, self._counts = list(value), None

    @property
    def sources(self) -> int:
        if self._sources is not None and self._claims is None:
            return self._sources
        return len({c.source for c in self.claims})

    def count(self, verdict: str) -> int:
        if self._counts is not None and self._verdicts is None:
            return self._counts.get(verdict, 0)
        return sum(1 for v in self.verdicts if v.verdict == verdict)

    def __eq__(self, other) -> bool:
        if not isinstance(other, Fact):
            return NotImplemented
        return ((self.subject, self.property, self.scope, self.claims, self.verdicts)
                == (other.subject, other.property, other.scope, other.claims, other.verdicts))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"Fact(subject={self.subject!r}, property={self.property!r}, scope={self.scope!r}, "
                f"sources={self.sources}, conflicts={self.count(CONFLICT)})")


def _pairs(claims: list[ClaimFacts], identity: Identity, timeless: bool) -> list[Verdict]:
    """Verdicts on the pairs of ``claims`` (sorted by earliest) from different sources
    that could be comparable: all pairs for a time-invariant property, else only pairs
    whose times overlap (a sweep, not every pair: claims of different days are never
    judged, which keeps large groups linear rather than quadratic)."""
    verdicts = []
    for i, a in enumerate(claims):
        for b in claims[i + 1:]:
            if not timeless and b.earliest > a.latest:
                break
            if a.source != b.source:
                verdicts.append(compare_pair(a, b, identity))
    return verdicts


def _windows(claims: list[ClaimFacts]) -> list[list[ClaimFacts]]:
    """Split claims (sorted by earliest, all with times) into runs whose times chain
    together: one run is one fact at one time."""
    runs: list[list[ClaimFacts]] = []
    end = None
    for c in claims:
        if end is None or c.earliest > end:
            runs.append([])
            end = c.latest
        runs[-1].append(c)
        end = max(end, c.latest)
    return runs


def compare_claim(kb: "KnowledgeBase", ref: str) -> tuple[ClaimFacts | None, list[Verdict]]:
    """Every claim about the same thing as ``ref``, each with its verdict against it,
    conflicts first. Raises NotFound for an unknown claim. A claim with no structured
    content has nothing to compare: (None, []). The claims come from the comparison
    index (same canonical subject and property, any scope or time)."""
    from . import compare_index

    try:
        claim = str(kb.iris.resolve("claims", ref))
    except NotFound:
        raise NotFound(f"no claim {ref!r}") from None
    idx = compare_index.ensure(kb)
    row = idx.conn().execute("SELECT ks, kp FROM claims WHERE claim = ?", (claim,)).fetchone()
    if row is None:
        kb.claim_iri(claim)      # NotFound for a claim that is not stored at all
        return None, []
    rows = idx.rows("ks = ? AND kp = ?", row)
    if len(rows) < 2:
        return None, []
    keys = {f.claim: k for k, f in rows}
    facts = [f for _, f in rows]
    identity = idx.local_identity(facts, keys)
    this = next(f for f in facts if f.claim == claim)
    verdicts = [compare_pair(this, f, identity) for f in facts if f.claim != this.claim]
    verdicts.sort(key=lambda v: (VERDICTS.index(v.verdict), v.b))
    return this, verdicts


def compare_two(kb: "KnowledgeBase", first: str, second: str) -> Verdict:
    """The verdict on two given claims, with its reason (NOT_COMPARABLE says why).
    Raises NotFound for an unknown claim."""
    a, b = kb.claim_iri(first), kb.claim_iri(second)
    facts = {f.claim: f for f in load_facts(kb, claim=[a, b])}
    for iri in (a, b):
        modality = kb.claim_view(str(iri))["modality"] if str(iri) not in facts else None
        if modality in ("opinion", "prediction"):
            return Verdict(str(a), str(b), NOT_COMPARABLE,
                           f"{_short(iri)} is {'an opinion' if modality == 'opinion' else 'a prediction'}: "
                           "opinions and predictions get no verdict")
        if str(iri) not in facts:
            return Verdict(str(a), str(b), NOT_COMPARABLE,
                           f"{_short(iri)} has no structured content (subject, property, "
                           "value) to compare")
    return compare_pair(facts[str(a)], facts[str(b)], load_identity(kb))


def compare_subject(kb: "KnowledgeBase", subject: URIRef, prop: URIRef | None = None) -> list[Fact]:
    """The facts about one subject (and its owl:sameAs), each with the verdicts on its
    comparable pairs of claims from different sources (from the comparison index)."""
    return _index_report(kb, subject=str(subject), prop=None if prop is None else str(prop),
                         eager=True)


def group_facts(facts: Iterable[ClaimFacts], identity: Identity) -> list[Fact]:
    """Facts several sources speak about, with the verdicts on their comparable pairs
    (NOT_COMPARABLE pairs are left out: ask compare_claim or compare_two for those).

    Claims are grouped by (subject, property, scope) identity; unless the property is
    time-invariant, a group is split into runs of claims whose times overlap, each run
    a fact, and claims that do not say what time they are about are left out. Facts
    with conflicts come first, then those with more sources.
    """
    groups: dict[tuple, list[ClaimFacts]] = defaultdict(list)
    for f in facts:
        if f.modality in NO_VERDICT:
            continue
        groups[(identity.key(f.subject), identity.key(f.property), identity.key(f.scope))].append(f)
    out = []
    for (subject, prop, scope), claims in groups.items():
        for run, verdicts in _runs(claims, identity, prop):
            verdicts.sort(key=lambda v: (VERDICTS.index(v.verdict), v.a, v.b))
            out.append(Fact(subject, prop, scope, run, verdicts))
    out.sort(key=_fact_order)
    return out


def _fact_order(f: Fact) -> tuple:
    return (-f.count(CONFLICT), -f.sources, f.subject, f.property,
            f.claims[0].earliest or dt.date.min, f.scope or "")


def _runs(claims: list[ClaimFacts], identity: Identity,
          prop: str) -> list[tuple[list[ClaimFacts], list[Verdict]]]:
    """One group's facts: (run of claims, verdicts on its comparable pairs), for the
    runs with at least two sources and one comparable pair. ``claims`` are one
    (subject, property, scope) group's claims, opinions and predictions left out."""
    if len({c.source for c in claims}) < 2:
        return []
    timeless = identity.property_has(prop, identity.time_invariant)
    if timeless:
        claims = sorted(claims, key=lambda c: (c.earliest or dt.date.min, c.claim))
        runs = [claims]
    else:
        dated = sorted((c for c in claims if c.earliest is not None),
                       key=lambda c: (c.earliest, c.claim))
        runs = _windows(dated)
    out = []
    for run in runs:
        if len({c.source for c in run}) < 2:
            continue
        verdicts = [v for v in _pairs(run, identity, timeless) if v.verdict != NOT_COMPARABLE]
        if verdicts:
            out.append((run, verdicts))
    return out


def _check_verdict(verdict: str | None) -> None:
    if verdict is not None and verdict not in VERDICTS:
        raise InputError(f"unknown verdict {verdict!r} (known: {', '.join(VERDICTS)})")
    if verdict == NOT_COMPARABLE:
        raise InputError("the report lists comparable pairs only; ask about one claim "
                         "(--claim) or a pair (--pair) to see what is not comparable and why")


def _filters(kb: "KnowledgeBase", subject, prop, source, verdict) -> dict:
    _check_verdict(verdict)
    return {"subject": str(_iri(kb, "entities", subject)) if subject else None,
            "prop": str(_iri(kb, "properties", prop)) if prop else None,
            "source": str(kb._source_iri(source)) if source else None,
            "verdict": verdict}


def report(kb: "KnowledgeBase", *, subject: str | None = None, prop: str | None = None,
           source: str | None = None, verdict: str | None = None,
           limit: int | None = None, offset: int = 0) -> list[Fact]:
    """The KB-wide report: facts several sources speak about, conflicts first, then by
    number of sources. Filters: subject and property (ids or IRIs), source (an article
    or publisher: facts it takes part in), verdict (only pairs with that verdict).
    ``limit``/``offset`` page through the facts in that order.
    Raises InputError for an unknown verdict, NotFound for an unknown source.

    One ordered scan of the comparison index's facts; each fact reads its claims and
    verdicts when they are first asked for (``report_counts`` counts without them)."""
    if limit is not None and limit < 0 or offset < 0:
        raise InputError("limit and offset cannot be negative")
    f = _filters(kb, subject, prop, source, verdict)
    return _index_report(kb, limit=limit, offset=offset, **f)


def report_rows(kb: "KnowledgeBase", *, subject: str | None = None, prop: str | None = None,
                source: str | None = None, verdict: str | None = None,
                limit: int | None = None, page: int = 1000) -> Iterator[dict]:
    """Every verdict of the report (``report``'s filters and order: fact by fact,
    conflicts first), as plain rows: subject, property, scope, sources, a, b, verdict,
    severity, absolute_difference, relative_difference, reason; the first ``limit``
    facts' only when given. Streamed ``page`` facts at a time from the comparison index,
    in bounded memory and without building Fact or Verdict objects: this is how
    `claimkb compare` writes the whole report. Raises as ``report``."""
    from . import compare_index

    f = _filters(kb, subject, prop, source, verdict)
    idx = compare_index.ensure(kb)
    query = _index_query(idx, **f)
    if query is None:   # a property with equivalents: facts computed, as report() does
        for fact in _index_report(kb, limit=limit, **f):
            for v in fact.verdicts:
                yield {"subject": fact.subject, "property": fact.property, "scope": fact.scope,
                       "sources": fact.sources, **v.as_dict()}
        return
    offset = 0
    while limit is None or offset < limit:
        size = page if limit is None else min(page, limit - offset)
        facts = idx.facts(*query, size, offset)
        meta = {row[0]: (row[1], row[2], row[3] or None, row[7]) for row in facts}
        for fid, a, b, name, severity, absolute, relative, reason in idx.verdict_rows(list(meta), verdict):
            subject_, property_, scope, sources = meta[fid]
            yield {"subject": subject_, "property": property_, "scope": scope, "sources": sources,
                   "a": a, "b": b, "verdict": name, "reason": reason,
                   "absolute_difference": absolute, "relative_difference": relative,
                   "severity": severity}
        if len(facts) < size:
            return
        offset += size


def report_counts(kb: "KnowledgeBase", *, subject: str | None = None, prop: str | None = None,
                  source: str | None = None, verdict: str | None = None) -> dict:
    """How many facts the report with these filters lists, and how many verdicts of
    each kind they hold: {"facts", "facts_with_conflict", "conflict", "compatible",
    "agree"} (with ``verdict``, the other kinds count 0). Read from the index's
    per-fact counts, without loading claims or verdicts."""
    from . import compare_index

    f = _filters(kb, subject, prop, source, verdict)
    idx = compare_index.ensure(kb)
    query = _index_query(idx, **f)
    if query is None:   # a property with equivalents: counted from the computed facts
        facts = _index_report(kb, **f)
        out = {"facts": len(facts), "facts_with_conflict": sum(1 for x in facts if x.count(CONFLICT))}
        out.update({v: sum(x.count(v) for x in facts) for v in (CONFLICT, COMPATIBLE, AGREE)})
        return out
    out = idx.count(*query)
    if verdict:
        out.update({v: out[v] if v == verdict else 0 for v in (CONFLICT, COMPATIBLE, AGREE)})
        if verdict != CONFLICT:
            out["facts_with_conflict"] = 0
    return out


def worst_verdicts(kb: "KnowledgeBase", claims: list[str] | None = None) -> dict[str, str]:
    """For each claim IRI (every claim when ``claims`` is None) the most severe verdict
    it takes part in with another source's claim in the report: conflict > compatible
    > agree. Claims with none (no other source, not comparable, opinions, no
    structured content, unknown) are absent. One indexed lookup."""
    from . import compare_index

    return compare_index.ensure(kb).worst(None if claims is None else [str(c) for c in claims])


def _index_query(idx, *, subject=None, prop=None, source=None, verdict=None):
    """(where, args) over the index's facts for these filters; None when they need
    the facts computed from the claims (a property that has equivalents: the report
    then groups only that property's own claims, as before the index)."""
    where, args = [], []
    if prop is not None:
        if idx.has_equivalents(prop):
            return None
        where.append("kp = ?")
        args.append(prop)
    if subject is not None:
        where.append("ks = ?")
        args.append(idx.canonical(subject))
    if source is not None:
        where.append("id IN (SELECT fact FROM claims WHERE fact IS NOT NULL AND source = ? "
                     "UNION SELECT fact FROM claims WHERE fact IS NOT NULL AND article = ?)")
        args += [source, source]
    if verdict is not None:
        from .compare_index import COUNT_COLUMN

        where.append(f"{COUNT_COLUMN[verdict]} > 0")
    return " AND ".join(where), args


def _index_report(kb: "KnowledgeBase", *, subject=None, prop=None, source=None, verdict=None,
                  limit=None, offset=0, eager=False) -> list[Fact]:
    from . import compare_index

    idx = compare_index.ensure(kb)
    query = _index_query(idx, subject=subject, prop=prop, source=source, verdict=verdict)
    if query is None:
        where, args = ["property = ?"], [prop]
        if subject is not None:
            where.append("ks = ?")
            args.append(idx.canonical(subject))
        rows = idx.rows(" AND ".join(where), args)
        keys = {f.claim: k for k, f in rows}
        facts = [f for _, f in rows]
        out = group_facts(facts, idx.local_identity(facts, keys))
        if source:
            out = [f for f in out if any(source in (c.source, c.article) for c in f.claims)]
        if verdict:
            for f in out:
                f.verdicts = [v for v in f.verdicts if v.verdict == verdict]
            out = [f for f in out if f.verdicts]
        return out[offset:None if limit is None else offset + limit]
    out = []
    for fid, ks, kp, kscope, conflicts, compatibles, agrees, sources in idx.facts(*query, limit, offset):
        counts = {CONFLICT: conflicts, COMPATIBLE: compatibles, AGREE: agrees}

        def loader(what, fid=fid):
            if what == "claims":
                return idx.fact_claims(fid)
            return idx.fact_verdicts(fid, verdict)

        fact = Fact(ks, kp, kscope or None, loader=loader, sources=sources,
                    counts={verdict: counts[verdict]} if verdict else counts)
        if eager:
            fact.claims, fact.verdicts  # noqa: B018 - read now
        out.append(fact)
    return out


def _iri(kb: "KnowledgeBase", kind: str, ref: str) -> URIRef:
    if ref.startswith(("http://", "https://")):
        return URIRef(ref)
    try:
        return kb.iris.resolve(kind, ref)
    except NotFound:
        raise NotFound(f"no {kind[:-1]} {ref!r}") from None


# ---------------------------------------------------------------- materialisation

def comparison_iri(kb: "KnowledgeBase", a: str, b: str) -> URIRef:
    first, second = sorted((a, b))
    return kb.iris.mint("comparisons", short_hash(first, second, length=16))


def comparison_quads(kb: "KnowledgeBase", verdicts: Iterable[Verdict],
                     now: dt.datetime) -> list[tuple]:
    stamp = Literal(now.isoformat(timespec="seconds"), datatype=XSD.dateTime)
    quads = []
    for v in verdicts:
        node = comparison_iri(kb, v.a, v.b)
        quads += [
            (node, RDF.type, CKB.Comparison, COMPARISONS),
            (node, CKB.compares, URIRef(v.a), COMPARISONS),
            (node, CKB.compares, URIRef(v.b), COMPARISONS),
            (node, CKB.verdict, VERDICT_IRI[v.verdict], COMPARISONS),
            (node, CKB.reason, Literal(v.reason), COMPARISONS),
            (node, PROV.generatedAtTime, stamp, COMPARISONS),
        ]
        if v.severity:
            quads.append((node, CKB.severity, SEVERITY_IRI[v.severity], COMPARISONS))
        if v.absolute is not None:
            quads.append((node, CKB.absoluteDifference,
                          Literal(_num(v.absolute), datatype=XSD.decimal), COMPARISONS))
        if v.relative is not None:
            quads.append((node, CKB.relativeDifference,
                          Literal(_num(v.relative), datatype=XSD.decimal), COMPARISONS))
    return quads


MATERIALISE_BATCH = 50_000  # verdicts per load: bounded memory for any KB size


def _nq_literal(text: str) -> str:
    return '"' + (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                  .replace("\r", "\\r")) + '"'


def _nquads(kb: "KnowledgeBase", rows: Iterable[tuple], stamp: str) -> str:
    """N-Quads of stored verdicts (rows of CompareIndex.all_verdicts): the same quads
    as comparison_quads, written directly (no rdflib terms)."""
    from .compare_index import NAME

    g = f"<{COMPARISONS}>"
    t = {name: f"<{iri}>" for name, iri in VERDICT_IRI.items()}
    sev = {name: f"<{iri}>" for name, iri in SEVERITY_IRI.items()}
    p = {k: f"<{v}>" for k, v in (("type", RDF.type), ("compares", CKB.compares),
                                  ("verdict", CKB.verdict), ("reason", CKB.reason),
                                  ("at", PROV.generatedAtTime), ("severity", CKB.severity),
                                  ("abs", CKB.absoluteDifference), ("rel", CKB.relativeDifference))}
    cls = f"<{CKB.Comparison}>"
    dec = f"^^<{XSD.decimal}>"
    at = f'"{stamp}"^^<{XSD.dateTime}>'
    lines = []
    for a, b, code, severity, absolute, relative, reason in rows:
        n = f"<{comparison_iri(kb, a, b)}>"
        lines += [f"{n} {p['type']} {cls} {g} .", f"{n} {p['compares']} <{a}> {g} .",
                  f"{n} {p['compares']} <{b}> {g} .",
                  f"{n} {p['verdict']} {t[NAME[code]]} {g} .",
                  f"{n} {p['reason']} {_nq_literal(reason)} {g} .", f"{n} {p['at']} {at} {g} ."]
        if severity:
            lines.append(f"{n} {p['severity']} {sev[severity]} {g} .")
        if absolute is not None:
            lines.append(f'{n} {p["abs"]} "{_num(Decimal(absolute))}"{dec} {g} .')
        if relative is not None:
            lines.append(f'{n} {p["rel"]} "{_num(Decimal(relative))}"{dec} {g} .')
    lines.append("")
    return "\n".join(lines)


def materialise(kb: "KnowledgeBase") -> int:
    """Store every verdict of the report (from the comparison index) in the comparison
    graph, replacing what was there. Returns the number of comparisons.

    The graph is cleared, then filled from the index's verdicts written as N-Quads in
    batches of MATERIALISE_BATCH verdicts (bounded memory): on the embedded store one
    streaming bulk load (pyoxigraph ``bulk_extend``; several calls were slower, each
    ingesting into a larger store), on an endpoint one load per batch. The graph is
    derived data: a failure part-way leaves a partial graph that the next run replaces."""
    from . import compare_index
    from .store.embedded import EmbeddedStore

    idx = compare_index.ensure(kb)
    stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    kb.store.update(f"CLEAR SILENT GRAPH <{COMPARISONS}>")
    count = 0

    def batches():
        nonlocal count
        rows = idx.all_verdicts()
        while True:
            batch = list(itertools.islice(rows, MATERIALISE_BATCH))
            if not batch:
                return
            count += len(batch)
            yield _nquads(kb, batch, stamp).encode("utf-8")

    if isinstance(kb.store, EmbeddedStore):
        import pyoxigraph as ox

        kb.store.oxigraph.bulk_extend(
            q for text in batches() for q in ox.parse(text, ox.RdfFormat.N_QUADS))
        kb.store.touch()
    else:
        for text in batches():
            kb.store.load(text, "nquads", where="comparisons")
    return count


REFRESH_ONE_UPDATE = 1000   # claims rejudged in one write kept current in one update


def refresh(kb: "KnowledgeBase", claims: list[URIRef]) -> list[str]:
    """Bring the comparison index (and, when materialised, the comparison graph) up to
    date after ``claims`` were written, rewritten or deleted. Returns the IRIs of the
    claims whose verdicts may have changed: the claims given and the claims they were
    or are now judged against (all the claims of a group whose every pair was judged
    again, after a property's traits changed)."""
    from . import compare_index

    done = compare_index.refresh(kb, claims)
    materialised = kb.store.query(sparql.load("comparisons_exist.rq")).boolean
    if done is None:            # no index yet: built on first use (now, if materialised)
        if materialised:
            materialise(kb)
        return [str(c) for c in claims]
    touched, verdicts, replaced = done
    if materialised and replaced:
        if len(replaced) <= REFRESH_ONE_UPDATE:
            now = dt.datetime.now(dt.timezone.utc)
            parts = [sparql.render("delete_comparisons.ru", claim=[URIRef(c) for c in replaced])]
            if verdicts:
                parts.append(sparql.insert_data(comparison_quads(kb, verdicts, now)))
            kb.store.update(sparql.join_updates(parts))
        else:       # a large write: bounded updates (the graph is derived data)
            from .compare_index import CODE
            from .store.base import chunked

            stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
            for chunk in chunked(replaced, REFRESH_ONE_UPDATE):
                kb.store.update(sparql.render("delete_comparisons.ru",
                                              claim=[URIRef(c) for c in chunk]))
            for chunk in chunked(verdicts, MATERIALISE_BATCH):
                rows = [(v.a, v.b, CODE[v.verdict], v.severity,
                         None if v.absolute is None else str(v.absolute),
                         None if v.relative is None else str(v.relative), v.reason) for v in chunk]
                kb.store.load(_nquads(kb, rows, stamp).encode("utf-8"), "nquads",
                              where="comparisons")
    return touched


__all__ = ["AGREE", "COMPATIBLE", "CONFLICT", "NOT_COMPARABLE", "VERDICTS", "ClaimFacts",
           "Verdict", "Fact", "compare_pair", "compare_claim", "compare_two", "compare_subject", "report",
           "materialise", "refresh", "load_facts", "load_identity", "group_facts",
           "agree_after_rounding", "report_counts", "worst_verdicts"]
