"""Run a trained agent over one day: its deterministic charge/discharge schedule.

The policy acts through :class:`~hayeknet.agents.battery_env.BatteryTradingEnv`,
so every action is projected onto the feasible set before it is applied: the
schedule respects power limits, the SOC window and (by default) the terminal
SOC >= initial SOC, by construction. The checkpoint is loaded on CPU.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from stable_baselines3 import PPO

from hayeknet.agents.battery_env import (
    DT_HOURS_5MIN,
    OBSERVATION_NAMES,
    OBSERVATION_VERSION,
    BatteryTradingEnv,
)
from hayeknet.agents.errors import CheckpointError
from hayeknet.agents.training import checkpoint_file, read_registry
from hayeknet.agents.trust import verify as verify_checkpoint
from hayeknet.battery.spec import BatterySpec


def load_agent(checkpoint: Path, spec: BatterySpec | None = None) -> PPO:
    """Load a checkpoint (``model.zip`` or its folder) on CPU and check it against its registry.

    Raises :class:`CheckpointError` if the file is missing, if the registry
    records another observation layout, or (when ``spec`` is given) another battery.
    """
    path = checkpoint_file(Path(checkpoint))
    if not path.exists():
        raise CheckpointError(f"{path}: no such checkpoint")
    registry = read_registry(path)
    if registry is not None:
        obs = registry.get("observation", {})
        if obs.get("version") != OBSERVATION_VERSION or obs.get("names") != list(OBSERVATION_NAMES):
            raise CheckpointError(
                f"{path.parent / 'registry.json'}: field observation is version {obs.get('version')!r}, "
                f"this code builds version {OBSERVATION_VERSION}; retrain the agent"
            )
        if spec is not None and registry.get("battery") not in (None, dataclasses.asdict(spec)):
            raise CheckpointError(
                f"{path.parent / 'registry.json'}: field battery {registry['battery']} differs from the "
                f"battery simulated {dataclasses.asdict(spec)}"
            )
    verify_checkpoint(path)  # a model.zip unpickles code: only the project's own, or one the user trusts
    return PPO.load(path, device="cpu")


def agent_schedule(
    checkpoint: Path,
    day_prices: np.ndarray,
    spec: BatterySpec,
    dt_hours: float = DT_HOURS_5MIN,
    reference_prices: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The agent's deterministic schedule over one day: ``(charge_mw, discharge_mw)``, one value per interval.

    ``day_prices`` are the day's real-time prices ($/MWh); ``reference_prices``
    the previous day's (features only; ``None`` on the first study day). The
    agent sees prices causally (interval ``t`` uses prices up to ``t``). Both
    returned arrays are metered MW >= 0, never both > 0 in an interval.
    """
    model = load_agent(checkpoint, spec)
    env = BatteryTradingEnv(
        [day_prices],
        spec,
        dt_hours=dt_hours,
        reference_prices=[reference_prices],
        day_labels=["schedule"],
    )
    if model.observation_space.shape != env.observation_space.shape:
        raise CheckpointError(
            f"{checkpoint}: observation shape {model.observation_space.shape} differs from the "
            f"environment's {env.observation_space.shape}"
        )
    obs, _ = env.reset(seed=0, options={"day_index": 0})
    n = np.asarray(day_prices).size
    charge = np.zeros(n)
    discharge = np.zeros(n)
    for t in range(n):
        action, _ = model.predict(obs, deterministic=True)
        obs, _, terminated, _, info = env.step(int(action))
        charge[t] = info["charge_mw"]
        discharge[t] = info["discharge_mw"]
        if terminated:
            break
    return charge, discharge
