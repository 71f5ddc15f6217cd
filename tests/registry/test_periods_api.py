"""Submission windows, extensions and period management."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.factories import bearer, make_period, make_user_token, return_payload


def test_submission_outside_the_window_is_409_naming_it(client, session, college, token):
    make_period(session, "2024", open_now=False)
    response = client.post("/api/v1/returns", json=return_payload(college, "2024"),
                           headers=bearer(token))
    assert response.status_code == 409
    message = response.json["error"]["message"]
    assert "Period 2024 accepts returns from" in message
    assert response.json["error"]["fields"] == {
        "header.period_code": ["submission window is closed"]}


def test_extension_lets_one_institution_submit_late(client, session, college, token):
    make_period(session, "2024", open_now=False)
    regulator = make_user_token(session, "regulator")
    until = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    granted = client.post("/api/v1/periods/2024/extensions", headers=bearer(regulator),
                          json={"institution": college.code, "until": until,
                                "reason": "Floods closed the college"})
    assert granted.status_code == 201, granted.json
    response = client.post("/api/v1/returns", json=return_payload(college, "2024"),
                           headers=bearer(token))
    assert response.status_code == 201


def test_extension_does_not_help_other_institutions(client, session, college, other_college,
                                                    other_token):
    make_period(session, "2024", open_now=False)
    regulator = make_user_token(session, "regulator")
    until = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    client.post("/api/v1/periods/2024/extensions", headers=bearer(regulator),
                json={"institution": college.code, "until": until, "reason": "Floods"})
    response = client.post("/api/v1/returns", json=return_payload(other_college, "2024"),
                           headers=bearer(other_token))
    assert response.status_code == 409


def test_college_cannot_grant_extensions(client, session, college, token):
    make_period(session, "2024", open_now=False)
    until = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    response = client.post("/api/v1/periods/2024/extensions", headers=bearer(token),
                           json={"institution": college.code, "until": until, "reason": "x"})
    assert response.status_code == 403


def test_regulator_creates_a_period_and_it_is_listed(client, session):
    regulator = make_user_token(session, "regulator")
    body = {"code": "2026", "name": "Academic year 2026", "starts_on": "2026-01-01",
            "ends_on": "2026-12-31", "opens_at": "2027-01-01T00:00:00+05:00",
            "closes_at": "2027-03-31T23:59:59+05:00", "due_at": "2027-03-15T23:59:59+05:00"}
    created = client.post("/api/v1/periods", json=body, headers=bearer(regulator))
    assert created.status_code == 201, created.json
    assert [p["code"] for p in client.get("/api/v1/periods").json] == ["2026"]


def test_period_with_due_date_outside_its_window_is_refused(client, session):
    regulator = make_user_token(session, "regulator")
    body = {"code": "2026", "name": "2026", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
            "opens_at": "2027-01-01T00:00:00Z", "closes_at": "2027-03-31T00:00:00Z",
            "due_at": "2027-05-01T00:00:00Z"}
    response = client.post("/api/v1/periods", json=body, headers=bearer(regulator))
    assert response.status_code == 422
    assert "due_at" in response.json["error"]["fields"]
