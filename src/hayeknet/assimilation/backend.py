"""The EnKF kernel in NumPy or Julia (``julia/enkf.jl``), with one set of signatures.

Backend choice and loading are :mod:`hayeknet.julia`'s (``auto`` picks Julia
only when a Julia executable is found; juliacall is never imported otherwise).

Both backends expose the same callables (:class:`EnKFKernel`): the analyses
and the price model's helpers (``ar1_forecast``, ``factor_levels``, ``factor_analysis``),
with the NumPy argument order and 0-based index observation operators. Random
numbers are always drawn in Python (NumPy ``Generator``) and handed to the
kernel (observation perturbations and forecast draws alike), so the two
backends see identical inputs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from hayeknet.assimilation import enkf
from hayeknet.julia import choose_kernel, load_julia_module

JULIA_SOURCE = "enkf.jl"


@dataclass(frozen=True)
class EnKFKernel:
    """Analysis and forecast callables of one backend, all with the NumPy module's signatures."""

    name: str
    analysis_etkf: Callable[..., np.ndarray]
    analysis_stochastic: Callable[..., np.ndarray]
    stochastic_update: Callable[..., np.ndarray]
    gaspari_cohn: Callable[[ArrayLike], np.ndarray]
    ar1_forecast: Callable[[ArrayLike, ArrayLike, ArrayLike, ArrayLike], np.ndarray]
    factor_levels: Callable[[ArrayLike, ArrayLike], np.ndarray]
    factor_analysis: Callable[..., np.ndarray]
    note: str = ""  # why NumPy runs although auto found Julia (empty otherwise)


def numpy_kernel(note: str = "") -> EnKFKernel:
    """The NumPy reference kernel; ``note`` says why it runs where Julia was asked for (``auto``)."""
    return EnKFKernel(
        name="numpy",
        note=note,
        analysis_etkf=enkf.analysis_etkf,
        analysis_stochastic=enkf.analysis_stochastic,
        stochastic_update=enkf.stochastic_update,
        gaspari_cohn=enkf.gaspari_cohn,
        ar1_forecast=enkf.ar1_forecast,
        factor_levels=enkf.factor_levels,
        factor_analysis=enkf.factor_analysis,
    )


def kernel(backend: str) -> EnKFKernel:
    """Kernel for ``backend`` (:func:`hayeknet.julia.choose_kernel`: ``auto`` falls back to NumPy, with a
    ``note``, when Julia is found but cannot be loaded)."""
    return choose_kernel(backend, julia_kernel, numpy_kernel)


@functools.lru_cache(maxsize=1)
def julia_kernel() -> EnKFKernel:
    """Load ``julia/enkf.jl`` through :func:`hayeknet.julia.load_julia_module` and wrap its functions.

    Raises :class:`hayeknet.julia.BackendUnavailableError` without a Julia
    executable (juliacall is then not imported).
    """
    return _wrap_julia(load_julia_module(JULIA_SOURCE, "HayekEnKF"))


def _wrap_julia(module: Any) -> EnKFKernel:
    def to_julia_operator(obs_operator: ArrayLike) -> np.ndarray:
        h = np.asarray(obs_operator)
        if h.ndim == 1:
            return np.ascontiguousarray(h.astype(np.int64) + 1)  # Julia indices are 1-based
        return np.ascontiguousarray(h, dtype=float)

    def common(ensemble: ArrayLike, obs: ArrayLike, obs_operator: ArrayLike, obs_error_std: ArrayLike | float):
        std = np.asarray(obs_error_std, dtype=float)
        return (
            np.ascontiguousarray(ensemble, dtype=float),
            np.ascontiguousarray(np.atleast_1d(np.asarray(obs, dtype=float))),
            to_julia_operator(obs_operator),
            float(std) if std.ndim == 0 else np.ascontiguousarray(std),
        )

    def localization(distance: ArrayLike | None, radius: float | None, taper: ArrayLike | None) -> dict[str, Any]:
        return {
            "distance": None if distance is None else np.ascontiguousarray(distance, dtype=float),
            "localization_radius": None if radius is None else float(radius),
            "taper": None if taper is None else np.ascontiguousarray(taper, dtype=float),
        }

    def analysis_etkf(
        ensemble: ArrayLike,
        obs: ArrayLike,
        obs_operator: ArrayLike,
        obs_error_std: ArrayLike | float,
        *,
        inflation: float = 1.0,
        distance: ArrayLike | None = None,
        localization_radius: float | None = None,
        taper: ArrayLike | None = None,
    ) -> np.ndarray:
        out = module.analysis_etkf(
            *common(ensemble, obs, obs_operator, obs_error_std),
            inflation=float(inflation),
            **localization(distance, localization_radius, taper),
        )
        return np.array(out, dtype=float)

    def stochastic_update(
        ensemble: ArrayLike,
        obs: ArrayLike,
        obs_operator: ArrayLike,
        obs_error_std: ArrayLike | float,
        perturbations: ArrayLike,
        *,
        inflation: float = 1.0,
        distance: ArrayLike | None = None,
        localization_radius: float | None = None,
        taper: ArrayLike | None = None,
    ) -> np.ndarray:
        out = module.analysis_stochastic(
            *common(ensemble, obs, obs_operator, obs_error_std),
            np.ascontiguousarray(perturbations, dtype=float),
            inflation=float(inflation),
            **localization(distance, localization_radius, taper),
        )
        return np.array(out, dtype=float)

    def analysis_stochastic(
        ensemble: ArrayLike,
        obs: ArrayLike,
        obs_operator: ArrayLike,
        obs_error_std: ArrayLike | float,
        rng: np.random.Generator | int | None,
        *,
        inflation: float = 1.0,
        distance: ArrayLike | None = None,
        localization_radius: float | None = None,
        taper: ArrayLike | None = None,
    ) -> np.ndarray:
        x = np.asarray(ensemble, dtype=float)
        n_obs = np.atleast_1d(np.asarray(obs)).shape[0]
        perturbations = enkf.draw_perturbations(rng, n_obs, x.shape[1])
        return stochastic_update(
            x,
            obs,
            obs_operator,
            obs_error_std,
            perturbations,
            inflation=inflation,
            distance=distance,
            localization_radius=localization_radius,
            taper=taper,
        )

    def gaspari_cohn(r: ArrayLike) -> np.ndarray:
        values = np.asarray(r, dtype=float)
        flat = [float(module.gaspari_cohn(float(v))) for v in values.ravel()]
        return np.asarray(flat, dtype=float).reshape(values.shape)

    def ar1_forecast(ensemble: ArrayLike, draws: ArrayLike, phi: ArrayLike, sigma: ArrayLike) -> np.ndarray:
        out = module.ar1_forecast(
            np.ascontiguousarray(ensemble, dtype=float),
            np.ascontiguousarray(draws, dtype=float),
            np.ascontiguousarray(phi, dtype=float),
            np.ascontiguousarray(sigma, dtype=float),
        )
        return np.array(out, dtype=float)

    def factor_levels(state: ArrayLike, loadings: ArrayLike) -> np.ndarray:
        out = module.factor_levels(
            np.ascontiguousarray(state, dtype=float), np.ascontiguousarray(loadings, dtype=float)
        )
        return np.array(out, dtype=float)

    def factor_analysis(
        basis: ArrayLike,
        factors: ArrayLike,
        loadings: ArrayLike,
        obs: ArrayLike,
        obs_index: ArrayLike,
        obs_error_std: ArrayLike | float,
        basis_taper: ArrayLike,
        *,
        shared_weight: ArrayLike | None = None,
        inflation: float = 1.0,
        perturbations: ArrayLike | None = None,
    ) -> np.ndarray:
        std = np.asarray(obs_error_std, dtype=float)
        out = module.factor_analysis(
            np.ascontiguousarray(basis, dtype=float),
            np.ascontiguousarray(factors, dtype=float),
            np.ascontiguousarray(loadings, dtype=float),
            np.ascontiguousarray(np.atleast_1d(np.asarray(obs, dtype=float))),
            to_julia_operator(obs_index),
            float(std) if std.ndim == 0 else np.ascontiguousarray(std),
            np.ascontiguousarray(basis_taper, dtype=float),
            shared_weight=None if shared_weight is None else np.ascontiguousarray(shared_weight, dtype=float),
            inflation=float(inflation),
            perturbations=None if perturbations is None else np.ascontiguousarray(perturbations, dtype=float),
        )
        return np.array(out, dtype=float)

    return EnKFKernel(
        name="julia",
        analysis_etkf=analysis_etkf,
        analysis_stochastic=analysis_stochastic,
        stochastic_update=stochastic_update,
        gaspari_cohn=gaspari_cohn,
        ar1_forecast=ar1_forecast,
        factor_levels=factor_levels,
        factor_analysis=factor_analysis,
    )
