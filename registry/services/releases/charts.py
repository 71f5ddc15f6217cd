"""Charts of published figures: drawn once, then served from memory or from the database.

A chart's key is a digest of what it draws (its kind, data and label), the language it is
drawn in and the renderer (the chart code, altair, vl-convert and the translations), so it
names the same SVG in any database and any process: a new release brings new figures and
so new keys, and a key never names a stale chart. The benchmarks pipeline draws the
default views' charts when it publishes a release and stores them
(registry/services/releases/stored_charts.py); a page's first request reads them, and any
other chart is drawn on request into a bounded memory cache (a GET never writes). A chart
is drawn in the language of the request (flask-babel's; English outside a request, as for
the PDF report).
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from babel import Locale
from flask_babel import get_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.indicators import charts
from registry.indicators.strata import breakdown_label, stratum_label
from registry.models import BenchmarkCell, StoredChart
from schemas.indicators import BY_CODE

if TYPE_CHECKING:
    from registry.services.releases.benchmarks import Explorer

CACHE_SIZE = 2048
TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
# The charts drawn while recording() is on: key → (language, svg)
_DRAWN: ContextVar[dict[str, tuple[str, str]] | None] = ContextVar("charts_drawn", default=None)


@functools.cache
def renderer() -> str:
    """A digest of what turns data into an SVG: the chart code, altair and vl-convert, and
    the compiled translations (a stored chart of an older renderer is never served)."""
    digest = hashlib.sha256(Path(charts.__file__).read_bytes())
    for package in ("altair", "vl-convert-python"):
        digest.update(f"{package} {version(package)}".encode())
    for catalogue in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/*.mo")):
        digest.update(catalogue.read_bytes())
    return digest.hexdigest()


def chart_key(language: str, key: tuple, label: str) -> str:
    """The key of a chart: a digest of what it draws, its label, language and renderer."""
    return hashlib.sha256(f"{renderer()}\n{language}\n{label}\n{key!r}".encode()).hexdigest()


class ChartCache:
    """A thread-safe least-recently-used map from a chart key to its rendered SVG."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self.renders = 0
        self._svgs: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, build: Callable[[], dict], label: str,
            session: Session | None = None) -> str:
        """The SVG of the chart `key` describes (what it draws) in the request's language:
        from memory, else stored (when given a session), else rendered from `build()`."""
        locale = str(language())
        digest = chart_key(locale, key, label)
        with self._lock:
            svg = self._svgs.get(digest)
            if svg is not None:
                self._svgs.move_to_end(digest)
        if svg is None:
            svg = stored_svg(session, digest) if session is not None else None
            if svg is None:
                svg = draw(build, locale, label)
                self.renders += 1
            self._keep(digest, svg)
        drawn = _DRAWN.get()
        if drawn is not None:
            drawn[digest] = (locale, svg)
        return svg

    def _keep(self, digest: str, svg: str) -> None:
        with self._lock:
            self._svgs[digest] = svg
            while len(self._svgs) > self.size:
                self._svgs.popitem(last=False)

    def clear(self) -> None:
        """Forget every chart (tests, and a process standing in for a fresh one)."""
        with self._lock:
            self._svgs.clear()


CACHE = ChartCache()


def draw(build: Callable[[], dict], locale: str, label: str) -> str:
    """Render a chart's spec (languages of another script drawn in fonts of that script)."""
    spec = build()
    if locale in charts.SCRIPT_FONTS:
        spec.setdefault("config", {})["font"] = f"{charts.SCRIPT_FONTS[locale]}, {charts.FONT}"
        spec.setdefault("padding", charts.SCRIPT_PADDING)
    return charts.render_svg(spec, label)


def language() -> Locale:
    """The language charts are drawn in: the request's, else English."""
    return get_locale() or Locale.parse("en")


def stored_svg(session: Session, key: str) -> str | None:
    """The SVG the pipeline stored under a chart key, if any (a read only)."""
    return session.scalar(select(StoredChart.svg).where(StoredChart.key == key))


@contextmanager
def recording() -> Iterator[dict[str, tuple[str, str]]]:
    """Collect every chart drawn or served in the block: key → (language, svg)."""
    drawn: dict[str, tuple[str, str]] = {}
    token = _DRAWN.set(drawn)
    try:
        yield drawn
    finally:
        _DRAWN.reset(token)


def _rows(dicts: Iterable[dict]) -> tuple:
    """Dicts as a key: their items in a fixed order."""
    return tuple(tuple(sorted(d.items())) for d in dicts)


def distribution_chart(indicator: str, breakdown: str, cells: Sequence[BenchmarkCell],
                       min_institutions: int, session: Session | None = None) -> str:
    """One indicator's distribution in each stratum of a breakdown, from one release."""
    rows = [distribution_row(c, stratum_label(c.stratum, gettext), min_institutions)
            for c in cells]
    label = gettext("%(indicator)s %(breakdown)s: P10 to P90, P25 to P75 and median of college "
                    "values per group; the table below has the figures",
                    indicator=gettext(BY_CODE[indicator].name),
                    breakdown=breakdown_label(breakdown, gettext))
    return CACHE.get(("distribution", indicator, tuple(rows)),
                     lambda: charts.distribution_spec(rows, BY_CODE[indicator], gettext=gettext),
                     label, session)


def explorer_chart(session: Session, view: Explorer) -> str | None:
    """The explorer's chart of one indicator by one breakdown (None without figures)."""
    if view.release is None or not view.cells:
        return None
    return distribution_chart(view.indicator, view.breakdown, view.cells,
                              view.release.min_institutions, session)


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


def standing_charts(rows: Iterable[dict], min_institutions: int) -> list[tuple[str, str]]:
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
            ("standing", indicator.code, tuple(chart_rows), axis),
            lambda rows=chart_rows, i=indicator, a=axis:
            charts.distribution_spec(rows, i, a, gettext=gettext), label)))
    return found


def series_chart(indicator: str, points: Sequence[charts.SeriesPoint], breaks: Sequence[str],
                 label: str, *, intervals: bool = True, session: Session | None = None) -> str:
    """Lines across periods (provisional and final points, breaks marked)."""
    return CACHE.get(("series", indicator, tuple(points), tuple(breaks), intervals),
                     lambda: charts.series_spec(points, BY_CODE[indicator], breaks,
                                                intervals=intervals, gettext=gettext),
                     label, session)


def sparkline(points: Sequence[charts.SeriesPoint], label: str,
              session: Session | None = None) -> str:
    """A small line of one series across periods."""
    return CACHE.get(("sparkline", tuple(points)), lambda: charts.sparkline_spec(points), label,
                     session)


def tile_map(indicator: str, tiles: Sequence[dict], label: str,
             session: Session | None = None) -> str:
    """The provinces and territories as tiles coloured by an indicator's value."""
    return CACHE.get(("tiles", indicator, _rows(tiles)),
                     lambda: charts.tile_map_spec(tiles, BY_CODE[indicator], gettext=gettext),
                     label, session)


def compliance_chart(rows: Sequence[dict], label: str, session: Session | None = None) -> str:
    """Expected returns per province: submitted, late, missing."""
    return CACHE.get(("compliance", _rows(rows)),
                     lambda: charts.compliance_spec(rows, gettext=gettext), label, session)


def cohort_chart(rows: Sequence[dict], label: str) -> str:
    """Retention by years since intake, a line per intake cohort."""
    return CACHE.get(("cohorts", _rows(rows)), lambda: charts.cohort_spec(rows, gettext=gettext),
                     label)
