"""The two-scale belief model on data simulated from a known structure.

The spread's hourly mean depends on the day-ahead price level (with a known
coefficient), hour-to-hour deviations are AR(1), and within each hour there is
fast AR(1) noise: the posterior must recover the DAM-level coefficient's sign
and size, and the predictive paths must have the data's spread (not the
inflated variance of a single 5-minute AR(1) with phi near 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hayeknet.beliefs.model import (
    BeliefModel,
    BeliefModelError,
    dam_ramp,
    local_hour,
    simulate_paths,
    training_data,
)
from hayeknet.ercot.calendar import interval_starts_utc
from hayeknet.params import BeliefsParams

DAYS = ["2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04"]
SLOPE = -0.25
"""True spread change per $/MWh of DAM level (the simulated spread's hourly mean is SLOPE * (DAM - 40))."""


def _simulated(seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    starts = pd.DatetimeIndex(np.concatenate([interval_starts_utc(d, 5) for d in DAYS]))
    hour = starts.floor("h")
    hours = pd.DatetimeIndex(hour.unique())
    local = local_hour(hours)
    day_level = rng.normal(0.0, 6.0, len(DAYS)).repeat(24)
    dam_h = 40.0 + 12.0 * np.sin(2 * np.pi * (local - 9) / 24) + day_level + rng.normal(0.0, 2.0, len(hours))
    a = np.zeros(len(hours))
    for g in range(1, len(hours)):
        a[g] = 0.4 * a[g - 1] + rng.normal(0.0, 0.8)
    v = np.zeros(len(starts))
    for t in range(1, len(starts)):
        v[t] = 0.5 * v[t - 1] + rng.normal(0.0, 0.5)
    group = hours.get_indexer(hour)
    dam = dam_h[group]
    spread = SLOPE * (dam - 40.0) + a[group] + v
    basis = -2.0 + 0.5 * a[group] + rng.normal(0.0, 0.4, len(starts))
    return pd.DataFrame(
        {"spread_usd_per_mwh": spread, "basis_usd_per_mwh": basis, "dam_usd_per_mwh": dam},
        index=starts.rename("interval_start_utc"),
    )


@pytest.fixture(scope="module")
def fitted():  # type: ignore[no-untyped-def]
    q = _simulated()
    history = q.iloc[: 3 * 288]
    data = training_data(history, (10.0, 10.0))
    model = BeliefModel(BeliefsParams(chains=2, draws=100, tune=100, seed=4))
    return q, data, model.fit(data)


def test_posterior_recovers_the_dam_level_coefficient(fitted) -> None:  # type: ignore[no-untyped-def]
    _q, data, post = fitted
    tr = data.transform
    # |spread| << 10 $/MWh, so asinh(x / 10) ~ x / 10: the true coefficient on the standardized scale.
    true_std = SLOPE * tr.dam_sd_usd_per_mwh / (tr.scale_usd_per_mwh[0] * tr.sd[0])
    gamma = post.gamma[:, 0]
    _lo, mid, hi = np.quantile(gamma, [0.05, 0.5, 0.95])
    assert hi < 0.0  # the sign is recovered with confidence
    assert mid == pytest.approx(true_std, rel=0.2)
    assert np.median(post.rho[:, 0]) < 0.8 and np.median(post.phi[:, 0]) < 0.8  # no spurious near-unit roots
    d = post.diagnostics
    assert np.isfinite(d.rhat_max) and d.rhat_max < 1.1
    assert {"dam_level_median_spread", "rho_hourly_median", "phi_median"} <= set(post.summary)


def test_predictive_spread_matches_the_data(fitted) -> None:  # type: ignore[no-untyped-def]
    q, data, post = fitted
    day = q.iloc[3 * 288 :]
    starts = pd.DatetimeIndex(day.index)
    paths = simulate_paths(post, starts, 2, seed=9, dam_usd_per_mwh=day["dam_usd_per_mwh"].to_numpy())
    assert paths.shape == (2 * post.n_draws, 288, 2)
    spread = data.transform.inverse(paths)[..., 0]
    realized_sd = day["spread_usd_per_mwh"].std()
    per_path_sd = np.median(spread.std(axis=1))
    assert 0.75 * realized_sd < per_path_sd < 1.3 * realized_sd
    # The predictive median follows the DAM level with the fitted slope: higher DAM, lower spread.
    median = np.median(spread, axis=0)
    slope = np.polyfit(day["dam_usd_per_mwh"].to_numpy(), median, 1)[0]
    assert slope < 0.0 and slope == pytest.approx(SLOPE, abs=0.08)
    inside = (day["spread_usd_per_mwh"].to_numpy() >= np.quantile(spread, 0.1, axis=0)) & (
        day["spread_usd_per_mwh"].to_numpy() <= np.quantile(spread, 0.9, axis=0)
    )
    assert 0.6 < inside.mean() <= 1.0  # the 80% band holds roughly 80% of the realized day


def test_training_data_splits_hour_means_and_within_hour_deviations() -> None:
    q = _simulated().iloc[:288]
    data = training_data(q, (10.0, 10.0))
    assert data.yh_cur.shape == (23, 2) and data.w_cur.shape == (288 - 24, 2)
    assert data.n_hours == 24 and data.n_intervals == 288
    # Standardized y = hour mean + within-hour deviation, the deviations summing to zero in each hour.
    y = data.transform.forward(q[["spread_usd_per_mwh", "basis_usd_per_mwh"]].to_numpy())
    hour_means = y.reshape(24, 12, 2).mean(axis=1)
    np.testing.assert_allclose(data.yh_cur, hour_means[1:], atol=1e-12)
    np.testing.assert_allclose(data.last_w, y[-1] - hour_means[-1], atol=1e-12)
    with pytest.raises(BeliefModelError, match="complete intervals"):
        training_data(q.iloc[:40], (10.0, 10.0))


def test_dam_ramp_is_centred_and_follows_the_dam_trend() -> None:
    starts = pd.DatetimeIndex(interval_starts_utc("2025-10-02", 5))
    flat = dam_ramp(starts, np.full(len(starts), 35.0))
    np.testing.assert_allclose(flat, 0.0, atol=1e-12)
    rising = np.repeat(np.arange(24, dtype=float) * 2.0, 12)  # DAM up 2 $/MWh every hour
    ramp = dam_ramp(starts, rising)
    by_hour = ramp.reshape(24, 12)
    np.testing.assert_allclose(by_hour.mean(axis=1), 0.0, atol=1e-12)
    inner = by_hour[1:-1]
    assert (inner[:, 0] < 0).all() and (inner[:, -1] > 0).all()  # below the hourly DAM early, above it late
    np.testing.assert_allclose(np.diff(inner, axis=1), 2.0 / 12, atol=1e-9)  # the smooth DAM's slope


def test_dam_level_effect_is_not_extrapolated(fitted) -> None:  # type: ignore[no-untyped-def]
    """A DAM far outside the history's range predicts like the history's extreme hourly DAM (clipped regressor)."""
    q, data, post = fitted
    starts = pd.DatetimeIndex(q.index[3 * 288 :])
    tr = data.transform
    lowest = tr.dam_center_usd_per_mwh + data.dh_range[0] * tr.dam_sd_usd_per_mwh
    far = simulate_paths(post, starts, 1, seed=2, dam_usd_per_mwh=np.full(len(starts), lowest - 500.0))
    edge = simulate_paths(post, starts, 1, seed=2, dam_usd_per_mwh=np.full(len(starts), lowest))
    np.testing.assert_allclose(far, edge, atol=1e-9)
    inside = simulate_paths(post, starts, 1, seed=2, dam_usd_per_mwh=np.full(len(starts), lowest + 10.0))
    assert np.median(inside[..., 0]) < np.median(edge[..., 0])  # within the range the DAM level still acts
