"""The Data Feedback Report: a college's PDF of its headline indicators for a period."""

from __future__ import annotations

import hashlib
import io
import re
import zlib

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from registry.models import FeedbackReport, QualityIssue, Return
from registry.services.accounts.actors import Actor
from registry.services.register.peer_groups import create_peer_group
from registry.services.releases.feedback_report import (
    feedback_report,
    prerender_reports,
    release_report,
    render_html,
    report_download,
    report_pdf,
)
from tests.factories import make_institution, make_period
from tests.registry.web.conftest import log_in_as


@pytest.fixture
def college(published_release):
    return published_release[1][0]


def report_html(app, session, college, period, group_id=None) -> str:
    """The HTML the route turns into PDF, for the college seen by its own user."""
    actor = Actor(label="user:test", role="college", institution_id=college.id,
                  university_id=college.university_id)
    return render_html(feedback_report(session, actor, college, period, group_id))


def test_a_college_downloads_its_feedback_report_as_a_pdf(client, session, college):
    log_in_as(client, session, "college", institution_id=college.id,
              university_id=college.university_id)
    response = client.get("/college/feedback-report.pdf?period=2024")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert 'filename="feedback-report-KP-BEN-0-2024.pdf"' in response.headers[
        "Content-Disposition"]


def test_the_report_holds_the_colleges_own_value_and_the_national_distribution(
        app, session, published_release, college):
    release, _ = published_release
    html = report_html(app, session, college, release.period)
    assert "Bench College 0" in html
    assert "60.0 %" in html  # its own coverage: 30 of 50
    assert "72.0 %" in html  # the national median: 36 of 50
    assert "66.0 %–78.0 %" in html  # the national P25–P75


def test_the_report_never_shows_another_colleges_own_value(app, session, published_release,
                                                           college):
    release, _ = published_release
    html = report_html(app, session, college, release.period)
    # The other colleges' coverages are 64, 68, … 84 %; P10–P90 and quartiles are not these.
    for own_value in ("64.0 %", "68.0 %", "76.0 %", "80.0 %", "84.0 %"):
        assert own_value not in html


def test_the_report_states_release_number_and_checksum(app, session, published_release,
                                                       college):
    release, _ = published_release
    html = report_html(app, session, college, release.period)
    assert f"Release {release.number}" in html
    assert release.checksum_sha256 in html


def test_the_report_draws_each_headline_chart_and_its_trend_as_inline_svg_with_a_table(
        app, session, published_release, college):
    release, _ = published_release
    html = report_html(app, session, college, release.period)
    assert html.count('class="marks chart" role="img"') == 2 * 4
    assert "Expected for your mix of levels" in html
    assert "<caption>Coverage, 2024</caption>" in html


def test_the_report_lists_the_quality_status_of_the_colleges_returns(
        app, session, published_release, college):
    release, _ = published_release
    html = report_html(app, session, college, release.period)
    assert "<td>UG <small>undergraduate programme</small></td><td>validated</td>" in html
    assert "No finding is open on your returns' latest versions." in html
    assert "<td>yes</td></tr>" in html  # counted in the release


def test_the_report_defines_a_chosen_peer_group_by_its_members(app, session,
                                                                published_release, college):
    release, colleges = published_release
    university = Actor(label="user:kmu", role="university",
                       university_id=college.university_id)
    group = create_peer_group(session, university, "KP benchmark five",
                              [c.code for c in colleges[1:6]])
    html = report_html(app, session, college, release.period, group.id)
    assert "KP benchmark five" in html
    assert "<tr><td>Bench College 5</td><td>KP-BEN-5</td><td>KP</td></tr>" in html


def test_a_college_cannot_download_another_colleges_report(client, session, college,
                                                           published_release):
    other = published_release[1][1]
    log_in_as(client, session, "college", institution_id=college.id,
              university_id=college.university_id)
    response = client.get(f"/college/feedback-report.pdf?period=2024&institution={other.code}")
    assert response.status_code == 403


def test_a_university_cannot_download_the_report_of_another_universitys_college(
        client, session, college):
    log_in_as(client, session, "university", university_id=college.university_id + 1)
    response = client.get(f"/college/feedback-report.pdf?period=2024&institution={college.code}")
    assert response.status_code == 403


def test_a_university_downloads_the_report_of_its_college(client, session, college):
    log_in_as(client, session, "university", university_id=college.university_id)
    response = client.get(f"/college/feedback-report.pdf?period=2024&institution={college.code}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")


def test_a_period_without_a_release_gets_a_clear_message(client, session, college):
    make_period(session, "2025")
    log_in_as(client, session, "college", institution_id=college.id,
              university_id=college.university_id)
    response = client.get("/college/feedback-report.pdf?period=2025")
    assert response.status_code == 404
    assert "No benchmark release has been published for period 2025" in response.get_data(
        as_text=True)


def test_an_unknown_period_gets_a_clear_message(client, session, college):
    log_in_as(client, session, "college", institution_id=college.id,
              university_id=college.university_id)
    response = client.get("/college/feedback-report.pdf?period=1999")
    assert response.status_code == 404
    assert "No reporting period &#39;1999&#39;." in response.get_data(as_text=True)


def test_with_nothing_published_the_report_says_so(client, session):
    lonely = make_institution(session, code="KP-LONE-1")
    log_in_as(client, session, "college", institution_id=lonely.id,
              university_id=lonely.university_id)
    response = client.get("/college/feedback-report.pdf")
    assert response.status_code == 404
    assert "no feedback report to download" in response.get_data(as_text=True)


def test_the_comparison_page_links_the_feedback_report(client, session, college):
    log_in_as(client, session, "college", institution_id=college.id,
              university_id=college.university_id)
    html = client.get("/college/comparison?period=2024").get_data(as_text=True)
    assert 'href="/college/feedback-report.pdf?period=2024"' in html


def test_the_report_counts_an_open_warning_on_the_latest_version(app, session,
                                                                 published_release, college):
    release, _ = published_release
    return_ = session.scalar(select(Return).where(Return.institution_id == college.id))
    version = return_.versions[-1]
    session.add(QualityIssue(return_version_id=version.id, return_id=return_.id, rule_id="W001",
                             kind="ratio", severity="warning", field="capacity.active_mentors",
                             value="3", expected="≥ 5", message="Few mentors."))
    session.flush()
    html = report_html(app, session, college, release.period)
    assert "<td>validated</td><td>1</td><td>0</td><td>1</td>" in html
    assert "<td>W001 <small>warning</small></td><td>Few mentors.</td><td>open</td>" in html


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF's bytes with every Flate stream inflated (object streams hold the catalogue)."""
    inflated = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            inflated.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"".join(inflated)


def test_the_pdf_is_tagged_for_screen_readers(client, session, college):
    log_in_as(client, session, "college", institution_id=college.id,
              university_id=college.university_id)
    objects = pdf_objects(client.get("/college/feedback-report.pdf?period=2024").data)
    assert b"/StructTreeRoot" in objects and b"/Table" in objects


def first_page_text(pdf: bytes) -> str:
    """The text of the PDF's first page, its line breaks and runs of spaces made single."""
    return " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())


def test_the_first_page_states_the_colleges_verdict_on_each_headline_indicator(
        session, published_release, college):
    release, _ = published_release
    actor = Actor.system("test")
    report = release_report(session, actor, college, release)
    page = first_page_text(report_pdf(session, actor, college, release))
    assert "Where your college stands" in page
    assert len(report["verdicts"]) == 4
    for found in report["verdicts"]:
        assert " ".join(found.sentence.split()) in page
    assert "How it is decided" in page


def test_the_report_lists_the_comparison_colleges_and_how_they_were_chosen(
        session, published_release, college):
    release, colleges = published_release
    report = release_report(session, Actor.system("test"), college, release)
    html = render_html(report)
    assert [m["code"] for m in report["peer_group"]["members"]] == [c.code for c in colleges[1:]]
    assert "The 6 comparison colleges" in html
    assert "<tr><td>Bench College 6</td><td>KP-BEN-6</td><td>KP</td></tr>" in html
    assert "Every medical college of the public sector on the register with a return " \
           "counted in this release" in html
    assert "<td>KP-BEN-0</td>" not in html  # not the college itself


def test_a_download_reads_the_report_the_pipeline_stored(client, session, published_release,
                                                         college):
    release, _ = published_release
    prerender_reports(session, Actor.system("test"), release, institution_ids=[college.id])
    stored = session.get(FeedbackReport, (release.id, college.id))
    log_in_as(client, session, "college", institution_id=college.id,
              university_id=college.university_id)
    response = client.get("/college/feedback-report.pdf?period=2024")
    assert response.data == stored.pdf
    assert response.headers["ETag"] == f'"{stored.checksum_sha256}"'
    assert hashlib.sha256(response.data).hexdigest() == stored.checksum_sha256


def test_rendering_again_keeps_the_stored_reports(session, published_release, college):
    release, _ = published_release
    system = Actor.system("test")
    assert prerender_reports(session, system, release, institution_ids=[college.id]) == 1
    before = session.get(FeedbackReport, (release.id, college.id)).checksum_sha256
    assert prerender_reports(session, system, release, institution_ids=[college.id]) == 0
    assert session.get(FeedbackReport, (release.id, college.id)).checksum_sha256 == before


def test_a_chosen_peer_group_is_rendered_on_demand_by_the_same_function(
        session, published_release, college):
    release, colleges = published_release
    university = Actor(label="user:kmu", role="university",
                       university_id=college.university_id)
    group = create_peer_group(session, university, "KP benchmark five",
                              [c.code for c in colleges[1:6]])
    found = report_download(session, university, college, release.period, group.id)
    assert not found.stored
    assert "KP benchmark five" in first_page_text(found.pdf)


def test_the_report_writes_its_dates_in_the_registrys_one_format(app, session,
                                                                 published_release, college):
    release, _ = published_release
    html = report_html(app, session, college, release.period)
    built = release.built_at
    assert f"built {built.day} {built:%B %Y}" in html  # "5 December 2026", as the pages
    assert f"built {built.day} {built:%B %Y, %H:%M} UTC" in html
