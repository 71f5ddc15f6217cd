"""Standard 1.1's explicit 'not reported' for the governance yes/no and coded fields.

v1.0 could only answer yes or no (or a code); 1.1 lets a college say it does not report
a component, and every indicator reading the field counts that as missing, never as 'no'.
"""

from __future__ import annotations

import copy

import pytest
from jsonschema import Draft202012Validator

from schemas.cohort_examples import as_version_1_1
from schemas.dictionary import dictionary_changes
from schemas.indicator_values import NOT_REPORTED, indicator_value
from schemas.indicators import BY_CODE
from schemas.jsonschema import return_json_schema
from schemas.reading import read_as_v1_1
from schemas.v1_1 import NOT_REPORTABLE

COMPLIANCE = BY_CODE["compliance_index"]
BOOLEANS = [p for p in NOT_REPORTABLE
            if p not in ("governance.matching_method", "governance.mentor_incentives")]


def _answer(path: str) -> object:
    return [NOT_REPORTED] if path.endswith("mentor_incentives") else NOT_REPORTED


def test_every_governance_yes_no_and_coded_field_may_be_not_reported():
    assert len(NOT_REPORTABLE) == 12
    assert {"governance.matching_method", "governance.mentor_incentives",
            "governance.written_policy"} <= set(NOT_REPORTABLE)


@pytest.mark.parametrize("path", NOT_REPORTABLE)
def test_1_1_takes_not_reported_and_1_0_refuses_it(path, pilot, errors_of):
    name = path.split(".", 1)[1]
    v1_0 = copy.deepcopy(pilot)
    v1_0["governance"][name] = _answer(path)
    assert any(key.startswith(path) for key in errors_of(v1_0))
    v1_1 = as_version_1_1(pilot)
    v1_1["governance"][name] = _answer(path)
    assert errors_of(v1_1) == {}


def test_the_messages_name_the_answers_each_version_takes(pilot, errors_of):
    v1_0 = copy.deepcopy(pilot)
    v1_0["governance"]["written_policy"] = "maybe"
    v1_1 = as_version_1_1(v1_0)
    assert errors_of(v1_0)["governance.written_policy"] == ["Not a boolean: give true or false."]
    assert errors_of(v1_1)["governance.written_policy"] == [
        "Not a boolean: give true, false or 'not_reported'."]
    v1_1["governance"]["written_policy"] = True
    v1_1["governance"]["matching_method"] = "unknown"
    assert "not_reported" in errors_of(v1_1)["governance.matching_method"][0]


def test_not_reported_stands_alone_in_a_code_list(pilot, errors_of):
    v1_1 = as_version_1_1(pilot)
    v1_1["governance"]["mentor_incentives"] = [NOT_REPORTED, "recognition"]
    assert errors_of(v1_1)["governance.mentor_incentives"] == [
        "'not_reported' must be given alone."]


def test_the_json_schemas_agree(pilot):
    v1_0, v1_1 = (Draft202012Validator(return_json_schema(v)) for v in ("1.0", "1.1"))
    for path in NOT_REPORTABLE:
        name = path.split(".", 1)[1]
        old, new = copy.deepcopy(pilot), as_version_1_1(pilot)
        old["governance"][name] = new["governance"][name] = _answer(path)
        assert not v1_0.is_valid(old), path
        assert v1_1.is_valid(new), path
    both = as_version_1_1(pilot)
    both["governance"]["mentor_incentives"] = [NOT_REPORTED, "recognition"]
    assert not v1_1.is_valid(both)


def test_the_what_changed_view_marks_the_governance_fields_changed():
    rows = {row["path"]: row for row in dictionary_changes("1.1")}
    for path in NOT_REPORTABLE:
        assert rows[path]["change"] == "changed", path
    assert NOT_REPORTED in [c["code"] for c in rows["governance.matching_method"]["codes"]]
    assert any("not_reported" in rule for rule in rows["governance.written_policy"]["rules"])
    assert rows["governance.mentor_incentives"]["type"] == "code list"


@pytest.mark.parametrize("path", NOT_REPORTABLE)
def test_a_not_reported_component_leaves_the_compliance_index_missing_not_lower(path, pilot):
    v1_1 = as_version_1_1(pilot)
    reported = indicator_value(COMPLIANCE, v1_1)
    assert reported.value is not None
    v1_1["governance"][path.split(".", 1)[1]] = _answer(path)
    assert indicator_value(COMPLIANCE, v1_1).missing_reason == NOT_REPORTED


def test_not_reported_matching_is_not_counted_as_not_personalised(pilot):
    v1_1 = as_version_1_1(pilot)
    v1_1["governance"]["matching_method"] = "personalised"
    personalised = indicator_value(COMPLIANCE, v1_1).numerator
    v1_1["governance"]["matching_method"] = "random"
    assert indicator_value(COMPLIANCE, v1_1).numerator == personalised - 1
    v1_1["governance"]["matching_method"] = NOT_REPORTED
    assert indicator_value(COMPLIANCE, v1_1).numerator is None


def test_a_v1_0_no_stays_no_and_an_absent_component_reads_as_not_reported(pilot):
    pilot["governance"]["written_policy"] = False
    assert indicator_value(COMPLIANCE, pilot).value is not None
    assert read_as_v1_1(pilot)["governance"] is pilot["governance"]
    del pilot["governance"]["written_policy"]
    before = copy.deepcopy(pilot)
    reading = read_as_v1_1(pilot)
    assert reading["governance"]["written_policy"] == NOT_REPORTED
    assert reading["governance"]["dedicated_budget"] == pilot["governance"]["dedicated_budget"]
    assert pilot == before
    assert indicator_value(COMPLIANCE, pilot).missing_reason == NOT_REPORTED
    assert len(BOOLEANS) == 10


def test_a_spreadsheet_cell_may_say_not_reported_in_words_where_1_1_takes_it():
    from schemas.cells import coerce_cell
    from schemas.walk import version_leaves

    leaves = {leaf.path: leaf.field for leaf in version_leaves("1.1")}
    assert coerce_cell(leaves["governance.written_policy"], "Not reported") == NOT_REPORTED
    assert coerce_cell(leaves["governance.matching_method"], "not_reported") == NOT_REPORTED
    assert coerce_cell(leaves["governance.mentor_incentives"], "not_reported") == [NOT_REPORTED]
    assert coerce_cell(leaves["governance.written_policy"], "yes") is True
