"""The peer group service on its own: naming, deleting, and who may do either."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.models import PeerGroupMember
from registry.services.accounts.actors import Actor
from registry.services.errors import NotFound, PermissionDenied, ValidationFailed
from registry.services.register.peer_groups import create_peer_group, delete_peer_group
from tests.factories import make_institution


@pytest.fixture
def codes(session):
    return [make_institution(session, code=f"KP-SV-{k}").code for k in range(5)]


@pytest.fixture
def owner(session, codes):
    university_id = make_institution(session).university_id
    return Actor(label="user:owner", role="university", university_id=university_id)


def test_a_name_longer_than_120_characters_is_refused(session, owner, codes):
    with pytest.raises(ValidationFailed) as refused:
        create_peer_group(session, owner, "x" * 121, codes)
    assert refused.value.fields == {"name": ["at most 120 characters"]}


def test_deleting_a_group_removes_its_members(session, owner, codes):
    group = create_peer_group(session, owner, "To go", codes)
    group_id = group.id
    delete_peer_group(session, owner, group_id)
    assert session.scalars(select(PeerGroupMember).where(
        PeerGroupMember.peer_group_id == group_id)).all() == []


def test_a_college_may_not_delete_its_universitys_group(session, owner, codes):
    group = create_peer_group(session, owner, "Kept", codes)
    college = Actor(label="user:college", role="college", institution_id=1,
                    university_id=owner.university_id)
    with pytest.raises(PermissionDenied):
        delete_peer_group(session, college, group.id)


def test_a_missing_group_cannot_be_deleted(session, owner):
    with pytest.raises(NotFound):
        delete_peer_group(session, owner, 999_999)
