"""Offer curves from the value of stored energy: stochastic dynamic programming on the DAM plus a spread model.

Before the day, :func:`solve_storage_value` runs backward induction over the
day's intervals on a grid of SOC values. The real-time price of interval ``t``
is modelled as the day's DAM price of its hour plus a spread drawn from the
:class:`~hayeknet.beliefs.spread_model.SpreadModel` (fitted on earlier days
only) given the previous interval's spread bin. With

* ``r(p, a) = p * net_a * dt - degradation * |net_a| * dt`` the interval's
  cash at price ``p`` for net power ``net_a`` (MW, + discharge),
* ``W_t(s, z)`` the expected value of the rest of the day after interval
  ``t`` from SOC ``s`` when interval ``t``'s spread fell in bin ``z``,
* ``V_t(s, z') = E[ max_a r(p, a) + W_t(s + ds_a, bin(p - dam_t)) ]`` over
  the spread atoms of ``(hour_t, z')``, and ``W_{t-1} = V_t``,

and the terminal value ``W_{T-1}(s) = -penalty * max(0, target - s)`` (the
day ends at least at the SOC it started from, as the perfect-foresight bound
does; stored energy above it is worth nothing more).

During the day the offer for interval ``t`` from SOC ``s`` is, for every
price ``p``, the action maximizing ``r(p, a) + W_t(s + ds_a, bin(p - dam_t))``
(:meth:`StorageValueDay.curve`): within one spread bin that is the upper
envelope of straight lines in ``p``, so discharge rises with the price; across
bins a high price may signal more high prices to come (hold energy back), so
the curve is ironed to be non-decreasing (``np.maximum.accumulate``) as an
ERCOT energy offer curve must be. The curve needs nothing from interval
``t``: the price that clears it is the only thing of ``t`` that reaches the
dispatch (ADR 0017).

Units: prices and spreads $/MWh, power MW, energy MWh, values $.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hayeknet.battery.errors import ScheduleInputError
from hayeknet.battery.information import ERCOT_TZ, StrategyContext
from hayeknet.battery.offers import PRICE_LIMIT, OfferCurve, OfferStrategy
from hayeknet.battery.spec import BatterySpec
from hayeknet.beliefs.spread_model import SpreadModel

INFEASIBLE = -1.0e12
"""Value ($) standing for an action that would leave the SOC window."""


@dataclass(frozen=True)
class StorageValueGrid:
    """Discretization of the dynamic program: SOC points between the limits and net power levels."""

    soc_points: int = 41
    power_levels: int = 21
    shortfall_penalty_usd_per_mwh: float = 1000.0

    def __post_init__(self) -> None:
        if self.soc_points < 3 or self.power_levels < 3 or self.power_levels % 2 == 0:
            raise ScheduleInputError(
                "storage value grid needs soc_points >= 3 and an odd power_levels >= 3 (idle is a level), "
                f"got {self.soc_points}, {self.power_levels}"
            )
        if not self.shortfall_penalty_usd_per_mwh > 0:
            raise ScheduleInputError("storage value shortfall penalty must be positive ($/MWh)")


@dataclass(frozen=True, eq=False)
class StorageValueDay:
    """The solved day: ``after_value[t, z, i]`` = ``W_t(soc[i], z)`` ($) and what the curves need."""

    soc_mwh: np.ndarray
    net_mw: np.ndarray
    spec: BatterySpec
    after_value: np.ndarray
    dam_usd_per_mwh: np.ndarray
    bin_bounds: np.ndarray
    spread_atoms: np.ndarray
    dt_hours: float

    def expected_value(self, t: int, soc_mwh: float) -> np.ndarray:
        """``W_t`` at ``soc_mwh`` per spread bin ($), linear between SOC points."""
        return np.array([np.interp(soc_mwh, self.soc_mwh, row) for row in self.after_value[t]])

    def curve(self, t: int, soc_mwh: float, previous_spread: float | None = None) -> OfferCurve:
        """The best monotone offer curve of interval ``t`` from SOC ``soc_mwh`` (module doc).

        ``previous_spread`` (RT - DAM of interval ``t - 1``, $/MWh; None when
        unknown) picks the predictive spread atoms that weight the prices.
        """
        net = self._candidates(soc_mwh)
        charge, discharge = np.clip(-net, 0.0, None), np.clip(net, 0.0, None)
        spec = self.spec
        after = soc_mwh + (spec.charge_efficiency * charge - discharge / spec.discharge_efficiency) * self.dt_hours
        cash_offset = -spec.degradation_usd_per_mwh * np.abs(net) * self.dt_hours
        feasible = (after >= self.soc_mwh[0] - 1e-6) & (after <= self.soc_mwh[-1] + 1e-6)
        clipped = np.clip(after, self.soc_mwh[0], self.soc_mwh[-1])
        slopes = net * self.dt_hours
        starts: list[float] = []
        pieces_intercepts: list[np.ndarray] = []
        for z in range(self.after_value.shape[1]):
            values = np.interp(clipped, self.soc_mwh, self.after_value[t, z])
            intercepts = np.where(feasible, cash_offset + values, INFEASIBLE)
            lo = self.dam_usd_per_mwh[t] + self.bin_bounds[z]
            hi = self.dam_usd_per_mwh[t] + self.bin_bounds[z + 1]
            for start, _ in _envelope_on(slopes, intercepts, lo, hi):
                starts.append(start)
                pieces_intercepts.append(intercepts)
        if not starts:
            return OfferCurve.flat(0.0)
        prices = self.dam_usd_per_mwh[t] + self._atoms(t, previous_spread)
        levels = _best_monotone(np.array(starts), np.array(pieces_intercepts), slopes, prices)
        return _step_curve(np.array(starts), net[levels])

    def _candidates(self, soc_mwh: float) -> np.ndarray:
        """The grid's net power levels plus the two that fill and empty the battery exactly from ``soc_mwh``
        (MW, sorted, distinct): the grid alone would stop short of the SOC limits."""
        spec = self.spec
        fill = (spec.soc_max_mwh - soc_mwh) / (spec.charge_efficiency * self.dt_hours)
        empty = (soc_mwh - spec.soc_min_mwh) * spec.discharge_efficiency / self.dt_hours
        extra = [-min(spec.power_mw, fill), min(spec.power_mw, empty)]
        return np.unique(np.round(np.concatenate([self.net_mw, [x for x in extra if x > -np.inf]]), 9))

    def _atoms(self, t: int, previous_spread: float | None) -> np.ndarray:
        atoms = self.spread_atoms[t]  # (K, Q)
        if previous_spread is None or not np.isfinite(previous_spread):
            return atoms.ravel()
        inner = self.bin_bounds[1:-1]
        return atoms[int(np.searchsorted(inner, previous_spread, side="right"))]


def solve_storage_value(
    dam_usd_per_mwh: np.ndarray,
    local_hour: np.ndarray,
    model: SpreadModel,
    spec: BatterySpec,
    dt_hours: float,
    soc_target_mwh: float,
    grid: StorageValueGrid | None = None,
) -> StorageValueDay:
    """Backward induction over the day (module doc); ``dam_usd_per_mwh`` is the DAM held on the day's grid."""
    grid = grid or StorageValueGrid()
    dam = np.asarray(dam_usd_per_mwh, dtype=float)
    hours = np.asarray(local_hour, dtype=int)
    if dam.shape != hours.shape or dam.ndim != 1 or dam.size == 0:
        raise ScheduleInputError("storage value needs one DAM price and one local hour per interval")
    if not np.all(np.isfinite(dam)):
        raise ScheduleInputError(f"storage value: DAM price at interval {int(np.argmax(~np.isfinite(dam)))} is missing")
    if abs(model.dt_hours - dt_hours) > 1e-9:
        raise ScheduleInputError(
            f"spread model was fitted on {model.dt_hours:g} h intervals; the day has {dt_hours:g} h intervals"
        )
    soc = np.linspace(spec.soc_min_mwh, spec.soc_max_mwh, grid.soc_points)
    net = np.linspace(-spec.power_mw, spec.power_mw, grid.power_levels)
    charge, discharge = np.clip(-net, 0.0, None), np.clip(net, 0.0, None)
    change = (spec.charge_efficiency * charge - discharge / spec.discharge_efficiency) * dt_hours
    offset = -spec.degradation_usd_per_mwh * np.abs(net) * dt_hours
    after = soc[:, None] + change[None, :]
    feasible = (after >= soc[0] - 1e-9) & (after <= soc[-1] + 1e-9)
    clipped = np.clip(after, soc[0], soc[-1])
    left = np.clip(np.searchsorted(soc, clipped, side="right") - 1, 0, soc.size - 2)
    weight = (clipped - soc[left]) / (soc[left + 1] - soc[left])
    k, n = model.n_bins, dam.size
    values = np.empty((n, k, soc.size))
    value = np.repeat((-grid.shortfall_penalty_usd_per_mwh * np.clip(soc_target_mwh - soc, 0.0, None))[None], k, 0)
    slope = net * dt_hours
    for t in range(n - 1, -1, -1):
        values[t] = value
        w = value[:, left] * (1.0 - weight) + value[:, left + 1] * weight  # (k, S, A)
        w = np.where(feasible[None], w, INFEASIBLE) + offset
        spreads = model.atoms[hours[t]]  # (k', Q): spread atoms given the previous interval's bin k'
        prices = dam[t] + spreads
        new_bin = model.bin_of(spreads)
        value = np.empty((k, soc.size))
        for z_prev in range(k):
            cash = prices[z_prev][:, None, None] * slope[None, None, :]  # (Q, 1, A)
            value[z_prev] = (cash + w[new_bin[z_prev]]).max(axis=2).mean(axis=0)
    return StorageValueDay(soc, net, spec, values, dam, model.bin_bounds(), model.atoms[hours], float(dt_hours))


def _envelope_on(slopes: np.ndarray, intercepts: np.ndarray, lo: float, hi: float) -> list[tuple[float, int]]:
    """``(price from which, line)`` pieces of the upper envelope of ``intercepts + slopes * p`` on ``[lo, hi)``.

    ``slopes`` strictly increasing; lines at :data:`INFEASIBLE` never win.
    """
    hull: list[int] = []
    for a in np.flatnonzero(intercepts > INFEASIBLE / 2).tolist():
        while hull:
            top = hull[-1]
            if len(hull) >= 2 and _cross(slopes, intercepts, hull[-2], a) <= _cross(slopes, intercepts, hull[-2], top):
                hull.pop()
                continue
            break
        hull.append(a)
    lo_c, hi_c = max(lo, -PRICE_LIMIT), min(hi, PRICE_LIMIT)
    pieces: list[tuple[float, int]] = []
    for i, a in enumerate(hull):
        start = -np.inf if i == 0 else _cross(slopes, intercepts, hull[i - 1], a)
        stop = np.inf if i == len(hull) - 1 else _cross(slopes, intercepts, a, hull[i + 1])
        if stop <= lo_c or start >= hi_c:
            continue
        pieces.append((max(start, lo_c), a))
    if not pieces and hull:  # numerically empty range: the line that wins at lo
        pieces.append((lo_c, hull[int(np.argmax(intercepts[hull] + slopes[hull] * lo_c))]))
    return pieces


def _best_monotone(starts: np.ndarray, intercepts: np.ndarray, slopes: np.ndarray, atoms: np.ndarray) -> np.ndarray:
    """Action per price piece: non-decreasing, maximizing the expected value over the price atoms.

    Piece ``i`` covers prices ``[starts[i], starts[i+1])`` with value
    ``intercepts[i, a] + slopes[a] * p`` for action ``a``. The expectation over
    the equally likely ``atoms`` (prices, $/MWh) in each piece is exact
    (linear in ``p``); a piece no atom falls in is weighted by a tiny multiple
    of its value at its start price, so it still gets a sensible level.
    Dynamic programming over the pieces in price order with a running maximum
    over lower actions keeps the levels non-decreasing.
    """
    bounds = np.append(starts[1:], np.inf)
    inside = (atoms[None, :] >= starts[:, None]) & (atoms[None, :] < bounds[:, None])
    count = inside.sum(axis=1).astype(float)
    total = (inside * atoms[None, :]).sum(axis=1)
    reference = np.clip(starts, -PRICE_LIMIT, PRICE_LIMIT)
    value = count[:, None] * intercepts + total[:, None] * slopes[None, :]
    value += 1e-6 * (intercepts + reference[:, None] * slopes[None, :])
    n, a = value.shape
    best = value[0].copy()
    choice = np.zeros((n, a), dtype=int)  # best lower-or-equal action of the previous piece
    for i in range(1, n):
        running = np.maximum.accumulate(best)
        choice[i] = _running_argmax(best)
        best = value[i] + running
    levels = np.empty(n, dtype=int)
    levels[-1] = int(np.argmax(best))
    for i in range(n - 1, 0, -1):
        levels[i - 1] = choice[i, levels[i]]
    return levels


def _running_argmax(values: np.ndarray) -> np.ndarray:
    """Index of the maximum of ``values[: j + 1]`` for each ``j``."""
    out = np.zeros(values.size, dtype=int)
    best = 0
    for j in range(1, values.size):
        if values[j] > values[best]:
            best = j
        out[j] = best
    return out


def _cross(slopes: np.ndarray, intercepts: np.ndarray, i: int, j: int) -> float:
    """Price where line ``j`` (steeper) overtakes line ``i``."""
    return float((intercepts[i] - intercepts[j]) / (slopes[j] - slopes[i]))


def _step_curve(starts: np.ndarray, levels: np.ndarray) -> OfferCurve:
    """The step curve taking ``levels[i]`` from ``starts[i]`` on (``starts`` non-decreasing, levels monotone)."""
    if levels.size == 0:
        return OfferCurve.flat(0.0)
    starts = np.maximum.accumulate(starts)  # crossings computed in floating point may cross by an ulp
    keep = np.append(np.diff(starts) > 1e-9, True)  # a piece of (numerically) zero width gives way to the next
    starts, levels = starts[keep], levels[keep]
    keep = np.insert(np.diff(levels) > 1e-9, 0, True)  # merge neighbours at the same level
    starts, levels = starts[keep], levels[keep]
    return OfferCurve(starts[1:], levels)


@dataclass(frozen=True, eq=False)
class StorageValueStrategy(OfferStrategy):
    """The value-of-storage offer curves (module doc) as a causal strategy.

    ``dam_hourly``: the day's DAM prices at the location (UTC hour start,
    published the day before); ``model``: a spread model fitted on earlier days.
    The day's target SOC is the SOC it starts from.
    """

    dam_hourly: pd.Series
    model: SpreadModel
    grid: StorageValueGrid = StorageValueGrid()

    @property
    def name(self) -> str:
        return "storage_value"

    def open_day(self, index: pd.DatetimeIndex, spec: BatterySpec, context: StrategyContext) -> _StorageValueOffers:
        from hayeknet.battery.forecasts import held_hourly

        dam = self.dam_hourly.copy()
        dam.index = pd.DatetimeIndex(dam.index).tz_convert("UTC")
        held = held_hourly(dam, index.tz_convert("UTC"))
        hours = np.asarray(index.tz_convert(ERCOT_TZ).hour, dtype=int)
        soc0 = spec.soc_initial_mwh if context.soc_start_mwh is None else float(context.soc_start_mwh)
        day = solve_storage_value(held, hours, self.model, spec, float(context.dt_hours), soc0, self.grid)
        return _StorageValueOffers(day)


@dataclass(frozen=True, eq=False)
class _StorageValueOffers:
    day: StorageValueDay

    def offer(self, t: int, observed: pd.Series, soc_mwh: float) -> OfferCurve:
        previous = float(observed.iloc[-1]) - self.day.dam_usd_per_mwh[t - 1] if t > 0 else None
        return self.day.curve(t, soc_mwh, previous)
