"""The one abstract repository every backend implements (embedded Oxigraph, remote SPARQL).

Terms crossing this interface are rdflib terms. Every write is one atomic operation:
it all lands or none of it does.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator, Sequence, TypeVar

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

from kb.errors import InputError, QueryError
from kb.store import sparql
from kb.store.convert import to_ox

T = TypeVar("T")

# subjects or graphs a bulk read (``describe``) names in one query
BULK_BATCH = 2000

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

    def insert(self, quads: list[tuple]) -> None:
        """Add rdflib quads (s, p, o, graph) in one atomic write: a write that only adds
        (new claims, their articles and change records) without a SPARQL update to
        parse. No blank nodes (as ``sparql.insert_data``). This default sends the
        ``INSERT DATA``; the embedded store adds the quads directly. Raises QueryError (a
        blank node), StoreError (nothing written)."""
        self.update(sparql.insert_data(quads))

    @abstractmethod
    def load(self, data: bytes, fmt: str, where: str = "<input>",
             check: Callable[[list], None] | None = None) -> int:
        """Parse ``data`` (fmt: "trig" or "nquads") fully, hand the parsed pyoxigraph
        quads to ``check`` (which raises to refuse them), then add every quad in one
        transaction. Returns the number of quads parsed. Raises InputError (with the
        line) when the data is malformed or ``check`` refuses it, in which case nothing
        is written."""

    def load_file(self, path, fmt: str, check: Callable[[], T],
                  before_swap: Callable[[], None] | None = None,
                  waiting: Callable[[], None] | None = None) -> T:
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

    # ------------------------------------------------------------------ bulk reads
    # What an index rebuild reads the whole KB with, batch by batch (kb/records/
    # summaries.py, facts.py): values are plain strings exactly as ``values`` gives them
    # (an IRI, a literal's lexical form, a blank node's label), read with SPARQL
    # (kb/queries/index_*.rq) through ``rows``, which the embedded store reads without
    # SPARQL-JSON.

    def rows(self, sparql: str) -> list[Sequence[str]]:
        """The rows of a SELECT that binds every variable in every solution, as plain
        strings (as ``values`` gives them). A backend may read such a result faster
        than ``values`` (the embedded one does, without SPARQL-JSON). Raises QueryError
        or StoreError."""
        return self.values(sparql)[1]

    def describe(self, nodes: Iterable[str]) -> dict[str, dict[str, list[str]]]:
        """The metadata graph's triples whose subject is one of ``nodes`` (IRIs), as
        {node: {predicate: [objects in the store's order]}}; nodes without any are left
        out (kb/queries/index_hop.rq). Raises QueryError (a node that is not an IRI) or
        StoreError."""
        out: dict[str, dict[str, list[str]]] = {}
        for chunk in chunked(dict.fromkeys(nodes), BULK_BATCH):
            for s, p, o in self.rows(sparql.render("index_hop.rq", s=[URIRef(n) for n in chunk])):
                out.setdefault(s, {}).setdefault(p, []).append(o)
        return out

    def graph_triples(self, graphs: Iterable[str]) -> dict[str, list[tuple[str, str, str]]]:
        """The triples of the named graphs ``graphs`` (IRIs: claims' content graphs), as
        {graph: [(s, p, o) in the store's order]}; graphs without any are left out
        (kb/queries/index_content.rq). Raises QueryError or StoreError."""
        out: dict[str, list[tuple[str, str, str]]] = {}
        for chunk in chunked(dict.fromkeys(graphs), BULK_BATCH):
            for g, s, p, o in self.rows(sparql.render("index_content.rq", g=[URIRef(n) for n in chunk])):
                out.setdefault(g, []).append((s, p, o))
        return out

    def view_opener(self) -> Callable[[], "Store"] | None:
        """A picklable function that opens a read-only view of this store in another
        process (where an index rebuild can read beside this one), or None where there
        is none (this generic backend; the embedded store on disk has one)."""
        return None

    def subjects_of_type(self, rdf_type: str) -> list[str]:
        """Every subject the metadata graph says is an ``rdf_type`` (an IRI), e.g. every
        claim, in the store's order (kb/queries/index_typed.rq). Raises StoreError."""
        return [row[0] for row in self.rows(sparql.render("index_typed.rq", type=URIRef(rdf_type)))]

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
