"""CSV bulk files: one header row of dotted paths, one return per row."""

from __future__ import annotations

import pytest
from openpyxl.utils import get_column_letter

from schemas.tabular.read import BulkFileError, load_returns_from_csv
from schemas.tabular.write import dump_returns_to_csv


def _errors(data: bytes) -> list[dict]:
    with pytest.raises(BulkFileError) as caught:
        load_returns_from_csv(data)
    return caught.value.errors


def _replace_cell(data: bytes, column: str, row: int, value: str) -> bytes:
    lines = data.decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    index = header.index(column)
    cells = lines[row - 1].split(",")
    assert '"' not in lines[row - 1]
    cells[index] = value
    lines[row - 1] = ",".join(cells)
    return "\n".join(lines).encode("utf-8")


def test_csv_round_trips_into_the_same_returns(sample_returns):
    assert load_returns_from_csv(dump_returns_to_csv(sample_returns)) == sample_returns


def test_csv_starts_with_a_bom_and_loads_without_one(pilot):
    data = dump_returns_to_csv([pilot])
    assert data.startswith(b"\xef\xbb\xbf")
    assert load_returns_from_csv(data[3:]) == [pilot]


def test_formula_like_text_is_escaped_and_restored(pilot):
    pilot["programme"]["name"] = "@mentoring +peers"
    data = dump_returns_to_csv([pilot])
    assert b",'@mentoring +peers," in data
    assert load_returns_from_csv(data) == [pilot]


def test_non_utf8_csv_is_refused(pilot):
    data = dump_returns_to_csv([pilot]).decode("utf-8-sig").replace("Senior", "Sénior")
    message = _errors(data.encode("latin-1"))[0]["message"]
    assert "not UTF-8" in message


def test_empty_csv_is_refused():
    assert "empty" in _errors(b"")[0]["message"]


def test_unknown_column_is_refused(pilot):
    data = dump_returns_to_csv([pilot]).replace(b"capacity.training_hours", b"capacity.hours")
    errors = _errors(data)
    assert {e["column"] for e in errors} == {"capacity.training_hours", _letter_of(data)}


def _letter_of(data: bytes) -> str:
    """Return the spreadsheet letter of the renamed column."""
    header = data.decode("utf-8-sig").splitlines()[0].split(",")
    return get_column_letter(header.index("capacity.hours") + 1)


def test_several_errors_are_listed_with_row_and_column(sample_returns):
    data = dump_returns_to_csv(sample_returns[:3])
    data = _replace_cell(data, "capacity.active_mentors", 2, "-3")
    data = _replace_cell(data, "governance.written_policy", 3, "maybe")
    data = _replace_cell(data, "needs_assessment.invited", 4, "")
    errors = _errors(data)
    assert {(e["sheet"], e["row"], e["column"]) for e in errors} == {
        (None, 2, "capacity.active_mentors"),
        (None, 3, "governance.written_policy"),
        (None, 4, "needs_assessment.invited"),
    }


def test_duplicate_return_rows_are_refused(pilot):
    data = dump_returns_to_csv([pilot, pilot])
    errors = _errors(data)
    assert [(e["row"], e["column"]) for e in errors] == [(3, "header.institution_code")]
