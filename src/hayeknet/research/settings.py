"""Thresholds of the research stage, read from the ``research`` section of params.

A 5-minute price above ``high_price_usd_per_mwh`` is a *high price* (a spike
interval); one below ``negative_price_usd_per_mwh`` a *negative price*. The regime
thresholds are documented in :mod:`hayeknet.research.insights`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class ResearchInputError(ValueError):
    """An input of the research stage is missing a location, column or field."""


@dataclass(frozen=True)
class ResearchSettings:
    """Thresholds in $/MWh (5-minute real-time prices) and interval counts.

    ``anomaly_threshold`` is the |normalized innovation| above which an EnKF
    observation is an outlier. ``scarcity_price_usd_per_mwh`` and
    ``scarcity_high_hours``/``volatile_*`` define the day regime (see
    :func:`hayeknet.research.insights.classify_regime`).
    """

    high_price_usd_per_mwh: float = 100.0
    negative_price_usd_per_mwh: float = 0.0
    anomaly_threshold: float = 4.0
    scarcity_price_usd_per_mwh: float = 1000.0
    scarcity_high_hours: float = 1.0
    volatile_return_std: float = 0.15
    volatile_negative_hours: float = 1.0
    congestion_usd_per_mwh: float = 10.0

    def __post_init__(self) -> None:
        if self.negative_price_usd_per_mwh >= self.high_price_usd_per_mwh:
            raise ResearchInputError(
                "research.negative_price_usd_per_mwh must be below research.high_price_usd_per_mwh"
            )
        if self.anomaly_threshold <= 0:
            raise ResearchInputError("research anomaly_threshold must be positive")

    @classmethod
    def from_mapping(cls, params: Mapping[str, Any] | None) -> "ResearchSettings":
        """Build from the ``research`` section, or from a whole params dict holding one.

        Unknown keys are ignored here (params.yaml is validated by ``hayeknet.params``).
        """
        if params is None:
            return cls()
        section = params.get("research", params)
        if not isinstance(section, Mapping):
            raise ResearchInputError(f"params['research'] must be a mapping, got {type(section).__name__}")
        known = {f for f in cls.__dataclass_fields__}
        kwargs = {k: float(v) for k, v in section.items() if k in known}
        beliefs = params.get("beliefs") if section is not params else None
        if isinstance(beliefs, Mapping) and "congestion_usd_per_mwh" in beliefs:
            # one congestion threshold for the study: the beliefs event's (params.yaml beliefs section)
            kwargs.setdefault("congestion_usd_per_mwh", float(beliefs["congestion_usd_per_mwh"]))
        return cls(**kwargs)
