"""KnowledgeBase: the services the CLI and the web app call. It never imports Flask."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Callable, Iterable

from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.namespace import PROV, RDF, XSD

from kb.store import sparql
from kb.ingest.articles import ArticleData, StoredArticle, article_quads, sha256_text
from kb.config import MAX_IMPORT_DEPTH, Settings
from kb.model.dates import parse_date
from kb.errors import InputError, NotFound
from kb.model.iris import META, Minter
from kb.model.claim import ClaimRecord, claim_quads
from kb.store import Store, open_store
from kb.store.base import QueryResult
from kb.store.convert import check_links, check_nesting
from kb.model.vocab import CKB, MODALITIES, OA, PREFIXES, SCHEMA

MODALITY_NAMES = {iri: name for name, iri in MODALITIES.items()}
# a write whose side indexes could not be updated leaves this file in the data dir:
# the next start rebuilds them (KnowledgeBase.ensure_index)
STALE_MARKER = "index.stale"

RDF_EXTENSIONS = {".trig": "trig", ".nq": "nquads", ".nquads": "nquads"}
JSONLD_EXTENSIONS = {".jsonld", ".json"}
YAML_EXTENSIONS = {".yaml", ".yml"}
IMPORT_FORMATS = ("claims", "trig", "nquads", "claimreview")


@dataclass
class ImportReport:
    path: str
    format: str
    claims: int = 0
    articles: int = 0
    quads: int = 0
    notes: list[str] = field(default_factory=list)


def _progress_noop(_done: int, _total: int) -> None:
    return None


class KnowledgeBase:
    """A claimkb knowledge base over one store.

    ``KnowledgeBase.open(settings)`` opens the store the settings name (StoreLocked,
    StoreError). Use it as a context manager, or call ``close()``.
    """

    def __init__(self, settings: Settings, store: Store):
        self.settings = settings
        self.store = store
        self.iris = Minter(settings.base_iri)
        self._index: "ClaimIndex | None" = None
        self._annotation_index: "AnnotationIndex | None" = None
        self._compare_index: "CompareIndex | None" = None
        # who writes when a call names no user (the CLI sets "cli:<login>"); the
        # history records it with every change
        self.actor: str | None = None

    @classmethod
    def open(cls, settings: Settings) -> "KnowledgeBase":
        return cls(settings, open_store(settings))

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
        if self._annotation_index is not None:
            self._annotation_index.close()
        if self._compare_index is not None:
            self._compare_index.close()
        self.store.close()

    @property
    def index(self) -> "ClaimIndex":
        """The claims index (kb/derived/claims_index.py) in ``<data_dir>/index.sqlite``, opened on
        first use. Raises StoreError when it cannot be opened."""
        if self._index is None:
            from kb.derived.claims_index import INDEX_FILE, ClaimIndex

            self._index = ClaimIndex(Path(self.settings.data_dir) / INDEX_FILE,
                                     facet_time_limit_ms=self.settings.facet_time_limit_ms)
        return self._index

    @property
    def compare_index(self) -> "CompareIndex":
        """The comparison index (kb/derived/compare_index.py) in ``<data_dir>/compare.sqlite``,
        opened on first use, not built (``kb.compare_index.ensure`` builds it)."""
        if self._compare_index is None:
            from kb.derived.compare_index import FILE, CompareIndex

            self._compare_index = CompareIndex(Path(self.settings.data_dir) / FILE)
        return self._compare_index

    @property
    def annotation_index(self) -> "AnnotationIndex":
        """The annotations index (kb/derived/annotation_index.py) in
        ``<data_dir>/annotations.sqlite``, opened on first use. Raises StoreError when it
        cannot be opened."""
        if self._annotation_index is None:
            from kb.derived.annotation_index import INDEX_FILE, AnnotationIndex

            self._annotation_index = AnnotationIndex(Path(self.settings.data_dir) / INDEX_FILE)
        return self._annotation_index

    @property
    def annotations(self) -> "Annotations":
        """The W3C Web Annotation service (kb/services/annotations.py), created on first use."""
        if getattr(self, "_annotations", None) is None:
            from kb.services.annotations import Annotations

            self._annotations = Annotations(self)
        return self._annotations

    @property
    def _stale_marker(self) -> Path:
        return Path(self.settings.data_dir) / STALE_MARKER

    def ensure_index(self, progress=None) -> bool:
        """Build the claims index from the store if it was never built (a KB made
        before the index existed, or a fresh remote endpoint) or a write could not
        update it (the stale marker). Returns whether it built. The annotations index
        alone is built when only it never was. Raises StoreError."""
        if self.index.built and not self._stale_marker.exists():
            from kb.derived import compare_index

            built = False
            if not compare_index.index(self).ready():   # missing, or of an older layout
                compare_index.rebuild(self)
                self._index_verdicts(None)
                built = True
            if self.annotation_index.built:
                return built
            self.annotation_index.rebuild(self)
            return True
        self.reindex(progress)
        return True

    def reindex(self, progress=None) -> int:
        """Rebuild the claims index (and the verdict of each claim) and the annotations
        index from the store; returns the number of claims. Raises StoreError."""
        from kb.derived import compare_index

        count = self.index.rebuild(self, progress=progress)
        compare_index.rebuild(self)
        self._index_verdicts(None)
        self.annotation_index.rebuild(self)
        self._stale_marker.unlink(missing_ok=True)
        return count

    def after_write(self, refresh: Callable[[], None]) -> None:
        """Bring the side indexes up to date after a store write that succeeded. If
        that fails, the write stays (the store is the truth): the indexes are marked
        stale, rebuilt on the next start (``ensure_index``), and the StoreError says so."""
        from kb.errors import StoreError

        try:
            refresh()
        except (StoreError, OSError) as exc:
            try:
                self._stale_marker.write_text(f"{exc}\n", encoding="utf-8")
            except OSError:
                pass
            raise StoreError(f"the write was stored, but the indexes could not be "
                             f"updated ({exc}); they are rebuilt on the next start, or run "
                             f"`claimkb reindex`") from None

    def _index_verdicts(self, claims: list[str] | None) -> None:
        """Copy each claim's most severe verdict (``claims``; all when None) into the
        claims index."""
        from kb.services import compare

        self.index.set_verdicts(compare.worst_verdicts(self, claims), claims)

    def __enter__(self) -> "KnowledgeBase":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ articles

    def _article_plan(self, data: ArticleData, now: dt.datetime) -> tuple[list[str], StoredArticle]:
        """The update parts that store ``data``: none when nothing would change.

        Metadata given in ``data`` overrides what is stored; a text not stored yet
        becomes the new current version (prov:wasRevisionOf the previous one); a text
        already stored (current or older) adds nothing.
        """
        article = self.iris.article_for(data.identity)
        if data.text is not None and len(data.text.encode("utf-8")) > self.settings.max_article_bytes:
            raise InputError(f"article text is over {self.settings.max_article_bytes} bytes",
                             where=data.identity)
        old = self.article_metadata(article)
        versions = self.article_versions(article) if old is not None else []
        current = next((v["version"] for v in versions if v["isCurrent"].toPython()), None)
        sha = sha256_text(data.text) if data.text else None
        new_text = data.text if sha and not any(str(v["sha"]) == sha for v in versions) else None
        merged = replace(old.with_overrides(**_metadata_of(data)), text=None) if old else \
            replace(data, text=None)
        if old is not None and new_text is None and merged == old:
            return [], StoredArticle(article, current, sha, False, False)
        quads, version, _ = article_quads(self.iris, replace(merged, text=new_text), article,
                                          current, now)
        if new_text is None and current is not None:
            quads.append((article, CKB.currentVersion, current, META))
            version = current
        parts = [sparql.render("delete_article_metadata.ru", article=article)] if old else []
        parts.append(sparql.insert_data(quads))
        return parts, StoredArticle(article, version, sha, old is None, new_text is not None)

    def import_article(self, data: ArticleData) -> StoredArticle:
        """Store an article's metadata and text. Same text again: nothing changes. A new
        text: a new version linked to the previous one. Raises InputError, StoreError."""
        parts, stored = self._article_plan(data, dt.datetime.now(dt.timezone.utc))
        if parts:
            self.store.update(sparql.join_updates(parts))
        if stored.new_version and not stored.created:  # annotations follow the new text
            self.annotations.reanchor_article(stored.iri)
        return stored

    def find_article(self, ref: str) -> URIRef:
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
            if self.article_metadata(iri) is not None:
                return iri
        rows = self.select("find_article.rq", key=Literal(ref))
        if len(rows) == 1:
            return rows[0]["article"]
        if len(rows) > 1:
            raise NotFound(f"{len(rows)} articles match {ref!r}; use the article id")
        raise NotFound(f"no article {ref!r}")

    def article_metadata(self, article: URIRef) -> ArticleData | None:
        """The stored metadata of ``article`` (text not loaded), or None if unknown."""
        rows = self.select("article_metadata.rq", article=article)
        if not rows:
            return None
        from kb.ingest.articles import KIND_OF_TYPE

        types = {r["type"] for r in rows}
        kind = next((KIND_OF_TYPE[t] for t in (SCHEMA.OpinionNewsArticle, SCHEMA.ReportageNewsArticle,
                                         SCHEMA.ClaimReview, SCHEMA.WebPage, SCHEMA.Article)
                     if t in types), None)
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

    def article_versions(self, article: URIRef) -> list[dict]:
        """Stored text versions of ``article``, newest first (version, sha, recorded, previous)."""
        return self.select("article_versions.rq", article=article)

    def current_text(self, article: URIRef) -> tuple[URIRef | None, str | None]:
        """(version IRI, text) of the article's current text; (None, None) without text."""
        current = next((v["version"] for v in self.article_versions(article)
                        if v["isCurrent"].toPython()), None)
        if current is None:
            return None, None
        return current, self.version_text(current)

    def version_text(self, version: URIRef) -> str:
        """The text of one stored version. Raises NotFound."""
        rows = self.select("article_text.rq", version=version)
        if not rows:
            raise NotFound(f"no stored text {version}")
        return str(rows[0]["text"])

    def article_view(self, ref: str) -> dict:
        """An article's metadata, its text versions (newest first), its current text
        and the claims anchored in that text (start, end, exact). Raises NotFound."""
        article = self.find_article(ref)
        meta = self.article_metadata(article)
        if meta is None:
            raise NotFound(f"no article {ref!r}")
        version, text = self.current_text(article)
        spans = []
        if version is not None:
            for r in self.select("article_spans.rq", version=version):
                spans.append({"claim": str(r["claim"]), "id": self.iris.local_id(r["claim"]),
                              "start": int(r["start"]), "end": int(r["end"]),
                              "exact": _str(r["exact"]),
                              "modality": MODALITY_NAMES.get(r["modality"])})
        versions = [{k: _str(v) for k, v in row.items()} for row in self.article_versions(article)]
        return {
            "article": str(article), "id": self.iris.local_id(article),
            "title": meta.title, "url": meta.url, "publisher": meta.publisher,
            "authors": meta.authors, "published": str(meta.published) if meta.published else None,
            "language": meta.language, "kind": meta.kind, "via": meta.via,
            "version": _str(version), "text": text, "spans": spans, "versions": versions,
        }

    def describe(self, iri: URIRef) -> "Graph":
        """What the metadata graph says about ``iri`` (an rdflib Graph with our prefixes
        bound). Raises NotFound when it says nothing."""
        from rdflib import Graph

        graph = Graph()
        for prefix, ns in PREFIXES.items():
            graph.bind(prefix, ns, override=True, replace=True)
        result = self.store.query(sparql.render("describe_resource.rq", s=URIRef(iri))).graph
        for triple in result or ():
            graph.add(triple)
        if not len(graph):
            raise NotFound(f"nothing is known about {iri}")
        return graph

    def list_articles(self, after: str | None = None, limit: int = 100) -> list[dict]:
        """Articles in IRI order after ``after`` (keyset), ``limit`` at most."""
        params = {"after": Literal(str(self.iris.resolve("articles", after)))} if after else {}
        rows = self.select("articles_list.rq", limit=limit, **params)
        return [{k: _str(v) for k, v in r.items()} | {"id": self.iris.local_id(r["article"])}
                for r in rows]

    # ------------------------------------------------------------------ claims

    def claims_update(self, records: Iterable[ClaimRecord]) -> list[str]:
        """Update parts that (re)write ``records``: old versions removed, new quads added."""
        records = list(records)
        if not records:
            return []
        quads = []
        for rec in records:
            quads.extend(claim_quads(rec))
        return [sparql.render("delete_claims.ru", claim=[r.iri for r in records]),
                sparql.insert_data(quads)]

    def write_claims(self, records: Iterable[ClaimRecord],
                     articles: Iterable[ArticleData] = (), *, user: str | None = None) -> int:
        """Write articles and claims in one atomic update; returns the claims written.

        Every claim created or changed gets a change record (kb/services/history.py: who =
        ``user``, when, what changed, the earlier version) in the same update; a claim
        rewritten unchanged gets none. A retracted claim stays retracted when rewritten.
        Raises InputError, StoreError."""
        now = dt.datetime.now(dt.timezone.utc)
        records = list(records)
        parts: list[str] = []
        revised = []          # articles that get a new text: their annotations follow it
        for data in articles:
            article_parts, stored = self._article_plan(data, now)
            parts += article_parts
            if stored.new_version and not stored.created:
                revised.append(stored.iri)
        parts += self.claims_update(records)
        history = self._claim_history(records, user or self.actor)
        if history:
            parts.append(sparql.insert_data(history))
        if parts:
            self.store.update(sparql.join_updates(parts))
        for article in revised:
            self.annotations.reanchor_article(article)
        if records:
            written = [r.iri for r in records]

            def refresh():
                touched = self._refresh_comparisons(written)
                self.index.refresh(self, written)
                self._index_verdicts(sorted({str(c) for c in [*written, *(touched or [])]}))

            self.after_write(refresh)
        return len(records)

    def _existing_claims(self, iris: list[URIRef]) -> dict[str, URIRef | None]:
        """Which of ``iris`` are stored claims: IRI → the change that retracted it (or None)."""
        found: dict[str, URIRef | None] = {}
        for start in range(0, len(iris), 1000):
            for row in self.select("claims_existing.rq", claim=iris[start:start + 1000]):
                found[str(row["claim"])] = row["retraction"] or found.get(str(row["claim"]))
        return found

    def _claim_history(self, records: list[ClaimRecord], user: str | None) -> list[tuple]:
        """Change records (quads) for writing ``records``: created, or updated with the
        earlier version and a summary of what changed; retractions carried over."""
        from kb.services import history

        existing = self._existing_claims([r.iri for r in records])
        when = history.now()
        quads: list[tuple] = []
        for rec in records:
            if str(rec.iri) not in existing:
                quads += history.change_quads(self, rec.iri, action="created", who=user,
                                              when=when)[1]
                continue
            old = self.claim_dataset(rec.iri)
            summary = _claim_diff(old, rec.iri, claim_quads(rec))
            retraction = existing[str(rec.iri)]
            if retraction is not None:
                quads.append((rec.iri, CKB.retraction, retraction, META))
            if summary:
                quads += history.change_quads(self, rec.iri, action="updated", who=user,
                                              summary=summary, before=_nquads(old), when=when)[1]
        return quads

    def _refresh_comparisons(self, claims: list[URIRef]) -> list[str]:
        """Keep the comparison index (kb/derived/compare_index.py) and, when materialised, the
        comparison graph current after ``claims`` were written, rewritten or deleted.
        Returns the IRIs of the claims whose verdicts may have changed (the claims
        given and the claims about the same things)."""
        from kb.services import compare

        return compare.refresh(self, claims)

    def claim_iri(self, ref: str) -> URIRef:
        """The IRI of an existing claim given its id or IRI. Raises NotFound."""
        iri = self.iris.resolve("claims", ref)
        if not self.select("claim_exists.rq", claim=iri):
            raise NotFound(f"no claim {ref!r}")
        return iri

    def delete_claims(self, iris: list[URIRef], *, user: str | None = None) -> None:
        """Delete claims (content, metadata, comparisons), keeping each one's last
        version in the history (kb/services/history.py) in the same update. Raises StoreError."""
        from kb.services import history

        iris = [URIRef(i) for i in iris]
        if iris:
            existing = self._existing_claims(iris)
            quads: list[tuple] = []
            when = history.now()
            for iri in iris:
                if str(iri) in existing:
                    quads += history.change_quads(
                        self, iri, action="deleted", who=user or self.actor, summary="deleted",
                        when=when,
                        before=_nquads(self.claim_dataset(URIRef(iri))))[1]
            parts = [sparql.render("delete_claims.ru", claim=iris)]
            if quads:
                parts.append(sparql.insert_data(quads))
            self.store.update(sparql.join_updates(parts))

            def refresh():
                self.index.remove(iris)
                touched = self._refresh_comparisons(iris) or []
                others = sorted({str(c) for c in touched} - {str(i) for i in iris})
                if others:
                    self._index_verdicts(others)

            self.after_write(refresh)

    def retract_claim(self, ref: str, reason: str, *, user: str | None = None):
        """Retract a claim: it stays in the KB, shown as retracted with ``reason``, and
        takes no part in comparisons any more. Returns the kb.history.Change. Raises
        NotFound, InputError (no reason, too long, already retracted), StoreError."""
        from kb.services import history

        claim = self.claim_iri(ref)
        reason = " ".join((reason or "").split())
        if not reason:
            raise InputError("give the reason for retracting the claim")
        if len(reason) > history.MAX_SUMMARY:
            raise InputError(f"the reason is over {history.MAX_SUMMARY} characters")
        if self._existing_claims([claim]).get(str(claim)) is not None:
            raise InputError(f"claim {self.iris.local_id(claim) or claim} is already retracted")
        change, quads = history.change_quads(self, claim, action="retracted",
                                             who=user or self.actor,
                                             summary=reason,
                                             before=_nquads(self.claim_dataset(claim)))
        quads.append((claim, CKB.retraction, change, META))
        self.store.update(sparql.insert_data(quads))

        def refresh():
            touched = self._refresh_comparisons([claim]) or []
            self.index.refresh(self, [claim])
            self._index_verdicts(sorted({str(c) for c in [claim, *touched]}))

        self.after_write(refresh)
        return history.changes(self, claim)[0]

    def claim_exists(self, claim: URIRef) -> bool:
        """Whether ``claim`` (an IRI) is a stored claim."""
        return bool(self.select("claim_exists.rq", claim=URIRef(claim)))

    def is_retracted(self, claim: URIRef) -> bool:
        """Whether the stored claim ``claim`` (an IRI) was retracted."""
        return self._existing_claims([URIRef(claim)]).get(str(claim)) is not None

    def claim_history(self, ref: str) -> list:
        """The changes recorded for a claim, newest first (kb.history.Change; a deleted
        claim's history stays readable). Raises NotFound when there is none and no claim."""
        from kb.services import history

        iri = self.iris.resolve("claims", ref)
        found = history.changes(self, iri)
        if not found:
            self.claim_iri(ref)   # NotFound for an unknown claim
        return found

    def claim_dataset(self, claim: URIRef) -> Dataset:
        """The claim as an rdflib Dataset: its metadata (in the metadata graph) and its
        content graph. Raises NotFound."""
        owned = self.store.query(sparql.render("claim_owned.rq", claim=claim)).graph
        if owned is None or (claim, RDF.type, SCHEMA.Claim) not in owned:
            raise NotFound(f"no claim {claim}")
        ds = Dataset()
        for prefix, ns in PREFIXES.items():
            ds.bind(prefix, ns, override=True, replace=True)
        meta = ds.graph(META)
        for triple in owned:
            meta.add(triple)
        content = ds.graph(claim)
        for row in self.select("claim_content.rq", claim=claim):
            content.add((row["s"], row["p"], row["o"]))
        return ds

    def claim_view(self, ref: str) -> dict:
        """Everything `claimkb show` prints about a claim, as plain data. Raises NotFound.

        Read with one query as plain strings (kb/queries/claim_view.rq), not as an rdflib
        Dataset: the claim page calls it on every request."""
        try:
            claim = self.iris.resolve("claims", ref)
        except NotFound:
            raise NotFound(f"no claim {ref!r}") from None
        _, rows = self.store.values(sparql.render("claim_view.rq", claim=claim))
        meta = _Triples((s, p, o) for where, s, p, o in rows if where == "meta")
        content = _Triples((s, p, o) for where, s, p, o in rows if where == "content")
        source_triples = _Triples((s, p, o) for where, s, p, o in rows if where == "article")
        c = str(claim)
        if meta.value(c, str(RDF.type)) is None or str(SCHEMA.Claim) not in meta.objects(c, str(RDF.type)):
            raise NotFound(f"no claim {ref!r}")
        source = meta.value(c, str(SCHEMA.appearance))
        publisher = source_triples.value(source, str(SCHEMA.publisher)) if source is not None else None
        modality = meta.value(c, str(CKB.modality))
        view = {
            "claim": c,
            "id": self.iris.local_id(claim),
            "modality": MODALITY_NAMES.get(URIRef(modality)) if modality else None,
            "statement": meta.value(c, str(SCHEMA.text)),
            "source": source,
            "source_title": source_triples.value(source, str(SCHEMA.headline)) if source else None,
            "publisher": source_triples.value(publisher, str(SCHEMA.name)) if publisher else None,
            "publisher_iri": publisher,
            "published": meta.value(c, str(SCHEMA.datePublished)),
            "recorded": meta.value(c, str(PROV.generatedAtTime)),
            "speaker": meta.value(c, str(CKB.speaker)),
            "about": None,
            "quote": None,
            "content": [],
            "retracted": None,
        }
        retraction = meta.value(c, str(CKB.retraction))
        if retraction is not None:
            from kb.services import history

            change = next((ch for ch in history.changes(self, claim) if ch.iri == retraction), None)
            view["retracted"] = {"reason": change.summary if change else None,
                                 "who": change.who if change else None,
                                 "when": change.when if change else None}
        about = meta.value(c, str(CKB.timeAbout))
        if about is not None:
            view["about"] = {"earliest": meta.value(about, str(CKB.earliest)),
                             "latest": meta.value(about, str(CKB.latest))}
            words = meta.value(about, str(CKB.surfaceText))
            if words is not None:   # relative words it was resolved from ("yesterday")
                view["about"]["text"] = words
        quote = meta.value(c, str(CKB.quote))
        if quote is not None:
            sel = {}
            for node in meta.objects(quote, str(OA.hasSelector)):
                for p in (OA.exact, OA.prefix, OA.suffix, OA.start, OA.end):
                    v = meta.value(node, str(p))
                    if v is not None:
                        sel[_local(p)] = int(v) if p in (OA.start, OA.end) else v
            sel["source"] = meta.value(quote, str(OA.hasSource))
            view["quote"] = sel
        quantity = str(SCHEMA.QuantitativeValue)
        rdf_type = str(RDF.type)
        for s, p, o in content.triples:
            if p == rdf_type or quantity in content.objects(s, rdf_type):
                continue
            entry = {"subject": s, "property": p}
            if quantity in content.objects(o, rdf_type):
                entry["value"] = {_local(pp): oo for pp, oo in content.predicate_objects(o)
                                  if pp != rdf_type}
            else:
                entry["value"] = o
            view["content"].append(entry)
        return view

    def list_claims(self, *, source: str | None = None, entity: str | None = None,
                    modality: str | None = None, since=None, until=None,
                    about_from=None, about_to=None, after: str | None = None,
                    limit: int = 100) -> list[dict]:
        """Claims matching the filters, in id order, ``limit`` at most, after ``after``
        (keyset pagination). Raises InputError for a bad filter value."""

        params: dict = {}
        if source:
            params["source"] = self.source_iri(source)
        if entity:
            params["entity"] = self.iris.resolve("entities", entity) if not entity.startswith(
                ("http://", "https://")) else URIRef(entity)
        if modality:
            key = modality.lower().replace(" ", "-").replace("_", "-")
            if key not in MODALITIES:
                raise InputError(f"unknown modality {modality!r} (known: {', '.join(MODALITIES)})")
            params["modality"] = MODALITIES[key]
        for name, value in (("since", since), ("until", until)):
            if value is not None:
                params[name] = Literal(parse_date(value).isoformat())
        for name, value, edge in (("aboutFrom", about_from, "earliest"), ("aboutTo", about_to, "latest")):
            if value is not None:
                d = parse_date(value)
                params[name] = Literal(getattr(d, edge), datatype=XSD.date)
        if after:
            params["after"] = Literal(str(self.iris.resolve("claims", after)))
        rows = self.select("list_claims.rq", limit=limit, **params)
        out = []
        for row in rows:
            item = {k: (_str(v) if v is not None else None) for k, v in row.items()}
            item["id"] = self.iris.local_id(row["claim"])
            item["modality"] = MODALITY_NAMES.get(row["modality"], _local(row["modality"]))
            out.append(item)
        return out

    def source_iri(self, ref: str) -> URIRef:
        try:
            return self.find_article(ref)
        except NotFound:
            pass
        publisher = self.iris.publisher(ref) if not ref.startswith(("http://", "https://")) else URIRef(ref)
        rows = self.select("labels.rq", resource=publisher)
        if rows and rows[0]["label"] is not None:
            return publisher
        raise NotFound(f"no article or publisher {ref!r}")

    # ------------------------------------------------------------------ query

    def select(self, name: str, limit: int | None = None, **params) -> list[dict]:
        """Run the named query kb/queries/<name> with parameters; one dict per row."""
        return self.store.query(sparql.render(name, limit=limit, **params)).dicts()

    def query(self, text: str) -> QueryResult:
        """Run a user's read-only SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE).

        Raises QueryError for a query that is too long or too deeply nested (checked
        before it reaches the store) or bad syntax; QueryNotAllowed for an update or a
        SERVICE pattern (kb.sparql.check_read_query).
        """
        sparql.check_read_query(text, self.settings.max_query_chars, self.settings.max_query_depth,
                                self.settings.max_query_operators)
        return self.store.query(text)

    # ------------------------------------------------------------------ import / export

    def export(self, out: BinaryIO, fmt: str) -> None:
        """Write the whole KB as TriG or N-Quads. Raises InputError for another format."""
        if fmt not in ("trig", "nquads"):
            raise InputError(f"cannot export the whole KB as {fmt!r} (trig or nquads)")
        self.store.dump(out, fmt)

    def claim_jsonld(self, ref: str) -> str:
        """One claim (metadata + content graph) as JSON-LD with an inline context."""
        claim = self.claim_iri(ref)
        ds = self.claim_dataset(claim)
        context = {k: v for k, v in PREFIXES.items()}
        return ds.serialize(format="json-ld", context=context, indent=2)

    def import_file(self, path: Path, fmt: str | None = None,
                    progress: Callable[[int, int], None] = _progress_noop) -> ImportReport:
        """Import a claims YAML, TriG, N-Quads or ClaimReview JSON-LD file, by extension
        or ``fmt``; ``progress(done, total)`` is called as claims are checked. Everything is parsed and checked first and written in one atomic
        update: on any error (InputError naming file, line or claim) nothing is written."""
        path = Path(path)
        fmt = fmt or detect_format(path)
        if fmt not in IMPORT_FORMATS:
            raise InputError(f"unknown import format {fmt!r} (known: {', '.join(IMPORT_FORMATS)})",
                             where=str(path))
        report = ImportReport(str(path), fmt)
        try:   # refused before reading and parsing (settings.max_import_bytes)
            size = path.stat().st_size
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from None
        if size > self.settings.max_import_bytes:
            raise InputError(f"the file is {size} bytes; the limit is "
                             f"{self.settings.max_import_bytes} (setting max_import_bytes)",
                             where=str(path))
        if fmt in ("trig", "nquads"):
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from None
            check_nesting(data, str(path), MAX_IMPORT_DEPTH)   # N-Quads nest too: << >>
            # unsafe links refuse the file on the quads the store parses: nothing is written
            report.quads = self.store.load(data, fmt, where=str(path),
                                           check=lambda quads: check_links(quads, str(path)))
            self.reindex()
            return report
        if fmt == "claims":
            from kb.ingest import claimsfile

            parsed = claimsfile.parse(self, path, progress)
            articles, records = list(parsed.articles.values()), parsed.records
        else:
            from kb.ingest import claimreview

            articles, records = claimreview.parse(self, path, notes=report.notes)
        report.articles, report.claims = len(articles), len(records)
        self.write_claims(records, articles)
        return report

    # ------------------------------------------------------------------ comparison

    def compare_claim(self, ref: str):
        """All claims about the same thing as ``ref``, each with its verdict against it
        (kb.compare.compare_claim). Raises NotFound."""
        from kb.services import compare

        return compare.compare_claim(self, ref)

    def compare_claim_status(self, ref: str):
        """compare_claim and the claim's status: CONTESTED, SUPPORTED,
        PARTLY_SUPPORTED or UNVERIFIED (kb.compare.compare_claim_status). Raises NotFound."""
        from kb.services import compare

        return compare.compare_claim_status(self, ref)

    def compare_subject(self, ref: str, prop: str | None = None):
        """The facts about one subject with their pairwise verdicts. Raises NotFound."""
        from kb.services import compare

        subject = compare.resolve_ref(self, "entities", ref)
        return compare.compare_subject(self, subject, compare.resolve_ref(self, "properties", prop)
                                       if prop else None)

    def comparison_report(self, **filters):
        """The KB-wide comparison report (kb.compare.report): conflicts first."""
        from kb.services import compare

        return compare.report(self, **filters)

    def comparison_counts(self, **filters) -> dict:
        """How many facts the report with these filters lists, and its verdicts by
        kind (kb.compare.report_counts), without loading them."""
        from kb.services import compare

        return compare.report_counts(self, **filters)

    def clear(self) -> None:
        """Remove every quad from the store (used by `claimkb demo --force`)."""
        self.store.update("CLEAR ALL")
        self.index.clear()
        self.annotation_index.clear()
        from kb.derived import compare_index

        compare_index.reset(self)

    def stats(self) -> dict:
        """Counts of claims, sources (articles) and publishers."""
        rows = self.store.query(sparql.load("stats.rq")).dicts()
        return {k: int(v.toPython()) if v is not None else 0 for k, v in rows[0].items()} if rows else {}


def _metadata_of(data: ArticleData) -> dict:
    return {k: getattr(data, k) for k in ("title", "url", "publisher", "authors", "published",
                                          "language", "kind", "via")}


class _Triples:
    """Triples as plain strings, with the few lookups claim_view needs."""

    def __init__(self, triples):
        self.triples = list(triples)
        self._by_subject: dict[str, list[tuple[str, str]]] = {}
        for s, p, o in self.triples:
            self._by_subject.setdefault(s, []).append((p, o))

    def objects(self, s: str, p: str) -> list[str]:
        return [o for pp, o in self._by_subject.get(s, ()) if pp == p]

    def value(self, s: str, p: str) -> str | None:
        found = self.objects(s, p)
        return found[0] if found else None

    def predicate_objects(self, s: str) -> list[tuple[str, str]]:
        return list(self._by_subject.get(s, ()))


def _nquads(ds: Dataset) -> str:
    """A claim's dataset as sorted N-Quads (the earlier version kept by the history)."""
    text = ds.serialize(format="nquads")
    return "\n".join(sorted(line for line in text.splitlines() if line.strip())) + "\n"


_NOT_COMPARED = {str(PROV.generatedAtTime), str(CKB.retraction)}


def _paths(triples: list[tuple], roots: Iterable, owner: str,
           depth: int = 3) -> dict[str, set[str]]:
    """Readable path → values of what ``triples`` say, walking from ``roots`` into the
    nodes the claim owns (blank nodes, ``<claim#…>``): the claim's fields (modality,
    text, quote.exact, timeAbout.earliest…), node names left out, so that two versions
    compare by content. Shared resources (entities, properties) are not walked into."""
    by_subject: dict = {}
    for s, p, o in triples:
        by_subject.setdefault(s, []).append((p, o))
    out: dict[str, set[str]] = {}

    def walk(node, prefix, level, seen):
        for p, o in by_subject.get(node, ()):
            if str(p) in _NOT_COMPARED or p == RDF.type and prefix:
                continue
            key = f"{prefix}{_local(p)}"
            owned = isinstance(o, BNode) or str(o).startswith(owner + "#")
            if owned and o in by_subject and level < depth and o not in seen:
                walk(o, key + ".", level + 1, seen | {o})
            else:
                out.setdefault(key, set()).add(_local(o) if isinstance(o, URIRef) else str(o))

    for root in roots:
        walk(root, "", 0, {root})
    return out


def _claim_diff(old: Dataset, claim: URIRef, new_quads: list[tuple]) -> str | None:
    """What changed between a stored claim and its new quads, in words
    ("modality: factual → opinion; value.value: 1344 → 1357"); None when nothing did."""
    def side(meta, content):
        paths = _paths(meta, [claim], str(claim))
        subjects = {s for s, _, _ in content} - {o for _, _, o in content}
        for key, values in _paths(content, subjects, str(claim)).items():
            paths.setdefault(f"content.{key}", set()).update(values)
        return paths

    old_side = side(list(old.graph(META)), list(old.graph(claim)))
    new_meta = [(s, p, o) for s, p, o, g in new_quads if g == META]
    new_side = side(new_meta, [(s, p, o) for s, p, o, g in new_quads if g == claim])
    changes = []
    for key in sorted(set(old_side) | set(new_side)):
        before, after = old_side.get(key, set()), new_side.get(key, set())
        if before != after:
            changes.append(f"{key}: {', '.join(sorted(before)) or '—'} → "
                           f"{', '.join(sorted(after)) or '—'}")
    return "; ".join(changes) or None


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in YAML_EXTENSIONS:
        return "claims"
    if suffix in RDF_EXTENSIONS:
        return RDF_EXTENSIONS[suffix]
    if suffix in JSONLD_EXTENSIONS:
        return "claimreview"
    raise InputError(f"cannot tell the format from the extension {suffix!r}; give --format "
                     f"({', '.join(IMPORT_FORMATS)})", where=str(path))


def _str(term) -> str | None:
    return None if term is None else str(term)


def _local(term) -> str | None:
    if term is None:
        return None
    text = str(term)
    for sep in ("#", "/"):
        if sep in text:
            text = text.rsplit(sep, 1)[1]
    return text


__all__ = ["KnowledgeBase", "ImportReport", "detect_format"]
