"""Strategies, the fair perfect-foresight comparison and capture ratio."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.battery.errors import ScheduleInputError
from hayeknet.battery.ledger import LEDGER_COLUMNS, summarize
from hayeknet.battery.optimize import optimize_dispatch
from hayeknet.battery.spec import BatterySpec
from hayeknet.battery.strategies import (
    PercentileThreshold,
    PerfectForesight,
    Strategy,
    StrategyContext,
    TimeOfDaySchedule,
    capture_ratio,
    fair_bound,
    previous_day_prices,
    run_strategy,
)

SPEC = BatterySpec()
DAY_START = pd.Timestamp("2025-10-01 05:00", tz="UTC")  # midnight CDT


def _day(values: np.ndarray, dt: float, start: pd.Timestamp = DAY_START) -> pd.Series:
    idx = pd.date_range(start, periods=len(values), freq=pd.Timedelta(hours=dt), tz="UTC")
    return pd.Series(np.asarray(values, dtype=float), index=idx, name="HB_WEST")


def test_strategies_satisfy_protocol() -> None:
    for s in (PercentileThreshold(), TimeOfDaySchedule(), PerfectForesight()):
        assert isinstance(s, Strategy)
    assert {s.name for s in (PercentileThreshold(), TimeOfDaySchedule(), PerfectForesight())} == {
        "percentile_threshold",
        "time_of_day",
        "perfect_foresight",
    }


def test_capture_ratio_conventions() -> None:
    assert capture_ratio(50.0, 200.0) == 0.25
    assert capture_ratio(-50.0, 200.0) == -0.25
    assert math.isnan(capture_ratio(10.0, 0.0))
    assert math.isnan(capture_ratio(10.0, -5.0))
    assert math.isnan(capture_ratio(float("nan"), 5.0))


def test_percentile_threshold_uses_latest_previous_day() -> None:
    dt = 1.0
    older = _day(np.full(24, 1000.0), dt, DAY_START - pd.Timedelta(days=2))
    yesterday = _day(np.arange(24, dtype=float), dt, DAY_START - pd.Timedelta(days=1))
    history = pd.concat([older, yesterday])
    ref = previous_day_prices(history, DAY_START)
    assert ref.index.equals(yesterday.index)
    # Thresholds from yesterday's 0..23: 25th pct = 5.75, 75th = 17.25.
    today = _day(np.array([1.0, 10.0, 30.0, 2.0] + [10.0] * 20), dt)
    c, d = PercentileThreshold(25, 75).schedule(today, SPEC, StrategyContext(dt_hours=dt, history=history))
    assert c[0] == pytest.approx(100.0) and d[0] == 0  # 1 < 5.75: charge
    assert c[1] == 0 and d[1] == 0  # inside the band
    assert d[2] > 0  # 30 > 17.25: discharge
    assert c[3] > 0


def test_percentile_threshold_without_history_idles_through_opening_hour() -> None:
    dt = 0.25
    prices = np.concatenate(([10.0, 20.0, 30.0, 40.0], [0.0, 100.0, 25.0]))
    c, d = PercentileThreshold(25, 75).schedule(_day(prices, dt), SPEC, StrategyContext(dt_hours=dt))
    assert np.all(c[:4] == 0) and np.all(d[:4] == 0)
    assert c[4] == pytest.approx(100.0)  # 0 < 17.5
    assert d[5] == pytest.approx(100.0)  # 100 > 32.5
    assert d[6] == 0 and c[6] > 0  # 25 is between the thresholds, but the last interval must restore the SOC


@settings(max_examples=30, deadline=None)
@given(data=st.data(), n=st.integers(2, 60), cut=st.integers(0, 59), use_history=st.booleans())
def test_heuristics_never_peek_at_the_future(data: st.DataObject, n: int, cut: int, use_history: bool) -> None:
    dt = 0.25
    cut = min(cut, n - 1)
    prices = np.array(data.draw(st.lists(st.floats(-100, 500), min_size=n, max_size=n)))
    changed = prices.copy()
    tail = n - cut - 1
    changed[cut + 1 :] = np.array(data.draw(st.lists(st.floats(-100, 500), min_size=tail, max_size=tail)))
    past = np.array(data.draw(st.lists(st.floats(-100, 500), min_size=96, max_size=96)))
    history = _day(past, dt, DAY_START - pd.Timedelta(days=1))
    ctx = StrategyContext(dt_hours=dt, history=history if use_history else pd.Series(dtype=float))
    for strategy in (PercentileThreshold(), TimeOfDaySchedule()):
        a = strategy.schedule(_day(prices, dt), SPEC, ctx)
        b = strategy.schedule(_day(changed, dt), SPEC, ctx)
        assert np.array_equal(a[0][: cut + 1], b[0][: cut + 1])
        assert np.array_equal(a[1][: cut + 1], b[1][: cut + 1])


def test_time_of_day_uses_chicago_hours() -> None:
    dt = 1.0
    prices = _day(np.full(24, 30.0), dt)  # 2025-10-01 00:00..23:00 CDT
    strategy = TimeOfDaySchedule(charge_hours=(2,), discharge_hours=(19,))
    c, d = strategy.schedule(prices, SPEC, StrategyContext(dt_hours=dt))
    assert np.flatnonzero(c).tolist() == [2, 23]  # 07:00 UTC = 02:00 CDT; 23:00 restores the day's SOC
    assert np.flatnonzero(d).tolist() == [19]
    with pytest.raises(ScheduleInputError, match="both charge and discharge"):
        TimeOfDaySchedule(charge_hours=(5,), discharge_hours=(5,))


def test_perfect_foresight_strategy_matches_optimizer() -> None:
    dt = 1.0
    prices = _day(np.array([10.0, 100.0]), dt)
    ledger = run_strategy(PerfectForesight(), prices, SPEC, StrategyContext(dt_hours=dt))
    assert list(ledger.columns) == list(LEDGER_COLUMNS)
    assert round(summarize(ledger, SPEC).profit_usd, 2) == 7073.75


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    n=st.integers(4, 96),
    dt=st.sampled_from([1 / 12, 0.25]),
    soc_frac=st.floats(0.1, 0.9),
    start_hour=st.integers(0, 23),
)
def test_perfect_foresight_bounds_every_strategy(
    data: st.DataObject, n: int, dt: float, soc_frac: float, start_hour: int
) -> None:
    prices = np.array(data.draw(st.lists(st.floats(-400, 2000), min_size=n, max_size=n)))
    day = _day(prices, dt, DAY_START + pd.Timedelta(hours=start_hour))
    past = np.array(data.draw(st.lists(st.floats(-50, 300), min_size=n, max_size=n)))
    history = _day(past, dt, day.index[0] - pd.Timedelta(days=1))
    soc0 = SPEC.soc_min_mwh + (soc_frac - 0.1) / 0.8 * SPEC.usable_mwh
    ctx = StrategyContext(dt_hours=dt, history=history, soc_start_mwh=soc0)
    free = optimize_dispatch(prices, SPEC, dt, soc_start_mwh=soc0, terminal_rule="free")
    for strategy in (PercentileThreshold(), PercentileThreshold(10, 60), TimeOfDaySchedule(), PerfectForesight()):
        ledger = run_strategy(strategy, day, SPEC, ctx)
        s = summarize(ledger, SPEC)
        assert s.soc_start_mwh == pytest.approx(soc0)
        assert not ((ledger["charge_mw"] > 0) & (ledger["discharge_mw"] > 0)).any()
        bound = fair_bound(ledger, SPEC)
        tol = 1e-6 * (1 + abs(bound.profit_usd))
        assert bound.profit_usd >= s.profit_usd - tol
        assert free.profit_usd >= s.profit_usd - tol
        assert bound.soc_mwh[-1] >= s.soc_end_mwh - 1e-6
        ratio = capture_ratio(s.profit_usd, bound.profit_usd)
        assert math.isnan(ratio) or ratio <= 1 + 1e-6
