"""XLSX record files give exactly what their CSV twins give."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from registry_toolkit.compiler import compile_records
from registry_toolkit.layout import RECORD_FILES
from registry_toolkit.problems import RecordsError
from tests.toolkit.conftest import read_rows


def typed(cell: str) -> object:
    """Give a cell the type Excel would: dates, numbers and TRUE/FALSE as such."""
    if len(cell) == 10 and cell[4] == "-" and cell[7] == "-":
        return date.fromisoformat(cell)
    if cell.replace(".", "", 1).isdigit():
        return float(cell) if "." in cell else int(cell)
    if cell in ("yes", "no"):
        return cell == "yes"
    return cell or None


def to_xlsx(folder, stem: str) -> None:
    workbook = Workbook()
    sheet = workbook.active
    header, *rows = read_rows(folder / f"{stem}.csv")
    sheet.append(header)
    for row in rows:
        sheet.append([typed(cell) for cell in row])
    workbook.save(folder / f"{stem}.xlsx")
    (folder / f"{stem}.csv").unlink()


def test_xlsx_records_compile_to_the_same_return(pilot_dir):
    expected = compile_records(pilot_dir).payload
    for spec in RECORD_FILES:
        to_xlsx(pilot_dir, spec.stem)
    compilation = compile_records(pilot_dir)
    assert compilation.payload == expected
    assert compilation.files["meetings.xlsx"] == 288
    assert compilation.sources["activity.meetings_held.online"] == "meetings.xlsx"


def test_xlsx_errors_name_the_sheet_row(pilot_dir):
    to_xlsx(pilot_dir, "meetings")
    workbook = load_workbook(pilot_dir / "meetings.xlsx")
    workbook.active["C5"] = "telephone"
    workbook.save(pilot_dir / "meetings.xlsx")
    with pytest.raises(RecordsError) as raised:
        compile_records(pilot_dir)
    assert raised.value.log.lines() == [
        "meetings.xlsx, row 5, column 'mode': unknown mode 'telephone' (allowed: in_person, "
        "online, group)"]
