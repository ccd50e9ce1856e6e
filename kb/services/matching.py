"""Same-claim matching for text-only claims: which claims from different publishers
state the same thing? (method and figures: docs/matching.md)

>>> a = TextClaim("a", "Five JetBlue pilots died from the COVID-19 vaccine.", "PolitiFact")
>>> b = TextClaim("b", "5 JetBlue pilots died as the result of receiving the vaccine.", "Snopes")
>>> [m.reasons[0] for m in propose_matches([a, b])]          # doctest: +ELLIPSIS
['text similarity 0...']

Pure Python (standard library only), so it runs wherever kb does.

1. **Normalisation** (``normalise``): Unicode NFKC, case folding, Latin accents removed
   (é → e; marks of other scripts are kept: in Devanagari they are vowels), curly quotes
   and dashes made plain, possessive 's dropped, negative contractions spelt out
   ("won't" → "will not"), thousands separators dropped ("1,000" → "1000"), words split
   on anything that is not a letter or digit (so "COVID-19" gives "covid" and "19").
   English stop words and the words fact-checks use to *frame* a claim rather than
   state it ("says", "claim", "did", "does", "no", "not", "fake": a checker asks "Did X
   say Y?" or answers "No, X did not say Y" about the same claim) are dropped. A light
   suffix stemmer (plural -s/-es/-ies, -ing, -ed, final -e) folds English inflections;
   everything else is left to:
2. **Text similarity**: TF-IDF cosine, computed by hand over sparse dicts, on three
   views of each claim — the stemmed content words; the character 4-grams of those
   words (each padded with "#", so "Canada"/"Canadian" or "daughter"/"granddaughter"
   still share grams, and scripts without a stemmer still compare); and the character
   4-grams of the words that are *not* a name in either claim: what is said about the
   names ("Maria Okafor was arrested" and "Maria Okafor opened a hospital" share the
   names, not the claim). IDF comes from the pool of claims being matched. Text
   similarity = the mean of the three cosines, in [0, 1].
3. **Anchors**, found in the raw text: numbers ("1,000" = "1000" = "a thousand",
   "five" = "5", "three hundred" = "300", "1.5 million" = 1500000; compared exactly; a
   number glued to letters, as in "COVID-19" or "G7", is part of a name, not a
   number), dates ("17 July 2021", "July 17", "July 2021", and years 1900–2099; two
   dates agree when every part both give agrees, at the coarser precision: "2021" and
   "17 July 2021" agree as a year), capitalised names (words capitalised inside a
   sentence, and a first word followed by another capitalised one, as in "Maria
   Okafor said"; a headline in Title Case gives none) and the speaker.

   Agreement adds to the score:

   ======================================  ==========================================
   same number                              +0.10 each, at most 2
   same date                                +0.10 day, +0.06 month, +0.03 year; ≤ 0.10
   shared rare name                         +0.05 each, at most 3, × the similarity
                                            beyond the names
   same named speaker                       +0.05
   ======================================  ==========================================

   and the sum is capped at 1. A conflict — both give numbers and none is common, both
   give dates and they disagree, both have named speakers and they differ — is
   evidence that the claims differ whatever their words: each multiplies the score
   by ``CONFLICT_FACTOR`` = 0.3, so even identical words with one conflict (0.3) stay
   below the default threshold. Such pairs still appear, ranked, at lower thresholds:
   contradictory versions of one rumour are worth a look.

   "Rare" is a document frequency of at most max(3, 5 % of the pool). Generic claimants
   that feeds put in the speaker slot ("Facebook posts", "Viral image", "Multiple
   sources") are no speaker for this purpose; one speaker's words within the other's
   ("Okafor" / "Senator Maria Okafor") are the same speaker.
4. **Blocking**: an inverted index over each claim's ``BLOCK_KEYS`` rarest keys
   (content words and numbers held by 2..``MAX_DF`` claims). A pair is scored only when
   its claims come from different publishers and share two of those keys, or one key
   held by at most ``RARE_KEY_DF`` claims (a rare name). The index work is bounded by
   BLOCK_KEYS × MAX_DF per claim, not by n²: 459 claims → 2,162 of 105,111 pairs
   scored (0.3 s); 9,120 real PolitiFact claims and headlines → 119k pairs (11 s);
   100,000 synthetic claims → 603k pairs (about 65 s), on one core.
5. **Threshold**: ``DEFAULT_THRESHOLD`` = 0.40, chosen on an independent calibration
   set, not on the gold clusters: each review of the shared ClaimReview feed whose
   claimReviewed and headline differ gives a positive pair (the claim against its own
   headline: a paraphrase of the same claim) and negatives (against other checkers'
   headlines); the 16 gold-cluster reviews are left out. The rule: the lowest
   threshold (0.05 grid) with calibration precision ≥ 0.90. Not the best-F1 point
   (0.30): there each claim has exactly one partner, while in a real pool most claims
   have none, so the operating point must sit on the high-precision side.
   bench/matching_eval.py prints the curve; docs/matching.md has the figures.

Publishers are compared case-folded with punctuation and spaces removed; a claim
without a publisher is compared with every other claim. Pairs from the same publisher
are never proposed (two checks of one claim by one checker are that checker's
duplicates, not independent sources).
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Iterable

from rdflib import Literal, URIRef

from kb.model.dates import parse_date
from kb.model.iris import Minter
from kb.model.quantity import parse_number_words
from kb.store import sparql
from kb.store.base import Store

DEFAULT_THRESHOLD = 0.40
BLOCK_KEYS = 10          # the rarest keys of each claim used for blocking
MAX_DF = 200             # keys held by more claims than this do not block
RARE_KEY_DF = 5          # a key this rare is enough on its own; others must come in twos
NGRAM = 4

W_NUMBER_SAME, NUMBER_SAME_MAX = 0.10, 2
W_DATE_SAME = {"day": 0.10, "month": 0.06, "year": 0.03}
DATE_SAME_MAX = 0.10
W_NAME, NAME_MAX = 0.05, 3   # × the similarity beyond the names
W_SPEAKER_SAME = 0.05
CONFLICT_FACTOR = 0.3    # per conflicting anchor (numbers, dates, speakers)


@dataclass(frozen=True)
class TextClaim:
    """A claim known by its words: id (or IRI), text, publisher, date, speaker."""

    id: str
    text: str
    publisher: str | None = None
    date: dt.date | str | None = None    # when the source published it (date or ISO text)
    speaker: str | None = None


@dataclass
class Match:
    """Two claims proposed as the same claim, with the score and why, in words."""

    a: TextClaim
    b: TextClaim
    score: float
    reasons: list[str] = field(default_factory=list)

    @property
    def pair(self) -> tuple[str, str]:
        return (self.a.id, self.b.id)


# ---------------------------------------------------------------- normalisation

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

_GENERIC_SPEAKER_WORDS = frozenset("""
post posts user users facebook twitter instagram tiktok whatsapp youtube telegram reddit
social media viral image images photo photos video videos meme memes blog blogs blogger
bloggers website websites multiple sources source various online internet chain message
messages email emails tweet tweets claim claims unknown anonymous
""".split())

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
                         "\u2032": "'", "`": "'", "\u00b4": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
                         "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
                         "\u2212": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " "})
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
_WORD = re.compile(rf"\d+\.\d+|[^\W_](?:[^\W_]|[{_MARKS}])*", re.UNICODE)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_POSSESSIVE = re.compile(r"(?<=\w)'s\b", re.IGNORECASE)


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
    text = _POSSESSIVE.sub("", clean(text))
    for pattern, repl in _CONTRACTIONS:
        text = pattern.sub(repl, text)
    return _WORD.findall(_THOUSANDS.sub("", text).casefold())


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


# ---------------------------------------------------------------- anchors

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


def _date_relation(a: Date, b: Date) -> str:
    """'same' when every part both give agrees, 'differ' when one disagrees,
    'unrelated' when they share no part (a year against a day without year)."""
    common = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    if not common:
        return "unrelated"
    return "same" if all(x == y for x, y in common) else "differ"


def _precision(date: Date) -> str:
    return "day" if date[2] else "month" if date[1] else "year"


_RANK = {"year": 0, "month": 1, "day": 2}


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
        for part in _WORD.findall(_POSSESSIVE.sub("", word)):
            folded = part.casefold()
            if len(folded) > 1 and folded not in STOP_WORDS and folded not in _CALENDAR \
                    and not folded.isdigit():
                out.append((stem(folded), part))
    return out


def _fold_label(text: str | None) -> str:
    return "".join(_WORD.findall(clean(text or "").casefold()))


def _speaker_tokens(speaker: str | None) -> frozenset[str] | None:
    """The speaker's words, or None when there is none or it is generic."""
    if not speaker:
        return None
    tokens = frozenset(words(speaker))
    if not tokens or tokens & _GENERIC_SPEAKER_WORDS:
        return None
    return tokens


def _as_date(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    m = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})", str(value).strip())
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


# ---------------------------------------------------------------- features

@dataclass
class _Features:
    claim: TextClaim
    publisher: str
    tokens: list[str]
    token_set: frozenset[str]
    words: dict[str, float] = field(default_factory=dict)   # tf-idf, unit length
    grams: dict[str, float] = field(default_factory=dict)
    numbers: frozenset[Decimal] = frozenset()
    dates: frozenset[Date] = frozenset()
    names: dict[str, str] = field(default_factory=dict)      # token → surface
    speaker: frozenset[str] | None = None
    published: dt.date | None = None


def _tfidf(counts: Counter, idf: dict[str, float]) -> dict[str, float]:
    vec = {t: (1 + math.log(c)) * idf[t] for t, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {t: v / norm for t, v in vec.items()} if norm else {}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    return sum([a[t] * b[t] for t in a.keys() & b.keys()])


def _idf(docs: list[Iterable[str]]) -> dict[str, float]:
    df: Counter = Counter()
    for doc in docs:
        df.update(set(doc))
    n = len(docs)
    return {t: math.log((n + 1) / (c + 1)) + 1 for t, c in df.items()}


@dataclass
class _Pool:
    df: Counter                      # claims holding each content token
    gram_idf: dict[str, float]
    rare_df: float                   # a name held by at most this many claims is rare


def _features(claims: list[TextClaim]) -> tuple[list[_Features], _Pool]:
    feats = []
    for claim in claims:
        tokens = normalise(claim.text)
        feats.append(_Features(
            claim=claim, publisher=_fold_label(claim.publisher), tokens=tokens,
            token_set=frozenset(tokens), numbers=frozenset(numbers_in(claim.text)),
            dates=frozenset(dates_in(claim.text)), names=dict(names_in(claim.text)),
            speaker=_speaker_tokens(claim.speaker), published=_as_date(claim.date)))
    word_docs = [f.tokens for f in feats]
    gram_docs = [char_ngrams(f.tokens) for f in feats]
    word_idf, gram_idf = _idf(word_docs), _idf(gram_docs)
    df: Counter = Counter()
    for f, wdoc, gdoc in zip(feats, word_docs, gram_docs):
        f.words = _tfidf(Counter(wdoc), word_idf)
        f.grams = _tfidf(Counter(gdoc), gram_idf)
        df.update(f.token_set)
    return feats, _Pool(df, gram_idf, max(3.0, 0.05 * len(claims)))


def _score(x: _Features, y: _Features, pool: _Pool) -> tuple[float, list[str]]:
    word_sim, gram_sim = _cosine(x.words, y.words), _cosine(x.grams, y.grams)
    # what is said beyond the names: the character grams of the words that are not a
    # name in either claim ("Maria Okafor was arrested" / "Maria Okafor opened")
    name_tokens = x.names.keys() | y.names.keys()
    rest_x = [t for t in x.tokens if t not in name_tokens]
    rest_y = [t for t in y.tokens if t not in name_tokens]
    if name_tokens & x.token_set & y.token_set and rest_x and rest_y:
        rest_sim = _cosine(_tfidf(Counter(char_ngrams(rest_x)), pool.gram_idf),
                           _tfidf(Counter(char_ngrams(rest_y)), pool.gram_idf))
    else:
        rest_sim = gram_sim
    text = (word_sim + gram_sim + rest_sim) / 3
    score = text
    reasons = [f"text similarity {text:.2f} (words {word_sim:.2f}, characters {gram_sim:.2f}, "
               f"beyond the names {rest_sim:.2f})"]
    conflicts = 0

    same_numbers = x.numbers & y.numbers
    if same_numbers:
        score += W_NUMBER_SAME * min(len(same_numbers), NUMBER_SAME_MAX)
        reasons.append("same numbers: " + ", ".join(show_number(v) for v in sorted(same_numbers)))
    elif x.numbers and y.numbers:
        conflicts += 1
        reasons.append("different numbers: " + ", ".join(show_number(v) for v in sorted(x.numbers))
                       + " vs " + ", ".join(show_number(v) for v in sorted(y.numbers)))

    relations = [(a, b, _date_relation(a, b)) for a in x.dates for b in y.dates]
    same = sorted({a if _RANK[_precision(a)] <= _RANK[_precision(b)] else b
                   for a, b, rel in relations if rel == "same"}, key=show_date)
    if same:
        score += min(DATE_SAME_MAX, sum(W_DATE_SAME[_precision(d)] for d in same))
        reasons.append("same dates: " + ", ".join(show_date(d) for d in same))
    elif any(rel == "differ" for _a, _b, rel in relations):
        conflicts += 1
        reasons.append("different dates: " + ", ".join(sorted(show_date(d) for d in x.dates))
                       + " vs " + ", ".join(sorted(show_date(d) for d in y.dates)))

    shared = {}
    for token, surface in list(x.names.items()) + list(y.names.items()):
        if token in x.token_set and token in y.token_set and pool.df[token] <= pool.rare_df:
            shared.setdefault(token, surface)
    if shared:
        # a shared name is evidence in proportion to what else is shared: the same
        # person doing something else is another claim ("Okafor arrested" / "Okafor
        # opened a hospital"), and the names already weigh in the text similarity
        score += W_NAME * min(len(shared), NAME_MAX) * rest_sim
        reasons.append("shared names: " + ", ".join(sorted(shared.values())))

    if x.speaker is not None and y.speaker is not None:
        if x.speaker <= y.speaker or y.speaker <= x.speaker:
            score += W_SPEAKER_SAME
            reasons.append(f"same speaker: {x.claim.speaker}")
        else:
            conflicts += 1
            reasons.append(f"different speakers: {x.claim.speaker} vs {y.claim.speaker}")

    if x.published and y.published:
        days = abs((x.published - y.published).days)
        reasons.append(f"published {days} day{'s' if days != 1 else ''} apart")
    return min(1.0, score) * CONFLICT_FACTOR ** conflicts, reasons


def _blocking_keys(f: _Features) -> set[str]:
    return set(f.tokens) | {f"#n{show_number(v)}" for v in f.numbers}


def candidate_pairs(feats: list[_Features], *, block_keys: int = BLOCK_KEYS,
                    max_df: int = MAX_DF, rare_df: int = RARE_KEY_DF) -> set[tuple[int, int]]:
    """Index pairs (i < j) of claims from different publishers worth scoring.

    Each claim is indexed under its ``block_keys`` rarest keys (content words and
    numbers held by 2..``max_df`` claims). A pair is a candidate when it shares two of
    them, or one held by at most ``rare_df`` claims (a rare name, say). The index work
    is at most block_keys × max_df per claim, whatever the size of the pool."""
    keys = [_blocking_keys(f) for f in feats]
    df: Counter = Counter()
    for ks in keys:
        df.update(ks)
    postings: dict[str, list[int]] = defaultdict(list)
    for i, ks in enumerate(keys):
        usable = sorted((k for k in ks if 2 <= df[k] <= max_df), key=lambda k: (df[k], k))
        for k in usable[:block_keys]:
            postings[k].append(i)
    shared: Counter = Counter()
    pairs: set[tuple[int, int]] = set()
    for key, members in postings.items():
        rare = df[key] <= rare_df
        for n, i in enumerate(members):
            pi = feats[i].publisher
            for j in members[n + 1:]:
                if pi and pi == feats[j].publisher:
                    continue
                if rare:
                    pairs.add((i, j))
                else:
                    shared[(i, j)] += 1
    pairs.update(pair for pair, count in shared.items() if count >= 2)
    return pairs


def score_all(claims: list[TextClaim], *, block_keys: int = BLOCK_KEYS,
              max_df: int = MAX_DF) -> list[Match]:
    """Every blocked candidate pair with its score (no threshold), best first."""
    claims = list(claims)
    feats, pool = _features(claims)
    out = []
    for i, j in candidate_pairs(feats, block_keys=block_keys, max_df=max_df):
        x, y = feats[i], feats[j]
        if x.claim.id > y.claim.id:
            x, y = y, x
        score, reasons = _score(x, y, pool)
        out.append(Match(x.claim, y.claim, round(score, 4), reasons))
    out.sort(key=lambda m: (-m.score, m.a.id, m.b.id))
    return out


def propose_matches(claims: list[TextClaim], threshold: float = DEFAULT_THRESHOLD) -> list[Match]:
    """Pairs of claims from different publishers that state the same thing: score at
    least ``threshold`` (see the module docstring), best first; ``a.id < b.id``."""
    return [m for m in score_all(claims) if m.score >= threshold]


# ---------------------------------------------------------------- from the store

KB_PAGE = 10_000


def claims_in_kb(store: Store, iris: Minter, *, publisher: str | None = None,
                 since=None, until=None) -> list[TextClaim]:
    """The KB's claims that have words (schema:text), one TextClaim each, in IRI order
    (named query claim_texts.rq, read in pages of ``KB_PAGE``).

    ``publisher`` (a name or IRI) and ``since``/``until`` (publication dates: ISO text
    or dates) filter. A TextClaim's id is the claim IRI; its publisher is the
    publisher's name (its IRI when it has none).
    """
    params: dict = {}
    if publisher:
        params["ofPublisher"] = URIRef(publisher) if publisher.startswith(("http://", "https://")) \
            else iris.publisher(publisher)
    if since is not None:
        params["since"] = Literal(parse_date(since).earliest.isoformat())
    if until is not None:
        params["until"] = Literal(parse_date(until).latest.isoformat())
    out: list[TextClaim] = []
    after = None
    while True:
        rows = sparql.select(store, "claim_texts.rq", limit=KB_PAGE, after=after, **params)
        for row in rows:
            out.append(TextClaim(
                id=str(row["claim"]), text=str(row["text"]),
                publisher=_text(row.get("publisherName")) or _text(row.get("publisher")),
                date=_text(row.get("published")), speaker=_text(row.get("speakerLabel"))))
        if len(rows) < KB_PAGE:
            return out
        after = Literal(out[-1].id)


def _text(term) -> str | None:
    return str(term) if term is not None else None


def matches_in_kb(store: Store, iris: Minter, threshold: float = DEFAULT_THRESHOLD, *,
                  publisher: str | None = None, since=None, until=None) -> list[Match]:
    """Same-claim pairs among the KB's claims (``propose_matches`` on ``claims_in_kb``).

    With ``publisher``, only pairs with at least one claim of that publisher are kept
    (the other side is searched in the whole KB).
    """
    claims = claims_in_kb(store, iris, since=since, until=until)
    matches = propose_matches(claims, threshold)
    if publisher:
        mine = {c.id for c in claims_in_kb(store, iris, publisher=publisher, since=since, until=until)}
        matches = [m for m in matches if m.a.id in mine or m.b.id in mine]
    return matches


__all__ = ["TextClaim", "Match", "DEFAULT_THRESHOLD", "propose_matches", "score_all",
           "matches_in_kb", "claims_in_kb", "normalise", "words", "stem", "char_ngrams",
           "numbers_in", "dates_in", "names_in", "candidate_pairs"]
