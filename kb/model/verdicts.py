"""The verdict on a pair of claims: do they agree, are they
compatible once their qualifiers, dates and scopes are read, does one support part of
the other, or do they conflict? The rules, with an example each, are in
docs/comparison.md; this docstring is their summary.

Pure rules on plain values (``ClaimFacts``, ``Identity``: kb.model.claim_facts): no
store, no index. Which claims are about the same thing, the report and the indexes are
kb.services.compare and kb.derived.compare_index; this module and the rule families it calls do what
SPARQL cannot: interval arithmetic, unit conversion, rounding, and reading a pair's
scopes and times, and group one (subject, property, scope)'s claims into the facts the
report lists.

A pair's verdict (``compare_pair``) is one of AGREE, COMPATIBLE, PARTIAL, CONFLICT,
NOT_COMPARABLE, with its reason in words and flags (attribution_change,
modality_change, different_dates, scope_not_stated, rounded). In turn:

* an opinion gets no verdict; different subject, property or kind of value is not
  comparable;
* scope (kb.model.scope_rules): one not stated → "may hold" (COMPATIBLE or PARTIAL,
  never CONFLICT); one part of the other → PARTIAL (CONFLICT when a part's additive
  figure exceeds the whole's); disjoint → NOT_COMPARABLE;
* time (kb.model.time_rules), by the property's kind (rdf:type; ``Identity.kind``; state
  by default): a state on different days agrees or changed (COMPATIBLE), never
  conflicts; an event count of another episode is NOT_COMPARABLE; a running total may
  only grow; a time-invariant fact compares whatever the dates. "Same time" is overlap,
  or at most the property's ckb:timeToleranceDays apart;
* the values are related (kb.model.value_rules ``relate``): the same (after the rounding
  rule), overlapping intervals, one place within another (dcterms:isPartOf), a subset of
  a set, sets that share members, disjoint — and that relation read in the light of the
  scope and time.

**Rounding rule** (``agree_after_rounding``, kb.model.value_rules): two figures stated
as exact agree when the more precise one, rounded to the precision the less precise one
was written to, equals it; whole numbers in digits are taken at face value.

One way down: this module imports kb.model.scope_rules, kb.model.time_rules and
kb.model.value_rules (scope_rules imports value_rules), which import kb.model.claim_facts;
none of them imports this module. ``ClaimFacts``, ``Identity``, ``group_runs``,
``plain_number`` and the other names listed in ``__all__`` are importable from here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from kb.errors import InputError
from kb.model.claim_facts import (CUMULATIVE, KIND_OF_TYPE, TIME_INVARIANT, ClaimFacts, Identity,
                                  claim_facts, entity_object, short_name)
from kb.model.scope_rules import exceeds_whole, read_scope
from kb.model.time_rules import claim_order, date_plus, group_runs, judged_in_report, read_time
from kb.model.value_rules import (DISJOINT, INCOMPARABLE, INTERSECT, OVERLAP, SAME, SUBSET, WIDER,
                                  Relation, above, agree_after_rounding, plain_number, relate)
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


# ---------------------------------------------------------------- the verdict on a pair

def _nc(a: ClaimFacts, b: ClaimFacts, reason: str) -> Verdict:
    """NOT_COMPARABLE, with why. No flags: they qualify a comparison that was made."""
    return Verdict(a.claim, b.claim, NOT_COMPARABLE, reason)


def compare_pair(a: ClaimFacts, b: ClaimFacts, identity: Identity | None = None) -> Verdict:
    """The verdict on two claims, with its reason and flags (docs/comparison.md). Never
    raises for odd data: a pair that cannot be judged is NOT_COMPARABLE with the reason
    why.

    In turn: an opinion gets no verdict; different subject, property or kind of value
    is not comparable; scope (the same; one not stated; one part of the other;
    disjoint) and time (by the property's kind: state, event count, cumulative total,
    time-invariant) are read; then the values are related (``relate``: same,
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
    scope = read_scope(a, b, identity)
    if scope.not_comparable is not None:
        return _nc(a, b, scope.not_comparable)
    # time, by the property's kind
    time = read_time(a, b, identity)
    if time.not_comparable is not None:
        return _nc(a, b, time.not_comparable)
    across = time.across            # a state at different times
    cumulative = time.cumulative    # (earlier, later) running totals, or None
    if across or cumulative is not None:
        flags.append(DIFFERENT_DATES)
    unstated = [text for text in (scope.unstated, time.unstated) if text is not None]
    # the values, last: the checks above are cheaper and often decide alone
    rel = relate(a, b, identity)
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
    if scope.narrower is not None:
        part, whole = scope.narrower
        if not across and exceeds_whole(part, rel):
            return _conflict(verdict, rel, f"{short_name(part.claim)} gives more for "
                             f"{short_name(part.scope)} than {short_name(whole.claim)} for the whole of "
                             f"{short_name(whole.scope)}: {rel.reason}")
        return verdict(PARTIAL, f"{short_name(part.scope)} is part of {short_name(whole.scope)}: "
                                f"{short_name(part.claim)} covers a narrower scope; {rel.reason}")
    if cumulative is not None:
        earlier, later = cumulative
        if rel.relation == DISJOINT and above(earlier, rel):
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


# ---------------------------------------------------------------- one group's facts

def _pairs(claims: list[ClaimFacts], identity: Identity, kind: str, tolerance: int) -> list[Verdict]:
    """Verdicts on the pairs of ``claims`` (sorted by earliest) from different sources
    the report judges (``judged_in_report``): a sweep, not every pair, so claims of
    different days are never judged and large groups stay linear."""
    verdicts = []
    slack = dt.timedelta(days=tolerance)
    every = kind in (TIME_INVARIANT, CUMULATIVE)
    for i, a in enumerate(claims):
        for b in claims[i + 1:]:
            if not every and b.earliest > date_plus(a.latest, slack):
                break
            if a.source != b.source:
                verdicts.append(compare_pair(a, b, identity))
    return verdicts


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

__all__ = [
    # the verdict vocabulary
    "AGREE", "COMPATIBLE", "PARTIAL", "CONFLICT", "NOT_COMPARABLE", "VERDICTS", "VERDICT_IRI",
    "COUNTED", "ATTRIBUTION_CHANGE", "MODALITY_CHANGE", "DIFFERENT_DATES", "SCOPE_NOT_STATED",
    "ROUNDED", "FLAGS", "FLAG_IRI", "CONTESTED", "CONSISTENT", "SUPPORTED", "PARTLY_SUPPORTED",
    "UNVERIFIED", "SEVERITY", "SEVERITY_IRI", "NO_VERDICT", "PREDICTION", "REPORTED",
    "verdict_spelling", "parse_verdict", "Verdict", "compare_pair", "claim_status", "fact_runs",
    # defined in kb.model.claim_facts, kb.model.time_rules and kb.model.value_rules
    "ClaimFacts", "Identity", "KIND_OF_TYPE", "claim_facts", "entity_object", "short_name",
    "claim_order", "group_runs", "judged_in_report", "agree_after_rounding", "plain_number",
]
