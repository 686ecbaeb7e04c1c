"""A trained agent as a strategy under the information contract (ADR 0017): :class:`AgentOffers`.

Before interval ``t`` the agent is shown what a strategy may know
(:class:`~hayeknet.battery.offers.CausalStrategy`: the prices of ``[0, t)``,
the SOC, what was known before the day) and answers with an offer curve
(:mod:`hayeknet.agents.offer_action`); :func:`~hayeknet.battery.offers.clear_offers`
clears it at ``t``'s price and projects it like every strategy's. The
observation is built from the observed prices padded with NaN from ``t`` on
(and the EnKF mean cut at ``t - 1``), so nothing of ``t`` can reach it
unnoticed. The policy is the checkpoint's deterministic actor evaluated in
NumPy (:class:`~hayeknet.agents.multi_training.FrozenPolicy`), loaded on CPU
once per checkpoint.

The same day played through :class:`~hayeknet.agents.battery_env.BatteryTradingEnv`
gives the same dispatch (tested): the environment is where the agent learns,
this is how it trades.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hayeknet.agents.battery_env import (
    DT_HOURS_5MIN,
    OBSERVATION_NAMES,
    OBSERVATION_VERSION,
    DayPlan,
    battery_state,
    plan_day,
)
from hayeknet.agents.errors import CheckpointError
from hayeknet.agents.features import AgentDay, dynamic_features
from hayeknet.agents.offer_action import action_layout, anchor_prices, feasible_interval_mw, offer_curve
from hayeknet.agents.training import checkpoint_file, read_registry
from hayeknet.agents.trust import verify as verify_checkpoint
from hayeknet.battery.information import ERCOT_TZ, StrategyContext, previous_day_prices
from hayeknet.battery.offers import OfferCurve, OfferStrategy, run_causal
from hayeknet.battery.spec import BatterySpec
from hayeknet.beliefs.spread_model import SpreadModel

AGENT_NAME = "ppo_agent"


def check_registry(path: Path, spec: BatterySpec | None = None) -> None:
    """Raise :class:`CheckpointError` if the registry beside ``path`` records another observation
    layout, another action grid or (when ``spec`` is given) another battery."""
    registry = read_registry(path)
    if registry is None:
        return
    obs = registry.get("observation", {})
    if obs.get("version") != OBSERVATION_VERSION or obs.get("names") != list(OBSERVATION_NAMES):
        raise CheckpointError(
            f"{path.parent / 'registry.json'}: field observation is version {obs.get('version')!r}, "
            f"this code builds version {OBSERVATION_VERSION}; retrain the agent"
        )
    if registry.get("action") != action_layout():
        raise CheckpointError(
            f"{path.parent / 'registry.json'}: field action {registry.get('action')!r} differs from this code's "
            f"offer-curve action {action_layout()}; retrain the agent"
        )
    if spec is not None and registry.get("battery") not in (None, dataclasses.asdict(spec)):
        raise CheckpointError(
            f"{path.parent / 'registry.json'}: field battery {registry['battery']} differs from the "
            f"battery simulated {dataclasses.asdict(spec)}"
        )


def load_agent(checkpoint: Path, spec: BatterySpec | None = None) -> Any:
    """Load a checkpoint (``model.zip`` or its folder) on CPU as an SB3 ``PPO``, checked against its registry.

    Raises :class:`CheckpointError` if the file is missing, if the registry
    records another observation layout or action grid, or (when ``spec`` is given) another battery.
    """
    from stable_baselines3 import PPO

    path = checkpoint_file(Path(checkpoint))
    if not path.exists():
        raise CheckpointError(f"{path}: no such checkpoint")
    check_registry(path, spec)
    verify_checkpoint(path)  # a model.zip unpickles code: only the project's own, or one the user trusts
    model = PPO.load(path, device="cpu")
    if model.observation_space.shape != (len(OBSERVATION_NAMES),):
        raise CheckpointError(
            f"{path}: observation shape {model.observation_space.shape} differs from this code's "
            f"({len(OBSERVATION_NAMES)},)"
        )
    return model


@functools.lru_cache(maxsize=4)
def _frozen(path: Path, mtime_ns: int) -> Any:
    from hayeknet.agents.multi_training import FrozenPolicy

    return FrozenPolicy(load_agent(path))


def frozen_policy(checkpoint: Path, spec: BatterySpec | None = None) -> Any:
    """The checkpoint's deterministic policy in NumPy, loaded once per file version (and checked against ``spec``)."""
    path = checkpoint_file(Path(checkpoint))
    if not path.exists():
        raise CheckpointError(f"{path}: no such checkpoint")
    check_registry(path, spec)
    return _frozen(path.resolve(), path.stat().st_mtime_ns)


def _on_index(series: pd.Series | None, index: pd.DatetimeIndex) -> np.ndarray | None:
    if series is None:
        return None
    values = series.copy()
    values.index = pd.DatetimeIndex(values.index).tz_convert("UTC")
    aligned = values[~values.index.duplicated(keep="last")].reindex(index.tz_convert("UTC"))
    return aligned.to_numpy(dtype=float)


@dataclass(frozen=True, eq=False)
class AgentOffers(OfferStrategy):
    """A PPO checkpoint trading through offer curves (module docstring).

    What it may know before the day: ``dam_hourly`` (the day's DAM prices at the
    location, UTC hour start, published the day before; the reference curve and
    the anchor of its thresholds), ``spread_model`` (fitted on earlier days),
    ``enkf_mean`` (the EnKF filtered mean per UTC interval start, read at ``t - 1``
    only) and the previous operating day's prices in ``context.history``.
    """

    checkpoint: Path
    dam_hourly: pd.Series | None = None
    spread_model: SpreadModel | None = None
    enkf_mean: pd.Series | None = None
    enforce_terminal_soc: bool = True

    @property
    def name(self) -> str:
        return AGENT_NAME

    def open_day(self, index: pd.DatetimeIndex, spec: BatterySpec, context: StrategyContext) -> _AgentDayOffers:
        from hayeknet.archive.queries import dam_on_grid

        policy = frozen_policy(Path(self.checkpoint), spec)
        n = len(index)
        dt_hours = float(context.dt_hours)
        previous = previous_day_prices(context.history, index[0]) if n else pd.Series(dtype=float)
        prev = previous.to_numpy(dtype=float) if len(previous) else None
        reference = dam_on_grid(self.dam_hourly, index) if n else None
        is_dam = reference is not None
        if reference is None and prev is not None:
            reference = prev
        hours = np.asarray(index.tz_convert(ERCOT_TZ).hour, dtype=int)
        enkf = _on_index(self.enkf_mean, index)
        if enkf is not None and not np.all(np.isfinite(enkf)):
            # gaps take the last earlier value only (a later one would carry news of the interval); without
            # a value for the first interval the agent trades without the EnKF, as it was trained
            enkf = pd.Series(enkf).ffill().to_numpy()
            enkf = enkf if np.all(np.isfinite(enkf)) else None
        soc0 = spec.soc_initial_mwh if context.soc_start_mwh is None else float(context.soc_start_mwh)
        model = self.spread_model
        if model is not None and abs(model.dt_hours - dt_hours) > 1e-9:
            model = None  # fitted at another interval length: its spreads are not this day's
        # a stand-in day (flat prices) carries what is known before the day; its prices are never read
        known = AgentDay(
            "offers",
            np.zeros(max(n, 1)),
            reference_usd_per_mwh=reference,
            reference_is_dam=is_dam,
            previous_usd_per_mwh=prev,
            local_hour=hours if n else None,
            spread_model=model if n else None,
        )
        plan = plan_day(known, spec, dt_hours, soc0, shaping=False)
        return _AgentDayOffers(policy, spec, dt_hours, n, known, plan, enkf, self.enforce_terminal_soc)

    def schedule(
        self, day_prices: pd.Series, spec: BatterySpec, context: StrategyContext
    ) -> tuple[np.ndarray, np.ndarray]:
        return run_causal(self, day_prices, spec, context)


@dataclass(eq=False)
class _AgentDayOffers:
    policy: Any
    spec: BatterySpec
    dt_hours: float
    n: int
    known: AgentDay
    plan: DayPlan
    enkf: np.ndarray | None
    enforce_terminal_soc: bool

    def _known_before(self, t: int, observed: pd.Series) -> tuple[np.ndarray, np.ndarray | None]:
        """The day's prices and EnKF mean as known before ``t``: NaN from ``t`` on."""
        prices = np.full(self.n, np.nan)
        prices[:t] = observed.to_numpy(dtype=float)[:t]
        enkf = None
        if self.enkf is not None:
            enkf = np.full(self.n, np.nan)
            enkf[:t] = self.enkf[:t]
        return prices, enkf

    def observation(self, t: int, observed: pd.Series, soc_mwh: float) -> np.ndarray:
        """The agent's observation before interval ``t`` (prices of ``[0, t)`` only)."""
        prices, enkf = self._known_before(t, observed)
        k = self.known
        dynamic = dynamic_features(
            prices,
            k.reference_usd_per_mwh,
            k.reference_is_dam,
            k.previous_usd_per_mwh,
            k.local_hour,
            k.spread_model,
            enkf,
        )[t]
        state = battery_state(soc_mwh, t, self.n, self.spec, self.dt_hours, self.enforce_terminal_soc)
        row = np.concatenate([state, dynamic.astype(np.float32), self.plan.static[t].astype(np.float32)])
        if not np.all(np.isfinite(row)):
            raise CheckpointError(f"agent observation of interval {t} is not finite: {row}")
        return row

    def offer(self, t: int, observed: pd.Series, soc_mwh: float) -> OfferCurve:
        action = self.policy(self.observation(t, observed, soc_mwh))
        k = self.known
        prices, _ = self._known_before(t, observed)
        anchor = anchor_prices(prices, k.reference_usd_per_mwh, k.reference_is_dam, k.previous_usd_per_mwh)[t]
        bounds = feasible_interval_mw(soc_mwh, t, self.n, self.spec, self.dt_hours, self.enforce_terminal_soc)
        return offer_curve(action, float(anchor), float(self.plan.plan_net_mw[t]), self.spec.power_mw, bounds)


def agent_schedule(
    checkpoint: Path,
    day_prices: pd.Series | np.ndarray,
    spec: BatterySpec,
    dt_hours: float = DT_HOURS_5MIN,
    dam_hourly: pd.Series | None = None,
    spread_model: SpreadModel | None = None,
    enkf_mean: pd.Series | None = None,
    history: pd.Series | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The agent's deterministic schedule over one day: ``(charge_mw, discharge_mw)``, one value per interval.

    ``day_prices``: the day's real-time prices ($/MWh; a UTC-indexed Series, or
    an array placed on a stand-in day from local midnight). The agent trades
    through :class:`AgentOffers` (offer curves cleared at each interval's price).
    """
    from hayeknet.battery.information import empty_history

    if not isinstance(day_prices, pd.Series):
        values = np.asarray(day_prices, dtype=float)
        start = pd.Timestamp("2001-01-02T06:00Z")
        index = pd.date_range(start, periods=values.size, freq=pd.Timedelta(hours=dt_hours))
        day_prices = pd.Series(values, index=index)
    context = StrategyContext(dt_hours, history if history is not None else empty_history())
    strategy = AgentOffers(Path(checkpoint), dam_hourly, spread_model, enkf_mean)
    return strategy.schedule(day_prices, spec, context)
