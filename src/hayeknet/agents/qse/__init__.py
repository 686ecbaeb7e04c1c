"""Three QSEs at one settlement point: a parallel multi-agent environment (issue 5).

- :mod:`hayeknet.agents.qse.config`: agents, constants, the observation layout
  (:func:`observation_names`, :data:`QSE_OBSERVATION_VERSION`),
  :class:`RenewableSpec` and :class:`QSEEnvConfig`.
- :mod:`hayeknet.agents.qse.features`: EnKF state and belief features
  (:func:`state_features`, :func:`interval_beliefs`, :data:`STATE_FEATURE_NAMES`).
- :mod:`hayeknet.agents.qse.day`: :class:`QSEDay` and how days are built
  (:func:`qse_day_from_prices`, :func:`synthetic_qse_day`,
  :func:`synthetic_qse_days`, :func:`synthetic_renewable_profiles`,
  :func:`renewable_forecast`).
- :mod:`hayeknet.agents.qse.projector`: :class:`ActionProjector`, the battery's
  RTC+B action projection.
- :mod:`hayeknet.agents.qse.env`: :class:`ParallelQSEEnv` (actions, settlement,
  reward shaping; see its module docstring) and :func:`default_action`.
- :mod:`hayeknet.agents.qse.single_agent`: :class:`SingleAgentView`, the
  gymnasium view of one agent, the others following fixed :data:`Policy`.

Every public name is re-exported here.
"""

from hayeknet.agents.qse.config import (
    AGENTS,
    AS_LEVELS,
    AS_OFFER_PRODUCTS,
    AS_PRICE_SCALE_USD_PER_MW_H,
    COMMON_FEATURE_NAMES,
    CURTAIL_LEVELS,
    HEDGE_LEVELS,
    MARKET_DESIGNS,
    OWN_FEATURE_NAMES,
    PRICE_REFERENCES,
    QSE_OBSERVATION_VERSION,
    RENEWABLE_AGENTS,
    REWARD_PRICE_SCALE_USD_PER_MWH,
    RTC_B,
    SCED,
    QSEEnvConfig,
    RenewableSpec,
    as_price_feature_names,
    observation_names,
)
from hayeknet.agents.qse.day import (
    QSEDay,
    qse_day_from_prices,
    renewable_forecast,
    synthetic_qse_day,
    synthetic_qse_days,
    synthetic_renewable_profiles,
)
from hayeknet.agents.qse.env import ParallelQSEEnv, default_action
from hayeknet.agents.qse.features import (
    BELIEF_EVENT_COLUMNS,
    STATE_FEATURE_NAMES,
    STATE_PRICE_SCALE_USD_PER_MWH,
    interval_beliefs,
    state_features,
)
from hayeknet.agents.qse.projector import ActionProjector
from hayeknet.agents.qse.single_agent import Policy, SingleAgentView

__all__ = [
    "AGENTS",
    "AS_LEVELS",
    "AS_OFFER_PRODUCTS",
    "AS_PRICE_SCALE_USD_PER_MW_H",
    "BELIEF_EVENT_COLUMNS",
    "COMMON_FEATURE_NAMES",
    "CURTAIL_LEVELS",
    "HEDGE_LEVELS",
    "MARKET_DESIGNS",
    "OWN_FEATURE_NAMES",
    "PRICE_REFERENCES",
    "QSE_OBSERVATION_VERSION",
    "RENEWABLE_AGENTS",
    "REWARD_PRICE_SCALE_USD_PER_MWH",
    "RTC_B",
    "SCED",
    "STATE_FEATURE_NAMES",
    "STATE_PRICE_SCALE_USD_PER_MWH",
    "ActionProjector",
    "ParallelQSEEnv",
    "Policy",
    "QSEDay",
    "QSEEnvConfig",
    "RenewableSpec",
    "SingleAgentView",
    "as_price_feature_names",
    "default_action",
    "interval_beliefs",
    "observation_names",
    "qse_day_from_prices",
    "renewable_forecast",
    "state_features",
    "synthetic_qse_day",
    "synthetic_qse_days",
    "synthetic_renewable_profiles",
]
