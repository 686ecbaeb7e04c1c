"""ERCOT operating-day calendar: local (America/Chicago) labels to UTC intervals.

ERCOT labels its intervals in local prevailing time with *hour-ending* numbers:
hour ending 1 (``"01:00"``) is 00:00-01:00 local, hour ending 24 ends at
midnight of the next day, and 15-minute interval 4 of hour 1 ends at 01:00.
On the fall-back day (first Sunday of November) local hour 01:00-02:00 occurs
twice; ERCOT repeats hour ending 2 and marks the *second*, standard-time pass
with a flag ``"Y"`` (``DSTFlag`` or ``RepeatedHourFlag``). The day then has 25
hours; the spring-forward day (second Sunday of March) has 23 and no hour
ending 3.

Every function here is vectorized: a day of NP6-788-CD holds ~300,000 rows,
and the conversions work on the distinct labels only and map them back.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

ERCOT_TZ = "America/Chicago"
"""The time zone of ERCOT's labels (Central prevailing time)."""


class CalendarError(ValueError):
    """A local label that does not exist (or is out of range) on its operating day."""


def as_date(day: dt.date | str | pd.Timestamp) -> dt.date:
    """Coerce ``day`` (a date, an ISO string or a Timestamp) to a :class:`datetime.date`."""
    if isinstance(day, pd.Timestamp):
        return day.date()
    if isinstance(day, dt.datetime):
        return day.date()
    if isinstance(day, dt.date):
        return day
    return dt.date.fromisoformat(str(day))


def day_bounds_utc(day: dt.date | str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Start and end (exclusive) of operating day ``day`` in UTC.

    The operating day runs from local midnight to the next local midnight in
    America/Chicago, so it lasts 23, 24 or 25 hours.
    """
    d = as_date(day)
    start = pd.Timestamp(d).tz_localize(ERCOT_TZ)
    end = pd.Timestamp(d + dt.timedelta(days=1)).tz_localize(ERCOT_TZ)
    return start.tz_convert("UTC"), end.tz_convert("UTC")


def interval_starts_utc(day: dt.date | str, minutes: int = 5) -> pd.DatetimeIndex:
    """Regular UTC interval starts of operating day ``day``, every ``minutes`` minutes.

    288 five-minute intervals on a normal day, 276 on the spring-forward day
    and 300 on the fall-back day (96/92/100 for 15 minutes, 24/23/25 for 60).
    """
    if minutes <= 0 or 60 % minutes:
        raise ValueError(f"minutes must divide 60, got {minutes}")
    start, end = day_bounds_utc(day)
    return pd.date_range(start, end, freq=f"{minutes}min", inclusive="left", name="interval_start_utc")


def hours_in_day(day: dt.date | str) -> int:
    """Number of hours in operating day ``day``: 23, 24 or 25."""
    start, end = day_bounds_utc(day)
    return int((end - start) / pd.Timedelta(hours=1))


def expected_intervals(day: dt.date | str, minutes: int) -> int:
    """Number of ``minutes``-long intervals in operating day ``day`` (DST-adjusted)."""
    return len(interval_starts_utc(day, minutes))


def operating_day_of(ts_utc: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Operating day (local date) of each UTC interval start, as ``datetime.date`` objects."""
    idx = pd.DatetimeIndex(ts_utc)
    return np.asarray(idx.tz_convert(ERCOT_TZ).date)


def flags_to_second_pass(flags: pd.Series | np.ndarray) -> np.ndarray:
    """True where an ERCOT DST flag marks the second (standard-time) pass of the repeated hour.

    Accepts MIS strings (``"Y"``/``"N"``) and the public API's booleans.
    """
    s = pd.Series(flags)
    if s.dtype == bool:
        return s.to_numpy()
    return s.astype(str).str.strip().str.upper().isin(["Y", "TRUE"]).to_numpy()


def _localize(naive_local: pd.DatetimeIndex, second_pass: np.ndarray) -> pd.DatetimeIndex:
    """Localize naive America/Chicago wall times to UTC.

    ``second_pass`` selects standard time for an ambiguous (repeated) wall time.
    A wall time that does not exist (the spring-forward gap) or is NaT becomes NaT.
    """
    local = naive_local.tz_localize(ERCOT_TZ, ambiguous=~np.asarray(second_pass, dtype=bool), nonexistent="NaT")
    return local.tz_convert("UTC")


def _map_unique(keys: pd.DataFrame, compute) -> np.ndarray:
    """Compute a value per distinct row of ``keys`` and map it back to every row.

    Each column is factorized, the codes are combined into one integer per row
    and the distinct combinations are computed once.
    """
    combined = np.zeros(len(keys), dtype=np.int64)
    for col in keys.columns:
        codes, uniques = pd.factorize(keys[col])  # NA -> -1, shifted to 0 below
        combined = combined * (len(uniques) + 1) + (codes + 1)
    _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    frame = keys.iloc[first].reset_index(drop=True)
    values = compute(frame)
    return np.asarray(values)[inverse]


PLAUSIBLE_YEARS = (1990, 2200)
"""Years a market date may carry; others are read as unparseable (NaT), not as an overflow later."""


def parse_ercot_date(values: pd.Series) -> pd.Series:
    """Parse ``MM/DD/YYYY`` strings to naive midnight Timestamps; bad values (or years outside
    :data:`PLAUSIBLE_YEARS`) become NaT."""
    parsed = pd.to_datetime(values, format="%m/%d/%Y", errors="coerce")
    return parsed.where(parsed.dt.year.between(*PLAUSIBLE_YEARS))


def hour_interval_to_utc(
    dates: pd.Series,
    hours: pd.Series,
    intervals: pd.Series | None,
    second_pass: pd.Series | np.ndarray,
    minutes: int,
) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
    """UTC start and end of ERCOT hour-ending labels.

    ``dates`` are naive operating-day midnights (from :func:`parse_ercot_date`),
    ``hours`` the hour ending 1..24 (int), ``intervals`` the 15-minute interval
    1..4 within the hour (``None`` for hourly labels), ``second_pass`` True for
    the repeated hour's standard-time pass. ``minutes`` is the interval length.
    The interval starts at local ``date + (hour - 1) h + (interval - 1) * minutes``;
    a label in the spring-forward gap gives NaT. Work is done once per distinct label.
    """
    n = len(dates)
    keys = pd.DataFrame(
        {
            "d": pd.DatetimeIndex(dates).as_unit("ns").asi8,
            "h": np.asarray(hours, dtype=np.int64),
            "i": np.ones(n, dtype=np.int64) if intervals is None else np.asarray(intervals, dtype=np.int64),
            "y": np.asarray(second_pass, dtype=bool),
        }
    )

    def compute(u: pd.DataFrame) -> np.ndarray:
        naive = pd.to_datetime(u["d"].to_numpy(), unit="ns") + pd.to_timedelta(
            (u["h"].to_numpy() - 1) * 60 + (u["i"].to_numpy() - 1) * minutes, unit="min"
        )
        return _localize(pd.DatetimeIndex(naive), u["y"].to_numpy()).as_unit("ns").asi8

    start_ns = _map_unique(keys, compute)
    start = pd.DatetimeIndex(start_ns.astype("datetime64[ns]")).tz_localize("UTC")
    return start, start + pd.Timedelta(minutes=minutes)


def sced_timestamp_to_utc(timestamps: pd.Series, second_pass: pd.Series | np.ndarray) -> pd.DatetimeIndex:
    """UTC instant of SCED timestamps ``"MM/DD/YYYY HH:MM:SS"`` (local) with repeated-hour flags.

    An unparseable or non-existent local time, or one outside the years
    :data:`PLAUSIBLE_YEARS` (beyond what a nanosecond timestamp holds, or
    before ERCOT's market), gives NaT (the caller names the row).
    """
    keys = pd.DataFrame({"t": np.asarray(timestamps, dtype=object), "y": np.asarray(second_pass, dtype=bool)})

    def compute(u: pd.DataFrame) -> np.ndarray:
        naive = pd.to_datetime(u["t"], format="%m/%d/%Y %H:%M:%S", errors="coerce")
        naive = naive.where(naive.dt.year.between(*PLAUSIBLE_YEARS))
        return _localize(pd.DatetimeIndex(naive), u["y"].to_numpy()).as_unit("ns").asi8

    ns = _map_unique(keys, compute)
    return pd.DatetimeIndex(ns.astype("datetime64[ns]")).tz_localize("UTC")


def is_second_pass(ts_utc: pd.DatetimeIndex | pd.Series) -> np.ndarray:
    """True for UTC instants on the second (standard-time) pass of the fall-back day's repeated hour.

    An instant is on the second pass when the instant one hour earlier shows
    the same local wall-clock hour.
    """
    idx = pd.DatetimeIndex(ts_utc)
    naive = idx.tz_convert(ERCOT_TZ).tz_localize(None)
    earlier = (idx - pd.Timedelta(hours=1)).tz_convert(ERCOT_TZ).tz_localize(None)
    return np.asarray((earlier.hour == naive.hour) & (earlier.normalize() == naive.normalize()))


def floor_to_interval(ts_utc: pd.DatetimeIndex, minutes: int = 5) -> pd.DatetimeIndex:
    """Floor UTC instants to the start of their ``minutes``-long interval."""
    return ts_utc.floor(f"{minutes}min")


def utc_to_hour_ending(starts_utc: pd.DatetimeIndex, minutes: int) -> pd.DataFrame:
    """Inverse of :func:`hour_interval_to_utc`: ERCOT labels of UTC interval starts.

    Returns a frame with ``date`` (``datetime.date`` of the operating day),
    ``hour_ending`` (1..24), ``interval`` (1..60/minutes) and ``repeated``
    (True on the second, standard-time pass of the repeated hour).
    """
    naive = pd.DatetimeIndex(starts_utc).tz_convert(ERCOT_TZ).tz_localize(None)
    repeated = is_second_pass(starts_utc)
    return pd.DataFrame(
        {
            "date": np.asarray(naive.date),
            "hour_ending": np.asarray(naive.hour + 1),
            "interval": np.asarray(naive.minute // minutes + 1),
            "repeated": repeated,
        }
    )
