"""Claims: the list (facets, full-text search, keyset pages) and one claim's page."""
from __future__ import annotations

import threading
from collections import OrderedDict

from flask import Blueprint, render_template, request, url_for
from markupsafe import Markup
from rdflib import URIRef

from kb.derived.claims_index import (
    FACET_MORE_LIMIT, FACETS, MULTI, ClaimFilter, sort_name)
from kb.errors import InputError, NotFound
from kb.model.iris import META

from ..auth import current_user
from ..context import get_kb, get_settings
from ..params import CLAIM_FILTERS, resolve, short
from ..presenters.feeds import feed_links
from ..presenters import annotations as annotation_cards
from ..presenters.claims import ListLinks, claim_list, claim_page
from ..render import PAGE_FORMATS, choose, respond, split_suffix
from .reliability import claim_ratings
from .fact_checks import claim_fact_checks

bp = Blueprint("claims", __name__)
# a claim page lists this many other sources' claims (conflicts first), the rest behind
# a link (?others=all): a fact that 400 sources state is not a 400-row page
OTHERS_SHOWN = 20
CLAIM_FORMATS = ("html", "json", "ttl", "jsonld", "trig")
# the most values of one filter the list takes (?publisher=a&publisher=b…)
MAX_VALUES = 50


@bp.get("/claims", defaults={"fmt": None})
@bp.get("/claims.<fmt>")
def index(fmt):
    """The claims list: ``?publisher=a&publisher=b`` (several values of a facet: any of
    them; different facets: all), ``q``, ``sort`` (SORT_NAMES: ``date``, ``relevance``
    with search words, ``severity``…), keyset ``after``, ``limit``, and ``more=<facet>``
    (with ``facet_q``: its values by name) to list more of one facet's values."""
    fmt = choose(fmt, PAGE_FORMATS)
    kb = get_kb()
    f, filters = list_filter()
    asked = request.args.get("sort") or None
    sort = sort_name(asked)                   # InputError → 400
    after = request.args.get("after") or None
    size = get_settings().page_size
    try:
        limit = min(max(int(request.args.get("limit", size)), 1), 500)
    except ValueError:
        limit = size
    more = request.args.get("more") or None
    facet_q = ((request.args.get("facet_q") or "").strip()[:100] or None) if more else None
    page = kb.index.search(f, sort=sort, after=after, limit=limit)
    facets = kb.index.facet_lists(f, more=more, more_limit=FACET_MORE_LIMIT, value_q=facet_q)
    keep = {"sort": sort} if asked else {}
    if limit != size:
        keep["limit"] = str(limit)
    if more:
        keep["more"] = more
    if facet_q:
        keep["facet_q"] = facet_q
    links = ListLinks(filters, keep)
    data = claim_list(page, facets, links, sort=sort, more=more, facet_q=facet_q)
    twins = {"json": links.url(path=url_for("claims.index", fmt="json"), after=after)}
    partial = request.headers.get("HX-Request") and request.headers.get("HX-Target") == "browse"
    template = "claims/_browse.html" if partial else "claims/index.html"
    sidebar = facet_sidebar(kb, data, links) if fmt == "html" else None
    scope = {k: filters[k][0] for k in ("entity", "publisher") if len(filters.get(k, ())) == 1}
    return respond(fmt, template=template, data=data, twins=twins,
                   facet_names=list(FACETS), after=after, facet_sidebar=sidebar,
                   feeds=feed_links(**scope) if len(scope) <= 1 else feed_links())


def list_filter(args=None) -> tuple[ClaimFilter, dict[str, list[str]]]:
    """The list's filter from the query string (each facet's values repeated:
    ``?publisher=a&publisher=b``; short ids or IRIs) and its query-string form (short
    ids, one list per filter), for permalinks and facet links."""
    args = request.args if args is None else args
    values: dict = {}
    for name, kind in CLAIM_FILTERS.items():
        raw = [v.strip() for v in args.getlist(name) if v.strip()]
        if not raw:
            continue
        if len(raw) > MAX_VALUES:
            raise InputError(f"at most {MAX_VALUES} values of {name!r} at once, got {len(raw)}")
        if name not in MULTI:
            raw = raw[:1]
        resolved = [resolve(kind, v) if kind else v for v in raw]
        values[name] = tuple(resolved) if name in MULTI else resolved[0]
    f = ClaimFilter(**values)
    filters = {}
    for name, value in f.active().items():
        items = value if isinstance(value, tuple) else (value,)
        filters[name] = [short(v) if CLAIM_FILTERS.get(name) else v for v in items]
    return f, filters


_SIDEBARS: "OrderedDict[tuple, Markup]" = OrderedDict()
_SIDEBARS_MAX = 512
_SIDEBARS_LOCK = threading.Lock()


def facet_sidebar(kb, data: dict, links: ListLinks) -> Markup:
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
    html = Markup(render_template("claims/_facets.html", data=data, facet_names=list(FACETS),
                                  more_fields=links.fields("facet_q", "after"),
                                  more_action=links.path))
    with _SIDEBARS_LOCK:
        _SIDEBARS[key] = html
        while len(_SIDEBARS) > _SIDEBARS_MAX:
            _SIDEBARS.popitem(last=False)
    return html


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
    rows = kb.index.get_many([v.b for v in verdicts])
    data = claim_page(view, verdicts, status, total, rows,
                      all_url=url_for("claims.show", ident=short(iri), others="all") + "#others")
    data["fact_check"] = claim_fact_checks(iri)
    twins = {f: url_for("claims.show", ident=f"{short(iri)}.{f}") for f in CLAIM_FORMATS if f != "html"}
    if fmt != "html":
        return respond(fmt, template="claims/show.html", data=data, twins=twins)
    text = None
    if view.get("quote") and view["quote"].get("source"):
        try:
            text = kb.version_text(URIRef(view["quote"]["source"]))
        except NotFound:  # the quote's text version is gone: shown as missing
            text = None
    notes = annotation_cards.notes_on(kb.annotations, iri, base_iri=kb.settings.base_iri,
                                      user=current_user())
    return respond(fmt, template="claims/show.html", data=data, twins=twins,
                   article_text=text, row=kb.index.get(iri), ratings=claim_ratings(view),
                   fact_checks=data["fact_check"],
                   notes=notes)
