"""The train stage: the walk-forward PPO battery agent and the three QSE learners."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hayeknet.pipeline.days import INIT
from hayeknet.pipeline.stages.assimilate import read_states
from hayeknet.pipeline.stages.context import (
    check_day,
    dam_reference,
    day_table,
    location_prices,
    StageContext,
    StageInputError,
)


QSE_DIR = "qse"
"""Sub-folder of ``artifacts/models/<day>/`` holding the three QSE learners."""
BELIEFS_DIR = "beliefs"
"""Sub-folder of ``artifacts/`` written by the beliefs stage (``<day>/beliefs.json``, ``<day>/hourly.parquet``)."""


def corridor_bounds(ctx: StageContext) -> tuple[float, float] | None:
    """Net injection (MW) at the battery's location that keeps every transmission corridor of the
    grid graph within its limit (:meth:`hayeknet.constraints.grid.GridGraph.net_power_bounds_mw`,
    base flows zero); ``None`` when the location is not in the graph or no corridor is sensitive to it."""
    from hayeknet.constraints.errors import GridModelError
    from hayeknet.constraints.grid import build_grid

    try:
        lo, hi = build_grid().net_power_bounds_mw(ctx.location)
    except GridModelError:
        return None
    if not (math.isfinite(lo) or math.isfinite(hi)):
        return None
    return float(lo), float(hi)


def qse_config(ctx: StageContext) -> Any:
    """The three-QSE market of params.yaml (``qse`` section, battery of ``battery``).

    ``qse.market_design`` (``sced``, the default, or ``rtc_b``: the battery also
    offers AS) and ``qse.corridor_limits`` (default true: the corridor bounds of
    :func:`corridor_bounds` enter the battery's projection).
    """
    from hayeknet.agents.market import PriceImpact
    from hayeknet.agents.qse import QSEEnvConfig, RenewableSpec

    q = ctx.params.qse
    bounds = corridor_bounds(ctx) if q.corridor_limits else None
    return QSEEnvConfig(
        battery=ctx.spec,
        solar=RenewableSpec(q.solar_mw, q.imbalance_charge_usd_per_mwh),
        wind=RenewableSpec(q.wind_mw, q.imbalance_charge_usd_per_mwh),
        impact=PriceImpact(slope_usd_per_mwh_per_mw=q.impact_usd_per_mwh_per_mw),
        market_design=q.market_design,
        net_power_bounds_mw=bounds,
    )


def prior_beliefs(ctx: StageContext, day: str) -> pd.DataFrame | None:
    """The hourly beliefs about ``day`` stated on the study day before it (walk-forward), or ``None``.

    Reads ``artifacts/beliefs/<prev>/hourly.parquet`` where ``<prev>`` is
    :meth:`StageContext.prev_of`: those beliefs were fitted on days up to
    ``<prev>`` only, never on ``day``. ``None`` when the folder holds no beliefs
    (``init``) or they were stated for another day (``beliefs.json`` field
    ``day`` differs: a gap in the study days).
    """
    folder = ctx.paths.artifacts / BELIEFS_DIR / ctx.prev_of(day)
    meta, hourly = folder / "beliefs.json", folder / "hourly.parquet"
    if not (meta.exists() and hourly.exists()):
        return None
    if json.loads(meta.read_text()).get("day") != day:
        return None
    return pd.read_parquet(hourly)


def qse_as_prices(ctx: StageContext, day: str) -> tuple[pd.DataFrame | None, str, str | None]:
    """AS clearing prices of the day ($/MW per hour, one column per product): ``(prices, period, source)``.

    The real-time MCPCs (NP6-331-CD, 15-minute) when archived, else the DAM
    MCPCs (NP4-188-CD, hourly) as a stand-in (before RTC+B's go-live), else ``None``.
    """
    from hayeknet.battery.market_designs import MarketDataError, day_market_inputs

    try:
        _, rt_as, dam_as, _ = day_market_inputs(day_table(ctx, day), ctx.location)
    except MarketDataError:
        return None, "15min", None
    if not rt_as.empty:
        return rt_as, "15min", "RT MCPC (NP6-331-CD)"
    if not dam_as.empty:
        return dam_as, "h", "DAM MCPC (NP4-188-CD; no RT MCPC archived)"
    return None, "15min", None


def qse_day(ctx: StageContext, day: str) -> Any:
    """The day as the three QSEs see it: RT and DAM prices at the location, AS prices, renewable
    profiles (synthetic: the archive has no plant output), the EnKF state and the beliefs stated
    the study day before (:func:`prior_beliefs`; zeros and ``has_beliefs = 0`` when there are none)."""
    from hayeknet.agents.qse import interval_beliefs, qse_day_from_prices, state_features
    from hayeknet.battery.market_designs import dam_energy_prices

    prices = location_prices(ctx, day)
    dam = dam_energy_prices(day_table(ctx, day), ctx.location)
    if dam is None:
        raise StageInputError(f"{ctx.paths.archive_day(day)}: no DAM price at {ctx.location} for the QSE agents")
    filtered, _ = read_states(ctx, day)
    own = filtered[filtered["location"] == ctx.location].set_index("interval_start_utc").reindex(prices.index)
    hourly = prior_beliefs(ctx, day)
    beliefs = None if hourly is None else interval_beliefs(hourly, pd.DatetimeIndex(prices.index))
    state = state_features(
        own["mean"].ffill().bfill().to_numpy(), own["spread"].ffill().bfill().to_numpy(), beliefs
    )
    as_prices, period, source = qse_as_prices(ctx, day)
    return qse_day_from_prices(
        day, prices, dam, ctx.params.study.seed, state=state,
        as_prices=as_prices, as_price_period=period, as_price_source=source,
    )


def train_qse(ctx: StageContext, day: str) -> None:
    """Train (or, for ``init``, create) the three QSE learners into ``models/<day>/qse``."""
    from hayeknet.agents.multi_training import init_qse_models, train_qse_increment

    params = dataclasses.replace(ctx.params.train, timesteps_per_day=ctx.params.qse.timesteps_per_agent_per_day)
    out = ctx.paths.models / day / QSE_DIR
    if day == INIT:
        init_qse_models(params, out, qse_config(ctx))
        return
    days = [qse_day(ctx, d) for d in ctx.days_through(day)]
    train_qse_increment(ctx.paths.models / ctx.prev_of(day) / QSE_DIR, days, params, out, qse_config(ctx))


def evaluate_qse(ctx: StageContext, day: str) -> dict[str, Any]:
    """The three QSE agents of checkpoint ``models/<prev>/qse`` on the unseen ``day`` vs heuristics."""
    from hayeknet.agents.evaluation import evaluate_qse_day

    prev = ctx.prev_of(day)
    reference = None if prev == INIT else qse_day(ctx, prev)
    return evaluate_qse_day(ctx.paths.models / prev / QSE_DIR, qse_day(ctx, day), reference, qse_config(ctx))

@dataclass(frozen=True)
class TrainOutcome:
    """What the train stage did: the checkpoint folder and its registry."""

    day: str
    model_dir: Path
    registry: dict[str, Any]
    seconds: float

    def summary(self) -> dict[str, Any]:
        reg = self.registry
        return {
            "day": self.day,
            "checkpoint": str(self.model_dir.relative_to(self.model_dir.parents[1])),
            "days_seen": ", ".join(reg.get("days_seen", [])) or "(none: untrained start)",
            "total_timesteps": reg.get("total_timesteps", 0),
            "increment_timesteps": reg.get("increment_timesteps", 0),
            "parameters_sha256": reg.get("parameters_sha256", "")[:16],
            "seconds": round(self.seconds, 1),
        }

    def learning_curve(self) -> pd.DataFrame:
        return pd.DataFrame(self.registry.get("learning_curve", []))


def run_train(ctx: StageContext, day: str) -> TrainOutcome:
    """``day == "init"``: write the seeded untrained checkpoint ``models/init``.

    Otherwise resume from the previous study day's checkpoint and train
    ``train.timesteps_per_day`` steps on every study day up to and including
    ``day`` (walk-forward: this checkpoint is used to simulate the *next* day).
    The agent's reference curve for a day is that day's DAM price (known the
    day before), so it sees the day-ahead outlook the MPC strategies use.
    """
    import time

    from hayeknet.agents.training import init_model, read_registry, train_increment

    start = time.perf_counter()
    if day == INIT:
        out = ctx.paths.models / INIT
        init_model(ctx.spec, ctx.params.train, out)
    else:
        day = check_day(day)
        labels = ctx.days_through(day)
        if day not in labels:
            raise StageInputError(f"{day} is not a study day of {ctx.paths.days_file}")
        series = [location_prices(ctx, d) for d in labels]
        history = [s.to_numpy() for s in series]
        references = [dam_reference(ctx, d, s.index) for d, s in zip(labels, series)]
        prev_dir = ctx.paths.models / ctx.prev_of(day)
        if not prev_dir.exists():
            raise StageInputError(f"{prev_dir}: previous checkpoint missing (run train@{ctx.prev_of(day)})")
        out = ctx.paths.models / day
        train_increment(prev_dir, history, labels, ctx.spec, ctx.params.train, out,
                        reference_days=references, reference_kind="dam")
    if ctx.params.qse.enabled:
        train_qse(ctx, day)
    registry = read_registry(out) or {}
    return TrainOutcome(day, out, registry, time.perf_counter() - start)
