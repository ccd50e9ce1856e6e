"""The embedded backend: Oxigraph (pyoxigraph) on disk, one process at a time."""
from __future__ import annotations

import csv
import functools
import io
import json
import threading
from pathlib import Path
from typing import BinaryIO, Callable, Sequence, TypeVar

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph

from kb.errors import QueryError, StoreError, StoreLocked
from kb.store.base import QueryResult, QueryStream, Store
from kb.store.convert import OX_FORMATS, from_ox, parse_quads, term_from_json, to_ox
from kb.store.staging import BulkChild, Staging, fmt_of

T = TypeVar("T")


class EmbeddedStore(Store):
    """Oxigraph store in ``path`` (created if missing); ``path=None`` is in memory.

    Raises StoreLocked when another process holds the directory, StoreError when
    it cannot be opened.
    """

    name = "embedded"
    streams_files = True

    def __init__(self, path: Path | str | None):
        self.path = Path(path) if path is not None else None
        self._generation = 0
        self._generation_lock = threading.Lock()
        self.recovered: str | None = None    # what was done about an interrupted import
        locked = StoreLocked(
            f"the store directory {self.path} is in use by another process (an Oxigraph "
            "directory opens in one process only: stop the other claimkb process, or use "
            "the server it runs)")
        try:
            if self.path is None:
                self._ox = ox.Store()
            else:
                # never while another process imports: it closes the store to swap it
                staging = Staging(self.path)
                with staging.held(wait=False) as free:
                    if not free:
                        raise locked
                    self.recovered = staging.recover(held=True)
                    self.path.mkdir(parents=True, exist_ok=True)
                    self._ox = ox.Store(str(self.path))
        except (OSError, RuntimeError) as exc:
            if "lock" in str(exc).lower():
                raise locked from None
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from None

    def load_file(self, path: Path, fmt: str, check: Callable[[], T],
                  before_swap: Callable[[], None] | None = None,
                  waiting: Callable[[], None] | None = None) -> T:
        """Load a big TriG or N-Quads file at the bulk loader's speed, all or nothing
        (kb/store/staging.py): a child process bulk-loads it into a copy of the store
        while ``check()`` (which raises to refuse the file) runs here; the copy replaces
        the store only when both succeed, after ``before_swap()``; ``waiting()`` is called
        every second while the load goes on after the check. A killed process leaves
        the store as it was, or the import complete, the next time it opens. An
        in-memory store is checked, then bulk-loaded. Returns what ``check`` returns.
        Raises what ``check`` raises (nothing written), StoreError."""
        if self.path is None:
            result = check()
            try:
                self._ox.bulk_load(path=str(path), format=fmt_of(fmt), lenient=True)
            except (OSError, SyntaxError) as exc:
                raise StoreError(f"the bulk load failed: {exc}") from None
            finally:
                self._bump()
            return result
        staging = Staging(self.path)
        with staging.held():
            staging.begin(self._ox, str(path))
            child = None
            try:
                child = BulkChild(staging.copy, Path(path), fmt)
                result = check()
                child.wait(waiting)
                if before_swap is not None:
                    before_swap()
                self.close()
                staging.swap()
            except BaseException:
                if child is not None:
                    child.stop()
                if self._ox is not None:
                    staging.abandon()
                raise
            finally:
                if self._ox is None:    # closed for the swap: open what is now the store
                    try:
                        staging.finish()    # (a swap stopped half-way is completed first)
                        self._ox = ox.Store(str(self.path))
                    except (OSError, RuntimeError) as exc:
                        raise StoreError(
                            f"the import is decided but the store could not be opened again "
                            f"({exc}); it is completed the next time claimkb opens it") from None
                self._bump()
        return result

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph Store (for benchmarks and bulk tools). Counts as
        a write (see ``generation``): the caller may write through it. (Bumped before
        the caller writes, so a bulk tool that writes through it should be followed by
        another write or a ``touch()`` for the workers' views to see it at once; they
        also reopen every minute.)"""
        self._bump()
        return self._ox

    def touch(self) -> None:
        """Mark a write made around this object (through ``oxigraph``) as committed."""
        self._bump()

    def _bump(self) -> None:
        with self._generation_lock:   # writers run in several threads: never lose a bump
            self._generation += 1

    def generation(self) -> int:
        """A counter that changes with every write made through this object: the
        SPARQL workers' read-only views (kb/store/sandbox.py) reopen when it moves."""
        return self._generation

    def rdflib_dataset(self) -> Dataset:
        """An rdflib Dataset view of this store through oxrdflib (no copy)."""
        from oxrdflib import OxigraphStore  # ~140 ms to import (python -X importtime): only when asked

        return Dataset(store=OxigraphStore(store=self._ox), default_union=False)

    def query(self, sparql: str) -> QueryResult:
        try:
            result = self._ox.query(sparql)
            if isinstance(result, ox.QueryBoolean):
                return QueryResult("ask", boolean=bool(result))
            if isinstance(result, ox.QuerySolutions):
                names, bindings = _solutions(result)
                rows = [tuple(term_from_json(b[n]) if n in b else None for n in names) for b in bindings]
                return QueryResult("select", vars=names, rows=rows)
            graph = Graph()
            for triple in result:
                graph.add((from_ox(triple.subject), from_ox(triple.predicate),
                           from_ox(triple.object)))
            return QueryResult("graph", graph=graph)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from None
        except OSError as exc:
            raise StoreError(f"store read failed: {exc}") from None

    def stream(self, sparql: str, *, default_graphs: list[str] | None = None,
               named_graphs: list[str] | None = None, base_iri: str | None = None,
               timeout: float | None = None) -> QueryStream:
        """See Store.stream. ``timeout`` is ignored: pyoxigraph cannot interrupt a query
        (it releases the GIL while it evaluates, so a caller can wait in another thread).
        Calling this may already run much of the query (aggregates, ORDER BY).

        Raises QueryError (bad syntax, a graph name that is not an IRI) or StoreError.
        """
        options = {"base_iri": base_iri} if base_iri else {}
        if default_graphs is not None or named_graphs is not None:
            options["default_graph"] = [_graph(g) for g in default_graphs or ()]
            options["named_graphs"] = [_graph(g) for g in named_graphs or ()]
        try:
            result = self._ox.query(sparql, **options)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from None
        except OSError as exc:
            raise StoreError(f"store read failed: {exc}") from None
        if isinstance(result, ox.QueryBoolean):
            return QueryStream("ask", boolean=bool(result))
        if isinstance(result, ox.QuerySolutions):
            return QueryStream("select", vars=[v.value for v in result.variables],
                               items=_reading(result))
        return QueryStream("graph", items=_reading(result))

    def values(self, sparql: str, *, many: bool = False) -> tuple[list[str], list[tuple[str | None, ...]]]:
        """See Store.values. ``many``: row by row (1M rows of one IRI: 364 MB peak,
        14.4 s); otherwise in one call (822 MB, 5.9 s; see _solutions)."""
        try:
            result = self._ox.query(sparql)
            if not isinstance(result, ox.QuerySolutions):
                raise QueryError("values() needs a SELECT query")
            if many:   # a solution iterates over its terms in the variables' order
                return ([v.value for v in result.variables],
                        [tuple(None if t is None else t.value for t in sol) for sol in result])
            names, bindings = _solutions(result)
            return names, [tuple(b[n]["value"] if n in b else None for n in names) for b in bindings]
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from None
        except OSError as exc:
            raise StoreError(f"store read failed: {exc}") from None

    def update(self, sparql: str) -> None:
        try:
            self._ox.update(sparql)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL update syntax error: {exc}") from None
        except OSError as exc:
            raise StoreError(f"store write failed (nothing written): {exc}") from None
        finally:
            self._bump()   # after the commit: a reader that saw the old value reopens

    def insert(self, quads: list[tuple]) -> None:
        cache: dict = {}

        def term(t):
            hit = cache.get(t)
            if hit is None:
                if isinstance(t, BNode):
                    raise QueryError("a blank node in data to insert (give it an IRI)")
                hit = cache[t] = to_ox(t)
            return hit

        try:
            self._ox.extend([ox.Quad(term(s), term(p), term(o), term(g)) for s, p, o, g in quads])
        except OSError as exc:
            raise StoreError(f"store write failed (nothing written): {exc}") from None
        finally:
            self._bump()

    def load(self, data: bytes, fmt: str, where: str = "<input>", check=None) -> int:
        quads = parse_quads(data, fmt, where)
        if check is not None:
            check(quads)
        try:
            self._ox.extend(quads)
        except OSError as exc:
            raise StoreError(f"store write failed (nothing written): {exc}") from None
        finally:
            self._bump()
        return len(quads)

    def bulk_load(self, parts, fmt: str = "nquads", where: str = "<input>") -> None:
        """One streaming pyoxigraph ``bulk_extend`` over every part (several calls were
        slower, each ingesting into a larger store)."""
        try:
            self._ox.bulk_extend(q for data in parts for q in parse_quads(data, fmt, where))
        except OSError as exc:
            raise StoreError(f"store write failed: {exc}") from None
        finally:
            self._bump()

    def dump(self, out: BinaryIO, fmt: str) -> None:
        self._ox.dump(out, OX_FORMATS[fmt])

    def quad_count(self) -> int:
        return len(self._ox)

    # ------------------------------------------------------------------ bulk reads
    # (index rebuilds: kb/records/summaries.py, facts.py; a rebuild's child process)

    @classmethod
    def read_only(cls, path: Path | str) -> "EmbeddedStore":
        """A read-only view of the store at ``path``, which another process may hold
        open for writing: it sees what was committed before it was opened. Writing
        through it fails. Raises StoreError when it cannot be opened."""
        store = cls(None)      # every attribute set as for any store, then the view
        try:
            store._ox = ox.Store.read_only(str(path))
        except OSError as exc:
            raise StoreError(f"cannot open the store at {path} to read: {exc}") from None
        store.path = Path(path)
        return store

    def view_opener(self):
        """See Store.view_opener: ``read_only`` on this store's directory (None in
        memory)."""
        return None if self.path is None else functools.partial(EmbeddedStore.read_only, self.path)

    def rows(self, sparql: str) -> list[Sequence[str]]:
        """See Store.rows (lists here). Read from the result's CSV serialisation, parsed
        in C: about twice as fast as SPARQL-JSON and ``json.loads``, and faster than
        pyoxigraph terms or ``quads_for_pattern`` (which decodes all four terms of every
        quad, ~11-15 µs a quad here, where a query decodes only what it selects).
        CSV writes a blank node ``_:label`` and a literal as its lexical form: a result
        with any value starting with ``_:`` is read again through ``values``, so that
        the two never differ."""
        try:
            result = self._ox.query(sparql)
            if not isinstance(result, ox.QuerySolutions):
                raise QueryError("rows() needs a SELECT query")
            width = len(result.variables)
            text = result.serialize(format=ox.QueryResultsFormat.CSV).decode("utf-8")
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from None
        except OSError as exc:
            raise StoreError(f"store read failed: {exc}") from None
        reader = csv.reader(io.StringIO(text, newline=""))
        next(reader, None)                               # the variables
        rows = list(reader)
        if width == 1:                                   # "" is written as an empty line
            rows = [row or [""] for row in rows]
        if "_:" in text and any(v.startswith("_:") for row in rows for v in row):
            return self.values(sparql)[1]
        return rows

    def close(self) -> None:
        if getattr(self, "_ox", None) is not None:
            try:
                self._ox.flush()
            except (OSError, RuntimeError):   # RuntimeError: a read-only view (read_only)
                pass
            del self._ox
            self._ox = None


def _graph(iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError as exc:
        raise QueryError(f"not a valid graph IRI: {iri!r} ({exc})") from None


def _reading(results):
    """``results`` with a store failure while reading them turned into StoreError."""
    try:
        yield from results
    except OSError as exc:
        raise StoreError(f"store read failed: {exc}") from None


def _solutions(result: ox.QuerySolutions) -> tuple[list[str], list[dict]]:
    """All of a SELECT's solutions at once, as SPARQL JSON bindings.

    Not row by row: pyoxigraph lets go of the interpreter lock for each row it reads,
    and taking it back waits for the switch interval (5 ms) whenever another thread
    is busy in Python. Measured at 1M claims, 200 claim pages' query with one busy
    thread beside them: 47 s row by row, 3 s serialised in one call (alone: 0.6–1.2
    s either way). A whole result in JSON takes more memory for a moment: 1M rows of
    one IRI, 822 MB peak instead of 364 MB (and 5.9 s instead of 14.4 s).
    Raises OSError if the store cannot be read."""
    data = json.loads(result.serialize(format=ox.QueryResultsFormat.JSON))
    return data["head"]["vars"], data["results"]["bindings"]
