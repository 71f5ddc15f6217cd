"""The columns quality rules read: a return's figures, its indicators, and named derivations.

Pure Python over one return (plus, for the rules that need them, the same programme's
previous-period return and the period's picture), so the pipeline's frame, the dry run
and the offline toolkit compute every column the same way. A column a rule reads is
  - one of FIGURES (a return figure, summed over its paths; empty for a reason code),
  - the value of a catalogue indicator named by its code (schemas/indicators.py), or
  - an output of the derivation the rule names in its meta ("derivation": "<name>").
A derivation is registered here under its name with what it reads beyond the return
(`needs`), and returns every column it makes (None where it cannot tell), whatever its
input, so the loader can learn its columns by running it on an empty return.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from schemas.codes import MISSING_CODES
from schemas.indicator_values import field_value, indicator_value, split_term, total
from schemas.indicators import BY_CODE, LIKERT_POINTS, MEETINGS_HELD
from schemas.paths import get_path, is_number

Columns = dict[str, Any]
LEVEL = "programme.level"
FIGURES: dict[str, tuple[str, ...]] = {
    "eligible_mentees": ("capacity.eligible_mentees",),
    "enrolled_mentees": ("capacity.enrolled_mentees",),
    "active_mentors": ("capacity.active_mentors",),
    "meetings_planned": ("activity.meetings_planned",),
    "meetings_held": MEETINGS_HELD,
    "contact_hours": ("activity.contact_hours",),
}
REASONS = {"contact_hours_reason": "activity.contact_hours"}
"""Columns holding the reason code a figure was reported with (empty for a number)."""
NEEDS = ("return", "previous", "period")
"""What a derivation reads: the return alone, also the programme's previous return, or
the whole period (which only the pipeline's batch run has)."""
CONSISTENCY = 0.6745  # makes the MAD comparable with a standard deviation under normality


class UnknownDerivation(KeyError):
    """A rule names a derivation that is not registered."""


@dataclass(frozen=True)
class Distribution:
    """A ratio over the period's returns of one programme level."""

    median: float | None
    mad: float | None
    count: int

    @classmethod
    def of(cls, values: Iterable[float | None]) -> Distribution:
        known = [value for value in values if value is not None]
        if not known:
            return cls(None, None, 0)
        median = statistics.median(known)
        return cls(median, statistics.median(abs(value - median) for value in known),
                   len(known))


@dataclass
class PeriodPicture:
    """What the period-wide rules compare a return with: the rows of the period and the last.

    Rows are return columns with the ids `institution_id`, `programme_code` and `level`.
    """

    rows: list[Mapping[str, Any]]
    previous_rows: list[Mapping[str, Any]]
    _distributions: dict[tuple[str, Any], Distribution] = field(default_factory=dict)
    _missing: dict[Any, tuple[str, ...]] | None = None

    def distribution(self, source: str, level: Any) -> Distribution:
        """The source column's distribution among the period's returns of this level."""
        key = (source, level)
        if key not in self._distributions:
            self._distributions.update(self._by_level(source))
        return self._distributions.get(key, Distribution(None, None, 0))

    def _by_level(self, source: str) -> dict[tuple[str, Any], Distribution]:
        values: dict[Any, list] = defaultdict(list)
        for row in self.rows:
            if row.get("level") is not None:
                values[row["level"]].append(row.get(source))
        return {(source, level): Distribution.of(found) for level, found in values.items()}

    def missing_programmes(self, institution_id: Any) -> tuple[str, ...]:
        """Programmes the institution reported last period but not in this one."""
        if self._missing is None:
            now, before = defaultdict(set), defaultdict(set)
            for rows, codes in ((self.rows, now), (self.previous_rows, before)):
                for row in rows:
                    codes[row["institution_id"]].add(row["programme_code"])
            self._missing = {institution: tuple(sorted(codes - now[institution]))
                             for institution, codes in before.items()}
        return self._missing.get(institution_id, ())


@dataclass(frozen=True)
class Context:
    """What a derivation may read about one return."""

    columns: Mapping[str, Any]
    payload: Mapping[str, Any]
    previous: Mapping[str, Any] | None = None
    period: PeriodPicture | None = None
    previous_payload: Mapping[str, Any] | None = None
    """The previous return at the paths the previous-period derivations read."""


Derive = Callable[[Context, Mapping[str, Any]], Columns]


@dataclass(frozen=True)
class Derivation:
    name: str
    needs: str
    derive: Derive
    reads: Callable[[Mapping[str, Any]], tuple[str, ...]]
    """The payload paths it reads beyond FIGURES, given the rule's parameters."""


DERIVATIONS: dict[str, Derivation] = {}


def derivation(name: str, needs: str = "return",
               reads: Callable[[Mapping[str, Any]], tuple[str, ...]] = lambda _: ()
               ) -> Callable[[Derive], Derive]:
    """Register a derivation under its name."""
    def register(function: Derive) -> Derive:
        DERIVATIONS[name] = Derivation(name, needs, function, reads)
        return function
    return register


def get_derivation(name: str) -> Derivation:
    try:
        return DERIVATIONS[name]
    except KeyError:
        raise UnknownDerivation(name) from None


def figure(payload: Mapping, paths: tuple[str, ...]) -> float | None:
    """A figure summed over its paths; None when any of them holds no number."""
    found = field_value(payload, paths[0]) if len(paths) == 1 else total(payload, paths)
    return None if isinstance(found, str) else found


def return_columns(payload: Mapping, indicators: Iterable[str] = ()) -> Columns:
    """A return's own columns: its level, FIGURES, REASONS and the named indicators."""
    columns: Columns = {"level": (payload.get("programme") or {}).get("level")}
    columns.update({name: figure(payload, paths) for name, paths in FIGURES.items()})
    for name, path in REASONS.items():
        found = field_value(payload, path)
        columns[name] = found if found in MISSING_CODES else None
    columns.update({code: indicator_value(BY_CODE[code], payload).value for code in indicators})
    return columns


def return_paths(indicators: Iterable[str], derived: Iterable[tuple[str, Mapping]],
                 needs: Iterable[str] = NEEDS) -> tuple:
    """Every payload path the columns are computed from (what the pipeline extracts), with
    the paths read by the named derivations that need one of `needs`."""
    paths = [LEVEL, *(p for paths in FIGURES.values() for p in paths), *REASONS.values()]
    for code in indicators:
        paths += [split_term(term)[0] for term in BY_CODE[code].paths]
    for name, parameters in derived:
        if get_derivation(name).needs in needs:
            paths += get_derivation(name).reads(parameters)
    return tuple(dict.fromkeys(paths))


def sparse_payload(figures: Mapping[str, str | None]) -> dict:
    """The part of a return holding the given paths, from their values as text.

    Databases extract JSON values as text: a text that reads as a number is the number;
    a text holding a JSON list or object (the cohort follow-up's list) is that list or
    object; any other text (a reason code) stays as it is; an absent value stays absent (its
    parent objects are there, empty, which reads the same).
    """
    parents, leaves = _plan(tuple(figures))
    nodes: dict[tuple[str, ...], dict] = {(): {}}
    for parent in parents:
        nodes[parent] = nodes[parent[:-1]][parent[-1]] = {}
    for path, parent, leaf in leaves:
        text = figures[path]
        if text is not None:
            nodes[parent][leaf] = _number_or_text(text)
    return nodes[()]


@cache
def _plan(paths: tuple[str, ...]) -> tuple[tuple, tuple]:
    """The objects on the way to the paths (parents first) and each path's (parent, leaf)."""
    steps = [tuple(path.split(".")) for path in paths]
    parents = {found[:depth] for found in steps for depth in range(1, len(found))}
    return (tuple(sorted(parents, key=len)),
            tuple((path, found[:-1], found[-1]) for path, found in zip(paths, steps,
                                                                       strict=True)))


def _number_or_text(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    if text[:1] in ("[", "{"):
        try:
            return json.loads(text)
        except ValueError:
            return text
    try:
        return float(text)
    except ValueError:
        return text


def _known(value: float | None) -> bool:
    return value is not None


@derivation("when_enrolled")
def when_enrolled(context: Context, parameters: Mapping[str, Any]) -> Columns:
    """The source figure, kept only when mentees are enrolled."""
    source = parameters["source"]
    enrolled = context.columns.get("enrolled_mentees")
    kept = context.columns.get(source) if _known(enrolled) and enrolled > 0 else None
    return {f"{source}_when_enrolled": kept}


@derivation("without_meetings")
def without_meetings(context: Context, parameters: Mapping[str, Any]) -> Columns:
    """The source figure, kept only when no meeting was held."""
    source = parameters["source"]
    held = context.columns.get("meetings_held")
    return {f"{source}_without_meetings": context.columns.get(source) if held == 0 else None}


def _satisfaction_paths(parameters: Mapping[str, Any]) -> tuple[str, ...]:
    survey = parameters["survey"]
    return tuple(f"evaluation.{survey}_survey.satisfaction.{point}" for point in LIKERT_POINTS)


@derivation("straight_lining", reads=_satisfaction_paths)
def straight_lining(context: Context, parameters: Mapping[str, Any]) -> Columns:
    """Share of a survey's ratings on its most used point, when enough people rated."""
    survey = parameters["survey"]
    counts = [figure(context.payload, (path,)) for path in _satisfaction_paths(parameters)]
    rated = sum(counts) if all(map(_known, counts)) else None
    enough = rated is not None and rated >= parameters["min_respondents"]
    return {f"{survey}_rated": rated,
            f"{survey}_modal_share": max(counts) / rated if enough else None}


@derivation("meetings_ceiling")
def meetings_ceiling(context: Context, parameters: Mapping[str, Any]) -> Columns:
    """The most meetings held that still count as 'as planned'."""
    planned = context.columns.get("meetings_planned")
    return {"meetings_planned_ceiling": planned * parameters["factor"] if _known(planned)
            else None}


@derivation("change", needs="previous")
def change(context: Context, parameters: Mapping[str, Any]) -> Columns:
    """Relative change against the programme's previous return, when large in people too."""
    source = parameters["source"]
    now = context.columns.get(source)
    before = (context.previous or {}).get(source)
    large = _known(now) and _known(before) and abs(now - before) > parameters["min_change"]
    relative = (now - before) / before if large and before > 0 else None
    return {f"{source}_previous": before, f"{source}_change": relative}


@derivation("robust_z", needs="period")
def robust_z(context: Context, parameters: Mapping[str, Any]) -> Columns:
    """Robust z of a ratio within the period and programme level: 0.6745·(x − median)/MAD."""
    source = parameters["source"]
    spread = (context.period.distribution(source, context.columns.get("level"))
              if context.period else Distribution(None, None, 0))
    value = context.columns.get(source)
    usable = (_known(value) and spread.count >= parameters["min_returns"]
              and _known(spread.mad) and spread.mad > 0)
    z = CONSISTENCY * (value - spread.median) / spread.mad if usable else None
    return {f"{source}_median": spread.median, f"{source}_mad": spread.mad, f"{source}_z": z}


@derivation("missing_programmes", needs="period")
def missing_programmes(context: Context, _parameters: Mapping[str, Any]) -> Columns:
    """Programmes the institution reported last period but not in this one."""
    codes = (context.period.missing_programmes(context.columns.get("institution_id"))
             if context.period else ())
    return {"missing_programme_codes": ";".join(codes), "programmes_missing": len(codes)}


COHORTS = "cohort_follow_up.cohorts"
COHORT_CHANGES = {
    "start": ("at_start", "changed"),
    "completed": ("completed", "fell"),
    "left": ("left", "fell"),
    "in_training": ("still_in_training", "grew"),
}
"""What each cohort credibility check compares (a cohort measure) and what it flags:
the start count changing at all, completions or leavers falling (a mentee who completed or
left stays so), mentees still in training growing (nobody joins a cohort after intake)."""


def cohort_figures(payload: Mapping | None) -> dict[str, dict[str, float | None]]:
    """Each reported cohort's compared figures, by intake period (a reason code: None)."""
    cohorts = get_path(payload or {}, COHORTS)
    if not isinstance(cohorts, list):
        return {}
    found = {}
    for cohort in cohorts:
        if not isinstance(cohort, Mapping) or not isinstance(cohort.get("intake_period"), str):
            continue
        left = cohort.get("left")
        counts = list(left.values()) if isinstance(left, Mapping) else [left]
        measures = {"at_start": cohort.get("at_start"), "completed": cohort.get("completed"),
                    "still_in_training": cohort.get("still_in_training"),
                    "left": sum(counts) if counts and all(map(is_number, counts)) else None}
        found[cohort["intake_period"]] = {name: value if is_number(value) else None
                                          for name, value in measures.items()}
    return found


@derivation("cohort_change", needs="previous", reads=lambda _: (COHORTS,))
def cohort_change(context: Context, parameters: Mapping[str, Any]) -> Columns:
    """The cohorts reported now and in the programme's previous return whose compared
    figure moved the way the check flags, counted and described (empty when no cohort is
    reported in both)."""
    check = parameters["check"]
    measure, flagged = COHORT_CHANGES[check]
    now, before = cohort_figures(context.payload), cohort_figures(context.previous_payload)
    both = [(intake, before[intake][measure], now[intake][measure])
            for intake in sorted(set(now) & set(before))
            if _known(now[intake][measure]) and _known(before[intake][measure])]
    moved = [(intake, old, new) for intake, old, new in both
             if {"changed": new != old, "fell": new < old, "grew": new > old}[flagged]]
    return {f"cohort_{check}_{flagged}": len(moved) if both else None,
            f"cohort_{check}_changes": "; ".join(f"{intake}: {old:.0f} → {new:.0f}"
                                                 for intake, old, new in moved)}
