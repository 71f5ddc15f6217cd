"""Fixtures for page tests: users of each role and a logged-in client."""

from __future__ import annotations

import pytest

from tests.factories import TEST_PASSWORD, make_user


@pytest.fixture
def college_user(session, college):
    return make_user(session, "college", institution_id=college.id,
                     university_id=college.university_id)


@pytest.fixture
def university_user(session, college):
    return make_user(session, "university", university_id=college.university_id)


@pytest.fixture
def regulator_user(session):
    return make_user(session, "regulator")


def log_in(client, user):
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def as_college(client, college_user):
    return log_in(client, college_user)


@pytest.fixture
def as_university(client, university_user):
    return log_in(client, university_user)


@pytest.fixture
def as_regulator(client, regulator_user):
    return log_in(client, regulator_user)


def log_in_as(client, session, role: str, **overrides):
    """Log a new user of the role in through the session cookie (no password hashing)."""
    from registry.models import User

    user = User(email=f"page-{role}-{session.query(User).count()}@test.example",
                name=f"Page {role}", password_hash="!unusable", role=role, **overrides)
    session.add(user)
    session.flush()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = str(user.id)
        cookie["_fresh"] = True
    return user


@pytest.fixture
def published_release(session):
    """Seven KP public medical colleges with returns in period 2024 and its published release."""
    from registry.services.accounts.actors import Actor
    from registry.services.releases import releases
    from tests.registry.benchmark_data import closed_period, seven_colleges

    system = Actor.system("test")
    period = closed_period(session)
    colleges = seven_colleges(session, period)
    release = releases.build_release(session, system, period, releases.ReleaseSettings(),
                                     run_id="pages")
    releases.publish_release(session, system, release)
    return release, colleges
