"""assimilate_day: the filtered-state contract, determinism, anomaly flags and input checks."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from hayeknet.assimilation.price_model import (
    FILTERED_COLUMNS,
    METRIC_KEYS,
    AssimilationInputError,
    AssimilationResult,
    PriceModelSpec,
    assimilate_day,
    from_transformed,
    to_transformed,
    transformed_obs_error,
)
from hayeknet.params import AssimilationParams

PARAMS = AssimilationParams(backend="numpy", ensemble_size=40, inflation=1.02, obs_error_usd_per_mwh=2.0, seed=7)


def test_filtered_table_follows_the_contract(wide_prices) -> None:
    prices = wide_prices(8, n_intervals=96)
    result = assimilate_day(prices, PARAMS)
    assert isinstance(result, AssimilationResult)
    f = result.filtered
    assert tuple(f.columns) == FILTERED_COLUMNS
    assert str(f["interval_start_utc"].dtype) == "datetime64[ns, UTC]"
    assert len(f) == 96 * 8
    assert set(f["location"]) == set(prices.columns)
    for column in FILTERED_COLUMNS[2:]:
        assert f[column].dtype == np.float64
    assert not f["mean"].isna().any()
    assert (f["spread"] > 0).all()
    # observed column is the input, row by row
    wide_observed = f.pivot(index="interval_start_utc", columns="location", values="observed")
    np.testing.assert_array_equal(wide_observed[list(prices.columns)].to_numpy(), prices.to_numpy())
    assert (wide_observed.index == prices.index).all()
    # innovation = observed - forecast mean; none for the first interval (no forecast)
    first = f["interval_start_utc"] == prices.index[0]
    assert f.loc[first, "innovation"].isna().all()
    assert f.loc[~first, "innovation"].notna().all()
    assert set(METRIC_KEYS) <= set(result.metrics)
    assert result.metrics["backend"] == "numpy"
    assert result.metrics["ensemble_size"] == 40
    assert list(result.system.columns) == ["interval_start_utc", "system_z", "shock_z"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.metrics = {}  # type: ignore[misc]


def test_filter_is_deterministic_for_a_seed(wide_prices) -> None:
    prices = wide_prices(5, n_intervals=60)
    a = assimilate_day(prices, PARAMS)
    b = assimilate_day(prices, PARAMS)
    pd.testing.assert_frame_equal(a.filtered, b.filtered)
    c = assimilate_day(prices, dataclasses.replace(PARAMS, seed=8))
    assert not np.allclose(a.filtered["mean"], c.filtered["mean"])


SMOOTH_DAY_MODEL = PriceModelSpec(shock_noise_std=0.02, shock_ar=0.6)
"""Shared noise sized to ``wide_prices``'s smooth day (a 0.8 $/MWh random walk): the default is sized for real
ERCOT prices, whose 5-minute moves are far larger (ADR 0006, Addendum 4), and is over-dispersed here."""


def test_filter_tracks_prices_and_is_calibrated(wide_prices) -> None:
    result = assimilate_day(wide_prices(30, seed=1), PARAMS, model=SMOOTH_DAY_MODEL)
    m = result.metrics
    assert m["n_intervals"] == 288 and m["n_locations"] == 30 and m["n_observations"] == 288 * 30
    # the analysis is closer to the observations than the forecast, and within the observation error
    assert m["rmse_analysis_usd_per_mwh"] < m["rmse_forecast_usd_per_mwh"]
    assert m["rmse_analysis_usd_per_mwh"] < PARAMS.obs_error_usd_per_mwh
    # Gaussian synthetic data: forecast spread consistent with forecast error, few false alarms
    assert 0.6 < m["spread_rmse_ratio"] < 1.6
    assert m["n_anomalies"] <= 5


def test_injected_spike_is_flagged(wide_prices) -> None:
    prices = wide_prices(12, seed=2)
    spike_time, spike_node = prices.index[150], prices.columns[4]
    prices.loc[spike_time, spike_node] = 1500.0
    result = assimilate_day(prices, PARAMS)
    f = result.filtered
    flagged = f[f["normalized_innovation"].abs() > 4.0]
    assert ((flagged["interval_start_utc"] == spike_time) & (flagged["location"] == spike_node)).any()
    spike_row = f[(f["interval_start_utc"] == spike_time) & (f["location"] == spike_node)].iloc[0]
    assert spike_row["innovation"] > 1000.0
    # the spike stays local (localization): no other node is flagged in the hour after it
    after = (flagged["interval_start_utc"] > spike_time) & (flagged["interval_start_utc"] <= prices.index[162])
    assert set(flagged.loc[after, "location"]) <= {spike_node}
    assert result.metrics["n_anomalies"] == len(flagged) >= 1


def test_missing_prices_and_negative_prices(wide_prices) -> None:
    prices = wide_prices(6, seed=4, n_intervals=72) - 40.0  # many negative prices
    prices.iloc[0, 1] = np.nan  # missing at the first interval
    prices.iloc[10:30, 2] = np.nan  # a gap
    prices.iloc[:, 5] = np.nan  # a node that never prices
    result = assimilate_day(prices, PARAMS)
    f = result.filtered
    assert not f["mean"].isna().any()
    missing = f["observed"].isna()
    assert f.loc[missing, ["innovation", "normalized_innovation"]].isna().all().all()
    assert (f["observed"] < 0).sum() > 50
    observed = f[~missing]
    assert np.sqrt(np.mean((observed["mean"] - observed["observed"]) ** 2)) < 2.0
    assert result.metrics["n_observations"] == int(prices.notna().to_numpy().sum())


def test_single_interval_day_has_no_forecast_metrics(wide_prices) -> None:
    result = assimilate_day(wide_prices(3, n_intervals=1), PARAMS)
    assert result.metrics["rmse_forecast_usd_per_mwh"] is None
    assert result.metrics["spread_rmse_ratio"] is None
    assert len(result.filtered) == 3 and (result.filtered["spread"] > 0).all()


@pytest.mark.parametrize("method", ["etkf", "stochastic"])
@pytest.mark.parametrize("localize", [True, False])
def test_model_variants_run(wide_prices, method: str, localize: bool) -> None:
    result = assimilate_day(
        wide_prices(5, n_intervals=48), PARAMS, model=PriceModelSpec(method=method, localize=localize)
    )
    assert result.metrics["method"] == method
    assert np.isfinite(result.filtered["mean"]).all()
    assert result.metrics["rmse_analysis_usd_per_mwh"] < result.metrics["rmse_forecast_usd_per_mwh"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda df: df.tz_convert("America/Chicago"), "UTC"),
        (lambda df: df.tz_localize(None), "UTC"),
        (lambda df: df.iloc[::-1], "increasing"),
        (lambda df: df.drop(df.index[4]), "regular 5-minute grid: .*row 4"),
        (lambda df: pd.concat([df.iloc[:3], df.iloc[2:4]]), "duplicate interval_start_utc"),
        (lambda df: df * np.nan, "no observed price"),
        (lambda df: df.iloc[:, :0], "empty"),
        (lambda df: df.replace(df.iloc[3, 1], np.inf), "infinite price .* location 'NODE_001'"),
    ],
)
def test_invalid_frames_are_rejected(wide_prices, mutate, message: str) -> None:
    with pytest.raises(AssimilationInputError, match=message):
        assimilate_day(mutate(wide_prices(3, n_intervals=10)), PARAMS)


def test_duplicate_location_is_rejected(wide_prices) -> None:
    prices = wide_prices(3, n_intervals=10)
    prices.columns = ["A", "B", "A"]
    with pytest.raises(AssimilationInputError, match="duplicate location column 'A'"):
        assimilate_day(prices, PARAMS)


@given(st.floats(-1e4, 1e4, allow_nan=False), st.floats(1.0, 100.0))
@example(5e-324, 2.0)  # a subnormal price: found by hypothesis on CI
def test_transform_round_trips_any_price(price: float, scale: float) -> None:
    z = to_transformed(price, scale)
    assert abs(from_transformed(z, scale) - price) <= 1e-9 * max(1.0, abs(price))
    # the transform keeps the sign; a subnormal price (e.g. 5e-324 $/MWh) may underflow to exactly 0
    assert np.sign(z) == np.sign(price) or (z == 0.0 and abs(price) < 1e-300)
    assert transformed_obs_error(np.array(price), 2.0, scale) > 0


@given(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3))
def test_transform_is_monotone(a: float, b: float) -> None:
    if a < b:
        assert to_transformed(a, 20.0) <= to_transformed(b, 20.0)


def test_network_distance_localization() -> None:
    """Levels see prices within the Gaspari-Cohn radius of the grid distance: nodes farther than twice
    the radius leave the analysis exactly as with own-price localization; near ones change it."""
    import numpy as np
    import pandas as pd

    from hayeknet.assimilation import assimilate_day
    from hayeknet.params import AssimilationParams

    index = pd.date_range("2025-10-01 05:00", periods=288, freq="5min", tz="UTC")
    rng = np.random.default_rng(0)
    base = 30 + rng.normal(0, 0.5, size=288)
    wide = pd.DataFrame({"A": base + rng.normal(0, 1, 288), "B": base + 0.2, "C": base - 0.1}, index=index)
    params = AssimilationParams(ensemble_size=20, seed=3)
    own = assimilate_day(wide, params).filtered["mean"].to_numpy()
    far = np.full((3, 3), 10.0) - 10.0 * np.eye(3)
    same = assimilate_day(wide, params, distance=far, localization_radius=1.5).filtered["mean"].to_numpy()
    np.testing.assert_allclose(same, own, atol=1e-9)
    near = far.copy()
    near[0, 1] = near[1, 0] = 1.0
    changed = assimilate_day(wide, params, distance=near, localization_radius=1.5).filtered["mean"].to_numpy()
    assert np.abs(changed - own).max() > 1e-3


def test_unobserved_location_does_not_blow_up() -> None:
    """A location without prices for hours keeps a bounded spread (no inflation without an analysis)."""
    import numpy as np
    import pandas as pd

    from hayeknet.assimilation import assimilate_day
    from hayeknet.params import AssimilationParams

    index = pd.date_range("2025-10-01 05:00", periods=288, freq="5min", tz="UTC")
    base = 30 + np.random.default_rng(0).normal(0, 0.5, size=288)
    wide = pd.DataFrame({"A": base, "B": base + 0.2}, index=index)
    wide.loc[index[150:], "A"] = np.nan
    f = assimilate_day(wide, AssimilationParams(ensemble_size=30, seed=3, inflation=1.05)).filtered
    a, b = f[f["location"] == "A"], f[f["location"] == "B"]
    # while both are observed the analysis stays within the 2 $/MWh observation error of each
    assert (a["mean"].iloc[:150] - base[:150]).abs().max() < 2.0
    assert (b["mean"] - (base + 0.2)).abs().max() < 2.0
    # through the whole 11.5-hour gap A stays tied to B's level: the two-stage analysis keeps the basis's
    # covariance with the shared components (the old localized analysis reached 10,315 $/MWh mid-gap and,
    # with the sized shared noise, a 209 $/MWh spread; ADR 0006, Addendum 4)
    gap = a.iloc[150:]
    assert (gap["mean"] - 30.0).abs().max() < 15.0
    assert gap["spread"].max() < 40.0


def test_fifteen_minute_prices_use_the_same_dynamics_per_hour() -> None:
    """NP6-905-CD settlement point prices (15 minutes): the model steps every 15 minutes with its
    5-minute parameters compounded, so a component's stationary variance is the same."""
    from hayeknet.assimilation.price_model import PriceModelSpec

    spec = PriceModelSpec()
    q = spec.for_step(15)
    assert q.basis_ar == pytest.approx(spec.basis_ar**3) and q.zone_ar == pytest.approx(spec.zone_ar**3)
    for a, sd, a_q, sd_q in (
        (spec.basis_ar, spec.basis_noise_std, q.basis_ar, q.basis_noise_std),
        (spec.shock_ar, spec.shock_noise_std, q.shock_ar, q.shock_noise_std),
    ):
        assert sd_q**2 / (1 - a_q**2) == pytest.approx(sd**2 / (1 - a**2))
    assert q.system_noise_std == pytest.approx(spec.system_noise_std * np.sqrt(3))
    assert spec.for_step(5) is spec
    with pytest.raises(AssimilationInputError, match="multiples of 5"):
        spec.for_step(7)
    index = pd.date_range("2024-07-08 05:00", periods=96, freq="15min", tz="UTC", name="interval_start_utc")
    wide = pd.DataFrame({"HB_HUBAVG": 30 + 10 * np.sin(np.arange(96) / 8)}, index=index)
    result = assimilate_day(wide, PARAMS)
    assert result.metrics["interval_minutes"] == 15 and len(result.filtered) == 96
    assert result.metrics["rmse_forecast_usd_per_mwh"] < 10.0
