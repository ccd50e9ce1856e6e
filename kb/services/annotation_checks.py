"""Accepting a posted W3C Web Annotation (kb/services/annotations.py): a free IRI for
it, and the graph to store, checked against the knowledge base. Its shape is checked
by kb/model/annotation_rules.py; here, what needs the store: a target that is a claimkb
resource must exist, and selectors on an article text must select in a stored text
version, which is recorded as the target's state (``oa:cachedSource``).

``AnnotationChecks(iris, articles, reader, graphs, changelog)`` takes its collaborators
as plain objects: the IRI minter, the stored articles, the claim reader, the annotation
graphs and the change log. Every method raises InputError for a document it refuses,
StoreError when the store fails.
"""
from __future__ import annotations

import datetime as dt
import re
import secrets

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, XSD

from kb.errors import InputError, NotFound
from kb.model import annotation_jsonld as jsonld
from kb.model.anchoring import locate
from kb.model.annotation_graph import cached_states, pin, selector_nodes, selectors
from kb.model.annotation_rules import check_posted_ids, refuse_empty_selectors, validate
from kb.model.iris import Minter
from kb.model.vocab import OA
from kb.records.annotations import AnnotationGraphs
from kb.records.articles import Articles
from kb.records.claims import ClaimReader
from kb.records.history import History

RESERVED_IDS = {"context.jsonld"}
_SLUG = re.compile(r"[^A-Za-z0-9._-]+")


class AnnotationChecks:
    """Minting and checking the annotations posted to one knowledge base."""

    def __init__(self, iris: Minter, articles: Articles, reader: ClaimReader,
                 graphs: AnnotationGraphs, changelog: History):
        self.iris = iris
        self.articles = articles
        self.reader = reader
        self.graphs = graphs
        self.changelog = changelog
        self.container = graphs.container

    def new_iri(self, slug: str | None) -> URIRef:
        """A free annotation IRI: from ``slug`` when given and free, else the slug (or
        nothing) with a time stamp and a random suffix."""
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
        return self.graphs.graph(iri) is None and not self.changelog.changes(iri)

    def prepare(self, data: dict, iri: URIRef, *, user: str, owner: str | None,
                old: Graph | None, now: dt.datetime) -> Graph:
        """The graph to store for document ``data`` at ``iri``: parsed, checked, with the
        article targets normalised and the server's bookkeeping added."""
        data = dict(data)
        posted = [data.pop(k) for k in ("id", "@id") if k in data]
        check_posted_ids(posted, iri, update=old is not None)
        if "@graph" in data:
            raise InputError('a JSON-LD "@graph" is not accepted here: post one Annotation')
        refuse_empty_selectors(data, f"{self.iris.base}articles/")
        data = jsonld.localise_contexts(data)
        data["@id"] = str(iri)
        graph = jsonld.to_graph(data)
        validate(graph, iri)
        self.anchor_targets(graph, iri)
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

    def anchor_targets(self, graph: Graph, iri: URIRef) -> None:
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
            if not selector_nodes(graph, t):
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
            if self.graphs.graph(iri) is None:
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
        leaves it alone (``article_targets`` takes only targets with selectors)."""
        states, version = cached_states(graph, target, version)
        if version is not None:
            self._text_of(article, version)
        pin(graph, target, article, version, states)

    def _anchor(self, graph: Graph, target, article: URIRef, version: URIRef | None) -> None:
        states, version = cached_states(graph, target, version)
        if version is None:
            version, text = self.articles.current_text(article)
            if version is None:
                raise InputError(f"article {article} has no stored text to select from")
        else:
            text = self._text_of(article, version)
        sel = selectors(graph, target)
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
        pin(graph, target, article, version, states)

    def _text_of(self, article: URIRef, version: URIRef) -> str:
        """The text of ``version``, one of ``article``'s. Raises InputError."""
        if not str(version).startswith(f"{article}/versions/"):
            raise InputError(f"{version} is not a text version of {article}")
        try:
            return self.articles.version_text(version)
        except NotFound:
            raise InputError(f"no stored text {version}") from None


__all__ = ["AnnotationChecks", "RESERVED_IDS"]
