"""A fact's dossier (issue #17 item 2): every claim about one subject and property —
any scope and time, or those the filters keep — grouped by normalised value, each with
its source, its speaker (a party's own figure, reported by an outlet, is the party's),
its modality, its three dates, its scope and its publisher's current reliability
ratings; and the verdicts on their pairs: conflicts first, with the difference and the
severity, then the discrepancies that are not conflicts (a value that changed over
time, a different or unstated scope, a part of it) with their reasons.

Where it reads: the comparison index (the claims whose canonical subject and property
keys are the fact's, as the claim page's comparison reads them: retracted claims are
not there), the claims index (their labels, words and dates) and
kb.services.reliability (the ratings, one query per publisher). Every pair is judged
with kb.model.verdicts.compare_pair (~15 µs a pair) while the claims kept have at most
``MAX_PAIRS`` pairs; beyond, only the pairs the report judges (the index's verdicts of
the fact's runs), and the dossier says so (``pairs_complete``).

Filters: ``scope`` (an entity: the claims whose scope is it or one of its owl:sameAs)
and ``time`` ("2021-07-05", "2021-07", "2021", or "2021-07-01/2021-07-10": the
claims whose time overlaps it; claims that state no time are left out). Unknown
subject, property or scope: NotFound; a malformed time: InputError.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations
from typing import Iterable

from kb.derived.registry import DerivedIndexes
from kb.errors import InputError, NotFound
from kb.model.dates import parse_date
from kb.model.names import normalise
from kb.model.verdicts import (AGREE, COMPATIBLE, CONFLICT, CONSISTENT, CONTESTED,
                               DIFFERENT_DATES, NO_VERDICT, NOT_COMPARABLE, PARTIAL, REPORTED,
                               SCOPE_NOT_STATED, UNVERIFIED, ClaimFacts, Identity, Verdict,
                               compare_pair, plain_number, short_name)
from kb.services.compare import Comparisons
from kb.services.reliability import Reliability

# claims listed with their details (their words, source, speaker, dates, ratings); the
# groups count them all
LISTED = 300
# judge every pair up to this many (~15 µs each: 0.1 s); a fact with more claims gets
# the report's pairs only (its runs: claims at the same time)
MAX_PAIRS = 8000
# the order verdicts are listed in: conflicts first, agreements last
ORDER = (CONFLICT, PARTIAL, COMPATIBLE, NOT_COMPARABLE, AGREE)
SEVERITY_ORDER = {"major": 0, "moderate": 1, "minor": 2}
# what a pair's difference is, when it is not an agreement (``discrepancy``)
KINDS = {
    "conflict": "cannot both hold",
    "changed_over_time": "a value that changed over time (or a running total that grew)",
    "different_time": "about another time (another episode, another day)",
    "different_scope": "about a different scope (part of it, or another one)",
    "scope_not_stated": "one does not say its scope or time: it may hold",
    "partial": "one supports part of the other",
    "compatible": "different words, values that can both hold",
    "not_comparable": "not comparable",
    "agree": "the same",
}


@dataclass
class Dossier:
    """One fact's dossier (see the module docstring). ``groups`` list at most ``LISTED``
    claims in all, with their details (each group says how many it has); ``rows``: the
    claims index rows of the claims listed (for a chart); the rest is plain data
    (``as_dict``)."""

    subject: str
    subject_label: str
    property: str
    property_label: str
    scope: str | None
    scope_label: str | None
    time: str | None
    claims_total: int                     # claims on the fact, before the filters
    claims_shown: int = 0                 # claims the filters keep (listed or not)
    sources: int = 0                      # their sources (publishers, else articles)
    groups: list[dict] = field(default_factory=list)
    verdicts: list[dict] = field(default_factory=list)
    scopes: list[dict] = field(default_factory=list)    # scopes stated on the fact
    pairs_complete: bool = True
    rows: list[dict] = field(default_factory=list, repr=False)

    @property
    def claims(self) -> list[dict]:
        """The claims listed, group by group."""
        return [c for g in self.groups for c in g["claims"]]

    @property
    def status(self) -> str:
        """CONTESTED when two sources conflict, CONSISTENT when several sources speak
        about it without a conflict, else UNVERIFIED (one source)."""
        if any(v["verdict"] == CONFLICT and not v["same_source"] for v in self.verdicts):
            return CONTESTED
        return CONSISTENT if self.sources > 1 else UNVERIFIED

    def counts(self) -> dict:
        """Pairs per verdict and per kind of discrepancy."""
        verdicts = {name: 0 for name in ORDER}
        kinds = {name: 0 for name in KINDS}
        for v in self.verdicts:
            verdicts[v["verdict"]] += 1
            kinds[v["kind"]] += 1
        return {"verdicts": verdicts, "kinds": kinds}

    def as_dict(self) -> dict:
        return {"subject": self.subject, "subject_label": self.subject_label,
                "property": self.property, "property_label": self.property_label,
                "filters": {"scope": self.scope, "scope_label": self.scope_label,
                            "time": self.time},
                "status": self.status, "sources": self.sources,
                "claims_total": self.claims_total, "claims_shown": self.claims_shown,
                "claims_listed": len(self.claims),
                "groups": self.groups, "verdicts": self.verdicts, "counts": self.counts(),
                "scopes": self.scopes, "pairs_complete": self.pairs_complete}


class Dossiers:
    """The dossiers of one knowledge base: ``comparisons`` resolves names and holds the
    comparison index, ``reliability`` gives the publishers' ratings, ``indexes`` the
    claims index."""

    def __init__(self, comparisons: Comparisons, reliability: Reliability,
                 indexes: DerivedIndexes):
        self.comparisons = comparisons
        self.reliability = reliability
        self.indexes = indexes

    def dossier(self, subject: str, prop: str, *, scope: str | None = None,
                time: str | None = None) -> Dossier:
        """The dossier of ``subject``'s ``prop`` (each an id, an IRI or a name as people
        type it). Raises NotFound (no such subject, property or scope, or no claim on
        the fact), InputError (a malformed time, a name two resources share)."""
        c = self.comparisons
        s_iri, p_iri = str(c.resolve_ref("entities", subject)), str(c.resolve_ref("properties", prop))
        scope_iri = str(c.resolve_ref("entities", scope)) if scope else None
        span = parse_span(time) if time else None
        idx = self.indexes.compare_index.ensure()
        ks, kp = idx.canonical(s_iri), idx.canonical(p_iri)
        rows = idx.rows("ks = ? AND kp = ?", (ks, kp))     # not retracted: never indexed
        if not rows:
            if not idx.rows("ks = ? LIMIT 1", (ks,)):
                raise NotFound(f"no claim is about {subject!r}")
            raise NotFound(f"no claim gives {subject!r} a {prop!r}")
        keys = {f.claim: k for k, f in rows}
        every = [f for _, f in rows]
        identity = idx.local_identity(every, keys)
        kscope = idx.canonical(scope_iri) if scope_iri else None
        kept = [f for f in every
                if (kscope is None or keys[f.claim][2] == kscope)
                and (span is None or overlaps(f, span))]
        grouped = value_groups(kept, identity)
        listed, budget = [], LISTED
        for _, members in grouped:
            listed += members[:max(budget, 0)]
            budget -= len(members)
        one_per_scope = {f.scope: f.claim for f in every if f.scope}
        index_rows = self.indexes.claims_index.get_many(
            [every[0].claim, *one_per_scope.values(), *(f.claim for f in listed)])
        first = index_rows.get(every[0].claim) or {}
        verdicts, complete = self._verdicts(idx, kept, identity, (ks, kp))
        ratings = self._ratings(listed, index_rows)
        shown = {f.claim for f in listed}
        groups = [_group(key, members, [m for m in members if m.claim in shown], index_rows, ratings)
                  for key, members in grouped]
        group_of = {f.claim: key for key, members in grouped for f in members}
        by_claim = {f.claim: f for f in kept}
        judged = [_verdict_dict(v, by_claim, identity, group_of) for v in verdicts]
        judged.sort(key=_verdict_order)
        return Dossier(
            subject=s_iri, subject_label=first.get("subject_label") or short_name(s_iri),
            property=p_iri, property_label=first.get("property_label") or short_name(p_iri),
            scope=scope_iri, scope_label=_scope_label(scope_iri, every, index_rows),
            time=_span_text(span) if span else None, claims_total=len(every),
            claims_shown=len(kept), sources=len({f.source for f in kept}),
            groups=groups, verdicts=judged, scopes=_scopes(every, index_rows),
            pairs_complete=complete,
            rows=[index_rows[f.claim] for f in listed if f.claim in index_rows])

    def _verdicts(self, idx, kept: list[ClaimFacts], identity: Identity,
                  key: tuple[str, str]) -> tuple[list[Verdict], bool]:
        """Every pair of ``kept`` judged (opinions get no verdict), or, past MAX_PAIRS,
        the report's verdicts on them (False: not every pair)."""
        judged = [f for f in kept if f.modality not in NO_VERDICT]
        if len(judged) * (len(judged) - 1) // 2 <= MAX_PAIRS:
            return [compare_pair(a, b, identity) for a, b in combinations(judged, 2)], True
        names = {f.claim for f in judged}
        return [v for row in idx.facts("ks = ? AND kp = ?", key) for v in idx.fact_verdicts(row[0])
                if v.a in names and v.b in names], False

    def _ratings(self, listed: list[ClaimFacts], rows: dict) -> dict[str, list[dict]]:
        """Each publisher's current ratings (one per assessor who has one)."""
        out: dict[str, list[dict]] = {}
        for f in listed:
            row = rows.get(f.claim) or {}
            publisher = row.get("publisher")
            if publisher and publisher not in out:
                found = self.reliability.for_publisher(publisher, row.get("publisher_name"))
                out[publisher] = [a.current.as_dict() for a in found.assessors if a.current]
        return out


# ---------------------------------------------------------------------- value groups

def value_key(f: ClaimFacts, identity: Identity | None = None) -> str:
    """The normalised value of a claim, as a key: a quantity's unit and interval, an
    entity value's members (by canonical key), a text's normalised words."""
    if f.kind == "quantity":
        low = "" if f.low is None else plain_number(f.low)
        high = "" if f.high is None else plain_number(f.high)
        if f.low is None and f.high is None and f.value is not None:
            low = high = plain_number(f.value)
        return (f"quantity {f.unit or ''} {'(' if f.low_ex else '['}{low}, {high}"
                f"{')' if f.high_ex else ']'}")
    if f.kind == "entity":
        key = identity.key if identity is not None else (lambda iri: iri)
        return "entity " + " ".join(sorted({key(m) or m for m in f.members}))
    if f.kind == "text":
        return "text " + normalise(f.object)
    return f"{f.kind} {f.object}"


def value_groups(claims: Iterable[ClaimFacts],
                 identity: Identity | None = None) -> list[tuple[str, list[ClaimFacts]]]:
    """``claims`` grouped by normalised value (``value_key``): the groups with more
    sources first, then the earlier, then the smaller figure; each group's claims by
    time."""
    groups: dict[str, list[ClaimFacts]] = defaultdict(list)
    for f in claims:
        groups[value_key(f, identity)].append(f)
    for members in groups.values():
        members.sort(key=lambda f: (f.earliest or dt.date.max, f.claim))

    return sorted(groups.items(), key=lambda kv: (
        -len({f.source for f in kv[1]}), kv[1][0].earliest or dt.date.max,
        kv[1][0].value if kv[1][0].value is not None else Decimal(0), kv[0]))


def _group(key: str, members: list[ClaimFacts], listed: list[ClaimFacts], rows: dict,
           ratings: dict) -> dict:
    """One value: its words, its normalised form, how many sources and claims give it,
    and the ``listed`` ones of its claims with their details."""
    claims = [_claim(f, rows.get(f.claim) or {}, ratings) for f in listed]
    texts = list(dict.fromkeys([*(c["value"] for c in claims if c["value"]),
                                *(f.surface for f in members if f.surface)]))
    f = members[0]
    return {"key": key, "value": texts[0] if texts else short_name(f.object), "texts": texts,
            "kind": f.kind, "normalised": _normalised(f, rows.get(f.claim) or {}),
            "sources": len({m.source for m in members}), "claims_count": len(members),
            "claims": claims}


def _normalised(f: ClaimFacts, row: dict) -> dict | None:
    """A quantity's value, unit, interval and bound in words ("MoreThan": "more than")."""
    if f.kind != "quantity":
        return None
    low, high, value = (None if d is None else plain_number(d) for d in (f.low, f.high, f.value))
    bound = f.bound.rsplit("#", 1)[-1] if f.bound else None
    return {"value": value, "unit": row.get("unit") or None, "unit_code": f.unit, "low": low,
            "high": high, "low_exclusive": f.low_ex, "high_exclusive": f.high_ex,
            "bound": re.sub(r"(?<!^)(?=[A-Z])", " ", bound).lower() if bound else None}


def _claim(f: ClaimFacts, row: dict, ratings: dict) -> dict:
    """One claim as the dossier shows it (plain data: the web adds the URLs)."""
    speaker = row.get("speaker") or None
    reported = f.modality == REPORTED or speaker is not None
    publisher = row.get("publisher") or None
    source_name = row.get("publisher_name") or row.get("article_title") or short_name(f.source)
    said_by = ({"iri": speaker, "name": row.get("speaker_name") or short_name(speaker),
                "role": "speaker"} if speaker else
               {"iri": publisher or f.article, "name": source_name, "role": "publisher"})
    return {
        "claim": f.claim, "statement": row.get("statement"), "quote": row.get("quote"),
        "value": row.get("value_text") or f.surface or short_name(f.object),
        "kind": f.kind, "normalised": _normalised(f, row),
        "entity": f.object if f.kind == "entity" else None,
        "source": f.source, "source_name": source_name,
        "publisher": publisher, "publisher_name": row.get("publisher_name"),
        "article": f.article, "article_title": row.get("article_title"),
        "speaker": speaker, "speaker_name": row.get("speaker_name"),
        "reported": reported, "said_by": said_by,
        "modality": row.get("modality") or short_name(f.modality),
        "published": row.get("published") or None,
        "about": ({"earliest": str(f.earliest), "latest": str(f.latest) if f.latest else None,
                   "when": f.when} if f.earliest else None),
        "recorded": row.get("recorded") or None,
        "scope": f.scope, "scope_label": row.get("scope_label") or (short_name(f.scope) if f.scope else None),
        "verdict": row.get("verdict") or None,
        "ratings": ratings.get(publisher, []) if publisher else [],
    }


# ---------------------------------------------------------------------- verdicts

def discrepancy(v: Verdict, a: ClaimFacts, b: ClaimFacts, identity: Identity) -> str:
    """What kind of difference a pair's verdict is (``KINDS``): a conflict, a value
    that changed over time, a different scope, a scope not stated, another time (not
    comparable: another episode), part of it, compatible values, not comparable;
    "agree" for an agreement."""
    if v.verdict == AGREE:
        return "agree"
    if v.verdict == CONFLICT:
        return "conflict"
    if SCOPE_NOT_STATED in v.flags:
        return "scope_not_stated"
    if a.scope and b.scope and identity.key(a.scope) != identity.key(b.scope):
        return "different_scope"
    if DIFFERENT_DATES in v.flags:
        return "changed_over_time"
    if v.verdict == NOT_COMPARABLE:
        if (a.earliest, a.latest) != (b.earliest, b.latest):
            return "different_time"
        return "not_comparable"
    return "partial" if v.verdict == PARTIAL else "compatible"


def _verdict_dict(v: Verdict, claims: dict, identity: Identity, group_of: dict) -> dict:
    a, b = claims[v.a], claims[v.b]
    return v.as_dict() | {"kind": discrepancy(v, a, b, identity), "same_source": a.source == b.source,
                          "a_group": group_of.get(v.a), "b_group": group_of.get(v.b)}


def _verdict_order(v: dict) -> tuple:
    return (ORDER.index(v["verdict"]), SEVERITY_ORDER.get(v["severity"] or "", 3),
            v["same_source"], v["a"], v["b"])


# ---------------------------------------------------------------------- filters

def parse_span(text: str) -> tuple[dt.date, dt.date]:
    """"2021-07-05", "2021-07", "2021", "8 July 2021", or two of them as an interval
    ("2021-07-01/2021-07-10", also with ".."): (first day, last day). Raises
    InputError."""
    text = text.strip()
    parts = text.split("..", 1) if ".." in text else text.split("/", 1)
    if not all(p.strip() for p in parts):
        raise InputError(f"time {text!r}: give a date (2021-07-05, 2021-07, 2021) or an "
                         "interval (2021-07-01/2021-07-10)")
    dates = [parse_date(p, where="time") for p in parts]
    start, end = dates[0].earliest, dates[-1].latest
    if end < start:
        raise InputError(f"time {text!r} ends before it starts")
    return start, end


def _span_text(span: tuple[dt.date, dt.date]) -> str:
    return str(span[0]) if span[0] == span[1] else f"{span[0]}/{span[1]}"


def overlaps(f: ClaimFacts, span: tuple[dt.date, dt.date]) -> bool:
    """Whether the time ``f`` is about overlaps ``span``. A claim that states no time is
    kept: it may be about this time, and "time not stated" is a discrepancy the dossier
    must show, not hide (/compare links to a fact's dossier with its time span)."""
    if f.earliest is None:
        return True
    return f.earliest <= span[1] and (f.latest is None or f.latest >= span[0])


def fact_span(claims: Iterable[ClaimFacts]) -> str | None:
    """The time filter that keeps a report fact's claims: from the earliest to the
    latest time they are about (None when none states one)."""
    starts = [f.earliest for f in claims if f.earliest]
    ends = [f.latest or f.earliest for f in claims if f.earliest]
    return _span_text((min(starts), max(ends))) if starts else None


def _scope_label(scope: str | None, claims: list[ClaimFacts], rows: dict) -> str | None:
    if scope is None:
        return None
    for f in claims:
        if f.scope == scope and (rows.get(f.claim) or {}).get("scope_label"):
            return rows[f.claim]["scope_label"]
    return short_name(scope)


def _scopes(claims: list[ClaimFacts], rows: dict) -> list[dict]:
    """The scopes the fact's claims state, with how many claims each."""
    out: dict[str, dict] = {}
    for f in claims:
        if f.scope:
            entry = out.setdefault(f.scope, {"scope": f.scope, "label": None, "claims": 0})
            entry["claims"] += 1
            entry["label"] = entry["label"] or (rows.get(f.claim) or {}).get("scope_label")
    for entry in out.values():
        entry["label"] = entry["label"] or short_name(entry["scope"])
    return sorted(out.values(), key=lambda e: (-e["claims"], e["label"]))


__all__ = ["Dossier", "Dossiers", "KINDS", "LISTED", "MAX_PAIRS", "value_key", "value_groups",
           "discrepancy", "parse_span", "overlaps", "fact_span"]
