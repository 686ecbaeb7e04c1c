"""The simulate stage: every strategy, the market designs and the QSE agents on one day."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from hayeknet.io import atomic_directory
from hayeknet.pipeline.days import INIT
from hayeknet.pipeline.stages.agents import evaluate_qse
from hayeknet.pipeline.stages.assimilate import read_states
from hayeknet.pipeline.stages.context import (
    check_day,
    dam_reference,
    day_table,
    location_prices,
    read_json,
    SCED_DT_HOURS,
    StageContext,
    write_json,
)

if TYPE_CHECKING:
    from hayeknet.battery.mpc import MPCStrategy


@dataclass
class SimulateOutcome:
    """Ledgers and summary of every strategy on one day."""

    day: str
    ledgers: dict[str, pd.DataFrame]
    summary: dict[str, Any]
    design_ledgers: dict[str, pd.DataFrame] = dataclasses.field(default_factory=dict)

    def market_design_table(self) -> pd.DataFrame:
        """Revenue by stream ($) under SCED today and RTC+B, and the difference (RTC+B minus SCED)."""
        designs = self.summary.get("market_designs", {})
        if not designs.get("available"):
            return pd.DataFrame({"note": [designs.get("reason", "market designs not simulated")]})
        table = pd.DataFrame({
            "sced_today": designs["sced_today"]["revenue_by_stream_usd"],
            "rtc_b": designs["rtc_b"]["revenue_by_stream_usd"],
        })
        table["rtc_b_minus_sced"] = pd.Series(designs["difference_usd"])
        return table.astype(float).round(2)

    def qse_table(self) -> pd.DataFrame:
        """Each QSE agent on the day (unseen by its checkpoint) against its best heuristic, $."""
        qse = self.summary.get("qse_agents") or {}
        rows = {}
        for agent in ("battery", "solar", "wind"):
            entry = qse.get(agent)
            if not isinstance(entry, dict) or "agent" not in entry:
                continue
            best = entry["best_heuristic"]
            rows[agent] = {
                "agent_profit_usd": entry["agent"]["profit_usd"],
                "best_heuristic": best,
                "best_heuristic_profit_usd": entry[best]["profit_usd"],
                "agent_minus_best_usd": entry["agent_minus_best_heuristic_usd"],
                # a renewable has no perfect-foresight bound, so no capture ratio
                "capture_ratio": entry["agent"].get("capture_ratio", "n/a"),
            }
        if not rows:
            return pd.DataFrame({"note": ["three-QSE agents not simulated (qse.enabled: false)"]})
        return pd.DataFrame(rows).T

    def summary_table(self) -> pd.DataFrame:
        rows = self.summary["strategies"]
        return strategy_frame(rows).round(3)


def previous_prices(ctx: StageContext, day: str) -> pd.Series | None:
    """The battery location's prices on the study day before ``day`` (None on the first day)."""
    prev = ctx.prev_of(day)
    if prev == INIT or not ctx.paths.archive_day(prev).exists():
        return None
    return location_prices(ctx, prev)


BELIEFS_SPREAD_COLUMN = "spread_q50_usd_per_mwh"
"""Column of the beliefs' ``price_forecast.parquet`` that ``mpc_beliefs`` adds to the day's DAM: the
predictive median spread. The sample mean (``spread_mean_usd_per_mwh``) is the risk-neutral choice in
theory, but the spread is heavy-tailed in asinh units (its exact mean does not exist), so the sample
mean follows the few most extreme paths."""
BELIEFS_PRICE_COLUMN = "price_q50_usd_per_mwh"
"""The same statistic of the beliefs' price (their DAM + spread), used when the day has no DAM price."""


def beliefs_price_path(
    ctx: StageContext, day: str, dam: pd.Series | None
) -> tuple[pd.Series | None, dict[str, Any]]:
    """The predictive price path of ``day`` ($/MWh, UTC interval starts) from the beliefs stated the
    study day before (``artifacts/beliefs/<prev>/``, walk-forward), and flat metadata for the summary.

    The path is the day's DAM (``dam``, UTC hour start; published the day before) plus the predicted
    spread :data:`BELIEFS_SPREAD_COLUMN`; without ``dam`` it is the beliefs' own price column (their
    DAM, ``dam_source`` in ``beliefs.json``). None, with the reason in ``forecast_note``, when the day
    before stated no beliefs about ``day`` (first study day, a gap in the study days, beliefs without a
    price forecast).
    """
    from hayeknet.battery.forecasts import dam_plus_spread
    from hayeknet.beliefs.stage import BELIEFS_FILE, read_price_forecast

    prev = ctx.prev_of(day)
    folder = ctx.paths.artifacts / "beliefs" / prev
    meta: dict[str, Any] = {"beliefs_day": None if prev == INIT else prev, "beliefs_column": BELIEFS_SPREAD_COLUMN}
    if prev == INIT:
        return None, meta | {"forecast_note": "first study day: no beliefs stated the day before"}
    if not (folder / BELIEFS_FILE).exists():
        return None, meta | {"forecast_note": f"{folder / BELIEFS_FILE} missing (run beliefs@{prev})"}
    stated_for = read_json(folder / BELIEFS_FILE).get("day")
    if stated_for != day:
        return None, meta | {"forecast_note": f"beliefs@{prev} predicted {stated_for}, not {day}"}
    forecast = read_price_forecast(folder)
    if forecast is None:
        return None, meta | {"forecast_note": f"beliefs@{prev} wrote no price forecast"}
    if dam is not None:
        path = dam_plus_spread(dam, forecast[BELIEFS_SPREAD_COLUMN])
        note = f"DAM of {day} + beliefs@{prev} {BELIEFS_SPREAD_COLUMN}"
    else:
        path = forecast[BELIEFS_PRICE_COLUMN]
        note = f"beliefs@{prev} price path (their DAM; no DAM of {day} at the location)"
    return path, meta | {"forecast_note": note}


def mpc_beliefs_strategy(
    ctx: StageContext, day: str, dam: pd.Series | None, filtered_mean: pd.Series
) -> tuple[MPCStrategy, dict[str, Any]]:
    """The ``mpc_beliefs`` strategy of ``day`` and its metadata (flat, for ``summary.json``).

    MPC on :func:`beliefs_price_path` anchored to the EnKF filtered mean with a decaying gap
    (:func:`hayeknet.battery.forecasts.beliefs_forecast`). Without beliefs about the day it falls back
    to the DAM forecast (``mpc_dam``), or without DAM prices to the naive forecast; ``forecast``
    (``beliefs``, ``dam`` or ``naive``) and ``forecast_fallback`` say which ran.
    """
    from hayeknet.battery.forecasts import beliefs_forecast
    from hayeknet.battery.mpc import mpc_strategy

    path, meta = beliefs_price_path(ctx, day, dam)
    if path is not None:
        forecast = beliefs_forecast(path, filtered_mean, anchor="enkf")
        return mpc_strategy("array", forecast=forecast), meta | {"forecast": "beliefs", "forecast_fallback": False}
    if dam is not None:
        return mpc_strategy("dam", dam_prices_hourly=dam), meta | {"forecast": "dam", "forecast_fallback": True}
    return mpc_strategy("naive"), meta | {"forecast": "naive", "forecast_fallback": True}


def run_simulate(ctx: StageContext, day: str) -> SimulateOutcome:
    """The battery on ``day``: perfect foresight, heuristics, MPC (naive, DAM, EnKF-anchored
    DAM and beliefs forecasts; see :func:`mpc_beliefs_strategy`) and the walk-forward agent,
    plus the SCED-today vs RTC+B comparison (energy + AS, perfect foresight of both designs).

    Every strategy gets a ledger (ADR 0001). ``capture_ratio`` = strategy
    profit / perfect-foresight profit of the same day from the same starting
    SOC with the strategy's own final SOC as the floor for the optimizer's
    (``fair_bound_profit_usd``): a heuristic that ends the day emptier than it
    started has sold stored energy, which the bound may sell too, so the ratio
    is <= 1 for every feasible strategy. ``capture_ratio_vs_pf`` divides by the
    perfect-foresight profit with terminal SOC = initial (the study bound).
    """
    from hayeknet.agents.policy import agent_schedule
    from hayeknet.agents.training import read_registry
    from hayeknet.battery.forecasts import enkf_dam_forecast
    from hayeknet.battery.ledger import simulate_schedule, summarize
    from hayeknet.battery.market_designs import dam_energy_prices, simulate_day_designs
    from hayeknet.battery.mpc import mpc_strategy
    from hayeknet.battery.strategies import (
        PercentileThreshold,
        PerfectForesight,
        StrategyContext,
        TimeOfDaySchedule,
        capture_ratio,
        fair_bound,
        run_strategy,
    )

    day = check_day(day)
    spec = ctx.spec
    table = day_table(ctx, day)
    prices = location_prices(ctx, day)
    prev_prices = previous_prices(ctx, day)
    history = prev_prices if prev_prices is not None else StrategyContext(SCED_DT_HOURS).history
    context = StrategyContext(dt_hours=SCED_DT_HOURS, history=history)
    sim = ctx.params.simulate

    ledgers: dict[str, pd.DataFrame] = {
        "perfect_foresight": run_strategy(PerfectForesight(), prices, spec, context),
        "percentile_threshold": run_strategy(
            PercentileThreshold(sim.threshold_low_percentile, sim.threshold_high_percentile), prices, spec, context
        ),
        "time_of_day": run_strategy(TimeOfDaySchedule(), prices, spec, context),
    }
    ledgers["mpc_naive"] = run_strategy(mpc_strategy("naive"), prices, spec, context)
    dam = dam_energy_prices(table, ctx.location)
    if dam is not None:
        ledgers["mpc_dam"] = run_strategy(mpc_strategy("dam", dam_prices_hourly=dam), prices, spec, context)
    filtered, _ = read_states(ctx, day)
    own = filtered[filtered["location"] == ctx.location].set_index("interval_start_utc")["mean"]
    ledgers["mpc_enkf"] = run_strategy(
        mpc_strategy("array", forecast=enkf_dam_forecast(own, dam)), prices, spec, context
    )
    beliefs_strategy, beliefs_meta = mpc_beliefs_strategy(ctx, day, dam, own)
    ledgers["mpc_beliefs"] = run_strategy(beliefs_strategy, prices, spec, context)
    checkpoint = ctx.paths.models / ctx.prev_of(day)
    reference = dam_reference(ctx, day, prices.index)
    if reference is None and prev_prices is not None:
        reference = prev_prices.to_numpy()
    charge, discharge = agent_schedule(checkpoint, prices.to_numpy(), spec, SCED_DT_HOURS,
                                       reference_prices=reference)
    ledgers["ppo_agent"] = simulate_schedule(prices.index, prices.to_numpy(), charge, discharge, spec, SCED_DT_HOURS)

    pf_profit = summarize(ledgers["perfect_foresight"], spec).profit_usd
    strategies: dict[str, dict[str, Any]] = {}
    for name, ledger in ledgers.items():
        result = summarize(ledger, spec).to_dict()
        bound = fair_bound(ledger, spec).profit_usd
        result["fair_bound_profit_usd"] = bound
        result["capture_ratio"] = capture_ratio(result["profit_usd"], bound)
        result["capture_ratio_vs_pf"] = capture_ratio(result["profit_usd"], pf_profit)
        strategies[name] = result
    strategies["mpc_beliefs"].update(beliefs_meta)
    designs, design_ledgers = simulate_day_designs(table, ctx.location, spec)
    qse = evaluate_qse(ctx, day) if ctx.params.qse.enabled else {"enabled": False}
    registry = read_registry(checkpoint) or {}
    summary = {
        "day": day,
        "location": ctx.location,
        "dt_hours": SCED_DT_HOURS,
        "n_intervals": int(len(prices)),
        "battery": dataclasses.asdict(spec),
        "strategies": strategies,
        "agent_checkpoint": checkpoint.name,
        "agent_checkpoint_days_seen": list(registry.get("days_seen", [])),
        "agent_total_timesteps": int(registry.get("total_timesteps", 0)),
        "market_designs": designs,
        "qse_agents": qse,
    }
    with atomic_directory(ctx.paths.simulations / day) as tmp:
        for name, ledger in ledgers.items():
            ledger.to_parquet(tmp / f"ledger_{name}.parquet", index=False)
        for name, ledger in design_ledgers.items():
            ledger.to_parquet(tmp / f"design_{name}.parquet", index=False)
        write_json(tmp / "summary.json", summary)
    return SimulateOutcome(day, ledgers, summary, design_ledgers)


STRATEGY_NUMBERS = ("profit_usd", "revenue_usd", "degradation_cost_usd", "charge_mwh", "discharge_mwh", "cycles",
                    "fair_bound_profit_usd", "capture_ratio", "capture_ratio_vs_pf")
"""Numeric fields of each strategy in ``summary.json``; JSON ``null`` there means "undefined" (NaN)."""


def read_simulation(ctx: StageContext, day: str) -> SimulateOutcome:
    """The simulate stage's outputs of ``day``; a strategy's undefined figure (``null`` in the strict JSON,
    e.g. a capture ratio without a positive bound) comes back as NaN, as the stage returned it."""
    folder = ctx.paths.simulations / day
    summary = read_json(folder / "summary.json")
    for result in (summary.get("strategies") or {}).values():
        for key in STRATEGY_NUMBERS:
            if key in result and result[key] is None:
                result[key] = float("nan")
    ledgers = {p.stem.removeprefix("ledger_"): pd.read_parquet(p) for p in sorted(folder.glob("ledger_*.parquet"))}
    designs = {p.stem.removeprefix("design_"): pd.read_parquet(p) for p in sorted(folder.glob("design_*.parquet"))}
    return SimulateOutcome(day, ledgers, summary, designs)


def strategy_frame(strategies: dict[str, dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(strategies).T
    return frame[[c for c in STRATEGY_NUMBERS if c in frame.columns]].astype(float)
