"""The adjusted-benchmark flags allow for how much colleges differ beyond chance.

A college's people are not independent trials: colleges differ in their own rates, so an
observed count far from its expectation under a Poisson model is often just a college
being a college. The flags test against the over-dispersed variance φ·E (Spiegelhalter
2005) and keep the exact Poisson test where the colleges differ no more than chance.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from registry.indicators import stats

COLLEGES = 300


def differing_colleges(seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Observed counts and expectations of colleges whose own rates differ (Beta(6, 4))
    around a national rate, with no college special beyond that spread."""
    rng = np.random.default_rng(seed)
    people = rng.integers(80, 400, COLLEGES).astype(float)
    observed = rng.binomial(people.astype(int), rng.beta(6, 4, COLLEGES)).astype(float)
    expected = people * observed.sum() / people.sum()
    return observed[:, None], expected[:, None]


def flagged_share(p_values: np.ndarray) -> float:
    return float((p_values < 0.05).mean())


def test_colleges_that_differ_as_colleges_do_are_rarely_flagged():
    observed, expected = differing_colleges()
    # the Poisson flags mark about half of them; winsorising trims the tails of the
    # spread, so somewhat more than 5 % remain flagged
    assert flagged_share(stats.poisson_test(observed, expected)) > 0.4
    assert flagged_share(stats.overdispersed_poisson_test(observed, expected)) < 0.15


def test_a_college_far_outside_the_spread_is_still_flagged():
    observed, expected = differing_colleges()
    observed[0, 0] = 2.5 * expected[0, 0]
    assert stats.overdispersed_poisson_test(observed, expected)[0, 0] < 0.001


def test_without_spread_beyond_chance_the_exact_poisson_test_is_kept():
    rng = np.random.default_rng(3)
    people = rng.integers(80, 400, COLLEGES)
    observed = rng.binomial(people, 0.6).astype(float)[:, None]  # one rate for all
    expected = (people * observed.sum() / people.sum())[:, None]
    assert stats.overdispersion(observed, expected)[0] == 1.0
    np.testing.assert_array_equal(stats.overdispersed_poisson_test(observed, expected),
                                  stats.poisson_test(observed, expected))


def test_over_dispersion_is_the_mean_squared_winsorised_pearson_residual():
    expected = np.full((10, 1), 100.0)
    observed = expected + np.array([[-40], [-20], [-20], [0], [0], [0], [20], [20], [20], [60]])
    z = (observed - expected) / 10.0
    low, high = np.quantile(z, stats.WINSOR)
    assert stats.overdispersion(observed, expected)[0] == np.mean(np.clip(z, low, high) ** 2)


def test_rows_without_an_expectation_are_not_tested():
    found = stats.overdispersed_poisson_test(np.array([[3.0], [np.nan]]), np.array([[0.0], [2.0]]))
    assert np.isnan(found).all()


def test_where_colleges_differ_a_little_the_p_value_is_the_normal_tail_of_the_scaled_residual():
    expected = np.full((10, 1), 100.0)
    spread = 1.3 * np.array([[-1.5], [-1.2], [-1.0], [0], [0], [0], [1.0], [1.2], [1.2], [1.8]])
    observed = expected + 10.0 * spread
    phi = stats.overdispersion(observed, expected)[0]
    assert 1.0 < phi < 2.0
    z = (observed - expected) / np.sqrt(phi * expected)
    np.testing.assert_allclose(stats.overdispersed_poisson_test(observed, expected),
                               2.0 * norm.sf(np.abs(z)))


def test_where_colleges_differ_a_row_without_an_expectation_is_not_tested_and_others_are():
    observed, expected = differing_colleges()
    observed[0, 0], expected[0, 0] = 3.0, 0.0
    observed[1, 0], expected[1, 0] = 1.0, 0.5
    assert stats.overdispersion(observed, expected)[0] > 1.0
    found = stats.overdispersed_poisson_test(observed, expected)[:, 0]
    assert np.isnan(found[0])
    assert not np.isnan(found[1:]).any()


def test_over_dispersion_counts_every_row_with_a_positive_expectation_and_no_other():
    expected = np.array([[0.0], [0.5], *([[100.0]] * 8)])
    observed = np.array([[5.0], [3.0], [80], [90], [95], [100], [100], [105], [110], [130]])
    z = (observed[1:] - expected[1:]) / np.sqrt(expected[1:])
    low, high = np.quantile(z, stats.WINSOR)
    assert stats.overdispersion(observed, expected)[0] == pytest.approx(
        np.mean(np.clip(z, low, high) ** 2))
