"""Locating a quote in a stored article text: W3C Web Annotation selectors.

Positions count Unicode code points from 0 (TextPositionSelector start/end, end
exclusive), as the Web Annotation model defines them.
"""
from __future__ import annotations

from array import array
from dataclasses import dataclass
from functools import lru_cache

from kb.errors import InputError
from kb.model.text_normalisation import PLAIN, clip

CONTEXT = 32  # characters of prefix/suffix kept for re-anchoring


@dataclass(frozen=True)
class Anchor:
    exact: str
    prefix: str
    suffix: str
    start: int
    end: int


# A quote copied from a page, or typed with straight quotes, still finds its words: the
# text and the quote are compared through the project's table of typographic characters
# (kb.model.text_normalisation.PLAIN; ligatures too), with the characters that print
# nothing skipped; the selector keeps the text's own characters.
VARIANTS = {**PLAIN, "\ufb01": "fi", "\ufb02": "fl"}
INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")   # soft hyphen, zero widths
NEAREST_MIN = 60        # rapidfuzz score (0–100) under which no passage is "nearest"


@dataclass(frozen=True)
class _Folded:
    """A text compared as people type it: variants folded, invisible characters dropped,
    whitespace runs one space (none at either end); ``where[i]`` is the text's offset of
    folded character i (and ``where[len]`` just after the last one)."""

    text: str
    where: array          # of int: 4 bytes a character (a 5 MB text's map is 20 MB)


@lru_cache(maxsize=4)     # an article's quotes are located one after another
def _fold(text: str) -> _Folded:
    out: list[str] = []
    where = array("i")
    space = False
    for i, ch in enumerate(text):
        if ch in INVISIBLE:
            continue
        if ch.isspace():
            if not space and out:
                out.append(" ")
                where.append(i)
            space = True
            continue
        space = False
        for piece in VARIANTS.get(ch, ch):
            out.append(piece)
            where.append(i)
    if out and out[-1] == " ":
        out.pop()
        where.pop()
    where.append(where[-1] + 1 if where else 0)
    return _Folded("".join(out), where)


def _spans(folded: _Folded, quote: str) -> list[tuple[int, int]]:
    """The text's (start, end) of each occurrence of the folded ``quote``."""
    found, at = [], folded.text.find(quote)
    while at >= 0:
        end = at + len(quote)
        found.append((folded.where[at], folded.where[end - 1] + 1))
        at = folded.text.find(quote, at + 1)
    return found


def nearest(text: str, quote: str) -> tuple[str, int] | None:
    """The passage of ``text`` most like ``quote`` and its rapidfuzz score (0–100), or
    None when nothing comes near (NEAREST_MIN)."""
    from rapidfuzz import fuzz   # ~30 ms to import: only when a quote is not found

    folded, wanted = _fold(text), _fold(quote).text
    if not folded.text or not wanted:
        return None
    found = fuzz.partial_ratio_alignment(wanted, folded.text)
    if found is None or found.score < NEAREST_MIN:
        return None
    start, end = folded.where[found.dest_start], folded.where[max(found.dest_end - 1, found.dest_start)] + 1
    while start > 0 and not text[start - 1].isspace():       # whole words
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[start:end], round(found.score)


def locate(text: str, quote: str, *, prefix: str | None = None, suffix: str | None = None,
           where: str | None = None) -> Anchor:
    """Find ``quote`` in ``text`` and return its selectors.

    The quote matches as people copy or type it: any whitespace for any whitespace,
    straight or curly quotes and apostrophes, any dash or hyphen, "..." for "…", and
    soft hyphens or zero-width characters in the text ignored (VARIANTS, INVISIBLE);
    the selector's ``exact`` is the text's own characters. When the quote occurs more
    than once, ``prefix``/``suffix`` (text just before or after it, compared the same
    way) choose the occurrence; without them an ambiguous quote is an error.
    Raises InputError when the quote is empty, absent (naming the nearest passage when
    there is one) or ambiguous.
    """
    if not quote or not quote.strip():
        raise InputError("the quote is empty", where=where)
    folded = _fold(text)
    wanted = _fold(quote).text
    matches = _spans(folded, wanted) if wanted else []
    if not matches:
        near = nearest(text, quote)
        hint = (f"; the nearest passage ({near[1]}% alike) is {clip(near[0], 120)!r}" if near else "")
        raise InputError(f"quote not found in the article text: {quote[:80]!r}{hint}", where=where)
    if len(matches) > 1 and (prefix or suffix):
        def fits(span: tuple[int, int]) -> bool:
            before = _fold(text[max(0, span[0] - 200):span[0]]).text
            after = _fold(text[span[1]:span[1] + 200]).text
            return ((not prefix or before.endswith(_fold(prefix).text))
                    and (not suffix or after.startswith(_fold(suffix).text)))
        matches = [m for m in matches if fits(m)] or matches
    if len(matches) > 1:
        raise InputError(f"quote occurs {len(matches)} times in the article; give "
                         f"quote_prefix or quote_suffix to choose one: {quote[:80]!r}",
                         where=where)
    start, end = matches[0]
    return Anchor(exact=text[start:end], prefix=text[max(0, start - CONTEXT):start],
                  suffix=text[end:end + CONTEXT], start=start, end=end)
