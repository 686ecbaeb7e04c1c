"""Backend selection: Julia only when an executable exists, never importing juliacall otherwise."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import numpy as np
import pytest

import hayeknet
from hayeknet import julia
from hayeknet.assimilation import backend, enkf
from hayeknet.assimilation.backend import kernel
from hayeknet.julia import BackendUnavailableError, find_julia_executable, julia_source, resolve_backend


@pytest.fixture
def fake_julia(tmp_path: Path) -> Path:
    exe = tmp_path / "bin" / "julia"
    exe.parent.mkdir()
    exe.write_text("#!/bin/sh\nexit 0\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return exe


def test_numpy_is_always_available(no_julia: None) -> None:
    assert resolve_backend("numpy") == "numpy"
    assert kernel("numpy").name == "numpy"


def test_auto_falls_back_to_numpy_without_julia(no_julia: None) -> None:
    assert find_julia_executable() is None
    assert resolve_backend("auto") == "numpy"
    assert kernel("auto").name == "numpy"


def test_julia_without_executable_raises_clear_error(no_julia: None) -> None:
    with pytest.raises(BackendUnavailableError, match="PYTHON_JULIACALL_EXE"):
        resolve_backend("julia")


def test_unknown_backend_is_rejected() -> None:
    with pytest.raises(ValueError, match="auto, julia, numpy"):
        resolve_backend("fortran")


def test_auto_picks_julia_on_path(no_julia: None, monkeypatch: pytest.MonkeyPatch, fake_julia: Path) -> None:
    monkeypatch.setenv("PATH", str(fake_julia.parent))
    assert find_julia_executable() == str(fake_julia)
    assert resolve_backend("auto") == "julia"  # resolving never imports juliacall


@pytest.mark.parametrize("var", julia.JULIA_ENV_VARS)
def test_environment_variable_names_the_executable(
    no_julia: None, monkeypatch: pytest.MonkeyPatch, fake_julia: Path, var: str
) -> None:
    monkeypatch.setenv(var, str(fake_julia))
    assert find_julia_executable() == str(fake_julia)
    assert resolve_backend("julia") == "julia"


def test_environment_variable_pointing_nowhere_is_ignored(no_julia: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JULIA_EXE", "/nonexistent/julia")
    assert resolve_backend("auto") == "numpy"


def test_numpy_kernel_runs_an_analysis(no_julia: None) -> None:
    rng = np.random.default_rng(0)
    ensemble = rng.normal(size=(3, 8))
    out = kernel("auto").analysis_etkf(ensemble, np.array([0.5]), np.array([1]), 0.1)
    assert out.shape == (3, 8)
    assert abs(out[1].mean() - 0.5) < abs(ensemble[1].mean() - 0.5)


def test_julia_kernel_source_and_version_pin_ship_with_the_package() -> None:
    source = julia_source(backend.JULIA_SOURCE)
    assert source.name == "enkf.jl" and "module HayekEnKF" in source.read_text()
    pin = json.loads((Path(hayeknet.__file__).parent / "juliapkg.json").read_text())
    assert pin == {"julia": "~1.10"}


def test_juliacall_import_is_lazy() -> None:
    """Importing the assimilation package must not import juliacall (it would try to download Julia)."""
    code = (
        "import sys, hayeknet.assimilation.backend, hayeknet.assimilation.price_model;"
        "sys.exit('juliacall' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if k not in julia.JULIA_ENV_VARS}
    import subprocess

    done = subprocess.run([sys.executable, "-c", code], env=env, check=False, timeout=120)
    assert done.returncode == 0


class _JuliaStandIn:
    """Mimics HayekEnKF's calling convention (1-based index operators, Julia keyword names) with NumPy."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, np.ndarray]] = []

    @staticmethod
    def _zero_based(op: np.ndarray) -> np.ndarray:
        return op - 1 if op.ndim == 1 else op

    def analysis_etkf(self, ensemble, obs, op, std, *, inflation, distance, localization_radius, taper):
        self.calls.append(("etkf", op))
        return enkf.analysis_etkf(
            ensemble,
            obs,
            self._zero_based(op),
            std,
            inflation=inflation,
            distance=distance,
            localization_radius=localization_radius,
            taper=taper,
        )

    def analysis_stochastic(
        self, ensemble, obs, op, std, perturbations, *, inflation, distance, localization_radius, taper
    ):
        self.calls.append(("stochastic", op))
        return enkf.stochastic_update(
            ensemble,
            obs,
            self._zero_based(op),
            std,
            perturbations,
            inflation=inflation,
            distance=distance,
            localization_radius=localization_radius,
            taper=taper,
        )

    def gaspari_cohn(self, r: float) -> float:
        return float(enkf.gaspari_cohn(r))

    def factor_analysis(
        self, basis, factors, loadings, obs, op, std, taper, *, shared_weight, inflation, perturbations
    ):
        self.calls.append(("factor_analysis", op))
        return enkf.factor_analysis(
            basis,
            factors,
            loadings,
            obs,
            self._zero_based(op),
            std,
            taper,
            shared_weight=shared_weight,
            inflation=inflation,
            perturbations=perturbations,
        )

    def ar1_forecast(self, ensemble, draws, phi, sigma):
        self.calls.append(("ar1_forecast", draws))
        return enkf.ar1_forecast(ensemble, draws, phi, sigma)

    def factor_levels(self, state, loadings):
        self.calls.append(("factor_levels", loadings))
        return enkf.factor_levels(state, loadings)


def test_julia_wrapper_shifts_indices_and_draws_perturbations_in_python() -> None:
    """The wrapper hands Julia 1-based indices and the same NumPy draws, so results equal NumPy's."""
    stand_in = _JuliaStandIn()
    wrapped = backend._wrap_julia(stand_in)
    rng = np.random.default_rng(3)
    ensemble = rng.normal(size=(6, 10))
    index = np.array([0, 3, 5])
    obs = np.array([0.3, -1.0, 2.0])
    etkf = wrapped.analysis_etkf(ensemble, obs, index, 0.5, inflation=1.05)
    np.testing.assert_array_equal(etkf, enkf.analysis_etkf(ensemble, obs, index, 0.5, inflation=1.05))
    np.testing.assert_array_equal(stand_in.calls[-1][1], index + 1)
    stochastic = wrapped.analysis_stochastic(ensemble, obs, index, np.array([0.5, 1.0, 2.0]), 9)
    np.testing.assert_array_equal(
        stochastic, enkf.analysis_stochastic(ensemble, obs, index, np.array([0.5, 1.0, 2.0]), 9)
    )
    np.testing.assert_allclose(wrapped.gaspari_cohn(np.array([[0.0, 1.0]])), [[1.0, 5.0 / 24.0]])


def test_julia_wrapper_hands_the_forecast_the_python_draws() -> None:
    """The forecast step gets the NumPy draws as they are, so both backends consume the generator alike."""
    stand_in = _JuliaStandIn()
    wrapped = backend._wrap_julia(stand_in)
    rng = np.random.default_rng(4)
    state = rng.normal(size=(5, 7))
    draws = rng.standard_normal((5, 7))
    phi, sigma = np.array([0.9, 0.9, 1.0, 0.6, 0.99]), np.full(5, 0.1)
    np.testing.assert_array_equal(
        wrapped.ar1_forecast(state, draws, phi, sigma), enkf.ar1_forecast(state, draws, phi, sigma)
    )
    np.testing.assert_array_equal(stand_in.calls[-1][1], draws)
    loadings = np.ones((2, 3))
    np.testing.assert_array_equal(wrapped.factor_levels(state, loadings), enkf.factor_levels(state, loadings))


def test_julia_wrapper_hands_the_factor_analysis_one_based_locations() -> None:
    """The two-stage factor analysis gets 1-based locations and the Python perturbations; results equal NumPy's."""
    stand_in = _JuliaStandIn()
    wrapped = backend._wrap_julia(stand_in)
    rng = np.random.default_rng(5)
    basis, factors = rng.normal(size=(3, 12)), rng.normal(size=(2, 12))
    loadings, taper = np.ones((3, 2)), np.eye(3)[:, [0, 2]]
    obs, index, std = np.array([0.4, -0.2]), np.array([0, 2]), np.array([0.3, 0.5])
    perturbations = rng.standard_normal((2, 12))
    for extra in ({}, {"perturbations": perturbations, "shared_weight": np.array([1.0, 0.25])}):
        np.testing.assert_array_equal(
            wrapped.factor_analysis(basis, factors, loadings, obs, index, std, taper, inflation=1.05, **extra),
            enkf.factor_analysis(basis, factors, loadings, obs, index, std, taper, inflation=1.05, **extra),
        )
        np.testing.assert_array_equal(stand_in.calls[-1][1], index + 1)


def test_auto_with_a_julia_that_cannot_start_runs_numpy_and_the_metrics_say_why(
    no_julia: None, monkeypatch: pytest.MonkeyPatch, fake_julia: Path, wide_prices
) -> None:
    """Julia found, juliacall unable to start it (here: not importable): the day is assimilated with NumPy,
    not stopped, and ``metrics['backend_note']`` says so (CI at 48165cd stopped the simulate stage instead)."""
    from hayeknet.assimilation.price_model import assimilate_day
    from hayeknet.params import AssimilationParams

    monkeypatch.setenv("PATH", str(fake_julia.parent))
    chosen = kernel("auto")
    assert chosen.name == "numpy"
    assert chosen.note.startswith(f"backend auto found Julia but ran NumPy instead: Julia at {fake_julia}")
    params = AssimilationParams(backend="auto", ensemble_size=20, inflation=1.02, obs_error_usd_per_mwh=2.0, seed=7)
    metrics = assimilate_day(wide_prices(3, n_intervals=24), params, backend="auto").metrics
    assert metrics["backend"] == "numpy" and "juliacall could not start it" in metrics["backend_note"]
    with pytest.raises(BackendUnavailableError, match="could not start it"):
        kernel("julia")  # asked for by name: an error, never a fallback
    assert kernel("numpy").note == ""
