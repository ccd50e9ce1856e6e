"""The write path of claims and articles: write, delete, retract, each in one atomic
store update with its change records (kb/records/history.py), then the derived indexes
brought up to date in the registry's one order (kb/derived/registry.py).

``Claims(...)`` takes its collaborators as plain objects: the store, the IRI minter,
the claim reader, the stored articles, the change log, the derived
indexes, the annotation service (annotations follow an article's new text) and a clock.
``actor`` is who writes when a call names no user (the CLI sets "cli:<login>").
"""
from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Callable, Iterable

from rdflib import URIRef

from kb.derived.registry import DerivedIndexes
from kb.errors import InputError
from kb.model.article import ArticleData, StoredArticle
from kb.model.claim import ClaimRecord, claim_quads
from kb.model.claim_diff import claim_diff, dataset_nquads
from kb.model.iris import META, Minter
from kb.model.vocab import CKB
from kb.services.annotations import Annotations
from kb.services.names import Names
from kb.store import sparql
from kb.store.base import Store
from kb.store.convert import write_nquads
from kb.records.articles import Articles
from kb.records.claims import ClaimReader
from kb.records.history import MAX_SUMMARY, Change, History, now


class Claims:
    """Writing the claims and articles of one knowledge base."""

    def __init__(self, store: Store, iris: Minter, reader: ClaimReader,
                 articles: Articles, changelog: History, indexes: DerivedIndexes,
                 annotations: Annotations, names: Names,
                 clock: Callable[[], dt.datetime] = now):
        self.store = store
        self.iris = iris
        self.reader = reader
        self.articles = articles
        self.changelog = changelog
        self.indexes = indexes
        self.annotations = annotations
        self.names = names
        self.clock = clock
        self.actor: str | None = None

    # ------------------------------------------------------------------ articles

    def import_article(self, data: ArticleData) -> StoredArticle:
        """Store an article's metadata and text. Same text again: nothing changes. A new
        text: a new version linked to the previous one, and the article's annotations
        re-anchored in it. Its publisher and authors are resolved to the resources the
        KB has (kb.services.names). Raises InputError, StoreError."""
        data = self.names.resolve([], [data]).articles[0]
        parts, stored = self.articles.plan(data, self.clock())
        if parts:
            self.store.update(sparql.join_updates(parts))
            self.indexes.after_write(lambda: self.indexes.names_index.refresh(
                self._article_names([data])))
        if stored.new_version and not stored.created:
            self.annotations.reanchor_article(stored.iri)
        return stored

    # ------------------------------------------------------------------ claims

    def update_parts(self, records: Iterable[ClaimRecord]) -> list[str]:
        """Update parts that (re)write ``records``: old versions removed, new quads added."""
        records = list(records)
        if not records:
            return []
        quads = []
        for rec in records:
            quads.extend(claim_quads(rec))
        return [sparql.render("delete_claims.ru", claim=[r.iri for r in records]),
                sparql.insert_data(quads)]

    def write(self, records: Iterable[ClaimRecord], articles: Iterable[ArticleData] = (), *,
              user: str | None = None, resolved: bool = False, bulk: bool = False) -> int:
        """Write articles and claims in one atomic update; returns the claims written.

        Their names are resolved first (kb.services.names: the same entity written
        another way is the same resource), unless ``resolved`` says the caller did
        (``Names.resolve``, to report what it resolved).

        Every claim created or changed gets a change record (who = ``user``, when, what
        changed, the earlier version) in the same update; a claim rewritten unchanged
        gets none. A retracted claim stays retracted when rewritten.

        ``bulk``: many claims at once (a big claims file). When the write only adds (no
        claim or article replaced) and the store streams files, the quads go through a
        temporary N-Quads file into the bulk loader (``Store.load_file``: all or
        nothing) and every index is rebuilt, instead of one transaction and a refresh.
        Raises InputError, StoreError."""
        when = self.clock()
        records, articles = list(records), list(articles)
        if not resolved:
            resolution = self.names.resolve(records, articles)
            records, articles = resolution.records, resolution.articles
        deletes: list[str] = []
        quads: list[tuple] = []
        revised = []          # articles that get a new text: their annotations follow it
        for data in articles:
            removed, added, stored = self.articles.plan_quads(data, when)
            deletes += removed
            quads += added
            if stored.new_version and not stored.created:
                revised.append(stored.iri)
        iris = [r.iri for r in records]
        existing = self.reader.existing(iris)
        if existing or (iris and self.reader.leftovers(iris)):   # earlier versions go first
            deletes.append(sparql.render("delete_claims.ru", claim=iris))
        for rec in records:
            quads.extend(claim_quads(rec))
        quads += self._history_quads(records, user or self.actor, existing)
        if bulk and not deletes and not revised and quads and self.store.streams_files:
            self._bulk_add(quads)
            return len(records)
        if deletes:
            self.store.update(sparql.join_updates([*deletes, sparql.insert_data(quads)]))
        elif quads:           # only additions: no update to parse (one atomic write)
            self.store.insert(quads)
        for article in revised:
            self.annotations.reanchor_article(article)
        if records:
            self.indexes.claims_changed(written=[r.iri for r in records])
        named = self._article_names(articles) + [str(d.iri) for r in records for d in r.declared]
        if named:
            self.indexes.after_write(lambda: self.indexes.names_index.refresh(named))
        return len(records)

    def _bulk_add(self, quads: list[tuple]) -> None:
        """Add ``quads`` with the bulk loader, then rebuild every index (``write``'s bulk
        path). Raises StoreError (nothing written)."""
        folder = self.indexes.data_dir
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(prefix="claimkb-write-", suffix=".nq",
                                         dir=folder) as fh:
            write_nquads(quads, fh)
            fh.flush()
            quads.clear()

            def before_swap() -> None:   # decided: the indexes follow from the store
                self.indexes.stale_marker.write_text("bulk write\n", encoding="utf-8")

            self.store.load_file(Path(fh.name), "nquads", lambda: None, before_swap)
        self.indexes.after_write(self.indexes.rebuild)

    def _article_names(self, articles: list[ArticleData]) -> list[str]:
        """The publishers and authors of ``articles`` (their IRIs)."""
        out = []
        for data in articles:
            if data.publisher:
                out.append(str(data.resolved.get(data.publisher) or data.minted.get(data.publisher)
                               or self.iris.publisher(data.publisher)))
            out += [str(data.resolved.get(n) or data.minted.get(n) or self.iris.person(n))
                    for n in data.authors]
        return out

    def delete(self, iris: list[URIRef], *, user: str | None = None) -> None:
        """Delete claims (content, metadata, comparisons), keeping each one's last
        version in the history in the same update. Raises StoreError."""
        iris = [URIRef(i) for i in iris]
        if not iris:
            return
        existing = self.reader.existing(iris)
        quads: list[tuple] = []
        when = self.clock()
        for iri in iris:
            if str(iri) in existing:
                quads += self.changelog.change_quads(
                    iri, action="deleted", who=user or self.actor, summary="deleted", when=when,
                    before=dataset_nquads(self.reader.dataset(iri)))[1]
        parts = [sparql.render("delete_claims.ru", claim=iris)]
        if quads:
            parts.append(sparql.insert_data(quads))
        self.store.update(sparql.join_updates(parts))
        self.indexes.claims_changed(removed=iris)

    def retract(self, ref: str, reason: str, *, user: str | None = None) -> Change:
        """Retract a claim: it stays in the KB, shown as retracted with ``reason``, and
        takes no part in comparisons any more. Returns the change recorded. Raises
        NotFound, InputError (no reason, too long, already retracted), StoreError."""
        claim = self.reader.iri(ref)
        reason = " ".join((reason or "").split())
        if not reason:
            raise InputError("give the reason for retracting the claim")
        if len(reason) > MAX_SUMMARY:
            raise InputError(f"the reason is over {MAX_SUMMARY} characters")
        if self.reader.is_retracted(claim):
            raise InputError(f"claim {self.iris.local_id(claim) or claim} is already retracted")
        change, quads = self.changelog.change_quads(
            claim, action="retracted", who=user or self.actor, summary=reason,
            before=dataset_nquads(self.reader.dataset(claim)))
        quads.append((claim, CKB.retraction, change, META))
        self.store.update(sparql.insert_data(quads))
        self.indexes.claims_changed(written=[claim])
        return self.changelog.changes(claim)[0]

    def history(self, ref: str) -> list[Change]:
        """The changes recorded for a claim, newest first (a deleted claim's history
        stays readable). Raises NotFound when there is none and no claim."""
        iri = self.iris.resolve("claims", ref)
        found = self.changelog.changes(iri)
        if not found:
            self.reader.iri(ref)   # NotFound for an unknown claim
        return found

    def _history_quads(self, records: list[ClaimRecord], user: str | None,
                       existing: dict[str, URIRef | None]) -> list[tuple]:
        """Change records (quads) for writing ``records`` (``existing``: those stored,
        with their retraction): created, or updated with the earlier version and a
        summary of what changed; retractions carried over."""
        when = self.clock()
        quads: list[tuple] = []
        for rec in records:
            if str(rec.iri) not in existing:
                quads += self.changelog.change_quads(rec.iri, action="created", who=user,
                                                     when=when)[1]
                continue
            old = self.reader.dataset(rec.iri)
            summary = claim_diff(old, rec.iri, claim_quads(rec))
            retraction = existing[str(rec.iri)]
            if retraction is not None:
                quads.append((rec.iri, CKB.retraction, retraction, META))
            if summary:
                quads += self.changelog.change_quads(
                    rec.iri, action="updated", who=user, summary=summary,
                    before=dataset_nquads(old), when=when)[1]
        return quads


__all__ = ["Claims"]
