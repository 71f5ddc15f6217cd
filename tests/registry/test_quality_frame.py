"""The quality frame: one row per return, every column computed by the rules' own code."""

from __future__ import annotations

import math

from expectations import ONE_RETURN_KINDS, load_rules
from expectations.engine import row_columns
from registry.services.quality.quality_frame import build_frame, rule_paths
from schemas.examples import pilot_return


def record(version_id: int, payload: dict, **ids) -> dict:
    return {"version_id": version_id, "institution_id": 1, "programme_id": version_id,
            "programme_code": f"P{version_id}", **ids, "payload": payload}


def test_a_period_without_returns_builds_an_empty_frame_with_every_column():
    frame = build_frame([], [], load_rules())
    assert frame.empty
    for rule in load_rules():
        assert set(rule.columns) <= set(frame.columns)


def test_a_frame_row_holds_the_one_return_columns_the_engine_computes():
    payload = pilot_return()
    payload["activity"]["contact_hours"] = "not_collected"
    frame = build_frame([record(7, payload)], [], load_rules())
    engine = row_columns([r for r in load_rules() if r.kind in ONE_RETURN_KINDS], payload)
    row = frame.loc[7].to_dict()
    for name, value in engine.items():
        if value is None:
            assert row[name] is None or math.isnan(row[name]), name
        else:
            assert row[name] == value, name


def test_the_previous_period_row_of_the_same_programme_is_compared():
    before, now = pilot_return(), pilot_return()
    now["capacity"].update(enrolled_mentees=100, eligible_mentees=120)
    frame = build_frame([record(2, now, programme_id=5)], [record(1, before, programme_id=5)],
                        load_rules())
    assert frame.loc[2, "enrolled_mentees_previous"] == 48
    assert frame.loc[2, "enrolled_mentees_change"] == (100 - 48) / 48


def test_the_pipeline_extracts_every_path_a_rule_reads():
    paths = rule_paths(load_rules())
    assert "capacity.enrolled_mentees" in paths and "programme.level" in paths
    assert "evaluation.mentor_survey.satisfaction.5" in paths
    assert "activity.meetings_held.group" in paths
