"""Who is asking, and what they may do (the login and logout pages are
web/views/auth.py).

Accounts live in kb.users (``claimkb user add NAME --role editor``). A browser logs in
at /login and is remembered in the signed Flask session (its user name and a
fingerprint of the password hash, so a password change logs out other sessions; the
role is read afresh on every request). API clients send ``Authorization: Bearer
<token>`` (``claimkb user token NAME``) and need no CSRF token.

Permissions are declared on the views, not checked inside them::

    @bp.post("/articles/<article_id>/claims")
    @requires("editor")
    def create(article_id): ...

Anonymous: a browser GET is redirected to /login?next=…; anything else is 403.
Logged in without the role: 403. ``init_app`` also installs CSRF protection
(web/csrf.py).
"""
from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import Flask, current_app, g, redirect, request, session, url_for

from kb.accounts.users import ROLES, User, Users
from kb.errors import NotFound

from . import csrf
from .errors import error_response
from .render import wants_data

EXTENSION = "claimkb_users"
SESSION_USER = "user"
SESSION_FINGERPRINT = "user_fp"


def get_users() -> Users:
    return current_app.extensions[EXTENSION]


def current_user() -> User | None:
    """The user making this request (session or API token), or None."""
    return g.get("user")


def load_user():
    """Before every request: who is asking (an API token, else the session)."""
    g.user = None
    g.auth_method = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return error_response(401, "unsupported Authorization header: send "
                                       "'Authorization: Bearer <token>'",
                                  headers={"WWW-Authenticate": 'Bearer realm="claimkb"'})
        user = get_users().authenticate_token(token.strip())
        if user is None:
            return error_response(401, "invalid or revoked API token",
                                  headers={"WWW-Authenticate":
                                           'Bearer realm="claimkb", error="invalid_token"'})
        g.user, g.auth_method = user, "token"
        return None
    name = session.get(SESSION_USER)
    if name:
        try:
            user = get_users().get_user(name)
        except NotFound:
            user = None
        if user is None or session.get(SESSION_FINGERPRINT) != user.fingerprint:
            session.pop(SESSION_USER, None)
            session.pop(SESSION_FINGERPRINT, None)
            return None
        g.user, g.auth_method = user, "session"
    return None


def requires(role: str):
    """Decorator: the view needs a user with ``role`` (or a higher one)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user()
            if user is None:
                if request.method in ("GET", "HEAD") and not wants_data():
                    return redirect(url_for("auth.login", next=here()))
                return error_response(403, f"log in as {a_or_an(role)} {role} to do this")
            if not user.can(role):
                return error_response(403, f"this needs the {role} role; {user.name} is "
                                           f"{a_or_an(user.role)} {user.role}")
            return view(*args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorator


def a_or_an(word: str) -> str:
    """The article before ``word``: an editor, a reader."""
    return "an" if word[:1] in "aeiou" else "a"


def here() -> str:
    """This request's path with its query string: where to come back to."""
    return request.full_path if request.query_string else request.path


def safe_next(target: str | None) -> str:
    """``target`` when it is a path on this site — never another host, nor a
    scheme-relative //host, nor /login or /logout — else the home page."""
    if not target:
        return url_for("home.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target or parts.path in ("/login", "/logout"):
        return url_for("home.index")
    return target


def init_app(app: Flask) -> None:
    """The users, who is asking (before every request), CSRF, and what templates know of
    the user (``current_user``, ``roles``)."""
    app.extensions[EXTENSION] = Users.for_settings(app.config["CLAIMKB_SETTINGS"])
    # who is asking first, so that the CSRF check knows token-authenticated requests
    app.before_request(load_user)
    csrf.init_app(app)
    app.jinja_env.globals["roles"] = ROLES

    @app.context_processor
    def user_context():
        return {"current_user": g.get("user")}
