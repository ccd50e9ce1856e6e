"""Reading the stored W3C Web Annotations of one knowledge base: the read side of the
annotation service (kb/services/annotations.py, whose ``Annotations`` extends
``AnnotationQueries`` with the writes).

One annotation is read from its named graph (kb/records/annotations.py) into an
``Annotation`` record (kb/model/annotation_records.py); listings (``list``) read the
annotations index (kb/derived/annotation_index.py) and then the page's graphs; the
annotations of an article are placed on its current text (kb/ingest/reanchor.py, in
memory, for those not re-anchored yet).
"""
from __future__ import annotations

from rdflib import Graph, Literal, URIRef

from kb.derived.registry import DerivedIndexes
from kb.errors import Gone, InputError, NotFound
from kb.ingest.reanchor import reanchor
from kb.model.anchoring import locate
from kb.model.annotation_graph import first_selected, selectors
from kb.model.annotation_records import Annotation, AnnotationPage, record
from kb.model.annotation_rules import user_iri
from kb.model.iris import Minter
from kb.model.vocab import OA
from kb.records.annotations import AnnotationGraphs
from kb.records.articles import Articles
from kb.records.history import Change, History


class AnnotationQueries:
    """The annotations of one knowledge base, read: its IRI minter, articles, change
    log, annotation graphs and derived indexes are given, as plain objects."""

    def __init__(self, iris: Minter, articles: Articles, changelog: History,
                 graphs: AnnotationGraphs, indexes: DerivedIndexes):
        self.iris = iris
        self.articles = articles
        self.changelog = changelog
        self.graphs_of_store = graphs
        self.indexes = indexes
        self.container = graphs.container

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
        index = self.indexes.annotation_index
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
                sel = selectors(graphs[iri], first_selected(graphs[iri], iri))
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
        index = self.indexes.annotation_index
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
        return record(graph, iri, base=self.iris.base, container=self.container,
                      user_name=self.changelog.user_name)

    def _filters(self, *, target=None, source=None, motivation=None, tag=None, creator=None,
                 replies_to=None, orphan=None) -> dict:
        params: dict = {"container": Literal(self.container)}
        if replies_to:
            reply = self._iri(replies_to)
            if target and URIRef(target) != reply:
                raise InputError("give target or replies_to, not both")
            target = str(reply)
        if target:
            params["target"] = user_iri(target, "target")
        if source:
            params["source"] = user_iri(source, "source")
        if motivation:
            name = motivation.strip()
            params["motivation"] = URIRef(name) if ":" in name else OA[name]
            user_iri(str(params["motivation"]), "motivation")
        if tag:
            params["tag"] = Literal(tag)
        if creator:
            params["creator"] = URIRef(creator) if creator.startswith(("http://", "https://")) \
                else self.iris.user(creator)
        if orphan:
            params["orphan"] = Literal(True)
        return params


def _reanchor(old_text, new_text, graph: Graph, ann: Annotation):
    if new_text is None:
        return None
    t = first_selected(graph, URIRef(ann.iri))
    sel = selectors(graph, t) if t is not None else {}
    exact = sel.get("exact") or (old_text[sel["start"]:sel["end"]] if old_text and "start" in sel else None)
    if not exact:
        return None
    return reanchor(old_text, new_text, exact=exact, prefix=sel.get("prefix"),
                    suffix=sel.get("suffix"), start=sel.get("start"), end=sel.get("end"))


__all__ = ["AnnotationQueries"]
