"""The comparison index (kb/derived/compare_index.py): the same report as computing it from
the store, kept current by writes (equal to a full rebuild after any sequence of
writes), regrouped on identity changes, paging and counts, worst verdicts, and the
remote backend."""
from __future__ import annotations

import pytest
from rdflib import URIRef

from kb.services import compare

from kb.derived import compare_index, comparison_graph
from kb.model.verdicts import AGREE, COMPATIBLE, CONFLICT
from kb.demo import build

from tests.contract.test_store_contract import write_claims_file


def _sorted(rows) -> list:
    return sorted(rows, key=lambda r: tuple(("", "") if x is None else ("v", str(x)) for x in r))


def dump(kb) -> dict:
    """Everything the index holds, without its row ids."""
    conn = kb.compare_index.conn()
    cols = ", ".join(compare_index.FIELDS)
    return {
        "claims": _sorted(conn.execute(f"SELECT ks, kp, kscope, worst, {cols} FROM claims")),
        "facts": _sorted(conn.execute(
            "SELECT ks, kp, kscope, start, conflicts, compatibles, agrees, sources, claims, "
            "(SELECT group_concat(claim, ' ') FROM (SELECT claim FROM claims c "
            " WHERE c.fact = f.id ORDER BY claim)) FROM facts f")),
        "verdicts": _sorted(conn.execute(
            "SELECT f.ks, f.kp, f.kscope, f.start, ca.claim, cb.claim, v.verdict, "
            "v.severity, v.absolute, v.relative, v.reason FROM verdicts v "
            "JOIN claims ca ON ca.id = v.a JOIN claims cb ON cb.id = v.b "
            "LEFT JOIN facts f ON f.id = ca.fact")),
        "ident": sorted(conn.execute("SELECT iri, canonical FROM ident")),
        "traits": sorted(conn.execute("SELECT iri, trait FROM traits")),
    }


def assert_matches_rebuild(kb) -> dict:
    incremental = dump(kb)
    kb.compare_index.rebuild()
    assert dump(kb) == incremental
    return incremental


def flat(facts) -> list[tuple]:
    return [(f.subject, f.property, f.scope, [c.claim for c in f.claims],
             [(v.a, v.b, v.verdict, v.reason, v.severity, v.absolute, v.relative)
              for v in f.verdicts]) for f in facts]


def from_store(kb) -> list:
    """The report computed without the index: SPARQL then Python (as before it)."""
    return compare.group_facts(kb.reader.facts_matching(), kb.reader.identity())


@pytest.fixture
def demo(kb):
    build(kb)
    return kb


def write(kb, tmp_path, text: str, name="more.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return kb.import_file(path)


MORE = """articles:
  wire: {publisher: Other Wire, published: 2021-07-20, title: Border}
claims:
  - id: wire-border-length
    article: wire
    statement: The border is 1,400 km long.
    subject: afghan-tajik-border
    property: length
    value: 1,400 km
    about: 2021-07
"""


def test_report_from_the_index_equals_the_report_from_the_store(demo):
    assert flat(demo.comparison_report()) == flat(from_store(demo))
    assert demo.comparisons.materialise() == sum(len(f.verdicts) for f in from_store(demo))


def test_incremental_index_equals_a_rebuild_after_writes(demo, tmp_path):
    demo.comparison_report()                      # the index is built on first use
    before = dump(demo)
    touched = demo.indexes.refresh_comparisons([])      # nothing written: nothing changes
    assert touched == [] and dump(demo) == before
    # a new claim from a new source joins the border-length fact
    write(demo, tmp_path, MORE)
    after = assert_matches_rebuild(demo)
    assert after != before
    wire = str(demo.claim_iri("wire-border-length"))
    assert demo.comparisons.worst_verdicts([wire]) == {wire: CONFLICT}
    # rewriting it (1,344 km) turns its conflicts with the 1,344 km claims into agreement
    write(demo, tmp_path, MORE.replace("1,400 km", "1,344 km"))
    assert_matches_rebuild(demo)
    gi = str(demo.claim_iri("gi-border-length"))
    _, verdicts = demo.comparisons.compare_claim("wire-border-length")
    assert {v.b: v.verdict for v in verdicts}[gi] == AGREE
    # a claim deleted leaves its fact (delete_claims refreshes the comparison index)
    demo.delete_claims([URIRef(wire)])
    assert_matches_rebuild(demo)
    assert wire not in {v.b for v in demo.comparisons.compare_claim("gi-border-length")[1]}
    assert wire not in demo.comparisons.worst_verdicts()
    assert flat(demo.comparison_report()) == flat(from_store(demo))


def test_refresh_returns_the_written_claims_and_their_neighbours(demo, tmp_path):
    demo.comparison_report()
    write(demo, tmp_path, MORE)
    wire = demo.claim_iri("wire-border-length")
    touched = demo.indexes.refresh_comparisons([wire])      # as write_claims calls it
    others = {str(demo.claim_iri(c)) for c in ("gi-border-length", "tass-border-length",
                                                "eurasianet-border-length")}
    assert str(wire) in touched and others <= set(touched)
    # claims about other things are not among them
    assert str(demo.claim_iri("gi-soldiers-crossed")) not in touched


SEPARATE = """articles:
  a: {publisher: A, published: 2021-07-01, title: A}
  b: {publisher: B, published: 2021-07-01, title: B}
entities:
  border: {label: Afghan-Tajik border}
  frontier: {label: Tajik-Afghan frontier}
properties:
  length: {label: length, time_invariant: true}
claims:
  - {id: one, article: a, statement: x, subject: border, property: length, value: 1344 km}
  - {id: two, article: b, statement: y, subject: frontier, property: length, value: 1357 km}
"""

LINK = """entities:
  frontier: {label: Tajik-Afghan frontier, same_as: border}
claims: []
"""


def test_an_identity_change_regroups(kb, tmp_path):
    write(kb, tmp_path, SEPARATE, "separate.yaml")
    assert kb.comparison_report() == []          # two subjects: nothing to compare
    one, two = str(kb.claim_iri("one")), str(kb.claim_iri("two"))
    assert kb.comparisons.worst_verdicts() == {}
    # declare the frontier the same as the border: the next write regroups
    kb.store.update(
        "INSERT DATA { GRAPH <https://w3id.org/claimkb/graph/metadata> { "
        f"<{kb.iris.entity('frontier')}> <http://www.w3.org/2002/07/owl#sameAs> "
        f"<{kb.iris.entity('border')}> }} }}")
    touched = kb.indexes.refresh_comparisons([])
    assert {one, two} <= set(touched)
    facts = kb.comparison_report()
    assert len(facts) == 1 and facts[0].verdicts[0].verdict == CONFLICT
    assert kb.comparisons.worst_verdicts() == {one: CONFLICT, two: CONFLICT}
    assert [f.property for f in kb.compare_subject("frontier")] == [str(kb.iris.property("length"))]
    assert_matches_rebuild(kb)
    # and undone: the link removed, the groups split again
    kb.store.update(
        "DELETE DATA { GRAPH <https://w3id.org/claimkb/graph/metadata> { "
        f"<{kb.iris.entity('frontier')}> <http://www.w3.org/2002/07/owl#sameAs> "
        f"<{kb.iris.entity('border')}> }} }}")
    kb.indexes.refresh_comparisons([])
    assert kb.comparison_report() == []
    assert_matches_rebuild(kb)


def test_identity_declared_in_a_claims_file_regroups_on_write(kb, tmp_path):
    write(kb, tmp_path, SEPARATE, "separate.yaml")
    kb.comparison_report()
    write(kb, tmp_path, SEPARATE.replace(
        "frontier: {label: Tajik-Afghan frontier}",
        "frontier: {label: Tajik-Afghan frontier, same_as: border}"), "linked.yaml")
    assert [f.verdicts[0].verdict for f in kb.comparison_report()] == [CONFLICT]
    assert_matches_rebuild(kb)
    assert flat(kb.comparison_report()) == flat(from_store(kb))


def test_report_paging_and_counts(demo):
    everything = demo.comparison_report()
    assert len(everything) > 2
    assert flat(demo.comparison_report(limit=2)) == flat(everything[:2])
    assert flat(demo.comparison_report(limit=2, offset=1)) == flat(everything[1:3])
    assert demo.comparison_report(offset=len(everything)) == []
    counts = demo.comparisons.report_counts()
    assert counts["facts"] == len(everything)
    for kind in (CONFLICT, COMPATIBLE, AGREE):
        assert counts[kind] == sum(f.count(kind) for f in everything)
    assert counts["facts_with_conflict"] == sum(1 for f in everything if f.count(CONFLICT))
    only = demo.comparisons.report_counts(verdict=CONFLICT)
    assert only["facts"] == len(demo.comparison_report(verdict=CONFLICT))
    assert only[AGREE] == 0 and only[CONFLICT] == counts[CONFLICT]


def test_worst_verdicts(demo):
    worst = demo.comparisons.worst_verdicts()
    iri = lambda ref: str(demo.claim_iri(ref))  # noqa: E731
    assert worst[iri("gi-border-length")] == CONFLICT
    assert worst[iri("eurasianet-border-length")] == CONFLICT
    opinion = demo.list_claims(modality="opinion")[0]["id"]
    assert iri(opinion) not in worst
    expected: dict[str, str] = {}
    rank = {CONFLICT: 0, COMPATIBLE: 1, AGREE: 2}
    for fact in from_store(demo):
        for v in fact.verdicts:
            for c in (v.a, v.b):
                if c not in expected or rank[v.verdict] < rank[expected[c]]:
                    expected[c] = v.verdict
    assert worst == expected
    some = [iri("gi-border-length"), iri(opinion), "http://nowhere/x"]
    assert demo.comparisons.worst_verdicts(some) == {iri("gi-border-length"): CONFLICT}


def test_index_is_rebuilt_when_missing(demo):
    facts = flat(demo.comparison_report())
    demo.compare_index.clear()
    assert not demo.compare_index.path.exists()
    assert flat(demo.comparison_report()) == facts


def test_cli_reindex(cli):
    assert cli("demo").exit_code == 0
    result = cli("compare", "--reindex", "--verdict", "conflict")
    assert result.exit_code == 0 and "comparison index rebuilt" in result.output
    assert (cli.data_dir / compare_index.FILE).exists()
    assert "CONFLICT (minor)" in result.output


def test_index_on_both_backends(any_kb, tmp_path):
    any_kb.import_file(write_claims_file(tmp_path))
    write(any_kb, tmp_path, MORE.replace("afghan-tajik-border", "{label: Afghanistan–Tajikistan border, id: border}")
          .replace("property: length", "property: {label: length, id: length}"))
    facts = any_kb.comparison_report()
    assert flat(facts) == flat(from_store(any_kb))
    assert [f.count(CONFLICT) for f in facts] == [1]
    assert any_kb.compare_index.path.parent == any_kb.settings.data_dir
    any_kb.compare_index.rebuild()
    assert flat(any_kb.comparison_report()) == flat(facts)


def test_incremental_equals_rebuild_on_synthetic_writes(kb):
    """Synthetic claims (bench/generate.py) written in batches after the index exists,
    then some rewritten with other values and times: the index equals a rebuild and
    the report equals the one computed from the store."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
    import generate

    articles, records = generate.generate(600, 30, seed=3, base_iri=kb.settings.base_iri)
    half = len(records) // 2
    kb.write_claims(records[:half], articles)
    kb.comparison_report()                                  # build the index
    for start in range(half, len(records), 53):
        kb.write_claims(records[start:start + 53])
    assert_matches_rebuild(kb)
    # rewrite 40 claims with the values and times of others about the same things
    import dataclasses
    import random

    rng = random.Random(5)
    content = [r for r in records if r.has_content]
    rewritten = []
    for rec in rng.sample(content, 40):
        other = rng.choice(content)
        rewritten.append(dataclasses.replace(rec, value=other.value, about=other.about,
                                             subject=other.subject, predicate=other.predicate))
    kb.write_claims(rewritten)
    assert_matches_rebuild(kb)
    assert flat(kb.comparison_report()) == flat(from_store(kb))
    assert kb.comparisons.report_counts()["facts"] > 10


def test_a_property_trait_change_rejudges_its_groups(kb, tmp_path):
    text = SEPARATE.replace("frontier: {label: Tajik-Afghan frontier}",
                            "frontier: {label: Tajik-Afghan frontier, same_as: border}")
    text = text.replace("length: {label: length, time_invariant: true}", "length: {label: length}")
    text = text.replace("value: 1344 km}", "value: 1344 km, about: 2019}").replace(
        "value: 1357 km}", "value: 1357 km, about: 2021}")
    write(kb, tmp_path, text, "times.yaml")
    assert kb.comparison_report() == []                     # different times
    write(kb, tmp_path, text.replace("length: {label: length}",
                                     "length: {label: length, time_invariant: true}"), "inv.yaml")
    assert [f.count(CONFLICT) for f in kb.comparison_report()] == [1]
    assert_matches_rebuild(kb)


COUNT_COMPARISONS = """SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/claimkb/graph/comparisons> {
  ?c a <https://w3id.org/claimkb/ns#Comparison> } }"""


@pytest.mark.parametrize("one_update", [1000, 2])   # one update, or bounded batches
def test_materialised_graph_stays_equal_to_the_index(demo, tmp_path, monkeypatch, one_update):
    monkeypatch.setattr(comparison_graph, "REFRESH_ONE_UPDATE", one_update)
    stored = demo.comparisons.materialise()
    write(demo, tmp_path, MORE)
    demo.indexes.refresh_comparisons([demo.claim_iri(c["id"]) for c in demo.list_claims()])
    verdicts = sum(len(f.verdicts) for f in demo.comparison_report())
    assert verdicts > stored               # the new claim against the other lengths
    assert int(demo.query(COUNT_COMPARISONS).rows[0][0]) == verdicts


def test_report_rows_stream_the_report_verdict_for_verdict(demo_kb):
    """report_rows (plain rows, how the CLI writes the whole report) = report()'s facts
    and verdicts, in the same order, with every filter."""

    for filters in ({}, {"verdict": "conflict"}, {"verdict": "agree"},
                    {"subject": "afghan-tajik-border"}, {"source": "globinsider"}):
        expected = [{"subject": f.subject, "property": f.property, "scope": f.scope,
                     "sources": f.sources, "fact_status": f.status, **v.as_dict()}
                    for f in demo_kb.comparisons.report(**filters) for v in f.verdicts]
        assert expected, filters
        assert list(demo_kb.comparisons.report_rows(**filters)) == expected, filters
        assert list(demo_kb.comparisons.report_rows(page=1, **filters)) == expected, filters
    first = demo_kb.comparisons.report(limit=2)
    assert len(list(demo_kb.comparisons.report_rows(limit=2))) == sum(len(f.verdicts) for f in first)
