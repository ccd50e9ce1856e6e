"""Entities and publishers: their claims; for an entity, a timeline of the values each
source gave over time, with conflicts marked."""
from __future__ import annotations

from flask import Blueprint, url_for
from rdflib import RDFS
from rdflib.namespace import OWL

from kb.derived.claims_index import ClaimFilter
from kb.model.vocab import SCHEMA

from . import chart
from .claims import _row
from .context import get_kb, get_settings
from .params import short
from .render import RESOURCE_FORMATS, choose, respond, split_suffix

bp = Blueprint("entities", __name__)


def _resource(kind: str, ident: str):
    kb = get_kb()
    ident, suffix = split_suffix(ident)
    fmt = choose(suffix, RESOURCE_FORMATS)
    iri = kb.iris.resolve(kind, ident)
    graph = kb.describe(iri)   # NotFound → 404
    return kb, fmt, iri, graph


@bp.get("/entities/<path:ident>")
def entity(ident):
    kb, fmt, iri, graph = _resource("entities", ident)
    if fmt in ("ttl", "jsonld"):
        return respond(fmt, template="", data={}, rdf=lambda _k: graph)
    page = kb.index.search(ClaimFilter(entity=str(iri)), limit=get_settings().page_size)
    rows = kb.index.claims_about(str(iri))
    timeline = chart.series(rows)
    data = {
        "entity": str(iri), "id": short(str(iri)),
        "label": str(graph.value(iri, RDFS.label) or short(str(iri))),
        "same_as": sorted(str(o) for o in graph.objects(iri, OWL.sameAs)),
        "claims_total": page.total,
        "claims": [_row(r) for r in page.rows],
        "all_claims": url_for("claims.index", entity=short(str(iri))),
        "timeline": [{"property": p, "label": e["label"], "units": e["units"], "points": e["points"]}
                     for p, e in timeline.items()],
    }
    charts = [(e, chart.svg(e, lambda c: url_for("claims.show", ident=short(c))))
              for e in data["timeline"]]
    twins = {f: url_for("entities.entity", ident=f"{data['id']}.{f}") for f in RESOURCE_FORMATS if f != "html"}
    return respond(fmt, template="entities/entity.html", data=data, twins=twins, charts=charts)


@bp.get("/publishers/<path:ident>")
def publisher(ident):
    kb, fmt, iri, graph = _resource("publishers", ident)
    if fmt in ("ttl", "jsonld"):
        return respond(fmt, template="", data={}, rdf=lambda _k: graph)
    f = ClaimFilter(publisher=str(iri))
    page = kb.index.search(f, limit=get_settings().page_size)
    articles = kb.index.facets(f, names=("article",), limit=100)["article"] or []
    name = graph.value(iri, SCHEMA.name) or graph.value(iri, RDFS.label)
    data = {
        "publisher": str(iri), "id": short(str(iri)), "name": str(name or short(str(iri))),
        "same_as": sorted(str(o) for o in graph.objects(iri, OWL.sameAs)),
        "claims_total": page.total, "claims": [_row(r) for r in page.rows],
        "all_claims": url_for("claims.index", publisher=short(str(iri))),
        "articles": [{"article": a["value"], "title": a["label"], "claims": a["count"],
                      "url": url_for("articles.show", ident=short(a["value"]))} for a in articles],
        "verdicts": kb.index.facets(f, names=("verdict",))["verdict"] or [],
    }
    twins = {f: url_for("entities.publisher", ident=f"{data['id']}.{f}") for f in RESOURCE_FORMATS if f != "html"}
    return respond(fmt, template="entities/publisher.html", data=data, twins=twins)
