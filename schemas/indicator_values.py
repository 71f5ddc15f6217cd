"""One indicator for one return: its numerator and denominator, or why it is missing.

Pure Python over a return payload (or any part of one holding the paths an indicator
reads), so the registry, its quality rules and the offline toolkit compute an indicator
the same way. A value is missing for a return when a field it needs holds a reason code
(not_collected / not_applicable), is absent or given as not_reported (standard 1.1's
answer for a yes/no or coded field the college does not report), when its gate (a survey
response rate) is not met, or, for a proportion, when its denominator is 0
(zero_denominator: not applicable). For a count or quantity rate a zero denominator is not
missing: the return's numerator and its 0 still count in every sum (the catalogue's
ZERO_DENOMINATOR_RULES), and only its own value, x / 0, is undefined.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from schemas.codes import MISSING_CODES
from schemas.indicators import Indicator
from schemas.reading import read_as_v1_1

NOT_REPORTED = "not_reported"
ZERO_DENOMINATOR = "zero_denominator"
NOT_APPLICABLE_LEVEL = "not_applicable_to_level"


@dataclass(frozen=True)
class Value:
    """One indicator for one return: numerator and denominator, or why it is missing."""

    numerator: float | None
    denominator: float | None
    missing_reason: str | None = None

    @property
    def value(self) -> float | None:
        if self.missing_reason is not None or not self.denominator:
            return None
        return self.numerator / self.denominator


def field_value(payload: Mapping, term: str) -> float | str:
    """A term's number (booleans and code tests give 1 or 0), or its missing reason."""
    steps, test, code = _parsed(term)
    value: Any = payload
    for step in steps:  # dict first: the quality frame reads millions of values
        value = (value.get(step) if value.__class__ is dict or isinstance(value, Mapping)
                 else None)
    if test:
        return _code_test(value, test, code)
    if value.__class__ is int or value.__class__ is float or isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value in MISSING_CODES:
        return value
    return NOT_REPORTED


@cache
def _parsed(term: str) -> tuple[tuple[str, ...], str, str]:
    path, test, code = split_term(term)
    return tuple(path.split(".")), test, code


def split_term(term: str) -> tuple[str, str, str]:
    """A term's path, its code test ("=", "!=" or "") and the code tested."""
    if "!=" in term:
        path, code = term.split("!=", 1)
        return path, "!=", code
    if "=" in term:
        path, code = term.split("=", 1)
        return path, "=", code
    return term, "", ""


def _code_test(value: Any, test: str, code: str) -> float | str:
    if value is None or value == NOT_REPORTED or value == [NOT_REPORTED]:
        return NOT_REPORTED  # standard 1.1's explicit 'not reported' is missing, not 'no'
    if isinstance(value, str) and value in MISSING_CODES:
        return value
    items = value if isinstance(value, list) else [value]
    if test == "=":
        return float(code in items)
    return float(any(item != code for item in items))


def total(payload: Mapping, terms: Sequence[str]) -> float | str:
    """Sum the terms, or the first missing reason among them."""
    found_total = 0.0
    for term in terms:
        found = field_value(payload, term)
        if isinstance(found, str):
            return found
        found_total += found
    return found_total


def indicator_value(indicator: Indicator, payload: Mapping) -> Value:
    """Compute one indicator from one return payload (of any standard version)."""
    payload = read_as_v1_1(payload)
    level = (payload.get("programme") or {}).get("level")
    if level is not None and level not in indicator.programme_levels:
        return Value(None, None, NOT_APPLICABLE_LEVEL)
    numerator = total(payload, indicator.numerator)
    denominator = (float(indicator.denominator) if isinstance(indicator.denominator, int)
                   else total(payload, indicator.denominator))
    for found in (numerator, denominator):
        if isinstance(found, str):
            return Value(None, None, found)
    if denominator == 0 and not indicator.zero_denominator_counts:
        return Value(numerator, denominator, ZERO_DENOMINATOR)
    gate = indicator.gate
    if gate is not None:
        invited = field_value(payload, gate.invited)
        responded = field_value(payload, gate.responded)
        if isinstance(invited, str) or isinstance(responded, str) or invited == 0:
            return Value(numerator, denominator, gate.reason)
        if responded / invited < gate.minimum:
            return Value(numerator, denominator, gate.reason)
    return Value(numerator, denominator)
