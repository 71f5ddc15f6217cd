"""Indicator numerators and denominators of many return payloads at once, as arrays.

The definition of one indicator for one return (and of its missing reasons) is
schemas.indicator_values; `value_matrix` gives the same answers for thousands of returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import repeat

import numpy as np
import pandas as pd

from schemas.codes import MISSING_CODES
from schemas.indicator_values import (
    NOT_APPLICABLE_LEVEL,
    NOT_REPORTED,
    ZERO_DENOMINATOR,
    split_term,
)
from schemas.indicators import Indicator
from schemas.reading import read_as_v1_1

NO_RETURNS = "no_returns"
# Missing reasons as small integers, so thousands of returns fit in one array.
REASONS: tuple[str, ...] = ("", NOT_REPORTED, *MISSING_CODES, ZERO_DENOMINATOR,
                            "survey_response_below_50_percent", NOT_APPLICABLE_LEVEL,
                            NO_RETURNS)
REASON_CODE: dict[str, int] = {reason: code for code, reason in enumerate(REASONS)}


def value_matrix(
    payloads: Sequence[Mapping], indicators: Sequence[Indicator]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numerators, denominators (NaN when missing) and reason codes: returns × indicators.

    Each distinct term is read once per payload; the sums, zero denominators and gates are
    then array operations, so this gives the same answers as
    schemas.indicator_values.indicator_value, faster. Every payload is read as v1.1
    (schemas.reading), whatever version it was sent in.
    """
    payloads = [read_as_v1_1(p) for p in payloads]
    terms = sorted({term for i in indicators for term in _terms(i)})
    column = {term: k for k, term in enumerate(terms)}
    values, reasons = term_matrix(payloads, terms)
    levels = _LevelMasks([(p.get("programme") or {}).get("level") for p in payloads])
    shape = (len(payloads), len(indicators))
    numerators, denominators = np.full(shape, np.nan), np.full(shape, np.nan)
    codes = np.zeros(shape, dtype=np.int8)
    for j, indicator in enumerate(indicators):
        num, den, why = _vector_value(indicator, values, reasons, column, levels)
        numerators[:, j], denominators[:, j], codes[:, j] = num, den, why
    return numerators, denominators, codes


def _terms(indicator: Indicator) -> tuple[str, ...]:
    gate = (indicator.gate.responded, indicator.gate.invited) if indicator.gate else ()
    denominator = indicator.denominator if isinstance(indicator.denominator, tuple) else ()
    return (*indicator.numerator, *denominator, *gate)


def term_matrix(payloads: Sequence[Mapping], terms: Sequence[str]):
    """Each term's number per payload (NaN when missing) and its missing-reason code.

    Column-wise: every object on the way to a field is looked up once for all payloads
    (parents before children, `dict.get` mapped in C), and each field is then read and
    converted as one column.
    """
    nodes: dict[tuple[str, ...], list] = {(): [p if p.__class__ is dict else _EMPTY
                                               for p in payloads]}
    raw = np.empty((len(payloads), len(terms)), dtype=object)
    for k, term in enumerate(terms):
        path, test, code = split_term(term)
        *parent, leaf = path.split(".")
        found = list(map(dict.get, _objects(nodes, tuple(parent)), repeat(leaf)))
        raw[:, k] = np.fromiter(_code_tests(found, test, code) if test else found,
                                dtype=object, count=len(found))
    return _convert(raw)


_EMPTY: dict = {}


def _objects(nodes: dict[tuple[str, ...], list], steps: tuple[str, ...]) -> list:
    """The object at `steps` in every payload ({} where absent or not an object), cached."""
    if steps not in nodes:
        above = _objects(nodes, steps[:-1])
        nodes[steps] = [n if n.__class__ is dict else _EMPTY
                        for n in map(dict.get, above, repeat(steps[-1]))]
    return nodes[steps]


def _code_tests(values: list, test: str, code: str) -> list:
    """The code test of schemas.indicator_values over a column of raw values.

    A scalar is tested as a one-item list.
    """
    if test == "=":
        return [NOT_REPORTED if v is None else float(code in v) if v.__class__ is list
                else float(v == code) for v in values]
    return [NOT_REPORTED if v is None else float(any(item != code for item in v))
            if v.__class__ is list else float(v != code) for v in values]


def _convert(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Numbers (booleans as 1/0) and reason codes from a matrix of raw field values.

    A column without texts converts in one step (None becomes NaN); in the others each text
    (a reason code, mostly) is read on its own first. Anything that is not a number or a
    reason code reads as not reported.
    """
    values = np.empty(raw.shape)
    reasons = np.zeros(raw.shape, dtype=np.int8)
    for k in range(raw.shape[1]):
        column = raw[:, k]
        try:
            values[:, k] = column.astype(float)
            texts = None
        except (TypeError, ValueError):
            values[:, k] = _numbers_among_texts(column)
            texts = column
        missing = np.isnan(values[:, k])
        if missing.any():
            reasons[:, k] = np.where(missing, _reason_codes(texts, len(column)), 0)
    return values, reasons


def _numbers_among_texts(column: np.ndarray) -> np.ndarray:
    """A column holding texts as numbers: a text that reads as a number counts, others NaN."""
    numbers = column.copy()
    for row in np.flatnonzero([value.__class__ is str for value in column]):
        numbers[row] = _text_number(column[row])
    try:
        return numbers.astype(float)
    except (TypeError, ValueError):
        return pd.to_numeric(pd.Series(column, dtype=object), errors="coerce").to_numpy(float)


def _text_number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return np.nan


def _reason_codes(column: np.ndarray | None, size: int) -> np.ndarray:
    found = np.full(size, REASON_CODE[NOT_REPORTED], dtype=np.int8)
    if column is not None:
        for reason in MISSING_CODES:
            found[column == reason] = REASON_CODE[reason]
    return found


class _LevelMasks:
    """Which payloads each set of programme levels applies to (no level: applies), cached."""

    def __init__(self, levels: list):
        self.levels = np.array(levels, dtype=object)
        self.found: dict[tuple, np.ndarray] = {}

    def applies(self, wanted: Sequence[str]) -> np.ndarray:
        key = tuple(wanted)
        if key not in self.found:
            self.found[key] = np.isin(self.levels, key) | np.equal(self.levels, None)
        return self.found[key]


def _vector_value(indicator: Indicator, values, reasons, column, levels):
    """One indicator's numerator, denominator and reason for every payload."""
    num, num_why = _vector_total(indicator.numerator, values, reasons, column)
    if isinstance(indicator.denominator, int):
        den, den_why = np.full(len(values), float(indicator.denominator)), np.zeros(
            len(values), dtype=np.int8)
    else:
        den, den_why = _vector_total(indicator.denominator, values, reasons, column)
    why = np.where(num_why > 0, num_why, den_why)
    if not indicator.zero_denominator_counts:
        why = np.where((why == 0) & (den == 0), REASON_CODE[ZERO_DENOMINATOR], why)
    if indicator.gate is not None:
        why = np.where(why == 0, _vector_gate(indicator.gate, values, column), why)
    applies = levels.applies(indicator.programme_levels)
    why = np.where(applies, why, REASON_CODE[NOT_APPLICABLE_LEVEL]).astype(np.int8)
    missing = why > 0
    return np.where(missing, np.nan, num), np.where(missing, np.nan, den), why


def _vector_total(terms, values, reasons, column):
    """Row sums of the terms, and the first missing reason among them (0 when none)."""
    indices = [column[t] for t in terms]
    total = values[:, indices].sum(axis=1)
    why = np.zeros(len(values), dtype=np.int8)
    for k in reversed(indices):
        why = np.where(reasons[:, k] > 0, reasons[:, k], why)
    return total, why


def _vector_gate(gate, values, column) -> np.ndarray:
    invited, responded = values[:, column[gate.invited]], values[:, column[gate.responded]]
    with np.errstate(divide="ignore", invalid="ignore"):
        fails = ~(invited > 0) | ~(responded / invited >= gate.minimum)
    return np.where(fails, REASON_CODE[gate.reason], 0).astype(np.int8)
