"""Time series of an indicator: its national and stratum figures across published releases.

One point per period, taken from that period's newest published release (a final release
outranks the provisional one). A point marks a break when the release's catalogue or
method version differs from the previous point's, or when the return standard versions
the indicator was computed from (the release's versions among those the indicator names)
read its source fields differently from the previous point's (schemas.reading: a version
that changed the meaning of a field the indicator reads), so values on either side are
not comparable without care. A v1 indicator computed alike from v1.0 and v1.1 returns
does not break where v1.1 returns arrive; a cohort indicator's series starts, without a
break, at its first period with a source.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.indicators.strata import NATIONAL, all_strata
from registry.models import BenchmarkCell, Release
from registry.services.errors import NotFound, ValidationFailed
from registry.services.releases.releases import (
    latest_published_by_period,
    release_standard_versions,
)
from schemas.indicators import BY_CODE
from schemas.reading import source_readings

FIGURES = ("institutions", "returns", "pooled_rate", "ci_low", "ci_high", "p10", "p25",
           "median", "p75", "p90", "mean", "suppression", "rate_withheld")
KNOWN_STRATA = frozenset(all_strata())
CACHE_SIZE = 512  # sets of cells kept in memory (a few kilobytes each)


@dataclass(frozen=True)
class SeriesPoint:
    """One period of a series: its release and the figures of each stratum asked for."""

    period: str
    release_id: int
    release: int
    status: str  # provisional | final
    catalogue_version: str
    method_version: str
    break_before: bool
    min_institutions: int
    figures: dict[str, dict | None]  # stratum → cell figures (None when not published)
    standard_versions: tuple[str, ...] = ()  # the indicator's source versions in the release
    break_reasons: tuple[str, ...] = ()  # catalogue_version, method_version, standard_versions


def check_series_args(indicator: str, stratum: str) -> None:
    """Refuse an unknown indicator (NotFound) or stratum (ValidationFailed)."""
    if indicator not in BY_CODE:
        raise NotFound(f"No indicator {indicator!r} in the catalogue.")
    if stratum not in KNOWN_STRATA:
        raise ValidationFailed(f"Unknown stratum {stratum!r}.", {"stratum": [
            "Use 'national' or dimension=value pairs joined by ';', e.g. "
            "'sector=public' or 'type=medical;level=postgraduate'."]})


def published_releases(session: Session) -> list[Release]:
    """Each period's newest published release, oldest period first."""
    releases = latest_published_by_period(session).values()
    return sorted(releases, key=lambda r: r.period.starts_on)


def indicator_series(session: Session, indicator: str,
                     stratum: str = NATIONAL) -> list[SeriesPoint]:
    """The indicator's national and stratum figures in every period with a published release."""
    check_series_args(indicator, stratum)
    return series_of(session, [indicator], (NATIONAL, stratum))[indicator]


def series_of(session: Session, indicators: Sequence[str], strata: Sequence[str]
              ) -> dict[str, list[SeriesPoint]]:
    """Several indicators' series over the same strata: one query for the published releases;
    their cells and standard versions come from memory after the first time (releases
    never change, and a new or withdrawn release changes the key)."""
    releases = published_releases(session)
    strata = tuple(dict.fromkeys(strata))
    keys = tuple(release_key(r) for r in releases)
    cells = _CELLS.get((keys, tuple(indicators), strata), lambda: _cells(
        session, [r.id for r in releases], indicators, strata))
    standards = {r.id: _STANDARDS.get(release_key(r), lambda r=r: tuple(
        release_standard_versions(session, r))) for r in releases}
    return {code: _points(releases, code, strata, cells, standards) for code in indicators}


def release_key(release: Release) -> tuple:
    """What identifies a release's content in a process-wide cache: its id and when it was
    built (ids repeat across databases, build times do not)."""
    return release.id, release.built_at, release.checksum_sha256


class _Memo:
    """A small thread-safe least-recently-used map (values computed outside the lock)."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._values: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, compute):
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = compute()
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value


_CELLS = _Memo()
_STANDARDS = _Memo(size=4096)


BREAK_KEYS = ("catalogue_version", "method_version", "standard_versions")


def _points(releases: list[Release], indicator: str, strata: tuple[str, ...],
            cells: dict[tuple[int, str, str], dict],
            standards: dict[int, tuple[str, ...]]) -> list[SeriesPoint]:
    readable, paths = BY_CODE[indicator].standard_versions, BY_CODE[indicator].paths
    points, previous = [], None
    for release in releases:
        sources = tuple(v for v in standards[release.id] if v in readable)
        versions = (release.catalogue_version, release.method_version, sources)
        compared = (*versions[:2], source_readings(paths, sources))
        reasons = () if previous is None else tuple(
            key for key, now, before in zip(BREAK_KEYS, compared, previous, strict=True)
            if now != before and (key != "standard_versions" or (now and before)))
        points.append(SeriesPoint(
            release.period.code, release.id, release.number, release.kind, *versions[:2],
            bool(reasons), release.min_institutions,
            {s: cells.get((release.id, indicator, s)) for s in strata}, sources, reasons))
        previous = compared
    return points


def _cells(session: Session, release_ids: list[int], indicators: Sequence[str],
           strata: tuple[str, ...]) -> dict[tuple[int, str, str], dict]:
    found = session.scalars(select(BenchmarkCell).where(
        BenchmarkCell.release_id.in_(release_ids), BenchmarkCell.indicator.in_(indicators),
        BenchmarkCell.stratum.in_(strata)))
    return {(c.release_id, c.indicator, c.stratum): {f: getattr(c, f) for f in FIGURES}
            for c in found}
