"""What a posted W3C Web Annotation must look like before it is stored
(kb/services/annotations.py): the JSON-LD document's ``id`` and targets, then the
parsed graph's type, target, IRIs, literals and selectors. Pure functions: no store
access (the checks against the store are kb/services/annotation_checks.py); each
raises InputError.
"""
from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from kb.errors import InputError
from kb.model import annotation_jsonld as jsonld
from kb.model.annotation_graph import AS_ITEMS, as_int, list_values, short
from kb.model.urls import check_iri
from kb.model.vocab import OA

SINGLE = (DCTERMS.created, DCTERMS.modified, DCTERMS.issued, OA.canonical)
IRI_ONLY = (OA.hasTarget, OA.hasBody, DCTERMS.creator,
            URIRef("http://www.w3.org/ns/activitystreams#generator"), DCTERMS.rights, OA.via,
            OA.canonical, OA.hasSource, OA.hasSelector, OA.hasState, OA.hasScope,
            OA.refinedBy, OA.cachedSource, OA.styledBy, OA.renderedVia)
VALUE_SELECTORS = (OA.FragmentSelector, OA.CssSelector, OA.XPathSelector)


def user_iri(value: str, what: str) -> URIRef:
    """``value`` as an IRI, when it is an absolute one (a filter value, ``what`` names it)."""
    value = str(value).strip()
    if not jsonld.valid_iri(value):
        raise InputError(f"{what} must be an absolute IRI, not {value[:100]!r}")
    return URIRef(value)


def check_posted_ids(posted: list, iri: URIRef, *, update: bool) -> None:
    """The ``id``/``@id`` values of a posted document: each an absolute IRI and, for an
    update (``update``), the annotation's own IRI ``iri``."""
    for value in posted:
        if not isinstance(value, str) or not jsonld.valid_iri(value):
            raise InputError(f'"id" must be one absolute IRI, not {value!r:.100}')
        if update and value != str(iri):
            raise InputError(f'"id" {value!r} is not this annotation ({iri})')


def refuse_empty_selectors(data: dict, articles: str) -> None:
    """A target on an article (its IRI under ``articles``) with an empty
    ``"selector"`` (``[]``: no triples, so the graph cannot tell it from no selector)
    is a span selecting nothing: refused. Leaving ``selector`` out annotates the
    article as a whole."""
    targets = data.get("target")
    for t in targets if isinstance(targets, list) else [targets]:
        if isinstance(t, dict) and "selector" in t and t["selector"] in ([], {}, None) \
                and str(t.get("source", "")).startswith(articles):
            raise InputError("an annotation on an article text needs a TextQuoteSelector or a "
                             'TextPositionSelector (leave "selector" out to annotate the '
                             "whole article)")


def what(graph: Graph, iri: URIRef, triple: tuple, position: int) -> str:
    """How an error names the term at ``position`` (0, 1, 2) of ``triple`` in the
    annotation ``iri``: "link body", "target", "property", or the property it is the
    value of."""
    s, p, o = triple
    term = triple[position]
    bodies = set(graph.objects(iri, OA.hasBody))
    for body in list(bodies):
        bodies.update(list_values(graph, graph.value(body, AS_ITEMS)))
    if term in bodies or (position == 2 and s in bodies and p == OA.hasSource):
        return "link body"
    if position == 1:
        return "property"
    if position == 2:
        return "target" if p in (OA.hasTarget, OA.hasSource) else f'"{short(p)}"'
    return "IRI"


def validate(graph: Graph, iri: URIRef) -> None:
    """The parsed annotation ``iri``: an Annotation with a target, absolute and safe
    IRIs, IRIs where an IRI belongs, well-typed literals, single-valued properties
    given once, well-formed selectors."""
    types = set(graph.objects(iri, RDF.type))
    if OA.Annotation not in types:
        kinds = {URIRef("http://www.w3.org/ns/activitystreams#OrderedCollection"): "an AnnotationCollection",
                 URIRef("http://www.w3.org/ns/activitystreams#OrderedCollectionPage"): "an AnnotationPage"}
        kind = next((kinds[t] for t in types if t in kinds), None)
        if kind:
            raise InputError(f"this is {kind}, not an Annotation: POST each Annotation to the "
                             "container (collections are not stored)")
        if not types:
            raise InputError('no "type": an annotation must have "type": "Annotation"')
        raise InputError(f'"type" must include "Annotation", not {", ".join(sorted(map(short, types)))}')
    targets = list(graph.objects(iri, OA.hasTarget))
    if not targets:
        raise InputError('an Annotation needs a "target"')
    for s, p, o in graph:
        for position, term in enumerate((s, p, o)):
            if isinstance(term, URIRef) and str(term).startswith(jsonld.RELATIVE_BASE):
                raise InputError(f"not an absolute IRI: {str(term)[len(jsonld.RELATIVE_BASE):][:100]!r}")
            if isinstance(term, URIRef) and not jsonld.valid_iri(term):
                raise InputError(f"not an absolute IRI: {str(term)[:100]!r}")
            if isinstance(term, URIRef):
                # javascript:, data:, file:… are never stored (kb/model/urls.py): a link
                # body, a target, a via… could end up followed from a page
                try:
                    check_iri(str(term), "IRI")
                except InputError:
                    check_iri(str(term), what(graph, iri, (s, p, o), position))
        if isinstance(o, Literal):
            if p in IRI_ONLY:
                raise InputError(f'"{short(p)}" must be an IRI or a resource, not the value '
                                 f'{str(o)[:80]!r}')
            if o.ill_typed:
                raise InputError(f'"{short(p)}" is not a valid {short(o.datatype)}: {str(o)[:80]!r}')
    for p in SINGLE:
        if len(list(graph.objects(iri, p))) > 1:
            raise InputError(f'an Annotation has at most one "{short(p)}"')
    for sel in set(graph.objects(None, OA.hasSelector)) | set(graph.objects(None, OA.refinedBy)):
        validate_selector(graph, sel)


def validate_selector(graph: Graph, sel) -> None:
    """One selector: a value where its type needs one, one exact, 0 ≤ start ≤ end, a
    RangeSelector's two ends."""
    types = set(graph.objects(sel, RDF.type))
    if len(list(graph.objects(sel, DCTERMS.conformsTo))) > 1:
        raise InputError("a selector has at most one conformsTo")
    for t in types & set(VALUE_SELECTORS):
        values = list(graph.objects(sel, RDF.value))
        if len(values) != 1:
            raise InputError(f"a {short(t)} needs exactly one value, not {len(values)}")
    if OA.TextQuoteSelector in types and len(list(graph.objects(sel, OA.exact))) != 1:
        raise InputError("a TextQuoteSelector needs exactly one exact")
    if OA.TextPositionSelector in types or OA.DataPositionSelector in types:
        starts, ends = list(graph.objects(sel, OA.start)), list(graph.objects(sel, OA.end))
        if len(starts) != 1 or len(ends) != 1:
            raise InputError("a position selector needs exactly one start and one end")
        start, end = as_int(starts[0]), as_int(ends[0])
        if start is None or end is None or start < 0 or end < start:
            raise InputError(f"a position selector needs 0 ≤ start ≤ end, not {starts[0]}–{ends[0]}")
    if OA.RangeSelector in types and (graph.value(sel, OA.hasStartSelector) is None
                                      or graph.value(sel, OA.hasEndSelector) is None):
        raise InputError("a RangeSelector needs a startSelector and an endSelector")


__all__ = ["SINGLE", "IRI_ONLY", "VALUE_SELECTORS", "user_iri", "check_posted_ids",
           "refuse_empty_selectors", "what", "validate", "validate_selector"]
