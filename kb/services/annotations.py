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

Every create, update and delete records a change (kb/services/history.py: who, when, what, and
the earlier version as JSON-LD) in the same SPARQL update as the write itself.

Listing (``list``) reads the annotations index (kb/derived/annotation_index.py,
``<data_dir>/annotations.sqlite``): every write here updates it after the store
update, from the graphs as stored. If that fails the write stays (the store is the
truth), the indexes are marked stale and rebuilt on the next start
(``KnowledgeBase.after_write``).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
import threading
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import DCTERMS, RDF, XSD

from kb.derived.registry import DerivedIndexes
from kb.errors import Gone, InputError, NotFound, PermissionDenied, PreconditionFailed
from kb.ingest.reanchor import reanchor
from kb.model import annotation_jsonld as jsonld
from kb.model.anchoring import locate
from kb.model.iris import Minter
from kb.model.urls import check_iri
from kb.model.vocab import CKB, OA
from kb.store import sparql
from kb.store.base import Store
from kb.stored.annotations import AnnotationGraphs
from kb.stored.articles import Articles
from kb.stored.claims import ClaimReader
from kb.stored.history import Change, History

OA_NS = str(OA)
MOTIVATIONS = ("assessing", "bookmarking", "classifying", "commenting", "describing", "editing",
               "highlighting", "identifying", "linking", "moderating", "questioning", "replying",
               "tagging")
RESERVED_IDS = {"context.jsonld"}
_SLUG = re.compile(r"[^A-Za-z0-9._-]+")
_SINGLE = (DCTERMS.created, DCTERMS.modified, DCTERMS.issued, OA.canonical)
_IRI_ONLY = (OA.hasTarget, OA.hasBody, DCTERMS.creator,
             URIRef("http://www.w3.org/ns/activitystreams#generator"), DCTERMS.rights, OA.via,
             OA.canonical, OA.hasSource, OA.hasSelector, OA.hasState, OA.hasScope,
             OA.refinedBy, OA.cachedSource, OA.styledBy, OA.renderedVia)
_VALUE_SELECTORS = (OA.FragmentSelector, OA.CssSelector, OA.XPathSelector)
AS_ITEMS = URIRef("http://www.w3.org/ns/activitystreams#items")


@dataclass
class Annotation:
    """One stored annotation. ``doc`` is the JSON-LD as served (compacted against
    anno.jsonld, absolute ``id``); ``creator`` the claimkb user who created it;
    ``motivations`` short names ("commenting"); ``bodies_text`` the textual bodies (not
    tags); ``tags`` the tagging bodies; ``target_source`` the IRI annotated (the target,
    or its source); ``start``/``end``/``exact`` the span on an article text (for
    ``for_article``, on its current text); ``orphan`` when that span could not be
    re-anchored in the current text; ``replies_to`` the annotation this one answers;
    ``whole`` when its target is a resource as a whole (no selector: an article, a claim,
    a publisher, any IRI); ``links`` the IRIs of its link bodies (a body that is an IRI,
    a SpecificResource's source, a Choice's IRI items), printed with web/filters.link."""

    iri: str
    id: str
    doc: dict
    creator: str | None
    created: str | None
    modified: str | None
    etag: str
    motivations: list[str] = field(default_factory=list)
    bodies_text: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    target_source: str | None = None
    start: int | None = None
    end: int | None = None
    exact: str | None = None
    orphan: bool = False
    replies_to: str | None = None
    version: str | None = None      # the article text version the span refers to
    whole: bool = False
    links: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in (
            "iri", "id", "creator", "created", "modified", "etag", "motivations", "bodies_text",
            "tags", "target_source", "start", "end", "exact", "orphan", "replies_to", "version",
            "whole", "links")}


@dataclass
class AnnotationPage:
    """A page of ``list``: ``items``, the id to pass as ``after`` for the next page (None
    on the last), how many annotations match in all and the newest ``modified`` among
    them, and the id to pass as ``before`` for the previous page (None on the first)."""

    items: list[Annotation]
    next_after: str | None
    total: int
    modified: str | None = None
    prev_before: str | None = None


@dataclass
class ReanchorReport:
    """What ``reanchor_article`` did: how many annotations moved to the current text,
    which could not (orphans, kept), and how many were already on it."""

    reanchored: int = 0
    orphaned: list[str] = field(default_factory=list)
    unchanged: int = 0
    methods: dict = field(default_factory=dict)


class Annotations:
    """The annotation service of one knowledge base (``KnowledgeBase.annotations``):
    its store, IRI minter, articles, claims, change log, annotation graphs and derived
    indexes are given, as plain objects."""

    def __init__(self, store: Store, iris: Minter, articles: Articles, reader: ClaimReader,
                 changelog: History, graphs: AnnotationGraphs, indexes: DerivedIndexes):
        self.store = store
        self.iris = iris
        self.articles = articles
        self.reader = reader
        self.changelog = changelog
        self.graphs_of_store = graphs
        self.indexes = indexes
        self.container = graphs.container
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ public API

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
            iri = self._new_iri(slug)
            now = _now()
            graph = self._prepare(data, iri, user=user, owner=user, old=None, now=now)
            parts = [self._insert(iri, graph),
                     self.changelog.change_update(iri, action="created", who=user,
                                           summary=_summary_new(graph, iri), when=_precise())]
            self.store.update(sparql.join_updates(parts))
            stored = self._reindex([iri])
        return self._annotation(iri, stored[iri]) if iri in stored else self.get(iri)

    def get(self, ref: str) -> Annotation:
        """One annotation by id or IRI. Raises NotFound (never existed, or a malformed
        reference), Gone (deleted: its history is kept)."""
        iri = self._iri(ref)
        graph = self._graph(iri)
        if graph is None:
            change = self.changelog.deleted(iri)
            if change is not None:
                who = f" by {change.who}" if change.who else ""
                raise Gone(f"annotation {self._id(iri)!r} was deleted{who} on {change.when}")
            raise NotFound(f"no annotation {ref!r}")
        return self._annotation(iri, graph)

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
            graph = self._prepare(data, iri, user=user, owner=old.creator, old=old_graph, now=now)
            new = self._annotation(iri, graph)
            parts = [sparql.render("annotation_delete.ru", a=iri), self._insert(iri, graph),
                     self.changelog.change_update(iri, action="updated", who=user,
                                           summary=_summary_diff(old, new), when=_precise(),
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

    def list(self, *, target: str | None = None, source: str | None = None,
             motivation: str | None = None, tag: str | None = None, creator: str | None = None,
             replies_to: str | None = None, after: str | None = None, limit: int = 50,
             before: str | None = None, last: bool = False, orphan: bool | None = None
             ) -> AnnotationPage:
        """Annotations in id order matching every filter given: ``target`` (the target
        IRI), ``source`` (an article, claim or publisher IRI the target is or whose text
        it selects), ``motivation`` (a short name or IRI), ``tag``, ``creator`` (a user
        name or agent IRI), ``replies_to`` (an annotation id or IRI), ``orphan``. Keyset
        pages: ``after`` an id (the next page), or ``before`` an id / ``last`` (pages
        backwards, for the Protocol's prev/last links; items are still in id order).
        Read from the annotations index (kb/derived/annotation_index.py: index lookups and range
        scans, built from the store on first use), then the page's annotations from the
        store in one query. Raises InputError for a bad filter value, NotFound for a
        malformed ``after``/``before`` id, StoreError."""
        params = self._filters(target=target, source=source, motivation=motivation, tag=tag,
                               creator=creator, replies_to=replies_to, orphan=orphan)
        limit = max(1, min(int(limit), 1000))
        keys = [(name, str(value)) for name, value in params.items() if name != "container"]
        keys = [("orphan", "true") if name == "orphan" else (name, value) for name, value in keys]
        after_iri = str(self._iri(after)) if after is not None and before is None and not last else None
        before_iri = str(self._iri(before)) if before is not None else None
        index = self.indexes.annotations
        index.ensure_built()
        found = index.listing(keys, after=after_iri, before=before_iri, last=last, limit=limit)
        iris = [URIRef(i) for i in found.iris]
        items = self._load(iris)
        return AnnotationPage(items, self._id(iris[-1]) if found.more and iris else None,
                              found.total, found.modified,
                              self._id(iris[0]) if found.prev and iris else None)

    def for_article(self, article_iri: str) -> list[Annotation]:
        """The annotations of one article (its text spans and the article as a whole),
        in id order, with ``start``/``end``/``exact`` resolved on the article's current
        text (computed in memory when stored on an older version and not yet
        re-anchored) and ``orphan`` set for those that cannot be placed. One query per
        text version of the article, whatever the number of annotations. Raises
        StoreError."""
        article = URIRef(article_iri)
        graphs = self._graphs_for_source(article)
        version, text = self.articles.current_text(article)
        texts: dict = {}
        out = []
        for iri in sorted(graphs, key=str):
            ann = self._annotation(iri, graphs[iri])
            if ann.version and version is not None and ann.version != str(version) \
                    and (ann.exact or ann.start is not None):
                # not re-anchored yet (e.g. a text stored without reanchor_article):
                # placed in memory; a position-only selector is read on its own version
                old_text = self._version_text(URIRef(ann.version), texts)
                found = _reanchor(old_text, text, graphs[iri], ann)
                if found is None:
                    ann.orphan = True
                    ann.start = ann.end = None
                else:
                    ann.start, ann.end, ann.exact = found.start, found.end, found.exact
                    ann.orphan = False
            elif ann.start is None and ann.exact and text is not None:
                sel = _selectors(graphs[iri], _first_selected(graphs[iri], iri))
                try:
                    anchor = locate(text, ann.exact, prefix=sel.get("prefix"), suffix=sel.get("suffix"))
                    ann.start, ann.end = anchor.start, anchor.end
                except InputError:
                    ann.orphan = True
            out.append(ann)
        return out

    def on(self, target: str) -> list[Annotation]:
        """The annotations whose target is ``target`` (a claim, publisher or any IRI) or
        a SpecificResource of it, in id order, all of them (``list(source=…)`` pages
        them): one query, on the store's object index. Raises StoreError."""
        graphs = self._fetch("annotation_for_source.rq", source=URIRef(str(target)))
        return [self._annotation(iri, graphs[iri]) for iri in sorted(graphs, key=str)]

    def replies(self, parents: list[str]) -> dict[str, list[Annotation]]:
        """Parent annotation IRI → the annotations replying to it (their target is the
        parent), oldest first: one query for all ``parents``, whatever their number.
        Raises StoreError."""
        wanted = {str(p) for p in parents}
        if not wanted:
            return {}
        graphs = self._fetch("annotation_for_source.rq",
                             source=[URIRef(p) for p in sorted(wanted)])
        out: dict[str, list[Annotation]] = {}
        for iri in sorted(graphs, key=str):
            if str(iri) in wanted:
                continue
            reply = self._annotation(iri, graphs[iri])
            if reply.replies_to in wanted:
                out.setdefault(reply.replies_to, []).append(reply)
        for found in out.values():
            found.sort(key=lambda r: (str(r.created), r.iri))
        return out

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
                targets = _article_targets(graph, iri, article)
                if not targets or all(_state_version(graph, t) == version for t in targets) \
                        and (iri, CKB.orphaned, None) not in graph:
                    report.unchanged += 1
                    continue
                before = json.dumps(ann.doc, ensure_ascii=False)
                was_orphan = (iri, CKB.orphaned, None) in graph
                lost = False
                methods = []
                for t in targets:
                    old_version = _state_version(graph, t)
                    if old_version == version:
                        continue
                    old_text = self._version_text(old_version, texts) if old_version else None
                    sel = _selectors(graph, t)
                    exact = sel.get("exact")
                    if exact is None and old_text is not None and sel.get("start") is not None:
                        exact = old_text[sel["start"]:sel["end"]]
                    found = reanchor(old_text, text, exact=exact or "", prefix=sel.get("prefix"),
                                     suffix=sel.get("suffix"), start=sel.get("start"),
                                     end=sel.get("end")) if exact else None
                    if found is None:
                        lost = True
                        continue
                    _move_selectors(graph, t, found, version)
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

    def orphans(self, article: str | None = None) -> list[Annotation]:
        """Annotations marked orphaned (their quote is not in the current text of their
        article), of one article or of all. Raises StoreError."""
        out: list[Annotation] = []
        after = None
        while True:
            page = self.list(source=article, orphan=True, after=after, limit=500)
            out += page.items
            if page.next_after is None:
                return out
            after = page.next_after

    def history(self, ref: str) -> list[Change]:
        """The recorded changes of an annotation (also a deleted one), newest first.
        Raises NotFound for an annotation that never existed."""
        iri = self._iri(ref)
        changes = self.changelog.changes(iri)
        if not changes and self._graph(iri) is None:
            raise NotFound(f"no annotation {ref!r}")
        return changes

    def etag_of(self, ref: str) -> str:
        """The current ETag of an annotation. Raises NotFound, Gone."""
        return self.get(ref).etag

    def all_iris(self) -> list[str]:
        """Every annotation IRI, in id order (for export), from the annotations index.
        Raises StoreError."""
        index = self.indexes.annotations
        index.ensure_built()
        return list(index.iter_iris())

    def stored_iris(self) -> list[str]:
        """Every annotation IRI in the store (not the index: what the index is rebuilt
        from), in no particular order. Raises StoreError."""
        return self.graphs_of_store.stored_iris()

    def graphs(self, iris) -> dict[URIRef, Graph]:
        """The stored graphs of these annotation IRIs, in one query (annotations not in
        the store are left out). Raises StoreError."""
        return self.graphs_of_store.graphs(iris)

    def graph_of(self, ref: str) -> Graph:
        """The stored triples of one annotation. Raises NotFound, Gone."""
        ann = self.get(ref)
        return self._graph(URIRef(ann.iri))

    def _reindex(self, iris: list[URIRef]) -> dict[URIRef, Graph]:
        """After a store write: index the annotations ``iris`` as now stored (those no
        longer stored are dropped from the index); returns their stored graphs. If the
        index cannot be updated, the write stays and the indexes are marked stale
        (``DerivedIndexes.after_write``: StoreError)."""
        return self.indexes.annotations_changed(iris)

    # ------------------------------------------------------------------ reading

    def _iri(self, ref: str) -> URIRef:
        ref = str(ref).strip()
        if ref.startswith(("http://", "https://", "urn:")):
            if not ref.startswith(self.container) or not self._id(URIRef(ref)):
                raise NotFound(f"no annotation {ref!r}")
            return URIRef(ref)
        return self.iris.resolve("annotations", ref)

    def _id(self, iri) -> str:
        text = str(iri)
        return text[len(self.container):] if text.startswith(self.container) else text

    def _graph(self, iri: URIRef) -> Graph | None:
        return self.graphs_of_store.graph(iri)

    def _fetch(self, query: str, **params) -> dict[URIRef, Graph]:
        return self.graphs_of_store.fetch(query, **params)

    def _graphs_for_source(self, source: URIRef) -> dict[URIRef, Graph]:
        graphs = self._fetch("annotation_for_source.rq", source=source)
        if str(source).startswith(f"{self.iris.base}articles/"):
            # annotations whose target source is a text version of the article
            for v in self.articles.versions(source):
                graphs.update(self._fetch("annotation_for_source.rq", source=v["version"]))
        return graphs

    def _load(self, iris: list[URIRef]) -> list[Annotation]:
        if not iris:
            return []
        graphs = self._fetch("annotation_graphs.rq", g=iris)
        return [self._annotation(i, graphs[i]) for i in iris if i in graphs]

    def _version_text(self, version: URIRef, cache: dict) -> str | None:
        if version not in cache:
            try:
                cache[version] = self.articles.version_text(version)
            except NotFound:
                cache[version] = None
        return cache[version]

    def _annotation(self, iri: URIRef, graph: Graph) -> Annotation:
        doc = jsonld.compact(graph, iri)
        users = f"{self.iris.base}users/"
        owner = next((self.changelog.user_name(c) for c in graph.objects(iri, DCTERMS.creator)
                      if str(c).startswith(users)), None)
        motivations = sorted(_short(m) for m in graph.objects(iri, OA.motivatedBy))
        tagging = set(graph.objects(iri, OA.motivatedBy)) == {OA.tagging}
        bodies, tags = [], []
        for v in graph.objects(iri, OA.bodyValue):
            bodies.append(str(v))
        for body in sorted(graph.objects(iri, OA.hasBody), key=str):
            for item in [body, *(_list_values(graph, graph.value(body, AS_ITEMS)))]:
                value = graph.value(item, RDF.value)
                if value is None or not isinstance(value, Literal):
                    continue
                purposes = set(graph.objects(item, OA.hasPurpose))
                if OA.tagging in purposes or (tagging and not purposes):
                    tags.append(str(value))
                else:
                    bodies.append(str(value))
        ann = Annotation(
            iri=str(iri), id=self._id(iri), doc=doc, creator=owner,
            created=_lexical(graph.value(iri, DCTERMS.created)),
            modified=_lexical(graph.value(iri, DCTERMS.modified)),
            etag=etag(graph), motivations=motivations, bodies_text=bodies, tags=tags,
            orphan=(iri, CKB.orphaned, Literal(True)) in graph, links=_link_bodies(graph, iri))
        targets = sorted(graph.objects(iri, OA.hasTarget), key=lambda t: (isinstance(t, BNode), str(t)))
        ours = f"{self.iris.base}"
        chosen = None
        for t in targets:
            source = graph.value(t, OA.hasSource) or (t if isinstance(t, URIRef) else None)
            if source is not None and (chosen is None or (str(source).startswith(ours)
                                                          and not str(chosen[1]).startswith(ours))):
                chosen = (t, source)
        if chosen is not None:
            t, source = chosen
            ann.target_source = str(source)
            if str(source).startswith(self.container) and str(source) != str(iri):
                ann.replies_to = str(source)
            sel = _selectors(graph, t)
            ann.start, ann.end, ann.exact = sel.get("start"), sel.get("end"), sel.get("exact")
            ann.whole = not _selector_nodes(graph, t)
            version = _state_version(graph, t)
            ann.version = str(version) if version is not None else None
        return ann

    # ------------------------------------------------------------------ writing

    def _new_iri(self, slug: str | None) -> URIRef:
        if slug:
            base = _SLUG.sub("-", slug.strip().strip('"')).strip("-._")[:64] or None
            if base and base not in RESERVED_IDS:
                iri = self.iris.mint("annotations", base)
                if self._free(iri):
                    return iri
                slug = base
        for _ in range(20):
            stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
            ident = f"{slug + '-' if slug else ''}{stamp}-{secrets.token_hex(3)}"
            iri = self.iris.mint("annotations", ident[:120])
            if self._free(iri):
                return iri
        raise InputError("could not mint a free annotation id")  # pragma: no cover

    def _free(self, iri: URIRef) -> bool:
        return self._graph(iri) is None and not self.changelog.changes(iri)

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

    def _prepare(self, data: dict, iri: URIRef, *, user: str, owner: str | None,
                 old: Graph | None, now: dt.datetime) -> Graph:
        """The graph to store for document ``data`` at ``iri``: parsed, checked, with the
        article targets normalised and the server's bookkeeping added."""
        data = dict(data)
        posted = [data.pop(k) for k in ("id", "@id") if k in data]
        for value in posted:
            if not isinstance(value, str) or not jsonld.valid_iri(value):
                raise InputError(f'"id" must be one absolute IRI, not {value!r:.100}')
            if old is not None and value != str(iri):
                raise InputError(f'"id" {value!r} is not this annotation ({iri})')
        if "@graph" in data:
            raise InputError('a JSON-LD "@graph" is not accepted here: post one Annotation')
        self._refuse_empty_selectors(data)
        data = jsonld.localise_contexts(data)
        data["@id"] = str(iri)
        graph = jsonld.to_graph(data)
        self._validate(graph, iri)
        self._anchor_targets(graph, iri)
        # the server's bookkeeping: who created it, when, when modified
        users = f"{self.iris.base}users/"
        owner_iri = self.iris.user(owner or user)
        for c in list(graph.objects(iri, DCTERMS.creator)):
            if str(c).startswith(users) and c != owner_iri:
                raise InputError(f"creator {c} is another claimkb account: the server records "
                                 "who created an annotation")
        graph.add((iri, DCTERMS.creator, owner_iri))
        if graph.value(iri, DCTERMS.created) is None:
            created = old.value(iri, DCTERMS.created) if old is not None else None
            graph.add((iri, DCTERMS.created,
                       created or Literal(now.isoformat().replace("+00:00", "Z"), datatype=XSD.dateTime)))
        if old is not None or graph.value(iri, DCTERMS.modified) is None:
            # a new document's own "modified" is kept (like "created"); every update is now
            graph.remove((iri, DCTERMS.modified, None))
            graph.add((iri, DCTERMS.modified,
                       Literal(now.isoformat().replace("+00:00", "Z"), datatype=XSD.dateTime)))
        return graph

    def _refuse_empty_selectors(self, data: dict) -> None:
        """A target on an article with an empty ``"selector"`` (``[]``: no triples, so
        the graph cannot tell it from no selector) is a span selecting nothing: refused.
        Leaving ``selector`` out annotates the article as a whole."""
        targets = data.get("target")
        for t in targets if isinstance(targets, list) else [targets]:
            if isinstance(t, dict) and "selector" in t and t["selector"] in ([], {}, None) \
                    and str(t.get("source", "")).startswith(f"{self.iris.base}articles/"):
                raise InputError("an annotation on an article text needs a TextQuoteSelector or a "
                                 'TextPositionSelector (leave "selector" out to annotate the '
                                 "whole article)")

    def _validate(self, graph: Graph, iri: URIRef) -> None:
        types = set(graph.objects(iri, RDF.type))
        if OA.Annotation not in types:
            kinds = {URIRef("http://www.w3.org/ns/activitystreams#OrderedCollection"): "an AnnotationCollection",
                     URIRef("http://www.w3.org/ns/activitystreams#OrderedCollectionPage"): "an AnnotationPage"}
            kind = next((kinds[t] for t in types if t in kinds), None)
            if kind:
                raise InputError(f"this is {kind}, not an Annotation: POST each Annotation to the "
                                 "container (collections are not stored)")
            if not types:
                raise InputError('no "type": an annotation must have "type": "Annotation"')
            raise InputError(f'"type" must include "Annotation", not {", ".join(sorted(map(_short, types)))}')
        targets = list(graph.objects(iri, OA.hasTarget))
        if not targets:
            raise InputError('an Annotation needs a "target"')
        for s, p, o in graph:
            for position, term in enumerate((s, p, o)):
                if isinstance(term, URIRef) and str(term).startswith(jsonld.RELATIVE_BASE):
                    raise InputError(f"not an absolute IRI: {str(term)[len(jsonld.RELATIVE_BASE):][:100]!r}")
                if isinstance(term, URIRef) and not jsonld.valid_iri(term):
                    raise InputError(f"not an absolute IRI: {str(term)[:100]!r}")
                if isinstance(term, URIRef):
                    # javascript:, data:, file:… are never stored (kb/model/urls.py): a link
                    # body, a target, a via… could end up followed from a page
                    try:
                        check_iri(str(term), "IRI")
                    except InputError:
                        check_iri(str(term), _what(graph, iri, (s, p, o), position))
            if isinstance(o, Literal):
                if p in _IRI_ONLY:
                    raise InputError(f'"{_short(p)}" must be an IRI or a resource, not the value '
                                     f'{str(o)[:80]!r}')
                if o.ill_typed:
                    raise InputError(f'"{_short(p)}" is not a valid {_short(o.datatype)}: {str(o)[:80]!r}')
        for p in _SINGLE:
            if len(list(graph.objects(iri, p))) > 1:
                raise InputError(f'an Annotation has at most one "{_short(p)}"')
        for sel in set(graph.objects(None, OA.hasSelector)) | set(graph.objects(None, OA.refinedBy)):
            self._validate_selector(graph, sel)

    @staticmethod
    def _validate_selector(graph: Graph, sel) -> None:
        types = set(graph.objects(sel, RDF.type))
        if len(list(graph.objects(sel, DCTERMS.conformsTo))) > 1:
            raise InputError("a selector has at most one conformsTo")
        for t in types & set(_VALUE_SELECTORS):
            values = list(graph.objects(sel, RDF.value))
            if len(values) != 1:
                raise InputError(f"a {_short(t)} needs exactly one value, not {len(values)}")
        if OA.TextQuoteSelector in types and len(list(graph.objects(sel, OA.exact))) != 1:
            raise InputError("a TextQuoteSelector needs exactly one exact")
        if OA.TextPositionSelector in types or OA.DataPositionSelector in types:
            starts, ends = list(graph.objects(sel, OA.start)), list(graph.objects(sel, OA.end))
            if len(starts) != 1 or len(ends) != 1:
                raise InputError("a position selector needs exactly one start and one end")
            start, end = _int(starts[0]), _int(ends[0])
            if start is None or end is None or start < 0 or end < start:
                raise InputError(f"a position selector needs 0 ≤ start ≤ end, not {starts[0]}–{ends[0]}")
        if OA.RangeSelector in types and (graph.value(sel, OA.hasStartSelector) is None
                                          or graph.value(sel, OA.hasEndSelector) is None):
            raise InputError("a RangeSelector needs a startSelector and an endSelector")

    def _anchor_targets(self, graph: Graph, iri: URIRef) -> None:
        """Check targets that are claimkb resources; anchor selectors on article texts."""
        base = self.iris.base
        for t in list(graph.objects(iri, OA.hasTarget)):
            source = graph.value(t, OA.hasSource)
            if source is None:
                if isinstance(t, URIRef) and str(t).startswith(base):
                    self._check_exists(t)
                continue
            if not str(source).startswith(base):
                continue
            article, version = self._article_of(source)
            if article is None:
                self._check_exists(source)
                continue
            if not _selector_nodes(graph, t):
                self._whole_article(graph, t, article, version)
                continue
            self._anchor(graph, t, article, version)

    def _article_of(self, source: URIRef) -> tuple[URIRef | None, URIRef | None]:
        text = str(source)
        prefix = f"{self.iris.base}articles/"
        if not text.startswith(prefix):
            return None, None
        head, sep, _ = text.partition("/versions/")
        article = URIRef(head)
        if self.articles.metadata(article) is None:
            raise InputError(f"target source {source} is not an article of this knowledge base")
        return article, (source if sep else None)

    def _check_exists(self, iri: URIRef) -> None:
        text = str(iri)
        if text.startswith(self.container):
            if self._graph(iri) is None:
                raise InputError(f"target {iri} is not an annotation of this knowledge base")
            return
        if text.startswith(f"{self.iris.base}articles/"):
            # an article (or one of its text versions) as a whole
            _, version = self._article_of(iri)
            if version is not None:
                try:
                    self.articles.version_text(version)
                except NotFound:
                    raise InputError(f"target {iri} is not a stored text version") from None
            return
        if text.startswith(f"{self.iris.base}claims/"):
            if not self.reader.exists(iri):
                raise InputError(f"target {iri} is not a claim of this knowledge base")
            return
        try:
            self.articles.describe(iri)
        except NotFound:
            raise InputError(f"target {iri} is not in this knowledge base") from None

    def _whole_article(self, graph: Graph, target, article: URIRef, version: URIRef | None) -> None:
        """A target on an article as a whole (a SpecificResource with no selector: the
        whole resource, in the W3C model). Its source is stored as the article; a text
        version named (as the source, or as the state's cached source) must be one of the
        article's and is kept as the target's state. Nothing to anchor, so re-anchoring
        leaves it alone (``_article_targets`` takes only targets with selectors)."""
        states, version = self._states(graph, target, version)
        if version is not None:
            self._text_of(article, version)
        self._pin(graph, target, article, version, states)

    def _anchor(self, graph: Graph, target, article: URIRef, version: URIRef | None) -> None:
        states, version = self._states(graph, target, version)
        if version is None:
            version, text = self.articles.current_text(article)
            if version is None:
                raise InputError(f"article {article} has no stored text to select from")
        else:
            text = self._text_of(article, version)
        sel = _selectors(graph, target)
        if sel.get("exact") is None and sel.get("start") is None:
            raise InputError("an annotation on an article text needs a TextQuoteSelector or a "
                             "TextPositionSelector")
        start, end, exact = sel.get("start"), sel.get("end"), sel.get("exact")
        if start is not None:
            if not (0 <= start <= end <= len(text)):
                raise InputError(f"selector points outside the text: {start}–{end}, the text has "
                                 f"{len(text)} characters")
            if exact is not None and " ".join(text[start:end].split()) != " ".join(exact.split()):
                raise InputError(f"selector points outside the text: the quote {exact[:80]!r} is "
                                 f"not at {start}–{end} (found {text[start:end][:80]!r})")
        elif exact is not None:
            try:
                locate(text, exact, prefix=sel.get("prefix"), suffix=sel.get("suffix"))
            except InputError as exc:
                raise InputError(f"selector points outside the text: {exc.message}") from None
        self._pin(graph, target, article, version, states)

    @staticmethod
    def _states(graph: Graph, target, version: URIRef | None) -> tuple[list, URIRef | None]:
        """The target's states that name a cached source, and the text version: the one
        given, else the first state's."""
        states = [s for s in graph.objects(target, OA.hasState) if graph.value(s, OA.cachedSource)]
        if version is None and states:
            version = graph.value(states[0], OA.cachedSource)
        return states, version

    def _text_of(self, article: URIRef, version: URIRef) -> str:
        """The text of ``version``, one of ``article``'s. Raises InputError."""
        if not str(version).startswith(f"{article}/versions/"):
            raise InputError(f"{version} is not a text version of {article}")
        try:
            return self.articles.version_text(version)
        except NotFound:
            raise InputError(f"no stored text {version}") from None

    @staticmethod
    def _pin(graph: Graph, target, article: URIRef, version: URIRef | None, states: list) -> None:
        """The target's source becomes the article; the text version (when there is
        one) becomes its state's cached source."""
        graph.remove((target, OA.hasSource, None))
        graph.add((target, OA.hasSource, article))
        if version is None:
            return
        for s in states:
            graph.remove((s, OA.cachedSource, None))
        state = states[0] if states else BNode()
        if not states:
            graph.add((target, OA.hasState, state))
        graph.add((state, OA.cachedSource, version))

    def _insert(self, iri: URIRef, graph: Graph) -> str:
        """INSERT DATA of ``graph`` into the named graph ``iri`` (blank nodes kept, with
        labels unique to this write)."""
        return sparql.insert_data(((s, p, o, iri) for s, p, o in graph), blank_nodes=True)

    def _filters(self, *, target=None, source=None, motivation=None, tag=None, creator=None,
                 replies_to=None, orphan=None) -> dict:
        params: dict = {"container": Literal(self.container)}
        if replies_to:
            reply = self._iri(replies_to)
            if target and URIRef(target) != reply:
                raise InputError("give target or replies_to, not both")
            target = str(reply)
        if target:
            params["target"] = _user_iri(target, "target")
        if source:
            params["source"] = _user_iri(source, "source")
        if motivation:
            name = motivation.strip()
            params["motivation"] = URIRef(name) if ":" in name else OA[name]
            _user_iri(str(params["motivation"]), "motivation")
        if tag:
            params["tag"] = Literal(tag)
        if creator:
            params["creator"] = URIRef(creator) if creator.startswith(("http://", "https://")) \
                else self.iris.user(creator)
        if orphan:
            params["orphan"] = Literal(True)
        return params


# ---------------------------------------------------------------------- helpers

def _precise() -> dt.datetime:
    """The time of a change record: with microseconds, so that changes made within one
    second keep their order in the history."""
    return dt.datetime.now(dt.timezone.utc)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def etag(graph: Graph) -> str:
    """A strong ETag: the SHA-256 of the graph's canonical N-Triples (blank nodes
    relabelled canonically), so the same content always has the same ETag."""
    canon = to_canonical_graph(graph)
    lines = sorted(line for line in canon.serialize(format="nt").splitlines() if line.strip())
    return '"' + hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:32] + '"'


def _short(term) -> str:
    text = str(term)
    for sep in ("#", "/"):
        if sep in text:
            text = text.rsplit(sep, 1)[1]
    return text


def _lexical(term) -> str | None:
    if term is None:
        return None
    text = str(term)
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _int(term) -> int | None:
    try:
        return int(str(term))
    except ValueError:
        return None


def _user_iri(value: str, what: str) -> URIRef:
    value = str(value).strip()
    if not jsonld.valid_iri(value):
        raise InputError(f"{what} must be an absolute IRI, not {value[:100]!r}")
    return URIRef(value)


def _list_values(graph: Graph, head) -> list:
    items = []
    seen = set()
    while head is not None and head != RDF.nil and head not in seen:
        seen.add(head)
        first = graph.value(head, RDF.first)
        if first is not None:
            items.append(first)
        head = graph.value(head, RDF.rest)
    return items


def _what(graph: Graph, iri: URIRef, triple: tuple, position: int) -> str:
    """How an error names the term at ``position`` (0, 1, 2) of ``triple`` in the
    annotation ``iri``: "link body", "target", "property", or the property it is the
    value of."""
    s, p, o = triple
    term = triple[position]
    bodies = set(graph.objects(iri, OA.hasBody))
    for body in list(bodies):
        bodies.update(_list_values(graph, graph.value(body, AS_ITEMS)))
    if term in bodies or (position == 2 and s in bodies and p == OA.hasSource):
        return "link body"
    if position == 1:
        return "property"
    if position == 2:
        return "target" if p in (OA.hasTarget, OA.hasSource) else f'"{_short(p)}"'
    return "IRI"


def _link_bodies(graph: Graph, iri: URIRef) -> list[str]:
    """The IRIs of the link bodies of ``iri``: a body that is an IRI (not a
    TextualBody with a value), the source of a SpecificResource body, a Choice's IRI
    items; sorted."""
    out: set[str] = set()
    for body in graph.objects(iri, OA.hasBody):
        for item in [body, *_list_values(graph, graph.value(body, AS_ITEMS))]:
            if graph.value(item, RDF.value) is not None:
                continue
            if isinstance(item, URIRef):
                out.add(str(item))
            source = graph.value(item, OA.hasSource)
            if isinstance(source, URIRef):
                out.add(str(source))
    return sorted(out)


def _selector_nodes(graph: Graph, target) -> list:
    out, todo = [], list(graph.objects(target, OA.hasSelector))
    while todo:
        sel = todo.pop(0)
        if sel in out:
            continue
        out.append(sel)
        todo += list(graph.objects(sel, OA.refinedBy))
    return out


def _selectors(graph: Graph, target) -> dict:
    """exact/prefix/suffix of the target's TextQuoteSelector and start/end of its
    TextPositionSelector (the first of each)."""
    out: dict = {}
    for sel in _selector_nodes(graph, target):
        types = set(graph.objects(sel, RDF.type))
        if OA.TextQuoteSelector in types and "exact" not in out:
            for key, p in (("exact", OA.exact), ("prefix", OA.prefix), ("suffix", OA.suffix)):
                v = graph.value(sel, p)
                if v is not None:
                    out[key] = str(v)
        if OA.TextPositionSelector in types and "start" not in out:
            start, end = _int(graph.value(sel, OA.start)), _int(graph.value(sel, OA.end))
            if start is not None and end is not None:
                out["start"], out["end"] = start, end
    return out


def _first_selected(graph: Graph, iri: URIRef):
    return next((t for t in sorted(graph.objects(iri, OA.hasTarget), key=str)
                 if _selectors(graph, t)), None)


def _state_version(graph: Graph, target) -> URIRef | None:
    for state in graph.objects(target, OA.hasState):
        version = graph.value(state, OA.cachedSource)
        if version is not None:
            return version
    return None


def _article_targets(graph: Graph, iri: URIRef, article: URIRef) -> list:
    out = []
    for t in graph.objects(iri, OA.hasTarget):
        source = graph.value(t, OA.hasSource)
        if source is not None and (source == article or str(source).startswith(f"{article}/versions/")) \
                and _selectors(graph, t):
            out.append(t)
    return out


def _move_selectors(graph: Graph, target, found, version: URIRef) -> None:
    for sel in _selector_nodes(graph, target):
        types = set(graph.objects(sel, RDF.type))
        if OA.TextQuoteSelector in types:
            for p, value in ((OA.exact, found.exact), (OA.prefix, found.prefix), (OA.suffix, found.suffix)):
                graph.remove((sel, p, None))
                if value:
                    graph.add((sel, p, Literal(value)))
        if OA.TextPositionSelector in types:
            for p, value in ((OA.start, found.start), (OA.end, found.end)):
                graph.remove((sel, p, None))
                graph.add((sel, p, Literal(value, datatype=XSD.nonNegativeInteger)))
    for state in graph.objects(target, OA.hasState):
        if graph.value(state, OA.cachedSource) is not None:
            graph.remove((state, OA.cachedSource, None))
            graph.add((state, OA.cachedSource, version))


def _reanchor(old_text, new_text, graph: Graph, ann: Annotation):
    if new_text is None:
        return None
    t = _first_selected(graph, URIRef(ann.iri))
    sel = _selectors(graph, t) if t is not None else {}
    exact = sel.get("exact") or (old_text[sel["start"]:sel["end"]] if old_text and "start" in sel else None)
    if not exact:
        return None
    return reanchor(old_text, new_text, exact=exact, prefix=sel.get("prefix"),
                    suffix=sel.get("suffix"), start=sel.get("start"), end=sel.get("end"))


def _summary_new(graph: Graph, iri: URIRef) -> str:
    motivations = ", ".join(sorted(_short(m) for m in graph.objects(iri, OA.motivatedBy)))
    targets = ", ".join(sorted(str(graph.value(t, OA.hasSource) or t) for t in graph.objects(iri, OA.hasTarget)
                               if isinstance(t, URIRef) or graph.value(t, OA.hasSource) is not None))
    return f"created annotation{' (' + motivations + ')' if motivations else ''}" \
           f"{' on ' + targets if targets else ''}"


def _summary_diff(old: Annotation, new: Annotation) -> str:
    changed = []
    for name in ("motivations", "bodies_text", "tags", "target_source", "start", "end", "exact"):
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            changed.append(f"{name}: {_brief(a)} → {_brief(b)}")
    if not changed:
        changed.append("other properties changed" if _strip_times(old.doc) != _strip_times(new.doc)
                       else "no change in content")
    return "; ".join(changed)


def _strip_times(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in ("modified", "created")}


def _brief(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "…"


__all__ = ["Annotations", "Annotation", "AnnotationPage", "ReanchorReport", "etag", "MOTIVATIONS"]
