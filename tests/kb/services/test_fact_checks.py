"""Fact-checkers' verdicts (kb/services/fact_checks.py): recording, revising and
withdrawing a verdict, what survives an edit of the claim, the ClaimReview export, its
round trip through ``claimkb import``, and its validity against schema.org's definitions."""
from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from rdflib import Graph
from rdflib.namespace import RDF

from kb import KnowledgeBase, load_settings
from kb.accounts.users import User
from kb.errors import InputError, NotFound, PermissionDenied
from kb.model import claimreview_markup
from kb.model.vocab import CKB, SCHEMA
from kb.services import fact_checks
from kb.services.claimreviews import check_markup
from ontologies import VOCABULARY

CLAIMS = """\
claimkb: 1
articles:
  dp-1:
    publisher: Daily Planet
    published: 2021-07-05
    title: A border story
    url: https://dailyplanet.example/border
claims:
  - id: dp-border
    article: dp-1
    statement: The border is 1,400 km long.
    subject: border
    property: length
    value: 1,400 km
    about: 2021-07
  - id: dp-minister
    article: dp-1
    modality: reported speech
    speaker: Jane Minister
    statement: The minister said the border is 1,344 km long.
    subject: border
    property: length
    value: 1,344 km
    about: 2021-07
"""
EVIDENCE = "https://example.org/survey-2020"


def at(minute: int) -> dt.datetime:
    return dt.datetime(2026, 1, 2, 10, minute, tzinfo=dt.timezone.utc)


@pytest.fixture
def loaded(kb, tmp_path):
    path = tmp_path / "claims.yaml"
    path.write_text(CLAIMS, encoding="utf-8")
    kb.import_file(path)
    return kb


def record(kb, claim="dp-border", who="eddie", value=2, **kw):
    kw.setdefault("summary", "The survey of 2020 gives 1,344 km.")
    kw.setdefault("evidence", [EVIDENCE, "dp-minister"])
    return kb.fact_checks.record(claim, user=who, value=value, **kw)


def export(kb) -> str:
    out = io.BytesIO()
    kb.export(out, "claimreview")
    return out.getvalue().decode("utf-8")


# ---------------------------------------------------------------------- the scale

def test_the_truth_scale_is_data_in_the_ontology():
    g = Graph().parse(data=VOCABULARY.read_text(encoding="utf-8"), format="turtle")
    in_ontology = sorted(int(g.value(s, SCHEMA.ratingValue)) for s in g.subjects(RDF.type, CKB.TruthLevel))
    assert in_ontology == [lv.value for lv in fact_checks.scale()] == [1, 2, 3, 4, 5]
    assert fact_checks.scale()[0].label == "False" and fact_checks.scale()[-1].label == "True"
    assert all(lv.definition for lv in fact_checks.scale())


@pytest.mark.parametrize("value", [0, 6, "x", "", None, True, 2.5, "1e3"])
def test_a_level_off_the_scale_is_refused(loaded, value):
    with pytest.raises(InputError, match="from 1"):
        record(loaded, value=value)


# ---------------------------------------------------------------------- recording

def test_a_verdict_is_recorded_with_its_level_wording_summary_and_evidence(loaded):
    v = record(loaded, alternate_name="Wrong length", now=at(1))
    assert (v.value, v.best, v.worst, v.level, v.alternate_name) == (2, 5, 1, "Mostly false", "Wrong length")
    assert v.who == "eddie" and v.created.startswith("2026-01-02T10:01")
    assert v.statement == "The border is 1,400 km long."        # the claim's words
    assert set(v.evidence) == {EVIDENCE, str(loaded.claim_iri("dp-minister"))}
    assert v.status == "current"
    assert loaded.fact_checks.for_claim("dp-border").current == v


def test_the_wording_defaults_to_the_levels_name(loaded):
    assert record(loaded, value=5).alternate_name == "True"


@pytest.mark.parametrize("kw, message", [
    ({"summary": "  "}, "summary"),
    ({"summary": "x" * 5001}, "longer"),
    ({"evidence": []}, "evidence"),
    ({"evidence": "javascript:alert(1)"}, "neither"),
    ({"evidence": "no-such-claim"}, "neither|no claim"),
    ({"evidence": "ftp://example.org/x"}, "neither"),
    ({"alternate_name": "two\nlines"}, "one line"),
    ({"alternate_name": "w" * 201}, "longer"),
])
def test_bad_input_is_refused_and_nothing_is_written(loaded, kw, message):
    with pytest.raises(InputError, match=message):
        record(loaded, **kw)
    assert loaded.fact_checks.for_claim("dp-border").history == []


def test_unknown_claim_and_role_below_editor(loaded):
    with pytest.raises(NotFound):
        record(loaded, claim="no-such-claim")
    annie = User("annie", "annotator", "2026-01-01", "fp")
    with pytest.raises(PermissionDenied, match="editor"):
        record(loaded, who=annie)
    assert record(loaded, who=User("ed", "editor", "2026-01-01", "fp")).who == "ed"


def test_a_new_verdict_revises_the_last_whoever_records_it(loaded):
    first = record(loaded, who="eddie", value=2, now=at(1))
    second = record(loaded, who="fran", value=3, summary="New survey.", now=at(2))
    verdicts = loaded.fact_checks.for_claim("dp-border")
    assert verdicts.current.iri == second.iri and second.previous == first.iri
    assert [v.iri for v in verdicts.history] == [second.iri, first.iri]
    assert verdicts.history[1].status == "superseded"
    assert verdicts.history[1].who == "eddie" and verdicts.history[0].who == "fran"


def test_withdrawing_keeps_the_verdict_in_the_history(loaded):
    v = record(loaded, now=at(1))
    done = loaded.fact_checks.withdraw("dp-border", user="eddie", now=at(5))
    assert done.iri == v.iri and done.status == "withdrawn" and done.withdrawn.startswith("2026-01-02T10:05")
    verdicts = loaded.fact_checks.for_claim("dp-border")
    assert verdicts.current is None and [x.iri for x in verdicts.history] == [v.iri]
    with pytest.raises(InputError, match="no current verdict"):
        loaded.fact_checks.withdraw("dp-border", user="eddie")
    again = record(loaded, value=4, now=at(6))
    assert loaded.fact_checks.for_claim("dp-border").current.iri == again.iri


def test_a_verdict_survives_an_edit_and_a_reimport_of_its_claim(loaded, tmp_path):
    v = record(loaded)
    path = tmp_path / "claims.yaml"
    path.write_text(CLAIMS.replace("1,400 km long", "1,400 km long (edited)"), encoding="utf-8")
    loaded.import_file(path)
    assert loaded.fact_checks.for_claim("dp-border").current.iri == v.iri
    # and the claim's own view does not take the verdict for part of the claim
    history = loaded.claim_history("dp-border")
    assert not any("verdict" in json.dumps(getattr(c, "__dict__", {}), default=str) for c in history)


# ---------------------------------------------------------------------- export

def test_the_export_is_claimreview_markup_with_the_current_verdict(loaded):
    record(loaded, value=1, now=at(1))
    record(loaded, value=2, alternate_name="Wrong length", summary="Two lines.\nSecond.", now=at(2))
    record(loaded, claim="dp-minister", value=5, now=at(3))
    doc = json.loads(export(loaded))
    assert doc["@context"] == "https://schema.org"
    by_claim = {r["claimReviewed"]: r for r in doc["@graph"]}
    border = by_claim["The border is 1,400 km long."]
    assert border["reviewRating"] == {"@type": "Rating", "ratingValue": 2, "bestRating": 5,
                                      "worstRating": 1, "alternateName": "Wrong length"}
    assert border["author"] == {"@type": "Organization", "name": "claimkb"}
    assert border["datePublished"] == "2026-01-02" and border["reviewBody"] == "Two lines.\nSecond."
    assert border["url"] == f"{loaded.claim_iri('dp-border')}/review"
    assert border["itemReviewed"] == {
        "@type": "Claim", "author": {"@type": "Organization", "name": "Daily Planet"},
        "datePublished": "2021-07-05",
        "appearance": [{"@type": "CreativeWork", "url": "https://dailyplanet.example/border"}]}
    minister = by_claim["The minister said the border is 1,344 km long."]
    assert minister["itemReviewed"]["author"] == {"@type": "Person", "name": "Jane Minister"}
    assert check_markup(export(loaded)) == []


def test_one_claims_markup_and_a_claim_with_nothing_to_export(loaded):
    with pytest.raises(NotFound, match="no verdict"):
        loaded.claim_review_jsonld("dp-border")
    record(loaded)
    one = json.loads(loaded.claim_review_jsonld("dp-border"))
    assert one["@type"] == "ClaimReview" and one["@context"] == "https://schema.org"
    loaded.fact_checks.withdraw("dp-border", user="eddie")
    with pytest.raises(NotFound):
        loaded.claim_review_jsonld("dp-border")
    assert json.loads(export(loaded)) == {"@context": "https://schema.org", "@graph": []}


def test_what_it_exports_imports_back_unchanged(loaded, tmp_path):
    """Export → import into another KB → export: the same markup, byte for byte; and
    importing it again changes nothing."""
    record(loaded, value=2, alternate_name="Mostly false", summary="Line one.\nLine two.")
    record(loaded, claim="dp-minister", value=5, evidence=[EVIDENCE, "https://example.org/b"])
    first = export(loaded)
    path = tmp_path / "reviews.jsonld"
    path.write_text(first, encoding="utf-8")
    with KnowledgeBase.open(load_settings(env={}, data_dir=tmp_path / "other",
                                          base_iri="https://other.example/")) as other:
        report = other.import_file(path)
        assert report.claims == 2
        second = export(other)
        assert second == first
        assert other.import_file(path).new == 0
        assert export(other) == first
        # shown as imported ratings on the claims they created
        imported = other.fact_checks.imported()
        assert sorted(r[0]["alternate_name"] for r in imported.values()) == ["Mostly false", "True"]


def test_the_markup_check_finds_what_schema_org_does_not_define(loaded):
    record(loaded)
    good = json.loads(loaded.claim_review_jsonld("dp-border"))
    assert check_markup(json.dumps(good)) == []
    bad = json.loads(json.dumps(good))
    bad["reviewRating"]["ratingValu"] = 3          # a typo of a property
    problems = check_markup(json.dumps(bad))
    assert any("ratingValu is not a schema.org term" in p for p in problems)
    bad = json.loads(json.dumps(good))
    del bad["claimReviewed"]
    assert any("claimReviewed" in p for p in check_markup(json.dumps(bad)))
    bad = json.loads(json.dumps(good))
    bad["itemReviewed"]["reviewBody"] = "misplaced"   # a schema.org term, not of a Claim
    assert check_markup(json.dumps(bad))
    bad = json.loads(json.dumps(good))
    bad["author"] = {"@type": "Organization"}        # no name
    assert any("name" in p for p in check_markup(json.dumps(bad)))


def test_real_fact_check_markup_round_trips_and_validates(kb, shared_data, tmp_path):
    """The three real ClaimReview blocks of ../shared/data: imported, exported, the export
    validates and imports back unchanged, and their ratings are shown ("Unproven")."""
    folder = shared_data / "claimreview" / "jsonld-from-fact-check-pages"
    files = sorted(folder.glob("*.raw.jsonld"))
    assert files, f"no real ClaimReview files in {folder}"
    for f in files:
        kb.import_file(f)
    first = export(kb)
    assert check_markup(first) == []
    ratings = {r["alternate_name"] for rs in kb.fact_checks.imported().values() for r in rs}
    assert "Unproven" in ratings
    path = tmp_path / "again.jsonld"
    path.write_text(first, encoding="utf-8")
    with KnowledgeBase.open(load_settings(env={}, data_dir=tmp_path / "other")) as other:
        other.import_file(path)
        assert export(other) == first


def test_markup_builder_writes_only_what_it_has():
    item = claimreview_markup.Item(author=None, date=None, appearances=[])
    out = claimreview_markup.review(url="https://x.example/r", statement="S", date=None,
                                    authors=[], rating=None, summary=None, citations=[], item=item)
    assert out == {"@type": "ClaimReview", "url": "https://x.example/r", "claimReviewed": "S",
                   "itemReviewed": {"@type": "Claim"}}
