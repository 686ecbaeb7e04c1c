"""Forecasts built from the assimilation and beliefs stages for the MPC strategies.

Every forecaster here is a causal callable ``(step_start, index, observed) ->
prices of index[step_start:]`` ($/MWh, index UTC), the shape
:class:`hayeknet.battery.mpc.ArrayForecast` takes. Both share one anchoring
rule (:func:`anchored_curve`): a base curve for the day is shifted by the gap
between the latest known price level and the curve at that instant, the gap
decaying with a half-life (hours), and kept between the lowest and highest of
the remaining curve and the latest level.

* :func:`enkf_dam_forecast` (strategy ``mpc_enkf``): base curve = the day's
  DAM prices; anchor = the EnKF filtered mean of interval ``t - 1`` at a
  re-plan at interval ``t`` (the last analysis, which used prices up to
  ``t - 1`` only). With no analysis yet (``t = 0``) it is the DAM curve; with
  no DAM prices it is the filtered mean held flat (persistence).
* :func:`beliefs_forecast` (strategy ``mpc_beliefs``): base curve = the
  beliefs' predictive price path of the day (stated the day before: DAM +
  predicted RT - DAM spread, see :func:`dam_plus_spread` and
  ``price_forecast.parquet`` in :mod:`hayeknet.beliefs.stage`); anchor = the
  EnKF filtered mean as above, the last observed price, or none.

With a zero predicted spread the beliefs forecast is the DAM curve (no anchor)
or :func:`enkf_dam_forecast` (EnKF anchor), exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
import pandas as pd

from hayeknet.battery.errors import ScheduleInputError

PriceForecast = Callable[[int, pd.DatetimeIndex, pd.Series], np.ndarray]
"""``(step_start, index, observed) -> prices ($/MWh) of index[step_start:]``; ``observed`` = prices before."""

Anchor = Literal["enkf", "observed", "none"]


def _utc(series: pd.Series, what: str) -> pd.Series:
    if not isinstance(series.index, pd.DatetimeIndex) or series.index.tz is None:
        raise ScheduleInputError(f"{what} must be indexed by timezone-aware UTC timestamps")
    out = series.astype(float).copy()
    out.index = out.index.tz_convert("UTC")
    return out.sort_index()


def held_hourly(prices_hourly: pd.Series, times: pd.DatetimeIndex, what: str = "DAM") -> np.ndarray:
    """Hourly prices (index UTC hour start) held over each of ``times``; gaps filled from neighbours.

    The fill is not silent where it matters: the simulate stage states the day's unpriced hours
    (:func:`dam_coverage`) in its summary and the daily report. Raises :class:`ScheduleInputError` when none of
    the hours of ``times`` has a price.
    """
    values = prices_hourly.reindex(times.floor("h")).to_numpy(dtype=float)
    if np.isnan(values).all():
        raise ScheduleInputError(f"no {what} price for the hours from {times[0].isoformat()}")
    return pd.Series(values).ffill().bfill().to_numpy()


def dam_coverage(prices_hourly: pd.Series | None, times: pd.DatetimeIndex) -> dict[str, object]:
    """Which hours of ``times`` (UTC interval starts) the hourly DAM prices (index UTC hour start, $/MWh) price.

    ``{"available", "hours", "hours_missing", "missing_hours_utc", "note"}``: ``hours`` is the number of
    clock hours the intervals fall in, ``hours_missing`` those without a finite price (all of them when
    ``prices_hourly`` is None), listed as UTC ISO hour starts; ``note`` says in words what the strategies did
    about it (empty when every hour is priced).
    """
    hours = pd.DatetimeIndex(times).tz_convert("UTC").floor("h").unique()
    if prices_hourly is None:
        values = np.full(len(hours), np.nan)
    else:
        values = prices_hourly.reindex(hours).to_numpy(dtype=float)
    missing = hours[~np.isfinite(values)]
    if prices_hourly is None:
        note = "no DAM price on the day: the strategies that need it did not run"
    elif len(missing) == len(hours):
        note = "no DAM price for any hour of the day: the strategies that need it did not run"
    elif len(missing):
        note = (
            f"{len(missing)} of {len(hours)} DAM hours had no price; the DAM-based strategies held the "
            "neighbouring hour's price over them"
        )
    else:
        note = ""
    return {
        "available": prices_hourly is not None and len(missing) < len(hours),
        "hours": len(hours),
        "hours_missing": len(missing),
        "missing_hours_utc": [h.isoformat() for h in missing],
        "note": note,
    }


def _interval_values(path: pd.Series, times: pd.DatetimeIndex, what: str) -> np.ndarray:
    """``path`` (per interval start) at ``times``; gaps filled from neighbours; none at all raises."""
    values = path.reindex(times).to_numpy(dtype=float)
    if np.isnan(values).all():
        raise ScheduleInputError(f"{what} has no value for the intervals from {times[0].isoformat()}")
    return pd.Series(values).ffill().bfill().to_numpy()


def last_analysis(
    filtered_mean: pd.Series, index: pd.DatetimeIndex, step_start: int
) -> tuple[pd.Timestamp, float] | None:
    """(time, value) of the last finite filtered mean strictly before ``index[step_start]``; None if none.

    ``filtered_mean`` must be UTC-indexed and sorted (see :func:`_utc`).
    """
    if step_start <= 0:
        return None
    known = filtered_mean[filtered_mean.index < index[step_start]].dropna()
    if known.empty:
        return None
    return known.index[-1], float(known.iloc[-1])


def last_observed(observed: pd.Series) -> tuple[pd.Timestamp, float] | None:
    """(time, value) of the last finite observed price (the forecaster's ``observed``); None if none."""
    known = observed.dropna()
    if known.empty:
        return None
    ts = pd.Timestamp(known.index[-1])
    return (ts.tz_convert("UTC") if ts.tzinfo is not None else ts), float(known.iloc[-1])


def anchored_curve(
    curve_at: Callable[[pd.DatetimeIndex], np.ndarray],
    future: pd.DatetimeIndex,
    anchor: tuple[pd.Timestamp, float] | None,
    half_life_hours: float,
) -> np.ndarray:
    """``curve(future) + gap * 0.5 ** (hours after the anchor / half_life_hours)``, kept inside the envelope.

    ``gap = anchor value - curve(anchor time)`` ($/MWh): the latest known price
    level's deviation from the base curve, assumed to fade with the half-life.
    The result is clipped to ``[min(curve(future), anchor value), max(...)]``:
    a gap measured against one spiky DAM hour would otherwise carry the next
    hours far below any price of the day (2024-08-02: RT 115 in a 508 $/MWh
    DAM hour, later hours forecast at -248 $/MWh). Chosen on real 2024-02..06 (tuning window) over the
    unclipped rule, ADR 0020 addendum 3. Without an anchor it is the base curve.
    """
    curve = curve_at(future)
    if anchor is None:
        return curve
    when, value = anchor
    gap = value - float(curve_at(pd.DatetimeIndex([when]))[0])
    hours_ahead = np.asarray((future - when) / pd.Timedelta(hours=1), dtype=float)
    shifted = curve + gap * np.power(0.5, hours_ahead / half_life_hours)
    lo, hi = min(float(curve.min()), value), max(float(curve.max()), value)
    return np.clip(shifted, lo, hi)


def _check_half_life(half_life_hours: float) -> None:
    if not half_life_hours > 0:
        raise ScheduleInputError("half_life_hours must be positive")


def enkf_dam_forecast(
    filtered_mean: pd.Series,
    dam_prices_hourly: pd.Series | None,
    half_life_hours: float = 2.0,
) -> PriceForecast:
    """A causal forecaster ``(step_start, index, observed) -> prices of index[step_start:]``.

    ``filtered_mean``: EnKF filtered mean price of the battery location per
    5-minute interval start; ``dam_prices_hourly``: the day's DAM price per
    UTC hour start (or None); ``half_life_hours``: how fast the real-time
    deviation from the DAM curve is assumed to fade.
    """
    _check_half_life(half_life_hours)
    mean = _utc(filtered_mean, "filtered_mean")
    dam = None if dam_prices_hourly is None else _utc(dam_prices_hourly, "dam_prices_hourly")

    def forecast(step_start: int, index: pd.DatetimeIndex, observed: pd.Series) -> np.ndarray:
        index = index.tz_convert("UTC")
        future = index[step_start:]
        anchor = last_analysis(mean, index, step_start)
        if dam is None:
            if anchor is None:
                if len(observed) == 0:
                    raise ScheduleInputError("enkf forecast without DAM prices needs an analysis or a price")
                return np.full(len(future), float(observed.iloc[-1]))
            return np.full(len(future), anchor[1])
        return anchored_curve(lambda times: held_hourly(dam, times), future, anchor, half_life_hours)

    return forecast


def dam_plus_spread(dam_prices_hourly: pd.Series, spread: pd.Series) -> pd.Series:
    """The price path ``DAM + spread`` ($/MWh) on ``spread``'s index (UTC interval starts).

    ``dam_prices_hourly`` (UTC hour start) is held over each interval of its
    hour; ``spread`` is a predicted RT - DAM spread per interval (for instance
    ``spread_mean_usd_per_mwh`` of the beliefs' ``price_forecast.parquet``).
    """
    spread = _utc(spread, "spread")
    dam = _utc(dam_prices_hourly, "dam_prices_hourly")
    path = held_hourly(dam, pd.DatetimeIndex(spread.index)) + spread.to_numpy(dtype=float)
    return pd.Series(path, index=spread.index, name="price_usd_per_mwh")


def beliefs_forecast(
    predicted_prices: pd.Series,
    filtered_mean: pd.Series | None = None,
    *,
    anchor: Anchor = "enkf",
    half_life_hours: float = 2.0,
) -> PriceForecast:
    """A causal forecaster ``(step_start, index, observed) -> prices of index[step_start:]`` from beliefs.

    ``predicted_prices``: the beliefs' predictive price path of the day per
    5-minute UTC interval start ($/MWh), stated before the day (build it with
    :func:`dam_plus_spread` from the day's DAM and the predicted spread);
    intervals it lacks take the neighbouring value. ``anchor``: ``"enkf"``
    shifts the path by the gap between the last EnKF analysis before the
    re-plan (``filtered_mean``, required) and the path at that interval,
    ``"observed"`` by the gap of the last observed real-time price,
    ``"none"`` uses the path as is; the gap fades with ``half_life_hours``.
    At the first re-plan (nothing known yet) every anchor gives the path.
    """
    _check_half_life(half_life_hours)
    if anchor not in ("enkf", "observed", "none"):
        raise ScheduleInputError(f"beliefs_forecast anchor must be enkf|observed|none, got {anchor!r}")
    path = _utc(predicted_prices, "predicted_prices")
    if anchor == "enkf":
        if filtered_mean is None:
            raise ScheduleInputError("beliefs_forecast(anchor='enkf') needs filtered_mean (the EnKF filtered mean)")
        mean = _utc(filtered_mean, "filtered_mean")

    def curve_at(times: pd.DatetimeIndex) -> np.ndarray:
        return _interval_values(path, times, "predicted_prices")

    def forecast(step_start: int, index: pd.DatetimeIndex, observed: pd.Series) -> np.ndarray:
        index = index.tz_convert("UTC")
        if anchor == "enkf":
            known = last_analysis(mean, index, step_start)
        elif anchor == "observed":
            known = last_observed(observed.iloc[:step_start])
        else:
            known = None
        return anchored_curve(curve_at, index[step_start:], known, half_life_hours)

    return forecast
