"""The claims index (kb/derived/claims_index.py): kept current by every write, equal to a rebuild,
keyset pages that neither skip nor repeat, facet counts that match the store, and a
search syntax no user input can break."""
from __future__ import annotations

import pytest

from kb.demo import build
from kb.errors import InputError
from kb.derived.claims_index import ClaimFilter, decode_cursor, encode_cursor, fts_query


@pytest.fixture
def demo(kb):
    build(kb, force=True)
    return kb


def _snapshot(kb):
    return sorted((r["iri"], r["modality"], r["publisher"], r["published"], r["about_earliest"],
                   r["subject"], r["property"], r["value_text"], r["quote"], r["verdict"])
                  for r in kb.index.iter_claims())


def test_index_has_every_claim_of_the_store(demo):
    stored = {str(r["claim"]) for r in demo.select("index_claims_all.rq")}
    indexed = {r["iri"] for r in demo.index.iter_claims()}
    assert indexed == stored and len(stored) == demo.stats()["claims"] == 62


def test_incremental_index_equals_a_rebuild(demo):
    before = _snapshot(demo)
    demo.reindex()
    assert _snapshot(demo) == before


def test_delete_and_clear_update_the_index(demo):
    iri = next(demo.index.iter_claims())["iri"]
    demo.delete_claims([demo.claim_iri(iri)])
    assert demo.index.get(iri) is None
    assert demo.index.count(ClaimFilter()) == 61
    demo.clear()
    assert demo.index.count(ClaimFilter()) == 0
    assert demo.index.search(ClaimFilter(q="border")).rows == []


@pytest.mark.parametrize("sort", ["published", "-published", "about", "-about", "recorded"])
def test_keyset_pages_cover_everything_once_in_order(demo, sort):
    seen, after = [], None
    while True:
        page = demo.index.search(ClaimFilter(), sort=sort, after=after, limit=7)
        seen += page.rows
        if page.next_cursor is None:
            break
        after = page.next_cursor
    assert len(seen) == len({r["iri"] for r in seen}) == 62
    column = {"published": "published", "about": "about_earliest", "recorded": "recorded"}[sort.lstrip("-")]
    keys = [(r[column], r["rowid"]) for r in seen]
    assert keys == sorted(keys, reverse=not sort.startswith("-"))


def test_filters_and_facet_counts_agree_with_the_store(demo):
    rows = demo.list_claims(source="globinsider", limit=1000)
    publisher = demo.index.facets(ClaimFilter(), names=["publisher"])["publisher"]
    globinsider = next(v for v in publisher if v["label"] == "Globinsider")
    assert globinsider["count"] == len(rows) == 27
    f = ClaimFilter(publisher=globinsider["value"], modality="opinion")
    assert demo.index.count(f) == len(demo.list_claims(source="globinsider", modality="opinion"))
    modality = {v["value"]: v["count"] for v in demo.index.facets(ClaimFilter(publisher=globinsider["value"]))["modality"]}
    assert sum(modality.values()) == 27
    assert modality["opinion"] == len(demo.list_claims(source="globinsider", modality="opinion")) > 0


def test_entity_filter_finds_subject_scope_and_speaker(demo):
    border = str(demo.iris.entity("afghan-tajik-border"))
    n = demo.index.count(ClaimFilter(entity=border))
    sparql = demo.list_claims(entity="afghan-tajik-border", limit=1000)
    assert n == len(sparql) > 10


def test_date_filters(demo):
    july9 = demo.index.search(ClaimFilter(published_from="2021-07-09", published_to="2021-07-09"), limit=100)
    # a day, or a coarser date that contains it ("2021-07" overlaps 9 July)
    assert july9.rows and all(r["published"].startswith("2021-07-09") or "2021-07-09".startswith(r["published"])
                              for r in july9.rows)
    assert any(r["published"].startswith("2021-07-09") for r in july9.rows)
    month = demo.index.count(ClaimFilter(published="2021-07"))
    assert month == demo.index.count(ClaimFilter(published_from="2021-07-01", published_to="2021-07-31"))
    about = demo.index.search(ClaimFilter(about_from="2021-07-04", about_to="2021-07-05"), limit=100).rows
    assert about and all(r["about_earliest"] <= "2021-07-05" and r["about_latest"] >= "2021-07-04" for r in about)
    with pytest.raises(InputError):
        demo.index.count(ClaimFilter(published_from="last tuesday"))


def test_full_text_search_highlights_and_survives_any_input(demo):
    page = demo.index.search(ClaimFilter(q="Afghan-Tajik border"), limit=100)
    assert page.total >= 2
    assert any("\x02" in (r.get("quote_marked") or "") for r in page.rows)
    assert demo.index.count(ClaimFilter(q='"1,344 km"')) >= 1
    assert demo.index.count(ClaimFilter(q="taj")) >= demo.index.count(ClaimFilter(q="tajikistan"))  # prefix
    for nasty in ['"', "AND OR NOT", "border*)", "NEAR(", "col:umn", "'; DROP TABLE claims; --", "\x00", "🙂"]:
        demo.index.search(ClaimFilter(q=nasty))  # no exception: user text never reaches FTS5 raw
    assert demo.index.count(ClaimFilter()) == 62


def test_fts_query_quotes_every_term():
    assert fts_query('border "1,344 km" taj') == '"border" AND ("1 344 km" OR "1344 km") AND "taj" *'
    assert fts_query("  ") is None and fts_query('"" ()') is None
    assert fts_query("taliban OR kabul border") == '("taliban" OR "kabul") AND "border" *'
    assert fts_query("OR kabul OR") == '"kabul" *'          # a dangling OR is no operator
    assert fts_query("over 70") == '"over" AND "70"'        # a number is no prefix: 70 is not 700


def test_search_finds_a_number_however_its_thousands_are_written(demo):
    """"1344" and "1,344" alike (#17): the tokenizer splits "1,344" into "1" and "344"."""
    written = demo.index.count(ClaimFilter(q='"1,344 km"'))
    assert written >= 1
    for typed in ("1344", "1,344", "1 344", '"1344 km"', "1344 border"):
        assert demo.index.count(ClaimFilter(q=typed)) >= written, typed
    page = demo.index.search(ClaimFilter(q="1344"), limit=5)
    assert any("\x021,344\x03" in (r.get("quote_marked") or "") for r in page.rows)


def test_search_takes_or_and_phrases(demo):
    taliban = demo.index.count(ClaimFilter(q="taliban"))
    csto = demo.index.count(ClaimFilter(q="csto"))
    either = demo.index.count(ClaimFilter(q="taliban OR csto"))
    assert max(taliban, csto) <= either <= taliban + csto
    assert demo.index.count(ClaimFilter(q='"Afghan-Tajik border"')) <= \
        demo.index.count(ClaimFilter(q="Afghan Tajik border"))


def test_cursor_round_trip_and_bad_cursor():
    assert decode_cursor(encode_cursor("2021-07-09", 42)) == ("2021-07-09", 42)
    for bad in ("zzz", "", encode_cursor("x", 1)[:-3] + "!!!"):
        with pytest.raises(InputError):
            decode_cursor(bad)


def test_unknown_sort_and_verdict_are_clear_errors(demo):
    with pytest.raises(InputError, match="unknown sort"):
        demo.index.search(ClaimFilter(), sort="random")
    with pytest.raises(InputError, match="unknown verdict"):
        demo.index.count(ClaimFilter(verdict="maybe"))


def test_an_old_kb_gets_its_index_built_on_demand(settings, tmp_path):
    from kb import KnowledgeBase

    with KnowledgeBase.open(settings) as kb:
        build(kb, force=True)
    (settings.data_dir / "index.sqlite").unlink()
    for suffix in ("-wal", "-shm"):
        (settings.data_dir / f"index.sqlite{suffix}").unlink(missing_ok=True)
    with KnowledgeBase.open(settings) as kb:
        assert kb.ensure_index() is True
        assert kb.index.count(ClaimFilter()) == 62
        assert kb.ensure_index() is False


def _computed_facets(kb, name):
    """A facet counted from the rows, as the filtered path does (for comparison with
    the counts the triggers keep)."""
    from kb.derived.claims_index import FACETS

    value_sql, label_sql = FACETS[name]
    source = ("claim_entities JOIN claims ON claims.rowid = claim_entities.claim"
              if name == "entity" else "claims")
    return {r[0]: r[1] for r in kb.index._db().execute(
        f"SELECT {value_sql}, count(*) FROM {source} WHERE {value_sql} != '' GROUP BY 1")}


def _filtered_facet(kb, name, column, value):
    """A facet of the claims whose ``column`` is ``value``, counted and labelled from
    the rows."""
    from kb.derived.claims_index import FACETS

    value_sql, label_sql = FACETS[name]
    source = ("claim_entities JOIN claims ON claims.rowid = claim_entities.claim"
              if name == "entity" else "claims")
    return {r[0]: (r[1], r[2]) for r in kb.index._db().execute(
        f"SELECT {value_sql}, {label_sql}, count(*) FROM {source} WHERE claims.{column} = ? "
        f"AND {value_sql} != '' GROUP BY 1", (value,))}


def _reference_facets(kb, f):
    """Every facet of the claims matching ``f``, counted and labelled from the wide
    claims rows in SQL: what the one pass over claim_facets must give."""
    from kb.derived.claims_index import FACETS

    where, params, _ = kb.index._where(f)
    out = {}
    for name, (value_sql, label_sql) in FACETS.items():
        source = ("claim_entities JOIN claims ON claims.rowid = claim_entities.claim"
                  if name == "entity" else "claims")
        rows = kb.index._db().execute(
            f"SELECT {value_sql}, count(*) FROM {source} WHERE {where} AND {value_sql} != '' "
            f"GROUP BY 1", params).fetchall()
        labels = kb.index._labels_of(name, [r[0] for r in rows])
        out[name] = {r[0]: (labels.get(r[0], r[0]), r[1]) for r in rows}
    return out


def _counted_filters(kb):
    """Filters whose facets are counted from the matching claims: two facets, a date
    range, full-text words (alone and with a facet), an entity, an article."""
    rows = list(kb.index.iter_claims())
    some = rows[len(rows) // 2]
    entity = kb.index._db().execute("SELECT entity FROM claim_entities LIMIT 1").fetchone()[0]
    return [ClaimFilter(publisher=some["publisher"], published=some["published"][:7]),
            ClaimFilter(modality="factual", verdict="conflict"),
            ClaimFilter(property=some["property"], about_from="2021-07-01"),
            ClaimFilter(q="Taliban"), ClaimFilter(q="border", modality="factual"),
            ClaimFilter(q="zzzz-no-such-word"), ClaimFilter(entity=entity),
            ClaimFilter(article=some["article"]), ClaimFilter(published_from="2021-07-10")]


def test_stored_facet_counts_follow_every_write(demo):
    from kb.derived.claims_index import FACETS, PAIR_FILTERS

    def check():
        stored = {name: {v["value"]: v["count"] for v in demo.index._stored_facet(name, 10_000)}
                  for name in FACETS}
        for name in FACETS:
            assert stored[name] == _computed_facets(demo, name), name
        assert demo.index.count(ClaimFilter()) == len(list(demo.index.iter_claims()))
        # a one-facet view's count and facets (facet_pairs) = counted from the rows
        demo.index._changed()
        for column in PAIR_FILTERS:
            for value in [*stored[column], *(["none"] if column == "verdict" else [])]:
                f = ClaimFilter(**{column: value})
                raw = "" if value == "none" else value
                got = demo.index.facets(f, limit=1000, time_limit_ms=0)   # never counted: no time needed
                for name in FACETS:
                    expected = _filtered_facet(demo, name, column, raw)
                    assert {v["value"]: (v["label"], v["count"]) for v in got[name]} == expected, (f, name)
                n = demo.index._db().execute(f"SELECT count(*) FROM claims WHERE {column} = ?", (raw,)).fetchone()[0]
                assert demo.index.count(f) == n and demo.index.count_capped(f, cap=1) == (n, True)
        # any other filter: counted from claim_facets = counted from the rows
        nonempty = 0
        for f in _counted_filters(demo):
            got = demo.index.facets(f, limit=1000, time_limit_ms=60_000)
            expected = _reference_facets(demo, f)
            for name in FACETS:
                assert {v["value"]: (v["label"], v["count"]) for v in got[name]} == expected[name], (f, name)
            nonempty += bool(expected["publisher"])
        assert nonempty >= 7

    check()
    rows = list(demo.index.iter_claims())
    demo.delete_claims([rows[0]["iri"], rows[1]["iri"]])
    check()
    demo.retract_claim("eurasianet-border-length", "corrected")   # verdicts change (triggers)
    check()
    numbers = {r[0] for r in demo.index._db().execute("SELECT id FROM facet_values")}
    demo.reindex()          # counts in bulk, triggers dropped and put back
    check()
    # facet value numbers are never given again (readers remember them)
    renumbered = {r[0] for r in demo.index._db().execute("SELECT id FROM facet_values")}
    assert renumbered and not renumbered & numbers
    demo.delete_claims([rows[2]["iri"]])
    check()
    demo.index.set_verdicts({rows[3]["iri"]: "agree"}, None)      # every verdict: counted in bulk
    check()
    assert demo.index.facets(ClaimFilter()) == demo.index.facets(ClaimFilter(), time_limit_ms=60_000)


def test_capped_counts_and_facet_time_limit(demo, monkeypatch):
    # two facets: counted from the rows (one facet alone is a stored count: see above)
    f = ClaimFilter(modality="factual", published="2021")
    n = demo.index.count(f)
    assert n > 3
    assert demo.index.count_capped(f, cap=3) == (3, False)
    assert demo.index.count_capped(f, cap=n) == (n, True)
    page = demo.index.search(f, limit=2)
    assert (page.total, page.total_exact) == (n, True)
    # no time at all: every counted facet gives up (None), none is wrong
    assert set(demo.index.facets(ClaimFilter(modality="event", published="2021"), time_limit_ms=0).values()) == {None}
    # over the cap: no facets at all ("narrow the filter"), except for one facet alone
    import kb.derived.claims_search as search_module    # where COUNT_CAP is read

    assert all(v is not None for v in demo.index.facets(f).values())
    monkeypatch.setattr(search_module, "COUNT_CAP", 3)
    demo.index._changed()
    assert set(demo.index.facets(f).values()) == {None}
    assert demo.index.search(ClaimFilter(modality="factual")).total_exact
    # the unfiltered and one-facet facets are stored counts: never timed out
    assert all(v for v in demo.index.facets(ClaimFilter(), time_limit_ms=0).values())
    assert all(v for v in demo.index.facets(ClaimFilter(modality="event"), time_limit_ms=0).values())


def test_full_text_pages_sorted_by_the_narrow_keys_equal_the_rows_order(demo):
    """Few matches are sorted by the keys kept in claim_facets: page after page, the
    same claims in the same order as sorting their claims rows, after writes too."""
    from kb.derived.claims_index import SORTS, fts_query

    def check():
        for q in ("Taliban", "border", '"more than"', "sold", "zzzz-none"):
            match = fts_query(q)
            for sort, (column, direction) in SORTS.items():
                expected = [r[0] for r in demo.index._db().execute(
                    f"SELECT iri FROM claims WHERE rowid IN (SELECT rowid FROM claims_fts WHERE "
                    f"claims_fts MATCH ?) ORDER BY {column} {direction}, rowid {direction}", (match,))]
                got, after = [], None
                while True:
                    page = demo.index.search(ClaimFilter(q=q), sort=sort, after=after, limit=4)
                    got += [r["iri"] for r in page.rows]
                    assert all(r["statement"] is not None for r in page.rows)   # whole rows
                    if not page.next_cursor:
                        break
                    after = page.next_cursor
                assert got == expected, (q, sort)
                if q == "Taliban":
                    assert len(expected) >= 5

    check()
    rows = list(demo.index.iter_claims())
    demo.delete_claims([rows[5]["iri"]])
    demo.reindex()
    check()


def test_dense_full_text_walk_gives_the_same_pages(demo, monkeypatch):
    import kb.derived.claims_index as index_module

    def pages(sort):
        out, after = [], None
        while True:
            page = demo.index.search(ClaimFilter(q="Taliban"), sort=sort, after=after, limit=3)
            out += [r["iri"] for r in page.rows]
            if not page.next_cursor:
                return out, page.total
            after = page.next_cursor

    walked = []
    original = index_module.ClaimIndex._dense
    for sort in ("published", "-about", "recorded"):
        sparse = pages(sort)
        assert sparse[1] >= 4
        monkeypatch.setattr(index_module.ClaimIndex, "_dense",
                            lambda self, q: walked.append(q) or True)
        demo.index._changed()
        dense = pages(sort)
        monkeypatch.setattr(index_module.ClaimIndex, "_dense", original)
        demo.index._changed()
        assert dense == sparse
    assert walked


def test_a_failed_index_update_keeps_the_write_and_heals_on_the_next_start(demo, monkeypatch):
    from dataclasses import replace as dc_replace

    from kb.ingest import claimsfile
    from kb.errors import StoreError
    from kb.derived.registry import STALE_MARKER

    path = __import__("pathlib").Path(__file__).resolve().parents[3] / "kb" / "demo" / "20-other-sources.yaml"
    rec = next(r for r in claimsfile.parse(demo, path).records
               if str(r.iri).endswith("/eurasianet-border-length"))
    new = dc_replace(rec, statement="Index failure test: the border is 1,357 km long.")

    def broken(*args, **kwargs):
        raise StoreError("disk I/O error")

    monkeypatch.setattr(type(demo.index), "refresh", broken)
    with pytest.raises(StoreError, match="the write was stored.*claimkb reindex"):
        demo.write_claims([new])
    monkeypatch.undo()
    assert demo.claim_view("eurasianet-border-length")["statement"] == new.statement  # kept
    marker = demo.settings.data_dir / STALE_MARKER
    assert marker.exists()
    assert demo.index.get(str(rec.iri))["statement"] != new.statement                   # stale
    assert demo.ensure_index() is True                     # what the next start does
    assert not marker.exists()
    assert demo.index.get(str(rec.iri))["statement"] == new.statement
    assert demo.ensure_index() is False


@pytest.mark.parametrize("version", ["4", "5"])
def test_an_older_index_is_upgraded_in_place(demo, version):
    """An index of schema 4 (publisher_entities, no facet_pairs) or 5 (no
    claim_facets) opens without a rebuild from the store: what it lacks is counted once
    from its rows."""
    from kb.derived.claims_index import SCHEMA_VERSION, ClaimIndex, _ROW_TRIGGERS, _trigger_names

    path = demo.index.path
    publisher = next(iter(demo.index._stored_facet("publisher", 1)))["value"]
    filters = [ClaimFilter(publisher=publisher), *_counted_filters(demo)]
    before = [demo.index.facets(f, limit=1000) for f in filters]
    db = demo.index._db()
    for name in _trigger_names(_ROW_TRIGGERS):
        db.execute(f"DROP TRIGGER {name}")
    db.execute("DROP TABLE claim_facets")
    db.execute("DROP TABLE facet_values")
    if version == "4":
        for name in _trigger_names():
            if name.endswith("paired"):
                db.execute(f"DROP TRIGGER {name}")
        db.execute("DROP TABLE facet_pairs")
        db.execute("CREATE TABLE publisher_entities (publisher TEXT, entity TEXT, n INTEGER)")
    db.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (version,))
    db.commit()
    reopened = ClaimIndex(path, demo.reader)
    try:
        assert reopened.built
        assert len(list(reopened.iter_claims())) == 62
        assert [reopened.facets(f, limit=1000, time_limit_ms=60_000) for f in filters] == before
        tables = {r[0] for r in reopened._db().execute("SELECT name FROM sqlite_master")}
        assert "publisher_entities" not in tables
        assert {"facet_pairs", "claim_facets", *_trigger_names(), *_trigger_names(_ROW_TRIGGERS)} <= tables
        assert reopened._meta(reopened._db(), "schema") == str(SCHEMA_VERSION)
        # and kept from there on
        demo.index.close()
        rows = list(reopened.iter_claims())
        reopened.remove([rows[0]["iri"]])
        for f in _counted_filters(demo):
            got = reopened.facets(f, limit=1000, time_limit_ms=60_000)
            expected = _reference_facets(demo, f)
            assert {k: {v["value"]: (v["label"], v["count"]) for v in got[k]} for k in got} == expected
    finally:
        reopened.close()


def test_prewarm_reads_the_facet_rows_and_reports_a_broken_file(demo, tmp_path):
    from kb.errors import StoreError
    from kb.derived.claims_index import ClaimIndex

    assert demo.index.prewarm() >= 0
    broken = tmp_path / "index.sqlite"
    index = ClaimIndex(broken, demo.reader)
    index.close()
    broken.write_bytes(b"not a database" * 100)
    with pytest.raises(StoreError, match="cannot read the claims index"):
        index.prewarm()


def test_an_index_with_lower_case_verdicts_is_upgraded(demo):
    """Schema 6 spelled verdicts "conflict"; 7 spells them as the API does ("CONFLICT"):
    the upgrade rewrites them and recounts, without a rebuild from the store."""
    from kb.derived.claims_index import SCHEMA_VERSION, ClaimIndex

    path = demo.index.path
    filters = [ClaimFilter(verdict="CONFLICT"), *_counted_filters(demo)]
    before = [demo.index.facets(f, limit=1000) for f in filters]
    db = demo.index._db()
    db.execute("UPDATE facet_values SET value = lower(value) WHERE facet = 'verdict'")
    db.execute("UPDATE claims SET verdict = lower(verdict)")
    db.execute("UPDATE meta SET value = '6' WHERE key = 'schema'")
    db.commit()
    demo.index.close()
    reopened = ClaimIndex(path, demo.reader)
    try:
        assert reopened._meta(reopened._db(), "schema") == str(SCHEMA_VERSION)
        assert [reopened.facets(f, limit=1000, time_limit_ms=60_000) for f in filters] == before
        assert any("CONFLICT" in {v["value"] for v in b.get("verdict") or []} for b in before)
    finally:
        reopened.close()
