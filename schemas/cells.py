"""Coerce spreadsheet and CSV cell values to the JSON types of the return fields."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from schemas.codes import MISSING_CODES, NOT_REPORTED
from schemas.fields import StandardField
from schemas.limits import read_whole_number
from schemas.paths import is_number

FORMULA_PREFIXES = ("=", "+", "-", "@")
_WHOLE = re.compile(r"-?[0-9]+(?:\.0*)?")
_DECIMAL = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_TRUE_WORDS = ("true", "yes")
_FALSE_WORDS = ("false", "no")


def coerce_cell(field: StandardField, value: Any) -> Any:
    """Return a cell value as the field's JSON type; leave what cannot be read for the validator.

    An empty cell gives None (absent), except for code lists where it means an empty list.
    """
    if isinstance(value, str):
        value = value.strip() or None
    if value is None:
        return [] if field.kind == "code list" else None
    return _COERCERS.get(field.kind, _to_text)(field, value)


def escape_text(text: str) -> str:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe."""
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def unescape_text(text: str) -> str:
    """Undo escape_text: drop an apostrophe put before a formula-like prefix."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def _to_count(field: StandardField, value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, str):
        return value
    if value.lower() in MISSING_CODES:
        return value.lower()
    if _WHOLE.fullmatch(value):
        return read_whole_number(value.split(".")[0])
    return float(value) if _DECIMAL.fullmatch(value) else value


def _to_number(field: StandardField, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if value.lower() in MISSING_CODES:
        return value.lower()
    if _WHOLE.fullmatch(value) and "." not in value:
        return read_whole_number(value)
    return float(value) if _DECIMAL.fullmatch(value) else value


def _to_boolean(field: StandardField, value: Any) -> Any:
    if isinstance(value, str) and value.lower() in _TRUE_WORDS + _FALSE_WORDS:
        return value.lower() in _TRUE_WORDS
    if isinstance(value, str) and value.lower().replace(" ", "_") == NOT_REPORTED:
        return NOT_REPORTED
    return value


def _to_code(field: StandardField, value: Any) -> Any:
    if is_number(value):
        return _match_number(field, value)
    return _match_code(field, value) if isinstance(value, str) else value


def _to_code_list(field: StandardField, value: Any) -> Any:
    if not isinstance(value, str):
        return [_to_code(field, value)]
    pieces = [piece.strip() for piece in value.split(";") if piece.strip()]
    return [_match_code(field, piece) for piece in pieces]


def _to_date(field: StandardField, value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, date) else value


def _to_text(field: StandardField, value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if is_number(value) else value


def _match_code(field: StandardField, text: str) -> str:
    """Return the code whose code or label matches the text, ignoring case."""
    lowered = text.lower()
    for choice in field.code_choices():
        if lowered in (choice["code"].lower(), choice["label"].lower()):
            return choice["code"]
    return text


def _match_number(field: StandardField, number: float) -> Any:
    """Return the numeric-looking code equal to a number typed as a number (e.g. 1.0)."""
    for choice in field.code_choices():
        if _DECIMAL.fullmatch(choice["code"]) and float(choice["code"]) == number:
            return choice["code"]
    return number


_COERCERS: dict[str, Callable[[StandardField, Any], Any]] = {
    "count": _to_count,
    "number": _to_number,
    "boolean": _to_boolean,
    "code": _to_code,
    "code list": _to_code_list,
    "date": _to_date,
    "text": _to_text,
}
