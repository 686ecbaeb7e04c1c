"""Local price formation at the shared settlement point of the three QSEs (issue 5).

The three qualified scheduling entities (a battery, a solar and a wind plant)
sell at one settlement point. The *exogenous* real-time price ``p_exo[t]``
($/MWh, the day's RT LMP at the location, synthetic or real) is what the
market would clear at if every QSE injected exactly what the market expected
of it. A QSE that injects more than expected pushes the local price down
along a linear supply-curve segment, one that injects less pushes it up::

    deviation_mw[t] = sum_q (injection_mw[q, t] - expected_injection_mw[q, t])
    local_price[t]  = clip(p_exo[t] - slope * deviation_mw[t], floor, cap)

with ``slope`` in $/MWh per MW (:attr:`PriceImpact.slope_usd_per_mwh_per_mw`).
Expected injections: a renewable plant's forecast output (MW), the battery's
zero net injection (the market expects no arbitrage). Injection is at the
meter, MW, positive into the grid (a charging battery injects a negative
amount). ``floor`` and ``cap`` default to ERCOT's offer floor and system-wide
cap ($-251 and $5,000/MWh).

Because the price depends on the *sum* of deviations, each QSE's settlement
depends on the other two QSEs' actions: a solar plant that curtails raises the
price the battery discharges into, a charging battery raises the price the
wind plant is paid. A QSE's own impact always costs it money:
its cash ``(p_others - slope * own_dev) * own_dev`` is at most ``p_others *
own_dev`` (``slope >= 0``), which makes the perfect-foresight LP on the price
*without* the battery's own impact an upper bound of the battery's profit
(used by :mod:`hayeknet.agents.evaluation`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hayeknet.battery.offers import OfferCurve

#: ERCOT's offer floor and system-wide offer cap, $/MWh.
PRICE_FLOOR_USD_PER_MWH = -251.0
PRICE_CAP_USD_PER_MWH = 5000.0
#: Default price impact, $/MWh per MW of deviation: 100 MW moves the price by $5/MWh.
DEFAULT_SLOPE_USD_PER_MWH_PER_MW = 0.05


@dataclass(frozen=True)
class PriceImpact:
    """Linear supply-curve segment around the exogenous price (see the module docstring).

    ``slope_usd_per_mwh_per_mw`` >= 0 ($/MWh per MW of deviation; 0 makes
    every QSE a price taker); ``floor_usd_per_mwh < cap_usd_per_mwh`` bound the
    local price.
    """

    slope_usd_per_mwh_per_mw: float = DEFAULT_SLOPE_USD_PER_MWH_PER_MW
    floor_usd_per_mwh: float = PRICE_FLOOR_USD_PER_MWH
    cap_usd_per_mwh: float = PRICE_CAP_USD_PER_MWH

    def __post_init__(self) -> None:
        if not (np.isfinite(self.slope_usd_per_mwh_per_mw) and self.slope_usd_per_mwh_per_mw >= 0):
            raise ValueError(
                f"PriceImpact.slope_usd_per_mwh_per_mw must be finite and >= 0, got {self.slope_usd_per_mwh_per_mw}"
            )
        if not self.floor_usd_per_mwh < self.cap_usd_per_mwh:
            raise ValueError(f"PriceImpact needs floor < cap, got {self.floor_usd_per_mwh} >= {self.cap_usd_per_mwh}")


def injection_deviation_mw(injection_mw: np.ndarray | float, expected_mw: np.ndarray | float) -> float:
    """Total deviation of the QSEs' injections from what the market expected, MW (sum over QSEs)."""
    return float(np.sum(np.asarray(injection_mw, dtype=float) - np.asarray(expected_mw, dtype=float)))


def local_price(exogenous_usd_per_mwh: float, deviation_mw: float, impact: PriceImpact) -> float:
    """Local price, $/MWh, after the QSEs' total deviation ``deviation_mw`` (MW) from expectation."""
    p = exogenous_usd_per_mwh - impact.slope_usd_per_mwh_per_mw * deviation_mw
    return float(min(max(p, impact.floor_usd_per_mwh), impact.cap_usd_per_mwh))


def local_prices(exogenous_usd_per_mwh: np.ndarray, deviation_mw: np.ndarray, impact: PriceImpact) -> np.ndarray:
    """Vectorized :func:`local_price` over intervals: arrays of $/MWh and MW, same shape."""
    p = np.asarray(exogenous_usd_per_mwh, dtype=float) - impact.slope_usd_per_mwh_per_mw * np.asarray(
        deviation_mw, dtype=float
    )
    return np.clip(p, impact.floor_usd_per_mwh, impact.cap_usd_per_mwh)


def clear_with_impact(curve: OfferCurve, exogenous_usd_per_mwh: float, others_deviation_mw: float,
                      impact: PriceImpact) -> float:  # fmt: skip
    """Net power (MW, + discharges) at which an offer curve meets the local price it moves itself.

    The local price is ``local_price(exogenous, others + net, impact)``, falling
    as the battery injects more; the curve's dispatch rises with the price, so
    they meet once: on a level ``L`` whose price lies in ``L``'s price segment,
    or at a break price ``b`` with the net power between the two levels around
    it (the offer partly dispatched at its break price, as a market clears a
    step offer). With no impact (slope 0) this is ``curve.clear(p_others)``.
    """
    slope = impact.slope_usd_per_mwh_per_mw
    if slope == 0.0:
        return curve.clear(local_price(exogenous_usd_per_mwh, others_deviation_mw, impact))
    levels = curve.net_mw
    for level in np.unique(levels):
        if curve.clear(local_price(exogenous_usd_per_mwh, others_deviation_mw + float(level), impact)) == level:
            return float(level)
    for i, price in enumerate(curve.breaks_usd_per_mwh):
        net = (exogenous_usd_per_mwh - float(price)) / slope - others_deviation_mw
        if levels[i] <= net <= levels[i + 1]:
            return float(net)
    return curve.clear(local_price(exogenous_usd_per_mwh, others_deviation_mw, impact))
