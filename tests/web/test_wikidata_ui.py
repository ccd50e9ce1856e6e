"""Linking an entity to Wikidata from the web UI (editors), against a real local
endpoint (`oxigraph serve-read-only` with a Wikidata-shaped extract; no internet)."""
from __future__ import annotations

import pytest

from web import create_app

from tests.kb.services.test_entity_links import linked_kb  # noqa: F401  (the KB it links)
from tests.kb.services.test_wikidata import endpoint  # noqa: F401  (the real endpoint)
from tests.web.test_auth import PASSWORD, csrf_from, login

pytestmark = pytest.mark.remote


@pytest.fixture
def site(linked_kb):  # noqa: F811
    app = create_app(kb=linked_kb, config={"TESTING": True})
    users = app.extensions["claimkb_users"]
    users.add_user("eddie", PASSWORD, "editor")
    users.add_user("rita", PASSWORD, "reader")
    return app, linked_kb


def test_an_editor_finds_and_links_an_entity(site):
    app, kb = site
    client = app.test_client()
    assert client.get("/entities/badakhshan/wikidata").status_code in (302, 401, 403)
    login(client, "eddie")
    page = client.get("/entities/badakhshan/wikidata")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Q165376" in html and "province of Afghanistan" in html
    data = client.get("/entities/badakhshan/wikidata.json?q=Badachschan&language=de").get_json()
    assert data["candidates"][0]["qid"] == "Q165376"
    done = client.post("/entities/badakhshan/wikidata",
                       data={"csrf_token": csrf_from(html), "qid": "Q165376"})
    assert done.status_code == 303 and done.headers["Location"] == "/entities/badakhshan"
    row = kb.entities.find("entities", "badakhshan")
    assert row.wikidata == ["Q165376"]
    # a bad id: the one error shape, nothing written
    quads = kb.store.quad_count()
    bad = client.post("/entities/badakhshan/wikidata", headers={"Accept": "application/json"},
                      data={"csrf_token": csrf_from(html), "qid": "Q123456789", "replace": "1"})
    assert bad.status_code == 404 and bad.get_json()["ok"] is False, bad.get_data(as_text=True)
    assert kb.store.quad_count() == quads
    other = client.post("/entities/badakhshan/wikidata", headers={"Accept": "application/json"},
                        data={"csrf_token": csrf_from(html), "qid": "Q889"})
    assert other.status_code == 400 and "replace that link" in other.get_json()["error"]
    no_token = client.post("/entities/badakhshan/wikidata", data={"qid": "Q165376"})
    assert no_token.status_code in (400, 403)


def test_a_reader_cannot_link(site):
    app, _kb = site
    client = app.test_client()
    login(client, "rita")
    assert client.get("/entities/badakhshan/wikidata").status_code == 403


def test_the_entity_page_offers_the_lookup_to_editors(site):
    app, _kb = site
    client = app.test_client()
    assert "Find on Wikidata" not in client.get("/entities/badakhshan").get_data(as_text=True)
    login(client, "eddie")
    html = client.get("/entities/badakhshan").get_data(as_text=True)
    assert 'href="/entities/badakhshan/wikidata">Find on Wikidata</a>' in html
