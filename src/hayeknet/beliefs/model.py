"""Heavy-tailed Bayesian model of the RT-DAM spread and the basis at a battery location (PyMC).

Quantities per 5-minute interval ``t`` ($/MWh): the imbalance spread
``s = p - DAM`` (real-time price minus the day-ahead price of the hour) and the
basis ``b = p - hub``. Each is transformed by ``asinh(x / scale)`` (log-like in
the tails, linear near zero, defined for negative values) and standardized with
the history's mean and standard deviation; call the 2-vector ``y_t``. The
real-time price is not modelled separately: the day-ahead price of the
predicted day is published the day before, so it is an exogenous hourly input
(see :mod:`hayeknet.beliefs.stage`) and each simulated price is ``DAM + s``.
Two earlier versions were dropped: modelling ``(p, s, b)`` jointly (the
innovations of ``p`` and ``s`` are the same within an hour, correlation > 0.9,
so the posterior was ill-conditioned and NUTS needed ~300 leapfrog steps per
draw, minutes per fit); and modelling ``(p, b)`` with ``s = p - DAM`` read off
the paths, which ignores that the DAM predicts the next day's price level and
over-stated P(imbalance) several-fold on synthetic walk-forward days. The model:

    y_t = c[h_t] + phi * y_{t-1} + beta * x_t * [1, 0] + e_t
          h_t = local (America/Chicago) hour 0..23, phi in (0, 1)^2 (element-wise),
          x_t = -asinh((DAM_t - DAM_{t-1}) / scale) / sd  (the spread jumps when the hourly DAM steps)
    e_t ~ multivariate Student-t(nu, 0, L L^T) L lower-triangular (LKJ(2) correlation)
    c[h, k] = level_k + sum_j F[h, j] coef[j, k]   F: 2 daily harmonics (cos, sin)
    nu ~ Gamma(2, 0.1), level, coef ~ N(0, 0.5), phi ~ Beta(2, 1), stds ~ HalfNormal(1), beta ~ N(0, 1)

The intercept form (``c`` rather than an hourly mean ``mu = c / (1 - phi)``)
avoids a funnel between ``phi`` near 1 and weakly identified hourly means; NUTS
uses a dense (full) mass matrix adapted during tuning, since ``phi`` and the
intercepts are correlated a posteriori.

The Student-t innovations give heavy tails *and* tail dependence (a price spike
tends to come with congestion, and a real-time spike is an imbalance against a
smooth DAM), and the AR(1) term gives the within-hour persistence that "at
least one interval of the hour" probabilities depend on. The likelihood
conditions on the first interval of each contiguous run (pairs ``(t-1, t)``
5 minutes apart only). It is written out element-wise (forward substitution
through the 2x2 Cholesky factor) as a ``pm.Potential``, which needs no BLAS and
compiles to one fused loop.

Compile once, refit daily: every data-dependent array is a ``pm.Data`` shared
variable and the NUTS step (with its compiled log-density and gradient) is
built once per :class:`BeliefModel`; :meth:`BeliefModel.fit` only swaps the data
(``pm.set_data``) and restores the step's initial sampling state, so a refit with
the same data and seed gives the same draws as a fresh model. Chains run one
after the other in this process (``cores=1``): no fork, which is unsafe once
juliacall or torch is loaded. The posterior predictive is simulated forward in
NumPy from the posterior draws (:func:`simulate_paths`), which needs no further
compilation.
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

QUANTITIES: tuple[str, ...] = ("spread", "basis")
"""Order of the modelled quantities (columns of ``y``)."""

N_HOURS = 24


class BeliefModelError(RuntimeError):
    """The belief model cannot be fitted (too little data, sampler failure)."""


@dataclass(frozen=True)
class SamplerSettings:
    """NUTS settings: ``chains`` run sequentially in-process; ``draws``/``tune`` per chain.

    ``converged`` (see :class:`Diagnostics`) requires R-hat max <= ``rhat_max``
    and bulk and tail ESS min >= ``ess_min`` over all parameters.
    """

    chains: int = 2
    draws: int = 300
    tune: int = 300
    target_accept: float = 0.85
    seed: int = 11
    rhat_max: float = 1.05
    ess_min: float = 100.0

    def __post_init__(self) -> None:
        if self.chains < 1 or self.draws < 1 or self.tune < 0:
            raise ValueError("beliefs sampler: chains and draws must be >= 1 and tune >= 0")
        if not 0.5 <= self.target_accept < 1.0:
            raise ValueError("beliefs sampler: target_accept must be within [0.5, 1)")


@dataclass(frozen=True)
class Transform:
    """``y = (asinh(x / scale_usd_per_mwh) - center) / sd`` per quantity (arrays of 2)."""

    scale_usd_per_mwh: np.ndarray
    center: np.ndarray
    sd: np.ndarray

    def forward(self, x_usd_per_mwh: np.ndarray) -> np.ndarray:
        return (np.arcsinh(np.asarray(x_usd_per_mwh, dtype=float) / self.scale_usd_per_mwh) - self.center) / self.sd

    def inverse(self, y: np.ndarray) -> np.ndarray:
        return np.sinh(np.asarray(y) * self.sd + self.center) * self.scale_usd_per_mwh

    def dam_step(self, delta_dam_usd_per_mwh: np.ndarray) -> np.ndarray:
        """Regressor of the spread equation for a DAM change ``D_t - D_{t-1}`` ($/MWh): ``-asinh(dD / scale) / sd``."""
        return -np.arcsinh(np.asarray(delta_dam_usd_per_mwh, dtype=float) / self.scale_usd_per_mwh[0]) / self.sd[0]

    def threshold(self, k: int, usd_per_mwh: float) -> float:
        """The $/MWh threshold of quantity ``k`` on the standardized scale."""
        return float((np.arcsinh(usd_per_mwh / self.scale_usd_per_mwh[k]) - self.center[k]) / self.sd[k])


@dataclass(frozen=True)
class TrainingData:
    """Model inputs built from a history of interval quantities.

    ``y_cur``/``y_prev`` (n x 2, standardized) are consecutive interval pairs,
    ``h_cur`` the local hour of ``y_cur``; ``last_interval_start_utc`` is the UTC
    start of the history's last interval and ``last_y`` its standardized value.
    """

    y_cur: np.ndarray
    y_prev: np.ndarray
    h_cur: np.ndarray
    x_cur: np.ndarray
    transform: Transform
    last_interval_start_utc: pd.Timestamp
    last_y: np.ndarray
    last_dam_usd_per_mwh: float
    last_hour: int
    n_intervals: int


def local_hour(index: pd.DatetimeIndex) -> np.ndarray:
    """America/Chicago clock hour (0..23) of each UTC interval start."""
    return np.asarray(index.tz_convert("America/Chicago").hour, dtype=np.int64)


def training_data(quantities: pd.DataFrame, scales_usd_per_mwh: tuple[float, float] = (10.0, 10.0)) -> TrainingData:
    """Build :class:`TrainingData` from interval quantities (see :func:`hayeknet.beliefs.events.interval_quantities`).

    ``quantities`` is indexed by ``interval_start_utc`` (5-minute grid, may span
    several days) with columns ``spread_usd_per_mwh`` (RT - DAM) and
    ``basis_usd_per_mwh`` and the day-ahead price ``dam_usd_per_mwh``; rows with
    any NaN are dropped. ``scales_usd_per_mwh`` sets where asinh turns from
    linear to logarithmic for each quantity. ``x_cur`` is the DAM-step regressor
    (:meth:`Transform.dam_step`): the spread jumps when the hourly DAM changes.
    """
    cols = ["spread_usd_per_mwh", "basis_usd_per_mwh"]
    full = quantities[cols + ["dam_usd_per_mwh"]].astype(float).dropna().sort_index()
    frame = full[cols]
    if len(frame) < 48:
        raise BeliefModelError(f"beliefs: only {len(frame)} complete intervals in the history (need >= 48)")
    scale = np.asarray(scales_usd_per_mwh, dtype=float)
    z = np.arcsinh(frame.to_numpy() / scale)
    center = z.mean(axis=0)
    sd = z.std(axis=0)
    sd = np.where(sd > 1e-6, sd, 1.0)  # a constant quantity (e.g. zero basis at the hub itself)
    transform = Transform(scale, center, sd)
    y = (z - center) / sd
    index = pd.DatetimeIndex(frame.index)
    hours = local_hour(index)
    gaps = np.diff(index.as_unit("ns").asi8) if len(index) > 1 else np.zeros(0, dtype=np.int64)
    consecutive = np.flatnonzero(gaps == pd.Timedelta(minutes=5).value) + 1
    if len(consecutive) < 24:
        raise BeliefModelError(f"beliefs: only {len(consecutive)} consecutive interval pairs in the history")
    return TrainingData(
        y_cur=y[consecutive],
        y_prev=y[consecutive - 1],
        h_cur=hours[consecutive],
        x_cur=transform.dam_step(np.diff(full["dam_usd_per_mwh"].to_numpy())[consecutive - 1]),
        transform=transform,
        last_interval_start_utc=index[-1],
        last_y=y[-1],
        last_dam_usd_per_mwh=float(full["dam_usd_per_mwh"].iloc[-1]),
        last_hour=int(hours[-1]),
        n_intervals=len(frame),
    )


@dataclass(frozen=True)
class Diagnostics:
    """Convergence diagnostics of one fit (ArviZ), over every parameter element.

    Rule: ``converged = rhat_max <= rhat_limit and ess_bulk_min >= ess_limit and
    ess_tail_min >= ess_limit``. ``divergences`` counts post-warm-up divergent
    transitions (reported, not part of the rule). Times in seconds.
    """

    rhat_max: float
    ess_bulk_min: float
    ess_tail_min: float
    divergences: int
    converged: bool
    rule: str
    chains: int
    draws: int
    tune: int
    sample_seconds: float
    compile_seconds: float
    reused_compiled_model: bool

    def warning(self) -> str | None:
        """A one-line warning for the report when the fit did not converge, else None."""
        if self.converged:
            return None
        return (f"Beliefs model did not meet the convergence rule ({self.rule}): "
                f"R-hat max {self.rhat_max:.3f}, ESS bulk min {self.ess_bulk_min:.0f}, "
                f"ESS tail min {self.ess_tail_min:.0f}, {self.divergences} divergences; "
                "treat the probabilities with caution.")

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__} | {"warning": self.warning()}


@dataclass(frozen=True)
class Posterior:
    """Posterior draws (chains x draws flattened) of the model parameters, on the standardized scale.

    ``c`` (S x 24 x 2) hourly intercepts, ``phi`` (S x 2), ``chol`` (S x 2 x 2), ``nu`` (S,), ``beta`` (S,) the DAM-step coefficient.
    """

    c: np.ndarray
    phi: np.ndarray
    chol: np.ndarray
    nu: np.ndarray
    beta: np.ndarray
    data: TrainingData
    diagnostics: Diagnostics
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def n_draws(self) -> int:
        return int(self.nu.shape[0])


N_HARMONICS = 2
"""Daily harmonics of the hour-of-day effect (cos and sin of 2 pi j h / 24, j = 1..N)."""


def hour_basis() -> np.ndarray:
    """Fourier basis of the hour-of-day effect: (24 x 2*N_HARMONICS), hour 0..23 at the hour's midpoint."""
    h = np.arange(N_HOURS) + 0.5
    cols = []
    for j in range(1, N_HARMONICS + 1):
        cols += [np.cos(2 * np.pi * j * h / 24.0), np.sin(2 * np.pi * j * h / 24.0)]
    return np.column_stack(cols)


def _build(n_rows: int) -> Any:
    import pymc as pm
    import pytensor.tensor as pt

    d = len(QUANTITIES)
    zeros3 = np.zeros((n_rows, d))
    zeros_h = np.zeros(n_rows, dtype=np.int64)
    basis = hour_basis()
    with pm.Model() as model:
        y_cur = pm.Data("y_cur", zeros3)
        y_prev = pm.Data("y_prev", zeros3)
        h_cur = pm.Data("h_cur", zeros_h)
        x_cur = pm.Data("x_cur", np.zeros(n_rows))
        level = pm.Normal("level", 0.0, 0.5, shape=d)
        coef = pm.Normal("hour_coef", 0.0, 0.5, shape=(basis.shape[1], d))
        c = pm.Deterministic("c", level + pt.as_tensor_variable(basis) @ coef)
        phi = pm.Beta("phi", 2.0, 1.0, shape=d)
        packed, _, _ = pm.LKJCholeskyCov(
            "chol", n=d, eta=2.0, sd_dist=pm.HalfNormal.dist(1.0, shape=d), compute_corr=True
        )
        chol = pm.Deterministic("L", packed)
        nu = pm.Gamma("nu", alpha=2.0, beta=0.1)
        beta = pm.Normal("dam_step", 0.0, 1.0)
        mean = c[h_cur] + phi * y_prev
        e = y_cur - mean
        e = pt.set_subtensor(e[:, 0], e[:, 0] - beta * x_cur)
        # Forward substitution z = L^-1 e, element-wise (no BLAS, one fused loop).
        zs: list[Any] = []
        for i in range(d):
            acc = e[:, i]
            for j in range(i):
                acc = acc - chol[i, j] * zs[j]
            zs.append(acc / chol[i, i])
        q = sum(z**2 for z in zs)
        n = e.shape[0]
        const = pt.gammaln((nu + d) / 2.0) - pt.gammaln(nu / 2.0) - 0.5 * d * pt.log(nu * math.pi)
        logdet = sum(pt.log(chol[i, i]) for i in range(d))
        pm.Potential("likelihood", n * (const - logdet) - (nu + d) / 2.0 * pt.sum(pt.log1p(q / nu)))
    return model


class BeliefModel:
    """The compiled belief model; :meth:`fit` swaps data and samples without recompiling the step.

    One instance per process is enough: keep it between days (walk-forward,
    backfill) to save the compilation. Not thread-safe.
    """

    def __init__(self, sampler: SamplerSettings | None = None) -> None:
        import pymc as pm

        self.sampler = sampler or SamplerSettings()
        start = time.perf_counter()
        self.model = _build(64)
        from pymc.blocking import DictToArrayBijection
        from pymc.step_methods.hmc.quadpotential import QuadPotentialFullAdapt

        with self.model:
            point = DictToArrayBijection.map(self.model.initial_point()).data
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "experimental feature"
                potential = QuadPotentialFullAdapt(point.size, point, np.eye(point.size), 10)
            self._step = pm.NUTS(target_accept=self.sampler.target_accept, potential=potential)
        self._initial_state = self._step.sampling_state
        self.compile_seconds = time.perf_counter() - start
        self.n_fits = 0

    def _initvals(self, rng: np.random.Generator) -> list[dict[str, np.ndarray]]:
        """Dispersed chain starts (prior-like) so that R-hat can detect non-mixing."""
        return [
            {
                "level": rng.normal(0.0, 0.1, len(QUANTITIES)),
                "hour_coef": rng.normal(0.0, 0.1, (2 * N_HARMONICS, len(QUANTITIES))),
                "phi": rng.uniform(0.6, 0.95, len(QUANTITIES)),
                "nu": rng.uniform(4.0, 20.0),
            }
            for _ in range(self.sampler.chains)
        ]

    def fit(self, data: TrainingData, seed: int | None = None) -> Posterior:
        """Sample the posterior for ``data`` (standardized pairs); returns draws and diagnostics."""
        import arviz as az
        import pymc as pm

        s = self.sampler
        seed = s.seed if seed is None else int(seed)
        rng = np.random.default_rng(seed)
        with self.model:
            pm.set_data({"y_cur": data.y_cur, "y_prev": data.y_prev,
                         "h_cur": data.h_cur.astype(np.int64), "x_cur": data.x_cur})
        self._step.sampling_state = self._initial_state
        start = time.perf_counter()
        pymc_logger = logging.getLogger("pymc")
        level = pymc_logger.level
        pymc_logger.setLevel(logging.ERROR)  # per-fit "Sequential sampling..." chatter; diagnostics are returned
        with self.model, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                idata = pm.sample(
                    draws=s.draws, tune=s.tune, chains=s.chains, cores=1, step=self._step,
                    initvals=self._initvals(rng), random_seed=seed, progressbar=False,
                    compute_convergence_checks=False, return_inferencedata=True,
                    var_names=["level", "hour_coef", "c", "phi", "L", "chol_stds", "chol_corr", "nu", "dam_step"],
                )
            except Exception as exc:  # pragma: no cover - sampler internals
                raise BeliefModelError(f"beliefs: NUTS sampling failed: {exc}") from exc
            finally:
                pymc_logger.setLevel(level)
        seconds = time.perf_counter() - start
        reused = self.n_fits > 0
        self.n_fits += 1
        post = idata.posterior
        params = ["level", "hour_coef", "phi", "chol_stds", "chol_corr", "nu", "dam_step"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rhat = az.rhat(idata, var_names=params)
            ess_bulk = az.ess(idata, var_names=params, method="bulk")
            ess_tail = az.ess(idata, var_names=params, method="tail")

        def extreme(ds: Any, fn: Any) -> float:
            values = np.concatenate([np.ravel(ds[v].values) for v in params])
            values = values[np.isfinite(values)]  # the unit diagonal of the correlation has no R-hat
            return float(fn(values)) if values.size else float("nan")

        rhat_max = extreme(rhat, np.max)
        bulk_min = extreme(ess_bulk, np.min)
        tail_min = extreme(ess_tail, np.min)
        div = int(idata.sample_stats["diverging"].values.sum())
        converged = bool(rhat_max <= s.rhat_max and bulk_min >= s.ess_min and tail_min >= s.ess_min)
        diag = Diagnostics(
            rhat_max=rhat_max, ess_bulk_min=bulk_min, ess_tail_min=tail_min, divergences=div,
            converged=converged,
            rule=f"R-hat max <= {s.rhat_max} and ESS (bulk, tail) min >= {s.ess_min:g}",
            chains=s.chains, draws=s.draws, tune=s.tune, sample_seconds=seconds,
            compile_seconds=0.0 if reused else self.compile_seconds, reused_compiled_model=reused,
        )
        flat = lambda name: post[name].values.reshape((-1,) + post[name].shape[2:])  # noqa: E731
        corr = flat("chol_corr")
        summary = {
            "nu_median": float(np.median(flat("nu"))),
            "phi_median": dict(zip(QUANTITIES, np.median(flat("phi"), axis=0).round(4).tolist())),
            "corr_median_spread_basis": float(np.median(corr[:, 0, 1])),
        }
        return Posterior(c=flat("c"), phi=flat("phi"), chol=flat("L"), nu=flat("nu"), beta=flat("dam_step"), data=data,
                         diagnostics=diag, summary=summary)


def simulate_paths(
    posterior: Posterior,
    starts_utc: pd.DatetimeIndex,
    paths_per_draw: int,
    seed: int,
    dam_usd_per_mwh: np.ndarray | None = None,
) -> np.ndarray:
    """Posterior predictive paths of standardized ``y`` over the 5-minute ``starts_utc`` grid.

    Returns an array (n_paths x n_intervals x 2) with ``n_paths = draws x
    paths_per_draw``; each path uses one posterior draw's parameters (so
    parameter uncertainty is included) and fresh Student-t innovations. Paths
    start from the history's last interval and are simulated through any gap
    between it and ``starts_utc[0]`` (at most one day of burn-in).
    ``dam_usd_per_mwh`` (per interval of ``starts_utc``) drives the DAM-step
    term of the spread; None means no DAM changes.
    """
    rng = np.random.default_rng(seed)
    s_draws = posterior.n_draws
    n_paths = s_draws * max(1, int(paths_per_draw))
    idx = np.repeat(np.arange(s_draws), max(1, int(paths_per_draw)))
    c, phi, chol, nu = posterior.c[idx], posterior.phi[idx], posterior.chol[idx], posterior.nu[idx]
    beta = posterior.beta[idx]
    starts = pd.DatetimeIndex(starts_utc)
    hours = local_hour(starts)
    data = posterior.data
    gap = int(round((starts[0] - data.last_interval_start_utc) / pd.Timedelta(minutes=5)))
    burn = min(max(gap - 1, 0), 288)
    burn_hours = local_hour(pd.DatetimeIndex([starts[0] - pd.Timedelta(minutes=5 * k) for k in range(burn, 0, -1)], dtype=starts.dtype))
    y = np.broadcast_to(data.last_y, (n_paths, len(QUANTITIES))).copy()
    rows = np.arange(n_paths)
    out = np.empty((n_paths, len(hours), len(QUANTITIES)))
    all_hours = np.concatenate([burn_hours, hours])
    x = np.zeros(len(all_hours))
    if dam_usd_per_mwh is not None:
        dam = np.asarray(dam_usd_per_mwh, dtype=float)
        x[burn:] = data.transform.dam_step(np.diff(np.r_[data.last_dam_usd_per_mwh, dam]))
    for t, h in enumerate(all_hours):
        z = rng.standard_normal((n_paths, len(QUANTITIES)))
        w = np.sqrt(nu / rng.chisquare(nu))[:, None]
        e = np.einsum("sij,sj->si", chol, z) * w
        y = c[rows, h, :] + phi * y + e
        y[:, 0] += beta * x[t]
        if t >= burn:
            out[:, t - burn, :] = y
    return out
