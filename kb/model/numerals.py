"""Numerals written in digits, with the decimal mark and thousands separators of the
source's language: "1,344", "2.640,3", "1 344", "1'344", "1.500" (1500 in German, 1.5
in English). The rules are in kb.model.quantity.parse_quantity's docstring.
"""
from __future__ import annotations

import re
from decimal import Decimal

from kb.errors import InputError

MAX_DIGITS = 20                           # digits in one numeral; no real figure has more
# Arabic and Persian sources write their own decimal mark and thousands separator
# (beside Arabic-Indic digits, which are digits to Python already: "۳۰۰" is 300)
ARABIC_MARKS = str.maketrans({"\u066b": ".", "\u066c": ","})
# "2640, 3 m": a space after a decimal comma, as some official sites print it; joined
# only in a language whose decimal mark is the comma
SPACED_DECIMAL_COMMA = re.compile(r"(?<=\d), (?=\d{1,2}(?!\d))")

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
    "ar": ".", "fa": ".", "ur": ".", "ps": ".",   # with Western digits; see ARABIC_MARKS for ٫ ٬
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


# ----------------------------------------------------------------- numerals

NUMERAL_RE = re.compile(r"[+-]?\d+(?:(?:[.,'’]| (?=\d{3}(?!\d)))\d+)*")


def numeral(token: str, language: str | None, surface: str, where: str | None) -> Decimal:
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
