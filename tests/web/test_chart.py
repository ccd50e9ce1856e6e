"""The timeline chart (web/presenters/chart.py, issue #17 item 3): ranges drawn as
whiskers, open bounds as arrows to the edge, an honest value axis (zero for counts and
shares, a break mark otherwise), stable colours per source, scopes as separate series,
the same data as a table, every label escaped."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from flask import render_template

from web.presenters import chart

NS = {"s": "http://www.w3.org/2000/svg"}
HOSTILE = "<script>alert(1)</script>"


def row(value_text, value_num, *, publisher="Sputnik", unit=None, when="2021-07-05",
        until=None, scope=None, verdict="", prop="p/soldiers", n=[0]):
    n[0] += 1
    return {"iri": f"http://x.example/claims/{n[0]}", "property": f"http://x.example/{prop}",
            "property_label": prop.split("/")[-1], "value_text": value_text,
            "value_num": value_num, "unit": unit, "about_earliest": when,
            "about_latest": until or when, "publisher": f"http://x.example/publishers/{publisher}",
            "publisher_name": publisher, "scope": scope and f"http://x.example/entities/{scope}",
            "scope_label": scope, "verdict": verdict, "article_title": "A"}


def draw(rows, prop="p/soldiers"):
    entry = chart.series(rows)[f"http://x.example/{prop}"]
    return entry, chart.svg(entry, lambda iri: "/claims/" + iri.rsplit("/", 1)[1])


def parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))


def plot_box(root):
    rect = root.find("s:rect[@class='plot']", NS)
    return (float(rect.get("x")), float(rect.get("y")),
            float(rect.get("width")), float(rect.get("height")))


def y_of(root):
    """The value axis as the ticks draw it: value → y (linear, from two ticks)."""
    ticks = [(float(g.get("data-value")), float(g.find("s:line", NS).get("y1")))
             for g in root.iterfind("s:g[@class='tick y']", NS)]
    (v0, y0), (v1, y1) = ticks[0], ticks[-1]
    return lambda v: y0 + (v - v0) * (y1 - y0) / (v1 - v0)


def points(root) -> dict[str, ET.Element]:
    """Each point's group by the claim's last path segment."""
    return {g.get("data-claim").rsplit("/", 1)[1]: g
            for g in root.iter(f"{{{NS['s']}}}g") if "point" in (g.get("class") or "").split()}


def mark_xy(g):
    x, y = re.match(r"translate\(([-\d.]+) ([-\d.]+)\)", g.find(".//s:g[@class='mk']", NS).get("transform")).groups()
    return float(x), float(y)


def tick_values(root):
    return [float(g.get("data-value")) for g in root.iterfind("s:g[@class='tick y']", NS)]


# ---------------------------------------------------------------- the value axis

@pytest.mark.parametrize("rows", [
    [row("1,573", 1573), row("about 1,500", 1500, publisher="Kursiv"),
     row("nearly 1,600", 1600, publisher="BBC")],                                  # counts
    [row("more than 70%", 70, unit="%", prop="p/share"),
     row("about 66.7%", 66.7, unit="%", publisher="Mehr", prop="p/share"),
     row("85%", 85, unit="%", publisher="TASS", prop="p/share")],                   # shares
], ids=["counts", "shares"])
def test_counts_and_shares_start_at_zero_at_the_foot_of_the_plot(rows):
    entry, svg = draw(rows, rows[0]["property"].split("x.example/")[1])
    root = parse(svg)
    x, top, w, h = plot_box(root)
    assert tick_values(root)[0] == 0
    assert y_of(root)(0) == pytest.approx(top + h)
    assert root.get("data-zero-based") == "true" and svg.zero_based
    assert root.find(".//s:g[@class='axis-break']", NS) is None
    assert "starts at 0" in svg.axis


def test_a_share_axis_ends_at_100():
    _, svg = draw([row("almost 100%", 100, unit="%", prop="p/share"),
                   row("more than 70%", 70, unit="%", publisher="Globinsider", prop="p/share")],
                  "p/share")
    assert tick_values(parse(svg))[-1] == 100


def test_a_figure_far_from_zero_in_another_unit_gets_a_break_mark():
    _, svg = draw([row("1,344 km", 1344, unit="km", prop="p/length"),
                   row("1,400 km", 1400, unit="km", publisher="Afghanistan Times", prop="p/length"),
                   row("1,357 km", 1357, unit="km", publisher="Eurasianet", prop="p/length")],
                  "p/length")
    root = parse(svg)
    ticks = tick_values(root)
    assert 0 < ticks[0] <= 1344 and ticks[-1] >= 1400
    assert root.get("data-zero-based") == "false" and not svg.zero_based
    brk = root.find(".//s:g[@class='axis-break']", NS)
    assert brk is not None and len(brk.findall("s:line", NS)) == 2
    title = root.find("s:text[@class='axis-title']", NS).text
    assert "km" in title and "does not start at 0" in title
    assert "not at 0" in root.find("s:desc", NS).text and "not at 0" in svg.axis


def test_an_other_unit_close_to_zero_keeps_the_zero_baseline():
    _, svg = draw([row("300 km", 300, unit="km", prop="p/length"),
                   row("900 km", 900, unit="km", publisher="B", prop="p/length")], "p/length")
    assert tick_values(parse(svg))[0] == 0 and svg.zero_based


def test_ticks_have_thousands_separators():
    _, svg = draw([row("20,000", 20000), row("1,037", 1037, publisher="B")])
    labels = [t.text for t in parse(svg).iterfind("s:g[@class='tick y']/s:text", NS)]
    assert "20,000" in labels and "0" in labels


def test_tick_labels_show_the_decimals_their_step_needs_and_counts_have_whole_ticks():
    _, svg = draw([row("1,344 km", 1344, unit="km", prop="p/length"),
                   row("835 miles", 835, unit="mi", publisher="B", prop="p/length")], "p/length")
    labels = [t.text for t in parse(svg).iterfind("s:g[@class='tick y']/s:text", NS)]
    assert len(set(labels)) == len(labels) and labels[0].startswith("835.")   # km as miles
    _, svg = draw([row("5", 5), row("9", 9, publisher="B")])
    assert all(v.is_integer() for v in tick_values(parse(svg)))


# ---------------------------------------------------------------- ranges and bounds

def test_a_range_is_a_whisker_from_its_low_to_its_high_end():
    _, svg = draw([row("about 1,500", 1500, publisher="Kursiv"),
                   row("between 300 and 400", 350, publisher="B"),
                   row("1,573", 1573, publisher="Asia-Plus")])
    root = parse(svg)
    y, by_claim = y_of(root), points(root)
    about, between, exact = (by_claim[k] for k in sorted(by_claim, key=int)[-3:])
    for g, low, high, stated in ((about, 1425, 1575, 1500), (between, 300, 400, 350)):
        whisker = g.find("s:line[@class='whisker']", NS)
        assert float(whisker.get("y1")) == pytest.approx(y(high), abs=.1)
        assert float(whisker.get("y2")) == pytest.approx(y(low), abs=.1)
        assert len(g.findall("s:line[@class='cap']", NS)) == 2
        assert mark_xy(g)[1] == pytest.approx(y(stated), abs=.1)     # the stated figure marked
    assert exact.find("s:line[@class='whisker']", NS) is None        # an exact value: a mark only
    assert mark_xy(exact)[1] == pytest.approx(y(1573), abs=.1)


def test_an_open_bound_runs_to_the_edge_with_an_arrow():
    _, svg = draw([row("more than 1,000", 1000, publisher="BBC"), row("1,037", 1037, publisher="B")])
    root = parse(svg)
    _, top, _, _ = plot_box(root)
    y = y_of(root)
    g = next(g for g in points(root).values() if g.get("data-source") == "BBC")
    whisker = g.find("s:line[@class='whisker']", NS)
    assert float(whisker.get("y2")) == pytest.approx(y(1000), abs=.1)
    assert float(whisker.get("y1")) <= top + 3                       # to the top edge
    assert len(g.findall("s:path[@class='open-end']", NS)) == 1
    assert mark_xy(g)[1] == pytest.approx(y(1000), abs=.1)
    assert g.get("data-high") == "" and g.get("data-low") == "1000"


def test_a_share_more_than_runs_to_100_with_an_arrow():
    _, svg = draw([row("more than 70%", 70, unit="%", prop="p/share")], "p/share")
    root = parse(svg)
    y, (g,) = y_of(root), points(root).values()
    whisker = g.find("s:line[@class='whisker']", NS)
    assert float(whisker.get("y1")) == pytest.approx(y(100), abs=.1)
    assert float(whisker.get("y2")) == pytest.approx(y(70), abs=.1)
    assert g.find("s:path[@class='open-end']", NS) is not None
    assert svg.rows[0]["low"] == "70 (excluded)" and svg.rows[0]["high"] == "100"


def test_a_claim_about_a_period_is_a_horizontal_bar():
    _, svg = draw([row("1,344 km", 1344, unit="km", when="2021-07-01", until="2021-07-31", prop="p/length"),
                   row("1,400 km", 1400, unit="km", when="2021-08-15", publisher="B", prop="p/length")],
                  "p/length")
    root = parse(svg)
    july = next(g for g in points(root).values() if g.get("data-source") == "Sputnik")
    bar = july.find("s:line[@class='period']", NS)
    x1, x2 = float(bar.get("x1")), float(bar.get("x2"))
    assert x2 - x1 > 100 and bar.get("y1") == bar.get("y2")
    assert mark_xy(july)[0] == pytest.approx((x1 + x2) / 2, abs=.1)
    assert svg.rows[0]["about"] == "1–31 Jul 2021"


# ---------------------------------------------------------------- colours, scopes

def _colours(svg):
    root = parse(svg)
    return {g.get("data-source"): list(g.find(".//s:g[@class='mk']", NS))[-1].get("fill")
            for g in points(root).values()}


def test_a_source_keeps_its_colour_and_shape_whatever_else_is_charted():
    rows = [row("300", 300, publisher=name) for name in
            ("Sputnik", "TASS", "BBC", "AFP", "Khovar", "Kursiv", "Asia-Plus", "Al Jazeera")]
    alone = _colours(draw([rows[0]])[1])["Sputnik"]
    forward = draw(rows)[1]
    backward = draw(list(reversed(rows)))[1]
    others = draw([row("5", 5, publisher="Mehr")] + rows[::3])[1]
    assert _colours(forward) == _colours(backward)
    assert set(_colours(forward).values()) <= set(chart.PALETTE)
    assert alone == _colours(forward)["Sputnik"] == _colours(others)["Sputnik"]
    assert {s["source"]: (s["colour"], s["shape"]) for s in forward.legend} == \
        {s["source"]: (s["colour"], s["shape"]) for s in backward.legend}
    assert (alone, ) == (chart.source_style("http://x.example/publishers/Sputnik")[0], )
    assert [s["source"] for s in forward.legend] == sorted((r["publisher_name"] for r in rows), key=str.lower)
    # without colour, the shapes tell the sources of one chart apart
    assert len({s["shape"] for s in forward.legend}) == len(rows) == len(chart.SHAPES)


def test_shapes_are_the_preferred_one_unless_taken_and_do_not_depend_on_order():
    keys = [f"http://x.example/publishers/{n}" for n in range(12)]
    assert chart.shapes(keys) == chart.shapes(reversed(keys))
    alone = {k: chart.shapes([k])[k] for k in keys}
    assert alone == {k: chart.source_style(k)[1] for k in keys}
    eight = chart.shapes(keys[:8])
    assert len(set(eight.values())) == 8
    twelve = chart.shapes(keys)         # more sources than shapes: colour and shape differ
    styles = [(chart.source_style(k)[0], twelve[k]) for k in keys]
    assert len(set(styles)) == len(styles)


def test_other_scopes_are_separate_labelled_series():
    rows = [row("1,000", 1000, when="2021-07-04"), row("1,037", 1037, when="2021-07-06"),
            row("312", 312, when="2021-07-04", scope="Shughnon District"),
            row("340", 340, when="2021-07-06", scope="Shughnon District")]
    _, svg = draw(rows)
    root = parse(svg)
    lines = root.findall("s:polyline[@class='series']", NS)
    assert len(lines) == 2                                          # one source, two scopes
    assert sorted(bool(line.get("stroke-dasharray")) for line in lines) == [False, True]
    scoped = [g for g in points(root).values() if "other-scope" in g.get("class")]
    assert len(scoped) == 2
    assert [t.text for t in root.iterfind("s:text[@class='scope-label']", NS)] == ["Shughnon District"]
    assert svg.scoped and {r["scope"] for r in svg.rows} == {"", "Shughnon District"}


# ---------------------------------------------------------------- table, escaping, a11y

def test_the_table_has_one_row_per_point_with_the_value_as_stated():
    rows = [row("more than 300", 300), row("at least 1,037", 1037, publisher="Al Jazeera"),
            row("1,037", 1037, publisher="Asia-Plus", scope="Shughnon District", verdict="COMPATIBLE")]
    entry, svg = draw(rows)
    assert len(svg.rows) == len(entry["points"]) == 3
    assert sorted(r["stated"] for r in svg.rows) == ["1,037", "at least 1,037", "more than 300"]
    aj = next(r for r in svg.rows if r["source"] == "Al Jazeera")
    assert (aj["low"], aj["high"], aj["unit"], aj["url"]) == ("1,037", "open", "count",
                                                               "/claims/" + rows[1]["iri"].rsplit("/", 1)[1])


def test_the_figure_prints_the_table_and_the_legend(app):
    rows = [row("more than 300", 300), row("312", 312, publisher="Asia-Plus", scope="Shughnon District")]
    with app.test_request_context():
        entry, svg = draw(rows)
        html = render_template("_chart.html", entry=entry, svg=svg)
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    assert body.count("<tr>") == 2 and "more than 300" in body and "Shughnon District" in body
    legend = html[html.index('<ul class="chart-legend"'):html.index("</ul>")]
    assert "Sputnik" in legend and "Asia-Plus" in legend and "another scope" in legend
    assert 'role="group"' in html and "<title id=" in html and "<desc id=" in html


def test_hostile_names_come_out_escaped(app):
    rows = [row(HOSTILE, 5, publisher=HOSTILE, scope=HOSTILE), row("6", 6, publisher="B")]
    for r in rows:
        r["property_label"] = HOSTILE
    with app.test_request_context():
        entry, svg = draw(rows)
        html = render_template("_chart.html", entry=entry, svg=svg)
    assert "<script>" not in str(svg) and "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in str(svg)
    assert "&lt;script&gt;" in html
    parse(svg)                                                      # still well-formed


def test_points_of_the_older_shape_still_draw():
    """A caller that builds points by hand with the keys series() used to give."""
    entry = {"label": "x", "units": [""], "points": [
        {"date": "2021-07-03", "value": 300.0, "source": "AP", "claim": "http://x/c/1",
         "verdict": None, "text": "more than 300"},
        {"date": "2021-07-05", "value": 1037.0, "source": "BBC", "claim": "http://x/c/2",
         "verdict": "CONFLICT", "text": "1,037"}]}
    svg = chart.svg(entry, lambda iri: "/claims/" + iri)
    root = parse(svg)
    assert len(points(root)) == 2 and root.find(".//s:path[@class='open-end']", NS) is not None
    assert root.find(".//s:circle[@class='ring']", NS) is not None


def test_an_unreadable_figure_is_drawn_as_stated_exactly():
    _, svg = draw([row("1.344 km", 1344, unit="km", prop="p/length")], "p/length")   # German numerals
    (g,) = points(parse(svg)).values()
    assert g.find("s:line[@class='whisker']", NS) is None and g.get("data-low") == "1344"


def test_the_entity_page_shows_chart_legend_and_table(demo_client):
    page = demo_client.get("/entities/afghan-tajik-border")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    data = demo_client.get("/entities/afghan-tajik-border.json").get_json()
    timeline = data["timeline"] if "timeline" in data else data["data"]["timeline"]
    figures = html.split('<figure class="chart"')[1:]
    assert len(figures) == len(timeline)
    for figure, entry in zip(figures, timeline):
        body = figure[figure.index("<tbody>"):figure.index("</tbody>")]
        assert body.count("<tr>") == len(entry["points"])
        assert 'class="chart-legend"' in figure and 'role="group"' in figure
    share = next(f for f in figures if "more than 70%" in f)
    assert 'class="open-end"' in share and 'data-zero-based="true"' in share
    length = next(f for f in figures if "1,344 km" in f)
    assert 'class="axis-break"' in length and 'class="period"' in length


EDGE_CASES = {   # values and times at the edges of what a chart's axes can hold
    "tiny": [("0.0000000000001 km", "2021-07"), ("0.0000000000002 km", "2021-08")],
    "close": [("1.0000001 km", "2021-07"), ("1.0000002 km", "2021-08")],
    "year1": [("1,400 km", "0001"), ("1,344 km", "2021")],
    "year9999": [("1,400 km", "2021"), ("1,344 km", "9999")],
    "millennia": [("1,400 km", "1000"), ("1,344 km", "9000")],
}


@pytest.mark.parametrize("name", list(EDGE_CASES))
def test_charts_at_the_edges_of_their_axes_are_drawn(kb, client, tmp_path, name):
    """A tick step below 1e-10 once looped for ever (a server thread lost); years near 1
    or 9999 and spans of millennia were 500s. Each page answers, with a chart when the
    value could be read."""
    articles = "\n".join(f"  a{i}: {{publisher: Pub {i}, published: 2021-07-05, title: T{i}}}"
                         for i in range(2))
    claims = "\n".join(f'  - {{id: c{i}, article: a{i}, statement: "S {i}", subject: border, '
                       f'property: length, value: "{v}", about: "{a}"}}'
                       for i, (v, a) in enumerate(EDGE_CASES[name]))
    path = tmp_path / "edge.yaml"
    path.write_text(f"claimkb: 1\narticles:\n{articles}\nclaims:\n{claims}\n", encoding="utf-8")
    kb.import_file(path)
    for url in ("/facts/border/length", "/entities/border"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert "<svg" in response.get_data(as_text=True), url
