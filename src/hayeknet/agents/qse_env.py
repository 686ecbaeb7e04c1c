"""Three QSEs at one settlement point: a parallel multi-agent environment (issue 5).

Agents (:data:`AGENTS`), one operating day per episode, one step per interval
(5-minute SCED, ``dt_hours = 1/12``):

* ``battery``: the study battery (DESIGN section 5, 100 MW / 400 MWh). Action:
  one of a few discrete power levels (fractions of ``power_mw``; negative
  charges). The request is clipped to the feasible range that also keeps the
  terminal SOC >= the initial SOC reachable (as in
  :class:`~hayeknet.agents.battery_env.BatteryTradingEnv`), then passed
  through the constraint validator's projection
  (:func:`hayeknet.constraints.projection.project_net_power`, via
  :func:`hayeknet.agents.battery_env.project_power`) before it is applied.
* ``solar`` (200 MW) and ``wind`` (150 MW): action ``(hedge, curtail)`` indices
  into :attr:`QSEEnvConfig.hedge_levels` and :attr:`QSEEnvConfig.curtail_levels`.
  The hedge fraction ``h`` is chosen at the first step of the day (later
  values are ignored): the plant sells ``q_da[t] = h * forecast_mw[t]`` at the
  day-ahead price. Each interval it curtails a fraction ``c`` of its available
  output.

Settlement of interval ``t`` (dollars; ``dt`` hours; ``p[t]`` the local price
of :mod:`hayeknet.agents.market`, which depends on all three agents' injections)::

    battery:   cash = p[t] * (discharge - charge) * dt
               degradation = degradation_usd_per_mwh * (charge + discharge) * dt
               profit = cash - degradation
    renewable: delivered = actual_mw[t] * (1 - c)
               da_cash = q_da[t] * dam[t] * dt
               rt_cash = (delivered - q_da[t]) * p[t] * dt          (imbalance settled at RT)
               imbalance_charge = imbalance_charge_usd_per_mwh * |delivered - q_da[t]| * dt
               profit = da_cash + rt_cash - imbalance_charge

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
real-time price (:mod:`hayeknet.agents.features`, previous day as reference),
the day-ahead price, the last interval's price impact, the EnKF state and
beliefs (:data:`STATE_FEATURE_NAMES`, zeros and ``has_state = 0`` when not
given), then the agent's own state (SOC for the battery; forecast, actual
output and hedge for the renewables).

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
from hayeknet.battery.ledger import next_soc_mwh
from hayeknet.battery.spec import BatterySpec

AGENTS: tuple[str, ...] = ("battery", "solar", "wind")
RENEWABLE_AGENTS: tuple[str, ...] = ("solar", "wind")
#: Price of the reward unit, $/MWh (full capacity for one interval at this price is reward 1).
REWARD_PRICE_SCALE_USD_PER_MWH = 100.0
#: Bumped whenever an observation layout changes (recorded in and checked against registries).
QSE_OBSERVATION_VERSION = 1
#: Hedge fractions of the forecast sold day-ahead, and curtailment fractions of available output.
HEDGE_LEVELS: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)
CURTAIL_LEVELS: tuple[float, ...] = (0.0, 0.5, 1.0)
#: Scale of the asinh transform of the EnKF mean and spread, $/MWh.
STATE_PRICE_SCALE_USD_PER_MWH = 50.0

STATE_FEATURE_NAMES: tuple[str, ...] = (
    "enkf_mean_asinh",  # asinh(EnKF filtered mean / 50 $/MWh)
    "enkf_spread_asinh",  # asinh(EnKF ensemble spread / 50 $/MWh)
    "p_high_price",  # beliefs: probabilities in [0, 1]
    "p_imbalance",
    "p_congestion",
)
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


def observation_names(agent: str) -> tuple[str, ...]:
    """Names of the entries of ``agent``'s observation vector, in order."""
    return COMMON_FEATURE_NAMES + OWN_FEATURE_NAMES[agent]


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
    """Everything about the three-QSE market that is not the day's data (recorded in registries)."""

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

    def __post_init__(self) -> None:
        if not self.dt_hours > 0:
            raise ValueError(f"QSEEnvConfig.dt_hours must be > 0, got {self.dt_hours}")
        for name in ("battery_levels", "hedge_levels", "curtail_levels"):
            levels = getattr(self, name)
            lo = -1.0 if name == "battery_levels" else 0.0
            if len(levels) < 2 or any(not lo <= x <= 1.0 for x in levels):
                raise ValueError(f"QSEEnvConfig.{name} needs >= 2 levels within [{lo:g}, 1], got {levels}")

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
        return out


def state_features(
    enkf_mean_usd_per_mwh: np.ndarray,
    enkf_spread_usd_per_mwh: np.ndarray,
    beliefs: Mapping[str, float] | None = None,
) -> np.ndarray:
    """The ``state_features`` matrix of a :class:`QSEDay`, shape ``(n, 5)``.

    ``enkf_mean_usd_per_mwh`` and ``enkf_spread_usd_per_mwh`` are the EnKF
    filtered mean and spread at the location per interval ($/MWh; from
    ``artifacts/states/<day>/filtered.parquet``), transformed by
    ``asinh(x / 50)``. ``beliefs`` maps ``p_high_price``, ``p_imbalance``,
    ``p_congestion`` to probabilities (missing keys are 0). The filtered state
    of interval ``t`` uses observations up to ``t``, the same information as
    the price features of interval ``t``.
    """
    mean = np.asarray(enkf_mean_usd_per_mwh, dtype=np.float64)
    spread = np.asarray(enkf_spread_usd_per_mwh, dtype=np.float64)
    if mean.ndim != 1 or spread.shape != mean.shape:
        raise PriceDataError(f"state_features: EnKF mean {mean.shape} and spread {spread.shape} must be equal 1-D")
    beliefs = dict(beliefs or {})
    probs = []
    for key in STATE_FEATURE_NAMES[2:]:
        p = float(beliefs.get(key, 0.0))
        if not 0.0 <= p <= 1.0:
            raise PriceDataError(f"state_features: belief {key} = {p!r} is not a probability")
        probs.append(p)
    s = STATE_PRICE_SCALE_USD_PER_MWH
    return np.column_stack(
        [np.arcsinh(mean / s), np.arcsinh(spread / s), *(np.full(mean.size, p) for p in probs)]
    )


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
    price of the hour; solar and wind: the system profiles that drive the
    synthetic prices, with forecasts from :func:`renewable_forecast`.
    """
    from hayeknet.ercot.calendar import as_date
    from hayeknet.ercot.locations import default_catalogue
    from hayeknet.ercot.synthetic import synthetic_prices, synthetic_renewables

    d = as_date(day)
    synth = synthetic_prices(d, default_catalogue(n_resource_nodes), seed)
    if location not in synth.names:
        raise PriceDataError(f"synthetic_qse_day: location {location!r} not in the synthetic catalogue")
    j = synth.names.index(location)
    rt = np.asarray(synth.lmp[:, j], dtype=float)
    n = rt.size
    dam = np.repeat(np.asarray(synth.dam[:, j], dtype=float), n // synth.dam.shape[0])
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
    )


def qse_day_from_prices(
    day: dt.date | str,
    rt_prices: pd.Series,
    dam_prices: pd.Series,
    seed: int,
    state: np.ndarray | None = None,
) -> QSEDay:
    """A :class:`QSEDay` from archived prices (real or synthetic) at the battery's location.

    ``rt_prices``: 5-minute RT LMPs, $/MWh, indexed by ``interval_start_utc``
    (the day's grid); ``dam_prices``: hourly DAM prices, $/MWh, indexed by the
    hour's UTC start. Each interval gets the DAM price of its hour. The solar
    and wind profiles are the synthetic system profiles of the day
    (:func:`hayeknet.ercot.synthetic.synthetic_renewables` with ``seed``;
    the archive holds no renewable output yet) with forecasts from
    :func:`renewable_forecast`. ``state``: optional :func:`state_features` matrix.
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


_LAST_IMPACT_COL = COMMON_FEATURE_NAMES.index("last_impact_z")


class ParallelQSEEnv:
    """Three QSEs, one day per episode; PettingZoo ``ParallelEnv``-shaped (see the module docstring).

    ``days`` are the episodes' data; ``reference_prices`` (parallel to
    ``days``) the previous day's RT prices per day for features, default: the
    previous entry of ``days`` (none for the first). ``reset(options={"day_index": i})``
    plays day ``i``, otherwise a day is drawn from the seeded generator.

    Besides ``step`` (discrete actions), :meth:`step_requests` takes physical
    requests (battery net MW; renewables ``(hedge_frac, curtail_frac)``), which
    is how heuristics are evaluated through the same projection and settlement.
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
        refs = (
            list(reference_prices)
            if reference_prices is not None
            else [None, *(d.rt_price_usd_per_mwh for d in self.days[:-1])]
        )
        self._cache = [self._precompute(d, r) for d, r in zip(self.days, refs, strict=True)]
        self._battery_levels = np.asarray(cfg.battery_levels, dtype=np.float64) * cfg.battery.power_mw
        self._hedge_levels = np.asarray(cfg.hedge_levels, dtype=np.float64)
        self._curtail_levels = np.asarray(cfg.curtail_levels, dtype=np.float64)
        self._action_spaces: dict[str, spaces.Space] = {
            "battery": spaces.Discrete(len(cfg.battery_levels)),
            **{
                a: spaces.MultiDiscrete([len(cfg.hedge_levels), len(cfg.curtail_levels)])
                for a in RENEWABLE_AGENTS
            },
        }
        self._observation_spaces: dict[str, spaces.Box] = {
            a: spaces.Box(-Z_CLIP, Z_CLIP, shape=(len(observation_names(a)),), dtype=np.float32) for a in AGENTS
        }
        self._scales = {a: cfg.reward_scale_usd(a) for a in AGENTS}
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
        return _DayCache(day, common, center, scale, forecast_mw, actual_mw, own_static)

    # ------------------------------------------------------------------ observations
    def _min_soc_after(self, t: int, n: int) -> float:
        if not self.config.enforce_terminal_soc:
            return -math.inf
        s = self.config.battery
        return s.soc_initial_mwh - (n - t - 1) * s.power_mw * s.charge_efficiency * self.config.dt_hours

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
            deficit_h = max(s.soc_initial_mwh - self._soc, 0.0) / (s.power_mw * s.charge_efficiency)
            left_h = (n - self._t) * dt_h
            pressure = min(deficit_h / left_h, 1.0) if left_h > 0 else float(deficit_h > 0)
        obs = {"battery": np.concatenate([common, np.array([soc_frac, pressure], dtype=np.float32)])}
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

    def action_to_request(self, agent: str, action: Any) -> float | tuple[float, float]:
        """Physical request of a discrete action: battery net MW; renewables ``(hedge_frac, curtail_frac)``."""
        if agent == "battery":
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

    def _battery_power(self, requested_net_mw: float, n: int) -> tuple[float, float]:
        """Feasible (charge_mw, discharge_mw) through the constraint validator's projection
        (:func:`hayeknet.agents.battery_env.project_power`), end-of-day SOC floor included."""
        s, dt_h = self.config.battery, self.config.dt_hours
        return project_power(float(requested_net_mw), self._soc, s, dt_h, self._min_soc_after(self._t, n))

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
        charge, discharge = self._battery_power(float(requests["battery"]), n)
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
        profits = {"battery": cash - degradation}
        infos: dict[str, dict[str, Any]] = {
            "battery": {
                **common_info,
                "requested_mw": float(requests["battery"]),
                "charge_mw": charge,
                "discharge_mw": discharge,
                "soc_start_mwh": soc_start,
                "soc_mwh": self._soc,
                "cash_usd": cash,
                "degradation_usd": degradation,
                "profit_usd": cash - degradation,
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
    """The "do nothing special" action: battery idle; renewables hedge 100% of forecast, never curtail."""
    cfg = env.config
    if agent == "battery":
        levels = np.asarray(cfg.battery_levels)
        return int(np.argmin(np.abs(levels)))
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
