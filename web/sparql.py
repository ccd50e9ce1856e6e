"""/sparql: a read-only SPARQL 1.1 Protocol endpoint, and the query page (YASGUI).

Requests (SPARQL 1.1 Protocol, section 2.1): GET ``?query=``; POST
``application/x-www-form-urlencoded`` with ``query=``; POST ``application/sparql-query``
with the query as the body. ``default-graph-uri`` / ``named-graph-uri`` (repeatable)
replace the query's dataset. Answers: SELECT / ASK as SPARQL JSON, XML, CSV or TSV;
CONSTRUCT / DESCRIBE as Turtle, N-Triples, JSON-LD or RDF/XML — by the Accept header,
or by ``format=`` (for download links). A browser (Accept preferring text/html) gets
the query page instead: YASGUI served from web/static/vendor, a plain form and an HTML
results table without JavaScript, and the gallery of canned queries
(kb/queries/gallery/*.rq).

Refusals, all in the app's one error shape (web/errors.py): 400 bad syntax, too long or
too deep, no query, several queries; 403 SPARQL Update in any form (``update=``,
``application/sparql-update``, an update sent as ``query=``, LOAD) and SERVICE
(federation would let anyone make this server fetch URLs); 405 other methods; 406 a
result format the query form cannot have; 415 another request media type or charset;
429 over the rate limit (setting ``sparql_rate_limit``); 503 over the time budget
(``sparql_timeout``) or when every query slot is busy. Results stop after
``sparql_max_rows`` rows or triples, and say so (``X-Claimkb-Truncated: true``).

The time budget (kb/store/sandbox.py): on the embedded store, the query runs in one of
``sparql_workers`` worker processes over a read-only view of the store; the request
waits at most ``sparql_timeout`` seconds, then the worker is killed (its CPU stops at
once) and replaced. Nothing else in the app waits for these workers, so only /sparql
can answer 503 when they are all busy. The remote backend and the in-memory store run
the query in a thread instead (the remote endpoint's HTTP timeout is the budget).
docs/sparql.md says exactly what is and is not guaranteed.
"""
from __future__ import annotations

import csv
import io
import json
import re
import threading
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib.resources import files
from xml.sax.saxutils import escape as xml_escape, quoteattr

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, abort, current_app, redirect, render_template, request, url_for
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from werkzeug.exceptions import HTTPException

from kb.store import sparql as kb_sparql
from kb.errors import KBError, QueryError
from kb.store.sandbox import AllBusy, Answer, OverBudget, QueryRunner, runner_for
from kb.model.vocab import PREFIXES

from .context import get_kb, get_settings
from .errors import error_response

bp = Blueprint("sparql", __name__)

GRAPH_PREFIX = ("meta", "https://w3id.org/claimkb/graph/")
ALL_PREFIXES = {**PREFIXES, GRAPH_PREFIX[0]: GRAPH_PREFIX[1]}
HTML_ROWS = 1000  # the HTML table shows at most this many rows (downloads: sparql_max_rows)

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


# ---------------------------------------------------------------- the request

@dataclass
class ProtocolRequest:
    query: str | None
    default_graphs: list[str] | None
    named_graphs: list[str] | None
    format: str | None


def _forbidden_update() -> None:
    abort(403, "this endpoint is read-only: SPARQL Update (and LOAD) is not accepted here")


def parse_request() -> ProtocolRequest:
    """The protocol operation in the request. Aborts with 403 for an update, 415 for an
    unsupported body type or charset, 400 for several queries or an unreadable body."""
    args = request.args
    queries = args.getlist("query")
    if "update" in args or "using-graph-uri" in args or "using-named-graph-uri" in args:
        _forbidden_update()
    if request.method == "POST":
        mimetype = request.mimetype
        charset = request.mimetype_params.get("charset")
        if mimetype == "application/sparql-update":
            _forbidden_update()
        if charset is not None and charset.lower() not in ("utf-8", "utf8"):
            abort(415, f"the request body must be UTF-8, not {charset}")
        if mimetype == "application/x-www-form-urlencoded":
            form = request.form
            if "update" in form:
                _forbidden_update()
            queries = queries + form.getlist("query")
            extra = form
        elif mimetype == "application/sparql-query":
            if queries:
                abort(400, "a query in the body and another in the URL: send one")
            try:
                queries = [request.get_data(cache=False).decode("utf-8")]
            except UnicodeDecodeError:
                abort(400, "the request body is not valid UTF-8")
            extra = None
        else:
            shown = mimetype or "no media type"
            abort(415, f"a SPARQL query is POSTed as application/x-www-form-urlencoded "
                       f"(query=...) or application/sparql-query, not {shown}")
    else:
        extra = None
    if len(queries) > 1:
        abort(400, f"{len(queries)} queries in one request: send one query parameter")

    def graphs(name: str) -> list[str]:
        values = args.getlist(name) + (extra.getlist(name) if extra is not None else [])
        return [v.strip() for v in values]

    default, named = graphs("default-graph-uri"), graphs("named-graph-uri")
    dataset_given = bool(default or named)
    fmt = args.get("format") or (extra.get("format") if extra is not None else None)
    return ProtocolRequest(queries[0] if queries else None,
                           default if dataset_given else None,
                           named if dataset_given else None, fmt)


# ---------------------------------------------------------------- the guard

def guard(text: str) -> str:
    """Check a user query before it reaches the store (kb.sparql.check_read_query, the
    check KnowledgeBase.query makes). Returns its kind: select, ask or graph.

    Raises QueryError (400) for a query too long, too deep or with no query form,
    QueryNotAllowed (403) for an update or a SERVICE pattern.
    """
    settings = get_settings()
    form = kb_sparql.check_read_query(text, settings.max_query_chars, settings.max_query_depth,
                                      settings.max_query_operators)
    return KIND_OF_FORM[form]


# ---------------------------------------------------------------- running, within a budget

class Unavailable(HTTPException):
    """503: over the time budget, or every query slot busy (with Retry-After)."""

    code = 503


def runner() -> QueryRunner:
    """This app's query runner (kb/store/sandbox.py: worker processes on an embedded
    store on disk, else threads), made on the first query."""
    app = current_app._get_current_object()
    found = app.extensions.get("claimkb_sparql_runner")
    if found is None:
        with _RUNNER_LOCK:
            found = app.extensions.get("claimkb_sparql_runner")
            if found is None:
                settings = get_settings()
                found = runner_for(get_kb().store, settings.sparql_workers,
                                   memory_bytes=settings.sparql_worker_memory_mb * 1024 * 1024)
                app.extensions["claimkb_sparql_runner"] = found
    return found


_RUNNER_LOCK = threading.Lock()


def execute(query: str, default_graphs, named_graphs, cap: int) -> Answer:
    """Run ``query`` within the time budget. Raises QueryError/StoreError, or aborts with
    503 over the budget (the work is stopped) or when every slot is busy."""
    settings = get_settings()
    budget = float(settings.sparql_timeout)
    try:
        return runner().run(query, default_graphs=default_graphs, named_graphs=named_graphs,
                            base_iri=settings.base_iri, cap=cap, budget=budget)
    except OverBudget:
        raise Unavailable(f"the query did not finish within the {budget:g}-second time "
                          "budget of this endpoint, and was stopped; add a LIMIT or narrow "
                          "it down") from None
    except AllBusy:
        raise Unavailable("every query slot of this endpoint is busy (other queries are "
                          "running); try again shortly") from None


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


# ---------------------------------------------------------------- the gallery

@dataclass
class GalleryParam:
    name: str
    kind: str  # iri, date or string
    label: str
    default: str


@dataclass
class GalleryQuery:
    name: str
    title: str
    description: str
    params: list[GalleryParam]
    body: str  # without the prefixes


_PARAM_LINE = re.compile(r'^#\s*param\s+(\w+)\s*:\s*(iri|date|string)\s+"([^"]*)"\s*(?:=\s*(.*))?$')


@lru_cache(maxsize=None)
def gallery() -> tuple[GalleryQuery, ...]:
    """The canned queries of kb/queries/gallery/*.rq, by file name. Each starts with
    comment lines: ``# title: …``, the description, and one ``# param NAME: KIND
    "LABEL" = DEFAULT`` per ``VALUES ?NAME { UNDEF }`` block ({base} in a default is
    the KB's base IRI)."""
    folder = files("kb.queries") / "gallery"
    out = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".rq"):
            continue
        text = entry.read_text(encoding="utf-8")
        title, description, params = entry.name[:-3], [], []
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            match = _PARAM_LINE.match(line)
            if match:
                name, kind, label, default = match.groups()
                params.append(GalleryParam(name, kind, label, (default or "").strip()))
            elif line.lower().startswith("# title:"):
                title = line.split(":", 1)[1].strip()
            else:
                description.append(line.lstrip("#").strip())
        out.append(GalleryQuery(entry.name[:-3], title, " ".join(description).strip(), params, text))
    return tuple(out)


def gallery_entry(name: str) -> GalleryQuery:
    for entry in gallery():
        if entry.name == name:
            return entry
    abort(404, f"no gallery query {name!r}")


def prologue() -> str:
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in ALL_PREFIXES.items())


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def param_term(param: GalleryParam, raw: str):
    """The RDF term for a form value. Raises QueryError for a value of the wrong kind."""
    value = raw.strip()
    if param.kind == "iri":
        if not _SCHEME.match(value):
            raise QueryError(f"{param.label}: {value!r} is not an absolute IRI")
        term = URIRef(value)
        kb_sparql.term_sparql(term)  # refuses characters an IRI cannot hold
        return term
    if param.kind == "date":
        try:
            return Literal(date.fromisoformat(value).isoformat(), datatype=XSD.date)
        except ValueError:
            raise QueryError(f"{param.label}: {value!r} is not a date (YYYY-MM-DD)") from None
    if len(value) > 500:
        raise QueryError(f"{param.label}: longer than 500 characters")
    return Literal(value)


def fill(entry: GalleryQuery, values: dict[str, str]) -> str:
    """The query text with each given parameter bound in its VALUES block (rdflib
    serialises the terms: IRIs checked, literals escaped); an empty value stays UNDEF.
    Raises QueryError for a bad value."""
    terms = {}
    for param in entry.params:
        raw = values.get(param.name, "")
        if raw.strip():
            terms[param.name] = param_term(param, raw)
    return kb_sparql.bind(prologue() + entry.body, **terms)


def defaults(entry: GalleryQuery) -> dict[str, str]:
    base = get_settings().base_iri
    return {p.name: p.default.replace("{base}", base) for p in entry.params}


# ---------------------------------------------------------------- views

EXAMPLE = """SELECT ?claim ?text ?publisherName ?published
WHERE {
  GRAPH meta:metadata {
    ?claim a schema:Claim ;
           schema:appearance/schema:publisher/schema:name ?publisherName .
    OPTIONAL { ?claim schema:text ?text }
    OPTIONAL { ?claim schema:datePublished ?published }
  }
}
ORDER BY DESC(?published) ?claim
LIMIT 20
"""


def permalink(query: str | None, **extra) -> str:
    return url_for("sparql.endpoint", query=query, **extra) if query else url_for("sparql.endpoint")


def downloads(query: str, kind: str) -> list[tuple[str, str]]:
    """(label, url) of the download links for ``query``'s results."""
    return [(label, url_for("sparql.endpoint", query=query, format=fmt))
            for fmt, (_, label) in formats_for(kind).items()]


def page(query: str | None, *, kind: str | None = None, result: Answer | None = None,
         error: dict | None = None, status: int = 200, dataset=None):
    settings = get_settings()
    text = query if query is not None else prologue() + EXAMPLE
    config = {
        "endpoint": url_for("sparql.endpoint", _external=True),
        "permalinkBase": url_for("sparql.endpoint"),
        "query": text,
        "prefixes": ALL_PREFIXES,
        "maxRows": settings.sparql_max_rows,
    }
    html = render_template(
        "sparql/index.html", query=text, ran=query is not None, kind=kind, result=result,
        error=error, gallery=gallery(), gallery_defaults={e.name: defaults(e) for e in gallery()},
        downloads=downloads(text, kind) if (query and kind) else [],
        permalink=permalink(query), config=config, html_rows=min(HTML_ROWS, settings.sparql_max_rows),
        max_rows=settings.sparql_max_rows, prefixes=ALL_PREFIXES, dataset=dataset,
        term_kind=term_kind,
    )
    response = Response(html, status, mimetype="text/html")
    response.headers["Vary"] = "Accept"
    return response


def _error_dict(status: int, message: str, title: str | None = None) -> dict:
    from werkzeug.http import HTTP_STATUS_CODES

    return {"status": status, "title": title or HTTP_STATUS_CODES.get(status, "Error"), "error": message}


ALL_MEDIA = [m for table in (SELECT_FORMATS, GRAPH_FORMATS) for m, _ in table.values()] + [
    m for table in EXTRA_TYPES.values() for m in table]


def wants_page(fmt: str | None) -> bool:
    """Whether to answer with the query page: ``format=html``, or an Accept header that
    prefers text/html to every result type (a browser; ``*/*`` alone is not one)."""
    if fmt is not None:
        return fmt.strip().lower() == "html"
    if not request.headers.get("Accept"):
        return False
    return request.accept_mimetypes.best_match(ALL_MEDIA + ["text/html"]) == "text/html"


@bp.route("/sparql", methods=["GET", "POST"], endpoint="endpoint")
def endpoint():
    """The SPARQL 1.1 Protocol endpoint (and, for browsers, the query page)."""
    proto = parse_request()
    browser = wants_page(proto.format)
    if proto.query is None:
        if browser:
            return page(None)
        abort(400, "no query: send query=... (GET or form POST) or a body of type "
                   "application/sparql-query; a browser gets the query page")
    if not proto.query.strip():
        raise QueryError("the query is empty")
    dataset = {"default": proto.default_graphs, "named": proto.named_graphs}
    if browser:
        return _html_run(proto, dataset)
    kind = guard(proto.query)
    fmt = negotiate(kind, proto.format)
    if fmt == "html":
        return _html_run(proto, dataset)
    settings = get_settings()
    result = execute(proto.query, proto.default_graphs, proto.named_graphs, settings.sparql_max_rows)
    body = serialize(result, fmt)
    media = formats_for(kind)[fmt][0]
    if media.startswith("text/"):
        media += "; charset=utf-8"
    response = Response(body, 200, content_type=media)
    response.headers["Vary"] = "Accept"
    response.headers["X-Claimkb-Truncated"] = "true" if result.truncated else "false"
    response.headers["X-Claimkb-Row-Limit"] = str(settings.sparql_max_rows)
    response.headers["Access-Control-Allow-Origin"] = "*"
    if proto.format:
        response.headers["Content-Disposition"] = f'attachment; filename="results.{fmt}"'
    return response


def _html_run(proto: ProtocolRequest, dataset: dict):
    """The query page with the query in the editor and its results as an HTML table
    (errors shown on the page, with their status)."""
    settings = get_settings()
    try:
        kind = guard(proto.query)
        result = execute(proto.query, proto.default_graphs, proto.named_graphs,
                         min(HTML_ROWS, settings.sparql_max_rows))
    except KBError as exc:
        return page(proto.query, error=_error_dict(exc.http_status, str(exc)), status=exc.http_status,
                    dataset=dataset)
    except HTTPException as exc:
        return page(proto.query, error=_error_dict(exc.code or 500, exc.description or exc.name, exc.name),
                    status=exc.code or 500, dataset=dataset)
    return page(proto.query, kind=kind, result=result, dataset=dataset)


@bp.get("/sparql/gallery", endpoint="gallery")
def gallery_page():
    """The canned queries, each with its parameter form (HTML), or as JSON."""
    entries = gallery()
    if request.args.get("format") == "json" or (
            request.accept_mimetypes.best_match(("text/html", "application/json")) == "application/json"):
        data = [{"name": e.name, "title": e.title, "description": e.description,
                 "params": [{"name": p.name, "kind": p.kind, "label": p.label,
                             "default": defaults(e)[p.name]} for p in e.params],
                 "url": url_for("sparql.gallery_query", name=e.name, _external=True)}
                for e in entries]
        return {"ok": True, "queries": data}
    html = render_template("sparql/gallery.html", gallery=entries,
                           gallery_defaults={e.name: defaults(e) for e in entries})
    return Response(html, 200, mimetype="text/html")


@bp.get("/sparql/gallery/<name>", endpoint="gallery_query")
def gallery_query(name: str):
    """A canned query with the form's values bound: redirects to its permalink
    (/sparql?query=...), which opens it in the editor. ``?format=`` goes along."""
    entry = gallery_entry(name)
    values = {p.name: request.args.get(p.name, "") for p in entry.params}
    if not any(k in request.args for k in values):
        values = defaults(entry)
    try:
        text = fill(entry, values)
    except QueryError as exc:
        html = render_template("sparql/gallery.html", gallery=[entry], error=str(exc),
                               gallery_defaults={entry.name: values})
        return Response(html, 400, mimetype="text/html")
    extra = {"format": request.args["format"]} if request.args.get("format") else {}
    return redirect(permalink(text, **extra), code=303)


# ---------------------------------------------------------------- set-up

def init_app(app: Flask) -> None:
    """Register the blueprint, its query runner and its rate limit (Flask-Limiter, in
    memory, per client address, setting ``sparql_rate_limit``, on /sparql only)."""
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    app.register_blueprint(bp)
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://", default_limits=[],
                      headers_enabled=True, key_prefix="claimkb-sparql")
    app.extensions["claimkb_sparql_limiter"] = limiter

    def rate() -> str:
        return app.config["CLAIMKB_SETTINGS"].sparql_rate_limit

    def message() -> str:
        return (f"too many SPARQL requests from your address (the limit is {rate()}); "
                "wait a little and try again")

    @app.errorhandler(Unavailable)
    def unavailable(exc: Unavailable):
        return error_response(503, exc.description, headers={"Retry-After": "10"})

    limiter.limit(rate, error_message=message,
                  exempt_when=lambda: request.endpoint != "sparql.endpoint")(bp)


__all__ = ["bp", "init_app", "gallery", "fill", "serialize", "negotiate"]
