"""Monte Carlo option pricing on a mean-reverting jump-diffusion (NumPy reference backend).

Price model (Merton jumps in a mean-reverting transformed price): the state
``X`` follows

    dX = kappa (mu - X) dt + sigma dW + J dN,   J ~ Normal(jump_mean, jump_std^2),

``N`` a Poisson process of intensity ``jump_intensity``. The price is ``exp(X)``
(``transform="log"``) or ``scale * sinh(X)`` (``transform="asinh"``, defined for
negative power prices, as in :mod:`hayeknet.assimilation.price_model`). Time is
in whatever unit ``dt`` is given in (years for the textbook options, hours for
the fitted power-price model); ``kappa``, ``sigma`` and ``jump_intensity`` are
per that unit.

**Exact transition** (no Euler error) over a step ``dt``::

    X' = mu + (X - mu) e^{-kappa dt} + sqrt(sigma^2 (1 - e^{-2 kappa dt}) / (2 kappa)) Z
         + sum_{i <= N_step} (jump_mean + jump_std xi_i) e^{-kappa dt (1 - u_i)}

with ``N_step ~ Poisson(jump_intensity dt)``, jump times ``u_i dt`` (``u_i``
uniform on (0, 1)), ``Z, xi_i`` standard normal: each jump decays from the
moment it happens to the end of the step.

**Variance reduction.** ``antithetic``: every draw set is used twice, with
``Z, xi`` and with ``-Z, -xi`` (jump counts and times shared); the pair average
is one sample. ``control``: a control variate with a known mean, the payoff's
linear part in the prices (the underlying itself for a call, ``S1 - S2`` for
an exchange option, ``eta P_discharge - P_charge`` for a spread), with the
optimal coefficient ``beta = cov(Y, C) / var(C)`` estimated from the same
samples. The mean of the underlying is exact: ``E[e^{cX_t}]`` is the Gaussian
part times ``exp(lambda int_0^t (E[e^{c J w(s)}] - 1) ds)``, ``w(s) = e^{-kappa s}``,
integrated by Gauss-Legendre quadrature.

Standard error: sample std of the (pair-averaged, control-adjusted) samples
over the square root of their number. ``n_paths`` always counts simulated
paths, so plain and antithetic runs with the same ``n_paths`` cost the same.

Random numbers are drawn in Python (:func:`draw_jump_ou`) and passed to the
simulation, so the Julia twin (``julia/options.jl``) sees identical inputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from hayeknet.options.errors import OptionInputError

FloatArray = NDArray[np.float64]
METHODS = ("plain", "antithetic", "control", "antithetic+control")
TRANSFORMS = ("log", "asinh")
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(64)


@dataclass(frozen=True)
class JumpOUModel:
    """Mean-reverting jump-diffusion of the transformed price ``X`` (rates per time unit of ``dt``)."""

    kappa: float  # mean-reversion speed, > 0
    mean_level: float  # long-run mean mu of X (ln of the price for the log transform)
    sigma: float  # diffusion volatility of X per sqrt(time unit)
    jump_intensity: float = 0.0  # expected jumps per time unit
    jump_mean: float = 0.0  # mean jump size in X
    jump_std: float = 0.0  # std of the jump size in X

    def __post_init__(self) -> None:
        if not (math.isfinite(self.kappa) and self.kappa > 0):
            raise OptionInputError(f"kappa must be finite and > 0, got {self.kappa!r}")
        for name in ("sigma", "jump_intensity", "jump_std"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise OptionInputError(f"{name} must be finite and >= 0, got {value!r}")
        if not (math.isfinite(self.mean_level) and math.isfinite(self.jump_mean)):
            raise OptionInputError("mean_level and jump_mean must be finite")


@dataclass(frozen=True)
class JumpOUDraws:
    """Random inputs of :func:`simulate_jump_ou` for ``n_paths`` paths of ``n_steps`` steps.

    ``normals (n_paths, n_steps)``; ``jump_counts (n_paths, n_steps)`` integers;
    ``jump_times`` and ``jump_normals (n_paths, n_steps, max_jumps)``: uniform
    (0, 1) fractions of the step and standard normals, of which only the first
    ``jump_counts`` per step are used.
    """

    normals: FloatArray
    jump_counts: NDArray[np.int64]
    jump_times: FloatArray
    jump_normals: FloatArray

    def negated(self) -> JumpOUDraws:
        """The antithetic draws: normals negated, jump counts and times kept."""
        return JumpOUDraws(-self.normals, self.jump_counts, self.jump_times, -self.jump_normals)


@dataclass(frozen=True)
class MCEstimate:
    """A Monte Carlo price with its standard error (same unit as the payoff)."""

    value: float
    std_error: float
    n_paths: int
    method: str
    control_beta: float = float("nan")
    extra: dict[str, float] = field(default_factory=dict)

    def z_score(self, reference: float) -> float:
        """``(value - reference) / std_error``."""
        return (self.value - reference) / self.std_error if self.std_error > 0 else math.inf

    def covers(self, reference: float, n_std_errors: float = 3.0) -> bool:
        """Whether ``reference`` lies within ``n_std_errors`` standard errors of the estimate."""
        return abs(self.value - reference) <= n_std_errors * self.std_error


def _generator(rng: np.random.Generator | int | None) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _check_method(method: str, n_paths: int) -> None:
    if method not in METHODS:
        raise OptionInputError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if n_paths < 4:
        raise OptionInputError(f"n_paths must be >= 4, got {n_paths}")
    if "antithetic" in method and n_paths % 2:
        raise OptionInputError(f"antithetic sampling needs an even n_paths, got {n_paths}")


def draw_jump_ou(
    rng: np.random.Generator | int | None, n_paths: int, n_steps: int, model: JumpOUModel, dt: float
) -> JumpOUDraws:
    """Draw the random inputs of ``n_paths`` paths of ``n_steps`` steps of length ``dt``."""
    gen = _generator(rng)
    normals = gen.standard_normal((n_paths, n_steps))
    rate = model.jump_intensity * dt
    counts = gen.poisson(rate, (n_paths, n_steps)) if rate > 0 else np.zeros((n_paths, n_steps), dtype=np.int64)
    max_jumps = int(counts.max()) if counts.size else 0
    times = gen.uniform(size=(n_paths, n_steps, max_jumps))
    jump_normals = gen.standard_normal((n_paths, n_steps, max_jumps))
    return JumpOUDraws(normals, counts.astype(np.int64), times, jump_normals)


def simulate_jump_ou(x0: float | FloatArray, model: JumpOUModel, dt: float, draws: JumpOUDraws) -> FloatArray:
    """Paths ``(n_paths, n_steps + 1)`` of ``X`` from ``x0`` by the exact transition (module doc)."""
    if not (math.isfinite(dt) and dt > 0):
        raise OptionInputError(f"dt must be finite and > 0, got {dt!r}")
    n_paths, n_steps = draws.normals.shape
    decay = math.exp(-model.kappa * dt)
    step_std = model.sigma * math.sqrt(-math.expm1(-2.0 * model.kappa * dt) / (2.0 * model.kappa))
    max_jumps = draws.jump_times.shape[2]
    if max_jumps:
        used = np.arange(max_jumps)[None, None, :] < draws.jump_counts[:, :, None]
        sizes = model.jump_mean + model.jump_std * draws.jump_normals
        jumps = np.sum(np.where(used, sizes * np.exp(-model.kappa * dt * (1.0 - draws.jump_times)), 0.0), axis=2)
    else:
        jumps = np.zeros((n_paths, n_steps))
    out = np.empty((n_paths, n_steps + 1))
    out[:, 0] = x0
    mu = model.mean_level
    for k in range(n_steps):
        out[:, k + 1] = mu + (out[:, k] - mu) * decay + step_std * draws.normals[:, k] + jumps[:, k]
    return out


def expected_exp(x0: float, model: JumpOUModel, horizon: float, coefficient: float = 1.0) -> float:
    """``E[exp(c X_t)]`` at ``t = horizon`` from ``X_0 = x0`` (exact, quadrature for the jump part)."""
    decay = math.exp(-model.kappa * horizon)
    mean = model.mean_level + (x0 - model.mean_level) * decay
    var = model.sigma**2 * -math.expm1(-2.0 * model.kappa * horizon) / (2.0 * model.kappa)
    log_value = coefficient * mean + 0.5 * coefficient**2 * var
    if model.jump_intensity > 0 and horizon > 0:
        s = 0.5 * horizon * (_GL_NODES + 1.0)
        w = coefficient * np.exp(-model.kappa * s)
        integrand = np.expm1(model.jump_mean * w + 0.5 * (model.jump_std * w) ** 2)
        log_value += model.jump_intensity * 0.5 * horizon * float(np.dot(_GL_WEIGHTS, integrand))
    return math.exp(log_value)


def to_price(x: FloatArray, transform: str, scale: float = 1.0) -> FloatArray:
    """Price from the state: ``exp(x)`` (log) or ``scale * sinh(x)`` (asinh)."""
    if transform == "log":
        return np.exp(x)
    if transform == "asinh":
        return scale * np.sinh(x)
    raise OptionInputError(f"transform must be one of {', '.join(TRANSFORMS)}, got {transform!r}")


def expected_price(x0: float, model: JumpOUModel, horizon: float, transform: str, scale: float = 1.0) -> float:
    """Exact ``E[price_t]`` for the log (``E e^X``) or asinh (``s (E e^X - E e^-X) / 2``) transform."""
    if transform == "log":
        return expected_exp(x0, model, horizon)
    if transform == "asinh":
        return 0.5 * scale * (expected_exp(x0, model, horizon, 1.0) - expected_exp(x0, model, horizon, -1.0))
    raise OptionInputError(f"transform must be one of {', '.join(TRANSFORMS)}, got {transform!r}")


def mc_estimate(
    payoffs: FloatArray,
    method: str,
    control: FloatArray | None = None,
    control_mean: float | None = None,
) -> MCEstimate:
    """Estimate and standard error from discounted payoff samples.

    ``payoffs`` is ``(n_paths,)``; with an antithetic method the first half are
    the paths and the second half their antithetic twins (pairs are averaged).
    With a control method, ``control`` (same layout) has the known mean
    ``control_mean`` and the optimal coefficient is estimated from the samples.
    """
    _check_method(method, payoffs.shape[0])
    y = np.asarray(payoffs, dtype=float)
    c = None if control is None else np.asarray(control, dtype=float)
    if "antithetic" in method:
        half = y.shape[0] // 2
        y = 0.5 * (y[:half] + y[half:])
        c = None if c is None else 0.5 * (c[:half] + c[half:])
    beta = float("nan")
    if "control" in method:
        if c is None or control_mean is None:
            raise OptionInputError(f"method {method!r} needs control samples and control_mean")
        c_centred = c - c.mean()
        var_c = float(np.dot(c_centred, c_centred))
        beta = float(np.dot(c_centred, y - y.mean()) / var_c) if var_c > 0 else 0.0
        y = y - beta * (c - control_mean)
    std_error = float(y.std(ddof=1) / math.sqrt(y.shape[0]))
    return MCEstimate(float(y.mean()), std_error, int(payoffs.shape[0]), method, beta)


def strip_payoffs(
    prices: np.ndarray,
    charge_hours: tuple[int, ...],
    discharge_hours: tuple[int, ...],
    eta: float,
    cost_usd_per_mwh: float,
    mwh_per_pair: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-path strip payoff ($) and its linear control ``sum (q/H)(eta P_d - P_c)`` for ``prices (n_paths, 24)``.

    The battery's strip of hourly spread options (:mod:`hayeknet.options.strip`);
    here, beside the other pricing primitives, because it is one of the
    callables the Julia twin mirrors (:class:`hayeknet.options.backend.OptionsKernel`).
    """
    spread = eta * prices[:, list(discharge_hours)] - prices[:, list(charge_hours)]
    payoff = mwh_per_pair * np.maximum(spread - cost_usd_per_mwh, 0.0).sum(axis=1)
    return payoff, mwh_per_pair * spread.sum(axis=1)


def _base_normals(gen: np.random.Generator, n_paths: int, method: str, width: int) -> FloatArray:
    """Standard normals ``(n_paths, width)``; antithetic methods stack ``z`` on ``-z``."""
    if "antithetic" in method:
        z = gen.standard_normal((n_paths // 2, width))
        return np.concatenate([z, -z])
    return gen.standard_normal((n_paths, width))


def black76_call_mc(
    forward: float,
    strike: float,
    maturity_years: float,
    volatility: float,
    rate: float = 0.0,
    *,
    n_paths: int = 100_000,
    rng: np.random.Generator | int | None = None,
    method: str = "antithetic+control",
) -> MCEstimate:
    """Monte Carlo Black-76 call: ``F_T = F exp(-v/2 + sqrt(v) Z)``, ``v = vol^2 T``; control ``F_T``."""
    _check_method(method, n_paths)
    z = _base_normals(_generator(rng), n_paths, method, 1)[:, 0]
    total = volatility * math.sqrt(maturity_years)
    f_t = forward * np.exp(-0.5 * total**2 + total * z)
    discount = math.exp(-rate * maturity_years)
    return mc_estimate(discount * np.maximum(f_t - strike, 0.0), method, discount * f_t, discount * forward)


def margrabe_mc(
    spot1: float,
    spot2: float,
    maturity_years: float,
    vol1: float,
    vol2: float,
    correlation: float,
    yield1: float = 0.0,
    yield2: float = 0.0,
    rate: float = 0.0,
    *,
    n_paths: int = 100_000,
    rng: np.random.Generator | int | None = None,
    method: str = "antithetic+control",
) -> MCEstimate:
    """Monte Carlo exchange option ``max(S1_T - S2_T, 0)`` on two correlated GBMs (risk-neutral, yields q).

    Control variate: the discounted ``S1_T - S2_T``, whose mean is
    ``S1 e^{-q1 T} - S2 e^{-q2 T}``.
    """
    _check_method(method, n_paths)
    z = _base_normals(_generator(rng), n_paths, method, 2)
    w2 = correlation * z[:, 0] + math.sqrt(max(1.0 - correlation**2, 0.0)) * z[:, 1]
    root_t = math.sqrt(maturity_years)
    s1 = spot1 * np.exp((rate - yield1 - 0.5 * vol1**2) * maturity_years + vol1 * root_t * z[:, 0])
    s2 = spot2 * np.exp((rate - yield2 - 0.5 * vol2**2) * maturity_years + vol2 * root_t * w2)
    discount = math.exp(-rate * maturity_years)
    control_mean = spot1 * math.exp(-yield1 * maturity_years) - spot2 * math.exp(-yield2 * maturity_years)
    return mc_estimate(discount * np.maximum(s1 - s2, 0.0), method, discount * (s1 - s2), control_mean)


def simulate_paths(
    x0: float,
    model: JumpOUModel,
    dt: float,
    n_steps: int,
    n_paths: int,
    rng: np.random.Generator | int | None,
    method: str,
    simulate: Callable[[float, JumpOUModel, float, JumpOUDraws], FloatArray] | None = None,
) -> FloatArray:
    """Paths ``(n_paths, n_steps + 1)``; antithetic methods put the twins in the second half.

    ``simulate`` is the kernel's path simulator (default :func:`simulate_jump_ou`;
    the Julia backend passes its own, fed with the same Python draws).
    """
    _check_method(method, n_paths)
    run = simulate_jump_ou if simulate is None else simulate
    gen = _generator(rng)
    if "antithetic" in method:
        draws = draw_jump_ou(gen, n_paths // 2, n_steps, model, dt)
        return np.concatenate([run(x0, model, dt, draws), run(x0, model, dt, draws.negated())])
    return run(x0, model, dt, draw_jump_ou(gen, n_paths, n_steps, model, dt))


def jump_ou_call_mc(
    spot: float,
    strike: float,
    maturity: float,
    model: JumpOUModel,
    rate: float = 0.0,
    *,
    n_steps: int = 1,
    n_paths: int = 100_000,
    rng: np.random.Generator | int | None = None,
    method: str = "antithetic+control",
) -> MCEstimate:
    """Call ``max(S_T - K, 0)`` on ``S = exp(X)``, ``X`` the jump OU with ``X_0 = ln spot``.

    Simulated with the exact transition in ``n_steps`` equal steps (one step is
    exact already; more steps give the same law). Without jumps this is the
    log-OU call of :func:`hayeknet.options.closed_forms.log_ou_call`. Control
    variate: the discounted ``S_T`` with its exact mean.
    """
    if not spot > 0:
        raise OptionInputError(f"spot must be > 0, got {spot!r}")
    x0 = math.log(spot)
    paths = simulate_paths(x0, model, maturity / n_steps, n_steps, n_paths, rng, method)
    s_t = np.exp(paths[:, -1])
    discount = math.exp(-rate * maturity)
    control_mean = discount * expected_exp(x0, model, maturity)
    return mc_estimate(discount * np.maximum(s_t - strike, 0.0), method, discount * s_t, control_mean)
