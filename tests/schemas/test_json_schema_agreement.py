"""JSON Schema and marshmallow agree on structure; only the x-rules separate them."""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from schemas import ReturnValidationError, validate_return
from schemas.codes import Discipline, Incentive, Level
from schemas.examples import pilot_return, synthetic_return
from schemas.jsonschema import RULES_KEYWORD, return_json_schema
from schemas.paths import get_path, set_path
from schemas.rules import RETURN_RULES, rule_errors

SCHEMA = return_json_schema()
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
BASES = (
    pilot_return(),
    synthetic_return(random.Random(7), "PB-MED-001", "2025", "UG-1", "undergraduate"),
    synthetic_return(random.Random(8), "BL-DEN-004", "2024-25", "FAC", "faculty", quality="poor"),
)


def _annotated_rule_ids(node: dict) -> Iterator[str]:
    for rule in node.get(RULES_KEYWORD, []):
        yield rule["id"]
    for child in node.get("properties", {}).values():
        yield from _annotated_rule_ids(child)


ANNOTATED = set(_annotated_rule_ids(SCHEMA))
RULES_BY_SUBJECT = {rule.subject: rule for rule in RETURN_RULES}


def _marshmallow_errors(payload: object) -> dict[str, list[str]]:
    try:
        validate_return(payload)
    except ReturnValidationError as error:
        return error.errors
    return {}


def assert_agree(payload: object) -> None:
    """Assert both validators agree on structure, and rule-only failures are annotated."""
    errors = _marshmallow_errors(payload)
    if VALIDATOR.is_valid(payload):
        expected = rule_errors(payload)
        assert {path: len(messages) for path, messages in errors.items()} == {
            path: len(messages) for path, messages in expected.items()
        }
        assert all(RULES_BY_SUBJECT[path].id in ANNOTATED for path in errors)
    else:
        expected = rule_errors(payload) if isinstance(payload, dict) else {}
        structural = [
            message
            for path, messages in errors.items()
            for message in messages
            if message not in expected.get(path, [])
        ]
        assert structural, "JSON Schema rejects a payload that marshmallow finds well formed"


def _mutation(path: str, value: object) -> Callable[[dict], None]:
    return lambda payload: set_path(payload, path, value)


def _drop(path: str) -> Callable[[dict], None]:
    def drop(payload: dict) -> None:
        parent, _, name = path.rpartition(".")
        del (get_path(payload, parent) if parent else payload)[name]

    return drop


EDGE_CASES = {
    "valid": lambda payload: None,
    "count zero": _mutation("capacity.training_sessions", 0),
    "count whole float": _mutation("capacity.training_sessions", 3.0),
    "count fraction": _mutation("capacity.training_sessions", 3.5),
    "count negative": _mutation("capacity.training_sessions", -1),
    "count negative zero": _mutation("capacity.training_sessions", -0.0),
    "count huge": _mutation("capacity.training_sessions", 10**30),
    "count null": _mutation("capacity.training_sessions", None),
    "count bool": _mutation("capacity.training_sessions", True),
    "count numeric string": _mutation("capacity.training_sessions", "4"),
    "count reason code": _mutation("capacity.training_sessions", "not_applicable"),
    "count wrong reason code": _mutation("capacity.training_sessions", "unknown"),
    "number decimal": _mutation("capacity.training_hours", 0.25),
    "number negative": _mutation("capacity.training_hours", -0.25),
    "number reason code": _mutation("capacity.training_hours", "not_collected"),
    "boolean as string": _mutation("governance.written_policy", "true"),
    "boolean as int": _mutation("governance.written_policy", 1),
    "code unknown": _mutation("programme.level", "residency"),
    "code wrong case": _mutation("programme.level", "Postgraduate"),
    "code list empty": _mutation("programme.disciplines", []),
    "code list duplicate": _mutation("programme.disciplines", ["medicine", "medicine"]),
    "code list not a list": _mutation("programme.disciplines", "medicine"),
    "incentive none alone": _mutation("governance.mentor_incentives", ["none"]),
    "incentive none with another": _mutation("governance.mentor_incentives", ["none", "financial"]),
    "incentives empty": _mutation("governance.mentor_incentives", []),
    "barriers empty": _mutation("evaluation.barriers", []),
    "date impossible": _mutation("programme.start_date", "2021-02-29"),
    "date basic format": _mutation("programme.start_date", "20210201"),
    "date with time": _mutation("programme.start_date", "2021-02-01T00:00"),
    "name empty": _mutation("programme.name", ""),
    "name too long": _mutation("programme.name", "x" * 201),
    "code pattern lower case": _mutation("header.programme_code", "pg-peer"),
    "version unknown": _mutation("header.schema_version", "2.0"),
    "version missing": _drop("header.schema_version"),
    "header missing": _drop("header"),
    "section missing": _drop("activity"),
    "section not an object": _mutation("activity", []),
    "outcomes given": _mutation(
        "outcomes", {"mentee_research_outputs": 1, "mentees_in_research_projects": 2}
    ),
    "outcomes empty": _mutation("outcomes", {}),
    "outcomes null": _mutation("outcomes", None),
    "improvement area added": _mutation(
        "evaluation.perceived_improvement.wellbeing", {"asked": 3, "improved": 1}
    ),
    "improvement area unknown": _mutation(
        "evaluation.perceived_improvement.sleep", {"asked": 3, "improved": 1}
    ),
    "improvement empty": _mutation("evaluation.perceived_improvement", {}),
    "likert point unknown": _mutation("evaluation.mentee_survey.satisfaction.6", 0),
    "likert point dropped": _drop("evaluation.mentee_survey.satisfaction.3"),
    "unknown top-level field": _mutation("notes", "x"),
    "unknown nested field": _mutation("activity.meetings_held.phone", 1),
    "needs responded above invited": _mutation("needs_assessment.responded", 60),
    "trust above respondents": _mutation("evaluation.mentee_confidentiality_trust", 99),
    "disengaged above enrolled": _mutation("activity.mentees_disengaged", 999),
}


@pytest.mark.parametrize("mutate", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_validators_agree_on_hand_made_edge_cases(mutate):
    payload = pilot_return()
    mutate(payload)
    assert_agree(payload)


@pytest.mark.parametrize("payload", [[], "x", None, 1, {}])
def test_validators_agree_on_non_returns(payload):
    assert_agree(payload)


@pytest.mark.parametrize("rule", RETURN_RULES, ids=lambda rule: rule.id)
def test_rule_only_breaks_pass_json_schema_and_fail_marshmallow(rule):
    payload = pilot_return()
    if get_path(payload, rule.whole) is None:
        set_path(payload, rule.whole, 5)
    set_path(payload, rule.parts[0], 1_000)
    for part in rule.parts[1:]:
        set_path(payload, part, 0)
    assert VALIDATOR.is_valid(payload)
    assert rule.subject in _marshmallow_errors(payload)
    assert rule.id in ANNOTATED


# ---------------------------------------------------------------- generated payloads

_CODE_STRINGS = [
    *Level.codes(),
    *Discipline.codes()[:3],
    *Incentive.codes(),
    "not_collected",
    "not_applicable",
    "",
    "1.0",
    "2025-01-31",
    "2025-02-30",
    "PB-MED-001",
    "pb-med-001",
]
_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\n"), max_size=8)
_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 2_000),
    st.floats(-5, 1e6, allow_nan=False, allow_infinity=False),
    st.sampled_from(_CODE_STRINGS),
    _TEXT,
    st.lists(st.sampled_from(["medicine", "none", "financial", "x", 1]), max_size=3),
    st.builds(dict),  # a fresh {} each draw: a later "add" mutates it in place
)
_UNKNOWN_KEYS = st.sampled_from(["extra", "6", "Research", "notes", "in_person"])


def _paths(node: object, prefix: tuple = ()) -> Iterator[tuple]:
    yield prefix
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _paths(child, (*prefix, index))


def _parent(payload: object, path: tuple) -> object:
    for step in path[:-1]:
        payload = payload[step]
    return payload


@st.composite
def mutated_returns(draw: st.DrawFn) -> object:
    payload: object = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(_paths(payload))))
        operation = draw(st.sampled_from(["drop", "add", "replace", "negate", "bump", "code"]))
        payload = _apply(draw, payload, path, operation)
    return payload


def _apply(draw: st.DrawFn, payload: object, path: tuple, operation: str) -> object:
    if not path:
        return draw(_VALUES) if operation == "replace" else payload
    parent, key = _parent(payload, path), path[-1]
    current = parent[key]
    if operation == "drop":
        del parent[key]
    elif operation == "add" and isinstance(current, dict):
        current[draw(_UNKNOWN_KEYS)] = draw(_VALUES)
    elif operation == "negate" and isinstance(current, int | float):
        parent[key] = -abs(current) - 1
    elif operation == "bump" and isinstance(current, int) and not isinstance(current, bool):
        parent[key] = current + draw(st.integers(1, 200))
    elif operation == "code":
        parent[key] = draw(st.sampled_from(_CODE_STRINGS))
    elif operation == "replace":
        parent[key] = draw(_VALUES)
    return payload


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_returns())
def test_validators_agree_on_generated_mutations(payload):
    assert_agree(payload)
