"""The one abstract repository every backend implements (embedded Oxigraph, remote SPARQL).

Terms crossing this interface are rdflib terms. Every write is one atomic operation:
it all lands or none of it does.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator, TypeVar

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from kb.errors import InputError, QueryError
from kb.store.convert import to_ox

T = TypeVar("T")

RDF_FORMATS = {
    "trig": "application/trig",
    "nquads": "application/n-quads",
}


@dataclass
class QueryResult:
    """A SPARQL result: ``kind`` is "select", "ask" or "graph".

    select: ``vars`` and ``rows`` (tuples of rdflib terms, None where unbound);
    ask: ``boolean``; graph (CONSTRUCT/DESCRIBE): ``graph``.
    """

    kind: str
    vars: list[str] = field(default_factory=list)
    rows: list[tuple[Node | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None

    def dicts(self) -> list[dict[str, Node | None]]:
        return [dict(zip(self.vars, row)) for row in self.rows]


@dataclass
class QueryStream:
    """A query result read lazily, for the SPARQL endpoint (web/views/sparql.py).

    Unlike QueryResult, its terms are **pyoxigraph** terms, so that results can be
    serialised natively. ``kind`` is "select" (``vars``, and ``items`` yielding
    pyoxigraph QuerySolutions, indexable by position), "ask" (``boolean``) or "graph"
    (``items`` yielding pyoxigraph Triples). On the embedded backend, reading ``items``
    runs the query as it goes: the caller decides how many items it reads and how long
    it waits. Reading ``items`` raises StoreError when the store fails mid-way.
    """

    kind: str
    vars: list[str] = field(default_factory=list)
    boolean: bool | None = None
    items: Iterator = field(default_factory=lambda: iter(()))


class Store(ABC):
    """A quad store reachable with SPARQL 1.1 Query and Update."""

    name = "abstract"
    # An IRI prefix for blank nodes written by claimkb (``sparql.insert_data``), for a
    # backend whose server refuses blank nodes in INSERT DATA; None keeps blank nodes.
    # A backend that sets it reads such IRIs back as blank nodes.
    skolem: str | None = None
    # whether ``load_file`` streams a file of any size in bounded memory (else it reads
    # the file whole: the caller keeps to its size limit)
    streams_files = False

    @abstractmethod
    def query(self, sparql: str) -> QueryResult:
        """Run a SPARQL query. Raises QueryError (bad syntax) or StoreError."""

    @abstractmethod
    def values(self, sparql: str, *, many: bool = False) -> tuple[list[str], list[tuple[str | None, ...]]]:
        """Run a SELECT and return (variables, rows of plain strings): the IRI or the
        literal's lexical form, None where unbound. Faster than ``query`` for large
        results, when only the values matter.

        ``many``: the result may have millions of rows (a whole-KB read by a rebuild):
        read it so that memory stays near the rows' own size, however long it takes.
        Otherwise the backend may read it in one piece (the embedded one does: faster,
        and fair to the other threads of a server, but ~1 KB a row while it parses).
        Raises QueryError or StoreError."""

    @abstractmethod
    def update(self, sparql: str) -> None:
        """Run a SPARQL update atomically. Raises QueryError or StoreError."""

    @abstractmethod
    def load(self, data: bytes, fmt: str, where: str = "<input>",
             check: Callable[[list], None] | None = None) -> int:
        """Parse ``data`` (fmt: "trig" or "nquads") fully, hand the parsed pyoxigraph
        quads to ``check`` (which raises to refuse them), then add every quad in one
        transaction. Returns the number of quads parsed. Raises InputError (with the
        line) when the data is malformed or ``check`` refuses it, in which case nothing
        is written."""

    def load_file(self, path, fmt: str, check: Callable[[], T],
                  before_swap: Callable[[], None] | None = None) -> T:
        """Load a TriG or N-Quads file of any size after ``check()`` (which raises to
        refuse it) passed; ``before_swap()`` runs just before the data is written.
        Returns what ``check`` returns. This generic path reads the file into memory and
        ``load``s it in one transaction; the embedded store overrides it with a staged
        bulk load in bounded memory. Raises what ``check`` raises, InputError, StoreError."""
        result = check()
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from None
        if before_swap is not None:
            before_swap()
        self.load(data, fmt, where=str(path))
        return result

    def bulk_load(self, parts: Iterable[bytes], fmt: str = "nquads",
                  where: str = "<input>") -> None:
        """Add derived data (e.g. the materialised comparisons) given in several parts,
        as fast as the backend can: no ``check``, and no single transaction — a failure
        part-way leaves the parts loaded so far, which the caller's next run replaces.
        This generic path loads each part with ``load``; a backend with a faster bulk
        path overrides it. Raises InputError (malformed data), StoreError."""
        for data in parts:
            self.load(data, fmt, where=where)

    @abstractmethod
    def dump(self, out: BinaryIO, fmt: str) -> None:
        """Write every quad of claimkb's graphs to ``out`` as ``fmt`` ("trig" or
        "nquads"): on the embedded store, every quad; on a server, only the graphs
        claimkb wrote (never the server's own). Raises StoreError."""

    def clear(self) -> None:
        """Remove every quad claimkb wrote (``dump``'s graphs). Raises StoreError."""
        self.update("CLEAR ALL")

    @abstractmethod
    def quad_count(self) -> int:
        """Number of quads in the store (all graphs)."""

    def close(self) -> None:  # pragma: no cover - trivial
        """Release the store (the embedded directory lock)."""

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def stream(self, sparql: str, *, default_graphs: list[str] | None = None,
               named_graphs: list[str] | None = None, base_iri: str | None = None,
               timeout: float | None = None) -> QueryStream:
        """Run a SPARQL query for the SPARQL protocol endpoint; results are read lazily.

        ``default_graphs`` / ``named_graphs`` are the protocol's ``default-graph-uri`` and
        ``named-graph-uri`` IRIs: when either is given (even empty), the two together
        replace the query's own dataset (FROM / FROM NAMED), as the SPARQL 1.1 Protocol
        says — a list not given is empty. ``base_iri`` resolves relative IRIs in the
        query (the query's own BASE wins). ``timeout`` is how many seconds the backend may
        spend where it can enforce that (the remote backend's HTTP timeout); the embedded
        backend cannot interrupt a query, so its caller enforces its own time budget.

        This default runs ``query()`` (everything in memory); backends override it.
        Raises QueryError (bad syntax, a graph name that is not an IRI) or StoreError.
        """
        if default_graphs is not None or named_graphs is not None:
            raise QueryError(f"the {self.name} backend cannot take a protocol dataset")
        if base_iri is not None:
            sparql = f"BASE <{base_iri}>\n{sparql}"
        result = self.query(sparql)
        if result.kind == "ask":
            return QueryStream("ask", boolean=result.boolean)
        if result.kind == "graph":
            return QueryStream("graph", items=iter(
                [ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in result.graph]))
        rows = [[None if t is None else to_ox(t) for t in row] for row in result.rows]
        return QueryStream("select", vars=list(result.vars), items=iter(rows))

    def select(self, sparql: str) -> list[dict[str, Node | None]]:
        """Run a SELECT query and return one dict per row."""
        result = self.query(sparql)
        return result.dicts()

    def iter_quads(self) -> Iterator[tuple]:  # pragma: no cover - used by backends
        raise NotImplementedError


def chunked(items: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
