"""Which grid a day's network-dependent parts use, decided once and said in plain words.

Three parts of the pipeline need a network: the EnKF's zone components and
localization by grid distance (assimilate), the battery's corridor limits
(the QSE agents) and the reference hub of the congestion event (beliefs). The
network follows the data (:func:`hayeknet.constraints.mapped_network.network_for`, ADR 0013):

* **synthetic data** (collected from the synthetic source): the synthetic
  market's own grid, the one its prices were generated on;
* **real data**: ERCOT's settlement point to electrical bus mapping
  (NP4-160-SG) in force on the day (the newest posting collected on or before
  it, ``data/raw/np4-160-sg/<posting day>/``): zones are the trading hubs,
  distances follow hub, load zone and substation; it carries no line ratings,
  so no corridor limits. Without a posting every network-dependent part is off
  and says so (``NetworkView.sentence``). The synthetic catalogue is never used
  for real settlement points.

The congestion event's reference hub can also be set by ``beliefs.hub``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

SYNTHETIC = "synthetic"


@dataclass(frozen=True)
class NetworkView:
    """The network of one day's data (module docstring). ``model`` is None when there is none."""

    kind: str
    model: Any | None
    sentence: str

    def zones_and_distance(
        self, locations: list[str], radius_hops: float
    ) -> tuple[np.ndarray | None, np.ndarray | None, str]:
        """``(hop distances or None, zone loadings or None, sentence)`` of ``locations`` for the EnKF."""
        from hayeknet.constraints.errors import GridModelError

        if self.model is None:
            return None, None, f"own price only, no zone components: {self.sentence}"
        try:
            zones = self.model.zone_loadings(locations)
            distance = self.model.distance_matrix(locations) if radius_hops > 0 else None
        except GridModelError as exc:
            return None, None, f"own price only, no zone components: {exc}"
        how = (
            f"network distance, Gaspari-Cohn radius {radius_hops:g} hops"
            if radius_hops > 0
            else "own price only (assimilation.localization_radius_hops = 0)"
        )
        return distance, zones, f"{how}; {zones.shape[1]} grid zones; {self.sentence}"

    def corridor_bounds(self, location: str) -> tuple[tuple[float, float] | None, str]:
        """Net injection bounds (MW) at ``location`` that keep every corridor within its limit, and why."""
        from hayeknet.constraints.errors import GridModelError

        if self.model is None:
            return None, f"no corridor limits: {self.sentence}"
        try:
            lo, hi = self.model.net_power_bounds_mw(location)
        except GridModelError as exc:
            return None, f"no corridor limits: {exc}"
        if not (math.isfinite(lo) or math.isfinite(hi)):
            return None, f"no corridor of the {self.kind} is sensitive to {location}"
        return (float(lo), float(hi)), f"corridor limits of the {self.kind}: net injection {lo:g}..{hi:g} MW"

    def reference_hub(self, location: str, hub_param: str) -> tuple[str | None, str]:
        """The congestion event's reference hub of ``location`` (``beliefs.hub`` unless ``auto``), and why."""
        from hayeknet.constraints.errors import GridModelError
        from hayeknet.ercot.locations import HUB_AVERAGE_NAMES

        if hub_param != "auto":
            return hub_param, f"reference hub {hub_param} (beliefs.hub)"
        if location in HUB_AVERAGE_NAMES:
            return None, f"congestion not stated: {location} is a hub average, it has no basis to a hub"
        if self.model is None:
            return None, f"congestion not stated: {self.sentence}"
        try:
            hub = self.model.reference_hub(location)
        except GridModelError as exc:
            return None, f"congestion not stated: {exc}"
        return hub, f"reference hub {hub} ({self.kind})"


NO_NETWORK = NetworkView("none", None, "no network")
"""The view before any day's data is known (the agents' untrained start)."""


def network_view(
    collected_from: str, locations: Iterable[tuple[str, str]] = (), raw_root: Path | None = None, day: Any = None
) -> NetworkView:
    """The network of a day's data collected from ``collected_from``, holding ``locations``
    (``(name, location type)`` pairs of the archive); ``raw_root`` and ``day`` find the settlement point
    mapping in force for real data."""
    from hayeknet.constraints.mapped_network import MappedNetwork, network_for

    pairs = list(locations)
    synthetic = collected_from == SYNTHETIC
    mapping = None
    if not synthetic and raw_root is not None and day is not None:
        from hayeknet.ercot.parse.settlement_points import find_settlement_point_map

        posting = find_settlement_point_map(raw_root, day)
        mapping = posting.read() if posting is not None else None
    model, sentence = network_for(pairs, mapping, synthetic=synthetic)
    if model is None:
        return NetworkView("none", None, sentence)
    kind = "settlement point mapping" if isinstance(model, MappedNetwork) else "synthetic grid"
    return NetworkView(kind, model, sentence)
