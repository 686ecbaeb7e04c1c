"""One analysis step of the NumPy EnKF against the exact Kalman filter."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.assimilation.enkf import (
    EnKFInputError,
    analysis_etkf,
    analysis_stochastic,
    gaspari_cohn,
    inflate,
    localization_taper,
    stochastic_update,
)


def linear_gaussian_problem(seed: int, n: int = 6, n_members: int = 15, p: int = 4):
    """Prior ensemble, observation matrix, observations and error stds of a random linear-Gaussian problem."""
    rng = np.random.default_rng(seed)
    ensemble = rng.normal(size=(n, 1)) + rng.normal(size=(n, n)) @ rng.normal(size=(n, n_members))
    h = rng.normal(size=(p, n))
    obs = rng.normal(size=p) * 2.0
    std = rng.uniform(0.3, 2.0, size=p)
    return ensemble, h, obs, std


def kalman(mean: np.ndarray, cov: np.ndarray, h: np.ndarray, obs: np.ndarray, std: np.ndarray):
    """Exact Kalman analysis (the n x n reference the EnKF must match)."""
    gain = cov @ h.T @ np.linalg.inv(h @ cov @ h.T + np.diag(std**2))
    return mean + gain @ (obs - h @ mean), cov - gain @ h @ cov


@pytest.mark.parametrize("inflation", [1.0, 1.1])
@pytest.mark.parametrize("operator", ["matrix", "index"])
def test_etkf_equals_kalman_filter(operator: str, inflation: float) -> None:
    ensemble, h, obs, std = linear_gaussian_problem(seed=3)
    if operator == "index":
        index = np.array([0, 2, 3, 5])
        h = np.eye(ensemble.shape[0])[index]
        op = index
    else:
        op = h
    prior_cov = inflation**2 * np.cov(ensemble)
    mean_kf, cov_kf = kalman(ensemble.mean(axis=1), prior_cov, h, obs, std)

    post = analysis_etkf(ensemble, obs, op, std, inflation=inflation)

    np.testing.assert_allclose(post.mean(axis=1), mean_kf, rtol=0, atol=1e-10)
    np.testing.assert_allclose(np.cov(post), cov_kf, rtol=0, atol=1e-10)


def test_etkf_scalar_error_equals_vector_error() -> None:
    ensemble, h, obs, _ = linear_gaussian_problem(seed=4)
    np.testing.assert_allclose(
        analysis_etkf(ensemble, obs, h, 0.7), analysis_etkf(ensemble, obs, h, np.full(obs.shape, 0.7)), atol=1e-13
    )


def test_stochastic_mean_equals_kalman_mean() -> None:
    """Centred perturbations leave the analysis mean at the Kalman mean of the ensemble prior."""
    ensemble, h, obs, std = linear_gaussian_problem(seed=5)
    mean_kf, _ = kalman(ensemble.mean(axis=1), np.cov(ensemble), h, obs, std)
    post = analysis_stochastic(ensemble, obs, h, std, np.random.default_rng(1))
    np.testing.assert_allclose(post.mean(axis=1), mean_kf, atol=1e-10)


def test_stochastic_is_reproducible_from_seed() -> None:
    ensemble, h, obs, std = linear_gaussian_problem(seed=6)
    a = analysis_stochastic(ensemble, obs, h, std, 11)
    b = analysis_stochastic(ensemble, obs, h, std, np.random.default_rng(11))
    c = analysis_stochastic(ensemble, obs, h, std, 12)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    perturbations = np.random.default_rng(11).standard_normal((obs.size, ensemble.shape[1]))
    np.testing.assert_array_equal(a, stochastic_update(ensemble, obs, h, std, perturbations))


def test_stochastic_covariance_error_shrinks_as_inverse_sqrt_n() -> None:
    """Sampling error of the perturbed-observation covariance ~ 1/sqrt(N): error * sqrt(N) stays flat."""
    n, p = 4, 3
    rng = np.random.default_rng(2024)
    h = rng.normal(size=(p, n))
    std = np.array([0.5, 1.0, 1.5])
    obs = np.array([1.0, -0.5, 2.0])
    scaled = {}
    for n_members in (20, 80, 320):
        errors = []
        for seed in range(20):
            draw = np.random.default_rng(1000 * n_members + seed)
            ensemble = draw.normal(size=(n, n_members)) * np.array([[1.0], [2.0], [0.5], [1.5]])
            _, cov_kf = kalman(ensemble.mean(axis=1), np.cov(ensemble), h, obs, std)
            post = analysis_stochastic(ensemble, obs, h, std, draw)
            errors.append(np.linalg.norm(np.cov(post) - cov_kf) / np.linalg.norm(cov_kf))
        scaled[n_members] = float(np.mean(errors)) * np.sqrt(n_members)
    values = np.array(list(scaled.values()))
    assert values.max() / values.min() < 1.6, scaled
    # and the error itself falls about 4-fold from N=20 to N=320
    assert scaled[320] / np.sqrt(320) < scaled[20] / np.sqrt(20) / 2.5, scaled


@pytest.mark.parametrize("method", ["etkf", "stochastic"])
def test_local_analysis_with_full_taper_equals_global(method: str) -> None:
    ensemble, h, obs, std = linear_gaussian_problem(seed=7)
    distance = np.zeros((ensemble.shape[0], obs.size))
    if method == "etkf":
        glob = analysis_etkf(ensemble, obs, h, std, inflation=1.05)
        loc = analysis_etkf(ensemble, obs, h, std, inflation=1.05, distance=distance, localization_radius=2.0)
    else:
        glob = analysis_stochastic(ensemble, obs, h, std, 3, inflation=1.05)
        loc = analysis_stochastic(ensemble, obs, h, std, 3, inflation=1.05, distance=distance, localization_radius=2.0)
    np.testing.assert_allclose(loc, glob, atol=1e-12)


@pytest.mark.parametrize("weight", [1.0, 0.37])
def test_single_observation_row_equals_global_analysis_of_that_observation(weight: float) -> None:
    """R-localization: a row that sees one observation with taper rho is the global update with R / rho."""
    ensemble, h, obs, std = linear_gaussian_problem(seed=8)
    n = ensemble.shape[0]
    taper = np.zeros((n, obs.size))
    taper[1, 2] = weight
    taper[4, 0] = weight
    post = analysis_etkf(ensemble, obs, h, std, inflation=1.1, taper=taper)
    for row, j in ((1, 2), (4, 0)):
        ref = analysis_etkf(ensemble, obs[j : j + 1], h[j : j + 1], std[j] / np.sqrt(weight), inflation=1.1)
        np.testing.assert_allclose(post[row], ref[row], atol=1e-12)
    # rows that see no observation keep their prior, not inflated (nothing to offset; an unobserved
    # variable would otherwise grow by the inflation factor at every analysis)
    for row in (0, 2, 3, 5):
        np.testing.assert_allclose(post[row], ensemble[row], atol=1e-12)

    perturbations = np.random.default_rng(9).standard_normal((obs.size, ensemble.shape[1]))
    post_s = stochastic_update(ensemble, obs, h, std, perturbations, taper=taper)
    for row, j in ((1, 2), (4, 0)):
        ref = stochastic_update(
            ensemble, obs[j : j + 1], h[j : j + 1], std[j] / np.sqrt(weight), perturbations[j : j + 1]
        )
        np.testing.assert_allclose(post_s[row], ref[row], atol=1e-12)


def test_multi_observation_rows_match_separate_local_problems() -> None:
    """A row seeing several observations equals the global update with those observations and R / rho."""
    ensemble, h, obs, std = linear_gaussian_problem(seed=10)
    taper = np.zeros((ensemble.shape[0], obs.size))
    taper[3] = [0.2, 0.0, 0.9, 1.0]
    post = analysis_etkf(ensemble, obs, h, std, taper=taper)
    use = taper[3] > 0
    ref = analysis_etkf(ensemble, obs[use], h[use], std[use] / np.sqrt(taper[3, use]))
    np.testing.assert_allclose(post[3], ref[3], atol=1e-12)


@pytest.mark.parametrize("method", ["etkf", "stochastic"])
def test_rows_sharing_a_taper_match_their_separate_updates(method: str) -> None:
    """Rows with identical taper rows share one weight matrix; each equals the update computed for it alone."""
    ensemble, h, obs, std = linear_gaussian_problem(seed=12)
    taper = np.zeros((ensemble.shape[0], obs.size))
    taper[[0, 2, 5]] = [0.3, 1.0, 0.0, 0.7]  # one pattern, three rows
    taper[4] = [0.3, 1.0, 0.5, 0.7]
    perturbations = np.random.default_rng(1).standard_normal((obs.size, ensemble.shape[1]))

    def update(t: np.ndarray) -> np.ndarray:
        if method == "etkf":
            return analysis_etkf(ensemble, obs, h, std, inflation=1.03, taper=t)
        return stochastic_update(ensemble, obs, h, std, perturbations, inflation=1.03, taper=t)

    shared = update(taper)
    for row in (0, 2, 5, 4):
        alone = np.zeros_like(taper)
        alone[row] = taper[row]
        np.testing.assert_allclose(shared[row], update(alone)[row], atol=1e-12)
    np.testing.assert_array_equal(shared[[1, 3]], ensemble[[1, 3]])  # no observation: prior kept


def test_inflation_scales_anomalies_and_keeps_mean() -> None:
    ensemble, _, _, _ = linear_gaussian_problem(seed=11)
    out = inflate(ensemble, 1.3)
    np.testing.assert_allclose(out.mean(axis=1), ensemble.mean(axis=1), atol=1e-12)
    np.testing.assert_allclose(np.cov(out), 1.69 * np.cov(ensemble), atol=1e-10)


def test_gaspari_cohn_known_values() -> None:
    np.testing.assert_allclose(gaspari_cohn([0.0, 1.0, 2.0, 3.0]), [1.0, 5.0 / 24.0, 0.0, 0.0], atol=1e-12)
    taper = localization_taper(np.array([[0.0, 4.0], [8.0, 9.0]]), radius=4.0)
    np.testing.assert_allclose(taper, [[1.0, 5.0 / 24.0], [0.0, 0.0]], atol=1e-12)


@given(st.lists(st.floats(0.0, 3.0), min_size=2, max_size=30))
def test_gaspari_cohn_is_a_monotone_taper(values: list[float]) -> None:
    r = np.sort(np.array(values))
    taper = gaspari_cohn(r)
    assert np.all((taper >= 0.0) & (taper <= 1.0))
    assert np.all(np.diff(taper) <= 1e-12)
    assert np.all(taper[r >= 2.0] == 0.0)


@given(st.floats(0.0, 2.0))
def test_gaspari_cohn_is_continuous(r: float) -> None:
    assert abs(gaspari_cohn(r + 1e-7) - gaspari_cohn(r)).item() < 1e-5


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 8),
    n_members=st.integers(3, 25),
    p=st.integers(1, 6),
    inflation=st.floats(1.0, 1.5),
)
def test_etkf_matches_kalman_on_random_problems(seed: int, n: int, n_members: int, p: int, inflation: float) -> None:
    ensemble, h, obs, std = linear_gaussian_problem(seed, n=n, n_members=n_members, p=p)
    prior_cov = inflation**2 * np.atleast_2d(np.cov(ensemble))
    mean_kf, cov_kf = kalman(ensemble.mean(axis=1), prior_cov, h, obs, std)
    post = analysis_etkf(ensemble, obs, h, std, inflation=inflation)
    post_cov = np.atleast_2d(np.cov(post))
    scale = 1.0 + np.abs(prior_cov).max()
    np.testing.assert_allclose(post.mean(axis=1), mean_kf, atol=1e-8 * scale)
    np.testing.assert_allclose(post_cov, cov_kf, atol=1e-8 * scale)
    # observing never increases the total variance
    assert np.trace(post_cov) <= np.trace(prior_cov) + 1e-9 * scale


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"obs": np.array([np.nan, 1.0, 2.0, 3.0])}, "finite"),
        ({"std": np.array([1.0, 0.0, 1.0, 1.0])}, "obs_error_std"),
        ({"std": np.array([1.0, 2.0])}, "obs_error_std"),
        ({"op": np.array([0, 1, 2, 99])}, "out of range"),
        ({"op": np.array([0.0, 1.0, 2.0, 3.0])}, "integers"),
        ({"op": np.ones((4, 2))}, "shape"),
        ({"inflation": 0.9}, "inflation"),
    ],
)
def test_invalid_inputs_raise_enkf_input_error(kwargs: dict, message: str) -> None:
    ensemble, h, obs, std = linear_gaussian_problem(seed=12)
    args = {"obs": obs, "std": std, "op": h, "inflation": 1.0} | kwargs
    with pytest.raises(EnKFInputError, match=message):
        analysis_etkf(ensemble, args["obs"], args["op"], args["std"], inflation=args["inflation"])


def test_localization_needs_distance_and_radius() -> None:
    ensemble, h, obs, std = linear_gaussian_problem(seed=13)
    with pytest.raises(EnKFInputError, match="localization_radius"):
        analysis_etkf(ensemble, obs, h, std, distance=np.zeros((6, 4)))
    with pytest.raises(EnKFInputError, match="shape"):
        analysis_etkf(ensemble, obs, h, std, distance=np.zeros((6, 3)), localization_radius=1.0)
    with pytest.raises(EnKFInputError, match="perturbations"):
        stochastic_update(ensemble, obs, h, std, np.zeros((4, 3)))
