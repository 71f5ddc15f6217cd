"""Row-by-row reading of a record file with typed cells and located problems."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from operator import getitem, itemgetter
from typing import Any

from registry.toolkit.layout import Column, RecordFile
from registry.toolkit.privacy import AS_ZERO, identifier_kind
from registry.toolkit.problems import ProblemLog
from registry.toolkit.sources import Columns, Table
from registry.toolkit.values import CellError

DROP_HINT = "remove the column or run with --drop-identifying-columns"


@dataclass
class Cursor:
    """Where reading is: the file and the row, for problems found in a cell."""

    label: str
    log: ProblemLog
    number: int = 1

    def problem(self, number: int | None, column: str | None, message: str) -> None:
        """Log a problem in this file."""
        self.log.add(self.label, number, column, message)


class CellCache(dict):
    """One column's parsed values by raw text; a miss parses the text (logging problems).

    Repeated dates, yes/no answers and ids are parsed (and checked for identifiers)
    once; a problem is never cached, so every row holding it is reported.
    """

    def __init__(self, cursor: Cursor, column: Column):
        super().__init__()
        self.cursor = cursor
        self.column = column

    def __missing__(self, text: str) -> Any:
        value, problem = parse_cell(self.column, text)
        if problem:
            self.cursor.problem(self.cursor.number, self.column.name, problem)
        else:
            self[text] = value
        return value


def parse_cell(column: Column, text: str) -> tuple[Any, str | None]:
    """Parse a cell's text as its column says; return (value, problem or None)."""
    stripped = text.strip()
    if not stripped:
        return None, "is empty; a value is required" if column.required else None
    if column.identifier:
        # The cheap first look inline: this runs once for every distinct id.
        maybe = "@" in stripped or "0000000" in stripped.translate(AS_ZERO)
        kind = maybe and identifier_kind(stripped)
        if kind:
            return None, f"holds {kind}; use pseudonymous ids, not personal identifiers"
        return stripped, None
    try:
        return column.parse(stripped), None
    except CellError as error:
        return None, str(error)


@dataclass(frozen=True)
class Plan:
    """Which cells to read from each row, and their caches."""

    cells: itemgetter
    caches: list[CellCache]


class RowReader:
    """Reads typed cells of a file, logging each problem with its row and column."""

    def __init__(self, table: Table, spec: RecordFile, columns: Columns, log: ProblemLog,
                 drop_identifying: bool):
        self.table = table
        self.spec = spec
        self.columns = columns
        self.log = log
        self.drop_identifying = drop_identifying
        self.rows_read = 0
        self.cursor = Cursor(table.label, log)
        self._caches = {column.name: CellCache(self.cursor, column) for column in spec.columns}

    @property
    def label(self) -> str:
        """Return the file name used in messages."""
        return self.table.label

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Yield (row number, cells) for every non-blank row; the header is row 1.

        Each row is padded one cell beyond the header, so absent columns read as blank.
        """
        padded = self.columns.width + 1
        extras = self.columns.extras
        for number, row in enumerate(self.table.rows, start=2):
            if not any(row):
                continue
            self.rows_read += 1
            if extras:
                self.scan_extras(number, row)
            if len(row) < padded:
                row.extend([""] * (padded - len(row)))
            yield number, row

    def scan_extras(self, number: int, row: list[str]) -> None:
        """Refuse (or drop) unexpected columns holding direct identifiers."""
        for name, position in list(self.columns.extras.items()):
            kind = identifier_kind(row[position]) if position < len(row) else None
            if kind and self.drop_identifying:
                del self.columns.extras[name]
                self.columns.dropped.append(name)
            elif kind:
                self.problem(number, name, f"holds {kind}; {DROP_HINT}")

    def plan(self, *names: str) -> Plan:
        """Prepare to read the named cells (at least two) of each row, in this order."""
        absent = self.columns.width
        positions = [self.columns.index.get(name, absent) for name in names]
        return Plan(itemgetter(*positions), [self._caches[name] for name in names])

    def read(self, number: int, row: list[str], plan: Plan) -> list[Any]:
        """Return the planned cells' values; None when blank or wrong (the problem is logged)."""
        self.cursor.number = number
        return list(map(getitem, plan.caches, plan.cells(row)))

    def get(self, number: int, row: list[str], name: str) -> Any:
        """Return one cell's parsed value, or None when blank or wrong (the problem is logged)."""
        self.cursor.number = number
        return self._caches[name][self.text(row, name, strip=False)]

    def text(self, row: list[str], name: str, *, strip: bool = True) -> str:
        """Return the text of a cell ('' when the column or cell is absent)."""
        position = self.columns.index.get(name)
        if position is None or position >= len(row):
            return ""
        return row[position].strip() if strip else row[position]

    def parse(self, column: Column, text: str) -> tuple[Any, str | None]:
        """Parse a cell's text as its column says; return (value, problem or None)."""
        stripped = text.strip()
        if not stripped:
            return None, "is empty; a value is required" if column.required else None
        if column.identifier:
            kind = identifier_kind(stripped)
            if kind:
                return None, f"holds {kind}; use pseudonymous ids, not personal identifiers"
            return stripped, None
        try:
            return column.parse(stripped), None
        except CellError as error:
            return None, str(error)

    def problem(self, number: int | None, column: str | None, message: str) -> None:
        """Log a problem in this file."""
        self.cursor.problem(number, column, message)
