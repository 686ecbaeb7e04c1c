"""The PPO agent under the evaluation protocol (ADR 0020): trained on the tuning window's days only, each day as
it was known before it, then frozen and run walk-forward beside the strategies, back at its starting SOC."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hayeknet.agents.real_days import AGENT, RETRAINED, agent_factory, train_on_tuning_window, training_days
from hayeknet.agents.training import read_registry
from hayeknet.battery.spec import BatterySpec
from hayeknet.battery.walk_forward import EvaluationError, EvaluationSettings, RealDay, Window, walk_forward
from hayeknet.ercot.calendar import interval_starts_utc
from hayeknet.params import TrainParams

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "real" / "hb_hubavg_2024"
SPEC = BatterySpec(location="HB_HUBAVG")
SETTINGS = EvaluationSettings(spread_bins=5, spread_atoms=20, min_history_days=5)
TINY = TrainParams(timesteps_per_day=0, n_envs=1, n_steps=64, batch_size=32, n_epochs=1, seed=3)
TUNING = Window(dt.date(2024, 3, 1), dt.date(2024, 3, 14))
EVALUATION = Window(dt.date(2024, 3, 15), dt.date(2024, 3, 17))


@pytest.fixture(scope="module")
def days() -> list[RealDay]:
    """Synthetic hub days in the report files' shape (15-minute RT, hourly DAM): no real data needed."""
    from hayeknet.ercot.synthetic_calibration import synthetic_hub_days

    hub = synthetic_hub_days(TUNING.start, EVALUATION.end, seed=11)
    return [
        RealDay(
            d,
            pd.Series(hub.rt[i], index=interval_starts_utc(d, 15)),
            pd.Series(hub.dam[i], index=interval_starts_utc(d, 60)),
        )
        for i, d in enumerate(hub.days)
    ]


def test_training_days_know_only_what_was_published_before_each_day(days: list[RealDay]) -> None:
    agent_days = training_days(days, TUNING, SETTINGS)
    assert [d.label for d in agent_days] == [d.day.isoformat() for d in days if d.day in TUNING]
    for i, known in enumerate(agent_days):
        assert known.reference_is_dam
        if i < SETTINGS.min_history_days:
            assert known.spread_model is None
        else:
            assert known.spread_model is not None and known.spread_model.last_day < dt.date.fromisoformat(known.label)
        if i:
            np.testing.assert_array_equal(known.previous_usd_per_mwh, days[i - 1].rt.to_numpy(float))
        # the day's EnKF mean, filtered from the day's own prices (the agent reads t - 1 at t)
        assert (
            known.enkf_mean_usd_per_mwh is not None
            and known.enkf_mean_usd_per_mwh.size == known.prices_usd_per_mwh.size
        )
    no_enkf = training_days(days, TUNING, dataclasses.replace(SETTINGS, assimilation=None))
    assert all(d.enkf_mean_usd_per_mwh is None for d in no_enkf)
    with pytest.raises(EvaluationError, match="no day of the tuning window"):
        training_days(days, Window(dt.date(2023, 1, 1), dt.date(2023, 1, 31)), SETTINGS)


def test_the_agent_trains_on_the_tuning_window_only_and_trades_the_evaluation_days_back_to_its_start_soc(
    days: list[RealDay], tmp_path: Path
) -> None:
    with pytest.raises(EvaluationError, match="must be positive"):
        train_on_tuning_window(days, TUNING, SPEC, SETTINGS, TINY, 0, tmp_path / "none")
    record = train_on_tuning_window(days, TUNING, SPEC, SETTINGS, TINY, 128, tmp_path / "agent")
    registry = read_registry(record.checkpoint)
    assert registry is not None and registry["total_timesteps"] == record.total_timesteps >= 128
    assert registry["days_seen"] == [d.day.isoformat() for d in days if d.day in TUNING]
    assert registry["dt_hours"] == pytest.approx(0.25)

    frame = walk_forward(
        days, EVALUATION, ("dam_schedule",), SPEC, SETTINGS, extra={AGENT: agent_factory(tmp_path / "agent")}
    )
    agent = frame[frame["strategy"] == AGENT].set_index("day")
    assert list(agent.index) == ["2024-03-15", "2024-03-16", "2024-03-17"]
    np.testing.assert_allclose(agent["soc_end_mwh"], SPEC.soc_initial_mwh, atol=1e-6)  # the end-of-day rule
    assert (agent["profit_usd"] <= agent["fair_bound_usd"] + 1e-6).all()
    pf = frame[frame["strategy"] == "perfect_foresight"].set_index("day")["profit_usd"]
    np.testing.assert_allclose(agent["pf_profit_usd"], pf)
    # frozen: a second walk over the same days trades the same way
    again = walk_forward(days, EVALUATION, (), SPEC, SETTINGS, extra={AGENT: agent_factory(tmp_path / "agent")})
    np.testing.assert_allclose(
        again[again["strategy"] == AGENT]["profit_usd"].to_numpy(), agent["profit_usd"].to_numpy()
    )


@pytest.mark.skipif(not REAL.is_dir(), reason=f"real 2024 HB_HUBAVG reports not found at {REAL}")
def test_hayeknet_evaluate_trains_and_reports_the_agent_with_what_it_was_trained_on(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    from hayeknet.cli import main

    out = tmp_path / "evaluation"
    argv = ["evaluate", "--data", str(REAL), "--tuning", "2024-02-25:2024-03-26", "--evaluation"]
    argv += ["2024-03-27:2024-03-28", "--strategies", "dam_schedule", "--agent-timesteps", "256"]
    retrain = ["--agent-retrain-every", "1", "--agent-retrain-timesteps", "64"]
    assert main([*argv, *retrain, "--workers", "1", "--out", str(out)]) == 0
    assert f"| {AGENT} |" in capsys.readouterr().out
    frame = pd.read_csv(out / "days.csv")
    assert set(frame["strategy"]) == {"perfect_foresight", "dam_schedule", AGENT, RETRAINED}
    blocks = json.loads((out / "settings.json").read_text())["agent"]["retrained"]["blocks"]
    assert [b["last_day_seen"] for b in blocks] == ["2024-03-26", "2024-03-27"]
    assert (out / "agent-retrained" / "block-2024-03-28" / "model.zip").is_file()
    assert main([*argv[:-2], *retrain, "--out", str(tmp_path / "refused")]) == 2  # retraining needs the agent
    assert "give both" in capsys.readouterr().err
    agent = json.loads((out / "settings.json").read_text())["agent"]
    assert agent["trained_on"] == "2024-02-25..2024-03-26" and agent["frozen_during_evaluation"] is True
    assert agent["first_day"] == "2024-02-25" and agent["last_day"] == "2024-03-26" and agent["days_seen"] == 31
    registry = read_registry(out / "agent" / "model.zip")
    assert registry is not None and registry["parameters_sha256"] == agent["parameters_sha256"]


def test_the_retrained_agent_learns_only_from_days_before_each_block(days: list[RealDay], tmp_path: Path) -> None:
    """Blocks of two evaluation days: the first trades with the tuning window's agent, the second with a
    checkpoint that continued on every day before it (tuning days and the first block), never on its own."""
    from hayeknet.agents.real_days import retrain_through_window

    train_on_tuning_window(days, TUNING, SPEC, SETTINGS, TINY, 128, tmp_path / "agent")
    rows, blocks = retrain_through_window(
        days, TUNING, EVALUATION, SPEC, SETTINGS, TINY, tmp_path / "agent", 64, 2, tmp_path / "retrained"
    )
    assert [(b.first_day, b.last_day) for b in blocks] == [("2024-03-15", "2024-03-16"), ("2024-03-17", "2024-03-17")]
    assert blocks[0].checkpoint == tmp_path / "agent" and blocks[0].last_day_seen == "2024-03-14"
    second = read_registry(blocks[1].checkpoint)
    assert second is not None and second["days_seen"][-1] == "2024-03-16" < blocks[1].first_day
    assert blocks[1].total_timesteps > blocks[0].total_timesteps and blocks[1].days_seen == blocks[0].days_seen + 2
    assert set(rows["strategy"]) == {RETRAINED} and list(rows["day"]) == ["2024-03-15", "2024-03-16", "2024-03-17"]
    # the first block is the frozen agent's trading, to the cent
    frozen = walk_forward(days, EVALUATION, (), SPEC, SETTINGS, extra={AGENT: agent_factory(tmp_path / "agent")})
    frozen = frozen[frozen["strategy"] == AGENT].set_index("day")["profit_usd"]
    np.testing.assert_allclose(rows.set_index("day")["profit_usd"].iloc[:2], frozen.iloc[:2])
    with pytest.raises(EvaluationError, match="every_days >= 1"):
        retrain_through_window(days, TUNING, EVALUATION, SPEC, SETTINGS, TINY, tmp_path / "agent", 64, 0, tmp_path)


@pytest.mark.timeout(300)
@pytest.mark.skipif(not REAL.is_dir(), reason=f"real 2024 HB_HUBAVG reports not found at {REAL}")
def test_workers_after_training_in_the_parent_solve_a_mip(tmp_path: Path) -> None:
    """2024-08-02: the EnKF-anchored DAM curve dips below the burn threshold, so ``mpc_enkf``'s last re-plans
    are MILPs. Forked after PPO training in the parent, a worker spun in HiGHS forever (the stop-23 evaluation
    stopped there); workers now start from a fresh interpreter."""
    from hayeknet.battery.walk_forward import load_days

    real = load_days(REAL, "HB_HUBAVG", dt.date(2024, 7, 1), dt.date(2024, 8, 3))
    train_on_tuning_window(real, Window(dt.date(2024, 7, 1), dt.date(2024, 7, 7)), SPEC, SETTINGS, TINY, 64, tmp_path)
    window = Window(dt.date(2024, 8, 1), dt.date(2024, 8, 3))
    frame = walk_forward(real, window, ("mpc_enkf",), SPEC, SETTINGS, workers=2)
    assert len(frame[frame["strategy"] == "mpc_enkf"]) == 3
