"""Flat (dotted path -> scalar) form of a return, used by the tabular formats."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemas.paths import set_path
from schemas.walk import current_schema, join_path, return_leaves, skeleton

LIST_SEPARATOR = ";"


def flatten_return(payload: Mapping[str, Any]) -> dict[str, object]:
    """Flatten a return to dotted path -> scalar, joining code lists as "a;b"."""
    flat: dict[str, object] = {}
    _flatten_into(payload, "", flat)
    return flat


def _flatten_into(value: Any, path: str, flat: dict[str, object]) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            _flatten_into(child, join_path(path, str(key)), flat)
    elif isinstance(value, list | tuple):
        flat[path] = LIST_SEPARATOR.join(str(item) for item in value)
    else:
        flat[path] = value


def split_codes(text: str) -> list[str]:
    """Split "a; b" into ["a", "b"], dropping empty pieces."""
    return [piece.strip() for piece in text.split(LIST_SEPARATOR) if piece.strip()]


def unflatten_return(flat: Mapping[str, object]) -> dict:
    """Rebuild a nested return from its flat form; None values count as absent."""
    result = skeleton(current_schema())
    list_paths = {leaf.path for leaf in return_leaves() if leaf.field.kind == "code list"}
    for path, value in flat.items():
        if value is None:
            continue
        if path in list_paths and isinstance(value, str):
            value = split_codes(value)
        set_path(result, path, value)
    return result
