"""Comparison benchmark: the KB-wide report and per-subject / per-claim comparison on
the embedded store, on synthetic claims (bench/generate.py).

    python bench/compare.py --claims 100000 --sources 1000
    python bench/compare.py --claims 1000000 --sources 10000 --samples 100

The N-Quads file is generated once and cached (--cache-dir); each run bulk-loads it
into a fresh Oxigraph directory, then times, on that store:

* identity: reading owl:sameAs / equivalentProperty links and property traits;
* report: kb.compare.report() over the whole KB (every fact several sources speak
  about, all pairwise verdicts, conflicts first);
* subject: kb.compare.compare_subject() for --samples random subjects (p50/p95/max);
* claim: kb.compare.compare_claim() for --samples random claims (p50/p95/max);
* materialise (unless --no-materialise): computing and storing every verdict.

Times are wall-clock seconds on this machine; nothing else should run meanwhile.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from kb import compare  # noqa: E402
from kb.config import load_settings  # noqa: E402
from kb.knowledgebase import KnowledgeBase  # noqa: E402


def dataset(claims: int, sources: int, seed: int, cache: Path) -> Path:
    path = cache / f"claims-{claims}-{sources}-{seed}.nq"
    if not path.exists():
        import generate

        cache.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        articles, records = generate.generate(claims, sources, seed)
        tmp = path.with_suffix(".part")
        count = generate.write_nquads(articles, records, tmp)
        tmp.replace(path)
        print(f"generated {claims} claims, {count} quads in {time.perf_counter() - t:.1f} s "
              f"→ {path}", file=sys.stderr)
    return path


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - t


def percentiles(samples: list[float]) -> dict:
    ms = sorted(s * 1000 for s in samples)
    return {"p50_ms": round(statistics.median(ms), 2),
            "p95_ms": round(ms[max(0, int(len(ms) * 0.95) - 1)], 2),
            "max_ms": round(ms[-1], 2), "n": len(ms)}


def run(args) -> dict:
    nq = dataset(args.claims, args.sources, args.seed, args.cache_dir)
    with tempfile.TemporaryDirectory(prefix="claimkb-compare-") as tmp:
        store_dir = Path(tmp) / "kb"
        t = time.perf_counter()
        (store_dir / "store").mkdir(parents=True)
        raw = ox.Store(str(store_dir / "store"))
        raw.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
        raw.optimize()
        quads = len(raw)
        del raw
        load_s = time.perf_counter() - t
        settings = load_settings(env={}, data_dir=store_dir)
        out = {"claims": args.claims, "sources": args.sources, "quads": quads,
               "bulk_load_s": round(load_s, 1)}
        with KnowledgeBase.open(settings) as kb:
            rng = random.Random(args.seed)
            identity, out["identity_s"] = timed(compare.load_identity, kb)
            facts, seconds = timed(compare.report, kb)
            out["report_s"] = round(seconds, 2)
            out["report_facts"] = len(facts)
            out["report_verdicts"] = sum(len(f.verdicts) for f in facts)
            out["report_conflict_facts"] = sum(1 for f in facts if f.count("conflict"))
            names, rows = kb.store.values(
                "PREFIX ckb: <https://w3id.org/claimkb/ns#> SELECT DISTINCT ?s WHERE { GRAPH "
                "<https://w3id.org/claimkb/graph/metadata> { ?c ckb:subject ?s } }")
            subjects = [r[0] for r in rows]
            _, rows = kb.store.values(
                "PREFIX ckb: <https://w3id.org/claimkb/ns#> SELECT ?c WHERE { GRAPH "
                "<https://w3id.org/claimkb/graph/metadata> { ?c ckb:subject ?s } }")
            claims = [r[0] for r in rows]
            from rdflib import URIRef

            subject_times, claim_times = [], []
            for s in rng.sample(subjects, min(args.samples, len(subjects))):
                _, seconds = timed(compare.compare_subject, kb, URIRef(s))
                subject_times.append(seconds)
            for c in rng.sample(claims, min(args.samples, len(claims))):
                _, seconds = timed(compare.compare_claim, kb, c)
                claim_times.append(seconds)
            out["subject"] = percentiles(subject_times)
            out["claim"] = percentiles(claim_times)
            if not args.no_materialise:
                count, seconds = timed(compare.materialise, kb)
                out["materialise_s"] = round(seconds, 2)
                out["materialised"] = count
        out["identity_s"] = round(out["identity_s"], 3)
        out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--sources", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "claimkb-bench")
    parser.add_argument("--no-materialise", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    out = run(args)
    print(f"{'claims':>10} {'quads':>11} {'load s':>7} {'report s':>9} {'facts':>7} "
          f"{'verdicts':>9} {'subject p50/p95 ms':>19} {'claim p50/p95 ms':>17} {'mat. s':>7}")
    print(f"{out['claims']:>10} {out['quads']:>11} {out['bulk_load_s']:>7} {out['report_s']:>9} "
          f"{out['report_facts']:>7} {out['report_verdicts']:>9} "
          f"{out['subject']['p50_ms']:>9}/{out['subject']['p95_ms']:<9} "
          f"{out['claim']['p50_ms']:>8}/{out['claim']['p95_ms']:<8} "
          f"{out.get('materialise_s', '-'):>7}")
    print(json.dumps(out))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
