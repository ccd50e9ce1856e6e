"""Admins manage the web accounts (issue #5): what ``claimkb user`` does, in the browser.

``GET /admin/users`` (and ``.json``): every user with role, creation date and how many
API tokens they have (never a password hash nor a token hash). State-changing forms,
each a POST with the CSRF token (API clients: ``Authorization: Bearer`` of an admin,
form fields or a JSON object):

* ``POST /admin/users`` — add a user (``name``, ``role``, ``password``; the optional
  ``password_confirm`` must match it);
* ``POST /admin/users/<name>/role`` — change the role (``role``);
* ``POST /admin/users/<name>/password`` — set a new password (``password``,
  ``password_confirm``): the user's other sessions end; an admin resetting their own
  password stays logged in here;
* ``POST /admin/users/<name>/tokens/revoke`` — revoke all their API tokens;
* ``POST /admin/users/<name>/remove`` — remove the user and their tokens.

An admin cannot demote or remove themself (400), so the UI never leaves the KB without
an admin. kb.users validates names, roles and passwords; bad input re-renders the page
with the message (400, nothing written), an unknown user is 404. Success redirects
(303) back to the list with a flash; API clients get JSON.
"""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, session, url_for

from kb.errors import InputError
from kb.accounts.users import ROLES, User

from ..auth import SESSION_FINGERPRINT, a_or_an, current_user, get_users, requires
from ..errors import error_response
from ..forms import read_form
from ..presenters.users import user_row, users_page
from ..render import PAGE_FORMATS, choose, respond, wants_data

bp = Blueprint("admin", __name__)


def _row(user: User) -> dict:
    return user_row(user, len(get_users().list_tokens(user.name)))


def _data() -> dict:
    users = get_users()
    every = users.list_users()
    return users_page(every, {u.name: len(users.list_tokens(u.name)) for u in every})


FIELDS = ("name", "role", "password", "password_confirm")


def _passwords(fields) -> str:
    password = fields.get("password", "")
    confirm = fields.get("password_confirm")
    if confirm is not None and confirm != password:
        raise InputError("the two passwords differ")
    return password


def _refuse(status: int, error: str, form: dict | None = None):
    """Nothing was written: the list page again with the message (browsers), or the
    app's one error shape (API clients)."""
    if wants_data():
        return error_response(status, error)
    return respond("html", template="admin/users.html", data=_data(), status=status,
                   twins={"json": url_for("admin.users", fmt="json")},
                   error=error, form=form or {})


def _done(message: str, body: dict, status: int = 200):
    if wants_data():
        return {"ok": True, **body}, status
    flash(message)
    return redirect(url_for("admin.users"), 303)


def _target(name: str) -> User:
    """The user ``name`` names (case-insensitive), or a 404 page."""
    return get_users().get_user(name)      # NotFound → 404 (web/errors.py)


def _is_me(user: User) -> bool:
    me = current_user()
    return me is not None and me.name.lower() == user.name.lower()


@bp.get("/admin/users", defaults={"fmt": None})
@bp.get("/admin/users.<fmt>")
@requires("admin")
def users(fmt):
    fmt = choose(fmt, PAGE_FORMATS)
    if fmt == "html" and wants_data():
        fmt = "json"
    return respond(fmt, template="admin/users.html", data=_data(),
                   twins={"json": url_for("admin.users", fmt="json")}, error=None, form={})


@bp.post("/admin/users")
@requires("admin")
def add():
    fields = read_form(FIELDS)
    name, role = fields.get("name", "").strip(), fields.get("role") or "reader"
    form = {"name": name, "role": role}
    try:
        user = get_users().add_user(name, _passwords(fields), role)
    except InputError as exc:
        return _refuse(400, str(exc), form)
    return _done(f"added {user.name} ({user.role})", {"user": _row(user)}, 201)


@bp.post("/admin/users/<name>/role")
@requires("admin")
def set_role(name):
    target = _target(name)
    role = read_form(FIELDS).get("role", "")
    if _is_me(target) and role != "admin" and role in ROLES:
        return _refuse(400, f"you cannot change your own role ({target.name} would no longer "
                          "be an admin): ask another admin")
    try:
        user = get_users().set_role(target.name, role)
    except InputError as exc:
        return _refuse(400, str(exc))
    return _done(f"{user.name} is now {a_or_an(user.role)} {user.role}",
                 {"user": _row(user)})


@bp.post("/admin/users/<name>/password")
@requires("admin")
def set_password(name):
    target = _target(name)
    users_ = get_users()
    try:
        users_.set_password(target.name, _passwords(read_form(FIELDS)))
    except InputError as exc:
        return _refuse(400, f"{target.name}: {exc}")
    user = users_.get_user(target.name)
    if _is_me(user) and g.get("auth_method") == "session":
        session[SESSION_FINGERPRINT] = user.fingerprint   # this session stays, others end
    return _done(f"new password set for {user.name}; their other sessions have ended",
                 {"user": _row(user)})


@bp.post("/admin/users/<name>/tokens/revoke")
@requires("admin")
def revoke_tokens(name):
    target = _target(name)
    count = get_users().revoke_tokens(target.name)
    return _done(f"revoked {count} API token{'s' if count != 1 else ''} of {target.name}",
                 {"user": target.name, "revoked": count})


@bp.post("/admin/users/<name>/remove")
@requires("admin")
def remove(name):
    target = _target(name)
    if _is_me(target):
        return _refuse(400, f"you cannot remove yourself ({target.name}): ask another admin")
    get_users().remove_user(target.name)
    return _done(f"removed {target.name}", {"removed": target.name})
