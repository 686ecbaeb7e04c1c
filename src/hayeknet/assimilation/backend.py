"""Choose the EnKF backend (NumPy or Julia) and load the Julia kernel lazily.

``auto`` picks Julia only when a Julia executable is found
(``$PYTHON_JULIACALL_EXE``, ``$JULIA_EXE`` or ``julia`` on ``PATH``);
``juliacall`` is never imported otherwise, because importing it without Julia
tries to download one (and fails offline with ``URLError``).

Both backends expose the same callables (:class:`EnKFKernel`): the analyses
and the price model's forecast helpers (``ar1_forecast``, ``factor_levels``),
with the NumPy argument order and 0-based index observation operators. Random
numbers are always drawn in Python (NumPy ``Generator``) and handed to the
kernel (observation perturbations and forecast draws alike), so the two
backends see identical inputs. Import juliacall before torch in a process
that uses both (DESIGN section 8), and do not fork after loading Julia.
"""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from hayeknet.assimilation import enkf

BACKENDS = ("auto", "julia", "numpy")
JULIA_ENV_VARS = ("PYTHON_JULIACALL_EXE", "JULIA_EXE")
JULIA_SOURCE = "enkf.jl"


class BackendUnavailableError(RuntimeError):
    """The requested EnKF backend cannot run here (no Julia executable, missing kernel file)."""


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


def find_julia_executable() -> str | None:
    """Path of a Julia executable from the environment variables or ``PATH``; ``None`` if absent."""
    for var in JULIA_ENV_VARS:
        value = os.environ.get(var, "").strip()
        if not value or value.startswith("@"):
            continue
        found = shutil.which(value)
        if found:
            return found
    return shutil.which("julia")


def resolve_backend(requested: str) -> str:
    """Map ``auto | julia | numpy`` to the backend that will run: ``julia`` or ``numpy``.

    ``auto`` gives ``julia`` only when a Julia executable is found. ``julia``
    without one raises :class:`BackendUnavailableError`.
    """
    if requested not in BACKENDS:
        raise ValueError(f"EnKF backend must be one of {', '.join(BACKENDS)}, got {requested!r}")
    if requested == "numpy":
        return "numpy"
    exe = find_julia_executable()
    if requested == "julia" and exe is None:
        raise BackendUnavailableError(
            "assimilation backend 'julia' requested but no Julia executable was found: set "
            "PYTHON_JULIACALL_EXE or JULIA_EXE, or put `julia` (1.10) on PATH; "
            "or use backend 'auto' or 'numpy'"
        )
    return "julia" if exe is not None else "numpy"


def julia_source_path() -> Path:
    """``julia/enkf.jl`` of the project: next to the source tree, else under the project root."""
    candidates = [Path(__file__).resolve().parents[3] / "julia" / JULIA_SOURCE]
    try:
        from hayeknet.config import find_root

        candidates.append(find_root() / "julia" / JULIA_SOURCE)
    except FileNotFoundError:
        pass
    for path in candidates:
        if path.is_file():
            return path
    raise BackendUnavailableError(
        f"Julia kernel {JULIA_SOURCE} not found (looked at {', '.join(str(p) for p in candidates)})"
    )


def numpy_kernel() -> EnKFKernel:
    """The NumPy reference kernel."""
    return EnKFKernel(
        name="numpy",
        analysis_etkf=enkf.analysis_etkf,
        analysis_stochastic=enkf.analysis_stochastic,
        stochastic_update=enkf.stochastic_update,
        gaspari_cohn=enkf.gaspari_cohn,
        ar1_forecast=enkf.ar1_forecast,
        factor_levels=enkf.factor_levels,
    )


def kernel(backend: str) -> EnKFKernel:
    """Kernel for ``backend`` (``auto`` resolved with :func:`resolve_backend`)."""
    resolved = resolve_backend(backend)
    return julia_kernel() if resolved == "julia" else numpy_kernel()


@functools.lru_cache(maxsize=1)
def julia_kernel() -> EnKFKernel:
    """Load ``julia/enkf.jl`` through juliacall (once per process) and wrap its functions.

    Sets ``PYTHON_JULIAPKG_OFFLINE=yes`` unless already set and points
    ``PYTHON_JULIACALL_EXE`` at the executable found, so juliacall neither
    downloads Julia nor resolves packages (the kernel needs the standard
    library only).
    """
    exe = find_julia_executable()
    if exe is None:
        raise BackendUnavailableError(
            "cannot load the Julia EnKF kernel: no Julia executable found "
            "(set PYTHON_JULIACALL_EXE or JULIA_EXE, or put `julia` on PATH)"
        )
    source = julia_source_path()
    os.environ.setdefault("PYTHON_JULIAPKG_OFFLINE", "yes")
    os.environ["PYTHON_JULIACALL_EXE"] = exe
    from juliacall import Main as jl  # noqa: PLC0415 - deliberately lazy (see module docstring)

    jl.include(str(source))
    module = jl.HayekEnKF
    return _wrap_julia(module)


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

    return EnKFKernel(
        name="julia",
        analysis_etkf=analysis_etkf,
        analysis_stochastic=analysis_stochastic,
        stochastic_update=stochastic_update,
        gaspari_cohn=gaspari_cohn,
        ar1_forecast=ar1_forecast,
        factor_levels=factor_levels,
    )
