"""A timeline chart as inline SVG (readable without JavaScript): the values each source
gave for one property of an entity, over the time the claims are about.

It should not mislead (issue #17, item 3):

* a figure is drawn as what it says: an exact value as a mark; a bound ("about",
  "nearly", "between") as a whisker from its low to its high end, with the stated
  figure marked; an open bound ("more than 300") as a whisker with an arrow running to
  the edge of the plot (a share's "more than 70%" ends at 100%, its natural limit).
  The interval is the bound qualifier's rule (kb.model.quantity), read from the value
  as stated; a claim about a period is a horizontal bar over it;
* the value axis starts at zero for counts and shares, and for any unit when zero
  does not squash the figures; otherwise it carries a break mark and says where it
  starts. Its title names the unit;
* each source has a colour of its own, a function of its publisher's IRI (or name):
  the same on every page, whatever else is charted (Okabe–Ito colours, safe for
  colour-blind readers). Its marker shape, which tells sources apart without colour,
  is a function of the same key too, unless another source on the chart already has
  it (``shapes``): then the next free shape;
* claims with a scope other than the chart's main one are separate series: hollow
  marks, dashed lines, and the scope's name beside them;
* the same data come as a table (``rows``) and the legend as HTML (``legend``),
  both on the Markup ``svg`` returns (web/templates/_chart.html prints them).

Why one module: the scales, the marks and the words that describe them (title, desc,
axis text, table) must agree; split apart, one would drift from the others.
"""
from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import math
from collections import Counter, defaultdict
from functools import lru_cache

from markupsafe import Markup, escape

from kb.errors import InputError
from kb.model.quantity import parse_quantity
from kb.model.units import UNITS, Unit
from kb.model.urls import link_target
from kb.model.vocab import CKB

# Okabe & Ito's colour-blind-safe palette, without its yellow (unreadable on white)
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
SHAPES = ("circle", "square", "triangle", "diamond", "triangle-down", "hexagon", "star", "plus")
CONFLICT = "#b3261e"
WIDTH, HEIGHT, TOP, RIGHT, BOTTOM = 720, 380, 46, 28, 50
DODGE = 20               # user units between marks of one time that would hide each other
PHONE_FONT = 22          # the tick labels' size on a phone (style.css): the left margin fits it
_SYMBOLS = {u.symbol: u for u in UNITS.values()}
_NOUNS = {"count": "count", "ratio": "share", "length": "length", "area": "area",
          "mass": "mass", "duration": "duration"}
_MONTHS = calendar.month_abbr


class Chart(Markup):
    """The SVG markup, with what the page prints around it: ``legend`` (one entry per
    source: name, colour, shape), ``rows`` (the table), ``axis`` (the value axis in
    words), ``zero_based``, ``scoped`` (a scope other than the main one is drawn),
    ``conflicts`` (some claim is in a conflict), ``summary`` (the desc) and ``notes``
    (how to read the marks drawn: {kind: period, range or open, text})."""

    legend: list = []
    rows: list = []
    axis: str = ""
    zero_based: bool = True
    scoped: bool = False
    conflicts: bool = False
    summary: str = ""
    notes: list = []


def source_style(key: str) -> tuple[str, str]:
    """A source's colour and its preferred shape: a hash of its key (publisher IRI, else
    its name), so the same on every page and whatever other sources are charted."""
    n = int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=4).digest(), "big")
    return PALETTE[n % len(PALETTE)], SHAPES[(n // len(PALETTE)) % len(SHAPES)]


def shapes(keys) -> dict[str, str]:
    """The shape of each source of one chart: its preferred one (``source_style``) unless
    a source whose key sorts first has it, then the next free one; when all are taken,
    one no source of the same colour has. The same whatever the order of ``keys``."""
    out: dict[str, str] = {}
    for key in sorted(set(keys)):
        colour, preferred = source_style(key)
        turn = SHAPES.index(preferred)
        order = SHAPES[turn:] + SHAPES[:turn]
        taken = set(out.values())
        same_colour = {out[k] for k in out if source_style(k)[0] == colour}
        out[key] = next((s for s in order if s not in taken), None) \
            or next((s for s in order if s not in same_colour), preferred)
    return out


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10])
    except (TypeError, ValueError):
        return None


def _unit(symbol: str | None) -> Unit | None:
    return _SYMBOLS.get(symbol or "")


@lru_cache(maxsize=4096)
def _interval(text: str, value: float) -> tuple:
    """{low, high, low_ex, high_ex, low_open, high_open, bound} of a value as stated:
    its interval (None: no end; a share's "more than 70%" ends at 100, its unit's limit),
    whether an end is excluded, whether the qualifier leaves it open ("more than": the
    high end), and the qualifier. A text the parser cannot read, or reads as another
    figure (numerals of another language), is taken as exactly ``value``."""
    exact = {"low": value, "high": value, "low_ex": False, "high_ex": False,
             "low_open": False, "high_open": False, "bound": "exact"}
    try:
        q = parse_quantity(text)
    except InputError:
        return exact
    if not math.isclose(float(q.value), value, rel_tol=1e-9, abs_tol=1e-12):
        return exact
    low, low_ex, high, high_ex = q.interval()
    return {"low": None if low is None else float(low), "high": None if high is None else float(high),
            "low_ex": low_ex, "high_ex": high_ex, "low_open": q.qualifier.lower == CKB.Unbounded,
            "high_open": q.qualifier.upper == CKB.Unbounded, "bound": q.qualifier.label}


def series(rows: list[dict]) -> dict[str, dict]:
    """Index rows (kb.index claims about one subject) → {property: {property, label,
    units, points}} for numeric values with a time. A point: date and end (the time it
    is about), value (the stated figure), low and high (its interval; None = open),
    low_ex and high_ex (an end excluded), low_open and high_open (the qualifier leaves
    that side open: drawn as an arrow), bound (the qualifier), unit, source, source_key, colour, scope,
    scope_label, other_scope (not the property's main scope), claim, verdict, text."""
    out: dict[str, dict] = {}
    for r in rows:
        when = _date(r.get("about_earliest") or "")
        if r.get("value_num") is None or when is None:
            continue
        end = max(_date(r.get("about_latest") or "") or when, when)
        value = float(r["value_num"])
        text = r.get("value_text") or _fmt(value)
        source = r.get("publisher_name") or r.get("article_title") or "?"
        key = r.get("publisher") or source
        colour = source_style(key)[0]
        entry = out.setdefault(r["property"], {"property": r["property"],
                                                "label": r.get("property_label") or r["property"],
                                                "units": set(), "points": []})
        entry["units"].add(r.get("unit") or "")
        entry["points"].append({
            "date": when.isoformat(), "end": end.isoformat(), "value": value,
            **_interval(text, value), "unit": r.get("unit") or "", "source": source, "source_key": key,
            "colour": colour, "scope": r.get("scope") or None,
            "scope_label": r.get("scope_label") or r.get("scope") or None,
            "claim": r["iri"], "verdict": r.get("verdict") or None, "text": text})
    for entry in out.values():
        entry["units"] = sorted(entry["units"])
        main = _main_scope(entry["points"])
        for p in entry["points"]:
            p["other_scope"] = p["scope"] != main
    return out


def _main_scope(points: list[dict]) -> str | None:
    """The scope most claims share; no scope (the subject as a whole) when some have none."""
    scopes = Counter(p.get("scope") for p in points)
    return None if None in scopes or not scopes else scopes.most_common(1)[0][0]


def _complete(p: dict) -> dict:
    """A point as series makes it, from a point with only the older keys (date, value,
    source, claim, verdict, text)."""
    if "low" in p and "colour" in p:
        return p
    colour = source_style(p.get("source_key") or p["source"])[0]
    return {"end": p["date"], **_interval(p.get("text") or _fmt(p["value"]), p["value"]), "unit": "", "source_key": p["source"], "colour": colour,
            "scope": None, "scope_label": None, "other_scope": False, **p}


# ------------------------------------------------------------------ the value axis

def _plotted(points: list[dict]) -> tuple[list[dict], Unit | None, list[dict]]:
    """The points drawn on one axis (the commonest unit's dimension, converted to that
    unit), that unit, and the points left to the table (another dimension)."""
    units = Counter(p["unit"] for p in points)
    symbol = units.most_common(1)[0][0]
    unit = _unit(symbol)
    drawn, left = [], []
    for p in points:
        u = _unit(p["unit"])
        if p["unit"] == symbol:
            drawn.append(p)
        elif unit is not None and u is not None and u.dimension == unit.dimension:
            f = u.factor / unit.factor
            drawn.append({**p, "value": p["value"] * f,
                          "low": None if p["low"] is None else p["low"] * f,
                          "high": None if p["high"] is None else p["high"] * f})
        else:
            left.append(p)
    return drawn, unit, left


def _value_axis(points: list[dict], unit: Unit | None) -> tuple[list[float], bool]:
    """The ticks of the value axis and whether it starts at zero: always for counts
    and shares, and for other units when zero leaves the figures at least half the
    height; else it starts near the lowest figure (and the chart marks the break)."""
    finite = [v for p in points for v in (p["value"], p["low"], p["high"]) if v is not None]
    low, high = min(finite), max(finite)
    if any(p["high"] is None for p in points):      # room for the arrows of open bounds
        high += (high - min(low, 0)) * 0.12 or abs(high) * 0.12 or 1
    if any(p["low"] is None for p in points):
        low -= (max(high, 0) - low) * 0.12 or abs(low) * 0.12 or 1
    counted = unit is None or unit.dimension in ("count", "ratio")
    zero = low <= 0 <= high or (low > 0 and (counted or low <= high / 2)) \
        or (high < 0 and (counted or high >= low / 2))
    whole = unit is None or unit.dimension == "count"       # no "2.5 people"
    if zero and low >= 0:
        ticks = _nice_ticks(0, high or 1, whole=whole)
    elif zero and high <= 0:
        ticks = _nice_ticks(low or -1, 0, whole=whole)
    else:
        ticks = _nice_ticks(min(low, 0) if zero else low, max(high, 0) if zero else high, whole=whole)
    if unit is not None and unit.high is not None and ticks[-1] > unit.high >= high:
        ticks = [t for t in ticks if t <= unit.high]     # a share ends at 100%
        if ticks[-1] < unit.high:
            ticks.append(unit.high)
    return ticks, ticks[0] <= 0 <= ticks[-1]


def _unit_label(unit: Unit | None, symbol: str) -> str:
    if unit is None:
        return symbol or "value"
    noun = _NOUNS.get(unit.dimension, "amount")
    return noun if unit.dimension == "count" else f"{noun}, {unit.symbol}"


# ------------------------------------------------------------------- the time axis

def _time_ticks(t0: float, t1: float) -> list[tuple[float, str, int | None]]:
    """(day number, label, its year) ticks over [t0, t1] (ordinal days): days, months or
    years, at most six; a day's tick is at its middle, a month's or year's at its start.
    The label leaves the year out (the chart adds it where it is needed; a year tick's
    year is None: its label is the year)."""
    t0, t1 = max(t0, 1.0), min(t1, float(dt.date.max.toordinal()))   # the padding may pass year 1 or 9999
    span = t1 - t0
    first, last = dt.date.fromordinal(math.ceil(t0)), dt.date.fromordinal(int(t1))
    for days in (1, 2, 3, 7, 14):
        if span / days <= 6:
            out, d = [], first
            while d.toordinal() + .5 <= t1:
                out.append((d.toordinal() + .5, f"{d.day} {_MONTHS[d.month]}", d.year))
                d += dt.timedelta(days=days)
            return out
    for months in (1, 2, 3, 6):
        if span / (30.44 * months) <= 6:
            out, m = [], first.year * 12 + first.month - 1 + (first.day > 1)
            while (d := dt.date(m // 12, m % 12 + 1, 1)) <= last:
                if (d.month - 1) % months == 0:
                    out.append((d.toordinal(), _MONTHS[d.month], d.year))
                m += 1
            return out
    step = next((s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if span / (365.25 * s) <= 6),
                10 ** math.ceil(math.log10(span / (365.25 * 6))))
    return [(dt.date(y, 1, 1).toordinal(), str(y), None)
            for y in range(first.year + (first.timetuple().tm_yday > 1), last.year + 1) if y % step == 0]


def _time_text(p: dict) -> str:
    """The time a point is about: "5 Jul 2021" or "4–5 Jul 2021" or "1 Jul – 3 Aug 2021"."""
    a, b = dt.date.fromisoformat(p["date"]), dt.date.fromisoformat(p["end"])
    one = f"{a.day} {_MONTHS[a.month]} {a.year}"
    if a == b:
        return one
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}–{b.day} {_MONTHS[b.month]} {b.year}"
    if a.year == b.year:
        return f"{a.day} {_MONTHS[a.month]} – {b.day} {_MONTHS[b.month]} {b.year}"
    return f"{one} – {b.day} {_MONTHS[b.month]} {b.year}"


# ------------------------------------------------------------------------ the SVG

_SHAPE_PATHS = {
    "square": "M-5.5,-5.5H5.5V5.5H-5.5Z", "triangle": "M0,-7L6.6,5H-6.6Z",
    "diamond": "M0,-7.5L7.5,0L0,7.5L-7.5,0Z", "triangle-down": "M0,7L6.6,-5H-6.6Z",
    "hexagon": "M0,-7L6.1,-3.5V3.5L0,7L-6.1,3.5V-3.5Z",
    "star": "M" + "L".join(f"{r * math.sin(i * math.pi / 5):.2f},{-r * math.cos(i * math.pi / 5):.2f}"
                           for i, r in zip(range(10), (8.2, 3.6) * 5)) + "Z",
    "plus": "M-2.7,-7H2.7V-2.7H7V2.7H2.7V7H-2.7V2.7H-7V-2.7H-2.7Z"}


def _marker(shape: str, fill: str, stroke: str, width: float = 1) -> str:
    """One mark's SVG, centred on 0,0."""
    paint = f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"'
    if shape == "circle":
        return f'<circle r="6.3" {paint}/>'
    return f'<path d="{_SHAPE_PATHS[shape]}" {paint} stroke-linejoin="round"/>'


def svg(entry: dict, claim_url, *, ident: str | None = None) -> Chart:
    """The SVG of one property's series (``series``); ``claim_url(iri)`` links each
    mark. ``ident`` makes the title's and desc's ids unique on a page (default: from
    the property). The Chart it returns also carries the legend and the table."""
    points = sorted((_complete(p) for p in entry["points"]),
                    key=lambda p: (p["date"], p["end"], p["source"], p["claim"]))
    if not points:
        return Chart("")
    shape = shapes(p["source_key"] for p in points)
    points = [{**p, "shape": shape[p["source_key"]]} for p in points]
    drawn, unit, left = _plotted(points)
    ticks, zero = _value_axis(drawn, unit)
    v0, v1 = ticks[0], ticks[-1]
    labels = _tick_labels(ticks)
    left_margin = max(64, 18 + max(len(t) for t in labels) * PHONE_FONT * .58)
    plot_w, plot_h = WIDTH - left_margin - RIGHT, HEIGHT - TOP - BOTTOM
    bottom, right = TOP + plot_h, left_margin + plot_w
    starts = [dt.date.fromisoformat(p["date"]).toordinal() for p in drawn]
    ends = [dt.date.fromisoformat(p["end"]).toordinal() + 1 for p in drawn]
    pad = max((max(ends) - min(starts)) * .06, .6)
    t0, t1 = min(starts) - pad, max(ends) + pad

    def x(t):
        return left_margin + (t - t0) / (t1 - t0) * plot_w

    def y(v):
        return bottom - (v - v0) / (v1 - v0) * plot_h

    ident = ident or "chart-" + hashlib.blake2b(str(entry.get("property") or entry["label"]).encode(),
                                                digest_size=4).hexdigest()
    symbol = drawn[0]["unit"]
    axis = _unit_label(unit, symbol)
    where = "starts at 0" if zero else f"starts at {_fmt(v0)}, not at 0: differences look bigger than they are"
    sources = sorted({p["source_key"]: p for p in points}.values(), key=lambda p: p["source"].lower())
    summary = (f"{len(points)} claim{'s' * (len(points) != 1)} from {len(sources)} "
               f"source{'s' * (len(sources) != 1)}, about {_time_text({'date': min(p['date'] for p in points), 'end': max(p['end'] for p in points)})}; "
               f"values from {_fmt(min(p['value'] for p in drawn))} to {_fmt(max(p['value'] for p in drawn))}"
               f" ({axis}). The value axis {where}."
               + (f" {len(left)} claim(s) in another unit are in the table only." if left else ""))
    # role=group, not img: the marks are links, and an img may hold nothing interactive
    # (axe: nested-interactive); the title and desc still name and describe it
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'width="100%" font-size="13" font-family="system-ui, sans-serif" role="group" aria-labelledby="{ident}-t" aria-describedby="{ident}-d" '
             f'data-zero-based="{str(zero).lower()}" data-plot="{left_margin:.1f} {TOP} {plot_w:.1f} {plot_h}">',
             f'<title id="{ident}-t">{escape(entry["label"])}: the values each source gave, over time</title>',
             f'<desc id="{ident}-d">{escape(summary)}</desc>',
             f'<rect class="plot" x="{left_margin:.1f}" y="{TOP}" width="{plot_w:.1f}" height="{plot_h}" fill="#fff"/>']
    for v, text in zip(ticks, labels):
        parts.append(f'<g class="tick y" data-value="{v:g}"><line x1="{left_margin:.1f}" x2="{right:.1f}" '
                     f'y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="{"#6b7480" if v == 0 else "#e3e6ea"}"/>'
                     f'<text x="{left_margin - 8:.1f}" y="{y(v):.1f}" dy=".35em" text-anchor="end">{text}</text></g>')
    parts.append(f'<text class="axis-title" x="{left_margin - 8:.1f}" y="{TOP - 18}" text-anchor="start">'
                 f'{escape(axis)}{"" if zero else " — axis does not start at 0"}</text>')
    parts.append(f'<line x1="{left_margin:.1f}" x2="{left_margin:.1f}" y1="{TOP}" y2="{bottom}" stroke="#6b7480"/>')
    if not zero:     # two slanted strokes across the foot of the value axis
        bx, by = left_margin, bottom - 12
        parts.append(f'<g class="axis-break" aria-hidden="true"><rect x="{bx - 9}" y="{by - 3}" width="18" height="8" fill="#fff"/>'
                     + "".join(f'<line x1="{bx - 9}" y1="{by + d + 4}" x2="{bx + 9}" y2="{by + d - 4}" stroke="#1d232b" stroke-width="2"/>'
                               for d in (-3, 5)) + "</g>")
    parts.append(f'<line x1="{left_margin:.1f}" x2="{right:.1f}" y1="{bottom}" y2="{bottom}" stroke="#6b7480"/>')
    half = PHONE_FONT * .3           # half a character at a phone's size: labels stay inside
    time_ticks, shown_year = [], None
    for t, text, year in _time_ticks(t0, t1):
        text += f" {year}" if year is not None and year != shown_year else ""
        if x(t) - len(text) * half >= left_margin - 4 and x(t) + len(text) * half <= WIDTH - 2:
            time_ticks.append((t, text))
            shown_year = year
    for i, (t, text) in enumerate(time_ticks):
        alt = " alt" if i % 2 and len(time_ticks) > 3 else ""
        parts.append(f'<g class="tick x{alt}"><line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{bottom}" y2="{bottom + 5}" stroke="#6b7480"/>'
                     f'<text x="{x(t):.1f}" y="{bottom + 22}" text-anchor="middle">{escape(text)}</text></g>')
    # marks of one time would hide each other: spread them sideways
    groups: dict[tuple, list] = defaultdict(list)
    for p in drawn:
        groups[(p["date"], p["end"])].append(p)
    at: dict[int, tuple[float, float]] = {}
    for (d0, d1), group in groups.items():
        mid = (dt.date.fromisoformat(d0).toordinal() + dt.date.fromisoformat(d1).toordinal() + 1) / 2
        for i, p in enumerate(group):
            at[id(p)] = (x(mid) + (i - (len(group) - 1) / 2) * DODGE, y(p["value"]))
    lines: dict[tuple, list] = defaultdict(list)
    for p in drawn:
        lines[(p["source_key"], p["scope"])].append(p)
    for items in lines.values():
        if len(items) > 1:
            dash = ' stroke-dasharray="6 4"' if items[0]["other_scope"] else ""
            path = " ".join(f"{at[id(p)][0]:.1f},{at[id(p)][1]:.1f}" for p in items)
            parts.append(f'<polyline class="series" points="{path}" fill="none" stroke="{items[0]["colour"]}" '
                         f'stroke-opacity=".55" stroke-width="1.5"{dash} vector-effect="non-scaling-stroke"/>')
    for p in drawn:
        parts.append(_point(p, at[id(p)], x, y, claim_url, TOP, bottom))
    last = {}
    for p in drawn:
        if p["other_scope"] and p["scope_label"]:
            last[p["scope"]] = p
    for p in last.values():
        px, py = at[id(p)]
        parts.append(f'<text class="scope-label" x="{px + 11:.1f}" y="{py - 9:.1f}" fill="#1d232b" '
                     f'stroke="#fff" stroke-width="4" paint-order="stroke">{escape(p["scope_label"])}</text>')
    parts.append("</svg>")
    chart = Chart("".join(parts))
    chart.legend = [{"source": p["source"], "colour": p["colour"], "shape": p["shape"]} for p in sources]
    chart.rows = [_row(p, claim_url) for p in points]
    chart.axis, chart.zero_based, chart.summary = f"{axis}; the value axis {where}", zero, summary
    chart.scoped = any(p["other_scope"] for p in drawn)
    chart.conflicts = any(p["verdict"] == "CONFLICT" for p in drawn)
    chart.notes = [{"kind": kind, "text": text} for kind, text, shown in (
        ("period", "a bar across: the period a claim is about", any(p["end"] != p["date"] for p in drawn)),
        ("range", "a bar up or down: the values its words allow (“about”, “between”)",
         any(p["low"] != p["high"] and not (p["low_open"] or p["high_open"]) for p in drawn)),
        ("open", "dashed, with an arrow: no limit on that side (“more than”, “at least”)",
         any(p["low_open"] or p["high_open"] or p["low"] is None or p["high"] is None for p in drawn)))
        if shown]
    return chart


def _point(p: dict, at: tuple[float, float], x, y, claim_url, top: float, bottom: float) -> str:
    """One claim: its period (a bar), its interval (a whisker, an arrow for an open
    end, a cap for a closed one) and its mark, linked to the claim."""
    px, py = at
    colour, out = p["colour"], []
    stroke = f'stroke="{colour}" vector-effect="non-scaling-stroke"'
    if p["end"] != p["date"]:
        a = dt.date.fromisoformat(p["date"]).toordinal()
        b = dt.date.fromisoformat(p["end"]).toordinal() + 1
        out.append(f'<line class="period" x1="{x(a):.1f}" x2="{x(b):.1f}" y1="{py:.1f}" y2="{py:.1f}" '
                   f'{stroke} stroke-width="3" stroke-opacity=".45" stroke-linecap="butt"/>')
    low, high = p["low"], p["high"]
    if low != high or low is None:
        y_high = top + 2 if high is None else y(high)
        y_low = bottom - 2 if low is None else y(low)
        dashed = ' stroke-dasharray="5 3"' if p["low_open"] or p["high_open"] or None in (low, high) else ""
        out.append(f'<line class="whisker" x1="{px:.1f}" x2="{px:.1f}" y1="{y_high:.1f}" y2="{y_low:.1f}" '
                   f'{stroke} stroke-width="2.5"{dashed}/>')
        for end, is_open, yy, sign in ((high, p["high_open"], y_high, -1), (low, p["low_open"], y_low, 1)):
            if end is None or is_open:
                out.append(f'<path class="open-end" d="M{px - 5:.1f},{yy - sign * 8:.1f}L{px:.1f},{yy:.1f}L{px + 5:.1f},{yy - sign * 8:.1f}" '
                           f'fill="none" {stroke} stroke-width="2.5" stroke-linejoin="round"/>')
            else:
                out.append(f'<line class="cap" x1="{px - 5:.1f}" x2="{px + 5:.1f}" y1="{yy:.1f}" y2="{yy:.1f}" {stroke} stroke-width="2"/>')
    conflict = p["verdict"] == "CONFLICT"
    ring = (f'<circle class="ring" r="10.5" fill="none" stroke="{CONFLICT}" stroke-width="2.5"/>'
            if conflict else "")
    mark = (_marker(p["shape"], "#fff", colour, 2.5) if p["other_scope"]
            else _marker(p["shape"], colour, "#1d232b", 1))
    title = escape(f"{p['source']}: {p['text']} (about {_time_text(p)})"
                   + (f", in {p['scope_label']}" if p["other_scope"] and p["scope_label"] else "")
                   + (" — in conflict with another source" if conflict else ""))
    target = link_target(claim_url(p["claim"]))
    open_a, close_a = ((f'<a href="{escape(target)}" tabindex="-1">', "</a>") if target else ("", ""))
    data = " ".join(f'data-{k}="{"" if p[k] is None else escape(f"{p[k]:g}")}"' for k in ("value", "low", "high"))
    return (f'<g class="point{" conflict" if conflict else ""}{" other-scope" if p["other_scope"] else ""}" '
            f'data-claim="{escape(p["claim"])}" data-source="{escape(p["source"])}" {data}>' + "".join(out)
            + f'{open_a}<g class="mk" transform="translate({px:.1f} {py:.1f})">'
            f'<circle class="hit" r="14" fill="transparent"/>{ring}{mark}</g><title>{title}</title>{close_a}</g>')


def _row(p: dict, claim_url) -> dict:
    """A table row: the point as words."""
    def end(v, excluded):
        return "open" if v is None else _fmt(v) + (" (excluded)" if excluded else "")
    unit = _unit(p["unit"])
    return {"about": _time_text(p), "source": p["source"], "colour": p["colour"], "shape": p["shape"],
            "stated": p["text"], "url": claim_url(p["claim"]), "bound": p["bound"],
            "low": end(p["low"], p["low_ex"]), "high": end(p["high"], p["high_ex"]),
            "unit": p["unit"] or (unit.dimension if unit else ""),
            "scope": p["scope_label"] or "", "verdict": p["verdict"]}


def _nice_ticks(low: float, high: float, count: int = 5, *, whole: bool = False) -> list[float]:
    """Round tick values covering [low, high] (1, 2, 2.5 or 5 times a power of ten;
    ``whole``: whole numbers only)."""
    if high == low:
        spread = abs(high) * 0.1 or 1
        low, high = low - spread, high + spread
    raw = (high - low) / (count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10)
                if m * power >= raw and (not whole or float(m * power).is_integer()))
    first = math.floor(low / step)
    # whole steps, counted (not added up: a step below 1e-10 rounded to nothing once and
    # looped for ever); at most count + 2 of them
    n = max(2, min(count + 2, math.ceil(high / step - 1e-9) - first + 1))
    return [float(f"{(first + i) * step:.12g}") for i in range(n)]


def _tick_labels(ticks: list[float]) -> list[str]:
    """The ticks' labels, all with the decimals their step needs (835, 835.05, 835.1 are
    "835.00", "835.05", "835.10"), thousands separators, millions as "M", billions "bn"."""
    top = max(abs(t) for t in ticks)
    scale, suffix = (1e9, "bn") if top >= 1e9 else (1e6, "M") if top >= 1e7 else (1, "")
    step = (ticks[1] - ticks[0]) / scale
    places = next((d for d in range(12) if math.isclose(round(step, d), step, rel_tol=1e-6)), None)
    if places is None:              # a step too small for fixed decimals
        return [f"{t / scale:.3g}{suffix}" for t in ticks]
    return [f"{t / scale:,.{places}f}{suffix}" for t in ticks]


def _fmt(v: float) -> str:
    """A number for people: thousands separators, no needless decimals."""
    if abs(v) >= 1e7:
        return f"{v / 1e9:,.3g}bn" if abs(v) >= 1e9 else f"{v / 1e6:,.3g}M"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.4g}"
