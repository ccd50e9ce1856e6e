"""SPARQL answers in the protocol's formats: SELECT / ASK results as SPARQL JSON, XML,
CSV or TSV; CONSTRUCT / DESCRIBE graphs as Turtle, N-Triples, JSON-LD or RDF/XML; the
format chosen by ``format=`` or the Accept header (``negotiate``), and whether a
browser gets the query page instead (``wants_page``). The HTML results table is
templates/sparql/_results.html (``term_kind``; an IRI's short label ``iri_label`` and its
link ``iri_href``, to the server that answered for the KB's own IRIs)."""
from __future__ import annotations

import csv
import io
import json
from xml.sax.saxutils import escape as xml_escape, quoteattr

import pyoxigraph as ox
from flask import abort, request

from kb.model.vocab import local_name
from kb.store.sandbox import Answer

from ..render import preferred
from ..vocabulary import ALL_PREFIXES

# format name → (media type, label); the first of each list is the default
SELECT_FORMATS = {
    "json": ("application/sparql-results+json", "JSON"),
    "xml": ("application/sparql-results+xml", "XML"),
    "csv": ("text/csv", "CSV"),
    "tsv": ("text/tab-separated-values", "TSV"),
}
ASK_FORMATS = {k: SELECT_FORMATS[k] for k in ("json", "xml")}
GRAPH_FORMATS = {
    "ttl": ("text/turtle", "Turtle"),
    "nt": ("application/n-triples", "N-Triples"),
    "jsonld": ("application/ld+json", "JSON-LD"),
    "rdf": ("application/rdf+xml", "RDF/XML"),
}
OX_GRAPH_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
                    "jsonld": ox.RdfFormat.JSON_LD, "rdf": ox.RdfFormat.RDF_XML}
# other media types clients send for the same formats
EXTRA_TYPES = {
    "select": {"application/json": "json", "application/xml": "xml", "text/xml": "xml"},
    "ask": {"application/json": "json", "application/xml": "xml", "text/xml": "xml"},
    "graph": {"application/json": "jsonld", "application/xml": "rdf", "text/xml": "rdf",
              "application/x-turtle": "ttl", "text/plain": "nt"},
}
# format= values (besides the names above and media types)
ALIASES = {
    "select": {"srj": "json", "srx": "xml"},
    "ask": {"srj": "json", "srx": "xml"},
    "graph": {"turtle": "ttl", "ntriples": "nt", "n-triples": "nt", "json-ld": "jsonld",
              "json": "jsonld", "rdfxml": "rdf", "rdf-xml": "rdf", "xml": "rdf"},
}
KIND_OF_FORM = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}


def formats_for(kind: str) -> dict[str, tuple[str, str]]:
    return {"select": SELECT_FORMATS, "ask": ASK_FORMATS, "graph": GRAPH_FORMATS}[kind]


# ---------------------------------------------------------------- serialising

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def term_json(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value not in (XSD_STRING, RDF_LANG_STRING):
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": term_json(term.subject),
                                            "predicate": term_json(term.predicate),
                                            "object": term_json(term.object)}}
    raise TypeError(f"not an RDF term: {term!r}")


def term_xml(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{xml_escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{xml_escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{xml_escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{xml_escape(term.value)}</literal>"
        return f"<literal>{xml_escape(term.value)}</literal>"
    if isinstance(term, ox.Triple):
        return (f"<triple><subject>{term_xml(term.subject)}</subject><predicate>"
                f"{term_xml(term.predicate)}</predicate><object>{term_xml(term.object)}</object></triple>")
    raise TypeError(f"not an RDF term: {term!r}")


def term_csv(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    return str(term)


def term_kind(term) -> str:
    """"iri", "literal", "bnode" or "triple" (for the HTML table)."""
    if isinstance(term, ox.NamedNode):
        return "iri"
    if isinstance(term, ox.Literal):
        return "literal"
    if isinstance(term, ox.BlankNode):
        return "bnode"
    return "triple"


def namespace_of(iri: str, prefixes: dict[str, str] = ALL_PREFIXES) -> tuple[str, str] | None:
    """(prefix, namespace) of the longest known namespace ``iri`` is in, or None."""
    found = [(p, ns) for p, ns in prefixes.items() if iri.startswith(ns) and len(iri) > len(ns)]
    return max(found, key=lambda pair: len(pair[1]), default=None)


def kb_own(iri: str, base_iri: str, prefixes: dict[str, str] = ALL_PREFIXES) -> bool:
    """Whether ``iri`` names one of the KB's resources: under ``base_iri`` and in no
    vocabulary namespace (``ckb:`` or ``meta:`` may sit under the base too)."""
    return (len(iri) > len(base_iri) and iri.startswith(base_iri)
            and not any(len(ns) > len(base_iri) and iri.startswith(ns) for ns in prefixes.values()))


def iri_label(iri: str, base_iri: str, prefixes: dict[str, str] = ALL_PREFIXES) -> str:
    """A short label for an IRI in a results table: the last path segment of one of the
    KB's own (``gi-border-length``), else its prefixed name (``ckb:Factual``), else its
    last segment (the table gives the whole IRI as the cell's title).
    static/sparql/sparql.js labels YASGUI's table the same way."""
    if not kb_own(iri, base_iri, prefixes):
        found = namespace_of(iri, prefixes)
        if found is not None:
            return f"{found[0]}:{iri[len(found[1]):]}"
    return local_name(iri.rstrip("/#")) or iri


def iri_href(iri: str, base_iri: str, site_root: str, prefixes: dict[str, str] = ALL_PREFIXES) -> str:
    """Where an IRI in a results table links to: one of the KB's own on the server that
    answered (``site_root``: the request's URL root), which is not the configured base
    when the KB is served elsewhere (a test server, a mirror, a base IRI that only
    redirects); any other IRI as it is."""
    if site_root and site_root != base_iri and kb_own(iri, base_iri, prefixes):
        return site_root.rstrip("/") + "/" + iri[len(base_iri):].lstrip("/")
    return iri


def serialize(result: Answer, fmt: str) -> bytes:
    """``result`` in ``fmt``: SPARQL results (select/ask) or RDF (graph)."""
    if result.kind == "ask":
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": bool(result.boolean)}).encode()
        value = "true" if result.boolean else "false"
        return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head></head><boolean>{value}</boolean></sparql>\n").encode()
    if result.kind == "graph":
        options = {}
        if fmt in ("ttl", "rdf"):
            options["prefixes"] = ALL_PREFIXES
        return ox.serialize(result.items, format=OX_GRAPH_FORMATS[fmt], **options) or b""
    names = result.vars
    width = range(len(names))
    if fmt == "json":
        bindings = []
        for sol in result.items:
            row = {}
            for i in width:
                term = sol[i]
                if term is not None:
                    row[names[i]] = term_json(term)
            bindings.append(row)
        return json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}},
                          ensure_ascii=False, separators=(",", ":")).encode()
    if fmt == "xml":
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
        out.extend(f"<variable name={quoteattr(n)}/>" for n in names)
        out.append("</head><results>")
        for sol in result.items:
            out.append("<result>")
            for i in width:
                term = sol[i]
                if term is not None:
                    out.append(f"<binding name={quoteattr(names[i])}>{term_xml(term)}</binding>")
            out.append("</result>")
        out.append("</results></sparql>\n")
        return "".join(out).encode()
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(names)
        for sol in result.items:
            writer.writerow([term_csv(sol[i]) for i in width])
        return buffer.getvalue().encode()
    if fmt == "tsv":
        lines = ["\t".join(f"?{n}" for n in names)]
        for sol in result.items:
            lines.append("\t".join("" if sol[i] is None else str(sol[i]) for i in width))
        return ("\n".join(lines) + "\n").encode()
    raise ValueError(f"unknown results format {fmt!r}")


# ---------------------------------------------------------------- content negotiation

def negotiate(kind: str | None, requested: str | None) -> str:
    """The format to answer in: ``format=`` first, else the Accept header; "html" for a
    browser. Aborts with 400 for an unknown format= value, 406 when nothing offered fits."""
    offered = formats_for(kind) if kind else {}
    if requested:
        name = requested.strip().lower()
        if name == "html":
            return "html"
        if kind is None:
            abort(400, "format= needs a query")
        name = ALIASES[kind].get(name, name)
        by_type = {media: f for f, (media, _) in offered.items()} | EXTRA_TYPES[kind]
        name = by_type.get(name.split(";")[0].strip(), name)
        if name not in offered:
            known = ", ".join(offered)
            abort(406 if _known_anywhere(name) else 400,
                  f"a {kind_label(kind)} result cannot be given as {requested!r} (formats: {known})")
        return name
    if not request.headers.get("Accept"):
        return next(iter(offered)) if offered else "html"
    accept = request.accept_mimetypes
    choices = [(media, f) for f, (media, _) in offered.items()]
    choices += [(media, f) for media, f in EXTRA_TYPES.get(kind, {}).items()]
    choices.append(("text/html", "html"))
    best = accept.best_match([media for media, _ in choices])  # ties: the first, not HTML
    if best is None:
        wanted = request.headers.get("Accept", "")
        abort(406, f"none of the media types in Accept: {wanted} is offered for a "
                   f"{kind_label(kind)} result (offered: "
                   + ", ".join(media for media, _ in offered.values()) + ")")
    return dict(choices)[best]


def _known_anywhere(name: str) -> bool:
    return name in SELECT_FORMATS or name in GRAPH_FORMATS


def kind_label(kind: str | None) -> str:
    return {"select": "SELECT", "ask": "ASK", "graph": "CONSTRUCT/DESCRIBE"}.get(kind or "", "query")


ALL_MEDIA = [m for table in (SELECT_FORMATS, GRAPH_FORMATS) for m, _ in table.values()] + [
    m for table in EXTRA_TYPES.values() for m in table]


def wants_page(fmt: str | None) -> bool:
    """Whether to answer with the query page: ``format=html``, or an Accept header that
    prefers text/html to every result type (a browser; ``*/*`` alone is not one)."""
    if fmt is not None:
        return fmt.strip().lower() == "html"
    return preferred([*ALL_MEDIA, "text/html"], default=ALL_MEDIA[0]) == "text/html"
