"""Figures for the regulator's national dashboard, computed in a few grouped queries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.models import Institution, Period, Return


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


def province_reporting(session: Session, period: Period) -> list[tuple[str, int, int]]:
    """(province, colleges reporting in the period, colleges on the register)."""
    registered = dict(session.execute(
        select(Institution.province_code, func.count()).group_by(Institution.province_code)
    ).all())
    reporting = dict(session.execute(
        select(Institution.province_code, func.count(Institution.id.distinct()))
        .join(Return, Return.institution_id == Institution.id)
        .where(Return.period_id == period.id)
        .group_by(Institution.province_code)
    ).all())
    return sorted(((p, reporting.get(p, 0), n) for p, n in registered.items()),
                  key=lambda row: -row[2])
