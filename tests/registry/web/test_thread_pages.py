"""The return page's findings and thread, and the reviewer's page per return."""

from __future__ import annotations

import pytest
from flask import render_template_string

from expectations import load_rules
from registry.models import QualityIssue, Return
from registry.services.accounts.actors import Actor
from registry.services.submission.submissions import submit_return
from tests.factories import make_institution, make_user, return_payload
from tests.registry.web.conftest import log_in_as


@pytest.fixture
def warned(session, college, period, college_user):
    """A return whose latest version carries an open warning."""
    result = submit_return(session, Actor.for_user(college_user),
                           return_payload(college, period.code), source="web")
    return_ = session.get(Return, result.return_id)
    version = return_.versions[-1]
    rule = next(r for r in load_rules() if r.id == "Q001")
    issue = QualityIssue(return_version_id=version.id, return_id=return_.id, rule_id=rule.id,
                         kind=rule.kind, severity=rule.severity, field=rule.field,
                         value="20.3 mentees per mentor", expected=rule.expected,
                         message=rule.message)
    version.status = return_.status = "needs_attention"
    session.add(issue)
    session.flush()
    return return_, issue


def test_return_page_shows_the_finding_with_its_evidence_and_guidance(as_college, warned):
    return_, _ = warned
    page = as_college.get(f"/college/returns/{return_.id}").get_data(as_text=True)
    assert "Q001" in page and "20.3 mentees per mentor" in page
    assert "at most 15 mentees per mentor" in page
    assert "Enrolled mentees" in page  # the dictionary's label
    assert "focus=capacity.enrolled_mentees" in page
    assert "#f-capacity-enrolled_mentees" in page


def test_empty_explanation_is_refused_on_the_page(as_college, warned):
    return_, issue = warned
    response = as_college.post(f"/college/returns/{return_.id}/issues/{issue.id}/explanation",
                               data={"text": "  "})
    assert response.status_code == 422
    assert "Give an explanation of 1 to 2000 characters." in response.get_data(as_text=True)


def test_refusing_without_a_reason_is_refused_on_the_page(client, session, college, warned,
                                                          as_college):
    return_, issue = warned
    as_college.post(f"/college/returns/{return_.id}/issues/{issue.id}/explanation",
                    data={"text": "Large groups by design."})
    log_in_as(client, session, "university", university_id=college.university_id)
    response = client.post(f"/review/returns/{return_.id}",
                           data={"issue_id": str(issue.id), "decision": "refuse", "note": ""})
    assert response.status_code == 422
    assert "Say why the explanation is refused." in response.get_data(as_text=True)
    session.refresh(issue)
    assert issue.status == "explained"


def test_unreadable_version_number_is_a_message_not_an_error(client, session, college, warned):
    return_, _ = warned
    log_in_as(client, session, "university", university_id=college.university_id)
    response = client.post(f"/review/returns/{return_.id}",
                           data={"decision": "approve", "version": "first"})
    assert response.status_code == 422
    assert "could not be read" in response.get_data(as_text=True)


def test_another_universitys_reviewer_does_not_learn_of_the_return(client, session, warned):
    return_, _ = warned
    other = make_institution(session, university="DUHS", province_code="SD")
    log_in_as(client, session, "university", university_id=other.university_id)
    assert client.get(f"/review/returns/{return_.id}").status_code == 404


def test_reviewer_message_reaches_the_college_as_unread(client, session, college, warned,
                                                       college_user):
    return_, _ = warned
    log_in_as(client, session, "university", university_id=college.university_id)
    sent = client.post(f"/review/returns/{return_.id}", data={"body": "Please call me."})
    assert sent.status_code == 302
    log_in_as(client, session, "college", institution_id=college.id,
              university_id=college.university_id)
    listing = client.get("/messages").get_data(as_text=True)
    assert "1 unread" in listing
    assert "Please call me." in client.get(f"/college/returns/{return_.id}").get_data(
        as_text=True)
    assert "1 unread" not in client.get("/messages").get_data(as_text=True)


def test_unread_messages_is_given_to_every_template(app, client, session, college, warned):
    return_, _ = warned
    reviewer = make_user(session, "university", university_id=college.university_id)
    from registry.services.review.threads import post_message

    post_message(session, Actor.for_user(reviewer), return_.id, "Please call me.")
    with app.test_request_context():
        assert render_template_string("{{ unread_messages }}") == "0"  # nobody logged in
    user = log_in_as(client, session, "college", institution_id=college.id,
                     university_id=college.university_id)
    with app.test_request_context():
        from flask_login import login_user

        login_user(user)
        assert render_template_string("{{ unread_messages }}") == "1"


def test_reply_is_emailed_to_the_reviewers_when_smtp_is_configured(as_college, session,
                                                                   college, warned,
                                                                   monkeypatch):
    from tests.smtp import smtp_server

    return_, _ = warned
    make_user(session, "university", email="kmu.reviewer@thread.test",
              university_id=college.university_id)
    with smtp_server() as (inbox, port):
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(port))
        response = as_college.post(f"/college/returns/{return_.id}/messages",
                                   data={"body": "Version 2 is on its way."})
    assert response.status_code == 302
    [mail] = inbox.messages
    assert mail["to"] == ["kmu.reviewer@thread.test"]
    assert "Version 2 is on its way." in mail["body"]


def test_weekly_reminder_shows_on_the_return_page_from_the_registry(as_college, session,
                                                                    warned, period):
    from datetime import timedelta

    from registry.services.submission.reminders import run_reminders

    return_, _ = warned
    run_reminders(session, period.opens_at + timedelta(days=1), None)
    page = as_college.get(f"/college/returns/{return_.id}").get_data(as_text=True)
    assert "<strong>Reminder</strong> · the registry" in page
    assert "wait for a correction or an explanation" in page
