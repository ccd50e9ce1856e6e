"""The KB's named resources — entities, properties, people, publishers — as index pages,
and their merge and split in the web UI (kb.entities; the CLI's ``claimkb entities|
properties|people|publishers``).

* ``GET /entities``, ``/properties``, ``/people``, ``/publishers`` (and ``.json``): a
  page of them in name order (``kb.entities.listing``; merged ones are left out), each
  with its id, aliases, Wikidata ids and its number of claims, linked to the claims list
  filtered by it. ``q``: only those with a key, label or alias containing it (compared
  as kb.model.names normalises names: case, accents, dashes and quotes do not count; at
  most 200 characters); ``after``: the keyset cursor of the next page (the page's "next
  page" link, ``next_url`` in the twin); ``limit``: 1–500 rows (default: the
  ``page_size`` setting). Anything else there is a 400.
* ``POST /<kind>/<id>/merge`` (editors; CSRF token, or an API token and a JSON body):
  field ``other``, the key, label or alias of the resource to merge into ``<id>``. Its
  claims move to ``<id>``, its names become aliases of ``<id>``, and its own pages
  answer 303 to ``<id>``'s. A browser is sent (303) to the survivor's page (entities,
  publishers; the index page, searched for it, for properties and people) with a
  confirmation; a merge refused (the same one, one already merged, an unknown name)
  shows that page again with the message and what was typed (400 / 404). API clients
  get JSON: ``web.presenters.names.merge_done``, or the app's one error shape.
* ``POST /<kind>/<id>/split`` (editors, CSRF): undo the merge of ``<id>``: its claims
  and names go back to it.

The entity and publisher pages (web/views/entities.py) carry the merge form and the
split buttons; the properties and people pages carry them on each row.
"""
from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, request, url_for

from kb.derived.names_index import NameRow
from kb.errors import InputError, NotFound

from ..auth import current_user, requires
from ..context import get_kb, get_settings
from ..errors import status_for
from ..forms import read_form
from ..params import short
from ..presenters.names import kind_links, merge_done, name_index
from ..render import PAGE_FORMATS, choose, respond, wants_data
from .entities import entity_response, publisher_response

bp = Blueprint("names", __name__)

KIND = "<any(entities, properties, people, publishers):kind>"
MAX_QUERY = 200          # characters of a search
MAX_CURSOR = 2000        # characters of an ``after`` cursor (a sort key and a row id)
MAX_LIMIT = 500
MAX_NAME = 500           # characters of the name of the one to merge
_LIMIT = re.compile(r"[0-9]{1,6}")
# kinds with a page of their own (the others are shown by their claims)
PAGES = {"entities": entity_response, "publishers": publisher_response}
PAGE_ENDPOINTS = {"entities": "entities.entity", "publishers": "entities.publisher"}


@bp.get(f"/{KIND}", defaults={"fmt": None})
@bp.get(f"/{KIND}.<fmt>")
def index(kind: str, fmt):
    fmt = choose(fmt, PAGE_FORMATS)
    query, after, limit = listing_args()
    return index_page(kind, fmt, query, after, limit)


def listing_args() -> tuple[str | None, str | None, int]:
    """(q, after, limit) of the request. Raises InputError for a search over
    MAX_QUERY characters, a cursor that cannot be one, or a limit that is not a whole
    number from 1 to MAX_LIMIT."""
    raw_q = (request.args.get("q") or "").strip()
    if len(raw_q) > MAX_QUERY:
        raise InputError(f"the search (q) is too long: at most {MAX_QUERY} characters")
    after = request.args.get("after") or None
    if after is not None and len(after) > MAX_CURSOR:
        raise InputError("the page cursor (after) is not one this site gave: follow the "
                         "page's 'next page' link")
    raw_limit = (request.args.get("limit") or "").strip()
    limit = default_limit()
    if raw_limit:
        if not _LIMIT.fullmatch(raw_limit) or not 1 <= int(raw_limit) <= MAX_LIMIT:
            raise InputError(f"limit must be a whole number from 1 to {MAX_LIMIT} "
                             f"(got {raw_limit[:20]!r})")
        limit = int(raw_limit)
    return " ".join(raw_q.split()) or None, after, limit


def default_limit() -> int:
    return max(1, min(get_settings().page_size, MAX_LIMIT))


def index_page(kind: str, fmt: str, query: str | None, after: str | None, limit: int, *,
               status: int = 200, merge_form: dict | None = None):
    """An index page (or its .json twin); ``merge_form``: a refused merge to show
    again (``target``, ``other``, ``error``)."""
    listing = get_kb().entities.listing(kind, query, after, limit)
    data = name_index(kind, listing, limit=limit, default_limit=default_limit(), fmt=fmt)
    args = {k: v for k, v in (("q", query), ("after", after),
                              ("limit", limit if limit != default_limit() else None)) if v}
    twins = {"json": url_for("names.index", kind=kind, fmt="json", **args)}
    return respond(fmt, template="names/index.html", data=data, twins=twins, status=status,
                   kinds=kind_links(kind), after=after, default_limit=default_limit(),
                   merge_form=merge_form)


# ---------------------------------------------------------------------- merge and split

def _named(kind: str, ident: str) -> NameRow:
    """The resource of ``kind`` whose key (or IRI) is in the URL. Raises NotFound."""
    kb = get_kb()
    return kb.entities.find(kind, str(kb.iris.resolve(kind, ident)), follow=False)


def page_of(kind: str, iri: str) -> str:
    """Where a resource is shown (after a merge or a split; the claim form's candidate
    links): its page, or its kind's index page searched for it (properties and people
    have no page of their own)."""
    if kind in PAGE_ENDPOINTS:
        return url_for(PAGE_ENDPOINTS[kind], ident=short(iri))
    return url_for("names.index", kind=kind, q=short(iri))


@bp.post(f"/{KIND}/<ident>/merge")
@requires("editor")
def merge(kind: str, ident: str):
    """Merge the resource named in the field ``other`` into ``ident``."""
    kb = get_kb()
    survivor = _named(kind, ident)      # NotFound → 404
    other = " ".join(str(read_form(("other",)).get("other", "")).split())
    try:
        if len(other) > MAX_NAME:
            raise InputError(f"the name of the one to merge is too long: at most {MAX_NAME} "
                             "characters")
        done = kb.entities.merge(kind, survivor.iri, other, user=current_user().name)
    except (InputError, NotFound) as exc:
        if wants_data() or survivor.merged_into:
            raise
        form = {"target": short(survivor.iri), "other": other[:MAX_NAME], "error": str(exc)}
        if kind in PAGES:
            return PAGES[kind](short(survivor.iri), status=status_for(exc), merge_form=form)
        return index_page(kind, "html", short(survivor.iri), None, default_limit(),
                          status=status_for(exc), merge_form=form)
    url = page_of(kind, done.survivor)
    if wants_data():
        return merge_done("merged", done, url), 200
    flash(f"Merged {short(done.other)} into {short(done.survivor)}: {len(done.claims)} "
          f"claim(s) moved; the address of {short(done.other)} now leads to "
          f"{short(done.survivor)}. Split it to undo.")
    return redirect(url, 303)


@bp.post(f"/{KIND}/<ident>/split")
@requires("editor")
def split(kind: str, ident: str):
    """Undo the merge of ``ident`` into another."""
    kb = get_kb()
    other = _named(kind, ident)         # NotFound → 404
    done = kb.entities.split(kind, other.iri, user=current_user().name)   # InputError → 400
    url = page_of(kind, done.other)
    if wants_data():
        return merge_done("split", done, url), 200
    flash(f"Split {short(done.other)} from {short(done.survivor)}: {len(done.claims)} "
          "claim(s) moved back.")
    return redirect(url, 303)
