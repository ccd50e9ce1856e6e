"""Scope (docs/comparison.md "Scope"): a claim's ckb:scope restricts its subject (one
province's stretch of a border).

Two claims' scopes are the same (across owl:sameAs, or both none); one is not stated →
the pair "may hold" (COMPATIBLE or PARTIAL, never CONFLICT); one lies within the other
(dcterms:isPartOf, followed through any number of steps: ``Identity.contains``) →
PARTIAL, a CONFLICT only when, at the same time, the part's figure in an additive unit
(kb.model.units.ADDITIVE_DIMENSIONS: counts, lengths, areas, masses, durations) lies
wholly above the whole's (``exceeds_whole``); else they are disjoint → NOT_COMPARABLE.
``read_scope`` reads a pair's scopes for kb.model.verdicts.compare_pair.
"""
from __future__ import annotations

from typing import NamedTuple

from kb.model.claim_facts import ClaimFacts, Identity, short_name
from kb.model.units import ADDITIVE_DIMENSIONS, UNITS
from kb.model.value_rules import Relation, above


class ScopeReading(NamedTuple):
    """How a pair's scopes read: ``not_comparable`` (the reason) for disjoint scopes;
    ``unstated`` when one does not state its scope; ``narrower`` the (part, whole)
    claims when one scope lies within the other."""

    not_comparable: str | None = None
    unstated: str | None = None
    narrower: tuple[ClaimFacts, ClaimFacts] | None = None


SAME_SCOPE = ScopeReading()     # the same scope (or neither states one)


def read_scope(a: ClaimFacts, b: ClaimFacts, identity: Identity) -> ScopeReading:
    """A pair's scopes: the same, one not stated, one part of the other, or disjoint."""
    sa, sb = identity.key(a.scope), identity.key(b.scope)
    if sa == sb:
        return SAME_SCOPE
    if sa is None or sb is None:
        c, other = (a, b) if sa is None else (b, a)
        return ScopeReading(unstated=f"{short_name(c.claim)} does not state its scope "
                                     f"({short_name(other.claim)} is about {short_name(other.scope)})")
    if identity.contains(sb, sa):
        return ScopeReading(narrower=(a, b))
    if identity.contains(sa, sb):
        return ScopeReading(narrower=(b, a))
    return ScopeReading(f"different scope: {short_name(a.scope)} vs {short_name(b.scope)}")


def exceeds_whole(part: ClaimFacts, rel: Relation) -> bool:
    """Whether the claim about the part gives more than the one about the whole: a
    quantity in an additive unit whose interval lies wholly above the whole's (``rel``
    the relation of their values, disjoint)."""
    return (part.kind == "quantity" and rel.gap is not None and additive(part.unit)
            and above(part, rel))


def additive(unit: str | None) -> bool:
    """Whether figures in ``unit`` add up over parts (a count, a length; not a share)."""
    u = UNITS.get(unit or "")
    return u is not None and u.dimension in ADDITIVE_DIMENSIONS
