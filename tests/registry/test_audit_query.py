"""The audit trail as the regulator reads it: who may, newest first, and each filter."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import update

from registry.db import utcnow
from registry.models import AuditEvent
from registry.services.accounts.actors import Actor
from registry.services.accounts.audit import audit_csv, audit_query, record_event
from registry.services.errors import PermissionDenied

REGULATOR = Actor(label="analyst@pmdc", role="regulator", user_id=None)


@pytest.fixture
def trail(session):
    """Three events by two actors on two kinds of object, a day apart, oldest first."""
    officer = Actor(label="officer@college", role="college", user_id=None, token_id=None,
                    address="10.0.0.7")
    events = [
        record_event(session, officer, "return.submit", "return", 1),
        record_event(session, REGULATOR, "period.extend", "period", "2025-26"),
        record_event(session, officer, "return.explain", "quality_issue", 9),
    ]
    session.flush()
    now = utcnow()
    for days_ago, event in zip((2, 1, 0), events, strict=True):
        session.execute(update(AuditEvent).where(AuditEvent.id == event.id)
                        .values(at=now - timedelta(days=days_ago)))
    session.flush()
    return {"events": events, "now": now}


def found(session, actor=REGULATOR, **filters) -> list[str]:
    return [event.action for event in session.scalars(audit_query(actor, **filters))]


@pytest.mark.parametrize("role", ["college", "university"])
def test_only_national_roles_may_read_the_trail(role):
    with pytest.raises(PermissionDenied, match=r"^Only the regulator can read the audit trail\.$"):
        audit_query(Actor(label="x", role=role))


@pytest.mark.parametrize("role", ["regulator", "admin", "system"])
def test_national_roles_read_the_trail(session, trail, role):
    assert found(session, Actor(label="x", role=role)) == [
        "return.explain", "period.extend", "return.submit"]


def test_the_action_filter_matches_a_prefix(session, trail):
    assert found(session, action="return.") == ["return.explain", "return.submit"]


def test_the_actor_filter_matches_part_of_the_label(session, trail):
    assert found(session, actor_contains="pmdc") == ["period.extend"]


def test_the_object_type_filter_matches_exactly(session, trail):
    assert found(session, object_type="return") == ["return.submit"]


def test_the_object_id_filter_matches_exactly(session, trail):
    assert found(session, object_id="9") == ["return.explain"]


def test_since_keeps_events_from_that_moment(session, trail):
    assert found(session, since=trail["now"] - timedelta(days=1)) == [
        "return.explain", "period.extend"]


def test_until_keeps_events_up_to_that_moment(session, trail):
    assert found(session, until=trail["now"] - timedelta(days=1)) == [
        "period.extend", "return.submit"]


def test_an_event_records_the_actor_token_and_address(session):
    actor = Actor(label="token:mr_abc… of officer", role="college", token_id=None,
                  address="10.0.0.7")
    event = record_event(session, actor, "return.submit", "return", 3)
    session.flush()
    assert (event.actor, event.address, event.object_type, event.action) == (
        "token:mr_abc… of officer", "10.0.0.7", "return", "return.submit")


def csv_rows(events) -> list[list[str]]:
    return list(csv.reader(io.StringIO(audit_csv(events))))


def test_the_csv_has_the_published_header_then_one_row_per_event(session, trail):
    rows = csv_rows(trail["events"])
    assert rows[0] == ["id", "at", "actor", "address", "action", "object_type", "object_id",
                       "before", "after"]
    assert [(row[2], row[4], row[5], row[6]) for row in rows[1:]] == [
        ("officer@college", "return.submit", "return", "1"),
        ("analyst@pmdc", "period.extend", "period", "2025-26"),
        ("officer@college", "return.explain", "quality_issue", "9")]


def test_the_csv_leaves_a_field_without_a_value_blank(session, trail):
    regulator_row = csv_rows(trail["events"])[2]
    assert (regulator_row[3], regulator_row[7], regulator_row[8]) == ("", "", "")


def test_the_csv_defuses_a_value_a_spreadsheet_would_run(session):
    event = record_event(session, REGULATOR, "user.create", "user", "=HYPERLINK(1)",
                         after="+1")
    session.flush()
    row = csv_rows([event])[1]
    assert (row[6], row[8]) == ("'=HYPERLINK(1)", "'+1")
