"""Time, by the property's kind (docs/comparison.md "Time"; the kind is the property's
rdf:type, ``Identity.kind``, state by default):

* a **state** on different days agrees or changed (COMPATIBLE), never conflicts;
* an **event** count of another episode is NOT_COMPARABLE;
* a **running total** (cumulative) may only grow: of two totals whose periods nest, the
  later may not be below the earlier; totals over periods that do not nest are
  NOT_COMPARABLE;
* a **time-invariant** fact compares whatever the dates.

"Same time" is overlap, or at most the property's ckb:timeToleranceDays apart
(``same_time``). ``read_time`` reads a pair's times for kb.model.verdicts.compare_pair;
``group_runs`` splits one (subject, property, scope) group's claims into the facts the
report lists, one per time.
"""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from kb.model.claim_facts import CUMULATIVE, EVENT, TIME_INVARIANT, ClaimFacts, Identity, short_name


class TimeReading(NamedTuple):
    """How a pair's times read: ``not_comparable`` (the reason) when they cannot be
    compared; ``unstated`` when one does not say what time it is about; ``across`` for
    a state at different times; ``cumulative`` the (earlier, later) running totals of
    different days or periods. ``across`` or ``cumulative``: the dates differ."""

    not_comparable: str | None = None
    unstated: str | None = None
    across: bool = False
    cumulative: tuple[ClaimFacts, ClaimFacts] | None = None


SAME_TIME = TimeReading()      # the same time, or a time-invariant property


def read_time(a: ClaimFacts, b: ClaimFacts, identity: Identity) -> TimeReading:
    """A pair's times, by the property's kind (same subject and property)."""
    kind, _, tolerance = identity.traits_of(a.property)
    if kind == TIME_INVARIANT:
        return SAME_TIME
    if a.earliest is None or b.earliest is None:
        missing = a if a.earliest is None else b
        return TimeReading(unstated=f"{short_name(missing.claim)} does not say what time it is about")
    if kind == CUMULATIVE and a.kind == "quantity":
        order = _periods(a, b, tolerance)
        if order is None:
            return TimeReading(f"totals over different periods: {_period(a)} vs {_period(b)}")
        if order != "same":
            return TimeReading(cumulative=order)
        return SAME_TIME
    if not same_time(a, b, tolerance):
        if kind == EVENT:
            return TimeReading(f"different episodes: {a.when} vs {b.when} "
                               f"({short_name(a.property)} counts events)")
        return TimeReading(across=True)
    return SAME_TIME


def same_time(a: ClaimFacts, b: ClaimFacts, tolerance: int) -> bool:
    """Whether the times overlap, or are at most ``tolerance`` days apart."""
    slack = dt.timedelta(days=tolerance)
    return not (date_plus(a.latest, slack) < b.earliest or date_plus(b.latest, slack) < a.earliest)


def date_plus(day: dt.date, delta: dt.timedelta) -> dt.date:
    """``day`` + ``delta``; the last day there is when that runs past the calendar."""
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


def judged_in_report(a: ClaimFacts, b: ClaimFacts, kind: str, tolerance: int) -> bool:
    """Whether the report judges this pair of one group's (dated) claims: every pair of
    a time-invariant property or a running total, else pairs whose times overlap or are
    at most the property's tolerance apart (a state's values on other days, and other
    episodes of an event, are shown with a claim: ``compare_claim``)."""
    return kind in (TIME_INVARIANT, CUMULATIVE) or same_time(a, b, tolerance)


def _windows(claims: list[ClaimFacts], tolerance: int = 0) -> list[list[ClaimFacts]]:
    """Split claims (sorted by earliest, all with times) into runs whose times chain
    together (at most ``tolerance`` days apart): one run is one fact at one time."""
    runs: list[list[ClaimFacts]] = []
    end = None
    slack = dt.timedelta(days=tolerance)
    for c in claims:
        if end is None or c.earliest > date_plus(end, slack):
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
