"""Same-claim matching for text-only claims: which claims from different publishers
state the same thing? (method and figures: docs/matching.md)

>>> a = TextClaim("a", "Five JetBlue pilots died from the COVID-19 vaccine.", "PolitiFact")
>>> b = TextClaim("b", "5 JetBlue pilots died as the result of receiving the vaccine.", "Snopes")
>>> [m.reasons[0] for m in propose_matches([a, b])]          # doctest: +ELLIPSIS
['text similarity 0...']

Pure Python (standard library only), so it runs wherever kb does. The normalisation is
kb.model.text_normalisation, the anchors kb.model.text_anchors; this module scores,
blocks and proposes; the KB's claims are read by kb.services.matching.

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
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable

from kb.model.text_anchors import (PRECISION_RANK, Date, date_precision, date_relation, dates_in,
                                   names_in, numbers_in, show_date, show_number, speaker_tokens)
from kb.model.text_normalisation import char_ngrams, fold_label, normalise

DEFAULT_THRESHOLD = 0.40
BLOCK_KEYS = 10          # the rarest keys of each claim used for blocking
MAX_DF = 200             # keys held by more claims than this do not block
RARE_KEY_DF = 5          # a key this rare is enough on its own; others must come in twos

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


# ---------------------------------------------------------------- features

@dataclass
class Features:
    """One claim as scored: its folded publisher, content tokens (and their tf-idf
    vectors), anchors, speaker and publication date."""

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
class Pool:
    """What scoring reads from the whole pool of claims being matched."""

    df: Counter                      # claims holding each content token
    gram_idf: dict[str, float]
    rare_df: float                   # a name held by at most this many claims is rare


def features(claims: list[TextClaim]) -> tuple[list[Features], Pool]:
    """Each claim's features, with IDF taken from this pool of claims."""
    feats = []
    for claim in claims:
        tokens = normalise(claim.text)
        feats.append(Features(
            claim=claim, publisher=fold_label(claim.publisher), tokens=tokens,
            token_set=frozenset(tokens), numbers=frozenset(numbers_in(claim.text)),
            dates=frozenset(dates_in(claim.text)), names=dict(names_in(claim.text)),
            speaker=speaker_tokens(claim.speaker), published=_as_date(claim.date)))
    word_docs = [f.tokens for f in feats]
    gram_docs = [char_ngrams(f.tokens) for f in feats]
    word_idf, gram_idf = _idf(word_docs), _idf(gram_docs)
    df: Counter = Counter()
    for f, wdoc, gdoc in zip(feats, word_docs, gram_docs):
        f.words = _tfidf(Counter(wdoc), word_idf)
        f.grams = _tfidf(Counter(gdoc), gram_idf)
        df.update(f.token_set)
    return feats, Pool(df, gram_idf, max(3.0, 0.05 * len(claims)))


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


def _score(x: Features, y: Features, pool: Pool) -> tuple[float, list[str]]:
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

    relations = [(a, b, date_relation(a, b)) for a in x.dates for b in y.dates]
    same = sorted({a if PRECISION_RANK[date_precision(a)] <= PRECISION_RANK[date_precision(b)]
                   else b for a, b, rel in relations if rel == "same"}, key=show_date)
    if same:
        score += min(DATE_SAME_MAX, sum(W_DATE_SAME[date_precision(d)] for d in same))
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


def _blocking_keys(f: Features) -> set[str]:
    return set(f.tokens) | {f"#n{show_number(v)}" for v in f.numbers}


def candidate_pairs(feats: list[Features], *, block_keys: int = BLOCK_KEYS,
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
    feats, pool = features(claims)
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
