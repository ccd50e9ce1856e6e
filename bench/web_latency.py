"""Web UI benchmark: latency of the claims list, deep keyset pages, claim pages and
facet queries against a real ``claimkb serve`` (waitress) on synthetic claims.

    python bench/web_latency.py --claims 100000 --sources 1000
    python bench/web_latency.py --claims 1000000 --sources 10000 --data-dir /tmp/claimkb-web-1m --keep
    python bench/web_latency.py --claims 100000 --sources 1000 --backend embedded,oxigraph-server,virtuoso

``--backend`` picks where the store lives (a comma-separated list runs each in turn,
in one process, on the same file with the same options, each in its own data
directory ``DATA_DIR/<backend>``, then prints a table side by side):

- ``embedded`` (default): pyoxigraph in ``DATA_DIR/store``, as below.
- ``oxigraph-server``: the same pyoxigraph ``bulk_load`` + ``optimize()`` into
  ``DATA_DIR/oxigraph/store``, then ``oxigraph serve --location DATA_DIR/oxigraph/store``
  on 127.0.0.1 (a child process), and claimkb on the remote backend
  (``CLAIMKB_BACKEND=remote``, ``/query``, ``/update``, dialect ``standard``).
- ``virtuoso``: Debian's Virtuoso 7 started by tests/virtuoso_support.py
  ``start_virtuoso`` in ``DATA_DIR/virtuoso`` (--virtuoso-buffers 8 KB pages), the
  N-Quads file hard-linked into its database directory and loaded with Virtuoso's own
  bulk loader through isql (``ld_dir`` … ``rdf_loader_run()``, ``checkpoint``; graph
  names are kept, the quads loaded are counted), then claimkb on the remote backend
  with the settings ``server.settings()`` gives (``/sparql``, ``/sparql-auth`` with
  Digest, dialect ``virtuoso``).

With a remote backend ``DATA_DIR`` holds only claimkb's own files (SQLite indexes,
accounts, secret key); the store server's RSS is reported beside claimkb's, and the
server is stopped at the end whatever happens. --keep only keeps the data directory
there: the store is loaded again on every run. --http-timeout sets claimkb's
``http_timeout`` (CLAIMKB_HTTP_TIMEOUT) for them: at 100k claims on Virtuoso, the
reindex needs more than the default 30 s for one comparison-index query. A backend that cannot be measured (the
server does not start, the load or the reindex fails or passes --reindex-limit) is
reported as such in the table, and the next backend runs.

Steps (each printed with its wall-clock time and the machine's load average):

1. data: the N-Quads file bench/generate.py writes, cached in --cache-dir as
   ``claims-N-S-SEED.nq`` (shared with bench/compare.py). It is generated when
   missing, unless a ``.part`` file shows another process is writing it (then: exit 2).
2. load: pyoxigraph ``bulk_load`` into ``DATA_DIR/store`` (a fresh directory), then
   ``optimize()``. With --keep and an existing store (and index), both are reused
   (embedded only; the remote backends load as described above).
3. reindex: ``claimkb --data-dir DATA_DIR reindex`` (the real CLI command, run in a
   child process, ``bench/web_latency.py _reindex DIR``) with timers wrapped around its parts,
   so the total splits into listing the claims (index_claims_all.rq), reading them
   from the store (``kb.records.summaries``; its SPARQL is ``store.values``: Oxigraph
   evaluation + row conversion), the SQLite writes (verdict lookup, delete, insert,
   commit per batch), and the verdict step (the kb.compare_index build, when missing,
   + ``set_verdicts``). Each batch's time is printed as it ends; past
   --reindex-limit seconds the command is stopped and the batches done are reported.
   Peak RSS of that process; index file sizes afterwards. ``--index flat`` builds the
   index with a prototype instead (``flat_rows``: 16 whole-KB queries without
   OPTIONAL, joined in Python, written with ``ClaimIndex._insert`` in one
   transaction), ``--index both`` falls back to it when the reindex was stopped.
4. serve: ``claimkb --data-dir DATA_DIR serve --threads T`` (--threads, 4) on 127.0.0.1 (a child
   process; RSS read from /proc/PID/status).
5. requests, from this process: ``--clients`` threads (8), each with its own
   keep-alive ``http.client`` connection, take URLs from a shared list back to back
   (closed loop). Latency = request sent → whole body read. Scenarios:

   - ``list first page``: ``GET /claims`` (HTML). The very first request to the fresh
     server is reported separately (``first request``): it computes the unfiltered
     facets and count, which are then cached until the next write.
   - ``list page 1,000``: ``GET /claims?sort=published&after=CURSOR`` (HTML), the
     ``next`` link of page 999. The cursor is computed from the index (the 49,950th
     row in the list's order, encoded with kb.index.encode_cursor) and checked by
     walking the list through ``/claims.json?limit=450`` (111 pages; same order, so
     the ``next`` cursor after 49,950 rows must be the same).
   - ``claim page``: ``GET /claims/<id>`` (HTML) for random claims.
   - ``facet publisher cold`` / ``warm``: ``GET /claims?publisher=<id>``. Facets and
     counts are cached per filter in the server until the next write, so ``cold`` is
     the first request for each publisher (every publisher once) and ``warm`` repeats
     them.
   - ``facet property/modality/verdict cold``: ``GET /claims?property=…`` (and
     ``modality=``, ``verdict=``), every value once. Like one publisher, their counts
     and facets are kept on every write (kb/derived/claims_index.py ``facet_pairs``).
   - ``facet publisher+month cold``: ``GET /claims?publisher=<id>&published=<month>``,
     each publisher once with a random month: two facets, so the count and the facets
     are counted from the matching claims (``claim_facets``, within
     ``facet_time_limit_ms``).
   - ``search q cold`` / ``warm``: ``GET /claims?q=<word>`` for words drawn from the
     full-text index's vocabulary in four frequency bands (in ≥ 10%, 1–10%, 0.1–1%,
     < 0.1% of claims), each word requested once (cold), then again (warm).
   - ``1 client``: the same kinds of request one at a time, for the service time
     without concurrency (2 vCPUs, one Python process: 8 clients queue for the GIL).

"Cold" means the server's own facet/count cache is empty for that filter; SQLite's
pages are in the OS page cache in every case (the index was just built).

Results: a table on stdout, everything in --json.

SQLite-only estimate at a size not loaded (e.g. 1M from a 100k index):

    python bench/web_latency.py replicate /tmp/claimkb-web-100k/index.sqlite /tmp/est-1m.sqlite 10
    python bench/web_latency.py sql /tmp/est-1m.sqlite
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from runinfo import RESULT, loadavg, machine  # noqa: E402
PAGE = 50          # the default page size (Settings.page_size)
DEEP_PAGE = 1000


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {loadavg()}] {msg}", file=sys.stderr, flush=True)


def claimkb_bin() -> str:
    exe = Path(sys.executable).parent / "claimkb"
    return str(exe) if exe.exists() else "claimkb"


# ----------------------------------------------------------------- 1-2: data and store

def dataset(args) -> Path:
    import generate

    return generate.cached_nquads(args.claims, args.sources, args.seed, args.cache_dir, log=log)


def bulk_load(nq: Path, data_dir: Path) -> float:
    import generate

    return generate.bulk_load(nq, data_dir)


# ----------------------------------------------------------------- 2b: remote backends

BACKENDS = ("embedded", "oxigraph-server", "virtuoso")
# The settings claimkb reads that choose its backend: set in the children's environment.
REMOTE_VARS = ("CLAIMKB_BACKEND", "CLAIMKB_QUERY_ENDPOINT", "CLAIMKB_UPDATE_ENDPOINT",
               "CLAIMKB_ENDPOINT_USER", "CLAIMKB_ENDPOINT_PASSWORD", "CLAIMKB_ENDPOINT_AUTH",
               "CLAIMKB_ENDPOINT_DIALECT", "CLAIMKB_HTTP_TIMEOUT")
DEFAULT_GRAPH = "https://w3id.org/claimkb/graph/default"


class BenchFailure(RuntimeError):
    """A step that cannot run on this backend: reported, the next backend runs."""


class Backend:
    """Where the store lives. ``env``: the CLAIMKB_* variables claimkb's child processes
    get (empty: embedded); ``proc``: the store server, a child process (None: embedded)."""

    def __init__(self, name: str, env: dict | None = None, proc=None, stop=None,
                 store_path: Path | None = None):
        self.name, self.env, self.proc = name, env or {}, proc
        self._stop, self.store_path = stop, store_path

    def child_env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in REMOTE_VARS}
        env.update(self.env)
        return env

    def rss_mb(self) -> dict | None:
        return proc_rss(self.proc.pid) if self.proc is not None else None

    def store_mb(self) -> int | None:
        if self.store_path is None or not self.store_path.exists():
            return None
        if self.store_path.is_file():
            return round(self.store_path.stat().st_size / 1e6)
        return round(sum(f.stat().st_size for f in self.store_path.rglob("*") if f.is_file()) / 1e6)

    def stop(self) -> None:
        if self._stop is not None:
            stop, self._stop = self._stop, None
            log(f"stopping the {self.name} server (pid {self.proc.pid})")
            stop()


def proc_rss(pid: int) -> dict:
    out = {}
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return out
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = round(int(value.split()[0]) / 1024)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_bin() -> str:
    exe = Path(sys.executable).parent / "oxigraph"
    return str(exe) if exe.exists() else (shutil.which("oxigraph") or "oxigraph")


def start_oxigraph_server(nq: Path, data_dir: Path, out: dict) -> Backend:
    """bulk_load ``nq`` into ``data_dir/oxigraph/store`` (as for embedded), then
    ``oxigraph serve`` on it."""
    import urllib.request

    where = data_dir / "oxigraph"
    log(f"bulk_load {nq} → {where / 'store'} (pyoxigraph, as embedded)")
    out["bulk_load_s"] = round(bulk_load(nq, where), 1)
    out["bulk_load_load"] = loadavg()
    log(f"bulk_load + optimize: {out['bulk_load_s']} s")
    port = free_port()
    cmd = [oxigraph_bin(), "serve", "--location", str(where / "store"), "--bind", f"127.0.0.1:{port}"]
    log("store server: " + " ".join(cmd))
    out["store_server_cmd"] = " ".join(cmd)
    logf = open(where / "oxigraph-serve.log", "w")
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT)

    def stop():
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        logf.close()

    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{url}/query?query=ASK%7B%7D", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop()
                raise BenchFailure("oxigraph serve did not start: "
                                   + (where / "oxigraph-serve.log").read_text(errors="replace")[-1000:])
            time.sleep(0.2)
    out["store_server_start_s"] = round(time.perf_counter() - t, 1)
    env = {"CLAIMKB_BACKEND": "remote", "CLAIMKB_QUERY_ENDPOINT": f"{url}/query",
           "CLAIMKB_UPDATE_ENDPOINT": f"{url}/update", "CLAIMKB_ENDPOINT_DIALECT": "standard"}
    return Backend("oxigraph-server", env, proc, stop, where / "store")


def isql(server, sql: str, timeout: float) -> str:
    """``sql`` through isql-vt as dba (server.isql has a 60 s timeout: too short for a load)."""
    from tests.virtuoso_support import ISQL

    done = subprocess.run([ISQL, f"127.0.0.1:{server.sql_port}", "dba", "dba", f"exec={sql}"],
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0 or "*** Error" in done.stdout:
        raise BenchFailure(f"isql failed on {sql[:80]!r}: {done.stdout[-500:]} {done.stderr[-500:]}")
    return done.stdout


def isql_number(text: str) -> int:
    """The one number an isql ``exec=SELECT …`` printed (after the header line of dashes)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip().startswith("___"):
            for rest in lines[i + 1:]:
                if rest.strip():
                    return int(rest.split()[0])
    raise BenchFailure(f"no number in isql output: {text[-300:]}")


def start_virtuoso_loaded(nq: Path, data_dir: Path, args, out: dict) -> Backend:
    """Virtuoso in ``data_dir/virtuoso`` (tests/virtuoso_support.py), ``nq`` loaded with
    its bulk loader (the file hard-linked, else copied, into the database directory, which
    DirsAllowed lists)."""
    from tests.virtuoso_support import start_virtuoso

    where = data_dir / "virtuoso"
    log(f"store server: Virtuoso in {where} (NumberOfBuffers {args.virtuoso_buffers})")
    t = time.perf_counter()
    server = start_virtuoso(where, buffers=args.virtuoso_buffers)
    out["store_server_start_s"] = round(time.perf_counter() - t, 1)
    backend = Backend("virtuoso", {}, server.proc, server.stop, where / "virtuoso.db")
    try:
        target = where / nq.name
        try:
            os.link(nq, target)
        except OSError:
            shutil.copyfile(nq, target)
        parts = {}
        timeout = max(args.reindex_limit, 600)
        t0 = t = time.perf_counter()
        isql(server, f"ld_dir('{where}', '{nq.name}', '{DEFAULT_GRAPH}');", 60)
        parts["ld_dir"] = round(time.perf_counter() - t, 1)
        log(f"virtuoso: rdf_loader_run() on {nq.name}")
        t = time.perf_counter()
        isql(server, "rdf_loader_run();", timeout)
        parts["rdf_loader_run"] = round(time.perf_counter() - t, 1)
        t = time.perf_counter()
        isql(server, "checkpoint;", timeout)
        parts["checkpoint"] = round(time.perf_counter() - t, 1)
        out["bulk_load_s"] = round(time.perf_counter() - t0, 1)
        out["bulk_load_parts_s"] = parts
        out["bulk_load_load"] = loadavg()
        state = isql(server, "SELECT ll_file, ll_state, ll_error FROM DB.DBA.load_list;", 60)
        errors = isql_number(isql(server, "SELECT count(*) FROM DB.DBA.load_list "
                                          "WHERE ll_state <> 2 OR ll_error IS NOT NULL;", 60))
        t = time.perf_counter()
        quads = isql_number(isql(server, (
            "SPARQL SELECT COUNT(*) WHERE { GRAPH ?g { ?s ?p ?o } FILTER("
            "STRSTARTS(STR(?g), 'https://w3id.org/claimkb/graph/') || "
            "STRSTARTS(STR(?g), 'http://localhost:5000/')) };"), timeout))
        out["bulk_load_check"] = {"files_not_loaded_or_failed": errors, "quads_in_claimkb_graphs": quads,
                                  "count_s": round(time.perf_counter() - t, 1)}
        log(f"virtuoso bulk load: {out['bulk_load_s']} s {json.dumps(parts)}; {quads} quads, "
            f"{errors} files failed")
        if errors:
            raise BenchFailure(f"Virtuoso's bulk loader failed: {state[-600:]}")
        target.unlink()
    except BaseException:
        backend.stop()
        raise
    s = server.settings()
    backend.env = {"CLAIMKB_BACKEND": s["backend"], "CLAIMKB_QUERY_ENDPOINT": s["query_endpoint"],
                   "CLAIMKB_UPDATE_ENDPOINT": s["update_endpoint"],
                   "CLAIMKB_ENDPOINT_USER": s["endpoint_user"],
                   "CLAIMKB_ENDPOINT_PASSWORD": s["endpoint_password"],
                   "CLAIMKB_ENDPOINT_AUTH": s["endpoint_auth"], "CLAIMKB_ENDPOINT_DIALECT": "virtuoso"}
    return backend


# ----------------------------------------------------------------- 3: reindex (child process)

def worker_reindex(data_dir: str) -> None:
    """``claimkb --data-dir DIR reindex`` in this process, its parts timed."""
    from kb.derived import compare_index, registry
    from kb.derived import claims_index as kindex
    from kb.store import sparql
    from kb.records import summaries
    from kb.cli import main as kb_main
    from kb.store import embedded, remote

    spent: dict[str, float] = {}
    calls: dict[str, int] = {}

    def wrap(owner, name, label=None, by_caller=False):
        fn = getattr(owner, name)

        def timed(*a, **kw):
            key = label or name
            if by_caller:
                key = f"{key}<-{sys._getframe(1).f_code.co_name}"
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                spent[key] = spent.get(key, 0.0) + time.perf_counter() - t
                calls[key] = calls.get(key, 0) + 1
        static = isinstance(vars(owner).get(name) if isinstance(owner, type) else None, staticmethod)
        setattr(owner, name, staticmethod(timed) if static else timed)

    wrap(embedded.EmbeddedStore, "values", "store.values", by_caller=True)
    wrap(remote.RemoteStore, "values", "store.values", by_caller=True)
    wrap(sparql, "render", "sparql.render", by_caller=True)
    wrap(kindex.ClaimIndex, "rebuild", "ClaimIndex.rebuild")
    wrap(kindex.ClaimIndex, "_index", "ClaimIndex._index")
    inner_index = kindex.ClaimIndex._index

    def per_batch(self, iris):
        before = dict(spent)
        t = time.perf_counter()
        inner_index(self, iris)
        sq = spent.get("_fetch", 0.0) - before.get("_fetch", 0.0)
        print(f"BATCH {len(iris)} {sq:.3f} {time.perf_counter() - t:.3f}", flush=True)
    kindex.ClaimIndex._index = per_batch
    wrap(summaries, "summaries", "_fetch")
    wrap(kindex.ClaimIndex, "_delete", "sqlite delete")
    wrap(kindex.ClaimIndex, "_insert", "sqlite insert")
    wrap(kindex.ClaimIndex, "set_verdicts", "ClaimIndex.set_verdicts")
    wrap(kindex.ClaimIndex, "iter_claims", "ClaimIndex.iter_claims")
    wrap(compare_index.CompareIndex, "rebuild", "compare_index.rebuild")
    wrap(registry.DerivedIndexes, "copy_verdicts", "DerivedIndexes.copy_verdicts")
    t = time.perf_counter()
    cpu0 = time.process_time()
    code = 0
    try:
        ret = kb_main(["--data-dir", data_dir, "reindex"], standalone_mode=False)
        code = ret if isinstance(ret, int) else 0   # click returns ctx.exit's code here
    except SystemExit as exc:  # pragma: no cover
        code = exc.code or 0
    total = time.perf_counter() - t
    print(RESULT + json.dumps({
        "exit": code, "total_s": round(total, 2), "cpu_s": round(time.process_time() - cpu0, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "parts_s": {k: round(v, 2) for k, v in sorted(spent.items())}, "calls": calls}), flush=True)


def reindex(data_dir: Path, limit: float, env: dict | None = None) -> dict:
    """The real ``claimkb reindex``, stopped after ``limit`` seconds (then: the batches
    done, their SPARQL and total time, and an extrapolation)."""
    cmd = [sys.executable, __file__, "_reindex", str(data_dir)]
    log(f"reindex: claimkb --data-dir {data_dir} reindex (instrumented: bench/web_latency.py _reindex), "
        f"time limit {limit:.0f} s")
    t = time.perf_counter()
    stderr = ""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, env=env)
        stdout, code, stderr = proc.stdout, proc.returncode, proc.stderr
        sys.stderr.write(proc.stderr[-2000:])
    except subprocess.TimeoutExpired as exc:
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        code = None
    wall = time.perf_counter() - t
    batches = [tuple(float(x) for x in line.split()[1:]) for line in stdout.splitlines()
               if line.startswith("BATCH ")]
    done = {"batches": len(batches), "claims": int(sum(b[0] for b in batches)),
            "sparql_s": round(sum(b[1] for b in batches), 1),
            "batch_s": round(sum(b[2] for b in batches), 1),
            "batch_s_each": [round(b[2], 1) for b in batches][:20]}
    lines = [line for line in stdout.splitlines() if line.startswith(RESULT)]
    if code is None:
        log(f"reindex stopped after {wall:.0f} s: {json.dumps(done)}")
        return {"stopped_after_s": round(wall), "done": done}
    out = json.loads(lines[-1][len(RESULT):]) if lines else {}
    if code or not lines or out.get("exit"):
        errors = [line for line in stderr.splitlines() if line.startswith("error:")]
        why = f"exit {code or out.get('exit')} after {wall:.0f} s" + (f": {errors[-1]}" if errors else "")
        log(f"reindex failed ({why}): {json.dumps(done)}")
        return {"failed": why, "done": done, **out,
                "output_tail": (stdout[-1500:] + "\n" + stderr[-1500:]).strip()}
    out["done"] = done
    out["cli_output"] = [line for line in stdout.splitlines()
                         if not line.startswith((RESULT, "BATCH "))]
    p = out["parts_s"]
    out["summary_s"] = {
        "total": out["total_s"],
        "list claims (index_claims_all.rq)": p.get("store.values<-all_claims",
                                                   p.get("store.values<-rebuild", 0.0)),
        "read claims from the store (kb.records.summaries)": p.get("_fetch", 0.0),
        "  of which SPARQL (store.values: the store's evaluation, HTTP on remote, row conversion)": round(
            p.get("store.values<-_hop", 0.0) + p.get("store.values<-summaries", 0.0), 2),
        "  of which rendering VALUES": round(
            sum(v for k, v in p.items() if k.startswith("sparql.render<-")), 2),
        "SQLite (verdict lookup, delete, insert, commit)": round(p.get("ClaimIndex._index", 0.0)
                                                                 - p.get("_fetch", 0.0), 2),
        "  of which sqlite insert": p.get("sqlite insert", 0.0),
        "  of which sqlite delete": p.get("sqlite delete", 0.0),
        "verdicts (compare index + set_verdicts)": p.get("DerivedIndexes.copy_verdicts") or round(
            p.get("compare_index.rebuild", 0.0) + p.get("ClaimIndex.set_verdicts", 0.0), 2),
        "  of which compare_index.rebuild": p.get("compare_index.rebuild", 0.0),
        "  of which set_verdicts": p.get("ClaimIndex.set_verdicts", 0.0),
    }
    return out


# A prototype of a faster full rebuild (not claimkb's code path): the same rows as
# index_claims.rq, from flat whole-KB queries (each one index scan, no OPTIONAL),
# joined in Python, written with kb/derived/claims_index.py's own ClaimIndex._insert in one
# transaction, then the verdicts as `claimkb reindex` does. Used for --index flat.
FLAT = {
    "base": "SELECT ?claim ?modality ?article ?recorded WHERE { GRAPH meta:metadata { ?claim a schema:Claim ;"
            " ckb:modality ?modality ; schema:appearance ?article ; prov:generatedAtTime ?recorded } }",
    "text": "SELECT ?claim ?text WHERE { GRAPH meta:metadata { ?claim schema:text ?text } }",
    "exact": "SELECT ?claim ?exact WHERE { GRAPH meta:metadata { ?claim ckb:quote ?q . ?q oa:hasSelector ?sel ."
             " ?sel oa:exact ?exact } }",
    "published": "SELECT ?claim ?published WHERE { GRAPH meta:metadata { ?claim schema:datePublished ?published } }",
    "about": "SELECT ?claim ?earliest ?latest WHERE { GRAPH meta:metadata { ?claim ckb:timeAbout ?t ."
             " ?t ckb:earliest ?earliest ; ckb:latest ?latest } }",
    "speaker": "SELECT ?claim ?speaker WHERE { GRAPH meta:metadata { ?claim ckb:speaker ?speaker } }",
    "scope": "SELECT ?claim ?scope WHERE { GRAPH meta:metadata { ?claim ckb:scope ?scope } }",
    "sp": "SELECT ?claim ?subject ?property WHERE { GRAPH meta:metadata { ?claim ckb:subject ?subject ;"
          " ckb:property ?property } }",
    "object": "SELECT ?claim ?object WHERE { GRAPH meta:metadata { ?claim ckb:subject ?s ; ckb:property ?p }"
              " GRAPH ?claim { ?s ?p ?object } }",
    "surface": "SELECT ?claim ?o ?surface WHERE { GRAPH ?claim { ?o ckb:surfaceText ?surface } }",
    "value": "SELECT ?claim ?o ?value WHERE { GRAPH ?claim { ?o schema:value ?value } }",
    "unit": "SELECT ?claim ?o ?unit WHERE { GRAPH ?claim { ?o schema:unitText ?unit } }",
    "headline": "SELECT ?article ?headline WHERE { GRAPH meta:metadata { ?article schema:headline ?headline } }",
    "publisher": "SELECT ?article ?publisher WHERE { GRAPH meta:metadata { ?article schema:publisher ?publisher } }",
    "name": "SELECT ?x ?name WHERE { GRAPH meta:metadata { ?x schema:name ?name } }",
    "label": "SELECT ?x ?label WHERE { GRAPH meta:metadata { ?x rdfs:label ?label } }",
}


def flat_rows(kb, timing: dict) -> list[dict]:
    """Every claim's index_claims.rq row (first value wins, as ClaimIndex._index keeps)."""
    from kb.store import sparql

    prefixes = sparql.load("index_claims_all.rq").split("# Every")[0]
    got = {}
    for key, q in FLAT.items():
        t = time.perf_counter()
        got[key] = kb.store.values(prefixes + q)[1]
        timing[f"sparql {key}"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()

    def first(rows, width=1):
        d = {}
        for r in rows:
            d.setdefault(r[0], r[1] if width == 1 else r[1:])
        return d
    text, exact, published = first(got["text"]), first(got["exact"]), first(got["published"])
    about, speaker, scope = first(got["about"], 2), first(got["speaker"]), first(got["scope"])
    sp, obj = first(got["sp"], 2), first(got["object"])
    headline, publisher = first(got["headline"]), first(got["publisher"])
    name, label = first(got["name"]), first(got["label"])
    node = {k: {} for k in ("surface", "value", "unit")}
    for k in node:
        for c, o, v in got[k]:
            node[k].setdefault((c, o), v)
    rows = []
    for claim, modality, article, recorded in got["base"]:
        subject, prop = sp.get(claim, (None, None))
        o = obj.get(claim) if subject is not None else None
        pub = publisher.get(article)
        rows.append({
            "claim": claim, "modality": modality, "article": article, "recorded": recorded,
            "text": text.get(claim), "exact": exact.get(claim), "headline": headline.get(article),
            "publisher": pub, "publisherName": name.get(pub) if pub else None,
            "published": published.get(claim),
            "earliest": about.get(claim, (None, None))[0], "latest": about.get(claim, (None, None))[1],
            "subject": subject, "subjectLabel": label.get(subject) if subject else None,
            "property": prop, "propertyLabel": label.get(prop) if prop else None,
            "speaker": speaker.get(claim), "speakerName": label.get(speaker.get(claim)),
            "scope": scope.get(claim), "scopeLabel": label.get(scope.get(claim)),
            "object": o, "objectLabel": label.get(o) if o else None,
            "surface": node["surface"].get((claim, o)), "value": node["value"].get((claim, o)),
            "unit": node["unit"].get((claim, o)),
        })
    timing["python join"] = round(time.perf_counter() - t, 2)
    return rows


def worker_flat_index(data_dir: str) -> None:
    from kb.config import load_settings
    from kb.knowledgebase import KnowledgeBase

    timing: dict = {}
    t0 = time.perf_counter()
    env = {k: os.environ[k] for k in REMOTE_VARS if k in os.environ}   # the backend's
    with KnowledgeBase.open(load_settings(env=env, data_dir=Path(data_dir))) as kb:
        rows = flat_rows(kb, timing)
        idx = kb.index
        t = time.perf_counter()
        with idx._writing() as db:
            db.execute("DELETE FROM claim_entities")
            db.execute("DELETE FROM claims")
            db.execute("DELETE FROM claims_fts")
            for r in rows:
                idx._insert(db, r, "")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('built', datetime('now'))")
        timing["sqlite inserts + commit"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        kb.indexes.copy_verdicts(None)
        timing["verdicts (compare index + set_verdicts)"] = round(time.perf_counter() - t, 2)
    print(RESULT + json.dumps({"total_s": round(time.perf_counter() - t0, 2), "claims": len(rows),
                               "parts_s": timing, "peak_rss_mb": round(
                                   resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}),
          flush=True)


def flat_index(data_dir: Path, env: dict | None = None) -> dict:
    log("index: flat prototype rebuild (bench/web_latency.py _flat_index)")
    proc = subprocess.run([sys.executable, __file__, "_flat_index", str(data_dir)],
                          capture_output=True, text=True, env=env)
    lines = [line for line in proc.stdout.splitlines() if line.startswith(RESULT)]
    if proc.returncode or not lines:
        raise BenchFailure(f"flat index failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(lines[-1][len(RESULT):])


def file_sizes(data_dir: Path) -> dict:
    out = {}
    for name in ("index.sqlite", "index.sqlite-wal", "compare.sqlite", "compare.sqlite-wal"):
        p = data_dir / name
        if p.exists():
            out[name] = round(p.stat().st_size / 1e6, 1)
    store = data_dir / "store"
    if store.exists():
        out["store"] = round(sum(f.stat().st_size for f in store.rglob("*") if f.is_file()) / 1e6)
    return out


# ----------------------------------------------------------------- 4: server

class Server:
    def __init__(self, data_dir: Path, port: int, threads: int, env: dict | None = None):
        self.port = port
        cmd = [claimkb_bin(), "--data-dir", str(data_dir), "serve", "--host", "127.0.0.1",
               "--port", str(port), "--threads", str(threads)]
        log("serve: " + " ".join(cmd))
        self.log = open(data_dir / "serve.log", "w")
        t = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        while True:
            if self.proc.poll() is not None:
                self.log.close()
                raise BenchFailure(f"claimkb serve exited {self.proc.returncode}: "
                                   + (data_dir / "serve.log").read_text(errors="replace")[-1000:])
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                c.request("HEAD", "/static/does-not-exist")
                c.getresponse().read()
                c.close()
                break
            except OSError:
                time.sleep(0.2)
        self.start_s = time.perf_counter() - t

    def rss_mb(self) -> dict:
        return proc_rss(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            self.proc.kill()
        self.log.close()


# ----------------------------------------------------------------- 5: clients

def fetch(conn: http.client.HTTPConnection, url: str) -> tuple[int, bytes]:
    conn.request("GET", url, headers={"Accept": "text/html"})
    resp = conn.getresponse()
    return resp.status, resp.read()


def run_load(port: int, urls: list[str], clients: int) -> dict:
    """Every URL once, ``clients`` keep-alive connections taking them in turn."""
    lock = threading.Lock()
    queue = list(enumerate(urls))[::-1]
    times = [0.0] * len(urls)
    statuses: dict[int, int] = {}
    sizes = [0] * len(urls)

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                if not queue:
                    break
                i, url = queue.pop()
            t = time.perf_counter()
            try:
                status, body = fetch(conn, url)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                status, body = -1, b""
            times[i] = time.perf_counter() - t
            sizes[i] = len(body)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
        conn.close()

    load0 = loadavg()
    t = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(min(clients, len(urls)))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t
    out = stats(times)
    out.update({"clients": clients, "req_s": round(len(urls) / wall, 1), "status": statuses,
                "kb_per_page": round(statistics.mean(sizes) / 1024, 1), "load": load0,
                "load_after": loadavg()})
    out["_times"] = times
    return out


def stats(times: list[float]) -> dict:
    ms = sorted(t * 1000 for t in times)
    if not ms:
        return {"n": 0}

    def pct(p):
        return round(ms[min(len(ms) - 1, max(0, int(round(p * len(ms))) - 1))], 1)
    return {"n": len(ms), "p50_ms": round(statistics.median(ms), 1), "p95_ms": pct(0.95),
            "max_ms": round(ms[-1], 1), "mean_ms": round(statistics.mean(ms), 1)}


# ----------------------------------------------------------------- what to request

def pick(data_dir: Path, args, rng: random.Random) -> dict:
    from kb.derived.claims_index import encode_cursor
    from kb.model.iris import Minter
    from kb.config import load_settings

    minter = Minter(load_settings(env={}, data_dir=data_dir).base_iri)
    db = sqlite3.connect(f"file:{data_dir / 'index.sqlite'}?mode=ro", uri=True)
    n = db.execute("SELECT count(*) FROM claims").fetchone()[0]
    row = db.execute("SELECT published, rowid FROM claims ORDER BY published DESC, rowid DESC "
                     "LIMIT 1 OFFSET ?", ((args.deep_page - 1) * PAGE - 1,)).fetchone()
    cursor = encode_cursor(row[0], row[1]) if row else None   # None: fewer claims than that
    # random claims: random rowids (rowids are dense after a reindex)
    top = db.execute("SELECT max(rowid) FROM claims").fetchone()[0]
    claim_ids = []
    while len(claim_ids) < args.claim_samples:
        r = db.execute("SELECT iri FROM claims WHERE rowid = ?", (rng.randint(1, top),)).fetchone()
        if r:
            claim_ids.append(minter.local_id(r[0]) or r[0])
    publishers = [(minter.local_id(p) or p, c) for p, c in db.execute(
        "SELECT publisher, count(*) FROM claims WHERE publisher != '' GROUP BY publisher")]
    # the other one-facet views: every property, modality and verdict
    others = [("property", minter.local_id(v) or v) for (v,) in db.execute(
        "SELECT DISTINCT property FROM claims WHERE property != ''")]
    others += [("modality", v) for (v,) in db.execute("SELECT DISTINCT modality FROM claims")]
    others += [("verdict", v or "none") for (v,) in db.execute("SELECT DISTINCT verdict FROM claims")]
    months = [v for (v,) in db.execute("SELECT DISTINCT substr(published, 1, 7) FROM claims "
                                       "WHERE published != ''")]
    # full-text vocabulary with document counts, in four frequency bands
    db.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, 'claims_fts', 'row')")
    bands = {">=10%": [], "1-10%": [], "0.1-1%": [], "<0.1%": []}
    for term, docs in db.execute("SELECT term, doc FROM temp.vocab WHERE length(term) > 2"):
        if not re.fullmatch(r"[a-z]+", term):
            continue
        share = docs / n
        band = ">=10%" if share >= 0.1 else "1-10%" if share >= 0.01 else \
            "0.1-1%" if share >= 0.001 else "<0.1%"
        bands[band].append((term, docs))
    words = []
    for band, terms in bands.items():
        for term, docs in rng.sample(terms, min(args.words_per_band, len(terms))):
            words.append({"word": term, "band": band, "docs": docs})
    db.close()
    return {"claims": n, "cursor": cursor, "claim_ids": claim_ids, "publishers": publishers,
            "others": others, "months": months, "words": words, "vocab_bands": {b: len(t) for b, t in bands.items()}}


def walk_cursor(port: int, deep_page: int) -> tuple[str | None, float]:
    """The page-1,000 cursor by walking /claims.json?limit=450 (111 × 450 = 49,950 rows)."""
    rows = (deep_page - 1) * PAGE
    per = next(k for k in range(500, 0, -1) if rows % k == 0)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    url = f"/claims.json?limit={per}"
    t = time.perf_counter()
    for _ in range(rows // per):
        conn.request("GET", url)
        resp = conn.getresponse()
        data = json.loads(resp.read())
        if resp.status != 200 or not data.get("next"):
            return None, time.perf_counter() - t
        url = data["next"] + f"&limit={per}"   # the next link does not carry limit
    conn.close()
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    return q["after"][0], time.perf_counter() - t


# ----------------------------------------------------------------- SQLite-only estimate

def replicate_index(src: str, dst: str, times: int = 10, off: int = 200_000) -> None:
    """``dst``: the claims index ``src`` copied ``times`` times (rowids shifted by
    ``off``, IRIs suffixed): N × rows with the same value distribution, to time the
    SQLite side at a size not loaded (no sqlite_stat1, as ClaimIndex leaves it)."""
    s = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    d = sqlite3.connect(dst)
    s.backup(d)
    s.close()
    d.execute("PRAGMA journal_mode=OFF")
    d.execute("PRAGMA synchronous=OFF")
    cols = [r[1] for r in d.execute("PRAGMA table_info(claims)") if r[1] not in ("rowid", "iri")]
    rest = ",".join(cols)
    for k in range(1, times):
        d.execute(f"INSERT INTO claims (rowid, iri, {rest}) SELECT rowid+{k * off}, iri||'-r{k}', "
                  f"{rest} FROM claims WHERE rowid<={off}")
        d.execute(f"INSERT INTO claim_entities SELECT claim+{k * off}, entity, label, role "
                  f"FROM claim_entities WHERE claim<={off}")
        d.execute(f"INSERT INTO claims_fts (rowid, statement, quote, labels) SELECT rowid+{k * off}, "
                  f"statement, quote, labels FROM claims_fts WHERE rowid<={off}")
        d.commit()
        log(f"replicated {k + 1}/{times}")
    d.close()


def sql_timings(path: str, words=("the", "number", "agency")) -> None:
    """The claims list's SQL through kb.index.ClaimIndex, in this process: the cold
    unfiltered count + facets (each facet alone too), pages 1 and 1,000, every
    publisher's cold count + facets, and full-text words' cold count + facets and page."""
    from kb.derived.claims_index import ClaimFilter, ClaimIndex, FACETS

    idx = ClaimIndex(Path(path), None)   # reads the index only: no reader
    db = idx._db()
    row = db.execute("SELECT published, rowid FROM claims ORDER BY published DESC, rowid DESC "
                     "LIMIT 1 OFFSET ?", ((DEEP_PAGE - 1) * PAGE - 1,)).fetchone()
    from kb.derived.claims_index import encode_cursor

    cursor = encode_cursor(row[0], row[1])

    def ms(fn, reps=1):
        out = []
        for _ in range(reps):
            t = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t) * 1000)
        return round(statistics.median(out), 1)

    def cold(f):
        idx._changed()
        return ms(lambda: (idx.count(f), idx.facets(f)))

    res = {"claims": db.execute("SELECT count(*) FROM claims").fetchone()[0],
           "size_mb": round(Path(path).stat().st_size / 1e6)}
    f0 = ClaimFilter()
    res["unfiltered cold count+facets"] = cold(f0)
    for name in FACETS:
        idx._changed()
        res[f"facet {name}"] = ms(lambda: idx.facets(f0, names=[name]))
    res["page 1"] = ms(lambda: idx.search(f0), 5)
    res[f"page {DEEP_PAGE}"] = ms(lambda: idx.search(f0, after=cursor), 5)
    pubs = [r[0] for r in db.execute("SELECT DISTINCT publisher FROM claims WHERE publisher != ''")]
    res["publisher cold count+facets"] = stats([cold(ClaimFilter(publisher=p)) / 1000 for p in pubs])
    for w in words:
        fq = ClaimFilter(q=w)
        c = cold(fq)
        res[f"q={w}"] = {"matches": idx.count(fq), "cold count+facets": c,
                         "page": ms(lambda: idx.search(fq), 3)}
    print(json.dumps(res, indent=1))


# ----------------------------------------------------------------- main

def run(args, backend_name: str = "embedded", data_dir: Path | None = None) -> dict:
    """One backend: load, reindex, serve, requests. A step that cannot run is reported
    in ``out["not_run"]`` (and the store server is stopped) instead of raised."""
    out: dict = {"backend": backend_name, "claims_arg": args.claims, "sources": args.sources,
                 "machine": machine("pyoxigraph"), "clients": args.clients, "server_threads": args.threads,
                 "started": time.strftime("%Y-%m-%d %H:%M:%S"), "load_at_start": loadavg(),
                 "results": {}}
    temporary = data_dir is None
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix=f"claimkb-web-{backend_name}-"))
    out["data_dir"] = str(data_dir)
    started: list[Backend] = []     # the store server, once started: stopped below
    try:
        _prepare(args, backend_name, data_dir, out, started)
        if "not_run" not in out:
            _requests(args, data_dir, started[-1], out)
    except Exception as exc:   # this backend cannot be measured further: say so, go on
        out["not_run"] = f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, BenchFailure):
            import traceback

            out["not_run_traceback"] = traceback.format_exc(limit=-3)
            log(out["not_run_traceback"])
        log(f"{backend_name}: not measured further: {out['not_run']}")
    finally:
        for backend in started:
            out["store_server_rss_end_mb"] = backend.rss_mb()
            backend.stop()
            if backend.store_path is not None:
                out.setdefault("files_mb", {})["store (server's)"] = backend.store_mb()
    if not args.keep and temporary:
        shutil.rmtree(data_dir, ignore_errors=True)
    return out


def _prepare(args, backend_name: str, data_dir: Path, out: dict, started: list) -> None:
    """Load the store (and start its server: appended to ``started``), reindex."""
    reuse = backend_name == "embedded" and args.keep and (data_dir / "store").exists()
    backend = Backend("embedded")
    out["files_mb"] = {}
    if not reuse:
        if data_dir.exists() and any(data_dir.iterdir()):
            if backend_name != "embedded" and args.keep:
                shutil.rmtree(data_dir)   # remote: never reused, always loaded again
            else:
                sys.exit(f"{data_dir} is not empty (use --keep to reuse its store)")
        data_dir.mkdir(parents=True, exist_ok=True)
        nq = dataset(args)
        out["nquads"] = str(nq)
        out["nquads_mb"] = round(nq.stat().st_size / 1e6)
        if backend_name == "embedded":
            log(f"bulk_load {nq} → {data_dir / 'store'}")
            out["bulk_load_s"] = round(bulk_load(nq, data_dir), 1)
            out["bulk_load_load"] = loadavg()
            log(f"bulk_load + optimize: {out['bulk_load_s']} s")
        elif backend_name == "oxigraph-server":
            backend = start_oxigraph_server(nq, data_dir, out)
        else:
            backend = start_virtuoso_loaded(nq, data_dir, args, out)
        out["store_server_rss_after_load_mb"] = backend.rss_mb()
    if backend.env and args.http_timeout is not None:
        backend.env["CLAIMKB_HTTP_TIMEOUT"] = str(args.http_timeout)
    out["remote_settings"] = {k: ("***" if "PASSWORD" in k else v) for k, v in backend.env.items()}
    started.append(backend)
    env = backend.child_env() if backend.env else None
    if not reuse or not (data_dir / "index.sqlite").exists() or args.reindex:
        if args.index in ("cli", "both"):
            out["reindex"] = reindex(data_dir, args.reindex_limit, env)
            out["reindex"]["load_after"] = loadavg()
            out["store_server_rss_after_reindex_mb"] = backend.rss_mb()
            log("reindex: " + json.dumps(out["reindex"].get("summary_s") or out["reindex"]))
        if args.index == "flat" or (args.index == "both" and "summary_s" not in out["reindex"]):
            out["flat_index"] = flat_index(data_dir, env)
            out["flat_index"]["load_after"] = loadavg()
            log("flat index: " + json.dumps(out["flat_index"]))
    out["files_mb"].update(file_sizes(data_dir))
    if "flat_index" not in out:
        if "stopped_after_s" in out.get("reindex", {}):
            out["not_run"] = (f"claimkb reindex stopped at --reindex-limit ({args.reindex_limit:.0f} s) "
                              f"after {out['reindex']['done']['claims']} claims: no index, not served")
        elif "failed" in out.get("reindex", {}):
            out["not_run"] = f"claimkb reindex failed ({out['reindex']['failed']}): no index, not served"
        if "not_run" in out:
            log(out["not_run"])


def _requests(args, data_dir: Path, backend: Backend, out: dict) -> None:
    rng = random.Random(args.seed)
    picked = pick(data_dir, args, rng)
    out["claims"] = picked["claims"]
    out["publishers"] = len(picked["publishers"])
    out["vocab_bands"] = picked["vocab_bands"]
    server = Server(data_dir, args.port, args.threads, backend.child_env() if backend.env else None)
    out["server_start_s"] = round(server.start_s, 1)
    out["rss_start_mb"] = server.rss_mb()
    res: dict = out["results"]
    try:
        port = args.port
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        t = time.perf_counter()
        status, _ = fetch(conn, "/claims")
        res["first request (cold, /claims)"] = {"n": 1, "p50_ms": round((time.perf_counter() - t) * 1000, 1),
                                                "status": {status: 1}, "load": loadavg()}
        conn.close()
        # the page-1,000 cursor: computed from the index, checked by walking
        if picked["cursor"] is None:
            out["deep_cursor"] = (f"not run: fewer than {(args.deep_page - 1) * PAGE} claims "
                                  f"(--deep-page {args.deep_page} is past the last page)")
            log(out["deep_cursor"])
        else:
            try:
                walked, seconds = walk_cursor(port, args.deep_page)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                walked, seconds = f"failed: {exc!r}", 0.0
            out["deep_cursor"] = {"computed": picked["cursor"], "walked": walked,
                                  "same": walked == picked["cursor"], "walk_s": round(seconds, 1)}
            log(f"page-{args.deep_page} cursor computed {picked['cursor']} walked {walked} ({seconds:.1f} s)")
        deep = f"/claims?sort=published&after={picked['cursor']}"
        n = args.requests
        pubs = [f"/claims?publisher={urllib.parse.quote(p)}" for p, _ in picked["publishers"]]
        rng.shuffle(pubs)
        words = picked["words"]
        rng.shuffle(words)
        qs = [f"/claims?q={urllib.parse.quote(w['word'])}" for w in words]
        claims = [f"/claims/{urllib.parse.quote(c)}" for c in picked["claim_ids"]]
        others = [f"/claims?{name}={urllib.parse.quote(v)}" for name, v in picked["others"]]
        rng.shuffle(others)
        # two facets (publisher and a month): counted from the matches, within the time budget
        pairs = [f"{u}&published={rng.choice(picked['months'])}" for u in pubs]
        plan = [
            ("list first page", ["/claims"] * n),
            (f"list page {args.deep_page:,}", [deep] * n),
            ("claim page", claims),
            ("facet publisher cold", pubs),
            ("facet publisher warm", pubs * max(1, n // max(1, len(pubs)))),
            ("facet property/modality/verdict cold", others),
            ("facet publisher+month cold", pairs),
            ("search q cold", qs),
            ("search q warm", qs * max(1, n // max(1, len(qs)))),
        ]
        if picked["cursor"] is None:   # no such page: said in deep_cursor
            plan = [(name, urls) for name, urls in plan if urls[:1] != [deep]]
        for name, urls in plan:
            r = run_load(port, urls, args.clients)
            if name.startswith("search q cold"):
                by_band: dict = {}
                for w, tm in zip(words, r["_times"]):
                    by_band.setdefault(w["band"], []).append(tm)
                r["by_band"] = {b: stats(ts) for b, ts in by_band.items()}
            r.pop("_times")
            res[name] = r
            log(f"{name}: {json.dumps(r)}")
        out["rss_after_8_clients_mb"] = server.rss_mb()
        out["store_server_rss_after_8_clients_mb"] = backend.rss_mb()
        # one client at a time: the service time without queueing
        single = [
            ("1 client: list first page", ["/claims"] * 50),
            (f"1 client: list page {args.deep_page:,}", [deep] * 50),
            ("1 client: claim page", claims[:100]),
            ("1 client: facet publisher warm", pubs[:50]),
            ("1 client: search q warm", qs[:100]),
        ]
        if picked["cursor"] is None:
            single = [(name, urls) for name, urls in single if urls[:1] != [deep]]
        for name, urls in single:
            r = run_load(port, urls, 1)
            r.pop("_times")
            res[name] = r
            log(f"{name}: {json.dumps(r)}")
        out["rss_end_mb"] = server.rss_mb()
    finally:
        server.stop()


def backend_dirs(args) -> list[tuple[str, Path | None]]:
    names = [b.strip() for b in args.backend.split(",") if b.strip()]
    if names == ["all"]:
        names = list(BACKENDS)
    for name in names:
        if name not in BACKENDS:
            sys.exit(f"--backend: unknown backend {name!r} (one or more of {', '.join(BACKENDS)}, "
                     "comma-separated, or all)")
    if len(names) == 1:
        return [(names[0], args.data_dir)]
    return [(name, args.data_dir / name if args.data_dir else None) for name in names]


def table(out: dict) -> str:
    lines = [f"backend: {out.get('backend', 'embedded')}"]
    if out.get("not_run"):
        lines.append(f"NOT MEASURED FURTHER: {out['not_run']}")
    lines += ["| request | n | p50 ms | p95 ms | max ms | req/s | status | load avg (1/5/15 min) |",
              "|---|---:|---:|---:|---:|---:|---|---|"]
    for name, r in out["results"].items():
        status = r.get("status", {})
        lines.append(f"| {name} | {r['n']} | {r.get('p50_ms', '')} | {r.get('p95_ms', '')} | "
                     f"{r.get('max_ms', '')} | {r.get('req_s', '')} | "
                     f"{', '.join(f'{k}: {v}' for k, v in status.items())} | {r.get('load', '')} |")
    return "\n".join(lines)


def _cell(r: dict | None, *keys: str) -> str:
    if not r:
        return "not run"
    got = [r.get(k) for k in keys]
    text = " / ".join("" if g is None else f"{g}" for g in got)
    bad = {k: v for k, v in r.get("status", {}).items() if str(k) != "200"}
    return text + (f" ({bad} not 200)" if bad else "")


def side_by_side(outs: list[dict]) -> str:
    """The backends in one table: load, reindex, the main pages, RSS (ms, MB)."""
    lines = ["| backend | load s | reindex s | list first page p50 / p95 | claim page p50 / p95 | "
             "facet publisher cold p95 | search q cold p95 | 1 client: claim page p50 / p95 | "
             "claimkb serve RSS MB | store server RSS MB | load avg during runs |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for out in outs:
        res = out.get("results", {})
        ri = out.get("reindex", {})
        reindex_s = (f"failed ({ri['failed']})" if "failed" in ri else
                     f"stopped at {ri['stopped_after_s']}" if "stopped_after_s" in ri else
                     ri.get("total_s", ""))
        rss = (out.get("rss_after_8_clients_mb") or {}).get("VmRSS", "")
        srss = (out.get("store_server_rss_after_8_clients_mb")
                or out.get("store_server_rss_end_mb") or {}).get("VmRSS", "—")
        loads = [r.get("load", "") for r in res.values() if r.get("load")]
        load = f"{loads[0]} … {loads[-1]}" if loads else ""
        lines.append(
            f"| {out.get('backend', 'embedded')} | {out.get('bulk_load_s', '')} | {reindex_s} | "
            f"{_cell(res.get('list first page'), 'p50_ms', 'p95_ms')} | "
            f"{_cell(res.get('claim page'), 'p50_ms', 'p95_ms')} | "
            f"{_cell(res.get('facet publisher cold'), 'p95_ms')} | "
            f"{_cell(res.get('search q cold'), 'p95_ms')} | "
            f"{_cell(res.get('1 client: claim page'), 'p50_ms', 'p95_ms')} | {rss} | {srss} | {load} |")
    notes = [f"{o.get('backend')}: {o['not_run']}" for o in outs if o.get("not_run")]
    return "\n".join(lines + notes)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_reindex"]:
        worker_reindex(argv[1])
        return 0
    if argv[:1] == ["_flat_index"]:
        worker_flat_index(argv[1])
        return 0
    if argv[:1] == ["replicate"]:       # replicate SRC_INDEX DST_INDEX [TIMES]
        replicate_index(argv[1], argv[2], int(argv[3]) if len(argv) > 3 else 10)
        return 0
    if argv[:1] == ["sql"]:             # sql INDEX: SQLite-only timings
        sql_timings(argv[1])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--sources", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "claimkb-bench")
    parser.add_argument("--data-dir", type=Path, help="where to load the store (default: a "
                        "temporary directory, removed afterwards)")
    parser.add_argument("--keep", action="store_true", help="keep --data-dir; reuse its store "
                        "and index when they exist (skips load and reindex)")
    parser.add_argument("--reindex", action="store_true", help="with --keep: reindex anyway")
    parser.add_argument("--index", choices=("cli", "flat", "both"), default="cli",
                        help="build the claims index with `claimkb reindex` (cli), with the "
                             "flat prototype (flat), or cli and, if it did not finish within "
                             "--reindex-limit, flat (both)")
    parser.add_argument("--reindex-limit", type=float, default=1800,
                        help="seconds after which `claimkb reindex` is stopped")
    parser.add_argument("--port", type=int, default=5077)
    parser.add_argument("--threads", type=int, default=4, help="waitress threads (claimkb serve's default)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client connections")
    parser.add_argument("--requests", type=int, default=400, help="requests per repeated-URL scenario")
    parser.add_argument("--claim-samples", type=int, default=400)
    parser.add_argument("--words-per-band", type=int, default=50)
    parser.add_argument("--deep-page", type=int, default=DEEP_PAGE, help="the deep page to time")
    parser.add_argument("--backend", default="embedded",
                        help="embedded (default), oxigraph-server or virtuoso; a comma-separated "
                             "list (or all) runs each in turn and prints them side by side")
    parser.add_argument("--virtuoso-buffers", type=int, default=170_000,
                        help="Virtuoso's NumberOfBuffers (8 KB pages; 170,000 ≈ 1.3 GB)")
    parser.add_argument("--http-timeout", type=float, help="remote backends: claimkb's "
                        "http_timeout (CLAIMKB_HTTP_TIMEOUT, seconds; claimkb's default: 30) for "
                        "the reindex and the server")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    # stop the store servers (child processes) on SIGTERM too: run's finally does it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    outs = []
    plan = backend_dirs(args)
    for name, data_dir in plan:
        log(f"===== backend {name}")
        out = run(args, name, data_dir)
        outs.append(out)
        print(table(out), flush=True)
        print(json.dumps({k: v for k, v in out.items() if k != "results"}, indent=1), flush=True)
        if args.json:   # after each backend, so that a later failure keeps the earlier ones
            whole = outs[0] if len(plan) == 1 else {"backends": {o["backend"]: o for o in outs}}
            args.json.write_text(json.dumps(whole, indent=2))
    if len(outs) > 1:
        print(side_by_side(outs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
