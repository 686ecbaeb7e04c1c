"""Benchmark of the perfect-foresight solve (not collected by pytest; run as a script).

    python tests/battery/benchmark_optimize.py

Target (brief): median below 50 ms for one 288-interval day, model build included.
Also times adversarial days where burning pays and the MILP fallback runs.
"""

from __future__ import annotations

import functools
import time

import numpy as np

from hayeknet.battery.cooptimize import AS_DURATION_HOURS, optimize_energy_and_as
from hayeknet.battery.optimize import optimize_dispatch
from hayeknet.battery.spec import BatterySpec


def _time(fn, repeats: int) -> tuple[float, str]:
    times, method = [], ""
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        method = getattr(out, "method", "") or getattr(getattr(out, "dispatch", None), "method", "")
    return float(np.median(times) * 1e3), method


def main() -> None:
    spec = BatterySpec()
    rng = np.random.default_rng(0)
    base = 30 + 25 * np.sin(np.linspace(0, 4 * np.pi, 288)) + rng.normal(0, 10, 288)
    cases = {
        "5-min day, ordinary prices": (base, 1 / 12),
        "15-min day, ordinary prices": (base[::3], 0.25),
        "5-min day, 2 h at -$500 (full battery)": (np.where(np.arange(288) // 24 == 5, -500.0, base), 1 / 12),
        "5-min day, uniform(-1000, 200)": (rng.uniform(-1000, 200, 288), 1 / 12),
        "5-min day, all below -$100": (rng.uniform(-1000, -100, 288), 1 / 12),
    }
    for name, (prices, dt) in cases.items():
        battery = BatterySpec(soc_initial_frac=0.9) if "full" in name else spec
        ms, method = _time(functools.partial(optimize_dispatch, prices, battery, dt), 11)
        print(f"{name:45s} median {ms:8.2f} ms  ({method})")
    as_prices = {k: rng.uniform(0, 20, 288) for k in AS_DURATION_HOURS}
    ms, method = _time(lambda: optimize_energy_and_as(base, as_prices, spec, 1 / 12), 11)
    print(f"{'5-min day, energy + 5 AS products':45s} median {ms:8.2f} ms  ({method})")


if __name__ == "__main__":
    main()
