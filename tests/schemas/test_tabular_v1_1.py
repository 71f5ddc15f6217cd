"""Standard 1.1 in the bulk files: the cohort follow-up as numbered columns, not_reported."""

from __future__ import annotations

import io
import random

from openpyxl import load_workbook

from schemas.cohort_examples import as_version_1_1, synthetic_cohorts
from schemas.examples import pilot_return
from schemas.tabular.read import load_returns_from_csv, load_returns_from_xlsx
from schemas.tabular.template import (
    ONE_SHEET,
    build_one_sheet_template,
    build_xlsx_template,
    csv_columns,
)
from schemas.tabular.write import dump_flat_rows_to_csv, dump_returns_to_csv, dump_returns_to_xlsx


def _return_1_1(cohorts: int = 3) -> dict:
    payload = as_version_1_1(pilot_return(), synthetic_cohorts(random.Random(4), "2020", 30)[
        :cohorts])
    payload["governance"]["matching_method"] = "not_reported"
    payload["governance"]["written_policy"] = "not_reported"
    payload["needs_assessment"]["item_respondents"] = dict.fromkeys(
        payload["needs_assessment"]["need_areas"], 33)
    return payload


def test_each_version_has_its_own_columns_the_1_1_ones_adding_numbered_cohorts():
    v1_0, v1_1 = set(csv_columns("1.0")), set(csv_columns("1.1"))
    assert v1_0 < v1_1
    added = v1_1 - v1_0
    assert "cohort_follow_up.cohorts.0.at_start" in added
    assert "cohort_follow_up.cohorts.4.burnout_screening.instrument" in added
    assert "cohort_follow_up.cohorts.5.at_start" not in added
    assert "needs_assessment.item_respondents.research" in added


def test_a_1_1_return_goes_through_csv_and_back_unchanged():
    payload = _return_1_1()
    assert load_returns_from_csv(dump_returns_to_csv([payload])) == [payload]


def test_a_1_1_return_goes_through_xlsx_and_back_unchanged():
    payload = _return_1_1(cohorts=2)
    assert load_returns_from_xlsx(dump_returns_to_xlsx([payload])) == [payload]


def test_a_1_0_return_beside_a_1_1_return_stays_1_0():
    old = pilot_return(programme_code="OLD")
    loaded = load_returns_from_csv(dump_returns_to_csv([old, _return_1_1()]))
    assert loaded[0] == old and "cohort_follow_up" not in loaded[0]


def test_the_blank_1_1_template_has_a_cohort_sheet_and_explains_not_reported():
    book = load_workbook(io.BytesIO(build_xlsx_template("1.1")))
    assert "cohort_follow_up" in book.sheetnames
    readme = "\n".join(str(c.value) for row in book["README"].iter_rows() for c in row if c.value)
    assert "v1.1" in readme and "not_reported" in readme
    assert "cohort_follow_up.cohorts.0.*" in readme
    assert "cohort_follow_up" not in load_workbook(io.BytesIO(build_xlsx_template())).sheetnames


def test_a_one_sheet_1_1_template_labels_each_cohort_and_reads_back():
    payload = _return_1_1(cohorts=1)
    from schemas import flatten_return

    body = build_one_sheet_template([flatten_return(payload)], "t", version="1.1")
    sheet = load_workbook(io.BytesIO(body))[ONE_SHEET]
    labels = [cell.value for cell in sheet[2]]
    assert "Cohort follow-up · Cohorts followed #1 · Mentees at start" in labels
    assert load_returns_from_xlsx(body) == [payload]
    text = dump_flat_rows_to_csv([flatten_return(payload)], "1.1").decode("utf-8-sig")
    assert text.splitlines()[0].count("cohort_follow_up.cohorts.") == 5 * 14
