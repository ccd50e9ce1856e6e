"""HTML or data: every page has a ``.json`` twin, resources also ``.ttl`` / ``.jsonld``
(and ``.trig`` for claims, whose content lives in its own named graph).

A format is chosen by the URL suffix first (``/claims/abc.json``), else by the Accept
header (content negotiation: browsers get HTML, RDF clients get RDF), HTML winning
ties. Views call ``respond()`` with the plain data, the template, and, for resources,
a function building the RDF.
"""
from __future__ import annotations

import json
from typing import Callable

from flask import Response, abort, render_template, request

MEDIA_TYPES = {
    "html": "text/html",
    "json": "application/json",
    "jsonld": "application/ld+json",
    "ttl": "text/turtle",
    "trig": "application/trig",
    "nt": "application/n-triples",
}
RDFLIB_FORMATS = {"jsonld": "json-ld", "ttl": "turtle", "trig": "trig", "nt": "nt"}
PAGE_FORMATS = ("html", "json")
RESOURCE_FORMATS = ("html", "json", "ttl", "jsonld")


def split_suffix(ident: str, formats=RESOURCE_FORMATS) -> tuple[str, str | None]:
    """"abc.json" → ("abc", "json") when json is one of ``formats``; else (ident, None)."""
    stem, dot, suffix = ident.rpartition(".")
    if dot and suffix in formats and suffix != "html":
        return stem, suffix
    return ident, None


def choose(suffix: str | None, formats=PAGE_FORMATS) -> str:
    """The format to answer in. A suffix not offered here is a 404."""
    if suffix is not None:
        if suffix not in formats:
            abort(404, f"this page has no .{suffix} form (try: "
                       + ", ".join(f".{f}" for f in formats if f != "html") + ")")
        return suffix
    offered = [MEDIA_TYPES[f] for f in formats]
    best = request.accept_mimetypes.best_match(offered, default="text/html")
    if best != "text/html" and request.accept_mimetypes[best] <= request.accept_mimetypes["text/html"]:
        best = "text/html"
    return next(f for f in formats if MEDIA_TYPES[f] == best)


def respond(fmt: str, *, template: str, data: dict, rdf: Callable | None = None,
            twins: dict[str, str] | None = None, status: int = 200, **context) -> Response:
    """Render ``data`` in ``fmt``: the template (HTML), JSON, or ``rdf(fmt)`` (an rdflib
    graph or dataset, or text already serialised in ``fmt``)."""
    if fmt == "html":
        html = render_template(template, data=data, twins=twins or {}, **context)
        response = Response(html, status, mimetype="text/html")
        links = [f'<{url}>; rel="alternate"; type="{MEDIA_TYPES[f]}"' for f, url in (twins or {}).items()]
        if links:
            response.headers["Link"] = ", ".join(links)
    elif fmt == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
        response = Response(body, status, mimetype="application/json")
    else:
        if rdf is None:
            abort(404, f"this page has no .{fmt} form")
        graph = rdf(fmt)
        if isinstance(graph, (str, bytes)):
            body = graph
        else:
            body = graph.serialize(format=RDFLIB_FORMATS[fmt],
                                   **({"auto_compact": True} if fmt == "jsonld" else {}))
        response = Response(body, status, mimetype=MEDIA_TYPES[fmt])
    response.headers["Vary"] = "Accept"
    return response
