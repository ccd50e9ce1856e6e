"""The times a sentence names ("on Thursday", "last week", "Nov. 19", "in 2018", "since
1998", "in just one day"), found by the patterns of kb/model/suggest_rules.yaml and
resolved against the article's publication date by the claims file's own reader
(kb.model.dates.parse_time_about, with dateparser), so a suggestion's time is the one
its draft imports as."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from kb.errors import InputError
from kb.model.claim_cues import rules
from kb.model.dates import PDate, TimeAbout, parse_time_about


_ORDINAL_SUFFIX = re.compile(r"(\d)(?:st|nd|rd|th)\b")
_MONTH_DOT = re.compile(r"^(jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.", re.IGNORECASE)


@dataclass(frozen=True)
class FoundTime:
    start: int                 # offsets in the sentence
    end: int
    surface: str               # the words as written
    about: TimeAbout | None    # None: not resolved (``problem`` says why)
    problem: str | None = None
    needs_published: bool = False   # relative words, unresolved for want of the publication day

    @property
    def value(self) -> str | None:
        """What a claims file's ``about`` reads as the same time."""
        return None if self.about is None else str(self.about)


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    return re.compile(r"(?<![\w-])(?:" + "|".join(f"(?:{p})" for p in rules()["time_patterns"])
                      + r")(?![\w-])", re.IGNORECASE)


def times(sentence: str, published: PDate | None, language: str | None = None) -> list[FoundTime]:
    """The time expressions of ``sentence`` in order, each resolved when it can be (a
    relative time needs ``published`` to the day). Never raises."""
    out = []
    for m in _pattern().finditer(sentence):
        surface = m.group(0)
        out.append(_resolve(m.start(), m.end(), surface, published, language))
    return out


def _resolve(start: int, end: int, surface: str, published: PDate | None, language) -> FoundTime:
    words = " ".join(surface.split())
    low = words.lower()
    for prefix in ("in ", "during ", "on ", "early ", "late ", "mid-"):
        if low.startswith(prefix) and low not in rules()["time_rewrites"]:
            words, low = words[len(prefix):], low[len(prefix):]
    rewrite = rules()["time_rewrites"].get(low)
    if rewrite is not None:
        if "{" in rewrite:
            if published is None or published.precision != "day":
                return FoundTime(start, end, surface, None, "relative to the publication day, "
                                 "which the article does not give", needs_published=True)
            day = published.earliest
            rewrite = rewrite.format(published=day.isoformat(),
                                     yesterday=(day - dt.timedelta(days=1)).isoformat())
        words = rewrite
    words = _ORDINAL_SUFFIX.sub(r"\1", words)
    words = _MONTH_DOT.sub(r"\1", words)
    try:
        about = parse_time_about(words, published=published, language=language)
    except (InputError, ValueError, OverflowError) as exc:
        message = getattr(exc, "message", str(exc))
        relative = published is None or published.precision != "day"
        return FoundTime(start, end, surface, None, message,
                         needs_published=relative and "publication date" in message)
    if published is not None and about.text is None and rewrite is None:
        about = TimeAbout(about.start, about.end, " ".join(surface.split()), about.open_start,
                          about.open_end, about.horizon)
    return FoundTime(start, end, surface, about)
