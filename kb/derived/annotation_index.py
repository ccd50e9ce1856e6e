"""The annotations index: a SQLite side index for listing annotations
(``<data_dir>/annotations.sqlite``), as kb/derived/claims_index.py is for the claims list.

Why: ``Annotations.list`` used to start from every annotation graph in the store,
filter each with EXISTS, sort and count (kb/queries/annotation_page.rq,
annotation_page_desc.rq, annotation_count.rq: ~56 ms per call at 1,500 annotations,
linear in their number), and the Protocol's pages ran it twice. Here every filter is
an index lookup and every page, forwards or backwards, an index range scan.

The store stays the only source of truth: the index is derived from the annotation
graphs as stored (``record``), rebuilt by ``rebuild`` (``claimkb reindex``,
``KnowledgeBase.ensure_index`` on start, or on first use when it was never built) and
kept current by every write ``Annotations`` makes (create, update, delete,
re-anchoring) and by ``KnowledgeBase.clear``. A KB whose remote endpoint is written
behind claimkb's back is stale until ``claimkb reindex``.

Tables:

* ``annotations``: one row per annotation of the container (``<base>annotations/``):
  IRI, id, created, modified (and ``modified_key``, the same instant in UTC, for
  comparing), the claimkb user who created it, whether it is orphaned. A deleted
  annotation has no row (its IRI answers Gone from the store's history).
* ``annotation_keys``: ``(kind, value, iri)`` for each value ``list`` filters on —
  ``target`` (a target IRI), ``source`` (a target IRI or its ``oa:hasSource``),
  ``motivation`` (IRI), ``tag`` (the text of a tagging body), ``creator`` (every
  ``dcterms:creator`` IRI), ``orphan`` (``true``). Its primary key is the index: one
  filter is a range scan of ``(kind, value)`` in IRI order, each further filter a
  primary-key lookup.

The order is the one the SPARQL path used: by IRI, compared as strings (SQLite's BINARY
collation compares UTF-8 bytes, which is code point order, as SPARQL's ``ORDER BY``
and ``STR(?a) > ?after`` do). Counts (with the newest ``modified``) are cached per
write generation, kept in the file so that another process's writes are seen.
Connections are per thread; writes are serialised by a lock, each one SQLite
transaction; a listing reads one snapshot.

Errors: StoreError when the index file cannot be opened, read or written.

Why one module (~500 lines): the record an annotation becomes, the tables, the
listing (one range scan per filter, forwards and backwards) and the rebuild share one
schema; the module docstring above is the specification they keep together.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import unquote

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from kb.errors import StoreError
from kb.derived.sqlite import SideIndex, write_transaction
from kb.model.vocab import CKB, OA
from kb.records.annotations import AnnotationGraphs


INDEX_FILE = "annotations.sqlite"
SCHEMA_VERSION = 1
KINDS = ("target", "source", "motivation", "tag", "creator", "orphan")
REBUILD_BATCH = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS annotations (
    rowid INTEGER PRIMARY KEY,
    iri TEXT NOT NULL UNIQUE,
    id TEXT NOT NULL,
    created TEXT, modified TEXT, modified_key TEXT,
    creator TEXT,
    orphan INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS annotation_keys (
    kind TEXT NOT NULL, value TEXT NOT NULL, iri TEXT NOT NULL,
    PRIMARY KEY (kind, value, iri)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS annotation_keys_iri ON annotation_keys (iri);
CREATE INDEX IF NOT EXISTS annotations_modified ON annotations (modified_key);
"""


@dataclass(frozen=True)
class Record:
    """What the index keeps of one annotation (``record`` makes it from its graph)."""

    iri: str
    id: str
    created: str | None
    modified: str | None
    creator: str | None
    orphan: bool
    keys: tuple[tuple[str, str], ...]      # (kind, value), sorted, no duplicates


@dataclass
class Listing:
    """One page of IRIs from ``AnnotationIndex.listing``: ``iris`` in IRI order,
    whether more match after the last (``more``) and before the first (``prev``), and
    how many match in all with the newest ``modified`` among them."""

    iris: list[str]
    more: bool
    prev: bool
    total: int
    modified: str | None


def record(iri, graph: Graph, container: str, users: str) -> Record | None:
    """The index record of the annotation ``iri`` from its stored graph, with the
    semantics of the SPARQL filters it replaces (kb/queries/annotation_page.rq); None
    when the graph is not an annotation of the container (``<base>annotations/``).
    ``users`` is ``<base>users/`` (the claimkb accounts). Never raises."""
    iri = URIRef(str(iri))
    text = str(iri)
    if not text.startswith(container) or (iri, RDF.type, OA.Annotation) not in graph:
        return None
    keys: set[tuple[str, str]] = set()
    for t in graph.objects(iri, OA.hasTarget):
        if isinstance(t, URIRef):
            keys.add(("target", str(t)))
            keys.add(("source", str(t)))
        for source in graph.objects(t, OA.hasSource):
            if isinstance(source, URIRef):
                keys.add(("source", str(source)))
    for m in graph.objects(iri, OA.motivatedBy):
        if isinstance(m, URIRef):
            keys.add(("motivation", str(m)))
    tagging = (iri, OA.motivatedBy, OA.tagging) in graph
    for body in graph.objects(iri, OA.hasBody):
        if not (tagging or (body, OA.hasPurpose, OA.tagging) in graph):
            continue
        for value in graph.objects(body, RDF.value):
            # the filter binds a plain string: a language-tagged or typed value never matched
            if isinstance(value, Literal) and not value.language \
                    and value.datatype in (None, XSD.string):
                keys.add(("tag", str(value)))
    owner = None
    for c in graph.objects(iri, DCTERMS.creator):
        if isinstance(c, URIRef):
            keys.add(("creator", str(c)))
            if owner is None and str(c).startswith(users):
                owner = str(c)
    orphan = (iri, CKB.orphaned, Literal(True)) in graph
    if orphan:
        keys.add(("orphan", "true"))
    created = graph.value(iri, DCTERMS.created)
    modified = max((str(m) for m in graph.objects(iri, DCTERMS.modified)), key=_time_key, default=None)
    if owner is not None:
        owner = unquote(owner[len(users):])
    return Record(iri=text, id=text[len(container):],
                  created=None if created is None else str(created), modified=modified,
                  creator=owner, orphan=orphan, keys=tuple(sorted(keys)))


def _time_key(text: str | None) -> str | None:
    """An xsd:dateTime lexical form as a string that sorts as the instants do (in UTC;
    a time without a zone is taken as UTC); an unparsable one is kept as it is."""
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    try:
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    except (OverflowError, ValueError):  # pragma: no cover - year 1 or 9999 at a far zone
        return text


def _configure(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")


class AnnotationIndex(SideIndex):
    """The annotations index of one knowledge base (see the module docstring)."""

    schema_version = SCHEMA_VERSION

    def __init__(self, path: Path, graphs: AnnotationGraphs):
        """Open (or create) the index file; an index of another schema version is
        emptied (and rebuilt on first use). ``graphs`` reads the annotation graphs it is
        built from. Raises StoreError."""
        super().__init__(path, _configure, autocommit=True)  # BEGIN explicit
        self.graphs = graphs
        self._build_lock = threading.Lock()
        self._cache: dict = {}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._write_lock:
                db = self._db()
                version = self._meta(db, "schema")
                if version is not None and version != str(SCHEMA_VERSION):
                    db.executescript("DROP TABLE IF EXISTS annotations; "
                                     "DROP TABLE IF EXISTS annotation_keys; DELETE FROM meta;")
                db.executescript(_SCHEMA)
                db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
                db.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")
                db.commit()
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the annotations index {self.path}: {exc}") from None

    # ------------------------------------------------------------ state

    @property
    def built(self) -> bool:
        """Whether the index was built from the store (else: ``rebuild``). Raises
        StoreError."""
        try:
            return self._meta(self._db(), "built") is not None
        except sqlite3.Error as exc:
            raise StoreError(f"annotations index read failed: {exc}") from None

    # ------------------------------------------------------------ writing

    def _writing(self):
        """A write transaction (``with index._writing() as db``): serialised, one SQLite
        transaction that bumps the write generation; sqlite3 errors become StoreError."""
        def forget():
            self._cache = {}

        return write_transaction(self._write_lock, self._begin, "annotations index",
                                 before_commit=self.bump_generation, after=forget)

    def put(self, records: Iterable[Record], removed: Iterable[str] = ()) -> None:
        """Index these annotations, replacing what was indexed for them, and drop the
        ``removed`` IRIs, in one transaction. Raises StoreError."""
        records = list(records)
        gone = [r.iri for r in records] + [str(i) for i in removed]
        with self._writing() as db:
            self._note(gone)
            self._delete(db, gone)
            self._insert(db, records)

    def remove(self, iris: Iterable[str]) -> None:
        """Drop these annotations from the index (deleted from the store). Raises
        StoreError."""
        iris = [str(i) for i in iris]
        with self._writing() as db:
            self._note(iris)
            self._delete(db, iris)

    def clear(self) -> None:
        """Empty the index of an empty store (``KnowledgeBase.clear``): built, with no
        annotation. Raises StoreError."""
        with self._writing() as db:
            db.execute("DELETE FROM annotation_keys")
            db.execute("DELETE FROM annotations")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('built', datetime('now'))")

    def rebuild(self, progress=None, batch: int = REBUILD_BATCH) -> int:
        """Rebuild the whole index from the annotation graphs in the store into a new
        file, ``batch`` annotations per query and per transaction, ``progress(done,
        total)`` after each, then move it into place (readers see the old index until
        then; a failed rebuild leaves it). Returns the number of annotations indexed.
        Raises StoreError."""
        with self._build_lock:
            return self._rebuild(batch, progress)

    def ensure_built(self) -> None:
        """Build the index from the store if it was never built (a KB made before it
        existed, or whose rebuild was interrupted). Raises StoreError."""
        if self.built:
            return
        with self._build_lock:
            if not self.built:
                self._rebuild(REBUILD_BATCH, None)

    def refresh(self, iris: Iterable) -> dict[URIRef, Graph]:
        """Index the annotations ``iris`` as now stored (those no longer stored are
        dropped); returns their stored graphs. Raises StoreError."""
        iris = [URIRef(str(i)) for i in iris]
        stored = self.graphs.graphs(iris)
        records = [record(i, stored[i], self.graphs.container, self.graphs.users)
                   for i in iris if i in stored]
        self.put([r for r in records if r is not None],
                 removed=[str(i) for i in iris if i not in stored])
        return stored

    def _fresh(self, path: Path) -> "AnnotationIndex":
        return AnnotationIndex(path, self.graphs)

    def _rebuild(self, batch: int, progress) -> int:
        count = self.rebuild_aside(lambda fresh: fresh._fill(batch, progress),
                                   before_swap=self._carry_generation)
        self._cache = {}
        return count

    def _replay(self, keys: list[str]) -> None:
        self.refresh(keys)

    def _fill(self, batch: int, progress) -> int:
        """Index every annotation in the store into this (fresh) index."""
        iris = self.graphs.stored_iris()
        done = 0
        for start in range(0, len(iris), batch):
            chunk = [URIRef(i) for i in iris[start:start + batch]]
            graphs = self.graphs.graphs(chunk)
            records = [record(i, graphs[i], self.graphs.container, self.graphs.users)
                       for i in chunk if i in graphs]
            self.put(r for r in records if r is not None)
            done += len(chunk)
            if progress:
                progress(done, len(iris))
        with self._writing() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('built', datetime('now'))")
        return len(iris)

    @staticmethod
    def _delete(db, iris: list[str]) -> None:
        db.executemany("DELETE FROM annotation_keys WHERE iri = ?", [(i,) for i in iris])
        db.executemany("DELETE FROM annotations WHERE iri = ?", [(i,) for i in iris])

    @staticmethod
    def _insert(db, records: list[Record]) -> None:
        db.executemany(
            "INSERT INTO annotations (iri, id, created, modified, modified_key, creator, orphan) "
            "VALUES (?,?,?,?,?,?,?)",
            [(r.iri, r.id, r.created, r.modified, _time_key(r.modified), r.creator, int(r.orphan))
             for r in records])
        db.executemany("INSERT OR IGNORE INTO annotation_keys (kind, value, iri) VALUES (?,?,?)",
                       [(kind, value, r.iri) for r in records for kind, value in r.keys])

    # ------------------------------------------------------------ reading

    def _snapshot(self):
        """A read transaction: every query inside sees one state of the index."""
        index = self

        class _Read:
            def __enter__(self):
                self.db = index._db()
                try:
                    self.db.execute("BEGIN")
                except sqlite3.Error as exc:
                    raise StoreError(f"annotations index read failed: {exc}") from None
                return self.db

            def __exit__(self, exc_type, exc, tb):
                try:
                    self.db.execute("COMMIT")
                except sqlite3.Error:  # pragma: no cover
                    pass
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(f"annotations index read failed: {exc}") from None
                return False

        return _Read()

    def _cached(self, db, key, compute):
        generation = self._meta(db, "generation")
        key = (generation, *key)
        cache = self._cache
        if key not in cache:
            value = compute()
            if len(cache) > 2000:
                cache.clear()
            cache[key] = value
        return cache[key]

    def _plan(self, db, keys: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The filters, the one with the fewest annotations first (it drives the scan;
        the others are primary-key lookups)."""
        if len(keys) < 2:
            return keys

        def size(key):
            return self._cached(db, ("size", key), lambda: db.execute(
                "SELECT count(*) FROM annotation_keys WHERE kind = ? AND value = ?", key).fetchone()[0])

        return sorted(keys, key=size)

    @staticmethod
    def _select(keys: list[tuple[str, str]], what: str) -> tuple[str, list, str]:
        """SQL (FROM … WHERE …) of the annotations matching every filter, its
        parameters, and the IRI column to order and page by."""
        if not keys:
            return f"SELECT {what} FROM annotations a WHERE 1", [], "a.iri"
        (kind, value), rest = keys[0], keys[1:]
        sql = f"SELECT {what} FROM annotation_keys k0"
        if "a." in what:
            sql += " JOIN annotations a ON a.iri = k0.iri"
        sql += " WHERE k0.kind = ? AND k0.value = ?"
        params: list = [kind, value]
        for kind, value in rest:
            sql += (" AND EXISTS (SELECT 1 FROM annotation_keys k WHERE k.kind = ? "
                    "AND k.value = ? AND k.iri = k0.iri)")
            params += [kind, value]
        return sql, params, "k0.iri"

    def _page(self, db, keys, *, after=None, before=None, descending=False, limit=50) -> list[str]:
        iri = "a.iri" if not keys else "k0.iri"
        sql, params, column = self._select(keys, iri)
        if after is not None:
            sql += f" AND {column} > ?"
            params.append(after)
        if before is not None:
            sql += f" AND {column} < ?"
            params.append(before)
        sql += f" ORDER BY {column} {'DESC' if descending else 'ASC'} LIMIT ?"
        return [r[0] for r in db.execute(sql, [*params, limit])]

    def _count(self, db, keys) -> tuple[int, str | None]:
        def compute():
            what = "count(*), max(a.modified_key), a.modified"
            if not keys:   # both from indexes: no row is read
                n = db.execute("SELECT count(*) FROM annotations").fetchone()[0]
                row = db.execute("SELECT modified FROM annotations WHERE modified_key IS NOT NULL "
                                 "ORDER BY modified_key DESC LIMIT 1").fetchone()
                return n, (row[0] if row else None)
            sql, params, _ = self._select(keys, what)
            n, newest, modified = db.execute(sql, params).fetchone()
            return n, (modified if newest is not None else None)

        return self._cached(db, ("count", tuple(keys)), compute)

    def listing(self, keys: Iterable[tuple[str, str]], *, after: str | None = None,
                before: str | None = None, last: bool = False, limit: int = 50) -> Listing:
        """The page of annotation IRIs matching every ``(kind, value)`` filter of
        ``keys`` (kinds: KINDS; values as ``record`` stores them), in IRI order:
        ``limit`` after the IRI ``after``, or the ``limit`` before the IRI ``before``
        (or the last ``limit`` when ``last``). One snapshot of the index; the count is
        cached per write generation. Raises StoreError."""
        keys = sorted(set(keys))
        limit = max(1, int(limit))
        try:
            with self._snapshot() as db:
                plan = self._plan(db, keys)
                if before is not None or last:
                    rows = self._page(db, plan, before=before, descending=True, limit=limit + 1)
                    prev = len(rows) > limit
                    iris = rows[:limit][::-1]
                    more = bool(iris) and bool(self._page(db, plan, after=iris[-1], limit=1))
                else:
                    rows = self._page(db, plan, after=after, limit=limit + 1)
                    more = len(rows) > limit
                    iris = rows[:limit]
                    prev = bool(iris) and bool(self._page(db, plan, before=iris[0],
                                                          descending=True, limit=1))
                total, modified = self._count(db, plan)
        except sqlite3.Error as exc:
            raise StoreError(f"annotations index read failed: {exc}") from None
        return Listing(iris, more, prev, total, modified)

    def iter_iris(self, batch: int = 1000) -> Iterator[str]:
        """Every indexed annotation IRI, in IRI order. Raises StoreError."""
        after = None
        while True:
            try:
                rows = self._page(self._db(), [], after=after, limit=batch)
            except sqlite3.Error as exc:
                raise StoreError(f"annotations index read failed: {exc}") from None
            yield from rows
            if len(rows) < batch:
                return
            after = rows[-1]

    def dump(self) -> tuple[list[tuple], list[tuple]]:
        """Every row of both tables, sorted (for comparing an index with a rebuild).
        Raises StoreError."""
        try:
            with self._snapshot() as db:
                rows = db.execute("SELECT iri, id, created, modified, modified_key, creator, orphan "
                                  "FROM annotations ORDER BY iri").fetchall()
                keys = db.execute("SELECT kind, value, iri FROM annotation_keys "
                                  "ORDER BY kind, value, iri").fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"annotations index read failed: {exc}") from None
        return rows, keys

    def query_plans(self, keys: Iterable[tuple[str, str]]) -> list[str]:
        """EXPLAIN QUERY PLAN of the page queries (forwards and backwards) and the count
        for ``keys``, one line per step (to check every step is an index search).
        Raises StoreError."""
        keys = sorted(set(keys))
        out = []
        try:
            db = self._db()
            plan = self._plan(db, keys)
            column = "k0.iri" if plan else "a.iri"
            for direction, op in (("ASC", ">"), ("DESC", "<")):
                sql, params, _ = self._select(plan, column)
                sql += f" AND {column} {op} ? ORDER BY {column} {direction} LIMIT ?"
                out += [r[3] for r in db.execute("EXPLAIN QUERY PLAN " + sql, [*params, "x", 1])]
            if plan:
                sql, params, _ = self._select(plan, "count(*), max(a.modified_key), a.modified")
                out += [r[3] for r in db.execute("EXPLAIN QUERY PLAN " + sql, params)]
        except sqlite3.Error as exc:
            raise StoreError(f"annotations index read failed: {exc}") from None
        return out


__all__ = ["AnnotationIndex", "Listing", "Record", "record", "INDEX_FILE", "KINDS"]
