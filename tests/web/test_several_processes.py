"""Several `claimkb serve` processes and the CLI on one KB (docs/decisions/0004): two real
web servers over a real remote store, sharing one data folder, and writers in other
processes. After each write, both servers show it: the list, its counts and facets
(cached before the write), the claim page, the comparison and the annotations; an
account and a token made by the CLI work on both."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import _free_port, stop_process, wait_for_http
from tests.contract.test_store_contract import ONE_MORE, write_claims_file

pytestmark = [pytest.mark.remote, pytest.mark.slow]

CLAIMKB = [str(Path(sys.executable).parent / "claimkb")]   # the installed command

def _get(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers={"Accept": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, None


@pytest.fixture
def env(oxigraph_server, tmp_path):
    environment = {**os.environ, "CLAIMKB_DATA_DIR": str(tmp_path / "kb"),
                   "CLAIMKB_BACKEND": "remote",
                   "CLAIMKB_QUERY_ENDPOINT": f"{oxigraph_server}/query",
                   "CLAIMKB_UPDATE_ENDPOINT": f"{oxigraph_server}/update"}
    from kb import KnowledgeBase, load_settings

    with KnowledgeBase.open(load_settings(env=environment)) as kb:
        kb.clear()
    return environment


def claimkb(env, *args, input=None) -> str:
    done = subprocess.run([*CLAIMKB, *map(str, args)], env=env, input=input, text=True,
                          capture_output=True, timeout=300, cwd=Path(__file__).parent.parent.parent)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def servers(env):
    """Two `claimkb serve` processes on the same KB; yields their base URLs."""
    procs, urls = [], []
    for _ in range(2):
        port = _free_port()
        procs.append(subprocess.Popen([*CLAIMKB, "serve", "--port", str(port), "--threads", "2"],
                                      env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      cwd=Path(__file__).parent.parent.parent))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for proc, url in zip(procs, urls):
            wait_for_http(f"{url}/claims.json", proc, "claimkb serve")
        yield urls
    finally:
        for proc in procs:
            stop_process(proc)


def test_two_web_processes_and_the_cli_show_the_same_data(env, servers, tmp_path):
    second = tmp_path / "second.yaml"
    second.write_text(ONE_MORE, encoding="utf-8")
    claimkb(env, "import", write_claims_file(tmp_path))   # three claims, one of them a length

    def view(url):
        status, page = _get(f"{url}/claims.json?property=length")
        assert status == 200
        publishers = {f["label"]: f["count"] for f in page["facets"]["publisher"]}
        return page["total"], publishers

    # both serve it, and have counted (and cached) the facets
    assert [view(url) for url in servers] == [(1, {"Globinsider": 1})] * 2

    # a writer in a third process
    claimkb(env, "import", second)
    for url in servers:
        assert view(url) == (2, {"Globinsider": 1, "Other Wire": 1})
        assert _get(f"{url}/claims/length-other.json")[0] == 200
        status, report = _get(f"{url}/compare.json")
        assert status == 200 and report["total"] >= 1
        assert "conflict" in json.dumps(report).lower()

    # an account and a token made by the CLI: a write through one server, seen by both
    claimkb(env, "user", "add", "alice", "--role", "annotator", "--password-stdin",
            input="correct horse battery staple\n")
    token = claimkb(env, "user", "token", "alice").strip().splitlines()[0]
    body = json.dumps({"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
                       "body": {"type": "TextualBody", "value": "Which survey?"},
                       "target": "http://www.example.com/story.html"}).encode()
    request = urllib.request.Request(
        f"{servers[0]}/annotations/", data=body, method="POST",
        headers={"Authorization": f"Bearer {token}",
                 "Content-Type": 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
    for url in servers:
        status, container = _get(f"{url}/annotations/", {"Authorization": f"Bearer {token}"})
        assert status == 200 and container["total"] == 1

    # and a retraction by the CLI changes what both list
    claimkb(env, "retract", "length-other", "--reason", "the wire corrected its figure")
    for url in servers:
        status, page = _get(f"{url}/claims/length-other.json")
        assert status == 200 and "retract" in json.dumps(page).lower()

