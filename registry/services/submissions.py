"""Submitting returns: validate against the standard, then append a new version."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.models import (
    IdempotencyRecord,
    Institution,
    Period,
    Programme,
    Return,
    ReturnStatus,
    ReturnVersion,
)
from registry.services import pipeline_trigger
from registry.services import programmes as programme_service
from registry.services.access import require_college_of
from registry.services.actors import Actor
from registry.services.audit import record_event
from registry.services.errors import Conflict, ValidationFailed
from registry.services.periods import check_window_open
from schemas import ReturnValidationError, validate_return


@dataclass(frozen=True)
class CheckedReturn:
    """A return that passed every check a submission makes."""

    payload: dict
    institution: Institution
    period: Period
    programme: Programme | None


@dataclass(frozen=True)
class SubmissionResult:
    return_: Return
    version: ReturnVersion
    replayed: bool = False


def payload_digest(payload: dict) -> str:
    """SHA-256 of the canonical JSON form of a payload."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_return(
    session: Session, actor: Actor, payload: object, now: datetime | None = None
) -> CheckedReturn:
    """Make every check a submission makes, storing nothing (the dry run uses this)."""
    try:
        validate_return(payload)
    except ReturnValidationError as exc:
        raise ValidationFailed("The return does not meet the data standard; "
                               "see error.fields.", exc.errors) from exc
    header = payload["header"]
    institution = _institution(session, header["institution_code"])
    require_college_of(actor, institution)
    period = _period(session, header["period_code"])
    check_window_open(session, period, institution, now or utcnow())
    programme = programme_service.find_programme(session, institution, header["programme_code"])
    if programme is not None:
        programme_service.check_programme_matches(programme, payload["programme"])
    return CheckedReturn(payload, institution, period, programme)


def _institution(session: Session, code: str) -> Institution:
    institution = session.scalar(select(Institution).where(Institution.code == code))
    if institution is None:
        raise ValidationFailed(f"Unknown institution {code!r}.",
                               {"header.institution_code": [f"{code!r} is not on the register"]})
    return institution


def _period(session: Session, code: str) -> Period:
    period = session.scalar(select(Period).where(Period.code == code))
    if period is None:
        raise ValidationFailed(f"Unknown reporting period {code!r}.",
                               {"header.period_code": [f"{code!r} is not a reporting period"]})
    return period


def submit_return(
    session: Session,
    actor: Actor,
    payload: object,
    *,
    source: str = "api",
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> SubmissionResult:
    """Append a new version of the return (creating the return on first submission)."""
    checked = check_return(session, actor, payload, now)
    digest = payload_digest(checked.payload)
    if idempotency_key:
        replay = _claim_idempotency_key(session, checked.institution, idempotency_key, digest)
        if replay is not None:
            return SubmissionResult(replay.return_, replay, replayed=True)
    programme = checked.programme or _register_from_return(session, actor, checked)
    return_ = _lock_return(session, checked.institution, programme, checked.period)
    version = _append_version(session, actor, return_, checked.payload, digest, source,
                              received_at=now or utcnow())
    if idempotency_key:
        _bind_idempotency_key(session, checked.institution, idempotency_key, version)
    _refresh_programme_components(programme, checked)
    record_event(
        session, actor, "return.submit", "return", return_.id,
        before=f"version {version.version - 1}" if version.version > 1 else None,
        after=f"version {version.version} ({digest[:12]})",
        detail={"institution": checked.institution.code, "programme": programme.code,
                "period": checked.period.code, "source": source},
    )
    pipeline_trigger.notify_submitted(session, checked.period.code)
    return SubmissionResult(return_, version)


def store_returns(
    session: Session, actor: Actor, payloads: list[dict], *, source: str
) -> list[SubmissionResult]:
    """Submit several returns in the caller's one transaction (bulk upload)."""
    errors: dict[str, list[str]] = {}
    for index, payload in enumerate(payloads, start=1):
        try:
            check_return(session, actor, payload)
        except (ValidationFailed, Conflict) as exc:
            for path, messages in (exc.fields or {"_schema": [exc.message]}).items():
                errors[f"return {index}: {path}"] = messages
    if errors:
        raise ValidationFailed(f"{len(errors)} problem(s) in the file; nothing was stored.",
                               errors)
    return [submit_return(session, actor, payload, source=source) for payload in payloads]


def _register_from_return(session: Session, actor: Actor, checked: CheckedReturn) -> Programme:
    """A return for an unregistered code registers the programme from its programme section."""
    section = checked.payload["programme"]
    start = section.get("start_date")
    return programme_service.register_programme(
        session, actor, checked.institution,
        code=checked.payload["header"]["programme_code"], name=section["name"],
        level=section["level"], model=section["model"], disciplines=section["disciplines"],
        start_date=date.fromisoformat(start) if start else None,
    )


def _lock_return(
    session: Session, institution: Institution, programme: Programme, period: Period
) -> Return:
    """Get or create the return row and lock it, so concurrent versions queue up."""
    query = (
        select(Return)
        .where(Return.institution_id == institution.id, Return.programme_id == programme.id,
               Return.period_id == period.id)
        .with_for_update()
    )
    return_ = session.scalar(query)
    if return_ is not None:
        return return_
    try:
        with session.begin_nested():
            session.add(Return(institution_id=institution.id, programme_id=programme.id,
                               period_id=period.id, latest_version=0))
    except IntegrityError:
        pass  # another request created it first; lock theirs below
    return session.scalar(query.execution_options(populate_existing=True))


def _append_version(
    session: Session, actor: Actor, return_: Return, payload: dict, digest: str, source: str,
    *, received_at: datetime,
) -> ReturnVersion:
    return_.latest_version += 1
    return_.status = ReturnStatus.SUBMITTED
    version = ReturnVersion(
        return_id=return_.id,
        version=return_.latest_version,
        payload=payload,
        payload_sha256=digest,
        schema_version=payload["header"]["schema_version"],
        source=source,
        received_at=received_at,
        submitted_by=actor.label,
        submitted_by_user_id=actor.user_id,
        submitted_by_token_id=actor.token_id,
        status=ReturnStatus.SUBMITTED,
    )
    session.add(version)
    session.flush()
    return version


def _claim_idempotency_key(
    session: Session, institution: Institution, key: str, digest: str
) -> ReturnVersion | None:
    """Return the version an earlier request with this key created, or claim the key."""
    try:
        with session.begin_nested():
            session.add(IdempotencyRecord(institution_id=institution.id, key=key,
                                          request_sha256=digest))
        return None
    except IntegrityError:
        pass
    record = session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.institution_id == institution.id, IdempotencyRecord.key == key))
    if record.request_sha256 != digest:
        raise Conflict("This Idempotency-Key was already used with a different return.",
                       {"Idempotency-Key": ["reused with a different payload"]})
    return session.get(ReturnVersion, record.return_version_id)


def _bind_idempotency_key(
    session: Session, institution: Institution, key: str, version: ReturnVersion
) -> None:
    record = session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.institution_id == institution.id, IdempotencyRecord.key == key))
    record.return_version_id = version.id


def _refresh_programme_components(programme: Programme, checked: CheckedReturn) -> None:
    """The directory shows the components reported for the programme's latest period."""
    period_code = checked.period.code
    if programme.components_period is None or period_code >= programme.components_period:
        programme.components = programme_service.components_from_governance(
            checked.payload["governance"])
        programme.components_period = period_code
