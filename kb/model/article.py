"""An article as claimkb stores it: its metadata and versioned text (ArticleData), the
quads that store it (``article_quads``: each distinct text a ckb:ArticleText version
stamped with its SHA-256, a changed text prov:wasRevisionOf the previous one), and what
a store write reports (StoredArticle). Pure values: reading pages is kb.ingest.articles,
reading stored articles back is kb.records.articles.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field, replace

from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, XSD

from kb.errors import InputError
from kb.model.claim import Named, date_literal, named_quads
from kb.model.dates import PDate
from kb.model.iris import META, Minter
from kb.model.urls import check_url
from kb.model.vocab import CKB, SCHEMA

ARTICLE_TYPES = {
    "news": SCHEMA.NewsArticle, "newsarticle": SCHEMA.NewsArticle,
    "opinion": SCHEMA.OpinionNewsArticle, "opinionnewsarticle": SCHEMA.OpinionNewsArticle,
    "report": SCHEMA.ReportageNewsArticle, "reportagenewsarticle": SCHEMA.ReportageNewsArticle,
    "article": SCHEMA.Article, "factcheck": SCHEMA.ClaimReview,
    "webpage": SCHEMA.WebPage, "digest": SCHEMA.WebPage,
}

# the name each type reads back as (ARTICLE_TYPES has several names for some types)
KIND_OF_TYPE = {SCHEMA.NewsArticle: "news", SCHEMA.OpinionNewsArticle: "opinion",
                SCHEMA.ReportageNewsArticle: "report", SCHEMA.Article: "article",
                SCHEMA.ClaimReview: "factcheck", SCHEMA.WebPage: "webpage"}


@dataclass
class ArticleData:
    """An article's text and metadata before it is stored. ``text`` may be None for a
    source known only by its metadata (URL, publisher, date)."""

    text: str | None = None
    title: str | None = None
    url: str | None = None
    publisher: str | None = None
    authors: list[str] = field(default_factory=list)
    published: PDate | None = None
    language: str | None = None
    kind: str | None = None         # a key of ARTICLE_TYPES; None means news
    key: str | None = None          # identity when there is no URL
    via: str | None = None          # a secondary source (URL) through which we know it
    # publisher and author names resolved to resources the KB has (kb.services.names):
    # name → IRI; a name not here gets the IRI its name mints
    resolved: dict[str, URIRef] = field(default_factory=dict)
    # …and new ones that got a key of their own (their name's key is another's)
    minted: dict[str, URIRef] = field(default_factory=dict)

    def with_overrides(self, **fields) -> "ArticleData":
        return replace(self, **{k: v for k, v in fields.items() if v not in (None, [], "")})

    @property
    def identity(self) -> str:
        key = self.url or self.key or self.title
        if not key:
            raise InputError("an article needs a URL, an id or a title to be identified")
        return key


@dataclass
class StoredArticle:
    iri: URIRef
    version: URIRef | None
    sha256: str | None
    created: bool          # the article was new
    new_version: bool      # a new text version was stored


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def article_quads(iris: Minter, data: ArticleData, article: URIRef,
                  previous: URIRef | None, now: dt.datetime) -> tuple[list[tuple], URIRef | None, str | None]:
    """Quads for the article's metadata and (when it has text) a new text version."""
    kind = data.kind or "news"
    rdf_type = ARTICLE_TYPES.get(kind.lower().replace("-", "").replace(" ", ""))
    if rdf_type is None:
        raise InputError(f"unknown article type {data.kind!r} (known: {', '.join(sorted(ARTICLE_TYPES))})")
    q = [(article, RDF.type, rdf_type, META)]
    if rdf_type != SCHEMA.NewsArticle and rdf_type in (SCHEMA.OpinionNewsArticle, SCHEMA.ReportageNewsArticle):
        q.append((article, RDF.type, SCHEMA.NewsArticle, META))
    if data.title:
        q.append((article, SCHEMA.headline, Literal(data.title), META))
    if data.url:   # every import path checked it already; this is the last line
        check_url(data.url, "the article URL", where=data.identity)
        q.append((article, SCHEMA.url, Literal(data.url, datatype=XSD.anyURI), META))
    if data.via:
        check_url(data.via, "the via URL", where=data.identity)
        q.append((article, CKB.via, URIRef(data.via), META))
    if data.publisher:
        known = data.resolved.get(data.publisher)
        pub = Named(known, None) if known else Named(
            data.minted.get(data.publisher) or iris.publisher(data.publisher), data.publisher)
        q.append((article, SCHEMA.publisher, pub.iri, META))
        q += named_quads(pub, SCHEMA.Organization)
    for name in data.authors:
        known = data.resolved.get(name)
        person = Named(known, None) if known else Named(data.minted.get(name) or iris.person(name), name)
        q.append((article, SCHEMA.author, person.iri, META))
        q += named_quads(person, SCHEMA.Person)
    if data.published:
        q.append((article, SCHEMA.datePublished, date_literal(data.published), META))
    if data.language:
        q.append((article, SCHEMA.inLanguage, Literal(data.language), META))
    if not data.text:
        return q, None, None
    sha = sha256_text(data.text)
    version = iris.version(article, sha)
    q += [
        (article, CKB.currentVersion, version, META),
        (version, RDF.type, CKB.ArticleText, META),
        (version, SCHEMA.text, Literal(data.text), META),
        (version, CKB.sha256, Literal(sha), META),
        (version, SCHEMA.encodingFormat, Literal("text/plain"), META),
        (version, PROV.specializationOf, article, META),
        (version, PROV.generatedAtTime,
         Literal(now.isoformat(timespec="seconds"), datatype=XSD.dateTime), META),
    ]
    if previous is not None:
        q.append((version, PROV.wasRevisionOf, previous, META))
    return q, version, sha


__all__ = ["ARTICLE_TYPES", "KIND_OF_TYPE", "ArticleData", "StoredArticle", "sha256_text", "article_quads"]
