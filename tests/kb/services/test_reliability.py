"""Publisher reliability ratings per assessor (kb/services/reliability.py, web/views/reliability.py,
`claimkb rate` / `claimkb ratings`), on a fresh KB."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from kb.services import reliability
from kb.errors import InputError, NotFound, PermissionDenied
from kb.model.iris import META
from kb.accounts.users import User
from kb.model.vocab import CKB, SCHEMA
from ontologies import VOCABULARY

from tests.web.test_auth import PASSWORD, csrf_from, login

CLAIMS = """\
claimkb: 1
articles:
  dp-1:
    publisher: Daily Planet
    published: 2021-07-05
    title: A border story
  np-1:
    title: No publisher here
    published: 2021-07-06
claims:
  - id: dp-border
    article: dp-1
    statement: The border is 1,344 km long.
    subject: border
    property: length
    value: 1,344 km
    about: 2021-07
  - id: np-border
    article: np-1
    statement: The border is 1,400 km long.
    subject: border
    property: length
    value: 1,400 km
    about: 2021-07
"""
EVIDENCE = "https://example.org/corrections-2021"
SCRIPT = "<script>alert('x')</script>"


def load_claims(kb, tmp_path: Path) -> None:
    path = tmp_path / "claims.yaml"
    path.write_text(CLAIMS, encoding="utf-8")
    kb.import_file(path)


@pytest.fixture
def publisher(kb, tmp_path):
    """The publisher "Daily Planet" (with one claim, dp-border); returns its IRI."""
    load_claims(kb, tmp_path)
    return kb.iris.publisher("Daily Planet")


def rate(kb, who="alice", value=3, reason="Mixed record.", evidence=EVIDENCE, **kw):
    return kb.reliability.rate("daily-planet", user=who, value=value, reason=reason,
                            evidence=evidence, **kw)


def at(minute: int) -> dt.datetime:
    return dt.datetime(2026, 1, 2, 10, minute, tzinfo=dt.timezone.utc)


# ---------------------------------------------------------------------- the scale

def test_scale_is_data_in_the_ontology_with_label_and_definition():
    g = Graph().parse(data=VOCABULARY.read_text(encoding="utf-8"), format="turtle")
    levels = sorted((int(g.value(s, SCHEMA.ratingValue)), s)
                    for s in g.subjects(RDF.type, CKB.ReliabilityLevel))
    assert [v for v, _ in levels] == [1, 2, 3, 4, 5]
    scale = reliability.scale()
    assert [(lv.value, lv.iri) for lv in scale] == [(v, str(s)) for v, s in levels]
    assert scale[0].label == "unreliable" and scale[-1].label == "highly reliable"
    for lv in scale:
        assert len(lv.definition) > 80 and g.value(URIRef(lv.iri), RDFS.label) is not None


def test_scale_is_documented():
    doc = (Path(__file__).resolve().parents[3] / "docs" / "reliability.md").read_text(encoding="utf-8")
    for lv in reliability.scale():
        assert f"| {lv.value} | {lv.label} |" in doc


# ---------------------------------------------------------------------- kb level

def test_rating_is_a_review_in_the_metadata_graph(kb, publisher):
    done = rate(kb, value=4, reason="Corrects errors promptly.", now=at(0))
    review = URIRef(done.iri)
    assert done.id.startswith("rating-") and str(review).startswith(kb.settings.base_iri + "annotations/")
    rows = kb.store.query(
        f"SELECT ?p ?o WHERE {{ GRAPH <{META}> {{ <{review}> ?p ?o }} }}").dicts()
    props = {(r["p"], r["o"]) for r in rows}
    assert (RDF.type, SCHEMA.Review) in props
    assert (SCHEMA.itemReviewed, publisher) in props
    assert (SCHEMA.author, kb.iris.mint("users", "alice")) in props
    assert (SCHEMA.reviewBody, Literal("Corrects errors promptly.")) in props
    assert (SCHEMA.citation, URIRef(EVIDENCE)) in props
    created = next(o for p, o in props if p == SCHEMA.dateCreated)
    assert created.datatype == XSD.dateTime and created.toPython() == at(0)
    rating = next(o for p, o in props if p == SCHEMA.reviewRating)
    rating_rows = kb.store.query(
        f"SELECT ?p ?o WHERE {{ GRAPH <{META}> {{ <{rating}> ?p ?o }} }}").dicts()
    rating_props = {(r["p"], r["o"].toPython() if isinstance(r["o"], Literal) else r["o"])
                    for r in rating_rows}
    assert {(RDF.type, SCHEMA.Rating), (SCHEMA.ratingValue, 4), (SCHEMA.worstRating, 1),
            (SCHEMA.bestRating, 5), (CKB.reliabilityLevel, CKB.MostlyReliable)} <= rating_props
    assert (done.value, done.level, done.status) == (4, "mostly reliable", "current")


@pytest.mark.parametrize("value", [0, 6, -1, "", "3.5", "three", True, None, 2.0, "99999"])
def test_value_off_the_scale_is_refused(kb, publisher, value):
    with pytest.raises(InputError, match="whole number from 1 to 5"):
        rate(kb, value=value)
    assert kb.reliability.assessments(publisher).assessors == []


@pytest.mark.parametrize("value", [1, 5, "1", " 5 "])
def test_scale_bounds_are_accepted(kb, publisher, value):
    assert rate(kb, value=value).value == int(str(value))


@pytest.mark.parametrize("url", ["", "   ", "example.org/x", "ftp://example.org/x",
                                 "javascript:alert(1)", "data:text/html,hi", "https://",
                                 "http:///path", "https://exa mple.org/", "https://example.org/<x>",
                                 "https://example.org:99999/", "file:///etc/passwd",
                                 "https://example.org/" + "x" * 2100, None])
def test_bad_evidence_url_is_refused(kb, publisher, url):
    with pytest.raises(InputError):
        rate(kb, evidence=url)
    assert kb.reliability.assessments(publisher).assessors == []


@pytest.mark.parametrize("reason", ["", "  \n ", None, "x" * 5001])
def test_missing_or_too_long_reason_is_refused(kb, publisher, reason):
    with pytest.raises(InputError, match="reason"):
        rate(kb, reason=reason)


def test_unknown_publisher_is_not_found(kb, publisher):
    with pytest.raises(NotFound, match="no publisher"):
        kb.reliability.rate("nobody-news", user="alice", value=3, reason="r", evidence=EVIDENCE)
    with pytest.raises(NotFound):
        kb.reliability.assessments("nobody-news")


def test_publisher_by_id_iri_or_name(kb, publisher):
    for ref in ("daily-planet", "Daily Planet", str(publisher), "publishers/daily-planet"):
        assert kb.reliability.assessments(ref).publisher == str(publisher)


def test_role_is_checked_for_users(kb, publisher):
    reader = User("rita", "reader", "2026-01-01", "fp")
    with pytest.raises(PermissionDenied, match="annotator"):
        kb.reliability.rate(publisher, user=reader, value=3, reason="r", evidence=EVIDENCE)
    annotator = User("anna", "annotator", "2026-01-01", "fp")
    assert kb.reliability.rate(publisher, user=annotator, value=3, reason="r",
                            evidence=EVIDENCE).assessor == "anna"


def test_history_after_two_ratings(kb, publisher):
    first = rate(kb, value=2, reason="Many uncorrected errors.", now=at(0))
    second = rate(kb, value=4, reason="Errors now corrected.", evidence="http://example.org/b",
                  now=at(5))
    assert second.previous == first.iri
    (alice,) = kb.reliability.assessments(publisher).assessors
    assert alice.assessor == "alice"
    assert alice.current.iri == second.iri and alice.current.value == 4
    assert [a.iri for a in alice.history] == [second.iri, first.iri]
    assert [a.status for a in alice.history] == ["current", "superseded"]
    # nothing was overwritten: the first rating keeps its value, reason and evidence
    old = kb.reliability.get(first.id)
    assert (old.value, old.reason, old.evidence, old.superseded_by) == \
        (2, "Many uncorrected errors.", EVIDENCE, second.iri)


def test_assessors_are_kept_apart(kb, publisher):
    rate(kb, who="alice", value=2, now=at(0))
    rate(kb, who="bob", value=5, reason="Exemplary.", now=at(1))
    rate(kb, who="alice", value=3, now=at(2))
    groups = kb.reliability.assessments(publisher).assessors
    assert [(g.assessor, g.current.value, len(g.history)) for g in groups] == \
        [("alice", 3, 2), ("bob", 5, 1)]
    data = kb.reliability.assessments(publisher).as_dict()
    assert "average" not in json.dumps(data)   # one rating per assessor, never merged
    assert [a["assessor"] for a in data["assessors"]] == ["alice", "bob"]
    assert [lv["value"] for lv in data["scale"]] == [1, 2, 3, 4, 5]


def test_assessor_names_with_an_at_sign(kb, publisher):
    rating = rate(kb, who="ann@example.org", value=4, now=at(0))
    assert rating.assessor == "ann@example.org"
    assert rating.author.endswith("/users/ann%40example.org")
    groups = kb.reliability.assessments(publisher).assessors
    assert [g.assessor for g in groups] == ["ann@example.org"]


def test_withdraw(kb, publisher):
    first = rate(kb, value=2, now=at(0))
    second = rate(kb, value=3, now=at(1))
    rate(kb, who="bob", value=4, now=at(2))
    with pytest.raises(PermissionDenied, match="only its assessor"):
        kb.reliability.withdraw(second.id, user="bob")
    with pytest.raises(InputError, match="superseded"):
        kb.reliability.withdraw(first.id, user="alice")
    done = kb.reliability.withdraw(second.id, user="alice", now=at(3))
    assert done.status == "withdrawn" and done.withdrawn.startswith("2026-01-02T10:03")
    with pytest.raises(InputError, match="withdrawn already"):
        kb.reliability.withdraw(second.id, user="alice")
    alice, bob = kb.reliability.assessments(publisher).assessors
    assert alice.current is None
    assert [a.status for a in alice.history] == ["withdrawn", "superseded"]
    assert bob.current.value == 4
    assert kb.reliability.current(publisher, "alice") is None
    # rating again after a withdrawal supersedes the withdrawn rating
    again = rate(kb, value=5, now=at(4))
    assert again.previous == second.iri
    alice = kb.reliability.assessments(publisher).assessors[0]
    assert alice.current.iri == again.iri
    assert [a.status for a in alice.history] == ["current", "superseded", "superseded"]
    assert alice.history[1].withdrawn is not None


def test_withdraw_unknown_rating(kb, publisher):
    with pytest.raises(NotFound):
        kb.reliability.withdraw("rating-0000000000000000", user="alice")
    with pytest.raises(NotFound):
        kb.reliability.get("not-a-rating")


def test_for_claim(kb, publisher):
    rate(kb, value=2, now=at(0))
    ratings = kb.reliability.for_claim("dp-border")
    assert ratings.publisher == str(publisher) and ratings.name == "Daily Planet"
    assert ratings.assessors[0].current.value == 2
    assert kb.reliability.for_claim("np-border") is None   # its source names no publisher
    with pytest.raises(NotFound):
        kb.reliability.for_claim("no-such-claim")


def test_user_input_cannot_inject_sparql(kb, publisher):
    reason = '"""} ; DROP ALL ; INSERT DATA { <x:a> <x:b> "c" } #\'\\'
    done = rate(kb, reason=reason, evidence="https://example.org/?q=%22%7D")
    assert kb.reliability.get(done.id).reason == reason
    assert kb.stats()["claims"] == 2


# ---------------------------------------------------------------------- web

@pytest.fixture
def site(app, kb, tmp_path):
    load_claims(kb, tmp_path)
    users = app.extensions["claimkb_users"]
    users.add_user("anna", PASSWORD, "annotator")
    users.add_user("rita", PASSWORD, "reader")
    users.add_user("eddie", PASSWORD, "editor")
    return app


def post_rating(client, **fields):
    page = client.get("/publishers/daily-planet")
    token = csrf_from(page.get_data(as_text=True))
    return client.post("/publishers/daily-planet/ratings", data={"csrf_token": token, **fields})


GOOD = {"value": "4", "reason": "Corrections are prompt and visible.", "evidence": EVIDENCE}


def test_publisher_page_shows_the_form_to_annotators(site, client):
    login(client, "anna")
    html = client.get("/publishers/daily-planet").get_data(as_text=True)
    assert 'id="ratings"' in html and "No assessor has rated this publisher yet." in html
    form = re.search(r'<form method="post" action="/publishers/daily-planet/ratings"[^>]*>.*?</form>',
                     html, re.S).group(0)
    assert 'name="csrf_token"' in form
    assert '<select name="value"' in form and 'name="reason"' in form and 'name="evidence"' in form
    assert ">Rate</button>" in form
    for lv in reliability.scale():
        assert f'<option value="{lv.value}"' in form


def test_annotator_rates_with_csrf(site, client, kb):
    login(client, "anna")
    response = post_rating(client, **GOOD)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/publishers/daily-planet#ratings")
    html = client.get("/publishers/daily-planet").get_data(as_text=True)
    assert "anna" in html and "4/5 · mostly reliable" in html
    assert f'href="{EVIDENCE}"' in html and "Corrections are prompt and visible." in html
    assert "<details" in html and "History (1)" in html
    assert "Withdraw my rating" in html
    # a second rating: the history shows both
    post_rating(client, value="2", reason="Slipped.", evidence=EVIDENCE)
    html = client.get("/publishers/daily-planet").get_data(as_text=True)
    assert "History (2)" in html and "(superseded)" in html and "2/5 · mostly unreliable" in html


def test_post_without_csrf_token_is_refused(site, client, kb):
    login(client, "anna")
    response = client.post("/publishers/daily-planet/ratings", data=GOOD)
    assert response.status_code == 400
    assert "CSRF token missing or invalid" in response.get_data(as_text=True)
    assert kb.reliability.assessments("daily-planet").assessors == []


def test_anonymous_is_refused(site, client, kb):
    assert client.post("/publishers/daily-planet/ratings", data=GOOD).status_code == 403
    html = client.get("/publishers/daily-planet").get_data(as_text=True)
    assert "as an annotator to rate" in html and 'action="/publishers/daily-planet/ratings"' not in html
    assert kb.reliability.assessments("daily-planet").assessors == []


def test_reader_is_refused(site, client, kb):
    login(client, "rita")
    html = client.get("/publishers/daily-planet").get_data(as_text=True)
    assert 'action="/publishers/daily-planet/ratings"' not in html
    token = csrf_from(html)
    response = client.post("/publishers/daily-planet/ratings", data={"csrf_token": token, **GOOD})
    assert response.status_code == 403
    assert kb.reliability.assessments("daily-planet").assessors == []


def test_bad_input_rerenders_the_form(site, client, kb):
    login(client, "anna")
    response = post_rating(client, value="4", reason="Fine.", evidence="javascript:alert(1)")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "http or https URL" in html and "Fine." in html
    assert '<option value="4" selected>' in html
    assert kb.reliability.assessments("daily-planet").assessors == []


def test_api_client_gets_201_and_the_json_twin(site, client, app):
    token = app.extensions["claimkb_users"].create_token("eddie")
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post("/publishers/daily-planet/ratings", json={**GOOD, "value": 5},
                           headers=headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["ok"] and body["rating"]["value"] == 5 and body["rating"]["assessor"] == "eddie"
    assert response.headers["Location"] == "/publishers/daily-planet/ratings.json"
    twin = client.get("/publishers/daily-planet/ratings.json")
    assert twin.status_code == 200 and twin.mimetype == "application/json"
    data = twin.get_json()
    assert data["name"] == "Daily Planet"
    assert [(a["assessor"], a["current"]["value"]) for a in data["assessors"]] == [("eddie", 5)]
    bad = client.post("/publishers/daily-planet/ratings", json={**GOOD, "value": 9}, headers=headers)
    assert bad.status_code == 400 and "whole number" in bad.get_json()["error"]
    unknown = client.post("/publishers/daily-planet/ratings", json={**GOOD, "score": 1},
                          headers=headers)
    assert unknown.status_code == 400


def test_ratings_html_url_goes_to_the_publisher_page(site, client):
    response = client.get("/publishers/daily-planet/ratings")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/publishers/daily-planet#ratings")
    assert client.get("/publishers/nobody/ratings.json").status_code == 404


def test_script_in_reason_is_shown_as_text(site, client, kb):
    kb.reliability.rate("daily-planet", user="anna", value=1, reason=SCRIPT,
                     evidence='https://example.org/a?b=1&c="x"'.replace('"', "%22"))
    for url in ("/publishers/daily-planet", "/claims/dp-border"):
        html = client.get(url).get_data(as_text=True)
        assert SCRIPT not in html
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
        assert 'href="https://example.org/a?b=1&amp;c=%22x%22"' in html


def test_claim_page_shows_its_publishers_assessments(site, client, kb):
    html = client.get("/claims/dp-border").get_data(as_text=True)
    assert 'id="publisher-ratings"' in html and "No assessor has rated Daily Planet yet." in html
    kb.reliability.rate("daily-planet", user="anna", value=4, reason="Good record.",
                     evidence=EVIDENCE)
    kb.reliability.rate("daily-planet", user="eddie", value=2, reason="Poor sourcing.",
                     evidence=EVIDENCE)
    html = client.get("/claims/dp-border").get_data(as_text=True)
    section = html[html.index('id="publisher-ratings"'):]
    assert "4/5 · mostly reliable" in section and "2/5 · mostly unreliable" in section
    assert "/publishers/daily-planet#ratings" in section
    # a claim whose source has no publisher shows no section
    assert 'id="publisher-ratings"' not in client.get("/claims/np-border").get_data(as_text=True)


def test_withdraw_in_the_web_ui(site, client, kb):
    login(client, "anna")
    post_rating(client, **GOOD)
    html = client.get("/publishers/daily-planet").get_data(as_text=True)
    response = client.post("/publishers/daily-planet/ratings/withdraw",
                           data={"csrf_token": csrf_from(html)})
    assert response.status_code == 303
    html = client.get("/publishers/daily-planet").get_data(as_text=True)
    assert "withdrew their rating" in html and "withdrawn" in html
    again = client.post("/publishers/daily-planet/ratings/withdraw",
                        data={"csrf_token": csrf_from(html)})
    assert again.status_code == 400


def test_withdraw_route_permissions(site, app, client, kb):
    """Every write route has its permission test: withdrawing needs a login with the
    annotator role and the CSRF token; anna's rating stays current otherwise."""
    login(client, "anna")
    post_rating(client, **GOOD)
    assert client.post("/publishers/daily-planet/ratings/withdraw").status_code == 400  # no CSRF
    assert app.test_client().post("/publishers/daily-planet/ratings/withdraw").status_code == 403
    rita = app.test_client()
    login(rita, "rita")
    token = csrf_from(rita.get("/publishers/daily-planet").get_data(as_text=True))
    response = rita.post("/publishers/daily-planet/ratings/withdraw", data={"csrf_token": token})
    assert response.status_code == 403
    [anna] = kb.reliability.assessments("daily-planet").assessors
    assert anna.assessor == "anna" and anna.current is not None and anna.current.value == 4


# ---------------------------------------------------------------------- CLI

def test_cli_rate_and_ratings(cli, tmp_path):
    assert cli("init").exit_code == 0
    claims = tmp_path / "claims.yaml"
    claims.write_text(CLAIMS, encoding="utf-8")
    assert cli("import", claims).exit_code == 0
    assert cli("user", "add", "anna", "--role", "annotator", "--password-stdin",
               input=PASSWORD + "\n").exit_code == 0
    assert cli("user", "add", "rita", "--password-stdin", input=PASSWORD + "\n").exit_code == 0

    result = cli("rate", "Daily Planet", "--user", "anna", "--value", "3",
                 "--reason", "Mixed record.", "--evidence", EVIDENCE)
    assert result.exit_code == 0, result.output
    assert "anna rates" in result.output and "3/5 (mixed reliability)" in result.output
    result = cli("rate", "daily-planet", "--user", "anna", "--value", "4",
                 "--reason", "Better now.", "--evidence", EVIDENCE)
    assert "superseding rating-" in result.output

    result = cli("ratings", "daily-planet")
    assert result.exit_code == 0
    assert "anna" in result.output and "mostly reliable" in result.output
    assert "Mixed record." not in result.output
    assert "Mixed record." in cli("ratings", "daily-planet", "--history").output
    data = json.loads(cli("ratings", "daily-planet", "--format", "json").output)
    assert data["assessors"][0]["current"]["value"] == 4
    assert len(data["assessors"][0]["history"]) == 2

    result = cli("rate", "daily-planet", "--user", "anna", "--withdraw")
    assert result.exit_code == 0 and "withdrawn" in result.output
    assert "withdrawn" in cli("ratings", "daily-planet").output


@pytest.mark.parametrize("args, code, message", [
    (["--user", "rita", "--value", "3", "--reason", "r", "--evidence", EVIDENCE], 7, "annotator role"),
    (["--user", "nobody", "--value", "3", "--reason", "r", "--evidence", EVIDENCE], 3, ""),
    (["--user", "anna", "--value", "7", "--reason", "r", "--evidence", EVIDENCE], 2, "1 to 5"),
    (["--user", "anna", "--value", "3", "--evidence", EVIDENCE], 2, "reason"),
    (["--user", "anna", "--value", "3", "--reason", "r", "--evidence", "ftp://x.org/"], 2, "http"),
    (["--user", "anna", "--reason", "r"], 2, "--value"),
    (["--user", "anna", "--withdraw"], 2, "no current rating"),
])
def test_cli_rate_errors(cli, tmp_path, args, code, message):
    claims = tmp_path / "claims.yaml"
    claims.write_text(CLAIMS, encoding="utf-8")
    cli("import", claims)
    cli("user", "add", "anna", "--role", "annotator", "--password-stdin", input=PASSWORD + "\n")
    cli("user", "add", "rita", "--password-stdin", input=PASSWORD + "\n")
    result = cli("rate", "daily-planet", *args)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert cli("ratings", "nobody-news").exit_code == 3
