"""Review levels: each allowed and refused transition, per role."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.models import AuditEvent, Return, ReturnVersion
from tests.factories import bearer, make_user_token, return_payload


@pytest.fixture
def submitted(client, college, period, token):
    response = client.post("/api/v1/returns", json=return_payload(college), headers=bearer(token))
    return response.json["id"]


def set_status(session, return_id, status):
    """Stand in for the quality pipeline's verdict on the latest version."""
    return_ = session.get(Return, return_id)
    version = session.scalar(select(ReturnVersion).where(
        ReturnVersion.return_id == return_id, ReturnVersion.version == return_.latest_version))
    return_.status = version.status = status
    session.flush()


@pytest.fixture
def kmu(session, college):
    return make_user_token(session, "university", university_id=college.university_id)


@pytest.fixture
def duhs(session, other_college):
    return make_user_token(session, "university", university_id=other_college.university_id)


@pytest.fixture
def regulator(session):
    return make_user_token(session, "regulator")


def decide(client, secret, return_id, decision, comment=None, version=1):
    return client.post(f"/api/v1/returns/{return_id}/versions/{version}/decisions",
                       json={"decision": decision, "comment": comment}, headers=bearer(secret))


def test_university_approves_a_validated_return(client, session, submitted, kmu):
    set_status(session, submitted, "validated")
    response = decide(client, kmu, submitted, "approve")
    assert response.status_code == 201
    assert (response.json["status_before"], response.json["status_after"]) == (
        "validated", "approved")
    assert session.get(Return, submitted).status == "approved"


def test_university_cannot_approve_a_return_still_submitted(client, submitted, kmu):
    response = decide(client, kmu, submitted, "approve")
    assert response.status_code == 409
    assert "applies only to validated" in response.json["error"]["message"]


def test_returning_needs_a_comment(client, session, submitted, kmu):
    set_status(session, submitted, "validated")
    response = decide(client, kmu, submitted, "return")
    assert response.status_code == 422
    assert "comment" in response.json["error"]["fields"]


def test_university_returns_with_a_comment(client, session, submitted, kmu):
    set_status(session, submitted, "validated")
    response = decide(client, kmu, submitted, "return", "Training hours look doubled")
    assert response.json["status_after"] == "returned"


def test_other_university_cannot_review(client, session, submitted, duhs):
    set_status(session, submitted, "validated")
    assert decide(client, duhs, submitted, "approve").status_code == 404


def test_college_cannot_review_its_own_return(client, session, submitted, token):
    set_status(session, submitted, "validated")
    assert decide(client, token, submitted, "approve").status_code == 403


def test_regulator_cannot_approve_at_university_level(client, session, submitted, regulator):
    set_status(session, submitted, "validated")
    assert decide(client, regulator, submitted, "approve").status_code == 403


def test_regulator_signs_off_an_approved_return(client, session, submitted, kmu, regulator):
    set_status(session, submitted, "validated")
    decide(client, kmu, submitted, "approve")
    response = decide(client, regulator, submitted, "sign_off")
    assert response.json["status_after"] == "signed_off"


def test_regulator_cannot_sign_off_before_approval(client, session, submitted, regulator):
    set_status(session, submitted, "validated")
    assert decide(client, regulator, submitted, "sign_off").status_code == 409


def test_university_cannot_sign_off(client, session, submitted, kmu):
    set_status(session, submitted, "validated")
    decide(client, kmu, submitted, "approve")
    assert decide(client, kmu, submitted, "sign_off").status_code == 403


def test_new_version_restarts_review(client, session, college, submitted, token, kmu):
    set_status(session, submitted, "validated")
    decide(client, kmu, submitted, "approve")
    client.post("/api/v1/returns", json=return_payload(college), headers=bearer(token))
    assert session.get(Return, submitted).status == "submitted"
    assert decide(client, kmu, submitted, "approve", version=1).status_code == 409


def test_decisions_are_events_never_overwrites(client, session, submitted, kmu, regulator):
    set_status(session, submitted, "validated")
    decide(client, kmu, submitted, "approve", "fine")
    decide(client, regulator, submitted, "return", "Province total is off")
    history = client.get(f"/api/v1/returns/{submitted}/decisions", headers=bearer(kmu)).json
    assert [(d["decision"], d["status_after"]) for d in history] == [
        ("approve", "approved"), ("return", "returned")]
    actions = session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.startswith("review."))).all()
    assert actions == ["review.approve", "review.return"]


def test_unknown_decision_is_422(client, submitted, kmu):
    assert decide(client, kmu, submitted, "bless").status_code == 422
