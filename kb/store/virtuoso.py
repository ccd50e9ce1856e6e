"""What the public SPARQL endpoint refuses on Virtuoso, and why (kb/store/remote.py,
docs/deployment.md).

Virtuoso's default graph is the union of every graph, and naming a dataset there (FROM,
``default-graph-uri``) also hides every graph not named from ``GRAPH <iri>``, so it
cannot be turned off per query: a query reading the default graph would show what
claims only report as if it were asserted. Virtuoso also has a language of its own
(DEFINE pragmas that fetch remote data, ``bif:`` / ``sql:`` procedures). The queries
are read with rdflib's SPARQL parser (``algebra``) and with ``kb.store.sparql.tokens``.
"""
from __future__ import annotations

from kb.errors import QueryError
from kb.store.sparql import has_dataset_clause, tokens

VIRTUOSO_DEFAULT_GRAPH = (
    "this knowledge base is served by Virtuoso, whose default graph is the union of "
    "every graph: a claim's content would read as if it were asserted. Name the graphs "
    "the query reads (GRAPH meta:metadata { … }, GRAPH ?claim { … }), or its dataset "
    "(FROM, or the default-graph-uri parameter); use CONSTRUCT with GRAPH instead of "
    "DESCRIBE")


def check_public_query(sparql: str, default_graphs, named_graphs) -> None:
    """For the public endpoint (``RemoteStore.stream``) on Virtuoso: refuse (QueryError)
    what Virtuoso would answer differently from the standard, or with its own powers:
    its language extensions; a query reading the
    default graph (there the union of every graph) without naming its default graph
    (a FROM of its own, or ``default-graph-uri``); a FROM beside protocol dataset
    parameters (Virtuoso adds the two instead of replacing one)."""
    if uses_virtuoso_extensions(sparql):
        raise QueryError("Virtuoso's own language (DEFINE pragmas, bif: and sql: "
                         "functions) is not accepted here: use standard SPARQL 1.1")
    if default_graphs is None and named_graphs is None:
        parsed = _parse(sparql)
        if not _names_default_dataset(parsed) and _reads_default_graph(parsed):
            raise QueryError(VIRTUOSO_DEFAULT_GRAPH)
    elif has_dataset_clause(sparql):
        raise QueryError("this knowledge base is served by Virtuoso, which adds the "
                         "default-graph-uri / named-graph-uri parameters to the query's "
                         "own FROM instead of replacing it: give one or the other")
    elif not default_graphs and reads_default_graph(sparql):
        # named-graph-uri alone: Virtuoso still reads the default graph as the union
        raise QueryError(VIRTUOSO_DEFAULT_GRAPH)


def _parse(text: str):
    """The query as rdflib's SPARQL parser reads it: (parse tree, algebra), or None when
    it cannot (pyparsing and rdflib raise many error types)."""
    # rdflib's SPARQL parser: only the remote backend on Virtuoso asks (public endpoint)
    from rdflib.plugins.sparql import algebra, parser  # ~490 ms to import: only when asked

    try:
        tree = parser.parseQuery(text)
        return tree, algebra.translateQuery(tree)
    except Exception:  # see docstring
        return None


def reads_default_graph(text: str) -> bool:
    """Whether the query matches a triple pattern against the default graph (outside
    every ``GRAPH``), in its body, a subquery or a FILTER EXISTS, or is a DESCRIBE
    (which describes from the default graph). Read with rdflib's SPARQL parser; a query
    it cannot parse counts as reading it. For servers whose default graph is the union
    of all graphs (Virtuoso), where such a query shows what claims only report as if
    it were asserted."""
    return _reads_default_graph(_parse(text))


def _reads_default_graph(parsed) -> bool:
    from rdflib.plugins.sparql.parserutils import CompValue  # ~0 ms once _parse ran

    if parsed is None:
        return True
    query = parsed[1]
    if query.algebra.name == "DescribeQuery":
        return True
    stack = [(query.algebra, False)]
    while stack:
        node, in_graph = stack.pop()
        if isinstance(node, CompValue):
            if node.name in ("Graph", "GraphGraphPattern"):
                in_graph = True
            elif node.name in ("BGP", "TriplesBlock") and node.get("triples") and not in_graph:
                return True
            stack.extend((v, in_graph) for k, v in node.items() if not k.startswith("_"))
        elif isinstance(node, (list, tuple)):
            stack.extend((v, in_graph) for v in node)
    return False


def names_default_dataset(text: str) -> bool:
    """Whether the query itself says what its default graph is: a ``FROM <iri>`` (not
    only FROM NAMED) of the query, not of a subquery. False for a query rdflib's parser
    cannot read."""
    return _names_default_dataset(_parse(text))


def _names_default_dataset(parsed) -> bool:
    if parsed is None:
        return False
    query = parsed[0][1]
    # (rdflib's CompValue.get answers a missing key with the key itself: ask with ``in``)
    clauses = query["datasetClause"] if "datasetClause" in query else []
    return any("default" in clause for clause in clauses)


_VIRTUOSO_PREFIXES = ("bif:", "sql:")


def uses_virtuoso_extensions(text: str) -> bool:
    """Whether the query uses Virtuoso's own language: a ``DEFINE`` pragma (sponging
    remote data, changing the dataset), or a ``bif:`` / ``sql:`` function (built-in SQL
    procedures), as a prefixed name or an IRI. Read with ``tokens``: the words inside
    strings, comments and longer IRIs do not count."""
    for kind, token in tokens(text):
        if kind == "word" and token.upper() == "DEFINE":
            return True
        value = token[1:-1] if token.startswith("<") and token.endswith(">") else token
        if value.lower().startswith(_VIRTUOSO_PREFIXES):
            return True
    return False
