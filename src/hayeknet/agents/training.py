"""Walk-forward incremental PPO training of the battery trading agent.

The agent simulated on day ``d`` is the checkpoint trained on days ``< d``
(``artifacts/models/<d-1>/``); the first study day uses the untrained, seeded
checkpoint written by :func:`init_model` (``artifacts/models/init/``). Each
nightly :func:`train_increment` loads the previous checkpoint (weights and
optimizer state), trains ``timesteps_per_day`` more environment steps on every
history day given, and writes ``model.zip`` and ``registry.json`` into a new
folder atomically (a temporary sibling folder, then ``os.replace``).

Reproducibility: the same checkpoint, price data, labels, battery and
parameters give bit-identical policy weights. Training runs with one torch
thread and deterministic algorithms, all generators (python, numpy, torch,
environments, action space) are seeded from ``train.seed`` and the number of
steps already trained, and ``registry.json`` records a sha256 of the policy
weights (``parameters_sha256``) that a rerun reproduces.

Environments run in a ``DummyVecEnv`` of ``n_envs`` copies (DESIGN section 8:
faster than ``SubprocVecEnv`` on 2 cores, and no fork after torch is loaded).
If ``juliacall`` is used in the same process, import it before this module
(which imports torch).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import platform
import re
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium
import numpy as np
import stable_baselines3
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv

from hayeknet.agents.battery_env import (
    DT_HOURS_5MIN,
    OBSERVATION_NAMES,
    OBSERVATION_VERSION,
    REWARD_PRICE_SCALE_USD_PER_MWH,
    BatteryTradingEnv,
)
from hayeknet.agents.errors import CheckpointError, PriceDataError
from hayeknet.agents.features import AgentDay
from hayeknet.agents.offer_action import action_layout
from hayeknet.agents.trust import verify as verify_checkpoint
from hayeknet.agents.trust import with_checkpoint_hash
from hayeknet.battery.spec import BatterySpec
from hayeknet.io import make_shareable
from hayeknet.params import TrainParams

CHECKPOINT_NAME = "model.zip"
REGISTRY_NAME = "registry.json"
REGISTRY_SCHEMA_VERSION = 1

#: PPO settings not in ``params.yaml`` (recorded in every registry).
PPO_FIXED_KWARGS: dict[str, Any] = {
    "gae_lambda": 0.95,
    "clip_range": 0.2,
    "ent_coef": 0.01,
    "vf_coef": 0.5,
    "max_grad_norm": 0.5,
}
POLICY_KWARGS: dict[str, Any] = {"net_arch": [64, 64]}
#: torch threads during training (fixed: float reductions depend on the thread count).
TORCH_THREADS = 1


@dataclass(frozen=True)
class TrainingRecord:
    """Result of one training increment (or of :func:`init_model`'s checkpoint)."""

    checkpoint: Path
    registry: Path
    days_seen: tuple[str, ...]
    days_this_increment: tuple[str, ...]
    total_timesteps: int
    increment_timesteps: int
    episode_rewards: tuple[float, ...]  # scaled rewards of the episodes finished in this increment
    episode_profits_usd: tuple[float, ...]  # their profit, $ (energy cash - degradation)
    data_sha256: str
    parameters_sha256: str
    wall_seconds: float


def checkpoint_file(path: Path) -> Path:
    """``path`` itself if it is a file, else ``path / model.zip``."""
    path = Path(path)
    return path / CHECKPOINT_NAME if path.is_dir() else path


def read_registry(checkpoint: Path) -> dict[str, Any] | None:
    """The ``registry.json`` beside a checkpoint, or ``None`` if there is none."""
    reg = checkpoint_file(checkpoint).parent / REGISTRY_NAME
    if not reg.exists():
        return None
    try:
        return json.loads(reg.read_text())
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{reg}: not valid JSON: {exc}") from None


def days_sha256(days: Sequence[AgentDay]) -> tuple[str, dict[str, str]]:
    """sha256 of the days' inputs (float64 little-endian bytes, in name order): combined and per day label."""
    per_day: dict[str, str] = {}
    combined = hashlib.sha256()
    for day in days:
        h = hashlib.sha256()
        for name, arr in sorted(day.arrays().items()):
            h.update(f"{name}:{arr.shape}\n".encode())
            h.update(np.ascontiguousarray(arr, dtype="<f8").tobytes())
        h.update(f"reference_is_dam:{day.reference_is_dam}\n".encode())
        per_day[day.label] = h.hexdigest()
        combined.update(f"{day.label}:{per_day[day.label]}\n".encode())
    return combined.hexdigest(), per_day


def parameters_sha256(model: PPO) -> str:
    """sha256 over the policy's state dict (names, shapes and float bytes, in name order)."""
    h = hashlib.sha256()
    for name, tensor in sorted(model.policy.state_dict().items()):
        arr = tensor.detach().cpu().contiguous().numpy()
        h.update(f"{name}:{arr.dtype}:{arr.shape}\n".encode())
        h.update(arr.tobytes())
    return h.hexdigest()


@contextlib.contextmanager
def deterministic_torch(threads: int = TORCH_THREADS) -> Iterator[None]:
    """Run with a fixed torch thread count and deterministic algorithms; restore both afterwards."""
    old_threads = torch.get_num_threads()
    old_det = torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.set_num_threads(old_threads)
        torch.use_deterministic_algorithms(old_det)


def _versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "stable_baselines3": stable_baselines3.__version__,
        "torch": torch.__version__,
        "gymnasium": gymnasium.__version__,
        "numpy": np.__version__,
    }


def _hyperparameters(train_params: TrainParams) -> dict[str, Any]:
    plain = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in dataclasses.asdict(train_params).items()}
    return {
        **plain,
        **PPO_FIXED_KWARGS,
        "policy": "MlpPolicy",
        "policy_kwargs": POLICY_KWARGS,
        "torch_threads": TORCH_THREADS,
    }


def _make_vec_env(
    days: Sequence[AgentDay], spec: BatterySpec, n_envs: int, dt_hours: float, gamma: float
) -> DummyVecEnv:
    """``n_envs`` environments over the history days, shaping with the learner's discount ``gamma``."""

    def make() -> Monitor:
        env = BatteryTradingEnv(days, spec, dt_hours=dt_hours, gamma=gamma)
        return Monitor(env, info_keywords=("day_label", "episode_profit_usd"))

    return DummyVecEnv([make for _ in range(n_envs)])


def _placeholder_day(dt_hours: float) -> list[AgentDay]:
    """A flat day: only the spaces matter when building an untrained model (they do not depend on prices)."""
    return [AgentDay("placeholder", np.zeros(max(round(24.0 / dt_hours), 1)))]


class _EpisodeLog(BaseCallback):
    """Collects (timestep, day, scaled reward, profit $) of every finished episode."""

    def __init__(self) -> None:
        super().__init__()
        self.episodes: list[dict[str, Any]] = []

    def _on_step(self) -> bool:
        for info in self.locals.get("infos", []):
            ep = info.get("episode")
            if ep is not None:
                self.episodes.append(
                    {
                        "timestep": int(self.num_timesteps),
                        "day": str(info.get("day_label", "")),
                        "reward": float(ep["r"]),
                        "profit_usd": float(info.get("episode_profit_usd", np.nan)),
                    }
                )
        return True


SAVE_EXCLUDE = ("start_time", "ep_info_buffer")
"""SB3 attributes left out of a checkpoint, so that two trainings on the same inputs write the same bytes:
the wall-clock start of the last ``learn`` (set again by every ``learn``) and the recent episodes' log
(reward, length and wall-clock seconds ``t`` of each; only SB3's console log reads it, and ``learn``
starts an empty one when a loaded model has none)."""
HOST_MEMBERS = ("system_info.txt",)
"""Members of SB3's zip that describe the machine (OS, kernel, GPU), not the model: dropped."""
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_ADDRESS = re.compile(rb" at 0x[0-9a-fA-F]+>")
"""SB3's ``data`` member writes readable reprs beside each pickled class (``<function f at 0x7f..>``): the
process's memory addresses, which it never reads back (it loads the ``:serialized:`` pickle)."""


def save_checkpoint(model: PPO, path: Path) -> Path:
    """Save ``model`` to ``path`` (``model.zip``) reproducibly: the same weights and state give the same
    bytes on any machine and at any time (:data:`SAVE_EXCLUDE`, :data:`HOST_MEMBERS`, fixed member
    times, members in order, no memory addresses). ``PPO.load`` reads it as any SB3 checkpoint."""
    import zipfile

    path = Path(path)
    raw = path.with_name(f".{path.name}.sb3")
    model.save(raw, exclude=list(SAVE_EXCLUDE))
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(path, "w") as target:
        for info in sorted(source.infolist(), key=lambda i: i.filename):
            if info.filename in HOST_MEMBERS:
                continue
            stable = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            stable.compress_type = info.compress_type
            stable.external_attr = 0o644 << 16
            content = source.read(info.filename)
            if info.filename == "data":
                content = _ADDRESS.sub(b">", content)
            target.writestr(stable, content)
    raw.unlink()
    return path


def _write_atomically(out_dir: Path, model: PPO, registry: dict[str, Any]) -> None:
    """Write ``model.zip`` and ``registry.json`` to a temporary sibling folder, then swap it in."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    old: Path | None = None
    try:
        save_checkpoint(model, tmp / CHECKPOINT_NAME)
        registry = with_checkpoint_hash(tmp / CHECKPOINT_NAME, registry)  # checked before every load (agents.trust)
        (tmp / REGISTRY_NAME).write_text(json.dumps(registry, indent=2, sort_keys=True) + "\n")
        make_shareable(tmp)
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
            os.replace(out_dir, old / out_dir.name)
        os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not out_dir.exists():
            os.replace(old / out_dir.name, out_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _base_registry(spec: BatterySpec, train_params: TrainParams, dt_hours: float) -> dict[str, Any]:
    return {
        "schema_version": REGISTRY_SCHEMA_VERSION,
        "checkpoint": CHECKPOINT_NAME,
        "algorithm": "PPO",
        "hyperparameters": _hyperparameters(train_params),
        "battery": dataclasses.asdict(spec),
        "dt_hours": dt_hours,
        "observation": {"version": OBSERVATION_VERSION, "names": list(OBSERVATION_NAMES)},
        "action": action_layout(),
        "reward_scale": {
            "price_usd_per_mwh": REWARD_PRICE_SCALE_USD_PER_MWH,
            "usd_per_unit": spec.power_mw * dt_hours * REWARD_PRICE_SCALE_USD_PER_MWH,
        },
        # potential-based (battery_env, agents.shaping): gamma * Phi(s') - Phi(s), Phi = 0 at the day's end
        "reward_shaping": "gamma * Phi(s') - Phi(s), Phi = (soc - soc_initial) * median(reference curve)",
        "versions": _versions(),
    }


def reference_kind(days: Sequence[AgentDay]) -> str:
    """What the days' reference curves are: ``dam``, ``previous_day``, ``none`` or ``mixed``."""
    kinds = {
        "dam" if d.reference_is_dam else "none" if d.reference_usd_per_mwh is None else "previous_day" for d in days
    }
    return kinds.pop() if len(kinds) == 1 else "mixed"


def init_model(spec: BatterySpec, train_params: TrainParams, out_dir: Path, dt_hours: float = DT_HOURS_5MIN) -> Path:
    """Write the untrained, seeded checkpoint (``out_dir/model.zip`` + registry); return the zip's path.

    This is the agent of the first study day (``artifacts/models/init/``).
    """
    out_dir = Path(out_dir)
    with deterministic_torch():
        env = _make_vec_env(_placeholder_day(dt_hours), spec, 1, dt_hours, train_params.gamma)
        model = _new_model(env, train_params)
        registry = {
            **_base_registry(spec, train_params, dt_hours),
            "days_seen": [],
            "days_this_increment": [],
            "increments": 0,
            "total_timesteps": 0,
            "increment_timesteps": 0,
            "increment_seed": train_params.seed,
            "previous_checkpoint": None,
            "data_sha256": None,
            "day_sha256": {},
            "parameters_sha256": parameters_sha256(model),
            "learning_curve": [],
        }
        _write_atomically(out_dir, model, registry)
    return out_dir / CHECKPOINT_NAME


def _new_model(env: DummyVecEnv, train_params: TrainParams) -> PPO:
    return PPO(
        "MlpPolicy",
        env,
        learning_rate=train_params.learning_rate,
        n_steps=train_params.n_steps,
        batch_size=train_params.batch_size,
        n_epochs=train_params.n_epochs,
        gamma=train_params.gamma,
        policy_kwargs=POLICY_KWARGS,
        seed=train_params.seed,
        device="cpu",
        verbose=0,
        **PPO_FIXED_KWARGS,
    )


def _load_model(checkpoint: Path, env: DummyVecEnv, train_params: TrainParams) -> PPO:
    if not checkpoint.exists():
        raise CheckpointError(f"{checkpoint}: no such checkpoint")
    verify_checkpoint(checkpoint)
    try:
        return PPO.load(
            checkpoint,
            env=env,
            device="cpu",
            # today's hyper-parameters apply to this increment (recorded in the registry)
            learning_rate=train_params.learning_rate,
            n_steps=train_params.n_steps,
            batch_size=train_params.batch_size,
            n_epochs=train_params.n_epochs,
            gamma=train_params.gamma,
        )
    except ValueError as exc:  # spaces of the checkpoint and the environment differ
        raise CheckpointError(f"{checkpoint}: incompatible with the current environment: {exc}") from None


def learn_seeded(model: PPO, seed: int, timesteps: int) -> _EpisodeLog:
    """Reseed ``model`` and train ``timesteps`` more steps (continuing its step counter); the episode log."""
    model.set_random_seed(seed)
    log = _EpisodeLog()
    if timesteps > 0:
        model.learn(total_timesteps=timesteps, reset_num_timesteps=False, callback=log, progress_bar=False)
    return log


def increment_seed(base_seed: int, timesteps_before: int) -> int:
    """Seed of an increment: derived from ``train.seed`` and the steps already trained (deterministic)."""
    return int(np.random.SeedSequence([base_seed, timesteps_before]).generate_state(1)[0] & 0x7FFFFFFF)


def train_increment(
    prev_checkpoint: Path | None,
    days: Sequence[AgentDay],
    spec: BatterySpec,
    train_params: TrainParams,
    out_dir: Path,
    dt_hours: float = DT_HOURS_5MIN,
) -> TrainingRecord:
    """Train one walk-forward increment and write ``out_dir/model.zip`` + ``out_dir/registry.json``.

    ``days`` are the history days in chronological order (labels strictly
    increasing, e.g. ISO dates), each an :class:`~hayeknet.agents.features.AgentDay`
    at ``dt_hours`` resolution: the prices it is settled at and what was known
    before it (the reference curve, the previous day, the spread model, the EnKF
    mean). ``prev_checkpoint`` (a ``model.zip`` or its folder) is continued;
    ``None`` starts a fresh seeded model. ``train_params.timesteps_per_day``
    steps are trained (rounded up to whole rollouts of ``n_steps * n_envs``);
    the step counter continues from the previous checkpoint.

    Side effect: like any stable-baselines3 seeding, this reseeds the global
    ``random``, ``numpy.random`` and ``torch`` generators of the process.
    """
    start = time.perf_counter()
    out_dir = Path(out_dir)
    days = list(days)
    labels = [d.label for d in days]
    if not labels:
        raise PriceDataError("train_increment: no history days given")
    for i in range(1, len(labels)):
        if not labels[i - 1] < labels[i]:
            raise PriceDataError(f"day labels must be strictly increasing: {labels[i - 1]!r} then {labels[i]!r}")
    data_sha, day_sha = days_sha256(days)

    prev_file = checkpoint_file(prev_checkpoint) if prev_checkpoint is not None else None
    prev_registry = read_registry(prev_file) if prev_file is not None else None

    with deterministic_torch():
        env = _make_vec_env(days, spec, train_params.n_envs, dt_hours, train_params.gamma)
        if prev_file is None:
            model = _new_model(env, train_params)
        else:
            model = _load_model(prev_file, env, train_params)
        before = int(model.num_timesteps)
        seed = increment_seed(train_params.seed, before)
        log = learn_seeded(model, seed, train_params.timesteps_per_day)
        total = int(model.num_timesteps)

        seen = sorted(set(prev_registry.get("days_seen", []) if prev_registry else []) | set(labels))
        increments = int(prev_registry.get("increments", 0)) + 1 if prev_registry else 1
        curve = list(prev_registry.get("learning_curve", [])) if prev_registry else []
        curve += [{"increment": increments, **ep} for ep in log.episodes]
        params_sha = parameters_sha256(model)
        registry = {
            **_base_registry(spec, train_params, dt_hours),
            "days_seen": seen,
            "days_this_increment": labels,
            # days the checkpoint was trained on that lie in the tuning window (params train.tuning_*)
            "days_in_tuning_window": [
                d for d in seen if str(train_params.tuning_start) <= d <= str(train_params.tuning_end)
            ],
            "reference_kind": reference_kind(days),
            "increments": increments,
            "total_timesteps": total,
            "increment_timesteps": total - before,
            "increment_seed": seed,
            # relative to the models folder, e.g. "2025-10-01/model.zip"
            "previous_checkpoint": None if prev_file is None else os.path.relpath(prev_file, out_dir.parent),
            "data_sha256": data_sha,
            "day_sha256": day_sha,
            "parameters_sha256": params_sha,
            "learning_curve": curve,
        }
        _write_atomically(out_dir, model, registry)
    env.close()
    return TrainingRecord(
        checkpoint=out_dir / CHECKPOINT_NAME,
        registry=out_dir / REGISTRY_NAME,
        days_seen=tuple(seen),
        days_this_increment=tuple(labels),
        total_timesteps=total,
        increment_timesteps=total - before,
        episode_rewards=tuple(ep["reward"] for ep in log.episodes),
        episode_profits_usd=tuple(ep["profit_usd"] for ep in log.episodes),
        data_sha256=data_sha,
        parameters_sha256=params_sha,
        wall_seconds=time.perf_counter() - start,
    )
