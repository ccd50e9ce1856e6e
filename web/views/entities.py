"""Entities and publishers: their claims; for an entity, a timeline of the values each
source gave over time, with conflicts marked; for a publisher, its articles, its
reliability ratings and the notes on it."""
from __future__ import annotations

from flask import Blueprint, url_for

from kb.derived.claims_index import ClaimFilter

from ..auth import current_user
from ..context import get_kb, get_settings
from ..presenters.annotations import notes_on
from ..presenters.entities import entity_charts, entity_page, publisher_page
from ..render import RESOURCE_FORMATS, choose, respond, split_suffix
from .reliability import publisher_ratings

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
    data = entity_page(iri, graph, page, kb.index.claims_about(str(iri)))
    twins = {f: url_for("entities.entity", ident=f"{data['id']}.{f}") for f in RESOURCE_FORMATS if f != "html"}
    return respond(fmt, template="entities/entity.html", data=data, twins=twins,
                   charts=entity_charts(data))


@bp.get("/publishers/<path:ident>")
def publisher(ident):
    kb, fmt, iri, graph = _resource("publishers", ident)
    if fmt in ("ttl", "jsonld"):
        return respond(fmt, template="", data={}, rdf=lambda _k: graph)
    f = ClaimFilter(publisher=str(iri))
    page = kb.index.search(f, limit=get_settings().page_size)
    articles = kb.index.facets(f, names=("article",), limit=100)["article"] or []
    verdicts = kb.index.facets(f, names=("verdict",))["verdict"] or []
    data = publisher_page(iri, graph, page, articles, verdicts)
    twins = {f: url_for("entities.publisher", ident=f"{data['id']}.{f}") for f in RESOURCE_FORMATS if f != "html"}
    if fmt != "html":
        return respond(fmt, template="entities/publisher.html", data=data, twins=twins)
    return respond(fmt, template="entities/publisher.html", data=data, twins=twins,
                   ratings=publisher_ratings(data["publisher"]),
                   notes=notes_on(kb.annotations, data["publisher"],
                                  base_iri=kb.settings.base_iri, user=current_user()))
