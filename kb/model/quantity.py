"""Quantities as sources state them: "over 70%", "1,344 km", "more than a thousand".

A Quantity keeps the surface text, the number, the unit and the bound qualifier; its
interval comes from the qualifier's rule, which is data in ontologies/claimkb.ttl
(ckb:lowerEndpoint, ckb:upperEndpoint, ckb:tolerance, ckb:surfaceForm). A stated range
("between 300 and 400", "10–15%") keeps both figures in ``low``/``high``.

The rules parse_quantity follows are listed in its docstring; each one is tested in
tests/kb/model/test_quantity.py. The pieces it reads a value with are modules of their own: the
bound qualifiers (kb.model.qualifiers), numerals in digits and the decimal mark of each
language (kb.model.numerals: the DECIMAL_MARKS table), English number words, fractions
and vague plurals (kb.model.english_numbers), and one figure with what follows it, or a
range's two (kb.model.quantity_text). They import nothing from this module; the names
in ``__all__`` (DECIMAL_MARKS, decimal_mark, parse_number_words, Qualifier, qualifiers,
qualifier_named …) are importable from here.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from rdflib import URIRef

from kb.errors import InputError
from kb.model.english_numbers import parse_number_words
from kb.model.numerals import ARABIC_MARKS, DECIMAL_MARKS, SPACED_DECIMAL_COMMA, decimal_mark
from kb.model.qualifiers import (Qualifier, prefix_qualifier, qualifier_named, qualifiers,
                                 suffix_qualifier)
from kb.model.quantity_text import Figure, figure, figure_unit, range_figures, tidy
from kb.model.units import CURRENCY_SYMBOLS, Unit, unit_for
from kb.model.vocab import CKB

MAX_LENGTH = 200                          # characters; a longer value is refused


@dataclass(frozen=True)
class Quantity:
    """A value as a source stated it.

    ``value`` is the stated figure. For a stated range ("between 300 and 400",
    "10–15%") ``low`` and ``high`` are its two figures and ``value`` is their midpoint
    (what schema:value records; schema:minValue/maxValue record the interval).
    """

    surface: str
    value: Decimal
    unit: Unit
    qualifier: Qualifier
    low: Decimal | None = None
    high: Decimal | None = None
    # the decimal places the figure was written to, when ``value`` no longer shows them:
    # 1 for "8.0%", -5 for "60.3 million" (to the 100,000); None: as ``value`` shows
    places: int | None = None

    def __post_init__(self):
        if (self.low is None) != (self.high is None):
            raise ValueError("a range needs both low and high")
        if self.low is not None and self.low > self.high:
            raise ValueError(f"range low {self.low} is above high {self.high}")

    @property
    def is_range(self) -> bool:
        return self.low is not None

    def interval(self) -> tuple[Decimal | None, bool, Decimal | None, bool]:
        """(low, low_excluded, high, high_excluded); None means unbounded.

        The qualifier's lower-end rule applies to the stated figure (a range's low
        figure), its upper-end rule to the stated figure (a range's high figure). The
        unit's natural range (a share is 0..100%, a count is ≥ 0) closes an unbounded
        side and clips a tolerance ("about 98%" ends at 100%) — when the stated
        figures lie in it. A figure outside it ("-5%", "150%": a change, not a share)
        is not clipped.
        """
        q = self.qualifier
        first = self.value if self.low is None else self.low
        last = self.value if self.high is None else self.high
        low, low_ex = _end(q.lower, first, q.tolerance, -1)
        high, high_ex = _end(q.upper, last, q.tolerance, +1)
        unit_low = None if self.unit.low is None else Decimal(str(self.unit.low))
        unit_high = None if self.unit.high is None else Decimal(str(self.unit.high))
        if (unit_low is not None and first < unit_low) or (unit_high is not None and last > unit_high):
            return low, low_ex, high, high_ex
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


# ----------------------------------------------------------------- parse_quantity

def parse_quantity(text: str, unit: str | None = None, where: str | None = None, *,
                   language: str | None = None) -> Quantity:
    """Parse a quantity as written: qualifier phrase, figure, unit.

    ``unit`` overrides a unit in the text; ``language`` (a BCP-47 tag such as "de" or
    "fr-FR", None = English) says how the source writes numerals. Raises InputError for
    text that is not a quantity, an unknown unit or qualifier, an ambiguous numeral, or
    a value outside the unit's natural range; never anything else.

    Rules (tests/kb/model/test_quantity.py has a case for each):

    * **Qualifier**: one ckb:surfaceForm from ontologies/claimkb.ttl before the figure
      ("over", "some", "just over", "as many as", "circa"), or one written after it
      ("300 or more", "1,000-plus", "a dozen or so": forms starting with "…"). None =
      exact. A word before the figure that is not a known form is an "unknown bound
      qualifier" error; two qualifiers are an error.
    * **Numerals**: spaces (also no-break, narrow no-break and thin spaces) and
      apostrophes group thousands ("1 344", "1'344"). With both "." and ",", the later
      one is the decimal mark ("1,344.5", "2.640,3") whatever the language. One mark
      written several times groups thousands ("1.500.000"). One mark written once is
      the decimal mark unless exactly three digits follow it and one to three digits
      (not starting with 0) precede it ("2640,3", "1,5", "0.500", "2,6403" are
      decimals); in that ambiguous case ("1,500", "1.500") the language decides
      (DECIMAL_MARKS): English reads 1,500 = 1500 and 1.500 = 1.5, German reads the
      opposite, and a language not in the table is refused. Groups must be of three
      digits (Indian lakh grouping "1,34,000" is accepted); at most 20 digits.
      A leading "-" or "−" is a minus sign.
    * **Scale words** after a figure: hundred, thousand, million, billion, trillion,
      dozen, lakh, crore, "bn", "mn", "mln" ("1.5 million", "3bn"). "m" is metres
      ("3m" = 3 m), never million; "k" is not read.
    * **Number words**: see parse_number_words; "two and a half million" = 2,500,000.
      In another ``language``, kb/model/number_words.py ("около двух тысяч", "deux tiers",
      "أكثر من ألف"; "2 mil" in Portuguese).
    * **Fractions in words** ("half", "a third", "two-thirds", "three quarters", "nine
      tenths") are a share in % (P1), the ratio rounded to 6 places (two-thirds =
      66.6667%). Only the fraction is the value: "half of the border" is an error.
      "half a million" / "a quarter of a million" scale it (a count); "half an hour",
      "a quarter of a mile" make it a figure in that unit (0.5 h, 0.25 mi).
    * **Vague plurals** mean at least two of the named amount, with the qualifier
      at least: "dozens" ≥ 24, "scores" ≥ 40, "hundreds" ≥ 200, "thousands" ≥ 2,000,
      "tens of thousands" ≥ 20,000, "hundreds of thousands" ≥ 200,000, "millions"
      ≥ 2,000,000. They take no other qualifier.
    * **Ranges**: "between X and Y", "from X to Y", "X to Y", "X–Y" / "X-Y" (a dash
      only before a digit) give qualifier *between*, ``low`` = X, ``high`` = Y and
      ``value`` = their midpoint; "about"/"some"/… before a range widens both ends.
      A unit or scale word written only after Y applies to X too ("10–15%", "2 to 3
      million"); X must be below Y. No other qualifier goes with a range.
    * **Units**: kb.units (% / percent / per cent / pc, km, …); none = a count.
    * **Natural range**: the interval must not be empty once the unit's natural range
      (a share 0–100%, counts and lengths ≥ 0) closes it: "over 100%", "less than 0
      km" are errors. A figure outside the natural range is kept as stated and not
      clipped ("-5%", "150%", "-5": a change rather than a share or a count; see
      Quantity.interval). Zero is a figure like any other ("zero", "0 km", "over 0%").
    * **Junk**: empty text, text over 200 characters, "nan", "inf", "1e6", "1/2" and
      text without a figure are errors.
    """
    raw = str(text)
    if len(raw) > MAX_LENGTH:
        raise InputError(f"a value of {len(raw)} characters is too long (at most "
                         f"{MAX_LENGTH}): {raw[:40]!r}…", where=where)
    surface = " ".join(raw.split())
    work = " ".join(unicodedata.normalize("NFKC", surface).lower()
                    .replace("\u2212", "-").translate(ARABIC_MARKS).split())
    if decimal_mark(language) == ",":
        work = SPACED_DECIMAL_COMMA.sub(",", work)
    not_a_quantity = InputError(f"not a quantity: {surface!r} (expected e.g. '1,344 km', "
                                "'over 70%', 'more than a thousand', 'between 300 and 400')",
                                where=where)
    prefix, rest = prefix_qualifier(work)
    suffix, rest = suffix_qualifier(rest)
    if prefix is not None and suffix is not None:
        raise InputError(f"{surface!r} has two bound qualifiers ({prefix.label!r} and "
                         f"{suffix.label!r})", where=where)
    qualifier = prefix or suffix
    between = qualifier is not None and qualifier.iri == CKB.Between
    if qualifier is not None and qualifier.iri == CKB.About:
        again, after = prefix_qualifier(rest)       # "roughly between 300 and 400"
        if again is not None and again.iri == CKB.Between:
            between, rest = True, after
    again, _ = prefix_qualifier(rest)
    if again is not None:
        raise InputError(f"{surface!r} has two bound qualifiers ({qualifier.label!r} and "
                         f"{again.label!r})", where=where)
    rest, unit = _currency(rest, unit, surface, where)
    if not rest:
        raise not_a_quantity

    pair = range_figures(rest, between, language, surface, where)
    if pair is None and between:
        raise InputError(f"{surface!r}: {qualifier.label!r} needs two figures, e.g. "
                         "'between 300 and 400'", where=where)
    if pair is not None:
        return _range_quantity(surface, pair, qualifier, unit, where)

    fig = figure(rest, language, surface, where)
    if fig is None:
        _unknown_qualifier(rest, language, surface, where)
        raise not_a_quantity
    if fig.kind == "vague":
        if qualifier is not None:
            raise InputError(f"{surface!r}: a vague figure ('thousands') already means at "
                             f"least {tidy(fig.value)}; it takes no {qualifier.label!r}",
                             where=where)
        qualifier = qualifiers()[CKB.AtLeast]
    qualifier = qualifier or qualifiers()[CKB.Exact]
    unit_obj = figure_unit(fig, unit, surface, where)
    value = tidy(fig.value)
    places = fig.places if fig.places != max(0, -value.as_tuple().exponent) else None
    quantity = Quantity(surface=surface, value=value, unit=unit_obj,
                        qualifier=qualifier, places=places)
    _check_range(quantity, where)
    return quantity


def _currency(rest: str, unit: str | None, surface: str, where) -> tuple[str, str | None]:
    """A currency symbol before the figure ("$1.2 billion", "US$ 500", "€30m"): the rest
    without it, and its ISO 4217 code as the unit (kb.model.units.CURRENCY_SYMBOLS).
    After a symbol a closing "m" is million, never metres."""
    for symbol in CURRENCY_SYMBOLS:
        if rest.startswith(symbol) and rest[len(symbol):].lstrip(" ")[:1].isdecimal():
            code = CURRENCY_SYMBOLS[symbol]
            if unit is not None and unit_for(unit, where=where).code != code:
                raise InputError(f"{surface!r} is in {code} but the unit given is {unit!r}",
                                 where=where)
            figures = rest[len(symbol):].strip()
            for joint in (" and ", " to ", "-", "–", "—"):   # "between $10m and $15m"
                figures = figures.replace(joint + symbol, joint)
            figures = re.sub(r"(\d)\s?m$", r"\1 million", figures)
            figures = re.sub(r"(\d)\s?(?:m|mn)(?=[ –—-])", r"\1 million", figures)
            return figures, code
    return rest, unit


def _unknown_qualifier(rest: str, language, surface: str, where) -> None:
    """Words before a figure that are no qualifier: "circa 300" when circa is unknown."""
    words = rest.split(" ")
    for k in range(1, len(words)):
        if figure(" ".join(words[k:]), language, surface, where) is not None:
            known = sorted(q.label for q in qualifiers().values())
            raise InputError(f"unknown bound qualifier {' '.join(words[:k])!r} in "
                             f"{surface!r} (known: {', '.join(known)}; their phrases are "
                             "the ckb:surfaceForm values in ontologies/claimkb.ttl)",
                             where=where)


def _range_quantity(surface: str, pair, qualifier, unit, where) -> Quantity:
    a, b = pair
    if qualifier is None or qualifier.iri == CKB.Between:
        qualifier = qualifiers()[CKB.Between]
    elif qualifier.iri != CKB.About:
        raise InputError(f"{surface!r}: a range takes no {qualifier.label!r} qualifier "
                         "(only 'between' or 'about')", where=where)
    if a.kind == "number" and b.kind == "number" and not a.rest and a.unit is None:
        if a.scale is None and b.scale is not None and a.value * b.scale < b.value:
            a = Figure(a.value * b.scale, "", a.kind, b.scale)   # "2 to 3 million"
        a = Figure(a.value, b.rest, a.kind, a.scale, b.unit)     # "10–15%"
    ua, ub = figure_unit(a, unit, surface, where), figure_unit(b, unit, surface, where)
    if ua != ub:
        raise InputError(f"{surface!r}: the two ends of the range are in different units",
                         where=where)
    low, high = tidy(a.value), tidy(b.value)
    if low >= high:
        raise InputError(f"{surface!r}: the first figure of a range must be below the "
                         "second", where=where)
    quantity = Quantity(surface=surface, value=tidy((low + high) / 2), unit=ua,
                        qualifier=qualifier, low=low, high=high)
    _check_range(quantity, where)
    return quantity


def _check_range(q: Quantity, where) -> None:
    unit = q.unit
    low, low_ex, high, high_ex = q.interval()
    if low is not None and high is not None and (low > high or (low == high and (low_ex or high_ex))):
        raise InputError(f"{q.surface!r} leaves no possible value ({unit.dimension} "
                         f"runs from {_fmt(unit.low)} to {_fmt(unit.high)})", where=where)


def _fmt(x: float | None) -> str:
    return "∞" if x is None else format(Decimal(str(x)).normalize(), "f")


__all__ = ["Quantity", "parse_quantity", "MAX_LENGTH",
           # defined in kb.model.numerals, kb.model.english_numbers and kb.model.qualifiers
           "DECIMAL_MARKS", "decimal_mark", "parse_number_words", "Qualifier", "qualifiers",
           "qualifier_named"]
