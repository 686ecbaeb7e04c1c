"""The Julia twin of the rule checks and the projection (``julia/constraints.jl``), loaded lazily.

NumPy/SciPy (:mod:`hayeknet.constraints.rules`, :mod:`hayeknet.constraints.projection`)
is the reference; :func:`julia_check_action` and :func:`julia_project_action`
take and return the same Python objects, for parity tests and for callers that
run with ``backend: julia``. juliacall is imported only when a Julia executable
is found (see :mod:`hayeknet.julia`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from hayeknet.battery.ledger import FEASIBILITY_TOL
from hayeknet.battery.spec import BatterySpec
from hayeknet.constraints.projection import PRODUCT_ORDER
from hayeknet.constraints.rules import BatteryAction
from hayeknet.julia import load_julia_module

JULIA_SOURCE = "constraints.jl"


def julia_module() -> Any:
    """``HayekConstraints`` from ``julia/constraints.jl``, loaded once per process by :mod:`hayeknet.julia`.

    Raises :class:`hayeknet.julia.BackendUnavailableError` without Julia.
    """
    return load_julia_module(JULIA_SOURCE, "HayekConstraints")


def _limits(module: Any, spec: BatterySpec) -> Any:
    return module.BatteryLimits(
        float(spec.power_mw),
        float(spec.soc_min_mwh),
        float(spec.soc_max_mwh),
        float(spec.charge_efficiency),
        float(spec.discharge_efficiency),
    )


def _split(action: BatteryAction) -> tuple[tuple[str, ...], np.ndarray]:
    known = [k for k in PRODUCT_ORDER if k in action.as_mw]
    names = tuple(known + [k for k in action.as_mw if k not in PRODUCT_ORDER])
    return names, np.array([float(action.as_mw[k]) for k in names], dtype=float)


def julia_check_action(
    action: BatteryAction,
    soc_mwh: float,
    spec: BatterySpec,
    dt_hours: float,
    *,
    net_power_bounds_mw: tuple[float, float] = (-math.inf, math.inf),
    tol: float = FEASIBILITY_TOL,
) -> list[tuple[str, str]]:
    """Broken ``(rule, field)`` pairs of one action, computed by the Julia kernel."""
    module = julia_module()
    names, offers = _split(action)
    out = module.check_action(
        float(action.net_mw),
        names,
        offers,
        float(soc_mwh),
        _limits(module, spec),
        float(dt_hours),
        lo=float(net_power_bounds_mw[0]),
        hi=float(net_power_bounds_mw[1]),
        tol=float(tol),
    )
    return [(str(rule), str(field)) for rule, field in out]


def julia_project_action(
    action: BatteryAction,
    soc_mwh: float,
    spec: BatterySpec,
    dt_hours: float,
    *,
    net_power_bounds_mw: tuple[float, float] = (-math.inf, math.inf),
    min_soc_after_mwh: float = -math.inf,
) -> BatteryAction:
    """Nearest feasible action computed by the Julia kernel (same contract as the NumPy projection)."""
    module = julia_module()
    names, offers = _split(action)
    net, projected = module.project_action(
        float(action.net_mw),
        names,
        offers,
        float(soc_mwh),
        _limits(module, spec),
        float(dt_hours),
        lo=float(net_power_bounds_mw[0]),
        hi=float(net_power_bounds_mw[1]),
        min_soc_after=float(min_soc_after_mwh),
    )
    values = np.asarray(projected, dtype=float)
    return BatteryAction(float(net), {k: float(v) for k, v in zip(names, values)})
