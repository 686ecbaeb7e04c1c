"""What a strategy may know about a day besides the prices it is shown interval by interval (ADR 0017).

:class:`StrategyContext` carries the interval length, the prices of earlier
days and the SOC the day starts from; :func:`validated_prices` is the one check
every day's price series passes before a strategy sees it;
:func:`previous_day_prices` cuts the latest earlier operating day out of the
history (America/Chicago dates).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hayeknet.battery.errors import ScheduleInputError

ERCOT_TZ = "America/Chicago"
"""Local time zone of ERCOT's operating day (used only to read clock hours and dates)."""


def empty_history() -> pd.Series:
    """A price history with no days: float, UTC-indexed."""
    return pd.Series([], index=pd.DatetimeIndex([], tz="UTC"), dtype=float)


@dataclass(frozen=True, eq=False)
class StrategyContext:
    """What a strategy may know besides the day's prices.

    Attributes:
        dt_hours: interval length in hours (1/12 for 5-minute, 0.25 for 15-minute).
        history: prices ($/MWh) of earlier days at the same location, indexed by
            UTC interval start; possibly empty. Entries at or after the day's first
            interval are ignored.
        soc_start_mwh: SOC at the start of the day (MWh); ``spec.soc_initial_mwh`` if None.
    """

    dt_hours: float
    history: pd.Series = field(default_factory=empty_history)
    soc_start_mwh: float | None = None


def validated_prices(day_prices: pd.Series) -> pd.Series:
    """``day_prices`` as float after checking it is a sorted, UTC-indexed series of finite $/MWh."""
    if not isinstance(day_prices, pd.Series) or not isinstance(day_prices.index, pd.DatetimeIndex):
        raise ScheduleInputError("day_prices must be a pandas Series indexed by interval_start_utc")
    if day_prices.index.tz is None:
        raise ScheduleInputError("day_prices index must be timezone-aware (UTC)")
    if not day_prices.index.is_monotonic_increasing:
        raise ScheduleInputError("day_prices index must be sorted by interval_start_utc")
    values = day_prices.to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise ScheduleInputError(f"day_prices at {day_prices.index[bad[0]]} is not finite ({values[bad[0]]})")
    return day_prices.astype(float)


def previous_day_prices(history: pd.Series, day_start_utc: pd.Timestamp) -> pd.Series:
    """Prices of the latest operating day (America/Chicago date) in ``history`` before ``day_start_utc``."""
    if history is None or len(history) == 0:
        return empty_history()
    if not isinstance(history.index, pd.DatetimeIndex) or history.index.tz is None:
        raise ScheduleInputError("context.history must be indexed by timezone-aware interval starts")
    past = history[history.index < day_start_utc].dropna()
    if past.empty:
        return past
    local_day = past.index.tz_convert(ERCOT_TZ).normalize()
    return past[local_day == local_day.max()].astype(float)
