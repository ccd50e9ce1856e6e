"""The words of a claim's text, folded for matching (kb.model.text_match): Unicode NFKC,
case folding, Latin accents removed (é → e; marks of other scripts are kept: in
Devanagari they are vowels), curly quotes and dashes made plain, possessive 's dropped,
negative contractions spelt out ("won't" → "will not"), thousands separators dropped
("1,000" → "1000"), words split on anything that is not a letter or digit (so
"COVID-19" gives "covid" and "19"); stop words (``STOP_WORDS``: English ones and the
words fact-checks frame a claim with) dropped and a light English suffix stemmer
(``stem``) applied by ``normalise``.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Iterable

NGRAM = 4                # the length of the character grams (``char_ngrams``)

STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been
before being below between both but by can cannot could did do does doing down during
each either few for from further had has have having he her here hers herself him
himself his how i if in into is it its itself just let me more most my myself neither
nor of off on once only or other our ours ourselves out over own same she should so
some such than that the their theirs them themselves then there these they this those
through to too under until up very was we were what when where which while who whom
why will with would you your yours yourself yourselves s t ll re ve d m
no not never nothing
say says said saying claim claims claimed claiming allegedly reportedly according
fact check checked true false fake hoax misleading rumor rumour viral
""".split())

# typographic characters → what people type for them: every quote, apostrophe and dash
# variant, the ellipsis, odd spaces (also the quote finder's table: kb.model.anchoring)
PLAIN = {**{c: "'" for c in "\u2018\u2019\u201a\u201b\u2032\u02bc`\u00b4"},
         **{c: '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"},
         **{c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"},
         "\u2026": "...", "\u00a0": " ", "\u2009": " ", "\u202f": " "}
_QUOTES = str.maketrans(PLAIN)


def _mark_class() -> str:
    """A regex class of the combining marks of the Basic Multilingual Plane: Python's
    \\w leaves them out, which would cut Devanagari or Tamil words at every vowel sign."""
    ranges, start, prev = [], None, None
    for code in range(0x300, 0x10000):
        if unicodedata.category(chr(code)).startswith("M"):
            if start is None:
                start = code
            elif code != prev + 1:
                ranges.append((start, prev))
                start = code
            prev = code
    ranges.append((start, prev))
    return "".join(f"\\u{a:04x}-\\u{b:04x}" if a != b else f"\\u{a:04x}" for a, b in ranges)


_MARKS = _mark_class()
WORD_RE = re.compile(rf"\d+\.\d+|[^\W_](?:[^\W_]|[{_MARKS}])*", re.UNICODE)     # a word, or a decimal
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
POSSESSIVE_RE = re.compile(r"(?<=\w)'s\b", re.IGNORECASE)


@lru_cache(maxsize=4096)      # each claim's text is cleaned by several extractors in a row
def clean(text: str) -> str:
    """NFKC, plain quotes/dashes/spaces, Latin accents removed (case kept)."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    out = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and out and ord(out[-1]) < 0x250:
            continue     # an accent on a Latin letter; other scripts keep their marks
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def stem(word: str) -> str:
    """A light English suffix stemmer for ASCII words longer than 4 letters:
    plural -s/-es/-ies, -ing, -ed, then a final -e ("vaccines", "vaccine" → "vaccin";
    "announced", "announce" → "announc"). Other words are returned as they are."""
    if len(word) <= 4 or not (word.isascii() and word.isalpha()):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]          # "stopped" → "stop"
            return base
    if word.endswith(("ches", "shes", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


_CONTRACTIONS = [(re.compile(r"\b(won|can|shan)'t\b", re.I), lambda m: {"won": "will", "can": "can", "shan": "shall"}[m[1].lower()] + " not"),
                 (re.compile(r"(?<=\w)n't\b", re.I), lambda m: " not")]


def words(text: str) -> list[str]:
    """The folded words of ``text`` (stop words included): possessives dropped,
    negative contractions spelt out ("won't" → "will not"), "1,000" → "1000"."""
    text = POSSESSIVE_RE.sub("", clean(text))
    for pattern, repl in _CONTRACTIONS:
        text = pattern.sub(repl, text)
    return WORD_RE.findall(_THOUSANDS.sub("", text).casefold())


def normalise(text: str) -> list[str]:
    """The content tokens of ``text``: folded, stop words removed, stemmed."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS]


def char_ngrams(tokens: Iterable[str], n: int = NGRAM) -> list[str]:
    """The character n-grams of each token padded with '#' (a short token is one gram)."""
    grams: list[str] = []
    for token in tokens:
        padded = f"#{token}#"
        if len(padded) <= n:
            grams.append(padded)
        else:
            grams.extend(padded[i:i + n] for i in range(len(padded) - n + 1))
    return grams


def fold_label(text: str | None) -> str:
    """A label (a publisher's name) as compared: folded, punctuation and spaces removed."""
    return "".join(WORD_RE.findall(clean(text or "").casefold()))


def clip(text, width: int) -> str:
    """``text`` on one line (whitespace squeezed), cut to ``width`` characters with "…"
    when longer; "" for nothing. For messages, tables and titles."""
    if not text:
        return ""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"
