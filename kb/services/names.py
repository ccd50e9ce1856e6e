"""Resolving names: every way claims come in (a claims file, a ClaimReview feed, the web
form, the API) passes its records through ``Names.resolve`` before they are written,
so that the same thing written another way becomes the same resource
(docs/entities.md).

A subject, property, scope, speaker, value entity, publisher or author resolves, in
this order, to:

1. the resource its IRI names, when the KB has it (a key or IRI of an existing one;
   one merged into another resolves to the survivor);
2. the resource this batch already resolved the same name to (two spellings of a new
   entity in one file are one entity), for names written by their label (a name a
   claims file declares under a key of its own stays that key's resource);
3. the resource linked to the same Wikidata id;
4. the one resource whose key, label or alias is the same after normalisation
   (kb.model.names.normalise). Two or more: the name is ambiguous, an InputError lists
   them and nothing is guessed. One with another Wikidata id, or (a property) of
   another kind, than the one declared: not the same thing (a warning names it);
5. otherwise a new resource — with a warning naming the existing ones whose names are
   close (near-duplicates), which ``strict`` turns into an InputError.

A name resolved to another IRI than its own keeps its spelling: its label becomes a
skos:altLabel of the resource, unless the resource already has the same name after
normalisation. (A file's own key for it is not kept: keys are local to a file, and would
catch unrelated names later.)

Why one module (~430 lines): the five steps above are one order, read top to bottom in
``_resolve_one``, and every step reads and writes the one batch state (``_Batch``: what
this file resolved, its new names); the report types are what that order produces.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from rdflib import URIRef

from kb.derived.names_index import NameRow, NamesIndex
from kb.errors import InputError
from kb.model.article import ArticleData
from kb.model.claim import ClaimRecord, EntitySetValue, EntityValue, Named, wikidata_iri
from kb.model.iris import Minter, short_hash, slugify
from kb.model.names import KINDS, NameSet, normalise
from kb.model.vocab import CKB

PROPERTY_KIND_TYPES = {str(CKB[t]) for t in ("StateProperty", "EventCountProperty",
                                             "CumulativeProperty", "TimeInvariantProperty")}
MAX_CANDIDATES = 5


@dataclass(frozen=True)
class Candidate:
    """An existing resource a name was matched with: its IRI, label, score (0-100) and
    the reason ("same name", "Wikidata Q863", "spelling", "shared words")."""

    iri: str
    label: str | None
    score: int
    reason: str

    def as_dict(self, iris: Minter) -> dict:
        return {"iri": self.iri, "id": iris.local_id(URIRef(self.iri)), "label": self.label,
                "score": self.score, "reason": self.reason}


@dataclass(frozen=True)
class NearDuplicate:
    """A new resource whose name is close to existing ones."""

    kind: str
    name: str
    iri: str
    candidates: tuple[Candidate, ...]

    def message(self, iris: Minter) -> str:
        named = ", ".join(f"{iris.local_id(URIRef(c.iri)) or c.iri} ({c.label}; {c.reason} "
                          f"{c.score})" for c in self.candidates)
        return (f"new {KINDS[self.kind].singular} {self.name!r} looks like existing {named}: "
                f"write its key to use it")

    def as_dict(self, iris: Minter) -> dict:
        return {"kind": self.kind, "name": self.name, "iri": self.iri,
                "id": iris.local_id(URIRef(self.iri)),
                "candidates": [c.as_dict(iris) for c in self.candidates]}


@dataclass(frozen=True)
class Resolved:
    """A name resolved to an existing resource other than the one it minted."""

    kind: str
    name: str
    iri: str
    how: str

    def message(self, iris: Minter) -> str:
        return (f"resolved {KINDS[self.kind].singular} {self.name!r} to "
                f"{iris.local_id(URIRef(self.iri)) or self.iri} ({self.how})")


@dataclass
class Resolution:
    """What ``Names.resolve`` did: the records and articles to write, the names it
    resolved and the near-duplicates it found."""

    records: list[ClaimRecord]
    articles: list[ArticleData]
    resolved: list[Resolved] = field(default_factory=list)
    warnings: list[NearDuplicate] = field(default_factory=list)


class _Batch:
    """One resolution: what it found so far (the same name twice is resolved once)."""

    def __init__(self):
        self.by_iri: dict[tuple[str, str], Named] = {}
        self.by_norm: dict[tuple[str, str], Named] = {}
        self.mapped: dict[str, URIRef] = {}     # minted IRI → resolved IRI
        self.resolved: dict[tuple, Resolved] = {}
        self.warnings: dict[tuple, NearDuplicate] = {}
        # the names of this batch's new resources, per kind, and their labels
        self.new: dict[str, NameSet] = {}
        self.labels: dict[str, str | None] = {}


class Names:
    """Resolving the names of claims and articles against the names index."""

    def __init__(self, iris: Minter, index: NamesIndex):
        self.iris = iris
        self.index = index

    # ------------------------------------------------------------------ records

    def resolve(self, records, articles=(), *, strict: bool = False) -> Resolution:
        """Resolve every name of ``records`` and ``articles`` (see the module
        docstring); returns them rewritten, with what was resolved and the
        near-duplicates. Raises InputError for an ambiguous name, and, with ``strict``,
        for near-duplicates; StoreError."""
        self.index.ensure_built()
        batch = _Batch()
        records = [self._record(r, batch) for r in records]
        articles = [self._article(a, batch) for a in articles]
        records = [self._relink(r, batch) for r in records]
        resolution = Resolution(records, articles, list(batch.resolved.values()),
                                list(batch.warnings.values()))
        if strict and resolution.warnings:
            raise InputError("near-duplicates (--strict): " + "; ".join(
                w.message(self.iris) for w in resolution.warnings))
        return resolution

    def _record(self, rec: ClaimRecord, batch: _Batch) -> ClaimRecord:
        changes: dict = {}
        for attr, kind in (("subject", "entities"), ("predicate", "properties"),
                           ("scope", "entities"), ("speaker", "people")):
            named = getattr(rec, attr)
            if named is not None:
                changes[attr] = self._named(named, kind, batch)
        if isinstance(rec.value, EntityValue):
            changes["value"] = EntityValue(self._named(rec.value.entity, "entities", batch))
        elif isinstance(rec.value, EntitySetValue):
            members: dict = {}
            for m in rec.value.entities:
                r = self._named(m, "entities", batch)
                members.setdefault(r.iri, r)
            changes["value"] = (EntityValue(next(iter(members.values()))) if len(members) == 1
                                else EntitySetValue(tuple(members.values())))
        if rec.declared:
            changes["declared"] = [self._named(d, "entities", batch) for d in rec.declared]
        return replace(rec, **changes) if changes else rec

    def _relink(self, rec: ClaimRecord, batch: _Batch) -> ClaimRecord:
        """part_of / same_as links that named a resource resolved to another IRI."""
        def fix(named):
            if named is None or not batch.mapped:
                return named
            part_of = tuple(batch.mapped.get(str(x), x) for x in named.part_of)
            same_as = tuple(batch.mapped.get(str(x), x) for x in named.same_as)
            if part_of == named.part_of and same_as == named.same_as:
                return named
            return replace(named, part_of=tuple(x for x in part_of if x != named.iri),
                           same_as=tuple(x for x in same_as if x != named.iri))

        value = rec.value
        if isinstance(value, EntityValue):
            value = EntityValue(fix(value.entity))
        elif isinstance(value, EntitySetValue):
            value = EntitySetValue(tuple(fix(m) for m in value.entities))
        extra = [tuple(batch.mapped.get(str(t), t) if isinstance(t, URIRef) else t for t in q)
                 for q in rec.extra] if batch.mapped else rec.extra
        return replace(rec, subject=fix(rec.subject), predicate=fix(rec.predicate),
                       scope=fix(rec.scope), speaker=fix(rec.speaker), value=value, extra=extra,
                       declared=[fix(d) for d in rec.declared])

    def _article(self, data: ArticleData, batch: _Batch) -> ArticleData:
        resolved, minted = dict(data.resolved), dict(data.minted)
        names = [(data.publisher, "publishers", self.iris.publisher)] if data.publisher else []
        names += [(name, "people", self.iris.person) for name in data.authors]
        for name, kind, mint in names:
            named = self._named(Named(mint(name), name), kind, batch)
            if named.label is None:            # an existing one
                resolved[name] = named.iri
            elif named.iri != mint(name):      # a new one under a key of its own
                minted[name] = named.iri
        if (resolved, minted) == (data.resolved, data.minted):
            return data
        return replace(data, resolved=resolved, minted=minted)

    # ------------------------------------------------------------------ one name

    def _named(self, named: Named, kind: str, batch: _Batch) -> Named:
        key = (kind, str(named.iri))
        if key in batch.by_iri:
            return self._merge_decl(batch.by_iri[key], named)
        result = self._resolve_one(named, kind, batch)
        batch.by_iri[key] = result
        if result.iri != named.iri:
            batch.mapped[str(named.iri)] = result.iri
        if self._by_label(named):
            for text in self._texts(named):
                batch.by_norm.setdefault((kind, normalise(text)), result)
        return result

    def _by_label(self, named: Named) -> bool:
        """Whether ``named`` is named by its label (its key is the label's slug), not
        declared under a key of its own."""
        local = self.iris.local_id(named.iri)
        return bool(local and named.label and local == slugify(named.label))

    @staticmethod
    def _merge_decl(first: Named, again: Named) -> Named:
        """The same IRI named twice in a batch: the first declaration stands (its IRI)."""
        return replace(again, iri=first.iri, label=first.label, aliases=first.aliases)

    def _texts(self, named: Named) -> list[str]:
        """The names ``named`` is written with: its label and its key."""
        texts = [named.label] if named.label else []
        local = self.iris.local_id(named.iri)
        if local:
            texts.append(local)
        return [t for t in texts if normalise(t)]

    @staticmethod
    def _wikidata_iri(named: Named) -> str | None:
        return str(wikidata_iri(named.wikidata)) if named.wikidata else None

    def _resolve_one(self, named: Named, kind: str, batch: _Batch) -> Named:
        shown = named.label or self.iris.local_id(named.iri) or str(named.iri)
        # 1. the IRI itself — unless the IRI was minted from a label the resource is not
        # known by (slugify drops letters such as ø and ł: "Tromsø" mints the key of
        # "Troms"); then the label is looked up, and a new resource gets a key of its own
        if named.label is not None and not normalise(named.label):
            raise InputError(f"{KINDS[kind].singular} {named.label!r} has no letters or digits "
                             "to be known by")
        row = self.index.get(str(named.iri), kind)
        if row is not None and self._by_label(named):
            mine = normalise(named.label)
            here = self._survivor(row).iri
            others = {self._survivor(r).iri: r for r in self.index.lookup(kind, mine)
                      if _named_as(r, mine)}
            others.pop(here, None)
            if others and not _named_as(row, mine):
                # "Kabul": the key of kabul (Kabul Province), the label of kabul-city
                raise self._ambiguous(kind, shown, [row, *others.values()], "same name")
            if mine not in {normalise(t) for _, t in row.names} or \
                    self._conflict(named, self._qid(row)) or self._other_kind(named, row.kinds):
                # not this resource: slugify drops letters such as ø and ł ("Tromsø"
                # mints the key of "Troms"), or it says it is another thing (another
                # Wikidata id, another property kind): a key of its own, and look further
                named = replace(named, iri=self.iris.mint(
                    KINDS[kind].path, f"{slugify(named.label)}-{short_hash(named.label, length=6)}"))
                row = self.index.get(str(named.iri), kind)
        elif row is not None and (self._conflict(named, self._qid(row))
                                  or self._other_kind(named, row.kinds)):
            why = (f"Wikidata {self._qid(row)}" if self._conflict(named, self._qid(row))
                   else "another kind of property")
            raise InputError(f"{KINDS[kind].singular} {self.iris.local_id(named.iri)} is "
                             f"{why} in the KB: give this one another key")
        if row is not None:
            survivor = self._survivor(row)
            if survivor.iri != row.iri:
                self._note(batch, kind, shown, survivor.iri,
                           f"{self.iris.local_id(URIRef(row.iri)) or row.iri} was merged into it")
            return self._onto(named, survivor)
        # 2. this batch
        norms = [normalise(t) for t in self._texts(named)]
        for norm in norms if self._by_label(named) else ():
            earlier = batch.by_norm.get((kind, norm))
            if earlier is not None and not self._conflict(named, earlier.wikidata) \
                    and not self._other_kind(named, earlier.types):
                return self._merge_decl(earlier, named)
        # 3. Wikidata
        target = self._wikidata_iri(named)
        if target:
            linked = {s.iri: s for s in map(self._survivor, self.index.linked(kind, target))}
            if len(linked) == 1:
                survivor = next(iter(linked.values()))
                self._note(batch, kind, shown, survivor.iri, f"same Wikidata id {named.wikidata}")
                return self._onto(named, survivor)
            if len(linked) > 1:
                raise self._ambiguous(kind, shown, list(linked.values()), f"Wikidata {named.wikidata}")
        # 4. the same name
        found: dict[str, NameRow] = {}
        for norm in dict.fromkeys(norms):
            for r in self.index.lookup(kind, norm):
                s = self._survivor(r)
                found[s.iri] = s
        if found:
            usable = {i: r for i, r in found.items() if not self._conflict(named, self._qid(r))
                      and not self._other_kind(named, r.kinds)}
            if len(usable) > 1:
                raise self._ambiguous(kind, shown, list(usable.values()), "same name")
            if len(usable) == 1:
                survivor = next(iter(usable.values()))
                self._note(batch, kind, shown, survivor.iri, "same name")
                return self._onto(named, survivor)
        # 5. new: near-duplicates?
        self._near(named, kind, shown, norms, batch)
        new = batch.new.setdefault(kind, NameSet(()))
        for norm in norms:
            new.add(norm, str(named.iri))
        batch.labels[str(named.iri)] = named.label
        return named

    @staticmethod
    def _qid(row: NameRow) -> str | None:
        return next(iter(row.wikidata), None)

    @staticmethod
    def _conflict(named: Named, qid: str | None) -> bool:
        return bool(named.wikidata and qid and named.wikidata != qid)

    @staticmethod
    def _other_kind(named: Named, types) -> bool:
        """Whether ``named`` declares a property kind that ``types`` do not have."""
        mine = {str(t) for t in named.types} & PROPERTY_KIND_TYPES
        theirs = {str(t) for t in types} & PROPERTY_KIND_TYPES
        return bool(mine and theirs and mine != theirs)

    def _survivor(self, row: NameRow) -> NameRow:
        return self.index.survivor(row)

    def _onto(self, named: Named, row: NameRow) -> Named:
        """``named`` as a declaration of the existing resource ``row``: its label kept
        as an alias when it is new."""
        known = {normalise(t) for _, t in row.names}
        aliases = list(named.aliases)
        if named.label and normalise(named.label) not in known:
            aliases.append(named.label)
        label = named.label if row.label is None else None
        return replace(named, iri=URIRef(row.iri), label=label,
                       aliases=tuple(dict.fromkeys(aliases)))

    def _note(self, batch: _Batch, kind: str, name: str, iri: str, how: str) -> None:
        if iri.endswith("/" + name):
            return      # written as the key itself: nothing to report
        batch.resolved.setdefault((kind, name, iri), Resolved(kind, name, iri, how))

    def _ambiguous(self, kind: str, name: str, rows: list[NameRow], why: str) -> InputError:
        listed = "; ".join(f"{self.iris.local_id(URIRef(r.iri)) or r.iri} ({r.label})"
                           for r in sorted(rows, key=lambda r: r.iri))
        return InputError(f"{KINDS[kind].singular} {name!r} is ambiguous ({why}): it could be "
                          f"{listed}; write the key of the one you mean")

    def _near(self, named: Named, kind: str, shown: str, norms: list[str], batch: _Batch) -> None:
        """Warn of the resources (in the KB, or new in this batch) whose names are
        close to ``named``'s."""
        known = self.index.all_names(kind)
        new = batch.new.get(kind) or NameSet(())
        best: dict[str, Candidate] = {}

        def consider(iri: str, label, score: int, reason: str) -> None:
            if iri != str(named.iri) and (iri not in best or best[iri].score < score):
                best[iri] = Candidate(iri, label, score, reason)

        for norm in dict.fromkeys(norms):
            for index, score, reason in known.near(norm):
                for iri in known.owners[index]:
                    consider(iri, None, score, reason)
            if norm in known.position:      # the same name, but declared another thing
                for iri in known.owners[known.position[norm]]:
                    consider(iri, None, 100, "same name")
            for index, score, reason in new.near(norm):
                for iri in new.owners[index]:
                    consider(iri, batch.labels.get(iri), score, reason)
            if norm in new.position:        # the same name, new twice as two things
                for iri in new.owners[new.position[norm]]:
                    consider(iri, batch.labels.get(iri), 100, "same name")
        if not best:
            return
        candidates = sorted(best.values(), key=lambda c: (-c.score, c.iri))[:MAX_CANDIDATES]
        labelled = []
        for c in candidates:
            row = None if c.label else self.index.get(c.iri, kind)
            labelled.append(replace(c, label=c.label or (row.label if row else None)))
        if labelled:
            batch.warnings.setdefault((kind, str(named.iri)), NearDuplicate(
                kind, shown, str(named.iri), tuple(labelled)))

    # ------------------------------------------------------------------ one name, for the UI

    def candidates(self, kind: str, text: str) -> tuple[NameRow | None, list[Candidate]]:
        """What ``text`` (a key, label or alias) of ``kind`` would resolve to: the
        resource (None when it would be new) and, for a new one, the near-duplicates.
        Raises InputError for an unknown kind or an ambiguous name, StoreError."""
        if kind not in KINDS:
            raise InputError(f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
        text = " ".join(str(text).split())
        if not normalise(text):
            return None, []
        minted = self.iris.mint(KINDS[kind].path, slugify(text))
        batch = _Batch()
        result = self._named(Named(minted, text), kind, batch)
        if result.iri != minted or self.index.get(str(minted), kind) is not None:
            return self.index.get(str(result.iri), kind), []
        warning = next(iter(batch.warnings.values()), None)
        return None, list(warning.candidates) if warning else []


def _named_as(row: NameRow, norm: str) -> bool:
    """Whether ``row`` has a label or an alias whose normalised form is ``norm``."""
    return any(how in ("label", "alias") and normalise(t) == norm for how, t in row.names)


__all__ = ["Candidate", "Names", "NearDuplicate", "Resolution", "Resolved"]
