"""Reading a schema.org JSON-LD document safely into an rdflib Graph (for ClaimReview
feeds, kb/ingest/claimreview.py): its nesting is measured before it is parsed
(``check_json_depth``), NaN and Infinity are refused, links with an unsafe scheme
refuse the file, every schema.org context (http or https, any of its URLs) is read as
the local ``LOCAL_CONTEXT`` and any other remote context is refused, so that nothing is
ever fetched; ``https://schema.org/`` terms are read as ``http://schema.org/``.
Raises InputError naming the file, line and column.
"""
from __future__ import annotations

import json
import re
from typing import Any

from rdflib import Dataset, Graph, URIRef

from kb.config import MAX_IMPORT_DEPTH
from kb.errors import InputError
from kb.model.urls import UNSAFE_IRI_SCHEMES, check_iri, scheme
from kb.model.vocab import SCHEMA

LOCAL_CONTEXT: dict[str, str] = {
    "@vocab": "http://schema.org/",
    "schema": "http://schema.org/",
    "type": "@type",
    "id": "@id",
}
_SCHEMA_CONTEXT = re.compile(
    r"^https?://(www\.)?schema\.org(/|/docs/jsonldcontext\.jsonld?)?$", re.IGNORECASE)
_SCHEMA_HTTPS = re.compile(r"^https?://(www\.)?schema\.org/", re.IGNORECASE)
# keys whose values are links (or IRIs): a value with a scheme a browser would run or read
# locally (javascript:, data:, file:, ... kb.urls.UNSAFE_IRI_SCHEMES) refuses the file
_LINK_KEYS = frozenset({"@id", "id", "url", "sameAs", "mainEntityOfPage", "appearance",
                        "firstAppearance", "image", "logo", "citation", "contentUrl", "embedUrl",
                        "thumbnailUrl", "discussionUrl", "isBasedOn", "isBasedOnUrl",
                        "license", "@vocab", "@base"})
# JSON tokens that matter for nesting: a string (skipped whole) or a bracket
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def load_graph(text: str, where: str, base: str | None = None) -> Graph:
    """Parse JSON-LD text, offline, into one graph (named graphs merged), with the
    schema.org contexts replaced by ``LOCAL_CONTEXT`` and schema.org IRIs on http.

    Raises InputError for malformed JSON (with line and column), nesting deeper than
    MAX_IMPORT_DEPTH, a link with an unsafe scheme (javascript:, data:, file:, ...),
    a context that would have to be fetched, or JSON-LD rdflib cannot process.
    """
    check_json_depth(text, where)
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                         where=f"{where}:{exc.lineno}:{exc.colno}") from None
    except ValueError as exc:
        raise InputError(f"malformed JSON: {exc}", where=where) from None
    except RecursionError:
        raise InputError("malformed JSON: nested too deeply", where=where) from None
    try:
        document = normalise_document(data, where)
        ds = Dataset()
        ds.parse(data=json.dumps(document), format="json-ld", base=base)
    except InputError:
        raise
    except RecursionError:
        raise InputError("JSON-LD nested too deeply", where=where) from None
    except Exception as exc:  # rdflib's JSON-LD processor raises many types
        raise InputError(f"not valid JSON-LD: {exc}", where=where) from None
    graph = Graph()
    here = base.rsplit("/", 1)[0] + "/" if base else None   # relative @ids resolve here
    for s, p, o, _g in ds.quads((None, None, None, None)):
        for term in (s, o):   # e.g. a link typed @id through a context of the file
            if isinstance(term, URIRef) and scheme(term) in UNSAFE_IRI_SCHEMES \
                    and not (here and str(term).startswith(here)):
                check_iri(term, f"an IRI given with <{p}>", where=where)
        graph.add((_http_schema(s), _http_schema(p), _http_schema(o)))
    return graph


def check_json_depth(text: str, where: str, limit: int = MAX_IMPORT_DEPTH) -> None:
    """Refuse JSON nested deeper than ``limit`` arrays/objects (InputError naming the
    line), measured on its tokens (strings skipped whole) before it is parsed:
    json.loads dies near 1,000 levels, rdflib's JSON-LD processor near 330."""
    depth = 0
    for match in _JSON_TOKEN.finditer(text):
        char = match.group()
        if char in "[{":
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, match.start()) + 1
                raise InputError(f"nested more than {limit} levels deep (arrays or objects "
                                 "inside each other); refused before parsing",
                                 where=f"{where}:{line}")
        elif char in "]}":
            depth -= 1


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def normalise_document(data: Any, where: str) -> Any:
    """The document with every @context made local (see the module docstring).

    Raises InputError for a top level that is not an object or a list, or for a
    context that is not schema.org and is given by reference.
    """
    if isinstance(data, list):
        return {"@context": dict(LOCAL_CONTEXT),
                "@graph": [_walk(item, where, f"$[{i}]") for i, item in enumerate(data)]}
    if not isinstance(data, dict):
        raise InputError("a ClaimReview file holds a JSON-LD object or a list of objects",
                         where=where)
    data = _walk(data, where, "$")
    if "@context" not in data:
        data["@context"] = dict(LOCAL_CONTEXT)
    return data


def _walk(node: Any, where: str, path: str = "$", link: bool = False) -> Any:
    """``node`` with its contexts normalised; a string under a link key (``_LINK_KEYS``,
    also as ``schema:url`` or a full IRI) with an unsafe scheme is an InputError
    naming the file and the value's JSON path (``$[0].itemReviewed.appearance[1].url``)."""
    if isinstance(node, list):
        return [_walk(item, where, f"{path}[{i}]", link) for i, item in enumerate(node)]
    if isinstance(node, str):
        if link and scheme(node) in UNSAFE_IRI_SCHEMES:
            check_iri(node, "the link", where=f"{where} {path}")
        return node
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "@context":
            out[key] = normalise_context(value, where)
        else:
            name = str(key).rsplit("/", 1)[-1].rsplit(":", 1)[-1].rsplit("#", 1)[-1]
            is_link = key in ("@id", "@vocab", "@base") or name in _LINK_KEYS or \
                (link and key == "@value")
            out[key] = _walk(value, where, f"{path}.{key}", is_link)
    return out


def normalise_context(context: Any, where: str) -> Any:
    """A JSON-LD context with schema.org references replaced by ``LOCAL_CONTEXT``.

    Raises InputError for any other context given by reference: it is never fetched.
    """
    if context is None:
        return None
    if isinstance(context, str):
        if _SCHEMA_CONTEXT.match(context.strip()):
            return dict(LOCAL_CONTEXT)
        raise InputError(f"refusing the JSON-LD context {context!r}: only schema.org contexts "
                         "are supported (replaced by a local copy); other contexts are "
                         "never fetched", where=where)
    if isinstance(context, list):
        return [normalise_context(item, where) for item in context]
    if not isinstance(context, dict):
        raise InputError(f"not a JSON-LD context: {context!r}", where=where)
    out: dict = {}
    imported = context.get("@import")
    if imported is not None:
        if not (isinstance(imported, str) and _SCHEMA_CONTEXT.match(imported.strip())):
            raise InputError(f"refusing the JSON-LD context @import {imported!r}: only "
                             "schema.org is supported; other contexts are never fetched",
                             where=where)
        out.update(LOCAL_CONTEXT)
    for key, value in context.items():
        if key == "@import":
            continue
        if isinstance(value, str) and _SCHEMA_HTTPS.match(value):
            value = _SCHEMA_HTTPS.sub("http://schema.org/", value)
        elif isinstance(value, dict):
            value = {k: (normalise_context(v, where) if k == "@context" else v)
                     for k, v in value.items()}
        out[key] = value
    return out


def _http_schema(term):
    if isinstance(term, URIRef) and _SCHEMA_HTTPS.match(term) and not term.startswith(str(SCHEMA)):
        return URIRef(_SCHEMA_HTTPS.sub(str(SCHEMA), str(term)))
    return term


__all__ = ["LOCAL_CONTEXT", "load_graph", "check_json_depth", "normalise_document",
           "normalise_context"]
