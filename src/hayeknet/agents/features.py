"""Price features of the trading agent's observation, computed once per day.

Everything here is causal: the feature row of interval ``t`` uses today's
prices up to and including ``t`` and, when given, the *previous* day's prices
(the reference day). Prices are $/MWh on the day's regular 5-minute grid
(288 intervals; 276 or 300 on DST days).

Scaling is robust: a price ``p`` becomes ``clip((p - center) / scale, -Z, Z)``
with ``center`` the reference day's median and ``scale`` its inter-quartile
range (floored at :data:`SCALE_FLOOR_USD_PER_MWH`, so a flat day does not blow
up the features). Without a reference day the center and scale are the
median and IQR of today's prices seen so far (expanding, causal), the
reference-window features are zero, ``has_reference`` is 0 and
``reference_rank`` is the rank of the current price among today's prices so far.
"""

from __future__ import annotations

import numpy as np

from hayeknet.agents.errors import PriceDataError

#: Scaled prices are clipped to [-Z_CLIP, Z_CLIP] (units of the reference IQR).
Z_CLIP = 10.0
#: Lower bound of the robust scale, $/MWh (keeps flat days from dividing by ~0).
SCALE_FLOOR_USD_PER_MWH = 5.0
#: Lags (in intervals) of today's prices in the observation; 0 is the current price.
PRICE_LAGS = (0, 1, 2, 3, 6, 12)
#: Half-width of the reference window around the current time of day, hours.
REFERENCE_HALF_WINDOW_HOURS = 0.5
#: Look-ahead windows on the reference day, hours after the current time of day.
REFERENCE_AHEAD_WINDOWS_HOURS = ((0.0, 1.0), (1.0, 3.0), (3.0, 6.0))

PRICE_FEATURE_NAMES: tuple[str, ...] = (
    *(f"price_lag{lag}_z" for lag in PRICE_LAGS),
    "has_reference",
    "reference_rank",
    "reference_p10_now_z",
    "reference_p50_now_z",
    "reference_p90_now_z",
    *(f"reference_median_{a:g}h_{b:g}h_z" for a, b in REFERENCE_AHEAD_WINDOWS_HOURS),
)


def validate_prices(prices: np.ndarray, what: str) -> np.ndarray:
    """Return ``prices`` as a 1-D float64 array, or raise :class:`PriceDataError` naming ``what``.

    ``what`` names the array in messages (e.g. ``"price_days[3] (2025-10-04)"``).
    """
    arr = np.asarray(prices, dtype=np.float64)
    if arr.ndim != 1:
        raise PriceDataError(f"{what}: expected a 1-D array of $/MWh prices, got shape {arr.shape}")
    if arr.size == 0:
        raise PriceDataError(f"{what}: no intervals")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise PriceDataError(
            f"{what}: price at interval {int(bad[0])} is {arr[bad[0]]!r} "
            f"({bad.size} non-finite interval(s)); fill or drop the day before training"
        )
    return arr


def _robust_center_scale(values: np.ndarray) -> tuple[float, float]:
    q25, q50, q75 = np.percentile(values, [25.0, 50.0, 75.0])
    return float(q50), max(float(q75 - q25), SCALE_FLOOR_USD_PER_MWH)


def _causal_center_scale(prices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expanding median and IQR (floored) of ``prices[: t + 1]`` for every ``t``."""
    n = prices.size
    starts = np.zeros(n, dtype=np.int64)
    q25, q50, q75 = _window_percentiles(prices, starts, np.arange(1, n + 1), (25.0, 50.0, 75.0))
    return q50, np.maximum(q75 - q25, SCALE_FLOOR_USD_PER_MWH)


def _clamped_windows(m: int, starts: np.ndarray, stops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Windows ``[start, stop)`` clamped to ``0..m``, never empty (fall back to the last interval)."""
    starts = np.clip(starts, 0, m - 1)
    stops = np.minimum(np.maximum(stops, starts + 1), m)
    return starts, stops


def _window_percentiles(values: np.ndarray, starts: np.ndarray, stops: np.ndarray, q: tuple[float, ...]) -> np.ndarray:
    """Percentiles ``q`` of ``values[starts[i]:stops[i]]`` for each ``i``: shape ``(len(q), len(starts))``.

    Same values as ``np.percentile`` (default linear method), vectorized over windows.
    """
    width = int(np.max(stops - starts))
    idx = starts[:, None] + np.arange(width)[None, :]
    inside = idx < stops[:, None]
    windows = np.sort(np.where(inside, values[np.minimum(idx, values.size - 1)], np.inf), axis=1)
    # numpy's default ("linear") percentile on each window's sorted finite part
    pos = np.asarray(q, dtype=np.float64)[:, None] / 100.0 * (stops - starts - 1)[None, :]
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, (stops - starts - 1)[None, :])
    rows = np.arange(starts.size)[None, :]
    below, above = windows[rows, lo], windows[rows, hi]
    return below + (above - below) * (pos - lo)


def price_features(
    day_prices: np.ndarray,
    dt_hours: float,
    reference_prices: np.ndarray | None = None,
) -> np.ndarray:
    """Feature matrix of one day, shape ``(n_intervals, len(PRICE_FEATURE_NAMES))``, float64.

    ``day_prices`` and ``reference_prices`` are $/MWh (already validated). The
    reference day may have a different number of intervals (DST); interval
    ``t`` of today is aligned to reference interval ``round(t * m / n)``.
    """
    p = np.asarray(day_prices, dtype=np.float64)
    n = p.size
    out = np.zeros((n, len(PRICE_FEATURE_NAMES)))
    if reference_prices is not None:
        ref = np.asarray(reference_prices, dtype=np.float64)
        c, s = _robust_center_scale(ref)
        center = np.full(n, c)
        scale = np.full(n, s)
    else:
        ref = None
        center, scale = _causal_center_scale(p)

    idx = np.arange(n)
    col = 0
    for lag in PRICE_LAGS:
        out[:, col] = np.clip((p[np.maximum(idx - lag, 0)] - center) / scale, -Z_CLIP, Z_CLIP)
        col += 1

    if ref is None:
        # rank of the current price among today's prices so far (causal)
        seen = np.tril(np.ones((n, n), dtype=bool))
        out[:, col + 1] = np.sum(seen & (p[None, :] <= p[:, None]), axis=1) / (idx + 1)
        return out

    m = ref.size
    ref_sorted = np.sort(ref)
    out[:, col] = 1.0
    out[:, col + 1] = np.searchsorted(ref_sorted, p, side="right") / m
    half = max(round(REFERENCE_HALF_WINDOW_HOURS / dt_hours), 0)
    ahead = [(round(a / dt_hours), round(b / dt_hours)) for a, b in REFERENCE_AHEAD_WINDOWS_HOURS]
    j = np.minimum(np.rint(idx * m / n).astype(np.int64), m - 1)
    now = _window_percentiles(ref, *_clamped_windows(m, j - half, j + half + 1), (10.0, 50.0, 90.0))
    ahead_medians = [_window_percentiles(ref, *_clamped_windows(m, j + a, j + b), (50.0,))[0] for a, b in ahead]
    row = np.column_stack([*now, *ahead_medians])
    out[:, col + 2 :] = np.clip((row - center[:, None]) / scale[:, None], -Z_CLIP, Z_CLIP)
    return out
