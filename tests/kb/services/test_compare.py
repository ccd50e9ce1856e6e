"""Cross-source comparison: verdict rules on constructed claims, then end to end on the
demo KB, materialisation, the CLI, and both backends."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from rdflib import URIRef

from kb.services import compare
from kb.model.verdicts import AGREE, COMPATIBLE, CONFLICT, NOT_COMPARABLE, ClaimFacts, Identity, compare_pair
from kb.demo import build
from kb.errors import InputError
from kb.model.quantity import parse_quantity
from kb.model.vocab import CKB, OWL

from tests.contract.test_store_contract import write_claims_file

DAY = dt.date(2021, 7, 5)
_count = iter(range(10**6))


def qf(text: str, source: str = "pub-a", when=(DAY, DAY), subject="border", prop="length",
       scope=None, modality=CKB.Factual) -> ClaimFacts:
    """A quantity claim as the comparison sees it, built with the real parser."""
    q = parse_quantity(text)
    low, low_ex, high, high_ex = q.interval()
    value = Decimal(format(q.value.normalize(), "f"))
    return ClaimFacts(
        claim=f"http://x/claims/c{next(_count)}", source=source, article=f"http://x/a/{source}",
        modality=str(modality), subject=f"http://x/e/{subject}", property=f"http://x/p/{prop}",
        scope=scope and f"http://x/e/{scope}", earliest=when and when[0], latest=when and when[1],
        kind="quantity", object="node", value=value,
        decimals=q.places if q.places is not None else max(0, -value.as_tuple().exponent),
        unit=q.unit.code, low=low, high=high,
        low_ex=low_ex, high_ex=high_ex, bound=str(q.qualifier.iri), surface=q.surface)


def verdict(a: str, b: str, **kw) -> compare.Verdict:
    return compare_pair(qf(a, "pub-a", **kw), qf(b, "pub-b", **kw))


@pytest.mark.parametrize("a,b", [
    ("2,640 m", "2,640.3 m"),          # rounded to the less precise figure
    ("12,500", "12500"),
    ("1,344 km", "1,344 km"),
    ("1,344 km", "835 mi"),            # 1,344 km = 835.1 mi, agreed at the precision given
    ("more than a thousand", "more than 1,000"),
    ("85%", "85 percent"),
])
def test_agree(a, b):
    v = verdict(a, b)
    assert v.verdict == AGREE, v.reason


@pytest.mark.parametrize("a,b", [
    ("over 40%", "about 40%"),          # (40, 100] and [38, 42]
    ("more than five hundred", "512"),
    ("some 3,000 km", "2,950 km"),      # [2850, 3150] contains 2950
    ("at least 1,037", "more than a thousand"),
    ("nearly 1,600", "1,573"),
    ("up to 650", "at least 600"),
    ("between 300 and 400", "340 to 360"),   # same midpoint, not the same statement
    ("over 40%", "about two-fifths"),
])
def test_compatible(a, b):
    v = verdict(a, b)
    assert v.verdict == COMPATIBLE, v.reason
    assert "overlap" in v.reason


@pytest.mark.parametrize("a,b,severity", [
    ("1,344 km", "1,357 km", "minor"),     # 1% apart
    ("1,344 km", "1,400 km", "moderate"),  # 4%
    ("300", "1,037", "major"),             # two different counts, same day
    ("over 350", "347", "minor"),
    ("less than 300", "1,037", "major"),
    ("-5", "5", "major"),                  # negative values are numbers too
    ("0", "3", "major"),
    ("nearly 350", "352", "minor"),        # "nearly" stays below the figure
])
def test_conflict(a, b, severity):
    v = verdict(a, b)
    assert v.verdict == CONFLICT, v.reason
    assert v.severity == severity
    assert v.absolute > 0 and "cannot both hold" in v.reason


def test_conflict_reports_absolute_and_relative_difference():
    v = verdict("1,344 km", "1,357 km")
    assert v.absolute == Decimal(13)
    assert v.relative == Decimal("0.0096")


def test_units_convert_within_a_dimension():
    assert verdict("1,344 km", "1,344,000 m").verdict == AGREE
    assert verdict("1 km", "1,500 m").verdict == CONFLICT
    v = verdict("70%", "1,344 km")
    assert v.verdict == NOT_COMPARABLE and "different unit dimensions" in v.reason


def test_not_comparable_reasons():
    day3, day5 = (dt.date(2021, 7, 3),) * 2, (DAY, DAY)
    events = Identity(event={"http://x/p/length"})
    v = compare_pair(qf("more than 300", when=day3), qf("1,037", "pub-b", when=day5), events)
    assert v.verdict == NOT_COMPARABLE and v.reason.startswith("different episodes")
    v = compare_pair(qf("312", scope="shughnon"), qf("1,037", "pub-b", scope="roshtqala"))
    assert v.verdict == NOT_COMPARABLE and "different scope" in v.reason
    v = compare_pair(qf("312", modality=CKB.Opinion), qf("1,037", "pub-b"))
    assert v.verdict == NOT_COMPARABLE and "opinion" in v.reason
    v = compare_pair(qf("312", prop="crossed"), qf("1,037", "pub-b"))
    assert v.verdict == NOT_COMPARABLE and "different properties" in v.reason
    v = compare_pair(qf("312", subject="a"), qf("312", "pub-b", subject="b"))
    assert v.verdict == NOT_COMPARABLE and "different subjects" in v.reason


def test_time_invariant_properties_compare_across_times():
    a = qf("1,344 km", when=(dt.date(2019, 1, 1),) * 2)
    b = qf("1,357 km", "pub-b", when=None)
    v = compare_pair(a, b)          # a state: b's time is not stated, so it may hold
    assert (v.verdict, v.flags) == (compare.PARTIAL, ("scope_not_stated",))
    identity = Identity(time_invariant={a.property})
    v = compare_pair(a, b, identity)
    assert v.verdict == CONFLICT and v.flags == ()


def test_same_as_links_subjects_and_properties():
    a = qf("1,344 km", subject="border", prop="length")
    b = qf("1,344 km", "pub-b", subject="afghan-tajik-border", prop="p2043")
    assert compare_pair(a, b).verdict == NOT_COMPARABLE
    identity = Identity(canonical={a.subject: a.subject, b.subject: a.subject,
                                   a.property: a.property, b.property: a.property})
    assert compare_pair(a, b, identity).verdict == AGREE


def entity_claim(obj: str, source: str, prop="capital", kind="entity") -> ClaimFacts:
    return ClaimFacts(claim=f"http://x/claims/{source}-{obj}", source=source, article=source,
                      modality=str(CKB.Factual), subject="http://x/e/s", property=f"http://x/p/{prop}",
                      scope=None, earliest=DAY, latest=DAY, kind=kind, object=obj)


def test_entities_and_dates():
    a, b = entity_claim("http://x/e/kabul", "p1"), entity_claim("http://x/e/herat", "p2")
    assert compare_pair(a, b).verdict == COMPATIBLE  # may have several values
    single = Identity(single_valued={a.property})
    v = compare_pair(a, b, single)
    assert v.verdict == CONFLICT and v.severity == "major"
    assert compare_pair(a, entity_claim("http://x/e/kabul", "p3"), single).verdict == AGREE
    d1, d2 = entity_claim("2021-08-15", "p1", kind="date"), entity_claim("2021-08", "p2", kind="date")
    assert compare_pair(d1, d2).verdict == COMPATIBLE
    d3 = entity_claim("2021-08-16", "p3", kind="date")
    assert compare_pair(d1, d3, Identity(single_valued={d1.property})).verdict == CONFLICT
    t1, t2 = entity_claim("No", "p1", kind="text"), entity_claim("no", "p2", kind="text")
    assert compare_pair(t1, t2).verdict == AGREE
    assert compare_pair(t1, entity_claim("maybe", "p3", kind="text")).verdict == NOT_COMPARABLE
    assert compare_pair(a, d1).verdict == NOT_COMPARABLE


# ---------------------------------------------------------------- the demo KB, end to end

@pytest.fixture
def demo(kb):
    build(kb)
    return kb


def pair_verdict(kb, a, b):
    return kb.comparisons.compare_two(a, b)


def test_demo_verdicts(demo):
    conflict = pair_verdict(demo, "eurasianet-border-length", "gi-border-length")
    assert conflict.verdict == CONFLICT and conflict.severity == "minor"
    assert pair_verdict(demo, "gi-border-length", "tass-border-length").verdict == AGREE
    assert pair_verdict(demo, "gi-soldiers-crossed", "aljazeera-soldiers-crossed").verdict == COMPATIBLE
    different_days = pair_verdict(demo, "gi-soldiers-crossed", "ap-soldiers-crossed")
    assert different_days.verdict == NOT_COMPARABLE
    assert different_days.reason.startswith("different episodes")
    opinion = demo.list_claims(modality="opinion")[0]["id"]
    assert "opinion" in pair_verdict(demo, opinion, "gi-border-length").reason


def test_demo_report_puts_conflicts_first(demo):
    facts = demo.comparison_report()
    assert facts[0].count(CONFLICT) > 0
    conflicts = [f.count(CONFLICT) for f in facts]
    assert conflicts == sorted(conflicts, reverse=True)
    assert all(v.verdict != NOT_COMPARABLE for f in facts for v in f.verdicts)
    only = demo.comparison_report(verdict=CONFLICT)
    assert only and all(v.verdict == CONFLICT for f in only for v in f.verdicts)
    by_source = demo.comparison_report(source="Eurasianet")
    assert {f.property.rsplit("/", 1)[-1] for f in by_source} == {"length"}
    length = demo.comparison_report(prop="length")
    assert len(length) == 1 and length[0].sources == 4


def test_compare_one_claim_lists_everything_about_the_same_thing(demo):
    this, verdicts = demo.comparisons.compare_claim("gi-soldiers-crossed")
    assert this.surface == "more than a thousand"
    kinds = [v.verdict for v in verdicts]
    assert kinds == sorted(kinds, key=compare.VERDICTS.index)  # conflicts first
    assert {COMPATIBLE, AGREE, NOT_COMPARABLE} <= set(kinds)
    assert demo.comparisons.compare_claim(demo.list_claims(modality="opinion")[0]["id"]) == (None, [])


def test_compare_subject(demo):
    facts = demo.compare_subject("afghan-tajik-border")
    assert {f.property.rsplit("/", 1)[-1] for f in facts} >= {"length",
                                                             "afghan-soldiers-crossed-into-tajikistan"}


def test_materialised_verdicts_are_queryable_and_kept_current(demo, tmp_path):
    stored = demo.comparisons.materialise()
    assert stored == sum(len(f.verdicts) for f in demo.comparison_report())
    query = """PREFIX ckb: <https://w3id.org/claimkb/ns#>
        SELECT ?verdict ?reason WHERE { GRAPH <https://w3id.org/claimkb/graph/comparisons> {
          ?c ckb:compares <%s>, <%s> ; ckb:verdict ?verdict ; ckb:reason ?reason } }"""
    a, b = demo.claim_iri("eurasianet-border-length"), demo.claim_iri("gi-border-length")
    rows = demo.query(query % (a, b)).rows
    assert rows[0][0] == CKB.Conflict
    # change a claim: its comparisons are recomputed on write
    changed = tmp_path / "fix.yaml"
    changed.write_text("""claims:
  - id: eurasianet-border-length
    article: eurasianet-2021-07
    statement: The Afghan-Tajik border is 1,344 km long.
    subject: afghan-tajik-border
    property: length
    value: 1,344 km
    about: 2021-07
""", encoding="utf-8")
    demo.import_file(changed)
    rows = demo.query(query % (a, b)).rows
    assert [r[0] for r in rows] == [CKB.Agree]
    demo.delete_claims([a])
    assert demo.query(query.replace("<%s>, <%s>", "<%s>") % a).rows == []


def test_cli_compare(cli, tmp_path):
    assert cli("demo").exit_code == 0
    table = cli("compare", "--verdict", "conflict")
    assert table.exit_code == 0 and "CONFLICT (minor)" in table.output
    rows = json.loads(cli("compare", "--format", "json").output)
    assert {r["verdict"] for r in rows} >= {CONFLICT, COMPATIBLE, AGREE}
    assert all(isinstance(r["flags"], list) and r["fact_status"] in ("CONTESTED", "CONSISTENT")
               for r in rows)
    assert cli("compare", "--format", "csv").output.startswith(
        "subject,property,scope,fact_status,a,b,verdict,flags")
    pair = cli("compare", "--pair", "gi-soldiers-crossed", "ap-soldiers-crossed")
    assert "NOT COMPARABLE" in pair.output and "different episodes" in pair.output
    one = json.loads(cli("compare", "--claim", "gi-border-length", "--format", "json").output)
    assert one["claim"] == "gi-border-length" and one["status"] == "CONTESTED"
    assert {r["verdict"] for r in one["pairs"]} >= {AGREE, CONFLICT}
    assert cli("compare", "--verdict", "sideways").exit_code == 2
    stored = cli("compare", "--materialise", "--verdict", "agree")
    assert "comparison(s) stored" in stored.output
    assert cli("compare", "--claim", "nope").exit_code == 3
    assert cli("compare", "--subject", "no-such-entity").output.strip().endswith("0 verdict(s)")


def test_compare_on_both_backends(any_kb, tmp_path):
    any_kb.import_file(write_claims_file(tmp_path))
    extra = tmp_path / "more.yaml"
    extra.write_text("""articles:
  other: {publisher: Other Wire, published: 2021-07-20, title: Border}
claims:
  - id: length-other
    article: other
    statement: The border is 1,357 km long.
    subject: {label: Afghanistan–Tajikistan border, id: border}
    property: {label: length, id: length}
    value: 1,357 km
    about: 2021-07
""", encoding="utf-8")
    any_kb.import_file(extra)
    v = any_kb.comparisons.compare_two("border-length", "length-other")
    assert v.verdict == CONFLICT and v.severity == "minor"
    assert any_kb.comparisons.materialise() == 1
    assert any_kb.store.query(
        "ASK { GRAPH <https://w3id.org/claimkb/graph/comparisons> { ?c ?p ?o } }").boolean


def test_identity_from_the_store(kb, tmp_path):
    path = tmp_path / "same.yaml"
    path.write_text("""articles:
  a: {publisher: A, published: 2021-07-01, title: A}
  b: {publisher: B, published: 2021-07-01, title: B}
entities:
  border: {label: Afghan-Tajik border, wikidata: Q1}
  frontier: {label: Tajik-Afghan frontier, wikidata: Q1}
properties:
  length: {label: length, time_invariant: true}
  extent: {label: extent, same_as: length}
claims:
  - {id: one, article: a, statement: x, subject: border, property: length, value: 1344 km}
  - {id: two, article: b, statement: y, subject: frontier, property: extent, value: 1357 km}
""", encoding="utf-8")
    kb.import_file(path)
    identity = kb.reader.identity()
    assert identity.key(str(kb.iris.entity("border"))) == identity.key(str(kb.iris.entity("frontier")))
    v = kb.comparisons.compare_two("one", "two")
    assert v.verdict == CONFLICT, v.reason   # same thing through the shared QID and same_as
    assert (URIRef(kb.iris.property("extent")), OWL.equivalentProperty,
            URIRef(kb.iris.property("length"))) in kb.store.query(
        "CONSTRUCT { ?a ?p ?b } WHERE { GRAPH ?g { ?a ?p ?b } }").graph


def test_report_judges_only_pairs_whose_times_overlap():
    """A fact reported daily for years must not turn into millions of pairs."""
    claims = []
    for day in range(2000):
        when = (dt.date(2020, 1, 1) + dt.timedelta(days=day),) * 2
        claims += [qf("1,037", "pub-a", when=when), qf("more than 1,000", "pub-b", when=when)]
    facts = compare.group_facts(claims, Identity())
    assert len(facts) == 2000                       # one fact per day
    assert sum(len(f.verdicts) for f in facts) == 2000
    assert all(f.verdicts[0].verdict == COMPATIBLE for f in facts)
    undated = [qf("5", "pub-a", when=None), qf("6", "pub-b", when=None)]
    assert compare.group_facts(undated, Identity()) == []
    assert len(compare.group_facts(undated, Identity(time_invariant={undated[0].property}))) == 1


def test_report_refuses_not_comparable_filter(demo):
    with pytest.raises(InputError, match="--claim"):
        demo.comparison_report(verdict=NOT_COMPARABLE)


def test_the_reports_filters_take_names_as_people_type_them(demo_kb):
    """A subject, property or publisher by label or alias, any case or dashes (the names
    index), gives what its id gives: the CLI and /compare share this."""
    by_id = demo_kb.comparisons.report_counts(subject="afghan-tajik-border", prop="length")
    assert by_id["facts"] == 1
    for subject in ("Afghanistan–Tajikistan border", "afghan tajik border", "Afghan-Tajik Border"):
        assert demo_kb.comparisons.report_counts(subject=subject, prop="Length") == by_id
    assert demo_kb.comparisons.report_counts(source="The Times") == \
        demo_kb.comparisons.report_counts(source="the-times")
