"""Stage ``simulate``: every strategy, the market designs and the QSE agents on one day ->
``artifacts/simulations/<day>/``.

The strategies are chosen in :mod:`hayeknet.battery.lineup`; this stage
gathers what they may know (the previous day's prices, the day's DAM, the
EnKF mean, the beliefs stated the day before), adds the walk-forward PPO
agent (checkpoint of the day before) and the SCED-today vs RTC+B comparison,
and writes one ledger per strategy plus ``summary.json``.

Params (``dvc.yaml``): ``battery``, ``qse``, ``simulate``, ``study.seed`` (the
QSE days). Later stages read the outputs through :func:`read_simulation`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pandas as pd

from hayeknet.io import atomic_directory
from hayeknet.pipeline.context import StageContext, check_day, read_json
from hayeknet.pipeline.days import INIT
from hayeknet.pipeline.stages import assimilate, beliefs, ingest, train
from hayeknet.pipeline.timings import timed, tracked_json

STAGE = "simulate"
SUMMARY_FILE = "summary.json"
AGENT = "ppo_agent"

BELIEFS_SPREAD_COLUMN = "spread_q50_usd_per_mwh"
"""Column of the beliefs' ``price_forecast.parquet`` that ``mpc_beliefs`` adds to the day's DAM: the
predictive median spread. The sample mean (``spread_mean_usd_per_mwh``) is the risk-neutral choice in
theory, but the spread is heavy-tailed in asinh units (its exact mean does not exist), so the sample
mean follows the few most extreme paths."""
VALUATION_AGAINST = ("perfect_foresight", "dam_schedule", "storage_value")
"""Strategies whose realised profit the day's stated battery value is compared with (ADR 0021)."""
BELIEFS_PRICE_COLUMN = "price_q50_usd_per_mwh"
"""The same statistic of the beliefs' price (their DAM + spread), used when the day has no DAM price."""


@dataclass
class SimulateOutcome:
    """Ledgers and summary of every strategy on one day."""

    day: str
    ledgers: dict[str, pd.DataFrame]
    summary: dict[str, Any]
    design_ledgers: dict[str, pd.DataFrame] = dataclasses.field(default_factory=dict)

    @property
    def spec(self) -> Any:
        """The battery the day was simulated with (from ``summary.json``)."""
        from hayeknet.battery.spec import BatterySpec

        return BatterySpec(**self.summary["battery"])

    def market_design_table(self) -> pd.DataFrame:
        """Revenue by stream ($) under SCED today and RTC+B, and the difference (RTC+B minus SCED)."""
        designs = self.summary.get("market_designs", {})
        if not designs.get("available"):
            return pd.DataFrame({"note": [designs.get("reason", "market designs not simulated")]})
        table = pd.DataFrame(
            {
                "sced_today": designs["sced_today"]["revenue_by_stream_usd"],
                "rtc_b": designs["rtc_b"]["revenue_by_stream_usd"],
            }
        )
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
        from hayeknet.battery.lineup import strategy_frame

        return strategy_frame(self.summary["strategies"]).round(3)

    def figure_soc(self) -> Any:
        from hayeknet.reporting.plots import plot_soc

        spec = self.spec
        return plot_soc(self.ledgers, spec.soc_min_mwh, spec.soc_max_mwh)

    def figure_cumulative_profit(self) -> Any:
        from hayeknet.reporting.plots import plot_cumulative_profit

        return plot_cumulative_profit(self.ledgers)


def previous_prices(ctx: StageContext, day: str, location: str) -> pd.Series | None:
    """The real-time prices at ``location`` on the study day before ``day`` (None on the first day)."""
    from hayeknet.archive.queries import realtime_prices

    prev = ctx.prev_of(day)
    if prev == INIT or not ingest.archived(ctx, prev):
        return None
    return realtime_prices(ingest.read_day(ctx, prev), location, what=str(ctx.paths.archive_day(prev))).prices


def beliefs_price_path(ctx: StageContext, day: str, dam: pd.Series | None) -> tuple[pd.Series | None, str]:
    """The predictive price path of ``day`` ($/MWh, UTC interval starts) from the beliefs stated the
    study day before (:func:`beliefs.beliefs_about`, walk-forward), and a note saying where it came from
    or why there is none.

    The path is the day's DAM (``dam``, UTC hour start; published the day before) plus the predicted
    spread :data:`BELIEFS_SPREAD_COLUMN`; without ``dam`` it is the beliefs' own price column (their
    DAM, ``dam_source`` in ``beliefs.json``).
    """
    from hayeknet.battery.forecasts import dam_plus_spread

    folder, note = beliefs.beliefs_about(ctx, day)
    if folder is None:
        return None, note
    forecast = beliefs.read_price_forecast(folder)
    if forecast is None:
        return None, f"{note} wrote no price forecast"
    if dam is not None:
        return dam_plus_spread(dam, forecast[BELIEFS_SPREAD_COLUMN]), f"DAM of {day} + {note} {BELIEFS_SPREAD_COLUMN}"
    return forecast[BELIEFS_PRICE_COLUMN], f"{note} price path (their DAM; no DAM of {day} at the location)"


def battery_value(
    day: str,
    prices: pd.Series,
    dam: pd.Series | None,
    spread_model: Any,
    spread_note: str,
    spec: Any,
    dt_hours: float,
    settings: Any,
) -> dict[str, Any]:
    """The day's battery value stated from what was published before it (ADR 0021), or why it is not stated.

    :func:`hayeknet.options.next_day.value_with_spread_model` with ``settings.valuation_paths`` paths seeded
    by ``settings.stochastic_seed`` and the day. Only the index of ``prices`` is read here (the day's
    intervals); the prices score the statement afterwards.
    """
    from hayeknet.options.next_day import value_with_spread_model

    return value_with_spread_model(
        day,
        pd.DatetimeIndex(prices.index),
        dam,
        spread_model,
        spread_note,
        spec,
        dt_hours,
        n_paths=settings.valuation_paths,
        seed=settings.stochastic_seed,
    )


@timed(STAGE)
def run(ctx: StageContext, day: str) -> SimulateOutcome:
    """The battery on ``day``: every strategy of :data:`hayeknet.battery.lineup.STRATEGY_NAMES` and the
    walk-forward agent, plus the SCED-today vs RTC+B comparison (energy + AS, perfect foresight of both
    designs) and the QSE agents.

    Every strategy gets a ledger (ADR 0001) and the capture ratios of
    :func:`hayeknet.battery.lineup.strategy_results` (ADR 0005).
    """
    from hayeknet.agents.policy import AgentOffers
    from hayeknet.archive.queries import dam_prices, realtime_prices
    from hayeknet.battery.forecasts import dam_coverage
    from hayeknet.battery.lineup import STRATEGY_NAMES, DayInformation, run_lineup, strategy_results
    from hayeknet.battery.market_designs import simulate_day_designs
    from hayeknet.battery.strategies import StrategyContext, run_strategy
    from hayeknet.options.next_day import score_after_day

    params = ctx.params_for(STAGE)
    spec = params.battery
    day = check_day(day)
    table = ingest.read_day(ctx, day)
    rt = realtime_prices(table, spec.location, what=str(ctx.paths.archive_day(day)))
    prices = rt.prices
    prev_prices = previous_prices(ctx, day, spec.location)
    dam = dam_prices(table, spec.location)
    path, note = beliefs_price_path(ctx, day, dam)
    spread_model, spread_note = beliefs.read_spread_model(*beliefs.beliefs_about(ctx, day))
    info = DayInformation(
        history=prev_prices if prev_prices is not None else StrategyContext(rt.dt_hours).history,
        dam_hourly=dam,
        enkf_mean=assimilate.filtered_mean_at(ctx, day, spec.location),
        beliefs_path=path,
        beliefs_note=note,
        spread_model=spread_model,
        spread_note=spread_note,
    )
    lineup = run_lineup(STRATEGY_NAMES, prices, spec, info, rt.dt_hours, params.simulate)
    ledgers = dict(lineup.ledgers)
    checkpoint = train.checkpoint_dir(ctx, ctx.prev_of(day))
    # the walk-forward agent under the information contract: offer curves from what was known before each
    # interval (the DAM curve, the spread model stated the day before, the EnKF mean up to t - 1)
    agent = AgentOffers(checkpoint, dam, spread_model, info.enkf_mean)
    ledgers[AGENT] = run_strategy(agent, prices, spec, StrategyContext(rt.dt_hours, info.history))

    strategies = strategy_results(ledgers, spec)
    for name, meta in lineup.metadata.items():
        strategies[name].update(meta)
    strategies[AGENT].update(
        {
            "reference": "dam" if dam is not None else "previous_day" if prev_prices is not None else "none",
            "spread_model": spread_note,
            "enkf_lagged": info.enkf_mean is not None,
        }
    )
    if "mpc_beliefs" in strategies:
        strategies["mpc_beliefs"].update(
            {
                "beliefs_day": None if ctx.prev_of(day) == INIT else ctx.prev_of(day),
                "beliefs_column": BELIEFS_SPREAD_COLUMN,
            }
        )
    valuation = battery_value(day, prices, dam, spread_model, spread_note, spec, rt.dt_hours, params.simulate)
    if valuation.get("stated"):
        realised = {name: strategies[name]["profit_usd"] for name in VALUATION_AGAINST if name in strategies}
        valuation["after_day"] = score_after_day(valuation, prices, realised)
    designs, design_ledgers = simulate_day_designs(table, spec)
    registry = train.read_registry(ctx, ctx.prev_of(day))
    summary = {
        "day": day,
        "location": spec.location,
        "dt_hours": rt.dt_hours,
        "realtime_prices": {
            "market": rt.market,
            "report": rt.report,
            "interval_minutes": rt.interval_minutes,
            "n_filled": rt.n_filled,
            "description": rt.describe(),
        },
        "dam_prices": dam_coverage(dam, pd.DatetimeIndex(prices.index)),
        "n_intervals": len(prices),
        "battery": dataclasses.asdict(spec),
        "strategies": strategies,
        "strategies_not_run": lineup.not_run,
        "agent_checkpoint": checkpoint.name,
        "agent_checkpoint_days_seen": list(registry.get("days_seen", [])),
        "agent_total_timesteps": int(registry.get("total_timesteps", 0)),
        "battery_value": valuation,
        "market_designs": designs,
        "qse_agents": train.evaluate_qse(ctx, day, params) if params.qse.enabled else {"enabled": False},
    }
    with atomic_directory(ctx.paths.simulations / day) as tmp:
        for name, ledger in ledgers.items():
            ledger.to_parquet(tmp / f"ledger_{name}.parquet", index=False)
        for name, ledger in design_ledgers.items():
            ledger.to_parquet(tmp / f"design_{name}.parquet", index=False)
        tracked_json(tmp / SUMMARY_FILE, summary)
    return SimulateOutcome(day, ledgers, summary, design_ledgers)


def read_simulation(ctx: StageContext, day: str) -> SimulateOutcome:
    """The simulate stage's outputs of ``day``; a strategy's undefined figure (``null`` in the strict JSON,
    e.g. a capture ratio without a positive bound) comes back as NaN, as the stage returned it."""
    from hayeknet.battery.lineup import STRATEGY_NUMBERS

    folder = ctx.paths.simulations / day
    summary = read_json(folder / SUMMARY_FILE)
    for result in (summary.get("strategies") or {}).values():
        for key in STRATEGY_NUMBERS:
            if key in result and result[key] is None:
                result[key] = float("nan")
    ledgers = {p.stem.removeprefix("ledger_"): pd.read_parquet(p) for p in sorted(folder.glob("ledger_*.parquet"))}
    designs = {p.stem.removeprefix("design_"): pd.read_parquet(p) for p in sorted(folder.glob("design_*.parquet"))}
    return SimulateOutcome(day, ledgers, summary, designs)
