"""RTC+B AS offers, corridor limits and beliefs in the three-QSE environment (issue 5).

Short days (48 five-minute intervals) with AS prices; the projection is checked
against the constraint validator's rules and its reference implementation.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from agent_strategies import battery_specs, make_qse_day
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.agents.errors import PriceDataError
from hayeknet.agents.evaluation import evaluate_qse_day, greedy_as_offers
from hayeknet.agents.multi_training import init_qse_models, load_qse_policies, train_qse_increment
from hayeknet.agents.offer_action import ACTION_NVEC, BASE_LEVELS
from hayeknet.agents.qse import (
    AGENTS,
    STATE_FEATURE_NAMES,
    ActionProjector,
    ParallelQSEEnv,
    QSEDay,
    QSEEnvConfig,
    SingleAgentView,
    interval_beliefs,
    observation_names,
    state_features,
)
from hayeknet.agents.qse.env import BatteryOffer, default_action
from hayeknet.battery.cooptimize import AS_DURATION_HOURS, UP_PRODUCTS
from hayeknet.battery.spec import BatterySpec
from hayeknet.constraints.errors import ProjectionError
from hayeknet.constraints.projection import project_action
from hayeknet.constraints.rules import BatteryAction, check_action
from hayeknet.params import TrainParams

DT = 1.0 / 12.0
N = 48
RTC_B = QSEEnvConfig(market_design="rtc_b")
PRODUCTS = RTC_B.as_products
FULL = [BASE_LEVELS.index(1.0), 0, 0]  # discharge at full power whatever the price


def make_day(rng: np.random.Generator, label: str, n: int = N) -> QSEDay:
    return make_qse_day(rng, label, n, with_as_prices=True)


@pytest.fixture(scope="module")
def days() -> list[QSEDay]:
    rng = np.random.default_rng(1282)
    return [make_day(rng, f"2025-12-0{i + 5}") for i in range(4)]


def play(env: ParallelQSEEnv, seed: int, day_index: int = 0) -> list[tuple[dict, dict]]:
    """One day of random discrete actions (seeded); ``(rewards, infos)`` per step."""
    for a in AGENTS:
        env.action_space(a).seed(seed)
    env.reset(seed=seed, options={"day_index": day_index})
    steps = []
    while env.agents:
        _, rewards, _, _, infos = env.step({a: env.action_space(a).sample() for a in AGENTS})
        steps.append((rewards, infos))
    return steps


def awards_of(info: dict) -> dict[str, float]:
    return {k: info[f"as_award_{k}_mw"] for k in PRODUCTS}


# ----------------------------------------------------------------------------- spaces and settlement


def test_rtc_b_action_and_observation_spaces(days: list[QSEDay]) -> None:
    env = ParallelQSEEnv(days, RTC_B, seed=0)
    space = env.action_space("battery")
    assert list(space.nvec) == [*ACTION_NVEC] + [len(RTC_B.as_levels)] * len(PRODUCTS)
    names = observation_names("battery", RTC_B)
    assert names[-len(PRODUCTS) :] == tuple(f"as_price_{k.lower()}_asinh" for k in PRODUCTS)
    assert observation_names("battery") == names[: -len(PRODUCTS)]  # SCED: no AS features
    obs, _ = env.reset(options={"day_index": 1})
    assert obs["battery"].shape == (len(names),)
    for k in PRODUCTS:  # no AS price of the day is published before its first interval
        assert obs["battery"][names.index(f"as_price_{k.lower()}_asinh")] == 0.0
    obs, *_ = env.step({a: default_action(env, a) for a in AGENTS})
    for k in PRODUCTS:  # then the last published one, of t - 1
        expected = math.asinh(days[1].as_prices_usd_per_mw_h[k][0] / 10.0)
        assert obs["battery"][names.index(f"as_price_{k.lower()}_asinh")] == pytest.approx(expected, rel=1e-6)
    env.reset(options={"day_index": 1})
    assert env.observation_space("solar").shape == (len(observation_names("solar", RTC_B)),)
    request = env.action_to_request("battery", [*FULL, 0, 1, 2, 0])
    assert isinstance(request, BatteryOffer)
    assert request.curve.clear(-1000.0) == request.curve.clear(1000.0) == RTC_B.battery.power_mw
    assert dict(request.as_mw) == {"REGUP": 0.0, "REGDN": 50.0, "RRS": 100.0, "ECRS": 0.0}
    with pytest.raises(ValueError, match="outside"):
        env.action_to_request("battery", [*FULL, 0, 3, 0, 0])
    with pytest.raises(ValueError, match="rtc_b"):
        sced = ParallelQSEEnv(days, seed=0)
        sced.reset()
        sced.step_requests({"battery": BatteryAction(0.0, {"REGUP": 5.0}), "solar": (1, 0), "wind": (1, 0)})


@pytest.mark.parametrize("agent", AGENTS)
def test_rtc_b_views_pass_the_gymnasium_checker(days: list[QSEDay], agent: str) -> None:
    import warnings

    from gymnasium.utils.env_checker import check_env

    view = SingleAgentView(ParallelQSEEnv(days, RTC_B), agent, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(view, skip_render_check=True)


def test_reward_identity_under_rtc_b(days: list[QSEDay]) -> None:
    """reward x scale = energy cash + AS capacity payments - degradation (+ shaping), term by term."""
    for shaping in (True, False):
        cfg = dataclasses.replace(RTC_B, battery_shaping=shaping)
        env = ParallelQSEEnv(days, cfg, seed=3)
        total_as = 0.0
        for rewards, infos in play(env, seed=7 + shaping):
            b = infos["battery"]
            day = days[b["day_index"]]
            t = b["interval"]
            paid = 0.0
            for k in PRODUCTS:
                price = day.as_prices_usd_per_mw_h[k][t]
                assert b[f"as_price_{k}_usd_per_mw_h"] == price
                assert b[f"as_cash_{k}_usd"] == pytest.approx(b[f"as_award_{k}_mw"] * price * DT)
                paid += b[f"as_cash_{k}_usd"]
            assert b["as_cash_usd"] == pytest.approx(paid)
            assert b["cash_usd"] == pytest.approx(b["price_usd_per_mwh"] * (b["discharge_mw"] - b["charge_mw"]) * DT)
            assert b["profit_usd"] == pytest.approx(b["cash_usd"] + b["as_cash_usd"] - b["degradation_usd"])
            extra = b.get("shaping_usd", 0.0)
            assert ("shaping_usd" in b) == shaping
            assert rewards["battery"] * cfg.reward_scale_usd("battery") == pytest.approx(b["profit_usd"] + extra)
            total_as += b["as_cash_usd"]
        assert total_as > 0.0  # random offers earn capacity payments


def test_sced_battery_earns_no_as(days: list[QSEDay]) -> None:
    for _, infos in play(ParallelQSEEnv(days, seed=1), seed=1):
        assert infos["battery"]["as_cash_usd"] == 0.0
        assert not any(key.startswith("as_award") for key in infos["battery"])


def test_rtc_b_is_deterministic(days: list[QSEDay]) -> None:
    a = play(ParallelQSEEnv(days, RTC_B, seed=0), seed=5, day_index=2)
    b = play(ParallelQSEEnv(days, RTC_B, seed=0), seed=5, day_index=2)
    assert len(a) == len(b) == N
    for (ra, ia), (rb, ib) in zip(a, b):
        assert ra == rb and ia["battery"] == ib["battery"]


def test_rtc_b_needs_as_prices(days: list[QSEDay]) -> None:
    bare = dataclasses.replace(days[0], as_prices_usd_per_mw_h={"REGUP": days[0].as_prices_usd_per_mw_h["REGUP"]})
    with pytest.raises(PriceDataError, match=r"2025-12-05: market_design 'rtc_b' needs AS prices.*REGDN"):
        ParallelQSEEnv([bare], RTC_B)
    ParallelQSEEnv([bare])  # SCED does not need them
    with pytest.raises(PriceDataError, match=r"as_prices_usd_per_mw_h\[RRS\]\[3\]"):
        prices = dict(days[0].as_prices_usd_per_mw_h)
        prices["RRS"] = prices["RRS"].copy()
        prices["RRS"][3] = np.nan
        dataclasses.replace(days[0], as_prices_usd_per_mw_h=prices)
    with pytest.raises(PriceDataError, match="unknown product 'FOO'"):
        dataclasses.replace(days[0], as_prices_usd_per_mw_h={"FOO": np.zeros(N)})


def test_config_validation() -> None:
    with pytest.raises(ValueError, match="market_design"):
        QSEEnvConfig(market_design="rtcb")
    with pytest.raises(ValueError, match="as_products"):
        QSEEnvConfig(as_products=("REGUP", "REGUP"))
    with pytest.raises(ValueError, match="as_products"):
        QSEEnvConfig(as_products=("SPIN",))
    with pytest.raises(ValueError, match="as_levels"):
        QSEEnvConfig(as_levels=(0.0, 1.5))
    with pytest.raises(ValueError, match="lo <= 0 <= hi"):
        QSEEnvConfig(net_power_bounds_mw=(5.0, 50.0))
    cfg = QSEEnvConfig(net_power_bounds_mw=(-10, 20))
    assert cfg.net_power_bounds_mw == (-10.0, 20.0) and cfg.max_charge_mw() == 10.0
    assert json.loads(json.dumps(cfg.to_dict()))["net_power_bounds_mw"] == [-10.0, 20.0]


# ----------------------------------------------------------------------------- projection

fractions = st.floats(0.0, 1.0)


@settings(max_examples=150, deadline=None)
@given(
    spec=battery_specs,
    soc_frac=fractions,
    floor_frac=st.one_of(st.just(-1.0), fractions),
    net=st.floats(-1.5, 1.5),
    offers=st.lists(st.floats(-0.2, 1.5), min_size=5, max_size=5),
    products=st.sets(st.sampled_from(tuple(AS_DURATION_HOURS)), min_size=1),
    bounds=st.one_of(st.none(), st.tuples(st.floats(-1.2, 0.0), st.floats(0.0, 1.2))),
)
def test_fast_projector_equals_the_validators_projection(
    spec: BatterySpec,
    soc_frac: float,
    floor_frac: float,
    net: float,
    offers: list[float],
    products: set[str],
    bounds: tuple[float, float] | None,
) -> None:
    p = spec.power_mw
    soc = spec.soc_min_mwh + soc_frac * (spec.soc_max_mwh - spec.soc_min_mwh)
    floor = -math.inf if floor_frac < 0 else spec.soc_min_mwh + floor_frac * (spec.soc_max_mwh - spec.soc_min_mwh)
    mw_bounds = None if bounds is None else (bounds[0] * p, bounds[1] * p)
    request = {k: offers[i] * p for i, k in enumerate(sorted(products))}
    fast = ActionProjector(spec, DT, tuple(products), mw_bounds).project(net * p, request, soc, floor)
    try:
        ref = project_action(
            BatteryAction(net * p, request),
            soc,
            spec,
            DT,
            net_power_bounds_mw=mw_bounds or (-math.inf, math.inf),
            min_soc_after_mwh=floor,
        )
    except ProjectionError:
        assert fast is None
        return
    assert fast is not None
    scale = max(p, 1.0)
    assert fast[0] == pytest.approx(ref.net_mw, abs=1e-7 * scale)
    for k in products:
        assert fast[1][k] == pytest.approx(ref.as_mw[k], abs=1e-7 * scale)


@settings(max_examples=40, deadline=None)
@given(
    spec=battery_specs,
    seed=st.integers(0, 2**16),
    bounds=st.one_of(st.none(), st.tuples(st.floats(-1.0, -0.05), st.floats(0.05, 1.0))),
)
def test_every_rtc_b_action_is_feasible(
    days: list[QSEDay], spec: BatterySpec, seed: int, bounds: tuple[float, float] | None
) -> None:
    """No charge and discharge at once; power, SOC, headroom, NPRR1282 backing and corridor limits hold."""
    mw_bounds = None if bounds is None else (bounds[0] * spec.power_mw, bounds[1] * spec.power_mw)
    cfg = dataclasses.replace(RTC_B, battery=spec, net_power_bounds_mw=mw_bounds)
    env = ParallelQSEEnv(days[:1], cfg)
    tol = 1e-6 * max(spec.energy_mwh, spec.power_mw, 1.0)
    for _, infos in play(env, seed=seed):
        b = infos["battery"]
        c, d = b["charge_mw"], b["discharge_mw"]
        awards = awards_of(b)
        action = BatteryAction(d - c, awards)
        violations = check_action(action, b["soc_start_mwh"], spec, DT, net_power_bounds_mw=mw_bounds, tol=tol)
        assert not violations, [str(v) for v in violations]
        assert c == 0.0 or d == 0.0
        up = sum(v for k, v in awards.items() if k in UP_PRODUCTS)
        assert d + up <= spec.power_mw + tol and c + awards["REGDN"] <= spec.power_mw + tol
        low = min(b["soc_start_mwh"], b["soc_mwh"])
        up_mwh = sum(v * AS_DURATION_HOURS[k] for k, v in awards.items() if k in UP_PRODUCTS)
        needed = up_mwh / spec.discharge_efficiency
        assert low - needed >= spec.soc_min_mwh - tol
        high = max(b["soc_start_mwh"], b["soc_mwh"])
        assert high + awards["REGDN"] * AS_DURATION_HOURS["REGDN"] * spec.charge_efficiency <= spec.soc_max_mwh + tol
        for k in PRODUCTS:  # awards never exceed the offer
            assert 0.0 <= awards[k] <= b[f"as_offer_{k}_mw"] + tol
    assert b["soc_mwh"] >= spec.soc_initial_mwh - 1e-6 * spec.energy_mwh  # terminal SOC restored


@pytest.mark.parametrize("design", ["sced", "rtc_b"])
def test_a_tight_corridor_limit_binds(days: list[QSEDay], design: str) -> None:
    cfg = QSEEnvConfig(market_design=design, net_power_bounds_mw=(-10.0, 15.0))
    env = ParallelQSEEnv(days[:1], cfg)
    env.reset(options={"day_index": 0})
    extra = [0] * len(PRODUCTS) if design == "rtc_b" else []
    full = [*FULL, *extra]
    charge = [BASE_LEVELS.index(-1.0), 0, 0, *extra]
    seen = set()
    while env.agents:
        action = full if env.interval % 2 else charge
        _, _, _, _, infos = env.step({"battery": action, "solar": [4, 0], "wind": [4, 0]})
        b = infos["battery"]
        assert b["discharge_mw"] <= 15.0 + 1e-9 and b["charge_mw"] <= 10.0 + 1e-9
        seen.add(round(b["discharge_mw"] - b["charge_mw"], 6))
    assert {15.0, -10.0} <= seen  # the limit binds both ways
    assert b["soc_mwh"] >= cfg.battery.soc_initial_mwh - 1e-6  # terminal floor honours the charge limit
    unbound = ParallelQSEEnv(days[:1], dataclasses.replace(cfg, net_power_bounds_mw=None))
    unbound.reset(options={"day_index": 0})
    _, _, _, _, infos = unbound.step({"battery": full, "solar": [4, 0], "wind": [4, 0]})
    assert infos["battery"]["discharge_mw"] > 15.0


@settings(max_examples=60, deadline=None)
@given(
    spec=battery_specs,
    soc_frac=fractions,
    net=st.floats(-1.0, 1.0),
    prices=st.lists(st.floats(-5.0, 50.0), min_size=4, max_size=4),
)
def test_greedy_as_offers_pass_the_projection_unchanged(
    spec: BatterySpec, soc_frac: float, net: float, prices: list[float]
) -> None:
    soc = spec.soc_min_mwh + soc_frac * (spec.soc_max_mwh - spec.soc_min_mwh)
    projector = ActionProjector(spec, DT, PRODUCTS)
    lo, hi = projector.project(-10 * spec.power_mw, {}, soc)[0], projector.project(10 * spec.power_mw, {}, soc)[0]
    request = min(max(net * spec.power_mw, lo), hi)
    offers = greedy_as_offers(request, soc, spec, DT, dict(zip(PRODUCTS, prices)))
    assert all(v >= 0 for v in offers.values())
    assert all(offers[k] == 0 for k, price in zip(PRODUCTS, prices) if price <= 0)
    projected = projector.project(request, offers, soc)
    assert projected is not None
    assert projected[0] == pytest.approx(request, abs=1e-7 * spec.power_mw)
    for k in PRODUCTS:
        assert projected[1][k] == pytest.approx(offers[k], abs=1e-7 * spec.power_mw)


# ----------------------------------------------------------------------------- beliefs


def hourly_table(start: str, n_hours: int, rng: np.random.Generator) -> pd.DataFrame:
    hours = pd.date_range(start, periods=n_hours, freq="h", tz="UTC", name="hour_start_utc")
    return pd.DataFrame(
        {
            "local_hour": np.arange(n_hours),
            "high_price": rng.random(n_hours),
            "imbalance": rng.random(n_hours),
            "congestion": rng.random(n_hours),
            "high_price&imbalance": np.zeros(n_hours),
        },
        index=hours,
    )


def test_hourly_beliefs_reach_each_interval(days: list[QSEDay]) -> None:
    rng = np.random.default_rng(3)
    starts = pd.date_range("2025-12-05T06:00Z", periods=N, freq="5min")
    table = hourly_table("2025-12-05T06:00Z", 4, rng)
    beliefs = interval_beliefs(table, starts)
    assert beliefs is not None and set(beliefs) == {"p_high_price", "p_imbalance", "p_congestion"}
    np.testing.assert_array_equal(beliefs["p_imbalance"], np.repeat(table["imbalance"].to_numpy(), 12))
    assert interval_beliefs(table.reset_index(), starts) is not None  # hour_start_utc as a column
    assert interval_beliefs(table.iloc[:3], starts) is None  # beliefs about another span: none
    bad = table.copy()
    bad.iloc[2, bad.columns.get_loc("congestion")] = 1.5
    with pytest.raises(PriceDataError, match="congestion at hour 2025-12-05T08:00:00"):
        interval_beliefs(bad, starts)

    feats = state_features(np.full(N, 30.0), np.full(N, 4.0), beliefs)
    day = dataclasses.replace(days[0], state_features=feats)
    env = ParallelQSEEnv([day], RTC_B)
    names = observation_names("battery", RTC_B)
    obs, _ = env.reset(options={"day_index": 0})
    for t in range(N):
        assert obs["battery"][names.index("has_beliefs")] == 1.0
        assert obs["solar"][names.index("p_congestion")] == pytest.approx(beliefs["p_congestion"][t], rel=1e-6)
        obs, *_ = env.step({a: env.action_space(a).sample() for a in AGENTS})
    without = state_features(np.full(N, 30.0), np.full(N, 4.0))
    assert np.all(without[:, STATE_FEATURE_NAMES.index("has_beliefs")] == 0.0)
    assert np.all(without[:, STATE_FEATURE_NAMES.index("p_high_price") :] == 0.0)
    with pytest.raises(PriceDataError, match="shape"):
        state_features(np.zeros(N), np.zeros(N), {"p_imbalance": np.zeros(N - 1)})
    with pytest.raises(PriceDataError, match="unknown belief"):
        state_features(np.zeros(N), np.zeros(N), {"high_price": 0.2})


def test_pipeline_reads_only_the_beliefs_stated_the_day_before(tmp_path: Path) -> None:
    from hayeknet.pipeline.stages.train import prior_beliefs

    study = ["2025-10-01", "2025-10-02", "2025-10-04"]
    ctx = SimpleNamespace(
        paths=SimpleNamespace(beliefs=tmp_path / "beliefs"),
        prev_of=lambda d: ([x for x in study if x < d] or ["init"])[-1],
    )
    rng = np.random.default_rng(0)
    for folder, about in (("init", None), ("2025-10-01", "2025-10-02"), ("2025-10-02", "2025-10-03")):
        (tmp_path / "beliefs" / folder).mkdir(parents=True)
        (tmp_path / "beliefs" / folder / "beliefs.json").write_text(json.dumps({"day": about}))
        if about is not None:
            hourly_table(f"{about}T05:00Z", 24, rng).to_parquet(tmp_path / "beliefs" / folder / "hourly.parquet")
    assert prior_beliefs(ctx, "2025-10-01") is None  # first day: nothing stated yet
    table = prior_beliefs(ctx, "2025-10-02")
    assert table is not None and table.index[0] == pd.Timestamp("2025-10-02T05:00Z")
    assert prior_beliefs(ctx, "2025-10-04") is None  # stated for 10-03, not for the next study day


# ----------------------------------------------------------------------------- training and evaluation

PARAMS = TrainParams(timesteps_per_day=128, n_envs=2, n_steps=32, batch_size=32, n_epochs=2, seed=11)


def test_rtc_b_learners_train_and_evaluate(days: list[QSEDay], tmp_path: Path) -> None:
    cfg = dataclasses.replace(RTC_B, net_power_bounds_mw=(-80.0, 90.0))
    init = init_qse_models(PARAMS, tmp_path / "init", cfg)
    record = train_qse_increment(init.out_dir, days[:2], PARAMS, tmp_path / days[1].label, cfg)
    again = train_qse_increment(init.out_dir, days[:2], PARAMS, tmp_path / "again", cfg)
    assert {a: p.parameters_sha256 for a, p in again.agents.items()} == {
        a: p.parameters_sha256 for a, p in record.agents.items()
    }  # seeded: a rerun reproduces the checkpoint
    reg = json.loads(record.agents["battery"].registry.read_text())
    assert reg["observation"]["names"] == list(observation_names("battery", cfg))
    assert reg["env_config"]["market_design"] == "rtc_b"
    policy = load_qse_policies(record.out_dir, cfg)["battery"]
    assert np.asarray(policy(np.zeros(len(observation_names("battery", cfg)), np.float32))).shape == (7,)
    with pytest.raises(Exception, match=r"field observation|field env_config"):
        load_qse_policies(record.out_dir, QSEEnvConfig())

    result = evaluate_qse_day(record.out_dir, days[2], days[1], cfg)
    json.dumps(result)
    assert result["market_design"] == "rtc_b" and result["as_price_source"] == "test MCPC"
    assert result["net_power_bounds_mw"] == [-80.0, 90.0]
    battery = result["battery"]
    runs = [
        "agent",
        "percentile_threshold",
        "time_of_day",
        "percentile_threshold_greedy_as",
        "time_of_day_greedy_as",
        "greedy_as_only",
    ]
    for name in runs:
        run = battery[name]
        assert run["profit_usd"] == pytest.approx(run["energy_cash_usd"] + run["as_cash_usd"] - run["degradation_usd"])
        assert run["as_cash_usd"] == pytest.approx(sum(run["as_cash_by_product_usd"].values()))
        assert set(run["as_cash_by_product_usd"]) == set(PRODUCTS)
        assert run["revenue_by_stream_usd"]["profit"] == run["profit_usd"]
        assert run["profit_usd"] <= run["bound_profit_usd"] + 1e-6  # co-optimization bound holds
    assert battery["percentile_threshold"]["as_cash_usd"] == 0.0
    assert battery["greedy_as_only"]["as_cash_usd"] > 0.0
    assert battery["greedy_as_only"]["charge_mwh"] == pytest.approx(0.0, abs=1e-9)
    assert battery["best_heuristic"] in runs[1:]
    assert battery["pf_exogenous_profit_usd"] >= battery["greedy_as_only"]["as_cash_usd"] - 1e-6
