"""Gymnasium environment: one battery trading one day of real-time prices.

Each episode is one operating day drawn from ``price_days`` (5-minute
intervals, $/MWh). At every interval the agent picks one of a few discrete
power levels (fractions of ``spec.power_mw``; negative charges, positive
discharges). The request is *projected* onto the feasible set before it is
applied (DESIGN section 8: clipped continuous actions train poorly), so every
trajectory respects the battery's limits by construction:

- ``0 <= charge_mw, discharge_mw <= power_mw``, never both > 0;
- SOC stays within ``[soc_min_mwh, soc_max_mwh]``;
- with ``enforce_terminal_soc`` (default), the day ends with SOC at least the
  initial SOC, like the perfect-foresight bound (DESIGN section 5): a request
  that would leave too little time to recharge is cut back, and near the end
  of the day charging is forced if needed.

Physics (DESIGN section 5), per interval of ``dt_hours``::

    soc[t+1] = soc[t] + eta_c * charge_mw * dt - discharge_mw * dt / eta_d

Reward of an interval (dimensionless)::

    reward = (price * (discharge - charge) * dt - degradation * (charge + discharge) * dt)
             / reward_scale_usd

with ``reward_scale_usd = power_mw * dt_hours * REWARD_PRICE_SCALE_USD_PER_MWH``:
one interval at full power and $100/MWh is a reward of 1. The unscaled cash
is in ``info`` (``cash_usd``, ``degradation_usd``, ``profit_usd``).

Energy-value shaping (``energy_value_shaping``, default on, only for days
with a reference curve): with ``v`` the median of the day's reference prices
($/MWh, e.g. the day's DAM prices, known before the day) the reward adds the
potential difference ``phi(t+1) - phi(t)``, ``phi(t) = (soc[t] - soc_initial) * v``
($, divided by the same scale), with ``phi = 0`` at the end of the day. The
sum over a day telescopes to ``-phi(0) = 0``, so every day's undiscounted
return is exactly its scaled profit, but each interval's reward already says
whether it bought below or sold above the day's typical price instead of
leaving the cost of the terminal-SOC recharge to the last intervals (where a
discount of 0.995 per interval shrinks it to a quarter and PPO learned to
sell at the morning low and buy back at the evening high).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from hayeknet.agents.errors import PriceDataError
from hayeknet.agents.features import PRICE_FEATURE_NAMES, Z_CLIP, price_features, validate_prices
from hayeknet.battery.spec import BatterySpec

#: Default dt of ERCOT SCED intervals, hours.
DT_HOURS_5MIN = 1.0 / 12.0
#: Discrete actions: fractions of ``power_mw`` (negative = charge, positive = discharge).
ACTION_LEVELS: tuple[float, ...] = (-1.0, -0.5, 0.0, 0.5, 1.0)
#: Price of the reward unit: full power for one interval at this price is reward 1.
REWARD_PRICE_SCALE_USD_PER_MWH = 100.0
#: Bumped whenever the observation layout changes (checked when a checkpoint is loaded).
OBSERVATION_VERSION = 1

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


def next_soc_mwh(soc_mwh: float, charge_mw: float, discharge_mw: float, spec: BatterySpec, dt_hours: float) -> float:
    """SOC after one interval, MWh (DESIGN section 5), clamped to the window against float round-off only."""
    charged = spec.charge_efficiency * charge_mw * dt_hours
    soc = soc_mwh + charged - discharge_mw * dt_hours / spec.discharge_efficiency
    return min(max(soc, spec.soc_min_mwh), spec.soc_max_mwh)


class BatteryTradingEnv(gym.Env[np.ndarray, np.int64]):
    """One battery, one day of 5-minute prices per episode (see the module docstring).

    Parameters
    ----------
    price_days:
        One array per operating day of real-time prices, $/MWh, one value per interval.
    spec:
        The battery (MW, MWh, efficiencies, $/MWh degradation).
    dt_hours:
        Interval length, hours (1/12 for 5-minute SCED).
    seed:
        Seeds the day sampling on the first :meth:`reset` that passes no seed.
    reference_prices:
        Optional, parallel to ``price_days``: the previous day's prices ($/MWh)
        of each day, or ``None`` where there is none. Used only for features.
    action_levels:
        Discrete power levels as fractions of ``spec.power_mw``.
    enforce_terminal_soc:
        Keep the end-of-day SOC >= the initial SOC (see the module docstring).
    day_labels:
        Optional names of the days for messages and ``info["day_label"]``.
    energy_value_shaping:
        Add the potential-based energy-value term to the reward on days with a
        reference curve (see the module docstring; ``info["profit_usd"]`` is the cash either way).

    ``reset(options={"day_index": i})`` plays day ``i`` instead of a random one.
    The battery is ``env.battery`` (``env.spec`` is gymnasium's registration spec).
    """

    metadata = {"render_modes": []}  # noqa: RUF012  # overrides gym.Env.metadata, not a ClassVar there

    def __init__(
        self,
        price_days: Sequence[np.ndarray],
        spec: BatterySpec,
        dt_hours: float = DT_HOURS_5MIN,
        seed: int | None = None,
        reference_prices: Sequence[np.ndarray | None] | None = None,
        action_levels: Sequence[float] = ACTION_LEVELS,
        enforce_terminal_soc: bool = True,
        day_labels: Sequence[str] | None = None,
        energy_value_shaping: bool = True,
    ) -> None:
        super().__init__()
        if len(price_days) == 0:
            raise PriceDataError("price_days: no days given")
        if not dt_hours > 0:
            raise ValueError(f"dt_hours must be > 0, got {dt_hours}")
        if day_labels is not None and len(day_labels) != len(price_days):
            raise PriceDataError(f"day_labels has {len(day_labels)} entries for {len(price_days)} price days")
        if reference_prices is not None and len(reference_prices) != len(price_days):
            raise PriceDataError(
                f"reference_prices has {len(reference_prices)} entries for {len(price_days)} price days"
            )
        levels = np.asarray(action_levels, dtype=np.float64)
        if levels.ndim != 1 or levels.size < 2 or np.any(np.abs(levels) > 1):
            raise ValueError(f"action_levels must be >= 2 fractions of power within [-1, 1], got {action_levels}")

        self.battery = spec
        self.dt_hours = float(dt_hours)
        self.action_levels = levels
        self.enforce_terminal_soc = enforce_terminal_soc
        self.day_labels = list(day_labels) if day_labels is not None else [f"day {i}" for i in range(len(price_days))]
        self.reward_scale_usd = spec.power_mw * self.dt_hours * REWARD_PRICE_SCALE_USD_PER_MWH

        self.energy_value_shaping = energy_value_shaping
        self._prices: list[np.ndarray] = []
        self._features: list[np.ndarray] = []
        self._energy_value: list[float] = []
        for i, day in enumerate(price_days):
            p = validate_prices(day, f"price_days[{i}] ({self.day_labels[i]})")
            ref = None if reference_prices is None else reference_prices[i]
            if ref is not None:
                ref = validate_prices(ref, f"reference_prices[{i}] ({self.day_labels[i]})")
            self._prices.append(p)
            self._features.append(price_features(p, self.dt_hours, ref).astype(np.float32))
            self._energy_value.append(float(np.median(ref)) if ref is not None and energy_value_shaping else 0.0)

        self.action_space = spaces.Discrete(levels.size)
        self.observation_space = spaces.Box(low=-Z_CLIP, high=Z_CLIP, shape=(len(OBSERVATION_NAMES),), dtype=np.float32)
        self._seed = seed
        self._day = 0
        self._t = 0
        self._soc = spec.soc_initial_mwh
        self._episode_profit_usd = 0.0

    @property
    def n_days(self) -> int:
        return len(self._prices)

    @property
    def soc_mwh(self) -> float:
        return self._soc

    def _min_soc_after(self, t: int, n: int) -> float:
        """Lowest SOC after interval ``t`` from which the initial SOC is still reachable by the day's end."""
        if not self.enforce_terminal_soc:
            return -math.inf
        s = self.battery
        return s.soc_initial_mwh - (n - t - 1) * s.power_mw * s.charge_efficiency * self.dt_hours

    def _observation(self) -> np.ndarray:
        s = self.battery
        n = self._prices[self._day].size
        t = min(self._t, n - 1)
        soc_frac = (self._soc - s.soc_min_mwh) / s.usable_mwh if s.usable_mwh > 0 else 0.0
        pressure = 0.0
        if self.enforce_terminal_soc:
            deficit_h = max(s.soc_initial_mwh - self._soc, 0.0) / (s.power_mw * s.charge_efficiency)
            left_h = (n - self._t) * self.dt_hours
            pressure = min(deficit_h / left_h, 1.0) if left_h > 0 else float(deficit_h > 0)
        angle = 2.0 * math.pi * (self._t * self.dt_hours / 24.0)
        state = np.array([soc_frac, pressure, math.sin(angle), math.cos(angle), self._t / n], dtype=np.float32)
        return np.concatenate([state, self._features[self._day][t]])

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
        a = int(action)
        if not 0 <= a < self.action_levels.size:
            raise ValueError(f"action {action!r} outside Discrete({self.action_levels.size})")
        prices = self._prices[self._day]
        n = prices.size
        if self._t >= n:
            raise RuntimeError("step() called after the episode ended; call reset()")
        s, dt = self.battery, self.dt_hours
        requested = float(self.action_levels[a]) * s.power_mw
        charge, discharge = project_power(requested, self._soc, s, dt, self._min_soc_after(self._t, n))
        price = float(prices[self._t])
        cash = price * (discharge - charge) * dt
        degradation = s.degradation_usd_per_mwh * (charge + discharge) * dt
        profit = cash - degradation
        soc_start = self._soc
        self._soc = next_soc_mwh(self._soc, charge, discharge, s, dt)
        interval = self._t
        self._t += 1
        self._episode_profit_usd += profit
        terminated = self._t >= n
        # potential-based shaping (see the module docstring): the stored energy's change valued at the
        # reference median, potential zero at the end of the day, so the episode's return is unchanged
        value = self._energy_value[self._day]
        potential_after = 0.0 if terminated else (self._soc - s.soc_initial_mwh) * value
        shaping = potential_after - (soc_start - s.soc_initial_mwh) * value
        info: dict[str, Any] = {
            "day_index": self._day,
            "day_label": self.day_labels[self._day],
            "interval": interval,
            "price_usd_per_mwh": price,
            "requested_mw": requested,
            "charge_mw": charge,
            "discharge_mw": discharge,
            "soc_start_mwh": soc_start,
            "soc_mwh": self._soc,
            "cash_usd": cash,
            "degradation_usd": degradation,
            "profit_usd": profit,
        }
        if terminated:
            info["episode_profit_usd"] = self._episode_profit_usd
        return self._observation(), (profit + shaping) / self.reward_scale_usd, terminated, False, info
