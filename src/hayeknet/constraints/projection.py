"""Projection of an infeasible battery action onto the nearest feasible one.

The action is ``v = (net_mw, r_1, ..., r_K)``: net power (discharge - charge,
MW) and AS capacity offers (MW) of the products given. "Nearest" is Euclidean
in MW. The feasible set (the rules of :mod:`hayeknet.constraints.rules` for one
interval starting at SOC ``s``) is convex; it is the union of two polyhedra,
``net >= 0`` (discharge side) and ``net <= 0`` (charge side), on each of which
every rule is linear:

* discharge side: ``0 <= n <= P``, ``n dt / eta_d <= s - floor``,
  ``n + sum_up r <= P``, ``(n dt + sum_up h_k r_k) / eta_d <= s - soc_min``,
  ``r_REGDN <= P``, ``r_REGDN h eta_c <= soc_max - s``;
* charge side: ``-P <= n <= 0``, ``-n dt eta_c <= soc_max - s``,
  ``n dt eta_c <= s - floor``, ``sum_up r <= P``,
  ``sum_up h_k r_k / eta_d <= s - soc_min``, ``-n + r_REGDN <= P``,
  ``(-n dt + r_REGDN h) eta_c <= soc_max - s``;
* both: ``r_k >= 0``, ``lo <= n <= hi`` (corridor limits, optional), where
  ``floor = max(soc_min, min_soc_after_mwh)``.

Each half is a least-distance problem ``min ||z||`` subject to ``G (a + z) <= h``,
solved exactly by Lawson & Hanson's LDP algorithm (*Solving Least Squares
Problems*, 1974, ch. 23) through one non-negative least squares problem
(:func:`scipy.optimize.nnls`); the nearer of the two half solutions is the
projection. Without AS products the projection is the closed form
:func:`project_net_power` (clip net power to its feasible interval).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.optimize import nnls

from hayeknet.battery.cooptimize import AS_DURATION_HOURS, DOWN_PRODUCTS, UP_PRODUCTS
from hayeknet.battery.spec import BatterySpec
from hayeknet.constraints.errors import ConstraintInputError, ProjectionError
from hayeknet.constraints.rules import BatteryAction

PRODUCT_ORDER: tuple[str, ...] = tuple(AS_DURATION_HOURS)


def net_power_interval_mw(
    soc_mwh: float,
    spec: BatterySpec,
    dt_hours: float,
    net_power_bounds_mw: tuple[float, float] = (-math.inf, math.inf),
    min_soc_after_mwh: float = -math.inf,
) -> tuple[float, float]:
    """Feasible interval ``(lo, hi)`` of net power (MW) without AS: power, SOC window, corridor bounds."""
    _check_state(soc_mwh, spec, dt_hours)
    floor = max(spec.soc_min_mwh, min_soc_after_mwh)
    rounding = SOC_ROUNDING_FRAC * spec.energy_mwh  # a SOC this close to a bound sits on it
    above_floor = _snap(soc_mwh - floor, rounding)
    headroom = _snap(spec.soc_max_mwh - soc_mwh, rounding)
    hi = min(spec.power_mw, above_floor * spec.discharge_efficiency / dt_hours)
    if above_floor < 0:  # must charge: hi is the (negative) minimum charge
        hi = above_floor / (spec.charge_efficiency * dt_hours)
    lo = -min(spec.power_mw, headroom / (spec.charge_efficiency * dt_hours))
    lo, hi = max(lo, net_power_bounds_mw[0]), min(hi, net_power_bounds_mw[1])
    if lo > hi + 1e-12:
        raise ProjectionError(
            f"no feasible net power at SOC {soc_mwh:.6g} MWh: interval [{lo:.6g}, {hi:.6g}] MW is empty"
        )
    return lo, max(lo, hi)


SOC_ROUNDING_FRAC = 1e-12
"""A SOC within this fraction of the energy capacity (MWh) of a bound is on it: floating-point rounding of
``soc_min + frac * usable`` must not force a charge or discharge of ~1e-12 MW."""


def _snap(margin_mwh: float, rounding_mwh: float) -> float:
    """``margin_mwh`` (MWh to a SOC bound), 0 where it is negative by no more than rounding."""
    return 0.0 if -rounding_mwh < margin_mwh < 0.0 else margin_mwh


def project_net_power(
    net_mw: float,
    soc_mwh: float,
    spec: BatterySpec,
    dt_hours: float,
    net_power_bounds_mw: tuple[float, float] = (-math.inf, math.inf),
    min_soc_after_mwh: float = -math.inf,
) -> float:
    """Closed-form projection of a net power request (MW) without AS: clip to :func:`net_power_interval_mw`."""
    if not math.isfinite(net_mw):
        raise ConstraintInputError(f"net_mw must be finite, got {net_mw!r}")
    lo, hi = net_power_interval_mw(soc_mwh, spec, dt_hours, net_power_bounds_mw, min_soc_after_mwh)
    return min(max(float(net_mw), lo), hi)


def project_action(
    action: BatteryAction,
    soc_mwh: float,
    spec: BatterySpec,
    dt_hours: float,
    *,
    net_power_bounds_mw: tuple[float, float] = (-math.inf, math.inf),
    min_soc_after_mwh: float = -math.inf,
) -> BatteryAction:
    """Nearest feasible action (Euclidean in MW) to ``action`` at SOC ``soc_mwh`` (module doc).

    The result offers the same AS products as ``action`` (possibly 0 MW).
    Raises :class:`ProjectionError` when nothing is feasible (SOC outside the
    window, or corridor bounds that exclude every net power).
    """
    products = _products(action)
    if not products:
        net = project_net_power(action.net_mw, soc_mwh, spec, dt_hours, net_power_bounds_mw, min_soc_after_mwh)
        return BatteryAction(net, {})
    _check_state(soc_mwh, spec, dt_hours)
    if not (spec.soc_min_mwh - 1e-9 <= soc_mwh <= spec.soc_max_mwh + 1e-9):
        raise ProjectionError(
            f"SOC {soc_mwh:.6g} MWh is outside [{spec.soc_min_mwh:g}, {spec.soc_max_mwh:g}] MWh: AS cannot be backed"
        )
    point = np.array([float(action.net_mw)] + [float(action.as_mw[k]) for k in products])
    if not np.all(np.isfinite(point)):
        raise ConstraintInputError("action net_mw and AS offers must be finite")
    best: np.ndarray | None = None
    for side in ("discharge", "charge"):
        g, h = half_constraints(side, products, soc_mwh, spec, dt_hours, net_power_bounds_mw, min_soc_after_mwh)
        candidate = least_distance_point(g, h, point)
        if candidate is not None and (best is None or np.linalg.norm(candidate - point) < np.linalg.norm(best - point)):
            best = candidate
    if best is None:
        raise ProjectionError(
            f"no feasible action at SOC {soc_mwh:.6g} MWh within the net power bounds {net_power_bounds_mw} MW"
        )
    offers = {k: max(float(best[i + 1]), 0.0) for i, k in enumerate(products)}
    return BatteryAction(float(best[0]), offers)


def _products(action: BatteryAction) -> list[str]:
    unknown = [k for k in action.as_mw if k not in AS_DURATION_HOURS]
    if unknown:
        raise ConstraintInputError(f"unknown AS product(s) {', '.join(unknown)} (known: {', '.join(PRODUCT_ORDER)})")
    return [k for k in PRODUCT_ORDER if k in action.as_mw]


def _check_state(soc_mwh: float, spec: BatterySpec, dt_hours: float) -> None:
    if not math.isfinite(soc_mwh):
        raise ConstraintInputError(f"soc_mwh must be finite, got {soc_mwh!r}")
    if not (math.isfinite(dt_hours) and dt_hours > 0):
        raise ConstraintInputError(f"dt_hours must be a positive number of hours, got {dt_hours!r}")


def half_constraints(
    side: str,
    products: Sequence[str],
    soc_mwh: float,
    spec: BatterySpec,
    dt_hours: float,
    net_power_bounds_mw: tuple[float, float] = (-math.inf, math.inf),
    min_soc_after_mwh: float = -math.inf,
) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``G v <= h`` of one half (``discharge``: net >= 0, ``charge``: net <= 0), ``v = (net, r...)``."""
    k = len(products)
    p_max, s, dt = spec.power_mw, float(soc_mwh), float(dt_hours)
    eta_c, eta_d = spec.charge_efficiency, spec.discharge_efficiency
    floor = max(spec.soc_min_mwh, min_soc_after_mwh)
    up = np.array([1.0 if q in UP_PRODUCTS else 0.0 for q in products])
    up_hours = np.array([AS_DURATION_HOURS[q] if q in UP_PRODUCTS else 0.0 for q in products])
    dn = np.array([1.0 if q in DOWN_PRODUCTS else 0.0 for q in products])
    dn_hours = np.array([AS_DURATION_HOURS[q] if q in DOWN_PRODUCTS else 0.0 for q in products])
    rows: list[np.ndarray] = []
    rhs: list[float] = []

    def add(net_coef: float, as_coef: np.ndarray, bound: float) -> None:
        rows.append(np.concatenate(([net_coef], as_coef)))
        rhs.append(bound)

    none = np.zeros(k)
    for i in range(k):
        add(0.0, -np.eye(k)[i], 0.0)  # r_i >= 0
    if math.isfinite(net_power_bounds_mw[1]):
        add(1.0, none, net_power_bounds_mw[1])
    if math.isfinite(net_power_bounds_mw[0]):
        add(-1.0, none, -net_power_bounds_mw[0])
    add(0.0, up_hours / eta_d, s - spec.soc_min_mwh)  # up-AS backed at the interval start
    add(0.0, dn_hours * eta_c, spec.soc_max_mwh - s)  # Reg-Down backed at the interval start
    if side == "discharge":
        add(-1.0, none, 0.0)
        add(1.0, none, p_max)
        add(dt / eta_d, none, s - floor)
        add(1.0, up, p_max)
        add(dt / eta_d, up_hours / eta_d, s - spec.soc_min_mwh)
        add(0.0, dn, p_max)
    elif side == "charge":
        add(1.0, none, 0.0)
        add(-1.0, none, p_max)
        add(-dt * eta_c, none, spec.soc_max_mwh - s)
        add(dt * eta_c, none, s - floor)
        add(0.0, up, p_max)
        add(-1.0, dn, p_max)
        add(-dt * eta_c, dn_hours * eta_c, spec.soc_max_mwh - s)
    else:
        raise ConstraintInputError(f"side must be 'discharge' or 'charge', got {side!r}")
    return np.array(rows), np.array(rhs)


def least_distance_point(g: np.ndarray, h: np.ndarray, point: np.ndarray, tol: float = 1e-9) -> np.ndarray | None:
    """The point of ``{v : g v <= h}`` nearest to ``point``, or ``None`` if the set is empty.

    Lawson-Hanson LDP: with ``E = -g`` and ``f = g point - h`` (so the set is
    ``E z >= f`` for ``z = v - point``), solve ``min ||M u - e||``, ``u >= 0``,
    ``M = [E'; f']``, ``e = (0, ..., 0, 1)``; the residual ``r = M u - e`` gives
    ``z = -r[:-1] / r[-1]``, and ``r = 0`` means infeasible.
    """
    e_mat = -g
    f = g @ point - h
    if np.all(f <= tol):
        return point.copy()  # already feasible
    scale = max(1.0, float(np.abs(f).max()), float(np.abs(e_mat).max()))
    m = np.vstack([e_mat.T, f[None, :]]) / scale
    target = np.zeros(m.shape[0])
    target[-1] = 1.0
    u, _ = nnls(m, target, maxiter=50 * m.shape[1])
    residual = m @ u - target
    if np.linalg.norm(residual) < 1e-12 or residual[-1] > -1e-12:
        return None
    z = -residual[:-1] / residual[-1]
    candidate = point + z
    if np.any(g @ candidate - h > 1e-7 * max(1.0, float(np.abs(h).max()))):
        return None
    return candidate
