"""The index pages of entities, properties, people and publishers, the 303 of a merged
one, and merge and split in the web UI (web/views/names.py, web/views/entities.py).

Reading tests use the session's demo app; the ones that write (an alias, a hostile
label, a merge) build a demo KB of their own."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from kb.demo import build
from kb.derived.claims_index import ClaimFilter
from kb.model.iris import META
from web import create_app

from tests.web.test_auth import CSRF_MESSAGE, PASSWORD, csrf_from, login

KINDS = ("entities", "properties", "people", "publishers")
BORDER = "afghan-tajik-border"
XSS = "<script>alert(1)</script>"


def listing(kb, kind: str) -> list[dict]:
    return kb.entities.listing(kind, limit=500)["items"]


def claim_ids(client, url: str) -> set[str]:
    """The ids of every claim of a claims-list URL (its .json twin, every page)."""
    parts = urlsplit(url)
    assert parts.path == "/claims"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    data = client.get("/claims.json", query_string={**query, "limit": 500}).json
    assert data["next"] is None and data["total"] == len(data["claims"])
    return {c["id"] for c in data["claims"]}


def flashes(html: str) -> list[str]:
    return re.findall(r'<p class="flash[^"]*">([^<]*)</p>', html)


@pytest.fixture
def rw_app(kb):
    """A demo KB of this test's own, with an editor and a reader."""
    build(kb, force=True)
    app = create_app(kb=kb, config={"TESTING": True})
    users = app.extensions["claimkb_users"]
    users.add_user("eddie", PASSWORD, "editor")
    users.add_user("rita", PASSWORD, "reader")
    return app


def logged_in(app, name: str):
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def token(client, url: str = "/") -> str:
    return csrf_from(client.get(url).get_data(as_text=True))


# ---------------------------------------------------------------------- index pages

@pytest.mark.parametrize("kind", KINDS)
def test_index_json_lists_every_one_with_its_real_claim_count(demo_client, demo_kb, kind):
    data = demo_client.get(f"/{kind}.json?limit=500").json
    expected = listing(demo_kb, kind)
    assert data["kind"] == kind and data["total"] == len(expected) > 0
    assert [(i["id"], i["label"], i["claims"]) for i in data["items"]] == \
        [(i["id"], i["label"], i["claims"]) for i in expected]
    assert data["next"] is None and data["next_url"] is None
    # every count is the number of claims its link lists
    for item in data["items"]:
        assert len(claim_ids(demo_client, item["claims_url"])) == item["claims"], item["id"]


def test_entity_counts_are_the_claims_index_counts(demo_client, demo_kb):
    iri = str(demo_kb.iris.entity(BORDER))
    expected = demo_kb.index.search(ClaimFilter(entity=iri), limit=1).total
    row = next(i for i in demo_client.get("/entities.json").json["items"] if i["id"] == BORDER)
    assert row["claims"] == expected > 20
    assert row["url"] == f"/entities/{BORDER}" and row["claims_url"] == f"/claims?entity={BORDER}"


def test_index_html_rows_link_to_pages_claims_and_wikidata(demo_client):
    r = demo_client.get("/entities")
    assert r.status_code == 200 and r.content_type.startswith("text/html")
    assert r.headers["Link"].startswith("</entities.json")
    html = r.get_data(as_text=True)
    assert f'href="/entities/{BORDER}"' in html and f'href="/claims?entity={BORDER}"' in html
    assert 'href="https://www.wikidata.org/wiki/Q863"' in html
    for kind in KINDS:                      # the links between the four pages
        assert f'href="/{kind}"' in html
    assert 'aria-current="page">Entities<' in html
    assert '<form class="search" method="get" action="/entities"' in html
    props = demo_client.get("/properties").get_data(as_text=True)
    assert 'href="/claims?property=length"' in props
    assert 'href="https://www.wikidata.org/wiki/Property:P2043"' in props
    people = demo_client.get("/people").get_data(as_text=True)
    assert 'href="/claims?entity=http://localhost:5000/people/' in people
    pubs = demo_client.get("/publishers").get_data(as_text=True)
    assert 'href="/publishers/afp"' in pubs and 'href="/claims?publisher=afp"' in pubs
    assert 'href="/entities"' in demo_client.get("/").get_data(as_text=True)   # the navigation


def test_no_merge_forms_for_anonymous_users(demo_client):
    for url in ("/entities", "/properties", f"/entities/{BORDER}", "/publishers/afp"):
        html = demo_client.get(url).get_data(as_text=True)
        assert "/merge" not in html and "/split" not in html, url


@pytest.mark.parametrize("q", ["AFGHANISTAN–TAJIKISTAN", "afghanistan-tajikistan BORDER",
                               "Tajikistan—Border", "afghan tajik", "  afghan_tajik  "])
def test_search_by_label_or_key_ignores_case_and_dashes(demo_client, q):
    data = demo_client.get("/entities.json", query_string={"q": q}).json
    assert [i["id"] for i in data["items"]] == [BORDER], q
    html = demo_client.get("/entities", query_string={"q": q}).get_data(as_text=True)
    assert f'href="/entities/{BORDER}"' in html and 'href="/entities/moscow"' not in html


def test_search_finds_nothing_politely(demo_client):
    r = demo_client.get("/publishers?q=no+such+publisher")
    assert r.status_code == 200 and "No publishers with a name containing" in r.get_data(as_text=True)
    assert demo_client.get("/publishers.json?q=no+such+publisher").json["items"] == []


@pytest.mark.parametrize("kind", ["publishers", "people"])
def test_keyset_pages_cover_everything_once(demo_client, demo_kb, kind):
    everything = [i["id"] for i in listing(demo_kb, kind)]
    seen, url = [], f"/{kind}.json?limit=5"
    while url:
        data = demo_client.get(url).json
        assert len(data["items"]) <= 5
        seen += [i["id"] for i in data["items"]]
        url = data["next_url"]
        assert url is None or ("limit=5" in url and f"/{kind}.json" in url)
    assert seen == everything and len(everything) > 10
    # the HTML pages link on, keeping the limit, and back to the first page
    html = demo_client.get(f"/{kind}?limit=5").get_data(as_text=True)
    nxt = re.search(r'<a href="([^"]+)" rel="next">', html).group(1).replace("&amp;", "&")
    second = demo_client.get(nxt).get_data(as_text=True)
    assert "« first page" in second and "limit=5" in nxt
    assert re.findall(r'<tr data-id="([^"]+)"', second) == everything[5:10]


def test_keyset_pages_keep_the_search(demo_client, demo_kb):
    expected = [i["id"] for i in demo_kb.entities.listing("people", "a", limit=500)["items"]]
    seen, url = [], "/people.json?q=a&limit=2"
    while url:
        data = demo_client.get(url).json
        seen += [i["id"] for i in data["items"]]
        url = data["next_url"]
    assert seen == expected and len(expected) > 2


@pytest.mark.parametrize("query", ["limit=abc", "limit=0", "limit=501", "limit=-3", "limit=1.5",
                                   "limit=%EF%BC%95", "q=" + "x" * 201, "after=" + "z" * 3000])
def test_bad_parameters_are_400_in_the_one_error_shape(demo_client, query):
    r = demo_client.get(f"/entities.json?{query}")
    assert r.status_code == 400
    body = r.json
    assert body["ok"] is False and body["status"] == 400 and body["title"] == "Bad Request"
    assert body["error"]
    page = demo_client.get(f"/entities?{query}")
    assert page.status_code == 400 and page.content_type.startswith("text/html")


def test_limits_in_range_and_odd_parameters_are_fine(demo_client):
    assert len(demo_client.get("/entities.json?limit=1").json["items"]) == 1
    assert demo_client.get("/entities.json?limit=500").status_code == 200
    assert demo_client.get("/entities.json?q=" + "x" * 200).status_code == 200
    assert demo_client.get("/entities?kind=x&fmt=y").status_code == 200
    bad = demo_client.get("/entities.json?after=garbage")     # not a cursor: said, not a 500
    assert bad.status_code == 400 and "not a cursor" in bad.json["error"]
    for cursor in ("x%1F%C2%B2", "abc%1F99999999999999999999999999"):
        assert demo_client.get(f"/entities.json?after={cursor}").status_code == 400
    assert demo_client.get("/entities.xml").status_code == 404


def test_accept_json_gets_the_twin(demo_client):
    r = demo_client.get("/properties", headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.json["kind"] == "properties"


# ---------------------------------------------------------------------- aliases, escaping

def test_alias_search_and_hostile_labels_escaped(rw_app):
    kb = rw_app.extensions["claimkb"]
    border = kb.iris.entity(BORDER)
    hostile = kb.iris.entity("hostile")
    kb.store.update(f"""
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        INSERT DATA {{ GRAPH <{META}> {{
          <{border}> skos:altLabel "Darvaz frontier" .
          <{hostile}> a <https://w3id.org/claimkb/ns#Entity> ; rdfs:label "{XSS}" ;
                      skos:altLabel "\\"><img src=x onerror=alert(2)>" .
        }} }}""")
    kb.indexes.names_changed([str(border), str(hostile)])
    client = rw_app.test_client()
    for q in ("darvaz", "DARVAZ-Frontier", "darvaz frontier"):
        data = client.get("/entities.json", query_string={"q": q}).json
        assert [(i["id"], i["aliases"]) for i in data["items"]] == [(BORDER, ["Darvaz frontier"])]
    html = client.get("/entities?q=frontier").get_data(as_text=True)
    assert "Darvaz frontier" in html and f'href="/entities/{BORDER}"' in html
    # the entity page shows the alias too
    assert "Also known as: Darvaz frontier" in client.get(f"/entities/{BORDER}").get_data(as_text=True)
    # whatever a label, an alias or the search says, it is shown as text
    for url in ("/entities", "/entities?q=script", "/entities?q=" + XSS, "/entities/hostile"):
        html = client.get(url).get_data(as_text=True)
        assert XSS not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
    assert client.get("/entities.json?q=script").json["items"][0]["label"] == XSS


# ---------------------------------------------------------------------- merged IRIs

def test_a_merged_entity_and_publisher_answer_303_to_the_survivor(rw_app):
    kb = rw_app.extensions["claimkb"]
    kb.entities.merge("entities", "afghanistan", "badakhshan", user="test")
    kb.entities.merge("publishers", "afp", "al-jazeera", user="test")
    client = rw_app.test_client()
    for suffix in ("", ".json", ".ttl", ".jsonld"):
        r = client.get(f"/entities/badakhshan{suffix}")
        assert r.status_code == 303 and r.headers["Location"] == f"/entities/afghanistan{suffix}"
        assert r.headers["Link"] == f'</entities/afghanistan{suffix}>; rel="canonical"'
        assert client.get(r.headers["Location"]).status_code == 200
    r = client.get("/entities/badakhshan", headers={"Accept": "text/turtle"})
    assert r.status_code == 303 and r.headers["Location"] == "/entities/afghanistan"
    r = client.get("/publishers/al-jazeera.json")
    assert r.status_code == 303 and r.headers["Location"] == "/publishers/afp.json"
    # merged on again: one hop to the end of the chain
    kb.entities.merge("entities", "tajikistan", "afghanistan", user="test")
    assert client.get("/entities/badakhshan").headers["Location"] == "/entities/tajikistan"
    # the merged ones leave the index pages; the survivor says what it took in
    assert "badakhshan" not in [i["id"] for i in client.get("/entities.json").json["items"]]
    survivor = client.get("/entities/tajikistan.json").json
    assert survivor["merged_from"] == ["afghanistan"]
    # not in the names index: as before
    assert client.get("/entities/no-such-entity").status_code == 404


# ---------------------------------------------------------------------- merge and split

def test_an_editor_merges_and_splits_in_the_browser(rw_app):
    kb = rw_app.extensions["claimkb"]
    client = logged_in(rw_app, "eddie")
    before_survivor = claim_ids(client, "/claims?entity=badakhshan")
    moved = claim_ids(client, "/claims?entity=shughnon-district")
    assert moved and not moved & before_survivor
    page = client.get("/entities/badakhshan").get_data(as_text=True)
    assert "Merge another entity into this one" in page
    assert 'action="/entities/badakhshan/merge"' in page
    r = client.post("/entities/badakhshan/merge",
                    data={"csrf_token": csrf_from(page), "other": "shughnon DISTRICT"})
    assert r.status_code == 303 and r.headers["Location"] == "/entities/badakhshan"
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert any(f"Merged shughnon-district into badakhshan: {len(moved)} claim(s) moved" in m
               for m in flashes(page))
    assert 'action="/entities/shughnon-district/split"' in page
    assert "Also known as: Shughnon District" in page
    # the merged entity's claims are the survivor's now, and its address leads there
    assert claim_ids(client, "/claims?entity=badakhshan") == before_survivor | moved
    assert set(re.findall(r'href="/claims/([^"/.]+)"', page)) >= moved    # on its page too
    row = next(i for i in client.get("/entities.json").json["items"] if i["id"] == "badakhshan")
    assert row["claims"] == len(before_survivor | moved)
    assert row["merged_from"] == ["shughnon-district"]
    assert client.get("/entities/shughnon-district").status_code == 303
    # split it back
    r = client.post("/entities/shughnon-district/split", data={"csrf_token": csrf_from(page)})
    assert r.status_code == 303 and r.headers["Location"] == "/entities/shughnon-district"
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert any("Split shughnon-district from badakhshan" in m for m in flashes(page))
    assert claim_ids(client, "/claims?entity=badakhshan") == before_survivor
    assert claim_ids(client, "/claims?entity=shughnon-district") == moved
    assert kb.entities.find("entities", "shughnon-district", follow=False).merged_into is None


def test_a_publisher_merge_and_its_json_answer(rw_app):
    client = logged_in(rw_app, "eddie")
    page = client.get("/publishers/afp").get_data(as_text=True)
    assert "Merge another publisher into this one" in page
    r = client.post("/publishers/afp/merge", data={"csrf_token": csrf_from(page), "other": "Al Jazeera"},
                    headers={"Accept": "application/json"})
    assert r.status_code == 200
    assert r.json["ok"] is True and r.json["action"] == "merged"
    assert (r.json["survivor"], r.json["other"], r.json["url"]) == ("afp", "al-jazeera", "/publishers/afp")
    assert client.get("/publishers/al-jazeera").headers["Location"] == "/publishers/afp"
    r = client.post("/publishers/al-jazeera/split", data={"csrf_token": csrf_from(page)},
                    headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.json["action"] == "split"
    assert client.get("/publishers/al-jazeera").status_code == 200


def test_a_publisher_merge_moves_its_claims_in_the_lists(rw_app):
    client = logged_in(rw_app, "eddie")
    before = claim_ids(client, "/claims?publisher=afp")
    moved = claim_ids(client, "/claims?publisher=al-jazeera")
    r = client.post("/publishers/afp/merge", data={"csrf_token": token(client), "other": "al-jazeera"})
    assert r.status_code == 303
    assert claim_ids(client, "/claims?publisher=afp") == before | moved


def test_properties_merge_and_split_on_their_index_rows(rw_app):
    client = logged_in(rw_app, "eddie")
    page = client.get("/properties").get_data(as_text=True)
    assert 'action="/properties/length/merge"' in page
    assert "/entities/afghanistan/merge" not in client.get("/entities").get_data(as_text=True)
    r = client.post("/properties/length/merge", data={"csrf_token": csrf_from(page), "other": "member of"})
    assert r.status_code == 303 and r.headers["Location"] == "/properties?q=length"
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert any("Merged member-of into length" in m for m in flashes(page))
    assert 'action="/properties/member-of/split"' in page
    r = client.post("/properties/length/merge", data={"csrf_token": csrf_from(page), "other": "length"})
    assert r.status_code == 400 and "cannot merge length with itself" in r.get_data(as_text=True)
    r = client.post("/properties/member-of/split", data={"csrf_token": csrf_from(page)})
    assert r.status_code == 303 and r.headers["Location"] == "/properties?q=member-of"


def test_merging_with_itself_is_400_with_the_message(rw_app):
    client = logged_in(rw_app, "eddie")
    csrf = token(client, "/entities/afghanistan")
    r = client.post("/entities/afghanistan/merge", data={"csrf_token": csrf, "other": "Afghanistan"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "cannot merge afghanistan with itself" in html
    assert 'value="Afghanistan"' in html and "<details class=\"merge\" open>" in html   # the form again
    r = client.post("/entities/afghanistan/merge", data={"csrf_token": csrf, "other": "afghanistan"},
                    headers={"Accept": "application/json"})
    assert r.status_code == 400
    assert r.json == {"ok": False, "status": 400, "title": "Bad Request",
                      "error": "cannot merge afghanistan with itself"}
    r = client.post("/entities/afghanistan/merge", data={"csrf_token": csrf, "other": "Atlantis"})
    assert r.status_code == 404 and "no entity" in r.get_data(as_text=True)
    r = client.post("/entities/afghanistan/merge", data={"csrf_token": csrf, "other": ""})
    assert r.status_code == 400
    r = client.post("/entities/atlantis/merge", data={"csrf_token": csrf, "other": "afghanistan"})
    assert r.status_code == 404
    r = client.post("/entities/afghanistan/split", data={"csrf_token": csrf})
    assert r.status_code == 400 and "is not merged into anything" in r.get_data(as_text=True)
    r = client.post("/entities/afghanistan/merge", data={"csrf_token": csrf, "other": "moscow"})
    r = client.post("/entities/moscow/merge", data={"csrf_token": csrf, "other": "tajikistan"},
                    headers={"Accept": "application/json"})
    assert r.status_code == 400 and "was merged into afghanistan" in r.json["error"]


def test_readers_and_anonymous_users_may_not_merge_or_split(rw_app):
    kb = rw_app.extensions["claimkb"]
    reader = logged_in(rw_app, "rita")
    page = reader.get("/entities/afghanistan").get_data(as_text=True)
    assert "/merge" not in page
    csrf = csrf_from(page)
    r = reader.post("/entities/afghanistan/merge", data={"csrf_token": csrf, "other": "badakhshan"})
    assert r.status_code == 403
    r = reader.post("/properties/length/merge", data={"csrf_token": csrf, "other": "member of"})
    assert r.status_code == 403
    kb.entities.merge("entities", "afghanistan", "badakhshan", user="test")
    assert reader.post("/entities/badakhshan/split", data={"csrf_token": csrf}).status_code == 403
    anonymous = rw_app.test_client()
    assert anonymous.post("/entities/afghanistan/merge", data={"other": "moscow"}).status_code == 403
    assert anonymous.post("/entities/badakhshan/split").status_code == 403
    assert kb.entities.find("entities", "badakhshan", follow=False).merged_into    # unchanged
    assert kb.entities.find("entities", "moscow", follow=False).merged_into is None


def test_a_merge_without_the_csrf_token_is_refused(rw_app):
    kb = rw_app.extensions["claimkb"]
    client = logged_in(rw_app, "eddie")
    for data in ({"other": "badakhshan"}, {"other": "badakhshan", "csrf_token": "forged"}):
        r = client.post("/entities/afghanistan/merge", data=data)
        assert r.status_code == 400 and CSRF_MESSAGE in r.get_data(as_text=True)
    assert kb.entities.find("entities", "badakhshan", follow=False).merged_into is None
    kb.entities.merge("entities", "afghanistan", "badakhshan", user="test")
    assert client.post("/entities/badakhshan/split").status_code == 400
    assert kb.entities.find("entities", "badakhshan", follow=False).merged_into


def test_an_api_token_merges_with_a_json_body(rw_app):
    secret = rw_app.extensions["claimkb_users"].create_token("eddie")
    client = rw_app.test_client()
    r = client.post("/entities/afghanistan/merge", json={"other": "badakhshan"},
                    headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 200 and r.json["survivor"] == "afghanistan"
    r = client.post("/entities/afghanistan/merge", json={"other": "x", "extra": 1},
                    headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 400 and "unknown field" in r.json["error"]


def test_a_claim_page_links_its_speaker_and_property_to_their_index_pages(demo_client):
    """#17: every named thing links to where it is listed (people and properties have
    no page of their own: their index, searched for them)."""
    html = demo_client.get("/claims/times-territory-share").get_data(as_text=True)
    assert 'href="/people?q=taliban-representatives"' in html
    assert 'href="/properties?q=share-of-territory-controlled-by-taliban"' in html
    listed = demo_client.get("/people?q=taliban-representatives").get_data(as_text=True)
    assert "Taliban representatives" in listed
