"""Validate a return against the schema of the version it declares."""

from __future__ import annotations

from functools import cache
from typing import Any

from marshmallow import Schema, ValidationError

from schemas.codes import SchemaVersion
from schemas.fastload import Plan, fast_load, plan_for
from schemas.v1 import ReturnSchema
from schemas.v1_1 import ReturnSchemaV11
from schemas.walk import join_path

SCHEMA_VERSION = SchemaVersion.V1_0.value
LATEST_VERSION = SchemaVersion.V1_1.value
SCHEMAS_BY_VERSION: dict[str, type[Schema]] = {
    SCHEMA_VERSION: ReturnSchema,
    LATEST_VERSION: ReturnSchemaV11,
}
SUPPORTED_VERSIONS: tuple[str, ...] = tuple(SCHEMAS_BY_VERSION)
VERSION_PATH = "header.schema_version"


class ReturnValidationError(Exception):
    """A return broke the standard; errors maps flat dotted paths to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        first = next(iter(errors.items()), ("", [""]))
        super().__init__(f"invalid return ({len(errors)} field(s)); {first[0]}: {first[1][0]}")


def validate_return(payload: Any) -> dict:
    """Validate a return payload and return the loaded (JSON-compatible) data.

    A valid return is loaded by the schema's fast walk; anything else (or a schema with
    no walk) goes through marshmallow, which words the errors.
    """
    if not isinstance(payload, dict):
        raise ReturnValidationError({"_schema": ["A return must be a JSON object."]})
    version = _declared_version(payload)
    schema = _schema_for(version)
    plan = _plan_instance(version)
    loaded = fast_load(plan, payload) if plan is not None else None
    if loaded is not None:
        return loaded
    try:
        return schema.load(payload)
    except ValidationError as error:
        raise ReturnValidationError(flatten_errors(error.messages)) from None


def _declared_version(payload: dict) -> object:
    header = payload.get("header")
    return header.get("schema_version") if isinstance(header, dict) else None


def _schema_for(version: object) -> Schema:
    if isinstance(version, str) and version in SCHEMAS_BY_VERSION:
        return _schema_instance(version)
    supported = ", ".join(SUPPORTED_VERSIONS)
    problem = "Missing schema version" if version is None else f"Unknown schema version {version!r}"
    raise ReturnValidationError({VERSION_PATH: [f"{problem}; supported versions: {supported}."]})


def schema_of_version(version: str) -> Schema:
    """Return the shared schema instance of a supported standard version (KeyError if none)."""
    return _schema_instance(version)


@cache
def _schema_instance(version: str) -> Schema:
    return SCHEMAS_BY_VERSION[version]()


@cache
def _plan_instance(version: str) -> Plan | None:
    """The fast walk, for 1.0 only: it checks the 1.0 rule table (1.1 goes to marshmallow)."""
    if version != SCHEMA_VERSION:
        return None
    return plan_for(_schema_instance(version), "check_rules")


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Flatten marshmallow's nested error messages to dotted path -> messages."""
    flat: dict[str, list[str]] = {}
    _collect(messages, prefix, flat)
    return flat


def _collect(messages: Any, path: str, flat: dict[str, list[str]]) -> None:
    if isinstance(messages, dict):
        for key, value in messages.items():
            child = path if key == "_schema" and path else join_path(path, str(key))
            _collect(value, child, flat)
    elif isinstance(messages, list | tuple):
        for message in messages:
            _collect(message, path, flat)
    else:
        flat.setdefault(path or "_schema", []).append(str(messages))
