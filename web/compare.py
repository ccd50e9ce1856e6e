"""The KB-wide comparison report: facts several sources speak about, conflicts first,
filterable like the claims list (subject, property, source, verdict)."""
from __future__ import annotations

from flask import Blueprint, request, url_for

from .context import get_kb
from .params import resolve, short
from .render import PAGE_FORMATS, choose, respond

bp = Blueprint("compare", __name__)
FACTS_PER_PAGE = 20


@bp.get("/compare", defaults={"fmt": None})
@bp.get("/compare.<fmt>")
def index(fmt):
    fmt = choose(fmt, PAGE_FORMATS)
    kb = get_kb()
    filters = {k: (request.args.get(k) or "").strip() or None
               for k in ("subject", "property", "source", "verdict")}
    try:
        page = max(int(request.args.get("page", 1)), 1)
    except ValueError:
        page = 1
    query = {"subject": resolve("entities", filters["subject"]) if filters["subject"] else None,
             "prop": resolve("properties", filters["property"]) if filters["property"] else None,
             "source": filters["source"], "verdict": filters["verdict"]}
    total = kb.comparison_counts(**query)["facts"]
    shown = kb.comparison_report(**query, limit=FACTS_PER_PAGE, offset=(page - 1) * FACTS_PER_PAGE)
    out = []
    for fact in shown:
        rows = {c.claim: kb.index.get(c.claim) or {} for c in fact.claims}
        first = next(iter(rows.values()), {})
        claims = []
        for c in fact.claims:
            r = rows[c.claim]
            claims.append({"claim": c.claim, "id": short(c.claim),
                           "url": url_for("claims.show", ident=short(c.claim)),
                           "source": r.get("publisher_name") or r.get("article_title") or short(c.source),
                           "value": r.get("value_text") or c.surface or c.object,
                           "when": c.when, "published": r.get("published") or None})
        by_id = {c["claim"]: c for c in claims}
        out.append({
            "subject": fact.subject, "subject_label": first.get("subject_label") or short(fact.subject),
            "subject_url": url_for("entities.entity", ident=short(fact.subject)),
            "property": fact.property, "property_label": first.get("property_label") or short(fact.property),
            "scope": fact.scope, "sources": fact.sources,
            "counts": {v: fact.count(v) for v in ("conflict", "compatible", "agree")},
            "claims": claims,
            "verdicts": [v.as_dict() | {"a_claim": by_id.get(v.a), "b_claim": by_id.get(v.b)}
                         for v in fact.verdicts],
        })
    args = {k: v for k, v in filters.items() if v}
    data = {
        "filters": args, "total": total, "page": page, "facts": out,
        "next": url_for("compare.index", **args, page=page + 1) if page * FACTS_PER_PAGE < total else None,
        "previous": url_for("compare.index", **args, page=page - 1) if page > 1 else None,
    }
    return respond(fmt, template="compare/index.html", data=data,
                   twins={"json": url_for("compare.index", fmt="json", **args, page=page)})
