"""kb/derived/sqlite.py: the write transaction every SQLite side index uses."""
from __future__ import annotations

import sqlite3
import threading

import pytest

from kb.errors import StoreError
from kb.derived.sqlite import Connections, read_meta, write_transaction


def begin_on(db):
    """The ``begin`` callable write_transaction takes: BEGIN IMMEDIATE on ``db``."""
    def begin():
        db.execute("BEGIN IMMEDIATE")
        return db
    return begin


@pytest.fixture
def db(tmp_path):
    connections = Connections(tmp_path / "x.sqlite", lambda db: None)
    db = connections.get()
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    db.commit()
    yield db
    connections.close()


def test_commit_then_after(db):
    lock, calls = threading.Lock(), []
    with write_transaction(lock, begin_on(db), "test index", before_commit=lambda d: calls.append("before"),
                           after=lambda: calls.append("after")) as tx:
        tx.execute("INSERT INTO meta VALUES ('a', '1')")
    assert calls == ["before", "after"] and not lock.locked()
    assert read_meta(db, "a") == "1" and read_meta(db, "missing") is None


def test_errors_roll_back_release_the_lock_and_become_store_errors(db):
    lock, calls = threading.Lock(), []
    with pytest.raises(ValueError):
        with write_transaction(lock, begin_on(db), "test index", after=lambda: calls.append("after")) as tx:
            tx.execute("INSERT INTO meta VALUES ('a', '1')")
            raise ValueError("boom")
    assert read_meta(db, "a") is None and calls == ["after"] and not lock.locked()
    with pytest.raises(StoreError, match="test index write failed"):
        with write_transaction(lock, begin_on(db), "test index") as tx:
            tx.execute("INSERT INTO nowhere VALUES (1)")
    assert not lock.locked()
    db.execute("BEGIN")                       # a transaction already open: BEGIN fails
    with pytest.raises(StoreError, match="test index write failed"):
        with write_transaction(lock, begin_on(db), "test index"):
            pass
    db.rollback()
    assert not lock.locked()


def test_one_connection_per_thread_all_closed(tmp_path):
    connections = Connections(tmp_path / "y.sqlite", lambda db: db.execute("PRAGMA journal_mode=WAL"))
    mine = connections.get()
    assert connections.get() is mine
    theirs = []
    thread = threading.Thread(target=lambda: theirs.append(connections.get()))
    thread.start()
    thread.join()
    assert theirs[0] is not mine
    connections.close()
    with pytest.raises(sqlite3.ProgrammingError):
        mine.execute("SELECT 1")
