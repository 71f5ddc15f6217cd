"""Who may see and change what, along the institution hierarchy."""

from __future__ import annotations

from sqlalchemy import Select

from registry.models import Institution, Role
from registry.services.accounts.actors import Actor
from registry.services.errors import PermissionDenied


def can_read_institution(actor: Actor, institution: Institution) -> bool:
    """Regulators see all; a university its affiliated colleges; a college itself."""
    if actor.is_national:
        return True
    if actor.role == Role.UNIVERSITY:
        return institution.university_id == actor.university_id
    return actor.institution_id == institution.id


def scope_to_actor(query: Select, actor: Actor) -> Select:
    """Restrict a query that joins Institution to what the actor may read."""
    if actor.is_national:
        return query
    if actor.role == Role.UNIVERSITY:
        return query.where(Institution.university_id == actor.university_id)
    return query.where(Institution.id == actor.institution_id)


def require_college_of(actor: Actor, institution: Institution) -> None:
    """Only the college itself submits or registers for its institution."""
    if actor.institution_id != institution.id:
        raise PermissionDenied(
            f"{actor.label} cannot act for institution {institution.code}; "
            "only that college's own users and tokens can."
        )


def require_role(actor: Actor, *roles: str) -> None:
    if actor.role not in roles and actor.role != "system":
        raise PermissionDenied(f"This needs the role {' or '.join(roles)}.")
