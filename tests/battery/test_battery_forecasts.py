"""The EnKF-anchored DAM and beliefs forecasts are causal and reduce to their parts at the edges."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.battery.errors import ScheduleInputError
from hayeknet.battery.forecasts import anchored_curve, beliefs_forecast, dam_plus_spread, enkf_dam_forecast
from hayeknet.battery.mpc import ArrayForecast, DayAheadForecast, mpc_schedule
from hayeknet.battery.spec import BatterySpec
from hayeknet.battery.strategies import StrategyContext

INDEX = pd.date_range("2025-10-01 05:00", periods=288, freq="5min", tz="UTC")
HOURS = pd.date_range("2025-10-01 05:00", periods=24, freq="h", tz="UTC")


def _dam() -> pd.Series:
    return pd.Series(30 + 10 * np.sin(np.arange(24) / 24 * 2 * np.pi), index=HOURS)


def test_first_plan_is_the_dam_curve() -> None:
    mean = pd.Series(50.0, index=INDEX)
    f = enkf_dam_forecast(mean, _dam())
    values = f(0, INDEX, pd.Series(dtype=float))
    assert np.allclose(values, np.repeat(_dam().to_numpy(), 12))


def test_gap_to_dam_decays_with_the_half_life() -> None:
    dam = pd.Series(30.0, index=HOURS)
    mean = pd.Series(40.0, index=INDEX)
    values = enkf_dam_forecast(mean, dam, half_life_hours=1.0)(12, INDEX, pd.Series(dtype=float))
    # last analysis at interval 11; interval 12 is 5 minutes later, interval 23 one hour later
    assert np.isclose(values[0], 30 + 10 * 0.5 ** (5 / 60))
    assert np.isclose(values[11], 30 + 10 * 0.5)
    assert values[-1] < 30.01


def test_without_dam_the_last_analysis_is_held() -> None:
    mean = pd.Series(np.arange(288.0), index=INDEX)
    values = enkf_dam_forecast(mean, None)(100, INDEX, pd.Series(dtype=float))
    assert np.all(values == 99.0) and len(values) == 188


def test_a_spiky_dam_hour_does_not_carry_the_forecast_below_every_price_of_the_day() -> None:
    """2024-08-02's defect: RT at 20 $/MWh during a 300 $/MWh DAM hour made the additive gap -280, and the next
    hour's forecast 40 - 280 * 0.5 ** (1/2) = -158 $/MWh. The forecast stays between the latest level and the
    remaining curve's range; the additive rule still holds where it stays inside (the hours after the fade)."""
    dam = pd.Series(40.0, index=HOURS)
    dam.iloc[5] = 300.0
    mean = pd.Series(20.0, index=INDEX)
    step = 5 * 12 + 6  # re-plan inside the spike hour: last analysis at interval 65, priced against 300
    values = enkf_dam_forecast(mean, dam, half_life_hours=2.0)(step, INDEX, pd.Series(dtype=float))
    assert values.min() >= 20.0 and values.max() <= 300.0
    additive = np.repeat(dam.to_numpy(), 12)[step:] - 280.0 * 0.5 ** ((np.arange(len(values)) + 1) / 12 / 2.0)
    assert additive.min() < -150.0  # what the unclipped rule forecast
    inside = additive >= 20.0
    assert inside[-12:].all() and np.allclose(values[inside], additive[inside])


@settings(max_examples=50, deadline=None)
@given(
    gap_level=st.floats(-1000, 1000, allow_nan=False),
    step=st.integers(1, 287),
    half_life=st.floats(0.1, 12.0, allow_nan=False),
)
def test_anchored_forecast_stays_inside_the_curve_and_the_latest_level(gap_level, step, half_life) -> None:
    mean = pd.Series(gap_level, index=INDEX)
    dam = _dam()
    values = enkf_dam_forecast(mean, dam, half_life_hours=half_life)(step, INDEX, pd.Series(dtype=float))
    curve = np.repeat(dam.to_numpy(), 12)[step:]
    assert values.min() >= min(curve.min(), gap_level) - 1e-9
    assert values.max() <= max(curve.max(), gap_level) + 1e-9


@settings(max_examples=30, deadline=None)
@given(step=st.integers(1, 287), bump=st.floats(-500, 500, allow_nan=False))
def test_never_uses_analyses_from_the_future(step: int, bump: float) -> None:
    rng = np.random.default_rng(step)
    mean = pd.Series(rng.normal(30, 5, 288), index=INDEX)
    changed = mean.copy()
    changed.iloc[step:] += bump
    a = enkf_dam_forecast(mean, _dam())(step, INDEX, pd.Series(dtype=float))
    b = enkf_dam_forecast(changed, _dam())(step, INDEX, pd.Series(dtype=float))
    assert np.array_equal(a, b)


# --- beliefs_forecast: the beliefs' predictive price path, anchored like the EnKF forecast ---------------


def _spread(seed: int = 0) -> pd.Series:
    return pd.Series(np.random.default_rng(seed).normal(-2.0, 6.0, 288), index=INDEX)


def test_dam_plus_spread_holds_the_hourly_dam_over_each_interval() -> None:
    path = dam_plus_spread(_dam(), _spread())
    assert path.index.equals(INDEX)
    np.testing.assert_allclose(path.to_numpy(), np.repeat(_dam().to_numpy(), 12) + _spread().to_numpy())


@settings(max_examples=25, deadline=None)
@given(step=st.integers(0, 287), half_life=st.floats(0.25, 8.0))
def test_zero_spread_reduces_to_the_dam_and_enkf_forecasts(step: int, half_life: float) -> None:
    mean = pd.Series(np.random.default_rng(step).normal(30, 8, 288), index=INDEX)
    path = dam_plus_spread(_dam(), pd.Series(0.0, index=INDEX))
    anchored = beliefs_forecast(path, mean, anchor="enkf", half_life_hours=half_life)(
        step, INDEX, pd.Series(dtype=float)
    )
    enkf = enkf_dam_forecast(mean, _dam(), half_life_hours=half_life)(step, INDEX, pd.Series(dtype=float))
    np.testing.assert_allclose(anchored, enkf, rtol=0, atol=1e-9)
    plain = beliefs_forecast(path, anchor="none")(step, INDEX, pd.Series(dtype=float))
    dam = DayAheadForecast(_dam()).forecast(step, INDEX, pd.Series(dtype=float), StrategyContext(5 / 60))
    np.testing.assert_allclose(plain, dam, rtol=0, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(step=st.integers(0, 287), anchor=st.sampled_from(["enkf", "observed", "none"]))
def test_beliefs_forecast_shape_and_first_plan(step: int, anchor: str) -> None:
    path = dam_plus_spread(_dam(), _spread(step))
    mean = pd.Series(50.0, index=INDEX)
    observed = pd.Series(60.0, index=INDEX[:step])
    values = beliefs_forecast(path, mean, anchor=anchor)(step, INDEX, observed)  # type: ignore[arg-type]
    assert values.shape == (288 - step,) and np.isfinite(values).all()
    if step == 0 or anchor == "none":  # nothing known yet / no anchor: the path itself
        np.testing.assert_allclose(values, path.to_numpy()[step:])


def test_observed_anchor_gap_decays_with_the_half_life() -> None:
    path = pd.Series(30.0, index=INDEX)
    observed = pd.Series(40.0, index=INDEX[:12])  # last observed price: interval 11, 10 above the path
    values = beliefs_forecast(path, anchor="observed", half_life_hours=1.0)(12, INDEX, observed)
    assert np.isclose(values[0], 30 + 10 * 0.5 ** (5 / 60))
    assert np.isclose(values[11], 30 + 10 * 0.5)


def test_anchored_curve_without_anchor_is_the_curve() -> None:
    curve = lambda times: np.arange(len(times), dtype=float)
    assert np.array_equal(anchored_curve(curve, INDEX, None, 2.0), np.arange(288.0))


@settings(max_examples=20, deadline=None)
@given(
    step=st.integers(1, 287), bump=st.floats(-500, 500, allow_nan=False), anchor=st.sampled_from(["enkf", "observed"])
)
def test_beliefs_forecast_never_uses_prices_at_or_after_the_replan(step: int, bump: float, anchor: str) -> None:
    rng = np.random.default_rng(step)
    prices = pd.Series(rng.normal(30, 5, 288), index=INDEX)
    changed = prices.copy()
    changed.iloc[step:] += bump
    path = dam_plus_spread(_dam(), _spread(1))
    # The "filtered mean" is the prices themselves: the most a filter could know at each interval.
    a = beliefs_forecast(path, prices, anchor=anchor)(step, INDEX, prices.iloc[:step])  # type: ignore[arg-type]
    b = beliefs_forecast(path, changed, anchor=anchor)(step, INDEX, changed.iloc[:step])  # type: ignore[arg-type]
    assert np.array_equal(a, b)


@settings(max_examples=6, deadline=None)
@given(block=st.integers(1, 23), bump=st.floats(-300, 300, allow_nan=False))
def test_mpc_on_beliefs_decides_a_block_without_its_own_prices(block: int, bump: float) -> None:
    # 15-minute intervals, re-plan each hour (4 intervals): the block starting at the re-plan ``cut``
    # is decided before any of its prices is known, so changing prices from ``cut`` on changes nothing
    # up to the block's end.
    cut = 4 * block
    index = pd.date_range("2025-10-01 05:00", periods=96, freq="15min", tz="UTC")
    rng = np.random.default_rng(cut)
    prices = pd.Series(35 + 25 * np.sin(np.linspace(0, 4 * np.pi, 96)) + rng.normal(0, 5, 96), index=index)
    changed = prices.copy()
    changed.iloc[cut:] += bump
    path = pd.Series(35 + 20 * np.sin(np.linspace(0.3, 4 * np.pi + 0.3, 96)), index=index)

    def schedule(day: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        forecaster = ArrayForecast(beliefs_forecast(path, day, anchor="enkf"), "beliefs")
        charge, discharge, _ = mpc_schedule(day, BatterySpec(), StrategyContext(0.25), forecaster)
        return charge, discharge

    (c1, d1), (c2, d2) = schedule(prices), schedule(changed)
    end = cut + 4
    assert np.array_equal(c1[:end], c2[:end]) and np.array_equal(d1[:end], d2[:end])


def test_beliefs_forecast_rejects_bad_inputs() -> None:
    path = pd.Series(30.0, index=INDEX)
    with pytest.raises(ScheduleInputError, match="filtered_mean"):
        beliefs_forecast(path, anchor="enkf")
    with pytest.raises(ScheduleInputError, match="anchor"):
        beliefs_forecast(path, anchor="oracle")  # type: ignore[arg-type]
    with pytest.raises(ScheduleInputError, match="half_life"):
        beliefs_forecast(path, anchor="none", half_life_hours=0.0)
    with pytest.raises(ScheduleInputError, match="UTC"):
        beliefs_forecast(pd.Series(30.0, index=INDEX.tz_localize(None)), anchor="none")
    other_day = INDEX + pd.Timedelta(days=3)
    with pytest.raises(ScheduleInputError, match="predicted_prices"):
        beliefs_forecast(path, anchor="none")(0, other_day, pd.Series(dtype=float))


def test_dam_coverage_names_the_unpriced_hours_that_held_hourly_fills() -> None:
    """A DAM with two hours missing on a DST day (25 hours): held_hourly still fills them, and dam_coverage
    states which and how many, so the fill reaches the summary and the report instead of passing silently."""
    from hayeknet.battery.forecasts import dam_coverage, held_hourly
    from hayeknet.ercot.calendar import interval_starts_utc

    starts = pd.DatetimeIndex(interval_starts_utc(dt.date(2024, 11, 3), 5))
    hours = starts.floor("h").unique()
    assert len(hours) == 25
    dam = pd.Series(np.arange(25, dtype=float), index=hours).drop(hours[[3, 17]])
    covered = dam_coverage(dam, starts)
    assert covered["available"] is True and covered["hours"] == 25 and covered["hours_missing"] == 2
    assert covered["missing_hours_utc"] == [hours[3].isoformat(), hours[17].isoformat()]
    assert "2 of 25 DAM hours had no price" in str(covered["note"])
    held = held_hourly(dam, starts)
    assert np.isfinite(held).all() and held[starts.floor("h") == hours[3]][0] == 2.0  # held from hour 2

    full = dam_coverage(pd.Series(np.ones(25), index=hours), starts)
    assert full["hours_missing"] == 0 and full["note"] == "" and full["available"] is True
    absent = dam_coverage(None, starts)
    assert absent["available"] is False and absent["hours_missing"] == 25 and "no DAM price" in str(absent["note"])
    empty = dam_coverage(pd.Series(np.nan, index=hours), starts)
    assert empty["available"] is False and "any hour" in str(empty["note"])
