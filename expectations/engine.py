"""The rules on one return, in plain Python: the dry run, the web submit and the toolkit.

The pipeline validates a period's frame with Great Expectations; one return needs no
frame, and GX costs seconds to import and a second per validation. This engine evaluates
the same suite entries (the expectation types of loader.EXPECTATION_TYPES, with GX's
meaning: empty values are not checked) on the same columns (expectations/derivations.py)
and renders the same findings (`findings_for`, which the pipeline uses too).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from expectations.derivations import Columns, Context, PeriodPicture, return_columns
from expectations.loader import Rule

VALUE_LIMIT = 300  # characters of a finding's value that are kept (the issue column's size)


@dataclass(frozen=True, order=True)
class RuleFinding:
    """One rule firing on one field of one return."""

    rule_id: str
    field: str
    severity: str
    kind: str
    value: str
    expected: str
    message: str


def rule_indicators(rules: Iterable[Rule]) -> tuple[str, ...]:
    """The catalogue indicators the rules read, by code."""
    return tuple(dict.fromkeys(code for rule in rules for code in rule.indicators))


def row_columns(rules: Sequence[Rule], payload: Mapping, *,
                previous: Mapping[str, Any] | None = None, period: PeriodPicture | None = None,
                ids: Mapping[str, Any] | None = None,
                previous_payload: Mapping[str, Any] | None = None) -> Columns:
    """Every column the rules read for one return (its ids first, if given)."""
    columns = {**(ids or {}), **return_columns(payload, rule_indicators(rules))}
    return add_derived(rules, columns, payload, previous=previous, period=period,
                       previous_payload=previous_payload)


def add_derived(rules: Sequence[Rule], columns: Columns, payload: Mapping, *,
                previous: Mapping[str, Any] | None = None,
                period: PeriodPicture | None = None,
                previous_payload: Mapping[str, Any] | None = None) -> Columns:
    """Add each rule's derived columns to a return's own columns (in place), and return them."""
    context = Context(columns, payload, previous, period, previous_payload)
    for rule in rules:
        columns.update(rule.derive(context))
    return columns


def evaluate(rules: Sequence[Rule], payload: Mapping,
             previous_payload: Mapping | None = None) -> list[RuleFinding]:
    """The findings of the rules on one return (against its previous-period return)."""
    previous = (return_columns(previous_payload, rule_indicators(rules))
                if previous_payload is not None else None)
    row = row_columns(rules, payload, previous=previous, previous_payload=previous_payload)
    return sorted(finding for rule in rules if breaks(rule, row)
                  for finding in findings_for(rule, row))


def breaks(rule: Rule, row: Mapping[str, Any]) -> bool:
    """Whether the return's row fails the rule's expectation."""
    kwargs = rule.kwargs
    if rule.expectation_type == "expect_column_values_to_not_be_null":
        return _empty(row.get(kwargs["column"]))
    if rule.expectation_type == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = row.get(kwargs["column_A"]), row.get(kwargs["column_B"])
        if _empty(a) or _empty(b):
            return False
        return not (a >= b if kwargs.get("or_equal") else a > b)
    value = row.get(kwargs["column"])
    return not _empty(value) and not _between(value, kwargs)


def _between(value: float, kwargs: Mapping[str, Any]) -> bool:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if low is not None and (value <= low if kwargs.get("strict_min") else value < low):
        return False
    return high is None or (value < high if kwargs.get("strict_max") else value <= high)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def findings_for(rule: Rule, row: Mapping[str, Any]) -> list[RuleFinding]:
    """The findings of a row the rule fails (one per missing programme for completeness)."""
    expand = rule.parameters.get("expand")
    if not expand:
        return [_finding(rule, rule.field, rule.describe_value(row))]
    codes = [code for code in str(row[expand]).split(";") if code]
    return [_finding(rule, f"{rule.field}.{code}", rule.describe_value({**row, "code": code}))
            for code in codes]


def _finding(rule: Rule, field_path: str, value: str) -> RuleFinding:
    return RuleFinding(rule_id=rule.id, field=field_path, severity=rule.severity,
                       kind=rule.kind, value=value[:VALUE_LIMIT], expected=rule.expected,
                       message=rule.message)
