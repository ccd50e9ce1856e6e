"""Comparison benchmark: the KB-wide report and per-subject / per-claim comparison on
the embedded store, on synthetic claims (bench/generate.py).

    python bench/compare.py --claims 100000 --sources 1000
    python bench/compare.py --claims 1000000 --sources 10000 --samples 100

The N-Quads file is generated once and cached (--cache-dir); each run bulk-loads it
into a fresh Oxigraph directory, then times, on that store:

* identity: reading owl:sameAs / equivalentProperty links and property traits;
* reindex: kb.compare_index.rebuild() (the comparison index from the store);
* report: kb.comparisons.report() over the whole KB (the ordered list of facts), then
  reading every fact's claims and verdicts as objects (report_full), a page of 50
  facts, and report_counts(); streaming every verdict as plain rows
  (kb.comparisons.report_rows: report_rows_s) and writing them as CSV, as
  `claimkb compare --format csv` does (report_csv_s);
* subject: kb.comparisons.compare_subject() for --samples random subjects (p50/p95/max);
* claim: kb.comparisons.compare_claim() for --samples random claims (p50/p95/max);
* worst_verdicts for all claims and for 200;
* refresh: KnowledgeBase.refresh_comparisons after a write of 1, 10, 100, 1000
  claims, and after an owl:sameAs between two subjects;
* materialise (unless --no-materialise): storing every verdict as RDF.

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


sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402
from kb.services import compare  # noqa: E402
from kb.config import load_settings  # noqa: E402
from kb.knowledgebase import KnowledgeBase  # noqa: E402


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - t


def percentiles(samples: list[float]) -> dict:
    ms = sorted(s * 1000 for s in samples)
    return {"p50_ms": round(statistics.median(ms), 2),
            "p95_ms": round(ms[max(0, int(len(ms) * 0.95) - 1)], 2),
            "max_ms": round(ms[-1], 2), "n": len(ms)}


def _store(args, nq: Path, base: Path) -> tuple[Path, float]:
    """A data directory whose store holds ``nq``: bulk-loaded now, or reused (--keep)."""
    store_dir = base / "kb"
    if (store_dir / "store").exists() and args.keep:
        return store_dir, 0.0
    return store_dir, generate.bulk_load(nq, store_dir)


def note(out: dict) -> None:
    """Progress: the results so far, on stderr (a long run killed part-way keeps them)."""
    print(json.dumps(out, default=str), file=sys.stderr, flush=True)


def run(args) -> dict:
    from rdflib import URIRef

    from kb.derived import compare_index
    from kb.model.iris import COMPARISONS

    nq = generate.cached_nquads(args.claims, args.sources, args.seed, args.cache_dir,
                                log=lambda msg: print(msg, file=sys.stderr))
    with tempfile.TemporaryDirectory(prefix="claimkb-compare-") as tmp:
        store_dir, load_s = _store(args, nq, args.keep or Path(tmp))
        (store_dir / compare_index.FILE).unlink(missing_ok=True)
        settings = load_settings(env={}, data_dir=store_dir)
        out = {"claims": args.claims, "sources": args.sources, "bulk_load_s": round(load_s, 1)}
        with KnowledgeBase.open(settings) as kb:
            # a kept store may hold an earlier run's comparison graph: start without it
            kb.store.update(f"CLEAR SILENT GRAPH <{COMPARISONS}>")
            out["quads"] = kb.store.quad_count()
            rng = random.Random(args.seed)
            _, out["identity_s"] = timed(kb.reader.identity)
            counts, seconds = timed(kb.compare_index.rebuild)
            out["reindex_s"] = round(seconds, 1)
            out["index"] = counts
            out["index_mb"] = round((store_dir / compare_index.FILE).stat().st_size / 1e6)
            note(out)
            facts, seconds = timed(kb.comparisons.report)
            out["report_s"] = round(seconds, 2)
            out["report_facts"] = len(facts)
            _, seconds = timed(kb.comparisons.report, limit=50)
            out["report_page50_ms"] = round(seconds * 1000, 1)
            counted, seconds = timed(kb.comparisons.report_counts)
            out["report_counts_ms"] = round(seconds * 1000, 1)
            out["report_conflict_facts"] = counted["facts_with_conflict"]

            def read_all():
                n = 0
                for f in facts:
                    n += len(f.verdicts) + 0 * len(f.claims)
                return n
            out["report_verdicts"], seconds = timed(read_all)
            out["report_full_s"] = round(out["report_s"] + seconds, 2)
            del facts

            def stream():
                return sum(1 for _ in kb.comparisons.report_rows())

            def stream_csv():
                # what `claimkb compare --format csv` does for the whole KB, to /dev/null
                import csv
                import os
                columns = ["subject", "property", "scope", "a", "b", "verdict", "severity",
                           "absolute_difference", "relative_difference", "reason"]
                n = 0
                with open(os.devnull, "w", newline="") as sink:
                    writer = csv.writer(sink)
                    writer.writerow(columns)
                    for row in kb.comparisons.report_rows():
                        writer.writerow(["" if row[c] is None else row[c] for c in columns])
                        n += 1
                return n
            out["report_rows"], seconds = timed(stream)
            out["report_rows_s"] = round(seconds, 2)
            _, seconds = timed(stream_csv)
            out["report_csv_s"] = round(seconds, 2)
            note(out)
            worst, seconds = timed(kb.comparisons.worst_verdicts)
            out["worst_all_s"] = round(seconds, 2)
            out["worst_claims"] = len(worst)
            idx = kb.compare_index
            subjects = [r[0] for r in idx.conn().execute("SELECT DISTINCT subject FROM claims")]
            claims = [r[0] for r in idx.conn().execute("SELECT claim FROM claims")]
            subject_times, claim_times = [], []
            for s in rng.sample(subjects, min(args.samples, len(subjects))):
                _, seconds = timed(kb.comparisons.compare_subject, URIRef(s))
                subject_times.append(seconds)
            for c in rng.sample(claims, min(args.samples, len(claims))):
                _, seconds = timed(kb.comparisons.compare_claim, c)
                claim_times.append(seconds)
            sample = rng.sample(claims, min(200, len(claims)))
            _, seconds = timed(kb.comparisons.worst_verdicts, sample)
            out["worst_200_ms"] = round(seconds * 1000, 1)
            out["subject"] = percentiles(subject_times)
            out["claim"] = percentiles(claim_times)
            note(out)
            # incremental refresh, as after a write of N claims (re-read from the store,
            # their groups recomputed), on claims already there
            out["refresh"] = {}
            for n in (1, 10, 100, 1000):
                batch = [URIRef(c) for c in rng.sample(claims, n)]
                touched, seconds = timed(kb.indexes.refresh_comparisons, batch)
                out["refresh"][n] = {"s": round(seconds, 3), "touched": len(touched)}
                note(out)
            if args.check:
                old, seconds = timed(lambda: compare.group_facts(kb.reader.facts_matching(),
                                                                  kb.reader.identity()))
                out["check_old_report_s"] = round(seconds, 1)
                new = kb.comparisons.report()
                def flat(fs):
                    return sorted((f.subject, f.property, f.scope or "", v.a, v.b, v.verdict,
                                   v.reason) for f in fs for v in f.verdicts)
                out["check_equal"] = flat(old) == flat(new) and [
                    (f.subject, f.property, len(f.claims)) for f in old] == [
                    (f.subject, f.property, len(f.claims)) for f in new]
                del old, new
            # an identity change: two subjects declared owl:sameAs, then refreshed
            a, b = rng.sample(subjects, 2)
            while idx.canonical(a) == idx.canonical(b) or idx.has_equivalents(a):
                a, b = rng.sample(subjects, 2)     # not linked yet (a kept store may be)
            kb.store.update(f"INSERT DATA {{ GRAPH <https://w3id.org/claimkb/graph/metadata> "
                            f"{{ <{a}> <http://www.w3.org/2002/07/owl#sameAs> <{b}> }} }}")
            touched, seconds = timed(kb.indexes.refresh_comparisons, [])
            out["refresh_same_as"] = {"s": round(seconds, 3), "touched": len(touched)}
            note(out)
            if not args.no_materialise:
                count, seconds = timed(kb.comparisons.materialise)
                out["materialise_s"] = round(seconds, 2)
                out["materialised"] = count
                batch = [URIRef(c) for c in rng.sample(claims, 100)]
                _, seconds = timed(kb.indexes.refresh_comparisons, batch)
                out["refresh_materialised_100_s"] = round(seconds, 3)
            idx.close()
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
    parser.add_argument("--keep", type=Path, help="data directory to bulk-load into and keep "
                        "(reused as is when its store exists: skips the load)")
    parser.add_argument("--check", action="store_true",
                        help="also compute the report the old way (SPARQL + Python) and "
                             "check the index gives the same facts and verdicts")
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
