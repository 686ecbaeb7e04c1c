"""Backtest a named strategy over archived operating days: per-day results and a risk summary.

Every day is simulated on its own (cyclic daily SOC: each day starts at
``spec.soc_initial_mwh``; the strategy's terminal rule decides where it ends)
at the 5-minute real-time price of one settlement point, read from the Parquet
archive (:mod:`hayeknet.archive.store`). A strategy sees the day's prices only
as its own information rule allows (see :mod:`hayeknet.battery.strategies` and
:mod:`hayeknet.battery.mpc`) and the previous calendar day's prices as history
when that day is archived.

Each day reports its totals (ADR 0001 summary fields), the perfect-foresight
profit of the same day (terminal SOC = initial, ``pf_profit_usd``), the fair
bound of :func:`hayeknet.battery.strategies.fair_bound` and the two capture
ratios (``capture_ratio`` against the fair bound, ``capture_ratio_vs_pf``
against the study bound), and the SOC path's rainflow cycle counts. The risk
summary (:mod:`hayeknet.battery.risk`) is computed over the daily profits.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hayeknet.archive.queries import dam_prices, realtime_prices
from hayeknet.battery import lineup
from hayeknet.battery.errors import ScheduleInputError
from hayeknet.battery.ledger import summarize
from hayeknet.battery.lineup import DayInformation, StrategyUnavailableError
from hayeknet.battery.optimize import optimize_dispatch
from hayeknet.battery.risk import (
    DEFAULT_LEVEL,
    CycleSummary,
    RiskSummary,
    cycle_summary,
    ledger_soc_path,
    risk_summary,
)
from hayeknet.battery.spec import BatterySpec
from hayeknet.battery.strategies import (
    Strategy,
    StrategyContext,
    capture_ratio,
    fair_bound,
    run_strategy,
)
from hayeknet.params import SimulateParams

#: Strategies :func:`make_strategy` knows by name: the lineup's and the trained agent.
STRATEGY_NAMES: tuple[str, ...] = (*lineup.STRATEGY_NAMES, "ppo_agent")
#: Interval length of the real-time prices backtested, hours.
DT_5MIN_HOURS = 5.0 / 60.0

#: Columns of :attr:`BacktestResult.days`.
DAY_COLUMNS: tuple[str, ...] = (
    "day",
    "revenue_usd",
    "degradation_cost_usd",
    "profit_usd",
    "charge_mwh",
    "discharge_mwh",
    "cycles",
    "soc_end_mwh",
    "pf_profit_usd",
    "fair_bound_profit_usd",
    "capture_ratio",
    "capture_ratio_vs_pf",
    "rainflow_full_cycles",
    "rainflow_half_cycles",
    "max_cycle_depth_frac",
)


class BacktestError(ValueError):
    """A backtest cannot run: unknown strategy, no archived day in the window, missing checkpoint."""


def make_strategy(
    name: str,
    day_table: pd.DataFrame | None = None,
    location: str | None = None,
    *,
    checkpoint: Path | None = None,
    low_pct: float = 25.0,
    high_pct: float = 75.0,
    replan_hours: float = 1.0,
) -> Strategy:
    """The strategy called ``name`` (one of :data:`STRATEGY_NAMES`) for one day.

    Every name but ``ppo_agent`` is :func:`hayeknet.battery.lineup.make_strategy`'s, with what the
    archive tells about the day (its DAM prices at ``location``); a backtest has no EnKF state or
    beliefs, so ``mpc_enkf`` cannot run and ``mpc_beliefs`` runs as its recorded fallback.
    ``ppo_agent`` needs ``checkpoint`` (a model folder or ``model.zip``): the agent's offer curves
    (:class:`hayeknet.agents.policy.AgentOffers`) around the day's DAM, without a spread model or EnKF state.
    """
    if name not in STRATEGY_NAMES:
        raise BacktestError(f"unknown strategy {name!r}; known: {', '.join(STRATEGY_NAMES)}")
    dam = None
    if day_table is not None and location is not None:
        dam = dam_prices(day_table, location)
    if name == "ppo_agent":
        if checkpoint is None:
            raise BacktestError("strategy ppo_agent needs a checkpoint (--checkpoint DIR)")
        from hayeknet.agents.policy import AgentOffers

        return AgentOffers(Path(checkpoint), dam)
    info = DayInformation(dam_hourly=dam, beliefs_note="a backtest reads no beliefs")
    try:
        strategy, _ = lineup.make_strategy(name, info, SimulateParams(low_pct, high_pct), replan_hours=replan_hours)
    except StrategyUnavailableError as exc:
        raise BacktestError(
            f"{exc} (the day's archive table and location give the DAM; a backtest has no EnKF state)"
        ) from None
    return strategy


def evaluate_day(day: str, ledger: pd.DataFrame, spec: BatterySpec) -> tuple[dict[str, Any], CycleSummary]:
    """One row of :attr:`BacktestResult.days` from a day's ledger (capture ratios, cycles), and its cycles."""
    totals = summarize(ledger, spec)
    prices = ledger["price_usd_per_mwh"].to_numpy(float)
    dt_hours = float(ledger["dt_hours"].iloc[0])
    pf = optimize_dispatch(prices, spec, dt_hours, soc_start_mwh=totals.soc_start_mwh).profit_usd
    bound = fair_bound(ledger, spec).profit_usd
    cyc = cycle_summary(ledger_soc_path(ledger), spec)
    return {
        "day": day,
        "revenue_usd": totals.revenue_usd,
        "degradation_cost_usd": totals.degradation_cost_usd,
        "profit_usd": totals.profit_usd,
        "charge_mwh": totals.charge_mwh,
        "discharge_mwh": totals.discharge_mwh,
        "cycles": totals.cycles,
        "soc_end_mwh": totals.soc_end_mwh,
        "pf_profit_usd": pf,
        "fair_bound_profit_usd": bound,
        "capture_ratio": capture_ratio(totals.profit_usd, bound),
        "capture_ratio_vs_pf": capture_ratio(totals.profit_usd, pf),
        "rainflow_full_cycles": cyc.rainflow_full_cycles,
        "rainflow_half_cycles": cyc.rainflow_half_cycles,
        "max_cycle_depth_frac": cyc.max_depth_frac,
    }, cyc


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """Per-day rows (:data:`DAY_COLUMNS`), the risk summary, the ledgers by day and the days skipped."""

    strategy: str
    location: str
    days: pd.DataFrame
    risk: RiskSummary
    ledgers: dict[str, pd.DataFrame]
    missing_days: tuple[str, ...]
    quarantined_days: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        rows = self.days.replace({np.nan: None}).to_dict(orient="records")
        return {
            "strategy": self.strategy,
            "location": self.location,
            "days": rows,
            "risk": self.risk.to_dict(),
            "risk_conventions": {
                "var_cvar_level": self.risk.level,
                "sharpe_annualization": f"sqrt({self.risk.periods_per_year})",
                "pnl": "daily profit_usd; VaR/CVaR are positive losses in dollars",
            },
            "missing_days": list(self.missing_days),
            "quarantined_days": list(self.quarantined_days),
        }


def _days_between(start: dt.date | str, end: dt.date | str) -> list[dt.date]:
    a, b = dt.date.fromisoformat(str(start)), dt.date.fromisoformat(str(end))
    if b < a:
        raise BacktestError(f"backtest window ends ({b}) before it starts ({a})")
    return [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]


def run_backtest(
    archive_root: Path,
    strategy: str,
    start: dt.date | str,
    end: dt.date | str,
    location: str,
    spec: BatterySpec,
    *,
    level: float = DEFAULT_LEVEL,
    checkpoint: Path | None = None,
    low_pct: float = 25.0,
    high_pct: float = 75.0,
) -> BacktestResult:
    """Run ``strategy`` on every archived day from ``start`` to ``end`` (inclusive) at ``location``.

    Days without an archive partition are skipped and listed in ``missing_days``, quarantined days
    (failed data-quality checks) in ``quarantined_days``; :class:`BacktestError` if none is left.
    """
    from hayeknet.archive.store import archived_days, quarantined, read_day

    if strategy not in STRATEGY_NAMES:
        raise BacktestError(f"unknown strategy {strategy!r}; known: {', '.join(STRATEGY_NAMES)}")
    window = _days_between(start, end)
    present = set(archived_days(Path(archive_root)))
    held = {d for d in window if d in present and quarantined(Path(archive_root), d)}
    present -= held
    todo = [d for d in window if d in present]
    missing = tuple(d.isoformat() for d in window if d not in present and d not in held)
    if not todo:
        why = f" ({len(held)} quarantined: hayeknet validate DAY)" if held else ""
        raise BacktestError(f"{archive_root}: no archived day between {window[0]} and {window[-1]}{why}")
    rows, cycles, ledgers = [], [], {}
    cache: dict[dt.date, Any] = {}

    def prices_of(day: dt.date, table: pd.DataFrame | None = None) -> Any:
        if day not in cache:
            table = table if table is not None else read_day(archive_root, day)
            cache[day] = realtime_prices(table, location, what=f"archive day {day}")
        return cache[day]

    for day in todo:
        table = read_day(archive_root, day)
        rt = prices_of(day, table)
        prices = rt.prices
        prev = day - dt.timedelta(days=1)
        history = prices_of(prev).prices if prev in present else StrategyContext(rt.dt_hours).history
        context = StrategyContext(dt_hours=rt.dt_hours, history=history)
        strat = make_strategy(strategy, table, location, checkpoint=checkpoint, low_pct=low_pct, high_pct=high_pct)
        ledger = run_strategy(strat, prices, spec, context)
        row, cyc = evaluate_day(day.isoformat(), ledger, spec)
        rows.append(row)
        cycles.append(cyc)
        ledgers[day.isoformat()] = ledger
        cache.pop(prev, None)
    days = pd.DataFrame(rows, columns=list(DAY_COLUMNS))
    risk = risk_summary(days["profit_usd"].to_numpy(float), level=level, cycles=cycles)
    return BacktestResult(strategy, location, days, risk, ledgers, missing, tuple(sorted(d.isoformat() for d in held)))


# --------------------------------------------------------------------------- many node-days


def _pf_chunk(args: tuple[Sequence[np.ndarray], BatterySpec, float]) -> np.ndarray:
    rows, spec, dt_hours = args
    return np.array([optimize_dispatch(r, spec, dt_hours).profit_usd for r in rows])


def perfect_foresight_profits(
    price_rows: np.ndarray | Sequence[np.ndarray],
    spec: BatterySpec,
    dt_hours: float = DT_5MIN_HOURS,
    workers: int = 1,
) -> np.ndarray:
    """Perfect-foresight profit ($) of many node-days (one price row each, $/MWh), cyclic daily SOC.

    ``workers > 1`` spreads the rows over that many processes (``spawn``
    start method: safe after torch or juliacall were imported).
    """
    rows = [np.asarray(r, dtype=float) for r in price_rows]
    if workers < 1:
        raise ScheduleInputError(f"workers must be >= 1, got {workers}")
    if workers == 1 or len(rows) < 2:
        return _pf_chunk((rows, spec, dt_hours))
    chunks = [rows[i::workers] for i in range(workers)]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        parts = list(pool.map(_pf_chunk, [(c, spec, dt_hours) for c in chunks]))
    out = np.empty(len(rows))
    for i, part in enumerate(parts):
        out[i::workers] = part
    return out
