"""Claims read back as the flat summaries the claims index keeps (label, dates, source,
quote, value as written): the claims index's rebuild and refresh, a batch of claims at
a time, read with the store's bulk reads (``Store.describe``: resources' metadata
triples; ``Store.graph_triples``: claims' content graphs; ``Store.rows``: the hops
below), which the embedded store reads without SPARQL-JSON.

Per batch: the claims' metadata, the dates of their time-about and their quote's
exact text (kb/queries/index_claim_*.rq: the store joins these hops without decoding
the nodes between them), their content graphs; the resources many claims share
(articles, publishers, entities, properties, people) are read once and kept in a
``Shared`` cache across the batches of a rebuild. Each field is the smallest value
where a resource has several, and only IRI nodes are followed, as always. Raises
StoreError.
"""
from __future__ import annotations

from rdflib import URIRef

from kb.model.vocab import CKB, PROV, RDF, RDFS, SCHEMA
from kb.store import sparql
from kb.store.base import BULK_BATCH, Store

# nodes that are followed to their own triples (blank nodes and other schemes are not)
_FOLLOWED = ("http://", "https://", "urn:")

_P = {name: str(iri) for name, iri in {
    "type": RDF.type, "label": RDFS.label, "modality": CKB.modality,
    "appearance": SCHEMA.appearance, "recorded": PROV.generatedAtTime, "text": SCHEMA.text,
    "published": SCHEMA.datePublished, "timeAbout": CKB.timeAbout, "earliest": CKB.earliest,
    "latest": CKB.latest, "speaker": CKB.speaker, "scope": CKB.scope, "subject": CKB.subject,
    "property": CKB.property, "quote": CKB.quote, "headline": SCHEMA.headline, "publisher": SCHEMA.publisher,
    "name": SCHEMA.name, "surface": CKB.surfaceText, "value": SCHEMA.value,
    "unitText": SCHEMA.unitText, "retraction": CKB.retraction,
}.items()}
_CLAIM = str(SCHEMA.Claim)
# what is kept of a shared resource
_SHARED = ("label", "headline", "publisher", "name")
_NOTHING: dict = {}


def _followed(nodes) -> list[str]:
    return sorted({n for n in nodes if n and n.startswith(_FOLLOWED)})


def _one(props: dict, name: str) -> str | None:
    values = props.get(_P[name])
    return min(values) if values else None


class Shared:
    """The resources claims share (articles, publishers, entities, properties, people),
    each as {field: smallest value} for the fields a summary shows, read once for all
    the batches of a rebuild. Holds at most ``limit`` resources (then starts again)."""

    def __init__(self, limit: int = 200_000):
        self.limit = limit
        self._known: dict[str, dict[str, str]] = {}

    def read(self, store: Store, nodes) -> None:
        """Read the resources among ``nodes`` not known yet (IRIs only)."""
        followed = _followed(nodes)
        missing = [n for n in followed if n not in self._known]
        if not missing:
            return
        if len(self._known) + len(missing) > self.limit:
            self._known.clear()         # and read every node of this batch again
            missing = list(followed)
        described = store.describe(missing)
        for node in missing:
            props = described.get(node, _NOTHING)
            self._known[node] = {field: _one(props, field) for field in _SHARED}

    def get(self, node: str | None, field: str) -> str | None:
        return self._known.get(node, _NOTHING).get(field) if node else None


def all_claims(store: Store) -> list[str]:
    """The IRI of every stored claim."""
    return store.subjects_of_type(_CLAIM)


def summaries(store: Store, iris: list[str], shared: Shared | None = None) -> dict[str, dict]:
    """What the index keeps of each claim in ``iris`` that is in the store, in IRI
    order. ``shared``: the resources read by earlier batches of the same rebuild."""
    shared = shared if shared is not None else Shared()
    described = store.describe(_followed(iris))
    claims = {c: props for c, props in sorted(described.items())
              if _CLAIM in props.get(_P["type"], ())}
    abouts: dict[str, dict[str, list[str]]] = {}      # time node → earliest|latest → dates
    quotes: dict[str, dict[str, list[str]]] = {}      # quote node → selector → texts
    for start in range(0, len(claims), BULK_BATCH):
        chunk = [URIRef(c) for c in list(claims)[start:start + BULK_BATCH]]
        for name in ("earliest", "latest"):
            for node, date in store.rows(sparql.render(f"index_claim_{name}.rq", claim=chunk)):
                abouts.setdefault(node, {}).setdefault(_P[name], []).append(date)
        for quote, selector, text in store.rows(sparql.render("index_claim_quotes.rq", claim=chunk)):
            quotes.setdefault(quote, {}).setdefault(selector, []).append(text)
    content = store.graph_triples(claims)
    objects: dict[str, list[str]] = {}      # a set of entities has several
    for claim, props in claims.items():
        subject, prop = _one(props, "subject"), _one(props, "property")
        objects[claim] = sorted(o for s, p, o in content.get(claim, ()) if s == subject and p == prop)
    shared.read(store, {_one(props, name) for props in claims.values()
                        for name in ("appearance", "speaker", "scope", "subject", "property")}
                | {o for objs in objects.values() for o in objs})
    shared.read(store, {shared.get(_one(props, "appearance"), "publisher") for props in claims.values()})

    records = {}
    for claim, props in claims.items():
        article, about, quote = _one(props, "appearance"), _one(props, "timeAbout"), _one(props, "quote")
        publisher = shared.get(article, "publisher")
        when = abouts.get(about, _NOTHING) if about and about.startswith(_FOLLOWED) else _NOTHING
        exact = None
        if quote and quote.startswith(_FOLLOWED):
            for sel, texts in quotes.get(quote, _NOTHING).items():
                if sel.startswith(_FOLLOWED):
                    exact = exact or min(texts)
        subject, prop = _one(props, "subject"), _one(props, "property")
        objs = objects[claim]
        obj = objs[0] if objs else None
        members = [(o, shared.get(o, "label")) for o in objs] if len(objs) > 1 else None
        value_props: dict[str, str] = {}
        for s, p, o in content.get(claim, ()):
            if s == obj:
                value_props.setdefault(p, o)
        speaker, scope = _one(props, "speaker"), _one(props, "scope")
        records[claim] = {
            "claim": claim, "modality": _one(props, "modality"), "article": article,
            "recorded": _one(props, "recorded"), "text": _one(props, "text"), "exact": exact,
            "headline": shared.get(article, "headline"), "publisher": publisher,
            "publisherName": shared.get(publisher, "name"), "published": _one(props, "published"),
            "earliest": _one(when, "earliest"), "latest": _one(when, "latest"),
            "subject": subject, "subjectLabel": shared.get(subject, "label"),
            "property": prop, "propertyLabel": shared.get(prop, "label"),
            "speaker": speaker, "speakerName": shared.get(speaker, "label"),
            "scope": scope, "scopeLabel": shared.get(scope, "label"),
            "object": obj, "objectLabel": shared.get(obj, "label"),
            "surface": (", ".join(label or o.rsplit("/", 1)[-1] for o, label in members)
                        if members else value_props.get(_P["surface"])),
            "members": members, "value": value_props.get(_P["value"]),
            "unit": value_props.get(_P["unitText"]),
            "retracted": bool(props.get(_P["retraction"])),
        }
    return records


__all__ = ["all_claims", "summaries", "Shared"]
