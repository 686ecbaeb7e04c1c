"""Small transformations of the wide 5-minute price matrix ($/MWh, UTC index).

Returns use the inverse hyperbolic sine, ``asinh(p / 1 $/MWh)``, instead of the
logarithm because ERCOT prices go negative; for prices well above 1 $/MWh a
difference of asinh is the log return.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

CENTRAL = ZoneInfo("America/Chicago")
DEFAULT_INTERVAL_HOURS = 5.0 / 60.0


def interval_hours(index: pd.DatetimeIndex) -> float:
    """Median interval length in hours of a sorted time index (5 min when it has < 2 rows)."""
    if len(index) < 2:
        return DEFAULT_INTERVAL_HOURS
    deltas = np.diff(index.as_unit("ns").asi8) / 3.6e12  # ns -> hours
    return float(np.median(deltas))


def asinh_returns(series: pd.Series) -> np.ndarray:
    """Interval-to-interval change of ``asinh(price / 1 $/MWh)`` (dimensionless)."""
    return np.diff(np.arcsinh(series.to_numpy(dtype=float)))


def top_bottom_spread(series: pd.Series, hours: float = 4.0) -> float:
    """Mean of the ``hours`` highest-priced intervals minus the mean of the lowest, $/MWh.

    This is the spread a 4-hour battery could trade with perfect timing, before
    efficiency losses. NaN when the day holds fewer than ``2 * hours`` of prices.
    """
    values = np.sort(series.to_numpy(dtype=float))
    n = round(hours / interval_hours(series.index))
    if n < 1 or values.size < 2 * n:
        return float("nan")
    return float(values[-n:].mean() - values[:n].mean())


def operating_day(ts: pd.Timestamp) -> dt.date:
    """ERCOT operating day (America/Chicago calendar date) of a UTC interval start."""
    return ts.tz_convert(CENTRAL).date()


def split_by_operating_day(series: pd.Series) -> dict[dt.date, pd.Series]:
    """Split a UTC-indexed series into its America/Chicago operating days."""
    if series.empty:
        return {}
    local_dates = series.index.tz_convert(CENTRAL).date
    return {day: part for day, part in series.groupby(local_dates)}


def hub_reference(prices: pd.DataFrame) -> tuple[str, pd.Series] | None:
    """The reference hub price for basis: ``HB_HUBAVG`` if present, else the mean of ``HB_*`` columns.

    Returns ``(label, series)`` or None when the matrix holds no hub.
    """
    if "HB_HUBAVG" in prices.columns:
        return "HB_HUBAVG", prices["HB_HUBAVG"].astype(float)
    hubs = [c for c in prices.columns if str(c).startswith("HB_") and c != "HB_BUSAVG"]
    if not hubs:
        return None
    return "mean of " + ", ".join(map(str, hubs)), prices[hubs].astype(float).mean(axis=1)
