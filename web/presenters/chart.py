"""A timeline chart as inline SVG (readable without JavaScript): the values each source
gave for one property of an entity, over the time the claims are about. One colour
per source; claims in a conflict get a red ring; bounds ("more than", "about") are
drawn as the stated figure with a note in the tooltip."""
from __future__ import annotations

import math

import datetime as dt
from collections import defaultdict

from markupsafe import Markup, escape

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#7f7f7f", "#393b79", "#637939", "#8c6d31")
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 760, 280, 70, 170, 20, 40


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10])
    except (TypeError, ValueError):
        return None


def series(rows: list[dict]) -> dict[str, dict]:
    """Index rows (kb.index claims about one subject) → {property: {label, unit,
    points: [{date, value, source, claim, verdict, text}]}} for numeric values with a time."""
    out: dict[str, dict] = {}
    for r in rows:
        when = _date(r.get("about_earliest") or "")
        if r.get("value_num") is None or when is None:
            continue
        entry = out.setdefault(r["property"], {"label": r.get("property_label") or r["property"],
                                                "units": set(), "points": []})
        entry["units"].add(r.get("unit") or "")
        entry["points"].append({"date": when.isoformat(), "value": r["value_num"],
                                "source": r.get("publisher_name") or r.get("article_title") or "?",
                                "claim": r["iri"], "verdict": r.get("verdict") or None,
                                "text": r.get("value_text") or str(r["value_num"])})
    for entry in out.values():
        entry["units"] = sorted(entry["units"])
    return out


def svg(entry: dict, claim_url) -> Markup:
    """The SVG of one property's series; ``claim_url(iri)`` links each point."""
    points = entry["points"]
    if not points:
        return Markup("")
    dates = [dt.date.fromisoformat(p["date"]) for p in points]
    values = [p["value"] for p in points]
    d0, d1 = min(dates), max(dates)
    margin = max((d1 - d0) / 12, dt.timedelta(days=1))   # keep dots off the axis and legend
    d0, d1 = d0 - margin, d1 + margin
    ticks = _nice_ticks(min(values), max(values))
    v0, v1 = ticks[0], ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(d):
        return LEFT + (d - d0).days / max((d1 - d0).days, 1) * plot_w

    def y(v):
        return TOP + plot_h - (v - v0) / (v1 - v0) * plot_h

    sources = list(dict.fromkeys(p["source"] for p in points))
    colour = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(sources)}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
             f'role="img" aria-label="{escape(entry["label"])} over time, by source">']
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" stroke="#999"/>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#999"/>')
    for v in ticks:
        parts.append(f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" font-size="11" text-anchor="end">{_fmt(v)}</text>')
        parts.append(f'<line x1="{LEFT}" y1="{y(v):.1f}" x2="{LEFT + plot_w}" y2="{y(v):.1f}" stroke="#eee"/>')
    for d in sorted({min(dates), min(dates) + (max(dates) - min(dates)) / 2, max(dates)}):
        parts.append(f'<text x="{x(d):.1f}" y="{TOP + plot_h + 18}" font-size="11" text-anchor="middle">{d.isoformat()}</text>')
    by_source = defaultdict(list)
    for p, d in zip(points, dates):
        by_source[p["source"]].append((d, p))
    # dots with the same time and value would hide each other: spread them sideways
    stack: dict[tuple, int] = defaultdict(int)
    shift: dict[int, float] = {}
    same = defaultdict(int)
    for p, d in zip(points, dates):
        same[(d, p["value"])] += 1
    for p, d in zip(points, dates):
        key = (d, p["value"])
        n, i = same[key], stack[key]
        stack[key] += 1
        shift[id(p)] = (i - (n - 1) / 2) * 11

    def px(d, p):
        return x(d) + shift[id(p)]

    for source, items in by_source.items():
        items.sort(key=lambda t: t[0])
        if len(items) > 1:
            path = " ".join(f"{px(d, p):.1f},{y(p['value']):.1f}" for d, p in items)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour[source]}" stroke-opacity=".5"/>')
        for d, p in items:
            ring = ' stroke="#b3261e" stroke-width="3"' if p["verdict"] == "CONFLICT" else ' stroke="#fff"'
            title = escape(f"{p['source']}: {p['text']} (about {p['date']})"
                           + (" — in conflict with another source" if p["verdict"] == "CONFLICT" else ""))
            parts.append(f'<a href="{escape(claim_url(p["claim"]))}"><circle class="point{" conflict" if p["verdict"] == "CONFLICT" else ""}" '
                         f'cx="{px(d, p):.1f}" cy="{y(p["value"]):.1f}" r="6" fill="{colour[source]}"{ring}>'
                         f'<title>{title}</title></circle></a>')
    for i, source in enumerate(sources[:12]):
        ly = TOP + 14 * i + 6
        parts.append(f'<circle cx="{WIDTH - RIGHT + 14}" cy="{ly}" r="5" fill="{colour[source]}"/>')
        parts.append(f'<text x="{WIDTH - RIGHT + 24}" y="{ly + 4}" font-size="11">{escape(source[:24])}</text>')
    if any(p["verdict"] == "CONFLICT" for p in points):
        ly = TOP + 14 * min(len(sources), 12) + 12
        parts.append(f'<circle cx="{WIDTH - RIGHT + 14}" cy="{ly}" r="5" fill="#fff" stroke="#b3261e" stroke-width="3"/>'
                     f'<text x="{WIDTH - RIGHT + 24}" y="{ly + 4}" font-size="11">in a conflict</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (1, 2, 2.5 or 5 times a power of ten)."""
    if high == low:
        spread = abs(high) * 0.1 or 1
        low, high = low - spread, high + spread
    raw = (high - low) / (count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks = [start]
    while ticks[-1] < high:
        ticks.append(ticks[-1] + step)
    if len(ticks) < 2:
        ticks.append(start + step)
    return ticks


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.2f}".rstrip("0").rstrip(".")
