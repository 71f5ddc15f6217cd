"""A token stops acting when it is revoked, expires, its user is deactivated, or its user's
role or institution no longer matches the scope it was issued for (401, never the old scope)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from registry.db import utcnow
from registry.models import ApiToken, University, User
from tests.factories import bearer, make_user_token, return_payload


def user_of(session, secret: str) -> User:
    return session.scalar(select(User).join(ApiToken, ApiToken.user_id == User.id)
                          .where(ApiToken.prefix == secret[:10]))


def rejected(response) -> bool:
    return response.status_code == 401 and response.json["error"]["code"] == "unauthorized"


def test_a_working_token_lists_returns(client, token):
    assert client.get("/api/v1/returns", headers=bearer(token)).status_code == 200


def test_an_unknown_token_is_rejected(client, token):
    assert rejected(client.get("/api/v1/returns", headers=bearer(token + "x")))


def test_a_revoked_token_is_rejected(client, session, token):
    session.scalar(select(ApiToken).where(ApiToken.prefix == token[:10])).revoked_at = utcnow()
    session.flush()
    assert rejected(client.get("/api/v1/returns", headers=bearer(token)))


def test_an_expired_token_is_rejected(client, session, token):
    session.scalar(select(ApiToken).where(ApiToken.prefix == token[:10])).expires_at = (
        utcnow() - timedelta(seconds=1))
    session.flush()
    response = client.get("/api/v1/returns", headers=bearer(token))
    assert rejected(response)
    assert "expired" in response.json["error"]["message"]


def test_a_token_works_until_its_expiry(client, session, token):
    session.scalar(select(ApiToken).where(ApiToken.prefix == token[:10])).expires_at = (
        utcnow() + timedelta(minutes=1))
    session.flush()
    assert client.get("/api/v1/returns", headers=bearer(token)).status_code == 200


def test_the_token_of_a_deactivated_user_is_rejected(client, session, token):
    user_of(session, token).is_active = False
    session.flush()
    assert rejected(client.get("/api/v1/returns", headers=bearer(token)))


def test_a_college_token_stops_when_its_user_moves_to_another_college(
        client, session, college, other_college, period, token):
    user = user_of(session, token)
    user.institution_id, user.university_id = other_college.id, other_college.university_id
    session.flush()
    response = client.post("/api/v1/returns", json=return_payload(college), headers=bearer(token))
    assert rejected(response)


def test_a_college_token_stops_when_its_user_becomes_a_reviewer(client, session, token):
    user = user_of(session, token)
    user.role, user.institution_id = "university", None
    session.flush()
    assert rejected(client.get("/api/v1/returns", headers=bearer(token)))


@pytest.mark.parametrize("role", ["university", "regulator"])
def test_a_token_issued_without_a_college_stops_when_its_user_joins_one(
        client, session, college, role):
    kmu = session.scalar(select(University).where(University.code == "KMU"))
    secret = make_user_token(session, role, university_id=kmu.id if role == "university"
                             else None)
    user = user_of(session, secret)
    user.role, user.institution_id, user.university_id = "college", college.id, None
    session.flush()
    assert rejected(client.get("/api/v1/returns", headers=bearer(secret)))
