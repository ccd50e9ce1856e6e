"""Suggested claims in the web UI (issue #18; web/views/suggestions.py, the article page's
panel templates/suggestions/_panel.html, "Add as claim" through web/views/edit.py): on a
fresh KB with a small article of our own (and the Globinsider article), through Flask's
test client — the panel and its highlights, the page and its .json twin, dismiss and
restore (editors, CSRF, 404s), an article without text, the prefilled claim form, and
submitting it as it is — and, in Debian's Chromium (tests/browser_support.py), adding a
suggestion as a claim and dismissing one."""
from __future__ import annotations

import html as html_lib
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect


from kb.ingest.articles import from_text
from kb.model.article import ArticleData
from kb.model.dates import parse_date
from web.forms.claim import FIELDS

from tests.browser_support import drag_select, page_fixture, screenshot  # noqa: F401
from tests.conftest import SEED_ARTICLE
from tests.web.test_auth import PASSWORD, client_for, csrf_from
from tests.web.test_browser import log_in_at

ARTICLE = "vanadia-floods"
TEXT = """Flood season in Vanadia

Heavy rain flooded the Orvell valley on Tuesday, and more than 300 families left their homes.
“We have never seen the river this high,” he said.
The Orvell river is 412 km long.
Local officials said the dam at Kessin would hold.
Will it rain again?
"""
EVENT = "Heavy rain flooded the Orvell valley on Tuesday, and more than 300 families left their homes."
SAID = "“We have never seen the river this high,” he said."
LENGTH = "The Orvell river is 412 km long."
OFFICIALS = "Local officials said the dam at Kessin would hold."


# ---------------------------------------------------------------------- helpers

def import_text(kb, key: str, text: str, **meta):
    data = from_text(text.encode(), f"{key}.txt", kb.settings.max_article_bytes)
    data = data.with_overrides(key=key, publisher=meta.get("publisher", "Vanadia Courier"),
                               language="en", published=parse_date(meta.get("published", "2024-03-14")),
                               title=meta.get("title", "Flood season in Vanadia"))
    stored = kb.import_article(data)
    return kb.iris.local_id(stored.iri)


def metadata_only(kb) -> str:
    """An article known by its metadata only (no stored text); its id."""
    stored = kb.import_article(ArticleData(key="metadata-only", title="Known by its metadata",
                                           publisher="Vanadia Courier"))
    return kb.iris.local_id(stored.iri)


@pytest.fixture
def article(kb):
    return import_text(kb, ARTICLE, TEXT)


@pytest.fixture
def editor_client(app, client):
    app.extensions["claimkb_users"].add_user("eddie", PASSWORD, "editor")
    return client_for(app, "eddie")


def suggestions_json(client, article_id=ARTICLE, **args) -> dict:
    response = client.get(f"/articles/{article_id}/suggestions.json", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_json()


def sid_of(client, quote: str, article_id=ARTICLE) -> str:
    (found,) = [s["id"] for s in suggestions_json(client, article_id)["suggestions"]
                if s["quote"] == quote]
    return found


def page(client, path=f"/articles/{ARTICLE}") -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def panel(html: str) -> str:
    at = html.index('<section class="suggestions-panel"')
    return html[at:html.index("</section>", at)]


def field(html: str, name: str) -> str | None:
    """The value of an input (or the text of a textarea) of the rendered form."""
    match = re.search(rf'<input[^>]*name="{name}" value="([^"]*)"', html) or \
        re.search(rf'<textarea name="{name}"[^>]*>([^<]*)</textarea>', html)
    return html_lib.unescape(match.group(1)) if match else None


def selected(html: str, name: str) -> str | None:
    block = re.search(rf'<select name="{name}">(.*?)</select>', html, re.S)
    match = re.search(r'<option value="([^"]*)" selected>', block.group(1)) if block else None
    return match.group(1) if match else None


def form_fields(html: str) -> dict:
    """Every field of the claim form as a browser would submit it, untouched."""
    out = {}
    for name in FIELDS:
        value = selected(html, name) if name in ("modality", "value_kind") else field(html, name)
        if value is not None:
            out[name] = value
    out["csrf_token"] = csrf_from(html)
    return out


def contains(big, small) -> bool:
    """``big`` holds everything ``small`` does (its dicts may have more keys)."""
    if isinstance(small, dict):
        return isinstance(big, dict) and all(k in big and contains(big[k], v) for k, v in small.items())
    if isinstance(small, list):
        return isinstance(big, list) and len(big) == len(small) and all(map(contains, big, small))
    return big == small


def post(client, path: str, **data):
    token = csrf_from(page(client, f"/articles/{ARTICLE}"))
    return client.post(path, data={"csrf_token": token, **data})


# ---------------------------------------------------------------------- the article page

def test_the_article_page_lists_the_suggestions_and_highlights_them(client, article):
    html = page(client)
    shown = panel(html)
    data = suggestions_json(client)
    quotes = [s["quote"] for s in data["suggestions"]]
    assert quotes == [EVENT, SAID, LENGTH, OFFICIALS]            # not the question
    assert "Suggested claims" in shown and "4 of 6 sentences" in shown
    for s in data["suggestions"]:
        assert f'id="suggestion-{s["id"]}"' in shown
        assert f'href="#sg-{s["id"]}"' in shown                    # the panel → the text
        # the text → the panel: a mark of its own kind with the id linked to
        assert re.search(rf'<mark class="suggest-span" id="sg-{s["id"]}" data-suggestion='
                         rf'"{s["id"]}" title="Suggested claim: [^"]*">', html)
    assert '<span class="badge modality modality-event"' in shown
    assert '<span class="figure" title="300 (more than)">more than 300</span>' in shown
    assert "412 km" in shown
    # anonymous: no actions, a way to log in
    assert "Log in to add" in shown and "Dismiss" not in shown and "csrf_token" not in shown
    assert f'/articles/{ARTICLE}/suggestions' in shown             # every detail


def test_editors_get_add_and_dismiss(editor_client, article):
    shown = panel(page(editor_client))
    sid = sid_of(editor_client, LENGTH)
    assert f'href="/articles/{ARTICLE}/claims/new?suggestion={sid}">Add as claim</a>' in shown
    assert f'action="/articles/{ARTICLE}/suggestions/{sid}/dismiss"' in shown
    assert 'name="csrf_token"' in shown and "Log in to add" not in shown


def test_a_readers_panel_says_adding_needs_the_editor_role(app, article):
    app.extensions["claimkb_users"].add_user("rita", PASSWORD, "reader")
    shown = panel(page(client_for(app, "rita")))
    assert "Adding claims needs the editor role" in shown
    assert "Add as claim" not in shown and "Dismiss" not in shown


def test_a_split_highlight_keeps_one_id_and_one_tab_stop(editor_client, kb, article):
    """A claim inside a suggested sentence splits its highlight: the id stays on the
    first piece only."""
    text = kb.article_view(ARTICLE)["text"]
    start = text.index("412 km")
    quote = "412 km"
    response = editor_client.post(f"/articles/{ARTICLE}/claims", data={
        "csrf_token": csrf_from(page(editor_client)), "quote": quote, "start": str(start),
        "end": str(start + len(quote)), "subject": "Orvell river", "property": "length",
        "value": "412 km", "modality": "factual"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    html = page(editor_client)
    sid = sid_of(editor_client, LENGTH)
    assert html.count(f'id="sg-{sid}"') == 1
    assert len(re.findall(rf'<mark class="suggest-span"[^>]*data-suggestion="{sid}"', html)) == 3
    # the suggestion knows the claim in its words
    (item,) = [s for s in suggestions_json(editor_client)["suggestions"] if s["id"] == sid]
    assert [c["url"] for c in item["claims"]] == [response.headers["Location"]]


def test_an_article_without_text_has_no_panel(client, kb):
    ident = metadata_only(kb)
    html = page(client, f"/articles/{ident}")
    assert "suggestions-panel" not in html and "suggest-span" not in html


# ---------------------------------------------------------------------- the page and its twin

def test_the_suggestions_page_shows_every_detail(client, kb, article):
    html = page(client, f"/articles/{ARTICLE}/suggestions")
    assert "Suggested claims in Flood season in Vanadia" in html
    assert "more than 300 → 300 <span class=\"muted\">(more than, families)</span>" in html
    assert "on Tuesday → 2024-03-12" in html                  # resolved against 2024-03-14
    assert "412 km → 412 km" in html
    assert "cue: “left”" in html and "speaker: <strong>Local officials</strong>" in html
    assert "not found before" in html                    # a pronoun with no speaker before it
    assert 'Orvell <span class="badge new">new</span>' in html
    assert "figure: more than 300" in html                 # a reason of the score
    assert 'rel="alternate" type="application/json" href="/articles/vanadia-floods/suggestions.json"' in html


def test_the_json_twin_has_the_clis_shape_and_the_links(client, kb, article):
    data = suggestions_json(client)
    assert data["id"] == ARTICLE and data["published"] == "2024-03-14"
    assert data["dismissed_count"] == 0 and "dismissed" not in data
    event = data["suggestions"][0]
    assert event["modality"] == "event" and event["cue"] == "left"
    assert event["quantities"][0] == {"surface": "more than 300", "text": "more than 300",
                                           "value": "300", "low": None, "high": None, "unit": "C62",
                                           "symbol": "", "qualifier": "more than",
                                           "counts": "families"}
    assert event["times"] == [{"surface": "on Tuesday", "about": "2024-03-12", "problem": None}]
    assert event["subjects"][0] == {"text": "Orvell", "iri": None, "label": "Orvell",
                                    "new": True, "url": None}
    sid = event["id"]
    assert event["claim_form"] == f"/articles/{ARTICLE}/claims/new?suggestion={sid}"
    assert event["dismiss"] == f"/articles/{ARTICLE}/suggestions/{sid}/dismiss"
    assert event["in_text"] == f"/articles/{ARTICLE}#sg-{sid}"
    # what `claimkb suggest --json` prints (ArticleSuggestions.as_dict), and the links
    cli = kb.suggest_claims(ARTICLE).as_dict()
    assert contains(data, cli)


def test_kb_names_link_to_their_pages(editor_client, kb):
    """A subject the KB has is linked to its entity page (and fills subject_id)."""
    import_text(kb, ARTICLE, TEXT)
    text = kb.article_view(ARTICLE)["text"]
    start = text.index(LENGTH)
    response = editor_client.post(f"/articles/{ARTICLE}/claims", data={
        "csrf_token": csrf_from(page(editor_client)), "quote": LENGTH, "start": str(start),
        "end": str(start + len(LENGTH)), "subject": "Orvell", "property": "length",
        "value": "412 km", "modality": "factual"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    event = suggestions_json(editor_client)["suggestions"][0]
    orvell = event["subjects"][0]
    assert orvell["iri"].endswith("/entities/orvell") and orvell["new"] is False
    assert orvell["url"] == "/entities/orvell"
    html = page(editor_client, f"/articles/{ARTICLE}/suggestions")
    assert '<a href="/entities/orvell">Orvell</a>' in html
    form = page(editor_client, event["claim_form"])
    assert (field(form, "subject"), field(form, "subject_id"), field(form, "subject_was")) == \
        ("Orvell", "orvell", "Orvell")


def test_unknown_article_is_404_and_no_text_is_400_in_the_one_error_shape(client, kb):
    response = client.get("/articles/nope/suggestions.json")
    assert response.status_code == 404
    assert response.get_json() == {"ok": False, "status": 404, "title": "Not Found",
                                    "error": "no article 'nope'"}
    ident = metadata_only(kb)
    response = client.get(f"/articles/{ident}/suggestions.json")
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 400 and "no stored text" in body["error"]
    page_html = client.get(f"/articles/{ident}/suggestions")
    assert page_html.status_code == 400 and "no stored text" in page_html.get_data(as_text=True)


def test_a_bad_dismissed_flag_is_400(client, article):
    response = client.get(f"/articles/{ARTICLE}/suggestions.json?dismissed=maybe")
    assert response.status_code == 400
    assert "dismissed must be 1 or 0" in response.get_json()["error"]


# ---------------------------------------------------------------------- dismiss and restore

def test_dismiss_as_editor_then_restore(editor_client, app, article):
    sid = sid_of(editor_client, OFFICIALS)
    response = post(editor_client, f"/articles/{ARTICLE}/suggestions/{sid}/dismiss",
                    next=f"/articles/{ARTICLE}#suggestions")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/articles/{ARTICLE}#suggestions"
    html = editor_client.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    assert "Suggestion dismissed" in html                           # the flash message
    assert f'id="suggestion-{sid}"' not in html and f'id="sg-{sid}"' not in html
    assert "1 dismissed" in panel(html)
    data = suggestions_json(editor_client)
    assert sid not in [s["id"] for s in data["suggestions"]] and data["dismissed_count"] == 1
    # stays dismissed: another client, a new app over the same store
    again = suggestions_json(app.test_client())
    assert sid not in [s["id"] for s in again["suggestions"]]
    # listed with ?dismissed=1, with a Restore button
    listed = suggestions_json(editor_client, dismissed="1")
    assert [s["id"] for s in listed["dismissed"]] == [sid]
    html = page(editor_client, f"/articles/{ARTICLE}/suggestions?dismissed=1")
    restore = f"/articles/{ARTICLE}/suggestions/{sid}/restore"
    assert f'action="{restore}"' in html and ">Restore</button>" in html
    response = post(editor_client, restore)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/articles/{ARTICLE}#suggestions"
    assert sid in [s["id"] for s in suggestions_json(editor_client)["suggestions"]]
    assert f'id="suggestion-{sid}"' in page(editor_client)


def test_dismiss_survives_a_new_app(kb, article, settings):
    """Dismissals are in the store: a KB opened again still leaves them out."""
    from kb import KnowledgeBase

    sid = next(s.id for s in kb.suggest_claims(ARTICLE).suggestions if s.quote == OFFICIALS)
    kb.dismiss_suggestion(ARTICLE, sid, user="eddie")
    kb.close()
    with KnowledgeBase.open(settings) as reopened:
        from web import create_app

        client = create_app(kb=reopened, config={"TESTING": True}).test_client()
        assert sid not in [s["id"] for s in suggestions_json(client)["suggestions"]]


def test_api_clients_get_json(app, article):
    users = app.extensions["claimkb_users"]
    users.add_user("eddie", PASSWORD, "editor")
    token = users.create_token("eddie")
    client = app.test_client()
    sid = sid_of(client, OFFICIALS)
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post(f"/articles/{ARTICLE}/suggestions/{sid}/dismiss", headers=headers)
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "article": ARTICLE, "id": sid, "dismissed": True,
                                   "quote": OFFICIALS, "url": f"/articles/{ARTICLE}/suggestions"}
    response = client.post(f"/articles/{ARTICLE}/suggestions/{sid}/restore", headers=headers)
    assert response.status_code == 200 and response.get_json()["dismissed"] is False


@pytest.mark.parametrize("action", ["dismiss", "restore"])
def test_anonymous_and_readers_cannot_dismiss(app, client, article, action):
    sid = sid_of(client, OFFICIALS)
    url = f"/articles/{ARTICLE}/suggestions/{sid}/{action}"
    token = csrf_from(page(client, "/login"))
    response = client.post(url, data={"csrf_token": token})
    assert response.status_code == 403
    # a program without a login (no session cookie, so no CSRF token either)
    response = app.test_client().post(url, json={}, headers={"Accept": "application/json"})
    assert response.status_code == 403 and response.get_json()["ok"] is False
    app.extensions["claimkb_users"].add_user("rita", PASSWORD, "reader")
    reader = client_for(app, "rita")
    response = reader.post(url, data={"csrf_token": csrf_from(page(reader))})
    assert response.status_code == 403
    assert "this needs the editor role" in response.get_data(as_text=True)
    assert suggestions_json(client)["dismissed_count"] == 0          # nothing changed


def test_dismiss_without_csrf_is_refused(editor_client, article):
    sid = sid_of(editor_client, OFFICIALS)
    response = editor_client.post(f"/articles/{ARTICLE}/suggestions/{sid}/dismiss", data={})
    assert response.status_code == 400
    assert "CSRF token missing or invalid" in response.get_data(as_text=True)
    response = editor_client.post(f"/articles/{ARTICLE}/suggestions/{sid}/dismiss",
                                  data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert suggestions_json(editor_client)["dismissed_count"] == 0


def test_unknown_suggestion_is_404_in_the_one_error_shape(editor_client, article):
    token = csrf_from(page(editor_client))
    response = editor_client.post(f"/articles/{ARTICLE}/suggestions/0123456789ab/dismiss",
                                  data={"csrf_token": token}, headers={"Accept": "application/json"})
    assert response.status_code == 404
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 404 and body["title"] == "Not Found"
    assert "no suggestion '0123456789ab'" in body["error"]
    response = editor_client.post("/articles/nope/suggestions/0123456789ab/dismiss",
                                  data={"csrf_token": token})
    assert response.status_code == 404 and "no article" in response.get_data(as_text=True)
    response = editor_client.get(f"/articles/{ARTICLE}/claims/new?suggestion=0123456789ab")
    assert response.status_code == 404


def test_next_must_be_a_path_of_this_site(editor_client, article):
    sid = sid_of(editor_client, OFFICIALS)
    response = post(editor_client, f"/articles/{ARTICLE}/suggestions/{sid}/dismiss",
                    next="https://evil.example/")
    assert response.status_code == 303 and response.headers["Location"] == "/"


# ---------------------------------------------------------------------- "Add as claim"

def test_the_claim_form_is_prefilled_from_a_suggestion(editor_client, kb, article):
    text = kb.article_view(ARTICLE)["text"]
    sid = sid_of(editor_client, EVENT)
    html = page(editor_client, f"/articles/{ARTICLE}/claims/new?suggestion={sid}")
    start = text.index(EVENT)
    assert field(html, "quote") == EVENT
    assert (field(html, "start"), field(html, "end")) == (str(start), str(start + len(EVENT)))
    assert field(html, "quote_prefix") == text[max(0, start - 32):start]
    assert field(html, "quote_suffix") == text[start + len(EVENT):start + len(EVENT) + 32]
    assert selected(html, "modality") == "event"
    assert field(html, "value") == "more than 300"
    assert field(html, "subject") == "Orvell" and field(html, "subject_id") == ""
    assert field(html, "property") == "number of families"
    assert field(html, "about") == "2024-03-12"
    assert "Prefilled from a suggested claim" in html


def test_reported_speech_without_a_speaker_is_prefilled_as_the_draft_writes_it(editor_client, article):
    """The claims file draft's policy (kb.ingest.claims_draft.draft_claim): no speaker
    found → factual, with a note asking for the speaker; saved untouched, it records."""
    sid = sid_of(editor_client, SAID)
    html = page(editor_client, f"/articles/{ARTICLE}/claims/new?suggestion={sid}")
    assert selected(html, "modality") == "factual"
    assert field(html, "speaker") == ""                      # not "he"
    assert "no speaker found" in html
    response = editor_client.post(f"/articles/{ARTICLE}/claims", data=form_fields(html))
    assert response.status_code in (201, 303)


def test_a_partial_suggestion_is_prefilled_with_its_words_only_and_says_what_it_read(editor_client, article):
    sid = sid_of(editor_client, OFFICIALS)
    html = page(editor_client, f"/articles/{ARTICLE}/claims/new?suggestion={sid}")
    assert field(html, "speaker") == "Local officials"
    assert field(html, "subject") == "" and field(html, "value") == ""
    assert "read subject “Kessin” but no property or value" in html
    response = editor_client.post(f"/articles/{ARTICLE}/claims", data=form_fields(html))
    assert response.status_code in (201, 303)          # saved untouched: the claim's words


def test_the_json_form_carries_the_prefilled_fields(app, article):
    users = app.extensions["claimkb_users"]
    users.add_user("eddie", PASSWORD, "editor")
    client = app.test_client()
    sid = sid_of(client, LENGTH)
    response = client.get(f"/articles/{ARTICLE}/claims/new?suggestion={sid}",
                          headers={"Authorization": f"Bearer {users.create_token('eddie')}"})
    assert response.status_code == 200
    form = response.get_json()["form"]
    assert set(form) <= set(FIELDS)
    assert {k: form[k] for k in ("quote", "modality", "subject", "property", "value")} == {
        "quote": LENGTH, "modality": "factual", "subject": "Orvell", "property": "length",
        "value": "412 km"}


def test_anonymous_add_as_claim_goes_to_the_login(client, article):
    sid = sid_of(client, EVENT)
    response = client.get(f"/articles/{ARTICLE}/claims/new?suggestion={sid}")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


def test_the_prefilled_form_submitted_as_it_is_creates_the_claim(editor_client, kb, article):
    """End to end: the panel's "Add as claim" link → the form → submitted untouched."""
    shown = panel(page(editor_client))
    sid = sid_of(editor_client, EVENT)
    link = re.search(rf'href="([^"]*suggestion={sid})">Add as claim', shown).group(1)
    html = page(editor_client, html_lib.unescape(link))
    before = len(kb.list_claims())
    response = editor_client.post(f"/articles/{ARTICLE}/claims", data=form_fields(html))
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    ident = response.headers["Location"].rsplit("/", 1)[1]
    assert len(kb.list_claims()) == before + 1
    view = kb.claim_view(ident)
    text = kb.article_view(ARTICLE)["text"]
    assert view["quote"]["exact"] == EVENT
    assert view["quote"]["start"] == text.index(EVENT)
    assert view["modality"] == "event"
    assert view["about"] == {"earliest": "2024-03-12", "latest": "2024-03-12"}
    (content,) = view["content"]
    assert content["value"]["surfaceText"] == "more than 300"
    assert content["subject"].endswith("/entities/orvell")
    # the claim page shows it; the suggestion now names the claim in its words
    assert editor_client.get(f"/claims/{ident}").status_code == 200
    (item,) = [s for s in suggestions_json(editor_client)["suggestions"] if s["id"] == sid]
    assert [c["id"] for c in item["claims"]] == [ident]


def test_a_kb_candidate_fills_the_id_and_the_claim_uses_that_entity(editor_client, kb):
    """On the Globinsider article, after a claim about the Taliban: the suggestion of the
    13 regions names the KB's Taliban, and the untouched form writes the claim on it."""
    data = from_text(SEED_ARTICLE.read_bytes(), str(SEED_ARTICLE), kb.settings.max_article_bytes)
    data = data.with_overrides(key="globinsider", publisher="Globinsider", language="en",
                               kind="opinion", published=parse_date("2021-07-09"))
    kb.import_article(data)
    text = kb.article_view("globinsider")["text"]
    quote = "Today the Taliban controls over 70% of the 1,344 km long Afghan-Tajik border."
    start = text.index(quote)
    first = editor_client.post("/articles/globinsider/claims", data={
        "csrf_token": csrf_from(page(editor_client, "/articles/globinsider")), "quote": quote,
        "start": str(start), "end": str(start + len(quote)), "subject": "Taliban",
        "property": "share of the border controlled", "value": "over 70%", "modality": "factual"})
    assert first.status_code == 303, first.get_data(as_text=True)[:2000]
    regions = next(s for s in suggestions_json(editor_client, "globinsider")["suggestions"]
                   if "13 regions" in s["quote"])
    html = page(editor_client, regions["claim_form"])
    assert field(html, "subject_id") == "taliban"
    assert field(html, "subject") == field(html, "subject_was") == "Taliban"
    response = editor_client.post("/articles/globinsider/claims", data=form_fields(html))
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    (content,) = kb.claim_view(response.headers["Location"].rsplit("/", 1)[1])["content"]
    assert content["subject"].endswith("/entities/taliban")


# ---------------------------------------------------------------------- in Chromium

BROWSER_ARTICLE = "suggestions-browser-sample"


@pytest.fixture(scope="module", name="browser_article")
def browser_article_fixture(site):
    """Our small article on the shared demo site, under a key of its own (its new names —
    Orvell, number of families — are no demo claim's, so no comparison changes)."""
    existing = [r["id"] for r in site.kb.list_articles(limit=1000)]
    if BROWSER_ARTICLE not in existing:
        import_text(site.kb, BROWSER_ARTICLE, TEXT, publisher="Suggestions Test Press")
    return BROWSER_ARTICLE


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.browser
def test_browser_add_a_suggestion_as_a_claim_and_dismiss_another(page, site, browser_article):
    path = f"/articles/{browser_article}"
    log_in_at(page, site, path)

    result = site.kb.suggest_claims(browser_article)
    ids = {s.quote: s.id for s in result.suggestions}
    event, officials = ids[EVENT], ids[OFFICIALS]
    panel_ = page.locator("#suggestions")
    expect(panel_.locator("h2")).to_contain_text("Suggested claims")
    expect(panel_.locator("li.suggestion")).to_have_count(len(result.suggestions))
    # the suggested sentences are highlighted in the text, in their own kind of mark
    mark = page.locator(f"#article-text mark.suggest-span#sg-{event}")
    expect(mark).to_have_text(EVENT)
    assert mark.evaluate("el => getComputedStyle(el).borderBottomStyle") == "dashed"
    # keyboard: each sentence is a Tab stop (an empty link at its start: no characters
    # added to the text), Enter goes to its item in the panel
    assert page.evaluate("document.getElementById('article-text').textContent") == \
        site.kb.article_view(browser_article)["text"]
    jump = page.locator(f"#sg-{event} a.sg-jump")
    jump.focus()
    expect(jump).to_be_focused()
    assert mark.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"   # :focus-within
    page.keyboard.press("Tab")
    expect(page.locator(f"#sg-{ids[SAID]} a.sg-jump")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(f"#suggestion-{ids[SAID]} a.sg-quote")).to_be_focused()
    # …and the item's quote back to the sentence
    page.locator(f"#suggestion-{officials} a.sg-quote").click()
    expect(page.locator(f"#sg-{officials} a.sg-jump")).to_be_focused()

    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.locator("#suggestions").scroll_into_view_if_needed()
        screenshot(page, f"suggestions-article-{width}")
        assert no_horizontal_scroll(page), f"the article page scrolls sideways at {width} px"
    page.set_viewport_size({"width": 1366, "height": 900})
    # a mouse selection may start in a suggested sentence (it is not focusable itself)
    drag_select(page, "Orvell river is 412 km")
    expect(page.locator("#add-claim-button")).to_be_visible()

    # "Add as claim": the form, prefilled; saved as it is
    page.locator(f"#suggestion-{event}").get_by_role("link", name="Add as claim").click()
    expect(page).to_have_url(site(f"{path}/claims/new?suggestion={event}"))
    form = page.locator("form.claim-form")
    expect(form.locator('textarea[name="quote"]')).to_have_value(EVENT)
    expect(form.locator('select[name="modality"]')).to_have_value("event")
    expect(form.locator('input[name="value"]')).to_have_value("more than 300")
    expect(form.locator('input[name="subject"]')).to_have_value("Orvell")
    expect(form.locator('input[name="property"]')).to_have_value("number of families")
    expect(form.locator('input[name="about"]')).to_have_value("2024-03-12")
    expect(page.locator("p.flash").first).to_contain_text("Prefilled from a suggested claim")
    screenshot(page, "suggestions-claim-form")
    form.get_by_role("button", name="Add the claim").click()
    expect(page).to_have_url(re.compile(re.escape(site("/claims/")) + r"[^/?]+$"))
    expect(page.locator("blockquote#quote")).to_have_text(f"“{EVENT}”")
    expect(page.locator(".badge.modality").first).to_have_text("event")
    claim = urlsplit(page.url).path.rsplit("/", 1)[1]
    screenshot(page, "suggestions-claim-saved")

    # back on the article: the suggestion names the new claim; dismiss another one
    page.goto(site(path))
    expect(page.locator(f"#suggestion-{event} .sg-recorded a")).to_have_text(claim)
    page.locator(f"#suggestion-{officials}").get_by_role("button", name="Dismiss").click()
    expect(page).to_have_url(site(f"{path}#suggestions"))
    expect(page.locator("p.flash").first).to_contain_text("Suggestion dismissed")
    expect(page.locator(f"#suggestion-{officials}")).to_have_count(0)
    expect(page.locator(f"#sg-{officials}")).to_have_count(0)
    page.reload()
    expect(page.locator(f"#suggestion-{officials}")).to_have_count(0)
    expect(page.locator("#suggestions .sg-more")).to_contain_text("1 dismissed")

    # the suggestions page, dismissed ones listed with Restore; restored, it is back
    page.locator("#suggestions .sg-more").get_by_role("link", name="1 dismissed").click()
    expect(page).to_have_url(site(f"{path}/suggestions?dismissed=1"))
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"suggestions-page-{width}")
        assert no_horizontal_scroll(page), f"the suggestions page scrolls sideways at {width} px"
    page.locator(f"#suggestion-{officials}").get_by_role("button", name="Restore").click()
    expect(page.locator(f"#suggestion-{officials}")).to_have_count(1)
    page.goto(site(path))
    expect(page.locator(f"#suggestion-{officials}")).to_have_count(1)
    page.problems.check()
