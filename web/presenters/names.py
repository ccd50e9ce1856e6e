"""Entities, properties, people and publishers as their index pages (and the entity and
publisher pages' "also known as / merged from" lines) show them, from kb.entities'
items (``Entities.item``): where each one's page and claims are, its Wikidata links."""
from __future__ import annotations

from flask import url_for

from ..params import short

# kind → (its index page's title, the claims list filter that names one of it)
KINDS = {
    "entities": ("Entities", "entity"),
    "properties": ("Properties", "property"),
    "people": ("People", "entity"),          # speakers and authors: the entity facet
    "publishers": ("Publishers", "publisher"),
}
WIKIDATA_PAGE = "https://www.wikidata.org/wiki/"


def wikidata_url(qid: str) -> str:
    """The Wikidata page of an item ("Q863") or a property ("P2043")."""
    return WIKIDATA_PAGE + ("Property:" + qid if qid.startswith("P") else qid)


def claims_url(kind: str, item: dict) -> str:
    """The claims list filtered by the resource. A person goes by its full IRI: the
    list's ``entity`` filter reads a bare id as an entity's."""
    name = KINDS[kind][1]
    value = item["iri"] if kind == "people" else item["id"]
    return url_for("claims.index", **{name: value})


def page_url(kind: str, item: dict) -> str:
    """The resource's own page: entities and publishers have one; a property or a person
    is shown by the claims that name it."""
    if kind == "entities":
        return url_for("entities.entity", ident=item["id"])
    if kind == "publishers":
        return url_for("entities.publisher", ident=item["id"])
    return claims_url(kind, item)


def name_row(kind: str, item: dict) -> dict:
    """One row of an index page (and its .json twin): the item with its links."""
    return {**item, "url": page_url(kind, item), "claims_url": claims_url(kind, item),
            "wikidata_urls": [{"id": q, "url": wikidata_url(q)} for q in item["wikidata"]]}


def name_index(kind: str, listing: dict, *, limit: int, default_limit: int, fmt: str) -> dict:
    """An index page: ``listing`` (kb.entities.listing) with links on every row, and
    the next page's URL in the same format (the same search and limit)."""
    args = {"fmt": fmt} if fmt != "html" else {}
    if limit != default_limit:
        args["limit"] = limit
    if listing["query"]:
        args["q"] = listing["query"]
    cursor = listing["next"]
    return {
        "kind": kind, "title": KINDS[kind][0], "query": listing["query"],
        "total": listing["total"], "limit": limit,
        "items": [name_row(kind, item) for item in listing["items"]],
        "next": cursor,
        "next_url": url_for("names.index", kind=kind, after=cursor, **args) if cursor else None,
    }


def kind_links(current: str) -> list[dict]:
    """The four index pages, for the links at the top of each."""
    return [{"kind": k, "title": title, "url": url_for("names.index", kind=k),
             "current": k == current} for k, (title, _) in KINDS.items()]


def names_of(kind: str, item: dict | None) -> dict:
    """What an entity or publisher page adds from the names index: aliases, Wikidata
    links and the resources merged into it (empty when the index does not know it)."""
    if not item:
        return {"aliases": [], "wikidata": [], "merged_from": []}
    return {"aliases": item["aliases"],
            "wikidata": [{"id": q, "url": wikidata_url(q)} for q in item["wikidata"]],
            "merged_from": item["merged_from"]}


def merge_done(action: str, result, url: str) -> dict:
    """The JSON answer to a merge or a split (kb.services.entities.MergeResult); ``url``:
    the page to go to next."""
    return {"ok": True, "action": action, "kind": result.kind,
            "survivor": short(result.survivor), "survivor_iri": result.survivor,
            "other": short(result.other), "other_iri": result.other,
            "claims": [short(c) for c in result.claims], "quads": result.quads, "url": url}
