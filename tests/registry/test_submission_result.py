"""What submit_return reports, and the session it leaves behind."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.models import Return, ReturnVersion
from registry.services.accounts.actors import Actor
from registry.services.submission.submissions import submit_return
from tests.factories import make_user, return_payload


@pytest.fixture
def submitter(session, college) -> Actor:
    user = make_user(session, "college", institution_id=college.id,
                     university_id=college.university_id)
    return Actor.for_user(user)


def test_a_submission_reports_the_version_it_stored(session, college, period, submitter):
    submit_return(session, submitter, return_payload(college))
    result = submit_return(session, submitter, return_payload(college))
    stored = session.scalar(select(ReturnVersion).where(ReturnVersion.id == result.version_id))
    assert (result.return_id, result.version, result.status, result.payload_sha256) == (
        stored.return_id, 2, "submitted", stored.payload_sha256)
    assert result.received_at.replace(tzinfo=None) == stored.received_at.replace(tzinfo=None)
    assert result.replayed is False


def test_a_return_the_session_holds_shows_the_version_just_counted(session, college, period,
                                                                   submitter):
    first = submit_return(session, submitter, return_payload(college))
    held = session.get(Return, first.return_id)
    assert held.latest_version == 1
    submit_return(session, submitter, return_payload(college))
    assert held.latest_version == 2


def test_a_replayed_submission_reports_the_version_the_key_made(session, college, period,
                                                                submitter):
    first = submit_return(session, submitter, return_payload(college), idempotency_key="k-1")
    again = submit_return(session, submitter, return_payload(college), idempotency_key="k-1")
    assert (again.version_id, again.version, again.replayed) == (first.version_id, 1, True)
