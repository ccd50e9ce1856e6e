"""What a SPARQL request asks: the SPARQL 1.1 Protocol operation (``parse_request``:
GET ``?query=``, a form POST, or an ``application/sparql-query`` body, with its dataset
and ``format=``), and the gallery's canned queries with the values of their forms bound
(``gallery``, ``fill``: kb/queries/gallery/*.rq)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib.resources import files

from flask import abort, request
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from kb.errors import QueryError
from kb.store import sparql as kb_sparql

from ..context import get_settings
from ..vocabulary import ALL_PREFIXES

@dataclass
class ProtocolRequest:
    query: str | None
    default_graphs: list[str] | None
    named_graphs: list[str] | None
    format: str | None


def _forbidden_update() -> None:
    abort(403, "this endpoint is read-only: SPARQL Update (and LOAD) is not accepted here")


def parse_request() -> ProtocolRequest:
    """The protocol operation in the request. Aborts with 403 for an update, 415 for an
    unsupported body type or charset, 400 for several queries or an unreadable body."""
    args = request.args
    queries = args.getlist("query")
    if "update" in args or "using-graph-uri" in args or "using-named-graph-uri" in args:
        _forbidden_update()
    if request.method == "POST":
        mimetype = request.mimetype
        charset = request.mimetype_params.get("charset")
        if mimetype == "application/sparql-update":
            _forbidden_update()
        if charset is not None and charset.lower() not in ("utf-8", "utf8"):
            abort(415, f"the request body must be UTF-8, not {charset}")
        if mimetype == "application/x-www-form-urlencoded":
            form = request.form
            if "update" in form:
                _forbidden_update()
            queries = queries + form.getlist("query")
            extra = form
        elif mimetype == "application/sparql-query":
            if queries:
                abort(400, "a query in the body and another in the URL: send one")
            try:
                queries = [request.get_data(cache=False).decode("utf-8")]
            except UnicodeDecodeError:
                abort(400, "the request body is not valid UTF-8")
            extra = None
        else:
            shown = mimetype or "no media type"
            abort(415, f"a SPARQL query is POSTed as application/x-www-form-urlencoded "
                       f"(query=...) or application/sparql-query, not {shown}")
    else:
        extra = None
    if len(queries) > 1:
        abort(400, f"{len(queries)} queries in one request: send one query parameter")

    def graphs(name: str) -> list[str]:
        values = args.getlist(name) + (extra.getlist(name) if extra is not None else [])
        return [v.strip() for v in values]

    default, named = graphs("default-graph-uri"), graphs("named-graph-uri")
    dataset_given = bool(default or named)
    fmt = args.get("format") or (extra.get("format") if extra is not None else None)
    return ProtocolRequest(queries[0] if queries else None,
                           default if dataset_given else None,
                           named if dataset_given else None, fmt)


# ---------------------------------------------------------------- the gallery

@dataclass
class GalleryParam:
    name: str
    kind: str  # iri, date or string
    label: str
    default: str


@dataclass
class GalleryQuery:
    name: str
    title: str
    description: str
    params: list[GalleryParam]
    body: str  # without the prefixes


_PARAM_LINE = re.compile(r'^#\s*param\s+(\w+)\s*:\s*(iri|date|string)\s+"([^"]*)"\s*(?:=\s*(.*))?$')


@lru_cache(maxsize=None)
def gallery() -> tuple[GalleryQuery, ...]:
    """The canned queries of kb/queries/gallery/*.rq, by file name. Each starts with
    comment lines: ``# title: …``, the description, and one ``# param NAME: KIND
    "LABEL" = DEFAULT`` per ``VALUES ?NAME { UNDEF }`` block ({base} in a default is
    the KB's base IRI)."""
    folder = files("kb.queries") / "gallery"
    out = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".rq"):
            continue
        text = entry.read_text(encoding="utf-8")
        title, description, params = entry.name[:-3], [], []
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            match = _PARAM_LINE.match(line)
            if match:
                name, kind, label, default = match.groups()
                params.append(GalleryParam(name, kind, label, (default or "").strip()))
            elif line.lower().startswith("# title:"):
                title = line.split(":", 1)[1].strip()
            else:
                description.append(line.lstrip("#").strip())
        out.append(GalleryQuery(entry.name[:-3], title, " ".join(description).strip(), params, text))
    return tuple(out)


def gallery_entry(name: str) -> GalleryQuery:
    for entry in gallery():
        if entry.name == name:
            return entry
    abort(404, f"no gallery query {name!r}")


def prologue() -> str:
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in ALL_PREFIXES.items())


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def param_term(param: GalleryParam, raw: str):
    """The RDF term for a form value. Raises QueryError for a value of the wrong kind."""
    value = raw.strip()
    if param.kind == "iri":
        if not _SCHEME.match(value):
            raise QueryError(f"{param.label}: {value!r} is not an absolute IRI")
        term = URIRef(value)
        kb_sparql.term_sparql(term)  # refuses characters an IRI cannot hold
        return term
    if param.kind == "date":
        try:
            return Literal(date.fromisoformat(value).isoformat(), datatype=XSD.date)
        except ValueError:
            raise QueryError(f"{param.label}: {value!r} is not a date (YYYY-MM-DD)") from None
    if len(value) > 500:
        raise QueryError(f"{param.label}: longer than 500 characters")
    return Literal(value)


def fill(entry: GalleryQuery, values: dict[str, str]) -> str:
    """The query text with each given parameter bound in its VALUES block (rdflib
    serialises the terms: IRIs checked, literals escaped); an empty value stays UNDEF.
    Raises QueryError for a bad value."""
    terms = {}
    for param in entry.params:
        raw = values.get(param.name, "")
        if raw.strip():
            terms[param.name] = param_term(param, raw)
    return kb_sparql.bind(prologue() + entry.body, **terms)


def defaults(entry: GalleryQuery) -> dict[str, str]:
    base = get_settings().base_iri
    return {p.name: p.default.replace("{base}", base) for p in entry.params}
