"""The documented input layout: record files, their columns and the values they allow."""

from __future__ import annotations

from dataclasses import dataclass

from registry_toolkit import values
from registry_toolkit.cohorts import EXAM_RESULTS, SCREEN_RESULTS, TRAINING_STATUSES
from registry_toolkit.values import Parser
from schemas.codes import BurnoutInstrument, NeedArea

MODES = ("in_person", "online", "group")
END_REASONS = ("planned", "unplanned")
SURVEYS = ("needs", "mentee", "mentor")
NEED_PREFIX = "need_"
IMPROVED_PREFIX = "improved_"


@dataclass(frozen=True)
class Column:
    """One column of a record file."""

    name: str
    parse: Parser
    allowed: str
    meaning: str
    required: bool = False
    identifier: bool = False
    person: bool = False  # an id standing for a person, where a name would be a slip


@dataclass(frozen=True)
class RecordFile:
    """One record file: its name without extension, purpose and columns."""

    stem: str
    purpose: str
    columns: tuple[Column, ...]
    streamed: bool = False

    @property
    def csv_name(self) -> str:
        """Return the file name of the CSV form."""
        return f"{self.stem}.csv"

    @property
    def names(self) -> tuple[str, ...]:
        """Return the column names in template order."""
        return tuple(column.name for column in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        """Return the names of the columns that must be present."""
        return tuple(column.name for column in self.columns if column.required)

    def column(self, name: str) -> Column:
        """Return the column called name."""
        return next(column for column in self.columns if column.name == name)


def _id(name: str, meaning: str, required: bool = True, person: bool = False) -> Column:
    return Column(name, str.strip, "a pseudonymous id (letters, digits, - or _)", meaning,
                  required=required, identifier=True, person=person)


def _yes_no(name: str, meaning: str, required: bool = False) -> Column:
    return Column(name, values.yes_no, "yes / no", meaning, required=required)


def _date(name: str, meaning: str, required: bool = False) -> Column:
    return Column(name, values.iso_date, "YYYY-MM-DD", meaning, required=required)


MENTEES = RecordFile("mentees", "Everyone the programme was open to in the period, one row each.", (
    _id("mentee_id", "The mentee's pseudonymous id, unique in the file.", person=True),
    _yes_no("eligible", "Was the programme open to this person in the period?", required=True),
    _yes_no("enrolled", "Was the person matched with a mentor or group in the period?",
            required=True),
    _date("enrolled_on", "When the person was first matched; enrolments after the period "
          "ends do not count."),
    _yes_no("disengaged", "Did the mentee stop attending without a planned ending? Blank = no."),
    _id("group_id", "The mentoring group the mentee belongs to, for group mentoring.",
        required=False),
    # Cohort follow-up (standard 1.1, compile --standard 1.1); list past intakes too.
    Column("intake_period", str.strip, "a period code such as 2024-25",
           "The reporting period the mentee entered the programme in. Keep rows of earlier "
           "intakes (also those who left) so their cohorts can be followed."),
    Column("training_status", values.one_of(TRAINING_STATUSES, "training status"),
           " / ".join(TRAINING_STATUSES),
           "Where the mentee stands at the period's end. Blank = in_training."),
    Column("exam", values.one_of(EXAM_RESULTS, "exam result"), " / ".join(EXAM_RESULTS),
           "The progression or licensing exam the mentee was due to sit this period."),
    _yes_no("research_output", "Has the mentee at least one research output (paper, "
            "abstract, registered protocol) by the period's end?"),
    Column("burnout_instrument", values.one_of(BurnoutInstrument.codes(), "instrument"),
           " / ".join(BurnoutInstrument.codes()),
           "The validated instrument the mentee was screened with this period."),
    Column("burnout_screen", values.one_of(SCREEN_RESULTS, "screening result"),
           " / ".join(SCREEN_RESULTS),
           "The screening result against the instrument's published threshold."),
))

MENTORS = RecordFile("mentors", "Every mentor of the programme, one row each.", (
    _id("mentor_id", "The mentor's pseudonymous id, unique in the file.", person=True),
    _yes_no("active", "Did the mentor have a mentee or group in the period? Blank = worked "
            "out from pairs.csv."),
    _yes_no("trained", "Has the mentor completed mentor training (this or an earlier period)?",
            required=True),
    Column("training_sessions", values.whole_number, "whole number",
           "Training sessions the mentor attended in the period."),
    Column("training_hours", values.decimal, "number",
           "Hours of training the mentor attended in the period."),
    Column("mentees_cap", values.whole_number, "whole number",
           "The most mentees this mentor may have; blank = the programme's cap "
           "(programme.toml, matching.mentee_cap)."),
))

PAIRS = RecordFile("pairs", "Every mentor-mentee pair or mentoring group, one row each.", (
    _id("pair_id", "The pair's (or group's) id, unique in the file; meetings.csv refers to it."),
    _id("mentor_id", "The mentor, as in mentors.csv.", person=True),
    _id("mentee_id", "The mentee of a one-to-one pair, as in mentees.csv.", required=False,
        person=True),
    _id("group_id", "The group, for group mentoring (give mentee_id or group_id, not both).",
        required=False),
    _date("formed_on", "When the pair or group was formed.", required=True),
    _date("ended_on", "When it ended; blank while it is still running."),
    Column("end_reason", values.one_of(END_REASONS, "end reason"), " | ".join(END_REASONS),
           "Why it ended: planned (the programme's end) or unplanned (dropped out, conflict, "
           "mentor left). Required when ended_on is given."),
    _date("rematch_requested_on", "When the mentee or mentor asked for a different match."),
    _date("rematch_resolved_on", "When the new match was made."),
    Column("meetings_planned", values.whole_number, "whole number",
           "Meetings the schedule called for with this pair in the period; used only when "
           "meetings.csv has no planned column."),
))

MEETINGS = RecordFile("meetings", "The meeting log: one row per meeting held (or planned).", (
    _id("pair_id", "The pair or group that met, as in pairs.csv."),
    _date("date", "The meeting date; meetings outside the period are ignored.", required=True),
    Column("mode", values.one_of(MODES, "mode"), " | ".join(MODES),
           "How the meeting was held.", required=True),
    Column("minutes", values.whole_number, "whole number", "Length of the meeting in minutes."),
    _yes_no("planned", "Was the meeting on the programme's schedule?"),
    _yes_no("held", "Did the meeting take place? Blank = yes; 'no' records a planned "
            "meeting that was missed."),
), streamed=True)

_NEED_COLUMNS = tuple(
    _yes_no(f"{NEED_PREFIX}{area}", f"Needs survey: did the respondent name '{area.label}'? "
            "Blank = not asked.") for area in NeedArea
)
_IMPROVED_COLUMNS = tuple(
    _yes_no(f"{IMPROVED_PREFIX}{area}", f"Mentee survey: did mentoring improve "
            f"'{area.label}'? Blank = not asked.") for area in NeedArea
)

SURVEY_RESPONSES = RecordFile(
    "survey_responses",
    "One row per person invited to a survey (needs, mentee or mentor survey).",
    (
        _id("respondent_id", "The person's pseudonymous id, unique within each survey."),
        Column("survey", values.one_of(SURVEYS, "survey"), " | ".join(SURVEYS),
               "Which survey: the needs survey, or the end-of-period mentee or mentor survey.",
               required=True),
        _yes_no("responded", "Did the person return a usable survey?", required=True),
        Column("satisfaction", values.likert, "1 to 5",
               "Mentee and mentor surveys: overall satisfaction, 1 very dissatisfied to "
               "5 very satisfied."),
        _yes_no("trusts_confidentiality", "Mentee survey: does the mentee trust that "
                "sessions are kept confidential?"),
        *_NEED_COLUMNS,
        *_IMPROVED_COLUMNS,
    ),
    streamed=True,
)

RECORD_FILES: tuple[RecordFile, ...] = (MENTEES, MENTORS, PAIRS, MEETINGS, SURVEY_RESPONSES)

# Which survey each answer column belongs to (the others are for every survey).
ANSWER_SURVEYS: dict[str, tuple[str, ...]] = {
    "satisfaction": ("mentee", "mentor"),
    "trusts_confidentiality": ("mentee",),
    **{column.name: ("needs",) for column in _NEED_COLUMNS},
    **{column.name: ("mentee",) for column in _IMPROVED_COLUMNS},
}
