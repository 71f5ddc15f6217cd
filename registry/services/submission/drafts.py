"""Drafts of returns: saved at each step of the form, resumed later, never a version.

A draft holds the form's values as typed (strings by field path). It is not checked
against the standard, never reaches the quality pipeline or the indicators (they read
return versions only), and is deleted when its return is submitted by any channel.
"""

from __future__ import annotations

from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.models import Draft, Period, Programme, Role
from registry.services.accounts.actors import Actor
from registry.services.accounts.audit import record_event
from registry.services.errors import NotFound, PermissionDenied, ValidationFailed
from registry.services.register.periods import get_period
from registry.services.submission.return_form import programme_values, values_from_payload
from registry.services.submission.returns import latest_version, returns_query
from schemas.validation import LATEST_VERSION
from schemas.walk import flat_leaves

MAX_CODE = 32
MAX_VALUE = 2000
DELETE_CHUNK = 300  # keys per DELETE … IN (…): 3 variables each, under SQLite's limit


def save_draft(
    session: Session, actor: Actor, period_code: str, programme_code: str,
    values: dict[str, str],
) -> Draft:
    """Keep the form's values as the draft of this period and programme (replacing any)."""
    institution_id = _college_of(actor)
    period = get_period(session, period_code)
    code = _programme_code(programme_code)
    draft = _find(session, institution_id, period.id, code)
    before = "saved" if draft is not None else None
    if draft is None:
        draft = Draft(institution_id=institution_id, period_id=period.id, programme_code=code)
        session.add(draft)
    draft.values = _known_values(values)
    draft.saved_at, draft.saved_by, draft.saved_by_user_id = utcnow(), actor.label, actor.user_id
    session.flush()
    record_event(session, actor, "draft.save", "return_draft", draft.id, before=before,
                 after="saved", detail={"period": period.code, "programme": code,
                                        "fields": len(draft.values)})
    return draft


def find_draft(session: Session, actor: Actor, period_code: str, programme_code: str
               ) -> Draft | None:
    """The college's draft of this period and programme, if it saved one."""
    period = session.scalar(select(Period).where(Period.code == period_code))
    if period is None:
        return None
    return _find(session, _college_of(actor), period.id, programme_code)


def drafts_of(session: Session, actor: Actor) -> list[Draft]:
    """The college's drafts, most recently saved first."""
    return list(session.scalars(select(Draft).where(Draft.institution_id == _college_of(actor))
                                .order_by(Draft.saved_at.desc(), Draft.id.desc())))


def form_start(session: Session, actor: Actor, period_code: str, programme_code: str
               ) -> tuple[dict[str, str], str]:
    """Where the form starts, and from what: the draft if one is saved, else the return as
    last submitted, else the directory entry, else only the header ("new")."""
    header = {"header.period_code": period_code, "header.programme_code": programme_code}
    draft = find_draft(session, actor, period_code, programme_code)
    if draft is not None:
        return {**draft.values, **header}, "draft"
    found = session.scalars(returns_query(actor, period=period_code,
                                          programme=programme_code)).first()
    if found is not None:
        payload = latest_version(session, found).payload
        return {**values_from_payload(payload), **header}, "version"
    programme = session.scalar(select(Programme).where(
        Programme.institution_id == _college_of(actor), Programme.code == programme_code))
    if programme is not None:
        return {**programme_values(programme), **header}, "directory"
    return header, "new"


def delete_draft(session: Session, actor: Actor, draft_id: int) -> None:
    """Delete one of the college's drafts."""
    draft = session.get(Draft, draft_id)
    if draft is None or draft.institution_id != _college_of(actor):
        raise NotFound(f"No draft {draft_id}.")
    record_event(session, actor, "draft.delete", "return_draft", draft.id, before="saved",
                 detail={"period": draft.period.code, "programme": draft.programme_code})
    session.delete(draft)
    session.flush()


def discard_submitted(session: Session, actor: Actor,
                      keys: list[tuple[int, int, str]]) -> None:
    """Delete the drafts the submitted returns replace: (institution id, period id, code)."""
    for start in range(0, len(keys), DELETE_CHUNK):
        chunk = keys[start:start + DELETE_CHUNK]
        deleted = session.execute(
            delete(Draft).where(tuple_(Draft.institution_id, Draft.period_id,
                                       Draft.programme_code).in_(chunk))
            .returning(Draft.id, Draft.programme_code)).all()
        for draft_id, code in deleted:
            record_event(session, actor, "draft.discard", "return_draft", draft_id,
                         before="saved", detail={"reason": "return submitted",
                                                 "programme": code})


def _find(session: Session, institution_id: int, period_id: int, code: str) -> Draft | None:
    return session.scalar(select(Draft).where(
        Draft.institution_id == institution_id, Draft.period_id == period_id,
        Draft.programme_code == code))


def _college_of(actor: Actor) -> int:
    if actor.role != Role.COLLEGE or actor.institution_id is None:
        raise PermissionDenied("Only a college's own users keep drafts of its returns.")
    return actor.institution_id


def _programme_code(code: str) -> str:
    code = (code or "").strip()
    if not code or len(code) > MAX_CODE:
        raise ValidationFailed("Give the programme's code (1 to 32 characters) to save a draft.",
                               {"header.programme_code": ["1 to 32 characters"]})
    return code


def _known_values(values: dict[str, str]) -> dict[str, str]:
    """Only the standard's fields (of its newest version, which holds every older one's),
    as text, each at most MAX_VALUE characters."""
    paths = {leaf.path for leaf in flat_leaves(LATEST_VERSION)}
    return {path: str(value)[:MAX_VALUE] for path, value in values.items()
            if path in paths and value not in (None, "")}
