"""The belief model on three small synthetic days: probabilities, coherence, diagnostics, reuse.

Uses tiny draws (2 chains x 40) so the module stays short; convergence is not
asserted, only that R-hat and ESS are recorded and the rule is applied.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hayeknet.beliefs.calibration import score_day
from hayeknet.beliefs.coherence import EVENT_KEYS, check_coherence
from hayeknet.beliefs.events import EventThresholds, interval_events, interval_quantities
from hayeknet.beliefs.model import BeliefModel, training_data
from hayeknet.beliefs.next_day import event_thresholds, run_beliefs_day
from hayeknet.ercot.locations import default_catalogue
from hayeknet.ercot.parse import parse_files
from hayeknet.ercot.synthetic import write_synthetic_day
from hayeknet.params import BeliefsParams, ResearchParams, load_params

DAYS = ["2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04"]
THRESHOLDS = EventThresholds(high_price_usd_per_mwh=45.0, imbalance_usd_per_mwh=8.0, congestion_usd_per_mwh=4.0)
TINY = BeliefsParams(history_days=3, paths_per_draw=2, chains=2, draws=40, tune=40, seed=3)


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, pd.DataFrame]]:
    root = Path(tmp_path_factory.mktemp("raw"))
    out = []
    for day in DAYS:
        files = write_synthetic_day(
            day, root, default_catalogue(0), seed=20251001, reports=["NP6-788-CD", "NP4-190-CD"]
        )
        out.append((day, parse_files(files)))
    return out


@pytest.fixture(scope="module")
def model() -> BeliefModel:
    return BeliefModel(TINY)


@pytest.fixture(scope="module")
def result(tables, model):  # type: ignore[no-untyped-def]
    return run_beliefs_day(tables, DAYS[3], "HB_WEST", THRESHOLDS, TINY, model=model, dam_table=tables[3][1])


def test_probabilities_are_valid_and_coherent(result) -> None:  # type: ignore[no-untyped-def]
    for probs in (result.next_day, result.next_hour):
        assert set(probs) == set(EVENT_KEYS)
        assert all(0.0 <= v <= 1.0 for v in probs.values())
        assert check_coherence(probs).coherent
        for pair in ("AB", "AC", "BC"):
            assert probs["ABC"] <= probs[pair] <= min(probs[pair[0]], probs[pair[1]])
    assert result.coherence["next_day"].coherent and result.coherence["next_hour"].coherent
    assert len(result.hourly) == 24
    assert result.hourly["local_hour"].tolist() == list(range(24))
    assert result.next_hour == {k: float(result.hourly[k].iloc[0]) for k in EVENT_KEYS}
    # "at least one interval of the hour" is at least the random-interval probability on average
    assert result.hourly["A"].mean() >= result.next_day["A"] - 1e-12
    assert result.history_days == tuple(dt.date.fromisoformat(d) for d in DAYS[:3])
    assert result.dam_source.startswith("published")
    assert set(result.climatology) == set(EVENT_KEYS) and check_coherence(result.climatology).coherent


def test_diagnostics_recorded(result) -> None:  # type: ignore[no-untyped-def]
    d = result.diagnostics
    assert math.isfinite(d.rhat_max) and d.rhat_max > 0.9
    assert math.isfinite(d.ess_bulk_min) and d.ess_bulk_min > 0
    assert d.converged == (d.rhat_max <= 1.05 and d.ess_bulk_min >= 100 and d.ess_tail_min >= 100)
    assert (d.warning() is None) == d.converged
    assert (d.warning() in result.warnings) if not d.converged else result.warnings == []
    payload = json.loads(json.dumps(result.to_dict()))
    assert payload["diagnostics"]["rule"].startswith("R-hat max")
    assert set(payload["next_day"]) == {
        "high_price",
        "imbalance",
        "congestion",
        "high_price&imbalance",
        "high_price&congestion",
        "imbalance&congestion",
        "high_price&imbalance&congestion",
    }


def test_refit_reuses_compiled_model_and_reproduces(tables, model, result) -> None:  # type: ignore[no-untyped-def]
    again = run_beliefs_day(tables, DAYS[3], "HB_WEST", THRESHOLDS, TINY, model=model, dam_table=tables[3][1])
    assert again.diagnostics.reused_compiled_model
    assert again.next_day == pytest.approx(result.next_day, abs=1e-12)
    # Other data, same compiled model: fits without recompiling, different beliefs.
    other = run_beliefs_day(
        tables[:2],
        DAYS[2],
        "HB_WEST",
        THRESHOLDS,
        dataclasses.replace(TINY, history_days=2, paths_per_draw=1),
        model=model,
    )
    assert other.n_history_intervals < result.n_history_intervals
    assert other.dam_source.startswith("last history day")


def test_no_look_ahead_and_calibration_scoring(tables, result) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="no history day"):
        run_beliefs_day(tables, DAYS[0], "HB_WEST", THRESHOLDS, TINY)
    realized = interval_events(interval_quantities(tables[3][1], "HB_WEST", "HB_HUBAVG"), THRESHOLDS)
    scored = score_day(result.next_day, realized, result.hourly[list(EVENT_KEYS)])
    assert scored["n_intervals"] == 288
    assert all(0.0 <= v["brier"] <= 1.0 for v in scored["day"].values())


def test_training_data_transform_round_trip(tables) -> None:  # type: ignore[no-untyped-def]
    q = interval_quantities(tables[0][1], "HB_WEST", "HB_HUBAVG")
    data = training_data(q, (10.0, 10.0))
    x = q[["spread_usd_per_mwh", "basis_usd_per_mwh"]].to_numpy()
    np.testing.assert_allclose(data.transform.inverse(data.transform.forward(x)), x, atol=1e-9)
    assert data.w_cur.shape == data.w_prev.shape == (288 - 24, 2)  # 5-minute pairs within each hour
    assert data.yh_cur.shape == data.yh_prev.shape == (23, 2)  # consecutive hour pairs


def test_settings_come_from_the_params_file() -> None:
    """One settings class: the beliefs section of params.yaml is what the model and the statement use."""
    params = load_params(Path(__file__).resolve().parents[2] / "params.yaml")
    assert isinstance(params.beliefs, BeliefsParams) and params.beliefs.scales_usd_per_mwh == (10.0, 10.0)
    t = event_thresholds(dataclasses.replace(params.beliefs, imbalance_usd_per_mwh=15.0), 90.0)
    assert (t.high_price_usd_per_mwh, t.imbalance_usd_per_mwh, t.congestion_usd_per_mwh) == (90.0, 15.0, 10.0)
    assert ResearchParams().high_price_usd_per_mwh == 100.0


def test_stage_files_and_walk_forward_scoring(tables, model, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from hayeknet.pipeline.stages.beliefs import (
        BELIEFS_FILE,
        CALIBRATION_FILE,
        HOURLY_FILE,
        PRICE_FORECAST_FILE,
        read_price_forecast,
        state_and_write,
    )

    settings = dataclasses.replace(TINY, history_days=2, paths_per_draw=1)
    first = state_and_write(tables[:2], DAYS[1], tmp_path / "b1", "HB_WEST", THRESHOLDS, settings, model=model)
    assert first.day == dt.date.fromisoformat(DAYS[2])
    assert first.history_days == tuple(dt.date.fromisoformat(d) for d in DAYS[:2])
    assert sorted(p.name for p in (tmp_path / "b1").iterdir()) == sorted(
        [BELIEFS_FILE, HOURLY_FILE, PRICE_FORECAST_FILE]
    )
    pd.testing.assert_frame_equal(read_price_forecast(tmp_path / "b1"), first.price_forecast, check_freq=False)
    assert json.loads((tmp_path / "b1" / BELIEFS_FILE).read_text())["price_forecast"]["file"] == PRICE_FORECAST_FILE
    previous = json.loads((tmp_path / "b1" / BELIEFS_FILE).read_text())
    second = state_and_write(
        tables[1:3],
        DAYS[2],
        tmp_path / "b2",
        "HB_WEST",
        THRESHOLDS,
        settings,
        previous_beliefs=previous,
        dam_table=tables[3][1],
        model=model,
    )
    assert second.dam_source.startswith("published")
    calibration = json.loads((tmp_path / "b2" / CALIBRATION_FILE).read_text())
    assert calibration["forecast_day"] == DAYS[2] and calibration["n_intervals"] == 288
    assert calibration["hourly"]["A"]["n_hours"] == 24
    assert all(0.0 <= v["brier"] <= 1.0 for v in calibration["hourly"].values())
    item = calibration["day"]["A"]
    assert item["climatology_forecast"] == pytest.approx(first.climatology["A"])
    assert item["brier_skill"] == pytest.approx(1 - item["brier"] / item["climatology_brier"])
    hourly = pd.read_parquet(tmp_path / "b2" / HOURLY_FILE)
    assert "high_price&imbalance&congestion" in hourly.columns and len(hourly) == 24


def test_dst_fall_back_day_has_25_hours(model, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    files = write_synthetic_day(
        "2025-11-01", tmp_path, default_catalogue(0), seed=7, reports=["NP6-788-CD", "NP4-190-CD"]
    )
    history = [("2025-11-01", parse_files(files))]
    settings = dataclasses.replace(TINY, history_days=1, paths_per_draw=1)
    result = run_beliefs_day(history, "2025-11-02", "HB_WEST", THRESHOLDS, settings, model=model)
    assert len(result.hourly) == 25
    assert result.hourly["local_hour"].tolist().count(1) == 2  # 01:00-02:00 local happens twice
    assert result.coherence["next_day"].coherent


class FixedModel:
    """A stand-in for :class:`BeliefModel` whose ``fit`` returns the same posterior on every machine: fixed
    parameters instead of NUTS draws (whose floating-point path differs between machines), Student-t
    innovations with ``nu`` degrees of freedom (small: heavy tails)."""

    def __init__(self, n_draws: int = 40, nu: float = 4.0, scale: float = 0.6) -> None:
        self.n_draws, self.nu, self.scale = n_draws, nu, scale
        self.n_quantities = 0

    def fit(self, data, seed=None):  # type: ignore[no-untyped-def]
        from hayeknet.beliefs.model import Diagnostics, Posterior

        s, d = self.n_draws, data.n_quantities
        eye = np.broadcast_to(np.eye(d) * self.scale, (s, d, d)).copy()
        diagnostics = Diagnostics(1.0, 1000.0, 1000.0, 0, True, "fixed", 1, s, 0, 0.0, 0.0, False)
        return Posterior(
            c=np.zeros((s, 24, d)),
            gamma=np.zeros((s, d)),
            rho=np.full((s, d), 0.5),
            chol_h=eye,
            nu_h=np.full(s, self.nu),
            delta=np.zeros((s, d)),
            phi=np.full((s, d), 0.5),
            chol=eye.copy(),
            nu=np.full(s, self.nu),
            data=data,
            diagnostics=diagnostics,
        )


def _fixed_result(tables, model: FixedModel, seed: int = 3):  # type: ignore[no-untyped-def]
    model.n_quantities = training_data(
        pd.concat([interval_quantities(t, "HB_WEST", "HB_HUBAVG") for _, t in tables[:3]]).sort_index(),
        TINY.scales_usd_per_mwh,
    ).n_quantities
    settings = dataclasses.replace(TINY, seed=seed)
    return run_beliefs_day(tables, DAYS[3], "HB_WEST", THRESHOLDS, settings, model=model, dam_table=tables[3][1])


def test_price_forecast_is_dam_plus_predicted_spread(tables) -> None:  # type: ignore[no-untyped-def]
    """Deterministic: a fixed posterior (no sampler), the seeded predictive paths; the same frame everywhere."""
    from hayeknet.beliefs.events import dam_hourly
    from hayeknet.beliefs.next_day import FORECAST_QUANTILES
    from hayeknet.ercot.calendar import interval_starts_utc

    result = _fixed_result(tables, FixedModel())
    again = _fixed_result(tables, FixedModel())
    pd.testing.assert_frame_equal(result.price_forecast, again.price_forecast)
    pf = result.price_forecast
    assert pf.index.equals(pd.DatetimeIndex(interval_starts_utc(DAYS[3], 5)).tz_convert("UTC"))
    assert pf.index.name == "interval_start_utc" and str(pf.index.tz) == "UTC"
    dam = dam_hourly(tables[3][1], "HB_WEST")
    np.testing.assert_allclose(pf["dam_usd_per_mwh"], dam.reindex(pf.index.floor("h")).to_numpy())  # published DAM
    labels = [f"q{round(100 * q):02d}" for q in FORECAST_QUANTILES]
    assert labels == ["q10", "q50", "q90"]
    for stat in ["mean", *labels]:
        np.testing.assert_allclose(
            pf[f"price_{stat}_usd_per_mwh"], pf["dam_usd_per_mwh"] + pf[f"spread_{stat}_usd_per_mwh"], atol=1e-9
        )
    assert (pf["spread_q10_usd_per_mwh"] <= pf["spread_q50_usd_per_mwh"]).all()
    assert (pf["spread_q50_usd_per_mwh"] <= pf["spread_q90_usd_per_mwh"]).all()
    assert (pf["spread_q10_usd_per_mwh"] < pf["spread_q90_usd_per_mwh"]).mean() > 0.99  # a real spread of paths
    assert np.isfinite(pf.to_numpy()).all()
    summary = result.to_dict()["price_forecast"]
    assert summary["n_intervals"] == 288 and summary["quantiles"] == list(FORECAST_QUANTILES)
    assert summary["day_mean_price_usd_per_mwh"] == pytest.approx(pf["price_mean_usd_per_mwh"].mean())


def test_fitted_forecast_is_finite_and_within_the_market_bounds(tables, result) -> None:  # type: ignore[no-untyped-def]
    """The NUTS fit's forecast (draws differ between machines): finite and within the offer floor and cap."""
    from hayeknet.ercot.market_rules import energy_price_bounds

    low, high = energy_price_bounds(DAYS[3])
    prices = result.price_forecast[[c for c in result.price_forecast if c.startswith("price_")]].to_numpy()
    assert np.isfinite(result.price_forecast.to_numpy()).all()
    assert (prices >= low).all() and (prices <= high).all()


@pytest.mark.parametrize("nu", [1.05, 1.5, 3.0])
def test_predictive_prices_stay_within_the_market_bounds_over_many_seeds(tables, nu: float) -> None:  # type: ignore[no-untyped-def]
    """Property: whatever the seed and however heavy the Student-t tail (nu near 1: sinh of a draw overflows
    without the bound), every simulated price lies within the day's offer floor and system-wide cap and every
    forecast column is finite."""
    from hayeknet.beliefs.model import simulate_paths
    from hayeknet.beliefs.next_day import bounded_paths_usd
    from hayeknet.ercot.calendar import interval_starts_utc
    from hayeknet.ercot.market_rules import energy_price_bounds

    data = training_data(
        pd.concat([interval_quantities(t, "HB_WEST", "HB_HUBAVG") for _, t in tables[:3]]).sort_index(),
        TINY.scales_usd_per_mwh,
    )
    model = FixedModel(n_draws=20, nu=nu, scale=2.0)
    model.n_quantities = data.n_quantities
    posterior = model.fit(data)
    starts = pd.DatetimeIndex(interval_starts_utc(DAYS[3], 5))
    dam = np.full(len(starts), 40.0)
    low, high = energy_price_bounds(DAYS[3])
    with np.errstate(over="raise", invalid="raise"):  # no overflow anywhere on the way
        for seed in range(60):
            paths = simulate_paths(posterior, starts, 4, seed=seed, dam_usd_per_mwh=dam)
            usd = bounded_paths_usd(data.transform, paths, dam, dt.date.fromisoformat(DAYS[3]))
            price = dam[None, :] + usd[..., 0]
            assert np.isfinite(usd).all(), seed
            assert price.min() >= low - 1e-9 and price.max() <= high + 1e-9, seed
            assert np.abs(usd[..., 1:]).max(initial=0.0) <= high - low + 1e-6, seed


def test_price_forecast_frame_checks_shapes() -> None:
    from hayeknet.beliefs.events import EventDataError
    from hayeknet.beliefs.next_day import price_forecast_frame

    starts = pd.date_range("2025-10-04 05:00", periods=4, freq="5min", tz="UTC")
    frame = price_forecast_frame(starts, np.full(4, 30.0), np.array([[-1.0, 0, 1, 2], [1.0, 2, 3, 4]]))
    np.testing.assert_allclose(frame["price_mean_usd_per_mwh"], [30.0, 31.0, 32.0, 33.0])
    with pytest.raises(EventDataError, match="spread"):
        price_forecast_frame(starts, np.full(4, 30.0), np.zeros((2, 3)))


def test_the_predicted_days_dam_is_read_without_its_real_time_prices(tables, model, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The predicted day's published DAM may be used (known the day before); its real-time rows never
    matter: wild RT prices there change nothing."""
    from hayeknet.pipeline.stages.beliefs import state_and_write

    settings = dataclasses.replace(TINY, history_days=1, paths_per_draw=1)
    wild = tables[3][1].copy()
    wild.loc[wild["market"] != "DAM", "price"] = 5000.0  # the predicted day's real-time prices: must not leak
    stated = state_and_write(
        tables[2:3], DAYS[2], tmp_path / "b", "HB_WEST", THRESHOLDS, settings, dam_table=wild, model=model
    )
    assert stated.dam_source.startswith("published")
    direct = run_beliefs_day(tables[2:3], DAYS[3], "HB_WEST", THRESHOLDS, settings, model=model, dam_table=tables[3][1])
    pd.testing.assert_frame_equal(stated.price_forecast, direct.price_forecast)
    assert stated.next_day == pytest.approx(direct.next_day, abs=1e-12)
    persistence = state_and_write(tables[2:3], DAYS[2], tmp_path / "p", "HB_WEST", THRESHOLDS, settings, model=model)
    assert persistence.dam_source.startswith("last history day")


def test_fifteen_minute_prices_without_a_hub_state_two_events(model, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A day with only settlement point prices (NP6-905-CD) at a hub average: the model runs at 15 minutes on
    the spread alone, states high price and imbalance (and their joint), and says why congestion is not stated."""
    tables = []
    for day in DAYS[:3]:
        files = write_synthetic_day(
            day, tmp_path, default_catalogue(0), seed=20251001, reports=["NP6-905-CD", "NP4-190-CD"]
        )
        tables.append((day, parse_files(files)))
    settings = dataclasses.replace(TINY, history_days=2, paths_per_draw=1)
    result = run_beliefs_day(
        tables[:2],
        DAYS[2],
        "HB_HUBAVG",
        THRESHOLDS,
        settings,
        hub=None,
        hub_note="congestion not stated: a hub average has no basis",
    )
    assert result.interval_minutes == 15 and len(result.price_forecast) == 96
    assert set(result.next_day) == {"A", "B", "AB"} and result.coherence["next_day"].coherent
    stated = result.to_dict()
    assert stated["congestion"] == {"stated": False, "note": "congestion not stated: a hub average has no basis"}
    assert "congestion" not in stated["next_day"] and stated["hub"] is None
    assert set(result.hourly.columns) == {"local_hour", "A", "B", "AB"}
    assert result.posterior_summary["quantities"] == ["spread"]
