"""Resampling statistics behind the research answers, hypotheses and claim scores.

Five-minute prices are strongly autocorrelated, so an ordinary (i.i.d.) bootstrap
over intervals understates uncertainty. :func:`block_bootstrap` resamples
*moving blocks* of consecutive rows (Kuensch 1989); with ``block_length=1``
it is the ordinary bootstrap. :func:`rank_test` is the exact rank (permutation)
test of whether one value is extreme among a set under exchangeability.

**The resampling unit** (ADR 0016). A battery's state of charge links every
interval of a day to the ones before it, so no quantity built from a ledger
(profit, shortfall, efficiency) is resampled by interval or hour: those are
resampled by **day** (:func:`bootstrap_days`, a moving-block bootstrap over the
study days, blocks of :func:`day_block_length` days because weather regimes
last several days) or tested by flipping the signs of **daily** values
(:func:`sign_flip_test`). Only price-only quantities (EnKF innovations, price
variance) may be resampled within a day, and then in blocks of an hour.
:func:`conformal_halfwidth` turns past errors of a day-ahead point forecast
into a prediction interval with finite-sample coverage.

Every function takes an explicit ``seed`` so that a day's results are reproducible.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


class InsufficientDataError(ValueError):
    """A statistic was asked of fewer observations than it needs."""


@dataclass(frozen=True)
class BootstrapResult:
    """A point estimate with its percentile bootstrap distribution summary.

    ``low``/``high`` bound the central ``level`` percentile interval; ``replicates``
    holds the statistic of every resample (NaN replicates are dropped).
    """

    estimate: float
    low: float
    high: float
    level: float
    n_resamples: int
    block_length: int
    n_observations: int
    replicates: np.ndarray

    def probability(self, predicate: Callable[[np.ndarray], np.ndarray]) -> float:
        """Share of bootstrap replicates for which ``predicate`` holds (e.g. ``lambda r: r > 0``)."""
        if self.replicates.size == 0:
            return float("nan")
        return float(np.mean(predicate(self.replicates)))


def block_bootstrap(
    values: np.ndarray,
    statistic: Callable[[np.ndarray], float],
    *,
    n_resamples: int = 1000,
    block_length: int = 12,
    level: float = 0.95,
    seed: int = 0,
) -> BootstrapResult:
    """Moving-block bootstrap of ``statistic`` over the first axis of ``values``.

    ``values`` may be 1-D (one series) or 2-D (rows are intervals, columns are
    variables resampled together, e.g. two strategies' per-interval profit).
    Each resample concatenates ``ceil(n / block_length)`` blocks of consecutive
    rows starting at uniformly drawn positions and is cut to ``n`` rows.
    """
    data = np.asarray(values, dtype=float)
    n = data.shape[0]
    if n < 2:
        raise InsufficientDataError(f"block bootstrap needs at least 2 observations, got {n}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    block = int(max(1, min(block_length, n)))
    n_blocks = int(np.ceil(n / block))
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, n - block + 1, size=(n_resamples, n_blocks))
    offsets = np.arange(block)
    idx = (starts[:, :, None] + offsets[None, None, :]).reshape(n_resamples, -1)[:, :n]
    reps = np.array([statistic(data[row]) for row in idx], dtype=float)
    reps = reps[np.isfinite(reps)]
    alpha = (1.0 - level) / 2.0
    if reps.size:
        low, high = np.quantile(reps, [alpha, 1.0 - alpha])
    else:
        low = high = float("nan")
    return BootstrapResult(
        estimate=float(statistic(data)),
        low=float(low),
        high=float(high),
        level=level,
        n_resamples=n_resamples,
        block_length=block,
        n_observations=n,
        replicates=reps,
    )


@dataclass(frozen=True)
class RankTestResult:
    """Where ``value`` falls among ``reference`` values and the exact rank-test p-values.

    ``percentile`` is the share of reference values strictly below ``value`` plus
    half the ties (mid-rank), in percent. Under exchangeability of the ``n + 1``
    values, ``p_greater = (#reference >= value + 1) / (n + 1)`` is the exact
    p-value of "value is unusually high", ``p_less`` the mirror, and
    ``p_two_sided = min(1, 2 * min(p_greater, p_less))``. ``min_attainable_p`` is
    the smallest two-sided p-value any value could get with this many references.
    """

    value: float
    n_reference: int
    percentile: float
    p_greater: float
    p_less: float
    p_two_sided: float
    min_attainable_p: float


def rank_test(value: float, reference: np.ndarray) -> RankTestResult:
    """Exact rank test of ``value`` against ``reference`` (NaNs in reference are dropped)."""
    ref = np.asarray(reference, dtype=float)
    ref = ref[np.isfinite(ref)]
    n = ref.size
    if n == 0:
        raise InsufficientDataError("rank test needs at least one reference value")
    if not np.isfinite(value):
        raise InsufficientDataError(f"rank test value is not finite: {value}")
    below = float(np.sum(ref < value))
    ties = float(np.sum(ref == value))
    percentile = 100.0 * (below + 0.5 * ties) / n
    p_greater = (float(np.sum(ref >= value)) + 1.0) / (n + 1.0)
    p_less = (float(np.sum(ref <= value)) + 1.0) / (n + 1.0)
    return RankTestResult(
        value=float(value),
        n_reference=n,
        percentile=percentile,
        p_greater=p_greater,
        p_less=p_less,
        p_two_sided=min(1.0, 2.0 * min(p_greater, p_less)),
        min_attainable_p=min(1.0, 2.0 / (n + 1.0)),
    )


# --------------------------------------------------------------------------- days as the unit

EXACT_SIGN_FLIP_MAX_N = 16
"""Up to this many days the sign-flip test enumerates all ``2**n`` sign patterns."""


def day_block_length(n_days: int) -> int:
    """Block length (days) of the moving-block bootstrap over ``n_days`` study days: ``round(n ** (1/3))``.

    The n^(1/3) rate is the mean-squared-error optimal order for block
    bootstrap variance estimates (Hall, Horowitz and Jing 1995); 1 for up to 3
    days, 4 for the 62 days of July-August.
    """
    return max(1, round(max(n_days, 1) ** (1.0 / 3.0)))


def bootstrap_days(
    values: np.ndarray,
    statistic: Callable[[np.ndarray], float],
    *,
    n_resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    block_length: int | None = None,
) -> BootstrapResult:
    """Moving-block bootstrap over study days: rows of ``values`` are days in date order.

    ``block_length`` defaults to :func:`day_block_length`; whole days (and runs
    of days) are resampled, never the intervals or hours inside a day.
    """
    data = np.asarray(values, dtype=float)
    block = day_block_length(data.shape[0]) if block_length is None else block_length
    return block_bootstrap(data, statistic, n_resamples=n_resamples, block_length=block, level=level, seed=seed)


def sign_flip_test(values: np.ndarray, *, n_resamples: int = 2000, seed: int = 0) -> tuple[float, float, bool]:
    """One-sided p-values ``(greater, less, exact)`` of "the mean of the daily ``values`` is 0".

    Under the null each day's value is symmetric about 0, so flipping its sign
    leaves the distribution unchanged (the paired permutation test with the day
    as unit). Exact enumeration of the ``2**n`` patterns (the observed one
    included) for ``n <= 16``; otherwise ``(count + 1) / (n_resamples + 1)``
    over random patterns.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = x.size
    if n == 0:
        raise InsufficientDataError("sign-flip test needs at least one daily value")
    observed = float(x.mean())
    if n <= EXACT_SIGN_FLIP_MAX_N:
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=n)))
        means = signs @ x / n
        tol = 1e-12 * max(1.0, float(np.abs(x).max()))
        return (
            float(np.mean(means >= observed - tol)),
            float(np.mean(means <= observed + tol)),
            True,
        )
    rng = np.random.default_rng(seed)
    signs = rng.choice((1.0, -1.0), size=(n_resamples, n))
    means = signs @ x / n
    tol = 1e-12 * max(1.0, float(np.abs(x).max()))
    greater = (float(np.sum(means >= observed - tol)) + 1.0) / (n_resamples + 1.0)
    less = (float(np.sum(means <= observed + tol)) + 1.0) / (n_resamples + 1.0)
    return greater, less, False


def conformal_min_n(level: float) -> int:
    """Fewest past errors for which :func:`conformal_halfwidth` gives a finite interval at ``level``."""
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    n = 1
    while math.ceil((n + 1) * level - 1e-9) > n:
        n += 1
    return n


def conformal_halfwidth(errors: np.ndarray, level: float) -> float | None:
    """Half-width of a split-conformal prediction interval from past absolute forecast errors.

    With ``n`` exchangeable past errors ``|y_i - yhat_i|``, the interval
    ``yhat +- e_(k)`` with ``k = ceil((n + 1) * level)`` (the k-th smallest
    error) covers the next value with probability at least ``level`` (Vovk,
    Gammerman and Shafer 2005). None when ``k > n``: too few errors for a
    finite interval at that level (see :func:`conformal_min_n`).
    """
    e = np.sort(np.abs(np.asarray(errors, dtype=float)))
    e = e[np.isfinite(e)]
    k = math.ceil((e.size + 1) * level - 1e-9)
    if k > e.size or k < 1:
        return None
    return float(e[k - 1])
