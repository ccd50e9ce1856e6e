"""Entities and publishers: their claims; for an entity, a timeline of the values each
source gave over time, with conflicts marked; for a publisher, its articles, its
reliability ratings and the notes on it. Both show their aliases and Wikidata ids, what
was merged into them, and, for editors, the merge form and split buttons (the POSTs are
web/views/names.py's).

A merged entity or publisher keeps its IRI: its page, and each of its data twins,
answers 303 See Other to the survivor's (the same suffix; ``Link: rel="canonical"``).
One the names index does not know is shown as before."""
from __future__ import annotations

from flask import Blueprint, redirect, url_for
from rdflib import URIRef

from kb.derived.claims_index import ClaimFilter
from kb.derived.names_index import NameRow
from kb.errors import InputError, NotFound

from ..auth import current_user
from ..context import get_kb, get_settings
from ..params import short
from ..presenters.feeds import feed_links
from ..presenters.annotations import notes_on
from ..presenters.entities import entity_charts, entity_page, publisher_page
from ..presenters.names import names_of
from ..render import RESOURCE_FORMATS, choose, respond, split_suffix
from .reliability import publisher_ratings

bp = Blueprint("entities", __name__)
ENDPOINTS = {"entities": "entities.entity", "publishers": "entities.publisher"}


def _resource(kind: str, ident: str):
    """(kb, format, URL suffix, IRI, its names-index row or None) of the resource in
    the URL. Raises NotFound for a malformed id."""
    kb = get_kb()
    ident, suffix = split_suffix(ident)
    fmt = choose(suffix, RESOURCE_FORMATS)
    iri = kb.iris.resolve(kind, ident)
    return kb, fmt, suffix, iri, _name_row(kb, kind, iri)


def _name_row(kb, kind: str, iri: URIRef) -> NameRow | None:
    try:
        return kb.entities.find(kind, str(iri), follow=False)
    except (NotFound, InputError):
        return None


def _see_survivor(kb, kind: str, row: NameRow, suffix: str | None):
    """303 to the page (same suffix) of the resource ``row`` was merged into, at the
    end of the chain when it was merged on again."""
    try:
        target = kb.entities.find(kind, row.merged_into, follow=True).iri
    except (NotFound, InputError):
        target = row.merged_into
    url = url_for(ENDPOINTS[kind], ident=short(target) + (f".{suffix}" if suffix else ""))
    response = redirect(url, 303)
    response.headers["Link"] = f'<{url}>; rel="canonical"'
    return response


def _names(kb, kind: str, row: NameRow | None) -> dict:
    return names_of(kind, kb.entities.item(row) if row is not None else None)


@bp.get("/entities/<path:ident>")
def entity(ident):
    return entity_response(ident)


def entity_response(ident: str, *, status: int = 200, merge_form: dict | None = None):
    """The entity page or one of its twins; ``merge_form``: a refused merge to show
    again (web/views/names.py)."""
    kb, fmt, suffix, iri, row = _resource("entities", ident)
    if row is not None and row.merged_into:
        return _see_survivor(kb, "entities", row, suffix)
    graph = kb.describe(iri)   # NotFound → 404
    if fmt in ("ttl", "jsonld"):
        return respond(fmt, template="", data={}, rdf=lambda _k: graph)
    page = kb.index.search(ClaimFilter(entity=str(iri)), limit=get_settings().page_size)
    data = {**entity_page(iri, graph, page, kb.index.claims_about(str(iri))),
            **_names(kb, "entities", row)}
    twins = {f: url_for("entities.entity", ident=f"{data['id']}.{f}") for f in RESOURCE_FORMATS if f != "html"}
    return respond(fmt, template="entities/entity.html", data=data, twins=twins, status=status,
                   charts=entity_charts(data), merge_form=merge_form, has_names=row is not None,
                   feeds=feed_links(entity=data["id"]))


@bp.get("/publishers/<path:ident>")
def publisher(ident):
    return publisher_response(ident)


def publisher_response(ident: str, *, status: int = 200, merge_form: dict | None = None):
    """The publisher page or one of its twins; ``merge_form`` as for entities."""
    kb, fmt, suffix, iri, row = _resource("publishers", ident)
    if row is not None and row.merged_into:
        return _see_survivor(kb, "publishers", row, suffix)
    graph = kb.describe(iri)   # NotFound → 404
    if fmt in ("ttl", "jsonld"):
        return respond(fmt, template="", data={}, rdf=lambda _k: graph)
    f = ClaimFilter(publisher=str(iri))
    page = kb.index.search(f, limit=get_settings().page_size)
    articles = kb.index.facets(f, names=("article",), limit=100)["article"] or []
    verdicts = kb.index.facets(f, names=("verdict",))["verdict"] or []
    data = {**publisher_page(iri, graph, page, articles, verdicts),
            **_names(kb, "publishers", row)}
    twins = {f: url_for("entities.publisher", ident=f"{data['id']}.{f}") for f in RESOURCE_FORMATS if f != "html"}
    if fmt != "html":
        return respond(fmt, template="entities/publisher.html", data=data, twins=twins)
    return respond(fmt, template="entities/publisher.html", data=data, twins=twins, status=status,
                   ratings=publisher_ratings(data["publisher"]), merge_form=merge_form,
                   feeds=feed_links(publisher=data["id"]),
                   has_names=row is not None,
                   notes=notes_on(kb.annotations, data["publisher"],
                                  base_iri=kb.settings.base_iri, user=current_user()))
