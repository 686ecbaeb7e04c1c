"""The study's DVC metrics from the study history."""

from __future__ import annotations

import pytest

from hayeknet.research.study_metrics import daily_profit_table, study_metrics


def _day(day: str, pf: float, dam: float, brier: float | None) -> dict:
    calibration = None if brier is None else {"day": {"A": {"brier": brier, "brier_skill": 0.5}}}
    return {
        "day": day,
        "strategies": {"perfect_foresight": {"profit_usd": pf}, "mpc_dam": {"profit_usd": dam}},
        "assimilation": {"rmse_forecast_usd_per_mwh": 2.0, "rmse_analysis_usd_per_mwh": 0.5, "spread_rmse_ratio": 1.0},
        "beliefs": {"calibration_of_previous_beliefs": calibration},
    }


def test_totals_capture_and_scores() -> None:
    history = [_day("2025-10-01", 1000.0, 800.0, None), _day("2025-10-02", 3000.0, 1200.0, 0.02)]
    m = study_metrics(history)
    assert m["days"] == 2
    assert m["profit_usd"] == {"perfect_foresight": 4000.0, "mpc_dam": 2000.0}
    assert m["capture_ratio"]["mpc_dam"] == pytest.approx(0.5)
    assert m["forecast"]["rmse_forecast_usd_per_mwh"] == 2.0
    assert m["beliefs"]["days_scored"] == 1 and m["beliefs"]["brier"]["high_price"] == 0.02
    assert m["beliefs"]["brier"]["imbalance"] is None
    assert m["daily"]["2025-10-02"]["mpc_dam"] == 1200.0
    table = daily_profit_table(history)
    assert list(table.index) == ["2025-10-01", "2025-10-02"] and table.index.name == "day"


def test_a_strategy_that_ran_on_fewer_days_is_measured_on_those_days() -> None:
    """storage_value waits for a fitted spread model: its capture divides by the bound of the days it traded."""
    history = [_day("2025-10-01", 1000.0, 800.0, None), _day("2025-10-02", 3000.0, 1200.0, None)]
    history[1]["strategies"]["storage_value"] = {"profit_usd": 2400.0}
    m = study_metrics(history)
    assert m["capture_ratio"]["storage_value"] == pytest.approx(0.8)  # not 2400 / 4000
    assert m["capture_ratio"]["mpc_dam"] == pytest.approx(0.5)
    assert m["days_run"] == {"perfect_foresight": 2, "mpc_dam": 2, "storage_value": 1}


def test_no_positive_bound_gives_no_ratio() -> None:
    assert study_metrics([_day("2025-10-01", 0.0, -5.0, None)])["capture_ratio"]["mpc_dam"] is None


def test_claim_scores_come_from_the_last_day() -> None:
    scores = {
        "claim_types": {
            "probability": {"n": 4, "brier": 0.12},
            "interval": {"n": 3, "coverage": 2 / 3, "level": 0.8},
            "coverage": {"by_claim": {"enkf_one_step_2sigma": {"n": 576, "coverage": 0.9, "level": 0.954}}},
        }
    }
    history = [_day("2025-10-02", 1.0, 1.0, None) | {"prediction_scores": scores}, _day("2025-10-01", 1.0, 1.0, None)]
    claims = study_metrics(history)["claims"]
    assert claims["probability"] == {"n": 4, "brier": 0.12}
    assert claims["interval"]["coverage"] == pytest.approx(2 / 3) and claims["enkf_coverage"]["n"] == 576
    assert study_metrics([_day("2025-10-01", 1.0, 1.0, None)])["claims"]["interval"]["n"] == 0
