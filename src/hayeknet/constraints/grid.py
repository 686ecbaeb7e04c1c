"""A small grid graph of the synthetic market: settlement points, zones, hubs and corridors.

Two layers, built from :func:`hayeknet.ercot.locations.default_catalogue`:

* **Aggregation DAG** (directed, acyclic): every resource node feeds the load
  zone of its congestion zone (``LZ_<ZONE>``), every load zone feeds its zone's
  trading hub (``HB_<ZONE>``; the small load zones ``LZ_AEN``, ``LZ_CPS``,
  ``LZ_LCRA`` feed ``HB_SOUTH``, ``LZ_RAYBN`` ``HB_NORTH``), every trading hub
  feeds the hub averages ``HB_HUBAVG`` and ``HB_BUSAVG``.
* **Transmission corridors** (undirected, with MW limits) between the five
  physical hubs ``HB_PAN``, ``HB_WEST``, ``HB_NORTH``, ``HB_SOUTH``,
  ``HB_HOUSTON`` (:data:`CORRIDORS`; illustrative limits of the synthetic
  market, not ERCOT's GTC values). Flows follow a DC power flow with equal
  reactances and the slack at ``HB_NORTH``: ``flow = PTDF @ injection`` (MW).

Every settlement point sits at one *bus*, the physical hub of its zone (the
Panhandle hub at its own bus), so a battery's net injection at a node moves the
corridor flows by ``PTDF[:, bus] * net_mw``.

**Network distance** (for EnKF localization): shortest path over the DAG's
edges taken as undirected with length 1 per aggregation edge and
``CORRIDOR_LENGTH`` per corridor; hub averages are kept out of the paths (they
are financial, not physical): a hub average's distance to a point is one plus
the mean distance of the physical hubs to it (so the distance stays a metric).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

from hayeknet.constraints.errors import GridModelError
from hayeknet.ercot.locations import (
    HUB_AVERAGE,
    LOAD_ZONE,
    RESOURCE_NODE,
    TRADING_HUB,
    SettlementPoint,
    default_catalogue,
)

PHYSICAL_HUBS: tuple[str, ...] = ("HB_PAN", "HB_WEST", "HB_NORTH", "HB_SOUTH", "HB_HOUSTON")
SLACK_HUB = "HB_NORTH"
#: (hub a, hub b, limit MW): illustrative corridor limits of the synthetic market.
CORRIDORS: tuple[tuple[str, str, float], ...] = (
    ("HB_PAN", "HB_WEST", 3000.0),
    ("HB_WEST", "HB_NORTH", 5000.0),
    ("HB_WEST", "HB_SOUTH", 3500.0),
    ("HB_NORTH", "HB_SOUTH", 6000.0),
    ("HB_NORTH", "HB_HOUSTON", 7000.0),
    ("HB_SOUTH", "HB_HOUSTON", 5000.0),
)
CORRIDOR_LENGTH = 2.0
_ZONE_HUB = {"HOUSTON": "HB_HOUSTON", "NORTH": "HB_NORTH", "SOUTH": "HB_SOUTH", "WEST": "HB_WEST"}
_ZONE_LOAD_ZONE = {"HOUSTON": "LZ_HOUSTON", "NORTH": "LZ_NORTH", "SOUTH": "LZ_SOUTH", "WEST": "LZ_WEST"}


@dataclass(frozen=True)
class Corridor:
    """A transmission corridor between two physical hubs; positive flow runs ``from_hub -> to_hub``."""

    name: str
    from_hub: str
    to_hub: str
    limit_mw: float


@dataclass(frozen=True)
class GridGraph:
    """Settlement points, the aggregation DAG, the corridors and their PTDF."""

    points: tuple[SettlementPoint, ...]
    edges: tuple[tuple[str, str], ...]  # aggregation DAG, child -> parent
    corridors: tuple[Corridor, ...]
    bus_of: Mapping[str, str]  # settlement point -> physical hub bus
    ptdf: np.ndarray  # (n_corridors, n_buses), MW of corridor flow per MW injected at the bus (slack withdraws)
    buses: tuple[str, ...] = PHYSICAL_HUBS

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.points)

    def parents(self, name: str) -> tuple[str, ...]:
        """Direct parents of ``name`` in the aggregation DAG."""
        self._require(name)
        return tuple(b for a, b in self.edges if a == name)

    def _require(self, name: str) -> None:
        if name not in self.bus_of:
            raise GridModelError(f"settlement point {name!r} is not in the grid graph")

    def corridor_flows_mw(self, injections_mw: Mapping[str, float]) -> np.ndarray:
        """DC flows (MW, one per corridor) from net injections at settlement points (slack at HB_NORTH)."""
        bus_injection = np.zeros(len(self.buses))
        for name, mw in injections_mw.items():
            self._require(name)
            bus_injection[self.buses.index(self.bus_of[name])] += float(mw)
        return self.ptdf @ bus_injection

    def net_power_bounds_mw(
        self, name: str, base_flows_mw: Sequence[float] | np.ndarray | None = None
    ) -> tuple[float, float]:
        """Interval ``(lo, hi)`` of net injection (MW) at ``name`` that keeps every corridor within its limit.

        ``base_flows_mw`` are the corridor flows without the battery (zeros by
        default). Returns ``(-inf, inf)`` when no corridor is sensitive to the
        node (a node at the slack bus). Raises :class:`GridModelError` when the
        base flows already break a limit that the node cannot relieve.
        """
        self._require(name)
        base = np.zeros(len(self.corridors)) if base_flows_mw is None else np.asarray(base_flows_mw, dtype=float)
        if base.shape != (len(self.corridors),):
            raise GridModelError(f"base_flows_mw needs {len(self.corridors)} values, got shape {base.shape}")
        sens = self.ptdf[:, self.buses.index(self.bus_of[name])]
        lo, hi = -math.inf, math.inf
        for corridor, b, s in zip(self.corridors, base, sens):
            limit = corridor.limit_mw
            if abs(s) < 1e-12:
                if abs(b) > limit + 1e-9:
                    raise GridModelError(f"corridor {corridor.name}: base flow {b:.6g} MW beyond limit {limit:g} MW")
                continue
            a1, a2 = (-limit - b) / s, (limit - b) / s
            lo, hi = max(lo, min(a1, a2)), min(hi, max(a1, a2))
        if lo > hi:
            raise GridModelError(f"no net injection at {name!r} keeps every corridor within its limit")
        return lo, hi

    def distance_matrix(self, names: Sequence[str] | None = None) -> np.ndarray:
        """Network distance between settlement points (module doc), ``(len(names), len(names))``."""
        chosen = list(self.names if names is None else names)
        for name in chosen:
            self._require(name)
        physical = [p.name for p in self.points if p.location_type != HUB_AVERAGE]
        position = {name: i for i, name in enumerate(physical)}
        rows, cols, lengths = [], [], []
        for a, b in self.edges:
            if a in position and b in position:
                rows.append(position[a])
                cols.append(position[b])
                lengths.append(1.0)
        for c in self.corridors:
            rows.append(position[c.from_hub])
            cols.append(position[c.to_hub])
            lengths.append(CORRIDOR_LENGTH)
        graph = csr_matrix((lengths, (rows, cols)), shape=(len(physical), len(physical)))
        dist = shortest_path(graph, directed=False)
        hubs = [position[h] for h in PHYSICAL_HUBS if h in position]

        # a hub average sits one step from every physical hub: 1 + the mean distance from the hubs
        to_hubs = dist[hubs]
        average_row = 1.0 + to_hubs.mean(axis=0)
        average_pair = 2.0 + float(to_hubs[:, hubs].mean())

        def between(a: str, b: str) -> float:
            if a == b:
                return 0.0
            if a in position and b in position:
                return float(dist[position[a], position[b]])
            if a in position:
                return float(average_row[position[a]])
            if b in position:
                return float(average_row[position[b]])
            return average_pair

        out = np.empty((len(chosen), len(chosen)))
        for i, a in enumerate(chosen):
            for j, b in enumerate(chosen):
                out[i, j] = between(a, b)
        return out


def _bus(point: SettlementPoint) -> str:
    return point.name if point.name in PHYSICAL_HUBS else _ZONE_HUB[point.zone]


def _parents(point: SettlementPoint, hub_averages: list[str], names: set[str]) -> list[str]:
    if point.location_type == RESOURCE_NODE:
        return [_ZONE_LOAD_ZONE[point.zone]]
    if point.location_type == LOAD_ZONE:
        return [_ZONE_HUB[point.zone]]
    if point.location_type == TRADING_HUB:
        return list(hub_averages)
    return []


def ptdf_matrix(buses: Sequence[str], corridors: Sequence[Corridor], slack: str = SLACK_HUB) -> np.ndarray:
    """DC PTDF (equal reactances): corridor flow per MW injected at each bus and withdrawn at ``slack``."""
    index = {b: i for i, b in enumerate(buses)}
    incidence = np.zeros((len(corridors), len(buses)))
    for k, c in enumerate(corridors):
        incidence[k, index[c.from_hub]] = 1.0
        incidence[k, index[c.to_hub]] = -1.0
    laplacian = incidence.T @ incidence
    keep = [i for i, b in enumerate(buses) if b != slack]
    theta = np.zeros((len(buses), len(buses)))
    theta[np.ix_(keep, keep)] = np.linalg.inv(laplacian[np.ix_(keep, keep)])
    return incidence @ theta


def build_grid(points: Sequence[SettlementPoint] | None = None) -> GridGraph:
    """The grid graph of ``points`` (default: ``default_catalogue()``).

    Raises :class:`GridModelError` if a load zone or hub needed by the DAG is
    missing, or the DAG has a cycle.
    """
    pts = tuple(default_catalogue() if points is None else points)
    names = {p.name for p in pts}
    if len(names) != len(pts):
        raise GridModelError("duplicate settlement point names in the catalogue")
    for hub in PHYSICAL_HUBS:
        if hub not in names:
            raise GridModelError(f"the grid needs the physical hub {hub!r}")
    hub_averages = [p.name for p in pts if p.location_type == HUB_AVERAGE]
    edges: list[tuple[str, str]] = []
    for p in pts:
        for parent in _parents(p, hub_averages, names):
            if parent not in names:
                raise GridModelError(f"{p.name}: parent {parent!r} is not in the catalogue")
            edges.append((p.name, parent))
    _check_acyclic(names, edges)
    corridors = tuple(Corridor(f"{a}-{b}", a, b, limit) for a, b, limit in CORRIDORS)
    return GridGraph(
        points=pts,
        edges=tuple(edges),
        corridors=corridors,
        bus_of={p.name: _bus(p) for p in pts},
        ptdf=ptdf_matrix(PHYSICAL_HUBS, corridors),
    )


def _check_acyclic(names: set[str], edges: list[tuple[str, str]]) -> None:
    """Kahn's algorithm; raises :class:`GridModelError` naming a node on a cycle."""
    indegree = {n: 0 for n in names}
    children: dict[str, list[str]] = {n: [] for n in names}
    for a, b in edges:
        indegree[b] += 1
        children[a].append(b)
    ready = [n for n, d in indegree.items() if d == 0]
    seen = 0
    while ready:
        node = ready.pop()
        seen += 1
        for child in children[node]:
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    if seen != len(names):
        stuck = sorted(n for n, d in indegree.items() if d > 0)
        raise GridModelError(f"the aggregation graph has a cycle through {stuck[0]!r}")
