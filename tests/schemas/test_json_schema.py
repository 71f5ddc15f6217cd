"""The published JSON Schema is generated from the marshmallow schema and rule table."""

from __future__ import annotations

import json
from collections.abc import Iterator

from jsonschema import Draft202012Validator

from schemas import MISSING_CODES, ReturnSchema
from schemas.codes import Discipline, Level
from schemas.fields import Section
from schemas.jsonschema import RULES_KEYWORD, return_json_schema
from schemas.limits import MAX_COUNT
from schemas.rules import RETURN_RULES


def _objects(node: dict, path: str = "") -> Iterator[tuple[str, dict]]:
    """Yield every object schema with its dotted path."""
    if node.get("type") == "object":
        yield path, node
        for name, child in node["properties"].items():
            yield from _objects(child, f"{path}.{name}" if path else name)


def test_schema_is_a_valid_draft_2020_12_schema():
    schema = return_json_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"]
    assert "title" in schema


def test_every_call_returns_an_independent_copy():
    first = return_json_schema()
    first["properties"].clear()
    assert return_json_schema()["properties"]


def test_every_object_forbids_additional_properties():
    assert all(node["additionalProperties"] is False for _, node in _objects(return_json_schema()))


def test_properties_follow_the_marshmallow_fields_at_every_level():
    def check(schema, node):
        assert list(node["properties"]) == list(schema.fields)
        required = [name for name, field in schema.fields.items() if field.required]
        assert node["required"] == required
        for name, field in schema.fields.items():
            if isinstance(field, Section):
                check(field.schema, node["properties"][name])

    check(ReturnSchema(), return_json_schema())


def test_counts_are_whole_numbers_or_reason_codes():
    invited = return_json_schema()["properties"]["needs_assessment"]["properties"]["invited"]
    assert invited["oneOf"] == [
        {"type": "integer", "minimum": 0, "maximum": MAX_COUNT},
        {"$ref": "#/$defs/MissingCode"},
    ]


def test_the_reason_codes_are_defined_once():
    schema = return_json_schema()
    assert schema["$defs"]["MissingCode"]["enum"] == list(MISSING_CODES)
    assert '"enum": ["not_collected"' not in json.dumps(schema["properties"])


def test_coded_fields_take_their_enums_from_the_coding_frames():
    programme = return_json_schema()["properties"]["programme"]["properties"]
    assert programme["level"]["enum"] == list(Level.codes())
    assert programme["disciplines"]["items"]["enum"] == list(Discipline.codes())
    assert programme["level"]["x-labels"]["postgraduate"] == Level.POSTGRADUATE.label


def test_every_property_has_a_title_and_a_description():
    for _, node in _objects(return_json_schema()):
        for child in node["properties"].values():
            assert child["title"]
            assert len(child["description"]) > 10


def test_every_rule_is_annotated_once_on_the_object_holding_its_fields():
    annotated = {}
    for path, node in _objects(return_json_schema()):
        for rule in node.get(RULES_KEYWORD, []):
            annotated[rule["id"]] = path
    assert annotated == {rule.id: rule.anchor for rule in RETURN_RULES}


def test_survey_rules_sit_on_the_survey_object():
    survey = return_json_schema()["properties"]["evaluation"]["properties"]["mentee_survey"]
    ids = [rule["id"] for rule in survey[RULES_KEYWORD]]
    assert ids == [
        "evaluation.mentee_survey.responded <= evaluation.mentee_survey.invited",
        "sum(evaluation.mentee_survey.satisfaction) <= evaluation.mentee_survey.responded",
    ]
