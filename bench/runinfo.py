"""What every benchmark here records about its run, in one place: the machine
(``machine``), the load average (``loadavg``), and the result line a worker process
prints (``emit`` in the worker, ``worker_result`` in the parent). bench/ is not a
package: the scripts put this folder on sys.path and ``import runinfo``."""
from __future__ import annotations

import importlib
import json
import os
import platform
import sqlite3
import subprocess
import sys
from pathlib import Path

RESULT = "RESULT "


def machine(*modules: str) -> dict:
    """Cores, CPU model, Python, SQLite and platform, and the version of each module
    named ("pyoxigraph", "rapidfuzz")."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "platform": platform.platform()}
    for name in modules:
        info[name] = getattr(importlib.import_module(name), "__version__", "unknown")
    return info


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages, or "n/a"."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on Linux
        return "n/a"


def worker_result(proc: subprocess.CompletedProcess, what: str) -> dict:
    """The JSON a worker printed on its last ``RESULT`` line; exits with the worker's
    stderr when it failed."""
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"{what} failed (exit {proc.returncode})")
    line = next(l for l in reversed(proc.stdout.splitlines()) if l.startswith(RESULT))
    return json.loads(line[len(RESULT):])
