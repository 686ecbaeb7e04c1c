"""Choose the option-pricing backend (NumPy or the Julia twin ``julia/options.jl``).

Backend choice and loading are :mod:`hayeknet.julia`'s: ``auto`` uses Julia
only when a Julia executable is found, juliacall is imported lazily (never
without Julia). Every random draw is made in Python and handed to the kernel,
so both backends price the same paths. :class:`OptionsKernel` exposes the
NumPy signatures for both.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hayeknet.julia import choose_kernel, load_julia_module
from hayeknet.options import closed_forms, montecarlo
from hayeknet.options.montecarlo import JumpOUDraws, JumpOUModel, MCEstimate

JULIA_SOURCE = "options.jl"


@dataclass(frozen=True)
class OptionsKernel:
    """Pricing callables of one backend, with the NumPy modules' signatures."""

    name: str
    black76_call: Callable[..., float]
    margrabe_exchange: Callable[..., float]
    log_ou_call: Callable[..., float]
    simulate_jump_ou: Callable[[float, JumpOUModel, float, JumpOUDraws], np.ndarray]
    expected_exp: Callable[..., float]
    mc_estimate: Callable[..., MCEstimate]
    strip_payoffs: Callable[..., tuple[np.ndarray, np.ndarray]]
    note: str = ""  # why NumPy runs although auto found Julia (empty otherwise)


def numpy_kernel(note: str = "") -> OptionsKernel:
    """The NumPy reference kernel; ``note`` says why it runs where Julia was asked for (``auto``)."""
    return OptionsKernel(
        name="numpy",
        note=note,
        black76_call=closed_forms.black76_call,
        margrabe_exchange=closed_forms.margrabe_exchange,
        log_ou_call=closed_forms.log_ou_call,
        simulate_jump_ou=montecarlo.simulate_jump_ou,
        expected_exp=montecarlo.expected_exp,
        mc_estimate=montecarlo.mc_estimate,
        strip_payoffs=montecarlo.strip_payoffs,
    )


def kernel(backend: str) -> OptionsKernel:
    """Kernel for ``auto | julia | numpy`` (:func:`hayeknet.julia.choose_kernel`: ``auto`` falls back to NumPy,
    with a ``note``, when Julia is found but cannot be loaded)."""
    return choose_kernel(backend, julia_kernel, numpy_kernel)


@functools.lru_cache(maxsize=1)
def julia_kernel() -> OptionsKernel:
    """Load ``julia/options.jl`` once per process and wrap it with the NumPy signatures."""
    mod = load_julia_module(JULIA_SOURCE, "HayekOptions")

    def simulate(x0: float, model: JumpOUModel, dt: float, draws: JumpOUDraws) -> np.ndarray:
        out = mod.simulate_jump_ou(
            float(x0),
            model.kappa,
            model.mean_level,
            model.sigma,
            model.jump_mean,
            model.jump_std,
            float(dt),
            np.ascontiguousarray(draws.normals, dtype=float),
            np.ascontiguousarray(draws.jump_counts, dtype=np.int64),
            np.ascontiguousarray(draws.jump_times, dtype=float),
            np.ascontiguousarray(draws.jump_normals, dtype=float),
        )
        return np.array(out, dtype=float)

    def expected(x0: float, model: JumpOUModel, horizon: float, coefficient: float = 1.0) -> float:
        return float(
            mod.expected_exp(
                float(x0),
                model.kappa,
                model.mean_level,
                model.sigma,
                model.jump_intensity,
                model.jump_mean,
                model.jump_std,
                float(horizon),
                float(coefficient),
            )
        )

    def estimate(
        payoffs: np.ndarray, method: str, control: np.ndarray | None = None, control_mean: float | None = None
    ) -> MCEstimate:
        value, std_error, beta = mod.mc_estimate(
            np.ascontiguousarray(payoffs, dtype=float),
            method,
            None if control is None else np.ascontiguousarray(control, dtype=float),
            None if control_mean is None else float(control_mean),
        )
        return MCEstimate(float(value), float(std_error), len(payoffs), method, float(beta))

    def payoffs(
        prices: np.ndarray,
        charge_hours: tuple[int, ...],
        discharge_hours: tuple[int, ...],
        eta: float,
        cost_usd_per_mwh: float,
        mwh_per_pair: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        pay, control = mod.strip_payoffs(
            np.ascontiguousarray(prices, dtype=float),
            np.asarray(charge_hours, dtype=np.int64) + 1,  # Julia indices are 1-based
            np.asarray(discharge_hours, dtype=np.int64) + 1,
            float(eta),
            float(cost_usd_per_mwh),
            float(mwh_per_pair),
        )
        return np.array(pay, dtype=float), np.array(control, dtype=float)

    return OptionsKernel(
        name="julia",
        black76_call=lambda *a: float(mod.black76_call(*map(float, a))),
        margrabe_exchange=lambda *a: float(mod.margrabe_exchange(*map(float, a))),
        log_ou_call=lambda *a: float(mod.log_ou_call(*map(float, a))),
        simulate_jump_ou=simulate,
        expected_exp=expected,
        mc_estimate=estimate,
        strip_payoffs=payoffs,
    )
