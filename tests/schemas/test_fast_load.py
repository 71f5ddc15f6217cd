"""The fast load agrees with marshmallow: the same returns accepted, the same data loaded."""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from marshmallow import Schema, ValidationError, fields, validates, validates_schema

from schemas import ReturnValidationError, validate_return
from schemas.fastload import fast_load, plan_for
from schemas.fields import Count, Section
from schemas.v1 import ReturnSchema
from tests.schemas.test_json_schema_agreement import BASES, EDGE_CASES, mutated_returns

SCHEMA = ReturnSchema()
PLAN = plan_for(SCHEMA, "check_rules")


def marshmallow_load(payload: object) -> dict | None:
    try:
        return SCHEMA.load(payload)
    except ValidationError:
        return None


def assert_same_as_marshmallow(payload: object) -> None:
    """Accepted by both with equal data, or refused by both (the fast load says None)."""
    expected = marshmallow_load(copy.deepcopy(payload))
    assert fast_load(PLAN, payload) == expected


def test_the_return_schema_has_a_fast_plan():
    assert PLAN is not None


@pytest.mark.parametrize("payload", BASES, ids=["pilot", "synthetic", "synthetic poor"])
def test_valid_returns_load_fast_to_marshmallows_data(payload, sample_returns):
    assert fast_load(PLAN, payload) is not None
    assert_same_as_marshmallow(payload)
    for sample in sample_returns:
        assert fast_load(PLAN, sample) == SCHEMA.load(sample)


@pytest.mark.parametrize("mutate", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_fast_load_agrees_on_hand_made_edge_cases(mutate, pilot):
    mutate(pilot)
    assert_same_as_marshmallow(pilot)


@pytest.mark.parametrize("payload", [[], "x", None, 1, {}, {"header": None}])
def test_fast_load_refuses_non_returns(payload):
    assert_same_as_marshmallow(payload)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_returns())
def test_fast_load_agrees_on_generated_mutations(payload):
    assert_same_as_marshmallow(payload)


def test_invalid_returns_still_get_marshmallows_messages(pilot):
    pilot["capacity"]["enrolled_mentees"] = -1
    pilot["activity"]["notes"] = "x"
    with pytest.raises(ReturnValidationError) as caught:
        validate_return(pilot)
    assert caught.value.errors == {
        "capacity.enrolled_mentees": ["Must be 0 or more."],
        "activity.notes": ["Unknown field."],
    }


class _Counts(Schema):
    a = Count(label="A", guidance="a")


def _with(**declared) -> type[Schema]:
    """A schema shaped like the return's (leaf fields, a section, the rule check)."""
    return type("Probe", (Schema,), {
        "a": Count(label="A", guidance="a"), "s": Section(_Counts, label="S", guidance="s"),
        "check_rules": validates_schema(lambda self, data, **kwargs: None), **declared})


def test_a_schema_shaped_like_the_returns_gets_a_plan():
    assert plan_for(_with()(), "check_rules") is not None


@pytest.mark.parametrize("schema", [
    _with(b=Count(label="B", guidance="b", validate=lambda v: v < 5)),
    _with(b=Count(label="B", guidance="b", data_key="B")),
    _with(b=Count(label="B", guidance="b", required=False, load_default=0)),
    _with(b=Count(label="B", guidance="b", allow_none=True)),
    _with(b=fields.Integer()),
    _with(b=Section(_Counts, label="B", guidance="b", unknown="exclude")),
    _with(check=validates("a")(lambda self, value, **kwargs: None)),
    _with(other=validates_schema(lambda self, data, **kwargs: None)),
], ids=["validator", "data key", "default", "allow none", "plain field", "nested unknown",
        "field hook", "other schema hook"])
def test_schemas_using_what_the_walk_does_not_do_get_no_plan(schema):
    assert plan_for(schema(), "check_rules") is None
