"""Reading the register."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, joinedload

from registry.models import Institution, University
from registry.services.errors import NotFound


@dataclass(frozen=True)
class RegisterFilters:
    """Narrow a list of colleges by type, sector, province and a search on name or code."""
    type: str | None = None
    sector: str | None = None
    province: str | None = None
    q: str | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> RegisterFilters:
        """Read the filters from query or form arguments; blanks mean any."""
        return cls(*(((args.get(k) or "").strip() or None)
                     for k in ("type", "sector", "province", "q")))

    def apply(self, query: Select) -> Select:
        """Add these conditions to a query that selects or joins Institution."""
        if self.type:
            query = query.where(Institution.type == self.type)
        if self.sector:
            query = query.where(Institution.sector == self.sector)
        if self.province:
            query = query.where(Institution.province_code == self.province)
        if self.q:
            like = f"%{self.q.lower()}%"
            query = query.where(or_(Institution.name.ilike(like), Institution.code.ilike(like)))
        return query


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
    query = RegisterFilters(type, sector, province, q).apply(query)
    if university:
        query = query.join(University).where(University.code == university)
    return query.order_by(Institution.code)


def get_institution(session: Session, code: str) -> Institution:
    """Return the institution with this code or raise NotFound."""
    institution = session.scalar(select(Institution).where(Institution.code == code))
    if institution is None:
        raise NotFound(f"No institution with code {code!r}.")
    return institution
