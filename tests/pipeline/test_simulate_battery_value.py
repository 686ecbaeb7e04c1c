"""The simulate stage states the day's battery value from what was published before the day (ADR 0021)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hayeknet.battery.optimize import optimize_dispatch
from hayeknet.battery.spec import BatterySpec
from hayeknet.beliefs.spread_model import SpreadDay, fit_spread_model
from hayeknet.ercot.calendar import interval_starts_utc
from hayeknet.params import load_params
from hayeknet.pipeline.stages.simulate import battery_value

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = load_params(ROOT / "tests" / "params.tiny.yaml").simulate
SPEC = BatterySpec()
DT = 5.0 / 60.0
DAY = "2025-10-05"


def _starts(day: str) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(interval_starts_utc(dt.date.fromisoformat(day), 5)).tz_convert("UTC")


def _dam(day: str) -> pd.Series:
    hours = pd.DatetimeIndex(_starts(day).floor("h").unique())
    local = np.asarray(hours.tz_convert("America/Chicago").hour)
    return pd.Series(35.0 + 20.0 * np.sin(2 * np.pi * (local - 11) / 24), index=hours)


def _spread_model():
    rng = np.random.default_rng(4)
    days = []
    for k in range(1, 5):
        day = f"2025-10-0{k}"
        starts = _starts(day)
        dam = _dam(day).reindex(starts.floor("h")).to_numpy()
        days.append(SpreadDay(dt.date.fromisoformat(day), starts, dam + rng.standard_t(3, len(starts)) * 8.0, dam))
    return fit_spread_model(days, n_bins=3, n_atoms=10)


@pytest.fixture(scope="module")
def model():
    return _spread_model()


def test_the_statement_reads_nothing_of_the_day_but_its_intervals(model) -> None:
    """Two days with the same intervals and different real-time prices get the same statement."""
    starts = _starts(DAY)
    calm = pd.Series(np.full(len(starts), 30.0), index=starts)
    spiky = pd.Series(np.where(np.arange(len(starts)) % 50 == 0, 3000.0, -10.0), index=starts)
    a = battery_value(DAY, calm, _dam(DAY), model, "fitted", SPEC, DT, SETTINGS)
    b = battery_value(DAY, spiky, _dam(DAY), model, "fitted", SPEC, DT, SETTINGS)
    assert a["stated"] and a == b
    dam_curve = _dam(DAY).reindex(starts.floor("h")).to_numpy()
    assert a["intrinsic_usd"] == pytest.approx(optimize_dispatch(dam_curve, SPEC, DT).profit_usd)
    assert a["extrinsic_usd"] >= 0.0
    assert a["n_paths"] == SETTINGS.valuation_paths
    assert a["interval_usd"][0] <= a["total_usd"] <= a["interval_usd"][1] or a["extrinsic_usd"] > 0


def test_without_a_dam_or_a_spread_model_the_value_is_not_stated_and_says_why(model) -> None:
    starts = _starts(DAY)
    prices = pd.Series(np.full(len(starts), 30.0), index=starts)
    no_dam = battery_value(DAY, prices, None, model, "fitted", SPEC, DT, SETTINGS)
    assert no_dam == {"stated": False, "note": f"not stated: no DAM price at {SPEC.location} on {DAY}"}
    no_model = battery_value(DAY, prices, _dam(DAY), None, "first study day: no beliefs", SPEC, DT, SETTINGS)
    assert not no_model["stated"] and "first study day" in no_model["note"]
    short_dam = _dam(DAY).iloc[:-3]
    partial = battery_value(DAY, prices, short_dam, model, "fitted", SPEC, DT, SETTINGS)
    assert not partial["stated"] and "does not cover" in partial["note"]
