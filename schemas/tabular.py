"""Bulk files: the XLSX template and CSV, one return per row, each checked by validate_return."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from schemas.cells import coerce_cell, escape_text, unescape_text
from schemas.codes import MISSING_CODES
from schemas.flat import flatten_return, unflatten_return
from schemas.validation import (
    LATEST_VERSION,
    SCHEMA_VERSION,
    SUPPORTED_VERSIONS,
    ReturnValidationError,
    schema_of_version,
    validate_return,
)
from schemas.walk import Leaf, flat_leaves

MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 2_000
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_RETURNS = 5_000
MAX_COLUMNS = 500
FIRST_DATA_ROW = 3
LAST_DATA_ROW = FIRST_DATA_ROW + MAX_RETURNS - 1
KEY_COLUMNS = ("header.institution_code", "header.period_code", "header.programme_code")
VERSION_COLUMN = "header.schema_version"
READ_VERSION = LATEST_VERSION
"""Files are read with the newest version's layout: every older version's columns are
among its columns, and each return is then validated against the version it names."""
README_SHEET = "README"
ONE_SHEET = "returns"  # the one-sheet layout: a row per return, every field a column
_AUTHOR = "Mentoring Registry"


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


# ---------------------------------------------------------------- layout


@cache
def _leaves(version: str = READ_VERSION) -> dict[str, Leaf]:
    return {leaf.path: leaf for leaf in flat_leaves(version)}


@cache
def sections(version: str = READ_VERSION) -> tuple[str, ...]:
    """Return the section names of the return, in order (one sheet each)."""
    return tuple(schema_of_version(version).fields)


@cache
def _required_sections(version: str = READ_VERSION) -> tuple[str, ...]:
    return tuple(name for name, item in schema_of_version(version).fields.items()
                 if item.required)


@cache
def sheet_columns(version: str = READ_VERSION) -> dict[str, tuple[str, ...]]:
    """Return each section sheet's columns: the key columns, then the section's fields."""
    columns = {section: list(KEY_COLUMNS) for section in sections(version)}
    for leaf in flat_leaves(version):
        if leaf.path not in KEY_COLUMNS:
            columns[leaf.section].append(leaf.path)
    return {section: tuple(paths) for section, paths in columns.items()}


@cache
def csv_columns(version: str = READ_VERSION) -> tuple[str, ...]:
    """Return the CSV columns: every leaf path of the version's flat layout (a list's
    entries numbered from 0)."""
    return tuple(_leaves(version))


def column_label(path: str, version: str = READ_VERSION) -> str:
    """Return a column's heading: the field's dictionary label with its area and group."""
    return _leaves(version)[path].full_label


def _is_required_column(path: str) -> bool:
    return path != VERSION_COLUMN and _leaves()[path].required


def version_of(returns: Iterable[dict]) -> str:
    """The newest standard version among the returns (the layout that holds them all)."""
    named = {(payload.get("header") or {}).get("schema_version") for payload in returns}
    return max((v for v in named if v in SUPPORTED_VERSIONS), default=SCHEMA_VERSION,
               key=SUPPORTED_VERSIONS.index)


# ---------------------------------------------------------------- writing


def build_xlsx_template(version: str = SCHEMA_VERSION) -> bytes:
    """Return the empty XLSX template of a standard version: a README sheet, then one
    sheet per section."""
    return _save(_template_workbook(version))


def dump_returns_to_xlsx(returns: Iterable[dict]) -> bytes:
    """Return the template filled with returns, one row per return in each sheet."""
    returns = list(returns)
    version = version_of(returns)
    workbook = _template_workbook(version)
    for payload in returns:
        _append_return(workbook, flatten_return(payload), version)
    return _save(workbook)


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


def build_one_sheet_template(rows: Iterable[dict[str, object]], title: str,
                             notes: Iterable[str] = (), version: str = SCHEMA_VERSION) -> bytes:
    """Return a template with an instructions sheet and one sheet holding a row per return.

    Each row is a flattened return (path -> value), e.g. pre-filled from last period; the
    codes of a return are typed once, in its row.
    """
    workbook = Workbook()
    readme = workbook.active
    readme.title = README_SHEET
    _write_readme(readme, title, (*notes, *_ONE_SHEET_LAYOUT, *_readme_values(version)),
                  version)
    sheet = workbook.create_sheet(ONE_SHEET)
    columns = csv_columns(version)
    _write_section_sheet(sheet, columns, version, section_label=True)
    workbook.active = 1
    for flat in rows:
        row = sheet.max_row + 1
        for index, path in enumerate(columns, start=1):
            _write_cell(sheet.cell(row=row, column=index), flat.get(path))
    return _save(workbook)


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


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _template_workbook(version: str) -> Workbook:
    workbook = Workbook()
    readme = workbook.active
    readme.title = README_SHEET
    _write_readme(readme, version=version)
    for section, columns in sheet_columns(version).items():
        _write_section_sheet(workbook.create_sheet(section), columns, version)
    return workbook


def _append_return(workbook: Workbook, flat: dict[str, object], version: str) -> None:
    for section, columns in sheet_columns(version).items():
        if section not in _required_sections(version) and not _has_section(flat, section):
            continue
        sheet = workbook[section]
        row = sheet.max_row + 1
        for index, path in enumerate(columns, start=1):
            _write_cell(sheet.cell(row=row, column=index), flat.get(path))


def _has_section(flat: dict[str, object], section: str) -> bool:
    return any(path.startswith(f"{section}.") for path in flat)


def _write_cell(cell: Cell, value: object) -> None:
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # text stays text, even when it starts with "="


def _write_section_sheet(sheet: Worksheet, columns: tuple[str, ...], version: str, *,
                         section_label: bool = False) -> None:
    sheet.append(list(columns))
    sheet.append([_section_label(path, version) + column_label(path, version) if section_label
                  else column_label(path, version) for path in columns])
    sheet.freeze_panes = f"{get_column_letter(len(KEY_COLUMNS) + 1)}{FIRST_DATA_ROW}"
    for index, path in enumerate(columns, start=1):
        _format_column(sheet, index, _leaves(version)[path])


def _section_label(path: str, version: str) -> str:
    return f"{schema_of_version(version).fields[_leaves(version)[path].section].label} · "


def _format_column(sheet: Worksheet, index: int, leaf: Leaf) -> None:
    letter = get_column_letter(index)
    dimension = sheet.column_dimensions[letter]
    dimension.width = min(45, max(14, len(leaf.path) * 0.9))
    if leaf.field.kind in ("text", "code", "code list", "date"):
        dimension.number_format = "@"
    for row in (1, 2):
        cell = sheet.cell(row=row, column=index)
        cell.font = Font(bold=True, color="1F3864" if row == 1 else "000000")
        cell.fill = PatternFill("solid", fgColor="D9E1F2" if row == 1 else "F2F2F2")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.cell(row=2, column=index).comment = Comment(_column_note(leaf), _AUTHOR, 200, 320)
    validation = _validation(leaf, f"{letter}{FIRST_DATA_ROW}")
    if validation is not None:
        sheet.add_data_validation(validation)
        validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{LAST_DATA_ROW}")


def _column_note(leaf: Leaf) -> str:
    lines = [leaf.field.guidance, *leaf.field.constraints()]
    codes = leaf.field.code_choices()
    if leaf.field.kind == "code list":
        lines.append("Separate several codes with ';'.")
    if codes:
        lines.append("Codes: " + "; ".join(f"{c['code']} = {c['label']}" for c in codes))
    if leaf.path == VERSION_COLUMN or not leaf.required:
        lines.append("May be left empty.")
    return "\n".join(lines)


def _validation(leaf: Leaf, first_cell: str) -> DataValidation | None:
    kind = leaf.field.kind
    if kind in ("code", "boolean"):
        options = [c["code"] for c in leaf.field.code_choices()] or [
            "TRUE", "FALSE", *(["not_reported"] if leaf.field.not_reported else [])]
        return _dropdown(options, f"Choose one of: {', '.join(options)}.")
    reasons = ",".join(f'{first_cell}="{code}"' for code in MISSING_CODES)
    if kind == "count":
        test = f"AND(ISNUMBER({first_cell}),{first_cell}>=0,{first_cell}=INT({first_cell}))"
        return _custom(f"OR({test},{reasons})", "a whole number of 0 or more")
    if kind == "number":
        test = f"AND(ISNUMBER({first_cell}),{first_cell}>=0)"
        return _custom(f"OR({test},{reasons})", "a number of 0 or more")
    return None


def _dropdown(options: list[str], message: str) -> DataValidation:
    formula = '"' + ",".join(options) + '"'
    if len(formula) > 255:
        raise ValueError(f"dropdown list too long for Excel: {formula}")
    return DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Not an allowed code",
        error=message,
    )


def _custom(formula: str, wanted: str) -> DataValidation:
    reasons = " or ".join(MISSING_CODES)
    return DataValidation(
        type="custom",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Not a valid value",
        error=f"Give {wanted}, or {reasons}.",
    )


def _write_readme(sheet: Worksheet, title: str | None = None,
                  texts: Iterable[str] | None = None, version: str = SCHEMA_VERSION) -> None:
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 30
    sheet.column_dimensions["C"].width = 60
    title = title or f"Mentoring programme returns - template for data standard v{version}"
    texts = (*_README_LAYOUT, *_readme_values(version)) if texts is None else texts
    for line in _readme_lines(title, texts, version):
        sheet.append(line)
    sheet["A1"].font = Font(bold=True, size=14)


def _readme_lines(title: str, texts: Iterable[str], version: str) -> Iterator[list[str]]:
    yield [title]
    yield []
    for text in texts:
        yield [text]
    yield []
    yield ["Coded fields", "Code", "Meaning"]
    seen = set()
    for leaf in flat_leaves(version):
        generic = leaf.path.split(".")
        key = ".".join("#" if step.isdigit() else step for step in generic)
        if key in seen:
            continue
        seen.add(key)
        for choice in leaf.field.code_choices():
            yield [key.replace("#", "0"), choice["code"], choice["label"]]


def _readme_values(version: str) -> tuple[str, ...]:
    """The README's notes on values, with the version's own notes (1.1: not_reported, the
    cohort columns)."""
    if version == SCHEMA_VERSION:
        return _README_VALUES
    return (*_README_VALUES[:-2], *_README_V1_1, *_README_VALUES[-2:])


_README_LAYOUT = (
    "One return = one institution x one programme x one reporting period.",
    "Each return takes one row in every section sheet (header, programme, governance, "
    "needs_assessment, capacity, activity, evaluation); the outcomes sheet is optional.",
    "The first three columns of every sheet (header.institution_code, header.period_code, "
    "header.programme_code) identify the return; type them identically in every sheet so "
    "the rows join up.",
    "Row 1 holds the field codes: do not change, move or delete them. Row 2 holds the field "
    "names; hover over them for guidance. Type data from row 3 down.",
)
_ONE_SHEET_LAYOUT = (
    "One return = one institution x one programme x one reporting period, and takes one row "
    f"of the '{ONE_SHEET}' sheet. The first three columns (institution, period and programme "
    "codes) say which return the row is: they are typed once, in the return's row.",
    "To add a new programme, add a row below the others: your institution code, the period "
    "code and a new programme code, then its values. Delete the row of a programme you do "
    "not report this period.",
    "Row 1 holds the field codes: do not change, move or delete them. Row 2 names each field "
    "with its section, area and group; hover over it for guidance. Data starts in row 3.",
)
_README_VALUES = (
    "Counts: a whole number of 0 or more. 0 means a real zero. If a figure is missing, type "
    "not_collected (the college did not record it) or not_applicable (it does not apply). "
    "Empty count cells are refused.",
    "Hours: a number of 0 or more; decimals allowed; the same two reason codes apply.",
    "Yes/no fields: TRUE or FALSE.",
    "Coded fields: pick from the drop-down list. Fields taking several codes (disciplines, "
    "mentor incentives, barriers): type the codes separated by ';', e.g. medicine;surgery. "
    "Mentor incentive 'none' must be given alone. Allowed codes are listed below.",
    "Dates: YYYY-MM-DD, e.g. 2024-01-15.",
    f"header.schema_version may be left empty; it is then taken as {SCHEMA_VERSION}.",
    "Perceived improvement: fill 'asked' and 'improved' only for the areas your evaluation "
    "asked about; leave the others empty. Outcomes: leave the sheet empty if not collected.",
    "Type values, not formulas: cells holding formulas are refused.",
    f"At most {MAX_RETURNS:,} returns per file. Upload the file as .xlsx; every problem in "
    "it is listed with its sheet, row and column, and nothing is stored until all are fixed.",
)
_README_V1_1 = (
    "Standard 1.1: write 1.1 in header.schema_version.",
    "Governance yes/no and coded fields may also be not_reported when the college does not "
    "say (counted as missing, not as no); a field taking several codes then holds "
    "not_reported alone.",
    "Cohort follow-up (optional): the columns cohort_follow_up.cohorts.0.* hold the first "
    "intake cohort followed, .1.* the second, and so on (up to 5 in a file; send more "
    "through the API). Leave a cohort's columns empty if you follow fewer.",
    "Respondents answering each need area (needs_assessment.item_respondents.*) and focus "
    "group themes (evaluation.focus_group_themes.*) are optional: leave them empty if not "
    "collected.",
)


# ---------------------------------------------------------------- reading


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
    missing = [name for name in _required_sections() if name not in workbook.sheetnames]
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
        if path not in layout.values() and _is_required_column(path):
            problems.append(_problem("Missing column.", sheet=sheet, row=1, column=path))
    return layout


def _read_sheet(
    sheet: Worksheet, name: str, layout: dict[int, str], problems: list[dict],
    covers: tuple[str, ...] | None = None,
) -> Iterator[_Row]:
    width = max(layout) + 1
    columns = [(index, path, _leaves()[path].field) for index, path in layout.items()]
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
            values[path] = coerce_cell(_leaves()[path].field, unescape_text(text))
    return values


# ---------------------------------------------------------------- joining and validating


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
    missing = [name for name in _required_sections() if name not in entry.locations]
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
    candidates = [column for column in _leaves() if path.startswith(f"{column}.")]
    return path if path in _leaves() or not candidates else max(candidates, key=len)
