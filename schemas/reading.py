"""Read a return of any supported version as v1.1 figures are computed from it.

Returns are stored as received. Wherever v1.1 figures are computed, a return is read
through `read_as_v1_1`: the explicit mapping below says what each field new in v1.1 holds
for a v1.0 return (not collected), and the cohort summary condenses the cohort list into
fixed paths the indicator catalogue can name (`cohort_summary.<scope>.<measure>`).
A v1.0 field is never changed by the reading: v1.1 keeps every v1.0 field's meaning.

Governance yes/no and coded fields (v1_1.NOT_REPORTABLE): v1.1 lets a college answer
'not_reported'; v1.0 required true/false (or a code), so a stored v1.0 answer is read as
given - a v1.0 'false' stays 'no', since v1.0 had no other way to answer and nothing says
otherwise. Only a component absent from the return (which no accepted v1.0 return has)
reads as 'not_reported', as v1.1 would say it. Indicators count 'not_reported' as missing
(schemas.indicator_values), never as 'no'.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from schemas.codes import NOT_REPORTED, LeavingReason, MissingReason, SchemaVersion
from schemas.paths import get_path, is_number
from schemas.v1_1 import NOT_REPORTABLE

NOT_COLLECTED = MissingReason.NOT_COLLECTED.value
NOT_APPLICABLE = MissingReason.NOT_APPLICABLE.value
SUMMARY = "cohort_summary"

# What each section new in v1.1 holds when a v1.0 return is read as v1.1.
NEW_IN_1_1: dict[str, str] = {"cohort_follow_up": NOT_COLLECTED}

# What an absent governance yes/no or coded component reads as (v1.0 stored answers as given).
ABSENT_GOVERNANCE = NOT_REPORTED

# The earlier fields whose meaning a version changed, by version. Everything else a version
# keeps reads the same, so an indicator computed only from unchanged fields is comparable
# across versions (no series break). 1.1: a governance 'false' no longer also stands for
# 'not reported' (1.1 says that explicitly, and it is counted as missing).
MEANING_CHANGED: dict[str, tuple[str, ...]] = {"1.1": NOT_REPORTABLE}
VERSION_ORDER: tuple[str, ...] = SchemaVersion.codes()

# Which cohorts a scope sums: all followed, or those a given number of years after intake.
SCOPES: dict[str, int | None] = {"all": None, "year_1": 1, "year_2": 2}


def _sum(*paths: str) -> Callable[[Mapping], Any]:
    def measure(cohort: Mapping) -> Any:
        values = [get_path(cohort, path) for path in paths]
        for value in values:
            if not is_number(value):
                return value if isinstance(value, str) else NOT_COLLECTED
        return sum(values)
    return measure


# Each summary measure and the cohort fields it adds up.
MEASURES: dict[str, Callable[[Mapping], Any]] = {
    "at_start": _sum("at_start"),
    "retained": _sum("still_in_training", "completed"),
    "completed": _sum("completed"),
    "left": _sum(*(f"left.{reason}" for reason in LeavingReason.codes())),
    "exam_sat": _sum("exam.sat"),
    "exam_passed": _sum("exam.passed"),
    "screened": _sum("burnout_screening.screened"),
    "above_threshold": _sum("burnout_screening.above_threshold"),
}


def read_as_v1_1(payload: Mapping) -> dict:
    """The return as v1.1 reads it, with its cohort summary (a shallow copy; never mutates)."""
    reading = dict(payload)
    governance = payload.get("governance")
    if isinstance(governance, Mapping) and any(
            name not in governance for name in _not_reportable_names()):
        reading["governance"] = {**dict.fromkeys(_not_reportable_names(), ABSENT_GOVERNANCE),
                                 **governance}
    follow_up = payload.get("cohort_follow_up", NEW_IN_1_1["cohort_follow_up"])
    reading[SUMMARY] = cohort_summary(follow_up, get_path(payload, "header.period_code"))
    return reading


def _not_reportable_names() -> tuple[str, ...]:
    return _GOVERNANCE_NAMES


_GOVERNANCE_NAMES = tuple(path.split(".", 1)[1] for path in NOT_REPORTABLE)


def cohort_summary(follow_up: Any, period_code: Any) -> dict:
    """Each scope's measures summed over its cohorts.

    A scope holds not_collected when the follow-up was not collected (absent, or a v1.0
    return), not_applicable when no cohort falls in it, and a measure holds the first
    reason code met when any of its cohorts gave one for it.
    """
    cohorts = follow_up.get("cohorts") if isinstance(follow_up, Mapping) else None
    if cohorts is None:
        return {scope: dict.fromkeys(MEASURES, NOT_COLLECTED) for scope in SCOPES}
    return {scope: _scope(cohorts, years, period_code) for scope, years in SCOPES.items()}


def years_since_intake(period_code: str, intake_period: str) -> int | None:
    """Whole years from the intake period to the reporting period, read from the leading
    year of both codes (2025-26 and 2023-24 are 2 years apart); None when unreadable."""
    start, now = str(intake_period)[:4], str(period_code)[:4]
    if not (start.isdigit() and now.isdigit()):
        return None
    return int(now) - int(start)


def _scope(cohorts: list, years: int | None, period_code: Any) -> dict:
    chosen = [c for c in cohorts
              if years is None or years_since_intake(period_code, c.get("intake_period")) == years]
    if not chosen:
        return dict.fromkeys(MEASURES, NOT_APPLICABLE)
    summary = {}
    for name, measure in MEASURES.items():
        values = [measure(cohort) for cohort in chosen]
        reason = next((v for v in values if isinstance(v, str)), None)
        summary[name] = reason if reason is not None else sum(values)
    return summary


def source_readings(paths: tuple[str, ...], versions: tuple[str, ...]) -> frozenset:
    """How the given return paths read under each of the versions, as comparable tokens:
    two sets of versions read the paths alike when their tokens are equal. A version's
    token is the versions up to it that changed the meaning of one of the paths."""
    fields = {path.split("=", 1)[0].split("!", 1)[0] for path in paths}

    def token(version: str) -> tuple[str, ...]:
        upto = VERSION_ORDER[:VERSION_ORDER.index(version) + 1] if version in VERSION_ORDER \
            else (version,)
        return tuple(v for v in upto if fields & set(MEANING_CHANGED.get(v, ())))
    return frozenset(token(version) for version in versions)
