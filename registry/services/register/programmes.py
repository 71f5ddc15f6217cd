"""The programme register: each college registers a programme once, returns refer to it."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from sqlalchemy import Select, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from registry.db import utcnow
from registry.models import Institution, Programme
from registry.services.accounts.access import require_college_of
from registry.services.accounts.actors import Actor
from registry.services.accounts.audit import record_event
from registry.services.errors import Conflict, NotFound, ValidationFailed
from registry.services.register.institutions import RegisterFilters


class InstitutionLike(Protocol):
    """What registering a programme needs of its institution (a row or a reference)."""

    @property
    def id(self) -> int: ...

    @property
    def code(self) -> str: ...


FRAMEWORK_COMPONENTS = (
    "written_policy",
    "committee_with_tor",
    "designated_coordinator",
    "dedicated_budget",
    "confidentiality_policy",
    "structured_portfolio",
    "monitoring_evaluation_plan",
    "research_integration",
    "career_guidance_integration",
    "inter_institutional_collaboration",
)


def components_from_governance(governance: dict) -> dict:
    """The framework components a return's governance section says are in place."""
    components = {name: bool(governance.get(name)) for name in FRAMEWORK_COMPONENTS}
    incentives = governance.get("mentor_incentives") or []
    components["mentor_incentives"] = [i for i in incentives if i != "none"]
    components["personalised_matching"] = governance.get("matching_method") == "personalised"
    return components


def register_programme(
    session: Session,
    actor: Actor,
    institution: Institution,
    *,
    code: str,
    name: str,
    level: str,
    model: str,
    disciplines: list[str],
    start_date: date | None,
) -> Programme:
    """Register a new programme of the actor's own college."""
    require_college_of(actor, institution)
    programme_id = insert_programme(session, actor, institution, code=code, name=name,
                                    level=level, model=model, disciplines=disciplines,
                                    start_date=start_date)
    if programme_id is None:
        raise Conflict(f"Programme {code} is already registered for {institution.code}.")
    return session.get(Programme, programme_id)


# One statement per dialect the registry runs on: both have INSERT ... ON CONFLICT.
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_CODE_KEY = ["institution_id", "code"]


def insert_programme(
    session: Session,
    actor: Actor,
    institution: InstitutionLike,
    *,
    code: str,
    name: str,
    level: str,
    model: str,
    disciplines: list[str],
    start_date: date | None,
) -> int | None:
    """Insert the programme and its audit event unless the code is taken; its id, or None.

    ON CONFLICT DO NOTHING, not a check then an INSERT: a request registering the same
    code at the same moment waits for the other to commit and then inserts nothing,
    where a plain INSERT failed with a unique violation (a 500 on first submissions).
    """
    insert = _INSERTS[session.get_bind().dialect.name]
    statement = (
        insert(Programme.__table__)
        .values(institution_id=institution.id, code=code, name=name, level=level, model=model,
                disciplines=disciplines, start_date=start_date, components={},
                registered_at=utcnow())
        .on_conflict_do_nothing(index_elements=_CODE_KEY)
        .returning(Programme.__table__.c.id)
    )
    programme_id = session.execute(statement).scalar()
    if programme_id is not None:
        record_event(session, actor, "programme.register", "programme",
                     f"{institution.code}/{code}", after=f"{name} ({level}, {model})")
    return programme_id


def check_programme_matches(programme: Programme, section: dict) -> None:
    """A return may not silently change the level a programme was registered with."""
    if section["level"] != programme.level:
        raise ValidationFailed(
            "The return's programme level differs from the registered programme.",
            {"programme.level": [
                f"programme {programme.code} is registered as {programme.level}; "
                "register a new programme code for a different level"
            ]},
        )


def directory_query(
    *,
    level: str | None = None,
    model: str | None = None,
    province: str | None = None,
    component: str | None = None,
    q: str | None = None,
    type: str | None = None,
    sector: str | None = None,
) -> Select:
    """The public programme directory as a query, filtered in the database."""
    query = (
        select(Programme)
        .join(Institution)
        .options(joinedload(Programme.institution))
        .order_by(Institution.code, Programme.code)
    )
    query = RegisterFilters(type, sector, province).apply(query)
    if level:
        query = query.where(Programme.level == level)
    if model:
        query = query.where(Programme.model == model)
    if q:
        query = query.where(Programme.name.ilike(f"%{q}%") | Institution.name.ilike(f"%{q}%"))
    if component:
        query = query.where(Programme.components[component].as_boolean().is_(True))
    return query


def directory(session: Session, **filters: str | None) -> list[Programme]:
    """The public programme directory, filtered."""
    return list(session.scalars(directory_query(**filters)))


def get_programme(session: Session, institution_code: str, code: str) -> Programme:
    programme = session.scalar(
        select(Programme).join(Institution)
        .where(Institution.code == institution_code, Programme.code == code)
    )
    if programme is None:
        raise NotFound(f"No programme {code!r} registered for {institution_code!r}.")
    return programme


def programmes_of(session: Session, institution_id: int | None) -> list[Programme]:
    """The institution's registered programmes (its directory entries), by code."""
    return list(session.scalars(select(Programme).where(
        Programme.institution_id == institution_id).order_by(Programme.code)))
