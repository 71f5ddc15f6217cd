"""Quality issues of return versions: the report, explanations, reviewers' decisions.

Status flow of a version (and of its return, which mirrors the latest version):
submitted → validated (no live issue) | needs_attention (warnings not yet accepted) |
rejected (an error). A college explains a warning, or submits a corrected version; a
reviewer (the college's university, or the regulator) accepts or refuses the
explanation; once every warning of a version is accepted the version is validated.
An accepted explanation is kept per programme × rule × field and offered again when the
rule fires for the programme later; re-using it still needs a reviewer's acceptance,
because the circumstances of a new period are the reviewer's to judge.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from expectations import Rule, rules_by_id
from registry.db import utcnow
from registry.models import (
    AcceptedExplanation,
    Institution,
    IssueStatus,
    QualityIssue,
    Return,
    ReturnStatus,
    ReturnVersion,
    Role,
    Severity,
)
from registry.services.accounts.access import scope_to_actor
from registry.services.accounts.actors import Actor
from registry.services.accounts.audit import record_event
from registry.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from registry.services.labels import label_of
from registry.services.review.threads import add_to_thread
from registry.services.submission.returns import get_return, get_version

QUALITY_STATUSES = (ReturnStatus.SUBMITTED, ReturnStatus.VALIDATED,
                    ReturnStatus.NEEDS_ATTENTION, ReturnStatus.REJECTED)
LIVE_STATUSES = (IssueStatus.OPEN, IssueStatus.EXPLAINED, IssueStatus.REFUSED)
EXPLAINABLE_STATUSES = (IssueStatus.OPEN, IssueStatus.EXPLAINED, IssueStatus.REFUSED)
REVIEWER_ROLES = (Role.UNIVERSITY, Role.REGULATOR)
DECISIONS = ("accept", "refuse")
MAX_TEXT = 2000


@dataclass(frozen=True)
class IssueView:
    """An issue with its rule and the explanation accepted for it in an earlier version."""

    issue: QualityIssue
    rule: Rule | None
    previous: AcceptedExplanation | None


@dataclass(frozen=True)
class QualityReport:
    return_: Return
    version: ReturnVersion
    issues: list[IssueView]


def version_status(issues: Iterable[tuple[str, str]]) -> ReturnStatus:
    """The status a checked version earns from its issues' (severity, status) pairs."""
    live = [(severity, status) for severity, status in issues if status != IssueStatus.RESOLVED]
    if any(severity == Severity.ERROR for severity, _ in live):
        return ReturnStatus.REJECTED
    if any(status != IssueStatus.ACCEPTED for _, status in live):
        return ReturnStatus.NEEDS_ATTENTION
    return ReturnStatus.VALIDATED


def quality_report(session: Session, actor: Actor, return_id: int, number: int) -> QualityReport:
    """The quality report of one version, for whoever may read the return."""
    version = get_version(session, actor, return_id, number)
    issues = list(session.scalars(
        select(QualityIssue).where(QualityIssue.return_version_id == version.id)
        .order_by(QualityIssue.rule_id, QualityIssue.field)))
    return QualityReport(version.return_, version, issue_views(session, version.return_, issues))


def issue_views(session: Session, return_: Return, issues: list[QualityIssue]) -> list[IssueView]:
    """Attach each issue's rule and any explanation accepted for it before."""
    rules = rules_by_id()
    accepted = {
        (item.rule_id, item.field): item
        for item in session.scalars(select(AcceptedExplanation).where(
            AcceptedExplanation.programme_id == return_.programme_id))
    }
    views = []
    for issue in issues:
        previous = accepted.get((issue.rule_id, issue.field))
        if previous is not None and previous.source_version_id == issue.return_version_id:
            previous = None
        views.append(IssueView(issue, rules.get(issue.rule_id), previous))
    return views


def explain_issue(
    session: Session,
    actor: Actor,
    return_id: int,
    issue_id: int,
    *,
    text: str | None = None,
    reuse_previous: bool = False,
    now: datetime | None = None,
) -> IssueView:
    """The college explains a warning on its latest version (new text, or the accepted one)."""
    return_ = get_return(session, actor, return_id)
    if actor.institution_id != return_.institution_id:
        raise PermissionDenied("Only the college that submitted the return explains its issues.")
    issue = _live_issue(session, return_, issue_id)
    if issue.severity == Severity.ERROR:
        raise Conflict("An error cannot be explained away; submit a corrected version.")
    if issue.status not in EXPLAINABLE_STATUSES:
        raise Conflict(f"This issue is {issue.status}; it needs no explanation.")
    previous = issue_views(session, return_, [issue])[0].previous
    text = _explanation_text(text, reuse_previous, previous)
    before = issue.status
    issue.explanation = text
    issue.reused_explanation_id = previous.id if reuse_previous else None
    issue.explained_by, issue.explained_by_user_id = actor.label, actor.user_id
    issue.explained_at = issue.updated_at = now or utcnow()
    issue.status = IssueStatus.EXPLAINED
    issue.decided_by = issue.decided_by_user_id = issue.decided_at = issue.decision_note = None
    record_event(session, actor, "quality.explain", "quality_issue", issue.id, before=before,
                 after=IssueStatus.EXPLAINED, detail={"return_id": return_.id,
                                                     "rule": issue.rule_id,
                                                     "reused": reuse_previous})
    add_to_thread(session, actor, return_, "explanation",
                  f"Explanation of {_rule_name(issue)} ({label_of(issue.field)}, version "
                  f"{issue.version.version}): {text}")
    return IssueView(issue, rules_by_id().get(issue.rule_id), previous)


def _explanation_text(
    text: str | None, reuse_previous: bool, previous: AcceptedExplanation | None
) -> str:
    if reuse_previous:
        if previous is None:
            raise Conflict("There is no earlier accepted explanation to re-use for this issue.")
        return previous.text
    text = (text or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise ValidationFailed("Give an explanation of 1 to 2000 characters.",
                               {"text": ["1 to 2000 characters"]})
    return text


def decide_issue(
    session: Session,
    actor: Actor,
    return_id: int,
    issue_id: int,
    *,
    decision: str,
    note: str | None = None,
    now: datetime | None = None,
) -> IssueView:
    """A reviewer accepts or refuses a college's explanation; the version status follows."""
    return_ = get_return(session, actor, return_id)
    if actor.role not in REVIEWER_ROLES:
        raise PermissionDenied("Only the college's university or the regulator decides on "
                               "explanations.")
    issue = _live_issue(session, return_, issue_id)
    note = (note or "").strip() or None
    _check_decision(issue, decision, note)
    now = now or utcnow()
    issue.status = IssueStatus.ACCEPTED if decision == "accept" else IssueStatus.REFUSED
    issue.decided_by, issue.decided_by_user_id = actor.label, actor.user_id
    issue.decided_at = issue.updated_at = now
    issue.decision_note = note
    if decision == "accept":
        _keep_accepted(session, actor, return_, issue, now)
    record_event(session, actor, f"quality.{decision}", "quality_issue", issue.id,
                 before=IssueStatus.EXPLAINED, after=issue.status,
                 detail={"return_id": return_.id, "rule": issue.rule_id, "note": note})
    if note:
        add_to_thread(session, actor, return_, "refusal" if decision == "refuse" else "acceptance",
                      _decision_message(issue, decision, note))
    refresh_version_status(session, actor, issue.version)
    return IssueView(issue, rules_by_id().get(issue.rule_id), None)


def _rule_name(issue: QualityIssue) -> str:
    rule = rules_by_id().get(issue.rule_id)
    return f"{issue.rule_id} {rule.title}" if rule else issue.rule_id


def _decision_message(issue: QualityIssue, decision: str, note: str) -> str:
    verb = "accepted" if decision == "accept" else "refused"
    return (f"Explanation {verb} for {_rule_name(issue)} ({label_of(issue.field)}, version "
            f"{issue.version.version}): "
            f"{note}\nThe explanation was: {issue.explanation}")


def _check_decision(issue: QualityIssue, decision: str, note: str | None) -> None:
    if decision not in DECISIONS:
        raise ValidationFailed(f"Unknown decision {decision!r}.",
                               {"decision": ["one of accept, refuse"]})
    if issue.status != IssueStatus.EXPLAINED:
        raise Conflict(f"This issue is {issue.status}; only an explained issue can be decided.")
    if decision == "refuse" and note is None:
        raise ValidationFailed("Say why the explanation is refused.",
                               {"note": ["required when refusing"]})


def _live_issue(session: Session, return_: Return, issue_id: int) -> QualityIssue:
    """An issue of this return's latest version; issues of older versions are history."""
    issue = session.get(QualityIssue, issue_id)
    if issue is None or issue.return_id != return_.id:
        raise NotFound(f"Return {return_.id} has no issue {issue_id}.")
    if issue.version.version != return_.latest_version:
        raise Conflict(f"Issue {issue_id} belongs to version {issue.version.version}; "
                       f"the return is at version {return_.latest_version}.")
    return issue


def _keep_accepted(
    session: Session, actor: Actor, return_: Return, issue: QualityIssue, now: datetime
) -> None:
    """Remember the accepted explanation for this programme, rule and field (upsert)."""
    values = {"text": issue.explanation, "period_code": return_.period.code,
              "source_version_id": issue.return_version_id,
              "explained_by": issue.explained_by, "accepted_by": actor.label,
              "accepted_at": now}
    kept = session.scalar(select(AcceptedExplanation).where(
        AcceptedExplanation.programme_id == return_.programme_id,
        AcceptedExplanation.rule_id == issue.rule_id, AcceptedExplanation.field == issue.field))
    if kept is None:
        session.add(AcceptedExplanation(programme_id=return_.programme_id,
                                        rule_id=issue.rule_id, field=issue.field, **values))
        return
    for name, value in values.items():
        setattr(kept, name, value)


def refresh_version_status(session: Session, actor: Actor, version: ReturnVersion) -> str:
    """Recompute a checked version's status from its issues; the return mirrors its latest."""
    if version.status not in QUALITY_STATUSES or version.status == ReturnStatus.SUBMITTED:
        return version.status
    issues = session.execute(select(QualityIssue.severity, QualityIssue.status).where(
        QualityIssue.return_version_id == version.id)).all()
    status = version_status(issues)
    if status != version.status:
        record_event(session, actor, "quality.status", "return_version", version.id,
                     before=version.status, after=status,
                     detail={"return_id": version.return_id, "version": version.version})
        version.status = status
        if version.version == version.return_.latest_version:
            version.return_.status = status
    return status


def open_findings(session: Session, actor: Actor, limit: int = 200) -> list[IssueView]:
    """Live findings on the latest versions of the returns the actor may read, oldest first."""
    query = scope_to_actor(
        select(QualityIssue)
        .join(Return, Return.id == QualityIssue.return_id)
        .join(ReturnVersion, ReturnVersion.id == QualityIssue.return_version_id)
        .join(Institution, Institution.id == Return.institution_id)
        .where(ReturnVersion.version == Return.latest_version,
               QualityIssue.status.in_(LIVE_STATUSES))
        .order_by(QualityIssue.raised_at, QualityIssue.id).limit(limit), actor)
    rules = rules_by_id()
    return [IssueView(issue, rules.get(issue.rule_id), None) for issue in session.scalars(query)]
