"""Dotted-path helpers shared by the validator, the rule table and the file formats."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def get_path(data: Any, path: str) -> Any:
    """Return the value at a dotted path, or None when any step is absent."""
    for step in path.split("."):
        if not isinstance(data, Mapping):
            return None
        data = data.get(step)
    return data


def set_path(data: dict, path: str, value: Any) -> None:
    """Set the value at a dotted path, creating intermediate objects."""
    *parents, last = path.split(".")
    for step in parents:
        child = data.get(step)
        if not isinstance(child, dict):
            child = data[step] = {}
        data = child
    data[last] = value


def is_number(value: Any) -> bool:
    """Tell whether a value is a real number (not a bool, not a reason code)."""
    if type(value) is int or type(value) is float:  # nearly always; the rest checked in full
        return True
    return isinstance(value, int | float) and not isinstance(value, bool)


def common_parent(paths: Iterable[str]) -> str:
    """Return the dotted path of the deepest object holding all paths ("" for the root)."""
    split = [path.split(".")[:-1] for path in paths]
    prefix: list[str] = []
    for steps in zip(*split, strict=False):
        if len(set(steps)) != 1:
            break
        prefix.append(steps[0])
    return ".".join(prefix)
