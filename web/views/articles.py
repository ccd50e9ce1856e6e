"""Articles (the sources): the list, and one article with its stored text, every claim
span highlighted and linked, its annotations, its suggested claims (computed once per
page: web/views/suggestions.py has their own page and actions), and its text versions."""
from __future__ import annotations

from flask import Blueprint, request, url_for
from rdflib import URIRef

from ..auth import current_user
from ..context import get_kb, get_settings
from ..presenters.annotations import article_panel
from ..presenters.articles import article_page, article_rows, claim_spans, publisher_of
from ..presenters.suggestions import suggestion_spans, suggestions_page
from ..render import PAGE_FORMATS, RESOURCE_FORMATS, choose, respond, split_suffix

bp = Blueprint("articles", __name__)


@bp.get("/articles", defaults={"fmt": None})
@bp.get("/articles.<fmt>")
def index(fmt):
    fmt = choose(fmt, PAGE_FORMATS)
    kb = get_kb()
    after = request.args.get("after") or None
    size = get_settings().page_size
    rows = kb.list_articles(after=after, limit=size + 1)
    more = len(rows) > size
    rows = article_rows(rows[:size])
    data = {"articles": rows,
            "next": url_for("articles.index", after=rows[-1]["id"], **({"fmt": fmt} if fmt != "html" else {}))
            if more else None}
    return respond(fmt, template="articles/index.html", data=data,
                   twins={"json": url_for("articles.index", fmt="json", **request.args)}, after=after)


@bp.get("/articles/<path:ident>")
def show(ident):
    ident, suffix = split_suffix(ident)
    fmt = choose(suffix, RESOURCE_FORMATS)
    kb = get_kb()
    view = kb.article_view(ident)   # NotFound → 404

    def rdf(kind):
        return kb.describe(URIRef(view["article"]))

    if fmt in ("ttl", "jsonld"):
        return respond(fmt, template="", data={}, rdf=rdf)
    claim_rows = kb.index.claims_of_article(view["article"])
    data = article_page(view, claim_rows)
    twins = {f: url_for("articles.show", ident=f"{view['id']}.{f}") for f in RESOURCE_FORMATS if f != "html"}
    spans = claim_spans(view)
    annotations = suggested = None
    if fmt == "html" and view["text"]:
        annotations = article_panel(kb.annotations, view["article"], request.args,
                                    base_iri=kb.settings.base_iri, user=current_user())
        result = kb.suggest_claims(view["article"])      # once per page: ~0.1 s per 1,000 words, then cached
        suggested = suggestions_page(result, article_id=view["id"] or ident,
                                     claim_spans=view["spans"])
        spans = suggestion_spans(result) + spans   # first: the outer marks, claims inside
    spans += annotations["spans"] if annotations else []   # highlighted too
    return respond(fmt, template="articles/show.html", data=data, twins=twins, spans=spans,
                   publisher_iri=publisher_of(claim_rows), annotations=annotations,
                   suggested=suggested)
