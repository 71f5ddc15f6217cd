"""Who may read and act for which institution: the regulator, a university, a college."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.models import Institution
from registry.services.accounts.access import (
    can_read_institution,
    require_college_of,
    require_role,
    scope_to_actor,
)
from registry.services.accounts.actors import Actor
from registry.services.errors import PermissionDenied

REGULATOR = Actor(label="analyst@pmdc", role="regulator")


def reviewer_of(college: Institution) -> Actor:
    return Actor(label="reviewer@university", role="university",
                 university_id=college.university_id)


def officer_of(college: Institution) -> Actor:
    return Actor(label="officer@college", role="college", institution_id=college.id)


def readable(session, actor: Actor, *colleges: Institution) -> set[str]:
    query = select(Institution).where(Institution.id.in_([c.id for c in colleges]))
    return {i.code for i in session.scalars(scope_to_actor(query, actor))}


def test_the_regulator_reads_every_institution(college, other_college):
    assert [can_read_institution(REGULATOR, c) for c in (college, other_college)] == [
        True, True]


def test_a_university_reads_its_affiliated_colleges_only(college, other_college):
    actor = reviewer_of(college)
    assert [can_read_institution(actor, c) for c in (college, other_college)] == [True, False]


def test_a_college_reads_itself_only(college, other_college):
    actor = officer_of(college)
    assert [can_read_institution(actor, c) for c in (college, other_college)] == [True, False]


def test_a_query_scoped_to_the_regulator_keeps_every_institution(session, college,
                                                                 other_college):
    assert readable(session, REGULATOR, college, other_college) == {
        college.code, other_college.code}


def test_a_query_scoped_to_a_university_keeps_its_colleges(session, college, other_college):
    assert readable(session, reviewer_of(college), college, other_college) == {college.code}


def test_a_query_scoped_to_a_college_keeps_itself(session, college, other_college):
    assert readable(session, officer_of(college), college, other_college) == {college.code}


def test_a_college_acts_for_itself(college):
    require_college_of(officer_of(college), college)


def test_no_one_else_acts_for_a_college(college, other_college):
    with pytest.raises(PermissionDenied, match=(
            rf"^officer@college cannot act for institution {other_college.code}; "
            r"only that college's own users and tokens can\.$")):
        require_college_of(officer_of(college), other_college)


@pytest.mark.parametrize("role", ["regulator", "admin", "system"])
def test_a_role_check_lets_the_named_roles_and_the_system_through(role):
    require_role(Actor(label="x", role=role), "regulator", "admin")


def test_a_role_check_refuses_another_role_naming_the_roles_it_needs():
    with pytest.raises(PermissionDenied, match=r"^This needs the role regulator or admin\.$"):
        require_role(Actor(label="x", role="college"), "regulator", "admin")
