"""Benchmarks of the battery optimizer for ``make bench`` (issue 4 targets).

1. ``battery.pf_lp_288``: median wall time of one perfect-foresight LP over a
   288-interval (5-minute) day, model build included. Target: under 50 ms.
   Baseline, in the same run: the same LP built with **dense** matrices and
   solved by ``scipy.optimize.linprog(method="highs")`` (same solver family,
   generic dense modelling), checked to reach the same optimum.
2. ``battery.pf_node_days``: perfect-foresight node-days per second over
   1,000 node-days of synthetic ERCOT prices (all settlement points of the
   synthetic catalogue over consecutive days), spread over 2 processes.
   Target: 1,000 node-days in under 60 s on 2 cores. Baseline: the dense
   ``linprog`` model, serial, on a subset of the same node-days.

3. ``battery.stochastic_mpc_warm_start``: mean HiGHS time of one re-plan of
   the stochastic MPC (:mod:`hayeknet.battery.stochastic_mpc`) warm-started
   from the previous basis, on a synthetic 15-minute HB_HUBAVG day with the
   spread model fitted on the 30 days before. Baseline: the same re-plans
   (same draws) solved cold, basis discarded; the two days must decide alike.
4. ``battery.stochastic_mpc_interval``: wall time per interval of that day
   through :func:`~hayeknet.battery.offers.run_causal` (draws, LP, curve).
   Baseline: the deterministic MPC on the DAM (``mpc_dam``, one LP built per
   re-plan) re-planned every interval; ``mpc_median``'s figure is in the note.

``quick=True`` (smoke test): a few repeats and 24 node-days in one process; the
MPC figures on the first 24 intervals with 4 scenarios and 10 fitted days.
"""

from __future__ import annotations

import datetime as dt
import functools
import time

import numpy as np
import scipy.optimize

from hayeknet.battery.backtest import perfect_foresight_profits
from hayeknet.battery.information import StrategyContext
from hayeknet.battery.mpc import mpc_strategy
from hayeknet.battery.offers import CausalStrategy, clear_offers, run_causal
from hayeknet.battery.optimize import optimize_dispatch
from hayeknet.battery.spec import BatterySpec
from hayeknet.battery.stochastic_mpc import StochasticMPC
from hayeknet.benchmarking import BenchResult, median_seconds, rate_result, time_result

DT_5MIN_HOURS = 5.0 / 60.0


def dense_linprog_profit(prices: np.ndarray, spec: BatterySpec, dt_hours: float) -> float:
    """Baseline: the perfect-foresight LP with dense matrices through ``scipy.optimize.linprog`` (HiGHS)."""
    p = np.asarray(prices, dtype=float)
    n = p.shape[0]
    k = spec.degradation_usd_per_mwh
    cost = np.concatenate(((p + k) * dt_hours, (k - p) * dt_hours, np.zeros(n)))
    a_eq = np.zeros((n, 3 * n))
    for t in range(n):
        a_eq[t, t] = -spec.charge_efficiency * dt_hours
        a_eq[t, n + t] = dt_hours / spec.discharge_efficiency
        a_eq[t, 2 * n + t] = 1.0
        if t > 0:
            a_eq[t, 2 * n + t - 1] = -1.0
    b_eq = np.zeros(n)
    b_eq[0] = spec.soc_initial_mwh
    bounds = [(0.0, spec.power_mw)] * (2 * n) + [(spec.soc_min_mwh, spec.soc_max_mwh)] * n
    bounds[-1] = (spec.soc_initial_mwh, spec.soc_initial_mwh)
    res = scipy.optimize.linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if res.status != 0:
        raise RuntimeError(f"baseline linprog failed: {res.message}")
    return float(-res.fun)


def synthetic_node_days(n_node_days: int, seed: int = 20251001) -> np.ndarray:
    """``n_node_days`` rows of 288 synthetic 5-minute LMPs ($/MWh): every catalogue point, consecutive days."""
    from hayeknet.ercot.locations import default_catalogue
    from hayeknet.ercot.synthetic import synthetic_prices

    catalogue = default_catalogue(15)
    rows: list[np.ndarray] = []
    day = dt.date(2025, 10, 1)
    while len(rows) < n_node_days:
        lmp = synthetic_prices(day, catalogue, seed).lmp
        if lmp.shape[0] == 288:  # skip DST days: one row length for the benchmark
            rows.extend(lmp.T)
        day += dt.timedelta(days=1)
    return np.asarray(rows[:n_node_days])


def benchmarks(quick: bool = False) -> list[BenchResult]:
    """The battery benchmarks (see module doc); ``quick`` runs in a few seconds."""
    spec = BatterySpec()
    rows = synthetic_node_days(24 if quick else 1000)
    day = rows[0]
    ours = optimize_dispatch(day, spec, DT_5MIN_HOURS).profit_usd
    base = dense_linprog_profit(day, spec, DT_5MIN_HOURS)
    if not np.isclose(ours, base, rtol=1e-6, atol=1e-3):
        raise RuntimeError(f"optimizer ({ours}) and dense baseline ({base}) disagree on the same day")
    repeat = 3 if quick else 15
    t_ours = median_seconds(lambda: optimize_dispatch(day, spec, DT_5MIN_HOURS), repeat=repeat)
    t_base = median_seconds(lambda: dense_linprog_profit(day, spec, DT_5MIN_HOURS), repeat=repeat)
    results = [
        time_result(
            "battery.pf_lp_288",
            t_ours,
            t_base,
            unit="ms",
            baseline="same LP, dense matrices, scipy.optimize.linprog(method='highs')",
            target="median < 50 ms, model build included",
            note=f"one 288-interval day of synthetic HB prices; profit ${ours:,.2f} in both",
        )
    ]
    workers = 1 if quick else 2
    start = time.perf_counter()
    profits = perfect_foresight_profits(rows, spec, DT_5MIN_HOURS, workers=workers)
    elapsed = time.perf_counter() - start
    n_base = min(len(rows), 4 if quick else 40)
    start = time.perf_counter()
    base_profits = [dense_linprog_profit(r, spec, DT_5MIN_HOURS) for r in rows[:n_base]]
    base_elapsed = time.perf_counter() - start
    if not np.allclose(profits[:n_base], base_profits, rtol=1e-6, atol=1e-3):
        raise RuntimeError("node-day profits disagree with the dense baseline")
    results.append(
        rate_result(
            "battery.pf_node_days",
            len(rows) / elapsed,
            n_base / base_elapsed,
            unit="node-days/s",
            baseline=f"dense linprog, serial, {n_base} of the same node-days",
            target="1,000 node-days in < 60 s on 2 cores",
            note=f"{len(rows)} node-days in {elapsed:.2f} s with {workers} process(es) (spawn start included)",
        )
    )
    return results + stochastic_mpc_benchmarks(quick)


def stochastic_mpc_benchmarks(quick: bool = False) -> list[BenchResult]:
    """Figures 3 and 4 of the module doc: warm against cold re-plans, stochastic against deterministic MPC."""
    import pandas as pd

    from hayeknet.beliefs.spread_model import SpreadDay, fit_spread_model
    from hayeknet.ercot.calendar import interval_starts_utc
    from hayeknet.ercot.synthetic_calibration import synthetic_hub_days

    n_fit, n_scenarios = (10, 4) if quick else (30, 16)
    first = dt.date(2025, 9, 1)
    hub = synthetic_hub_days(first, first + dt.timedelta(days=n_fit), seed=20251001)
    days = [SpreadDay(d, interval_starts_utc(d, 15), hub.rt[i], hub.dam_at_rt(i)) for i, d in enumerate(hub.days)]
    model = fit_spread_model(days[:-1], 15, 50)
    day = days[-1]
    n = 24 if quick else len(day.index)
    prices = pd.Series(day.rt_usd_per_mwh[:n], index=day.index[:n])
    dam = pd.Series(hub.dam[-1], index=interval_starts_utc(day.day, 60))
    spec, context = BatterySpec(location="HB_HUBAVG"), StrategyContext(dt_hours=0.25)
    solved = {}
    for warm in (True, False):
        offers = StochasticMPC(dam, model, n_scenarios, warm_start=warm).open_day(prices.index, spec, context)
        charge, discharge = clear_offers(offers, prices, spec, context)
        solved[warm] = (discharge - charge, float(np.mean(offers.solve_seconds)), sum(offers.iterations))
    if not np.allclose(solved[True][0], solved[False][0], atol=1e-5):
        raise RuntimeError("warm-started and cold stochastic MPC days decide differently")
    repeat = 1 if quick else 3
    strategies: dict[str, CausalStrategy] = {
        "stochastic": StochasticMPC(dam, model, n_scenarios),
        "median": StochasticMPC(dam, model, n_scenarios, deterministic=True),
        "dam": mpc_strategy("dam", dam_prices_hourly=dam, replan_hours=0.25),
    }
    per_interval = {
        name: median_seconds(functools.partial(run_causal, strategy, prices, spec, context), repeat, warmup=0) / n
        for name, strategy in strategies.items()
    }
    what = f"synthetic HB_HUBAVG {day.day}, {n} 15-minute intervals, {n_scenarios} scenarios"
    return [
        time_result(
            "battery.stochastic_mpc_warm_start",
            solved[True][1],
            solved[False][1],
            unit="ms",
            baseline="the same re-plans (same draws) solved cold: HiGHS basis discarded, presolve + simplex",
            note=f"{what}; simplex iterations {solved[True][2]} warm vs {solved[False][2]} cold, same decisions",
        ),
        time_result(
            "battery.stochastic_mpc_interval",
            per_interval["stochastic"],
            per_interval["dam"],
            unit="ms",
            baseline="deterministic MPC on the DAM (mpc_dam), one LP built per interval",
            note=f"{what}; draws + warm LP + curve; mpc_median {per_interval['median'] * 1e3:.1f} ms/interval",
        ),
    ]


if __name__ == "__main__":  # pragma: no cover - manual run
    for r in benchmarks(quick=False):
        print(r.to_dict())
