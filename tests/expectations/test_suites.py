"""The suite files: reviewed JSON that loads as Great Expectations suites with no context."""

from __future__ import annotations

import json
import re

import pytest

from expectations import KINDS, SEVERITIES, load_rules
from expectations.loader import FOLDER, SUITE_FILES, RuleFileError, _rule
from registry.services.quality.quality_frame import build_frame
from schemas.examples import pilot_return


@pytest.mark.parametrize("name", SUITE_FILES)
def test_each_suite_file_loads_as_an_expectation_suite_without_a_context(name):
    from great_expectations.core.expectation_suite import ExpectationSuite

    document = json.loads((FOLDER / name).read_text(encoding="utf-8"))
    suite = ExpectationSuite(**document)
    assert [e.meta["id"] for e in suite.expectations] == [
        e["meta"]["id"] for e in document["expectations"]]


def test_every_rule_carries_id_severity_kind_message_guidance_and_fields():
    rules = load_rules()
    assert len({rule.id for rule in rules}) == len(rules)
    for rule in rules:
        assert re.fullmatch(r"Q\d{3}", rule.id)
        assert rule.severity in SEVERITIES and rule.kind in KINDS
        assert rule.message.endswith(".") and rule.guidance and rule.expected
        assert rule.fields and all(rule.fields)


def test_all_four_kinds_of_rule_are_present_and_errors_exist():
    rules = load_rules()
    assert {rule.kind for rule in rules} == set(KINDS)
    assert {rule.severity for rule in rules} == set(SEVERITIES)


def test_no_expectation_lets_failures_through_with_mostly():
    for rule in load_rules():
        assert "mostly" not in rule.kwargs


def test_a_rule_with_mostly_is_refused():
    expectation = {"type": "expect_column_values_to_be_between",
                   "kwargs": {"column": "x", "max_value": 1, "mostly": 0.9},
                   "meta": {key: "x" for key in ("id", "kind", "severity", "title", "message",
                                                "guidance", "expected", "value")}}
    expectation["meta"].update(kind="completeness", severity="warning", fields=["f"])
    with pytest.raises(RuleFileError, match="mostly"):
        _rule("suite", expectation)


def test_a_rule_without_guidance_is_refused():
    expectation = {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "x"},
                   "meta": {"id": "Q999", "kind": "completeness", "severity": "warning"}}
    with pytest.raises(RuleFileError, match="guidance"):
        _rule("suite", expectation)


def test_every_column_a_rule_reads_exists_in_the_quality_frame():
    record = {"version_id": 1, "return_id": 1, "institution_id": 1, "programme_id": 1,
              "institution_code": "A", "programme_code": "P", "version_status": "submitted",
              "return_status": "submitted", "payload": pilot_return()}
    frame = build_frame([record], [], load_rules())
    for rule in load_rules():
        assert set(rule.columns) <= set(frame.columns), rule.id
        row = {**frame.iloc[0].to_dict(), "code": "P"}
        assert rule.describe_value(row)


def _within_return(column: str, **meta) -> dict:
    expectation = {"type": "expect_column_values_to_be_between",
                   "kwargs": {"column": column, "max_value": 1},
                   "meta": {key: "x" for key in ("id", "title", "message", "guidance",
                                                "expected", "value")}}
    expectation["meta"].update(kind="within_return", severity="warning", fields=["f"], **meta)
    return expectation


def test_a_rule_naming_an_unknown_derivation_is_refused():
    with pytest.raises(RuleFileError, match="unknown derivation 'ratio_of_ratios'"):
        _rule("suite", _within_return("x", derivation="ratio_of_ratios"))


def test_a_within_return_rule_cannot_use_a_derivation_that_needs_the_period():
    with pytest.raises(RuleFileError, match="needs the period"):
        _rule("suite", _within_return("coverage_z", derivation="robust_z",
                                      parameters={"source": "coverage", "min_returns": 10}))


def test_a_rule_reading_a_column_nothing_computes_is_refused():
    with pytest.raises(RuleFileError, match="no figure, indicator or derivation gives "
                                            "mentees_per_room"):
        _rule("suite", _within_return("mentees_per_room"))


def test_a_rule_may_read_any_catalogue_indicator_by_its_code():
    rule = _rule("suite", _within_return("trained_mentor_rate"))
    assert rule.indicators == ("trained_mentor_rate",)


def test_a_value_template_naming_an_unknown_column_is_refused():
    with pytest.raises(RuleFileError, match="mentee_count"):
        _rule("suite", _within_return("coverage", value="{mentee_count:.0f}"))
