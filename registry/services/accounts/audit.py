"""Record every write in the append-only audit trail."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.models import AuditEvent
from registry.services.accounts.actors import Actor
from schemas.cells import escape_text


def record_event(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object,
    *,
    before: str | None = None,
    after: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session; it commits with the write it describes."""
    event = AuditEvent(**event_values(actor, action, object_type, object_id, before=before,
                                      after=after, detail=detail))
    session.add(event)
    return event


def event_values(
    actor: Actor, action: str, object_type: str, object_id: object, *,
    before: str | None, after: str | None, detail: dict[str, Any] | None,
) -> dict[str, Any]:
    """The audit row for an action by the actor on one object."""
    return {
        "at": utcnow(),
        "actor": actor.label,
        "actor_user_id": actor.user_id,
        "actor_token_id": actor.token_id,
        "address": actor.address,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "before": before,
        "after": after,
        "detail": detail or {},
    }


def audit_query(
    actor: Actor,
    *,
    action: str | None = None,
    actor_contains: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since=None,
    until=None,
):
    """The audit trail, newest first, for the regulator (or admin) only."""
    from sqlalchemy import select

    from registry.models import Role
    from registry.services.errors import PermissionDenied

    if actor.role not in (Role.REGULATOR, Role.ADMIN, "system"):
        raise PermissionDenied("Only the regulator can read the audit trail.")
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if actor_contains:
        query = query.where(AuditEvent.actor.contains(actor_contains))
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if object_id:
        query = query.where(AuditEvent.object_id == object_id)
    if since:
        query = query.where(AuditEvent.at >= since)
    if until:
        query = query.where(AuditEvent.at <= until)
    return query


AUDIT_COLUMNS = ("id", "at", "actor", "address", "action", "object_type", "object_id",
                 "before", "after")


def audit_csv(events: Iterable[AuditEvent]) -> str:
    """Audit events as CSV text, defused against spreadsheet formulas."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(AUDIT_COLUMNS)
    for event in events:
        writer.writerow([escape_text(str(getattr(event, c) or "")) for c in AUDIT_COLUMNS])
    return out.getvalue()
