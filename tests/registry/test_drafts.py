"""Drafts of returns: kept per institution × period × programme, never a version."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from registry.models import AuditEvent, Draft, Return, ReturnVersion
from registry.services.accounts.actors import Actor
from registry.services.errors import NotFound, PermissionDenied, ValidationFailed
from registry.services.quality.quality_checks import latest_records
from registry.services.releases.indicators import select_versions
from registry.services.submission import drafts, submissions
from registry.services.submission.return_form import values_from_payload
from tests.factories import make_institution, make_period, make_user, return_payload


@pytest.fixture
def period(session):
    return make_period(session, "2025")


@pytest.fixture
def officer(session, college):
    return Actor.for_user(make_user(session, "college", institution_id=college.id))


def _events(session, action: str) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == action))


def test_saving_again_replaces_the_draft_and_each_save_is_audited(session, officer, period):
    drafts.save_draft(session, officer, "2025", "UG-1", {"capacity.enrolled_mentees": "40"})
    drafts.save_draft(session, officer, "2025", "UG-1", {"capacity.enrolled_mentees": "41"})
    stored = session.scalars(select(Draft)).all()
    assert [d.values for d in stored] == [{"capacity.enrolled_mentees": "41"}]
    assert _events(session, "draft.save") == 2


def test_a_draft_keeps_only_the_standards_fields(session, officer, period):
    draft = drafts.save_draft(session, officer, "2025", "UG-1",
                              {"capacity.enrolled_mentees": "40", "csrf_token": "x", "junk": "y",
                               "activity.contact_hours": ""})
    assert draft.values == {"capacity.enrolled_mentees": "40"}


def test_a_draft_needs_a_programme_code(session, officer, period):
    with pytest.raises(ValidationFailed) as caught:
        drafts.save_draft(session, officer, "2025", "  ", {})
    assert "header.programme_code" in caught.value.fields


def test_a_draft_never_becomes_a_version_nor_reaches_quality_or_indicators(
        session, officer, college, period):
    payload = return_payload(college, "2025", "UG-1")
    drafts.save_draft(session, officer, "2025", "UG-1", values_from_payload(payload))
    assert session.scalar(select(func.count()).select_from(Return)) == 0
    assert session.scalar(select(func.count()).select_from(ReturnVersion)) == 0
    assert latest_records(session, period) == []
    assert select_versions(session, period, "validated").counted == []


def test_submitting_the_return_deletes_its_draft(session, officer, college, period):
    drafts.save_draft(session, officer, "2025", "UG-1", {"capacity.enrolled_mentees": "40"})
    drafts.save_draft(session, officer, "2025", "UG-2", {"capacity.enrolled_mentees": "9"})
    submissions.submit_return(session, officer, return_payload(college, "2025", "UG-1"),
                              source="web")
    assert [d.programme_code for d in drafts.drafts_of(session, officer)] == ["UG-2"]
    assert _events(session, "draft.discard") == 1


def test_deleting_a_draft_is_audited_and_only_its_college_may(session, officer, period):
    draft = drafts.save_draft(session, officer, "2025", "UG-1", {})
    stranger_college = make_institution(session, code="SD-MED-PVT-901", province_code="SD",
                                        university="DUHS", sector="private")
    stranger = Actor.for_user(make_user(session, "college", institution_id=stranger_college.id))
    with pytest.raises(NotFound):
        drafts.delete_draft(session, stranger, draft.id)
    drafts.delete_draft(session, officer, draft.id)
    assert drafts.drafts_of(session, officer) == []
    assert _events(session, "draft.delete") == 1


def test_only_college_users_keep_drafts(session, period):
    with pytest.raises(PermissionDenied):
        drafts.save_draft(session, Actor.system("test"), "2025", "UG-1", {})


def test_a_bulk_file_deletes_the_drafts_of_the_returns_it_stores(session, officer, college,
                                                                 period):
    for code in ("UG-1", "UG-2", "UG-3"):
        drafts.save_draft(session, officer, "2025", code, {"capacity.enrolled_mentees": "4"})
    submissions.store_returns(session, officer, [return_payload(college, "2025", code)
                                                 for code in ("UG-1", "UG-3")], source="csv")
    assert [d.programme_code for d in drafts.drafts_of(session, officer)] == ["UG-2"]
    assert _events(session, "draft.discard") == 2
