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
