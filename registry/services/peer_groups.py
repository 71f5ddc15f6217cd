"""Custom peer groups: universities and the regulator choose whom a college is compared with."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from registry.models import Institution, PeerGroup, PeerGroupMember, Role
from registry.services.access import require_role
from registry.services.actors import Actor
from registry.services.audit import record_event
from registry.services.errors import NotFound, ValidationFailed

MIN_MEMBERS = 5


def create_peer_group(
    session: Session, actor: Actor, name: str, member_codes: list[str],
    min_members: int = MIN_MEMBERS,
) -> PeerGroup:
    """Define a peer group of at least `min_members` colleges (university or regulator)."""
    require_role(actor, Role.UNIVERSITY, Role.REGULATOR, Role.ADMIN)
    codes = sorted(set(member_codes))
    found = list(session.scalars(select(Institution).where(Institution.code.in_(codes))))
    unknown = sorted(set(codes) - {i.code for i in found})
    if unknown:
        raise ValidationFailed("Some members are not on the register.",
                               {"members": [f"unknown institution {c}" for c in unknown]})
    if len(found) < min_members:
        raise ValidationFailed(f"A peer group needs at least {min_members} members.",
                               {"members": [f"{len(found)} given; at least {min_members}"]})
    group = PeerGroup(name=name.strip(), created_by=actor.label,
                      owner_university_id=actor.university_id
                      if actor.role == Role.UNIVERSITY else None)
    group.members = [PeerGroupMember(institution_id=i.id) for i in found]
    session.add(group)
    session.flush()
    record_event(session, actor, "peer_group.create", "peer_group", group.id,
                 after=f"{group.name} ({len(found)} members)", detail={"members": codes})
    return group


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
