"""Flat (dotted path -> scalar) form of a return, used by the tabular formats."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemas.paths import set_path
from schemas.walk import (
    current_schema,
    flat_leaves,
    join_path,
    optional_sections,
    return_leaves,
    skeleton,
)

LIST_SEPARATOR = ";"


def flatten_return(payload: Mapping[str, Any]) -> dict[str, object]:
    """Flatten a return to dotted path -> scalar, joining code lists as "a;b" and numbering
    the entries of a list of objects from 0 (cohort_follow_up.cohorts.0.at_start)."""
    flat: dict[str, object] = {}
    _flatten_into(payload, "", flat)
    return flat


def _flatten_into(value: Any, path: str, flat: dict[str, object]) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            _flatten_into(child, join_path(path, str(key)), flat)
    elif isinstance(value, list | tuple) and value and all(isinstance(v, Mapping) for v in value):
        for index, item in enumerate(value):
            _flatten_into(item, join_path(path, str(index)), flat)
    elif isinstance(value, list | tuple):
        flat[path] = LIST_SEPARATOR.join(str(item) for item in value)
    else:
        flat[path] = value


def split_codes(text: str) -> list[str]:
    """Split "a; b" into ["a", "b"], dropping empty pieces."""
    return [piece.strip() for piece in text.split(LIST_SEPARATOR) if piece.strip()]


def unflatten_return(flat: Mapping[str, object], version: str | None = None) -> dict:
    """Rebuild a nested return from its flat form; None values count as absent.

    With a version, its flat layout is read: a list's numbered entries become the list (in
    their order, empty entries left out), and an optional section or list holding nothing
    but empty values is left out, as if not given.
    """
    if version is None:
        schema, leaves = current_schema(), return_leaves()
    else:
        from schemas.validation import schema_of_version

        schema, leaves = schema_of_version(version), flat_leaves(version)
    result = skeleton(schema)
    list_paths = {leaf.path for leaf in leaves if leaf.field.kind == "code list"}
    for path, value in flat.items():
        if value is None:
            continue
        if path in list_paths and isinstance(value, str):
            value = split_codes(value)
        set_path(result, path, value)
    if version is not None:
        for path in optional_sections(schema):
            _tidy(result, path)
    return result


def _tidy(result: dict, path: str) -> None:
    """Turn numbered entries into a list; drop the part at path if it holds nothing."""
    *parents, last = path.split(".")
    parent: Any = result
    for step in parents:
        parent = parent.get(step) if isinstance(parent, dict) else None
    if not isinstance(parent, dict) or last not in parent:
        return
    value = parent[last]
    if isinstance(value, dict) and value and all(key.isdigit() for key in value):
        value = [value[key] for key in sorted(value, key=int) if not _empty(value[key])]
        parent[last] = value
    if _empty(value):
        del parent[last]


def _empty(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_empty(child) for child in value.values())
    if isinstance(value, list):
        return all(_empty(child) for child in value)
    return value is None
