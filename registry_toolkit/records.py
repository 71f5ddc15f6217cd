"""The small record files (mentees, mentors, pairs), read row by row into counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from registry_toolkit.cohorts import OUTCOME_COLUMNS, CohortTally
from registry_toolkit.rows import RowReader

REMATCH_DAYS = 30
COHORT_COLUMNS = ("intake_period", "training_status", "exam", "research_output",
                  "burnout_instrument", "burnout_screen")


@dataclass(frozen=True)
class Period:
    """The reporting period's first and last day."""

    starts_on: date
    ends_on: date

    def overlaps(self, formed: date, ended: date | None) -> bool:
        """Tell whether something running from formed to ended existed in the period."""
        return formed <= self.ends_on and (ended is None or ended >= self.starts_on)

    def contains(self, day: date | None) -> bool:
        """Tell whether a day falls inside the period."""
        return day is not None and self.starts_on <= day <= self.ends_on


def active_on(day: date, formed: date, ended: date | None) -> bool:
    """Tell whether a pair formed and ended on these days was running on day."""
    return formed <= day and (ended is None or ended >= day)


@dataclass
class Mentees:
    """What mentees.csv says about the period's cohort."""

    eligible: int = 0
    enrolled: int = 0
    disengaged: int = 0
    enrolled_after_period: int = 0
    has_disengaged: bool = False
    ids: set[str] = field(default_factory=set)
    enrolled_ids: set[str] = field(default_factory=set)
    group_sizes: Counter[str] = field(default_factory=Counter)
    cohorts: dict[str, CohortTally] = field(default_factory=dict)
    outcome_columns: set[str] = field(default_factory=set)  # of OUTCOME_COLUMNS, present


def read_mentees(reader: RowReader, period: Period) -> Mentees:
    """Count eligible, enrolled and disengaged mentees."""
    result = Mentees(has_disengaged=reader.columns.has("disengaged"))
    plan = reader.plan("mentee_id", "eligible", "enrolled", "enrolled_on", "disengaged",
                       "group_id", *COHORT_COLUMNS)
    rows: dict[str, int] = {}
    for number, row in reader.rows():
        mentee_id, eligible, enrolled, enrolled_on, disengaged, group, intake, *outcomes = \
            reader.read(number, row, plan)
        if intake:
            result.cohorts.setdefault(intake, CohortTally()).add(*outcomes)
        _unique(reader, rows, number, "mentee_id", mentee_id)
        if enrolled and enrolled_on is not None and enrolled_on > period.ends_on:
            result.enrolled_after_period += 1
            enrolled = False
        if enrolled and eligible is False:
            reader.problem(number, "enrolled", "the mentee is enrolled but not eligible")
        if disengaged and not enrolled:
            reader.problem(number, "disengaged", "the mentee disengaged but was not enrolled "
                           "in the period")
        _count_mentee(result, mentee_id, eligible, enrolled, disengaged, group)
    result.ids.update(rows)
    result.outcome_columns = {name for name in OUTCOME_COLUMNS if reader.columns.has(name)}
    return result


def _count_mentee(result: Mentees, mentee_id, eligible, enrolled, disengaged, group) -> None:
    result.eligible += bool(eligible)
    if not enrolled:
        return
    result.enrolled += 1
    result.disengaged += bool(disengaged)
    if mentee_id:
        result.enrolled_ids.add(mentee_id)
        if group:
            result.group_sizes[group] += 1


def _unique(reader: RowReader, rows: dict[str, int], number: int, name: str,
            value: str | None) -> None:
    """Note the row of an id's first appearance; a repeat names that row."""
    if value is None:
        return
    first = rows.setdefault(value, number)
    if first != number:
        reader.problem(number, name, f"{value!r} is also on row {first}; ids must be unique")


@dataclass
class Mentors:
    """What mentors.csv says about the mentors."""

    ids: set[str] = field(default_factory=set)
    rows: dict[str, int] = field(default_factory=dict)  # each mentor's (first) row
    active: dict[str, bool | None] = field(default_factory=dict)
    trained: set[str] = field(default_factory=set)
    caps: dict[str, int] = field(default_factory=dict)
    most_training_hours: float = 0.0


def read_mentors(reader: RowReader) -> Mentors:
    """Read each mentor's activity, training and cap."""
    result = Mentors()
    plan = reader.plan("mentor_id", "active", "trained", "training_sessions", "training_hours",
                       "mentees_cap")
    for number, row in reader.rows():
        mentor_id, active, trained, _, hours, cap = reader.read(number, row, plan)
        if mentor_id is None:
            continue
        _unique(reader, result.rows, number, "mentor_id", mentor_id)
        result.active[mentor_id] = active
        if trained:
            result.trained.add(mentor_id)
        if cap is not None:
            result.caps[mentor_id] = cap
        result.most_training_hours = max(result.most_training_hours, hours or 0.0)
    result.ids.update(result.rows)
    return result


@dataclass
class Pairs:
    """What pairs.csv says about the pairs and groups of the period."""

    ids: set[str] = field(default_factory=set)
    formed: int = 0
    active_start: int = 0
    active_end: int = 0
    unplanned_endings: int = 0
    rematch_requests: int = 0
    rematch_resolved_30d: int = 0
    meetings_planned: int = 0
    has_rematch: bool = False
    has_planned: bool = False
    mentor_mentees: dict[str, set[str]] = field(default_factory=dict)
    mentor_groups: dict[str, set[str]] = field(default_factory=dict)
    mentees: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Known:
    """Ids known from the other files, to check references (None: file absent)."""

    mentors: set[str] | None
    mentees: set[str] | None


PAIR_CELLS = ("pair_id", "mentor_id", "mentee_id", "group_id", "formed_on", "ended_on",
              "end_reason", "rematch_requested_on", "rematch_resolved_on", "meetings_planned")


def read_pairs(reader: RowReader, period: Period, known: Known) -> Pairs:
    """Count pairs formed, active, ended and re-matched in the period."""
    result = Pairs(has_rematch=reader.columns.has("rematch_requested_on"),
                   has_planned=reader.columns.has("meetings_planned"))
    plan = reader.plan(*PAIR_CELLS)
    rows: dict[str, int] = {}
    for number, row in reader.rows():
        pair_id, mentor, mentee, group, formed, ended, reason, requested, resolved, planned = (
            reader.read(number, row, plan))
        _unique(reader, rows, number, "pair_id", pair_id)
        _check_members(reader, number, row, known, mentor, mentee, group)
        if ended is not None or reason is not None:
            _check_ending(reader, number, row, formed, ended, reason)
        rematches = (_rematch(reader, number, period, requested, resolved)
                     if requested or resolved else None)
        if pair_id is None or formed is None or not period.overlaps(formed, ended):
            continue
        _count_pair(result, period, formed, ended, reason)
        if rematches:
            result.rematch_requests += rematches[0]
            result.rematch_resolved_30d += rematches[1]
        if planned:
            result.meetings_planned += planned
        _link(result, mentor, mentee, group)
    result.ids.update(rows)
    return result


def _check_members(reader: RowReader, number: int, row: list[str], known: Known,
                   mentor: str | None, mentee: str | None, group: str | None) -> None:
    if (mentee is None) == (group is None) and (
            bool(reader.text(row, "mentee_id")) == bool(reader.text(row, "group_id"))):
        reader.problem(number, "mentee_id", "give either mentee_id (a one-to-one pair) or "
                       "group_id (a group), not both or neither")
    if mentor and known.mentors is not None and mentor not in known.mentors:
        reader.problem(number, "mentor_id", f"unknown mentor id {mentor!r} (not in mentors file)")
    if mentee and known.mentees is not None and mentee not in known.mentees:
        reader.problem(number, "mentee_id", f"unknown mentee id {mentee!r} (not in mentees file)")


def _check_ending(reader: RowReader, number: int, row: list[str], formed: date | None,
                  ended: date | None, reason: str | None) -> None:
    if ended is None:
        if not reader.text(row, "ended_on"):
            reader.problem(number, "end_reason", "an end reason is given but ended_on is blank")
        return
    if reason is None and not reader.text(row, "end_reason"):
        reader.problem(number, "end_reason", "is empty; give planned or unplanned when "
                       "ended_on is given")
    if formed is not None and ended < formed:
        reader.problem(number, "ended_on", "the pair ended before it was formed")


def _rematch(reader: RowReader, number: int, period: Period, requested: date | None,
             resolved: date | None) -> tuple[int, int]:
    if resolved is not None and requested is None:
        reader.problem(number, "rematch_resolved_on", "a re-match is resolved but was never "
                       "requested (rematch_requested_on is blank)")
        return 0, 0
    if resolved is not None and resolved < requested:
        reader.problem(number, "rematch_resolved_on", "the re-match was resolved before it "
                       "was requested")
        return 0, 0
    if not period.contains(requested):
        return 0, 0
    in_time = resolved is not None and (resolved - requested).days <= REMATCH_DAYS
    return 1, int(in_time)


def _count_pair(result: Pairs, period: Period, formed: date, ended: date | None, reason) -> None:
    result.formed += 1
    if ended is None:
        result.active_start += formed <= period.starts_on
        result.active_end += 1  # formed in or before the period, which it overlaps
        return
    result.active_start += active_on(period.starts_on, formed, ended)
    result.active_end += active_on(period.ends_on, formed, ended)
    result.unplanned_endings += reason == "unplanned" and period.contains(ended)


def _link(result: Pairs, mentor: str | None, mentee: str | None, group: str | None) -> None:
    if mentee:
        result.mentees.add(mentee)
        if mentor:
            _add(result.mentor_mentees, mentor, mentee)
    if group:
        result.groups.add(group)
        if mentor:
            _add(result.mentor_groups, mentor, group)


def _add(members: dict[str, set[str]], key: str, member: str) -> None:
    found = members.get(key)
    if found is None:
        members[key] = {member}
    else:
        found.add(member)
