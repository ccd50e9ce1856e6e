"""Untrusted read-only SPARQL within a time budget that really stops the work.

pyoxigraph cannot cancel a query from another thread, and a query can spend minutes
(or all the memory) before its first row: aggregates, cartesian products, property
paths. So on an embedded store on disk, public queries run in **worker processes**
(kb/store/query_worker.py) over a read-only view of the store: the request waits at
most its budget, then the worker is killed (its CPU stops at once) and a fresh one
takes its place. Workers run at a lower CPU priority than the server and with a cap on
their memory; a worker that dies on a query (a crash inside the engine) is replaced
and the query gets a clear error. docs/decisions/0002-sparql-worker-processes.md has
the measurements behind this design.

Where a process cannot help — the in-memory store (no files to share) and the remote
backend (the work happens on the server; its HTTP timeout drops the connection) —
``ThreadRunner`` runs the query in a thread and waits at most the budget.

``runner_for(store, ...)`` picks one; both have ``run(...)`` → ``Answer`` and raise
OverBudget (past the budget), AllBusy (every worker is busy), QueryError, StoreError.
"""
from __future__ import annotations

import json
import logging
import os
import selectors
import struct
import subprocess
import sys
import threading
import time
import weakref
from abc import ABC, abstractmethod
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from kb.errors import AllBusy, OverBudget, QueryError, StoreError
from kb.store.base import QueryStream, Store

WORKER_SCRIPT = Path(__file__).with_name("query_worker.py")
_LEN = struct.Struct(">I")
log = logging.getLogger(__name__)
ACQUIRE_WAIT = 0.05   # seconds a request waits for a free worker before AllBusy


@dataclass
class Answer:
    """A query's result, cut at ``cap`` items. ``kind``: "select" (``vars``; ``items``
    are rows of pyoxigraph terms or None, indexable by position), "ask" (``boolean``)
    or "graph" (``items`` are pyoxigraph Triples)."""

    kind: str
    vars: list[str] = field(default_factory=list)
    items: list = field(default_factory=list)
    boolean: bool | None = None
    truncated: bool = False
    seconds: float = 0.0


class QueryRunner(ABC):
    """Runs untrusted read-only queries, at most ``workers`` at once, each within a
    time budget."""

    @abstractmethod
    def run(self, query: str, *, default_graphs: list[str] | None, named_graphs: list[str] | None,
            base_iri: str | None, cap: int, budget: float) -> Answer:
        """Run ``query`` (already checked by kb.sparql.check_read_query) and read at most
        ``cap`` items. Raises OverBudget, AllBusy, QueryError (bad syntax, a graph name
        that is not an IRI, a query the engine cannot evaluate) or StoreError."""

    def close(self) -> None:
        """Stop the workers (idempotent)."""


# ---------------------------------------------------------------- threads

class ThreadRunner(QueryRunner):
    """The query in a worker thread; the request waits at most the budget. The thread
    checks the deadline between rows; one blocked inside the engine before its first
    row runs on (only the remote backend and the in-memory store use this runner: the
    remote's HTTP timeout ends its call at the budget)."""

    def __init__(self, store: Store, workers: int):
        self.store = store
        self.slots = threading.BoundedSemaphore(workers)

    def run(self, query, *, default_graphs, named_graphs, base_iri, cap, budget) -> Answer:
        if not self.slots.acquire(timeout=ACQUIRE_WAIT):
            raise AllBusy("every query slot is busy")
        started = time.monotonic()
        deadline = started + budget
        box: dict = {}
        done = threading.Event()

        def work():
            try:
                stream = self.store.stream(query, default_graphs=default_graphs,
                                           named_graphs=named_graphs, base_iri=base_iri,
                                           timeout=budget)
                try:
                    box["value"] = _collect(stream, cap, deadline)
                finally:
                    # pyoxigraph's result iterators must be dropped on the thread that made them
                    close = getattr(stream.items, "close", None)
                    if close is not None:
                        close()
                    stream.items = iter(())
            except BaseException as exc:  # handed to the request thread, without the
                # worker's frames (they may hold objects that must die on this thread)
                exc.__context__ = exc.__cause__ = None
                box["error"] = exc.with_traceback(None)
            finally:
                self.slots.release()
                done.set()

        threading.Thread(target=work, name="claimkb-sparql", daemon=True).start()
        if not done.wait(budget):
            raise OverBudget(f"the query did not finish within {budget:g} s")
        if "error" in box:
            raise box["error"]
        answer = box["value"]
        answer.seconds = time.monotonic() - started
        return answer


def _collect(stream: QueryStream, cap: int, deadline: float) -> Answer:
    out = Answer(stream.kind, vars=list(stream.vars), boolean=stream.boolean)
    if stream.kind == "ask":
        return out
    for item in stream.items:
        if len(out.items) >= cap:
            out.truncated = True
            break
        out.items.append(item)
        if time.monotonic() > deadline:
            raise OverBudget("the query did not finish within its time budget")
    return out


# ---------------------------------------------------------------- processes

def _term(data):
    if data is None:
        return None
    tag = data[0]
    if tag == "u":
        return ox.NamedNode(data[1])
    if tag == "b":
        return ox.BlankNode(data[1])
    if tag == "l":
        if data[2]:
            return ox.Literal(data[1], language=data[2])
        return ox.Literal(data[1], datatype=ox.NamedNode(data[3]))
    return ox.Triple(_term(data[1]), _term(data[2]), _term(data[3]))


class _Worker:
    """One worker process and its pipes."""

    def __init__(self, path: Path, niceness: int, memory_bytes: int):
        self.proc = subprocess.Popen(
            [sys.executable, "-I", str(WORKER_SCRIPT), str(path), str(niceness), str(memory_bytes)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            close_fds=True, start_new_session=True)
        self.ready = False
        self.network: str | None = None

    def send(self, message: dict) -> None:
        body = json.dumps(message, separators=(",", ":")).encode("utf-8")
        self.proc.stdin.write(_LEN.pack(len(body)) + body)
        self.proc.stdin.flush()

    def receive(self, deadline: float | None) -> dict | None:
        """The next message, or None when the worker died. Raises TimeoutError at the
        deadline."""
        head = self._read_exact(_LEN.size, deadline)
        if head is None:
            return None
        (size,) = _LEN.unpack(head)
        body = self._read_exact(size, deadline)
        return None if body is None else json.loads(body.decode("utf-8"))

    def _read_exact(self, size: int, deadline: float | None) -> bytes | None:
        # a selector (epoll), not select.select: descriptors past 1023 are fine
        fd = self.proc.stdout.fileno()
        chunks, got = [], 0
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while got < size:
                wait = None if deadline is None else max(0.0, deadline - time.monotonic())
                if not selector.select(wait):
                    raise TimeoutError()
                chunk = os.read(fd, size - got)
                if not chunk:
                    return None
                chunks.append(chunk)
                got += len(chunk)
        return b"".join(chunks)

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:  # pragma: no cover - already gone
            pass
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:  # pragma: no cover
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be refused
            pass


class ProcessRunner(QueryRunner):
    """Queries in ``workers`` worker processes over a read-only view of the embedded
    store at ``path``. ``generation()`` is the store's write counter: a worker reopens
    its view when it has changed, so a query sees every write committed before it.

    Workers start on first use and are replaced after a kill or a crash; ``close()``
    (and the runner's garbage collection, and interpreter exit) stops them."""

    def __init__(self, path: Path, workers: int, generation: Callable[[], int], *,
                 niceness: int = 10, memory_bytes: int = 0):
        self.path, self.size, self.generation = Path(path), workers, generation
        self.niceness, self.memory_bytes = niceness, memory_bytes
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._slots = threading.BoundedSemaphore(workers)
        self._lock = threading.Lock()
        self._closed = False
        self._spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="claimkb-sparql-spawner")
        self._finalizer = weakref.finalize(self, _kill_all, self._all, self._spawner)

    def _take(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise StoreError("the query runner is closed")
            dead = []
            found = None
            while self._idle:
                worker = self._idle.pop()
                if worker.proc.poll() is None:
                    found = worker
                    break
                self._all.discard(worker)   # died while idle: never hand it a query
                dead.append(worker)
        for worker in dead:
            worker.kill()   # closes its pipes
        if found is not None:
            return found
        # started from one long-lived thread: Linux's parent-death signal follows the
        # thread that started a process, and a request thread may end before its worker
        try:
            worker = self._spawner.submit(_Worker, self.path, self.niceness, self.memory_bytes).result()
        except OSError as exc:   # no process or descriptor left for it
            raise StoreError(f"cannot start a query worker: {exc.strerror or exc}") from None
        except RuntimeError:     # closed meanwhile: the spawner takes no more work
            raise StoreError("the query runner is closed") from None
        with self._lock:
            self._all.add(worker)
        return worker

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(worker)
                return
        self._discard(worker)

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)

    def run(self, query, *, default_graphs, named_graphs, base_iri, cap, budget) -> Answer:
        for graph in (default_graphs or []) + (named_graphs or []):
            try:
                ox.NamedNode(graph)
            except ValueError as exc:
                raise QueryError(f"not a valid graph IRI: {graph!r} ({exc})") from None
        if not self._slots.acquire(timeout=ACQUIRE_WAIT):
            raise AllBusy("every query worker is busy")
        started = time.monotonic()
        deadline = started + budget
        try:
            worker = self._take()
            try:
                if not worker.ready:
                    hello = worker.receive(deadline)
                    if not hello or not hello.get("ready"):
                        raise _Died()
                    worker.ready = True
                    worker.network = hello.get("network")
                    if worker.network != "none":
                        log.warning("a SPARQL worker could not leave the network namespace: "
                                    "it can reach the network if a SERVICE passes the guard")
                worker.send({"query": query, "default_graphs": default_graphs,
                             "named_graphs": named_graphs, "base_iri": base_iri,
                             "cap": int(cap), "generation": self.generation()})
                reply = worker.receive(deadline)
                if reply is None:
                    raise _Died()
            except TimeoutError:
                self._discard(worker)
                raise OverBudget(f"the query did not finish within {budget:g} s") from None
            except (_Died, BrokenPipeError, OSError, ValueError):
                self._discard(worker)
                raise QueryError("the query engine stopped on this query (it was too "
                                 "large or too complex to evaluate); simplify it") from None
            except BaseException:
                self._discard(worker)   # never hand a worker in an unknown state a query
                raise
            self._give_back(worker)
        finally:
            self._slots.release()
        error = reply.get("error")
        if error == "syntax":
            raise QueryError(f"SPARQL syntax error: {reply['message']}")
        if error == "memory":
            raise QueryError(reply["message"])
        if error:
            raise StoreError(f"store read failed: {reply['message']}")
        kind = reply["kind"]
        answer = Answer(kind, vars=reply.get("vars", []), boolean=reply.get("boolean"),
                        truncated=bool(reply.get("truncated")))
        if kind == "select":
            answer.items = [[_term(t) for t in row] for row in reply["rows"]]
        elif kind == "graph":
            answer.items = [ox.Triple(_term(s), _term(p), _term(o)) for s, p, o in reply["rows"]]
        answer.seconds = time.monotonic() - started
        return answer

    def busy(self) -> int:
        """How many workers are running a query now."""
        with self._lock:
            return len(self._all) - len(self._idle)

    def pids(self) -> list[int]:
        with self._lock:
            return [w.proc.pid for w in self._all]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._idle.clear()
        self._finalizer()


class _Died(Exception):
    pass


def _kill_all(workers: set, spawner: ThreadPoolExecutor) -> None:
    for worker in list(workers):
        worker.kill()
    workers.clear()
    spawner.shutdown(wait=False)


def runner_for(store: Store, workers: int, *, niceness: int = 10, memory_bytes: int = 0) -> QueryRunner:
    """A ProcessRunner for an embedded store on disk, else a ThreadRunner."""
    path = getattr(store, "path", None)
    generation = getattr(store, "generation", None)
    if path is not None and callable(generation):
        return ProcessRunner(path, workers, generation, niceness=niceness, memory_bytes=memory_bytes)
    return ThreadRunner(store, workers)


__all__ = ["Answer", "QueryRunner", "ThreadRunner", "ProcessRunner", "OverBudget", "AllBusy",
           "runner_for"]
