"""Suggested claims for an article (docs/extraction.md): kb.model.suggestions run on
the article's current stored text with its publication date, language and type and the
KB's names, less the suggestions an editor dismissed; dismissing and restoring them.

A dismissal is kept in the store's metadata graph (so it survives a reindex and moves
with an export)::

    <base>dismissed/<16 hex> a ckb:DismissedSuggestion ;
        oa:hasTarget <article> ; ckb:suggestionId "<12 hex>" ;
        prov:wasAttributedTo <base>users/<name> ; dct:created "…"^^xsd:dateTime .

A suggestion's id hashes its place and words in the text, so it stays the same while
the text does, whatever changes in the rules.

Errors: NotFound (no such article, no such suggestion on it), InputError (an article
with no stored text), StoreError from the store.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from kb.derived.names_index import NamesIndex
from kb.errors import InputError, NotFound
from kb.model.anchoring import CONTEXT
from kb.model.article import ArticleData
from kb.model.dates import PDate
from kb.model.iris import Minter
from kb.model.suggestions import Suggestion, suggest
from kb.records.articles import Articles
from kb.store import sparql
from kb.store.base import Store


@dataclass
class ArticleSuggestions:
    """The suggestions for one article's text (``article`` None: a file not in the KB)."""

    text: str
    suggestions: list[Suggestion]
    sentences: int
    notes: list[str]
    article: URIRef | None = None
    id: str | None = None
    title: str | None = None
    published: PDate | None = None
    language: str | None = None
    kind: str | None = None
    dismissed: list[Suggestion] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)   # IRI → label of the KB names found

    def as_dict(self, *, dismissed: bool = False) -> dict:
        """The suggestions as JSON (``claimkb suggest --json`` and the web page's .json
        twin): each with its W3C Web Annotation selectors (TextQuoteSelector with 32
        characters of prefix and suffix, as claims are anchored; TextPositionSelector
        in code points)."""
        out = {"article": str(self.article) if self.article else None, "id": self.id,
               "published": str(self.published) if self.published else None,
               "language": self.language, "type": self.kind, "sentences": self.sentences,
               "notes": self.notes,
               "suggestions": [suggestion_dict(s, self.labels, self.text) for s in self.suggestions]}
        if dismissed:
            out["dismissed"] = [suggestion_dict(s, self.labels, self.text) for s in self.dismissed]
        else:
            out["dismissed_count"] = len(self.dismissed)
        return out


def suggestion_dict(s: Suggestion, labels: dict[str, str], text: str) -> dict:
    """One suggestion as JSON (see ArticleSuggestions.as_dict)."""
    def names(hits):
        return [{"text": h.text, "iri": h.owners[0] if h.owners else None,
                 "label": labels.get(h.owners[0]) if h.owners else h.text} for h in hits]

    return {
        "id": s.id, "start": s.start, "end": s.end, "quote": s.quote, "score": s.score,
        "reasons": s.reasons, "modality": s.modality, "cue": s.cue, "speaker": s.speaker,
        "quantities": [{"surface": q.surface, "text": q.text, "value": str(q.quantity.value),
                        "low": None if q.quantity.low is None else str(q.quantity.low),
                        "high": None if q.quantity.high is None else str(q.quantity.high),
                        "unit": q.quantity.unit.code, "qualifier": q.quantity.qualifier.label,
                        "counts": q.noun}
                       for q in s.quantities],
        "times": [{"surface": t.surface, "about": t.value, "problem": t.problem} for t in s.times],
        "subjects": names(s.subjects), "properties": names(s.properties), "notes": s.notes,
        "selector": [
            {"type": "TextQuoteSelector", "exact": s.quote,
             "prefix": text[max(0, s.start - CONTEXT):s.start], "suffix": text[s.end:s.end + CONTEXT]},
            {"type": "TextPositionSelector", "start": s.start, "end": s.end}],
    }


CACHED = 8     # articles whose suggestions are kept (a 1 MB text takes ~15 s to read)


class Suggester:
    def __init__(self, store: Store, iris: Minter, articles: Articles, names: NamesIndex):
        self.store = store
        self.iris = iris
        self.articles = articles
        self.names = names
        self._cache: OrderedDict[tuple, ArticleSuggestions] = OrderedDict()
        self._lock = threading.Lock()

    def for_article(self, ref: str) -> ArticleSuggestions:
        """The suggestions for an article in the KB (id, IRI, URL or headline), without
        the dismissed ones (kept in ``dismissed``). Raises NotFound, InputError (no
        stored text)."""
        article = self.articles.find(ref)
        meta = self.articles.metadata(article) or ArticleData()
        version, text = self.articles.current_text(article)
        if text is None:
            raise InputError(f"article {self.iris.local_id(article) or article} has no stored "
                             "text to suggest claims from (it is known by its metadata only)")
        self.names.ensure_built()
        key = (str(article), str(version), meta.published, meta.language, meta.kind,
               self.names.write_generation())
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
        if cached is None:
            cached = self._run(text, meta)
            with self._lock:
                self._cache[key] = cached
                while len(self._cache) > CACHED:
                    self._cache.popitem(last=False)
        result = replace(cached, article=article, id=self.iris.local_id(article),
                         title=meta.title, suggestions=list(cached.suggestions))
        gone = {str(r["sid"]) for r in sparql.select(self.store, "suggestions_dismissed.rq",
                                                      article=article)}
        result.dismissed = [s for s in result.suggestions if s.id in gone]
        result.suggestions = [s for s in result.suggestions if s.id not in gone]
        return result

    def for_data(self, data: ArticleData) -> ArticleSuggestions:
        """The suggestions for an article read from a file (not stored)."""
        self.names.ensure_built()
        return self._run(data.text or "", data)

    def _run(self, text: str, meta: ArticleData) -> ArticleSuggestions:
        names = {kind: self.names.all_names(kind) for kind in ("entities", "properties")}
        found = suggest(text, published=meta.published, language=meta.language,
                        article_type=meta.kind, names=names)
        labels: dict[str, str] = {}
        for s in found.suggestions:
            for hit in (*s.subjects, *s.properties):
                for iri in hit.owners:
                    if iri not in labels:
                        row = self.names.get(iri)
                        labels[iri] = (row.label if row and row.label else hit.text)
        return ArticleSuggestions(text=text, suggestions=found.suggestions,
                                  sentences=found.sentences, notes=found.notes,
                                  title=meta.title, published=meta.published,
                                  language=meta.language, kind=meta.kind, labels=labels)

    def find(self, ref: str, sid: str) -> tuple[ArticleSuggestions, Suggestion]:
        """One suggestion (dismissed or not) of an article. Raises NotFound."""
        result = self.for_article(ref)
        for s in (*result.suggestions, *result.dismissed):
            if s.id == sid:
                return result, s
        shown = sid if len(sid) <= 40 else sid[:40] + "…"
        raise NotFound(f"no suggestion {shown!r} on article {result.id or ref} (the text or "
                       "the rules changed: reload the suggestions)")

    def dismiss(self, ref: str, sid: str, user: str | None) -> Suggestion:
        """Dismiss a suggestion: it is not suggested again. Raises NotFound."""
        result, s = self.find(ref, sid)
        self.store.update(sparql.render(
            "suggestion_dismiss.ru", dismissal=self._dismissal(result.article, sid),
            article=result.article, sid=Literal(sid), user=self.iris.user(user or "unknown"),
            when=Literal(dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                         datatype=XSD.dateTime)))
        return s

    def restore(self, ref: str, sid: str) -> Suggestion:
        """Suggest a dismissed suggestion again. Raises NotFound, InputError (it is not
        dismissed)."""
        result, s = self.find(ref, sid)
        if s not in result.dismissed:
            raise InputError(f"suggestion {sid} on article {result.id or ref} is not "
                             "dismissed: there is nothing to restore")
        self.store.update(sparql.render("suggestion_restore.ru",
                                        dismissal=self._dismissal(result.article, sid)))
        return s

    def _dismissal(self, article: URIRef, sid: str) -> URIRef:
        digest = hashlib.sha256(f"{article} {sid}".encode()).hexdigest()[:16]
        return URIRef(f"{self.iris.base}dismissed/{digest}")
