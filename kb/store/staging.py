"""A big TriG or N-Quads file into the embedded store at the bulk loader's speed, all or
nothing, whatever happens to the process (kb/store/embedded.py ``load_file``).

Oxigraph's bulk loader is fast (it writes sorted files straight to disk) but not atomic:
stopped part-way, it leaves part of the file in the store. So it never writes into the
store itself:

1. ``begin``: the journal ``<store>.journal`` says ``staging``; the store is copied to
   ``<store>.staging`` with ``Store.backup`` (hard links to its immutable files: no
   data is copied).
2. A child process bulk-loads the file into the copy while the caller checks the file
   (``check``); an error in either throws the copy away (``abandon``).
3. ``swap``: the journal says ``swapping``; the store is renamed ``<store>.old``, the
   copy renamed to the store, the journal removed, the old store removed.

``recover`` (run whenever the store is opened) finishes what a killed process left:
before the journal says ``swapping``, the copy is thrown away and the store is as it
was; after, the swap is completed. Either way no claim is half-written and nothing
that was there before is lost; the same file imported again adds nothing twice (a
store is a set of quads).
"""
from __future__ import annotations

import fcntl
import json
import multiprocessing
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kb.errors import StoreError

STAGING, OLD, JOURNAL, LOCK = ".staging", ".old", ".journal", ".import-lock"


@dataclass
class Staging:
    """The side folders and the journal of one store directory."""

    store: Path

    @property
    def copy(self) -> Path:
        return self.store.with_name(self.store.name + STAGING)

    @property
    def old(self) -> Path:
        return self.store.with_name(self.store.name + OLD)

    @property
    def journal(self) -> Path:
        return self.store.with_name(self.store.name + JOURNAL)

    @property
    def lock_file(self) -> Path:
        return self.store.with_name(self.store.name + LOCK)

    @contextmanager
    def held(self, wait: bool = True):
        """Hold the import lock (an flock the system lets go of when the process dies):
        one import at a time, and no recovery while another process imports. Yields
        whether it is held (``wait`` false: False at once when another process has it)."""
        self.store.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)

    def _write(self, state: str, source: str) -> None:
        tmp = self.journal.with_name(self.journal.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"state": state, "file": source}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.journal)
        _sync_dir(self.store.parent)

    def state(self) -> str | None:
        """The journal's state, or None when no import is under way."""
        try:
            return json.loads(self.journal.read_text(encoding="utf-8")).get("state")
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return "staging"       # a journal cut short was never a decision to swap

    def begin(self, store: ox.Store, source: str) -> None:
        """Copy ``store`` (this directory's, open) to the staging folder. Raises
        StoreError (nothing changed)."""
        self.abandon()
        self._write("staging", source)
        try:
            store.flush()
            store.backup(str(self.copy))
        except OSError as exc:
            self.abandon()
            raise StoreError(f"cannot copy the store to {self.copy} for the import: {exc}") \
                from None

    def abandon(self) -> None:
        """Throw the copy away; the store stays as it was. Never raises."""
        shutil.rmtree(self.copy, ignore_errors=True)
        self.journal.unlink(missing_ok=True)

    def swap(self) -> None:
        """Put the copy in the store's place (the store must be closed). Once the journal
        says ``swapping`` the import is decided: a crash from here is completed by
        ``recover``. Raises StoreError."""
        self._write("swapping", "")
        try:
            self._finish_swap()
        except OSError as exc:
            raise StoreError(f"the import was loaded but could not be moved into place "
                             f"({exc}); it is completed the next time the store opens") from None

    def _finish_swap(self) -> None:
        if self.copy.exists():
            if self.store.exists():
                shutil.rmtree(self.old, ignore_errors=True)
                os.replace(self.store, self.old)
            os.replace(self.copy, self.store)
            _sync_dir(self.store.parent)
        self.journal.unlink(missing_ok=True)
        shutil.rmtree(self.old, ignore_errors=True)

    def recover(self) -> str | None:
        """Finish an import a killed process left: undo it before the swap was decided,
        complete the swap after. Returns what was done (None: nothing to do, or another
        process is importing). Raises StoreError when the folders cannot be moved."""
        if not (self.journal.exists() or self.copy.exists() or self.old.exists()):
            return None
        with self.held(wait=False) as mine:
            return self._recover() if mine else None

    def finish(self) -> None:
        """Complete a swap this process started (holding the lock). Raises StoreError."""
        if self.state() == "swapping":
            self._recover()

    def _recover(self) -> str | None:
        state = self.state()
        if state is None:
            if self.copy.exists() or self.old.exists():      # left by a crash in abandon
                shutil.rmtree(self.copy, ignore_errors=True)
                shutil.rmtree(self.old, ignore_errors=True)
                return "removed the folders an interrupted import left"
            return None
        if state == "swapping":
            try:
                self._finish_swap()
            except OSError as exc:
                raise StoreError(f"cannot complete the interrupted import into {self.store}: "
                                 f"{exc}") from None
            return "completed an import that was interrupted while it was moved into place"
        self.abandon()
        return "undid an import that was interrupted before it was complete (nothing of it kept)"


def _sync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _bulk_child(store: str, source: str, fmt: str, conn) -> None:
    """In the child process: bulk-load ``source`` into the store at ``store``; sends
    None, or the error's text."""
    try:
        target = ox.Store(store)
        target.bulk_load(path=source, format=fmt_of(fmt), lenient=True)
        target.flush()
        del target
        conn.send(None)
    except BaseException as exc:      # the parent reports it
        conn.send(f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()


def fmt_of(fmt: str) -> ox.RdfFormat:
    return {"trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS}[fmt]


class BulkChild:
    """A child process bulk-loading one file into one store directory (spawned: the
    parent's threads and open store are not copied into it)."""

    def __init__(self, store: Path, source: Path, fmt: str):
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=_bulk_child, args=(str(store), str(source), fmt, child),
                                   name="claimkb-bulk-load", daemon=True)
        self.process.start()
        child.close()

    def wait(self) -> None:
        """Wait for the load; raises StoreError with the child's error."""
        message = "the bulk loader stopped without a word"
        try:
            if self._conn.poll(None):
                message = self._conn.recv()
        except (EOFError, OSError):
            pass
        self.process.join()
        if message is not None or self.process.exitcode != 0:
            raise StoreError(f"the bulk load failed: {message or f'exit code {self.process.exitcode}'}")

    def stop(self) -> None:
        """Kill the load (its copy is about to be thrown away). Never raises."""
        try:
            self.process.kill()
            self.process.join()
        except (OSError, ValueError):
            pass


__all__ = ["Staging", "BulkChild", "fmt_of"]
