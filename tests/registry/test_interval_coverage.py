"""Stratum intervals cover the truth about 95 % of the time when colleges differ.

A seeded simulation: in each of 2,000 draws, 20 colleges have their own true rate (drawn
around a national mean, so people within a college are correlated) and their own number
of people; the stratum's pooled rate is estimated from their counts. The interval over
institutions covers the national mean close to 95 % of the time; the interval that
treats every person as an independent trial (Wilson, exact Poisson) covers it far less.
"""

from __future__ import annotations

import numpy as np
import pytest

from registry.indicators import stats

DRAWS, COLLEGES = 2_000, 20


def coverage(low: np.ndarray, high: np.ndarray, truth: float) -> float:
    return float(np.mean((low <= truth) & (truth <= high)))


@pytest.fixture(scope="module")
def draws():
    rng = np.random.default_rng(20261205)
    people = rng.integers(30, 150, size=(COLLEGES, DRAWS)).astype(float)
    present = np.ones((COLLEGES, DRAWS), dtype=bool)
    return rng, people, present


def test_proportions_over_clustered_colleges_cover_near_95_percent(draws):
    rng, people, present = draws
    truth = 0.6
    rates = rng.beta(6, 4, size=people.shape)  # mean 0.6, colleges differ (sd ~0.15)
    successes = rng.binomial(people.astype(int), rates).astype(float)
    new = coverage(*stats.stratum_interval("proportion", successes, people, present), truth)
    old = coverage(*stats.wilson_interval(successes.sum(axis=0), people.sum(axis=0)), truth)
    assert 0.92 <= new <= 0.98, new
    assert old < 0.6, old


def test_count_rates_over_clustered_colleges_cover_near_95_percent(draws):
    rng, people, present = draws
    truth = 0.3
    rates = rng.gamma(4.0, truth / 4.0, size=people.shape)  # mean 0.3 endings per pair
    counts = rng.poisson(rates * people).astype(float)
    new = coverage(*stats.stratum_interval("count_rate", counts, people, present), truth)
    old = coverage(*stats.poisson_rate_interval(counts.sum(axis=0), people.sum(axis=0)), truth)
    assert 0.92 <= new <= 0.98, new
    assert old < 0.8, old


def test_without_differences_between_colleges_the_interval_stays_binomial(draws):
    rng, people, present = draws
    successes = rng.binomial(people.astype(int), 0.6).astype(float)  # one rate everywhere
    new = coverage(*stats.stratum_interval("proportion", successes, people, present), 0.6)
    assert 0.94 <= new <= 0.99, new
