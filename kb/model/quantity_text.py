"""One figure as written, before it becomes a Quantity (kb.model.quantity): digits,
number words, a fraction or a vague plural, with the scale word, unit or counted noun
that follows it ("1.5 million", "two-thirds", "thousands of", "12 villages"), and the two
figures of a range ("300 to 400", "10–15%").
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from decimal import Decimal

from kb.errors import InputError
from kb.model import number_words
from kb.model.english_numbers import (DENOMINATORS, OF_A_RE, ONES, SCALES, TEENS, TENS, VAGUE,
                                      fraction_words, parse_number_words, vague_plural)
from kb.model.numerals import NUMERAL_RE, numeral
from kb.model.units import ALIASES, UNSUPPORTED, Unit, unit_for

_RANGE_RE = re.compile(r" (?:to|and) |\s?[-–—]\s?(?=\d)")


@dataclass
class Figure:
    """A figure as written: its value and what follows it in the text."""

    value: Decimal
    rest: str               # what follows: a unit, a range's second figure…
    kind: str               # number, fraction (a share, unit %), vague (at least…)
    scale: int | None = None    # the scale word written after the figure, if any
    unit: str | None = None     # a unit the figure itself names ("%70", "half an hour")
    places: int | None = None   # digits only: decimal places as written ("8.0": 1)


def _scale_word(text: str, language: str | None = None) -> tuple[int | None, str]:
    word = text.split(" ", 1)[0] if text else ""
    if word in SCALES:
        return SCALES[word], text[len(word):].strip()
    found = number_words.scale(word, language) if word else None
    if found is not None:   # "2 mil" (pt), "5 тыс." (ru), "1,5 Mio." (de)
        return found, text[len(word):].strip()
    return None, text


def figure(text: str, language: str | None, surface: str, where: str | None) -> Figure | None:
    """The figure at the start of text (digits, a fraction, a vague plural, number words)."""
    unit = None
    if re.match(r"%\s*\d", text):          # "%70" (Turkish and others write % first)
        text, unit = text[1:].lstrip(), "%"
    m = NUMERAL_RE.match(text)
    if m:
        value, rest = numeral(m.group(0), language, surface, where), text[m.end():].strip()
        fig = Figure(value, rest, "number", unit=unit, places=max(0, -value.as_tuple().exponent))
    elif unit is not None:
        return None
    else:
        frac = fraction_words(text)
        if frac is not None:
            ratio, rest = frac
            scale, after = _scale_word(rest)
            if scale is not None:   # "a half million", "a half dozen"
                return Figure(ratio * scale, after, "number", scale=scale)
            of_a = OF_A_RE.match(rest)
            if of_a:            # "half a million", "a quarter of a mile", "half an hour"
                scale, after = _scale_word(of_a.group("rest"))
                if scale is not None:
                    return Figure(ratio * scale, after, "number", scale=scale)
                return Figure(ratio, "", "number", unit=of_a.group("rest"))
            return Figure(ratio * 100, rest, "fraction")
        vague = vague_plural(text)
        if vague is not None:
            return Figure(Decimal(vague[0]), vague[1], "vague")
        words = text.split(" ")
        for cut in range(len(words), 0, -1):
            value = parse_number_words(words[:cut])
            if value is not None:
                last = words[cut - 1].rsplit("-", 1)[-1]
                fig = Figure(value, " ".join(words[cut:]), "number", SCALES.get(last))
                break
        else:
            fig = _other_language_words(words, language)
            if fig is None:
                return None
    # "two and a half", "1 and a quarter"
    mixed = False
    if fig.value == fig.value.to_integral_value() and fig.rest.startswith("and "):
        frac = fraction_words(fig.rest[4:])
        if frac is not None:
            fig.value, fig.rest, mixed = fig.value + frac[0], frac[1], True
    # a scale word after digits ("1.5 million") or a mixed number ("two and a half
    # million"); number words took their own scales already ("one thousand fifteen
    # hundred" is not a number)
    scale, rest = _scale_word(fig.rest, language)
    if scale is not None and (m is not None or mixed):
        fig.value, fig.rest, fig.scale = fig.value * scale, rest, scale
        power = len(str(scale)) - 1
        if fig.places is not None:    # "60.3 million" is written to the 100,000
            fig.places = fig.places - power if scale == 10 ** power else None
    return fig


def _other_language_words(words: list[str], language: str | None) -> Figure | None:
    """Number or fraction words of the article's language at the start of ``words``
    (kb/model/number_words.py: "двух тысяч", "deux tiers", "ألف"), the longest that reads."""
    for cut in range(len(words), 0, -1):
        share = number_words.fraction(words[:cut], language)
        if share is not None:
            return Figure(share, " ".join(words[cut:]), "fraction")
        value = number_words.value(words[:cut], language)
        if value is not None:
            return Figure(value, " ".join(words[cut:]), "number",
                          number_words.scale(words[cut - 1], language))
    return None


def tidy(value: Decimal) -> Decimal:
    """A figure's value as stored: whole numbers without decimals ("12.0" → 12, never
    -0), other numbers without trailing zeros."""
    if value == value.to_integral_value():
        return abs(value.quantize(Decimal(1))) if value == 0 else value.quantize(Decimal(1))
    return value.normalize()


# ----------------------------------------------------------------- what follows a figure

def figure_unit(fig: Figure, unit: str | None, surface: str, where) -> Unit:
    """The unit of a figure: the one it names, else the words after it (none: a count,
    as is a counted noun, "12 villages"); ``unit``, when given, overrides and must
    agree with a unit written in the text."""
    if fig.kind == "fraction":
        if fig.rest:
            raise InputError(f"{surface!r}: a fraction is a share (%) on its own, and "
                             f"{fig.rest!r} is not part of the value; write only the "
                             "fraction ('about two-thirds') and say what it is a share of "
                             "in the property", where=where)
        written = "%"
    elif fig.unit is not None:
        if fig.rest:
            raise InputError(f"{surface!r}: unexpected {fig.rest!r} after the value",
                             where=where)
        written = fig.unit
    else:
        written = fig.rest
        if unit is None and fig.kind == "number" and _counted_noun(written, surface, where):
            return unit_for("")   # "12 villages", "2,400 workers": a count; the noun stays in the surface text
    unit_obj = unit_for(unit if unit is not None else written, where=where)
    if unit is not None and written and unit_for(written, where=where) != unit_obj:
        raise InputError(f"{surface!r} is in {written!r} but the unit given is {unit!r}",
                         where=where)
    return unit_obj


# words that belong to figures, never the noun counted after one
_NOT_NOUNS = frozenset({*ONES, *TEENS, *TENS, *SCALES, *VAGUE, *DENOMINATORS,
                        "and", "of", "to", "or", "a", "an", "per", "each", "every", "hundreds", "tens",
                        "zero"})   # "1,000 soldiers per day" is a rate, not a count
_NOUN = re.compile(r"[^\W\d_]+(?:[ '’-][^\W\d_]+){0,3}")


def _counted_noun(rest: str, surface: str, where) -> bool:
    """Whether ``rest`` (what follows the figure) is the noun of a count ("villages",
    "Afghan soldiers", "сёл"): up to four words of letters that are not a known unit.
    A word close to a unit ("kilometers" misspelt "kilomters") is an error naming the
    unit, never a count."""
    if not rest or not _NOUN.fullmatch(rest):
        return False
    if any(w in _NOT_NOUNS for w in re.split(r"[ '’-]", rest)):
        return False   # "four quarters", "hundreds of dozens": number words, not a noun
    if rest in UNSUPPORTED:
        return False   # "300 furlongs": a unit claimkb does not convert, not a noun
    try:
        unit_for(rest)
        return False   # a unit after all
    except InputError:
        pass
    close = difflib.get_close_matches(rest, list(ALIASES), n=1, cutoff=0.85)
    if close:
        raise InputError(f"unknown unit {rest!r} in {surface!r}: did you mean {close[0]!r}?",
                         where=where)
    return True


# ----------------------------------------------------------------- ranges

def range_figures(rest: str, between: bool, language, surface: str, where):
    """The two figures of a range ("300 to 400", "10–15%"), or None if rest is not one."""
    found = []
    for m in _RANGE_RE.finditer(rest):
        if m.start() == 0 or ("and" in m.group(0) and not between):
            continue
        left, right = rest[:m.start()].strip(), rest[m.end():].strip()
        a = figure(left, language, surface, where)
        b = figure(right, language, surface, where)
        if a is None or b is None or "vague" in (a.kind, b.kind):
            continue
        if not (_unit_or_none(a) and _unit_or_none(b)):
            continue
        found.append((a, b))
    if len(found) > 1:
        raise InputError(f"{surface!r} reads as more than one range; write the figures "
                         "in digits", where=where)
    return found[0] if found else None


def _unit_or_none(fig: Figure) -> bool:
    """Whether what follows a figure is empty or a known unit."""
    try:
        figure_unit(fig, None, "", None)
    except InputError:
        return False
    return True
