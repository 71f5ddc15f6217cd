"""Deadline reminders, overdue notices, weekly summaries, and weekly reminders on the threads
of returns that wait for their college; each sent once per event."""

from __future__ import annotations

import smtplib
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.indicators.formatting import long_date
from registry.models import (
    Institution,
    Message,
    Period,
    Return,
    ReturnStatus,
    Role,
    University,
    User,
)
from registry.services.accounts.actors import Actor
from registry.services.mailer import SmtpSettings, send_email
from registry.services.review.threads import add_to_thread
from registry.services.submission.compliance import ComplianceRow, compliance

REMINDER_DAYS = (14, 3)
OUTSTANDING = {"not_yet_due", "late", "missing"}
SYSTEM = Actor.system("reminders")
WAITING_FOR_COLLEGE = (ReturnStatus.NEEDS_ATTENTION, ReturnStatus.REJECTED,
                       ReturnStatus.RETURNED)


@dataclass(frozen=True)
class ReminderRun:
    planned: int
    emailed: int
    failed: int


def run_reminders(
    session: Session, now: datetime, smtp: SmtpSettings | None, checkpoint=None
) -> ReminderRun:
    """Plan the messages due at `now` (new events only) and e-mail every unsent one.

    Without SMTP settings the messages are kept for the app only.
    `checkpoint` (the task passes `session.commit`) is called once the plan is stored and
    after each e-mail is marked sent, so a crash can repeat at most the one message that
    was being sent, never the run.
    """
    checkpoint = checkpoint or session.flush
    planned = plan_messages(session, now)
    checkpoint()
    if smtp is None:
        return ReminderRun(planned, 0, 0)
    emailed, failed = send_pending(session, smtp, now, checkpoint)
    return ReminderRun(planned, emailed, failed)


def plan_messages(session: Session, now: datetime) -> int:
    """Add a message for each reminder event that has come due and has no message yet."""
    known = set(session.scalars(select(Message.event_key)))
    created = 0
    for message in _candidate_messages(session, now):
        if message.event_key not in known:
            session.add(message)
            known.add(message.event_key)
            created += 1
    for key, return_ in _waiting_returns(session, now):
        if key not in known:
            add_to_thread(session, SYSTEM, return_, "reminder", _waiting_body(return_),
                          event_key=key)
            known.add(key)
            created += 1
    return created


def _waiting_returns(session: Session, now: datetime):
    """Once a week, each return of an active period that waits for its college to act."""
    year, week, _ = now.isocalendar()
    for period in _active_periods(session, now):
        returns = session.scalars(select(Return).where(
            Return.period_id == period.id, Return.status.in_(WAITING_FOR_COLLEGE))
            .order_by(Return.id))
        for return_ in returns:
            yield f"reminder:{year}-W{week:02d}:return:{return_.id}", return_


def _waiting_body(return_: Return) -> str:
    what = {
        ReturnStatus.NEEDS_ATTENTION: "has warnings that wait for a correction or an "
                                      "explanation",
        ReturnStatus.REJECTED: "has an error that blocks it until a corrected version arrives",
        ReturnStatus.RETURNED: "was returned by its reviewer (see the comment on this "
                               "conversation) and waits for a corrected version",
    }[return_.status]
    return (f"Reminder: version {return_.latest_version} of this return {what}. "
            f"The period {return_.period.code} closes on {return_.period.closes_at:%d %B %Y}.")


def _candidate_messages(session: Session, now: datetime):
    for period in _active_periods(session, now):
        rows = compliance(session, SYSTEM, period, now)
        yield from _college_messages(session, period, rows, now)
        yield from _summaries(session, period, rows, now)


def _active_periods(session: Session, now: datetime) -> list[Period]:
    periods = session.scalars(select(Period).order_by(Period.starts_on))
    return [p for p in periods
            if p.opens_at <= now <= p.closes_at + timedelta(days=30)]


def _college_messages(session, period: Period, rows: list[ComplianceRow], now: datetime):
    owed: dict[int, list[ComplianceRow]] = defaultdict(list)
    for row in rows:
        if row.state in OUTSTANDING:
            owed[row.institution.id].append(row)
    for institution_rows in owed.values():
        institution = institution_rows[0].institution
        event = _college_event(period, now)
        if event is None:
            continue
        kind, key_suffix, subject = event
        yield Message(
            event_key=f"{kind}:{period.code}:{institution.code}:{key_suffix}",
            kind=kind, recipients=_college_contacts(session, institution),
            institution_id=institution.id, subject=subject,
            body=_college_body(period, institution, institution_rows, kind),
        )


def _college_event(period: Period, now: datetime) -> tuple[str, str, str] | None:
    """Which reminder event `now` falls in for this period, if any."""
    if now > period.due_at:
        return "overdue", "after-due", f"Overdue: mentoring returns for {period.code}"
    days_left = (period.due_at - now).days
    for days in sorted(REMINDER_DAYS):
        if days_left < days:
            return ("reminder", f"{days}d",
                    f"Reminder: mentoring returns for {period.code} due in {days_left + 1} days")
    return None


def _college_body(period, institution, rows, kind) -> str:
    programmes = "\n".join(f"  - {r.programme.name} ({r.programme.code})" for r in rows)
    when = long_date(period.due_at)
    lead = (f"The returns below were due on {when} and have not arrived." if kind == "overdue"
            else f"The returns below are due on {when}.")
    return (f"Dear {institution.name},\n\n{lead}\n\n{programmes}\n\n"
            "Submit them in the registry (web form, XLSX template, API or toolkit). "
            "If you need more time, ask the regulator for an extension.\n")


def _summaries(session, period: Period, rows: list[ComplianceRow], now: datetime):
    year, week, _ = now.isocalendar()
    stamp = f"{year}-W{week:02d}"
    by_university: dict[int, Counter] = defaultdict(Counter)
    for row in rows:
        by_university[row.institution.university_id][row.state] += 1
    for university in session.scalars(select(University).order_by(University.code)):
        counts = by_university.get(university.id)
        if counts:
            yield Message(
                event_key=f"summary:{stamp}:{period.code}:{university.code}", kind="summary",
                recipients=_emails(session, User.university_id == university.id,
                                   User.role == Role.UNIVERSITY),
                university_id=university.id,
                subject=f"Weekly summary {stamp}: {university.code} colleges, {period.code}",
                body=_summary_body(period, counts))
    national = Counter(row.state for row in rows)
    yield Message(
        event_key=f"summary:{stamp}:{period.code}:national", kind="summary",
        recipients=_emails(session, User.role == Role.REGULATOR), for_regulator=True,
        subject=f"Weekly national summary {stamp}, period {period.code}",
        body=_summary_body(period, national))


def _summary_body(period: Period, counts: Counter) -> str:
    lines = "\n".join(f"  {state.replace('_', ' ')}: {n}" for state, n in sorted(counts.items()))
    return (f"Returns for period {period.code} (due {period.due_at:%d %B %Y}), "
            f"by where they stand:\n\n{lines}\n")


def _college_contacts(session: Session, institution: Institution) -> str:
    return _emails(session, User.institution_id == institution.id, User.role == Role.COLLEGE)


def _emails(session: Session, *conditions) -> str:
    query = select(User.email).where(User.is_active.is_(True), *conditions).order_by(User.email)
    return ", ".join(session.scalars(query))


def send_pending(
    session: Session, smtp: SmtpSettings, now: datetime, checkpoint=None
) -> tuple[int, int]:
    """E-mail every message not yet e-mailed; failures stay pending for the next run."""
    checkpoint = checkpoint or session.flush
    emailed = failed = 0
    pending = session.scalars(select(Message).where(
        Message.emailed_at.is_(None), Message.recipients != "").order_by(Message.id)).all()
    for message in pending:
        try:
            send_email(smtp, message.recipients.split(", "), message.subject, message.body)
        except (OSError, smtplib.SMTPException) as exc:
            message.email_error = f"{type(exc).__name__}: {exc}"[:500]
            failed += 1
            continue
        message.emailed_at, message.email_error = now, None
        checkpoint()
        emailed += 1
    return emailed, failed


def messages_for(session: Session, actor: Actor, limit: int = 50) -> list[Message]:
    """The notices addressed to the actor's college, university or the regulator (no threads)."""
    query = (select(Message).where(Message.return_id.is_(None))
             .order_by(Message.id.desc()).limit(limit))
    if actor.role == Role.COLLEGE:
        query = query.where(Message.institution_id == actor.institution_id)
    elif actor.role == Role.UNIVERSITY:
        query = query.where(Message.university_id == actor.university_id)
    elif actor.role in (Role.REGULATOR, Role.ADMIN):
        query = query.where(Message.for_regulator.is_(True))
    else:
        return []
    return list(session.scalars(query))
