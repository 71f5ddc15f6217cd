"""The data dictionary: one row per leaf field, derived from the schema and rule table."""

from __future__ import annotations

from schemas.codes import Incentive
from schemas.dictionary import data_dictionary
from schemas.jsonschema import return_json_schema

KINDS = {"count", "number", "boolean", "code", "code list", "date", "text"}


def _json_schema_leaves(node: dict, path: str = "") -> list[str]:
    if node.get("type") != "object":
        return [path]
    return [
        leaf
        for name, child in node["properties"].items()
        for leaf in _json_schema_leaves(child, f"{path}.{name}" if path else name)
    ]


def _row(path: str) -> dict:
    return next(row for row in data_dictionary() if row["path"] == path)


def test_one_row_per_leaf_field_of_the_published_schema():
    paths = [row["path"] for row in data_dictionary()]
    assert paths == _json_schema_leaves(return_json_schema())
    assert len(paths) == len(set(paths))


def test_rows_have_the_published_columns_and_known_types():
    for row in data_dictionary():
        assert set(row) >= {"path", "section", "type", "required", "codes", "rules", "guidance"}
        assert row["type"] in KINDS
        assert row["section"] == row["path"].split(".")[0]


def test_every_field_has_real_guidance():
    guidance = [row["guidance"] for row in data_dictionary()]
    assert all(len(text) >= 20 for text in guidance)


def test_coded_fields_list_codes_with_labels_from_the_coding_frame():
    assert _row("governance.mentor_incentives")["codes"] == Incentive.choices()
    assert _row("capacity.enrolled_mentees")["codes"] == []


def test_field_rules_include_the_cross_field_rules_that_read_it():
    rules = _row("capacity.eligible_mentees")["rules"]
    rule = "capacity.enrolled_mentees must not exceed capacity.eligible_mentees"
    assert any(rule in text for text in rules)


def test_optional_sections_and_areas_are_not_required():
    assert _row("outcomes.mentee_research_outputs")["required"] is False
    assert _row("evaluation.perceived_improvement.research.asked")["required"] is False
    assert _row("activity.meetings_held.online")["required"] is True


def test_types_follow_the_field_kinds():
    assert _row("capacity.training_hours")["type"] == "number"
    assert _row("programme.disciplines")["type"] == "code list"
    assert _row("programme.start_date")["type"] == "date"
    assert _row("governance.written_policy")["type"] == "boolean"
