"""Articles (the sources): the list, and one article with its stored text, every claim
span highlighted and linked, and its text versions."""
from __future__ import annotations

from flask import Blueprint, request, url_for
from rdflib import URIRef

from .annotate import article_panel
from .context import get_kb, get_settings
from .params import short
from .render import PAGE_FORMATS, RESOURCE_FORMATS, choose, respond, split_suffix

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
    rows = rows[:size]
    for r in rows:
        r["url_page"] = url_for("articles.show", ident=r["id"] or r["article"])
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
    rows = {r["iri"]: r for r in kb.index.claims_of_article(view["article"])}
    for span in view["spans"]:
        row = rows.get(span["claim"])
        span["url"] = url_for("claims.show", ident=span["id"] or span["claim"])
        span["statement"] = row["statement"] if row else None
        span["verdict"] = (row["verdict"] or None) if row else None
    data = dict(view)
    data["claims"] = [{"id": short(r["iri"]), "url": url_for("claims.show", ident=short(r["iri"])),
                       "statement": r["statement"], "quote": r["quote"], "modality": r["modality"],
                       "value": r["value_text"], "verdict": r["verdict"] or None}
                      for r in rows.values()]
    twins = {f: url_for("articles.show", ident=f"{view['id']}.{f}") for f in RESOURCE_FORMATS if f != "html"}
    spans = [(s["start"], s["end"], {"class": "claim-span", "data-claim": s["id"] or s["claim"],
                                     "title": s["statement"] or s["exact"] or ""})
             for s in view["spans"]]
    publisher_iri = next((r["publisher"] for r in rows.values() if r["publisher"]), None)
    annotations = article_panel(view["article"]) if fmt == "html" and view["text"] else None
    spans += annotations["spans"] if annotations else []   # highlighted too (web/annotate.py)
    return respond(fmt, template="articles/show.html", data=data, twins=twins, spans=spans,
                   publisher_iri=publisher_iri, annotations=annotations)

