"""An institution's comparison: its values, its peers' aggregates, the national distribution.

Read from a published release, where the pipeline stored everything a comparison needs.
Other colleges' values never leave this module individually: peer figures are shown only
when at least `min_institutions` other institutions stand behind them.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.indicators.figures import InstitutionResult
from registry.indicators.stats import QUANTILES
from registry.indicators.strata import NATIONAL, stratum_code
from registry.models import BenchmarkCell, Institution, Period, Release
from registry.services.accounts.access import can_read_institution
from registry.services.accounts.actors import Actor
from registry.services.errors import NotFound, PermissionDenied
from registry.services.register.peer_groups import get_peer_group
from registry.services.releases.institution_figures import (
    institution_results,
    results_across_releases,
    results_of_institutions,
)
from registry.services.releases.releases import latest_published
from registry.services.releases.series import indicator_series
from schemas.indicators import BY_CODE, CATALOGUE

NATIONAL_FIELDS = ("institutions", "median", "p10", "p25", "p75", "p90", "mean", "pooled_rate",
                   "ci_low", "ci_high", "suppression")


def require_comparison_access(actor: Actor, institution: Institution) -> None:
    """A college sees only its own comparison; a university its colleges'; the regulator all."""
    if not can_read_institution(actor, institution):
        raise PermissionDenied(f"{actor.label} may not see the comparison of {institution.code}.")


def comparison(
    session: Session, actor: Actor, institution: Institution, period: Period,
    peer_group_id: int | None = None, *, release: Release | None = None,
) -> dict:
    """The institution's comparison for a period, from the period's latest published release
    (or from `release`, an unpublished one the caller has let the actor preview)."""
    require_comparison_access(actor, institution)
    release = release or latest_published(session, period)
    if release is None:
        raise NotFound(f"No published release for period {period.code} yet.")
    return release_comparison(session, actor, institution, release, peer_group_id)


def release_comparison(
    session: Session, actor: Actor, institution: Institution, release: Release,
    peer_group_id: int | None = None,
) -> dict:
    """The institution's comparison in one given release (published or not: the pipeline
    renders Feedback Reports before a release is published)."""
    require_comparison_access(actor, institution)
    period = release.period
    rows = {r.indicator: r for r in institution_results(session, release.id, institution.id)}
    peer = _peer_stratum(institution)
    cells = _cells(session, release, ("national", peer))
    custom = _custom_peers(session, actor, release, institution, peer_group_id)
    indicators = [_indicator(code, rows[code], cells, peer, release, custom)
                  for code in (i.code for i in CATALOGUE) if code in rows]
    return {"institution": institution.code, "name": institution.name, "period": period.code,
            "release": {"id": release.id, "number": release.number, "kind": release.kind},
            "peer_group": custom["group"] if custom else {
                "id": None, "name": f"{institution.type.capitalize()} "
                                    f"{institution.sector} colleges", "stratum": peer},
            "min_institutions": release.min_institutions, "indicators": indicators}


def _peer_stratum(institution: Institution) -> str:
    return stratum_code([("type", institution.type), ("sector", institution.sector)])


def _cells(session: Session, release: Release, strata) -> dict[tuple[str, str], BenchmarkCell]:
    found = session.scalars(select(BenchmarkCell).where(
        BenchmarkCell.release_id == release.id, BenchmarkCell.stratum.in_(strata)))
    return {(c.indicator, c.stratum): c for c in found}


def _indicator(code, row: InstitutionResult, cells, peer, release: Release, custom) -> dict:
    indicator = BY_CODE[code]
    national = cells.get((code, "national"))
    others = row.peer_institutions - (row.value is not None)
    peers_ok = others >= release.min_institutions
    return {
        "indicator": code, "name": indicator.name, "unit": indicator.unit,
        "better": indicator.better, "kind": indicator.kind, "value": row.value,
        "numerator": row.numerator, "denominator": row.denominator, "returns": row.returns,
        "ci_low": row.ci_low, "ci_high": row.ci_high, "missing_reason": row.missing_reason,
        "small_denominator": bool(indicator.people_denominator and row.denominator is not None
                                  and row.denominator < release.min_people),
        "percentile": row.percentile,
        "national": {f: getattr(national, f) for f in NATIONAL_FIELDS} if national else None,
        "peers": (custom["figures"].get(code) if custom else
                  _default_peers(row, cells.get((code, peer)), peers_ok)),
        "adjusted": {"expected": row.expected, "p_value": row.expected_p, "flag": row.flag},
        "contribution": ({"median": row.contribution_median, "pooled": row.contribution_pooled}
                         if peers_ok and not custom else None),
        "by_level": row.by_level,
    }


def _default_peers(row: InstitutionResult, cell: BenchmarkCell | None, allowed: bool) -> dict:
    if not allowed:
        return {"institutions": None, "withheld": "fewer_peers_than_minimum"}
    published = cell is not None and cell.suppression == "none"
    return {"institutions": row.peer_institutions, "median": row.peer_median,
            "pooled_rate": row.peer_pooled,
            "p25": cell.p25 if published else None, "p75": cell.p75 if published else None,
            "withheld": None}


def _custom_peers(session, actor, release, institution, group_id) -> dict | None:
    """Aggregates of a custom peer group, indicator by indicator (≥ minimum others)."""
    if group_id is None:
        return None
    group = get_peer_group(session, actor, group_id)
    member_ids = [m.institution_id for m in group.members]
    values: dict[str, list[InstitutionResult]] = {}
    for row in results_of_institutions(session, release.id, member_ids):
        if row.value is not None:
            values.setdefault(row.indicator, []).append(row)
    figures = {code: _aggregate(rows, institution.id, release.min_institutions)
               for code, rows in values.items()}
    return {"group": {"id": group.id, "name": group.name, "members": len(member_ids)},
            "figures": figures}


def _aggregate(rows: list[InstitutionResult], own_id: int, minimum: int) -> dict:
    others = [r for r in rows if r.institution_id != own_id]
    if len(others) < minimum:
        return {"institutions": None, "withheld": "fewer_peers_than_minimum"}
    ordered = np.sort([r.value for r in rows])
    p25, median, p75 = (float(x) for x in np.quantile(ordered, (QUANTILES[1], QUANTILES[2],
                                                                QUANTILES[3])))
    denominator = sum(r.denominator for r in rows)
    return {"institutions": len(rows), "median": median, "p25": p25, "p75": p75,
            "pooled_rate": sum(r.numerator for r in rows) / denominator if denominator else None,
            "withheld": None}


def trend(session: Session, actor: Actor, institution: Institution, indicator: str) -> list[dict]:
    """Per period with a published release: the institution's value, the national median and
    quartiles, and its default peers' median (only when enough other colleges stand behind it)."""
    require_comparison_access(actor, institution)
    national = indicator_series(session, indicator)
    own = results_across_releases(session, [p.release_id for p in national], institution.id,
                                  indicator)
    points = []
    for point in national:
        mine, cell = own.get(point.release_id), point.figures[NATIONAL] or {}
        points.append({"period": point.period, "release": point.release,
                       "status": point.status,
                       "break_before": point.break_before,
                       "value": mine.value if mine else None,
                       "national_median": cell.get("median"), "p25": cell.get("p25"),
                       "p75": cell.get("p75"),
                       "peer_median": peer_median(mine, point.min_institutions)})
    return points


def peer_median(row: InstitutionResult | None, minimum: int) -> float | None:
    """The default peers' median, when at least `minimum` other colleges stand behind it."""
    if row is None or row.peer_institutions - (row.value is not None) < minimum:
        return None
    return row.peer_median
