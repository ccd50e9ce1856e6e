"""What changed between two versions of a claim, in words, and a claim's dataset as the
sorted N-Quads the history keeps as its earlier version. Pure functions on rdflib terms.
"""
from __future__ import annotations

from typing import Iterable

from rdflib import BNode, Dataset, URIRef
from rdflib.namespace import PROV, RDF

from kb.model.iris import META
from kb.model.vocab import CKB, local_name


def dataset_nquads(ds: Dataset) -> str:
    """A claim's dataset as sorted N-Quads (the earlier version kept by the history)."""
    text = ds.serialize(format="nquads")
    return "\n".join(sorted(line for line in text.splitlines() if line.strip())) + "\n"


_NOT_COMPARED = {str(PROV.generatedAtTime), str(CKB.retraction)}


def _paths(triples: list[tuple], roots: Iterable, owner: str,
           depth: int = 3) -> dict[str, set[str]]:
    """Readable path → values of what ``triples`` say, walking from ``roots`` into the
    nodes the claim owns (blank nodes, ``<claim#…>``): the claim's fields (modality,
    text, quote.exact, timeAbout.earliest…), node names left out, so that two versions
    compare by content. Shared resources (entities, properties) are not walked into."""
    by_subject: dict = {}
    for s, p, o in triples:
        by_subject.setdefault(s, []).append((p, o))
    out: dict[str, set[str]] = {}

    def walk(node, prefix, level, seen):
        for p, o in by_subject.get(node, ()):
            if str(p) in _NOT_COMPARED or p == RDF.type and prefix:
                continue
            key = f"{prefix}{local_name(p)}"
            owned = isinstance(o, BNode) or str(o).startswith(owner + "#")
            if owned and o in by_subject and level < depth and o not in seen:
                walk(o, key + ".", level + 1, seen | {o})
            else:
                out.setdefault(key, set()).add(local_name(o) if isinstance(o, URIRef) else str(o))

    for root in roots:
        walk(root, "", 0, {root})
    return out


def claim_diff(old: Dataset, claim: URIRef, new_quads: list[tuple]) -> str | None:
    """What changed between a stored claim and its new quads, in words
    ("modality: factual → opinion; value.value: 1344 → 1357"); None when nothing did."""
    def side(meta, content):
        paths = _paths(meta, [claim], str(claim))
        subjects = {s for s, _, _ in content} - {o for _, _, o in content}
        for key, values in _paths(content, subjects, str(claim)).items():
            paths.setdefault(f"content.{key}", set()).update(values)
        return paths

    old_side = side(list(old.graph(META)), list(old.graph(claim)))
    new_meta = [(s, p, o) for s, p, o, g in new_quads if g == META]
    new_side = side(new_meta, [(s, p, o) for s, p, o, g in new_quads if g == claim])
    changes = []
    for key in sorted(set(old_side) | set(new_side)):
        before, after = old_side.get(key, set()), new_side.get(key, set())
        if before != after:
            changes.append(f"{key}: {', '.join(sorted(before)) or '—'} → "
                           f"{', '.join(sorted(after)) or '—'}")
    return "; ".join(changes) or None


__all__ = ["claim_diff", "dataset_nquads"]
