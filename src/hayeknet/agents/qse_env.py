"""Three QSEs at one settlement point: a parallel multi-agent environment (issue 5).

Agents (:data:`AGENTS`), one operating day per episode, one step per interval
(5-minute SCED, ``dt_hours = 1/12``):

* ``battery``: the study battery (DESIGN section 5, 100 MW / 400 MWh). Action
  under ``market_design="sced"`` (default, energy only): one of a few discrete
  power levels (fractions of ``power_mw``; negative charges). The request is
  projected by the constraint validator
  (:func:`hayeknet.constraints.projection.project_net_power`, via
  :func:`hayeknet.agents.battery_env.project_power`) onto the feasible range
  (power, SOC window, corridor limits :attr:`QSEEnvConfig.net_power_bounds_mw`)
  that also keeps the terminal SOC >= the initial SOC reachable (as in
  :class:`~hayeknet.agents.battery_env.BatteryTradingEnv`) before it is applied.
  Under ``market_design="rtc_b"`` (real-time co-optimization plus batteries)
  the action is ``MultiDiscrete``: the power level and, per product of
  :attr:`QSEEnvConfig.as_products` (default Reg-Up, Reg-Down, RRS, ECRS), an AS
  capacity offer as one of :attr:`QSEEnvConfig.as_levels` (fractions of
  ``power_mw``). The whole ``(net power, offers)`` request is projected onto
  the nearest feasible action (:func:`hayeknet.constraints.projection.project_action`,
  evaluated by :class:`ActionProjector` with its constraint rows cached: power headroom, SOC backing per the NPRR1282 duration rules at both ends of
  the interval, no simultaneous charge and discharge, corridor limits, the
  terminal-SOC floor on the energy); the projected offers are awarded in full
  (the battery is an AS price taker). When the terminal-SOC floor cannot be
  met in the interval the battery charges at the most it can and offers nothing.
* ``solar`` (200 MW) and ``wind`` (150 MW): action ``(hedge, curtail)`` indices
  into :attr:`QSEEnvConfig.hedge_levels` and :attr:`QSEEnvConfig.curtail_levels`.
  The hedge fraction ``h`` is chosen at the first step of the day (later
  values are ignored): the plant sells ``q_da[t] = h * forecast_mw[t]`` at the
  day-ahead price. Each interval it curtails a fraction ``c`` of its available
  output.

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
``shaping_usd = Phi(soc[t+1]) - Phi(soc[t])`` with ``Phi(soc) = v * soc``,
``v = discharge_efficiency * median(DAM price of the day)`` (known before the
day) and ``Phi := 0`` after the last interval. Over a day the terms sum to
``-Phi(soc[0])``, the same for every policy, so the ranking of policies by
total reward is the ranking by profit (Ng, Harada & Russell 1999); each step's
reward now tells whether energy was bought below or sold above its value.
``info["shaping_usd"]`` holds the term; ``profit_usd`` is always the cash.

Expected injections (for the price impact): the renewables' forecast output,
the battery's zero. Observations (float32, one vector per agent, names in
:func:`observation_names`): time features, causal features of the exogenous
real-time price (:mod:`hayeknet.agents.features`; reference curve: the day's
DAM prices, or the previous day's RT, see ``QSEEnvConfig.price_reference``),
the day-ahead price, the last interval's price impact, the EnKF state and
the beliefs (:data:`STATE_FEATURE_NAMES`: zeros and ``has_state = 0`` when no
state is given; the belief probabilities of the interval's hour, zeros and
``has_beliefs = 0`` when none were stated for the day), then the agent's own
state (SOC for the battery; forecast, actual output and hedge for the
renewables) and, for the battery under ``rtc_b``, ``asinh(mcpc[k, t] / 10)``
per offered product (the interval's clearing prices, the same information
convention as ``price_lag0_z`` for energy).

API: :class:`ParallelQSEEnv` follows PettingZoo's ``ParallelEnv`` shape
(``possible_agents``, ``agents``, ``observation_space(agent)``,
``action_space(agent)``, ``reset(seed, options) -> (obs, infos)``,
``step(actions) -> (obs, rewards, terminations, truncations, infos)``, dicts
keyed by agent) without depending on pettingzoo. :class:`SingleAgentView` is a
gymnasium view of one agent with the other two driven by fixed policies, so
that each agent has its own stable-baselines3 learner (iterated best response).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np
import pandas as pd
from gymnasium import spaces

from hayeknet.agents.battery_env import ACTION_LEVELS, DT_HOURS_5MIN, choose_day, project_power
from hayeknet.agents.errors import PriceDataError
from hayeknet.agents.features import (
    PRICE_FEATURE_NAMES,
    SCALE_FLOOR_USD_PER_MWH,
    Z_CLIP,
    price_features,
    validate_prices,
)
from hayeknet.agents.market import PriceImpact, local_price
from hayeknet.battery.cooptimize import AS_DURATION_HOURS
from hayeknet.battery.ledger import next_soc_mwh
from hayeknet.battery.spec import BatterySpec
from hayeknet.constraints.rules import BatteryAction

AGENTS: tuple[str, ...] = ("battery", "solar", "wind")
RENEWABLE_AGENTS: tuple[str, ...] = ("solar", "wind")
#: Price of the reward unit, $/MWh (full capacity for one interval at this price is reward 1).
REWARD_PRICE_SCALE_USD_PER_MWH = 100.0
#: Bumped whenever an observation layout changes (recorded in and checked against registries).
#: 2: ``has_beliefs`` flag and per-hour belief probabilities; AS prices for the battery under ``rtc_b``.
#: 3: ``QSEEnvConfig.price_reference`` (the reference curve of the price features) in the env config.
QSE_OBSERVATION_VERSION = 3
#: Market designs: energy-only SCED (today's behaviour) and real-time co-optimization with AS offers.
SCED = "sced"
RTC_B = "rtc_b"
MARKET_DESIGNS: tuple[str, ...] = (SCED, RTC_B)
#: Reference curves of the price features: the day's own DAM prices (known before the day) or the previous day's RT.
PRICE_REFERENCES: tuple[str, ...] = ("dam", "previous_day")
#: AS products the battery offers under ``rtc_b`` (default) and the offer levels, fractions of ``power_mw``.
AS_OFFER_PRODUCTS: tuple[str, ...] = ("REGUP", "REGDN", "RRS", "ECRS")
AS_LEVELS: tuple[float, ...] = (0.0, 0.5, 1.0)
#: Scale of the asinh transform of AS clearing prices in the observation, $/MW per hour.
AS_PRICE_SCALE_USD_PER_MW_H = 10.0
#: Hedge fractions of the forecast sold day-ahead, and curtailment fractions of available output.
HEDGE_LEVELS: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)
CURTAIL_LEVELS: tuple[float, ...] = (0.0, 0.5, 1.0)
#: Scale of the asinh transform of the EnKF mean and spread, $/MWh.
STATE_PRICE_SCALE_USD_PER_MWH = 50.0

STATE_FEATURE_NAMES: tuple[str, ...] = (
    "enkf_mean_asinh",  # asinh(EnKF filtered mean / 50 $/MWh)
    "enkf_spread_asinh",  # asinh(EnKF ensemble spread / 50 $/MWh)
    "has_beliefs",  # 1 when beliefs were stated for the day, else 0 (and the probabilities are 0)
    "p_high_price",  # beliefs: probabilities in [0, 1] (of the interval's hour when given per hour)
    "p_imbalance",
    "p_congestion",
)
#: Belief features and the event columns of the beliefs stage's ``hourly.parquet`` they come from.
BELIEF_EVENT_COLUMNS: dict[str, str] = {
    "p_high_price": "high_price",
    "p_imbalance": "imbalance",
    "p_congestion": "congestion",
}
COMMON_FEATURE_NAMES: tuple[str, ...] = (
    "time_of_day_sin",
    "time_of_day_cos",
    "elapsed_frac",
    *PRICE_FEATURE_NAMES,
    "dam_price_z",  # (DAM - DAM day median) / DAM IQR (the DAM is known before the day)
    "rt_minus_dam_z",
    "last_impact_z",  # (local - exogenous price) of the previous interval / DAM IQR
    "has_state",
    *STATE_FEATURE_NAMES,
)
OWN_FEATURE_NAMES: dict[str, tuple[str, ...]] = {
    "battery": ("soc_frac", "terminal_pressure"),
    "solar": (
        "forecast_frac",
        "actual_frac",
        "forecast_day_mean_frac",
        "forecast_weighted_dam_z",
        "hedge_frac",
        "is_first_step",
    ),
}
OWN_FEATURE_NAMES["wind"] = OWN_FEATURE_NAMES["solar"]


def as_price_feature_names(products: Sequence[str]) -> tuple[str, ...]:
    """Names of the battery's AS price features under ``rtc_b``, one per offered product."""
    return tuple(f"as_price_{p.lower()}_asinh" for p in products)


def observation_names(agent: str, config: "QSEEnvConfig | None" = None) -> tuple[str, ...]:
    """Names of the entries of ``agent``'s observation vector, in order (``config`` default: SCED)."""
    names = COMMON_FEATURE_NAMES + OWN_FEATURE_NAMES[agent]
    if agent == "battery" and config is not None and config.market_design == RTC_B:
        names += as_price_feature_names(config.as_products)
    return names


@dataclass(frozen=True)
class RenewableSpec:
    """A solar or wind plant: ``capacity_mw`` (MW) and its imbalance charge ($/MWh of |deviation|)."""

    capacity_mw: float
    imbalance_charge_usd_per_mwh: float = 1.0

    def __post_init__(self) -> None:
        if not self.capacity_mw > 0 or not self.imbalance_charge_usd_per_mwh >= 0:
            raise ValueError(f"RenewableSpec needs capacity_mw > 0 and imbalance charge >= 0, got {self}")


@dataclass(frozen=True)
class QSEEnvConfig:
    """Everything about the three-QSE market that is not the day's data (recorded in registries).

    ``market_design``: ``"sced"`` (energy only, the default) or ``"rtc_b"``
    (energy plus AS offers of ``as_products`` at ``as_levels`` fractions of
    ``power_mw``; the AS fields are ignored under ``sced``).
    ``net_power_bounds_mw``: ``(lo, hi)`` MW of the battery's net injection
    allowed by the transmission corridors
    (:meth:`hayeknet.constraints.grid.GridGraph.net_power_bounds_mw`), ``None``
    for no corridor limit; ``lo <= 0 <= hi`` (idling is always allowed).
    ``price_reference``: the reference curve of the real-time price features
    (:func:`hayeknet.agents.features.price_features`): ``"previous_day"``
    (default) the previous day's RT prices; ``"dam"`` the day's own DAM
    prices, published the day before, so the features look ahead along the
    day-ahead curve (as the single agent's ``reference_kind="dam"``; issue 5:
    better on both held-out days of the default window, not on an 8-day
    synthetic walk-forward, so not the default).
    """

    battery: BatterySpec = field(default_factory=BatterySpec)
    solar: RenewableSpec = field(default_factory=lambda: RenewableSpec(200.0))
    wind: RenewableSpec = field(default_factory=lambda: RenewableSpec(150.0))
    impact: PriceImpact = field(default_factory=PriceImpact)
    dt_hours: float = DT_HOURS_5MIN
    battery_levels: tuple[float, ...] = ACTION_LEVELS
    hedge_levels: tuple[float, ...] = HEDGE_LEVELS
    curtail_levels: tuple[float, ...] = CURTAIL_LEVELS
    enforce_terminal_soc: bool = True
    battery_shaping: bool = True
    market_design: str = SCED
    as_products: tuple[str, ...] = AS_OFFER_PRODUCTS
    as_levels: tuple[float, ...] = AS_LEVELS
    net_power_bounds_mw: tuple[float, float] | None = None
    price_reference: str = "previous_day"

    def __post_init__(self) -> None:
        if self.price_reference not in PRICE_REFERENCES:
            raise ValueError(
                f"QSEEnvConfig.price_reference must be one of {PRICE_REFERENCES}, got {self.price_reference!r}"
            )
        if not self.dt_hours > 0:
            raise ValueError(f"QSEEnvConfig.dt_hours must be > 0, got {self.dt_hours}")
        for name in ("battery_levels", "hedge_levels", "curtail_levels", "as_levels"):
            levels = getattr(self, name)
            lo = -1.0 if name == "battery_levels" else 0.0
            if len(levels) < 2 or any(not lo <= x <= 1.0 for x in levels):
                raise ValueError(f"QSEEnvConfig.{name} needs >= 2 levels within [{lo:g}, 1], got {levels}")
        if self.market_design not in MARKET_DESIGNS:
            raise ValueError(f"QSEEnvConfig.market_design must be one of {MARKET_DESIGNS}, got {self.market_design!r}")
        products = tuple(str(p) for p in self.as_products)
        unknown = [p for p in products if p not in AS_DURATION_HOURS]
        if not products or unknown or len(set(products)) != len(products):
            raise ValueError(
                f"QSEEnvConfig.as_products must be distinct products of {tuple(AS_DURATION_HOURS)}, got {products}"
            )
        object.__setattr__(self, "as_products", products)
        object.__setattr__(self, "as_levels", tuple(float(x) for x in self.as_levels))
        if self.net_power_bounds_mw is not None:
            lo, hi = (float(x) for x in self.net_power_bounds_mw)
            if math.isnan(lo) or math.isnan(hi) or not lo <= 0.0 <= hi:
                raise ValueError(
                    "QSEEnvConfig.net_power_bounds_mw must be (lo, hi) MW with lo <= 0 <= hi, "
                    f"got {self.net_power_bounds_mw}"
                )
            object.__setattr__(self, "net_power_bounds_mw", (lo, hi))

    @property
    def offers_as(self) -> bool:
        """True under ``rtc_b``: the battery's action includes AS offers."""
        return self.market_design == RTC_B

    def max_charge_mw(self) -> float:
        """The most the battery can charge in an interval, MW (power rating within the corridor limit)."""
        p = self.battery.power_mw
        return p if self.net_power_bounds_mw is None else min(p, -self.net_power_bounds_mw[0])

    def renewable(self, agent: str) -> RenewableSpec:
        return {"solar": self.solar, "wind": self.wind}[agent]

    def capacity_mw(self, agent: str) -> float:
        return self.battery.power_mw if agent == "battery" else self.renewable(agent).capacity_mw

    def reward_scale_usd(self, agent: str) -> float:
        """Dollars per unit of reward of ``agent``."""
        return self.capacity_mw(agent) * self.dt_hours * REWARD_PRICE_SCALE_USD_PER_MWH

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (for registries)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True, eq=False)
class QSEDay:
    """One operating day of market data for the three QSEs, all arrays of one value per interval.

    Prices $/MWh: ``rt_price_usd_per_mwh`` (exogenous real-time LMP at the
    location), ``dam_price_usd_per_mwh`` (the DAM price of the interval's
    hour). Renewables as fractions of capacity (0..1): ``*_actual_frac`` the
    available output, ``*_forecast_frac`` the day-ahead forecast.
    ``state_features`` (optional, shape ``(n, len(STATE_FEATURE_NAMES))``):
    EnKF state and beliefs per interval, see :func:`state_features`.
    ``interval_start_utc`` (optional) the interval starts (UTC).
    ``as_prices_usd_per_mw_h`` (optional): AS product (``REGUP``, ``REGDN``,
    ``RRS``, ``ECRS``, ``NSPIN``) -> clearing price per interval, $/MW per hour
    (real-time MCPCs under RTC+B; needed by ``market_design="rtc_b"``);
    ``as_price_source`` says where they came from.
    """

    label: str
    rt_price_usd_per_mwh: np.ndarray
    dam_price_usd_per_mwh: np.ndarray
    solar_actual_frac: np.ndarray
    solar_forecast_frac: np.ndarray
    wind_actual_frac: np.ndarray
    wind_forecast_frac: np.ndarray
    state_features: np.ndarray | None = None
    interval_start_utc: pd.DatetimeIndex | None = None
    as_prices_usd_per_mw_h: Mapping[str, np.ndarray] | None = None
    as_price_source: str | None = None

    def __post_init__(self) -> None:
        rt = validate_prices(self.rt_price_usd_per_mwh, f"QSEDay {self.label}: rt_price_usd_per_mwh")
        n = rt.size
        object.__setattr__(self, "rt_price_usd_per_mwh", rt)
        dam = validate_prices(self.dam_price_usd_per_mwh, f"QSEDay {self.label}: dam_price_usd_per_mwh")
        if dam.size != n:
            raise PriceDataError(f"QSEDay {self.label}: dam_price_usd_per_mwh has {dam.size} intervals, rt has {n}")
        object.__setattr__(self, "dam_price_usd_per_mwh", dam)
        for name in ("solar_actual_frac", "solar_forecast_frac", "wind_actual_frac", "wind_forecast_frac"):
            arr = np.asarray(getattr(self, name), dtype=np.float64)
            if arr.shape != (n,):
                raise PriceDataError(f"QSEDay {self.label}: {name} has shape {arr.shape}, expected ({n},)")
            bad = np.flatnonzero(~(np.isfinite(arr) & (arr >= 0.0) & (arr <= 1.0)))
            if bad.size:
                raise PriceDataError(
                    f"QSEDay {self.label}: {name}[{bad[0]}] = {arr[bad[0]]!r} is not a fraction of capacity in [0, 1]"
                )
            object.__setattr__(self, name, arr)
        if self.state_features is not None:
            sf = np.asarray(self.state_features, dtype=np.float64)
            if sf.shape != (n, len(STATE_FEATURE_NAMES)) or not np.all(np.isfinite(sf)):
                raise PriceDataError(
                    f"QSEDay {self.label}: state_features must be finite with shape ({n}, {len(STATE_FEATURE_NAMES)}), "
                    f"got {sf.shape}"
                )
            object.__setattr__(self, "state_features", sf)
        if self.interval_start_utc is not None and len(self.interval_start_utc) != n:
            raise PriceDataError(
                f"QSEDay {self.label}: interval_start_utc has {len(self.interval_start_utc)} entries for {n}"
            )
        if self.as_prices_usd_per_mw_h is not None:
            given = {str(k).upper(): v for k, v in dict(self.as_prices_usd_per_mw_h).items()}
            unknown = sorted(set(given) - set(AS_DURATION_HOURS))
            if unknown:
                raise PriceDataError(
                    f"QSEDay {self.label}: as_prices_usd_per_mw_h has unknown product {unknown[0]!r} "
                    f"(known: {', '.join(AS_DURATION_HOURS)})"
                )
            prices: dict[str, np.ndarray] = {}
            for product in (k for k in AS_DURATION_HOURS if k in given):
                arr = np.asarray(given[product], dtype=np.float64)
                if arr.shape != (n,):
                    raise PriceDataError(
                        f"QSEDay {self.label}: as_prices_usd_per_mw_h[{product}] has shape {arr.shape}, expected ({n},)"
                    )
                bad = np.flatnonzero(~np.isfinite(arr))
                if bad.size:
                    raise PriceDataError(
                        f"QSEDay {self.label}: as_prices_usd_per_mw_h[{product}][{bad[0]}] = {arr[bad[0]]!r} "
                        "is not a finite $/MW-h price"
                    )
                prices[product] = arr
            object.__setattr__(self, "as_prices_usd_per_mw_h", prices)

    @property
    def n_intervals(self) -> int:
        return int(self.rt_price_usd_per_mwh.size)

    def actual_frac(self, agent: str) -> np.ndarray:
        return {"solar": self.solar_actual_frac, "wind": self.wind_actual_frac}[agent]

    def forecast_frac(self, agent: str) -> np.ndarray:
        return {"solar": self.solar_forecast_frac, "wind": self.wind_forecast_frac}[agent]

    def arrays(self) -> dict[str, np.ndarray]:
        """The day's numeric arrays by name (for hashing)."""
        out = {
            name: getattr(self, name)
            for name in (
                "rt_price_usd_per_mwh",
                "dam_price_usd_per_mwh",
                "solar_actual_frac",
                "solar_forecast_frac",
                "wind_actual_frac",
                "wind_forecast_frac",
            )
        }
        if self.state_features is not None:
            out["state_features"] = self.state_features
        for product, arr in (self.as_prices_usd_per_mw_h or {}).items():
            out[f"as_price_{product}_usd_per_mw_h"] = arr
        return out


def state_features(
    enkf_mean_usd_per_mwh: np.ndarray,
    enkf_spread_usd_per_mwh: np.ndarray,
    beliefs: Mapping[str, float | np.ndarray] | None = None,
) -> np.ndarray:
    """The ``state_features`` matrix of a :class:`QSEDay`, shape ``(n, len(STATE_FEATURE_NAMES))``.

    ``enkf_mean_usd_per_mwh`` and ``enkf_spread_usd_per_mwh`` are the EnKF
    filtered mean and spread at the location per interval ($/MWh; from
    ``artifacts/states/<day>/filtered.parquet``), transformed by
    ``asinh(x / 50)``. The filtered state of interval ``t`` uses observations
    up to ``t``, the same information as the price features of interval ``t``.

    ``beliefs`` maps ``p_high_price``, ``p_imbalance``, ``p_congestion`` to a
    probability for the whole day or an array of one probability per interval
    (e.g. :func:`interval_beliefs` of the beliefs stated the day before);
    missing keys are 0. ``has_beliefs`` is 1 when ``beliefs`` is given, else 0
    and every probability is 0. Raises :class:`PriceDataError` naming the key
    (and interval) of a value that is not a probability or has the wrong shape.
    """
    mean = np.asarray(enkf_mean_usd_per_mwh, dtype=np.float64)
    spread = np.asarray(enkf_spread_usd_per_mwh, dtype=np.float64)
    if mean.ndim != 1 or spread.shape != mean.shape:
        raise PriceDataError(f"state_features: EnKF mean {mean.shape} and spread {spread.shape} must be equal 1-D")
    n = mean.size
    given = dict(beliefs) if beliefs is not None else None
    unknown = sorted(set(given or {}) - set(BELIEF_EVENT_COLUMNS))
    if unknown:
        known = ", ".join(BELIEF_EVENT_COLUMNS)
        raise PriceDataError(f"state_features: unknown belief {unknown[0]!r} (known: {known})")
    probs = []
    for key in BELIEF_EVENT_COLUMNS:
        p = np.asarray((given or {}).get(key, 0.0), dtype=np.float64)
        p = np.full(n, float(p)) if p.ndim == 0 else p
        if p.shape != (n,):
            raise PriceDataError(f"state_features: belief {key} has shape {p.shape}, expected ({n},) or a scalar")
        bad = np.flatnonzero(~((p >= 0.0) & (p <= 1.0)))
        if bad.size:
            raise PriceDataError(f"state_features: belief {key}[{bad[0]}] = {p[bad[0]]!r} is not a probability")
        probs.append(p)
    s = STATE_PRICE_SCALE_USD_PER_MWH
    has = np.full(n, 0.0 if given is None else 1.0)
    return np.column_stack([np.arcsinh(mean / s), np.arcsinh(spread / s), has, *probs])


def interval_beliefs(hourly: pd.DataFrame, interval_start_utc: pd.DatetimeIndex) -> dict[str, np.ndarray] | None:
    """Per-hour belief probabilities held over the 5-minute intervals of the hour.

    ``hourly``: the beliefs stage's ``hourly.parquet`` (index ``hour_start_utc``,
    timezone-aware, or a column of that name; event columns ``high_price``,
    ``imbalance``, ``congestion``: P(event in at least one interval of the
    hour)). Returns ``{"p_high_price": array, ...}`` aligned to
    ``interval_start_utc``, or ``None`` when the table does not cover every
    interval's hour (beliefs stated for another day). Raises
    :class:`PriceDataError` naming the column and hour of a value outside [0, 1].
    """
    table = hourly.set_index("hour_start_utc") if "hour_start_utc" in hourly.columns else hourly
    index = table.index
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
        raise PriceDataError("interval_beliefs: hourly beliefs must be indexed by timezone-aware hour_start_utc")
    missing = [c for c in BELIEF_EVENT_COLUMNS.values() if c not in table.columns]
    if missing:
        raise PriceDataError(f"interval_beliefs: hourly beliefs lack column(s) {', '.join(missing)}")
    table = table.copy()
    table.index = index.tz_convert("UTC")
    hours = pd.DatetimeIndex(interval_start_utc).tz_convert("UTC").floor("h")
    out: dict[str, np.ndarray] = {}
    for key, column in BELIEF_EVENT_COLUMNS.items():
        values = table[column].astype(float)
        bad = values[~((values >= 0.0) & (values <= 1.0))]
        if len(bad):
            raise PriceDataError(
                f"interval_beliefs: {column} at hour {bad.index[0].isoformat()} is {bad.iloc[0]!r}, not a probability"
            )
        aligned = values[~values.index.duplicated(keep="last")].reindex(hours).to_numpy(dtype=np.float64)
        if np.isnan(aligned).any():
            return None
        out[key] = aligned
    return out


def renewable_forecast(actual_frac: np.ndarray, rng: np.random.Generator, intervals_per_hour: int = 12) -> np.ndarray:
    """A day-ahead forecast of a renewable profile: hourly means of ``actual_frac`` with errors.

    A day-level multiplicative bias (lognormal, sd 0.12) and an hourly
    multiplicative error (sd 0.08) model forecast error; result clipped to [0, 1].
    """
    a = np.asarray(actual_frac, dtype=np.float64)
    n = a.size
    hours = np.arange(n) // intervals_per_hour
    n_h = int(hours[-1]) + 1 if n else 0
    hourly = np.bincount(hours, weights=a, minlength=n_h) / np.maximum(np.bincount(hours, minlength=n_h), 1)
    bias = math.exp(rng.normal(0.0, 0.12))
    err = np.exp(rng.normal(0.0, 0.08, n_h))
    return np.clip(hourly[hours] * bias * err[hours], 0.0, 1.0)


def synthetic_qse_day(day: dt.date | str, seed: int, location: str = "HB_WEST", n_resource_nodes: int = 2) -> QSEDay:
    """A :class:`QSEDay` from the synthetic market (:mod:`hayeknet.ercot.synthetic`), deterministic in its arguments.

    RT price: the 5-minute LMP at ``location``; DAM: that location's DAM
    price of the hour; AS prices: the synthetic real-time MCPCs (15-minute,
    held over their three 5-minute intervals); solar and wind: the system
    profiles that drive the synthetic prices, with forecasts from
    :func:`renewable_forecast`.
    """
    from hayeknet.ercot.calendar import as_date
    from hayeknet.ercot.locations import default_catalogue
    from hayeknet.ercot.reports import AS_TYPES
    from hayeknet.ercot.synthetic import synthetic_prices, synthetic_renewables

    d = as_date(day)
    synth = synthetic_prices(d, default_catalogue(n_resource_nodes), seed)
    if location not in synth.names:
        raise PriceDataError(f"synthetic_qse_day: location {location!r} not in the synthetic catalogue")
    j = synth.names.index(location)
    rt = np.asarray(synth.lmp[:, j], dtype=float)
    n = rt.size
    dam = np.repeat(np.asarray(synth.dam[:, j], dtype=float), n // synth.dam.shape[0])
    as_rt = np.asarray(synth.as_rt, dtype=float)
    as_prices = {a: np.repeat(as_rt[:, k], n // as_rt.shape[0]) for k, a in enumerate(AS_TYPES)}
    ren = synthetic_renewables(d, seed)
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, d.toordinal(), 55])
    solar = ren["solar_frac"].to_numpy()
    wind = ren["wind_frac"].to_numpy()
    return QSEDay(
        label=d.isoformat(),
        rt_price_usd_per_mwh=rt,
        dam_price_usd_per_mwh=dam,
        solar_actual_frac=solar,
        solar_forecast_frac=renewable_forecast(solar, rng),
        wind_actual_frac=wind,
        wind_forecast_frac=renewable_forecast(wind, rng),
        interval_start_utc=synth.starts_5min,
        as_prices_usd_per_mw_h=as_prices,
        as_price_source="synthetic real-time MCPC",
    )


def qse_day_from_prices(
    day: dt.date | str,
    rt_prices: pd.Series,
    dam_prices: pd.Series,
    seed: int,
    state: np.ndarray | None = None,
    as_prices: pd.DataFrame | Mapping[str, pd.Series] | None = None,
    as_price_period: str = "15min",
    as_price_source: str | None = None,
) -> QSEDay:
    """A :class:`QSEDay` from archived prices (real or synthetic) at the battery's location.

    ``rt_prices``: 5-minute RT LMPs, $/MWh, indexed by ``interval_start_utc``
    (the day's grid); ``dam_prices``: hourly DAM prices, $/MWh, indexed by the
    hour's UTC start. Each interval gets the DAM price of its hour. The solar
    and wind profiles are the synthetic system profiles of the day
    (:func:`hayeknet.ercot.synthetic.synthetic_renewables` with ``seed``;
    the archive holds no renewable output yet) with forecasts from
    :func:`renewable_forecast`. ``state``: optional :func:`state_features` matrix.
    ``as_prices``: optional AS clearing prices ($/MW per hour), one column
    (or Series) per product indexed by the UTC start of its period
    ``as_price_period`` (``"15min"`` for real-time MCPCs, ``"h"`` for DAM
    MCPCs), held over the period's 5-minute intervals; ``as_price_source``
    labels them (e.g. ``"RT MCPC"``).
    """
    from hayeknet.ercot.calendar import as_date
    from hayeknet.ercot.synthetic import synthetic_renewables

    d = as_date(day)
    idx = rt_prices.index
    if not isinstance(idx, pd.DatetimeIndex) or idx.tz is None:
        raise PriceDataError(f"qse_day_from_prices {d}: rt_prices must be indexed by timezone-aware interval starts")
    idx = idx.tz_convert("UTC")
    dam = dam_prices.copy()
    dam.index = pd.DatetimeIndex(dam.index).tz_convert("UTC")
    dam_5 = dam.reindex(idx.floor("h"))
    missing = np.flatnonzero(dam_5.isna().to_numpy())
    if missing.size:
        raise PriceDataError(f"qse_day_from_prices {d}: no DAM price for the hour of interval {idx[missing[0]]}")
    ren = synthetic_renewables(d, seed)
    ren.index = ren.index.tz_convert("UTC")
    ren = ren.reindex(idx)
    if ren.isna().any().any():
        raise PriceDataError(f"qse_day_from_prices {d}: rt_prices index is not the 5-minute grid of the day")
    aligned_as = None
    if as_prices is not None:
        from hayeknet.battery.market_designs import MarketDataError, align_to_intervals

        items = as_prices.items() if isinstance(as_prices, pd.DataFrame) else dict(as_prices).items()
        aligned_as = {}
        for product, series in items:
            series = series.astype(float)
            series.index = pd.DatetimeIndex(series.index).tz_convert("UTC")
            try:
                aligned_as[str(product).upper()] = align_to_intervals(
                    f"qse_day_from_prices {d}: AS price {product}", series, idx, as_price_period
                )
            except MarketDataError as exc:
                raise PriceDataError(str(exc)) from None
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, d.toordinal(), 55])
    solar = ren["solar_frac"].to_numpy()
    wind = ren["wind_frac"].to_numpy()
    return QSEDay(
        label=d.isoformat(),
        rt_price_usd_per_mwh=rt_prices.to_numpy(dtype=float),
        dam_price_usd_per_mwh=dam_5.to_numpy(dtype=float),
        solar_actual_frac=solar,
        solar_forecast_frac=renewable_forecast(solar, rng),
        wind_actual_frac=wind,
        wind_forecast_frac=renewable_forecast(wind, rng),
        state_features=state,
        interval_start_utc=idx,
        as_prices_usd_per_mw_h=aligned_as,
        as_price_source=as_price_source if aligned_as is not None else None,
    )


def synthetic_qse_days(first_day: dt.date | str, n_days: int, seed: int, location: str = "HB_WEST") -> list[QSEDay]:
    """``n_days`` consecutive synthetic days from ``first_day``."""
    from hayeknet.ercot.calendar import as_date

    d0 = as_date(first_day)
    return [synthetic_qse_day(d0 + dt.timedelta(days=i), seed, location) for i in range(n_days)]


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
    as_obs: np.ndarray | None = None  # rtc_b: (n, n_products) float32 asinh(price / AS_PRICE_SCALE)


_LAST_IMPACT_COL = COMMON_FEATURE_NAMES.index("last_impact_z")


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
        self.bounds = (-math.inf, math.inf) if net_power_bounds_mw is None else tuple(net_power_bounds_mw)
        self._ldp = least_distance_point
        s0, f0 = spec.soc_min_mwh, spec.soc_min_mwh + 1.0

        def halves(soc: float, floor: float) -> dict[str, tuple[np.ndarray, np.ndarray]]:
            return {
                side: half_constraints(side, self.products, soc, spec, dt_hours, self.bounds, floor)
                for side in self.SIDES
            }

        base, ds, df = halves(s0, f0), halves(s0 + 1.0, f0), halves(s0, f0 + 1.0)
        self._g = {side: base[side][0] for side in self.SIDES}
        self._h0 = {side: base[side][1] - s0 * (ds[side][1] - base[side][1]) - f0 * (df[side][1] - base[side][1])
                    for side in self.SIDES}
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

    metadata = {"name": "hayeknet_qse_v1", "render_modes": []}
    possible_agents: tuple[str, ...] = AGENTS

    def __init__(
        self,
        days: Sequence[QSEDay],
        config: QSEEnvConfig | None = None,
        seed: int | None = None,
        reference_prices: Sequence[np.ndarray | None] | None = None,
    ) -> None:
        if len(days) == 0:
            raise PriceDataError("ParallelQSEEnv: no days given")
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
        self._battery_levels = np.asarray(cfg.battery_levels, dtype=np.float64) * cfg.battery.power_mw
        self._hedge_levels = np.asarray(cfg.hedge_levels, dtype=np.float64)
        self._curtail_levels = np.asarray(cfg.curtail_levels, dtype=np.float64)
        self._as_levels = np.asarray(cfg.as_levels, dtype=np.float64) * cfg.battery.power_mw
        battery_space: spaces.Space = (
            spaces.MultiDiscrete([len(cfg.battery_levels)] + [len(cfg.as_levels)] * len(cfg.as_products))
            if cfg.offers_as
            else spaces.Discrete(len(cfg.battery_levels))
        )
        self._action_spaces: dict[str, spaces.Space] = {
            "battery": battery_space,
            **{
                a: spaces.MultiDiscrete([len(cfg.hedge_levels), len(cfg.curtail_levels)])
                for a in RENEWABLE_AGENTS
            },
        }
        self._observation_spaces: dict[str, spaces.Box] = {
            a: spaces.Box(-Z_CLIP, Z_CLIP, shape=(len(observation_names(a, cfg)),), dtype=np.float32)
            for a in AGENTS
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

    def spawn(self, seed: int | None = None) -> "ParallelQSEEnv":
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
            reference = validate_prices(reference, f"reference prices of {day.label}")
        pf = price_features(day.rt_price_usd_per_mwh, cfg.dt_hours, reference)
        dam = day.dam_price_usd_per_mwh
        q25, q50, q75 = np.percentile(dam, [25.0, 50.0, 75.0])
        center, scale = float(q50), max(float(q75 - q25), SCALE_FLOOR_USD_PER_MWH)
        clip = lambda x: np.clip(x, -Z_CLIP, Z_CLIP)  # noqa: E731
        has_state = np.full(n, 0.0 if day.state_features is None else 1.0)
        sf = np.zeros((n, len(STATE_FEATURE_NAMES))) if day.state_features is None else day.state_features
        common = np.column_stack(
            [
                np.sin(angle),
                np.cos(angle),
                t / n,
                pf,
                clip((dam - center) / scale),
                clip((day.rt_price_usd_per_mwh - dam) / scale),
                np.zeros(n),  # last_impact_z, filled at step time
                has_state,
                clip(sf),
            ]
        ).astype(np.float32)
        forecast_mw = {a: day.forecast_frac(a) * cfg.renewable(a).capacity_mw for a in RENEWABLE_AGENTS}
        actual_mw = {a: day.actual_frac(a) * cfg.renewable(a).capacity_mw for a in RENEWABLE_AGENTS}
        own_static = {}
        for a in RENEWABLE_AGENTS:
            f = day.forecast_frac(a)
            weighted = float(np.sum(f * dam) / np.sum(f)) if np.sum(f) > 0 else center
            own_static[a] = (float(np.mean(f)), float(np.clip((weighted - center) / scale, -Z_CLIP, Z_CLIP)))
        as_prices = as_obs = None
        if cfg.offers_as:
            given = day.as_prices_usd_per_mw_h or {}
            as_prices = np.column_stack([given[k] for k in cfg.as_products])
            as_obs = clip(np.arcsinh(as_prices / AS_PRICE_SCALE_USD_PER_MW_H)).astype(np.float32)
        return _DayCache(day, common, center, scale, forecast_mw, actual_mw, own_static, as_prices, as_obs)

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
        for a in RENEWABLE_AGENTS:
            day_mean, weighted_z = c.own_static[a]
            own = np.array(
                [
                    c.day.forecast_frac(a)[t],
                    c.day.actual_frac(a)[t],
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
        self.agents = list(AGENTS)
        label = self.days[d].label
        infos = {a: {"day_index": d, "day_label": label} for a in AGENTS}
        infos["battery"]["soc_mwh"] = self._soc
        return self._observations(), infos

    def action_to_request(self, agent: str, action: Any) -> float | tuple[float, float] | BatteryAction:
        """Physical request of a discrete action: battery net MW (under ``rtc_b`` a
        :class:`~hayeknet.constraints.rules.BatteryAction`: net MW and AS offers, MW);
        renewables ``(hedge_frac, curtail_frac)``."""
        if agent == "battery":
            if self.config.offers_as:
                arr = np.asarray(action).reshape(-1)
                k = len(self.config.as_products)
                in_range = arr.size == 1 + k and 0 <= arr[0] < self._battery_levels.size
                if not (in_range and np.all((arr[1:] >= 0) & (arr[1:] < self._as_levels.size))):
                    raise ValueError(f"battery action {action!r} outside {self._action_spaces['battery']}")
                offers = {p: float(self._as_levels[int(i)]) for p, i in zip(self.config.as_products, arr[1:])}
                return BatteryAction(float(self._battery_levels[int(arr[0])]), offers)
            a = int(action)
            if not 0 <= a < self._battery_levels.size:
                raise ValueError(f"battery action {action!r} outside Discrete({self._battery_levels.size})")
            return float(self._battery_levels[a])
        arr = np.asarray(action).reshape(-1)
        if arr.size != 2 or not (0 <= arr[0] < self._hedge_levels.size and 0 <= arr[1] < self._curtail_levels.size):
            raise ValueError(f"{agent} action {action!r} outside {self._action_spaces[agent]}")
        return float(self._hedge_levels[int(arr[0])]), float(self._curtail_levels[int(arr[1])])

    def step(
        self, actions: Mapping[str, Any]
    ) -> tuple[
        dict[str, np.ndarray], dict[str, float], dict[str, bool], dict[str, bool], dict[str, dict[str, Any]]
    ]:
        """Apply one discrete action per agent (all three are required)."""
        if not self.agents:
            raise RuntimeError("step() called after the episode ended; call reset()")
        missing = [a for a in AGENTS if a not in actions]
        if missing:
            raise ValueError(f"step() needs an action for every agent; missing {missing}")
        return self.step_requests({a: self.action_to_request(a, actions[a]) for a in AGENTS})

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

    def _battery_request(self, request: Any) -> tuple[float, dict[str, float]]:
        """``(net_mw, offers_mw)`` of a battery request: net MW, a ``BatteryAction`` or ``(net_mw, offers)``."""
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
    ) -> tuple[
        dict[str, np.ndarray], dict[str, float], dict[str, bool], dict[str, bool], dict[str, dict[str, Any]]
    ]:
        """Apply physical requests: ``battery`` net MW (+ discharges); renewables ``(hedge_frac, curtail_frac)``."""
        if not self.agents:
            raise RuntimeError("step() called after the episode ended; call reset()")
        cfg, dt_h = self.config, self.config.dt_hours
        c = self._cache[self._d]
        day = c.day
        n = day.n_intervals
        t = self._t
        requested_net, offers = self._battery_request(requests["battery"])
        charge, discharge, awards = self._battery_dispatch(requested_net, offers, n)
        deviation = discharge - charge
        ren: dict[str, dict[str, float]] = {}
        for a in RENEWABLE_AGENTS:
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
            deviation += delivered - forecast
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
        for a in RENEWABLE_AGENTS:
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
        for a in AGENTS:
            self._profit[a] += profits[a]
            if done:
                infos[a]["episode_profit_usd"] = self._profit[a]
        rewards = {a: profits[a] / self._scales[a] for a in AGENTS}
        if cfg.battery_shaping:
            # potential-based shaping (module docstring): stored energy valued at the day's DAM median
            value = c.dam_center * s.discharge_efficiency
            shaping = (0.0 if done else value * self._soc) - value * soc_start
            infos["battery"]["shaping_usd"] = shaping
            rewards["battery"] = (profits["battery"] + shaping) / self._scales["battery"]
        obs = self._observations()
        terminations = {a: done for a in AGENTS}
        truncations = {a: False for a in AGENTS}
        if done:
            self.agents = []
        return obs, rewards, terminations, truncations, infos


#: A policy maps an agent's observation to a discrete action (int, or an array for MultiDiscrete).
Policy = Callable[[np.ndarray], Any]


def default_action(env: ParallelQSEEnv, agent: str) -> Any:
    """The "do nothing special" action: battery idle (offering no AS); renewables hedge 100% of
    forecast, never curtail."""
    cfg = env.config
    if agent == "battery":
        idle = int(np.argmin(np.abs(np.asarray(cfg.battery_levels))))
        if cfg.offers_as:
            no_offer = int(np.argmin(cfg.as_levels))
            return np.array([idle] + [no_offer] * len(cfg.as_products), dtype=np.int64)
        return idle
    return np.array(
        [int(np.argmax(cfg.hedge_levels)), int(np.argmin(cfg.curtail_levels))],
        dtype=np.int64,
    )


class SingleAgentView(gym.Env[np.ndarray, Any]):
    """Gymnasium view of one agent of a :class:`ParallelQSEEnv`, the others following fixed policies.

    ``other_policies`` maps each other agent to a :data:`Policy` (or ``None``
    for :func:`default_action`); missing agents also get the default. The
    view's reward, observation and info are the agent's own. ``seed`` seeds
    the first :meth:`reset` that passes none (day sampling). With
    ``compact_info`` the per-step info holds only ``day_label`` (and
    ``episode_profit_usd`` at the end of the day), which keeps vectorized
    training fast (``DummyVecEnv`` deep-copies every info).
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        env: ParallelQSEEnv,
        agent: str,
        other_policies: Mapping[str, Policy | None] | None = None,
        seed: int | None = None,
        compact_info: bool = False,
    ) -> None:
        super().__init__()
        if agent not in AGENTS:
            raise ValueError(f"unknown agent {agent!r}; agents are {AGENTS}")
        self.env = env
        self.agent = agent
        others = dict(other_policies or {})
        self._others = {a: others.get(a) for a in AGENTS if a != agent}
        self._defaults = {a: default_action(env, a) for a in self._others}
        self.observation_space = env.observation_space(agent)
        self.action_space = env.action_space(agent)
        self._seed = seed
        self.compact_info = compact_info
        self._obs: dict[str, np.ndarray] = {}

    def set_other_policies(self, other_policies: Mapping[str, Policy | None]) -> None:
        """Replace the fixed policies of the other agents (iterated best response)."""
        for a in self._others:
            self._others[a] = other_policies.get(a)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        if seed is None and self._seed is not None:
            seed, self._seed = self._seed, None
        super().reset(seed=seed)
        if not (options and "day_index" in options):
            # the day is drawn from this view's generator (seeded through gymnasium / SB3)
            options = {**(options or {}), "day_index": int(self.np_random.integers(self.env.n_days))}
        self._obs, infos = self.env.reset(options=options)
        return self._obs[self.agent], infos[self.agent]

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        actions = {self.agent: action}
        for a, policy in self._others.items():
            actions[a] = self._defaults[a] if policy is None else policy(self._obs[a])
        self._obs, rewards, terms, truncs, infos = self.env.step(actions)
        me = self.agent
        info = infos[me]
        if self.compact_info:
            info = {k: info[k] for k in ("day_label", "episode_profit_usd") if k in info}
        return self._obs[me], float(rewards[me]), bool(terms[me]), bool(truncs[me]), info
