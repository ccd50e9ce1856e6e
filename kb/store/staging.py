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
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from kb.errors import StoreError
from kb.store.children import DIE_WITH_PARENT

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
        try:
            self._write("staging", source)
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
        try:
            self._write("swapping", "")
        except OSError as exc:         # not decided: the caller throws the copy away
            self.journal.unlink(missing_ok=True)
            raise StoreError(f"cannot record the import's swap ({exc}); nothing was "
                             "written") from None
        try:
            self._finish_swap()
        except OSError:
            try:
                self._finish_swap()    # once more: a rename that failed may pass now
            except OSError as exc:
                raise StoreError(f"the import was loaded but could not be moved into place "
                                 f"({exc}); it is completed the next time the store opens") \
                    from None

    def _finish_swap(self) -> None:
        if self.copy.exists():
            if self.store.exists():
                shutil.rmtree(self.old, ignore_errors=True)
                os.replace(self.store, self.old)
            os.replace(self.copy, self.store)
            _sync_dir(self.store.parent)
        self.journal.unlink(missing_ok=True)
        shutil.rmtree(self.old, ignore_errors=True)

    def recover(self, held: bool = False) -> str | None:
        """Finish an import a killed process left: undo it before the swap was decided,
        complete the swap after. Returns what was done (None: nothing to do, or another
        process is importing). ``held``: the caller holds the import lock. Raises
        StoreError when the folders cannot be moved."""
        if not (self.journal.exists() or self.copy.exists() or self.old.exists()):
            return None
        if held:
            return self._recover()
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


# The child's whole program: no import of kb (nor of the parent's __main__, which a
# multiprocessing "spawn" child would run again), pyoxigraph only; killed with its parent.
_CHILD = DIE_WITH_PARENT + """\
import pyoxigraph as ox
store = ox.Store(sys.argv[2])
store.bulk_load(path=sys.argv[3], format=getattr(ox.RdfFormat, sys.argv[4]), lenient=True)
store.flush()
"""
_FORMATS = {"trig": "TRIG", "nquads": "N_QUADS"}


def fmt_of(fmt: str) -> ox.RdfFormat:
    return getattr(ox.RdfFormat, _FORMATS[fmt])


class BulkChild:
    """A child process bulk-loading one file into one store directory (a fresh
    interpreter: the parent's threads and open store are not copied into it)."""

    def __init__(self, store: Path, source: Path, fmt: str):
        self._errors = tempfile.TemporaryFile()   # a pipe could fill and stop the child
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _CHILD, str(os.getpid()), str(store), str(source),
                 _FORMATS[fmt]],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._errors)
        except OSError as exc:
            self._errors.close()
            raise StoreError(f"cannot start the bulk loader: {exc}") from None

    def wait(self, tick: Callable[[], None] | None = None) -> None:
        """Wait for the load, calling ``tick()`` every second meanwhile; raises
        StoreError with the child's error."""
        while True:
            try:
                self.process.wait(timeout=1.0)
                break
            except subprocess.TimeoutExpired:
                if tick is not None:
                    tick()
        self._errors.seek(0)
        error = self._errors.read()[-4000:].decode("utf-8", "replace").strip()
        self._errors.close()
        if self.process.returncode != 0:
            last = error.splitlines()[-1] if error else f"exit code {self.process.returncode}"
            raise StoreError(f"the bulk load failed: {last}")

    def stop(self) -> None:
        """Kill the load (its copy is about to be thrown away). Never raises."""
        try:
            self.process.kill()
            self.process.wait()
            self._errors.close()
        except (OSError, ValueError):
            pass


__all__ = ["Staging", "BulkChild", "fmt_of"]
