"""A claim's history and its retraction.

``GET /claims/<id>/history`` (and ``.json``): every change to the claim, newest first
(``KnowledgeBase.claim_history``: created, updated, deleted, retracted; who, when, what
changed), each with a link to the earlier version it kept
(``/claims/<id>/history/<change id>.nq``, the claim as it was, in N-Quads). A deleted
claim's history stays readable.

``POST /claims/<id>/retract`` (editors, CSRF; a ``reason`` field): the claim stays,
shown as retracted with the reason, and leaves the comparisons.
"""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, url_for

from kb.errors import InputError, NotFound

from ..auth import current_user, requires
from ..context import get_kb
from ..forms import read_form
from ..presenters.history import change_rows
from ..render import PAGE_FORMATS, choose, respond, wants_data

bp = Blueprint("history", __name__)

MAX_REASON = 2000


@bp.get("/claims/<ident>/history", defaults={"fmt": None})
@bp.get("/claims/<ident>/history.<fmt>")
def claim_history(ident, fmt):
    fmt = choose(fmt, PAGE_FORMATS)
    kb = get_kb()
    changes = kb.claim_history(ident)      # NotFound → 404
    rows = change_rows(changes, ident, kb.iris.local_id)
    iri = str(kb.iris.resolve("claims", ident))
    exists = kb.claim_exists(iri)
    data = {"claim": iri, "id": kb.iris.local_id(iri) or ident, "exists": exists,
            "changes": rows}
    twins = {"json": url_for("history.claim_history", ident=data["id"], fmt="json")}
    return respond(fmt, template="history/claim.html", data=data, twins=twins)


@bp.get("/claims/<ident>/history/<change>.nq")
def earlier_version(ident, change):
    """The claim as it was before one change (named by the change's id, which never
    moves, unlike its place in the list)."""
    kb = get_kb()
    found = next((c for c in kb.claim_history(ident)
                  if kb.iris.local_id(c.iri) == change and c.before is not None), None)
    if found is None:
        raise NotFound(f"claim {ident!r} has no change {change!r} that keeps an earlier version")
    return Response(found.before, mimetype="application/n-quads")


@bp.post("/claims/<ident>/retract")
@requires("editor")
def retract(ident):
    kb = get_kb()
    reason = read_form(("reason",)).get("reason")
    if reason is None:
        raise InputError("give the reason for retracting the claim (field 'reason')")
    change = kb.retract_claim(ident, reason[:MAX_REASON + 1], user=current_user().name)
    if wants_data():
        return {"ok": True, "claim": change.resource, "retracted": change.as_dict()}, 200
    flash("claim retracted")
    return redirect(url_for("claims.show", ident=kb.iris.local_id(change.resource) or ident), 303)
