"""Conversions between rdflib and pyoxigraph terms, and RDF parsing with clear errors."""
from __future__ import annotations

import re

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import XSD

from kb.errors import InputError, StoreError
from kb.model.urls import UNSAFE_IRI_SCHEMES, check_iri, check_url, scheme

OX_FORMATS = {"trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS}
# pyoxigraph raises MemoryError on an N-Quads line over 16 MB; refuse such input first.
MAX_LINE_BYTES = 16 * 1024 * 1024 - 1024

# check_nesting: what a TriG bracket count skips, as TriG tokenizes it (long and short
# strings, IRIs, comments); the [ ( { left over nest.
_TRIG_SKIPPED = re.compile(
    rb'"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""'
    rb"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"
    rb'|"[^"\\\n\r]*(?:\\.[^"\\\n\r]*)*"'
    rb"|'[^'\\\n\r]*(?:\\.[^'\\\n\r]*)*'"
    rb'|<[^<>"{}|^`\\\x00-\x20]*>'
    rb"|#[^\n\r]*"
    rb"|\\.")   # an escape in a prefixed name (ex:a\' or ex:a\( is part of the name)
# once IRIs are skipped, a < or > left is a quoted triple's << or >> (RDF 1.2 / RDF-star)
_TRIG_TOKEN = re.compile(_TRIG_SKIPPED.pattern + rb"|[\[\](){}<>]")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[](){}<>")
_OPENING = frozenset(b"[({<")

# check_links: the link-like predicates of the metadata graph (kb.iris.META) and their rule
META_GRAPH = "https://w3id.org/claimkb/graph/metadata"
_URL_PREDICATES = {"http://schema.org/url": "schema:url",
                   "https://w3id.org/claimkb/ns#via": "ckb:via",
                   "http://schema.org/citation": "schema:citation"}   # rating evidence
_IRI_PREDICATES = {"http://schema.org/sameAs": "schema:sameAs",
                   "http://www.w3.org/2002/07/owl#sameAs": "owl:sameAs"}
_SAFE_PREFIXES = ("http://", "https://", "urn:")


def to_ox(term):
    if term is None or term == DATASET_DEFAULT_GRAPH_ID:
        return ox.DefaultGraph()
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))
    raise TypeError(f"not an RDF term: {term!r}")


def from_ox(term):
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        return Literal(term.value, datatype=None if dt == str(XSD.string) else URIRef(dt))
    if isinstance(term, ox.DefaultGraph):
        return None
    raise TypeError(f"unsupported Oxigraph term: {term!r}")


_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


def term_from_json(binding: dict):
    """The rdflib term of one SPARQL 1.1 JSON results binding. Raises StoreError for a
    term type it does not know."""
    kind = binding["type"]
    value = binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):
        lang = binding.get("xml:lang")
        datatype = binding.get("datatype")
        if lang:
            return Literal(value, lang=lang)
        if datatype == _BOOLEAN and value in ("1", "0"):
            value = "true" if value == "1" else "false"    # Virtuoso's form; the canonical one
        if datatype and datatype != "http://www.w3.org/2001/XMLSchema#string":
            return Literal(value, datatype=URIRef(datatype))
        return Literal(value)
    raise StoreError(f"unknown term type in SPARQL JSON results: {kind!r}")


def check_line_lengths(data: bytes, where: str) -> None:
    """Refuse data with a line pyoxigraph cannot take (InputError naming the line)."""
    start = 0
    lineno = 1
    size = len(data)
    if size <= MAX_LINE_BYTES:
        return
    while start < size:
        end = data.find(b"\n", start)
        if end < 0:
            end = size
        if end - start > MAX_LINE_BYTES:
            raise InputError(
                f"line {lineno} is {(end - start) / 1e6:.1f} MB; lines over 16 MB are refused",
                where=where)
        start = end + 1
        lineno += 1


def check_nesting(data: bytes, where: str, limit: int) -> None:
    """Refuse TriG nested deeper than ``limit`` (graphs, blank-node property lists
    ``[ … ]`` and collections ``( … )`` inside each other), counted on the brackets
    left once strings, IRIs and comments are skipped as TriG tokenizes them. Oxigraph's
    parser does not recurse (a million levels parse), but readers of the nested
    structure later may. InputError names the line."""
    nesting_depth(data, 0, limit, where, 1)


def nesting_depth(data: bytes, depth: int, limit: int, where: str, first_line: int) -> int:
    """``check_nesting`` for one block of whole lines of a longer file that starts
    ``depth`` brackets deep on line ``first_line``; returns the depth at its end (a
    string spanning two blocks is counted as TriG would not: blocks end at line ends,
    where short strings, IRIs and comments end too). Raises InputError naming the line."""
    brackets = _TRIG_SKIPPED.sub(b"", data).translate(None, _NOT_BRACKETS)
    # never below 0: closing brackets miscounted (in a string cut by a block's end) must
    # not make room for real nesting later
    end, top = _clamped(depth, [1 if c in _OPENING else -1 for c in brackets])
    if top <= limit:
        return end
    for match in _TRIG_TOKEN.finditer(data):
        token = match.group()
        if token in (b"[", b"(", b"{", b"<"):
            depth += 1
            if depth > limit:
                line = first_line + data.count(b"\n", 0, match.start())
                raise InputError(f"nested more than {limit} levels deep (graphs, [ ], ( ) or << >> "
                                 "inside each other); refused before parsing",
                                 where=f"{where}:{line}")
        elif token in (b"]", b")", b"}", b">"):
            depth = max(0, depth - 1)
    raise InputError(f"nested more than {limit} levels deep; refused before parsing",
                     where=where)


def _clamped(depth: int, steps: list[int]) -> tuple[int, int]:
    """The depth after ``steps`` from ``depth``, never below 0 on the way, and the
    deepest it went."""
    top = depth
    for step in steps:
        depth = depth + step if depth + step > 0 else 0
        if depth > top:
            top = depth
    return depth, top


def _unsafe_iri(term) -> str | None:
    """The first IRI with an unsafe scheme in ``term``, looking inside quoted triples
    (iteratively: an import nests them as deep as it likes)."""
    todo = [term]
    while todo:
        term = todo.pop()
        if isinstance(term, ox.NamedNode):
            value = term.value
            if not value.startswith(_SAFE_PREFIXES) and scheme(value) in UNSAFE_IRI_SCHEMES:
                return value
        elif isinstance(term, ox.Triple):
            todo += [term.object, term.predicate, term.subject]
    return None


def check_links(quads: list, where: str) -> None:
    """Refuse parsed quads to be imported that hold an unsafe link (``check_quad_links``).
    Given to ``Store.load`` as its ``check``, so the file is parsed once. Raises
    InputError naming the file and the quad's subject."""
    for quad in quads:
        check_quad_links(quad, where)


def check_quad_links(quad: ox.Quad, where: str) -> None:
    """Refuse a quad that holds an unsafe link (kb.urls): any IRI with a scheme a
    browser runs or reads locally (javascript:, data:, file:, ...), and in the metadata
    graph a schema:url, ckb:via or schema:citation (rating evidence) that is not an
    http(s) URL, or a schema:sameAs / owl:sameAs that is not a safe IRI. Raises
    InputError naming the file and the quad's subject."""
    for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
        if type(term) is ox.NamedNode and term.value.startswith(_SAFE_PREFIXES):
            continue
        bad = _unsafe_iri(term)
        if bad is not None:
            check_iri(bad, f"the IRI in a quad about {quad.subject}", where=where)
    if isinstance(quad.graph_name, ox.NamedNode) and quad.graph_name.value == META_GRAPH:
        check_meta_link(quad, quad.predicate.value, where)


# the predicates ``check_meta_link`` looks at
LINK_PREDICATES = frozenset({*_URL_PREDICATES, *_IRI_PREDICATES})


def check_meta_link(quad: ox.Quad, predicate: str, where: str) -> None:
    """``check_quad_links``'s rule for the link-like predicates of the metadata graph,
    for a quad known to be in it (``predicate``: its predicate's IRI)."""
    if predicate in _URL_PREDICATES:
        check_url(getattr(quad.object, "value", ""),
                  f"{_URL_PREDICATES[predicate]} of {quad.subject}", where=where)
    elif predicate in _IRI_PREDICATES:
        check_iri(getattr(quad.object, "value", ""),
                  f"{_IRI_PREDICATES[predicate]} of {quad.subject}", where=where)


def write_nquads(quads, out) -> int:
    """Write rdflib quads (s, p, o, graph-or-None) to the binary file ``out`` as N-Quads;
    returns how many. Raises TypeError for a term that is not RDF."""
    cache: dict = {}
    count = 0

    def term(t):
        hit = cache.get(t)
        if hit is None:
            if len(cache) > 100_000:
                cache.clear()
            hit = cache[t] = to_ox(t)
        return hit

    def converted():
        nonlocal count
        for s, p, o, g in quads:
            count += 1
            yield ox.Quad(term(s), term(p), term(o), term(g))

    ox.serialize(converted(), out, ox.RdfFormat.N_QUADS)
    return count


def parse_quads(data: bytes, fmt: str, where: str) -> list[ox.Quad]:
    """Parse TriG or N-Quads completely (nothing is written). InputError names the line."""
    if fmt not in OX_FORMATS:
        raise InputError(f"unknown RDF format {fmt!r} (use trig or nquads)", where=where)
    check_line_lengths(data, where)
    try:
        return list(ox.parse(data, OX_FORMATS[fmt]))
    except SyntaxError as exc:
        raise InputError(f"malformed {fmt}: {exc}", where=where) from None
    except MemoryError:
        raise InputError("too large to parse", where=where) from None
