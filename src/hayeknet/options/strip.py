"""The battery's daily value as a strip of hourly spread options.

One cycle a day (simple and documented, not an optimal-dispatch value):

* block length ``H = max(1, round(usable_mwh / (charge_efficiency * power_mw)))`` hours;
  the battery buys ``q = min(power_mw H, usable_mwh / charge_efficiency)`` MWh in a
  *charge block* of ``H`` consecutive hours and sells ``eta q`` MWh
  (``eta = charge_efficiency * discharge_efficiency``) in a later *discharge
  block* of ``H`` consecutive hours;
* the blocks are fixed before the day from the forward curve ``F_h = E[P_h]``
  (exact expectation under the fitted model): the pair of windows maximising
  ``sum_k (eta F_{d_k} - F_{c_k})`` with the discharge block starting after the
  charge block ends;
* the ``k``-th charge hour is paired with the ``k``-th discharge hour; each pair
  is a spread option on ``q / H`` MWh with payoff
  ``(q / H) max(eta P_{d_k} - P_{c_k} - c, 0)``, ``c = degradation (1 + eta)``
  $ per MWh bought (throughput at the meter, both ways).

Exercising each pair independently is feasible for the battery (all charge
hours precede all discharge hours, and skipping a pair only leaves SOC unused),
with the idealisation that the decision for a pair sees both of its prices (a
day-ahead view). The value is the sum of the pair values (no discounting within
the day). Control variate: the pair's linear part ``(q / H)(eta P_d - P_c)``,
whose mean comes from the forward curve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hayeknet.battery.spec import BatterySpec
from hayeknet.options.backend import kernel
from hayeknet.options.errors import OptionInputError
from hayeknet.options.fit import FittedPriceModel
from hayeknet.options.montecarlo import (
    JumpOUModel,
    MCEstimate,
    expected_exp,
    simulate_paths,
    strip_payoffs,
    to_price,
)

HOURS_PER_DAY = 24


@dataclass(frozen=True)
class StripValuation:
    """Value ($ per day) of the battery's daily spread-option strip and how it was built."""

    estimate: MCEstimate  # value_usd = estimate.value, standard error = estimate.std_error
    charge_hours: tuple[int, ...]  # hours of day (0..23) of the charge block
    discharge_hours: tuple[int, ...]  # hours of day of the discharge block
    mwh_per_pair: float  # MWh bought per pair (q / H)
    round_trip_efficiency: float  # eta
    cost_usd_per_mwh: float  # c, per MWh bought
    forward_usd_per_mwh: tuple[float, ...]  # F_h, 24 values
    intrinsic_usd: float  # sum of the pairs' payoffs on the forward curve
    backend: str = "numpy"  # backend that simulated and priced the paths
    backend_note: str = ""  # why NumPy ran although auto found Julia (empty otherwise)

    @property
    def value_usd(self) -> float:
        return self.estimate.value

    @property
    def std_error_usd(self) -> float:
        return self.estimate.std_error


def forward_curve(fitted: FittedPriceModel, start_deviation: float | None = None) -> np.ndarray:
    """``F_h = E[P_h]`` ($/MWh) for the 24 hours of the next day, exact under the fitted model.

    Hour ``h`` is ``h + 1`` hourly steps after the last fitted hour, whose
    deviation is ``start_deviation`` (default ``fitted.last_deviation``).
    """
    y0 = fitted.last_deviation if start_deviation is None else float(start_deviation)
    out = np.empty(HOURS_PER_DAY)
    for h in range(HOURS_PER_DAY):
        out[h] = _expected_hour_price(fitted, fitted.model, y0, h)
    return out


def _expected_hour_price(fitted: FittedPriceModel, model: JumpOUModel, y0: float, hour: int) -> float:
    shape = fitted.hourly_shape[hour]
    horizon = float(hour + 1)
    up = math.exp(shape) * expected_exp(y0, model, horizon, 1.0)
    if fitted.transform == "log":
        return up
    down = math.exp(-shape) * expected_exp(y0, model, horizon, -1.0)
    return 0.5 * fitted.scale_usd_per_mwh * (up - down)


def strip_blocks(spec: BatterySpec, n_hours: int = HOURS_PER_DAY) -> tuple[int, float]:
    """Block length ``H`` (hours, at most half of the day's ``n_hours``) and MWh bought per pair ``q / H``."""
    if spec.power_mw <= 0 or spec.usable_mwh <= 0:
        raise OptionInputError("the battery needs power_mw > 0 and a usable SOC window")
    hours = max(1, round(spec.usable_mwh / (spec.charge_efficiency * spec.power_mw)))
    hours = min(hours, n_hours // 2)
    bought = min(spec.power_mw * hours, spec.usable_mwh / spec.charge_efficiency)
    return hours, bought / hours


def best_windows(forward: np.ndarray, hours: int, eta: float) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Charge and discharge blocks of ``hours`` consecutive hours maximising ``sum(eta F_d - F_c)``."""
    f = np.asarray(forward, dtype=float)
    n = f.shape[0]
    window = np.convolve(f, np.ones(hours), mode="valid")  # window[i] = sum f[i:i+hours]
    best, best_pair = -math.inf, (0, hours)
    for i in range(n - 2 * hours + 1):
        j = i + hours + int(np.argmax(window[i + hours :]))
        gain = eta * window[j] - window[i]
        if gain > best:
            best, best_pair = gain, (i, j)
    i, j = best_pair
    return tuple(range(i, i + hours)), tuple(range(j, j + hours))


def battery_strip_value(
    fitted: FittedPriceModel,
    spec: BatterySpec,
    *,
    start_deviation: float | None = None,
    n_paths: int = 20_000,
    rng: np.random.Generator | int | None = None,
    method: str = "antithetic+control",
    backend: str = "numpy",
) -> StripValuation:
    """Monte Carlo value ($/day) of the battery's spread-option strip for the next operating day.

    Simulates ``n_paths`` days of 24 hourly prices by the exact transition of
    the fitted jump OU (from ``start_deviation``, default the last fitted
    hour), picks the blocks on the forward curve and prices the strip (module
    doc). ``method`` as in :func:`hayeknet.options.montecarlo.mc_estimate`;
    ``backend`` (``numpy | julia | auto``) runs the simulation and the payoffs
    in NumPy or ``julia/options.jl`` on the same Python draws.
    """
    kern = kernel(backend)
    hours, mwh_per_pair = strip_blocks(spec)
    eta = spec.charge_efficiency * spec.discharge_efficiency
    cost = spec.degradation_usd_per_mwh * (1.0 + eta)
    y0 = fitted.last_deviation if start_deviation is None else float(start_deviation)
    forward = forward_curve(fitted, y0)
    charge, discharge = best_windows(forward, hours, eta)
    paths = simulate_paths(y0, fitted.model, 1.0, HOURS_PER_DAY, n_paths, rng, method, kern.simulate_jump_ou)[:, 1:]
    x = paths + np.asarray(fitted.hourly_shape)[None, :]
    prices = to_price(x, fitted.transform, fitted.scale_usd_per_mwh)
    payoff, control = kern.strip_payoffs(prices, charge, discharge, eta, cost, mwh_per_pair)
    control_mean = float(strip_payoffs(forward[None, :], charge, discharge, eta, 0.0, mwh_per_pair)[1][0])
    intrinsic = float(strip_payoffs(forward[None, :], charge, discharge, eta, cost, mwh_per_pair)[0][0])
    estimate = kern.mc_estimate(payoff, method, control, control_mean)
    return StripValuation(
        estimate=estimate,
        charge_hours=charge,
        discharge_hours=discharge,
        mwh_per_pair=mwh_per_pair,
        round_trip_efficiency=eta,
        cost_usd_per_mwh=cost,
        forward_usd_per_mwh=tuple(float(v) for v in forward),
        intrinsic_usd=intrinsic,
        backend=kern.name,
        backend_note=kern.note,
    )
