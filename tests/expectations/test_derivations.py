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
