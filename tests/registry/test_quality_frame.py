"""The quality frame's derived columns, computed with pandas before any expectation runs."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from expectations import load_rules, rules_by_id
from registry.services.quality_frame import (
    add_change,
    add_robust_z,
    add_straight_lining,
    build_frame,
    payload_figures,
)
from schemas.examples import pilot_return


def frame_of(**columns) -> pd.DataFrame:
    return pd.DataFrame(columns)


def test_robust_z_is_0_6745_times_distance_from_median_over_mad():
    values = [float(v) for v in range(1, 12)] + [100.0]
    frame = frame_of(level=["ug"] * 12, mentee_mentor_ratio=values)
    add_robust_z(frame, pd.DataFrame(), rules_by_id()["Q020"])
    median = 6.5
    mad = pd.Series([abs(v - median) for v in values]).median()
    assert frame["mentee_mentor_ratio_z"].iloc[-1] == pytest.approx(
        0.6745 * (100 - median) / mad)
    assert frame["mentee_mentor_ratio_median"].iloc[0] == median


def test_robust_z_needs_ten_returns_of_the_level():
    frame = frame_of(level=["ug"] * 9 + ["pg"] * 10,
                     mentee_mentor_ratio=[float(v) for v in range(19)])
    add_robust_z(frame, pd.DataFrame(), rules_by_id()["Q020"])
    assert frame["mentee_mentor_ratio_z"].iloc[:9].isna().all()
    assert frame["mentee_mentor_ratio_z"].iloc[9:].notna().all()


def test_robust_z_is_left_empty_when_mad_is_zero():
    frame = frame_of(level=["ug"] * 12, mentee_mentor_ratio=[2.0] * 11 + [9.0])
    add_robust_z(frame, pd.DataFrame(), rules_by_id()["Q020"])
    assert frame["mentee_mentor_ratio_z"].isna().all()


def test_change_is_relative_and_only_kept_when_large_in_people_too():
    frame = frame_of(programme_id=[1, 2, 3, 4], enrolled_mentees=[100.0, 25.0, 40.0, 9.0])
    previous = frame_of(programme_id=[1, 2, 3], enrolled_mentees=[48.0, 10.0, 0.0])
    add_change(frame, previous, rules_by_id()["Q010"])
    change = frame["enrolled_mentees_change"].tolist()
    assert change[0] == pytest.approx(52 / 48)
    assert all(math.isnan(value) for value in change[1:])
    assert frame["enrolled_mentees_previous"].tolist()[:3] == [48.0, 10.0, 0.0]


def test_straight_lining_needs_five_respondents_and_complete_ratings():
    ratings = {f"mentee_rated_{p}": [0.0, 0.0, float("nan")] for p in "1245"}
    ratings["mentee_rated_3"] = [5.0, 4.0, 7.0]
    frame = frame_of(**ratings)
    add_straight_lining(frame, pd.DataFrame(), rules_by_id()["Q005"])
    share = frame["mentee_modal_share"].tolist()
    assert share[0] == 1.0
    assert math.isnan(share[1]) and math.isnan(share[2])


def test_reason_codes_become_empty_figures_with_the_reason_kept():
    payload = pilot_return()
    payload["activity"]["contact_hours"] = "not_collected"
    payload["activity"]["meetings_held"]["online"] = "not_applicable"
    figures = payload_figures(payload)
    assert math.isnan(figures["contact_hours"]) and math.isnan(figures["meetings_held"])
    assert figures["contact_hours_reason"] == "not_collected"


def test_a_period_without_returns_builds_an_empty_frame_with_every_column():
    frame = build_frame([], [], load_rules())
    assert frame.empty
    for rule in load_rules():
        assert set(rule.columns) <= set(frame.columns)
