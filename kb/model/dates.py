"""Dates with their precision, and the time a claim is about (instant or interval)."""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from kb.errors import InputError

DAY, MONTH, YEAR = "day", "month", "year"
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9


@dataclass(frozen=True)
class PDate:
    """A date known to a precision: day, month or year."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> str:
        return DAY if self.day else MONTH if self.month else YEAR

    @property
    def earliest(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    @property
    def latest(self) -> dt.date:
        if self.day:
            return dt.date(self.year, self.month, self.day)
        if self.month:
            return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])
        return dt.date(self.year, 12, 31)

    def isoformat(self) -> str:
        if self.day:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    def __str__(self) -> str:
        return self.isoformat()


def _make(year: int, month: int | None, day: int | None, text: str, where) -> PDate:
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError:
        raise InputError(f"not a real date: {text!r}", where=where) from None
    if not 1 <= year <= 9999:
        raise InputError(f"year out of range: {text!r}", where=where)
    return PDate(year, month, day)


def parse_date(value, where: str | None = None) -> PDate:
    """Parse "2021-07-08", "2021-07", "2021", "8 July 2021", "July 8, 2021", "July 2021",
    or a datetime.date. Raises InputError for anything else."""
    if isinstance(value, dt.datetime):
        return PDate(value.year, value.month, value.day)
    if isinstance(value, dt.date):
        return PDate(value.year, value.month, value.day)
    if isinstance(value, int) and not isinstance(value, bool):
        return _make(value, None, None, str(value), where)
    if not isinstance(value, str):
        raise InputError(f"not a date: {value!r}", where=where)
    text = " ".join(value.strip().split())
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ][0-9:.]+(?:Z|[+-]\d\d:?\d\d)?)?", text)
    if m:
        y, mo, d = m.groups()
        return _make(int(y), int(mo) if mo else None, int(d) if d else None, text, where)
    words = text.replace(",", " ").lower().split()
    if len(words) == 3 and words[0].isdigit() and words[1] in _MONTHS and words[2].isdigit():
        return _make(int(words[2]), _MONTHS[words[1]], int(words[0]), text, where)
    if len(words) == 3 and words[0] in _MONTHS and words[1].isdigit() and words[2].isdigit():
        return _make(int(words[2]), _MONTHS[words[0]], int(words[1]), text, where)
    if len(words) == 2 and words[0] in _MONTHS and words[1].isdigit() and len(words[1]) == 4:
        return _make(int(words[1]), _MONTHS[words[0]], None, text, where)
    if len(words) == 2 and ((words[0] in _MONTHS and words[1].isdigit())
                            or (words[1] in _MONTHS and words[0].isdigit())):
        # "March 3", "3 March": a day with no year, never the year 3
        raise InputError(f"{value!r} has no year: write the year, or give the time a claim "
                         "is about with the article's publication date known (it is then "
                         "read relative to it)", where=where)
    raise InputError(f"unparseable date {value!r} (use YYYY-MM-DD, YYYY-MM, YYYY or "
                     "'8 July 2021')", where=where)


# Words before a date that leave one end of the time open (data: add a language's words
# here, not code). "since 1998" / "seit 1998": it began then and still holds (open end);
# "by 30 June" / "bis 30. Juni" / "as of 30 June": it holds at that day, from an unstated
# beginning (open start: for a running total, counted from an unstated day).
OPEN_WORDS: dict[str, str] = {
    # en
    "since": "end", "from": "end", "starting": "end", "starting from": "end",
    "by": "start", "until": "start", "till": "start", "up to": "start", "as of": "start",
    "as at": "start", "through": "start", "up until": "start",
    # ru / uk
    "с": "end", "со": "end", "начиная с": "end", "з": "end",
    "к": "start", "по": "start", "до": "start", "по состоянию на": "start", "станом на": "start",
    # es / pt
    "desde": "end", "a partir de": "end", "hasta": "start", "até": "start", "para": "start",
    # fr
    "depuis": "end", "à partir du": "end", "à partir de": "end", "jusqu'au": "start",
    "jusqu'à": "start", "au": "start",
    # de
    "seit": "end", "ab": "end", "bis": "start", "bis zum": "start", "stand": "start",
    # pl
    "od": "end", "do": "start", "według stanu na": "start",
    # ar / fa
    "منذ": "end", "حتى": "start", "از": "end", "تا": "start",
}
# words some languages write after a year ("1998 года", "2021 roku"): dropped before
# dateparser reads the rest (it read "1998 года" as the year 23)
YEAR_WORDS = ("года", "году", "год", "г.", "г", "року", "рік", "roku", "rok", "r.",
              "سال", "عام")
FAR_FUTURE = dt.date(9999, 12, 31)
_OPEN_LONGEST_FIRST = sorted(OPEN_WORDS, key=len, reverse=True)   # "starting from" before "from"


@dataclass(frozen=True)
class TimeAbout:
    """The time a claim is about: an instant (start only), an interval (start, end), or
    an open interval: ``open_end`` ("since 1998": start given, still holding when the
    source published, ``horizon``) or ``open_start`` ("by 30 June": the day it holds
    at is ``end``, its beginning unstated). ``text``: the words it was read from when
    they were relative ("yesterday", "last week", "March 3") or open ("since 1998")."""

    start: PDate | None
    end: PDate | None = None
    text: str | None = None
    open_start: bool = False
    open_end: bool = False
    horizon: dt.date | None = None     # for an open end: the publication day, if known

    @property
    def earliest(self) -> dt.date:
        return (self.start or self.end).earliest

    @property
    def latest(self) -> dt.date:
        if self.open_end:
            return max(self.horizon or FAR_FUTURE, self.start.latest)
        return (self.end or self.start).latest

    @property
    def is_interval(self) -> bool:
        return self.start is not None and self.end is not None

    def __str__(self) -> str:
        if self.open_end:
            return f"since {self.start}"
        if self.open_start:
            return f"by {self.end}"
        return f"{self.start}/{self.end}" if self.end else str(self.start)


def parse_time_about(value, where: str | None = None, *, published: PDate | None = None,
                     language: str | None = None) -> TimeAbout:
    """"2021-07-08", "2021-07", "2021-07-01/2021-07-08", {start:, end:}, an open
    interval ("since 1998", "by 30 June 2021", {start: 1998, end: open}; the words of
    ``OPEN_WORDS``, in the article's language too), or words relative to the source's
    ``published`` date ("yesterday", "on Friday", "last week", "March 3", "вчера",
    "le 3 mars"; ``language`` is the article's, read beside English; English alone when
    unknown or not one dateparser knows), resolved with dateparser
    (``resolve_relative``) and kept as ``text``.

    Raises InputError for an unparseable date, a relative one with no publication date
    (or one known only to the month or year), an interval that ends before it starts,
    or one open at both ends.
    """
    horizon = published.latest if published is not None else None
    if isinstance(value, dict):
        keys = {k for k in value if not str(k).startswith("__")}   # the YAML line marker
        unknown = keys - {"start", "end"}
        if unknown or "start" not in keys:
            raise InputError("time-about needs start (and optionally end), got keys "
                             f"{sorted(keys)}", where=where)
        open_start, open_end = (_is_open(value.get(k)) for k in ("start", "end"))
        if open_start and open_end:
            raise InputError("time-about is open at both ends: give the day it starts "
                             "or the day it holds at", where=where)
        start = None if open_start else _one_date(value["start"], where, published, language)
        end = (None if open_end or value.get("end") is None
               else _one_date(value["end"], where, published, language))
        if open_start or open_end:
            text = f"since {start}" if open_end else f"by {end}"
            about = TimeAbout(start, end, text, open_start, open_end, horizon)
            return about
        text = None
    elif isinstance(value, str) and "/" in value:
        left, right = value.split("/", 1)
        start, end, text = parse_date(left, where), parse_date(right, where), None
    else:
        opened = _open_words(value) if isinstance(value, str) else None
        if opened is not None:
            side, rest = opened
            if not rest or _is_open(rest):
                raise InputError(f"{value!r} is open at both ends: give the day it starts "
                                 "or the day it holds at", where=where)
            day = _one_date(rest, where, published, language)
            text = " ".join(value.split())
            if side == "end":
                return TimeAbout(day, None, text, False, True, horizon)
            return TimeAbout(None, day, text, True, False, horizon)
        try:
            start, end, text = parse_date(value, where), None, None
        except InputError as exc:
            if not isinstance(value, str):
                raise
            start, end = resolve_relative(value, published, language, where, exc)
            text = " ".join(value.split())
    if end is not None and end.latest < start.earliest:
        raise InputError(f"time-about ends ({end}) before it starts ({start})", where=where)
    return TimeAbout(start, end, text)


def _is_open(value) -> bool:
    return isinstance(value, str) and value.strip().lower() in ("open", "", "..", "…")


def _open_words(text: str) -> tuple[str, str] | None:
    """("start"/"end": the open side, the rest) when ``text`` begins with a word of
    OPEN_WORDS (the longest that matches), else None."""
    words = " ".join(text.split())
    low = words.lower()
    for phrase in _OPEN_LONGEST_FIRST:
        if low.startswith(phrase + " "):
            return OPEN_WORDS[phrase], words[len(phrase) + 1:].strip()
    return None


def _one_date(value, where, published: PDate | None, language: str | None) -> PDate:
    """One day, month or year: a date, or words relative to ``published`` (the
    interval they name, when a week, is refused: an open end needs one day)."""
    try:
        return parse_date(value, where)
    except InputError as exc:
        if not isinstance(value, str):
            raise
        start, end = resolve_relative(value, published, language, where, exc)
        if end is not None:
            raise InputError(f"{value!r} is a week, not a day: an open interval starts or "
                             "ends on one day", where=where) from None
        return start


def resolve_relative(text: str, published: PDate | None, language: str | None,
                     where: str | None, error: InputError) -> tuple[PDate, PDate | None]:
    """(start, end) of relative or year-less words, resolved against ``published`` with
    dateparser (a maintained library that reads relative dates in 200 languages; its
    ``period`` gives the precision: a day, a week — Monday to Sunday —, a month or a
    year), preferring the past, as news reports do. Raises ``error`` when dateparser
    cannot read the words, and an InputError naming ``where`` when there is no
    publication date to resolve them against."""
    if published is None or published.precision != DAY:
        known = "" if published is None else f" (it is known only to the {published.precision})"
        raise InputError(f"{text!r} is relative or has no year: it is read against the "
                         f"article's publication date, which is needed to the day{known}",
                         where=where)
    from dateparser.date import DateDataParser   # ~80 ms to import, more to load its language data: only here

    base = dt.datetime(published.year, published.month, published.day, 12)
    settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"}
    words = " ".join(text.split())
    for word in YEAR_WORDS:
        words = re.sub(rf"(\b\d{{4}})\s+{re.escape(word)}(?=\s|$)", r"\1", words)
    # the article's language and English (analysts write claims files in English too),
    # not dateparser's detection over all its languages: ~3 s for words it cannot read
    languages = list(dict.fromkeys([language.split("-")[0].lower(), "en"] if language else ["en"]))
    try:
        found = DateDataParser(languages=languages, settings=settings).get_date_data(words)
    except ValueError:   # a language dateparser does not know: read as English
        found = DateDataParser(languages=["en"], settings=settings).get_date_data(words)
    if found is None or found.date_obj is None:
        raise error
    d, period = found.date_obj.date(), found.period
    years = [int(y) for y in re.findall(r"(?<!\d)(\d{4})(?!\d)", words)]
    if d.year < 1000 or (years and d.year not in years):
        raise InputError(f"{text!r} was read as {d.isoformat()}, which it does not say: "
                         "write the date as YYYY-MM-DD", where=where)
    if period == "week":
        monday = d - dt.timedelta(days=d.weekday())
        sunday = monday + dt.timedelta(days=6)
        return PDate(monday.year, monday.month, monday.day), PDate(sunday.year, sunday.month, sunday.day)
    if period == "month":
        return PDate(d.year, d.month), None
    if period == "year":
        return PDate(d.year), None
    return PDate(d.year, d.month, d.day), None
