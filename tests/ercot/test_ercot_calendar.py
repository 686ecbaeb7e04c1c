"""Operating-day calendar: DST-aware day bounds, interval grids and hour-ending labels."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.ercot.calendar import (
    day_bounds_utc,
    hour_interval_to_utc,
    hours_in_day,
    interval_starts_utc,
    parse_ercot_date,
    sced_timestamp_to_utc,
    utc_to_hour_ending,
)

FALL_BACK = dt.date(2025, 11, 2)
SPRING_FORWARD = dt.date(2026, 3, 8)


@pytest.mark.parametrize(
    ("day", "hours", "n5", "n15"),
    [(dt.date(2025, 10, 1), 24, 288, 96), (FALL_BACK, 25, 300, 100), (SPRING_FORWARD, 23, 276, 92)],
)
def test_interval_counts_follow_dst(day: dt.date, hours: int, n5: int, n15: int) -> None:
    assert hours_in_day(day) == hours
    grid = interval_starts_utc(day, 5)
    assert len(grid) == n5
    assert len(interval_starts_utc(day, 15)) == n15
    assert str(grid.tz) == "UTC"
    assert (np.diff(grid.asi8) > 0).all()
    start, end = day_bounds_utc(day)
    assert grid[0] == start and grid[-1] + pd.Timedelta(minutes=5) == end


def test_day_bounds_are_local_midnights() -> None:
    start, end = day_bounds_utc("2025-10-01")
    assert start == pd.Timestamp("2025-10-01 05:00", tz="UTC")  # CDT = UTC-5
    assert end == pd.Timestamp("2025-10-02 05:00", tz="UTC")
    start, end = day_bounds_utc(FALL_BACK)
    assert (start, end) == (pd.Timestamp("2025-11-02 05:00", tz="UTC"), pd.Timestamp("2025-11-03 06:00", tz="UTC"))


def test_hour_ending_24_ends_at_next_midnight_and_interval_4_of_hour_1_ends_at_0100() -> None:
    dates = parse_ercot_date(pd.Series(["10/01/2025", "10/01/2025"]))
    start, end = hour_interval_to_utc(dates, pd.Series([24, 1]), pd.Series([1, 4]), np.array([False, False]), 15)
    assert start[0] == pd.Timestamp("2025-10-02 04:00", tz="UTC")  # 23:00 CDT
    assert end[1] == pd.Timestamp("2025-10-01 06:00", tz="UTC")  # 01:00 CDT
    start, end = hour_interval_to_utc(dates[:1], pd.Series([24]), None, np.array([False]), 60)
    assert end[0] == pd.Timestamp("2025-10-02 05:00", tz="UTC")  # midnight local


def test_repeated_hour_flag_selects_the_standard_time_pass() -> None:
    dates = parse_ercot_date(pd.Series(["11/02/2025"] * 3))
    start, _ = hour_interval_to_utc(dates, pd.Series([2, 2, 3]), None, np.array([False, True, False]), 60)
    assert list(start) == [
        pd.Timestamp("2025-11-02 06:00", tz="UTC"),  # 01:00 CDT
        pd.Timestamp("2025-11-02 07:00", tz="UTC"),  # 01:00 CST
        pd.Timestamp("2025-11-02 08:00", tz="UTC"),  # 02:00 CST
    ]


def test_spring_forward_gap_gives_nat() -> None:
    dates = parse_ercot_date(pd.Series(["03/08/2026"]))
    start, _ = hour_interval_to_utc(dates, pd.Series([3]), None, np.array([False]), 60)
    assert start.isna().all()


def test_sced_timestamps_convert_once_per_distinct_value() -> None:
    stamps = pd.Series(["09/29/2026 11:25:17"] * 3 + ["11/02/2025 01:05:16", "11/02/2025 01:05:16"])
    flags = np.array([False, False, False, False, True])
    utc = sced_timestamp_to_utc(stamps, flags)
    assert utc[0] == pd.Timestamp("2026-09-29 16:25:17", tz="UTC")
    assert utc[3] == pd.Timestamp("2025-11-02 06:05:16", tz="UTC")
    assert utc[4] == pd.Timestamp("2025-11-02 07:05:16", tz="UTC")
    assert sced_timestamp_to_utc(pd.Series(["13/45/2026 11:25:17"]), np.array([False])).isna().all()


@settings(max_examples=40, deadline=None)
@given(
    day=st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 12, 31)),
    minutes=st.sampled_from([5, 15, 60]),
)
def test_labels_round_trip_to_the_same_utc_grid(day: dt.date, minutes: int) -> None:
    grid = interval_starts_utc(day, minutes)
    labels = utc_to_hour_ending(grid, minutes)
    assert (labels["date"] == day).all()
    assert labels["repeated"].sum() == (60 // minutes if hours_in_day(day) == 25 else 0)
    dates = pd.Series(pd.to_datetime([day] * len(grid)))
    intervals = None if minutes == 60 else labels["interval"]
    start, end = hour_interval_to_utc(dates, labels["hour_ending"], intervals, labels["repeated"].to_numpy(), minutes)
    assert start.equals(pd.DatetimeIndex(grid).rename(None)) or (start == grid).all()
    assert ((end - start) == pd.Timedelta(minutes=minutes)).all()
