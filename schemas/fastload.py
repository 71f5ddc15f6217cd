"""A quicker load of returns that are valid, with marshmallow still the standard.

Every API submission loads a return through the marshmallow schema, and most returns
are valid. marshmallow's generic machinery (error stores, per-field closures, hook
lookups) costs several times the checks themselves, so `fast_load` walks the same
schema's fields directly: it calls each field's public `deserialize` (the same code
marshmallow runs for the field) and the same rule table, and applies what marshmallow adds
around them (required, null, unknown keys), using marshmallow's public API only. It only
ever answers "valid, and this is the loaded data" or "not sure": at the first problem it
returns None and the caller runs marshmallow, which then finds every error and words
every message. A schema using a feature this walk does not reproduce (hooks, validators,
defaults, data keys, partial or non-raising unknown handling) gets no plan, so marshmallow
loads it every time. A hook is a method: a schema class that defines any method besides
the rule check (or a section that defines any) is taken to have one.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, missing

from schemas.fields import Section, StandardField
from schemas.rules import rule_errors


@dataclass(frozen=True)
class Plan:
    """One schema's load fields in marshmallow's order; a Section holds its own plan."""

    names: frozenset[str]
    fields: tuple[tuple[str, fields.Field, Plan | None], ...]


def fast_load(plan: Plan, data: Any) -> dict | None:
    """The data marshmallow would load from a valid return, or None to let it decide."""
    loaded = _load(plan, data)
    if loaded is None or rule_errors(loaded):
        return None
    return loaded


def _load(plan: Plan, data: Any) -> dict | None:
    if type(data) is not dict or not data.keys() <= plan.names:
        return None  # not an object, or an unknown key: marshmallow words the error
    loaded = {}
    for name, field, nested in plan.fields:
        value = data.get(name, missing)
        if value is missing:
            if field.required:
                return None
            continue
        if value is None:
            return None
        if nested is not None:
            value = _load(nested, value)
            if value is None:
                return None
        else:
            try:
                value = field.deserialize(value, name, data)
            except ValidationError:
                return None
        loaded[name] = value
    return loaded


def plan_for(schema: Schema, rules_validator: str) -> Plan | None:
    """The walk for a return schema whose only hook is the rule-table check, else None."""
    if _own_methods(schema) != {rules_validator}:
        return None
    return _plan(schema)


def _plan(schema: Schema) -> Plan | None:
    if not _plain_schema(schema):
        return None
    steps = []
    for name, field in schema.load_fields.items():
        if not _plain_field(name, field):
            return None
        nested = None
        if isinstance(field, Section):
            nested = _plan(field.schema) if not _own_methods(field.schema) else None
            if nested is None:
                return None
        elif not isinstance(field, StandardField):
            return None
        steps.append((name, field, nested))
    return Plan(frozenset(name for name, _, _ in steps), tuple(steps))


def _own_methods(schema: Schema) -> set[str]:
    """Names of the methods the schema's classes define beyond marshmallow's Schema."""
    own = [cls for cls in type(schema).__mro__ if cls not in Schema.__mro__]
    return {name for cls in own for name, value in vars(cls).items()
            if not name.startswith("__") and not isinstance(value, fields.Field)
            and (inspect.isfunction(value) or isinstance(value, classmethod | staticmethod))}


def _plain_schema(schema: Schema) -> bool:
    """Loads with marshmallow's defaults: one object, every field, unknown keys refused."""
    return (schema.unknown == RAISE and not schema.partial and not schema.many
            and not schema.dump_only and not schema.load_only)


def _plain_field(name: str, field: fields.Field) -> bool:
    """A field marshmallow loads as value -> deserialize(value), with nothing around it."""
    plain = ("." not in name and field.data_key is None and field.attribute is None
             and not field.validators and not field.allow_none
             and field.load_default is missing and not field.pre_load and not field.post_load)
    if isinstance(field, fields.Nested):
        return plain and not (field.many or field.only or field.exclude
                              or field.unknown is not None)
    return plain
