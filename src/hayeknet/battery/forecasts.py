"""Forecasts built from the assimilation stage for the MPC strategy.

``enkf_dam_forecast`` anchors the day-ahead price curve to the EnKF's latest
filtered price: at a re-plan at interval ``t`` it takes the filtered mean of
interval ``t - 1`` (the last analysis, which used prices up to ``t - 1`` only),
computes its gap to the DAM price of that interval, and adds the gap to the
DAM curve of the remaining intervals, decaying with a half-life (hours). With
no analysis yet (``t = 0``) it is the DAM curve; with no DAM prices it is the
filtered mean held flat (persistence). Prices in $/MWh, index UTC.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from hayeknet.battery.errors import ScheduleInputError


def _utc(series: pd.Series, what: str) -> pd.Series:
    if not isinstance(series.index, pd.DatetimeIndex) or series.index.tz is None:
        raise ScheduleInputError(f"{what} must be indexed by timezone-aware UTC timestamps")
    out = series.astype(float).copy()
    out.index = out.index.tz_convert("UTC")
    return out.sort_index()


def enkf_dam_forecast(
    filtered_mean: pd.Series,
    dam_prices_hourly: pd.Series | None,
    half_life_hours: float = 2.0,
) -> Callable[[int, pd.DatetimeIndex, pd.Series], np.ndarray]:
    """A causal forecaster ``(step_start, index, observed) -> prices of index[step_start:]``.

    ``filtered_mean``: EnKF filtered mean price of the battery location per
    5-minute interval start; ``dam_prices_hourly``: the day's DAM price per
    UTC hour start (or None); ``half_life_hours``: how fast the real-time
    deviation from the DAM curve is assumed to fade.
    """
    if half_life_hours <= 0:
        raise ScheduleInputError("half_life_hours must be positive")
    mean = _utc(filtered_mean, "filtered_mean")
    dam = None if dam_prices_hourly is None else _utc(dam_prices_hourly, "dam_prices_hourly")

    def dam_at(times: pd.DatetimeIndex) -> np.ndarray:
        assert dam is not None
        values = dam.reindex(times.floor("h")).to_numpy(dtype=float)
        if np.isnan(values).all():
            raise ScheduleInputError(f"no DAM price for the hours from {times[0].isoformat()}")
        return pd.Series(values).ffill().bfill().to_numpy()

    def forecast(step_start: int, index: pd.DatetimeIndex, observed: pd.Series) -> np.ndarray:
        index = index.tz_convert("UTC")
        future = index[step_start:]
        known = mean[mean.index < index[step_start]] if step_start > 0 else mean.iloc[:0]
        known = known.dropna()
        if dam is None:
            if known.empty:
                if len(observed) == 0:
                    raise ScheduleInputError("enkf forecast without DAM prices needs an analysis or a price")
                return np.full(len(future), float(observed.iloc[-1]))
            return np.full(len(future), float(known.iloc[-1]))
        curve = dam_at(future)
        if known.empty:
            return curve
        last_time = known.index[-1]
        gap = float(known.iloc[-1]) - float(dam_at(pd.DatetimeIndex([last_time]))[0])
        hours_ahead = (future - last_time) / pd.Timedelta(hours=1)
        return curve + gap * np.power(0.5, np.asarray(hours_ahead, dtype=float) / half_life_hours)

    return forecast
