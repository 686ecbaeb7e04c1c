"""The three-QSE environment: API shape, settlement identities, price impact, projection, determinism."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from agent_strategies import battery_specs
from gymnasium import spaces
from gymnasium.utils.env_checker import check_env
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.agents.errors import PriceDataError
from hayeknet.agents.market import PriceImpact, local_price, local_prices
from hayeknet.agents.offer_action import ACTION_NVEC, BASE_LEVELS
from hayeknet.agents.qse import (
    AGENTS,
    STATE_FEATURE_NAMES,
    ParallelQSEEnv,
    QSEDay,
    QSEEnvConfig,
    RenewableSpec,
    SingleAgentView,
    observation_names,
    state_features,
    synthetic_qse_day,
)
from hayeknet.agents.qse.env import default_action
from hayeknet.battery.spec import BatterySpec

DT = 1.0 / 12.0
N = 48
DISCHARGE_ALWAYS = np.array([BASE_LEVELS.index(1.0), 0, 0])


def make_day(rng: np.random.Generator, label: str, n: int = N) -> QSEDay:
    t = np.arange(n)
    rt = 30.0 + 25.0 * np.sin(2 * np.pi * (t / n - 0.3)) + rng.normal(0.0, 6.0, n)
    rt[rng.random(n) < 0.05] -= 60.0  # some negative prices
    dam = np.repeat(rt.reshape(-1, 12).mean(axis=1), 12) + 2.0 if n % 12 == 0 else rt + 2.0
    solar = np.clip(np.sin(np.pi * t / n) * rng.uniform(0.5, 1.0) + rng.normal(0, 0.05, n), 0.0, 1.0)
    wind = np.clip(0.4 + 0.2 * np.cos(2 * np.pi * t / n) + rng.normal(0, 0.05, n), 0.0, 1.0)
    return QSEDay(
        label=label,
        rt_price_usd_per_mwh=rt,
        dam_price_usd_per_mwh=dam,
        solar_actual_frac=solar,
        solar_forecast_frac=np.clip(solar * rng.uniform(0.8, 1.2), 0.0, 1.0),
        wind_actual_frac=wind,
        wind_forecast_frac=np.clip(wind + rng.normal(0, 0.05, n), 0.0, 1.0),
    )


@pytest.fixture(scope="module")
def days() -> list[QSEDay]:
    rng = np.random.default_rng(5)
    return [make_day(rng, f"2025-10-0{i + 1}") for i in range(3)]


def random_actions(env: ParallelQSEEnv) -> dict:
    return {a: env.action_space(a).sample() for a in env.agents}


def test_parallel_api_shape(days: list[QSEDay]) -> None:
    env = ParallelQSEEnv(days, seed=0)
    assert tuple(env.possible_agents) == AGENTS and env.agents == []
    assert isinstance(env.action_space("battery"), spaces.MultiDiscrete)
    assert tuple(env.action_space("battery").nvec) == ACTION_NVEC
    assert isinstance(env.action_space("solar"), spaces.MultiDiscrete)
    for agent in AGENTS:
        env.action_space(agent).seed(1)
        assert env.observation_space(agent).shape == (len(observation_names(agent)),)
    obs, infos = env.reset(seed=3)
    assert set(obs) == set(infos) == set(AGENTS) and env.agents == list(AGENTS)
    steps = 0
    while env.agents:
        obs, rewards, terms, truncs, infos = env.step(random_actions(env))
        steps += 1
        for d in (obs, rewards, terms, truncs, infos):
            assert set(d) == set(AGENTS)
        for a in AGENTS:
            assert env.observation_space(a).contains(obs[a])
            assert not truncs[a]
    assert steps == N and all(terms.values()) and env.agents == []
    with pytest.raises(RuntimeError):
        env.step({a: default_action(env, a) for a in AGENTS})
    with pytest.raises(ValueError, match="missing"):
        env.reset()
        env.step({"battery": default_action(env, "battery")})


@pytest.mark.parametrize("agent", AGENTS)
def test_single_agent_views_pass_the_gymnasium_checker(days: list[QSEDay], agent: str) -> None:
    view = SingleAgentView(ParallelQSEEnv(days), agent, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(view, skip_render_check=True)
    obs, info = view.reset(seed=0)
    assert view.observation_space.contains(obs) and "day_label" in info


def test_settlement_identities(days: list[QSEDay]) -> None:
    cfg = QSEEnvConfig(solar=RenewableSpec(200.0, 1.5), wind=RenewableSpec(150.0, 0.5))
    env = ParallelQSEEnv(days, cfg, seed=4)
    for agent in AGENTS:
        env.action_space(agent).seed(4)
    totals = {a: 0.0 for a in AGENTS}
    shaping_total = 0.0
    k = 0
    _obs, _ = env.reset(seed=4)
    hedges: dict[str, float] = {}
    while env.agents:
        _, rewards, _, _, infos = env.step(random_actions(env))
        t = infos["battery"]["interval"]
        day = days[infos["battery"]["day_index"]]
        b = infos["battery"]
        c, d = b["charge_mw"], b["discharge_mw"]
        deviation = d - c
        for a in ("solar", "wind"):
            r = infos[a]
            cap = cfg.renewable(a).capacity_mw
            assert r["forecast_mw"] == pytest.approx(day.forecast_frac(a)[t] * cap)
            assert r["available_mw"] == pytest.approx(day.actual_frac(a)[t] * cap)
            assert r["delivered_mw"] == pytest.approx(r["available_mw"] * (1 - r["curtail_frac"]))
            hedges.setdefault(a, r["hedge_frac"])
            assert r["hedge_frac"] == hedges[a]  # fixed at the first step of the day
            assert r["da_position_mw"] == pytest.approx(r["hedge_frac"] * r["forecast_mw"])
            imbalance = r["delivered_mw"] - r["da_position_mw"]
            assert r["da_cash_usd"] == pytest.approx(r["da_position_mw"] * day.dam_price_usd_per_mwh[t] * DT)
            assert r["rt_cash_usd"] == pytest.approx(imbalance * r["price_usd_per_mwh"] * DT)
            charge = cfg.renewable(a).imbalance_charge_usd_per_mwh * abs(imbalance) * DT
            assert r["imbalance_charge_usd"] == pytest.approx(charge)
            assert r["profit_usd"] == pytest.approx(r["da_cash_usd"] + r["rt_cash_usd"] - charge)
            deviation += r["delivered_mw"] - r["forecast_mw"]
        assert b["deviation_mw"] == pytest.approx(deviation)
        assert b["exogenous_price_usd_per_mwh"] == day.rt_price_usd_per_mwh[t]
        expected_price = local_price(day.rt_price_usd_per_mwh[t], deviation, cfg.impact)
        assert b["price_usd_per_mwh"] == pytest.approx(expected_price)
        assert b["cash_usd"] == pytest.approx(expected_price * (d - c) * DT)
        assert b["degradation_usd"] == pytest.approx(cfg.battery.degradation_usd_per_mwh * (c + d) * DT)
        shaping = infos["battery"]["shaping_usd"]
        shaping_total += env.gamma**k * shaping
        k += 1
        for a in AGENTS:
            extra = shaping if a == "battery" else 0.0
            assert rewards[a] * cfg.reward_scale_usd(a) == pytest.approx(infos[a]["profit_usd"] + extra)
            totals[a] += infos[a]["profit_usd"]
    for a in AGENTS:
        assert infos[a]["episode_profit_usd"] == pytest.approx(totals[a])
    # the discounted shaping terms telescope to -Phi(soc[0]) whatever the policy (gamma * Phi(s') - Phi(s))
    value = np.median(days[infos["battery"]["day_index"]].dam_price_usd_per_mwh) * cfg.battery.discharge_efficiency
    assert shaping_total == pytest.approx(-value * cfg.battery.soc_initial_mwh)
    unshaped = ParallelQSEEnv(days, dataclasses.replace(cfg, battery_shaping=False))
    unshaped.reset(seed=1)
    _, rewards, _, _, infos = unshaped.step({"battery": DISCHARGE_ALWAYS, "solar": [1, 1], "wind": [2, 0]})
    assert "shaping_usd" not in infos["battery"]
    assert rewards["battery"] * cfg.reward_scale_usd("battery") == pytest.approx(infos["battery"]["profit_usd"])
    assert cfg.reward_scale_usd("solar") == pytest.approx(200.0 * DT * 100.0)


def test_price_impact_makes_rewards_depend_on_the_others(days: list[QSEDay]) -> None:
    """Solar curtailing raises the local price, so the discharging battery earns more (and wind too)."""

    def first_step(curtail: float, slope: float) -> dict:
        env = ParallelQSEEnv(days, QSEEnvConfig(impact=PriceImpact(slope)))
        env.reset(options={"day_index": 0})
        env.step_requests({"battery": 0.0, "solar": (1.0, 0.0), "wind": (1.0, 0.0)})  # interval 0: idle
        while days[0].solar_actual_frac[env.interval] < 0.3:
            env.step_requests({"battery": 0.0, "solar": (1.0, 0.0), "wind": (1.0, 0.0)})
        _, rewards, _, _, infos = env.step_requests({"battery": 50.0, "solar": (1.0, curtail), "wind": (1.0, 0.0)})
        return {"rewards": rewards, "infos": infos}

    keep, cut = first_step(0.0, 0.05), first_step(1.0, 0.05)
    assert keep["infos"]["battery"]["discharge_mw"] == cut["infos"]["battery"]["discharge_mw"] == 50.0
    assert cut["infos"]["battery"]["price_usd_per_mwh"] > keep["infos"]["battery"]["price_usd_per_mwh"]
    assert cut["rewards"]["battery"] > keep["rewards"]["battery"]
    assert cut["rewards"]["wind"] != keep["rewards"]["wind"]
    # a price taker market: the others' actions do not move the battery's reward
    keep0, cut0 = first_step(0.0, 0.0), first_step(1.0, 0.0)
    assert keep0["rewards"]["battery"] == cut0["rewards"]["battery"]


@settings(max_examples=40, deadline=None)
@given(
    spec=battery_specs,
    requests=st.lists(st.floats(-3.0, 3.0), min_size=N, max_size=N),
    hedge=st.floats(-0.5, 1.5),
    curtail=st.floats(-0.5, 1.5),
)
def test_projection_keeps_the_battery_feasible(
    days: list[QSEDay], spec: BatterySpec, requests: list[float], hedge: float, curtail: float
) -> None:
    env = ParallelQSEEnv(days[:1], QSEEnvConfig(battery=spec))
    env.reset(options={"day_index": 0})
    tol = 1e-9 * max(spec.energy_mwh, 1.0)
    for r in requests:
        _, _, _, _, infos = env.step_requests(
            {"battery": r * spec.power_mw, "solar": (hedge, curtail), "wind": (hedge, curtail)}
        )
        b = infos["battery"]
        c, d = b["charge_mw"], b["discharge_mw"]
        assert 0.0 <= c <= spec.power_mw + 1e-9 and 0.0 <= d <= spec.power_mw + 1e-9
        assert c == 0.0 or d == 0.0
        assert spec.soc_min_mwh - tol <= b["soc_mwh"] <= spec.soc_max_mwh + tol
        expected = b["soc_start_mwh"] + spec.charge_efficiency * c * DT - d * DT / spec.discharge_efficiency
        assert b["soc_mwh"] == pytest.approx(expected, abs=1e-7 * max(spec.energy_mwh, 1.0))
        for a in ("solar", "wind"):
            assert 0.0 <= infos[a]["hedge_frac"] <= 1.0 and 0.0 <= infos[a]["curtail_frac"] <= 1.0
            assert 0.0 <= infos[a]["delivered_mw"] <= infos[a]["available_mw"] + 1e-12
    assert env.agents == []
    assert b["soc_mwh"] >= spec.soc_initial_mwh - 1e-7 * spec.energy_mwh  # terminal SOC restored


@settings(max_examples=200, deadline=None)
@given(
    p_exo=st.floats(-300.0, 6000.0),
    others=st.floats(-500.0, 500.0),
    own=st.floats(-200.0, 200.0),
    slope=st.floats(0.0, 1.0),
)
def test_own_impact_never_raises_own_cash(p_exo: float, others: float, own: float, slope: float) -> None:
    """The bound used by the evaluation: cash at the impacted price <= cash at the price without own impact."""
    impact = PriceImpact(slope)
    with_own = local_price(p_exo, others + own, impact)
    without = local_price(p_exo, others, impact)
    assert impact.floor_usd_per_mwh <= with_own <= impact.cap_usd_per_mwh
    assert with_own * own <= without * own + 1e-9 * (1 + abs(without * own))
    np.testing.assert_allclose(local_prices(np.array([p_exo]), np.array([others + own]), impact), [with_own])


def test_price_impact_validation_and_sign() -> None:
    impact = PriceImpact(0.1)
    assert local_price(50.0, 100.0, impact) == pytest.approx(40.0)  # over-injection lowers the price
    assert local_price(50.0, -100.0, impact) == pytest.approx(60.0)
    assert local_price(-250.0, 100.0, impact) == impact.floor_usd_per_mwh
    with pytest.raises(ValueError, match="slope"):
        PriceImpact(-0.1)
    with pytest.raises(ValueError, match="floor < cap"):
        PriceImpact(0.1, 10.0, 5.0)


def test_reset_and_step_are_deterministic(days: list[QSEDay]) -> None:
    a, b = ParallelQSEEnv(days), ParallelQSEEnv(days)
    rng = np.random.default_rng(0)
    picked = []
    for seed in range(5):
        _oa, ia = a.reset(seed=seed)
        _ob, ib = b.reset(seed=seed)
        picked.append(ia["battery"]["day_index"])
        assert ia["battery"]["day_index"] == ib["battery"]["day_index"]
        for _ in range(10):
            acts = {
                "battery": rng.integers(0, ACTION_NVEC),
                "solar": rng.integers(0, [5, 3]),
                "wind": rng.integers(0, [5, 3]),
            }
            sa, sb = a.step(acts), b.step(acts)
            for k in AGENTS:
                np.testing.assert_array_equal(sa[0][k], sb[0][k])
                assert sa[1][k] == sb[1][k]
    assert len(set(picked)) > 1
    va, vb = SingleAgentView(a, "solar", seed=9), SingleAgentView(b, "solar", seed=9)
    assert [va.reset()[1]["day_index"] for _ in range(6)] == [vb.reset()[1]["day_index"] for _ in range(6)]
    spawned = a.spawn()
    first = spawned.reset(options={"day_index": 1})[0]["wind"]
    np.testing.assert_array_equal(first, b.reset(options={"day_index": 1})[0]["wind"])


def test_state_features_reach_the_observation(days: list[QSEDay]) -> None:
    mean = np.linspace(10.0, 90.0, N)
    feats = state_features(mean, np.full(N, 5.0), {"p_high_price": 0.3, "p_congestion": 0.1})
    assert feats.shape == (N, len(STATE_FEATURE_NAMES))
    day = dataclasses.replace(days[0], state_features=feats)
    env = ParallelQSEEnv([day])
    obs, _ = env.reset(options={"day_index": 0})
    names = observation_names("battery")
    assert obs["battery"][names.index("has_state")] == 1.0
    # the filtered state of t has assimilated t's price: interval t sees that of t - 1 (none at t = 0)
    assert obs["battery"][names.index("enkf_mean_asinh")] == 0.0
    obs, *_ = env.step({a: default_action(env, a) for a in AGENTS})
    assert obs["battery"][names.index("enkf_mean_asinh")] == pytest.approx(math.asinh(10.0 / 50.0), rel=1e-6)
    assert obs["battery"][names.index("p_high_price")] == pytest.approx(0.3)
    plain, _ = ParallelQSEEnv(days[:1]).reset(options={"day_index": 0})
    assert plain["solar"][names.index("has_state")] == 0.0
    with pytest.raises(PriceDataError, match="probability"):
        state_features(mean, mean, {"p_imbalance": 1.5})


def test_bad_day_data_is_named(days: list[QSEDay]) -> None:
    bad = days[0].solar_actual_frac.copy()
    bad[7] = 1.2
    with pytest.raises(PriceDataError, match=r"2025-10-01: solar_actual_frac\[7\]"):
        dataclasses.replace(days[0], solar_actual_frac=bad)
    with pytest.raises(PriceDataError, match="dam_price_usd_per_mwh has 47"):
        dataclasses.replace(days[0], dam_price_usd_per_mwh=days[0].dam_price_usd_per_mwh[:-1])
    with pytest.raises(PriceDataError, match="no days"):
        ParallelQSEEnv([])


def test_synthetic_day_is_deterministic_and_consistent() -> None:
    a, b = synthetic_qse_day("2025-10-04", 7), synthetic_qse_day("2025-10-04", 7)
    assert a.n_intervals == 288 and a.label == "2025-10-04"
    for name, arr in a.arrays().items():
        np.testing.assert_array_equal(arr, b.arrays()[name], err_msg=name)
    assert np.all((a.solar_forecast_frac >= 0) & (a.solar_forecast_frac <= 1))
    assert a.solar_forecast_frac[0] == 0.0 and a.solar_forecast_frac.max() > 0.1  # night and day
    # the DAM price is constant within each hour
    assert np.all(np.ptp(a.dam_price_usd_per_mwh.reshape(24, 12), axis=1) == 0.0)


def test_day_from_archived_prices_matches_the_synthetic_day() -> None:
    from hayeknet.agents.qse import qse_day_from_prices, synthetic_renewable_profiles

    synth = synthetic_qse_day("2025-10-04", 7)
    idx = synth.interval_start_utc
    rt = pd.Series(synth.rt_price_usd_per_mwh, index=idx)
    dam = pd.Series(synth.dam_price_usd_per_mwh[::12], index=idx[::12])
    as_15 = pd.DataFrame({k: v[::3] for k, v in synth.as_prices_usd_per_mw_h.items()}, index=idx[::3])
    ren = synthetic_renewable_profiles("2025-10-04", 7)
    day = qse_day_from_prices("2025-10-04", rt, dam, ren, as_prices=as_15, as_price_source="RT MCPC")
    assert set(day.arrays()) == set(synth.arrays())
    for name, arr in synth.arrays().items():
        np.testing.assert_array_equal(arr, day.arrays()[name], err_msg=name)
    assert day.as_price_source == "RT MCPC" and day.agents == AGENTS
    with pytest.raises(PriceDataError, match="no DAM price for the hour"):
        qse_day_from_prices("2025-10-04", rt, dam.iloc[:-1], ren)
    with pytest.raises(PriceDataError, match="AS price REGUP"):
        qse_day_from_prices("2025-10-04", rt, dam, ren, as_prices=as_15.iloc[:-1])


def test_price_reference_picks_the_feature_reference_curve(days: list[QSEDay]) -> None:
    """price_reference 'dam': the RT price features are those against the day's own DAM curve
    (known before the day); 'previous_day' (default) the previous day's RT prices."""
    from hayeknet.agents.features import PRICE_FEATURE_NAMES, AgentDay, price_features
    from hayeknet.agents.offer_action import day_ahead_plan

    names = list(observation_names("battery", QSEEnvConfig()))
    cols = [names.index(f) for f in PRICE_FEATURE_NAMES]
    for design, expected_ref in (
        ("dam", lambda i: days[i].dam_price_usd_per_mwh),
        ("previous_day", lambda i: None if i == 0 else days[i - 1].rt_price_usd_per_mwh),
    ):
        cfg = QSEEnvConfig(price_reference=design)
        env = ParallelQSEEnv(days, cfg)
        for i, day in enumerate(days):
            obs, _ = env.reset(seed=0, options={"day_index": i})
            spec = cfg.battery
            plan = day_ahead_plan(day.dam_price_usd_per_mwh, spec, DT, spec.soc_initial_mwh)
            known = AgentDay(day.label, day.rt_price_usd_per_mwh, expected_ref(i), design == "dam")
            want = price_features(known, DT, spec, *plan)[0]
            np.testing.assert_allclose(obs["battery"][cols], want.astype(np.float32), rtol=1e-6, atol=1e-6)
    with pytest.raises(PriceDataError, match="price_reference is 'dam'"):
        ParallelQSEEnv(days, QSEEnvConfig(price_reference="dam"), reference_prices=[None] * len(days))
    assert QSEEnvConfig().price_reference == "previous_day"
    with pytest.raises(ValueError, match="price_reference"):
        QSEEnvConfig(price_reference="yesterday")


@settings(max_examples=200, deadline=None)
@given(
    breaks=st.lists(st.floats(-300.0, 400.0), min_size=0, max_size=3, unique=True),
    steps=st.lists(st.floats(0.0, 60.0), min_size=4, max_size=4),
    exo=st.floats(-250.0, 500.0),
    others=st.floats(-200.0, 200.0),
    slope=st.sampled_from([0.0, 0.05, 0.5, 5.0]),
)
def test_an_offer_curve_clears_where_it_meets_the_price_it_moves(
    breaks: list[float], steps: list[float], exo: float, others: float, slope: float
) -> None:
    """``clear_with_impact`` finds the market's fixed point: a level whose own local price dispatches it, or
    a break price the local price sits at with the net power between the levels around it."""
    from hayeknet.agents.market import clear_with_impact
    from hayeknet.battery.offers import OfferCurve

    b = np.sort(np.asarray(breaks, dtype=float))
    b = b[np.concatenate([[True], np.diff(b) > 1e-6])] if b.size else b
    levels = -100.0 + np.cumsum(steps[: b.size + 1])
    curve = OfferCurve(b, levels)
    impact = PriceImpact(slope)
    net = clear_with_impact(curve, exo, others, impact)
    price = local_price(exo, others + net, impact)
    on_level = curve.clear(price) == pytest.approx(net, abs=1e-9)
    at_break = any(
        price == pytest.approx(x, abs=1e-6) and levels[i] - 1e-9 <= net <= levels[i + 1] + 1e-9 for i, x in enumerate(b)
    )
    assert on_level or at_break


def _without(day: QSEDay, *resources: str) -> QSEDay:
    """``day`` with ``resources`` off (no profile), as a day of real data without their ERCOT output."""
    off = {f"{r}_{k}_frac": None for r in resources for k in ("actual", "forecast")}
    return dataclasses.replace(day, renewable_notes={r: f"{r}: not collected" for r in resources}, **off)


def test_a_day_runs_the_agents_it_has_profiles_of(days: list[QSEDay]) -> None:
    wind_off, both_off = _without(days[0], "wind"), _without(days[1], "solar", "wind")
    assert wind_off.agents == ("battery", "solar") and both_off.agents == ("battery",)
    with pytest.raises(PriceDataError, match="wind QSE is off this day \\(wind: not collected\\)"):
        wind_off.actual_frac("wind")
    with pytest.raises(PriceDataError, match="both be given or both be None"):
        dataclasses.replace(days[0], wind_forecast_frac=None)
    assert "wind_actual_frac" not in wind_off.arrays() and "solar_actual_frac" in wind_off.arrays()
    env = ParallelQSEEnv([wind_off, both_off, days[2]], seed=0)
    obs, infos = env.reset(options={"day_index": 0})
    assert env.agents == ["battery", "solar"] and set(obs) == set(infos) == {"battery", "solar"}
    with pytest.raises(ValueError, match=r"missing \['solar'\]"):
        env.step({"battery": default_action(env, "battery")})
    # the battery alone: actions of agents that are off are ignored, the price moves with its deviation only
    env.reset(options={"day_index": 1})
    assert env.agents == ["battery"]
    steps = 0
    while env.agents:
        obs, rewards, terms, truncs, infos = env.step({a: env.action_space(a).sample() for a in AGENTS})
        assert set(obs) == set(rewards) == set(terms) == set(truncs) == set(infos) == {"battery"}
        b = infos["battery"]
        assert b["deviation_mw"] == pytest.approx(b["discharge_mw"] - b["charge_mw"])
        steps += 1
    assert steps == N and "episode_profit_usd" in infos["battery"]
    # one agent's view plays only the days that agent runs on; the others act only where they run
    wind = SingleAgentView(env, "wind", seed=3)
    assert wind.day_indices == [2]
    for _ in range(3):
        _, info = wind.reset()
        assert info["day_label"] == days[2].label
    with pytest.raises(PriceDataError, match="off on day 0"):
        wind.reset(options={"day_index": 0})
    battery = SingleAgentView(env, "battery")
    battery.reset(options={"day_index": 1})
    battery.step(default_action(env, "battery"))
    with pytest.raises(PriceDataError, match="runs on none of the days"):
        SingleAgentView(ParallelQSEEnv([both_off]), "solar").reset()
