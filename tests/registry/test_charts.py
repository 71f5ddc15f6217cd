"""Chart specifications read as data (encodings, scales, marks), and their rendering."""

from __future__ import annotations

import re

import altair as alt
import jsonschema
import pytest

from registry.indicators import charts
from registry.indicators.strata import breakdown_label
from registry.reference_data import PROVINCES
from registry.services.releases.benchmarks import BREAKDOWNS
from registry.services.releases.charts import ChartCache
from schemas.indicators import BY_CODE

COVERAGE = BY_CODE["coverage"]
MEETINGS = BY_CODE["meetings_per_pair"]
ROWS = [charts.DistributionRow("Punjab", 0.4, 0.5, 0.6, 0.7, 0.8, marker=0.65),
        charts.DistributionRow("Dental · Azad Jammu and Kashmir",
                               suppressed_note=charts.suppressed_note("primary", 5))]


def layer(spec: dict, mark: str, **where) -> dict:
    """The one layer drawing `mark` whose mark properties include `where`."""
    found = [lay for lay in spec["layer"] if lay["mark"]["type"] == mark
             and all(lay["mark"].get(k) == v for k, v in where.items())]
    assert len(found) == 1, (mark, where, [lay["mark"] for lay in spec["layer"]])
    return found[0]


def test_a_rate_is_drawn_on_a_percent_axis_from_zero_to_one_hundred():
    spec = charts.distribution_spec(ROWS, COVERAGE)
    x = layer(spec, "rule")["encoding"]["x"]
    assert x["axis"]["format"] == ".0%" and x["axis"]["tickCount"] == 5
    assert x["axis"]["title"] == "Coverage (percent of eligible)"
    assert x["scale"]["domain"] == [0, 1] and x["scale"]["zero"] is True


def test_a_chart_of_several_rates_titles_its_axis_plainly():
    x = layer(charts.distribution_spec(ROWS, COVERAGE, "Percent"), "rule")["encoding"]["x"]
    assert x["axis"]["title"] == "Percent" and x["axis"]["format"] == ".0%"


def test_a_count_rate_axis_starts_at_zero_and_reaches_past_the_data():
    rows = [charts.DistributionRow("National", 1, 2, 3, 4, 9.5, marker=12.0)]
    x = layer(charts.distribution_spec(rows, MEETINGS), "rule")["encoding"]["x"]
    assert x["axis"]["format"] == ",.2~f"
    assert x["scale"]["domain"][0] == 0 and x["scale"]["domain"][1] >= 12.0


def test_the_boxes_span_the_quartiles_and_the_line_the_tenth_to_ninetieth_percentile():
    spec = charts.distribution_spec(ROWS, COVERAGE)
    rule, bar = layer(spec, "rule")["encoding"], layer(spec, "bar")["encoding"]
    assert (rule["x"]["field"], rule["x2"]["field"]) == ("p10", "p90")
    assert (bar["x"]["field"], bar["x2"]["field"]) == ("p25", "p75")
    assert layer(spec, "tick")["encoding"]["x"]["field"] == "median"


def test_a_suppressed_group_is_drawn_as_an_explicit_note_not_as_a_box():
    spec = charts.distribution_spec(ROWS, COVERAGE)
    note = layer(spec, "text", fontStyle="italic")
    assert note["encoding"]["text"]["field"] == "suppressed_note"
    assert note["transform"] == [{"filter": "datum.suppressed_note != null"}]
    assert {"filter": "datum.suppressed_note == null && datum.median != null"} in \
        layer(spec, "bar")["transform"]
    rows = {r["label"]: r for r in spec["data"]["values"]}
    assert rows["Dental · Azad Jammu and Kashmir"]["suppressed_note"] == \
        "suppressed (fewer than 5 colleges)"


def test_labels_sit_above_their_row_at_full_length():
    spec = charts.distribution_spec(ROWS, COVERAGE)
    label = layer(spec, "text", baseline="bottom")
    assert label["encoding"]["text"]["field"] == "label"
    assert label["mark"]["limit"] == charts.WIDTH  # as wide as the plot: never cut short
    assert label["encoding"]["y"]["axis"] is None  # no second copy squeezed at the left


def test_the_college_is_marked_only_when_there_is_a_value_to_mark():
    marked = charts.distribution_spec(ROWS, COVERAGE)
    point = layer(marked, "point")
    assert point["encoding"]["x"]["field"] == "marker" and point["mark"]["shape"] == "diamond"
    assert "Your college" in point["encoding"]["color"]["scale"]["domain"]
    plain = charts.distribution_spec([charts.DistributionRow("Punjab", 0.1, 0.2, 0.3, 0.4, 0.5)],
                                     COVERAGE)
    assert all(lay["mark"]["type"] != "point" for lay in plain["layer"])


def test_the_expected_value_is_marked_only_when_there_is_one():
    rows = [charts.DistributionRow("Nation", 0.1, 0.2, 0.3, 0.4, 0.5, marker=0.35,
                                   expected=0.45)]
    spec = charts.distribution_spec(rows, COVERAGE)
    expected = layer(spec, "point", shape="triangle-down")
    assert expected["encoding"]["x"]["field"] == "expected"
    assert all(lay["mark"].get("shape") != "triangle-down"
               for lay in charts.distribution_spec(ROWS, COVERAGE)["layer"])


def test_colours_come_from_the_colour_blind_safe_palette():
    points = [charts.SeriesPoint(s, "2024-25", 0.5) for s in charts.SERIES_COLOURS]
    spec = charts.series_spec(points, COVERAGE)
    scale = layer(spec, "line")["encoding"]["color"]["scale"]
    assert set(scale["range"]) <= set(charts.OKABE_ITO.values())
    assert dict(zip(scale["domain"], scale["range"], strict=True)) == charts.SERIES_COLOURS


def test_a_series_marks_provisional_points_by_shape_and_breaks_by_a_dashed_rule():
    points = [charts.SeriesPoint("National", "2023-24", 0.5, "final", 0.45, 0.55),
              charts.SeriesPoint("National", "2024-25", 0.6, "provisional", 0.55, 0.65)]
    spec = charts.series_spec(points, COVERAGE, breaks=["2024-25"])
    shape = layer(spec, "point")["encoding"]["shape"]
    assert shape["field"] == "status"
    assert shape["scale"]["domain"] == ["final", "provisional"]
    rule = [lay for lay in spec["layer"] if lay["mark"].get("strokeDash")]
    assert len(rule) == 1
    assert layer(spec, "line")["encoding"]["x"]["sort"] == ["2023-24", "2024-25"]
    interval = layer(spec, "rule", strokeWidth=1.5)["encoding"]
    assert (interval["y"]["field"], interval["y2"]["field"]) == ("low", "high")


def test_many_periods_tilt_their_labels_so_they_never_overlap():
    periods = [f"{y}-{(y + 1) % 100:02d}" for y in range(2016, 2026)]
    few = charts.series_spec([charts.SeriesPoint("National", p, 0.5) for p in periods[:4]],
                             COVERAGE)
    many = charts.series_spec([charts.SeriesPoint("National", p, 0.5) for p in periods],
                              COVERAGE)
    assert layer(few, "line")["encoding"]["x"]["axis"]["labelAngle"] == 0
    assert layer(many, "line")["encoding"]["x"]["axis"]["labelAngle"] == -40


def test_the_tile_map_places_each_province_once_and_greys_suppressed_ones():
    tiles = [{"code": code, "name": name, "value": None if code == "GB" else 0.5,
              "suppressed_note": "suppressed" if code == "GB" else None}
             for code, name in PROVINCES.items()]
    spec = charts.tile_map_spec(tiles, COVERAGE)
    values = spec["data"]["values"]
    assert len({(t["col"], t["row"]) for t in values}) == len(PROVINCES) == len(values)
    assert next(t for t in values if t["code"] == "GB")["shown"] == "suppressed"
    assert next(t for t in values if t["code"] == "PB")["dark"] is False  # 50 % of 100 %
    coloured = [lay for lay in spec["layer"] if lay["mark"]["type"] == "rect"
                and "color" in lay["encoding"]]
    assert coloured[0]["transform"] == [{"filter": "datum.value != null"}]
    assert coloured[0]["encoding"]["color"]["legend"]["format"] == ".0%"


def test_dark_tiles_of_a_count_rate_get_white_text():
    tiles = [{"code": "PB", "name": "Punjab", "value": 5.2}, {"code": "SD", "name": "Sindh",
                                                              "value": 1.0}]
    values = {t["code"]: t for t in charts.tile_map_spec(tiles, MEETINGS)["data"]["values"]}
    assert values["PB"]["dark"] is True and values["SD"]["dark"] is False
    assert values["PB"]["shown"] == "5.20"


def test_compliance_bars_stack_in_a_fixed_order_of_states():
    rows = [{"province": "Punjab", "state": s, "n": 2} for s in charts.COMPLIANCE_COLOURS]
    encoding = charts.compliance_spec(rows)["encoding"]
    assert encoding["x"]["stack"] == "zero" and encoding["order"]["field"] == "rank"
    assert encoding["color"]["scale"]["domain"] == list(charts.COMPLIANCE_COLOURS)
    assert encoding["y"]["axis"]["labelLimit"] == 0  # province names never cut


def test_rendering_gives_an_accessible_svg_without_inline_styles_or_scripts():
    svg = charts.render_svg(charts.distribution_spec(ROWS, COVERAGE), 'Coverage "by" <group>')
    assert svg.startswith("<svg") and svg.count("<svg") == 1
    assert 'role="img" aria-label="Coverage &quot;by&quot; &lt;group&gt;"' in svg
    assert not re.search(r"\sstyle=", svg) and "<script" not in svg  # the CSP forbids both
    assert "suppressed (fewer than 5 colleges)" in svg and ">80%<" in svg
    assert len(re.findall(r'class="[^"]*"', svg.split(">", 1)[0])) == 1


def test_the_cache_renders_a_chart_once_per_key_and_forgets_the_oldest():
    cache = ChartCache(size=2)
    spec = charts.sparkline_spec([charts.SeriesPoint("National", p, v)
                                  for p, v in (("a", 0.1), ("b", 0.2))])
    first = cache.get(("r1", "x"), lambda: spec, "x")
    assert cache.get(("r1", "x"), lambda: 1 / 0, "x") == first  # not built again
    cache.get(("r2", "x"), lambda: spec, "x")
    cache.get(("r3", "x"), lambda: spec, "x")
    assert cache.renders == 3
    cache.get(("r1", "x"), lambda: spec, "x")
    assert cache.renders == 4


def test_breakdowns_read_as_words():
    assert [breakdown_label(b) for b in BREAKDOWNS][:6] == [
        "national", "by college type", "by sector", "by province", "by programme level",
        "by college type and sector"]


def every_kind_of_chart() -> dict[str, dict]:
    tiles = [{"code": c, "name": n, "value": 0.5} for c, n in PROVINCES.items()]
    series = [charts.SeriesPoint("National", "2024-25", 0.5, "final", 0.4, 0.6)]
    return {
        "distribution": charts.distribution_spec(ROWS, COVERAGE),
        "series": charts.series_spec(series, COVERAGE, breaks=["2024-25"]),
        "sparkline": charts.sparkline_spec(series * 2),
        "tiles": charts.tile_map_spec(tiles, COVERAGE),
        "compliance": charts.compliance_spec([{"province": "Punjab", "state": "Late", "n": 1}]),
        "cohorts": charts.cohort_spec(COHORT_ROWS),
    }


COHORT_ROWS = [{"intake_period": "2024-25", "years_since_intake": 0, "retention": 1.0},
               {"intake_period": "2024-25", "years_since_intake": 1, "retention": 0.9},
               {"intake_period": "2023-24", "years_since_intake": 1, "retention": None}]


def test_a_cohort_chart_draws_a_line_per_intake_and_leaves_out_suppressed_cells():
    spec = charts.cohort_spec(COHORT_ROWS)
    assert [row["retention"] for row in spec["data"]["values"]] == [1.0, 0.9]
    assert spec["layer"][0]["encoding"]["color"]["field"] == "intake_period"


@pytest.mark.parametrize("kind", ["distribution", "series", "sparkline", "tiles", "compliance",
                                  "cohorts"])
def test_every_kind_of_chart_is_a_valid_vega_lite_specification(kind):
    jsonschema.validate(every_kind_of_chart()[kind], alt.load_schema())


def test_a_sparkline_spans_at_least_a_tenth_of_its_largest_value():
    assert charts.sparkline_domain([0.776, 0.778]) == pytest.approx([0.7381, 0.8159])
    assert charts.sparkline_domain([0.5, 0.9]) == pytest.approx([0.5, 0.9])


ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")


def drawn_words(spec: dict) -> list[str]:
    """Every title, legend entry and drawn word of a spec (not field names or codes)."""
    found = []

    def walk(node, key=None):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key in ("title", "domain", "text", "shown", "lines",
                                               "series", "status", "state", "province",
                                               "label", "suppressed_note", "part"):
            found.append(node.strip("'\""))
    walk(spec)
    return [word for word in found if re.search(r"[A-Za-z]{3}", word) or ARABIC_SCRIPT.search(word)]


def test_a_chart_built_in_urdu_carries_urdu_titles_legends_and_notes(app):
    from flask_babel import gettext

    app.config["LANGUAGES"] = ("en", "ur")
    tiles = [{"code": c, "name": n, "value": 0.5} for c, n in PROVINCES.items()]
    tiles[0] = {**tiles[0], "value": None, "suppressed": True}
    series = [charts.SeriesPoint("National", "2024-25", 0.5, "final", 0.4, 0.6),
              charts.SeriesPoint("National", "2025-26", 0.6, "provisional", 0.5, 0.7)]
    with app.test_request_context(headers={"Accept-Language": "ur"}):
        rows = [charts.DistributionRow(gettext("Punjab"), 0.4, 0.5, 0.6, 0.7, 0.8, marker=0.65),
                charts.DistributionRow(gettext("Dental"), suppressed_note=charts.suppressed_note(
                    "primary", 5, gettext))]
        specs = {
            "distribution": charts.distribution_spec(rows, COVERAGE, gettext=gettext),
            "series": charts.series_spec(series, COVERAGE, ["2025-26"], gettext=gettext),
            "tiles": charts.tile_map_spec(tiles, COVERAGE, gettext=gettext),
            "compliance": charts.compliance_spec(
                [{"province": "Punjab", "state": "Late", "n": 1}], gettext=gettext),
            "cohorts": charts.cohort_spec(COHORT_ROWS, gettext=gettext),
        }
        urdu_legend = gettext("P10 to P90 of colleges")
    assert ARABIC_SCRIPT.search(urdu_legend)
    assert urdu_legend in specs["distribution"]["layer"][0]["encoding"]["color"]["scale"]["domain"]
    for kind, spec in specs.items():
        words = drawn_words(spec)
        english = [w for w in words if not ARABIC_SCRIPT.search(w)]
        assert words and not english, (kind, english)


def test_a_chart_built_without_a_language_is_in_english():
    words = drawn_words(charts.distribution_spec(ROWS, COVERAGE))
    assert "P10 to P90 of colleges" in words and "suppressed (fewer than 5 colleges)" in words
    assert not any(ARABIC_SCRIPT.search(word) for word in words)


def test_a_series_keeps_its_colour_when_its_name_arrives_translated(app):
    from flask_babel import gettext

    app.config["LANGUAGES"] = ("en", "ur")
    with app.test_request_context(headers={"Accept-Language": "ur"}):
        names = ("National", gettext("Peers"))
        named = [charts.SeriesPoint(name, "2024-25", 0.5) for name in names]
        spec = charts.series_spec(named, COVERAGE, gettext=gettext)
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    assert scale["range"] == [charts.SERIES_COLOURS["National"], charts.SERIES_COLOURS["Peers"]]
