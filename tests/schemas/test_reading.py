"""Reading a return of either version as v1.1: the explicit mapping and the cohort summary."""

from __future__ import annotations

import random

import pytest

from schemas.cohort_examples import as_version_1_1, synthetic_cohort
from schemas.reading import MEASURES, SCOPES, read_as_v1_1, years_since_intake


def _cohort(intake: str, years: int, **counts) -> dict:
    cohort = synthetic_cohort(random.Random(years), intake, years, 20)
    cohort.update(counts)
    return cohort


def test_a_v1_0_return_reads_every_cohort_figure_as_not_collected(pilot):
    summary = read_as_v1_1(pilot)["cohort_summary"]
    assert summary == {scope: dict.fromkeys(MEASURES, "not_collected") for scope in SCOPES}


def test_reading_keeps_every_v1_0_field_and_does_not_change_the_return(pilot):
    reading = read_as_v1_1(pilot)
    assert {k: v for k, v in reading.items() if k != "cohort_summary"} == pilot
    assert "cohort_summary" not in pilot


def test_a_v1_1_return_without_the_follow_up_reads_as_not_collected(pilot):
    summary = read_as_v1_1(as_version_1_1(pilot))["cohort_summary"]
    assert summary["all"]["at_start"] == "not_collected"


def test_the_summary_adds_up_the_cohorts_of_each_scope(pilot):
    period = pilot["header"]["period_code"]  # 2020
    first = _cohort(str(int(period) - 1), 1, at_start=20, still_in_training=15, completed=2)
    second = _cohort(str(int(period) - 2), 2, at_start=30, still_in_training=20, completed=5)
    summary = read_as_v1_1(as_version_1_1(pilot, [first, second]))["cohort_summary"]
    assert (summary["year_1"]["at_start"], summary["year_1"]["retained"]) == (20, 17)
    assert (summary["year_2"]["at_start"], summary["year_2"]["retained"]) == (30, 25)
    assert (summary["all"]["at_start"], summary["all"]["completed"]) == (50, 7)


def test_a_scope_without_cohorts_is_not_applicable(pilot):
    this_year = _cohort(pilot["header"]["period_code"], 0)
    summary = read_as_v1_1(as_version_1_1(pilot, [this_year]))["cohort_summary"]
    assert summary["year_2"] == dict.fromkeys(MEASURES, "not_applicable")


def test_a_reason_code_in_any_cohort_carries_to_the_measure(pilot):
    period = int(pilot["header"]["period_code"])
    cohorts = [_cohort(str(period - 1), 1), _cohort(str(period - 2), 2)]
    cohorts[0]["exam"] = {"sat": "not_collected", "passed": "not_collected"}
    summary = read_as_v1_1(as_version_1_1(pilot, cohorts))["cohort_summary"]
    assert summary["all"]["exam_sat"] == "not_collected"
    assert summary["year_2"]["exam_sat"] == cohorts[1]["exam"]["sat"]


@pytest.mark.parametrize(("period", "intake", "years"), [
    ("2025-26", "2023-24", 2), ("2025", "2025", 0), ("2025-26", "2024", 1), ("2025", "X1", None)])
def test_years_since_intake_reads_the_leading_year(period, intake, years):
    assert years_since_intake(period, intake) == years


def test_an_indicator_reads_alike_across_versions_unless_a_field_it_reads_changed_meaning():
    from schemas.indicators import BY_CODE
    from schemas.reading import source_readings

    coverage, compliance = BY_CODE["coverage"].paths, BY_CODE["compliance_index"].paths
    assert source_readings(coverage, ("1.0",)) == source_readings(coverage, ("1.0", "1.1"))
    assert source_readings(compliance, ("1.0",)) != source_readings(compliance, ("1.0", "1.1"))
    assert source_readings(compliance, ("1.1",)) != source_readings(compliance, ("1.0", "1.1"))
    cohort = BY_CODE["cohort_completion"].paths
    assert source_readings(cohort, ("1.1",)) == source_readings(cohort, ("1.0", "1.1"))
    assert source_readings(cohort, ()) == frozenset()
