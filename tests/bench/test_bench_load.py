"""The load test's pure helpers (bench/loadtest.py): percentiles, 5xx classes, the CPU
settle time, /proc parsing, URL discovery, the report, the targets and the table. The
60-second load itself is not run here."""
from __future__ import annotations

import pytest

from tests.conftest import load_bench


@pytest.fixture(scope="module")
def lt():
    return load_bench("loadtest")


def test_percentile_nearest_rank(lt):
    assert lt.percentile([], 50) is None
    assert lt.percentile([7], 95) == 7
    values = list(range(1, 101))          # 1..100
    assert lt.percentile(values, 50) == 50
    assert lt.percentile(values, 95) == 95
    assert lt.percentile(values, 100) == 100
    assert lt.percentile(reversed(values), 1) == 1
    assert lt.percentile([3, 1, 2], 50) == 2


def test_classify_5xx(lt):
    budget = b'{"error":"the query did not finish within the 2-second time budget of this endpoint"}'
    busy = b'{"error":"every query slot of this endpoint is busy (earlier queries are still running)"}'
    assert lt.classify_5xx("sparql", 503, budget) == "sparql-budget"
    assert lt.classify_5xx("sparql", 503, busy) == "sparql-busy"
    assert lt.classify_5xx("sparql", 500, budget) == "other"
    assert lt.classify_5xx("reader", 503, budget) == "other"      # only /sparql may say budget
    assert lt.classify_5xx("annotator", 502, "") == "other"


def test_settle_time(lt):
    assert lt.settle_time([]) is None
    assert lt.settle_time([(1.0, 0.01), (2.0, 0.0)]) == 0.0
    assert lt.settle_time([(1.0, 0.8), (2.0, 0.5), (3.0, 0.01), (4.0, 0.02)]) == 2.0
    # a busy second after a quiet one: settled only after it
    assert lt.settle_time([(1.0, 0.01), (2.0, 0.30), (3.0, 0.0)]) == 2.0
    assert lt.settle_time([(1.0, 0.01), (2.0, 0.06)]) is None
    assert lt.settle_time([(1.0, 0.05), (2.0, 0.049)]) == 1.0       # 5% is not under 5%


def test_parse_stat_and_process_tree(lt):
    line = ("4242 (python (claimkb) x) S 4000 4242 4242 0 -1 4194560 5000 0 0 0 "
            "150 25 0 0 20 0 13 0 100 0 0")
    assert lt.parse_stat(line) == (4000, 4242, 175)
    table = {1: (0, 1, 0), 10: (1, 10, 5), 11: (10, 10, 3), 12: (11, 10, 2),
             13: (1, 10, 1),       # reparented to init, still in the server's group
             20: (1, 20, 9), 21: (20, 20, 9)}
    assert lt.tree_pids(10, table) == {10, 11, 12, 13}
    assert lt.tree_pids(99, table) == set()
    assert lt.cpu_between({10: 100, 11: 50}, {10: 130, 12: 7}) == 37   # 11 gone, 12 new


def test_body_texts_and_iri_path(lt):
    assert lt.body_texts({"body": {"type": "TextualBody", "value": "a"}}) == ["a"]
    assert lt.body_texts({"body": [{"value": "a"}, "http://x/y", {"value": "b"}]}) == ["a", "b"]
    assert lt.body_texts({"bodyValue": "c"}) == ["c"]
    assert lt.body_texts({"body": {}}) == []
    assert lt.body_texts([]) == []
    assert lt.iri_path("http://localhost:5000/annotations/x") == "/annotations/x"
    assert lt.iri_path("https://example.org/a/b?c=1") == "/a/b?c=1"
    assert lt.iri_path(None) is None and lt.iri_path("urn:x:y") is None


def test_discover_builds_local_paths(lt):
    claims = {"claims": [
        {"id": "c1", "claim": "http://localhost:5000/claims/c1", "url": "/claims/c1",
         "statement": "The Taliban control the border crossing.",
         "publisher": "http://localhost:5000/publishers/afp",
         "subject": "http://localhost:5000/entities/border"},
        {"id": "c2", "claim": "http://localhost:5000/claims/c2",
         "statement": "Border guards said 347 refugees crossed.",
         "publisher": "http://localhost:5000/publishers/afp"}]}
    articles = {"articles": [{"article": "http://localhost:5000/articles/a1", "url_page": "/articles/a1"}]}
    compare = {"facts": [{"subject": "http://localhost:5000/entities/river"}]}
    found = lt.discover(claims, articles, compare)
    paths = {p for p, _ in found["urls"]}
    assert {"/claims", "/claims.json", "/compare", "/compare.json", "/articles", "/articles.json",
            "/annotations/", "/claims/c1", "/claims/c1.json", "/claims/c2", "/claims/c2.json",
            "/articles/a1", "/articles/a1.json", "/entities/border", "/entities/border.json",
            "/entities/river", "/publishers/afp", "/publishers/afp.json",
            "/claims?publisher=afp"} <= paths
    assert "border" in found["words"] and "/claims?q=border" in paths
    assert all(p.startswith("/") for p in paths)        # never another host
    assert dict(found["urls"])["/claims"] == "text/html"
    assert found["targets"] == ["http://localhost:5000/claims/c1", "http://localhost:5000/claims/c2",
                                "http://localhost:5000/publishers/afp"]


def test_page_kind(lt):
    assert lt.page_kind("/claims") == "/claims"
    assert lt.page_kind("/claims.json?q=border") == "/claims.json?q"
    assert lt.page_kind("/claims/abc") == "/claims/<id>"
    assert lt.page_kind("/claims/abc.json") == "/claims/<id>.json"
    assert lt.page_kind("/annotations/") == "/annotations/"
    assert lt.page_kind("/annotations/?page=1") == "/annotations/?page"
    assert lt.page_kind("/claims?publisher=afp&q=x") == "/claims?publisher&q"
    assert lt.page_kind("/") == "/"


def test_sparql_queries_use_named_graphs(lt):
    queries = lt.sparql_queries()
    assert len(queries) >= 2
    for _, q in queries:
        assert "GRAPH ?g" in q and "SERVICE" not in q.upper()


def _records(lt, *, busy=0, other=0, unanswered=0):
    rows = [("reader", "GET", 200, 0.010 * (i + 1), None, None, f"/claims/c{i % 7}")
            for i in range(100)]
    rows += [("reader", "GET", 200, 0.001, None, None, "/claims.json")]
    rows += [("annotator", "POST", 201, 0.05, None, None), ("annotator", "GET", 200, 0.02, None, None)]
    rows += [("sparql", "POST", 503, 2.0, None, "sparql-budget")] * 3
    rows += [("sparql", "POST", 503, 0.06, None, "sparql-busy")] * busy
    rows += [("reader", "GET", 500, 0.1, None, "other")] * other
    rows += [("reader", "GET", None, 30.0, "TimeoutError", None)] * unanswered
    return rows


def test_summarize_and_targets_met(lt):
    report = lt.summarize(_records(lt), seconds=10.0, failed_writes=0, failed_readbacks=0,
                          cpu_after=[(1.0, 0.9), (2.0, 0.01), (3.0, 0.0)], cpu_during=[1.0, 0.5])
    r = report["kinds"]["reader"]
    assert report["requests"] == 101 + 2 + 3
    assert r["requests"] == 101 and r["statuses"] == {"200": 101}
    assert r["p50_ms"] == 500.0 and r["p95_ms"] == 950.0 and r["max_ms"] == 1000.0
    assert r["per_s"] == 10.1
    pages = report["reader_pages"]
    assert list(pages) == ["/claims/<id>", "/claims.json"]        # slowest p95 first
    assert pages["/claims/<id>"]["requests"] == 100 and pages["/claims.json"]["max_ms"] == 1.0
    assert report["kinds"]["sparql"]["5xx_budget"] == 3 and report["5xx_budget"] == 3
    assert report["5xx_other"] == 0 and report["unanswered"] == 0
    assert set(report["annotator_ops"]) == {"annotator GET", "annotator POST"}
    assert report["cpu"]["settled_after_s"] == 1.0
    assert report["cpu"]["during_load_cores_mean"] == 0.75
    assert lt.evaluate(report) == []
    table = lt.format_table(report)
    for needle in ("reader", "sparql", "annotator POST", "p95 ms", "200:101", "503:3", "/claims/<id>",
                   "under 5% of a core after: 1 s"):
        assert needle in table


def test_targets_missed(lt):
    report = lt.summarize(_records(lt, busy=4, other=2, unanswered=1), seconds=10.0,
                          failed_writes=1, failed_readbacks=2,
                          cpu_after=[(float(t), 0.6) for t in range(1, 21)], cpu_during=[],
                          server_exit=-11)
    assert report["5xx_other"] == 6 and report["unanswered"] == 1
    assert report["kinds"]["reader"]["unanswered_errors"] == {"TimeoutError": 1}
    assert report["kinds"]["reader"]["p50_ms"] is not None     # unanswered not in latencies
    assert report["kinds"]["reader"]["max_ms"] == 1000.0
    missed = " | ".join(lt.evaluate(report))
    for needle in ("6 5xx", "'every slot busy' 503 4", "1 failed annotation writes",
                   "2 failed annotation read-backs", "1 unanswered", "exited", "not under 5%"):
        assert needle in missed
    late = lt.summarize([], seconds=1.0, failed_writes=0, failed_readbacks=0,
                        cpu_after=[(float(t), 0.5 if t <= 16 else 0.0) for t in range(1, 21)],
                        cpu_during=[])
    assert late["cpu"]["settled_after_s"] == 16.0
    assert lt.evaluate(late) == ["server CPU under 5% of a core only after 16 s (target 15 s)"]
    assert "not within the window" in lt.format_table(report)
