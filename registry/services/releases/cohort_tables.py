"""Cohort tables: retention and completion by intake period x years since intake.

Read from the cohort follow-up of v1.1 returns (a v1.0 return has none: its cohorts are
not collected). For each return, its latest version counts; a college sees every return
it sent, the nation only returns accepted by the quality checks or review. National cells
on fewer than min_people mentees, or from fewer than min_institutions colleges, are
suppressed, as benchmark cells are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.config import ReleaseSettings
from registry.models import ACCEPTANCE_LEVELS, Institution, Period, Return, ReturnVersion
from registry.services.accounts.access import can_read_institution
from registry.services.accounts.actors import Actor
from registry.services.errors import PermissionDenied
from schemas.paths import is_number
from schemas.reading import years_since_intake

COUNTED = ("at_start", "still_in_training", "completed")


@dataclass(frozen=True)
class CohortCell:
    """One intake period, some years after intake: its mentees and what became of them."""

    institutions: int
    at_start: int | None
    retained: int | None  # still in training or completed
    completed: int | None
    suppressed: bool = False

    @property
    def retention(self) -> float | None:
        return self.retained / self.at_start if self.at_start and not self.suppressed \
            and self.retained is not None else None

    @property
    def completion(self) -> float | None:
        return self.completed / self.at_start if self.at_start and not self.suppressed \
            and self.completed is not None else None


@dataclass(frozen=True)
class CohortTable:
    """Rows by intake period (oldest first), columns by whole years since intake."""

    intakes: tuple[str, ...]
    years: tuple[int, ...]
    cells: dict[tuple[str, int], CohortCell]

    def cell(self, intake: str, years: int) -> CohortCell | None:
        return self.cells.get((intake, years))

    def as_rows(self) -> list[dict]:
        """One dict per cell with its figures (for the API and exports)."""
        return [{"intake_period": intake, "years_since_intake": years,
                 "institutions": cell.institutions, "at_start": cell.at_start,
                 "retained": cell.retained, "completed": cell.completed,
                 "retention": cell.retention, "completion": cell.completion,
                 "suppressed": cell.suppressed}
                for (intake, years), cell in sorted(self.cells.items())]


def college_cohort_table(session: Session, actor: Actor, institution: Institution) -> CohortTable:
    """The college's own cohorts, from every return it sent (latest versions)."""
    if not can_read_institution(actor, institution):
        raise PermissionDenied(f"{actor.label} may not see the cohorts of {institution.code}.")
    payloads = _latest_payloads(session, Return.institution_id == institution.id)
    return _table(payloads, settings=None)


def national_cohort_table(session: Session, settings: ReleaseSettings) -> CohortTable:
    """Every college's cohorts from accepted returns, small cells suppressed."""
    payloads = _latest_payloads(session, Return.status.in_(ACCEPTANCE_LEVELS))
    return _table(payloads, settings)


def _latest_payloads(session: Session, condition) -> list[tuple[int, str, dict]]:
    rows = session.execute(
        select(Return.institution_id, Period.code, ReturnVersion.payload)
        .join(Period, Period.id == Return.period_id)
        .join(ReturnVersion, (ReturnVersion.return_id == Return.id)
              & (ReturnVersion.version == Return.latest_version))
        .where(condition, ReturnVersion.schema_version != "1.0"))
    return [(institution, period, payload) for institution, period, payload in rows]


def _table(payloads: list[tuple[int, str, dict]], settings: ReleaseSettings | None
           ) -> CohortTable:
    sums: dict[tuple[str, int], dict[str, int | None]] = defaultdict(
        lambda: dict.fromkeys(COUNTED, 0))
    colleges: dict[tuple[str, int], set[int]] = defaultdict(set)
    for institution, period, payload in payloads:
        for cohort in (payload.get("cohort_follow_up") or {}).get("cohorts", []):
            years = years_since_intake(period, cohort["intake_period"])
            if years is None or years < 0:
                continue
            key = (cohort["intake_period"], years)
            colleges[key].add(institution)
            for name in COUNTED:
                _add(sums[key], name, cohort.get(name))
    cells = {key: _cell(values, len(colleges[key]), settings) for key, values in sums.items()}
    return CohortTable(tuple(sorted({intake for intake, _ in cells})),
                       tuple(sorted({years for _, years in cells})), cells)


def _add(totals: dict[str, int | None], name: str, value: object) -> None:
    """Add a count; a reason code makes the total unknown (None)."""
    if totals[name] is None:
        return
    totals[name] = totals[name] + value if is_number(value) else None


def _cell(values: dict[str, int | None], institutions: int,
          settings: ReleaseSettings | None) -> CohortCell:
    retained = (values["still_in_training"] + values["completed"]
                if values["still_in_training"] is not None and values["completed"] is not None
                else None)
    suppressed = settings is not None and (
        institutions < settings.min_institutions
        or values["at_start"] is None or values["at_start"] < settings.min_people)
    if suppressed:
        return CohortCell(institutions, None, None, None, suppressed=True)
    return CohortCell(institutions, values["at_start"], retained, values["completed"])
