"""What the SQLite side indexes share (kb/derived/claims_index.py claims, kb/derived/annotation_index.py
annotations): one connection per thread (the web app serves with threads), all closed
together, the ``meta`` table, and serialised write transactions whose sqlite3 errors
become StoreError.
"""
from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from kb.errors import StoreError


class Connections:
    """Per-thread connections to one SQLite file, each set up by ``configure``."""

    def __init__(self, path: Path, configure: Callable[[sqlite3.Connection], None], *,
                 autocommit: bool = False):
        self.path = Path(path)
        self._configure = configure
        self._autocommit = autocommit
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def get(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use). Raises sqlite3.Error."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, check_same_thread=False,
                                 **({"isolation_level": None} if self._autocommit else {}))
            self._configure(db)
            self._local.db = db
            with self._lock:
                self._all.append(db)
        return db

    def close(self) -> None:
        """Close every thread's connection. Never raises."""
        with self._lock:
            for db in self._all:
                try:
                    db.close()
                except sqlite3.Error:  # pragma: no cover
                    pass
            self._all.clear()
        self._local = threading.local()


class SideIndex:
    """The base of an index kept in one SQLite file beside the store: its path, its
    per-thread connections (set up by ``configure``) and the lock that serialises its
    writes (``write_transaction``)."""

    def __init__(self, path: Path, configure: Callable[[sqlite3.Connection], None], *,
                 autocommit: bool = False):
        self.path = Path(path)
        self._connections = Connections(self.path, configure, autocommit=autocommit)
        self._write_lock = threading.Lock()

    def _db(self) -> sqlite3.Connection:
        """This thread's connection. Raises sqlite3.Error."""
        return self._connections.get()

    def close(self) -> None:
        """Close every connection of this index (all threads). Never raises."""
        self._connections.close()

    @staticmethod
    def _meta(db: sqlite3.Connection, key: str) -> str | None:
        return read_meta(db, key)


def read_meta(db: sqlite3.Connection, key: str) -> str | None:
    """A value of the ``meta`` table (None when absent, or before the table exists)."""
    try:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


@contextmanager
def write_transaction(lock: threading.Lock, db: sqlite3.Connection, what: str, *,
                      before_commit: Callable[[sqlite3.Connection], None] | None = None,
                      after: Callable[[], None] | None = None) -> Iterator[sqlite3.Connection]:
    """``with write_transaction(lock, db, "claims index") as db:`` — holds ``lock``,
    runs the block in one BEGIN IMMEDIATE … COMMIT (``before_commit`` last), rolls
    back on any error, calls ``after`` whatever happened. sqlite3 errors become
    StoreError("<what> write failed: …"); other exceptions pass through."""
    with lock:
        try:
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(f"{what} write failed: {exc}") from None
            try:
                yield db
                if before_commit is not None:
                    before_commit(db)
                db.commit()
            except BaseException as exc:
                try:
                    db.rollback()
                except sqlite3.Error:
                    pass
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(f"{what} write failed: {exc}") from None
                raise
        finally:
            if after is not None:
                after()
