"""Cross-source comparison, as services over the store and the comparison index: which
claims are about the same thing (kb/queries/compare_*.rq: same subject or
owl:sameAs-linked, same property or owl:equivalentProperty), per claim and per subject,
the KB-wide report, and the verdicts materialised as RDF.

The verdict on a pair and the rules behind it are kb.verdicts (re-exported here);
docs/comparison.md has them with an example each.
"""
from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Iterable, Iterator

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, XSD

from kb.store import sparql
from kb.errors import InputError, NotFound
from kb.model.iris import COMPARISONS, short_hash
from kb.model.verdicts import (AGREE, COMPATIBLE, CONFLICT, CONSISTENT, CONTESTED, COUNTED, FLAG_IRI,
                       FLAGS, KIND_OF_TYPE, NO_VERDICT, NOT_COMPARABLE, PARTIAL,
                       PARTLY_SUPPORTED, SEVERITY_IRI, SUPPORTED, UNVERIFIED, VERDICT_IRI,
                       VERDICTS, ClaimFacts, Identity, Verdict, claim_facts, plain_number, fact_runs, short_name,
                       agree_after_rounding, claim_status, compare_pair, entity_object,
                       parse_verdict)
from kb.model.vocab import CKB, SCHEMA

if TYPE_CHECKING:  # pragma: no cover
    from kb.knowledgebase import KnowledgeBase


def load_identity(kb: "KnowledgeBase") -> Identity:
    """Union-find over the KB's owl:sameAs and owl:equivalentProperty links, with the
    property traits and part-of links (identity_links.rq)."""
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
            if b == str(OWL.FunctionalProperty):
                identity.single_valued.add(a)
            elif b in KIND_OF_TYPE:
                getattr(identity, KIND_OF_TYPE[b]).add(a)
        elif link == str(CKB.timeToleranceDays):
            try:
                identity.tolerance[a] = max(0, int(b))
            except ValueError:
                continue
        elif link == str(DCTERMS.isPartOf):
            identity.part_of.setdefault(a, set()).add(b)
        else:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    identity.canonical = {x: find(x) for x in parent}
    return identity


def load_facts(kb: "KnowledgeBase", claim: list | None = None, **params) -> list[ClaimFacts]:
    """ClaimFacts for the given claims, or for every structured claim matching
    ``params`` (subject, property) when no claims are given."""
    if claim is not None:
        return load_claims(kb, claim, params.get("property"))
    names, rows = kb.store.values(sparql.render("compare_facts.rq", **params))
    by_claim: dict[str, dict] = {}
    objects: dict[str, list] = defaultdict(list)
    for row in rows:
        r = dict(zip(names, row))
        by_claim.setdefault(r["claim"], r)
        objects[r["claim"]].append(r["object"])
    facts = []
    for c, r in by_claim.items():
        obj = entity_object(objects[c]) if r["kind"] == "entity" else r["object"]
        facts.append(claim_facts(
            r["claim"], r["publisher"] or r["article"], r["article"], r["modality"],
            r["subject"], r["property"], r["scope"], r["earliest"], r["latest"], r["kind"],
            obj, r["value"], r["unit"], r["low"], r["high"], r["lowEx"], r["highEx"],
            r["bound"], r["surface"], r["openStart"], r["openEnd"], r["places"]))
    return facts


_M = {str(CKB.subject): "subject", str(CKB.property): "property", str(CKB.valueKind): "kind",
      str(CKB.modality): "modality", str(CKB.scope): "scope", str(SCHEMA.appearance): "article",
      str(SCHEMA.publisher): "publisher", str(CKB.earliest): "earliest",
      str(CKB.latest): "latest", str(CKB.retraction): "retraction",
      str(CKB.openStart): "openStart", str(CKB.openEnd): "openEnd"}
_Q = {str(SCHEMA.value): "value", str(SCHEMA.unitCode): "unit", str(SCHEMA.minValue): "low",
      str(SCHEMA.maxValue): "high", str(CKB.minExclusive): "lowEx",
      str(CKB.maxExclusive): "highEx", str(CKB.bound): "bound", str(CKB.surfaceText): "surface",
      str(CKB.decimalPlaces): "places"}


def load_claims(kb: "KnowledgeBase", claims: list, prop=None) -> list[ClaimFacts]:
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
        objs = [o for s, p, o in content[claim] if s == m["subject"] and p == m["property"]]
        if not objs:
            continue
        obj = entity_object(objs) if m["kind"] == "entity" else objs[0]
        q = {_Q[p]: o for s, p, o in content[claim] if s == obj and p in _Q}
        facts.append(claim_facts(
            claim, m.get("publisher") or m["article"], m["article"], m["modality"],
            m["subject"], m["property"], m.get("scope"), m.get("earliest"), m.get("latest"),
            m["kind"], obj, q.get("value"), q.get("unit"), q.get("low"), q.get("high"),
            q.get("lowEx"), q.get("highEx"), q.get("bound"), q.get("surface"),
            m.get("openStart"), m.get("openEnd"), q.get("places")))
    return facts


# ---------------------------------------------------------------- services

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


def compare_claim(kb: "KnowledgeBase", ref: str) -> tuple[ClaimFacts | None, list[Verdict]]:
    """Every claim about the same thing as ``ref``, each with its verdict against it,
    conflicts first. Raises NotFound for an unknown claim. A claim with no structured
    content has nothing to compare: (None, []). The claims come from the comparison
    index (same canonical subject and property, any scope or time)."""
    this, verdicts, _ = compare_claim_status(kb, ref)
    return this, verdicts


def compare_claim_status(kb: "KnowledgeBase", ref: str) -> tuple[ClaimFacts | None, list[Verdict], str]:
    """``compare_claim`` and the claim's own status (``claim_status`` of its verdicts
    against other sources' claims: CONTESTED, SUPPORTED, PARTLY_SUPPORTED, UNVERIFIED).
    Raises NotFound for an unknown claim."""
    from kb.derived import compare_index

    try:
        claim = str(kb.iris.resolve("claims", ref))
    except NotFound:
        raise NotFound(f"no claim {ref!r}") from None
    idx = compare_index.ensure(kb)
    row = idx.conn().execute("SELECT ks, kp FROM claims WHERE claim = ?", (claim,)).fetchone()
    if row is None:
        kb.claim_iri(claim)      # NotFound for a claim that is not stored at all
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


def compare_two(kb: "KnowledgeBase", first: str, second: str) -> Verdict:
    """The verdict on two given claims, with its reason and flags (NOT_COMPARABLE says
    why). Raises NotFound for an unknown claim."""
    a, b = kb.claim_iri(first), kb.claim_iri(second)
    facts = {f.claim: f for f in load_facts(kb, claim=[a, b])}
    for iri in (a, b):
        modality = kb.claim_view(str(iri))["modality"] if str(iri) not in facts else None
        if modality == "opinion":
            return Verdict(str(a), str(b), NOT_COMPARABLE,
                           f"{short_name(iri)} is an opinion: opinions get no verdict")
        if str(iri) not in facts:
            return Verdict(str(a), str(b), NOT_COMPARABLE,
                           f"{short_name(iri)} has no structured content (subject, property, "
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


def _filters(kb: "KnowledgeBase", subject, prop, source, verdict) -> dict:
    verdict = _check_verdict(verdict)
    return {"subject": str(resolve_ref(kb, "entities", subject)) if subject else None,
            "prop": str(resolve_ref(kb, "properties", prop)) if prop else None,
            "source": str(kb.source_iri(source)) if source else None,
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
    from kb.derived import compare_index

    f = _filters(kb, subject, prop, source, verdict)
    idx = compare_index.ensure(kb)
    query = _index_query(idx, **f)
    if query is None:   # a property with equivalents: facts computed, as report() does
        for fact in _index_report(kb, limit=limit, **f):
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


def report_counts(kb: "KnowledgeBase", *, subject: str | None = None, prop: str | None = None,
                  source: str | None = None, verdict: str | None = None) -> dict:
    """How many facts the report with these filters lists, and how many verdicts of
    each kind they hold: {"facts", "facts_with_conflict", CONFLICT, PARTIAL, COMPATIBLE,
    AGREE} (with ``verdict``, the other kinds count 0). Read from the index's
    per-fact counts, without loading claims or verdicts."""
    from kb.derived import compare_index

    f = _filters(kb, subject, prop, source, verdict)
    idx = compare_index.ensure(kb)
    query = _index_query(idx, **f)
    if query is None:   # a property with equivalents: counted from the computed facts
        facts = _index_report(kb, **f)
        out = {"facts": len(facts), "facts_with_conflict": sum(1 for x in facts if x.count(CONFLICT))}
        out.update({v: sum(x.count(v) for x in facts) for v in COUNTED})
        return out
    out = idx.count(*query)
    if verdict:
        out.update({v: out[v] if v == verdict else 0 for v in COUNTED})
        if verdict != CONFLICT:
            out["facts_with_conflict"] = 0
    return out


def worst_verdicts(kb: "KnowledgeBase", claims: list[str] | None = None) -> dict[str, str]:
    """For each claim IRI (every claim when ``claims`` is None) the most severe verdict
    it takes part in with another source's claim in the report: CONFLICT > PARTIAL >
    COMPATIBLE > AGREE. Claims with none (no other source, not comparable, opinions, no
    structured content, unknown) are absent. One indexed lookup."""
    from kb.derived import compare_index

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
        from kb.derived.compare_index import COUNT_COLUMN

        where.append(f"{COUNT_COLUMN[verdict]} > 0")
    return " AND ".join(where), args


def _index_report(kb: "KnowledgeBase", *, subject=None, prop=None, source=None, verdict=None,
                  limit=None, offset=0, eager=False) -> list[Fact]:
    from kb.derived import compare_index

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


def resolve_ref(kb: "KnowledgeBase", kind: str, ref: str) -> URIRef:
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
        for flag in v.flags:
            quads.append((node, CKB.flag, FLAG_IRI[flag], COMPARISONS))
        if v.absolute is not None:
            quads.append((node, CKB.absoluteDifference,
                          Literal(plain_number(v.absolute), datatype=XSD.decimal), COMPARISONS))
        if v.relative is not None:
            quads.append((node, CKB.relativeDifference,
                          Literal(plain_number(v.relative), datatype=XSD.decimal), COMPARISONS))
    return quads


MATERIALISE_BATCH = 50_000  # verdicts per load: bounded memory for any KB size


def _nq_literal(text: str) -> str:
    return '"' + (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                  .replace("\r", "\\r")) + '"'


def _nquads(kb: "KnowledgeBase", rows: Iterable[tuple], stamp: str) -> str:
    """N-Quads of stored verdicts (rows of CompareIndex.all_verdicts): the same quads
    as comparison_quads, written directly (no rdflib terms)."""
    from kb.derived.compare_index import NAME

    g = f"<{COMPARISONS}>"
    t = {name: f"<{iri}>" for name, iri in VERDICT_IRI.items()}
    sev = {name: f"<{iri}>" for name, iri in SEVERITY_IRI.items()}
    p = {k: f"<{v}>" for k, v in (("type", RDF.type), ("compares", CKB.compares),
                                  ("verdict", CKB.verdict), ("reason", CKB.reason),
                                  ("at", PROV.generatedAtTime), ("severity", CKB.severity),
                                  ("abs", CKB.absoluteDifference), ("rel", CKB.relativeDifference),
                                  ("flag", CKB.flag))}
    fl = {name: f"<{iri}>" for name, iri in FLAG_IRI.items()}
    cls = f"<{CKB.Comparison}>"
    dec = f"^^<{XSD.decimal}>"
    at = f'"{stamp}"^^<{XSD.dateTime}>'
    lines = []
    for a, b, code, severity, absolute, relative, reason, flags in rows:
        n = f"<{comparison_iri(kb, a, b)}>"
        lines += [f"{n} {p['type']} {cls} {g} .", f"{n} {p['compares']} <{a}> {g} .",
                  f"{n} {p['compares']} <{b}> {g} .",
                  f"{n} {p['verdict']} {t[NAME[code]]} {g} .",
                  f"{n} {p['reason']} {_nq_literal(reason)} {g} .", f"{n} {p['at']} {at} {g} ."]
        if severity:
            lines.append(f"{n} {p['severity']} {sev[severity]} {g} .")
        for flag in (flags or "").split():
            lines.append(f"{n} {p['flag']} {fl[flag]} {g} .")
        if absolute is not None:
            lines.append(f'{n} {p["abs"]} "{plain_number(Decimal(absolute))}"{dec} {g} .')
        if relative is not None:
            lines.append(f'{n} {p["rel"]} "{plain_number(Decimal(relative))}"{dec} {g} .')
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
    from kb.derived import compare_index
    from kb.store.embedded import EmbeddedStore

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
    from kb.derived import compare_index

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
            from kb.derived.compare_index import CODE
            from kb.store.base import chunked

            stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
            for chunk in chunked(replaced, REFRESH_ONE_UPDATE):
                kb.store.update(sparql.render("delete_comparisons.ru",
                                              claim=[URIRef(c) for c in chunk]))
            for chunk in chunked(verdicts, MATERIALISE_BATCH):
                rows = [(v.a, v.b, CODE[v.verdict], v.severity,
                         None if v.absolute is None else str(v.absolute),
                         None if v.relative is None else str(v.relative), v.reason,
                         " ".join(v.flags)) for v in chunk]
                kb.store.load(_nquads(kb, rows, stamp).encode("utf-8"), "nquads",
                              where="comparisons")
    return touched


__all__ = ["AGREE", "COMPATIBLE", "PARTIAL", "CONFLICT", "NOT_COMPARABLE", "VERDICTS", "FLAGS",
           "CONTESTED", "CONSISTENT", "SUPPORTED", "PARTLY_SUPPORTED", "UNVERIFIED",
           "parse_verdict", "claim_status", "compare_claim_status", "ClaimFacts",
           "Verdict", "Fact", "compare_pair", "compare_claim", "compare_two", "compare_subject", "report",
           "materialise", "refresh", "load_facts", "load_identity", "group_facts",
           "agree_after_rounding", "report_counts", "worst_verdicts"]
