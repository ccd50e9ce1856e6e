"""The names benchmark (bench/names.py) at a tiny size: its generator is deterministic
and writes names as claimkb does, its variants and typos are what the cases claim they
are, and its measuring functions run on a small KB. No timing assertions (issue #14's
numbers are in docs/benchmarks.md)."""
from __future__ import annotations

import json
import random

import pytest

from kb.model.names import NEAR_DUPLICATE, closeness, normalise

from tests.conftest import load_bench


@pytest.fixture(scope="module")
def nb():
    return load_bench("names")


@pytest.fixture(scope="module")
def synthetic(nb):
    return nb.build(400, seed=1)


def test_same_seed_same_names(nb, synthetic):
    assert nb.nquads(nb.build(400, seed=1)) == nb.nquads(synthetic)
    assert nb.nquads(nb.build(400, seed=2)) != nb.nquads(synthetic)


def test_shape_of_the_names(synthetic):
    entities = synthetic.entities
    assert len(entities) == 400
    assert all(1 <= len(e.label.split()) <= 6 for e in entities)
    assert any("-" in e.label or "\u2013" in e.label for e in entities)
    assert any(normalise(e.label) != e.label.lower() for e in entities)      # accents, dashes
    assert 0.2 < sum(1 for e in entities if e.aliases) / len(entities) < 0.4
    assert any(e.wikidata for e in entities)
    # every label, alias and key is one name only: no lookup is ambiguous
    norms = [normalise(e.label) for e in entities] + [normalise(a) for e in entities
                                                      for a in e.aliases]
    assert len(norms) == len(set(norms))
    assert len({e.iri for e in entities}) == len(entities)
    assert {p.label for p in synthetic.properties} >= {"length", "population"}
    assert synthetic.people and synthetic.publishers


def test_planted_duplicates_are_near_their_original(synthetic):
    by_iri = {str(e.iri): e for e in synthetic.entities}
    assert len(synthetic.planted) >= 3
    for dup, original in synthetic.planted:
        a, b = normalise(by_iri[dup].label), normalise(by_iri[original].label)
        assert a != b and closeness(a, b)[0] >= NEAR_DUPLICATE


def test_variants_and_typos(nb, synthetic):
    rng = random.Random(5)
    for e in synthetic.entities[:100]:
        variant = nb.written_another_way(rng, e.label)
        assert normalise(variant) == normalise(e.label)
        wrong = nb.typo(rng, e.label)
        if wrong is not None:
            assert normalise(wrong) != normalise(e.label)


def test_quads_are_claimkbs(nb, synthetic):
    from kb.model.iris import META

    quads = nb.quads(synthetic)
    assert {q[3] for q in quads} == {META}
    text = nb.nquads(synthetic).decode("utf-8")
    assert text.count("\n") == len(quads)
    assert "<https://w3id.org/claimkb/ns#Entity>" in text
    assert "<http://www.w3.org/2004/02/skos/core#altLabel>" in text
    assert "<http://www.w3.org/2002/07/owl#sameAs> <http://www.wikidata.org/entity/Q" in text


def test_percentile_and_timed(nb):
    assert nb.percentile([3, 1, 2], 50) == 2
    assert nb.percentile(list(range(1, 101)), 95) == 95
    calls = []
    result = nb.timed(calls.append, list(range(7)), warmup=2)
    assert calls == [0, 1, 2, 3, 4, 5, 6]
    assert result["calls"] == 5 and result["max"] >= result["p50"] >= 0


def test_measure_on_a_small_kb(nb, kb):
    syn = nb.build(300, seed=3)
    loaded = nb.load(kb, syn)
    assert loaded["indexed"] == len(syn.entities) + len(syn.properties) + len(syn.people) \
        + len(syn.publishers)
    rows, checks = nb.measure(kb, syn, calls=6, slow_calls=3, warmup=2)
    assert all(r["calls"] > 0 and r["p50"] >= 0 for r in rows)
    assert checks["find_hits"] == "8/8"
    assert checks["sparql_hits_written_another_way"] <= checks["sparql_hits_exact"]
    assert checks["near_found"].endswith("/3")
    assert checks["resolve_alias_resolved"] > 0
    assert "| case" in nb.table(rows)
    json.dumps({"rows": rows, "checks": checks})


@pytest.mark.slow
def test_dedupe_worker_finds_the_planted(nb, settings, tmp_path):
    from kb import KnowledgeBase

    syn = nb.build(300, seed=3)
    with KnowledgeBase.open(settings) as kb:
        nb.load(kb, syn)
    planted = tmp_path / "planted.json"
    planted.write_text(json.dumps(syn.planted))
    result = nb.run_dedupe(settings.data_dir, planted, timeout=120)
    assert result["planted"] == len(syn.planted) and result["planted_found"] == len(syn.planted)
    assert result["proposals"] >= len(syn.planted)
