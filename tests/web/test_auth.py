"""Accounts (kb.users), `claimkb user`, login/logout, CSRF and API tokens (web/auth.py,
web/csrf.py), on a fresh KB and a real users.sqlite."""
from __future__ import annotations

import json
import re
import sqlite3

import pytest

from kb.errors import InputError, NotFound
from kb.accounts.users import FREE_FAILURES, ROLES, LoginThrottled, Users
from web.errors import status_for

PASSWORD = "correct horse battery"
CSRF_MESSAGE = "CSRF token missing or invalid"


# ---------------------------------------------------------------------- helpers

def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def nav_user(client) -> str | None:
    """The "name (role)" the page header shows, or None when logged out."""
    match = re.search(r'<span class="user">([^<]*)</span>', client.get("/").get_data(as_text=True))
    return match.group(1) if match else None


def login(client, name: str, password: str = PASSWORD, next_url: str | None = None):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    data = {"name": name, "password": password, "csrf_token": token}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/login", data=data)


def client_for(app, name: str | None):
    """A test client logged in as ``name`` (anonymous for None)."""
    client = app.test_client()
    if name:
        assert login(client, name).status_code == 302
    return client


@pytest.fixture
def users(app) -> Users:
    return app.extensions["claimkb_users"]


@pytest.fixture
def editor(users):
    return users.add_user("eddie", PASSWORD, "editor")


# ---------------------------------------------------------------------- kb.users

def test_password_is_stored_as_a_salted_scrypt_hash(tmp_path):
    users = Users(tmp_path / "users.sqlite")
    users.add_user("alice", PASSWORD, "editor")
    users.add_user("bob", PASSWORD, "reader")
    with sqlite3.connect(tmp_path / "users.sqlite") as db:
        rows = dict(db.execute("SELECT name, password FROM users").fetchall())
    db.close()
    assert all(PASSWORD not in stored for stored in rows.values())
    assert rows["alice"].startswith("scrypt$16384$8$1$")
    assert rows["alice"] != rows["bob"]  # same password, different salts


def test_authenticate(tmp_path):
    users = Users(tmp_path / "users.sqlite")
    users.add_user("alice", PASSWORD, "annotator")
    user = users.authenticate("alice", PASSWORD)
    assert (user.name, user.role) == ("alice", "annotator")
    assert users.authenticate("ALICE", PASSWORD).name == "alice"  # names ignore case
    assert users.authenticate("alice", PASSWORD + "x") is None
    assert users.authenticate("alice", "") is None
    assert users.authenticate("nobody", PASSWORD) is None
    assert users.authenticate("../etc", PASSWORD) is None


def test_roles_are_ordered(tmp_path):
    users = Users(tmp_path / "users.sqlite")
    assert ROLES == ("reader", "annotator", "editor", "admin")
    for role in ROLES:
        users.add_user(f"u-{role}", PASSWORD, role)
    editor = users.get_user("u-editor")
    assert editor.can("reader") and editor.can("annotator") and editor.can("editor")
    assert not editor.can("admin")
    assert not users.get_user("u-reader").can("annotator")
    assert users.get_user("u-admin").can("editor")
    with pytest.raises(InputError, match="unknown role 'boss'"):
        editor.can("boss")


@pytest.mark.parametrize("name, password, role, message", [
    ("", PASSWORD, "reader", "not a valid user name"),
    ("with space", PASSWORD, "reader", "not a valid user name"),
    ("-dash", PASSWORD, "reader", "not a valid user name"),
    ("x" * 65, PASSWORD, "reader", "not a valid user name"),
    ("carol", "short", "reader", "too short"),
    ("carol", "aaaaaaaaaaaa", "reader", "too weak"),
    ("carol", "carol-is-great", "reader", "must not contain the user name"),
    ("carol", "x" * 2000, "reader", "too long"),
    ("carol", PASSWORD, "boss", "unknown role 'boss'"),
])
def test_bad_input_is_refused(tmp_path, name, password, role, message):
    users = Users(tmp_path / "users.sqlite")
    with pytest.raises(InputError, match=message):
        users.add_user(name, password, role)
    assert users.list_users() == []


def test_manage_users(tmp_path):
    users = Users(tmp_path / "users.sqlite")
    users.add_user("bob", PASSWORD)
    users.add_user("Alice", PASSWORD, "admin")
    with pytest.raises(InputError, match="exists already"):
        users.add_user("alice", PASSWORD)
    assert [(u.name, u.role) for u in users.list_users()] == [("Alice", "admin"), ("bob", "reader")]
    assert users.set_role("bob", "editor").role == "editor"
    with pytest.raises(InputError, match="unknown role"):
        users.set_role("bob", "god")
    before = users.get_user("bob").fingerprint
    users.set_password("bob", "a new pass phrase")
    assert users.get_user("bob").fingerprint != before
    assert users.authenticate("bob", PASSWORD) is None
    assert users.authenticate("bob", "a new pass phrase").role == "editor"
    with pytest.raises(InputError, match="too short"):
        users.set_password("bob", "x")
    users.remove_user("bob")
    for call in (lambda: users.get_user("bob"), lambda: users.remove_user("bob"),
                 lambda: users.set_role("bob", "reader"), lambda: users.create_token("bob")):
        with pytest.raises(NotFound, match="no user 'bob'"):
            call()


def test_tokens(tmp_path):
    path = tmp_path / "users.sqlite"
    users = Users(path)
    users.add_user("bot", PASSWORD, "editor")
    token = users.create_token("bot", "importer")
    other = users.create_token("bot")
    assert token.startswith("ckb_") and len(token) > 40 and token != other
    assert users.authenticate_token(token).name == "bot"
    assert users.authenticate_token(token + "x") is None
    assert users.authenticate_token("") is None
    assert users.authenticate_token(PASSWORD) is None
    with sqlite3.connect(path) as db:
        dump = "\n".join(db.iterdump())
    db.close()
    assert token not in dump and token[4:] not in dump  # only its hash is kept
    listed = users.list_tokens("bot")
    assert [t.label for t in listed] == ["importer", None]
    assert listed[0].last_used is not None and listed[1].last_used is None
    assert users.revoke_tokens("bot", listed[0].id) == 1
    assert users.authenticate_token(token) is None
    assert users.authenticate_token(other).name == "bot"
    with pytest.raises(NotFound):
        users.revoke_tokens("bot", 999)
    users.remove_user("bot")
    assert users.authenticate_token(other) is None
    users.add_user("bot", PASSWORD, "editor")  # a new user of the same name gets nothing
    assert users.authenticate_token(other) is None


def test_failed_logins_are_throttled(tmp_path):
    now = [1000.0]
    users = Users(tmp_path / "users.sqlite", clock=lambda: now[0])
    users.add_user("alice", PASSWORD, "editor")
    for _ in range(FREE_FAILURES):
        assert users.authenticate("alice", "wrong password!") is None
    with pytest.raises(LoginThrottled) as caught:
        users.authenticate("alice", PASSWORD)  # even the right password must wait
    assert caught.value.retry_after == 2 and status_for(caught.value) == 429
    now[0] += 2.5
    assert users.authenticate("alice", "wrong password!") is None
    with pytest.raises(LoginThrottled) as caught:
        users.authenticate("alice", PASSWORD)
    assert caught.value.retry_after == 4  # the wait doubles
    now[0] += 4.5
    assert users.authenticate("alice", PASSWORD).name == "alice"
    assert users.authenticate("alice", "wrong password!") is None  # count was reset
    assert users.authenticate("alice", PASSWORD).name == "alice"


# ---------------------------------------------------------------------- claimkb user

def test_cli_user_commands(cli):
    result = cli("user", "add", "alice", "--role", "editor", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "user alice added (editor)" in result.output
    result = cli("user", "add", "bob", "--password-stdin", input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    users = Users(cli.data_dir / "users.sqlite")
    assert users.authenticate("alice", PASSWORD).role == "editor"
    assert users.authenticate("bob", PASSWORD).role == "reader"

    listed = cli("user", "list", "--format", "json")
    assert [(u["name"], u["role"]) for u in json.loads(listed.output)] == [
        ("alice", "editor"), ("bob", "reader")]
    table = cli("user", "list").output
    assert "alice" in table and "editor" in table

    assert cli("user", "set-role", "bob", "annotator").exit_code == 0
    assert users.get_user("bob").role == "annotator"
    result = cli("user", "set-password", "bob", "--password-stdin", input="another fine pass\n")
    assert result.exit_code == 0, result.output
    assert users.authenticate("bob", "another fine pass") is not None

    token = cli("user", "token", "alice", "--label", "ci")
    assert token.exit_code == 0
    secret = token.stdout.strip()
    assert users.authenticate_token(secret).name == "alice"
    assert "ci" in cli("user", "token", "alice", "--list").output
    assert "1 token(s) of alice revoked" in cli("user", "token", "alice", "--revoke-all").output
    assert users.authenticate_token(secret) is None

    assert cli("user", "remove", "bob").exit_code == 0
    assert [u.name for u in users.list_users()] == ["alice"]


def test_cli_user_errors(cli):
    weak = cli("user", "add", "carol", "--password-stdin", input="short\n")
    assert weak.exit_code == 2 and "error: the password is too short" in weak.output
    mismatch = cli("user", "add", "carol", input=f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n")
    assert mismatch.exit_code == 0 and "do not match" in mismatch.output  # asked again
    again = cli("user", "add", "carol", "--password-stdin", input=f"{PASSWORD}\n")
    assert again.exit_code == 2 and "exists already" in again.output
    bad_name = cli("user", "add", "no spaces", "--password-stdin", input=f"{PASSWORD}\n")
    assert bad_name.exit_code == 2 and "not a valid user name" in bad_name.output
    assert cli("user", "add", "dave", "--role", "boss", "--password-stdin",
               input=f"{PASSWORD}\n").exit_code == 2  # click refuses the choice
    missing = cli("user", "remove", "nobody")
    assert missing.exit_code == 3 and "error: no user 'nobody'" in missing.output
    assert cli("user", "set-role", "nobody", "editor").exit_code == 3
    assert cli("user", "token", "nobody").exit_code == 3


# ---------------------------------------------------------------------- login / logout

def test_login_page_and_nav(client):
    page = client.get("/login")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="csrf_token"' in html and 'type="password"' in html
    assert ">Log in</a>" in client.get("/").get_data(as_text=True)


def test_login_and_logout(client, editor):
    response = login(client, "eddie", next_url="/claims?q=x")
    assert response.status_code == 302
    assert response.headers["Location"] == "/claims?q=x"
    home = client.get("/").get_data(as_text=True)
    assert "eddie (editor)" in home and "Log out" in home
    token = csrf_from(home)
    assert client.post("/logout").status_code == 400  # no CSRF token
    out = client.post("/logout", data={"csrf_token": token})
    assert out.status_code == 302
    assert nav_user(client) is None
    assert ">Log in</a>" in client.get("/").get_data(as_text=True)


def test_login_refuses_wrong_passwords_and_foreign_redirects(client, editor):
    wrong = login(client, "eddie", "not the password")
    assert wrong.status_code == 401
    html = wrong.get_data(as_text=True)
    assert "wrong user name or password" in html and 'value="eddie"' in html
    assert login(client, "nobody").status_code == 401
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        response = login(client, "eddie", next_url=target)
        assert response.headers["Location"] == "/", target


def test_login_throttles_after_failures(client, editor):
    for _ in range(FREE_FAILURES):
        assert login(client, "eddie", "not the password").status_code == 401
    throttled = login(client, "eddie")
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) >= 1
    assert "too many failed logins" in throttled.get_data(as_text=True)


def test_login_needs_the_csrf_token(app, editor):
    client = app.test_client()
    response = client.post("/login", data={"name": "eddie", "password": PASSWORD})
    assert response.status_code == 400
    assert CSRF_MESSAGE in response.get_data(as_text=True)
    assert nav_user(client) is None


def test_a_password_change_or_removal_ends_sessions(client, users, editor):
    login(client, "eddie")
    assert nav_user(client) == "eddie (editor)"
    users.set_role("eddie", "reader")  # roles are read on every request
    assert nav_user(client) == "eddie (reader)"
    users.set_password("eddie", "a brand new secret")
    assert nav_user(client) is None
    login(client, "eddie", "a brand new secret")
    assert nav_user(client) == "eddie (reader)"
    users.remove_user("eddie")
    assert nav_user(client) is None


def test_the_session_cookie_is_httponly_and_signed(client, editor):
    response = login(client, "eddie")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "eddie" not in cookie.split(";")[0].split(".")[-1]  # the signature part


# ---------------------------------------------------------------------- CSRF

def _article(kb):
    from kb.model.article import ArticleData

    kb.import_article(ArticleData(text="Headline\n\nThe border is 1,344 km long.\n",
                                  key="story", publisher="Daily Planet"))
    return "story"


def test_csrf_refusal_and_acceptance(app, client, kb, editor):
    _article(kb)
    login(client, "eddie")
    form = client.get("/articles/story/claims/new").get_data(as_text=True)
    token = csrf_from(form)
    data = {"quote": "The border is 1,344 km long."}
    for bad in ({}, {"csrf_token": ""}, {"csrf_token": token + "x"}):
        refused = client.post("/articles/story/claims", data={**data, **bad},
                              headers={"Accept": "application/json"})
        assert refused.status_code == 400
        assert refused.get_json() == {"ok": False, "status": 400, "title": "Bad Request",
                                      "error": CSRF_MESSAGE}
    html_refusal = client.post("/articles/story/claims", data=data)
    assert html_refusal.status_code == 400 and CSRF_MESSAGE in html_refusal.get_data(as_text=True)
    assert kb.list_claims() == []
    accepted = client.post("/articles/story/claims", data={**data, "csrf_token": token})
    assert accepted.status_code == 303
    header = client.post("/articles/story/claims", data={**data, "statement": "Long."},
                         headers={"X-CSRF-Token": token})
    assert header.status_code == 303  # htmx sends it as a header
    assert len(kb.list_claims()) == 2


def test_csrf_token_of_another_session_is_refused(app, kb, users, editor):
    _article(kb)
    users.add_user("other", PASSWORD, "editor")
    first, second = app.test_client(), app.test_client()
    login(first, "eddie")
    login(second, "other")
    foreign = csrf_from(second.get("/articles/story/claims/new").get_data(as_text=True))
    response = first.post("/articles/story/claims",
                          data={"quote": "The border is 1,344 km long.", "csrf_token": foreign})
    assert response.status_code == 400
    assert kb.list_claims() == []


def test_sparql_is_exempt_from_csrf(client, editor):
    login(client, "eddie")
    response = client.post("/sparql", data={"query": "ASK {}"},
                           headers={"Accept": "application/sparql-results+json"})
    assert CSRF_MESSAGE not in response.get_data(as_text=True)


# ---------------------------------------------------------------------- permissions

def test_writes_need_login_and_the_role(app, client, kb, users):
    _article(kb)
    data = {"quote": "The border is 1,344 km long."}
    anonymous = client.post("/articles/story/claims", data=data,
                            headers={"Accept": "application/json"})
    assert anonymous.status_code == 403
    assert "log in as an editor" in anonymous.get_json()["error"]
    form = client.get("/articles/story/claims/new")
    assert form.status_code == 302
    assert form.headers["Location"] == "/login?next=/articles/story/claims/new"
    assert client.get("/articles/story/claims/new",
                      headers={"Accept": "application/json"}).status_code == 403

    users.add_user("rita", PASSWORD, "reader")
    login(client, "rita")
    token = csrf_from(client.get("/").get_data(as_text=True))
    reader = client.post("/articles/story/claims", data={**data, "csrf_token": token})
    assert reader.status_code == 403
    assert "needs the editor role; rita is a reader" in reader.get_data(as_text=True)
    assert client.get("/articles/story/claims/new").status_code == 403
    assert kb.list_claims() == []


def test_api_tokens(app, kb, users, editor):
    _article(kb)
    client = app.test_client()
    token = users.create_token("eddie")
    body = {"quote": "The border is 1,344 km long.", "subject": "Afghan–Tajik border",
            "property": "length", "value": "1,344 km"}
    created = client.post("/articles/story/claims", json=body,
                          headers={"Authorization": f"Bearer {token}"})
    assert created.status_code == 201, created.get_data(as_text=True)
    answer = created.get_json()
    assert answer["ok"] is True and created.headers["Location"] == answer["url"]
    assert answer["quote"]["start"] == len("Headline\n\n")
    assert kb.claim_view(answer["id"])["quote"]["exact"] == body["quote"]

    bad = client.post("/articles/story/claims", json=body,
                      headers={"Authorization": "Bearer ckb_not-a-token"})
    assert bad.status_code == 401 and "invalid or revoked" in bad.get_json()["error"]
    assert "Bearer" in bad.headers["WWW-Authenticate"]
    basic = client.post("/articles/story/claims", json=body,
                        headers={"Authorization": "Basic ZWRkaWU6eA=="})
    assert basic.status_code == 401
    users.add_user("rita", PASSWORD, "reader")
    reader = client.post("/articles/story/claims", json=body,
                         headers={"Authorization": f"Bearer {users.create_token('rita')}"})
    assert reader.status_code == 403


def test_processes_starting_together_share_one_secret_key(tmp_path):
    """Sessions and CSRF tokens signed by one process are good on the others: processes
    starting at once on a new data folder must not each write a key of their own."""
    import stat
    import threading

    from kb import load_settings
    from web import _secret_key

    settings = load_settings(env={}, data_dir=tmp_path / "fresh")
    keys, start = [], threading.Barrier(8)

    def one():
        start.wait()
        keys.append(_secret_key(settings))

    threads = [threading.Thread(target=one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    path = tmp_path / "fresh" / "secret_key"
    assert len(set(keys)) == 1 and keys[0] == path.read_text().strip() and len(keys[0]) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]
