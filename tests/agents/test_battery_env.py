"""The trading environment: spaces, offer-curve actions, physics, reward identity, projection, determinism."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from agent_strategies import battery_specs
from gymnasium import spaces
from gymnasium.utils.env_checker import check_env
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.agents.battery_env import (
    OBSERVATION_NAMES,
    BatteryTradingEnv,
    feasible_net_power_mw,
    project_power,
)
from hayeknet.agents.errors import PriceDataError
from hayeknet.agents.features import AgentDay
from hayeknet.agents.offer_action import ACTION_NVEC, BASE_LEVELS, IDLE_ACTION
from hayeknet.battery.spec import BatterySpec

DT = 1.0 / 12.0
SPEC = BatterySpec()
DISCHARGE_ALWAYS = (BASE_LEVELS.index(1.0), 0, 0)
CHARGE_ALWAYS = (BASE_LEVELS.index(-1.0), 0, 0)
actions_st = st.tuples(*(st.integers(0, k - 1) for k in ACTION_NVEC))


def synthetic_day(rng: np.random.Generator, n: int = 288) -> np.ndarray:
    t = np.arange(n)
    p = 30.0 + 20.0 * np.sin(2 * np.pi * (t / n - 0.3)) + rng.normal(0.0, 5.0, n)
    p[rng.random(n) < 0.02] -= 40.0  # some negative prices
    return p


def agent_days(prices: list[np.ndarray], refs: list[np.ndarray | None] | None = None, dam: bool = False) -> list:
    refs = refs if refs is not None else [None] * len(prices)
    return [
        AgentDay(f"2025-10-{i + 1:02d}", p, r, dam and r is not None, previous_usd_per_mwh=prev)
        for i, (p, r, prev) in enumerate(zip(prices, refs, [None, *prices[:-1]], strict=True))
    ]


@pytest.fixture
def days() -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    return [synthetic_day(rng) for _ in range(3)]


def test_spaces_and_gymnasium_checker(days: list[np.ndarray]) -> None:
    env = BatteryTradingEnv(agent_days(days, [None, *days[:-1]]), SPEC, seed=1)
    assert isinstance(env.action_space, spaces.MultiDiscrete)
    assert tuple(env.action_space.nvec) == ACTION_NVEC
    assert env.observation_space.shape == (len(OBSERVATION_NAMES),)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(env, skip_render_check=True)
    obs, _ = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    done = False
    while not done:
        obs, _, done, truncated, _ = env.step(env.action_space.sample())
        assert env.observation_space.contains(obs)
        assert not truncated


@pytest.mark.parametrize("shaping", [False, True])
def test_reward_identity_and_info(days: list[np.ndarray], shaping: bool) -> None:
    env = BatteryTradingEnv(agent_days(days, days, dam=True), SPEC, seed=5, energy_value_shaping=shaping)
    env.reset(seed=5)
    env.action_space.seed(5)
    total = 0.0
    done = False
    while not done:
        curve = env.offer_curve(env.action_space.sample())
        _, reward, done, _, info = env.step(env.action_space.sample())
        price = days[info["day_index"]][info["interval"]]
        assert info["price_usd_per_mwh"] == price
        c, d = info["charge_mw"], info["discharge_mw"]
        assert info["cash_usd"] == pytest.approx(price * (d - c) * DT, abs=1e-9)
        assert info["degradation_usd"] == pytest.approx(SPEC.degradation_usd_per_mwh * (c + d) * DT, abs=1e-9)
        profit = info["cash_usd"] - info["degradation_usd"]
        assert info["shaping_usd"] == 0.0 or shaping
        assert reward * env.reward_scale_usd == pytest.approx(profit + info["shaping_usd"], abs=1e-9)
        assert d - c == pytest.approx(info["cleared_mw"], abs=1e-9)  # the curve was clipped to what is feasible
        assert curve.net_mw.min() >= -SPEC.power_mw and curve.net_mw.max() <= SPEC.power_mw
        total += info["profit_usd"]
    assert info["episode_profit_usd"] == pytest.approx(total)
    assert env.reward_scale_usd == pytest.approx(SPEC.power_mw * DT * 100.0)


def test_the_curve_is_cleared_at_the_interval_price_around_the_dam() -> None:
    """Charge below DAM - 15, discharge at or above DAM + 15, idle between: the dispatch follows the price."""
    n = 48
    dam = np.full(n, 50.0)
    prices = np.where(np.arange(n) % 4 == 0, 20.0, np.where(np.arange(n) % 4 == 2, 80.0, 50.0))
    env = BatteryTradingEnv(agent_days([prices], [dam], dam=True), SPEC, enforce_terminal_soc=False)
    env.reset(seed=0)
    offsets = [-100.0, -40.0, -15.0, -5.0, 0.0, 5.0, 15.0, 40.0, 100.0, 300.0]
    action = (IDLE_ACTION[0], offsets.index(-15.0) + 1, offsets.index(15.0) + 1)
    for t in range(n):
        curve = env.offer_curve(action)
        np.testing.assert_array_equal(curve.breaks_usd_per_mwh, [35.0, 65.0])
        _, _, _, _, info = env.step(action)
        expected = -SPEC.power_mw if prices[t] < 35.0 else SPEC.power_mw if prices[t] >= 65.0 else 0.0
        assert info["cleared_mw"] == pytest.approx(expected)


def test_full_discharge_then_forced_recharge_at_day_end() -> None:
    """Always offering to discharge: the floor binds, then the terminal SOC forces charging."""
    prices = np.full(288, 50.0)
    env = BatteryTradingEnv(agent_days([prices]), SPEC)
    env.reset(seed=0)
    socs, charges = [], []
    done = False
    while not done:
        _, _, done, _, info = env.step(DISCHARGE_ALWAYS)
        socs.append(info["soc_mwh"])
        charges.append(info["charge_mw"])
    assert min(socs) == pytest.approx(SPEC.soc_min_mwh)
    assert socs[-1] >= SPEC.soc_initial_mwh - 1e-6
    assert sum(c > 0 for c in charges) > 0  # recharged although it never offered to


def _run(env: BatteryTradingEnv, actions: list, day: int) -> list[dict]:
    env.reset(seed=0, options={"day_index": day})
    infos = []
    for a in actions:
        _, _, done, _, info = env.step(a)
        infos.append(info)
        if done:
            break
    return infos


@settings(max_examples=40, deadline=None)
@given(spec=battery_specs, actions=st.lists(actions_st, min_size=48, max_size=48), terminal=st.booleans())
def test_projection_keeps_every_trajectory_feasible(spec: BatterySpec, actions: list, terminal: bool) -> None:
    prices = np.linspace(-20.0, 80.0, 48)
    env = BatteryTradingEnv(agent_days([prices], [prices[::-1].copy()], dam=True), spec, enforce_terminal_soc=terminal)
    infos = _run(env, actions, 0)
    assert len(infos) == 48
    tol = 1e-9 * max(spec.energy_mwh, 1.0)
    for info in infos:
        c, d = info["charge_mw"], info["discharge_mw"]
        assert 0.0 <= c <= spec.power_mw + 1e-12 and 0.0 <= d <= spec.power_mw + 1e-12
        assert c == 0.0 or d == 0.0
        assert spec.soc_min_mwh - tol <= info["soc_mwh"] <= spec.soc_max_mwh + tol
        charged = spec.charge_efficiency * c * DT
        expected = info["soc_start_mwh"] + charged - d * DT / spec.discharge_efficiency
        assert info["soc_mwh"] == pytest.approx(expected, abs=1e-7 * max(spec.energy_mwh, 1.0))
    if terminal:
        assert infos[-1]["soc_mwh"] >= spec.soc_initial_mwh - 1e-7 * spec.energy_mwh


@settings(max_examples=200, deadline=None)
@given(
    spec=battery_specs,
    soc_frac=st.floats(0.0, 1.0),
    request_frac=st.floats(-1.5, 1.5),
    floor_frac=st.one_of(st.just(-math.inf), st.floats(0.0, 1.0)),
)
def test_project_power_is_the_nearest_feasible_power(
    spec: BatterySpec, soc_frac: float, request_frac: float, floor_frac: float
) -> None:
    soc = spec.soc_min_mwh + soc_frac * spec.usable_mwh
    floor = floor_frac * spec.energy_mwh
    lo, hi = feasible_net_power_mw(soc, spec, DT, floor)
    assert lo <= hi
    requested = request_frac * spec.power_mw
    c, d = project_power(requested, soc, spec, DT, floor)
    net = d - c
    assert lo - 1e-12 <= net <= hi + 1e-12
    if lo <= requested <= hi:
        assert net == pytest.approx(requested)
    else:
        assert net == pytest.approx(lo if requested < lo else hi)
    after = soc + spec.charge_efficiency * c * DT - d * DT / spec.discharge_efficiency
    assert after <= spec.soc_max_mwh + 1e-9 * spec.energy_mwh
    # either the extra floor is met or the battery charges as hard as the ceiling and power allow
    reachable = soc + spec.charge_efficiency * -lo * DT
    assert after >= min(max(floor, spec.soc_min_mwh), reachable) - 1e-9 * spec.energy_mwh


def test_reset_and_step_are_deterministic_for_a_seed(days: list[np.ndarray]) -> None:
    a = BatteryTradingEnv(agent_days(days, [None, *days[:-1]]), SPEC)
    b = BatteryTradingEnv(agent_days(days, [None, *days[:-1]]), SPEC)
    picked = []
    for seed in range(6):
        oa, ia = a.reset(seed=seed)
        ob, ib = b.reset(seed=seed)
        np.testing.assert_array_equal(oa, ob)
        assert ia["day_index"] == ib["day_index"]
        picked.append(ia["day_index"])
        for action in [DISCHARGE_ALWAYS, DISCHARGE_ALWAYS, CHARGE_ALWAYS, IDLE_ACTION, (5, 3, 7), (1, 10, 2)]:
            sa, sb = a.step(action), b.step(action)
            np.testing.assert_array_equal(sa[0], sb[0])
            assert sa[1] == sb[1] and sa[4] == sb[4]
    assert len(set(picked)) > 1  # the seed does pick the day
    # subsequent unseeded resets continue the same stream
    assert [a.reset()[1]["day_index"] for _ in range(5)] == [b.reset()[1]["day_index"] for _ in range(5)]


@pytest.mark.parametrize("n", [276, 288, 300])
def test_episode_has_one_step_per_interval_on_dst_days(n: int) -> None:
    rng = np.random.default_rng(n)
    day = AgentDay("d", synthetic_day(rng, n), synthetic_day(rng, 288), previous_usd_per_mwh=synthetic_day(rng, 288))
    env = BatteryTradingEnv([day], SPEC)
    env.reset(seed=0)
    steps = 0
    done = False
    while not done:
        _, _, done, _, _ = env.step(IDLE_ACTION)
        steps += 1
    assert steps == n
    with pytest.raises(RuntimeError):
        env.step(IDLE_ACTION)


def test_bad_inputs_are_named() -> None:
    bad = np.full(288, 20.0)
    bad[17] = np.nan
    with pytest.raises(PriceDataError, match=r"day 2025-10-02: prices.*interval 17"):
        AgentDay("2025-10-02", bad)
    with pytest.raises(PriceDataError, match="reference_is_dam without reference"):
        AgentDay("d", np.ones(288), reference_is_dam=True)
    with pytest.raises(PriceDataError):
        BatteryTradingEnv([], SPEC)
    env = BatteryTradingEnv(agent_days([np.ones(12)]), SPEC)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="outside MultiDiscrete"):
        env.step((len(BASE_LEVELS) + 1, 0, 0))
    with pytest.raises(ValueError, match="gamma"):
        BatteryTradingEnv(agent_days([np.ones(12)]), SPEC, gamma=0.0)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**16), day=st.integers(0, 2), gamma=st.sampled_from([0.9, 0.995, 1.0]))
def test_energy_value_shaping_is_potential_based(seed: int, day: int, gamma: float) -> None:
    """Each reward adds ``gamma * Phi(s') - Phi(s)``, ``Phi`` the stored energy above the start valued at the
    reference median (0 after the last interval): the discounted return is the discounted profit minus
    ``Phi(s0) = 0``, for every sequence of actions."""
    rng = np.random.default_rng(seed)
    prices = [synthetic_day(rng, 96) for _ in range(3)]
    refs = [synthetic_day(rng, 96) for _ in range(3)]
    env = BatteryTradingEnv(agent_days(prices, refs, dam=True), SPEC, dt_hours=0.25, gamma=gamma)
    plain = BatteryTradingEnv(
        agent_days(prices, refs, dam=True), SPEC, dt_hours=0.25, gamma=gamma, energy_value_shaping=False
    )
    value = float(np.median(refs[day]))
    env.reset(seed=seed, options={"day_index": day})
    plain.reset(seed=seed, options={"day_index": day})
    discounted_return, discounted_profit, done, k = 0.0, 0.0, False, 0
    while not done:
        a = tuple(int(rng.integers(m)) for m in ACTION_NVEC)
        _, reward, done, _, info = env.step(a)
        _, plain_reward, _, _, plain_info = plain.step(a)
        assert plain_info["soc_mwh"] == info["soc_mwh"]  # shaping changes rewards only
        assert plain_reward * env.reward_scale_usd == pytest.approx(info["profit_usd"], abs=1e-9)
        phi_before = (info["soc_start_mwh"] - SPEC.soc_initial_mwh) * value
        phi_after = 0.0 if done else (info["soc_mwh"] - SPEC.soc_initial_mwh) * value
        assert info["shaping_usd"] == pytest.approx(gamma * phi_after - phi_before, abs=1e-9)
        discounted_return += gamma**k * reward * env.reward_scale_usd
        discounted_profit += gamma**k * info["profit_usd"]
        k += 1
    assert k == 96
    assert discounted_return == pytest.approx(discounted_profit, abs=1e-6 * max(1.0, abs(discounted_profit)))


def test_no_shaping_without_a_reference_day(days: list[np.ndarray]) -> None:
    env = BatteryTradingEnv(agent_days(days[:1]), SPEC)
    env.reset(seed=0)
    _, reward, _, _, info = env.step(CHARGE_ALWAYS)  # charge at full power: SOC rises
    assert info["soc_mwh"] > info["soc_start_mwh"]
    assert reward * env.reward_scale_usd == pytest.approx(info["profit_usd"], abs=1e-9)
