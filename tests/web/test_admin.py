"""Admins manage users in the web UI (web/views/admin.py, templates/admin/users.html): the
routes' permissions, CSRF, every action, refusing self-demotion and self-removal, bad
input changing nothing, escaping, and the JSON answers for API clients."""
from __future__ import annotations

import re

import pytest

from tests.web.test_auth import CSRF_MESSAGE, PASSWORD, client_for, csrf_from, login

NEW_PASSWORD = "a brand new pass phrase"


@pytest.fixture
def users(app):
    users = app.extensions["claimkb_users"]
    users.add_user("ada", PASSWORD, "admin")
    for name, role in (("rita", "reader"), ("annie", "annotator"), ("eddie", "editor")):
        users.add_user(name, PASSWORD, role)
    return users


@pytest.fixture
def admin(app, users):
    return client_for(app, "ada")


def token(client) -> str:
    return csrf_from(client.get("/admin/users").get_data(as_text=True))


def snapshot(users) -> list:
    """Everything an admin action could change: names, roles, passwords, tokens."""
    return [(u.name, u.role, u.fingerprint, len(users.list_tokens(u.name)))
            for u in users.list_users()]


ROUTES = [("/admin/users", {"name": "zed", "role": "reader", "password": NEW_PASSWORD}),
          ("/admin/users/rita/role", {"role": "admin"}),
          ("/admin/users/rita/password", {"password": NEW_PASSWORD}),
          ("/admin/users/rita/tokens/revoke", {}),
          ("/admin/users/rita/remove", {})]


# ---------------------------------------------------------------------- permissions

def test_anonymous_is_sent_to_log_in_or_refused(app, users):
    client = app.test_client()
    for path in ("/admin/users", "/admin/users.json"):
        response = client.get(path)
        if path.endswith(".json"):
            assert response.status_code == 403
        else:
            assert response.status_code == 302
            assert response.headers["Location"].startswith("/login?next=/admin/users")
    before = snapshot(users)
    for path, data in ROUTES:
        assert client.post(path, data=data).status_code == 403, path
    assert snapshot(users) == before


@pytest.mark.parametrize("name", ["rita", "annie", "eddie"])
def test_only_admins_get_any_route(app, users, name):
    client = client_for(app, name)
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/users.json").status_code == 403
    csrf = csrf_from(client.get("/").get_data(as_text=True))
    before = snapshot(users)
    for path, data in ROUTES:
        response = client.post(path, data={**data, "csrf_token": csrf})
        assert response.status_code == 403, path
        assert "this needs the admin role" in response.get_data(as_text=True)
    assert snapshot(users) == before
    assert ">Users</a>" not in client.get("/").get_data(as_text=True)


def test_api_token_of_a_non_admin_is_403(app, users):
    headers = {"Authorization": f"Bearer {users.create_token('eddie')}"}
    client = app.test_client()
    assert client.get("/admin/users", headers=headers).status_code == 403
    response = client.post("/admin/users/rita/remove", headers=headers)
    assert response.status_code == 403 and response.get_json()["ok"] is False
    assert users.get_user("rita")


def test_missing_csrf_token_is_400(admin, users):
    before = snapshot(users)
    for path, data in ROUTES:
        response = admin.post(path, data=data)
        assert response.status_code == 400, path
        assert CSRF_MESSAGE in response.get_data(as_text=True)
        response = admin.post(path, data={**data, "csrf_token": "forged"})
        assert response.status_code == 400, path
    assert snapshot(users) == before


# ---------------------------------------------------------------------- the page

def test_admin_sees_the_users_and_the_nav_link(admin, users):
    users.create_token("eddie")
    users.create_token("eddie")
    home = admin.get("/").get_data(as_text=True)
    assert '<a href="/admin/users">Users</a>' in home
    response = admin.get("/admin/users")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for name in ("ada", "rita", "annie", "eddie"):
        assert f'data-user="{name}"' in page
    assert "scrypt$" not in page
    # no remove button and no role form for oneself
    assert 'action="/admin/users/ada/remove"' not in page
    assert 'action="/admin/users/ada/role"' not in page
    assert 'action="/admin/users/rita/remove"' in page
    assert 'action="/admin/users/eddie/tokens/revoke"' in page
    assert 'action="/admin/users/rita/tokens/revoke"' not in page   # she has none


def test_json_twin_never_shows_hashes(admin, users):
    secret = users.create_token("eddie", "importer")
    response = admin.get("/admin/users.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    rows = {u["name"]: u for u in body["users"]}
    assert set(rows) == {"ada", "rita", "annie", "eddie"}
    assert set(rows["eddie"]) == {"name", "role", "created", "tokens"}
    assert (rows["eddie"]["role"], rows["eddie"]["tokens"]) == ("editor", 1)
    text = response.get_data(as_text=True)
    assert "scrypt" not in text and secret not in text and "password" not in text
    accept = admin.get("/admin/users", headers={"Accept": "application/json"})
    assert accept.mimetype == "application/json" and accept.get_json() == body


# ---------------------------------------------------------------------- the actions

def test_add_a_user(app, admin, users):
    response = admin.post("/admin/users", data={
        "name": "newbie", "role": "annotator", "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD, "csrf_token": token(admin)})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/users"
    assert "added newbie (annotator)" in admin.get("/admin/users").get_data(as_text=True)
    assert users.get_user("newbie").role == "annotator"
    assert users.authenticate("newbie", NEW_PASSWORD) is not None


@pytest.mark.parametrize("fields, message", [
    ({"name": "with space"}, "not a valid user name"),
    ({"name": "-dash"}, "not a valid user name"),
    ({"password": "short"}, "too short"),
    ({"password": "aaaaaaaaaaaa", "password_confirm": "aaaaaaaaaaaa"}, "too weak"),
    ({"role": "boss"}, "unknown role"),
    ({"password_confirm": "something else entirely"}, "the two passwords differ"),
    ({"name": "RITA"}, "exists already"),
])
def test_add_bad_input_is_400_and_writes_nothing(admin, users, fields, message):
    before = snapshot(users)
    data = {"name": "zed", "role": "editor", "password": NEW_PASSWORD,
            "password_confirm": fields.get("password", NEW_PASSWORD), **fields,
            "csrf_token": token(admin)}
    response = admin.post("/admin/users", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html" and 'role="alert"' in page
    assert message in page
    assert snapshot(users) == before
    if fields.get("name", "zed") == "zed":
        assert 'name="name" value="zed"' in page     # the form keeps what was typed
    assert NEW_PASSWORD not in page and "aaaaaaaaaaaa" not in page  # never echoed


def test_a_script_tag_in_a_name_is_refused_and_shown_escaped(admin, users):
    script = '<script>alert("x")</script>'
    response = admin.post("/admin/users", data={"name": script, "role": "reader",
                                                "password": NEW_PASSWORD,
                                                "csrf_token": token(admin)})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "not a valid user name" in page
    assert script not in page and "&lt;script&gt;" in page
    assert len(users.list_users()) == 4


def test_change_a_role(admin, users):
    response = admin.post("/admin/users/rita/role", data={"role": "editor",
                                                           "csrf_token": token(admin)})
    assert response.status_code == 303
    assert users.get_user("rita").role == "editor"
    assert "rita is now an editor" in admin.get("/admin/users").get_data(as_text=True)
    # names ignore case, as everywhere in kb.users
    admin.post("/admin/users/RITA/role", data={"role": "admin", "csrf_token": token(admin)})
    assert users.get_user("rita").role == "admin"


def test_role_bad_input(admin, users):
    before = snapshot(users)
    response = admin.post("/admin/users/rita/role", data={"role": "boss", "csrf_token": token(admin)})
    assert response.status_code == 400 and "unknown role" in response.get_data(as_text=True)
    response = admin.post("/admin/users/nobody/role", data={"role": "reader", "csrf_token": token(admin)})
    assert response.status_code == 404 and "no user" in response.get_data(as_text=True)
    assert snapshot(users) == before


def test_reset_a_password_ends_the_users_sessions(app, admin, users):
    rita = client_for(app, "rita")
    assert re.search(r'<span class="user">rita', rita.get("/").get_data(as_text=True))
    response = admin.post("/admin/users/rita/password", data={
        "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD, "csrf_token": token(admin)})
    assert response.status_code == 303
    assert users.authenticate("rita", PASSWORD) is None
    assert users.authenticate("rita", NEW_PASSWORD).name == "rita"
    assert '<span class="user">' not in rita.get("/").get_data(as_text=True)   # logged out


def test_reset_own_password_keeps_this_session(app, admin, users):
    other = client_for(app, "ada")
    response = admin.post("/admin/users/ada/password", data={
        "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD, "csrf_token": token(admin)})
    assert response.status_code == 303
    assert admin.get("/admin/users").status_code == 200          # still logged in here
    assert other.get("/admin/users").status_code == 302          # the other session ended


def test_password_bad_input(admin, users):
    before = snapshot(users)
    for data, status, message in (({"password": "short"}, 400, "too short"),
                                  ({"password": "rita-rita-rita"}, 400, "must not contain"),
                                  ({"password": NEW_PASSWORD, "password_confirm": "x"}, 400,
                                   "the two passwords differ")):
        response = admin.post("/admin/users/rita/password", data={**data, "csrf_token": token(admin)})
        assert response.status_code == status and message in response.get_data(as_text=True)
    response = admin.post("/admin/users/nobody/password",
                          data={"password": NEW_PASSWORD, "csrf_token": token(admin)})
    assert response.status_code == 404
    assert snapshot(users) == before


def test_revoke_all_tokens(app, admin, users):
    secrets = [users.create_token("eddie"), users.create_token("eddie")]
    response = admin.post("/admin/users/eddie/tokens/revoke", data={"csrf_token": token(admin)})
    assert response.status_code == 303
    assert "revoked 2 API tokens of eddie" in admin.get("/admin/users").get_data(as_text=True)
    assert users.list_tokens("eddie") == []
    client = app.test_client()
    for secret in secrets:
        assert client.get("/claims.json", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    response = admin.post("/admin/users/nobody/tokens/revoke", data={"csrf_token": token(admin)})
    assert response.status_code == 404


def test_remove_a_user(app, admin, users):
    rita = client_for(app, "rita")
    response = admin.post("/admin/users/rita/remove", data={"csrf_token": token(admin)})
    assert response.status_code == 303
    assert "removed rita" in admin.get("/admin/users").get_data(as_text=True)
    assert [u.name for u in users.list_users()] == ["ada", "annie", "eddie"]
    assert '<span class="user">' not in rita.get("/").get_data(as_text=True)
    response = admin.post("/admin/users/rita/remove", data={"csrf_token": token(admin)})
    assert response.status_code == 404 and "no user" in response.get_data(as_text=True)


def test_an_admin_cannot_demote_or_remove_themself(admin, users):
    before = snapshot(users)
    for path, data in (("/admin/users/ada/remove", {}), ("/admin/users/ADA/remove", {}),
                       ("/admin/users/ada/role", {"role": "editor"}),
                       ("/admin/users/ada/role", {"role": "reader"})):
        response = admin.post(path, data={**data, "csrf_token": token(admin)})
        assert response.status_code == 400, path
        page = response.get_data(as_text=True)
        assert "you cannot" in page and "ask another admin" in page
    assert snapshot(users) == before
    assert users.get_user("ada").role == "admin"
    # setting one's own role to admin again is harmless
    response = admin.post("/admin/users/ada/role", data={"role": "admin", "csrf_token": token(admin)})
    assert response.status_code == 303


def test_another_admin_may_demote_and_remove_an_admin(app, admin, users):
    users.add_user("bea", PASSWORD, "admin")
    bea = client_for(app, "bea")
    response = bea.post("/admin/users/ada/role", data={"role": "editor", "csrf_token": token(bea)})
    assert response.status_code == 303 and users.get_user("ada").role == "editor"
    assert admin.get("/admin/users").status_code == 403     # the role is read afresh
    response = bea.post("/admin/users/ada/remove", data={"csrf_token": token(bea)})
    assert response.status_code == 303
    assert [u.name for u in users.list_users() if u.role == "admin"] == ["bea"]


# ---------------------------------------------------------------------- API clients

def test_api_client_with_an_admin_token(app, users):
    headers = {"Authorization": f"Bearer {users.create_token('ada')}"}
    client = app.test_client()
    listed = client.get("/admin/users", headers=headers)
    assert listed.mimetype == "application/json"
    assert {u["name"] for u in listed.get_json()["users"]} == {"ada", "rita", "annie", "eddie"}

    response = client.post("/admin/users", headers=headers,
                           json={"name": "bot", "role": "editor", "password": NEW_PASSWORD})
    assert response.status_code == 201
    assert response.get_json() == {"ok": True, "user": {
        "name": "bot", "role": "editor", "created": users.get_user("bot").created, "tokens": 0}}

    response = client.post("/admin/users", headers=headers,
                           json={"name": "bot2", "role": "editor", "password": "short"})
    assert response.status_code == 400
    assert response.get_json()["ok"] is False and "too short" in response.get_json()["error"]

    response = client.post("/admin/users/bot/role", headers=headers, data={"role": "annotator"})
    assert response.status_code == 200 and response.get_json()["user"]["role"] == "annotator"
    users.create_token("bot")
    response = client.post("/admin/users/bot/tokens/revoke", headers=headers)
    assert response.get_json() == {"ok": True, "user": "bot", "revoked": 1}
    response = client.post("/admin/users/bot/password", headers=headers,
                           json={"password": NEW_PASSWORD + "!"})
    assert response.status_code == 200
    response = client.post("/admin/users/ada/remove", headers=headers)
    assert response.status_code == 400 and "you cannot remove yourself" in response.get_json()["error"]
    response = client.post("/admin/users/bot/remove", headers=headers)
    assert response.get_json() == {"ok": True, "removed": "bot"}
    response = client.post("/admin/users/bot/remove", headers=headers)
    assert response.status_code == 404 and response.get_json()["ok"] is False
    response = client.post("/admin/users", headers=headers, json=["not", "an", "object"])
    assert response.status_code == 400
