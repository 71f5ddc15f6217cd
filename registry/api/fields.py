"""Response fields whose OpenAPI schema is a named component, so generators make one type.

A field marked with `component(...)` documents itself as a `$ref` to that component
(nullable when the field allows None) instead of an inline copy: the status values, say,
become one `ReturnStatus` enum in a generated client rather than one enum per model.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from expectations import KINDS, SEVERITIES
from registry.models import IssueStatus, ReturnStatus

COMPONENT_KEY = "x-component"

ENUMS: dict[str, tuple[str, ...]] = {
    "ReturnStatus": tuple(status.value for status in ReturnStatus),
    "IssueStatus": tuple(status.value for status in IssueStatus),
    "Severity": SEVERITIES,
    "RuleKind": KINDS,
}
"""The enums shared by several response schemas, each one component."""


def component(name: str, **metadata: Any) -> dict:
    """Field metadata documenting the field as a reference to the component `name`."""
    return {COMPONENT_KEY: name, **metadata}


def enum_string(name: str, **kwargs: Any) -> fields.String:
    """A string field whose values are those of the shared enum `name` (of ENUMS)."""
    if name not in ENUMS:
        raise KeyError(f"no shared enum {name!r}")
    return fields.String(metadata=component(name, **kwargs.pop("metadata", {})), **kwargs)


def component_reference(converter: Any, field: fields.Field, ret: dict, **kwargs: Any) -> dict:
    """apispec attribute function (bound to its converter): document a marked field as a
    reference to its component, replacing what the other functions found."""
    name = field.metadata.get(COMPONENT_KEY)
    if name is None:
        return {}
    description = ret.get("description")
    ret.clear()
    reference: dict[str, Any] = {"$ref": f"#/components/schemas/{name}"}
    if field.allow_none:
        reference = {"anyOf": [reference, {"type": "null"}]}
    if description:
        reference["description"] = description
    return reference


def enum_components() -> dict[str, dict]:
    """The OpenAPI schema of each shared enum."""
    return {name: {"type": "string", "enum": list(values)} for name, values in ENUMS.items()}
