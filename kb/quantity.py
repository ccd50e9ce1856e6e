"""Quantities as sources state them: "over 70%", "1,344 km", "more than a thousand".

A Quantity keeps the surface text, the number, the unit and the bound qualifier; its
interval comes from the qualifier's rule, which is data in ontologies/claimkb.ttl
(ckb:lowerEndpoint, ckb:upperEndpoint, ckb:tolerance, ckb:surfaceForm).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from rdflib import Graph, URIRef

from .errors import InputError
from .units import Unit, unit_for
from .vocab import CKB, RDF


@dataclass(frozen=True)
class Qualifier:
    iri: URIRef
    label: str
    lower: URIRef       # a ckb:Endpoint
    upper: URIRef
    tolerance: Decimal
    forms: tuple[str, ...]


@lru_cache(maxsize=1)
def qualifiers() -> dict[URIRef, Qualifier]:
    """The bound qualifiers and their interval rules, read from the ontology."""
    from ontologies import VOCABULARY

    graph = Graph()
    graph.parse(data=VOCABULARY.read_text(encoding="utf-8"), format="turtle")
    table = {}
    for iri in graph.subjects(RDF.type, CKB.BoundQualifier):
        tol = graph.value(iri, CKB.tolerance)
        table[iri] = Qualifier(
            iri=iri,
            label=str(graph.value(iri, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))),
            lower=graph.value(iri, CKB.lowerEndpoint),
            upper=graph.value(iri, CKB.upperEndpoint),
            tolerance=Decimal(str(tol)) if tol is not None else Decimal(0),
            forms=tuple(sorted((str(f) for f in graph.objects(iri, CKB.surfaceForm)),
                               key=len, reverse=True)),
        )
    return table


def qualifier_named(name: str, where: str | None = None) -> Qualifier:
    """A qualifier by label ("more than") or surface form ("over"). InputError if unknown."""
    key = " ".join(name.lower().replace("_", " ").replace("-", " ").split())
    for q in qualifiers().values():
        if key == q.label or key in q.forms:
            return q
    known = sorted(q.label for q in qualifiers().values())
    raise InputError(f"unknown bound qualifier {name!r} (known: {', '.join(known)})",
                     where=where)


@dataclass(frozen=True)
class Quantity:
    surface: str
    value: Decimal
    unit: Unit
    qualifier: Qualifier

    def interval(self) -> tuple[Decimal | None, bool, Decimal | None, bool]:
        """(low, low_excluded, high, high_excluded); None means unbounded.

        The unit's natural range (a share is 0..100%, a count is ≥ 0) closes an
        unbounded side and clips a tolerance ("about 98%" ends at 100%).
        """
        q = self.qualifier
        low, low_ex = _end(q.lower, self.value, q.tolerance, -1)
        high, high_ex = _end(q.upper, self.value, q.tolerance, +1)
        unit_low = None if self.unit.low is None else Decimal(str(self.unit.low))
        unit_high = None if self.unit.high is None else Decimal(str(self.unit.high))
        if unit_low is not None and (low is None or low < unit_low):
            low, low_ex = unit_low, False
        if unit_high is not None and (high is None or high > unit_high):
            high, high_ex = unit_high, False
        return low, low_ex, high, high_ex


def _end(rule: URIRef, value: Decimal, tolerance: Decimal, sign: int):
    if rule == CKB.AtValueInclusive:
        return value, False
    if rule == CKB.AtValueExclusive:
        return value, True
    if rule == CKB.WithinTolerance:
        return value + sign * abs(value) * tolerance, False
    return None, False


_SMALL = {
    "zero": 0, "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_SCALES = {"dozen": 12, "hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}
_NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")


def parse_number_words(words: list[str]) -> Decimal | None:
    """"a thousand" → 1000, "thirteen" → 13, "one hundred and five" → 105; None if not a number."""
    total = current = 0
    seen = False
    for word in words:
        for part in word.split("-"):
            if part == "and" and seen:
                continue
            if part in _SMALL:
                current += _SMALL[part]
            elif part in _SCALES:
                current = max(current, 1) * _SCALES[part]
                if _SCALES[part] >= 1000:
                    total += current
                    current = 0
            else:
                return None
            seen = True
    return Decimal(total + current) if seen else None


def parse_quantity(text: str, unit: str | None = None, where: str | None = None) -> Quantity:
    """Parse a quantity as written: qualifier phrase, number (digits or words), unit.

    ``unit`` overrides a unit in the text. Raises InputError for text that is not a
    quantity, an unknown unit or qualifier.
    """
    surface = " ".join(str(text).split())
    rest = surface.lower().replace("\u2009", " ").replace("\u00a0", " ")
    qualifier = qualifiers()[CKB.Exact]
    forms = sorted(((f, q) for q in qualifiers().values() for f in q.forms),
                   key=lambda fq: len(fq[0]), reverse=True)
    for form, q in forms:
        if rest.startswith(form) and (not form[-1].isalpha() or rest[len(form):len(form) + 1] in (" ", "")):
            qualifier, rest = q, rest[len(form):].strip()
            break
    match = _NUMBER.match(rest)
    if match:
        try:
            value = Decimal(match.group(0).replace(",", ""))
        except InvalidOperation:  # pragma: no cover - regex guarantees digits
            raise InputError(f"not a number: {match.group(0)!r}", where=where) from None
        rest = rest[match.end():].strip()
        scale = rest.split(" ", 1)[0] if rest else ""
        if scale in _SCALES:
            value *= _SCALES[scale]
            rest = rest[len(scale):].strip()
    else:
        words = rest.replace("%", " %").split()
        value = None
        for cut in range(len(words), 0, -1):
            value = parse_number_words(words[:cut])
            if value is not None:
                rest = " ".join(words[cut:])
                break
        if value is None:
            raise InputError(f"not a quantity: {surface!r} (expected e.g. '1,344 km', "
                             "'over 70%', 'more than a thousand')", where=where)
    unit_obj = unit_for(unit if unit is not None else rest, where=where)
    if unit is not None and rest and unit_for(rest, where=where) != unit_obj:
        raise InputError(f"{surface!r} is in {rest!r} but the unit given is {unit!r}",
                         where=where)
    return Quantity(surface=surface, value=value, unit=unit_obj, qualifier=qualifier)
