"""What the SQLite side indexes share (kb/derived/claims_index.py claims, kb/derived/annotation_index.py
annotations): one connection per thread (the web app serves with threads), all closed
together and reopened when the file was replaced, the ``meta`` table, serialised write
transactions whose sqlite3 errors become StoreError, and a rebuild into a new file that
is then moved into place (``SideIndex.rebuild_aside``).
"""
from __future__ import annotations

import fcntl
import os
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
        """This thread's connection (opened on first use, and again when the file was
        replaced by a rebuild since). Raises sqlite3.Error."""
        db = getattr(self._local, "db", None)
        if db is not None and self._local.inode != _inode(self.path):
            # rebuilt and moved into place (here or by another process): this thread's
            # connection to the old file goes, the next statement reads the new one
            self._forget(db)
            db = None
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, check_same_thread=False,
                                 **({"isolation_level": None} if self._autocommit else {}))
            self._configure(db)
            self._local.db, self._local.inode = db, _inode(self.path)
            with self._lock:
                self._all.append(db)
        return db

    def current(self, db: sqlite3.Connection) -> bool:
        """Whether ``db`` is this thread's connection to the file now at the path (not
        to one a rebuild, in any process, has replaced since it was opened)."""
        return getattr(self._local, "db", None) is db and self._local.inode == _inode(self.path)

    def _forget(self, db: sqlite3.Connection) -> None:
        with self._lock:
            if db in self._all:
                self._all.remove(db)
        try:
            db.close()
        except sqlite3.Error:  # pragma: no cover
            pass

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

    def _begin(self) -> sqlite3.Connection:
        """BEGIN IMMEDIATE on this thread's connection to the file now in place: if a
        rebuild (in another process) moved a new file in while this one waited for the
        write lock, the transaction is begun again on the new file, so that no write is
        made into a file already replaced. Raises sqlite3.Error."""
        for _ in range(5):
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            if self._connections.current(db):
                return db
            db.rollback()
        raise sqlite3.OperationalError(f"{self.path} was replaced again and again while "
                                       "waiting to write")

    @staticmethod
    def _meta(db: sqlite3.Connection, key: str) -> str | None:
        return read_meta(db, key)

    # The write generation, kept in the file's ``meta`` table (key 'generation') and
    # bumped by every write transaction: what a process computed from the index (counts,
    # facets, rendered pages) is current while it stays the same, whichever process
    # wrote (several `claimkb serve` processes share one data folder:
    # docs/decisions/0004-several-web-processes.md).

    @staticmethod
    def bump_generation(db: sqlite3.Connection) -> None:
        """In a write transaction: count one more write (``before_commit`` of
        ``write_transaction``)."""
        db.execute("INSERT INTO meta VALUES ('generation', '1') ON CONFLICT(key) "
                   "DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    def write_generation(self) -> int:
        """The index file's write generation. Raises StoreError."""
        try:
            return int(self._meta(self._db(), "generation") or 0)
        except (sqlite3.Error, ValueError) as exc:
            raise StoreError(f"cannot read {self.path}: {exc}") from None

    def _carry_generation(self, fresh: "SideIndex") -> None:
        """``before_swap`` of a rebuild: the new file's write generation continues the
        old one's (read at the swap, writes held), so that no count cached for the old
        file is taken as current for the new one, in any process."""
        try:
            generation = int(self._meta(self._db(), "generation") or 0)
        except (sqlite3.Error, ValueError):
            generation = 0
        db = fresh._db()
        db.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (str(generation + 1),))
        db.commit()

    def _fresh(self, path: Path) -> "SideIndex":
        """A new, empty index of this kind at ``path`` (the same collaborators)."""
        raise NotImplementedError

    def rebuild_aside(self, build: Callable[["SideIndex"], object],
                      before_swap: Callable[["SideIndex"], None] | None = None):
        """Run ``build`` on a fresh index in ``<file>.new``, then move it into place.

        Readers (in any thread or process) go on reading the old file until the swap,
        and each reopens the new one at its next statement; a failed build leaves the old
        index as it was. What is written meanwhile is written again into the new file
        after the swap (``_replay``): by this process (``_note``), and by any other
        process sharing the file, which, seeing the old file's ``rebuilding`` mark,
        records its keys there (docs/decisions/0004-several-web-processes.md). A write
        that waited for the swap is made into the new file (``_begin``).
        ``before_swap(fresh)`` runs with the writes held, just before the swap. Returns
        what ``build`` returns. Raises StoreError."""
        with rebuild_lock(self.path):
            return self._rebuild_aside(build, before_swap)

    def _rebuild_aside(self, build, before_swap):
        aside = self.path.with_name(self.path.name + ".new")
        _unlink(aside)
        fresh = self._fresh(aside)
        with self._write_lock:
            self._dirty = set()
            marked = self._mark_rebuilding(True)
        try:
            result = build(fresh)
            with self._write_lock:
                old = self._db() if marked else None
                pending: list[str] = []
                if old is not None:   # other processes' writes wait from here to the swap
                    try:
                        old.execute("BEGIN IMMEDIATE")
                        pending = [r[0] for r in old.execute(
                            f"SELECT key FROM {_REBUILDING} WHERE key != '*'")]
                    except sqlite3.Error as exc:
                        # without the old file's lock, other processes' writes could be
                        # lost: keep the old index (the caller may rebuild again)
                        if old.in_transaction:
                            old.rollback()
                        raise StoreError(f"cannot hold {self.path} to move the rebuilt index "
                                         f"into place: {exc}") from None
                if before_swap is not None:
                    before_swap(fresh)
                fresh.close()        # the last connection checkpoints its WAL into the file
                try:
                    for suffix in ("-wal", "-shm"):
                        _unlink_one(f"{self.path}{suffix}")
                    os.replace(aside, self.path)
                except OSError as exc:
                    raise StoreError(f"cannot move the rebuilt index into place at "
                                     f"{self.path}: {exc}") from None
                finally:
                    if old is not None:
                        old.rollback()
                dirty, self._dirty = self._dirty | set(pending), None
        except BaseException:
            with self._write_lock:
                self._dirty = None
                if marked:
                    self._mark_rebuilding(False)
            fresh.close()
            _unlink(aside)
            raise
        if dirty:
            self._replay(sorted(dirty))
        return result

    _dirty: set | None = None

    def _mark_rebuilding(self, on: bool) -> bool:
        """Mark the file in place as being rebuilt (or not any more): writers in every
        process then record their keys in it. Returns whether the mark is set; a file that
        cannot take it (not yet an index) is rebuilt without it."""
        db = None
        try:
            db = self._db()
            if db.in_transaction:
                db.commit()
            db.execute("BEGIN IMMEDIATE")
            db.execute(f"CREATE TABLE IF NOT EXISTS {_REBUILDING} (key TEXT PRIMARY KEY)")
            db.execute(f"DELETE FROM {_REBUILDING}")
            if on:
                db.execute(f"INSERT INTO {_REBUILDING} VALUES ('*')")
            db.commit()
            return on
        except sqlite3.Error:
            if db is not None:
                try:
                    db.rollback()
                except sqlite3.Error:
                    pass
            return False

    def _note(self, keys) -> None:
        """Record what a write changed while a rebuild runs (call it holding the write
        lock, before or within the write): a rebuild in this process keeps it in memory;
        one in another process finds it in the file's ``rebuilding`` table. Either writes
        it again into the new file after the swap."""
        keys = [str(k) for k in keys]
        if self._dirty is not None:
            self._dirty.update(keys)
        try:
            db = self._db()
            if db.execute(f"SELECT 1 FROM {_REBUILDING} WHERE key = '*'").fetchone() is None:
                return
            inside = db.in_transaction
            db.executemany(f"INSERT OR IGNORE INTO {_REBUILDING} VALUES (?)", [(k,) for k in keys])
            if not inside:
                db.commit()
        except sqlite3.OperationalError:
            return      # no rebuild was ever marked in this file

    def _replay(self, keys: list[str]) -> None:
        """Write ``keys`` again from the store into this (new) index."""
        raise NotImplementedError


_REBUILDING = "rebuilding"


@contextmanager
def rebuild_lock(path: Path) -> Iterator[None]:
    """One rebuild of ``path`` at a time, across processes (several `claimkb serve`
    processes starting on an unbuilt data folder, or two imports, would otherwise build
    into the same ``.new`` file at once). Raises StoreError when the lock file cannot be
    opened."""
    try:
        handle = open(f"{path}.rebuild.lock", "a+b")
    except OSError as exc:
        raise StoreError(f"cannot lock {path} for a rebuild: {exc}") from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _inode(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def _unlink_one(name: str) -> None:
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass


def _unlink(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        _unlink_one(f"{path}{suffix}")


def read_meta(db: sqlite3.Connection, key: str) -> str | None:
    """A value of the ``meta`` table (None when absent, or before the table exists)."""
    try:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


@contextmanager
def write_transaction(lock: threading.Lock, begin: Callable[[], sqlite3.Connection], what: str, *,
                      before_commit: Callable[[sqlite3.Connection], None] | None = None,
                      after: Callable[[], None] | None = None) -> Iterator[sqlite3.Connection]:
    """``with write_transaction(lock, index._begin, "claims index") as db:`` — holds
    ``lock``, runs the block in one transaction that ``begin`` opens (BEGIN IMMEDIATE on
    the file in place) … COMMIT (``before_commit`` last), rolls back on any error, calls
    ``after`` whatever happened. sqlite3 errors become StoreError("<what> write failed:
    …"); other exceptions pass through."""
    with lock:
        try:
            try:
                db = begin()
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
