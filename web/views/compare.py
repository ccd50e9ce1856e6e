"""The KB-wide comparison report: facts several sources speak about, conflicts first,
filterable like the claims list (subject, property, source, verdict). The filters take
names as people type them (a label or alias, any case, accents or dashes), ids or IRIs.
One row per fact: its values at a glance and a link to its dossier (web/views/facts.py);
its pairs behind "details"."""
from __future__ import annotations

from flask import Blueprint, request, url_for

from ..context import get_kb
from ..params import resolve_name
from ..presenters.compare import fact_row, glance, shown_pairs
from ..render import PAGE_FORMATS, choose, respond

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
    query = {"subject": resolve_name("entities", filters["subject"]) if filters["subject"] else None,
             "prop": resolve_name("properties", filters["property"]) if filters["property"] else None,
             "source": filters["source"], "verdict": filters["verdict"]}
    total = kb.comparison_counts(**query)["facts"]
    shown = kb.comparison_report(**query, limit=FACTS_PER_PAGE, offset=(page - 1) * FACTS_PER_PAGE)
    start = (pairs_page - 1) * per_fact if one_fact else 0
    out = []
    for fact in shown:
        verdicts, claims = shown_pairs(fact, start=start, per_fact=per_fact)
        values = glance(fact)
        rows = kb.index.get_many([c.claim for c in claims] + [m[0].claim for _, m in values])
        out.append(fact_row(fact, verdicts, claims, rows, start=start, one_fact=one_fact,
                            pairs_page=pairs_page, filters=filters, values=values))
    args = {k: v for k, v in filters.items() if v}
    data = {
        "filters": args, "total": total, "page": page, "facts": out,
        "next": url_for("compare.index", **args, page=page + 1) if page * FACTS_PER_PAGE < total else None,
        "previous": url_for("compare.index", **args, page=page - 1) if page > 1 else None,
    }
    return respond(fmt, template="compare/index.html", data=data,
                   twins={"json": url_for("compare.index", fmt="json", **args, page=page)})


MAX_PAGE = 1_000_000   # beyond, an offset SQLite cannot take (OverflowError): the last page there is


def _positive(raw: str | None) -> int:
    """A page number from the query string: 1 for anything that is not a number ≥ 1,
    at most MAX_PAGE."""
    try:
        return min(max(int(raw or 1), 1), MAX_PAGE)
    except ValueError:
        return 1
