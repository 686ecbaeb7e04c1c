"""The battery value stated before each day, walk-forward on real ERCOT days (ADR 0021)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hayeknet.battery.spec import BatterySpec
from hayeknet.battery.walk_forward import EvaluationError, EvaluationSettings, Window, load_days
from hayeknet.options.valuation_study import study_days

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "real" / "hb_hubavg_2024"
SPEC = BatterySpec(location="HB_HUBAVG")
SETTINGS = EvaluationSettings(spread_bins=7, spread_atoms=50, history_days=365, min_history_days=28)


def test_a_window_reaching_the_held_out_year_is_refused() -> None:
    with pytest.raises(EvaluationError, match="held out"):
        study_days([], Window(dt.date(2024, 12, 1), dt.date(2025, 1, 5)), SPEC, SETTINGS)


@pytest.mark.skipif(not REAL.exists(), reason="needs ../shared/real/hb_hubavg_2024")
def test_two_weeks_of_real_days_are_stated_before_and_scored_after() -> None:
    days = load_days(REAL, "HB_HUBAVG", dt.date(2024, 1, 1), dt.date(2024, 2, 14))
    window = Window(dt.date(2024, 1, 25), dt.date(2024, 2, 14))
    table, summary = study_days(days, window, SPEC, SETTINGS, n_paths=400)
    stated = table[table["stated"]]
    assert (table.loc[~table["stated"], "note"].str.contains("fewer than 28 earlier days")).all()
    assert len(stated) >= 14 and summary["days_scored"] == len(stated)
    assert (stated["extrinsic_usd"] >= 0).all()
    assert (stated["low_usd"] <= stated["high_usd"]).all()
    assert (stated["perfect_foresight_usd"] >= stated["dam_schedule_usd"] - 1e-6).all()
    covered = (stated["realised_value_usd"] >= stated["low_usd"]) & (stated["realised_value_usd"] <= stated["high_usd"])
    assert summary["days_covered"] == int(covered.sum())
    assert 0.0 <= summary["coverage"] <= 1.0 and summary["level"] == 0.9
