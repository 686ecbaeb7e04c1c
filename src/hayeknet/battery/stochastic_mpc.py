"""Stochastic rolling-horizon MPC: a scenario LP re-solved through the day, offered as a monotone curve.

At every re-plan (each interval by default) from interval ``t``:

1. ``S`` spread paths for the intervals ``t..T-1`` are drawn from the
   :class:`~hayeknet.beliefs.spread_model.SpreadModel` (fitted on earlier days
   only) given the last published spread, ``observed[t-1] - dam[t-1]`` (none
   at ``t = 0``); the scenario prices are the day's DAM held on the grid plus
   the spread. The draws use a generator seeded from ``(seed, operating day,
   t)``, so a run reproduces exactly.
2. One LP (HiGHS) takes every scenario's charge, discharge and SOC over
   ``t..T-1`` and maximises the mean over scenarios of the cash
   ``p * (d - c) * dt - degradation * (c + d) * dt`` less ``penalty`` $/MWh
   of any shortfall of the end-of-day SOC below the SOC the day started from
   (the study's terminal rule, as the perfect-foresight bound). Later
   intervals are each scenario's own recourse; the first interval's action
   may differ between scenarios only as a monotone offer curve can: with the
   scenarios sorted by their price at ``t``, net power (MW, + discharge) never
   falls from one to the next, and scenarios with the same price get the same
   action.
3. The offer for ``t`` is the step curve through the sorted ``(price, net)``
   points, breaking halfway between consecutive distinct prices and flat
   beyond the extremes (:func:`monotone_curve`).

Between re-plans (``replan_intervals > 1``) an interval's curve is the
isotonic fit of the scenarios' planned actions for it against their prices.

Warm start: the day's LP is one HiGHS model of fixed size, every scenario over
the whole day (:class:`ScenarioLP`); intervals already past are fixed to zero
through their bounds, the SOC reached enters as a right-hand side, and a
re-plan changes only costs, bounds and right-hand sides, so HiGHS re-solves
from its last basis. The scenarios are kept sorted by the price of the
re-planned interval, so the monotone rows never change their coefficients
either: one row per pair of neighbouring scenarios and interval, free except
at the interval being re-planned.

``deterministic=True`` (``mpc_median``) is the same rolling MPC on one path:
the per-interval median of the scenario prices, offered flat. The pair
isolates what the scenarios add over their median.

The LP relaxes ``c * d = 0``: at prices below the burn threshold
(:func:`~hayeknet.battery.optimize.burn_threshold_usd_per_mwh`) a scenario may
plan to burn energy; only its net power is offered, and clearing
(:func:`~hayeknet.battery.offers.clear_offers`) never charges and
discharges at once.

Units: prices $/MWh, power MW, energy MWh, cash $, times seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp

from hayeknet.battery.dam_strategies import dam_on_index
from hayeknet.battery.errors import OptimizationError, ScheduleInputError
from hayeknet.battery.information import ERCOT_TZ, StrategyContext
from hayeknet.battery.offers import OfferCurve, OfferStrategy
from hayeknet.battery.optimize import new_highs
from hayeknet.battery.spec import BatterySpec
from hayeknet.beliefs.spread_model import SpreadModel

SHORTFALL_PENALTY_USD_PER_MWH = 1.0e4
"""Cost ($/MWh) of ending the day below its starting SOC: far above any price the scenarios reach."""

PRICE_TIE_USD_PER_MWH = 1e-6
"""Scenario prices closer than this ($/MWh) count as the same price (same first-interval action)."""


@dataclass(frozen=True, eq=False)
class ScenarioPlan:
    """One re-plan from interval ``start``.

    ``prices_usd_per_mwh`` and ``net_mw`` are ``(S, T - start)``: the scenario
    prices, sorted by the first column, and each scenario's planned net power
    (MW, + discharge). ``objective_usd``: mean cash over the scenarios less the
    shortfall penalty; ``seconds``: wall time of the HiGHS run; ``iterations``:
    its simplex iterations.
    """

    start: int
    prices_usd_per_mwh: np.ndarray
    net_mw: np.ndarray
    objective_usd: float
    seconds: float
    iterations: int


class ScenarioLP:
    """The scenario LP of one day (module doc) in one HiGHS model of fixed size, re-solved from its basis.

    Columns of scenario ``s`` (``T`` intervals): ``c[0..T)``, ``d[0..T)``,
    ``soc[1..T]`` and the terminal shortfall; rows: the SOC balance of each
    interval, the terminal row ``soc[T] + shortfall >= target``, and for each
    neighbouring pair ``(k, k + 1)`` and interval ``t`` the monotone row
    ``net[k, t] - net[k + 1, t] <= 0``, active only at the re-planned interval.
    """

    def __init__(
        self,
        n_scenarios: int,
        n_intervals: int,
        spec: BatterySpec,
        dt_hours: float,
        shortfall_penalty_usd_per_mwh: float = SHORTFALL_PENALTY_USD_PER_MWH,
    ) -> None:
        if n_scenarios < 1 or n_intervals < 1:
            raise ScheduleInputError(f"scenario LP needs >= 1 scenario and interval, got {n_scenarios}, {n_intervals}")
        self.n_scenarios, self.n_intervals = int(n_scenarios), int(n_intervals)
        self.spec, self.dt_hours = spec, float(dt_hours)
        self.penalty = float(shortfall_penalty_usd_per_mwh)
        s_n, t_n = self.n_scenarios, self.n_intervals
        self.width = 3 * t_n + 1  # columns per scenario
        base = (np.arange(s_n) * self.width)[:, None]
        t = np.arange(t_n)[None, :]
        self.c_col, self.d_col, self.soc_col = base + t, base + t_n + t, base + 2 * t_n + t  # (S, T) each
        self.short_col = base[:, 0] + 3 * t_n
        self.n_col = s_n * self.width
        self.soc_row = np.arange(s_n * t_n).reshape(s_n, t_n)
        self.term_row = s_n * t_n + np.arange(s_n)
        self.mono_row = s_n * t_n + s_n + np.arange((s_n - 1) * t_n).reshape(s_n - 1, t_n)
        self.n_row = s_n * t_n + s_n + (s_n - 1) * t_n
        self.highs = new_highs()
        self.highs.passModel(self._model())

    def _model(self) -> highspy.HighsLp:
        spec, dt = self.spec, self.dt_hours
        s_n, t_n = self.n_scenarios, self.n_intervals
        rows: list[np.ndarray] = [self.soc_row, self.soc_row, self.soc_row, self.soc_row[:, 1:]]
        cols: list[np.ndarray] = [self.soc_col, self.c_col, self.d_col, self.soc_col[:, :-1]]
        vals: list[np.ndarray] = [
            np.ones((s_n, t_n)),
            np.full((s_n, t_n), -spec.charge_efficiency * dt),
            np.full((s_n, t_n), dt / spec.discharge_efficiency),
            -np.ones((s_n, t_n - 1)),
        ]
        rows += [self.term_row, self.term_row]
        cols += [self.soc_col[:, -1], self.short_col]
        vals += [np.ones(s_n), np.ones(s_n)]
        if s_n > 1:  # net[k] - net[k+1] = d[k] - c[k] - d[k+1] + c[k+1]
            for col, sign in ((self.d_col[:-1], 1.0), (self.c_col[:-1], -1.0), (self.d_col[1:], -1.0)):
                rows.append(self.mono_row)
                cols.append(col)
                vals.append(np.full(self.mono_row.shape, sign))
            rows.append(self.mono_row)
            cols.append(self.c_col[1:])
            vals.append(np.ones(self.mono_row.shape))
        a = sp.csc_matrix(
            (
                np.concatenate([v.ravel() for v in vals]),
                (np.concatenate([r.ravel() for r in rows]), np.concatenate([c.ravel() for c in cols])),
            ),
            shape=(self.n_row, self.n_col),
        )
        a.sort_indices()
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = self.n_col, self.n_row
        lp.col_cost_ = np.zeros(self.n_col)
        lower, upper = np.zeros(self.n_col), np.full(self.n_col, spec.power_mw)
        lower[self.soc_col], upper[self.soc_col] = spec.soc_min_mwh, spec.soc_max_mwh
        lower[self.short_col], upper[self.short_col] = 0.0, np.inf
        lp.col_lower_, lp.col_upper_ = lower, upper
        row_upper = np.zeros(self.n_row)
        row_upper[self.term_row] = np.inf
        lp.row_lower_, lp.row_upper_ = np.zeros(self.n_row), row_upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = self.n_col, self.n_row
        lp.a_matrix_.start_ = a.indptr.astype(np.int32)
        lp.a_matrix_.index_ = a.indices.astype(np.int32)
        lp.a_matrix_.value_ = a.data.astype(float)
        return lp

    def solve(
        self, start: int, soc_mwh: float, prices_usd_per_mwh: np.ndarray, target_mwh: float, warm: bool = True
    ) -> ScenarioPlan:
        """Re-plan from interval ``start`` at SOC ``soc_mwh`` on ``(S, T - start)`` scenario prices.

        The scenarios are sorted by their price at ``start`` first (the plan's
        rows follow that order). ``warm=False`` discards the basis of the
        previous solve (a cold start on the same model).
        """
        spec, dt = self.spec, self.dt_hours
        s_n, t_n = self.n_scenarios, self.n_intervals
        prices = np.asarray(prices_usd_per_mwh, dtype=float)
        if not 0 <= start < t_n or prices.shape != (s_n, t_n - start) or not np.all(np.isfinite(prices)):
            raise ScheduleInputError(
                f"scenario LP re-plan at {start} needs finite ({s_n}, {t_n - start}) prices, got {prices.shape}"
            )
        prices = prices[np.argsort(prices[:, 0], kind="stable")]
        full = np.zeros((s_n, t_n))
        full[:, start:] = prices
        live = np.arange(t_n) >= start
        k = spec.degradation_usd_per_mwh
        weight = dt / s_n
        h = self.highs
        c_cost = np.where(live, (full + k) * weight, 0.0)
        d_cost = np.where(live, (k - full) * weight, 0.0)
        cols = np.concatenate([self.c_col.ravel(), self.d_col.ravel(), self.short_col]).astype(np.int32)
        cost = np.concatenate([c_cost.ravel(), d_cost.ravel(), np.full(s_n, self.penalty / s_n)])
        h.changeColsCost(cols.size, cols, cost)
        power = np.broadcast_to(np.where(live, spec.power_mw, 0.0), (s_n, t_n)).ravel()
        cd = cols[: 2 * s_n * t_n]
        h.changeColsBounds(cd.size, cd, np.zeros(cd.size), np.concatenate([power, power]))
        soc = min(max(float(soc_mwh), spec.soc_min_mwh), spec.soc_max_mwh)
        target = min(max(float(target_mwh), spec.soc_min_mwh), spec.soc_max_mwh)
        rows = [self.soc_row[:, 0], self.term_row]
        lo = [np.full(s_n, soc), np.full(s_n, target)]
        hi = [np.full(s_n, soc), np.full(s_n, np.inf)]
        if s_n > 1:
            mono_lo = np.full(self.mono_row.shape, -np.inf)
            mono_hi = np.full(self.mono_row.shape, np.inf)
            mono_hi[:, start] = 0.0
            tie = np.diff(prices[:, 0]) <= PRICE_TIE_USD_PER_MWH
            mono_lo[tie, start] = 0.0
            rows.append(self.mono_row.ravel())
            lo.append(mono_lo.ravel())
            hi.append(mono_hi.ravel())
        row_idx = np.concatenate(rows).astype(np.int32)
        h.changeRowsBounds(row_idx.size, row_idx, np.concatenate(lo), np.concatenate(hi))
        if not warm:
            h.clearSolver()
        began = time.perf_counter()
        h.run()
        seconds = time.perf_counter() - began
        status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise OptimizationError(
                f"scenario LP re-plan at interval {start}: HiGHS returned {h.modelStatusToString(status)!r}"
            )
        x = np.asarray(h.getSolution().col_value, dtype=float)
        net = (x[self.d_col] - x[self.c_col])[:, start:]
        info = h.getInfo()
        return ScenarioPlan(
            start, prices, net, -float(info.objective_function_value), seconds, int(info.simplex_iteration_count)
        )


def monotone_curve(prices_usd_per_mwh: np.ndarray, net_mw: np.ndarray) -> OfferCurve:
    """The non-decreasing step curve through ``(price, net)`` points (module doc).

    Equal prices share their mean action; a non-monotone sequence is replaced by
    its isotonic (least-squares) fit, which leaves a monotone one unchanged.
    Breaks lie halfway between consecutive distinct prices; the curve is flat
    beyond the lowest and highest price.
    """
    p = np.asarray(prices_usd_per_mwh, dtype=float)
    n = np.asarray(net_mw, dtype=float)
    if p.shape != n.shape or p.ndim != 1 or p.size == 0:
        raise ScheduleInputError(f"monotone_curve needs matching non-empty 1-D points, got {p.shape}, {n.shape}")
    order = np.argsort(p, kind="stable")
    p, n = p[order], n[order]
    first = np.concatenate([[True], np.diff(p) > PRICE_TIE_USD_PER_MWH])
    group = np.cumsum(first) - 1
    counts = np.bincount(group).astype(float)
    levels = _isotonic(np.bincount(group, weights=n) / counts, counts)
    distinct = p[first]
    breaks = (distinct[1:] + distinct[:-1]) / 2.0
    keep = np.diff(levels) > 1e-9  # a break where the level does not rise is no break
    return OfferCurve(breaks[keep], np.concatenate([[levels[0]], levels[1:][keep]]))


def _isotonic(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted least-squares non-decreasing fit of ``values`` (pool adjacent violators)."""
    means: list[float] = []
    mass: list[float] = []
    sizes: list[int] = []
    for v, w in zip(values.tolist(), weights.tolist(), strict=True):
        means.append(v)
        mass.append(w)
        sizes.append(1)
        while len(means) > 1 and means[-2] > means[-1] + 1e-12:
            w_all = mass[-2] + mass[-1]
            merged = (means[-2] * mass[-2] + means[-1] * mass[-1]) / w_all
            means[-2:], mass[-2:], sizes[-2:] = [merged], [w_all], [sizes[-2] + sizes[-1]]
    return np.repeat(np.maximum.accumulate(np.array(means)), sizes)


@dataclass(frozen=True, eq=False)
class StochasticMPC(OfferStrategy):
    """The stochastic rolling MPC (module doc) as a causal strategy; ``deterministic=True`` is ``mpc_median``.

    ``dam_hourly``: the day's DAM prices at the location (UTC hour start,
    published the day before); ``model``: a spread model fitted on earlier days
    on the day's interval length; ``n_scenarios``: spread paths per re-plan;
    ``replan_intervals``: intervals between re-plans; ``seed``: with the
    operating day and the interval, seeds each re-plan's draws; ``warm_start``:
    re-solve from the previous basis (False: a cold solve each time, the same
    model and decisions, for the benchmark).
    """

    dam_hourly: pd.Series
    model: SpreadModel
    n_scenarios: int = 16
    replan_intervals: int = 1
    seed: int = 0
    deterministic: bool = False
    warm_start: bool = True
    shortfall_penalty_usd_per_mwh: float = SHORTFALL_PENALTY_USD_PER_MWH

    def __post_init__(self) -> None:
        if self.n_scenarios < 1 or self.replan_intervals < 1 or self.seed < 0:
            raise ScheduleInputError(
                f"{self.name} needs n_scenarios >= 1, replan_intervals >= 1 and seed >= 0, got "
                f"{self.n_scenarios}, {self.replan_intervals}, {self.seed}"
            )
        if not self.shortfall_penalty_usd_per_mwh > 0:
            raise ScheduleInputError(f"{self.name} shortfall penalty must be positive ($/MWh)")

    @property
    def name(self) -> str:
        return "mpc_median" if self.deterministic else "mpc_stochastic"

    def open_day(self, index: pd.DatetimeIndex, spec: BatterySpec, context: StrategyContext) -> StochasticMPCDay:
        dt_hours = float(context.dt_hours)
        if abs(self.model.dt_hours - dt_hours) > 1e-9:
            raise ScheduleInputError(
                f"spread model was fitted on {self.model.dt_hours:g} h intervals; the day has {dt_hours:g} h intervals"
            )
        dam = dam_on_index(self.dam_hourly, index) if len(index) else np.zeros(0)
        local = index.tz_convert(ERCOT_TZ)
        day_key = local[0].date().toordinal() if len(index) else 0
        soc0 = spec.soc_initial_mwh if context.soc_start_mwh is None else float(context.soc_start_mwh)
        slots = 1 if self.deterministic else self.n_scenarios
        lp = ScenarioLP(slots, len(index), spec, dt_hours, self.shortfall_penalty_usd_per_mwh) if len(index) else None
        hours = np.asarray(local.hour, dtype=int)
        return StochasticMPCDay(self, dam, hours, day_key, soc0, lp)


@dataclass(eq=False)
class StochasticMPCDay:
    """One day of :class:`StochasticMPC` (a :class:`~hayeknet.battery.offers.DayOffers`), with what it solved.

    ``solve_seconds`` and ``iterations`` list each re-plan's HiGHS time (s) and
    simplex iterations.
    """

    rule: StochasticMPC
    dam: np.ndarray
    hours: np.ndarray
    day_key: int
    target_mwh: float
    lp: ScenarioLP | None
    plan: ScenarioPlan | None = None
    solve_seconds: list[float] = field(default_factory=list)
    iterations: list[int] = field(default_factory=list)

    def offer(self, t: int, observed: pd.Series, soc_mwh: float) -> OfferCurve:
        if self.plan is None or (t - self.plan.start) % self.rule.replan_intervals == 0:
            self._replan(t, observed, soc_mwh)
        assert self.plan is not None
        j = t - self.plan.start
        if self.rule.deterministic:
            return OfferCurve.flat(float(self.plan.net_mw[0, j]))
        return monotone_curve(self.plan.prices_usd_per_mwh[:, j], self.plan.net_mw[:, j])

    def scenario_prices(self, t: int, observed: pd.Series) -> np.ndarray:
        """``(S, T - t)`` scenario prices ($/MWh) of a re-plan at ``t`` (one median row when deterministic)."""
        previous = float(observed.iloc[-1]) - float(self.dam[t - 1]) if t > 0 else None
        rng = np.random.default_rng([self.rule.seed, self.day_key, t])
        paths = self.rule.model.sample_paths(self.hours[t:], previous, self.rule.n_scenarios, rng)
        prices = self.dam[t:][None, :] + paths
        if self.rule.deterministic:
            return np.median(prices, axis=0)[None, :]
        return prices

    def _replan(self, t: int, observed: pd.Series, soc_mwh: float) -> None:
        if self.lp is None:
            raise ScheduleInputError(f"{self.rule.name}: no intervals to re-plan")
        plan = self.lp.solve(t, soc_mwh, self.scenario_prices(t, observed), self.target_mwh, self.rule.warm_start)
        self.plan = plan
        self.solve_seconds.append(plan.seconds)
        self.iterations.append(plan.iterations)
