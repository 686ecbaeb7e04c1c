"""Gymnasium environment: one battery trading one day of real-time prices through offer curves (ADR 0017).

Each episode is one operating day (:class:`~hayeknet.agents.features.AgentDay`):
real-time prices at the day's interval length, what was known before the day
(the reference curve: the DAM, else the previous day's prices; the spread model;
the EnKF mean, seen lagged). Before interval ``t`` the agent observes only what
was published before ``t`` (:data:`OBSERVATION_NAMES`: the battery's state and
:mod:`hayeknet.agents.features`) and answers with an offer curve
(:mod:`hayeknet.agents.offer_action`: a base net power and a charge and a
discharge threshold around the DAM price of the interval). The environment
clips the curve to the net power the SOC allows (with the end-of-day floor that
keeps the initial SOC reachable: ``enforce_terminal_soc``, default), clears it
at the interval's price and projects the result with
:func:`hayeknet.battery.ledger.project_action`, exactly as
:func:`hayeknet.battery.offers.clear_offers` does for every strategy, so

- ``0 <= charge_mw, discharge_mw <= power_mw``, never both > 0;
- SOC stays within ``[soc_min_mwh, soc_max_mwh]``;
- with ``enforce_terminal_soc`` the day ends with SOC at least the initial SOC
  (like the perfect-foresight bound, DESIGN section 5).

Physics (DESIGN section 5), per interval of ``dt_hours``::

    soc[t+1] = soc[t] + eta_c * charge_mw * dt - discharge_mw * dt / eta_d

Reward of an interval (dimensionless)::

    reward = (price * (discharge - charge) * dt - degradation * (charge + discharge) * dt + shaping)
             / reward_scale_usd

with ``reward_scale_usd = power_mw * dt_hours * REWARD_PRICE_SCALE_USD_PER_MWH``:
one interval at full power and $100/MWh is a reward of 1. The unscaled cash
is in ``info`` (``cash_usd``, ``degradation_usd``, ``profit_usd``).

Energy-value shaping (``energy_value_shaping``, default on, only for days
with a reference curve, :mod:`hayeknet.agents.shaping`): ``shaping = gamma *
Phi(s') - Phi(s)`` with ``Phi = (soc - soc_initial) * v``, ``v`` the median
of the day's reference prices ($/MWh, known before the day), ``Phi = 0`` after
the last interval and ``gamma`` the learner's discount. The discounted return
of every day is its discounted profit minus ``Phi(s0) = 0``, so the optimal
policy is the unshaped one, while each interval's reward already says whether
it bought below or sold above the day's typical price instead of leaving the
cost of the terminal-SOC recharge to the last intervals (ADR 0008).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from hayeknet.agents.errors import PriceDataError
from hayeknet.agents.features import (
    PRICE_FEATURE_NAMES,
    Z_CLIP,
    AgentDay,
    dynamic_features,
    static_features,
)
from hayeknet.agents.offer_action import ACTION_NVEC, anchor_prices, day_ahead_plan, offer_curve
from hayeknet.agents.shaping import shaping_term, stored_energy_potential
from hayeknet.battery.ledger import next_soc_mwh, project_action
from hayeknet.battery.offers import OfferCurve
from hayeknet.battery.spec import BatterySpec

#: Default dt of ERCOT SCED intervals, hours.
DT_HOURS_5MIN = 1.0 / 12.0
#: Price of the reward unit: full power for one interval at this price is reward 1.
REWARD_PRICE_SCALE_USD_PER_MWH = 100.0
#: Discount the shaping assumes when none is given (``train.gamma``'s default).
DEFAULT_GAMMA = 0.995
#: Bumped whenever the observation layout changes (checked when a checkpoint is loaded).
#: 2: lagged prices only (no lag 0), the DAM curve ahead, the day-ahead plan, spread model and EnKF (t - 1).
OBSERVATION_VERSION = 2

STATE_FEATURE_NAMES: tuple[str, ...] = (
    "soc_frac",  # (soc - soc_min) / usable, in [0, 1]
    "terminal_pressure",  # hours of charging needed to restore the terminal SOC / hours left, in [0, 1]
    "time_of_day_sin",
    "time_of_day_cos",
    "elapsed_frac",  # t / n_intervals
)
OBSERVATION_NAMES: tuple[str, ...] = STATE_FEATURE_NAMES + PRICE_FEATURE_NAMES


def feasible_net_power_mw(
    soc_mwh: float, spec: BatterySpec, dt_hours: float, min_soc_after_mwh: float = -math.inf
) -> tuple[float, float]:
    """Bounds ``(lo, hi)`` of the feasible net power (discharge - charge), MW, for one interval.

    ``min_soc_after_mwh`` is an extra floor on the SOC at the end of the
    interval (used to keep the terminal SOC reachable). When the floor is
    above the current SOC, charging is forced and ``hi < 0``.
    """
    eta_c, eta_d = spec.charge_efficiency, spec.discharge_efficiency
    max_charge = min(spec.power_mw, max(spec.soc_max_mwh - soc_mwh, 0.0) / (eta_c * dt_hours))
    floor = max(spec.soc_min_mwh, min_soc_after_mwh)
    if soc_mwh >= floor:
        max_discharge = min(spec.power_mw, (soc_mwh - floor) * eta_d / dt_hours)
        return -max_charge, max_discharge
    min_charge = min(max_charge, (floor - soc_mwh) / (eta_c * dt_hours))
    return -max_charge, -min_charge


def choose_day(np_random: np.random.Generator, n_days: int, options: dict[str, Any] | None) -> int:
    """The episode's day: ``options["day_index"]`` when given (checked), else drawn from ``np_random``."""
    if options and "day_index" in options:
        day = int(options["day_index"])
        if not 0 <= day < n_days:
            raise IndexError(f"day_index {day} out of range 0..{n_days - 1}")
        return day
    return int(np_random.integers(n_days))


def project_power(
    requested_net_mw: float,
    soc_mwh: float,
    spec: BatterySpec,
    dt_hours: float,
    min_soc_after_mwh: float = -math.inf,
    net_power_bounds_mw: tuple[float, float] | None = None,
) -> tuple[float, float]:
    """Nearest feasible ``(charge_mw, discharge_mw)`` to a requested net power (discharge - charge), MW.

    The request goes through the constraint validator's projection
    (:func:`hayeknet.constraints.projection.project_net_power`: power, SOC window,
    the corridor limits ``net_power_bounds_mw`` (``(lo, hi)`` MW of net
    injection, ``None`` for none) and the end-of-day floor
    ``min_soc_after_mwh``); when that floor cannot be reached in this interval
    the battery charges at the most it can (within the corridor limits).
    """
    from hayeknet.constraints.errors import ProjectionError
    from hayeknet.constraints.projection import project_net_power

    bounds = (-math.inf, math.inf) if net_power_bounds_mw is None else net_power_bounds_mw
    try:
        net = project_net_power(
            float(requested_net_mw), soc_mwh, spec, dt_hours, bounds, min_soc_after_mwh=min_soc_after_mwh
        )
    except ProjectionError:
        net = max(feasible_net_power_mw(soc_mwh, spec, dt_hours, min_soc_after_mwh)[0], bounds[0])
    return max(-net, 0.0), max(net, 0.0)


def battery_state(
    soc_mwh: float, t: int, n: int, spec: BatterySpec, dt_hours: float, enforce_terminal_soc: bool = True
) -> np.ndarray:
    """The :data:`STATE_FEATURE_NAMES` of interval ``t`` of ``n`` at SOC ``soc_mwh`` (float32)."""
    soc_frac = (soc_mwh - spec.soc_min_mwh) / spec.usable_mwh if spec.usable_mwh > 0 else 0.0
    pressure = 0.0
    if enforce_terminal_soc:
        deficit_h = max(spec.soc_initial_mwh - soc_mwh, 0.0) / (spec.power_mw * spec.charge_efficiency)
        left_h = (n - t) * dt_hours
        pressure = min(deficit_h / left_h, 1.0) if left_h > 0 else float(deficit_h > 0)
    angle = 2.0 * math.pi * (t * dt_hours / 24.0)
    return np.array([soc_frac, pressure, math.sin(angle), math.cos(angle), t / n], dtype=np.float32)


@dataclass(frozen=True, eq=False)
class DayPlan:
    """What the agent knows of a day before it starts: the static features, the anchors' source and the
    day-ahead plan (net MW per interval) from the day's starting SOC."""

    static: np.ndarray
    plan_net_mw: np.ndarray
    energy_value_usd_per_mwh: float


def plan_day(day: AgentDay, spec: BatterySpec, dt_hours: float, soc_start_mwh: float, shaping: bool) -> DayPlan:
    """The :class:`DayPlan` of ``day`` (the reference curve, the previous day, the battery)."""
    n = day.n_intervals
    net, soc = day_ahead_plan(day.reference_usd_per_mwh, spec, dt_hours, soc_start_mwh)
    if net.size == 0:
        net, soc = np.zeros(n), np.full(n, soc_start_mwh)
    static = static_features(
        day.reference_usd_per_mwh, day.reference_is_dam, day.previous_usd_per_mwh, n, dt_hours, spec, net, soc
    )
    value = float(np.median(day.reference_usd_per_mwh)) if day.reference_usd_per_mwh is not None and shaping else 0.0
    return DayPlan(static, net, value)


class BatteryTradingEnv(gym.Env[np.ndarray, np.ndarray]):
    """One battery, one day per episode, an offer curve per interval (see the module docstring).

    Parameters
    ----------
    days:
        The operating days (:class:`~hayeknet.agents.features.AgentDay`).
    spec:
        The battery (MW, MWh, efficiencies, $/MWh degradation).
    dt_hours:
        Interval length, hours (1/12 for 5-minute SCED, 1/4 for 15-minute settlement).
    seed:
        Seeds the day sampling on the first :meth:`reset` that passes no seed.
    enforce_terminal_soc:
        Keep the end-of-day SOC >= the initial SOC (see the module docstring).
    energy_value_shaping:
        Add the potential-based term ``gamma * Phi(s') - Phi(s)`` to the reward on days with a
        reference curve (see the module docstring; ``info["profit_usd"]`` is the cash either way).
    gamma:
        The learner's discount, used by the shaping term.

    ``reset(options={"day_index": i})`` plays day ``i`` instead of a random one.
    The battery is ``env.battery`` (``env.spec`` is gymnasium's registration spec).
    """

    metadata = {"render_modes": []}  # noqa: RUF012  # overrides gym.Env.metadata, not a ClassVar there

    def __init__(
        self,
        days: Sequence[AgentDay],
        spec: BatterySpec,
        dt_hours: float = DT_HOURS_5MIN,
        seed: int | None = None,
        enforce_terminal_soc: bool = True,
        energy_value_shaping: bool = True,
        gamma: float = DEFAULT_GAMMA,
    ) -> None:
        super().__init__()
        if len(days) == 0:
            raise PriceDataError("days: no days given")
        if not dt_hours > 0:
            raise ValueError(f"dt_hours must be > 0, got {dt_hours}")
        if not 0.0 < gamma <= 1.0:
            raise ValueError(f"gamma must be within (0, 1], got {gamma}")
        self.battery = spec
        self.dt_hours = float(dt_hours)
        self.gamma = float(gamma)
        self.enforce_terminal_soc = enforce_terminal_soc
        self.energy_value_shaping = energy_value_shaping
        self.days = list(days)
        self.day_labels = [d.label for d in self.days]
        self.reward_scale_usd = spec.power_mw * self.dt_hours * REWARD_PRICE_SCALE_USD_PER_MWH
        self._plans: list[DayPlan] = []
        self._features: list[np.ndarray] = []
        self._anchors: list[np.ndarray] = []
        for day in self.days:
            plan = plan_day(day, spec, self.dt_hours, spec.soc_initial_mwh, energy_value_shaping)
            dynamic = dynamic_features(
                day.prices_usd_per_mwh,
                day.reference_usd_per_mwh,
                day.reference_is_dam,
                day.previous_usd_per_mwh,
                day.local_hour,
                day.spread_model,
                day.enkf_mean_usd_per_mwh,
            )
            self._plans.append(plan)
            self._features.append(np.concatenate([dynamic, plan.static], axis=1).astype(np.float32))
            self._anchors.append(
                anchor_prices(
                    day.prices_usd_per_mwh, day.reference_usd_per_mwh, day.reference_is_dam, day.previous_usd_per_mwh
                )
            )
        self.action_space = spaces.MultiDiscrete(list(ACTION_NVEC))
        self.observation_space = spaces.Box(low=-Z_CLIP, high=Z_CLIP, shape=(len(OBSERVATION_NAMES),), dtype=np.float32)
        self._seed = seed
        self._day = 0
        self._t = 0
        self._soc = spec.soc_initial_mwh
        self._episode_profit_usd = 0.0

    @property
    def n_days(self) -> int:
        return len(self.days)

    @property
    def soc_mwh(self) -> float:
        return self._soc

    def _observation(self) -> np.ndarray:
        n = self.days[self._day].n_intervals
        t = min(self._t, n - 1)
        state = battery_state(self._soc, self._t, n, self.battery, self.dt_hours, self.enforce_terminal_soc)
        return np.concatenate([state, self._features[self._day][t]])

    def bounds_mw(self) -> tuple[float, float]:
        """The net power (MW) the SOC allows in the current interval (with the end-of-day floor)."""
        from hayeknet.agents.offer_action import feasible_interval_mw

        n = self.days[self._day].n_intervals
        return feasible_interval_mw(self._soc, self._t, n, self.battery, self.dt_hours, self.enforce_terminal_soc)

    def offer_curve(self, action: Any) -> OfferCurve:
        """The curve ``action`` offers for the current interval, clipped to what the SOC allows."""
        t = self._t
        plan = self._plans[self._day]
        anchor = float(self._anchors[self._day][t])
        return offer_curve(action, anchor, float(plan.plan_net_mw[t]), self.battery.power_mw, self.bounds_mw())

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        if seed is None and self._seed is not None:
            seed, self._seed = self._seed, None
        super().reset(seed=seed)
        day = choose_day(self.np_random, self.n_days, options)
        self._day = day
        self._t = 0
        self._soc = self.battery.soc_initial_mwh
        self._episode_profit_usd = 0.0
        info = {"day_index": day, "day_label": self.day_labels[day], "soc_mwh": self._soc}
        return self._observation(), info

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        prices = self.days[self._day].prices_usd_per_mwh
        n = prices.size
        if self._t >= n:
            raise RuntimeError("step() called after the episode ended; call reset()")
        s, dt = self.battery, self.dt_hours
        curve = self.offer_curve(action)
        price = float(prices[self._t])
        cleared = curve.clear(price)
        charge, discharge = project_action(cleared, self._soc, s, dt)
        cash = price * (discharge - charge) * dt
        degradation = s.degradation_usd_per_mwh * (charge + discharge) * dt
        profit = cash - degradation
        soc_start = self._soc
        self._soc = next_soc_mwh(self._soc, charge, discharge, s, dt)
        interval = self._t
        self._t += 1
        self._episode_profit_usd += profit
        terminated = self._t >= n
        value = self._plans[self._day].energy_value_usd_per_mwh
        shaping = shaping_term(
            stored_energy_potential(soc_start, s.soc_initial_mwh, value),
            stored_energy_potential(self._soc, s.soc_initial_mwh, value),
            self.gamma,
            terminated,
        )
        info: dict[str, Any] = {
            "day_index": self._day,
            "day_label": self.day_labels[self._day],
            "interval": interval,
            "price_usd_per_mwh": price,
            "cleared_mw": cleared,
            "charge_mw": charge,
            "discharge_mw": discharge,
            "soc_start_mwh": soc_start,
            "soc_mwh": self._soc,
            "cash_usd": cash,
            "degradation_usd": degradation,
            "profit_usd": profit,
            "shaping_usd": shaping,
        }
        if terminated:
            info["episode_profit_usd"] = self._episode_profit_usd
        return self._observation(), (profit + shaping) / self.reward_scale_usd, terminated, False, info
