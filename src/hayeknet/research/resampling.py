"""Resampling statistics behind the research answers' confidence statements.

Five-minute prices are strongly autocorrelated, so an ordinary (i.i.d.) bootstrap
over intervals understates uncertainty. :func:`block_bootstrap` resamples
*moving blocks* of consecutive intervals (Kuensch 1989); with ``block_length=1``
it is the ordinary bootstrap (used for per-hour quantities, which are treated as
exchangeable). :func:`rank_test` is the exact rank (permutation) test of whether
one value is extreme among a set under exchangeability.

Every function takes an explicit ``seed`` so that a day's results are reproducible.
"""

from __future__ import annotations

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
