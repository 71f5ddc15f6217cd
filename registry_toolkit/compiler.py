"""Compile return v1 from a folder of local records and the programme facts."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from expectations.engine import RuleFinding
from registry_toolkit.cohorts import cohort_entries
from registry_toolkit.derive import Records, derive, inactive_mentors_with_pairs
from registry_toolkit.facts import Facts, find_facts_file, load_facts
from registry_toolkit.layout import MENTEES, MENTORS, PAIRS
from registry_toolkit.problems import ProblemLog, RecordsError
from registry_toolkit.quality import publication_notes, registry_findings
from registry_toolkit.records import Known, Period, read_mentees, read_mentors, read_pairs
from registry_toolkit.rows import RowReader
from registry_toolkit.sources import (
    LocalFileError,
    bind_columns,
    find_record_file,
    open_table,
)
from registry_toolkit.streams import MeetingTally, ReadOptions, SurveyTally, stream
from schemas import SCHEMA_VERSION, ReturnValidationError, validate_return
from schemas.paths import set_path
from schemas.validation import LATEST_VERSION
from schemas.walk import current_schema, return_leaves, skeleton

NOT_IN_RECORDS = "not in the records"
T = TypeVar("T")
SMALL_READERS = {"mentees": read_mentees, "mentors": read_mentors, "pairs": read_pairs}


@dataclass
class Compilation:
    """A compiled return with where each figure came from and what to look at.

    `findings` are the registry's within-return rules firing on the return; `warnings`
    are disagreements between the college's own files.
    """

    payload: dict
    sources: dict[str, str]
    files: dict[str, int]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    findings: list[RuleFinding] = field(default_factory=list)


class ReturnInvalid(Exception):
    """The compiled return breaks a hard rule of the standard; nothing was written."""

    def __init__(self, errors: dict[str, list[str]], sources: dict[str, str]):
        self.errors = errors
        self.sources = sources
        super().__init__(f"the compiled return breaks {len(errors)} rule(s) of the standard")

    def lines(self) -> list[str]:
        """Return each error with the figure's path and where the figure came from."""
        lines = []
        for path, messages in self.errors.items():
            source = self.sources.get(path)
            where = f"{path} (from {source})" if source else path
            lines.extend(f"{where}: {message}" for message in messages)
        return lines


def payload_bytes(payload: dict) -> bytes:
    """Serialise a return exactly as it is written to disk and sent."""
    return (json.dumps(payload, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def compile_records(directory: Path, options: ReadOptions | None = None,
                    standard: str = SCHEMA_VERSION) -> Compilation:
    """Read the records in directory and compile, check and return the return.

    `standard` 1.1 adds the cohort follow-up from the mentees file's intake columns.
    """
    options = options or ReadOptions()
    log = ProblemLog()
    facts = _facts(directory, log)
    period = Period(facts.starts_on, facts.ends_on)
    records = without_gc(read_records, directory, period, log, options)
    if log:
        raise RecordsError(log)
    derived, warnings, notes = derive(records, facts, period)
    payload, sources, conflicts = assemble(derived, facts, log)
    if log:
        raise RecordsError(log)
    if standard == LATEST_VERSION:
        notes.append(add_cohort_follow_up(payload, sources, records))
    try:
        validate_return(payload)
    except ReturnValidationError as error:
        raise ReturnInvalid(error.errors, sources) from None
    notes = notes + conflicts + publication_notes(payload)
    return Compilation(payload, sources, records.files, warnings, notes,
                       registry_findings(payload))


def add_cohort_follow_up(payload: dict, sources: dict[str, str], records: Records) -> str:
    """Declare the payload v1.1 and add the cohorts the mentees file follows; say what
    was done."""
    payload["header"]["schema_version"] = LATEST_VERSION
    mentees = records.mentees
    if mentees is None or not mentees.cohorts:
        return ("Standard 1.1: no intake_period in the mentees file, so the cohort follow-up "
                "is left out (not collected).")
    payload["cohort_follow_up"] = {
        "cohorts": cohort_entries(mentees.cohorts, mentees.outcome_columns)}
    sources["cohort_follow_up"] = records.label("mentees")
    return (f"Standard 1.1: {len(mentees.cohorts)} intake cohort(s) followed, from "
            f"{records.label('mentees')}.")


def without_gc(function: Callable[..., T], *args: Any) -> T:
    """Call function with the cyclic garbage collector paused.

    Streaming holds batches of fresh row lists; the collector would rescan them again
    and again, while the reading code makes no reference cycles to collect.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return function(*args)
    finally:
        if was_enabled:
            gc.enable()


def _facts(directory: Path, log: ProblemLog) -> Facts:
    if not directory.is_dir():
        raise LocalFileError(f"{directory}: not a folder")
    facts = load_facts(find_facts_file(directory), log)
    if facts is None:
        raise RecordsError(log)
    return facts


def read_records(directory: Path, period: Period, log: ProblemLog,
                 options: ReadOptions) -> Records:
    """Read every record file present; problems go to log."""
    records = Records()
    records.mentees = _small(directory, MENTEES, log, options, records, period=period)
    records.mentors = _small(directory, MENTORS, log, options, records)
    known = Known(mentors=_checkable_ids(records, MENTORS.stem),
                  mentees=_checkable_ids(records, MENTEES.stem))
    records.pairs = _small(directory, PAIRS, log, options, records, period=period, known=known)
    check_inactive_mentors(records, log)
    records.meetings = _streamed(directory, MeetingTally, log, options, records,
                                 pairs=records.pairs.ids if records.pairs else None,
                                 period=period)
    records.surveys = _streamed(directory, SurveyTally, log, options, records)
    return records


def _checkable_ids(records: Records, stem: str) -> set[str] | None:
    """The ids a file gave, to check other files' references; None when it cannot tell
    (absent, unreadable, or holding names instead of ids: reported once, in that file)."""
    found = getattr(records, stem)
    return None if found is None or stem in records.named_ids else found.ids


def check_inactive_mentors(records: Records, log: ProblemLog) -> None:
    """One problem for every mentor marked inactive who has a pair in the period."""
    inactive = inactive_mentors_with_pairs(records)
    if not inactive:
        return
    rows = sorted(records.mentors.rows[mentor] for mentor in inactive)
    also = f" (this row and {len(rows) - 1} more)" if len(rows) > 1 else ""
    log.add(records.label(MENTORS.stem), rows[0], "active",
            f"{len(rows)} mentor(s) marked inactive (active = no) have a pair or group in the "
            f"period in {records.label(PAIRS.stem)}{also}; mark them active (yes) or leave "
            "active blank to take it from the pairs")


def _small(directory, spec, log, options, records: Records, **context) -> Any:
    path = _locate(directory, spec.stem, log)
    if path is None:
        return None
    try:
        with open_table(path) as table:
            columns = bind_columns(table, spec, log, options.drop_identifying)
            if columns is None:
                records.unreadable.add(spec.stem)
                return None
            reader = RowReader(table, spec, columns, log, options.drop_identifying)
            result = SMALL_READERS[spec.stem](reader, **context)
            if reader.report_names():
                records.named_ids.add(spec.stem)
    except LocalFileError as error:
        log.add(path.name, None, None, str(error))
        records.unreadable.add(spec.stem)
        return None
    records.note_file(path.name, reader.rows_read, columns)
    return result


def _streamed(directory, tally_type, log, options, records: Records, **context) -> Any:
    path = _locate(directory, tally_type.spec.stem, log)
    if path is None:
        return None
    if context.get("pairs", ()) is None:
        if PAIRS.stem not in records.unreadable:  # else its problem is reported already
            log.add(path.name, None, None, "meetings need the pairs file to check their "
                    "pair ids")
        return None
    try:
        tally = stream(path, tally_type, log, options, **context)
    except LocalFileError as error:
        log.add(path.name, None, None, str(error))
        return None
    if tally is not None:
        records.note_file(path.name, tally.rows, tally.columns)
    return tally


def _locate(directory: Path, stem: str, log: ProblemLog) -> Path | None:
    try:
        return find_record_file(directory, stem)
    except LocalFileError as error:
        log.add(f"{stem} file", None, None, str(error))
        return None


def assemble(derived: dict[str, tuple[Any, str]], facts: Facts,
             log: ProblemLog) -> tuple[dict, dict[str, str], list[str]]:
    """Build the payload: figures from the records, then the facts, then not_collected."""
    payload = skeleton(current_schema())
    sources: dict[str, str] = {"header.schema_version": "the toolkit"}
    conflicts: list[str] = []
    set_path(payload, "header.schema_version", SCHEMA_VERSION)
    for leaf in return_leaves():
        found = _figure(leaf, derived, facts, conflicts)
        if found is None and leaf.required and leaf.path != "header.schema_version":
            log.add(facts.source, None, leaf.path, "not derivable from the record files "
                    "present; give it in the programme facts")
        elif found is not None:
            set_path(payload, leaf.path, found[0])
            sources[leaf.path] = found[1]
    _complete_optional(payload, sources)
    return payload, sources, conflicts


def _figure(leaf, derived, facts: Facts, conflicts: list[str]) -> tuple[Any, str] | None:
    path = leaf.path
    if path in derived:
        value, source = derived[path]
        given = facts.get(path)
        if given is not None and given != value:
            conflicts.append(f"{facts.source} gives {path} = {given}, but {source} gives "
                             f"{value}; the records' figure is used")
        return value, source
    if path in facts.values:
        return facts.values[path], facts.source
    if leaf.required and leaf.field.kind in ("count", "number"):
        return "not_collected", NOT_IN_RECORDS
    return None


def _complete_optional(payload: dict, sources: dict[str, str]) -> None:
    """An optional object that got any figure gets not_collected for its other counts."""
    for leaf in return_leaves():
        parent = leaf.path.rsplit(".", 1)[0]
        if leaf.required or leaf.path in sources:
            continue
        if any(path.startswith(parent + ".") for path in sources):
            set_path(payload, leaf.path, "not_collected")
            sources[leaf.path] = NOT_IN_RECORDS
