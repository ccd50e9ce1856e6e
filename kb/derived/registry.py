"""The derived indexes of one knowledge base, registered in one place, and the one order
the write path keeps them current in.

``DerivedIndexes`` opens each index (kb/derived/base.py's contract) on first use:

====================  ========================  ==========================================
name                  file in the data dir      kept current after
====================  ========================  ==========================================
``compare_index``     ``compare.sqlite``        claims written, rewritten, retracted, deleted
``claims_index``      ``index.sqlite``          the same (and each claim's worst verdict)
``annotation_index``  ``annotations.sqlite``    annotations created, edited, deleted, re-anchored
``names_index``       ``names.sqlite``          claims written (the names they use), merges, splits
====================  ========================  ==========================================

plus the comparison graph (kb/derived/comparison_graph.py) when it was materialised.

After claims change (``claims_changed``): the comparison index first (it says which
other claims' verdicts may have changed), then the comparison graph, then the claims
index, then each touched claim's worst verdict copied into the claims index. Every
refresh runs through ``after_write``: if it fails, the write stays (the store is the
truth), the marker file ``index.stale`` is left in the data directory, the next start
rebuilds everything (``ensure``) and the StoreError says so.

Accounts (kb/accounts) are primary data, not a derived index: they are not here.
"""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Callable, Iterable

from rdflib import URIRef

from kb.derived.annotation_index import INDEX_FILE as ANNOTATIONS_FILE, AnnotationIndex
from kb.derived.base import DerivedIndex, Progress
from kb.derived.claims_index import INDEX_FILE as CLAIMS_FILE, ClaimIndex
from kb.derived.compare_index import FILE as COMPARE_FILE, CompareIndex
from kb.derived.comparison_graph import ComparisonGraph
from kb.derived.names_index import FILE as NAMES_FILE, NamesIndex
from kb.derived.sqlite import rebuild_lock
from kb.errors import StoreError
from kb.model.iris import Minter
from kb.store.base import Store
from kb.records.annotations import AnnotationGraphs
from kb.records.claims import ClaimReader

# a write whose derived indexes could not be updated leaves this file in the data dir:
# the next start rebuilds them (DerivedIndexes.ensure)
STALE_MARKER = "index.stale"


class DerivedIndexes:
    """The registry: every derived index of one data directory, opened on first use."""

    def __init__(self, data_dir: Path, store: Store, iris: Minter, reader: ClaimReader,
                 annotation_graphs: AnnotationGraphs, *, facet_time_limit_ms: int = 200):
        self.data_dir = Path(data_dir)
        self.store = store
        self.iris = iris
        self.reader = reader
        self.annotation_graphs = annotation_graphs
        self.facet_time_limit_ms = facet_time_limit_ms
        self._open: dict[str, DerivedIndex] = {}
        self._graph: ComparisonGraph | None = None

    # ------------------------------------------------------------------ the indexes

    def _get(self, name: str, make: Callable[[], DerivedIndex]) -> DerivedIndex:
        index = self._open.get(name)
        if index is None:
            index = self._open[name] = make()
        return index

    @property
    def claims_index(self) -> ClaimIndex:
        """The claims index (the web list's facets, search and pages). Raises
        StoreError when it cannot be opened."""
        return self._get("claims", lambda: ClaimIndex(
            self.data_dir / CLAIMS_FILE, self.reader, facet_time_limit_ms=self.facet_time_limit_ms))

    @property
    def compare_index(self) -> CompareIndex:
        """The comparison index (not built: ``comparisons.ensure()`` builds it)."""
        return self._get("comparisons", lambda: CompareIndex(self.data_dir / COMPARE_FILE,
                                                             self.reader))

    @property
    def annotation_index(self) -> AnnotationIndex:
        """The annotations index. Raises StoreError when it cannot be opened."""
        return self._get("annotations", lambda: AnnotationIndex(
            self.data_dir / ANNOTATIONS_FILE, self.annotation_graphs))

    @property
    def names_index(self) -> NamesIndex:
        """The names index (entities, properties, people, publishers by name). Raises
        StoreError when it cannot be opened."""
        return self._get("names", lambda: NamesIndex(self.data_dir / NAMES_FILE, self.store,
                                                     self.iris))

    @property
    def comparison_graph(self) -> ComparisonGraph:
        """The comparison graph in the store, filled from the comparison index."""
        if self._graph is None:
            self._graph = ComparisonGraph(self.store, self.iris, self.compare_index)
        return self._graph

    # ------------------------------------------------------------------ building

    @property
    def stale_marker(self) -> Path:
        return self.data_dir / STALE_MARKER

    def ensure(self, progress: Progress | None = None) -> bool:
        """Build what was never built (a KB made before an index existed, a fresh remote
        endpoint) or is stale (a write could not update it: the marker). Returns
        whether anything was built. Several processes starting together on one data
        folder: one builds, the others wait for it and find it built. Raises StoreError."""
        with rebuild_lock(self.data_dir / "indexes"):
            return self._ensure(progress)

    def _ensure(self, progress: Progress | None) -> bool:
        if not self.claims_index.built or self.stale_marker.exists():
            self.rebuild(progress)
            return True
        built = False
        if not self.compare_index.built:     # missing, or of an older layout
            self._rebuild_comparisons()
            self.copy_verdicts(None)
            built = True
        if not self.annotation_index.built:
            self.annotation_index.rebuild()
            built = True
        if not self.names_index.built:
            self.names_index.rebuild()
            built = True
        return built

    def rebuild(self, progress: Progress | None = None) -> int:
        """Rebuild every index from the store, in the write path's order: the
        comparisons (and the comparison graph, when materialised), then the claims index
        with each claim's most severe verdict set before it is moved into place, then the
        annotations. The comparisons are rebuilt in a thread (their work in a child
        process when the store is big enough: kb/derived/compare_index.py) while the
        claims index is filled; the claims index waits for them before it counts.
        Returns the number of claims. Raises StoreError: a failed comparisons build
        leaves both old indexes in place (with its own message); a claims index failing
        after the new comparison index was moved into place leaves the old claims index
        beside the new comparison index until the next rebuild."""
        self.compare_index, self.comparison_graph      # opened here, not in two threads at once
        failed: list[BaseException] = []

        def comparisons() -> None:
            try:
                self._rebuild_comparisons()
            except BaseException as exc:   # given to the claims index's build below
                failed.append(exc)

        thread = threading.Thread(target=comparisons, name="claimkb-compare-rebuild", daemon=True)
        thread.start()

        def verdicts() -> dict[str, str]:
            thread.join()
            if failed:
                raise failed[0]
            return self.compare_index.worst(None)

        try:
            count = self.claims_index.rebuild(progress=progress, verdicts=verdicts)
        finally:
            thread.join()
        if self.claims_index.replayed:      # written while it was built: their verdicts again
            self.copy_verdicts(self.claims_index.replayed)
        self.annotation_index.rebuild()
        self.names_index.rebuild()
        self.stale_marker.unlink(missing_ok=True)
        return count

    def _rebuild_comparisons(self) -> None:
        self.compare_index.rebuild()
        if self.comparison_graph.exists():   # derived from the index: rebuilt with it
            self.comparison_graph.materialise()

    def clear(self) -> None:
        """Empty every index (after the store was cleared). Raises StoreError."""
        self.claims_index.clear()
        self.annotation_index.clear()
        self.compare_index.clear()
        self.names_index.clear()

    def close(self) -> None:
        """Close every open index. Never raises."""
        for index in self._open.values():
            index.close()
        self._open.clear()
        self._graph = None

    # ------------------------------------------------------------------ the write path

    def after_write(self, refresh: Callable[[], None]) -> None:
        """Run ``refresh`` (bringing indexes up to date) after a store write that
        succeeded. If it fails, the write stays: the indexes are marked stale, rebuilt
        on the next start, and the StoreError says so."""
        try:
            refresh()
        except (StoreError, OSError, sqlite3.Error) as exc:
            try:
                self.stale_marker.write_text(f"{exc}\n", encoding="utf-8")
            except OSError:
                pass
            raise StoreError(f"the write was stored, but the indexes could not be "
                             f"updated ({exc}); they are rebuilt on the next start, or run "
                             f"`claimkb reindex`") from None

    def claims_changed(self, written: Iterable = (), removed: Iterable = ()) -> None:
        """After claims were ``written`` (created, rewritten, retracted) or ``removed``
        (deleted): every index in the registry's order, inside ``after_write``.
        Raises StoreError (the write stays; the indexes are marked stale)."""
        written = [URIRef(str(c)) for c in written]
        removed = [URIRef(str(c)) for c in removed]

        def refresh():
            if removed:
                self.claims_index.remove(removed)
            touched = self.refresh_comparisons([*written, *removed])
            if written:
                self.claims_index.refresh(written)
                self.names_index.refresh_claims(written)
            gone = {str(c) for c in removed}
            again = sorted({str(c) for c in [*written, *touched]} - gone)
            if again:
                self.copy_verdicts(again)

        self.after_write(refresh)

    def names_changed(self, resources: Iterable, claims: Iterable = ()) -> None:
        """After a merge or a split: the claims it moved (every index, in order, as
        ``claims_changed``), then the names index for ``resources``, inside
        ``after_write``. Raises StoreError (the write stays; the indexes are marked stale)."""
        claims = list(claims)
        if claims:
            self.claims_changed(written=claims)
        self.after_write(lambda: self.names_index.refresh(resources))

    def annotations_changed(self, iris: Iterable) -> dict:
        """After annotations were written or deleted: the annotations index, inside
        ``after_write``; returns their stored graphs (IRI → rdflib Graph). Raises
        StoreError (the write stays; the indexes are marked stale)."""
        stored: dict = {}
        self.after_write(lambda: stored.update(self.annotation_index.refresh(iris)))
        return stored

    def refresh_comparisons(self, claims: list[URIRef]) -> list[str]:
        """The comparison index and, when materialised, the comparison graph, after
        ``claims`` changed (the first step of ``claims_changed``); returns the claims
        whose verdicts may have changed: the claims given and the claims they were or
        are now judged against. Raises StoreError."""
        done = self.compare_index.refresh(claims)
        graph = self.comparison_graph
        if done is None:            # no index yet: built on first use (now, if materialised)
            if graph.exists():
                graph.materialise()
            return [str(c) for c in claims]
        touched, verdicts, replaced = done
        if replaced and graph.exists():
            graph.refresh(verdicts, replaced)
        return touched

    def copy_verdicts(self, claims: list[str] | None) -> None:
        """Each claim's most severe verdict (``claims``; all when None) from the
        comparison index into the claims index."""
        worst = self.compare_index.ensure().worst(claims)
        self.claims_index.set_verdicts(worst, claims)


__all__ = ["DerivedIndexes", "STALE_MARKER"]
