"""A college officer in a real browser: the stepped form with drafts, findings, templates."""

from __future__ import annotations

from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.demo.history import demo_payload
from registry.models import Draft, Institution, Period, Programme, Return
from registry.services.submission.return_form import values_from_payload
from schemas.tabular.template import FIRST_DATA_ROW, ONE_SHEET
from schemas.walk import return_leaves
from tests.e2e.conftest import log_in, screenshot

COLLEGE_LOGIN = "officer@kp-med-pub-001.demo"
COLLEGE = "KP-MED-PUB-001"
DIRECTORY_PROGRAMME = "UG-MENTOR"  # in the demo: a return each year, this one included


def open_period_code(engine) -> str:
    with Session(engine) as session:
        return max(session.scalars(select(Period.code)))


def fill_section(page, values: dict[str, str], section: str) -> None:
    """Type a section's values as a person would: text, choices, ticks."""
    for leaf in return_leaves():
        if leaf.section != section or not values.get(leaf.path):
            continue
        value, input_id = values[leaf.path], "#f-" + leaf.path.replace(".", "-")
        if leaf.field.kind in ("boolean", "code"):
            page.locator(input_id).select_option(value)
        elif leaf.field.kind == "code list":
            for code in value.split(";"):
                page.locator(f'input[name="{leaf.path}"][value="{code}"]').check()
        else:
            page.locator(input_id).fill(value)


def drafts_of(engine, programme_code: str) -> list[Draft]:
    with Session(engine) as session:
        return session.scalars(select(Draft).where(Draft.programme_code == programme_code)).all()


def test_draft_saved_reloaded_restored_and_submitted_with_findings_at_once(live_registry, page):
    base, engine = live_registry["url"], live_registry["engine"]
    period = open_period_code(engine)
    payload = demo_payload(COLLEGE, "E2E-DRAFT", "undergraduate", period, 5)
    payload["activity"]["contact_hours"] = "not_collected"  # the within-return rule Q008 fires
    values = values_from_payload(payload)

    log_in(page, base, COLLEGE_LOGIN)
    page.get_by_role("link", name="Submit a return by form").click()
    page.get_by_label("A new programme").check()
    page.get_by_label("New programme's code").fill("E2E-DRAFT")
    screenshot(page, "form-start")
    page.get_by_role("button", name="Start the return").click()

    assert page.locator("#f-capacity-enrolled_mentees").input_value() == ""  # empty, no example
    fill_section(page, values, "programme")
    page.locator("#step-programme").get_by_role("button", name="Save and continue").click()
    fill_section(page, values, "governance")
    page.locator("#step-governance").get_by_role("button", name="Save and continue").click()
    assert "Draft saved" in page.locator(".flash").inner_text()
    screenshot(page, "form-draft-saved")
    assert len(drafts_of(engine, "E2E-DRAFT")) == 1

    page.reload()
    assert page.locator("#f-programme-name").input_value() == values["programme.name"]
    assert page.locator("#f-governance-written_policy").input_value() == (
        values["governance.written_policy"])
    page.get_by_role("link", name="Choose another programme or period").click()
    page.get_by_role("link", name="Resume draft E2E-DRAFT").click()
    assert page.locator("#f-programme-name").input_value() == values["programme.name"]
    screenshot(page, "form-draft-restored")

    for section, following in (("needs_assessment", "Capacity"), ("capacity", "Activity"),
                               ("activity", "Evaluation"), ("evaluation", "Outcomes")):
        fill_section(page, values, section)
        page.locator("nav.steps").get_by_role("button", name=following, exact=True).click()
    fill_section(page, values, "outcomes")
    assert page.locator("#submission-outcome").inner_text() == (
        "Submitting will add programme E2E-DRAFT to the programme directory and store "
        f"version 1 of the E2E-DRAFT return for {period}.")
    screenshot(page, "form-last-step-outcome")
    page.get_by_role("button", name="Submit this return").click()

    assert "Version 1 of return E2E-DRAFT" in page.locator("h1").inner_text()
    findings = page.locator("table.findings").inner_text()
    assert "Q008" in findings and "activity.contact_hours" in findings
    assert "national rules" in page.locator("#national-note").inner_text()
    screenshot(page, "form-submitted-findings")
    assert drafts_of(engine, "E2E-DRAFT") == []


def test_last_period_beside_the_field_then_a_finding_links_back_to_its_field(
        live_registry, page):
    base, engine = live_registry["url"], live_registry["engine"]
    period = open_period_code(engine)
    log_in(page, base, COLLEGE_LOGIN)
    page.goto(f"{base}/college/submit?period={period}&programme={DIRECTORY_PROGRAMME}"
              "&step=capacity")
    last = page.locator("#f-capacity-enrolled_mentees-last")
    assert last.is_visible()
    before = int(last.locator("strong").inner_text())
    page.locator("#f-capacity-eligible_mentees").fill(str(before * 4 + 100))
    page.locator("#f-capacity-enrolled_mentees").fill(str(before * 2 + 30))
    page.locator("#step-capacity").get_by_role("button", name="Save and continue").click()
    page.locator("nav.steps").get_by_role("button", name="Capacity", exact=True).click()
    assert "+" in page.locator("#f-capacity-enrolled_mentees-last .change").inner_text()
    screenshot(page, "form-last-period-change")

    page.get_by_role("button", name="Submit this return").click()
    assert "Q010" in page.locator("table.findings").inner_text()
    page.get_by_role("link", name="Correct capacity.enrolled_mentees").click()
    # the browser applies autofocus once the page has loaded, not at once; Playwright's
    # expect polls from outside the page (a string predicate would need eval, which the
    # Content-Security-Policy refuses whenever the first check comes too early)
    expect(page.locator("#f-capacity-enrolled_mentees")).to_be_focused()
    assert page.locator("#f-capacity-enrolled_mentees").input_value() == str(before * 2 + 30)
    screenshot(page, "form-focus-from-finding")


def test_prefilled_template_downloaded_filled_and_uploaded(live_registry, page, tmp_path):
    base, engine = live_registry["url"], live_registry["engine"]
    period = open_period_code(engine)
    log_in(page, base, COLLEGE_LOGIN)
    page.get_by_role("link", name="Upload the XLSX template or a CSV").click()
    screenshot(page, "college-upload-templates")
    with page.expect_download() as download:
        page.get_by_role("link", name=f"XLSX template for {period}").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)

    workbook = load_workbook(path)
    sheet = workbook[ONE_SHEET]
    columns = {cell.value: cell.column for cell in sheet[1]}
    rows = {sheet.cell(row, columns["header.programme_code"]).value: row
            for row in range(FIRST_DATA_ROW, sheet.max_row + 1)}
    row = rows[DIRECTORY_PROGRAMME]
    assert sheet.cell(row, columns["header.institution_code"]).value == COLLEGE
    assert sheet.cell(row, columns["header.period_code"]).value == period
    sheet.cell(row, columns["evaluation.focus_groups_held"]).value = 7
    for other in sorted((r for r in rows.values() if r != row), reverse=True):
        sheet.delete_rows(other)  # programmes not reported this time (another test's)
    workbook.save(path)

    page.get_by_label("File (.xlsx or .csv)").set_input_files(str(path))
    page.get_by_role("button", name="Upload").click()
    assert "1 return(s) received" in page.locator(".flash").first.inner_text()
    assert "Version" in page.locator("h1").inner_text()  # the findings of the file's returns
    screenshot(page, "college-template-uploaded")
    assert _latest_payload(engine, period)["evaluation"]["focus_groups_held"] == 7


def _latest_payload(engine, period: str) -> dict:
    with Session(engine) as session:
        return_ = session.scalar(
            select(Return).join(Programme).join(Period)
            .join(Institution, Return.institution_id == Institution.id)
            .where(Programme.code == DIRECTORY_PROGRAMME, Institution.code == COLLEGE,
                   Period.code == period))
        return return_.versions[-1].payload


def test_the_training_page_fills_an_example_only_on_request(live_registry, page):
    base = live_registry["url"]
    log_in(page, base, COLLEGE_LOGIN)
    page.goto(f"{base}/college/practice")
    assert page.locator("#f-capacity-enrolled_mentees").input_value() == ""
    page.get_by_role("button", name="Fill with an example").click()
    assert page.locator("#f-capacity-enrolled_mentees").input_value() != ""
    page.get_by_role("button", name="Check this return").click()
    assert "would be accepted" in page.locator("#practice-result").inner_text()
    assert page.locator("#practice-findings h2").inner_text() == \
        "What the quality rules would find"
    screenshot(page, "form-practice-checked")
