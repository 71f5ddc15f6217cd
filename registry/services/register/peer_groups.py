"""Custom peer groups: universities and the regulator choose whom a college is compared with."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from registry.models import Institution, PeerGroup, PeerGroupMember, Role
from registry.services.accounts.access import require_role, scope_to_actor
from registry.services.accounts.actors import Actor
from registry.services.accounts.audit import record_event
from registry.services.errors import NotFound, ValidationFailed
from registry.services.paging import Page, paginate
from registry.services.register.institutions import RegisterFilters

MIN_MEMBERS = 5
MAX_NAME = 120


def create_peer_group(
    session: Session, actor: Actor, name: str, member_codes: list[str],
    min_members: int = MIN_MEMBERS,
) -> PeerGroup:
    """Define a peer group of at least `min_members` colleges (university or regulator)."""
    require_role(actor, Role.UNIVERSITY, Role.REGULATOR, Role.ADMIN)
    name = _valid_name(name)
    codes = sorted(set(member_codes))
    found = list(session.scalars(select(Institution).where(Institution.code.in_(codes))))
    unknown = sorted(set(codes) - {i.code for i in found})
    if unknown:
        raise ValidationFailed("Some members are not on the register.",
                               {"members": [f"unknown institution {c}" for c in unknown]})
    if len(found) < min_members:
        raise ValidationFailed(f"A peer group needs at least {min_members} members.",
                               {"members": [f"{len(found)} given; at least {min_members}"]})
    group = PeerGroup(name=name, created_by=actor.label,
                      owner_university_id=actor.university_id
                      if actor.role == Role.UNIVERSITY else None)
    group.members = [PeerGroupMember(institution_id=i.id) for i in found]
    session.add(group)
    session.flush()
    record_event(session, actor, "peer_group.create", "peer_group", group.id,
                 after=f"{group.name} ({len(found)} members)", detail={"members": codes})
    return group


def _valid_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Give the peer group a name.", {"name": ["a name is required"]})
    if len(name) > MAX_NAME:
        raise ValidationFailed("The name is too long.",
                               {"name": [f"at most {MAX_NAME} characters"]})
    return name


def delete_peer_group(session: Session, actor: Actor, group_id: int) -> str:
    """Delete a group its owner university (or the regulator) no longer uses; returns its name.

    Comparisons are computed on request, so nothing stored refers to the group; the audit
    trail keeps its name and members.
    """
    require_role(actor, Role.UNIVERSITY, Role.REGULATOR, Role.ADMIN)
    group = get_peer_group(session, actor, group_id)
    members = sorted(m.institution.code for m in group.members)
    for member in group.members:
        session.delete(member)
    session.delete(group)
    session.flush()
    record_event(session, actor, "peer_group.delete", "peer_group", group_id,
                 before=f"{group.name} ({len(members)} members)", detail={"members": members})
    return group.name


def visible_groups_query(actor: Actor):
    """Groups the actor may use: all (regulator), its own (university), its university's."""
    query = (select(PeerGroup).options(selectinload(PeerGroup.members)
                                       .joinedload(PeerGroupMember.institution))
             .order_by(PeerGroup.name, PeerGroup.id))
    if actor.is_national:
        return query
    if actor.university_id is None:
        return query.where(PeerGroup.id.is_(None))
    return query.where(PeerGroup.owner_university_id == actor.university_id)


def list_peer_groups(session: Session, actor: Actor) -> list[PeerGroup]:
    return list(session.scalars(visible_groups_query(actor)))


def get_peer_group(session: Session, actor: Actor, group_id: int) -> PeerGroup:
    """One group the actor may use, else NotFound (its existence stays private)."""
    group = session.scalar(visible_groups_query(actor).where(PeerGroup.id == group_id))
    if group is None:
        raise NotFound(f"No peer group {group_id}.")
    return group


PICKER_PAGE = 40


def candidate_members(
    session: Session, filters: RegisterFilters | None = None, page: int | str | None = 1,
    per_page: int = PICKER_PAGE,
) -> Page[Institution]:
    """Colleges on the register that may be members (any may), filtered, a page at a time."""
    query = select(Institution).order_by(Institution.province_code, Institution.code)
    return paginate(session, (filters or RegisterFilters()).apply(query), page, per_page)


def colleges_named(session: Session, codes: list[str]) -> list[Institution]:
    """The colleges with these codes, by name (the picker's "chosen so far")."""
    return list(session.scalars(select(Institution).where(Institution.code.in_(codes))
                                .order_by(Institution.name)))


def comparable_colleges(session: Session, actor: Actor) -> list[Institution]:
    """The colleges whose comparison the actor may open with a group (its own scope)."""
    return list(session.scalars(scope_to_actor(select(Institution), actor)
                                .order_by(Institution.code)))
