"""Reading the register."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, joinedload

from registry.models import Institution, University
from registry.services.errors import NotFound


def institutions_query(
    *,
    type: str | None = None,
    sector: str | None = None,
    province: str | None = None,
    university: str | None = None,
    q: str | None = None,
) -> Select:
    """Build the filtered, ordered query over the register."""
    query = select(Institution).options(joinedload(Institution.university))
    if type:
        query = query.where(Institution.type == type)
    if sector:
        query = query.where(Institution.sector == sector)
    if province:
        query = query.where(Institution.province_code == province)
    if university:
        query = query.join(University).where(University.code == university)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(
            or_(Institution.name.ilike(like), Institution.code.ilike(like))
        )
    return query.order_by(Institution.code)


def get_institution(session: Session, code: str) -> Institution:
    """Return the institution with this code or raise NotFound."""
    institution = session.scalar(select(Institution).where(Institution.code == code))
    if institution is None:
        raise NotFound(f"No institution with code {code!r}.")
    return institution
