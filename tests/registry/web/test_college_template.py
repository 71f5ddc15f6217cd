"""The college's own templates: pre-filled from last period, labelled, read back by the upload."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from registry.models import ReturnVersion
from registry.services.accounts.actors import Actor
from registry.services.submission.bulk import read_bulk_file
from registry.services.submission.submissions import submit_return
from schemas import flatten_return
from schemas.tabular.template import FIRST_DATA_ROW, ONE_SHEET, csv_columns
from tests.factories import make_period, return_payload

PROGRAMMES = ("UG-1", "PG-2")


def _last_year(session, college, college_user) -> dict[str, dict]:
    """Two programmes with returns in the closed period 2024; their payloads by code."""
    period = make_period(session, "2024", open_now=False)
    payloads = {}
    for code in PROGRAMMES:
        payloads[code] = return_payload(college, "2024", code)
        submit_return(session, Actor.for_user(college_user), payloads[code], source="api",
                      now=period.opens_at + timedelta(days=1))
    return payloads


def _as_this_period(payload: dict) -> dict:
    flat = flatten_return(payload)
    return {**flat, "header.period_code": "2025"}


def test_the_xlsx_template_reads_back_as_last_periods_returns_for_this_period(
        as_college, session, college, college_user, period):
    last = _last_year(session, college, college_user)
    response = as_college.get("/college/template.xlsx?period=2025")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    payloads, source = read_bulk_file("returns.xlsx", response.data)
    assert source == "xlsx"
    assert {p["header"]["programme_code"]: flatten_return(p) for p in payloads} == {
        code: _as_this_period(payload) for code, payload in last.items()}


def test_the_csv_template_reads_back_the_same_values(
        as_college, session, college, college_user, period):
    last = _last_year(session, college, college_user)
    response = as_college.get("/college/template.csv?period=2025")
    payloads, source = read_bulk_file("returns.csv", response.data)
    assert source == "csv"
    assert {p["header"]["programme_code"]: flatten_return(p) for p in payloads} == {
        code: _as_this_period(payload) for code, payload in last.items()}


def test_codes_are_typed_once_and_every_column_names_its_area_and_group(
        as_college, session, college, college_user, period):
    _last_year(session, college, college_user)
    workbook = load_workbook(io.BytesIO(as_college.get("/college/template.xlsx?period=2025").data))
    assert workbook.sheetnames == ["README", ONE_SHEET]
    sheet = workbook[ONE_SHEET]
    paths = [cell.value for cell in sheet[1]]
    labels = {path: cell.value for path, cell in zip(paths, sheet[2], strict=True)}
    assert tuple(paths) == csv_columns("1.0")  # the period accepts 1.0 only
    assert labels["evaluation.perceived_improvement.research.asked"] == (
        "Evaluation · Improvement: Research: Asked")
    assert labels["evaluation.mentee_survey.satisfaction.1"].startswith(
        "Evaluation · Mentee satisfaction, by rating: Rated 1")
    assert [sheet.cell(row, 2).value for row in (FIRST_DATA_ROW, FIRST_DATA_ROW + 1)] == [
        college.code, college.code]
    assert {sheet.cell(row, 4).value for row in (3, 4)} == set(PROGRAMMES)


def test_yes_no_and_coded_columns_are_drop_down_lists(as_college, session, period):
    workbook = load_workbook(io.BytesIO(as_college.get("/college/template.xlsx?period=2025").data))
    sheet = workbook[ONE_SHEET]
    letters = {cell.value: cell.column_letter for cell in sheet[1]}
    lists = {str(rng).split(":")[0]: dv.formula1 for dv in sheet.data_validations.dataValidation
             if dv.type == "list" for rng in dv.sqref.ranges}
    assert "TRUE,FALSE" in lists[f"{letters['governance.written_policy']}3"]
    assert "undergraduate" in lists[f"{letters['programme.level']}3"]


def test_the_instructions_sheet_comes_first(as_college, session, college, period):
    workbook = load_workbook(io.BytesIO(as_college.get("/college/template.xlsx?period=2025").data))
    text = " ".join(str(c.value) for row in workbook["README"].iter_rows() for c in row if c.value)
    assert workbook.sheetnames[0] == "README"
    assert college.name in text and "not_collected" in text and "typed once" in text


def test_the_downloaded_template_uploads_cleanly(as_college, session, college, college_user,
                                                 period):
    _last_year(session, college, college_user)
    data = as_college.get("/college/template.xlsx?period=2025").data
    before = session.scalar(select(func.count()).select_from(ReturnVersion))
    response = as_college.post("/college/upload", data={"file": (io.BytesIO(data), "t.xlsx")},
                               content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(ReturnVersion)) == before + 2


def test_an_unknown_period_is_a_clear_not_found(as_college, period):
    response = as_college.get("/college/template.xlsx?period=1999")
    assert response.status_code == 404
    assert "1999" in response.get_data(as_text=True)


def test_the_upload_page_links_both_templates(as_college, period):
    page = as_college.get("/college/upload").get_data(as_text=True)
    assert "/college/template.xlsx?period=2025" in page
    assert "/college/template.csv?period=2025" in page


def test_a_1_1_periods_templates_follow_1_1_and_a_filled_cohort_uploads(
        as_college, session, college, college_user, period):
    _last_year(session, college, college_user)
    period.standard_versions = ["1.0", "1.1"]
    session.flush()
    workbook = load_workbook(io.BytesIO(as_college.get("/college/template.xlsx?period=2025").data))
    sheet = workbook[ONE_SHEET]
    paths = [cell.value for cell in sheet[1]]
    assert tuple(paths) == csv_columns("1.1")
    assert "data standard v1.1" in workbook["README"]["A1"].value
    row = {path: cell for path, cell in zip(paths, sheet[FIRST_DATA_ROW], strict=True)}
    assert row["header.schema_version"].value == "1.1"
    for path, value in {"intake_period": "2024", "at_start": 30, "still_in_training": 25,
                        "completed": 0, "left.withdrew": 2, "left.transferred": 1,
                        "left.dismissed": 0, "left.other": 0, "exam.sat": 20, "exam.passed": 15,
                        "with_research_outputs": 4, "burnout_screening.instrument": "cbi",
                        "burnout_screening.screened": 20,
                        "burnout_screening.above_threshold": 5}.items():
        row[f"cohort_follow_up.cohorts.0.{path}"].value = value
    row["governance.written_policy"].value = "not_reported"
    buffer = io.BytesIO()
    workbook.save(buffer)
    payloads, _ = read_bulk_file("returns.xlsx", buffer.getvalue())
    code = row["header.programme_code"].value
    first = next(p for p in payloads if p["header"]["programme_code"] == code)
    assert first["cohort_follow_up"]["cohorts"][0]["left"]["transferred"] == 1
    assert first["governance"]["written_policy"] == "not_reported"
    assert all(p["header"]["schema_version"] == "1.1" for p in payloads)
    csv_text = as_college.get("/college/template.csv?period=2025").data.decode("utf-8-sig")
    assert "cohort_follow_up.cohorts.4.at_start" in csv_text.splitlines()[0]


def test_the_blank_template_of_each_version(client):
    v1_1 = load_workbook(io.BytesIO(client.get("/api/v1/standard/1.1/template.xlsx").data))
    assert "cohort_follow_up" in v1_1.sheetnames
    v1_0 = load_workbook(io.BytesIO(client.get("/api/v1/standard/1.0/template.xlsx").data))
    assert "cohort_follow_up" not in v1_0.sheetnames
    missing = client.get("/api/v1/standard/2.0/template.xlsx")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
