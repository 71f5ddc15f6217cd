"""The bulk files' layout and templates: the sheets, their columns and headings, the
README, and the empty or pre-filled XLSX template (formats, drop-downs, notes)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from functools import cache

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from schemas.codes import MISSING_CODES
from schemas.validation import (
    LATEST_VERSION,
    SCHEMA_VERSION,
    SUPPORTED_VERSIONS,
    schema_of_version,
)
from schemas.walk import Leaf, flat_leaves

MAX_RETURNS = 5_000


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


@cache
def leaves(version: str = READ_VERSION) -> dict[str, Leaf]:
    return {leaf.path: leaf for leaf in flat_leaves(version)}


@cache
def sections(version: str = READ_VERSION) -> tuple[str, ...]:
    """Return the section names of the return, in order (one sheet each)."""
    return tuple(schema_of_version(version).fields)


@cache
def required_sections(version: str = READ_VERSION) -> tuple[str, ...]:
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
    return tuple(leaves(version))


def column_label(path: str, version: str = READ_VERSION) -> str:
    """Return a column's heading: the field's dictionary label with its area and group."""
    return leaves(version)[path].full_label


def is_required_column(path: str) -> bool:
    return path != VERSION_COLUMN and leaves()[path].required


def version_of(returns: Iterable[dict]) -> str:
    """The newest standard version among the returns (the layout that holds them all)."""
    named = {(payload.get("header") or {}).get("schema_version") for payload in returns}
    return max((v for v in named if v in SUPPORTED_VERSIONS), default=SCHEMA_VERSION,
               key=SUPPORTED_VERSIONS.index)


def build_xlsx_template(version: str = SCHEMA_VERSION) -> bytes:
    """Return the empty XLSX template of a standard version: a README sheet, then one
    sheet per section."""
    return save_workbook(template_workbook(version))


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
            write_cell(sheet.cell(row=row, column=index), flat.get(path))
    return save_workbook(workbook)


def save_workbook(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_workbook(version: str) -> Workbook:
    workbook = Workbook()
    readme = workbook.active
    readme.title = README_SHEET
    _write_readme(readme, version=version)
    for section, columns in sheet_columns(version).items():
        _write_section_sheet(workbook.create_sheet(section), columns, version)
    return workbook


def write_cell(cell: Cell, value: object) -> None:
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
        _format_column(sheet, index, leaves(version)[path])


def _section_label(path: str, version: str) -> str:
    return f"{schema_of_version(version).fields[leaves(version)[path].section].label} · "


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
