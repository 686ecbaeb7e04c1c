"""Stochastic rolling MPC: the scenario LP's first-interval actions as a monotone curve, the physics of the
cleared day, the LP on the DAM when the spread is zero, reproducible draws, and warm starts that change
nothing but the time."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.battery.errors import ScheduleInputError
from hayeknet.battery.information import StrategyContext
from hayeknet.battery.ledger import summarize
from hayeknet.battery.lineup import DayInformation, StrategyUnavailableError, make_strategy
from hayeknet.battery.offers import PRICE_LIMIT, OfferCurve, clear_offers, is_monotone, run_causal
from hayeknet.battery.optimize import optimize_dispatch
from hayeknet.battery.spec import BatterySpec
from hayeknet.battery.stochastic_mpc import ScenarioLP, StochasticMPC, monotone_curve
from hayeknet.battery.strategies import run_strategy
from hayeknet.beliefs.spread_model import SpreadDay, SpreadModel, fit_spread_model
from hayeknet.ercot.calendar import interval_starts_utc
from hayeknet.params import ParamsError, SimulateParams

SPEC = BatterySpec(power_mw=100.0, energy_mwh=400.0, location="HB_HUBAVG")
DAY = dt.date(2024, 5, 20)
INDEX = interval_starts_utc(DAY, 60)  # hourly intervals keep the scenario LPs small
HOURS = INDEX.tz_convert("America/Chicago").hour.to_numpy()
DAM = pd.Series(30.0 + 40.0 * ((HOURS >= 17) & (HOURS <= 20)) - 15.0 * ((HOURS >= 10) & (HOURS <= 14)), index=INDEX)
CONTEXT = StrategyContext(dt_hours=1.0)
GRID = np.concatenate([[-PRICE_LIMIT], np.linspace(-500.0, 3000.0, 200), [PRICE_LIMIT]])


def _model(noise: float, seed: int = 0) -> SpreadModel:
    """A spread model fitted on 20 earlier hourly days: RT = DAM + noise * t(3) (zero noise: RT = DAM)."""
    rng = np.random.default_rng(seed)
    days = []
    for k in range(20, 0, -1):
        day = DAY - dt.timedelta(days=k)
        index = interval_starts_utc(day, 60)
        dam = np.full(len(index), 30.0)
        days.append(SpreadDay(day, index, dam + noise * rng.standard_t(3, len(index)), dam))
    return fit_spread_model(days, n_bins=3, n_atoms=8)


def _prices(noise: float, seed: int) -> pd.Series:
    rng = np.random.default_rng(seed)
    return pd.Series(DAM.to_numpy() + noise * rng.standard_t(3, len(INDEX)), index=INDEX)


@settings(max_examples=40)
@given(
    prices=st.lists(st.sampled_from([-50.0, 0.0, 20.0, 20.0, 35.5, 90.0, 1500.0]), min_size=1, max_size=12),
    nets=st.lists(st.floats(-100.0, 100.0), min_size=12, max_size=12),
)
def test_a_scenario_curve_never_falls_and_goes_through_monotone_points(prices: list[float], nets: list[float]) -> None:
    p, n = np.array(prices), np.array(nets[: len(prices)])
    curve = monotone_curve(p, n)
    assert is_monotone(curve, GRID)
    assert curve.net_mw.min() >= n.min() - 1e-9 and curve.net_mw.max() <= n.max() + 1e-9
    order = np.argsort(p, kind="stable")
    sorted_net = np.sort(n)  # the same points made monotone: the curve goes through each of them
    monotone = monotone_curve(p[order], sorted_net)
    distinct = np.unique(p[order])
    for price in distinct:
        at = sorted_net[p[order] == price]
        if np.ptp(at) == 0:
            assert monotone.clear(price) == pytest.approx(at[0], abs=1e-8)


def test_a_scenario_curve_breaks_halfway_between_prices_and_is_flat_beyond() -> None:
    curve = monotone_curve(np.array([40.0, 10.0, 20.0, 10.0]), np.array([100.0, -100.0, 0.0, -100.0]))
    np.testing.assert_allclose(curve.breaks_usd_per_mwh, [15.0, 30.0])
    np.testing.assert_allclose(curve.net_mw, [-100.0, 0.0, 100.0])
    assert curve.clear(-1e6) == -100.0 and curve.clear(1e6) == 100.0


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 1000), noise=st.floats(1.0, 60.0), replan=st.sampled_from([1, 3]))
def test_curves_never_fall_and_the_battery_stays_in_its_window(seed: int, noise: float, replan: int) -> None:
    model = _model(noise, seed)
    prices = _prices(noise, seed)
    strategy = StochasticMPC(DAM, model, n_scenarios=6, replan_intervals=replan, seed=seed)
    curves: list[OfferCurve] = []
    charge, discharge = run_causal(strategy, prices, SPEC, CONTEXT, curves)
    assert len(curves) == len(INDEX) and all(is_monotone(c, GRID) for c in curves)
    assert any(c.breaks_usd_per_mwh.size for c in curves)  # the scenarios make the offers price-responsive
    ledger = run_strategy(strategy, prices, SPEC, CONTEXT)
    soc = ledger["soc_end_mwh"].to_numpy()
    assert soc.min() >= SPEC.soc_min_mwh - 1e-6 and soc.max() <= SPEC.soc_max_mwh + 1e-6
    assert not np.any((charge > 0) & (discharge > 0))
    assert np.all(charge <= SPEC.power_mw + 1e-9) and np.all(discharge <= SPEC.power_mw + 1e-9)


@pytest.mark.parametrize("deterministic", [False, True])
def test_with_no_spread_the_mpc_earns_what_the_lp_earns_on_the_dam(deterministic: bool) -> None:
    model = _model(0.0)
    assert np.all(model.atoms == 0.0)
    strategy = StochasticMPC(DAM, model, n_scenarios=4, deterministic=deterministic)
    ledger = run_strategy(strategy, DAM, SPEC, CONTEXT)
    lp = optimize_dispatch(DAM.to_numpy(), SPEC, 1.0)
    assert lp.profit_usd > 5000.0
    assert summarize(ledger, SPEC).profit_usd == pytest.approx(lp.profit_usd, rel=1e-6)
    assert ledger["soc_end_mwh"].iloc[-1] >= SPEC.soc_initial_mwh - 1e-6


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), start=st.integers(0, 20), soc=st.floats(40.0, 360.0))
def test_the_first_interval_is_monotone_in_the_scenario_price_in_the_solved_lp(
    seed: int, start: int, soc: float
) -> None:
    rng = np.random.default_rng(seed)
    s_n = 8
    prices = 30.0 + 80.0 * rng.standard_t(2, (s_n, 24 - start))
    prices[3, 0] = prices[5, 0]  # a tie: the same price must get the same action
    lp = ScenarioLP(s_n, 24, SPEC, 1.0)
    plan = lp.solve(start, soc, prices, SPEC.soc_initial_mwh)
    first_prices, first_net = plan.prices_usd_per_mwh[:, 0], plan.net_mw[:, 0]
    assert np.all(np.diff(first_prices) >= 0)
    assert np.all(np.diff(first_net) >= -1e-6)
    ties = np.flatnonzero(np.diff(first_prices) == 0)
    assert ties.size and np.allclose(first_net[ties], first_net[ties + 1], atol=1e-6)
    assert np.all(np.abs(plan.net_mw) <= SPEC.power_mw + 1e-6)
    assert np.isfinite(plan.objective_usd) and plan.iterations >= 0


def test_an_unreachable_end_of_day_target_is_paid_for_not_infeasible() -> None:
    lp = ScenarioLP(3, 24, SPEC, 1.0)
    prices = np.full((3, 2), 30.0)
    plan = lp.solve(22, SPEC.soc_min_mwh, prices, SPEC.soc_max_mwh)  # two hours cannot fill the battery
    np.testing.assert_allclose(plan.net_mw, -SPEC.power_mw)  # it charges all it can
    assert plan.objective_usd < -1e5  # and pays the penalty on the rest


def test_the_same_seed_draws_the_same_day_and_another_seed_another() -> None:
    model, prices = _model(20.0, 4), _prices(20.0, 4)

    def run(seed: int) -> tuple[np.ndarray, list[OfferCurve]]:
        curves: list[OfferCurve] = []
        strategy = StochasticMPC(DAM, model, n_scenarios=5, seed=seed)
        charge, discharge = run_causal(strategy, prices, SPEC, CONTEXT, curves)
        return discharge - charge, curves

    net_a, curves_a = run(7)
    net_b, curves_b = run(7)
    np.testing.assert_array_equal(net_a, net_b)
    for a, b in zip(curves_a, curves_b, strict=True):
        np.testing.assert_array_equal(a.breaks_usd_per_mwh, b.breaks_usd_per_mwh)
        np.testing.assert_array_equal(a.net_mw, b.net_mw)
    _, curves_c = run(8)
    assert any(not np.array_equal(a.breaks_usd_per_mwh, c.breaks_usd_per_mwh) for a, c in zip(curves_a, curves_c))


def test_a_warm_started_day_decides_what_cold_solves_decide() -> None:
    model, prices = _model(25.0, 9), _prices(25.0, 9)
    days = {}
    for warm in (True, False):
        strategy = StochasticMPC(DAM, model, n_scenarios=6, seed=3, warm_start=warm)
        day = strategy.open_day(INDEX, SPEC, CONTEXT)
        curves: list[OfferCurve] = []
        charge, discharge = clear_offers(day, prices, SPEC, CONTEXT, curves)
        days[warm] = (discharge - charge, curves, day)
    np.testing.assert_allclose(days[True][0], days[False][0], atol=1e-6)
    for a, b in zip(days[True][1], days[False][1], strict=True):
        np.testing.assert_allclose(a.breaks_usd_per_mwh, b.breaks_usd_per_mwh, atol=1e-6)
        np.testing.assert_allclose(a.net_mw, b.net_mw, atol=1e-6)
    assert len(days[True][2].solve_seconds) == len(INDEX)
    assert sum(days[True][2].iterations) < sum(days[False][2].iterations)  # the basis carries over


def test_the_median_mpc_offers_its_plan_flat() -> None:
    curves: list[OfferCurve] = []
    strategy = StochasticMPC(DAM, _model(20.0), n_scenarios=7, deterministic=True)
    run_causal(strategy, _prices(20.0, 1), SPEC, CONTEXT, curves)
    assert strategy.name == "mpc_median"
    assert all(c.breaks_usd_per_mwh.size == 0 for c in curves)


def test_settings_and_missing_information_are_refused_with_a_reason() -> None:
    with pytest.raises(ScheduleInputError, match="n_scenarios >= 1"):
        StochasticMPC(DAM, _model(5.0), n_scenarios=0)
    with pytest.raises(ScheduleInputError, match="fitted on 1 h intervals"):
        StochasticMPC(DAM, _model(5.0)).open_day(interval_starts_utc(DAY, 15), SPEC, StrategyContext(dt_hours=0.25))
    for name in ("mpc_stochastic", "mpc_median"):
        with pytest.raises(StrategyUnavailableError, match="DAM prices"):
            make_strategy(name, DayInformation())
        with pytest.raises(StrategyUnavailableError, match="spread model fitted on earlier days: none stated"):
            make_strategy(name, DayInformation(dam_hourly=DAM, spread_note="none stated"))
    sim = SimulateParams(stochastic_scenarios=5, stochastic_replan_intervals=2, stochastic_seed=3)
    strategy, meta = make_strategy("mpc_stochastic", DayInformation(dam_hourly=DAM, spread_model=_model(5.0)), sim)
    assert isinstance(strategy, StochasticMPC)
    assert (strategy.n_scenarios, strategy.replan_intervals, strategy.seed) == (5, 2, 3)
    assert meta["scenarios"] == 5
    with pytest.raises(ParamsError, match="stochastic_scenarios"):
        SimulateParams(stochastic_scenarios=0)
    with pytest.raises(ParamsError, match="stochastic_replan_intervals"):
        SimulateParams(stochastic_replan_intervals=0)


def test_the_quick_benchmark_reports_warm_starts_and_the_cost_per_interval_against_their_baselines() -> None:
    from hayeknet.battery.benchmarks import stochastic_mpc_benchmarks

    results = stochastic_mpc_benchmarks(quick=True)
    assert [r.name for r in results] == ["battery.stochastic_mpc_warm_start", "battery.stochastic_mpc_interval"]
    for r in results:
        assert np.isfinite(r.value) and r.value > 0 and np.isfinite(r.baseline_value) and r.baseline_value > 0
        assert r.ratio == pytest.approx(r.baseline_value / r.value)
