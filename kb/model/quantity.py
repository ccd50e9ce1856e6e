"""Quantities as sources state them: "over 70%", "1,344 km", "more than a thousand".

A Quantity keeps the surface text, the number, the unit and the bound qualifier; its
interval comes from the qualifier's rule, which is data in ontologies/claimkb.ttl
(ckb:lowerEndpoint, ckb:upperEndpoint, ckb:tolerance, ckb:surfaceForm). A stated range
("between 300 and 400", "10–15%") keeps both figures in ``low``/``high``.

The rules parse_quantity follows are listed in its docstring; each one is tested in
tests/test_quantity.py. Number conventions per language are the DECIMAL_MARKS table.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from rdflib import Graph, URIRef

from kb.model import number_words
from kb.errors import InputError
from kb.model.units import ALIASES, UNSUPPORTED, Unit, unit_for
from kb.model.vocab import CKB, RDF
from ontologies import VOCABULARY

MAX_LENGTH = 200                          # characters; a longer value is refused
MAX_DIGITS = 20                           # digits in one numeral; no real figure has more
FRACTION_QUANTUM = Decimal("0.000001")    # a fraction's ratio is kept to 6 places (2/3 → 66.6667%)
SUFFIX_MARK = "…"                         # a ckb:surfaceForm "… or more" follows the number
# Arabic and Persian sources write their own decimal mark and thousands separator
# (beside Arabic-Indic digits, which are digits to Python already: "۳۰۰" is 300)
_MARKS = str.maketrans({"\u066b": ".", "\u066c": ","})
# "2640, 3 m": a space after a decimal comma, as some official sites print it; joined
# only in a language whose decimal mark is the comma
_SPACED_DECIMAL_COMMA = re.compile(r"(?<=\d), (?=\d{1,2}(?!\d))")

# Decimal mark by language: a BCP-47 tag, looked up from the most specific form down to
# its primary subtag ("de-CH-1996" → "de-ch" → "de"). The other one of "." and "," is
# that language's thousands separator ("1.500" is 1500 in German, 1.5 in English).
# Spaces (also no-break and thin spaces) and apostrophes group thousands in every
# language. language=None reads English conventions; a language not in this table
# reads every unambiguous numeral, and refuses the ambiguous ones (see parse_quantity).
DECIMAL_MARKS: dict[str, str] = {
    # "." decimal mark, "," (or a space) between thousands
    "en": ".", "zh": ".", "ja": ".", "ko": ".", "he": ".", "hi": ".", "th": ".",
    "ms": ".", "fil": ".", "tl": ".", "sw": ".", "ga": ".", "cy": ".",
    "ar": ".", "fa": ".", "ur": ".", "ps": ".",   # with Western digits; see _MARKS for ٫ ٬
    "de-ch": ".", "de-li": ".", "it-ch": ".", "es-mx": ".", "es-us": ".",
    # "," decimal mark, "." or a space between thousands
    "de": ",", "fr": ",", "es": ",", "it": ",", "pt": ",", "nl": ",", "ca": ",",
    "ru": ",", "uk": ",", "be": ",", "pl": ",", "cs": ",", "sk": ",", "sl": ",",
    "hr": ",", "sr": ",", "bs": ",", "bg": ",", "mk": ",", "ro": ",", "hu": ",",
    "el": ",", "tr": ",", "sv": ",", "da": ",", "nb": ",", "nn": ",", "no": ",",
    "fi": ",", "et": ",", "lv": ",", "lt": ",", "is": ",", "id": ",", "vi": ",",
    "az": ",", "ka": ",", "hy": ",", "kk": ",", "uz": ",",
}


def decimal_mark(language: str | None) -> str | None:
    """The decimal mark ("." or ",") of a BCP-47 language tag; "." for None; None if unknown."""
    if language is None or not str(language).strip():
        return "."
    tag = str(language).strip().lower().replace("_", "-")
    while tag:
        if tag in DECIMAL_MARKS:
            return DECIMAL_MARKS[tag]
        tag = tag.rpartition("-")[0]
    return None


@dataclass(frozen=True)
class Qualifier:
    iri: URIRef
    label: str
    lower: URIRef       # a ckb:Endpoint
    upper: URIRef
    tolerance: Decimal
    forms: tuple[str, ...]             # phrases written before the number, longest first
    suffixes: tuple[str, ...] = ()     # phrases written after it ("or more"), longest first


@lru_cache(maxsize=1)
def qualifiers() -> dict[URIRef, Qualifier]:
    """The bound qualifiers and their interval rules, read from the ontology.

    A ckb:surfaceForm that starts with "…" is written after the number ("… or more"
    → "300 or more"); every other form is written before it.
    """
    graph = Graph()
    graph.parse(data=VOCABULARY.read_text(encoding="utf-8"), format="turtle")
    table = {}
    for iri in graph.subjects(RDF.type, CKB.BoundQualifier):
        tol = graph.value(iri, CKB.tolerance)
        forms = [str(f) for f in graph.objects(iri, CKB.surfaceForm)]
        table[iri] = Qualifier(
            iri=iri,
            label=str(graph.value(iri, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))),
            lower=graph.value(iri, CKB.lowerEndpoint),
            upper=graph.value(iri, CKB.upperEndpoint),
            tolerance=Decimal(str(tol)) if tol is not None else Decimal(0),
            forms=tuple(sorted((f for f in forms if not f.startswith(SUFFIX_MARK)),
                               key=len, reverse=True)),
            suffixes=tuple(sorted((f[len(SUFFIX_MARK):].strip() for f in forms
                                   if f.startswith(SUFFIX_MARK)), key=len, reverse=True)),
        )
    return table


def qualifier_named(name: str, where: str | None = None) -> Qualifier:
    """A qualifier by label ("more than") or surface form ("over"). InputError if unknown."""
    key = " ".join(name.lower().replace("_", " ").replace("-", " ").split())
    for q in qualifiers().values():
        if key == q.label or key in q.forms or key in q.suffixes:
            return q
    known = sorted(q.label for q in qualifiers().values())
    raise InputError(f"unknown bound qualifier {name!r} (known: {', '.join(known)})",
                     where=where)


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


# ----------------------------------------------------------------- number words

_ONES = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9}
_TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
          "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_BIG = {"thousand": 10**3, "lakh": 10**5, "lakhs": 10**5, "million": 10**6, "crore": 10**7,
        "crores": 10**7, "billion": 10**9, "trillion": 10**12}
# words that scale a figure written before them ("1.5 million", "3bn", "half a dozen");
# "m" and "k" are not among them: "3m" is 3 metres, and "5k" may be a 5 km race
_SCALES = {"dozen": 12, "hundred": 100, **_BIG, "bn": 10**9, "mn": 10**6, "mln": 10**6}
# plural scale words as a vague figure: "thousands" = at least 2,000
_VAGUE = {"dozens": 12, "scores": 20, "hundreds": 100, "thousands": 10**3,
          "millions": 10**6, "billions": 10**9}
_VAGUE_OUTER = {"tens": 10, "dozens": 12, "hundreds": 100, "thousands": 10**3}
# denominators: word → (denominator, plural)
_DENOMINATORS = {
    "half": (2, False), "halves": (2, True), "third": (3, False), "thirds": (3, True),
    "quarter": (4, False), "quarters": (4, True), "fourth": (4, False), "fourths": (4, True),
    "fifth": (5, False), "fifths": (5, True), "sixth": (6, False), "sixths": (6, True),
    "seventh": (7, False), "sevenths": (7, True), "eighth": (8, False), "eighths": (8, True),
    "ninth": (9, False), "ninths": (9, True), "tenth": (10, False), "tenths": (10, True),
}
_FRACTION_RE = re.compile(r"(?:(?P<num>[a-z]+)[ -])?(?P<den>[a-z]+)(?=[\s,;]|$)")
_OF_A_RE = re.compile(r"(?:of )?(?:a|an) (?P<rest>\S.*)$")


def _small(tokens: list[str], i: int) -> tuple[int | None, int]:
    """1..99 written in words at tokens[i:] ("twenty five", "thirteen")."""
    t = tokens[i] if i < len(tokens) else None
    if t in _TENS:
        if i + 1 < len(tokens) and tokens[i + 1] in _ONES:
            return _TENS[t] + _ONES[tokens[i + 1]], i + 2
        return _TENS[t], i + 1
    if t in _ONES:
        return _ONES[t], i + 1
    if t in _TEENS:
        return _TEENS[t], i + 1
    return None, i


def _group(tokens: list[str], i: int) -> tuple[int | None, int]:
    """1..9999 at tokens[i:]: "three hundred and five", "fifteen hundred", "a dozen"."""
    if i < len(tokens) and tokens[i] in ("a", "an"):
        # "a" is a number only before a scale: "a thousand", "a hundred", "a dozen"
        if i + 1 < len(tokens) and (tokens[i + 1] in ("hundred", "dozen") or tokens[i + 1] in _BIG):
            value, i = 1, i + 1
        else:
            return None, i
    else:
        value, i = _small(tokens, i)
        if value is None:
            return None, i
    if i < len(tokens) and tokens[i] == "hundred":
        value, i = value * 100, i + 1
        j = i + 1 if i < len(tokens) and tokens[i] == "and" else i
        rest, j = _small(tokens, j)
        if rest is not None:
            value, i = value + rest, j
    elif i < len(tokens) and tokens[i] == "dozen":
        value, i = value * 12, i + 1
    return value, i


def parse_number_words(words: list[str]) -> Decimal | None:
    """"a thousand" → 1000, "thirteen" → 13, "one hundred and five" → 105; None if not a number.

    English number words with their grammar: "twenty-five", "fifteen hundred",
    "two thousand three hundred", "one million two hundred thousand", "a dozen",
    "two dozen", "three lakh", "zero". Out-of-order words ("five twenty",
    "thousand two") are not a number.
    """
    tokens = [p for w in words for p in w.lower().split("-") if p]
    if tokens == ["zero"]:
        return Decimal(0)
    if not tokens:
        return None
    total, i, last_big = 0, 0, None
    while True:
        value, i = _group(tokens, i)
        if value is None:
            return None
        if i < len(tokens) and tokens[i] in _BIG:
            scale = _BIG[tokens[i]]
            if last_big is not None and value * scale >= last_big:
                return None
            total, last_big, i = total + value * scale, scale, i + 1
            if i == len(tokens):
                return Decimal(total)
            if tokens[i] == "and":
                i += 1
            continue
        if last_big is not None and value >= last_big:
            return None
        return Decimal(total + value) if i == len(tokens) else None


# ----------------------------------------------------------------- numerals

_NUMERAL_RE = re.compile(r"[+-]?\d+(?:(?:[.,'’]| (?=\d{3}(?!\d)))\d+)*")


def _numeral(token: str, language: str | None, surface: str, where: str | None) -> Decimal:
    """The value of a numeral as written ("1,344", "2.640,3", "1 344", "1.500" in German)."""
    sign, body = (-1 if token[0] == "-" else 1), token.lstrip("+-")
    parts = re.split(r"([.,'’ ])", body)
    groups, seps = parts[0::2], parts[1::2]
    if sum(len(g) for g in groups) > MAX_DIGITS:
        raise InputError(f"{token!r} in {surface!r} has more than {MAX_DIGITS} digits",
                         where=where)
    marks = [i for i, s in enumerate(seps) if s in ".,"]
    decimal_at = None
    if marks:
        last = marks[-1]
        kinds = {seps[i] for i in marks}
        if len(kinds) == 2:
            # both marks: the later one is the decimal mark ("1,344.5", "2.640,3")
            decimal_at = last
        elif len(marks) == 1:
            before, after = groups[last], groups[last + 1]
            if len(seps) > 1:
                decimal_at = last        # "1 344,5": spaces group, the mark is decimal
            elif len(after) != 3 or len(before) > 3 or before.startswith("0"):
                decimal_at = last        # "2640,3", "1,5", "2,6403", "0.500", "2640,300"
            else:
                # "1,500" / "1.500": the language decides
                mark = decimal_mark(language)
                if mark is None:
                    raise InputError(
                        f"{token!r} in {surface!r} is ambiguous: language {language!r} has no "
                        f"number conventions in kb.quantity.DECIMAL_MARKS, so it could be "
                        f"{int(before + after)} or {Decimal(before + '.' + after).normalize()}; "
                        "write it without the separator", where=where)
                decimal_at = last if seps[last] == mark else None
        # one mark written several times groups thousands ("1.500.000", "1,000,000")
    if decimal_at is not None and (decimal_at != len(seps) - 1 or seps.count(seps[decimal_at]) > 1):
        raise InputError(f"{token!r} in {surface!r} is not a number as written: the decimal "
                         f"mark {seps[decimal_at]!r} must come once, after the thousands "
                         "separators", where=where)
    whole = groups if decimal_at is None else groups[:decimal_at + 1]
    fraction = "" if decimal_at is None else groups[-1]
    grouping = seps if decimal_at is None else seps[:decimal_at]
    if grouping:
        western = (1 <= len(whole[0]) <= 3 and all(len(g) == 3 for g in whole[1:]))
        indian = (len(whole) > 2 and 1 <= len(whole[0]) <= 2          # 1,34,000 (lakh)
                  and all(len(g) == 2 for g in whole[1:-1]) and len(whole[-1]) == 3)
        if len(set(grouping)) > 1 or not (western or indian) or whole[0].startswith("0"):
            raise InputError(f"{token!r} in {surface!r} is not a number as written: thousands "
                             "separators must split the digits in groups of three", where=where)
    value = Decimal("".join(whole) + ("." + fraction if fraction else ""))
    return sign * value


# ----------------------------------------------------------------- one figure

@dataclass
class _Figure:
    value: Decimal
    rest: str               # what follows: a unit, a range's second figure…
    kind: str               # number, fraction (a share, unit %), vague (at least…)
    scale: int | None = None    # the scale word written after the figure, if any
    unit: str | None = None     # a unit the figure itself names ("%70", "half an hour")
    places: int | None = None   # digits only: decimal places as written ("8.0": 1)


def _ratio(num: int, den: int) -> Decimal:
    return (Decimal(num) / Decimal(den)).quantize(FRACTION_QUANTUM)


def _fraction(text: str) -> tuple[Decimal, str] | None:
    """A fraction in words at the start of text → (ratio, rest): "two-thirds", "a half"."""
    m = _FRACTION_RE.match(text)
    if m and m.group("num") and m.group("den") in _DENOMINATORS:
        den, plural = _DENOMINATORS[m.group("den")]
        num_word = m.group("num")
        num = 1 if num_word in ("a", "an", "one") else _ONES.get(num_word, _TEENS.get(num_word))
        if num is not None and (num > 1) == plural and num < den:
            return _ratio(num, den), text[m.end():].strip()
        return None
    first = re.match(r"half(?=[\s,;]|$)", text)
    if first:
        return _ratio(1, 2), text[first.end():].strip()
    return None


def _vague(text: str) -> tuple[int, str] | None:
    """A vague plural → (at least, rest): "thousands" → 2000, "tens of thousands of" → 20000."""
    words = text.split(" ")
    if (len(words) >= 3 and words[0] in _VAGUE_OUTER and words[1] == "of"
            and words[2] in _VAGUE and _VAGUE_OUTER[words[0]] < _VAGUE[words[2]]):
        value, i = 2 * _VAGUE_OUTER[words[0]] * _VAGUE[words[2]], 3
    elif words[0] in _VAGUE:
        value, i = 2 * _VAGUE[words[0]], 1
    else:
        return None
    if i < len(words) and words[i] == "of":
        i += 1
    return value, " ".join(words[i:])


def _scale_word(text: str, language: str | None = None) -> tuple[int | None, str]:
    word = text.split(" ", 1)[0] if text else ""
    if word in _SCALES:
        return _SCALES[word], text[len(word):].strip()
    found = number_words.scale(word, language) if word else None
    if found is not None:   # "2 mil" (pt), "5 тыс." (ru), "1,5 Mio." (de)
        return found, text[len(word):].strip()
    return None, text


def _figure(text: str, language: str | None, surface: str, where: str | None) -> _Figure | None:
    """The figure at the start of text (digits, a fraction, a vague plural, number words)."""
    unit = None
    if re.match(r"%\s*\d", text):          # "%70" (Turkish and others write % first)
        text, unit = text[1:].lstrip(), "%"
    m = _NUMERAL_RE.match(text)
    if m:
        value, rest = _numeral(m.group(0), language, surface, where), text[m.end():].strip()
        fig = _Figure(value, rest, "number", unit=unit, places=max(0, -value.as_tuple().exponent))
    elif unit is not None:
        return None
    else:
        frac = _fraction(text)
        if frac is not None:
            ratio, rest = frac
            scale, after = _scale_word(rest)
            if scale is not None:   # "a half million", "a half dozen"
                return _Figure(ratio * scale, after, "number", scale=scale)
            of_a = _OF_A_RE.match(rest)
            if of_a:            # "half a million", "a quarter of a mile", "half an hour"
                scale, after = _scale_word(of_a.group("rest"))
                if scale is not None:
                    return _Figure(ratio * scale, after, "number", scale=scale)
                return _Figure(ratio, "", "number", unit=of_a.group("rest"))
            return _Figure(ratio * 100, rest, "fraction")
        vague = _vague(text)
        if vague is not None:
            return _Figure(Decimal(vague[0]), vague[1], "vague")
        words = text.split(" ")
        for cut in range(len(words), 0, -1):
            value = parse_number_words(words[:cut])
            if value is not None:
                last = words[cut - 1].rsplit("-", 1)[-1]
                fig = _Figure(value, " ".join(words[cut:]), "number", _SCALES.get(last))
                break
        else:
            fig = _other_language_words(words, language)
            if fig is None:
                return None
    # "two and a half", "1 and a quarter"
    mixed = False
    if fig.value == fig.value.to_integral_value() and fig.rest.startswith("and "):
        frac = _fraction(fig.rest[4:])
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


def _other_language_words(words: list[str], language: str | None) -> _Figure | None:
    """Number or fraction words of the article's language at the start of ``words``
    (kb/model/number_words.py: "двух тысяч", "deux tiers", "ألف"), the longest that reads."""
    for cut in range(len(words), 0, -1):
        share = number_words.fraction(words[:cut], language)
        if share is not None:
            return _Figure(share, " ".join(words[cut:]), "fraction")
        value = number_words.value(words[:cut], language)
        if value is not None:
            return _Figure(value, " ".join(words[cut:]), "number",
                           number_words.scale(words[cut - 1], language))
    return None


def _tidy(value: Decimal) -> Decimal:
    if value == value.to_integral_value():
        return abs(value.quantize(Decimal(1))) if value == 0 else value.quantize(Decimal(1))
    return value.normalize()


# ----------------------------------------------------------------- parse_quantity

_RANGE_RE = re.compile(r" (?:to|and) |\s?[-–—]\s?(?=\d)")


def parse_quantity(text: str, unit: str | None = None, where: str | None = None, *,
                   language: str | None = None) -> Quantity:
    """Parse a quantity as written: qualifier phrase, figure, unit.

    ``unit`` overrides a unit in the text; ``language`` (a BCP-47 tag such as "de" or
    "fr-FR", None = English) says how the source writes numerals. Raises InputError for
    text that is not a quantity, an unknown unit or qualifier, an ambiguous numeral, or
    a value outside the unit's natural range; never anything else.

    Rules (tests/test_quantity.py has a case for each):

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
                    .replace("\u2212", "-").translate(_MARKS).split())
    if decimal_mark(language) == ",":
        work = _SPACED_DECIMAL_COMMA.sub(",", work)
    not_a_quantity = InputError(f"not a quantity: {surface!r} (expected e.g. '1,344 km', "
                                "'over 70%', 'more than a thousand', 'between 300 and 400')",
                                where=where)
    prefix, rest = _prefix_qualifier(work)
    suffix, rest = _suffix_qualifier(rest)
    if prefix is not None and suffix is not None:
        raise InputError(f"{surface!r} has two bound qualifiers ({prefix.label!r} and "
                         f"{suffix.label!r})", where=where)
    qualifier = prefix or suffix
    between = qualifier is not None and qualifier.iri == CKB.Between
    if qualifier is not None and qualifier.iri == CKB.About:
        again, after = _prefix_qualifier(rest)       # "roughly between 300 and 400"
        if again is not None and again.iri == CKB.Between:
            between, rest = True, after
    again, _ = _prefix_qualifier(rest)
    if again is not None:
        raise InputError(f"{surface!r} has two bound qualifiers ({qualifier.label!r} and "
                         f"{again.label!r})", where=where)
    if not rest:
        raise not_a_quantity

    pair = _range(rest, between, language, surface, where)
    if pair is None and between:
        raise InputError(f"{surface!r}: {qualifier.label!r} needs two figures, e.g. "
                         "'between 300 and 400'", where=where)
    if pair is not None:
        return _range_quantity(surface, pair, qualifier, unit, where)

    fig = _figure(rest, language, surface, where)
    if fig is None:
        _unknown_qualifier(rest, language, surface, where)
        raise not_a_quantity
    if fig.kind == "vague":
        if qualifier is not None:
            raise InputError(f"{surface!r}: a vague figure ('thousands') already means at "
                             f"least {_tidy(fig.value)}; it takes no {qualifier.label!r}",
                             where=where)
        qualifier = qualifiers()[CKB.AtLeast]
    qualifier = qualifier or qualifiers()[CKB.Exact]
    unit_obj = _unit(fig, unit, surface, where)
    value = _tidy(fig.value)
    places = fig.places if fig.places != max(0, -value.as_tuple().exponent) else None
    quantity = Quantity(surface=surface, value=value, unit=unit_obj,
                        qualifier=qualifier, places=places)
    _check_range(quantity, where)
    return quantity


@lru_cache(maxsize=1)
def _forms() -> tuple[tuple[tuple[str, Qualifier], ...], tuple[tuple[str, Qualifier], ...]]:
    """(prefix forms, suffix forms), each as (form, qualifier), longest first."""
    table = qualifiers().values()
    prefix = sorted(((f, q) for q in table for f in q.forms), key=lambda fq: len(fq[0]),
                    reverse=True)
    suffix = sorted(((f, q) for q in table for f in q.suffixes), key=lambda fq: len(fq[0]),
                    reverse=True)
    return tuple(prefix), tuple(suffix)


def _prefix_qualifier(work: str) -> tuple[Qualifier | None, str]:
    for form, q in _forms()[0]:
        if work.startswith(form) and (not form[-1].isalpha()
                                      or work[len(form):len(form) + 1] in (" ", "")):
            return q, work[len(form):].strip()
    return None, work


def _suffix_qualifier(work: str) -> tuple[Qualifier | None, str]:
    for form, q in _forms()[1]:
        if work.endswith(form):
            before = work[:len(work) - len(form)]
            if not form[0].isalpha() or before[-1:] in (" ", "-"):
                return q, before.rstrip(" -")
    return None, work


def _unknown_qualifier(rest: str, language, surface: str, where) -> None:
    """Words before a figure that are no qualifier: "circa 300" when circa is unknown."""
    words = rest.split(" ")
    for k in range(1, len(words)):
        if _figure(" ".join(words[k:]), language, surface, where) is not None:
            known = sorted(q.label for q in qualifiers().values())
            raise InputError(f"unknown bound qualifier {' '.join(words[:k])!r} in "
                             f"{surface!r} (known: {', '.join(known)}; their phrases are "
                             "the ckb:surfaceForm values in ontologies/claimkb.ttl)",
                             where=where)


def _unit(fig: _Figure, unit: str | None, surface: str, where) -> Unit:
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
_NOT_NOUNS = frozenset({*_ONES, *_TEENS, *_TENS, *_SCALES, *_VAGUE, *_DENOMINATORS,
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


def _range(rest: str, between: bool, language, surface: str, where):
    """The two figures of a range ("300 to 400", "10–15%"), or None if rest is not one."""
    found = []
    for m in _RANGE_RE.finditer(rest):
        if m.start() == 0 or ("and" in m.group(0) and not between):
            continue
        left, right = rest[:m.start()].strip(), rest[m.end():].strip()
        a = _figure(left, language, surface, where)
        b = _figure(right, language, surface, where)
        if a is None or b is None or "vague" in (a.kind, b.kind):
            continue
        if not (_unit_or_none(a) and _unit_or_none(b)):
            continue
        found.append((a, b))
    if len(found) > 1:
        raise InputError(f"{surface!r} reads as more than one range; write the figures "
                         "in digits", where=where)
    return found[0] if found else None


def _unit_or_none(fig: _Figure) -> bool:
    """Whether what follows a figure is empty or a known unit."""
    try:
        _unit(fig, None, "", None)
    except InputError:
        return False
    return True


def _range_quantity(surface: str, pair, qualifier, unit, where) -> Quantity:
    a, b = pair
    if qualifier is None or qualifier.iri == CKB.Between:
        qualifier = qualifiers()[CKB.Between]
    elif qualifier.iri != CKB.About:
        raise InputError(f"{surface!r}: a range takes no {qualifier.label!r} qualifier "
                         "(only 'between' or 'about')", where=where)
    if a.kind == "number" and b.kind == "number" and not a.rest and a.unit is None:
        if a.scale is None and b.scale is not None and a.value * b.scale < b.value:
            a = _Figure(a.value * b.scale, "", a.kind, b.scale)   # "2 to 3 million"
        a = _Figure(a.value, b.rest, a.kind, a.scale, b.unit)     # "10–15%"
    ua, ub = _unit(a, unit, surface, where), _unit(b, unit, surface, where)
    if ua != ub:
        raise InputError(f"{surface!r}: the two ends of the range are in different units",
                         where=where)
    low, high = _tidy(a.value), _tidy(b.value)
    if low >= high:
        raise InputError(f"{surface!r}: the first figure of a range must be below the "
                         "second", where=where)
    quantity = Quantity(surface=surface, value=_tidy((low + high) / 2), unit=ua,
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
