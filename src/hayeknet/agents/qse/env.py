"""Three QSEs at one settlement point: a parallel multi-agent environment (issue 5).

Agents (:data:`AGENTS`), one operating day per episode, one step per interval
(5-minute SCED, ``dt_hours = 1/12``):

* ``battery``: the study battery (DESIGN section 5, 100 MW / 400 MWh). Action
  under ``market_design="sced"`` (default, energy only): an offer curve
  (:mod:`hayeknet.agents.offer_action`: a base net power or the day-ahead
  plan's, a charge and a discharge threshold around the interval's DAM price),
  chosen from what was published before the interval (ADR 0017). Its levels
  are clipped to the net power the SOC, the corridor limits
  (:attr:`QSEEnvConfig.net_power_bounds_mw`) and the end-of-day floor allow
  (all known before the interval); it is then cleared at the local price it
  itself moves (:func:`hayeknet.agents.market.clear_with_impact`: the fixed
  point of the curve and the linear price impact, partly dispatched at a
  break price as a market clears a step offer), and the cleared request is
  projected by the constraint validator
  (:func:`hayeknet.constraints.projection.project_net_power`, via
  :func:`hayeknet.agents.battery_env.project_power`) before it is applied.
  Under ``market_design="rtc_b"`` (real-time co-optimization plus batteries)
  the action is ``MultiDiscrete``: the offer curve's three indices and, per product of
  :attr:`QSEEnvConfig.as_products` (default Reg-Up, Reg-Down, RRS, ECRS), an AS
  capacity offer as one of :attr:`QSEEnvConfig.as_levels` (fractions of
  ``power_mw``, chosen from the AS prices of the previous interval). The whole
  ``(cleared net power, offers)`` request is projected onto
  the nearest feasible action (:func:`hayeknet.constraints.projection.project_action`,
  evaluated by :class:`ActionProjector` with its constraint rows cached: power
  headroom, SOC backing per the NPRR1282 duration rules at both ends of
  the interval, no simultaneous charge and discharge, corridor limits, the
  terminal-SOC floor on the energy); the projected offers are awarded in full
  (the battery is an AS price taker). When the terminal-SOC floor cannot be
  met in the interval the battery charges at the most it can and offers nothing.
* ``solar`` (200 MW) and ``wind`` (150 MW): action ``(hedge, curtail)`` indices
  into :attr:`QSEEnvConfig.hedge_levels` and :attr:`QSEEnvConfig.curtail_levels`.
  The hedge fraction ``h`` is chosen at the first step of the day (later
  values are ignored): the plant sells ``q_da[t] = h * forecast_mw[t]`` at the
  day-ahead price. Each interval it curtails a fraction ``c`` of its available
  output, decided from what was published before the interval (a flat offer).

Settlement of interval ``t`` (dollars; ``dt`` hours; ``p[t]`` the local price
of :mod:`hayeknet.agents.market`, which depends on all three agents' injections)::

    battery:   cash = p[t] * (discharge - charge) * dt
               as_cash = sum_k award_mw[k] * mcpc[k, t] * dt          (rtc_b only; else 0)
               degradation = degradation_usd_per_mwh * (charge + discharge) * dt
               profit = cash + as_cash - degradation
    renewable: delivered = actual_mw[t] * (1 - c)
               da_cash = q_da[t] * dam[t] * dt
               rt_cash = (delivered - q_da[t]) * p[t] * dt          (imbalance settled at RT)
               imbalance_charge = imbalance_charge_usd_per_mwh * |delivered - q_da[t]| * dt
               profit = da_cash + rt_cash - imbalance_charge

``mcpc[k, t]`` is the real-time AS clearing price of product ``k`` ($/MW per
hour, :attr:`QSEDay.as_prices_usd_per_mw_h`); capacity payments only
(deployment energy is not modelled, as in :mod:`hayeknet.battery.cooptimize`).
Rewards are the profits divided by each agent's reward scale
(``capacity_mw * dt * 100 $/MWh``: full output for one interval at $100/MWh is 1).
The unscaled terms are in each agent's ``info``.

Battery reward shaping (``QSEEnvConfig.battery_shaping``, default on): the
battery's cash arrives only when stored energy is sold, often hours after it
was bought, and the terminal-SOC rule charges for an empty battery only at the
end of the day. Its reward therefore adds the potential-based term
``shaping_usd = gamma * Phi(soc[t+1]) - Phi(soc[t])`` (:mod:`hayeknet.agents.shaping`)
with ``Phi(soc) = v * soc``, ``v = discharge_efficiency * median(DAM price of
the day)`` (known before the day), ``Phi := 0`` after the last interval and
``gamma`` the learner's discount (``ParallelQSEEnv(gamma=...)``). The
discounted terms of a day sum to ``-Phi(soc[0])``, the same for every policy,
so the optimal policy is unchanged (Ng, Harada & Russell 1999); each step's
reward now tells whether energy was bought below or sold above its value.
``info["shaping_usd"]`` holds the term; ``profit_usd`` is always the cash.

Expected injections (for the price impact): the renewables' forecast output,
the battery's zero. Observations: the layout in :mod:`hayeknet.agents.qse.config`
(:func:`observation_names`).

Agents of a day: the battery always runs; a renewable runs only on the days
whose :class:`QSEDay` has its profile (:attr:`QSEDay.agents`: on a day of
real data without that resource's ERCOT output it is off). ``agents`` after
``reset`` is that day's subset of ``possible_agents``; observations, rewards
and infos hold only those, ``step`` needs an action for each of them and
ignores actions of agents that are off. An agent that is off neither
injects nor affects the price (its deviation is zero).

API: :class:`ParallelQSEEnv` follows PettingZoo's ``ParallelEnv`` shape
(``possible_agents``, ``agents``, ``observation_space(agent)``,
``action_space(agent)``, ``reset(seed, options) -> (obs, infos)``,
``step(actions) -> (obs, rewards, terminations, truncations, infos)``, dicts
keyed by agent) without depending on pettingzoo
(:class:`~hayeknet.agents.qse.single_agent.SingleAgentView`: one agent's gymnasium view).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from hayeknet.agents.battery_env import DEFAULT_GAMMA, choose_day, project_power
from hayeknet.agents.errors import PriceDataError
from hayeknet.agents.features import (
    SCALE_FLOOR_USD_PER_MWH,
    Z_CLIP,
    dynamic_features,
    on_grid,
    static_features,
    validate_prices,
)
from hayeknet.agents.market import clear_with_impact, local_price
from hayeknet.agents.offer_action import ACTION_NVEC, IDLE_ACTION, day_ahead_plan, offer_curve
from hayeknet.agents.qse.config import (
    AGENTS,
    AS_PRICE_SCALE_USD_PER_MW_H,
    COMMON_FEATURE_NAMES,
    RENEWABLE_AGENTS,
    QSEEnvConfig,
    observation_names,
)
from hayeknet.agents.qse.day import QSEDay
from hayeknet.agents.qse.features import STATE_FEATURE_NAMES
from hayeknet.agents.qse.projector import ActionProjector
from hayeknet.agents.shaping import shaping_term
from hayeknet.battery.ledger import next_soc_mwh
from hayeknet.battery.offers import OfferCurve
from hayeknet.constraints.rules import BatteryAction


@dataclass(frozen=True, eq=False)
class BatteryOffer:
    """The battery's request as an offer curve (MW by price, cleared in :meth:`ParallelQSEEnv.step_requests`)
    and AS capacity offers (MW per product, ``rtc_b`` only)."""

    curve: OfferCurve
    as_mw: Mapping[str, float] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class _DayCache:
    """Per-day precomputed arrays of the environment."""

    day: QSEDay
    common: np.ndarray  # (n, len(COMMON_FEATURE_NAMES)) float32, dynamic columns zero
    dam_center: float
    dam_scale: float
    forecast_mw: dict[str, np.ndarray]
    actual_mw: dict[str, np.ndarray]
    own_static: dict[str, tuple[float, float]]  # renewables: (forecast_day_mean_frac, forecast_weighted_dam_z)
    as_prices: np.ndarray | None = None  # rtc_b: (n, n_products) $/MW-h of the config's products
    as_obs: np.ndarray | None = None  # rtc_b: (n, n_products) float32 asinh(price of t - 1 / AS_PRICE_SCALE)
    plan_net_mw: np.ndarray | None = None  # the day-ahead plan (LP on the DAM from the initial SOC), MW


_LAST_IMPACT_COL = COMMON_FEATURE_NAMES.index("last_impact_z")


class ParallelQSEEnv:
    """Three QSEs, one day per episode; PettingZoo ``ParallelEnv``-shaped (see the module docstring).

    ``days`` are the episodes' data. Under ``config.price_reference == "dam"``
    each day's price features use its own DAM prices and ``reference_prices``
    must be ``None``; under ``"previous_day"`` ``reference_prices`` (parallel to
    ``days``) are the previous day's RT prices per day, default: the
    previous entry of ``days`` (none for the first). ``reset(options={"day_index": i})``
    plays day ``i``, otherwise a day is drawn from the seeded generator.

    Besides ``step`` (discrete actions), :meth:`step_requests` takes physical
    requests (battery net MW, or under ``rtc_b`` a
    :class:`~hayeknet.constraints.rules.BatteryAction` with AS offers;
    renewables ``(hedge_frac, curtail_frac)``), which is how heuristics are
    evaluated through the same projection and settlement.
    """

    metadata: ClassVar[dict[str, Any]] = {"name": "hayeknet_qse_v1", "render_modes": []}
    possible_agents: tuple[str, ...] = AGENTS

    def __init__(
        self,
        days: Sequence[QSEDay],
        config: QSEEnvConfig | None = None,
        seed: int | None = None,
        reference_prices: Sequence[np.ndarray | None] | None = None,
        gamma: float = DEFAULT_GAMMA,
    ) -> None:
        if len(days) == 0:
            raise PriceDataError("ParallelQSEEnv: no days given")
        if not 0.0 < gamma <= 1.0:
            raise ValueError(f"gamma must be within (0, 1], got {gamma}")
        self.gamma = float(gamma)
        if reference_prices is not None and len(reference_prices) != len(days):
            raise PriceDataError(f"reference_prices has {len(reference_prices)} entries for {len(days)} days")
        self.config = config or QSEEnvConfig()
        cfg = self.config
        self.days = list(days)
        if cfg.offers_as:
            for day in self.days:
                have = day.as_prices_usd_per_mw_h or {}
                missing = [k for k in cfg.as_products if k not in have]
                if missing:
                    raise PriceDataError(
                        f"QSEDay {day.label}: market_design 'rtc_b' needs AS prices (as_prices_usd_per_mw_h) "
                        f"for {', '.join(missing)}"
                    )
        if cfg.price_reference == "dam":
            if reference_prices is not None:
                raise PriceDataError(
                    "ParallelQSEEnv: reference_prices given but config.price_reference is 'dam' "
                    "(the features use each day's own DAM prices)"
                )
            refs: list[np.ndarray | None] = [d.dam_price_usd_per_mwh for d in self.days]
        else:
            refs = (
                list(reference_prices)
                if reference_prices is not None
                else [None, *(d.rt_price_usd_per_mwh for d in self.days[:-1])]
            )
        self._cache = [self._precompute(d, r) for d, r in zip(self.days, refs, strict=True)]
        self._hedge_levels = np.asarray(cfg.hedge_levels, dtype=np.float64)
        self._curtail_levels = np.asarray(cfg.curtail_levels, dtype=np.float64)
        self._as_levels = np.asarray(cfg.as_levels, dtype=np.float64) * cfg.battery.power_mw
        battery_space: spaces.Space = (
            spaces.MultiDiscrete(list(ACTION_NVEC) + [len(cfg.as_levels)] * len(cfg.as_products))
            if cfg.offers_as
            else spaces.MultiDiscrete(list(ACTION_NVEC))
        )
        self._action_spaces: dict[str, spaces.Space] = {
            "battery": battery_space,
            **{a: spaces.MultiDiscrete([len(cfg.hedge_levels), len(cfg.curtail_levels)]) for a in RENEWABLE_AGENTS},
        }
        self._observation_spaces: dict[str, spaces.Box] = {
            a: spaces.Box(-Z_CLIP, Z_CLIP, shape=(len(observation_names(a, cfg)),), dtype=np.float32) for a in AGENTS
        }
        self._scales = {a: cfg.reward_scale_usd(a) for a in AGENTS}
        self._projector = (
            ActionProjector(cfg.battery, cfg.dt_hours, cfg.as_products, cfg.net_power_bounds_mw)
            if cfg.offers_as
            else None
        )
        self.np_random, _ = gym.utils.seeding.np_random(seed)
        self.agents: list[str] = []
        self._d = 0
        self._t = 0
        self._soc = cfg.battery.soc_initial_mwh
        self._hedge = {a: 0.0 for a in RENEWABLE_AGENTS}
        self._last_impact = 0.0
        self._profit = {a: 0.0 for a in AGENTS}

    def spawn(self, seed: int | None = None) -> ParallelQSEEnv:
        """A fresh environment over the same days and config, sharing the precomputed (read-only) features."""
        other = object.__new__(ParallelQSEEnv)
        other.__dict__.update(self.__dict__)
        other.np_random, _ = gym.utils.seeding.np_random(seed)
        other.agents = []
        other._hedge = {a: 0.0 for a in RENEWABLE_AGENTS}
        other._profit = {a: 0.0 for a in AGENTS}
        other._soc = self.config.battery.soc_initial_mwh
        other._d = other._t = 0
        other._last_impact = 0.0
        return other

    # ------------------------------------------------------------------ spaces
    def observation_space(self, agent: str) -> spaces.Box:
        return self._observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self._action_spaces[agent]

    @property
    def n_days(self) -> int:
        return len(self.days)

    @property
    def soc_mwh(self) -> float:
        return self._soc

    @property
    def interval(self) -> int:
        return self._t

    @property
    def day(self) -> QSEDay:
        return self.days[self._d]

    # ------------------------------------------------------------------ data
    def _precompute(self, day: QSEDay, reference: np.ndarray | None) -> _DayCache:
        cfg = self.config
        n = day.n_intervals
        t = np.arange(n)
        angle = 2.0 * np.pi * t * cfg.dt_hours / 24.0
        if reference is not None:
            reference = on_grid(validate_prices(reference, f"reference prices of {day.label}"), n)
        is_dam = cfg.price_reference == "dam"
        rt = day.rt_price_usd_per_mwh
        dam = day.dam_price_usd_per_mwh
        plan_net, plan_soc = day_ahead_plan(dam, cfg.battery, cfg.dt_hours, cfg.battery.soc_initial_mwh)
        pf = np.concatenate(
            [
                dynamic_features(rt, reference, is_dam, None, None, None, None),
                static_features(reference, is_dam, None, n, cfg.dt_hours, cfg.battery, plan_net, plan_soc),
            ],
            axis=1,
        )
        q25, q50, q75 = np.percentile(dam, [25.0, 50.0, 75.0])
        center, scale = float(q50), max(float(q75 - q25), SCALE_FLOOR_USD_PER_MWH)
        clip = lambda x: np.clip(x, -Z_CLIP, Z_CLIP)
        has_state = np.full(n, 0.0 if day.state_features is None else 1.0)
        sf = np.zeros((n, len(STATE_FEATURE_NAMES))) if day.state_features is None else day.state_features.copy()
        # the filtered state of t has assimilated t's price: the observation of t holds that of t - 1
        enkf_cols = [STATE_FEATURE_NAMES.index("enkf_mean_asinh"), STATE_FEATURE_NAMES.index("enkf_spread_asinh")]
        sf[:, enkf_cols] = np.vstack([np.zeros((1, 2)), sf[:-1, enkf_cols]])
        last_spread = np.concatenate([[0.0], (rt - dam)[:-1]])
        common = np.column_stack(
            [
                np.sin(angle),
                np.cos(angle),
                t / n,
                pf,
                clip((dam - center) / scale),
                clip(last_spread / scale),
                np.zeros(n),  # last_impact_z, filled at step time
                has_state,
                clip(sf),
            ]
        ).astype(np.float32)
        running = [a for a in RENEWABLE_AGENTS if a in day.agents]
        forecast_mw = {a: day.forecast_frac(a) * cfg.renewable(a).capacity_mw for a in running}
        actual_mw = {a: day.actual_frac(a) * cfg.renewable(a).capacity_mw for a in running}
        own_static = {}
        for a in running:
            f = day.forecast_frac(a)
            weighted = float(np.sum(f * dam) / np.sum(f)) if np.sum(f) > 0 else center
            own_static[a] = (float(np.mean(f)), float(np.clip((weighted - center) / scale, -Z_CLIP, Z_CLIP)))
        as_prices = as_obs = None
        if cfg.offers_as:
            given = day.as_prices_usd_per_mw_h or {}
            as_prices = np.column_stack([given[k] for k in cfg.as_products])
            lagged = np.vstack([np.zeros((1, as_prices.shape[1])), as_prices[:-1]])  # published before t: t - 1
            as_obs = clip(np.arcsinh(lagged / AS_PRICE_SCALE_USD_PER_MW_H)).astype(np.float32)
        return _DayCache(
            day, common, center, scale, forecast_mw, actual_mw, own_static, as_prices, as_obs, np.asarray(plan_net)
        )

    # ------------------------------------------------------------------ observations
    def _min_soc_after(self, t: int, n: int) -> float:
        if not self.config.enforce_terminal_soc:
            return -math.inf
        s = self.config.battery
        per_interval = self.config.max_charge_mw() * s.charge_efficiency * self.config.dt_hours
        return s.soc_initial_mwh - (n - t - 1) * per_interval

    def _observations(self) -> dict[str, np.ndarray]:
        c = self._cache[self._d]
        n = c.day.n_intervals
        t = min(self._t, n - 1)
        common = c.common[t].copy()
        common[_LAST_IMPACT_COL] = np.clip(self._last_impact / c.dam_scale, -Z_CLIP, Z_CLIP)
        s, dt_h = self.config.battery, self.config.dt_hours
        soc_frac = (self._soc - s.soc_min_mwh) / s.usable_mwh if s.usable_mwh > 0 else 0.0
        pressure = 0.0
        if self.config.enforce_terminal_soc:
            deficit = max(s.soc_initial_mwh - self._soc, 0.0)
            rate = self.config.max_charge_mw() * s.charge_efficiency
            deficit_h = deficit / rate if rate > 0 else (math.inf if deficit > 0 else 0.0)
            left_h = (n - self._t) * dt_h
            pressure = min(deficit_h / left_h, 1.0) if left_h > 0 else float(deficit_h > 0)
        own_battery = [common, np.array([soc_frac, pressure], dtype=np.float32)]
        if c.as_obs is not None:
            own_battery.append(c.as_obs[t])
        obs = {"battery": np.concatenate(own_battery)}
        first = 1.0 if self._t == 0 else 0.0
        for a in c.own_static:
            day_mean, weighted_z = c.own_static[a]
            last_actual = c.day.actual_frac(a)[t - 1] if t > 0 else c.day.forecast_frac(a)[0]
            own = np.array(
                [
                    c.day.forecast_frac(a)[t],
                    last_actual,
                    day_mean,
                    weighted_z,
                    self._hedge[a],
                    first,
                ],
                dtype=np.float32,
            )
            obs[a] = np.concatenate([common, own])
        return obs

    # ------------------------------------------------------------------ API
    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, Any]]]:
        if seed is not None:
            self.np_random, _ = gym.utils.seeding.np_random(seed)
        d = choose_day(self.np_random, self.n_days, options)
        self._d = d
        self._t = 0
        self._soc = self.config.battery.soc_initial_mwh
        self._hedge = {a: 0.0 for a in RENEWABLE_AGENTS}
        self._last_impact = 0.0
        self._profit = {a: 0.0 for a in AGENTS}
        self.agents = list(self.days[d].agents)
        label = self.days[d].label
        infos = {a: {"day_index": d, "day_label": label} for a in self.agents}
        infos["battery"]["soc_mwh"] = self._soc
        return self._observations(), infos

    def battery_offer_curve(self, action: Any) -> OfferCurve:
        """The battery's offer curve of an offer action (three indices, :mod:`hayeknet.agents.offer_action`)
        for the current interval: around its DAM price, clipped to :meth:`battery_net_interval_mw`."""
        c = self._cache[self._d]
        t = min(self._t, c.day.n_intervals - 1)
        plan = 0.0 if c.plan_net_mw is None or c.plan_net_mw.size == 0 else float(c.plan_net_mw[t])
        anchor = float(c.day.dam_price_usd_per_mwh[t])
        return offer_curve(action, anchor, plan, self.config.battery.power_mw, self.battery_net_interval_mw())

    def action_to_request(self, agent: str, action: Any) -> tuple[float, float] | BatteryOffer:
        """Physical request of a discrete action: the battery's :class:`BatteryOffer` (offer curve, and
        under ``rtc_b`` AS offers in MW); renewables ``(hedge_frac, curtail_frac)``."""
        if agent == "battery":
            arr = np.asarray(action).reshape(-1)
            k = len(self.config.as_products) if self.config.offers_as else 0
            nvec = np.asarray(self._action_spaces["battery"].nvec)  # type: ignore[attr-defined]
            if arr.size != nvec.size or np.any(arr < 0) or np.any(arr >= nvec):
                raise ValueError(f"battery action {action!r} outside {self._action_spaces['battery']}")
            curve = self.battery_offer_curve(arr[:3])
            if k:
                offers = {p: float(self._as_levels[int(i)]) for p, i in zip(self.config.as_products, arr[3:])}
                return BatteryOffer(curve, offers)
            return BatteryOffer(curve)
        arr = np.asarray(action).reshape(-1)
        if arr.size != 2 or not (0 <= arr[0] < self._hedge_levels.size and 0 <= arr[1] < self._curtail_levels.size):
            raise ValueError(f"{agent} action {action!r} outside {self._action_spaces[agent]}")
        return float(self._hedge_levels[int(arr[0])]), float(self._curtail_levels[int(arr[1])])

    def step(
        self, actions: Mapping[str, Any]
    ) -> tuple[dict[str, np.ndarray], dict[str, float], dict[str, bool], dict[str, bool], dict[str, dict[str, Any]]]:
        """Apply one discrete action per agent of the day (``agents``; actions of agents that are off are ignored)."""
        if not self.agents:
            raise RuntimeError("step() called after the episode ended; call reset()")
        missing = [a for a in self.agents if a not in actions]
        if missing:
            raise ValueError(f"step() needs an action for every agent of the day; missing {missing}")
        return self.step_requests({a: self.action_to_request(a, actions[a]) for a in self.agents})

    def battery_net_interval_mw(self) -> tuple[float, float]:
        """Feasible net power ``(lo, hi)`` (MW) of the battery now, without AS: power, SOC window,
        corridor limits and the end-of-day SOC floor (when the floor cannot be met: the most charging)."""
        from hayeknet.constraints.errors import ProjectionError
        from hayeknet.constraints.projection import net_power_interval_mw

        cfg = self.config
        n = self.day.n_intervals
        bounds = (-math.inf, math.inf) if cfg.net_power_bounds_mw is None else cfg.net_power_bounds_mw
        floor = self._min_soc_after(min(self._t, n - 1), n)
        try:
            return net_power_interval_mw(self._soc, cfg.battery, cfg.dt_hours, bounds, floor)
        except ProjectionError:
            charge, _ = project_power(
                -cfg.battery.power_mw, self._soc, cfg.battery, cfg.dt_hours, floor, cfg.net_power_bounds_mw
            )
            return -charge, -charge

    def _battery_request(self, request: Any, others_deviation_mw: float) -> tuple[float, dict[str, float]]:
        """``(net_mw, offers_mw)`` of a battery request: net MW, a ``BatteryAction``, ``(net_mw, offers)`` or a
        :class:`BatteryOffer` (its curve cleared at the local price given the others' deviation, MW)."""
        if isinstance(request, BatteryOffer):
            exo = float(self.day.rt_price_usd_per_mwh[self._t])
            net = clear_with_impact(request.curve, exo, others_deviation_mw, self.config.impact)
            request = BatteryAction(net, dict(request.as_mw)) if request.as_mw else net
        if isinstance(request, (float, int, np.floating, np.integer)):
            net = float(request)
            if not math.isfinite(net):
                raise ValueError(f"battery request {request!r} at interval {self._t} is not finite")
            return net, {}
        if isinstance(request, BatteryAction):
            net, offers = request.net_mw, dict(request.as_mw)
        elif isinstance(request, (tuple, list)) and len(request) == 2 and isinstance(request[1], Mapping):
            net, offers = request[0], dict(request[1])
        else:
            net, offers = request, {}
        net = float(net)
        offers = {str(k): float(v) for k, v in offers.items()}
        if not math.isfinite(net) or not all(math.isfinite(v) for v in offers.values()):
            raise ValueError(f"battery request {request!r} at interval {self._t} is not finite")
        if offers and not self.config.offers_as:
            raise ValueError(f"battery request {request!r}: AS offers need market_design 'rtc_b'")
        unknown = sorted(set(offers) - set(self.config.as_products))
        if unknown:
            raise ValueError(f"battery request offers {unknown[0]!r}, not one of {self.config.as_products}")
        return net, offers

    def _battery_dispatch(
        self, requested_net_mw: float, offers_mw: Mapping[str, float], n: int
    ) -> tuple[float, float, dict[str, float]]:
        """Feasible ``(charge_mw, discharge_mw, awards_mw)`` through the constraint validator's projection.

        SCED: :func:`hayeknet.agents.battery_env.project_power`; RTC+B: the
        projection of the net power and the offers of every configured product
        (:class:`ActionProjector`, equal to
        :func:`hayeknet.constraints.projection.project_action`; end-of-day SOC
        floor and corridor limits included), falling back to the most charging
        the corridor allows, with no AS, when the floor cannot be met this interval.
        """
        cfg = self.config
        s, dt_h = cfg.battery, cfg.dt_hours
        floor = self._min_soc_after(self._t, n)
        if self._projector is None:
            charge, discharge = project_power(requested_net_mw, self._soc, s, dt_h, floor, cfg.net_power_bounds_mw)
            return charge, discharge, {}
        projected = self._projector.project(requested_net_mw, offers_mw, self._soc, floor)
        if projected is None:
            charge, discharge = project_power(requested_net_mw, self._soc, s, dt_h, floor, cfg.net_power_bounds_mw)
            return charge, discharge, {k: 0.0 for k in cfg.as_products}
        net, as_mw = projected
        net = min(max(net, -s.power_mw), s.power_mw)
        awards = {k: min(as_mw[k], s.power_mw) for k in cfg.as_products}
        return max(-net, 0.0), max(net, 0.0), awards

    def step_requests(
        self, requests: Mapping[str, Any]
    ) -> tuple[dict[str, np.ndarray], dict[str, float], dict[str, bool], dict[str, bool], dict[str, dict[str, Any]]]:
        """Apply physical requests: ``battery`` net MW (+ discharges); renewables ``(hedge_frac, curtail_frac)``
        (one per agent of the day; requests of agents that are off are ignored)."""
        if not self.agents:
            raise RuntimeError("step() called after the episode ended; call reset()")
        cfg, dt_h = self.config, self.config.dt_hours
        c = self._cache[self._d]
        day = c.day
        n = day.n_intervals
        t = self._t
        running = tuple(self.agents)
        missing = [a for a in running if a not in requests]
        if missing:
            raise ValueError(f"step_requests() needs a request for every agent of the day; missing {missing}")
        ren: dict[str, dict[str, float]] = {}
        others = 0.0
        for a in c.own_static:
            hedge_req, curtail_req = (float(x) for x in requests[a])
            if not (math.isfinite(hedge_req) and math.isfinite(curtail_req)):
                raise ValueError(f"{a} request {requests[a]!r} at interval {t} of {day.label} is not finite")
            if t == 0:
                self._hedge[a] = min(max(float(hedge_req), 0.0), 1.0)
            curtail = min(max(float(curtail_req), 0.0), 1.0)
            available = float(c.actual_mw[a][t])
            forecast = float(c.forecast_mw[a][t])
            delivered = available * (1.0 - curtail)
            ren[a] = {
                "hedge_frac": self._hedge[a],
                "curtail_frac": curtail,
                "available_mw": available,
                "forecast_mw": forecast,
                "delivered_mw": delivered,
                "da_position_mw": self._hedge[a] * forecast,
            }
            others += delivered - forecast
        requested_net, offers = self._battery_request(requests["battery"], others)
        charge, discharge, awards = self._battery_dispatch(requested_net, offers, n)
        deviation = discharge - charge + others
        exo = float(day.rt_price_usd_per_mwh[t])
        price = local_price(exo, deviation, cfg.impact)
        dam = float(day.dam_price_usd_per_mwh[t])

        s = cfg.battery
        cash = price * (discharge - charge) * dt_h
        as_info: dict[str, float] = {}
        as_cash = 0.0
        if c.as_prices is not None:
            for i, k in enumerate(cfg.as_products):
                mcpc = float(c.as_prices[t, i])
                paid = awards[k] * mcpc * dt_h
                as_cash += paid
                as_info[f"as_offer_{k}_mw"] = offers.get(k, 0.0)
                as_info[f"as_award_{k}_mw"] = awards[k]
                as_info[f"as_price_{k}_usd_per_mw_h"] = mcpc
                as_info[f"as_cash_{k}_usd"] = paid
        degradation = s.degradation_usd_per_mwh * (charge + discharge) * dt_h
        soc_start = self._soc
        self._soc = next_soc_mwh(self._soc, charge, discharge, s, dt_h)
        self._soc = min(max(self._soc, s.soc_min_mwh), s.soc_max_mwh)  # float round-off only
        common_info = {
            "day_index": self._d,
            "day_label": day.label,
            "interval": t,
            "exogenous_price_usd_per_mwh": exo,
            "price_usd_per_mwh": price,
            "dam_price_usd_per_mwh": dam,
            "deviation_mw": deviation,
        }
        profits = {"battery": cash + as_cash - degradation}
        infos: dict[str, dict[str, Any]] = {
            "battery": {
                **common_info,
                "requested_mw": requested_net,
                "charge_mw": charge,
                "discharge_mw": discharge,
                "soc_start_mwh": soc_start,
                "soc_mwh": self._soc,
                "cash_usd": cash,
                "as_cash_usd": as_cash,
                **as_info,
                "degradation_usd": degradation,
                "profit_usd": profits["battery"],
            }
        }
        for a in ren:
            r = ren[a]
            imbalance = r["delivered_mw"] - r["da_position_mw"]
            da_cash = r["da_position_mw"] * dam * dt_h
            rt_cash = imbalance * price * dt_h
            charge_usd = cfg.renewable(a).imbalance_charge_usd_per_mwh * abs(imbalance) * dt_h
            profits[a] = da_cash + rt_cash - charge_usd
            infos[a] = {
                **common_info,
                **r,
                "imbalance_mw": imbalance,
                "curtailed_mw": r["available_mw"] - r["delivered_mw"],
                "da_cash_usd": da_cash,
                "rt_cash_usd": rt_cash,
                "imbalance_charge_usd": charge_usd,
                "profit_usd": profits[a],
            }
        self._last_impact = price - exo
        self._t += 1
        done = self._t >= n
        for a in running:
            self._profit[a] += profits[a]
            if done:
                infos[a]["episode_profit_usd"] = self._profit[a]
        rewards = {a: profits[a] / self._scales[a] for a in running}
        if cfg.battery_shaping:
            # potential-based shaping (module docstring): stored energy valued at the day's DAM median
            value = c.dam_center * s.discharge_efficiency
            shaping = shaping_term(value * soc_start, value * self._soc, self.gamma, done)
            infos["battery"]["shaping_usd"] = shaping
            rewards["battery"] = (profits["battery"] + shaping) / self._scales["battery"]
        obs = self._observations()
        terminations = {a: done for a in running}
        truncations = {a: False for a in running}
        if done:
            self.agents = []
        return obs, rewards, terminations, truncations, infos


def default_action(env: ParallelQSEEnv, agent: str) -> Any:
    """The "do nothing special" action: battery idle at any price (offering no AS); renewables hedge
    100% of forecast, never curtail."""
    cfg = env.config
    if agent == "battery":
        if cfg.offers_as:
            no_offer = int(np.argmin(cfg.as_levels))
            return np.array([*IDLE_ACTION] + [no_offer] * len(cfg.as_products), dtype=np.int64)
        return np.array(IDLE_ACTION, dtype=np.int64)
    return np.array(
        [int(np.argmax(cfg.hedge_levels)), int(np.argmin(cfg.curtail_levels))],
        dtype=np.int64,
    )
