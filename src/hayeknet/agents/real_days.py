"""The single PPO agent under the evaluation protocol of ADR 0020: trained on the tuning window only, frozen,
then run walk-forward on the evaluation window beside the other strategies (``hayeknet evaluate --agent-timesteps``).

* **Training days** are the tuning window's real days (:class:`~hayeknet.battery.walk_forward.RealDay`), each
  as the agent may know it (:func:`agent_day`): the real-time prices it is settled at, the day's DAM curve
  (published the day before) as the reference, the previous day's real-time prices when it is the calendar
  day before, and the RT - DAM spread model fitted on the days before it (none with fewer than
  ``min_history_days``), and the EnKF filtered mean of the day's own prices (the agent reads the mean of
  t - 1 at t; :func:`~hayeknet.battery.walk_forward.day_enkf_mean`), unless the settings run no EnKF.
* **Training** is one :func:`~hayeknet.agents.training.train_increment` from a fresh seeded model with the
  project's PPO settings (``train`` in ``params.yaml``) and ``timesteps`` environment steps; the checkpoint's
  registry lists the days it saw, all inside the tuning window (:func:`training_days` keeps no other).
* **Evaluation**: the frozen checkpoint trades each evaluation day through
  :class:`~hayeknet.agents.policy.AgentOffers` (offer curves from what was known before each interval; the
  end-of-day rule brings it back to its starting SOC), with the day's DAM, the spread model the protocol
  fitted on the days before it and the day's EnKF mean, as in training. It is not retrained during the
  evaluation window, so this measures what the tuning window alone taught it.
* **Retrained** (:func:`retrain_through_window`, ``--agent-retrain-every``): the nightly pipeline's agent
  keeps learning (ADR 0002); this one does too, in blocks. Before each block of evaluation days the
  checkpoint of the block before continues training on every day before the block (tuning days and the
  evaluation days already traded), then trades the block frozen. Its rows are ``ppo_agent_retrained``.

Prices $/MWh, profits $, intervals of the report files (15 minutes for NP6-905-CD).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hayeknet.agents.features import AgentDay
from hayeknet.agents.policy import AGENT_NAME, AgentOffers
from hayeknet.agents.training import TrainingRecord, checkpoint_file, read_registry, train_increment
from hayeknet.battery.information import ERCOT_TZ
from hayeknet.battery.lineup import DayInformation
from hayeknet.battery.offers import OfferStrategy
from hayeknet.battery.spec import BatterySpec
from hayeknet.battery.walk_forward import (
    EvaluationError,
    EvaluationSettings,
    RealDay,
    Window,
    day_enkf_mean,
    history_before,
    spread_model_for,
)
from hayeknet.beliefs.spread_model import SpreadModel
from hayeknet.params import TrainParams

AGENT = AGENT_NAME
"""The agent's name in the evaluation's tables (its offer strategy's name, as in the simulate stage)."""


def agent_day(
    day: RealDay, previous: RealDay | None, model: SpreadModel | None, enkf_mean: pd.Series | None = None
) -> AgentDay:
    """``day`` as the agent may know it: settled at its RT prices, the DAM curve as the reference, the previous
    day's RT prices when ``previous`` is the calendar day before, ``model`` fitted on earlier days, and the
    EnKF filtered mean of the day's prices (``enkf_mean``, on the day's intervals; the agent reads t - 1 at t)."""
    from hayeknet.battery.dam_strategies import dam_on_index

    index = pd.DatetimeIndex(day.rt.index)
    if previous is not None and (day.day - previous.day).days != 1:
        previous = None  # only the calendar day before is "the previous day"
    if model is not None and abs(model.dt_hours - day.dt_hours) > 1e-9:
        model = None  # fitted at another interval length
    return AgentDay(
        day.day.isoformat(),
        day.rt.to_numpy(dtype=float),
        reference_usd_per_mwh=dam_on_index(day.dam_hourly, index),
        reference_is_dam=True,
        previous_usd_per_mwh=None if previous is None else previous.rt.to_numpy(dtype=float),
        local_hour=np.asarray(index.tz_convert(ERCOT_TZ).hour, dtype=int),
        spread_model=model,
        enkf_mean_usd_per_mwh=None if enkf_mean is None else enkf_mean.reindex(index).to_numpy(dtype=float),
    )


def training_days(days: Sequence[RealDay], tuning: Window, settings: EvaluationSettings) -> list[AgentDay]:
    """The tuning window's days as :func:`agent_day` builds them, chronological, each with the spread model
    fitted on the days before it (:func:`~hayeknet.battery.walk_forward.spread_model_for`) and, with
    ``settings.assimilation``, the day's EnKF mean."""
    ordered = sorted(days, key=lambda d: d.day)
    out = []
    for i, day in enumerate(ordered):
        if day.day not in tuning:
            continue
        model, _ = spread_model_for(history_before(ordered, i, settings), settings)
        enkf = None if settings.assimilation is None else day_enkf_mean(day, settings.assimilation)
        out.append(agent_day(day, ordered[i - 1] if i else None, model, enkf))
    if not out:
        raise EvaluationError(f"no day of the tuning window {tuning.label()} in the data to train the agent on")
    return out


def train_on_tuning_window(
    days: Sequence[RealDay],
    tuning: Window,
    spec: BatterySpec,
    settings: EvaluationSettings,
    train_params: TrainParams,
    timesteps: int,
    out_dir: Path,
) -> TrainingRecord:
    """Train a fresh agent on the tuning window's days for ``timesteps`` environment steps (rounded up to whole
    rollouts) into ``out_dir`` (``model.zip`` + ``registry.json``); the record of the increment.

    Raises :class:`EvaluationError` when ``timesteps`` is not positive, the window has no day, or the days are
    not all at one interval length.
    """
    if timesteps <= 0:
        raise EvaluationError(f"agent timesteps must be positive, got {timesteps}")
    agent_days = training_days(days, tuning, settings)
    lengths = {round(d.dt_hours, 9) for d in days if d.day in tuning}
    if len(lengths) != 1:
        raise EvaluationError(f"tuning days at several interval lengths {sorted(lengths)} h: cannot train one agent")
    params = dataclasses.replace(train_params, timesteps_per_day=int(timesteps))
    return train_increment(None, agent_days, spec, params, Path(out_dir), dt_hours=lengths.pop())


def agent_offers(checkpoint: Path, info: DayInformation) -> OfferStrategy:
    """The frozen agent for a day with ``info`` (its DAM, spread model and EnKF mean, when the evaluation runs
    the EnKF)."""
    return AgentOffers(Path(checkpoint), info.dam_hourly, info.spread_model, info.enkf_mean)


def agent_factory(checkpoint: Path) -> Callable[[DayInformation], OfferStrategy]:
    """A picklable ``info -> strategy`` for :func:`hayeknet.battery.walk_forward.walk_forward`'s ``extra``."""
    return functools.partial(agent_offers, Path(checkpoint).resolve())


RETRAINED = f"{AGENT}_retrained"
"""The retrained agent's name in the evaluation's tables."""


@dataclass(frozen=True)
class RetrainedBlock:
    """One block of evaluation days and the checkpoint that traded it (trained on days before ``first_day``)."""

    first_day: str
    last_day: str
    checkpoint: Path
    days_seen: int
    last_day_seen: str
    total_timesteps: int
    wall_seconds: float  # training before the block (0 for the first: the tuning window's agent)


def retrain_through_window(
    days: Sequence[RealDay],
    tuning: Window,
    window: Window,
    spec: BatterySpec,
    settings: EvaluationSettings,
    train_params: TrainParams,
    start_checkpoint: Path,
    timesteps: int,
    every_days: int,
    out_dir: Path,
    workers: int = 1,
) -> tuple[pd.DataFrame, list[RetrainedBlock]]:
    """The agent retrained through ``window`` in blocks of ``every_days`` evaluation days (module doc).

    The first block trades with ``start_checkpoint`` (the tuning window's agent); before each later block
    the previous checkpoint continues for ``timesteps`` steps on every day from ``tuning.start`` up to the
    day before the block, each as :func:`agent_day` builds it. Returns the :data:`RESULT_COLUMNS` rows of
    :data:`RETRAINED` (no perfect-foresight rows: the main walk has them) and the blocks.
    """
    from hayeknet.battery.walk_forward import walk_forward

    if every_days < 1 or timesteps <= 0:
        raise EvaluationError(f"retraining needs every_days >= 1 and timesteps > 0, got {every_days}, {timesteps}")
    ordered = sorted(days, key=lambda d: d.day)
    evaluated = [d.day for d in ordered if d.day in window]
    if not evaluated:
        raise EvaluationError(f"no day of {window.label()} in the data")
    known = training_days(ordered, Window(tuning.start, evaluated[-1]), settings)  # each as known before it
    params = dataclasses.replace(train_params, timesteps_per_day=int(timesteps))
    dt_hours = seen_dt(days)
    registry = read_registry(checkpoint_file(start_checkpoint))
    checkpoint, blocks, frames = Path(start_checkpoint), [], []
    for k in range(0, len(evaluated), every_days):
        block = evaluated[k : k + every_days]
        seconds = 0.0
        if k:
            seen = [d for d in known if d.label < block[0].isoformat()]
            record = train_increment(checkpoint, seen, spec, params, Path(out_dir) / f"block-{block[0]}", dt_hours)
            checkpoint, registry, seconds = (
                record.checkpoint.parent,
                read_registry(record.checkpoint),
                record.wall_seconds,
            )
        if registry is None:
            raise EvaluationError(f"{checkpoint}: no registry.json beside the checkpoint")
        frame = walk_forward(
            days, Window(block[0], block[-1]), (), spec, settings, workers, extra={RETRAINED: agent_factory(checkpoint)}
        )
        frames.append(frame[frame["strategy"] == RETRAINED])
        blocks.append(
            RetrainedBlock(
                block[0].isoformat(),
                block[-1].isoformat(),
                checkpoint,
                len(registry["days_seen"]),
                registry["days_seen"][-1],
                int(registry["total_timesteps"]),
                seconds,
            )
        )
    return pd.concat(frames, ignore_index=True), blocks


def seen_dt(days: Sequence[RealDay]) -> float:
    """The one interval length (hours) of ``days``; :class:`EvaluationError` when they mix lengths."""
    lengths = {round(d.dt_hours, 9) for d in days}
    if len(lengths) != 1:
        raise EvaluationError(f"days at several interval lengths {sorted(lengths)} h: cannot train one agent")
    return lengths.pop()


__all__ = [
    "AGENT",
    "RETRAINED",
    "RetrainedBlock",
    "agent_day",
    "agent_factory",
    "agent_offers",
    "retrain_through_window",
    "train_on_tuning_window",
    "training_days",
]
