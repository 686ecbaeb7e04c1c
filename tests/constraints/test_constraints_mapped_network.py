"""The network of real settlement points from NP4-160-SG: distances, zone loadings, reference hubs, network_for."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ercot"))  # the NP4-160-SG builder
import ercot_mapping as em

from hayeknet.assimilation import PriceModelSpec, grid_zone_loadings
from hayeknet.assimilation.price_model import level_noise_covariance
from hayeknet.constraints import GridModelError, MappedNetwork, NetworkModel, SyntheticNetwork, network_for
from hayeknet.constraints.grid import build_grid
from hayeknet.constraints.mapped_network import NO_MAPPING, UNPLACED_DISTANCE
from hayeknet.ercot.parse.settlement_points import (
    SettlementPointMap,
    settlement_point_map_from_members,
)

MAPPING: SettlementPointMap = settlement_point_map_from_members(em.members(), "test.zip")
UNPLACED = frozenset({"OLD_RN_RETIRED", "NEW_SLR_RN"})
NETWORK = MappedNetwork(MAPPING, UNPLACED)
ALL = list(NETWORK.names)


def d(a: str, b: str) -> float:
    return float(NETWORK.distance_matrix([a, b])[0, 1])


def test_distances_follow_the_tree() -> None:
    expected = {
        ("CBY_CBY_G1", "CBY_CBY_G2"): 1.0,  # one substation
        ("CBY_CBY_G1", "LZ_HOUSTON"): 1.0,  # its load zone
        ("LZ_HOUSTON", "HB_HOUSTON"): 1.0,  # a load zone and its hub
        ("CBY_CBY_G1", "SBATT_ESS1"): 2.0,  # one load zone, two substations
        ("CBY_CBY_G1", "HB_HOUSTON"): 2.0,  # its hub
        ("LZ_SOUTH", "LZ_CPS"): 2.0,  # two load zones of one hub
        ("HB_HOUSTON", "HB_NORTH"): 2.0,  # two hubs
        ("HB_HUBAVG", "HB_PAN"): 2.0,
        ("HB_HUBAVG", "HB_BUSAVG"): 2.0,
        ("SANMIGL_G1", "LZ_CPS"): 3.0,  # another load zone of its hub
        ("CBY_CBY_G1", "HB_NORTH"): 4.0,  # another hub
        ("CBY_CBY_G1", "HB_HUBAVG"): 4.0,
        ("CBY_CBY_G1", "CPSES_UNIT1"): 6.0,  # nodes under different hubs
        ("SPLAIN_WND_RN", "HB_PAN"): 4.0,  # HB_PAN's buses are in LZ_WEST, but LZ_WEST is HB_WEST's zone
        ("DC_E", "HB_SOUTH"): 3.0,  # a DC tie without a bus hangs from ERCOT at a load zone's depth
        ("DC_E", "SANMIGL_G1"): 5.0,
        ("LZ_AEN", "HB_SOUTH"): 3.0,  # a load zone without a hub, likewise
        ("CBY_CBY_G1", "OLD_RN_RETIRED"): UNPLACED_DISTANCE,
        ("OLD_RN_RETIRED", "NEW_SLR_RN"): UNPLACED_DISTANCE,
    }
    for (a, b), value in expected.items():
        assert d(a, b) == value == d(b, a), (a, b)


def test_distance_is_a_metric_on_every_point() -> None:
    dist = NETWORK.distance_matrix(ALL)
    n = len(ALL)
    assert np.array_equal(dist, dist.T) and np.all(np.diag(dist) == 0)
    assert np.all(dist[~np.eye(n, dtype=bool)] > 0)
    # triangle inequality for every triple: d(i,k) <= d(i,j) + d(j,k)
    assert np.all(dist[:, None, :] <= dist[:, :, None] + dist[None, :, :] + 1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(ALL), min_size=1, max_size=12))
def test_distance_on_random_subsets(names: list[str]) -> None:
    dist = NETWORK.distance_matrix(names)
    full = NETWORK.distance_matrix(ALL)
    index = [ALL.index(n) for n in names]
    assert np.array_equal(dist, full[np.ix_(index, index)])  # a sub-matrix: the order and repeats do not matter
    assert np.array_equal(dist, dist.T) and np.all(np.diag(dist) == 0)
    for i, j, k in itertools.product(range(len(names)), repeat=3):
        assert dist[i, k] <= dist[i, j] + dist[j, k] + 1e-12
    same = np.array(names)[:, None] == np.array(names)[None, :]
    assert np.all((dist == 0) == same)


def test_zone_loadings() -> None:
    names = ["CBY_CBY_G1", "LZ_CPS", "HB_PAN", "HB_HUBAVG", "SPLAIN_WND_RN", "LZ_AEN", "DC_E", "OLD_RN_RETIRED"]
    loadings = NETWORK.zone_loadings(names)
    labels = NETWORK.zone_labels(names)
    assert labels == ("HB_HOUSTON", "HB_NORTH", "HB_PAN", "HB_SOUTH", "HB_WEST")
    rows = dict(zip(names, loadings))
    assert rows["CBY_CBY_G1"].tolist() == [1, 0, 0, 0, 0]
    assert rows["LZ_CPS"].tolist() == [0, 0, 0, 1, 0]
    assert rows["HB_PAN"].tolist() == [0, 0, 1, 0, 0]
    assert rows["HB_HUBAVG"].tolist() == [0.25, 0.25, 0, 0.25, 0.25]  # the four zone hubs, not HB_PAN
    assert rows["SPLAIN_WND_RN"].tolist() == [0, 0, 0, 0, 1]
    for none in ("LZ_AEN", "DC_E", "OLD_RN_RETIRED"):
        assert not rows[none].any()
    assert NETWORK.without_zone(names) == ("LZ_AEN", "DC_E", "OLD_RN_RETIRED")
    placed = [n for n in ALL if n not in NETWORK.without_zone(ALL)]
    assert np.allclose(NETWORK.zone_loadings(placed).sum(axis=1), 1.0)
    # hubs that nothing loads on are dropped, as grid_zone_loadings does
    assert NETWORK.zone_loadings(["CBY_CBY_G1", "WAP_WAP_G7"]).shape == (2, 1)
    # the price model takes them (zero rows: the location has no zone component)
    cov = level_noise_covariance(PriceModelSpec(), loadings, len(names))
    assert cov.shape == (len(names), len(names)) and np.all(np.linalg.eigvalsh(cov) > 0)


def test_reference_hubs() -> None:
    assert NETWORK.reference_hub("CBY_CBY_G1") == "HB_HOUSTON"
    assert NETWORK.reference_hub("SPLAIN_WND_RN") == "HB_WEST"
    assert NETWORK.reference_hub("LZ_RAYBN") == "HB_NORTH"
    assert NETWORK.reference_hub("LZ_CPS") == "HB_SOUTH"
    for hub in ("HB_NORTH", "HB_PAN", "HB_HUBAVG", "HB_BUSAVG"):
        assert NETWORK.reference_hub(hub) == "HB_HUBAVG"
    with pytest.raises(GridModelError, match=r"gives its load zone LZ_AEN no trading hub.*parameter"):
        NETWORK.reference_hub("LZ_AEN")
    with pytest.raises(GridModelError, match=r"'DC_E': .* gives it no trading hub"):
        NETWORK.reference_hub("DC_E")
    with pytest.raises(GridModelError, match="'NEW_SLR_RN' is not in the settlement point mapping"):
        NETWORK.reference_hub("NEW_SLR_RN")


def test_unknown_names_and_corridor_limits() -> None:
    with pytest.raises(GridModelError, match=r"'NOPE_1', 'NOPE_2' not in the settlement point mapping"):
        NETWORK.distance_matrix(["CBY_CBY_G1", "NOPE_2", "NOPE_1"])
    with pytest.raises(GridModelError, match="'NOPE'"):
        NETWORK.zone_loadings(["NOPE"])
    with pytest.raises(GridModelError, match="'NOPE'"):
        NETWORK.reference_hub("NOPE")
    with pytest.raises(GridModelError, match=r"no corridor limits at 'CBY_CBY_G1'.*no transmission lines, ratings"):
        NETWORK.net_power_bounds_mw("CBY_CBY_G1")
    assert not NETWORK.has_corridor_limits and isinstance(NETWORK, NetworkModel)
    with pytest.raises(GridModelError, match="are in the mapping"):
        MappedNetwork(MAPPING, frozenset({"CBY_CBY_G1"}))
    assert "2026-02-20" in repr(NETWORK) and len(repr(NETWORK)) < 200


def test_network_for_without_a_mapping_is_off() -> None:
    locations = {"CBY_CBY_G1": "Resource Node", "HB_NORTH": "Trading Hub"}
    assert network_for(locations) == (None, NO_MAPPING)
    assert NO_MAPPING == (
        "no settlement point mapping (NP4-160-SG) collected: network localization, corridor limits and "
        "congestion against a reference hub are off"
    )


def test_network_for_with_a_mapping() -> None:
    locations = [
        ("CBY_CBY_G1", "Resource Node"),
        ("LZ_HOUSTON", "Load Zone"),
        ("LZ_HOUSTON", "Load Zone Energy Weighted"),  # NP6-905-CD's LZEW twin shares the name
        ("HB_BUSAVG", "Hub Average"),
        ("LZ_AEN", "Load Zone"),
        ("NEW_SLR_RN", "Resource Node"),
        ("ERCOT", "System"),  # AS prices: no settlement point
    ]
    network, sentence = network_for(locations, MAPPING)
    assert isinstance(network, MappedNetwork) and network.unplaced == frozenset({"NEW_SLR_RN"})
    assert sentence == (
        "settlement point mapping NP4-160-SG posted 2026-02-20 (test.zip): 4 of 5 locations placed by "
        "substation, load zone and hub; not in it, so without network neighbours, zone or reference hub: "
        "NEW_SLR_RN; without a trading hub in the mapping, so in no zone: LZ_AEN; no corridor limits "
        "(the mapping carries no lines or ratings)"
    )
    names = ["CBY_CBY_G1", "LZ_HOUSTON", "HB_BUSAVG", "LZ_AEN", "NEW_SLR_RN"]
    assert network.distance_matrix(names).shape == (5, 5)
    none, why = network_for({"X1": "Resource Node", "X2": "Resource Node"}, MAPPING)
    assert none is None and why.endswith(
        "holds none of the 2 locations: network localization, corridor limits and "
        "congestion against a reference hub are off"
    )
    with pytest.raises(GridModelError, match=r"disagree on 1 location\(s\): HB_NORTH \(Resource Node in the reports"):
        network_for({"HB_NORTH": "Resource Node"}, MAPPING)
    with pytest.raises(ValueError, match="exclude each other"):
        network_for({}, MAPPING, synthetic=True)


def test_network_for_the_synthetic_source() -> None:
    grid = build_grid()
    types = {p.name: p.location_type for p in grid.points}
    network, sentence = network_for(types, synthetic=True)
    assert isinstance(network, SyntheticNetwork) and sentence.startswith("grid graph of the synthetic market")
    names = list(grid.names)
    assert np.array_equal(network.distance_matrix(names), grid.distance_matrix(names))
    assert np.array_equal(network.zone_loadings(names), grid_zone_loadings(names, grid))
    assert network.has_corridor_limits and network.net_power_bounds_mw("HB_WEST") == grid.net_power_bounds_mw("HB_WEST")
    assert network.reference_hub("LZ_AEN") == "HB_SOUTH" and network.reference_hub("HB_PAN") == "HB_HUBAVG"
    real, why = network_for({**types, "CBY_CBY_G1": "Resource Node"}, synthetic=True)
    assert real is None and "does not hold 1 of the 31 locations (CBY_CBY_G1)" in why
    with pytest.raises(GridModelError, match="not in the grid graph"):
        network.reference_hub("CBY_CBY_G1")
