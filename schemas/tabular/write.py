"""Writing returns to bulk files: the XLSX template filled with returns, and CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook

from schemas.cells import escape_text
from schemas.flat import flatten_return
from schemas.tabular.template import (
    column_label,
    csv_columns,
    required_sections,
    save_workbook,
    sheet_columns,
    template_workbook,
    write_cell,
)


def dump_returns_to_xlsx(returns: Iterable[dict]) -> bytes:
    """Return the template filled with returns, one row per return in each sheet."""
    workbook = template_workbook()
    for payload in returns:
        _append_return(workbook, flatten_return(payload))
    return save_workbook(workbook)


def dump_returns_to_csv(returns: Iterable[dict]) -> bytes:
    """Return returns as UTF-8 CSV (with BOM): a header row of dotted paths, one row each."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(csv_columns())
    for payload in returns:
        flat = flatten_return(payload)
        writer.writerow([_csv_text(flat.get(path)) for path in csv_columns()])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def dump_flat_rows_to_csv(rows: Iterable[dict[str, object]]) -> bytes:
    """Return a CSV template: the paths, the column labels, then one row per flattened return."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(csv_columns())
    writer.writerow([column_label(path) for path in csv_columns()])
    for flat in rows:
        writer.writerow([_csv_text(flat.get(path)) for path in csv_columns()])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape_text(value) if isinstance(value, str) else str(value)


def _append_return(workbook: Workbook, flat: dict[str, object]) -> None:
    for section, columns in sheet_columns().items():
        if section not in required_sections() and not _has_section(flat, section):
            continue
        sheet = workbook[section]
        row = sheet.max_row + 1
        for index, path in enumerate(columns, start=1):
            write_cell(sheet.cell(row=row, column=index), flat.get(path))


def _has_section(flat: dict[str, object], section: str) -> bool:
    return any(path.startswith(f"{section}.") for path in flat)
