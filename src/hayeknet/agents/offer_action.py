"""The battery agents' action: a monotone offer curve around a price known before the interval (ADR 0017).

An action is three indices (``MultiDiscrete(ACTION_NVEC)``):

* ``base``: the net power offered between the two thresholds: one of
  :data:`BASE_LEVELS` (fractions of ``power_mw``, + discharge), or the last
  index, ``follow plan``: the day-ahead plan's net power of the interval (the
  perfect-foresight LP on the reference curve from the day's starting SOC,
  :func:`day_ahead_plan`; idle without a reference curve);
* ``charge``: 0 never; ``k > 0`` charge at full power when the price is below
  ``anchor + THRESHOLD_OFFSETS_USD_PER_MWH[k - 1]``;
* ``discharge``: 0 never; ``k > 0`` discharge at full power when the price is
  at or above ``anchor + THRESHOLD_OFFSETS_USD_PER_MWH[k - 1]``.

The ``anchor`` is the DAM price of the interval (published the day before);
without a DAM, the last published real-time price (:func:`anchor_prices`).
Thresholds in the wrong order meet in the middle
(:meth:`~hayeknet.battery.offers.OfferCurve.thresholds`). The curve's levels
are then clipped to the net power the SOC allows this interval, with the
end-of-day floor that keeps the initial SOC reachable
(:func:`~hayeknet.agents.battery_env.feasible_net_power_mw`): all of it known
before the interval, and clipping keeps the curve non-decreasing. The curve is
cleared at the interval's price and the result goes through
:func:`hayeknet.battery.ledger.project_action`, as every strategy's does
(:func:`hayeknet.battery.offers.clear_offers`).
"""

from __future__ import annotations

import math

import numpy as np

from hayeknet.battery.errors import OptimizationError, ScheduleInputError
from hayeknet.battery.offers import OfferCurve
from hayeknet.battery.spec import BatterySpec

#: Net power between the thresholds, fractions of ``power_mw``; one more index follows the day-ahead plan.
BASE_LEVELS: tuple[float, ...] = (-1.0, -0.5, 0.0, 0.5, 1.0)
#: Threshold offsets from the anchor price, $/MWh (index 0 of each threshold means "never").
THRESHOLD_OFFSETS_USD_PER_MWH: tuple[float, ...] = (-100.0, -40.0, -15.0, -5.0, 0.0, 5.0, 15.0, 40.0, 100.0, 300.0)
ACTION_NVEC: tuple[int, int, int] = (
    len(BASE_LEVELS) + 1,
    len(THRESHOLD_OFFSETS_USD_PER_MWH) + 1,
    len(THRESHOLD_OFFSETS_USD_PER_MWH) + 1,
)
#: The action that offers nothing at any price (idle base, never charge, never discharge).
IDLE_ACTION: tuple[int, int, int] = (BASE_LEVELS.index(0.0), 0, 0)


def action_layout() -> dict[str, object]:
    """The action grid, as recorded in (and checked against) a checkpoint's registry."""
    return {
        "kind": "offer_curve",
        "base_levels": [*BASE_LEVELS, "plan"],
        "threshold_offsets_usd_per_mwh": list(THRESHOLD_OFFSETS_USD_PER_MWH),
    }


def anchor_prices(
    prices: np.ndarray, reference: np.ndarray | None, reference_is_dam: bool, previous: np.ndarray | None
) -> np.ndarray:
    """The anchor of each interval's thresholds ($/MWh): the DAM price of the interval when the reference is
    the DAM; else the last published price (``prices[t - 1]``; at ``t = 0`` the previous day's last
    price, else the reference's first value, else 0). Entry ``t`` reads ``prices[:t]`` only."""
    p = np.asarray(prices, dtype=np.float64)
    if reference is not None and reference_is_dam:
        return np.asarray(reference, dtype=np.float64).copy()
    first = (
        float(previous[-1])
        if previous is not None and len(previous)
        else float(reference[0])
        if reference is not None
        else 0.0
    )
    return np.concatenate([[first], p[:-1]])


def day_ahead_plan(
    reference: np.ndarray | None, spec: BatterySpec, dt_hours: float, soc_start_mwh: float
) -> tuple[np.ndarray, np.ndarray]:
    """``(net_mw, soc_mwh)`` per interval of the perfect-foresight LP on the reference curve from
    ``soc_start_mwh`` back to it (the DAM schedule); zeros and a flat SOC without a reference."""
    from hayeknet.battery.optimize import optimize_dispatch

    if reference is None:
        return np.zeros(0), np.zeros(0)
    ref = np.asarray(reference, dtype=np.float64)
    try:
        plan = optimize_dispatch(ref, spec, dt_hours, soc_start_mwh=soc_start_mwh)
    except (OptimizationError, ScheduleInputError):
        return np.zeros(ref.size), np.full(ref.size, soc_start_mwh)
    net = np.asarray(plan.discharge_mw - plan.charge_mw, dtype=np.float64)
    soc = np.asarray(plan.soc_mwh, dtype=np.float64)[: ref.size]
    return net, soc


def feasible_interval_mw(
    soc_mwh: float, t: int, n: int, spec: BatterySpec, dt_hours: float, enforce_terminal_soc: bool = True
) -> tuple[float, float]:
    """Net power (MW) the SOC allows in interval ``t`` of ``n``, keeping the initial SOC reachable by the
    day's end when ``enforce_terminal_soc``: ``(lo, hi)``, ``lo <= hi``."""
    from hayeknet.agents.battery_env import feasible_net_power_mw

    floor = -math.inf
    if enforce_terminal_soc:
        floor = spec.soc_initial_mwh - (n - t - 1) * spec.power_mw * spec.charge_efficiency * dt_hours
    return feasible_net_power_mw(soc_mwh, spec, dt_hours, floor)


def offer_curve(
    action: np.ndarray | tuple[int, ...],
    anchor_usd_per_mwh: float,
    plan_net_mw: float,
    power_mw: float,
    bounds_mw: tuple[float, float] | None = None,
) -> OfferCurve:
    """The offer curve of ``action`` (module docstring), its levels clipped to ``bounds_mw`` (MW)."""
    a = np.asarray(action, dtype=np.int64).reshape(-1)
    if a.size != 3 or np.any(a < 0) or np.any(a >= np.asarray(ACTION_NVEC)):
        raise ValueError(f"offer action {action!r} outside MultiDiscrete({list(ACTION_NVEC)})")
    base_i, charge_i, discharge_i = (int(x) for x in a)
    base = plan_net_mw if base_i == len(BASE_LEVELS) else BASE_LEVELS[base_i] * power_mw
    offsets = THRESHOLD_OFFSETS_USD_PER_MWH
    charge_below = -math.inf if charge_i == 0 else anchor_usd_per_mwh + offsets[charge_i - 1]
    discharge_above = math.inf if discharge_i == 0 else anchor_usd_per_mwh + offsets[discharge_i - 1]
    curve = OfferCurve.thresholds(charge_below, discharge_above, power_mw, power_mw, base)
    if bounds_mw is None:
        return curve
    lo, hi = bounds_mw
    return OfferCurve(curve.breaks_usd_per_mwh, np.clip(curve.net_mw, lo, max(lo, hi)))
