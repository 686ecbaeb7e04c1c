"""The trading environment: spaces, physics, reward identity, projection, determinism."""

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
    ACTION_LEVELS,
    OBSERVATION_NAMES,
    BatteryTradingEnv,
    feasible_net_power_mw,
    project_power,
)
from hayeknet.agents.errors import PriceDataError
from hayeknet.battery.spec import BatterySpec

DT = 1.0 / 12.0
SPEC = BatterySpec()


def synthetic_day(rng: np.random.Generator, n: int = 288) -> np.ndarray:
    t = np.arange(n)
    p = 30.0 + 20.0 * np.sin(2 * np.pi * (t / n - 0.3)) + rng.normal(0.0, 5.0, n)
    p[rng.random(n) < 0.02] -= 40.0  # some negative prices
    return p


@pytest.fixture
def days() -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    return [synthetic_day(rng) for _ in range(3)]


def test_spaces_and_gymnasium_checker(days: list[np.ndarray]) -> None:
    env = BatteryTradingEnv(days, SPEC, reference_prices=[None, *days[:-1]], seed=1)
    assert isinstance(env.action_space, spaces.Discrete) and env.action_space.n == len(ACTION_LEVELS)
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


def test_reward_identity_and_info(days: list[np.ndarray]) -> None:
    env = BatteryTradingEnv(days, SPEC, seed=5)
    env.reset(seed=5)
    env.action_space.seed(5)
    total = 0.0
    done = False
    while not done:
        _, reward, done, _, info = env.step(env.action_space.sample())
        price = days[info["day_index"]][info["interval"]]
        c, d = info["charge_mw"], info["discharge_mw"]
        assert info["cash_usd"] == pytest.approx(price * (d - c) * DT, abs=1e-9)
        assert info["degradation_usd"] == pytest.approx(SPEC.degradation_usd_per_mwh * (c + d) * DT, abs=1e-9)
        profit = info["cash_usd"] - info["degradation_usd"]
        assert reward * env.reward_scale_usd == pytest.approx(profit, abs=1e-9)
        total += info["profit_usd"]
    assert info["episode_profit_usd"] == pytest.approx(total)
    assert env.reward_scale_usd == pytest.approx(SPEC.power_mw * DT * 100.0)


def test_full_discharge_then_forced_recharge_at_day_end() -> None:
    """Always asking to discharge: the floor binds, then the terminal SOC forces charging."""
    prices = np.full(288, 50.0)
    env = BatteryTradingEnv([prices], SPEC)
    env.reset(seed=0)
    discharge_idx = ACTION_LEVELS.index(1.0)
    socs, charges = [], []
    done = False
    while not done:
        _, _, done, _, info = env.step(discharge_idx)
        socs.append(info["soc_mwh"])
        charges.append(info["charge_mw"])
    assert min(socs) == pytest.approx(SPEC.soc_min_mwh)
    assert socs[-1] >= SPEC.soc_initial_mwh - 1e-6
    assert sum(c > 0 for c in charges) > 0  # recharged although it never asked to


def _run(env: BatteryTradingEnv, actions: list[int], day: int) -> list[dict]:
    env.reset(seed=0, options={"day_index": day})
    infos = []
    for a in actions:
        _, _, done, _, info = env.step(a)
        infos.append(info)
        if done:
            break
    return infos


@settings(max_examples=60, deadline=None)
@given(
    spec=battery_specs,
    actions=st.lists(st.integers(0, len(ACTION_LEVELS) - 1), min_size=48, max_size=48),
    terminal=st.booleans(),
)
def test_projection_keeps_every_trajectory_feasible(spec: BatterySpec, actions: list[int], terminal: bool) -> None:
    prices = np.linspace(-20.0, 80.0, 48)
    env = BatteryTradingEnv([prices], spec, enforce_terminal_soc=terminal)
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
    refs = [None, *days[:-1]]
    a = BatteryTradingEnv(days, SPEC, reference_prices=refs)
    b = BatteryTradingEnv(days, SPEC, reference_prices=refs)
    picked = []
    for seed in range(6):
        oa, ia = a.reset(seed=seed)
        ob, ib = b.reset(seed=seed)
        np.testing.assert_array_equal(oa, ob)
        assert ia["day_index"] == ib["day_index"]
        picked.append(ia["day_index"])
        for action in [4, 4, 0, 2, 1, 3]:
            sa, sb = a.step(action), b.step(action)
            np.testing.assert_array_equal(sa[0], sb[0])
            assert sa[1] == sb[1] and sa[4] == sb[4]
    assert len(set(picked)) > 1  # the seed does pick the day
    # subsequent unseeded resets continue the same stream
    assert [a.reset()[1]["day_index"] for _ in range(5)] == [b.reset()[1]["day_index"] for _ in range(5)]


@pytest.mark.parametrize("n", [276, 288, 300])
def test_episode_has_one_step_per_interval_on_dst_days(n: int) -> None:
    rng = np.random.default_rng(n)
    env = BatteryTradingEnv([synthetic_day(rng, n)], SPEC, reference_prices=[synthetic_day(rng, 288)])
    env.reset(seed=0)
    steps = 0
    done = False
    while not done:
        _, _, done, _, _ = env.step(2)
        steps += 1
    assert steps == n
    with pytest.raises(RuntimeError):
        env.step(2)


def test_bad_price_data_is_named() -> None:
    bad = np.full(288, 20.0)
    bad[17] = np.nan
    with pytest.raises(PriceDataError, match=r"price_days\[1\] \(2025-10-02\).*interval 17"):
        BatteryTradingEnv([np.ones(288), bad], SPEC, day_labels=["2025-10-01", "2025-10-02"])
    with pytest.raises(PriceDataError, match="reference_prices has 1 entries for 2"):
        BatteryTradingEnv([np.ones(288), np.ones(288)], SPEC, reference_prices=[None])
    with pytest.raises(PriceDataError):
        BatteryTradingEnv([], SPEC)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**16), day=st.integers(0, 2))
def test_energy_value_shaping_telescopes_to_the_day_profit(seed: int, day: int) -> None:
    """With a reference curve each reward adds the stored energy's change valued at the reference
    median; the day's undiscounted return is still exactly its scaled profit."""
    rng = np.random.default_rng(seed)
    days = [synthetic_day(rng) for _ in range(3)]
    refs = [synthetic_day(rng) for _ in range(3)]
    env = BatteryTradingEnv(days, SPEC, reference_prices=refs)
    plain = BatteryTradingEnv(days, SPEC, reference_prices=refs, energy_value_shaping=False)
    value = float(np.median(refs[day]))
    env.reset(seed=seed, options={"day_index": day})
    plain.reset(seed=seed, options={"day_index": day})
    actions = rng.integers(len(ACTION_LEVELS), size=len(days[day]))
    total, done = 0.0, False
    for a in actions:
        _, reward, done, _, info = env.step(a)
        _, plain_reward, _, _, plain_info = plain.step(a)
        assert plain_info["soc_mwh"] == info["soc_mwh"]  # shaping changes rewards only
        assert plain_reward * env.reward_scale_usd == pytest.approx(info["profit_usd"], abs=1e-9)
        if not done:
            stored = (info["soc_mwh"] - info["soc_start_mwh"]) * value
            assert reward * env.reward_scale_usd == pytest.approx(info["profit_usd"] + stored, abs=1e-6)
        total += reward
        if done:
            break
    assert done
    assert total * env.reward_scale_usd == pytest.approx(info["episode_profit_usd"], abs=1e-6)


def test_no_shaping_without_a_reference_day(days: list[np.ndarray]) -> None:
    env = BatteryTradingEnv(days[:1], SPEC, reference_prices=[None])
    env.reset(seed=0)
    _, reward, _, _, info = env.step(0)  # charge at full power: SOC rises
    assert info["soc_mwh"] > info["soc_start_mwh"]
    assert reward * env.reward_scale_usd == pytest.approx(info["profit_usd"], abs=1e-9)
