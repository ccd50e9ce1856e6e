"""Linking entities and properties to Wikidata end to end (issue #14): the CLI looks up
candidates on a real local endpoint (`oxigraph serve-read-only` holding a Wikidata-shaped
extract), stores the chosen link, and the comparison then knows that a province lies
within its country. Nothing here reaches the internet."""
from __future__ import annotations

import json
import socket

import pytest
from rdflib import URIRef
from rdflib.namespace import DCTERMS, OWL

from kb import KnowledgeBase, load_settings
from kb.errors import InputError, NotFound, StoreError
from kb.model.vocab import WD

from tests.kb.services.test_wikidata import endpoint  # noqa: F401  (the real endpoint)

pytestmark = pytest.mark.remote

CLAIMS = """claimkb: 1
articles:
  a: {publisher: Al Jazeera, published: 2021-07-05, title: A}
  b: {publisher: Asia-Plus, published: 2021-07-05, title: B}
entities:
  afghanistan: {label: Afghanistan, wikidata: Q889}
  badakhshan: {label: Badakhshan Province}
properties:
  districts: {label: districts captured by the Taliban, kind: event}
claims:
  - {id: a-districts, article: a, statement: s, subject: taliban, property: districts, value: "6", scope: badakhshan, about: 2021-07-04}
  - {id: b-districts, article: b, statement: s, subject: taliban, property: districts, value: "10", scope: afghanistan, about: 2021-07-04}
"""


@pytest.fixture
def linked_kb(tmp_path, endpoint):  # noqa: F811
    path = tmp_path / "c.yaml"
    path.write_text(CLAIMS, encoding="utf-8")
    settings = load_settings(env={}, data_dir=tmp_path / "kb", wikidata_endpoint=endpoint,
                             wikidata_timeout=5)
    with KnowledgeBase.open(settings) as kb:
        kb.import_file(path)
        yield kb


def test_link_a_province_and_the_comparison_knows_where_it_lies(linked_kb):
    kb = linked_kb
    before = kb.comparisons.compare_two("a-districts", "b-districts")
    candidates = kb.links.candidates("entities", "badakhshan")
    assert candidates[0].qid == "Q165376"
    assert candidates[0].description == "province of Afghanistan"
    kb.actor = "cli:tester"
    iri, facts = kb.links.link("entities", "badakhshan", "Q165376")
    assert facts.located_in == ("Q889",)
    graph = kb.describe(URIRef(iri))
    assert (URIRef(iri), OWL.sameAs, WD.Q165376) in graph
    assert (URIRef(iri), DCTERMS.isPartOf, WD.Q889) in graph
    after = kb.comparisons.compare_two("a-districts", "b-districts")
    assert before.verdict == "NOT_COMPARABLE"
    assert after.verdict != before.verdict, after.reason      # a scope within the other's
    row = kb.entities.find("entities", "badakhshan")
    assert row.wikidata == ["Q165376"]
    change = kb.changelog.changes(URIRef(iri))[0]
    assert (change.who, change.summary) == ("cli:tester", "linked to Wikidata Q165376 (Badakhshan Province)")


def test_bad_links_are_clear_errors_and_write_nothing(linked_kb):
    kb = linked_kb
    quads = kb.store.quad_count()
    with pytest.raises(NotFound):
        kb.links.link("entities", "badakhshan", "Q123456789")      # not on the endpoint
    with pytest.raises(InputError, match="links to a Wikidata item"):
        kb.links.link("entities", "badakhshan", "P17")
    with pytest.raises(InputError, match="not a Wikidata item or property id"):
        kb.links.link("entities", "badakhshan", "X12")
    with pytest.raises(InputError, match="linked to Q889 already: replace that link"):
        kb.links.link("entities", "afghanistan", "Q863")
    with pytest.raises(InputError, match="afghanistan is linked to Q889 already: merge it"):
        kb.links.link("entities", "badakhshan", "Q889")
    with pytest.raises(InputError, match="only entities and properties"):
        kb.links.link("publishers", "al-jazeera", "Q1")
    assert kb.store.quad_count() == quads


def test_an_unreachable_endpoint_is_a_clear_error(tmp_path):
    with socket.socket() as s:        # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    path = tmp_path / "c.yaml"
    path.write_text(CLAIMS, encoding="utf-8")
    settings = load_settings(env={}, data_dir=tmp_path / "kb",
                             wikidata_endpoint=f"http://127.0.0.1:{port}/sparql", wikidata_timeout=2)
    with KnowledgeBase.open(settings) as kb:
        kb.import_file(path)     # writes never touch the endpoint
        with pytest.raises(StoreError, match=f"127.0.0.1:{port}"):
            kb.links.candidates("entities", "badakhshan")
    off = load_settings(env={}, data_dir=tmp_path / "kb", wikidata_endpoint="")
    with KnowledgeBase.open(off) as kb:
        with pytest.raises(InputError, match="turned off"):
            kb.links.candidates("entities", "badakhshan")


def test_cli_link(cli, tmp_path, endpoint, monkeypatch):  # noqa: F811
    monkeypatch.setenv("CLAIMKB_WIKIDATA_ENDPOINT", endpoint)
    path = tmp_path / "c.yaml"
    path.write_text(CLAIMS, encoding="utf-8")
    assert cli("import", str(path)).exit_code == 0
    listed = cli("entities", "link", "badakhshan")
    assert listed.exit_code == 0, listed.output
    assert "Q165376" in listed.output and "province of Afghanistan" in listed.output
    done = cli("entities", "link", "badakhshan", "--choose", "Q165376")
    assert done.output.startswith("linked badakhshan to Wikidata Q165376 (Badakhshan Province); "
                                  "lies within Q889"), done.output
    prop = cli("properties", "link", "districts", "--search", "length")
    assert "P2043" in prop.output
    assert cli("publishers", "link", "x").exit_code == 2      # no such command for publishers
    found = json.loads(cli("entities", "list", "--search", "badakh", "--format", "json").output)
    assert found["items"][0]["wikidata"] == ["Q165376"]
