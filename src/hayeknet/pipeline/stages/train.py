"""Stage ``train``: the walk-forward PPO battery agent and the three QSE learners -> ``artifacts/models/<day>/``.

``train@<day>`` resumes from the checkpoint of the study day before and
trains on every study day up to and including ``day``: the checkpoint of
``day`` is the agent that the simulate stage runs on the *next* day.
``train_init`` writes the seeded, untrained agents of the first day
(``artifacts/models/init``). The three QSE learners (battery, solar, wind at
the battery's settlement point) live in ``artifacts/models/<day>/qse``.

Params (``dvc.yaml``): ``train``, ``qse``, ``battery``, ``study.seed`` (the
synthetic days' renewable profiles). The simulate stage builds the same QSE
days through :func:`qse_day` and :func:`qse_config` with its own params.

Renewables, real or none (issue 12): a synthetic day (provenance
``collected_from == "synthetic"``) gets the synthetic system profiles; a day
of real data gets ERCOT's wind and solar output from its archived
``generation.parquet`` (:func:`qse_renewables`, ADR 0014), and a resource
without a complete profile is off that day: its QSE does not run (the
battery QSE runs alone when both are off), and the summaries say why.
Synthetic profiles are never set against real prices.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hayeknet.battery.spec import BatterySpec
from hayeknet.params import Params, QSEParams
from hayeknet.pipeline.context import StageContext, StageInputError, check_day
from hayeknet.pipeline.days import INIT
from hayeknet.pipeline.network import SYNTHETIC, NetworkView
from hayeknet.pipeline.stages import assimilate, beliefs, ingest
from hayeknet.pipeline.timings import timed

STAGE = "train"
INIT_STAGE = "train_init"
QSE_DIR = "qse"
"""Sub-folder of ``artifacts/models/<day>/`` holding the three QSE learners."""


def qse_config(spec: BatterySpec, qse: QSEParams, network: NetworkView) -> Any:
    """The three-QSE market: ``qse.market_design`` (``sced``, or ``rtc_b``: the battery also offers AS)
    and ``qse.corridor_limits`` (the day's network's corridor bounds at the location enter the battery's
    projection; :meth:`~hayeknet.pipeline.network.NetworkView.corridor_bounds`)."""
    from hayeknet.agents.market import PriceImpact
    from hayeknet.agents.qse import QSEEnvConfig, RenewableSpec

    bounds = network.corridor_bounds(spec.location)[0] if qse.corridor_limits else None
    return QSEEnvConfig(
        battery=spec,
        solar=RenewableSpec(qse.solar_mw, qse.imbalance_charge_usd_per_mwh),
        wind=RenewableSpec(qse.wind_mw, qse.imbalance_charge_usd_per_mwh),
        impact=PriceImpact(slope_usd_per_mwh_per_mw=qse.impact_usd_per_mwh_per_mw),
        market_design=qse.market_design,
        net_power_bounds_mw=bounds,
    )


def prior_beliefs(ctx: StageContext, day: str) -> pd.DataFrame | None:
    """The hourly beliefs about ``day`` stated the study day before it (:func:`beliefs.beliefs_about`), or None."""
    folder, _ = beliefs.beliefs_about(ctx, day)
    return None if folder is None else beliefs.read_hourly(folder)


def qse_as_prices(table: pd.DataFrame) -> tuple[pd.DataFrame | None, str, str | None]:
    """AS clearing prices of the day ($/MW per hour, one column per product): ``(prices, period, source)``.

    The real-time MCPCs (NP6-331-CD, 15-minute) when archived, else the DAM
    MCPCs (NP4-188-CD, hourly) as a stand-in (before RTC+B's go-live), else ``None``.
    """
    from hayeknet.archive.queries import DAM, RTM_15MIN, as_prices

    rt_as = as_prices(table, RTM_15MIN)
    if not rt_as.empty:
        return rt_as, "15min", "RT MCPC (NP6-331-CD)"
    dam_as = as_prices(table, DAM)
    if not dam_as.empty:
        return dam_as, "h", "DAM MCPC (NP4-188-CD; no RT MCPC archived)"
    return None, "15min", None


CAPACITY_LOOKBACK_DAYS = 30
"""Earlier study days whose generation tables give the fleet capacity of a real day's profiles."""


def qse_unavailable(ctx: StageContext, day: str, params: Params) -> str | None:
    """Why the QSE market cannot run on ``day``'s data at all, or None: it settles 5-minute real-time
    prices against the DAM price of each hour at the battery's location. (A missing renewable only
    switches that QSE off: :func:`qse_renewables`.)"""
    from hayeknet.archive.queries import dam_prices, realtime_prices

    location = params.battery.location
    table = ingest.read_day(ctx, day)
    rt = realtime_prices(table, location, what=str(ctx.paths.archive_day(day)))
    if rt.interval_minutes != 5:
        return (
            f"the QSE agents need 5-minute real-time prices; {day} has {rt.interval_minutes}-minute prices "
            f"at {location} ({rt.report})"
        )
    if dam_prices(table, location) is None:
        return f"the QSE agents need the DAM price at {location}; {day} has none"
    return None


def fleet_capacity_mw(ctx: StageContext, day: str, generation: pd.DataFrame) -> tuple[dict[str, float], str]:
    """Capacity (MW) per resource that a real day's profiles are fractions of, and a sentence on its basis.

    The highest of the system-wide actual output or HSL over the (up to
    :data:`CAPACITY_LOOKBACK_DAYS`) study days before ``day`` with a
    generation table (:func:`~hayeknet.ercot.generation.profiles.fleet_peak_mw`)
    and of ``day``'s own as-of day-ahead forecast: all published before the
    day (the previous day's last actuals in its first hours), so the forecast
    fraction the agents observe carries nothing of the day's actual output. A
    resource with neither is left out (the day's own peak is then the proxy,
    and its description says so).
    """
    from hayeknet.archive.store import read_generation
    from hayeknet.ercot.generation.profiles import RESOURCES, fleet_peak_mw
    from hayeknet.ercot.generation.reports import SYSTEM_WIDE

    earlier = [d for d in ctx.days_through(day) if d < day and ingest.archived(ctx, d)][-CAPACITY_LOOKBACK_DAYS:]
    tables = [read_generation(ctx.paths.archive, d) for d in earlier]
    n_tables = sum(t is not None for t in tables)
    out: dict[str, float] = {}
    for resource in RESOURCES:
        peaks = [fleet_peak_mw(tables, resource)]
        rows = generation.loc[(generation["resource"] == resource) & (generation["region"] == SYSTEM_WIDE)]
        forecast = rows["forecast_mw"].to_numpy(dtype="float64")
        peaks.append(float(np.nanmax(forecast)) if np.isfinite(forecast).any() else None)
        known = [p for p in peaks if p is not None and p > 0]
        if known:
            out[resource] = max(known)
    basis = (
        f"capacity: the peak of the {n_tables} earlier study days' system-wide output and of the day's as-of forecast"
    )
    return out, basis


def qse_renewables(ctx: StageContext, day: str, params: Params) -> dict[str, Any]:
    """The solar and wind profiles of the QSEs on ``day``
    (:class:`~hayeknet.ercot.generation.profiles.RenewableProfile` by resource).

    A synthetic day: :func:`~hayeknet.agents.qse.synthetic_renewable_profiles` (``study.seed``). A day of
    real data: :func:`~hayeknet.ercot.generation.profiles.renewable_profiles` of its archived generation
    table (actual output and the day-ahead forecast as of 10:00 Central the day before, fractions of
    :func:`fleet_capacity_mw`); an unavailable profile (no ``generation.parquet``, hours missing) switches
    that QSE off. Never synthetic profiles for a real day.
    """
    from hayeknet.archive.store import read_generation
    from hayeknet.ercot.generation.profiles import renewable_profiles

    if ingest.collected_from(ctx, day) == SYNTHETIC:
        from hayeknet.agents.qse import synthetic_renewable_profiles

        return dict(synthetic_renewable_profiles(day, params.study.seed))
    generation = read_generation(ctx.paths.archive, day)
    if generation is None:
        return dict(renewable_profiles(None, day))
    capacity, basis = fleet_capacity_mw(ctx, day, generation)
    profiles = renewable_profiles(generation, day, capacity_mw=capacity)
    return {
        r: p._replace(description=f"{p.description} ({basis})") if p.available and r in capacity else p
        for r, p in profiles.items()
    }


def qse_agents_note(qse_day: Any) -> str:
    """Which QSEs run on a :class:`~hayeknet.agents.qse.QSEDay` and why one does not, in plain words."""
    from hayeknet.agents.evaluation import off_reason

    ran = ", ".join(qse_day.agents)
    off = [off_reason(qse_day, a) for a in ("solar", "wind") if a not in qse_day.agents]
    return f"QSEs run on {qse_day.label}: {ran}" + "".join(f"; {why}" for why in off)


def qse_day(ctx: StageContext, day: str, params: Params) -> Any:
    """The day as the three QSEs see it: RT and DAM prices at the location, AS prices, the solar and wind
    profiles of :func:`qse_renewables` (real output on a real day, or that QSE off), the EnKF state and the
    beliefs stated the study day before (zeros and ``has_beliefs = 0`` when there are none). ``params`` is
    the calling stage's view (battery, study.seed)."""
    from hayeknet.agents.qse import interval_beliefs, qse_day_from_prices, state_features
    from hayeknet.archive.queries import dam_prices, realtime_prices

    location = params.battery.location
    table = ingest.read_day(ctx, day)
    prices = realtime_prices(table, location, what=str(ctx.paths.archive_day(day))).prices
    dam = dam_prices(table, location)
    if dam is None:
        raise StageInputError(f"{ctx.paths.archive_day(day)}: no DAM price at {location} for the QSE agents")
    filtered, _ = assimilate.read_states(ctx, day)
    own = filtered[filtered["location"] == location].set_index("interval_start_utc").reindex(prices.index)
    hourly = prior_beliefs(ctx, day)
    interval = None if hourly is None else interval_beliefs(hourly, pd.DatetimeIndex(prices.index))
    state = state_features(own["mean"].ffill().bfill().to_numpy(), own["spread"].ffill().bfill().to_numpy(), interval)
    as_prices, period, source = qse_as_prices(table)
    return qse_day_from_prices(
        day,
        prices,
        dam,
        qse_renewables(ctx, day, params),
        state=state,
        as_prices=as_prices,
        as_price_period=period,
        as_price_source=source,
    )


def agent_day(
    ctx: StageContext,
    day: str,
    location: str,
    table: pd.DataFrame,
    prices: pd.Series,
    previous: pd.Series | None,
) -> Any:
    """``day`` as the single agent knows it (:class:`~hayeknet.agents.features.AgentDay`): the real-time
    ``prices`` it is settled at, the DAM curve (published the day before; else the previous study day's
    prices as the reference), the previous study day's prices (``previous``, None on the first), the
    spread model the beliefs stated the study day before (when fitted at the day's interval length) and
    the EnKF filtered mean at the location (the agent sees it up to ``t - 1``)."""
    from hayeknet.agents.features import AgentDay
    from hayeknet.archive.queries import dam_on_grid, dam_prices
    from hayeknet.ercot.calendar import ERCOT_TZ

    index = pd.DatetimeIndex(prices.index)
    dam = dam_on_grid(dam_prices(table, location), index)
    prev = None if previous is None else previous.to_numpy(dtype=float)
    dt_hours = float((index[1] - index[0]) / pd.Timedelta(hours=1)) if len(index) > 1 else 1.0
    model, _ = beliefs.read_spread_model(*beliefs.beliefs_about(ctx, day))
    if model is not None and abs(model.dt_hours - dt_hours) > 1e-9:
        model = None
    # gaps take the last earlier value only, as AgentOffers does when it trades
    enkf = assimilate.filtered_mean_at(ctx, day, location).reindex(index).ffill()
    return AgentDay(
        day,
        prices.to_numpy(dtype=float),
        reference_usd_per_mwh=dam if dam is not None else prev,
        reference_is_dam=dam is not None,
        previous_usd_per_mwh=prev,
        local_hour=np.asarray(index.tz_convert(ERCOT_TZ).hour, dtype=int),
        spread_model=model,
        enkf_mean_usd_per_mwh=None if enkf.isna().any() else enkf.to_numpy(dtype=float),
    )


def _train_qse(ctx: StageContext, day: str, params: Params) -> str | None:
    """Train (or, for ``init``, create) the three QSE learners into ``models/<day>/qse``; for a day, the
    note of :func:`qse_agents_note` (which QSEs ran on ``day``, why one did not)."""
    from hayeknet.agents.multi_training import init_qse_models, train_qse_increment

    train = dataclasses.replace(params.train, timesteps_per_day=params.qse.timesteps_per_agent_per_day)
    out = ctx.paths.models / day / QSE_DIR
    if day == INIT:
        from hayeknet.pipeline.network import NO_NETWORK

        # the untrained start precedes every day, so no day's network: no corridor bounds (a run-time setting)
        init_qse_models(train, out, qse_config(params.battery, params.qse, NO_NETWORK))
        return None
    config = qse_config(params.battery, params.qse, ingest.network(ctx, day))
    days = [qse_day(ctx, d, params) for d in ctx.days_through(day) if qse_unavailable(ctx, d, params) is None]
    train_qse_increment(ctx.paths.models / ctx.prev_of(day) / QSE_DIR, days, train, out, config)
    return qse_agents_note(days[-1])


def _carry_qse_forward(ctx: StageContext, day: str, out: Path) -> str:
    """A day the QSEs cannot run on keeps the learners of the study day before, unchanged, in
    ``models/<day>/qse``, so the next day that can run trains from them; returns the note's addition."""
    import shutil

    prev = ctx.paths.models / ctx.prev_of(day) / QSE_DIR
    if not prev.is_dir():
        return ""
    shutil.copytree(prev, out / QSE_DIR, dirs_exist_ok=True)
    return f"; the QSE learners of {ctx.prev_of(day)} are carried forward unchanged"


def evaluate_qse(ctx: StageContext, day: str, params: Params) -> dict[str, Any]:
    """The three QSE agents of checkpoint ``models/<prev>/qse`` on the unseen ``day`` against heuristics;
    ``params`` is the calling stage's view (battery, qse, study.seed)."""
    from hayeknet.agents.evaluation import evaluate_qse_day

    prev = ctx.prev_of(day)
    reason = qse_unavailable(ctx, day, params)
    if reason is not None:
        return {"enabled": True, "available": False, "reason": reason}
    checkpoint = ctx.paths.models / prev / QSE_DIR
    if not checkpoint.exists():
        return {"enabled": True, "available": False, "reason": f"no QSE checkpoint trained through {prev}"}
    usable_prev = prev != INIT and ingest.archived(ctx, prev) and qse_unavailable(ctx, prev, params) is None
    reference = qse_day(ctx, prev, params) if usable_prev else None
    config = qse_config(params.battery, params.qse, ingest.network(ctx, day))
    today = qse_day(ctx, day, params)
    result = evaluate_qse_day(checkpoint, today, reference, config)
    return {"enabled": True, "available": True, "note": qse_agents_note(today), **result}


@dataclass(frozen=True)
class TrainOutcome:
    """What the train stage did: the checkpoint folder and its registry."""

    day: str
    model_dir: Path
    registry: dict[str, Any]
    seconds: float
    qse_note: str | None = None

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
            "qse_agents": self.qse_note or "trained",
        }

    def summary_table(self) -> pd.DataFrame:
        return pd.Series(self.summary(), name="value").to_frame()

    def learning_curve(self) -> pd.DataFrame:
        return pd.DataFrame(self.registry.get("learning_curve", []))

    def figure_learning_curve(self) -> Any:
        from hayeknet.reporting.plots import plot_learning_curve

        return plot_learning_curve(self.learning_curve())


@timed(STAGE, INIT_STAGE)
def run(ctx: StageContext, day: str) -> TrainOutcome:
    """``day == "init"``: ``train_init``, the seeded untrained checkpoints in ``models/init``.

    Otherwise resume from the previous study day's checkpoint and train
    ``train.timesteps_per_day`` steps on every study day up to and including
    ``day``, each as the agent knows it before and during the day (:func:`agent_day`:
    the DAM curve, the spread model, the EnKF mean up to ``t - 1``, prices up to ``t - 1``).
    """
    from hayeknet.agents.training import init_model, read_registry, train_increment
    from hayeknet.archive.queries import realtime_prices

    start = time.perf_counter()
    if day == INIT:
        params = ctx.params_for(INIT_STAGE)
        out = ctx.paths.models / INIT
        init_model(params.battery, params.train, out)
    else:
        params = ctx.params_for(STAGE)
        day = check_day(day)
        labels = ctx.days_through(day)
        if day not in labels:
            raise StageInputError(f"{day} is not a study day of {ctx.paths.days_file}")
        location = params.battery.location
        tables = [ingest.read_day(ctx, d) for d in labels]
        answers = [realtime_prices(t, location, what=str(ctx.paths.archive_day(d))) for d, t in zip(labels, tables)]
        resolutions = {a.interval_minutes for a in answers}
        if len(resolutions) > 1:
            mixed = ", ".join(f"{d} {a.interval_minutes} min" for d, a in zip(labels, answers))
            raise StageInputError(f"train@{day}: the study days hold real-time prices of several resolutions ({mixed})")
        days = [
            agent_day(ctx, d, location, table, answer.prices, answers[i - 1].prices if i > 0 else None)
            for i, (d, table, answer) in enumerate(zip(labels, tables, answers))
        ]
        prev_dir = ctx.paths.models / ctx.prev_of(day)
        if not prev_dir.exists():
            raise StageInputError(f"{prev_dir}: previous checkpoint missing (run train@{ctx.prev_of(day)})")
        out = ctx.paths.models / day
        train_increment(prev_dir, days, params.battery, params.train, out, dt_hours=answers[0].dt_hours)
    if not params.qse.enabled:
        qse_note: str | None = "not trained (qse.enabled: false)"
    else:
        qse_note = None if day == INIT else qse_unavailable(ctx, day, params)
        if qse_note is None:
            qse_note = _train_qse(ctx, day, params)
        else:
            qse_note += _carry_qse_forward(ctx, day, out)
    registry = read_registry(out) or {}
    return TrainOutcome(day, out, registry, time.perf_counter() - start, qse_note)


def read_registry(ctx: StageContext, day: str) -> dict[str, Any]:
    """The registry of the checkpoint trained through ``day`` (``init``: the untrained start); {} when absent."""
    from hayeknet.agents.training import read_registry as read

    return read(ctx.paths.models / day) or {}


def checkpoint_dir(ctx: StageContext, day: str) -> Path:
    """The folder of the single agent's checkpoint trained through ``day`` (``init``: untrained)."""
    return ctx.paths.models / day
