"""Quality through the API: reports, the status flow, explanations and reviewers' decisions."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import func, select

from expectations import rules_by_id
from registry.models import AuditEvent, QualityIssue, Return, University, User
from registry.services.accounts.actors import Actor
from registry.services.accounts.tokens import create_token
from registry.services.quality.quality_checks import Finding, check_period, store_findings
from registry.services.submission.submissions import submit_return
from tests.factories import bearer, make_institution, make_period, return_payload

NOT_COLLECTED = {"activity": {"contact_hours": "not_collected"}}
NO_MENTORS = {"capacity": {"active_mentors": 0, "mentors_trained": 0}}


def submit(client, token, institution, period="2025", programme="PG-PEER", **sections) -> int:
    response = client.post("/api/v1/returns", headers=bearer(token),
                           json=return_payload(institution, period, programme, **sections))
    assert response.status_code == 201, response.json
    return response.json["id"]


def run_checks(session, period="2025", recheck=False):
    """Run the real checks (Great Expectations) on the period."""
    return check_period(session, Actor.system("test"), period, recheck=recheck)


def raise_issue(session, return_id: int, rule_id: str, value: str) -> None:
    """Store one finding as the pipeline's store step does, without running GX."""
    return_ = session.get(Return, return_id)
    version = return_.versions[-1]
    rule = rules_by_id()[rule_id]
    finding = Finding(version.id, rule.id, rule.field, rule.severity, rule.kind, value,
                      rule.expected, rule.message)
    targets = pd.DataFrame({"return_id": [return_id], "version_status": [version.status],
                            "return_status": [return_.status]}, index=[version.id])
    store_findings(session, Actor.system("test"), return_.period, targets, [finding])


def report(client, token, return_id, version=1) -> dict:
    response = client.get(f"/api/v1/returns/{return_id}/versions/{version}/quality",
                          headers=bearer(token))
    assert response.status_code == 200, response.json
    return response.json


def issue_of(client, token, return_id, rule, version=1) -> dict:
    return next(i for i in report(client, token, return_id, version)["issues"]
                if i["rule_id"] == rule)


def explain(client, token, return_id, issue_id, **body):
    return client.post(f"/api/v1/returns/{return_id}/issues/{issue_id}/explanation",
                       headers=bearer(token), json=body)


def decide(client, token, return_id, issue_id, **body):
    return client.post(f"/api/v1/returns/{return_id}/issues/{issue_id}/decision",
                       headers=bearer(token), json=body)


def api_token(session, role: str, **scope) -> str:
    """A token for a new user of the role; no password (hashing one costs ~0.2 s)."""
    user = User(email=f"{role}{session.scalar(select(func.count(User.id)))}@quality.test",
                name=role, password_hash="!", role=role, **scope)
    session.add(user)
    session.flush()
    return create_token(session, Actor.system("test"), user, "test").secret


def university_token(session, code: str) -> str:
    university = session.scalar(select(University).where(University.code == code))
    return api_token(session, "university", university_id=university.id)


@pytest.fixture
def token(session, college):
    return api_token(session, "college", institution_id=college.id,
                     university_id=college.university_id)


@pytest.fixture
def other_token(session, other_college):
    return api_token(session, "college", institution_id=other_college.id,
                     university_id=other_college.university_id)


@pytest.fixture
def reviewer(session):
    return university_token(session, "KMU")


@pytest.fixture
def regulator(session):
    return api_token(session, "regulator")


@pytest.fixture
def explained(client, session, college, period, token):
    """A return with one warning (contact hours not collected) that the college explained."""
    return_id = submit(client, token, college, **NOT_COLLECTED)
    raise_issue(session, return_id, "Q008", "not_collected")
    issue = issue_of(client, token, return_id, "Q008")
    response = explain(client, token, return_id, issue["id"], text="Logs start next term.")
    assert response.status_code == 200, response.json
    return return_id, issue["id"]


def test_a_clean_return_is_validated_with_an_empty_report(client, session, college, period,
                                                          token):
    return_id = submit(client, token, college)
    run_checks(session)
    body = report(client, token, return_id)
    assert (body["status"], body["return_status"], body["issues"]) == (
        "validated", "validated", [])


def test_a_warning_puts_the_return_in_needs_attention_with_guidance(client, session, college,
                                                                    period, token):
    return_id = submit(client, token, college, **NOT_COLLECTED)
    run_checks(session)
    body = report(client, token, return_id)
    assert body["status"] == "needs_attention"
    [issue] = body["issues"]
    assert issue["rule_id"] == "Q008" and issue["status"] == "open"
    assert issue["field"] == "activity.contact_hours" and issue["value"] == "not_collected"
    assert issue["guidance"] and issue["previous_explanation"] is None
    assert client.get(f"/api/v1/returns/{return_id}", headers=bearer(token)).json[
        "status"] == "needs_attention"


def test_an_error_rejects_the_return_and_cannot_be_explained(client, session, college, period,
                                                             token):
    return_id = submit(client, token, college, **NO_MENTORS)
    run_checks(session)
    issue = issue_of(client, token, return_id, "Q002")
    assert report(client, token, return_id)["status"] == "rejected"
    response = explain(client, token, return_id, issue["id"], text="We disagree.")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "conflict"


def test_accepting_every_warning_validates_the_version(client, session, explained, reviewer,
                                                       token):
    return_id, issue_id = explained
    assert report(client, token, return_id)["status"] == "needs_attention"
    response = decide(client, reviewer, return_id, issue_id, decision="accept")
    assert response.status_code == 200, response.json
    assert response.json["issue"]["status"] == "accepted"
    assert response.json["issue"]["decision"]["decision"] == "accept"
    assert (response.json["version_status"], response.json["return_status"]) == (
        "validated", "validated")
    actions = set(session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.startswith("quality."))))
    assert {"quality.check", "quality.explain", "quality.accept", "quality.status"} <= actions


def test_an_explanation_records_its_author_and_time(client, explained, token):
    return_id, _ = explained
    issue = issue_of(client, token, return_id, "Q008")
    assert issue["status"] == "explained"
    assert issue["explanation"]["text"] == "Logs start next term."
    assert issue["explanation"]["by"].startswith("token:")
    assert issue["explanation"]["at"] and issue["explanation"]["reused"] is False


def test_refusing_needs_a_note_and_the_college_can_explain_again(client, explained, reviewer,
                                                                 token):
    return_id, issue_id = explained
    assert decide(client, reviewer, return_id, issue_id, decision="refuse").status_code == 422
    response = decide(client, reviewer, return_id, issue_id, decision="refuse",
                      note="Say when the logs start.")
    assert response.json["issue"]["status"] == "refused"
    assert response.json["version_status"] == "needs_attention"
    again = explain(client, token, return_id, issue_id, text="Logs start on 1 March.")
    assert again.json["issue"]["status"] == "explained"
    assert again.json["issue"]["decision"] is None


def test_a_college_cannot_explain_another_colleges_issue(client, explained, other_token):
    return_id, issue_id = explained
    response = explain(client, other_token, return_id, issue_id, text="Not ours.")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_a_college_cannot_decide_on_explanations(client, explained, token):
    return_id, issue_id = explained
    response = decide(client, token, return_id, issue_id, decision="accept")
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_a_university_decides_only_for_its_affiliated_colleges(client, session, explained):
    return_id, issue_id = explained
    outsider = university_token(session, "DUHS")
    assert decide(client, outsider, return_id, issue_id, decision="accept").status_code == 404


def test_only_the_college_explains(client, explained, reviewer):
    return_id, issue_id = explained
    assert explain(client, reviewer, return_id, issue_id, text="I explain.").status_code == 403


def test_the_regulator_can_decide(client, explained, regulator):
    return_id, issue_id = explained
    response = decide(client, regulator, return_id, issue_id, decision="accept")
    assert response.json["version_status"] == "validated"


def test_an_unexplained_issue_cannot_be_decided(client, session, college, period, token,
                                                reviewer):
    return_id = submit(client, token, college, **NOT_COLLECTED)
    raise_issue(session, return_id, "Q008", "not_collected")
    issue = issue_of(client, token, return_id, "Q008")
    assert decide(client, reviewer, return_id, issue["id"], decision="accept").status_code == 409


@pytest.mark.parametrize("body", [{}, {"text": "x", "reuse_previous": True}, {"text": ""}])
def test_an_explanation_needs_either_text_or_reuse(client, explained, token, body):
    return_id, issue_id = explained
    response = explain(client, token, return_id, issue_id, **body)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_failed"


def test_a_corrected_version_is_checked_afresh_and_old_issues_stay_with_it(
        client, session, college, period, token):
    return_id = submit(client, token, college, **NOT_COLLECTED)
    run_checks(session)
    old_issue = issue_of(client, token, return_id, "Q008")
    submit(client, token, college)
    assert client.get(f"/api/v1/returns/{return_id}", headers=bearer(token)).json[
        "status"] == "submitted"
    assert explain(client, token, return_id, old_issue["id"], text="x").status_code == 409
    run_checks(session)
    assert report(client, token, return_id, 2)["status"] == "validated"
    assert report(client, token, return_id, 1)["issues"][0]["id"] == old_issue["id"]


def test_an_accepted_explanation_is_offered_next_period_and_reuse_still_needs_acceptance(
        client, session, college, token, reviewer):
    make_period(session, "2024")
    make_period(session, "2025")
    first = submit(client, token, college, "2024", **NOT_COLLECTED)
    run_checks(session, "2024")
    issue = issue_of(client, token, first, "Q008")
    explain(client, token, first, issue["id"], text="No logbook; portfolios from 2026.")
    decide(client, reviewer, first, issue["id"], decision="accept")
    second = submit(client, token, college, "2025", **NOT_COLLECTED)
    run_checks(session, "2025")
    offered = issue_of(client, token, second, "Q008")
    assert offered["previous_explanation"]["text"] == "No logbook; portfolios from 2026."
    assert offered["previous_explanation"]["period"] == "2024"
    response = explain(client, token, second, offered["id"], reuse_previous=True)
    assert response.json["issue"]["explanation"]["reused"] is True
    assert response.json["issue"]["status"] == "explained"
    assert response.json["version_status"] == "needs_attention"


def test_rerunning_the_checks_adds_no_duplicates_and_keeps_explanations(
        client, session, college, period, token):
    return_id = submit(client, token, college, **NOT_COLLECTED)
    run_checks(session)
    issue = issue_of(client, token, return_id, "Q008")
    explain(client, token, return_id, issue["id"], text="Logs start next term.")
    before = session.execute(select(QualityIssue.id, QualityIssue.status,
                                    QualityIssue.value)).all()
    audited = session.scalar(select(func.count()).select_from(AuditEvent))
    summary = run_checks(session, recheck=True)
    assert summary.checked == 1 and summary.changed == 0
    assert session.execute(select(QualityIssue.id, QualityIssue.status,
                                  QualityIssue.value)).all() == before
    assert before[0].status == "explained"
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == audited


def test_a_missing_programmes_issue_resolves_when_its_return_arrives(
        client, session, college, token):
    make_period(session, "2024")
    make_period(session, "2025")
    for code in ("PG-PEER", "UG-BUDDY"):
        submit(client, token, college, "2024", code)
    first = submit(client, token, college, "2025", "PG-PEER")
    run_checks(session, "2025")
    issue = issue_of(client, token, first, "Q030")
    assert (issue["field"], issue["status"]) == ("programmes.UG-BUDDY", "open")
    submit(client, token, college, "2025", "UG-BUDDY")
    run_checks(session, "2025", recheck=True)
    assert issue_of(client, token, first, "Q030")["status"] == "resolved"
    assert report(client, token, first)["status"] == "validated"
    assert session.scalar(select(func.count()).select_from(QualityIssue)) == 1


def test_the_rule_directory_is_public(client):
    response = client.get("/api/v1/quality/rules")
    assert response.status_code == 200
    rules = response.json["rules"]
    assert rules[0]["id"] == "Q001" and rules[0]["fields"] == [
        "capacity.enrolled_mentees", "capacity.active_mentors"]
    assert {rule["kind"] for rule in rules} == {"within_return", "credibility",
                                                "national_distribution", "completeness"}


def test_the_board_is_for_universities_and_the_regulator(client, session, explained, token,
                                                         regulator):
    assert client.get("/api/v1/quality/board").status_code == 401
    assert client.get("/api/v1/quality/board", headers=bearer(token)).status_code == 403
    board = client.get("/api/v1/quality/board?period=2025", headers=bearer(regulator)).json
    assert board["open_by_rule"] == [{"rule_id": "Q008", "title": "Contact hours not reported",
                                      "severity": "warning", "open": 1}]
    assert board["open_by_institution"][0]["institution"] == "KP-MED-PUB-900"
    assert board["open_by_age"][0] == {"age": "under 7 days", "open": 1}
    assert board["trends"][-1]["period"] == "2025"


def test_a_university_board_shows_only_its_colleges(client, session, explained):
    outsider = university_token(session, "DUHS")
    board = client.get("/api/v1/quality/board?period=2025", headers=bearer(outsider)).json
    assert board["returns"] == 0 and board["open_by_institution"] == []


def test_a_rule_firing_on_most_returns_is_flagged_suspect(client, session, period, regulator):
    for _ in range(10):
        college = make_institution(session)
        actor = Actor(label="test", role="college", institution_id=college.id)
        submit_return(session, actor, return_payload(college, **NOT_COLLECTED))
    run_checks(session)
    board = client.get("/api/v1/quality/board", headers=bearer(regulator)).json
    q008 = next(rule for rule in board["rules"] if rule["rule_id"] == "Q008")
    assert (q008["returns_fired"], q008["share"], q008["suspect"]) == (10, 1.0, True)
    assert not any(rule["suspect"] for rule in board["rules"] if rule["rule_id"] != "Q008")
