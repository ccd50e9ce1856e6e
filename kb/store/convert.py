"""Conversions between rdflib and pyoxigraph terms, and RDF parsing with clear errors."""
from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import XSD

from ..errors import InputError, StoreError

OX_FORMATS = {"trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS}
# pyoxigraph raises MemoryError on an N-Quads line over 16 MB; refuse such input first.
MAX_LINE_BYTES = 16 * 1024 * 1024 - 1024


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
