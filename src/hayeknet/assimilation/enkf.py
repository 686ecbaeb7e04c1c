"""Ensemble Kalman filter analysis steps (NumPy reference backend).

Everything is formulated in ensemble space: the only matrices factorised are
``N x N`` (``N`` members), so a state of thousands of variables never forms an
``n x n`` covariance and ``p`` observations never form a ``p x p`` one.

Notation (columns are members)::

    X  (n, N)  prior ensemble          xbar = mean of X over members
    A  (n, N)  anomalies X - xbar, after multiplicative inflation
    Y  (p, N)  observed anomalies H A
    S  (p, N)  R^{-1/2} Y / sqrt(N - 1)        delta (p,)  R^{-1/2} (y - H xbar)
    C  (N, N)  I + S' S

Both analyses return ``xbar 1' + A W`` for an ``N x N`` weight matrix ``W``:

* ETKF (deterministic square root, Hunt et al. 2007):
  ``W = C^{-1} S' delta 1' / sqrt(N-1) + C^{-1/2}`` with the *symmetric*
  square root ``C^{-1/2} = V diag(lambda^{-1/2}) V'`` (``C = V diag(lambda) V'``),
  which keeps the analysis mean equal to the Kalman mean.
* Stochastic EnKF (perturbed observations, Burgers et al. 1998):
  ``W = I + C^{-1} S' (delta 1' + E - sqrt(N-1) S) / sqrt(N-1)`` where ``E``
  holds standard-normal perturbations (one column per member), centred over
  the members so that they do not shift the analysis mean.

Multiplicative inflation multiplies the prior anomalies by ``inflation``
(so the prior covariance by ``inflation**2``) before the analysis.

Localization (optional) is local analysis with R-localization (Hunt et al.
2007; Sakov & Bertino 2011): each state variable ``i`` is updated with its own
weights, computed after dividing the observation error variances by the
Gaspari-Cohn taper ``rho_ij = GC(d_ij / c)`` (``d_ij`` the distance between
state variable ``i`` and observation ``j``, ``c`` the half-width; the taper
vanishes beyond ``2c``, and observations with ``rho_ij = 0`` are dropped).
A precomputed ``taper (n, p)`` may be given instead of distances. Rows that see
one observation use the closed form of the weights (``C = I + s s'`` is a
rank-one update of the identity), so a state where each variable sees its own
observation is updated in ``O(n N)``; rows with the same taper share one set of
weights (computed once); rows that see none keep the prior as it was
(uninflated: inflation offsets the analysis's spread loss, and a variable left
unobserved for hours would otherwise grow by ``inflation`` every step).

Random numbers: the stochastic filter takes its perturbations as an array
(:func:`stochastic_update`), drawn by :func:`draw_perturbations` from a NumPy
``Generator``. The Julia kernel (``julia/enkf.jl``) receives the same array, so
both backends see identical inputs and return the same ensemble.

Threads: the analyses run with one BLAS thread (:func:`hayeknet.threads.bounded_blas`): their
``N x N`` factorisations are too small to gain from a thread pool, and lose badly to oversubscription
when the machine is busy (ADR 0019).

Observation operators are either an integer index array ``(p,)`` (observation
``j`` is state variable ``idx[j]``, 0-based) or a dense ``(p, n)`` matrix.

Forecast helpers of a linear factor state (the price model of
:mod:`hayeknet.assimilation.price_model`), mirrored in ``julia/enkf.jl``:
:func:`ar1_forecast` steps every state row as its own AR(1)
(``x' = phi x + sigma eta``, ``phi = 1`` a random walk) with standard-normal
draws handed in (drawn in Python, so both backends consume the random numbers
in the same order), and :func:`factor_levels` composes ``L`` observed levels
from the state ``[idiosyncratic (L); factors (F)]`` as
``idiosyncratic + loadings @ factors``: shared factors make the levels
co-move (noise covariance ``loadings diag(sigma_f^2) loadings' + diag(sigma_i^2)``)
without ever forming an ``L x L`` matrix. :func:`factor_analysis` is that
state's localized analysis in two stages (the factors with every price, then
each basis given its members' analysed factors), which keeps the covariance
between a basis and the factors that a row-by-row local analysis loses.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hayeknet.threads import bounded_blas

FloatArray = NDArray[np.float64]


class EnKFInputError(ValueError):
    """An analysis step received arrays of inconsistent shape or invalid values."""


def draw_perturbations(rng: np.random.Generator | int | None, n_obs: int, n_members: int) -> FloatArray:
    """Standard-normal observation perturbations ``(n_obs, n_members)`` from ``rng``.

    ``rng`` is a NumPy ``Generator`` or an integer seed. The same draws feed the
    NumPy and Julia backends.
    """
    generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    return generator.standard_normal((n_obs, n_members))


def ar1_forecast(ensemble: ArrayLike, draws: ArrayLike, phi: ArrayLike, sigma: ArrayLike) -> FloatArray:
    """One AR(1) step per state row: ``phi[i] * x[i] + sigma[i] * draws[i]`` for every member.

    ``ensemble`` and ``draws`` (standard normals) are ``(n, N)``; ``phi`` and
    ``sigma`` ``(n,)``, in the state's units per step (``phi = 1``: random walk,
    ``|phi| < 1``: mean reversion to zero). Returns a new ``(n, N)`` array.
    """
    x = np.asarray(ensemble, dtype=float)
    eta = np.asarray(draws, dtype=float)
    a = np.asarray(phi, dtype=float)
    s = np.asarray(sigma, dtype=float)
    if x.ndim != 2 or eta.shape != x.shape:
        raise EnKFInputError(f"ensemble and draws must be (n, N) of one shape, got {x.shape} and {eta.shape}")
    if a.shape != (x.shape[0],) or s.shape != (x.shape[0],):
        raise EnKFInputError(f"phi and sigma must have shape ({x.shape[0]},), got {a.shape} and {s.shape}")
    if not np.all(np.isfinite(a)) or not np.all(s >= 0) or not np.all(np.isfinite(s)):
        raise EnKFInputError("phi must be finite and sigma finite and >= 0")
    return a[:, None] * x + s[:, None] * eta


def factor_levels(state: ArrayLike, loadings: ArrayLike) -> FloatArray:
    """Levels ``(L, N)`` of a factor state ``[idiosyncratic (L); factors (F)]``: ``x[:L] + loadings @ x[L:]``.

    ``state`` is ``(L + F, N)``, ``loadings`` ``(L, F)`` (level ``i`` loads
    ``loadings[i, f]`` on factor ``f``).
    """
    x = np.asarray(state, dtype=float)
    b = np.asarray(loadings, dtype=float)
    if b.ndim != 2 or x.ndim != 2 or x.shape[0] != b.shape[0] + b.shape[1]:
        raise EnKFInputError(
            f"state must have L + F rows for loadings (L, F); got state {x.shape} and loadings {b.shape}"
        )
    n_loc = b.shape[0]
    return x[:n_loc] + b @ x[n_loc:]


def gaspari_cohn(r: ArrayLike) -> FloatArray:
    """Gaspari-Cohn (1999, eq. 4.10) fifth-order compactly supported taper.

    ``r`` is distance divided by the half-width ``c`` (dimensionless, >= 0);
    the taper is 1 at ``r = 0``, decreases smoothly and is 0 for ``r >= 2``.
    """
    z = np.abs(np.asarray(r, dtype=float))
    out = np.zeros_like(z)
    inner = z <= 1.0
    outer = (z > 1.0) & (z < 2.0)
    zi = z[inner]
    out[inner] = (((-0.25 * zi + 0.5) * zi + 0.625) * zi - 5.0 / 3.0) * zi**2 + 1.0
    zo = z[outer]
    out[outer] = ((((zo / 12.0 - 0.5) * zo + 0.625) * zo + 5.0 / 3.0) * zo - 5.0) * zo + 4.0 - 2.0 / (3.0 * zo)
    return np.clip(out, 0.0, 1.0)


def localization_taper(distance: ArrayLike, radius: float) -> FloatArray:
    """Gaspari-Cohn taper ``(n, p)`` for state-to-observation distances and half-width ``radius``."""
    if not radius > 0:
        raise EnKFInputError(f"localization_radius must be > 0, got {radius!r}")
    d = np.asarray(distance, dtype=float)
    if np.any(d < 0) or not np.all(np.isfinite(d)):
        raise EnKFInputError("distance must be finite and >= 0")
    return gaspari_cohn(d / radius)


def inflate(ensemble: ArrayLike, inflation: float) -> FloatArray:
    """Multiply the anomalies of ``ensemble (n, N)`` by ``inflation`` (>= 1); the mean is kept."""
    x = np.asarray(ensemble, dtype=float)
    if not inflation >= 1.0:
        raise EnKFInputError(f"inflation must be >= 1, got {inflation!r}")
    mean = x.mean(axis=1, keepdims=True)
    return mean + inflation * (x - mean)


def apply_obs_operator(obs_operator: ArrayLike, ensemble: ArrayLike) -> FloatArray:
    """``H X``: rows ``obs_operator`` of ``ensemble`` (index array) or the matrix product."""
    h = np.asarray(obs_operator)
    x = np.asarray(ensemble, dtype=float)
    if h.ndim == 1:
        return x[h.astype(np.intp), :]
    return h.astype(float) @ x


@bounded_blas
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
) -> FloatArray:
    """ETKF analysis (symmetric square root) of ``ensemble (n, N)`` given ``obs (p,)``.

    ``obs_operator`` is an index array ``(p,)`` or a ``(p, n)`` matrix;
    ``obs_error_std`` a scalar or ``(p,)`` (same units as ``obs``). With
    ``distance (n, p)`` and ``localization_radius`` the update is a local
    analysis with Gaspari-Cohn R-localization; ``taper (n, p)`` gives the
    localization weights in [0, 1] directly instead. Returns the analysis
    ensemble ``(n, N)``; the input is not modified.
    """
    x, y, h, std = _validate(ensemble, obs, obs_operator, obs_error_std)
    xbar, anomalies, s, delta = _ensemble_space(x, y, h, std, inflation)
    rho = _taper(distance, localization_radius, taper, x.shape[0], y.shape[0])
    if rho is None:
        return xbar[:, None] + anomalies @ _etkf_weights(s, delta)
    out = x.copy()  # a row that sees no observation keeps its prior, not inflated (no analysis to offset)
    rows, obs_index, root, multi_rows = _observation_rows(rho)
    if rows.size:  # closed form of the weights for one observation (C = I + s s')
        s1 = s[obs_index] * root[:, None]
        a = anomalies[rows]
        ss = np.einsum("ij,ij->i", s1, s1)
        a_s = np.einsum("ij,ij->i", a, s1)
        beta = np.divide(1.0 - 1.0 / np.sqrt(1.0 + ss), ss, out=np.full_like(ss, 0.5), where=ss > 0)
        mean_step = a_s * delta[obs_index] * root / ((1.0 + ss) * math.sqrt(x.shape[1] - 1))
        out[rows] = xbar[rows, None] + mean_step[:, None] + a - (beta * a_s)[:, None] * s1
    for group in _same_taper_groups(rho, multi_rows):  # rows with one taper share their weights
        use = rho[group[0]] > 0.0
        root_i = np.sqrt(rho[group[0], use])
        weights = _etkf_weights(s[use] * root_i[:, None], delta[use] * root_i)
        out[group] = xbar[group, None] + anomalies[group] @ weights
    return out


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
) -> FloatArray:
    """Stochastic (perturbed-observation) EnKF analysis with perturbations drawn from ``rng``.

    Draws ``(p, N)`` standard normals with :func:`draw_perturbations` and calls
    :func:`stochastic_update`; see there for the arguments.
    """
    x = np.asarray(ensemble, dtype=float)
    if x.ndim != 2:
        raise EnKFInputError(f"ensemble must be 2-D (n, N), got shape {x.shape}")
    n_obs = np.atleast_1d(np.asarray(obs)).shape[0]
    perturbations = draw_perturbations(rng, n_obs, x.shape[1])
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


@bounded_blas
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
) -> FloatArray:
    """Stochastic EnKF analysis with given standard-normal ``perturbations (p, N)``.

    Member ``j`` assimilates ``obs + obs_error_std * e_j`` where ``e_j`` is
    column ``j`` of the perturbations centred over the members. This is the
    kernel that ``julia/enkf.jl``'s ``analysis_stochastic`` mirrors.
    """
    x, y, h, std = _validate(ensemble, obs, obs_operator, obs_error_std)
    e = np.asarray(perturbations, dtype=float)
    if e.shape != (y.shape[0], x.shape[1]):
        raise EnKFInputError(f"perturbations must have shape {(y.shape[0], x.shape[1])}, got {e.shape}")
    e = e - e.mean(axis=1, keepdims=True)
    xbar, anomalies, s, delta = _ensemble_space(x, y, h, std, inflation)
    root_nm1 = _sqrt_nm1(s)
    rho = _taper(distance, localization_radius, taper, x.shape[0], y.shape[0])
    if rho is None:
        return xbar[:, None] + anomalies @ _stochastic_weights(s, delta[:, None] - root_nm1 * s + e)
    out = x.copy()  # a row that sees no observation keeps its prior, not inflated (no analysis to offset)
    rows, obs_index, root, multi_rows = _observation_rows(rho)
    if rows.size:  # closed form for one observation: W = I + s d' / ((1 + s's) sqrt(N-1))
        s1 = s[obs_index] * root[:, None]
        d1 = root[:, None] * (delta[obs_index, None] - root_nm1 * s[obs_index]) + e[obs_index]
        a = anomalies[rows]
        ss = np.einsum("ij,ij->i", s1, s1)
        a_s = np.einsum("ij,ij->i", a, s1)
        out[rows] = xbar[rows, None] + a + (a_s / ((1.0 + ss) * root_nm1))[:, None] * d1
    for group in _same_taper_groups(rho, multi_rows):  # rows with one taper share their weights
        use = rho[group[0]] > 0.0
        root_i = np.sqrt(rho[group[0], use])[:, None]
        innov = root_i * (delta[use, None] - root_nm1 * s[use]) + e[use]
        out[group] = xbar[group, None] + anomalies[group] @ _stochastic_weights(s[use] * root_i, innov)
    return out


@bounded_blas
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
) -> FloatArray:
    """Localized analysis of a factor state in two stages; returns the analysed ``[basis (L); factors (F)]``.

    The state's levels are ``basis + loadings @ factors`` (:func:`factor_levels`)
    and price ``j`` observes the level of location ``obs_index[j]`` (0-based).
    Localization is about the bases (a basis is updated by its own or nearby
    prices, ``basis_taper (L, p)``), not about their covariance with the
    shared factors: a basis whose price is missing must still move with the
    factors it is correlated with, or its level's spread becomes the sum of
    both variances. So the analysis is the factorisation
    ``p(factors | y) p(basis | factors, y)`` (Gaussian algebra, ensemble
    estimates; ``A`` are anomalies, inflated by ``inflation``):

    1. Regress each basis on the factors over the members (least squares):
       ``A_b = beta A_f + E``; ``E`` is the part of the basis that the factors
       do not explain.
    2. **Factors** with every price: :func:`analysis_etkf` (or
       :func:`stochastic_update` with ``perturbations``) of the factor ensemble
       whose observation operator is ``loadings[idx] + beta[idx]`` (a price's
       dependence on the factors, through its level and its basis), with the
       conditional basis counted as observation error: variance
       ``obs_error_std^2 / shared_weight + var(E_j)`` (``shared_weight (p,)`` in
       (0, 1], default 1: the background check's down-weighting of an outlier).
       Bases are independent given the factors (the localization), so this
       error is diagonal.
    3. **Bases** given each member's analysed factors ``f^a_m``: member ``m``'s
       basis is ``bbar + beta (f^a_m - fbar) + E_m`` (it follows the factors),
       and a basis that sees prices updates ``E`` with the residuals
       ``y_j - loadings[idx_j] f^a_m - bbar_j - beta_j (f^a_m - fbar)``
       (R-localized with ``basis_taper``): an ETKF whose innovation differs by
       member, or the perturbed-observation EnKF with the same perturbations.
       A basis that sees no price keeps ``E`` uninflated.

    With the symmetric square root the factor anomalies stay in their own
    member subspace and ``E`` in its complement, so the analysed covariance is
    the Gaussian ``Var E[b | f, y] + E Var[b | f, y]`` without a cross term:
    for bases that are uncorrelated given the factors and every taper weight
    1, mean and covariance equal the global ETKF's on ``[basis; factors]``.
    """
    b = np.asarray(basis, dtype=float)
    f = np.asarray(factors, dtype=float)
    loads = np.asarray(loadings, dtype=float)
    idx = np.asarray(obs_index)
    if b.ndim != 2 or f.ndim != 2 or f.shape[1] != b.shape[1]:
        raise EnKFInputError(f"basis (L, N) and factors (F, N) must share N; got {b.shape} and {f.shape}")
    if loads.shape != (b.shape[0], f.shape[0]):
        raise EnKFInputError(f"loadings must have shape {(b.shape[0], f.shape[0])}, got {loads.shape}")
    if idx.ndim != 1:
        raise EnKFInputError(f"obs_index must be an index array (p,), got shape {idx.shape}")
    x, y, _, std = _validate(b, obs, idx, obs_error_std)
    if not np.all(np.isfinite(f)):
        raise EnKFInputError("factors must be finite")
    if not inflation >= 1.0:
        raise EnKFInputError(f"inflation must be >= 1, got {inflation!r}")
    rho = _taper(None, None, basis_taper, x.shape[0], y.shape[0])
    assert rho is not None
    weight = np.ones(y.shape[0]) if shared_weight is None else np.asarray(shared_weight, dtype=float)
    if weight.shape != y.shape or not np.all((weight > 0) & (weight <= 1)):
        raise EnKFInputError(f"shared_weight must have shape {y.shape} with values in (0, 1]")
    e = None
    if perturbations is not None:
        e = np.asarray(perturbations, dtype=float)
        if e.shape != (y.shape[0], x.shape[1]):
            raise EnKFInputError(f"perturbations must have shape {(y.shape[0], x.shape[1])}, got {e.shape}")
        e = e - e.mean(axis=1, keepdims=True)
    n_members = x.shape[1]
    root_nm1 = math.sqrt(n_members - 1)
    h = idx.astype(np.intp)
    bbar = x.mean(axis=1)
    fbar = f.mean(axis=1)
    a_b = inflation * (x - bbar[:, None])
    a_f = inflation * (f - fbar[:, None])
    beta = np.linalg.pinv(a_f.T) @ a_b.T  # (F, L): least squares of each basis on the factors
    beta = beta.T
    residual = a_b - beta @ a_f  # E
    # stage 1: the factors, with the conditional bases as (diagonal) observation error
    effective_std = np.sqrt(std**2 / weight + np.sum(residual[h] ** 2, axis=1) / (n_members - 1))
    operator = loads[h] + beta[h]
    shifted = y - bbar[h] + beta[h] @ fbar  # so that operator @ fbar is the mean level
    if e is None:
        f_a = analysis_etkf(f, shifted, operator, effective_std, inflation=inflation)
    else:
        f_a = stochastic_update(f, shifted, operator, effective_std, e, inflation=inflation)
    # stage 2: each basis given its members' analysed factors
    follow = bbar[:, None] + beta @ (f_a - fbar[:, None])
    out = follow + residual / inflation  # rows without a price: E kept, uninflated
    d = (y[:, None] - loads[h] @ f_a - follow[h]) / std[:, None]  # (p, N): residual innovation per member
    s = residual[h] / (std[:, None] * root_nm1)
    rows, one_obs, root, multi_rows = _observation_rows(rho)
    if rows.size:  # one price: C = I + s s' in closed form
        s1 = s[one_obs] * root[:, None]
        a = residual[rows]
        ss = np.einsum("ij,ij->i", s1, s1)
        a_s = np.einsum("ij,ij->i", a, s1)
        gain = (a_s / ((1.0 + ss) * root_nm1))[:, None]
        if e is None:
            shrink = np.divide(1.0 - 1.0 / np.sqrt(1.0 + ss), ss, out=np.full_like(ss, 0.5), where=ss > 0)
            out[rows] = follow[rows] + gain * (root[:, None] * d[one_obs]) + a - (shrink * a_s)[:, None] * s1
        else:
            d1 = root[:, None] * (d[one_obs] - root_nm1 * s[one_obs]) + e[one_obs]
            out[rows] = follow[rows] + a + gain * d1
    for group in _same_taper_groups(rho, multi_rows):  # rows with one taper share their weights
        use = rho[group[0]] > 0.0
        root_i = np.sqrt(rho[group[0], use])[:, None]
        s_i = s[use] * root_i
        if e is None:
            weights = _etkf_weights(s_i, root_i * d[use])
        else:
            weights = _stochastic_weights(s_i, root_i * (d[use] - root_nm1 * s[use]) + e[use])
        out[group] = follow[group] + residual[group] @ weights
    return np.concatenate([out, f_a])


def _observation_rows(
    rho: FloatArray,
) -> tuple[NDArray[np.intp], NDArray[np.intp], FloatArray, NDArray[np.intp]]:
    """Rows that see exactly one observation (rows, that observation, sqrt of its taper), and rows that see more."""
    positive = rho > 0.0
    count = np.count_nonzero(positive, axis=1)
    rows = np.flatnonzero(count == 1)
    obs_index = positive[rows].argmax(axis=1)
    return rows, obs_index, np.sqrt(rho[rows, obs_index]), np.flatnonzero(count >= 2)


def _same_taper_groups(rho: FloatArray, rows: NDArray[np.intp]) -> list[NDArray[np.intp]]:
    """``rows`` grouped by identical taper rows (in order of first appearance): a group shares its weights."""
    groups: dict[bytes, list[int]] = {}
    for i in rows:
        groups.setdefault(rho[i].tobytes(), []).append(int(i))
    return [np.asarray(group, dtype=np.intp) for group in groups.values()]


def _sqrt_nm1(s: FloatArray) -> float:
    return math.sqrt(s.shape[1] - 1)


def _etkf_weights(s: FloatArray, delta: FloatArray) -> FloatArray:
    """ETKF weights ``W (N, N)``: the mean part ``C^{-1} S' delta / sqrt(N-1)`` plus the symmetric square root
    of ``C^{-1}``. ``delta`` is the scaled innovation ``(p,)``, the same for every member (``W``'s mean part is
    ``w 1'``), or ``(p, N)``, one column per member (:func:`factor_analysis`'s residuals given each member's
    factors)."""
    n_members = s.shape[1]
    evals, evecs = np.linalg.eigh(np.eye(n_members) + s.T @ s)
    projected = evecs.T @ (s.T @ delta)
    gain = evecs @ (projected / (evals if delta.ndim == 1 else evals[:, None]))
    transform = (evecs / np.sqrt(evals)) @ evecs.T
    return (gain[:, None] if delta.ndim == 1 else gain) / math.sqrt(n_members - 1) + transform


def _stochastic_weights(s: FloatArray, innov: FloatArray) -> FloatArray:
    """Stochastic EnKF weights ``I + C^{-1} S' D / sqrt(N-1)`` for scaled innovations ``D (p, N)``."""
    n_members = s.shape[1]
    c = np.eye(n_members) + s.T @ s
    gain = np.linalg.solve(c, s.T @ innov)
    return np.eye(n_members) + gain / math.sqrt(n_members - 1)


def _ensemble_space(
    x: FloatArray, y: FloatArray, h: NDArray, std: FloatArray, inflation: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    if not inflation >= 1.0:
        raise EnKFInputError(f"inflation must be >= 1, got {inflation!r}")
    n_members = x.shape[1]
    xbar = x.mean(axis=1)
    anomalies = inflation * (x - xbar[:, None])
    hbar = apply_obs_operator(h, xbar[:, None])[:, 0]
    s = apply_obs_operator(h, anomalies) / (std[:, None] * math.sqrt(n_members - 1))
    delta = (y - hbar) / std
    return xbar, anomalies, s, delta


def _taper(
    distance: ArrayLike | None, radius: float | None, taper: ArrayLike | None, n_state: int, n_obs: int
) -> FloatArray | None:
    """Localization weights ``(n, p)`` in [0, 1], or ``None`` for a global analysis."""
    if taper is not None:
        if distance is not None or radius is not None:
            raise EnKFInputError("give either taper or distance with localization_radius, not both")
        rho = np.asarray(taper, dtype=float)
        if rho.shape != (n_state, n_obs):
            raise EnKFInputError(f"taper must have shape {(n_state, n_obs)}, got {rho.shape}")
        if rho.size and not (rho.min() >= 0.0 and rho.max() <= 1.0):  # also rejects NaN
            raise EnKFInputError("taper values must lie in [0, 1]")
        return rho
    if distance is None and radius is None:
        return None
    if distance is None or radius is None:
        raise EnKFInputError("localization needs both distance (n, p) and localization_radius")
    rho = localization_taper(distance, radius)
    if rho.shape != (n_state, n_obs):
        raise EnKFInputError(f"distance must have shape {(n_state, n_obs)}, got {rho.shape}")
    return rho


def _validate(
    ensemble: ArrayLike, obs: ArrayLike, obs_operator: ArrayLike, obs_error_std: ArrayLike | float
) -> tuple[FloatArray, FloatArray, NDArray, FloatArray]:
    x = np.asarray(ensemble, dtype=float)
    if x.ndim != 2 or x.shape[1] < 2:
        raise EnKFInputError(f"ensemble must be 2-D (n, N) with N >= 2 members, got shape {x.shape}")
    y = np.atleast_1d(np.asarray(obs, dtype=float))
    if y.ndim != 1:
        raise EnKFInputError(f"obs must be 1-D (p,), got shape {y.shape}")
    h = np.asarray(obs_operator)
    if h.ndim == 1:
        if h.shape[0] != y.shape[0]:
            raise EnKFInputError(f"index obs_operator has {h.shape[0]} entries for {y.shape[0]} observations")
        if not np.issubdtype(h.dtype, np.integer):
            raise EnKFInputError(f"index obs_operator must hold integers, got dtype {h.dtype}")
        if h.size and (h.min() < 0 or h.max() >= x.shape[0]):
            raise EnKFInputError(f"obs_operator index out of range 0..{x.shape[0] - 1}")
    elif h.ndim == 2:
        if h.shape != (y.shape[0], x.shape[0]):
            raise EnKFInputError(f"obs_operator matrix must have shape {(y.shape[0], x.shape[0])}, got {h.shape}")
    else:
        raise EnKFInputError(f"obs_operator must be an index array (p,) or a matrix (p, n), got shape {h.shape}")
    try:
        std = np.broadcast_to(np.asarray(obs_error_std, dtype=float), y.shape).copy()
    except ValueError:
        raise EnKFInputError(
            f"obs_error_std must be a scalar or have shape {y.shape}, got {np.shape(obs_error_std)}"
        ) from None
    if not np.all(std > 0) or not np.all(np.isfinite(std)):
        raise EnKFInputError("obs_error_std must be finite and > 0")
    if not np.all(np.isfinite(y)) or not np.all(np.isfinite(x)):
        raise EnKFInputError("ensemble and obs must be finite (drop missing observations first)")
    return x, y, h, std
