"""Cross-field hard rules: part <= whole, checked only when both sides are numbers."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from schemas import rules, validate_return
from schemas.paths import get_path, set_path
from schemas.rules import (
    RETURN_RULES,
    PartWholeRule,
    cohort_rule_errors,
    rule_errors,
    rules_anchored_at,
    rules_involving,
)
from schemas.walk import return_leaves

RULES = pytest.mark.parametrize("rule", RETURN_RULES, ids=lambda rule: rule.id)


def _prepare(payload: dict, rule: PartWholeRule) -> int:
    """Make every value of the rule a number (adding an absent area); return the whole."""
    if get_path(payload, rule.whole) is None:
        set_path(payload, rule.whole, 10)
    for part in rule.parts:
        if get_path(payload, part) is None:
            set_path(payload, part, 0)
    return get_path(payload, rule.whole)


def _set_total(payload: dict, rule: PartWholeRule, total: int) -> None:
    """Set the parts so that they add up to total."""
    others = sum(get_path(payload, part) for part in rule.parts[1:])
    set_path(payload, rule.parts[0], total - others)


AREAS = ("research", "memory", "reading", "time_management", "communication",
         "career_planning", "wellbeing", "clinical_skills", "exam_preparation",
         "professionalism", "other")
DESIGNED_RULES = [
    "needs_assessment.responded <= needs_assessment.invited",
    *(f"needs_assessment.need_areas.{area} <= needs_assessment.responded" for area in AREAS),
    "capacity.enrolled_mentees <= capacity.eligible_mentees",
    "capacity.mentors_trained <= capacity.active_mentors",
    "activity.active_pairs_end <= activity.pairs_formed",
    "activity.rematch_resolved_30d <= activity.rematch_requests",
    "activity.mentees_disengaged <= capacity.enrolled_mentees",
    "activity.mentors_over_cap <= capacity.active_mentors",
    "evaluation.mentee_survey.responded <= evaluation.mentee_survey.invited",
    "sum(evaluation.mentee_survey.satisfaction) <= evaluation.mentee_survey.responded",
    "evaluation.mentor_survey.responded <= evaluation.mentor_survey.invited",
    "sum(evaluation.mentor_survey.satisfaction) <= evaluation.mentor_survey.responded",
    "evaluation.mentee_confidentiality_trust <= evaluation.mentee_survey.responded",
    *(f"evaluation.perceived_improvement.{area}.improved"
      f" <= evaluation.perceived_improvement.{area}.asked" for area in AREAS),
]


def test_rule_table_lists_the_designed_rules():
    ids = {rule.id for rule in RETURN_RULES}
    assert "activity.active_pairs_start <= activity.pairs_formed" not in ids
    assert len(ids) == len(RETURN_RULES) == 34


def test_the_rule_table_is_built_as_designed_in_order():
    # Built afresh, as at import: the table the validator, the JSON Schema and the docs use.
    table = rules._build_rules()
    assert [rule.id for rule in table] == DESIGNED_RULES
    assert table == RETURN_RULES
    single = [rule for rule in table if not rule.id.startswith("sum(")]
    assert all(rule.parts == (rule.subject,) for rule in single)
    for survey in ("mentee_survey", "mentor_survey"):
        likert = next(rule for rule in table
                      if rule.subject == f"evaluation.{survey}.satisfaction")
        assert likert.parts == tuple(f"evaluation.{survey}.satisfaction.{point}"
                                     for point in "12345")
        assert likert.whole == f"evaluation.{survey}.responded"


def test_a_rule_describes_itself_in_plain_language():
    single, likert = RETURN_RULES[0], RETURN_RULES[19]
    assert single.describe() == ("needs_assessment.responded must not exceed "
                                 "needs_assessment.invited (checked when all are numbers).")
    assert likert.describe() == (
        "The sum of evaluation.mentee_survey.satisfaction.1 to "
        "evaluation.mentee_survey.satisfaction.5 must not exceed "
        "evaluation.mentee_survey.responded (checked when all are numbers).")


def test_a_rule_reads_nested_mappings_of_any_kind():
    rule = RETURN_RULES[0]
    data = {"needs_assessment": MappingProxyType({"responded": 6, "invited": 5})}
    assert rule.check(data) == "must not exceed needs_assessment.invited (5)"
    assert rule.check({"needs_assessment": "not_collected"}) is None
    assert rule.check({"needs_assessment": {"responded": 5, "invited": 5}}) is None


def test_the_item_respondent_rules_apply_from_version_1_1():
    data = {"needs_assessment": {"responded": 9, "need_areas": {"memory": 4},
                                 "item_respondents": {"memory": 3}}}
    assert rule_errors(data) == {}
    assert rule_errors(data, "1.1") == {
        "needs_assessment.need_areas.memory": [
            "must not exceed needs_assessment.item_respondents.memory (3)"]}


def test_the_rules_involving_a_field_are_the_ones_that_read_it():
    assert [rule.id for rule in rules_involving("capacity.enrolled_mentees")] == [
        "capacity.enrolled_mentees <= capacity.eligible_mentees",
        "activity.mentees_disengaged <= capacity.enrolled_mentees",
    ]
    assert rules_involving("needs_assessment.item_respondents.memory") == []
    assert [rule.id for rule in
            rules_involving("needs_assessment.item_respondents.memory", "1.1")] == [
        "needs_assessment.need_areas.memory <= needs_assessment.item_respondents.memory",
        "needs_assessment.item_respondents.memory <= needs_assessment.responded",
    ]


def test_a_cohort_field_is_looked_up_among_the_cohort_rules():
    assert [rule.id for rule in rules_involving("cohort_follow_up.cohorts[].exam.sat")] == [
        "exam.sat <= at_start", "exam.passed <= exam.sat"]
    assert rules_involving("exam.sat") == []


def test_the_rules_anchored_at_an_object_are_those_whose_fields_all_sit_in_it():
    assert [rule.id for rule in rules_anchored_at("capacity")] == [
        "capacity.enrolled_mentees <= capacity.eligible_mentees",
        "capacity.mentors_trained <= capacity.active_mentors",
    ]
    assert [rule.id for rule in rules_anchored_at("cohort_follow_up.cohorts[].exam")] == [
        "exam.passed <= exam.sat"]
    assert [rule.id for rule in rules_anchored_at("cohort_follow_up.cohorts[]")] == [
        "sum(still_in_training) <= at_start", "exam.sat <= at_start",
        "with_research_outputs <= at_start", "burnout_screening.screened <= at_start",
    ]


def test_a_cohort_is_checked_against_the_cohort_rules():
    cohort = {"at_start": 10, "still_in_training": 6, "completed": 3,
              "left": {"transferred": 1, "withdrew": 1, "dismissed": 0, "other": 0},
              "exam": {"sat": 11, "passed": 12},
              "burnout_screening": {"screened": 10, "above_threshold": 10}}
    assert cohort_rule_errors(cohort) == {
        "still_in_training": ["sum of the counts (11) must not exceed at_start (10)"],
        "exam.sat": ["must not exceed at_start (10)"],
        "exam.passed": ["must not exceed exam.sat (11)"],
    }
    cohort["left"]["withdrew"], cohort["exam"] = 0, {"sat": "not_collected", "passed": 12}
    assert cohort_rule_errors(cohort) == {}


def test_every_rule_reads_fields_of_the_schema():
    leaves = {leaf.path for leaf in return_leaves()}
    assert all(set(rule.paths) <= leaves for rule in RETURN_RULES)


@RULES
def test_rule_passes_when_part_equals_whole(pilot, rule):
    whole = _prepare(pilot, rule)
    _set_total(pilot, rule, whole)
    assert validate_return(pilot) == pilot


@RULES
def test_rule_fails_above_the_whole_naming_the_path_and_the_value(pilot, errors_of, rule):
    whole = _prepare(pilot, rule)
    _set_total(pilot, rule, whole + 1)
    errors = errors_of(pilot)
    assert list(errors) == [rule.subject]
    assert f"must not exceed {rule.whole} ({whole})" in errors[rule.subject][0]


@RULES
def test_rule_is_skipped_when_the_whole_is_a_reason_code(pilot, rule):
    _prepare(pilot, rule)
    set_path(pilot, rule.whole, "not_collected")
    _set_total(pilot, rule, 10_000)
    assert validate_return(pilot) == pilot


@RULES
def test_rule_is_skipped_when_a_part_is_a_reason_code(pilot, rule):
    whole = _prepare(pilot, rule)
    _set_total(pilot, rule, whole + 1)
    set_path(pilot, rule.parts[0], "not_applicable")
    assert validate_return(pilot) == pilot


def test_survey_message_matches_the_published_example(pilot, errors_of):
    pilot["evaluation"]["mentee_survey"]["invited"] = 52
    pilot["evaluation"]["mentee_survey"]["responded"] = 53
    assert errors_of(pilot) == {
        "evaluation.mentee_survey.responded": [
            "must not exceed evaluation.mentee_survey.invited (52)"
        ]
    }


def test_likert_total_message_gives_the_sum(pilot, errors_of):
    pilot["evaluation"]["mentor_survey"]["satisfaction"]["5"] += 1
    assert errors_of(pilot) == {
        "evaluation.mentor_survey.satisfaction": [
            "sum of the counts (21) must not exceed evaluation.mentor_survey.responded (20)"
        ]
    }


def test_rule_is_skipped_when_one_side_failed_its_own_check(pilot, errors_of):
    pilot["capacity"]["eligible_mentees"] = -5
    assert errors_of(pilot) == {"capacity.eligible_mentees": ["Must be 0 or more."]}


def test_rule_errors_are_reported_alongside_field_errors(pilot, errors_of):
    pilot["programme"]["level"] = "school"
    pilot["capacity"]["mentors_trained"] = 99
    assert set(errors_of(pilot)) == {"programme.level", "capacity.mentors_trained"}
