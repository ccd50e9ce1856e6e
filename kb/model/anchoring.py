"""Locating a quote in a stored article text: W3C Web Annotation selectors.

Positions count Unicode code points from 0 (TextPositionSelector start/end, end
exclusive), as the Web Annotation model defines them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kb.errors import InputError

CONTEXT = 32  # characters of prefix/suffix kept for re-anchoring


@dataclass(frozen=True)
class Anchor:
    exact: str
    prefix: str
    suffix: str
    start: int
    end: int


def _pattern(quote: str) -> re.Pattern:
    # Whitespace in the quote matches any run of whitespace in the text (line wraps,
    # double spaces); everything else must match exactly.
    parts = [re.escape(p) for p in quote.split()]
    return re.compile(r"\s+".join(parts))


def locate(text: str, quote: str, *, prefix: str | None = None, suffix: str | None = None,
           where: str | None = None) -> Anchor:
    """Find ``quote`` in ``text`` and return its selectors.

    When the quote occurs more than once, ``prefix``/``suffix`` (text just before or
    after it) choose the occurrence; without them an ambiguous quote is an error.
    Raises InputError when the quote is empty, absent or ambiguous.
    """
    if not quote or not quote.strip():
        raise InputError("the quote is empty", where=where)
    matches = list(_pattern(quote).finditer(text))
    if not matches:
        raise InputError(f"quote not found in the article text: {quote[:80]!r}", where=where)
    if len(matches) > 1 and (prefix or suffix):
        def fits(m: re.Match) -> bool:
            before = " ".join(text[max(0, m.start() - 200):m.start()].split())
            after = " ".join(text[m.end():m.end() + 200].split())
            return ((not prefix or before.endswith(" ".join(prefix.split())))
                    and (not suffix or after.startswith(" ".join(suffix.split()))))
        matches = [m for m in matches if fits(m)] or matches
    if len(matches) > 1:
        raise InputError(f"quote occurs {len(matches)} times in the article; give "
                         f"quote_prefix or quote_suffix to choose one: {quote[:80]!r}",
                         where=where)
    m = matches[0]
    return Anchor(exact=m.group(0), prefix=text[max(0, m.start() - CONTEXT):m.start()],
                  suffix=text[m.end():m.end() + CONTEXT], start=m.start(), end=m.end())
