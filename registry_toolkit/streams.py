"""The big record files (meetings, survey responses), streamed in batches into counters.

Each batch is tallied by C-level counters keyed on a few coded fields, never on a
person; only the distinct keys are then checked. When a key is wrong (a bad date, an
unknown pair id...), a second pass reads the file row by row to say where.

Both files are usually plain CSV (no quotes) with the id first: such lines are split at
their first comma into the id (pair or respondent) and the rest of the line, which is
counted as it is; only the distinct rests are split into cells. For a line without
quotes that is exactly what the csv module yields; from the first batch holding a
quote (or a NUL, or an over-long line) the rest of the file is read by csv.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain, groupby, repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

from registry_toolkit.layout import ANSWER_SURVEYS, MEETINGS, SURVEY_RESPONSES, RecordFile
from registry_toolkit.privacy import any_identifier
from registry_toolkit.problems import ProblemLog
from registry_toolkit.records import Period
from registry_toolkit.rows import RowReader
from registry_toolkit.sources import (
    Columns,
    LocalFileError,
    Table,
    bind_columns,
    chunked,
    open_table,
    progress_bar,
)
from registry_toolkit.values import CellError

MEETING_KEY = ("date", "mode", "minutes", "planned", "held")
LONG_ROW = "the row has more cells than the header row has columns"
FOLD_AT = 100_000
INVALID = object()
# Keys join a row's coded fields with the ASCII unit separator: one string hashes and
# compares much faster than a tuple of fresh strings. A field holding the separator
# fails its own parser, so such a row is still caught and located.
SEPARATOR = "\x1f"


@dataclass(frozen=True)
class ReadOptions:
    """How to read the files: drop identifying columns? show progress (None: auto)?"""

    drop_identifying: bool = False
    progress: bool | None = None


def cell(spec: RecordFile, name: str, text: str) -> Any:
    """Parse one cell as its column says; blank gives None (or fails if required)."""
    column = spec.column(name)
    if not text.strip():
        if column.required:
            raise CellError("is empty; a value is required")
        return None
    return column.parse(text)


def _getter(columns: Columns, names: tuple[str, ...]) -> tuple[tuple[str, ...], itemgetter]:
    present = tuple(name for name in names if columns.has(name))
    positions = [columns.index[name] for name in present]
    first = positions[0]
    if positions == list(range(first, first + len(positions))):
        # Side by side in the file (the template's order): one slice, not one lookup each.
        return present, itemgetter(slice(first, first + len(positions)))
    return present, itemgetter(*positions)


class Tally:
    """Streams one big file into a counter of distinct keys; subclasses say what they mean.

    A key joins the coded fields of a row (never an id); when the counter grows past
    FOLD_AT keys it is folded into the figures and emptied, so memory stays bounded.
    """

    spec: RecordFile
    key_fields: tuple[str, ...]
    id_field: str

    def __init__(self, columns: Columns, options: ReadOptions):
        self.columns = columns
        self.options = options
        self.rows = 0
        self.flagged = False
        self.key_names, self.key = _getter(columns, self.key_fields)
        self.keys: Counter[str] = Counter()
        self.rests: Counter[str] = Counter()
        self._parsed: dict[str, dict[str, Any]] = {name: {} for name in self.key_names}

    def take(self, batch: list[list[str]]) -> None:
        """Count one batch of rows."""
        self.keys.update(map(SEPARATOR.join, map(self.key, batch)))
        if len(self.keys) > FOLD_AT:
            self.fold()

    def fold(self) -> None:
        """Turn the counted lines and keys into figures and empty the counters."""
        self.fold_rests()
        for key, count in self.keys.items():
            fields = self.parse_key(key)
            if fields is not None:
                self.count(fields, count)
        self.keys.clear()

    def finish(self) -> None:
        """Fold what is left and make the final checks."""
        self.fold()

    def reads_lines(self, table: Table) -> bool:
        """Plain lines work when the id comes first and every column is known."""
        return (table.lines is not None and self.columns.index[self.id_field] == 0
                and not self.columns.extras)

    def take_lines(self, table: Table, bar) -> Iterator[list[str]]:
        """Count plain lines by (id, rest of the line); return what is left for csv."""
        read = table.rows.line_num
        for lines in chunked(table.lines):
            if not plain_lines(lines):
                return _csv_from(table, lines, read)
            read += len(lines)
            self.rows += len(lines)
            parts = list(map(str.partition, lines, repeat(",")))
            self.take_parts(parts)
            self.rests.update(map(itemgetter(2), parts))
            if len(self.rests) > FOLD_AT:
                self.fold()
            if bar is not None:
                bar.update(len(lines))
        return iter(())

    def take_parts(self, parts: list[tuple[str, str, str]]) -> None:
        """Check the ids of plain lines split at their first comma."""
        raise NotImplementedError

    def fold_rests(self) -> None:
        """Split each distinct rest of a line into cells, as csv would, and count its key."""
        width = self.columns.width
        for rest, count in self.rests.items():
            row = ["", *rest.rstrip("\r\n").split(",")]
            if len(row) > width and any(row[width:]):
                self.flagged = True
            elif len(row) < width:
                row.extend([""] * (width - len(row)))
            self.keys[SEPARATOR.join(self.key(row))] += count
        self.rests.clear()

    def count(self, fields: dict[str, Any], count: int) -> None:
        """Add count rows with these parsed fields to the figures."""
        raise NotImplementedError

    def locate(self, reader: RowReader) -> None:
        """Read the file row by row, logging every problem with its row and column."""
        raise NotImplementedError

    def parse_key(self, key: str) -> dict[str, Any] | None:
        """Parse a distinct key's fields; None (and flagged) when any is wrong."""
        texts = key.split(SEPARATOR)
        if len(texts) != len(self.key_names):
            self.flagged = True
            return None
        fields = {}
        for name, text in zip(self.key_names, texts, strict=True):
            try:
                value = self._parsed[name][text]
            except KeyError:
                value = self._parse(name, text)
            if value is INVALID:
                self.flagged = True
                return None
            fields[name] = value
        return fields

    def _parse(self, name: str, text: str) -> Any:
        try:
            value = cell(self.spec, name, text)
        except CellError:
            value = INVALID
        self._parsed[name][text] = value
        return value

    def fit(self, batch: list[list[str]]) -> list[list[str]]:
        """Pad short rows; flag rows with cells beyond the header; scan unknown columns."""
        self.rows += len(batch)
        width = self.columns.width
        lengths = set(map(len, batch))
        if max(lengths) > width and any(any(row[width:]) for row in batch if len(row) > width):
            self.flagged = True
        if min(lengths) < width:
            batch = [row + [""] * (width - len(row)) if len(row) < width else row
                     for row in batch]
        for name, position in list(self.columns.extras.items()):
            if any_identifier(map(itemgetter(position), batch)):
                self._identifying_extra(name)
        return batch

    def _identifying_extra(self, name: str) -> None:
        if self.options.drop_identifying:
            del self.columns.extras[name]
            self.columns.dropped.append(name)
        else:
            self.flagged = True

    def check_long_row(self, reader: RowReader, number: int, row: list[str]) -> None:
        """Log a row holding cells beyond the header's columns."""
        if len(row) > self.columns.width and any(c.strip() for c in row[self.columns.width:]):
            reader.problem(number, None, LONG_ROW)


def stream(path: Path, tally_type: type[Tally], log: ProblemLog, options: ReadOptions,
           **context: Any) -> Tally | None:
    """Tally a big file in batches; on any doubt re-read it row by row to locate problems."""
    with open_table(path) as table:
        columns = bind_columns(table, tally_type.spec, log, options.drop_identifying)
        if columns is None:
            return None
        tally = tally_type(columns, options, **context)
        bar = progress_bar(table, options.progress)
        rows = tally.take_lines(table, bar) if tally.reads_lines(table) else table.rows
        for batch in chunked(rows):
            tally.take(tally.fit(batch))
            if bar is not None:
                bar.update(len(batch))
        if bar is not None:
            bar.close()
    tally.finish()
    if tally.flagged:
        with open_table(path) as table:
            tally.locate(RowReader(table, tally.spec, columns, log, options.drop_identifying))
    return tally


def plain_lines(lines: list[str]) -> bool:
    """Tell whether csv would read each of these lines as the line split at its commas."""
    text = "".join(lines)
    return '"' not in text and "\0" not in text and max(map(len, lines)) < csv.field_size_limit()


def _csv_from(table: Table, lines: list[str], read: int) -> Iterator[list[str]]:
    """Read the lines given, then the rest of the file, as CSV (numbering lines on)."""
    reader = csv.reader(chain(lines, table.lines))
    try:
        yield from reader
    except csv.Error as error:
        raise LocalFileError(f"unreadable CSV near line {read + reader.line_num}: "
                             f"{error}") from None


class MeetingTally(Tally):
    """Meetings held by mode, planned, missed, and minutes logged, within the period."""

    spec = MEETINGS
    key_fields = MEETING_KEY
    id_field = "pair_id"

    def __init__(self, columns: Columns, options: ReadOptions, *, pairs: set[str],
                 period: Period):
        super().__init__(columns, options)
        self.pairs = pairs
        self.period = period
        self.pair_key = itemgetter(columns.index["pair_id"])
        self.held: Counter[str] = Counter()
        self.planned = self.missed = self.outside_period = 0
        self.minutes = self.held_without_minutes = 0

    @property
    def has_planned(self) -> bool:
        """Tell whether the file marks planned meetings."""
        return self.columns.has("planned")

    @property
    def has_minutes(self) -> bool:
        """Tell whether the file logs minutes."""
        return self.columns.has("minutes")

    def take(self, batch: list[list[str]]) -> None:
        """Count one batch of rows; flag it when a pair id is not in the pairs file."""
        # Logs usually list a pair's meetings together: look each run of one id up once.
        runs = map(itemgetter(0), groupby(map(self.pair_key, batch)))
        if not self.pairs.issuperset(runs):
            self.flagged = True
        super().take(batch)

    def take_parts(self, parts: list[tuple[str, str, str]]) -> None:
        """Check the pair ids of plain lines split at their first comma."""
        runs = map(itemgetter(0), groupby(map(itemgetter(0), parts)))
        if not self.pairs.issuperset(runs):
            self.flagged = True

    def count(self, fields: dict[str, Any], count: int) -> None:
        """Add count meetings with these fields to the figures."""
        if not self.period.contains(fields["date"]):
            self.outside_period += count
            return
        if fields.get("planned"):
            self.planned += count
        if fields.get("held") is False:
            self.missed += count
            return
        self.held[fields["mode"]] += count
        if fields.get("minutes") is None:
            self.held_without_minutes += count * self.has_minutes
        else:
            self.minutes += fields["minutes"] * count

    def locate(self, reader: RowReader) -> None:
        """Read the file row by row, logging every problem with its row and column."""
        for number, row in reader.rows():
            self.check_long_row(reader, number, row)
            pair = reader.get(number, row, "pair_id")
            if pair is not None and pair not in self.pairs:
                reader.problem(number, "pair_id", f"unknown pair id {pair!r} (not in the "
                               "pairs file)")
            for name in self.key_names:
                reader.get(number, row, name)


class SurveyTally(Tally):
    """Invited, responded and answers per survey, counted without keeping a person."""

    spec = SURVEY_RESPONSES
    key_fields = ("survey", "responded", *ANSWER_SURVEYS)
    id_field = "respondent_id"

    def __init__(self, columns: Columns, options: ReadOptions):
        super().__init__(columns, options)
        index = columns.index
        self.id_key = itemgetter(index["survey"], index["respondent_id"])
        self.id_cell = itemgetter(index["respondent_id"])
        self.answer_names = self.key_names[2:]
        self.seen: set[int] = set()
        self.invited: Counter[str] = Counter()
        self.responded: Counter[str] = Counter()
        self.answers: Counter[tuple[str, str, object]] = Counter()

    def take(self, batch: list[list[str]]) -> None:
        """Count one batch of rows; flag repeated people and identifiers in the ids."""
        before = len(self.seen)
        self.seen.update(map(hash, map(self.id_key, batch)))
        if len(self.seen) - before != len(batch) or any_identifier(map(self.id_cell, batch)):
            self.flagged = True
        super().take(batch)

    def reads_lines(self, table: Table) -> bool:
        """Plain lines work with the survey right after the respondent id."""
        return super().reads_lines(table) and self.columns.index["survey"] == 1

    def take_parts(self, parts: list[tuple[str, str, str]]) -> None:
        """Flag repeated people and identifiers in the ids of plain lines."""
        people = list(map(itemgetter(0), parts))
        surveys = map(itemgetter(0), map(str.partition, map(itemgetter(2), parts),
                                         repeat(",")))
        before = len(self.seen)
        # (survey, id) hashed as the csv path hashes it, should the file switch midway
        self.seen.update(map(hash, zip(surveys, people, strict=True)))
        if len(self.seen) - before != len(parts) or any_identifier(people):
            self.flagged = True

    def finish(self) -> None:
        """Fold what is left and let go of the duplicate check."""
        super().finish()
        self.seen.clear()

    def count(self, fields: dict[str, Any], count: int) -> None:
        """Add count people with these answers to the figures."""
        survey, responded = fields["survey"], fields["responded"]
        self.invited[survey] += count
        self.responded[survey] += count * responded
        for name in self.answer_names:
            value = fields[name]
            if value is None:
                continue
            if survey not in ANSWER_SURVEYS[name] or not responded:
                self.flagged = True
            else:
                self.answers[(name, survey, value)] += count

    def answered(self, name: str, survey: str, value: object | None = None) -> int:
        """Return the answers to a column in a survey (all of them, or those equal to value)."""
        if value is not None:
            return self.answers[(name, survey, value)]
        return sum(n for (column, where, _), n in self.answers.items()
                   if column == name and where == survey)

    def locate(self, reader: RowReader) -> None:
        """Read the file row by row, logging every problem with its row and column."""
        seen: dict[tuple[str, str], int] = {}
        for number, row in reader.rows():
            self.check_long_row(reader, number, row)
            person = reader.get(number, row, "respondent_id")
            survey = reader.get(number, row, "survey")
            responded = reader.get(number, row, "responded")
            if person is not None and survey is not None:
                self._check_unique(reader, number, (survey, person), seen)
            for name in self.answer_names:
                self._check_answer(reader, number, row, name, survey, responded)

    @staticmethod
    def _check_unique(reader: RowReader, number: int, key: tuple[str, str],
                      seen: dict[tuple[str, str], int]) -> None:
        first = seen.setdefault(key, number)
        if first != number:
            reader.problem(number, "respondent_id", f"{key[1]!r} is also on row {first} of "
                           f"the {key[0]} survey; give one row per invited person")

    @staticmethod
    def _check_answer(reader, number, row, name, survey, responded) -> None:
        if reader.get(number, row, name) is None or survey is None:
            return
        if survey not in ANSWER_SURVEYS[name]:
            surveys = " and ".join(ANSWER_SURVEYS[name])
            reader.problem(number, name, f"answered on a {survey}-survey row; this column "
                           f"belongs to the {surveys} survey")
        elif responded is False:
            reader.problem(number, name, "an answer is given but responded is 'no'")
