"""History and retraction of claims (kb/records/history.py, KnowledgeBase.write_claims /
delete_claims / retract_claim): every change keeps who, when, what changed and the
earlier version; retracted claims stay, marked, and leave the comparisons."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef

from kb.ingest import claimsfile

from kb.demo import build
from kb.errors import InputError, NotFound
from kb.model.vocab import SCHEMA

DEMO = Path(__file__).resolve().parents[3] / "kb" / "demo" / "20-other-sources.yaml"


@pytest.fixture
def demo(kb):
    build(kb, force=True)
    return kb


def _record(kb, ident: str):
    parsed = claimsfile.parse(kb, DEMO)
    return next(r for r in parsed.records if str(r.iri).endswith("/" + ident))


def test_every_created_claim_has_a_creation_record(demo):
    rows = list(demo.index.iter_claims())
    assert len(rows) > 20
    found = demo.changelog.changes_of([URIRef(r["iri"]) for r in rows])
    assert set(found) == {r["iri"] for r in rows}
    assert all([c.action for c in changes] == ["created"] for changes in found.values())


def test_rewriting_an_unchanged_claim_records_nothing(demo):
    rec = _record(demo, "eurasianet-border-length")
    demo.write_claims([rec], user="alice")
    assert [c.action for c in demo.claim_history("eurasianet-border-length")] == ["created"]


def test_an_update_keeps_who_when_what_and_the_earlier_version(demo):
    rec = _record(demo, "eurasianet-border-length")
    changed = replace(rec, statement="The Afghan-Tajik border is 1,357 km long.")
    demo.write_claims([changed], user="alice@example.org")
    latest, first = demo.claim_history("eurasianet-border-length")
    assert (latest.action, first.action) == ("updated", "created")
    assert latest.who == "alice@example.org"
    assert latest.when >= first.when
    assert latest.summary.startswith("text: The Afghan-Tajik border is 1,357 km long and has six")
    assert "→ The Afghan-Tajik border is 1,357 km long." in latest.summary
    assert "generatedAtTime" not in latest.summary
    # the earlier version parses back and holds the old statement
    ds = Dataset()
    ds.parse(data=latest.before, format="nquads")
    old = Literal("The Afghan-Tajik border is 1,357 km long and has six crossings.")
    assert list(ds.quads((rec.iri, SCHEMA.text, old, None)))
    assert demo.claim_view("eurasianet-border-length")["statement"] == changed.statement


def test_retraction_keeps_the_claim_marked_and_out_of_comparisons(demo):
    _, before = demo.comparisons.compare_claim("gi-border-length")
    assert any(v.b.endswith("/eurasianet-border-length") for v in before)
    with pytest.raises(InputError, match="reason"):
        demo.retract_claim("eurasianet-border-length", "   ")
    change = demo.retract_claim("eurasianet-border-length", "Eurasianet corrected the figure",
                                user="eddie")
    assert (change.action, change.who, change.summary) == (
        "retracted", "eddie", "Eurasianet corrected the figure")
    view = demo.claim_view("eurasianet-border-length")
    assert view["retracted"]["reason"] == "Eurasianet corrected the figure"
    assert view["retracted"]["who"] == "eddie"
    _, after = demo.comparisons.compare_claim("gi-border-length")
    assert not any(v.b.endswith("/eurasianet-border-length") for v in after)
    assert demo.comparisons.compare_claim("eurasianet-border-length") == (None, [])
    row = demo.index.get(view["claim"])
    assert row["retracted"] == 1
    with pytest.raises(InputError, match="already retracted"):
        demo.retract_claim("eurasianet-border-length", "again")
    # re-importing the claim does not undo the retraction
    demo.write_claims([_record(demo, "eurasianet-border-length")])
    assert demo.claim_view("eurasianet-border-length")["retracted"] is not None
    assert demo.index.get(view["claim"])["retracted"] == 1


def test_deleted_claims_keep_their_history(demo):
    iri = demo.claim_iri("eurasianet-border-length")
    demo.delete_claims([iri], user="eddie")
    with pytest.raises(NotFound):
        demo.claim_view("eurasianet-border-length")
    gone = demo.changelog.deleted(iri)
    assert gone is not None and gone.who == "eddie"
    assert "1,357 km" in gone.before
    assert [c.action for c in demo.claim_history("eurasianet-border-length")] == ["deleted", "created"]
    with pytest.raises(NotFound):
        demo.claim_history("no-such-claim")


def test_cli_retract_and_history(cli):
    assert cli("demo").exit_code == 0
    result = cli("retract", "eurasianet-border-length", "--reason", "corrected by the outlet")
    assert result.exit_code == 0, result.output
    result = cli("history", "eurasianet-border-length")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "retracted" in lines[2] and "corrected by the outlet" in lines[2] and "cli:" in lines[2]
    assert "created" in lines[3]
    result = cli("history", "eurasianet-border-length", "--version", "1")
    assert result.exit_code == 0 and "1,357 km" in result.output
    result = cli("history", "eurasianet-border-length", "--version", "2")
    assert result.exit_code == 2 and "keeps no earlier version" in result.output
    assert cli("retract", "eurasianet-border-length", "--reason", "again").exit_code == 2
    assert cli("history", "nope").exit_code == 3


# ---------------------------------------------------------------- web


from kb.accounts.users import Users  # noqa: E402

from tests.web.test_auth import PASSWORD, csrf_from, login  # noqa: E402


@pytest.fixture
def web(app, kb):
    build(kb, force=True)
    users = Users.for_settings(kb.settings)
    users.add_user("eddie", PASSWORD, "editor")
    users.add_user("anna", PASSWORD, "annotator")
    return app


def _retract(client, reason="the outlet corrected it"):
    page = client.get("/claims/eurasianet-border-length")
    token = csrf_from(page.get_data(as_text=True))
    return client.post("/claims/eurasianet-border-length/retract",
                       data={"reason": reason, "csrf_token": token})


def test_web_retract_needs_an_editor_and_csrf(web):
    client = web.test_client()
    assert client.post("/claims/eurasianet-border-length/retract",
                       data={"reason": "x"}).status_code == 403
    login(client, "anna")
    assert _retract(client).status_code == 403
    client = web.test_client()
    login(client, "eddie")
    assert client.post("/claims/eurasianet-border-length/retract",
                       data={"reason": "x"}).status_code == 400       # no CSRF token
    assert _retract(client, reason="  ").status_code == 400
    assert "retracted-banner" not in client.get("/claims/eurasianet-border-length").get_data(as_text=True)


def test_web_retraction_and_history_pages(web):
    client = web.test_client()
    login(client, "eddie")
    page = client.get("/claims/eurasianet-border-length").get_data(as_text=True)
    assert "Retract this claim" in page
    response = _retract(client, reason="<script>alert(1)</script> corrected")
    assert response.status_code == 303
    page = client.get("/claims/eurasianet-border-length").get_data(as_text=True)
    assert "retracted-banner" in page and "Retract this claim" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; corrected" in page and "<script>alert" not in page
    data = client.get("/claims/eurasianet-border-length.json").get_json()
    assert data["retracted"]["who"] == "eddie"
    # editing a retracted claim is refused
    assert client.get("/claims/eurasianet-border-length/edit").status_code == 400
    history = client.get("/claims/eurasianet-border-length/history.json").get_json()
    assert [c["action"] for c in history["changes"]] == ["retracted", "created"]
    html = client.get("/claims/eurasianet-border-length/history").get_data(as_text=True)
    assert "change-retracted" in html and "eddie" in html
    link = history["changes"][0]["before_url"]
    assert re.fullmatch(r"/claims/eurasianet-border-length/history/[0-9a-f]{32}\.nq", link)
    earlier = client.get(link)
    assert earlier.status_code == 200 and earlier.mimetype == "application/n-quads"
    assert "1,357 km" in earlier.get_data(as_text=True)
    assert history["changes"][1]["before_url"] is None        # a creation keeps none
    assert client.get("/claims/eurasianet-border-length/history/1.nq").status_code == 404
    assert client.get("/claims/no-such-claim/history").status_code == 404


def test_web_edit_records_the_editor(web, kb):
    client = web.test_client()
    login(client, "eddie")
    form = client.get("/claims/eurasianet-border-length/edit").get_data(as_text=True)
    token = csrf_from(form)
    fields = dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', form))
    fields.update({"csrf_token": token, "statement": "The border is 1,357 km long."})
    response = client.post("/claims/eurasianet-border-length/edit", data=fields)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    latest = kb.claim_history("eurasianet-border-length")[0]
    assert latest.action == "updated" and latest.who == "eddie"
    assert "The border is 1,357 km long." in latest.summary


def test_web_retract_with_a_json_body_that_is_not_an_object_is_400(web):
    """Regression: a JSON array or string as the body was a 500 (list has no .get)."""
    users = Users.for_settings(web.extensions["claimkb"].settings)
    headers = {"Authorization": f"Bearer {users.create_token('eddie')}"}
    client = web.test_client()
    for body in ('["the outlet corrected it"]', '"the outlet corrected it"', "null", "{"):
        response = client.post("/claims/eurasianet-border-length/retract", data=body,
                               content_type="application/json", headers=headers)
        assert response.status_code == 400, response.get_data(as_text=True)
        assert "JSON object" in response.get_json()["error"]
    assert not web.extensions["claimkb"].is_retracted(
        web.extensions["claimkb"].claim_iri("eurasianet-border-length"))
    ok = client.post("/claims/eurasianet-border-length/retract",
                     json={"reason": "the outlet corrected it"}, headers=headers)
    assert ok.status_code == 200 and ok.get_json()["retracted"]["action"] == "retracted"
