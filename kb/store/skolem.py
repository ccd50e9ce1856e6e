"""Blank nodes on a SPARQL server: skolemised on write, read back as blank nodes.

Virtuoso refuses blank nodes in ``INSERT DATA`` and gives its own back as
``nodeID://…``, which are not valid blank node labels. claimkb writes a blank node as an
IRI under ``SKOLEM`` (RDF 1.1's ``/.well-known/genid/``, under claimkb's namespace) and
reads such IRIs, and a server's own ids, back as blank nodes (kb/store/remote.py).
"""
from __future__ import annotations

import re
from typing import Iterable

import pyoxigraph as ox
from rdflib import BNode, URIRef

SKOLEM = "https://w3id.org/claimkb/.well-known/genid/"


def skolem_term(term, labels: dict[str, str], token: str) -> str:
    """A pyoxigraph subject or object in SPARQL syntax, a blank node as a fresh skolem
    IRI (one per label in ``labels``, under ``token``: unique to this write)."""
    if isinstance(term, ox.BlankNode):
        if term.value not in labels:
            labels[term.value] = f"<{SKOLEM}{token}n{len(labels)}>"
        return labels[term.value]
    return str(term)


_BNODE_ID = re.compile(r"[^A-Za-z0-9_]")


def _bnode_label(value: str) -> str:
    """A valid blank node label for a server's own id (Virtuoso: ``nodeID://b10006``)."""
    if value.startswith("nodeID://"):
        value = "v" + value[len("nodeID://"):]
    return _BNODE_ID.sub("_", value) or "b"


def unskolem(term):
    """An rdflib skolem IRI read back as a blank node; a server's own blank node id as
    a valid label."""
    if isinstance(term, URIRef) and str(term).startswith(SKOLEM):
        return BNode(str(term)[len(SKOLEM):])
    if isinstance(term, BNode):
        return BNode(_bnode_label(str(term)))
    return term


def ox_unskolem(term):
    """A pyoxigraph skolem IRI read back as the blank node it stands for."""
    if isinstance(term, ox.NamedNode) and term.value.startswith(SKOLEM):
        return ox.BlankNode(term.value[len(SKOLEM):])
    return term


# Virtuoso's own blank node ids: only a bnode binding's value in SPARQL JSON, and only a
# whole <nodeID://…> term in N-Triples/Turtle (never an IRI or a literal that contains it)
_NODE_ID_JSON = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*)"nodeID://([A-Za-z0-9_]+)"')
_NODE_ID_TEXT = re.compile(rb"^<nodeID://([A-Za-z0-9_]+)>|<nodeID://([A-Za-z0-9_]+)>(?=[ \t]*\.[ \t]*\r?$)",
                           re.MULTILINE)   # an N-Triples line's subject, or its object


def valid_bnodes(body: bytes) -> bytes:
    """Virtuoso's blank node ids in SPARQL JSON as valid labels (``nodeID://b1`` → ``vb1``)."""
    return _NODE_ID_JSON.sub(rb'\1"v\2"', body)


def graph_triples(body: bytes, ctype: str, *, virtuoso: bool = False) -> Iterable[tuple]:
    """The triples of a CONSTRUCT/DESCRIBE answer as pyoxigraph terms, skolem IRIs (and,
    from Virtuoso, its own blank node ids) read back as blank nodes."""
    fmt = ox.RdfFormat.N_TRIPLES if "n-triples" in ctype or ctype == "text/plain" else ox.RdfFormat.TURTLE
    if virtuoso:
        body = _NODE_ID_TEXT.sub(lambda m: b"_:v" + (m.group(1) or m.group(2)), body)
    return [(ox_unskolem(q.subject), q.predicate, ox_unskolem(q.object))
            for q in ox.parse(body, fmt)]
