"""``make bench`` figure of the option engine: variance reduction per unit of work.

``options_strip_efficiency``: Monte Carlo work to a given standard error,
``seconds x SE^2`` (lower is better), of the battery strip valuation with
antithetic and control variates against plain Monte Carlo with the same
number of paths, both timed in the same run on a jump OU fitted to a
simulated year of hourly prices.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from hayeknet.battery.spec import BatterySpec
from hayeknet.benchmarking import BenchResult
from hayeknet.options.fit import fit_jump_ou
from hayeknet.options.montecarlo import JumpOUModel, simulate_paths
from hayeknet.options.strip import battery_strip_value


def _fitted(n_hours: int):
    true = JumpOUModel(kappa=0.3, mean_level=0.0, sigma=0.15, jump_intensity=0.02, jump_mean=1.0, jump_std=0.2)
    deviation = simulate_paths(0.0, true, 1.0, n_hours - 1, 4, 5, "plain")[0]
    index = pd.date_range("2025-01-01", periods=n_hours, freq="h", tz="UTC")
    hour = index.tz_convert("America/Chicago").hour.to_numpy()
    prices = pd.Series(20.0 * np.sinh(1.0 + 0.5 * np.sin(2 * np.pi * (hour - 10) / 24) + deviation), index=index)
    return fit_jump_ou(prices)


def benchmarks(quick: bool = False) -> list[BenchResult]:
    """Option-engine benchmark results; ``quick`` uses fewer paths for the smoke test."""
    fitted = _fitted(24 * 90 if quick else 24 * 365)
    spec = BatterySpec()
    n_paths = 2_000 if quick else 50_000
    work = {}
    for method in ("plain", "antithetic+control"):
        start = time.perf_counter()
        valuation = battery_strip_value(fitted, spec, n_paths=n_paths, rng=1, method=method)
        seconds = time.perf_counter() - start
        work[method] = seconds * valuation.std_error_usd**2
    ours, base = work["antithetic+control"], work["plain"]
    return [
        BenchResult(
            name="options_strip_efficiency",
            value=ours,
            unit="s*usd^2",
            baseline_value=base,
            ratio=base / ours if ours > 0 else float("inf"),
            baseline="plain Monte Carlo, same paths (same run)",
            target="ratio > 1 (variance reduction pays for itself)",
            note=f"{n_paths} paths, 24 hourly prices per path" + (" (quick)" if quick else ""),
        )
    ]
