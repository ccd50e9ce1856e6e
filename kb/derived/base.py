"""The contract every derived index keeps (kb/derived/registry.py holds them).

A derived index is data computed from the store and kept beside it (SQLite files in the
data directory): it can be thrown away and rebuilt at any time, and the store stays the
only source of truth. Each one:

* names the version of its layout (``schema_version``): an index of another version is
  upgraded in place or rebuilt;
* says whether it was ever built (``built``) and builds itself from the store
  (``rebuild(progress)``) into a new file that is then moved into place, so that
  readers see the old index until the swap and a failed rebuild leaves it;
* brings itself up to date for a set of changed resources (``refresh``: claims for
  the claims and comparison indexes, annotations for the annotations index);
* empties itself for an empty store (``clear``) and lets go of its files (``close``).

Building, refreshing and clearing raise StoreError when the index or the store cannot
be read or written.
"""
from __future__ import annotations

from typing import Callable, Iterable, Protocol, runtime_checkable

Progress = Callable[[int, int], None]


@runtime_checkable
class DerivedIndex(Protocol):
    schema_version: str | int

    @property
    def built(self) -> bool: ...

    def rebuild(self, progress: Progress | None = None): ...

    def refresh(self, changed: Iterable): ...

    def clear(self) -> None: ...

    def close(self) -> None: ...


__all__ = ["DerivedIndex", "Progress"]
