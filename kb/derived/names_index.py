"""The names index (``names.sqlite``): every entity, property, person and publisher of
the KB with its key, labels, aliases and identity links, by normalised name, so that
resolving what a user wrote ("Afghanistan-Tajikistan border", "the times", "Q863")
is an index lookup, not a scan of the store (docs/entities.md).

Rows come from the metadata graph (``names_of.rq``): ``resources`` (one per resource
and kind: its label, description, and the resource it was merged into), ``names``
(its normalised key, labels and aliases, kb.model.names.normalise) and
``links`` (its owl:sameAs / owl:equivalentProperty targets: Wikidata ids). Kept current
after every claim write (the resources the claims name, ``claim_names.rq``) and after a
merge or split; rebuilt from the store like the other derived indexes (kb/derived/base.py).
Every method raises StoreError when SQLite or the store fails.
"""
from __future__ import annotations

import sqlite3
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from rdflib import URIRef

from kb.derived.sqlite import SideIndex, write_transaction
from kb.errors import InputError, StoreError
from kb.model.claim import wikidata_id
from kb.model.iris import Minter
from kb.model.names import KIND_OF_TYPE, NameSet, normalise
from kb.store import sparql
from kb.store.base import Store, chunked

FILE = "names.sqlite"
SCHEMA_VERSION = 2
# every name of a resource in one row (rowid: the resource), for substring search by
# trigrams (SQLite >= 3.34); without it, search scans the names
_FTS = ("CREATE VIRTUAL TABLE IF NOT EXISTS names_fts USING fts5 (text, tokenize = 'trigram')")
# between a resource's names in names_fts: never in a normalised query (whitespace is
# collapsed to one space), so no match runs across two names
_SEPARATOR = "\n"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS resources (
    id INTEGER PRIMARY KEY,
    iri TEXT NOT NULL, kind TEXT NOT NULL,
    label TEXT, sort_label TEXT NOT NULL DEFAULT '', description TEXT, merged_into TEXT,
    kinds TEXT NOT NULL DEFAULT '',
    UNIQUE (iri, kind)
);
CREATE INDEX IF NOT EXISTS resources_kind ON resources (kind, sort_label, id);
CREATE INDEX IF NOT EXISTS resources_merged ON resources (merged_into, kind);
CREATE INDEX IF NOT EXISTS resources_live ON resources (kind, merged_into);
CREATE TABLE IF NOT EXISTS names (
    norm TEXT NOT NULL, resource INTEGER NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    how TEXT NOT NULL, text TEXT NOT NULL,
    PRIMARY KEY (norm, resource, how, text)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS names_resource ON names (resource);
CREATE TABLE IF NOT EXISTS links (
    target TEXT NOT NULL, resource INTEGER NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    PRIMARY KEY (target, resource)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS links_resource ON links (resource);
"""


@dataclass(frozen=True)
class NameRow:
    """A resource of the index: its IRI and kind, label, every name it is known by
    (how, text), its identity links and what it was merged into."""

    iri: str
    kind: str
    label: str | None
    description: str | None = None
    merged_into: str | None = None
    names: tuple[tuple[str, str], ...] = ()     # (how, text): key, label, alias
    links: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()      # a property's kind types (ckb:StateProperty, …)

    @property
    def wikidata(self) -> list[str]:
        """The Wikidata ids it is linked to."""
        return [q for q in map(wikidata_id, self.links) if q]

    @property
    def aliases(self) -> list[str]:
        return [t for how, t in self.names if how == "alias"]


def _configure(db: sqlite3.Connection) -> None:
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")


class NamesIndex(SideIndex):
    """The names index of one knowledge base (see the module docstring)."""

    schema_version = SCHEMA_VERSION

    def __init__(self, path: Path, store: Store, iris: Minter):
        """Open (or create) the index file; one of another schema version is emptied
        (and rebuilt on first use). Raises StoreError."""
        super().__init__(path, _configure, autocommit=True)
        self.store = store
        self.iris = iris
        self._build_lock = threading.Lock()
        self._cache: dict = {}
        self._fts = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._write_lock:
                db = self._db()
                version = self._meta(db, "schema")
                if version is not None and version != str(SCHEMA_VERSION):
                    db.executescript("DROP TABLE IF EXISTS names; DROP TABLE IF EXISTS links; "
                                     "DROP TABLE IF EXISTS names_fts; "
                                     "DROP TABLE IF EXISTS resources; DELETE FROM meta;")
                db.executescript(_SCHEMA)
                try:
                    db.execute(_FTS)
                    self._fts = True
                except sqlite3.OperationalError:     # no fts5 or no trigram tokenizer
                    self._fts = False
                db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
                db.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the names index {self.path}: {exc}") from None

    # ------------------------------------------------------------ state

    @property
    def built(self) -> bool:
        """Whether the index was built from the store (else: ``rebuild``)."""
        try:
            return self._meta(self._db(), "built") is not None
        except sqlite3.Error as exc:
            raise StoreError(f"names index read failed: {exc}") from None

    def _writing(self):
        return write_transaction(self._write_lock, self._begin, "names index",
                                 before_commit=self.bump_generation)

    # ------------------------------------------------------------ building

    def rebuild(self, progress=None) -> int:
        """Rebuild the index from the store into a new file, then move it into place.
        Returns the number of resources indexed."""
        with self._build_lock:
            count = self.rebuild_aside(lambda fresh: fresh._fill(None),
                                       before_swap=self._carry_generation)
            self._cache = {}
            return count

    def ensure_built(self) -> None:
        """Build the index if it was never built (a KB made before it existed)."""
        if not self.built:
            with self._build_lock:
                if not self.built:
                    self.rebuild_aside(lambda fresh: fresh._fill(None),
                                       before_swap=self._carry_generation)
                    self._cache = {}

    def _fresh(self, path: Path) -> "NamesIndex":
        return NamesIndex(path, self.store, self.iris)

    def _fill(self, resources: list[str] | None) -> int:
        rows = self._read(resources)
        with self._writing() as db:
            self._put(db, rows, resources or [])
            if resources is None:
                db.execute("INSERT OR REPLACE INTO meta VALUES ('built', datetime('now'))")
        return len(rows)

    def _replay(self, keys: list[str]) -> None:
        self.refresh(keys)

    def refresh(self, resources: Iterable) -> None:
        """Index these resources as now stored (those no longer stored are dropped)."""
        resources = sorted({str(r) for r in resources})
        for chunk in chunked(resources, 500):
            if set(self._read(chunk)) == set(self._stored(chunk)):
                continue      # nothing changed: no write, and the cached names stay
            before = self.write_generation()
            with self._writing() as db:
                # read again holding the write: a merge refreshing the same resources
                # meanwhile must not be overwritten by what was read before it
                before = int(self._meta(db, "generation") or 0)
                rows, old = self._read(chunk), self._stored(chunk)
                self._note(chunk)
                self._put(db, rows, chunk)
            self._patch(before, old, rows)

    def _patch(self, before: int, old: list[NameRow], rows: list[NameRow]) -> None:
        """After this process's write that replaced ``old`` with ``rows``: the cached
        names (``all_names``) patched rather than read again (2.8 s at 100k entities),
        if no other process wrote in between (else they are read again on next use)."""
        after = self.write_generation()
        cache = {}
        for (generation, kind), names in list(self._cache.items()):
            if generation == before and after == before + 1:
                gone = {r.iri for r in old if r.kind == kind}
                added = [(normalise(t), r.iri) for r in rows if r.kind == kind
                         and not r.merged_into for _, t in r.names]
                cache[(after, kind)] = names.patched(gone, added)
        self._cache = cache

    def refresh_claims(self, claims: Iterable) -> None:
        """Index the resources these claims name (after they were written)."""
        names: set[str] = set()
        for chunk in chunked([URIRef(str(c)) for c in claims], 500):
            _, rows = self.store.values(sparql.render("claim_names.rq", claim=chunk))
            names.update(r[0] for r in rows if r[0])
        if names:
            self.refresh(names)

    def clear(self) -> None:
        """Empty the index of an empty store: built, with nothing in it."""
        with self._writing() as db:
            db.execute("DELETE FROM resources")
            if self._fts:
                db.execute("DELETE FROM names_fts")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('built', datetime('now'))")

    def _read(self, resources: list[str] | None) -> list[NameRow]:
        """The index rows of ``resources`` (all when None) read from the store."""
        params = {} if resources is None else {"resource": [URIRef(r) for r in resources]}
        _, rows = self.store.values(sparql.render("names_of.rq", **params), many=resources is None)
        found: dict[tuple[str, str], dict] = {}
        for resource, rdf_type, what, value in rows:
            kind = KIND_OF_TYPE.get(rdf_type or "")
            if kind is None or resource is None or value is None:
                continue
            entry = found.setdefault((resource, kind), defaultdict(list))
            entry[what].append(value)
        out = []
        for (iri, kind), entry in found.items():
            labels = sorted(entry.get("label", []))
            names = [("label", t) for t in labels]
            local = self.iris.local_id(URIRef(iri))
            if local:
                names.append(("key", local))
            names += [("alias", t) for t in sorted(entry.get("alias", []))]
            merged = sorted(entry.get("merged", []))
            out.append(NameRow(iri, kind, labels[0] if labels else None,
                               (sorted(entry.get("description", [])) or [None])[0],
                               merged[0] if merged else None, tuple(names),
                               tuple(sorted(set(entry.get("same", [])))),
                               tuple(sorted(set(entry.get("type", []))))))
        return out

    def _put(self, db, rows: list[NameRow], replaced: list[str]) -> None:
        for chunk in chunked(replaced, 500):
            marks = ",".join("?" * len(chunk))
            if self._fts:
                db.execute(f"DELETE FROM names_fts WHERE rowid IN "
                           f"(SELECT id FROM resources WHERE iri IN ({marks}))", chunk)
            db.execute(f"DELETE FROM resources WHERE iri IN ({marks})", chunk)
        for row in rows:
            cur = db.execute(
                "INSERT INTO resources (iri, kind, label, sort_label, description, merged_into, "
                "kinds) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (row.iri, row.kind, row.label, normalise(row.label or row.iri),
                 row.description, row.merged_into, " ".join(row.kinds)))
            rid = cur.lastrowid
            db.executemany("INSERT OR IGNORE INTO names VALUES (?, ?, ?, ?)",
                           [(normalise(text), rid, how, text) for how, text in row.names
                            if normalise(text)])
            db.executemany("INSERT OR IGNORE INTO links VALUES (?, ?)",
                           [(target, rid) for target in row.links])
            if self._fts:
                norms = dict.fromkeys(normalise(text) for _, text in row.names)
                db.execute("INSERT INTO names_fts (rowid, text) VALUES (?, ?)",
                           (rid, _SEPARATOR.join(n for n in norms if n)))

    # ------------------------------------------------------------ reading

    def lookup(self, kind: str, norm: str) -> list[NameRow]:
        """The resources of ``kind`` known by a name whose normalised form is ``norm``."""
        return self._rows("SELECT DISTINCT r.* FROM names n JOIN resources r ON r.id = n.resource "
                          "WHERE n.norm = ? AND r.kind = ? ORDER BY r.id", (norm, kind))

    def linked(self, kind: str, target: str) -> list[NameRow]:
        """The resources of ``kind`` with an identity link to ``target`` (a Wikidata IRI)."""
        return self._rows("SELECT r.* FROM links l JOIN resources r ON r.id = l.resource "
                          "WHERE l.target = ? AND r.kind = ? ORDER BY r.id", (target, kind))

    def get(self, iri: str, kind: str | None = None) -> NameRow | None:
        """One resource (of ``kind``, when given), or None."""
        sql, args = "SELECT * FROM resources WHERE iri = ?", [str(iri)]
        if kind:
            sql, args = sql + " AND kind = ?", args + [kind]
        rows = self._rows(sql + " ORDER BY id LIMIT 1", tuple(args))
        return rows[0] if rows else None

    def _stored(self, iris: list[str]) -> list[NameRow]:
        """The rows the index holds for ``iris`` (every kind)."""
        return self._rows(f"SELECT * FROM resources WHERE iri IN ({','.join('?' * len(iris))})",
                          tuple(iris))

    def survivor(self, row: NameRow) -> NameRow:
        """The resource ``row`` was merged into, following merges to the last one (a
        circle, which merges refuse to make, stops where it closes)."""
        seen = {row.iri}
        while row.merged_into:
            nxt = self.get(row.merged_into, row.kind)
            if nxt is None or nxt.iri in seen:
                break
            seen.add(nxt.iri)
            row = nxt
        return row

    def merged_from(self, iri: str) -> list[NameRow]:
        """The resources merged into ``iri``."""
        return self._rows("SELECT * FROM resources WHERE merged_into = ? ORDER BY id", (str(iri),))

    def page(self, kind: str, query: str | None = None, after: str | None = None,
             limit: int = 50) -> list[NameRow]:
        """Resources of ``kind`` in label order (merged ones left out), those with a
        name containing ``query`` (normalised) when given; keyset pages: ``after`` is
        the sort key of the last row of the previous page (``sort_key``). Raises
        InputError for an ``after`` that is not such a key."""
        where, args = ["r.kind = ?", "r.merged_into IS NULL"], [kind]
        text = normalise(query or "")
        if text and self._fts and len(text) >= 3:
            where.append("r.id IN (SELECT rowid FROM names_fts WHERE names_fts MATCH ?)")
            args.append('"' + text.replace('"', '""') + '"')
        elif text:
            where.append("r.id IN (SELECT resource FROM names WHERE instr(norm, ?) > 0)")
            args.append(text)
        if after:
            label, _, rid = after.rpartition("\x1f")
            if not (rid.isascii() and rid.isdigit() and len(rid) < 19):
                raise InputError(f"not a cursor of this list: {after[:80]!r}")
            where.append("(r.sort_label, r.id) > (?, ?)")
            args += [label, int(rid)]
        return self._rows(f"SELECT r.* FROM resources r WHERE {' AND '.join(where)} "
                          "ORDER BY r.sort_label, r.id LIMIT ?", (*args, limit))

    def sort_key(self, row: NameRow) -> str:
        """The keyset cursor after ``row`` (see ``page``)."""
        found = self._db().execute("SELECT sort_label, id FROM resources WHERE iri = ? AND kind = ?",
                                   (row.iri, row.kind)).fetchone()
        return f"{found['sort_label']}\x1f{found['id']}" if found else ""

    def all_names(self, kind: str, *, keys: bool = True) -> NameSet:
        """Every distinct normalised name of ``kind``'s live resources, with the IRIs of
        those it names and a word index (kb.model.names.NameSet), cached while the
        index file stays the same (a write that changes no name leaves it as it was)."""
        if not keys:      # labels and aliases only (dedupe): not cached
            return NameSet(tuple(r) for r in self._db().execute(
                "SELECT n.norm, r.iri FROM names n CROSS JOIN resources r ON r.id = n.resource "
                "WHERE r.kind = ? AND r.merged_into IS NULL AND n.how IN ('label', 'alias')",
                (kind,)))
        key = (self.write_generation(), kind)
        if key not in self._cache:
            rows = self._db().execute(
                "SELECT n.norm, r.iri FROM names n CROSS JOIN resources r ON r.id = n.resource "
                "WHERE r.kind = ? AND r.merged_into IS NULL", (kind,)).fetchall()
            self._cache = {k: v for k, v in self._cache.items() if k[0] == key[0]}
            self._cache[key] = NameSet((r[0], r[1]) for r in rows)
        return self._cache[key]

    def with_links(self, kind: str) -> list[NameRow]:
        """The live resources of ``kind`` that have identity links."""
        return self._rows("SELECT DISTINCT r.* FROM resources r JOIN links l ON l.resource = r.id "
                          "WHERE r.kind = ? AND r.merged_into IS NULL ORDER BY r.id", (kind,))

    def count(self, kind: str) -> int:
        return self._db().execute("SELECT count(*) FROM resources WHERE kind = ? "
                                  "AND merged_into IS NULL", (kind,)).fetchone()[0]

    def _rows(self, sql: str, args: tuple) -> list[NameRow]:
        try:
            db = self._db()
            found = db.execute(sql, args).fetchall()
            out = []
            for r in found:
                names = tuple((n["how"], n["text"]) for n in db.execute(
                    "SELECT how, text FROM names WHERE resource = ? ORDER BY "
                    "CASE how WHEN 'label' THEN 0 WHEN 'key' THEN 1 WHEN 'alias' THEN 2 ELSE 3 END, text",
                    (r["id"],)))
                links = tuple(x[0] for x in db.execute(
                    "SELECT target FROM links WHERE resource = ? ORDER BY target", (r["id"],)))
                out.append(NameRow(r["iri"], r["kind"], r["label"], r["description"],
                                   r["merged_into"], names, links, tuple(r["kinds"].split())))
            return out
        except sqlite3.Error as exc:
            raise StoreError(f"names index read failed: {exc}") from None


__all__ = ["FILE", "NameRow", "NamesIndex"]
