"""Observation features: nothing of interval t reaches row t, robust scaling, plain numpy percentiles."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hayeknet.agents.features import (
    PRICE_FEATURE_NAMES,
    PRICE_LAGS,
    SCALE_FLOOR_USD_PER_MWH,
    Z_CLIP,
    AgentDay,
    _clamped_windows,
    _window_percentiles,
    dynamic_features,
    price_features,
)
from hayeknet.agents.offer_action import anchor_prices, day_ahead_plan
from hayeknet.battery.spec import BatterySpec
from hayeknet.beliefs.spread_model import SpreadDay, fit_spread_model
from hayeknet.ercot.calendar import interval_starts_utc

DT = 1.0 / 12.0
SPEC = BatterySpec()
prices_st = arrays(np.float64, st.integers(2, 60), elements=st.floats(-250.0, 5000.0))


def _spread_model(dt_hours: float = 1.0):
    """A spread model fitted on ten hourly days."""
    rng = np.random.default_rng(0)
    days = []
    for k in range(10):
        day = dt.date(2024, 5, 1) + dt.timedelta(days=k)
        index = interval_starts_utc(day, 60)
        days.append(SpreadDay(day, index, 30.0 + rng.normal(0.0, 20.0, len(index)), np.full(len(index), 30.0)))
    return fit_spread_model(days, n_bins=3, n_atoms=5)


def test_no_feature_is_the_current_price() -> None:
    assert 0 not in PRICE_LAGS
    assert not [name for name in PRICE_FEATURE_NAMES if "lag0" in name]


@settings(max_examples=80, deadline=None)
@given(
    day=prices_st,
    with_ref=st.booleans(),
    with_prev=st.booleans(),
    with_model=st.booleans(),
    data=st.data(),
)
def test_row_t_reads_nothing_of_t_or_later(
    day: np.ndarray, with_ref: bool, with_prev: bool, with_model: bool, data: st.DataObject
) -> None:
    """Prices and EnKF means from interval t on may be anything (NaN too): rows up to t do not move."""
    n = day.size
    t = data.draw(st.integers(0, n - 1))
    ref = data.draw(arrays(np.float64, n, elements=st.floats(-50.0, 500.0))) if with_ref else None
    prev = data.draw(arrays(np.float64, st.integers(1, 30), elements=st.floats(-50.0, 500.0))) if with_prev else None
    enkf = day + 1.0
    hours = np.arange(n) % 24
    model = _spread_model() if with_model else None
    other = day.copy()
    other[t:] = data.draw(st.sampled_from([np.nan, -1e4, 1e4]))
    other_enkf = enkf.copy()
    other_enkf[t:] = np.nan
    a = dynamic_features(day, ref, with_ref, prev, hours, model, enkf)
    b = dynamic_features(other, ref, with_ref, prev, hours, model, other_enkf)
    np.testing.assert_array_equal(a[: t + 1], b[: t + 1])
    assert np.all(np.abs(a) <= Z_CLIP)
    np.testing.assert_array_equal(
        anchor_prices(day, ref, with_ref, prev)[: t + 1], anchor_prices(other, ref, with_ref, prev)[: t + 1]
    )


@settings(max_examples=100, deadline=None)
@given(values=arrays(np.float64, st.integers(1, 40), elements=st.floats(-1e3, 1e3)), data=st.data())
def test_window_percentiles_match_numpy(values: np.ndarray, data: st.DataObject) -> None:
    m = values.size
    starts = np.array(data.draw(st.lists(st.integers(-5, m + 5), min_size=1, max_size=8)))
    widths = data.draw(st.lists(st.integers(-3, 12), min_size=starts.size, max_size=starts.size))
    stops = starts + np.array(widths)
    s, e = _clamped_windows(m, starts, stops)
    got = _window_percentiles(values, s, e, (10.0, 50.0, 90.0))
    for i in range(starts.size):
        assert 0 <= s[i] < e[i] <= m
        expected = np.percentile(values[s[i] : e[i]], [10.0, 50.0, 90.0])
        np.testing.assert_allclose(got[:, i], expected, atol=1e-9)


def test_reference_scaling_and_flags() -> None:
    ref = np.linspace(0.0, 100.0, 288)  # median 50, IQR 50
    day = np.full(288, 75.0)
    plan = day_ahead_plan(ref, SPEC, DT, SPEC.soc_initial_mwh)
    f = price_features(AgentDay("d", day, reference_usd_per_mwh=ref, reference_is_dam=True), DT, SPEC, *plan)
    names = list(PRICE_FEATURE_NAMES)
    np.testing.assert_allclose(f[:, names.index("price_lag1_z")], np.r_[0.0 / 50.0 - 1.0, np.full(287, 0.5)])
    np.testing.assert_allclose(f[:, names.index("has_reference")], 1.0)
    np.testing.assert_allclose(f[:, names.index("reference_is_dam")], 1.0)
    # a rising curve: everything ahead lies above now, so now is the rest of the day's minimum
    later = f[:-80, names.index("reference_median_3h_6h_z")]
    assert np.all(later > f[:-80, names.index("reference_now_z")])
    np.testing.assert_allclose(f[:, names.index("reference_rest_rank")], 1.0 / (288 - np.arange(288)))
    # the day-ahead plan on a rising curve charges first and discharges last
    net = f[:, names.index("plan_net_frac")]
    assert net[:12].min() < 0 < net[-12:].max()
    no_ref = price_features(AgentDay("d", day), DT, SPEC)
    np.testing.assert_allclose(no_ref[:, names.index("has_reference")], 0.0)
    # flat day without reference: the causal scale keeps the lags finite, at 0 once prices are known
    np.testing.assert_allclose(no_ref[2:, names.index("price_lag1_z")], 0.0)
    spike = day.copy()
    spike[10] = 75.0 + 2 * SCALE_FLOOR_USD_PER_MWH
    assert price_features(AgentDay("d", spike), DT, SPEC)[11, names.index("price_lag1_z")] == pytest.approx(2.0)


def test_spread_model_and_enkf_features() -> None:
    model = _spread_model()
    index = interval_starts_utc(dt.date(2024, 5, 20), 60)
    hours = np.asarray(index.tz_convert("America/Chicago").hour)
    dam = np.full(24, 30.0)
    prices = dam + np.linspace(-40.0, 40.0, 24)
    enkf = pd.Series(prices).ewm(alpha=0.5).mean().to_numpy()
    day = AgentDay("d", prices, dam, True, local_hour=hours, spread_model=model, enkf_mean_usd_per_mwh=enkf)
    f = price_features(day, 1.0, SPEC)
    names = list(PRICE_FEATURE_NAMES)
    assert np.all(f[:, names.index("has_spread_model")] == 1.0)
    q10, q50, q90 = (f[:, names.index(f"spread_q{q}_z")] for q in ("10", "50", "90"))
    assert np.all(q10 <= q50) and np.all(q50 <= q90)
    assert f[0, names.index("has_enkf")] == 0.0 and np.all(f[1:, names.index("has_enkf")] == 1.0)
    scale = SCALE_FLOOR_USD_PER_MWH  # a flat DAM: the floored scale
    np.testing.assert_allclose(f[1:, names.index("enkf_prev_z")], np.clip((enkf[:-1] - 30.0) / scale, -10, 10))
    # without the DAM as reference the spread model is not used (its spreads are RT - DAM)
    no_dam = price_features(AgentDay("d", prices, local_hour=hours, spread_model=model), 1.0, SPEC)
    assert np.all(no_dam[:, names.index("has_spread_model")] == 0.0)
