"""Reading and rewriting one stored W3C Web Annotation as an rdflib graph (the named
graph of the annotation, kb/services/annotations.py): its selectors, the text version a
target refers to, its link bodies, its ETag, a change summary. Pure functions: no
store access, no I/O.
"""
from __future__ import annotations

import hashlib

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import RDF, XSD

from kb.model.vocab import OA

AS_ITEMS = URIRef("http://www.w3.org/ns/activitystreams#items")


def etag(graph: Graph) -> str:
    """A strong ETag: the SHA-256 of the graph's canonical N-Triples (blank nodes
    relabelled canonically), so the same content always has the same ETag."""
    canon = to_canonical_graph(graph)
    lines = sorted(line for line in canon.serialize(format="nt").splitlines() if line.strip())
    return '"' + hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:32] + '"'


def short(term) -> str:
    """The last segment of an IRI (after "#" or "/"): "commenting", "TextQuoteSelector"."""
    text = str(term)
    for sep in ("#", "/"):
        if sep in text:
            text = text.rsplit(sep, 1)[1]
    return text


def lexical(term) -> str | None:
    """A date-time literal as served: UTC written "Z"."""
    if term is None:
        return None
    text = str(term)
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def as_int(term) -> int | None:
    """The integer a literal holds, None when it holds none."""
    try:
        return int(str(term))
    except ValueError:
        return None


def list_values(graph: Graph, head) -> list:
    """The items of the RDF list starting at ``head`` (a cycle ends it)."""
    items = []
    seen = set()
    while head is not None and head != RDF.nil and head not in seen:
        seen.add(head)
        first = graph.value(head, RDF.first)
        if first is not None:
            items.append(first)
        head = graph.value(head, RDF.rest)
    return items


def link_bodies(graph: Graph, iri: URIRef) -> list[str]:
    """The IRIs of the link bodies of ``iri``: a body that is an IRI (not a
    TextualBody with a value), the source of a SpecificResource body, a Choice's IRI
    items; sorted."""
    out: set[str] = set()
    for body in graph.objects(iri, OA.hasBody):
        for item in [body, *list_values(graph, graph.value(body, AS_ITEMS))]:
            if graph.value(item, RDF.value) is not None:
                continue
            if isinstance(item, URIRef):
                out.add(str(item))
            source = graph.value(item, OA.hasSource)
            if isinstance(source, URIRef):
                out.add(str(source))
    return sorted(out)


def selector_nodes(graph: Graph, target) -> list:
    """The target's selectors and those refining them, breadth first."""
    out, todo = [], list(graph.objects(target, OA.hasSelector))
    while todo:
        sel = todo.pop(0)
        if sel in out:
            continue
        out.append(sel)
        todo += list(graph.objects(sel, OA.refinedBy))
    return out


def selectors(graph: Graph, target) -> dict:
    """exact/prefix/suffix of the target's TextQuoteSelector and start/end of its
    TextPositionSelector (the first of each)."""
    out: dict = {}
    for sel in selector_nodes(graph, target):
        types = set(graph.objects(sel, RDF.type))
        if OA.TextQuoteSelector in types and "exact" not in out:
            for key, p in (("exact", OA.exact), ("prefix", OA.prefix), ("suffix", OA.suffix)):
                v = graph.value(sel, p)
                if v is not None:
                    out[key] = str(v)
        if OA.TextPositionSelector in types and "start" not in out:
            start, end = as_int(graph.value(sel, OA.start)), as_int(graph.value(sel, OA.end))
            if start is not None and end is not None:
                out["start"], out["end"] = start, end
    return out


def first_selected(graph: Graph, iri: URIRef):
    """The first target of ``iri`` (in IRI order) with a text selector, else None."""
    return next((t for t in sorted(graph.objects(iri, OA.hasTarget), key=str)
                 if selectors(graph, t)), None)


def state_version(graph: Graph, target) -> URIRef | None:
    """The text version a target refers to: its state's cached source."""
    for state in graph.objects(target, OA.hasState):
        version = graph.value(state, OA.cachedSource)
        if version is not None:
            return version
    return None


def cached_states(graph: Graph, target, version: URIRef | None) -> tuple[list, URIRef | None]:
    """The target's states that name a cached source, and the text version: the one
    given, else the first state's."""
    states = [s for s in graph.objects(target, OA.hasState) if graph.value(s, OA.cachedSource)]
    if version is None and states:
        version = graph.value(states[0], OA.cachedSource)
    return states, version


def pin(graph: Graph, target, article: URIRef, version: URIRef | None, states: list) -> None:
    """The target's source becomes the article; the text version (when there is
    one) becomes its state's cached source."""
    graph.remove((target, OA.hasSource, None))
    graph.add((target, OA.hasSource, article))
    if version is None:
        return
    for s in states:
        graph.remove((s, OA.cachedSource, None))
    state = states[0] if states else BNode()
    if not states:
        graph.add((target, OA.hasState, state))
    graph.add((state, OA.cachedSource, version))


def article_targets(graph: Graph, iri: URIRef, article: URIRef) -> list:
    """The targets of ``iri`` that select in the text of ``article`` (or one of its
    text versions)."""
    out = []
    for t in graph.objects(iri, OA.hasTarget):
        source = graph.value(t, OA.hasSource)
        if source is not None and (source == article or str(source).startswith(f"{article}/versions/")) \
                and selectors(graph, t):
            out.append(t)
    return out


def move_selectors(graph: Graph, target, found, version: URIRef) -> None:
    """Rewrite the target's text selectors to ``found`` (a kb.ingest.reanchor result:
    exact/prefix/suffix/start/end) and its cached source to ``version``."""
    for sel in selector_nodes(graph, target):
        types = set(graph.objects(sel, RDF.type))
        if OA.TextQuoteSelector in types:
            for p, value in ((OA.exact, found.exact), (OA.prefix, found.prefix), (OA.suffix, found.suffix)):
                graph.remove((sel, p, None))
                if value:
                    graph.add((sel, p, Literal(value)))
        if OA.TextPositionSelector in types:
            for p, value in ((OA.start, found.start), (OA.end, found.end)):
                graph.remove((sel, p, None))
                graph.add((sel, p, Literal(value, datatype=XSD.nonNegativeInteger)))
    for state in graph.objects(target, OA.hasState):
        if graph.value(state, OA.cachedSource) is not None:
            graph.remove((state, OA.cachedSource, None))
            graph.add((state, OA.cachedSource, version))


def summary_new(graph: Graph, iri: URIRef) -> str:
    """The change summary of a created annotation: its motivations and targets."""
    motivations = ", ".join(sorted(short(m) for m in graph.objects(iri, OA.motivatedBy)))
    targets = ", ".join(sorted(str(graph.value(t, OA.hasSource) or t) for t in graph.objects(iri, OA.hasTarget)
                               if isinstance(t, URIRef) or graph.value(t, OA.hasSource) is not None))
    return f"created annotation{' (' + motivations + ')' if motivations else ''}" \
           f"{' on ' + targets if targets else ''}"


__all__ = ["AS_ITEMS", "etag", "short", "lexical", "as_int", "list_values", "link_bodies",
           "selector_nodes", "selectors", "first_selected", "state_version", "cached_states", "pin",
           "article_targets", "move_selectors", "summary_new"]
