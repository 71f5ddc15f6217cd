"""The release's inputs as plain data, and their sums per institution (and level).

Each counted return and each expected programme is a unit; `aggregate` sums their numerators
and denominators per group, indicator by indicator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from registry.indicators.extract import REASON_CODE, value_matrix
from schemas.indicators import Indicator


@dataclass(frozen=True)
class InstitutionInfo:
    id: int
    code: str
    type: str
    sector: str
    province: str


@dataclass(frozen=True)
class ReturnUnit:
    """A return version counted in the release."""

    version_id: int
    institution_id: int
    level: str
    payload: Mapping


@dataclass(frozen=True)
class ExpectedUnit:
    """A programme expected to report in the period, and how its return fared."""

    institution_id: int
    level: str
    accepted: bool
    on_time: bool


@dataclass(frozen=True)
class ReleaseInputs:
    period_code: str
    institutions: Sequence[InstitutionInfo]
    returns: Sequence[ReturnUnit]
    expected: Sequence[ExpectedUnit] = ()


@dataclass
class Aggregates:
    """Σnum, Σden, returns counted and a missing reason, per unit of aggregation × indicator."""

    numerator: np.ndarray
    denominator: np.ndarray
    units: np.ndarray
    reason: np.ndarray
    value: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        with np.errstate(divide="ignore", invalid="ignore"):
            self.value = np.where(self.denominator > 0, self.numerator / self.denominator,
                                  np.nan)


def unit_matrices(inputs: ReleaseInputs, catalogue: Sequence[Indicator]):
    """Numerators, denominators and reasons for every counted unit × indicator."""
    sourced = [i for i, ind in enumerate(catalogue) if ind.source == "return"]
    register = [i for i, ind in enumerate(catalogue) if ind.source == "register"]
    n_returns, n_expected = len(inputs.returns), len(inputs.expected)
    shape = (n_returns + n_expected, len(catalogue))
    num, den = np.full(shape, np.nan), np.full(shape, np.nan)
    reason = np.full(shape, REASON_CODE["not_reported"], dtype=np.int8)
    rn, rd, rr = value_matrix([u.payload for u in inputs.returns],
                              [catalogue[i] for i in sourced])
    num[:n_returns, sourced], den[:n_returns, sourced], reason[:n_returns, sourced] = rn, rd, rr
    flags = {"on_time": np.array([u.on_time for u in inputs.expected], dtype=float),
             "accepted": np.array([u.accepted for u in inputs.expected], dtype=float)}
    for column in register:
        num[n_returns:, column] = flags[_register_flag(catalogue[column])]
        den[n_returns:, column] = 1.0
        reason[n_returns:, column] = 0
    return num, den, reason


def _register_flag(indicator: Indicator) -> str:
    """The ExpectedUnit field a register indicator counts."""
    return "on_time" if indicator.code == "returns_timeliness" else "accepted"


def aggregate(groups: np.ndarray, size: int, num, den, reason) -> Aggregates:
    """Σnum/Σden per group over the units where the indicator is present."""
    present = ~np.isnan(num)
    shape = (size, num.shape[1])
    sums_n, sums_d, counts = np.zeros(shape), np.zeros(shape), np.zeros(shape, dtype=np.int64)
    for column in range(num.shape[1]):
        mask = present[:, column]
        g = groups[mask]
        sums_n[:, column] = np.bincount(g, num[mask, column], minlength=size)
        sums_d[:, column] = np.bincount(g, den[mask, column], minlength=size)
        counts[:, column] = np.bincount(g, minlength=size)
    worst = _group_max(groups, size, reason)
    empty = counts == 0
    sums_n[empty], sums_d[empty] = np.nan, np.nan
    worst[~empty] = 0
    return Aggregates(sums_n, sums_d, counts, worst)


def _group_max(groups: np.ndarray, size: int, values: np.ndarray) -> np.ndarray:
    """The largest value of each group, per column (0 for groups without units)."""
    found = np.zeros((size, values.shape[1]), dtype=values.dtype)
    if groups.size == 0:
        return found
    order = np.argsort(groups, kind="stable")
    ordered = groups[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    found[ordered[starts]] = np.maximum.reduceat(values[order], starts, axis=0)
    return found


def optional_float(x) -> float | None:
    """A float, or None for NaN / None."""
    if x is None:
        return None
    x = float(x)
    return None if x != x else x
