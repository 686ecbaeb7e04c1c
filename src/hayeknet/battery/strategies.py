"""Trading strategies for one operating day and how they are scored.

Every strategy implements :class:`Strategy`: given the day's prices
(``pd.Series`` indexed by ``interval_start_utc``, UTC, $/MWh), the battery and
a :class:`StrategyContext` (prices of earlier days, interval length, starting
SOC), it returns ``(charge_mw, discharge_mw)`` arrays. :func:`run_strategy`
replays them into a ledger (ADR 0001).

Information (ADR 0017): every strategy here but :class:`PerfectForesight` is
an :class:`~hayeknet.battery.offers.OfferStrategy`: before interval ``t`` it
offers a monotone curve built from the prices of ``[0, t)``, earlier days and
the SOC, and only the clearing of that curve meets ``t``'s price
(:func:`~hayeknet.battery.offers.clear_offers`). The percentile heuristic's
curve charges below one threshold and discharges above the other; the
time-of-day schedule's curves are flat. Only :class:`PerfectForesight` sees
the whole day: it is the bound, not a strategy.

Scoring against perfect foresight (fairness)
--------------------------------------------
A heuristic may end the day at a different SOC from where it began; ending
lower means it sold stored energy it never bought that day, which the default
bound (terminal SOC = initial SOC) is not allowed to do, so the ratio could
exceed 1. :func:`fair_bound` therefore solves the LP from the ledger's own
starting SOC with terminal SOC **at least** the ledger's final SOC. The
strategy's schedule is feasible for that LP, so its profit can never exceed
the bound: ``capture_ratio(strategy, fair_bound) <= 1`` (energy-only ledgers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from hayeknet.battery.errors import ScheduleInputError
from hayeknet.battery.information import (
    ERCOT_TZ,
    StrategyContext,
    empty_history,
    previous_day_prices,
    validated_prices,
)
from hayeknet.battery.ledger import next_soc_mwh, project_action, simulate_schedule, validate_ledger
from hayeknet.battery.offers import DayOffers, FlatDay, OfferCurve, OfferStrategy
from hayeknet.battery.optimize import DispatchResult, TerminalRule, optimize_dispatch
from hayeknet.battery.spec import BatterySpec


@runtime_checkable
class Strategy(Protocol):
    """A trading rule for one day: prices in, metered charge/discharge (MW) out.

    Every strategy but :class:`PerfectForesight` is also a
    :class:`~hayeknet.battery.offers.CausalStrategy` whose :meth:`schedule`
    clears its offer curves interval by interval (ADR 0017).
    """

    @property
    def name(self) -> str: ...

    def schedule(
        self, day_prices: pd.Series, spec: BatterySpec, context: StrategyContext
    ) -> tuple[np.ndarray, np.ndarray]: ...


def _soc_start(spec: BatterySpec, context: StrategyContext) -> float:
    return spec.soc_initial_mwh if context.soc_start_mwh is None else float(context.soc_start_mwh)


def follow_net_requests(
    net_mw: np.ndarray, spec: BatterySpec, dt_hours: float, soc_start_mwh: float
) -> tuple[np.ndarray, np.ndarray]:
    """Turn requested net power per interval (MW, + = discharge) into a feasible schedule.

    Each request is projected with :func:`project_action` given the SOC reached so far.
    """
    n = len(net_mw)
    charge, discharge = np.zeros(n), np.zeros(n)
    soc = soc_start_mwh
    for t, request in enumerate(net_mw):
        c, d = project_action(request, soc, spec, dt_hours)
        charge[t], discharge[t] = c, d
        soc = next_soc_mwh(soc, c, d, spec, dt_hours)
    return charge, discharge


@dataclass(frozen=True)
class PercentileThreshold(OfferStrategy):
    """Charge at full power below the low percentile, discharge above the high percentile.

    Thresholds ($/MWh) are percentiles ``low_pct``/``high_pct`` (0..100) of the
    previous operating day's prices (the latest day in ``context.history``).
    With no history, the battery idles through the day's opening hour and then
    uses the percentiles of that hour's prices. Each interval's offer is the
    threshold curve (ADR 0017), cleared at the interval's price and made
    feasible by :func:`project_action`.
    """

    low_pct: float = 25.0
    high_pct: float = 75.0

    def __post_init__(self) -> None:
        if not 0 <= self.low_pct < self.high_pct <= 100:
            raise ScheduleInputError(
                f"PercentileThreshold needs 0 <= low_pct < high_pct <= 100, got {self.low_pct}, {self.high_pct}"
            )

    @property
    def name(self) -> str:
        return "percentile_threshold"

    def thresholds(self, prices: np.ndarray) -> tuple[float, float]:
        """(low, high) thresholds in $/MWh from a reference price sample."""
        lo, hi = np.percentile(prices, [self.low_pct, self.high_pct])
        return float(lo), float(hi)

    def open_day(self, index: pd.DatetimeIndex, spec: BatterySpec, context: StrategyContext) -> DayOffers:
        reference = previous_day_prices(context.history, index[0]) if len(index) else empty_history()
        opening = 0 if len(reference) else min(len(index), max(1, round(1.0 / context.dt_hours)))
        fixed = self.thresholds(reference.to_numpy()) if len(reference) else None
        return _ThresholdDay(self, spec, opening, fixed)


@dataclass(eq=False)
class _ThresholdDay:
    """A :class:`PercentileThreshold` day: thresholds fixed before the day or after its opening hour."""

    rule: PercentileThreshold
    spec: BatterySpec
    opening: int
    fixed: tuple[float, float] | None

    def offer(self, t: int, observed: pd.Series, soc_mwh: float) -> OfferCurve:
        if self.fixed is None:
            if t < self.opening:
                return OfferCurve.flat(0.0)
            self.fixed = self.rule.thresholds(observed.to_numpy()[: self.opening])
        lo, hi = self.fixed
        # charge strictly below lo, discharge strictly above hi, idle at or between them
        return OfferCurve(
            np.array([lo, np.nextafter(max(hi, lo), np.inf)]),
            np.array([-self.spec.power_mw, 0.0, self.spec.power_mw]),
        )


@dataclass(frozen=True)
class TimeOfDaySchedule(OfferStrategy):
    """Charge at full power in ``charge_hours``, discharge in ``discharge_hours`` (America/Chicago).

    Hours are local clock hours 0..23 of the interval start. Defaults suit
    ERCOT today: charge in the solar trough 10:00-15:00, discharge into the
    evening net-load peak 18:00-22:00. One window each, because a 4-hour
    battery filled overnight would already be full at midday.
    """

    charge_hours: tuple[int, ...] = (10, 11, 12, 13, 14)
    discharge_hours: tuple[int, ...] = (18, 19, 20, 21)

    def __post_init__(self) -> None:
        for h in (*self.charge_hours, *self.discharge_hours):
            if not (isinstance(h, (int, np.integer)) and 0 <= h <= 23):
                raise ScheduleInputError(f"TimeOfDaySchedule hours must be integers 0..23, got {h!r}")
        overlap = set(self.charge_hours) & set(self.discharge_hours)
        if overlap:
            raise ScheduleInputError(f"TimeOfDaySchedule hours {sorted(overlap)} are both charge and discharge hours")

    @property
    def name(self) -> str:
        return "time_of_day"

    def open_day(self, index: pd.DatetimeIndex, spec: BatterySpec, context: StrategyContext) -> DayOffers:
        hours = index.tz_convert(ERCOT_TZ).hour.to_numpy()
        net = np.where(
            np.isin(hours, self.charge_hours),
            -spec.power_mw,
            np.where(np.isin(hours, self.discharge_hours), spec.power_mw, 0.0),
        )
        return FlatDay(net)


@dataclass(frozen=True)
class PerfectForesight:
    """The LP bound as a strategy: sees the whole day (see :mod:`hayeknet.battery.optimize`)."""

    terminal_rule: TerminalRule = "equal"
    terminal_soc_mwh: float | None = None

    @property
    def name(self) -> str:
        return "perfect_foresight"

    def schedule(
        self, day_prices: pd.Series, spec: BatterySpec, context: StrategyContext
    ) -> tuple[np.ndarray, np.ndarray]:
        prices = validated_prices(day_prices)
        result = optimize_dispatch(
            prices.to_numpy(),
            spec,
            context.dt_hours,
            soc_start_mwh=context.soc_start_mwh,
            terminal_soc_mwh=self.terminal_soc_mwh,
            terminal_rule=self.terminal_rule,
        )
        return result.charge_mw, result.discharge_mw


def run_strategy(
    strategy: Strategy, day_prices: pd.Series, spec: BatterySpec, context: StrategyContext
) -> pd.DataFrame:
    """Schedule one day with ``strategy`` and return the validated ledger (ADR 0001)."""
    prices = validated_prices(day_prices)
    charge, discharge = strategy.schedule(prices, spec, context)
    return simulate_schedule(
        prices.index,
        prices.to_numpy(),
        charge,
        discharge,
        spec,
        context.dt_hours,
        soc_start_mwh=_soc_start(spec, context),
    )


def fair_bound(ledger: pd.DataFrame, spec: BatterySpec) -> DispatchResult:
    """Perfect-foresight bound comparable with ``ledger`` (energy only).

    Same prices and interval length, same starting SOC, terminal SOC at least
    the ledger's final SOC (clamped into the SOC window). Its ``profit_usd`` is
    >= the ledger's energy profit for every feasible ledger.
    """
    validate_ledger(ledger)
    if len(ledger) == 0:
        raise ScheduleInputError("fair_bound needs a ledger with at least one interval")
    dt_values = ledger["dt_hours"].to_numpy(float)
    if not np.allclose(dt_values, dt_values[0]):
        raise ScheduleInputError("fair_bound needs a ledger with one interval length")
    soc_start = float(ledger["soc_start_mwh"].iloc[0])
    soc_end = float(ledger["soc_end_mwh"].iloc[-1])
    clamp = lambda x: min(max(x, spec.soc_min_mwh), spec.soc_max_mwh)
    return optimize_dispatch(
        ledger["price_usd_per_mwh"].to_numpy(float),
        spec,
        float(dt_values[0]),
        soc_start_mwh=clamp(soc_start),
        terminal_soc_mwh=clamp(soc_end),
        terminal_rule="at_least",
    )


def capture_ratio(strategy_profit_usd: float, pf_profit_usd: float) -> float:
    """Share of the perfect-foresight profit a strategy captured.

    ``strategy_profit_usd / pf_profit_usd``; NaN when the bound is not positive
    (``pf_profit_usd <= 0``: a day with no profitable arbitrage has no meaningful
    ratio) or either value is not finite. Negative when the strategy lost money.
    """
    s, pf = float(strategy_profit_usd), float(pf_profit_usd)
    if not (math.isfinite(s) and math.isfinite(pf)) or pf <= 0:
        return float("nan")
    return s / pf
