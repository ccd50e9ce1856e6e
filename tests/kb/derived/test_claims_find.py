"""Finding claims in the claims index (issue #17, "Find things"): several values per
facet (OR within a facet, AND across facets) with keyset pages that neither skip nor
repeat, facet counts that leave out their own choice, "more" beyond 12 values, and the
sorts by relevance (FTS5 bm25) and by the severity of a claim's verdicts; the same from
`claimkb list`."""
from __future__ import annotations

import json

import pytest

from kb.demo import build
from kb.derived.claims_index import (
    FACETS, SEVERITY_ORDER, ClaimFilter, decode_cursor, encode_cursor)
from kb.errors import InputError

from tests.conftest import SEED_ARTICLE


@pytest.fixture
def demo(kb):
    build(kb, force=True)
    return kb


def _rows(kb, where: str = "1", params=()) -> list[dict]:
    """The claims rows matching ``where``, read straight from the index's table."""
    return [dict(r) for r in kb.index._db().execute(
        f"SELECT rowid AS rowid, * FROM claims WHERE {where}", params)]


def _top(kb, name: str, n: int = 2) -> list[str]:
    return [v["value"] for v in kb.index.facets(ClaimFilter(), names=[name], limit=n)[name]]


def _pages(kb, f, sort, size=4) -> list[str]:
    seen, after = [], None
    while True:
        page = kb.index.search(f, sort=sort, after=after, limit=size)
        seen += [r["iri"] for r in page.rows]
        assert len(page.rows) <= size
        if page.next_cursor is None:
            return seen
        after = page.next_cursor


def _expected_order(rows, sort) -> list[str]:
    """``rows`` in ``sort`` order, worked out in Python (keys then rowid)."""
    if sort == "severity":
        key = [(SEVERITY_ORDER.index(r["verdict"]), r["published"], r["rowid"]) for r in rows]
        order = sorted(range(len(rows)), key=lambda i: (key[i][0], _neg(key[i][1]), -key[i][2]))
        return [rows[i]["iri"] for i in order]
    column, reverse = {"published": ("published", True), "-published": ("published", False),
                       "about": ("about_earliest", True), "-about": ("about_earliest", False),
                       "recorded": ("recorded", True), "id": ("iri", False)}[sort]
    return [r["iri"] for r in sorted(rows, key=lambda r: (r[column], r["rowid"]), reverse=reverse)]


def _neg(text: str) -> tuple:
    """A sort key that orders strings the other way round."""
    return tuple(-ord(c) for c in text) + (1,)


# ---------------------------------------------------------------- several values

def test_two_values_of_a_facet_match_either(demo):
    a, b = _top(demo, "publisher")
    f = ClaimFilter(publisher=(a, b))
    expected = _rows(demo, "publisher IN (?, ?)", (a, b))
    page = demo.index.search(f, limit=500)
    assert {r["iri"] for r in page.rows} == {r["iri"] for r in expected}
    assert page.total == demo.index.count(f) == len(expected) == \
        demo.index.count(ClaimFilter(publisher=a)) + demo.index.count(ClaimFilter(publisher=b))
    # AND across facets: two publishers and two modalities
    g = ClaimFilter(publisher=(a, b), modality=("factual", "reported-speech"))
    both = _rows(demo, "publisher IN (?, ?) AND modality IN ('factual', 'reported-speech')", (a, b))
    assert 0 < len(both) < len(expected)
    assert {r["iri"] for r in demo.index.search(g, limit=500).rows} == {r["iri"] for r in both}
    # a string is one value; repeats and blanks are dropped
    assert ClaimFilter(publisher=a) == ClaimFilter(publisher=[a, a, " "])
    assert ClaimFilter(verdict=["conflict", "none"]).verdict == ("CONFLICT", "none")


@pytest.mark.parametrize("sort", ["published", "-published", "about", "recorded", "id", "severity"])
def test_keyset_pages_with_several_values_give_every_claim_once_in_order(demo, sort):
    a, b = _top(demo, "publisher")
    for f, where, params in [
        (ClaimFilter(publisher=(a, b)), "publisher IN (?, ?)", (a, b)),
        (ClaimFilter(publisher=(a, b), modality=("factual", "reported-speech")),
         "publisher IN (?, ?) AND modality IN ('factual', 'reported-speech')", (a, b)),
        (ClaimFilter(verdict=("conflict", "none"), q="border"),
         "verdict IN ('CONFLICT', '') AND rowid IN (SELECT rowid FROM claims_fts "
         "WHERE claims_fts MATCH 'border*')", ()),
        (ClaimFilter(published=("2021-07-05", "2021-07-09")),
         "published IN ('2021-07-05', '2021-07-09')", ()),
    ]:
        expected = _expected_order(_rows(demo, where, params), sort)
        assert len(expected) > 4, f
        assert _pages(demo, f, sort) == expected, (f, sort)


@pytest.mark.parametrize("dense", [False, True])
def test_words_alone_sorted_by_severity(demo, monkeypatch, dense):
    """Words alone: few matches are sorted by the narrow keys in claim_facets, many
    walk the date index (DENSE_MATCHES); by severity, one verdict after the other."""
    import kb.derived.claims_search as search_module

    if dense:
        monkeypatch.setattr(search_module, "DENSE_MATCHES", 1)
    demo.index._changed()
    expected = _expected_order(_rows(demo, "rowid IN (SELECT rowid FROM claims_fts WHERE "
                                           "claims_fts MATCH 'border*')"), "severity")
    assert len(expected) > 10
    assert _pages(demo, ClaimFilter(q="border"), "severity", size=3) == expected


def test_facet_counts_leave_out_their_own_choice(demo):
    """A facet chosen from is counted with the other filters only (so a second value can
    be added); the others with every filter; the chosen values are ticked."""
    a, b = _top(demo, "publisher")
    f = ClaimFilter(publisher=(a, b), modality="factual")
    lists = demo.index.facet_lists(f, limit=1000)

    def counted(where, params, name):
        value_sql = FACETS[name][0]
        source = ("claim_entities JOIN claims ON claims.rowid = claim_entities.claim"
                  if name == "entity" else "claims")
        return {r[0]: r[1] for r in demo.index._db().execute(
            f"SELECT {value_sql}, count(*) FROM {source} WHERE {where} AND {value_sql} != '' "
            f"GROUP BY 1", params)}

    got = {name: {v["value"]: v["count"] for v in lists[name]["values"]} for name in FACETS}
    assert got["publisher"] == counted("claims.modality = 'factual'", (), "publisher")
    assert got["modality"] == counted("claims.publisher IN (?, ?)", (a, b), "modality")
    for name in ("article", "entity", "property", "verdict", "published", "about"):
        assert got[name] == counted("claims.publisher IN (?, ?) AND claims.modality = 'factual'",
                                    (a, b), name), name
    assert len(got["publisher"]) > 2 and len(got["modality"]) > 1
    ticked = {name: {v["value"] for v in lists[name]["values"] if v["selected"]} for name in FACETS}
    assert ticked == {**{name: set() for name in FACETS}, "publisher": {a, b}, "modality": {"factual"}}


def test_a_chosen_value_beyond_the_top_is_still_listed_with_its_count(demo):
    values = demo.index.facets(ClaimFilter(), names=["publisher"], limit=100)["publisher"]
    assert len(values) > 13
    last = values[-1]
    lists = demo.index.facet_lists(ClaimFilter(publisher=last["value"]))
    shown = lists["publisher"]["values"]
    assert len(shown) == 13 and shown[-1] == dict(last, selected=True)
    assert not any(v["selected"] for v in shown[:12])


def test_more_than_twelve_values_show_twelve_and_more(demo):
    total = len(demo.index.facets(ClaimFilter(), names=["publisher"], limit=1000)["publisher"])
    assert total > 12
    lists = demo.index.facet_lists(ClaimFilter())
    assert len(lists["publisher"]["values"]) == 12 and lists["publisher"]["more"] is True
    counts = [v["count"] for v in lists["publisher"]["values"]]
    assert counts == sorted(counts, reverse=True)           # the most claims first
    assert lists["modality"]["more"] is False
    shown = demo.index.facet_lists(ClaimFilter(), more="publisher")
    assert len(shown["publisher"]["values"]) == total and shown["publisher"]["more"] is False
    assert len(shown["entity"]["values"]) == 12              # only the facet asked for
    # past its own cap, "more" says there are more still, and finds values by name
    capped = demo.index.facet_lists(ClaimFilter(), more="publisher", more_limit=5)
    assert len(capped["publisher"]["values"]) == 5 and capped["publisher"]["more"] is True
    found = demo.index.facet_lists(ClaimFilter(), more="publisher", value_q="NEWS")["publisher"]
    labels = [v["label"] for v in found["values"]]
    assert labels and all("news" in label.lower() for label in labels)
    # the same on a filtered view (pairs, counted) and with a LIKE wildcard taken literally
    for f in (ClaimFilter(modality="factual"), ClaimFilter(modality="factual", q="border")):
        found = demo.index.facet_lists(f, more="entity", value_q="border")["entity"]["values"]
        assert found and all("border" in v["label"].lower() for v in found), f
        assert demo.index.facet_lists(f, more="entity", value_q="%")["entity"]["values"] == []
    with pytest.raises(InputError, match="unknown facet"):
        demo.index.facet_lists(ClaimFilter(), more="colour")


# ---------------------------------------------------------------- sorts

RIVERS = """
claimkb: 1
articles:
  a:
    publisher: Daily Planet
    published: 2021-07-01
    title: Water levels
  b:
    publisher: Morning Star
    published: 2021-07-02
    title: Weather report
claims:
  - {{id: once, article: b, statement: "The Vakhsh river rose by two metres on Monday."}}
  - {{id: thrice, article: a, statement: "The river, the river and again the river rose."}}
  - {{id: twice, article: a, statement: "One river rose and another river fell that day."}}
  - {{id: filler-1, article: a, statement: "Rain fell over Dushanbe for three days."}}
  - {{id: filler-2, article: b, statement: "The harvest was smaller than last year."}}
  - {{id: filler-3, article: b, statement: "Prices of flour went up in July."}}
  - {{id: filler-4, article: a, statement: "Schools opened a week later than planned."}}
"""


@pytest.fixture
def rivers(kb, tmp_path):
    path = tmp_path / "rivers.yaml"
    path.write_text(RIVERS.format(seed=SEED_ARTICLE), encoding="utf-8")
    kb.import_file(path)
    return kb


def test_relevance_puts_the_best_match_first(rivers):
    f = ClaimFilter(q="river")
    page = rivers.index.search(f, sort="relevance", limit=10)
    ids = [rivers.iris.local_id(r["iri"]) for r in page.rows]
    assert ids == ["thrice", "twice", "once"]
    assert (page.sort, page.note) == ("relevance", None)
    scores = [r["score"] for r in page.rows]
    assert scores == sorted(scores)                      # bm25: lower is better
    # pages of one: the same order, every match once
    assert _pages(rivers, f, "relevance", size=1) == [r["iri"] for r in page.rows]
    # newest source first, the order differs
    assert [rivers.iris.local_id(r["iri"]) for r in rivers.index.search(f).rows] == ["once", "twice", "thrice"]
    # with a facet too: only its claims, still by rank
    g = ClaimFilter(q="river", publisher=page.rows[1]["publisher"])
    assert [rivers.iris.local_id(r["iri"]) for r in rivers.index.search(g, sort="relevance").rows] \
        == ["thrice", "twice"]


def test_relevance_without_words_or_with_too_many_matches_falls_back_to_date(rivers, monkeypatch):
    page = rivers.index.search(ClaimFilter(), sort="relevance", limit=3)
    assert page.sort == "published" and "search words" in page.note
    assert [r["iri"] for r in page.rows] == [r["iri"] for r in rivers.index.search(ClaimFilter(), limit=3).rows]
    import kb.derived.claims_search as search_module      # where RELEVANCE_CAP is read

    monkeypatch.setattr(search_module, "RELEVANCE_CAP", 2)
    rivers.index._changed()
    page = rivers.index.search(ClaimFilter(q="river"), sort="relevance")
    assert page.sort == "published" and "more than 2 claims match" in page.note


def test_severity_puts_conflicts_first(demo):
    rows = _rows(demo)
    page = demo.index.search(ClaimFilter(), sort="severity", limit=500)
    verdicts = [r["verdict"] for r in page.rows]
    conflicts = sum(1 for r in rows if r["verdict"] == "CONFLICT")
    assert conflicts >= 2 and verdicts[:conflicts] == ["CONFLICT"] * conflicts
    assert verdicts == sorted(verdicts, key=SEVERITY_ORDER.index)
    assert [r["iri"] for r in page.rows] == _expected_order(rows, "severity")
    assert _pages(demo, ClaimFilter(), "severity", size=5) == _expected_order(rows, "severity")
    # a verdict filter: only its ranks
    only = demo.index.search(ClaimFilter(verdict=("agree", "conflict")), sort="severity", limit=500)
    assert [r["verdict"] for r in only.rows] == sorted(
        (r["verdict"] for r in rows if r["verdict"] in ("AGREE", "CONFLICT")), key=SEVERITY_ORDER.index)


def test_sort_names_and_cursors_of_another_sort(demo):
    assert demo.index.search(ClaimFilter(), sort="date", limit=5).rows == \
        demo.index.search(ClaimFilter(), sort="published", limit=5).rows
    with pytest.raises(InputError, match="unknown sort 'loudest'.*relevance.*severity"):
        demo.index.search(ClaimFilter(), sort="loudest")
    severity = demo.index.search(ClaimFilter(), sort="severity", limit=3).next_cursor
    by_date = demo.index.search(ClaimFilter(), sort="published", limit=3).next_cursor
    with pytest.raises(InputError, match="another sort"):
        demo.index.search(ClaimFilter(), sort="published", after=severity)
    with pytest.raises(InputError, match="another sort"):
        demo.index.search(ClaimFilter(), sort="severity", after=by_date)
    with pytest.raises(InputError):
        demo.index.search(ClaimFilter(), sort="severity", after=encode_cursor(9, "2021", 1))
    assert decode_cursor(encode_cursor(-1.5, 3), (float, int)) == (-1.5, 3)


@pytest.mark.parametrize("sort", ["id", "published", "severity"])
def test_the_page_after_a_claim_starts_right_after_it(demo, sort):
    order = _pages(demo, ClaimFilter(), sort, size=100)
    claim = order[10]
    cursor = demo.index.cursor_at(claim, ClaimFilter(), sort)
    assert [r["iri"] for r in demo.index.search(ClaimFilter(), sort=sort, after=cursor, limit=3).rows] \
        == order[11:14]


# ---------------------------------------------------------------- claimkb list

@pytest.fixture
def demo_cli(cli):
    assert cli("demo").exit_code == 0
    return cli


def _listed(cli, *args) -> list[dict]:
    result = cli("list", "--format", "json", "--limit", "1000", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_cli_list_sort_severity_and_repeated_source(demo_cli):
    by_severity = _listed(demo_cli, "--sort", "severity")
    verdicts = [r["verdict"] or "" for r in by_severity]
    assert verdicts[0] == "CONFLICT" and verdicts == sorted(verdicts, key=SEVERITY_ORDER.index)
    # pages of 5 with --after: every claim once, in the same order
    seen, after = [], []
    while True:
        page = _listed(demo_cli, "--sort", "severity", "--limit", "5", *after)
        seen += [r["id"] for r in page]
        if len(page) < 5:
            break
        after = ["--after", page[-1]["id"]]
    assert seen == [r["id"] for r in by_severity]
    # --source twice: the claims of either
    one = _listed(demo_cli, "--source", "globinsider")
    other = _listed(demo_cli, "--source", "Asia-Plus")
    both = _listed(demo_cli, "--source", "globinsider", "--source", "Asia-Plus")
    assert one and other and {r["id"] for r in both} == {r["id"] for r in one} | {r["id"] for r in other}
    assert {r["publisherName"] for r in both} == {"Globinsider", "Asia-Plus"}
    # and a modality: both filters hold
    opinions = _listed(demo_cli, "--source", "globinsider", "--source", "Asia-Plus",
                       "--modality", "opinion", "--modality", "prediction")
    assert opinions and {r["modality"] for r in opinions} <= {"opinion", "prediction"}
    assert {r["id"] for r in opinions} < {r["id"] for r in both}


def test_cli_list_search_and_relevance(demo_cli):
    found = _listed(demo_cli, "--search", "border", "--sort", "relevance")
    assert found and all("border" in json.dumps(r).lower() for r in found)
    assert {r["id"] for r in found} == {r["id"] for r in _listed(demo_cli, "--search", "border")}
    first = demo_cli("list", "--search", "border", "--sort", "relevance", "--limit", "2")
    assert first.exit_code == 0 and f"next page: --after {found[1]['id']}" in first.stderr
    after = _listed(demo_cli, "--search", "border", "--sort", "relevance", "--after", found[1]["id"])
    assert [r["id"] for r in after] == [r["id"] for r in found[2:]]
    fallback = demo_cli("list", "--sort", "relevance", "--limit", "1")
    assert fallback.exit_code == 0 and "note: relevance needs search words" in fallback.stderr
    bad = demo_cli("list", "--sort", "loudest")
    assert bad.exit_code == 2 and "loudest" in bad.output
