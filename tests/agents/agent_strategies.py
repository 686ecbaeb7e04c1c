"""Hypothesis strategies and test days shared by the agent tests.

Imported by name: pytest puts this folder on sys.path.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from hayeknet.agents.qse import QSEDay
from hayeknet.battery.cooptimize import AS_DURATION_HOURS
from hayeknet.battery.spec import BatterySpec

battery_specs = st.builds(
    BatterySpec,
    power_mw=st.floats(1.0, 500.0),
    energy_mwh=st.floats(1.0, 2000.0),
    soc_min_frac=st.floats(0.0, 0.3),
    soc_max_frac=st.floats(0.7, 1.0),
    soc_initial_frac=st.floats(0.3, 0.7),
    charge_efficiency=st.floats(0.5, 1.0),
    discharge_efficiency=st.floats(0.5, 1.0),
    degradation_usd_per_mwh=st.floats(0.0, 20.0),
)
"""Valid battery specifications over wide ranges (MW, MWh, fractions, efficiencies, $/MWh)."""


def make_qse_day(rng: np.random.Generator, label: str, n: int = 48, with_as_prices: bool = False) -> QSEDay:
    """A short test day: sinusoidal RT prices ($/MWh) with noise and dips, an hourly DAM, a solar bump
    and a wind profile; ``with_as_prices`` adds 15-minute-held AS prices ($/MW-h) for every product
    (drawn after the rest, so the other arrays are the same either way)."""
    t = np.arange(n)
    rt = 30.0 + 25.0 * np.sin(2 * np.pi * (t / n - 0.3)) + rng.normal(0.0, 6.0, n)
    rt[rng.random(n) < 0.05] -= 60.0
    dam = np.repeat(rt.reshape(-1, 12).mean(axis=1), 12) + 2.0
    solar = np.clip(np.sin(np.pi * t / n) * rng.uniform(0.5, 1.0) + rng.normal(0, 0.05, n), 0.0, 1.0)
    wind = np.clip(0.4 + 0.2 * np.cos(2 * np.pi * t / n) + rng.normal(0, 0.05, n), 0.0, 1.0)
    extra = {}
    if with_as_prices:
        extra = {
            "as_prices_usd_per_mw_h": {k: np.repeat(rng.gamma(2.0, 4.0, n // 3), 3) for k in AS_DURATION_HOURS},
            "as_price_source": "test MCPC",
        }
    return QSEDay(label, rt, dam, solar, np.clip(solar * 1.1, 0.0, 1.0), wind, np.clip(wind * 0.9, 0.0, 1.0), **extra)
