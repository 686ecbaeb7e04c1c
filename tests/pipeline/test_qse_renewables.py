"""Real renewables or none (issue 12): the QSE days of the train and simulate stages.

A day of real data (an archive partition ingested from the recorded MIS
responses of 2026-09-29, prices and the NP4-732-CD / NP4-737-CD postings of
``tests/fixtures/recorded``) gets ERCOT's wind and solar output from its
``generation.parquet`` (:func:`renewable_profiles`, as-of forecast); without
postings the solar and wind QSEs are off and the battery runs alone, saying
why; a synthetic day keeps its synthetic profiles; and no path asks the
synthetic market for renewables on a real day.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hayeknet.agents.qse as qse_package
import hayeknet.agents.qse.day as qse_day_module
import hayeknet.ercot.synthetic as synthetic_package
import hayeknet.ercot.synthetic.market as synthetic_market
from hayeknet.agents.evaluation import evaluate_qse_day
from hayeknet.agents.multi_training import init_qse_models
from hayeknet.agents.qse import AGENTS, ParallelQSEEnv, QSEEnvConfig, qse_day_from_prices, renewable_forecast
from hayeknet.archive.ingest import ingest_day
from hayeknet.archive.store import GENERATION_FILE, read_generation
from hayeknet.config import ProjectPaths
from hayeknet.ercot.calendar import interval_starts_utc
from hayeknet.ercot.collectors import CollectOptions, collect_day
from hayeknet.ercot.collectors.http import HttpResponse, ReplayTransport
from hayeknet.ercot.generation import renewable_profiles
from hayeknet.ercot.generation.table import day_ahead_cutoff_utc
from hayeknet.params import TrainParams, load_params
from hayeknet.pipeline.context import StageContext
from hayeknet.pipeline.days import write_days_file
from hayeknet.pipeline.stages import train

ROOT = Path(__file__).resolve().parents[2]
RECORDED = ROOT / "tests" / "fixtures" / "recorded"
PRICES = ("NP6-788-CD", "NP6-905-CD", "NP4-190-CD", "NP4-188-CD", "NP6-331-CD")
GENERATION = ("NP4-732-CD", "NP4-737-CD")
REAL_DAY = "2026-09-29"  # the day of the recorded MIS price and generation postings
SYNTHETIC_DAY = "2025-10-01"
PARAMS = TrainParams(timesteps_per_day=64, n_envs=1, n_steps=32, batch_size=32, n_epochs=1, seed=3)


def _replay(*folders: str) -> ReplayTransport:
    recordings = []
    for folder in folders:
        cassette = RECORDED / folder / "cassette.json"
        for item in json.loads(cassette.read_text())["interactions"]:
            body = (cassette.parent / item["response"]["body_file"]).read_bytes()
            recordings.append((item["request"]["method"], item["request"]["url"], HttpResponse(200, {}, body)))
    return ReplayTransport(recordings)


def _context(root: Path, days: list[str]) -> StageContext:
    root.mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "params.tiny.yaml", root / "params.yaml")
    shutil.copy(ROOT / "dvc.yaml", root / "dvc.yaml")
    paths = ProjectPaths(root)
    write_days_file(paths.days_file, [dt.date.fromisoformat(d) for d in days])
    return StageContext(paths, load_params(paths.params_file))


def _real_context(root: Path, with_generation: bool) -> StageContext:
    """A project whose only study day is the recorded real day, ingested with or without its postings."""
    ctx = _context(root, [REAL_DAY])
    reports = (*PRICES, *GENERATION) if with_generation else PRICES
    options = CollectOptions(transport=_replay("mis", "mis_generation"), sleep=lambda s: None, reports=reports)
    collect_day("mis", dt.date.fromisoformat(REAL_DAY), ctx.paths.raw, options)
    ingest_day(ctx.paths.raw, REAL_DAY, ctx.paths.archive, collected_from="mis")
    assert (ctx.paths.archive_day(REAL_DAY) / GENERATION_FILE).exists() is with_generation
    return ctx


@pytest.fixture()
def no_synthetic_renewables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every way to the synthetic renewables raises: a real day must never reach them."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("synthetic renewables asked for on a day of real data")

    for module in (synthetic_package, synthetic_market):
        monkeypatch.setattr(module, "synthetic_renewables", refuse)
    for module in (qse_package, qse_day_module):
        monkeypatch.setattr(module, "synthetic_renewable_profiles", refuse)


def _prices(day: str) -> tuple[pd.Series, pd.Series]:
    """Made-up RT and DAM prices on the day's grid (the profiles are what these tests are about)."""
    idx = pd.DatetimeIndex(interval_starts_utc(day, 5)).tz_convert("UTC")
    rt = pd.Series(30.0 + 20.0 * np.sin(np.arange(len(idx)) / 40.0), index=idx)
    hours = pd.DatetimeIndex(idx.floor("h").unique())
    return rt, pd.Series(32.0 + 10.0 * np.cos(np.arange(len(hours)) / 4.0), index=hours)


def test_a_real_day_with_postings_gets_the_real_profiles(tmp_path: Path, no_synthetic_renewables: None) -> None:
    ctx = _real_context(tmp_path / "real", with_generation=True)
    profiles = train.qse_renewables(ctx, REAL_DAY, ctx.params_for("train"))
    table = read_generation(ctx.paths.archive, REAL_DAY)
    assert table is not None
    # no earlier study day: the capacity is the day's peak as-of forecast, published before the day
    capacity = {
        r: float(table.loc[(table["resource"] == r) & (table["region"] == "SYSTEM_WIDE"), "forecast_mw"].max())
        for r in ("solar", "wind")
    }
    expected = renewable_profiles(table, REAL_DAY, capacity_mw=capacity)
    day = qse_day_from_prices(REAL_DAY, *_prices(REAL_DAY), profiles)
    assert day.agents == AGENTS
    hour_of = pd.DatetimeIndex(day.interval_start_utc).floor("h")
    cutoff = day_ahead_cutoff_utc(dt.date.fromisoformat(REAL_DAY))
    for resource in ("solar", "wind"):
        want = expected[resource]
        assert want.available and profiles[resource].capacity_mw == pytest.approx(capacity[resource])
        assert want.actual_frac is not None and want.forecast_frac is not None
        np.testing.assert_allclose(day.actual_frac(resource), want.actual_frac.reindex(hour_of).to_numpy())
        np.testing.assert_allclose(day.forecast_frac(resource), want.forecast_frac.reindex(hour_of).to_numpy())
        # the forecast the agents observe is the as-of one (posted before 10:00 the day before), never the actual
        rows = table[(table["resource"] == resource) & (table["region"] == "SYSTEM_WIDE")]
        assert (rows["forecast_published_utc"] < cutoff).all()
        as_of = rows.set_index("interval_start_utc")["forecast_mw"].reindex(hour_of).to_numpy() / capacity[resource]
        np.testing.assert_allclose(day.forecast_frac(resource), np.clip(as_of, 0.0, 1.0))
        assert not np.allclose(day.forecast_frac(resource), day.actual_frac(resource))
        assert "NP4-73" in (day.note(resource) or "") and "earlier study days" in (day.note(resource) or "")
    assert train.qse_agents_note(day) == f"QSEs run on {REAL_DAY}: battery, solar, wind"


def test_a_real_day_without_postings_runs_the_battery_alone(tmp_path: Path, no_synthetic_renewables: None) -> None:
    ctx = _real_context(tmp_path / "real", with_generation=False)
    profiles = train.qse_renewables(ctx, REAL_DAY, ctx.params_for("train"))
    assert not profiles["solar"].available and not profiles["wind"].available
    day = qse_day_from_prices(REAL_DAY, *_prices(REAL_DAY), profiles)
    assert day.agents == ("battery",)
    assert day.solar_actual_frac is None and day.wind_forecast_frac is None
    note = train.qse_agents_note(day)
    assert note == (
        f"QSEs run on {REAL_DAY}: battery; solar QSE off: not collected (no NP4-737-CD posting for {REAL_DAY}); "
        f"wind QSE off: not collected (no NP4-732-CD posting for {REAL_DAY})"
    )
    # the evaluation runs the battery alone and says why the others did not run
    config = QSEEnvConfig()
    init_qse_models(PARAMS, tmp_path / "models" / "init", config)
    result = evaluate_qse_day(tmp_path / "models" / "init", day, None, config)
    assert result["agents_run"] == ["battery"] and "agent" in result["battery"]
    assert result["wind"] == {"ran": False, "reason": result["agents_not_run"]["wind"]}
    assert result["agents_not_run"]["wind"] == f"wind QSE off: not collected (no NP4-732-CD posting for {REAL_DAY})"
    assert result["solar"]["ran"] is False
    json.dumps(result)  # JSON-ready for the simulate summary
    env = ParallelQSEEnv([day], config)
    env.reset(options={"day_index": 0})
    assert env.agents == ["battery"]


def test_a_synthetic_day_keeps_its_synthetic_profiles(tmp_path: Path) -> None:
    from hayeknet.ercot.synthetic import synthetic_renewables
    from hayeknet.pipeline.collect import collect

    ctx = _context(tmp_path / "synthetic", [SYNTHETIC_DAY])
    d = dt.date.fromisoformat(SYNTHETIC_DAY)
    collect(ctx.paths, load_params(ctx.paths.params_file), d, d, update_dvc=False)
    ingest_day(ctx.paths.raw, SYNTHETIC_DAY, ctx.paths.archive, collected_from="synthetic")
    seed = ctx.params_for("train").study.seed
    day = qse_day_from_prices(
        SYNTHETIC_DAY, *_prices(SYNTHETIC_DAY), train.qse_renewables(ctx, SYNTHETIC_DAY, ctx.params_for("train"))
    )
    assert day.agents == AGENTS
    # what qse_day_from_prices computed before it took the profiles explicitly
    ren = synthetic_renewables(d, seed)
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, d.toordinal(), 55])
    solar, wind = ren["solar_frac"].to_numpy(), ren["wind_frac"].to_numpy()
    np.testing.assert_array_equal(day.solar_actual_frac, solar)
    np.testing.assert_array_equal(day.solar_forecast_frac, renewable_forecast(solar, rng))
    np.testing.assert_array_equal(day.wind_actual_frac, wind)
    np.testing.assert_array_equal(day.wind_forecast_frac, renewable_forecast(wind, rng))
    assert "synthetic" in (day.note("wind") or "")
