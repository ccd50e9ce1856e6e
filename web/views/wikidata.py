"""Linking an entity or a property to Wikidata from the web UI (editors;
kb/services/entity_links.py, docs/wikidata.md).

* ``GET /entities/<id>/wikidata`` (``/properties/<id>/wikidata``): the candidates the
  endpoint (setting ``wikidata_endpoint``) finds for its label, or for ``?q=``, in
  ``?language=`` (default en), each with its description and types and a "Link" button;
  ``.json`` twin. The lookup is this explicit request: an unreachable or slow endpoint
  is a 502 with the reason (web/errors.py), never a hang past ``wikidata_timeout``.
* ``POST`` the same URL with ``qid`` (CSRF token; ``replace=1`` to replace another
  link): store the link, then back to the entity's page (properties: its claims) with a
  confirmation; API clients get the stored facts as JSON.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for

from kb.errors import InputError

from ..auth import current_user, requires
from ..context import get_kb
from ..forms import read_form
from ..render import choose, respond, wants_data

bp = Blueprint("wikidata", __name__)

KINDS = ("entities", "properties")
MAX_TEXT = 200


def _back(kind: str, ident: str) -> str:
    if kind == "entities":
        return url_for("entities.entity", ident=ident)
    return url_for("claims.index", property=ident)


@bp.get("/entities/<ident>/wikidata", defaults={"fmt": None, "kind": "entities"})
@bp.get("/entities/<ident>/wikidata.<fmt>", defaults={"kind": "entities"})
@bp.get("/properties/<ident>/wikidata", defaults={"fmt": None, "kind": "properties"})
@bp.get("/properties/<ident>/wikidata.<fmt>", defaults={"kind": "properties"})
@requires("editor")
def candidates(kind: str, ident: str, fmt):
    fmt = choose(fmt)
    kb = get_kb()
    text = " ".join(request.args.get("q", "").split())
    language = request.args.get("language", "en").strip() or "en"
    if len(text) > MAX_TEXT or len(language) > 20:
        raise InputError(f"q is at most {MAX_TEXT} characters, language at most 20")
    row = kb.entities.find(kind, ident)
    found = kb.links.candidates(kind, ident, text=text or None, language=language)
    local = kb.iris.local_id(row.iri) or ident
    data = {"kind": kind, "id": local, "label": row.label, "query": text or row.label,
            "language": language, "linked": row.wikidata,
            "candidates": [{"qid": c.qid, "label": c.label, "description": c.description,
                            "types": list(c.types), "matched": c.matched,
                            "url": f"https://www.wikidata.org/wiki/{'Property:' if c.qid.startswith('P') else ''}{c.qid}"}
                           for c in found]}
    twins = {"json": url_for("wikidata.candidates", kind=kind, ident=local, fmt="json",
                             **({"q": text} if text else {}))}
    return respond(fmt, template="wikidata/link.html", data=data, twins=twins,
                   back=_back(kind, local))


@bp.post("/entities/<ident>/wikidata", defaults={"kind": "entities"})
@bp.post("/properties/<ident>/wikidata", defaults={"kind": "properties"})
@requires("editor")
def link(kind: str, ident: str):
    kb = get_kb()
    form = read_form(("qid", "replace", "language"))
    iri, facts = kb.links.link(kind, ident, form.get("qid", ""),
                               language=form.get("language") or "en",
                               replace=form.get("replace") in ("1", "true", "on"),
                               user=current_user().name)
    local = kb.iris.local_id(iri) or ident
    if wants_data():
        return {"ok": True, "id": local, "qid": facts.qid, "label": facts.label,
                "description": facts.description, "instance_of": list(facts.instance_of),
                "within": list(dict.fromkeys((*facts.located_in, *facts.country, *facts.part_of)))}
    flash(f"linked to Wikidata {facts.qid}" + (f" ({facts.label})" if facts.label else ""))
    return redirect(_back(kind, local), 303)
