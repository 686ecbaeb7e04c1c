"""Strategies built on the day-ahead price: the plain DAM schedule and the DAM schedule with a real-time offer curve.

* :class:`DamSchedule` (``dam_schedule``): the perfect-foresight LP solved on
  the day's DAM prices (hourly, published the day before, held over the
  hour's intervals), executed unchanged in real time; a request the SOC
  cannot meet is clipped (:func:`~hayeknet.battery.ledger.project_action`).
  The baseline every other strategy is read against (issue 17): on real
  2024 HB_HUBAVG prices it captures 74% of the real-time perfect-foresight
  profit.
* :class:`DamOffer` (``dam_offer``): keeps the day-ahead position and adds a
  monotone real-time offer curve around it, the way ERCOT storage bids. At
  every interval the LP on the DAM curve is re-solved for the rest of the day
  from the SOC reached (the position the day-ahead price still supports); the
  interval's curve offers that position between two thresholds, full charge
  below the low one and full discharge at and above the high one. The
  thresholds are the DAM price of the interval plus quantiles of the
  predictive spread (:class:`~hayeknet.beliefs.spread_model.SpreadModel`, fitted
  on earlier days) given the last published spread.

Both decide interval ``t`` from the DAM and the prices before ``t`` only
(ADR 0017). Prices $/MWh, power MW, SOC MWh.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hayeknet.battery.errors import OptimizationError, ScheduleInputError
from hayeknet.battery.forecasts import held_hourly
from hayeknet.battery.information import ERCOT_TZ, StrategyContext
from hayeknet.battery.offers import DayOffers, FlatDay, OfferCurve, OfferStrategy
from hayeknet.battery.optimize import optimize_dispatch
from hayeknet.battery.spec import BatterySpec
from hayeknet.beliefs.spread_model import SpreadModel


def dam_on_index(dam_hourly: pd.Series, index: pd.DatetimeIndex) -> np.ndarray:
    """The hourly DAM prices (UTC hour start) held over each interval of ``index`` ($/MWh)."""
    if not isinstance(dam_hourly.index, pd.DatetimeIndex) or dam_hourly.index.tz is None:
        raise ScheduleInputError("DAM prices must be indexed by timezone-aware hour starts")
    dam = dam_hourly.astype(float).copy()
    dam.index = dam.index.tz_convert("UTC")
    return held_hourly(dam.sort_index(), index.tz_convert("UTC"))


def _soc_start(spec: BatterySpec, context: StrategyContext) -> float:
    return spec.soc_initial_mwh if context.soc_start_mwh is None else float(context.soc_start_mwh)


@dataclass(frozen=True, eq=False)
class DamSchedule(OfferStrategy):
    """The LP on the day's DAM curve, executed in real time with SOC clipping (module doc)."""

    dam_hourly: pd.Series

    @property
    def name(self) -> str:
        return "dam_schedule"

    def open_day(self, index: pd.DatetimeIndex, spec: BatterySpec, context: StrategyContext) -> DayOffers:
        if len(index) == 0:
            return FlatDay(np.zeros(0))
        plan = optimize_dispatch(
            dam_on_index(self.dam_hourly, index), spec, context.dt_hours, soc_start_mwh=_soc_start(spec, context)
        )
        return FlatDay(plan.discharge_mw - plan.charge_mw)


@dataclass(frozen=True, eq=False)
class DamOffer(OfferStrategy):
    """The re-planned DAM position with a threshold offer curve around it (module doc).

    ``low_quantile`` / ``high_quantile`` (0..1) of the predictive spread set the
    charge and discharge thresholds; ``replan_intervals`` how often the DAM
    position is re-solved from the SOC reached (1 = every interval).
    """

    dam_hourly: pd.Series
    model: SpreadModel
    low_quantile: float = 0.1
    high_quantile: float = 0.9
    replan_intervals: int = 1

    def __post_init__(self) -> None:
        if not 0.0 < self.low_quantile < self.high_quantile < 1.0:
            raise ScheduleInputError(
                f"dam_offer needs 0 < low_quantile < high_quantile < 1, got {self.low_quantile}, {self.high_quantile}"
            )
        if self.replan_intervals < 1:
            raise ScheduleInputError(f"dam_offer replan_intervals must be >= 1, got {self.replan_intervals}")

    @property
    def name(self) -> str:
        return "dam_offer"

    def open_day(self, index: pd.DatetimeIndex, spec: BatterySpec, context: StrategyContext) -> DayOffers:
        dam = dam_on_index(self.dam_hourly, index) if len(index) else np.zeros(0)
        hours = np.asarray(index.tz_convert(ERCOT_TZ).hour, dtype=int)
        return _DamOfferDay(self, spec, float(context.dt_hours), dam, hours, _soc_start(spec, context))


@dataclass(eq=False)
class _DamOfferDay:
    rule: DamOffer
    spec: BatterySpec
    dt_hours: float
    dam: np.ndarray
    hours: np.ndarray
    target_mwh: float
    plan_net_mw: np.ndarray = field(default_factory=lambda: np.zeros(0))
    plan_start: int = 0

    def offer(self, t: int, observed: pd.Series, soc_mwh: float) -> OfferCurve:
        if t % self.rule.replan_intervals == 0 or t - self.plan_start >= self.plan_net_mw.size:
            self._replan(t, soc_mwh)
        base = float(self.plan_net_mw[t - self.plan_start])
        previous = float(observed.iloc[-1]) - self.dam[t - 1] if t > 0 else None
        lo_q, hi_q = self.rule.model.quantile(
            int(self.hours[t]), 0.0 if previous is None else previous, [self.rule.low_quantile, self.rule.high_quantile]
        )
        power = self.spec.power_mw
        return OfferCurve.thresholds(self.dam[t] + lo_q, self.dam[t] + hi_q, power, power, base)

    def _replan(self, t: int, soc_mwh: float) -> None:
        soc = min(max(soc_mwh, self.spec.soc_min_mwh), self.spec.soc_max_mwh)
        for rule in ("equal", "at_least", "free"):
            try:
                plan = optimize_dispatch(self.dam[t:], self.spec, self.dt_hours, soc, self.target_mwh, rule)
                break
            except (OptimizationError, ScheduleInputError):
                continue
        else:
            raise OptimizationError(f"dam_offer: no feasible DAM position from interval {t}")
        self.plan_net_mw = plan.discharge_mw - plan.charge_mw
        self.plan_start = t
