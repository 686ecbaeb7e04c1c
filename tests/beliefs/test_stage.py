"""The belief model on three small synthetic days: probabilities, coherence, diagnostics, reuse.

Uses tiny draws (2 chains x 40) so the module stays short; convergence is not
asserted, only that R-hat and ESS are recorded and the rule is applied.
"""

from __future__ import annotations

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
from hayeknet.beliefs.model import BeliefModel, SamplerSettings, training_data
from hayeknet.beliefs.stage import BeliefSettings, run_beliefs_day, thresholds_from_params
from hayeknet.ercot.locations import default_catalogue
from hayeknet.ercot.parse import parse_files
from hayeknet.ercot.synthetic import write_synthetic_day

DAYS = ["2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04"]
THRESHOLDS = EventThresholds(high_price_usd_per_mwh=45.0, imbalance_usd_per_mwh=8.0, congestion_usd_per_mwh=4.0)
TINY = BeliefSettings(history_days=3, paths_per_draw=2, sampler=SamplerSettings(chains=2, draws=40, tune=40, seed=3))


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, pd.DataFrame]]:
    root = Path(tmp_path_factory.mktemp("raw"))
    out = []
    for day in DAYS:
        files = write_synthetic_day(day, root, default_catalogue(0), seed=20251001,
                                    reports=["NP6-788-CD", "NP4-190-CD"])
        out.append((day, parse_files(files)))
    return out


@pytest.fixture(scope="module")
def model() -> BeliefModel:
    return BeliefModel(TINY.sampler)


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
    assert set(payload["next_day"]) == {"high_price", "imbalance", "congestion", "high_price&imbalance",
                                        "high_price&congestion", "imbalance&congestion",
                                        "high_price&imbalance&congestion"}


def test_refit_reuses_compiled_model_and_reproduces(tables, model, result) -> None:  # type: ignore[no-untyped-def]
    again = run_beliefs_day(tables, DAYS[3], "HB_WEST", THRESHOLDS, TINY, model=model, dam_table=tables[3][1])
    assert again.diagnostics.reused_compiled_model
    assert again.next_day == pytest.approx(result.next_day, abs=1e-12)
    # Other data, same compiled model: fits without recompiling, different beliefs.
    other = run_beliefs_day(tables[:2], DAYS[2], "HB_WEST", THRESHOLDS,
                            BeliefSettings(history_days=2, paths_per_draw=1, sampler=TINY.sampler), model=model)
    assert other.n_history_intervals < result.n_history_intervals
    assert other.dam_source.startswith("last history day")


def test_no_look_ahead_and_calibration_scoring(tables, result) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="no history day"):
        run_beliefs_day(tables, DAYS[0], "HB_WEST", THRESHOLDS, TINY)
    realized = interval_events(interval_quantities(tables[3][1], "HB_WEST"), THRESHOLDS)
    scored = score_day(result.next_day, realized, result.hourly[list(EVENT_KEYS)])
    assert scored["n_intervals"] == 288
    assert all(0.0 <= v["brier"] <= 1.0 for v in scored["day"].values())


def test_training_data_transform_round_trip(tables) -> None:  # type: ignore[no-untyped-def]
    q = interval_quantities(tables[0][1], "HB_WEST")
    data = training_data(q, (10.0, 10.0))
    x = q[["spread_usd_per_mwh", "basis_usd_per_mwh"]].to_numpy()
    np.testing.assert_allclose(data.transform.inverse(data.transform.forward(x)), x, atol=1e-9)
    assert data.y_cur.shape == data.y_prev.shape == (287, 2)


def test_settings_from_params() -> None:
    s = BeliefSettings.from_params({"history_days": 4, "draws": 100, "seed": 5, "imbalance_usd_per_mwh": 15})
    assert s.history_days == 4 and s.sampler.draws == 100 and s.sampler.seed == 5 and s.seed == 5
    t = thresholds_from_params({"imbalance_usd_per_mwh": 15}, {"high_price_usd_per_mwh": 90.0})
    assert (t.high_price_usd_per_mwh, t.imbalance_usd_per_mwh, t.congestion_usd_per_mwh) == (90.0, 15.0, 10.0)
    with pytest.raises(ValueError, match="unknown key"):
        BeliefSettings.from_params({"histroy_days": 4})


def test_stage_files_and_walk_forward_scoring(tables, model, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from hayeknet.archive.store import write_day
    from hayeknet.beliefs.stage import BELIEFS_FILE, CALIBRATION_FILE, HOURLY_FILE, run_beliefs_stage

    archive = tmp_path / "archive"
    for day, table in tables:
        write_day(archive, day, table, {"source": "synthetic test"})
    settings = BeliefSettings(history_days=2, paths_per_draw=1, sampler=TINY.sampler)
    first = run_beliefs_stage(archive, DAYS[1], tmp_path / "b1", "HB_WEST", THRESHOLDS, settings, model=model)
    assert first.day == dt.date.fromisoformat(DAYS[2])
    assert first.history_days == tuple(dt.date.fromisoformat(d) for d in DAYS[:2])
    assert sorted(p.name for p in (tmp_path / "b1").iterdir()) == sorted([BELIEFS_FILE, HOURLY_FILE])
    second = run_beliefs_stage(archive, DAYS[2], tmp_path / "b2", "HB_WEST", THRESHOLDS, settings,
                               previous_beliefs_file=tmp_path / "b1" / BELIEFS_FILE, use_published_dam=True,
                               model=model)
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
    files = write_synthetic_day("2025-11-01", tmp_path, default_catalogue(0), seed=7,
                                reports=["NP6-788-CD", "NP4-190-CD"])
    history = [("2025-11-01", parse_files(files))]
    settings = BeliefSettings(history_days=1, paths_per_draw=1, sampler=TINY.sampler)
    result = run_beliefs_day(history, "2025-11-02", "HB_WEST", THRESHOLDS, settings, model=model)
    assert len(result.hourly) == 25
    assert result.hourly["local_hour"].tolist().count(1) == 2  # 01:00-02:00 local happens twice
    assert result.coherence["next_day"].coherent
