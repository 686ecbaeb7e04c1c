"""The simulate stage's ``mpc_beliefs``: the beliefs stated the study day before, walk-forward, with a
recorded fallback to the DAM forecast when there are none."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hayeknet.battery.lineup import DayInformation, make_strategy
from hayeknet.battery.mpc import ArrayForecast, DayAheadForecast, NaiveForecast
from hayeknet.battery.spec import BatterySpec
from hayeknet.battery.strategies import StrategyContext, run_strategy
from hayeknet.beliefs.next_day import price_forecast_frame
from hayeknet.config import ProjectPaths
from hayeknet.ercot.calendar import interval_starts_utc
from hayeknet.params import load_params
from hayeknet.pipeline.context import StageContext
from hayeknet.pipeline.days import write_days_file
from hayeknet.pipeline.stages.beliefs import BELIEFS_FILE, PRICE_FORECAST_FILE
from hayeknet.pipeline.stages.simulate import BELIEFS_PRICE_COLUMN, BELIEFS_SPREAD_COLUMN, beliefs_price_path

ROOT = Path(__file__).resolve().parents[2]
FIRST, DAY = "2025-10-01", "2025-10-02"
SPEC = BatterySpec()
DT_HOURS = 5.0 / 60.0
STARTS = pd.DatetimeIndex(interval_starts_utc(DAY, 5)).tz_convert("UTC")
HOURS = pd.DatetimeIndex(STARTS.floor("h").unique())


@pytest.fixture()
def ctx(tmp_path: Path) -> StageContext:
    shutil.copy(ROOT / "tests" / "params.tiny.yaml", tmp_path / "params.yaml")
    shutil.copy(ROOT / "dvc.yaml", tmp_path / "dvc.yaml")
    paths = ProjectPaths(tmp_path)
    write_days_file(paths.days_file, [dt.date.fromisoformat(FIRST), dt.date.fromisoformat(DAY)])
    return StageContext(paths, load_params(paths.params_file))


def _dam(level: float = 30.0) -> pd.Series:
    return pd.Series(level + 15 * np.sin(np.arange(len(HOURS)) / len(HOURS) * 2 * np.pi), index=HOURS)


def _state_beliefs(ctx: StageContext, on: str, about: str, spread_shift: float = 0.0) -> pd.DataFrame:
    """Beliefs written on ``on`` about ``about``: paths of a spread with a known median, DAM 20 $/MWh."""
    rng = np.random.default_rng(0)
    paths = rng.normal(0.0, 5.0, (200, len(STARTS))) + np.sin(np.arange(len(STARTS)) / 20) * 4 + spread_shift
    frame = price_forecast_frame(STARTS, np.full(len(STARTS), 20.0), paths)
    folder = ctx.paths.beliefs / on
    folder.mkdir(parents=True)
    (folder / BELIEFS_FILE).write_text(json.dumps({"day": about}))
    frame.to_parquet(folder / PRICE_FORECAST_FILE)
    return frame


def mpc_beliefs(ctx: StageContext, day: str, dam: pd.Series | None, filtered_mean: pd.Series):  # type: ignore[no-untyped-def]
    """The simulate stage's ``mpc_beliefs`` of ``day``: the lineup's strategy on the beliefs path of the day before."""
    path, note = beliefs_price_path(ctx, day, dam)
    info = DayInformation(dam_hourly=dam, enkf_mean=filtered_mean, beliefs_path=path, beliefs_note=note)
    return make_strategy("mpc_beliefs", info)


def test_first_study_day_falls_back_to_the_dam_forecast(ctx: StageContext) -> None:
    strategy, meta = mpc_beliefs(ctx, FIRST, _dam(), pd.Series(dtype=float))
    assert isinstance(strategy.forecaster, DayAheadForecast) and strategy.name == "mpc_dam"
    assert meta["forecast"] == "dam" and meta["forecast_fallback"] is True
    assert "first study day" in meta["forecast_note"]
    strategy, meta = mpc_beliefs(ctx, FIRST, None, pd.Series(dtype=float))
    assert isinstance(strategy.forecaster, NaiveForecast) and meta["forecast"] == "naive"


def test_beliefs_of_the_day_before_are_dam_plus_their_median_spread(ctx: StageContext) -> None:
    frame = _state_beliefs(ctx, FIRST, DAY)
    path, note = beliefs_price_path(ctx, DAY, _dam())
    assert path is not None and path.index.equals(STARTS)
    expected = _dam().reindex(STARTS.floor("h")).to_numpy() + frame[BELIEFS_SPREAD_COLUMN].to_numpy()
    np.testing.assert_allclose(path.to_numpy(), expected)
    assert f"beliefs@{FIRST}" in note and BELIEFS_SPREAD_COLUMN in note
    # Without the day's DAM: the beliefs' own price column (their DAM + the same spread statistic).
    path, note = beliefs_price_path(ctx, DAY, None)
    assert path is not None
    np.testing.assert_allclose(path.to_numpy(), frame[BELIEFS_PRICE_COLUMN].to_numpy())
    np.testing.assert_allclose(path.to_numpy(), 20.0 + frame[BELIEFS_SPREAD_COLUMN].to_numpy())


def test_mpc_beliefs_runs_on_the_day_and_records_its_source(ctx: StageContext) -> None:
    _state_beliefs(ctx, FIRST, DAY, spread_shift=3.0)
    rng = np.random.default_rng(4)
    prices = pd.Series(_dam().reindex(STARTS.floor("h")).to_numpy() + rng.normal(0, 4, len(STARTS)), index=STARTS)
    filtered = prices.rolling(3, min_periods=1).mean()
    strategy, meta = mpc_beliefs(ctx, DAY, _dam(), filtered)
    assert isinstance(strategy.forecaster, ArrayForecast)
    assert meta == {"forecast": "beliefs", "forecast_fallback": False, "forecast_note": meta["forecast_note"]}
    assert f"beliefs@{FIRST}" in meta["forecast_note"]
    ledger = run_strategy(strategy, prices, SPEC, StrategyContext(DT_HOURS))
    assert len(ledger) == len(STARTS)
    assert ledger["soc_end_mwh"].iloc[-1] == pytest.approx(SPEC.soc_initial_mwh, abs=1e-6)
    # The summary entry must stay flat scalars (results schema: number, null, string or boolean).
    assert all(v is None or isinstance(v, (str, bool, int, float)) for v in meta.values())


@pytest.mark.parametrize("case", ["other_day", "no_forecast_file", "no_folder"])
def test_beliefs_not_about_the_day_fall_back(ctx: StageContext, case: str) -> None:
    if case == "other_day":
        _state_beliefs(ctx, FIRST, "2025-09-30")
    elif case == "no_forecast_file":
        _state_beliefs(ctx, FIRST, DAY)
        (ctx.paths.beliefs / FIRST / PRICE_FORECAST_FILE).unlink()
    path, note = beliefs_price_path(ctx, DAY, _dam())
    assert path is None
    strategy, meta = mpc_beliefs(ctx, DAY, _dam(), pd.Series(dtype=float))
    assert isinstance(strategy.forecaster, DayAheadForecast)
    assert meta["forecast"] == "dam" and meta["forecast_fallback"] is True
    note = {"other_day": "predicted 2025-09-30", "no_forecast_file": "no price forecast", "no_folder": "missing"}[case]
    assert note in meta["forecast_note"]
