"""The claims index: a SQLite side index for the claims list, its facets and full-text
search (``<data_dir>/index.sqlite``).

Why: on Oxigraph, ``ORDER BY … OFFSET`` pages and ``FILTER(CONTAINS…)`` grow linearly
with the KB (about 5 s and 0.3 s at 100k claims); the list needs keyset pagination,
facet counts and full-text search that stay fast at 1M claims. The store stays the
only source of truth: the index is derived from it (``ClaimReader.summaries``:
kb/records/summaries.py) and can be rebuilt at any time (``claimkb reindex``: into a
new file, in bulk, claims_schema.BulkFill). The registry (kb/derived/registry.py) keeps
it current on every write claimkb makes (claims written, deleted, the store cleared). A
KB whose remote endpoint is written behind claimkb's back is stale until ``claimkb
reindex``.

One row per claim, the entities it mentions and its full-text columns, with facet
counts kept by triggers on every write: kb/derived/claims_schema.py (the tables, the
triggers, the upgrades between schema versions). What the list is asked with (filters,
sorts, cursors, full-text words): kb/derived/claims_query.py. Pages, counts and
facets: kb/derived/claims_search.py (``ClaimSearch``, the reading half of ClaimIndex).
Here: ClaimIndex, its state and its writes. Connections are per thread (the web app
serves with threads); writes are serialised by a lock and each is one SQLite
transaction.

Errors: StoreError when the index file cannot be opened or written; InputError for a
malformed cursor or filter value.
"""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator

from kb.errors import StoreError
from kb.derived.claims_query import (
    DEFAULT_SORT, FACET_LIMIT, FACET_MORE_LIMIT, FACETS, MULTI, RANKED_SORTS, SEVERITY_ORDER,
    SORT_NAMES, SORTS, VERDICT_NAMES, ClaimFilter, Page, decode_cursor, encode_cursor, fts_labels,
    fts_query, mark, mark_pattern, sort_name)
from kb.derived.claims_schema import (
    CLAIM_COLUMNS, PAIR_FILTERS, ROW_TRIGGERS as _ROW_TRIGGERS, SCHEMA_VERSION, SORT_KEYS,
    BulkFill, add_triggers, drop_triggers, empty, prepare, recount,
    trigger_names as _trigger_names)
from kb.derived.claims_search import (
    COUNT_CAP, DENSE_MATCHES, RELEVANCE_CAP, SORT_INDEX, ClaimSearch)
from kb.derived.sqlite import SideIndex, write_transaction
from kb.model.vocab import MODALITIES
from kb.records.claims import ClaimReader
from kb.records.summaries import Shared

# What other modules import from here (the claims index's names, wherever defined);
# _ROW_TRIGGERS and _trigger_names for the tests. COUNT_CAP is read in
# kb/derived/claims_search.py: a change to it belongs there.
__all__ = [
    "INDEX_FILE", "SCHEMA_VERSION", "MODALITY_NAMES", "SORT_KEYS", "PAIR_FILTERS", "SORTS",
    "DEFAULT_SORT", "FACETS", "VERDICT_NAMES", "COUNT_CAP", "DENSE_MATCHES", "SORT_INDEX",
    "SORT_NAMES", "RANKED_SORTS", "SEVERITY_ORDER", "RELEVANCE_CAP", "FACET_LIMIT",
    "FACET_MORE_LIMIT", "MULTI", "sort_name",
    "ClaimFilter", "Page", "fts_query", "mark_pattern", "mark", "encode_cursor", "decode_cursor",
    "ClaimIndex", "_ROW_TRIGGERS", "_trigger_names",
]

INDEX_FILE = "index.sqlite"
# a rebuild numbers facet values this far above the old file's last number, so that
# numbers another write gives meanwhile never mean two values
FACET_NUMBER_GAP = 1 << 20
MODALITY_NAMES = {str(iri): name for name, iri in MODALITIES.items()}


def _number(text: str | None) -> float | None:
    try:
        return None if text is None else float(text)
    except ValueError:
        return None


def _configure(db: sqlite3.Connection) -> None:
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA cache_size=-65536")


def _row(r: dict, verdict: str) -> tuple[tuple, list[tuple], tuple]:
    """A claim's summary (kb/records/summaries.py) as its claims row (CLAIM_COLUMNS),
    the entities it mentions (entity, label, role) and its full-text columns
    (statement, quote, labels)."""
    value_text = r.get("surface")
    if value_text is None and r.get("value") is not None:
        value_text = f"{r['value']} {r.get('unit') or ''}".strip()
    if value_text is None:
        value_text = r.get("objectLabel") or r.get("object")
    # a record that breaks the shapes (no modality, no source) is still listed:
    # `claimkb validate` reports it; the index must not refuse what the store holds
    row = (r["claim"], MODALITY_NAMES.get(r["modality"], r["modality"]) or "", r.get("text"),
           r.get("exact"), r.get("article") or "", r.get("headline"), r.get("publisher") or "",
           r.get("publisherName"), r.get("published") or "", r.get("earliest") or "",
           r.get("latest") or "", r.get("recorded") or "", r.get("subject") or "",
           r.get("subjectLabel"), r.get("property") or "", r.get("propertyLabel"),
           r.get("object"), r.get("objectLabel"), value_text, _number(r.get("value")),
           r.get("unit"), r.get("speaker"), r.get("speakerName"), r.get("scope"),
           r.get("scopeLabel"), verdict, int(bool(r.get("retracted"))))
    entities = [(r.get("subject"), r.get("subjectLabel"), "subject"),
                (r.get("scope"), r.get("scopeLabel"), "scope"),
                (r.get("speaker"), r.get("speakerName"), "speaker")]
    if r.get("members"):          # a set of entities: each member is a value
        entities += [(o, label, "value") for o, label in r["members"] if label is not None]
    elif r.get("objectLabel") is not None:
        entities.append((r.get("object"), r.get("objectLabel"), "value"))
    labels = fts_labels({"subject_label": r.get("subjectLabel"),
                         "property_label": r.get("propertyLabel"), "value_text": value_text,
                         "scope_label": r.get("scopeLabel"), "speaker_name": r.get("speakerName"),
                         "publisher_name": r.get("publisherName"),
                         "article_title": r.get("headline")})
    return (row, [(e, label, role) for e, label, role in entities if e],
            (r.get("text") or "", r.get("exact") or "", labels))


class ClaimIndex(ClaimSearch, SideIndex):
    """The claims index of one knowledge base (see the module docstring); its search,
    counts and facets come from ClaimSearch."""

    schema_version = SCHEMA_VERSION

    def __init__(self, path: Path, reader: ClaimReader, facet_time_limit_ms: int = 200):
        super().__init__(path, _configure)
        self.reader = reader
        self.facet_time_limit_ms = facet_time_limit_ms
        self._cache: dict = {}
        self._values: dict[int, str] = {}   # facet_values: number → value
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._write_lock:
                db = self._db()
                prepare(db)
                db.commit()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the claims index {self.path}: {exc}") from None

    # ------------------------------------------------------------ state

    @property
    def built(self) -> bool:
        """Whether the index was ever built from the store (else: ``rebuild``)."""
        return self._meta(self._db(), "built") is not None

    def prewarm(self) -> float:
        """Read claim_facets once from end to end (~80 MB at 1M claims), so that the
        counted facets after a start find its pages in the OS page cache instead of
        reading them one at a time (5,000 matches at 1M: ~240 ms from disk, ~20 ms from
        memory). Returns the seconds taken. Raises StoreError if SQLite fails."""
        started = time.perf_counter()
        try:
            db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
            try:
                db.execute("SELECT count(entities) FROM claim_facets").fetchone()
            finally:
                db.close()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the claims index {self.path}: {exc}") from None
        return time.perf_counter() - started

    @property
    def generation(self) -> int:
        """Changes on every write to the index file, by this process or another one
        sharing the data folder: what was computed from the index (counts, facets,
        rendered parts of pages) is current while it stays the same. Raises StoreError."""
        return self.write_generation()

    def _changed(self) -> None:
        self._cache = {}

    def _cached(self, key, compute):
        key = (self.generation, *key)
        cache = self._cache
        if key not in cache:
            value = compute()
            if len(cache) > 5000:
                cache.clear()
            cache[key] = value
        return cache[key]

    # ------------------------------------------------------------ writing

    def rebuild(self, progress=None, batch: int = 2000,
                verdicts: dict[str, str] | Callable[[], dict[str, str]] | None = None) -> int:
        """Rebuild the whole index from the store into a new file, then move it into
        place (kb/derived/sqlite.py ``rebuild_aside``: readers see the old index until
        then; a failed rebuild leaves it; this process's writes meanwhile are written
        again). ``verdicts`` (IRI → most severe verdict), or a function that gives them
        (called once every claim is in: the comparison index may be rebuilt meanwhile,
        in another thread), are set before the swap. Returns the number of claims
        indexed; ``replayed`` the claims written again. Raises StoreError (and what
        ``verdicts()`` raises)."""
        try:   # facet value numbers are never given again (readers keep what they looked up)
            row = self._db().execute(
                "SELECT seq FROM sqlite_sequence WHERE name = 'facet_values'").fetchone()
        except sqlite3.Error:
            row = None
        # numbers given by writes while the new file is built stay below the new ones
        floor = (row[0] if row else 0) + FACET_NUMBER_GAP

        def build(fresh: "ClaimIndex") -> int:
            return fresh._fill(progress, batch, floor, verdicts)

        self.replayed = []
        count = self.rebuild_aside(build, before_swap=self._carry_generation)
        self._values = {}
        self._changed()
        return count

    replayed: list[str] = []

    def _replay(self, keys: list[str]) -> None:
        self.replayed = keys
        self.refresh(keys)

    def _fresh(self, path: Path) -> "ClaimIndex":
        return ClaimIndex(path, self.reader, self.facet_time_limit_ms)

    def _fill(self, progress, batch: int, floor: int = 0, verdicts=None) -> int:
        """Index every stored claim into this (fresh, private) index in bulk
        (claims_schema.BulkFill); facet values are numbered from ``floor`` + 1; then
        ``verdicts`` (a dict, or a function giving one: called once the rows, indexes
        and counts are in). Raises StoreError."""
        iris = self.reader.all_claims()
        shared = Shared()
        try:
            with self._write_lock:
                fill = BulkFill(self._db(), floor)
                done = 0
                for start in range(0, len(iris), batch):
                    chunk = iris[start:start + batch]
                    fill.add(_row(r, "") for r in self.reader.summaries(chunk, shared).values())
                    done += len(chunk)
                    if progress:
                        progress(done, len(iris))
                fill.finish()
            worst = verdicts() if callable(verdicts) else verdicts
            with self._write_lock:
                fill.set_verdicts({str(k): v if v in VERDICT_NAMES else ""
                                   for k, v in (worst or {}).items()})
        except sqlite3.Error as exc:
            raise StoreError(f"claims index write failed: {exc}") from None
        return len(iris)

    def refresh(self, claims: Iterable[str], batch: int = 2000) -> None:
        """Re-index ``claims`` from the store (claims no longer there are dropped)."""
        claims = list(dict.fromkeys(str(c) for c in claims))
        with self._write_lock:
            self._note(claims)
        for start in range(0, len(claims), batch):
            self._index(claims[start:start + batch])

    def remove(self, claims: Iterable[str]) -> None:
        claims = [str(c) for c in claims]
        with self._writing() as db:
            self._note(claims)
            self._delete(db, claims)

    def clear(self) -> None:
        with self._writing() as db:
            drop_triggers(db)
            empty(db)
            recount(db)
            add_triggers(db)
            db.execute("INSERT OR REPLACE INTO meta VALUES ('built', datetime('now'))")

    def set_verdicts(self, verdicts: dict[str, str], claims: Iterable[str] | None = ()) -> None:
        """Record the most severe verdict of each claim (``verdicts``: IRI → verdict);
        claims in ``claims`` (every claim when None) but not in ``verdicts`` get none."""
        updates = {str(c): "" for c in claims or ()}
        updates.update({str(k): v for k, v in verdicts.items()})
        with self._writing() as db:
            self._note(updates)
            # Every claim, or many: the counts in bulk afterwards (at 1M claims the
            # triggers would run ~20 statements for each of ~700k changed verdicts).
            bulk = claims is None or len(updates) > max(10_000, self._total() // 10)
            if bulk:
                drop_triggers(db)
            if claims is None:
                db.execute("UPDATE claims SET verdict = '' WHERE verdict != ''")
            db.executemany("UPDATE claims SET verdict = ? WHERE iri = ?",
                           [(v if v in VERDICT_NAMES else "", k) for k, v in updates.items()])
            if bulk:
                recount(db, "verdict")
                add_triggers(db)

    def _writing(self):
        """``with index._writing() as db``: one serialised write transaction that bumps
        the write generation; the cached counts and facets are dropped after it."""
        return write_transaction(self._write_lock, self._begin, "claims index",
                                 before_commit=self.bump_generation, after=self._changed)

    @staticmethod
    def _delete(db, iris: list[str]) -> dict[str, str]:
        """Drop these claims' rows; returns the verdict each had."""
        verdicts = {}
        for iri in iris:
            row = db.execute("SELECT rowid, verdict FROM claims WHERE iri = ?", (iri,)).fetchone()
            if row:
                verdicts[iri] = row[1]
                db.execute("DELETE FROM claims_fts WHERE rowid = ?", (row[0],))
                db.execute("DELETE FROM claim_entities WHERE claim = ?", (row[0],))
                db.execute("DELETE FROM claims WHERE rowid = ?", (row[0],))
        return verdicts

    def _index(self, iris: list[str]) -> None:
        if not iris:
            return
        records = self.reader.summaries(iris)
        with self._writing() as db:
            verdicts = self._delete(db, iris)   # kept: the comparison sets them
            for iri, r in records.items():
                self._insert(db, r, verdicts.get(iri, ""))

    @staticmethod
    def _insert(db, r: dict, verdict: str) -> None:
        row, entities, text = _row(r, verdict)
        cur = db.execute(f"INSERT INTO claims ({', '.join(CLAIM_COLUMNS)}) "
                         f"VALUES ({','.join('?' * len(CLAIM_COLUMNS))})", row)
        rowid = cur.lastrowid
        db.executemany("INSERT OR IGNORE INTO claim_entities VALUES (?,?,?,?)",
                       [(rowid, e, label, role) for e, label, role in entities])
        db.execute("INSERT INTO claims_fts (rowid, statement, quote, labels) VALUES (?,?,?,?)",
                   (rowid, *text))

    # ------------------------------------------------------------ rows

    def get(self, iri: str) -> dict | None:
        row = self._db().execute("SELECT rowid AS rowid, * FROM claims WHERE iri = ?", (str(iri),)).fetchone()
        return dict(row) if row else None

    def get_many(self, iris: Iterable[str]) -> dict[str, dict]:
        """The rows of several claims: IRI → row (claims not indexed are left out)."""
        iris = list(dict.fromkeys(str(i) for i in iris))
        out: dict[str, dict] = {}
        db = self._db()
        for start in range(0, len(iris), 500):
            chunk = iris[start:start + 500]
            for row in db.execute(f"SELECT rowid AS rowid, * FROM claims WHERE iri IN "
                                  f"({','.join('?' * len(chunk))})", chunk):
                out[row["iri"]] = dict(row)
        return out

    def claims_about(self, entity: str, limit: int = 5000) -> list[dict]:
        """Claims whose subject is ``entity``, by time about (the entity timeline)."""
        return [dict(r) for r in self._db().execute(
            "SELECT rowid AS rowid, * FROM claims WHERE subject = ? "
            "ORDER BY about_earliest, rowid LIMIT ?", (str(entity), limit))]

    def claims_of_article(self, article: str) -> list[dict]:
        return [dict(r) for r in self._db().execute(
            "SELECT rowid AS rowid, * FROM claims WHERE article = ? ORDER BY published, rowid", (str(article),))]

    def stats(self) -> dict:
        db = self._db()
        return self._cached(("stats",), lambda: {
            "claims": db.execute("SELECT count(*) FROM claims").fetchone()[0],
            "sources": db.execute("SELECT count(DISTINCT article) FROM claims").fetchone()[0],
            "publishers": db.execute(
                "SELECT count(DISTINCT publisher) FROM claims WHERE publisher != ''").fetchone()[0],
        })

    def iter_claims(self) -> Iterator[dict]:
        for row in self._db().execute("SELECT rowid AS rowid, * FROM claims ORDER BY rowid"):
            yield dict(row)
