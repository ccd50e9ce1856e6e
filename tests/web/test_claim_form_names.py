"""The claim form's names (web/views/edit.py): suggestions for autocomplete
(GET /names/suggest), and near-duplicate warnings before anything is saved (409, "Use
this one", "Create it anyway"), on a fresh KB holding a few named resources."""
from __future__ import annotations

import html as htmllib
import re

import pytest
from rdflib import URIRef

from tests.web.test_auth import csrf_from, login, PASSWORD
from tests.web.test_edit import (QUOTE, article, claim_id, editor_client,  # noqa: F401
                                 field, post_claim, selection)

BORDER = "http://localhost:5000/entities/afghan-tajik-border"
BORDER_LABEL = "Afghanistan–Tajikistan border"   # an en dash

NAMED = f"""entities:
  afghan-tajik-border: {{label: {BORDER_LABEL}, aliases: [Tajik–Afghan frontier]}}
  georgia-country: {{label: Georgia}}
  georgia-state: {{label: Georgia}}
properties:
  share-controlled: {{label: share controlled by the Taliban}}
people:
  gknb: {{label: Tajik State Committee for National Security}}
claims:
  - article: globinsider
    statement: The border is long.
    subject: afghan-tajik-border
    property: share-controlled
    value: over 50%
  - article: globinsider
    statement: Georgia and Georgia.
    subject: georgia-country
    property: share-controlled
    value: {{entity: georgia-state}}
  - article: globinsider
    statement: The committee said so.
    modality: reported-speech
    speaker: gknb
    subject: afghan-tajik-border
    property: share-controlled
    value: over 60%
"""


@pytest.fixture
def named(kb, article, tmp_path):  # noqa: F811
    """The Globinsider article and a few entities, a property and a person."""
    path = tmp_path / "named.yaml"
    path.write_text(NAMED, encoding="utf-8")
    kb.import_file(path)
    return article


def text_of(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def subject_of(kb, ident: str) -> str:
    (content,) = kb.claim_view(ident)["content"]
    return content["subject"]


def names_of(kb, iri: str) -> set[str]:
    return {str(r["label"]) for r in kb.select("labels.rq", resource=URIRef(iri))}


def content_fields(text: str, **changes) -> dict:
    return {**selection(text, QUOTE), "subject": "afghan-tajik-bordr",
            "property": "share controlled by the Taliban", "value": "over 70%", **changes}


# ---------------------------------------------------------------------- suggestions

def suggest(client, kind: str, q: str):
    return client.get("/names/suggest", query_string={"kind": kind, "q": q})


@pytest.mark.parametrize("kind, q, expected", [
    ("entities", "afgh", "afghan-tajik-border"),                         # a label's words
    ("entities", "AFGHANISTAN-TAJIKISTAN", "afghan-tajik-border"),       # case, a plain hyphen
    ("entities", "afghanistan — tajikistan", "afghan-tajik-border"),     # an em dash, spaces
    ("entities", "Afghan Frontier", "afghan-tajik-border"),              # an alias
    ("entities", "afghan-tajik-bor", "afghan-tajik-border"),             # the key
    ("properties", "Taliban", "share-controlled"),
    ("people", "national security", "gknb"),
])
def test_suggestions_match_labels_aliases_and_keys(client, named, kind, q, expected):
    response = suggest(client, kind, q)    # anonymous: a read, like every page
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    items = response.get_json()
    assert isinstance(items, list) and expected in [i["id"] for i in items]
    item = next(i for i in items if i["id"] == expected)
    assert set(item) >= {"id", "label", "aliases", "claims"}
    assert item["claims"] >= 1


def test_a_suggestion_carries_label_aliases_and_claims(client, named):
    (item,) = [i for i in suggest(client, "entities", "tajik").get_json()
               if i["id"] == "afghan-tajik-border"]
    assert item["label"] == BORDER_LABEL
    assert item["aliases"] == ["Tajik–Afghan frontier"]
    assert item["claims"] == 2
    assert suggest(client, "entities", "nothing like it").get_json() == []
    assert suggest(client, "properties", "afgh").get_json() == []  # kinds are kept apart


def test_at_most_ten_suggestions(editor_client, kb, named):
    article_id, text = named
    claim_id(post_claim(editor_client, article_id, **selection(text, QUOTE), subject="Places",
                        property="listed", value_kind="entities",
                        value="; ".join(f"Zqx place {n}" for n in range(12)), confirm_new="1"))
    items = suggest(editor_client, "entities", "zqx place").get_json()
    assert len(items) == 10


@pytest.mark.parametrize("args, message", [
    ({"kind": "claims", "q": "x"}, "kind must be one of entities, properties, people, publishers"),
    ({"q": "x"}, "kind must be one of"),
    ({"kind": "entities", "q": "x" * 201}, "q is longer than 200 characters"),
])
def test_bad_suggestion_requests_are_400_in_the_one_error_shape(client, named, args, message):
    response = client.get("/names/suggest", query_string=args, headers={"Accept": "text/html"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 400 and body["title"] == "Bad Request"
    assert message in body["error"]
    assert client.get("/names/suggest", query_string={"kind": "entities", "q": "x" * 200}
                      ).status_code == 200


# ---------------------------------------------------------------------- the form's markup

def test_the_form_offers_suggestions_and_a_plain_search(editor_client, named):
    article_id, _ = named
    html = editor_client.get(f"/articles/{article_id}/claims/new").get_data(as_text=True)
    for name, kind in (("subject", "entities"), ("property", "properties"), ("value", "entities"),
                       ("scope", "entities"), ("speaker", "people")):
        assert re.search(rf'<input id="claim-{name}" name="{name}" [^>]*data-suggest="{kind}"', html)
        assert field(html, f"{name}_id") == "" and field(html, f"{name}_was") == ""
    assert 'href="/entities" target="_blank"' in html       # "find existing", without JS
    assert 'href="/people" target="_blank"' in html
    assert "/static/edit/names.js" in html
    # the article page's own form gets the script too
    page = editor_client.get(f"/articles/{article_id}").get_data(as_text=True)
    assert "/static/edit/names.js" in page and 'data-suggest="properties"' in page


# ---------------------------------------------------------------------- near-duplicates

def test_a_near_duplicate_writes_nothing_and_names_the_candidate(editor_client, kb, named):
    article_id, text = named
    before = kb.store.quad_count()
    claims = len(kb.list_claims())
    response = post_claim(editor_client, article_id, **content_fields(text, about="2021-07"))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert "New entity ‘afghan-tajik-bordr’" in page
    assert f"looks like existing: {BORDER_LABEL} (afghan-tajik-border)" in page
    assert re.search(r'<button type="submit" class="secondary small use-candidate" name="use" '
                     r'value="subject:afghan-tajik-border">Use this one', html)
    assert re.search(r'name="confirm_new" value="entities:afghan-tajik-bordr">Create it anyway', html)
    # everything typed is kept
    assert field(html, "subject") == "afghan-tajik-bordr"
    assert field(html, "value") == "over 70%" and field(html, "about") == "2021-07"
    assert field(html, "quote") == QUOTE.replace("&", "&amp;")
    assert kb.store.quad_count() == before and len(kb.list_claims()) == claims


def test_use_this_one_writes_the_claim_on_the_existing_entity(editor_client, kb, named):
    article_id, text = named
    response = post_claim(editor_client, article_id,
                          **content_fields(text, use="subject:afghan-tajik-border"))
    ident = claim_id(response)
    assert subject_of(kb, ident) == BORDER
    assert "afghan-tajik-bordr" not in names_of(kb, BORDER)     # the typo is not kept
    assert names_of(kb, BORDER.replace("border", "bordr")) <= {"None"}  # nor a new entity


def test_the_candidate_id_writes_the_claim_on_the_existing_entity(editor_client, kb, named):
    article_id, text = named
    ident = claim_id(post_claim(editor_client, article_id,
                                **content_fields(text, subject=BORDER_LABEL,
                                                 subject_id="afghan-tajik-border")))
    assert subject_of(kb, ident) == BORDER


def test_confirm_new_creates_the_new_entity(editor_client, kb, named):
    article_id, text = named
    response = post_claim(editor_client, article_id, **content_fields(text, confirm_new="1"))
    ident = claim_id(response)
    assert subject_of(kb, ident) == "http://localhost:5000/entities/afghan-tajik-bordr"
    # the claim page says what was created despite the warning
    shown = text_of(editor_client.get(f"/claims/{ident}"))
    assert "created the new entity ‘afghan-tajik-bordr’ anyway" in shown


def test_create_it_anyway_confirms_only_the_names_it_was_shown_with(editor_client, kb, named):
    """The button lists the warned names: a near-duplicate typed afterwards still warns."""
    article_id, text = named
    before = kb.store.quad_count()
    response = post_claim(editor_client, article_id, **content_fields(
        text, property="share controled by the Taliban", confirm_new="entities:afghan-tajik-bordr"))
    assert response.status_code == 409
    page = text_of(response)
    assert "New property ‘share controled by the Taliban’" in page
    assert "New entity ‘afghan-tajik-bordr’" in page       # shown again, with the new one
    both = "entities:afghan-tajik-bordr\nproperties:share controled by the taliban"
    assert f'name="confirm_new" value="{both}">Create them anyway' in page
    assert kb.store.quad_count() == before
    both = both.replace("\n", "\r\n")    # as a browser sends the button's value
    ident = claim_id(post_claim(editor_client, article_id, **content_fields(
        text, property="share controled by the Taliban", confirm_new=both)))
    (content,) = kb.claim_view(ident)["content"]
    assert content["property"].endswith("/properties/share-controled-by-the-taliban")


def test_a_label_that_normalises_to_an_existing_one_is_that_entity(editor_client, kb, named):
    article_id, text = named
    response = post_claim(editor_client, article_id, **content_fields(
        text, subject="Afghanistan-Tajikistan border"))      # a plain hyphen: no warning
    ident = claim_id(response)
    assert subject_of(kb, ident) == BORDER
    shown = text_of(editor_client.get(f"/claims/{ident}"))
    assert "resolved entity 'Afghanistan-Tajikistan border' to afghan-tajik-border" in shown


def test_an_ambiguous_label_is_400_listing_the_candidates(editor_client, kb, named):
    article_id, text = named
    before = kb.store.quad_count()
    response = post_claim(editor_client, article_id, **content_fields(text, subject="Georgia"))
    assert response.status_code == 400
    page = text_of(response)
    assert "entity 'Georgia' is ambiguous" in page
    assert "georgia-country (Georgia)" in page and "georgia-state (Georgia)" in page
    assert field(response.get_data(as_text=True), "subject") == "Georgia"
    assert kb.store.quad_count() == before


def test_a_near_duplicate_member_of_a_set_is_replaced(editor_client, kb, named):
    article_id, text = named
    fields = content_fields(text, subject="CSTO", property="members", value_kind="entities",
                            value="Tajikistan; afghan-tajik-bordr")
    warned = post_claim(editor_client, article_id, **fields)
    assert warned.status_code == 409
    assert 'value="value:afghan-tajik-border:afghan-tajik-bordr"' in warned.get_data(as_text=True)
    ident = claim_id(post_claim(editor_client, article_id, **fields,
                                use="value:afghan-tajik-border:afghan-tajik-bordr"))
    values = sorted(c["value"] for c in kb.claim_view(ident)["content"])
    assert values == [BORDER, "http://localhost:5000/entities/tajikistan"]


def test_editing_into_a_near_duplicate_warns_and_keeps_the_claim(editor_client, kb, named):
    article_id, text = named
    ident = claim_id(post_claim(editor_client, article_id, **content_fields(
        text, subject=BORDER_LABEL)))
    before = kb.claim_view(ident)
    html = editor_client.get(f"/claims/{ident}/edit").get_data(as_text=True)
    assert field(html, "subject_id") == "afghan-tajik-border"
    form = {"csrf_token": csrf_from(html), **content_fields(text), "subject_id": "afghan-tajik-border",
            "subject_was": BORDER_LABEL, "property_id": "share-controlled",
            "property_was": "share controlled by the Taliban"}
    response = editor_client.post(f"/claims/{ident}/edit", data=form)
    assert response.status_code == 409
    assert f'action="/claims/{ident}/edit"' in response.get_data(as_text=True)
    after = kb.claim_view(ident)
    assert after["recorded"] == before["recorded"] and after["content"] == before["content"]
    # "Use this one" from the edit form
    assert claim_id(editor_client.post(f"/claims/{ident}/edit",
                                       data={**form, "use": "subject:afghan-tajik-border"})) == ident
    assert subject_of(kb, ident) == BORDER


def test_use_of_an_unknown_resource_is_400(editor_client, kb, named):
    article_id, text = named
    for use, message in (("subject:no-such-thing", "no entity 'no-such-thing' to use"),
                         ("colour:afghan-tajik-border", "use must be <field>:<id>")):
        response = post_claim(editor_client, article_id, **content_fields(text, use=use))
        assert response.status_code == 400 and message in text_of(response)


# ---------------------------------------------------------------------- API clients

def test_json_clients_get_the_warnings_and_can_confirm(app, client, kb, named):
    article_id, text = named
    app.extensions["claimkb_users"].add_user("api", PASSWORD, "editor")
    login(client, "api")
    token = csrf_from(client.get(f"/articles/{article_id}/claims/new").get_data(as_text=True))
    url = f"/articles/{article_id}/claims"
    headers = {"X-CSRF-Token": token, "Accept": "application/json"}
    response = client.post(url, json=content_fields(text), headers=headers)
    assert response.status_code == 409
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 409 and body["title"] == "Conflict"
    assert "confirm_new=1" in body["error"]
    (warning,) = body["near_duplicates"]
    assert (warning["kind"], warning["name"], warning["field"]) == (
        "entities", "afghan-tajik-bordr", "subject")
    assert warning["candidates"][0]["id"] == "afghan-tajik-border"
    assert warning["candidates"][0]["reason"] == "spelling"
    created = client.post(url, json=content_fields(text, confirm_new="1"), headers=headers)
    assert created.status_code == 201
    body = created.get_json()
    assert body["near_duplicates"][0]["candidates"][0]["id"] == "afghan-tajik-border"
    resolved = client.post(url, json=content_fields(text, subject="AFGHANISTAN-TAJIKISTAN BORDER",
                                                    value="over 80%"), headers=headers)
    assert resolved.status_code == 201, resolved.get_json()
    assert resolved.get_json()["resolved"] == [
        "resolved entity 'AFGHANISTAN-TAJIKISTAN BORDER' to afghan-tajik-border (same name)",
        "resolved property 'share controlled by the Taliban' to share-controlled (same name)"]
