"""The remote backend: any SPARQL 1.1 Query + Update endpoint, through SPARQLWrapper.

Promised and tested on ``oxigraph serve`` and Virtuoso 7 (docs/deployment.md). What a
server does differently is kept here, in one place:

- **Graphs are always named.** What an imported file puts in the default graph is
  stored in the named graph ``DEFAULT_GRAPH`` and exported back into the default graph:
  Virtuoso has no default graph of its own to write to.
- **claimkb's graphs only.** ``dump``, ``clear`` and ``quad_count`` see the graphs
  claimkb wrote: those under ``https://w3id.org/claimkb/graph/``, a claim's or an
  annotation's graph under the KB's base IRI, and any other graph an import wrote,
  listed in ``REGISTRY``. A server shared with
  other data (and Virtuoso's own system graphs) is left alone.
- **Blank nodes are skolemised on write** (``skolem``): written as IRIs under
  ``SKOLEM``, read back as blank nodes. Virtuoso refuses blank nodes in ``INSERT DATA``,
  and gives its own (``nodeID://…``) back, which are not valid blank node labels.
- **Virtuoso's default graph is the union of all its graphs**, and naming a dataset
  (FROM, ``default-graph-uri``) there also hides every graph not named from ``GRAPH
  <iri>``, so it cannot be turned off per query. claimkb's own queries name every graph
  they read (a test holds kb/queries to it); on the public endpoint (``stream``), a
  query that reads the default graph without naming its dataset is refused on Virtuoso,
  with the reason, rather than answered with claim content as if it were asserted.
- **Only content negotiation** picks result formats (no ``format=`` parameter, which
  Virtuoso answers with HTTP 406 for CONSTRUCT), and credentials (HTTP Basic or Digest)
  go through this store's own opener, never the process-wide one and never into an
  error message or a log.
- A server that cuts an answer short (Virtuoso's ``ResultSetMaxRows``) is an error,
  never a silently shorter answer.

Why one module (~400 lines): it is one backend, and each of the differences above is a
few lines inside the operation it changes; what could stand apart did (blank nodes in
kb/store/skolem.py, the public endpoint's Virtuoso rules in kb/store/virtuoso.py).
"""
from __future__ import annotations

import json
import math
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from typing import BinaryIO

import pyoxigraph as ox
from rdflib import Graph, Literal
from SPARQLWrapper import JSON, N3, POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (EndPointInternalError, EndPointNotFound,
                                            QueryBadFormed, SPARQLWrapperException,
                                            Unauthorized, URITooLong)

from kb.config import ENDPOINT_DIALECTS
from kb.errors import QueryError, StoreError
from kb.store.base import QueryResult, QueryStream, Store, chunked
from kb.store.convert import OX_FORMATS, from_ox, parse_quads, term_from_json, to_ox
from kb.store.skolem import (SKOLEM, graph_triples, ox_unskolem, skolem_term, unskolem,
                             valid_bnodes)
from kb.store.sparql import query_form, term_sparql
from kb.store.virtuoso import check_public_query

OWN_GRAPHS = "https://w3id.org/claimkb/graph/"
DEFAULT_GRAPH = OWN_GRAPHS + "default"
REGISTRY = OWN_GRAPHS + "registry"
OWN_KINDS = ("claims", "annotations")     # graphs named under the KB's base IRI
_MEMBER = "http://www.w3.org/2000/01/rdf-schema#member"
_DEFAULT = ox.DefaultGraph()
# Operations per update request when clearing graph by graph.
_DROP_BATCH = 200
# Quads per INSERT DATA request when loading a large file.
_INSERT_BATCH = 20_000


class _Wrapper(SPARQLWrapper):
    """SPARQLWrapper sending through the store's own opener (its credentials), not the
    process-wide urllib opener that SPARQLWrapper's Digest support replaces."""

    opener: urllib.request.OpenerDirector

    def _query(self):
        request = self._createRequest()
        try:
            return self.opener.open(request, timeout=self.timeout or None), self.returnFormat
        except urllib.error.HTTPError as e:
            exc = {400: QueryBadFormed, 401: Unauthorized, 404: EndPointNotFound,
                   414: URITooLong, 500: EndPointInternalError}.get(e.code)
            if exc is None:
                raise
            raise exc(e.read()) from None


class RemoteStore(Store):
    """A SPARQL 1.1 endpoint. Nothing is opened until the first request.

    ``timeout``: seconds per request; ``bulk_timeout``: for a whole-KB read (``values``
    with ``many``). ``user``/``password``/``auth`` ("basic" or "digest") authenticate
    every request;
    ``dialect`` ("auto", "standard", "virtuoso") says which server it is ("auto": read
    from the first answer's ``Server`` header). ``base_iri`` is the KB's: graphs under
    it are claimkb's. Raises StoreError when the endpoint cannot be reached, refuses the
    credentials or answers with an error other than a rejected query (QueryError).
    """

    name = "remote"
    skolem = SKOLEM

    def __init__(self, query_endpoint: str, update_endpoint: str | None = None,
                 timeout: float = 30.0, *, user: str | None = None,
                 password: str | None = None, auth: str = "basic",
                 dialect: str = "auto", base_iri: str | None = None,
                 bulk_timeout: float = 1800.0):
        self.query_endpoint = query_endpoint
        self.update_endpoint = update_endpoint or query_endpoint
        self.timeout = timeout
        self.bulk_timeout = max(timeout, bulk_timeout)
        self.base_iri = base_iri
        if dialect not in ENDPOINT_DIALECTS:
            raise StoreError(f"unknown endpoint dialect {dialect!r}: one of "
                             f"{', '.join(ENDPOINT_DIALECTS)}")
        self._dialect = None if dialect == "auto" else dialect
        self._opener = _opener([self.query_endpoint, self.update_endpoint], user, password, auth)

    def __repr__(self) -> str:
        return f"RemoteStore({_public(self.query_endpoint)!r})"

    # ------------------------------------------------------------------ requests

    @property
    def dialect(self) -> str:
        """"virtuoso" or "standard"; asks the server once when set to "auto": its ``Server``
        header or, when a proxy hid it, whether its default graph has anything in it
        (Virtuoso's is the union of every graph; claimkb never writes there)."""
        if self._dialect is None:
            wrapper = self._wrapper(self.query_endpoint, "ASK {}")
            wrapper.setReturnFormat(JSON)
            with self._run(wrapper).response as response:
                server = response.headers.get("Server", "")
                response.read()
            # a proxy may hide the header; the union default graph shows anyway: claimkb
            # never writes the default graph, so anything there is every graph's
            union = ("virtuoso" in server.lower() if server
                     else self.query("ASK { ?s ?p ?o }").boolean)
            self._dialect = "virtuoso" if union else "standard"
        return self._dialect

    def _wrapper(self, endpoint: str, sparql: str, timeout: float | None = None) -> SPARQLWrapper:
        """A request to ``endpoint``, bounded by ``timeout`` seconds (the store's own
        when None)."""
        wrapper = _Wrapper(endpoint, agent="claimkb")
        wrapper.opener = self._opener
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setOnlyConneg(True)
        wrapper.setTimeout(max(1, math.ceil(self.timeout if timeout is None else timeout)))
        wrapper.setQuery(sparql)
        # SPARQLWrapper guesses the operation from the text and is fooled by comments
        # and keywords inside words ("selectors"); kb.sparql.query_form skips comments,
        # strings and IRIs, so its answer decides (it picks query= or update=).
        form = query_form(sparql)
        if form is None:
            raise QueryError("not a SPARQL query or update")
        wrapper.queryType = "DELETE" if form == "WITH" else form
        return wrapper

    def _read_wrapper(self, sparql: str, default_graphs=None, named_graphs=None,
                      timeout: float | None = None) -> SPARQLWrapper:
        wrapper = self._wrapper(self.query_endpoint, sparql, timeout)
        if wrapper.isSparqlUpdateRequest():
            raise QueryError("an update was sent as a query")
        for iri in default_graphs or ():
            wrapper.addParameter("default-graph-uri", iri)
        for iri in named_graphs or ():
            wrapper.addParameter("named-graph-uri", iri)
        if wrapper.queryType in ("CONSTRUCT", "DESCRIBE"):
            wrapper.setReturnFormat(N3)
            wrapper.addCustomHttpHeader("Accept", "application/n-triples, text/turtle;q=0.9")
        else:
            wrapper.setReturnFormat(JSON)
            wrapper.addCustomHttpHeader("Accept", "application/sparql-results+json")
        return wrapper

    def _run(self, wrapper: SPARQLWrapper):
        where = _public(wrapper.endpoint)
        try:
            return wrapper.query()
        except QueryBadFormed as exc:
            raise QueryError(f"the endpoint rejected the query: {_short(exc)}") from None
        except Unauthorized:
            raise StoreError(f"SPARQL endpoint {where} refused the request (HTTP 401): "
                             "check endpoint_user, endpoint_password and endpoint_auth") from None
        except SPARQLWrapperException as exc:
            raise StoreError(f"SPARQL endpoint {where} failed: {_short(exc)}") from None
        except urllib.error.HTTPError as exc:
            raise StoreError(f"SPARQL endpoint {where} failed: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise StoreError(f"cannot reach SPARQL endpoint {where}: "
                             f"{getattr(exc, 'reason', exc)}") from None

    def _body(self, wrapper: SPARQLWrapper) -> tuple[bytes, str]:
        with self._run(wrapper).response as response:
            body = response.read()
            ctype = response.headers.get("Content-Type", "").split(";")[0].strip()
            cut = response.headers.get("X-SPARQL-MaxRows")
        if cut:
            raise StoreError(f"SPARQL endpoint {_public(wrapper.endpoint)} cut its answer at "
                             f"{cut} rows (Virtuoso: raise [SPARQL] ResultSetMaxRows, "
                             "docs/deployment.md)")
        return body, ctype

    # ------------------------------------------------------------------ reading

    def query(self, sparql: str, *, timeout: float | None = None) -> QueryResult:
        """See Store.query; ``timeout`` (seconds) replaces the store's own for this one."""
        wrapper = self._read_wrapper(sparql, timeout=timeout)
        body, ctype = self._body(wrapper)
        if wrapper.queryType in ("CONSTRUCT", "DESCRIBE"):
            graph = Graph()
            try:
                for s, p, o in graph_triples(body, ctype, virtuoso=self.dialect == "virtuoso"):
                    graph.add((from_ox(s), from_ox(p), from_ox(o)))
            except (SyntaxError, ValueError) as exc:
                raise StoreError(f"unreadable CONSTRUCT result from the endpoint: {exc}") from None
            return QueryResult("graph", graph=graph)
        try:
            data = json.loads(body)
        except ValueError:
            raise StoreError("the endpoint did not answer with SPARQL JSON results") from None
        if "boolean" in data:
            return QueryResult("ask", boolean=bool(data["boolean"]))
        names = data.get("head", {}).get("vars", [])
        rows = []
        for binding in data.get("results", {}).get("bindings", []):
            rows.append(tuple(unskolem(term_from_json(binding[v])) if v in binding else None
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

        On Virtuoso, a query that reads the default graph without naming its dataset
        (no FROM, no protocol dataset) or a DESCRIBE is refused (QueryError): there the
        default graph is the union of every graph, and would show what claims only
        report as if it were asserted.

        Raises QueryError (bad syntax, rejected by the endpoint) or StoreError
        (unreachable, timed out, unreadable answer).
        """
        if base_iri is not None:
            sparql = f"BASE <{base_iri}>\n{sparql}"
        if self.dialect == "virtuoso":
            check_public_query(sparql, default_graphs, named_graphs)
        wrapper = self._read_wrapper(sparql, default_graphs, named_graphs, timeout)
        body, ctype = self._body(wrapper)
        try:
            if wrapper.queryType in ("CONSTRUCT", "DESCRIBE"):
                return QueryStream("graph", items=iter([ox.Triple(*t) for t in graph_triples(body, ctype, virtuoso=self.dialect == "virtuoso")]))
            result = ox.parse_query_results(valid_bnodes(body) if self.dialect == "virtuoso" else body,
                                            ox.QueryResultsFormat.JSON)
        except (SyntaxError, ValueError) as exc:
            raise StoreError(f"unreadable answer from the endpoint: {exc}") from None
        if isinstance(result, ox.QueryBoolean):
            return QueryStream("ask", boolean=bool(result))
        names = [v.value for v in result.variables]
        rows, solution = [], None
        for solution in result:
            rows.append(tuple(ox_unskolem(solution[i]) for i in range(len(names))))
        # pyoxigraph's results may only be dropped on the thread that made them
        del solution, result
        return QueryStream("select", vars=names, items=iter(rows))

    def values(self, sparql: str, *, many: bool = False) -> tuple[list[str], list[tuple[str | None, ...]]]:
        """See Store.values: the endpoint's whole answer is read either way. A ``many``
        read (a whole-KB read by an index rebuild) may take ``bulk_timeout`` seconds,
        not the store's per-request timeout: at 100k claims one such query took over
        30 s on Virtuoso (docs/deployment.md)."""
        result = self.query(sparql, timeout=self.bulk_timeout if many else None)
        if result.kind != "select":
            raise QueryError("values() needs a SELECT query")
        return result.vars, [tuple(None if t is None else str(t) for t in row)
                             for row in result.rows]

    # ------------------------------------------------------------------ writing

    def update(self, sparql: str) -> None:
        wrapper = self._wrapper(self.update_endpoint, sparql)
        if not wrapper.isSparqlUpdateRequest():
            raise QueryError("not a SPARQL update")
        self._body(wrapper)

    def load(self, data: bytes, fmt: str, where: str = "<input>", check=None) -> int:
        """See Store.load. Blank nodes become skolem IRIs, the default graph the named
        graph DEFAULT_GRAPH, and each graph outside claimkb's own names is listed in
        REGISTRY, in the same request. A file of more than ``_INSERT_BATCH`` quads is
        sent in several requests (a failure part-way leaves the earlier ones)."""
        quads = parse_quads(data, fmt, where)
        if check is not None:
            check(quads)
        if not quads:
            return 0
        labels: dict[str, str] = {}
        token = secrets.token_hex(8)
        for batch in chunked(quads, _INSERT_BATCH):
            by_graph: dict[str, list[str]] = defaultdict(list)
            for quad in batch:
                if quad.graph_name == _DEFAULT:
                    graph = DEFAULT_GRAPH
                elif isinstance(quad.graph_name, ox.BlankNode):
                    graph = skolem_term(quad.graph_name, labels, token)[1:-1]
                else:
                    graph = quad.graph_name.value
                s, o = (skolem_term(t, labels, token) for t in (quad.subject, quad.object))
                by_graph[graph].append(f"{s} {quad.predicate} {o} .")
            foreign = [g for g in by_graph if not self._own(g)]
            if foreign:
                by_graph[REGISTRY].extend(f"<{REGISTRY}> <{_MEMBER}> <{g}> ." for g in foreign)
            parts = ["INSERT DATA {"]
            for graph, triples in by_graph.items():
                parts.append(f"GRAPH <{graph}> {{")
                parts.extend(triples)
                parts.append("}")
            parts.append("}")
            self.update("\n".join(parts))
        return len(quads)

    # ------------------------------------------------------------------ claimkb's graphs

    def _prefixes(self) -> list[str]:
        """The IRI prefixes of the graphs claimkb names: its own graphs, and a claim's or
        an annotation's graph under the KB's base IRI (nothing else under it)."""
        found = [OWN_GRAPHS]
        if self.base_iri:
            found += [f"{self.base_iri}{kind}/" for kind in OWN_KINDS]
        return found

    def _own(self, graph: str) -> bool:
        return graph.startswith(tuple(self._prefixes()))

    def _graph_filter(self) -> str:
        tests = [f"STRSTARTS(STR(?g), {term_sparql(Literal(p))})" for p in self._prefixes()]
        return f"FILTER(({' || '.join(tests)}) && ?g != <{REGISTRY}>)"

    def graphs(self) -> list[str]:
        """The graphs claimkb wrote (see the module's docstring). Raises StoreError."""
        found = self.query(
            f"SELECT DISTINCT ?g WHERE {{ {{ GRAPH ?g {{ ?s ?p ?o }} {self._graph_filter()} }} "
            f"UNION {{ GRAPH <{REGISTRY}> {{ <{REGISTRY}> <{_MEMBER}> ?g }} }} }}",
            timeout=self.bulk_timeout).rows
        return sorted({str(row[0]) for row in found if row[0] is not None})

    def dump(self, out: BinaryIO, fmt: str) -> None:
        rows = self.query(
            f"SELECT ?s ?p ?o ?g WHERE {{ {{ GRAPH ?g {{ ?s ?p ?o }} {self._graph_filter()} }} "
            f"UNION {{ GRAPH <{REGISTRY}> {{ <{REGISTRY}> <{_MEMBER}> ?g }} "
            f"GRAPH ?g {{ ?s ?p ?o }} }} }}", timeout=self.bulk_timeout).rows
        quads = [ox.Quad(to_ox(s), to_ox(p), to_ox(o),
                         _DEFAULT if str(g) == DEFAULT_GRAPH else ox.NamedNode(str(g)))
                 for s, p, o, g in rows]
        ox.serialize(quads, out, OX_FORMATS[fmt])

    def clear(self) -> None:
        for batch in chunked(self.graphs() + [REGISTRY], _DROP_BATCH):
            self.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in batch))

    def quad_count(self) -> int:
        rows = self.query(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ GRAPH ?g {{ ?s ?p ?o }} {self._graph_filter()} }} "
            f"UNION {{ GRAPH <{REGISTRY}> {{ <{REGISTRY}> <{_MEMBER}> ?g }} "
            f"GRAPH ?g {{ ?s ?p ?o }} }} }}", timeout=self.bulk_timeout).rows
        return int(rows[0][0]) if rows else 0


# ---------------------------------------------------------------- helpers

def _opener(endpoints: list[str], user: str | None, password: str | None,
            auth: str) -> urllib.request.OpenerDirector:
    handlers: list = []
    if user and password:
        if auth == "digest":
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for url in endpoints:
                manager.add_password(None, url, user, password)
            handlers.append(urllib.request.HTTPDigestAuthHandler(manager))
        else:
            manager = urllib.request.HTTPPasswordMgrWithPriorAuth()
            for url in endpoints:
                manager.add_password(None, url, user, password, is_authenticated=True)
            handlers.append(urllib.request.HTTPBasicAuthHandler(manager))
    return urllib.request.build_opener(*handlers)


def _public(url: str) -> str:
    """``url`` without any user:password@ in it, for messages."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 500 else text[:500] + "…"
