"""Claims: the list (facets, full-text search, keyset pages) and one claim's page."""
from __future__ import annotations

import threading
from collections import OrderedDict

from flask import Blueprint, render_template, request, url_for
from markupsafe import Markup
from rdflib import URIRef

from kb.derived.claims_index import DEFAULT_SORT, FACETS, SORTS
from kb.errors import NotFound
from kb.model.iris import META

from ..auth import current_user
from ..context import get_kb, get_settings
from ..params import claim_filter, filter_args, short
from ..presenters.feeds import feed_links
from ..presenters import annotations as annotation_cards
from ..presenters.claims import claim_list, claim_page
from ..render import PAGE_FORMATS, choose, respond, split_suffix
from .reliability import claim_ratings

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
    next_url = url_for("claims.index", **args, sort=sort, after=page.next_cursor,
                       **({"limit": limit} if limit != size else {}),
                       **({"fmt": fmt} if fmt != "html" else {})) if page.next_cursor else None
    data = claim_list(page, facets, args, sort=sort, next_url=next_url)
    twins = {"json": url_for("claims.index", fmt="json", **args, sort=sort,
                             **({"after": after} if after else {}))}
    partial = request.headers.get("HX-Request") and request.headers.get("HX-Target") == "browse"
    template = "claims/_browse.html" if partial else "claims/index.html"
    sidebar = facet_sidebar(kb, data) if fmt == "html" else None
    scope = {k: args[k] for k in ("entity", "publisher") if args.get(k)}
    return respond(fmt, template=template, data=data, twins=twins, sorts=SORTS,
                   facet_names=list(FACETS), after=after, facet_sidebar=sidebar,
                   feeds=feed_links(**scope) if len(scope) <= 1 else feed_links())


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
                   notes=notes)
