"""Claims as the list and the claim page show them."""
from __future__ import annotations

import re
from urllib.parse import quote, urlencode

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


class ListLinks:
    """URLs of the claims list with some query arguments changed: its filters
    (``filters``: name → values, in their query-string form), the other arguments it
    keeps (``keep``: sort, limit, more, facet_q) and none of ``after`` unless given.
    Built from the request's own path (``/claims`` or ``/claims.json``), without
    url_for: a list page builds one per facet value."""

    def __init__(self, filters: dict[str, list[str]], keep: dict[str, str], path: str | None = None):
        self.filters = filters
        self.keep = keep
        self.path = path or request.script_root + request.path

    def url(self, path: str | None = None, **changes) -> str:
        """The list's URL with ``changes`` (a value, a list of values, or None to drop)."""
        args = {**{k: list(v) for k, v in self.filters.items()}, **{k: [v] for k, v in self.keep.items()}}
        for key, value in changes.items():
            if value is None or value == []:
                args.pop(key, None)
            else:
                args[key] = list(value) if isinstance(value, (list, tuple)) else [value]
        query = urlencode([(k, v) for k, values in args.items() for v in values])
        path = path or self.path
        return f"{path}?{query}" if query else path

    def toggle(self, name: str, value: str) -> str:
        """The list with ``value`` added to the filter ``name``, or taken off it when
        chosen already (the first page)."""
        values = self.filters.get(name, [])
        return self.url(**{name: [v for v in values if v != value] if value in values else [*values, value]})

    def fields(self, *leave_out: str) -> list[tuple[str, str]]:
        """The (name, value) pairs of the list's arguments but ``leave_out``, as a GET
        form's hidden fields."""
        args = {**self.filters, **{k: [v] for k, v in self.keep.items()}}
        return [(k, v) for k, values in args.items() if k not in leave_out for v in values]


def claim_list(page, facets: dict, links: ListLinks, *, sort: str, more: str | None = None,
               facet_q: str | None = None) -> dict:
    """The claims list: a page of kb.index.search, its facets (kb.index.facet_lists:
    each value given its id for links, a short id for resources, and the URL that
    adds it to the filter or takes it off), the active filters (each with the URL
    without it), the sort asked for and the one the page is in. A filter with one value
    is a string, with several a list (the query string's form)."""
    out_facets, more_urls = {}, {}
    for name, facet in facets.items():
        values = facet["values"]
        for v in values or ():
            v["id"] = short(v["value"]) if name in RESOURCE_FACETS else v["value"]
            v["url"] = links.toggle(name, v["id"])
        out_facets[name] = values
        more_urls[name] = (links.url(more=name, facet_q=None) + f"#facet-{name}"
                           if facet["more"] and name != more else None)
    active = [{"name": name, "value": value, "remove": links.toggle(name, value)}
              for name, values in links.filters.items() for value in values]
    data = {
        "filters": {k: v[0] if len(v) == 1 else list(v) for k, v in links.filters.items()},
        "active": active,
        "sort": sort,
        "sorted_by": page.sort,
        "sort_note": page.note,
        "total": page.total,
        "total_exact": page.total_exact,
        "claims": [claim_row(r) for r in page.rows],
        "next": links.url(after=page.next_cursor) if page.next_cursor else None,
        "facets": out_facets,
        "facets_more": more_urls,
        "more": more,
    }
    if more:
        data["facet_q"] = facet_q
        data["more_capped"] = bool(facets[more]["more"])
        data["fewer"] = links.url(more=None, facet_q=None) + f"#facet-{more}"
    return data


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
