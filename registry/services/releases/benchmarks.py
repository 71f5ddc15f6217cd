"""Published benchmark cells, as the API and the public explorer read them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.indicators.strata import BREAKDOWN_SEPARATOR, DIMENSION_SETS, parse_stratum
from registry.models import BenchmarkCell, Period, Release
from registry.services.errors import NotFound, ValidationFailed
from registry.services.register.periods import get_period
from registry.services.releases.releases import latest_published, latest_published_by_period
from schemas.indicators import BY_CODE, HEADLINE


@dataclass(frozen=True)
class Explorer:
    """What the public explorer shows for one indicator × breakdown × period."""

    release: Release | None
    indicator: str
    breakdown: str
    cells: list[BenchmarkCell]
    headline: list[BenchmarkCell]


BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "national" if not dims else BREAKDOWN_SEPARATOR.join(dims): dims for dims in DIMENSION_SETS
}


def check_indicator(code: str) -> str:
    if code not in BY_CODE:
        raise ValidationFailed(f"Unknown indicator {code!r}.", {"indicator": ["not in the "
                                                                             "catalogue"]})
    return code


def published_cells(
    session: Session, *, period: str | None = None, indicator: str | None = None,
    stratum: str | None = None,
) -> list[tuple[Release, BenchmarkCell]]:
    """Cells of each period's newest published release, filtered."""
    if period:
        release = latest_published(session, get_period(session, period))
        releases = [release] if release else []
    else:
        releases = list(latest_published_by_period(session).values())
    if not releases:
        return []
    by_id = {r.id: r for r in releases}
    query = select(BenchmarkCell).where(BenchmarkCell.release_id.in_(list(by_id)))
    if indicator:
        query = query.where(BenchmarkCell.indicator == check_indicator(indicator))
    if stratum:
        query = query.where(BenchmarkCell.stratum == stratum)
    cells = session.scalars(query.order_by(BenchmarkCell.release_id, BenchmarkCell.indicator,
                                           BenchmarkCell.stratum))
    return [(by_id[c.release_id], c) for c in cells]


def explorer(session: Session, period: Period | None, indicator: str, breakdown: str) -> Explorer:
    """One indicator broken down one way, plus the national headline indicators."""
    check_indicator(indicator)
    if breakdown not in BREAKDOWNS:
        raise NotFound(f"No breakdown {breakdown!r}.")
    release = latest_published(session, period) if period else None
    if release is None:
        return Explorer(None, indicator, breakdown, [], [])
    dims = set(BREAKDOWNS[breakdown])
    cells = [c for c in session.scalars(select(BenchmarkCell).where(
        BenchmarkCell.release_id == release.id, BenchmarkCell.indicator == indicator)
        .order_by(BenchmarkCell.stratum)) if set(parse_stratum(c.stratum)) == dims]
    headline = list(session.scalars(select(BenchmarkCell).where(
        BenchmarkCell.release_id == release.id, BenchmarkCell.stratum == "national",
        BenchmarkCell.indicator.in_(HEADLINE))))
    headline.sort(key=lambda c: HEADLINE.index(c.indicator))
    return Explorer(release, indicator, breakdown, cells, headline)
