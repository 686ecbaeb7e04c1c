"""The agents' offer-curve action: monotone whatever the indices, clipping keeps it monotone, thresholds
around a price known before the interval, and nothing of the interval reaches the curve."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from agent_strategies import battery_specs
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hayeknet.agents.battery_env import BatteryTradingEnv
from hayeknet.agents.features import AgentDay
from hayeknet.agents.offer_action import (
    ACTION_NVEC,
    BASE_LEVELS,
    IDLE_ACTION,
    THRESHOLD_OFFSETS_USD_PER_MWH,
    action_layout,
    anchor_prices,
    feasible_interval_mw,
    offer_curve,
)
from hayeknet.battery.ledger import next_soc_mwh, project_action
from hayeknet.battery.offers import PRICE_LIMIT, is_monotone
from hayeknet.battery.spec import BatterySpec

SPEC = BatterySpec()
P = SPEC.power_mw
MARKET_PRICES = np.concatenate([[-1000.0], np.linspace(-300.0, 600.0, 37), [5000.0]])
PRICE_GRID = np.concatenate([[-PRICE_LIMIT], MARKET_PRICES, [PRICE_LIMIT]])
ALL_ACTIONS = list(itertools.product(*(range(k) for k in ACTION_NVEC)))
actions_st = st.tuples(*(st.integers(0, k - 1) for k in ACTION_NVEC))


@settings(max_examples=12, deadline=None)
@given(
    anchor=st.floats(-250.0, 3000.0),
    plan=st.floats(-2 * P, 2 * P),
    bounds=st.one_of(st.none(), st.tuples(st.floats(-P, P), st.floats(-P, P))),
)
def test_every_action_offers_a_monotone_curve_within_power_and_bounds(
    anchor: float, plan: float, bounds: tuple[float, float] | None
) -> None:
    lo_hi = None if bounds is None else (min(bounds), max(bounds))
    for action in ALL_ACTIONS:
        curve = offer_curve(action, anchor, plan, P, lo_hi)
        assert is_monotone(curve, PRICE_GRID), action
        levels = curve.net_mw
        assert levels.min() >= -P - 1e-9 and levels.max() <= P + 1e-9
        if lo_hi is not None:
            assert levels.min() >= lo_hi[0] - 1e-9 and levels.max() <= lo_hi[1] + 1e-9


@settings(max_examples=100, deadline=None)
@given(
    spec=battery_specs,
    soc_frac=st.floats(0.0, 1.0),
    t=st.integers(0, 47),
    action=actions_st,
    price=st.floats(-250.0, 5000.0),
)
def test_clipping_to_the_soc_keeps_the_curve_monotone_and_feasible(
    spec: BatterySpec, soc_frac: float, t: int, action: tuple[int, int, int], price: float
) -> None:
    """Clipped to what the SOC allows (with the end-of-day floor), the curve stays non-decreasing and
    clears to a request that projection leaves unchanged."""
    dt = 0.25
    soc = spec.soc_min_mwh + soc_frac * spec.usable_mwh
    bounds = feasible_interval_mw(soc, t, 48, spec, dt)
    assert bounds[0] <= bounds[1]
    curve = offer_curve(action, 40.0, 0.3 * spec.power_mw, spec.power_mw, bounds)
    assert is_monotone(curve, PRICE_GRID)
    net = curve.clear(price)
    c, d = project_action(net, soc, spec, dt)
    assert d - c == pytest.approx(net, abs=1e-9 * max(1.0, spec.power_mw))
    after = next_soc_mwh(soc, c, d, spec, dt)
    assert spec.soc_min_mwh - 1e-9 <= after <= spec.soc_max_mwh + 1e-9


def test_the_indices_mean_what_the_docstring_says() -> None:
    anchor = 50.0
    idle = offer_curve(IDLE_ACTION, anchor, 30.0, P)
    assert all(idle.clear(p) == 0.0 for p in MARKET_PRICES)  # "never" is a threshold beyond any market price
    for k, offset in enumerate(THRESHOLD_OFFSETS_USD_PER_MWH, start=1):
        charge = offer_curve((IDLE_ACTION[0], k, 0), anchor, 0.0, P)
        assert charge.clear(anchor + offset - 1e-6) == -P and charge.clear(anchor + offset) == 0.0
        discharge = offer_curve((IDLE_ACTION[0], 0, k), anchor, 0.0, P)
        assert discharge.clear(anchor + offset) == P and discharge.clear(anchor + offset - 1e-6) == 0.0
    for i, level in enumerate(BASE_LEVELS):
        assert offer_curve((i, 0, 0), anchor, 0.0, P).clear(anchor) == pytest.approx(level * P)
    follow = len(BASE_LEVELS)
    assert offer_curve((follow, 0, 0), anchor, -37.5, P).clear(anchor) == pytest.approx(-37.5)
    assert offer_curve((follow, 0, 0), anchor, 5 * P, P).clear(anchor) == pytest.approx(P)  # within power
    # thresholds in the wrong order (charge below 100, discharge at or above 35) meet in the middle
    crossed = offer_curve((2, THRESHOLD_OFFSETS_USD_PER_MWH.index(40.0) + 1, 3), anchor, 0.0, P)
    middle = (anchor + 40.0 + anchor - 15.0) / 2
    assert crossed.clear(middle - 1e-6) == -P and crossed.clear(middle) == P
    with pytest.raises(ValueError, match="outside MultiDiscrete"):
        offer_curve((follow + 1, 0, 0), anchor, 0.0, P)
    with pytest.raises(ValueError, match="outside MultiDiscrete"):
        offer_curve((0, 0), anchor, 0.0, P)
    layout = action_layout()
    assert layout["kind"] == "offer_curve" and len(layout["base_levels"]) == ACTION_NVEC[0]  # type: ignore[arg-type]


def test_anchor_is_the_dam_else_the_last_published_price() -> None:
    prices = np.array([10.0, 20.0, 30.0])
    dam = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(anchor_prices(prices, dam, True, None), dam)
    np.testing.assert_array_equal(anchor_prices(prices, dam, False, np.array([7.0, 8.0])), [8.0, 10.0, 20.0])
    np.testing.assert_array_equal(anchor_prices(prices, dam, False, None), [1.0, 10.0, 20.0])
    np.testing.assert_array_equal(anchor_prices(prices, None, False, None), [0.0, 10.0, 20.0])


prices_st = arrays(np.float64, st.integers(2, 40), elements=st.floats(-250.0, 3000.0))


@settings(max_examples=40, deadline=None)
@given(day=prices_st, dam=st.booleans(), with_prev=st.booleans(), data=st.data())
def test_nothing_of_the_interval_reaches_the_curve_or_the_observation(
    day: np.ndarray, dam: bool, with_prev: bool, data: st.DataObject
) -> None:
    """Two days equal before interval t and different from t on: the environment shows the same observation
    and offers the same curve for t (the interval's price enters only when the curve is cleared)."""
    n = day.size
    t = data.draw(st.integers(0, n - 1))
    ref = data.draw(arrays(np.float64, n, elements=st.floats(0.0, 200.0)))
    prev = data.draw(arrays(np.float64, st.integers(1, 30), elements=st.floats(0.0, 200.0))) if with_prev else None
    other = day.copy()
    other[t:] = data.draw(arrays(np.float64, n - t, elements=st.floats(-250.0, 3000.0)))
    enkf = day + 3.0
    other_enkf = enkf.copy()
    other_enkf[t:] = -999.0
    envs = []
    for prices, mean in ((day, enkf), (other, other_enkf)):
        agent_day = AgentDay("d", prices, ref, dam, prev, np.arange(n) % 24, enkf_mean_usd_per_mwh=mean)
        env = BatteryTradingEnv([agent_day], SPEC, dt_hours=1.0)
        env.reset(seed=0)
        envs.append(env)
    actions = [data.draw(actions_st) for _ in range(t)] + [data.draw(actions_st)]
    for k in range(t + 1):
        obs_a, obs_b = envs[0]._observation(), envs[1]._observation()
        np.testing.assert_array_equal(obs_a, obs_b)
        curve_a, curve_b = envs[0].offer_curve(actions[k]), envs[1].offer_curve(actions[k])
        np.testing.assert_array_equal(curve_a.breaks_usd_per_mwh, curve_b.breaks_usd_per_mwh)
        np.testing.assert_array_equal(curve_a.net_mw, curve_b.net_mw)
        if k < t:
            for env in envs:
                env.step(actions[k])
