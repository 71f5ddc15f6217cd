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
    version_of,
    write_cell,
)
from schemas.validation import SCHEMA_VERSION


def dump_returns_to_xlsx(returns: Iterable[dict]) -> bytes:
    """Return the template filled with returns, one row per return in each sheet."""
    returns = list(returns)
    version = version_of(returns)
    workbook = template_workbook(version)
    for payload in returns:
        _append_return(workbook, flatten_return(payload), version)
    return save_workbook(workbook)


def dump_returns_to_csv(returns: Iterable[dict]) -> bytes:
    """Return returns as UTF-8 CSV (with BOM): a header row of dotted paths, one row each
    (the columns of the newest standard version among them)."""
    returns = list(returns)
    columns = csv_columns(version_of(returns))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for payload in returns:
        flat = flatten_return(payload)
        writer.writerow([_csv_text(flat.get(path)) for path in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def dump_flat_rows_to_csv(rows: Iterable[dict[str, object]],
                          version: str = SCHEMA_VERSION) -> bytes:
    """Return a CSV template: the paths, the column labels, then one row per flattened return."""
    columns = csv_columns(version)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerow([column_label(path, version) for path in columns])
    for flat in rows:
        writer.writerow([_csv_text(flat.get(path)) for path in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape_text(value) if isinstance(value, str) else str(value)


def _append_return(workbook: Workbook, flat: dict[str, object], version: str) -> None:
    for section, columns in sheet_columns(version).items():
        if section not in required_sections(version) and not _has_section(flat, section):
            continue
        sheet = workbook[section]
        row = sheet.max_row + 1
        for index, path in enumerate(columns, start=1):
            write_cell(sheet.cell(row=row, column=index), flat.get(path))


def _has_section(flat: dict[str, object], section: str) -> bool:
    return any(path.startswith(f"{section}.") for path in flat)
