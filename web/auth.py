"""Log in, log out, who is asking, and what they may do.

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

from flask import (Blueprint, Flask, current_app, flash, g, redirect, render_template,
                   request, session, url_for)

from kb.errors import NotFound
from kb.accounts.users import ROLES, LoginThrottled, User, Users

from . import csrf
from .errors import error_response, wants_data

bp = Blueprint("auth", __name__)

EXTENSION = "claimkb_users"
SESSION_USER = "user"
SESSION_FINGERPRINT = "user_fp"


def get_users() -> Users:
    return current_app.extensions[EXTENSION]


def current_user() -> User | None:
    """The user making this request (session or API token), or None."""
    return g.get("user")


def api_client() -> bool:
    """Whether to answer in JSON: an API client (Authorization header, JSON body) or a
    request that asks for data (web/errors.py's wants_data)."""
    return bool(request.headers.get("Authorization")) or request.is_json or wants_data()


def deny(status: int, message: str, headers: dict | None = None):
    """An error response in the app's one shape; JSON for API clients."""
    if api_client():
        body = {"ok": False, "status": status, "title": _title(status), "error": message}
        return body, status, headers or {}
    return error_response(status, message, headers=headers)


def _title(status: int) -> str:
    from werkzeug.http import HTTP_STATUS_CODES

    return HTTP_STATUS_CODES.get(status, "Error")


def _load_user():
    g.user = None
    g.auth_method = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return deny(401, "unsupported Authorization header: send "
                             "'Authorization: Bearer <token>'",
                        headers={"WWW-Authenticate": 'Bearer realm="claimkb"'})
        user = get_users().authenticate_token(token.strip())
        if user is None:
            return deny(401, "invalid or revoked API token",
                        headers={"WWW-Authenticate": 'Bearer realm="claimkb", error="invalid_token"'})
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
                if request.method in ("GET", "HEAD") and not api_client():
                    return redirect(url_for("auth.login", next=_here()))
                return deny(403, f"log in as {a_or_an(role)} {role} to do this")
            if not user.can(role):
                return deny(403, f"this needs the {role} role; {user.name} is "
                                 f"{a_or_an(user.role)} {user.role}")
            return view(*args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorator


def a_or_an(word: str) -> str:
    """The article before ``word``: an editor, a reader."""
    return "an" if word[:1] in "aeiou" else "a"


def _here() -> str:
    path = request.full_path if request.query_string else request.path
    return path


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never another host, nor a scheme-relative //host."""
    if not target:
        return url_for("home.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target or parts.path in ("/login", "/logout"):
        return url_for("home.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("auth/login.html", next=next_url, name="", error=None)
    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    try:
        user = get_users().authenticate(name, password)
    except LoginThrottled as exc:
        return render_template("auth/login.html", next=next_url, name=name,
                               error=str(exc)), 429, {"Retry-After": str(exc.retry_after)}
    if user is None:
        return render_template("auth/login.html", next=next_url, name=name,
                               error="wrong user name or password"), 401
    session.clear()
    session[SESSION_USER] = user.name
    session[SESSION_FINGERPRINT] = user.fingerprint
    csrf.rotate()
    flash(f"logged in as {user.name} ({user.role})")
    return redirect(next_url)


@bp.post("/logout")
def logout():
    session.clear()
    csrf.rotate()
    flash("logged out")
    return redirect(url_for("home.index"))


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = Users.for_settings(app.config["CLAIMKB_SETTINGS"])
    # who is asking first, so that the CSRF check knows token-authenticated requests
    app.before_request(_load_user)
    csrf.init_app(app)
    csrf.always_check("auth.login")
    app.register_blueprint(bp)
    app.jinja_env.globals["roles"] = ROLES

    @app.context_processor
    def user_context():
        return {"current_user": g.get("user")}
