"""Three learners, walk-forward: checkpoints, registries, resume, reproducibility and evaluation.

Days of 48 five-minute intervals and tiny PPO rollouts (n_envs=2, n_steps=32)
keep each increment to 3 x 128 environment steps.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest
from agent_strategies import make_qse_day

from hayeknet.agents.errors import CheckpointError, PriceDataError
from hayeknet.agents.evaluation import evaluate_qse_day, walk_forward
from hayeknet.agents.market import PriceImpact
from hayeknet.agents.multi_training import (
    FrozenPolicy,
    init_qse_models,
    load_qse_models,
    train_qse_increment,
)
from hayeknet.agents.qse import AGENTS, ParallelQSEEnv, QSEDay, QSEEnvConfig
from hayeknet.params import TrainParams


def make_day(rng: np.random.Generator, label: str, n: int = 48) -> QSEDay:
    """A short day: sinusoidal prices with noise and dips, a solar bump, a wind profile."""
    return make_qse_day(rng, label, n)


PARAMS = TrainParams(timesteps_per_day=128, n_envs=2, n_steps=32, batch_size=32, n_epochs=2, seed=11)
LABELS = ["2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04"]


@pytest.fixture(scope="module")
def days() -> list[QSEDay]:
    rng = np.random.default_rng(2025)
    return [make_day(rng, label) for label in LABELS]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, days: list[QSEDay]) -> dict:
    root = tmp_path_factory.mktemp("qse_models")
    init = init_qse_models(PARAMS, root / "init")
    first = train_qse_increment(init.out_dir, days[:2], PARAMS, root / LABELS[1])
    second = train_qse_increment(first.out_dir, days[:3], PARAMS, root / LABELS[2])
    return {"root": root, "init": init, "first": first, "second": second}


def test_init_writes_three_seeded_untrained_learners(trained: dict) -> None:
    init = trained["init"]
    for agent in AGENTS:
        reg = json.loads((init.out_dir / agent / "registry.json").read_text())
        assert reg["agent"] == agent and reg["total_timesteps"] == 0 and reg["days_seen"] == []
        assert (init.out_dir / agent / "model.zip").exists()
    shas = {p.parameters_sha256 for p in init.agents.values()}
    assert len(shas) == 3  # each agent its own seed
    again = init_qse_models(PARAMS, trained["root"] / "init-again")
    assert {a: p.parameters_sha256 for a, p in again.agents.items()} == {
        a: p.parameters_sha256 for a, p in init.agents.items()
    }


def test_increments_resume_and_record_registries(trained: dict) -> None:
    first, second = trained["first"], trained["second"]
    assert second.days_seen == tuple(LABELS[:3])
    for agent in AGENTS:
        a1, a2 = first.agents[agent], second.agents[agent]
        assert a1.total_timesteps == 128 and a2.total_timesteps == 256 and a2.increment_timesteps == 128
        assert a1.parameters_sha256 != a2.parameters_sha256
        assert len(a1.episode_rewards) >= 2
        reg = json.loads(a2.registry.read_text())
        assert reg["days_seen"] == LABELS[:3] and reg["increments"] == 2
        assert set(reg["day_sha256"]) == set(LABELS[:3]) and reg["data_sha256"] == second.data_sha256
        assert reg["parameters_sha256"] == a2.parameters_sha256
        assert reg["previous_checkpoint"] == f"{LABELS[1]}/{agent}/model.zip"
        assert reg["hyperparameters"]["n_steps"] == PARAMS.n_steps
        assert reg["env_config"]["impact"]["slope_usd_per_mwh_per_mw"] == PriceImpact().slope_usd_per_mwh_per_mw
        assert set(reg["other_policies_sha256"]) == set(AGENTS) - {agent}
        assert {ep["increment"] for ep in reg["learning_curve"]} == {1, 2}
    # iterated best response: solar trained against the battery already updated in this increment
    solar_reg = json.loads(second.agents["solar"].registry.read_text())
    assert solar_reg["other_policies_sha256"]["battery"] == second.agents["battery"].parameters_sha256
    assert solar_reg["other_policies_sha256"]["wind"] == first.agents["wind"].parameters_sha256
    summary = json.loads((second.out_dir / "registry.json").read_text())
    assert summary["days_seen"] == LABELS[:3]
    assert not [p for p in trained["root"].iterdir() if p.name.startswith(".")]


def test_rerun_reproduces_the_checkpoint(trained: dict, days: list[QSEDay], tmp_path: Path) -> None:
    again = train_qse_increment(trained["first"].out_dir, days[:3], PARAMS, tmp_path / "again")
    assert {a: p.parameters_sha256 for a, p in again.agents.items()} == {
        a: p.parameters_sha256 for a, p in trained["second"].agents.items()
    }
    other = train_qse_increment(
        trained["first"].out_dir, days[:3], dataclasses.replace(PARAMS, seed=12), tmp_path / "other"
    )
    assert other.agents["battery"].parameters_sha256 != again.agents["battery"].parameters_sha256


def test_frozen_policy_matches_predict(trained: dict, days: list[QSEDay]) -> None:
    models = load_qse_models(trained["second"].out_dir)
    env = ParallelQSEEnv(days)
    rng = np.random.default_rng(0)
    for agent, model in models.items():
        frozen = FrozenPolicy(model)
        shape = env.observation_space(agent).shape
        for _ in range(50):
            obs = rng.normal(0.0, 2.0, shape).astype(np.float32)
            expected, _ = model.predict(obs, deterministic=True)
            np.testing.assert_array_equal(np.asarray(frozen(obs)), np.asarray(expected))


def test_checkpoint_checks(trained: dict, days: list[QSEDay], tmp_path: Path) -> None:
    other_config = QSEEnvConfig(impact=PriceImpact(0.2))
    with pytest.raises(CheckpointError, match="field env_config"):
        train_qse_increment(trained["first"].out_dir, days[:3], PARAMS, tmp_path / "x", other_config)
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        train_qse_increment(tmp_path / "missing", days[:1], PARAMS, tmp_path / "y")
    with pytest.raises(PriceDataError, match="strictly increasing"):
        train_qse_increment(None, [days[1], days[0]], PARAMS, tmp_path / "z")
    assert not any((tmp_path / n).exists() for n in "xyz")


def test_evaluation_on_an_unseen_day(trained: dict, days: list[QSEDay]) -> None:
    result = evaluate_qse_day(trained["second"].out_dir, days[3], days[2])
    json.dumps(result)  # JSON-ready for the research stage
    assert result["day"] == LABELS[3] and result["reference_day"] == LABELS[2]
    battery = result["battery"]
    for name in ("agent", "percentile_threshold", "time_of_day"):
        run = battery[name]
        assert run["profit_usd"] == pytest.approx(run["energy_cash_usd"] - run["degradation_usd"])
        assert run["profit_usd"] <= run["bound_profit_usd"] + 1e-6  # the bound holds under price impact
        if run["bound_profit_usd"] > 0:
            assert run["capture_ratio"] <= 1.0 + 1e-9
        assert run["soc_end_mwh"] >= QSEEnvConfig().battery.soc_initial_mwh - 1e-6
    assert battery["best_heuristic"] in ("percentile_threshold", "time_of_day")
    best = battery[battery["best_heuristic"]]["profit_usd"]
    assert battery["agent_minus_best_heuristic_usd"] == pytest.approx(battery["agent"]["profit_usd"] - best)
    for agent in ("solar", "wind"):
        res = result[agent]
        assert res["hedge_full"]["hedge_frac"] == 1.0 and res["hedge_full"]["curtailed_mwh"] == 0.0
        assert res["no_hedge"]["hedge_frac"] == 0.0 and res["no_hedge"]["da_cash_usd"] == 0.0
        for run in (res["agent"], res["hedge_full"], res["no_hedge"]):
            total = run["da_cash_usd"] + run["rt_cash_usd"] - run["imbalance_charge_usd"]
            assert run["profit_usd"] == pytest.approx(total)
    curves = result["learning_curves"]
    assert [row["increment"] for row in curves["battery"]] == [1, 2]
    assert all(math.isfinite(row["mean_reward"]) for a in AGENTS for row in curves[a])


def test_walk_forward_trains_only_on_earlier_days(days: list[QSEDay], tmp_path: Path) -> None:
    results = walk_forward(days[:3], PARAMS, tmp_path)
    assert [r["day"] for r in results] == LABELS[1:3]
    for i, r in enumerate(results):
        reg = json.loads((tmp_path / LABELS[i] / "battery" / "registry.json").read_text())
        assert reg["days_seen"] == LABELS[: i + 1]  # the checkpoint evaluated on day i+1 never saw it
        assert r["checkpoint"] == f"{tmp_path.name}/{LABELS[i]}"


def test_a_renewable_that_is_off_on_every_day_is_carried_over(days: list[QSEDay], tmp_path: Path) -> None:
    """Wind off on every day (a real window without NP4-732-CD): its learner keeps its weights, the others train,
    and the evaluation runs the battery and solar QSEs and says why wind did not run."""
    off = {"wind_actual_frac": None, "wind_forecast_frac": None, "renewable_notes": {"wind": "wind: not collected"}}
    no_wind = [dataclasses.replace(d, **off) for d in days[:3]]
    init = init_qse_models(PARAMS, tmp_path / "init")
    record = train_qse_increment(init.out_dir, no_wind[:2], PARAMS, tmp_path / LABELS[1])
    wind = json.loads((record.out_dir / "wind" / "registry.json").read_text())
    assert wind["days_seen"] == [] and wind["days_this_increment"] == [] and wind["increment_timesteps"] == 0
    assert (
        wind["parameters_sha256"] == init.agents["wind"].parameters_sha256 and "off on every day" in wind["not_trained"]
    )
    solar = json.loads((record.out_dir / "solar" / "registry.json").read_text())
    assert solar["days_seen"] == LABELS[:2] and solar["increment_timesteps"] > 0
    result = evaluate_qse_day(record.out_dir, no_wind[2], no_wind[1])
    assert result["agents_run"] == ["battery", "solar"] and result["wind"]["ran"] is False
    assert result["agents_not_run"] == {"wind": "wind QSE off: not collected"}
    assert "agent" in result["solar"] and "agent" in result["battery"]
