"""Stored XSS through a URL (issue 11, item 1): one place turns a stored URL or IRI into
a link (web/filters.link, on kb/urls.link_target), and it links only http, https, mailto
and the app's own paths. These tests put hostile URLs straight into the store — as a
writer behind claimkb's back (a remote endpoint, an old import) could — and read every
page that prints them."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from markupsafe import Markup

from kb.demo import build
from kb.model.urls import check_iri, check_url, link_target
from kb.errors import InputError
from web import create_app
from web.filters import link

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
HOSTILE = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "java\nscript:alert(1)", "\x01javascript:alert(1)", "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>", "file:///etc/passwd", "//evil.example/x",
    "/\\evil.example/x", "http:evil", "https:/no-host", "blob:https://x/1", "",
]
SAFE = ["http://example.org/a?b=1#c", "https://example.org/", "mailto:desk@example.org",
        "/claims/x", "?page=2", "#text"]


@pytest.mark.parametrize("url", HOSTILE)
def test_link_target_refuses_what_a_browser_would_run(url):
    assert link_target(url) is None
    html = str(link(url, "click"))
    assert "<a" not in html and "href" not in html
    assert "click" in html


@pytest.mark.parametrize("url", SAFE)
def test_link_target_keeps_safe_urls(url):
    assert link_target(url) == url
    assert str(link(url)).startswith('<a href="')


def test_link_escapes_its_text_and_attributes():
    html = str(link('https://x.example/?a="b"&c=<d>', "<script>", class_="evidence small",
                    rel="nofollow"))
    assert html == ('<a href="https://x.example/?a=&#34;b&#34;&amp;c=&lt;d&gt;" '
                    'class="evidence small" rel="nofollow">&lt;script&gt;</a>')
    assert isinstance(link("https://x.example/"), Markup)


@pytest.mark.parametrize("url", [u for u in HOSTILE if u])
def test_imports_refuse_unsafe_urls(url):
    with pytest.raises(InputError, match="source url"):
        check_url(url, "source url", "claims.yaml:3")
    if url.strip().lower().startswith(("javascript", "vbscript", "data", "file", "blob")) \
            or url.startswith("\x01"):
        with pytest.raises(InputError):
            check_iri(url, "same_as", "claims.yaml:3")


def test_check_iri_allows_naming_schemes():
    for iri in ("urn:isbn:0451450523", "https://www.wikidata.org/entity/Q889", "tag:x.org,2021:a"):
        assert check_iri(iri, "same_as") == iri


def test_every_template_href_goes_through_the_policy():
    """No template prints a value into href/src/action unchecked, however the attribute
    is quoted or whatever comes before the value: each is url_for(), url_with(), or
    ends with |href; URLs from data are printed with link()."""
    bad = []
    attribute = re.compile(r"""\b(href|src|action|formaction)\s*=\s*["']?([^"'>\s]*)\{\{(.*?)\}\}""")
    for path in TEMPLATES.rglob("*.html"):
        for match in attribute.finditer(path.read_text()):
            expr = match.group(3).strip()
            if "~" in expr or not (expr.startswith(("url_for(", "url_with(")) or expr.endswith("|href")):
                bad.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)}")
    assert not bad, bad


# ---------------------------------------------------------------- every page, end to end

JS = "javascript:alert(document.cookie)"


@pytest.fixture
def hostile_app(kb):
    build(kb, force=True)
    article = kb.store.select('PREFIX schema: <http://schema.org/> SELECT ?a WHERE { GRAPH ?g '
                              '{ ?a schema:url ?u ; schema:publisher ?p } } ORDER BY ?a LIMIT 1')[0]["a"]
    publisher = kb.store.select(f'PREFIX schema: <http://schema.org/> SELECT ?p WHERE {{ GRAPH ?g '
                                f'{{ <{article}> schema:publisher ?p }} }}')[0]["p"]
    entity = kb.iris.entity("tajikistan")
    kb.reliability.rate(publisher, user="rater", value=3, reason="Mixed.",
                     evidence="https://example.org/evidence")
    # written behind claimkb's back: every URL slot gets a script URL
    kb.store.update(f"""
        PREFIX schema: <http://schema.org/>
        DELETE {{ GRAPH ?g {{ <{article}> schema:url ?u }} }}
        INSERT {{ GRAPH ?g {{ <{article}> schema:url "{JS}"^^<http://www.w3.org/2001/XMLSchema#anyURI> ;
                               <https://w3id.org/claimkb/ns#via> <{JS}> }} }}
        WHERE {{ GRAPH ?g {{ <{article}> schema:url ?u }} }} ;
        DELETE {{ GRAPH ?h {{ ?r schema:citation ?e }} }}
        INSERT {{ GRAPH ?h {{ ?r schema:citation <{JS}> }} }}
        WHERE {{ GRAPH ?h {{ ?r schema:citation ?e }} }} ;
        INSERT {{ GRAPH ?k {{ <{entity}> <http://www.w3.org/2002/07/owl#sameAs> <{JS}> }} }}
        WHERE {{ GRAPH ?k {{ <{entity}> ?p ?o }} }}
    """)
    app = create_app(kb=kb, config={"TESTING": True})
    claim = kb.store.select(f'PREFIX schema: <http://schema.org/> SELECT ?c WHERE {{ GRAPH ?g '
                            f'{{ ?c schema:appearance <{article}> }} }} LIMIT 1')
    return app, {"article": kb.iris.local_id(article), "publisher": kb.iris.local_id(publisher),
                 "claim": kb.iris.local_id(claim[0]["c"]) if claim else None}


def assert_no_script_link(html: str, where: str) -> None:
    # (the one data: URL allowed is base.html's empty favicon, href="data:,")
    assert not re.search(r'(href|src|action)\s*=\s*"\s*(javascript:|vbscript:|data:(?!,"))', html, re.I), where


def test_no_page_links_a_stored_script_url(hostile_app):
    app, ids = hostile_app
    client = app.test_client()
    pages = [f"/articles/{ids['article']}", f"/publishers/{ids['publisher']}",
             f"/publishers/{ids['publisher']}/ratings", "/entities/tajikistan", "/articles",
             "/claims", "/compare"]
    if ids["claim"]:
        pages.append(f"/claims/{ids['claim']}")
    seen_as_text = 0
    for page in pages:
        response = client.get(page, follow_redirects=True)
        assert response.status_code == 200, page
        html = response.get_data(as_text=True)
        assert_no_script_link(html, page)
        if JS in html.replace("&#40;", "(").replace("&#41;", ")"):
            seen_as_text += 1
    assert seen_as_text >= 3   # shown as text on the article, publisher/ratings, entity pages
    # the SPARQL results table shows the IRI as text, never as a link
    query = "SELECT ?v WHERE { GRAPH ?g { ?a <https://w3id.org/claimkb/ns#via> ?v } }"
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/html"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and JS in html
    assert_no_script_link(html, "/sparql")
