"""The one place kb errors (and HTTP errors) become responses.

kb raises its own errors (kb/errors.py) and knows nothing of HTTP; ``STATUS`` below is
the one table that gives each its HTTP status. Every error has one shape, as in
Datasette: ``{"ok": false, "status": 404, "title": "Not Found", "error": "no claim
'x'"}`` (``error_body``), as JSON for data clients (web/render.py's ``wants_data``:
a ``.json`` / ``.ttl`` / ``.jsonld`` URL, an Accept header that prefers JSON or RDF,
an API client, or a protocol endpoint) and rendered in templates/error.html for
browsers. Nothing here lets a Python traceback or an unescaped message reach the client.
"""
from __future__ import annotations

import logging

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from kb.accounts.users import LoginThrottled
from kb.errors import (AllBusy, Gone, InputError, KBError, NotFound, OverBudget,
                       PermissionDenied, PreconditionFailed, QueryError, QueryNotAllowed,
                       StoreError, StoreLocked, ValidationFailed)

from .render import wants_data

log = logging.getLogger(__name__)

# kb error class → HTTP status. The first class the error is an instance of decides, so
# a subclass comes before its base (Gone before NotFound, QueryNotAllowed before
# QueryError); KBError, last, catches an error nobody listed (tests/web/test_errors.py
# checks that every kb error is listed).
STATUS: tuple[tuple[type[KBError], int], ...] = (
    (Gone, 410),                 # a NotFound: existed, was deleted
    (NotFound, 404),
    (QueryNotAllowed, 403),      # a QueryError: an update, a SERVICE pattern
    (QueryError, 400),
    (InputError, 400),
    (PermissionDenied, 403),
    (PreconditionFailed, 412),
    (ValidationFailed, 422),
    (LoginThrottled, 429),
    (StoreLocked, 503),
    (OverBudget, 503),
    (AllBusy, 503),
    (StoreError, 502),
    (KBError, 500),
)


def status_for(exc: KBError) -> int:
    """The HTTP status of a kb error (STATUS)."""
    return next(status for cls, status in STATUS if isinstance(exc, cls))


def title_for(status: int) -> str:
    return HTTP_STATUS_CODES.get(status, "Error")


def error_body(status: int, message: str, title: str | None = None) -> dict:
    """The one error shape."""
    return {"ok": False, "status": status, "title": title or title_for(status), "error": message}


def error_response(status: int, message: str, title: str | None = None, headers=None):
    """The error as JSON (data clients) or as the error page (browsers)."""
    body = error_body(status, message, title)
    if wants_data():
        response = (body, status)
    else:
        response = (render_template("error.html", **body), status)
    if headers:
        response = (*response, headers)
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(KBError)
    def kb_error(exc: KBError):
        status = status_for(exc)
        if status >= 500:
            log.warning("%s: %s", type(exc).__name__, exc)
        return error_response(status, str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        headers = None
        if exc.code == 405 and exc.valid_methods:
            headers = {"Allow": ", ".join(exc.valid_methods)}
        message = exc.description or title_for(exc.code or 500)
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
