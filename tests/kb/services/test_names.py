"""One thing, one entity (issue #14): names resolve to the resource the KB has, near-
duplicates are never silent, merge and split move claims and undo exactly, dedupe
proposes what a person would merge, and two files written independently give the same
comparisons as one written carefully."""
from __future__ import annotations

import json

import pytest
from rdflib import URIRef

from kb.derived.names_index import NamesIndex
from kb.errors import InputError, NotFound
from kb.model.names import closeness, near, normalise

# ---------------------------------------------------------------- the rules


@pytest.mark.parametrize("a, b", [
    ("Afghanistan-Tajikistan border", "Afghanistan–Tajikistan border"),   # hyphen, en dash
    ("afghan-tajik-border", "Afghan—Tajik Border"),                      # key, em dash, case
    ("The Times", "Times"),
    ("Kabul", "  kabul "),
    ("Ministry of Defence", "Ministry of Defence."),
    ("Côte d'Ivoire", "Cote d’Ivoire"),                                   # accents, quotes
    ("Sa\u2019dabad", "Sa'dabad"),
    ("member_of", "member of"),
])
def test_the_same_after_normalisation(a, b):
    assert normalise(a) == normalise(b)


@pytest.mark.parametrize("a, b", [
    ("Iran", "Iraq"), ("Sudan", "South Sudan"), ("Austria", "Australia"),
    ("number of Afghan soldiers who crossed", "number of Afghan civilians who crossed"),
])
def test_different_things_are_not_the_same(a, b):
    assert normalise(a) != normalise(b)
    assert closeness(normalise(a), normalise(b))[0] < 90


def test_only_a_leading_the_is_dropped():
    assert normalise("Theatre") == "theatre" and normalise("the") == "the"
    assert normalise("Gulf of the Sea") == "gulf of the sea"


@pytest.mark.parametrize("a, b, reason", [
    ("afghan-tajik-bordr", "afghan-tajik-border", "spelling"),
    ("Collective Security Treaty Organization", "Collective Security Treaty Organisation", "spelling"),
    ("districts captured by the Taliban", "number of districts captured by the Taliban", "shared words"),
    ("Tajikistan Afghanistan border", "Afghanistan Tajikistan border", "same words"),
])
def test_near_duplicates_are_close(a, b, reason):
    score, why = closeness(normalise(a), normalise(b))
    assert score >= 90 and why == reason
    assert near(normalise(a), [normalise("Kabul"), normalise(b)]) == [(1, score, why)]


# ---------------------------------------------------------------- resolving on import

BASE = """claimkb: 1
articles:
  gi: {{publisher: Globinsider, published: 2021-07-10, title: Escalation}}
entities:
  afghan-tajik-border: {{label: Afghanistan–Tajikistan border}}
  tajikistan: {{label: Tajikistan, wikidata: Q863}}
  csto: {{label: Collective Security Treaty Organization, aliases: [CSTO]}}
properties:
  length: {{label: length, wikidata: P2043, time_invariant: true}}
claims:
  - id: gi-border-length
    article: gi
    statement: The border is 1,344 km long.
    subject: afghan-tajik-border
    property: length
    value: 1,344 km
    about: 2021-07
  - id: gi-appeal
    article: gi
    statement: Tajikistan asked the CSTO for help.
    subject: tajikistan
    property: asked for help from
    value: {{entity: csto}}
{more}"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def base(kb, tmp_path):
    kb.import_file(write(tmp_path, "base.yaml", BASE.format(more="")))
    return kb


def entity_ids(kb, kind="entities"):
    return {i["id"] for i in kb.entities.listing(kind, limit=500)["items"]}


def test_a_label_written_another_way_resolves_to_the_existing_entity(base, tmp_path):
    report = base.import_file(write(tmp_path, "second.yaml", """articles:
  wire: {publisher: The Globinsider, published: 2021-07-12, title: Border}
claims:
  - id: wire-border-length
    article: wire
    statement: The border is 1,500 km long.
    subject: Afghanistan-Tajikistan border
    property: Length
    value: 1,500 km
    about: 2021-07
"""))
    assert entity_ids(base) == {"afghan-tajik-border", "tajikistan", "csto"}
    assert "resolved entity 'Afghanistan-Tajikistan border' to afghan-tajik-border (same name)" \
        in report.resolved
    assert "resolved publisher 'The Globinsider' to globinsider (same name)" in report.resolved
    assert report.warnings == []
    v = base.comparisons.compare_two("gi-border-length", "wire-border-length")
    assert v.verdict == "CONFLICT"
    # the plain-hyphen spelling is now a name of the entity (an alias), so it is kept
    row = base.entities.find("entities", "afghan-tajik-border")
    assert "Afghanistan-Tajikistan border" not in row.aliases   # same after normalisation
    assert {i["id"] for i in base.entities.listing("publishers")["items"]} == {"globinsider"}


def test_a_declared_key_with_an_alias_or_a_wikidata_id_resolves(base, tmp_path):
    report = base.import_file(write(tmp_path, "keys.yaml", """articles:
  tass: {publisher: TASS, published: 2021-07-08, title: CSTO}
entities:
  tj: {label: Republic of Tajikistan, wikidata: Q863}
  org: CSTO
properties:
  asked: asked for help from
claims:
  - id: tass-appeal
    article: tass
    statement: Tajikistan asked the CSTO for help.
    subject: tj
    property: asked
    value: {entity: org}
"""))
    assert entity_ids(base) == {"afghan-tajik-border", "tajikistan", "csto"}
    notes = "\n".join(report.resolved)
    assert "'Republic of Tajikistan' to tajikistan (same Wikidata id Q863)" in notes
    assert "'CSTO' to csto (same name)" in notes
    tajikistan = base.entities.find("entities", "tajikistan")
    assert "Republic of Tajikistan" in tajikistan.aliases       # every spelling is kept
    # the new alias resolves from now on; the file's own key does not (keys are local
    # to a file: "tj" in another file may be something else)
    assert base.entities.find("entities", "republic of tajikistan").iri == tajikistan.iri
    with pytest.raises(NotFound):
        base.entities.find("entities", "tj")


def test_a_near_duplicate_is_a_warning_and_strict_refuses_it(base, tmp_path):
    typo = write(tmp_path, "typo.yaml", """articles:
  x: {publisher: X, published: 2021-07-12, title: X}
claims:
  - id: x-length
    article: x
    statement: 1,500 km
    subject: afghan-tajik-bordr
    property: length
    value: 1,500 km
""")
    quads = base.store.quad_count()
    with pytest.raises(InputError, match=r"near-duplicates \(--strict\): new entity "
                       r"'afghan-tajik-bordr' looks like existing afghan-tajik-border "
                       r"\(Afghanistan–Tajikistan border; spelling 97\)"):
        base.import_file(typo, strict=True)
    assert base.store.quad_count() == quads
    report = base.import_file(typo)
    assert report.warnings == ["new entity 'afghan-tajik-bordr' looks like existing "
                               "afghan-tajik-border (Afghanistan–Tajikistan border; spelling "
                               "97): write its key to use it"]
    assert "afghan-tajik-bordr" in entity_ids(base)
    # two new spellings in one file: the second is a near-duplicate of the first
    both = base.import_file(write(tmp_path, "both.yaml", """articles:
  z: {publisher: Z, published: 2021-07-12, title: Z}
claims:
  - {id: z1, article: z, statement: s, subject: Kunduz Province, property: length, value: 3 km}
  - {id: z2, article: z, statement: s, subject: Kunduz Provinse, property: length, value: 3 km}
"""))
    assert both.warnings == ["new entity 'Kunduz Provinse' looks like existing kunduz-province "
                             "(Kunduz Province; spelling 93): write its key to use it"]


def test_an_ambiguous_name_lists_the_candidates_and_writes_nothing(kb, tmp_path):
    kb.import_file(write(tmp_path, "two.yaml", """articles:
  a: {publisher: A, published: 2021-01-01, title: A}
entities:
  georgia-country: {label: Georgia, wikidata: Q230}
  georgia-state: {label: Georgia, wikidata: Q1428}
properties:
  population: population
claims:
  - {id: a1, article: a, statement: c, subject: georgia-country, property: population, value: "3,700,000"}
  - {id: a2, article: a, statement: s, subject: georgia-state, property: population, value: "10,700,000"}
"""))
    quads = kb.store.quad_count()
    with pytest.raises(InputError) as err:
        kb.import_file(write(tmp_path, "which.yaml", """articles:
  b: {publisher: B, published: 2021-01-02, title: B}
claims:
  - {id: b1, article: b, statement: g, subject: Georgia, property: population, value: "3,700,000"}
"""))
    assert "entity 'Georgia' is ambiguous (same name): it could be georgia-country (Georgia); " \
           "georgia-state (Georgia); write the key of the one you mean" in str(err.value)
    assert kb.store.quad_count() == quads
    with pytest.raises(InputError, match="ambiguous"):
        kb.entities.find("entities", "georgia")
    # a Wikidata id says which one
    kb.import_file(write(tmp_path, "this.yaml", """articles:
  b: {publisher: B, published: 2021-01-02, title: B}
claims:
  - {id: b1, article: b, statement: g, subject: {label: Georgia, wikidata: Q230}, property: population, value: "3,700,000"}
"""))
    assert kb.index.get(str(kb.claim_iri("b1")))["subject"].endswith("/entities/georgia-country")
    assert kb.comparisons.compare_two("a1", "b1").verdict in ("AGREE", "COMPATIBLE")


def test_another_wikidata_id_or_property_kind_is_another_thing(base, tmp_path):
    report = base.import_file(write(tmp_path, "other.yaml", """articles:
  y: {publisher: Y, published: 2021-07-12, title: Y}
entities:
  tajik-river: {label: Tajikistan, wikidata: Q999999}
properties:
  length-event: {label: length, kind: event}
claims:
  - {id: y1, article: y, statement: s, subject: tajik-river, property: length-event, value: 3 km}
"""))
    assert "tajik-river" in entity_ids(base)
    assert "length-event" in entity_ids(base, "properties")
    assert report.resolved == []


# ---------------------------------------------------------------- two files, one truth

CAREFUL = """claimkb: 1
articles:
  a: {publisher: Globinsider, published: 2021-07-10, title: A}
  b: {publisher: Eurasianet, published: 2021-07-11, title: B}
entities:
  border: {label: Afghanistan–Tajikistan border, wikidata: Q4071108}
  taliban: {label: Taliban, wikidata: Q42418}
  csto: {label: Collective Security Treaty Organization, wikidata: Q185109}
  tajikistan: {label: Tajikistan, wikidata: Q863}
properties:
  length: {label: length, wikidata: P2043, time_invariant: true}
  share: {label: share of the border controlled by the Taliban, kind: state}
  asked: {label: asked for help from}
claims:
  - {id: a-length, article: a, statement: s, subject: border, property: length, value: "1,344 km", about: 2021-07}
  - {id: b-length, article: b, statement: s, subject: border, property: length, value: "1,357 km", about: 2021-07}
  - {id: a-share, article: a, statement: s, subject: border, property: share, value: over 70%, about: 2021-07-09}
  - {id: b-share, article: b, statement: s, subject: border, property: share, value: about two-thirds, about: 2021-07-09}
  - {id: a-appeal, article: a, statement: s, subject: tajikistan, property: asked, value: {entity: csto}, about: 2021-07-07}
  - {id: b-appeal, article: b, statement: s, subject: tajikistan, property: asked, value: {entity: csto}, about: 2021-07-07}
"""

FIRST = """claimkb: 1
articles:
  a: {publisher: Globinsider, published: 2021-07-10, title: A}
entities:
  af-tj-border: {label: Afghanistan–Tajikistan border, wikidata: Q4071108, aliases: [Afghan-Tajik border]}
  taliban: {label: Taliban, wikidata: Q42418}
  csto: {label: Collective Security Treaty Organization, wikidata: Q185109, aliases: [CSTO]}
  tajikistan: {label: Tajikistan, wikidata: Q863}
properties:
  length: {label: length, wikidata: P2043, time_invariant: true}
  share: {label: share of the border controlled by the Taliban, kind: state, aliases: [share of border held by Taliban]}
  asked: {label: asked for help from}
claims:
  - {id: a-length, article: a, statement: s, subject: af-tj-border, property: length, value: "1,344 km", about: 2021-07}
  - {id: a-share, article: a, statement: s, subject: af-tj-border, property: share, value: over 70%, about: 2021-07-09}
  - {id: a-appeal, article: a, statement: s, subject: tajikistan, property: asked, value: {entity: csto}, about: 2021-07-07}
"""

SECOND = """claimkb: 1
articles:
  b: {publisher: Eurasianet, published: 2021-07-11, title: B}
claims:
  - {id: b-length, article: b, statement: s, subject: Afghan–Tajik Border, property: Length, value: "1,357 km", about: 2021-07}
  - {id: b-share, article: b, statement: s, subject: "Afghanistan-Tajikistan border", property: Share of Border held by Taliban, value: about two-thirds, about: 2021-07-09}
  - {id: b-appeal, article: b, statement: s, subject: tajikistan, property: "Asked for help from", value: {entity: the CSTO}, about: 2021-07-07}
"""


def verdicts(kb) -> dict:
    out = {}
    for claim in ("a-length", "b-length", "a-share", "b-share", "a-appeal", "b-appeal"):
        _, found, _ = kb.compare_claim_status(claim)
        for v in found:
            out[(claim, kb.iris.local_id(v.b))] = (v.verdict, tuple(sorted(v.flags)))
    return out


def test_two_files_written_independently_compare_as_one_written_carefully(tmp_path):
    from kb import KnowledgeBase, load_settings
    with KnowledgeBase.open(load_settings(env={}, data_dir=tmp_path / "careful")) as careful:
        careful.import_file(write(tmp_path, "careful.yaml", CAREFUL))
        expected = verdicts(careful)
        named = {k: len(entity_ids(careful, k)) for k in ("entities", "properties")}
    with KnowledgeBase.open(load_settings(env={}, data_dir=tmp_path / "two")) as two:
        two.import_file(write(tmp_path, "first.yaml", FIRST))
        report = two.import_file(write(tmp_path, "second.yaml", SECOND))
        got = verdicts(two)
        assert report.warnings == []
        assert {k: len(entity_ids(two, k)) for k in ("entities", "properties")} == named
    assert len(expected) == 6 and {v for v, _ in expected.values()} >= {"CONFLICT", "AGREE"}
    assert got == expected


# ---------------------------------------------------------------- merge, split, dedupe

DUPES = """claimkb: 1
articles:
  a: {publisher: Globinsider, published: 2021-07-10, title: A}
  b: {publisher: Eurasianet, published: 2021-07-11, title: B}
claims:
  - {id: a-length, article: a, statement: s, subject: Afghan-Tajik border, property: length, value: "1,344 km", about: 2021-07}
  - {id: b-length, article: b, statement: s, subject: Afghan-Tajik bordr, property: length, value: "1,357 km", about: 2021-07}
"""


def test_merge_moves_claims_keeps_names_and_split_undoes_it(any_kb, tmp_path):
    kb = any_kb
    kb.actor = "cli:tester"
    report = kb.import_file(write(tmp_path, "dupes.yaml", DUPES))
    assert len(report.warnings) == 1
    assert kb.compare_claim_status("a-length")[1] == []          # two borders: no verdict
    both = [kb.entities.find("entities", n).iri for n in ("Afghan-Tajik border", "Afghan-Tajik bordr")]
    before = uses(kb, both)
    [proposal] = kb.entities.dedupe("entities")
    assert (proposal.survivor.label, proposal.other.label, proposal.score) == \
        ("Afghan-Tajik border", "Afghan-Tajik bordr", 97)

    done = kb.entities.merge("entities", "afghan-tajik-border", "Afghan-Tajik bordr")
    assert [kb.iris.local_id(URIRef(c)) for c in done.claims] == ["b-length"]
    [v] = kb.compare_claim_status("a-length")[1]
    assert v.verdict == "CONFLICT"
    survivor = kb.entities.find("entities", "afghan-tajik-border")
    assert "Afghan-Tajik bordr" in survivor.aliases
    # the merged IRI keeps resolving, to the survivor; it is not listed any more
    assert kb.entities.find("entities", "afghan-tajik-bordr").iri == survivor.iri
    assert kb.entities.find("entities", "afghan-tajik-bordr", follow=False).merged_into == survivor.iri
    assert entity_ids(kb) == {"afghan-tajik-border"}
    assert kb.index.get(str(kb.claim_iri("b-length")))["subject"] == survivor.iri
    # a new claim written with the merged key lands on the survivor
    kb.import_file(write(tmp_path, "later.yaml", """articles:
  c: {publisher: C, published: 2021-07-12, title: C}
claims:
  - {id: c-length, article: c, statement: s, subject: afghan-tajik-bordr, property: length, value: "1,344 km", about: 2021-07}
"""))
    assert {kb.iris.local_id(v.b) for v in kb.compare_claim_status("c-length")[1]} == \
        {"a-length", "b-length"}
    # the history says who and when, on the merged entity and on the claim moved
    other = URIRef(done.other)
    merged = kb.changelog.changes(other)[0]
    assert merged.action == "merged" and merged.who == "cli:tester"
    assert "merged into afghan-tajik-border: 1 claim(s) moved" in merged.summary
    assert kb.claim_history("b-length")[0].summary == \
        "entity afghan-tajik-bordr merged into afghan-tajik-border"

    # bad merges: a clear error and nothing written
    quads = kb.store.quad_count()
    for keep, other_ref, message in [
            ("afghan-tajik-border", "afghan-tajik-border", "with itself"),
            ("afghan-tajik-border", "afghan-tajik-bordr", "already merged"),
            ("afghan-tajik-bordr", "afghan-tajik-border", "round in a circle")]:
        with pytest.raises(InputError, match=message):
            kb.entities.merge("entities", keep, other_ref)
    with pytest.raises(NotFound):
        kb.entities.merge("entities", "afghan-tajik-border", "no-such-thing")
    assert kb.store.quad_count() == quads

    kb.entities.split("entities", "afghan-tajik-bordr")
    assert entity_ids(kb) == {"afghan-tajik-border", "afghan-tajik-bordr"}
    assert kb.compare_claim_status("b-length")[1] == []
    assert kb.index.get(str(kb.claim_iri("b-length")))["subject"] == done.other
    assert "Afghan-Tajik bordr" not in kb.entities.find("entities", "afghan-tajik-border").aliases
    assert kb.changelog.changes(other)[0].action == "split"
    with pytest.raises(InputError, match="not merged"):
        kb.entities.split("entities", "afghan-tajik-bordr")
    # where claims name the two entities: as before the merge, once the later claim is gone
    kb.delete_claims([kb.claim_iri("c-length")])
    assert uses(kb, both) == before and len(before) == 4


def uses(kb, iris) -> set:
    return {tuple(r.values()) for iri in iris
            for r in kb.select("resource_uses.rq", resource=URIRef(iri))}


def test_the_demo_kb_is_clean(demo_kb):
    for kind in ("entities", "properties", "people", "publishers"):
        assert demo_kb.entities.dedupe(kind) == [], kind


def test_names_index_rebuilds_to_what_writes_kept(base, tmp_path):
    base.import_file(write(tmp_path, "second.yaml", """articles:
  wire: {publisher: Wire, published: 2021-07-12, title: Border}
entities:
  tj: {label: Republic of Tajikistan, wikidata: Q863}
claims:
  - {id: w1, article: wire, statement: s, subject: tj, property: length, value: 3 km}
"""))
    kinds = ("entities", "properties", "people", "publishers")
    kept = {k: base.entities.listing(k, limit=500) for k in kinds}
    base.reindex()
    assert {k: base.entities.listing(k, limit=500) for k in kinds} == kept


def test_cli_entities(cli, tmp_path):
    dupes = write(tmp_path, "dupes.yaml", DUPES)
    out = cli("import", "--strict", str(dupes))
    assert out.exit_code == 2 and "near-duplicates (--strict)" in out.output
    out = cli("import", str(dupes))
    assert out.exit_code == 0 and "warning: new entity 'Afghan-Tajik bordr'" in out.output
    listed = cli("entities")
    assert listed.exit_code == 0 and "Afghan-Tajik bordr" in listed.output
    found = json.loads(cli("entities", "list", "--search", "AFGHAN–TAJIK", "--format", "json").output)
    assert [(i["id"], i["claims"]) for i in found["items"]] == \
        [("afghan-tajik-border", 1), ("afghan-tajik-bordr", 1)]
    proposals = json.loads(cli("entities", "dedupe", "--format", "json").output)
    assert proposals == [{"keep": "afghan-tajik-border", "keep_label": "Afghan-Tajik border",
                          "merge": "afghan-tajik-bordr", "merge_label": "Afghan-Tajik bordr",
                          "score": 97, "reasons": [
                              "spelling 97: 'afghan tajik border' ~ 'afghan tajik bordr'"]}]
    applied = cli("entities", "dedupe", "--apply")
    assert "merged afghan-tajik-bordr into afghan-tajik-border (score 97): 1 claim(s) moved" \
        in applied.output
    assert "no near-duplicate entities" in cli("entities", "dedupe").output
    assert "CONFLICT" in cli("compare", "--claim", "a-length").output
    split = cli("entities", "split", "afghan-tajik-bordr")
    assert "split afghan-tajik-bordr from afghan-tajik-border: 1 claim(s) moved back" in split.output
    merged = cli("entities", "merge", "afghan-tajik-border", "afghan-tajik-bordr")
    assert merged.exit_code == 0
    assert cli("entities", "merge", "afghan-tajik-border", "afghan-tajik-border").exit_code == 2
    assert cli("entities", "merge", "afghan-tajik-border", "nothing").exit_code == 3
    assert cli("publishers").output.count("\n") == 4    # header, rule, two publishers
    assert "length" in cli("properties", "list", "--search", "LENGTH").output


def test_claimreview_claimants_and_publishers_resolve(kb, tmp_path):
    from tests.conftest import TEST_DATA
    kb.import_file(write(tmp_path, "people.yaml", """articles:
  a: {publisher: The Example Fact-Check, published: 2021-01-01, title: A}
people:
  jroe: {label: John Roe (spokesman), aliases: [John Roe]}
claims:
  - {id: a1, article: a, statement: s, modality: reported-speech, speaker: jroe}
"""))
    report = kb.import_file(TEST_DATA / "claimreview" / "graph.jsonld")
    assert "resolved person 'John Roe' to jroe (same name)" in report.resolved
    assert "resolved publisher 'Example Fact Check' to the-example-fact-check (same name)" \
        in report.resolved
    assert entity_ids(kb, "people") == {"jroe"}
    assert entity_ids(kb, "publishers") == {"the-example-fact-check"}


def test_a_label_whose_key_is_taken_by_another_name_is_not_that_name(kb, tmp_path):
    """slugify drops ø: "Tromsø" mints the key of "Troms", but is not Troms."""
    kb.import_file(write(tmp_path, "troms.yaml", """articles:
  a: {publisher: A, published: 2021-01-01, title: A}
claims:
  - {id: a1, article: a, statement: s, subject: Troms, property: population, value: "160,000"}
"""))
    report = kb.import_file(write(tmp_path, "tromso.yaml", """articles:
  b: {publisher: B, published: 2021-01-02, title: B}
claims:
  - {id: b1, article: b, statement: s, subject: Tromsø, property: population, value: "77,000"}
  - {id: b2, article: b, statement: s, subject: Tromsø, property: population, value: "77,000"}
"""))
    rows = {i["label"]: i["id"] for i in kb.entities.listing("entities")["items"]}
    assert set(rows) == {"Troms", "Tromsø"} and rows["Troms"] == "troms"
    assert rows["Tromsø"].startswith("troms-")
    assert report.warnings == [f"new entity 'Tromsø' looks like existing troms (Troms; spelling "
                               f"91): write its key to use it"]
    assert {kb.iris.local_id(v.b) for v in kb.compare_claim_status("b1")[1]} == {"b2"}


def test_the_cached_names_patched_after_a_write_are_the_names_read_afresh(base, tmp_path):
    index = base.indexes.names_index
    before = index.all_names("entities")
    base.import_file(write(tmp_path, "more.yaml", """articles:
  m: {publisher: M, published: 2021-07-12, title: M}
claims:
  - {id: m1, article: m, statement: s, subject: Kunduz Province, property: length, value: 3 km}
"""))
    base.entities.merge("entities", "tajikistan", "csto")   # a name goes, its words stay
    patched = index.all_names("entities")
    assert patched is not before
    fresh = NamesIndex(index.path, base.store, base.iris).all_names("entities")

    def pairs(names):
        return sorted((n, o) for n, owners in zip(names.names, names.owners) for o in owners)

    assert pairs(patched) == pairs(fresh), (pairs(patched), pairs(fresh))
    assert [patched.names[i] for i, _, _ in patched.near("kunduz provinse")] == ["kunduz province"]
    # the merged entity's names are the survivor's now
    [(i, _, _)] = patched.near("collective security treaty organisation")
    assert [base.iris.local_id(o) for o in patched.owners[i]] == ["tajikistan"]


def test_search_finds_a_part_of_any_name_and_never_across_two(base):
    index = base.indexes.names_index
    assert index._fts, "this SQLite has FTS5 with the trigram tokenizer"

    def ids(query):
        return [i["id"] for i in base.entities.listing("entities", query)["items"]]

    assert ids("TAJIKISTAN B") == ["afghan-tajik-border"]        # a part of a label
    assert ids("ghan-taj") == ["afghan-tajik-border"]             # of its key
    assert ids("csto") == ["csto"]                                # of an alias
    assert ids("ta") == ["afghan-tajik-border", "tajikistan"]     # two letters: a scan
    # the border's names are "afghanistan–tajikistan border" and "afghan tajik border":
    # the end of one and the start of the other are not a name
    assert ids("border afghan") == []
    assert len(ids('"')) == 3 and ids("x" * 200) == []      # nothing left to search: all


def test_split_keeps_what_the_survivor_said_and_what_was_edited_since(kb, tmp_path):
    kb.import_file(write(tmp_path, "parts.yaml", """articles:
  a: {publisher: A, published: 2021-01-01, title: A}
entities:
  alfa-land: {label: Alfa Land}
  alpha-land: {label: Alpha Land}
  gorno: {label: Gorno, part_of: [alfa-land, alpha-land]}
claims:
  - {id: a1, article: a, statement: s, subject: gorno, property: area, value: 3 km, scope: alpha-land}
  - {id: a2, article: a, statement: s, subject: alpha-land, property: area, value: 9 km}
  - {id: a3, article: a, statement: s, subject: alfa-land, property: area, value: 9 km}
"""))
    gorno = URIRef(kb.iris.entity("gorno"))
    part_of = URIRef("http://purl.org/dc/terms/isPartOf")

    def parents():
        return sorted(kb.iris.local_id(o) for o in kb.describe(gorno).objects(gorno, part_of))

    assert parents() == ["alfa-land", "alpha-land"]
    kb.entities.merge("entities", "alfa-land", "alpha-land")
    assert parents() == ["alfa-land"]
    # a claim edited after the merge keeps its edit when the merge is undone
    kb.import_file(write(tmp_path, "edit.yaml", """articles:
  a: {publisher: A, published: 2021-01-01, title: A}
claims:
  - {id: a2, article: a, statement: s, subject: alfa-land, property: area, value: 10 km}
"""))
    kb.entities.split("entities", "alpha-land")
    assert parents() == ["alfa-land", "alpha-land"]            # the survivor's own link stays
    assert kb.index.get(str(kb.claim_iri("a1")))["scope"].endswith("/alpha-land")
    assert kb.index.get(str(kb.claim_iri("a2")))["subject"].endswith("/alfa-land")   # edited


def test_a_publisher_whose_key_is_taken_is_a_new_publisher_of_its_own(kb, tmp_path):
    for i, publisher in enumerate(("Sputnik", "Sputnik Тоҷикистон")):   # both mint "sputnik"
        kb.import_file(write(tmp_path, f"p{i}.yaml", f"""articles:
  a{i}: {{publisher: {publisher}, published: 2021-07-1{i}, title: A{i}}}
claims:
  - {{id: c{i}, article: a{i}, statement: s, subject: x, property: y, value: "{i + 1}"}}
"""))
    items = {i["label"]: (i["id"], i["claims"]) for i in kb.entities.listing("publishers")["items"]}
    assert items["Sputnik"] == ("sputnik", 1)
    assert items["Sputnik Тоҷикистон"][0].startswith("sputnik-") and items["Sputnik Тоҷикистон"][1] == 1


def test_names_without_letters_or_digits_are_refused(kb, tmp_path):
    with pytest.raises(InputError, match="'...' has no letters or digits"):
        kb.import_file(write(tmp_path, "dots.yaml", """articles:
  a: {publisher: A, published: 2021-01-01, title: A}
claims:
  - {id: a1, article: a, statement: s, subject: "...", property: y, value: "1"}
"""))
    assert kb.store.quad_count() == 0


def test_entities_declared_for_their_part_of_links_resolve_too(base, tmp_path):
    """A region declared only for part_of (no claim names it) goes through the resolver:
    written another way, it is the existing one, and it is listed at once."""
    base.import_file(write(tmp_path, "parts.yaml", """articles:
  p: {publisher: P, published: 2021-07-12, title: P}
entities:
  tj: {label: Republic of Tajikistan, wikidata: Q863}
  gbao: {label: Gorno-Badakhshan, part_of: tj}
  shug: {label: Shughnon District, part_of: gbao}
claims:
  - {id: p1, article: p, statement: s, subject: shug, property: length, value: 3 km}
"""))
    ids = entity_ids(base)
    assert {"gbao", "shug"} <= ids and "tj" not in ids       # listed at once; tj is tajikistan
    gbao = URIRef(base.iris.entity("gbao"))
    part_of = URIRef("http://purl.org/dc/terms/isPartOf")
    assert list(base.describe(gbao).objects(gbao, part_of)) == [URIRef(base.iris.entity("tajikistan"))]
