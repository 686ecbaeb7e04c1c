"""The price model's factor structure along the grid graph: zone loadings, correlated forecast noise,
unobserved locations and determinism."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from hayeknet.assimilation.enkf import EnKFInputError, ar1_forecast, factor_levels
from hayeknet.assimilation.price_model import (
    AssimilationInputError,
    PriceModelSpec,
    _dynamics,
    _factor_loadings,
    assimilate_day,
    grid_zone_loadings,
    level_noise_covariance,
    zone_loadings,
)
from hayeknet.constraints.errors import GridModelError
from hayeknet.constraints.grid import build_grid
from hayeknet.ercot.locations import default_catalogue
from hayeknet.ercot.synthetic import synthetic_prices
from hayeknet.params import AssimilationParams

PARAMS = AssimilationParams(backend="numpy", ensemble_size=40, inflation=1.02, obs_error_usd_per_mwh=2.0, seed=7)
# two West nodes, a North node, the North load zone and hub, the Panhandle hub and a hub average
NAMES = ["ALVIN_RN", "ELMCRK_WND1", "BRAZOS_ALL", "LZ_NORTH", "HB_NORTH", "HB_PAN", "HB_HUBAVG"]


@pytest.fixture(scope="module")
def grid():
    return build_grid()


@pytest.fixture(scope="module")
def synthetic_day() -> pd.DataFrame:
    """A synthetic ERCOT day of the default catalogue (30 settlement points), as the archive holds it."""
    frame = synthetic_prices("2025-10-02", default_catalogue(), 20251001).lmp_frame()
    frame.index = frame.index.as_unit("ns")
    return frame


def test_grid_zone_loadings_follow_the_aggregation_graph(grid) -> None:
    loadings = grid_zone_loadings(NAMES, grid)
    # zones present: HB_PAN, HB_WEST, HB_NORTH (grid.buses order), the others dropped except through the average
    assert loadings.shape == (len(NAMES), 5)
    np.testing.assert_allclose(loadings.sum(axis=1), 1.0)
    zone_of = {name: tuple(np.flatnonzero(row)) for name, row in zip(NAMES, loadings)}
    assert zone_of["ALVIN_RN"] == zone_of["ELMCRK_WND1"]  # both West nodes -> LZ_WEST -> HB_WEST
    assert zone_of["BRAZOS_ALL"] == zone_of["LZ_NORTH"] == zone_of["HB_NORTH"]
    assert zone_of["HB_PAN"] != zone_of["ALVIN_RN"] and len(zone_of["HB_PAN"]) == 1
    np.testing.assert_allclose(loadings[NAMES.index("HB_HUBAVG")], 0.2)  # mean of the five physical hubs
    small_zone = grid_zone_loadings(["LZ_AEN", "HB_SOUTH", "CEDRO_UNIT1"], grid)
    np.testing.assert_array_equal(small_zone, np.ones((3, 1)))  # LZ_AEN feeds HB_SOUTH
    with pytest.raises(GridModelError, match="'NOT_A_NODE'"):
        grid_zone_loadings(["HB_NORTH", "NOT_A_NODE"], grid)


def test_zone_loadings_from_labels() -> None:
    np.testing.assert_array_equal(
        zone_loadings(["b", "a", None, "b"]), [[0.0, 1.0], [1.0, 0.0], [0.0, 0.0], [0.0, 1.0]]
    )


def test_correlated_noise_covariance_matches_the_graph(grid) -> None:
    """One forecast step from a zero-spread state: the empirical covariance of the level moves over many
    members equals the intended factor covariance (shared system and shock, zone blocks, own basis)."""
    spec = PriceModelSpec()
    zones = grid_zone_loadings(NAMES, grid)
    n_loc, n_members = len(NAMES), 40_000
    loadings = _factor_loadings(n_loc, zones)
    phi, sigma = _dynamics(spec, n_loc, loadings.shape[1])
    state = np.zeros((n_loc + loadings.shape[1], n_members))
    draws = np.random.default_rng(0).standard_normal(state.shape)
    moves = factor_levels(ar1_forecast(state, draws, phi, sigma), loadings)
    empirical = np.cov(moves)
    intended = level_noise_covariance(spec, zones, n_loc)
    se = np.sqrt((np.outer(np.diag(intended), np.diag(intended)) + intended**2) / n_members)
    assert np.all(np.abs(empirical - intended) < 5.0 * se + 1e-12)

    shared = spec.system_noise_std**2 + spec.shock_noise_std**2
    i = {name: k for k, name in enumerate(NAMES)}
    same_zone = intended[i["ALVIN_RN"], i["ELMCRK_WND1"]]
    other_zone = intended[i["ALVIN_RN"], i["BRAZOS_ALL"]]
    assert same_zone == pytest.approx(shared + spec.zone_noise_std**2)
    assert other_zone == pytest.approx(shared)
    assert intended[i["ALVIN_RN"], i["ALVIN_RN"]] == pytest.approx(
        shared + spec.zone_noise_std**2 + spec.basis_noise_std**2
    )
    assert same_zone > other_zone > 0  # nodes co-move with their zone, and every node with the system
    np.testing.assert_allclose(np.linalg.eigvalsh(intended).min(), spec.basis_noise_std**2, rtol=1e-6)


def test_ar1_forecast_and_factor_levels() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 6))
    draws = rng.normal(size=(4, 6))
    phi = np.array([1.0, 0.5, 0.0, -0.3])
    sigma = np.array([0.0, 1.0, 2.0, 0.1])
    out = ar1_forecast(x, draws, phi, sigma)
    np.testing.assert_allclose(out, phi[:, None] * x + sigma[:, None] * draws)
    np.testing.assert_array_equal(out[0], x[0])  # phi 1, sigma 0: persistence
    loadings = np.array([[1.0, 0.0], [0.5, 0.5]])
    np.testing.assert_allclose(factor_levels(x, loadings), x[:2] + loadings @ x[2:])
    with pytest.raises(EnKFInputError, match="one shape"):
        ar1_forecast(x, draws[:, :3], phi, sigma)
    with pytest.raises(EnKFInputError, match="sigma"):
        ar1_forecast(x, draws, phi, -sigma)
    with pytest.raises(EnKFInputError, match="L \\+ F rows"):
        factor_levels(x, np.ones((3, 2)))


def test_ou_basis_has_the_stationary_spread() -> None:
    """The basis is mean-reverting: over many steps its spread settles at sigma / sqrt(1 - a^2) (no drift)."""
    spec = PriceModelSpec()
    phi, sigma = np.array([spec.basis_ar]), np.array([spec.basis_noise_std])
    rng = np.random.default_rng(2)
    x = np.zeros((1, 20_000))
    for _ in range(1000):
        x = ar1_forecast(x, rng.standard_normal(x.shape), phi, sigma)
    stationary = spec.basis_noise_std / np.sqrt(1.0 - spec.basis_ar**2)
    assert x.std() == pytest.approx(stationary, rel=0.03)
    assert abs(x.mean()) < 0.05 * stationary


def _withheld(frame: pd.DataFrame, node: str, gap: slice) -> tuple[pd.DataFrame, np.ndarray]:
    truth = frame[node].to_numpy(copy=True)[gap]
    out = frame.copy()
    out.iloc[gap, out.columns.get_loc(node)] = np.nan
    return out, truth


WITHHELD = ["ALVIN_RN", "LZ_AEN", "HB_HOUSTON"]  # a West resource node, a small load zone, a trading hub
GAP = slice(150, 222)  # 6 hours, 12:30-18:30 local (the evening ramp)


RADIUS_HOPS = 2.0  # the recommended assimilation.localization_radius_hops (ADR 0006, second addendum)


def _gap_errors(
    frame: pd.DataFrame, node: str, zones: np.ndarray | None, distance: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    withheld, truth = _withheld(frame, node, GAP)
    f = assimilate_day(withheld, PARAMS, zones=zones, distance=distance, localization_radius=RADIUS_HOPS).filtered
    rows = f[f["location"] == node].iloc[GAP]
    return rows["mean"].to_numpy() - truth, rows["spread"].to_numpy()


@pytest.mark.xfail(
    strict=True,
    reason=(
        "ADR 0012's synthetic generator adds real-time-only congestion, which a withheld node's neighbours do not "
        "show: on 2025-10-02 the withheld nodes' RMSE is 2.6 $/MWh (7.5 before ADR 0006 addendum 4's two-stage "
        "analysis and noise sizing) but their spread is half of it (spread/RMSE 0.53 against the band 0.7-1.4)."
    ),
)
def test_unobserved_node_stays_bounded_with_the_correlated_model(synthetic_day, grid) -> None:
    """Withhold one node's prices for 6 hours (recommended set-up: grid zones, 2-hop localization): it
    follows its zone and the system with an error of a few $/MWh and a spread of the same size, not a
    drifting random walk (the independent-level model of ADR 0006 had RMSEs of 20-40 $/MWh and spreads up
    to 75 $/MWh in this experiment). Zone components beat the system-only factor model."""
    zones = grid_zone_loadings(list(synthetic_day.columns), grid)
    distance = grid.distance_matrix(list(synthetic_day.columns))
    sq_error, sq_spread, sq_error_no_zones = [], [], []
    for node in WITHHELD:
        error, spread = _gap_errors(synthetic_day, node, zones, distance)
        assert np.sqrt(np.mean(error**2)) < 6.0, node
        assert np.abs(error).max() < 12.0, node
        assert spread.max() < 12.0 and spread.min() > 0.0, node
        sq_error.append(error**2)
        sq_spread.append(spread**2)
        sq_error_no_zones.append(_gap_errors(synthetic_day, node, None, distance)[0] ** 2)
    rmse = float(np.sqrt(np.mean(sq_error)))
    ratio = float(np.sqrt(np.mean(sq_spread))) / rmse
    assert 0.7 < ratio < 1.4, ratio
    assert rmse < float(np.sqrt(np.mean(sq_error_no_zones)))


def test_network_model_is_deterministic_by_seed(synthetic_day, grid) -> None:
    frame = synthetic_day.iloc[:96]
    names = list(frame.columns)
    kwargs = {
        "zones": grid_zone_loadings(names, grid),
        "distance": grid.distance_matrix(names),
        "localization_radius": 1.0,
    }
    a = assimilate_day(frame, PARAMS, **kwargs)
    b = assimilate_day(frame, PARAMS, **kwargs)
    pd.testing.assert_frame_equal(a.filtered, b.filtered)
    pd.testing.assert_frame_equal(a.system, b.system)
    c = assimilate_day(frame, dataclasses.replace(PARAMS, seed=8), **kwargs)
    assert not np.allclose(a.filtered["mean"], c.filtered["mean"])
    assert a.metrics["n_zones"] == 5 and a.metrics["localization_radius"] == 1.0


def test_spike_stays_local_with_zones(synthetic_day, grid) -> None:
    frame = synthetic_day.copy()
    node = "BRAZOS_ALL"
    spike_time = frame.index[150]
    frame.loc[spike_time, node] = 1500.0
    zones = grid_zone_loadings(list(frame.columns), grid)
    f = assimilate_day(frame, PARAMS, zones=zones).filtered
    calm = assimilate_day(synthetic_day, PARAMS, zones=zones).filtered

    def flagged_elsewhere(filtered: pd.DataFrame) -> set[tuple[pd.Timestamp, str]]:
        """(interval, location) anomalies at the other locations in the hour after the spike."""
        rows = filtered[
            (filtered["normalized_innovation"].abs() > 4.0)
            & filtered["interval_start_utc"].between(spike_time, frame.index[162])
            & (filtered["location"] != node)
        ]
        return set(zip(rows["interval_start_utc"], rows["location"], strict=True))

    flagged = f[f["normalized_innovation"].abs() > 4.0]
    assert ((flagged["interval_start_utc"] == spike_time) & (flagged["location"] == node)).any()
    # the spike flags nothing at the other locations that the same day without it does not flag
    assert flagged_elsewhere(f) <= flagged_elsewhere(calm)
    # the other nodes of the zone are not dragged towards the spike
    neighbour = f[(f["location"] == "LZ_NORTH") & (f["interval_start_utc"] == spike_time)].iloc[0]
    assert abs(neighbour["mean"] - neighbour["observed"]) < 5.0


def test_invalid_zones_are_rejected(wide_prices) -> None:
    prices = wide_prices(3, n_intervals=10)
    with pytest.raises(AssimilationInputError, match=r"zones must be loadings \(3, K\)"):
        assimilate_day(prices, PARAMS, zones=np.ones((2, 1)))
    with pytest.raises(AssimilationInputError, match=">= 0"):
        assimilate_day(prices, PARAMS, zones=-np.ones((3, 1)))
    with pytest.raises(AssimilationInputError, match="basis_ar"):
        PriceModelSpec(basis_ar=1.2)
