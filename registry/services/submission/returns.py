"""Reading returns and their versions, scoped to what the actor may see."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from registry.models import Institution, Period, Programme, Return, ReturnVersion
from registry.services.accounts.access import can_read_institution, scope_to_actor
from registry.services.accounts.actors import Actor
from registry.services.errors import NotFound


def returns_query(
    actor: Actor,
    *,
    period: str | None = None,
    programme: str | None = None,
    institution: str | None = None,
    status: str | None = None,
) -> Select:
    """The returns the actor may read, filtered, newest period first."""
    query = (
        select(Return)
        .join(Institution, Return.institution_id == Institution.id)
        .join(Period, Return.period_id == Period.id)
        .join(Programme, Return.programme_id == Programme.id)
        .options(joinedload(Return.institution), joinedload(Return.period),
                 joinedload(Return.programme))
        .order_by(Period.starts_on.desc(), Institution.code, Programme.code)
    )
    query = scope_to_actor(query, actor)
    if period:
        query = query.where(Period.code == period)
    if programme:
        query = query.where(Programme.code == programme)
    if institution:
        query = query.where(Institution.code == institution)
    if status:
        query = query.where(Return.status == status)
    return query


def get_return(session: Session, actor: Actor, return_id: int) -> Return:
    """The return, if the actor may read it; otherwise NotFound (its existence stays private)."""
    return_ = session.get(Return, return_id)
    if return_ is None or not can_read_institution(actor, return_.institution):
        raise NotFound(f"No return {return_id}.")
    return return_


def latest_version(session: Session, return_: Return) -> ReturnVersion:
    return session.scalar(select(ReturnVersion).where(
        ReturnVersion.return_id == return_.id, ReturnVersion.version == return_.latest_version))


def get_version(session: Session, actor: Actor, return_id: int, version: int) -> ReturnVersion:
    return_ = get_return(session, actor, return_id)
    found = session.scalar(select(ReturnVersion).where(
        ReturnVersion.return_id == return_.id, ReturnVersion.version == version))
    if found is None:
        raise NotFound(f"Return {return_id} has no version {version}.")
    return found
