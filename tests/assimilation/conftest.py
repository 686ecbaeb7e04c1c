"""Shared fixtures of the assimilation tests: synthetic wide price frames."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest


def make_wide_prices(n_locations: int, seed: int = 0, n_intervals: int = 288) -> pd.DataFrame:
    """A synthetic operating day in the wide price matrix shape ($/MWh, UTC 5-minute index).

    System price with a daily cycle and a random walk, a fixed basis per
    location and independent 2 $/MWh noise (the observation error that the
    tests assume).
    """
    rng = np.random.default_rng(seed)
    index = pd.date_range("2025-10-01 05:00", periods=n_intervals, freq="5min", tz="UTC", name="interval_start_utc")
    t = np.arange(n_intervals)
    system = 25.0 + 20.0 * np.sin(2 * np.pi * (t - 100) / 288) + np.cumsum(rng.normal(0.0, 0.8, n_intervals))
    basis = rng.normal(0.0, 4.0, n_locations)
    prices = system[:, None] + basis[None, :] + rng.normal(0.0, 2.0, (n_intervals, n_locations))
    columns = [f"NODE_{k:03d}" for k in range(n_locations)]
    return pd.DataFrame(prices, index=index, columns=pd.Index(columns, name="location"))


@pytest.fixture
def wide_prices() -> Callable[..., pd.DataFrame]:
    """Factory ``wide_prices(n_locations, seed=0, n_intervals=288)``."""
    return make_wide_prices
