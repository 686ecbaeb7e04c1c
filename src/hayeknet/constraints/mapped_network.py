"""The network of real ERCOT settlement points, from the settlement point / electrical bus mapping (NP4-160-SG).

What the EnKF and the beliefs need from a network (:class:`NetworkModel`):
distances for localization, zone loadings for the factor model, a reference
hub for congestion, and corridor limits for the QSE agents. The synthetic
market has all four (:mod:`hayeknet.constraints.grid`, wrapped by
:class:`SyntheticNetwork`); for real points they come from NP4-160-SG
(:class:`MappedNetwork`), which places every settlement point on its
electrical bus, substation, settlement load zone and trading hub, but carries
no line, rating or shift factor: a mapped network has **no corridor limits**
(:meth:`MappedNetwork.net_power_bounds_mw` raises :class:`GridModelError`
saying so). :func:`network_for` says which network applies to an archive's
locations, in one sentence, and never falls back to the synthetic grid.

**Distance** (ADR 0013): the path length in the tree
``ERCOT - trading hub - load zone - substation - resource node``, with edges
ERCOT-hub 1, hub-load zone 1, load zone-substation 1/2, substation-node 1/2.
So: 0 the same point; 1 two nodes at one substation (or one electrical bus),
a node and its load zone, a load zone and its hub; 2 nodes of one load zone
at different substations, a node and its hub, two load zones of one hub, two
hubs; 3 a node and another load zone of its hub (a NOIE zone); 4 a node and
another hub; 6 nodes under different hubs. A hub average hangs from ERCOT by
1 (2 from every hub), a point the mapping gives no load zone or hub (a DC tie
listed without a bus, a load zone without a hub) by its depth (a load zone 2,
a node 3), and a load zone without a hub keeps its nodes below it. A tree's
path length is a metric. Locations of the archive that the mapping does not
hold (``unplaced``, from :func:`network_for`) are :data:`UNPLACED_DISTANCE`
from everything else: beyond the localization support of any radius below 4.

**Zone loadings** (the factor model of ADR 0006, one zone per trading hub): a
node, load zone or DC tie loads 1 on the hub of its load zone, a trading hub 1
on itself, a hub average equally on the hubs it averages; each of these rows
sums to 1. A point without a hub (and an unplaced location) loads on no zone:
its row is zero, the price model's "no zone" (it follows the system factor and
its own basis).

**Reference hub**: a node, load zone or DC tie -> the trading hub of its load
zone per the mapping; a hub or hub average -> ``HB_HUBAVG``; a point without a
hub raises :class:`GridModelError` (give the hub as a parameter).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol, runtime_checkable

import numpy as np

from hayeknet.constraints.errors import GridModelError
from hayeknet.constraints.grid import GridGraph, build_grid
from hayeknet.ercot.locations import (
    HUB_AVERAGE,
    LOAD_ZONE,
    LOAD_ZONE_DC,
    LOAD_ZONE_DC_EW,
    LOAD_ZONE_EW,
    RESOURCE_NODE,
    SYSTEM,
    TRADING_HUB,
)
from hayeknet.ercot.parse.settlement_points import SettlementPointMap

__all__ = [
    "NO_CORRIDOR_LIMITS",
    "NO_MAPPING",
    "REFERENCE_HUB_OF_HUBS",
    "UNPLACED_DISTANCE",
    "MappedNetwork",
    "NetworkModel",
    "SyntheticNetwork",
    "network_for",
]

UNPLACED_DISTANCE = 8.0
"""Distance of a location the mapping does not hold to every other point (no known relation)."""

REFERENCE_HUB_OF_HUBS = "HB_HUBAVG"
"""The reference hub of a trading hub or hub average."""

NO_MAPPING = (
    "no settlement point mapping (NP4-160-SG) collected: network localization, corridor limits and "
    "congestion against a reference hub are off"
)
"""The sentence of :func:`network_for` when no mapping is given."""

NO_CORRIDOR_LIMITS = (
    "the settlement point mapping (NP4-160-SG) carries no transmission lines, ratings or shift factors, "
    "so there are no corridor limits"
)

# ADR 0013: ERCOT -1- hub -1- load zone -1/2- substation -1/2- node
_HUB_DEPTH, _ZONE_DEPTH, _SUBSTATION_DEPTH, _NODE_DEPTH = 1.0, 2.0, 2.5, 3.0
_FAMILY = {
    RESOURCE_NODE: RESOURCE_NODE,
    LOAD_ZONE: LOAD_ZONE,
    LOAD_ZONE_EW: LOAD_ZONE,
    LOAD_ZONE_DC: LOAD_ZONE_DC,
    LOAD_ZONE_DC_EW: LOAD_ZONE_DC,
    TRADING_HUB: TRADING_HUB,
    HUB_AVERAGE: HUB_AVERAGE,
}
"""Location types of the reports -> the mapping's kind (the energy-weighted twin of a load zone is the zone)."""


@runtime_checkable
class NetworkModel(Protocol):
    """What the pipeline asks of a network (:class:`MappedNetwork`, :class:`SyntheticNetwork`)."""

    @property
    def description(self) -> str: ...

    @property
    def has_corridor_limits(self) -> bool: ...

    def distance_matrix(self, names: Sequence[str]) -> np.ndarray: ...

    def zone_loadings(self, names: Sequence[str]) -> np.ndarray: ...

    def reference_hub(self, name: str) -> str: ...

    def net_power_bounds_mw(
        self, name: str, base_flows_mw: Sequence[float] | np.ndarray | None = None
    ) -> tuple[float, float]: ...


@dataclass(frozen=True)
class _Position:
    """A point in the tree: its depth and its ancestors' ids at the hub, load zone and substation levels.

    An id is shared only by points below the same tree node; ``-1``: none
    (the point is above that level, or alone below its parent).
    """

    depth: float
    hub: int
    zone: int
    substation: int


@dataclass(frozen=True)
class MappedNetwork:
    """The network of the settlement points of an NP4-160-SG mapping (module docstring).

    ``unplaced`` are location names the mapping does not hold that the network
    nevertheless answers for (:func:`network_for`): far from everything, in no
    zone, without a reference hub. Any other name raises :class:`GridModelError`.
    """

    mapping: SettlementPointMap
    unplaced: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        both = sorted(self.unplaced & set(self.mapping.points))
        if both:
            raise GridModelError(f"unplaced locations {', '.join(both)} are in the mapping")

    has_corridor_limits = False

    def __repr__(self) -> str:
        return f"MappedNetwork({self.description}: {len(self.mapping.points)} points, {len(self.unplaced)} unplaced)"

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the network answers for: the mapping's points, then the unplaced locations, sorted."""
        return (*self.mapping.names, *sorted(self.unplaced))

    @property
    def description(self) -> str:
        posted = self.mapping.posting_day.isoformat() if self.mapping.posting_day else "undated"
        return f"settlement point mapping NP4-160-SG posted {posted} ({self.mapping.source})"

    def location_type(self, name: str) -> str:
        """The mapping's location type of ``name`` (``Resource Node``, ``Load Zone``, ...)."""
        self._require([name])
        point = self.mapping.points.get(name)
        if point is None:
            raise GridModelError(f"{name!r} is not in the settlement point mapping (NP4-160-SG): it has no type there")
        return point.location_type

    def _require(self, names: Iterable[str]) -> None:
        unknown = sorted({n for n in names if n not in self.mapping.points and n not in self.unplaced})
        if unknown:
            more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
            shown = ", ".join(repr(n) for n in unknown[:5]) + more
            raise GridModelError(f"settlement point(s) {shown} not in the settlement point mapping (NP4-160-SG)")

    @cached_property
    def _positions(self) -> dict[str, _Position]:
        ids: dict[tuple[str, ...], int] = {}

        def key(*parts: str) -> int:
            return ids.setdefault(parts, len(ids))

        out: dict[str, _Position] = {}
        for name, p in self.mapping.points.items():
            zone, hub = p.settlement_load_zone, p.hub
            if p.location_type == TRADING_HUB:
                out[name] = _Position(_HUB_DEPTH, key("hub", name), -1, -1)
            elif p.location_type == HUB_AVERAGE:
                out[name] = _Position(_HUB_DEPTH, -1, -1, -1)
            elif zone is None:  # no load zone: hangs from ERCOT by its depth (a DC tie without a bus: a zone's)
                bare_tie = p.location_type == LOAD_ZONE_DC and not p.electrical_buses
                out[name] = _Position(_ZONE_DEPTH if bare_tie else _NODE_DEPTH, -1, -1, -1)
            else:  # below its hub (or, for a zone without a hub, below a node of its own at depth 1)
                region = key("hub", hub) if hub is not None else key("zone without hub", zone)
                if p.location_type == LOAD_ZONE:
                    out[name] = _Position(_ZONE_DEPTH, region, key("zone", zone), -1)
                else:
                    sub = key("substation", zone, p.substation) if p.substation is not None else -1
                    out[name] = _Position(_NODE_DEPTH, region, key("zone", zone), sub)
        return out

    def distance_matrix(self, names: Sequence[str] | None = None) -> np.ndarray:
        """Network distance ``(len(names), len(names))`` between settlement points (module docstring).

        ``names`` default: :attr:`names`. Symmetric, zero on the diagonal only,
        satisfies the triangle inequality. Raises :class:`GridModelError` naming
        the names the network does not hold.
        """
        chosen = list(self.names if names is None else names)
        self._require(chosen)
        positions = self._positions
        placed = np.array([n in positions for n in chosen], dtype=bool)
        pos = [positions.get(n, _Position(0.0, -1, -1, -1)) for n in chosen]
        depth = np.array([p.depth for p in pos])
        levels = [np.array([getattr(p, level) for p in pos]) for level in ("hub", "zone", "substation")]

        def same(ids: np.ndarray) -> np.ndarray:
            return (ids[:, None] == ids[None, :]) & (ids[:, None] >= 0)

        shared = np.where(
            same(levels[2]),
            _SUBSTATION_DEPTH,
            np.where(same(levels[1]), _ZONE_DEPTH, np.where(same(levels[0]), _HUB_DEPTH, 0.0)),
        )
        out = depth[:, None] + depth[None, :] - 2.0 * shared
        both = placed[:, None] & placed[None, :]
        out = np.where(both, out, UNPLACED_DISTANCE)
        code = {n: i for i, n in enumerate(dict.fromkeys(chosen))}
        codes = np.array([code[n] for n in chosen])
        out[codes[:, None] == codes[None, :]] = 0.0
        return out

    def hubs(self) -> tuple[str, ...]:
        """The mapping's trading hubs, sorted: the zones of :meth:`zone_loadings`."""
        return tuple(n for n, p in self.mapping.points.items() if p.location_type == TRADING_HUB)

    def _zone_row(self, name: str, column: Mapping[str, int]) -> np.ndarray:
        row = np.zeros(len(column))
        p = self.mapping.points.get(name)
        if p is None:  # unplaced
            return row
        if p.location_type == HUB_AVERAGE:
            members = [h for h in self.mapping.hub_averages.get(name, ()) if h in column]
            for h in members:
                row[column[h]] = 1.0 / len(members)
        elif p.hub is not None and p.hub in column:
            row[column[p.hub]] = 1.0
        return row

    def _loadings(self, names: Sequence[str]) -> tuple[np.ndarray, tuple[str, ...]]:
        """Zone loadings of ``names`` on the hubs any of them loads on, and those hubs."""
        chosen = list(names)
        self._require(chosen)
        hubs = self.hubs()
        column = {h: k for k, h in enumerate(hubs)}
        full = np.array([self._zone_row(n, column) for n in chosen]).reshape(len(chosen), len(hubs))
        used = [bool(full[:, k].any()) for k in range(len(hubs))]
        return full[:, used], tuple(h for h, keep in zip(hubs, used) if keep)

    def zone_loadings(self, names: Sequence[str]) -> np.ndarray:
        """Zone loadings ``(L, K)`` of ``names`` on the trading hubs (module docstring), as
        :func:`hayeknet.assimilation.grid_zone_loadings`: columns in :meth:`zone_labels` order (hubs without
        any loading dropped), rows summing to 1, except zero rows for points without a hub and unplaced ones.
        """
        return self._loadings(names)[0]

    def zone_labels(self, names: Sequence[str]) -> tuple[str, ...]:
        """The hub of each column of :meth:`zone_loadings` for ``names``."""
        return self._loadings(names)[1]

    def without_zone(self, names: Sequence[str]) -> tuple[str, ...]:
        """The names among ``names`` whose zone-loading row is zero (no hub, or unplaced)."""
        chosen = list(names)
        loadings = self.zone_loadings(chosen)
        return tuple(n for n, row in zip(chosen, loadings) if not row.any())

    def reference_hub(self, name: str) -> str:
        """The hub ``name``'s congestion is measured against (module docstring)."""
        self._require([name])
        p = self.mapping.points.get(name)
        if p is None:
            raise GridModelError(
                f"{name!r} is not in the settlement point mapping (NP4-160-SG): no reference hub "
                "(set the hub as a parameter)"
            )
        if p.location_type in (TRADING_HUB, HUB_AVERAGE):
            return REFERENCE_HUB_OF_HUBS
        if p.hub is None:
            where = f"its load zone {p.settlement_load_zone}" if p.settlement_load_zone else "it"
            raise GridModelError(
                f"{name!r}: the settlement point mapping (NP4-160-SG) gives {where} no trading hub "
                "(set the hub as a parameter)"
            )
        return p.hub

    def net_power_bounds_mw(
        self, name: str, base_flows_mw: Sequence[float] | np.ndarray | None = None
    ) -> tuple[float, float]:
        """Always raises :class:`GridModelError`: :data:`NO_CORRIDOR_LIMITS` (a caller treats the node as
        unbounded by the grid and says so)."""
        self._require([name])
        raise GridModelError(f"no corridor limits at {name!r}: {NO_CORRIDOR_LIMITS}")


@dataclass(frozen=True)
class SyntheticNetwork:
    """The synthetic market's grid graph (:func:`hayeknet.constraints.grid.build_grid`) as a :class:`NetworkModel`."""

    grid: GridGraph = field(default_factory=build_grid)
    has_corridor_limits = True

    @property
    def description(self) -> str:
        return (
            "grid graph of the synthetic market (hayeknet.constraints.grid: its load zones and hubs, "
            "illustrative corridor limits)"
        )

    def distance_matrix(self, names: Sequence[str]) -> np.ndarray:
        return self.grid.distance_matrix(list(names))

    def zone_loadings(self, names: Sequence[str]) -> np.ndarray:
        from hayeknet.assimilation.price_model import grid_zone_loadings

        return grid_zone_loadings(list(names), self.grid)

    def reference_hub(self, name: str) -> str:
        """``HB_HUBAVG`` for a hub, else the hub of the point's zone (as ``beliefs.events.default_hub``)."""
        point = next((p for p in self.grid.points if p.name == name), None)
        if point is None:
            raise GridModelError(f"settlement point {name!r} is not in the grid graph")
        if point.location_type in (TRADING_HUB, HUB_AVERAGE):
            return REFERENCE_HUB_OF_HUBS
        return f"HB_{point.zone}"

    def net_power_bounds_mw(
        self, name: str, base_flows_mw: Sequence[float] | np.ndarray | None = None
    ) -> tuple[float, float]:
        return self.grid.net_power_bounds_mw(name, base_flows_mw)


def _pairs(locations: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    items = locations.items() if isinstance(locations, Mapping) else locations
    return [(str(n), str(t)) for n, t in items]


def _listed(names: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def network_for(
    locations: Mapping[str, str] | Iterable[tuple[str, str]],
    mapping: SettlementPointMap | None = None,
    synthetic: bool = False,
    grid: GridGraph | None = None,
) -> tuple[MappedNetwork | SyntheticNetwork | None, str]:
    """Which network applies to the archive's ``locations`` (``name -> location type`` as the reports
    give it, or ``(name, type)`` pairs), and one sentence saying so for the stage metrics and the report.

    * ``synthetic=True`` (the synthetic source's data): the synthetic grid
      (``grid``, default :func:`build_grid`) when it holds every location, else ``None``;
    * otherwise, without ``mapping``: ``None`` and :data:`NO_MAPPING`;
    * with ``mapping``: a :class:`MappedNetwork`; locations the mapping does
      not hold are its ``unplaced`` (the sentence counts and names them);
      ``None`` when it holds none of them.

    ``System`` locations (the system-wide AS prices) are not settlement points
    and are left out. Raises :class:`GridModelError` when the reports and the
    mapping disagree on what a location is (e.g. a resource node in the reports,
    a hub in the mapping), and :class:`ValueError` for ``synthetic=True`` with a mapping.
    """
    if synthetic and mapping is not None:
        raise ValueError("network_for: a settlement point mapping and synthetic=True exclude each other")
    pairs = [(n, t) for n, t in _pairs(locations) if t != SYSTEM]
    names = sorted({n for n, _ in pairs})
    off = "network localization, corridor limits and congestion against a reference hub are off"
    if synthetic:
        synthetic_grid = SyntheticNetwork(grid if grid is not None else build_grid())
        outside = [n for n in names if n not in set(synthetic_grid.grid.names)]
        if outside:
            return None, (
                f"the synthetic grid graph does not hold {len(outside)} of the {len(names)} locations "
                f"({_listed(outside)}): {off}"
            )
        return synthetic_grid, f"{synthetic_grid.description}: all {len(names)} locations placed"
    if mapping is None:
        return None, NO_MAPPING
    conflicts = []
    for name, kind in pairs:
        point = mapping.points.get(name)
        if point is not None and _FAMILY.get(kind, kind) != _FAMILY.get(point.location_type, point.location_type):
            conflicts.append(f"{name} ({kind} in the reports, {point.location_type} in the mapping)")
    if conflicts:
        raise GridModelError(
            f"the reports and the settlement point mapping (NP4-160-SG, {mapping.source}) disagree on "
            f"{len(conflicts)} location(s): {_listed(sorted(set(conflicts)))}"
        )
    missing = [n for n in names if n not in mapping.points]
    placed = len(names) - len(missing)
    network = MappedNetwork(mapping, frozenset(missing))
    if names and placed == 0:
        return None, f"the {network.description} holds none of the {len(names)} locations: {off}"
    sentence = f"{network.description}: {placed} of {len(names)} locations placed by substation, load zone and hub"
    if missing:
        sentence += f"; not in it, so without network neighbours, zone or reference hub: {_listed(missing)}"
    no_hub = [n for n in names if n in mapping.points and mapping.points[n].hub is None]
    no_hub = [n for n in no_hub if mapping.points[n].location_type != HUB_AVERAGE]
    if no_hub:
        sentence += f"; without a trading hub in the mapping, so in no zone: {_listed(no_hub)}"
    return network, sentence + "; no corridor limits (the mapping carries no lines or ratings)"
