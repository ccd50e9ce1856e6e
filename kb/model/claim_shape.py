"""The claim shape's direct rules, read from ontologies/shapes.ttl (``ckbsh:ClaimShape``)
as a small table, so that a file can be checked claim by claim as it streams by
(kb/store/quad_checks.py) with the same rules and messages ``claimkb validate`` uses.

Only what one triple or a count of triples about a claim can show is taken: for each
``sh:property`` with a plain predicate path, ``sh:minCount``, ``sh:maxCount``, ``sh:in``,
``sh:nodeKind sh:IRI``, ``sh:datatype`` (or an ``sh:or`` of datatypes), ``sh:minLength``
and ``sh:message``. Nested shapes (``sh:node``: the quote, the time about) and the
``sh:sparql`` rules need the graph around the claim: ``claimkb validate`` checks them.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from ontologies import SHAPES

CLAIM_SHAPE = URIRef("https://w3id.org/claimkb/shapes#ClaimShape")


@dataclass(frozen=True)
class PropertyRule:
    """What the shape says of one predicate of a claim."""

    predicate: str
    min_count: int = 0
    max_count: int | None = None
    allowed: frozenset[str] | None = None       # sh:in: the IRIs allowed
    iri: bool = False                           # sh:nodeKind sh:IRI
    datatypes: frozenset[str] | None = None     # sh:datatype, or an sh:or of them
    min_length: int = 0
    message: str = ""

    def describe(self) -> str:
        """The rule's message, or one made from its predicate."""
        return self.message or f"breaks the rule on <{self.predicate}>"


def _int(graph: Graph, node, prop) -> int | None:
    value = graph.value(node, prop)
    return int(value) if value is not None else None


def _rule(graph: Graph, node) -> PropertyRule | None:
    path = graph.value(node, SH.path)
    if not isinstance(path, URIRef):
        return None
    allowed = graph.value(node, SH["in"])
    datatypes = {str(d) for d in graph.objects(node, SH.datatype)}
    for alternatives in graph.objects(node, SH["or"]):
        for branch in Collection(graph, alternatives):
            datatypes |= {str(d) for d in graph.objects(branch, SH.datatype)}
    return PropertyRule(
        predicate=str(path),
        min_count=_int(graph, node, SH.minCount) or 0,
        max_count=_int(graph, node, SH.maxCount),
        allowed=frozenset(str(v) for v in Collection(graph, allowed)) if allowed else None,
        iri=graph.value(node, SH.nodeKind) == SH.IRI,
        datatypes=frozenset(datatypes) or None,
        min_length=_int(graph, node, SH.minLength) or 0,
        message=str(graph.value(node, SH.message) or ""))


@lru_cache(maxsize=1)
def claim_rules() -> tuple[PropertyRule, ...]:
    """The claim shape's direct rules (parsed once, ~40 ms). Raises ValueError if
    ontologies/shapes.ttl has no claim shape (a broken installation)."""
    graph = Graph().parse(data=SHAPES.read_text(encoding="utf-8"), format="turtle")
    rules = tuple(r for node in graph.objects(CLAIM_SHAPE, SH.property)
                  if (r := _rule(graph, node)) is not None)
    if not rules:
        raise ValueError(f"{SHAPES} has no property rules for {CLAIM_SHAPE}")
    return tuple(sorted(rules, key=lambda r: r.predicate))


__all__ = ["PropertyRule", "claim_rules", "CLAIM_SHAPE"]
