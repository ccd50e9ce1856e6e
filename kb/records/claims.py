"""Stored claims, read back: the one place that turns a claim's quads (written by
kb.model.claim.claim_quads) into what its readers need.

``ClaimReader(store, iris, changelog, articles)`` gives a claim's IRI from an id, whether
claims exist and which are retracted, a claim as an rdflib Dataset (``dataset``: export,
JSON-LD, the history's earlier versions), as plain data (``view``: the claim page and
``claimkb show``), filtered lists (``list``), and the claims in the comparison's shape
(``facts``, ``facts_matching``, ``all_facts``, ``identity``: kb.records.facts, whose
``all_facts`` is what the comparison index is rebuilt with), and the flat summaries
the claims index keeps (``summaries``, ``all_claims``: kb.records.summaries). Every method
raises StoreError when the store fails, and the errors its docstring names.
"""
from __future__ import annotations

from typing import Iterable

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import PROV, RDF, XSD

from kb.errors import InputError, NotFound
from kb.model.dates import parse_date
from kb.model.iris import META, Minter
from kb.model.claim import ClaimRecord
from kb.model.claim_read import read_record
from kb.model.verdicts import ClaimFacts, Identity
from kb.model.vocab import CKB, MODALITIES, MODALITY_NAMES, OA, PREFIXES, SCHEMA, local_name
from kb.store import sparql
from kb.store.base import Store
from kb.records import facts as stored_facts
from kb.records import summaries as stored_summaries
from kb.records.articles import Articles
from kb.records.history import History

_LOOKUP_BATCH = 1000    # claims per existence query


class ClaimReader:
    """The claims of one store, read back."""

    def __init__(self, store: Store, iris: Minter, changelog: History, articles: Articles):
        self.store = store
        self.iris = iris
        self.changelog = changelog
        self.articles = articles

    def _select(self, name: str, limit: int | None = None, **params) -> list[dict]:
        return sparql.select(self.store, name, limit=limit, **params)

    # ------------------------------------------------------------------ which claims

    def iri(self, ref: str) -> URIRef:
        """The IRI of an existing claim given its id or IRI. Raises NotFound."""
        iri = self.iris.resolve("claims", ref)
        if not self._select("claim_exists.rq", claim=iri):
            raise NotFound(f"no claim {ref!r}")
        return iri

    def exists(self, claim: URIRef) -> bool:
        """Whether ``claim`` (an IRI) is a stored claim."""
        return bool(self._select("claim_exists.rq", claim=URIRef(claim)))

    def existing(self, iris: list[URIRef]) -> dict[str, URIRef | None]:
        """Which of ``iris`` are stored claims: IRI → the change that retracted it (or
        None)."""
        found: dict[str, URIRef | None] = {}
        for start in range(0, len(iris), _LOOKUP_BATCH):
            for row in self._select("claims_existing.rq", claim=iris[start:start + _LOOKUP_BATCH]):
                found[str(row["claim"])] = row["retraction"] or found.get(str(row["claim"]))
        return found

    def leftovers(self, iris: list[URIRef]) -> set[str]:
        """Which of ``iris`` have quads under them (a content graph, metadata, a review, a
        comparison) although they are not stored claims (``existing``)."""
        found: set[str] = set()
        for start in range(0, len(iris), _LOOKUP_BATCH):
            found.update(str(row["claim"]) for row in self._select(
                "claims_leftovers.rq", claim=iris[start:start + _LOOKUP_BATCH]))
        return found

    def is_retracted(self, claim: URIRef) -> bool:
        """Whether the stored claim ``claim`` (an IRI) was retracted."""
        return self.existing([URIRef(claim)]).get(str(claim)) is not None

    # ------------------------------------------------------------------ one claim

    def dataset(self, claim: URIRef) -> Dataset:
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
        for row in self._select("claim_content.rq", claim=claim):
            content.add((row["s"], row["p"], row["o"]))
        return ds

    def record(self, ref: str) -> ClaimRecord:
        """The claim as the ClaimRecord it was written from (kb.model.claim_read: the
        inverse of claim_quads), its entities, properties and people as the metadata
        graph now describes them. Raises NotFound, InputError (quads claimkb could not
        have written)."""
        claim = self.iri(ref)
        ds = self.dataset(claim)            # the claim's own quads, read as for export
        meta, content = list(ds.graph(META)), list(ds.graph(claim))
        names = {o for s, p, o in meta if s == claim and p in (CKB.subject, CKB.property,
                                                               CKB.scope, CKB.speaker)}
        names |= {o for s, p, o in content if isinstance(o, URIRef)}
        shared = [(r["s"], r["p"], r["o"]) for r in self._select(
            "named_descriptions.rq", s=sorted(names))] if names else []
        return read_record(claim, meta, content, shared)

    def jsonld(self, ref: str) -> str:
        """One claim (metadata + content graph) as JSON-LD with an inline context.
        Raises NotFound."""
        ds = self.dataset(self.iri(ref))
        return ds.serialize(format="json-ld", context=dict(PREFIXES), indent=2)

    def view(self, ref: str) -> dict:
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
        if str(SCHEMA.Claim) not in meta.objects(c, str(RDF.type)):
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
            change = next((ch for ch in self.changelog.changes(claim) if ch.iri == retraction), None)
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
                        sel[local_name(p)] = int(v) if p in (OA.start, OA.end) else v
            sel["source"] = meta.value(quote, str(OA.hasSource))
            view["quote"] = sel
        quantity = str(SCHEMA.QuantitativeValue)
        rdf_type = str(RDF.type)
        for s, p, o in content.triples:
            if p == rdf_type or quantity in content.objects(s, rdf_type):
                continue
            entry = {"subject": s, "property": p}
            if quantity in content.objects(o, rdf_type):
                entry["value"] = {local_name(pp): oo for pp, oo in content.predicate_objects(o)
                                  if pp != rdf_type}
            else:
                entry["value"] = o
            view["content"].append(entry)
        return view

    # ------------------------------------------------------------------ many claims

    def list(self, *, source: str | None = None, entity: str | None = None,
             modality: str | None = None, since=None, until=None,
             about_from=None, about_to=None, after: str | None = None,
             limit: int = 100) -> list[dict]:
        """Claims matching the filters, in id order, ``limit`` at most, after ``after``
        (keyset pagination). Raises InputError for a bad filter value, NotFound for an
        unknown source."""
        params: dict = {}
        if source:
            params["source"] = self.articles.source_iri(source)
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
        for name, value, edge in (("aboutFrom", about_from, "earliest"),
                                  ("aboutTo", about_to, "latest")):
            if value is not None:
                params[name] = Literal(getattr(parse_date(value), edge), datatype=XSD.date)
        if after:
            params["after"] = Literal(str(self.iris.resolve("claims", after)))
        out = []
        for row in self._select("list_claims.rq", limit=limit, **params):
            item = {k: (None if v is None else str(v)) for k, v in row.items()}
            item["id"] = self.iris.local_id(row["claim"])
            item["modality"] = MODALITY_NAMES.get(row["modality"], local_name(row["modality"]))
            out.append(item)
        return out

    # ------------------------------------------------------------------ the claims index's shape

    def all_claims(self) -> list[str]:
        """The IRI of every stored claim (the claims index's rebuild)."""
        return stored_summaries.all_claims(self.store)

    def summaries(self, iris: list[str],
                  shared: stored_summaries.Shared | None = None) -> dict[str, dict]:
        """What the claims index keeps of each claim in ``iris`` that is stored (flat
        strings: labels, dates, source, quote, value as written), in IRI order.
        ``shared``: the shared resources read by a rebuild's earlier batches."""
        return stored_summaries.summaries(self.store, iris, shared)

    # ------------------------------------------------------------------ the comparison's shape

    def facts(self, claims: Iterable, prop=None) -> list[ClaimFacts]:
        """The given claims as the comparison reads them (retracted and unstructured
        claims left out; only ``prop`` when given)."""
        return stored_facts.load_claims(self.store, list(claims), prop)

    def facts_matching(self, **params) -> list[ClaimFacts]:
        """Every structured claim about ``subject`` and/or ``property``."""
        return stored_facts.load_facts(self.store, **params)

    def all_facts(self) -> list[ClaimFacts]:
        """Every structured claim (the comparison index's rebuild), read a batch of
        claims at a time."""
        return [f for batch in stored_facts.every_claim_facts(self.store) for f in batch]

    def identity(self) -> Identity:
        """The identity links and property traits the comparison groups claims by."""
        return stored_facts.load_identity(self.store)


class _Triples:
    """Triples as plain strings, with the few lookups ``ClaimReader.view`` needs."""

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


__all__ = ["ClaimReader"]
