"""Heavy-tailed Bayesian model of price, imbalance spread and basis at a battery location (PyMC).

Quantities per 5-minute interval ``t`` ($/MWh): the real-time price ``p``, the
real-time minus day-ahead spread ``s = p - DAM`` and the basis ``b = p - hub``.
Each is transformed by ``asinh(x / scale)`` (log-like in the tails, linear near
zero, defined for negative prices) and standardized with the history's mean and
standard deviation; call the 3-vector ``y_t``. The model:

    y_t = mu[h_t] + r_t,                       h_t = local (America/Chicago) hour 0..23
    r_t = phi * r_{t-1} + e_t,                 phi in (0, 1)^3, one per quantity
    e_t ~ multivariate Student-t(nu, 0, L L^T) L lower-triangular (LKJ(2) correlation)
    mu[h, k] = level_k + hour_sd_k * raw[h, k] raw ~ N(0, 1)  (non-centred hour effects)
    nu ~ Gamma(2, 0.1), level ~ N(0, 1), hour_sd ~ HalfNormal(1), stds ~ HalfNormal(1)

The Student-t innovations give heavy tails *and* tail dependence (a price spike
tends to come with an imbalance and with congestion), and the AR(1) residual
gives the within-hour persistence that "at least one interval of the hour"
probabilities depend on. The likelihood conditions on the first interval of each
contiguous run (pairs ``(t-1, t)`` 5 minutes apart only). It is written out
element-wise (forward substitution through the 3x3 Cholesky factor), which needs
no BLAS and compiles to one fused loop.

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

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

QUANTITIES: tuple[str, ...] = ("price", "spread", "basis")
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
    """``y = (asinh(x / scale_usd_per_mwh) - center) / sd`` per quantity (arrays of 3)."""

    scale_usd_per_mwh: np.ndarray
    center: np.ndarray
    sd: np.ndarray

    def forward(self, x_usd_per_mwh: np.ndarray) -> np.ndarray:
        return (np.arcsinh(np.asarray(x_usd_per_mwh, dtype=float) / self.scale_usd_per_mwh) - self.center) / self.sd

    def inverse(self, y: np.ndarray) -> np.ndarray:
        return np.sinh(np.asarray(y) * self.sd + self.center) * self.scale_usd_per_mwh

    def threshold(self, k: int, usd_per_mwh: float) -> float:
        """The $/MWh threshold of quantity ``k`` on the standardized scale."""
        return float((np.arcsinh(usd_per_mwh / self.scale_usd_per_mwh[k]) - self.center[k]) / self.sd[k])


@dataclass(frozen=True)
class TrainingData:
    """Model inputs built from a history of interval quantities.

    ``y_cur``/``y_prev`` (n x 3, standardized) are consecutive interval pairs,
    ``h_cur``/``h_prev`` their local hours; ``last_residual_time`` is the UTC
    start of the history's last interval and ``last_y`` its standardized value.
    """

    y_cur: np.ndarray
    y_prev: np.ndarray
    h_cur: np.ndarray
    h_prev: np.ndarray
    transform: Transform
    last_interval_start_utc: pd.Timestamp
    last_y: np.ndarray
    last_hour: int
    n_intervals: int


def local_hour(index: pd.DatetimeIndex) -> np.ndarray:
    """America/Chicago clock hour (0..23) of each UTC interval start."""
    return np.asarray(index.tz_convert("America/Chicago").hour, dtype=np.int64)


def training_data(quantities: pd.DataFrame, scales_usd_per_mwh: tuple[float, float, float]) -> TrainingData:
    """Build :class:`TrainingData` from interval quantities (see :func:`hayeknet.beliefs.events.interval_quantities`).

    ``quantities`` is indexed by ``interval_start_utc`` (5-minute grid, may span
    several days) with columns ``price_usd_per_mwh``, ``spread_usd_per_mwh`` and
    ``basis_usd_per_mwh``; rows with any NaN are dropped.
    """
    cols = ["price_usd_per_mwh", "spread_usd_per_mwh", "basis_usd_per_mwh"]
    frame = quantities[cols].astype(float).dropna().sort_index()
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
        h_prev=hours[consecutive - 1],
        transform=transform,
        last_interval_start_utc=index[-1],
        last_y=y[-1],
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

    ``mu`` (S x 24 x 3), ``phi`` (S x 3), ``chol`` (S x 3 x 3), ``nu`` (S,).
    """

    mu: np.ndarray
    phi: np.ndarray
    chol: np.ndarray
    nu: np.ndarray
    data: TrainingData
    diagnostics: Diagnostics
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def n_draws(self) -> int:
        return int(self.nu.shape[0])


def _build(n_rows: int) -> Any:
    import pymc as pm
    import pytensor.tensor as pt

    zeros3 = np.zeros((n_rows, 3))
    zeros_h = np.zeros(n_rows, dtype=np.int64)
    with pm.Model() as model:
        y_cur = pm.Data("y_cur", zeros3)
        y_prev = pm.Data("y_prev", zeros3)
        h_cur = pm.Data("h_cur", zeros_h)
        h_prev = pm.Data("h_prev", zeros_h)
        level = pm.Normal("level", 0.0, 1.0, shape=3)
        hour_sd = pm.HalfNormal("hour_sd", 1.0, shape=3)
        raw = pm.Normal("hour_raw", 0.0, 1.0, shape=(N_HOURS, 3))
        mu = pm.Deterministic("mu", level + hour_sd * raw)
        phi = pm.Beta("phi", 2.0, 1.0, shape=3)
        chol, _, _ = pm.LKJCholeskyCov(
            "chol", n=3, eta=2.0, sd_dist=pm.HalfNormal.dist(1.0, shape=3), compute_corr=True
        )
        nu = pm.Gamma("nu", alpha=2.0, beta=0.1)
        mean = mu[h_cur] + phi * (y_prev - mu[h_prev])
        e = y_cur - mean
        z1 = e[:, 0] / chol[0, 0]
        z2 = (e[:, 1] - chol[1, 0] * z1) / chol[1, 1]
        z3 = (e[:, 2] - chol[2, 0] * z1 - chol[2, 1] * z2) / chol[2, 2]
        q = z1**2 + z2**2 + z3**2
        n = e.shape[0]
        const = pt.gammaln((nu + 3.0) / 2.0) - pt.gammaln(nu / 2.0) - 1.5 * pt.log(nu * math.pi)
        logdet = pt.log(chol[0, 0]) + pt.log(chol[1, 1]) + pt.log(chol[2, 2])
        pm.Potential("likelihood", n * (const - logdet) - (nu + 3.0) / 2.0 * pt.sum(pt.log1p(q / nu)))
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
        with self.model:
            self._step = pm.NUTS(target_accept=self.sampler.target_accept)
        self._initial_state = self._step.sampling_state
        self.compile_seconds = time.perf_counter() - start
        self.n_fits = 0

    def _initvals(self, rng: np.random.Generator) -> list[dict[str, np.ndarray]]:
        """Dispersed chain starts (prior-like) so that R-hat can detect non-mixing."""
        return [
            {
                "level": rng.normal(0.0, 0.3, 3),
                "hour_sd": rng.uniform(0.3, 1.0, 3),
                "hour_raw": rng.normal(0.0, 0.3, (N_HOURS, 3)),
                "phi": rng.uniform(0.5, 0.95, 3),
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
                         "h_cur": data.h_cur.astype(np.int64), "h_prev": data.h_prev.astype(np.int64)})
        self._step.sampling_state = self._initial_state
        start = time.perf_counter()
        with self.model, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                idata = pm.sample(
                    draws=s.draws, tune=s.tune, chains=s.chains, cores=1, step=self._step,
                    initvals=self._initvals(rng), random_seed=seed, progressbar=False,
                    compute_convergence_checks=False, return_inferencedata=True,
                    var_names=["level", "hour_sd", "hour_raw", "mu", "phi", "chol", "chol_stds",
                               "chol_corr", "nu"],
                )
            except Exception as exc:  # pragma: no cover - sampler internals
                raise BeliefModelError(f"beliefs: NUTS sampling failed: {exc}") from exc
        seconds = time.perf_counter() - start
        reused = self.n_fits > 0
        self.n_fits += 1
        post = idata.posterior
        params = ["level", "hour_sd", "hour_raw", "phi", "chol_stds", "chol_corr", "nu"]
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
            "corr_median": {
                "price_spread": float(np.median(corr[:, 0, 1])),
                "price_basis": float(np.median(corr[:, 0, 2])),
                "spread_basis": float(np.median(corr[:, 1, 2])),
            },
        }
        return Posterior(mu=flat("mu"), phi=flat("phi"), chol=flat("chol"), nu=flat("nu"), data=data,
                         diagnostics=diag, summary=summary)


def simulate_paths(
    posterior: Posterior,
    starts_utc: pd.DatetimeIndex,
    paths_per_draw: int,
    seed: int,
) -> np.ndarray:
    """Posterior predictive paths of standardized ``y`` over the 5-minute ``starts_utc`` grid.

    Returns an array (n_paths x n_intervals x 3) with ``n_paths = draws x
    paths_per_draw``; each path uses one posterior draw's parameters. A path
    starts from the history's last residual when the history ends right before
    ``starts_utc[0]`` (decayed by ``phi`` over any gap), else from zero plus one
    day of burn-in.
    """
    rng = np.random.default_rng(seed)
    s_draws = posterior.n_draws
    n_paths = s_draws * paths_per_draw
    idx = np.repeat(np.arange(s_draws), paths_per_draw)
    mu, phi, chol, nu = posterior.mu[idx], posterior.phi[idx], posterior.chol[idx], posterior.nu[idx]
    hours = local_hour(pd.DatetimeIndex(starts_utc))
    data = posterior.data
    steps_gap = int(round((starts_utc[0] - data.last_interval_start_utc) / pd.Timedelta(minutes=5)))
    burn = steps_gap - 1 if 1 <= steps_gap <= 288 else 288
    r = np.zeros((n_paths, 3))
    if 1 <= steps_gap <= 288:
        r = np.broadcast_to(data.last_y - mu[:, data.last_hour, :], (n_paths, 3)).copy()
    n = len(hours)
    out = np.empty((n_paths, n, 3))
    for t in range(-burn, n):
        z = rng.standard_normal((n_paths, 3))
        w = np.sqrt(nu / rng.chisquare(nu))[:, None]
        e = np.einsum("sij,sj->si", chol, z) * w
        r = phi * r + e
        if t >= 0:
            out[:, t, :] = mu[np.arange(n_paths), hours[t], :] + r
    return out
