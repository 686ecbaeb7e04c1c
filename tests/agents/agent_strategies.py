"""Hypothesis strategies shared by the agent tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

from hypothesis import strategies as st

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
