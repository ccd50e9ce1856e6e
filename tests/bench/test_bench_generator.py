"""The benchmark data generator (bench/generate.py) and the load script (bench/load.py).

No timing assertions: these check that the synthetic data is deterministic, valid and
shaped as documented, and that the quick load benchmark runs end to end.
"""
from __future__ import annotations

import io
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from kb.model.claim import DateValue, EntityValue, TextValue
from kb.model.quantity import Quantity

from tests.conftest import load_bench

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"


@pytest.fixture(scope="module")
def gen():
    return load_bench("generate")


@pytest.fixture(scope="module")
def synthetic(gen):
    return gen.build(200, 10, seed=1)


def _nquads(gen, articles, records) -> bytes:
    out = io.BytesIO()
    gen.write_nquads(articles, records, out)
    return out.getvalue()


def test_same_seed_same_quads(gen):
    a1, r1 = gen.generate(200, 10, seed=1)
    a2, r2 = gen.generate(200, 10, seed=1)
    assert len(r1) == 200 and len(a1) == 10
    assert list(gen.iter_quads(a1, r1)) == list(gen.iter_quads(a2, r2))
    assert _nquads(gen, a1, r1) == _nquads(gen, a2, r2)
    a3, r3 = gen.generate(200, 10, seed=2)
    assert _nquads(gen, a3, r3) != _nquads(gen, a1, r1)


@pytest.mark.slow
def test_records_are_valid_claims(gen, kb):
    articles, records = gen.generate(200, 10, seed=1)
    assert kb.write_claims(records, articles) == 200
    assert kb.stats()["claims"] == 200
    report = kb.validate(raise_on_violation=False)
    assert report.conforms, report.text


def test_nquads_file_is_what_write_claims_stores(gen, kb, tmp_path):
    """The file holds the same quads as the store, apart from the article versions'
    recording time (write_claims stamps them with the clock) and the history graph
    (write_claims records each creation; a bulk-loaded file records none)."""
    import pyoxigraph as ox

    articles, records = gen.generate(200, 10, seed=1)
    kb.write_claims(records, articles)
    dump = io.BytesIO()
    kb.export(dump, "nquads")
    path = tmp_path / "claims.nq"
    gen.write_nquads(articles, records, path)

    def quads(data: bytes) -> set[str]:
        store = ox.Store()   # canonical literals (Oxigraph writes +00:00 as Z)
        store.load(data, ox.RdfFormat.N_QUADS)
        return {str(q) for q in store
                if not (q.predicate.value.endswith("#generatedAtTime") and "/versions/" in q.subject.value)
                and q.graph_name.value != "https://w3id.org/claimkb/graph/history"}

    assert quads(dump.getvalue()) == quads(path.read_bytes())


def _key(value):
    if isinstance(value, Quantity):
        return ("q", value.value, value.unit.code, value.qualifier.label)
    if isinstance(value, EntityValue):
        return ("e", value.entity.iri)
    if isinstance(value, DateValue):
        return ("d", value.date)
    return ("t", value.text)


def test_overlapping_groups_agree_and_differ(synthetic):
    groups = defaultdict(list)
    for rec in synthetic.records:
        if rec.has_content:
            groups[(rec.subject.iri, rec.predicate.iri)].append(_key(rec.value))
    overlapping = [values for values in groups.values() if len(values) >= 2]
    assert len(overlapping) >= 10
    assert any(len(set(values)) < len(values) for values in overlapping), "no equal values"
    assert any(len(set(values)) > 1 for values in overlapping), "no different values"
    relations = set(synthetic.labels.values())
    assert {"agree", "compatible", "conflict"} <= relations


def _contains(q: Quantity, x) -> bool:
    low, low_ex, high, high_ex = q.interval()
    above = low is None or (x > low if low_ex else x >= low)
    below = high is None or (x < high if high_ex else x <= high)
    return above and below


def test_relations_match_the_values(synthetic):
    """AGREE is the true figure, COMPATIBLE a bound containing it, CONFLICT excludes it."""
    facts = {f.index: f for f in synthetic.facts}
    seen = defaultdict(int)
    for rec in synthetic.records:
        relation = synthetic.labels[rec.iri]
        if relation == "none":
            assert not rec.has_content
            continue
        truth = facts[synthetic.fact_of[rec.iri]].truth
        v = rec.value
        if isinstance(v, Quantity):
            seen[relation] += 1
            if relation == "agree":
                assert v.value == truth and v.qualifier.label == "exact", rec.statement
            else:
                assert _contains(v, truth) == (relation == "compatible"), (rec.statement, truth)
        elif isinstance(v, EntityValue):
            assert (v.entity == truth) == (relation == "agree")
        elif isinstance(v, DateValue):
            inside = v.date.earliest <= truth <= v.date.latest
            assert inside == (relation != "conflict")
        else:
            assert isinstance(v, TextValue) and (v.text == truth) == (relation == "agree")
    assert min(seen["agree"], seen["compatible"], seen["conflict"]) > 0


def test_shape_of_the_data(gen, synthetic):
    info = gen.summary(synthetic)
    assert info["claims"] == 200 and info["articles"] == 10
    assert 0 < info["articles_with_text"] <= 10
    assert info["quoted_claims"] > 0
    assert set(info["modalities"]) >= {"Factual", "Event", "ReportedSpeech"}
    for rec in synthetic.records:
        if rec.anchor is not None:
            assert rec.statement == rec.anchor.exact
        if str(rec.modality).endswith("ReportedSpeech"):
            assert rec.speaker is not None
    texts = {a.url: a.text for a in synthetic.articles}
    assert all(a.publisher and a.published for a in synthetic.articles)
    assert any(t for t in texts.values())


@pytest.mark.slow
def test_load_quick_runs_end_to_end():
    # --quick's batch sizes on fewer claims: every method runs end to end, in a third of the time
    proc = subprocess.run([sys.executable, str(BENCH / "load.py"), "--claims", "600",
                           "--sources", "20", "--batch-sizes", "500,2000"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "| method" in out and "claims/s" in out and "peak RSS MB" in out
    for method in ("write_claims batch=500", "write_claims batch=2000",
                   "kb.import_file nquads", "pyoxigraph bulk_load", "pyoxigraph Store.load"):
        assert method in out, out
