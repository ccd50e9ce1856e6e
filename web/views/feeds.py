"""Atom feeds, so that people can follow a story without opening the app (issue #17):

* ``GET /feeds/claims.atom``: the newest claims (by when claimkb recorded them);
* ``GET /feeds/conflicts.atom``: the newest conflicts between sources (a CONFLICT
  verdict of the comparison, dated by the later of its two claims);

each for the whole KB, or one entity (``?entity=<id>``: claims naming it; conflicts
about it as subject) or one publisher (``?publisher=<id>``: its claims; conflicts its
claims take part in). FEED_SIZE entries. An unknown entity or publisher is a 404 in the
one error shape. Entity, publisher and claims list pages link to their feeds
(``<link rel="alternate" type="application/atom+xml">``)."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, request, url_for

from kb.derived.claims_query import ClaimFilter
from kb.errors import InputError, NotFound

from ..context import get_kb
from ..params import short
from ..presenters.feeds import atom, claim_entry, conflict_entry, newest

bp = Blueprint("feeds", __name__)

FEED_SIZE = 50
CONFLICTS_READ = 5_000     # conflict verdicts read to find the newest (a KB with more: the first these)
ATOM_TYPE = "application/atom+xml; charset=utf-8"


def _scope():
    """(ClaimFilter fields, the comparison report's filters, a title suffix, the query
    args) from ``?entity=`` / ``?publisher=``. Raises NotFound, InputError."""
    kb = get_kb()
    entity, publisher = request.args.get("entity"), request.args.get("publisher")
    if entity and publisher:
        raise InputError("a feed follows one entity or one publisher, not both")
    if entity:
        iri = kb.iris.resolve("entities", entity)
        kb.describe(iri)                                 # NotFound → 404
        return {"entity": str(iri)}, {"subject": str(iri)}, f" about {_label(kb, 'entities', iri)}", {"entity": short(str(iri))}
    if publisher:
        iri = kb.iris.resolve("publishers", publisher)
        kb.describe(iri)
        return {"publisher": str(iri)}, {"source": str(iri)}, f" from {_label(kb, 'publishers', iri)}", {"publisher": short(str(iri))}
    return {}, {}, "", {}


def _label(kb, kind: str, iri) -> str:
    try:
        row = kb.entities.find(kind, str(iri), follow=True)
    except (NotFound, InputError):
        return short(str(iri))
    return row.label or short(str(iri))


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


@bp.get("/feeds/claims.atom")
def claims():
    kb = get_kb()
    filters, _, suffix, args = _scope()
    page = kb.index.search(ClaimFilter(**filters), sort="recorded", limit=FEED_SIZE)
    entries = [claim_entry(r, url_for("claims.show", ident=short(r["iri"]), _external=True))
               for r in page.rows]
    body = atom(title=f"claimkb: new claims{suffix}", feed_id=request.url,
                self_url=request.url, page_url=url_for("claims.index", sort="recorded", **args, _external=True),
                entries=entries, updated=entries[0]["updated"] if entries else _now())
    return Response(body, mimetype="application/atom+xml", content_type=ATOM_TYPE)


@bp.get("/feeds/conflicts.atom")
def conflicts():
    kb = get_kb()
    _, report, suffix, args = _scope()
    verdicts = []
    for row in kb.comparisons.report_rows(verdict="conflict", **report):
        verdicts.append(row)
        if len(verdicts) >= CONFLICTS_READ:
            break
    rows = kb.index.get_many({v["a"] for v in verdicts} | {v["b"] for v in verdicts})
    compare_args = {"subject": args["entity"]} if "entity" in args else \
        {"source": args["publisher"]} if "publisher" in args else {}
    page_url = url_for("compare.index", verdict="conflict", **compare_args, _external=True)
    entries = newest((conflict_entry(v, rows[v["a"]], rows[v["b"]], page_url)
                      for v in verdicts if v["a"] in rows and v["b"] in rows), FEED_SIZE)
    body = atom(title=f"claimkb: new conflicts{suffix}", feed_id=request.url,
                self_url=request.url, page_url=page_url, entries=entries,
                updated=entries[0]["updated"] if entries else _now())
    return Response(body, mimetype="application/atom+xml", content_type=ATOM_TYPE)
