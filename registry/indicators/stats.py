"""Statistics behind the benchmarks: intervals, quantiles, ranks and the adjusted-value test.

Every function accepts numpy arrays and works element-wise, so a release for thousands of
institutions is a handful of vector operations.
"""

from __future__ import annotations

import numpy as np
from scipy import special
from scipy import stats as distributions

Z95 = 1.959963984540054
QUANTILES = (0.10, 0.25, 0.50, 0.75, 0.90)
QUANTILE_METHOD = "linear"  # numpy's default: Hyndman & Fan (1996) definition 7
WINSOR = (0.10, 0.90)  # the Pearson residuals' winsorising quantiles for over-dispersion
# The interval on one set of people, per indicator kind (hours have none).
INTERVAL_NAMES = {"proportion": "the Wilson score interval",
                  "count_rate": "the exact Poisson (Garwood) interval"}


def wilson_interval(successes, trials, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for successes / trials (NaN where trials is 0 or NaN)."""
    x = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        denominator = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denominator
        half = z * np.sqrt(np.clip(p * (1 - p), 0, None) / n + z * z / (4 * n * n)) / denominator
    invalid = ~(n > 0)
    low = np.where(invalid, np.nan, np.clip(centre - half, 0.0, 1.0))
    high = np.where(invalid, np.nan, np.clip(centre + half, 0.0, 1.0))
    return np.minimum(low, np.where(invalid, np.nan, p)), np.maximum(high, np.where(
        invalid, np.nan, p))


def poisson_rate_interval(count, exposure, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) interval for count / exposure, the count taken as Poisson."""
    x = np.asarray(count, dtype=float)
    t = np.asarray(exposure, dtype=float)
    # chi2.ppf(q, 2k) / 2 is gammaincinv(k, q) exactly (scipy's own chi2._ppf), without
    # the distribution machinery's argument checks, which cost more than the sums.
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(x > 0, special.gammaincinv(np.where(x > 0, x, 1.0), alpha / 2), 0.0) / t
        high = special.gammaincinv(x + 1, 1 - alpha / 2) / t
    invalid = ~(t > 0) | np.isnan(x)
    return np.where(invalid, np.nan, low), np.where(invalid, np.nan, high)


def clustered_ratio_interval(numerators, denominators, present,
                             alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Interval for Σy / Σx over institutions whose people are not independent trials.

    Columns are indicators, rows institutions (`present` marks those counted). The
    ratio estimator's linearised variance over institutions,
    n / (n - 1) · Σ (y_i - R x_i)² / (Σ x_i)², with Student's t on n - 1 degrees of
    freedom (Cochran 1977, 6.13): it grows with how much the colleges' own rates differ,
    which treating every person as one trial ignores. NaN with fewer than 2 institutions.
    """
    y = np.where(present, numerators, 0.0)
    x = np.where(present, denominators, 0.0)
    n = present.sum(axis=0)
    total_x = x.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = y.sum(axis=0) / total_x
        residuals = np.where(present, y - ratio * x, 0.0)
        variance = n / (n - 1) * (residuals ** 2).sum(axis=0) / total_x ** 2
        half = distributions.t.ppf(1 - alpha / 2, np.maximum(n - 1, 1)) * np.sqrt(variance)
    invalid = (n < 2) | ~(total_x > 0)
    return (np.where(invalid, np.nan, np.clip(ratio - half, 0.0, None)),
            np.where(invalid, np.nan, ratio + half))


def stratum_interval(kind: str, numerators, denominators,
                     present) -> tuple[np.ndarray, np.ndarray]:
    """A stratum's 95 % interval for Σy / Σx over institutions (rows) per column.

    The wider of the interval over institutions (people are clustered in colleges) and
    the kind's interval on the pooled counts (Wilson, exact Poisson; hours have only the
    first), so it is never narrower than treating every person as one trial.
    """
    low, high = clustered_ratio_interval(numerators, denominators, present)
    if kind in RATE_INTERVALS:
        pooled_low, pooled_high = rate_interval(
            kind, np.where(present, numerators, 0.0).sum(axis=0),
            np.where(present, denominators, 0.0).sum(axis=0))
        low, high = np.fmin(low, pooled_low), np.fmax(high, pooled_high)
    return low, (np.minimum(high, 1.0) if kind == "proportion" else high)


def rate_interval(kind: str, numerator, denominator) -> tuple[np.ndarray, np.ndarray]:
    """The interval an indicator's kind calls for (`INTERVAL_NAMES`), or none (NaN)."""
    interval = RATE_INTERVALS.get(kind)
    if interval is None:
        nan = np.full(np.shape(numerator), np.nan)
        return nan, nan.copy()
    return interval(numerator, denominator)


def leave_one_out_quantile(sorted_values: np.ndarray, q: float) -> np.ndarray:
    """For each position r, the type-7 quantile of the sorted values without element r."""
    n = sorted_values.size
    if n < 2:
        return np.full(n, np.nan)
    h = (n - 2) * q
    lo = int(np.floor(h))
    frac = h - lo
    ranks = np.arange(n)
    below = np.where(lo < ranks, sorted_values[lo], sorted_values[min(lo + 1, n - 1)])
    hi_index = min(lo + 1, n - 2)
    above = np.where(hi_index < ranks, sorted_values[hi_index],
                     sorted_values[min(hi_index + 1, n - 1)])
    return below + frac * (above - below)


def percentile_rank(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Mid-rank percentile of each value within the reference: 100·(below + equal/2)/n."""
    ordered = np.sort(reference)
    if ordered.size == 0:
        return np.full(np.shape(values), np.nan)
    below = np.searchsorted(ordered, values, side="left")
    not_above = np.searchsorted(ordered, values, side="right")
    return 100.0 * (below + (not_above - below) / 2.0) / ordered.size


def poisson_test(observed, expected) -> np.ndarray:
    """Two-sided exact Poisson test of observed counts against expected: min(1, 2·tail)."""
    o = np.asarray(observed, dtype=float)
    e = np.asarray(expected, dtype=float)
    # poisson.cdf(o, e) and poisson.sf(o - 1, e) through the special functions they wrap
    # (pdtr, pdtrc), with the distribution's own values outside the support.
    # The upper tail is needed only where the lower one exceeds 1/2: elsewhere
    # upper = 1 − lower + P(X = o) > lower, so the minimum is the lower tail.
    with np.errstate(invalid="ignore"):
        k = np.floor(o)
        lower = np.where(k >= 0, special.pdtr(np.maximum(k, 0.0), e), 0.0)
        tail = np.array(lower, dtype=float, copy=True)
        both = lower > 0.5
        k_up, e_up = k[both] - 1, e[both]
        upper = np.where(k_up >= 0, special.pdtrc(np.maximum(k_up, 0.0), e_up), 1.0)
        tail[both] = np.minimum(lower[both], upper)
        p = np.minimum(1.0, 2.0 * tail)
    return np.where((e > 0) & ~np.isnan(o), p, np.nan)


def overdispersion(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Per column, φ = max(1, mean of the squared Pearson residuals (O − E)/√E winsorised at
    `WINSOR`) over the rows with a positive expectation (Spiegelhalter 2005): how much more
    the institutions differ than independent counts would."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(expected > 0, (observed - expected) / np.sqrt(expected), np.nan)
    phi = np.ones(z.shape[1])
    for column in range(z.shape[1]):
        residuals = z[:, column][~np.isnan(z[:, column])]
        if residuals.size:
            low, high = np.quantile(residuals, WINSOR, method=QUANTILE_METHOD)
            phi[column] = max(1.0, float(np.mean(np.clip(residuals, low, high) ** 2)))
    return phi


def overdispersed_poisson_test(observed, expected) -> np.ndarray:
    """Two-sided test of observed counts against expected, column by column, allowing for
    over-dispersion between institutions: the exact Poisson test where φ = 1, else the
    normal test of z = (O − E) / √(φ·E)."""
    o = np.asarray(observed, dtype=float)
    e = np.asarray(expected, dtype=float)
    phi = overdispersion(o, e)
    exact = poisson_test(o, e)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (o - e) / np.sqrt(phi * e)
        scaled = 2.0 * distributions.norm.sf(np.abs(z))
    tested = (e > 0) & ~np.isnan(o)
    return np.where(tested, np.where(phi > 1.0, scaled, exact), np.nan)


def column_quantiles(values: np.ndarray) -> np.ndarray:
    """Type-7 quantiles of each column ignoring NaN: shape (len(QUANTILES), columns)."""
    ordered = np.sort(values, axis=0)  # NaN sorts last
    counts = (~np.isnan(values)).sum(axis=0)
    out = np.full((len(QUANTILES), values.shape[1]), np.nan)
    columns = np.nonzero(counts)[0]
    if columns.size == 0:
        return out
    last = counts[columns] - 1
    for row, q in enumerate(QUANTILES):
        h = last * q
        lo = np.floor(h).astype(int)
        hi = np.minimum(lo + 1, last)
        below, above = ordered[lo, columns], ordered[hi, columns]
        out[row, columns] = below + (h - lo) * (above - below)
    return out


RATE_INTERVALS = {"proportion": wilson_interval, "count_rate": poisson_rate_interval}
