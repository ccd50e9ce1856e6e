"""A fact's dossier (kb.services.dossier, issue #17 item 2): every claim on one subject
and property grouped by value, with its speaker, dates and publisher's ratings, and the
verdicts between them — conflicts first, then the differences that are not conflicts
(a value that changed over time, a different scope)."""
from __future__ import annotations

import pytest

import kb.services.dossier as dossier
from kb.errors import InputError, NotFound
from kb.services.dossier import parse_span, value_groups

# One fact seen by three outlets: a count of people displaced in a province, at two
# times (a change over time), and in two of its districts (different scopes; the
# south's figure, a minister's, above the whole province's on the same day: a conflict).
SMALL = """
claimkb: 1
articles:
  one-2021-07-01: {publisher: Daily One, published: 2021-07-01, title: Floods in the province}
  two-2021-07-10: {publisher: Daily Two, published: 2021-07-10, title: More displaced}
  wire-2021-07-10: {publisher: The Wire, published: 2021-07-10, title: Minister speaks}
entities:
  flood: {label: "<script>alert(1)</script> flood"}
  province: {label: Lake Province}
  north-district: {label: North District, part_of: province}
  south-district: {label: South District, part_of: province}
properties:
  displaced: {label: people displaced, kind: state}
people:
  minister: {label: Minister of the Interior}
claims:
  - id: one-early
    article: one-2021-07-01
    statement: 500 people were displaced in Lake Province.
    subject: flood
    property: displaced
    scope: province
    value: "500"
    about: 2021-07-01
  - id: two-later
    article: two-2021-07-10
    statement: 800 people have now been displaced in Lake Province.
    subject: flood
    property: displaced
    scope: province
    value: "800"
    about: 2021-07-10
  - id: two-north
    article: two-2021-07-10
    statement: 300 of them in North District.
    subject: flood
    property: displaced
    scope: north-district
    value: "300"
    about: 2021-07-10
  - id: wire-south
    article: wire-2021-07-10
    statement: The minister said 900 were displaced in South District.
    modality: reported-speech
    speaker: minister
    subject: flood
    property: displaced
    scope: south-district
    value: "900"
    about: 2021-07-10
"""


@pytest.fixture
def small_kb(kb, tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    kb.import_file(path)
    return kb


def pair(d, a: str, b: str) -> dict:
    return next(v for v in d.verdicts if {v["a"].rsplit("/", 1)[1], v["b"].rsplit("/", 1)[1]} == {a, b})


def test_every_claim_grouped_by_value_with_its_speaker_and_dates(small_kb):
    d = small_kb.fact_dossier("flood", "displaced")
    assert d.subject_label == "<script>alert(1)</script> flood" and d.property_label == "people displaced"
    assert d.claims_total == 4 and len(d.claims) == 4 and d.sources == 3
    # one source each: by time, then by figure
    assert [g["value"] for g in d.groups] == ["500", "300", "800", "900"]
    south = next(c for c in d.claims if c["claim"].endswith("/wire-south"))
    assert south["reported"] and south["said_by"] == {
        "iri": south["speaker"], "name": "Minister of the Interior", "role": "speaker"}
    assert south["publisher_name"] == "The Wire" and south["modality"] == "reported-speech"
    assert south["published"] == "2021-07-10" and south["about"]["earliest"] == "2021-07-10"
    assert south["recorded"] and south["scope_label"] == "South District"
    early = next(c for c in d.claims if c["claim"].endswith("/one-early"))
    assert not early["reported"] and early["said_by"]["role"] == "publisher"
    assert early["said_by"]["name"] == "Daily One"
    assert early["normalised"]["low"] == early["normalised"]["high"] == "500"


def test_conflicts_first_then_the_differences_that_are_not_conflicts(small_kb):
    d = small_kb.fact_dossier("flood", "displaced")
    assert d.verdicts[0]["verdict"] == "CONFLICT" and d.status == "CONTESTED"
    conflict = pair(d, "two-later", "wire-south")
    assert conflict["kind"] == "conflict" and conflict["absolute_difference"] == "100"
    assert conflict["severity"]
    over_time = pair(d, "one-early", "two-later")
    assert over_time["verdict"] == "COMPATIBLE" and over_time["kind"] == "changed_over_time"
    assert "change over time" in over_time["reason"]
    narrower = pair(d, "two-later", "two-north")
    assert narrower["verdict"] == "PARTIAL" and narrower["kind"] == "different_scope"
    assert narrower["same_source"]
    disjoint = pair(d, "two-north", "wire-south")
    assert disjoint["verdict"] == "NOT_COMPARABLE" and disjoint["kind"] == "different_scope"
    counts = d.counts()
    assert counts["verdicts"]["CONFLICT"] >= 1 and counts["kinds"]["changed_over_time"] >= 1
    assert sum(counts["verdicts"].values()) == len(d.verdicts) == 6       # every pair of 4 claims


def test_scope_and_time_filters(small_kb):
    by_time = small_kb.fact_dossier("flood", "displaced", time="2021-07-10")
    assert {c["claim"].rsplit("/", 1)[1] for c in by_time.claims} == {"two-later", "two-north", "wire-south"}
    assert by_time.claims_total == 4 and by_time.time == "2021-07-10"
    by_scope = small_kb.fact_dossier("flood", "displaced", scope="North District")
    assert [c["claim"].rsplit("/", 1)[1] for c in by_scope.claims] == ["two-north"]
    assert by_scope.scope_label == "North District" and by_scope.status == "UNVERIFIED"
    assert by_scope.verdicts == []
    month = small_kb.fact_dossier("flood", "displaced", scope="province", time="2021-07")
    assert len(month.claims) == 2 and month.status == "CONSISTENT"
    assert {s["label"] for s in month.scopes} == {"Lake Province", "North District", "South District"}
    none = small_kb.fact_dossier("flood", "displaced", time="2020")
    assert none.claims == [] and none.claims_total == 4


def test_names_as_people_type_them_and_unknowns(small_kb):
    d = small_kb.fact_dossier("<SCRIPT>alert(1)</script> FLOOD", "People Displaced")
    assert len(d.claims) == 4
    with pytest.raises(NotFound):
        small_kb.fact_dossier("no such flood", "displaced")
    with pytest.raises(NotFound):
        small_kb.fact_dossier("flood", "no-such-property")
    with pytest.raises(NotFound):
        small_kb.fact_dossier("province", "displaced")   # an entity, but no claim about it
    with pytest.raises(NotFound):
        small_kb.fact_dossier("flood", "displaced", scope="nowhere at all")
    with pytest.raises(InputError):
        small_kb.fact_dossier("flood", "displaced", time="last tuesday")


def test_a_retracted_claim_leaves_the_dossier(small_kb):
    small_kb.retract_claim("wire-south", "the minister corrected himself")
    d = small_kb.fact_dossier("flood", "displaced")
    assert len(d.claims) == 3 and d.status == "CONSISTENT"
    assert all(v["verdict"] != "CONFLICT" for v in d.verdicts)


def test_the_publishers_current_ratings(small_kb):
    small_kb.reliability.rate("the-wire", user="rater", value=2, reason="Often wrong.",
                              evidence="https://example.org/evidence")
    d = small_kb.fact_dossier("flood", "displaced")
    south = next(c for c in d.claims if c["claim"].endswith("/wire-south"))
    assert [(r["assessor"], r["value"], r["reason"]) for r in south["ratings"]] == [("rater", 2, "Often wrong.")]
    early = next(c for c in d.claims if c["claim"].endswith("/one-early"))
    assert early["ratings"] == []


def test_past_the_pair_budget_only_the_reports_pairs_are_judged(small_kb, demo_kb, monkeypatch):
    every = demo_kb.fact_dossier("afghan-tajik-border", "length")
    assert every.pairs_complete
    monkeypatch.setattr(dossier, "MAX_PAIRS", 1)
    # a length is time-invariant: the report judges every pair of its sources too
    budget = demo_kb.fact_dossier("afghan-tajik-border", "length")
    assert not budget.pairs_complete and len(budget.claims) == 4
    assert sorted((*sorted((v["a"], v["b"])), v["verdict"]) for v in budget.verdicts) == \
        sorted((*sorted((v["a"], v["b"])), v["verdict"]) for v in every.verdicts)
    assert [v["verdict"] for v in budget.verdicts] == ["CONFLICT"] * 5 + ["AGREE"]
    # the report groups by scope and by time: the province's two claims are on different
    # days and each district is alone in its scope, so it judges none of these pairs
    d = small_kb.fact_dossier("flood", "displaced")
    assert not d.pairs_complete and len(d.claims) == 4 and d.verdicts == []


def test_value_groups_and_spans(demo_kb):
    d = demo_kb.fact_dossier("afghan-tajik-border", "share-of-border-controlled-by-taliban")
    # "over 70%" and "more than 70%" read the same: one group, two sources, both wordings
    first = d.groups[0]
    assert first["sources"] == 2 and set(first["texts"]) == {"over 70%", "more than 70%"}
    assert first["normalised"]["low_exclusive"] and first["normalised"]["bound"] == "more than"
    idx = demo_kb.compare_index.ensure()
    rows = idx.rows("ks = ? AND kp = ?", (d.subject, d.property))
    assert len(value_groups([f for _, f in rows])) == len(d.groups) == 3
    assert parse_span("2021-07") == parse_span("2021-07-01/2021-07-31") == parse_span("2021-07-01..2021-07-31")
    with pytest.raises(InputError):
        parse_span("2021-07-10/2021-07-01")


def test_a_large_fact_lists_some_claims_and_counts_them_all(small_kb, monkeypatch):
    monkeypatch.setattr(dossier, "LISTED", 2)
    d = small_kb.fact_dossier("flood", "displaced")
    assert len(d.groups) == 4 and [g["claims_count"] for g in d.groups] == [1, 1, 1, 1]
    assert [len(g["claims"]) for g in d.groups] == [1, 1, 0, 0]
    assert d.claims_shown == 4 and d.sources == 3 and len(d.rows) == 2
    assert [g["value"] for g in d.groups] == ["500", "300", "800", "900"]   # named all the same
    assert len(d.verdicts) == 6 and d.status == "CONTESTED"               # judged all the same


def test_a_claim_that_states_no_time_stays_under_a_time_filter(small_kb, tmp_path):
    """/compare links a fact's dossier with its time span: a claim with no time must be
    there too (its "time not stated" is a discrepancy to show, not to hide)."""
    path = tmp_path / "timeless.yaml"
    path.write_text(SMALL.split("claims:\n")[0] + """claims:
  - id: wire-timeless
    article: wire-2021-07-10
    statement: 1,200 people were displaced in Lake Province.
    subject: flood
    property: displaced
    scope: province
    value: "1200"
""", encoding="utf-8")
    small_kb.import_file(path)
    d = small_kb.fact_dossier("flood", "displaced", time="2021-07-10")
    assert "wire-timeless" in {c["claim"].rsplit("/", 1)[1] for c in d.claims}
    assert d.claims_total == 5
