"""Chart specifications (Vega-Lite, built with altair) and their one rendering to SVG.

Every chart of the registry is built here from plain data and rendered on the server by
vl-convert, so pages, the PDF report and exports share one code path, need no JavaScript
and pass the Content-Security-Policy. Builders are pure: data in, a Vega-Lite dict out.
Every word a chart draws (titles, legends, notes) goes through the `gettext` a builder is
given: flask-babel's on the pages, so a chart reads in the page's language; English by
default (the English text is the message id, extracted from the calls below).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt

from registry.indicators.formatting import N_, Translate, english
from schemas.indicators import Indicator

# Okabe & Ito's palette: distinguishable with every common colour-vision deficiency.
OKABE_ITO = {"blue": "#0072B2", "vermillion": "#D55E00", "green": "#009E73",
             "orange": "#E69F00", "sky": "#56B4E9", "purple": "#CC79A7", "grey": "#6b6b6b"}
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"  # Liberation is metric-equal to Arial
# Charts in a language of another script: the pages' own faces first (the browser draws the
# SVG with the page's Nastaliq web font; DejaVu Sans lacks Urdu's heh goal and yeh barree).
# Nastaliq stands taller than Latin text, so such charts get room above their first row.
SCRIPT_FONTS = {"ur": "Noto Nastaliq Urdu, Noto Naskh Arabic, Noto Sans Arabic, DejaVu Sans"}
SCRIPT_PADDING = {"top": 12, "left": 5, "right": 5, "bottom": 5}
WIDTH = 340  # drawn at natural size: fits a 390 px phone with little shrinking
ROW_STEP = 46
FONT_SIZE = 13
SUPPRESSED_GREY = "#767676"
SERIES_COLOURS = {N_("National"): OKABE_ITO["blue"], N_("Peers"): OKABE_ITO["green"],
                  N_("Your college"): OKABE_ITO["vermillion"]}  # other series: the palette's rest
SPARKLINE_MIN_SPAN = 0.1  # of the largest value: the least vertical range a sparkline shows
STATUS_SHAPES = {N_("final"): "circle", N_("provisional"): "triangle-up"}
DISTRIBUTION_PARTS = {N_("P10 to P90 of colleges"): "#8a8a8a", N_("P25 to P75"): "#9cc7e4",
                      N_("Median"): OKABE_ITO["blue"], N_("Your college"): OKABE_ITO["vermillion"],
                      N_("Expected for your mix of levels"): "#000000"}
# The seven provinces and territories on a grid, roughly where they lie on a map.
TILE_POSITIONS = {"GB": (2, 0), "KP": (1, 1), "IS": (2, 1), "AJK": (3, 1), "BA": (0, 2),
                  "PB": (2, 2), "SD": (1, 3)}
TILE_LINES = {"AJK": ["Azad Jammu", "& Kashmir"], "IS": ["Islamabad"],
              "KP": ["Khyber", "Pakhtunkhwa"], "GB": ["Gilgit-", "Baltistan"]}
COMPLIANCE_COLOURS = {N_("Submitted"): OKABE_ITO["blue"], N_("Late"): OKABE_ITO["orange"],
                      N_("Missing"): OKABE_ITO["vermillion"], N_("Not yet due"): "#bdbdbd"}


@dataclass(frozen=True)
class DistributionRow:
    """One row of a distribution chart: a stratum's quantiles, or why it is suppressed."""

    label: str
    p10: float | None = None
    p25: float | None = None
    median: float | None = None
    p75: float | None = None
    p90: float | None = None
    marker: float | None = None
    suppressed_note: str | None = None
    expected: float | None = None


@dataclass(frozen=True)
class SeriesPoint:
    """One point of a time series: which series, which period, its value and status."""

    series: str
    period: str
    value: float | None
    status: str = "final"  # final | provisional
    low: float | None = None
    high: float | None = None


def suppressed_note(suppression: str, min_institutions: int,
                    gettext: Translate = english) -> str:
    """The words drawn in place of a suppressed cell."""
    if suppression == "secondary":
        return gettext("suppressed (would reveal a small cell)")
    return gettext("suppressed (fewer than %(colleges)s colleges)", colleges=min_institutions)


def value_format(indicator: Indicator) -> str:
    """The d3 format of an indicator's values: percent for proportions."""
    return ".0%" if indicator.kind == "proportion" else ",.2~f"


def value_scale(indicator: Indicator, values: Sequence[float | None]) -> alt.Scale:
    """A scale from zero: 0–100 % for proportions, else zero to a nice figure above the data."""
    if indicator.kind == "proportion":
        return alt.Scale(domain=[0, 1], zero=True, nice=False)
    top = max([v for v in values if v is not None] or [1.0])
    return alt.Scale(domain=[0, top * 1.1 or 1.0], zero=True, nice=True)


def value_axis(indicator: Indicator, title: str | None = None, gettext: Translate = english,
               **extra) -> alt.Axis:
    """An axis with ticks, grid and the unit in its title."""
    return alt.Axis(format=value_format(indicator), title=title or _unit_title(indicator, gettext),
                    tickCount=5, grid=True, labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE,
                    **extra)


def _unit_title(indicator: Indicator, gettext: Translate = english) -> str:
    if indicator.unit.lower() == indicator.name.lower():
        return gettext(indicator.name)
    return gettext("%(indicator)s (%(unit)s)", indicator=gettext(indicator.name),
                   unit=gettext(indicator.unit))


def _literal(text: str) -> str:
    """Text as a string literal of a Vega expression."""
    return json.dumps(text, ensure_ascii=False)


def _config(chart: alt.TopLevelMixin) -> dict:
    """The chart as a Vega-Lite dict with the registry's fonts and no outer border.

    Validation against the Vega-Lite schema costs ~100 ms a chart, so the tests do it once
    per kind of chart (tests/registry/test_charts.py), not every request.
    """
    return chart.configure(font=FONT).configure_view(stroke=None).configure_legend(
        labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, orient="bottom",
        direction="horizontal", columns=2, labelLimit=0, titleLimit=0).to_dict(validate=False)


def _legend_colour(parts: dict[str, str], gettext: Translate = english) -> alt.Color:
    return alt.Color("part:N", title=None, scale=alt.Scale(
        domain=[gettext(part) for part in parts], range=list(parts.values())))


def distribution_spec(rows: Sequence[DistributionRow], indicator: Indicator,
                      axis_title: str | None = None, *, gettext: Translate = english) -> dict:
    """Rows of P10–P90 line, P25–P75 box and median bar; the college marked; suppressions named.

    The rows' labels and notes arrive in the reader's language; the legend is translated here.
    """
    data = [{"order": k, **row.__dict__} for k, row in enumerate(rows)]
    values = [v for r in rows for v in (r.p90, r.marker, r.expected)]
    x = alt.X("p10:Q", scale=value_scale(indicator, values),
              axis=value_axis(indicator, title=axis_title, gettext=gettext))
    y = alt.Y("label:N", sort=alt.EncodingSortField("order"), axis=None,
              scale=alt.Scale(paddingInner=0.0))
    base = alt.Chart(alt.Data(values=data)).properties(
        width=WIDTH, height=alt.Step(ROW_STEP))
    shown = base.transform_filter("datum.suppressed_note == null && datum.median != null")
    optional = {"Your college": "marker", "Expected for your mix of levels": "expected"}
    parts = {k: v for k, v in DISTRIBUTION_PARTS.items() if k not in optional
             or any(getattr(r, optional[k]) is not None for r in rows)}
    colour = _legend_colour(parts, gettext)

    def part(name: str) -> str:
        return _literal(gettext(name))

    layers = [
        shown.transform_calculate(part=part("P10 to P90 of colleges")).mark_rule(
            strokeWidth=2).encode(x=x, x2="p90:Q", y=y, color=colour),
        shown.transform_calculate(part=part("P25 to P75")).mark_bar(size=16, stroke="#2f6f97")
        .encode(x=alt.X("p25:Q"), x2="p75:Q", y=y, color=colour),
        shown.transform_calculate(part=part("Median")).mark_tick(size=24, thickness=3)
        .encode(x=alt.X("median:Q"), y=y, color=colour),
        base.mark_text(align="left", baseline="bottom", dy=-10, fontSize=FONT_SIZE + 1,
                       limit=WIDTH).encode(text="label:N", y=y, x=alt.value(0)),
        base.transform_filter("datum.suppressed_note != null").mark_text(
            align="left", baseline="middle", fontSize=FONT_SIZE, fontStyle="italic",
            color=SUPPRESSED_GREY).encode(text="suppressed_note:N", y=y, x=alt.value(4)),
    ]
    if "Your college" in parts:
        layers.append(base.transform_filter("datum.marker != null").transform_calculate(
            part=part("Your college")).mark_point(shape="diamond", size=150, filled=True,
                                              stroke="white", strokeWidth=1, opacity=1)
            .encode(x=alt.X("marker:Q"), y=y, color=colour))
    if "Expected for your mix of levels" in parts:
        layers.append(base.transform_filter("datum.expected != null").transform_calculate(
            part=part("Expected for your mix of levels")).mark_point(
                shape="triangle-down", size=90, filled=True, opacity=1, yOffset=-12)
            .encode(x=alt.X("expected:Q"), y=y, color=colour))
    return _config(alt.layer(*layers))


def series_spec(points: Sequence[SeriesPoint], indicator: Indicator,
                breaks: Sequence[str] = (), *, intervals: bool = True,
                gettext: Translate = english) -> dict:
    """Lines across periods; shape marks provisional/final; dashed rules mark breaks.

    Series names and statuses are translated here ("National", "final"), as are the titles.
    """
    data = [{**p.__dict__, "series": gettext(p.series), "status": gettext(p.status)}
            for p in points]
    periods = list(dict.fromkeys(p.period for p in points))
    names = list(dict.fromkeys(p.series for p in points))
    others = iter(c for c in OKABE_ITO.values() if c not in SERIES_COLOURS.values())
    x = alt.X("period:O", sort=periods, title=gettext("Period"), axis=alt.Axis(
        labelAngle=0 if len(periods) * 62 <= WIDTH else -40, labelFontSize=FONT_SIZE,
        titleFontSize=FONT_SIZE, labelOverlap=False))
    y = alt.Y("value:Q", scale=value_scale(indicator, [p.high or p.value for p in points]),
              axis=value_axis(indicator, title=gettext(indicator.unit).capitalize()))
    known = {gettext(name): colour for name, colour in SERIES_COLOURS.items()}
    colour = alt.Color("series:N", title=None, scale=alt.Scale(
        domain=[gettext(s) for s in names],
        range=[known.get(gettext(s)) or next(others) for s in names]))
    base = alt.Chart(alt.Data(values=data)).properties(width=WIDTH, height=220)
    present = base.transform_filter("datum.value != null")
    layers = [
        present.mark_line(strokeWidth=2).encode(x=x, y=y, color=colour),
        present.mark_point(size=70, filled=True, opacity=1).encode(
            x=x, y=y, color=colour, shape=alt.Shape("status:N", title=gettext("Release"),
                                                    scale=alt.Scale(
                domain=[gettext(s) for s in STATUS_SHAPES], range=list(STATUS_SHAPES.values())))),
    ]
    if intervals and any(p.low is not None for p in points):
        layers.insert(0, base.transform_filter("datum.low != null").mark_rule(
            strokeWidth=1.5, opacity=0.6).encode(x=x, y="low:Q", y2="high:Q", color=colour))
    if breaks:
        marks = alt.Chart(alt.Data(values=[{"period": b, "text": gettext("break in series")}
                                           for b in breaks]))
        layers += [marks.mark_rule(strokeDash=[5, 4], color="#333").encode(x=x),
                   marks.mark_text(align="left", dx=4, dy=6, fontSize=11, baseline="top",
                                   color="#333").encode(x=x, y=alt.value(0), text="text:N")]
    return _config(alt.layer(*layers).resolve_scale(color="shared"))


def sparkline_spec(points: Sequence[SeriesPoint]) -> dict:
    """A small line of one series across periods, its last point marked; no axes."""
    data = [p.__dict__ for p in points if p.value is not None]
    base = alt.Chart(alt.Data(values=data)).properties(width=150, height=36)
    x = alt.X("period:O", sort=[p["period"] for p in data], axis=None)
    y = alt.Y("value:Q", axis=None, scale=alt.Scale(
        zero=False, domain=sparkline_domain([p["value"] for p in data])))
    last = data[-1:]
    return _config(alt.layer(
        base.mark_line(color=OKABE_ITO["blue"], strokeWidth=2).encode(x=x, y=y),
        alt.Chart(alt.Data(values=last)).mark_point(filled=True, size=40, opacity=1,
                                                    color=OKABE_ITO["blue"])
        .encode(x=x, y=y)).properties(padding=4))


def sparkline_domain(values: Sequence[float]) -> list[float]:
    """The sparkline's vertical range: the data's, widened to at least a tenth of its largest
    value, so a change too small to matter draws as a nearly flat line, not a steep one."""
    low, high = min(values, default=0.0), max(values, default=0.0)
    span = max(high - low, SPARKLINE_MIN_SPAN * max(abs(low), abs(high)), 1e-9)
    middle = (low + high) / 2
    return [middle - span / 2, middle + span / 2]


def tile_map_spec(tiles: Sequence[dict], indicator: Indicator, *,
                  gettext: Translate = english) -> dict:
    """The seven provinces and territories as tiles coloured by value; suppressed tiles grey.

    Each tile is a dict with `code`, `name` (in English: translated here), `value`, and
    optional `suppressed` (whether the cell is suppressed) and `suppressed_note`.
    """
    scale = value_scale(indicator, [t.get("value") for t in tiles])
    data = [_tile(t, indicator, scale.domain[1], gettext) for t in tiles
            if t["code"] in TILE_POSITIONS]
    base = alt.Chart(alt.Data(values=data)).properties(width=4 * 90, height=4 * 72)
    x = alt.X("col:O", axis=None, scale=alt.Scale(domain=[0, 1, 2, 3], paddingInner=0.06))
    y = alt.Y("row:O", axis=None, scale=alt.Scale(domain=[0, 1, 2, 3], paddingInner=0.06))
    fill = alt.Color("value:Q", scale=alt.Scale(scheme="blues", domain=scale.domain),
                     legend=alt.Legend(format=value_format(indicator),
                                       title=_unit_title(indicator, gettext), orient="bottom",
                                       direction="horizontal", gradientLength=300))
    return _config(alt.layer(
        base.mark_rect(color="#e6e6e6", cornerRadius=4).encode(x=x, y=y),
        base.transform_filter("datum.value != null").mark_rect(cornerRadius=4).encode(
            x=x, y=y, color=fill),
        base.mark_text(fontSize=11, dy=-16, lineHeight=12, baseline="bottom").encode(
            x=x, y=y, text="lines:N", color=alt.condition("datum.dark", alt.value("white"),
                                                          alt.value("black"))),
        base.mark_text(fontSize=FONT_SIZE + 1, fontWeight="bold", dy=16).encode(
            x=x, y=y, text="shown:N", color=alt.condition("datum.dark", alt.value("white"),
                                                          alt.value("black"))),
    ))


def _tile(tile: dict, indicator: Indicator, top: float, gettext: Translate = english) -> dict:
    """A tile's place, its words, and whether its shade is dark enough for white text."""
    col, row = TILE_POSITIONS[tile["code"]]
    value, note = tile.get("value"), tile.get("suppressed_note") or ""
    suppressed = tile.get("suppressed", note.startswith("suppressed"))
    shown = (gettext("suppressed") if suppressed else gettext("no figure") if value is None
             else f"{100 * value:.0f} %" if indicator.kind == "proportion" else f"{value:.2f}")
    english_name = tile["name"]
    name = gettext(english_name)
    lines = TILE_LINES.get(tile["code"], [name]) if name == english_name else [name]
    return {"code": tile["code"], "col": col, "row": row, "value": value, "shown": shown,
            "lines": lines,
            "dark": value is not None and value > 0.55 * top}


def compliance_spec(rows: Sequence[dict], *, gettext: Translate = english) -> dict:
    """Stacked bars per province: returns submitted, late and missing (rows: province, state, n;
    the province and state in English, translated here)."""
    data = [{**r, "province": gettext(province), "state": gettext(state),
             "rank": list(COMPLIANCE_COLOURS).index(state)}
            for r in rows for province, state in [(r["province"], r["state"])]]
    order = list(dict.fromkeys(r["province"] for r in data))
    return _config(alt.Chart(alt.Data(values=data)).mark_bar(size=20).encode(
        y=alt.Y("province:N", sort=order, title=None, axis=alt.Axis(
            labelLimit=0, labelFontSize=FONT_SIZE)),
        x=alt.X("n:Q", stack="zero", title=gettext("Expected returns"), axis=alt.Axis(
            tickMinStep=1, format="d", tickCount=4, labelFontSize=FONT_SIZE,
            titleFontSize=FONT_SIZE)),
        color=alt.Color("state:N", title=None, scale=alt.Scale(
            domain=[gettext(s) for s in COMPLIANCE_COLOURS],
            range=list(COMPLIANCE_COLOURS.values()))),
        order=alt.Order("rank:Q"),
    ).properties(width=200, height=alt.Step(30)))


def render_svg(spec: dict, label: str) -> str:
    """Render a Vega-Lite spec to an SVG that reads as one image (role img, labelled)."""
    import vl_convert  # imported on first render: it loads a JavaScript engine

    svg = vl_convert.vegalite_to_svg(spec)
    return re.sub(r'class="marks"', f'class="marks chart" role="img" aria-label="{_attr(label)}" '
                                    'focusable="false"', svg, count=1)


def _attr(text: str) -> str:
    return (text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;"))


COHORT_COLOURS = tuple(OKABE_ITO[name] for name in ("blue", "vermillion", "green", "orange",
                                                    "sky", "purple", "grey"))


def cohort_spec(rows: Sequence[dict], *, gettext: Translate = english) -> dict:
    """Retention by years since intake, one line per intake cohort (suppressed cells left
    out). Each row has `intake_period`, `years_since_intake` and `retention` (0 to 1)."""
    data = [row for row in rows if row["retention"] is not None]
    intakes = sorted({row["intake_period"] for row in data})
    base = alt.Chart(alt.Data(values=data)).properties(width=WIDTH, height=200)
    colour = alt.Color("intake_period:N", title=gettext("Intake"), scale=alt.Scale(
        domain=intakes, range=list(COHORT_COLOURS[:len(intakes)] or COHORT_COLOURS[:1])))
    x = alt.X("years_since_intake:O", title=gettext("Years since intake"),
              axis=alt.Axis(labelAngle=0, labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE))
    y = alt.Y("retention:Q", title=gettext("Retention (still in training or completed)"),
              scale=alt.Scale(domain=[0, 1]),
              axis=alt.Axis(format=".0%", labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE))
    return _config(alt.layer(
        base.mark_line(strokeWidth=2).encode(x=x, y=y, color=colour),
        base.mark_point(filled=True, size=50, opacity=1).encode(x=x, y=y, color=colour)))
