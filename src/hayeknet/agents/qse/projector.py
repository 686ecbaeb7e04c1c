"""The battery's RTC+B action projection with its constraint rows cached (:class:`ActionProjector`).

Actions are ``(net_mw, offers_mw)``: net injection, MW (+ discharges), and
AS capacity offers per product, MW; SOC in MWh.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import cast

import numpy as np

from hayeknet.battery.spec import BatterySpec


class ActionProjector:
    """:func:`hayeknet.constraints.projection.project_action` for one battery, products and corridor, made fast.

    The feasible set of a ``(net_mw, offers...)`` action at SOC ``s`` with SOC
    floor ``F`` is the union of the validator's two halves ``G_side v <= h_side(s, F)``
    (:func:`hayeknet.constraints.projection.half_constraints`). ``G_side`` does
    not depend on the state and ``h_side`` is affine in ``(s, F)``, so both are
    taken once from ``half_constraints`` (at three states) instead of being
    rebuilt every step. Each half is then solved by the validator's own
    :func:`~hayeknet.constraints.projection.least_distance_point`, and the
    nearer half wins with ``project_action``'s tie rule (discharge side first).
    A half is skipped only when it cannot win: the other half needs the sign of
    the net power flipped, so its distance is at least ``|net_mw|``. The result
    equals ``project_action``'s (tested); ``None`` when neither half is feasible.
    """

    SIDES = ("discharge", "charge")

    def __init__(
        self,
        spec: BatterySpec,
        dt_hours: float,
        products: Sequence[str],
        net_power_bounds_mw: tuple[float, float] | None = None,
    ) -> None:
        from hayeknet.constraints.projection import PRODUCT_ORDER, half_constraints, least_distance_point

        self.spec = spec
        self.dt_hours = float(dt_hours)
        self.products = tuple(k for k in PRODUCT_ORDER if k in products)
        self.bounds = (
            (-math.inf, math.inf)
            if net_power_bounds_mw is None
            else cast(tuple[float, float], tuple(net_power_bounds_mw))
        )
        self._ldp = least_distance_point
        s0, f0 = spec.soc_min_mwh, spec.soc_min_mwh + 1.0

        def halves(soc: float, floor: float) -> dict[str, tuple[np.ndarray, np.ndarray]]:
            return {
                side: half_constraints(side, self.products, soc, spec, dt_hours, self.bounds, floor)
                for side in self.SIDES
            }

        base, ds, df = halves(s0, f0), halves(s0 + 1.0, f0), halves(s0, f0 + 1.0)
        self._g = {side: base[side][0] for side in self.SIDES}
        self._h0 = {
            side: base[side][1] - s0 * (ds[side][1] - base[side][1]) - f0 * (df[side][1] - base[side][1])
            for side in self.SIDES
        }
        self._hs = {side: ds[side][1] - base[side][1] for side in self.SIDES}
        self._hf = {side: df[side][1] - base[side][1] for side in self.SIDES}

    def rhs(self, side: str, soc_mwh: float, min_soc_after_mwh: float) -> np.ndarray:
        """``h_side`` at SOC ``soc_mwh`` with the floor ``max(soc_min, min_soc_after_mwh)``."""
        floor = max(self.spec.soc_min_mwh, min_soc_after_mwh)
        return self._h0[side] + soc_mwh * self._hs[side] + floor * self._hf[side]

    def project(
        self, net_mw: float, offers_mw: Mapping[str, float], soc_mwh: float, min_soc_after_mwh: float = -math.inf
    ) -> tuple[float, dict[str, float]] | None:
        """Nearest feasible ``(net_mw, awards_mw)`` (Euclidean in MW), or ``None`` if nothing is feasible."""
        point = np.array([float(net_mw)] + [float(offers_mw.get(k, 0.0)) for k in self.products])
        order = self.SIDES if net_mw >= 0 else self.SIDES[::-1]
        best: np.ndarray | None = None
        best_side = ""
        for side in order:
            if best is not None:
                gap = float(np.linalg.norm(best - point))
                # the other half's points have the opposite sign of net power: distance >= |net|
                if gap < abs(net_mw) or (best_side == "discharge" and gap <= abs(net_mw)):
                    break
            h = self.rhs(side, soc_mwh, min_soc_after_mwh)
            candidate = self._ldp(self._g[side], h, point)
            if candidate is None:
                continue
            if best is None:
                best, best_side = candidate, side
                continue
            d_new, d_best = np.linalg.norm(candidate - point), np.linalg.norm(best - point)
            # project_action keeps the discharge half unless the charge half is strictly nearer
            if (side == "charge" and d_new < d_best) or (side == "discharge" and d_new <= d_best):
                best, best_side = candidate, side
        if best is None:
            return None
        return float(best[0]), {k: max(float(best[i + 1]), 0.0) for i, k in enumerate(self.products)}
