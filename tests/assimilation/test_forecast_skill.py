"""Forecast skill of the EnKF (issue 13): known answers, the persistence and DAM references, no look-ahead,
and the metrics the assimilate stage writes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hayeknet.assimilation import skill
from hayeknet.assimilation.price_model import PriceModelSpec, assimilate_day, grid_zone_loadings
from hayeknet.constraints.grid import build_grid
from hayeknet.ercot.locations import default_catalogue
from hayeknet.ercot.synthetic import synthetic_prices
from hayeknet.params import AssimilationParams

ROOT = Path(__file__).resolve().parents[2]
PARAMS = AssimilationParams(backend="numpy", ensemble_size=40, inflation=1.02, obs_error_usd_per_mwh=2.0, seed=7)


def _frame(values: np.ndarray, start: str = "2025-10-01 05:00", minutes: int = 5) -> pd.DataFrame:
    values = np.asarray(values, dtype=float).reshape(len(values), -1)
    index = pd.date_range(start, periods=len(values), freq=f"{minutes}min", tz="UTC", name="interval_start_utc")
    return pd.DataFrame(values, index=index, columns=[f"N{k}" for k in range(values.shape[1])])


# --- the references and the scores ------------------------------------------------------------------


def test_persistence_is_the_last_price_at_the_forecast_origin() -> None:
    observed = np.array([[1.0, np.nan], [2.0, np.nan], [np.nan, 5.0], [4.0, 6.0], [5.0, np.nan]])
    one = skill.persistence(observed, 1)
    np.testing.assert_array_equal(one[:, 0], [np.nan, 1.0, 2.0, 2.0, 4.0])  # a gap is bridged by the last price
    np.testing.assert_array_equal(one[:, 1], [np.nan, np.nan, np.nan, 5.0, 6.0])  # none before the first price
    two = skill.persistence(observed, 2)
    np.testing.assert_array_equal(two[:, 0], [np.nan, np.nan, 1.0, 2.0, 2.0])  # p(t-2), or the last before it
    assert np.isnan(skill.persistence(observed, 5)).all()


def test_dam_reference_is_the_price_of_the_target_hour() -> None:
    index = pd.date_range("2025-10-01 05:00", periods=24, freq="5min", tz="UTC")
    dam = pd.DataFrame({"A": [30.0, 40.0]}, index=pd.date_range("2025-10-01 05:00", periods=2, freq="h", tz="UTC"))
    ref = skill.reference_on_grid(dam, index, ["A", "B"])
    np.testing.assert_array_equal(ref[:12, 0], 30.0)
    np.testing.assert_array_equal(ref[12:, 0], 40.0)
    assert np.isnan(ref[:, 1]).all()  # no DAM column: not compared
    assert np.isnan(skill.reference_on_grid(None, index, ["A"])).all()


def _day_forecasts(observed: np.ndarray, mean: np.ndarray, steps: int = 1) -> skill.DayForecasts:
    t = len(observed)
    obs = observed.reshape(t, 1)
    h = skill.HorizonForecast(
        "1step", steps, mean.reshape(t, 1), np.ones((t, 1)), np.zeros((t, 1)), np.full((t, 1), 0.01)
    )
    return skill.DayForecasts(
        index=pd.date_range("2025-10-01 05:00", periods=t, freq="5min", tz="UTC"),
        locations=("A",),
        observed=obs,
        interval_minutes=5,
        obs_error_usd_per_mwh=1.0,
        price_scale_usd_per_mwh=20.0,
        horizons={"1step": h},
    )


def test_scores_of_a_known_case() -> None:
    """Hand-checked numbers: RMSEs over the same pairs, skill 1 - ratio, DAM pairs only where the DAM is."""
    observed = np.array([10.0, 12.0, 11.0, 15.0, 13.0])
    forecast = np.array([np.nan, 11.0, 12.0, 12.0, 14.0])  # errors 1, -1, 3, -1 from interval 1 on
    dam = pd.DataFrame(
        {"A": [11.0]}, index=pd.DatetimeIndex([pd.Timestamp("2025-10-01 05:00", tz="UTC")])
    )  # DAM errors 1, 0, 4, 2 over the same pairs
    out = skill.forecast_skill(_day_forecasts(observed, forecast), dam)
    assert out["n_forecasts_1step"] == 4
    assert out["rmse_forecast_1step_usd_per_mwh"] == pytest.approx(math.sqrt(12 / 4))
    persistence_rmse = math.sqrt((4 + 1 + 16 + 4) / 4)  # 12-10, 11-12, 15-11, 13-15
    assert out["rmse_persistence_1step_usd_per_mwh"] == pytest.approx(persistence_rmse)
    assert out["skill_vs_persistence_1step"] == pytest.approx(1 - math.sqrt(12 / 4) / persistence_rmse)
    assert out["rmse_dam_1step_usd_per_mwh"] == pytest.approx(math.sqrt(21 / 4))
    assert out["skill_vs_dam_1step"] == pytest.approx(1 - math.sqrt(12 / 21))
    assert out["spread_skill_ratio_1step"] == pytest.approx(math.sqrt(2.0) / math.sqrt(3.0))  # sqrt(1 + 1)
    assert skill.skill_score(1.0, 0.0) is None and skill.skill_score(None, 1.0) is None


def test_spread_skill_bins_sort_the_errors() -> None:
    rng = np.random.default_rng(0)
    spread = rng.uniform(1.0, 10.0, 50_000)
    errors = spread * rng.standard_normal(spread.size)  # a consistent forecast: error sd = spread
    bins = skill.spread_skill_bins(spread, errors, n_bins=5)
    assert [b["n"] for b in bins] == [10_000] * 5
    rmse = [b["rmse_usd_per_mwh"] for b in bins]
    assert rmse == sorted(rmse)
    for b in bins:
        assert b["rmse_usd_per_mwh"] == pytest.approx(b["spread_usd_per_mwh"], rel=0.03)
    assert skill.spread_skill_bins(spread[:3], errors[:3]) == []


def test_verdict_says_plainly_when_the_enkf_does_not_beat_persistence() -> None:
    worse = {"skill_vs_persistence_1step": -0.1, "rmse_forecast_1step_usd_per_mwh": 11.0}
    worse |= {"rmse_persistence_1step_usd_per_mwh": 10.0, "skill_vs_persistence_1h": 0.005}
    sentence = skill.forecast_verdict(worse, "HB_HUBAVG")
    assert sentence.startswith("At HB_HUBAVG: 1 step ahead the EnKF forecast does not beat (is worse than) persistence")
    assert "1 hour ahead the EnKF forecast does not beat (is within 2% of) persistence" in sentence
    assert "beats persistence" in skill.forecast_verdict({"skill_vs_persistence_1step": 0.3}, "X")


# --- the closed-form h-step forecast ---------------------------------------------------------------------


def test_h_step_forecast_is_the_mean_of_the_propagated_predictive_distribution() -> None:
    """The closed form (members propagated, noise integrated exactly) equals a brute-force Monte Carlo of
    the model's h-step prior, and is not s sinh(mean z) (the median), which is biased low for a skewed price."""
    rng = np.random.default_rng(3)
    n_loc, n_members, steps, scale = 2, 8, 12, 20.0
    loadings = np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]])  # system, shock, one zone
    phi = np.array([0.98, 0.98, 1.0, 0.6, 0.995])
    sigma = np.array([0.05, 0.05, 0.08, 0.1, 0.04])
    state = rng.normal(0.0, 0.3, (n_loc + 3, n_members)) + np.array([0, 0, 2.5, 0, 0.3])[:, None]
    mean, spread, z_mean, z_var = skill.h_step_forecast(state, loadings, phi, sigma, steps, scale)
    draws = 200_000
    x = np.repeat(state, draws // n_members, axis=1)
    for _ in range(steps):
        x = phi[:, None] * x + sigma[:, None] * rng.standard_normal(x.shape)
    z = x[:n_loc] + loadings @ x[n_loc:]
    price = (scale * np.sinh(z)).reshape(n_loc, n_members, -1)  # per member, its Monte Carlo draws
    z = z.reshape(n_loc, n_members, -1)
    np.testing.assert_allclose(mean, price.mean(axis=(1, 2)), rtol=0.01)
    # spreads as the filter states them: within-member variance plus the members' sample variance (ddof 1)
    within = price.var(axis=2).mean(axis=1)
    np.testing.assert_allclose(spread, np.sqrt(within + price.mean(axis=2).var(axis=1, ddof=1)), rtol=0.02)
    np.testing.assert_allclose(z_mean, z.mean(axis=(1, 2)), atol=0.01)
    np.testing.assert_allclose(z_var, z.var(axis=2).mean(axis=1) + z.mean(axis=2).var(axis=1, ddof=1), rtol=0.03)
    assert np.all(scale * np.sinh(z_mean) < 0.97 * mean)  # the median forecast is biased low here
    assert skill.level_noise_variance(phi, sigma, loadings, 1) == pytest.approx(
        [0.05**2 + 0.08**2 + 0.1**2 + 0.04**2, 0.05**2 + 0.08**2 + 0.1**2]
    )


# --- the filter's forecasts: a known optimum and no look-ahead -----------------------------------------------


def _ar1_prices(a: float, sd: float, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = np.zeros(n)
    for t in range(1, n):
        x[t] = a * x[t - 1] + sd * rng.standard_normal()
    return x


@pytest.mark.parametrize("a", [0.5, 0.9])
def test_enkf_reaches_the_optimal_forecast_of_an_ar1_price(a: float) -> None:
    """Prices that are an AR(1) around 0 ($/MWh, small against the 20 $/MWh asinh scale, so nearly linear in z)
    and a model whose shock is that AR(1), observed almost exactly: the optimal h-step forecast is
    ``a^h p(t-h)``, with error variance ``sd^2 (1 - a^(2h)) / (1 - a^2)`` against persistence's
    ``2 (1 - a^h) sd^2 / (1 - a^2)``: skill ``1 - sqrt((1 + a^h) / 2)``. The filter's forecasts are that
    optimal forecast, interval by interval, so their RMSE and skill equal the optimal forecast's on the same
    sample (and the theory's, up to the sampling error of 4,000 autocorrelated intervals)."""
    sd = 0.5
    prices = _ar1_prices(a, sd, 4000, seed=11)
    spec = PriceModelSpec(
        system_noise_std=0.0, shock_ar=a, shock_noise_std=sd / 20.0, basis_ar=0.0, basis_noise_std=0.0
    )
    params = dataclasses.replace(PARAMS, obs_error_usd_per_mwh=0.01)
    result = assimilate_day(_frame(prices), params, model=spec)
    assert result.forecasts is not None
    m = result.metrics
    for label, h in (("1step", 1), ("1h", 12)):
        optimal = a**h * prices[:-h]
        forecast = result.forecasts.horizons[label].mean[h:, 0]
        off = np.abs(forecast - optimal)
        assert np.sqrt(np.mean(off**2)) < 0.03 * sd and np.mean(off < 0.02) > 0.995, label
        rmse_optimal = float(np.sqrt(np.mean((prices[h:] - optimal) ** 2)))
        rmse_persistence = float(np.sqrt(np.mean((prices[h:] - prices[:-h]) ** 2)))
        assert m[f"rmse_persistence_{label}_usd_per_mwh"] == pytest.approx(rmse_persistence, rel=1e-12), label
        assert m[f"rmse_forecast_{label}_usd_per_mwh"] == pytest.approx(rmse_optimal, rel=0.01), label
        assert m[f"skill_vs_persistence_{label}"] == pytest.approx(1 - rmse_optimal / rmse_persistence, abs=0.01)
        theory = 1 - math.sqrt((1 + a**h) / 2)
        assert m[f"skill_vs_persistence_{label}"] == pytest.approx(theory, abs=0.03), label
        assert rmse_optimal == pytest.approx(sd * math.sqrt((1 - a ** (2 * h)) / (1 - a**2)), rel=0.08), label
        assert m[f"spread_skill_ratio_{label}"] == pytest.approx(1.0, abs=0.1), label


@pytest.fixture(scope="module")
def synthetic_frame() -> pd.DataFrame:
    frame = synthetic_prices("2025-10-02", default_catalogue(4), 20251001).lmp_frame().iloc[:120]
    frame.index = frame.index.as_unit("ns")
    return frame


@pytest.mark.parametrize("method", ["etkf", "stochastic"])
def test_no_look_ahead_later_prices_do_not_move_earlier_forecasts(synthetic_frame: pd.DataFrame, method: str) -> None:
    """Perturb every price from interval k on: the 1-step forecasts of intervals up to k and the 1-hour
    forecasts of intervals up to k + 11 (origins up to k - 1) are bit-for-bit unchanged; later ones move."""
    grid = build_grid()
    names = list(synthetic_frame.columns)
    kwargs = {
        "model": PriceModelSpec(method=method),
        "zones": grid_zone_loadings(names, grid),
        "distance": grid.distance_matrix(names),
        "localization_radius": 2.0,
    }
    base = assimilate_day(synthetic_frame, PARAMS, **kwargs).forecasts
    k = 60
    perturbed = synthetic_frame.copy()
    perturbed.iloc[k:] += np.random.default_rng(5).normal(0.0, 25.0, perturbed.iloc[k:].shape)
    moved = assimilate_day(perturbed, PARAMS, **kwargs).forecasts
    assert base is not None and moved is not None
    for label, h in (("1step", 1), ("1h", 12)):
        a, b = base.horizons[label], moved.horizons[label]
        last_unseen = k + h - 1  # the forecast of this interval was made at k - 1, before the perturbation
        for name in ("mean", "spread", "z_mean", "z_var"):
            np.testing.assert_array_equal(getattr(a, name)[: last_unseen + 1], getattr(b, name)[: last_unseen + 1])
        assert not np.allclose(a.mean[last_unseen + 1 :], b.mean[last_unseen + 1 :])
        assert np.isnan(a.mean[:h]).all() and np.isfinite(a.mean[h:]).all()


def test_forecasting_does_not_change_the_filter(synthetic_frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    """The forecasts draw no random number: the filtered output is the same when they are replaced by a stub;
    the 1-step forecast is the mean of the prior that the innovations sample (within its Monte Carlo error)."""
    result = assimilate_day(synthetic_frame, PARAMS)
    f = result.filtered
    assert result.forecasts is not None

    def stub(state, loadings, phi, sigma, steps, scale):  # type: ignore[no-untyped-def]
        return (np.zeros(loadings.shape[0]),) * 4

    monkeypatch.setattr(skill, "h_step_forecast", stub)
    pd.testing.assert_frame_equal(assimilate_day(synthetic_frame, PARAMS).filtered, f)
    sampled_prior = (f["observed"] - f["innovation"]).to_numpy()
    exact = result.forecasts.horizons["1step"]
    ok = np.isfinite(sampled_prior)
    np.testing.assert_array_equal(ok, np.isfinite(exact.mean.ravel()))
    # the sampled prior mean differs from the exact one by about spread / sqrt(N)
    gap = (sampled_prior - exact.mean.ravel())[ok] / exact.spread.ravel()[ok]
    assert np.sqrt(np.mean(gap**2)) < 2.0 / np.sqrt(PARAMS.ensemble_size)
    assert result.metrics["rmse_forecast_1step_usd_per_mwh"] == pytest.approx(
        result.metrics["rmse_forecast_usd_per_mwh"], rel=0.05
    )


def test_fifteen_minute_prices_forecast_four_steps_for_an_hour() -> None:
    prices = _frame(30.0 + _ar1_prices(0.9, 2.0, 96, seed=1), minutes=15)
    result = assimilate_day(prices, PARAMS)
    assert result.forecasts is not None and result.forecasts.horizons["1h"].steps == 4
    assert result.metrics["n_forecasts_1h"] == 92 and result.metrics["n_forecasts_1step"] == 95
    assert result.metrics["rmse_dam_1h_usd_per_mwh"] is None and result.metrics["skill_vs_dam_1h"] is None


# --- the assimilate stage's metrics.json -------------------------------------------------------------------


def test_assimilate_stage_writes_forecast_skill(tmp_path: Path) -> None:
    from hayeknet.config import ProjectPaths
    from hayeknet.params import ResearchParams, load_params
    from hayeknet.pipeline.collect import collect
    from hayeknet.pipeline.context import StageContext
    from hayeknet.pipeline.stages import assimilate, ingest
    from hayeknet.research.metrics import assimilation_day_metrics, metrics_by_name

    shutil.copy(ROOT / "tests" / "params.tiny.yaml", tmp_path / "params.yaml")
    shutil.copy(ROOT / "dvc.yaml", tmp_path / "dvc.yaml")
    paths = ProjectPaths(tmp_path)
    params = load_params(paths.params_file)
    day = "2025-10-01"
    collect(paths, params, dt.date.fromisoformat(day), dt.date.fromisoformat(day), source="synthetic", update_dvc=False)
    ctx = StageContext.load(tmp_path)
    ingest.run(ctx, day)
    outcome = assimilate.run(ctx, day)
    filtered, metrics = assimilate.read_states(ctx, day)
    for key in (
        "rmse_analysis_usd_per_mwh",
        "rmse_forecast_1step_usd_per_mwh",
        "rmse_persistence_1step_usd_per_mwh",
        "rmse_dam_1step_usd_per_mwh",
        "skill_vs_persistence_1step",
        "skill_vs_dam_1step",
        "spread_skill_ratio_1step",
        "rmse_forecast_1h_usd_per_mwh",
        "rmse_persistence_1h_usd_per_mwh",
        "rmse_dam_1h_usd_per_mwh",
        "skill_vs_persistence_1h",
        "skill_vs_dam_1h",
        "spread_skill_ratio_1h",
    ):
        assert isinstance(metrics[key], float), key
        assert key in skill.METRIC_DESCRIPTIONS
        assert key == "rmse_analysis_usd_per_mwh" or key in metrics["forecast_skill_battery"]
    assert "after assimilating the same price" in skill.METRIC_DESCRIPTIONS["rmse_analysis_usd_per_mwh"]
    assert len(metrics["spread_skill_bins_1h"]) == skill.SPREAD_SKILL_BINS
    assert set(metrics["forecast_skill_by_location"]) == set(filtered["location"])
    assert metrics["battery_location"] == "HB_WEST"
    assert metrics["forecast_verdict"].startswith("At HB_WEST: 1 step ahead the EnKF forecast ")
    assert metrics["forecast_skill_battery"] == metrics["forecast_skill_by_location"]["HB_WEST"]
    assert "HB_WEST" in outcome.skill_table().index
    assert not any(isinstance(v, dict | list) for v in outcome.metrics_table()["value"])
    # the research metrics carry the skill and call the analysis RMSE what it is
    research = assimilation_day_metrics(filtered, "HB_WEST", metrics, ResearchParams())
    by_name = {m.name: m for m in research}
    assert "after assimilating the same price" in by_name["enkf.rmse_battery"].description
    assert "forecast" not in by_name["enkf.rmse_battery"].description.split(":")[0]
    values = metrics_by_name(research)
    assert values["enkf.skill_vs_persistence_1h"] == pytest.approx(
        metrics["forecast_skill_battery"]["skill_vs_persistence_1h"]
    )
    assert values["enkf.skill_vs_dam_1step"] is not None and values["enkf.rmse_forecast_1h_battery"] is not None
    assert values["enkf.skill_vs_persistence_1h_all"] == pytest.approx(metrics["skill_vs_persistence_1h"])
