"""Atom feeds of new claims and new conflicts (issue #17 item 7; web/views/feeds.py):
well-formed Atom (parsed here), newest first, per entity and publisher, escaped, and
linked from the pages that show those claims."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.conftest import SEED_ARTICLE
from tests.contract.test_store_contract import CLAIMS

NS = {"a": "http://www.w3.org/2005/Atom"}


def feed(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.content_type == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    for required in ("a:id", "a:title", "a:updated", "a:link[@rel='self']"):
        assert root.find(required, NS) is not None, required
    return root


def entries(root: ET.Element) -> list[ET.Element]:
    return root.findall("a:entry", NS)


def test_new_claims_newest_first_with_their_source(demo_client, demo_kb):
    root = feed(demo_client, "/feeds/claims.atom")
    items = entries(root)
    assert len(items) == 50
    updated = [e.find("a:updated", NS).text for e in items]
    assert updated == sorted(updated, reverse=True)
    first = items[0]
    claim = first.find("a:id", NS).text
    row = demo_kb.index.get(claim)
    assert row["recorded"] == updated[0] == root.find("a:updated", NS).text
    assert first.find("a:link", NS).get("href").endswith("/claims/" + claim.rsplit("/", 1)[-1])
    assert row["publisher_name"] in first.find("a:summary", NS).text


def test_a_feed_per_entity_and_per_publisher(demo_client, demo_kb):
    about = entries(feed(demo_client, "/feeds/claims.atom?entity=afghanistan"))
    naming = {r["iri"] for r in demo_kb.index.claims_about(str(demo_kb.iris.resolve("entities", "afghanistan")))}
    assert about and {e.find("a:id", NS).text for e in about} <= naming
    times = entries(feed(demo_client, "/feeds/claims.atom?publisher=the-times"))
    assert times and all(e.find("a:author/a:name", NS).text == "The Times" for e in times)
    assert "about Afghanistan" in feed(demo_client, "/feeds/claims.atom?entity=afghanistan").find("a:title", NS).text


def test_new_conflicts_name_both_sources_and_the_difference(demo_client, demo_kb):
    items = entries(feed(demo_client, "/feeds/conflicts.atom"))
    conflicts = sum(1 for _ in demo_kb.comparisons.report_rows(verdict="conflict"))
    assert len(items) == min(conflicts, 50) > 0
    first = items[0]
    assert first.find("a:title", NS).text.startswith("Conflict: ")
    assert " vs " in first.find("a:title", NS).text
    assert "severity:" in first.find("a:summary", NS).text
    assert {c.get("term") for c in first.findall("a:category", NS)} >= {"conflict"}
    border = entries(feed(demo_client, "/feeds/conflicts.atom?entity=afghan-tajik-border"))
    assert border and all("border" in e.find("a:title", NS).text for e in border)


@pytest.mark.parametrize("url,status", [
    ("/feeds/claims.atom?entity=no-such-entity", 404),
    ("/feeds/conflicts.atom?publisher=no-such-publisher", 404),
    ("/feeds/claims.atom?entity=afghanistan&publisher=the-times", 400),
])
def test_unknown_or_double_scopes_are_clear_errors(demo_client, url, status):
    response = demo_client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == status
    assert "error" in response.get_json()


def test_hostile_words_stay_text_and_an_empty_kb_has_an_empty_feed(client, kb, tmp_path):
    empty = feed(client, "/feeds/claims.atom")
    assert entries(empty) == []
    hostile = CLAIMS.replace("More than 300 Afghan soldiers crossed into Tajikistan.",
                             "<script>alert(1)</script> & ]]> \\u0007 crossed")
    path = tmp_path / "claims.yaml"
    path.write_text(hostile.format(seed=SEED_ARTICLE), encoding="utf-8")
    kb.import_file(path)
    items = entries(feed(client, "/feeds/claims.atom"))
    titles = [e.find("a:title", NS).text for e in items]
    assert any(t.startswith("<script>alert(1)</script> & ]]>") for t in titles)


def test_pages_link_to_their_feeds(demo_client):
    for url, wanted in (("/entities/afghanistan", "/feeds/claims.atom?entity=afghanistan"),
                        ("/publishers/the-times", "/feeds/conflicts.atom?publisher=the-times"),
                        ("/claims", "/feeds/claims.atom")):
        html = demo_client.get(url).get_data(as_text=True)
        assert 'type="application/atom+xml" title=' in html, url
        assert f'href="{wanted}"' in html, url
