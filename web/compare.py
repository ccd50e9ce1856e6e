"""The KB-wide comparison report: facts several sources speak about, conflicts first,
filterable like the claims list (subject, property, source, verdict)."""
from __future__ import annotations

from flask import Blueprint, request, url_for

from kb.services.compare import COUNTED

from .context import get_kb
from .params import resolve, short
from .render import PAGE_FORMATS, choose, respond

bp = Blueprint("compare", __name__)
FACTS_PER_PAGE = 20
# verdict pairs shown per fact (the most severe first): a fact many sources speak about
# has thousands of pairs (at 10k synthetic claims, 20 facts made 28.5 MB of HTML and
# queued every other page behind them under load); the rest are a page of their own
PAIRS_PER_FACT = 10
PAIRS_PER_PAGE = 100


@bp.get("/compare", defaults={"fmt": None})
@bp.get("/compare.<fmt>")
def index(fmt):
    fmt = choose(fmt, PAGE_FORMATS)
    kb = get_kb()
    filters = {k: (request.args.get(k) or "").strip() or None
               for k in ("subject", "property", "source", "verdict")}
    page = _positive(request.args.get("page"))
    pairs_page = _positive(request.args.get("pairs_page"))
    one_fact = bool(filters["subject"] and filters["property"])
    per_fact = PAIRS_PER_PAGE if one_fact else PAIRS_PER_FACT
    query = {"subject": resolve("entities", filters["subject"]) if filters["subject"] else None,
             "prop": resolve("properties", filters["property"]) if filters["property"] else None,
             "source": filters["source"], "verdict": filters["verdict"]}
    total = kb.comparison_counts(**query)["facts"]
    shown = kb.comparison_report(**query, limit=FACTS_PER_PAGE, offset=(page - 1) * FACTS_PER_PAGE)
    out = []
    for fact in shown:
        every = fact.verdicts
        start = (pairs_page - 1) * per_fact if one_fact else 0
        verdicts = every[start:start + per_fact]
        named = {x for v in verdicts for x in (v.a, v.b)}
        facts_claims = [c for c in fact.claims if c.claim in named] or fact.claims[:1]
        rows = {c.claim: kb.index.get(c.claim) or {} for c in facts_claims}
        first = next(iter(rows.values()), {})
        claims = []
        for c in facts_claims:
            r = rows[c.claim]
            claims.append({"claim": c.claim, "id": short(c.claim),
                           "url": url_for("claims.show", ident=short(c.claim)),
                           "source": r.get("publisher_name") or r.get("article_title") or short(c.source),
                           "value": r.get("value_text") or c.surface or c.object,
                           "when": c.when, "published": r.get("published") or None})
        by_id = {c["claim"]: c for c in claims}
        fact_args = {"subject": short(fact.subject), "property": short(fact.property)}
        more = start + len(verdicts) < len(every)
        out.append({
            "subject": fact.subject, "subject_label": first.get("subject_label") or short(fact.subject),
            "subject_url": url_for("entities.entity", ident=short(fact.subject)),
            "property": fact.property, "property_label": first.get("property_label") or short(fact.property),
            "scope": fact.scope, "sources": fact.sources, "status": fact.status,
            "counts": {v: fact.count(v) for v in COUNTED},
            "claims": claims,
            "claims_total": len(fact.claims), "pairs_total": len(every),
            "pairs_from": start + 1 if verdicts else 0, "pairs_to": start + len(verdicts),
            "verdicts": [v.as_dict() | {"a_claim": by_id.get(v.a), "b_claim": by_id.get(v.b)}
                         for v in verdicts],
            "more_pairs": (url_for("compare.index", **fact_args, **_keep(filters),
                                   pairs_page=(pairs_page + 1) if one_fact else 1)
                           if more else None),
            "earlier_pairs": (url_for("compare.index", **fact_args, **_keep(filters),
                                      pairs_page=pairs_page - 1)
                              if one_fact and pairs_page > 1 else None),
        })
    args = {k: v for k, v in filters.items() if v}
    data = {
        "filters": args, "total": total, "page": page, "facts": out,
        "next": url_for("compare.index", **args, page=page + 1) if page * FACTS_PER_PAGE < total else None,
        "previous": url_for("compare.index", **args, page=page - 1) if page > 1 else None,
    }
    return respond(fmt, template="compare/index.html", data=data,
                   twins={"json": url_for("compare.index", fmt="json", **args, page=page)})


def _positive(raw: str | None) -> int:
    """A page number from the query string: 1 for anything that is not a number ≥ 1."""
    try:
        return max(int(raw or 1), 1)
    except ValueError:
        return 1


def _keep(filters: dict) -> dict:
    """The filters a fact's own pages keep (the source and verdict ones)."""
    return {k: v for k, v in filters.items() if v and k in ("source", "verdict")}
