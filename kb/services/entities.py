"""Entities, properties, people and publishers as things people browse, merge, split and
deduplicate (docs/entities.md).

``Entities(...)`` takes the store, the IRI minter, the names index (kb/derived), the
change log, the derived indexes' registry and a ``counter(facet, iris)`` giving claims
per resource (the claims index's facet counts). Every write lands in one SPARQL update
with its change record, and the indexes are refreshed after it (comparisons included).

**Merge** ``merge(kind, survivor, other)``: every quad that names the other one where
claims and articles use it (``resource_uses.rq``: subject, property, scope, speaker,
value, publisher, author, part-of) is rewritten to name the survivor; the survivor gets
the other's labels and aliases as skos:altLabel; the other gets ckb:mergedInto and
owl:sameAs (owl:equivalentProperty for a property) the survivor, so its IRI keeps
resolving. The change record on the other keeps each use it moved (the quad before and after,
and whether the survivor already said the same), so that **split** ``split(kind,
other)`` undoes it: a use moves back where the merge's move is still there (a claim
edited since keeps its edit), and what the survivor said before the merge stays said.

Why one module (~410 lines): merge and split are one operation and its inverse over one
record (the moves kept in the change), and finding, listing and dedupe share the rules
they rely on (a merged resource is its survivor; what counts as a claim of a resource).
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable

from rdflib import Literal, URIRef
from rdflib.namespace import OWL, SKOS
from rdflib.util import from_n3

from kb.derived.names_index import NameRow, NamesIndex
from kb.derived.registry import DerivedIndexes
from kb.errors import InputError, NotFound
from kb.model.claim import wikidata_id, wikidata_iri
from kb.model.iris import META, Minter
from kb.model.names import KINDS, normalise
from kb.model.vocab import CKB, SCHEMA
from kb.records.history import History
from kb.store import sparql
from kb.store.base import Store

# the claims index facet that counts a kind's claims
COUNT_FACET = {"entities": "entity", "properties": "property", "people": "entity",
               "publishers": "publisher"}
DEDUPE_THRESHOLD = 90
MERGE_FORMAT = "application/vnd.claimkb.merge+json"


@dataclass(frozen=True)
class Proposal:
    """A proposed merge: keep ``survivor``, merge ``other`` into it."""

    kind: str
    survivor: NameRow
    other: NameRow
    score: int
    reasons: tuple[str, ...]


@dataclass
class MergeResult:
    kind: str
    survivor: str
    other: str
    claims: list[str] = field(default_factory=list)
    quads: int = 0


class Entities:
    """Browsing, merging, splitting and deduplicating the KB's named resources."""

    def __init__(self, store: Store, iris: Minter, index: NamesIndex,
                 changelog: History, indexes: DerivedIndexes,
                 counter: Callable[[str, list[str]], dict[str, int]]):
        self.store = store
        self.counter = counter
        self.iris = iris
        self.index = index
        self.changelog = changelog
        self.indexes = indexes
        self.actor: str | None = None

    # ------------------------------------------------------------------ reading

    def find(self, kind: str, ref: str, *, follow: bool = True) -> NameRow:
        """A resource of ``kind`` by key, IRI, label or alias (the survivor of a merged
        one, with ``follow``). Raises InputError for an unknown kind or an ambiguous
        name, NotFound, StoreError."""
        _check_kind(kind)
        self.index.ensure_built()
        ref = " ".join(str(ref or "").split())
        if not ref:
            raise InputError(f"name the {KINDS[kind].singular}")
        row = None
        if ref.startswith(("http://", "https://")):
            row = self.index.get(ref, kind)
        else:
            try:
                row = self.index.get(str(self.iris.resolve(KINDS[kind].path, ref)), kind)
            except NotFound:
                row = None
        if row is None:
            found = {r.iri: r for r in self.index.lookup(kind, normalise(ref))}
            if len(found) > 1:
                live = {self._survivor(r).iri: r for r in found.values()}
                if len(live) > 1:
                    listed = "; ".join(f"{self._id(r.iri)} ({r.label})" for r in found.values())
                    raise InputError(f"{KINDS[kind].singular} {ref!r} is ambiguous: it could be "
                                     f"{listed}; give its key")
            row = next(iter(found.values()), None)
        if row is None:
            raise NotFound(f"no {KINDS[kind].singular} {ref!r}")
        return self._survivor(row) if follow else row

    def _survivor(self, row: NameRow) -> NameRow:
        return self.index.survivor(row)

    def counts(self, kind: str, iris: list[str]) -> dict[str, int]:
        """Claims per resource (the claims index's facet counts). Raises StoreError."""
        return self.counter(COUNT_FACET[kind], list(iris)) if iris else {}

    def listing(self, kind: str, query: str | None = None, after: str | None = None,
                limit: int = 50) -> dict:
        """A page of ``kind`` in label order, those with a key, label or alias
        containing ``query`` when given, each with its claims: ``{"items": [...],
        "next": cursor or None, "total": n}``. Raises InputError, StoreError."""
        _check_kind(kind)
        self.index.ensure_built()
        rows = self.index.page(kind, query, after, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        counts = self.counts(kind, [r.iri for r in rows])
        items = [self.item(r, counts.get(r.iri, 0)) for r in rows]
        return {"kind": kind, "query": query or "", "items": items,
                "next": self.index.sort_key(rows[-1]) if more and rows else None,
                "total": self.index.count(kind)}

    def item(self, row: NameRow, claims: int = 0) -> dict:
        """One resource as lists and pages show it."""
        return {"iri": row.iri, "id": self._id(row.iri), "label": row.label,
                "aliases": row.aliases, "description": row.description,
                "wikidata": row.wikidata,
                "same_as": list(row.links), "merged_into": row.merged_into,
                "merged_from": [self._id(r.iri) for r in self.index.merged_from(row.iri)],
                "claims": claims}

    def _id(self, iri: str) -> str:
        return self.iris.local_id(URIRef(iri)) or iri

    def ident(self, iri: str) -> str:
        """The local id of a resource (its IRI when it is not the KB's)."""
        return self._id(iri)

    def linked_to(self, kind: str, qid: str) -> list[NameRow]:
        """The resources of ``kind`` linked to Wikidata ``qid``."""
        return self.index.linked(kind, str(wikidata_iri(qid)))

    def claims_naming(self, iri: str) -> list[URIRef]:
        """The claims that name a resource (subject, property, scope, speaker, value,
        the publisher or an author of their article)."""
        return [URIRef(c) for c in self._claims_of(self._uses(URIRef(iri)))]

    def _claims_of(self, uses: list[tuple]) -> list[str]:
        """The claims that ``uses`` (quads of ``resource_uses.rq``) belong to: the
        claims themselves, and the claims of the articles whose publisher or author
        they name."""
        claims = {str(q[3]) for q in uses if q[3] != META}
        claims |= {str(q[0]) for q in uses if q[3] == META and q[1] in _CLAIM_LINKS}
        articles = sorted({q[0] for q in uses if q[3] == META and q[1] in _ARTICLE_LINKS})
        for start in range(0, len(articles), 500):
            claims |= {str(r["claim"]) for r in sparql.select(
                self.store, "claims_of_articles.rq", article=articles[start:start + 500])}
        return sorted(claims)

    # ------------------------------------------------------------------ merge and split

    def merge(self, kind: str, survivor_ref: str, other_ref: str, *,
              user: str | None = None) -> MergeResult:
        """Merge ``other`` into ``survivor`` (see the module docstring), in one update
        with its change record, then refresh every index. Raises InputError (the same
        resource, one already merged, a merge that would go round in a circle),
        NotFound, StoreError."""
        survivor = self.find(kind, survivor_ref, follow=False)
        other = self.find(kind, other_ref, follow=False)
        if survivor.iri == other.iri:
            raise InputError(f"cannot merge {self._id(other.iri)} with itself")
        if other.merged_into:
            raise InputError(f"{self._id(other.iri)} was already merged into "
                             f"{self._id(other.merged_into)}")
        if survivor.merged_into:
            end = self._survivor(survivor)
            if end.iri == other.iri:
                raise InputError(f"{self._id(survivor.iri)} was merged into {self._id(other.iri)}: "
                                 "merging back would go round in a circle (split it instead)")
            raise InputError(f"{self._id(survivor.iri)} was merged into {self._id(end.iri)}: "
                             f"merge into {self._id(end.iri)}")
        s, o = URIRef(survivor.iri), URIRef(other.iri)
        removed = [q for q in self._uses(o) if q[0] != q[2]]
        pairs = [(q, tuple(s if t == o else t for t in q)) for q in removed]
        pairs = [(q, m) for q, m in pairs if m[0] != m[2]]
        already = set(self._present([m for _, m in pairs]))   # the survivor said so too
        added = [m for _, m in pairs if m not in already]
        marks = []                  # what the merge says about the two, besides the moves
        known = {normalise(t) for how, t in survivor.names if how != "key"}
        for how, text in other.names:
            if how in ("label", "alias") and normalise(text) not in known:
                marks.append((s, SKOS.altLabel, Literal(text), META))
                known.add(normalise(text))
        link = OWL.equivalentProperty if kind == "properties" else OWL.sameAs
        marks += [(o, CKB.mergedInto, s, META), (o, link, s, META)]
        added = list(dict.fromkeys(added + marks))
        claims = self._claims_of(removed)
        payload = json.dumps({"moves": [[_n3(q), _n3(m), m in already] for q, m in pairs],
                              "removed": [_n3(q) for q in removed], "marks": [_n3(q) for q in marks],
                              "survivor": str(s)})
        parts = [sparql.delete_data(removed)] if removed else []
        parts.append(sparql.insert_data(added))
        parts.append(self.changelog.change_update(
            o, action="merged", who=user or self.actor, before=payload, before_format=MERGE_FORMAT,
            summary=f"merged into {self._id(str(s))}: {len(claims)} claim(s) moved"))
        parts += self._claim_changes(claims, f"{KINDS[kind].singular} {self._id(str(o))} merged "
                                             f"into {self._id(str(s))}", user)
        self.store.update(sparql.join_updates(parts))
        self.indexes.names_changed([str(s), str(o)], claims=[URIRef(c) for c in claims])
        return MergeResult(kind, str(s), str(o), claims, len(removed))

    def split(self, kind: str, other_ref: str, *, user: str | None = None) -> MergeResult:
        """Undo the merge of ``other`` (its last one): its claims and names move back,
        it is its own resource again. Raises InputError (not merged), NotFound,
        StoreError."""
        other = self.find(kind, other_ref, follow=False)
        if not other.merged_into:
            raise InputError(f"{self._id(other.iri)} is not merged into anything")
        merges = [c for c in self.changelog.changes(URIRef(other.iri)) if c.action == "merged"]
        if not merges or merges[0].before_format != MERGE_FORMAT:
            raise InputError(f"no record of how {self._id(other.iri)} was merged: cannot split")
        end = self._survivor(other)
        if end.iri != other.merged_into:
            raise InputError(f"{self._id(other.merged_into)} was merged into {self._id(end.iri)} "
                             f"since: split {self._id(other.merged_into)} first")
        try:
            payload = json.loads(merges[0].before or "")
            moves = [(_quad(q), _quad(m), bool(pre)) for q, m, pre in payload["moves"]]
            removed = [_quad(q) for q in payload["removed"]]
            marks = [_quad(q) for q in payload["marks"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"the record of the merge of {self._id(other.iri)} is unreadable "
                             f"({exc}): cannot split") from None
        # a use moves back where the merge's move is still there (a claim edited since
        # keeps its edit); what the survivor said before the merge stays said
        present = set(self._present([m for _, m, _ in moves] + marks))
        edited = self._edited_since(moves, merges[0].when)
        moves = [(q, m, pre) for q, m, pre in moves if _claim_of(q) not in edited]
        back = [q for q, m, _ in moves if m in present]
        back += [q for q in removed if q not in {q for q, _, _ in moves}]
        drop = [m for _, m, pre in moves if m in present and not pre] + \
            [q for q in marks if q in present]
        claims = self._claims_of(back)
        parts = [sparql.delete_data(list(dict.fromkeys(drop)))] if drop else []
        if back:
            parts.append(sparql.insert_data(back))
        parts.append(self.changelog.change_update(
            URIRef(other.iri), action="split", who=user or self.actor,
            summary=f"split from {self._id(other.merged_into)}: {len(claims)} claim(s) moved back"))
        parts += self._claim_changes(claims, f"{KINDS[kind].singular} {self._id(other.iri)} split "
                                             f"from {self._id(other.merged_into)}", user)
        self.store.update(sparql.join_updates(parts))
        self.indexes.names_changed([other.iri, other.merged_into], claims=[URIRef(c) for c in claims])
        return MergeResult(kind, other.merged_into, other.iri, claims, len(back))

    def _edited_since(self, moves, when: str) -> set[str]:
        """The claims among ``moves`` changed after the merge (not by it)."""
        claims = {c for q, _, _ in moves if (c := _claim_of(q))}
        changes = self.changelog.changes_of([URIRef(c) for c in claims])
        return {c for c, found in changes.items()
                if any(ch.when > when and "merged into" not in (ch.summary or "") for ch in found)}

    def _claim_changes(self, claims: list[str], summary: str, user: str | None) -> list[str]:
        """The change records of the claims a merge or split moved ("updated")."""
        quads: list[tuple] = []
        for claim in claims:
            quads += self.changelog.change_quads(URIRef(claim), action="updated",
                                                 who=user or self.actor, summary=summary)[1]
        return [sparql.insert_data(quads)] if quads else []

    def _uses(self, resource: URIRef) -> list[tuple]:
        rows = sparql.select(self.store, "resource_uses.rq", resource=resource)
        return [(r["s"], r["p"], r["o"], r["g"]) for r in rows]

    def _present(self, quads: list[tuple]) -> list[tuple]:
        """Those of ``quads`` the store still has (a later edit may have changed some)."""
        by_subject = defaultdict(list)
        for q in quads:
            by_subject[q[0]].append(q)
        have = set()
        for subject in by_subject:
            for r in sparql.select(self.store, "quads_of.rq", s=subject):
                have.add((r["s"], r["p"], r["o"], r["g"]))
        return [q for q in quads if tuple(q) in have]

    # ------------------------------------------------------------------ dedupe

    def dedupe(self, kind: str, threshold: int = DEDUPE_THRESHOLD) -> list[Proposal]:
        """Proposed merges across ``kind``: pairs with the same normalised name, the same
        Wikidata id, or names at least ``threshold`` close (kb.model.names), best
        first; the survivor is the one with more claims, then the first IRI. Pairs
        declared different (other Wikidata ids, other property kinds) are left out.
        Raises InputError, StoreError."""
        _check_kind(kind)
        self.index.ensure_built()
        names = self.index.all_names(kind, keys=False)   # a key is not a name people use
        rows: dict[str, NameRow] = {}

        def row(iri):
            if iri not in rows:
                rows[iri] = self.index.get(iri, kind)
            return rows[iri]

        pairs: dict[tuple[str, str], tuple[int, set]] = {}

        def propose(a, b, score, reason):
            if a == b:
                return
            key = tuple(sorted((a, b)))
            best, reasons = pairs.get(key, (0, set()))
            reasons.add(reason)
            pairs[key] = (max(best, score), reasons)

        for norm, iris in zip(names.names, names.owners):
            for a in iris:
                for b in iris:
                    if a < b:
                        propose(a, b, 100, f"same name {norm!r}")
        for i, j, score, reason in names.close_pairs(threshold):
            pair = sorted((names.names[i], names.names[j]))
            for a in names.owners[i]:
                for b in names.owners[j]:
                    propose(a, b, score, f"{reason} {score}: {pair[0]!r} ~ {pair[1]!r}")
        for target, iris in self._links_by_target(kind).items():
            for a in iris:
                for b in iris:
                    if a < b:
                        propose(a, b, 100, f"same link {target.rsplit('/', 1)[-1]}")
        counts = self.counts(kind, sorted({x for pair in pairs for x in pair}))
        out = []
        for (a, b), (score, reasons) in pairs.items():
            ra, rb = row(a), row(b)
            if ra is None or rb is None or ra.merged_into or rb.merged_into:
                continue
            if _declared_different(ra, rb):
                continue
            ka, kb_ = (-counts.get(a, 0), a), (-counts.get(b, 0), b)
            survivor, other = (ra, rb) if ka <= kb_ else (rb, ra)
            out.append(Proposal(kind, survivor, other, score, tuple(sorted(reasons))))
        out.sort(key=lambda p: (-p.score, p.survivor.iri, p.other.iri))
        return out

    def _links_by_target(self, kind: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = defaultdict(list)
        for r in self.index.with_links(kind):
            for target in r.links:
                if wikidata_id(target):
                    found[target].append(r.iri)
        return {t: iris for t, iris in found.items() if len(iris) > 1}


_CLAIM_LINKS = {CKB.subject, CKB.property, CKB.scope, CKB.speaker}
_ARTICLE_LINKS = {SCHEMA.publisher, SCHEMA.author}


def _declared_different(a: NameRow, b: NameRow) -> bool:
    wa, wb = set(a.wikidata), set(b.wikidata)
    if wa and wb and not wa & wb:
        return True
    return bool(a.kinds and b.kinds and set(a.kinds) != set(b.kinds))


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise InputError(f"unknown kind {kind!r} (known: {', '.join(KINDS)})")


def _claim_of(quad: tuple) -> str | None:
    """The claim a quad a merge moved belongs to (None: an article's or an entity's)."""
    s, p, _, g = quad
    if g != META:
        return str(g)
    return str(s) if p in _CLAIM_LINKS else None


def _n3(quad: tuple) -> list[str]:
    return [t.n3() for t in quad]


def _quad(terms: list[str]) -> tuple:
    """A quad from ``_n3``. Raises ValueError for a term that is not N3."""
    quad = tuple(from_n3(t) for t in terms)
    if len(quad) != 4 or any(t is None for t in quad):
        raise ValueError(f"not a quad: {terms!r}")
    return quad


__all__ = ["COUNT_FACET", "DEDUPE_THRESHOLD", "Entities", "MergeResult", "Proposal"]
