"""Annotating in the web UI (issue #5, web/views/annotate.py, templates/annotate/*,
static/annotate/*): the routes on a fresh KB through Flask's test client — permissions
of every write route, CSRF, bad input, escaping, filters, replies, edits, orphans —
and, in Debian's Chromium (tests/browser_support.py), selecting a sentence and
annotating it, rating a publisher, and an annotation following its sentence when the
article's text changes (or listed as an orphan when the sentence is gone).
"""
from __future__ import annotations

import html as html_lib
import re
from dataclasses import replace

import pytest

from kb.ingest.articles import from_text

from tests.conftest import SEED_ARTICLE
from tests.web.test_auth import PASSWORD, client_for, csrf_from

QUOTE = "Today the Taliban controls over 70% of the 1,344 km long Afghan-Tajik border."
OTHER_QUOTE = "Tajikistan will hardly be able to control the border with Afghanistan on its own."
SCRIPT = '<script>alert("x")</script>'


# ---------------------------------------------------------------------- helpers

def _date(text):
    from kb.model.dates import parse_date

    return parse_date(text)


def import_sample(kb, key="globinsider", text=None):
    """The Globinsider article as stored text (or ``text`` as a new version of it)."""
    data = from_text(SEED_ARTICLE.read_bytes(), str(SEED_ARTICLE), kb.settings.max_article_bytes)
    data = data.with_overrides(key=key, publisher="Globinsider", language="en",
                               kind="opinion", published=_date("2021-07-09"))
    if text is not None:
        data = replace(data, text=text)
    stored = kb.import_article(data)
    return kb.iris.local_id(stored.iri), kb.current_text(stored.iri)[1]


@pytest.fixture
def article(kb):
    return import_sample(kb)


@pytest.fixture
def users(app):
    users = app.extensions["claimkb_users"]
    users.add_user("annie", PASSWORD, "annotator")
    users.add_user("bob", PASSWORD, "annotator")
    users.add_user("rita", PASSWORD, "reader")
    users.add_user("ada", PASSWORD, "admin")
    return users


def token_of(client, path="/articles/globinsider") -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


def selection(text: str, quote: str) -> dict:
    start = text.index(quote)
    return {"quote": quote, "start": str(start), "end": str(start + len(quote)),
            "quote_prefix": text[max(0, start - 32):start],
            "quote_suffix": text[start + len(quote):start + len(quote) + 32]}


def annotate(client, text, selected=QUOTE, article_id="globinsider", **fields):
    data = {"csrf_token": token_of(client), **selection(text, selected),
            "motivation": "commenting", "comment": "worth checking", **fields}
    return client.post(f"/articles/{article_id}/annotations", data=data)


def created_id(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    location = response.headers["Location"]
    match = re.search(r"#annotation-([^#/?]+)$", location)
    assert match, location
    return match.group(1)


def page(client, path="/articles/globinsider") -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def card(html: str, ident: str) -> str:
    """The HTML of one annotation card (up to the next card)."""
    at = html.index(f'id="annotation-{ident}"')
    rest = html[at:]
    end = rest.find('<article class="annotation', 10)
    return rest if end < 0 else rest[:end]


def marks(html: str) -> dict[str, str]:
    """annotation id → the text its highlight covers in the article text (all its
    pieces: an overlap with another highlight splits it)."""
    text = html[html.index('id="article-text"'):]
    text = text[:text.index("</div>")]
    tag = re.compile(r"<(/?)mark\b[^>]*>")
    found: dict[str, str] = {}
    for m in re.finditer(r'<mark class="anno-span[^"]*" data-annotation="([^"]+)"[^>]*>', text):
        depth, i, out = 1, m.end(), []
        while depth:
            nxt = tag.search(text, i)
            out.append(text[i:nxt.start()])
            depth += -1 if nxt.group(1) else 1
            i = nxt.end()
        found[m.group(1)] = found.get(m.group(1), "") + html_lib.unescape("".join(out))
    return found


WRITE_ROUTES = [
    ("create", "/articles/globinsider/annotations"),
    ("reply", "/annotations/{id}/reply"),
    ("edit", "/annotations/{id}/edit"),
    ("delete", "/annotations/{id}/delete"),
    ("claim", "/claims/{claim}/annotations"),
    ("publisher", "/publishers/globinsider/annotations"),
]


@pytest.fixture
def one(app, users, article):
    """(annotation id, a claim id) in a KB with the article, annie's annotation and a claim."""
    _, text = article
    annie = client_for(app, "annie")
    ident = created_id(annotate(annie, text))
    kb = app.extensions["claimkb"]
    from kb.ingest.claimsfile import parse_claim

    record = parse_claim(kb, {"article": str(kb.find_article("globinsider")), "quote": QUOTE,
                              "statement": QUOTE}, where="test",
                         anchor=None, version=kb.current_text(kb.find_article("globinsider")))
    kb.write_claims([record])
    return ident, kb.iris.local_id(record.iri)


# ---------------------------------------------------------------------- permissions

@pytest.mark.parametrize("route", [r for _, r in WRITE_ROUTES],
                         ids=[n for n, _ in WRITE_ROUTES])
def test_anonymous_may_not_write(app, one, route):
    ident, claim = one
    client = app.test_client()
    response = client.post(route.format(id=ident, claim=claim),
                           data={"comment": "hi", "quote": QUOTE})
    assert response.status_code in (401, 403)
    assert app.extensions["claimkb"].annotations.get(ident).bodies_text == ["worth checking"]


@pytest.mark.parametrize("route", [r for _, r in WRITE_ROUTES],
                         ids=[n for n, _ in WRITE_ROUTES])
def test_reader_may_not_write(app, one, route):
    ident, claim = one
    rita = client_for(app, "rita")
    response = rita.post(route.format(id=ident, claim=claim),
                         data={"csrf_token": token_of(rita), "comment": "hi", "quote": QUOTE})
    assert response.status_code == 403
    assert "annotator" in response.get_data(as_text=True)


@pytest.mark.parametrize("route", [r for _, r in WRITE_ROUTES],
                         ids=[n for n, _ in WRITE_ROUTES])
def test_csrf_token_is_required(app, one, route):
    ident, claim = one
    annie = client_for(app, "annie")
    for token in (None, "forged"):
        data = {"comment": "hi", "quote": QUOTE}
        if token:
            data["csrf_token"] = token
        response = annie.post(route.format(id=ident, claim=claim), data=data)
        assert response.status_code == 400
        assert "CSRF token missing or invalid" in response.get_data(as_text=True)


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_another_users_annotation_is_403(app, one, action):
    ident, _ = one
    bob = client_for(app, "bob")
    response = bob.post(f"/annotations/{ident}/{action}",
                        data={"csrf_token": token_of(bob), "comment": "mine now"})
    assert response.status_code == 403
    stored = app.extensions["claimkb"].annotations.get(ident)
    assert stored.bodies_text == ["worth checking"]
    # and the page offers bob no edit/delete on annie's card, but a reply
    html = card(page(bob), ident)
    assert f"/annotations/{ident}/reply" in html
    assert f"/annotations/{ident}/edit" not in html and f"/annotations/{ident}/delete" not in html


def test_admin_may_edit_and_delete_anyones(app, one):
    ident, _ = one
    ada = client_for(app, "ada")
    response = ada.post(f"/annotations/{ident}/edit",
                        data={"csrf_token": token_of(ada), "comment": "moderated"})
    assert response.status_code == 303
    assert app.extensions["claimkb"].annotations.get(ident).bodies_text == ["moderated"]
    response = ada.post(f"/annotations/{ident}/delete", data={"csrf_token": token_of(ada)})
    assert response.status_code == 303


# ---------------------------------------------------------------------- annotating

def test_annotate_a_selection_highlights_and_lists_it(app, users, article):
    _, text = article
    annie = client_for(app, "annie")
    response = annotate(annie, text, comment="The 70% figure is disputed.",
                        tags="border, Taliban ,border", motivation="questioning")
    ident = created_id(response)
    assert response.headers["Location"] == f"/articles/globinsider#annotation-{ident}"
    stored = app.extensions["claimkb"].annotations.get(ident)
    start = text.index(QUOTE)
    assert (stored.start, stored.end, stored.exact) == (start, start + len(QUOTE), QUOTE)
    assert stored.motivations == ["questioning"]
    assert sorted(stored.tags) == ["Taliban", "border"]
    assert stored.bodies_text == ["The 70% figure is disputed."]
    html = page(annie)
    assert "annotation added" in html
    assert marks(html) == {ident: QUOTE}
    one_card = card(html, ident)
    assert "annie" in one_card and "The 70% figure is disputed." in one_card
    assert "question" in one_card and ">border</a>" in one_card and ">Taliban</a>" in one_card
    assert f"/annotations/{ident}/edit" in one_card and f"/annotations/{ident}/delete" in one_card
    # the text itself is unchanged by the highlights
    body = html[html.index('id="article-text"'):]
    body = body[body.index(">") + 1:body.index("</div>")]
    assert html_lib.unescape(re.sub(r"</?mark[^>]*>", "", body)) == text


def test_overlapping_annotations_and_claims_are_all_highlighted(app, users, one, article):
    _, text = article
    first, _claim = one
    part = QUOTE[:40]
    bob = client_for(app, "bob")
    second = created_id(annotate(bob, text, selected=part, comment="first half"))
    html = page(bob)
    found = marks(html)
    assert found[first] == QUOTE
    assert found[second] == part
    assert 'class="claim-span"' in html
    body = html[html.index('id="article-text"'):]
    body = body[body.index(">") + 1:body.index("</div>")]
    assert html_lib.unescape(re.sub(r"</?mark[^>]*>", "", body)) == text


def test_script_in_a_comment_and_tags_is_shown_as_text(app, users, article):
    _, text = article
    annie = client_for(app, "annie")
    ident = created_id(annotate(annie, text, comment=f"look {SCRIPT} here",
                                tags='<b>bold</b>, "><img src=x onerror=alert(1)>'))
    html = page(annie)
    assert SCRIPT not in html and "<b>bold</b>" not in html and "<img src=x" not in html
    one_card = card(html, ident)
    assert "look &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; here" in one_card
    assert "&lt;b&gt;bold&lt;/b&gt;" in one_card
    # the reply and the highlight's title are escaped too
    annie.post(f"/annotations/{ident}/reply", data={"csrf_token": token_of(annie),
                                                      "comment": SCRIPT})
    html = page(annie)
    assert SCRIPT not in html
    assert html.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") >= 3


@pytest.mark.parametrize("fields, message", [
    ({"start": "10", "end": "999999"}, "outside the article text"),
    ({"start": "50", "end": "40"}, "outside the article text"),
    ({"start": "-5", "end": "40"}, "outside the article text"),
    ({"start": "x", "end": "40"}, "start must be a whole number"),
    ({"quote": "words that are nowhere in the text", "start": "", "end": ""}, "quote not found"),
    ({"quote": "  "}, "select (or type) the words"),
    ({"comment": ""}, "write a comment"),
    ({"motivation": "hacking"}, "unknown motivation"),
    ({"motivation": "tagging", "tags": " , "}, "give at least one tag"),
    ({"comment": "x" * 20_001}, "longer than 20000"),
    ({"tags": ",".join(f"t{i}" for i in range(21))}, "at most 20 tags"),
])
def test_bad_input_is_400_and_writes_nothing(app, users, article, fields, message):
    _, text = article
    annie = client_for(app, "annie")
    response = annotate(annie, text, **fields)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message in html_lib.unescape(body)
    assert 'name="comment"' in body  # the form again, with what was typed
    if fields.get("comment") == "":
        assert QUOTE.replace("&", "&amp;") in body
    kb = app.extensions["claimkb"]
    assert kb.annotations.for_article(str(kb.find_article("globinsider"))) == []


def test_a_stale_selection_is_found_again(app, users, article):
    """start/end that do not hold the quote (the page was older than the text): the
    quote is located again, as for claims."""
    _, text = article
    annie = client_for(app, "annie")
    ident = created_id(annotate(annie, text, start="0", end=str(len(QUOTE))))
    stored = app.extensions["claimkb"].annotations.get(ident)
    assert stored.start == text.index(QUOTE)


def test_unknown_article_or_annotation_is_404(app, users, article):
    annie = client_for(app, "annie")
    token = token_of(annie)
    assert annie.post("/articles/nope/annotations",
                      data={"csrf_token": token, "quote": QUOTE, "comment": "x"}).status_code == 404
    for action in ("reply", "edit", "delete"):
        response = annie.post(f"/annotations/nope/{action}",
                              data={"csrf_token": token, "comment": "x"})
        assert response.status_code == 404, action
        assert response.mimetype == "text/html"   # a browser form: the error as a page


# ---------------------------------------------------------------------- replies, edits

def test_reply_is_threaded_under_the_annotation(app, one):
    ident, _ = one
    bob = client_for(app, "bob")
    response = bob.post(f"/annotations/{ident}/reply",
                        data={"csrf_token": token_of(bob), "comment": "Source: BBC.",
                              "next": "/articles/globinsider?author=annie"})
    assert response.status_code == 303
    reply_id = re.search(r"#annotation-(.+)$", response.headers["Location"]).group(1)
    assert response.headers["Location"].startswith("/articles/globinsider?author=annie#")
    reply = app.extensions["claimkb"].annotations.get(reply_id)
    assert reply.motivations == ["replying"] and str(reply.replies_to) == str(
        app.extensions["claimkb"].annotations.get(ident).iri)
    annie = client_for(app, "annie")
    response = annie.post(f"/annotations/{reply_id}/reply",
                          data={"csrf_token": token_of(annie), "comment": "Thanks!"})
    second = re.search(r"#annotation-(.+)$", response.headers["Location"]).group(1)
    html = page(annie)
    parent = card(html, ident)
    assert f'id="annotation-{reply_id}"' in html[html.index(f'id="annotation-{ident}"'):]
    assert html.index(f'id="annotation-{ident}"') < html.index(f'id="annotation-{reply_id}"') \
        < html.index(f'id="annotation-{second}"')
    assert 'class="replies"' in parent
    # a reply is not an annotation of the text: no highlight of its own
    assert set(marks(html)) == {ident}
    # an empty reply: 400, the form again
    response = bob.post(f"/annotations/{ident}/reply", data={"csrf_token": token_of(bob), "comment": " "})
    assert response.status_code == 400 and "write a comment" in response.get_data(as_text=True)


def test_edit_and_delete_own_annotation(app, one):
    ident, _ = one
    annie = client_for(app, "annie")
    kb = app.extensions["claimkb"]
    etag = kb.annotations.get(ident).etag
    response = annie.post(f"/annotations/{ident}/edit",
                          data={"csrf_token": token_of(annie), "comment": "Checked: correct.",
                                "tags": "verified", "motivation": "assessing", "etag": etag})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/articles/globinsider#annotation-{ident}"
    stored = kb.annotations.get(ident)
    assert stored.bodies_text == ["Checked: correct."] and stored.tags == ["verified"]
    assert stored.motivations == ["assessing"]
    assert (stored.start, stored.exact) == (kb.current_text(kb.find_article("globinsider"))[1]
                                            .index(QUOTE), QUOTE)   # the target is kept
    html = page(annie)
    assert "annotation changed" in html and "Checked: correct." in card(html, ident)
    # the old ETag is stale now: 412, nothing changed
    response = annie.post(f"/annotations/{ident}/edit",
                          data={"csrf_token": token_of(annie), "comment": "again", "etag": etag})
    assert response.status_code == 412
    assert kb.annotations.get(ident).bodies_text == ["Checked: correct."]
    response = annie.post(f"/annotations/{ident}/edit",
                          data={"csrf_token": token_of(annie), "comment": ""})
    assert response.status_code == 400
    response = annie.post(f"/annotations/{ident}/delete", data={"csrf_token": token_of(annie)})
    assert response.status_code == 303
    html = page(annie)
    assert "annotation deleted" in html
    assert f'id="annotation-{ident}"' not in html and marks(html) == {}


def test_json_answers_for_api_clients(app, users, article):
    _, text = article
    token = users.create_token("annie")
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    response = client.post("/articles/globinsider/annotations", headers=headers,
                           json={**selection(text, QUOTE), "comment": "via the API"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["ok"] is True and response.headers["Location"] == f"/annotations/{body['id']}"
    response = client.post("/articles/globinsider/annotations", headers=headers,
                           json={**selection(text, QUOTE), "start": "0", "end": "99999",
                                 "comment": "x"})
    assert response.status_code == 400 and "outside the article text" in response.get_json()["error"]
    response = client.post(f"/annotations/{body['id']}/delete", headers=headers, json={})
    assert response.status_code == 200 and response.get_json()["ok"] is True


def test_editing_in_the_ui_keeps_what_the_form_does_not_show(app, users):
    """Regression: an edit through the UI dropped link bodies (a body that is an IRI was
    taken for text), the document's own creator and generator, and kept a bodyValue
    beside the new comment (the old text shown twice)."""
    kb = app.extensions["claimkb"]
    doc = {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
           "motivation": "commenting",
           "creator": {"id": "http://example.org/people/al", "type": "Person", "name": "Al"},
           "generator": {"id": "http://example.org/client", "type": "Software", "name": "Code v2"},
           "body": ["http://example.org/post1", {"type": "TextualBody", "value": "old text"}],
           "target": "http://example.com/page1"}
    linked = kb.annotations.create(doc, user="annie")
    annie = client_for(app, "annie")
    response = annie.post(f"/annotations/{linked.id}/edit",
                          data={"csrf_token": token_of(annie), "comment": "new text",
                                "etag": linked.etag})
    assert response.status_code == 303
    stored = kb.annotations.get(linked.id)
    assert stored.bodies_text == ["new text"]
    bodies = stored.doc["body"]
    assert "http://example.org/post1" in bodies
    creators = stored.doc["creator"]
    assert {"id": "http://example.org/people/al", "type": "Person", "name": "Al"} in creators
    assert stored.creator == "annie"
    assert stored.doc["generator"]["id"] == "http://example.org/client"

    plain = kb.annotations.create({"@context": "http://www.w3.org/ns/anno.jsonld",
                                   "type": "Annotation", "bodyValue": "old comment",
                                   "target": "http://example.com/page1"}, user="annie")
    response = annie.post(f"/annotations/{plain.id}/edit",
                          data={"csrf_token": token_of(annie), "comment": "new comment",
                                "etag": plain.etag})
    assert response.status_code == 303
    assert kb.annotations.get(plain.id).bodies_text == ["new comment"]


def test_article_page_queries_do_not_grow_with_replies(app, users, article):
    """Regression: every reply on an article page was fetched with a query of its own."""
    _, text = article
    kb = app.extensions["claimkb"]
    annie = client_for(app, "annie")
    parents = [created_id(annotate(annie, text, comment=f"note {i}")) for i in range(3)]

    def queries() -> int:
        calls = []
        select = kb.select
        kb.select = lambda name, **kw: calls.append(name) or select(name, **kw)
        try:
            page(annie)
        finally:
            del kb.select
        return len(calls)

    before = queries()
    for ident in parents:
        for _ in range(4):
            kb.annotations.create({"@context": "http://www.w3.org/ns/anno.jsonld",
                                   "type": "Annotation", "motivation": "replying",
                                   "bodyValue": "a reply", "target": kb.annotations.get(ident).iri},
                                  user="bob")
    html = page(annie)
    assert html.count("a reply") >= 12
    assert queries() <= before + 2     # a query per level of the threads, not per reply


# ---------------------------------------------------------------------- filters

def test_filters_by_motivation_tag_and_author(app, users, article):
    _, text = article
    annie, bob = client_for(app, "annie"), client_for(app, "bob")
    a1 = created_id(annotate(annie, text, comment="one", tags="border"))
    a2 = created_id(annotate(annie, text, selected=OTHER_QUOTE, comment="two",
                             motivation="questioning", tags="Russia"))
    b1 = created_id(annotate(bob, text, selected=OTHER_QUOTE, comment="three", tags="border"))

    def shown(query):
        html = page(annie, f"/articles/globinsider{query}")
        listed = set(re.findall(r'<article class="annotation[^"]*" id="annotation-([^"]+)"', html))
        return listed, set(marks(html))

    assert shown("") == ({a1, a2, b1}, {a1, a2, b1})
    assert shown("?motivation=questioning") == ({a2}, {a2})
    assert shown("?tag=border") == ({a1, b1}, {a1, b1})
    assert shown("?tag=BORDER") == ({a1, b1}, {a1, b1})
    assert shown("?author=bob") == ({b1}, {b1})
    assert shown("?author=annie&tag=border") == ({a1}, {a1})
    assert shown("?motivation=&tag=&author=") == ({a1, a2, b1}, {a1, a2, b1})
    html = page(annie, "/articles/globinsider?tag=nothing")
    assert "No annotation matches the filters." in html and "show all" in html
    # the filter form offers the values there are (and works without JavaScript: GET)
    form = html[html.index('class="anno-filters'):]
    form = form[:form.index("</form>")]
    assert 'method="get"' in html[html.index('class="anno-filters') - 30:][:200]
    for value in ("commenting", "questioning", "border", "Russia", "annie", "bob"):
        assert f'value="{value}"' in form, value


# ---------------------------------------------------------------------- claims, publishers

def test_notes_on_a_claim_and_a_publisher(app, one):
    _, claim = one
    annie = client_for(app, "annie")
    response = annie.post(f"/claims/{claim}/annotations",
                          data={"csrf_token": token_of(annie), "comment": f"Claim note {SCRIPT}",
                                "tags": "check"})
    ident = created_id(response)
    assert response.headers["Location"] == f"/claims/{claim}#annotation-{ident}"
    html = page(annie, f"/claims/{claim}")
    section = html[html.index('id="annotations"'):]
    assert "Claim note &lt;script&gt;" in section and SCRIPT not in html
    response = annie.post("/publishers/globinsider/annotations",
                          data={"csrf_token": token_of(annie), "comment": "Often cites RIA.",
                                "motivation": "assessing"})
    pub = created_id(response)
    html = page(annie, "/publishers/globinsider")
    assert f'id="annotation-{pub}"' in html and "Often cites RIA." in html
    assert page(annie, "/publishers/globinsider").count('<article class="annotation') == 1
    assert annie.post("/publishers/nobody/annotations",
                      data={"csrf_token": token_of(annie), "comment": "x"}).status_code == 404
    assert annie.post("/claims/nope/annotations",
                      data={"csrf_token": token_of(annie), "comment": "x"}).status_code == 404
    # anonymous readers see the notes and a way to log in, no form
    html = page(app.test_client(), f"/claims/{claim}")
    assert "Claim note" in html and f'action="/claims/{claim}/annotations"' not in html


# ---------------------------------------------------------------------- a changed text

def moved_and_orphaned(kb, annie, text) -> tuple[str, str]:
    """Annie annotates OTHER_QUOTE and QUOTE; then a new version of the article moves
    OTHER_QUOTE to the top and removes QUOTE (import_article re-anchors). Returns the
    two annotation ids: (moved, gone)."""
    moved = created_id(annotate(annie, text, selected=OTHER_QUOTE, comment="moved later"))
    gone = created_id(annotate(annie, text, comment="this sentence goes"))
    import_sample(kb, text=OTHER_QUOTE + "\n\n" + text.replace(OTHER_QUOTE, "").replace(QUOTE, ""))
    return moved, gone


def test_changed_text_reanchors_or_lists_an_orphan(app, kb, users, article):
    _, text = article
    annie = client_for(app, "annie")
    moved, gone = moved_and_orphaned(kb, annie, text)
    html = page(annie)
    assert marks(html) == {moved: OTHER_QUOTE}
    orphans = html[html.index('id="orphans"'):]
    assert "Could not be re-anchored" in orphans
    assert f'id="annotation-{gone}"' in orphans and "this sentence goes" in orphans
    assert f'id="annotation-{moved}"' not in orphans


# ====================================================================== in the browser
# Debian's Chromium on the shared demo site (tests/browser_support.py). The tests write
# only their own things: an annotation on a Globinsider sentence that no other browser
# test selects, a rating, and an article of their own whose text they change.

from playwright.sync_api import expect  # noqa: E402

from tests.browser_support import (  # noqa: E402,F401
    SCREENSHOTS, drag_select, expect_quote_fields, new_page, page_fixture, screenshot, settle)

ANNOTATOR = ("annie", "annotator's long password")
ARTICLE = "globinsider"
# two claims' quotes and the dash between them: the highlight overlaps both claim spans
SENTENCE = ("Afghanistan lost control of 13 regions to the Taliban in just one day – something "
            "that has not happened since the beginning of the Afghan civil war.")
MOVING = "Moscow cannot abandon the secular regimes in Dushanbe, Tashkent, Ashgabat and Bishkek."
MOVED = "Moscow can't abandon the secular regimes in Dushanbe, Tashkent, Ashgabat or Bishkek."
OWN_ARTICLE = "annotation-reanchoring-sample"


@pytest.fixture(scope="module", name="annotator")
def annotator_fixture(site):
    """An annotator account on the shared site (its users.sqlite)."""
    from kb.errors import InputError
    from kb.accounts.users import Users

    users = Users.for_settings(site.kb.settings)
    try:
        users.add_user(*ANNOTATOR, "annotator")
    except InputError:
        users.set_password(ANNOTATOR[0], ANNOTATOR[1])
    return ANNOTATOR


def element_screenshot(locator, name: str) -> None:
    """test-artifacts/screenshots/<name>.png of one element (a close look)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def contrast(locator) -> float:
    """The WCAG contrast ratio of an element's text against its effective background
    (the first ancestor's that is not transparent)."""
    return locator.evaluate(
        """el => {
             const rgb = s => s.match(/[\\d.]+/g).map(Number);
             let bg = null;
             for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
               const c = rgb(getComputedStyle(n).backgroundColor);
               if (c.length < 4 || c[3] > 0) { bg = c; break; }
             }
             bg = bg || [255, 255, 255];
             const fg = rgb(getComputedStyle(el).color);
             const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
               return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
               return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
             const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
             return (a + 0.05) / (b + 0.05);
           }""")


def log_in(page, site, who, path: str) -> None:
    page.goto(site(f"/login?next={path}"))
    page.get_by_label("User name").fill(who[0])
    page.get_by_label("Password").fill(who[1])
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(site(path))


def highlighted(page, ident: str) -> str:
    """The text of all the highlight pieces of one annotation, in order."""
    return "".join(page.locator(f'#article-text mark.anno-span[data-annotation="{ident}"]')
                   .all_text_contents())


def offset_of(page, ident: str) -> int:
    """Where (in characters of the article text) the annotation's highlight starts."""
    return page.evaluate(
        """(id) => {
             const root = document.getElementById("article-text");
             const mark = root.querySelector(`mark.anno-span[data-annotation="${id}"]`);
             const range = document.createRange();
             range.selectNodeContents(root);
             range.setEndBefore(mark);
             return Array.from(range.toString()).length;
           }""", ident)


@pytest.mark.browser
def test_browser_select_a_sentence_annotate_reload_see_it_highlighted(page, site, annotator):
    log_in(page, site, annotator, f"/articles/{ARTICLE}")
    expect(page.locator("#annotations h2")).to_contain_text("Annotations")
    drag_select(page, SENTENCE)
    button = page.locator("#annotate-button")
    expect(button).to_be_visible()
    button.click()
    form = page.locator("#annotate-form")
    expect(form).to_be_visible()
    stored = site.kb.article_view(ARTICLE)["text"]
    start = stored.index(SENTENCE)
    expect_quote_fields(form, stored, SENTENCE)
    comment = f"Is there a second source for the 13 regions? {SCRIPT}"
    form.locator('select[name="motivation"]').select_option("questioning")
    form.locator('textarea[name="comment"]').fill(comment)
    form.locator('input[name="tags"]').fill("regions, needs source")
    screenshot(page, "annotate-form")
    element_screenshot(page.locator("#annotations"), "annotate-form-panel")
    form.get_by_role("button", name="Annotate").click()

    expect(page).to_have_url(re.compile(re.escape(site(f"/articles/{ARTICLE}#annotation-")) + ".+"))
    ident = page.url.rsplit("#annotation-", 1)[1]
    expect(page.locator(".flash")).to_have_text("annotation added")
    page.reload()
    # highlighted in the text (in pieces: it overlaps two claims' spans, which stay)
    assert highlighted(page, ident) == SENTENCE
    assert offset_of(page, ident) == start
    pieces = page.locator(f'#article-text mark.anno-span[data-annotation="{ident}"]')
    assert pieces.count() >= 2
    inside_claims = page.locator(f'#article-text mark.claim-span mark.anno-span[data-annotation="{ident}"]')
    assert inside_claims.count() >= 1
    colours = pieces.first.evaluate("m => [getComputedStyle(m).backgroundColor, "
                                    "getComputedStyle(m.closest('mark.claim-span')).backgroundColor]")
    assert colours[0] != colours[1], colours
    # listed beside the text, the comment shown as text
    card = page.locator(f"#annotation-{ident}")
    expect(card).to_be_visible()
    expect(card.locator(".author")).to_have_text(annotator[0])
    expect(card.locator(".anno-body")).to_have_text(comment)
    expect(card.locator(".badge.motivation")).to_have_text("question")
    assert contrast(card.locator(".badge.motivation")) >= 4.5
    assert contrast(card.locator(".anno-body")) >= 4.5
    expect(card.locator(".tag")).to_have_text(["needs source", "regions"])
    expect(card.locator(".anno-quote")).to_have_text(SENTENCE)
    assert page.evaluate("document.querySelectorAll('script:not([src])').length") == 0
    panel = page.locator("#annotations").bounding_box()
    text = page.locator("#article-text").bounding_box()
    assert panel["x"] >= text["x"] + text["width"] - 1, "the panel is beside the text"
    screenshot(page, "article-annotated")
    element_screenshot(page.locator("#annotations"), "annotations-panel")
    element_screenshot(pieces.first.locator("xpath=ancestor::mark[contains(@class,'claim-span')]"),
                       "annotation-highlight")

    # a click on the highlight shows its card; one on the card's quote, the highlight
    page.evaluate("document.getElementById('annotations').scrollTop = 0")
    pieces.last.click()
    expect(page).to_have_url(re.compile(re.escape(site(f"/articles/{ARTICLE}"))))  # not the claim
    expect(card).to_have_class(re.compile(r"\bflash\b"))
    expect(card).to_be_in_viewport()
    page.mouse.move(5, 5)
    page.evaluate("window.scrollTo(0, 0)")
    card.locator(".anno-quote a").click()
    expect(pieces.first).to_have_class(re.compile(r"\bactive\b"))
    expect(pieces.first).to_be_in_viewport()

    # filtered by its tag, by another author: shown, hidden
    page.goto(site(f"/articles/{ARTICLE}?tag=regions"))
    expect(card).to_be_visible()
    page.locator('.anno-filters select[name="author"]').select_option("")
    page.locator(".anno-filters").get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"tag=regions"))
    expect(card).to_be_visible()
    page.goto(site(f"/articles/{ARTICLE}?author=somebody-else"))
    expect(card).to_have_count(0)
    assert highlighted(page, ident) == ""
    page.problems.check()


@pytest.mark.browser
def test_browser_editor_gets_annotate_beside_add_a_claim(page, site):
    """The selection code is shared (static/selection.js): an editor's selection offers
    both actions, side by side, and each fills its own form."""
    log_in(page, site, site.editor, f"/articles/{ARTICLE}")
    phrase = "The radicalization of the population of Central Asia"
    drag_select(page, phrase)
    add_claim, annotate_button = page.locator("#add-claim-button"), page.locator("#annotate-button")
    expect(add_claim).to_be_visible()
    expect(annotate_button).to_be_visible()
    a, b = add_claim.bounding_box(), annotate_button.bounding_box()
    assert abs(a["y"] - b["y"]) < 2 and b["x"] >= a["x"] + a["width"], (a, b)
    screenshot(page, "article-selection-actions")
    element_screenshot(page.locator("#article-text"), "article-selection-actions-text")
    annotate_button.click()
    expect(page.locator('#annotate-form textarea[name="quote"]')).to_have_value(phrase)
    drag_select(page, phrase)
    add_claim.click()
    expect(page.locator('#add-claim-form textarea[name="quote"]')).to_have_value(phrase)
    start = site.kb.article_view(ARTICLE)["text"].index(phrase)
    expect(page.locator('#add-claim-form input[name="start"]')).to_have_value(str(start))
    page.problems.check()


@pytest.mark.browser
def test_browser_reply_edit_delete_without_javascript(browser, site, annotator):
    page = new_page(browser, site, javascript=False)
    try:
        log_in(page, site, annotator, f"/articles/{ARTICLE}")
        stored = site.kb.article_view(ARTICLE)["text"]
        quote = "Moscow cannot abandon the secular regimes"
        assert stored.count(quote) == 1
        # no JavaScript: the form is there to open, the quote typed by hand
        page.locator("details#annotate summary").click()
        form = page.locator("#annotate-form")
        form.locator('textarea[name="quote"]').fill(quote)
        form.locator('textarea[name="comment"]').fill("Typed, not selected.")
        form.get_by_role("button", name="Annotate").click()
        expect(page.locator(".flash")).to_have_text("annotation added")
        ident = page.url.rsplit("#annotation-", 1)[1]
        card = page.locator(f"#annotation-{ident}")
        assert highlighted(page, ident) == quote
        card.locator("details.anno-reply summary").click()
        card.locator("details.anno-reply textarea").fill("A reply, threaded.")
        card.get_by_role("button", name="Post the reply").click()
        expect(page.locator(".flash")).to_have_text("reply added")
        expect(card.locator(".replies .annotation .anno-body")).to_have_text("A reply, threaded.")
        card.locator("> .anno-actions details.anno-edit summary").click()
        card.locator("> .anno-actions details.anno-edit textarea").fill("Edited <em>twice</em>.")
        card.locator("> .anno-actions").get_by_role("button", name="Save").click()
        expect(page.locator(".flash")).to_have_text("annotation changed")
        expect(card.locator("> .anno-body")).to_have_text("Edited <em>twice</em>.")
        screenshot(page, "article-annotation-thread-nojs")
        element_screenshot(card, "annotation-thread-nojs")
        card.locator("> .anno-actions").get_by_role("button", name="Delete").click()
        expect(page.locator(".flash")).to_have_text("annotation deleted")
        expect(card).to_have_count(0)
        assert highlighted(page, ident) == ""
        page.problems.check()
    finally:
        page.context.close()


@pytest.mark.browser
def test_browser_rate_a_publisher_and_annotate_it(page, site, annotator):
    publisher = "/publishers/globinsider"
    log_in(page, site, annotator, publisher)
    # the rating form of web/views/reliability.py (templates/reliability/_form.html)
    form = page.locator("#rating-form")
    expect(form).to_be_visible()
    form.locator('select[name="value"]').select_option("3")
    reason = "Opinion pieces are labelled, but the sourcing of figures is thin."
    form.locator('textarea[name="reason"]').fill(reason)
    form.locator('input[name="evidence"]').fill("https://example.org/reviews/globinsider")
    form.get_by_role("button", name="Rate").click()
    expect(page).to_have_url(site(f"{publisher}#ratings"))
    expect(page.locator(".flash")).to_contain_text("your rating of Globinsider is recorded: 3/5")
    page.reload()
    mine = page.locator(f'#ratings li.assessor-ratings[data-assessor="{annotator[0]}"]')
    expect(mine.locator(".badge.rating")).to_have_text("3/5 · mixed reliability")
    assert contrast(mine.locator(".badge.rating")) >= 3, "the rating badge is not legible"
    expect(mine.locator(".reason")).to_have_text(reason)
    expect(mine.locator("a.evidence").first).to_have_attribute("href", "https://example.org/reviews/globinsider")

    # a note on the publisher as a whole (the page's Annotations section)
    section = page.locator("section.annotations-compact")
    section.locator("details.annotate summary").click()
    section.locator('select[name="motivation"]').select_option("assessing")
    section.locator('textarea[name="comment"]').fill("Rated after reading ten of its pieces.")
    section.locator('input[name="tags"]').fill("rating")
    section.get_by_role("button", name="Annotate").click()
    expect(page.locator(".flash")).to_have_text("annotation added")
    ident = page.url.rsplit("#annotation-", 1)[1]
    card = page.locator(f"section.annotations-compact #annotation-{ident}")
    expect(card.locator(".anno-body")).to_have_text("Rated after reading ten of its pieces.")
    expect(card.locator(".badge.motivation")).to_have_text("assessment")
    screenshot(page, "publisher-rated")
    element_screenshot(page.locator("#ratings"), "publisher-rating")
    page.problems.check()


@pytest.mark.browser
def test_browser_annotation_follows_a_changed_text_or_is_an_orphan(page, site, annotator):
    kb = site.kb
    data = from_text(SEED_ARTICLE.read_bytes(), str(SEED_ARTICLE), kb.settings.max_article_bytes)
    data = data.with_overrides(key=OWN_ARTICLE, publisher="Annotation Test Press",
                               language="en", published=_date("2021-07-09"))
    stored = kb.import_article(data)
    article_id = kb.iris.local_id(stored.iri)
    text = kb.current_text(stored.iri)[1]
    log_in(page, site, annotator, f"/articles/{article_id}")
    drag_select(page, MOVING)
    page.locator("#annotate-button").click()
    page.locator('#annotate-form textarea[name="comment"]').fill("Which regimes exactly?")
    page.locator("#annotate-form").get_by_role("button", name="Annotate").click()
    expect(page.locator(".flash")).to_have_text("annotation added")
    ident = page.url.rsplit("#annotation-", 1)[1]
    assert highlighted(page, ident) == MOVING
    assert offset_of(page, ident) == text.index(MOVING)

    # a new version of the text: the sentence slightly edited and moved to the top
    edited = MOVED + "\n\n" + text.replace(MOVING + " ", "").replace(MOVING, "")
    kb.import_article(replace(data, text=edited))
    kb.annotations.reanchor_article(str(stored.iri))
    page.reload()
    assert highlighted(page, ident) == MOVED
    assert offset_of(page, ident) == 0
    card = page.locator(f"#annotation-{ident}")
    expect(card.locator(".anno-quote")).to_have_text(MOVED)
    expect(page.locator("#orphans")).to_have_count(0)
    screenshot(page, "article-reanchored")
    element_screenshot(page.locator("#annotations"), "annotations-reanchored-panel")

    # another version without it: listed as an orphan, highlighted nowhere
    removed = edited.replace(MOVED, "")
    kb.import_article(replace(data, text=removed))
    kb.annotations.reanchor_article(str(stored.iri))
    page.reload()
    assert highlighted(page, ident) == ""
    orphans = page.locator("#orphans")
    expect(orphans.locator("h3")).to_have_text("Could not be re-anchored")
    expect(orphans.locator(f"#annotation-{ident} .anno-body")).to_have_text("Which regimes exactly?")
    expect(orphans.locator(f"#annotation-{ident} .anno-quote")).to_contain_text("Ashgabat")
    orphans.scroll_into_view_if_needed()
    screenshot(page, "article-orphan")
    element_screenshot(page.locator("#annotations"), "annotations-orphan-panel")
    page.problems.check()


# ====================================================================== history page
# GET /annotations/<id>/history: a page for browsers, JSON for API clients.

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def history_page(client, ident: str) -> str:
    response = client.get(f"/annotations/{ident}/history", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200 and response.mimetype == "text/html"
    return response.get_data(as_text=True)


def history_rows(html: str) -> list[str]:
    """The "what" of each change on the page, in page order."""
    return re.findall(r'<tr class="change ([a-z-]+)">', html)


def test_history_page_for_a_browser_with_the_earlier_version_escaped(app, users, article):
    _, text = article
    annie = client_for(app, "annie")
    ident = created_id(annotate(annie, text, comment=f"look {SCRIPT} here"))
    assert f'href="/annotations/{ident}/history"' in card(page(annie), ident)   # the card links it
    kb = app.extensions["claimkb"]
    response = annie.post(f"/annotations/{ident}/edit",
                          data={"csrf_token": token_of(annie), "comment": "Checked: fine.",
                                "etag": kb.annotations.get(ident).etag})
    assert response.status_code == 303
    html = history_page(app.test_client(), ident)     # readable by anyone, as the annotation
    assert history_rows(html) == ["updated", "created"]     # newest first
    assert html.count("<details") == 1                      # the creation keeps no earlier version
    assert SCRIPT not in html and "<script>alert" not in html
    earlier = html[html.index("<details"):html.index("</details>")]
    assert "&lt;script&gt;alert(\\&#34;x\\&#34;)&lt;/script&gt;" in earlier
    assert '"TextualBody"' not in earlier and "&#34;TextualBody&#34;" in earlier   # JSON, escaped
    assert f'href="/annotations/{ident}"' in html and ">annie<" in html
    assert f'href="/annotations/{ident}/history.json"' in html


def test_history_json_for_api_clients(app, users, article):
    _, text = article
    annie = client_for(app, "annie")
    ident = created_id(annotate(annie, text))
    client = app.test_client()
    token = {"Authorization": f"Bearer {users.create_token('rita')}"}
    for headers, path in (({}, ""),
                          ({"Accept": "application/json"}, ""),
                          ({"Accept": "application/ld+json"}, ""),
                          ({"Accept": BROWSER_ACCEPT, **token}, ""),   # API clients get data
                          ({"Accept": BROWSER_ACCEPT}, ".json")):
        response = client.get(f"/annotations/{ident}/history{path}", headers=headers)
        assert response.status_code == 200, headers
        assert response.is_json and response.mimetype != "text/html", headers
        body = response.get_json()
        assert body["id"].endswith(f"/annotations/{ident}")
        assert [c["action"] for c in body["changes"]] == ["created"]
        assert body["changes"][0]["who"] == "annie"


def test_history_of_an_unknown_annotation_is_404(app, users, article):
    client = app.test_client()
    for path in ("/annotations/never-was/history", "/annotations/never-was/history.json"):
        response = client.get(path, headers={"Accept": BROWSER_ACCEPT})
        assert response.status_code == 404
        assert "no annotation 'never-was'" in response.get_data(as_text=True)
    assert client.get("/annotations/x/history.ttl").status_code == 404


def test_history_of_a_deleted_annotation_is_still_shown(app, users, article):
    _, text = article
    annie = client_for(app, "annie")
    ident = created_id(annotate(annie, text, comment=f"soon gone {SCRIPT}"))
    assert annie.post(f"/annotations/{ident}/delete",
                      data={"csrf_token": token_of(annie)}).status_code == 303
    assert app.test_client().get(f"/annotations/{ident}").status_code == 410
    html = history_page(app.test_client(), ident)
    assert history_rows(html) == ["deleted", "created"]
    assert f"{ident} (deleted)" in html and f'href="/annotations/{ident}"' not in html
    earlier = html[html.index("<details"):html.index("</details>")]
    assert "soon gone &lt;script&gt;" in earlier and SCRIPT not in html


def test_history_tells_re_anchored_and_orphaned(app, kb, users, article):
    _, text = article
    annie = client_for(app, "annie")
    moved, gone = moved_and_orphaned(kb, annie, text)
    moved_html = history_page(app.test_client(), moved)
    assert history_rows(moved_html) == ["re-anchored", "created"]
    assert "the server" in moved_html
    assert history_rows(history_page(app.test_client(), gone)) == ["orphaned", "created"]
