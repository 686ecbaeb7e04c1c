"""The grid graph of the synthetic catalogue: DAG, corridor flows and network distances."""

from __future__ import annotations

import numpy as np
import pytest

from hayeknet.constraints.errors import GridModelError
from hayeknet.constraints.grid import PHYSICAL_HUBS, SLACK_HUB, build_grid
from hayeknet.ercot.locations import RESOURCE_NODE, SettlementPoint, default_catalogue


@pytest.fixture(scope="module")
def grid():
    return build_grid()


def test_dag_links_nodes_to_zones_and_hubs(grid) -> None:
    for point in grid.points:
        if point.location_type == RESOURCE_NODE:
            (zone,) = grid.parents(point.name)
            assert zone == f"LZ_{point.zone}"
            assert grid.parents(zone) == (f"HB_{point.zone}",)
    assert set(grid.parents("HB_WEST")) == {"HB_BUSAVG", "HB_HUBAVG"}


def test_cycle_and_missing_hub_are_rejected() -> None:
    points = [p for p in default_catalogue() if p.name != "HB_PAN"]
    with pytest.raises(GridModelError, match="HB_PAN"):
        build_grid(points)
    with pytest.raises(GridModelError, match="not in the grid"):
        build_grid().parents("NOWHERE_RN")


def test_flows_conserve_power_and_slack_has_no_effect(grid) -> None:
    flows = grid.corridor_flows_mw({"HB_PAN": 100.0})
    assert flows[0] == pytest.approx(100.0)  # the radial PAN-WEST corridor carries all of it
    slack_node = next(p.name for p in grid.points if grid.bus_of[p.name] == SLACK_HUB)
    np.testing.assert_allclose(grid.corridor_flows_mw({slack_node: 500.0}), 0.0, atol=1e-9)
    # net outflow of each non-slack bus equals its injection (Kirchhoff)
    injection = {"HB_WEST": 300.0, "HB_HOUSTON": -120.0, "HB_SOUTH": 50.0}
    flows = grid.corridor_flows_mw(injection)
    for bus in PHYSICAL_HUBS:
        if bus == SLACK_HUB:
            continue
        out = sum(f if c.from_hub == bus else -f if c.to_hub == bus else 0.0 for c, f in zip(grid.corridors, flows))
        assert out == pytest.approx(injection.get(bus, 0.0))


def test_net_power_bounds_respect_corridor_limits(grid) -> None:
    base = np.array([c.limit_mw for c in grid.corridors]) * 0.99
    lo, hi = grid.net_power_bounds_mw("HB_PAN", base)
    assert hi == pytest.approx(0.01 * grid.corridors[0].limit_mw)
    for net in (lo, hi):
        flows = base + grid.ptdf[:, PHYSICAL_HUBS.index("HB_PAN")] * net
        assert np.all(np.abs(flows) <= np.array([c.limit_mw for c in grid.corridors]) + 1e-6)


def test_distance_is_a_metric_and_local(grid) -> None:
    d = grid.distance_matrix()
    assert np.allclose(d, d.T) and np.all(np.diag(d) == 0)
    n = d.shape[0]
    for i in range(n):
        assert np.all(d[i][:, None] <= d[i][None, :] + d + 1e-9)  # triangle inequality
    names = list(grid.names)
    west = [p.name for p in grid.points if p.location_type == RESOURCE_NODE and p.zone == "WEST"]
    houston = [p.name for p in grid.points if p.location_type == RESOURCE_NODE and p.zone == "HOUSTON"]
    same = d[names.index(west[0]), names.index(west[1])]
    far = d[names.index(west[0]), names.index(houston[0])]
    assert same < far


def test_custom_catalogue_needs_known_zones() -> None:
    points = [*default_catalogue(4), SettlementPoint("EXTRA_RN", RESOURCE_NODE, "SOUTH")]
    grid = build_grid(points)
    assert grid.parents("EXTRA_RN") == ("LZ_SOUTH",)
