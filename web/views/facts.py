"""A fact's dossier (issue #17 item 2): ``/facts/<subject>/<property>`` (each an id or a
name as people type it: a label or alias, any case, accents or dashes), or
``/facts?subject=&property=`` for IRIs; ``?scope=`` (an entity) and ``?time=``
("2021-07-05", "2021-07", "2021-07-01/2021-07-10") narrow it. Every source's value side
by side, grouped by value, with the speaker, modality, dates, the publisher's
ratings and the fact-checks (the desk's verdict, imported ClaimReviews); the discrepancies (conflicts first, then values that changed over time,
different or unstated scopes, partial support) with their reasons; and the fact's
chart. A ``.json`` twin; an unknown subject or property is a 404."""
from __future__ import annotations

from flask import Blueprint, request

from kb.errors import InputError

from ..context import get_kb
from ..presenters.facts import dossier_page, dossier_url, fact_charts, fact_check_list
from ..render import PAGE_FORMATS, choose, respond, split_suffix

bp = Blueprint("facts", __name__)
# verdicts listed (conflicts first): a fact a hundred sources state has thousands of
# pairs; the counts cover them all
PAIRS_SHOWN = 200


@bp.get("/facts/<subject>/<prop>")
def show(subject: str, prop: str):
    prop, suffix = split_suffix(prop, PAGE_FORMATS)
    return _dossier(choose(suffix, PAGE_FORMATS), subject, prop)


@bp.get("/facts", defaults={"fmt": None})
@bp.get("/facts.<fmt>")
def lookup(fmt):
    subject = (request.args.get("subject") or "").strip()
    prop = (request.args.get("property") or "").strip()
    if not subject or not prop:
        raise InputError("a fact is a subject and a property: /facts/<subject>/<property>, "
                         "or /facts?subject=…&property=…")
    return _dossier(choose(fmt, PAGE_FORMATS), subject, prop)


def _dossier(fmt: str, subject: str, prop: str):
    scope = (request.args.get("scope") or "").strip() or None
    time = (request.args.get("time") or "").strip() or None
    kb = get_kb()
    d = kb.fact_dossier(subject, prop, scope=scope, time=time)   # NotFound → 404
    iris = [c["claim"] for c in d.claims]
    checks = fact_check_list(*kb.fact_checks.on_claims(iris))
    data = dossier_page(d, pairs_shown=PAIRS_SHOWN, fact_checks=checks)
    twins = {"json": dossier_url(d.subject, d.property, scope=d.scope, time=d.time, fmt="json")}
    if fmt != "html":
        return respond(fmt, template="facts/show.html", data=data, twins=twins)
    return respond(fmt, template="facts/show.html", data=data, twins=twins,
                   charts=fact_charts(data), typed={"scope": scope or "", "time": time or ""})
