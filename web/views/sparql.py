"""/sparql: a read-only SPARQL 1.1 Protocol endpoint, and the query page (YASGUI).

Requests (SPARQL 1.1 Protocol, section 2.1): GET ``?query=``; POST
``application/x-www-form-urlencoded`` with ``query=``; POST ``application/sparql-query``
with the query as the body. ``default-graph-uri`` / ``named-graph-uri`` (repeatable)
replace the query's dataset. Answers: SELECT / ASK as SPARQL JSON, XML, CSV or TSV;
CONSTRUCT / DESCRIBE as Turtle, N-Triples, JSON-LD or RDF/XML — by the Accept header,
or by ``format=`` (for download links). A browser (Accept preferring text/html) gets
the query page instead: YASGUI served from web/static/vendor, a plain form and an HTML
results table without JavaScript, and the gallery of canned queries
(kb/queries/gallery/*.rq). The request is read in web/forms/sparql.py (as is the
gallery), the answer written in web/presenters/sparql.py.

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

import threading

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask import Blueprint, Flask, Response, abort, current_app, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from kb.errors import KBError, QueryError
from kb.store import sparql as kb_sparql
from kb.store.sandbox import AllBusy, Answer, OverBudget, QueryRunner, runner_for

from ..context import get_kb, get_settings
from ..errors import error_body, error_response, status_for
from ..forms.sparql import ProtocolRequest, defaults, fill, gallery, gallery_entry, parse_request, prologue
from ..presenters.sparql import (KIND_OF_FORM, formats_for, iri_href, iri_label, negotiate, serialize,
                                 term_kind, wants_page)
from ..render import choose
from ..vocabulary import ALL_PREFIXES

bp = Blueprint("sparql", __name__)

HTML_ROWS = 1000  # the HTML table shows at most this many rows (downloads: sparql_max_rows)


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
        # the results tables link the KB's own IRIs (under the base) to this server
        "baseIri": settings.base_iri,
        "siteRoot": request.url_root,
    }
    html = render_template(
        "sparql/index.html", query=text, ran=query is not None, kind=kind, result=result,
        error=error, gallery=gallery(), gallery_defaults={e.name: defaults(e) for e in gallery()},
        downloads=downloads(text, kind) if (query and kind) else [],
        permalink=permalink(query), config=config, html_rows=min(HTML_ROWS, settings.sparql_max_rows),
        max_rows=settings.sparql_max_rows, prefixes=ALL_PREFIXES, dataset=dataset,
        term_kind=term_kind,
        iri_label=lambda iri: iri_label(iri, settings.base_iri),
        iri_href=lambda iri: iri_href(iri, settings.base_iri, request.url_root),
    )
    response = Response(html, status, mimetype="text/html")
    response.headers["Vary"] = "Accept"
    return response


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
        return page(proto.query, error=error_body(status_for(exc), str(exc)), status=status_for(exc),
                    dataset=dataset)
    except HTTPException as exc:
        return page(proto.query, error=error_body(exc.code or 500, exc.description or exc.name, exc.name),
                    status=exc.code or 500, dataset=dataset)
    return page(proto.query, kind=kind, result=result, dataset=dataset)


@bp.get("/sparql/gallery", endpoint="gallery")
def gallery_page():
    """The canned queries, each with its parameter form (HTML), or as JSON."""
    entries = gallery()
    if request.args.get("format") == "json" or choose(None) == "json":
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


__all__ = ["bp", "init_app"]
