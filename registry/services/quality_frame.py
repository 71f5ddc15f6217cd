"""The quality frame: one row per latest return version of a period, with derived columns.

Everything a rule needs is precomputed here with pandas (ratios, the previous period's
figures, robust z against the period's distribution, missing programmes), so the
Great Expectations suites only compare columns with thresholds. Rule parameters
(tolerances, minimum counts) come from the rules' meta in expectations/*.json.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from expectations import Rule
from schemas.paths import is_number

ID_COLUMNS = ("version_id", "return_id", "institution_id", "programme_id", "institution_code",
              "programme_code", "version_status", "return_status")
MEETING_MODES = ("in_person", "online", "group")
LIKERT_POINTS = ("1", "2", "3", "4", "5")
SURVEYS = ("mentee", "mentor")
FIGURE_PATHS: dict[str, tuple[str, ...]] = {
    "level": ("programme", "level"),
    "eligible_mentees": ("capacity", "eligible_mentees"),
    "enrolled_mentees": ("capacity", "enrolled_mentees"),
    "active_mentors": ("capacity", "active_mentors"),
    "meetings_planned": ("activity", "meetings_planned"),
    "contact_hours": ("activity", "contact_hours"),
    **{f"meetings_{mode}": ("activity", "meetings_held", mode) for mode in MEETING_MODES},
    **{f"{survey}_rated_{point}": ("evaluation", f"{survey}_survey", "satisfaction", point)
       for survey in SURVEYS for point in LIKERT_POINTS},
}
CONSISTENCY = 0.6745  # makes the MAD comparable with a standard deviation under normality


def payload_figures(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The figures the rules read, from a return's payload."""
    return raw_figures({name: _walk(payload, path) for name, path in FIGURE_PATHS.items()})


def _walk(data: Any, path: tuple[str, ...]) -> Any:
    for step in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(step)
    return data


def raw_figures(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Figures as floats (NaN for a reason code or an absent value) from raw FIGURE_PATHS values.

    Raw values may be numbers or their text (SQL JSON extraction returns text).
    """
    numbers = {name: _number(raw.get(name)) for name in FIGURE_PATHS if name != "level"}
    parts = [numbers.pop(f"meetings_{mode}") for mode in MEETING_MODES]
    hours = raw.get("contact_hours")
    return {
        "level": raw.get("level"),
        **numbers,
        "meetings_held": float(sum(parts)) if not any(map(np.isnan, parts)) else np.nan,
        "contact_hours_reason": None if hours is None or not np.isnan(numbers["contact_hours"])
        else str(hours),
    }


def _number(value: Any) -> float:
    if is_number(value):
        return float(value)
    try:
        return float(value) if isinstance(value, str) else np.nan
    except ValueError:
        return np.nan


def records_frame(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Frame of (ids + figures) rows, indexed by return version id.

    A record carries either its `payload` or its already extracted `figures` (raw values
    by FIGURE_PATHS name).
    """
    columns = [*ID_COLUMNS, *payload_figures({})]
    rows = [{**{key: record.get(key) for key in ID_COLUMNS}, **_record_figures(record)}
            for record in records]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.set_index("version_id", drop=False).rename_axis(None)


def _record_figures(record: Mapping[str, Any]) -> dict[str, Any]:
    if "figures" in record:
        return raw_figures(record["figures"])
    return payload_figures(record["payload"])


def build_frame(
    records: Iterable[Mapping[str, Any]],
    previous_records: Iterable[Mapping[str, Any]],
    rules: Sequence[Rule],
) -> pd.DataFrame:
    """Build the quality frame of a period from its latest versions and the previous period's."""
    frame = records_frame(records)
    previous = records_frame(previous_records)
    add_ratios(frame)
    for rule in rules:
        _DERIVERS.get(_deriver_key(rule), _no_derivation)(frame, previous, rule)
    add_completeness(frame, previous)
    return frame


def add_ratios(frame: pd.DataFrame) -> None:
    """Ratios within a return; a zero or missing denominator leaves the ratio empty."""
    enrolled, mentors = frame["enrolled_mentees"], frame["active_mentors"]
    planned, held = frame["meetings_planned"], frame["meetings_held"]
    frame["mentee_mentor_ratio"] = enrolled / mentors.where(mentors > 0)
    frame["mentors_when_enrolled"] = mentors.where(enrolled > 0)
    frame["contact_hours_per_mentee"] = frame["contact_hours"] / enrolled.where(enrolled > 0)
    frame["meetings_when_enrolled"] = held.where(enrolled > 0)
    frame["contact_hours_without_meetings"] = frame["contact_hours"].where(held == 0)
    frame["meeting_completion"] = held / planned.where(planned > 0)
    frame["coverage"] = enrolled / frame["eligible_mentees"].where(frame["eligible_mentees"] > 0)


def add_straight_lining(frame: pd.DataFrame, _previous: pd.DataFrame, rule: Rule) -> None:
    """Share of a survey's ratings on its most used point, when enough people rated."""
    survey = rule.parameters["survey"]
    ratings = frame[[f"{survey}_rated_{point}" for point in LIKERT_POINTS]]
    rated = ratings.sum(axis=1).where(ratings.notna().all(axis=1))
    frame[f"{survey}_rated"] = rated
    enough = rated >= rule.parameters["min_respondents"]
    frame[f"{survey}_modal_share"] = (ratings.max(axis=1) / rated).where(enough)


def add_meetings_ceiling(frame: pd.DataFrame, _previous: pd.DataFrame, rule: Rule) -> None:
    """The most meetings held that still count as 'as planned'."""
    frame["meetings_planned_ceiling"] = frame["meetings_planned"] * rule.parameters["factor"]


def add_change(frame: pd.DataFrame, previous: pd.DataFrame, rule: Rule) -> None:
    """Relative change against the same programme's previous return, when large in people too."""
    source = rule.parameters["source"]
    before = previous.set_index("programme_id")[source] if len(previous) else pd.Series(
        dtype=float)
    now = frame[source]
    earlier = frame["programme_id"].map(before).astype(float)
    frame[f"{source}_previous"] = earlier
    large = (now - earlier).abs() > rule.parameters["min_change"]
    frame[f"{source}_change"] = ((now - earlier) / earlier.where(earlier > 0)).where(large)


def add_robust_z(frame: pd.DataFrame, _previous: pd.DataFrame, rule: Rule) -> None:
    """Robust z of a ratio within the period and programme level: 0.6745·(x − median)/MAD."""
    source = rule.parameters["source"]
    values = frame[source].astype(float)
    level = frame["level"]
    median = values.groupby(level).transform("median")
    mad = (values - median).abs().groupby(level).transform("median")
    count = values.groupby(level).transform("count")
    z = CONSISTENCY * (values - median) / mad.where(mad > 0)
    frame[f"{source}_median"] = median
    frame[f"{source}_mad"] = mad
    frame[f"{source}_z"] = z.where(count >= rule.parameters["min_returns"])


def add_completeness(frame: pd.DataFrame, previous: pd.DataFrame) -> None:
    """Programmes each institution reported last period but not in this one."""
    before = previous.groupby("institution_id")["programme_code"].agg(set) if len(
        previous) else pd.Series(dtype=object)
    now = frame.groupby("institution_id")["programme_code"].agg(set) if len(
        frame) else pd.Series(dtype=object)
    missing = {
        institution: ";".join(sorted(codes - now.get(institution, set())))
        for institution, codes in before.items()
    }
    codes = frame["institution_id"].map(lambda institution: missing.get(institution, ""))
    frame["missing_programme_codes"] = codes.astype(str)
    frame["programmes_missing"] = codes.map(lambda text: len(text.split(";")) if text else 0)


def _no_derivation(_frame: pd.DataFrame, _previous: pd.DataFrame, _rule: Rule) -> None:
    """Rules that read base figures or add_ratios columns need nothing more."""


def _deriver_key(rule: Rule) -> str:
    if rule.kind in ("credibility", "national_distribution"):
        return rule.kind
    if "survey" in rule.parameters:
        return "straight_lining"
    return "meetings_ceiling" if "factor" in rule.parameters else ""


_DERIVERS = {
    "credibility": add_change,
    "national_distribution": add_robust_z,
    "straight_lining": add_straight_lining,
    "meetings_ceiling": add_meetings_ceiling,
}
