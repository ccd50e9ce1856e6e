"""The verdict on a pair of claims: do they agree, are they
compatible once their qualifiers, dates and scopes are read, does one support part of
the other, or do they conflict? The rules, with an example each, are in
docs/comparison.md; this docstring is their summary.

Pure rules on plain values (``ClaimFacts``, ``Identity``): no store, no index. Which
claims are about the same thing, the report and the indexes are kb.compare and
kb.compare_index; this module does what SPARQL cannot: interval arithmetic, unit
conversion, rounding, and reading a pair's scopes and times, and groups one
(subject, property, scope)'s claims into the facts the report lists.

A pair's verdict (``compare_pair``) is one of AGREE, COMPATIBLE, PARTIAL, CONFLICT,
NOT_COMPARABLE, with its reason in words and flags (attribution_change,
modality_change, different_dates, scope_not_stated, rounded). In turn:

* an opinion gets no verdict; different subject, property or kind of value is not
  comparable;
* scope: one not stated → "may hold" (COMPATIBLE or PARTIAL, never CONFLICT); one part
  of the other → PARTIAL (CONFLICT when a part's additive figure exceeds the whole's);
  disjoint → NOT_COMPARABLE;
* time, by the property's kind (rdf:type; ``Identity.kind``; state by default): a state
  on different days agrees or changed (COMPATIBLE), never conflicts; an event count of
  another episode is NOT_COMPARABLE; a running total may only grow; a time-invariant
  fact compares whatever the dates. "Same time" is overlap, or at most the property's
  ckb:timeToleranceDays apart;
* the values are related (``_relate``): the same (after the rounding rule), overlapping
  intervals, one place within another (dcterms:isPartOf), a subset of a set, sets that
  share members, disjoint — and that relation read in the light of the scope and time.

**Rounding rule** (``agree_after_rounding``): two figures stated as exact agree when
the more precise one, rounded to the precision the less precise one was written to,
equals it (2,640 m and 2,640.3 m; "60.3 million" and 60,345,999; not 8.0 % and 8.1 %).
Whole numbers in digits are taken at face value: trailing zeros are not read as
rounding (1,400 km vs 1,344 km is a conflict, of moderate severity), because a reader
cannot tell "1,400" from "about 1,400" unless the source says so; sources that round say
"about", "some", "nearly", and those qualifiers widen the interval.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Iterable

from kb.model.dates import parse_date
from kb.errors import InputError
from kb.model.units import ADDITIVE_DIMENSIONS, UNITS
from kb.model.vocab import CKB

AGREE, COMPATIBLE, PARTIAL, CONFLICT, NOT_COMPARABLE = (
    "AGREE", "COMPATIBLE", "PARTIAL", "CONFLICT", "NOT_COMPARABLE")
VERDICTS = (CONFLICT, PARTIAL, COMPATIBLE, AGREE, NOT_COMPARABLE)   # most severe first
VERDICT_IRI = {AGREE: CKB.Agree, COMPATIBLE: CKB.Compatible, PARTIAL: CKB.Partial,
               CONFLICT: CKB.Conflict, NOT_COMPARABLE: CKB.NotComparable}
# flags shown beside a pair's verdict
ATTRIBUTION_CHANGE, MODALITY_CHANGE, DIFFERENT_DATES, SCOPE_NOT_STATED, ROUNDED = (
    "attribution_change", "modality_change", "different_dates", "scope_not_stated", "rounded")
FLAGS = (ATTRIBUTION_CHANGE, MODALITY_CHANGE, DIFFERENT_DATES, SCOPE_NOT_STATED, ROUNDED)
FLAG_IRI = {ATTRIBUTION_CHANGE: CKB.AttributionChange, MODALITY_CHANGE: CKB.ModalityChange,
            DIFFERENT_DATES: CKB.DifferentDates, SCOPE_NOT_STATED: CKB.ScopeNotStated,
            ROUNDED: CKB.Rounded}
# a fact's status (CONTESTED: its sources disagree) and a claim's (UNVERIFIED: no other
# source addresses it)
CONTESTED, CONSISTENT = "CONTESTED", "CONSISTENT"
SUPPORTED, PARTLY_SUPPORTED, UNVERIFIED = "SUPPORTED", "PARTLY_SUPPORTED", "UNVERIFIED"
# relative gap between two conflicting intervals → severity (upper bounds, exclusive)
SEVERITY = ((Decimal("0.02"), "minor"), (Decimal("0.10"), "moderate"), (None, "major"))
SEVERITY_IRI = {"minor": CKB.Minor, "moderate": CKB.Moderate, "major": CKB.Major}
NO_VERDICT = {str(CKB.Opinion): "an opinion"}
PREDICTION, REPORTED = str(CKB.Prediction), str(CKB.ReportedSpeech)
EXACT = str(CKB.Exact)
APPROXIMATE = {str(CKB.About), str(CKB.Nearly)}      # qualifiers that say "rounded"
# property kinds (docs/comparison.md "Time"): rdf:types of the property, state the default
STATE, EVENT, CUMULATIVE, TIME_INVARIANT = "state", "event", "cumulative", "time_invariant"
KIND_OF_TYPE = {str(CKB.TimeInvariantProperty): TIME_INVARIANT,
                str(CKB.EventCountProperty): EVENT, str(CKB.CumulativeProperty): CUMULATIVE}


def verdict_spelling(text: str) -> str:
    """A verdict as users write it ("conflict", "not-comparable") in the API's spelling
    ("CONFLICT", "NOT_COMPARABLE"); not checked."""
    return str(text).strip().upper().replace("-", "_").replace(" ", "_")


def parse_verdict(text: str | None) -> str | None:
    """A verdict as users write it ("conflict", "not-comparable", "NOT_COMPARABLE").
    Raises InputError for an unknown one."""
    if text is None or text == "":
        return None
    name = verdict_spelling(text)
    if name not in VERDICTS:
        raise InputError(f"unknown verdict {text!r} (known: {', '.join(VERDICTS)})")
    return name


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
    object: str                      # an entity set: its member IRIs, sorted, space-separated
    value: Decimal | None = None
    decimals: int = 0
    unit: str | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    low_ex: bool = False
    high_ex: bool = False
    bound: str | None = None
    surface: str | None = None
    open_start: bool = False         # "by 30 June": holds at that day, beginning unstated
    open_end: bool = False           # "since 1998": latest is the publication day

    @property
    def members(self) -> list[str]:
        """An entity value's members (one, or the set's)."""
        return self.object.split(" ")

    @property
    def when(self) -> str:
        if self.earliest is None:
            return "no time given"
        if self.open_end:
            return f"since {self.earliest}"
        if self.open_start:
            return f"by {self.latest}"
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
    flags: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"a": self.a, "b": self.b, "verdict": self.verdict, "reason": self.reason,
                "flags": list(self.flags),
                "absolute_difference": None if self.absolute is None else str(self.absolute),
                "relative_difference": None if self.relative is None else str(self.relative),
                "severity": self.severity}


TRAITS = ("time_invariant", "single_valued", "event", "cumulative")


@dataclass
class Identity:
    """owl:sameAs / owl:equivalentProperty classes, property traits (kind,
    single-valued, time tolerance) and the part-of links between entities."""

    canonical: dict[str, str] = field(default_factory=dict)
    time_invariant: set[str] = field(default_factory=set)
    single_valued: set[str] = field(default_factory=set)
    event: set[str] = field(default_factory=set)
    cumulative: set[str] = field(default_factory=set)
    tolerance: dict[str, int] = field(default_factory=dict)     # property → days
    part_of: dict[str, set[str]] = field(default_factory=dict)  # entity → what it lies within
    # a property's (kind, single-valued, tolerance), and the part-of links by canonical
    # key, worked out once: compare_pair asks for every pair. Filled on first use;
    # add_trait empties them (set them before the first comparison otherwise).
    _traits: dict = field(default_factory=dict, repr=False, compare=False)
    _up: dict | None = field(default=None, repr=False, compare=False)   # part_of by key

    def key(self, iri: str | None) -> str | None:
        return None if iri is None else self.canonical.get(iri, iri)

    def property_has(self, prop: str, traits: set[str]) -> bool:
        key = self.key(prop)
        return any(self.key(p) == key for p in traits)

    def _of(self, prop: str) -> tuple[str, bool, int]:
        found = self._traits.get(prop)
        if found is None:
            kind = next((name for name in (TIME_INVARIANT, EVENT, CUMULATIVE)
                         if self.property_has(prop, getattr(self, name))), STATE)
            key = self.key(prop)
            tolerance = max((d for p, d in self.tolerance.items() if self.key(p) == key), default=0)
            found = self._traits[prop] = (kind, self.property_has(prop, self.single_valued),
                                          tolerance)
        return found

    def kind(self, prop: str) -> str:
        """The property's kind: time_invariant, event, cumulative, else state."""
        return self._of(prop)[0]

    def is_single_valued(self, prop: str) -> bool:
        return self._of(prop)[1]

    def tolerance_of(self, prop: str) -> int:
        return self._of(prop)[2]

    def contains(self, broad: str | None, narrow: str | None) -> bool:
        """Whether ``narrow`` lies within ``broad`` (dcterms:isPartOf, followed through
        any number of steps and across owl:sameAs; safe with cycles)."""
        if broad is None or narrow is None or not self.part_of:
            return False
        if self._up is None:        # canonical keys, worked out once (asked for per pair)
            self._up = defaultdict(set)
            for child, parents in self.part_of.items():
                self._up[self.key(child)].update(self.key(p) for p in parents)
        up = self._up
        target, seen, todo = self.key(broad), set(), [self.key(narrow)]
        while todo:
            node = todo.pop()
            for parent in up.get(node, ()):
                if parent == target:
                    return True
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return False

    def trait_rows(self) -> set[tuple[str, str]]:
        """(IRI, trait) rows: what the comparison index keeps to notice changes."""
        rows = {(self.key(p), t) for t in TRAITS for p in getattr(self, t)}
        rows |= {(self.key(p), f"tolerance={d}") for p, d in self.tolerance.items()}
        rows |= {(c, f"part_of={p}") for c, ps in self.part_of.items() for p in ps}
        return rows

    def add_trait(self, iri: str, trait: str) -> None:
        """The inverse of trait_rows, one row at a time."""
        self._traits.clear()
        self._up = None
        name, _, value = trait.partition("=")
        if name == "tolerance":
            self.tolerance[iri] = int(value)
        elif name == "part_of":
            self.part_of.setdefault(iri, set()).add(value)
        else:
            getattr(self, name).add(iri)


def _date(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text[:10])


def _dec(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def claim_facts(claim: str, source: str, article: str, modality: str, subject: str, prop: str,
           scope, earliest, latest, kind: str, obj: str, value, unit, low, high, low_ex,
           high_ex, bound, surface, open_start=None, open_end=None, places=None) -> ClaimFacts:
    value = _dec(value)
    if places is not None:          # the precision it was written to ("8.0", "60.3 million")
        decimals = int(places)
    else:
        decimals = max(0, -value.as_tuple().exponent) if value is not None else 0
    return ClaimFacts(
        claim=claim, source=source, article=article, modality=modality, subject=subject,
        property=prop, scope=scope, earliest=_date(earliest), latest=_date(latest),
        kind=kind, object=obj, value=value, decimals=decimals,
        unit=unit, low=_dec(low), high=_dec(high), low_ex=low_ex == "true",
        high_ex=high_ex == "true", bound=bound, surface=surface,
        open_start=open_start == "true", open_end=open_end == "true")


def entity_object(objects: Iterable[str]) -> str:
    """The ``object`` of an entity value: its member IRIs, sorted, space-separated."""
    return " ".join(sorted(set(objects)))


# ---------------------------------------------------------------- the verdict on a pair

def _nc(a: ClaimFacts, b: ClaimFacts, reason: str) -> Verdict:
    """NOT_COMPARABLE, with why. No flags: they qualify a comparison that was made."""
    return Verdict(a.claim, b.claim, NOT_COMPARABLE, reason)


def short_name(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


# how two values relate, whatever their time and scope (``_relate``)
SAME, OVERLAP, WIDER, SUBSET, INTERSECT, DISJOINT, INCOMPARABLE = (
    "same", "overlap", "wider", "subset", "intersect", "disjoint", "incomparable")


@dataclass
class Relation:
    """How two values relate. ``exclusive``: disjoint values cannot both hold (a
    quantity, or a single-valued property). For quantities: ``ia``/``ib`` the two
    intervals in a's unit, ``gap`` between them, ``rounded`` when they agree only after
    rounding or an approximate figure covers an exact one."""

    relation: str
    reason: str
    exclusive: bool = True
    rounded: bool = False
    ia: tuple | None = None
    ib: tuple | None = None
    gap: Decimal | None = None
    symbol: str = ""
    magnitude: Decimal | None = None
    ia_claim: str | None = None     # the claim whose interval is ia


def compare_pair(a: ClaimFacts, b: ClaimFacts, identity: Identity | None = None) -> Verdict:
    """The verdict on two claims, with its reason and flags (docs/comparison.md). Never
    raises for odd data: a pair that cannot be judged is NOT_COMPARABLE with the reason
    why.

    In turn: an opinion gets no verdict; different subject, property or kind of value
    is not comparable; scope (the same; one not stated; one part of the other;
    disjoint) and time (by the property's kind: state, event count, cumulative total,
    time-invariant) are read; then the values are related (``_relate``: same,
    overlapping, one wider, a subset, disjoint …) and the relation read in the light of
    the scope and time."""
    identity = identity or Identity()
    for c in (a, b):
        if c.modality in NO_VERDICT:
            return _nc(a, b, f"{short_name(c.claim)} is {NO_VERDICT[c.modality]}: opinions get "
                             "no verdict")
    flags = []
    if (a.modality == PREDICTION) != (b.modality == PREDICTION):
        flags.append(MODALITY_CHANGE)
    if (a.modality == REPORTED) != (b.modality == REPORTED):
        flags.append(ATTRIBUTION_CHANGE)
    if identity.key(a.subject) != identity.key(b.subject):
        return _nc(a, b, f"different subjects ({short_name(a.subject)}, {short_name(b.subject)})")
    if identity.key(a.property) != identity.key(b.property):
        return _nc(a, b, f"different properties ({short_name(a.property)}, {short_name(b.property)})")
    if a.kind != b.kind:
        return _nc(a, b, f"different kinds of value ({a.kind}, {b.kind})")
    # scope: the same, one not stated, one part of the other, or disjoint
    sa, sb = identity.key(a.scope), identity.key(b.scope)
    unstated: list[str] = []
    narrower = None
    if sa != sb:
        if sa is None or sb is None:
            c, other = (a, b) if sa is None else (b, a)
            unstated.append(f"{short_name(c.claim)} does not state its scope ({short_name(other.claim)} "
                            f"is about {short_name(other.scope)})")
        elif identity.contains(sb, sa):
            narrower = (a, b)
        elif identity.contains(sa, sb):
            narrower = (b, a)
        else:
            return _nc(a, b, f"different scope: {short_name(a.scope)} vs {short_name(b.scope)}")

    # time, by the property's kind
    kind, _, tolerance = identity._of(a.property)
    across = False          # a state at different times
    cumulative = None       # (earlier, later) running totals, or None
    if kind != TIME_INVARIANT:
        if a.earliest is None or b.earliest is None:
            missing = a if a.earliest is None else b
            unstated.append(f"{short_name(missing.claim)} does not say what time it is about")
        elif kind == CUMULATIVE and a.kind == "quantity":
            order = _periods(a, b, tolerance)
            if order is None:
                return _nc(a, b, f"totals over different periods: {_period(a)} vs {_period(b)}")
            if order != "same":
                flags.append(DIFFERENT_DATES)
                cumulative = order
        elif not _same_time(a, b, tolerance):
            if kind == EVENT:
                return _nc(a, b, f"different episodes: {a.when} vs {b.when} "
                                 f"({short_name(a.property)} counts events)")
            flags.append(DIFFERENT_DATES)
            across = True
    # the values, last: the checks above are cheaper and often decide alone
    rel = _relate(a, b, identity)
    if rel.relation == INCOMPARABLE:
        return _nc(a, b, rel.reason)
    if rel.rounded:
        flags.append(ROUNDED)

    def verdict(name: str, reason: str, **gap) -> Verdict:
        return Verdict(a.claim, b.claim, name, reason, flags=tuple(flags), **gap)

    if unstated:
        flags.append(SCOPE_NOT_STATED)
        if rel.relation in (SAME, OVERLAP, WIDER) or (rel.relation == DISJOINT and not rel.exclusive):
            return verdict(COMPATIBLE, f"may hold: {'; '.join(unstated)}; {rel.reason}")
        return verdict(PARTIAL, f"may hold for a different scope or time: {'; '.join(unstated)}; "
                                f"{rel.reason}")
    if narrower is not None:
        part, whole = narrower
        if (not across and a.kind == "quantity" and rel.gap is not None and _additive(a.unit)
                and _above(part, rel)):
            return _conflict(verdict, rel, f"{short_name(part.claim)} gives more for "
                             f"{short_name(part.scope)} than {short_name(whole.claim)} for the whole of "
                             f"{short_name(whole.scope)}: {rel.reason}")
        return verdict(PARTIAL, f"{short_name(part.scope)} is part of {short_name(whole.scope)}: "
                                f"{short_name(part.claim)} covers a narrower scope; {rel.reason}")
    if cumulative is not None:
        earlier, later = cumulative
        if rel.relation == DISJOINT and _above(earlier, rel):
            return _conflict(verdict, rel, f"a later total ({later.surface}, {later.when}) below "
                             f"an earlier one ({earlier.surface}, {earlier.when}): "
                             f"{short_name(a.property)} is a running total and can only grow; "
                             f"{rel.reason}")
        return verdict(COMPATIBLE, f"the running total went from {earlier.surface} "
                                   f"({earlier.when}) to {later.surface} ({later.when}); {rel.reason}")
    if across:
        if rel.relation == SAME:
            return verdict(AGREE, f"the same on different dates ({a.when}, {b.when}): {rel.reason}")
        if rel.relation == DISJOINT and rel.exclusive:
            return verdict(COMPATIBLE, f"a change over time, not a conflict: {a.when} vs "
                                       f"{b.when}; {rel.reason}")
        return verdict(COMPATIBLE, f"consistent on different dates ({a.when}, {b.when}): "
                                   f"{rel.reason}")
    if rel.relation == SAME:
        return verdict(AGREE, rel.reason)
    if rel.relation in (OVERLAP, WIDER):
        return verdict(COMPATIBLE, rel.reason)
    if rel.relation in (SUBSET, INTERSECT):
        return verdict(PARTIAL, rel.reason)
    if not rel.exclusive:
        return verdict(COMPATIBLE, rel.reason)
    if rel.gap is not None:
        return _conflict(verdict, rel, f"{rel.reason}: cannot both hold for the same time "
                                       "and scope")
    return verdict(CONFLICT, rel.reason, severity="major")


def _conflict(verdict, rel: Relation, reason: str) -> Verdict:
    """A conflict between quantities, with the gap (absolute, relative) and severity."""
    gap = rel.gap
    relative = (gap / rel.magnitude).quantize(Decimal("0.0001")) if rel.magnitude else None
    severity = next(name for limit, name in SEVERITY
                    if limit is None or (relative is not None and relative < limit))
    rel_text = f", {relative * 100:.1f}%" if relative is not None else ""
    return verdict(CONFLICT, f"{reason}: {plain_number(gap)}{rel.symbol} apart{rel_text}",
                   absolute=gap, relative=relative, severity=severity)


def _above(c: ClaimFacts, rel: Relation) -> bool:
    """Whether ``c``'s interval lies wholly above the other's (the gap is on its side)."""
    if rel.gap is None:
        return False
    mine, other = (rel.ia, rel.ib) if rel.ia_claim == c.claim else (rel.ib, rel.ia)
    return mine[0] is not None and other[2] is not None and mine[0] >= other[2]


def _additive(unit: str | None) -> bool:
    u = UNITS.get(unit or "")
    return u is not None and u.dimension in ADDITIVE_DIMENSIONS


def _same_time(a: ClaimFacts, b: ClaimFacts, tolerance: int) -> bool:
    """Whether the times overlap, or are at most ``tolerance`` days apart."""
    slack = dt.timedelta(days=tolerance)
    return not (_plus(a.latest, slack) < b.earliest or _plus(b.latest, slack) < a.earliest)


def _plus(day: dt.date, delta: dt.timedelta) -> dt.date:
    try:
        return day + delta
    except OverflowError:
        return dt.date.max


def _period(c: ClaimFacts) -> str:
    return f"since {c.earliest} to {c.latest}" if c.open_end else f"to {c.latest}"


def _periods(a: ClaimFacts, b: ClaimFacts, tolerance: int):
    """Two running totals: "same" (counted to the same day, within ``tolerance``, over
    the same period), (earlier, later) when the later one's period contains the
    earlier's (it may only be larger), or None (periods that do not nest). A total's
    period starts on its stated day ("since 1 March") or, unstated, on the other's."""
    slack = dt.timedelta(days=tolerance)
    sa = a.earliest if a.open_end else None
    sb = b.earliest if b.open_end else None
    same_end = abs((a.latest - b.latest).days) <= slack.days if a.latest and b.latest else False
    if same_end and (sa is None or sb is None or sa == sb):
        return "same"
    later, earlier = (a, b) if (a.latest, a.claim) > (b.latest, b.claim) else (b, a)
    if same_end:    # same day, different starts: the longer period is the "later" total
        later, earlier = (a, b) if sa < sb else (b, a)
        return earlier, later
    s_later = later.earliest if later.open_end else None
    s_earlier = earlier.earliest if earlier.open_end else None
    if s_later is not None and s_earlier is not None and s_later > s_earlier:
        return None
    return earlier, later


def _relate(a: ClaimFacts, b: ClaimFacts, identity: Identity) -> Relation:
    if a.kind == "quantity":
        return _relate_quantities(a, b)
    single = identity.is_single_valued(a.property)
    if a.kind == "entity":
        ma = {identity.key(m) for m in a.members}
        mb = {identity.key(m) for m in b.members}
        names_a, names_b = _names(a.members), _names(b.members)
        if ma == mb:
            return Relation(SAME, f"both name {names_a}")
        if len(ma) == 1 and len(mb) == 1:
            (x,), (y,) = ma, mb
            if identity.contains(x, y) or identity.contains(y, x):
                wide, narrow = (names_a, names_b) if identity.contains(x, y) else (names_b, names_a)
                return Relation(WIDER, f"{narrow} is within {wide}: the narrower is more precise")
        elif ma & mb:
            if ma < mb or mb < ma:
                small, big = (names_a, names_b) if ma < mb else (names_b, names_a)
                return Relation(SUBSET, f"{small} is part of {big}")
            return Relation(INTERSECT, f"{names_a} and {names_b} share "
                                       f"{_names(sorted(ma & mb))}")
        if single:
            return Relation(DISJOINT, f"{short_name(a.property)} has one value, but they name "
                                      f"{names_a} and {names_b}")
        return Relation(DISJOINT, f"{names_a} and {names_b} can both hold: "
                                  f"{short_name(a.property)} may have several values", exclusive=False)
    if a.kind == "date":
        da, db = _date_span(a.object), _date_span(b.object)
        if a.object == b.object:
            return Relation(SAME, f"both give {a.object}")
        if da and db and da[0] <= db[1] and db[0] <= da[1]:
            return Relation(OVERLAP, f"{a.object} and {b.object} overlap at their precision")
        if single:
            return Relation(DISJOINT, f"{short_name(a.property)} has one value, but they give "
                                      f"{a.object} and {b.object}")
        return Relation(DISJOINT, f"{a.object} and {b.object} can both hold: "
                                  f"{short_name(a.property)} may have several values", exclusive=False)
    if " ".join(a.object.lower().split()) == " ".join(b.object.lower().split()):
        return Relation(SAME, f"both say {a.object!r}")
    return Relation(INCOMPARABLE, "free-text values are not compared")


def _names(members) -> str:
    names = [short_name(m) for m in members]
    return names[0] if len(names) == 1 else "{" + ", ".join(names) + "}"


def _date_span(text: str) -> tuple[dt.date, dt.date] | None:
    try:
        d = parse_date(text)
    except InputError:
        return None
    return d.earliest, d.latest


_FACTORS = {code: (u.dimension, Decimal(str(u.factor))) for code, u in UNITS.items()}
_ONE = Decimal(1)


def _factor(unit: str | None) -> tuple[str, Decimal] | None:
    return _FACTORS.get(unit or "")


def _round(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def agree_after_rounding(a: Decimal, da: int, b: Decimal, db: int) -> bool:
    """The rounding rule: equal at the precision of the less precise figure."""
    places = min(da, db)
    return _round(a, places) == _round(b, places)


def _fmt_interval(low, low_ex, high, high_ex, unit_symbol: str) -> str:
    left = "(" if low is None or low_ex else "["
    right = ")" if high is None or high_ex else "]"
    lo = "-∞" if low is None else plain_number(low)
    hi = "∞" if high is None else plain_number(high)
    return f"{left}{lo}, {hi}{right}{unit_symbol}"


def _interval_text(c: ClaimFacts, factor: Decimal, symbol: str) -> str:
    """``c``'s interval in words, in the unit ``factor`` converts it to; kept on the
    claim for the next pair (a claim is compared with many)."""
    cache = c.__dict__.setdefault("_texts", {})
    text = cache.get((factor, symbol))
    if text is None:
        low = None if c.low is None else c.low * factor
        high = None if c.high is None else c.high * factor
        text = cache[(factor, symbol)] = _fmt_interval(low, c.low_ex, high, c.high_ex, symbol)
    return text


def plain_number(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value == value else str(value)
    return text


def _relate_quantities(a: ClaimFacts, b: ClaimFacts) -> Relation:
    fa, fb = _factor(a.unit), _factor(b.unit)
    if fa is None or fb is None or a.value is None or b.value is None:
        return Relation(INCOMPARABLE, f"unknown unit ({a.unit}, {b.unit})")
    if fa[0] != fb[0]:
        return Relation(INCOMPARABLE, f"different unit dimensions: {fa[0]} ({a.surface}) vs "
                                      f"{fb[0]} ({b.surface})")
    same_unit = a.unit == b.unit
    if same_unit:
        to_a, bv, blow, bhigh = _ONE, b.value, b.low, b.high
    else:
        to_a = fb[1] / fa[1]        # multiply b's numbers by this to express them in a's unit
        bv = b.value * to_a
        blow = None if b.low is None else b.low * to_a
        bhigh = None if b.high is None else b.high * to_a
    # the same figure (the common case: checked before building intervals and words)
    if a.bound == EXACT and b.bound == EXACT:
        if (same_unit and agree_after_rounding(a.value, a.decimals, b.value, b.decimals)) or \
           (not same_unit and (_round(bv, a.decimals) == a.value
                               or _round(a.value / to_a, b.decimals) == b.value)):
            rounded = a.value != bv
            return Relation(SAME, f"{a.surface} and {b.surface} are the same figure"
                            + (" after rounding" if rounded else ""), rounded=rounded)
    elif a.bound == b.bound and a.value == bv and a.low == blow and a.high == bhigh:
        return Relation(SAME, f"{a.surface} and {b.surface} say the same")
    symbol = UNITS[a.unit].symbol
    symbol = f" {symbol}" if symbol and symbol != "%" else symbol
    ia = (a.low, a.low_ex, a.high, a.high_ex)
    ib = (blow, b.low_ex, bhigh, b.high_ex)
    gap = _gap(ia, ib)
    text_a = _interval_text(a, _ONE, symbol)
    text_b = _interval_text(b, to_a, symbol)
    if gap is None:
        rounded = {a.bound, b.bound} & APPROXIMATE and EXACT in (a.bound, b.bound)
        return Relation(OVERLAP, f"{a.surface} means {text_a} and {b.surface} means {text_b}: "
                                 "they overlap", rounded=bool(rounded))
    return Relation(DISJOINT, f"{a.surface} ({text_a}) and {b.surface} ({text_b})", gap=gap,
                    ia=ia, ib=ib, symbol=symbol, magnitude=max(abs(a.value), abs(bv)),
                    ia_claim=a.claim)


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


def judged_in_report(a: ClaimFacts, b: ClaimFacts, kind: str, tolerance: int) -> bool:
    """Whether the report judges this pair of one group's (dated) claims: every pair of
    a time-invariant property or a running total, else pairs whose times overlap or are
    at most the property's tolerance apart (a state's values on other days, and other
    episodes of an event, are shown with a claim: ``compare_claim``)."""
    return kind in (TIME_INVARIANT, CUMULATIVE) or _same_time(a, b, tolerance)


def _pairs(claims: list[ClaimFacts], identity: Identity, kind: str, tolerance: int) -> list[Verdict]:
    """Verdicts on the pairs of ``claims`` (sorted by earliest) from different sources
    the report judges (``judged_in_report``): a sweep, not every pair, so claims of
    different days are never judged and large groups stay linear."""
    verdicts = []
    slack = dt.timedelta(days=tolerance)
    every = kind in (TIME_INVARIANT, CUMULATIVE)
    for i, a in enumerate(claims):
        for b in claims[i + 1:]:
            if not every and b.earliest > _plus(a.latest, slack):
                break
            if a.source != b.source:
                verdicts.append(compare_pair(a, b, identity))
    return verdicts


def _windows(claims: list[ClaimFacts], tolerance: int = 0) -> list[list[ClaimFacts]]:
    """Split claims (sorted by earliest, all with times) into runs whose times chain
    together (at most ``tolerance`` days apart): one run is one fact at one time."""
    runs: list[list[ClaimFacts]] = []
    end = None
    slack = dt.timedelta(days=tolerance)
    for c in claims:
        if end is None or c.earliest > _plus(end, slack):
            runs.append([])
            end = c.latest
        runs[-1].append(c)
        end = max(end, c.latest)
    return runs


def group_runs(claims: list[ClaimFacts], identity: Identity, prop: str) -> list[list[ClaimFacts]]:
    """One (subject, property, scope) group's facts, before judging: all its claims for
    a time-invariant property; its dated claims for a running total; else runs of
    dated claims whose times chain together. Sorted by time, then IRI."""
    kind = identity.kind(prop)
    if kind == TIME_INVARIANT:
        return [sorted(claims, key=claim_order)] if claims else []
    dated = sorted((c for c in claims if c.earliest is not None), key=claim_order)
    if kind == CUMULATIVE:
        return [dated] if dated else []
    return _windows(dated, identity.tolerance_of(prop))


def claim_order(c: ClaimFacts) -> tuple:
    """The order of claims in a fact (and of a and b in a verdict): by time, then IRI."""
    return (c.earliest or dt.date.min, c.claim)


def claim_status(verdicts: Iterable[Verdict]) -> str:
    """A claim's status from its verdicts against other sources' claims: CONTESTED
    (one conflicts), SUPPORTED (one agrees or is compatible), PARTLY_SUPPORTED (one
    supports part of it), else UNVERIFIED (no stored source addresses it as worded)."""
    names = {v.verdict for v in verdicts}
    if CONFLICT in names:
        return CONTESTED
    if names & {AGREE, COMPATIBLE}:
        return SUPPORTED
    if PARTIAL in names:
        return PARTLY_SUPPORTED
    return UNVERIFIED


def fact_runs(claims: list[ClaimFacts], identity: Identity,
          prop: str) -> list[tuple[list[ClaimFacts], list[Verdict]]]:
    """One group's facts: (run of claims, verdicts on its comparable pairs), for the
    runs with at least two sources and one comparable pair. ``claims`` are one
    (subject, property, scope) group's claims, opinions left out."""
    if len({c.source for c in claims}) < 2:
        return []
    kind, tolerance = identity.kind(prop), identity.tolerance_of(prop)
    out = []
    for run in group_runs(claims, identity, prop):
        if len({c.source for c in run}) < 2:
            continue
        verdicts = [v for v in _pairs(run, identity, kind, tolerance) if v.verdict != NOT_COMPARABLE]
        if verdicts:
            out.append((run, verdicts))
    return out


COUNTED = (CONFLICT, PARTIAL, COMPATIBLE, AGREE)     # the verdicts the report lists
