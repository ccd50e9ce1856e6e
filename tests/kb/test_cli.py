"""The claimkb command line, end to end on a temporary data directory."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import textwrap

import pytest
from rdflib import Dataset

from kb.cli import main
from kb.store.embedded import EmbeddedStore

from tests.conftest import SEED_ARTICLE
from tests.contract.test_store_contract import CLAIMS

COMMANDS = ["init", "import-article", "import", "list", "show", "query", "export",
            "validate", "demo", "compare", "match"]


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_command_has_help(runner, command):
    result = runner.invoke(main, [command, "--help"] if command else ["--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output
    if command is None:
        for name in COMMANDS:
            assert name in result.output


@pytest.fixture
def loaded(cli, tmp_path):
    path = tmp_path / "claims.yaml"
    path.write_text(CLAIMS.format(seed=SEED_ARTICLE), encoding="utf-8")
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    assert "3 claims, 2 sources" in result.output
    return cli


def test_init_reports_the_store(cli):
    result = cli("init")
    assert result.exit_code == 0 and "embedded store" in result.output
    assert (cli.data_dir / "store").is_dir()


def test_list_formats_and_filters(loaded):
    table = loaded("list")
    assert "border-length" in table.output and "reported-speech" in table.output
    rows = json.loads(loaded("list", "--format", "json").output)
    assert {r["id"] for r in rows} == {"border-length", "crossed-ap", "opinion-1"}
    parsed = list(csv.DictReader(io.StringIO(loaded("list", "--format", "csv", "--modality",
                                                    "opinion").output)))
    assert [r["id"] for r in parsed] == ["opinion-1"]
    page = json.loads(loaded("list", "--format", "json", "--limit", "1", "--after",
                             "border-length").output)
    assert [r["id"] for r in page] == ["crossed-ap"]
    bad = loaded("list", "--modality", "gossip")
    assert bad.exit_code == 2 and "unknown modality" in bad.output


def test_show_text_json_jsonld(loaded):
    text = loaded("show", "border-length").output
    assert "1,344 km → 1344 KMT" in text and "[the 1,344 km long Afghan-Tajik border]" in text
    assert "(when the source published it)" in text and "(the time the claim is about)" in text
    view = json.loads(loaded("show", "crossed-ap", "--format", "json").output)
    assert view["speaker"].endswith("tajik-state-committee-for-national-security")
    ds = Dataset()
    ds.parse(data=loaded("show", "crossed-ap", "--format", "jsonld").output, format="json-ld")
    assert len(list(ds.quads((None, None, None, None)))) > 10
    missing = loaded("show", "nope")
    assert missing.exit_code == 3 and "no claim 'nope'" in missing.output


def test_query_formats(loaded):
    q = "SELECT ?c WHERE { GRAPH ?g { ?c a <http://schema.org/Claim> } } ORDER BY ?c"
    table = loaded("query", q)
    assert table.exit_code == 0 and "claims/border-length" in table.output
    assert len(json.loads(loaded("query", q, "--format", "json").output)) == 3
    assert loaded("query", q, "--format", "csv").output.splitlines()[0] == "c"
    assert loaded("query", "ASK { GRAPH ?g { ?s ?p ?o } }").output.strip() == "true"
    update = loaded("query", "DELETE WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert update.exit_code == 2 and "only SELECT" in update.output
    syntax = loaded("query", "SELECT * WHERE {")
    assert syntax.exit_code == 2 and "syntax" in syntax.output.lower()


def test_query_remote_endpoint(loaded, oxigraph_server):
    result = loaded("query", "--endpoint", f"{oxigraph_server}/query", "ASK { ?s ?p ?o }")
    assert result.exit_code == 0 and result.output.strip() in ("true", "false")
    down = loaded("query", "--endpoint", "http://127.0.0.1:9/query", "ASK {}")
    assert down.exit_code == 5 and "cannot reach" in down.output


def test_export_formats(loaded, tmp_path):
    out = tmp_path / "kb.trig"
    assert loaded("export", "--format", "trig", "-o", out).exit_code == 0
    ds = Dataset()
    ds.parse(out, format="trig")
    nq = loaded("export", "--format", "nquads").output
    assert len(nq.splitlines()) == len(list(ds.quads((None, None, None, None))))
    one = loaded("export", "--format", "jsonld", "--claim", "border-length")
    assert '"@context"' in one.output
    assert loaded("export", "--format", "jsonld").exit_code == 2


def test_validate_passes_then_reports_a_broken_record(loaded, tmp_path):
    ok = loaded("validate")
    assert ok.exit_code == 0 and "conforms" in ok.output
    broken = tmp_path / "broken.nq"
    broken.write_text(
        '<http://localhost:5000/claims/x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
        '<http://schema.org/Claim> <https://w3id.org/claimkb/graph/metadata> .\n', encoding="utf-8")
    refused = loaded("import", broken)     # an import checks each claim (issue 15) ...
    assert refused.exit_code == 2 and "http://localhost:5000/claims/x" in refused.output
    assert "a claim has exactly one modality" in refused.output
    with EmbeddedStore(loaded.data_dir / "store") as store:   # ... a store written around it not
        store.load(broken.read_bytes(), "nquads")
    bad = loaded("validate")
    assert bad.exit_code == 6
    assert "violation" in bad.output and "http://localhost:5000/claims/x" in bad.output
    assert "a claim has exactly one modality" in bad.output


def test_import_errors_exit_nonzero_and_write_nothing(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("claims:\n  - article: x\n    statement: [\n", encoding="utf-8")
    result = cli("import", bad)
    assert result.exit_code == 2 and "malformed YAML" in result.output and "bad.yaml:" in result.output
    unknown = tmp_path / "data.xyz"
    unknown.write_text("x", encoding="utf-8")
    result = cli("import", unknown)
    assert result.exit_code == 2 and "--format" in result.output
    assert "0 quads" in cli("init").output


def test_import_article_from_text_file(cli):
    first = cli("import-article", SEED_ARTICLE, "--publisher", "Globinsider",
                "--published", "2021-07-10", "--type", "opinion")
    assert first.exit_code == 0 and "new article" in first.output
    again = cli("import-article", SEED_ARTICLE, "--publisher", "Globinsider")
    assert "unchanged" in again.output
    bad = cli("import-article", SEED_ARTICLE, "--published", "someday")
    assert bad.exit_code == 2 and "unparseable date" in bad.output


def test_store_locked_by_another_process_is_a_clear_error(cli, tmp_path):
    cli("init")
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, pyoxigraph
            store = pyoxigraph.Store({str(cli.data_dir / 'store')!r})
            print('ready', flush=True)
            sys.stdin.read()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        result = cli("list")
        assert result.exit_code == 4
        assert "in use by another process" in result.output
        assert str(cli.data_dir / "store") in result.output
        assert "Traceback" not in result.output
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
        holder.stdout.close()


def test_console_script_runs(tmp_path):
    result = subprocess.run([sys.executable, "-m", "kb", "--data-dir", str(tmp_path / "d"), "init"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "knowledge base ready" in result.stdout


def test_match_proposes_same_claims_from_different_sources(cli):
    from tests.conftest import TEST_DATA

    assert cli("import", TEST_DATA / "matching" / "harbour-reviews.jsonld").exit_code == 0
    result = cli("match", "--format", "json")
    pairs = json.loads(result.output[:result.output.rindex("]") + 1])
    assert pairs and all(p["a"]["publisher"] != p["b"]["publisher"] for p in pairs)
    assert any("same numbers: 300" in r for p in pairs for r in p["reasons"])
    assert "proposed pair(s)" in cli("match", "--threshold", "0.99").output


def test_serve_answers_and_reads_the_index_into_memory(settings):
    """`claimkb serve` in its own process: the demo KB answers over HTTP, and the
    claims index's facet rows are read in the background at start."""
    import shutil
    import socket
    import time
    import urllib.request
    from pathlib import Path

    from kb.demo import build
    from kb.knowledgebase import KnowledgeBase

    with KnowledgeBase.open(settings) as kb:
        build(kb, force=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    claimkb = shutil.which("claimkb") or str(Path(sys.executable).parent / "claimkb")
    proc = subprocess.Popen([claimkb, "--data-dir", str(settings.data_dir), "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/claims.json", timeout=5) as r:
                    body = json.loads(r.read())
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        assert body["total"] == 62
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert "claims index read into memory in" in out
