"""Reading bulk files: a filled XLSX template or a CSV, one return per row, each checked
by validate_return; every problem is reported with its sheet, row and column."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from schemas.cells import coerce_cell, unescape_text
from schemas.flat import unflatten_return
from schemas.tabular.template import (
    FIRST_DATA_ROW,
    KEY_COLUMNS,
    LAST_DATA_ROW,
    MAX_RETURNS,
    ONE_SHEET,
    READ_VERSION,
    VERSION_COLUMN,
    column_label,
    csv_columns,
    is_required_column,
    leaves,
    required_sections,
    sections,
    sheet_columns,
)
from schemas.validation import (
    SCHEMA_VERSION,
    ReturnValidationError,
    validate_return,
)
from schemas.walk import flat_leaves

MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024


MAX_ARCHIVE_MEMBERS = 2_000


MAX_FILE_BYTES = 50 * 1024 * 1024


MAX_COLUMNS = 500


class BulkFileError(Exception):
    """A bulk file could not be accepted; errors lists every problem found."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        first = errors[0]["message"] if errors else ""
        super().__init__(f"{len(errors)} problem(s) in the file; first: {first}")


def _problem(message: str, *, sheet: str | None = None, row: int = 0, column: str = "") -> dict:
    return {"sheet": sheet, "row": row, "column": column, "message": message}


def _file_error(message: str) -> BulkFileError:
    return BulkFileError([_problem(message)])


@dataclass
class _Row:
    """One data row of a file: where it is and its coerced values by dotted path."""

    sheet: str | None
    number: int
    sections: tuple[str, ...]
    values: dict[str, object]
    bad: set[str] = field(default_factory=set)


@dataclass
class _Entry:
    """One return gathered from one or more rows."""

    flat: dict[str, object] = field(default_factory=dict)
    bad: set[str] = field(default_factory=set)
    locations: dict[str, tuple[str | None, int]] = field(default_factory=dict)

    @property
    def origin(self) -> tuple[str | None, int]:
        """Return the sheet and row where the return first appears."""
        return next(iter(self.locations.values()))


def load_returns_from_xlsx(data: bytes) -> list[dict]:
    """Read, validate and return every return in a filled XLSX template."""
    _check_archive(data)
    workbook = _open_workbook(data)
    problems: list[dict] = []
    try:
        rows = _read_workbook(workbook, problems)
    finally:
        workbook.close()
    return _returns_from_rows(rows, problems)


def load_returns_from_csv(data: bytes) -> list[dict]:
    """Read, validate and return every return in a CSV file (UTF-8, optional BOM)."""
    reader = csv.reader(io.StringIO(_decode_csv(data), newline=""))
    problems: list[dict] = []
    try:
        rows = _read_csv(reader, problems)
    except csv.Error as error:
        raise _file_error(f"Not a readable CSV file (line {reader.line_num}): {error}.") from None
    return _returns_from_rows(rows, problems)


def _check_archive(data: bytes) -> None:
    if not data:
        raise _file_error("The file is empty.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise _file_error("Not an Excel workbook (.xlsx): upload the registry template.") from None
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise _file_error("The workbook has too many parts to be the registry template.")
    if sum(member.file_size for member in members) > MAX_UNCOMPRESSED_BYTES:
        limit = MAX_UNCOMPRESSED_BYTES // (1024 * 1024)
        raise _file_error(f"The workbook unpacks to more than {limit} MB; it is refused.")


def _open_workbook(data: bytes) -> Workbook:
    try:
        # data_only=False so formula cells are seen as formulas (and refused), never run.
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:
        raise _file_error("Not a readable Excel workbook (.xlsx): upload the template.") from None


def _read_workbook(workbook: Workbook, problems: list[dict]) -> list[_Row]:
    if ONE_SHEET in workbook.sheetnames and not set(sections()) & set(workbook.sheetnames):
        return _read_one_sheet(workbook[ONE_SHEET], problems)
    missing = [name for name in required_sections() if name not in workbook.sheetnames]
    if missing:
        raise BulkFileError(
            [
                _problem(f"Missing sheet '{name}': this is not the registry template.", sheet=name)
                for name in missing
            ]
        )
    present = [name for name in sections() if name in workbook.sheetnames]
    layouts = _check_layouts(workbook, present)
    rows: list[_Row] = []
    for name in present:
        rows.extend(_read_sheet(workbook[name], name, layouts[name], problems))
    return rows


def _read_one_sheet(sheet: Worksheet, problems: list[dict]) -> list[_Row]:
    """Read the one-sheet layout: a row per return, holding every section."""
    _check_width(sheet.max_column or 0, f"The sheet '{sheet.title}'")
    header = next(sheet.iter_rows(max_row=1, max_col=MAX_COLUMNS, values_only=True), ())
    structural: list[dict] = []
    layout = _layout(header, csv_columns(), ONE_SHEET, structural)
    if structural:
        raise BulkFileError(structural)
    return list(_read_sheet(sheet, ONE_SHEET, layout, problems, covers=sections()))


def _check_layouts(workbook: Workbook, names: list[str]) -> dict[str, dict[int, str]]:
    structural: list[dict] = []
    layouts = {}
    for name in names:
        _check_width(workbook[name].max_column or 0, f"The sheet '{name}'")
        header = next(workbook[name].iter_rows(max_row=1, max_col=MAX_COLUMNS, values_only=True))
        layouts[name] = _layout(header, sheet_columns()[name], name, structural)
    if structural:
        raise BulkFileError(structural)
    return layouts


def _check_width(columns: int, where: str) -> None:
    """Refuse a sheet or row wider than any template before reading its cells."""
    if columns > MAX_COLUMNS:
        raise _file_error(f"{where} has {columns:,} columns; a registry file has at most "
                          f"{MAX_COLUMNS}: remove the extra columns.")


def _layout(
    header: Iterable[Any], allowed: tuple[str, ...], sheet: str | None, problems: list[dict]
) -> dict[int, str]:
    """Map column positions to field paths, reporting unknown, repeated and missing columns."""
    layout: dict[int, str] = {}
    for index, title in enumerate(header):
        path = str(title).strip() if title is not None else ""
        where = {"sheet": sheet, "row": 1, "column": get_column_letter(index + 1)}
        if not path:
            continue
        if path not in allowed:
            problems.append(_problem(f"Unknown column '{path}' for this sheet.", **where))
        elif path in layout.values():
            problems.append(_problem(f"Column '{path}' appears more than once.", **where))
        else:
            layout[index] = path
    for path in allowed:
        if path not in layout.values() and is_required_column(path):
            problems.append(_problem("Missing column.", sheet=sheet, row=1, column=path))
    return layout


def _read_sheet(
    sheet: Worksheet, name: str, layout: dict[int, str], problems: list[dict],
    covers: tuple[str, ...] | None = None,
) -> Iterator[_Row]:
    width = max(layout) + 1
    columns = [(index, path, leaves()[path].field) for index, path in layout.items()]
    cells = sheet.iter_rows(min_row=FIRST_DATA_ROW, max_row=LAST_DATA_ROW + 1, max_col=width)
    for number, row in enumerate(cells, start=FIRST_DATA_ROW):
        parsed = _Row(name, number, covers or (name,), {})
        if not _fill_row(parsed, row, columns, problems):
            continue
        if number > LAST_DATA_ROW:
            message = f"Too many rows: at most {MAX_RETURNS:,} returns (rows 3 to {LAST_DATA_ROW})."
            problems.append(_problem(message, sheet=name, row=number))
            return
        yield parsed


def _fill_row(
    parsed: _Row, cells: tuple, columns: list[tuple[int, str, Any]], problems: list[dict]
) -> bool:
    """Fill a row's values from its cells (columns: index, path, field); False if blank."""
    blank = True
    count = len(cells)
    for index, path, field_ in columns:
        cell = cells[index] if index < count else None
        raw = getattr(cell, "value", None)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        blank = False
        problem = _cell_problem(cell)
        if problem:
            problems.append(_problem(problem, sheet=parsed.sheet, row=parsed.number, column=path))
            parsed.bad.add(path)
        else:
            parsed.values[path] = coerce_cell(field_, raw)
    return not blank


def _cell_problem(cell: Any) -> str | None:
    if cell.data_type == "f":
        return "Formulas are not accepted: type the value itself."
    if cell.data_type == "e":
        return f"The cell shows an error ({cell.value}): type the value itself."
    return None


def _decode_csv(data: bytes) -> str:
    if not data.strip():
        raise _file_error("The file is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise _file_error(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        message = (
            f"The file is not UTF-8 text (bad byte at position {error.start}): "
            "save it as 'CSV UTF-8'."
        )
        raise _file_error(message) from None


def _read_csv(reader: Any, problems: list[dict]) -> list[_Row]:
    header = next(reader, None)
    if not header:
        raise _file_error("The file has no header row of field paths.")
    _check_width(len(header), "The header row")
    structural: list[dict] = []
    layout = _layout(header, csv_columns(), None, structural)
    if structural:
        raise BulkFileError(structural)
    rows = []
    for record in reader:
        _check_width(len(record), f"Row {reader.line_num}")
        if reader.line_num == 2 and _is_label_row(record, layout):
            continue
        values = _csv_values(record, layout)
        if not values:
            continue
        if len(rows) == MAX_RETURNS:
            message = f"Too many rows: at most {MAX_RETURNS:,} returns per file."
            problems.append(_problem(message, row=reader.line_num))
            break
        rows.append(_Row(None, reader.line_num, sections(), values))
    return rows


def _is_label_row(record: list[str], layout: dict[int, str]) -> bool:
    """Whether a row holds the column labels (the CSV template's second row)."""
    cells = [(record[index].strip(), path) for index, path in layout.items()
             if index < len(record)]
    return bool(cells) and all(text == column_label(path) for text, path in cells)


def _csv_values(record: list[str], layout: dict[int, str]) -> dict[str, object]:
    values: dict[str, object] = {}
    for index, path in layout.items():
        text = record[index].strip() if index < len(record) else ""
        if text:
            values[path] = coerce_cell(leaves()[path].field, unescape_text(text))
    return values


def _returns_from_rows(rows: list[_Row], problems: list[dict]) -> list[dict]:
    entries = _join_rows(rows, problems)
    returns = []
    for entry in entries.values():
        payload = _validate_entry(entry, problems)
        if payload is not None:
            returns.append(payload)
    if problems:
        raise BulkFileError(sorted(problems, key=_problem_order))
    if not returns:
        raise _file_error("The file holds no returns: type data from the first data row down.")
    return returns


def _problem_order(problem: dict) -> tuple[int, int]:
    sheet = problem["sheet"]
    position = sections().index(sheet) + 1 if sheet in sections() else 0
    return position, problem["row"]


def _join_rows(rows: list[_Row], problems: list[dict]) -> dict[tuple, _Entry]:
    entries: dict[tuple, _Entry] = {}
    for row in rows:
        key = _row_key(row, problems)
        if key is not None:
            _add_row(entries.setdefault(key, _Entry()), row, key, problems)
    if len(entries) > MAX_RETURNS:
        problems.append(_problem(f"Too many returns: at most {MAX_RETURNS:,} per file."))
    return entries


def _add_row(entry: _Entry, row: _Row, key: tuple, problems: list[dict]) -> None:
    if any(section in entry.locations for section in row.sections):
        first = entry.locations[row.sections[0]][1]
        message = f"Return {'/'.join(key)} appears again (first at row {first})."
        problems.append(_problem(message, sheet=row.sheet, row=row.number, column=KEY_COLUMNS[0]))
        return
    entry.locations.update(dict.fromkeys(row.sections, (row.sheet, row.number)))
    entry.flat.update(row.values)
    entry.bad.update(row.bad)


def _row_key(row: _Row, problems: list[dict]) -> tuple[str, ...] | None:
    key = tuple(row.values.get(path) for path in KEY_COLUMNS)
    if all(isinstance(part, str) for part in key):
        return key
    for path, part in zip(KEY_COLUMNS, key, strict=True):
        if part is None:
            message = "Missing: every row needs the institution, period and programme codes."
            problems.append(_problem(message, sheet=row.sheet, row=row.number, column=path))
    return None


def _validate_entry(entry: _Entry, problems: list[dict]) -> dict | None:
    missing = [name for name in required_sections() if name not in entry.locations]
    sheet, row = entry.origin
    for name in missing:
        message = f"No row for this return in sheet '{name}'."
        problems.append(_problem(message, sheet=sheet, row=row, column=KEY_COLUMNS[0]))
    flat = _with_defaults(entry)
    try:
        return validate_return(unflatten_return(flat, READ_VERSION))
    except ReturnValidationError as error:
        for path, messages in error.errors.items():
            section = path.split(".", 1)[0]
            if section not in missing and path not in entry.bad:
                problems.extend(_field_problems(entry, section, path, messages))
    return None


def _with_defaults(entry: _Entry) -> dict[str, object]:
    """Return the entry's values, reading empty code-list cells as empty lists."""
    flat = dict(entry.flat)
    flat.setdefault(VERSION_COLUMN, SCHEMA_VERSION)
    for leaf in flat_leaves(READ_VERSION):
        if leaf.field.kind == "code list" and leaf.section in entry.locations:
            flat.setdefault(leaf.path, [])
    return flat


def _field_problems(entry: _Entry, section: str, path: str, messages: list[str]) -> list[dict]:
    sheet, row = entry.locations.get(section, entry.origin)
    column = _column_for(path)
    prefix = "" if column == path else f"{path}: "
    return [_problem(prefix + message, sheet=sheet, row=row, column=column) for message in messages]


def _column_for(path: str) -> str:
    """Return the column holding a path, e.g. programme.disciplines for ...disciplines.0."""
    candidates = [column for column in leaves() if path.startswith(f"{column}.")]
    return path if path in leaves() or not candidates else max(candidates, key=len)
