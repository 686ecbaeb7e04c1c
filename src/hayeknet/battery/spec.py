"""The study battery (DESIGN section 5): a frozen specification with units in names.

:class:`BatterySpec` is also the ``battery`` section of ``params.yaml``
(:mod:`hayeknet.params` builds it from there), so the numbers a stage declares
in ``dvc.yaml`` reach the optimizers unchanged: there is no second battery class.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hayeknet.battery.errors import BatterySpecError


@dataclass(frozen=True)
class BatterySpec:
    """A battery at one settlement point.

    SOC update per interval of ``dt_hours``:
    ``soc[t+1] = soc[t] + charge_efficiency * charge_mw * dt - discharge_mw * dt / discharge_efficiency``.
    ``charge_mw`` and ``discharge_mw`` are metered power (>= 0, never both > 0).
    ``location`` is the settlement point whose prices the battery trades and settles at.
    """

    power_mw: float = 100.0
    energy_mwh: float = 400.0
    soc_min_frac: float = 0.10
    soc_max_frac: float = 0.90
    soc_initial_frac: float = 0.50
    charge_efficiency: float = 0.95
    discharge_efficiency: float = 0.95
    degradation_usd_per_mwh: float = 5.0
    location: str = "HB_WEST"

    def __post_init__(self) -> None:
        numbers = {
            name: getattr(self, name)
            for name in (
                "power_mw",
                "energy_mwh",
                "soc_min_frac",
                "soc_max_frac",
                "soc_initial_frac",
                "charge_efficiency",
                "discharge_efficiency",
                "degradation_usd_per_mwh",
            )
        }
        for name, value in numbers.items():
            if not math.isfinite(value):
                raise BatterySpecError(f"battery.{name} must be a finite number, got {value!r}")
        if self.power_mw <= 0 or self.energy_mwh <= 0:
            raise BatterySpecError("battery.power_mw and battery.energy_mwh must be positive")
        if not 0 <= self.soc_min_frac <= self.soc_initial_frac <= self.soc_max_frac <= 1:
            raise BatterySpecError("battery SOC fractions must satisfy 0 <= min <= initial <= max <= 1")
        for name in ("charge_efficiency", "discharge_efficiency"):
            if not 0 < getattr(self, name) <= 1:
                raise BatterySpecError(f"battery.{name} must be in (0, 1]")
        if self.degradation_usd_per_mwh < 0:
            raise BatterySpecError("battery.degradation_usd_per_mwh must be >= 0")
        if not self.location.strip():
            raise BatterySpecError("battery.location must name a settlement point")

    @property
    def soc_min_mwh(self) -> float:
        return self.soc_min_frac * self.energy_mwh

    @property
    def soc_max_mwh(self) -> float:
        return self.soc_max_frac * self.energy_mwh

    @property
    def soc_initial_mwh(self) -> float:
        return self.soc_initial_frac * self.energy_mwh

    @property
    def usable_mwh(self) -> float:
        return self.soc_max_mwh - self.soc_min_mwh
