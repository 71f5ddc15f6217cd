"""The statistics at their edges: one institution, one trial, nothing to divide by, other
quantiles than the median, and the exact Poisson test against closed-form values.

(Found by `make mutate`: each case below let a mutant of registry/indicators survive.)
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from registry.indicators import stats
from registry.indicators.suppression import PRIMARY, primary_suppression


def test_a_cell_of_one_institution_is_suppressed():
    assert primary_suppression({"a": 1, "b": 0, "c": 5}, 5) == {
        "a": PRIMARY, "b": "none", "c": "none"}


def test_wilson_interval_of_one_success_in_one_trial():
    low, high = stats.wilson_interval(1, 1)  # z²/(1+z²) = 0.2065
    assert (float(low), float(high)) == pytest.approx((0.2065, 1.0), abs=1e-4)


def test_intervals_are_missing_where_there_is_nothing_to_divide_by():
    low, high = stats.wilson_interval([3, 0, 2, 1], [0, 0, np.nan, -4])
    assert np.isnan(low).all() and np.isnan(high).all()
    low, high = stats.poisson_rate_interval([3, np.nan, 2], [0, 4, -1])
    assert np.isnan(low).all() and np.isnan(high).all()


def test_a_valid_interval_beside_a_missing_one_is_kept():
    low, _ = stats.poisson_rate_interval([10, 3], [1, 0])
    assert float(low[0]) == pytest.approx(4.795, abs=1e-3) and np.isnan(low[1])
    low, _ = stats.wilson_interval([1, 3], [10, 0])
    assert float(low[0]) == pytest.approx(0.0179, abs=1e-4) and np.isnan(low[1])


def test_each_kind_of_indicator_gets_its_own_interval():
    counts, exposure = np.array([10.0]), np.array([4.0])
    assert [float(x[0]) for x in stats.rate_interval("count_rate", counts, exposure)] == \
        pytest.approx([4.795 / 4, 18.390 / 4], abs=1e-3)
    assert [float(x[0]) for x in stats.rate_interval("proportion", np.array([1.0]),
                                                      np.array([10.0]))] == \
        pytest.approx([0.0179, 0.4042], abs=1e-4)
    low, high = stats.rate_interval("quantity_rate", counts, exposure)
    assert low.shape == high.shape == (1,) and np.isnan(low).all() and np.isnan(high).all()


def _poisson_cdf(k: int, mean: float) -> float:
    return math.exp(-mean) * sum(mean ** i / math.factorial(i) for i in range(k + 1))


@pytest.mark.parametrize(("observed", "expected", "p"), [
    (10, 5, 2 * (1 - _poisson_cdf(9, 5))),   # upper tail: 0.0637
    (1, 5, 2 * _poisson_cdf(1, 5)),          # lower tail: 0.0809
    (0, 2, 2 * _poisson_cdf(0, 2)),          # nothing observed: 0.2707
    (5, 5, 1.0),                             # as expected: capped at 1
    (1, 0.1, 2 * (1 - _poisson_cdf(0, 0.1))),  # above an expectation under 1: 0.1903
    (0, 0.1, 1.0),                           # nothing where little was expected: capped at 1
    (-1, 2, 0.0),                            # below the support: P(X <= -1) = 0
])
def test_poisson_test_matches_the_closed_form(observed, expected, p):
    assert float(stats.poisson_test([observed], [expected])[0]) == pytest.approx(p, rel=1e-9)


def test_poisson_test_is_missing_without_an_expectation_or_an_observation():
    assert np.isnan(stats.poisson_test([3.0, np.nan], [0.0, 4.0])).all()


@pytest.mark.parametrize("q", stats.QUANTILES)
@pytest.mark.parametrize("n", [2, 3, 6])
def test_leave_one_out_quantile_matches_recomputing(q, n):
    values = np.array([1.0, 2, 3, 5, 8, 13][:n])
    expected = [np.quantile(np.delete(values, r), q) for r in range(n)]
    assert list(stats.leave_one_out_quantile(values, q)) == pytest.approx(expected)


def test_leave_one_out_of_a_single_value_is_missing():
    assert np.isnan(stats.leave_one_out_quantile(np.array([4.0]), 0.5)).all()


def test_percentile_rank_is_missing_without_a_reference_and_50_against_itself():
    missing = stats.percentile_rank(np.array([1.0, 2.0]), np.array([]))
    assert missing.shape == (2,) and np.isnan(missing).all()
    assert list(stats.percentile_rank(np.array([2.0]), np.array([2.0]))) == [50.0]


def test_column_quantiles_of_an_empty_column_are_missing_numbers():
    quantiles = stats.column_quantiles(np.array([[1.0, np.nan], [3.0, np.nan]]))
    assert quantiles.dtype == float and np.isnan(quantiles[:, 1]).all()


# Columns are indicators, rows institutions; the last institution is not counted.
NUMERATORS = np.array([[2.0], [5], [9], [100]])
DENOMINATORS = np.array([[10.0], [10], [20], [100]])
COUNTED = np.array([[True], [True], [True], [False]])
T_975_2DF = 4.302653  # Student's t, 97.5th percentile, 2 degrees of freedom


def test_the_clustered_interval_is_the_ratio_plus_minus_t_times_its_linearised_error():
    # R = 16/40; residuals -2, 1, 1; variance 3/2 · 6 / 40² = 0.075²
    low, high = stats.clustered_ratio_interval(NUMERATORS, DENOMINATORS, COUNTED)
    assert (float(low[0]), float(high[0])) == pytest.approx(
        (0.4 - T_975_2DF * 0.075, 0.4 + T_975_2DF * 0.075), abs=1e-6)


def test_the_clustered_interval_stops_at_zero():
    low, high = stats.clustered_ratio_interval(
        np.array([[0.0], [0], [3]]), np.array([[10.0], [10], [10]]), np.ones((3, 1), bool))
    # R = 0.1; residuals -1, -1, 2; variance 3/2 · 6 / 30² = 0.1²
    assert (float(low[0]), float(high[0])) == pytest.approx((0.0, 0.1 + T_975_2DF * 0.1))


def test_the_clustered_interval_is_missing_under_two_institutions_or_nothing_to_divide_by():
    low, high = stats.clustered_ratio_interval(
        np.array([[1.0, 1, 1], [2, 0, 1]]), np.array([[10.0, 0, 5], [10, 0, 5]]),
        np.array([[True, True, True], [False, True, True]]))
    assert np.isnan(low[:2]).all() and np.isnan(high[:2]).all()
    assert not np.isnan(low[2]) and not np.isnan(high[2])


@pytest.mark.parametrize(("kind", "pooled"), [
    ("proportion", stats.wilson_interval), ("count_rate", stats.poisson_rate_interval)])
def test_a_stratum_interval_is_never_narrower_than_the_pooled_counts_interval(kind, pooled):
    alike = np.array([[1.0], [1], [1], [50]])  # colleges alike: no spread between them
    low, high = stats.stratum_interval(kind, alike, np.array([[10.0], [10], [10], [50]]),
                                       COUNTED)
    expected_low, expected_high = pooled(3, 30)
    assert (float(low[0]), float(high[0])) == pytest.approx(
        (float(expected_low), float(expected_high)))


def test_an_hours_stratum_interval_is_the_clustered_one_alone():
    low, high = stats.stratum_interval("hours_per_pair", NUMERATORS, DENOMINATORS, COUNTED)
    expected = stats.clustered_ratio_interval(NUMERATORS, DENOMINATORS, COUNTED)
    assert (float(low[0]), float(high[0])) == pytest.approx(
        (float(expected[0][0]), float(expected[1][0])))


def test_a_proportions_interval_stops_at_one_and_a_count_rates_does_not():
    numerators, denominators = np.array([[8.0], [9], [10]]), np.array([[10.0], [10], [10]])
    counted = np.ones((3, 1), bool)
    _, proportion_high = stats.stratum_interval("proportion", numerators, denominators, counted)
    _, count_rate_high = stats.stratum_interval("count_rate", numerators, denominators, counted)
    assert float(proportion_high[0]) == 1.0
    assert float(count_rate_high[0]) > 1.0


def test_percentile_rank_counts_ties_as_half_below():
    reference = np.array([5.0, 2, 1, 3, 2])  # sorted: 1 2 2 3 5
    assert list(stats.percentile_rank(np.array([2.0, 4, 0, 9]), reference)) == pytest.approx(
        [100 * (1 + 2 / 2) / 5, 100 * 4 / 5, 0.0, 100.0])


def test_a_column_with_values_beside_an_empty_one_keeps_its_quantiles():
    quantiles = stats.column_quantiles(np.array([[1.0, np.nan], [3.0, np.nan]]))
    assert list(quantiles[:, 0]) == pytest.approx([1.2, 1.5, 2.0, 2.5, 2.8])


def test_nothing_to_divide_by_gives_missing_values_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats.wilson_interval([3, 0], [0, 0])
        stats.poisson_rate_interval([3, np.nan, 0], [0, 4, 0])
        stats.clustered_ratio_interval(np.array([[1.0, 0]]), np.array([[2.0, 0]]),
                                       np.array([[True, True]]))
        stats.stratum_interval("proportion", np.array([[1.0, 0]]), np.array([[2.0, 0]]),
                               np.array([[True, True]]))
        stats.poisson_test([np.nan, 2.0], [4.0, 0.0])


def test_wilson_interval_of_whole_counts_is_exact_however_large_they_are():
    # 4·n² overflows 64-bit integers at n = 2·10⁹: the counts must be taken as floats
    whole = stats.wilson_interval(1_000_000_000, 2_000_000_000)
    assert [float(x) for x in whole] == [
        float(x) for x in stats.wilson_interval(1_000_000_000.0, 2_000_000_000.0)]


def test_two_institutions_get_student_t_on_one_degree_of_freedom():
    # R = 4/20; residuals -1, 1; variance 2/1 · 2 / 20² = 0.1²; t(0.975, 1) = 12.7062
    _, high = stats.clustered_ratio_interval(
        np.array([[1.0], [3]]), np.array([[10.0], [10]]), np.ones((2, 1), bool))
    assert float(high[0]) == pytest.approx(0.2 + 12.706205 * 0.1)


def test_the_clustered_interval_divides_by_a_total_under_one():
    # R = 0.5/0.5; residuals -0.25, 0.25; variance 2/1 · 0.125 / 0.5² = 1
    _, high = stats.clustered_ratio_interval(
        np.array([[0.0], [0.5]]), np.array([[0.25], [0.25]]), np.ones((2, 1), bool))
    assert float(high[0]) == pytest.approx(1.0 + 12.706205 * 1.0)


def test_one_institution_has_no_clustered_interval_even_when_its_ratio_rounds():
    # 1/49 · 49 is 1 - 1.1e-16 in floating point: the residual is not exactly zero
    low, high = stats.clustered_ratio_interval(np.array([[1.0]]), np.array([[49.0]]),
                                               np.array([[True]]))
    assert np.isnan(low[0]) and np.isnan(high[0])


def test_each_column_is_an_indicator_of_its_own():
    both = np.hstack([NUMERATORS, 2 * NUMERATORS])
    denominators = np.hstack([DENOMINATORS, 3 * DENOMINATORS])
    counted = np.hstack([COUNTED, COUNTED])
    for kind in ("proportion", "hours_per_pair"):
        low, high = stats.stratum_interval(kind, both, denominators, counted)
        for column in (0, 1):
            alone = stats.stratum_interval(kind, both[:, [column]], denominators[:, [column]],
                                           COUNTED)
            assert (float(low[column]), float(high[column])) == pytest.approx(
                (float(alone[0][0]), float(alone[1][0])))
