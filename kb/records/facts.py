"""Claims read back in the shape the comparison compares (kb.model.verdicts.ClaimFacts),
and the identity links (owl:sameAs, owl:equivalentProperty, property kinds, part-of)
it groups them by. Three paths, one shape: ``load_claims`` for a few claims (from
their quads), ``load_facts`` for the claims about one subject or property, and
``bulk_facts`` for every claim at once (the comparison index's rebuild). Every IRI
goes through the vocabulary (kb.model.vocab). Each raises StoreError.
"""
from __future__ import annotations

from collections import defaultdict

from rdflib import URIRef
from rdflib.namespace import DCTERMS, OWL, RDF

from kb.model.verdicts import KIND_OF_TYPE, ClaimFacts, Identity, claim_facts, entity_object
from kb.model.vocab import CKB, SCHEMA
from kb.store import sparql
from kb.store.base import Store, chunked


def load_identity(store: Store) -> Identity:
    """Union-find over the KB's owl:sameAs and owl:equivalentProperty links, with the
    property traits and part-of links (identity_links.rq)."""
    _, rows = store.values(sparql.load("identity_links.rq"), many=True)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    identity = Identity()
    for a, link, b in rows:
        if link == str(RDF.type):
            if b == str(OWL.FunctionalProperty):
                identity.single_valued.add(a)
            elif b in KIND_OF_TYPE:
                getattr(identity, KIND_OF_TYPE[b]).add(a)
        elif link == str(CKB.timeToleranceDays):
            try:
                identity.tolerance[a] = max(0, int(b))
            except ValueError:
                continue
        elif link == str(DCTERMS.isPartOf):
            identity.part_of.setdefault(a, set()).add(b)
        else:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    identity.canonical = {x: find(x) for x in parent}
    return identity


def load_facts(store: Store, claim: list | None = None, **params) -> list[ClaimFacts]:
    """ClaimFacts for the given claims, or for every structured claim matching
    ``params`` (subject, property) when no claims are given."""
    if claim is not None:
        return load_claims(store, claim, params.get("property"))
    names, rows = store.values(sparql.render("compare_facts.rq", **params))
    by_claim: dict[str, dict] = {}
    objects: dict[str, list] = defaultdict(list)
    for row in rows:
        r = dict(zip(names, row))
        by_claim.setdefault(r["claim"], r)
        objects[r["claim"]].append(r["object"])
    facts = []
    for c, r in by_claim.items():
        obj = entity_object(objects[c]) if r["kind"] == "entity" else r["object"]
        facts.append(claim_facts(
            r["claim"], r["publisher"] or r["article"], r["article"], r["modality"],
            r["subject"], r["property"], r["scope"], r["earliest"], r["latest"], r["kind"],
            obj, r["value"], r["unit"], r["low"], r["high"], r["lowEx"], r["highEx"],
            r["bound"], r["surface"], r["openStart"], r["openEnd"], r["places"]))
    return facts


_M = {str(CKB.subject): "subject", str(CKB.property): "property", str(CKB.valueKind): "kind",
      str(CKB.modality): "modality", str(CKB.scope): "scope", str(SCHEMA.appearance): "article",
      str(SCHEMA.publisher): "publisher", str(CKB.earliest): "earliest",
      str(CKB.latest): "latest", str(CKB.retraction): "retraction",
      str(CKB.openStart): "openStart", str(CKB.openEnd): "openEnd"}
_Q = {str(SCHEMA.value): "value", str(SCHEMA.unitCode): "unit", str(SCHEMA.minValue): "low",
      str(SCHEMA.maxValue): "high", str(CKB.minExclusive): "lowEx",
      str(CKB.maxExclusive): "highEx", str(CKB.bound): "bound", str(CKB.surfaceText): "surface",
      str(CKB.decimalPlaces): "places"}


def load_claims(store: Store, claims: list, prop=None) -> list[ClaimFacts]:
    """ClaimFacts for the given claims, from their quads (compare_claim_quads.rq)."""
    _, rows = store.values(sparql.render("compare_claim_quads.rq", claim=list(claims)))
    meta: dict[str, dict] = defaultdict(dict)
    content: dict[str, list] = defaultdict(list)
    for claim, where, s, p, o in rows:
        if where == "content":
            content[claim].append((s, p, o))
        elif p in _M:
            meta[claim][_M[p]] = o
    facts = []
    for claim, m in meta.items():
        if "subject" not in m or "property" not in m or "kind" not in m:
            continue
        if "retraction" in m:   # retracted claims take no part in comparisons
            continue
        if prop is not None and m["property"] != str(prop):
            continue
        objs = [o for s, p, o in content[claim] if s == m["subject"] and p == m["property"]]
        if not objs:
            continue
        obj = entity_object(objs) if m["kind"] == "entity" else objs[0]
        q = {_Q[p]: o for s, p, o in content[claim] if s == obj and p in _Q}
        facts.append(claim_facts(
            claim, m.get("publisher") or m["article"], m["article"], m["modality"],
            m["subject"], m["property"], m.get("scope"), m.get("earliest"), m.get("latest"),
            m["kind"], obj, q.get("value"), q.get("unit"), q.get("low"), q.get("high"),
            q.get("lowEx"), q.get("highEx"), q.get("bound"), q.get("surface"),
            m.get("openStart"), m.get("openEnd"), q.get("places")))
    return facts


def bulk_facts(store: Store) -> list[ClaimFacts]:
    """Every structured claim, from five required-pattern queries joined here (no
    OPTIONAL, no join Oxigraph would evaluate per claim)."""
    _, publishers = store.values(sparql.load("compare_index_publishers.rq"), many=True)
    publisher = dict(publishers)
    _, scopes = store.values(sparql.load("compare_index_scopes.rq"), many=True)
    scope = dict(scopes)
    _, times = store.values(sparql.load("compare_index_times.rq"), many=True)
    time = {c: (e, l) for c, e, l in times}
    _, opens = store.values(sparql.load("compare_index_open.rq"), many=True)
    open_side: dict[str, set] = defaultdict(set)
    for c, side in opens:
        open_side[c].add(side.rsplit("#", 1)[-1])
    del publishers, scopes, times, opens
    _, parts = store.values(sparql.load("compare_index_values.rq"), many=True)
    value: dict[tuple, dict] = defaultdict(dict)
    for claim, obj, p, v in parts:
        value[(claim, obj)][_Q[p]] = v
    del parts
    _, rows = store.values(sparql.load("compare_index_claims.rq"), many=True)
    first: dict[str, tuple] = {}
    members: dict[str, list] = defaultdict(list)
    for row in rows:
        claim, kind, obj = row[0], row[3], row[6]
        if claim not in first:  # several values: an entity set, else the first
            first[claim] = row
        if kind == "entity":
            members[claim].append(obj)
    del rows
    out, again = [], []
    for claim, (_, subject, prop, kind, modality, article, obj) in first.items():
        q = value.get((claim, obj), {})
        if kind == "quantity" and not q:
            again.append(URIRef(claim))
            continue
        if kind == "entity":
            obj = entity_object(members[claim])
        e, l = time.get(claim, (None, None))
        sides = open_side.get(claim, ())
        out.append(claim_facts(claim, publisher.get(article) or article, article, modality, subject,
                          prop, scope.get(claim), e, l, kind, obj, q.get("value"), q.get("unit"),
                          q.get("low"), q.get("high"), q.get("lowEx"), q.get("highEx"),
                          q.get("bound"), q.get("surface"),
                          "true" if "openStart" in sides else None,
                          "true" if "openEnd" in sides else None, q.get("places")))
    for chunk in chunked(again, 500):
        out += load_claims(store, chunk)
    return out


__all__ = ["load_identity", "load_facts", "load_claims", "bulk_facts"]
