"""Rolling-horizon model-predictive control (MPC): the LP re-solved on a price forecast.

At every re-planning instant (every ``replan_hours``, by default each hour) the
strategy asks its forecaster for prices of the **remaining** intervals of the
day, solves the perfect-foresight LP of :mod:`hayeknet.battery.optimize` on
that forecast from the SOC actually reached, with the day's terminal SOC rule
(by default: end the day at the SOC it started with), and applies the plan's
actions until the next re-planning instant.

Information (no peeking): a forecaster sees the timestamps of the day, the
strategy context (earlier days) and the real-time prices of the intervals
*before* the re-planning instant, never the price of the interval being
decided or any later one: :class:`MPCStrategy` is an
:class:`~hayeknet.battery.offers.OfferStrategy` whose offer for an interval is
the current plan's net power, flat in the price (ADR 0017), so the day's
prices reach it only through :func:`~hayeknet.battery.offers.clear_offers`,
cut at the interval.

Feasibility: the applied actions come from a plan that is feasible from the
current SOC and reaches the terminal target, so the next plan, which starts
where this one left off, is feasible too. Should HiGHS nonetheless fail on a
re-plan (numerically marginal targets), the target is relaxed to ``at_least``
and then ``free`` for that re-plan only; relaxations are counted in the
:class:`MPCDiagnostics` returned by :func:`mpc_schedule`.

Forecasters (all implement :class:`Forecaster`):

* :class:`NaiveForecast` (``"naive"``): the previous operating day's price at
  the same position of the day (from ``context.history``); where there is no
  previous day, persistence of the last observed price; with nothing observed
  at all, a flat forecast (the LP then idles, as it should without information).
* :class:`DayAheadForecast` (``"dam"``): the day's hourly DAM settlement point
  prices held over their intervals; DAM prices are published the day before,
  so they are known at every instant of the day.
* :class:`ArrayForecast`: a hook for a forecast computed elsewhere (the EnKF
  state or the beliefs stage): either a fixed ``pd.Series`` over the day's
  intervals, or a callable ``(step_start, index, observed) -> values`` for the
  remaining intervals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from hayeknet.battery.errors import OptimizationError, ScheduleInputError
from hayeknet.battery.offers import OfferCurve, OfferStrategy, clear_offers
from hayeknet.battery.optimize import TerminalRule, optimize_dispatch
from hayeknet.battery.spec import BatterySpec
from hayeknet.battery.strategies import StrategyContext, previous_day_prices, validated_prices


@runtime_checkable
class Forecaster(Protocol):
    """Price forecast ($/MWh) for the intervals ``index[step_start:]`` of the day."""

    @property
    def name(self) -> str: ...

    def forecast(
        self,
        step_start: int,
        index: pd.DatetimeIndex,
        observed: pd.Series,
        context: StrategyContext,
    ) -> np.ndarray: ...


@dataclass(frozen=True)
class NaiveForecast:
    """Yesterday at the same position of the day; else persistence of the last observed price; else flat 0."""

    @property
    def name(self) -> str:
        return "naive"

    def forecast(
        self, step_start: int, index: pd.DatetimeIndex, observed: pd.Series, context: StrategyContext
    ) -> np.ndarray:
        n_left = len(index) - step_start
        yesterday = previous_day_prices(context.history, index[0]) if len(index) else pd.Series(dtype=float)
        if len(yesterday):
            values = yesterday.to_numpy(dtype=float)
            # Same position of the day; DST days of other lengths are padded with the last value.
            pos = np.minimum(np.arange(step_start, len(index)), len(values) - 1)
            return values[pos]
        if len(observed):
            return np.full(n_left, float(observed.iloc[-1]))
        return np.zeros(n_left)


@dataclass(frozen=True, eq=False)
class DayAheadForecast:
    """The day's hourly DAM energy prices ($/MWh, index: UTC hour start) held over each hour's intervals."""

    dam_prices_hourly: pd.Series

    @property
    def name(self) -> str:
        return "dam"

    def forecast(
        self, step_start: int, index: pd.DatetimeIndex, observed: pd.Series, context: StrategyContext
    ) -> np.ndarray:
        dam = self.dam_prices_hourly
        if not isinstance(dam.index, pd.DatetimeIndex) or dam.index.tz is None:
            raise ScheduleInputError("dam_prices_hourly must be indexed by timezone-aware hour starts")
        dam = dam.copy()
        dam.index = dam.index.tz_convert("UTC")
        hours = index[step_start:].floor("h")
        values = dam.reindex(hours).to_numpy(dtype=float)
        missing = ~np.isfinite(values)
        if missing.all():
            raise ScheduleInputError(f"dam_prices_hourly has no price for the hours from {hours[0].isoformat()}")
        if missing.any():
            values = pd.Series(values).ffill().bfill().to_numpy()
        return values


@dataclass(frozen=True, eq=False)
class ArrayForecast:
    """A forecast made elsewhere (EnKF, beliefs stage).

    ``source`` is either a ``pd.Series`` of forecast prices over the day's
    intervals (reindexed to them; it must have been made without the day's
    realized prices), or a callable ``(step_start, index, observed) ->
    values`` returning one price per remaining interval.
    """

    source: pd.Series | Callable[[int, pd.DatetimeIndex, pd.Series], np.ndarray]
    label: str = "forecast"

    @property
    def name(self) -> str:
        return self.label

    def forecast(
        self, step_start: int, index: pd.DatetimeIndex, observed: pd.Series, context: StrategyContext
    ) -> np.ndarray:
        if isinstance(self.source, pd.Series):
            s = self.source.copy()
            if not isinstance(s.index, pd.DatetimeIndex) or s.index.tz is None:
                raise ScheduleInputError(f"{self.label}: forecast series must be indexed by UTC interval starts")
            s.index = s.index.tz_convert("UTC")
            values = s.reindex(index[step_start:]).to_numpy(dtype=float)
        else:
            values = np.asarray(self.source(step_start, index, observed), dtype=float)
        return values


def _check_forecast(name: str, values: np.ndarray, n_left: int, step_start: int) -> np.ndarray:
    values = np.asarray(values, dtype=float).ravel()
    if values.shape != (n_left,):
        raise ScheduleInputError(
            f"forecaster {name!r} returned {values.shape[0]} prices at interval {step_start}; {n_left} needed"
        )
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise ScheduleInputError(f"forecaster {name!r}: forecast for interval {step_start + int(bad[0])} is not finite")
    return values


@dataclass(frozen=True)
class MPCDiagnostics:
    """What one MPC day did: number of LP solves, re-plans whose terminal target had to be relaxed."""

    n_solves: int
    n_relaxed: int
    replan_intervals: int


@dataclass(eq=False)
class _MPCDay:
    """One MPC day (:class:`DayOffers`): re-plans at every ``step``-th interval and offers the plan flat."""

    strategy: MPCStrategy
    index: pd.DatetimeIndex
    spec: BatterySpec
    context: StrategyContext
    step: int
    target_mwh: float
    plan_net_mw: np.ndarray = field(default_factory=lambda: np.zeros(0))
    plan_start: int = 0
    n_solves: int = 0
    n_relaxed: int = 0

    def offer(self, t: int, observed: pd.Series, soc_mwh: float) -> OfferCurve:
        if t % self.step == 0:
            self._replan(t, observed, soc_mwh)
        return OfferCurve.flat(float(self.plan_net_mw[t - self.plan_start]))

    def _replan(self, start: int, observed: pd.Series, soc_mwh: float) -> None:
        n = len(self.index)
        forecaster = self.strategy.forecaster
        forecast = _check_forecast(
            forecaster.name, forecaster.forecast(start, self.index, observed, self.context), n - start, start
        )
        soc_now = min(max(soc_mwh, self.spec.soc_min_mwh), self.spec.soc_max_mwh)
        for rule in dict.fromkeys((self.strategy.terminal_rule, "at_least", "free")):
            try:
                plan = optimize_dispatch(forecast, self.spec, self.context.dt_hours, soc_now, self.target_mwh, rule)
                break
            except (OptimizationError, ScheduleInputError):
                self.n_relaxed += 1
        else:
            raise OptimizationError(f"MPC re-plan at interval {start} has no feasible schedule")
        self.n_solves += 1
        self.plan_net_mw = plan.discharge_mw - plan.charge_mw
        self.plan_start = start


@dataclass(frozen=True, eq=False)
class MPCStrategy(OfferStrategy):
    """Rolling-horizon MPC under the information contract (see module doc): each interval's offer is the
    current plan's net power, flat in the interval's price."""

    forecaster: Forecaster = field(default_factory=NaiveForecast)
    replan_hours: float = 1.0
    terminal_rule: TerminalRule = "equal"
    terminal_soc_mwh: float | None = None

    @property
    def name(self) -> str:
        return f"mpc_{self.forecaster.name}"

    def open_day(self, index: pd.DatetimeIndex, spec: BatterySpec, context: StrategyContext) -> _MPCDay:
        dt = float(context.dt_hours)
        if not (np.isfinite(dt) and dt > 0):
            raise ScheduleInputError(f"context.dt_hours must be positive, got {dt}")
        if not self.replan_hours > 0:
            raise ScheduleInputError(f"replan_hours must be positive, got {self.replan_hours}")
        soc0 = spec.soc_initial_mwh if context.soc_start_mwh is None else float(context.soc_start_mwh)
        target = soc0 if self.terminal_soc_mwh is None else float(self.terminal_soc_mwh)
        return _MPCDay(self, index, spec, context, max(1, round(self.replan_hours / dt)), target)


def mpc_schedule(
    day_prices: pd.Series,
    spec: BatterySpec,
    context: StrategyContext,
    forecaster: Forecaster,
    replan_hours: float = 1.0,
    terminal_rule: TerminalRule = "equal",
    terminal_soc_mwh: float | None = None,
) -> tuple[np.ndarray, np.ndarray, MPCDiagnostics]:
    """Rolling-horizon schedule ``(charge_mw, discharge_mw, diagnostics)`` for one day (see module doc).

    Args:
        day_prices: realized prices ($/MWh), index ``interval_start_utc``; only
            the prices before each re-planning instant are shown to the forecaster.
        spec, context: the battery and what is known besides the day (``dt_hours``,
            earlier days, starting SOC).
        forecaster: a :class:`Forecaster`.
        replan_hours: hours between re-plans (rounded to whole intervals, at least one).
        terminal_rule, terminal_soc_mwh: end-of-day SOC rule of every re-plan
            (target: the day's starting SOC unless given).
    """
    prices = validated_prices(day_prices)
    day = MPCStrategy(forecaster, replan_hours, terminal_rule, terminal_soc_mwh).open_day(
        pd.DatetimeIndex(prices.index), spec, context
    )
    charge, discharge = clear_offers(day, prices, spec, context)
    return charge, discharge, MPCDiagnostics(day.n_solves, day.n_relaxed, day.step)


ForecastKind = Literal["naive", "dam", "array"]


def mpc_strategy(
    kind: ForecastKind = "naive",
    *,
    dam_prices_hourly: pd.Series | None = None,
    forecast: pd.Series | Callable[[int, pd.DatetimeIndex, pd.Series], np.ndarray] | None = None,
    replan_hours: float = 1.0,
    terminal_rule: TerminalRule = "equal",
) -> MPCStrategy:
    """An MPC strategy with a named forecaster.

    ``kind="naive"``: previous day / persistence (needs ``context.history`` for the
    previous day); ``"dam"``: needs ``dam_prices_hourly`` (the day's DAM price at
    the location, index UTC hour start); ``"array"``: needs ``forecast`` (Series
    or callable, see :class:`ArrayForecast`).
    """
    if kind == "naive":
        forecaster: Forecaster = NaiveForecast()
    elif kind == "dam":
        if dam_prices_hourly is None:
            raise ScheduleInputError("mpc_strategy('dam') needs dam_prices_hourly (the day's DAM prices)")
        forecaster = DayAheadForecast(dam_prices_hourly)
    elif kind == "array":
        if forecast is None:
            raise ScheduleInputError("mpc_strategy('array') needs forecast (a Series or a callable)")
        forecaster = ArrayForecast(forecast)
    else:
        raise ScheduleInputError(f"mpc_strategy kind must be naive|dam|array, got {kind!r}")
    return MPCStrategy(forecaster, replan_hours, terminal_rule)
