"""Adding a claim from an article's text, and editing claims (web/views/edit.py), on a fresh KB:
the routes directly (the article page includes templates/edit/_add_claim.html)."""
from __future__ import annotations

import re

import pytest
from rdflib import URIRef

from kb.ingest.articles import from_text

from kb.model.article import ArticleData
from kb.model.iris import META
from kb.model.vocab import CKB, OA, SCHEMA

from tests.conftest import SEED_ARTICLE
from tests.web.test_auth import PASSWORD, csrf_from, login

QUOTE = "Today the Taliban controls over 70% of the 1,344 km long Afghan-Tajik border."


@pytest.fixture
def article(kb):
    """The Globinsider article, stored as text; returns (article id, stored text)."""
    data = from_text(SEED_ARTICLE.read_bytes(), str(SEED_ARTICLE), kb.settings.max_article_bytes)
    data = data.with_overrides(key="globinsider", publisher="Globinsider", language="en",
                               kind="opinion", published=_date("2021-07-09"))
    stored = kb.import_article(data)
    return kb.iris.local_id(stored.iri), kb.current_text(stored.iri)[1]


def _date(text):
    from kb.model.dates import parse_date

    return parse_date(text)


@pytest.fixture
def editor_client(app, client):
    app.extensions["claimkb_users"].add_user("eddie", PASSWORD, "editor")
    login(client, "eddie")
    return client


def post_claim(client, article_id, **fields):
    token = csrf_from(client.get(f"/articles/{article_id}/claims/new").get_data(as_text=True))
    return client.post(f"/articles/{article_id}/claims", data={"csrf_token": token, **fields})


def selection(text: str, quote: str) -> dict:
    start = text.index(quote)
    return {"quote": quote, "start": str(start), "end": str(start + len(quote)),
            "quote_prefix": text[max(0, start - 32):start],
            "quote_suffix": text[start + len(quote):start + len(quote) + 32]}


def claim_id(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    location = response.headers["Location"]
    assert location.startswith("/claims/")
    return location.rsplit("/", 1)[1]


def field(html: str, name: str) -> str | None:
    """The value of an input (or the text of a textarea) in the rendered form."""
    match = re.search(rf'<input[^>]*name="{name}" value="([^"]*)"', html) or \
        re.search(rf'<textarea name="{name}"[^>]*>([^<]*)</textarea>', html)
    return match.group(1) if match else None


# ---------------------------------------------------------------------- the form

def test_form_prefilled_from_a_selection(editor_client, article):
    article_id, text = article
    start = text.index(QUOTE)
    page = editor_client.get(f"/articles/{article_id}/claims/new?start={start}&end={start + len(QUOTE)}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert field(html, "quote") == QUOTE.replace("&", "&amp;")
    assert field(html, "start") == str(start) and field(html, "end") == str(start + len(QUOTE))
    assert field(html, "quote_prefix") == text[start - 32:start]
    assert 'action="/articles/globinsider/claims"' in html
    assert 'name="csrf_token"' in html
    assert 'placeholder="2021-07-09"' in html  # date published defaults to the article's


@pytest.mark.parametrize("query, message", [
    ("start=10&end=999999", "outside the article text"),
    ("start=50&end=40", "outside the article text"),
    ("start=x&end=40", "start must be a whole number"),
    ("start=10", "give both start and end"),
])
def test_form_refuses_a_bad_selection(editor_client, article, query, message):
    page = editor_client.get(f"/articles/globinsider/claims/new?{query}")
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)


def test_form_for_an_unknown_article_is_404(editor_client):
    assert editor_client.get("/articles/nope/claims/new").status_code == 404
    assert editor_client.get("/articles/..%2F..%2Fetc/claims/new").status_code == 404


# ---------------------------------------------------------------------- creating

def test_create_a_claim_from_selected_text(editor_client, kb, article):
    article_id, text = article
    before = len(kb.list_claims())
    response = post_claim(editor_client, article_id, **selection(text, QUOTE),
                          subject="Afghan-Tajik border", subject_wikidata="q4689318",
                          property="share controlled by the Taliban", value="over 70%",
                          modality="factual", about="2021-07-09")
    ident = claim_id(response)
    assert len(kb.list_claims()) == before + 1
    view = kb.claim_view(ident)
    start = text.index(QUOTE)
    assert view["quote"]["exact"] == QUOTE
    assert (view["quote"]["start"], view["quote"]["end"]) == (start, start + len(QUOTE))
    assert view["quote"]["prefix"] == text[start - 32:start]
    assert view["quote"]["suffix"] == text[start + len(QUOTE):start + len(QUOTE) + 32]
    assert view["quote"]["source"].startswith("http://localhost:5000/articles/globinsider/versions/")
    assert view["statement"] == QUOTE
    assert view["published"] == "2021-07-09"  # the article's date
    assert view["modality"] == "factual"
    assert view["about"] == {"earliest": "2021-07-09", "latest": "2021-07-09"}
    (content,) = view["content"]
    assert content["subject"] == "http://localhost:5000/entities/afghan-tajik-border"
    assert content["value"]["unitCode"] == "P1" and content["value"]["minValue"] == "70"
    assert content["value"]["surfaceText"] == "over 70%"
    (row,) = kb.select("labels.rq", resource=URIRef(content["subject"]))
    assert (str(row["label"]), str(row["same"])) == (
        "Afghan-Tajik border", "http://www.wikidata.org/entity/Q4689318")
    assert kb.validate(raise_on_violation=False).conforms


def test_after_saving_the_claim_page_confirms_and_offers_an_edit_link(editor_client, app, kb, article):
    article_id, text = article
    response = post_claim(editor_client, article_id, **selection(text, QUOTE), modality="opinion")
    ident = claim_id(response)
    page = editor_client.get(f"/claims/{ident}").get_data(as_text=True)
    assert f"Claim {ident} added." in page
    assert f'href="/claims/{ident}/edit"' in page
    again = editor_client.get(f"/claims/{ident}").get_data(as_text=True)
    assert f"Claim {ident} added." not in again                   # said once
    visitor = app.test_client()                                   # the editor_client is logged in
    assert f"/claims/{ident}/edit" not in visitor.get(f"/claims/{ident}").get_data(as_text=True)


def test_the_record_is_the_one_a_claims_file_builds(editor_client, kb, article, tmp_path):
    """Same input through the form and through a claims file: the same claim."""
    article_id, text = article
    ident = claim_id(post_claim(editor_client, article_id, **selection(text, QUOTE),
                                subject="Afghan-Tajik border", property="length",
                                value="1,344 km", about="2021-07"))
    from_form = kb.claim_view(ident)
    yaml_file = tmp_path / "claims.yaml"
    yaml_file.write_text(f"""claims:
  - article: globinsider
    quote: "{QUOTE}"
    subject: Afghan-Tajik border
    property: length
    value: 1,344 km
    about: 2021-07
""", encoding="utf-8")
    kb.import_file(yaml_file)
    assert len(kb.list_claims()) == 1  # the same derived id: replaced, not added
    from_file = kb.claim_view(ident)
    for key in ("quote", "content", "about", "published", "statement", "modality"):
        assert from_form[key] == from_file[key], key


def test_the_same_claim_twice_is_409(editor_client, kb, article):
    article_id, text = article
    fields = {**selection(text, QUOTE), "subject": "border", "property": "length",
              "value": "1,344 km"}
    ident = claim_id(post_claim(editor_client, article_id, **fields))
    recorded = kb.claim_view(ident)["recorded"]
    again = post_claim(editor_client, article_id, **{**fields, "modality": "opinion"})
    assert again.status_code == 409
    assert f"edit it at /claims/{ident}/edit" in again.get_data(as_text=True)
    view = kb.claim_view(ident)
    assert (view["modality"], view["recorded"]) == ("factual", recorded)


def test_a_typed_quote_is_located_without_selectors(editor_client, kb, article):
    article_id, text = article
    typed = "Today  the Taliban controls\nover 70%"  # whitespace may differ
    ident = claim_id(post_claim(editor_client, article_id, quote=typed))
    quote = kb.claim_view(ident)["quote"]
    start = text.index("Today the Taliban controls over 70%")
    assert (quote["start"], quote["exact"]) == (start, "Today the Taliban controls over 70%")


def test_stale_selectors_are_reanchored(editor_client, kb, article):
    article_id, text = article
    sel = selection(text, QUOTE)
    sel["start"], sel["end"] = "0", "20"  # the selection points elsewhere
    ident = claim_id(post_claim(editor_client, article_id, **sel))
    assert kb.claim_view(ident)["quote"]["start"] == text.index(QUOTE)


def test_a_repeated_quote_is_chosen_by_its_selectors(editor_client, kb):
    text = "Report\n\nThe figure is 300. Later, again: The figure is 300. End.\n"
    kb.import_article(ArticleData(text=text, key="twice", publisher="Daily"))
    second = text.rindex("The figure is 300.")
    sel = {"quote": "The figure is 300.", "start": str(second), "end": str(second + 18)}
    ident = claim_id(post_claim(editor_client, "twice", **sel))
    assert kb.claim_view(ident)["quote"]["start"] == second
    # typed by hand, without selectors: ambiguous
    refused = post_claim(editor_client, "twice", quote="The figure is 300.", statement="x")
    assert refused.status_code == 400
    assert "occurs 2 times" in refused.get_data(as_text=True)


def test_a_quote_typed_with_straight_quotes_finds_the_curly_one_and_keeps_it(editor_client, kb):
    text = ("Report\n\nThe minister said \u201cwe\u2019ll hold the\u00a0border\u201d \u2013 "
            "then left.\n")
    kb.import_article(ArticleData(text=text, key="curly", publisher="Daily"))
    ident = claim_id(post_claim(editor_client, "curly", quote='"we\'ll hold the border" - then'))
    quote = kb.claim_view(ident)["quote"]
    assert quote["exact"] == "\u201cwe\u2019ll hold the\u00a0border\u201d \u2013 then"
    assert text[quote["start"]:quote["end"]] == quote["exact"]
    missing = post_claim(editor_client, "curly", quote="we will hold the border")
    assert missing.status_code == 400
    assert "nearest passage" in missing.get_data(as_text=True)


def test_positions_count_code_points(editor_client, kb):
    text = "Emoji 😀 first. Then the claim: 42 ships sank.\n"
    kb.import_article(ArticleData(text=text, key="emoji", publisher="Daily"))
    quote = "42 ships sank."
    start = text.index(quote)  # Python counts code points, as the Web Annotation model does
    ident = claim_id(post_claim(editor_client, "emoji", quote=quote, start=str(start),
                                end=str(start + len(quote))))
    assert kb.claim_view(ident)["quote"]["start"] == start


@pytest.mark.parametrize("kind, value, expected", [
    ("entity", "Tajikistan", "http://localhost:5000/entities/tajikistan"),
    ("date", "2021-07-08", "2021-07-08"),
    ("text", "the CSTO", "the CSTO"),
])
def test_other_value_kinds(editor_client, kb, article, kind, value, expected):
    article_id, text = article
    ident = claim_id(post_claim(editor_client, article_id, **selection(text, QUOTE),
                                subject="Taliban", property="target", value=value,
                                value_kind=kind, value_wikidata="Q863" if kind == "entity" else ""))
    (content,) = kb.claim_view(ident)["content"]
    assert content["value"] == expected
    assert kb.validate(raise_on_violation=False).conforms


def test_reported_speech_and_a_time_interval(editor_client, kb, article):
    article_id, text = article
    quote = "more than a thousand Afghan soldiers"
    if quote not in text:
        quote = next(q for q in ("more than a thousand", "thousand") if q in text)
    ident = claim_id(post_claim(editor_client, article_id, **selection(text, quote),
                                statement="More than a thousand Afghan soldiers fled to Tajikistan.",
                                subject="Afghan soldiers", property="number who fled to Tajikistan",
                                value="more than a thousand", modality="reported speech",
                                speaker="Tajik State Committee for National Security",
                                about="2021-07-04/2021-07-05", published="2021-07-10"))
    view = kb.claim_view(ident)
    assert view["modality"] == "reported-speech"
    assert view["speaker"] == "http://localhost:5000/people/tajik-state-committee-for-national-security"
    assert view["about"] == {"earliest": "2021-07-04", "latest": "2021-07-05"}
    assert view["published"] == "2021-07-10"
    assert view["statement"].startswith("More than a thousand")
    assert kb.validate(raise_on_violation=False).conforms


def test_existing_entities_and_properties_are_reused_by_label(editor_client, kb, article, tmp_path):
    article_id, text = article
    yaml_file = tmp_path / "claims.yaml"
    yaml_file.write_text("""entities:
  afghan-tajik-border: {label: Afghanistan–Tajikistan border, wikidata: Q4689318}
properties:
  share-controlled: {label: share controlled by the Taliban}
claims:
  - article: globinsider
    statement: The border is long.
    subject: afghan-tajik-border
    property: share-controlled
    value: over 50%
""", encoding="utf-8")
    kb.import_file(yaml_file)
    ident = claim_id(post_claim(editor_client, article_id, **selection(text, QUOTE),
                                subject="Afghanistan–Tajikistan border",
                                property="share controlled by the Taliban", value="over 70%"))
    (content,) = kb.claim_view(ident)["content"]
    assert content["subject"] == "http://localhost:5000/entities/afghan-tajik-border"
    assert content["property"] == "http://localhost:5000/properties/share-controlled"


# ---------------------------------------------------------------------- bad input

@pytest.mark.parametrize("fields, message", [
    ({"modality": "rumour"}, "unknown modality 'rumour'"),
    ({"subject": "Taliban", "property": "strength", "value": "allegedly 300"}, "allegedly"),
    ({"subject": "Taliban", "property": "strength", "value": "300 furlongs"}, "unit"),
    ({"subject": "Taliban", "property": "strength"}, "content needs all of subject, property and value"),
    ({"subject": "Taliban", "property": "x", "value": "y", "value_kind": "colour"}, "unknown value kind"),
    ({"modality": "reported-speech"}, "needs 'speaker'"),
    ({"about": "next Tuesday-ish"}, "unparseable date"),
    ({"about": "2021-07-05/2021-07-01"}, "ends (2021-07-01) before it starts"),
    ({"subject_wikidata": "Berlin", "subject": "Berlin", "property": "p", "value": "1"},
     "wikidata must be an id like Q123"),
    ({"quote": "These words are not in the article at all."}, "quote not found in the article text"),
    ({"quote": "   "}, "needs 'quote' or 'statement'"),
    ({"start": "5", "end": "999999"}, "outside the article text"),
    ({"start": "-1", "end": "10"}, "outside the article text"),
    ({"start": "1e3", "end": "2000"}, "start must be a whole number"),
    ({"statement": "x" * 20_001}, "statement is longer than 20000 characters"),
])
def test_bad_input_is_refused_and_nothing_written(editor_client, kb, article, fields, message):
    article_id, text = article
    before = kb.store.quad_count()
    data = {**selection(text, QUOTE), **fields}
    response = post_claim(editor_client, article_id, **data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="error-message"' in html
    assert message in html.replace("&#39;", "'").replace("&#34;", '"')
    for name in ("subject", "property", "value", "about"):  # what the user typed is kept
        if fields.get(name):
            assert field(html, name) == fields[name].replace("&", "&amp;")
    assert kb.store.quad_count() == before
    assert kb.list_claims() == []


def test_input_is_escaped_when_the_form_comes_back(editor_client, kb, article):
    article_id, text = article
    evil = '"><script>alert(1)</script>'
    response = post_claim(editor_client, article_id, **selection(text, QUOTE), subject=evil,
                          property=evil, value=evil, speaker=evil, about=evil)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_a_quote_from_html_like_text_is_escaped(editor_client, kb):
    text = "Page\n\nThe mayor said <b>1,000 jobs</b> & more.\n"
    kb.import_article(ArticleData(text=text, key="markup", publisher="Daily"))
    start = text.index("<b>")
    page = editor_client.get(f"/articles/markup/claims/new?start={start}&end={start + 17}")
    html = page.get_data(as_text=True)
    assert "&lt;b&gt;1,000 jobs&lt;/b&gt;" in html and "<b>1,000" not in html
    ident = claim_id(post_claim(editor_client, "markup", quote="<b>1,000 jobs</b> & more.",
                                subject="city", property="jobs", value="1,000"))
    assert kb.claim_view(ident)["quote"]["exact"] == "<b>1,000 jobs</b> & more."


def test_a_10_mb_body_is_413_and_nothing_written(editor_client, kb, article):
    article_id, text = article
    token = csrf_from(editor_client.get(f"/articles/{article_id}/claims/new").get_data(as_text=True))
    before = kb.store.quad_count()
    response = editor_client.post(f"/articles/{article_id}/claims",
                                  data={"csrf_token": token, "quote": QUOTE,
                                        "statement": "x" * (10 * 1024 * 1024)})
    assert response.status_code == 413
    assert "larger than the 10,000,000-byte limit" in response.get_data(as_text=True)
    assert kb.store.quad_count() == before


def test_an_article_without_text_takes_statements_only(editor_client, kb):
    kb.import_article(ArticleData(key="ap-wire", title="Afghan troops flee", publisher="AP"))
    page = editor_client.get("/articles/ap-wire/claims/new").get_data(as_text=True)
    assert 'name="quote"' not in page and "no stored text" in page
    refused = post_claim(editor_client, "ap-wire", quote="anything")
    assert refused.status_code == 400 and "no stored text" in refused.get_data(as_text=True)
    ident = claim_id(post_claim(editor_client, "ap-wire", statement="Over 1,000 soldiers fled.",
                                subject="Afghan soldiers", property="number who fled",
                                value="over 1,000"))
    view = kb.claim_view(ident)
    assert view["quote"] is None and view["statement"] == "Over 1,000 soldiers fled."


# ---------------------------------------------------------------------- editing

def test_edit_a_claim(editor_client, kb, article):
    article_id, text = article
    ident = claim_id(post_claim(editor_client, article_id, **selection(text, QUOTE),
                                subject="Afghan-Tajik border", subject_wikidata="Q4689318",
                                property="length", value="1,344 km", about="2021-07"))
    page = editor_client.get(f"/claims/{ident}/edit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert field(html, "subject") == "Afghan-Tajik border"
    assert field(html, "subject_wikidata") == "Q4689318"
    assert field(html, "subject_id") == "afghan-tajik-border"
    assert field(html, "value") == "1,344 km" and field(html, "about") == "2021-07"
    assert field(html, "quote") == QUOTE.replace("&", "&amp;")
    assert f'action="/claims/{ident}/edit"' in html

    form = {m.group(1): m.group(2) for m in re.finditer(r'<input[^>]*name="(\w+)" value="([^"]*)"', html)}
    form.update({k: v for k, v in re.findall(r'<textarea name="(\w+)"[^>]*>([^<]*)</textarea>', html)})
    # another subject (without the old one's Wikidata id, which would resolve it to the
    # old entity): close to the existing one, so the form warns first and writes nothing
    form.update(value="1,400 km", modality="opinion", subject="Whole Afghan-Tajik border",
                subject_wikidata="")
    form = {k: v.replace("&amp;", "&").replace("&#34;", '"').replace("&#39;", "'") for k, v in form.items()}
    warned = editor_client.post(f"/claims/{ident}/edit", data=form)
    assert warned.status_code == 409
    assert "looks like existing" in warned.get_data(as_text=True)
    assert kb.claim_view(ident)["modality"] == "factual"
    saved = editor_client.post(f"/claims/{ident}/edit", data={**form, "confirm_new": "1"})
    assert claim_id(saved) == ident
    view = kb.claim_view(ident)
    (content,) = view["content"]  # the old content is gone
    assert content["value"]["surfaceText"] == "1,400 km"
    assert content["subject"] == "http://localhost:5000/entities/whole-afghan-tajik-border"
    assert view["modality"] == "opinion"
    assert view["quote"]["start"] == text.index(QUOTE)
    assert len(kb.list_claims()) == 1
    assert kb.validate(raise_on_violation=False).conforms


def test_edit_keeps_the_entity_and_the_text_version(editor_client, kb, article, tmp_path):
    article_id, text = article
    yaml_file = tmp_path / "claims.yaml"
    yaml_file.write_text(f"""entities:
  border: {{label: The border}}
claims:
  - id: border-claim
    article: globinsider
    quote: "{QUOTE}"
    subject: border
    property: length
    value: {{quantity: "1344", unit: km}}
""", encoding="utf-8")
    kb.import_file(yaml_file)
    old_version = kb.claim_view("border-claim")["quote"]["source"]
    # the article gets a new text version: the claim stays anchored in the old one
    data = from_text(text + "\nA correction was added.\n", "x", kb.settings.max_article_bytes)
    kb.import_article(data.with_overrides(key="globinsider"))
    html = editor_client.get("/claims/border-claim/edit").get_data(as_text=True)
    assert field(html, "subject") == "The border" and field(html, "unit") == "KMT"
    token = csrf_from(html)
    form = {"csrf_token": token, "quote": QUOTE, "start": field(html, "start"),
            "end": field(html, "end"), "subject": "The border", "subject_id": "border",
            "subject_was": "The border", "property": "length", "property_id": "length",
            "property_was": "length", "value": "1344", "unit": "KMT", "about": "2021-07-09"}
    claim_id(editor_client.post("/claims/border-claim/edit", data=form))
    view = kb.claim_view("border-claim")
    assert view["quote"]["source"] == old_version
    assert view["content"][0]["subject"] == "http://localhost:5000/entities/border"
    assert view["content"][0]["value"]["unitCode"] == "KMT"
    assert view["about"]["earliest"] == "2021-07-09"


def test_edit_errors_keep_the_claim(editor_client, kb, article):
    article_id, text = article
    ident = claim_id(post_claim(editor_client, article_id, **selection(text, QUOTE)))
    before = kb.claim_view(ident)
    token = csrf_from(editor_client.get(f"/claims/{ident}/edit").get_data(as_text=True))
    bad = editor_client.post(f"/claims/{ident}/edit",
                             data={"csrf_token": token, "quote": "not in the text at all, really"})
    assert bad.status_code == 400 and "quote not found" in bad.get_data(as_text=True)
    after = kb.claim_view(ident)
    assert after["quote"] == before["quote"] and after["recorded"] == before["recorded"]
    assert editor_client.get("/claims/nope/edit").status_code == 404


def test_edit_needs_an_editor(app, client, kb, article):
    article_id, text = article
    app.extensions["claimkb_users"].add_user("ann", PASSWORD, "annotator")
    assert client.get("/claims/x/edit").status_code == 302
    login(client, "ann")
    assert client.get("/claims/x/edit").status_code == 403
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post("/claims/x/edit", data={"csrf_token": token}).status_code == 403


def test_edit_keeps_a_claimreview(editor_client, kb):
    """Metadata the form does not show (a ClaimReview and its rating) survives an edit."""
    from kb.model.claim import ClaimRecord
    from rdflib import Literal
    from rdflib.namespace import RDF

    kb.import_article(ArticleData(key="review-site", title="A fact check", publisher="Checkers"))
    claim = kb.iris.claim("reviewed")
    review = URIRef(f"{claim}#review")
    extra = [(review, RDF.type, SCHEMA.ClaimReview, META),
             (review, SCHEMA.itemReviewed, claim, META),
             (review, SCHEMA.name, Literal("Checked"), META)]
    kb.write_claims([ClaimRecord(iri=claim, modality=CKB.Factual,
                                 source=kb.iris.article_for("review-site"),
                                 statement="Ten ships sank.", extra=extra)])
    html = editor_client.get("/claims/reviewed/edit").get_data(as_text=True)
    token = csrf_from(html)
    claim_id(editor_client.post("/claims/reviewed/edit",
                                data={"csrf_token": token, "statement": "Eleven ships sank."}))
    ds = kb.claim_dataset(claim)
    assert (review, SCHEMA.name, Literal("Checked")) in ds.graph(META)
    assert (claim, SCHEMA.text, Literal("Eleven ships sank.")) in ds.graph(META)
    assert (claim, OA.hasSelector, None) not in ds.graph(META)


# ---------------------------------------------------------------------- in a browser

@pytest.fixture
def live_server(app):
    """The app on a real HTTP server in a thread, for the browser."""
    import logging
    import threading

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(10)


SELECT = """(quote) => {
  const root = document.getElementById('article-text');
  const full = root.textContent, i = full.indexOf(quote), j = i + quote.length;
  function point(offset) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let node, seen = 0;
    while ((node = walker.nextNode())) {
      if (seen + node.length >= offset) return [node, offset - seen];
      seen += node.length;
    }
  }
  const range = document.createRange();
  range.setStart(...point(i));
  range.setEnd(...point(j));
  const selection = getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  root.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
}"""


def test_select_text_in_a_browser_and_add_the_claim(app, kb, live_server, browser):
    # ``browser``: the session's one Chromium (tests/browser_support.py); a second
    # sync Playwright in the same session would fail inside the first one's loop
    text = ("Harbour report 🚢\n\nShips in the harbour: many. The storm of 3 July sank "
            "42 ships, the port authority said.\nMore later.\n")
    kb.import_article(ArticleData(text=text, key="harbour", publisher="Port News"))
    from kb.ingest.claimsfile import parse_claim

    # a claim before the selection: the article page wraps it in <mark> (no characters added)
    kb.write_claims([parse_claim(kb, {"article": "harbour", "quote": "Ships in the harbour: many."})])
    app.extensions["claimkb_users"].add_user("eddie", PASSWORD, "editor")
    quote = "The storm of 3 July sank 42 ships"
    if True:
        page = browser.new_page()
        try:
            page.goto(f"{live_server}/login?next=/articles/harbour")
            page.fill("input[name=name]", "eddie")
            page.fill("input[name=password]", PASSWORD)
            page.click("form.login button[type=submit]")
            page.wait_for_url(f"{live_server}/articles/harbour")
            assert page.locator("#article-text mark.claim-span").count() == 1
            page.evaluate(SELECT, quote)
            page.click("#add-claim-button")
            form = page.locator("#add-claim-form")
            assert form.locator("textarea[name=quote]").input_value() == quote
            # the selectors select.js computed, in code points (the emoji is one, not two)
            start = text.index(quote)
            assert form.locator("input[name=start]").input_value() == str(start)
            assert form.locator("input[name=end]").input_value() == str(start + len(quote))
            assert form.locator("input[name=quote_prefix]").input_value() == text[start - 32:start]
            assert form.locator("input[name=quote_suffix]").input_value() == \
                text[start + len(quote):start + len(quote) + 32]
            assert form.get_attribute("action") == "/articles/harbour/claims"
            form.locator("input[name=subject]").fill("harbour")
            form.locator("input[name=property]").fill("ships sunk by the storm")
            form.locator("input[name=value]").fill("42")
            form.locator("input[name=about]").fill("2021-07-03")
            form.locator("select[name=modality]").select_option("reported-speech")
            form.locator("input[name=speaker]").fill("port authority")
            with page.expect_navigation():
                form.locator("button[type=submit]").first.click()
            page_url = page.url
            assert "/claims/" in page_url
        finally:
            page.close()
    ident = page_url.rsplit("/", 1)[1]
    view = kb.claim_view(ident)
    start = text.index(quote)
    assert (view["quote"]["start"], view["quote"]["end"]) == (start, start + len(quote))
    assert view["quote"]["prefix"] == text[start - 32:start]
    assert view["quote"]["suffix"] == text[start + len(quote):start + len(quote) + 32]
    assert view["modality"] == "reported-speech"
    assert kb.validate(raise_on_violation=False).conforms


def test_edit_keeps_a_set_of_entities_and_an_open_time(editor_client, kb, article):
    """A set value and an open time-about come back in the form as written, and saving
    the form keeps every member (their IRIs too) and the open end."""
    article_id, text = article
    ident = claim_id(post_claim(editor_client, article_id, **selection(text, QUOTE),
                                subject="CSTO", property="members", value_kind="entities",
                                value="Russia; Tajikistan; Kyrgyzstan", about="since 2021-07-01"))
    view = kb.claim_view(ident)
    assert len(view["content"]) == 3 and view["about"]["text"] == "since 2021-07-01"
    html = editor_client.get(f"/claims/{ident}/edit").get_data(as_text=True)
    assert field(html, "about") == "since 2021-07-01"
    assert field(html, "value") == "Kyrgyzstan; Russia; Tajikistan"
    assert '<option value="entities" selected>' in html
    form = {m.group(1): m.group(2) for m in re.finditer(r'<input[^>]*name="(\w+)" value="([^"]*)"', html)}
    form.update({k: v for k, v in re.findall(r'<textarea name="(\w+)"[^>]*>([^<]*)</textarea>', html)})
    form = {k: v.replace("&amp;", "&").replace("&#34;", '"').replace("&#39;", "'") for k, v in form.items()}
    form["value_kind"] = "entities"
    assert claim_id(editor_client.post(f"/claims/{ident}/edit", data=form)) == ident
    again = kb.claim_view(ident)
    assert sorted(c["value"] for c in again["content"]) == sorted(c["value"] for c in view["content"])
    assert again["about"]["text"] == "since 2021-07-01"
