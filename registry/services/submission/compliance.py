"""Which returns each college owes for a period, and where each one stands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session, joinedload

from registry.models import (
    ACCEPTANCE_LEVELS,
    Institution,
    Period,
    Programme,
    Return,
    ReturnVersion,
)
from registry.services.accounts.access import scope_to_actor
from registry.services.accounts.actors import Actor
from registry.services.register.institutions import RegisterFilters
from registry.services.register.periods import deadline_with

DONE_STATUSES = frozenset(ACCEPTANCE_LEVELS)


@dataclass(frozen=True)
class ComplianceRow:
    institution: Institution
    programme: Programme | None
    state: str  # missing | late | not_yet_due | pending | done | no_programme
    return_id: int | None
    version: int | None
    status: str | None
    received_at: datetime | None
    on_time: bool | None

    @property
    def standing(self) -> str:
        """One word for where it stands: the return's status once received, else its state."""
        return self.status or self.state


def expected_in(period: Period) -> ColumnElement[bool]:
    """Which programmes are expected to report for the period: registered, and started by
    the period's end."""
    return or_(Programme.start_date.is_(None), Programme.start_date <= period.ends_on)


def expected_programmes(session: Session, period: Period, institution_ids: list[int]):
    """The institutions' programmes expected to report for the period."""
    query = select(Programme).where(Programme.institution_id.in_(institution_ids),
                                    expected_in(period))
    return list(session.scalars(query))


def compliance(
    session: Session, actor: Actor, period: Period, now: datetime,
    colleges: RegisterFilters | None = None, standing: str | None = None,
) -> list[ComplianceRow]:
    """One row per college × expected programme (or per college without any programme),
    for the colleges and the standing (status, else state) asked for."""
    query = scope_to_actor(select(Institution).options(joinedload(Institution.university))
                           .order_by(Institution.code), actor)
    institutions = list(session.scalars((colleges or RegisterFilters()).apply(query)))
    ids = [i.id for i in institutions]
    programmes: dict[int, list[Programme]] = {}
    for programme in expected_programmes(session, period, ids):
        programmes.setdefault(programme.institution_id, []).append(programme)
    returns = _returns_by_programme(session, period, ids)
    extensions = {e.institution_id: e for e in period.extensions}  # one query, not one each
    rows = []
    for institution in institutions:
        own = sorted(programmes.get(institution.id, []), key=lambda p: p.code)
        if not own:
            rows.append(ComplianceRow(institution, None, "no_programme", None, None, None,
                                      None, None))
        deadline = deadline_with(period, extensions.get(institution.id))
        for programme in own:
            rows.append(_row(institution, programme, returns.get(programme.id), period,
                             deadline, now))
    return [row for row in rows if row.standing == standing] if standing else rows


def _row(institution, programme, found, period, deadline, now) -> ComplianceRow:
    if found is None:
        state = "late" if now > period.due_at else "not_yet_due"
        if now > deadline:
            state = "missing"
        return ComplianceRow(institution, programme, state, None, None, None, None, None)
    return_, first_received, latest_received = found
    state = "done" if return_.status in DONE_STATUSES else "pending"
    return ComplianceRow(institution, programme, state, return_.id, return_.latest_version,
                         return_.status, latest_received, first_received <= period.due_at)


def _returns_by_programme(session: Session, period: Period, institution_ids: list[int]):
    """programme id → (return, first and latest received_at) in two queries (the returns as
    rows of the four columns used: no ORM objects, which cost most of the page's time)."""
    returns = {r.id: r for r in session.execute(
        select(Return.id, Return.programme_id, Return.latest_version, Return.status).where(
            Return.period_id == period.id, Return.institution_id.in_(institution_ids)))}
    versions = session.execute(  # the times only: the payloads are not needed here
        select(ReturnVersion.return_id, ReturnVersion.received_at)
        .where(ReturnVersion.return_id.in_(list(returns)))
        .order_by(ReturnVersion.return_id, ReturnVersion.version))
    first: dict[int, datetime] = {}
    latest: dict[int, datetime] = {}
    for return_id, received_at in versions:
        first.setdefault(return_id, received_at)
        latest[return_id] = received_at
    return {r.programme_id: (r, first[r.id], latest[r.id]) for r in returns.values()
            if r.id in latest}


def summarise(rows: list[ComplianceRow]) -> dict[str, int]:
    """Counts per standing (the return's status, else its state), for the tracker's headline."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.standing] = counts.get(row.standing, 0) + 1
    return counts
