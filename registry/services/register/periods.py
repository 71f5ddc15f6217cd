"""Reporting periods, their submission windows and extensions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Extension, Institution, Period, Return, ReturnStatus, Role
from registry.services.accounts.access import require_role
from registry.services.accounts.actors import Actor
from registry.services.accounts.audit import record_event
from registry.services.errors import Conflict, NotFound, ValidationFailed
from schemas.validation import SUPPORTED_VERSIONS, VERSION_PATH


def list_periods(session: Session) -> list[Period]:
    return list(session.scalars(select(Period).order_by(Period.starts_on)))


def periods_with_returns(session: Session, status: str | None = None) -> list[str]:
    """Codes of the periods that have returns (optionally: returns in a status), oldest first."""
    query = select(Period.code).join(Return, Return.period_id == Period.id)
    if status is not None:
        query = query.where(Return.status == status)
    return list(session.scalars(query.group_by(Period.code, Period.starts_on)
                                .order_by(Period.starts_on)))


def periods_awaiting_checks(session: Session) -> list[str]:
    """Codes of the periods that have returns waiting for their quality check."""
    return periods_with_returns(session, ReturnStatus.SUBMITTED)


def open_periods(session: Session, now: datetime) -> list[Period]:
    """Periods whose submission window is open at `now`, newest first."""
    periods = session.scalars(select(Period).order_by(Period.starts_on.desc()))
    return [p for p in periods if p.opens_at <= now <= p.closes_at]


def get_period(session: Session, code: str) -> Period:
    period = session.scalar(select(Period).where(Period.code == code))
    if period is None:
        raise NotFound(f"No reporting period {code!r}.")
    return period


def create_period(
    session: Session,
    actor: Actor,
    *,
    code: str,
    name: str,
    starts_on: date,
    ends_on: date,
    opens_at: datetime,
    closes_at: datetime,
    due_at: datetime,
    standard_versions: Sequence[str] | None = None,
) -> Period:
    """Open a new reporting period (regulator); it accepts standard 1.0 unless told otherwise."""
    require_role(actor, Role.REGULATOR, Role.ADMIN)
    problems = _version_problems(standard_versions) if standard_versions is not None else {}
    if ends_on < starts_on:
        problems["ends_on"] = ["must not be before starts_on"]
    if not opens_at <= due_at <= closes_at:
        problems["due_at"] = ["must lie between opens_at and closes_at"]
    if problems:
        raise ValidationFailed("The period's dates are inconsistent.", problems)
    if session.scalar(select(Period.id).where(Period.code == code)) is not None:
        raise Conflict(f"Period {code} already exists.")
    period = Period(code=code, name=name, starts_on=starts_on, ends_on=ends_on,
                    opens_at=opens_at, closes_at=closes_at, due_at=due_at)
    if standard_versions is not None:
        period.standard_versions = _ordered(standard_versions)
    session.add(period)
    session.flush()
    record_event(session, actor, "period.create", "period", code,
                 after=f"window {opens_at.isoformat()} – {closes_at.isoformat()}; standard "
                       f"{', '.join(period.standard_versions)}")
    return period


def set_standard_versions(
    session: Session, actor: Actor, period: Period, versions: Sequence[str]
) -> Period:
    """Change which return standard versions a period accepts (regulator).

    Returns already stored keep their version; only new submissions are checked.
    """
    require_role(actor, Role.REGULATOR, Role.ADMIN)
    problems = _version_problems(versions)
    if problems:
        raise ValidationFailed("The period's standard versions are not valid.", problems)
    before = ", ".join(period.standard_versions)
    period.standard_versions = _ordered(versions)
    session.flush()
    record_event(session, actor, "period.standard_versions", "period", period.code,
                 before=before, after=", ".join(period.standard_versions))
    return period


def _version_problems(versions: Sequence[str]) -> dict[str, list[str]]:
    unknown = [v for v in versions if v not in SUPPORTED_VERSIONS]
    if unknown or not versions:
        return {"standard_versions": [
            f"give one or more of {', '.join(SUPPORTED_VERSIONS)}"
            + (f"; unknown: {', '.join(map(str, unknown))}" if unknown else "")]}
    return {}


def _ordered(versions: Sequence[str]) -> list[str]:
    return [v for v in SUPPORTED_VERSIONS if v in versions]


def require_version_accepted(period_code: str, accepted: Sequence[str], version: str) -> None:
    """Raise ValidationFailed (422) unless the period accepts the return's standard version."""
    if version in accepted:
        return
    names = " and ".join(accepted)
    raise ValidationFailed(
        f"Period {period_code} accepts returns in data standard version {names}; this "
        f"return follows version {version}.",
        {VERSION_PATH: [f"period {period_code} accepts version {names} only, not {version}"]})


def grant_extension(
    session: Session, actor: Actor, period: Period, institution: Institution,
    until: datetime, reason: str,
) -> Extension:
    """Let one institution submit after the window closes, until a later moment."""
    require_role(actor, Role.REGULATOR, Role.ADMIN)
    if until <= period.closes_at:
        raise ValidationFailed("An extension must end after the window closes.",
                               {"until": [f"must be after {period.closes_at.isoformat()}"]})
    extension = session.scalar(select(Extension).where(
        Extension.period_id == period.id, Extension.institution_id == institution.id))
    before = extension.until.isoformat() if extension else None
    if extension is None:
        extension = Extension(period=period, institution=institution, until=until,
                              reason=reason, granted_by=actor.label)
        session.add(extension)
    else:
        extension.until, extension.reason, extension.granted_by = until, reason, actor.label
    session.flush()
    record_event(session, actor, "period.extension", "period", period.code, before=before,
                 after=f"{institution.code} until {until.isoformat()}")
    return extension


def submission_deadline(session: Session, period: Period, institution: Institution) -> datetime:
    """The moment this institution's window closes, counting any extension."""
    extension = session.scalar(select(Extension).where(
        Extension.period_id == period.id, Extension.institution_id == institution.id))
    return deadline_with(period, extension)


def deadline_with(period: Period, extension: Extension | None) -> datetime:
    """The period's closing moment, moved by the institution's extension if it has one."""
    return max(period.closes_at, extension.until) if extension else period.closes_at


def require_window_open(period: Period, deadline: datetime, now: datetime) -> None:
    """Raise Conflict (409) unless `now` lies between the opening and the deadline."""
    if now < period.opens_at or now > deadline:
        extended = deadline != period.closes_at
        raise Conflict(
            f"Period {period.code} accepts returns from {period.opens_at.isoformat()} "
            f"to {deadline.isoformat()}"
            + (" (extended for this institution)" if extended else "")
            + f"; it is now {now.isoformat()}.",
            {"header.period_code": ["submission window is closed"]},
        )


def newest_accepted(period: Period) -> str:
    """The newest standard version the period accepts (what its templates and web form use)."""
    accepted = [v for v in period.standard_versions or () if v in SUPPORTED_VERSIONS]
    return max(accepted, key=SUPPORTED_VERSIONS.index, default=SUPPORTED_VERSIONS[0])
