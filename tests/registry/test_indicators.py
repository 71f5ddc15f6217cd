"""The indicator catalogue and indicator values of single returns, checked by hand."""

from __future__ import annotations

import random

import numpy as np
import pytest

from registry.indicators.extract import REASONS, value_matrix
from schemas.codes import NeedArea
from schemas.examples import pilot_return, synthetic_return
from schemas.indicator_values import indicator_value
from schemas.indicators import BY_CODE, CATALOGUE, catalogue_data

DESIGN_INDICATORS = (
    "coverage", "mentee_mentor_ratio", "mentors_over_cap", "trained_mentor_rate",
    "needs_response_rate", "meeting_completion", "meetings_per_pair",
    "contact_hours_per_mentee", "relationship_attrition", "rematch_timeliness",
    "mentee_satisfaction", "mentor_satisfaction", "confidentiality_trust",
    "evaluation_response_rate", "training_hours_per_mentor", "compliance_index",
    "returns_completeness", "returns_timeliness",
    *(f"need_prevalence.{a}" for a in NeedArea.codes()),
    *(f"perceived_improvement.{a}" for a in NeedArea.codes()),
    "cohort_retention_1y", "cohort_retention_2y", "cohort_completion", "exam_pass_rate",
    "burnout_screening_coverage", "burnout_above_threshold",
)


def value(code: str, payload: dict):
    return indicator_value(BY_CODE[code], payload)


def test_catalogue_holds_every_indicator_of_the_design_once():
    codes = [i.code for i in CATALOGUE]
    assert len(codes) == len(set(codes))
    assert set(codes) == set(DESIGN_INDICATORS)


def test_catalogue_entries_say_how_each_indicator_reads():
    for entry in catalogue_data():
        assert entry["better"] in ("higher", "lower", "neither")
        assert entry["kind"] in ("proportion", "count_rate", "quantity_rate")
        assert entry["numerator"] and entry["denominator"]
        assert entry["programme_levels"]


def test_coverage_is_enrolled_over_eligible():
    found = value("coverage", pilot_return())
    assert (found.numerator, found.denominator) == (48, 52)  # pilot: 48 of 52 enrolled
    assert found.value == pytest.approx(48 / 52)


def test_meeting_completion_sums_every_mode_held():
    # pilot: 196 in person + 31 online + 6 group = 233 held of 288 planned
    found = value("meeting_completion", pilot_return())
    assert (found.numerator, found.denominator) == (233, 288)


def test_compliance_index_counts_components_in_place_out_of_twelve():
    # pilot: committee, coordinator, incentives (recognition), confidentiality, M&E plan,
    # research integration = 6 of 12; matching is 'assigned', so not personalised.
    found = value("compliance_index", pilot_return())
    assert (found.numerator, found.denominator) == (6, 12)


def test_compliance_index_counts_personalised_matching_and_no_incentives():
    payload = pilot_return()
    payload["governance"].update(matching_method="personalised", mentor_incentives=["none"])
    assert value("compliance_index", payload).numerator == 6  # +1 matching, -1 incentives


def test_satisfaction_is_points_four_and_five_over_rated():
    # mentee survey: 36 of 48 responded (75 %); rated 1+3+7+15+10 = 36; 4-5: 25
    found = value("mentee_satisfaction", pilot_return())
    assert (found.numerator, found.denominator) == (25, 36)


def test_satisfaction_is_withheld_when_the_survey_response_rate_is_under_half():
    payload = pilot_return()
    payload["evaluation"]["mentee_survey"].update(
        invited=48, responded=20, satisfaction={"1": 0, "2": 2, "3": 6, "4": 8, "5": 4})
    found = value("mentee_satisfaction", payload)  # 20 / 48 = 42 % < 50 %
    assert found.value is None
    assert found.missing_reason == "survey_response_below_50_percent"


def test_a_reason_code_makes_the_indicator_missing_and_is_kept():
    payload = pilot_return()
    payload["activity"]["contact_hours"] = "not_collected"
    payload["activity"]["mentors_over_cap"] = "not_applicable"
    assert value("contact_hours_per_mentee", payload).missing_reason == "not_collected"
    assert value("mentors_over_cap", payload).missing_reason == "not_applicable"


def test_a_count_rate_with_a_zero_denominator_keeps_its_numerator():
    # the pilot programme started in the period: no pairs active at its start, 7 endings
    found = value("relationship_attrition", pilot_return())
    assert (found.numerator, found.denominator, found.missing_reason) == (7.0, 0.0, None)
    assert found.value is None  # 7 / 0 has no value of its own


def test_a_quantity_rate_with_a_zero_denominator_keeps_its_numerator():
    payload = pilot_return()
    payload["capacity"]["enrolled_mentees"] = 0
    found = value("contact_hours_per_mentee", payload)
    assert found.missing_reason is None and found.denominator == 0.0
    assert found.numerator == payload["activity"]["contact_hours"]


def test_a_proportion_with_a_zero_denominator_is_not_applicable():
    payload = pilot_return()
    payload["activity"]["rematch_requests"] = 0
    payload["activity"]["rematch_resolved_30d"] = 0
    assert value("rematch_timeliness", payload).missing_reason == "zero_denominator"


@pytest.mark.parametrize("indicator", [i for i in CATALOGUE if i.source == "return"],
                         ids=lambda i: i.code)
def test_the_vectorised_extraction_follows_each_zero_denominator_rule(indicator):
    payload = pilot_return()
    for path in indicator.denominator if isinstance(indicator.denominator, tuple) else ():
        *parents, leaf = path.split("=")[0].split("!=")[0].split(".")
        target = payload
        for name in parents:
            target = target.get(name) or {}
        if isinstance(target.get(leaf), int | float) and not isinstance(target[leaf], bool):
            target[leaf] = 0
    single = indicator_value(indicator, payload)
    num, den, why = value_matrix([payload], [indicator])
    if single.missing_reason is None:
        assert (num[0, 0], den[0, 0], why[0, 0]) == (single.numerator, single.denominator, 0)
    else:
        assert REASONS[why[0, 0]] == single.missing_reason


def test_an_area_not_asked_about_is_not_reported():
    payload = pilot_return()
    assert value("perceived_improvement.research", payload).value == pytest.approx(22 / 36)
    assert value("perceived_improvement.wellbeing", payload).missing_reason == "not_reported"


def test_the_array_reader_agrees_with_the_single_return_reader():
    rng = random.Random(7)
    payloads = [synthetic_return(rng, "KP-MED-PUB-001", "2025", f"P{k}", level,
                                 quality="poor" if k % 3 == 0 else "good")
                for k, level in enumerate(["undergraduate", "postgraduate", "faculty"] * 8)]
    indicators = [i for i in CATALOGUE if i.source == "return"]
    numerators, denominators, reasons = value_matrix(payloads, indicators)
    for row, payload in enumerate(payloads):
        for column, indicator in enumerate(indicators):
            found = indicator_value(indicator, payload)
            assert REASONS[reasons[row, column]] == (found.missing_reason or "")
            if found.missing_reason is None:
                assert numerators[row, column] == found.numerator
                assert denominators[row, column] == found.denominator
            else:
                assert np.isnan(numerators[row, column])


def test_the_catalogue_is_served_by_the_api(client):
    response = client.get("/api/v1/indicators")
    assert response.status_code == 200
    assert {i["code"] for i in response.json} == set(DESIGN_INDICATORS)
    satisfaction = next(i for i in response.json if i["code"] == "mentor_satisfaction")
    assert satisfaction["withheld_when"].endswith("< 50%")


def test_the_catalogue_page_lists_every_indicator(client):
    page = client.get("/indicators").get_data(as_text=True)
    for indicator in CATALOGUE:
        assert f'id="{indicator.code}"' in page


V1_INDICATORS = [i for i in CATALOGUE if "1.0" in i.standard_versions]


def _same_programme_in_both_versions() -> tuple[dict, dict]:
    from schemas.cohort_examples import as_version_1_1, synthetic_cohorts

    v1_0 = synthetic_return(random.Random(11), "PB-MED-001", "2025-26", "UG-1", "undergraduate")
    v1_1 = as_version_1_1(v1_0, synthetic_cohorts(random.Random(12), "2025-26", 80))
    return v1_0, v1_1


def test_a_v1_0_and_a_v1_1_return_give_the_same_v1_indicators():
    v1_0, v1_1 = _same_programme_in_both_versions()
    for indicator in V1_INDICATORS:
        assert indicator_value(indicator, v1_0) == indicator_value(indicator, v1_1), indicator.code
    first, second = value_matrix([v1_0], V1_INDICATORS), value_matrix([v1_1], V1_INDICATORS)
    for one, other in zip(first, second, strict=True):
        np.testing.assert_array_equal(one, other)


def test_cohort_indicators_name_version_1_1_only():
    cohort = [i for i in CATALOGUE if i.family == "cohort_outcomes"]
    assert len(cohort) == 6
    assert all(i.standard_versions == ("1.1",) for i in cohort)
    assert {e["code"]: e["standard_versions"] for e in catalogue_data()}["coverage"] == [
        "1.0", "1.1"]


def test_cohort_indicators_of_a_v1_0_return_are_not_collected():
    v1_0, _ = _same_programme_in_both_versions()
    assert value("cohort_retention_1y", v1_0).missing_reason == "not_collected"


def test_cohort_indicators_read_the_v1_1_cohorts():
    _, v1_1 = _same_programme_in_both_versions()
    year_1 = v1_1["cohort_follow_up"]["cohorts"][1]  # intake 2024-25
    found = value("cohort_retention_1y", v1_1)
    assert (found.numerator, found.denominator) == (
        year_1["still_in_training"] + year_1["completed"], year_1["at_start"])
    cohorts = v1_1["cohort_follow_up"]["cohorts"]
    passed = value("exam_pass_rate", v1_1)
    assert (passed.numerator, passed.denominator) == (
        sum(c["exam"]["passed"] for c in cohorts), sum(c["exam"]["sat"] for c in cohorts))


def test_cohort_indicators_agree_between_the_single_and_the_matrix_reading():
    _, v1_1 = _same_programme_in_both_versions()
    cohort = [i for i in CATALOGUE if i.family == "cohort_outcomes"]
    numerators, denominators, _ = value_matrix([v1_1], cohort)
    for j, indicator in enumerate(cohort):
        found = indicator_value(indicator, v1_1)
        assert (numerators[0, j], denominators[0, j]) == (found.numerator, found.denominator)
