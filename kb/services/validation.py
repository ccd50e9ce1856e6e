"""SHACL validation of the whole KB (ontologies/shapes.ttl, with pyshacl)."""
from __future__ import annotations

import io
from dataclasses import dataclass
import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import RDF, SH

from kb.errors import ValidationFailed
from kb.store.base import Store
from kb.store.convert import from_ox
from ontologies import SHAPES


@dataclass
class Report:
    conforms: bool
    violations: int
    text: str
    quads: int

    def summary(self) -> str:
        return (f"SHACL: {self.quads} quads checked, "
                + ("conforms" if self.conforms else f"{self.violations} violation(s)"))


def shapes_graph() -> Graph:
    return Graph().parse(data=SHAPES.read_text(encoding="utf-8"), format="turtle")


def validate_graph(data: Graph, shapes: Graph | None = None) -> tuple[bool, int, str]:
    """(conforms, number of violations, readable report) for ``data`` against ``shapes``
    (default: the KB's, ontologies/shapes.ttl)."""
    import pyshacl  # here, not at the top: importing pyshacl takes ~150 ms more after kb (python -X importtime), paid only by `validate`

    conforms, results, text = pyshacl.validate(
        data, shacl_graph=shapes if shapes is not None else shapes_graph(), inference="none", advanced=True,
        allow_warnings=True)
    count = len(set(results.subjects(RDF.type, SH.ValidationResult)))
    return bool(conforms), count, text


def validate(store: Store, raise_on_violation: bool = True) -> Report:
    """Validate every graph of the KB (metadata and claim content, as one union).

    Raises ValidationFailed (with the readable report) on violations unless
    ``raise_on_violation`` is False. rdflib's memory store is used only to hold the
    parsed dump for pyshacl.
    """
    buffer = io.BytesIO()
    store.dump(buffer, "nquads")
    union = Graph()
    quads = 0
    for quad in ox.parse(buffer.getvalue(), ox.RdfFormat.N_QUADS):
        union.add((from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)))
        quads += 1
    conforms, count, text = validate_graph(union)
    report = Report(conforms, count, text, quads)
    if not conforms and raise_on_violation:
        raise ValidationFailed(f"the KB does not conform to the shapes: {count} violation(s)",
                               report=_readable(text))
    return report


def _readable(text: str) -> str:
    # pyshacl's report is readable already; keep it, minus its banner lines.
    lines = [l for l in text.splitlines() if l.strip() and not l.startswith("Validation Report")]
    return "\n".join(lines)
