"""Load test of ``claimkb serve`` (issue 11, item 7): readers, slow SPARQL and annotators
at once against a real server on 127.0.0.1, then the server's CPU after the load.

    python bench/loadtest.py --seconds 60                    # the demo KB (default)
    python bench/loadtest.py --seconds 60 --claims 10000     # bench/generate.py's synthetic KB
    python bench/loadtest.py --seconds 10 --after 10 --json /tmp/load.json

Steps:

1. KB: in a temporary directory (or ``--data-dir``, which must not hold a store unless
   ``--reuse``): ``claimkb --data-dir D demo --force``, or with ``--claims N`` the N-Quads
   of ``bench/generate.py`` (``--sources``, default N/100; cached in ``--cache-dir`` as
   bench/web_latency.py does) bulk-loaded into ``D/store``, then ``claimkb reindex``.
   ``--annotators`` accounts ``loadtest-K`` with the annotator role (``claimkb user add
   --password-stdin``) and one API token each (``claimkb user token``).
2. Server: ``claimkb --data-dir D serve --host 127.0.0.1 --port P`` (a free port; its own
   session, so its worker processes, if any, are found and stopped with it), with
   ``CLAIMKB_SPARQL_TIMEOUT`` = ``--sparql-timeout`` (2 s) and
   ``CLAIMKB_SPARQL_RATE_LIMIT`` = ``1000000/minute``. Every request of this script goes
   to 127.0.0.1:P and nowhere else: IRIs in the data (``http://localhost:5000/…``) are
   only used for their path, and as annotation targets inside request bodies.
3. Discovery: ``/claims.json``, ``/articles.json``, ``/compare.json`` give real claim,
   article, entity and publisher ids and search words.
4. Load, for ``--seconds`` (60), closed loops, each client on its own keep-alive
   ``http.client`` connection with a ``--timeout`` (30 s) per socket operation:

   - ``reader`` × ``--readers`` (32): a kind of page drawn uniformly, then one of its
     URLs, among /claims, /claims.json,
     /claims?q=WORD (and .json), a facet view, claim pages and their .json, /articles
     (and .json), article pages (and .json), /compare, /compare.json, entity and
     publisher pages (and .json), the /annotations/ container and its first page,
     annotations written by the annotators so far (``--exclude PREFIX`` leaves some
     out). HTML pages are asked for with ``Accept: text/html``.
   - ``sparql`` × ``--sparql-clients`` (2): POST /sparql, in turn, queries that run far
     past the budget on any KB of a few hundred quads or more: a COUNT over the
     cartesian product of three ``GRAPH ?g { ?s ?p ?o }`` patterns, a GROUP BY/ORDER BY
     over the same product, and a COUNT over a long property path (every predicate,
     both directions, ``*/*``). (The default graph of a claimkb store is empty, so a
     product of plain ``?a ?b ?c`` patterns answers 0 at once.) Each query carries a
     counter in a comment, so no two texts are equal.
   - ``annotator`` × ``--annotators`` (8): POST /annotations/ (JSON-LD, ``Authorization:
     Bearer``) a comment (``TextualBody``, a unique text with non-ASCII characters) on a
     random claim or publisher; then GET the path of its ``Location`` and compare the
     body text. A write fails unless 201 with a Location; a read-back fails unless 200
     with the same text.

   A request that gets no answer (client timeout, connection refused/reset/closed) is
   "unanswered". Latency = request sent → whole body read, answered requests only.
5. CPU: the server's process tree (the server and every descendant or member of its
   process group; utime + stime from /proc/PID/stat) sampled every second during the
   load and for ``--after`` (20) seconds after every client has stopped. "settled after"
   is the end of the last 1-s interval at or above 5% of one core (0 when none): from then
   on the server stayed under 5%; none when it was still busy at the end of the window.
6. The server is stopped (SIGTERM, then SIGKILL to its process group after 10 s) at the
   end, on Ctrl-C, SIGTERM or an error; processes of its group still alive after it
   exited are reported ("stray") and killed.

Targets (exit status 1 when one is missed): no 5xx except a SPARQL 503 whose message
says the query ran past its time budget (a 503 "every query slot is busy" is a miss); no
failed writes or read-backs; no unanswered request (of any kind); the server alive to the
end; CPU under 5% of a core within ``--settle`` (15) seconds of the end of the load.
Exit 2: the set-up failed (KB, accounts, server start, discovery).

Results: a table on stdout, everything in ``--json FILE``; progress on stderr.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import itertools
import json
import math
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HOST = "127.0.0.1"          # the only address this script sends anything to
KINDS = ("reader", "sparql", "annotator")
CPU_IDLE = 0.05             # "under 5% of one core"
RATE_LIMIT = "1000000/minute"
NOT_ASCII = "é ü ✓ —"


# ----------------------------------------------------------------- pure helpers

def percentile(values, p: float) -> float | None:
    """The nearest-rank ``p``-th percentile (0 < p ≤ 100) of ``values``; None if empty."""
    data = sorted(values)
    if not data:
        return None
    rank = max(1, math.ceil(p / 100 * len(data)))
    return data[min(rank, len(data)) - 1]


def classify_5xx(kind: str, status: int, body: bytes | str) -> str:
    """``sparql-budget`` for the allowed 503 of a query past its time budget,
    ``sparql-busy`` for /sparql's "every query slot is busy", else ``other``."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    if kind == "sparql" and status == 503:
        low = text.lower()
        if "budget" in low:
            return "sparql-budget"
        if "busy" in low:
            return "sparql-busy"
    return "other"


def body_texts(doc) -> list[str]:
    """The ``value`` / ``bodyValue`` texts of a Web Annotation document."""
    if not isinstance(doc, dict):
        return []
    out = []
    if isinstance(doc.get("bodyValue"), str):
        out.append(doc["bodyValue"])
    bodies = doc.get("body")
    for b in bodies if isinstance(bodies, list) else [bodies]:
        if isinstance(b, dict) and isinstance(b.get("value"), str):
            out.append(b["value"])
    return out


def iri_path(iri: str | None) -> str | None:
    """The path (and query) of an IRI or URL: where this script asks for it on 127.0.0.1."""
    if not iri:
        return None
    parts = urllib.parse.urlsplit(iri)
    if not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def discover(claims: dict, articles: dict, compare: dict, *, per_kind: int = 20) -> dict:
    """From /claims.json, /articles.json and /compare.json: the reader's URL list
    (``[(path, accept)]``), the annotation targets (claim and publisher IRIs) and words."""
    html, js, ld = "text/html", "application/json", "application/ld+json"
    rows = claims.get("claims") or []
    claim_paths = [r.get("url") or iri_path(r.get("claim")) for r in rows][:per_kind]
    claim_paths = [p for p in claim_paths if p]
    pubs = list(dict.fromkeys(r["publisher"] for r in rows if r.get("publisher")))[:per_kind]
    ents = list(dict.fromkeys(r["subject"] for r in rows if r.get("subject")))
    for fact in compare.get("facts") or []:
        if fact.get("subject"):
            ents.append(fact["subject"])
    ents = list(dict.fromkeys(ents))[:per_kind]
    arts = [a.get("url_page") or iri_path(a.get("article")) for a in articles.get("articles") or []]
    arts = [p for p in arts if p][:per_kind]
    words: Counter = Counter()
    for r in rows:
        for w in (r.get("statement") or "").split():
            w = w.strip(".,;:!?\"'()[]").lower()
            if len(w) >= 5 and w.isalpha():
                words[w] += 1
    top = [w for w, _ in words.most_common(6)] or ["border"]
    urls = [("/claims", html), ("/claims.json", js), ("/articles", html), ("/articles.json", js),
            ("/compare", html), ("/compare.json", js),
            ("/annotations/", ld), ("/annotations/?page=1", ld)]
    urls += [(f"/claims?q={urllib.parse.quote(w)}", html) for w in top]
    urls += [(f"/claims.json?q={urllib.parse.quote(w)}", js) for w in top]
    for p in claim_paths:
        urls += [(p, html), (p + ".json", js)]
    for p in arts:
        urls += [(p, html), (p + ".json", js)]
    for iri in ents + pubs:
        p = iri_path(iri)
        if p:
            urls += [(p, html), (p + ".json", js)]
    for iri in pubs[:5]:
        urls.append((f"/claims?publisher={urllib.parse.quote(iri_path(iri).rsplit('/', 1)[-1])}", html))
    targets = [r["claim"] for r in rows if r.get("claim")][:per_kind] + pubs
    return {"urls": urls, "targets": targets, "words": top,
            "claims": len(claim_paths), "articles": len(arts), "entities": len(ents),
            "publishers": len(pubs)}


def sparql_queries() -> list[tuple[str, str]]:
    """(name, query): each runs far past a budget of seconds on a KB of ~1,000 quads."""
    any_p = "(!<urn:x:none>|^!<urn:x:none>)*"
    return [
        ("count over a 3-way cartesian product",
         "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g1 { ?a ?b ?c } GRAPH ?g2 { ?d ?e ?f } "
         "GRAPH ?g3 { ?h ?i ?j } }"),
        ("group by over a 3-way cartesian product",
         "SELECT ?b (COUNT(*) AS ?n) WHERE { GRAPH ?g1 { ?a ?b ?c } GRAPH ?g2 { ?d ?e ?f } "
         "GRAPH ?g3 { ?h ?i ?j } } GROUP BY ?b ORDER BY DESC(?n)"),
        ("count over a long property path",
         f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?a {any_p}/{any_p} ?b }} }}"),
    ]


def parse_stat(line: str) -> tuple[int, int, int]:
    """(ppid, pgrp, utime + stime ticks) from a /proc/PID/stat line (the command name, in
    parentheses, may hold spaces and parentheses)."""
    rest = line[line.rindex(")") + 2:].split()
    return int(rest[1]), int(rest[2]), int(rest[11]) + int(rest[12])


def tree_pids(root: int, table: dict[int, tuple[int, int, int]]) -> set[int]:
    """``root``, its descendants and the members of its process group, in ``table``
    (pid → parse_stat)."""
    found = {root} if root in table else set()
    children: dict[int, list[int]] = {}
    for pid, (ppid, pgrp, _) in table.items():
        children.setdefault(ppid, []).append(pid)
        if pgrp == root:
            found.add(pid)
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def cpu_between(before: dict[int, int], after: dict[int, int]) -> int:
    """Ticks spent between two {pid: ticks} snapshots (a process new in ``after``
    counts whole; one gone is lost)."""
    return sum(t - before.get(pid, 0) for pid, t in after.items() if t >= before.get(pid, 0))


def settle_time(samples: list[tuple[float, float]], threshold: float = CPU_IDLE) -> float | None:
    """``samples``: (end of a 1-s interval, seconds after the load, cores used in it). The
    end of the last interval at or above ``threshold`` (0.0 when none): under it from then
    on. None when the last interval is still at or above it (or there is no sample)."""
    if not samples or samples[-1][1] >= threshold:
        return None
    busy = [t for t, cores in samples if cores >= threshold]
    return round(busy[-1], 1) if busy else 0.0


def page_kind(path: str) -> str:
    """A request path with its ids and query values left out: ``/claims/<id>.json``,
    ``/claims?q``, ``/annotations/?page``."""
    p, _, q = path.partition("?")
    segs = p.strip("/").split("/")
    out = "/" + segs[0]
    if len(segs) > 1 and segs[1]:
        out += "/<id>" + (".json" if segs[-1].endswith(".json") else "")
    elif p.endswith("/") and segs[0]:
        out += "/"
    if q:
        out += "?" + "&".join(sorted({k for k, _ in urllib.parse.parse_qsl(q, keep_blank_values=True)}))
    return out


def _ms(x: float | None) -> float | None:
    return None if x is None else round(x * 1000, 1)


def stats(rows: list[tuple], seconds: float) -> dict:
    """Counts and latencies of request records (kind, op, status|None, latency s, error,
    5xx class|None[, path])."""
    answered = [r[3] for r in rows if r[2] is not None]
    statuses = Counter(str(r[2]) for r in rows if r[2] is not None)
    classes = Counter(r[5] for r in rows if r[5])
    errors = Counter(r[4] for r in rows if r[2] is None)
    return {
        "requests": len(rows), "answered": len(answered), "unanswered": len(rows) - len(answered),
        "per_s": round(len(rows) / seconds, 1) if seconds else None,
        "statuses": dict(sorted(statuses.items())),
        "p50_ms": _ms(percentile(answered, 50)), "p95_ms": _ms(percentile(answered, 95)),
        "max_ms": _ms(max(answered) if answered else None),
        "5xx_budget": classes.get("sparql-budget", 0),
        "5xx_busy": classes.get("sparql-busy", 0),
        "5xx_other": classes.get("other", 0),
        "unanswered_errors": dict(errors),
    }


def summarize(records: list[tuple], *, seconds: float, failed_writes: int, failed_readbacks: int,
              cpu_after: list[tuple[float, float]], cpu_during: list[float],
              server_exit: int | None = None, settle_limit: float = 15.0) -> dict:
    """The report: totals, per kind (and per annotator operation), failures, CPU."""
    kinds = {k: stats([r for r in records if r[0] == k], seconds) for k in KINDS}
    ops = {}
    for op in sorted({r[1] for r in records if r[0] == "annotator"}):
        ops[f"annotator {op}"] = stats([r for r in records if r[0] == "annotator" and r[1] == op],
                                       seconds)
    by_page: dict[str, list] = {}
    for r in records:
        if r[0] == "reader" and len(r) > 6:
            by_page.setdefault(page_kind(r[6]), []).append(r)
    pages = {k: stats(v, seconds) for k, v in by_page.items()}
    pages = dict(sorted(pages.items(), key=lambda kv: -(kv[1]["p95_ms"] or float("inf"))))
    return {
        "requests": len(records),
        "seconds": round(seconds, 1),
        "kinds": kinds,
        "annotator_ops": ops,
        "reader_pages": pages,
        "failed_writes": failed_writes,
        "failed_readbacks": failed_readbacks,
        "unanswered": sum(v["unanswered"] for v in kinds.values()),
        "5xx_other": sum(v["5xx_other"] + v["5xx_busy"] for v in kinds.values()),
        "5xx_budget": kinds["sparql"]["5xx_budget"],
        "server_exit": server_exit,
        "cpu": {
            "during_load_cores_mean": (round(sum(cpu_during) / len(cpu_during), 3)
                                       if cpu_during else None),
            "after_load": [(round(t, 1), round(c, 3)) for t, c in cpu_after],
            "threshold_cores": CPU_IDLE,
            "settled_after_s": settle_time(cpu_after),
            "settle_limit_s": settle_limit,
        },
    }


def evaluate(report: dict) -> list[str]:
    """The targets missed (empty: all met)."""
    missed = []
    if report["5xx_other"]:
        k = report["kinds"]
        parts = [f"{name} {k[name]['5xx_other']}" for name in KINDS if k[name]["5xx_other"]]
        if k["sparql"]["5xx_busy"]:
            parts.append(f"sparql 'every slot busy' 503 {k['sparql']['5xx_busy']}")
        missed.append(f"{report['5xx_other']} 5xx other than the SPARQL-budget 503 ({', '.join(parts)})")
    if report["failed_writes"]:
        missed.append(f"{report['failed_writes']} failed annotation writes")
    if report["failed_readbacks"]:
        missed.append(f"{report['failed_readbacks']} failed annotation read-backs")
    if report["unanswered"]:
        parts = [f"{name} {report['kinds'][name]['unanswered']}" for name in KINDS
                 if report["kinds"][name]["unanswered"]]
        missed.append(f"{report['unanswered']} unanswered requests ({', '.join(parts)})")
    if report.get("server_exit") is not None:
        missed.append(f"the server exited during the test (status {report['server_exit']})")
    cpu = report["cpu"]
    settled = cpu["settled_after_s"]
    if settled is None:
        last = cpu["after_load"][-1][1] if cpu["after_load"] else None
        missed.append("server CPU not under 5% of a core by the end of the window"
                      + (f" (last second: {last * 100:.0f}%)" if last is not None else ""))
    elif settled > cpu["settle_limit_s"]:
        missed.append(f"server CPU under 5% of a core only after {settled:.0f} s "
                      f"(target {cpu['settle_limit_s']:.0f} s)")
    return missed


def format_table(report: dict) -> str:
    """The human-readable results."""
    def num(x):
        return "-" if x is None else (f"{x:,.0f}" if x >= 100 else f"{x:.1f}")

    lines = [f"{'kind':16} {'requests':>8} {'/s':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
             f"{'unanswered':>10}  statuses"]
    rows = list(report["kinds"].items()) + list(report["annotator_ops"].items())
    for name, s in rows:
        st = " ".join(f"{code}:{n}" for code, n in s["statuses"].items()) or "-"
        lines.append(f"{name:16} {s['requests']:>8,} {num(s['per_s']):>6} {num(s['p50_ms']):>8} "
                     f"{num(s['p95_ms']):>8} {num(s['max_ms']):>8} {s['unanswered']:>10}  {st}")
    if report.get("reader_pages"):
        lines += ["", f"{'reader page':30} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
                      f"{'unanswered':>10}  statuses"]
        for name, s in report["reader_pages"].items():
            st = " ".join(f"{code}:{n}" for code, n in s["statuses"].items()) or "-"
            lines.append(f"{name[:30]:30} {s['requests']:>8,} {num(s['p50_ms']):>8} "
                         f"{num(s['p95_ms']):>8} {num(s['max_ms']):>8} {s['unanswered']:>10}  {st}")
    cpu = report["cpu"]
    after = " ".join(f"{c * 100:.0f}" for _, c in cpu["after_load"])
    settled = cpu["settled_after_s"]
    lines += [
        "",
        f"requests {report['requests']:,} in {report['seconds']} s; "
        f"5xx other than the SPARQL-budget 503: {report['5xx_other']} "
        f"(sparql 'every slot busy' 503: {report['kinds']['sparql']['5xx_busy']}); "
        f"SPARQL-budget 503: {report['5xx_budget']}",
        f"annotations: failed writes {report['failed_writes']}, failed read-backs "
        f"{report['failed_readbacks']}; unanswered requests {report['unanswered']}",
        f"server CPU during the load: {num((cpu['during_load_cores_mean'] or 0) * 100)}% of a core "
        f"(mean); after it, % of a core per second: {after or '-'}",
        "server CPU under 5% of a core after: "
        + (f"{settled:.0f} s" if settled is not None else "not within the window")
        + f" (target ≤ {cpu['settle_limit_s']:.0f} s)",
    ]
    return "\n".join(lines)


# ----------------------------------------------------------------- processes

def log(msg: str) -> None:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"[{time.strftime('%H:%M:%S')} load {load}] {msg}", file=sys.stderr, flush=True)


def claimkb_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "claimkb"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("claimkb")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from web.cli import main; sys.exit(main())"]


def run_claimkb(data_dir: Path, *args: str, stdin: str | None = None, check: bool = True,
                timeout: float = 1800) -> subprocess.CompletedProcess:
    proc = subprocess.run(claimkb_cmd() + ["--data-dir", str(data_dir), *args], input=stdin,
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if check and proc.returncode:
        raise SetupError(f"claimkb {' '.join(args)} failed ({proc.returncode}): "
                         f"{(proc.stderr or proc.stdout).strip()[-1000:]}")
    return proc


class SetupError(Exception):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def proc_table() -> dict[int, tuple[int, int, int]]:
    table = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as fh:
                    table[int(entry.name)] = parse_stat(fh.read())
            except (OSError, ValueError, IndexError):
                pass
    return table


def tree_ticks(root: int) -> dict[int, int]:
    table = proc_table()
    return {pid: table[pid][2] for pid in tree_pids(root, table)}


class Server:
    """``claimkb serve`` on 127.0.0.1 in its own session."""

    def __init__(self, data_dir: Path, log_path: Path, *, sparql_timeout: float,
                 threads: int | None, start_timeout: float):
        self.port = free_port()
        cmd = claimkb_cmd() + ["--data-dir", str(data_dir), "serve", "--host", HOST,
                               "--port", str(self.port)]
        if threads:
            cmd += ["--threads", str(threads)]
        env = dict(os.environ, CLAIMKB_SPARQL_TIMEOUT=str(sparql_timeout),
                   CLAIMKB_SPARQL_RATE_LIMIT=RATE_LIMIT)
        env.pop("CLAIMKB_DATA_DIR", None)
        log(f"serve: CLAIMKB_SPARQL_TIMEOUT={sparql_timeout} CLAIMKB_SPARQL_RATE_LIMIT={RATE_LIMIT} "
            + " ".join(cmd))
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                     cwd=ROOT, start_new_session=True)
        self.pid = self.proc.pid
        self.stray = 0
        t0 = time.monotonic()
        while True:
            if self.proc.poll() is not None:
                raise SetupError(f"claimkb serve exited {self.proc.returncode}: see {log_path}")
            if time.monotonic() - t0 > start_timeout:
                raise SetupError(f"claimkb serve did not answer within {start_timeout:.0f} s")
            try:
                c = http.client.HTTPConnection(HOST, self.port, timeout=5)
                c.request("GET", "/claims.json")
                ok = c.getresponse().status == 200
                c.close()
                if ok:
                    break
            except OSError:
                pass
            time.sleep(0.25)
        self.start_s = time.monotonic() - t0

    def status(self) -> dict:
        out = {}
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM", "Threads"):
                    out[key] = int(value.split()[0]) // (1024 if key != "Threads" else 1)
        except OSError:
            pass
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                log("serve did not stop within 10 s of SIGTERM: SIGKILL to its process group")
                self._killpg()
                self.proc.wait(10)
        # workers left behind in the server's process group (ours: start_new_session)
        left = [pid for pid, (_, pgrp, _) in proc_table().items() if pgrp == self.pid]
        if left:
            self.stray = len(left)
            log(f"{len(left)} processes of the server's group still alive after it exited: killed")
            self._killpg()
        self.log.close()

    def _killpg(self) -> None:
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


# ----------------------------------------------------------------- clients

class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.records: list[tuple] = []
        self.samples_5xx: list[dict] = []
        self.unanswered: list[dict] = []
        self.failed_writes = 0
        self.failed_readbacks = 0
        self.failures: list[dict] = []

    def add(self, kind, op, path, status, latency, error=None, body=b""):
        cls = classify_5xx(kind, status, body) if status is not None and status >= 500 else None
        with self.lock:
            self.records.append((kind, op, status, latency, error, cls, path))
            if status is None and len(self.unanswered) < 20:
                self.unanswered.append({"kind": kind, "op": op, "path": path[:120], "error": error,
                                        "after_s": round(latency, 1)})
            if cls and len([s for s in self.samples_5xx if s["class"] == cls]) < 5:
                self.samples_5xx.append({"kind": kind, "path": path[:120], "status": status,
                                         "class": cls,
                                         "body": body[:300].decode("utf-8", "replace")})

    def fail(self, what: str, **info):
        with self.lock:
            if what == "write":
                self.failed_writes += 1
            else:
                self.failed_readbacks += 1
            if len(self.failures) < 20:
                self.failures.append({"what": what, **info})


class Client:
    """One keep-alive connection to 127.0.0.1:port; reconnects after an error."""

    def __init__(self, port: int, timeout: float, rec: Recorder, kind: str):
        self.port, self.timeout, self.rec, self.kind = port, timeout, rec, kind
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None, op: str = "GET"):
        """(status, headers, body) or (None, None, error name); recorded."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        t0 = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            resp = self.conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            latency = time.perf_counter() - t0
            self.close()
            self.rec.add(self.kind, op, path, None, latency, error=type(exc).__name__)
            return None, None, type(exc).__name__
        latency = time.perf_counter() - t0
        self.rec.add(self.kind, op, path, resp.status, latency, body=data)
        return resp.status, resp, data

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def reader(client: Client, urls, made: list[str], stop: threading.Event, seed: int):
    """Each request: a kind of page (page_kind) drawn uniformly, then one of its URLs; the
    annotations written so far count as one more kind."""
    rng = random.Random(seed)
    groups: dict[str, list] = {}
    for path, accept in urls:
        groups.setdefault(page_kind(path), []).append((path, accept))
    kinds = sorted(groups)
    while not stop.is_set():
        if made and rng.random() < 1 / (len(kinds) + 1):
            path, accept = rng.choice(made), "application/ld+json"
        else:
            path, accept = rng.choice(groups[rng.choice(kinds)])
        client.request("GET", path, headers={"Accept": accept})
    client.close()


def sparql_client(client: Client, stop: threading.Event, offset: int, counter):
    queries = sparql_queries()
    i = offset
    while not stop.is_set():
        name, query = queries[i % len(queries)]
        text = f"# loadtest {next(counter)}\n{query}"
        client.request("POST", "/sparql", body=urllib.parse.urlencode({"query": text}).encode(),
                       headers={"Content-Type": "application/x-www-form-urlencoded",
                                "Accept": "application/sparql-results+json"}, op="POST")
        i += 1
    client.close()


def annotator(client: Client, name: str, token: str, targets: list[str], made: list[str],
              stop: threading.Event, seed: int):
    rng = random.Random(seed)
    auth = {"Authorization": f"Bearer {token}"}
    i = 0
    while not stop.is_set():
        i += 1
        text = f"load test note {i} by {name} {secrets.token_hex(4)}: {NOT_ASCII} <b>not markup</b>"
        doc = {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
               "motivation": "commenting",
               "body": {"type": "TextualBody", "value": text, "format": "text/plain"},
               "target": rng.choice(targets)}
        status, resp, data = client.request(
            "POST", "/annotations/", body=json.dumps(doc).encode("utf-8"), op="POST",
            headers={**auth, "Content-Type": "application/ld+json", "Accept": "application/ld+json"})
        location = resp.getheader("Location") if resp is not None else None
        path = iri_path(location)
        if status != 201 or not path:
            client.rec.fail("write", status=status, location=location,
                            body=(data[:200].decode("utf-8", "replace") if isinstance(data, bytes)
                                  else data))
            continue
        status, resp, data = client.request("GET", path, headers={"Accept": "application/ld+json"})
        got = []
        if status == 200:
            try:
                got = body_texts(json.loads(data))
            except ValueError:
                got = []
        if status != 200 or text not in got:
            # diagnostic only (the failure counts): is it right on a second read, 1 s later?
            time.sleep(1.0)
            status2, _, data2 = client.request("GET", path, headers={"Accept": "application/ld+json"})
            try:
                again = status2 == 200 and text in body_texts(json.loads(data2))
            except ValueError:
                again = False
            client.rec.fail("read-back", status=status, path=path, expected=text, got=got[:2],
                            body=(data[:1500].decode("utf-8", "replace") if isinstance(data, bytes)
                                  else data), right_on_second_read=again)
        else:
            made.append(path)
    client.close()


class CpuSampler(threading.Thread):
    """The server tree's cores used per second, until stopped."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.samples, self.halt = pid, [], threading.Event()
        self.hz = os.sysconf("SC_CLK_TCK")

    def run(self):
        before, t0 = tree_ticks(self.pid), time.monotonic()
        while not self.halt.wait(1.0):
            after, t1 = tree_ticks(self.pid), time.monotonic()
            self.samples.append(cpu_between(before, after) / self.hz / (t1 - t0))
            before, t0 = after, t1


def cpu_after_load(pid: int, seconds: float) -> list[tuple[float, float]]:
    """(seconds after the load, cores used in the second before), every second."""
    hz = os.sysconf("SC_CLK_TCK")
    start = time.monotonic()
    before, t0 = tree_ticks(pid), start
    out = []
    while time.monotonic() - start < seconds - 0.01:
        time.sleep(max(0.0, 1.0 - (time.monotonic() - t0)))
        after, t1 = tree_ticks(pid), time.monotonic()
        out.append((t1 - start, cpu_between(before, after) / hz / (t1 - t0)))
        before, t0 = after, t1
    return out


# ----------------------------------------------------------------- set-up

def build_kb(args, data_dir: Path) -> dict:
    store = data_dir / "store"
    if store.exists():
        if not args.reuse:
            raise SetupError(f"{data_dir} already holds a store: pass --reuse to use it as it "
                             "is, or give an empty directory")
        log(f"KB: reusing {data_dir}")
        return {"kb": "reused", "build_s": 0.0}
    data_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    if not args.claims:
        log(f"KB: claimkb --data-dir {data_dir} demo --force")
        out = run_claimkb(data_dir, "demo", "--force").stdout.strip().splitlines()
        return {"kb": "demo", "build_s": round(time.monotonic() - t0, 1),
                "detail": out[-1] if out else ""}
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(HERE))
    import generate

    sources = args.sources or max(1, args.claims // 100)
    nq = generate.cached_nquads(args.claims, sources, args.seed, args.cache_dir, log=log)
    log(f"KB: bulk_load {nq} into {store}")
    generate.bulk_load(nq, data_dir)
    log(f"KB: claimkb --data-dir {data_dir} reindex")
    run_claimkb(data_dir, "reindex")
    return {"kb": f"synthetic {args.claims} claims, {sources} sources, seed {args.seed}",
            "build_s": round(time.monotonic() - t0, 1)}


def make_annotators(data_dir: Path, n: int) -> list[tuple[str, str]]:
    out = []
    for k in range(1, n + 1):
        name = f"loadtest-{k}"
        password = secrets.token_urlsafe(18) + "aZ9!"
        added = run_claimkb(data_dir, "user", "add", name, "--role", "annotator",
                            "--password-stdin", stdin=password + "\n", check=False)
        if added.returncode and "exists" not in (added.stderr + added.stdout):
            raise SetupError(f"claimkb user add {name} failed: {added.stderr.strip()}")
        token = run_claimkb(data_dir, "user", "token", name).stdout.strip().split()[-1]
        out.append((name, token))
    return out


def get_json(port: int, path: str, timeout: float):
    c = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        c.request("GET", path, headers={"Accept": "application/json"})
        resp = c.getresponse()
        data = resp.read()
        if resp.status != 200:
            raise SetupError(f"GET {path}: {resp.status}")
        return json.loads(data)
    finally:
        c.close()


def count_quads(port: int, timeout: float) -> int | None:
    c = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        c.request("POST", "/sparql", body=urllib.parse.urlencode(
            {"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Accept": "application/sparql-results+json"})
        resp = c.getresponse()
        data = resp.read()
        if resp.status != 200:
            return None
        return int(json.loads(data)["results"]["bindings"][0]["n"]["value"])
    except (OSError, ValueError, KeyError, IndexError, http.client.HTTPException):
        return None
    finally:
        c.close()


# ----------------------------------------------------------------- main

def run(args) -> int:
    tmp = None
    if args.data_dir:
        data_dir = args.data_dir.resolve()
    else:
        tmp = Path(tempfile.mkdtemp(prefix="claimkb-loadtest-"))
        data_dir = tmp / "kb"
    server = None
    stop = threading.Event()
    threads: list[threading.Thread] = []
    started = dt.datetime.now(dt.timezone.utc)
    info: dict = {"command": " ".join([Path(sys.executable).name] + sys.argv),
                  "date": started.strftime("%Y-%m-%d %H:%M UTC"),
                  "machine": {"nproc": os.cpu_count(), "python": platform.python_version(),
                              "loadavg_before": [round(x, 2) for x in os.getloadavg()]},
                  "settings": {"seconds": args.seconds, "readers": args.readers,
                               "sparql_clients": args.sparql_clients,
                               "annotators": args.annotators, "timeout_s": args.timeout,
                               "sparql_timeout_s": args.sparql_timeout, "after_s": args.after,
                               "server_threads": args.threads or "default",
                               "exclude": args.exclude}}
    try:
        info["kb"] = build_kb(args, data_dir)
        accounts = make_annotators(data_dir, args.annotators) if args.annotators else []
        server = Server(data_dir, (tmp or data_dir) / "loadtest-serve.log",
                        sparql_timeout=args.sparql_timeout, threads=args.threads,
                        start_timeout=args.start_timeout)
        info["server"] = {"port": server.port, "start_s": round(server.start_s, 1)}
        claims = get_json(server.port, "/claims.json", args.timeout)
        found = discover(claims, get_json(server.port, "/articles.json", args.timeout),
                         get_json(server.port, "/compare.json", args.timeout))
        if args.exclude:
            found["urls"] = [(p, a) for p, a in found["urls"] if not p.startswith(tuple(args.exclude))]
        if not found["targets"] or not found["urls"]:
            raise SetupError("no claims found to read or annotate")
        info["kb"].update(claims=claims.get("total"), quads=count_quads(server.port, args.timeout))
        info["discovered"] = {k: v for k, v in found.items() if k not in ("urls", "targets")}
        info["discovered"]["reader_urls"] = len(found["urls"])
        if info["kb"]["quads"] is not None and info["kb"]["quads"] < 500:
            log(f"warning: {info['kb']['quads']} quads: the slow queries may finish within the budget")
        log(f"KB: {info['kb']}; {len(found['urls'])} reader URLs, {len(found['targets'])} targets")

        rec = Recorder()
        made: list[str] = []
        counter = itertools.count()   # next() on it is atomic in CPython
        for i in range(args.readers):
            threads.append(threading.Thread(target=reader, daemon=True, args=(
                Client(server.port, args.timeout, rec, "reader"), found["urls"], made, stop,
                args.seed * 1000 + i)))
        for i in range(args.sparql_clients):
            threads.append(threading.Thread(target=sparql_client, daemon=True, args=(
                Client(server.port, args.timeout, rec, "sparql"), stop, i, counter)))
        for i, (name, token) in enumerate(accounts):
            threads.append(threading.Thread(target=annotator, daemon=True, args=(
                Client(server.port, args.timeout, rec, "annotator"), name, token,
                found["targets"], made, stop, args.seed * 2000 + i)))
        sampler = CpuSampler(server.pid)
        log(f"load: {args.readers} readers, {args.sparql_clients} SPARQL clients, "
            f"{len(accounts)} annotators for {args.seconds:.0f} s")
        t0 = time.monotonic()
        sampler.start()
        for t in threads:
            t.start()
        while time.monotonic() - t0 < args.seconds:
            time.sleep(min(1.0, max(0.0, args.seconds - (time.monotonic() - t0))))
            if server.proc.poll() is not None:
                log(f"the server exited ({server.proc.returncode}) during the load")
                break
        stop.set()
        for t in threads:
            t.join()
        load_s = time.monotonic() - t0
        sampler.halt.set()
        sampler.join()
        server_exit = server.proc.poll()
        log(f"load over after {load_s:.1f} s ({len(rec.records):,} requests); "
            f"CPU for {args.after:.0f} s")
        cpu_after = cpu_after_load(server.pid, args.after) if server_exit is None else []
        info["server"].update(server.status())
        info["machine"]["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
        report = summarize(rec.records, seconds=load_s, failed_writes=rec.failed_writes,
                           failed_readbacks=rec.failed_readbacks, cpu_after=cpu_after,
                           cpu_during=sampler.samples, server_exit=server_exit,
                           settle_limit=args.settle)
        sparql_200 = report["kinds"]["sparql"]["statuses"].get("200", 0)
        if sparql_200:
            log(f"warning: {sparql_200} slow SPARQL queries finished within the budget "
                "(the KB is too small for them)")
    except SetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        stop.set()
        if server is not None:
            server.stop()
            log("server stopped")
        for t in threads:
            t.join(timeout=5)
        if tmp is not None and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp is not None:
            log(f"kept {tmp}")
    report["server_stray_processes"] = server.stray
    report["samples_5xx"] = rec.samples_5xx
    report["failures"] = rec.failures
    report["unanswered_samples"] = rec.unanswered
    report.update(info)
    missed = evaluate(report)
    report["targets_missed"] = missed
    print(f"{info['date']}: {info['command']}")
    print(f"KB: {info['kb']}; server {info['server']}")
    print(format_table(report))
    if rec.samples_5xx:
        print("5xx examples:")
        for s in rec.samples_5xx[:6]:
            print(f"  {s['kind']} {s['status']} {s['class']} {s['path'][:60]}: {s['body'][:140]!r}")
    if rec.unanswered:
        print("unanswered (first 5):")
        for u in rec.unanswered[:5]:
            print(f"  {u['kind']} {u['op']} {u['path'][:80]}: {u['error']} after {u['after_s']} s")
    if rec.failures:
        print("failures (first 5):")
        for f in rec.failures[:5]:
            short = {k: (v[:160] + "…" if isinstance(v, str) and len(v) > 160 else v)
                     for k, v in f.items()}
            print(f"  {short}")
    print("targets: " + ("all met" if not missed else "MISSED: " + "; ".join(missed)))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        log(f"wrote {args.json}")
    return 1 if missed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="length of the load (60)")
    parser.add_argument("--after", type=float, default=20,
                        help="seconds of CPU sampling after the load (20)")
    parser.add_argument("--settle", type=float, default=15,
                        help="target: seconds after the load until the server is under 5%% CPU (15)")
    parser.add_argument("--claims", type=int, default=0,
                        help="use bench/generate.py's synthetic KB of N claims instead of the demo")
    parser.add_argument("--sources", type=int, default=0, help="synthetic sources (default N/100)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache-dir", type=Path,
                        default=Path(tempfile.gettempdir()) / "claimkb-bench",
                        help="where the synthetic N-Quads are cached")
    parser.add_argument("--data-dir", type=Path, help="build the KB here (default: a temp dir)")
    parser.add_argument("--reuse", action="store_true",
                        help="use the KB already in --data-dir as it is")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--readers", type=int, default=32)
    parser.add_argument("--sparql-clients", type=int, default=2)
    parser.add_argument("--annotators", type=int, default=8)
    parser.add_argument("--exclude", action="append", default=[], metavar="PREFIX",
                        help="leave reader URLs starting with PREFIX out (repeatable), "
                             "e.g. --exclude /compare")
    parser.add_argument("--timeout", type=float, default=30, help="client timeout, seconds (30)")
    parser.add_argument("--sparql-timeout", type=float, default=2,
                        help="the server's CLAIMKB_SPARQL_TIMEOUT (2)")
    parser.add_argument("--threads", type=int, help="claimkb serve --threads (its default)")
    parser.add_argument("--start-timeout", type=float, default=300,
                        help="seconds the server may take to answer /claims.json")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)

    def on_term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
