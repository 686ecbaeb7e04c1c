"""Fit the mean-reverting jump-diffusion of :mod:`hayeknet.options.montecarlo` to archive prices.

Model of hourly prices ``P_t`` ($/MWh), in transformed units
``x_t = asinh(P_t / scale)`` (or ``ln P_t`` for strictly positive prices)::

    x_t = shape[hour_of_day(t)] + y_t,   y the jump OU of JumpOUModel (time unit: hours)

(a deterministic daily shape plus a mean-reverting deviation, Lucia & Schwartz
2002). Estimators, all closed form:

1. ``shape[h]``: mean of ``x`` over the hours with America/Chicago hour of day ``h``.
2. AR(1) on consecutive hourly deviations, ``y_{t+1} = a y_t + b + e_t`` (OLS).
3. Jumps by threshold: residuals further than ``jump_threshold`` robust
   standard deviations (1.4826 x MAD) from their median are jumps; the AR(1) is
   re-fitted on the other pairs.
4. ``kappa = -ln a`` per hour, ``mean_level = b / (1 - a)``,
   ``sigma = sd(e) sqrt(2 kappa / (1 - a^2))`` (the exact-transition variance),
   ``jump_intensity = n_jumps / n_pairs`` per hour, ``jump_mean`` the mean of
   the jump residuals, ``jump_std^2`` their variance less the diffusion variance.

Hours are UTC hour starts internally; the hour of day is taken in
America/Chicago (ERCOT's operating day).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hayeknet.options.errors import PriceFitError
from hayeknet.options.montecarlo import JumpOUModel

MARKET_TZ = "America/Chicago"
MIN_HOURS = 48


@dataclass(frozen=True)
class FittedPriceModel:
    """A fitted hourly price model: daily shape (24 values, transformed units) plus a jump OU deviation."""

    model: JumpOUModel  # deviation dynamics, rates per hour
    transform: str  # "asinh" or "log"
    scale_usd_per_mwh: float  # s in asinh(P / s); 1 for log
    hourly_shape: tuple[float, ...]  # shape[h], h = America/Chicago hour of day 0..23
    last_deviation: float  # y at the last fitted hour (start of a simulation of the next day)
    n_hours: int
    n_pairs: int
    n_jumps: int

    def transform_prices(self, prices_usd_per_mwh: np.ndarray) -> np.ndarray:
        """Transformed prices ``x`` for this model's transform."""
        return transform_prices(prices_usd_per_mwh, self.transform, self.scale_usd_per_mwh)


def transform_prices(prices_usd_per_mwh: np.ndarray, transform: str, scale_usd_per_mwh: float) -> np.ndarray:
    """``asinh(P / s)`` or ``ln P`` (the log needs strictly positive prices)."""
    p = np.asarray(prices_usd_per_mwh, dtype=float)
    if transform == "asinh":
        return np.arcsinh(p / scale_usd_per_mwh)
    if transform == "log":
        if np.any(p <= 0):
            raise PriceFitError("the log transform needs strictly positive prices; use transform='asinh'")
        return np.log(p)
    raise PriceFitError(f"transform must be 'asinh' or 'log', got {transform!r}")


def hourly_prices(table: pd.DataFrame, location: str, market: str | None = None) -> pd.Series:
    """Hourly mean energy price ($/MWh) of ``location`` from the normalized price table (ADR 0001).

    Keeps energy rows (``as_type`` NA) of ``market`` (all markets if None),
    averages by UTC hour start; the result is indexed by ``interval_start_utc``.
    """
    needed = {"interval_start_utc", "location", "price", "as_type", "market"}
    missing = needed - set(table.columns)
    if missing:
        raise PriceFitError(f"price table lacks column(s) {', '.join(sorted(missing))}")
    rows = table[(table["location"] == location) & table["as_type"].isna()]
    if market is not None:
        rows = rows[rows["market"] == market]
    if rows.empty:
        raise PriceFitError(f"no energy prices for location {location!r}" + (f" in market {market}" if market else ""))
    hours = pd.DatetimeIndex(rows["interval_start_utc"]).tz_convert("UTC").floor("h")
    series = rows["price"].astype(float).groupby(hours).mean()
    series.index.name = "interval_start_utc"
    return series


def fit_jump_ou(
    prices: pd.Series,
    transform: str = "asinh",
    scale_usd_per_mwh: float = 20.0,
    jump_threshold: float = 4.0,
) -> FittedPriceModel:
    """Fit :class:`FittedPriceModel` to hourly prices (``Series`` of $/MWh on a UTC hour-start index).

    Missing hours are allowed: only pairs one hour apart enter the AR(1).
    Raises :class:`PriceFitError` with fewer than 48 hours or a non
    mean-reverting AR(1) coefficient (``a`` outside (0, 1)).
    """
    if not isinstance(prices.index, pd.DatetimeIndex) or prices.index.tz is None:
        raise PriceFitError("prices must be indexed by a tz-aware (UTC) DatetimeIndex of hour starts")
    series = prices.astype(float).dropna().sort_index()
    series = series[~series.index.duplicated()]
    if len(series) < MIN_HOURS:
        raise PriceFitError(f"need at least {MIN_HOURS} hourly prices, got {len(series)}")
    if not scale_usd_per_mwh > 0:
        raise PriceFitError(f"scale_usd_per_mwh must be > 0, got {scale_usd_per_mwh!r}")
    x = transform_prices(series.to_numpy(), transform, scale_usd_per_mwh)
    hour = series.index.tz_convert(MARKET_TZ).hour.to_numpy()
    shape = np.full(24, float(x.mean()))
    for h in range(24):
        if np.any(hour == h):
            shape[h] = float(x[hour == h].mean())
    y = x - shape[hour]
    hours_utc = series.index.tz_convert("UTC")
    step = np.asarray((hours_utc[1:] - hours_utc[:-1]) == pd.Timedelta("1h"))
    y0, y1 = y[:-1][step], y[1:][step]
    if y0.size < MIN_HOURS // 2:
        raise PriceFitError(f"need at least {MIN_HOURS // 2} consecutive hour pairs, got {y0.size}")
    a, b, resid = _ols(y0, y1)
    centre = float(np.median(resid))
    robust_sd = 1.4826 * float(np.median(np.abs(resid - centre)))
    jumps = np.abs(resid - centre) > jump_threshold * robust_sd if robust_sd > 0 else np.zeros(resid.size, bool)
    if np.sum(~jumps) < 3:
        raise PriceFitError("too few non-jump hour pairs to fit the AR(1)")
    a, b, resid_ok = _ols(y0[~jumps], y1[~jumps])
    if not 0.0 < a < 1.0:
        raise PriceFitError(f"AR(1) coefficient {a:.4f} is not in (0, 1): the deviations are not mean-reverting")
    kappa = -math.log(a)
    diffusion_var = float(np.var(resid_ok, ddof=2))
    sigma = math.sqrt(diffusion_var * 2.0 * kappa / (1.0 - a * a))
    jump_sizes = (y1 - a * y0 - b)[jumps]
    n_pairs = int(y0.size)
    n_jumps = int(jumps.sum())
    jump_mean = float(jump_sizes.mean()) if n_jumps else 0.0
    jump_var = float(np.var(jump_sizes, ddof=1)) - diffusion_var if n_jumps >= 2 else 0.0
    model = JumpOUModel(
        kappa=kappa,
        mean_level=b / (1.0 - a),
        sigma=sigma,
        jump_intensity=n_jumps / n_pairs,
        jump_mean=jump_mean,
        jump_std=math.sqrt(max(jump_var, 0.0)),
    )
    return FittedPriceModel(
        model=model,
        transform=transform,
        scale_usd_per_mwh=float(scale_usd_per_mwh) if transform == "asinh" else 1.0,
        hourly_shape=tuple(float(v) for v in shape),
        last_deviation=float(y[-1]),
        n_hours=len(series),
        n_pairs=n_pairs,
        n_jumps=n_jumps,
    )


def _ols(x0: np.ndarray, x1: np.ndarray) -> tuple[float, float, np.ndarray]:
    """OLS of ``x1 = a x0 + b``: returns ``a, b`` and the residuals."""
    design = np.column_stack([x0, np.ones_like(x0)])
    (a, b), *_ = np.linalg.lstsq(design, x1, rcond=None)
    return float(a), float(b), x1 - a * x0 - b
