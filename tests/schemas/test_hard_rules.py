"""Cross-field hard rules: part <= whole, checked only when both sides are numbers."""

from __future__ import annotations

import pytest

from schemas import validate_return
from schemas.paths import get_path, set_path
from schemas.rules import RETURN_RULES, PartWholeRule
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


def test_rule_table_lists_the_designed_rules():
    ids = {rule.id for rule in RETURN_RULES}
    assert "needs_assessment.responded <= needs_assessment.invited" in ids
    assert "capacity.enrolled_mentees <= capacity.eligible_mentees" in ids
    assert "sum(evaluation.mentee_survey.satisfaction) <= evaluation.mentee_survey.responded" in ids
    assert "activity.active_pairs_start <= activity.pairs_formed" not in ids
    assert len(ids) == len(RETURN_RULES) == 34


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
