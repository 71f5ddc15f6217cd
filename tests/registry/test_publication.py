"""Publishing: the release calendar and its feed, the colleges' preview and queries, revision
notes, and confirmed publication."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from registry.models import Message, Return
from registry.services.accounts.actors import Actor
from registry.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from registry.services.releases import publication as service
from registry.services.releases import releases
from tests.factories import make_institution
from tests.registry.benchmark_data import add_return, closed_period, payload_with, seven_colleges

REGULATOR = Actor("user:analyst", "regulator", user_id=None)
SETTINGS = service.PublicationSettings()


@pytest.fixture
def period(session):
    return closed_period(session)


@pytest.fixture
def colleges(session, period):
    return seven_colleges(session, period)


def college_actor(college) -> Actor:
    return Actor("user:officer", "college", institution_id=college.id,
                 university_id=college.university_id)


def build(session, period, run_id, **kwargs):
    return releases.build_release(session, REGULATOR, period, releases.ReleaseSettings(),
                                  run_id=run_id, **kwargs)


def provisional_and_final(session, period):
    """A provisional release, then a late return, then the final release after the window."""
    provisional = build(session, period, "p")
    late = make_institution(session, code="KP-BEN-LATE")
    add_return(session, late, period, payload_with(late, period, "undergraduate", enrolled=49))
    final = build(session, period, "f", now=provisional.built_at + timedelta(days=31))
    return provisional, final


# --- calendar -------------------------------------------------------------------------------

def test_moving_a_release_date_needs_a_reason_and_keeps_the_history(session, period):
    service.schedule_release(session, REGULATOR, period, "provisional", date(2026, 3, 2))
    with pytest.raises(ValidationFailed):
        service.schedule_release(session, REGULATOR, period, "provisional", date(2026, 3, 9))
    service.schedule_release(session, REGULATOR, period, "provisional", date(2026, 3, 9),
                             "Late returns from flooded districts")
    [entry] = service.calendar(session)
    assert entry.release_on == date(2026, 3, 9)
    assert [(h.release_on, h.reason) for h in entry.history] == [
        (date(2026, 3, 2), None), (date(2026, 3, 9), "Late returns from flooded districts")]


def test_scheduling_the_same_date_again_is_a_conflict(session, period):
    service.schedule_release(session, REGULATOR, period, "final", date(2026, 6, 1))
    with pytest.raises(Conflict):
        service.schedule_release(session, REGULATOR, period, "final", date(2026, 6, 1), "x")


def test_a_college_cannot_schedule_a_release(session, period, colleges):
    with pytest.raises(PermissionDenied):
        service.schedule_release(session, college_actor(colleges[0]), period, "final",
                                 date(2026, 6, 1))


def test_the_calendar_shows_published_releases_never_announced(session, period, colleges):
    release = build(session, period, "p")
    releases.publish_release(session, REGULATOR, release)
    [entry] = service.calendar(session)
    assert (entry.kind, entry.status, entry.release_number) == ("provisional", "published",
                                                                release.number)


def parse_ical(text: str) -> list[dict]:
    """RFC 5545 by hand: CRLF lines, unfolded, components balanced; the events' properties."""
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.replace("\r\n ", "").split("\r\n")[:-1]
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    events, stack, current = [], [], {}
    for line in lines:
        name, _, value = line.partition(":")
        if name == "BEGIN":
            stack.append(value)
            current = {} if value == "VEVENT" else current
        elif name == "END":
            assert stack.pop() == value
            if value == "VEVENT":
                events.append(current)
        else:
            current[name.split(";")[0]] = value
    assert stack == []
    return events


def test_the_ical_feed_parses_with_one_event_per_release(session, period):
    service.schedule_release(session, REGULATOR, period, "provisional", date(2026, 3, 2))
    service.schedule_release(session, REGULATOR, period, "final", date(2026, 6, 1))
    service.schedule_release(session, REGULATOR, period, "final", date(2026, 6, 15),
                             "Waiting for a university's sign-offs; with commas, too")
    text = service.to_ical(service.calendar(session), "https://registry.example",
                           datetime(2026, 1, 1, tzinfo=UTC))
    events = parse_ical(text)
    assert [e["DTSTART"] for e in events] == ["20260302", "20260615"]
    assert all({"UID", "DTSTAMP", "SUMMARY"} <= e.keys() for e in events)
    assert "sign-offs\\; with commas\\, too" in events[1]["DESCRIPTION"]


def test_working_days_skip_the_weekend():
    friday = datetime(2026, 12, 4, 9, tzinfo=UTC)
    assert service.add_working_days(friday, 5) == datetime(2026, 12, 11, 9, tzinfo=UTC)


# --- preview and queries --------------------------------------------------------------------

def test_a_college_previews_an_opened_release_with_its_figures(session, period, colleges):
    release = build(session, period, "p")
    actor = college_actor(colleges[0])
    assert service.previews_for(session, actor) == []
    service.open_preview(session, REGULATOR, release, SETTINGS)
    assert service.previewed_release(session, actor, release.id) == release


def test_a_college_without_figures_in_the_release_sees_no_preview(session, period, colleges):
    release = build(session, period, "p")
    service.open_preview(session, REGULATOR, release, SETTINGS)
    outsider = make_institution(session, code="KP-OUT-1")
    with pytest.raises(NotFound):
        service.previewed_release(session, college_actor(outsider), release.id)


def test_the_preview_ends_at_publication_and_after_its_window(session, period, colleges):
    release = build(session, period, "p")
    preview = service.open_preview(session, REGULATOR, release, SETTINGS)
    actor = college_actor(colleges[0])
    assert service.previews_for(session, actor, now=preview.ends_at) == []
    releases.publish_release(session, REGULATOR, release)
    assert service.previews_for(session, actor) == []


def test_a_query_on_a_figure_goes_on_the_returns_thread(session, period, colleges):
    release = build(session, period, "p")
    service.open_preview(session, REGULATOR, release, SETTINGS)
    return_id = session.scalar(select(Return.id).where(Return.institution_id == colleges[0].id))
    query = service.raise_query(session, college_actor(colleges[0]), release.id, "coverage",
                                return_id, "Our enrolment was 34, not 30.")
    message = session.get(Message, query.message_id)
    assert (message.return_id, message.kind) == (return_id, service.QUERY_KIND)
    assert "Our enrolment was 34, not 30." in message.body
    assert service.queries_of(session, release) == [query]


def test_a_query_on_another_colleges_return_is_not_found(session, period, colleges):
    release = build(session, period, "p")
    service.open_preview(session, REGULATOR, release, SETTINGS)
    other = session.scalar(select(Return.id).where(Return.institution_id == colleges[1].id))
    with pytest.raises(NotFound):
        service.raise_query(session, college_actor(colleges[0]), release.id, "coverage",
                            other, "Whose figure is this?")


def test_an_empty_query_is_refused(session, period, colleges):
    release = build(session, period, "p")
    service.open_preview(session, REGULATOR, release, SETTINGS)
    own = session.scalar(select(Return.id).where(Return.institution_id == colleges[0].id))
    with pytest.raises(ValidationFailed):
        service.raise_query(session, college_actor(colleges[0]), release.id, "coverage",
                            own, "  ")


def test_a_published_release_cannot_be_opened_for_preview(session, period, colleges):
    release = build(session, period, "p")
    releases.publish_release(session, REGULATOR, release)
    with pytest.raises(Conflict):
        service.open_preview(session, REGULATOR, release, SETTINGS)


# --- revision notes and confirmed publication -----------------------------------------------

def test_the_first_release_of_a_period_has_no_revision_notes(session, period, colleges):
    assert service.revision_summary(session, build(session, period, "p")) is None


def test_the_final_release_says_what_changed_since_the_provisional(session, period, colleges):
    provisional, final = provisional_and_final(session, period)
    summary = service.revision_summary(session, final)
    assert summary["previous"]["number"] == provisional.number
    assert summary["returns"] == {"added": 1, "dropped": 0, "revised": 0}
    assert summary["cells"]["changed"] > 0
    coverage = next(m for m in summary["largest_national_changes"]
                    if m["indicator"] == "coverage")
    assert coverage["before"] == pytest.approx(252 / 350)
    assert coverage["after"] == pytest.approx((252 + 49) / 400)


def test_publishing_a_final_release_needs_the_reason_for_its_changes(session, period,
                                                                     colleges):
    _, final = provisional_and_final(session, period)
    with pytest.raises(ValidationFailed):
        service.confirm_publication(session, REGULATOR, final, "")
    assert final.publication is None


def test_the_reason_is_kept_as_the_revision_note(session, period, colleges):
    _, final = provisional_and_final(session, period)
    service.confirm_publication(session, REGULATOR, final, "One late return from KP.")
    assert final.publication is not None
    assert service.revision_summary(session, final)["reason"] == "One late return from KP."


def test_a_release_is_not_published_twice(session, period, colleges):
    release = build(session, period, "p")
    service.confirm_publication(session, REGULATOR, release, None)
    with pytest.raises(Conflict):
        service.confirm_publication(session, REGULATOR, release, None)


# --- publication at the end of the preview ------------------------------------------------

def test_a_release_confirmed_for_the_end_of_its_preview_is_published_then(session, period,
                                                                          colleges):
    release = build(session, period, "p")
    preview = service.open_preview(session, REGULATOR, release, SETTINGS)
    service.schedule_publication(session, REGULATOR, release, None)
    pipeline = Actor.system("pipeline")
    assert service.publish_due(session, pipeline, preview.ends_at - timedelta(minutes=1)) == []
    assert release.publication is None
    assert service.publish_due(session, pipeline, preview.ends_at) == [release]
    assert release.publication.published_at == preview.ends_at
    assert service.publish_due(session, pipeline, preview.ends_at + timedelta(hours=1)) == []


def test_publication_at_the_end_of_the_preview_needs_an_open_preview(session, period,
                                                                     colleges):
    release = build(session, period, "p")
    with pytest.raises(Conflict):
        service.schedule_publication(session, REGULATOR, release, None)


def test_a_final_release_scheduled_for_publication_keeps_its_reason(session, period, colleges):
    _, final = provisional_and_final(session, period)
    preview = service.open_preview(session, REGULATOR, final, SETTINGS)
    with pytest.raises(ValidationFailed):
        service.schedule_publication(session, REGULATOR, final, " ")
    service.schedule_publication(session, REGULATOR, final, "Late KP return.")
    service.publish_due(session, Actor.system("pipeline"), preview.ends_at)
    assert service.revision_summary(session, final)["reason"] == "Late KP return."
