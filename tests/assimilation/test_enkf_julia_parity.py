"""Julia kernel (julia/enkf.jl through juliacall) against the NumPy reference, same inputs and seeds.

Skipped when no Julia executable is found (PYTHON_JULIACALL_EXE, JULIA_EXE or
`julia` on PATH): juliacall is then never imported.
"""

from __future__ import annotations

import numpy as np
import pytest

from hayeknet.assimilation import enkf
from hayeknet.assimilation.backend import numpy_kernel
from hayeknet.assimilation.price_model import assimilate_day
from hayeknet.julia import find_julia_executable
from hayeknet.params import AssimilationParams

pytestmark = [
    pytest.mark.julia,
    pytest.mark.skipif(
        find_julia_executable() is None,
        reason="no Julia executable (set PYTHON_JULIACALL_EXE or JULIA_EXE, or put julia 1.10 on PATH)",
    ),
]

TOL = {"rtol": 1e-9, "atol": 1e-10}


@pytest.fixture(scope="module")
def jl():
    from hayeknet.assimilation.backend import julia_kernel

    return julia_kernel()


def problem(seed: int = 0, n: int = 12, n_members: int = 9, p: int = 5):
    rng = np.random.default_rng(seed)
    ensemble = rng.normal(size=(n, n_members)) * 2.0 + 1.0
    index = np.sort(rng.choice(n, size=p, replace=False))
    matrix = rng.normal(size=(p, n))
    obs = rng.normal(size=p)
    std = rng.uniform(0.2, 1.5, size=p)
    distance = np.abs(np.arange(n)[:, None] - index[None, :]).astype(float)
    return ensemble, index, matrix, obs, std, distance


@pytest.mark.parametrize("operator", ["index", "matrix"])
@pytest.mark.parametrize("localized", [False, True])
def test_etkf_parity(jl, operator: str, localized: bool) -> None:
    ensemble, index, matrix, obs, std, distance = problem(1)
    op = index if operator == "index" else matrix
    loc = {"distance": distance, "localization_radius": 2.0} if localized else {}
    expected = numpy_kernel().analysis_etkf(ensemble, obs, op, std, inflation=1.04, **loc)
    np.testing.assert_allclose(jl.analysis_etkf(ensemble, obs, op, std, inflation=1.04, **loc), expected, **TOL)


@pytest.mark.parametrize("localized", [False, True])
def test_stochastic_parity_same_seed(jl, localized: bool) -> None:
    ensemble, index, _, obs, std, distance = problem(2)
    loc = {"distance": distance, "localization_radius": 2.0} if localized else {}
    expected = enkf.analysis_stochastic(ensemble, obs, index, std, 17, inflation=1.03, **loc)
    actual = jl.analysis_stochastic(ensemble, obs, index, std, 17, inflation=1.03, **loc)
    np.testing.assert_allclose(actual, expected, **TOL)


def test_taper_and_scalar_error_parity(jl) -> None:
    ensemble, index, _, obs, _, _ = problem(3)
    taper = np.zeros((ensemble.shape[0], obs.size))
    taper[index, np.arange(obs.size)] = 1.0
    taper[0] = 0.5
    expected = enkf.analysis_etkf(ensemble, obs, index, 0.7, taper=taper)
    np.testing.assert_allclose(jl.analysis_etkf(ensemble, obs, index, 0.7, taper=taper), expected, **TOL)
    perturbations = np.random.default_rng(5).standard_normal((obs.size, ensemble.shape[1]))
    expected_s = enkf.stochastic_update(ensemble, obs, index, 0.7, perturbations, taper=taper)
    actual_s = jl.stochastic_update(ensemble, obs, index, 0.7, perturbations, taper=taper)
    np.testing.assert_allclose(actual_s, expected_s, **TOL)


def test_gaspari_cohn_parity(jl) -> None:
    r = np.linspace(0.0, 2.5, 26)
    np.testing.assert_allclose(jl.gaspari_cohn(r), enkf.gaspari_cohn(r), atol=1e-14)


def test_assimilate_day_parity(jl, wide_prices) -> None:
    prices = wide_prices(6, seed=3, n_intervals=48)
    prices.iloc[5:9, 2] = np.nan
    params = AssimilationParams(ensemble_size=12, seed=5)
    numpy_result = assimilate_day(prices, params, backend="numpy")
    julia_result = assimilate_day(prices, params, backend="julia")
    assert julia_result.metrics["backend"] == "julia"
    for column in ("mean", "spread", "innovation", "normalized_innovation"):
        np.testing.assert_allclose(
            julia_result.filtered[column].to_numpy(), numpy_result.filtered[column].to_numpy(), rtol=1e-7, atol=1e-8
        )


def test_forecast_helpers_parity(jl) -> None:
    rng = np.random.default_rng(6)
    state = rng.normal(size=(9, 11))
    draws = rng.standard_normal((9, 11))
    phi = rng.uniform(0.5, 1.0, 9)
    sigma = rng.uniform(0.0, 0.2, 9)
    np.testing.assert_allclose(
        jl.ar1_forecast(state, draws, phi, sigma), enkf.ar1_forecast(state, draws, phi, sigma), **TOL
    )
    loadings = rng.uniform(0.0, 1.0, (6, 3))
    np.testing.assert_allclose(jl.factor_levels(state, loadings), enkf.factor_levels(state, loadings), **TOL)


def test_assimilate_day_parity_network_model(jl) -> None:
    """Zones, network localization and a gap: same draws in the same order, same filtered prices."""
    from hayeknet.assimilation.price_model import grid_zone_loadings
    from hayeknet.constraints.grid import build_grid
    from hayeknet.ercot.locations import default_catalogue
    from hayeknet.ercot.synthetic import synthetic_prices

    frame = synthetic_prices("2025-10-02", default_catalogue(), 20251001).lmp_frame().iloc[:48]
    frame.index = frame.index.as_unit("ns")
    frame.iloc[10:30, 3] = np.nan
    names = list(frame.columns)
    grid = build_grid()
    kwargs = {
        "zones": grid_zone_loadings(names, grid),
        "distance": grid.distance_matrix(names),
        "localization_radius": 2.0,
    }
    params = AssimilationParams(ensemble_size=12, seed=5)
    numpy_result = assimilate_day(frame, params, backend="numpy", **kwargs)
    julia_result = assimilate_day(frame, params, backend="julia", **kwargs)
    for column in ("mean", "spread", "innovation", "normalized_innovation"):
        np.testing.assert_allclose(
            julia_result.filtered[column].to_numpy(), numpy_result.filtered[column].to_numpy(), rtol=1e-7, atol=1e-8
        )


@pytest.mark.parametrize("stochastic", [False, True])
def test_factor_analysis_parity(jl, stochastic: bool) -> None:
    """The two-stage factor analysis: own-price and network tapers, a missing price, a down-weighted outlier."""
    rng = np.random.default_rng(8)
    basis, factors = rng.normal(size=(5, 11)) * 0.3, rng.normal(size=(3, 11))
    loadings = np.concatenate([np.ones((5, 2)), rng.uniform(0.0, 1.0, (5, 1))], axis=1)
    index = np.array([0, 1, 3, 4])  # location 2 has no price
    obs, std = rng.normal(size=4), rng.uniform(0.2, 0.8, 4)
    taper = enkf.gaspari_cohn(np.abs(np.arange(5)[:, None] - index[None, :]) / 1.5)
    extra = {"perturbations": rng.standard_normal((4, 11))} if stochastic else {}
    for basis_taper in (np.eye(5)[:, index], taper):
        expected = enkf.factor_analysis(
            basis, factors, loadings, obs, index, std, basis_taper,
            shared_weight=np.array([1.0, 0.3, 1.0, 1.0]), inflation=1.03, **extra,
        )  # fmt: skip
        actual = jl.factor_analysis(
            basis, factors, loadings, obs, index, std, basis_taper,
            shared_weight=np.array([1.0, 0.3, 1.0, 1.0]), inflation=1.03, **extra,
        )  # fmt: skip
        np.testing.assert_allclose(actual, expected, **TOL)
