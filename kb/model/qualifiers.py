"""Bound qualifiers ("over", "about", "at least", "between", "… or more"): how a source
bounds a figure, and the interval each implies. The rules are data in
ontologies/claimkb.ttl (ckb:BoundQualifier with ckb:lowerEndpoint, ckb:upperEndpoint,
ckb:tolerance and the ckb:surfaceForm phrases); this module reads them once and finds a
qualifier's phrase before or after a figure (kb.model.quantity.parse_quantity).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from rdflib import Graph, URIRef

from kb.errors import InputError
from kb.model.vocab import CKB, RDF
from ontologies import VOCABULARY

SUFFIX_MARK = "…"                         # a ckb:surfaceForm "… or more" follows the number


@dataclass(frozen=True)
class Qualifier:
    iri: URIRef
    label: str
    lower: URIRef       # a ckb:Endpoint
    upper: URIRef
    tolerance: Decimal
    forms: tuple[str, ...]             # phrases written before the number, longest first
    suffixes: tuple[str, ...] = ()     # phrases written after it ("or more"), longest first


@lru_cache(maxsize=1)
def qualifiers() -> dict[URIRef, Qualifier]:
    """The bound qualifiers and their interval rules, read from the ontology.

    A ckb:surfaceForm that starts with "…" is written after the number ("… or more"
    → "300 or more"); every other form is written before it.
    """
    graph = Graph()
    graph.parse(data=VOCABULARY.read_text(encoding="utf-8"), format="turtle")
    table = {}
    for iri in graph.subjects(RDF.type, CKB.BoundQualifier):
        tol = graph.value(iri, CKB.tolerance)
        forms = [str(f) for f in graph.objects(iri, CKB.surfaceForm)]
        table[iri] = Qualifier(
            iri=iri,
            label=str(graph.value(iri, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))),
            lower=graph.value(iri, CKB.lowerEndpoint),
            upper=graph.value(iri, CKB.upperEndpoint),
            tolerance=Decimal(str(tol)) if tol is not None else Decimal(0),
            forms=tuple(sorted((f for f in forms if not f.startswith(SUFFIX_MARK)),
                               key=len, reverse=True)),
            suffixes=tuple(sorted((f[len(SUFFIX_MARK):].strip() for f in forms
                                   if f.startswith(SUFFIX_MARK)), key=len, reverse=True)),
        )
    return table


def qualifier_named(name: str, where: str | None = None) -> Qualifier:
    """A qualifier by label ("more than") or surface form ("over"). InputError if unknown."""
    key = " ".join(name.lower().replace("_", " ").replace("-", " ").split())
    for q in qualifiers().values():
        if key == q.label or key in q.forms or key in q.suffixes:
            return q
    known = sorted(q.label for q in qualifiers().values())
    raise InputError(f"unknown bound qualifier {name!r} (known: {', '.join(known)})",
                     where=where)


@lru_cache(maxsize=1)
def _forms() -> tuple[tuple[tuple[str, Qualifier], ...], tuple[tuple[str, Qualifier], ...]]:
    """(prefix forms, suffix forms), each as (form, qualifier), longest first."""
    table = qualifiers().values()
    prefix = sorted(((f, q) for q in table for f in q.forms), key=lambda fq: len(fq[0]),
                    reverse=True)
    suffix = sorted(((f, q) for q in table for f in q.suffixes), key=lambda fq: len(fq[0]),
                    reverse=True)
    return tuple(prefix), tuple(suffix)


# ----------------------------------------------------------------- in the text

def prefix_qualifier(work: str) -> tuple[Qualifier | None, str]:
    """The qualifier whose phrase starts ``work`` (lower case, spaces collapsed), the
    longest that matches, and the text after it; (None, work) if none does."""
    for form, q in _forms()[0]:
        if work.startswith(form) and (not form[-1].isalpha()
                                      or work[len(form):len(form) + 1] in (" ", "")):
            return q, work[len(form):].strip()
    return None, work


def suffix_qualifier(work: str) -> tuple[Qualifier | None, str]:
    """The qualifier whose phrase ends ``work`` ("300 or more", "1,000-plus"), the
    longest that matches, and the text before it; (None, work) if none does."""
    for form, q in _forms()[1]:
        if work.endswith(form):
            before = work[:len(work) - len(form)]
            if not form[0].isalpha() or before[-1:] in (" ", "-"):
                return q, before.rstrip(" -")
    return None, work
