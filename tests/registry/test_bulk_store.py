"""Storing a file of returns in batches: same versions, programmes and audit as one by one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.models import AuditEvent, Programme, Return, ReturnVersion
from registry.services.accounts.actors import Actor
from registry.services.errors import ValidationFailed
from registry.services.submission.submissions import store_returns, submit_return
from tests.factories import make_period, make_user, return_payload


@pytest.fixture
def submitter(session, college) -> Actor:
    user = make_user(session, "college", institution_id=college.id,
                     university_id=college.university_id)
    return Actor.for_user(user)


def versions_of(session, programme_code: str) -> list[int]:
    return list(session.scalars(
        select(ReturnVersion.version).join(Return).join(Programme)
        .where(Programme.code == programme_code).order_by(ReturnVersion.version)))


def test_a_file_continues_the_versions_of_returns_already_submitted(session, college, period,
                                                                   submitter):
    submit_return(session, submitter, return_payload(college, programme_code="P-OLD"))
    results = store_returns(session, submitter, [
        return_payload(college, programme_code="P-OLD"),
        return_payload(college, programme_code="P-NEW"),
    ], source="csv")
    assert [r.version for r in results] == [2, 1]
    assert versions_of(session, "P-OLD") == [1, 2]
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "return.submit")
                             .order_by(AuditEvent.id)).all()
    assert [(e.before, e.after.split(" (")[0]) for e in events] == [
        (None, "version 1"), ("version 1", "version 2"), (None, "version 1")]
    assert events[1].detail["source"] == "csv"


def test_one_new_programme_in_two_periods_of_a_file_is_registered_once(session, college,
                                                                      period, submitter):
    make_period(session, "2026")
    results = store_returns(session, submitter, [
        return_payload(college, "2025", programme_code="P-TWICE"),
        return_payload(college, "2026", programme_code="P-TWICE"),
    ], source="xlsx")
    assert [r.version for r in results] == [1, 1]
    assert len(session.scalars(select(Programme).where(Programme.code == "P-TWICE")).all()) == 1
    registered = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "programme.register")).all()
    assert len(registered) == 1
    programme = session.scalar(select(Programme).where(Programme.code == "P-TWICE"))
    assert programme.components_period == "2026"


def test_a_file_giving_one_new_programme_two_levels_is_refused(session, college, period,
                                                                  submitter):
    make_period(session, "2026")
    second = return_payload(college, "2026", programme_code="P-LEVEL")
    second["programme"]["level"] = "faculty"
    with pytest.raises(ValidationFailed, match="programme level"):
        store_returns(session, submitter, [
            return_payload(college, "2025", programme_code="P-LEVEL"), second], source="csv")
