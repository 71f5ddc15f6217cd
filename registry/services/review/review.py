"""Review levels: the affiliating university approves or returns, the regulator signs off."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from registry.models import (
    Institution,
    QualityIssue,
    Return,
    ReturnStatus,
    ReturnVersion,
    ReviewDecision,
    Role,
)
from registry.services.accounts.actors import Actor
from registry.services.accounts.audit import record_event
from registry.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from registry.services.paging import PER_PAGE, Page, paginate
from registry.services.quality.quality import LIVE_STATUSES
from registry.services.review.threads import add_to_thread
from registry.services.submission.returns import get_return, returns_query

# decision → (who may take it, statuses it applies to, status it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "approve": ((Role.UNIVERSITY,), (ReturnStatus.VALIDATED,), ReturnStatus.APPROVED),
    "return": ((Role.UNIVERSITY, Role.REGULATOR),
               (ReturnStatus.VALIDATED, ReturnStatus.APPROVED), ReturnStatus.RETURNED),
    "sign_off": ((Role.REGULATOR,), (ReturnStatus.APPROVED,), ReturnStatus.SIGNED_OFF),
}
DECISION_LABELS = {"approve": "Approved", "return": "Returned to the college",
                   "sign_off": "Signed off"}
def decide(
    session: Session, actor: Actor, return_id: int, version: int, decision: str,
    comment: str | None,
) -> ReviewDecision:
    """Record a review decision on the latest version and move its status on."""
    if decision not in TRANSITIONS:
        raise ValidationFailed(f"Unknown decision {decision!r}.",
                               {"decision": [f"one of {', '.join(TRANSITIONS)}"]})
    return_ = get_return(session, actor, return_id)
    roles, allowed_from, status_after = TRANSITIONS[decision]
    _check_reviewer(actor, return_, roles)
    target = _latest(session, return_, version)
    comment = (comment or "").strip() or None
    if decision == "return" and comment is None:
        raise ValidationFailed("Say why the return goes back to the college.",
                               {"comment": ["required when returning a return"]})
    if target.status not in allowed_from:
        raise Conflict(
            f"Version {version} is {target.status}; '{decision}' applies only to "
            f"{' or '.join(allowed_from)} versions.")
    return _record(session, actor, return_, target, decision, comment, status_after)


def decisions_open_to(actor: Actor, status: str) -> list[str]:
    """The decisions the actor's role may take on a return in this status."""
    return [decision for decision, (roles, allowed_from, _) in TRANSITIONS.items()
            if actor.role in roles and status in allowed_from]


def _check_reviewer(actor: Actor, return_: Return, roles: tuple[str, ...]) -> None:
    if actor.role not in roles:
        raise PermissionDenied(f"This decision needs the role {' or '.join(roles)}.")
    if actor.role == Role.UNIVERSITY and return_.institution.university_id != actor.university_id:
        raise PermissionDenied("A university reviews only its affiliated colleges.")
    if actor.institution_id is not None and actor.institution_id == return_.institution_id:
        raise PermissionDenied("A college cannot review its own return.")


def _latest(session: Session, return_: Return, version: int) -> ReturnVersion:
    target = session.scalar(select(ReturnVersion).where(
        ReturnVersion.return_id == return_.id, ReturnVersion.version == version)
        .with_for_update())
    if target is None:
        raise NotFound(f"Return {return_.id} has no version {version}.")
    if version != return_.latest_version:
        raise Conflict(f"Version {version} has been superseded by version "
                       f"{return_.latest_version}; review the latest one.")
    return target


def _record(session, actor, return_, target, decision, comment, status_after) -> ReviewDecision:
    level = "regulator" if actor.role == Role.REGULATOR else "university"
    event = ReviewDecision(
        return_version_id=target.id, level=level, decision=decision, comment=comment,
        decided_by=actor.label, decided_by_user_id=actor.user_id,
        status_before=target.status, status_after=status_after,
    )
    session.add(event)
    target.status = status_after
    return_.status = status_after
    session.flush()
    record_event(session, actor, f"review.{decision}", "return_version", target.id,
                 before=event.status_before, after=status_after,
                 detail={"return": return_.id, "version": target.version, "comment": comment})
    if comment:
        add_to_thread(session, actor, return_, "decision",
                      f"{DECISION_LABELS[decision]} version {target.version}: {comment}")
    return event


def decisions_for(session: Session, actor: Actor, return_id: int) -> list[ReviewDecision]:
    """Every decision on every version of a return, oldest first."""
    return_ = get_return(session, actor, return_id)
    version_ids = [v.id for v in return_.versions]
    return list(session.scalars(select(ReviewDecision).where(
        ReviewDecision.return_version_id.in_(version_ids)).order_by(ReviewDecision.id)))


@dataclass(frozen=True)
class QueueFilters:
    """What a reviewer narrows the queue to; None means the actor's own waiting status."""
    period: str | None = None
    status: str | None = None
    college: str | None = None
    open_findings: bool | None = None


def awaiting_status(actor: Actor) -> str:
    """The status of returns waiting for this reviewer's decision."""
    return ReturnStatus.APPROVED if actor.role == Role.REGULATOR else ReturnStatus.VALIDATED


def queue_decision(actor: Actor) -> str:
    """The decision this reviewer takes on the returns waiting for them."""
    return "sign_off" if actor.role == Role.REGULATOR else "approve"


def review_queue(
    session: Session, actor: Actor, filters: QueueFilters | None = None,
    page: int | str | None = 1, per_page: int | str | None = PER_PAGE,
) -> Page[Return]:
    """Returns for this reviewer, filtered and one page at a time (default: those waiting)."""
    filters = filters or QueueFilters()
    status = filters.status if filters.status in set(ReturnStatus) else awaiting_status(actor)
    query = returns_query(actor, period=filters.period or None, status=status)
    if filters.college:
        words = f"%{filters.college.strip()}%"
        query = query.where(Institution.code.ilike(words) | Institution.name.ilike(words))
    if filters.open_findings is not None:
        has_open = _has_open_findings()
        query = query.where(has_open if filters.open_findings else ~has_open)
    return paginate(session, query, page, per_page)


def _has_open_findings():
    """Whether a return's latest version has a finding still to settle."""
    return exists().where(
        QualityIssue.return_id == Return.id, QualityIssue.status.in_(LIVE_STATUSES),
        QualityIssue.return_version_id == ReturnVersion.id,
        ReturnVersion.return_id == Return.id, ReturnVersion.version == Return.latest_version)


def decide_many(
    session: Session, actor: Actor, chosen: list[tuple[int, int]], decision: str,
    comment: str | None = None,
) -> list[ReviewDecision]:
    """Take one decision on several returns (id, version): all are recorded, or none."""
    if not chosen:
        raise ValidationFailed("Select at least one return.", {"selected": ["select a return"]})
    with session.begin_nested():
        return [decide(session, actor, return_id, version, decision, comment)
                for return_id, version in chosen]
