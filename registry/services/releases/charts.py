"""Charts of published figures, rendered once per release and chart, then served from memory.

Releases never change, so a chart keyed by the releases it draws on (and what it shows)
is valid for as long as the process lives; a new release brings new keys. The cache is
bounded, so rarely asked combinations fall out first. A chart is drawn in the language of
the request (flask-babel's; English outside a request, as for the PDF report), and the
language is part of every key.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence

from babel import Locale
from flask_babel import get_locale, gettext

from registry.indicators import charts
from registry.indicators.strata import breakdown_label, stratum_label
from registry.models import BenchmarkCell
from schemas.indicators import BY_CODE

CACHE_SIZE = 2048


class ChartCache:
    """A thread-safe least-recently-used map from a chart key to its rendered SVG."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self.renders = 0
        self._svgs: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], dict], label: str) -> str:
        """The SVG of `key` in the request's language, rendering `build()` only when it is not
        cached yet (languages of another script drawn in fonts of that script)."""
        locale = language()
        key = (str(locale), key)
        with self._lock:
            if key in self._svgs:
                self._svgs.move_to_end(key)
                return self._svgs[key]
        spec = build()
        if str(locale) in charts.SCRIPT_FONTS:
            spec.setdefault("config", {})["font"] = \
                f"{charts.SCRIPT_FONTS[str(locale)]}, {charts.FONT}"
            spec.setdefault("padding", charts.SCRIPT_PADDING)
        svg = charts.render_svg(spec, label)
        with self._lock:
            self.renders += 1
            self._svgs[key] = svg
            while len(self._svgs) > self.size:
                self._svgs.popitem(last=False)
        return svg

    def clear(self) -> None:
        """Forget every chart (tests)."""
        with self._lock:
            self._svgs.clear()


CACHE = ChartCache()


def language() -> Locale:
    """The language charts are drawn in: the request's, else English."""
    return get_locale() or Locale.parse("en")


def distribution_chart(release_id: int, indicator: str, breakdown: str,
                       cells: Sequence[BenchmarkCell], min_institutions: int) -> str:
    """One indicator's distribution in each stratum of a breakdown, from one release."""
    rows = [distribution_row(c, stratum_label(c.stratum, gettext), min_institutions)
            for c in cells]
    label = gettext("%(indicator)s %(breakdown)s: P10 to P90, P25 to P75 and median of college "
                    "values per group; the table below has the figures",
                    indicator=gettext(BY_CODE[indicator].name),
                    breakdown=breakdown_label(breakdown, gettext))
    return CACHE.get(("distribution", release_id, indicator, breakdown),
                     lambda: charts.distribution_spec(rows, BY_CODE[indicator], gettext=gettext),
                     label)


def distribution_row(cell, label: str, min_institutions: int,
                     marker: float | None = None) -> charts.DistributionRow:
    """A chart row from a benchmark cell (a model or a dict of its figures)."""
    get = cell.get if isinstance(cell, dict) else lambda f: getattr(cell, f)
    if get("suppression") != "none" or get("median") is None:
        note = charts.suppressed_note(get("suppression"), min_institutions, gettext) \
            if get("suppression") != "none" else gettext("no figure")
        return charts.DistributionRow(label, marker=marker, suppressed_note=note)
    return charts.DistributionRow(label, get("p10"), get("p25"), get("median"), get("p75"),
                                  get("p90"), marker)


def standing_charts(key: Hashable, rows: Iterable[dict], min_institutions: int
                    ) -> list[tuple[str, str]]:
    """A college's value against the national distribution: one chart per unit of measure.

    Returns (title, svg) pairs: all percentages on one chart, each other indicator alone;
    the families of need and improvement areas stay in the table beside them.
    """
    groups: dict[str, list[dict]] = {}
    for row in rows:
        if row["value"] is not None and row["national"] and not BY_CODE[row["indicator"]].family:
            unit = "percent" if row["kind"] == "proportion" else row["indicator"]
            groups.setdefault(unit, []).append(row)
    found = []
    for unit, members in groups.items():
        indicator = BY_CODE[members[0]["indicator"]]
        title = gettext("Percentages") if unit == "percent" else gettext(indicator.name)
        names = [r["name"] for r in members]
        chart_rows = [distribution_row(r["national"], gettext(name) if unit == "percent"
                                       else gettext("Nation"), min_institutions, r["value"])
                      for r, name in zip(members, names, strict=True)]
        label = gettext("%(title)s: your college (diamond) against the national distribution "
                        "of colleges; the table below has the figures", title=title)
        axis = gettext("Percent") if unit == "percent" else None
        found.append((title, CACHE.get(
            ("standing", key, unit), lambda rows=chart_rows, i=indicator, a=axis:
            charts.distribution_spec(rows, i, a, gettext=gettext), label)))
    return found


def series_chart(key: Hashable, indicator: str, points: Sequence[charts.SeriesPoint],
                 breaks: Sequence[str], label: str, *, intervals: bool = True) -> str:
    """Lines across periods (provisional and final points, breaks marked)."""
    return CACHE.get(("series", key, indicator), lambda: charts.series_spec(
        points, BY_CODE[indicator], breaks, intervals=intervals, gettext=gettext), label)


def sparkline(key: Hashable, points: Sequence[charts.SeriesPoint], label: str) -> str:
    """A small line of one series across periods."""
    return CACHE.get(("sparkline", key), lambda: charts.sparkline_spec(points), label)


def tile_map(key: Hashable, indicator: str, tiles: Sequence[dict], label: str) -> str:
    """The provinces and territories as tiles coloured by an indicator's value."""
    return CACHE.get(("tiles", key, indicator),
                     lambda: charts.tile_map_spec(tiles, BY_CODE[indicator], gettext=gettext),
                     label)


def compliance_chart(key: Hashable, rows: Sequence[dict], label: str) -> str:
    """Expected returns per province: submitted, late, missing."""
    return CACHE.get(("compliance", key), lambda: charts.compliance_spec(rows, gettext=gettext),
                     label)


def cohort_chart(rows: Sequence[dict], label: str) -> str:
    """Retention by years since intake, a line per intake cohort (keyed by its figures)."""
    key = ("cohorts", tuple((r["intake_period"], r["years_since_intake"], r["retention"])
                            for r in rows))
    return CACHE.get(key, lambda: charts.cohort_spec(rows, gettext=gettext), label)
