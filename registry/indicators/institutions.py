"""Each institution's figures in a release: value, interval, rank, default peers, its
contribution to them, and its value adjusted for its mix of programme levels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from registry.indicators import stats
from registry.indicators.aggregates import Aggregates, InstitutionInfo, optional_float
from registry.indicators.extract import NO_RETURNS, REASONS
from schemas.indicators import LEVELS, Indicator

FLAG_ALPHA = 0.05
TESTED_KINDS = ("proportion", "count_rate")  # the adjusted-benchmark test; hours are not counts

INSTITUTION_FIELDS = ("value", "numerator", "denominator", "ci_low", "ci_high", "percentile",
                      "peer_median", "peer_pooled", "contribution_median",
                      "contribution_pooled", "expected", "expected_p")


@dataclass
class InstitutionTable:
    """Per institution × indicator figures, kept as arrays until rows are needed."""

    institutions: list[InstitutionInfo]
    indicators: list[str]
    figures: dict[str, np.ndarray]
    returns: np.ndarray
    peer_institutions: np.ndarray
    reason: np.ndarray
    by_level: Aggregates

    def rows(self, institution_ids: set[int] | None = None):
        """One dict per institution × indicator that has returns or a missing reason."""
        columns = self.columns()
        for values in zip(*columns.values(), strict=True):
            row = dict(zip(columns, values, strict=True))
            if institution_ids is None or row["institution_id"] in institution_ids:
                yield row

    def columns(self) -> dict[str, list]:
        """The rows column by column, built array-wise (equal `by_level` dicts are shared)."""
        matrices = self.matrices()
        k, j = np.nonzero(matrices.pop("has_row"))
        columns = {name: _nullable(matrices[name][k, j]) for name in INSTITUTION_FIELDS}
        columns.update({
            "institution_id": np.array([i.id for i in self.institutions])[k].tolist(),
            "institution": np.array([i.code for i in self.institutions], dtype=object)[k].tolist(),
            "indicator": np.array(self.indicators, dtype=object)[j].tolist(),
            **{name: matrices[name][k, j].tolist()
               for name in ("returns", "peer_institutions", "flag", "missing_reason")},
            "by_level": _levels(self.by_level, k, j),
        })
        return columns

    def matrices(self) -> dict[str, np.ndarray]:
        """Every row field as an institution × indicator matrix, and `has_row`: which
        institution × indicator pairs are rows (they have returns or a missing reason)."""
        present = ~np.isnan(self.figures["value"])
        found = {name: (np.where(present, self.figures[name], np.nan)
                        if name in BLANK_WITHOUT_VALUE else self.figures[name])
                 for name in INSTITUTION_FIELDS}  # without a value, none of those either
        reasons = np.array([reason or NO_RETURNS for reason in REASONS], dtype=object)
        found.update({
            "has_row": (self.returns != 0) | (self.reason != 0),
            "returns": self.returns, "peer_institutions": self.peer_institutions,
            "flag": _flags(found["value"], found["expected"], found["expected_p"]),
            "missing_reason": np.where(present, None, reasons[self.reason]),
        })
        return found

    def level_matrices(self) -> dict[str, dict[str, np.ndarray]]:
        """level → returns, numerator, denominator and value, institution × indicator."""
        size, (n, count) = len(LEVELS), self.returns.shape
        return {level: {name: figures.reshape(n, size, count)[:, li, :]
                        for name, figures in (("returns", self.by_level.units),
                                              ("numerator", self.by_level.numerator),
                                              ("denominator", self.by_level.denominator),
                                              ("value", self.by_level.value))}
                for li, level in enumerate(LEVELS)}


BLANK_WITHOUT_VALUE = tuple(name for name in INSTITUTION_FIELDS[3:]
                            if not name.startswith("peer_"))


def _nullable(figures: np.ndarray) -> list:
    """Python floats, None for NaN."""
    found = figures.astype(object)
    found[np.isnan(figures)] = None
    return found.tolist()


def _flags(observed: np.ndarray, expected: np.ndarray, p_value: np.ndarray) -> np.ndarray:
    """higher / lower when the test gives p < FLAG_ALPHA, else as_expected; None where
    nothing was tested (no value, no expectation, or a kind the test does not apply to)."""
    with np.errstate(invalid="ignore"):
        significant = p_value < FLAG_ALPHA
    found = np.where(significant, np.where(observed > expected, "higher", "lower"),
                     "as_expected").astype(object)
    found[np.isnan(observed) | np.isnan(expected) | np.isnan(p_value)] = None
    return found


def _levels(by_level: Aggregates, k: np.ndarray, j: np.ndarray) -> list[dict]:
    """Each row's figures per programme level it has returns at; one dict per distinct content."""
    size = len(LEVELS)
    rows = k * size
    matrix = np.column_stack([figures[rows + li, j].astype(float) for li in range(size)
                              for figures in (by_level.units, by_level.numerator,
                                              by_level.denominator, by_level.value)])
    for li in range(size):  # a level without returns is left out, whatever its figures
        matrix[matrix[:, 4 * li] <= 0, 4 * li:4 * li + 4] = 0.0
    keys = np.ascontiguousarray(matrix).view(np.dtype((np.void, matrix.itemsize * 4 * size)))
    _, first, inverse = np.unique(keys.ravel(), return_index=True, return_inverse=True)
    made = [_level_dict(figures) for figures in matrix[first].tolist()]
    return [made[n] for n in inverse.ravel().tolist()]


def _level_dict(figures: list[float]) -> dict:
    """{level: numerator, denominator, value, returns} from one row of the level matrix."""
    found = {}
    for li, level in enumerate(LEVELS):
        units, numerator, denominator, value = figures[4 * li:4 * li + 4]
        if units > 0:
            found[level] = {"numerator": optional_float(numerator),
                            "denominator": optional_float(denominator),
                            "value": optional_float(value), "returns": int(units)}
    return found


def institution_table(institutions, overall: Aggregates, by_level: Aggregates,
                      catalogue: Sequence[Indicator]) -> InstitutionTable:
    """Value, interval, rank, peers, contribution and adjusted value for every institution."""
    shape = overall.value.shape
    figures = {name: np.full(shape, np.nan) for name in INSTITUTION_FIELDS}
    figures["value"], figures["numerator"] = overall.value, overall.numerator
    figures["denominator"] = overall.denominator
    peer_count = np.zeros(shape, dtype=np.int64)
    peer_keys = _peer_members(institutions)
    for j, indicator in enumerate(catalogue):
        value = overall.value[:, j]
        figures["ci_low"][:, j], figures["ci_high"][:, j] = stats.rate_interval(
            indicator.kind, overall.numerator[:, j], overall.denominator[:, j])
        valid = ~np.isnan(value)  # an institution without a value has no rank
        figures["percentile"][valid, j] = stats.percentile_rank(value[valid], value[valid])
        peers = _peer_figures(value, overall.numerator[:, j], overall.denominator[:, j],
                              peer_keys)
        for name in ("median", "pooled", "contribution_median", "contribution_pooled"):
            figures[name if name.startswith("contribution") else f"peer_{name}"][:, j] = \
                peers[name]
        peer_count[:, j] = peers["count"]
    figures["expected"], figures["expected_p"] = _adjusted(catalogue, overall, by_level)
    return InstitutionTable(list(institutions), [i.code for i in catalogue], figures,
                            overall.units, peer_count, overall.reason, by_level)


def _peer_members(institutions) -> list[np.ndarray]:
    """Row indices of each default peer group (same type and sector)."""
    groups: dict[tuple[str, str], list[int]] = {}
    for k, institution in enumerate(institutions):
        groups.setdefault((institution.type, institution.sector), []).append(k)
    return [np.array(groups[key], dtype=int) for key in sorted(groups)]


def _peer_figures(value, numerator, denominator, keys) -> dict[str, np.ndarray]:
    """Default peer group (same type and sector): median and pooled, with and without self."""
    n = len(value)
    out = {name: np.full(n, np.nan) for name in ("median", "pooled", "contribution_median",
                                                 "contribution_pooled")}
    out["count"] = np.zeros(n)
    for members in keys:
        valid = members[~np.isnan(value[members])]
        if valid.size == 0:
            continue
        _fill_peer(out, members, valid, value, numerator, denominator)
    return out


def _fill_peer(out, members, valid, value, numerator, denominator) -> None:
    order = valid[np.argsort(value[valid], kind="stable")]
    ordered = value[order]
    median = float(np.quantile(ordered, 0.5))
    total_n, total_d = numerator[valid].sum(), denominator[valid].sum()
    out["count"][members] = valid.size
    out["median"][members] = median
    out["pooled"][members] = total_n / total_d if total_d > 0 else np.nan
    out["contribution_median"][order] = median - stats.leave_one_out_quantile(ordered, 0.5)
    with np.errstate(divide="ignore", invalid="ignore"):
        without = (total_n - numerator[order]) / (total_d - denominator[order])
    out["contribution_pooled"][order] = out["pooled"][order] - np.where(
        total_d - denominator[order] > 0, without, np.nan)


def _adjusted(catalogue: Sequence[Indicator], overall: Aggregates, by_level: Aggregates):
    """Indirect standardisation: E = Σ_level national rate × own denominator at that level.

    All indicators at once: (institutions × levels × indicators) arrays.
    """
    size, (n, count) = len(LEVELS), overall.value.shape
    numerators = by_level.numerator.reshape(n, size, count)
    denominators = by_level.denominator.reshape(n, size, count)
    level_n, level_d = np.nansum(numerators, axis=0), np.nansum(denominators, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = np.where(level_d > 0, level_n / level_d, 0.0)
    own_d = np.nan_to_num(denominators)
    # one matrix–vector product per indicator: the BLAS sums exactly as before
    expected_count = np.stack([np.ascontiguousarray(own_d[:, :, j]) @ rates[:, j]
                               for j in range(count)], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected_value = expected_count / overall.denominator
    tested = np.array([i.kind in TESTED_KINDS for i in catalogue], dtype=bool)
    p_values = np.full(expected_value.shape, np.nan)
    p_values[:, tested] = stats.overdispersed_poisson_test(
        np.round(overall.numerator[:, tested]), expected_count[:, tested])
    return expected_value, p_values
