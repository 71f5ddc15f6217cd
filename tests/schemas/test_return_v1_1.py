"""Return v1.1: v1.0 unchanged plus the cohort follow-up and its hard rules."""

from __future__ import annotations

import random

import pytest
from jsonschema import Draft202012Validator

from schemas import SCHEMA_VERSION, SUPPORTED_VERSIONS, validate_return
from schemas.cohort_examples import as_version_1_1, synthetic_cohort, synthetic_cohorts
from schemas.jsonschema import return_json_schema
from schemas.paths import set_path


@pytest.fixture
def cohort() -> dict:
    """A valid cohort two years after intake."""
    return synthetic_cohort(random.Random(3), "2018", 2, 40)


@pytest.fixture
def pilot_1_1(pilot, cohort) -> dict:
    """The pilot return as v1.1 with one cohort followed."""
    return as_version_1_1(pilot, [cohort])


def _cohort_error(errors_of, payload: dict, path: str, value: object) -> list[str]:
    set_path(payload["cohort_follow_up"]["cohorts"][0], path, value)
    return errors_of(payload).get(f"cohort_follow_up.cohorts.0.{path}", [])


def test_both_versions_are_supported_with_one_zero_the_default():
    assert SUPPORTED_VERSIONS == ("1.0", "1.1")
    assert SCHEMA_VERSION == "1.0"


def test_a_v1_0_return_still_validates_as_v1_0(pilot):
    assert validate_return(pilot) == pilot


def test_a_v1_0_return_may_not_carry_the_cohort_section(pilot, cohort, errors_of):
    pilot["cohort_follow_up"] = {"cohorts": [cohort]}
    assert errors_of(pilot) == {"cohort_follow_up": ["Unknown field."]}


def test_a_v1_1_return_with_cohorts_loads_unchanged(pilot_1_1):
    assert validate_return(pilot_1_1) == pilot_1_1


def test_a_v1_1_return_without_cohorts_is_valid(pilot):
    payload = as_version_1_1(pilot)
    assert validate_return(payload) == payload


def test_synthetic_cohorts_are_valid(pilot):
    cohorts = synthetic_cohorts(random.Random(5), "2025-26", 60)
    assert [c["intake_period"] for c in cohorts] == ["2025-26", "2024-25", "2023-24"]
    validate_return(as_version_1_1(pilot, cohorts))


def test_cohort_counts_keep_the_reason_codes(pilot_1_1, errors_of):
    cohort = pilot_1_1["cohort_follow_up"]["cohorts"][0]
    cohort["completed"] = "not_collected"
    cohort["exam"] = {"sat": "not_applicable", "passed": "not_applicable"}
    assert errors_of(pilot_1_1) == {}


def test_cohort_parts_within_the_cohort_pass(pilot_1_1, errors_of):
    cohort = pilot_1_1["cohort_follow_up"]["cohorts"][0]
    cohort.update(at_start=10, still_in_training=6, completed=2, with_research_outputs=0)
    cohort["exam"] = {"sat": 0, "passed": 0}
    cohort["burnout_screening"].update(screened=0, above_threshold=0)
    cohort["left"] = {"transferred": 1, "withdrew": 1, "dismissed": 0, "other": 0}
    assert errors_of(pilot_1_1) == {}


def test_cohort_parts_beyond_the_cohort_fail(pilot_1_1, errors_of):
    cohort = pilot_1_1["cohort_follow_up"]["cohorts"][0]
    cohort.update(at_start=10, still_in_training=7, completed=2, with_research_outputs=0)
    cohort["exam"] = {"sat": 0, "passed": 0}
    cohort["burnout_screening"].update(screened=0, above_threshold=0)
    cohort["left"] = {"transferred": 1, "withdrew": 1, "dismissed": 0, "other": 0}
    assert errors_of(pilot_1_1) == {"cohort_follow_up.cohorts.0.still_in_training": [
        "sum of the counts (11) must not exceed at_start (10)"]}


@pytest.mark.parametrize(("path", "whole_path", "whole"), [
    ("exam.sat", "at_start", 10),
    ("exam.passed", "exam.sat", 10),
    ("with_research_outputs", "at_start", 10),
    ("burnout_screening.screened", "at_start", 10),
    ("burnout_screening.above_threshold", "burnout_screening.screened", 10),
])
def test_a_cohort_part_equal_to_its_whole_passes(pilot_1_1, errors_of, path, whole_path, whole):
    cohort = pilot_1_1["cohort_follow_up"]["cohorts"][0]
    cohort.update(at_start=10, still_in_training=10, completed=0)
    cohort["left"] = dict.fromkeys(cohort["left"], 0)
    cohort["exam"] = {"sat": 10, "passed": 10}
    cohort["burnout_screening"].update(screened=10, above_threshold=10)
    set_path(cohort, whole_path, whole)
    assert _cohort_error(errors_of, pilot_1_1, path, whole) == []


@pytest.mark.parametrize(("path", "whole_path"), [
    ("exam.sat", "at_start"),
    ("exam.passed", "exam.sat"),
    ("with_research_outputs", "at_start"),
    ("burnout_screening.screened", "at_start"),
    ("burnout_screening.above_threshold", "burnout_screening.screened"),
])
def test_a_cohort_part_above_its_whole_fails(pilot_1_1, errors_of, path, whole_path):
    cohort = pilot_1_1["cohort_follow_up"]["cohorts"][0]
    cohort.update(at_start=10, still_in_training=10, completed=0)
    cohort["left"] = dict.fromkeys(cohort["left"], 0)
    cohort["exam"] = {"sat": 10, "passed": 10}
    cohort["burnout_screening"].update(screened=10, above_threshold=10)
    assert _cohort_error(errors_of, pilot_1_1, path, 11) == [
        f"must not exceed {whole_path} (10)"]


def test_an_intake_period_given_twice_is_refused(pilot_1_1, errors_of, cohort):
    pilot_1_1["cohort_follow_up"]["cohorts"].append(dict(cohort))
    assert errors_of(pilot_1_1) == {"cohort_follow_up.cohorts": [
        "Intake period '2018' is given more than once."]}


def test_an_unknown_burnout_instrument_is_refused(pilot_1_1, errors_of):
    errors = _cohort_error(errors_of, pilot_1_1, "burnout_screening.instrument", "sf36")
    assert errors and errors[0].startswith("Must be one of: mbi_hss")


def test_more_cohorts_than_the_limit_are_refused(pilot_1_1, errors_of, cohort):
    pilot_1_1["cohort_follow_up"]["cohorts"] = [
        {**cohort, "intake_period": str(2000 + n)} for n in range(11)]
    assert errors_of(pilot_1_1) == {"cohort_follow_up.cohorts": ["Give at most 10 items."]}


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_each_version_json_schema_accepts_its_example(pilot, cohort, version):
    payload = pilot if version == "1.0" else as_version_1_1(pilot, [cohort])
    validator = Draft202012Validator(return_json_schema(version),
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert list(validator.iter_errors(payload)) == []


def test_the_v1_0_json_schema_refuses_a_v1_1_return(pilot, cohort):
    validator = Draft202012Validator(return_json_schema("1.0"))
    assert not validator.is_valid(as_version_1_1(pilot, [cohort]))


def test_the_v1_1_json_schema_annotates_the_cohort_rules():
    schema = return_json_schema("1.1")
    item = schema["properties"]["cohort_follow_up"]["properties"]["cohorts"]["items"]
    assert "sum(still_in_training) <= at_start" in {rule["id"] for rule in item["x-rules"]}
    exam_rules = item["properties"]["exam"]["x-rules"]
    assert [rule["id"] for rule in exam_rules] == ["exam.passed <= exam.sat"]


def test_a_v1_rule_broken_in_a_v1_1_return_is_reported_once(pilot_1_1, errors_of):
    pilot_1_1["capacity"]["mentors_trained"] = pilot_1_1["capacity"]["active_mentors"] + 1
    errors = errors_of(pilot_1_1)
    assert list(errors) == ["capacity.mentors_trained"]
    assert len(errors["capacity.mentors_trained"]) == 1


def test_item_respondents_within_the_respondents_pass(pilot_1_1, errors_of):
    responded = pilot_1_1["needs_assessment"]["responded"]  # 33 in the pilot
    needs = pilot_1_1["needs_assessment"]["need_areas"]
    pilot_1_1["needs_assessment"]["item_respondents"] = {
        area: max(named, responded - 2) for area, named in needs.items()}
    assert errors_of(pilot_1_1) == {}


def test_item_respondents_above_the_respondents_fail(pilot_1_1, errors_of):
    responded = pilot_1_1["needs_assessment"]["responded"]
    needs = pilot_1_1["needs_assessment"]["need_areas"]
    answered = dict(needs)
    answered["research"] = responded + 1
    pilot_1_1["needs_assessment"]["item_respondents"] = answered
    assert errors_of(pilot_1_1) == {"needs_assessment.item_respondents.research": [
        f"must not exceed needs_assessment.responded ({responded})"]}


def test_an_area_named_by_more_than_answered_it_fails(pilot_1_1, errors_of):
    needs = pilot_1_1["needs_assessment"]["need_areas"]
    answered = dict(needs)
    answered["memory"] = needs["memory"] - 1
    pilot_1_1["needs_assessment"]["item_respondents"] = answered
    assert errors_of(pilot_1_1) == {"needs_assessment.need_areas.memory": [
        f"must not exceed needs_assessment.item_respondents.memory ({needs['memory'] - 1})"]}


def test_item_respondents_are_refused_in_a_v1_0_return(pilot, errors_of):
    pilot["needs_assessment"]["item_respondents"] = dict(pilot["needs_assessment"]["need_areas"])
    assert errors_of(pilot) == {"needs_assessment.item_respondents": ["Unknown field."]}


def test_focus_group_themes_are_coded(pilot_1_1, errors_of):
    pilot_1_1["evaluation"]["focus_group_themes"] = {
        "groups": 2, "participants": 14, "barriers": ["poor_scheduling"],
        "benefits": ["research_skills", "emotional_support"]}
    assert errors_of(pilot_1_1) == {}
    pilot_1_1["evaluation"]["focus_group_themes"]["benefits"] = ["free_lunch"]
    assert list(errors_of(pilot_1_1)) == ["evaluation.focus_group_themes.benefits.0"]


def test_the_v1_1_json_schema_annotates_the_item_rules_and_v1_0_does_not():
    def ids(version: str) -> set[str]:
        needs = return_json_schema(version)["properties"]["needs_assessment"]
        return {rule["id"] for rule in needs["x-rules"]}
    rule = "needs_assessment.item_respondents.research <= needs_assessment.responded"
    assert rule in ids("1.1") and rule not in ids("1.0")
