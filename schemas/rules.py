"""The rule table: cross-field hard rules that drive the validator, JSON Schema and docs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from schemas.codes import LeavingReason, NeedArea, SatisfactionPoint, SchemaVersion
from schemas.paths import common_parent, is_number


@dataclass(frozen=True)
class PartWholeRule:
    """A part (or the sum of several parts) must not exceed a whole.

    The rule is checked only when every value involved is a number; a reason code
    (not_collected, not_applicable) or an absent optional field skips it.
    """

    subject: str
    whole: str
    parts: tuple[str, ...]

    @property
    def id(self) -> str:
        """Return a stable identifier naming the rule."""
        left = self.subject if self.parts == (self.subject,) else f"sum({self.subject})"
        return f"{left} <= {self.whole}"

    @property
    def paths(self) -> tuple[str, ...]:
        """Return every field path the rule reads."""
        return (*self.parts, self.whole)

    @property
    def anchor(self) -> str:
        """Return the path of the deepest object holding every field of the rule."""
        return common_parent(self.paths)

    def describe(self) -> str:
        """Return the rule in plain language."""
        if self.parts == (self.subject,):
            left = self.subject
        else:
            left = f"The sum of {self.parts[0]} to {self.parts[-1]}"
        return f"{left} must not exceed {self.whole} (checked when all are numbers)."

    @cached_property
    def _steps(self) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(path.split(".")) for path in self.paths)

    def check(self, data: Mapping[str, Any]) -> str | None:
        """Return the error message when the rule is broken, else None."""
        values = []
        for steps in self._steps:  # every submission runs every rule: split paths once
            value = data
            for step in steps:
                if not isinstance(value, dict) and not isinstance(value, Mapping):
                    return None  # a code, a number or nothing before the path's end
                value = value.get(step)
            if not is_number(value):
                return None
            values.append(value)
        *parts, whole = values
        total = sum(parts)
        if total <= whole:
            return None
        if self.parts == (self.subject,):
            return f"must not exceed {self.whole} ({whole})"
        return f"sum of the counts ({total}) must not exceed {self.whole} ({whole})"


def _part(part: str, whole: str) -> PartWholeRule:
    return PartWholeRule(subject=part, whole=whole, parts=(part,))


def _survey_rules(survey: str) -> list[PartWholeRule]:
    prefix = f"evaluation.{survey}"
    likert = tuple(f"{prefix}.satisfaction.{point}" for point in SatisfactionPoint.codes())
    return [
        _part(f"{prefix}.responded", f"{prefix}.invited"),
        PartWholeRule(subject=f"{prefix}.satisfaction", whole=f"{prefix}.responded", parts=likert),
    ]


def _build_rules() -> tuple[PartWholeRule, ...]:
    improvement = "evaluation.perceived_improvement"
    return (
        _part("needs_assessment.responded", "needs_assessment.invited"),
        *(
            _part(f"needs_assessment.need_areas.{area}", "needs_assessment.responded")
            for area in NeedArea
        ),
        _part("capacity.enrolled_mentees", "capacity.eligible_mentees"),
        _part("capacity.mentors_trained", "capacity.active_mentors"),
        _part("activity.active_pairs_end", "activity.pairs_formed"),
        _part("activity.rematch_resolved_30d", "activity.rematch_requests"),
        _part("activity.mentees_disengaged", "capacity.enrolled_mentees"),
        _part("activity.mentors_over_cap", "capacity.active_mentors"),
        *_survey_rules("mentee_survey"),
        *_survey_rules("mentor_survey"),
        _part("evaluation.mentee_confidentiality_trust", "evaluation.mentee_survey.responded"),
        *(
            _part(f"{improvement}.{area}.improved", f"{improvement}.{area}.asked")
            for area in NeedArea
        ),
    )


RETURN_RULES: tuple[PartWholeRule, ...] = _build_rules()

# v1.1: each need area's count of people who answered the item (the pilot's item non-response).
ITEM_RESPONDENT_RULES: tuple[PartWholeRule, ...] = tuple(
    rule
    for area in NeedArea
    for rule in (
        _part(f"needs_assessment.need_areas.{area}", f"needs_assessment.item_respondents.{area}"),
        _part(f"needs_assessment.item_respondents.{area}", "needs_assessment.responded"),
    )
)
V1_0, V1_1 = SchemaVersion.V1_0.value, SchemaVersion.V1_1.value
RULES_BY_VERSION: dict[str, tuple[PartWholeRule, ...]] = {
    V1_0: RETURN_RULES,
    V1_1: (*RETURN_RULES, *ITEM_RESPONDENT_RULES),
}


def rule_errors(data: Mapping[str, Any], version: str = V1_0) -> dict[str, list[str]]:
    """Check every rule of a version against (possibly partial) return data; errors by path."""
    errors: dict[str, list[str]] = {}
    for rule in RULES_BY_VERSION[version]:
        message = rule.check(data)
        if message:
            errors.setdefault(rule.subject, []).append(message)
    return errors


def rules_involving(path: str, version: str = V1_0) -> list[PartWholeRule]:
    """Return the rules that read the field at a dotted path (cohort fields under COHORT_ITEM)."""
    return [rule for rule in _rules_at(path, version) if _relative(path) in rule.paths]


def rules_anchored_at(path: str, version: str = V1_0) -> list[PartWholeRule]:
    """Return the rules whose fields all sit under the object at a dotted path."""
    return [rule for rule in _rules_at(path, version) if rule.anchor == _relative(path)]


def _rules_at(path: str, version: str) -> tuple[PartWholeRule, ...]:
    return COHORT_RULES if path.startswith(COHORT_ITEM) else RULES_BY_VERSION[version]


def _relative(path: str) -> str:
    """A cohort field's path within its cohort; any other path unchanged."""
    if not path.startswith(COHORT_ITEM):
        return path
    return path[len(COHORT_ITEM):].lstrip(".")


# The path of one item of the v1.1 cohort list, as the JSON Schema and dictionary name it.
COHORT_ITEM = "cohort_follow_up.cohorts[]"
# Rules within one cohort of the v1.1 cohort follow-up; paths are relative to the cohort.
COHORT_RULES: tuple[PartWholeRule, ...] = (
    PartWholeRule(
        subject="still_in_training",
        whole="at_start",
        parts=("still_in_training", "completed", *(f"left.{r}" for r in LeavingReason.codes())),
    ),
    _part("exam.sat", "at_start"),
    _part("exam.passed", "exam.sat"),
    _part("with_research_outputs", "at_start"),
    _part("burnout_screening.screened", "at_start"),
    _part("burnout_screening.above_threshold", "burnout_screening.screened"),
)


def cohort_rule_errors(cohort: Mapping[str, Any]) -> dict[str, list[str]]:
    """Check the cohort rules against one (possibly partial) cohort; return errors by path."""
    errors: dict[str, list[str]] = {}
    for rule in COHORT_RULES:
        message = rule.check(cohort)
        if message:
            errors.setdefault(rule.subject, []).append(message)
    return errors
