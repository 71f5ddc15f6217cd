"""Opening record files (CSV or XLSX) and checking their header rows."""

from __future__ import annotations

import csv
import itertools
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from tqdm import tqdm

from registry_toolkit.layout import IMPROVED_PREFIX, NEED_PREFIX, RecordFile
from registry_toolkit.privacy import identifying_column, normalise_column
from registry_toolkit.problems import ProblemLog

EXTENSIONS = (".csv", ".xlsx")
CHUNK_ROWS = 256
PROGRESS_ROWS = 100_000
PROGRESS_ENV = "REGISTRY_TOOLKIT_PROGRESS"


class LocalFileError(Exception):
    """A local file cannot be used at all (unreadable, duplicated, wrong type)."""


@dataclass
class Table:
    """An open record file: its header and an iterator over its data rows.

    A CSV file also offers its text lines after the header (`lines`), for a reader that
    can take plain lines faster than the csv module; rows and lines share one position.
    """

    label: str
    header: list[str]
    rows: Iterator[list[str]]
    estimated_rows: int
    lines: Iterator[str] | None = None


@dataclass
class Columns:
    """Where each known column sits in a file, and what else the file holds."""

    index: dict[str, int]
    width: int
    extras: dict[str, int] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)

    def has(self, name: str) -> bool:
        """Tell whether the file has the column."""
        return name in self.index


def find_record_file(directory: Path, stem: str) -> Path | None:
    """Return the CSV or XLSX file for stem, or None; both at once is an error."""
    found = [path for ext in EXTENSIONS if (path := directory / f"{stem}{ext}").is_file()]
    if len(found) > 1:
        raise LocalFileError(f"both {found[0].name} and {found[1].name} are present; keep one")
    return found[0] if found else None


@contextmanager
def open_table(path: Path) -> Iterator[Table]:
    """Open a CSV or XLSX record file for streaming."""
    opener = _open_xlsx if path.suffix.lower() == ".xlsx" else _open_csv
    with opener(path) as table:
        yield table


@contextmanager
def _open_csv(path: Path) -> Iterator[Table]:
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise LocalFileError(f"cannot be read ({error.strerror})") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, [])
            yield Table(path.name, header, reader, _estimate_csv_rows(path), lines=handle)
        except UnicodeDecodeError:
            raise LocalFileError("is not UTF-8 text; save it from Excel as 'CSV UTF-8 "
                                 "(comma delimited)'") from None
        except csv.Error as error:
            raise LocalFileError(f"unreadable CSV near line {reader.line_num}: {error}") from None


def _estimate_csv_rows(path: Path) -> int:
    size = path.stat().st_size
    with path.open("rb") as handle:
        sample = handle.read(65536)
    lines = max(sample.count(b"\n"), 1)
    return int(size / (len(sample) / lines)) if sample else 0


@contextmanager
def _open_xlsx(path: Path) -> Iterator[Table]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise LocalFileError(f"not a readable XLSX workbook ({error})") from None
    try:
        sheet = workbook.worksheets[0]
        rows = (_xlsx_row(cells) for cells in sheet.iter_rows(values_only=True))
        header = next(rows, [])
        yield Table(path.name, header, rows, max((sheet.max_row or 1) - 1, 0))
    finally:
        workbook.close()


def _xlsx_row(cells: Iterable[object]) -> list[str]:
    return [_xlsx_text(cell) for cell in cells]


def _xlsx_text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def bind_columns(
    table: Table, spec: RecordFile, log: ProblemLog, drop_identifying: bool
) -> Columns | None:
    """Map the header to the layout; report missing, duplicated and identifying columns."""
    if len(table.header) == 1 and ";" in table.header[0]:
        log.add(table.label, 1, None, "the header row is separated by semicolons; save the "
                "file as CSV with commas (Excel: 'CSV UTF-8 (comma delimited)')")
        return None
    names = [normalise_column(name) for name in table.header]
    columns = Columns(index={}, width=len(names))
    for position, name in enumerate(names):
        _bind_one(table.label, spec, log, drop_identifying, columns, position, name)
    missing = [name for name in spec.required if name not in columns.index]
    for name in missing:
        log.add(table.label, 1, name, "required column is missing from the header row")
    return None if missing else columns


def _bind_one(label, spec, log, drop_identifying, columns, position, name) -> None:
    if not name:
        columns.extras[f"column {position + 1}"] = position
    elif name in columns.index or name in columns.extras:
        log.add(label, 1, name, "the column appears twice in the header row")
    elif name in spec.names:
        columns.index[name] = position
    elif name.startswith((NEED_PREFIX, IMPROVED_PREFIX)) and spec.stem == "survey_responses":
        area = name.split("_", 1)[1]
        log.add(label, 1, name, f"unknown need area {area!r}; the areas are listed in README.md")
    elif identifying_column(name):
        if drop_identifying:
            columns.dropped.append(name)
        else:
            log.add(label, 1, name, "the column name suggests direct identifiers (names, "
                    "phone numbers, CNIC, e-mail or addresses); remove the column or run "
                    "with --drop-identifying-columns")
    else:
        columns.extras[name] = position


def chunked(rows: Iterator[list[str]], size: int = CHUNK_ROWS) -> Iterator[list[list[str]]]:
    """Yield lists of at most size rows; only one batch is held at a time."""
    while batch := list(itertools.islice(rows, size)):
        yield batch


def progress_bar(table: Table, enabled: bool | None) -> tqdm | None:
    """Return a tqdm bar for a big file, or None: shown on a TTY or above 100k rows."""
    if enabled is None:
        enabled = os.environ.get(PROGRESS_ENV, "auto") != "off" and (
            sys.stderr.isatty() or table.estimated_rows > PROGRESS_ROWS)
    if not enabled:
        return None
    return tqdm(total=table.estimated_rows, unit=" rows", desc=table.label, leave=False,
                file=sys.stderr)
