"""The anchors of a claim's text (kb.model.text_match): numbers ("1,000" = "1000" = "a
thousand", "1.5 million" = 1500000; a number glued to letters, as in "COVID-19" or "G7",
is part of a name), dates ("17 July 2021", "July 17", "July 2021", years 1900–2099: as
(year, month, day) with None for a part not given), capitalised names (words capitalised
inside a sentence, and a first word followed by another capitalised one; a headline in
Title Case gives none) and the speaker (a generic one, "Facebook posts", is none).
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from kb.model.english_numbers import parse_number_words
from kb.model.text_normalisation import POSSESSIVE_RE, STOP_WORDS, WORD_RE, clean, stem, words

# ---------------------------------------------------------------- numbers and dates

_MONTH_NAMES = ("january february march april may june july august september october "
                "november december").split()
_MONTHS = {name: i for i, name in enumerate(_MONTH_NAMES, 1)}      # English, whatever the locale
_MONTHS.update({name[:3]: i for i, name in enumerate(_MONTH_NAMES, 1)})
_MONTHS["sept"] = 9
_MONTH_RE = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_DATE_PATTERNS = [
    # 17 July 2021, 17th of July, 2021
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\.?,?\s+(\d{{4}})\b", re.I),
     lambda g: (int(g[2]), _MONTHS[g[1].lower()], int(g[0]))),
    # July 17, 2021
    (re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I),
     lambda g: (int(g[2]), _MONTHS[g[0].lower()], int(g[1]))),
    # July 2021
    (re.compile(rf"\b({_MONTH_RE})\.?,?\s+(\d{{4}})\b", re.I),
     lambda g: (int(g[1]), _MONTHS[g[0].lower()], None)),
    # 17 July / July 17 (no year)
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\b", re.I),
     lambda g: (None, _MONTHS[g[1].lower()], int(g[0]))),
    (re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?![,.]?\d)", re.I),
     lambda g: (None, _MONTHS[g[0].lower()], int(g[1]))),
    # ISO 2021-07-17
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), lambda g: (int(g[0]), int(g[1]), int(g[2]))),
]
_YEAR = re.compile(r"(?<![\w.,$-])((?:19|20)\d\d)(?![\w%]|[.,]\d)")
_NUMBER = re.compile(r"(?<!\w)(?<![^\W\d_]-)(?<!\d[.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?"
                     r"(?:st|nd|rd|th|\s*%|\s*percent|\s*(thousand|million|billion|trillion)"
                     r"|(bn|mn|mln))?(?![^\W\d_])", re.I)
_SCALE = {"thousand": 10**3, "million": 10**6, "mn": 10**6, "mln": 10**6, "billion": 10**9,
          "bn": 10**9, "trillion": 10**12}

Date = tuple  # (year | None, month | None, day | None)
_HAS_DIGIT = re.compile(r"\d")


_NUMBER_VOCAB = frozenset("""a an and zero one two three four five six seven eight nine ten
eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty
forty fifty sixty seventy eighty ninety hundred thousand million billion trillion dozen""".split())


def _number_words(run: list[str]) -> list[Decimal]:
    """The numbers in a run of number words, longest readings first ("three hundred" is
    300, "five and six" is 5 and 6). A lone "a"/"an"/"one" (1) is an article far more
    often than a count and is left out."""
    out, i = [], 0
    while i < len(run):
        for j in range(len(run), i, -1):
            value = parse_number_words(run[i:j])
            if value is not None:
                if value >= 2:
                    out.append(value.normalize())
                i = j
                break
        else:
            i += 1
    return out


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def dates_in(text: str) -> set[Date]:
    """Dates written in ``text`` as (year, month, day) with None for what is not given."""
    text = clean(text)
    found: set[Date] = set()
    if not _HAS_DIGIT.search(text):
        return found
    spans: list[tuple[int, int]] = []
    for pattern, make in _DATE_PATTERNS:
        for m in pattern.finditer(_mask(text, spans)):
            try:
                y, mo, d = make(m.groups())
                dt.date(y or 2000, mo or 1, d or 1)
            except (ValueError, KeyError):
                continue
            if mo and not d and not y:
                continue
            found.add((y, mo, d))
            spans.append(m.span())
    for m in _YEAR.finditer(_mask(text, spans)):
        found.add((int(m.group(1)), None, None))
    # a year also given inside a fuller date adds nothing
    full_years = {d[0] for d in found if d[1] is not None}
    return {d for d in found if d[1] is not None or d[0] not in full_years}


def _date_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    if not _HAS_DIGIT.search(text):
        return spans
    for pattern, _make in _DATE_PATTERNS:
        spans += [m.span() for m in pattern.finditer(_mask(text, spans))]
    spans += [m.span() for m in _YEAR.finditer(_mask(text, spans))]
    return spans


def numbers_in(text: str) -> set[Decimal]:
    """The numbers of ``text`` (dates and years excluded), as exact Decimals:
    "1,000" and "1000" and "a thousand" are all 1000; "1.5 million" is 1500000."""
    text = clean(text)
    masked = _mask(text, _date_spans(text))
    found: set[Decimal] = set()
    spans = []
    for m in _NUMBER.finditer(masked):
        spans.append(m.span())
        digits, frac, word_scale, glued_scale = m.groups()
        scale = word_scale or glued_scale
        try:
            value = Decimal(digits.replace(",", "") + (frac or ""))
        except InvalidOperation:  # pragma: no cover - the regex only lets digits through
            continue
        if scale:
            value *= _SCALE[scale.lower()]
        found.add(value.normalize())
    tokens = re.findall(r"[a-z]+(?:-[a-z]+)*|\S", _mask(masked, spans).casefold())
    run: list[str] = []
    for token in tokens + [""]:
        if token and all(part in _NUMBER_VOCAB for part in token.split("-")):
            run.append(token)
            continue
        found.update(_number_words(run))
        run = []
    return found


def show_number(value: Decimal) -> str:
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def show_date(date: Date) -> str:
    y, mo, d = date
    if y and mo and d:
        return f"{y:04d}-{mo:02d}-{d:02d}"
    if y and mo:
        return f"{y:04d}-{mo:02d}"
    if y:
        return f"{y:04d}"
    return f"--{mo:02d}-{d:02d}"


def date_relation(a: Date, b: Date) -> str:
    """'same' when every part both give agrees, 'differ' when one disagrees,
    'unrelated' when they share no part (a year against a day without year)."""
    common = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    if not common:
        return "unrelated"
    return "same" if all(x == y for x, y in common) else "differ"


def date_precision(date: Date) -> str:
    """"day", "month" or "year": the finest part a date gives."""
    return "day" if date[2] else "month" if date[1] else "year"


PRECISION_RANK = {"year": 0, "month": 1, "day": 2}     # coarser first


# ---------------------------------------------------------------- names and speakers

_CAPITALISED = re.compile(r"(?<![\w'])([^\W\d_][\w'-]*)", re.UNICODE)
_ABBREVIATION = re.compile(r"(?:\b[^\W\d_]|\b(?:mr|mrs|ms|dr|jr|sr|st|prof|gen|gov|sen|rep|"
                           r"pres|lt|col|sgt|no|vs|u\.s|u\.k|e\.g|i\.e))\.$", re.I)


_CALENDAR = frozenset(_MONTHS) | {"monday", "tuesday", "wednesday", "thursday", "friday",
                                  "saturday", "sunday"}


def _starts_sentence(text: str, start: int) -> bool:
    """Whether the word at ``start`` begins the text, a sentence or a quotation."""
    before = text[:start].rstrip(" \t\n(")
    if not before or before[-1] in "\"'-:;!?\u2026":
        return True
    return before[-1] == "." and not _ABBREVIATION.search(before)


def names_in(text: str) -> list[tuple[str, str]]:
    """Capitalised words inside sentences: (folded stemmed token, surface form).

    The first word of a sentence or quotation is skipped, and a headline in Title
    Case (most longer words capitalised) gives none: there capitals say nothing.
    """
    text = clean(text)
    tokens = [(m.group(1), m.start()) for m in _CAPITALISED.finditer(text)]
    long_words = [t for t, _ in tokens if len(t) >= 4 and t.casefold() not in STOP_WORDS]
    if len(long_words) >= 3 and sum(1 for t in long_words if not t[0].isupper()) < 0.1 * len(long_words):
        return []
    out = []
    for n, (word, start) in enumerate(tokens):
        if not word[0].isupper():
            continue
        if _starts_sentence(text, start):
            # the first word is a name only as part of a longer one ("Maria Okafor said")
            if n + 1 >= len(tokens) or word.casefold() in STOP_WORDS or \
                    word.casefold() in _NUMBER_VOCAB or not tokens[n + 1][0][0].isupper() or \
                    _starts_sentence(text, tokens[n + 1][1]) or \
                    text[start + len(word):tokens[n + 1][1]].strip():
                continue
        for part in WORD_RE.findall(POSSESSIVE_RE.sub("", word)):
            folded = part.casefold()
            if len(folded) > 1 and folded not in STOP_WORDS and folded not in _CALENDAR \
                    and not folded.isdigit():
                out.append((stem(folded), part))
    return out


# generic claimants feeds put in the speaker slot: no speaker for matching
_GENERIC_SPEAKER_WORDS = frozenset("""
post posts user users facebook twitter instagram tiktok whatsapp youtube telegram reddit
social media viral image images photo photos video videos meme memes blog blogs blogger
bloggers website websites multiple sources source various online internet chain message
messages email emails tweet tweets claim claims unknown anonymous
""".split())


def speaker_tokens(speaker: str | None) -> frozenset[str] | None:
    """The speaker's words, or None when there is none or it is generic."""
    if not speaker:
        return None
    tokens = frozenset(words(speaker))
    if not tokens or tokens & _GENERIC_SPEAKER_WORDS:
        return None
    return tokens
