"""The remote backend: any SPARQL 1.1 Query + Update endpoint, through SPARQLWrapper."""
from __future__ import annotations

import json
import math
import urllib.error
from collections import defaultdict
from typing import BinaryIO

import pyoxigraph as ox
from rdflib import Graph
from SPARQLWrapper import JSON, N3, POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from kb.errors import QueryError, StoreError
from kb.store.sparql import query_form
from kb.store.base import QueryResult, QueryStream, Store
from kb.store.convert import OX_FORMATS, parse_quads, term_from_json, to_ox

_ALL_QUADS = """SELECT ?s ?p ?o ?g WHERE {
  { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } }
}"""
_DEFAULT = ox.DefaultGraph()
_COUNT = """SELECT (COUNT(*) AS ?n) WHERE {
  { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } }
}"""


class RemoteStore(Store):
    """A SPARQL 1.1 endpoint. Nothing is opened until the first request.

    Raises StoreError when the endpoint cannot be reached or answers with an
    error other than a rejected query (QueryError).
    """

    name = "remote"

    def __init__(self, query_endpoint: str, update_endpoint: str | None = None,
                 timeout: float = 30.0):
        self.query_endpoint = query_endpoint
        self.update_endpoint = update_endpoint or query_endpoint
        self.timeout = timeout

    def _wrapper(self, endpoint: str, sparql: str) -> SPARQLWrapper:
        wrapper = SPARQLWrapper(endpoint, agent="claimkb")
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setTimeout(int(self.timeout))
        wrapper.setQuery(sparql)
        # SPARQLWrapper guesses the operation from the text and is fooled by comments
        # and keywords inside words ("selectors"); kb.sparql.query_form skips comments,
        # strings and IRIs, so its answer decides (it picks query= or update=).
        form = query_form(sparql)
        if form is None:
            raise QueryError("not a SPARQL query or update")
        wrapper.queryType = "DELETE" if form == "WITH" else form
        return wrapper

    def _run(self, wrapper: SPARQLWrapper):
        try:
            return wrapper.query()
        except QueryBadFormed as exc:
            raise QueryError(f"the endpoint rejected the query: {_short(exc)}") from None
        except SPARQLWrapperException as exc:
            raise StoreError(f"SPARQL endpoint {wrapper.endpoint} failed: {_short(exc)}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise StoreError(f"cannot reach SPARQL endpoint {wrapper.endpoint}: {exc}") from None

    def query(self, sparql: str) -> QueryResult:
        wrapper = self._wrapper(self.query_endpoint, sparql)
        if wrapper.isSparqlUpdateRequest():
            raise QueryError("an update was sent as a query")
        kind = wrapper.queryType
        if kind in ("CONSTRUCT", "DESCRIBE"):
            wrapper.setReturnFormat(N3)
            wrapper.addCustomHttpHeader("Accept", "application/n-triples, text/turtle;q=0.9")
            response = self._run(wrapper).response
            with response:
                body = response.read()
                ctype = response.headers.get("Content-Type", "text/turtle").split(";")[0].strip()
            graph = Graph()
            fmt = "nt" if "n-triples" in ctype else "turtle"
            try:
                graph.parse(data=body, format=fmt)
            except Exception as exc:  # rdflib raises many parser error types
                raise StoreError(f"unreadable CONSTRUCT result from the endpoint: {exc}") from None
            return QueryResult("graph", graph=graph)
        wrapper.setReturnFormat(JSON)
        with self._run(wrapper).response as response:
            body = response.read()
        try:
            data = json.loads(body)
        except ValueError:
            raise StoreError("the endpoint did not answer with SPARQL JSON results") from None
        if "boolean" in data:
            return QueryResult("ask", boolean=bool(data["boolean"]))
        names = data.get("head", {}).get("vars", [])
        rows = []
        for binding in data.get("results", {}).get("bindings", []):
            rows.append(tuple(term_from_json(binding[v]) if v in binding else None
                              for v in names))
        return QueryResult("select", vars=names, rows=rows)

    def stream(self, sparql: str, *, default_graphs: list[str] | None = None,
               named_graphs: list[str] | None = None, base_iri: str | None = None,
               timeout: float | None = None) -> QueryStream:
        """See Store.stream. The dataset goes to the endpoint as ``default-graph-uri`` /
        ``named-graph-uri`` parameters (the endpoint applies the protocol's rule);
        ``timeout`` (seconds) bounds the HTTP request instead of the store's own timeout;
        ``base_iri`` is sent as a BASE line before the query. The whole answer is read,
        then parsed into pyoxigraph terms.

        Raises QueryError (bad syntax, rejected by the endpoint) or StoreError
        (unreachable, timed out, unreadable answer).
        """
        if base_iri is not None:
            sparql = f"BASE <{base_iri}>\n{sparql}"
        wrapper = self._wrapper(self.query_endpoint, sparql)
        if wrapper.isSparqlUpdateRequest():
            raise QueryError("an update was sent as a query")
        if timeout is not None:
            wrapper.setTimeout(max(1, math.ceil(timeout)))
        for iri in default_graphs or ():
            wrapper.addParameter("default-graph-uri", iri)
        for iri in named_graphs or ():
            wrapper.addParameter("named-graph-uri", iri)
        graph = wrapper.queryType in ("CONSTRUCT", "DESCRIBE")
        if graph:
            wrapper.setReturnFormat(N3)
            wrapper.addCustomHttpHeader("Accept", "application/n-triples, text/turtle;q=0.9")
        else:
            wrapper.setReturnFormat(JSON)
        with self._run(wrapper).response as response:
            body = response.read()
            ctype = response.headers.get("Content-Type", "").split(";")[0].strip()
        try:
            if graph:
                fmt = ox.RdfFormat.N_TRIPLES if "n-triples" in ctype else ox.RdfFormat.TURTLE
                triples = [quad.triple for quad in ox.parse(body, fmt)]
                return QueryStream("graph", items=iter(triples))
            result = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
        except (SyntaxError, ValueError) as exc:
            raise StoreError(f"unreadable answer from the endpoint: {exc}") from None
        if isinstance(result, ox.QueryBoolean):
            return QueryStream("ask", boolean=bool(result))
        return QueryStream("select", vars=[v.value for v in result.variables], items=iter(result))

    def values(self, sparql: str, *, many: bool = False) -> tuple[list[str], list[tuple[str | None, ...]]]:
        """See Store.values: the endpoint's whole answer is read either way."""
        result = self.query(sparql)
        if result.kind != "select":
            raise QueryError("values() needs a SELECT query")
        return result.vars, [tuple(None if t is None else str(t) for t in row)
                             for row in result.rows]

    def update(self, sparql: str) -> None:
        wrapper = self._wrapper(self.update_endpoint, sparql)
        if not wrapper.isSparqlUpdateRequest():
            raise QueryError("not a SPARQL update")
        with self._run(wrapper).response as response:
            response.read()

    def load(self, data: bytes, fmt: str, where: str = "<input>", check=None) -> int:
        quads = parse_quads(data, fmt, where)
        if check is not None:
            check(quads)
        if not quads:
            return 0
        by_graph: dict[str, list[str]] = defaultdict(list)
        for quad in quads:
            graph = "" if quad.graph_name == _DEFAULT else str(quad.graph_name)
            by_graph[graph].append(f"{quad.subject} {quad.predicate} {quad.object} .")
        parts = ["INSERT DATA {"]
        for graph, triples in by_graph.items():
            if graph:
                parts.append(f"GRAPH {graph} {{")
            parts.extend(triples)
            if graph:
                parts.append("}")
        parts.append("}")
        self.update("\n".join(parts))
        return len(quads)

    def dump(self, out: BinaryIO, fmt: str) -> None:
        result = self.query(_ALL_QUADS)
        quads = [ox.Quad(to_ox(s), to_ox(p), to_ox(o), to_ox(g)) for s, p, o, g in result.rows]
        ox.serialize(quads, out, OX_FORMATS[fmt])

    def quad_count(self) -> int:
        rows = self.query(_COUNT).rows
        return int(rows[0][0]) if rows else 0


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 500 else text[:500] + "…"

