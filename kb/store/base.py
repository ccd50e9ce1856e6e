"""The one abstract repository every backend implements (embedded Oxigraph, remote SPARQL).

Terms crossing this interface are rdflib terms. Every write is one atomic operation:
it all lands or none of it does.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import BinaryIO, Iterable, Iterator

from rdflib import Graph
from rdflib.term import Node

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


class Store(ABC):
    """A quad store reachable with SPARQL 1.1 Query and Update."""

    name = "abstract"

    @abstractmethod
    def query(self, sparql: str) -> QueryResult:
        """Run a SPARQL query. Raises QueryError (bad syntax) or StoreError."""

    @abstractmethod
    def values(self, sparql: str) -> tuple[list[str], list[tuple[str | None, ...]]]:
        """Run a SELECT and return (variables, rows of plain strings): the IRI or the
        literal's lexical form, None where unbound. Faster than ``query`` for large
        results, when only the values matter. Raises QueryError or StoreError."""

    @abstractmethod
    def update(self, sparql: str) -> None:
        """Run a SPARQL update atomically. Raises QueryError or StoreError."""

    @abstractmethod
    def load(self, data: bytes, fmt: str) -> int:
        """Parse ``data`` (fmt: "trig" or "nquads") fully, then add every quad in one
        transaction. Returns the number of quads parsed. Raises InputError (with the
        line) when the data is malformed, in which case nothing is written."""

    @abstractmethod
    def dump(self, out: BinaryIO, fmt: str) -> None:
        """Write every quad of the store to ``out`` as ``fmt`` ("trig" or "nquads")."""

    @abstractmethod
    def quad_count(self) -> int:
        """Number of quads in the store (all graphs)."""

    def close(self) -> None:  # pragma: no cover - trivial
        """Release the store (the embedded directory lock)."""

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

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
