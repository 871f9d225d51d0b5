"""Intervals and tests for proportions: the Wilson interval and the two-proportion z-test.

Kept apart from :mod:`cls_text.report.trends`, which counts shares in a tagged table, so that the
formulas can be read and checked against their references on their own.
"""

from __future__ import annotations

import math

import numpy as np

#: z for a two-sided 95% interval.
Z95 = 1.959963984540054


def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``k / n``.

    Wilson rather than the textbook normal interval because survey groups are often small
    and shares often near 0%: the normal interval then runs below zero or collapses to a point.

    Args:
        k: Successes (0 <= k <= n).
        n: Trials; ``n == 0`` gives ``(nan, nan)`` (no base, no interval).
        z: Normal quantile; 1.96 for 95%.

    Returns:
        ``(low, high)`` as fractions in [0, 1].

    Raises:
        ValueError: ``k`` or ``n`` is negative or ``k > n``.

    Examples:
        >>> [round(x, 4) for x in wilson_interval(31, 100)]
        [0.2278, 0.4063]
    """
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"wilson_interval: need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return (math.nan, math.nan)
    low, high = wilson_arrays(np.array([k], dtype=float), np.array([n], dtype=float), z)
    return (float(low[0]), float(high[0]))


def wilson_arrays(k: np.ndarray, n: np.ndarray, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised Wilson interval; entries with ``n == 0`` are NaN."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1.0 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
        low = np.clip(centre - half, 0.0, 1.0)
        high = np.clip(centre + half, 0.0, 1.0)
    low[n == 0] = np.nan
    high[n == 0] = np.nan
    return low, high


def two_proportion_test(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float]:
    """Return z and two-sided p of a pooled two-proportion test; (0, 1) if nothing varies."""
    from statsmodels.stats.proportion import proportions_ztest

    if n1 == 0 or n2 == 0:
        return (math.nan, math.nan)
    pooled = (k1 + k2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        # Both waves at 0% (or 100%): no evidence of change, and the test statistic is 0/0.
        return (0.0, 1.0)
    z, p = proportions_ztest(np.array([k2, k1]), np.array([n2, n1]))
    return (float(z), float(p))
