"""Stored articles, read back: finding one by id, IRI, URL or headline, its metadata,
its text versions, the claims anchored in its text; and the plan of a write that stores
an article (``plan``: nothing when nothing would change).

``Articles(store, iris, settings)``: each method raises StoreError when the store
fails, and the errors its docstring names.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

from rdflib import Graph, Literal, URIRef

from kb.config import Settings
from kb.errors import InputError, NotFound
from kb.model.article import KIND_OF_TYPE, ArticleData, StoredArticle, article_quads, sha256_text
from kb.model.dates import parse_date
from kb.model.iris import META, Minter
from kb.model.vocab import CKB, MODALITY_NAMES, PREFIXES, SCHEMA
from kb.store import sparql
from kb.store.base import Store

# the article type an article reads back as, most specific first
_TYPE_ORDER = (SCHEMA.OpinionNewsArticle, SCHEMA.ReportageNewsArticle, SCHEMA.ClaimReview,
               SCHEMA.WebPage, SCHEMA.Article)
_METADATA = ("title", "url", "publisher", "authors", "published", "language", "kind", "via")


class Articles:
    """The articles of one store."""

    def __init__(self, store: Store, iris: Minter, settings: Settings):
        self.store = store
        self.iris = iris
        self.settings = settings

    def _select(self, name: str, limit: int | None = None, **params) -> list[dict]:
        return sparql.select(self.store, name, limit=limit, **params)

    # ------------------------------------------------------------------ reading

    def find(self, ref: str) -> URIRef:
        """An article by id, IRI, URL or exact headline. Raises NotFound."""
        candidates = []
        if ref.startswith(("http://", "https://")):
            candidates.append(self.iris.article_for(ref))
            candidates.append(URIRef(ref))
        else:
            try:
                candidates.append(self.iris.resolve("articles", ref))
            except NotFound:
                pass
            candidates.append(self.iris.article_for(ref))
        for iri in candidates:
            if self.metadata(iri) is not None:
                return iri
        rows = self._select("find_article.rq", key=Literal(ref))
        if len(rows) == 1:
            return rows[0]["article"]
        if len(rows) > 1:
            raise NotFound(f"{len(rows)} articles match {ref!r}; use the article id")
        raise NotFound(f"no article {ref!r}")

    def metadata(self, article: URIRef) -> ArticleData | None:
        """The stored metadata of ``article`` (text not loaded), or None if unknown."""
        rows = self._select("article_metadata.rq", article=article)
        if not rows:
            return None
        types = {r["type"] for r in rows}
        kind = next((KIND_OF_TYPE[t] for t in _TYPE_ORDER if t in types), None)
        first = rows[0]
        authors = []
        for r in rows:
            if r["authorName"] is not None and str(r["authorName"]) not in authors:
                authors.append(str(r["authorName"]))
        text_of = (lambda k: str(first[k]) if first[k] is not None else None)
        return ArticleData(
            text=None, title=text_of("headline"), url=text_of("url"),
            publisher=text_of("publisherName"), authors=authors,
            published=parse_date(str(first["published"])) if first["published"] is not None else None,
            language=text_of("language"), kind=kind, via=text_of("via"))

    def versions(self, article: URIRef) -> list[dict]:
        """Stored text versions of ``article``, newest first (version, sha, recorded,
        previous, isCurrent)."""
        return self._select("article_versions.rq", article=article)

    def current_text(self, article: URIRef) -> tuple[URIRef | None, str | None]:
        """(version IRI, text) of the article's current text; (None, None) without text."""
        current = next((v["version"] for v in self.versions(article)
                        if str(v["isCurrent"]) == "true"), None)
        if current is None:
            return None, None
        return current, self.version_text(current)

    def version_text(self, version: URIRef) -> str:
        """The text of one stored version. Raises NotFound."""
        rows = self._select("article_text.rq", version=version)
        if not rows:
            raise NotFound(f"no stored text {version}")
        return str(rows[0]["text"])

    def view(self, ref: str) -> dict:
        """An article's metadata, its text versions (newest first), its current text
        and the claims anchored in that text (start, end, exact). Raises NotFound."""
        article = self.find(ref)
        meta = self.metadata(article)
        if meta is None:
            raise NotFound(f"no article {ref!r}")
        version, text = self.current_text(article)
        spans = []
        if version is not None:
            for r in self._select("article_spans.rq", version=version):
                spans.append({"claim": str(r["claim"]), "id": self.iris.local_id(r["claim"]),
                              "start": int(r["start"]), "end": int(r["end"]),
                              "exact": _str(r["exact"]),
                              "modality": MODALITY_NAMES.get(r["modality"])})
        versions = [{k: _str(v) for k, v in row.items()} for row in self.versions(article)]
        return {
            "article": str(article), "id": self.iris.local_id(article),
            "title": meta.title, "url": meta.url, "publisher": meta.publisher,
            "authors": meta.authors, "published": str(meta.published) if meta.published else None,
            "language": meta.language, "kind": meta.kind, "via": meta.via,
            "version": _str(version), "text": text, "spans": spans, "versions": versions,
        }

    def list(self, after: str | None = None, limit: int = 100) -> list[dict]:
        """Articles in IRI order after ``after`` (keyset), ``limit`` at most."""
        params = {"after": Literal(str(self.iris.resolve("articles", after)))} if after else {}
        rows = self._select("articles_list.rq", limit=limit, **params)
        return [{k: _str(v) for k, v in r.items()} | {"id": self.iris.local_id(r["article"])}
                for r in rows]

    def describe(self, iri: URIRef) -> Graph:
        """What the metadata graph says about ``iri`` (an rdflib Graph with our prefixes
        bound). Raises NotFound when it says nothing."""
        graph = Graph()
        for prefix, ns in PREFIXES.items():
            graph.bind(prefix, ns, override=True, replace=True)
        result = self.store.query(sparql.render("describe_resource.rq", s=URIRef(iri))).graph
        for triple in result or ():
            graph.add(triple)
        if not len(graph):
            raise NotFound(f"nothing is known about {iri}")
        return graph

    def source_iri(self, ref: str) -> URIRef:
        """An article (as ``find``) or, failing that, a publisher by id, IRI or name.
        Raises NotFound."""
        try:
            return self.find(ref)
        except NotFound:
            pass
        publisher = self.iris.publisher(ref) if not ref.startswith(("http://", "https://")) \
            else URIRef(ref)
        rows = self._select("labels.rq", resource=publisher)
        if rows and rows[0]["label"] is not None:
            return publisher
        raise NotFound(f"no article or publisher {ref!r}")

    # ------------------------------------------------------------------ the plan of a write

    def plan(self, data: ArticleData, now: dt.datetime) -> tuple[list[str], StoredArticle]:
        """The update parts that store ``data``: none when nothing would change.

        Metadata given in ``data`` overrides what is stored; a text not stored yet
        becomes the new current version (prov:wasRevisionOf the previous one); a text
        already stored (current or older) adds nothing. Raises InputError (text over
        ``settings.max_article_bytes``, bad metadata)."""
        deletes, quads, stored = self.plan_quads(data, now)
        return ([*deletes, sparql.insert_data(quads)] if quads else deletes), stored

    def plan_quads(self, data: ArticleData, now: dt.datetime
                   ) -> tuple[list[str], list[tuple], StoredArticle]:
        """``plan`` as (the updates that remove what is replaced, the quads to add, the
        article): a new article needs no update, only its quads. Raises InputError."""
        article = self.iris.article_for(data.identity)
        if data.text is not None and len(data.text.encode("utf-8")) > self.settings.max_article_bytes:
            raise InputError(f"article text is over {self.settings.max_article_bytes} bytes",
                             where=data.identity)
        old = self.metadata(article)
        versions = self.versions(article) if old is not None else []
        current = next((v["version"] for v in versions if str(v["isCurrent"]) == "true"), None)
        sha = sha256_text(data.text) if data.text else None
        new_text = data.text if sha and not any(str(v["sha"]) == sha for v in versions) else None
        overrides = {k: getattr(data, k) for k in _METADATA}
        merged = replace(old.with_overrides(**overrides), text=None) if old else \
            replace(data, text=None)
        if old is not None and new_text is None and merged == old:
            return [], [], StoredArticle(article, current, sha, False, False)
        quads, version, _ = article_quads(self.iris, replace(merged, text=new_text), article,
                                          current, now)
        if new_text is None and current is not None:
            quads.append((article, CKB.currentVersion, current, META))
            version = current
        deletes = [sparql.render("delete_article_metadata.ru", article=article)] if old else []
        return deletes, quads, StoredArticle(article, version, sha, old is None,
                                             new_text is not None)


def _str(term) -> str | None:
    return None if term is None else str(term)


__all__ = ["Articles"]
