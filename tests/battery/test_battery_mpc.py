"""Rolling-horizon MPC: feasibility, no peeking, forecasters, and the perfect-foresight bound."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.battery.errors import ScheduleInputError
from hayeknet.battery.ledger import summarize
from hayeknet.battery.mpc import (
    ArrayForecast,
    DayAheadForecast,
    Forecaster,
    MPCStrategy,
    NaiveForecast,
    mpc_schedule,
    mpc_strategy,
)
from hayeknet.battery.optimize import optimize_dispatch
from hayeknet.battery.spec import BatterySpec
from hayeknet.battery.strategies import Strategy, StrategyContext, fair_bound, run_strategy

SPEC = BatterySpec()
DAY_START = pd.Timestamp("2025-10-01 05:00", tz="UTC")  # midnight CDT
DT = 0.25


def _day(values: np.ndarray, dt: float = DT, start: pd.Timestamp = DAY_START) -> pd.Series:
    idx = pd.date_range(start, periods=len(values), freq=pd.Timedelta(hours=dt), tz="UTC")
    return pd.Series(np.asarray(values, dtype=float), index=idx)


def _hourly_mean(day: pd.Series) -> pd.Series:
    return day.groupby(day.index.floor("h")).mean()


def test_mpc_strategies_satisfy_protocols() -> None:
    dam = _hourly_mean(_day(np.arange(8.0)))
    strategies = [
        mpc_strategy("naive"),
        mpc_strategy("dam", dam_prices_hourly=dam),
        mpc_strategy("array", forecast=dam),
    ]
    assert all(isinstance(s, Strategy) for s in strategies)
    assert [s.name for s in strategies] == ["mpc_naive", "mpc_dam", "mpc_forecast"]
    assert all(isinstance(s.forecaster, Forecaster) for s in strategies)
    with pytest.raises(ScheduleInputError):
        mpc_strategy("dam")
    with pytest.raises(ScheduleInputError):
        mpc_strategy("array")
    with pytest.raises(ScheduleInputError):
        mpc_strategy("oracle")  # type: ignore[arg-type]


def test_mpc_with_a_perfect_forecast_reaches_the_bound() -> None:
    rng = np.random.default_rng(3)
    prices = _day(40 + 30 * np.sin(np.linspace(0, 4 * np.pi, 96)) + rng.normal(0, 8, 96))
    oracle = MPCStrategy(ArrayForecast(prices, "oracle"))
    ledger = run_strategy(oracle, prices, SPEC, StrategyContext(DT))
    pf = optimize_dispatch(prices.to_numpy(), SPEC, DT)
    # Re-planning on the truth from where the plan left off cannot do better or worse (Bellman).
    assert summarize(ledger, SPEC).profit_usd == pytest.approx(pf.profit_usd, rel=1e-7, abs=1e-5)


def test_dam_forecast_holds_hourly_prices_over_the_hour() -> None:
    idx = pd.date_range(DAY_START, periods=8, freq="15min", tz="UTC")
    dam = pd.Series([10.0, 90.0], index=[DAY_START, DAY_START + pd.Timedelta(hours=1)])
    f = DayAheadForecast(dam).forecast(2, idx, pd.Series(dtype=float), StrategyContext(DT))
    assert f.tolist() == [10.0, 10.0, 90.0, 90.0, 90.0, 90.0]


def test_naive_forecast_uses_yesterday_then_persistence() -> None:
    idx = pd.date_range(DAY_START, periods=4, freq="15min", tz="UTC")
    yesterday = _day(np.array([1.0, 2.0, 3.0, 4.0]), start=DAY_START - pd.Timedelta(days=1))
    f = NaiveForecast().forecast(1, idx, pd.Series([7.0], index=idx[:1]), StrategyContext(DT, history=yesterday))
    assert f.tolist() == [2.0, 3.0, 4.0]
    f = NaiveForecast().forecast(2, idx, pd.Series([7.0, 8.0], index=idx[:2]), StrategyContext(DT))
    assert f.tolist() == [8.0, 8.0]
    assert NaiveForecast().forecast(0, idx, pd.Series(dtype=float), StrategyContext(DT)).tolist() == [0.0] * 4


def test_forecaster_of_wrong_length_is_rejected() -> None:
    bad = ArrayForecast(lambda start, index, observed: np.zeros(3), "short")
    with pytest.raises(ScheduleInputError, match="short"):
        mpc_schedule(_day(np.arange(8.0)), SPEC, StrategyContext(DT), bad)


def test_forecaster_only_sees_prices_before_the_replan_instant() -> None:
    prices = _day(np.arange(12.0))
    seen: list[tuple[int, int]] = []

    def spy(start: int, index: pd.DatetimeIndex, observed: pd.Series) -> np.ndarray:
        seen.append((start, len(observed)))
        assert observed.index.max() < index[start] if len(observed) else True
        return np.full(len(index) - start, 30.0)

    _, _, diag = mpc_schedule(prices, SPEC, StrategyContext(DT), ArrayForecast(spy), replan_hours=1.0)
    assert seen == [(0, 0), (4, 4), (8, 8)]
    assert diag.n_solves == 3 and diag.replan_intervals == 4


prices_strategy = st.lists(st.floats(-150.0, 400.0, allow_nan=False), min_size=8, max_size=48)


@settings(max_examples=25, deadline=None)
@given(
    today=prices_strategy, cut=st.integers(0, 47), bump=st.floats(-300.0, 300.0), kind=st.sampled_from(["naive", "dam"])
)
def test_mpc_never_peeks_at_future_prices(today: list[float], cut: int, bump: float, kind: str) -> None:
    prices = _day(np.asarray(today))
    n = len(prices)
    cut = cut % n
    changed = prices.copy()
    changed.iloc[cut:] += bump
    yesterday = _day(np.asarray(today)[::-1], start=DAY_START - pd.Timedelta(days=1))
    dam = _hourly_mean(prices)  # known the day before: the same for both versions of the day
    strategy = mpc_strategy(kind, dam_prices_hourly=dam)  # type: ignore[arg-type]
    context = StrategyContext(DT, history=yesterday)
    c1, d1 = strategy.schedule(prices, SPEC, context)
    c2, d2 = strategy.schedule(changed, SPEC, context)
    step = 4  # one hour of 15-minute intervals
    fixed = min(n, (cut // step + 1) * step)  # blocks planned at or before the cut
    np.testing.assert_array_equal(c1[:fixed], c2[:fixed])
    np.testing.assert_array_equal(d1[:fixed], d2[:fixed])


@settings(max_examples=25, deadline=None)
@given(
    today=prices_strategy,
    noise=st.floats(0.0, 80.0),
    kind=st.sampled_from(["naive", "dam"]),
    replan=st.sampled_from([0.25, 1.0, 2.0]),
)
def test_mpc_is_feasible_and_below_perfect_foresight(
    today: list[float], noise: float, kind: str, replan: float
) -> None:
    prices = _day(np.asarray(today))
    rng = np.random.default_rng(len(today))
    dam = _hourly_mean(prices) + rng.normal(0.0, noise + 1e-9, int(np.ceil(len(today) / 4)))
    yesterday = _day(
        np.asarray(today) + rng.normal(0.0, noise + 1e-9, len(today)), start=DAY_START - pd.Timedelta(days=1)
    )
    strategy = mpc_strategy(kind, dam_prices_hourly=dam, replan_hours=replan)  # type: ignore[arg-type]
    ledger = run_strategy(strategy, prices, SPEC, StrategyContext(DT, history=yesterday))  # validates physics
    c, d = ledger["charge_mw"].to_numpy(), ledger["discharge_mw"].to_numpy()
    soc = np.concatenate((ledger["soc_start_mwh"].to_numpy()[:1], ledger["soc_end_mwh"].to_numpy()))
    tol = 1e-6
    assert np.all((soc >= SPEC.soc_min_mwh - tol) & (soc <= SPEC.soc_max_mwh + tol))
    assert not np.any((c > 1e-7) & (d > 1e-7))
    # Energy balance closes and the day ends where it began (terminal rule "equal").
    assert soc[-1] - soc[0] == pytest.approx((0.95 * c.sum() - d.sum() / 0.95) * DT, abs=1e-6)
    assert soc[-1] == pytest.approx(SPEC.soc_initial_mwh, abs=1e-5)
    profit = summarize(ledger, SPEC).profit_usd
    assert profit <= optimize_dispatch(prices.to_numpy(), SPEC, DT).profit_usd + 1e-6
    assert profit <= fair_bound(ledger, SPEC).profit_usd + 1e-6
