"""Claims as the list and the claim page show them."""
from __future__ import annotations

import re
from urllib.parse import quote

from flask import request, url_for

from ..params import short

# facets whose values are resources, shown by their short id
RESOURCE_FACETS = ("publisher", "article", "entity", "property")


def claim_url(ident: str) -> str:
    """/claims/<ident>, without url_for's cost for every row of a list (the rule has
    no converter, so quoting the id is all url_for would do)."""
    return f"{request.script_root}/claims/{quote(ident, safe='')}"


def claim_row(r: dict) -> dict:
    """One claim of a list (a row of kb.index: search, get, get_many)."""
    ident = short(r["iri"])
    out = {
        "id": ident, "claim": r["iri"], "url": claim_url(ident),
        "statement": r["statement"], "quote": r["quote"], "modality": r["modality"],
        "article": r["article"], "article_title": r["article_title"],
        "publisher": r["publisher"] or None, "publisher_name": r["publisher_name"],
        "published": r["published"] or None,
        "about": {"earliest": r["about_earliest"], "latest": r["about_latest"]} if r["about_earliest"] else None,
        "subject": r["subject"] or None, "subject_label": r["subject_label"],
        "property": r["property"] or None, "property_label": r["property_label"],
        "value": r["value_text"], "speaker": r["speaker"], "speaker_name": r["speaker_name"],
        "verdict": r["verdict"] or None, "retracted": bool(r["retracted"]),
    }
    for key in ("statement_marked", "quote_marked", "labels_marked"):
        if r.get(key):
            out[key] = r[key]
    return out


def claim_list(page, facets: dict, args: dict, *, sort: str, next_url: str | None) -> dict:
    """The claims list: a page of kb.index.search, its facets (each value given its id
    for links: a short id for resources), the active filters."""
    for name, values in facets.items():
        for v in values or ():
            v["id"] = short(v["value"]) if name in RESOURCE_FACETS else v["value"]
    return {
        "filters": args,
        "sort": sort,
        "total": page.total,
        "total_exact": page.total_exact,
        "claims": [claim_row(r) for r in page.rows],
        "next": next_url,
        "facets": facets,
    }


def claim_page(view: dict, verdicts: list, status: str | None, total: int, rows: dict,
               *, all_url: str | None) -> dict:
    """The claim page's data: kb.claim_view's, with what other sources say (``verdicts``
    of kb.compare_claim_status, shown ones only; ``rows``: the other claims' index rows),
    the claim's status, and its value's interval. ``all_url``: the page with every
    other claim, when some are not shown."""
    others = []
    for v in verdicts:
        row = rows.get(v.b)
        item = v.as_dict()
        item["other"] = claim_row(row) if row else {"claim": v.b, "id": short(v.b),
                                                    "url": url_for("claims.show", ident=short(v.b))}
        others.append(item)
    data = dict(view)
    data["comparison"] = others
    data["status"] = status
    data["comparison_total"] = total
    if len(others) < total and all_url:
        data["comparison_all"] = all_url
    data["interval"] = interval(view)
    return data


def interval(view: dict) -> dict | None:
    """The normalised value of a claim's quantity (its interval, its bound in words)."""
    for entry in view.get("content", []):
        value = entry.get("value")
        if isinstance(value, dict):
            unit = value.get("unitText") or ("" if value.get("unitCode") == "C62" else value.get("unitCode"))
            bound = value.get("bound")
            return {"value": value.get("value"), "unit": unit or None,
                    "bound": words(bound.rsplit("#", 1)[-1]) if bound else None,
                    "min": value.get("minValue"), "max": value.get("maxValue"),
                    "min_exclusive": value.get("minExclusive") == "true",
                    "max_exclusive": value.get("maxExclusive") == "true",
                    "surface": value.get("surfaceText")}
    return None


def words(name: str) -> str:
    """"MoreThan" → "more than"."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()
