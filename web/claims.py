"""Claims: the list (facets, full-text search, keyset pages) and one claim's page."""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from urllib.parse import quote

from flask import Blueprint, render_template, request, url_for
from markupsafe import Markup

from rdflib import URIRef

from kb.errors import NotFound
from kb.derived.claims_index import DEFAULT_SORT, FACETS, SORTS
from kb.model.iris import META

from .context import get_kb, get_settings
from .params import claim_filter, filter_args, short
from .render import PAGE_FORMATS, choose, respond, split_suffix

bp = Blueprint("claims", __name__)
# a claim page lists this many other sources' claims (conflicts first), the rest behind
# a link (?others=all): a fact that 400 sources state is not a 400-row page
OTHERS_SHOWN = 20
CLAIM_FORMATS = ("html", "json", "ttl", "jsonld", "trig")


@bp.get("/claims", defaults={"fmt": None})
@bp.get("/claims.<fmt>")
def index(fmt):
    fmt = choose(fmt, PAGE_FORMATS)
    kb = get_kb()
    f = claim_filter()
    sort = request.args.get("sort") or DEFAULT_SORT
    after = request.args.get("after") or None
    size = get_settings().page_size
    try:
        limit = min(max(int(request.args.get("limit", size)), 1), 500)
    except ValueError:
        limit = size
    page = kb.index.search(f, sort=sort, after=after, limit=limit)
    facets = kb.index.facets(f)
    args = filter_args(f)
    for name, values in facets.items():
        for v in values or ():
            v["id"] = short(v["value"]) if name in ("publisher", "article", "entity", "property") else v["value"]
    data = {
        "filters": args,
        "sort": sort,
        "total": page.total,
        "total_exact": page.total_exact,
        "claims": [_row(r) for r in page.rows],
        "next": url_for("claims.index", **args, sort=sort, after=page.next_cursor,
                        **({"limit": limit} if limit != size else {}),
                        **({"fmt": fmt} if fmt != "html" else {})) if page.next_cursor else None,
        "facets": facets,
    }
    twins = {"json": url_for("claims.index", fmt="json", **args, sort=sort,
                             **({"after": after} if after else {}))}
    partial = request.headers.get("HX-Request") and request.headers.get("HX-Target") == "browse"
    template = "claims/_browse.html" if partial else "claims/index.html"
    sidebar = facet_sidebar(kb, data) if fmt == "html" else None
    return respond(fmt, template=template, data=data, twins=twins, sorts=SORTS,
                   facet_names=list(FACETS), after=after, facet_sidebar=sidebar)


_SIDEBARS: "OrderedDict[tuple, Markup]" = OrderedDict()
_SIDEBARS_MAX = 512
_SIDEBARS_LOCK = threading.Lock()


def facet_sidebar(kb, data: dict) -> Markup:
    """The facet sidebar's HTML. Its links keep every query argument but ``after``, and
    its counts change only with the index, so it is rendered once per (index
    generation, arguments) and reused: rendering its ~100 links was 40% of a list page."""
    args = tuple(sorted((k, tuple(v)) for k, v in request.args.lists() if k != "after"))
    key = (id(kb.index), kb.index.generation, request.script_root, request.path, args)
    with _SIDEBARS_LOCK:
        cached = _SIDEBARS.get(key)
        if cached is not None:
            _SIDEBARS.move_to_end(key)
            return cached
    html = Markup(render_template("claims/_facets.html", data=data,
                                  facet_names=list(FACETS)))
    with _SIDEBARS_LOCK:
        _SIDEBARS[key] = html
        while len(_SIDEBARS) > _SIDEBARS_MAX:
            _SIDEBARS.popitem(last=False)
    return html


def claim_url(ident: str) -> str:
    """/claims/<ident>, without url_for's cost for every row of a list (the rule has
    no converter, so quoting the id is all url_for would do)."""
    return f"{request.script_root}/claims/{quote(ident, safe='')}"


def _row(r: dict) -> dict:
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


@bp.get("/claims/<ident>")
def show(ident):
    ident, suffix = split_suffix(ident, CLAIM_FORMATS)
    fmt = choose(suffix, CLAIM_FORMATS)
    kb = get_kb()
    view = kb.claim_view(ident)          # NotFound → 404
    iri = view["claim"]

    def rdf(kind):
        if kind == "jsonld":
            return kb.claim_jsonld(iri)
        ds = kb.claim_dataset(kb.claim_iri(iri))
        return ds if kind == "trig" else ds.graph(META)

    if fmt in ("ttl", "jsonld", "trig"):
        return respond(fmt, template="", data={}, rdf=rdf)
    this, verdicts, status = kb.compare_claim_status(iri)
    total = len(verdicts)
    if fmt == "html" and request.args.get("others") != "all":
        verdicts = verdicts[:OTHERS_SHOWN]     # conflicts first: the rest behind a link
    others = []
    rows = kb.index.get_many([v.b for v in verdicts])
    for v in verdicts:
        row = rows.get(v.b)
        item = v.as_dict()
        item["other"] = _row(row) if row else {"claim": v.b, "id": short(v.b),
                                               "url": url_for("claims.show", ident=short(v.b))}
        others.append(item)
    data = dict(view)
    data["comparison"] = others
    data["status"] = status
    data["comparison_total"] = total
    if len(others) < total:
        data["comparison_all"] = url_for("claims.show", ident=short(iri), others="all") + "#others"
    data["interval"] = _interval(view)
    text = None
    if view.get("quote") and view["quote"].get("source"):
        try:
            text = kb.version_text(URIRef(view["quote"]["source"]))
        except NotFound:  # the quote's text version is gone: shown as missing
            text = None
    twins = {f: url_for("claims.show", ident=f"{short(iri)}.{f}") for f in CLAIM_FORMATS if f != "html"}
    return respond(fmt, template="claims/show.html", data=data, twins=twins,
                   article_text=text, row=kb.index.get(iri))


def _words(name: str) -> str:
    """"MoreThan" → "more than"."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


def _interval(view: dict) -> dict | None:
    for entry in view.get("content", []):
        value = entry.get("value")
        if isinstance(value, dict):
            unit = value.get("unitText") or ("" if value.get("unitCode") == "C62" else value.get("unitCode"))
            bound = value.get("bound")
            return {"value": value.get("value"), "unit": unit or None,
                    "bound": _words(bound.rsplit("#", 1)[-1]) if bound else None,
                    "min": value.get("minValue"), "max": value.get("maxValue"),
                    "min_exclusive": value.get("minExclusive") == "true",
                    "max_exclusive": value.get("maxExclusive") == "true",
                    "surface": value.get("surfaceText")}
    return None
