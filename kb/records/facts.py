"""Claims read back in the shape the comparison compares (kb.model.verdicts.ClaimFacts),
and the identity links (owl:sameAs, owl:equivalentProperty, property kinds, part-of)
it groups them by. Two paths, one shape: ``load_claims`` for given claims (from
their quads: a write's claims, and every claim batch by batch, ``every_claim_facts``,
when the comparison index is rebuilt), and ``load_facts`` for the claims about one
subject or property. Every IRI
goes through the vocabulary (kb.model.vocab). Each raises StoreError.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterator

from rdflib import URIRef
from rdflib.namespace import DCTERMS, OWL, RDF

from kb.model.verdicts import KIND_OF_TYPE, ClaimFacts, Identity, claim_facts, entity_object
from kb.model.vocab import CKB, SCHEMA
from kb.store import sparql
from kb.store.base import BULK_BATCH, Store


def load_identity(store: Store) -> Identity:
    """Union-find over the KB's owl:sameAs and owl:equivalentProperty links, with the
    property traits and part-of links (identity_links.rq)."""
    rows = store.rows(sparql.load("identity_links.rq"))
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
_PUBLISHER = str(SCHEMA.publisher)


def load_claims(store: Store, claims: list, prop=None) -> list[ClaimFacts]:
    """ClaimFacts for the given claims, from their quads, a batch of claims per read:
    their metadata (``Store.describe``), every triple of the time each is about
    (compare_claims_times.rq), their article's publisher (compare_claims_publishers.rq)
    and their content graph (``Store.graph_triples``); where a claim has several
    values for one field, the last read wins, in that order."""
    facts: list[ClaimFacts] = []
    claims = [str(c) for c in claims]
    for start in range(0, len(claims), BULK_BATCH):
        chunk = claims[start:start + BULK_BATCH]
        iris = [URIRef(c) for c in chunk]
        meta: dict[str, dict] = {}
        for claim, props in store.describe(chunk).items():
            m = {_M[p]: objs[-1] for p, objs in props.items() if p in _M}
            if m:
                meta[claim] = m
        for claim, p, o in store.rows(sparql.render("compare_claims_times.rq", claim=iris)):
            if p in _M:
                meta.setdefault(claim, {})[_M[p]] = o
        for claim, o in store.rows(sparql.render("compare_claims_publishers.rq", claim=iris)):
            meta.setdefault(claim, {})["publisher"] = o
        facts += _facts(meta, store.graph_triples(m for m in meta), prop)
    return facts


def every_claim_facts(store: Store, claims: list[str] | None = None,
                      batch: int = BULK_BATCH) -> Iterator[list[ClaimFacts]]:
    """The comparison index's rebuild: every structured claim (of ``claims``, all
    stored claims when None), a batch of claims at a time, each read as
    ``load_claims`` reads it (what a write puts in the index is what a rebuild puts)."""
    if claims is None:
        claims = store.subjects_of_type(str(SCHEMA.Claim))
    for start in range(0, len(claims), batch):
        yield load_claims(store, claims[start:start + batch])


def _facts(meta: dict[str, dict], content: dict[str, list], prop) -> list[ClaimFacts]:
    facts = []
    for claim, m in meta.items():
        if any(k not in m for k in ("subject", "property", "kind", "modality", "article")):
            continue        # a claim without them takes no part (claimkb validate names it)
        if "retraction" in m:   # retracted claims take no part in comparisons
            continue
        if prop is not None and m["property"] != str(prop):
            continue
        triples = content.get(claim, ())
        objs = [o for s, p, o in triples if s == m["subject"] and p == m["property"]]
        if not objs:
            continue
        obj = entity_object(objs) if m["kind"] == "entity" else objs[0]
        q = {_Q[p]: o for s, p, o in triples if s == obj and p in _Q}
        facts.append(claim_facts(
            claim, m.get("publisher") or m["article"], m["article"], m["modality"],
            m["subject"], m["property"], m.get("scope"), m.get("earliest"), m.get("latest"),
            m["kind"], obj, q.get("value"), q.get("unit"), q.get("low"), q.get("high"),
            q.get("lowEx"), q.get("highEx"), q.get("bound"), q.get("surface"),
            m.get("openStart"), m.get("openEnd"), q.get("places")))
    return facts


__all__ = ["load_identity", "load_facts", "load_claims", "every_claim_facts"]
