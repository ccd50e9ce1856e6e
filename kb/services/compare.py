"""Cross-source comparison, as a service over the claims and the comparison index:
which claims are about the same thing (same subject or owl:sameAs-linked, same
property or owl:equivalentProperty), per claim and per subject, the KB-wide report
(conflicts first) and its counts, each claim's most severe verdict, and the verdicts
materialised as RDF (kb/derived/comparison_graph.py).

The verdict on a pair and the rules behind it are kb.model.verdicts; docs/comparison.md
has them with an example each. ``Comparisons`` methods raise StoreError when the store
or the index fails, and the errors their docstrings name.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Iterable, Iterator

from rdflib import URIRef

from kb.derived.compare_index import COUNT_COLUMN
from kb.derived.registry import DerivedIndexes
from kb.errors import InputError, NotFound
from kb.model.iris import Minter
from kb.model.names import normalise
from kb.model.verdicts import (AGREE, COMPATIBLE, CONFLICT, CONSISTENT, CONTESTED, COUNTED,
                               NO_VERDICT, NOT_COMPARABLE, PARTIAL, UNVERIFIED, VERDICTS,
                               ClaimFacts, Identity, Verdict, claim_status, compare_pair,
                               fact_runs, parse_verdict, short_name)
from kb.records.articles import Articles
from kb.records.claims import ClaimReader


class Fact:
    """A fact several sources speak about: one subject, property and scope (canonical
    keys), the claims of one run of overlapping times, and the verdicts on their pairs.

    Facts from the comparison index read their claims and verdicts when first asked
    for them (``claims``, ``verdicts``); ``sources`` and ``count()`` answer from the
    index's counts until then, so a report can list many facts cheaply."""

    def __init__(self, subject: str, property: str, scope: str | None,
                 claims: list[ClaimFacts] | None = None, verdicts: list[Verdict] | None = None,
                 *, loader=None, sources: int | None = None, counts: dict | None = None,
                 status: str | None = None):
        self.subject, self.property, self.scope = subject, property, scope
        self._status = status       # known from the index (a filtered fact's counts lack it)
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

    @property
    def status(self) -> str:
        """CONTESTED when its sources disagree (a conflict among its pairs), else
        CONSISTENT."""
        if self._status is not None:
            return self._status
        return CONTESTED if self.count(CONFLICT) else CONSISTENT

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



class Comparisons:
    """The comparison service of one knowledge base: ``reader`` reads the claims,
    ``articles`` resolves sources, ``indexes`` holds the comparison index (built on
    first use) and the comparison graph."""

    def __init__(self, iris: Minter, reader: ClaimReader, articles: Articles,
                 indexes: DerivedIndexes):
        self.iris = iris
        self.reader = reader
        self.articles = articles
        self.indexes = indexes

    def materialise(self) -> int:
        """Store every verdict of the report in the comparison graph, replacing what
        was there (kb.derived.comparison_graph). Returns the number of comparisons.
        Raises StoreError."""
        return self.indexes.comparison_graph.materialise()

    def compare_claim(self, ref: str) -> tuple[ClaimFacts | None, list[Verdict]]:
        """Every claim about the same thing as ``ref``, each with its verdict against it,
        conflicts first. Raises NotFound for an unknown claim. A claim with no structured
        content has nothing to compare: (None, []). The claims come from the comparison
        index (same canonical subject and property, any scope or time)."""
        this, verdicts, _ = self.compare_claim_status(ref)
        return this, verdicts

    def compare_claim_status(self, ref: str) -> tuple[ClaimFacts | None, list[Verdict], str]:
        """``compare_claim`` and the claim's own status (``claim_status`` of its verdicts
        against other sources' claims: CONTESTED, SUPPORTED, PARTLY_SUPPORTED, UNVERIFIED).
        Raises NotFound for an unknown claim."""
        try:
            claim = str(self.iris.resolve("claims", ref))
        except NotFound:
            raise NotFound(f"no claim {ref!r}") from None
        idx = self.indexes.compare_index.ensure()
        row = idx.conn().execute("SELECT ks, kp FROM claims WHERE claim = ?", (claim,)).fetchone()
        if row is None:
            self.reader.iri(claim)      # NotFound for a claim that is not stored at all
            return None, [], UNVERIFIED
        rows = idx.rows("ks = ? AND kp = ?", row)
        if len(rows) < 2:
            return None, [], UNVERIFIED
        keys = {f.claim: k for k, f in rows}
        facts = [f for _, f in rows]
        identity = idx.local_identity(facts, keys)
        this = next(f for f in facts if f.claim == claim)
        source = {f.claim: f.source for f in facts}
        verdicts = [compare_pair(this, f, identity) for f in facts if f.claim != this.claim]
        verdicts.sort(key=lambda v: (VERDICTS.index(v.verdict), v.b))
        status = claim_status(v for v in verdicts if source[v.b] != this.source)
        return this, verdicts, status

    def compare_two(self, first: str, second: str) -> Verdict:
        """The verdict on two given claims, with its reason and flags (NOT_COMPARABLE says
        why). Raises NotFound for an unknown claim."""
        a, b = self.reader.iri(first), self.reader.iri(second)
        facts = {f.claim: f for f in self.reader.facts([a, b])}
        for iri in (a, b):
            modality = self.reader.view(str(iri))["modality"] if str(iri) not in facts else None
            if modality == "opinion":
                return Verdict(str(a), str(b), NOT_COMPARABLE,
                               f"{short_name(iri)} is an opinion: opinions get no verdict")
            if str(iri) not in facts:
                return Verdict(str(a), str(b), NOT_COMPARABLE,
                               f"{short_name(iri)} has no structured content (subject, property, "
                               "value) to compare")
        return compare_pair(facts[str(a)], facts[str(b)], self.reader.identity())

    def compare_subject(self, subject: URIRef, prop: URIRef | None = None) -> list[Fact]:
        """The facts about one subject (and its owl:sameAs), each with the verdicts on its
        comparable pairs of claims from different sources (from the comparison index)."""
        return self._index_report(subject=str(subject), prop=None if prop is None else str(prop),
                             eager=True)

    def _filters(self, subject, prop, source, verdict) -> dict:
        verdict = _check_verdict(verdict)
        return {"subject": str(self.resolve_ref("entities", subject)) if subject else None,
                "prop": str(self.resolve_ref("properties", prop)) if prop else None,
                "source": str(self._source(source)) if source else None,
                "verdict": verdict}

    def report(self, *, subject: str | None = None, prop: str | None = None,
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
        f = self._filters(subject, prop, source, verdict)
        return self._index_report(limit=limit, offset=offset, **f)

    def report_rows(self, *, subject: str | None = None, prop: str | None = None,
                    source: str | None = None, verdict: str | None = None,
                    limit: int | None = None, page: int = 1000) -> Iterator[dict]:
        """Every verdict of the report (``report``'s filters and order: fact by fact,
        conflicts first), as plain rows: subject, property, scope, sources, a, b, verdict,
        severity, absolute_difference, relative_difference, reason; the first ``limit``
        facts' only when given. Streamed ``page`` facts at a time from the comparison index,
        in bounded memory and without building Fact or Verdict objects: this is how
        `claimkb compare` writes the whole report. Raises as ``report``."""
        f = self._filters(subject, prop, source, verdict)
        idx = self.indexes.compare_index.ensure()
        query = _index_query(idx, **f)
        if query is None:   # a property with equivalents: facts computed, as report() does
            for fact in self._index_report(limit=limit, **f):
                for v in fact.verdicts:
                    yield {"subject": fact.subject, "property": fact.property, "scope": fact.scope,
                           "sources": fact.sources, "fact_status": fact.status, **v.as_dict()}
            return
        offset = 0
        while limit is None or offset < limit:
            size = page if limit is None else min(page, limit - offset)
            facts = idx.facts(*query, size, offset)
            meta = {row[0]: (row[1], row[2], row[3] or None, row[8], row[4]) for row in facts}
            for fid, a, b, name, severity, absolute, relative, reason, flags in idx.verdict_rows(list(meta), f["verdict"]):
                subject_, property_, scope, sources, conflicts = meta[fid]
                yield {"subject": subject_, "property": property_, "scope": scope, "sources": sources,
                       "fact_status": CONTESTED if conflicts else CONSISTENT,
                       "a": a, "b": b, "verdict": name, "reason": reason,
                       "flags": flags.split() if flags else [],
                       "absolute_difference": absolute, "relative_difference": relative,
                       "severity": severity}
            if len(facts) < size:
                return
            offset += size

    def report_counts(self, *, subject: str | None = None, prop: str | None = None,
                      source: str | None = None, verdict: str | None = None) -> dict:
        """How many facts the report with these filters lists, and how many verdicts of
        each kind they hold: {"facts", "facts_with_conflict", CONFLICT, PARTIAL, COMPATIBLE,
        AGREE} (with ``verdict``, the other kinds count 0). Read from the index's
        per-fact counts, without loading claims or verdicts."""
        f = self._filters(subject, prop, source, verdict)
        idx = self.indexes.compare_index.ensure()
        query = _index_query(idx, **f)
        if query is None:   # a property with equivalents: counted from the computed facts
            facts = self._index_report(**f)
            out = {"facts": len(facts), "facts_with_conflict": sum(1 for x in facts if x.count(CONFLICT))}
            out.update({v: sum(x.count(v) for x in facts) for v in COUNTED})
            return out
        out = idx.count(*query)
        if verdict:
            out.update({v: out[v] if v == verdict else 0 for v in COUNTED})
            if verdict != CONFLICT:
                out["facts_with_conflict"] = 0
        return out

    def worst_verdicts(self, claims: list[str] | None = None) -> dict[str, str]:
        """For each claim IRI (every claim when ``claims`` is None) the most severe verdict
        it takes part in with another source's claim in the report: CONFLICT > PARTIAL >
        COMPATIBLE > AGREE. Claims with none (no other source, not comparable, opinions, no
        structured content, unknown) are absent. One indexed lookup."""
        return self.indexes.compare_index.ensure().worst(None if claims is None else [str(c) for c in claims])

    def _index_report(self, *, subject=None, prop=None, source=None, verdict=None,
                      limit=None, offset=0, eager=False) -> list[Fact]:
        idx = self.indexes.compare_index.ensure()
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
                    f._status = f.status
                    f.verdicts = [v for v in f.verdicts if v.verdict == verdict]
                out = [f for f in out if f.verdicts]
            return out[offset:None if limit is None else offset + limit]
        out = []
        for fid, ks, kp, kscope, conflicts, partials, compatibles, agrees, sources in idx.facts(*query, limit, offset):
            counts = {CONFLICT: conflicts, PARTIAL: partials, COMPATIBLE: compatibles, AGREE: agrees}

            def loader(what, fid=fid):
                if what == "claims":
                    return idx.fact_claims(fid)
                return idx.fact_verdicts(fid, verdict)

            fact = Fact(ks, kp, kscope or None, loader=loader, sources=sources,
                        counts={verdict: counts[verdict]} if verdict else counts,
                        status=CONTESTED if conflicts else CONSISTENT)
            if eager:
                fact.claims, fact.verdicts  # noqa: B018 - read now
            out.append(fact)
        return out

    def resolve_ref(self, kind: str, ref: str) -> URIRef:
        """An IRI; a key, label or alias as people type it (any case, accents or dashes:
        the names index, kb.model.names.normalise), the survivor of a merged one; or an
        id. Raises NotFound, InputError (a name two resources share)."""
        if ref.startswith(("http://", "https://")):
            return URIRef(ref)
        named = self._named(kind, ref)
        if named is not None:
            return named
        try:
            return self.iris.resolve(kind, ref)
        except NotFound:
            raise NotFound(f"no {kind[:-1]} {ref!r}") from None

    def _named(self, kind: str, ref: str) -> URIRef | None:
        index = self.indexes.names_index
        index.ensure_built()
        rows = {index.survivor(r).iri: r for r in index.lookup(kind, normalise(ref))}
        if len(rows) > 1:
            raise InputError(f"{ref!r} names several {kind}: {', '.join(sorted(rows))}")
        return URIRef(next(iter(rows))) if rows else None

    def _source(self, ref: str) -> URIRef:
        """An article (id, IRI, URL or headline) or a publisher by any of its names."""
        try:
            return self.articles.source_iri(ref)
        except NotFound:
            named = self._named("publishers", ref)
            if named is None:
                raise
            return named


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
        for run, verdicts in fact_runs(claims, identity, prop):
            verdicts.sort(key=lambda v: (VERDICTS.index(v.verdict), v.a, v.b))
            out.append(Fact(subject, prop, scope, run, verdicts))
    out.sort(key=_fact_order)
    return out


def _fact_order(f: Fact) -> tuple:
    return (-f.count(CONFLICT), -f.sources, f.subject, f.property,
            f.claims[0].earliest or dt.date.min, f.scope or "")


def _check_verdict(verdict: str | None) -> str | None:
    verdict = parse_verdict(verdict)
    if verdict == NOT_COMPARABLE:
        raise InputError("the report lists comparable pairs only; ask about one claim "
                         "(--claim) or a pair (--pair) to see what is not comparable and why")
    return verdict


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
        where.append(f"{COUNT_COLUMN[verdict]} > 0")
    return " AND ".join(where), args


__all__ = ["Comparisons", "Fact", "group_facts"]
