"""What the comparison reads (kb.model.verdicts): one structured claim as plain values
(``ClaimFacts``) and what the knowledge base says about its terms (``Identity``:
owl:sameAs and owl:equivalentProperty classes, the property's kind and traits, the
part-of links between entities).

Plain data, no rules: the rules that read these values are kb.model.time_rules,
kb.model.scope_rules and kb.model.value_rules, and kb.model.verdicts gives the verdict.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Iterable

from kb.model.vocab import CKB

# property kinds (docs/comparison.md "Time"): rdf:types of the property, state the default
STATE, EVENT, CUMULATIVE, TIME_INVARIANT = "state", "event", "cumulative", "time_invariant"
KIND_OF_TYPE = {str(CKB.TimeInvariantProperty): TIME_INVARIANT,
                str(CKB.EventCountProperty): EVENT, str(CKB.CumulativeProperty): CUMULATIVE}


@dataclass
class ClaimFacts:
    """One structured claim, as the comparison sees it (plain values, not RDF terms)."""

    claim: str
    source: str                      # the publisher, else the article
    article: str
    modality: str
    subject: str
    property: str
    scope: str | None
    earliest: dt.date | None
    latest: dt.date | None
    kind: str                        # quantity, entity, date, text
    object: str                      # an entity set: its member IRIs, sorted, space-separated
    value: Decimal | None = None
    decimals: int = 0
    unit: str | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    low_ex: bool = False
    high_ex: bool = False
    bound: str | None = None
    surface: str | None = None
    open_start: bool = False         # "by 30 June": holds at that day, beginning unstated
    open_end: bool = False           # "since 1998": latest is the publication day

    @property
    def members(self) -> list[str]:
        """An entity value's members (one, or the set's)."""
        return self.object.split(" ")

    @property
    def when(self) -> str:
        if self.earliest is None:
            return "no time given"
        if self.open_end:
            return f"since {self.earliest}"
        if self.open_start:
            return f"by {self.latest}"
        return str(self.earliest) if self.earliest == self.latest else f"{self.earliest}/{self.latest}"


TRAITS = ("time_invariant", "single_valued", "event", "cumulative")


@dataclass
class Identity:
    """owl:sameAs / owl:equivalentProperty classes, property traits (kind,
    single-valued, time tolerance) and the part-of links between entities."""

    canonical: dict[str, str] = field(default_factory=dict)
    time_invariant: set[str] = field(default_factory=set)
    single_valued: set[str] = field(default_factory=set)
    event: set[str] = field(default_factory=set)
    cumulative: set[str] = field(default_factory=set)
    tolerance: dict[str, int] = field(default_factory=dict)     # property → days
    part_of: dict[str, set[str]] = field(default_factory=dict)  # entity → what it lies within
    # a property's (kind, single-valued, tolerance), and the part-of links by canonical
    # key, worked out once: compare_pair asks for every pair. Filled on first use;
    # add_trait empties them (set them before the first comparison otherwise).
    _traits: dict = field(default_factory=dict, repr=False, compare=False)
    _up: dict | None = field(default=None, repr=False, compare=False)   # part_of by key

    def key(self, iri: str | None) -> str | None:
        return None if iri is None else self.canonical.get(iri, iri)

    def property_has(self, prop: str, traits: set[str]) -> bool:
        key = self.key(prop)
        return any(self.key(p) == key for p in traits)

    def traits_of(self, prop: str) -> tuple[str, bool, int]:
        """The property's (kind, single-valued, tolerance in days), worked out once."""
        found = self._traits.get(prop)
        if found is None:
            kind = next((name for name in (TIME_INVARIANT, EVENT, CUMULATIVE)
                         if self.property_has(prop, getattr(self, name))), STATE)
            key = self.key(prop)
            tolerance = max((d for p, d in self.tolerance.items() if self.key(p) == key), default=0)
            found = self._traits[prop] = (kind, self.property_has(prop, self.single_valued),
                                          tolerance)
        return found

    def kind(self, prop: str) -> str:
        """The property's kind: time_invariant, event, cumulative, else state."""
        return self.traits_of(prop)[0]

    def is_single_valued(self, prop: str) -> bool:
        return self.traits_of(prop)[1]

    def tolerance_of(self, prop: str) -> int:
        return self.traits_of(prop)[2]

    def contains(self, broad: str | None, narrow: str | None) -> bool:
        """Whether ``narrow`` lies within ``broad`` (dcterms:isPartOf, followed through
        any number of steps and across owl:sameAs; safe with cycles)."""
        if broad is None or narrow is None or not self.part_of:
            return False
        if self._up is None:        # canonical keys, worked out once (asked for per pair)
            self._up = defaultdict(set)
            for child, parents in self.part_of.items():
                self._up[self.key(child)].update(self.key(p) for p in parents)
        up = self._up
        target, seen, todo = self.key(broad), set(), [self.key(narrow)]
        while todo:
            node = todo.pop()
            for parent in up.get(node, ()):
                if parent == target:
                    return True
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return False

    def trait_rows(self) -> set[tuple[str, str]]:
        """(IRI, trait) rows: what the comparison index keeps to notice changes."""
        rows = {(self.key(p), t) for t in TRAITS for p in getattr(self, t)}
        rows |= {(self.key(p), f"tolerance={d}") for p, d in self.tolerance.items()}
        rows |= {(c, f"part_of={p}") for c, ps in self.part_of.items() for p in ps}
        return rows

    def add_trait(self, iri: str, trait: str) -> None:
        """The inverse of trait_rows, one row at a time."""
        self._traits.clear()
        self._up = None
        name, _, value = trait.partition("=")
        if name == "tolerance":
            self.tolerance[iri] = int(value)
        elif name == "part_of":
            self.part_of.setdefault(iri, set()).add(value)
        else:
            getattr(self, name).add(iri)


def _date(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text[:10])


def _dec(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def claim_facts(claim: str, source: str, article: str, modality: str, subject: str, prop: str,
           scope, earliest, latest, kind: str, obj: str, value, unit, low, high, low_ex,
           high_ex, bound, surface, open_start=None, open_end=None, places=None) -> ClaimFacts:
    value = _dec(value)
    if places is not None:          # the precision it was written to ("8.0", "60.3 million")
        decimals = int(places)
    else:
        decimals = max(0, -value.as_tuple().exponent) if value is not None else 0
    return ClaimFacts(
        claim=claim, source=source, article=article, modality=modality, subject=subject,
        property=prop, scope=scope, earliest=_date(earliest), latest=_date(latest),
        kind=kind, object=obj, value=value, decimals=decimals,
        unit=unit, low=_dec(low), high=_dec(high), low_ex=low_ex == "true",
        high_ex=high_ex == "true", bound=bound, surface=surface,
        open_start=open_start == "true", open_end=open_end == "true")


def entity_object(objects: Iterable[str]) -> str:
    """The ``object`` of an entity value: its member IRIs, sorted, space-separated."""
    return " ".join(sorted(set(objects)))


def short_name(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
