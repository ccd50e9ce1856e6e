"""Big TriG / N-Quads imports (issue 15): checked as a stream, bulk-loaded into a copy of
the store that replaces it only when the whole file passed; a killed import leaves the
store as it was, or complete (kb/store/staging.py, kb/store/quad_checks.py)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest

from kb import KnowledgeBase
from kb.derived.claims_index import ClaimFilter
from kb.errors import InputError
from kb.store.staging import Staging
from tests.conftest import load_bench

ROOT = Path(__file__).resolve().parents[3]
META = "<https://w3id.org/claimkb/graph/metadata>"


@pytest.fixture(scope="module")
def nq(tmp_path_factory) -> Path:
    """300 generated claims from 6 sources, as N-Quads."""
    gen = load_bench("generate")
    articles, records = gen.generate(300, 6, 3)
    path = tmp_path_factory.mktemp("stream") / "claims.nq"
    gen.write_nquads(articles, records, path)
    return path


@pytest.fixture
def bulk(settings, tmp_path):
    """A KB that takes every TriG / N-Quads file the streaming, bulk-loading way."""
    with KnowledgeBase.open(replace(settings, bulk_import_bytes=1,
                                    data_dir=tmp_path / "bulk")) as kb:
        yield kb


def _quads(kb) -> set[str]:
    return {str(q) for q in kb.store.oxigraph}


def _bad_claim(nq: Path, tmp_path: Path, *, drop: str) -> tuple[Path, str]:
    """``nq`` with one claim near its end losing its ``drop`` triple; returns the new
    file and the claim's IRI."""
    lines = nq.read_bytes().splitlines(keepends=True)
    for n in range(len(lines) - 1, 0, -1):
        if drop.encode() in lines[n] and META.encode() in lines[n]:
            claim = lines[n].split(b" ", 1)[0].decode()[1:-1]
            del lines[n]
            break
    out = tmp_path / "bad.nq"
    out.write_bytes(b"".join(lines))
    return out, claim


def test_a_big_file_streams_in_and_everything_is_usable(bulk, kb, nq):
    report = bulk.import_file(nq)
    assert report.claims == 300 and report.quads > 5000
    assert bulk.index.stats()["claims"] == 300
    counts = bulk.compare_index.ensure().count()
    assert counts["facts"] > 0 and counts["facts_with_conflict"] > 0   # compared
    assert bulk.index.search(ClaimFilter()).total == 300
    assert bulk.index.search(ClaimFilter(q="population")).rows      # searchable
    assert sum(v["count"] for v in bulk.index.facets(ClaimFilter())["publisher"]) == 300
    # the same file the in-memory way gives the same store
    small = kb.import_file(nq)
    assert small.claims == report.claims and small.quads == report.quads
    assert _quads(bulk) == _quads(kb)
    staging = Staging(bulk.settings.store_dir)
    assert not staging.copy.exists() and not staging.journal.exists()
    assert not (Path(bulk.settings.data_dir) / "index.stale").exists()


def test_importing_the_same_file_again_adds_nothing(bulk, nq):
    bulk.import_file(nq)
    before = bulk.store.quad_count()
    bulk.import_file(nq)
    assert bulk.store.quad_count() == before
    assert bulk.index.stats()["claims"] == 300


@pytest.mark.parametrize("drop", ["ns#modality>", "schema.org/appearance>",
                                  "prov#generatedAtTime>"])
def test_one_bad_claim_near_the_end_writes_nothing_and_is_named(bulk, nq, tmp_path, drop):
    bad, claim = _bad_claim(nq, tmp_path, drop=drop)
    before = _quads(bulk)
    with pytest.raises(InputError) as err:
        bulk.import_file(bad)
    assert claim in err.value.message and "nothing was written" in err.value.message
    assert err.value.where == str(bad)
    assert _quads(bulk) == before
    staging = Staging(bulk.settings.store_dir)
    assert not staging.copy.exists() and not staging.journal.exists()
    assert bulk.index.stats()["claims"] == 0


def test_the_small_path_refuses_the_same_bad_claim(kb, nq, tmp_path):
    bad, claim = _bad_claim(nq, tmp_path, drop="ns#modality>")
    with pytest.raises(InputError) as err:
        kb.import_file(bad)
    assert claim in err.value.message
    assert kb.store.quad_count() == 0


def test_a_wrong_modality_is_named(bulk, nq, tmp_path):
    text = nq.read_text(encoding="utf-8")
    bad = tmp_path / "bad.nq"
    last = text.rindex("<https://w3id.org/claimkb/ns#modality>")
    start = text.rindex("\n", 0, last) + 1
    line_end = text.index("\n", last)
    line = text[start:line_end]
    wrong = line.rsplit("<https://w3id.org/claimkb/ns#", 1)[0] + \
        f"<https://w3id.org/claimkb/ns#Rumour> {META} ."
    bad.write_text(text[:start] + wrong + text[line_end:], encoding="utf-8")
    with pytest.raises(InputError) as err:
        bulk.import_file(bad)
    assert "modality" in err.value.message and "Rumour" in err.value.message
    assert bulk.store.quad_count() == 0


def test_a_syntax_error_on_the_last_line_names_it(bulk, nq, tmp_path):
    bad = tmp_path / "bad.nq"
    bad.write_bytes(nq.read_bytes() + b"<http://a> <http://b> .\n")
    with pytest.raises(InputError) as err:
        bulk.import_file(bad)
    assert "malformed nquads" in err.value.message
    assert bulk.store.quad_count() == 0


def test_an_unsafe_link_at_the_end_is_refused(bulk, nq, tmp_path):
    bad = tmp_path / "bad.nq"
    bad.write_bytes(nq.read_bytes()
                    + f'<http://x/a> <http://schema.org/url> "javascript:alert(1)" {META} .\n'.encode())
    with pytest.raises(InputError) as err:
        bulk.import_file(bad)
    assert "schema:url" in err.value.message
    bad.write_bytes(nq.read_bytes() + b"<javascript:alert(1)> <http://b/p> <http://c/o> .\n")
    with pytest.raises(InputError):
        bulk.import_file(bad)
    assert bulk.store.quad_count() == 0


def test_trig_nesting_is_counted_across_blocks(bulk, tmp_path, monkeypatch):
    from kb.store import quad_checks

    monkeypatch.setattr(quad_checks, "BLOCK", 64)
    deep = tmp_path / "deep.trig"
    lines = ["@prefix ex: <http://example.org/> ."] + \
        [f"ex:s{n} ex:p " + "[ ex:p " for n in range(1)] + \
        ["[ ex:p"] * 150 + ["ex:o"] + ["]"] * 151 + ["."]
    deep.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        bulk.import_file(deep)
    assert "nested more than" in err.value.message
    assert err.value.where.startswith(f"{deep}:")


def test_a_status_line_says_how_far_it_is(bulk, nq):
    lines: list[str] = []
    steps: list[tuple[int, int]] = []
    bulk.import_file(nq, progress=lambda d, t: steps.append((d, t)), status=lines.append)
    assert any("quads/s" in line and "claims" in line for line in lines)
    assert lines[-1].startswith("done in")
    assert (nq.stat().st_size, nq.stat().st_size) in steps   # the bytes checked
    assert (300, 300) in steps                                # then the claims indexed


# ---------------------------------------------------------------- killed imports

def _import_in_child(data_dir: Path, path: Path) -> subprocess.Popen:
    code = ("import sys; from pathlib import Path; from dataclasses import replace;"
            "from kb import KnowledgeBase, load_settings;"
            "s = replace(load_settings(env={}, data_dir=Path(sys.argv[1])), bulk_import_bytes=1);"
            "kb = KnowledgeBase.open(s); kb.import_file(Path(sys.argv[2])); kb.close()")
    return subprocess.Popen([sys.executable, "-c", code, str(data_dir), str(path)], cwd=ROOT,
                            start_new_session=True)


def _kill(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)      # the import and its bulk-loading child
    proc.wait()


@pytest.mark.parametrize("moment", ["staging", "indexing"])
def test_an_import_killed_at_any_moment_loses_nothing(settings, nq, moment):
    data = Path(settings.data_dir)
    with KnowledgeBase.open(settings) as kb:       # something there before
        gen = load_bench("generate")
        articles, records = gen.generate(20, 2, 9)
        kb.write_claims(records, articles)
        before = _quads(kb)
    staging = Staging(settings.store_dir)
    proc = _import_in_child(data, nq)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if moment == "staging" and staging.copy.exists():
            break
        if moment == "indexing" and (data / "index.stale").exists() and not staging.journal.exists():
            break
        if proc.poll() is not None:
            pytest.fail(f"the import ended (exit {proc.returncode}) before the moment {moment}")
        time.sleep(0.005)
    _kill(proc)
    with KnowledgeBase.open(settings) as kb:
        assert kb.store.recovered or moment == "indexing"
        kb.ensure_index()
        after = _quads(kb)
        if moment == "staging":
            assert after == before                  # undone: nothing of the file kept
            assert kb.index.stats()["claims"] == 20
        else:
            assert before <= after                  # complete, and what was there stays
            assert kb.index.stats()["claims"] == 320   # indexes consistent with the store
        assert not staging.copy.exists() and not staging.journal.exists()
        kb.close()
    proc = _import_in_child(data, nq)               # a re-run completes it, no duplicates
    assert proc.wait(timeout=120) == 0
    with KnowledgeBase.open(settings) as kb:
        assert kb.index.stats()["claims"] == 320
        complete = _quads(kb)
        assert before <= complete
        assert kb.store.quad_count() == len(complete)


def test_a_swap_cut_short_is_completed_when_the_store_opens(tmp_path):
    store = tmp_path / "store"
    ox.Store(str(store)).add(ox.Quad(ox.NamedNode("http://a/old"), ox.NamedNode("http://a/p"),
                                     ox.Literal("1")))
    staging = Staging(store)
    copy = ox.Store(str(staging.copy))
    copy.add(ox.Quad(ox.NamedNode("http://a/new"), ox.NamedNode("http://a/p"), ox.Literal("2")))
    copy.flush()
    del copy
    staging._write("swapping", "f.nq")
    os.replace(store, staging.old)                 # killed between the two renames
    assert "completed" in staging.recover()
    assert not staging.old.exists() and not staging.journal.exists()
    assert [q.subject.value for q in ox.Store(str(store))] == ["http://a/new"]


def test_a_journal_cut_short_means_undo(tmp_path):
    store = tmp_path / "store"
    ox.Store(str(store))
    staging = Staging(store)
    staging.copy.mkdir()
    staging.journal.write_text('{"state": "swa', encoding="utf-8")
    assert "undid" in staging.recover()
    assert store.exists() and not staging.copy.exists() and not staging.journal.exists()


def test_the_cli_imports_a_big_file_and_lists_it(cli, nq, tmp_path, monkeypatch):
    monkeypatch.setenv("CLAIMKB_BULK_IMPORT_BYTES", "1")
    result = cli("import", nq)
    assert result.exit_code == 0, result.output
    assert f"{nq}: nquads, " in result.output and "300 claims" in result.output
    listed = cli("list", "--format", "json")
    assert listed.exit_code == 0
    assert "claim(s)" not in listed.output and listed.output.count('"claim"') >= 50
    bad, claim = _bad_claim(nq, tmp_path, drop="ns#modality>")
    refused = cli("import", bad)
    assert refused.exit_code == 2 and claim in refused.output


# ---------------------------------------------------------------- claims files, bulk

def test_a_big_claims_write_goes_through_the_bulk_loader(bulk, kb):
    gen = load_bench("generate")
    articles, records = gen.generate(200, 4, 5)
    bulk.claims.write(records, articles, bulk=True)
    kb.write_claims(records, articles)                   # the one-transaction way
    assert bulk.index.stats()["claims"] == kb.index.stats()["claims"] == 200
    assert bulk.compare_index.ensure().count() == kb.compare_index.ensure().count()
    assert _history_free(bulk) == _history_free(kb)
    assert len(bulk.claims.history(str(records[0].iri))) == 1    # its change record
    assert not list(Path(bulk.settings.data_dir).glob("claimkb-write-*"))
    # a second bulk write that replaces claims takes the transaction (deletes first)
    assert bulk.claims.write(records[:10], bulk=True) == 10
    assert bulk.index.stats()["claims"] == 200


def _history_free(kb) -> set[str]:
    """The store's quads without the change records and the article versions' times
    (stamped with the clock)."""
    return {q for q in _quads(kb) if not q.endswith("/graph/history>")
            and "generatedAtTime" not in q}


def test_a_big_claims_file_imports_in_bulk(bulk, tmp_path):
    from tests.kb.test_cli import CLAIMS, SEED_ARTICLE

    path = tmp_path / "claims.yaml"
    path.write_text(CLAIMS.format(seed=SEED_ARTICLE), encoding="utf-8")
    report = bulk.import_file(path)
    assert report.claims == 3 and report.new == 3
    assert bulk.index.stats()["claims"] == 3
    assert not (Path(bulk.settings.data_dir) / "index.stale").exists()


def _processes_naming(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text in (entry / "cmdline").read_bytes().decode("utf-8", "replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_the_bulk_loader_dies_with_the_import(settings, nq):
    staging = Staging(settings.store_dir)
    proc = _import_in_child(Path(settings.data_dir), nq)
    deadline = time.monotonic() + 60
    while not _processes_naming(str(staging.copy)) and time.monotonic() < deadline:
        assert proc.poll() is None, "the import ended before its bulk loader was seen"
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)      # the import only, not its process group
    proc.wait()
    deadline = time.monotonic() + 10
    while _processes_naming(str(staging.copy)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _processes_naming(str(staging.copy))
    with KnowledgeBase.open(settings) as kb:
        assert kb.store.quad_count() == 0 and "undid" in kb.store.recovered


def test_no_other_process_opens_the_store_while_an_import_holds_it(settings, nq):
    staging = Staging(settings.store_dir)
    with staging.held():                   # as an import does from copy to reopen
        code = ("import sys; from kb.store.embedded import EmbeddedStore; from kb.errors "
                "import StoreLocked\ntry:\n    EmbeddedStore(sys.argv[1])\nexcept StoreLocked:"
                "\n    sys.exit(3)")
        other = subprocess.run([sys.executable, "-c", code, str(settings.store_dir)], cwd=ROOT)
        assert other.returncode == 3
    assert not settings.store_dir.exists() or not any(settings.store_dir.iterdir())


def test_web_uploads_never_take_the_staged_path(bulk, nq, monkeypatch):
    def staged(*args, **kwargs):          # it closes the store: never under a server's threads
        raise AssertionError("an upload took the staged path")

    monkeypatch.setattr(bulk.store, "load_file", staged)
    report = bulk.import_upload("claims.nq", nq.read_bytes())   # over bulk_import_bytes=1
    assert report.claims == 300 and bulk.index.stats()["claims"] == 300


def test_a_new_claim_replaces_what_was_left_under_its_iri(kb):
    gen = load_bench("generate")
    articles, records = gen.generate(2, 2, 3)
    claim = str(records[0].iri)
    kb.store.load(f'<{claim}> {{ <http://example.org/stale> <http://example.org/said> "old" . }}'
                  .encode(), "trig")
    kb.write_claims(records[:1], articles)
    graph = [q for q in kb.store.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(claim))]
    assert graph and all("example.org/stale" not in str(q.subject) for q in graph)


def test_nesting_in_nquads_is_refused_by_both_paths(bulk, kb, tmp_path):
    deep = "<< " * 150 + "<http://a/s> <http://a/p> <http://a/o>" + " >>" * 150
    bad = tmp_path / "deep.nq"
    bad.write_text(f"<http://a/x> <http://a/p> {deep} .\n", encoding="utf-8")
    for who in (bulk, kb):
        with pytest.raises(InputError) as err:
            who.import_file(bad)
        assert "nested more than" in err.value.message


def test_closing_brackets_in_a_string_cut_by_a_block_make_no_room(bulk, tmp_path, monkeypatch):
    from kb.store import quad_checks

    monkeypatch.setattr(quad_checks, "BLOCK", 256)
    text = ('@prefix ex: <http://example.org/> .\nex:a ex:b """\n' + "]]]]]]]]\n" * 60 + '""" .\n'
            + "ex:s ex:p " + "[ ex:p " * 150 + "ex:o" + " ]" * 150 + " .\n")
    path = tmp_path / "x.trig"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        bulk.import_file(path)
    assert "nested more than" in err.value.message
