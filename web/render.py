"""HTML or data — decided here, in one place — and the responses that carry it.

Every page has a ``.json`` twin, resources also ``.ttl`` / ``.jsonld`` (and ``.trig`` for
claims, whose content lives in its own named graph).

One reading of the Accept header, ``preferred()``: the media type the client prefers
among those offered, the default one winning ties of quality (a browser's ``*/*`` or
no Accept at all gets the default). On it rest:

* ``choose()`` — the format of a page: the URL suffix first (``/claims/abc.json``),
  else the Accept header, HTML winning ties (a protocol endpoint may make its data
  the default instead);
* ``wants_data()`` — whether a response that has no format of its own (an error, the
  answer to a form post) is JSON rather than an HTML page. web/errors.py, web/auth.py
  and the write views all ask it.

Views call ``respond()`` with the plain data, the template, and, for resources, a
function building the RDF.
"""
from __future__ import annotations

import json
from typing import Callable, Sequence

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

# what makes a request one for data, whatever its Accept header says
DATA_SUFFIXES = (".json", ".ttl", ".jsonld", ".trig", ".nt", ".csv")
DATA_PATHS = ("/sparql", "/annotations")   # the protocol endpoints: their clients are programs
# the annotation UI's form actions (web/views/annotate.py) under /annotations/: browser pages
BROWSER_FORMS = ("/reply", "/edit", "/delete")
# the data types an Accept header may prefer to HTML
DATA_TYPES = ("application/json", "application/ld+json", "text/turtle",
              "application/sparql-results+json", "application/n-triples")


def preferred(offered: Sequence[str], default: str = "text/html") -> str:
    """The media type of ``offered`` that the Accept header prefers; ``default`` (one of
    them) when the header names none of them or gives another the same quality."""
    accept = request.accept_mimetypes
    best = accept.best_match(offered, default=default)
    if best != default and accept[best] <= accept[default]:
        best = default
    return best


def split_suffix(ident: str, formats=RESOURCE_FORMATS) -> tuple[str, str | None]:
    """"abc.json" → ("abc", "json") when json is one of ``formats``; else (ident, None)."""
    stem, dot, suffix = ident.rpartition(".")
    if dot and suffix in formats and suffix != "html":
        return stem, suffix
    return ident, None


def choose(suffix: str | None, formats=PAGE_FORMATS, *, default: str = "html") -> str:
    """The format to answer in. A suffix not offered here is a 404."""
    if suffix is not None:
        if suffix not in formats:
            abort(404, f"this page has no .{suffix} form (try: "
                       + ", ".join(f".{f}" for f in formats if f != "html") + ")")
        return suffix
    best = preferred([MEDIA_TYPES[f] for f in formats], MEDIA_TYPES[default])
    return next(f for f in formats if MEDIA_TYPES[f] == best)


def wants_data() -> bool:
    """Whether this request gets JSON rather than an HTML page, for a response without
    a format of its own (an error, the answer to a form post): a data suffix in the
    URL, a protocol endpoint, an API client (an Authorization header or a JSON body),
    or an Accept header that prefers a data type to HTML."""
    path = request.path
    if path.endswith(DATA_SUFFIXES):
        return True
    if path.startswith(DATA_PATHS) and not (path.startswith("/annotations")
                                            and path.endswith(BROWSER_FORMS)):
        return True
    if request.headers.get("Authorization") or request.is_json:
        return True
    return preferred(("text/html", *DATA_TYPES)) != "text/html"


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
