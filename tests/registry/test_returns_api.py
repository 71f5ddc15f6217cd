"""Submitting returns over the API: versions, dry run, idempotency, reading back."""

from __future__ import annotations

import copy
from datetime import timedelta

from sqlalchemy import func, select

from registry.models import AuditEvent, IdempotencyRecord, ReturnVersion
from tests.factories import bearer, return_payload


def submit(client, token, payload, **headers):
    return client.post("/api/v1/returns", json=payload, headers={**bearer(token), **headers})


def test_submission_creates_version_1_with_status_submitted(client, college, period, token):
    response = submit(client, token, return_payload(college))
    assert response.status_code == 201, response.json
    assert (response.json["version"], response.json["status"]) == (1, "submitted")


def test_resubmission_appends_version_2_and_keeps_version_1(client, college, period, token):
    first = return_payload(college)
    corrected = copy.deepcopy(first)
    corrected["capacity"]["active_mentors"] = first["capacity"]["active_mentors"] + 1
    submit(client, token, first)
    response = submit(client, token, corrected)
    return_id = response.json["id"]
    assert response.json["version"] == 2
    versions = client.get(f"/api/v1/returns/{return_id}/versions", headers=bearer(token)).json
    assert [v["version"] for v in versions] == [1, 2]
    v1 = client.get(f"/api/v1/returns/{return_id}/versions/1", headers=bearer(token)).json
    v2 = client.get(f"/api/v1/returns/{return_id}/versions/2", headers=bearer(token)).json
    assert v1["payload"] == first
    assert v2["payload"] == corrected


def test_version_records_who_sent_it_and_when(client, college, period, token):
    response = submit(client, token, return_payload(college))
    version = client.get(response.json["url"], headers=bearer(token)).json
    assert version["submitted_by"].startswith("token:mr_")
    assert version["source"] == "api"
    assert version["received_at"]


def test_submission_is_audited_with_the_address(client, session, college, period, token):
    submit(client, token, return_payload(college))
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "return.submit"))
    assert event.address == "127.0.0.1"
    assert event.actor.startswith("token:")
    assert event.after.startswith("version 1")



def test_each_version_is_audited_alike_on_both_databases(client, session, college, period,
                                                         token):
    """PostgreSQL writes the audit row in the statement that counts the version; the
    texts must read as the separate INSERT writes them elsewhere."""
    first = return_payload(college)
    second = copy.deepcopy(first)
    second["capacity"]["active_mentors"] += 1
    ids = [submit(client, token, payload).json["id"] for payload in (first, second)]
    digests = session.scalars(select(ReturnVersion.payload_sha256)
                              .order_by(ReturnVersion.version)).all()
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "return.submit")
                             .order_by(AuditEvent.id)).all()
    assert [(e.object_type, e.object_id, e.before, e.after) for e in events] == [
        ("return", str(ids[0]), None, f"version 1 ({digests[0][:12]})"),
        ("return", str(ids[1]), "version 1", f"version 2 ({digests[1][:12]})"),
    ]
    assert events[1].detail == {"institution": college.code, "programme": first["header"][
        "programme_code"], "period": period.code, "source": "api"}
    assert ids[0] == ids[1]

def test_idempotency_key_replays_the_version_it_created(client, session, college, period, token):
    payload = return_payload(college)
    first = submit(client, token, payload, **{"Idempotency-Key": "abc-1"})
    again = submit(client, token, payload, **{"Idempotency-Key": "abc-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["replayed"] is True
    assert again.json["version"] == first.json["version"] == 1
    assert session.scalar(select(func.count()).select_from(ReturnVersion)) == 1


def test_idempotency_key_reused_for_another_payload_is_a_conflict(client, college, period, token):
    payload = return_payload(college)
    submit(client, token, payload, **{"Idempotency-Key": "abc-2"})
    payload["capacity"]["active_mentors"] += 1
    response = submit(client, token, payload, **{"Idempotency-Key": "abc-2"})
    assert response.status_code == 409
    assert response.json["error"]["code"] == "conflict"
    assert "different figures" in response.json["error"]["message"]
    assert response.json["error"]["fields"] == {
        "Idempotency-Key": ["already used for a different request body"]}


def test_earlier_figures_sent_again_with_their_key_become_a_new_latest_version(
        client, college, period, token):
    original = return_payload(college)
    corrected = copy.deepcopy(original)
    corrected["capacity"]["active_mentors"] += 1
    submit(client, token, original, **{"Idempotency-Key": "digest-of-original"})
    submit(client, token, corrected, **{"Idempotency-Key": "digest-of-corrected"})
    reverted = submit(client, token, original, **{"Idempotency-Key": "digest-of-original"})
    assert (reverted.status_code, reverted.json["version"]) == (201, 3)
    assert reverted.json["replayed"] is False


def test_a_retry_of_the_reverting_request_replays_the_version_it_made(
        client, college, period, token):
    original = return_payload(college)
    corrected = copy.deepcopy(original)
    corrected["capacity"]["active_mentors"] += 1
    submit(client, token, original, **{"Idempotency-Key": "k-original"})
    submit(client, token, corrected)
    reverted = submit(client, token, original, **{"Idempotency-Key": "k-original"})
    retried = submit(client, token, original, **{"Idempotency-Key": "k-original"})
    assert (retried.status_code, retried.json["version"]) == (200, reverted.json["version"])


def test_an_idempotency_key_older_than_24_hours_makes_a_new_version(
        client, session, college, period, token):
    payload = return_payload(college)
    submit(client, token, payload, **{"Idempotency-Key": "old-key"})
    record = session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == "old-key"))
    record.created_at -= timedelta(hours=24)
    session.flush()
    response = submit(client, token, payload, **{"Idempotency-Key": "old-key"})
    assert (response.status_code, response.json["version"]) == (201, 2)


def test_an_idempotency_key_just_inside_24_hours_still_replays(
        client, session, college, period, token):
    payload = return_payload(college)
    submit(client, token, payload, **{"Idempotency-Key": "recent-key"})
    record = session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.key == "recent-key"))
    record.created_at -= timedelta(hours=23, minutes=59)
    session.flush()
    response = submit(client, token, payload, **{"Idempotency-Key": "recent-key"})
    assert (response.status_code, response.json["version"]) == (200, 1)


def test_an_expired_key_may_carry_other_figures(client, session, college, period, token):
    payload = return_payload(college)
    submit(client, token, payload, **{"Idempotency-Key": "reused-key"})
    record = session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.key == "reused-key"))
    record.created_at -= timedelta(days=2)
    session.flush()
    payload["capacity"]["active_mentors"] += 1
    response = submit(client, token, payload, **{"Idempotency-Key": "reused-key"})
    assert (response.status_code, response.json["version"]) == (201, 2)


def test_dry_run_validates_and_stores_nothing(client, session, college, period, token):
    response = client.post("/api/v1/returns/validate", json=return_payload(college),
                           headers=bearer(token))
    assert response.status_code == 200
    assert response.json["valid"] is True
    assert session.scalar(select(func.count()).select_from(ReturnVersion)) == 0


def test_dry_run_says_a_new_programme_will_be_added_as_version_1(
        client, college, period, token):
    response = client.post("/api/v1/returns/validate",
                           json=return_payload(college, programme_code="UG-NEW"),
                           headers=bearer(token))
    assert (response.json["adds_programme"], response.json["programme_registered"],
            response.json["version"]) == (True, False, 1)
    assert response.json["outcome"] == ("Submitting will add programme UG-NEW to the programme "
                                        f"directory and store version 1 of the UG-NEW return "
                                        f"for {period.code}.")


def test_dry_run_names_the_version_a_resubmission_becomes(client, college, period, token):
    payload = return_payload(college)
    submit(client, token, payload)
    submit(client, token, payload)
    response = client.post("/api/v1/returns/validate", json=payload, headers=bearer(token))
    assert (response.json["adds_programme"], response.json["version"]) == (False, 3)
    assert "add programme" not in response.json["outcome"]


def test_dry_run_reports_the_same_errors_as_a_submission(client, college, period, token):
    bad = return_payload(college)
    bad["evaluation"]["mentee_survey"]["responded"] = 10_000
    dry = client.post("/api/v1/returns/validate", json=bad, headers=bearer(token))
    real = submit(client, token, bad)
    assert dry.status_code == real.status_code == 422
    assert dry.json == real.json


def test_first_return_registers_its_programme(client, college, period, token):
    submit(client, token, return_payload(college, programme_code="UG-FAC"))
    programme = client.get(f"/api/v1/programmes/{college.code}/UG-FAC").json
    assert programme["level"] == "postgraduate"
    assert programme["components_period"] == "2025"


def test_return_changing_the_registered_level_is_refused(client, college, period, token):
    payload = return_payload(college)
    submit(client, token, payload)
    payload["programme"]["level"] = "faculty"
    response = submit(client, token, payload)
    assert response.status_code == 422
    assert "programme.level" in response.json["error"]["fields"]


def test_list_shows_own_returns_with_status(client, college, period, token):
    submit(client, token, return_payload(college))
    body = client.get("/api/v1/returns?period=2025", headers=bearer(token)).json
    assert body["total"] == 1
    item = body["items"][0]
    assert (item["institution"], item["programme"], item["period"]) == (
        college.code, "PG-PEER", "2025")
    assert (item["latest_version"], item["status"]) == (1, "submitted")


def test_reading_returns_needs_a_token(client):
    response = client.get("/api/v1/returns")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["error"]["code"] == "unauthorized"


def test_unknown_token_is_refused(client):
    response = client.get("/api/v1/returns", headers=bearer("mr_not-a-real-token"))
    assert response.status_code == 401


def test_dry_run_answers_with_the_one_return_findings_in_the_quality_report_shape(
        client, session, college, period, token):
    payload = return_payload(college)
    payload["activity"]["contact_hours"] = "not_collected"
    response = client.post("/api/v1/returns/validate", json=payload, headers=bearer(token))
    assert response.status_code == 200
    assert response.json["compared"] is False
    [finding] = response.json["findings"]
    assert finding["rule_id"] == "Q008" and finding["field"] == "activity.contact_hours"
    assert set(finding) == {"rule_id", "kind", "severity", "field", "value", "expected",
                            "message", "guidance"}
    assert finding["value"] == "not_collected" and finding["guidance"]
