"""The evaluation protocol: windows that refuse to be tuned on what they report, walk-forward history, the
bound and the baseline in every table, intervals over days, and ``hayeknet evaluate`` end to end on real days."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hayeknet.battery.spec import BatterySpec
from hayeknet.battery.walk_forward import (
    EvaluationError,
    EvaluationSettings,
    Window,
    check_strategies,
    check_windows,
    evaluate_day,
    load_days,
    summarize_results,
    walk_forward,
)
from hayeknet.params import ParamsError, params_from_mapping

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "real" / "hb_hubavg_2024"
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason=f"real 2024 HB_HUBAVG reports not found at {REAL}")
SPEC = BatterySpec(location="HB_HUBAVG")
D = dt.date


def test_windows_refuse_overlap_a_backward_order_and_tuning_on_held_out_days() -> None:
    with pytest.raises(EvaluationError, match="overlap"):
        check_windows(Window(D(2024, 1, 1), D(2024, 7, 1)), Window(D(2024, 7, 1), D(2024, 12, 31)))
    with pytest.raises(EvaluationError, match="comes before"):
        check_windows(Window(D(2024, 7, 1), D(2024, 12, 31)), Window(D(2024, 1, 1), D(2024, 6, 30)))
    with pytest.raises(EvaluationError, match="held out"):
        check_windows(Window(D(2024, 7, 1), D(2025, 1, 1)), Window(D(2025, 2, 1), D(2025, 3, 1)))
    check_windows(Window(D(2024, 1, 1), D(2024, 6, 30)), Window(D(2024, 7, 1), D(2025, 6, 30)))
    assert Window.parse("2024-07-01..2024-12-31") == Window(D(2024, 7, 1), D(2024, 12, 31))
    with pytest.raises(EvaluationError, match="expected FIRST:LAST"):
        Window.parse("2024-07-01")
    with pytest.raises(EvaluationError, match="ends before it starts"):
        Window.parse("2024-07-02:2024-07-01")


def test_params_refuse_overlapping_windows_by_name() -> None:
    raw = {"study": {"start": "2025-10-01", "end": "2025-10-02"}}
    assert params_from_mapping(raw).evaluation.tuning_end == D(2024, 6, 30)
    bad = raw | {"evaluation": {"tuning_end": "2024-08-31"}}
    with pytest.raises(ParamsError, match="overlap"):
        params_from_mapping(bad)
    with pytest.raises(ParamsError, match="tuning_end must be before 2025-01-01"):
        params_from_mapping(
            raw
            | {
                "evaluation": {
                    "tuning_end": "2025-01-31",
                    "evaluation_start": "2025-02-01",
                    "evaluation_end": "2025-03-01",
                }
            }
        )


def test_strategies_that_need_the_pipeline_are_refused_and_the_bound_is_implicit() -> None:
    assert check_strategies(["perfect_foresight", "dam_schedule"]) == ("dam_schedule",)
    with pytest.raises(EvaluationError, match="needs the pipeline's beliefs"):
        check_strategies(["mpc_beliefs"])
    assert check_strategies(["mpc_enkf"]) == ("mpc_enkf",)  # the evaluation runs the EnKF on each day
    with pytest.raises(EvaluationError, match="runs without it"):
        check_strategies(["mpc_enkf"], with_enkf=False)
    with pytest.raises(EvaluationError, match="unknown strategy 'nope'"):
        check_strategies(["nope"])


@pytest.fixture(scope="module")
def spring() -> list:
    return load_days(REAL, "HB_HUBAVG", D(2024, 2, 25), D(2024, 3, 28))


@needs_real
def test_a_day_is_never_evaluated_with_itself_in_its_history(spring: list) -> None:
    with pytest.raises(EvaluationError, match="on or after it"):
        evaluate_day(spring[5], spring[:6], ("dam_schedule",), SPEC, EvaluationSettings())


@needs_real
def test_walk_forward_on_real_days_keeps_the_bound_and_the_baseline_honest(spring: list) -> None:
    window = Window(D(2024, 3, 26), D(2024, 3, 28))  # 30 earlier days: the spread model is fitted
    names = ("dam_schedule", "storage_value", "percentile_threshold", "mpc_enkf")
    frame = walk_forward(spring, window, names, SPEC, EvaluationSettings(), workers=1)
    assert sorted(frame["day"].unique()) == ["2024-03-26", "2024-03-27", "2024-03-28"]
    assert set(frame["strategy"]) == {"perfect_foresight", *names}
    # the bound is the same for every strategy of a day and no strategy beats its fair bound
    assert frame.groupby("day")["pf_profit_usd"].nunique().eq(1).all()
    assert (frame["profit_usd"] <= frame["fair_bound_usd"] + 1e-6).all()
    pf = frame[frame["strategy"] == "perfect_foresight"]
    np.testing.assert_allclose(pf["profit_usd"], pf["pf_profit_usd"])
    table = summarize_results(frame, n_boot=500)
    assert table.loc["perfect_foresight", "capture"] == pytest.approx(1.0)
    assert table.loc["dam_schedule", "vs_baseline_usd_per_day"] == 0.0
    for name in table.index:
        r = table.loc[name]
        assert r.capture_lo - 1e-12 <= r.capture <= r.capture_hi + 1e-12
    sv = frame[frame["strategy"] == "storage_value"]
    assert (sv["soc_end_mwh"] >= SPEC.soc_initial_mwh - 1e-6).all()  # it ends where the bound ends, or above


@needs_real
def test_hayeknet_evaluate_writes_the_table_and_what_it_ran_on(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from hayeknet.cli import main

    out = tmp_path / "evaluation"
    rc = main(
        [
            "evaluate",
            "--data",
            str(REAL),
            "--tuning",
            "2024-02-25:2024-03-26",
            "--evaluation",
            "2024-03-27:2024-03-28",
            "--strategies",
            "dam_schedule,storage_value",
            "--workers",
            "1",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    printed = capsys.readouterr().out
    assert "| storage_value |" in printed and "| dam_schedule |" in printed
    days = pd.read_csv(out / "days.csv")
    assert set(days["strategy"]) == {"perfect_foresight", "dam_schedule", "storage_value"}
    settings = json.loads((out / "settings.json").read_text())
    assert settings["evaluation_window"] == "2024-03-27..2024-03-28"
    assert settings["tuning_window"] == "2024-02-25..2024-03-26" and settings["tuned"] is False
    assert (out / "summary.md").read_text().startswith("### HB_HUBAVG, evaluation 2024-03-27..2024-03-28")


def test_hayeknet_evaluate_refuses_overlapping_windows_before_reading_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    from hayeknet.cli import main

    rc = main(
        [
            "evaluate",
            "--data",
            str(tmp_path),
            "--tuning",
            "2024-01-01:2024-08-31",
            "--evaluation",
            "2024-08-01:2024-12-31",
        ]
    )
    assert rc == 2
    assert "overlap" in capsys.readouterr().err


@needs_real
def test_the_days_enkf_mean_at_t_has_seen_prices_up_to_t_only(spring: list) -> None:
    """``mpc_enkf`` reads the mean of t - 1 at t: the filter must not look ahead. Change the day from interval
    40 on: the filtered mean before 40 is the same to the bit; the mean tracks the day (within the spread of
    a 15-minute real-time price)."""
    import dataclasses

    from hayeknet.battery.walk_forward import day_enkf_mean
    from hayeknet.params import AssimilationParams

    day = spring[10]
    params = AssimilationParams(backend="numpy")
    mean = day_enkf_mean(day, params)
    assert mean.index.equals(day.rt.index) and np.isfinite(mean.to_numpy()).all()
    changed = day.rt.copy()
    changed.iloc[40:] += 500.0
    other = day_enkf_mean(dataclasses.replace(day, rt=changed), params)
    np.testing.assert_array_equal(other.iloc[:40].to_numpy(), mean.iloc[:40].to_numpy())
    assert not np.allclose(other.iloc[40:].to_numpy(), mean.iloc[40:].to_numpy())
    assert np.median(np.abs(mean.to_numpy() - day.rt.to_numpy())) < 5.0
