"""Re-anchoring a quote when its article gets a new text version (issue #5).

``reanchor(old_text, new_text, exact=…, prefix=…, suffix=…, start=…, end=…)`` finds
where a quote anchored in ``old_text`` (W3C Web Annotation TextQuoteSelector
``exact``/``prefix``/``suffix`` and TextPositionSelector ``start``/``end``) lies in
``new_text``, and returns its new selectors as a :class:`Reanchored`, or ``None`` when
it cannot be found: the annotation is then kept as an orphan by the caller, never
dropped. Pure functions: no store access, no I/O.

Positions count Unicode code points from 0, end exclusive, as the Web Annotation model
defines them (Python ``str`` indices). Strategies, in order; the first that succeeds
wins:

1. **position** — ``new_text[start:end] == exact``: the quote has not moved.
2. **quote** — ``exact`` occurs exactly once in ``new_text`` (literally, or with the
   whitespace changed: a run of whitespace in the quote matches any run of whitespace,
   so re-wrapped lines and doubled spaces still match).
3. **context** — it occurs several times: each occurrence is scored by how well the
   text before and after it matches ``prefix`` and ``suffix`` (difflib ratio) and by
   how near it is to where the old position would be once scaled by the change of
   length (``start * len(new_text) / len(old_text)``); the best wins. When nothing can
   tell the occurrences apart (no prefix, suffix or start), the quote is ambiguous:
   ``None``.
4. **fuzzy** — the approximate match of the quote with the smallest edit distance, on
   whitespace-normalised text (runs of whitespace count as one space). Candidate
   regions are seeded by the quote's rarest character q-grams found in the new text
   (each occurrence votes for where the quote would start), plus the scaled old
   position; each region is searched with Myers' bit-parallel edit-distance algorithm
   (Python integers as bit vectors, so quotes of any length), and the start of the
   match found by running it backwards from the best end.

   ``similarity = 1 − levenshtein(quote, match) / len(quote)`` (both normalised). A
   match is accepted when ``similarity ≥ FUZZY_THRESHOLD`` (0.75: at most one edit per
   four characters of the quote — a fixed typo, a reworded word or two, a changed
   number — while a sentence rewritten beyond that is an orphan). Among accepted
   candidates the same weights as for **context** choose, with the similarity
   weighing most.

The result's ``prefix``/``suffix`` are the ``CONTEXT`` (32) characters around the new
span, as kb.anchoring writes them, and ``exact`` is always ``new_text[start:end]``.
``score`` is in [0, 1]: 1.0 for position and quote, the weighted context score for
context, the similarity for fuzzy.

Why one module (~420 lines): the strategies (exact, prefix/suffix context, fuzzy) and
the scoring that chooses between them are one algorithm, tuned together on the same
measured cases (bench/reanchor.py); a split would cut through its shared state.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Literal

from kb.model.anchoring import CONTEXT

FUZZY_THRESHOLD = 0.75

# weights of the scores that choose among candidates (the quote's own similarity, the
# text before and after it, nearness to the scaled old position)
W_QUOTE, W_PREFIX, W_SUFFIX, W_POSITION = 50.0, 20.0, 20.0, 2.0

MAX_CANDIDATES = 6          # regions searched by the fuzzy strategy
MAX_SEED_GRAMS = 48         # the rarest q-grams of the quote that vote
MAX_GRAM_OCCURRENCES = 200  # a q-gram more frequent than this in the text does not vote
MAX_SCORED = 64             # occurrences of a repeated quote scored in full (difflib)

Method = Literal["position", "quote", "context", "fuzzy"]


@dataclass(frozen=True)
class Reanchored:
    """Where a quote lies in the new text: selectors (start/end in code points, end
    exclusive), how it was found and how well it matches."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str
    method: Method
    score: float


def reanchor(old_text: str | None, new_text: str, *, exact: str, prefix: str | None = None,
             suffix: str | None = None, start: int | None = None, end: int | None = None
             ) -> Reanchored | None:
    """The quote ``exact`` (anchored in ``old_text`` at [start, end) with ``prefix`` and
    ``suffix`` around it) located in ``new_text``; ``None`` when it cannot be found or is
    ambiguous (an orphan). ``old_text`` may be None (then the old position is not
    scaled). Never raises for any string input; an empty quote is ``None``."""
    if not exact or not exact.strip() or not new_text:
        return None
    # 1. position
    if (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(new_text)
            and new_text[start:end] == exact):
        return _result(new_text, start, end, "position", 1.0)
    expected = _expected_position(old_text, new_text, start)
    # 2./3. the quote itself, literally or with its whitespace changed
    spans = _occurrences(new_text, exact)
    if len(spans) == 1:
        return _result(new_text, *spans[0], "quote", 1.0)
    if spans:
        if not prefix and not suffix and expected is None:
            return None   # several occurrences and nothing to choose with
        if len(spans) > MAX_SCORED:
            spans = _shortlist(new_text, spans, prefix, suffix, expected)
        scored = [(_choice_score(new_text, s, e, prefix, suffix, expected), s, e) for s, e in spans]
        best = max(scored, key=lambda t: (t[0], -t[1]))
        return _result(new_text, best[1], best[2], "context", round(best[0], 4))
    # 4. fuzzy
    found = _fuzzy(new_text, exact, prefix, suffix, expected)
    if found is None:
        return None
    s, e, similarity = found
    return _result(new_text, s, e, "fuzzy", round(similarity, 4))


# ---------------------------------------------------------------------- helpers

def _result(text: str, s: int, e: int, method: Method, score: float) -> Reanchored:
    return Reanchored(start=s, end=e, exact=text[s:e], prefix=text[max(0, s - CONTEXT):s],
                      suffix=text[e:e + CONTEXT], method=method, score=min(1.0, max(0.0, score)))


def _expected_position(old_text: str | None, new_text: str, start: int | None) -> float | None:
    if not isinstance(start, int) or start < 0:
        return None
    if old_text:
        return start * len(new_text) / len(old_text)
    return float(min(start, len(new_text)))


def _occurrences(text: str, quote: str) -> list[tuple[int, int]]:
    """Every (start, end) of ``quote`` in ``text``: literal occurrences (overlapping
    ones included), else occurrences with the whitespace changed."""
    spans = []
    i = text.find(quote)
    while i >= 0:
        spans.append((i, i + len(quote)))
        i = text.find(quote, i + 1)
    if spans:
        return spans
    words = quote.split()
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words))
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def _norm(text: str) -> str:
    return " ".join(text.split())


def _similar(a: str, b: str) -> float:
    if not a and not b:
        return 1.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _choice_score(text: str, s: int, e: int, prefix: str | None, suffix: str | None,
                  expected: float | None, quote_similarity: float | None = None) -> float:
    """The weighted score of the span [s, e) as the quote's new place, in [0, 1]."""
    total = weight = 0.0
    if quote_similarity is not None:
        total += W_QUOTE * quote_similarity
        weight += W_QUOTE
    if prefix and prefix.strip():
        want = _norm(prefix)
        have = _norm(text[max(0, s - 2 * len(prefix) - 8):s])[-len(want):]
        total += W_PREFIX * _similar(want, have)
        weight += W_PREFIX
    if suffix and suffix.strip():
        want = _norm(suffix)
        have = _norm(text[e:e + 2 * len(suffix) + 8])[:len(want)]
        total += W_SUFFIX * _similar(want, have)
        weight += W_SUFFIX
    if expected is not None:
        distance = abs(s - expected) / max(1, len(text))
        total += W_POSITION * (1.0 - min(1.0, distance))
        weight += W_POSITION
    return total / weight if weight else 0.0


def _shortlist(text: str, spans: list[tuple[int, int]], prefix: str | None, suffix: str | None,
               expected: float | None) -> list[tuple[int, int]]:
    """The occurrences of a very frequent quote worth scoring in full: those whose
    surroundings share the longest exact tail of ``prefix`` / head of ``suffix``, and
    those nearest the expected position."""
    def common(s: int, e: int) -> int:
        n = 0
        if prefix:
            before = text[max(0, s - len(prefix)):s]
            while n < len(before) and before[-1 - n] == prefix[-1 - n]:
                n += 1
        m = 0
        if suffix:
            after = text[e:e + len(suffix)]
            while m < len(after) and after[m] == suffix[m]:
                m += 1
        return n + m
    keep = set(sorted(spans, key=lambda sp: -common(*sp))[:MAX_SCORED // 2])
    if expected is not None:
        keep.update(sorted(spans, key=lambda sp: abs(sp[0] - expected))[:MAX_SCORED // 2])
    return sorted(keep)


# ---------------------------------------------------------------------- fuzzy

@dataclass(frozen=True)
class _Normalised:
    text: str            # runs of whitespace → one space
    origin: list[int]    # origin[i]: index in the original text of text[i]


@lru_cache(maxsize=8)
def _normalised(text: str) -> _Normalised:
    out: list[str] = []
    origin: list[int] = []
    for m in re.finditer(r"\S+|\s+", text):
        if m.group(0)[0].isspace():
            out.append(" ")
            origin.append(m.start())
        else:
            out.append(m.group(0))
            origin.extend(range(m.start(), m.end()))
    return _Normalised("".join(out), origin)


@lru_cache(maxsize=16)
def _gram_index(text: str, q: int) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for i in range(len(text) - q + 1):
        gram = text[i:i + q]
        slot = index.get(gram)
        if slot is None:
            index[gram] = [i]
        elif len(slot) <= MAX_GRAM_OCCURRENCES:
            slot.append(i)
    return index


def _gram_size(m: int) -> int:
    return 2 if m < 8 else 3 if m < 24 else 4


def _seed_starts(text: str, quote: str, kmax: int) -> list[int]:
    """Likely starts of the quote in ``text`` (both normalised), best first: each
    occurrence of one of the quote's rarest q-grams votes for the start it implies."""
    m = len(quote)
    q = _gram_size(m)
    if m < q:
        return []
    index = _gram_index(text, q)
    grams = {}
    for i in range(m - q + 1):
        positions = index.get(quote[i:i + q])
        if positions and len(positions) <= MAX_GRAM_OCCURRENCES:
            grams.setdefault(quote[i:i + q], (len(positions), i, positions))
    chosen = sorted(grams.values())[:MAX_SEED_GRAMS]
    width = max(4, kmax // 2 + 1)
    votes: dict[int, int] = {}
    where: dict[int, list[int]] = {}
    for _count, offset, positions in chosen:
        for p in positions:
            diagonal = p - offset
            b = diagonal // width
            votes[b] = votes.get(b, 0) + 1
            where.setdefault(b, []).append(diagonal)
    if not votes:
        return []
    clustered = sorted(((votes.get(b - 1, 0) + v + votes.get(b + 1, 0), b) for b, v in votes.items()),
                       reverse=True)
    starts: list[int] = []
    taken: set[int] = set()
    for _score, b in clustered:
        if b in taken:
            continue
        taken.update((b - 2, b - 1, b, b + 1, b + 2))
        diagonals = sorted(where.get(b - 1, []) + where[b] + where.get(b + 1, []))
        starts.append(diagonals[len(diagonals) // 2])
        if len(starts) >= MAX_CANDIDATES:
            break
    return starts


def _myers(pattern: str, text: str, anchored: bool) -> tuple[int, int]:
    """(least edit distance, end) of ``pattern`` against ``text``: against any substring
    ending at ``end`` (search), or, ``anchored``, against the prefix ``text[:end]``.
    The first end with the least distance. Myers (1999) / Hyyrö's bit-vector algorithm."""
    best, best_end, _last = _myers_scan(pattern, text, anchored)
    return best, best_end


def _levenshtein(a: str, b: str) -> int:
    if not a or not b:
        return len(a) + len(b)
    return _myers_scan(a, b, True)[2]


def _myers_scan(pattern: str, text: str, anchored: bool) -> tuple[int, int, int]:
    m = len(pattern)
    mask = (1 << m) - 1
    high = 1 << (m - 1)
    peq: dict[str, int] = {}
    for i, c in enumerate(pattern):
        peq[c] = peq.get(c, 0) | (1 << i)
    pv, mv, score = mask, 0, m
    best, best_end = m, 0
    carry = 1 if anchored else 0
    for j, c in enumerate(text):
        eq = peq.get(c, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & mask)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = ((ph << 1) | carry) & mask
        mh = (mh << 1) & mask
        pv = mh | (~(xv | ph) & mask)
        mv = ph & xv
        if score < best:
            best, best_end = score, j + 1
    return best, best_end, score


def _fuzzy(new_text: str, exact: str, prefix: str | None, suffix: str | None,
           expected: float | None) -> tuple[int, int, float] | None:
    quote = _norm(exact)
    m = len(quote)
    kmax = int((1.0 - FUZZY_THRESHOLD) * m)
    norm = _normalised(new_text)
    text = norm.text
    if not text:
        return None
    starts = _seed_starts(text, quote, kmax)
    if expected is not None:
        starts.append(min(len(text), bisect_right(norm.origin, int(expected))))
    pad = max(4, kmax // 2 + 1) * 2 + kmax
    # did the old quote begin / end at a word boundary? (unknown context: assume so)
    word_start = not (prefix and prefix[-1].isalnum() and exact[0].isalnum())
    word_end = not (suffix and suffix[0].isalnum() and exact[-1].isalnum())
    found: dict[tuple[int, int], float] = {}
    for d in starts:
        lo, hi = max(0, d - pad), min(len(text), d + m + pad)
        distance, end = _myers(quote, text[lo:hi], anchored=False)
        if distance > kmax or end == 0:
            continue
        back = text[lo:lo + end][::-1]
        distance2, length = _myers(quote[::-1], back, anchored=True)
        s, e = lo + end - length, lo + end
        while s < e and text[s] == " ":
            s += 1
        while e > s and text[e - 1] == " ":
            e -= 1
        if e <= s:
            continue
        similarity = 1.0 - min(distance, distance2) / m
        rs, re_ = _refine(text, s, e, prefix, suffix, pad, word_start, word_end)
        if (rs, re_) != (s, e):
            refined = 1.0 - _levenshtein(quote, text[rs:re_]) / m
            if refined >= FUZZY_THRESHOLD:
                s, e, similarity = rs, re_, refined
        key = (norm.origin[s], norm.origin[e - 1] + 1)
        found[key] = max(similarity, found.get(key, 0.0))
    if not found:
        return None
    best = max(found.items(), key=lambda item: (
        _choice_score(new_text, item[0][0], item[0][1], prefix, suffix, expected, item[1]),
        -item[0][0]))
    (s, e), similarity = best
    if similarity < FUZZY_THRESHOLD:
        return None
    return s, e, similarity


def _refine(text: str, s: int, e: int, prefix: str | None, suffix: str | None, slack: int,
            word_start: bool, word_end: bool) -> tuple[int, int]:
    """The ends of a fuzzy match [s, e) in normalised ``text``, moved to where the old
    context says the quote began and ended: right after the end of ``prefix`` and right
    before the start of ``suffix`` when they are found within ``slack`` characters
    (edit distance alone trims a changed first or last word off the match); else, when
    the old quote began (ended) at a word boundary, out to the enclosing word's edge."""
    tail = _norm(prefix)[-12:] if prefix else ""
    new_s = None
    if len(tail) >= 4:
        lo = max(0, s - slack - len(tail) - 1)
        region = text[lo:min(len(text), s + slack + len(tail) + 1)]
        i = region.find(tail)
        while i >= 0:
            pos = lo + i + len(tail)
            while pos < len(text) and text[pos] == " ":
                pos += 1
            if abs(pos - s) <= slack and (new_s is None or abs(pos - s) < abs(new_s - s)):
                new_s = pos
            i = region.find(tail, i + 1)
    if new_s is None:
        new_s = s
        if word_start:
            while new_s > 0 and s - new_s < slack and text[new_s - 1].isalnum() and text[new_s].isalnum():
                new_s -= 1
    head = _norm(suffix)[:12] if suffix else ""
    new_e = None
    if len(head) >= 4:
        lo = max(0, e - slack - len(head) - 1)
        region = text[lo:min(len(text), e + slack + len(head) + 1)]
        i = region.find(head)
        while i >= 0:
            pos = lo + i
            while pos > 0 and text[pos - 1] == " ":
                pos -= 1
            if abs(pos - e) <= slack and (new_e is None or abs(pos - e) < abs(new_e - e)):
                new_e = pos
            i = region.find(head, i + 1)
    if new_e is None:
        new_e = e
        if word_end:
            while new_e < len(text) and new_e - e < slack and text[new_e - 1].isalnum() \
                    and text[new_e].isalnum():
                new_e += 1
    if new_e <= new_s:
        return s, e
    return new_s, new_e


__all__ = ["reanchor", "Reanchored", "FUZZY_THRESHOLD"]
