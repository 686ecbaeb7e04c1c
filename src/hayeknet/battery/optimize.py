"""Perfect-foresight energy arbitrage bound: an LP solved by HiGHS (``highspy``).

Problem over T intervals of ``dt_hours`` (prices ``p[t]`` in $/MWh)::

    max  sum_t  p[t] * (d[t] - c[t]) * dt  -  k * (c[t] + d[t]) * dt
    s.t. s[t+1] = s[t] + eta_c * c[t] * dt - d[t] * dt / eta_d      (SOC, MWh)
         0 <= c[t], d[t] <= P                                      (MW)
         soc_min <= s[t] <= soc_max,  s[0] = soc_start
         s[T] = terminal (rule "equal"), >= terminal ("at_least") or free

with ``k`` the degradation cost ($/MWh of throughput). Variables are the
columns ``c[0..T-1], d[0..T-1], s[1..T]``; the constraint matrix (T rows,
4T-1 non-zeros) is built with scipy.sparse and passed to HiGHS as a
``HighsLp`` in one call.

Simultaneous charge and discharge
---------------------------------
Take an interval with ``c, d > 0`` and lower both by ``(delta, eta*delta)``
with ``eta = eta_c * eta_d``. The SOC change ``eta_c*c - d/eta_d`` is unchanged,
so every constraint still holds, and the objective changes by
``delta * dt * (p*(1 - eta) + k*(1 + eta))``. Hence with the *burn threshold*
``p_burn = -k * (1 + eta) / (1 - eta)`` (-$97.56/MWh for the study battery;
``-inf`` when ``eta = 1``):

* ``p >= p_burn``: separating (choosing ``delta = min(c, d/eta)``, which zeroes
  one of the two) never lowers the objective. Any LP optimum is made
  complementary by this post-processing, exactly, at no cost.
* ``p < p_burn``: the LP strictly gains by burning energy through the
  round-trip losses (it is paid to take energy off the grid and throws it
  away). The physically feasible set is then non-convex; no LP is exact.
  If the LP optimum burns in such an interval, the problem is re-solved as a
  MILP with one binary ``u[t]`` per interval with ``p[t] < p_burn``
  (``c[t] <= P*u[t]``, ``d[t] <= P*(1 - u[t])``); other intervals keep the
  exact post-processing. The MILP's optimum is the true optimum of the
  complementary problem (to HiGHS's MIP gap, set to 1e-9 relative).

If the LP optimum does not burn, it is feasible for the complementary
problem, whose feasible set is a subset of the LP's, so it is optimal there
too: the MILP is only paid for on days with very negative prices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp

from hayeknet.battery.errors import OptimizationError, ScheduleInputError
from hayeknet.battery.ledger import (
    FEASIBILITY_TOL,
    equivalent_full_cycles,
    simulate_schedule,
    soc_path,
)
from hayeknet.battery.spec import BatterySpec

TerminalRule = Literal["equal", "at_least", "free"]

#: Power (MW) below which a value counts as zero when checking complementarity.
SIMULTANEOUS_TOL_MW = 1e-7

#: Wall-clock limit (s) of the MILP fallback; past it the best feasible schedule is
#: returned with status "Time limit reached" (never seen on 288-interval days: < 2 s).
MIP_TIME_LIMIT_S = 120.0


@dataclass(frozen=True, eq=False)
class DispatchResult:
    """Optimal schedule and its totals.

    ``charge_mw``/``discharge_mw`` have T entries (MW), ``soc_mwh`` T+1 (MWh, at
    interval boundaries). Dollars: ``revenue_usd`` is energy cash (plus AS cash
    in the co-optimized problem), ``profit_usd = revenue_usd -
    degradation_cost_usd``. ``cycles`` as in :mod:`hayeknet.battery.ledger`.
    ``status`` is HiGHS's model status; ``method`` is ``"lp"`` or ``"milp"``
    (the latter when the LP burned energy at prices below the burn threshold).
    """

    charge_mw: np.ndarray
    discharge_mw: np.ndarray
    soc_mwh: np.ndarray
    revenue_usd: float
    degradation_cost_usd: float
    profit_usd: float
    charge_mwh: float
    discharge_mwh: float
    cycles: float
    status: str
    method: str = "lp"


_HIGHS_STARTED = False


def new_highs() -> Any:
    """A ``highspy.Highs`` with its log off. The first construction in a process prints HiGHS's banner
    from C to file descriptor 1 whatever the options, so it runs with that descriptor silenced."""
    global _HIGHS_STARTED
    if not _HIGHS_STARTED:
        from hayeknet.io import quiet_stdout

        with quiet_stdout():
            h = highspy.Highs()
        _HIGHS_STARTED = True
    else:
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


def burn_threshold_usd_per_mwh(spec: BatterySpec) -> float:
    """Price ($/MWh) below which burning energy through losses pays (``-inf`` if lossless)."""
    eta = spec.charge_efficiency * spec.discharge_efficiency
    if eta >= 1.0:
        return float("-inf")
    return -spec.degradation_usd_per_mwh * (1.0 + eta) / (1.0 - eta)


def separate_simultaneous(
    charge_mw: np.ndarray, discharge_mw: np.ndarray, spec: BatterySpec
) -> tuple[np.ndarray, np.ndarray]:
    """Remove simultaneous action without changing the SOC path.

    Lowers ``(c, d)`` by ``(delta, eta_c*eta_d*delta)`` with ``delta = min(c, d/(eta_c*eta_d))``
    so that one of them becomes zero. Profit does not fall at prices at or
    above :func:`burn_threshold_usd_per_mwh` (see module doc).
    """
    c = np.asarray(charge_mw, dtype=float).copy()
    d = np.asarray(discharge_mw, dtype=float).copy()
    eta = spec.charge_efficiency * spec.discharge_efficiency
    both = (c > 0) & (d > 0)
    if both.any():
        delta = np.minimum(c[both], d[both] / eta)
        c_new = c[both] - delta
        d_new = d[both] - eta * delta
        c_zero = c[both] <= d[both] / eta
        c[both] = np.where(c_zero, 0.0, c_new)
        d[both] = np.where(c_zero, d_new, 0.0)
    return c, d


def _check_inputs(prices: np.ndarray, spec: BatterySpec, dt_hours: float, soc_start: float) -> np.ndarray:
    p = np.asarray(prices, dtype=float)
    if p.ndim != 1:
        raise ScheduleInputError(f"prices must be 1-D, got shape {p.shape}")
    bad = np.flatnonzero(~np.isfinite(p))
    if bad.size:
        raise ScheduleInputError(f"prices[{bad[0]}] is not finite ({p[bad[0]]})")
    if not (np.isfinite(dt_hours) and dt_hours > 0):
        raise ScheduleInputError(f"dt_hours must be a positive number of hours, got {dt_hours}")
    tol = FEASIBILITY_TOL
    if not spec.soc_min_mwh - tol <= soc_start <= spec.soc_max_mwh + tol:
        raise ScheduleInputError(f"soc_start_mwh = {soc_start} outside [{spec.soc_min_mwh}, {spec.soc_max_mwh}] MWh")
    return p


def terminal_bounds(
    spec: BatterySpec, soc_start: float, rule: TerminalRule, terminal_soc_mwh: float | None
) -> tuple[float, float]:
    """Bounds (MWh) on the SOC at the end of the horizon for a terminal rule."""
    lo, hi = spec.soc_min_mwh, spec.soc_max_mwh
    if rule == "free":
        return lo, hi
    target = soc_start if terminal_soc_mwh is None else float(terminal_soc_mwh)
    if not lo - FEASIBILITY_TOL <= target <= hi + FEASIBILITY_TOL:
        raise ScheduleInputError(f"terminal_soc_mwh = {target} outside [{lo}, {hi}] MWh")
    target = min(max(target, lo), hi)
    if rule == "equal":
        return target, target
    if rule == "at_least":
        return target, hi
    raise ScheduleInputError(f"terminal_rule must be equal|at_least|free, got {rule!r}")


def solve_lp(
    cost: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    matrix: sp.spmatrix,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    integer_cols: np.ndarray | None = None,
) -> tuple[np.ndarray, str]:
    """Minimise ``cost @ x`` subject to bounds and ``row_lower <= A x <= row_upper`` with HiGHS.

    ``integer_cols`` (indices) are declared integer. Returns the column values
    and HiGHS's model status string; raises :class:`OptimizationError` unless optimal
    (or, for a MIP, stopped at ``MIP_TIME_LIMIT_S`` with a feasible solution).
    """
    a = sp.csc_matrix(matrix)
    a.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_ = int(a.shape[1])
    lp.num_row_ = int(a.shape[0])
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_ = np.asarray(col_lower, dtype=float)
    lp.col_upper_ = np.asarray(col_upper, dtype=float)
    lp.row_lower_ = np.asarray(row_lower, dtype=float)
    lp.row_upper_ = np.asarray(row_upper, dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = int(a.shape[1])
    lp.a_matrix_.num_row_ = int(a.shape[0])
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(float)
    if integer_cols is not None and len(integer_cols):
        integrality = [highspy.HighsVarType.kContinuous] * lp.num_col_
        for j in np.asarray(integer_cols, dtype=int):
            integrality[j] = highspy.HighsVarType.kInteger
        lp.integrality_ = integrality
    h = new_highs()
    h.setOptionValue("primal_feasibility_tolerance", 1e-9)
    h.setOptionValue("dual_feasibility_tolerance", 1e-9)
    is_mip = integer_cols is not None and len(integer_cols) > 0
    if is_mip:
        h.setOptionValue("mip_rel_gap", 1e-9)
        h.setOptionValue("mip_abs_gap", 1e-9)
        h.setOptionValue("mip_feasibility_tolerance", 1e-9)
        h.setOptionValue("time_limit", MIP_TIME_LIMIT_S)
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    text = h.modelStatusToString(status)
    has_solution = h.getInfo().primal_solution_status == 2  # kSolutionStatusFeasible
    if is_mip and status == highspy.HighsModelStatus.kTimeLimit and has_solution:
        return np.asarray(h.getSolution().col_value, dtype=float), text
    if status != highspy.HighsModelStatus.kOptimal:
        raise OptimizationError(f"HiGHS returned {text!r} for a {lp.num_row_}x{lp.num_col_} dispatch problem")
    return np.asarray(h.getSolution().col_value, dtype=float), text


def _energy_problem(
    p: np.ndarray,
    spec: BatterySpec,
    dt: float,
    soc_start: float,
    term_lo: float,
    term_hi: float,
    binary_intervals: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, sp.csc_matrix, np.ndarray, np.ndarray, np.ndarray]:
    """Columns c[0..T), d[0..T), s[1..T], then one binary per ``binary_intervals``."""
    t_n = p.shape[0]
    n_b = binary_intervals.shape[0]
    k = spec.degradation_usd_per_mwh
    t = np.arange(t_n)
    c_col, d_col, s_col = t, t_n + t, 2 * t_n + t
    # SOC rows: s[t+1] - s[t] - eta_c*dt*c[t] + dt/eta_d*d[t] = (soc_start if t == 0 else 0)
    rows = [t, t, t, t[1:]]
    cols = [c_col, d_col, s_col, s_col[:-1]]
    vals = [
        np.full(t_n, -spec.charge_efficiency * dt),
        np.full(t_n, dt / spec.discharge_efficiency),
        np.ones(t_n),
        -np.ones(t_n - 1),
    ]
    row_lo = np.zeros(t_n)
    row_lo[0] = soc_start
    row_hi = row_lo.copy()
    n_col = 3 * t_n + n_b
    if n_b:
        # c[t] - P*u <= 0 ; d[t] + P*u <= P
        b = np.arange(n_b)
        u_col = 3 * t_n + b
        r1, r2 = t_n + b, t_n + n_b + b
        rows += [r1, r1, r2, r2]
        cols += [c_col[binary_intervals], u_col, d_col[binary_intervals], u_col]
        vals += [np.ones(n_b), np.full(n_b, -spec.power_mw), np.ones(n_b), np.full(n_b, spec.power_mw)]
        row_lo = np.concatenate((row_lo, np.full(2 * n_b, -np.inf)))
        row_hi = np.concatenate((row_hi, np.zeros(n_b), np.full(n_b, spec.power_mw)))
    a = sp.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(t_n + 2 * n_b, n_col),
    )
    cost = np.concatenate(((p + k) * dt, (k - p) * dt, np.zeros(t_n), np.zeros(n_b)))
    lower = np.concatenate((np.zeros(2 * t_n), np.full(t_n, spec.soc_min_mwh), np.zeros(n_b)))
    upper = np.concatenate((np.full(2 * t_n, spec.power_mw), np.full(t_n, spec.soc_max_mwh), np.ones(n_b)))
    if t_n:
        lower[3 * t_n - 1] = term_lo
        upper[3 * t_n - 1] = term_hi
    integer_cols = np.arange(3 * t_n, n_col)
    return cost, lower, upper, a, row_lo, row_hi, integer_cols


def dispatch_result(
    prices: np.ndarray,
    charge_mw: np.ndarray,
    discharge_mw: np.ndarray,
    spec: BatterySpec,
    dt_hours: float,
    soc_start_mwh: float,
    status: str,
    method: str,
    as_cash_usd: float = 0.0,
) -> DispatchResult:
    """Totals of a schedule (energy cash + ``as_cash_usd``) as a :class:`DispatchResult`."""
    c = np.clip(np.asarray(charge_mw, dtype=float), 0.0, spec.power_mw)
    d = np.clip(np.asarray(discharge_mw, dtype=float), 0.0, spec.power_mw)
    revenue = float(np.sum(prices * (d - c)) * dt_hours) + as_cash_usd
    degradation = float(spec.degradation_usd_per_mwh * np.sum(c + d) * dt_hours)
    discharge_mwh = float(d.sum() * dt_hours)
    return DispatchResult(
        charge_mw=c,
        discharge_mw=d,
        soc_mwh=soc_path(c, d, spec, dt_hours, soc_start_mwh),
        revenue_usd=revenue,
        degradation_cost_usd=degradation,
        profit_usd=revenue - degradation,
        charge_mwh=float(c.sum() * dt_hours),
        discharge_mwh=discharge_mwh,
        cycles=equivalent_full_cycles(discharge_mwh, spec),
        status=status,
        method=method,
    )


def optimize_dispatch(
    prices_usd_per_mwh: np.ndarray,
    spec: BatterySpec,
    dt_hours: float,
    soc_start_mwh: float | None = None,
    terminal_soc_mwh: float | None = None,
    terminal_rule: TerminalRule = "equal",
) -> DispatchResult:
    """Perfect-foresight energy arbitrage over one horizon (see module doc).

    Args:
        prices_usd_per_mwh: price per interval, $/MWh (may be negative).
        spec: the battery.
        dt_hours: interval length, hours (1/12 for 5-minute, 0.25 for 15-minute).
        soc_start_mwh: initial SOC (MWh); ``spec.soc_initial_mwh`` if None.
        terminal_soc_mwh: terminal SOC target (MWh); the initial SOC if None.
        terminal_rule: ``"equal"`` (end exactly at the target; the default, DESIGN §5),
            ``"at_least"`` (end at or above it) or ``"free"`` (anywhere in the SOC window).

    The returned schedule never charges and discharges in the same interval.
    """
    soc0 = spec.soc_initial_mwh if soc_start_mwh is None else float(soc_start_mwh)
    p = _check_inputs(prices_usd_per_mwh, spec, dt_hours, soc0)
    soc0 = min(max(soc0, spec.soc_min_mwh), spec.soc_max_mwh)
    term_lo, term_hi = terminal_bounds(spec, soc0, terminal_rule, terminal_soc_mwh)
    t_n = p.shape[0]
    if t_n == 0:
        if not term_lo - FEASIBILITY_TOL <= soc0 <= term_hi + FEASIBILITY_TOL:
            raise OptimizationError("empty horizon cannot reach the terminal SOC")
        return dispatch_result(p, np.zeros(0), np.zeros(0), spec, dt_hours, soc0, "Optimal", "lp")
    none = np.zeros(0, dtype=int)
    x, status = solve_lp(*_energy_problem(p, spec, dt_hours, soc0, term_lo, term_hi, none)[:6])
    c, d = x[:t_n], x[t_n : 2 * t_n]
    method = "lp"
    burning = (c > SIMULTANEOUS_TOL_MW) & (d > SIMULTANEOUS_TOL_MW) & (p < burn_threshold_usd_per_mwh(spec))
    if burning.any():
        candidates = np.flatnonzero(p < burn_threshold_usd_per_mwh(spec))
        problem = _energy_problem(p, spec, dt_hours, soc0, term_lo, term_hi, candidates)
        x, status = solve_lp(*problem)
        c, d = x[:t_n], x[t_n : 2 * t_n]
        method = "milp"
    c, d = separate_simultaneous(np.clip(c, 0.0, spec.power_mw), np.clip(d, 0.0, spec.power_mw), spec)
    return dispatch_result(p, c, d, spec, dt_hours, soc0, status, method)


def perfect_foresight_ledger(
    index: pd.DatetimeIndex,
    prices: np.ndarray,
    spec: BatterySpec,
    dt_hours: float,
    soc_start_mwh: float | None = None,
    terminal_soc_mwh: float | None = None,
    terminal_rule: TerminalRule = "equal",
) -> pd.DataFrame:
    """Solve :func:`optimize_dispatch` and return its ledger (ADR 0001) via ``simulate_schedule``."""
    result = optimize_dispatch(prices, spec, dt_hours, soc_start_mwh, terminal_soc_mwh, terminal_rule)
    return simulate_schedule(
        index, prices, result.charge_mw, result.discharge_mw, spec, dt_hours, soc_start_mwh=result.soc_mwh[0]
    )
