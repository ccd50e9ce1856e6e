"""Claims read back as the flat summaries the claims index keeps (label, dates, source,
quote, value as written): the claims index's bulk path, read hop by hop with subject
lookups (kb/queries/index_hop.rq, index_content.rq) — one query with nested OPTIONALs
took ~20 s per 2,000 claims at 20k claims; these take ms. Raises StoreError.
"""
from __future__ import annotations

from rdflib import URIRef

from kb.model.vocab import CKB, OA, PROV, RDF, RDFS, SCHEMA
from kb.store import sparql
from kb.store.base import Store


def all_claims(store: Store) -> list[str]:
    """The IRI of every stored claim."""
    _, rows = store.values(sparql.load("index_claims_all.rq"), many=True)
    return [r[0] for r in rows]


def _hop(store: Store, nodes) -> dict[str, dict[str, list[str]]]:
    """{node: {predicate: [objects]}} from the metadata graph, for ``nodes`` (IRIs)."""
    out: dict[str, dict[str, list[str]]] = {}
    nodes = sorted({n for n in nodes if n and n.startswith(("http://", "https://", "urn:"))})
    for start in range(0, len(nodes), 2000):
        chunk = [URIRef(n) for n in nodes[start:start + 2000]]
        _, rows = store.values(sparql.render("index_hop.rq", s=chunk))
        for s, p, o in rows:
            out.setdefault(s, {}).setdefault(p, []).append(o)
    return out


_P = {name: str(iri) for name, iri in {
    "type": RDF.type, "label": RDFS.label, "modality": CKB.modality,
    "appearance": SCHEMA.appearance, "recorded": PROV.generatedAtTime, "text": SCHEMA.text,
    "published": SCHEMA.datePublished, "timeAbout": CKB.timeAbout, "earliest": CKB.earliest,
    "latest": CKB.latest, "speaker": CKB.speaker, "scope": CKB.scope, "subject": CKB.subject,
    "property": CKB.property, "quote": CKB.quote, "hasSelector": OA.hasSelector,
    "exact": OA.exact, "headline": SCHEMA.headline, "publisher": SCHEMA.publisher,
    "name": SCHEMA.name, "surface": CKB.surfaceText, "value": SCHEMA.value,
    "unitText": SCHEMA.unitText, "retraction": CKB.retraction,
}.items()}


def summaries(store: Store, iris: list[str]) -> dict[str, dict]:
    """What the index keeps of each claim in ``iris`` that is in the store, read hop by
    hop with subject lookups (kb/queries/index_hop.rq, index_content.rq): one query
    with nested OPTIONALs took ~20 s per 2,000 claims at 20k claims; these take ms."""
    def one(props, name):
        values = props.get(_P[name])
        return min(values) if values else None

    claims = _hop(store, iris)
    claims = {c: props for c, props in claims.items()
              if str(SCHEMA.Claim) in props.get(_P["type"], ())}
    second = set()
    for props in claims.values():
        for name in ("appearance", "timeAbout", "speaker", "scope", "subject", "property", "quote"):
            second.update(props.get(_P[name], ()))
    around = _hop(store, second)
    third = set()
    for node in second:
        props = around.get(node, {})
        third.update(props.get(_P["publisher"], ()))
        third.update(props.get(_P["hasSelector"], ()))
    around.update(_hop(store, third))
    content: dict[str, list[tuple]] = {}
    names = list(claims)
    for start in range(0, len(names), 2000):
        chunk = [URIRef(c) for c in names[start:start + 2000]]
        _, rows = store.values(sparql.render("index_content.rq", g=chunk))
        for g, s, p, o in rows:
            content.setdefault(g, []).append((s, p, o))
    objects: dict[str, list] = {}      # a set of entities has several
    for claim, props in claims.items():
        subject, prop = one(props, "subject"), one(props, "property")
        objects[claim] = sorted(o for s, p, o in content.get(claim, ()) if s == subject and p == prop)
    labels = _hop(store, {o for objs in objects.values() for o in objs})

    def at(node, name):
        return one(around.get(node, {}), name) if node else None

    records = {}
    for claim, props in claims.items():
        article, about, quote = one(props, "appearance"), one(props, "timeAbout"), one(props, "quote")
        publisher = at(article, "publisher")
        exact = None
        for sel in around.get(quote, {}).get(_P["hasSelector"], ()) if quote else ():
            exact = exact or at(sel, "exact")
        subject, prop = one(props, "subject"), one(props, "property")
        objs = objects.get(claim) or []
        obj = objs[0] if objs else None
        members = ([(o, one(labels.get(o, {}), "label")) for o in objs] if len(objs) > 1
                   else None)
        value_props: dict[str, str] = {}
        for s, p, o in content.get(claim, ()):
            if s == obj:
                value_props.setdefault(p, o)
        speaker, scope = one(props, "speaker"), one(props, "scope")
        records[claim] = {
            "claim": claim, "modality": one(props, "modality"), "article": article,
            "recorded": one(props, "recorded"), "text": one(props, "text"), "exact": exact,
            "headline": at(article, "headline"), "publisher": publisher,
            "publisherName": at(publisher, "name"), "published": one(props, "published"),
            "earliest": at(about, "earliest"), "latest": at(about, "latest"),
            "subject": subject, "subjectLabel": at(subject, "label"),
            "property": prop, "propertyLabel": at(prop, "label"),
            "speaker": speaker, "speakerName": at(speaker, "label"),
            "scope": scope, "scopeLabel": at(scope, "label"),
            "object": obj, "objectLabel": one(labels.get(obj, {}), "label") if obj else None,
            "surface": (", ".join(label or o.rsplit("/", 1)[-1] for o, label in members)
                        if members else value_props.get(_P["surface"])),
            "members": members, "value": value_props.get(_P["value"]),
            "unit": value_props.get(_P["unitText"]),
            "retracted": bool(props.get(_P["retraction"])),
        }
    return records


__all__ = ["all_claims", "summaries"]
