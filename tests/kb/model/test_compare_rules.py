"""The comparison rules of issue #12 (docs/comparison.md), one at a time on constructed
claims, then through claims files end to end: property kinds over time, open
intervals, scope not stated, part-of scopes and places, entity sets, flags, statuses,
and the bad inputs that must give a defined verdict or a clear error."""
from __future__ import annotations

import datetime as dt

import pytest

from kb.services import compare
from kb.model.verdicts import AGREE, COMPATIBLE, CONFLICT, NOT_COMPARABLE, PARTIAL, Identity, compare_pair
from kb.model.dates import parse_date, parse_time_about
from kb.errors import InputError
from kb.model.vocab import CKB

from tests.kb.services.test_compare import entity_claim, qf

D = dt.date
P = "http://x/p/length"     # qf's property


def at(day: int, month: int = 7) -> tuple:
    return (D(2021, month, day),) * 2


def kinds(**kw) -> Identity:
    return Identity(**{k: {P} for k, v in kw.items() if v is True},
                    **{k: v for k, v in kw.items() if v is not True})


# ---------------------------------------------------------------- time, by property kind

def test_a_state_on_different_days_agrees_or_changed_never_conflicts():
    same = compare_pair(qf("over 70%", when=at(5)), qf("more than 70%", "pub-b", when=at(9)))
    assert (same.verdict, same.flags) == (AGREE, ("different_dates",))
    changed = compare_pair(qf("50%", when=at(1)), qf("85%", "pub-b", when=at(20)))
    assert changed.verdict == COMPATIBLE and changed.flags == ("different_dates",)
    assert "change over time" in changed.reason
    overlapping = compare_pair(qf("about 70%", when=at(1)), qf("over 70%", "pub-b", when=at(3)))
    assert (overlapping.verdict, overlapping.flags) == (COMPATIBLE, ("different_dates",))


def test_a_states_tolerance_makes_near_days_the_same_time():
    a, b = qf("50%", when=at(1)), qf("85%", "pub-b", when=at(3))
    assert compare_pair(a, b).verdict == COMPATIBLE
    v = compare_pair(a, b, Identity(tolerance={P: 2}))
    assert v.verdict == CONFLICT and v.flags == ()
    assert compare_pair(a, qf("85%", "pub-b", when=at(4)), Identity(tolerance={P: 2})).verdict == COMPATIBLE


def test_event_counts_of_different_episodes_are_not_compared():
    events = kinds(event=True)
    v = compare_pair(qf("more than 300", when=at(3)), qf("1,037", "pub-b", when=at(5)), events)
    assert v.verdict == NOT_COMPARABLE and "different episodes" in v.reason
    # the same episode reported on different days is compared
    night = (D(2021, 7, 4), D(2021, 7, 5))
    v = compare_pair(qf("more than 1,000", when=night), qf("1,037", "pub-b", when=at(5)), events)
    assert v.verdict == COMPATIBLE


def test_a_running_total_may_only_grow():
    totals = kinds(cumulative=True)
    earlier, later = qf("12,400", when=at(1)), qf("12,000", "pub-b", when=at(8))
    v = compare_pair(earlier, later, totals)
    assert v.verdict == CONFLICT and "later total" in v.reason and v.flags == ("different_dates",)
    assert v.absolute == 400
    v = compare_pair(earlier, qf("13,000", "pub-b", when=at(8)), totals)
    assert (v.verdict, v.flags) == (COMPATIBLE, ("different_dates",))
    v = compare_pair(qf("about 12,000", when=at(8)), qf("12,400", "pub-b", when=at(1)), totals)
    assert v.verdict == COMPATIBLE      # [11400, 12600] later may hold 12,400 or more
    same_day = compare_pair(earlier, qf("13,000", "pub-b", when=at(1)), totals)
    assert same_day.verdict == CONFLICT and same_day.flags == ()


def test_running_totals_over_periods_that_do_not_nest_are_not_compared():
    totals = kinds(cumulative=True)
    since_march = qf("12,400", when=(D(2021, 3, 1), D(2021, 7, 1)))
    since_march.open_end = True
    since_may = qf("10,000", "pub-b", when=(D(2021, 5, 1), D(2021, 7, 8)))
    since_may.open_end = True
    v = compare_pair(since_march, since_may, totals)
    assert v.verdict == NOT_COMPARABLE and "different periods" in v.reason


def test_time_invariant_facts_compare_whatever_the_dates():
    v = compare_pair(qf("1,344 km", when=at(1, 1)), qf("1,357 km", "pub-b", when=at(9)),
                     kinds(time_invariant=True))
    assert v.verdict == CONFLICT and v.flags == ()


# ---------------------------------------------------------------- scope

def test_scope_not_stated_may_hold():
    v = compare_pair(qf("1,037"), qf("1,037", "pub-b", scope="badakhshan"))
    assert (v.verdict, v.flags) == (COMPATIBLE, ("scope_not_stated",))
    assert "does not state its scope" in v.reason
    v = compare_pair(qf("1,037"), qf("312", "pub-b", scope="badakhshan"))
    assert (v.verdict, v.flags) == (PARTIAL, ("scope_not_stated",))
    v = compare_pair(qf("312", when=None), qf("1,037", "pub-b"))
    assert (v.verdict, v.flags) == (PARTIAL, ("scope_not_stated",))
    assert "does not say what time" in v.reason


def test_a_part_is_at_most_its_whole():
    inside = Identity(part_of={"http://x/e/badakhshan": {"http://x/e/afghanistan"}})
    part, whole = qf("312", scope="badakhshan"), qf("1,037", "pub-b", scope="afghanistan")
    assert compare_pair(part, whole, inside).verdict == PARTIAL
    assert compare_pair(whole, part, inside).verdict == PARTIAL
    v = compare_pair(qf("2,000", scope="badakhshan"), whole, inside)
    assert v.verdict == CONFLICT and "more for badakhshan" in v.reason
    # a share of a part is not bounded by the share of the whole
    shares = compare_pair(qf("90%", scope="badakhshan"), qf("70%", "pub-b", scope="afghanistan"), inside)
    assert shares.verdict == PARTIAL
    assert compare_pair(part, whole).verdict == NOT_COMPARABLE     # no part-of known


def test_part_of_is_transitive_follows_same_as_and_survives_cycles():
    chain = Identity(part_of={"http://x/e/a": {"http://x/e/b"}, "http://x/e/b": {"http://x/e/c"},
                              "http://x/e/c": {"http://x/e/a"}})
    assert chain.contains("http://x/e/c", "http://x/e/a")
    assert chain.contains("http://x/e/a", "http://x/e/c")      # the cycle: no hang
    assert not chain.contains("http://x/e/a", "http://x/e/z")
    same = Identity(canonical={"http://x/e/geneve": "http://x/e/geneva"},
                    part_of={"http://x/e/geneve": {"http://x/e/switzerland"}})
    assert same.contains("http://x/e/switzerland", "http://x/e/geneva")


# ---------------------------------------------------------------- places and sets

def test_a_place_inside_another_is_compatible_disjoint_places_conflict():
    hq = "http://x/p/capital"
    identity = Identity(single_valued={hq},
                        part_of={"http://x/e/geneva": {"http://x/e/switzerland"}})
    a, b = entity_claim("http://x/e/geneva", "p1"), entity_claim("http://x/e/switzerland", "p2")
    v = compare_pair(a, b, identity)
    assert v.verdict == COMPATIBLE and "geneva is within switzerland" in v.reason
    v = compare_pair(a, entity_claim("http://x/e/paris", "p3"), identity)
    assert v.verdict == CONFLICT


def test_entity_sets():
    single = Identity(single_valued={"http://x/p/capital"})

    def s(*names, source):
        return entity_claim(" ".join(sorted(f"http://x/e/{n}" for n in names)), source)

    fgi = s("france", "germany", "italy", source="p1")
    assert compare_pair(fgi, s("italy", "germany", "france", source="p2"), single).verdict == AGREE
    assert compare_pair(fgi, s("france", "germany", source="p2"), single).verdict == PARTIAL
    assert compare_pair(fgi, s("france", "spain", source="p2"), single).verdict == PARTIAL
    assert compare_pair(fgi, s("spain", "poland", source="p2"), single).verdict == CONFLICT
    assert compare_pair(fgi, s("spain", "poland", source="p2")).verdict == COMPATIBLE
    assert compare_pair(fgi, s("france", source="p2"), single).verdict == PARTIAL


# ---------------------------------------------------------------- flags and statuses

def test_flags():
    v = compare_pair(qf("1,037", modality=CKB.ReportedSpeech), qf("1,037", "pub-b"))
    assert (v.verdict, v.flags) == (AGREE, ("attribution_change",))
    v = compare_pair(qf("more than 1,000", modality=CKB.Prediction), qf("1,037", "pub-b"))
    assert (v.verdict, v.flags) == (COMPATIBLE, ("modality_change",))
    v = compare_pair(qf("2,640 m"), qf("2,640.3 m", "pub-b"))
    assert (v.verdict, v.flags) == (AGREE, ("rounded",))
    v = compare_pair(qf("about 1,350 km"), qf("1,344 km", "pub-b"))
    assert (v.verdict, v.flags) == (COMPATIBLE, ("rounded",))
    v = compare_pair(qf("1,344 km"), qf("1,344 km", "pub-b"))
    assert v.flags == ()
    v = compare_pair(qf("over 70%", when=at(5), modality=CKB.ReportedSpeech),
                     qf("over 70%", "pub-b", when=at(9), scope="badakhshan"))
    assert set(v.flags) == {"attribution_change", "scope_not_stated", "different_dates"}
    assert compare_pair(qf("1", modality=CKB.Opinion), qf("1", "pub-b")).flags == ()


def test_claim_and_fact_status():
    def v(name):
        return compare.Verdict("a", "b", name, "")
    assert compare.claim_status([]) == "UNVERIFIED"
    assert compare.claim_status([v(NOT_COMPARABLE)]) == "UNVERIFIED"
    assert compare.claim_status([v(PARTIAL)]) == "PARTLY_SUPPORTED"
    assert compare.claim_status([v(PARTIAL), v(AGREE)]) == "SUPPORTED"
    assert compare.claim_status([v(AGREE), v(CONFLICT)]) == "CONTESTED"
    assert compare.Fact("s", "p", None, [], [v(CONFLICT)]).status == "CONTESTED"
    assert compare.Fact("s", "p", None, [], [v(AGREE)]).status == "CONSISTENT"


def test_verdicts_are_spelled_as_in_the_api():
    assert compare.VERDICTS == ("CONFLICT", "PARTIAL", "COMPATIBLE", "AGREE", "NOT_COMPARABLE")
    assert compare.parse_verdict("not-comparable") == "NOT_COMPARABLE"
    assert compare.parse_verdict("Conflict") == "CONFLICT"
    with pytest.raises(InputError, match="unknown verdict"):
        compare.parse_verdict("sideways")


# ---------------------------------------------------------------- open intervals

def test_open_intervals():
    pub = parse_date("2021-07-08")
    since = parse_time_about("since 1998", "c", published=pub)
    assert (since.earliest, since.latest, since.open_end, since.text) == (D(1998, 1, 1), D(2021, 7, 8), True, "since 1998")
    by = parse_time_about("by 30 June 2021", "c", published=pub)
    assert (by.earliest, by.latest, by.open_start) == (D(2021, 6, 30), D(2021, 6, 30), True)
    assert parse_time_about({"start": "2021-03-01", "end": "open"}, "c", published=pub).open_end
    assert parse_time_about("seit 1998", "c", published=pub, language="de").open_end
    assert parse_time_about("с 1998 года", "c", published=pub, language="ru").earliest == D(1998, 1, 1)
    assert parse_time_about("since 1998", "c").latest == D(9999, 12, 31)   # no publication date
    for bad in ({"start": "open", "end": "open"}, "since open", "since"):
        with pytest.raises(InputError, match="open at both ends|unparseable"):
            parse_time_about(bad, "claim #3", published=pub)
    with pytest.raises(InputError, match="claim #3.*publication date"):
        parse_time_about("since yesterday", "claim #3")
    with pytest.raises(InputError, match="a week, not a day"):
        parse_time_about("since last week", "claim #3", published=pub)


# ---------------------------------------------------------------- through a claims file

FILE = """claimkb: 1
articles:
  wire: {{publisher: Wire, published: 2021-07-08, title: Wire}}
  post: {{publisher: Post, published: 2021-07-09, title: Post}}
entities:
  switzerland: {{label: Switzerland}}
  geneva: {{label: Geneva, part_of: switzerland}}
  who: {{label: WHO}}
properties:
  hq: {{label: headquarters location, single_valued: true}}
  members: {{label: founding members, single_valued: true}}
  total: {{label: total crossed, kind: cumulative}}
claims:
  - {{id: hq-wire, about: 2021-07, article: wire, statement: s, subject: who, property: hq, value: {{entity: geneva}}}}
  - {{id: hq-post, about: 2021-07, article: post, statement: s, subject: who, property: hq, value: {{entity: switzerland}}}}
  - {{id: m-wire, about: 2021-07, article: wire, statement: s, subject: who, property: members, value: [France, Germany, Italy]}}
  - {{id: m-post, about: 2021-07, article: post, statement: s, subject: who, property: members, value: {{entities: [France, Germany]}}}}
  - {{id: t-wire, article: wire, statement: s, subject: who, property: total, value: "12,400", about: since 2021-03-01}}
  - {{id: t-post, article: post, statement: s, subject: who, property: total, value: "12,000", about: "{later}"}}
"""


def _import(kb, tmp_path, text):
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return kb.import_file(path)


def test_kinds_places_sets_and_open_intervals_end_to_end(kb, tmp_path):
    _import(kb, tmp_path, FILE.format(later="by 2021-07-09"))
    assert kb.comparisons.compare_two("hq-wire", "hq-post").verdict == COMPATIBLE
    assert kb.comparisons.compare_two("m-wire", "m-post").verdict == PARTIAL
    total = kb.comparisons.compare_two("t-wire", "t-post")
    assert total.verdict == CONFLICT and total.flags == ("different_dates",)
    view = kb.claim_view(str(kb.claim_iri("t-wire")))
    assert view["about"]["text"] == "since 2021-03-01"
    assert str(view["about"]["latest"]) == "2021-07-08"
    # the index (report, per claim) says the same as compare_two
    this, verdicts, status = kb.comparisons.compare_claim_status("t-post")
    assert [v.verdict for v in verdicts] == [CONFLICT] and status == "CONTESTED"
    facts = kb.comparisons.report(subject="who")
    assert {v.verdict for f in facts for v in f.verdicts} == {CONFLICT, PARTIAL, COMPATIBLE}
    assert {f.status for f in facts} == {"CONTESTED", "CONSISTENT"}
    counts = kb.comparisons.report_counts()
    assert (counts[CONFLICT], counts[PARTIAL], counts[COMPATIBLE]) == (1, 1, 1)
    # a rebuilt index says the same as the one kept current on write
    before = [(v.a, v.b, v.verdict, v.flags) for f in kb.comparisons.report() for v in f.verdicts]
    kb.compare_index.rebuild()
    assert [(v.a, v.b, v.verdict, v.flags) for f in kb.comparisons.report() for v in f.verdicts] == before
    assert kb.validate(raise_on_violation=False).conforms      # the shapes hold for sets, open times


def test_materialised_verdicts_carry_flags(kb, tmp_path):
    _import(kb, tmp_path, FILE.format(later="by 2021-07-09"))
    assert kb.comparisons.materialise() == 3
    flags = kb.store.values("PREFIX ckb: <https://w3id.org/claimkb/ns#> SELECT ?f WHERE { "
                            "GRAPH ?g { ?c ckb:flag ?f } }")[1]
    assert [str(f[0]) for f in flags] == [str(CKB.DifferentDates)]


def test_bad_input_gets_a_clear_error_and_writes_nothing(kb, tmp_path):
    cases = [
        (FILE.replace("  switzerland: {{label: Switzerland}}",
                      "  switzerland: {{label: Switzerland, part_of: geneva}}"),
         "part_of goes round in a circle: switzerland → geneva → switzerland|geneva → switzerland → geneva"),
        (FILE.replace("kind: cumulative", "kind: cumulativ"), "unknown property kind 'cumulativ'"),
        (FILE.replace("value: [France, Germany, Italy]", "value: []"), "non-empty list"),
        (FILE.replace("about: since 2021-03-01", "about: {{start: open, end: open}}"), "open at both ends"),
        (FILE.replace("  wire: {{publisher: Wire, published: 2021-07-08, title: Wire}}",
                      "  wire: {{publisher: Wire, title: Wire}}").replace(
            "about: since 2021-03-01", "about: since yesterday"), "publication date"),
        (FILE.replace("geneva: {{label: Geneva, part_of: switzerland}}",
                      "geneva: {{label: Geneva, part_of: geneva}}"), "part of itself"),
    ]
    for text, message in cases:
        with pytest.raises(InputError, match=message):
            _import(kb, tmp_path, text.format(later="by 2021-07-09"))
        assert kb.store.values("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[1][0][0] == "0"


def test_an_unknown_language_code_reads_as_english(kb, tmp_path):
    text = FILE.replace("  wire: {{publisher: Wire, published: 2021-07-08, title: Wire}}",
                        "  wire: {{publisher: Wire, published: 2021-07-08, title: Wire, language: xx}}")
    _import(kb, tmp_path, text.replace("about: since 2021-03-01", "about: since yesterday")
            .replace('"12,400"', '"12400"').format(later="by 2021-07-09"))
    view = kb.claim_view(str(kb.claim_iri("t-wire")))
    assert str(view["about"]["earliest"]) == "2021-07-07"


def test_figures_compare_at_the_precision_they_were_written_to():
    v = compare_pair(qf("8.0%"), qf("8.1%", "pub-b"))          # "8.0" is written to a tenth
    assert v.verdict == CONFLICT
    v = compare_pair(qf("2 million"), qf("2,345,678", "pub-b"))   # written to the million
    assert (v.verdict, v.flags) == (AGREE, ("rounded",))
    from kb.model.quantity import parse_quantity
    assert parse_quantity("8.0%").places == 1
    assert parse_quantity("60,3 milhões", language="pt").places == -5
    assert parse_quantity("1,344 km").places is None          # whole numbers at face value


def test_part_of_chains_through_entities_no_claim_names(kb, tmp_path):
    """A district lies in a region that lies in a country; no claim names the region,
    but its part-of link is written with the file, so the chain holds."""
    _import(kb, tmp_path, """claimkb: 1
articles:
  wire: {publisher: Wire, published: 2021-07-18, title: Wire}
  post: {publisher: Post, published: 2021-07-18, title: Post}
entities:
  ahrweiler: {label: Ahrweiler, part_of: rlp}
  rlp: {label: Rhineland-Palatinate, part_of: germany}
  germany: {label: Germany}
properties:
  toll: {label: death toll, kind: cumulative}
claims:
  - {id: t-de, article: wire, statement: s, subject: Floods, property: toll, value: "157", about: 2021-07-18, scope: germany}
  - {id: t-ahr, article: post, statement: s, subject: Floods, property: toll, value: "110", about: 2021-07-18, scope: ahrweiler}
""")
    v = kb.comparisons.compare_two("t-de", "t-ahr")
    assert v.verdict == PARTIAL and "ahrweiler is part of germany" in v.reason


def test_pages_show_a_set_an_open_time_and_the_status(kb, client, tmp_path):
    """A set of entities is one line on its claim page and one value in the list (each
    member an entity of the claim), and the claim's status and pairs' flags are there."""
    _import(kb, tmp_path, FILE.format(later="by 2021-07-09"))
    page = client.get("/claims/m-wire")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count("<dt>Says</dt>") == 1 and "France, Germany, Italy" in html
    assert 'class="badge status partly-supported"' in html and "partial" in html
    data = client.get("/claims/m-wire.json").json
    assert data["status"] == "PARTLY_SUPPORTED" and data["comparison"][0]["verdict"] == "PARTIAL"
    listed = {c["id"]: c for c in client.get("/claims.json").json["claims"]}
    assert listed["m-wire"]["value"] == "France, Germany, Italy"
    italy = kb.iris.entity("Italy")
    assert "m-wire" in {c["id"] for c in client.get(f"/claims.json?entity={italy}").json["claims"]}
    since = client.get("/claims/t-wire").get_data(as_text=True)
    assert "since 2021-03-01" in since
    total = client.get("/claims/t-post.json").json
    assert total["status"] == "CONTESTED" and total["comparison"][0]["flags"] == ["different_dates"]
