"""A SPARQL worker process: runs read-only queries on a read-only view of an embedded
Oxigraph store, one at a time, until its input closes (kb/store/sandbox.py starts it).

Run as a script (``python path/to/query_worker.py STORE_DIR NICENESS MEMORY_BYTES``),
not imported: it imports only pyoxigraph and the standard library, so it starts in
~50 ms and stays small. The parent kills it when a query runs past its time budget;
that is what stops the work (pyoxigraph cannot cancel a query). It has no network
(``_without_network``): a SERVICE that got past the guard reaches nothing.

Protocol, on stdin/stdout: each message is a 4-byte big-endian length and that many
bytes of UTF-8 JSON.

request  ``{"query", "default_graphs", "named_graphs", "base_iri", "cap", "generation"}``
reply    ``{"kind": "select", "vars": [...], "rows": [[term|null, ...]], "truncated"}``,
         ``{"kind": "ask", "boolean"}``, ``{"kind": "graph", "rows": [[s, p, o]], "truncated"}``,
         or ``{"error": "syntax"|"store", "message"}``.
A term is ``["u", iri]``, ``["b", id]``, ``["l", lexical, language, datatype]`` or
``["t", s, p, o]`` (RDF-star).

The view is reopened when the parent's write generation has changed since it was
opened (a read-only open sees every commit made before it, measured in
docs/decisions/0002-sparql-worker-processes.md), when it is older than MAX_AGE seconds,
and once more when a read fails (files a compaction removed).
"""
from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import struct
import sys
import time

import pyoxigraph as ox

MAX_AGE = 60.0  # seconds a read-only view is kept without a known write
_LEN = struct.Struct(">I")


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (prctl PR_SET_PDEATHSIG),
    so that a query keeps no core busy after the server is gone."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def _without_network() -> bool:
    """Move this process into a network namespace of its own (no interface but a
    loopback that is down), so that no query can reach any address, whatever gets past
    the guard (SERVICE makes pyoxigraph fetch URLs). As root that is unshare(CLONE_NEWNET);
    otherwise in a user namespace too, where the kernel allows it. True when done."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:  # pragma: no cover - not Linux
        return False
    clone_newnet, clone_newuser = 0x40000000, 0x10000000
    return libc.unshare(clone_newnet) == 0 or libc.unshare(clone_newuser | clone_newnet) == 0


def _read(stream) -> dict | None:
    head = stream.read(_LEN.size)
    if len(head) < _LEN.size:
        return None
    (size,) = _LEN.unpack(head)
    body = stream.read(size)
    if len(body) < size:
        return None
    return json.loads(body.decode("utf-8"))


def _write(stream, message: dict) -> None:
    body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    stream.write(_LEN.pack(len(body)) + body)
    stream.flush()


def term(t) -> list | None:
    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return ["u", t.value]
    if isinstance(t, ox.BlankNode):
        return ["b", t.value]
    if isinstance(t, ox.Literal):
        return ["l", t.value, t.language, t.datatype.value]
    if isinstance(t, ox.Triple):
        return ["t", term(t.subject), term(t.predicate), term(t.object)]
    raise TypeError(f"not an RDF term: {t!r}")


def run(store: ox.Store, request: dict) -> dict:
    options = {}
    if request.get("base_iri"):
        options["base_iri"] = request["base_iri"]
    if request.get("default_graphs") is not None or request.get("named_graphs") is not None:
        options["default_graph"] = [ox.NamedNode(g) for g in request.get("default_graphs") or ()]
        options["named_graphs"] = [ox.NamedNode(g) for g in request.get("named_graphs") or ()]
    cap = int(request["cap"])
    result = store.query(request["query"], **options)
    if isinstance(result, ox.QueryBoolean):
        return {"kind": "ask", "boolean": bool(result)}
    rows, truncated = [], False
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        for solution in result:
            if len(rows) >= cap:
                truncated = True
                break
            rows.append([term(solution[i]) for i in range(len(names))])
        return {"kind": "select", "vars": names, "rows": rows, "truncated": truncated}
    for triple in result:
        if len(rows) >= cap:
            truncated = True
            break
        rows.append([term(triple.subject), term(triple.predicate), term(triple.object)])
    return {"kind": "graph", "rows": rows, "truncated": truncated}


def main(argv: list[str]) -> int:
    path, niceness, memory = argv[1], int(argv[2]), int(argv[3])
    _die_with_parent()
    isolated = _without_network()
    if niceness:
        os.nice(niceness)   # page requests of the server come first on a busy machine
    if memory > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write into the protocol stream
    store, generation, opened = None, None, 0.0
    _write(stdout, {"ready": True, "network": "none" if isolated else "shared"})
    while True:
        request = _read(stdin)
        if request is None:
            return 0
        if store is None or request.get("generation") != generation or time.monotonic() - opened > MAX_AGE:
            store = None
        for attempt in (1, 2):
            try:
                if store is None:
                    store = ox.Store.read_only(path)
                    generation, opened = request.get("generation"), time.monotonic()
                reply = run(store, request)
                break
            except SyntaxError as exc:
                reply = {"error": "syntax", "message": str(exc)}
                break
            except ValueError as exc:   # a graph name that is not an IRI
                reply = {"error": "syntax", "message": str(exc)}
                break
            except OSError as exc:
                store = None
                reply = {"error": "store", "message": str(exc)}
            except MemoryError:
                reply = {"error": "memory", "message": "the query needed more memory than a "
                                                      "query worker may use"}
                break
        _write(stdout, reply)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
