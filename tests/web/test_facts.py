"""A fact's dossier page (issue #17 item 2): /facts/<subject>/<property> and its .json
twin — every source's value side by side, grouped by value, with the speaker; the
discrepancies, conflicts first (with the difference) and those that are not conflicts
(a value that changed over time, a different scope); scope and time filters; names in
the URL; 404 for unknowns; and /compare's one row per fact linking to it."""
from __future__ import annotations

import html as htmllib
import re

import pytest

from tests.kb.services.test_dossier import SMALL

LENGTH = "/facts/afghan-tajik-border/length"
SHARE = "/facts/afghan-tajik-border/share-of-border-controlled-by-taliban"


@pytest.fixture
def small_client(kb, client, tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    kb.import_file(path)
    return client


def text_of(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return htmllib.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def test_each_sources_value_grouped_with_the_speaker(demo_client):
    data = demo_client.get(LENGTH + ".json").json
    groups = {g["value"]: g for g in data["groups"]}
    assert list(groups) == ["1,344 km", "1,357 km", "1,400 km"]      # the most sources first
    assert groups["1,344 km"]["sources"] == 2
    said = {c["said_by"]["name"]: c for c in groups["1,344 km"]["claims"]}
    assert set(said) == {"Globinsider", "Anatoly Sidorov"}
    # TASS reports the CSTO's figure: the speaker's, not the outlet's
    sidorov = said["Anatoly Sidorov"]
    assert sidorov["reported"] and sidorov["said_by"]["role"] == "speaker"
    assert sidorov["publisher_name"] == "TASS" and sidorov["modality"] == "reported-speech"
    assert sidorov["published"] and sidorov["about"]["earliest"] == "2021-07-01" and sidorov["recorded"]
    page = text_of(demo_client.get(LENGTH))
    section = page[page.index("What each source says"):page.index('id="discrepancies"')]
    assert section.count('<section class="value-group') == 3
    assert "Anatoly Sidorov</a></strong> <span class=\"muted\">— their figure, reported by</span>" in section
    assert "Eurasianet" in section and "Afghanistan Times" in section


def test_the_conflict_with_its_difference_comes_first(demo_client):
    data = demo_client.get(LENGTH + ".json").json
    assert data["status"] == "CONTESTED"
    first = data["verdicts"][0]
    assert first["verdict"] == "CONFLICT" and first["kind"] == "conflict"
    assert first["severity"] == "moderate"                      # the most severe first
    minor = next(v for v in data["verdicts"] if {v["a_claim"]["id"], v["b_claim"]["id"]}
                 == {"gi-border-length", "eurasianet-border-length"})
    assert minor["difference"] == "13 km apart (1.0%)" and minor["severity"] == "minor"
    assert data["counts"]["verdicts"]["CONFLICT"] == 5 and data["counts"]["kinds"]["agree"] == 1
    page = text_of(demo_client.get(LENGTH))
    assert "Discrepancies" in page and "13 km apart (1.0%)" in page
    assert page.index("43 km apart") < page.index("13 km apart")


def test_a_value_that_changed_over_time_is_a_discrepancy_not_a_conflict(demo_client):
    data = demo_client.get(SHARE + ".json").json
    assert data["status"] == "CONSISTENT"
    changed = [v for v in data["verdicts"] if v["kind"] == "changed_over_time"]
    assert changed and all(v["verdict"] == "COMPATIBLE" for v in changed)
    tass_mehr = next(v for v in changed if {v["a_claim"]["id"], v["b_claim"]["id"]}
                     == {"tass-border-share", "mehr-border-share"})
    assert "a change over time, not a conflict" in tass_mehr["reason"]
    page = text_of(demo_client.get(SHARE))
    discrepancies = page[page.index('id="discrepancies"'):]
    assert "changed over time" in discrepancies and "a change over time, not a conflict" in discrepancies


def test_a_different_scope_and_a_change_over_time_in_a_small_kb(small_client):
    data = small_client.get("/facts/flood/displaced.json").json
    kinds = {v["kind"] for v in data["verdicts"]}
    assert {"conflict", "changed_over_time", "different_scope"} <= kinds
    conflict = data["verdicts"][0]
    assert conflict["kind"] == "conflict" and conflict["difference"] == "100 apart (11.1%)"
    page = text_of(small_client.get("/facts/flood/displaced"))
    rows = page[page.index('id="discrepancies"'):page.index("Agreements") if "Agreements" in page else None]
    assert "different scope" in rows and "changed over time" in rows and "100 apart" in rows
    assert "north-district is part of province" in rows
    # the minister's figure is the minister's, The Wire reported it
    assert "Minister of the Interior</a></strong> <span class=\"muted\">— their figure, reported by</span>" in page


def test_scope_and_time_filters(small_client):
    by_time = small_client.get("/facts/flood/displaced.json?time=2021-07-10").json
    assert by_time["claims_shown"] == 3 and by_time["claims_total"] == 4
    assert by_time["filters"]["time"] == "2021-07-10"
    by_scope = small_client.get("/facts/flood/displaced.json?scope=North District").json
    assert [c["id"] for g in by_scope["groups"] for c in g["claims"]] == ["two-north"]
    assert by_scope["filters"]["scope_label"] == "North District"
    page = text_of(small_client.get("/facts/flood/displaced?scope=north-district&time=2021-07"))
    assert "about the scope <strong>North District</strong>" in page
    assert 'value="north-district"' in page and 'value="2021-07"' in page   # the form keeps them
    assert "every time and scope" in page
    assert small_client.get("/facts/flood/displaced.json?time=soon").status_code == 400


def test_names_in_the_url(demo_client):
    by_id = demo_client.get(LENGTH + ".json").json
    for url in ("/facts/Afghan-Tajik border/Length.json", "/facts/AFGHANISTAN–TAJIKISTAN BORDER/length.json",
                "/facts.json?subject=http://localhost:5000/entities/afghan-tajik-border"
                "&property=http://localhost:5000/properties/length"):
        response = demo_client.get(url)
        assert response.status_code == 200, url
        assert response.json["groups"] == by_id["groups"], url


@pytest.mark.parametrize("url", [
    "/facts/no-such-place/length", "/facts/no-such-place/length.json",
    "/facts/afghan-tajik-border/no-such-property.json", "/facts/Tajikistan/length.json",
    "/facts/afghan-tajik-border/length.json?scope=no such scope",
])
def test_unknown_subject_or_property_is_a_404_in_the_one_error_shape(demo_client, url):
    response = demo_client.get(url)
    assert response.status_code == 404
    if url.split("?")[0].endswith(".json"):
        body = response.json
        assert body["ok"] is False and body["status"] == 404 and body["error"]


def test_a_fact_needs_a_subject_and_a_property(demo_client):
    response = demo_client.get("/facts.json?subject=afghan-tajik-border")
    assert response.status_code == 400 and response.json["ok"] is False


def test_the_json_twin(demo_client):
    response = demo_client.get(LENGTH)
    assert '<link rel="alternate" type="application/json" href="/facts/afghan-tajik-border/length.json">' \
        in response.get_data(as_text=True)
    data = demo_client.get(LENGTH + ".json").json
    assert {"subject", "subject_label", "property", "property_label", "url", "filters", "status",
            "sources", "claims_total", "claims_shown", "groups", "verdicts", "pairs_total",
            "pairs_complete", "counts", "timeline", "scopes", "compare"} <= set(data)
    claim = data["groups"][0]["claims"][0]
    assert {"claim", "id", "url", "value", "normalised", "publisher", "publisher_name", "speaker",
            "speaker_name", "said_by", "reported", "modality", "published", "about", "recorded",
            "scope", "ratings", "fact_checks", "article_url"} <= set(claim)
    assert claim["fact_checks"] == []
    assert data["timeline"] and len(data["timeline"][0]["points"]) == 4
    ringed = [p for p in data["timeline"][0]["points"] if p["verdict"] == "CONFLICT"]
    assert len(ringed) == 4                               # all four are in a conflict


def test_hostile_labels_are_escaped(small_client):
    response = small_client.get("/facts/flood/displaced")
    body = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; flood" in body
    assert small_client.get("/facts/flood/displaced.json").json["subject_label"] == \
        "<script>alert(1)</script> flood"


def test_ratings_on_the_claims(small_client, kb):
    kb.reliability.rate("the-wire", user="rater", value=2, reason="Often wrong.",
                        evidence="https://example.org/evidence")
    page = text_of(small_client.get("/facts/flood/displaced"))
    south = page[page.index('id="claim-wire-south"'):]
    south = south[:south.index("</li>", south.index("ratings"))]
    assert "2/5" in south and "by rater" in south
    assert "Daily One not rated yet" in page


def test_compare_lists_facts_with_their_values_and_dossier(demo_client):
    data = demo_client.get("/compare.json").json
    first = data["facts"][0]
    # the keys it had, and the new ones
    assert {"subject", "property", "status", "counts", "verdicts", "claims", "pairs_total",
            "values", "dossier"} <= set(first)
    assert first["property"].endswith("/length") and first["status"] == "CONTESTED"
    assert [(v["value"], v["sources"]) for v in first["values"]] == \
        [("1,344 km", 2), ("1,357 km", 1), ("1,400 km", 1)]
    for fact in data["facts"]:
        dossier = demo_client.get(fact["dossier"].replace("?", ".json?", 1) if "?" in fact["dossier"]
                                  else fact["dossier"] + ".json")
        assert dossier.status_code == 200, fact["dossier"]
        shown = {c["claim"] for g in dossier.json["groups"] for c in g["claims"]}
        assert {v["a"] for v in fact["verdicts"]} | {v["b"] for v in fact["verdicts"]} <= shown
    page = demo_client.get("/compare").get_data(as_text=True)
    assert page.count('class="dossier-link"') == len(data["facts"])
    assert page.count('<details class="pairs"') == len(data["facts"])
    assert '<ul class="values-glance"' in page


def test_the_claim_page_links_to_the_dossier(demo_client):
    page = demo_client.get("/claims/gi-border-length").get_data(as_text=True)
    href = htmllib.unescape(re.search(r'<a class="fact-dossier" href="([^"]+)"', page).group(1))
    assert href == "/facts?subject=afghan-tajik-border&property=length"
    assert "1,357 km" in demo_client.get(href).get_data(as_text=True)


def test_a_huge_compare_page_number_is_not_a_500(demo_client):
    response = demo_client.get("/compare?page=99999999999999999999999")
    assert response.status_code == 200
