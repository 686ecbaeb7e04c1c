"""Which grid a day's network-dependent parts use, decided once and said in plain words.

Three parts of the pipeline need a network: the EnKF's zone components and
localization by grid distance (assimilate), the battery's corridor limits
(the QSE agents) and the reference hub of the congestion event (beliefs). The
network follows the data:

* **synthetic data** (collected from the synthetic source): the synthetic
  market's own grid (:func:`hayeknet.constraints.grid.build_grid`), the one
  its prices were generated on;
* **real data**: ERCOT's settlement point to electrical bus mapping
  (NP4-160-SG) when one has been collected; without it every
  network-dependent part is off and says so (``NetworkView.sentence``). The
  synthetic catalogue is never used for real settlement points.

The congestion event's reference hub can also be set by ``beliefs.hub``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

SYNTHETIC = "synthetic"
NO_MAPPING = (
    "no settlement point mapping (NP4-160-SG) collected for these real prices: the EnKF updates each "
    "location from its own price (no zone components, no network localization), the battery has no "
    "corridor limits and the congestion event needs a reference hub (beliefs.hub)"
)


@dataclass(frozen=True)
class NetworkView:
    """The network of one day's data (module docstring). ``grid`` is None when there is none."""

    kind: str
    grid: Any | None
    sentence: str

    def zones_and_distance(
        self, locations: list[str], radius_hops: float
    ) -> tuple[np.ndarray | None, np.ndarray | None, str]:
        """``(hop distances or None, zone loadings or None, sentence)`` of ``locations`` for the EnKF."""
        from hayeknet.assimilation import grid_zone_loadings
        from hayeknet.constraints.errors import GridModelError

        if self.grid is None:
            return None, None, f"own price only, no zone components: {self.sentence}"
        try:
            zones = grid_zone_loadings(locations, self.grid)
            distance = self.grid.distance_matrix(locations) if radius_hops > 0 else None
        except GridModelError as exc:
            return None, None, f"own price only, no zone components: {exc}"
        how = (
            f"network distance, Gaspari-Cohn radius {radius_hops:g} hops"
            if radius_hops > 0
            else "own price only (assimilation.localization_radius_hops = 0)"
        )
        return distance, zones, f"{how}; {zones.shape[1]} grid zones ({self.kind})"

    def corridor_bounds(self, location: str) -> tuple[tuple[float, float] | None, str]:
        """Net injection bounds (MW) at ``location`` that keep every corridor within its limit, and why."""
        from hayeknet.constraints.errors import GridModelError

        if self.grid is None:
            return None, f"no corridor limits: {self.sentence}"
        try:
            lo, hi = self.grid.net_power_bounds_mw(location)
        except GridModelError as exc:
            return None, f"no corridor limits: {exc}"
        if not (math.isfinite(lo) or math.isfinite(hi)):
            return None, f"no corridor of the {self.kind} is sensitive to {location}"
        return (float(lo), float(hi)), f"corridor limits of the {self.kind}: net injection {lo:g}..{hi:g} MW"

    def reference_hub(self, location: str, hub_param: str) -> tuple[str | None, str]:
        """The congestion event's reference hub of ``location`` (``beliefs.hub`` unless ``auto``), and why."""
        from hayeknet.ercot.locations import HUB_AVERAGE_NAMES

        if hub_param != "auto":
            return hub_param, f"reference hub {hub_param} (beliefs.hub)"
        if location in HUB_AVERAGE_NAMES:
            return None, f"congestion not stated: {location} is a hub average, it has no basis to a hub"
        if self.kind == SYNTHETIC:
            from hayeknet.beliefs.events import default_hub

            hub = default_hub(location)
        elif self.grid is not None and hasattr(self.grid, "reference_hub"):
            hub = self.grid.reference_hub(location)
        else:
            return None, f"congestion not stated: {self.sentence}"
        if hub is None or hub == location:
            return None, f"congestion not stated: {location} is a hub average, it has no basis to a hub"
        return hub, f"reference hub {hub} ({self.kind})"


NO_NETWORK = NetworkView("none", None, "no network")
"""The view before any day's data is known (the agents' untrained start)."""


def network_view(collected_from: str) -> NetworkView:
    """The network of data collected from ``collected_from`` (the collection source of the day)."""
    if collected_from == SYNTHETIC:
        from hayeknet.constraints.grid import build_grid

        return NetworkView(SYNTHETIC, build_grid(), "the synthetic market's grid (the one its prices came from)")
    return NetworkView("none", None, NO_MAPPING)
