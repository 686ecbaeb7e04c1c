"""Boolean rules that check every simulated battery action, schedule or ledger.

Rules (names in :data:`RULES`), per interval ``t`` of length ``dt_hours``, with
SOC ``s_t`` at the start and ``s_{t+1}`` at the end (MWh, DESIGN section 5),
charge ``c``, discharge ``d`` (MW at the meter) and AS capacity offers or
awards ``r_k`` (MW):

* ``power_limit``: ``0 <= c, d <= power_mw``;
* ``simultaneous``: not ``c > 0`` and ``d > 0`` at once;
* ``soc_limit``: ``soc_min <= s_t, s_{t+1} <= soc_max``; for a ledger also
  ``soc_dynamics``: ``soc_end`` follows from ``soc_start``, ``c``, ``d`` and each
  interval starts where the previous one ended;
* ``as_nonnegative``: ``r_k >= 0``; ``as_unknown_product`` for a product outside
  :data:`hayeknet.battery.cooptimize.AS_DURATION_HOURS`;
* ``as_power_headroom``: ``d + sum_up r <= power_mw`` and ``c + r_REGDN <= power_mw``;
* ``as_duration_backing`` (NPRR1282; Reg-Up/Down 0.5 h, RRS 0.5 h, ECRS 1 h,
  Non-Spin 4 h), at both ends of the interval: up-AS backed by energy above the
  floor, ``min(s_t, s_{t+1}) - sum_up r_k h_k / discharge_efficiency >= soc_min``;
  Reg-Down by headroom below the ceiling,
  ``max(s_t, s_{t+1}) + r_REGDN h_REGDN charge_efficiency <= soc_max``;
* ``corridor_limit``: the net injection ``d - c`` lies in the interval that
  keeps every transmission corridor within its limit
  (:meth:`hayeknet.constraints.grid.GridGraph.net_power_bounds_mw`).

These are the constraints of the co-optimization LP
(:mod:`hayeknet.battery.cooptimize`, same tolerance ``FEASIBILITY_TOL``), so a
schedule from that LP passes them. Each check returns a list of
:class:`Violation` (empty when feasible), naming the rule, the interval
(0-based position) and the field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hayeknet.battery.cooptimize import AS_DURATION_HOURS, DOWN_PRODUCTS, UP_PRODUCTS
from hayeknet.battery.ledger import FEASIBILITY_TOL
from hayeknet.battery.spec import BatterySpec
from hayeknet.constraints.errors import ConstraintInputError

RULES: tuple[str, ...] = (
    "power_limit",
    "simultaneous",
    "soc_limit",
    "soc_dynamics",
    "as_nonnegative",
    "as_unknown_product",
    "as_power_headroom",
    "as_duration_backing",
    "corridor_limit",
)


@dataclass(frozen=True)
class Violation:
    """One broken rule: which, where (interval position, UTC start if known), which field, by how much."""

    rule: str
    interval: int
    field: str
    value: float
    bound: float
    detail: str
    interval_start_utc: pd.Timestamp | None = None

    def __str__(self) -> str:
        when = f" ({self.interval_start_utc.isoformat()})" if self.interval_start_utc is not None else ""
        return (
            f"interval {self.interval}{when}: {self.rule} on {self.field}: {self.detail} "
            f"({self.value:.9g} vs {self.bound:.9g})"
        )


@dataclass(frozen=True)
class BatteryAction:
    """One interval's decision: net power ``discharge - charge`` (MW) and AS capacity offers (MW by product)."""

    net_mw: float
    as_mw: Mapping[str, float] = field(default_factory=dict)

    @property
    def charge_mw(self) -> float:
        return max(-self.net_mw, 0.0)

    @property
    def discharge_mw(self) -> float:
        return max(self.net_mw, 0.0)


def _array(name: str, values: object, n: int) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    arr = np.full(n, float(arr)) if arr.ndim == 0 else arr.reshape(-1)
    if arr.shape != (n,):
        raise ConstraintInputError(f"{name} has {arr.shape[0]} values for {n} intervals")
    if not np.all(np.isfinite(arr)):
        first = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise ConstraintInputError(f"{name} has a non-finite value at interval {first}")
    return arr


def _awards(awards_mw: Mapping[str, object] | None, n: int) -> dict[str, np.ndarray]:
    return {k: _array(f"awards_mw[{k!r}]", v, n) for k, v in (awards_mw or {}).items()}


def _bounds(net_power_bounds_mw: tuple[object, object] | None, n: int) -> tuple[np.ndarray, np.ndarray] | None:
    if net_power_bounds_mw is None:
        return None
    lo, hi = net_power_bounds_mw
    lo_a = np.broadcast_to(np.asarray(lo, dtype=float), (n,))
    hi_a = np.broadcast_to(np.asarray(hi, dtype=float), (n,))
    return lo_a, hi_a


def check_schedule(
    charge_mw: object,
    discharge_mw: object,
    spec: BatterySpec,
    dt_hours: float,
    *,
    soc_start_mwh: float | None = None,
    awards_mw: Mapping[str, object] | None = None,
    net_power_bounds_mw: tuple[object, object] | None = None,
    index: pd.DatetimeIndex | None = None,
    tol: float = FEASIBILITY_TOL,
) -> list[Violation]:
    """All violations of a schedule (arrays per interval, MW) replayed from ``soc_start_mwh``.

    ``awards_mw`` maps AS products to capacity per interval (MW);
    ``net_power_bounds_mw`` is ``(lo, hi)`` of net injection (scalars or per
    interval), e.g. from the grid's corridor limits. ``index`` (UTC interval
    starts) only labels the violations.
    """
    c0 = np.asarray(charge_mw, dtype=float).reshape(-1)
    n = c0.shape[0]
    c = _array("charge_mw", charge_mw, n)
    d = _array("discharge_mw", discharge_mw, n)
    if not (math.isfinite(dt_hours) and dt_hours > 0):
        raise ConstraintInputError(f"dt_hours must be a positive number of hours, got {dt_hours!r}")
    s0 = spec.soc_initial_mwh if soc_start_mwh is None else float(soc_start_mwh)
    delta = (spec.charge_efficiency * c - d / spec.discharge_efficiency) * dt_hours
    soc = s0 + np.concatenate(([0.0], np.cumsum(delta)))
    return _check(c, d, soc[:-1], soc[1:], spec, _awards(awards_mw, n), _bounds(net_power_bounds_mw, n), index, tol)


def check_action(
    action: BatteryAction,
    soc_mwh: float,
    spec: BatterySpec,
    dt_hours: float,
    *,
    net_power_bounds_mw: tuple[float, float] | None = None,
    tol: float = FEASIBILITY_TOL,
) -> list[Violation]:
    """Violations of one action taken at SOC ``soc_mwh`` for one interval of ``dt_hours`` (interval 0)."""
    return check_schedule(
        [action.charge_mw],
        [action.discharge_mw],
        spec,
        dt_hours,
        soc_start_mwh=soc_mwh,
        awards_mw={k: [v] for k, v in action.as_mw.items()},
        net_power_bounds_mw=net_power_bounds_mw,
        tol=tol,
    )


def check_ledger(
    ledger: pd.DataFrame,
    spec: BatterySpec,
    *,
    awards_mw: Mapping[str, object] | None = None,
    net_power_bounds_mw: tuple[object, object] | None = None,
    tol: float = FEASIBILITY_TOL,
) -> list[Violation]:
    """Violations of a ledger (ADR 0001), using its own SOC columns plus ``soc_dynamics`` checks."""
    needed = ("interval_start_utc", "dt_hours", "charge_mw", "discharge_mw", "soc_start_mwh", "soc_end_mwh")
    missing = [col for col in needed if col not in ledger.columns]
    if missing:
        raise ConstraintInputError(f"ledger lacks column(s) {', '.join(missing)}")
    n = len(ledger)
    c = _array("charge_mw", ledger["charge_mw"].to_numpy(), n)
    d = _array("discharge_mw", ledger["discharge_mw"].to_numpy(), n)
    s_start = _array("soc_start_mwh", ledger["soc_start_mwh"].to_numpy(), n)
    s_end = _array("soc_end_mwh", ledger["soc_end_mwh"].to_numpy(), n)
    dt = _array("dt_hours", ledger["dt_hours"].to_numpy(), n)
    index = pd.DatetimeIndex(ledger["interval_start_utc"])
    out = _check(c, d, s_start, s_end, spec, _awards(awards_mw, n), _bounds(net_power_bounds_mw, n), index, tol)
    expected_end = s_start + (spec.charge_efficiency * c - d / spec.discharge_efficiency) * dt
    for i in np.flatnonzero(np.abs(expected_end - s_end) > tol):
        why = "SOC does not follow the charge/discharge"
        out.append(_violation("soc_dynamics", i, "soc_end_mwh", s_end[i], expected_end[i], why, index))
    gaps = np.flatnonzero(np.abs(s_start[1:] - s_end[:-1]) > tol) + 1
    for i in gaps:
        why = "interval does not start at the previous end SOC"
        out.append(_violation("soc_dynamics", i, "soc_start_mwh", s_start[i], s_end[i - 1], why, index))
    return sorted(out, key=lambda v: (v.interval, RULES.index(v.rule)))


def is_feasible(violations: list[Violation]) -> bool:
    """``True`` when no rule is broken."""
    return not violations


def _violation(
    rule: str,
    i: int | np.integer,
    field_name: str,
    value: float,
    bound: float,
    detail: str,
    index: pd.DatetimeIndex | None,
) -> Violation:
    stamp = index[int(i)] if index is not None and len(index) > int(i) else None
    return Violation(rule, int(i), field_name, float(value), float(bound), detail, stamp)


def _check(
    c: np.ndarray,
    d: np.ndarray,
    s_start: np.ndarray,
    s_end: np.ndarray,
    spec: BatterySpec,
    awards: dict[str, np.ndarray],
    bounds: tuple[np.ndarray, np.ndarray] | None,
    index: pd.DatetimeIndex | None,
    tol: float,
) -> list[Violation]:
    out: list[Violation] = []
    p_max = spec.power_mw

    def add(
        rule: str, mask: np.ndarray, field_name: str, value: np.ndarray, bound: np.ndarray | float, detail: str
    ) -> None:
        bound_arr = np.broadcast_to(np.asarray(bound, dtype=float), value.shape)
        for i in np.flatnonzero(mask):
            out.append(_violation(rule, i, field_name, value[i], bound_arr[i], detail, index))

    add("power_limit", c < -tol, "charge_mw", c, 0.0, "negative charge")
    add("power_limit", c > p_max + tol, "charge_mw", c, p_max, "charge above the power rating")
    add("power_limit", d < -tol, "discharge_mw", d, 0.0, "negative discharge")
    add("power_limit", d > p_max + tol, "discharge_mw", d, p_max, "discharge above the power rating")
    add("simultaneous", (c > tol) & (d > tol), "charge_mw", c, 0.0, "charge and discharge at once")
    for name, soc in (("soc_start_mwh", s_start), ("soc_end_mwh", s_end)):
        add("soc_limit", soc < spec.soc_min_mwh - tol, name, soc, spec.soc_min_mwh, "SOC below the floor")
        add("soc_limit", soc > spec.soc_max_mwh + tol, name, soc, spec.soc_max_mwh, "SOC above the ceiling")
    zero = np.zeros_like(c)
    for product, mw in awards.items():
        if product not in AS_DURATION_HOURS:
            add(
                "as_unknown_product",
                np.abs(mw) > tol,
                f"as_mw[{product}]",
                mw,
                0.0,
                f"unknown AS product (known: {', '.join(AS_DURATION_HOURS)})",
            )
        add("as_nonnegative", mw < -tol, f"as_mw[{product}]", mw, 0.0, "negative AS capacity")
    up_mw = sum((awards.get(k, zero) for k in UP_PRODUCTS), zero)
    up_mwh = sum((awards.get(k, zero) * AS_DURATION_HOURS[k] for k in UP_PRODUCTS), zero) / spec.discharge_efficiency
    dn_mw = sum((awards.get(k, zero) for k in DOWN_PRODUCTS), zero)
    dn_mwh = sum((awards.get(k, zero) * AS_DURATION_HOURS[k] for k in DOWN_PRODUCTS), zero) * spec.charge_efficiency
    if awards:
        add(
            "as_power_headroom",
            (up_mw > tol) & (d + up_mw > p_max + tol),
            "up_as_mw",
            d + up_mw,
            p_max,
            "discharge plus up-AS above the power rating",
        )
        add(
            "as_power_headroom",
            (dn_mw > tol) & (c + dn_mw > p_max + tol),
            "regdn_mw",
            c + dn_mw,
            p_max,
            "charge plus Reg-Down above the power rating",
        )
        low = np.minimum(s_start, s_end) - up_mwh
        high = np.maximum(s_start, s_end) + dn_mwh
        add(
            "as_duration_backing",
            (up_mwh > tol) & (low < spec.soc_min_mwh - tol),
            "up_as_mw",
            low,
            spec.soc_min_mwh,
            "up-AS not backed by energy above the SOC floor (NPRR1282 durations)",
        )
        add(
            "as_duration_backing",
            (dn_mwh > tol) & (high > spec.soc_max_mwh + tol),
            "regdn_mw",
            high,
            spec.soc_max_mwh,
            "Reg-Down not backed by headroom below the SOC ceiling (NPRR1282 duration)",
        )
    if bounds is not None:
        lo, hi = bounds
        net = d - c
        add("corridor_limit", net < lo - tol, "net_mw", net, lo, "net injection below the corridor-feasible range")
        add("corridor_limit", net > hi + tol, "net_mw", net, hi, "net injection above the corridor-feasible range")
    return sorted(out, key=lambda v: (v.interval, RULES.index(v.rule)))
