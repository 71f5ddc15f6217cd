"""One conversation per return: explanations, decisions' comments, refusals, replies…

A thread message is a `Message` naming its return. The college of the return and its
reviewers (its university, the regulator) read and write it; anyone else gets NotFound,
as for the return itself. Each user's read position is kept per thread, so pages can
show unread counts. Messages are e-mailed to the other side when SMTP is configured; one
that could not be sent stays pending for the reminders run's delivery.
"""

from __future__ import annotations

import smtplib
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import Session

from registry.db import begin_writing, utcnow
from registry.models import Institution, Message, Return, Role, ThreadRead, User
from registry.services.accounts.access import scope_to_actor
from registry.services.accounts.actors import Actor
from registry.services.accounts.audit import record_event
from registry.services.errors import PermissionDenied, ValidationFailed
from registry.services.mailer import SmtpSettings, send_email
from registry.services.submission.returns import get_return

MAX_BODY = 4000
KIND_LABELS = {
    "decision": "Review decision",
    "explanation": "College's explanation",
    "refusal": "Explanation refused",
    "acceptance": "Explanation accepted",
    "question": "Reviewer's message",
    "reply": "College's reply",
    "reminder": "Reminder",
    "figure_query": "College's query on a previewed figure",
}
WRITERS = (Role.COLLEGE, Role.UNIVERSITY, Role.REGULATOR)


@dataclass(frozen=True)
class ThreadSummary:
    """A return's thread as listed on the Messages page."""

    return_: Return
    messages: int
    unread: int
    last_at: datetime


def post_message(session: Session, actor: Actor, return_id: int, body: str | None) -> Message:
    """Write on a return's thread: the college replies, a reviewer asks or reminds."""
    return_ = get_return(session, actor, return_id)
    if actor.role not in WRITERS:
        raise PermissionDenied("Only the college and its reviewers write on a return's thread.")
    text = (body or "").strip()
    if not text or len(text) > MAX_BODY:
        raise ValidationFailed(f"Write a message of 1 to {MAX_BODY} characters.",
                               {"body": [f"1 to {MAX_BODY} characters"]})
    kind = "reply" if actor.institution_id == return_.institution_id else "question"
    return add_to_thread(session, actor, return_, kind, text)


def add_to_thread(session: Session, actor: Actor, return_: Return, kind: str, body: str,
                  event_key: str | None = None) -> Message:
    """Add a message to the return's thread for the other side; audited, read by its author."""
    message = Message(
        event_key=event_key or f"thread:{return_.id}:{uuid.uuid4().hex}", kind=kind,
        recipients=_recipients(session, actor, return_), institution_id=return_.institution_id,
        university_id=return_.institution.university_id, return_id=return_.id,
        author=actor.label, author_user_id=actor.user_id, subject=_subject(kind, return_),
        body=body)
    session.add(message)
    session.flush()
    record_event(session, actor, "thread.post", "message", message.id,
                 detail={"return_id": return_.id, "kind": kind})
    if actor.user_id is not None:
        _move_marker(session, actor.user_id, return_.id, message.id)
    return message


def _subject(kind: str, return_: Return) -> str:
    return (f"{KIND_LABELS.get(kind, 'Message')}: {return_.institution.code} "
            f"{return_.programme.code} {return_.period.code}")


def _recipients(session: Session, actor: Actor, return_: Return) -> str:
    """The college's officers for a reviewer's message; the university's reviewers else."""
    if actor.institution_id == return_.institution_id:
        who = and_(User.role == Role.UNIVERSITY,
                   User.university_id == return_.institution.university_id)
    else:
        who = and_(User.role == Role.COLLEGE, User.institution_id == return_.institution_id)
    emails = session.scalars(select(User.email).where(User.is_active.is_(True), who)
                             .order_by(User.email))
    return ", ".join(emails)


def thread(session: Session, actor: Actor, return_id: int) -> list[Message]:
    """The return's messages, oldest first, for whoever may read the return."""
    return_ = get_return(session, actor, return_id)
    return list(session.scalars(select(Message).where(Message.return_id == return_.id)
                                .order_by(Message.id)))


def read_thread(session: Session, actor: Actor, return_id: int) -> list[Message]:
    """The return's messages, marking them read for the acting user."""
    messages = thread(session, actor, return_id)
    if messages and actor.user_id is not None:
        _move_marker(session, actor.user_id, return_id, messages[-1].id)
    return messages


def _move_marker(session: Session, user_id: int, return_id: int, message_id: int) -> None:
    """Move the user's read marker to the message; only when it moves does the request,
    a GET whose transaction began as a reader's, wait for the write lock."""
    marker = _marker(session, user_id, return_id)
    if marker is not None and marker.last_read_message_id >= message_id:
        return
    begin_writing(session)
    marker = _marker(session, user_id, return_id)  # again: another page may have moved it
    if marker is None:
        session.add(ThreadRead(user_id=user_id, return_id=return_id,
                               last_read_message_id=message_id))
    elif marker.last_read_message_id < message_id:
        marker.last_read_message_id, marker.read_at = message_id, utcnow()


def _marker(session: Session, user_id: int, return_id: int) -> ThreadRead | None:
    return session.scalar(select(ThreadRead).where(
        ThreadRead.user_id == user_id, ThreadRead.return_id == return_id)
        .execution_options(populate_existing=True))


def _unread_query(actor: Actor, *columns):
    """Messages on threads the actor may read, not written by the actor, not yet read."""
    marker = and_(ThreadRead.return_id == Message.return_id,
                  ThreadRead.user_id == actor.user_id)
    query = (select(*columns).select_from(Message)
             .join(Return, Return.id == Message.return_id)
             .join(Institution, Institution.id == Return.institution_id)
             .outerjoin(ThreadRead, marker)
             .where(or_(Message.author_user_id.is_(None),
                        Message.author_user_id != actor.user_id),
                    Message.id > func.coalesce(ThreadRead.last_read_message_id, 0)))
    return scope_to_actor(query.where(_counted(actor)), actor)


def _counted(actor: Actor):
    """Reminders are the college's to act on: they do not count, or list, for reviewers."""
    return Message.kind != "reminder" if actor.role != Role.COLLEGE else true()


def unread_count(session: Session, actor: Actor) -> int:
    """How many thread messages the actor has not read yet (0 without a user)."""
    if actor.user_id is None or actor.role not in WRITERS:
        return 0
    return session.scalar(_unread_query(actor, func.count(Message.id))) or 0


def threads_for(session: Session, actor: Actor, limit: int = 100) -> list[ThreadSummary]:
    """The actor's threads, those with unread messages first, then the most recent."""
    if actor.role not in WRITERS:
        return []
    totals = scope_to_actor(
        select(Message.return_id, func.count(Message.id), func.max(Message.created_at))
        .join(Return, Return.id == Message.return_id)
        .join(Institution, Institution.id == Return.institution_id)
        .where(_counted(actor)).group_by(Message.return_id), actor)
    rows = session.execute(totals).all()
    unread = dict(session.execute(_unread_query(actor, Message.return_id, func.count(Message.id))
                                  .group_by(Message.return_id)).all())
    rows.sort(key=lambda row: (unread.get(row[0], 0) == 0, -row[2].timestamp()))
    return [ThreadSummary(session.get(Return, return_id), count, unread.get(return_id, 0),
                          last_at) for return_id, count, last_at in rows[:limit]]


def deliver(session: Session, smtp: SmtpSettings | None, return_id: int,
            now: datetime | None = None) -> int:
    """E-mail the return's unsent thread messages; a failure stays pending. Returns sent."""
    if smtp is None:
        return 0
    pending = session.scalars(select(Message).where(
        Message.return_id == return_id, Message.emailed_at.is_(None),
        Message.recipients != "").order_by(Message.id)).all()
    sent = 0
    for message in pending:
        try:
            send_email(smtp, message.recipients.split(", "), message.subject, message.body)
        except (OSError, smtplib.SMTPException) as exc:
            message.email_error = f"{type(exc).__name__}: {exc}"[:500]
            continue
        message.emailed_at, message.email_error = now or utcnow(), None
        sent += 1
    return sent
