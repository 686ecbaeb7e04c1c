"""Fitting the jump OU to hourly prices, and the battery's spread-option strip."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hayeknet.battery.spec import BatterySpec
from hayeknet.options.errors import PriceFitError
from hayeknet.options.fit import fit_jump_ou, hourly_prices
from hayeknet.options.montecarlo import JumpOUModel, simulate_paths
from hayeknet.options.strip import battery_strip_value, best_windows, forward_curve, strip_blocks

TRUE = JumpOUModel(kappa=0.3, mean_level=0.0, sigma=0.15, jump_intensity=0.02, jump_mean=1.0, jump_std=0.2)


def simulated_prices(model: JumpOUModel = TRUE, n_hours: int = 24 * 365, seed: int = 5) -> pd.Series:
    deviation = simulate_paths(0.0, model, 1.0, n_hours - 1, 4, seed, "plain")[0]
    index = pd.date_range("2025-01-01", periods=n_hours, freq="h", tz="UTC", name="interval_start_utc")
    hour = index.tz_convert("America/Chicago").hour.to_numpy()
    shape = 1.0 + 0.5 * np.sin(2 * np.pi * (hour - 10) / 24)
    return pd.Series(20.0 * np.sinh(shape + deviation), index=index)


@pytest.fixture(scope="module")
def fitted():
    return fit_jump_ou(simulated_prices(), transform="asinh", scale_usd_per_mwh=20.0)


def test_fit_recovers_simulated_parameters(fitted) -> None:
    m = fitted.model
    assert m.kappa == pytest.approx(TRUE.kappa, rel=0.2)
    assert m.sigma == pytest.approx(TRUE.sigma, rel=0.2)
    assert m.jump_intensity == pytest.approx(TRUE.jump_intensity, rel=0.5)
    assert m.jump_mean == pytest.approx(TRUE.jump_mean, abs=0.3)
    assert abs(m.mean_level) < 0.1
    assert fitted.hourly_shape[16] > fitted.hourly_shape[4]  # afternoon peak of the simulated shape


def test_fit_rejects_short_or_oscillating_series() -> None:
    with pytest.raises(PriceFitError, match="at least"):
        fit_jump_ou(simulated_prices(n_hours=30))
    index = pd.date_range("2025-01-01", periods=2000, freq="h", tz="UTC")
    noise = np.random.default_rng(0).normal(0.0, 0.1, 2000)
    y = np.zeros(2000)
    for t in range(1, 2000):  # oscillating AR(1), coefficient -0.6: not a mean-reverting OU sample
        y[t] = -0.6 * y[t - 1] + noise[t]
    with pytest.raises(PriceFitError, match="mean-reverting"):
        fit_jump_ou(pd.Series(np.exp(3.0 + y), index=index), transform="log")


def test_hourly_prices_from_normalized_table() -> None:
    starts = pd.date_range("2025-03-01 06:00", periods=24, freq="5min", tz="UTC")
    table = pd.DataFrame(
        {
            "interval_start_utc": starts,
            "location": "HB_WEST",
            "market": "RTM_SCED",
            "as_type": pd.array([pd.NA] * 24, dtype="string"),
            "price": np.r_[np.full(12, 10.0), np.full(12, 30.0)],
        }
    )
    series = hourly_prices(table, "HB_WEST")
    assert list(series.to_numpy()) == [10.0, 30.0]
    with pytest.raises(PriceFitError, match="no energy prices"):
        hourly_prices(table, "HB_NORTH")


def test_strip_blocks_and_windows() -> None:
    hours, mwh = strip_blocks(BatterySpec())
    assert hours == 3 and mwh == pytest.approx(100.0)
    forward = np.r_[np.full(10, 20.0), [5.0, 5.0, 5.0], np.full(5, 20.0), [90.0, 90.0, 90.0], [20.0, 20.0, 20.0]]
    charge, discharge = best_windows(forward, 3, 0.9)
    assert charge == (10, 11, 12) and discharge == (18, 19, 20)


def test_strip_value_is_at_least_intrinsic_and_control_helps(fitted) -> None:
    spec = BatterySpec()
    plain = battery_strip_value(fitted, spec, n_paths=4000, rng=2, method="plain")
    best = battery_strip_value(fitted, spec, n_paths=4000, rng=2, method="antithetic+control")
    assert max(best.charge_hours) < min(best.discharge_hours)
    assert best.std_error_usd < 0.5 * plain.std_error_usd
    assert abs(best.value_usd - plain.value_usd) < 4 * plain.std_error_usd
    # an option strip is worth at least its payoff on the forward curve (Jensen), up to MC error
    assert best.value_usd >= best.intrinsic_usd - 3 * best.std_error_usd
    forward = forward_curve(fitted)
    assert forward.shape == (24,) and np.all(np.isfinite(forward))


def test_quick_benchmark_reports_variance_reduction() -> None:
    from hayeknet.options.benchmarks import benchmarks

    (result,) = benchmarks(quick=True)
    assert result.name == "options_strip_efficiency"
    assert result.value > 0 and result.baseline_value > 0
    assert result.ratio > 1.0  # antithetic + control needs less work than plain MC for the same error


def test_hourly_prices_reads_a_parsed_ercot_file(fixtures_dir) -> None:
    from hayeknet.ercot.parse import parse_file

    table = parse_file(fixtures_dir / "np6-788-cd.csv")
    location = str(table["location"].iloc[0])
    series = hourly_prices(table, location, market="RTM_SCED")
    rows = table[table["location"] == location]
    expected = rows.groupby(rows["interval_start_utc"].dt.floor("h"))["price"].mean()
    assert str(series.index.tz) == "UTC"
    np.testing.assert_allclose(series.to_numpy(), expected.to_numpy())


def test_strip_records_backend_and_refuses_missing_julia(fitted, monkeypatch) -> None:
    from hayeknet.julia import BackendUnavailableError

    assert battery_strip_value(fitted, BatterySpec(), n_paths=200, rng=1).backend == "numpy"
    for var in ("PYTHON_JULIACALL_EXE", "JULIA_EXE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PATH", "")
    with pytest.raises(BackendUnavailableError, match="no Julia"):
        battery_strip_value(fitted, BatterySpec(), n_paths=200, rng=1, backend="julia")
