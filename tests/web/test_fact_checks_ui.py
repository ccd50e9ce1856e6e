"""Fact-checkers' verdicts in the web UI (web/views/fact_checks.py) and the CLI export:
an editor records a verdict and sees it on the claim page, in its history and in the
exported ClaimReview; readers see it but cannot record one; bad input keeps the form;
hostile text is escaped; `claimkb export --format claimreview`."""
from __future__ import annotations

import json

import pytest

from tests.kb.services.test_fact_checks import CLAIMS, EVIDENCE
from tests.web.test_auth import PASSWORD, client_for, csrf_from

SCRIPT = "<script>alert('x')</script>"


@pytest.fixture
def loaded(kb, app, tmp_path):
    path = tmp_path / "claims.yaml"
    path.write_text(CLAIMS, encoding="utf-8")
    kb.import_file(path)
    users = app.extensions["claimkb_users"]
    users.add_user("eddie", PASSWORD, "editor")
    users.add_user("rita", PASSWORD, "reader")
    return kb


def post_verdict(client, claim="dp-border", **fields):
    page = client.get(f"/claims/{claim}").get_data(as_text=True)
    if 'name="csrf_token"' not in page:       # no form for this user: a token from the login page
        page = client.get("/login").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "value": "2", "summary": "The 2020 survey gives 1,344 km.",
            "evidence": f"{EVIDENCE}\ndp-minister", "alternate_name": "Wrong length", **fields}
    return client.post(f"/claims/{claim}/review", data=data)


def test_an_editor_records_a_verdict_and_sees_it_everywhere(loaded, app):
    eddie = client_for(app, "eddie")
    page = eddie.get("/claims/dp-border").get_data(as_text=True)
    assert 'id="verdict-form"' in page and "No verdict on this claim yet." in page
    response = post_verdict(eddie)
    assert response.status_code == 303 and response.location.endswith("/claims/dp-border#fact-check")
    page = eddie.get("/claims/dp-border").get_data(as_text=True)
    assert "Verdict recorded: Wrong length (2/5)." in page
    section = page[page.index('id="fact-check"'):]
    assert "Wrong length" in section and "The 2020 survey gives 1,344 km." in section
    assert 'href="/claims/dp-minister"' in section and EVIDENCE in section
    # the page's data twin and the verdict page's
    twin = eddie.get("/claims/dp-border.json").get_json()
    assert twin["fact_check"]["current"]["alternate_name"] == "Wrong length"
    review = eddie.get("/claims/dp-border/review.json").get_json()
    assert review["current"]["who"] == "eddie" and len(review["history"]) == 1
    # the exported markup
    markup = eddie.get("/claims/dp-border/review.jsonld")
    assert markup.status_code == 200 and markup.mimetype == "application/ld+json"
    doc = json.loads(markup.get_data(as_text=True))
    assert doc["@type"] == "ClaimReview" and doc["reviewRating"]["alternateName"] == "Wrong length"
    assert doc["url"].endswith("/claims/dp-border/review")


def test_a_revision_and_a_withdrawal_keep_the_history(loaded, app):
    eddie = client_for(app, "eddie")
    post_verdict(eddie)
    post_verdict(eddie, value="4", alternate_name="", summary="A newer survey agrees.")
    page = eddie.get("/claims/dp-border/review").get_data(as_text=True)
    assert page.count('class="status-') == 2 and "superseded" in page and "Mostly true" in page
    token = csrf_from(page)
    response = eddie.post("/claims/dp-border/review/withdraw", data={"csrf_token": token})
    assert response.status_code == 303
    review = eddie.get("/claims/dp-border/review.json").get_json()
    assert review["current"] is None and [v["status"] for v in review["history"]] == ["withdrawn", "superseded"]
    assert eddie.get("/claims/dp-border/review.jsonld").status_code == 404


def test_bad_input_shows_the_form_again_and_writes_nothing(loaded, app):
    eddie = client_for(app, "eddie")
    response = post_verdict(eddie, evidence="javascript:alert(1)", summary="kept text")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "neither an http(s) URL nor a claim" in page and "kept text" in page
    assert eddie.get("/claims/dp-border/review.json").get_json()["history"] == []
    response = post_verdict(eddie, value="9")
    assert response.status_code == 400
    api = eddie.post("/claims/dp-border/review", json={"value": 2, "summary": "s", "evidence": "x"},
                     headers={"X-CSRFToken": csrf_from(eddie.get("/claims/dp-border").get_data(as_text=True))})
    assert api.status_code == 400 and api.get_json()["error"]


def test_readers_and_anonymous_visitors_cannot_record(loaded, app):
    rita = client_for(app, "rita")
    page = rita.get("/claims/dp-border").get_data(as_text=True)
    assert 'id="verdict-form"' not in page and 'id="fact-check"' in page
    assert post_verdict(rita).status_code == 403
    anonymous = client_for(app, None)
    assert post_verdict(anonymous).status_code == 403
    assert anonymous.get("/claims/dp-border/review.json").get_json()["history"] == []


def test_the_csrf_token_is_required(loaded, app):
    eddie = client_for(app, "eddie")
    response = eddie.post("/claims/dp-border/review", data={"value": "2", "summary": "s",
                                                            "evidence": EVIDENCE})
    assert response.status_code == 400
    assert eddie.get("/claims/dp-border/review.json").get_json()["history"] == []


def test_hostile_text_is_escaped(loaded, app):
    eddie = client_for(app, "eddie")
    assert post_verdict(eddie, summary=SCRIPT, alternate_name=SCRIPT).status_code == 303
    for path in ("/claims/dp-border", "/claims/dp-border/review"):
        page = eddie.get(path).get_data(as_text=True)
        assert SCRIPT not in page and "&lt;script&gt;" in page


def test_unknown_claims_are_404(loaded, app):
    anonymous = client_for(app, None)
    for path in ("/claims/nope/review", "/claims/nope/review.json", "/claims/nope/review.jsonld"):
        assert anonymous.get(path).status_code == 404


def test_the_cli_records_shows_withdraws_and_exports(cli, tmp_path):
    path = tmp_path / "claims.yaml"
    path.write_text(CLAIMS, encoding="utf-8")
    assert cli("import", path).exit_code == 0
    assert cli("user", "add", "eddie", "--role", "editor", "--password-stdin",
               input=PASSWORD + "\n").exit_code == 0
    assert cli("user", "add", "rita", "--password-stdin", input=PASSWORD + "\n").exit_code == 0
    assert "no verdict on dp-border" in cli("verdict", "dp-border").output
    done = cli("verdict", "dp-border", "--user", "eddie", "--value", "2", "--wording", "Wrong length",
               "--summary", "The 2020 survey gives 1,344 km.", "--evidence", EVIDENCE,
               "--evidence", "dp-minister")
    assert done.exit_code == 0 and "eddie: Wrong length (2/5, Mostly false)" in done.output
    refused = cli("verdict", "dp-border", "--user", "rita", "--value", "3", "--summary", "s",
                  "--evidence", EVIDENCE)
    assert refused.exit_code != 0 and "editor" in refused.output
    bad = cli("verdict", "dp-border", "--user", "eddie", "--value", "7", "--summary", "s",
              "--evidence", EVIDENCE)
    assert bad.exit_code != 0 and "from 1" in bad.output
    shown = json.loads(cli("verdict", "dp-border", "--format", "json").output)
    assert shown["current"]["alternate_name"] == "Wrong length" and len(shown["history"]) == 1
    out = tmp_path / "reviews.jsonld"
    assert cli("export", "--format", "claimreview", "-o", out).exit_code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["@type"] == "ClaimReview" and doc["reviewRating"]["ratingValue"] == 2
    assert json.loads(cli("export", "--format", "claimreview", "--claim", "dp-border").output) == doc
    missing = cli("export", "--format", "claimreview", "--claim", "dp-minister")
    assert missing.exit_code != 0 and "no verdict" in missing.output
    assert "withdrawn" in cli("verdict", "dp-border", "--user", "eddie", "--withdraw").output
    assert json.loads(cli("export", "--format", "claimreview").output)["@graph"] == []


def test_the_facts_dossier_lists_each_claims_fact_checks(loaded, app, tmp_path):
    eddie = client_for(app, "eddie")
    post_verdict(eddie)
    review = tmp_path / "review.jsonld"
    review.write_text(json.dumps({
        "@context": "https://schema.org", "@type": "ClaimReview",
        "url": "https://factcheck.example/minister", "claimReviewed": "x",
        "author": {"@type": "Organization", "name": "Fact Desk"},
        "reviewRating": {"@type": "Rating", "alternateName": "Unproven"},
        "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "Jane Minister"}}}),
        encoding="utf-8")
    loaded.import_file(review)        # a text claim: not in the fact, so not in its dossier
    data = eddie.get("/facts/border/length.json").get_json()
    checks = {c["id"]: c["fact_checks"] for g in data["groups"] for c in g["claims"]}
    assert [f["rating"] for f in checks["dp-border"]] == ["Wrong length"]
    assert checks["dp-border"][0]["own"] is True and checks["dp-minister"] == []
    page = eddie.get("/facts/border/length").get_data(as_text=True)
    assert "Wrong length" in page and "our verdict" in page


def test_a_lone_surrogate_in_a_json_body_is_a_400_not_a_500(loaded, app):
    eddie = client_for(app, "eddie")
    token = csrf_from(eddie.get("/claims/dp-border").get_data(as_text=True))
    body = '{"value": 2, "summary": "s", "evidence": "%s", "alternate_name": "\\ud800"}' % EVIDENCE
    response = eddie.post("/claims/dp-border/review", data=body, content_type="application/json",
                          headers={"X-CSRF-Token": token})
    assert response.status_code == 400 and "not valid text" in response.get_json()["error"]
    assert eddie.get("/claims/dp-border/review.json").get_json()["history"] == []


def test_the_documented_api_records_a_verdict(loaded, app):
    """docs/fact-checks.md: JSON with the X-CSRF-Token header; evidence one per line."""
    eddie = client_for(app, "eddie")
    token = csrf_from(eddie.get("/claims/dp-border").get_data(as_text=True))
    response = eddie.post("/claims/dp-border/review", headers={"X-CSRF-Token": token},
                          json={"value": 4, "summary": "s", "evidence": f"{EVIDENCE}\ndp-minister"})
    assert response.status_code == 201
    assert len(response.get_json()["verdict"]["evidence"]) == 2


def test_the_verdict_page_offers_the_markup_only_when_there_is_some(loaded, app):
    eddie = client_for(app, "eddie")
    assert "review.jsonld" not in eddie.get("/claims/dp-border/review").headers.get("Link", "")
    post_verdict(eddie)
    link = eddie.get("/claims/dp-border/review").headers["Link"]
    assert "/claims/dp-border/review.jsonld" in link
