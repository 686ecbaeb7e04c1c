"""The strategies a day is simulated with, chosen by name, and the table of their results.

The simulate stage and ``hayeknet backtest`` both choose strategies here, so a
name means the same rule everywhere. A strategy sees the day's real-time
prices only as its own information rule allows (:mod:`hayeknet.battery.strategies`,
:mod:`hayeknet.battery.mpc`) plus what :class:`DayInformation` holds, all of it
known before the day or assimilated walk-forward.

Names (:data:`STRATEGY_NAMES`):

* ``perfect_foresight`` - the LP on the day's realised prices: the bound, not a strategy;
* ``dam_schedule`` - the LP on the day's DAM curve executed in real time: the baseline (needs the DAM);
* ``storage_value`` - offer curves from the value of stored energy: dynamic programming on the DAM plus
  the spread model the beliefs stated the day before (needs both; :mod:`hayeknet.battery.storage_value`);
* ``dam_offer`` - the re-planned DAM position with a threshold offer curve from the same spread model
  (needs both; :mod:`hayeknet.battery.dam_strategies`);
* ``mpc_stochastic`` - rolling MPC on scenario paths of DAM + spread, each interval offered as the monotone
  curve of the scenario LP's first-interval actions (needs both; :mod:`hayeknet.battery.stochastic_mpc`);
* ``mpc_median`` - the same rolling MPC on the per-interval median of those scenario prices, offered flat
  (needs both);
* ``percentile_threshold`` - charge below / discharge above percentiles of the previous day;
* ``time_of_day`` - a fixed charge-at-night, discharge-in-the-evening schedule;
* ``mpc_naive`` - rolling-horizon MPC on the previous day's prices (persistence);
* ``mpc_dam`` - MPC on the day's DAM prices (needs them);
* ``mpc_enkf`` - MPC on the DAM curve anchored to the EnKF filtered mean (the filtered mean alone
  without DAM prices);
* ``mpc_beliefs`` - MPC on the beliefs' predictive price path stated the day before, anchored to
  the EnKF mean; without such beliefs it runs as ``mpc_dam`` (as ``mpc_naive`` without DAM prices)
  and says so in its metadata (``forecast``, ``forecast_fallback``, ``forecast_note``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from hayeknet.battery.dam_strategies import DamOffer, DamSchedule
from hayeknet.battery.errors import ScheduleInputError
from hayeknet.battery.forecasts import beliefs_forecast, enkf_dam_forecast
from hayeknet.battery.ledger import summarize
from hayeknet.battery.mpc import mpc_strategy
from hayeknet.battery.spec import BatterySpec
from hayeknet.battery.stochastic_mpc import StochasticMPC
from hayeknet.battery.storage_value import StorageValueGrid, StorageValueStrategy
from hayeknet.battery.strategies import (
    PercentileThreshold,
    PerfectForesight,
    Strategy,
    StrategyContext,
    TimeOfDaySchedule,
    capture_ratio,
    empty_history,
    fair_bound,
    run_strategy,
)
from hayeknet.beliefs.spread_model import SpreadModel
from hayeknet.params import SimulateParams

PERFECT_FORESIGHT = "perfect_foresight"
BASELINE = "dam_schedule"
STRATEGY_NAMES: tuple[str, ...] = (
    PERFECT_FORESIGHT,
    BASELINE,
    "storage_value",
    "dam_offer",
    "mpc_stochastic",
    "mpc_median",
    "percentile_threshold",
    "time_of_day",
    "mpc_naive",
    "mpc_dam",
    "mpc_enkf",
    "mpc_beliefs",
)
"""Every strategy :func:`make_strategy` knows, in the order tables list them."""

STRATEGY_NUMBERS: tuple[str, ...] = (
    "profit_usd",
    "revenue_usd",
    "degradation_cost_usd",
    "charge_mwh",
    "discharge_mwh",
    "cycles",
    "fair_bound_profit_usd",
    "capture_ratio",
    "capture_ratio_vs_pf",
)
"""Numeric fields of each strategy's result (:func:`strategy_results`); JSON ``null`` there means NaN."""


class StrategyUnavailableError(ScheduleInputError):
    """A named strategy cannot run on the day: it needs information the day does not have."""


@dataclass(frozen=True, eq=False)
class DayInformation:
    """What the day's strategies may know besides the real-time prices up to each interval.

    ``history``: real-time prices ($/MWh, UTC interval start) of the previous operating day, empty on
    the first; ``dam_hourly``: the day's DAM prices at the location (UTC hour start; published the day
    before), None when absent; ``enkf_mean``: the EnKF filtered mean at the location (UTC interval
    start), whose value at interval t has assimilated prices up to t only; ``beliefs_path``: the
    beliefs' predictive price path of the day stated the day before, None when there are none, with
    ``beliefs_note`` saying why or where it came from; ``spread_model``: the RT - DAM spread model fitted
    on days before (the beliefs stated the day before), None when there is none, ``spread_note`` why.
    """

    history: pd.Series = field(default_factory=empty_history)
    dam_hourly: pd.Series | None = None
    enkf_mean: pd.Series | None = None
    beliefs_path: pd.Series | None = None
    beliefs_note: str = "no beliefs given"
    spread_model: SpreadModel | None = None
    spread_note: str = "no spread model given"


def make_strategy(
    name: str, info: DayInformation, simulate: SimulateParams | None = None, *, replan_hours: float = 1.0
) -> tuple[Strategy, dict[str, Any]]:
    """The strategy called ``name`` for a day with ``info``, and flat metadata for its result.

    ``simulate`` holds the heuristic's percentiles (defaults when None). Raises
    :class:`StrategyUnavailableError` when the day lacks what the strategy needs
    (``mpc_dam`` without DAM prices), and :class:`ScheduleInputError` for an unknown name.
    """
    sim = simulate or SimulateParams()
    if name == PERFECT_FORESIGHT:
        return PerfectForesight(), {}
    if name in (BASELINE, "storage_value", "dam_offer", "mpc_stochastic", "mpc_median"):
        return _dam_based(name, info, sim)
    if name == "percentile_threshold":
        return PercentileThreshold(sim.threshold_low_percentile, sim.threshold_high_percentile), {}
    if name == "time_of_day":
        return TimeOfDaySchedule(), {}
    if name == "mpc_naive":
        return mpc_strategy("naive", replan_hours=replan_hours), {}
    if name == "mpc_dam":
        if info.dam_hourly is None:
            raise StrategyUnavailableError("strategy mpc_dam needs the day's DAM prices (NP4-190-CD) at the location")
        return mpc_strategy("dam", dam_prices_hourly=info.dam_hourly, replan_hours=replan_hours), {}
    if name == "mpc_enkf":
        if info.enkf_mean is None:
            raise StrategyUnavailableError("strategy mpc_enkf needs the EnKF filtered mean at the location")
        forecast = enkf_dam_forecast(info.enkf_mean, info.dam_hourly)
        return mpc_strategy("array", forecast=forecast, replan_hours=replan_hours), {}
    if name == "mpc_beliefs":
        return _mpc_beliefs(info, replan_hours)
    raise ScheduleInputError(f"unknown strategy {name!r}; known: {', '.join(STRATEGY_NAMES)}")


def _dam_based(name: str, info: DayInformation, sim: SimulateParams) -> tuple[Strategy, dict[str, Any]]:
    if info.dam_hourly is None:
        raise StrategyUnavailableError(f"strategy {name} needs the day's DAM prices (NP4-190-CD) at the location")
    if name == BASELINE:
        return DamSchedule(info.dam_hourly), {}
    if info.spread_model is None:
        raise StrategyUnavailableError(
            f"strategy {name} needs a spread model fitted on earlier days: {info.spread_note}"
        )
    meta: dict[str, Any] = {"spread_model": info.spread_note}
    if name == "storage_value":
        grid = StorageValueGrid(sim.value_soc_points, sim.value_power_levels)
        return StorageValueStrategy(info.dam_hourly, info.spread_model, grid), meta
    if name in ("mpc_stochastic", "mpc_median"):
        strategy = StochasticMPC(
            info.dam_hourly,
            info.spread_model,
            n_scenarios=sim.stochastic_scenarios,
            replan_intervals=sim.stochastic_replan_intervals,
            seed=sim.stochastic_seed,
            deterministic=name == "mpc_median",
        )
        return strategy, meta | {"scenarios": sim.stochastic_scenarios}
    return DamOffer(info.dam_hourly, info.spread_model, sim.offer_low_quantile, sim.offer_high_quantile), meta


def _mpc_beliefs(info: DayInformation, replan_hours: float) -> tuple[Strategy, dict[str, Any]]:
    meta: dict[str, Any] = {"forecast_note": info.beliefs_note}
    if info.beliefs_path is not None and info.enkf_mean is not None:
        forecast = beliefs_forecast(info.beliefs_path, info.enkf_mean, anchor="enkf")
        strategy = mpc_strategy("array", forecast=forecast, replan_hours=replan_hours)
        return strategy, meta | {"forecast": "beliefs", "forecast_fallback": False}
    if info.dam_hourly is not None:
        strategy = mpc_strategy("dam", dam_prices_hourly=info.dam_hourly, replan_hours=replan_hours)
        return strategy, meta | {"forecast": "dam", "forecast_fallback": True}
    return mpc_strategy("naive", replan_hours=replan_hours), meta | {"forecast": "naive", "forecast_fallback": True}


@dataclass(frozen=True, eq=False)
class LineupRun:
    """Ledgers (ADR 0001) of the strategies that ran, their metadata, and the ones that could not run."""

    ledgers: dict[str, pd.DataFrame]
    metadata: dict[str, dict[str, Any]]
    not_run: dict[str, str]


def run_lineup(
    names: Sequence[str],
    prices: pd.Series,
    spec: BatterySpec,
    info: DayInformation,
    dt_hours: float,
    simulate: SimulateParams | None = None,
) -> LineupRun:
    """Run each named strategy on the day's real-time ``prices`` ($/MWh, UTC interval start).

    A strategy the day cannot support (:class:`StrategyUnavailableError`) is
    listed in ``not_run`` with the reason instead of failing the day.
    """
    context = StrategyContext(dt_hours=dt_hours, history=info.history)
    ledgers: dict[str, pd.DataFrame] = {}
    metadata: dict[str, dict[str, Any]] = {}
    not_run: dict[str, str] = {}
    for name in names:
        try:
            strategy, meta = make_strategy(name, info, simulate)
        except StrategyUnavailableError as exc:
            not_run[name] = str(exc)
            continue
        ledgers[name] = run_strategy(strategy, prices, spec, context)
        metadata[name] = meta
    return LineupRun(ledgers, metadata, not_run)


def strategy_results(ledgers: dict[str, pd.DataFrame], spec: BatterySpec) -> dict[str, dict[str, Any]]:
    """Totals of each ledger with the two capture ratios (ADR 0005).

    ``capture_ratio`` = profit / the fair bound (perfect foresight from the same starting SOC with the
    strategy's own final SOC as the floor, ``fair_bound_profit_usd``); ``capture_ratio_vs_pf`` = profit
    / the ``perfect_foresight`` ledger's profit (terminal SOC = initial, the study bound; needs that ledger).
    """
    if PERFECT_FORESIGHT not in ledgers:
        raise ScheduleInputError("strategy_results needs the perfect_foresight ledger (the study bound)")
    pf_profit = summarize(ledgers[PERFECT_FORESIGHT], spec).profit_usd
    results: dict[str, dict[str, Any]] = {}
    for name, ledger in ledgers.items():
        result = summarize(ledger, spec).to_dict()
        bound = fair_bound(ledger, spec).profit_usd
        result["fair_bound_profit_usd"] = bound
        result["capture_ratio"] = capture_ratio(result["profit_usd"], bound)
        result["capture_ratio_vs_pf"] = capture_ratio(result["profit_usd"], pf_profit)
        results[name] = result
    return results


def strategy_frame(results: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """:func:`strategy_results` as a table: one row per strategy, the :data:`STRATEGY_NUMBERS` columns."""
    frame = pd.DataFrame(results).T
    return frame[[c for c in STRATEGY_NUMBERS if c in frame.columns]].astype(float)
