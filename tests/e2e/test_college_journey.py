"""A college officer in a real browser: upload with an error, see it, correct it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.demo.history import demo_payload
from registry.models import Institution, Period, Programme, Return
from schemas.tabular.write import dump_returns_to_csv
from tests.e2e.conftest import log_in, screenshot

COLLEGE_LOGIN = "officer@kp-med-pub-001.demo"
COLLEGE = "KP-MED-PUB-001"


def open_period_code(engine) -> str:
    with Session(engine) as session:
        return max(session.scalars(select(Period.code)))


def test_college_uploads_sees_error_and_corrects_it(live_registry, page, tmp_path):
    base, engine = live_registry["url"], live_registry["engine"]
    period = open_period_code(engine)
    payload = demo_payload(COLLEGE, "E2E-UPLOAD", "undergraduate", period, 3)
    too_many = payload["capacity"]["eligible_mentees"] + 9
    wrong = {**payload, "capacity": {**payload["capacity"], "enrolled_mentees": too_many}}
    bad_file, good_file = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad_file.write_bytes(dump_returns_to_csv([wrong]))
    good_file.write_bytes(dump_returns_to_csv([payload]))

    log_in(page, base, COLLEGE_LOGIN)
    page.get_by_role("link", name="Upload the XLSX template or a CSV").click()
    page.get_by_label("File (.xlsx or .csv)").set_input_files(str(bad_file))
    page.get_by_role("button", name="Upload").click()
    problems = page.locator("#upload-errors")
    assert "capacity.enrolled_mentees" in problems.inner_text()
    assert "nothing was stored" in problems.inner_text()
    screenshot(page, "college-upload-error")

    page.get_by_label("File (.xlsx or .csv)").set_input_files(str(good_file))
    page.get_by_role("button", name="Upload").click()
    assert "1 return(s) received" in page.locator(".flash").first.inner_text()
    assert _stored(engine, "E2E-UPLOAD") == 1


def test_college_form_shows_error_beside_field_and_accepts_the_fix(live_registry, page):
    base, engine = live_registry["url"], live_registry["engine"]
    period = open_period_code(engine)
    before = _stored_versions(engine, "UG-MENTOR")
    log_in(page, base, COLLEGE_LOGIN)
    page.goto(f"{base}/college/submit?programme=UG-MENTOR&period={period}&step=capacity")
    trained = page.locator("#f-capacity-mentors_trained")
    active = int(page.locator("#f-capacity-active_mentors").input_value())
    trained.fill(str(active + 4))
    page.get_by_role("button", name="Submit this return").click()
    error = page.locator("#f-capacity-mentors_trained-error")
    assert "capacity.active_mentors" in error.inner_text()
    assert page.locator("#form-errors a", has_text="capacity.mentors_trained").count() == 1
    screenshot(page, "college-form-error")

    page.locator("#f-capacity-mentors_trained").fill(str(active))
    page.get_by_role("button", name="Submit this return").click()
    assert "received" in page.locator("h1").inner_text()
    assert _stored_versions(engine, "UG-MENTOR") == before + 1


def _stored_versions(engine, programme_code: str) -> int:
    with Session(engine) as session:
        return session.scalar(
            select(Return.latest_version).join(Programme)
            .join(Institution, Return.institution_id == Institution.id)
            .join(Period, Return.period_id == Period.id)
            .where(Programme.code == programme_code, Institution.code == COLLEGE)
            .order_by(Period.starts_on.desc()).limit(1))


def _stored(engine, programme_code: str) -> int:
    with Session(engine) as session:
        return len(session.scalars(
            select(Return).join(Programme)
            .join(Institution, Return.institution_id == Institution.id)
            .where(Programme.code == programme_code, Institution.code == COLLEGE)).all())
