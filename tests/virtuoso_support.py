"""A real Virtuoso for the remote backend's tests: Debian's ``virtuoso-opensource``
(installed by ``make install-test``), started on 127.0.0.1 with a database of its own.

The settings it is started with are the ones docs/deployment.md asks for:

- ``[SPARQL] ResultSetMaxRows`` high: Virtuoso's default (10,000 in Debian's file) cuts
  every longer answer short *without saying so*;
- ``MaxQueryCostEstimationTime = 0``: the estimator otherwise refuses queries it guesses
  are slow before running them;
- ``[Parameters] MaxSortedTopRows`` high: by default an ORDER BY with a LIMIT over
  10,000 is refused (``claimkb list --limit 50000``);
- a user ``claimkb`` with the ``SPARQL_UPDATE`` role, reached on ``/sparql-auth`` with
  HTTP Digest; anonymous ``/sparql`` stays read-only, and may not fetch remote data
  ("sponge": ``SPARQL_SPONGE`` revoked from the anonymous ``SPARQL`` user).

Used by tests/conftest.py (fixture ``virtuoso_server``) and bench/web_latency.py.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

VIRTUOSO = "/usr/bin/virtuoso-t"
ISQL = "/usr/bin/isql-vt"
VSP_ROOT = "/var/lib/virtuoso-opensource-7/vsp"
USER = "claimkb"
PASSWORD = "claimkb-test-secret"

INI = """\
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
Striping           = 0
TempStorage        = TempDatabase
[TempDatabase]
DatabaseFile       = {dir}/virtuoso-temp.db
TransactionFile    = {dir}/virtuoso-temp.trx
Striping           = 0
[Parameters]
ServerPort               = 127.0.0.1:{sql_port}
DisableUnixSocket        = 1
CheckpointInterval       = 60
CaseMode                 = 2
DirsAllowed              = ., {dir}
MaxSortedTopRows         = 1000000
NumberOfBuffers          = {buffers}
MaxDirtyBuffers          = {dirty}
[HTTPServer]
ServerPort               = 127.0.0.1:{http_port}
ServerRoot               = {vsp}
ServerThreads            = 10
MaxClientConnections     = 10
Charset                  = UTF-8
[SPARQL]
ResultSetMaxRows           = {max_rows}
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime      = 600
"""

SETUP_SQL = (
    f"DB.DBA.USER_CREATE('{USER}', '{PASSWORD}'); "
    f"GRANT SPARQL_UPDATE TO \"{USER}\"; "
    f"DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{USER}', 7); "
    'REVOKE "SPARQL_SPONGE" FROM "SPARQL"; '
)


class VirtuosoMissing(RuntimeError):
    pass


@dataclass
class VirtuosoServer:
    """One running ``virtuoso-t``; ``stop()`` ends it."""
    proc: subprocess.Popen
    directory: Path
    http_port: int
    sql_port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def query_endpoint(self) -> str:
        return f"{self.url}/sparql"

    @property
    def update_endpoint(self) -> str:
        return f"{self.url}/sparql-auth"

    def settings(self) -> dict:
        """The claimkb settings that reach this server (keyword arguments of load_settings)."""
        return dict(backend="remote", query_endpoint=self.query_endpoint,
                    update_endpoint=self.update_endpoint, endpoint_user=USER,
                    endpoint_password=PASSWORD, endpoint_auth="digest")

    def isql(self, sql: str) -> str:
        done = subprocess.run([ISQL, f"127.0.0.1:{self.sql_port}", "dba", "dba",
                               f"exec={sql}"], capture_output=True, text=True, timeout=60)
        if done.returncode != 0 or "*** Error" in done.stdout:
            raise RuntimeError(f"isql failed: {done.stdout[-500:]} {done.stderr[-500:]}")
        return done.stdout

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_virtuoso(directory: Path, *, buffers: int = 10_000, max_rows: int = 100_000_000,
                   timeout: float = 90) -> VirtuosoServer:
    """Start Virtuoso with a new database in ``directory`` (created; emptied if present).

    Raises VirtuosoMissing when Debian's package is not installed, RuntimeError when the
    server does not come up in ``timeout`` seconds (its log's tail is in the message).
    """
    if not Path(VIRTUOSO).exists() or not Path(ISQL).exists():
        raise VirtuosoMissing(
            f"{VIRTUOSO} is missing: `make install-test` installs Debian's "
            "virtuoso-opensource (the remote backend's tests run on a real Virtuoso)")
    directory = Path(directory)
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    http_port, sql_port = _free_port(), _free_port()
    (directory / "virtuoso.ini").write_text(INI.format(
        dir=directory, sql_port=sql_port, http_port=http_port, vsp=VSP_ROOT,
        buffers=buffers, dirty=buffers * 3 // 4, max_rows=max_rows), encoding="utf-8")
    proc = subprocess.Popen([VIRTUOSO, "-f", "-c", str(directory / "virtuoso.ini")],
                            cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = VirtuosoServer(proc, directory, http_port, sql_port)
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"{server.query_endpoint}?query=ASK%7B%7D", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                server.stop()
                log = directory / "virtuoso.log"
                tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
                raise RuntimeError(f"Virtuoso did not start: {tail}")
            time.sleep(0.25)
    server.isql(SETUP_SQL)
    return server
