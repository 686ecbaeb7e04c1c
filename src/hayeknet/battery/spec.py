"""The study battery (DESIGN section 5): a frozen specification with units in names."""

from __future__ import annotations

from dataclasses import dataclass

from hayeknet.params import BatteryParams


@dataclass(frozen=True)
class BatterySpec:
    """A battery at one settlement point.

    SOC update per interval of ``dt_hours``:
    ``soc[t+1] = soc[t] + charge_efficiency * charge_mw * dt - discharge_mw * dt / discharge_efficiency``.
    ``charge_mw`` and ``discharge_mw`` are metered power (>= 0, never both > 0).
    """

    power_mw: float = 100.0
    energy_mwh: float = 400.0
    soc_min_frac: float = 0.10
    soc_max_frac: float = 0.90
    soc_initial_frac: float = 0.50
    charge_efficiency: float = 0.95
    discharge_efficiency: float = 0.95
    degradation_usd_per_mwh: float = 5.0

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

    @classmethod
    def from_params(cls, p: BatteryParams) -> "BatterySpec":
        return cls(
            power_mw=p.power_mw,
            energy_mwh=p.energy_mwh,
            soc_min_frac=p.soc_min_frac,
            soc_max_frac=p.soc_max_frac,
            soc_initial_frac=p.soc_initial_frac,
            charge_efficiency=p.charge_efficiency,
            discharge_efficiency=p.discharge_efficiency,
            degradation_usd_per_mwh=p.degradation_usd_per_mwh,
        )
