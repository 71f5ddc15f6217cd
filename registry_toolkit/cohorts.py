"""Cohort follow-up (return v1.1) from the mentees file's intake and outcome columns.

Each mentee row with an intake period counts once in its cohort: at start, then by its
training status, its exam result, whether it has a research output and its burnout
screen. A column absent from the file makes the figures it feeds not_collected.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from schemas.codes import LeavingReason

IN_TRAINING, COMPLETED = "in_training", "completed"
TRAINING_STATUSES = (IN_TRAINING, COMPLETED, *LeavingReason.codes())
EXAM_RESULTS = ("passed", "failed", "not_sat")
SCREEN_RESULTS = ("below_threshold", "above_threshold", "not_screened")
OUTCOME_COLUMNS = ("exam", "research_output", "burnout_screen")
NOT_COLLECTED, NOT_APPLICABLE = "not_collected", "not_applicable"


@dataclass
class CohortTally:
    """Counts of one intake cohort's mentees."""

    at_start: int = 0
    status: Counter[str] = field(default_factory=Counter)
    sat: int = 0
    passed: int = 0
    with_research_outputs: int = 0
    screened: int = 0
    above_threshold: int = 0
    instruments: Counter[str] = field(default_factory=Counter)

    def add(self, status: str | None, exam: str | None, research: bool | None,
            instrument: str | None, screen: str | None) -> None:
        """Count one mentee of the cohort."""
        self.at_start += 1
        self.status[status or IN_TRAINING] += 1
        self.sat += exam in ("passed", "failed")
        self.passed += exam == "passed"
        self.with_research_outputs += bool(research)
        if screen in ("below_threshold", "above_threshold"):
            self.screened += 1
            self.above_threshold += screen == "above_threshold"
            self.instruments[instrument or "none"] += 1


def cohort_entries(cohorts: dict[str, CohortTally], present: set[str]) -> list[dict]:
    """The return's cohort list, newest intake first; `present`: the outcome columns the
    mentees file has."""
    return [_entry(intake, cohorts[intake], present)
            for intake in sorted(cohorts, reverse=True)]


def _entry(intake: str, tally: CohortTally, present: set[str]) -> dict:
    def given(column: str, value: int) -> int | str:
        return value if column in present else NOT_COLLECTED

    instrument = tally.instruments.most_common(1)[0][0] if tally.instruments else "none"
    screened = instrument != "none"
    return {
        "intake_period": intake,
        "at_start": tally.at_start,
        "still_in_training": tally.status[IN_TRAINING],
        "completed": tally.status[COMPLETED],
        "left": {reason: tally.status[reason] for reason in LeavingReason.codes()},
        "exam": {"sat": given("exam", tally.sat), "passed": given("exam", tally.passed)},
        "with_research_outputs": given("research_output", tally.with_research_outputs),
        "burnout_screening": {
            "instrument": instrument if "burnout_screen" in present else "none",
            "screened": given("burnout_screen", tally.screened) if screened or
            "burnout_screen" not in present else NOT_APPLICABLE,
            "above_threshold": given("burnout_screen", tally.above_threshold) if screened or
            "burnout_screen" not in present else NOT_APPLICABLE,
        },
    }
