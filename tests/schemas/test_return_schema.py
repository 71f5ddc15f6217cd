"""Structural validation of return v1: types, codes, unknown fields, versions, nulls."""

from __future__ import annotations

import pytest

from schemas import (
    MISSING_CODES,
    SCHEMA_VERSION,
    SUPPORTED_VERSIONS,
    ReturnSchema,
    ReturnValidationError,
    validate_return,
)
from schemas.paths import set_path


def test_public_constants_describe_version_one():
    assert SCHEMA_VERSION == "1.0"
    assert SUPPORTED_VERSIONS == ("1.0", "1.1")
    assert MISSING_CODES == ("not_collected", "not_applicable")
    assert "header" in ReturnSchema().fields


def test_valid_pilot_return_loads_unchanged(pilot):
    assert validate_return(pilot) == pilot


def test_unknown_top_level_field_is_rejected_with_its_path(pilot, errors_of):
    pilot["comments"] = "hello"
    assert errors_of(pilot) == {"comments": ["Unknown field."]}


def test_unknown_nested_field_is_rejected_with_its_path(pilot, errors_of):
    pilot["activity"]["meetings_held"]["phone"] = 3
    assert errors_of(pilot) == {"activity.meetings_held.phone": ["Unknown field."]}


@pytest.mark.parametrize("version", ["2.0", "1", 1.0, ["1.0"]])
def test_unknown_schema_version_names_supported_versions(pilot, errors_of, version):
    pilot["header"]["schema_version"] = version
    errors = errors_of(pilot)
    assert list(errors) == ["header.schema_version"]
    assert "supported versions: 1.0" in errors["header.schema_version"][0]


def test_missing_schema_version_is_an_error_at_its_path(pilot, errors_of):
    del pilot["header"]["schema_version"]
    message = errors_of(pilot)["header.schema_version"][0]
    assert message.startswith("Missing schema version")


@pytest.mark.parametrize("payload", [[], "return", None, 3])
def test_non_object_payload_is_rejected_under_schema(errors_of, payload):
    assert list(errors_of(payload)) == ["_schema"]


def test_validation_error_carries_flat_errors(pilot):
    pilot["capacity"]["active_mentors"] = -1
    with pytest.raises(ReturnValidationError) as caught:
        validate_return(pilot)
    assert caught.value.errors == {"capacity.active_mentors": ["Must be 0 or more."]}
    assert "capacity.active_mentors" in str(caught.value)


def test_negative_count_is_rejected(pilot, errors_of):
    pilot["activity"]["meetings_held"]["online"] = -2
    assert errors_of(pilot) == {"activity.meetings_held.online": ["Must be 0 or more."]}


def test_bare_null_count_asks_for_zero_or_a_reason_code(pilot, errors_of):
    pilot["capacity"]["training_sessions"] = None
    message = errors_of(pilot)["capacity.training_sessions"][0]
    assert "give 0" in message
    assert all(code in message for code in MISSING_CODES)


def test_missing_count_asks_for_zero_or_a_reason_code(pilot, errors_of):
    del pilot["activity"]["unplanned_endings"]
    message = errors_of(pilot)["activity.unplanned_endings"][0]
    assert "give 0 or a reason code" in message


@pytest.mark.parametrize("value", [2.5, "3", True, "unknown", [1]])
def test_count_rejects_non_whole_numbers_and_other_strings(pilot, errors_of, value):
    pilot["capacity"]["training_sessions"] = value
    assert errors_of(pilot)["capacity.training_sessions"][0].startswith("Not a valid count")


def test_whole_float_count_loads_as_integer(pilot):
    pilot["capacity"]["training_sessions"] = 2.0
    loaded = validate_return(pilot)["capacity"]["training_sessions"]
    assert loaded == 2
    assert isinstance(loaded, int)


@pytest.mark.parametrize("value", [0, 12.25, "not_collected", "not_applicable"])
def test_number_accepts_decimals_and_reason_codes(pilot, value):
    pilot["activity"]["contact_hours"] = value
    assert validate_return(pilot)["activity"]["contact_hours"] == value


@pytest.mark.parametrize("value", [-0.5, float("inf"), "12", False])
def test_number_rejects_negatives_infinity_strings_and_booleans(pilot, errors_of, value):
    pilot["activity"]["contact_hours"] = value
    assert "activity.contact_hours" in errors_of(pilot)


@pytest.mark.parametrize("value", ["true", 1, 0, None, "yes"])
def test_booleans_are_strict(pilot, errors_of, value):
    pilot["governance"]["written_policy"] = value
    assert "governance.written_policy" in errors_of(pilot)


def test_unknown_code_lists_the_allowed_codes(pilot, errors_of):
    pilot["programme"]["level"] = "residency"
    message = errors_of(pilot)["programme.level"][0]
    assert message.startswith("Must be one of: undergraduate, postgraduate, faculty")


def test_unknown_code_in_a_list_is_reported_at_its_index(pilot, errors_of):
    pilot["programme"]["disciplines"] = ["medicine", "astrology"]
    assert list(errors_of(pilot)) == ["programme.disciplines.1"]


def test_disciplines_need_at_least_one_code(pilot, errors_of):
    pilot["programme"]["disciplines"] = []
    assert errors_of(pilot) == {"programme.disciplines": ["Give at least 1 code(s)."]}


def test_repeated_code_is_rejected(pilot, errors_of):
    pilot["evaluation"]["barriers"] = ["poor_scheduling", "poor_scheduling"]
    assert "evaluation.barriers" in errors_of(pilot)


def test_no_incentive_must_stand_alone(pilot, errors_of):
    pilot["governance"]["mentor_incentives"] = ["none", "financial"]
    assert errors_of(pilot) == {"governance.mentor_incentives": ["'none' must be given alone."]}


def test_empty_barrier_list_is_valid(pilot):
    pilot["evaluation"]["barriers"] = []
    assert validate_return(pilot)["evaluation"]["barriers"] == []


@pytest.mark.parametrize("value", ["2025-02-30", "15/01/2020", "20200115", "2020-1-5", 2020])
def test_start_date_must_be_a_real_yyyy_mm_dd_date(pilot, errors_of, value):
    pilot["programme"]["start_date"] = value
    assert "programme.start_date" in errors_of(pilot)


@pytest.mark.parametrize("code", ["pb-med-001", "PB MED 001", "PB--MED", "", "X" * 41])
def test_institution_code_must_be_capitals_digits_and_hyphens(pilot, errors_of, code):
    pilot["header"]["institution_code"] = code
    assert "header.institution_code" in errors_of(pilot)


def test_missing_required_section_is_reported_at_its_path(pilot, errors_of):
    del pilot["capacity"]
    errors = errors_of(pilot)
    assert errors["capacity"] == ["Missing data for required field."]


def test_section_of_the_wrong_type_is_reported_at_the_section_path(pilot, errors_of):
    pilot["governance"] = ["written_policy"]
    assert errors_of(pilot) == {"governance": ["Invalid input type."]}


def test_outcomes_section_is_optional(pilot):
    assert "outcomes" not in pilot
    pilot["outcomes"] = {"mentee_research_outputs": 4, "mentees_in_research_projects": 9}
    assert validate_return(pilot)["outcomes"]["mentee_research_outputs"] == 4


def test_outcomes_fields_are_required_once_the_section_is_given(pilot, errors_of):
    pilot["outcomes"] = {"mentee_research_outputs": 4}
    assert list(errors_of(pilot)) == ["outcomes.mentees_in_research_projects"]


def test_perceived_improvement_areas_are_optional(pilot):
    pilot["evaluation"]["perceived_improvement"] = {}
    assert validate_return(pilot)["evaluation"]["perceived_improvement"] == {}


def test_errors_in_several_sections_are_all_reported(pilot, errors_of):
    set_path(pilot, "programme.model", "apprenticeship")
    set_path(pilot, "needs_assessment.need_areas.memory", None)
    set_path(pilot, "evaluation.mentor_survey.satisfaction.5", -1)
    assert set(errors_of(pilot)) == {
        "programme.model",
        "needs_assessment.need_areas.memory",
        "evaluation.mentor_survey.satisfaction.5",
    }
