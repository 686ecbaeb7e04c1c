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

``quick=True`` (smoke test): a few repeats and 24 node-days in one process.
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import scipy.optimize

from hayeknet.battery.backtest import perfect_foresight_profits
from hayeknet.battery.optimize import optimize_dispatch
from hayeknet.battery.spec import BatterySpec
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
    return results


if __name__ == "__main__":  # pragma: no cover - manual run
    for r in benchmarks(quick=False):
        print(r.to_dict())
