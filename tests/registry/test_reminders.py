"""Reminders before the due date, notices after it, weekly summaries; each sent once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from registry.services.accounts.actors import Actor
from registry.services.mailer import SmtpSettings
from registry.services.register.programmes import register_programme
from registry.services.submission.reminders import messages_for, run_reminders
from tests.factories import make_user
from tests.smtp import free_port, smtp_server


@pytest.fixture
def owed(session, college, period):
    """The college has a registered programme and has not submitted for the open period."""
    actor = Actor(label="t", role="college", institution_id=college.id)
    register_programme(session, actor, college, code="UG-1", name="Undergraduate mentoring",
                       level="undergraduate", model="group", disciplines=["medicine"],
                       start_date=None)
    make_user(session, "college", email="officer@college.test", institution_id=college.id)
    make_user(session, "regulator", email="analyst@regulator.test")
    return period


@pytest.fixture
def inbox():
    with smtp_server() as (inbox, port):
        yield inbox.messages, SmtpSettings(host="127.0.0.1", port=port, sender="registry@test")


def test_reminder_arrives_before_the_due_date(session, owed, inbox):
    messages, smtp = inbox
    run = run_reminders(session, owed.due_at - timedelta(days=2), smtp)
    reminder = next(m for m in messages if m["subject"].startswith("Reminder"))
    assert reminder["to"] == ["officer@college.test"]
    assert "UG-1" in reminder["body"]
    assert run.failed == 0


def test_rerun_sends_nothing_new(session, owed, inbox):
    messages, smtp = inbox
    moment = owed.due_at - timedelta(days=2)
    first = run_reminders(session, moment, smtp)
    second = run_reminders(session, moment + timedelta(hours=3), smtp)
    assert first.emailed >= 2
    assert (second.planned, second.emailed) == (0, 0)
    assert len(messages) == first.emailed


def test_overdue_notice_after_the_due_date(session, owed, inbox):
    messages, smtp = inbox
    run_reminders(session, owed.due_at + timedelta(hours=1), smtp)
    assert any(m["subject"].startswith("Overdue") for m in messages)


def test_weekly_summary_reaches_the_regulator(session, owed, inbox):
    messages, smtp = inbox
    run_reminders(session, owed.due_at - timedelta(days=2), smtp)
    summary = next(m for m in messages if m["subject"].startswith("Weekly national summary"))
    assert summary["to"] == ["analyst@regulator.test"]


def test_no_reminder_when_nothing_is_owed(session, college, period, inbox):
    messages, smtp = inbox
    run_reminders(session, period.due_at - timedelta(days=2), smtp)
    assert not any(m["subject"].startswith("Reminder") for m in messages)


def test_unreachable_smtp_keeps_messages_for_the_next_run(session, owed, inbox):
    messages, smtp = inbox
    moment = owed.due_at - timedelta(days=2)
    assert messages == []
    down = run_reminders(session, moment, SmtpSettings(host="127.0.0.1", port=free_port()))
    later = run_reminders(session, moment, smtp)
    assert down.emailed == 0 and down.failed >= 2
    assert later.emailed == down.failed


def test_messages_appear_in_the_app_for_the_college(session, college, owed, inbox):
    _, smtp = inbox
    run_reminders(session, owed.due_at - timedelta(days=2), smtp)
    actor = Actor(label="t", role="college", institution_id=college.id)
    assert [m.kind for m in messages_for(session, actor)] == ["reminder"]
