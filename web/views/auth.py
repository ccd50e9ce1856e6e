"""Log in and log out (``/login``, ``/logout``). Who is asking and what they may do —
sessions, API tokens, ``requires`` — is web/auth.py."""
from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, session, url_for

from kb.accounts.users import LoginThrottled

from .. import auth, csrf
from ..auth import SESSION_FINGERPRINT, SESSION_USER, get_users, safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.values.get("next"))
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
    """Who is asking (web/auth.py: users, sessions, tokens, CSRF), then these pages; the
    login form is CSRF-checked even without a session cookie."""
    auth.init_app(app)
    csrf.always_check("auth.login")
    app.register_blueprint(bp)
