"""Shared fixtures: settings/kb on a fresh embedded store, the remote Oxigraph server,
the CLI runner, and ../shared/data (skipped with a reason when absent)."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb import KnowledgeBase, load_settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"
SEED_ARTICLE = ROOT / "kb" / "demo" / "globinsider-2021-07-escalation-in-afghanistan.txt"


def load_bench(name: str):
    """bench/ is not a package: import bench/<name>.py by its path (tests check the
    benchmarks' generators and reference paths)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"claimkb_bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module   # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or a skip saying why (a user's clone has no ../shared)."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: the shared test data is only beside the "
                    "project's own checkout")
    return SHARED


@pytest.fixture
def settings(tmp_path):
    return load_settings(env={}, data_dir=tmp_path / "kb")


@pytest.fixture
def kb(settings):
    with KnowledgeBase.open(settings) as knowledge_base:
        yield knowledge_base


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def cli(runner, tmp_path):
    """Run `claimkb --data-dir <tmp> ARGS...`; returns the click Result."""
    from kb.cli import main

    data_dir = tmp_path / "cli-kb"

    def run(*args, input=None):
        return runner.invoke(main, ["--data-dir", str(data_dir), *map(str, args)],
                             input=input, catch_exceptions=False)

    run.data_dir = data_dir
    return run


def _oxigraph_binary() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(found).exists():
        pytest.fail("the `oxigraph` server binary is missing: install the test extra "
                    "(pip install -e '.[test]'), which provides it")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, proc: subprocess.Popen, what: str, timeout: float = 60) -> None:
    """Wait until ``url`` answers, or fail the test with ``proc``'s stderr (it exited or
    did not answer within ``timeout`` seconds; it is killed then)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                pytest.fail(f"{what} did not start: {err[-2000:]}")
            time.sleep(0.1)


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """A real `oxigraph serve` on 127.0.0.1 for the remote backend; yields its base URL."""
    binary = _oxigraph_binary()
    port = _free_port()
    location = tmp_path_factory.mktemp("oxigraph-server")
    proc = subprocess.Popen([binary, "serve", "--location", str(location),
                             "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    wait_for_http(f"{url}/query?query=ASK%7B%7D", proc, "oxigraph serve", timeout=30)
    yield url
    stop_process(proc)


def stop_process(proc: subprocess.Popen, timeout: float = 20) -> None:
    """End a server the tests started: SIGTERM, then SIGKILL after ``timeout`` s."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stderr:
        proc.stderr.close()


@pytest.fixture
def oxigraph_kb(oxigraph_server, tmp_path):
    """A KnowledgeBase on the remote backend over `oxigraph serve`, emptied before the test."""
    settings = load_settings(env={}, data_dir=tmp_path / "remote", backend="remote",
                             query_endpoint=f"{oxigraph_server}/query",
                             update_endpoint=f"{oxigraph_server}/update")
    with KnowledgeBase.open(settings) as knowledge_base:
        knowledge_base.clear()
        yield knowledge_base


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    """A real Virtuoso (Debian's virtuoso-opensource) on 127.0.0.1, set up as
    docs/deployment.md says; yields tests.virtuoso_support.VirtuosoServer."""
    from .virtuoso_support import VirtuosoMissing, start_virtuoso

    try:
        server = start_virtuoso(tmp_path_factory.mktemp("virtuoso") / "db")
    except (VirtuosoMissing, RuntimeError) as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()


@pytest.fixture
def virtuoso_kb(virtuoso_server, tmp_path):
    """A KnowledgeBase on Virtuoso, through /sparql (reads) and /sparql-auth (updates,
    HTTP Digest), emptied of claimkb's graphs before the test."""
    settings = load_settings(env={}, data_dir=tmp_path / "virtuoso", **virtuoso_server.settings())
    with KnowledgeBase.open(settings) as knowledge_base:
        knowledge_base.clear()
        yield knowledge_base


@pytest.fixture(params=["oxigraph", "virtuoso"])
def remote_kb(request):
    """A KnowledgeBase on the remote backend, on each server claimkb promises."""
    return request.getfixturevalue(f"{request.param}_kb")


BACKENDS = {"embedded": "kb", "remote": "oxigraph_kb", "virtuoso": "virtuoso_kb"}


@pytest.fixture(params=list(BACKENDS))
def any_kb(request):
    """The contract suite runs every test on the three backends: embedded, a real
    `oxigraph serve` ("remote") and a real Virtuoso."""
    return request.getfixturevalue(BACKENDS[request.param])


# ---------------------------------------------------------------- web app (flaskr style)

@pytest.fixture(scope="session")
def demo_kb(tmp_path_factory):
    """The demo KB, built once per session (read-only: tests that write use ``app``)."""
    from kb.demo import build

    settings = load_settings(env={}, data_dir=tmp_path_factory.mktemp("demo") / "kb")
    with KnowledgeBase.open(settings) as knowledge_base:
        build(knowledge_base, force=True)
        yield knowledge_base


@pytest.fixture(scope="session")
def demo_app(demo_kb):
    """The web app over the session's demo KB (do not write through it)."""
    from web import create_app

    return create_app(kb=demo_kb, config={"TESTING": True})


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()


@pytest.fixture
def app(kb):
    """The web app over a fresh, empty KB of its own (tests may write)."""
    from web import create_app

    return create_app(kb=kb, config={"TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def app_runner(app):
    return app.test_cli_runner()


# The session's one Chromium and the demo site it browses (tests/browser_support.py),
# defined here so that every module shares them: a second sync Playwright in the same
# session would fail inside the first one's event loop.
from .browser_support import browser_fixture, site_fixture  # noqa: E402,F401


ANALYST_RESULTS: dict[tuple[str, str], tuple[bool, str]] = {}   # (set, case) → (as labelled, said)


def pytest_collection_modifyitems(items):
    """Every case that talks to a real server (oxigraph serve or Virtuoso) is marked
    ``remote``, however it gets there (the fixtures, or the contract suite's
    ``any_kb[remote]`` / ``any_kb[virtuoso]``): ``-m "not remote"`` runs without the
    servers, CI runs them all."""
    servers = {"oxigraph_server", "oxigraph_kb", "remote_kb", "virtuoso_server", "virtuoso_kb"}
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        if names & servers or params.get("any_kb") in ("remote", "virtuoso"):
            item.add_marker(pytest.mark.remote)


def pytest_runtest_logreport(report):
    """Collect the analyst sets' results (tests/kb/model/test_analyst_set.py records each case as a
    user property): in the controller process, also when the tests ran in xdist workers."""
    if report.when == "call":
        for name, value in report.user_properties:
            if name == "analyst_case":
                which, case, ok, said = value
                ANALYST_RESULTS[(which, case)] = (ok, said)


def pytest_terminal_summary(terminalreporter):
    """Each analyst set's score, when it ran."""
    for which in sorted({w for w, _ in ANALYST_RESULTS}):
        results = {c: r for (w, c), r in ANALYST_RESULTS.items() if w == which}
        right = sum(1 for ok, _ in results.values() if ok)
        terminalreporter.write_line(
            f"analyst set {which}: {right}/{len(results)} cases given the analyst's verdict "
            f"and flags ({100 * right / len(results):.0f}%)")
        for case, (ok, said) in sorted(results.items()):
            if not ok:
                terminalreporter.write_line(f"  missed {case}: {said}")
