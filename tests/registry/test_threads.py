"""One conversation per return: who writes and reads it, unread counts, audit, e-mail."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from expectations import load_rules
from registry.models import AuditEvent, Message, QualityIssue, Return, User
from registry.services.accounts.actors import Actor
from registry.services.errors import NotFound, ValidationFailed
from registry.services.mailer import SmtpSettings
from registry.services.quality import quality
from registry.services.review import review, threads
from registry.services.submission.reminders import messages_for
from registry.services.submission.submissions import submit_return
from tests.factories import make_user, return_payload
from tests.smtp import smtp_server


@pytest.fixture
def officer(session, college):
    user = make_user(session, "college", email="officer@thread.test", institution_id=college.id,
                     university_id=college.university_id)
    return Actor.for_user(user)


@pytest.fixture
def reviewer(session, college):
    user = make_user(session, "university", email="reviewer@thread.test",
                     university_id=college.university_id)
    return Actor.for_user(user)


@pytest.fixture
def stranger(session, other_college):
    user = make_user(session, "college", institution_id=other_college.id,
                     university_id=other_college.university_id)
    return Actor.for_user(user)


@pytest.fixture
def return_id(session, college, period, officer):
    return submit_return(session, officer, return_payload(college, period.code),
                         source="web").return_id


def explained_warning(session, return_id: int, officer: Actor) -> QualityIssue:
    """A warning on the latest version, explained by the college."""
    return_ = session.get(Return, return_id)
    version = return_.versions[-1]
    rule = next(r for r in load_rules() if r.severity == "warning")
    issue = QualityIssue(return_version_id=version.id, return_id=return_id, rule_id=rule.id,
                         kind=rule.kind, severity=rule.severity, field=rule.field, value="20",
                         expected=rule.expected, message=rule.message)
    version.status = return_.status = "needs_attention"
    session.add(issue)
    session.flush()
    quality.explain_issue(session, officer, return_id, issue.id, text="Large group model.")
    return issue


def test_college_reply_goes_to_its_reviewers_and_is_audited(session, return_id, officer,
                                                            reviewer):
    message = threads.post_message(session, officer, return_id, "  We checked the figures. ")
    assert (message.kind, message.body) == ("reply", "We checked the figures.")
    assert message.recipients == "reviewer@thread.test"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "thread.post"))
    assert (event.object_id, event.detail) == (str(message.id),
                                                {"return_id": return_id, "kind": "reply"})


def test_refusing_an_explanation_puts_the_reason_on_the_thread(session, return_id, officer,
                                                                reviewer):
    issue = explained_warning(session, return_id, officer)
    quality.decide_issue(session, reviewer, return_id, issue.id, decision="refuse",
                         note="Groups of 40 are not mentoring.")
    explanation, refusal = threads.thread(session, officer, return_id)
    assert (explanation.kind, explanation.recipients) == ("explanation", "reviewer@thread.test")
    assert "Large group model." in explanation.body
    assert refusal.kind == "refusal"
    assert "Groups of 40 are not mentoring." in refusal.body
    assert refusal.recipients == "officer@thread.test"


def test_accepting_without_a_note_adds_nothing_after_the_explanation(session, return_id,
                                                                     officer, reviewer):
    issue = explained_warning(session, return_id, officer)
    quality.decide_issue(session, reviewer, return_id, issue.id, decision="accept")
    assert [m.kind for m in threads.thread(session, officer, return_id)] == ["explanation"]


def test_a_decision_comment_is_a_message(session, return_id, reviewer, officer):
    return_ = session.get(Return, return_id)
    return_.status = return_.versions[-1].status = "validated"
    review.decide(session, reviewer, return_id, 1, "return", "Training hours look doubled.")
    [message] = threads.thread(session, officer, return_id)
    assert message.kind == "decision"
    assert message.body == "Returned to the college version 1: Training hours look doubled."


def test_unread_count_falls_to_zero_once_the_thread_is_read(session, return_id, officer,
                                                            reviewer):
    threads.post_message(session, reviewer, return_id, "Please check mentors trained.")
    threads.post_message(session, reviewer, return_id, "And the survey counts.")
    assert threads.unread_count(session, officer) == 2
    assert threads.unread_count(session, reviewer) == 0  # one's own messages are read
    assert [t.unread for t in threads.threads_for(session, officer)] == [2]
    threads.read_thread(session, officer, return_id)
    assert threads.unread_count(session, officer) == 0
    threads.post_message(session, officer, return_id, "Corrected in version 2.")
    assert threads.unread_count(session, reviewer) == 1


def test_another_college_can_neither_read_nor_write_the_thread(session, return_id, reviewer,
                                                               stranger):
    threads.post_message(session, reviewer, return_id, "Please check mentors trained.")
    with pytest.raises(NotFound):
        threads.read_thread(session, stranger, return_id)
    with pytest.raises(NotFound):
        threads.post_message(session, stranger, return_id, "Let me in.")
    assert threads.unread_count(session, stranger) == 0
    assert threads.threads_for(session, stranger) == []


def test_empty_message_is_refused_with_a_reason(session, return_id, officer):
    with pytest.raises(ValidationFailed) as refused:
        threads.post_message(session, officer, return_id, "   ")
    assert "body" in refused.value.fields


def test_thread_messages_are_not_listed_as_notices(session, return_id, officer, reviewer):
    threads.post_message(session, reviewer, return_id, "Please check mentors trained.")
    assert messages_for(session, officer) == []
    assert messages_for(session, reviewer) == []


def test_messages_are_emailed_when_smtp_is_configured(session, return_id, officer, reviewer):
    message = threads.post_message(session, reviewer, return_id, "Please check mentors trained.")
    assert threads.deliver(session, None, return_id) == 0
    with smtp_server() as (inbox, port):
        smtp = SmtpSettings(host="127.0.0.1", port=port, sender="registry@test")
        assert threads.deliver(session, smtp, return_id) == 1
        assert threads.deliver(session, smtp, return_id) == 0
    [mail] = inbox.messages
    assert mail["to"] == ["officer@thread.test"]
    assert "Please check mentors trained." in mail["body"]
    assert session.get(Message, message.id).emailed_at is not None


def test_a_return_waiting_for_its_college_gets_one_reminder_a_week(session, return_id,
                                                                   officer, reviewer, period):
    from datetime import timedelta

    from registry.services.submission.reminders import run_reminders

    session.get(Return, return_id).status = "needs_attention"
    week_later = period.opens_at + timedelta(days=7)
    moment = (week_later - timedelta(days=week_later.weekday())).replace(hour=9, minute=0)
    run_reminders(session, moment, None)
    run_reminders(session, moment + timedelta(hours=5), None)
    [reminder] = threads.thread(session, officer, return_id)
    assert reminder.kind == "reminder"
    assert "wait for a correction or an explanation" in reminder.body
    assert reminder.recipients == "officer@thread.test"
    run_reminders(session, moment + timedelta(days=7), None)
    assert len(threads.thread(session, officer, return_id)) == 2
    assert threads.unread_count(session, officer) == 2
    assert threads.unread_count(session, reviewer) == 0  # the college's to act on


def test_a_refusal_through_the_api_is_emailed_to_the_college(client, session, return_id,
                                                             officer, reviewer, monkeypatch):
    from registry.services.accounts.tokens import create_token
    from tests.factories import bearer

    issue = explained_warning(session, return_id, officer)
    secret = create_token(session, Actor.system("test"),
                          session.get(User, reviewer.user_id), "api").secret
    with smtp_server() as (inbox, port):
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(port))
        response = client.post(f"/api/v1/returns/{return_id}/issues/{issue.id}/decision",
                               json={"decision": "refuse", "note": "Not mentoring."},
                               headers=bearer(secret))
    assert response.status_code == 200
    recipients = sorted(mail["to"][0] for mail in inbox.messages)
    assert recipients == ["officer@thread.test", "reviewer@thread.test"]  # refusal, explanation
