"""API tokens: shown once, stored hashed, revocable, with last-used time."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from registry.models import ApiToken
from tests.factories import bearer


def test_new_token_is_shown_once_and_stored_only_as_a_hash(client, session, token):
    created = client.post("/api/v1/tokens", json={"name": "toolkit"}, headers=bearer(token))
    assert created.status_code == 201
    secret = created.json["token"]
    stored = session.get(ApiToken, created.json["id"])
    assert secret not in (stored.token_hash, stored.prefix)
    listed = client.get("/api/v1/tokens", headers=bearer(token)).json
    assert all("token" not in t for t in listed)
    assert client.get("/api/v1/returns", headers=bearer(secret)).status_code == 200


def test_college_token_is_scoped_to_its_institution(client, session, college, token):
    created = client.post("/api/v1/tokens", json={"name": "toolkit"}, headers=bearer(token))
    assert created.json["institution"] == college.code


def test_revoked_token_stops_working(client, token):
    created = client.post("/api/v1/tokens", json={"name": "old"}, headers=bearer(token)).json
    revoked = client.delete(f"/api/v1/tokens/{created['id']}", headers=bearer(token))
    assert revoked.status_code == 200
    assert revoked.json["revoked_at"] is not None
    assert client.get("/api/v1/returns", headers=bearer(created["token"])).status_code == 401


def test_using_a_token_records_its_last_use(client, session, token):
    client.get("/api/v1/returns", headers=bearer(token))
    stored = session.scalar(select(ApiToken).where(ApiToken.prefix == token[:10]))
    session.refresh(stored)
    assert stored.last_used_at is not None


def test_a_new_token_expires_after_the_lifetime_asked_for(client, session, token):
    created = client.post("/api/v1/tokens", json={"name": "term", "lifetime_days": 30},
                          headers=bearer(token)).json
    lifetime = (datetime.fromisoformat(created["expires_at"])
                - datetime.fromisoformat(created["created_at"]))
    assert timedelta(days=30) - timedelta(seconds=5) < lifetime <= timedelta(days=30)


def test_a_new_token_lives_a_year_by_default(client, token):
    created = client.post("/api/v1/tokens", json={"name": "year"}, headers=bearer(token)).json
    lifetime = (datetime.fromisoformat(created["expires_at"])
                - datetime.fromisoformat(created["created_at"]))
    assert lifetime.days in (364, 365)


def test_a_token_lifetime_outside_the_offered_ones_is_refused(client, token):
    response = client.post("/api/v1/tokens", json={"name": "forever", "lifetime_days": 3650},
                           headers=bearer(token))
    assert response.status_code == 422
    assert "lifetime_days" in str(response.json["error"]["fields"])
