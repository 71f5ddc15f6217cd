"""Row-by-row reading of a record file with typed cells and located problems."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, count, filterfalse, islice, repeat
from operator import getitem, itemgetter
from typing import Any

from registry_toolkit.layout import Column, RecordFile
from registry_toolkit.privacy import (
    AS_ZERO,
    any_identifier,
    any_name,
    identifier_kind,
    looks_like_name,
)
from registry_toolkit.problems import ProblemLog
from registry_toolkit.sources import Columns, Table
from registry_toolkit.values import CellError

DROP_HINT = "remove the column or run with --drop-identifying-columns"
NAME_HINT = "use pseudonymous ids (e.g. ME-00042), never names"
BATCH_ROWS = 256


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
    once; a problem is never cached, so every row holding it is reported. A person's id
    that looks like a name is not cached either: its rows are noted, to be reported once
    for the column (see RowReader.report_names).
    """

    def __init__(self, cursor: Cursor, column: Column):
        super().__init__()
        self.cursor = cursor
        self.column = column
        self.name_rows: list[int] = []

    def __missing__(self, text: str) -> Any:
        if self.column.person and looks_like_name(text.strip()):
            self.name_rows.append(self.cursor.number)
            return None
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
        self.pad_to = columns.width
        self._id_columns = [(self._caches[column.name], itemgetter(columns.index[column.name]))
                            for column in spec.columns
                            if column.identifier and column.name in columns.index]

    @property
    def label(self) -> str:
        """Return the file name used in messages."""
        return self.table.label

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Return (row number, cells) for every non-blank row; the header is row 1.

        Rows are padded to the header's width, and one cell beyond it when a planned
        column is absent, so absent columns read as blank.
        """
        starts = count(2, BATCH_ROWS)
        return chain.from_iterable(map(self._batch_rows, starts, batches(self.table.rows,
                                                                          BATCH_ROWS)))

    def _batch_rows(self, first: int, batch: list[list[str]]) -> Iterable[tuple[int, list[str]]]:
        """Prepare a batch (padding, ids); return its non-blank rows with their numbers."""
        if min(map(len, batch)) < self.pad_to:
            self.pad(batch)
        self.prefill_ids(batch)
        numbered = zip(count(first), batch)
        kept = len(list(filter(any, batch)))
        self.rows_read += kept
        if kept == len(batch) and not self.columns.extras:
            return numbered
        return self._checked_rows(numbered)

    def _checked_rows(self, numbered: Iterable[tuple[int, list[str]]]
                      ) -> Iterator[tuple[int, list[str]]]:
        for number, row in numbered:
            if not any(row):
                continue
            if self.columns.extras:
                self.scan_extras(number, row)
            yield number, row

    def pad(self, batch: list[list[str]]) -> None:
        """Extend short rows with blank cells."""
        width = self.pad_to
        if set(map(len, batch)) == {self.columns.width}:
            filler = [""] * (width - self.columns.width)
            for _ in map(list.extend, batch, repeat(filler)):
                pass
            return
        for row in batch:
            if len(row) < width:
                row.extend([""] * (width - len(row)))

    def prefill_ids(self, batch: list[list[str]]) -> None:
        """Cache a batch's new ids in one go when all are clean (no identifier, no blank).

        Ids are mostly unique, so nearly every one would miss the cache and be checked
        alone; checked together they cost a join and one search. Anything doubtful is
        left to the row-by-row path, which logs it with its row.
        """
        for cache, cells in self._id_columns:
            new = set(map(cells, batch))
            new.discard("")
            fresh = list(filterfalse(cache.__contains__, new))
            if (fresh and list(map(str.strip, fresh)) == fresh and not any_identifier(fresh)
                    and not (cache.column.person and any_name(fresh))):
                cache.update(zip(fresh, fresh, strict=True))

    def report_names(self) -> bool:
        """Log one problem per column of people's ids that looked like names; tell if any.

        Reported once for the column rather than on every row (a whole column of names
        is one slip), and read as blank, so they are never "unknown ids" elsewhere.
        """
        found = False
        for name, cache in self._caches.items():
            if cache.name_rows:
                first, *more = cache.name_rows
                also = f" (this row and {len(more)} more)" if more else ""
                self.problem(first, name, f"{name} values look like personal names{also}; "
                             f"{NAME_HINT}")
                found = True
        return found

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
        if absent in positions:
            self.pad_to = absent + 1
        return Plan(itemgetter(*positions), [self._caches[name] for name in names])

    def read(self, number: int, row: list[str], plan: Plan) -> Iterator[Any]:
        """Return the planned cells' values; None when blank or wrong (the problem is logged)."""
        self.cursor.number = number
        return map(getitem, plan.caches, plan.cells(row))

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


def batches(rows: Iterable[list[str]], size: int) -> Iterator[list[list[str]]]:
    """Yield lists of at most size rows; rows read before a reading error come out first."""
    rows = iter(rows)
    while True:
        batch: list[list[str]] = []
        try:
            batch.extend(islice(rows, size))  # keeps what it got if reading fails
        except Exception:
            if batch:
                yield batch
            raise
        if not batch:
            return
        yield batch
