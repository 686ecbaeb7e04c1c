"""The three-QSE market's configuration (issue 5): agents, constants, observation layout, :class:`QSEEnvConfig`.

Observations (float32, one vector per agent, names in
:func:`observation_names`), all of them published before the interval they
decide (ADR 0017): time features; the features of the exogenous real-time
price of :mod:`hayeknet.agents.features` (lagged prices, no lag 0; the
reference curve: the day's DAM prices, or the previous day's RT, see
``QSEEnvConfig.price_reference``; the day-ahead plan on the DAM);
the DAM price of the interval; the last interval's RT - DAM spread and price
impact; the EnKF filtered mean and spread of the *previous* interval (the
filtered state of ``t`` has assimilated ``t``'s price) and the beliefs stated
the day before (:data:`~hayeknet.agents.qse.features.STATE_FEATURE_NAMES`:
zeros and ``has_state = 0`` when no state is given; the belief probabilities
of the interval's hour, zeros and ``has_beliefs = 0`` when none were stated
for the day); then the agent's own state (SOC for the battery; forecast, the
previous interval's actual output and the hedge for the renewables) and, for
the battery under ``rtc_b``, ``asinh(mcpc[k, t - 1] / 10)`` per offered
product (the last published AS clearing prices). The vectors are built by
:class:`~hayeknet.agents.qse.env.ParallelQSEEnv`; a change of this layout
bumps :data:`QSE_OBSERVATION_VERSION`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hayeknet.agents.battery_env import DT_HOURS_5MIN
from hayeknet.agents.features import PRICE_FEATURE_NAMES
from hayeknet.agents.market import PriceImpact
from hayeknet.agents.qse.features import STATE_FEATURE_NAMES
from hayeknet.battery.cooptimize import AS_DURATION_HOURS
from hayeknet.battery.spec import BatterySpec

AGENTS: tuple[str, ...] = ("battery", "solar", "wind")
RENEWABLE_AGENTS: tuple[str, ...] = ("solar", "wind")
#: Price of the reward unit, $/MWh (full capacity for one interval at this price is reward 1).
REWARD_PRICE_SCALE_USD_PER_MWH = 100.0
#: Bumped whenever an observation layout changes (recorded in and checked against registries).
#: 2: ``has_beliefs`` flag and per-hour belief probabilities; AS prices for the battery under ``rtc_b``.
#: 3: ``QSEEnvConfig.price_reference`` (the reference curve of the price features) in the env config.
#: 4: the information contract (ADR 0017): lagged prices, EnKF state of t - 1, AS prices of t - 1, previous
#: actual output; the battery acts through offer curves (:mod:`hayeknet.agents.offer_action`).
QSE_OBSERVATION_VERSION = 4
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

COMMON_FEATURE_NAMES: tuple[str, ...] = (
    "time_of_day_sin",
    "time_of_day_cos",
    "elapsed_frac",
    *PRICE_FEATURE_NAMES,
    "dam_price_z",  # (DAM - DAM day median) / DAM IQR (the DAM is known before the day)
    "last_rt_minus_dam_z",  # (RT - DAM) of the previous interval / DAM IQR
    "last_impact_z",  # (local - exogenous price) of the previous interval / DAM IQR
    "has_state",
    *STATE_FEATURE_NAMES,
)
OWN_FEATURE_NAMES: dict[str, tuple[str, ...]] = {
    "battery": ("soc_frac", "terminal_pressure"),
    "solar": (
        "forecast_frac",
        "last_actual_frac",  # available output of the previous interval (the forecast at t = 0)
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


def observation_names(agent: str, config: QSEEnvConfig | None = None) -> tuple[str, ...]:
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
        for name in ("hedge_levels", "curtail_levels", "as_levels"):
            levels = getattr(self, name)
            if len(levels) < 2 or any(not 0.0 <= x <= 1.0 for x in levels):
                raise ValueError(f"QSEEnvConfig.{name} needs >= 2 levels within [0, 1], got {levels}")
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
        """JSON-serialisable form (for registries), with the battery's offer-curve action grid."""
        from hayeknet.agents.offer_action import action_layout

        return {**dataclasses.asdict(self), "battery_action": action_layout()}
