"""What the trading agents observe of a day, built from what was published before each interval (ADR 0017).

:class:`AgentDay` holds one operating day as the agent may know it: the
real-time prices it is settled at (``prices_usd_per_mwh``, seen only
*lagged*), a reference curve on the day's grid known before the day (the
day's DAM prices, published the day before, or else the previous day's
real-time prices), the previous day's real-time prices, the RT - DAM spread
model stated the day before (:class:`~hayeknet.beliefs.spread_model.SpreadModel`)
and the EnKF filtered mean (whose value at interval ``t`` has assimilated
the price of ``t``, so it is seen only up to ``t - 1``).

The feature row of interval ``t`` (:data:`PRICE_FEATURE_NAMES`) uses

* real-time prices of ``[0, t)`` (and of the previous day for lags reaching
  before midnight): ``price_lag{k}_z`` for ``k`` in :data:`PRICE_LAGS` (no lag 0),
  ``last_spread_z`` (price minus reference at ``t - 1``);
* the spread model's predictive quantiles of ``t``'s RT - DAM spread given
  ``t``'s local hour and the last published spread (``spread_q*_z``);
* the EnKF filtered mean at ``t - 1`` (``enkf_prev_z``);
* the reference curve, all of it known before the day: now, medians of
  windows ahead, the rest of the day's maximum, minimum and rank, and the
  day-ahead plan (the perfect-foresight LP on the reference curve from the
  day's starting SOC: its net power and SOC at ``t``).

Nothing of interval ``t`` itself: :func:`dynamic_features` reads ``prices[:t]``
and ``enkf[:t]`` only (a property test changes everything from ``t`` on).

Scaling is robust: a price ``p`` becomes ``clip((p - center) / scale, -Z, Z)``
with ``center`` and ``scale`` the median and inter-quartile range (floored at
:data:`SCALE_FLOOR_USD_PER_MWH`) of the reference curve, else of the previous
day, else of today's prices before ``t`` (expanding, causal;
:data:`DEFAULT_SCALE_USD_PER_MWH` around 0 before the first price).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hayeknet.agents.errors import PriceDataError
from hayeknet.battery.spec import BatterySpec
from hayeknet.beliefs.spread_model import SpreadModel

#: Scaled prices are clipped to [-Z_CLIP, Z_CLIP] (units of the reference IQR).
Z_CLIP = 10.0
#: Lower bound of the robust scale, $/MWh (keeps flat days from dividing by ~0).
SCALE_FLOOR_USD_PER_MWH = 5.0
#: Scale of the causal fallback before any price of the day is known, $/MWh.
DEFAULT_SCALE_USD_PER_MWH = 50.0
#: Lags (in intervals) of real-time prices in the observation: the last published price is lag 1.
PRICE_LAGS = (1, 2, 3, 6, 12)
#: Windows ahead on the reference curve, hours after the start of the interval.
REFERENCE_AHEAD_WINDOWS_HOURS = ((0.0, 1.0), (1.0, 3.0), (3.0, 6.0), (6.0, 12.0))
#: Quantiles of the spread model's predictive spread in the observation.
SPREAD_QUANTILES = (0.1, 0.5, 0.9)

DYNAMIC_FEATURE_NAMES: tuple[str, ...] = (
    *(f"price_lag{lag}_z" for lag in PRICE_LAGS),
    "last_spread_z",  # (price - reference) of interval t - 1
    "has_spread_model",
    *(f"spread_q{round(q * 100):02d}_z" for q in SPREAD_QUANTILES),  # predicted RT - DAM spread of t / scale
    "has_enkf",
    "enkf_prev_z",  # EnKF filtered mean of t - 1
)
STATIC_FEATURE_NAMES: tuple[str, ...] = (
    "has_reference",
    "reference_is_dam",
    "reference_now_z",
    *(f"reference_median_{a:g}h_{b:g}h_z" for a, b in REFERENCE_AHEAD_WINDOWS_HOURS),
    "reference_rest_max_z",
    "reference_rest_min_z",
    "reference_rest_rank",  # share of the rest of the day's reference at or below now, in [0, 1]
    "plan_net_frac",  # day-ahead plan's net power / power_mw, in [-1, 1]
    "plan_soc_frac",  # day-ahead plan's SOC at the start of t, (soc - soc_min) / usable
)
PRICE_FEATURE_NAMES: tuple[str, ...] = DYNAMIC_FEATURE_NAMES + STATIC_FEATURE_NAMES


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


def on_grid(values: np.ndarray, n: int) -> np.ndarray:
    """``values`` (m intervals, e.g. the previous day's prices on a DST day) on a grid of ``n``: interval
    ``t`` takes value ``round(t * m / n)``."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.size == n:
        return arr
    return arr[np.minimum(np.rint(np.arange(n) * arr.size / n).astype(np.int64), arr.size - 1)]


@dataclass(frozen=True, eq=False)
class AgentDay:
    """One operating day as a trading agent may know it (module docstring). Prices $/MWh, one per interval.

    ``reference_usd_per_mwh`` (optional) is put on the day's grid (:func:`on_grid`);
    ``reference_is_dam`` says whether it is the day's DAM (else the previous
    day's RT). ``local_hour`` (0-23, America/Chicago) of each interval is
    needed with a ``spread_model``; ``enkf_mean_usd_per_mwh`` (optional) is the
    EnKF filtered mean per interval.
    """

    label: str
    prices_usd_per_mwh: np.ndarray
    reference_usd_per_mwh: np.ndarray | None = None
    reference_is_dam: bool = False
    previous_usd_per_mwh: np.ndarray | None = None
    local_hour: np.ndarray | None = None
    spread_model: SpreadModel | None = None
    enkf_mean_usd_per_mwh: np.ndarray | None = None

    def __post_init__(self) -> None:
        p = validate_prices(self.prices_usd_per_mwh, f"day {self.label}: prices")
        n = p.size
        object.__setattr__(self, "prices_usd_per_mwh", p)
        if self.reference_usd_per_mwh is not None:
            ref = validate_prices(self.reference_usd_per_mwh, f"day {self.label}: reference prices")
            object.__setattr__(self, "reference_usd_per_mwh", on_grid(ref, n))
        elif self.reference_is_dam:
            raise PriceDataError(f"day {self.label}: reference_is_dam without reference prices")
        if self.previous_usd_per_mwh is not None:
            prev = validate_prices(self.previous_usd_per_mwh, f"day {self.label}: previous day's prices")
            object.__setattr__(self, "previous_usd_per_mwh", prev)
        if self.enkf_mean_usd_per_mwh is not None:
            enkf = validate_prices(self.enkf_mean_usd_per_mwh, f"day {self.label}: EnKF mean")
            if enkf.size != n:
                raise PriceDataError(f"day {self.label}: EnKF mean has {enkf.size} intervals, prices {n}")
            object.__setattr__(self, "enkf_mean_usd_per_mwh", enkf)
        if self.local_hour is not None:
            hours = np.asarray(self.local_hour, dtype=np.int64)
            if hours.shape != (n,) or np.any((hours < 0) | (hours > 23)):
                raise PriceDataError(f"day {self.label}: local_hour needs {n} hours within 0..23")
            object.__setattr__(self, "local_hour", hours)
        if self.spread_model is not None and self.local_hour is None:
            raise PriceDataError(f"day {self.label}: a spread model needs the intervals' local hours")

    @property
    def n_intervals(self) -> int:
        return int(self.prices_usd_per_mwh.size)

    def arrays(self) -> dict[str, np.ndarray]:
        """The day's numeric inputs by name (for hashing)."""
        out = {"prices": self.prices_usd_per_mwh}
        for name in ("reference_usd_per_mwh", "previous_usd_per_mwh", "enkf_mean_usd_per_mwh"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.spread_model is not None:
            out["spread_model_atoms"] = self.spread_model.atoms.ravel()
        return out


def center_scale(reference: np.ndarray | None, previous: np.ndarray | None) -> tuple[float, float] | None:
    """Median and floored IQR ($/MWh) of the reference curve, else of the previous day; None without either."""
    base = reference if reference is not None else previous
    if base is None:
        return None
    q25, q50, q75 = np.percentile(base, [25.0, 50.0, 75.0])
    return float(q50), max(float(q75 - q25), SCALE_FLOOR_USD_PER_MWH)


def _causal_center_scale(prices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median and IQR (floored) of ``prices[:t]`` for every ``t`` (0 and the default scale at ``t = 0``)."""
    n = prices.size
    center = np.zeros(n)
    scale = np.full(n, DEFAULT_SCALE_USD_PER_MWH)
    if n > 1:
        starts = np.zeros(n - 1, dtype=np.int64)
        q25, q50, q75 = _window_percentiles(prices, starts, np.arange(1, n), (25.0, 50.0, 75.0))
        center[1:] = q50
        scale[1:] = np.maximum(q75 - q25, SCALE_FLOOR_USD_PER_MWH)
    return center, scale


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
    pos = np.asarray(q, dtype=np.float64)[:, None] / 100.0 * (stops - starts - 1)[None, :]
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, (stops - starts - 1)[None, :])
    rows = np.arange(starts.size)[None, :]
    below, above = windows[rows, lo], windows[rows, hi]
    return below + (above - below) * (pos - lo)


def _z(values: np.ndarray, center: np.ndarray | float, scale: np.ndarray | float) -> np.ndarray:
    return np.clip((np.asarray(values, dtype=np.float64) - center) / scale, -Z_CLIP, Z_CLIP)


def _spread_quantile_table(model: SpreadModel) -> np.ndarray:
    """``(24, K + 1, len(SPREAD_QUANTILES))``: quantiles per (hour, previous bin); bin ``K`` = unknown
    previous spread (all atoms of the hour)."""
    per_bin = np.quantile(model.atoms, SPREAD_QUANTILES, axis=2)  # (Q, 24, K)
    pooled = np.quantile(model.atoms.reshape(model.atoms.shape[0], -1), SPREAD_QUANTILES, axis=1)  # (Q, 24)
    return np.concatenate([np.moveaxis(per_bin, 0, 2), np.moveaxis(pooled, 0, 1)[:, None, :]], axis=1)


def dynamic_features(
    prices: np.ndarray,
    reference: np.ndarray | None,
    reference_is_dam: bool,
    previous: np.ndarray | None,
    local_hour: np.ndarray | None,
    spread_model: SpreadModel | None,
    enkf_mean: np.ndarray | None,
) -> np.ndarray:
    """The :data:`DYNAMIC_FEATURE_NAMES` columns, one row per interval of ``prices``.

    Row ``t`` reads ``prices[:t]`` and ``enkf_mean[:t]`` only (and the previous
    day, the reference curve, the hours and the spread model, all known before
    the day), so entries from ``t`` on may be anything, NaN included.
    """
    p = np.asarray(prices, dtype=np.float64)
    n = p.size
    cs = center_scale(reference, previous)
    if cs is None:
        center, scale = _causal_center_scale(np.nan_to_num(p))
    else:
        center, scale = np.full(n, cs[0]), np.full(n, cs[1])
    prev = np.zeros(0) if previous is None else np.asarray(previous, dtype=np.float64)
    ext = np.concatenate([prev, p])
    idx = np.arange(n)
    fill = reference[0] if reference is not None else center
    out = np.zeros((n, len(DYNAMIC_FEATURE_NAMES)))
    col = 0
    for lag in PRICE_LAGS:
        j = prev.size + idx - lag
        lagged = np.where(j >= 0, ext[np.maximum(j, 0)], fill)
        out[:, col] = _z(lagged, center, scale)
        col += 1
    last_spread = np.full(n, np.nan)
    if reference is not None:
        last_spread[1:] = p[:-1] - reference[:-1]
    out[:, col] = np.where(np.isfinite(last_spread), np.clip(np.nan_to_num(last_spread) / scale, -Z_CLIP, Z_CLIP), 0.0)
    col += 1
    if spread_model is not None and reference_is_dam and local_hour is not None:
        table = _spread_quantile_table(spread_model)
        bins = np.where(np.isfinite(last_spread), spread_model.bin_of(np.nan_to_num(last_spread)), table.shape[1] - 1)
        quantiles = table[np.asarray(local_hour, dtype=np.int64), bins]  # (n, Q)
        out[:, col] = 1.0
        out[:, col + 1 : col + 1 + len(SPREAD_QUANTILES)] = np.clip(quantiles / scale[:, None], -Z_CLIP, Z_CLIP)
    col += 1 + len(SPREAD_QUANTILES)
    if enkf_mean is not None and n > 1:
        out[1:, col] = 1.0
        out[1:, col + 1] = _z(np.asarray(enkf_mean, dtype=np.float64)[:-1], center[1:], scale[1:])
    return out


def static_features(
    reference: np.ndarray | None,
    reference_is_dam: bool,
    previous: np.ndarray | None,
    n: int,
    dt_hours: float,
    spec: BatterySpec,
    plan_net_mw: np.ndarray | None = None,
    plan_soc_mwh: np.ndarray | None = None,
) -> np.ndarray:
    """The :data:`STATIC_FEATURE_NAMES` columns (known before the day), ``(n, len(STATIC_FEATURE_NAMES))``.

    ``plan_net_mw`` / ``plan_soc_mwh`` (MW per interval, MWh at each interval's
    start) are the day-ahead plan (:func:`hayeknet.agents.offer_action.day_ahead_plan`); zeros without.
    """
    out = np.zeros((n, len(STATIC_FEATURE_NAMES)))
    if reference is None:
        return out
    ref = np.asarray(reference, dtype=np.float64)
    cs = center_scale(ref, previous)
    assert cs is not None
    center, scale = cs
    idx = np.arange(n)
    out[:, 0] = 1.0
    out[:, 1] = 1.0 if reference_is_dam else 0.0
    out[:, 2] = _z(ref, center, scale)
    col = 3
    for a, b in REFERENCE_AHEAD_WINDOWS_HOURS:
        starts, stops = _clamped_windows(n, idx + round(a / dt_hours), idx + round(b / dt_hours))
        out[:, col] = _z(_window_percentiles(ref, starts, stops, (50.0,))[0], center, scale)
        col += 1
    out[:, col] = _z(np.maximum.accumulate(ref[::-1])[::-1], center, scale)
    out[:, col + 1] = _z(np.minimum.accumulate(ref[::-1])[::-1], center, scale)
    rest = idx[None, :] >= idx[:, None]
    out[:, col + 2] = np.sum(rest & (ref[None, :] <= ref[:, None]), axis=1) / (n - idx)
    col += 3
    if plan_net_mw is not None and plan_soc_mwh is not None:
        out[:, col] = np.clip(np.asarray(plan_net_mw) / spec.power_mw, -1.0, 1.0)
        usable = spec.usable_mwh if spec.usable_mwh > 0 else 1.0
        out[:, col + 1] = np.clip((np.asarray(plan_soc_mwh) - spec.soc_min_mwh) / usable, 0.0, 1.0)
    return out


def price_features(
    day: AgentDay,
    dt_hours: float,
    spec: BatterySpec,
    plan_net_mw: np.ndarray | None = None,
    plan_soc_mwh: np.ndarray | None = None,
) -> np.ndarray:
    """Feature matrix of one day, ``(n_intervals, len(PRICE_FEATURE_NAMES))``, float64 (module docstring)."""
    dynamic = dynamic_features(
        day.prices_usd_per_mwh,
        day.reference_usd_per_mwh,
        day.reference_is_dam,
        day.previous_usd_per_mwh,
        day.local_hour,
        day.spread_model,
        day.enkf_mean_usd_per_mwh,
    )
    static = static_features(
        day.reference_usd_per_mwh,
        day.reference_is_dam,
        day.previous_usd_per_mwh,
        day.n_intervals,
        dt_hours,
        spec,
        plan_net_mw,
        plan_soc_mwh,
    )
    return np.concatenate([dynamic, static], axis=1)
