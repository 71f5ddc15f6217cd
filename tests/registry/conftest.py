"""Fixtures for API tests: a college with a token, an open period."""

from __future__ import annotations

import pytest

from tests.factories import make_college_token, make_institution, make_period


@pytest.fixture
def college(session):
    return make_institution(session, code="KP-MED-PUB-900", name="Peshawar Test Medical College")


@pytest.fixture
def other_college(session):
    return make_institution(session, code="SD-MED-PVT-900", name="Karachi Test Medical College",
                            province_code="SD", university="DUHS", sector="private")


@pytest.fixture
def period(session):
    return make_period(session, "2025")


@pytest.fixture
def token(session, college):
    return make_college_token(session, college)


@pytest.fixture
def other_token(session, other_college):
    return make_college_token(session, other_college)
