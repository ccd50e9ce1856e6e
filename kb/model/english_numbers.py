"""English number words: "a thousand", "thirteen", "one hundred and five", "two dozen",
"three lakh"; fractions ("half", "two-thirds", "three quarters") and vague plurals
("thousands", "tens of thousands"). Other languages are kb/model/number_words.py.
"""
from __future__ import annotations

import re
from decimal import Decimal

FRACTION_QUANTUM = Decimal("0.000001")    # a fraction's ratio is kept to 6 places (2/3 → 66.6667%)

ONES = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
        "eight": 8, "nine": 9}
TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
         "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
BIG = {"thousand": 10**3, "lakh": 10**5, "lakhs": 10**5, "million": 10**6, "crore": 10**7,
       "crores": 10**7, "billion": 10**9, "trillion": 10**12}
# words that scale a figure written before them ("1.5 million", "3bn", "half a dozen");
# "m" and "k" are not among them: "3m" is 3 metres, and "5k" may be a 5 km race
SCALES = {"dozen": 12, "hundred": 100, **BIG, "bn": 10**9, "mn": 10**6, "mln": 10**6}
# plural scale words as a vague figure: "thousands" = at least 2,000
VAGUE = {"dozens": 12, "scores": 20, "hundreds": 100, "thousands": 10**3,
         "millions": 10**6, "billions": 10**9}
VAGUE_OUTER = {"tens": 10, "dozens": 12, "hundreds": 100, "thousands": 10**3}
# denominators: word → (denominator, plural)
DENOMINATORS = {
    "half": (2, False), "halves": (2, True), "third": (3, False), "thirds": (3, True),
    "quarter": (4, False), "quarters": (4, True), "fourth": (4, False), "fourths": (4, True),
    "fifth": (5, False), "fifths": (5, True), "sixth": (6, False), "sixths": (6, True),
    "seventh": (7, False), "sevenths": (7, True), "eighth": (8, False), "eighths": (8, True),
    "ninth": (9, False), "ninths": (9, True), "tenth": (10, False), "tenths": (10, True),
}
_FRACTION_RE = re.compile(r"(?:(?P<num>[a-z]+)[ -])?(?P<den>[a-z]+)(?=[\s,;]|$)")
OF_A_RE = re.compile(r"(?:of )?(?:a|an) (?P<rest>\S.*)$")     # "half *a* million", "half *an* hour"


def _small(tokens: list[str], i: int) -> tuple[int | None, int]:
    """1..99 written in words at tokens[i:] ("twenty five", "thirteen")."""
    t = tokens[i] if i < len(tokens) else None
    if t in TENS:
        if i + 1 < len(tokens) and tokens[i + 1] in ONES:
            return TENS[t] + ONES[tokens[i + 1]], i + 2
        return TENS[t], i + 1
    if t in ONES:
        return ONES[t], i + 1
    if t in TEENS:
        return TEENS[t], i + 1
    return None, i


def _group(tokens: list[str], i: int) -> tuple[int | None, int]:
    """1..9999 at tokens[i:]: "three hundred and five", "fifteen hundred", "a dozen"."""
    if i < len(tokens) and tokens[i] in ("a", "an"):
        # "a" is a number only before a scale: "a thousand", "a hundred", "a dozen"
        if i + 1 < len(tokens) and (tokens[i + 1] in ("hundred", "dozen") or tokens[i + 1] in BIG):
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
        if i < len(tokens) and tokens[i] in BIG:
            scale = BIG[tokens[i]]
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


# ----------------------------------------------------------------- fractions, vague plurals

def _ratio(num: int, den: int) -> Decimal:
    return (Decimal(num) / Decimal(den)).quantize(FRACTION_QUANTUM)


def fraction_words(text: str) -> tuple[Decimal, str] | None:
    """A fraction in words at the start of text → (ratio, rest): "two-thirds", "a half"."""
    m = _FRACTION_RE.match(text)
    if m and m.group("num") and m.group("den") in DENOMINATORS:
        den, plural = DENOMINATORS[m.group("den")]
        num_word = m.group("num")
        num = 1 if num_word in ("a", "an", "one") else ONES.get(num_word, TEENS.get(num_word))
        if num is not None and (num > 1) == plural and num < den:
            return _ratio(num, den), text[m.end():].strip()
        return None
    first = re.match(r"half(?=[\s,;]|$)", text)
    if first:
        return _ratio(1, 2), text[first.end():].strip()
    return None


def vague_plural(text: str) -> tuple[int, str] | None:
    """A vague plural → (at least, rest): "thousands" → 2000, "tens of thousands of" → 20000."""
    words = text.split(" ")
    if (len(words) >= 3 and words[0] in VAGUE_OUTER and words[1] == "of"
            and words[2] in VAGUE and VAGUE_OUTER[words[0]] < VAGUE[words[2]]):
        value, i = 2 * VAGUE_OUTER[words[0]] * VAGUE[words[2]], 3
    elif words[0] in VAGUE:
        value, i = 2 * VAGUE[words[0]], 1
    else:
        return None
    if i < len(words) and words[i] == "of":
        i += 1
    return value, " ".join(words[i:])
