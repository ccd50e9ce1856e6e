"""The web UI through Flask's test client: every page, its data twins, content
negotiation, and the one error shape (404 unknown ids, 400 bad parameters)."""
from __future__ import annotations

import json
import re

import pytest
from rdflib import Dataset, Graph, URIRef

from kb.model.vocab import SCHEMA

CONFLICTED = "gi-border-length"          # 1,344 km: Eurasianet and Afghanistan Times conflict
ARTICLE = "globinsider"
ENTITY = "afghan-tajik-border"
PUBLISHER = "globinsider"


def test_home(demo_client):
    r = demo_client.get("/")
    assert r.status_code == 200 and b"62</strong> claims" in r.data
    assert demo_client.get("/index.json").json["stats"]["claims"] == 62


def test_claims_list_pages_facets_and_twin(demo_client):
    r = demo_client.get("/claims")
    assert r.status_code == 200 and b'class="total">62<' in r.data
    assert r.headers["Link"].startswith("</claims.json")
    data = demo_client.get("/claims.json?limit=10").json
    assert "limit=10" in data["next"]  # the next page keeps the page size
    assert data["total"] == 62 and len(data["claims"]) == 10
    assert {"publisher", "article", "entity", "property", "modality", "verdict", "published", "about"} <= set(data["facets"])
    seen = [c["id"] for c in data["claims"]]
    nxt = data["next"]
    while nxt:
        page = demo_client.get(nxt).json
        seen += [c["id"] for c in page["claims"]]
        nxt = page["next"]
    assert len(seen) == len(set(seen)) == 62


def test_claims_list_filters_are_permalinks(demo_client):
    data = demo_client.get(f"/claims.json?publisher={PUBLISHER}&modality=opinion").json
    assert data["filters"] == {"publisher": PUBLISHER, "modality": "opinion"}
    assert data["total"] > 0 and all(c["modality"] == "opinion" and c["publisher_name"] == "Globinsider"
                                     for c in data["claims"])
    html = demo_client.get(f"/claims?publisher={PUBLISHER}&modality=opinion").data.decode()
    assert f'class="total">{data["total"]}<' in html and "publisher: globinsider" in html


def test_claims_search_highlights_matches(demo_client):
    r = demo_client.get("/claims?q=Tajik+border")
    assert r.status_code == 200 and b"<mark>border</mark>" in r.data
    data = demo_client.get("/claims.json?q=Tajik").json     # the .json twin: the same search
    assert data["total"] > 0 and all("tajik" in json.dumps(c).lower() for c in data["claims"])


def test_claims_htmx_partial(demo_client):
    r = demo_client.get("/claims?q=border", headers={"HX-Request": "true", "HX-Target": "browse"})
    assert r.status_code == 200 and b"<html" not in r.data and b'class="facets"' in r.data


def test_verdict_facet_finds_conflicts(demo_client):
    data = demo_client.get("/claims.json?verdict=conflict&limit=100").json
    ids = {c["id"] for c in data["claims"]}
    assert CONFLICTED in ids and all(c["verdict"] == "CONFLICT" for c in data["claims"])
    # the API's spelling works too, and the list's facet says it in words
    assert demo_client.get("/claims.json?verdict=CONFLICT&limit=100").json["claims"] == data["claims"]
    assert ">conflict</a>" in demo_client.get("/claims").data.decode()


def test_claim_page_quote_dates_and_comparison(demo_client):
    r = demo_client.get(f"/claims/{CONFLICTED}")
    html = r.data.decode()
    assert r.status_code == 200
    assert '<mark class="claim-span current" id="quote-in-text">the 1,344 km long Afghan-Tajik border</mark>' in html
    for css in ("date-published", "date-about", "date-recorded", "interval"):
        assert f'class="{css}"' in html
    assert 'class="badge conflict"' in html and "What other sources say" in html
    data = demo_client.get(f"/claims/{CONFLICTED}.json").json
    verdicts = [v["verdict"] for v in data["comparison"]]
    assert "CONFLICT" in verdicts and verdicts == sorted(verdicts, key=[
        "CONFLICT", "PARTIAL", "COMPATIBLE", "AGREE", "NOT_COMPARABLE"].index)
    assert data["status"] == "CONTESTED" and all(isinstance(v["flags"], list) for v in data["comparison"])
    assert 'class="badge status contested"' in html
    assert data["quote"]["exact"] == "the 1,344 km long Afghan-Tajik border"
    assert data["interval"]["value"] == "1344"


def test_claim_rdf_twins(demo_client, demo_kb):
    iri = URIRef(demo_kb.iris.claim(CONFLICTED))
    ttl = demo_client.get(f"/claims/{CONFLICTED}.ttl")
    assert ttl.content_type.startswith("text/turtle")
    g = Graph().parse(data=ttl.data, format="turtle")
    assert (iri, None, SCHEMA.Claim) in g
    trig = demo_client.get(f"/claims/{CONFLICTED}.trig")
    ds = Dataset().parse(data=trig.data, format="trig")
    assert len(ds.graph(iri)) >= 1  # the content graph, named by the claim
    jsonld = demo_client.get(f"/claims/{CONFLICTED}.jsonld")
    assert jsonld.content_type.startswith("application/ld+json") and json.loads(jsonld.data)


@pytest.mark.parametrize("accept,expected", [
    ("text/turtle", "text/turtle"), ("application/ld+json", "application/ld+json"),
    ("application/json", "application/json"), ("text/html,application/xhtml+xml,*/*;q=0.8", "text/html"),
    ("*/*", "text/html"),
])
def test_resource_iris_dereference_with_content_negotiation(demo_client, accept, expected):
    r = demo_client.get(f"/claims/{CONFLICTED}", headers={"Accept": accept})
    assert r.status_code == 200 and r.content_type.startswith(expected)
    assert "Accept" in r.headers["Vary"]


def test_article_page_highlights_every_claim_span(demo_client):
    r = demo_client.get(f"/articles/{ARTICLE}")
    html = r.data.decode()
    assert r.status_code == 200 and 'id="article-text"' in html
    data = demo_client.get(f"/articles/{ARTICLE}.json").json
    marked = set(re.findall(r'<mark class="claim-span[^"]*" data-claim="([^"]+)"', html))
    assert marked == {s["id"] for s in data["spans"]} and len(marked) >= 20  # overlaps are split, none lost
    # a passage in conflict is marked so without JavaScript: its class and its title
    conflicting = {s["id"] for s in data["spans"] if s["verdict"] == "CONFLICT"}
    assert conflicting
    for ident in conflicting:
        assert re.search(rf'<mark class="claim-span verdict-conflict" data-claim="{re.escape(ident)}" '
                         r'title="[^"]*in conflict with another source"', html), ident
    assert data["text"][data["spans"][0]["start"]:data["spans"][0]["end"]] == data["spans"][0]["exact"]
    g = Graph().parse(data=demo_client.get(f"/articles/{ARTICLE}.ttl").data, format="turtle")
    assert len(g) > 3
    assert demo_client.get("/articles").status_code == 200
    assert demo_client.get("/articles.json").json["articles"]


def test_entity_page_timeline_marks_conflicts(demo_client):
    r = demo_client.get(f"/entities/{ENTITY}")
    html = r.data.decode()
    assert r.status_code == 200 and "<svg" in html and 'class="point conflict"' in html
    data = demo_client.get(f"/entities/{ENTITY}.json").json
    length = next(t for t in data["timeline"] if t["label"] == "length")
    assert {p["source"] for p in length["points"]} >= {"Globinsider", "Eurasianet"}
    assert demo_client.get(f"/entities/{ENTITY}.ttl").content_type.startswith("text/turtle")


def test_publisher_page(demo_client):
    data = demo_client.get(f"/publishers/{PUBLISHER}.json").json
    assert data["name"] == "Globinsider" and data["claims_total"] == 27 and data["articles"]
    assert demo_client.get(f"/publishers/{PUBLISHER}").status_code == 200
    assert demo_client.get(f"/publishers/{PUBLISHER}.jsonld").status_code == 200


def test_compare_report_conflicts_first(demo_client):
    data = demo_client.get("/compare.json").json
    assert data["total"] > 3
    counts = [f["counts"]["CONFLICT"] for f in data["facts"]]
    assert counts[0] > 0 and counts == sorted(counts, reverse=True)
    only = demo_client.get("/compare.json?verdict=conflict").json
    assert only["facts"] and all(v["verdict"] == "CONFLICT" for f in only["facts"] for v in f["verdicts"])
    assert all(f["status"] == "CONTESTED" for f in only["facts"])
    assert demo_client.get("/compare?verdict=conflict").status_code == 200


@pytest.mark.parametrize("url", [
    "/claims/no-such-claim", "/claims/no-such-claim.json", "/articles/no-such-article",
    "/entities/no-such-entity", "/publishers/no-such-publisher.ttl", "/nothing-here",
    "/claims/..%2F..%2Fetc", "/claims/a%20b",
])
def test_unknown_ids_are_404_in_one_shape(demo_client, url):
    r = demo_client.get(url, headers={"Accept": "application/json"})
    assert r.status_code == 404
    assert r.json["ok"] is False and r.json["status"] == 404 and r.json["error"]


def test_html_errors_are_pages(demo_client):
    r = demo_client.get("/claims/no-such-claim")
    assert r.status_code == 404 and b"<h1>404" in r.data and r.content_type.startswith("text/html")


@pytest.mark.parametrize("url", [
    "/claims?after=not-a-cursor", "/claims?sort=random", "/claims.json?verdict=maybe",
    "/claims.json?published_from=yesterday", "/compare.json?verdict=maybe",
])
def test_bad_parameters_are_400(demo_client, url):
    r = demo_client.get(url, headers={"Accept": "application/json"})
    assert r.status_code == 400 and r.json["ok"] is False


def test_format_not_offered_is_404(demo_client):
    assert demo_client.get("/claims.ttl").status_code == 404


def test_article_text_is_escaped(app, kb):
    from kb.model.article import ArticleData

    stored = kb.import_article(ArticleData(
        text="<script>alert('x')</script> The border is 1,344 km long & guarded.",
        title="<b>Bold</b> headline", publisher="Evil <i>Corp</i>", key="evil"))
    ident = kb.iris.local_id(stored.iri)
    html = app.test_client().get(f"/articles/{ident}").data.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert(" in html
    assert "<b>Bold</b>" not in html and "&lt;b&gt;Bold&lt;/b&gt;" in html
    assert "&amp; guarded" in html


def test_the_facet_sidebar_follows_writes(app, kb):
    """The sidebar is rendered once per filter and reused: a write must show through."""
    import re as re_

    from kb.demo import build

    build(kb, force=True)
    client = app.test_client()

    def modality_counts(url="/claims?sort=published"):
        html = client.get(url).get_data(as_text=True)
        block = html[html.index('data-facet="modality"'):]
        block = block[:block.index("</ul>")]
        return {m: int(n) for m, n in re_.findall(r'>(\w[\w-]*)</a> <span class="count">(\d+)</span>', block)}

    before = modality_counts()
    assert before == modality_counts()             # served again from the cache
    opinions = [r["iri"] for r in kb.index.iter_claims() if r["modality"] == "opinion"][:2]
    kb.delete_claims(opinions)
    after = modality_counts()
    assert after["opinion"] == before["opinion"] - 2
    assert {k: v for k, v in after.items() if k != "opinion"} == \
        {k: v for k, v in before.items() if k != "opinion"}
    # another argument set is another sidebar: its links keep that argument
    html = client.get("/claims?sort=-published").get_data(as_text=True)
    assert "sort=-published" in html[html.index('class="facets"'):html.index("</aside>")]


def test_claim_page_shows_the_first_other_sources_and_links_to_all(demo_client, monkeypatch):
    import web.views.claims

    full = demo_client.get("/claims/gi-border-length.json").json["comparison"]
    assert len(full) >= 3
    monkeypatch.setattr(web.views.claims, "OTHERS_SHOWN", 2)
    html = demo_client.get("/claims/gi-border-length").get_data(as_text=True)
    assert html.count('class="verdict-row') == 2
    assert f"(2 of {len(full)}, conflicts first)" in html
    assert 'href="/claims/gi-border-length?others=all#others"' in html
    assert 'class="verdict-row conflict' in html           # conflicts come first
    html = demo_client.get("/claims/gi-border-length?others=all").get_data(as_text=True)
    assert html.count('class="verdict-row') == len(full) and "all-others" not in html
    assert len(demo_client.get("/claims/gi-border-length.json").json["comparison"]) == len(full)


def test_compare_shows_a_bounded_number_of_pairs_per_fact(demo_client, monkeypatch):
    # a fact with thousands of pairs must not make /compare heavy: a few per fact, the
    # rest on the fact's own pages (the load test's 10k KB queued every page behind it)
    import web.views.compare

    monkeypatch.setattr(web.views.compare, "PAIRS_PER_FACT", 1)
    monkeypatch.setattr(web.views.compare, "PAIRS_PER_PAGE", 2)
    data = demo_client.get("/compare.json").json
    big = next(f for f in data["facts"] if f["pairs_total"] > 2)
    assert len(big["verdicts"]) == 1 and big["more_pairs"]
    assert {c["claim"] for c in big["claims"]} == {big["verdicts"][0]["a"], big["verdicts"][0]["b"]}
    seen = []
    url = big["more_pairs"]
    while url:
        page = demo_client.get(url.replace("/compare?", "/compare.json?")).json
        [fact] = [f for f in page["facts"] if f["subject"] == big["subject"] and f["property"] == big["property"]]
        assert len(fact["verdicts"]) <= 2
        seen += [(v["a"], v["b"]) for v in fact["verdicts"]]
        url = fact["more_pairs"]
    assert len(seen) == len(set(seen)) == big["pairs_total"]
    html = demo_client.get("/compare").get_data(as_text=True)
    assert "more pairs" in html and "the most severe first" in html
