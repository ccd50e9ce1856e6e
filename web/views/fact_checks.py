"""Fact-checkers' verdicts on claims (kb/services/fact_checks.py, docs/fact-checks.md).

* ``GET /claims/<id>/review``: the claim's current verdict, the ClaimReviews imported
  with it and every earlier verdict (who, when, what), with the form for editors;
  ``.json`` (the same data) and ``.jsonld`` (the schema.org ClaimReview markup: the
  current verdict and the imported reviews; 404 when there is none).
* ``POST /claims/<id>/review`` (editor, CSRF): record the desk's verdict — form fields
  ``value`` (1–5), ``alternate_name`` (the organisation's wording, optional),
  ``summary``, ``evidence`` (URLs and claim ids, one per line) — or the same as a JSON
  object. A browser is sent back (303) to the claim page; an API client gets 201 and
  the verdict. Bad input: the form again with the message and what was typed (400).
* ``POST /claims/<id>/review/withdraw`` (editor, CSRF): withdraw the current verdict.

The claim page shows the verdict with :func:`claim_fact_checks` (its view passes it
to the template).
"""
from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, url_for

from kb.errors import InputError, KBError
from kb.services import fact_checks

from ..auth import current_user, requires
from ..context import get_kb
from ..forms import read_form
from ..params import short
from ..render import choose, respond, wants_data

bp = Blueprint("fact_checks", __name__)

FIELDS = ("value", "alternate_name", "summary", "evidence")
REVIEW_FORMATS = ("html", "json", "jsonld")


def _page_data(ident: str) -> dict:
    kb = get_kb()
    view = kb.claim_view(ident)                      # NotFound → 404
    verdicts = kb.fact_checks.for_claim(view["claim"])
    return {"claim": view["claim"], "id": short(view["claim"]),
            "statement": (view.get("quote") or {}).get("exact") or view.get("statement"),
            "publisher": view.get("publisher"), "published": view.get("published"),
            **verdicts.as_dict()}


@bp.get("/claims/<ident>/review", defaults={"fmt": None})
@bp.get("/claims/<ident>/review.<fmt>")
def show(ident: str, fmt):
    fmt = choose(fmt, REVIEW_FORMATS)
    if fmt == "jsonld":
        kb = get_kb()
        return respond(fmt, template="", data={}, rdf=lambda _: kb.claim_review_jsonld(ident))
    data = _page_data(ident)
    shown = ("json", "jsonld") if data["current"] or data["imported"] else ("json",)   # .jsonld: 404 without
    twins = {f: url_for("fact_checks.show", ident=data["id"], fmt=f) for f in shown}
    return respond(fmt, template="fact_checks/page.html", data=data, twins=twins)


@bp.post("/claims/<ident>/review")
@requires("editor")
def create(ident: str):
    """Record the desk's verdict on the claim (form fields or a JSON object)."""
    kb = get_kb()
    form: dict = {}
    try:
        form = read_form(FIELDS, numbers=True)
        done = kb.fact_checks.record(ident, user=current_user(), value=form.get("value", ""),
                                     summary=form.get("summary", ""),
                                     evidence=form.get("evidence", ""),
                                     alternate_name=form.get("alternate_name"))
    except InputError as exc:
        if wants_data():
            raise
        data = _page_data(ident)
        return respond("html", template="fact_checks/page.html", data=data, twins={},
                       error=exc.message, verdict_form=form, status=400)
    ident = short(done.claim)
    location = url_for("fact_checks.show", ident=ident, fmt="json")
    if wants_data():
        return {"ok": True, "verdict": done.as_dict(), "url": location}, 201, {"Location": location}
    flash(f"Verdict recorded: {done.alternate_name} ({done.value}/{done.best}).")
    return redirect(url_for("claims.show", ident=ident) + "#fact-check", 303)


@bp.post("/claims/<ident>/review/withdraw")
@requires("editor")
def withdraw(ident: str):
    """Withdraw the claim's current verdict (it stays in the history)."""
    done = get_kb().fact_checks.withdraw(ident, user=current_user())
    if wants_data():
        return {"ok": True, "verdict": done.as_dict()}, 200
    flash("The verdict is withdrawn; it stays in the history.")
    return redirect(url_for("claims.show", ident=short(done.claim)) + "#fact-check", 303)


def claim_fact_checks(claim: str) -> dict | None:
    """The verdicts on a claim (ClaimVerdicts.as_dict) for its page; None on a store error."""
    try:
        return get_kb().fact_checks.for_claim(claim).as_dict()
    except KBError:
        return None


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals.update(truth_scale=fact_checks.scale)


__all__ = ["bp", "claim_fact_checks", "init_app"]
