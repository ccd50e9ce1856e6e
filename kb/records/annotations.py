"""Stored annotations, read back: each W3C Web Annotation is a named graph (its IRI)
under the container ``<base>annotations/``. ``AnnotationGraphs(store, iris)`` reads
those graphs, for the annotation service (kb/services/annotations.py) and for the
annotations index it is rebuilt from (kb/derived/annotation_index.py). Every method
raises StoreError when the store fails.
"""
from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from kb.model.iris import Minter
from kb.model.vocab import OA
from kb.store import sparql
from kb.store.base import Store


class AnnotationGraphs:
    """The annotation graphs of one store."""

    def __init__(self, store: Store, iris: Minter):
        self.store = store
        self.iris = iris
        self.container = f"{iris.base}annotations/"
        self.users = f"{iris.base}users/"      # the creators that are claimkb accounts

    def stored_iris(self) -> list[str]:
        """Every annotation IRI in the store, in no particular order."""
        _, rows = self.store.values(sparql.render("annotation_index_iris.rq",
                                                  container=Literal(self.container)), many=True)
        return [r[0] for r in rows if r[0]]

    def graphs(self, iris) -> dict[URIRef, Graph]:
        """The stored graphs of these annotation IRIs, in one query (annotations not in
        the store are left out)."""
        iris = [URIRef(str(i)) for i in iris]
        return self.fetch("annotation_graphs.rq", g=iris) if iris else {}

    def graph(self, iri: URIRef) -> Graph | None:
        """The stored graph of one annotation, None when it is not stored."""
        return self.fetch("annotation_graphs.rq", g=[URIRef(iri)]).get(URIRef(iri))

    def fetch(self, query: str, **params) -> dict[URIRef, Graph]:
        """The annotation graphs the named query (rows ?g ?s ?p ?o) selects."""
        graphs: dict[URIRef, Graph] = {}
        for row in sparql.select(self.store, query, **params):
            graphs.setdefault(row["g"], Graph()).add((row["s"], row["p"], row["o"]))
        return {g: graph for g, graph in graphs.items() if (g, RDF.type, OA.Annotation) in graph}


__all__ = ["AnnotationGraphs"]
