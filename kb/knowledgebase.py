"""KnowledgeBase: where the services of one knowledge base are wired together, and the
facade the CLI and the web app call. It holds no logic of its own: each method hands
the call to the service that owns it (docs/architecture.md). It never imports Flask.

Wiring, from the bottom up (each gets its collaborators as plain objects)::

    store ── the Store the settings name (kb/store)
    iris ─── the IRI minter (kb/model/iris.py)
    changelog, articles, reader, annotation_graphs ── reading the store (kb/records)
    indexes ── the derived indexes' registry (kb/derived/registry.py)
    names, annotations, claims, importer, comparisons, entities, links, reliability,
    suggester, fact_checks ── services
"""
from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Callable, Iterable

from rdflib import Dataset, Graph, URIRef

from kb.config import Settings
from kb.derived.annotation_index import AnnotationIndex
from kb.derived.claims_index import ClaimIndex
from kb.derived.compare_index import CompareIndex
from kb.derived.registry import DerivedIndexes
from kb.errors import InputError
from kb.model.article import ArticleData, StoredArticle
from kb.model.claim import ClaimRecord
from kb.model import claimreview_markup
from kb.model.iris import Minter
from kb.services import claimreviews, matching, validation
from kb.services.annotations import Annotations
from kb.services.claims import Claims
from kb.services.entities import Entities
from kb.services.entity_links import EntityLinks
from kb.services.fact_checks import FactChecks
from kb.services.wikidata import WikidataLookup
from kb.services.compare import Comparisons
from kb.services.dossier import Dossier, Dossiers
from kb.services.imports import Importer, ImportReport, detect_format
from kb.services.names import Names, Resolution
from kb.services.reliability import Reliability
from kb.services.suggestions import ArticleSuggestions, Suggester
from kb.store import Store, open_store, sparql
from kb.store.base import QueryResult
from kb.records.annotations import AnnotationGraphs
from kb.records.articles import Articles
from kb.records.claims import ClaimReader
from kb.records.history import Change, History


class KnowledgeBase:
    """A claimkb knowledge base over one store.

    ``KnowledgeBase.open(settings)`` opens the store the settings name (StoreLocked,
    StoreError). Use it as a context manager, or call ``close()``. Each method raises
    StoreError when the store fails, and what the service it hands to documents.
    """

    def __init__(self, settings: Settings, store: Store):
        self.settings = settings
        self.store = store
        self.iris = iris = Minter(settings.base_iri)
        self.changelog = History(store, iris)
        self.articles = Articles(store, iris, settings)
        self.reader = ClaimReader(store, iris, self.changelog, self.articles)
        graphs = AnnotationGraphs(store, iris)
        self.indexes = DerivedIndexes(Path(settings.data_dir), store, iris, self.reader, graphs,
                                      facet_time_limit_ms=settings.facet_time_limit_ms)
        self.annotations = Annotations(store, iris, self.articles, self.reader, self.changelog,
                                       graphs, self.indexes)
        self.names = Names(iris, self.indexes.names_index)
        self.claims = Claims(store, iris, self.reader, self.articles, self.changelog,
                             self.indexes, self.annotations, self.names)
        self.importer = Importer(store, iris, settings, self.articles, self.claims, self.indexes,
                                 self.names)
        self.comparisons = Comparisons(iris, self.reader, self.articles, self.indexes)
        self.entities = Entities(store, iris, self.indexes.names_index,
                                 self.changelog, self.indexes,
                                 lambda facet, values: self.indexes.claims_index.counts(facet, values))
        self.links = EntityLinks(store, self.entities, self.changelog, self.indexes,
                                 lambda: WikidataLookup(settings.wikidata_endpoint,
                                                        timeout=settings.wikidata_timeout))
        self.reliability = Reliability(store, iris, self.reader, self.changelog)
        self.suggester = Suggester(store, iris, self.articles, self.indexes.names_index)
        self.fact_checks = FactChecks(store, iris, self.reader, self.changelog, self.indexes,
                                      settings.organisation_name)

    @classmethod
    def open(cls, settings: Settings) -> "KnowledgeBase":
        return cls(settings, open_store(settings))

    def close(self) -> None:
        self.indexes.close()
        self.store.close()

    def __enter__(self) -> "KnowledgeBase":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def actor(self) -> str | None:
        """Who writes when a call names no user (the CLI sets "cli:<login>"); the history
        records it with every change."""
        return self.claims.actor

    @actor.setter
    def actor(self, value: str | None) -> None:
        self.claims.actor = value
        self.entities.actor = value
        self.links.actor = value

    # ------------------------------------------------------------------ derived indexes

    @property
    def index(self) -> ClaimIndex:
        """The claims index (kb/derived/claims_index.py), opened on first use."""
        return self.indexes.claims_index

    @property
    def compare_index(self) -> CompareIndex:
        """The comparison index (kb/derived/compare_index.py), opened on first use, not
        built (``compare_index.ensure()`` builds it)."""
        return self.indexes.compare_index

    @property
    def annotation_index(self) -> AnnotationIndex:
        """The annotations index (kb/derived/annotation_index.py), opened on first use."""
        return self.indexes.annotation_index

    def ensure_index(self, progress=None) -> bool:
        """Build the derived indexes that were never built or are stale; returns whether
        it built (DerivedIndexes.ensure)."""
        return self.indexes.ensure(progress)

    def reindex(self, progress=None) -> int:
        """Rebuild every derived index from the store; returns the number of claims."""
        return self.indexes.rebuild(progress)

    # ------------------------------------------------------------------ articles

    def import_article(self, data: ArticleData) -> StoredArticle:
        return self.claims.import_article(data)

    def find_article(self, ref: str) -> URIRef:
        return self.articles.find(ref)

    def article_metadata(self, article: URIRef) -> ArticleData | None:
        return self.articles.metadata(article)

    def current_text(self, article: URIRef) -> tuple[URIRef | None, str | None]:
        return self.articles.current_text(article)

    def version_text(self, version: URIRef) -> str:
        return self.articles.version_text(version)

    def article_view(self, ref: str) -> dict:
        return self.articles.view(ref)

    def list_articles(self, after: str | None = None, limit: int = 100) -> list[dict]:
        return self.articles.list(after, limit)

    def suggest_claims(self, ref: str) -> ArticleSuggestions:
        """The suggested claims of an article in the KB (kb.services.suggestions)."""
        return self.suggester.for_article(ref)

    def suggest_claims_in(self, data: ArticleData) -> ArticleSuggestions:
        """The suggested claims of an article read from a file, not stored."""
        return self.suggester.for_data(data)

    def suggestion(self, ref: str, sid: str):
        """(the article's suggestions, one of them, dismissed or not). Raises NotFound."""
        return self.suggester.find(ref, sid)

    def dismiss_suggestion(self, ref: str, sid: str, *, user: str | None = None):
        return self.suggester.dismiss(ref, sid, user or self.actor)

    def restore_suggestion(self, ref: str, sid: str):
        return self.suggester.restore(ref, sid)

    def describe(self, iri: URIRef) -> Graph:
        return self.articles.describe(iri)

    # ------------------------------------------------------------------ claims

    def write_claims(self, records: Iterable[ClaimRecord], articles: Iterable[ArticleData] = (),
                     *, user: str | None = None, resolved: bool = False) -> int:
        return self.claims.write(records, articles, user=user, resolved=resolved)

    def resolve_names(self, records: Iterable[ClaimRecord], articles: Iterable[ArticleData] = (),
                      *, strict: bool = False) -> Resolution:
        """The records with their names resolved (kb.services.names.Names.resolve)."""
        return self.names.resolve(records, articles, strict=strict)

    def delete_claims(self, iris: list[URIRef], *, user: str | None = None) -> None:
        self.claims.delete(iris, user=user)

    def retract_claim(self, ref: str, reason: str, *, user: str | None = None) -> Change:
        return self.claims.retract(ref, reason, user=user)

    def claim_history(self, ref: str) -> list[Change]:
        return self.claims.history(ref)

    def claim_iri(self, ref: str) -> URIRef:
        return self.reader.iri(ref)

    def claim_exists(self, claim: URIRef) -> bool:
        return self.reader.exists(claim)

    def is_retracted(self, claim: URIRef) -> bool:
        return self.reader.is_retracted(claim)

    def claim_dataset(self, claim: URIRef) -> Dataset:
        return self.reader.dataset(claim)

    def claim_view(self, ref: str) -> dict:
        return self.reader.view(ref)

    def claim_jsonld(self, ref: str) -> str:
        return self.reader.jsonld(ref)

    def list_claims(self, **filters) -> list[dict]:
        return self.reader.list(**filters)

    # ------------------------------------------------------------------ query, import, export

    def select(self, name: str, limit: int | None = None, **params) -> list[dict]:
        """Run the named query kb/queries/<name> with parameters; one dict per row."""
        return sparql.select(self.store, name, limit=limit, **params)

    def query(self, text: str) -> QueryResult:
        """Run a user's read-only SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE).

        Raises QueryError for a query that is too long or too deeply nested (checked
        before it reaches the store) or bad syntax; QueryNotAllowed for an update or a
        SERVICE pattern (kb.store.sparql.check_read_query)."""
        s = self.settings
        sparql.check_read_query(text, s.max_query_chars, s.max_query_depth, s.max_query_operators)
        return self.store.query(text)

    def import_file(self, path: Path, fmt: str | None = None,
                    progress: Callable[[int, int], None] | None = None, *,
                    strict: bool = False,
                    status: Callable[[str], None] | None = None) -> ImportReport:
        return self.importer.import_file(path, fmt, progress, strict=strict, status=status)

    def import_upload(self, name: str, raw: bytes, fmt: str | None = None, *,
                      strict: bool = False, user: str | None = None) -> ImportReport:
        """Import an uploaded file's bytes as ``import_file`` does (the web's /import)."""
        return self.importer.import_upload(name, raw, fmt, strict=strict, user=user)

    def fetch_article(self, url: str, *, allow: Iterable[str] = ()) -> ArticleData:
        """The article at ``url``, downloaded through the SSRF guard with the settings
        (as ``claimkb import-article URL``); not stored: ``import_article`` stores it."""
        return self.importer.fetch_article(url, allow=frozenset(allow))

    def read_article(self, name: str, raw: bytes, fmt: str | None = None,
                     url: str | None = None) -> ArticleData:
        """The article in an uploaded .html/.htm/.txt file; not stored."""
        return self.importer.read_article(name, raw, fmt, url)

    def export(self, out: BinaryIO, fmt: str) -> None:
        """Write the whole KB as TriG or N-Quads, or its verdicts and imported
        ClaimReviews as schema.org ClaimReview JSON-LD (``claimreview``). Raises
        InputError for another format."""
        if fmt == "claimreview":
            out.write(claimreview_markup.dumps(claimreviews.export(self.fact_checks)).encode("utf-8"))
            return
        if fmt not in ("trig", "nquads"):
            raise InputError(f"cannot export the whole KB as {fmt!r} (trig, nquads or claimreview)")
        self.store.dump(out, fmt)

    def claim_review_jsonld(self, ref: str) -> str:
        """A claim's current verdict and imported ClaimReviews as schema.org ClaimReview
        JSON-LD. Raises NotFound (no such claim, or nothing to export)."""
        return claimreview_markup.dumps(claimreviews.export(self.fact_checks, ref))

    def validate(self, raise_on_violation: bool = True) -> validation.Report:
        """SHACL validation of the whole KB (kb.services.validation.validate)."""
        return validation.validate(self.store, raise_on_violation)

    def matches(self, threshold: float = matching.DEFAULT_THRESHOLD, **filters):
        """Same-claim pairs among the KB's text claims (kb.services.matching)."""
        return matching.matches_in_kb(self.store, self.iris, threshold, **filters)

    # ------------------------------------------------------------------ comparison

    def compare_claim_status(self, ref: str):
        return self.comparisons.compare_claim_status(ref)

    def compare_subject(self, ref: str, prop: str | None = None):
        c = self.comparisons
        return c.compare_subject(c.resolve_ref("entities", ref),
                                 c.resolve_ref("properties", prop) if prop else None)

    def comparison_report(self, **filters):
        return self.comparisons.report(**filters)

    def comparison_counts(self, **filters) -> dict:
        return self.comparisons.report_counts(**filters)

    def fact_dossier(self, subject: str, prop: str, *, scope: str | None = None,
                     time: str | None = None) -> Dossier:
        """Every claim on ``subject``'s ``prop`` grouped by value, with the verdicts
        between them (kb.services.dossier). Raises NotFound, InputError."""
        return Dossiers(self.comparisons, self.reliability, self.indexes).dossier(
            subject, prop, scope=scope, time=time)

    # ------------------------------------------------------------------ the whole KB

    def clear(self) -> None:
        """Remove every quad of claimkb's from the store (``Store.clear``), and empty the derived indexes (used by
        `claimkb demo --force`)."""
        self.store.clear()
        self.indexes.clear()

    def stats(self) -> dict:
        """Counts of claims, sources (articles) and publishers."""
        rows = self.store.query(sparql.load("stats.rq")).dicts()
        return {k: int(v.toPython()) if v is not None else 0 for k, v in rows[0].items()} if rows else {}


__all__ = ["KnowledgeBase", "ImportReport", "detect_format"]
