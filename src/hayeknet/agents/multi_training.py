"""Walk-forward PPO for the three QSEs: one learner per agent, iterated best response (issue 5).

A checkpoint folder (``<models>/<day>/``) holds one sub-folder per agent
(``battery/``, ``solar/``, ``wind/``), each with ``model.zip`` and
``registry.json`` (days seen, steps, hyper-parameters, environment config,
data hashes, the hashes of the other agents' policies it trained against and
its learning curve), plus a top-level ``registry.json`` summarizing the three.
The folder is written whole and atomically (:func:`hayeknet.io.atomic_directory`).

One increment (:func:`train_qse_increment`), given the previous checkpoint
folder (or ``None`` for fresh seeded learners) and all history days:

1. load the three learners (weights and optimizer state);
2. for each agent in :data:`~hayeknet.agents.qse.AGENTS` order, train its
   learner ``train.timesteps_per_day`` steps in a ``DummyVecEnv`` of
   ``n_envs`` :class:`~hayeknet.agents.qse.SingleAgentView` copies while
   the other two act with their *current* deterministic policies (so later
   agents respond to the already-updated earlier ones: one Gauss-Seidel sweep
   of iterated best response per night);
3. write the folder.

A renewable agent trains only on the days it runs on (:attr:`QSEDay.agents`:
off on a day of real data without its ERCOT output); when none of the
history days has it, its learner is carried over unchanged (no steps, its
``days_this_increment`` empty and ``not_trained`` saying why).

Walk-forward: the checkpoint of day ``d`` is trained on days up to ``d`` and
is the one evaluated on day ``d + 1``. Reproducibility: one torch thread,
deterministic algorithms, every seed derived from ``train.seed``, the agent's
index and the steps it has already trained; ``parameters_sha256`` in each
registry is reproduced by a rerun. The other agents' policies run as NumPy
copies of their actor networks (:class:`FrozenPolicy`), which keeps their
inference out of torch and the environment fast.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from stable_baselines3 import PPO
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv

from hayeknet.agents.errors import CheckpointError, PriceDataError
from hayeknet.agents.qse import (
    AGENTS,
    QSE_OBSERVATION_VERSION,
    REWARD_PRICE_SCALE_USD_PER_MWH,
    ParallelQSEEnv,
    QSEDay,
    QSEEnvConfig,
    SingleAgentView,
    observation_names,
)
from hayeknet.agents.training import (
    CHECKPOINT_NAME,
    REGISTRY_NAME,
    _hyperparameters,
    _load_model,
    _new_model,
    _versions,
    deterministic_torch,
    learn_seeded,
    parameters_sha256,
    save_checkpoint,
)
from hayeknet.agents.trust import verify as verify_checkpoint
from hayeknet.agents.trust import with_checkpoint_hash
from hayeknet.io import atomic_directory
from hayeknet.params import TrainParams

QSE_REGISTRY_SCHEMA_VERSION = 1


class FrozenPolicy:
    """Deterministic action of a PPO ``MlpPolicy`` actor, evaluated in NumPy (float64).

    Copies the actor's layers (``mlp_extractor.policy_net`` then
    ``action_net``, tanh activations as in SB3's default) out of ``model``;
    the action is the arg-max of the logits (per dimension for
    ``MultiDiscrete``), the same as ``model.predict(obs, deterministic=True)``
    up to float round-off. ``parameters_sha256`` identifies the weights.
    """

    def __init__(self, model: PPO) -> None:
        import torch

        policy = model.policy
        layers: list[tuple[np.ndarray, np.ndarray]] = []
        activations: list[bool] = []
        for module in policy.mlp_extractor.policy_net:
            if isinstance(module, torch.nn.Linear):
                layers.append(
                    (
                        module.weight.detach().cpu().numpy().astype(np.float64).T.copy(),
                        module.bias.detach().cpu().numpy().astype(np.float64).copy(),
                    )
                )
                activations.append(False)
            elif isinstance(module, torch.nn.Tanh):
                activations[-1] = True
            else:
                raise CheckpointError(f"FrozenPolicy supports Linear/Tanh actors only, found {type(module).__name__}")
        head = policy.action_net
        if not isinstance(head, torch.nn.Linear):
            raise CheckpointError(f"FrozenPolicy supports a Linear action head only, found {type(head).__name__}")
        layers.append(
            (
                head.weight.detach().cpu().numpy().astype(np.float64).T.copy(),
                head.bias.detach().cpu().numpy().astype(np.float64).copy(),
            )
        )
        activations.append(False)
        self._layers = list(zip(layers, activations, strict=True))
        space = model.action_space
        if hasattr(space, "nvec"):
            self._splits: tuple[int, ...] | None = tuple(int(k) for k in space.nvec)
        else:
            self._splits = None
        self.parameters_sha256 = parameters_sha256(model)

    def logits(self, obs: np.ndarray) -> np.ndarray:
        x = np.asarray(obs, dtype=np.float64)
        for (w, b), tanh in self._layers:
            x = x @ w + b
            if tanh:
                x = np.tanh(x)
        return x

    def __call__(self, obs: np.ndarray) -> Any:
        z = self.logits(obs)
        if self._splits is None:
            return int(np.argmax(z))
        out, start = [], 0
        for k in self._splits:
            out.append(int(np.argmax(z[start : start + k])))
            start += k
        return np.asarray(out, dtype=np.int64)


@dataclass(frozen=True)
class AgentIncrement:
    """One agent's part of an increment."""

    agent: str
    checkpoint: Path
    registry: Path
    total_timesteps: int
    increment_timesteps: int
    increment_seed: int
    episode_rewards: tuple[float, ...]
    episode_profits_usd: tuple[float, ...]
    parameters_sha256: str


@dataclass(frozen=True)
class QSETrainingRecord:
    """Result of one walk-forward increment of the three learners (or of :func:`init_qse_models`)."""

    out_dir: Path
    days_seen: tuple[str, ...]
    days_this_increment: tuple[str, ...]
    agents: Mapping[str, AgentIncrement]
    data_sha256: str | None
    wall_seconds: float


@contextlib.contextmanager
def _no_distribution_validation() -> Iterator[None]:
    """Skip torch.distributions argument checks while training (they only validate; results are unchanged)."""
    import torch

    old = torch.distributions.Distribution._validate_args
    torch.distributions.Distribution.set_default_validate_args(False)
    try:
        yield
    finally:
        torch.distributions.Distribution.set_default_validate_args(old)


def qse_data_sha256(days: Sequence[QSEDay]) -> tuple[str, dict[str, str]]:
    """sha256 of the days' arrays (float64 little-endian, in name order): combined and per day label."""
    per_day: dict[str, str] = {}
    combined = hashlib.sha256()
    for day in days:
        h = hashlib.sha256()
        for name, arr in sorted(day.arrays().items()):
            h.update(f"{name}:{arr.shape}\n".encode())
            h.update(np.ascontiguousarray(arr, dtype="<f8").tobytes())
        per_day[day.label] = h.hexdigest()
        combined.update(f"{day.label}:{per_day[day.label]}\n".encode())
    return combined.hexdigest(), per_day


def agent_seed(base_seed: int, agent: str, timesteps_before: int) -> int:
    """Seed of one agent's increment: from ``train.seed``, the agent and the steps it already trained."""
    idx = AGENTS.index(agent)
    return int(np.random.SeedSequence([base_seed, idx, timesteps_before]).generate_state(1)[0] & 0x7FFFFFFF)


def _placeholder_day(config: QSEEnvConfig) -> QSEDay:
    n = max(round(24.0 / config.dt_hours), 1)
    z = np.zeros(n)
    as_prices = {k: z for k in config.as_products} if config.offers_as else None
    return QSEDay("placeholder", z, z, z, z, z, z, as_prices_usd_per_mw_h=as_prices)


def _make_vec_env(proto: ParallelQSEEnv, agent: str, n_envs: int) -> tuple[DummyVecEnv, list[SingleAgentView]]:
    views = [SingleAgentView(proto.spawn(), agent, compact_info=True) for _ in range(n_envs)]
    env = DummyVecEnv([functools.partial(Monitor, v, info_keywords=("day_label", "episode_profit_usd")) for v in views])
    return env, views


def _base_registry(agent: str, config: QSEEnvConfig, train_params: TrainParams) -> dict[str, Any]:
    return {
        "schema_version": QSE_REGISTRY_SCHEMA_VERSION,
        "agent": agent,
        "checkpoint": CHECKPOINT_NAME,
        "algorithm": "PPO",
        "hyperparameters": {
            **_hyperparameters(train_params),
            "seed_derivation": "SeedSequence([seed, agent_index, steps_before])",
        },
        "env_config": config.to_dict(),
        "observation": {"version": QSE_OBSERVATION_VERSION, "names": list(observation_names(agent, config))},
        "reward_scale": {
            "price_usd_per_mwh": REWARD_PRICE_SCALE_USD_PER_MWH,
            "usd_per_unit": config.reward_scale_usd(agent),
        },
        "versions": _versions(),
    }


def read_qse_registry(checkpoint_dir: Path, agent: str) -> dict[str, Any]:
    """The registry of ``agent`` in a checkpoint folder; :class:`CheckpointError` if missing or unreadable."""
    path = Path(checkpoint_dir) / agent / REGISTRY_NAME
    if not path.exists():
        raise CheckpointError(f"{path}: no such registry (not a QSE checkpoint folder?)")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{path}: not valid JSON: {exc}") from None


def _check_registry(checkpoint_dir: Path, agent: str, config: QSEEnvConfig) -> dict[str, Any]:
    reg = read_qse_registry(checkpoint_dir, agent)
    path = Path(checkpoint_dir) / agent / REGISTRY_NAME
    obs = reg.get("observation", {})
    if obs.get("version") != QSE_OBSERVATION_VERSION or obs.get("names") != list(observation_names(agent, config)):
        raise CheckpointError(
            f"{path}: field observation is version {obs.get('version')!r}, this code builds "
            f"version {QSE_OBSERVATION_VERSION}; retrain the agents"
        )
    if _comparable(reg.get("env_config")) != _comparable(json.loads(json.dumps(config.to_dict()))):
        raise CheckpointError(f"{path}: field env_config differs from the environment simulated: {config}")
    return reg


RUN_TIME_CONFIG = ("net_power_bounds_mw",)
"""Env settings a checkpoint need not share with the environment it runs in: the corridor bounds enter only the
projection of actions, applied with the day's own network (an untrained start is made before any day's network
is known)."""


def _comparable(env_config: Any) -> Any:
    if not isinstance(env_config, dict):
        return env_config
    return {k: v for k, v in env_config.items() if k not in RUN_TIME_CONFIG}


def load_qse_models(checkpoint_dir: Path, config: QSEEnvConfig | None = None) -> dict[str, PPO]:
    """Load the three agents of a checkpoint folder (CPU), checked against their registries."""
    config = config or QSEEnvConfig()
    models = {}
    for agent in AGENTS:
        _check_registry(checkpoint_dir, agent, config)
        path = Path(checkpoint_dir) / agent / CHECKPOINT_NAME
        if not path.exists():
            raise CheckpointError(f"{path}: no such checkpoint")
        verify_checkpoint(path)
        models[agent] = PPO.load(path, device="cpu")
    return models


def load_qse_policies(checkpoint_dir: Path, config: QSEEnvConfig | None = None) -> dict[str, FrozenPolicy]:
    """Deterministic NumPy policies of the three agents of a checkpoint folder."""
    return {a: FrozenPolicy(m) for a, m in load_qse_models(checkpoint_dir, config).items()}


def _agent_train_params(train_params: TrainParams, agent: str) -> TrainParams:
    return dataclasses.replace(train_params, seed=agent_seed(train_params.seed, agent, 0))


def _write(
    out_dir: Path, models: Mapping[str, PPO], registries: Mapping[str, dict[str, Any]], summary: dict[str, Any]
) -> None:
    with atomic_directory(out_dir) as tmp:
        for agent in AGENTS:
            (tmp / agent).mkdir()
            save_checkpoint(models[agent], tmp / agent / CHECKPOINT_NAME)
            registry = with_checkpoint_hash(tmp / agent / CHECKPOINT_NAME, registries[agent])  # agents.trust
            (tmp / agent / REGISTRY_NAME).write_text(json.dumps(registry, indent=2, sort_keys=True) + "\n")
        (tmp / REGISTRY_NAME).write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")


def init_qse_models(train_params: TrainParams, out_dir: Path, config: QSEEnvConfig | None = None) -> QSETrainingRecord:
    """Write the untrained, seeded learners of the three agents (the first study day's agents)."""
    start = time.perf_counter()
    config = config or QSEEnvConfig()
    out_dir = Path(out_dir)
    proto = ParallelQSEEnv([_placeholder_day(config)], config, gamma=train_params.gamma)
    models, registries, parts = {}, {}, {}
    with deterministic_torch():
        for agent in AGENTS:
            env, _ = _make_vec_env(proto, agent, 1)
            models[agent] = _new_model(env, _agent_train_params(train_params, agent))
            sha = parameters_sha256(models[agent])
            registries[agent] = {
                **_base_registry(agent, config, train_params),
                "days_seen": [],
                "days_this_increment": [],
                "increments": 0,
                "total_timesteps": 0,
                "increment_timesteps": 0,
                "increment_seed": agent_seed(train_params.seed, agent, 0),
                "previous_checkpoint": None,
                "data_sha256": None,
                "day_sha256": {},
                "parameters_sha256": sha,
                "other_policies_sha256": {},
                "learning_curve": [],
            }
            parts[agent] = AgentIncrement(
                agent,
                out_dir / agent / CHECKPOINT_NAME,
                out_dir / agent / REGISTRY_NAME,
                0,
                0,
                registries[agent]["increment_seed"],
                (),
                (),
                sha,
            )
        summary = {
            "agents": list(AGENTS),
            "days_seen": [],
            "parameters_sha256": {a: parts[a].parameters_sha256 for a in AGENTS},
        }
        _write(out_dir, models, registries, summary)
    return QSETrainingRecord(out_dir, (), (), parts, None, time.perf_counter() - start)


def train_qse_increment(
    prev_dir: Path | None,
    days: Sequence[QSEDay],
    train_params: TrainParams,
    out_dir: Path,
    config: QSEEnvConfig | None = None,
) -> QSETrainingRecord:
    """One walk-forward increment of the three learners; writes ``out_dir/<agent>/{model.zip,registry.json}``.

    ``days`` are all history days in chronological order (labels strictly
    increasing, e.g. ISO dates); day ``i``'s previous-day price features come
    from day ``i - 1``. ``prev_dir`` is the previous checkpoint folder
    (continued: weights, optimizer state and step counters) or ``None`` for
    fresh seeded learners. Each agent trains ``train_params.timesteps_per_day``
    steps (rounded up to whole rollouts of ``n_steps * n_envs``).

    Side effect: like any stable-baselines3 seeding, this reseeds the global
    ``random``, ``numpy.random`` and ``torch`` generators of the process.
    """
    start = time.perf_counter()
    config = config or QSEEnvConfig()
    out_dir = Path(out_dir)
    days = list(days)
    if not days:
        raise PriceDataError("train_qse_increment: no history days given")
    labels = [d.label for d in days]
    for i in range(1, len(labels)):
        if not labels[i - 1] < labels[i]:
            raise PriceDataError(f"day labels must be strictly increasing: {labels[i - 1]!r} then {labels[i]!r}")
    data_sha, day_sha = qse_data_sha256(days)
    prev_regs: dict[str, dict[str, Any] | None] = {a: None for a in AGENTS}
    if prev_dir is not None:
        prev_dir = Path(prev_dir)
        if not prev_dir.exists():
            raise CheckpointError(f"{prev_dir}: no such checkpoint folder")
        prev_regs = {a: _check_registry(prev_dir, a, config) for a in AGENTS}

    proto = ParallelQSEEnv(days, config, gamma=train_params.gamma)
    models: dict[str, PPO] = {}
    envs: dict[str, DummyVecEnv] = {}
    views: dict[str, list[SingleAgentView]] = {}
    parts: dict[str, AgentIncrement] = {}
    registries: dict[str, dict[str, Any]] = {}
    with deterministic_torch(), _no_distribution_validation():
        for agent in AGENTS:
            envs[agent], views[agent] = _make_vec_env(proto, agent, train_params.n_envs)
            params = _agent_train_params(train_params, agent)
            if prev_dir is None:
                models[agent] = _new_model(envs[agent], params)
            else:
                models[agent] = _load_model(prev_dir / agent / CHECKPOINT_NAME, envs[agent], params)
        for agent in AGENTS:
            model = models[agent]
            others = {a: FrozenPolicy(models[a]) for a in AGENTS if a != agent}
            for view in views[agent]:
                view.set_other_policies(others)
            mine = [d.label for d in days if agent in d.agents]
            before = int(model.num_timesteps)
            seed = agent_seed(train_params.seed, agent, before)
            log = learn_seeded(model, seed, train_params.timesteps_per_day if mine else 0)
            total = int(model.num_timesteps)
            prev = prev_regs[agent]
            seen = sorted(set(prev.get("days_seen", []) if prev else []) | set(mine))
            increments = int(prev.get("increments", 0)) + 1 if prev else 1
            curve = list(prev.get("learning_curve", [])) if prev else []
            curve += [{"increment": increments, **ep} for ep in log.episodes]
            sha = parameters_sha256(model)
            registries[agent] = {
                **_base_registry(agent, config, train_params),
                "days_seen": seen,
                "days_this_increment": mine,
                "increments": increments,
                "total_timesteps": total,
                "increment_timesteps": total - before,
                "increment_seed": seed,
                "previous_checkpoint": None
                if prev_dir is None
                else os.path.relpath(prev_dir / agent / CHECKPOINT_NAME, out_dir.parent),
                "data_sha256": data_sha,
                "day_sha256": day_sha,
                "parameters_sha256": sha,
                "other_policies_sha256": {a: p.parameters_sha256 for a, p in others.items()},
                "learning_curve": curve,
            }
            if not mine:
                registries[agent]["not_trained"] = f"the {agent} QSE is off on every day of this increment"
            parts[agent] = AgentIncrement(
                agent=agent,
                checkpoint=out_dir / agent / CHECKPOINT_NAME,
                registry=out_dir / agent / REGISTRY_NAME,
                total_timesteps=total,
                increment_timesteps=total - before,
                increment_seed=seed,
                episode_rewards=tuple(ep["reward"] for ep in log.episodes),
                episode_profits_usd=tuple(ep["profit_usd"] for ep in log.episodes),
                parameters_sha256=sha,
            )
        seen_all = sorted(set().union(*(registries[a]["days_seen"] for a in AGENTS)))
        summary = {
            "agents": list(AGENTS),
            "days_seen": seen_all,
            "days_this_increment": labels,
            "data_sha256": data_sha,
            "parameters_sha256": {a: parts[a].parameters_sha256 for a in AGENTS},
            "total_timesteps": {a: parts[a].total_timesteps for a in AGENTS},
        }
        _write(out_dir, models, registries, summary)
    for env in envs.values():
        env.close()
    return QSETrainingRecord(
        out_dir=out_dir,
        days_seen=tuple(seen_all),
        days_this_increment=tuple(labels),
        agents=parts,
        data_sha256=data_sha,
        wall_seconds=time.perf_counter() - start,
    )
