"""The SPARQL page's results table (templates/sparql/_results.html, the table without
JavaScript): an IRI shows a short label with the whole IRI as its title, and one of the
KB's own IRIs links to the server that answered, not to the configured base IRI when the
KB is served elsewhere (web/presenters/sparql.py iri_label, iri_href). YASGUI's table
does the same (static/sparql/sparql.js: tests/web/test_browser_a11y.py)."""
from __future__ import annotations

import html
import re

import pytest

from kb import KnowledgeBase, load_settings
from web import create_app
from web.presenters.sparql import iri_href, iri_label

BASE = "https://kb.example.org/claimkb/"     # the configured base; the test client is http://localhost/
CKB = "https://w3id.org/claimkb/ns#"
QUADS = f"""
<{BASE}claims/border-length> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://schema.org/Claim> <{BASE}graphs/g> .
<{BASE}claims/border-length> <{CKB}modality> <{CKB}Factual> <{BASE}graphs/g> .
<{BASE}claims/border-length> <http://schema.org/sameAs> <https://example.net/other/thing> <{BASE}graphs/g> .
"""
QUERY = f"""SELECT ?claim ?p ?o WHERE {{ GRAPH ?g {{ ?claim ?p ?o }} }} ORDER BY ?p"""


@pytest.fixture
def client(tmp_path):
    kb = KnowledgeBase.open(load_settings(env={}, data_dir=tmp_path / "kb", base_iri=BASE))
    kb.store.load(QUADS.encode(), "nquads")
    app = create_app(kb=kb, config={"TESTING": True})
    try:
        yield app.test_client()
    finally:
        runner = app.extensions.get("claimkb_sparql_runner")
        if runner is not None:
            runner.close()
        kb.close()


def cells(page: str) -> list[dict]:
    """The IRI cells of the results table: label, href and title of each link."""
    table = page[page.index('<table class="sparql-table'):page.index("</table>")]
    return [{"href": html.unescape(m["href"]), "title": html.unescape(m["title"]),
             "label": html.unescape(m["label"])}
            for m in re.finditer(r'<a href="(?P<href>[^"]*)" class="iri" title="(?P<title>[^"]*)">'
                                 r"(?P<label>[^<]*)</a>", table)]


def test_results_table_labels_and_links_to_the_answering_server(client):
    response = client.get("/sparql", query_string={"query": QUERY}, headers={"Accept": "text/html"},
                          base_url="http://mirror.test:8080/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    found = cells(page)
    by_title = {c["title"]: c for c in found}
    claim = by_title[f"{BASE}claims/border-length"]
    # the KB's own IRI: its last segment, linked on the server that answered
    assert claim["label"] == "border-length"
    assert claim["href"] == "http://mirror.test:8080/claims/border-length"
    # a vocabulary term: its prefixed name, linked as it is
    factual = by_title[f"{CKB}Factual"]
    assert factual["label"] == "ckb:Factual" and factual["href"] == f"{CKB}Factual"
    assert by_title[f"{CKB}modality"]["label"] == "ckb:modality"
    assert by_title["http://www.w3.org/1999/02/22-rdf-syntax-ns#type"]["label"] == "rdf:type"
    assert by_title["http://schema.org/Claim"]["label"] == "schema:Claim"
    # anything else: its last segment, linked as it is
    other = by_title["https://example.net/other/thing"]
    assert other["label"] == "thing" and other["href"] == "https://example.net/other/thing"
    # no link in the table leads to the configured base
    assert not [c for c in found if c["href"].startswith(BASE)]
    # each cell of the phone layout's cards is headed by its variable
    assert 'data-label="?claim"' in page and 'data-label="?o"' in page
    # YASGUI gets what it needs to do the same
    assert f'"baseIri": "{BASE}"' in page and '"siteRoot": "http://mirror.test:8080/"' in page


def test_links_stay_on_the_base_when_it_is_the_server(client):
    """Served at its own base IRI, the KB's IRIs are their own links."""
    response = client.get("/sparql", query_string={"query": QUERY}, headers={"Accept": "text/html"},
                          base_url="https://kb.example.org/claimkb/")
    claim = {c["title"]: c for c in cells(response.get_data(as_text=True))}[f"{BASE}claims/border-length"]
    assert claim["href"] == f"{BASE}claims/border-length"


def test_vocabulary_under_the_base_is_not_the_kbs_own():
    """A base IRI above a vocabulary's namespace (``https://w3id.org/claimkb/`` holds
    ``ckb:`` and ``meta:``): those terms keep their prefixed names and links."""
    base = "https://w3id.org/claimkb/"
    here = "http://127.0.0.1:5000/"
    assert iri_label(f"{CKB}Factual", base) == "ckb:Factual"
    assert iri_href(f"{CKB}Factual", base, here) == f"{CKB}Factual"
    assert iri_label("https://w3id.org/claimkb/graph/metadata", base) == "meta:metadata"
    assert iri_href("https://w3id.org/claimkb/graph/metadata", base, here) == \
        "https://w3id.org/claimkb/graph/metadata"
    assert iri_label(f"{base}entities/taliban", base) == "taliban"
    assert iri_href(f"{base}entities/taliban", base, here) == "http://127.0.0.1:5000/entities/taliban"
    # the base itself, and an IRI that only starts like it, are not the KB's resources
    assert iri_href(base, base, here) == base
    assert iri_href("https://w3id.org/claimkbx/a", base, here) == "https://w3id.org/claimkbx/a"
