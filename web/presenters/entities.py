"""Entities and publishers as their pages show them."""
from __future__ import annotations

from flask import url_for
from rdflib import RDFS
from rdflib.namespace import OWL

from kb.model.vocab import SCHEMA

from ..params import short
from . import chart
from .claims import claim_row


def entity_page(iri, graph, page, about_rows: list[dict]) -> dict:
    """An entity's page: its label and sameAs links (``graph``: kb.describe), a page of
    its claims (kb.index.search) and the timeline of the values each source gave
    (``about_rows``: kb.index.claims_about)."""
    timeline = chart.series(about_rows)
    return {
        "entity": str(iri), "id": short(str(iri)),
        "label": str(graph.value(iri, RDFS.label) or short(str(iri))),
        "same_as": sorted(str(o) for o in graph.objects(iri, OWL.sameAs)),
        "claims_total": page.total,
        "claims": [claim_row(r) for r in page.rows],
        "all_claims": url_for("claims.index", entity=short(str(iri))),
        "timeline": [{"property": p, "label": e["label"], "units": e["units"], "points": e["points"]}
                     for p, e in timeline.items()],
    }


def entity_charts(data: dict) -> list[tuple]:
    """(timeline entry, its SVG) for each property of an entity's timeline."""
    return [(e, chart.svg(e, lambda c: url_for("claims.show", ident=short(c))))
            for e in data["timeline"]]


def publisher_page(iri, graph, page, articles: list[dict], verdicts: list[dict]) -> dict:
    """A publisher's page: its name and sameAs links (``graph``: kb.describe), a page of
    its claims, its articles and verdict counts (kb.index.facets values)."""
    name = graph.value(iri, SCHEMA.name) or graph.value(iri, RDFS.label)
    return {
        "publisher": str(iri), "id": short(str(iri)), "name": str(name or short(str(iri))),
        "same_as": sorted(str(o) for o in graph.objects(iri, OWL.sameAs)),
        "claims_total": page.total, "claims": [claim_row(r) for r in page.rows],
        "all_claims": url_for("claims.index", publisher=short(str(iri))),
        "articles": [{"article": a["value"], "title": a["label"], "claims": a["count"],
                      "url": url_for("articles.show", ident=short(a["value"]))} for a in articles],
        "verdicts": verdicts,
    }
