"""Heavy-tailed Bayesian model of the RT-DAM spread and the basis at a battery location (PyMC).

Quantities per real-time interval ``t`` ($/MWh; 5-minute SCED LMPs, or the
15-minute settlement point prices where a day has no SCED data): the imbalance spread
``s = p - DAM`` (real-time price minus the day-ahead price of the hour) and the
basis ``b = p - hub`` (only where the location has a reference hub: without
one, e.g. at the hub average itself or at a real node with no settlement point
mapping, the model is the spread's alone, ``y_t`` a 1-vector, and the
congestion event is not stated). Each is transformed by ``asinh(x / scale)`` (log-like in
the tails, linear near zero, defined for negative values) and standardized with
the history's mean and standard deviation; call the 2-vector ``y_t``. The
real-time price is not modelled separately: the day-ahead price of the
predicted day is published the day before, so it is an exogenous hourly input
(see :mod:`hayeknet.beliefs.next_day`) and each simulated price is ``DAM + s``.

Two time scales (issue 7 addendum in ``docs/decisions/0007-beliefs-model.md``):
``y_t = ybar_H + w_t`` with ``ybar_H`` the mean over the clock hour ``H``
holding ``t`` and ``w_t`` the deviation from it (zero mean in each hour).

    hourly:       ybar_H = m_H + a_H,   m_H = c[h_H] + gamma * d_H,
                  a_H = rho * a_{H-1} + eta_H,          eta ~ multivariate Student-t(nu_h, 0, L_h L_h^T)
    within hour:  w_t = delta * r_t + v_t (centred in the hour),
                  v_t = phi * v_{t-1} + e_t,            e ~ multivariate Student-t(nu, 0, L L^T)

    h_H = local (America/Chicago) hour of H; c[h, k] = level_k + sum_j F[h, j] coef[j, k]
          (F: 2 daily harmonics, cos and sin); d_H = (DAM_H - mean) / sd the DAM-level regressor;
    r_t = (smooth DAM - DAM) / sd centred in the hour (:func:`dam_ramp`): within an hour
          the real-time price follows a smooth curve while the DAM is flat, so the spread ramps;
    gamma = (gamma_s, 0), delta = (delta_s, 0): the DAM terms act on the spread only (a
          DAM-level effect on the basis fitted on a few days followed day-level wind regimes
          and made P(congestion) swing; see the ADR addendum);
    level ~ N(0, 1), coef ~ N(0, 0.5), gamma, delta ~ N(0, 1), rho, phi ~ Beta(2, 2),
    stds ~ HalfNormal(1), LKJ(2) correlations, nu, nu_h ~ Gamma(2, 0.1) (the data decide the tails).

Why two scales: the spread keeps a level set by the day-ahead price for an
hour and is noisy around it within the hour. A single 5-minute AR(1) fitted to
that (the previous version: intercepts per hour, phi ~ 0.95, plus a symmetric
DAM-step term) puts all the persistence into one coefficient near 1, so its
stationary variance and the hour intercepts scaled by ``1 / (1 - phi)`` made
predictive paths about twice as dispersed as the history and over-stated
P(imbalance). Here the hourly deviations are persistent only from hour to hour
(``rho``), the within-hour noise is fast (``phi``), and the mean follows the
known DAM level and its within-hour ramp, so the predictive spread has the
history's dispersion.

The Student-t innovations give heavy tails *and* tail dependence (a price spike
tends to come with congestion); ``nu`` and ``nu_h`` are estimated. The
likelihood conditions on the first hour of each contiguous run of hours and on
the first interval of each hour (pairs one hour, respectively 5 minutes apart
within the same hour only). Each Student-t density is written out element-wise
(forward substitution through the 2x2 Cholesky factor) as a ``pm.Potential``,
which needs no BLAS and compiles to one fused loop. NUTS uses a dense (full)
mass matrix adapted during tuning.

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

from hayeknet.params import BeliefsParams

QUANTITIES: tuple[str, ...] = ("spread", "basis")
"""Order of the modelled quantities (columns of ``y``)."""

N_HOURS = 24


class BeliefModelError(RuntimeError):
    """The belief model cannot be fitted (too little data, sampler failure)."""


@dataclass(frozen=True)
class Transform:
    """``y = (asinh(x / scale_usd_per_mwh) - center) / sd`` per quantity (arrays of 2).

    ``dam_center_usd_per_mwh`` and ``dam_sd_usd_per_mwh`` standardize the
    day-ahead price into the DAM-level regressor (:meth:`dam_level`).
    """

    scale_usd_per_mwh: np.ndarray
    center: np.ndarray
    sd: np.ndarray
    dam_center_usd_per_mwh: float = 0.0
    dam_sd_usd_per_mwh: float = 1.0

    def forward(self, x_usd_per_mwh: np.ndarray) -> np.ndarray:
        return (np.arcsinh(np.asarray(x_usd_per_mwh, dtype=float) / self.scale_usd_per_mwh) - self.center) / self.sd

    def inverse(self, y: np.ndarray, bound_usd_per_mwh: float | None = None) -> np.ndarray:
        """$/MWh of standardized ``y``; ``bound_usd_per_mwh`` caps the magnitude *before* ``sinh`` (a heavy
        Student-t draw would overflow it to inf), so every value is finite and within the bound."""
        z = np.asarray(y) * self.sd + self.center
        if bound_usd_per_mwh is not None:
            z_max = np.arcsinh(bound_usd_per_mwh / self.scale_usd_per_mwh)
            z = np.clip(z, -z_max, z_max)
        return np.sinh(z) * self.scale_usd_per_mwh

    def dam_level(self, dam_usd_per_mwh: np.ndarray) -> np.ndarray:
        """DAM-level regressor of the means: ``(DAM - dam_center) / dam_sd`` (DAM in $/MWh, linear)."""
        return (np.asarray(dam_usd_per_mwh, dtype=float) - self.dam_center_usd_per_mwh) / self.dam_sd_usd_per_mwh

    def threshold(self, k: int, usd_per_mwh: float) -> float:
        """The $/MWh threshold of quantity ``k`` on the standardized scale."""
        return float((np.arcsinh(usd_per_mwh / self.scale_usd_per_mwh[k]) - self.center[k]) / self.sd[k])


@dataclass(frozen=True)
class TrainingData:
    """Model inputs built from a history of interval quantities (standardized scale, see :class:`Transform`).

    Hourly scale: ``yh_cur``/``yh_prev`` (m x 2) are the means of ``y`` over
    consecutive clock hours (UTC hour starts one hour apart), ``hh_cur``/
    ``hh_prev`` their local hours (0..23) and ``dh_cur``/``dh_prev`` their
    DAM-level regressors (:meth:`Transform.dam_level`). Within-hour scale:
    ``w_cur``/``w_prev`` (n x 2) are consecutive 5-minute pairs *of the same
    hour* of the deviation ``w = y - hour mean``, and ``r_cur``/``r_prev`` the
    within-hour DAM-ramp regressor (:func:`dam_ramp`) at those intervals.
    ``last_*`` describe the history's end: its last interval (UTC start,
    ``y``, local hour, DAM in $/MWh, ``w`` and ramp) and its last hour (UTC
    start, mean ``y``, DAM level). ``dh_range`` is the range of the history's
    hourly DAM-level regressor: predictions clip the regressor to it, so the
    fitted (linear) DAM-level effect is never extrapolated to DAM prices the
    history never saw.
    """

    yh_cur: np.ndarray
    yh_prev: np.ndarray
    hh_cur: np.ndarray
    hh_prev: np.ndarray
    dh_cur: np.ndarray
    dh_prev: np.ndarray
    w_cur: np.ndarray
    w_prev: np.ndarray
    r_cur: np.ndarray
    r_prev: np.ndarray
    transform: Transform
    last_interval_start_utc: pd.Timestamp
    last_y: np.ndarray
    last_dam_usd_per_mwh: float
    last_hour: int
    last_w: np.ndarray
    last_r: float
    last_hour_start_utc: pd.Timestamp
    last_yh: np.ndarray
    last_dh: float
    n_intervals: int
    n_hours: int
    dh_range: tuple[float, float] = (-np.inf, np.inf)
    step_minutes: float = 5.0

    @property
    def n_quantities(self) -> int:
        """1 (the spread) or 2 (the spread and the basis): the columns of ``y``."""
        return int(self.yh_cur.shape[1])


def local_hour(index: pd.DatetimeIndex) -> np.ndarray:
    """America/Chicago clock hour (0..23) of each UTC interval start."""
    return np.asarray(index.tz_convert("America/Chicago").hour, dtype=np.int64)


def dam_ramp(starts_utc: pd.DatetimeIndex, dam_usd_per_mwh: np.ndarray, step_minutes: float = 5.0) -> np.ndarray:
    """Within-hour DAM ramp ($/MWh) per interval (``step_minutes`` long): smooth DAM minus hourly DAM,
    centred in each hour.

    The smooth DAM interpolates the hourly DAM prices linearly between hour
    midpoints (flat beyond the first and last); the real-time price follows a
    smooth curve, so within an hour the spread ``RT - DAM`` ramps with it.
    The ramp's mean over the intervals of each UTC hour is removed, so it only
    shapes the within-hour deviations.
    """
    starts = pd.DatetimeIndex(starts_utc)
    dam = np.asarray(dam_usd_per_mwh, dtype=float)
    if len(starts) == 0:
        return np.zeros(0)
    hour = starts.floor("h")
    first = pd.Series(dam, index=starts).groupby(hour).first()
    mid = (pd.DatetimeIndex(first.index) + pd.Timedelta(minutes=30)).as_unit("ns").asi8.astype(float)
    t = (starts + pd.Timedelta(minutes=step_minutes / 2.0)).as_unit("ns").asi8.astype(float)
    ramp = np.interp(t, mid, first.to_numpy()) - dam
    return ramp - pd.Series(ramp, index=starts).groupby(hour).transform("mean").to_numpy()


def training_data(quantities: pd.DataFrame, scales_usd_per_mwh: tuple[float, float] = (10.0, 10.0)) -> TrainingData:
    """Build :class:`TrainingData` from interval quantities (see :func:`hayeknet.beliefs.events.interval_quantities`).

    ``quantities`` is indexed by ``interval_start_utc`` (5-minute grid, may span
    several days) with columns ``spread_usd_per_mwh`` (RT - DAM) and
    ``basis_usd_per_mwh`` and the day-ahead price ``dam_usd_per_mwh``; rows with
    any NaN are dropped. ``scales_usd_per_mwh`` sets where asinh turns from
    linear to logarithmic for each quantity. The DAM is standardized with the
    history's mean and standard deviation ($/MWh) into the DAM-level regressor;
    the ramp (:func:`dam_ramp`) is divided by the same standard deviation.
    """
    cols = ["spread_usd_per_mwh"]
    if "basis_usd_per_mwh" in quantities.columns and quantities["basis_usd_per_mwh"].notna().any():
        cols.append("basis_usd_per_mwh")
    full = quantities[[*cols, "dam_usd_per_mwh"]].astype(float).dropna().sort_index()
    frame = full[cols]
    if len(frame) < 48:
        raise BeliefModelError(f"beliefs: only {len(frame)} complete intervals in the history (need >= 48)")
    scale = np.asarray(scales_usd_per_mwh, dtype=float)[: len(cols)]
    z = np.arcsinh(frame.to_numpy() / scale)
    center = z.mean(axis=0)
    sd = z.std(axis=0)
    sd = np.where(sd > 1e-6, sd, 1.0)  # a constant quantity (e.g. zero basis at the hub itself)
    dam = full["dam_usd_per_mwh"].to_numpy()
    dam_sd = float(dam.std())
    transform = Transform(scale, center, sd, float(dam.mean()), dam_sd if dam_sd > 1e-6 else 1.0)
    y = (z - center) / sd
    index = pd.DatetimeIndex(frame.index)
    hours = local_hour(index)
    gaps = np.diff(index.as_unit("ns").asi8) if len(index) > 1 else np.zeros(0, dtype=np.int64)
    step = pd.Timedelta(int(np.median(gaps)) if gaps.size else pd.Timedelta(minutes=5).value)
    step_minutes = step / pd.Timedelta(minutes=1)
    ramp = dam_ramp(index, dam, step_minutes) / transform.dam_sd_usd_per_mwh
    hour_start = index.floor("h")
    y_frame = pd.DataFrame(y, index=index)
    yh = y_frame.groupby(hour_start).mean()
    w = y - yh.reindex(hour_start).to_numpy()
    h_index = pd.DatetimeIndex(yh.index)
    yh_values = yh.to_numpy()
    hh = local_hour(h_index)
    dh = transform.dam_level(pd.Series(dam, index=index).groupby(hour_start).mean().to_numpy())
    h_gaps = np.diff(h_index.as_unit("ns").asi8) if len(h_index) > 1 else np.zeros(0, dtype=np.int64)
    h_pairs = np.flatnonzero(h_gaps == pd.Timedelta(hours=1).value) + 1
    same_hour = hour_start[1:] == hour_start[:-1]
    pairs = np.flatnonzero((gaps == step.value) & same_hour) + 1
    if len(pairs) < 24 or len(h_pairs) < 4:
        raise BeliefModelError(
            f"beliefs: only {len(pairs)} consecutive interval pairs within hours and "
            f"{len(h_pairs)} consecutive hour pairs in the history (need >= 24 and >= 4)"
        )
    return TrainingData(
        yh_cur=yh_values[h_pairs],
        yh_prev=yh_values[h_pairs - 1],
        hh_cur=hh[h_pairs],
        hh_prev=hh[h_pairs - 1],
        dh_cur=dh[h_pairs],
        dh_prev=dh[h_pairs - 1],
        w_cur=w[pairs],
        w_prev=w[pairs - 1],
        r_cur=ramp[pairs],
        r_prev=ramp[pairs - 1],
        transform=transform,
        last_interval_start_utc=index[-1],
        last_y=y[-1],
        last_dam_usd_per_mwh=float(dam[-1]),
        last_hour=int(hours[-1]),
        last_w=w[-1],
        last_r=float(ramp[-1]),
        last_hour_start_utc=h_index[-1],
        last_yh=yh_values[-1],
        last_dh=float(dh[-1]),
        n_intervals=len(frame),
        n_hours=len(h_index),
        dh_range=(float(dh.min()), float(dh.max())),
        step_minutes=float(step_minutes),
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
        return (
            f"Beliefs model did not meet the convergence rule ({self.rule}): "
            f"R-hat max {self.rhat_max:.3f}, ESS bulk min {self.ess_bulk_min:.0f}, "
            f"ESS tail min {self.ess_tail_min:.0f}, {self.divergences} divergences; "
            "treat the probabilities with caution."
        )

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__} | {"warning": self.warning()}


@dataclass(frozen=True)
class Posterior:
    """Posterior draws (chains x draws flattened) of the model parameters, on the standardized scale.

    Hourly scale: ``c`` (S x 24 x 2) the hour-of-day part of the hourly means
    (level + harmonics), ``gamma`` (S x 2) the DAM-level coefficients, ``rho``
    (S x 2) the hour-to-hour AR(1) coefficients, ``chol_h`` (S x 2 x 2) and
    ``nu_h`` (S,) the hourly Student-t innovations. Within-hour scale:
    ``delta`` (S x 2) the DAM-ramp coefficients, ``phi`` (S x 2) the 5-minute
    AR(1) coefficients, ``chol`` (S x 2 x 2) and ``nu`` (S,) the 5-minute
    Student-t innovations.
    """

    c: np.ndarray
    gamma: np.ndarray
    rho: np.ndarray
    chol_h: np.ndarray
    nu_h: np.ndarray
    delta: np.ndarray
    phi: np.ndarray
    chol: np.ndarray
    nu: np.ndarray
    data: TrainingData
    diagnostics: Diagnostics
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def n_draws(self) -> int:
        return int(self.nu.shape[0])


PARAMETERS: tuple[str, ...] = (
    "level",
    "hour_coef",
    "dam_level",
    "rho",
    "chol_h_stds",
    "chol_h_corr",
    "nu_h",
    "dam_ramp",
    "phi",
    "chol_stds",
    "chol_corr",
    "nu",
)
"""Free parameters (and the LKJ correlations) whose R-hat and ESS make the convergence rule."""


def parameters(d: int) -> tuple[str, ...]:
    """:data:`PARAMETERS` of a model of ``d`` quantities (one quantity has no correlations)."""
    return PARAMETERS if d > 1 else tuple(p for p in PARAMETERS if not p.endswith("_corr"))


N_HARMONICS = 2
"""Daily harmonics of the hour-of-day effect (cos and sin of 2 pi j h / 24, j = 1..N)."""


def hour_basis() -> np.ndarray:
    """Fourier basis of the hour-of-day effect: (24 x 2*N_HARMONICS), hour 0..23 at the hour's midpoint."""
    h = np.arange(N_HOURS) + 0.5
    cols = []
    for j in range(1, N_HARMONICS + 1):
        cols += [np.cos(2 * np.pi * j * h / 24.0), np.sin(2 * np.pi * j * h / 24.0)]
    return np.column_stack(cols)


def _student_t_loglik(e: Any, chol: Any, nu: Any, d: int) -> Any:
    """Log density of rows of ``e`` (n x d) under a multivariate Student-t(nu, 0, L L^T), element-wise."""
    import pytensor.tensor as pt

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
    return n * (const - logdet) - (nu + d) / 2.0 * pt.sum(pt.log1p(q / nu))


def _scale_factor(name: str, d: int) -> Any:
    """The Cholesky factor (d x d) of a Student-t scale: LKJ(2) correlations with HalfNormal(1) stds for two
    quantities, a HalfNormal(1) std alone for one (LKJ needs at least two)."""
    import pymc as pm

    if d == 1:
        sd = pm.HalfNormal(f"{name}_stds", 1.0, shape=1)
        return pm.Deterministic(f"L{name.removeprefix('chol')}", sd.reshape((1, 1)))
    packed, _, _ = pm.LKJCholeskyCov(name, n=d, eta=2.0, sd_dist=pm.HalfNormal.dist(1.0, shape=d), compute_corr=True)
    return pm.Deterministic(f"L{name.removeprefix('chol')}", packed)


def _build(n_rows: int, d: int = 2) -> Any:
    import pymc as pm
    import pytensor.tensor as pt

    zeros2 = np.zeros((n_rows, d))
    zeros_h = np.zeros(n_rows, dtype=np.int64)
    basis = hour_basis()
    with pm.Model() as model:
        yh_cur = pm.Data("yh_cur", zeros2)
        yh_prev = pm.Data("yh_prev", zeros2)
        hh_cur = pm.Data("hh_cur", zeros_h)
        hh_prev = pm.Data("hh_prev", zeros_h)
        dh_cur = pm.Data("dh_cur", np.zeros(n_rows))
        dh_prev = pm.Data("dh_prev", np.zeros(n_rows))
        w_cur = pm.Data("w_cur", zeros2)
        w_prev = pm.Data("w_prev", zeros2)
        r_cur = pm.Data("r_cur", np.zeros(n_rows))
        r_prev = pm.Data("r_prev", np.zeros(n_rows))
        # Hourly scale: hour means around a DAM-dependent, hour-of-day mean, AR(1) from hour to hour.
        level = pm.Normal("level", 0.0, 1.0, shape=d)
        coef = pm.Normal("hour_coef", 0.0, 0.5, shape=(basis.shape[1], d))
        c = pm.Deterministic("c", level + pt.as_tensor_variable(basis) @ coef)
        spread_only = pt.as_tensor_variable(np.eye(d)[0])  # the DAM terms act on the spread, not the basis
        gamma = pm.Deterministic("gamma", pm.Normal("dam_level", 0.0, 1.0) * spread_only)
        rho = pm.Beta("rho", 2.0, 2.0, shape=d)
        chol_h = _scale_factor("chol_h", d)
        nu_h = pm.Gamma("nu_h", alpha=2.0, beta=0.1)
        a_cur = yh_cur - c[hh_cur] - gamma * dh_cur[:, None]
        a_prev = yh_prev - c[hh_prev] - gamma * dh_prev[:, None]
        pm.Potential("likelihood_hourly", _student_t_loglik(a_cur - rho * a_prev, chol_h, nu_h, d))
        # Within-hour scale: deviations from the hour mean, a DAM ramp plus AR(1) noise.
        delta = pm.Deterministic("delta", pm.Normal("dam_ramp", 0.0, 1.0) * spread_only)
        phi = pm.Beta("phi", 2.0, 2.0, shape=d)
        chol = _scale_factor("chol", d)
        nu = pm.Gamma("nu", alpha=2.0, beta=0.1)
        v_cur = w_cur - delta * r_cur[:, None]
        v_prev = w_prev - delta * r_prev[:, None]
        pm.Potential("likelihood_within", _student_t_loglik(v_cur - phi * v_prev, chol, nu, d))
    return model


class BeliefModel:
    """The compiled belief model; :meth:`fit` swaps data and samples without recompiling the step.

    One instance per process is enough: keep it between days (walk-forward,
    backfill) to save the compilation. Not thread-safe.
    """

    def __init__(self, sampler: BeliefsParams | None = None, n_quantities: int = 2) -> None:
        import pymc as pm

        if n_quantities not in (1, 2):
            raise BeliefModelError(f"beliefs: the model holds the spread and optionally the basis, not {n_quantities}")
        self.sampler = sampler or BeliefsParams()
        self.n_quantities = n_quantities
        start = time.perf_counter()
        self.model = _build(64, n_quantities)
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

    def _initvals(self, rng: np.random.Generator) -> list[dict[str, np.ndarray | float]]:
        """Dispersed chain starts (prior-like) so that R-hat can detect non-mixing."""
        d = self.n_quantities
        return [
            {
                "level": rng.normal(0.0, 0.1, d),
                "hour_coef": rng.normal(0.0, 0.1, (2 * N_HARMONICS, d)),
                "rho": rng.uniform(0.2, 0.8, d),
                "nu_h": rng.uniform(4.0, 20.0),
                "phi": rng.uniform(0.2, 0.8, d),
                "nu": rng.uniform(4.0, 20.0),
            }
            for _ in range(self.sampler.chains)
        ]

    def fit(self, data: TrainingData, seed: int | None = None) -> Posterior:
        """Sample the posterior for ``data`` (standardized pairs); returns draws and diagnostics."""
        import arviz as az
        import pymc as pm

        s = self.sampler
        if data.n_quantities != self.n_quantities:
            raise BeliefModelError(
                f"beliefs: the compiled model holds {self.n_quantities} quantities, the data {data.n_quantities}"
            )
        seed = s.seed if seed is None else int(seed)
        rng = np.random.default_rng(seed)
        with self.model:
            pm.set_data(
                {
                    "yh_cur": data.yh_cur,
                    "yh_prev": data.yh_prev,
                    "hh_cur": data.hh_cur.astype(np.int64),
                    "hh_prev": data.hh_prev.astype(np.int64),
                    "dh_cur": data.dh_cur,
                    "dh_prev": data.dh_prev,
                    "w_cur": data.w_cur,
                    "w_prev": data.w_prev,
                    "r_cur": data.r_cur,
                    "r_prev": data.r_prev,
                }
            )
        self._step.sampling_state = self._initial_state
        start = time.perf_counter()
        pymc_logger = logging.getLogger("pymc")
        level = pymc_logger.level
        pymc_logger.setLevel(logging.ERROR)  # per-fit "Sequential sampling..." chatter; diagnostics are returned
        with self.model, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                idata = pm.sample(
                    draws=s.draws,
                    tune=s.tune,
                    chains=s.chains,
                    cores=1,
                    step=self._step,
                    initvals=self._initvals(rng),
                    random_seed=seed,
                    progressbar=False,
                    compute_convergence_checks=False,
                    return_inferencedata=True,
                    var_names=[*parameters(self.n_quantities), "c", "gamma", "delta", "L_h", "L"],
                )
            except Exception as exc:  # pragma: no cover - sampler internals
                raise BeliefModelError(f"beliefs: NUTS sampling failed: {exc}") from exc
            finally:
                pymc_logger.setLevel(level)
        seconds = time.perf_counter() - start
        reused = self.n_fits > 0
        self.n_fits += 1
        post = idata.posterior
        params = list(parameters(self.n_quantities))
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
            rhat_max=rhat_max,
            ess_bulk_min=bulk_min,
            ess_tail_min=tail_min,
            divergences=div,
            converged=converged,
            rule=f"R-hat max <= {s.rhat_max} and ESS (bulk, tail) min >= {s.ess_min:g}",
            chains=s.chains,
            draws=s.draws,
            tune=s.tune,
            sample_seconds=seconds,
            compile_seconds=0.0 if reused else self.compile_seconds,
            reused_compiled_model=reused,
        )
        flat = lambda name: post[name].values.reshape((-1, *post[name].shape[2:]))
        med = lambda name: dict(zip(QUANTITIES, np.median(flat(name), axis=0).round(4).tolist()))
        two = self.n_quantities > 1
        summary = {
            "quantities": list(QUANTITIES[: self.n_quantities]),
            "nu_median": float(np.median(flat("nu"))),
            "phi_median": med("phi"),
            "corr_median_spread_basis": float(np.median(flat("chol_corr")[:, 0, 1])) if two else None,
            "nu_hourly_median": float(np.median(flat("nu_h"))),
            "rho_hourly_median": med("rho"),
            "corr_hourly_median_spread_basis": float(np.median(flat("chol_h_corr")[:, 0, 1])) if two else None,
            "dam_level_median_spread": float(np.median(flat("dam_level"))),
            "dam_ramp_median_spread": float(np.median(flat("dam_ramp"))),
            "sd_hourly_median": med("chol_h_stds"),
            "sd_within_median": med("chol_stds"),
        }
        return Posterior(
            c=flat("c"),
            gamma=flat("gamma"),
            rho=flat("rho"),
            chol_h=flat("L_h"),
            nu_h=flat("nu_h"),
            delta=flat("delta"),
            phi=flat("phi"),
            chol=flat("L"),
            nu=flat("nu"),
            data=data,
            diagnostics=diag,
            summary=summary,
        )


def _student_t_draws(rng: np.random.Generator, chol: np.ndarray, nu: np.ndarray) -> np.ndarray:
    """One multivariate Student-t(nu, 0, L L^T) draw per row of ``chol`` (S x 2 x 2) and ``nu`` (S,)."""
    z = rng.standard_normal((chol.shape[0], chol.shape[1]))
    return np.einsum("sij,sj->si", chol, z) * np.sqrt(nu / rng.chisquare(nu))[:, None]


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
    parameter uncertainty is included) and fresh Student-t innovations at both
    scales. The hourly deviation starts from the history's last hour and is
    stepped hour by hour (through any gap, at most a day, at the last history
    DAM); the within-hour noise starts from the last interval's and is
    centred in each predicted hour, like the data it was fitted to.
    ``dam_usd_per_mwh`` (per interval of ``starts_utc``, $/MWh) sets the hourly
    means (DAM level, clipped to the history's range ``data.dh_range``) and the
    within-hour ramp (:func:`dam_ramp`); None means the last history
    interval's DAM throughout (no ramp).
    """
    rng = np.random.default_rng(seed)
    per = max(1, int(paths_per_draw))
    idx = np.repeat(np.arange(posterior.n_draws), per)
    n_paths = len(idx)
    rows = np.arange(n_paths)
    p = posterior
    c, gamma, rho, chol_h, nu_h = p.c[idx], p.gamma[idx], p.rho[idx], p.chol_h[idx], p.nu_h[idx]
    delta, phi, chol, nu = p.delta[idx], p.phi[idx], p.chol[idx], p.nu[idx]
    data = p.data
    tr = data.transform
    starts = pd.DatetimeIndex(starts_utc)
    dam = (
        np.full(len(starts), data.last_dam_usd_per_mwh)
        if dam_usd_per_mwh is None
        else np.asarray(dam_usd_per_mwh, dtype=float)
    )
    hour_start = starts.floor("h")
    hours = pd.DatetimeIndex(hour_start.unique())
    group = hours.get_indexer(hour_start)
    hh = local_hour(hours)
    dh = np.clip(tr.dam_level(pd.Series(dam).groupby(group).mean().to_numpy()), *data.dh_range)
    ramp = dam_ramp(starts, dam, data.step_minutes) / tr.dam_sd_usd_per_mwh

    # Hourly scale: deviation a from the hourly mean, AR(1) from the history's last hour on.
    last_hh = int(local_hour(pd.DatetimeIndex([data.last_hour_start_utc]))[0])
    a = data.last_yh[None, :] - c[rows, last_hh, :] - gamma * data.last_dh
    gap_h = round((hours[0] - data.last_hour_start_utc) / pd.Timedelta(hours=1))
    for _ in range(min(max(gap_h - 1, 0), 24)):
        a = rho * a + _student_t_draws(rng, chol_h, nu_h)
    d = c.shape[-1]
    hourly = np.empty((n_paths, len(hours), d))
    for g in range(len(hours)):
        a = rho * a + _student_t_draws(rng, chol_h, nu_h)
        hourly[:, g, :] = c[rows, hh[g], :] + gamma * dh[g] + a

    # Within-hour scale: AR(1) noise, centred in each hour, plus the DAM ramp.
    v = np.broadcast_to(data.last_w - delta * data.last_r, (n_paths, d)).copy()
    noise = np.empty((n_paths, len(starts), d))
    for t in range(len(starts)):
        v = phi * v + _student_t_draws(rng, chol, nu)
        noise[:, t, :] = v
    for g in range(len(hours)):
        members = group == g
        noise[:, members, :] -= noise[:, members, :].mean(axis=1, keepdims=True)
    return hourly[:, group, :] + delta[:, None, :] * ramp[None, :, None] + noise
