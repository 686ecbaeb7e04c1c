"""Walk-forward PPO: checkpoints, registry, resume, reproducibility, and the agent's schedule.

Short "days" of 48 five-minute intervals keep each training run to a few
hundred steps (n_envs=2, n_steps=32: one rollout is 64 steps, one episode
per environment per rollout of 48+ steps).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from hayeknet.agents.battery_env import BatteryTradingEnv
from hayeknet.agents.errors import CheckpointError, PriceDataError
from hayeknet.agents.features import AgentDay
from hayeknet.agents.multi_training import FrozenPolicy
from hayeknet.agents.policy import agent_schedule, load_agent
from hayeknet.agents.training import init_model, train_increment
from hayeknet.battery.spec import BatterySpec
from hayeknet.params import TrainParams

SPEC = BatterySpec()
DT = 1.0 / 12.0
N = 48
PARAMS = TrainParams(timesteps_per_day=128, n_envs=2, n_steps=32, batch_size=32, n_epochs=2, seed=11)
LABELS = ["2025-10-01", "2025-10-02", "2025-10-03"]


@pytest.fixture(scope="module")
def prices() -> list[np.ndarray]:
    rng = np.random.default_rng(2025)
    t = np.arange(N)
    return [30.0 + 25.0 * np.sin(2 * np.pi * t / N) + rng.normal(0.0, 4.0, N) for _ in LABELS]


@pytest.fixture(scope="module")
def days(prices: list[np.ndarray]) -> list[AgentDay]:
    """The days with their DAM (the RT prices smoothed and shifted) as reference and the previous day."""
    return [
        AgentDay(label, p, np.convolve(p, np.ones(5) / 5, mode="same") + 2.0, True, prev)
        for label, p, prev in zip(LABELS, prices, [None, *prices[:-1]], strict=True)
    ]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, days: list[AgentDay]) -> dict:
    root = tmp_path_factory.mktemp("models")
    init = init_model(SPEC, PARAMS, root / "init")
    first = train_increment(init, days[:2], SPEC, PARAMS, root / LABELS[1])
    second = train_increment(first.checkpoint.parent, days, SPEC, PARAMS, root / LABELS[2])
    return {"root": root, "init": init, "first": first, "second": second}


def _state_dict(checkpoint: Path) -> dict[str, torch.Tensor]:
    return load_agent(checkpoint).policy.state_dict()


def test_init_model_writes_an_untrained_checkpoint(trained: dict) -> None:
    init: Path = trained["init"]
    assert init.name == "model.zip" and init.exists()
    registry = json.loads((init.parent / "registry.json").read_text())
    assert registry["total_timesteps"] == 0 and registry["days_seen"] == []
    assert registry["hyperparameters"]["seed"] == PARAMS.seed
    # seeded: a second init gives the same weights
    again = init_model(SPEC, PARAMS, trained["root"] / "init-again")
    a, b = _state_dict(init), _state_dict(again)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_increments_write_checkpoint_and_registry_and_accumulate_steps(trained: dict) -> None:
    first, second = trained["first"], trained["second"]
    assert first.checkpoint.exists() and first.registry.exists()
    assert first.total_timesteps == 128 and first.increment_timesteps == 128
    assert second.total_timesteps == 256 and second.increment_timesteps == 128
    assert second.days_seen == tuple(LABELS)
    assert len(first.episode_rewards) >= 2  # 2 envs x 64 steps >= one 48-step day each
    registry = json.loads(second.registry.read_text())
    assert registry["total_timesteps"] == 256
    assert registry["increments"] == 3 - 1  # init does not count as an increment
    assert registry["days_seen"] == LABELS and registry["days_this_increment"] == LABELS
    assert set(registry["day_sha256"]) == set(LABELS) and registry["data_sha256"] == second.data_sha256
    assert registry["parameters_sha256"] == second.parameters_sha256 != first.parameters_sha256
    assert {"stable_baselines3", "torch"} <= set(registry["versions"])
    assert registry["hyperparameters"]["n_steps"] == PARAMS.n_steps
    assert registry["previous_checkpoint"] == f"{LABELS[1]}/model.zip"
    # the learning curve accumulates over increments and records each episode's reward
    increments = [ep["increment"] for ep in registry["learning_curve"]]
    assert set(increments) == {1, 2}
    assert len(registry["learning_curve"]) == len(first.episode_rewards) + len(second.episode_rewards)
    # the weights changed with training
    a, b = _state_dict(trained["init"]), _state_dict(second.checkpoint)
    assert any(not torch.equal(a[k], b[k]) for k in a)
    # no temporary folders left behind
    assert not [p for p in trained["root"].iterdir() if p.name.startswith(".")]


def test_same_inputs_reproduce_the_same_weights(trained: dict, days: list[AgentDay], tmp_path: Path) -> None:
    again = train_increment(trained["first"].checkpoint, days, SPEC, PARAMS, tmp_path / "again")
    assert again.parameters_sha256 == trained["second"].parameters_sha256
    a, b = _state_dict(again.checkpoint), _state_dict(trained["second"].checkpoint)
    assert all(torch.equal(a[k], b[k]) for k in a)
    # the same bytes, though the two trainings ran at different wall-clock times (save_checkpoint's promise)
    assert again.checkpoint.read_bytes() == trained["second"].checkpoint.read_bytes()
    other_seed = dataclasses.replace(PARAMS, seed=PARAMS.seed + 1)
    first = trained["first"].checkpoint
    different = train_increment(first, days, SPEC, other_seed, tmp_path / "other")
    assert different.parameters_sha256 != again.parameters_sha256


def test_training_overwrites_an_existing_folder_atomically(days: list[AgentDay], tmp_path: Path) -> None:
    out = tmp_path / "day"
    out.mkdir()
    (out / "stale.txt").write_text("from an older run")
    record = train_increment(None, days[:1], SPEC, PARAMS, out)
    assert sorted(p.name for p in out.iterdir()) == ["model.zip", "registry.json"]
    assert record.total_timesteps == 128
    assert [p.name for p in tmp_path.iterdir()] == ["day"]


def test_bad_inputs_are_rejected(days: list[AgentDay], tmp_path: Path) -> None:
    with pytest.raises(PriceDataError, match="strictly increasing"):
        train_increment(None, [days[1], days[0]], SPEC, PARAMS, tmp_path / "x")
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        train_increment(tmp_path / "missing.zip", days[:1], SPEC, PARAMS, tmp_path / "y")
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


START = pd.Timestamp("2025-10-03T05:00Z")  # local midnight (CDT)


def _series(values: np.ndarray, start: pd.Timestamp = START) -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=values.size, freq="5min"))


def _dam_hourly(day: AgentDay, start: pd.Timestamp = START) -> pd.Series:
    """The day's reference curve as hourly DAM prices (the first value of each hour)."""
    ref = np.asarray(day.reference_usd_per_mwh)
    return pd.Series(ref[::12], index=pd.date_range(start, periods=ref.size // 12, freq="h"))


def test_agent_schedule_is_feasible_and_deterministic(trained: dict, days: list[AgentDay]) -> None:
    checkpoint = trained["second"].checkpoint
    rng = np.random.default_rng(7)
    base = days[2].prices_usd_per_mwh
    prices = np.concatenate([base, base]) + rng.normal(0.0, 30.0, 2 * N)  # a longer, noisier day
    dam = pd.Series(np.repeat(base[::12], 2), index=pd.date_range(START, periods=2 * N // 12, freq="h"))
    charge, discharge = agent_schedule(checkpoint, _series(prices), SPEC, DT, dam_hourly=dam)
    assert charge.shape == discharge.shape == prices.shape
    assert np.all((charge >= 0) & (discharge >= 0) & (charge <= SPEC.power_mw) & (discharge <= SPEC.power_mw))
    assert not np.any((charge > 0) & (discharge > 0))
    soc = SPEC.soc_initial_mwh + np.cumsum(
        SPEC.charge_efficiency * charge * DT - discharge * DT / SPEC.discharge_efficiency
    )
    assert np.all(soc >= SPEC.soc_min_mwh - 1e-6) and np.all(soc <= SPEC.soc_max_mwh + 1e-6)
    assert soc[-1] >= SPEC.soc_initial_mwh - 1e-6
    again = agent_schedule(checkpoint, _series(prices), SPEC, DT, dam_hourly=dam)
    np.testing.assert_array_equal(charge, again[0])
    np.testing.assert_array_equal(discharge, again[1])
    # the first study day runs the untrained agent, without a reference day (a plain array is placed on a day)
    c0, _d0 = agent_schedule(trained["init"], prices, SPEC, DT)
    assert c0.shape == prices.shape


def test_the_agent_trades_as_it_learned(trained: dict, days: list[AgentDay]) -> None:
    """The offers of :class:`AgentOffers`, cleared by ``clear_offers``, dispatch exactly as the same policy
    playing the same day in the training environment."""
    checkpoint = trained["second"].checkpoint
    day = days[2]
    index = _series(day.prices_usd_per_mwh).index
    hours = np.asarray(index.tz_convert("America/Chicago").hour)
    history = _series(days[1].prices_usd_per_mwh, START - pd.Timedelta(days=1))
    known = AgentDay(
        "d",
        day.prices_usd_per_mwh,
        np.asarray(day.reference_usd_per_mwh)[::12].repeat(12),
        True,
        days[1].prices_usd_per_mwh,
        local_hour=hours,
    )
    env = BatteryTradingEnv([known], SPEC, dt_hours=DT)
    policy = FrozenPolicy(load_agent(checkpoint))
    obs, _ = env.reset(seed=0)
    env_net = []
    done = False
    while not done:
        obs, _, done, _, info = env.step(policy(obs))
        env_net.append(info["discharge_mw"] - info["charge_mw"])
    charge, discharge = agent_schedule(
        checkpoint, _series(day.prices_usd_per_mwh), SPEC, DT, dam_hourly=_dam_hourly(day), history=history
    )
    np.testing.assert_allclose(discharge - charge, env_net, atol=1e-9)
    assert np.any(np.abs(env_net) > 0)  # not vacuous: the policy trades


def test_agent_schedule_rejects_another_battery(trained: dict, days: list[AgentDay]) -> None:
    with pytest.raises(CheckpointError, match="field battery"):
        agent_schedule(trained["second"].checkpoint, days[0].prices_usd_per_mwh, BatterySpec(power_mw=50.0), DT)


def test_load_agent_rejects_another_observation_layout(trained: dict, tmp_path: Path) -> None:
    src = trained["second"].checkpoint.parent
    dst = tmp_path / "copy"
    dst.mkdir()
    (dst / "model.zip").write_bytes((src / "model.zip").read_bytes())
    registry = json.loads((src / "registry.json").read_text())
    registry["observation"]["version"] = -1
    (dst / "registry.json").write_text(json.dumps(registry))
    with pytest.raises(CheckpointError, match="field observation"):
        load_agent(dst)
    registry = json.loads((src / "registry.json").read_text())
    registry["action"]["base_levels"] = [-1.0, 0.0, 1.0]  # a checkpoint of another action grid
    (dst / "registry.json").write_text(json.dumps(registry))
    with pytest.raises(CheckpointError, match="field action"):
        load_agent(dst)
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_agent(tmp_path / "nowhere")
