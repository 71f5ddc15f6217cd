"""Versions side by side: each period accepts its standard versions, in every way in."""

from __future__ import annotations

import io
import random

from sqlalchemy import func, select

from registry.models import AuditEvent, ReturnVersion
from schemas.cohort_examples import as_version_1_1, synthetic_cohorts
from schemas.tabular.write import dump_returns_to_csv
from tests.factories import bearer, make_period, make_user_token, return_payload


def _return_1_1(college, period_code="2025") -> dict:
    payload = return_payload(college, period_code)
    return as_version_1_1(payload, synthetic_cohorts(random.Random(1), period_code, 30))


def _stored(session) -> int:
    return session.scalar(select(func.count()).select_from(ReturnVersion))


def test_a_period_accepts_version_1_0_by_default(session):
    assert make_period(session, "2030").standard_versions == ["1.0"]


def test_a_v1_1_return_is_accepted_by_a_period_accepting_1_1(client, session, college, token):
    make_period(session, "2025", standard_versions=["1.0", "1.1"])
    response = client.post("/api/v1/returns", json=_return_1_1(college), headers=bearer(token))
    assert response.status_code == 201, response.json
    version = client.get(response.json["url"], headers=bearer(token)).json
    assert version["payload"]["cohort_follow_up"]["cohorts"][0]["intake_period"] == "2025"


def test_a_v1_1_return_is_refused_by_a_1_0_period_naming_the_accepted(client, session, college,
                                                                      period, token):
    response = client.post("/api/v1/returns", json=_return_1_1(college), headers=bearer(token))
    assert response.status_code == 422
    error = response.json["error"]
    assert error["message"] == ("Period 2025 accepts returns in data standard version 1.0; "
                                "this return follows version 1.1.")
    assert error["fields"] == {
        "header.schema_version": ["period 2025 accepts version 1.0 only, not 1.1"]}
    assert _stored(session) == 0


def test_the_dry_run_refuses_an_unaccepted_version(client, session, college, token):
    make_period(session, "2025", standard_versions=["1.1"])
    response = client.post("/api/v1/returns/validate", json=return_payload(college),
                           headers=bearer(token))
    assert response.status_code == 422
    assert "accepts returns in data standard version 1.1" in response.json["error"]["message"]


def test_a_bulk_file_in_an_unaccepted_version_stores_nothing(client, session, college, token):
    make_period(session, "2025", standard_versions=["1.1"])
    data = dump_returns_to_csv([return_payload(college)])
    response = client.post("/api/v1/returns/bulk", headers=bearer(token),
                           data={"file": (io.BytesIO(data), "r.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {
        "return 1: header.schema_version": ["period 2025 accepts version 1.1 only, not 1.0"]}
    assert _stored(session) == 0


def test_the_regulator_sets_a_periods_versions_and_it_is_audited(client, session, period):
    regulator = make_user_token(session, "regulator")
    response = client.put("/api/v1/periods/2025/standard-versions",
                          json={"standard_versions": ["1.1", "1.0"]}, headers=bearer(regulator))
    assert response.status_code == 200, response.json
    assert response.json["standard_versions"] == ["1.0", "1.1"]
    event = session.scalar(select(AuditEvent).where(
        AuditEvent.action == "period.standard_versions"))
    assert (event.before, event.after) == ("1.0", "1.0, 1.1")


def test_an_unknown_standard_version_is_refused_for_a_period(client, session, period):
    regulator = make_user_token(session, "regulator")
    response = client.put("/api/v1/periods/2025/standard-versions",
                          json={"standard_versions": ["2.0"]}, headers=bearer(regulator))
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {
        "standard_versions": ["give one or more of 1.0, 1.1; unknown: 2.0"]}


def test_a_period_is_created_with_its_versions(client, session):
    regulator = make_user_token(session, "regulator")
    body = {"code": "2026", "name": "Academic year 2026", "starts_on": "2026-01-01",
            "ends_on": "2026-12-31", "opens_at": "2027-01-01T00:00:00+05:00",
            "closes_at": "2027-03-31T23:59:59+05:00", "due_at": "2027-03-15T23:59:59+05:00",
            "standard_versions": ["1.1"]}
    created = client.post("/api/v1/periods", json=body, headers=bearer(regulator))
    assert created.status_code == 201, created.json
    assert created.json["standard_versions"] == ["1.1"]
