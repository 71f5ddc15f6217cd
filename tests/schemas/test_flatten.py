"""The flat form of a return: dotted path -> scalar, and back."""

from __future__ import annotations

from schemas import flatten_return, unflatten_return


def test_flatten_gives_dotted_paths_and_joins_code_lists(pilot):
    flat = flatten_return(pilot)
    assert flat["activity.meetings_held.online"] == 31
    assert flat["evaluation.mentee_survey.satisfaction.4"] == 15
    assert flat["programme.disciplines"] == "medicine;paediatrics;pathology;radiology"
    assert all(not isinstance(value, dict | list) for value in flat.values())


def test_unflatten_inverts_flatten(sample_returns):
    for payload in sample_returns:
        assert unflatten_return(flatten_return(payload)) == payload


def test_unflatten_splits_code_lists_and_skips_empty_values():
    flat = {"programme.disciplines": "medicine; surgery", "evaluation.barriers": "", "x.y": None}
    payload = unflatten_return(flat)
    assert payload["programme"]["disciplines"] == ["medicine", "surgery"]
    assert payload["evaluation"]["barriers"] == []
    assert "x" not in payload


def test_unflatten_keeps_an_empty_improvement_object(pilot):
    pilot["evaluation"]["perceived_improvement"] = {}
    assert unflatten_return(flatten_return(pilot)) == pilot
