"""The information contract of every strategy: decide interval t from what was published before t, plus
at most a monotone offer curve cleared at t's price (ADR 0017).

ERCOT dispatches a storage resource from the energy offer curve it submitted
before the interval: the resource discharges more as the price rises and
charges less. A strategy here does exactly that. Before interval ``t`` it is
shown the real-time prices of ``[0, t)`` (and earlier days), what it was given
before the day (the DAM, forecasts, beliefs: :class:`~hayeknet.battery.lineup.DayInformation`)
and the SOC reached; it returns an :class:`OfferCurve`, a non-decreasing step
function from the interval's price to net power (MW, + discharge). Only then
does :func:`run_causal` clear the curve at the interval's realised price and
make the result feasible for the SOC (clipping a non-decreasing curve to an
interval keeps it non-decreasing). Feasible includes the day's end: every
causal strategy ends the day at the SOC it started with, as the perfect-foresight
bound does (:func:`end_of_day_bounds`), so no strategy is paid for energy the
next day will have to buy back. :func:`clear_offers` is the single place a
causal strategy meets the price of the interval it is paid at; a strategy
that does not depend on the price offers a flat curve.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from hayeknet.battery.errors import ScheduleInputError
from hayeknet.battery.information import StrategyContext, validated_prices
from hayeknet.battery.ledger import next_soc_mwh, project_action
from hayeknet.battery.spec import BatterySpec

PRICE_LIMIT = 1.0e9
"""$/MWh standing for an infinite threshold: beyond any price a market clears at."""


@dataclass(frozen=True, eq=False)
class OfferCurve:
    """Net power (MW, + discharge, - charge) as a non-decreasing step function of the interval's price.

    ``breaks_usd_per_mwh`` (K, strictly increasing) split the price axis into
    K + 1 segments; ``net_mw`` (K + 1, non-decreasing) is the net power in
    each: ``net_mw[i]`` for prices in ``[breaks[i-1], breaks[i])`` (a price
    equal to a break belongs to the segment above it).
    """

    breaks_usd_per_mwh: np.ndarray
    net_mw: np.ndarray

    def __post_init__(self) -> None:
        breaks = np.asarray(self.breaks_usd_per_mwh, dtype=float)
        levels = np.asarray(self.net_mw, dtype=float)
        if levels.shape != (breaks.size + 1,):
            raise ScheduleInputError(
                f"offer curve: {breaks.size} breaks need {breaks.size + 1} levels, got {levels.size}"
            )
        if breaks.size and (np.any(~np.isfinite(breaks)) or np.any(np.diff(breaks) <= 0)):
            raise ScheduleInputError(f"offer curve: breaks must be finite and strictly increasing, got {breaks}")
        if np.any(~np.isfinite(levels)) or np.any(np.diff(levels) < -1e-9):
            raise ScheduleInputError(f"offer curve: net power must not fall as the price rises, got {levels}")
        object.__setattr__(self, "breaks_usd_per_mwh", breaks)
        object.__setattr__(self, "net_mw", levels)

    def clear(self, price_usd_per_mwh: float) -> float:
        """Net power (MW) the curve dispatches at ``price_usd_per_mwh``."""
        return float(self.net_mw[np.searchsorted(self.breaks_usd_per_mwh, price_usd_per_mwh, side="right")])

    @classmethod
    def flat(cls, net_mw: float) -> OfferCurve:
        """The same net power at every price (a schedule decided without the interval's price)."""
        return cls(np.zeros(0), np.array([float(net_mw)]))

    @classmethod
    def thresholds(
        cls,
        charge_below_usd_per_mwh: float,
        discharge_above_usd_per_mwh: float,
        charge_mw: float,
        discharge_mw: float,
        base_mw: float = 0.0,
    ) -> OfferCurve:
        """Charge ``charge_mw`` below the first price, discharge ``discharge_mw`` at and above the second,
        ``base_mw`` between (clipped into ``[-charge_mw, discharge_mw]``). ``+inf`` as the charge price means
        charge at any price, ``-inf`` never; ``-inf`` as the discharge price means discharge at any price,
        ``+inf`` never. Thresholds in the wrong order meet in the middle (the curve must not fall as the
        price rises)."""
        lo = float(np.clip(charge_below_usd_per_mwh, -PRICE_LIMIT, PRICE_LIMIT))
        hi = float(np.clip(discharge_above_usd_per_mwh, -PRICE_LIMIT, PRICE_LIMIT))
        if hi < lo:
            lo = hi = (lo + hi) / 2.0
        low_level, high_level = -abs(float(charge_mw)), abs(float(discharge_mw))
        base = min(max(float(base_mw), low_level), high_level)
        if lo == hi:
            return cls(np.array([lo]), np.array([low_level, high_level]))
        return cls(np.array([lo, hi]), np.array([low_level, base, high_level]))


@runtime_checkable
class DayOffers(Protocol):
    """One strategy's offers through one day; it may keep state from interval to interval."""

    def offer(self, t: int, observed: pd.Series, soc_mwh: float) -> OfferCurve:
        """The curve for interval ``t`` from the day's prices of ``[0, t)`` (``observed``) and the SOC (MWh)."""
        ...


@runtime_checkable
class CausalStrategy(Protocol):
    """A strategy under the information contract (module docstring)."""

    @property
    def name(self) -> str: ...

    def open_day(self, index: pd.DatetimeIndex, spec: BatterySpec, context: StrategyContext) -> DayOffers:
        """Prepare the day from what is known before it: the interval starts (UTC), the battery, the context."""
        ...


def run_causal(
    strategy: CausalStrategy,
    day_prices: pd.Series,
    spec: BatterySpec,
    context: StrategyContext,
    curves: list[OfferCurve] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``(charge_mw, discharge_mw)`` of a causal strategy over the day (module docstring).

    The strategy opens the day knowing its interval starts and ``context``, then
    :func:`clear_offers` runs it. ``curves``, when given, collects the offered curves.
    """
    prices = validated_prices(day_prices)
    return clear_offers(strategy.open_day(pd.DatetimeIndex(prices.index), spec, context), prices, spec, context, curves)


def end_of_day_bounds(
    soc_mwh: float, intervals_after: int, target_mwh: float, spec: BatterySpec, dt_hours: float
) -> tuple[float, float]:
    """Bounds ``(lo, hi)`` on the net power (MW, + discharge) of an interval that keep ``target_mwh`` reachable
    at the end of the day with ``intervals_after`` intervals left after this one.

    The SOC after the interval must lie where full power over the remaining
    intervals can still bring it back to the target: at least ``target -
    intervals_after * power * charge_efficiency * dt`` and at most ``target +
    intervals_after * power / discharge_efficiency * dt`` (and inside the SOC
    window). When the SOC is already outside that band the interval must charge
    (``hi < 0``) or discharge (``lo > 0``). On the last interval both bounds
    bring the SOC to the target exactly. Known before the interval (SOC and clock only).
    """
    eta_c, eta_d, power = spec.charge_efficiency, spec.discharge_efficiency, spec.power_mw
    floor = max(spec.soc_min_mwh, target_mwh - intervals_after * power * eta_c * dt_hours)
    ceiling = min(spec.soc_max_mwh, target_mwh + intervals_after * power / eta_d * dt_hours)
    if soc_mwh >= floor:
        hi = min(power, (soc_mwh - floor) * eta_d / dt_hours)
    else:
        hi = -min(power, (floor - soc_mwh) / (eta_c * dt_hours))
    if soc_mwh <= ceiling:
        lo = -min(power, (ceiling - soc_mwh) / (eta_c * dt_hours))
    else:
        lo = min(power, (soc_mwh - ceiling) * eta_d / dt_hours)
    return min(lo, hi), hi


def clear_offers(
    day: DayOffers,
    day_prices: pd.Series,
    spec: BatterySpec,
    context: StrategyContext,
    curves: list[OfferCurve] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Ask ``day`` for each interval's curve with the prices before it, clear it at the interval's price.

    The only place a causal strategy's dispatch meets the price of the interval
    it is paid at. Each cleared request is clipped to what keeps the day's
    starting SOC reachable at its end (:func:`end_of_day_bounds`) and projected
    onto what the SOC allows (:func:`~hayeknet.battery.ledger.project_action`).
    """
    prices = validated_prices(day_prices)
    values = prices.to_numpy(dtype=float)
    n = len(values)
    dt = float(context.dt_hours)
    soc = spec.soc_initial_mwh if context.soc_start_mwh is None else float(context.soc_start_mwh)
    target = soc
    charge, discharge = np.zeros(n), np.zeros(n)
    for t in range(n):
        curve = day.offer(t, prices.iloc[:t], soc)
        if curves is not None:
            curves.append(curve)
        lo, hi = end_of_day_bounds(soc, n - 1 - t, target, spec, dt)
        c, d = project_action(min(max(curve.clear(values[t]), lo), hi), soc, spec, dt)
        charge[t], discharge[t] = c, d
        soc = next_soc_mwh(soc, c, d, spec, dt)
    return charge, discharge


class OfferStrategy:
    """Base of the causal strategies: :meth:`schedule` (the :class:`~hayeknet.battery.strategies.Strategy`
    protocol the ledgers and tables use) runs the day through :func:`run_causal`."""

    @property
    def name(self) -> str:
        raise NotImplementedError

    def open_day(self, index: pd.DatetimeIndex, spec: BatterySpec, context: StrategyContext) -> DayOffers:
        raise NotImplementedError

    def schedule(
        self, day_prices: pd.Series, spec: BatterySpec, context: StrategyContext
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(charge_mw, discharge_mw)`` of the day, each interval cleared from its offer curve."""
        return run_causal(self, day_prices, spec, context)


@dataclass(frozen=True, eq=False)
class FlatDay:
    """A day of requests fixed before it (MW per interval, + discharge): flat curves, whatever the price."""

    net_mw: np.ndarray

    def offer(self, t: int, observed: pd.Series, soc_mwh: float) -> OfferCurve:
        return OfferCurve.flat(float(self.net_mw[t]))


def is_monotone(curve: OfferCurve, prices: Sequence[float]) -> bool:
    """Whether the curve's dispatch never falls as the price rises over ``prices`` (sorted or not)."""
    grid = np.sort(np.asarray(prices, dtype=float))
    dispatched = np.array([curve.clear(p) for p in grid])
    return bool(np.all(np.diff(dispatched) >= -1e-9))
