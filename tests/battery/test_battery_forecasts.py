"""The EnKF-anchored DAM forecast is causal and reduces to its parts at the edges."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.battery.forecasts import enkf_dam_forecast

INDEX = pd.date_range("2025-10-01 05:00", periods=288, freq="5min", tz="UTC")
HOURS = pd.date_range("2025-10-01 05:00", periods=24, freq="h", tz="UTC")


def _dam() -> pd.Series:
    return pd.Series(30 + 10 * np.sin(np.arange(24) / 24 * 2 * np.pi), index=HOURS)


def test_first_plan_is_the_dam_curve() -> None:
    mean = pd.Series(50.0, index=INDEX)
    f = enkf_dam_forecast(mean, _dam())
    values = f(0, INDEX, pd.Series(dtype=float))
    assert np.allclose(values, np.repeat(_dam().to_numpy(), 12))


def test_gap_to_dam_decays_with_the_half_life() -> None:
    dam = pd.Series(30.0, index=HOURS)
    mean = pd.Series(40.0, index=INDEX)
    values = enkf_dam_forecast(mean, dam, half_life_hours=1.0)(12, INDEX, pd.Series(dtype=float))
    # last analysis at interval 11; interval 12 is 5 minutes later, interval 23 one hour later
    assert np.isclose(values[0], 30 + 10 * 0.5 ** (5 / 60))
    assert np.isclose(values[11], 30 + 10 * 0.5)
    assert values[-1] < 30.01


def test_without_dam_the_last_analysis_is_held() -> None:
    mean = pd.Series(np.arange(288.0), index=INDEX)
    values = enkf_dam_forecast(mean, None)(100, INDEX, pd.Series(dtype=float))
    assert np.all(values == 99.0) and len(values) == 188


@settings(max_examples=30, deadline=None)
@given(step=st.integers(1, 287), bump=st.floats(-500, 500, allow_nan=False))
def test_never_uses_analyses_from_the_future(step: int, bump: float) -> None:
    rng = np.random.default_rng(step)
    mean = pd.Series(rng.normal(30, 5, 288), index=INDEX)
    changed = mean.copy()
    changed.iloc[step:] += bump
    a = enkf_dam_forecast(mean, _dam())(step, INDEX, pd.Series(dtype=float))
    b = enkf_dam_forecast(changed, _dam())(step, INDEX, pd.Series(dtype=float))
    assert np.array_equal(a, b)
