"""CSRF protection: a per-session token that every state-changing request must echo.

The token is a random value kept in the (signed) Flask session. Templates put it in
forms with ``{{ csrf_field() }}`` (a hidden ``csrf_token`` input); htmx and other
scripts send it in the ``X-CSRF-Token`` header (``csrf_token()`` gives the bare value).

Checked before every POST/PUT/PATCH/DELETE that could ride on a browser's cookies: a
request that carries the session cookie, and every login (so that nobody can log a
victim's browser into the attacker's account). Missing or wrong: 400 "CSRF token
missing or invalid", in the app's one error shape. Not checked:

* /sparql — a read-only protocol endpoint whose POST is a query;
* requests authenticated by an API token (``Authorization: Bearer``; web/auth.py sets
  ``g.auth_method = "token"``): a browser never adds that header on its own;
* requests without the session cookie: they carry no one's authority (a write view
  answers them 403).
"""
from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, current_app, g, request, session
from markupsafe import Markup, escape

SESSION_KEY = "_csrf"
FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EXEMPT_PATHS = ("/sparql",)
MESSAGE = "CSRF token missing or invalid"

# endpoints that are checked even without a session cookie (the login form)
ALWAYS_CHECKED: set[str] = set()


def csrf_token() -> str:
    """This session's token (created on first use)."""
    token = session.get(SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def csrf_field() -> Markup:
    """A hidden form field carrying the token."""
    return Markup('<input type="hidden" name="%s" value="%s">') % (FORM_FIELD, escape(csrf_token()))


def always_check(endpoint: str) -> None:
    """Check ``endpoint`` even for requests without a session cookie."""
    ALWAYS_CHECKED.add(endpoint)


def _exempt_path(path: str) -> bool:
    return any(path == p or path.startswith((p + "/", p + ".")) for p in EXEMPT_PATHS)


def check() -> None:
    """Abort with 400 unless this request is safe, exempt, or carries the right token."""
    if request.method not in UNSAFE or _exempt_path(request.path):
        return
    if g.get("auth_method") == "token":
        return
    has_cookie = current_app.config["SESSION_COOKIE_NAME"] in request.cookies
    if not has_cookie and request.endpoint not in ALWAYS_CHECKED:
        return
    expected = session.get(SESSION_KEY)
    sent = request.headers.get(HEADER)
    if not sent and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sent = request.form.get(FORM_FIELD)
    if not expected or not sent or not hmac.compare_digest(str(sent), str(expected)):
        abort(400, MESSAGE)


def rotate() -> None:
    """A new token (after login and logout)."""
    session[SESSION_KEY] = secrets.token_urlsafe(32)


def init_app(app: Flask) -> None:
    app.before_request(check)
    app.jinja_env.globals["csrf_field"] = csrf_field
    app.jinja_env.globals["csrf_token"] = csrf_token
