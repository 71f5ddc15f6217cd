"""The XLSX template and bulk upload: layout, dropdowns, round trip, every error listed."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from schemas.tabular.read import BulkFileError, load_returns_from_xlsx
from schemas.tabular.template import KEY_COLUMNS, LAST_DATA_ROW, build_xlsx_template
from schemas.tabular.write import dump_returns_to_xlsx

SECTIONS = [
    "header",
    "programme",
    "governance",
    "needs_assessment",
    "capacity",
    "activity",
    "evaluation",
    "outcomes",
]


def _open(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _column(sheet, path: str) -> str:
    """Return the column letter holding a dotted path in row 1."""
    return next(cell.column_letter for cell in sheet[1] if cell.value == path)


def _errors(data: bytes) -> list[dict]:
    with pytest.raises(BulkFileError) as caught:
        load_returns_from_xlsx(data)
    return caught.value.errors


def test_template_has_a_readme_then_one_sheet_per_section():
    workbook = _open(build_xlsx_template())
    assert workbook.sheetnames == ["README", *SECTIONS]
    readme = " ".join(str(c.value) for row in workbook["README"].iter_rows() for c in row)
    assert "not_collected" in readme
    assert "not_applicable" in readme


def test_section_sheets_start_with_the_key_columns_then_paths_and_labels():
    workbook = _open(build_xlsx_template())
    for name in SECTIONS:
        sheet = workbook[name]
        paths = [cell.value for cell in sheet[1]]
        assert tuple(paths[:3]) == KEY_COLUMNS
        assert all(path.startswith(f"{name}.") for path in paths[3:] if path)
        assert all(cell.value for cell in sheet[2])
    assert "evaluation.mentee_survey.satisfaction.4" in [c.value for c in workbook["evaluation"][1]]


def test_coded_and_boolean_columns_have_dropdowns():
    workbook = _open(build_xlsx_template())
    programme, governance = workbook["programme"], workbook["governance"]
    level = _validation_for(programme, _column(programme, "programme.level"))
    policy = _validation_for(governance, _column(governance, "governance.written_policy"))
    assert level.type == "list"
    assert level.formula1 == '"undergraduate,postgraduate,faculty"'
    assert policy.type == "list"
    assert policy.formula1 == '"TRUE,FALSE"'


def test_count_columns_accept_numbers_or_reason_codes():
    sheet = _open(build_xlsx_template())["capacity"]
    rule = _validation_for(sheet, _column(sheet, "capacity.eligible_mentees"))
    assert rule.type == "custom"
    assert "ISNUMBER" in rule.formula1
    assert '"not_collected"' in rule.formula1


def _validation_for(sheet, letter: str):
    return next(
        dv
        for dv in sheet.data_validations.dataValidation
        if any(str(r).startswith(f"{letter}3:") for r in dv.sqref.ranges)
    )


def test_filled_template_round_trips_into_the_same_returns(sample_returns):
    assert load_returns_from_xlsx(dump_returns_to_xlsx(sample_returns)) == sample_returns


def test_text_starting_like_a_formula_stays_text(pilot):
    pilot["programme"]["name"] = "=HYPERLINK(1) programme"
    assert load_returns_from_xlsx(dump_returns_to_xlsx([pilot])) == [pilot]


def test_typed_cells_are_read_by_field_type(pilot):
    workbook = _open(dump_returns_to_xlsx([pilot]))
    header, programme = workbook["header"], workbook["programme"]
    governance = workbook["governance"]
    for sheet in workbook.worksheets[1:]:
        if sheet.max_row >= 3:
            sheet[f"{_column(sheet, 'header.period_code')}3"] = 2020
    header[f"{_column(header, 'header.schema_version')}3"] = None
    programme[f"{_column(programme, 'programme.level')}3"] = "Postgraduate residents"
    governance[f"{_column(governance, 'governance.written_policy')}3"] = "no"
    assert load_returns_from_xlsx(_save(workbook)) == [pilot]


def test_file_with_several_errors_lists_every_one(sample_returns):
    workbook = _open(dump_returns_to_xlsx(sample_returns[:2]))
    capacity, programme = workbook["capacity"], workbook["programme"]
    capacity[f"{_column(capacity, 'capacity.enrolled_mentees')}3"] = "many"
    capacity[f"{_column(capacity, 'capacity.mentors_trained')}4"] = 10_000
    programme[f"{_column(programme, 'programme.disciplines')}4"] = "medicine;astrology"
    workbook["activity"].delete_rows(4)
    errors = _errors(_save(workbook))
    found = {(e["sheet"], e["row"], e["column"]) for e in errors}
    assert found == {
        ("header", 4, "header.institution_code"),
        ("programme", 4, "programme.disciplines"),
        ("capacity", 3, "capacity.enrolled_mentees"),
        ("capacity", 4, "capacity.mentors_trained"),
    }
    trained = next(e for e in errors if e["column"] == "capacity.mentors_trained")
    assert "must not exceed capacity.active_mentors" in trained["message"]
    assert any("no row for this return in sheet 'activity'" in e["message"].lower() for e in errors)


def test_formula_cell_is_refused_with_its_location(pilot):
    workbook = _open(dump_returns_to_xlsx([pilot]))
    sheet = workbook["activity"]
    letter = _column(sheet, "activity.meetings_planned")
    sheet[f"{letter}3"] = "=SUM(1,2)"
    assert _errors(_save(workbook)) == [
        {
            "sheet": "activity",
            "row": 3,
            "column": "activity.meetings_planned",
            "message": "Formulas are not accepted: type the value itself.",
        }
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [(b"", "empty"), (b"just some text", "workbook"), (b"PK\x03\x04broken", "workbook")],
)
def test_non_workbook_is_refused(data, expected):
    assert expected in _errors(data)[0]["message"].lower()


def test_zip_bomb_is_refused_before_unpacking():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (51 * 1024 * 1024))
    assert "more than 50 MB" in _errors(buffer.getvalue())[0]["message"]


def test_workbook_without_the_template_sheets_is_refused():
    errors = _errors(_save(Workbook()))
    assert {e["sheet"] for e in errors} >= {"header", "capacity"}
    assert "not the registry template" in errors[0]["message"]


def test_unknown_and_missing_columns_are_refused(pilot):
    workbook = _open(dump_returns_to_xlsx([pilot]))
    sheet = workbook["capacity"]
    sheet[f"{_column(sheet, 'capacity.training_hours')}1"] = "capacity.hours"
    errors = _errors(_save(workbook))
    assert {(e["row"], e["column"]) for e in errors} == {(1, "I"), (1, "capacity.training_hours")}


def test_template_without_data_is_refused():
    assert "no returns" in _errors(build_xlsx_template())[0]["message"]


def test_rows_beyond_the_cap_are_refused(pilot):
    workbook = _open(dump_returns_to_xlsx([pilot]))
    workbook["header"][f"A{LAST_DATA_ROW + 1}"] = "PB-MED-002"
    errors = _errors(_save(workbook))
    assert any("Too many rows" in e["message"] for e in errors)


def test_duplicate_rows_for_one_return_are_refused(pilot):
    workbook = _open(dump_returns_to_xlsx([pilot]))
    sheet = workbook["governance"]
    sheet.append([cell.value for cell in sheet[3]])
    errors = _errors(_save(workbook))
    assert [(e["sheet"], e["row"]) for e in errors] == [("governance", 4)]
