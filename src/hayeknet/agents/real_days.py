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
  evaluation window: the nightly pipeline's agent is (ADR 0002), so this measures what the tuning window
  alone taught it.

Prices $/MWh, profits $, intervals of the report files (15 minutes for NP6-905-CD).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from hayeknet.agents.features import AgentDay
from hayeknet.agents.policy import AGENT_NAME, AgentOffers
from hayeknet.agents.training import TrainingRecord, train_increment
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


__all__ = ["AGENT", "agent_day", "agent_factory", "agent_offers", "train_on_tuning_window", "training_days"]
