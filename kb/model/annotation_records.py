"""The records the annotation service returns (kb/services/annotations.py): one
stored annotation (``Annotation``, read from its graph by ``record``) and a page of a
listing (``AnnotationPage``), plus the change summary of an update. Pure: no store
access, no I/O.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from kb.model import annotation_jsonld as jsonld
from kb.model.annotation_graph import (AS_ITEMS, etag, lexical, link_bodies, list_values,
                                       selector_nodes, selectors, short, state_version)
from kb.model.vocab import CKB, OA


@dataclass
class Annotation:
    """One stored annotation. ``doc`` is the JSON-LD as served (compacted against
    anno.jsonld, absolute ``id``); ``creator`` the claimkb user who created it;
    ``motivations`` short names ("commenting"); ``bodies_text`` the textual bodies (not
    tags); ``tags`` the tagging bodies; ``target_source`` the IRI annotated (the target,
    or its source); ``start``/``end``/``exact`` the span on an article text (for
    ``for_article``, on its current text); ``orphan`` when that span could not be
    re-anchored in the current text; ``replies_to`` the annotation this one answers;
    ``whole`` when its target is a resource as a whole (no selector: an article, a claim,
    a publisher, any IRI); ``links`` the IRIs of its link bodies (a body that is an IRI,
    a SpecificResource's source, a Choice's IRI items), printed with web/filters.link."""

    iri: str
    id: str
    doc: dict
    creator: str | None
    created: str | None
    modified: str | None
    etag: str
    motivations: list[str] = field(default_factory=list)
    bodies_text: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    target_source: str | None = None
    start: int | None = None
    end: int | None = None
    exact: str | None = None
    orphan: bool = False
    replies_to: str | None = None
    version: str | None = None      # the article text version the span refers to
    whole: bool = False
    links: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in (
            "iri", "id", "creator", "created", "modified", "etag", "motivations", "bodies_text",
            "tags", "target_source", "start", "end", "exact", "orphan", "replies_to", "version",
            "whole", "links")}


@dataclass
class AnnotationPage:
    """A page of ``list``: ``items``, the id to pass as ``after`` for the next page (None
    on the last), how many annotations match in all and the newest ``modified`` among
    them, and the id to pass as ``before`` for the previous page (None on the first)."""

    items: list[Annotation]
    next_after: str | None
    total: int
    modified: str | None = None
    prev_before: str | None = None


def record(graph: Graph, iri: URIRef, *, base: str, container: str,
           user_name: Callable[[URIRef], str | None]) -> Annotation:
    """The annotation ``iri`` as stored in ``graph``, in a knowledge base whose IRIs
    start with ``base`` and whose annotations with ``container``; ``user_name`` names
    the claimkb account of a creator IRI (kb/records/history.py ``History.user_name``)."""
    doc = jsonld.compact(graph, iri)
    users = f"{base}users/"
    owner = next((user_name(c) for c in graph.objects(iri, DCTERMS.creator)
                  if str(c).startswith(users)), None)
    motivations = sorted(short(m) for m in graph.objects(iri, OA.motivatedBy))
    tagging = set(graph.objects(iri, OA.motivatedBy)) == {OA.tagging}
    bodies, tags = [], []
    for v in graph.objects(iri, OA.bodyValue):
        bodies.append(str(v))
    for body in sorted(graph.objects(iri, OA.hasBody), key=str):
        for item in [body, *(list_values(graph, graph.value(body, AS_ITEMS)))]:
            value = graph.value(item, RDF.value)
            if value is None or not isinstance(value, Literal):
                continue
            purposes = set(graph.objects(item, OA.hasPurpose))
            if OA.tagging in purposes or (tagging and not purposes):
                tags.append(str(value))
            else:
                bodies.append(str(value))
    text = str(iri)
    ann = Annotation(
        iri=text, id=text[len(container):] if text.startswith(container) else text, doc=doc,
        creator=owner, created=lexical(graph.value(iri, DCTERMS.created)),
        modified=lexical(graph.value(iri, DCTERMS.modified)),
        etag=etag(graph), motivations=motivations, bodies_text=bodies, tags=tags,
        orphan=(iri, CKB.orphaned, Literal(True)) in graph, links=link_bodies(graph, iri))
    targets = sorted(graph.objects(iri, OA.hasTarget), key=lambda t: (isinstance(t, BNode), str(t)))
    chosen = None
    for t in targets:
        source = graph.value(t, OA.hasSource) or (t if isinstance(t, URIRef) else None)
        if source is not None and (chosen is None or (str(source).startswith(base)
                                                      and not str(chosen[1]).startswith(base))):
            chosen = (t, source)
    if chosen is not None:
        t, source = chosen
        ann.target_source = str(source)
        if str(source).startswith(container) and str(source) != str(iri):
            ann.replies_to = str(source)
        sel = selectors(graph, t)
        ann.start, ann.end, ann.exact = sel.get("start"), sel.get("end"), sel.get("exact")
        ann.whole = not selector_nodes(graph, t)
        version = state_version(graph, t)
        ann.version = str(version) if version is not None else None
    return ann


def summary_diff(old: Annotation, new: Annotation) -> str:
    """The change summary of an update: the fields that changed, old → new."""
    changed = []
    for name in ("motivations", "bodies_text", "tags", "target_source", "start", "end", "exact"):
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            changed.append(f"{name}: {_brief(a)} → {_brief(b)}")
    if not changed:
        changed.append("other properties changed" if _strip_times(old.doc) != _strip_times(new.doc)
                       else "no change in content")
    return "; ".join(changed)


def _strip_times(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in ("modified", "created")}


def _brief(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "…"


__all__ = ["Annotation", "AnnotationPage", "record", "summary_diff"]
