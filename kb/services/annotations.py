"""W3C Web Annotations on articles (a text span), claims, publishers or anything else,
stored as RDF (issue #5; docs/annotations.md).

Storage: one named graph per annotation, named by the annotation IRI
``<base>annotations/<id>``. It holds the annotation's triples as parsed from its JSON-LD
(blank nodes inside), plus what the server adds: ``dcterms:creator <base>users/<name>``
(the account that created it, next to any creator the document gives),
``dcterms:created`` (kept from the document when given) and ``dcterms:modified``
(every write). The ETag is a hash of the graph's canonical N-Triples, computed on read.

An annotation on the text of a claimkb article is a ``SpecificResource`` whose
``source`` is the article (or one of its text versions) with a TextQuoteSelector and/or a
TextPositionSelector; the selectors are checked against the stored text, and the
version they refer to is recorded as the target's ``state`` (``oa:cachedSource`` — a
stored copy of the source as annotated). When the article gets a new text version,
``reanchor_article`` moves the selectors (kb/ingest/reanchor.py); an annotation that cannot be
re-anchored is kept and marked ``ckb:orphaned true``.

Every create, update and delete records a change (kb/records/history.py: who, when, what, and
the earlier version as JSON-LD) in the same SPARQL update as the write itself.

Listing (``list``) reads the annotations index (kb/derived/annotation_index.py,
``<data_dir>/annotations.sqlite``): every write here updates it after the store
update, from the graphs as stored. If that fails the write stays (the store is the
truth), the indexes are marked stale and rebuilt on the next start
(``DerivedIndexes.after_write``).
"""
from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef

from kb.derived.registry import DerivedIndexes
from kb.errors import PermissionDenied, PreconditionFailed
from kb.ingest.reanchor import reanchor
from kb.model import annotation_jsonld as jsonld
from kb.model.annotation_graph import (article_targets, etag, move_selectors, selectors,
                                       state_version, summary_new)
from kb.model.annotation_records import Annotation, AnnotationPage, summary_diff
from kb.model.iris import Minter
from kb.model.vocab import CKB, OA
from kb.services.annotation_checks import AnnotationChecks
from kb.services.annotation_queries import AnnotationQueries
from kb.store import sparql
from kb.store.base import Store
from kb.records.annotations import AnnotationGraphs
from kb.records.articles import Articles
from kb.records.claims import ClaimReader
from kb.records.history import History

OA_NS = str(OA)
MOTIVATIONS = ("assessing", "bookmarking", "classifying", "commenting", "describing", "editing",
               "highlighting", "identifying", "linking", "moderating", "questioning", "replying",
               "tagging")


@dataclass
class ReanchorReport:
    """What ``reanchor_article`` did: how many annotations moved to the current text,
    which could not (orphans, kept), and how many were already on it."""

    reanchored: int = 0
    orphaned: list[str] = field(default_factory=list)
    unchanged: int = 0
    methods: dict = field(default_factory=dict)


class Annotations(AnnotationQueries):
    """The annotation service of one knowledge base (``KnowledgeBase.annotations``):
    its store, IRI minter, articles, claims, change log, annotation graphs and derived
    indexes are given, as plain objects. The reads are ``AnnotationQueries``'
    (kb/services/annotation_queries.py); the writes are here, each checked by
    ``AnnotationChecks`` (kb/services/annotation_checks.py)."""

    def __init__(self, store: Store, iris: Minter, articles: Articles, reader: ClaimReader,
                 changelog: History, graphs: AnnotationGraphs, indexes: DerivedIndexes):
        super().__init__(iris, articles, changelog, graphs, indexes)
        self.store = store
        self.reader = reader
        self.checks = AnnotationChecks(iris, articles, reader, graphs, changelog)
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ writing

    def create(self, doc: dict | str | bytes, *, user: str, slug: str | None = None) -> Annotation:
        """Store a new annotation from its JSON-LD (a dict or JSON text) as ``user``.
        The document's own ``id`` is ignored: the server mints ``<base>annotations/<id>``
        (from ``slug`` when given and free). Raises InputError (malformed JSON or
        JSON-LD, a remote @context, not an Annotation, no target, a bad IRI or date,
        selectors outside the article text, a document too big or too deep),
        StoreError (also when the annotation was stored but the annotations index could
        not be updated: it is rebuilt on the next start)."""
        if not user:
            raise PermissionDenied("log in to annotate")
        data = jsonld.load_json(doc)
        with self._lock:
            iri = self.checks.new_iri(slug)
            now = _now()
            graph = self.checks.prepare(data, iri, user=user, owner=user, old=None, now=now)
            parts = [self._insert(iri, graph),
                     self.changelog.change_update(iri, action="created", who=user,
                                           summary=summary_new(graph, iri), when=_precise())]
            self.store.update(sparql.join_updates(parts))
            stored = self._reindex([iri])
        return self._annotation(iri, stored[iri]) if iri in stored else self.get(iri)

    def update(self, ref: str, doc: dict | str | bytes, *, user: str, is_admin: bool = False,
               if_match: str | None = None) -> Annotation:
        """Replace an annotation with a new JSON-LD document (the Protocol's PUT). Only
        its creator or an admin may. ``if_match``, when given, must be its current ETag.
        A document ``id``, when given, must be the annotation's IRI. Raises NotFound,
        Gone, PermissionDenied, PreconditionFailed (stale ETag: nothing changed),
        InputError (as for ``create``), StoreError (also when the write was stored but the
        annotations index could not be updated: it is rebuilt on the next start)."""
        with self._lock:
            old = self.get(ref)
            self.check_owner(old, user, is_admin)
            self._check_etag(old, if_match)
            data = jsonld.load_json(doc)
            iri = URIRef(old.iri)
            now = _now()
            old_graph = self._graph(iri)
            graph = self.checks.prepare(data, iri, user=user, owner=old.creator, old=old_graph, now=now)
            new = self._annotation(iri, graph)
            parts = [sparql.render("annotation_delete.ru", a=iri), self._insert(iri, graph),
                     self.changelog.change_update(iri, action="updated", who=user,
                                           summary=summary_diff(old, new), when=_precise(),
                                           before=json.dumps(old.doc, ensure_ascii=False),
                                           before_format="application/ld+json")]
            self.store.update(sparql.join_updates(parts))
            stored = self._reindex([iri])
        return self._annotation(iri, stored[iri]) if iri in stored else self.get(iri)

    def delete(self, ref: str, *, user: str, is_admin: bool = False,
               if_match: str | None = None) -> None:
        """Delete an annotation; its last version stays in the history, and its IRI
        answers Gone. Only its creator or an admin may. Raises NotFound, Gone,
        PermissionDenied, PreconditionFailed, StoreError (also when it was deleted but
        the annotations index could not be updated: it is rebuilt on the next start)."""
        with self._lock:
            old = self.get(ref)
            self.check_owner(old, user, is_admin)
            self._check_etag(old, if_match)
            iri = URIRef(old.iri)
            parts = [sparql.render("annotation_delete.ru", a=iri),
                     self.changelog.change_update(iri, action="deleted", who=user, when=_precise(),
                                           summary=f"deleted annotation {old.id}",
                                           before=json.dumps(old.doc, ensure_ascii=False),
                                           before_format="application/ld+json")]
            self.store.update(sparql.join_updates(parts))
            self._reindex([iri])

    def reanchor_article(self, article_iri: str) -> ReanchorReport:
        """Move the selectors of every annotation on an article's text to its current
        text version (kb/ingest/reanchor.py: position, quote, quote with context, fuzzy). Those
        that cannot be placed are kept and marked orphaned (``orphans``). Each change is
        recorded in the history; all in one update (then the annotations index). Raises
        StoreError (also when the update was stored but the annotations index could not
        be: it is rebuilt on the next start)."""
        article = URIRef(article_iri)
        report = ReanchorReport()
        version, text = self.articles.current_text(article)
        if version is None:
            return report
        with self._lock:
            graphs = self._graphs_for_source(article)
            texts: dict = {}
            parts: list[str] = []
            written: list[URIRef] = []
            for iri in sorted(graphs, key=str):
                graph = graphs[iri]
                ann = self._annotation(iri, graph)
                targets = article_targets(graph, iri, article)
                if not targets or all(state_version(graph, t) == version for t in targets) \
                        and (iri, CKB.orphaned, None) not in graph:
                    report.unchanged += 1
                    continue
                before = json.dumps(ann.doc, ensure_ascii=False)
                was_orphan = (iri, CKB.orphaned, None) in graph
                lost = False
                methods = []
                for t in targets:
                    old_version = state_version(graph, t)
                    if old_version == version:
                        continue
                    old_text = self._version_text(old_version, texts) if old_version else None
                    sel = selectors(graph, t)
                    exact = sel.get("exact")
                    if exact is None and old_text is not None and sel.get("start") is not None:
                        exact = old_text[sel["start"]:sel["end"]]
                    found = reanchor(old_text, text, exact=exact or "", prefix=sel.get("prefix"),
                                     suffix=sel.get("suffix"), start=sel.get("start"),
                                     end=sel.get("end")) if exact else None
                    if found is None:
                        lost = True
                        continue
                    move_selectors(graph, t, found, version)
                    methods.append(found.method)
                if lost and was_orphan and not methods:
                    report.orphaned.append(self._id(iri))   # still lost: nothing to write
                    continue
                graph.remove((iri, CKB.orphaned, None))
                if lost:
                    graph.add((iri, CKB.orphaned, Literal(True)))
                    report.orphaned.append(self._id(iri))
                    summary = f"orphaned: the quote is not in the new text {version}"
                else:
                    report.reanchored += 1
                    for m in methods:
                        report.methods[m] = report.methods.get(m, 0) + 1
                    summary = f"re-anchored on {version} ({', '.join(methods) or 'unchanged'})"
                written.append(iri)
                parts += [sparql.render("annotation_delete.ru", a=iri), self._insert(iri, graph),
                          self.changelog.change_update(iri, action="updated", who=None,
                                                summary=summary, before=before,
                                                before_format="application/ld+json", when=_precise())]
            if parts:
                self.store.update(sparql.join_updates(parts))
                self._reindex(written)
        return report

    def check_owner(self, ann: Annotation, user: str | None, is_admin: bool) -> None:
        """Raise PermissionDenied unless ``user`` created ``ann`` or ``is_admin``."""
        if is_admin:
            return
        if not user or ann.creator is None or ann.creator.lower() != user.lower():
            raise PermissionDenied(f"only its creator ({ann.creator or 'unknown'}) or an admin "
                                   f"may change annotation {ann.id!r}")

    @staticmethod
    def _check_etag(ann: Annotation, if_match: str | None) -> None:
        if if_match is None:
            return
        sent = [t.strip() for t in if_match.split(",")]
        if "*" in sent:
            return
        # strong comparison (RFC 9110 §13.1.1): a weak validator never matches
        if ann.etag not in sent:
            raise PreconditionFailed(f"annotation {ann.id!r} has changed (ETag {ann.etag}, "
                                     f"If-Match {if_match}): fetch it again; nothing was changed")

    def _reindex(self, iris: list[URIRef]) -> dict[URIRef, Graph]:
        """After a store write: index the annotations ``iris`` as now stored (those no
        longer stored are dropped from the index); returns their stored graphs. If the
        index cannot be updated, the write stays and the indexes are marked stale
        (``DerivedIndexes.after_write``: StoreError)."""
        return self.indexes.annotations_changed(iris)

    def _insert(self, iri: URIRef, graph: Graph) -> str:
        """INSERT DATA of ``graph`` into the named graph ``iri`` (blank nodes kept, with
        labels unique to this write, or skolem IRIs where the store asks for them)."""
        return sparql.insert_data(((s, p, o, iri) for s, p, o in graph), blank_nodes=True,
                                  skolem=self.store.skolem)


def _precise() -> dt.datetime:
    """The time of a change record: with microseconds, so that changes made within one
    second keep their order in the history."""
    return dt.datetime.now(dt.timezone.utc)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


__all__ = ["Annotations", "Annotation", "AnnotationPage", "ReanchorReport", "etag", "MOTIVATIONS"]
