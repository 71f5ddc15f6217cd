"""Publication pages and open-data endpoints: release page, confirmation, calendar, preview,
catalogue, data package; nothing of an unpublished release reaches the public."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from registry.config import ReleaseSettings
from registry.db import utcnow
from registry.models import Return
from registry.services.accounts.actors import Actor
from registry.services.releases import publication, releases
from tests.factories import make_institution
from tests.registry.benchmark_data import add_return, closed_period, payload_with, seven_colleges
from tests.registry.web.conftest import log_in_as

SYSTEM = Actor.system("test")
SYSTEM_REGULATOR = Actor("user:analyst", "regulator")


@pytest.fixture
def period(session):
    return closed_period(session)


@pytest.fixture
def colleges(session, period):
    return seven_colleges(session, period)


@pytest.fixture
def draft(session, period, colleges):
    """An unpublished provisional release with one excluded (rejected) return."""
    extra = make_institution(session, code="KP-BEN-REJ")
    add_return(session, extra, period, payload_with(extra, period, "undergraduate"),
               status="rejected")
    return releases.build_release(session, SYSTEM, period, releases.ReleaseSettings(),
                                  run_id="draft")


@pytest.fixture
def final(session, period, draft):
    """The draft published, a late return, and the final release built (unpublished)."""
    releases.publish_release(session, SYSTEM, draft)
    late = make_institution(session, code="KP-BEN-LATE")
    add_return(session, late, period, payload_with(late, period, "undergraduate", enrolled=49))
    return releases.build_release(session, SYSTEM, period, releases.ReleaseSettings(),
                                  run_id="final", now=draft.built_at + timedelta(days=31))


def test_the_excluded_count_opens_the_excluded_returns_with_their_reasons(client, session,
                                                                          draft):
    log_in_as(client, session, "regulator")
    html = client.get(f"/releases/{draft.id}").get_data(as_text=True)
    assert "<summary>Excluded 1</summary>" in html
    assert "KP-BEN-REJ" in html and "/review/returns/" in html


def test_the_public_release_page_counts_exclusions_without_naming_returns(client, session,
                                                                          draft):
    releases.publish_release(session, SYSTEM, draft)
    html = client.get(f"/releases/{draft.id}").get_data(as_text=True)
    assert "KP-BEN-REJ" not in html
    assert draft.checksum_sha256 in html  # in the citation


def test_a_final_release_is_not_published_without_the_reason_for_its_changes(client, session,
                                                                            final):
    log_in_as(client, session, "regulator")
    response = client.post(f"/releases/{final.id}/publish", data={"reason": ""})
    assert response.status_code == 422
    assert "Say why the figures changed" in response.get_data(as_text=True)
    assert final.publication is None


def test_the_release_page_shows_the_revision_notes_and_the_reason(client, session, final):
    log_in_as(client, session, "regulator")
    response = client.post(f"/releases/{final.id}/publish",
                           data={"reason": "A late return from KP."})
    assert response.status_code == 302
    html = client.get(f"/releases/{final.id}").get_data(as_text=True)
    assert "Returns added 1" in html and "A late return from KP." in html


def test_the_confirmation_warns_when_the_period_is_still_open(client, session, draft):
    draft.period.closes_at = utcnow() + timedelta(days=3)
    log_in_as(client, session, "regulator")
    html = client.get(f"/releases/{draft.id}/publish").get_data(as_text=True)
    assert "is still open" in html


def test_the_calendar_api_lists_announced_dates_with_their_moves(client, session, period):
    regulator = Actor("user:analyst", "regulator")
    publication.schedule_release(session, regulator, period, "final",
                                 period.ends_on + timedelta(days=90))
    publication.schedule_release(session, regulator, period, "final",
                                 period.ends_on + timedelta(days=97), "Sign-offs are late")
    body = client.get("/api/v1/releases/calendar").get_json()
    [entry] = body["releases"]
    assert (entry["kind"], entry["status"]) == ("final", "scheduled")
    assert [h["reason"] for h in entry["history"]] == [None, "Sign-offs are late"]


def test_scheduling_without_a_valid_date_says_so(client, session, period):
    log_in_as(client, session, "regulator")
    response = client.post("/releases/calendar", data={"period": period.code, "kind": "final",
                                                       "release_on": "next week"})
    assert response.status_code == 422
    assert "Give the release date." in response.get_data(as_text=True)


def test_the_ical_feed_is_served_as_a_calendar(client):
    response = client.get("/releases/calendar.ics")
    assert response.mimetype == "text/calendar"
    assert response.get_data(as_text=True).startswith("BEGIN:VCALENDAR\r\n")


def test_nothing_of_a_previewed_release_reaches_the_public(client, session, draft):
    publication.open_preview(session, SYSTEM_REGULATOR, draft, publication.PublicationSettings())
    etag = f'"{draft.checksum_sha256}"'
    assert client.get(f"/api/v1/releases/{draft.id}/export.csv",
                      headers={"If-None-Match": etag}).status_code == 404
    assert client.get("/api/v1/releases").get_json()["items"] == []
    assert "Published: release" not in client.get("/releases/calendar").get_data(as_text=True)
    assert draft.checksum_sha256 not in client.get("/catalog.ttl").get_data(as_text=True)
    assert client.get(f"/releases/{draft.id}").status_code == 404


def test_a_query_without_text_is_refused_on_the_preview_page(client, session, colleges,
                                                            draft):
    publication.open_preview(session, SYSTEM_REGULATOR, draft, publication.PublicationSettings())
    college = colleges[0]
    log_in_as(client, session, "college", institution_id=college.id,
              university_id=college.university_id)
    return_id = session.scalar(select(Return.id).where(Return.institution_id == college.id))
    response = client.post(f"/college/previews/{draft.id}/queries",
                           data={"indicator": "coverage", "return": return_id, "body": ""})
    assert response.status_code == 422
    assert "Write a query of 1 to" in response.get_data(as_text=True)


def test_exports_link_to_their_metadata(client, session, draft):
    releases.publish_release(session, SYSTEM, draft)
    link = client.get(f"/api/v1/releases/{draft.id}/export.csv").headers["Link"]
    assert f"</api/v1/releases/{draft.id}/datapackage.json>" in link
    assert 'rel="describedby"' in link


def test_the_data_package_points_at_the_csv_next_to_it(client, session, draft):
    releases.publish_release(session, SYSTEM, draft)
    package = json.loads(client.get(f"/api/v1/releases/{draft.id}/datapackage.json").data)
    [resource] = package["resources"]
    assert resource["path"] == "export.csv"
    assert resource["hash"] == f"sha256:{draft.checksum_sha256}"


def test_the_catalogue_is_served_as_json_ld(client, session, draft):
    releases.publish_release(session, SYSTEM, draft)
    response = client.get("/catalog.jsonld")
    assert response.mimetype == "application/ld+json"
    assert draft.checksum_sha256 in response.get_data(as_text=True)


def test_the_api_release_carries_its_revision_notes_and_citation(client, session, final):
    publication.confirm_publication(session, SYSTEM_REGULATOR, final, "A late return.")
    body = client.get(f"/api/v1/releases/{final.id}").get_json()
    assert body["revision_notes"]["returns"]["added"] == 1
    assert body["revision_notes"]["reason"] == "A late return."
    assert final.checksum_sha256 in body["citation"]


def test_the_calendar_states_the_revision_policy_from_the_settings(app, client):
    app.config["RELEASE_SETTINGS"] = ReleaseSettings(revision_window_days=45)
    html = client.get("/releases/calendar").get_data(as_text=True)
    assert "Revision policy" in html and "at least 45 days" in html


def test_the_draft_page_shows_its_suppression_counts(client, session, draft):
    log_in_as(client, session, "regulator")
    html = client.get(f"/releases/{draft.id}").get_data(as_text=True)
    assert "<h2>Suppression</h2>" in html and "Primary:" in html
