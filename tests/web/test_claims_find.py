"""The claims list's find features through Flask's test client (issue #17, "Find
things"): facets with "more" beyond 12 values, several values per facet (checked,
each removable, kept by the pages), and the sorts by relevance and severity, in the
HTML page and its .json twin."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from kb.derived.claims_index import SEVERITY_ORDER

from tests.kb.derived.test_claims_find import RIVERS

A, B = "globinsider", "asia-plus"      # the demo's two publishers with the most claims


def _facet(html: str, name: str) -> str:
    start = html.index(f'data-facet="{name}"')
    return html[start:html.index("</ul>", start)]


def _links(block: str) -> list[tuple[str, str, str]]:
    """(href, class, text) of each facet value link."""
    return [(href.replace("&amp;", "&"), cls, text) for href, cls, text in re.findall(
        r'<a href="([^"]*)"(?: class="(on)")?[^>]*>([^<]*)</a>', block)]


def _walk(client, url: str) -> list[dict]:
    claims = []
    while url:
        page = client.get(url).json
        claims += page["claims"]
        url = page["next"]
    return claims


def test_a_facet_shows_twelve_values_and_more(demo_client):
    data = demo_client.get("/claims.json").json
    assert len(data["facets"]["publisher"]) == 12
    more = data["facets_more"]["publisher"]
    assert more and parse_qs(urlsplit(more).query)["more"] == ["publisher"]
    assert data["facets_more"]["modality"] is None            # all its values shown
    html = demo_client.get("/claims").get_data(as_text=True)
    assert len(_links(_facet(html, "publisher"))) == 12
    assert 'class="facet-more small" href="/claims?more=publisher#facet-publisher"' in html
    # ?more=publisher: every publisher (20 in the demo), no "more" left, a way back
    everything = demo_client.get("/claims.json?more=publisher").json
    assert len(everything["facets"]["publisher"]) == 20 and everything["more_capped"] is False
    assert everything["facets_more"]["publisher"] is None and everything["more"] == "publisher"
    html = demo_client.get("/claims?more=publisher").get_data(as_text=True)
    assert len(_links(_facet(html, "publisher"))) == 20
    assert 'class="facet-fewer small" href="/claims#facet-publisher"' in html
    # a facet value's link keeps the "more" view
    href, _, _ = _links(_facet(html, "publisher"))[-1]
    assert parse_qs(urlsplit(href).query)["more"] == ["publisher"]


def test_more_past_its_cap_finds_values_by_name(demo_client, monkeypatch):
    import web.views.claims

    monkeypatch.setattr(web.views.claims, "FACET_MORE_LIMIT", 5)
    html = demo_client.get("/claims?more=publisher&sort=severity").get_data(as_text=True)
    assert len(_links(_facet(html, "publisher"))) == 5
    assert "The 5 with the most claims" in html
    form = html[html.index('<form class="facet-find"'):]
    form = form[:form.index("</form>")]
    assert 'name="more" value="publisher"' in form and 'name="sort" value="severity"' in form
    data = demo_client.get("/claims.json?more=publisher&facet_q=news").json
    labels = [v["label"] for v in data["facets"]["publisher"]]
    assert labels and all("news" in label.lower() for label in labels) and data["facet_q"] == "news"
    assert "No value matches." in demo_client.get("/claims?more=publisher&facet_q=zzzz").get_data(as_text=True)


def test_two_publishers_are_ored_checked_and_removable(demo_client):
    one = demo_client.get(f"/claims.json?publisher={A}").json["total"]
    other = demo_client.get(f"/claims.json?publisher={B}").json["total"]
    data = demo_client.get(f"/claims.json?publisher={A}&publisher={B}&limit=100").json
    assert data["total"] == one + other == len(data["claims"])
    assert {c["publisher_name"] for c in data["claims"]} == {"Globinsider", "Asia-Plus"}
    assert data["filters"] == {"publisher": [A, B]}
    # the publisher facet leaves out its own choice: the other publishers can be added
    publishers = {v["id"]: v for v in data["facets"]["publisher"]}
    assert len(publishers) == 12 and publishers[A]["selected"] and publishers[B]["selected"]
    assert publishers[A]["count"] == one and publishers[B]["count"] == other
    third = next(v for v in data["facets"]["publisher"] if not v["selected"])
    assert parse_qs(urlsplit(third["url"]).query)["publisher"] == [A, B, third["id"]]
    html = demo_client.get(f"/claims?publisher={A}&publisher={B}").get_data(as_text=True)
    checked = [(href, text) for href, cls, text in _links(_facet(html, "publisher")) if cls]
    assert [text for _, text in checked] == ["Globinsider", "Asia-Plus"]
    # each is removable, from the facet and from the active filters
    assert parse_qs(urlsplit(checked[0][0]).query)["publisher"] == [B]
    active = html[html.index('class="active-filters"'):]
    assert f'href="/claims?publisher={B}" title="remove this filter">publisher: {A} ✕' in active
    assert f'href="/claims?publisher={A}" title="remove this filter">publisher: {B} ✕' in active
    # the search form keeps both
    form = html[html.index('<form class="search"'):html.index("</form>")]
    assert form.count('name="publisher"') == 2


def test_keyset_pages_with_two_values_give_every_claim_once(demo_client):
    for url, expected in [
        (f"/claims.json?publisher={A}&publisher={B}&limit=4", 31),
        (f"/claims.json?publisher={A}&publisher={B}&modality=factual&modality=opinion&limit=3", None),
        (f"/claims.json?publisher={A}&publisher={B}&limit=4&sort=severity", 31),
        ("/claims.json?verdict=conflict&verdict=agree&limit=2&sort=-about", None),
    ]:
        first = demo_client.get(url).json
        claims = _walk(demo_client, url)
        ids = [c["id"] for c in claims]
        assert len(ids) == len(set(ids)) == first["total"] > 4, url
        assert expected is None or len(ids) == expected
        assert all("limit=" in c for c in [first["next"]]), url


def test_sort_by_severity_puts_conflicts_first(demo_client):
    claims = _walk(demo_client, "/claims.json?sort=severity&limit=7")
    verdicts = [c["verdict"] or "" for c in claims]
    assert len(claims) == 62 and verdicts[0] == "CONFLICT"
    assert verdicts == sorted(verdicts, key=SEVERITY_ORDER.index)
    html = demo_client.get("/claims?sort=severity").get_data(as_text=True)
    assert '<option value="severity" selected>' in html
    # the facet links and the next page keep the sort
    hrefs = [href for href, _, _ in _links(_facet(html, "modality"))]
    assert hrefs and all(parse_qs(urlsplit(h).query)["sort"] == ["severity"] for h in hrefs)
    nxt = re.search(r'<a href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(nxt).query)["sort"] == ["severity"]


def test_sort_by_relevance_needs_search_words(demo_client):
    data = demo_client.get("/claims.json?sort=relevance&limit=5").json
    assert (data["sort"], data["sorted_by"]) == ("relevance", "published")
    assert "needs search words" in data["sort_note"]
    assert [c["id"] for c in data["claims"]] == \
        [c["id"] for c in demo_client.get("/claims.json?limit=5").json["claims"]]
    html = demo_client.get("/claims?sort=relevance").get_data(as_text=True)
    assert 'class="small muted sort-note"' in html and '<option value="relevance" selected>' in html
    ranked = demo_client.get("/claims.json?sort=relevance&q=border").json
    assert ranked["sorted_by"] == "relevance" and ranked["sort_note"] is None
    assert {c["id"] for c in _walk(demo_client, "/claims.json?sort=relevance&q=border&limit=4")} == \
        {c["id"] for c in _walk(demo_client, "/claims.json?q=border&limit=100")}


def test_relevance_puts_the_best_match_first(app, kb, tmp_path):
    path = tmp_path / "rivers.yaml"
    path.write_text(RIVERS.format(seed=""), encoding="utf-8")
    kb.import_file(path)
    client = app.test_client()
    data = client.get("/claims.json?q=river&sort=relevance").json
    assert [c["id"] for c in data["claims"]] == ["thrice", "twice", "once"]
    by_date = client.get("/claims.json?q=river").json
    assert [c["id"] for c in by_date["claims"]] == ["once", "twice", "thrice"]


def test_bad_sort_more_or_cursor_is_400_in_the_one_shape(demo_client):
    severity = demo_client.get("/claims.json?sort=severity&limit=2").json["next"]
    cursor = parse_qs(urlsplit(severity).query)["after"][0]
    many = "&".join(f"publisher=p{i}" for i in range(51))
    for url in ("/claims.json?sort=loudest", "/claims.json?more=colour",
                f"/claims.json?sort=published&after={cursor}", f"/claims.json?{many}"):
        r = demo_client.get(url)
        assert r.status_code == 400, url
        assert r.json["ok"] is False and r.json["status"] == 400 and r.json["error"], url
    assert "loudest" in demo_client.get("/claims.json?sort=loudest").json["error"]
    # "date" is the default order's other name
    assert demo_client.get("/claims.json?sort=date&limit=5").json["claims"] == \
        demo_client.get("/claims.json?limit=5").json["claims"]
