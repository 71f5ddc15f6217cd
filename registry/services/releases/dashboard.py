"""The regulator's national dashboard: headline indicators, trends, provinces, compliance.

Indicator figures come from published releases only (each period's newest); compliance and
quality from the live returns of the current period. Charts are keyed by what they draw;
those of the unfiltered views are drawn when releases are published and stored
(registry/services/releases/stored_charts.py), the others on request
(registry/services/releases/charts.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.indicators.charts import SeriesPoint as ChartPoint
from registry.indicators.charts import suppressed_note
from registry.indicators.strata import (
    DIMENSION_LABELS,
    DIMENSION_SETS,
    DIMENSIONS,
    NATIONAL,
    stratum_code,
    stratum_label,
)
from registry.models import Institution, Period, Return, Role
from registry.reference_data import PROVINCES
from registry.services.accounts.access import require_role
from registry.services.accounts.actors import Actor
from registry.services.errors import ValidationFailed
from registry.services.quality.quality_board import top_rules
from registry.services.releases import charts
from registry.services.releases.series import SeriesPoint, series_of
from registry.services.submission.compliance import ComplianceRow, compliance
from schemas.indicators import BY_CODE, HEADLINE

FILTERS = ("type", "sector", "province", "level")
COMPLIANCE_STATES = {"done": "Submitted", "pending": "Submitted", "late": "Late",
                     "missing": "Missing", "not_yet_due": "Not yet due"}


@dataclass(frozen=True)
class Headline:
    """One headline indicator in the latest period: value, interval, change, sparkline."""

    indicator: str
    name: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    previous_period: str | None
    change: float | None
    note: str | None
    sparkline: str | None
    trend: str | None
    points: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class NationalDashboard:
    """Everything the national dashboard page shows for one choice of filters."""

    stratum: str
    label: str
    period: str | None
    release: int | None
    status: str | None
    headlines: list[Headline]
    province_indicator: str
    province_map: str | None
    province_rows: list[dict]
    compliance_period: Period | None
    compliance_chart: str | None
    compliance_rows: list[dict]
    rules: list[dict]


def filter_stratum(filters: dict[str, str | None]) -> str:
    """The stratum the filters select; refuse unknown values and unpublished combinations."""
    pairs = [(d, filters[d]) for d in FILTERS if filters.get(d)]
    for dimension, value in pairs:
        if value not in DIMENSIONS[dimension]:
            raise ValidationFailed(
                gettext("Unknown %(dimension)s %(value)s.",
                        dimension=gettext(DIMENSION_LABELS[dimension]).lower(),
                        value=repr(value)),
                {dimension: list(DIMENSIONS[dimension])})
    if tuple(d for d, _ in pairs) not in DIMENSION_SETS:
        raise ValidationFailed(
            gettext("Figures are published nationally, for each filter alone, and for college "
                    "type with sector, level or province, and sector with level: choose fewer "
                    "filters."),
            {d: ["not published in this combination"] for d, _ in pairs})
    return stratum_code(pairs)


def national_dashboard(session: Session, actor: Actor, filters: dict[str, str | None],
                       now: datetime, province_indicator: str | None = None) -> NationalDashboard:
    """The dashboard for the filters: published indicators, compliance and quality now."""
    require_role(actor, Role.REGULATOR, Role.ADMIN)
    stratum = filter_stratum(filters)
    shown = province_indicator if province_indicator in BY_CODE else HEADLINE[0]
    series = series_of(session, HEADLINE, (stratum,))
    latest = series[HEADLINE[0]][-1] if series[HEADLINE[0]] else None
    period = _current_period(session)
    rows = _filtered(compliance(session, actor, period, now), filters) if period else []
    tiles, tile_map = province_map(session, shown, filters)
    return NationalDashboard(
        stratum, stratum_label(stratum), latest.period if latest else None,
        latest.release if latest else None, latest.status if latest else None,
        [_headline(session, code, series[code], stratum) for code in HEADLINE], shown,
        tile_map, tiles, period, _compliance_chart(session, period, rows), _by_province(rows),
        top_rules(session, actor, period) if period else [])


def province_map(session: Session, code: str, filters: dict[str, str | None]
                 ) -> tuple[list[dict], str | None]:
    """An indicator's latest published figure per province (within the college type if
    filtered) and their tile map; none when another filter is set."""
    strata = _province_strata(filters)
    points = series_of(session, [code], strata)[code] if strata else []
    tiles = _tiles(points, filters)
    return tiles, _tile_map(session, code, points[-1] if points else None, tiles, filters)


def _province_strata(filters: dict[str, str | None]) -> list[str]:
    """The province cells the tile map reads: per province, within the college type if set."""
    if filters.get("sector") or filters.get("level") or filters.get("province"):
        return []
    base = [("type", filters["type"])] if filters.get("type") else []
    return [stratum_code([*base, ("province", p)]) for p in PROVINCES]


def _headline(session: Session, code: str, points: list[SeriesPoint], stratum: str
              ) -> Headline:
    figures = [(p, p.figures.get(stratum)) for p in points]
    last, cell = figures[-1] if figures else (None, None)
    before = figures[-2] if len(figures) > 1 else (None, None)
    value = _published(cell)
    earlier = _published(before[1])
    chart_points = [_chart_point(stratum_label(stratum, gettext), p, c) for p, c in figures]
    return Headline(
        code, BY_CODE[code].name, value, cell and cell["ci_low"], cell and cell["ci_high"],
        before[0].period if before[0] else None,
        value - earlier if value is not None and earlier is not None else None,
        _note(cell, last), _sparkline(session, code, chart_points),
        _trend(session, code, chart_points, points),
        [{"period": p.period, "status": p.status, "break_before": p.break_before, **(c or {})}
         for p, c in figures])


def _chart_point(series: str, point: SeriesPoint, cell: dict | None) -> ChartPoint:
    """A chart point: the published pooled rate and its interval, or a gap."""
    value = _published(cell)
    if value is None:
        return ChartPoint(series, point.period, None, point.status)
    return ChartPoint(series, point.period, value, point.status, cell["ci_low"], cell["ci_high"])


def _published(cell: dict | None) -> float | None:
    """A cell's pooled rate when it may be shown."""
    if not cell or cell["suppression"] != "none" or cell["rate_withheld"]:
        return None
    return cell["pooled_rate"]


def _note(cell: dict | None, point: SeriesPoint | None) -> str | None:
    if point is None:
        return gettext("no published release yet")
    if cell is None:
        return gettext("no figure for this group")
    if cell["suppression"] != "none":
        return suppressed_note(cell["suppression"], point.min_institutions, gettext)
    return gettext("rate not shown: too few people") if cell["rate_withheld"] else None


def _sparkline(session: Session, code: str, points: list[ChartPoint]) -> str | None:
    if sum(p.value is not None for p in points) < 2:
        return None
    label = gettext("%(indicator)s across %(periods)s periods",
                    indicator=gettext(BY_CODE[code].name), periods=len(points))
    return charts.sparkline(points, label, session)


def _trend(session: Session, code: str, chart_points: list[ChartPoint],
           points: list[SeriesPoint]) -> str | None:
    if not any(p.value is not None for p in chart_points):
        return None
    breaks = [p.period for p in points if p.break_before]
    label = gettext("%(indicator)s across periods with its 95 %% interval; triangles are "
                    "provisional releases; the table beside it has the figures",
                    indicator=gettext(BY_CODE[code].name))
    return charts.series_chart(code, chart_points, breaks, label, session=session)


def _tiles(points: list[SeriesPoint], filters: dict[str, str | None]) -> list[dict]:
    """The latest release's figure per province (within the college type if filtered)."""
    strata = _province_strata(filters)
    if not points or not strata:
        return []
    last = points[-1]
    tiles = []
    for code, stratum in zip(PROVINCES, strata, strict=True):
        cell = last.figures.get(stratum)
        tiles.append({"code": code, "name": PROVINCES[code], "value": _published(cell),
                      "institutions": cell["institutions"] if cell else None,
                      "suppressed": bool(cell) and cell["suppression"] != "none",
                      "suppressed_note": _note(cell, last) if _published(cell) is None
                      else None})
    return tiles


def _tile_map(session: Session, code: str, latest: SeriesPoint | None, tiles: list[dict],
              filters) -> str | None:
    if not tiles or latest is None:
        return None
    college_type = filters.get("type") or ""
    within = gettext(" (%(type)s colleges)", type=gettext(college_type)) if college_type else ""
    label = gettext("%(indicator)s by province%(within)s, %(period)s: tiles placed roughly as "
                    "on a map; the table beside it has the figures",
                    indicator=gettext(BY_CODE[code].name), within=within, period=latest.period)
    return charts.tile_map(code, tiles, label, session)


def _current_period(session: Session) -> Period | None:
    """The newest period: the one whose returns are coming in."""
    return session.scalar(select(Period).order_by(Period.starts_on.desc()).limit(1))


def _filtered(rows: list[ComplianceRow], filters: dict[str, str | None]) -> list[ComplianceRow]:
    """Rows of expected returns matching the filters (level by the programme's level)."""
    def keep(row: ComplianceRow) -> bool:
        college = row.institution
        return (row.programme is not None
                and filters.get("type") in (None, "", college.type)
                and filters.get("sector") in (None, "", college.sector)
                and filters.get("province") in (None, "", college.province_code)
                and filters.get("level") in (None, "", row.programme.level))
    return [row for row in rows if keep(row)]


def _by_province(rows: list[ComplianceRow]) -> list[dict]:
    """Per province: expected returns submitted, late, missing and not yet due."""
    table = {code: dict.fromkeys(dict.fromkeys(COMPLIANCE_STATES.values()), 0)
             for code in PROVINCES}
    for row in rows:
        table[row.institution.province_code][COMPLIANCE_STATES[row.state]] += 1
    return [{"code": code, "province": PROVINCES[code], **counts}
            for code, counts in table.items() if sum(counts.values())]


def _compliance_chart(session: Session, period: Period | None, rows: list[ComplianceRow]
                      ) -> str | None:
    counts = _by_province(rows)
    if period is None or not counts:
        return None
    data = [{"province": r["province"], "state": state, "n": r[state]}
            for r in counts for state in dict.fromkeys(COMPLIANCE_STATES.values())]
    label = gettext("Expected returns by province, %(period)s: submitted, late, missing and not "
                    "yet due; the table beside it has the figures", period=period.code)
    return charts.compliance_chart(data, label, session)


@dataclass(frozen=True)
class NationalPicture:
    """The public front page's figures: the latest published release's headline indicators."""

    period: str | None
    release: int | None
    status: str | None
    headlines: list[Headline]
    colleges: dict[str, int]


def national_picture(session: Session) -> NationalPicture:
    """Headline national indicators of the newest published release, with their series."""
    series = series_of(session, HEADLINE, (NATIONAL,))
    latest = series[HEADLINE[0]][-1] if series[HEADLINE[0]] else None
    return NationalPicture(
        latest.period if latest else None, latest.release if latest else None,
        latest.status if latest else None,
        [_headline(session, code, series[code], NATIONAL) for code in HEADLINE],
        registered_colleges(session))


@dataclass(frozen=True)
class PeriodFigures:
    period: Period
    returns: int
    institutions_reporting: int
    by_status: dict[str, int]


def period_figures(session: Session) -> list[PeriodFigures]:
    """Returns and reporting colleges per period, with their status breakdown."""
    counts = session.execute(
        select(Return.period_id, Return.status, func.count(), func.count(
            Return.institution_id.distinct()))
        .group_by(Return.period_id, Return.status)
    ).all()
    reporting = dict(session.execute(
        select(Return.period_id, func.count(Return.institution_id.distinct()))
        .group_by(Return.period_id)).all())
    figures = []
    for period in session.scalars(select(Period).order_by(Period.starts_on)):
        by_status = {status: n for pid, status, n, _ in counts if pid == period.id}
        figures.append(PeriodFigures(period, sum(by_status.values()),
                                     reporting.get(period.id, 0), by_status))
    return figures


def registered_colleges(session: Session) -> dict[str, int]:
    """Colleges on the register by type."""
    return dict(session.execute(select(Institution.type, func.count())
                                .group_by(Institution.type)).all())
