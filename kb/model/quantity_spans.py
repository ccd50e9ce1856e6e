"""The quantities written in a sentence: each figure found (digits, number words, a
currency symbol, a fraction after a qualifier), widened to the qualifier before it and
the scale word, unit or counted noun after it, and read by the claims file's own parser
(kb.model.quantity.parse_quantity) — the longest reading it accepts. Figures that are
dates, years, clock times, ordinals or parts of a name ("Boeing 787") are not amounts
(rules: kb/model/suggest_rules.yaml)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kb.errors import InputError
from kb.model.claim_cues import MONTHS, rules
from kb.model.english_numbers import BIG, ONES, SCALES, TEENS, TENS, VAGUE
from kb.model.qualifiers import qualifiers
from kb.model.quantity import Quantity, parse_quantity
from kb.model.units import ALIASES, CURRENCY_SYMBOLS, UNSUPPORTED

_NUMBER_WORDS = {*ONES, *TEENS, *TENS, *BIG, "hundred", "dozen", *VAGUE, "tens", "scores",
                 "zero"} - {"lakh", "lakhs", "crore", "crores"}
_TOKEN = re.compile(r"[A-Za-z]{1,3}\$|[$€£¥₹₽]|\d+(?:[.,]\d+)*(?:[-–]\d+(?:[.,]\d+)*)?%?"
                    r"(?:-[a-z]+(?:-[a-z]+)?)?|[A-Za-z][A-Za-z'’-]*|%|\S")
_CLOCK = re.compile(r"^\s*(?::\d\d|[ap]\.?m\b|o'clock|GMT|ET|EST)", re.IGNORECASE)
_ORDINAL = re.compile(r"^(?:st|nd|rd|th)\b")
MAX_WORDS_AFTER = 4
# compiled once: pysbd compiles many patterns of its own and would push these out of
# the re module's cache
_DIGITS = re.compile(r"[\d.,]+")
_MONTH_BEFORE = re.compile(r"\b(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?\s*$",
                           re.IGNORECASE)


@dataclass(frozen=True)
class FoundQuantity:
    start: int              # offsets in the sentence
    end: int
    surface: str            # the words as written
    text: str               # what the claims file reads (figure rewrites applied)
    quantity: Quantity
    noun: str | None = None  # what a count counts, when written after it ("soldiers")


@lru_cache(maxsize=1)
def _qualifier_forms() -> list[str]:
    forms = {f for q in qualifiers().values() for f in q.forms if f.isascii()}
    return sorted(forms, key=len, reverse=True)


def quantities(sentence: str, language: str | None = None) -> list[FoundQuantity]:
    """The quantities of ``sentence``, in order, not overlapping. Never raises."""
    tokens = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(sentence)]
    found: list[FoundQuantity] = []
    i = 0
    while i < len(tokens):
        if not _anchor(tokens, i, sentence):
            i += 1
            continue
        hit = _read(sentence, tokens, i, language)
        if hit is None:
            i += 1
            continue
        q, last = hit
        found.append(q)
        i = last + 1
    return found


def _anchor(tokens, i: int, sentence: str) -> bool:
    start, end, tok = tokens[i]
    low = tok.lower()
    prev = tokens[i - 1][2].lower() if i else ""
    nxt = tokens[i + 1][2].lower() if i + 1 < len(tokens) else ""
    r = rules()
    if low in CURRENCY_SYMBOLS:
        return nxt[:1].isdecimal()      # "$5", "US$ 500", "USD 5 million", "Rs 500 crore"
    if tok[:1].isdecimal():
        if prev.endswith("$") or prev in CURRENCY_SYMBOLS:
            return False            # "NT$5bn", "R$10m": a currency claimkb does not know
        digits = _DIGITS.match(tok).group(0)
        if _ORDINAL.match(sentence[end:end + 3]) or _CLOCK.match(sentence[end:]):
            return False
        if _MONTH_BEFORE.search(sentence[:start]) \
                or nxt.rstrip(".") in MONTHS:
            return False            # "Nov. 19", "19 November"
        if re.fullmatch(r"(1[89]|20)\d\d", digits) and not tok.endswith("%") and \
                prev not in CURRENCY_SYMBOLS and nxt not in SCALES and nxt not in ALIASES:
            return False            # a year
        if prev.rstrip(".") in set(r["name_before_number"]) or (i and tokens[i - 1][2][:1].isupper()
                                                               and tokens[i - 1][1] == start - 1
                                                               and tokens[i - 1][2] not in CURRENCY_SYMBOLS
                                                               and not _sentence_start(tokens, i - 1)
                                                               and prev not in _qualifier_words()):
            return False            # "Boeing 787", "Article 5"
        if sentence[start - 1:start] == "-" and i and tokens[i - 1][2][:1].isalpha():
            return False            # "COVID-19", "F-16"
        return True
    head, _, tail = low.partition("-")
    if tail and f"-{tail}" in rules()["figure_rewrites"] and head in _NUMBER_WORDS:
        return True                   # "four-year", "ten-day"
    if low == "one":
        return nxt in set(r["one_before"]) or nxt.rstrip("s") in set(r["one_before"])
    if low in set(r["fraction_words"]):
        before = sentence[:start].lower().rstrip()
        return nxt == "of" and (before.endswith(tuple(_qualifier_forms())) or prev in ("a", "one", "two", "three"))
    if low in ("a", "an"):
        return nxt in ("dozen", "hundred", "thousand", "million", "billion")
    if low in ("tens", "hundreds", "dozens") and nxt == "of":
        return True               # "tens of thousands"
    return low in _NUMBER_WORDS and low not in ("tens", "scores", "hundred", "thousand",
                                                 "million", "billion", "dozen")


def _sentence_start(tokens, i: int) -> bool:
    return i == 0 or tokens[i - 1][2] in ('"', "“", "(", "—", "-", ":")


@lru_cache(maxsize=1)
def _qualifier_words() -> frozenset[str]:
    return frozenset(w for f in _qualifier_forms() for w in f.split())


def _read(sentence: str, tokens, i: int, language) -> tuple[FoundQuantity, int] | None:
    """The longest reading parse_quantity accepts from token ``i`` on (with the
    qualifier before it), and the last token it covers."""
    start = tokens[i][0]
    before = sentence[:start]
    low_before = before.lower()
    qual_start = start
    for form in _qualifier_forms():
        if low_before.rstrip().endswith(form):
            cut = len(low_before.rstrip()) - len(form)
            if cut == 0 or not low_before[cut - 1].isalnum():
                qual_start = cut
                break
    if i and tokens[i - 1][2].lower() in ("between", "from") and qual_start == start:
        qual_start = tokens[i - 1][0]
    # the figure's run: number tokens and scale words, "and"/"to"/dashes between figures
    j = i
    money = tokens[i][2].lower() in CURRENCY_SYMBOLS
    while j + 1 < len(tokens):
        tok = tokens[j + 1][2].lower()
        if money and tok.rstrip("-–") in ("m", "mn", "bn") and tokens[j + 1][0] == tokens[j][1] \
                and tokens[j][2][:1].isdecimal():
            j += 1                      # "$5m", "$300M": million after a currency
            continue
        if tok in SCALES or tok in _NUMBER_WORDS or tok[:1].isdecimal() or tok in ("%", "-", "–") \
                or tok in CURRENCY_SYMBOLS or tok in ("a", "half", "and", "to", "of") \
                and j + 2 < len(tokens) and (tokens[j + 2][2][:1].isdecimal()
                                              or tokens[j + 2][2].lower() in _NUMBER_WORDS
                                              or tokens[j + 2][2] in CURRENCY_SYMBOLS):
            j += 1
        else:
            break
    while j > i and tokens[j][2].lower() in ("and", "to", "of", "a", "-", "–"):
        j -= 1
    after = " ".join(t[2].lower() for t in tokens[j + 1:j + 3])
    if tokens[j + 1:j + 2] and (tokens[j + 1][2].lower() in UNSUPPORTED or after in UNSUPPORTED):
        return None                     # "30 minutes", "5 acres": a unit not converted yet
    readings = []
    for jj in range(j, i - 1, -1):      # the longest run parse_quantity reads
        readings = _readings(sentence, tokens, start, qual_start, jj, language)
        if readings and readings[-1][0].quantity.unit.code != "C62":
            return readings[-1]     # the shortest reading with a unit
        if readings:
            break
    if not readings:
        return None
    found, k = readings[0]
    if len(readings) > 1 and readings[-1][0].quantity.qualifier != found.quantity.qualifier:
        found, k = readings[-1]       # "a million or more": the words after were a qualifier
    noun = []
    for x in range(k + 1, min(k + 5, len(tokens))):
        word = tokens[x][2]
        low = word.lower()
        if not word.isalpha() or _weak_noun(tokens, x, x) or low.endswith("ly") \
                or (low.endswith("ed") and not word[:1].isupper()) \
                or low in _verbs() or low in ("more", "less", "fewer"):
            break
        noun.append(word)
    if noun:
        found = FoundQuantity(found.start, found.end, found.surface, found.text, found.quantity,
                              " ".join(noun))
    return found, k


@lru_cache(maxsize=1)
def _verbs() -> frozenset[str]:
    return frozenset(w.lower() for w in (*rules()["event_verbs"], *rules()["attribution_verbs"]))


def _readings(sentence: str, tokens, start: int, qual_start: int, j: int, language):
    """Readings of the figure ending at token ``j`` with 0..MAX_WORDS_AFTER words after
    it (a unit, a counted noun, a qualifier written after: "or more")."""
    readings = []
    for extra in range(0, MAX_WORDS_AFTER + 1):
        k = j + extra
        if k >= len(tokens):
            break
        if any(not tokens[x][2][0].isalnum() and tokens[x][2] != "%"
               and tokens[x][2].lower() not in CURRENCY_SYMBOLS for x in range(j + 1, k + 1)):
            break
        for q_from in dict.fromkeys((qual_start, start)):
            end = tokens[k][1]
            surface = sentence[q_from:end]
            text = _rewrite(surface)
            try:
                q = parse_quantity(text, language=language)
            except (InputError, ValueError, ArithmeticError):
                continue
            if extra and q.unit.code == "C62" and not (
                    readings and q_from == readings[0][0].start
                    and any(text.lower().endswith(f) for f in q.qualifier.suffixes)):
                continue      # a counted noun: the figure alone is the value (noun below)
            readings.append((FoundQuantity(q_from, end, surface, text, q), k))
            break
        if readings and readings[-1][0].quantity.unit.code != "C62":
            break
    return readings


def _weak_noun(tokens, a: int, b: int) -> bool:
    """A counted noun must be words of letters, not verbs or function words."""
    stop = {"and", "or", "but", "of", "in", "on", "at", "to", "for", "from", "by", "with",
            "the", "a", "an", "were", "was", "is", "are", "have", "has", "had", "be", "been",
            "that", "who", "which", "this", "it", "as", "than", "per", "each", "every",
            "last", "next", "percent"}
    return any(tokens[x][2].lower() in stop or not tokens[x][2].isalpha() for x in range(a, b + 1))


@lru_cache(maxsize=1)
def _rewrites() -> list[tuple[re.Pattern, str]]:
    return [(re.compile(r"(?<=[\da-z])" + re.escape(written) + r"\b"), read)
            for written, read in rules()["figure_rewrites"].items()]


def _rewrite(surface: str) -> str:
    text = surface
    for pattern, read in _rewrites():
        text = pattern.sub(read, text)
    return text
