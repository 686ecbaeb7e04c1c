"""Perfect-foresight co-optimization of energy and ancillary services (RTC+B style).

Extends the energy LP of :mod:`hayeknet.battery.optimize` with one capacity
variable ``r[k, t]`` (MW) per offered AS product and interval, paid its
clearing price ``pi[k, t]`` ($/MW per hour) times ``dt_hours``. Constraints
per interval ``t`` (SOC ``s`` in MWh, boundaries ``s[t]`` and ``s[t+1]``):

* power headroom: ``d[t] + sum_up r[k, t] <= P`` and ``c[t] + r[REGDN, t] <= P``
  (the conservative reading: AS capacity plus the energy schedule in the same
  direction within the rating; capacity freed by stopping a charge is not counted);
* NPRR1282 SOC duration rules, at both ends of the interval (SOC is linear in
  between, so this covers the whole interval):
  ``s - sum_up r[k, t] * hours[k] / discharge_efficiency >= soc_min`` (up-AS backed
  by energy above the floor) and ``s + r[REGDN, t] * hours[REGDN] * charge_efficiency
  <= soc_max`` (Reg-Down backed by headroom below the ceiling), with
  ``hours = REGUP 0.5, REGDN 0.5, RRS 0.5, ECRS 1, NSPIN 4``.

Deployment energy is not modelled (capacity payments only; Regulation's
expected net deployment is taken as zero), so the SOC path is the energy
schedule's. Simultaneous charge and discharge is handled exactly as in the
energy LP: separating ``(c, d)`` by ``(delta, eta*delta)`` keeps the SOC path and
only loosens the headroom rows, so the burn-threshold argument carries over
unchanged and the MILP fallback is the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from hayeknet.battery.errors import InfeasibleScheduleError, ScheduleInputError
from hayeknet.battery.ledger import FEASIBILITY_TOL, simulate_schedule, soc_path
from hayeknet.battery.optimize import (
    SIMULTANEOUS_TOL_MW,
    DispatchResult,
    TerminalRule,
    _check_inputs,
    burn_threshold_usd_per_mwh,
    dispatch_result,
    separate_simultaneous,
    solve_lp,
    terminal_bounds,
)
from hayeknet.battery.spec import BatterySpec

#: NPRR1282 SOC duration requirement per AS product, hours.
AS_DURATION_HOURS: dict[str, float] = {"REGUP": 0.5, "REGDN": 0.5, "RRS": 0.5, "ECRS": 1.0, "NSPIN": 4.0}
#: Products that need upward capability (backed by energy above the SOC floor).
UP_PRODUCTS: tuple[str, ...] = ("REGUP", "RRS", "ECRS", "NSPIN")
#: Products that need downward capability (backed by headroom below the SOC ceiling).
DOWN_PRODUCTS: tuple[str, ...] = ("REGDN",)


@dataclass(frozen=True, eq=False)
class CoOptimizationResult:
    """Energy schedule, AS awards and cash of the co-optimized problem.

    ``dispatch`` holds the energy schedule; its ``revenue_usd``/``profit_usd``
    include AS cash. ``awards_mw[k]`` is the capacity (MW) awarded in product
    ``k`` per interval; ``as_cash_usd`` the AS payment per interval ($).
    """

    dispatch: DispatchResult
    awards_mw: dict[str, np.ndarray]
    as_cash_usd: np.ndarray


def _as_price_matrix(as_prices: Mapping[str, np.ndarray], n: int) -> tuple[list[str], np.ndarray]:
    products = [k for k in AS_DURATION_HOURS if k in as_prices]
    unknown = sorted(set(as_prices) - set(AS_DURATION_HOURS))
    if unknown:
        raise ScheduleInputError(f"unknown AS product {unknown[0]!r} (known: {', '.join(AS_DURATION_HOURS)})")
    matrix = np.zeros((len(products), n))
    for i, k in enumerate(products):
        values = np.asarray(as_prices[k], dtype=float)
        if values.shape != (n,):
            raise ScheduleInputError(f"as_prices[{k!r}] must have {n} entries, got shape {values.shape}")
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise ScheduleInputError(f"as_prices[{k!r}][{bad[0]}] is not finite")
        matrix[i] = values
    return products, matrix


def _co_problem(
    p: np.ndarray,
    pi: np.ndarray,
    products: list[str],
    spec: BatterySpec,
    dt: float,
    soc0: float,
    term_lo: float,
    term_hi: float,
    binary_intervals: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """Columns: c[T], d[T], s[1..T], r[k][T] per product, then binaries."""
    n = p.shape[0]
    m = len(products)
    nb = binary_intervals.shape[0]
    t = np.arange(n)
    c_col, d_col, s_col = t, n + t, 2 * n + t
    r_col = {k: 3 * n + i * n + t for i, k in enumerate(products)}
    u_col = 3 * n + m * n + np.arange(nb)
    n_col = 3 * n + m * n + nb
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    next_row = 0

    def block(size: int) -> np.ndarray:
        nonlocal next_row
        r = np.arange(next_row, next_row + size)
        next_row += size
        return r

    def add(r: np.ndarray, c: np.ndarray, v: float | np.ndarray) -> None:
        rows.append(r)
        cols.append(c)
        vals.append(np.broadcast_to(np.asarray(v, dtype=float), r.shape).copy())

    # SOC dynamics.
    r = block(n)
    add(r, c_col, -spec.charge_efficiency * dt)
    add(r, d_col, dt / spec.discharge_efficiency)
    add(r, s_col, 1.0)
    add(r[1:], s_col[:-1], -1.0)
    b = np.zeros(n)
    b[0] = soc0
    lo.append(b)
    hi.append(b.copy())
    up = [k for k in products if k in UP_PRODUCTS]
    down = [k for k in products if k in DOWN_PRODUCTS]
    # Power headroom.
    r = block(n)
    add(r, d_col, 1.0)
    for k in up:
        add(r, r_col[k], 1.0)
    lo.append(np.full(n, -np.inf))
    hi.append(np.full(n, spec.power_mw))
    r = block(n)
    add(r, c_col, 1.0)
    for k in down:
        add(r, r_col[k], 1.0)
    lo.append(np.full(n, -np.inf))
    hi.append(np.full(n, spec.power_mw))
    # SOC backing at the end (s[t+1]) and start (s[t]; constant soc0 when t == 0) of each interval.
    for at_start in (False, True):
        r = block(n)
        if at_start:
            add(r[1:], s_col[:-1], 1.0)
        else:
            add(r, s_col, 1.0)
        for k in up:
            add(r, r_col[k], -AS_DURATION_HOURS[k] / spec.discharge_efficiency)
        shift = np.zeros(n)
        if at_start:
            shift[0] = soc0
        lo.append(spec.soc_min_mwh - shift)
        hi.append(np.full(n, np.inf))
        r = block(n)
        if at_start:
            add(r[1:], s_col[:-1], 1.0)
        else:
            add(r, s_col, 1.0)
        for k in down:
            add(r, r_col[k], AS_DURATION_HOURS[k] * spec.charge_efficiency)
        lo.append(np.full(n, -np.inf))
        hi.append(spec.soc_max_mwh - shift)
    if nb:
        r1, r2 = block(nb), block(nb)
        add(r1, c_col[binary_intervals], 1.0)
        add(r1, u_col, -spec.power_mw)
        add(r2, d_col[binary_intervals], 1.0)
        add(r2, u_col, spec.power_mw)
        lo += [np.full(nb, -np.inf), np.full(nb, -np.inf)]
        hi += [np.zeros(nb), np.full(nb, spec.power_mw)]
    a = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(next_row, n_col))
    k_deg = spec.degradation_usd_per_mwh
    cost = np.concatenate(((p + k_deg) * dt, (k_deg - p) * dt, np.zeros(n), -(pi * dt).ravel(), np.zeros(nb)))
    lower = np.concatenate((np.zeros(2 * n), np.full(n, spec.soc_min_mwh), np.zeros(m * n + nb)))
    upper = np.concatenate(
        (np.full(2 * n, spec.power_mw), np.full(n, spec.soc_max_mwh), np.full(m * n, spec.power_mw), np.ones(nb))
    )
    lower[3 * n - 1] = term_lo
    upper[3 * n - 1] = term_hi
    return cost, lower, upper, a, np.concatenate(lo), np.concatenate(hi), u_col


def optimize_energy_and_as(
    prices_usd_per_mwh: np.ndarray,
    as_prices_usd_per_mw_h: Mapping[str, np.ndarray],
    spec: BatterySpec,
    dt_hours: float,
    soc_start_mwh: float | None = None,
    terminal_soc_mwh: float | None = None,
    terminal_rule: TerminalRule = "equal",
    fixed_awards_mw: Mapping[str, np.ndarray] | None = None,
) -> CoOptimizationResult:
    """Perfect-foresight energy + AS co-optimization over one horizon (see module doc).

    Args:
        prices_usd_per_mwh: energy price per interval, $/MWh.
        as_prices_usd_per_mw_h: product (``REGUP``, ``REGDN``, ``RRS``, ``ECRS``,
            ``NSPIN``) -> capacity price per interval, $/MW per hour, aligned to
            the energy intervals (a product left out is not offered).
        spec, dt_hours, soc_start_mwh, terminal_soc_mwh, terminal_rule: as in
            :func:`hayeknet.battery.optimize.optimize_dispatch`.
        fixed_awards_mw: product -> award per interval (MW) already decided
            (e.g. day-ahead): those award columns are fixed to these values and
            only the energy schedule is optimized around them (the SOC and
            power they need are held back). Each key must also be in
            ``as_prices_usd_per_mw_h`` (the price the fixed award is paid).
            Raises :class:`~hayeknet.battery.errors.OptimizationError` if no
            energy schedule can back the fixed awards.
    """
    soc0 = spec.soc_initial_mwh if soc_start_mwh is None else float(soc_start_mwh)
    p = _check_inputs(prices_usd_per_mwh, spec, dt_hours, soc0)
    soc0 = min(max(soc0, spec.soc_min_mwh), spec.soc_max_mwh)
    n = p.shape[0]
    if n == 0:
        raise ScheduleInputError("optimize_energy_and_as needs at least one interval")
    products, pi = _as_price_matrix(as_prices_usd_per_mw_h, n)
    term_lo, term_hi = terminal_bounds(spec, soc0, terminal_rule, terminal_soc_mwh)
    threshold = burn_threshold_usd_per_mwh(spec)
    fixed = _fixed_award_bounds(fixed_awards_mw, products, n, spec)

    def build(binaries: np.ndarray) -> tuple[np.ndarray, ...]:
        cost, lower, upper, a, row_lo, row_hi, int_cols = _co_problem(
            p, pi, products, spec, dt_hours, soc0, term_lo, term_hi, binaries
        )
        for i, values in fixed.items():
            cols = slice(3 * n + i * n, 3 * n + (i + 1) * n)
            lower[cols] = values
            upper[cols] = values
        return cost, lower, upper, a, row_lo, row_hi, int_cols

    problem = build(np.zeros(0, dtype=int))
    x, status = solve_lp(*problem[:6])
    method = "lp"
    c, d = x[:n], x[n : 2 * n]
    if np.any((c > SIMULTANEOUS_TOL_MW) & (d > SIMULTANEOUS_TOL_MW) & (p < threshold)):
        problem = build(np.flatnonzero(p < threshold))
        x, status = solve_lp(*problem)
        method = "milp"
        c, d = x[:n], x[n : 2 * n]
    c, d = separate_simultaneous(np.clip(c, 0.0, spec.power_mw), np.clip(d, 0.0, spec.power_mw), spec)
    awards = {k: np.clip(x[3 * n + i * n : 3 * n + (i + 1) * n], 0.0, spec.power_mw) for i, k in enumerate(products)}
    for i, values in fixed.items():
        awards[products[i]] = values.copy()
    as_cash = np.zeros(n)
    for i, k in enumerate(products):
        as_cash += pi[i] * awards[k] * dt_hours
    result = dispatch_result(p, c, d, spec, dt_hours, soc0, status, method, as_cash_usd=float(as_cash.sum()))
    return CoOptimizationResult(dispatch=result, awards_mw=awards, as_cash_usd=as_cash)


def _fixed_award_bounds(
    fixed_awards_mw: Mapping[str, np.ndarray] | None, products: list[str], n: int, spec: BatterySpec
) -> dict[int, np.ndarray]:
    """Product position -> fixed award (MW, clipped into [0, P]) for ``optimize_energy_and_as``."""
    if not fixed_awards_mw:
        return {}
    out: dict[int, np.ndarray] = {}
    for k, values in fixed_awards_mw.items():
        if k not in products:
            raise ScheduleInputError(f"fixed_awards_mw[{k!r}] has no price in as_prices_usd_per_mw_h")
        arr = np.asarray(values, dtype=float)
        if arr.shape != (n,):
            raise ScheduleInputError(f"fixed_awards_mw[{k!r}] must have {n} entries, got shape {arr.shape}")
        bad = np.flatnonzero(~np.isfinite(arr) | (arr < -FEASIBILITY_TOL) | (arr > spec.power_mw + FEASIBILITY_TOL))
        if bad.size:
            raise ScheduleInputError(
                f"fixed_awards_mw[{k!r}][{bad[0]}] = {arr[bad[0]]} MW outside [0, {spec.power_mw:g}] MW"
            )
        out[products.index(k)] = np.clip(arr, 0.0, spec.power_mw)
    return out


def check_as_backing(
    charge_mw: np.ndarray,
    discharge_mw: np.ndarray,
    awards_mw: Mapping[str, np.ndarray],
    spec: BatterySpec,
    dt_hours: float,
    soc_start_mwh: float | None = None,
    index: pd.DatetimeIndex | None = None,
) -> None:
    """Raise :class:`InfeasibleScheduleError` at the first interval whose AS awards are not backed.

    Checks power headroom and the NPRR1282 SOC duration rules of the module doc
    (tolerance ``FEASIBILITY_TOL``), at the start and end SOC of every interval.
    """
    c = np.asarray(charge_mw, dtype=float)
    d = np.asarray(discharge_mw, dtype=float)
    n = c.shape[0]
    soc0 = spec.soc_initial_mwh if soc_start_mwh is None else float(soc_start_mwh)
    soc = soc_path(c, d, spec, dt_hours, soc0)
    zero = np.zeros(n)
    up_mw = sum((np.asarray(awards_mw.get(k, zero), dtype=float) for k in UP_PRODUCTS), zero)
    up_mwh = (
        sum((np.asarray(awards_mw.get(k, zero), dtype=float) * AS_DURATION_HOURS[k] for k in UP_PRODUCTS), zero)
        / spec.discharge_efficiency
    )
    dn_mw = np.asarray(awards_mw.get("REGDN", zero), dtype=float)
    dn_mwh = dn_mw * AS_DURATION_HOURS["REGDN"] * spec.charge_efficiency
    soc_low = np.minimum(soc[:-1], soc[1:])
    soc_high = np.maximum(soc[:-1], soc[1:])
    tol = FEASIBILITY_TOL
    checks = (
        ("up_as_mw", d + up_mw > spec.power_mw + tol, "discharge plus up-AS exceeds the power rating"),
        ("regdn_mw", c + dn_mw > spec.power_mw + tol, "charge plus Reg-Down exceeds the power rating"),
        ("up_as_mw", soc_low - up_mwh < spec.soc_min_mwh - tol, "up-AS not backed by energy above the SOC floor"),
        ("regdn_mw", soc_high + dn_mwh > spec.soc_max_mwh + tol, "Reg-Down not backed by headroom below the ceiling"),
    )
    for field, bad, why in checks:
        hits = np.flatnonzero(bad)
        if hits.size:
            i = int(hits[0])
            raise InfeasibleScheduleError(i, index[i] if index is not None else None, field, why)


def co_optimized_ledger(
    index: pd.DatetimeIndex,
    prices: np.ndarray,
    as_prices_usd_per_mw_h: Mapping[str, np.ndarray],
    spec: BatterySpec,
    dt_hours: float,
    soc_start_mwh: float | None = None,
    terminal_soc_mwh: float | None = None,
    terminal_rule: TerminalRule = "equal",
) -> pd.DataFrame:
    """Run :func:`optimize_energy_and_as` and return its ledger (ADR 0001) with ``as_cash_usd`` filled."""
    res = optimize_energy_and_as(
        prices, as_prices_usd_per_mw_h, spec, dt_hours, soc_start_mwh, terminal_soc_mwh, terminal_rule
    )
    check_as_backing(
        res.dispatch.charge_mw, res.dispatch.discharge_mw, res.awards_mw, spec, dt_hours, res.dispatch.soc_mwh[0], index
    )
    return simulate_schedule(
        index,
        prices,
        res.dispatch.charge_mw,
        res.dispatch.discharge_mw,
        spec,
        dt_hours,
        soc_start_mwh=res.dispatch.soc_mwh[0],
        as_cash_usd=res.as_cash_usd,
    )
