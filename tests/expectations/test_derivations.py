"""The named derivations: pure functions over one return (and its previous return, period)."""

from __future__ import annotations

import pytest

from expectations import rules_by_id
from expectations.derivations import (
    Context,
    PeriodPicture,
    return_columns,
    sparse_payload,
)
from schemas.examples import pilot_return


def derived(rule_id: str, columns=None, payload=None, previous=None, period=None) -> dict:
    rule = rules_by_id()[rule_id]
    return rule.derive(Context(columns or {}, payload or {}, previous, period))


def ratio_rows(level: str, values: list[float]) -> list[dict]:
    return [{"level": level, "mentee_mentor_ratio": value} for value in values]


def test_robust_z_is_0_6745_times_distance_from_median_over_mad():
    values = [float(v) for v in range(1, 12)] + [100.0]
    period = PeriodPicture(ratio_rows("ug", values), [])
    found = derived("Q020", {"level": "ug", "mentee_mentor_ratio": 100.0}, period=period)
    median = 6.5
    mad = sorted(abs(v - median) for v in values)[5:7]
    assert found["mentee_mentor_ratio_median"] == median
    assert found["mentee_mentor_ratio_z"] == pytest.approx(0.6745 * (100 - median)
                                                           / (sum(mad) / 2))


def test_robust_z_needs_ten_returns_of_the_level():
    period = PeriodPicture(ratio_rows("ug", [float(v) for v in range(9)])
                           + ratio_rows("pg", [float(v) for v in range(10)]), [])
    assert derived("Q020", {"level": "ug", "mentee_mentor_ratio": 1.0},
                   period=period)["mentee_mentor_ratio_z"] is None
    assert derived("Q020", {"level": "pg", "mentee_mentor_ratio": 1.0},
                   period=period)["mentee_mentor_ratio_z"] is not None


def test_robust_z_is_left_empty_when_mad_is_zero():
    period = PeriodPicture(ratio_rows("ug", [2.0] * 11 + [9.0]), [])
    found = derived("Q020", {"level": "ug", "mentee_mentor_ratio": 9.0}, period=period)
    assert found["mentee_mentor_ratio_mad"] == 0 and found["mentee_mentor_ratio_z"] is None


def test_change_is_relative_and_only_kept_when_large_in_people_too():
    def change(now: float, before: float | None) -> float | None:
        previous = None if before is None else {"enrolled_mentees": before}
        return derived("Q010", {"enrolled_mentees": now}, previous=previous)[
            "enrolled_mentees_change"]

    assert change(100.0, 48.0) == pytest.approx(52 / 48)
    assert change(25.0, 10.0) is None  # 15 people: not more than 20
    assert change(40.0, 0.0) is None  # no relative change from nothing
    assert change(9.0, None) is None


def test_straight_lining_needs_five_respondents_and_complete_ratings():
    def share(ratings: dict) -> float | None:
        payload = {"evaluation": {"mentee_survey": {"satisfaction": ratings}}}
        return derived("Q005", payload=payload)["mentee_modal_share"]

    assert share({"1": 0, "2": 0, "3": 5, "4": 0, "5": 0}) == 1.0
    assert share({"1": 0, "2": 0, "3": 4, "4": 0, "5": 0}) is None
    assert share({"1": 0, "2": 0, "3": 7, "4": 0, "5": "not_collected"}) is None


def test_missing_programmes_are_those_of_the_previous_period_only():
    period = PeriodPicture([{"institution_id": 1, "programme_code": "A"}],
                           [{"institution_id": 1, "programme_code": code} for code in "ABC"])
    found = derived("Q030", {"institution_id": 1}, period=period)
    assert found == {"missing_programme_codes": "B;C", "programmes_missing": 2}


def test_reason_codes_become_empty_figures_with_the_reason_kept():
    payload = pilot_return()
    payload["activity"]["contact_hours"] = "not_collected"
    payload["activity"]["meetings_held"]["online"] = "not_applicable"
    columns = return_columns(payload)
    assert columns["contact_hours"] is None and columns["meetings_held"] is None
    assert columns["contact_hours_reason"] == "not_collected"


def test_a_return_read_back_from_text_values_gives_the_same_columns():
    payload = pilot_return()
    payload["activity"]["contact_hours"] = "not_collected"
    paths = {"programme.level": payload["programme"]["level"],
             "capacity.enrolled_mentees": "48", "capacity.active_mentors": "24",
             "activity.contact_hours": "not_collected"}
    sparse = sparse_payload(paths)
    for name in ("enrolled_mentees", "active_mentors", "contact_hours_reason", "level"):
        assert return_columns(sparse)[name] == return_columns(payload)[name]
    assert return_columns(sparse, ["mentee_mentor_ratio"])["mentee_mentor_ratio"] == 2.0


def _cohorts(*cohorts: dict) -> dict:
    return {"cohort_follow_up": {"cohorts": list(cohorts)}}


def _cohort(intake: str, **figures) -> dict:
    return {"intake_period": intake, "at_start": 40, "still_in_training": 30, "completed": 5,
            "left": {"withdrew": 5, "other": 0}, **figures}


def cohort_derived(rule_id: str, now: dict, before: dict | None) -> dict:
    rule = rules_by_id()[rule_id]
    return rule.derive(Context({}, now, None, None, before))


def test_cohort_rules_compare_only_the_cohorts_reported_in_both_returns():
    now = _cohorts(_cohort("2023", at_start=41), _cohort("2024", at_start=38), _cohort("2025"))
    before = _cohorts(_cohort("2022", at_start=10), _cohort("2023"), _cohort("2024"))
    found = cohort_derived("Q013", now, before)
    assert found == {"cohort_start_changed": 2,
                     "cohort_start_changes": "2023: 40 → 41; 2024: 40 → 38"}


def test_cohort_rules_are_empty_without_a_cohort_in_both_or_a_comparable_figure():
    now = _cohorts(_cohort("2024"))
    assert cohort_derived("Q013", now, None)["cohort_start_changed"] is None
    assert cohort_derived("Q013", now, _cohorts(_cohort("2023")))["cohort_start_changed"] is None
    assert cohort_derived("Q015", now, _cohorts(_cohort("2024", left="not_collected")))[
        "cohort_left_fell"] is None
    assert cohort_derived("Q013", now, _cohorts(_cohort("2024")))["cohort_start_changed"] == 0


@pytest.mark.parametrize(("rule_id", "column", "now", "before", "moved"), [
    ("Q014", "cohort_completed_fell", {"completed": 4}, {"completed": 5}, 1),
    ("Q014", "cohort_completed_fell", {"completed": 6}, {"completed": 5}, 0),
    ("Q015", "cohort_left_fell", {"left": {"withdrew": 3, "other": 1}}, {}, 1),
    ("Q015", "cohort_left_fell", {"left": {"withdrew": 5, "other": 1}}, {}, 0),
    ("Q016", "cohort_in_training_grew", {"still_in_training": 31}, {}, 1),
    ("Q016", "cohort_in_training_grew", {"still_in_training": 29}, {}, 0),
])
def test_each_cohort_check_flags_its_direction_only(rule_id, column, now, before, moved):
    found = cohort_derived(rule_id, _cohorts(_cohort("2024", **now)),
                           _cohorts(_cohort("2024", **before)))
    assert found[column] == moved


def test_a_cohort_list_extracted_as_json_text_reads_as_the_list():
    payload = sparse_payload({"cohort_follow_up.cohorts": '[{"intake_period": "2024"}]',
                              "activity.contact_hours": "not_collected"})
    assert payload["cohort_follow_up"]["cohorts"] == [{"intake_period": "2024"}]
    assert payload["activity"]["contact_hours"] == "not_collected"
