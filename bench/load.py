"""Load benchmark on the embedded (Oxigraph) store.

    python bench/load.py --claims 100000 --sources 1000      # the documented run
    python bench/load.py --quick                             # 2,000 claims, seconds

Methods, each in a fresh process and a fresh store directory (so that peak RSS, from
resource.getrusage, is the method's own):

- ``write_claims batch=B``: claimkb's write path. bench/generate.py builds the
  records (timed separately: "build"), then ``KnowledgeBase.write_claims`` writes
  them B claims per atomic SPARQL update, each article with the first batch that
  cites it. The breakdown splits the write time into article plans (queries for
  existing articles), ``claims_update`` (claim_quads + SPARQL text) and
  ``store.update`` (Oxigraph: SPARQL parse, DELETE of earlier versions, INSERT,
  commit).
- ``kb.import_file nquads``: claimkb's atomic import (parse everything, then one
  ``Store.extend``) of the generated N-Quads file.
- ``pyoxigraph bulk_load``: ``Store(path).bulk_load(path=file, format=N_QUADS)``,
  the reference rate (not atomic, writes SST files directly).
- ``pyoxigraph Store.load``: pyoxigraph's transactional load of the same file.

"quads" is the number of distinct quads in the store after the load (the same for
every method, except that write_claims stamps article versions with the wall clock).
Seconds (wall clock) cover the load call only, not closing (flushing) the store,
which is shown in the breakdown. "CPU s" is the process CPU time over the same span
(all threads, RocksDB's included): well below the seconds means the method waited
(I/O, or other processes on the machine).
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
sys.path.insert(0, str(HERE))

from runinfo import RESULT, loadavg, machine, worker_result  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def emit(**result) -> None:
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(RESULT + json.dumps(result), flush=True)


# ----------------------------------------------------------------- workers (one per process)

def worker_generate(args) -> None:
    import generate as gen

    t0 = time.perf_counter()
    syn = gen.build(args.claims, args.sources, args.seed)
    t1 = time.perf_counter()
    count = gen.write_nquads(syn.articles, syn.records, args.nq)
    t2 = time.perf_counter()
    emit(method="generate + write N-Quads (bench)", claims=len(syn.records),
         articles=len(syn.articles), quads=count, seconds=t2 - t0, build_s=t1 - t0,
         nquads_s=t2 - t1, file_mb=Path(args.nq).stat().st_size / 1e6,
         summary=gen.summary(syn))


def _open_kb(store_dir: Path):
    from kb import KnowledgeBase, load_settings

    return KnowledgeBase.open(load_settings(env={}, data_dir=store_dir))


def worker_write(args) -> None:
    import generate as gen

    t0 = time.perf_counter()
    articles, records = gen.generate(args.claims, args.sources, args.seed)
    build_s = time.perf_counter() - t0

    from kb.model.iris import Minter

    kb = _open_kb(Path(args.store))
    iris = Minter(kb.settings.base_iri)
    by_iri = {iris.article_for(a.identity): a for a in articles}
    timers = {"article_plan_s": 0.0, "store_update_s": 0.0, "store_insert_s": 0.0,
              "indexes_s": 0.0}
    sizes = {"sparql_chars": 0, "updates": 0, "slowest_update_s": 0.0}

    def timed(name, fn, measure=None):
        def wrapper(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                took = time.perf_counter() - t
                timers[name] += took
                if measure:
                    measure(a, took)
        return wrapper

    def on_update(a, took):
        sizes["sparql_chars"] += len(a[0])
        sizes["updates"] += 1
        sizes["slowest_update_s"] = max(sizes["slowest_update_s"], took)

    kb.articles.plan_quads = timed("article_plan_s", kb.articles.plan_quads)
    kb.store.update = timed("store_update_s", kb.store.update, on_update)
    # a batch of new claims is added without a SPARQL update (Store.insert)
    kb.store.insert = timed("store_insert_s", kb.store.insert)
    kb.indexes.claims_changed = timed("indexes_s", kb.indexes.claims_changed)

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    written: set = set()
    per_batch = []
    done = 0
    c1 = time.process_time()
    t1 = time.perf_counter()
    if args.articles == "first":
        kb.write_claims([], articles)
        written.update(by_iri)
    for start in range(0, len(records), args.batch):
        if args.time_limit and time.perf_counter() - t1 > args.time_limit:
            break
        batch = records[start:start + args.batch]
        cited = []
        for rec in batch:
            if rec.source not in written:
                written.add(rec.source)
                cited.append(by_iri[rec.source])
        tb = time.perf_counter()
        kb.write_claims(batch, cited)
        per_batch.append(time.perf_counter() - tb)
        done += len(batch)
    write_s = time.perf_counter() - t1
    cpu_s = time.process_time() - c1
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    quads = kb.store.quad_count()
    t2 = time.perf_counter()
    kb.close()
    close_s = time.perf_counter() - t2
    n = len(per_batch)
    name = f"write_claims batch={args.batch}" + (", articles first" if args.articles == "first" else "")
    if done < len(records):
        name += f" (STOPPED at {args.time_limit:.0f} s)"
    emit(method=name, claims=done, quads=quads,
         seconds=write_s, cpu_s=cpu_s, build_s=build_s, close_s=close_s, **timers, **sizes,
         first_batches_s=round(sum(per_batch[:max(1, n // 10)]) / max(1, n // 10), 3),
         last_batches_s=round(sum(per_batch[-max(1, n // 10):]) / max(1, n // 10), 3))


def worker_import(args) -> None:
    kb = _open_kb(Path(args.store))
    c0, t0 = time.process_time(), time.perf_counter()
    report = kb.import_file(Path(args.nq), "nquads")
    seconds, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    quads = kb.store.quad_count()
    t1 = time.perf_counter()
    kb.close()
    emit(method="kb.import_file nquads", claims=args.claims, quads=quads, seconds=seconds,
         cpu_s=cpu_s,
         parsed=report.quads, close_s=time.perf_counter() - t1)


def _worker_oxigraph(args, bulk: bool) -> None:
    """pyoxigraph's own loaders on the same file: bulk_load (no transaction) or
    Store.load (one transaction)."""
    import pyoxigraph as ox

    store = ox.Store(str(args.store))
    load = store.bulk_load if bulk else store.load
    c0, t0 = time.process_time(), time.perf_counter()
    load(path=str(args.nq), format=ox.RdfFormat.N_QUADS)
    seconds, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    quads = len(store)
    t1 = time.perf_counter()
    store.flush()
    del store
    emit(method="pyoxigraph bulk_load" if bulk else "pyoxigraph Store.load",
         claims=args.claims, quads=quads, seconds=seconds, cpu_s=cpu_s,
         close_s=time.perf_counter() - t1)


def worker_bulk(args) -> None:
    _worker_oxigraph(args, bulk=True)


def worker_load(args) -> None:
    _worker_oxigraph(args, bulk=False)


def worker_anatomy(args) -> None:
    """One write_claims update of ``--batch`` new claims, taken apart: each variant runs
    once on a fresh store (diagnostic; the variants are not atomic claimkb writes)."""
    import re
    from importlib.resources import files

    import generate as gen
    import pyoxigraph as ox

    from kb.store import sparql
    from kb.model.claim import claim_quads
    from kb.store.convert import to_ox

    _, records = gen.generate(args.claims, args.sources, args.seed)
    batch = records[:args.batch]
    del records
    root = Path(args.store)
    kb = _open_kb(root / "render")      # only renders the SPARQL text
    delete, insert = kb.claims.update_parts(batch)
    kb.close()
    prologue = (files("kb.queries") / "_prefixes.rq").read_text(encoding="utf-8")

    def body(text: str) -> str:
        return text.removeprefix(prologue)

    ops = re.split(r"\s;\s*\n(?=\s*(?:#[^\n]*\n\s*)*(?:DELETE|INSERT))", body(delete))
    variants = [("full write_claims update (delete_claims.ru + INSERT DATA)",
                 sparql.join_updates([delete, insert]), True),
                ("INSERT DATA only", sparql.join_updates([insert]), True),
                ("INSERT DATA only, in-memory store", sparql.join_updates([insert]), False),
                ("delete_claims.ru only", sparql.join_updates([delete]), True)]
    for i, op in enumerate(ops, 1):
        code = [l for l in op.splitlines() if l.strip() and not l.strip().startswith("#")]
        first = " ".join(" ".join(code).split("WHERE")[0].split())[:45]
        variants.append((f"delete op {i} ({first}...) + INSERT DATA",
                         prologue + op + " ;\n" + body(insert), True))
    rows = []
    for n, (label, text, disk) in enumerate(variants):
        store = ox.Store(str(root / f"v{n}")) if disk else ox.Store()
        t = time.perf_counter()
        store.update(text)
        rows.append((label, time.perf_counter() - t))
        del store
    quads = [ox.Quad(*(to_ox(t) for t in q)) for rec in batch for q in claim_quads(rec)]
    store = ox.Store(str(root / "extend"))
    t = time.perf_counter()
    store.extend(quads)
    rows.append(("Store.extend of the same quads (no SPARQL)", time.perf_counter() - t))
    del store
    emit(method=f"anatomy batch={args.batch}", claims=len(batch), quads=len(quads),
         seconds=sum(r[1] for r in rows), cpu_s=0.0, sparql_chars=len(delete) + len(insert),
         variants=rows)


def worker_extend(args) -> None:
    """The raw engine's own atomic write of the same batches: each batch's quads (the
    records' claim_quads and their articles', converted before the clock starts) added
    with one pyoxigraph ``Store.extend`` (one transaction) — the ceiling for
    ``write_claims batch=B``, which adds names, history and indexes to it."""
    import generate as gen
    import pyoxigraph as ox

    from kb.model.claim import claim_quads
    from kb.store.convert import to_ox

    syn = gen.build(args.claims, args.sources, args.seed)
    batches = []
    for start in range(0, len(syn.records), args.batch):
        quads = [ox.Quad(*(to_ox(t) for t in q))
                 for rec in syn.records[start:start + args.batch] for q in claim_quads(rec)]
        batches.append(quads)
    count = sum(len(b) for b in batches)
    store = ox.Store(str(args.store))
    c0, t0 = time.process_time(), time.perf_counter()
    for quads in batches:
        store.extend(quads)
    seconds, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    store.flush()
    emit(method=f"pyoxigraph Store.extend batch={args.batch} (claims only)",
         claims=len(syn.records), quads=count, seconds=seconds, cpu_s=cpu_s, close_s=0.0)


def worker_bulkwrite(args) -> None:
    """A big claims file's write: every record in one ``Claims.write(..., bulk=True)``
    (names resolved, change records, the quads through a temporary N-Quads file into the
    staged bulk loader, then every index rebuilt), as ``claimkb import`` does for a
    claims YAML or ClaimReview file from bulk_import_bytes up."""
    import generate as gen

    articles, records = gen.generate(args.claims, args.sources, args.seed)
    kb = _open_kb(Path(args.store))
    c0, t0 = time.process_time(), time.perf_counter()
    kb.claims.write(records, articles, bulk=True)
    seconds, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    quads = kb.store.quad_count()
    claims = kb.index.stats()["claims"]
    kb.close()
    emit(method="Claims.write bulk=True (one call, indexes rebuilt)", claims=claims,
         quads=quads, seconds=seconds, cpu_s=cpu_s, close_s=0.0)


WORKERS = {"generate": worker_generate, "write": worker_write, "import": worker_import,
           "bulk": worker_bulk, "load": worker_load, "anatomy": worker_anatomy,
           "extend": worker_extend, "bulkwrite": worker_bulkwrite}


# ----------------------------------------------------------------- driver

def run_worker(name: str, args, workdir: Path, **extra) -> dict:
    store = workdir / f"store-{name}{'-' + str(extra['batch']) if 'batch' in extra else ''}"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name,
           "--claims", str(args.claims), "--sources", str(args.sources),
           "--seed", str(args.seed), "--nq", str(workdir / "claims.nq"), "--store", str(store)]
    for key, value in extra.items():
        cmd += [f"--{key.replace('_', '-')}", str(value)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent, check=False)
    if not args.keep and store.exists():
        shutil.rmtree(store, ignore_errors=True)
    return worker_result(proc, f"worker {name}")




def table(rows: list[dict]) -> str:
    head = ["method", "claims", "quads", "seconds", "claims/s", "quads/s", "peak RSS MB",
            "CPU s"]
    body = []
    for r in rows:
        s = r["seconds"]
        body.append([r["method"], f"{r['claims']:,}", f"{r['quads']:,}", f"{s:.2f}",
                     f"{r['claims'] / s:,.0f}", f"{r['quads'] / s:,.0f}",
                     f"{r['peak_rss_mb']:,.0f}", f"{r['cpu_s']:.1f}"])
    widths = [max(len(x) for x in col) for col in zip(head, *body)]
    def fmt(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths))) + " |"

    sep = "|" + "|".join("-" * (w + 1) + ("-" if i == 0 else ":") for i, w in enumerate(widths)) + "|"
    return "\n".join([fmt(head), sep] + [fmt(b) for b in body])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="claimkb load benchmark (embedded store)")
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--sources", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-sizes", default="1000,10000",
                        help="claims per write_claims update, comma-separated")
    parser.add_argument("--methods", default="write,import,bulk,load",
                        help="any of write, extend (the raw engine's write of the same batches), "
                        "bulkwrite (every claim in one bulk write, as a big claims file), "
                        "import, bulk, load; and anatomy (not a load: "
                        "one update of the largest batch size taken apart)")
    parser.add_argument("--quick", action="store_true",
                        help="2,000 claims from 50 sources, batches of 500 and 2,000")
    parser.add_argument("--workdir", type=Path, help="where the N-Quads file and stores go "
                        "(default: a new temporary directory, removed afterwards)")
    parser.add_argument("--keep", action="store_true", help="keep the workdir and stores")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the write_claims runs (stats saved in the workdir)")
    parser.add_argument("--articles", choices=("with-claims", "first"), default="with-claims",
                        help="write_claims: each article with the first batch citing it "
                        "(default, like a feed), or all articles in one update first")
    parser.add_argument("--time-limit", type=float, default=0,
                        help="stop a write_claims run after this many seconds (0: no limit); "
                        "the row then counts the claims written so far")
    parser.add_argument("--json", type=Path, help="also write all results as JSON here")
    # internal: run one method in this process
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--nq", help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", dest="profile_out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        if args.worker == "write":
            args.profile = args.profile_out
        WORKERS[args.worker](args)
        return 0

    if args.quick:
        args.claims, args.sources, args.batch_sizes = 2_000, 50, "500,2000"
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = set(methods) - {"write", "extend", "bulkwrite", "import", "bulk", "load",
                              "anatomy"}
    if unknown:
        parser.error(f"unknown method(s): {', '.join(sorted(unknown))}")
    batches = [int(b) for b in args.batch_sizes.split(",") if b.strip()]
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="claimkb-load-"))
    workdir.mkdir(parents=True, exist_ok=True)
    info = machine("pyoxigraph")
    print(f"claimkb load benchmark: {args.claims:,} claims, {args.sources:,} sources, "
          f"seed {args.seed}")
    print(f"machine: {info['nproc']} cores, {info['cpu']}; Python {info['python']}, "
          f"pyoxigraph {info['pyoxigraph']}")
    print(f"workdir: {workdir}; load average {loadavg()}", flush=True)

    results: list[dict] = []
    anatomy = None
    try:
        gen = run_worker("generate", args, workdir)
        print(f"generated: {gen['claims']:,} claims, {gen['articles']:,} articles, "
              f"{gen['quads']:,} quads, {gen['file_mb']:.0f} MB N-Quads "
              f"(build {gen['build_s']:.1f} s, serialise {gen['nquads_s']:.1f} s)", flush=True)
        for method in methods:
            if method == "extend":
                for b in batches:
                    results.append(run_worker("extend", args, workdir, batch=b))
                    print(f"  done: {results[-1]['method']} in {results[-1]['seconds']:.1f} s",
                          flush=True)
            elif method == "write":
                for b in batches:
                    extra = {"batch": b, "articles": args.articles,
                             "time_limit": args.time_limit}
                    if args.profile:
                        extra["profile_out"] = workdir / f"write-{b}.prof"
                    results.append(run_worker("write", args, workdir, **extra))
                    print(f"  done: {results[-1]['method']} in {results[-1]['seconds']:.1f} s",
                          flush=True)
            elif method == "anatomy":
                anatomy = run_worker("anatomy", args, workdir, batch=max(batches))
            else:
                results.append(run_worker(method, args, workdir))
                print(f"  done: {results[-1]['method']} in {results[-1]['seconds']:.1f} s",
                      flush=True)
    finally:
        if not args.keep and not args.profile and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)

    if anatomy:
        print()
        print(f"anatomy of one write_claims update: {anatomy['claims']:,} new claims, "
              f"{anatomy['quads']:,} quads, {anatomy['sparql_chars'] / 1e6:.0f} M chars of "
              "SPARQL; each line on a fresh empty store:")
        for label, seconds in anatomy["variants"]:
            print(f"  {seconds:7.2f} s  {label}")
    print()
    print(f"load average at the end: {loadavg()} (over {info['nproc']} cores: a value "
          "above 1 while a one-process method ran means other work shared the CPU)")
    if results:
        print(table(results))
    print()
    for r in results:
        if r["method"].startswith("write_claims"):
            other = (r["seconds"] - r["article_plan_s"] - r["store_update_s"]
                     - r["store_insert_s"] - r["indexes_s"])
            print(f"{r['method']}: build records {r['build_s']:.1f} s (not in the table); "
                  f"write {r['seconds']:.1f} s = article plans {r['article_plan_s']:.1f} s + "
                  f"Oxigraph update {r['store_update_s']:.1f} s + Oxigraph insert "
                  f"{r['store_insert_s']:.1f} s + derived indexes {r['indexes_s']:.1f} s + "
                  f"other (names, claim_quads, history) {other:.1f} s; "
                  f"{r['updates']} updates, {r['sparql_chars'] / 1e6:.0f} M chars of SPARQL, "
                  f"slowest {r['slowest_update_s']:.2f} s; mean batch first 10% "
                  f"{r['first_batches_s']:.2f} s, last 10% {r['last_batches_s']:.2f} s; "
                  f"close {r['close_s']:.1f} s")
        else:
            print(f"{r['method']}: close/flush {r['close_s']:.1f} s")
    if args.profile:
        print(f"profiles: {workdir}/write-*.prof (python -m pstats)")
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "args": vars(args) | {
            "workdir": str(workdir), "json": str(args.json)}, "generate": gen,
            "results": results, "anatomy": anatomy}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
