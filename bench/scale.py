"""Scale benchmark (issue #15): importing and re-indexing 10k, 100k and 1M claims, side by
side with pyoxigraph's own bulk loader on the same file in the same run.

    python bench/scale.py --sizes 10000,100000,1000000 --json /tmp/scale.json
    python bench/scale.py --quick                  # 2,000 claims, a minute

For each size, bench/generate.py's N-Quads file (cached in --cache-dir, sources = claims
/ 100) and three steps, each in a fresh process and a fresh directory:

- ``pyoxigraph bulk_load``: ``Store(dir).bulk_load(path=file)`` then ``flush``: the
  reference rate (not atomic, no checks, no indexes).
- ``claimkb import``: ``KnowledgeBase.import_file`` with the streaming path for every
  size (``bulk_import_bytes=0``): the file checked claim by claim while a child process
  bulk-loads it into a copy of the store, the swap, then every derived index rebuilt,
  so that list, facets, search and compare work at the end. "check+load" and
  "indexes" split its seconds.
- ``claimkb reindex``: every derived index rebuilt from the store the import made.

Seconds are wall clock. CPU s and peak RSS are the step's process and, separately, its
child processes (the bulk loader, the comparison index builder): ``ru_maxrss`` of the
children is the largest one child reached, so "RSS MB" (the process) + "children MB"
bounds what the step held at once. The load average is printed: above ~1 while a step
ran, something else shared the two cores.
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from runinfo import RESULT, loadavg, machine, worker_result  # noqa: E402


def _usage() -> dict:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"cpu_s": round(me.ru_utime + me.ru_stime, 1),
            "children_cpu_s": round(kids.ru_utime + kids.ru_stime, 1),
            "rss_mb": round(me.ru_maxrss / 1024), "children_rss_mb": round(kids.ru_maxrss / 1024)}


def _emit(**result) -> None:
    result.update(_usage())
    print(RESULT + json.dumps(result), flush=True)


def worker_bulk(args) -> None:
    import pyoxigraph as ox

    t = time.perf_counter()
    store = ox.Store(str(args.dir))
    store.bulk_load(path=str(args.nq), format=ox.RdfFormat.N_QUADS)
    store.flush()
    quads = len(store)
    _emit(step="pyoxigraph bulk_load", seconds=time.perf_counter() - t, quads=quads)


def _open(data_dir: Path):
    from dataclasses import replace

    from kb import KnowledgeBase, load_settings

    settings = replace(load_settings(env={}, data_dir=data_dir), bulk_import_bytes=0)
    return KnowledgeBase.open(settings)


def worker_import(args) -> None:
    marks: dict[str, float] = {}
    t = time.perf_counter()
    with _open(args.dir) as kb:
        def status(line: str) -> None:
            if line.startswith("loaded in"):
                marks["loaded"] = time.perf_counter()

        report = kb.import_file(args.nq, "nquads", status=status)
        seconds = time.perf_counter() - t
        claims = kb.index.stats()["claims"]
        quads = kb.store.quad_count()
    loaded = marks.get("loaded", t) - t
    _emit(step="claimkb import", seconds=seconds, check_load_s=round(loaded, 1),
          indexes_s=round(seconds - loaded, 1), quads=quads, claims=claims,
          parsed=report.quads)


def worker_reindex(args) -> None:
    with _open(args.dir) as kb:
        t = time.perf_counter()
        claims = kb.reindex()
        seconds = time.perf_counter() - t
    _emit(step="claimkb reindex", seconds=seconds, claims=claims)


WORKERS = {"bulk": worker_bulk, "import": worker_import, "reindex": worker_reindex}


def run(worker: str, nq: Path, directory: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--worker", worker, "--nq", str(nq),
                           "--dir", str(directory)], capture_output=True, text=True, cwd=ROOT)
    return worker_result(proc, worker)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--steps", default="bulk,import,reindex")
    parser.add_argument("--quick", action="store_true", help="2,000 claims only")
    parser.add_argument("--cache-dir", type=Path,
                        default=Path(tempfile.gettempdir()) / "claimkb-bench")
    parser.add_argument("--workdir", type=Path, help="where the stores go (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the stores")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--nq", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        WORKERS[args.worker](args)
        return 0

    import generate

    sizes = [2000] if args.quick else [int(s) for s in args.sizes.split(",")]
    steps = args.steps.split(",")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="claimkb-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"claimkb scale benchmark: sizes {', '.join(f'{n:,}' for n in sizes)}")
    print("machine: " + json.dumps(machine("pyoxigraph")))
    results = []
    for n in sizes:
        nq = generate.cached_nquads(n, max(1, n // 100), 1, args.cache_dir)
        size_mb = nq.stat().st_size / 1e6
        kb_dir = work / f"kb-{n}"
        for step in steps:
            directory = work / f"bulk-{n}" if step == "bulk" else kb_dir
            if step != "reindex":
                shutil.rmtree(directory, ignore_errors=True)
            before = loadavg()
            r = run(step, nq, directory)
            r.update(claims_in_file=n, file_mb=round(size_mb), load_before=before,
                     load_after=loadavg())
            results.append(r)
            print(f"  {n:>9,} {r['step']:<22} {r['seconds']:8.1f} s  cpu {r['cpu_s']:7.1f} "
                  f"+ children {r['children_cpu_s']:7.1f}  rss {r['rss_mb']:6,} MB "
                  f"(child {r['children_rss_mb']:,} MB)  load {before} → {r['load_after']}",
                  flush=True)
            if step == "bulk" and not args.keep:
                shutil.rmtree(directory, ignore_errors=True)
        if not args.keep:
            shutil.rmtree(kb_dir, ignore_errors=True)
    print()
    print("| claims | step | seconds | quads/s | vs bulk_load | CPU s (+children) | peak RSS MB (largest child) |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for r in results:
        bulk = next((x for x in results if x["claims_in_file"] == r["claims_in_file"]
                     and x["step"] == "pyoxigraph bulk_load"), None)
        quads = r.get("quads") or (bulk or {}).get("quads") or 0
        rate = quads / r["seconds"] if r["seconds"] else 0
        share = (f"{bulk['seconds'] / r['seconds']:.0%}" if bulk and r["step"] == "claimkb import"
                 else "")
        extra = (f" (check+load {r['check_load_s']} s, indexes {r['indexes_s']} s)"
                 if "check_load_s" in r else "")
        print(f"| {r['claims_in_file']:,} | {r['step']}{extra} | {r['seconds']:.1f} | "
              f"{rate:,.0f} | {share} | {r['cpu_s']} (+{r['children_cpu_s']}) | "
              f"{r['rss_mb']:,} ({r['children_rss_mb']:,}) |")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine("pyoxigraph"), "results": results},
                                        indent=1), encoding="utf-8")
    if not args.workdir and not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
