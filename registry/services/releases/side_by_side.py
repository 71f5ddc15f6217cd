"""A university's affiliated colleges side by side on the headline indicators of a period.

Values come from the period's latest published release, as the pipeline stored them per
institution; nothing is recomputed from returns. A rate whose denominator counts fewer
people than the release's minimum is not published here either: its value never leaves
this module, and the university's own reference figures are taken over the published
college values only, so an unpublished value cannot be worked back out of them.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.indicators.figures import InstitutionResult
from registry.indicators.strata import NATIONAL
from registry.models import (
    BenchmarkCell,
    Institution,
    Period,
    Release,
    Return,
    Role,
    University,
)
from registry.services.accounts.actors import Actor
from registry.services.errors import NotFound, PermissionDenied
from registry.services.releases.institution_figures import results_of_institutions
from registry.services.releases.releases import latest_published, latest_published_by_period
from registry.services.submission.compliance import DONE_STATUSES, expected_programmes
from schemas.cells import escape_text
from schemas.indicators import BY_CODE, HEADLINE, Indicator

SHOWN = "shown"
NOT_PUBLISHED = "not_published"
SUPPRESSED = "suppressed"
MISSING = "missing"
# Return states from nothing received to everything accepted, for sorting.
RETURN_STATES = ("none_received", "partly_received", "received", "done", "no_programme")
SORTS = ("college", "status", *HEADLINE)


@dataclass(frozen=True)
class Figure:
    """One table cell: a value when shown, else why not (the hidden value is not kept)."""

    state: str
    value: float | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ReturnSummary:
    """A college's returns for the period against the programmes expected to report."""

    expected: int
    received: int
    by_status: dict[str, int]
    state: str


@dataclass(frozen=True)
class CollegeRow:
    institution: Institution
    returns: ReturnSummary
    figures: dict[str, Figure]


@dataclass(frozen=True)
class ReferenceRow:
    key: str
    label: str
    figures: dict[str, Figure]


@dataclass(frozen=True)
class SideBySide:
    """The page's table and what its selectors offer."""

    university: University | None
    period: Period | None
    release: Release | None
    indicators: tuple[Indicator, ...]
    colleges: list[CollegeRow]
    references: list[ReferenceRow]
    sort: str
    descending: bool
    periods: list[Period] = field(default_factory=list)
    universities: list[University] = field(default_factory=list)


def side_by_side(
    session: Session, actor: Actor, university_code: str | None = None,
    period_code: str | None = None, sort: str = "college", descending: bool = False,
) -> SideBySide:
    """The university's colleges side by side for a period (the newest published by default)."""
    university = choose_university(session, actor, university_code)
    periods = list(session.scalars(select(Period).order_by(Period.starts_on)))
    period = _choose_period(session, periods, period_code)
    sort = sort if sort in SORTS else "college"
    table = SideBySide(university, period, None, (), [], [], sort, descending, periods,
                       _universities(session, actor))
    if university is None or period is None:
        return table
    colleges = list(session.scalars(select(Institution).where(
        Institution.university_id == university.id).order_by(Institution.code)))
    release = latest_published(session, period)
    indicators = tuple(BY_CODE[c] for c in HEADLINE) if release else ()
    results = _results(session, release, colleges)
    returns = _return_summaries(session, period, colleges)
    rows = [CollegeRow(c, returns[c.id], {i.code: _figure(i, results.get((c.id, i.code)),
                                                           release) for i in indicators})
            for c in colleges]
    references = _references(session, release, indicators, rows, results) if release else []
    return SideBySide(university, period, release, indicators,
                      sort_rows(rows, sort, descending), references, sort, descending,
                      periods, table.universities)


def choose_university(session: Session, actor: Actor, code: str | None) -> University | None:
    """A reviewer's own university; any asked for by the regulator (None until one is)."""
    if actor.role == Role.UNIVERSITY:
        own = session.get(University, actor.university_id or 0)
        if own is None or (code and code != own.code):
            raise PermissionDenied(f"{actor.label} may see only its own university's colleges.")
        return own
    if not actor.is_national:
        raise PermissionDenied("Only a university reviewer or the regulator sees colleges "
                               "side by side.")
    if not code:
        return None
    university = session.scalar(select(University).where(University.code == code))
    if university is None:
        raise NotFound(f"There is no university with code {code!r}.")
    return university


def _universities(session: Session, actor: Actor) -> list[University]:
    query = select(University).order_by(University.code)
    if not actor.is_national:
        query = query.where(University.id == actor.university_id)
    return list(session.scalars(query))


def _choose_period(session: Session, periods: list[Period], code: str | None) -> Period | None:
    """The period asked for, else the newest with a published release, else the newest."""
    if code:
        found = next((p for p in periods if p.code == code), None)
        if found is None:
            raise NotFound(f"There is no reporting period {code!r}. Choose one from the list.")
        return found
    published = latest_published_by_period(session)
    with_release = [p for p in periods if p.id in published]
    return (with_release or periods or [None])[-1]


def _results(session: Session, release: Release | None, colleges: list[Institution]):
    if release is None or not colleges:
        return {}
    return {(r.institution_id, r.indicator): r for r in results_of_institutions(
        session, release.id, [c.id for c in colleges], HEADLINE)}


def _figure(indicator: Indicator, row: InstitutionResult | None, release: Release) -> Figure:
    """A college's stored value, unless it is missing or rests on too few people."""
    if row is None:
        return Figure(MISSING, reason="no_counted_return")
    if row.value is None:
        return Figure(MISSING, reason=row.missing_reason or "not_reported")
    if _too_few_people(indicator, row.denominator, release):
        return Figure(NOT_PUBLISHED, reason="fewer_people_than_minimum")
    return Figure(SHOWN, row.value)


def _too_few_people(indicator: Indicator, denominator: float | None, release: Release) -> bool:
    return bool(indicator.people_denominator and denominator is not None
                and denominator < release.min_people)


def _return_summaries(session: Session, period: Period,
                      colleges: list[Institution]) -> dict[int, ReturnSummary]:
    ids = [c.id for c in colleges]
    expected = Counter(p.institution_id for p in expected_programmes(session, period, ids))
    statuses: dict[int, Counter] = {i: Counter() for i in ids}
    for institution_id, status in session.execute(select(
            Return.institution_id, Return.status).where(
            Return.period_id == period.id, Return.institution_id.in_(ids))):
        statuses[institution_id][status] += 1
    return {i: _summary(expected[i], statuses[i]) for i in ids}


def _summary(expected: int, statuses: Counter) -> ReturnSummary:
    received = sum(statuses.values())
    if not expected and not received:
        state = "no_programme"
    elif not received:
        state = "none_received"
    elif received < expected:
        state = "partly_received"
    else:
        state = "done" if set(statuses) <= DONE_STATUSES else "received"
    return ReturnSummary(expected, received, dict(sorted(statuses.items())), state)


def _references(session, release, indicators, rows, results) -> list[ReferenceRow]:
    """The university's median and pooled rate over published values; the national median."""
    cells = {c.indicator: c for c in session.scalars(select(BenchmarkCell).where(
        BenchmarkCell.release_id == release.id, BenchmarkCell.stratum == NATIONAL,
        BenchmarkCell.indicator.in_([i.code for i in indicators])))}
    median, pooled, national = {}, {}, {}
    for indicator in indicators:
        shown = [results[(row.institution.id, indicator.code)] for row in rows
                 if row.figures[indicator.code].state == SHOWN]
        median[indicator.code] = _median(shown)
        pooled[indicator.code] = _pooled(indicator, shown, release)
        national[indicator.code] = _national(cells.get(indicator.code))
    return [ReferenceRow("university_median", "University median", median),
            ReferenceRow("university_pooled", "University pooled rate", pooled),
            ReferenceRow("national_median", "National median", national)]


def _median(shown: list[InstitutionResult]) -> Figure:
    if not shown:
        return Figure(MISSING, reason="no_published_college_values")
    return Figure(SHOWN, float(np.median([r.value for r in shown])))


def _pooled(indicator: Indicator, shown: list[InstitutionResult], release: Release) -> Figure:
    """Σ numerators / Σ denominators of the published college values."""
    denominator = sum(r.denominator or 0.0 for r in shown)
    if not shown or not denominator:
        return Figure(MISSING, reason="no_published_college_values")
    if _too_few_people(indicator, denominator, release):
        return Figure(NOT_PUBLISHED, reason="fewer_people_than_minimum")
    return Figure(SHOWN, sum(r.numerator or 0.0 for r in shown) / denominator)


def _national(cell: BenchmarkCell | None) -> Figure:
    if cell is None or (cell.suppression == "none" and cell.median is None):
        return Figure(MISSING, reason="no_national_value")
    if cell.suppression != "none":
        return Figure(SUPPRESSED, reason=f"{cell.suppression}_suppression")
    return Figure(SHOWN, cell.median)


def sort_rows(rows: list[CollegeRow], sort: str, descending: bool) -> list[CollegeRow]:
    """Sort by college, return state or an indicator; unshown values always come last."""
    if sort == "college":
        return sorted(rows, key=lambda r: (r.institution.name, r.institution.code),
                      reverse=descending)
    if sort == "status":
        return sorted(rows, key=lambda r: (RETURN_STATES.index(r.returns.state),
                                           r.institution.code), reverse=descending)
    shown = [r for r in rows if r.figures[sort].state == SHOWN]
    hidden = [r for r in rows if r.figures[sort].state != SHOWN]
    shown.sort(key=lambda r: r.institution.code)
    shown.sort(key=lambda r: r.figures[sort].value, reverse=descending)
    return shown + sorted(hidden, key=lambda r: r.institution.code)


def to_csv(table: SideBySide) -> str:
    """The same table as CSV: display-scale values, a note where a value is not shown."""
    out = io.StringIO()
    writer = csv.writer(out)
    head = ["row", "institution", "name", "returns_expected", "returns_received",
            "return_state"]
    for indicator in table.indicators:
        head += [f"{indicator.code} ({_unit(indicator)})", f"{indicator.code} note"]
    writer.writerow(head)
    for row in table.colleges:
        writer.writerow(_safe(["college", row.institution.code, row.institution.name,
                               row.returns.expected, row.returns.received, row.returns.state,
                               *_csv_figures(table.indicators, row.figures)]))
    for ref in table.references:
        writer.writerow(_safe([ref.key, "", ref.label, "", "", "",
                               *_csv_figures(table.indicators, ref.figures)]))
    return out.getvalue()


def _unit(indicator: Indicator) -> str:
    return "percent" if indicator.kind == "proportion" else indicator.unit


def _csv_figures(indicators, figures: dict[str, Figure]) -> list:
    cells: list = []
    for indicator in indicators:
        figure = figures[indicator.code]
        if figure.state == SHOWN:
            cells += [round(figure.value * indicator.scale, 4), ""]
        else:
            note = figure.state.replace("_", " ")
            cells += ["", f"{note}: {figure.reason.replace('_', ' ')}" if figure.reason
                      else note]
    return cells


def _safe(cells: list) -> list[str]:
    """Every cell as text a spreadsheet will not run as a formula."""
    return [escape_text(str(cell)) for cell in cells]
