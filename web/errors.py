"""The one place kb errors (and HTTP errors) become responses.

Every error has one shape, as in Datasette: ``{"ok": false, "status": 404,
"title": "Not Found", "error": "no claim 'x'"}`` for data clients (a ``.json`` /
``.ttl`` / ``.jsonld`` URL, an Accept header that prefers JSON or RDF, or /sparql), and
the same fields rendered in templates/error.html for browsers. Nothing here lets a
Python traceback or an unescaped message reach the client.
"""
from __future__ import annotations

import logging

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from kb.errors import KBError

log = logging.getLogger(__name__)

DATA_SUFFIXES = (".json", ".ttl", ".jsonld", ".trig", ".nt", ".csv")
# the annotation UI's form actions (web/annotate.py) under /annotations/: browser pages
BROWSER_FORMS = ("/reply", "/edit", "/delete")
DATA_TYPES = ("application/json", "application/ld+json", "text/turtle",
              "application/sparql-results+json", "application/n-triples")


def wants_data() -> bool:
    """Whether this request should get its error as JSON rather than HTML."""
    if request.path.endswith(DATA_SUFFIXES) or request.path.startswith("/sparql"):
        return True
    if request.path.startswith("/annotations") and not request.path.endswith(BROWSER_FORMS):
        return True   # the W3C Web Annotation Protocol (web/annotations_api.py)
    if request.headers.get("Authorization") or request.is_json:
        return True  # API clients (tokens, JSON bodies) get data, whatever they Accept
    best = request.accept_mimetypes.best_match(("text/html", *DATA_TYPES))
    return best is not None and best != "text/html"


def error_response(status: int, message: str, title: str | None = None, headers=None):
    title = title or _title(status)
    body = {"ok": False, "status": status, "title": title, "error": message}
    if wants_data():
        response = (body, status)
    else:
        response = (render_template("error.html", **body), status)
    if headers:
        response = (*response, headers)
    return response


def _title(status: int) -> str:
    from werkzeug.http import HTTP_STATUS_CODES

    return HTTP_STATUS_CODES.get(status, "Error")


def init_app(app: Flask) -> None:
    @app.errorhandler(KBError)
    def kb_error(exc: KBError):
        status = exc.http_status if exc.http_status != 500 else 500
        if status >= 500:
            log.warning("%s: %s", type(exc).__name__, exc)
        return error_response(status, str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        headers = None
        if exc.code == 405 and exc.valid_methods:
            headers = {"Allow": ", ".join(exc.valid_methods)}
        message = exc.description or _title(exc.code or 500)
        if exc.code == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            message = f"the request body is larger than the {limit:,}-byte limit"
        return error_response(exc.code or 500, message, exc.name, headers)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):  # pragma: no cover - handled above
            return http_error(exc)
        log.exception("unexpected error on %s %s", request.method, request.path)
        if app.testing and app.config.get("PROPAGATE_UNEXPECTED", True):
            raise exc
        return error_response(500, InternalServerError.description)
