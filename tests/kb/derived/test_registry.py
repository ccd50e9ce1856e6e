"""The derived indexes' contract and registry (kb/derived/base.py, registry.py): every
index keeps the contract; a rebuild goes into a new file that readers in other threads
do not notice until it is in place; a write made while it is built is not lost; a
failure of any index after a write leaves the stale marker."""
from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace

import pytest
from rdflib import URIRef

from kb.demo import build
from kb.derived.base import DerivedIndex
from kb.derived.registry import STALE_MARKER
from kb.errors import StoreError


@pytest.fixture
def demo(kb):
    build(kb, force=True)
    return kb


def test_every_index_keeps_the_contract(demo):
    indexes = demo.indexes
    for index in (indexes.claims_index, indexes.compare_index, indexes.annotation_index):
        assert isinstance(index, DerivedIndex), type(index).__name__
        assert index.schema_version and index.built
    assert demo.ensure_index() is False          # all built: nothing to do


def test_a_reader_in_another_thread_is_not_broken_by_a_rebuild(demo):
    """The old file stays readable by a statement under way; the next statement reads
    the new file (before, the rebuild closed every thread's connection)."""
    index = demo.index
    rows = {}
    started, go_on, done = threading.Event(), threading.Event(), threading.Event()

    def reader():
        db = index._db()
        cursor = db.execute("SELECT iri FROM claims ORDER BY iri")
        first = cursor.fetchmany(3)
        started.set()
        go_on.wait(30)
        rows["rest"] = first + cursor.fetchall()       # the old file, to the end
        rows["after"] = index._db().execute("SELECT count(*) FROM claims").fetchone()[0]
        done.set()

    thread = threading.Thread(target=reader)
    thread.start()
    assert started.wait(30)
    before_inode = index.path.stat().st_ino
    count = demo.reindex()
    assert index.path.stat().st_ino != before_inode             # a new file, moved in
    go_on.set()
    assert done.wait(30)
    thread.join(30)
    assert len(rows["rest"]) == count and rows["after"] == count


def test_a_write_while_the_index_is_rebuilt_is_not_lost(demo, monkeypatch):
    """A claim written while the new claims index is filled (after the claims to index
    were listed) is written again into it after the swap."""
    rec = demo.reader.record("eurasianet-border-length")
    new = replace(rec, iri=URIRef(str(rec.iri) + "-late"), extra=[],
                  statement="A claim written while the index was rebuilt.")
    listed = demo.reader.all_claims

    def list_then_write():
        claims = listed()
        demo.write_claims([new])                     # lands in the old file
        return claims

    monkeypatch.setattr(demo.reader, "all_claims", list_then_write)
    demo.index.rebuild()
    monkeypatch.undo()
    row = demo.index.get(str(new.iri))
    assert row is not None and row["statement"] == new.statement
    assert str(new.iri) in demo.index.replayed     # and the claims its verdict touched


def test_a_write_by_another_process_while_it_rebuilds_is_not_lost(demo, monkeypatch):
    """Several processes share one data folder (docs/decisions/0004): a claim written
    through one process's claims index while another process rebuilds the same file is
    in the new file after the swap (the writer found the old file's rebuilding mark and
    recorded its claims there; the rebuilder wrote them again)."""
    from kb.derived.claims_index import ClaimIndex

    rebuilder = ClaimIndex(demo.index.path, demo.reader)     # as in another process
    rec = demo.reader.record("eurasianet-border-length")
    new = replace(rec, iri=URIRef(str(rec.iri) + "-elsewhere"), extra=[],
                  statement="Written by another process during the rebuild.")
    listed = demo.reader.all_claims

    def list_then_write():
        claims = listed()
        demo.write_claims([new])     # this process's index: its own object, no rebuild
        return claims

    monkeypatch.setattr(demo.reader, "all_claims", list_then_write)
    try:
        rebuilder.rebuild()
    finally:
        monkeypatch.undo()
        rebuilder.close()
    assert str(new.iri) in rebuilder.replayed
    row = demo.index.get(str(new.iri))           # this process reads the new file
    assert row is not None and row["statement"] == new.statement
    assert demo.index.stats()["claims"] == len(demo.reader.all_claims())


def test_two_processes_rebuilding_at_once_do_not_mix_their_files(demo):
    """Two `claimkb serve` starting on an unbuilt data folder, or two imports, rebuild
    the same index at once: one after the other (a lock across processes), never both
    into one `.new` file."""
    from kb.derived.claims_index import ClaimIndex

    others = [ClaimIndex(demo.index.path, demo.reader) for _ in range(2)]   # as two processes
    counts, errors = [], []

    def rebuild(index):
        try:
            counts.append(index.rebuild())
        except Exception as exc:   # reported below
            errors.append(exc)

    threads = [threading.Thread(target=rebuild, args=(index,)) for index in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for index in others:
        index.close()
    claims = len(demo.reader.all_claims())
    assert not errors and counts == [claims, claims]
    assert demo.index.stats()["claims"] == claims
    assert not demo.index.path.with_name(demo.index.path.name + ".new").exists()


def test_facet_numbers_are_never_given_twice(demo):
    before = {r[0] for r in demo.index._db().execute("SELECT id FROM facet_values")}
    demo.reindex()
    after = {r[0] for r in demo.index._db().execute("SELECT id FROM facet_values")}
    assert after and min(after) > max(before)


@pytest.mark.parametrize("error", [sqlite3.OperationalError("database is locked"),
                                   StoreError("disk I/O error"), OSError("no space")])
def test_an_index_failing_after_a_write_leaves_the_stale_marker(demo, monkeypatch, error):
    rec = demo.reader.record("eurasianet-border-length")

    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(type(demo.compare_index), "refresh", broken)
    with pytest.raises(StoreError, match="the write was stored"):
        demo.write_claims([replace(rec, statement="changed")])
    monkeypatch.undo()
    assert (demo.settings.data_dir / STALE_MARKER).exists()
    assert demo.claim_view("eurasianet-border-length")["statement"] == "changed"   # kept
    assert demo.ensure_index() is True and not (demo.settings.data_dir / STALE_MARKER).exists()


def test_a_rebuild_that_fails_leaves_the_old_index(demo, monkeypatch):
    count = demo.index.stats()["claims"]

    def broken():
        raise StoreError("the store went away")

    monkeypatch.setattr(demo.reader, "all_claims", broken)
    with pytest.raises(StoreError):
        demo.index.rebuild()
    monkeypatch.undo()
    assert demo.index.stats()["claims"] == count
    assert not demo.index.path.with_name(demo.index.path.name + ".new").exists()
