"""The college ↔ reviewer loop in Chromium: a finding, an explanation, a refusal on the
thread, a correction, an approval; and an accepted explanation offered again next period."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipelines.tasks.quality import run_quality_checks
from registry.demo.history import demo_payload
from registry.models import Institution, Period, Programme, QualityIssue, Return, User
from registry.services.accounts.actors import Actor
from registry.services.quality import quality
from registry.services.submission.submissions import submit_return
from schemas.tabular.write import dump_returns_to_csv
from tests.e2e.conftest import log_in, screenshot

REVIEWER = "reviewer@kmu.demo"


def periods(engine) -> tuple[Period, Period]:
    """The period open now and the one before it."""
    with Session(engine) as session:
        found = list(session.scalars(select(Period).order_by(Period.starts_on.desc())))
        session.expunge_all()
    return found[0], found[1]


def too_few_mentors(payload: dict) -> dict:
    """The return with 20 enrolled mentees per active mentor (rule Q001 warns above 15)."""
    capacity = dict(payload["capacity"])
    capacity["active_mentors"] = max(1, capacity["enrolled_mentees"] // 20)
    capacity["mentors_trained"] = min(capacity["mentors_trained"], capacity["active_mentors"])
    return {**payload, "capacity": capacity}


def return_of(engine, college: str, programme: str, period: str) -> Return:
    with Session(engine) as session:
        found = session.scalar(
            select(Return).join(Programme).join(Period)
            .join(Institution, Return.institution_id == Institution.id)
            .where(Institution.code == college, Programme.code == programme,
                   Period.code == period))
        session.expunge_all()
    return found


def test_college_and_reviewer_close_the_loop(live_registry, browser, tmp_path):
    base, engine = live_registry["url"], live_registry["engine"]
    database = live_registry["app"].config["DATABASE_URL"]
    period = periods(engine)[0].code
    good = demo_payload("KP-MED-PUB-001", "E2E-LOOP", "undergraduate", period, 3)
    upload = tmp_path / "loop.csv"
    upload.write_bytes(dump_returns_to_csv([too_few_mentors(good)]))
    college = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    reviewer = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()

    # the college uploads; the quality pipeline runs; the finding waits on the dashboard
    log_in(college, base, "officer@kp-med-pub-001.demo")
    college.get_by_role("link", name="Upload the XLSX template or a CSV").click()
    college.get_by_label("File (.xlsx or .csv)").set_input_files(str(upload))
    college.get_by_role("button", name="Upload").click()
    run_quality_checks(database)
    college.goto(f"{base}/college")
    assert "Q001" in college.locator("#open-findings").inner_text()
    screenshot(college, "loop-0-college-dashboard-findings")
    college.locator("#open-findings a", has_text="Q001").last.click()
    finding = college.locator("article.finding", has_text="Q001")
    assert "at most 15 mentees per mentor" in finding.inner_text()
    assert "Active mentors" in finding.inner_text()  # the dictionary's label, with its value
    screenshot(college, "loop-1-college-finding")

    # the college explains the warning
    finding.get_by_label("Explain Q001").fill("We run large-group mentoring: 20 per circle.")
    finding.get_by_role("button", name="Send the explanation").click()
    assert "Explanation recorded" in college.locator(".flash").inner_text()
    return_id = return_of(engine, "KP-MED-PUB-001", "E2E-LOOP", period).id

    # the reviewer finds the explanation on Messages, sees data, finding and explanation,
    # and refuses it with a reason
    log_in(reviewer, base, REVIEWER)
    reviewer.goto(f"{base}/messages")
    waiting = reviewer.locator("#threads tr", has=reviewer.locator(
        f"a[href^='/review/returns/{return_id}']"))
    assert "1 unread" in waiting.inner_text()  # the college's explanation
    waiting.get_by_role("link").click()
    explained = reviewer.locator("article.finding", has_text="Q001")
    assert "large-group mentoring" in explained.inner_text()
    assert "Enrolled mentees" in reviewer.locator("table.data-comparison").inner_text()
    explained.get_by_role("button", name="Refuse the explanation").click()
    assert "Say why" in reviewer.locator("#issue-" + explained_id(engine, return_id)).inner_text()
    screenshot(reviewer, "loop-2-reviewer-refusal-needs-a-reason")
    reviewer.get_by_label("Reason (needed to refuse; sent to the college)").fill(
        "Circles of 20 are lectures, not mentoring; check active mentors.")
    reviewer.get_by_role("button", name="Refuse the explanation").click()
    assert "Explanation refused" in reviewer.locator(".flash").inner_text()
    screenshot(reviewer, "loop-2-reviewer-refused")

    # the college sees the reason on the thread, with an unread count on Messages
    college.goto(f"{base}/messages")
    assert "1 unread" in college.locator("#threads").inner_text()
    screenshot(college, "loop-3-college-messages")
    college.locator("#threads a").first.click()
    thread = college.locator("#thread")
    assert "Circles of 20 are lectures, not mentoring" in thread.inner_text()
    college.get_by_label("Reply to your reviewers").fill("Understood: we will correct the count.")
    college.get_by_role("button", name="Send", exact=True).click()
    assert "Understood" in college.locator("#thread").inner_text()
    screenshot(college, "loop-4-college-sees-reason")

    # the college corrects the figure through the form the finding links to
    finding = college.locator("article.finding", has_text="Q001")
    finding.get_by_role("link", name=re.compile("^Correct ")).click()
    assert "focus=capacity.enrolled_mentees" in college.url
    college.locator("#f-capacity-active_mentors").fill(
        str(good["capacity"]["active_mentors"]))
    college.locator("#f-capacity-mentors_trained").fill(
        str(good["capacity"]["mentors_trained"]))
    screenshot(college, "loop-5-college-corrects")
    college.get_by_role("button", name="Submit this return").click()
    assert "Version 2 received" in college.locator(".flash.info").inner_text()
    run_quality_checks(database)

    # the reviewer finds version 2 validated, the change marked, and approves it
    reviewer.goto(f"{base}/review")
    reviewer.locator(f"a[href='/review/returns/{return_id}']").click()
    assert "changed" in reviewer.locator("table.data-comparison").inner_text()
    reviewer.get_by_role("button", name="Approve").click()
    assert "Decision recorded: approve" in reviewer.locator(".flash").inner_text()
    screenshot(reviewer, "loop-6-reviewer-approved")
    assert return_of(engine, "KP-MED-PUB-001", "E2E-LOOP", period).status == "approved"


def explained_id(engine, return_id: int) -> str:
    with Session(engine) as session:
        return str(session.scalar(select(QualityIssue.id).where(
            QualityIssue.return_id == return_id, QualityIssue.rule_id == "Q001",
            QualityIssue.status == "explained")))


def test_explanation_accepted_last_period_is_offered_again(live_registry, page, tmp_path):
    base, engine = live_registry["url"], live_registry["engine"]
    database = live_registry["app"].config["DATABASE_URL"]
    current, previous = periods(engine)
    accept_last_period(engine, database, previous)
    upload = tmp_path / "again.csv"
    payload = demo_payload("KP-MED-PVT-001", "E2E-AGAIN", "undergraduate", current.code, 3)
    upload.write_bytes(dump_returns_to_csv([too_few_mentors(payload)]))

    log_in(page, base, "officer@kp-med-pvt-001.demo")
    page.get_by_role("link", name="Upload the XLSX template or a CSV").click()
    page.get_by_label("File (.xlsx or .csv)").set_input_files(str(upload))
    page.get_by_role("button", name="Upload").click()
    run_quality_checks(database)
    return_id = return_of(engine, "KP-MED-PVT-001", "E2E-AGAIN", current.code).id
    page.goto(f"{base}/college/returns/{return_id}")
    finding = page.locator("article.finding", has_text="Q001")
    offered = finding.locator("form.previous-explanation")
    assert f"in {previous.code}" in offered.inner_text()
    assert "Peer circles of twenty" in offered.inner_text()
    screenshot(page, "explanation-offered-again")
    offered.get_by_role("button", name="Use this explanation again").click()
    assert "Explanation recorded" in page.locator(".flash").inner_text()
    assert "Peer circles of twenty" in page.locator("blockquote.explanation").inner_text()


def accept_last_period(engine, database: str, previous: Period) -> None:
    """Last period: the same programme trips Q001, the college explains, KMU accepts."""
    with Session(engine) as session:
        college = session.scalar(select(Institution).where(Institution.code == "KP-MED-PVT-001"))
        officer = Actor(label="user:officer@kp-med-pvt-001.demo", role="college",
                        institution_id=college.id, university_id=college.university_id)
        payload = demo_payload(college.code, "E2E-AGAIN", "undergraduate", previous.code, 2)
        submitted = submit_return(session, officer, too_few_mentors(payload), source="test",
                                  now=previous.opens_at + timedelta(days=3))
        session.commit()
    run_quality_checks(database, previous.code)
    with Session(engine) as session:
        reviewer = session.scalar(select(User).where(User.email == REVIEWER))
        issue = session.scalar(select(QualityIssue).where(
            QualityIssue.return_id == submitted.return_id, QualityIssue.rule_id == "Q001"))
        quality.explain_issue(session, officer, submitted.return_id, issue.id,
                              text="Peer circles of twenty, by design.")
        quality.decide_issue(session, Actor.for_user(reviewer), submitted.return_id, issue.id,
                             decision="accept")
        session.commit()
