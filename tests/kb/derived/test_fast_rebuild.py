"""The fast rebuild of the derived indexes (issue 15): the store's bulk reads give what
``values`` gives; a rebuild (claims index in bulk, comparisons in a child process, their
pairs judged in worker processes) equals the indexes the write path keeps, row for row;
a failure in the child leaves the old indexes and says why."""
from __future__ import annotations

import functools
import sqlite3

import pytest

import kb.derived.compare_index as compare_index
from kb.demo import build
from kb.errors import StoreError
from kb.store import sparql
from kb.store.embedded import EmbeddedStore
from tests.conftest import load_bench

ODD = """
<http://example.org/a> <http://example.org/p> "a,b\\"c\\nd\\r\\te" <http://example.org/g> .
<http://example.org/a> <http://example.org/p> _:b1 <http://example.org/g> .
<http://example.org/a> <http://example.org/p> "" <http://example.org/g> .
<http://example.org/a> <http://example.org/p> "_:not a blank node" <http://example.org/g> .
<http://example.org/a> <http://example.org/p> "01"^^<http://www.w3.org/2001/XMLSchema#integer> <http://example.org/g> .
<http://example.org/a> <http://example.org/p> "hi"@en <http://example.org/g> .
<http://example.org/a> <http://example.org/p> "é ü 中" <http://example.org/g> .
_:b1 <http://example.org/q> <http://example.org/a> <http://example.org/g> .
<http://example.org/a> <http://example.org/p> "meta" <https://w3id.org/claimkb/graph/metadata> .
<http://example.org/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://example.org/T> <https://w3id.org/claimkb/graph/metadata> .
<http://example.org/b> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://example.org/T> <https://w3id.org/claimkb/graph/metadata> .
"""


@pytest.mark.parametrize("on_disk", [False, True])
def test_bulk_reads_give_what_values_gives(tmp_path, on_disk):
    """Blank nodes, empty and escaped literals, numbers, languages: ``rows`` (CSV on the
    embedded store), ``describe``, ``graph_triples`` and ``subjects_of_type`` read the
    very strings ``values`` reads, and a read-only view in the same process reads them
    too."""
    store = EmbeddedStore(tmp_path / "store" if on_disk else None)
    store.load(ODD.encode(), "nquads")
    query = "SELECT ?s ?p ?o WHERE { GRAPH <http://example.org/g> { ?s ?p ?o } }"
    expected = [tuple(row) for row in store.values(query)[1]]
    assert sorted(tuple(row) for row in store.rows(query)) == sorted(expected)
    assert any(o == "" for _, _, o in expected) and any(o == "_:not a blank node" for _, _, o in expected)
    assert sorted(store.graph_triples(["http://example.org/g"])["http://example.org/g"]) == sorted(expected)
    assert store.describe(["http://example.org/a", "http://example.org/none"]) == {
        "http://example.org/a": {"http://example.org/p": ["meta"],
                                 "http://www.w3.org/1999/02/22-rdf-syntax-ns#type": ["http://example.org/T"]}}
    assert sorted(store.subjects_of_type("http://example.org/T")) == [
        "http://example.org/a", "http://example.org/b"]
    single = "SELECT ?o WHERE { GRAPH <http://example.org/g> { <http://example.org/a> ?p ?o } }"
    assert sorted(r[0] for r in store.rows(single)) == sorted(r[0] for r in store.values(single)[1])
    opener = store.view_opener()
    if not on_disk:
        assert opener is None
        return
    store.close()
    view = opener()
    try:
        assert sorted(tuple(row) for row in view.rows(query)) == sorted(expected)
    finally:
        view.close()


FACETS = ("publisher", "article", "property", "modality", "verdict", "published", "about")


def _claims_rows(kb) -> list:
    """The claims index as a reader sees it: every claim's row, its facet values by name
    (the numbers themselves may differ), its sort keys, full-text columns and entities,
    the stored counts."""
    db = kb.index._db()
    values = {i: (f, v) for i, f, v in db.execute("SELECT id, facet, value FROM facet_values")}
    facets = ", ".join(f"f.{name} AS f_{name}" for name in FACETS)
    rows = []
    for row in db.execute(f"SELECT c.*, {facets}, f.entities AS f_entities, f.sort_published, "
                          "f.sort_about, f.sort_recorded, t.statement AS t_statement, "
                          "t.quote AS t_quote, t.labels AS t_labels FROM claims c "
                          "JOIN claim_facets f ON f.claim = c.rowid "
                          "JOIN claims_fts t ON t.rowid = c.rowid ORDER BY c.iri"):
        row = dict(row)
        row.pop("rowid", None)
        for name in FACETS:
            row[f"f_{name}"] = values[row[f"f_{name}"]]
        row["f_entities"] = sorted(values[int(i)] for i in row["f_entities"].split(",") if i)
        rows.append(row)
    entities = db.execute("SELECT c.iri, e.entity, e.label, e.role FROM claim_entities e "
                          "JOIN claims c ON c.rowid = e.claim ORDER BY 1, 2, 4").fetchall()
    counts = db.execute("SELECT * FROM facet_counts WHERE n > 0 ORDER BY 1, 2").fetchall()
    pairs = db.execute("SELECT * FROM facet_pairs WHERE n > 0 ORDER BY 1, 2, 3, 4").fetchall()
    return [rows, [tuple(e) for e in entities], [tuple(c) for c in counts],
            [tuple(p) for p in pairs]]


def _comparisons(kb) -> list:
    """The comparison index by claim IRIs: each claim's group, fact and worst verdict,
    the facts, the verdicts (its numbering may differ: a rebuild sorts, writes append)."""
    db = kb.compare_index.conn()
    claims = {i: c for i, c in db.execute("SELECT id, claim FROM claims")}
    facts = {i: f for i, *f in db.execute(
        "SELECT id, ks, kp, kscope, start, conflicts, partials, compatibles, agrees, sources, claims "
        "FROM facts")}
    return [sorted((c, ks, kp, kscope, None if fact is None else tuple(facts[fact]), worst)
                   for c, ks, kp, kscope, fact, worst in db.execute(
                       "SELECT claim, ks, kp, kscope, fact, worst FROM claims")),
            sorted(tuple(f) for f in facts.values()),
            sorted((claims[a], claims[b], *rest) for a, b, *rest in db.execute("SELECT * FROM verdicts"))]


@pytest.fixture
def synthetic(kb):
    """600 generated claims from 30 sources, written in batches through the write path
    (bench/generate.py): its indexes are the ones every write keeps."""
    generate = load_bench("generate")
    articles, records = generate.generate(600, 30, seed=11, base_iri=kb.settings.base_iri)
    kb.write_claims(records[:100], articles)
    kb.comparison_report()                     # the comparison index exists: writes refresh it
    for start in range(100, len(records), 100):
        kb.write_claims(records[start:start + 100])
    return kb


def test_a_rebuild_equals_what_the_writes_kept(synthetic, monkeypatch):
    """Claims index (bulk fill) and comparison index (read and judged in a child
    process, its pairs judged in worker processes or not; or in this process), each
    claim's worst verdict included: the same rows after a rebuild as the writes kept
    them."""
    kb = synthetic
    written = _claims_rows(kb), _comparisons(kb)
    assert len(written[0][0]) == 600 and written[1][2]            # claims, verdicts
    assert any(row["verdict"] for row in written[0][0])            # some worst verdicts set
    kb.compare_index.in_child = True
    before = kb.index.path.stat().st_ino, kb.compare_index.path.stat().st_ino
    assert kb.reindex() == 600
    assert (kb.index.path.stat().st_ino, kb.compare_index.path.stat().st_ino) != before
    assert (_claims_rows(kb), _comparisons(kb)) == written
    monkeypatch.setattr(compare_index, "POOLED", 0)      # the child judges in worker processes,
    monkeypatch.setattr(compare_index, "JUDGED", 50)     # 50 claims a task
    kb.reindex()
    assert (_claims_rows(kb), _comparisons(kb)) == written
    kb.compare_index.in_child = False                    # and all in this process
    kb.reindex()
    assert (_claims_rows(kb), _comparisons(kb)) == written


def test_a_failure_in_the_child_process_leaves_the_old_indexes(kb, tmp_path, monkeypatch):
    """The child process cannot read the store: the rebuild fails with the child's
    message, and both old indexes stay as they were, with no file left beside them."""
    build(kb, force=True)
    claims, comparisons = _claims_rows(kb), _comparisons(kb)
    missing = tmp_path / "no-store-here"
    monkeypatch.setattr(kb.store, "view_opener",
                        lambda: functools.partial(EmbeddedStore.read_only, missing))
    kb.compare_index.in_child = True
    with pytest.raises(StoreError, match=r"comparison index rebuild failed.*cannot open the store"):
        kb.reindex()
    assert _claims_rows(kb) == claims and _comparisons(kb) == comparisons
    for index in (kb.index, kb.compare_index):
        assert not index.path.with_name(index.path.name + ".new").exists()
    assert not missing.exists()


def test_the_child_process_is_kept_for_big_stores(kb):
    """Below 5,000 claims the comparisons are rebuilt in this process (a child costs
    ~1 s to start); the query that decides reads one row at most."""
    build(kb, force=True)
    assert kb.store.view_opener() is not None
    assert kb.store.rows(sparql.load("claims_at_least.rq")) == []


def test_a_bulk_filled_index_takes_writes_like_any_other(synthetic):
    """After a rebuild (triggers and indexes put back, WAL again), a claim deleted and
    one rewritten keep the counts as the triggers keep them."""
    kb = synthetic
    kb.reindex()
    db = kb.index._db()
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    first = db.execute("SELECT iri FROM claims ORDER BY rowid LIMIT 1").fetchone()[0]
    kb.delete_claims([kb.claim_iri(first)])
    incremental = _claims_rows(kb)
    kb.reindex()
    assert _claims_rows(kb) == incremental
    with pytest.raises(sqlite3.IntegrityError):    # the unique IRI is still enforced
        db = kb.index._db()
        row = db.execute("SELECT iri, modality, article FROM claims LIMIT 1").fetchone()
        db.execute("INSERT INTO claims (iri, modality, article) VALUES (?, ?, ?)", tuple(row))
    kb.index._db().rollback()
