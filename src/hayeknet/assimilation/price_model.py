"""Ensemble Kalman filtering of one operating day of 5-minute prices.

State (per ensemble member), in transformed units ``z = asinh(price / scale)``:

* ``level[k]`` for each settlement point ``k``: the latent transformed price;
* ``system``: a shared, persistent system component (random walk);
* ``shock``: a shared short-term shock, AR(1) with coefficient ``shock_ar``.

Why ``asinh``: ERCOT prices go negative and spike to thousands of $/MWh. The
signed log ``asinh(p / s)`` is linear near zero (``~ p / s`` for ``|p| << s``),
logarithmic in the tails (``~ sign(p) log(2|p| / s)``), defined for every real
price and invertible (``p = s sinh(z)``); ``log`` is not defined for ``p <= 0``.

Forecast step between two 5-minute analyses (persistence plus AR(1))::

    system' = system + sigma_system * eta
    shock'  = shock_ar * shock + sigma_shock * eta
    level'[k] = level[k] + (system' - system) + (shock' - shock) + sigma_basis * eta_k

so every level carries the common system and shock moves, and the basis
``level - system - shock`` of each location is a random walk. (This is the
additive model ``z_k = system + shock + basis_k`` written in level form, so the
observation operator is an index array: the ensemble-space analysis is
invariant under that linear change of variables.)

Observations are the 5-minute LMPs of the locations that have a price at that
interval (NaN = missing, skipped). A price error of ``obs_error_usd_per_mwh``
becomes ``obs_error / sqrt(p^2 + s^2)`` in transformed units (delta method at
the observed price ``p``). The analysis is the ETKF of
:mod:`hayeknet.assimilation.enkf` (or the stochastic EnKF), with the
multiplicative inflation of :class:`~hayeknet.params.AssimilationParams`.

Localization (``PriceModelSpec.localize``, default on): with ~40 members and up
to ~1,100 locations the ensemble's sample correlations between unrelated
locations are mostly noise, and a global update both collapses the spread and
lets a spike at one node move every other node. The analysis is therefore
local (R-localization): the level of location ``k`` is updated by the price of
``k`` only (a closed-form one-observation update), while the shared system and
shock components are updated by all prices. The common moves still reach every
location through the forecast step. A price that fails the background check
(normalized innovation above ``anomaly_threshold``) is down-weighted in the
update of the shared rows only (Huber-type), so a spike at one node is not
passed on to the others.

The first interval initialises the ensemble from the first price of the day at
each location (spread = observation error; locations without a first price get
``initial_missing_std``), so it has no forecast and its innovation is NaN.

Outputs, back in $/MWh (ensemble statistics of ``s sinh(z)``): analysis mean and
spread (std over members), innovation = observed - forecast mean. The
normalized innovation is computed where the filter is Gaussian, in transformed
units: ``(z_obs - mean z_f) / sqrt(var z_f + sigma_z^2)``; ``|value| > 4`` is
an anomaly.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hayeknet.assimilation.backend import EnKFKernel, kernel
from hayeknet.assimilation.enkf import localization_taper
from hayeknet.params import AssimilationParams

FILTERED_COLUMNS = (
    "interval_start_utc",
    "location",
    "observed",
    "mean",
    "spread",
    "innovation",
    "normalized_innovation",
)
METRIC_KEYS = (
    "backend",
    "method",
    "ensemble_size",
    "inflation",
    "obs_error_usd_per_mwh",
    "price_scale_usd_per_mwh",
    "seed",
    "n_intervals",
    "n_locations",
    "n_observations",
    "rmse_analysis_usd_per_mwh",
    "rmse_forecast_usd_per_mwh",
    "mean_spread_usd_per_mwh",
    "mean_forecast_spread_usd_per_mwh",
    "spread_rmse_ratio",
    "anomaly_threshold",
    "n_anomalies",
    "seconds",
)


UTC_NAMES = frozenset({"UTC", "Etc/UTC", "utc"})
INTERVAL = "5min"  # one forecast step of the model


class AssimilationInputError(ValueError):
    """The wide price frame handed to the filter breaks the wide price matrix contract."""


@dataclass(frozen=True)
class PriceModelSpec:
    """Dynamics and transform of the latent price state (transformed units per 5-minute step)."""

    price_scale_usd_per_mwh: float = 20.0  # s in z = asinh(price / s)
    system_noise_std: float = 0.03  # random-walk step of the shared system component
    shock_ar: float = 0.6  # AR(1) coefficient of the shared short-term shock
    shock_noise_std: float = 0.05  # innovation std of the shock
    basis_noise_std: float = 0.04  # random-walk step of each location's basis
    initial_missing_std: float = 0.5  # initial spread of a location without a first price
    anomaly_threshold: float = 4.0  # |normalized innovation| above this is an anomaly
    method: str = "etkf"  # etkf | stochastic
    localize: bool = True  # level k sees only price k; system and shock see every price

    def __post_init__(self) -> None:
        if not self.price_scale_usd_per_mwh > 0:
            raise AssimilationInputError("price_scale_usd_per_mwh must be > 0")
        for name in ("system_noise_std", "shock_noise_std", "basis_noise_std", "initial_missing_std"):
            if not getattr(self, name) >= 0:
                raise AssimilationInputError(f"{name} must be >= 0")
        if not -1 < self.shock_ar < 1:
            raise AssimilationInputError("shock_ar must be within (-1, 1)")
        if self.method not in {"etkf", "stochastic"}:
            raise AssimilationInputError(f"method must be etkf|stochastic, got {self.method!r}")


@dataclass(frozen=True)
class AssimilationResult:
    """Filtered prices of one day (long table, $/MWh), shared components and run metrics."""

    filtered: pd.DataFrame  # FILTERED_COLUMNS, one row per interval and location
    system: pd.DataFrame  # interval_start_utc, system_z, shock_z (analysis means, transformed units)
    metrics: dict[str, Any] = field(default_factory=dict)


def to_transformed(price_usd_per_mwh: np.ndarray | float, scale_usd_per_mwh: float) -> np.ndarray:
    """``z = asinh(price / scale)`` (dimensionless); defined for negative prices."""
    return np.arcsinh(np.asarray(price_usd_per_mwh, dtype=float) / scale_usd_per_mwh)


def from_transformed(z: np.ndarray | float, scale_usd_per_mwh: float) -> np.ndarray:
    """Inverse of :func:`to_transformed`: ``price = scale * sinh(z)`` in $/MWh."""
    return scale_usd_per_mwh * np.sinh(np.asarray(z, dtype=float))


def transformed_obs_error(
    price_usd_per_mwh: np.ndarray, obs_error_usd_per_mwh: float, scale_usd_per_mwh: float
) -> np.ndarray:
    """Observation error std in transformed units: ``sigma / sqrt(p^2 + s^2)`` (delta method)."""
    p = np.asarray(price_usd_per_mwh, dtype=float)
    return obs_error_usd_per_mwh / np.sqrt(p**2 + scale_usd_per_mwh**2)


def assimilate_day(
    wide_prices: pd.DataFrame,
    params: AssimilationParams,
    backend: str = "numpy",
    model: PriceModelSpec | None = None,
    distance: np.ndarray | None = None,
    localization_radius: float | None = None,
) -> AssimilationResult:
    """Run the EnKF over one day of the wide price matrix.

    ``distance`` (L x L, the network distance between the frame's locations,
    e.g. :meth:`hayeknet.constraints.grid.GridGraph.distance_matrix`) with
    ``localization_radius`` (same units) localizes each location's level by
    network distance: it is updated by every price closer than twice the
    radius, weighted by the Gaspari-Cohn taper (1 at distance 0, 0 from twice
    the radius on; :func:`hayeknet.assimilation.enkf.gaspari_cohn`). Without
    them a level sees its own price only.

    ``wide_prices``: index ``interval_start_utc`` (tz-aware UTC, increasing,
    unique), one column per location, $/MWh, NaN where missing. ``params``
    gives ensemble size, inflation, observation error ($/MWh) and seed;
    ``backend`` is ``numpy``, ``julia`` or ``auto`` (resolved here; the one used
    is ``metrics['backend']``). Deterministic for a given seed: all random
    draws come from ``numpy.random.default_rng(params.seed)`` in Python.
    """
    started = time.perf_counter()
    spec = model or PriceModelSpec()
    prices = _validated_prices(wide_prices)
    kern = kernel(backend)
    scale = spec.price_scale_usd_per_mwh
    obs_err = float(params.obs_error_usd_per_mwh)
    if not obs_err > 0:
        raise AssimilationInputError(f"obs_error_usd_per_mwh must be > 0, got {obs_err!r}")
    rng = np.random.default_rng(params.seed)

    observed = prices.to_numpy(dtype=float)  # (T, L)
    n_times, n_loc = observed.shape
    n_members = params.ensemble_size
    z_obs = to_transformed(observed, scale)
    z_err = transformed_obs_error(observed, obs_err, scale)

    ensemble = _initial_ensemble(z_obs, z_err, spec, n_members, rng)
    taper_all = _location_taper(n_loc, distance, localization_radius) if spec.localize else None
    out_mean = np.empty((n_times, n_loc))
    out_spread = np.empty((n_times, n_loc))
    fc_mean = np.full((n_times, n_loc), np.nan)
    fc_spread = np.full((n_times, n_loc), np.nan)
    norm_innov = np.full((n_times, n_loc), np.nan)
    system = np.empty((n_times, 2))

    out_mean[0], out_spread[0] = _price_stats(ensemble[:n_loc], scale)
    system[0] = ensemble[n_loc:].mean(axis=1)
    for t in range(1, n_times):
        ensemble = _forecast(ensemble, n_loc, spec, rng)
        levels = ensemble[:n_loc]
        fc_mean[t], fc_spread[t] = _price_stats(levels, scale)
        idx = np.flatnonzero(~np.isnan(z_obs[t]))
        if idx.size:
            zf_mean = levels[idx].mean(axis=1)
            zf_var = levels[idx].var(axis=1, ddof=1)
            norm_innov[t, idx] = (z_obs[t, idx] - zf_mean) / np.sqrt(zf_var + z_err[t, idx] ** 2)
            taper = taper_all if taper_all is None or idx.size == n_loc else taper_all[:, idx]
            if taper is not None:
                taper = _background_check(taper, n_loc, norm_innov[t, idx], zf_var, z_err[t, idx], spec)
            ensemble = _analysis(kern, spec, ensemble, z_obs[t, idx], idx, z_err[t, idx], taper, params, rng)
        out_mean[t], out_spread[t] = _price_stats(ensemble[:n_loc], scale)
        system[t] = ensemble[n_loc:].mean(axis=1)

    innovation = observed - fc_mean
    filtered = pd.DataFrame(
        {
            "interval_start_utc": prices.index.repeat(n_loc).as_unit("ns"),
            "location": pd.array(np.tile(prices.columns.to_numpy(dtype=object), n_times), dtype="string"),
            "observed": observed.ravel(),
            "mean": out_mean.ravel(),
            "spread": out_spread.ravel(),
            "innovation": innovation.ravel(),
            "normalized_innovation": norm_innov.ravel(),
        }
    )
    system_frame = pd.DataFrame(
        {"interval_start_utc": prices.index.as_unit("ns"), "system_z": system[:, 0], "shock_z": system[:, 1]}
    ).reset_index(drop=True)

    has_obs = ~np.isnan(observed)
    has_fc = has_obs & ~np.isnan(fc_mean)
    rmse_a = _rmse(out_mean[has_obs] - observed[has_obs])
    rmse_f = _rmse(innovation[has_fc])
    total_fc_spread = math.sqrt(float(np.mean(fc_spread[has_fc] ** 2)) + obs_err**2) if has_fc.any() else math.nan
    n_anomalies = int(np.sum(np.abs(norm_innov[~np.isnan(norm_innov)]) > spec.anomaly_threshold))
    metrics: dict[str, Any] = {
        "backend": kern.name,
        "method": spec.method,
        "ensemble_size": n_members,
        "inflation": float(params.inflation),
        "obs_error_usd_per_mwh": obs_err,
        "price_scale_usd_per_mwh": scale,
        "seed": int(params.seed),
        "n_intervals": n_times,
        "n_locations": n_loc,
        "n_observations": int(has_obs.sum()),
        "rmse_analysis_usd_per_mwh": rmse_a,
        "rmse_forecast_usd_per_mwh": rmse_f,
        "mean_spread_usd_per_mwh": float(np.mean(out_spread)),
        "mean_forecast_spread_usd_per_mwh": float(np.mean(fc_spread[has_fc])) if has_fc.any() else math.nan,
        # forecast consistency: sqrt(mean spread^2 + obs error^2) / forecast RMSE, ~1 when calibrated
        "spread_rmse_ratio": total_fc_spread / rmse_f if rmse_f > 0 else math.nan,
        "anomaly_threshold": spec.anomaly_threshold,
        "n_anomalies": n_anomalies,
        "seconds": time.perf_counter() - started,
    }
    # undefined metrics (a one-interval day has no forecast) are None, so metrics.json stays valid JSON
    metrics = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in metrics.items()}
    return AssimilationResult(filtered=filtered, system=system_frame, metrics=metrics)


def _rmse(errors: np.ndarray) -> float:
    return float(np.sqrt(np.mean(errors**2))) if errors.size else math.nan


def _price_stats(levels: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Mean and spread (std over members, ddof=1) of ``scale * sinh(levels)`` in $/MWh."""
    price = from_transformed(levels, scale)
    return price.mean(axis=1), price.std(axis=1, ddof=1)


def _initial_ensemble(
    z_obs: np.ndarray, z_err: np.ndarray, spec: PriceModelSpec, n_members: int, rng: np.random.Generator
) -> np.ndarray:
    """Ensemble ``(L + 2, N)`` at the first interval: levels, then system and shock."""
    n_loc = z_obs.shape[1]
    observed = ~np.isnan(z_obs)
    first_row = observed.argmax(axis=0)  # first interval with a price, per location
    has_any = observed.any(axis=0)
    first = np.where(has_any, z_obs[first_row, np.arange(n_loc)], np.nan)
    system0 = float(np.nanmedian(first))
    level0 = np.where(has_any, first, system0)
    std0 = np.where(observed[0], np.nan_to_num(z_err[0]), spec.initial_missing_std)
    draws = rng.standard_normal((n_loc + 2, n_members))
    ensemble = np.empty((n_loc + 2, n_members))
    ensemble[:n_loc] = level0[:, None] + std0[:, None] * draws[:n_loc]
    ensemble[n_loc] = system0 + spec.system_noise_std * draws[n_loc]
    ensemble[n_loc + 1] = spec.shock_noise_std * draws[n_loc + 1]
    return ensemble


def _forecast(ensemble: np.ndarray, n_loc: int, spec: PriceModelSpec, rng: np.random.Generator) -> np.ndarray:
    """One 5-minute forecast step (persistence / AR(1)), see the module docstring."""
    draws = rng.standard_normal(ensemble.shape)
    system, shock = ensemble[n_loc], ensemble[n_loc + 1]
    system_new = system + spec.system_noise_std * draws[n_loc]
    shock_new = spec.shock_ar * shock + spec.shock_noise_std * draws[n_loc + 1]
    out = np.empty_like(ensemble)
    out[:n_loc] = ensemble[:n_loc] + (system_new - system + shock_new - shock) + spec.basis_noise_std * draws[:n_loc]
    out[n_loc] = system_new
    out[n_loc + 1] = shock_new
    return out


def _analysis(
    kern: EnKFKernel,
    spec: PriceModelSpec,
    ensemble: np.ndarray,
    obs: np.ndarray,
    idx: np.ndarray,
    obs_std: np.ndarray,
    taper: np.ndarray | None,
    params: AssimilationParams,
    rng: np.random.Generator,
) -> np.ndarray:
    if spec.method == "stochastic":
        return kern.analysis_stochastic(ensemble, obs, idx, obs_std, rng, inflation=params.inflation, taper=taper)
    return kern.analysis_etkf(ensemble, obs, idx, obs_std, inflation=params.inflation, taper=taper)


def _background_check(
    taper: np.ndarray,
    n_loc: int,
    normalized: np.ndarray,
    forecast_var: np.ndarray,
    obs_std: np.ndarray,
    spec: PriceModelSpec,
) -> np.ndarray:
    """Down-weight outlying prices in the update of the shared system and shock rows.

    A price whose normalized innovation exceeds ``anomaly_threshold`` gets, for
    the two shared rows only, its error variance inflated (taper weight
    ``rho < 1``, R-localization divides the variance by ``rho``) until its
    normalized innovation equals the threshold (Huber-type background check).
    Its own level is still updated with weight 1, so the filtered price follows
    the spike while the other locations do not.
    """
    outlying = np.abs(normalized) > spec.anomaly_threshold
    if not outlying.any():
        return taper
    obs_var = obs_std[outlying] ** 2
    innovation_sq = normalized[outlying] ** 2 * (forecast_var[outlying] + obs_var)
    needed_var = innovation_sq / spec.anomaly_threshold**2 - forecast_var[outlying]
    out = taper.copy()
    out[n_loc:, outlying] *= obs_var / np.maximum(needed_var, obs_var)
    return out


def _location_taper(
    n_loc: int, distance: np.ndarray | None = None, radius: float | None = None
) -> np.ndarray:
    """Localization weights ``(L + 2, L)``; system and shock rows see every price.

    Level k sees price k only, or, given the network ``distance (L, L)`` and a
    ``radius``, every price j with Gaspari-Cohn weight ``gc(d(k, j) / radius)``.
    """
    taper = np.zeros((n_loc + 2, n_loc))
    if distance is None or radius is None:
        taper[np.arange(n_loc), np.arange(n_loc)] = 1.0
    else:
        d = np.asarray(distance, dtype=float)
        if d.shape != (n_loc, n_loc) or not radius > 0:
            raise AssimilationInputError(
                f"distance must be ({n_loc}, {n_loc}) for the frame's locations and radius > 0; "
                f"got {d.shape} and {radius!r}"
            )
        taper[:n_loc] = localization_taper(d, radius)
    taper[n_loc:] = 1.0
    return taper


def _validated_prices(wide_prices: pd.DataFrame) -> pd.DataFrame:
    """Check the wide price matrix contract and return a float copy."""
    if not isinstance(wide_prices, pd.DataFrame):
        raise AssimilationInputError(f"wide_prices must be a DataFrame, got {type(wide_prices).__name__}")
    index = wide_prices.index
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None or str(index.tz) not in UTC_NAMES:
        raise AssimilationInputError("wide_prices index (interval_start_utc) must be a tz-aware UTC DatetimeIndex")
    if len(index) < 1 or wide_prices.shape[1] < 1:
        raise AssimilationInputError(f"wide_prices is empty (shape {wide_prices.shape})")
    if index.has_duplicates:
        dup = index[index.duplicated()][0]
        raise AssimilationInputError(f"wide_prices index has a duplicate interval_start_utc {dup}")
    if not index.is_monotonic_increasing:
        raise AssimilationInputError("wide_prices index (interval_start_utc) must be increasing")
    steps = index[1:] - index[:-1]
    irregular = np.flatnonzero(np.asarray(steps != pd.Timedelta(INTERVAL)))
    if irregular.size:
        at = irregular[0] + 1
        raise AssimilationInputError(
            f"wide_prices index must be a regular {INTERVAL} grid: interval_start_utc {index[at]} "
            f"(row {at}) follows {index[at - 1]}"
        )
    if wide_prices.columns.has_duplicates:
        dup = wide_prices.columns[wide_prices.columns.duplicated()][0]
        raise AssimilationInputError(f"wide_prices has a duplicate location column {dup!r}")
    try:
        prices = wide_prices.astype(float)
    except (TypeError, ValueError) as exc:
        raise AssimilationInputError(f"wide_prices holds non-numeric prices: {exc}") from None
    values = prices.to_numpy()
    if np.isinf(values).any():
        row, col = np.argwhere(np.isinf(values))[0]
        raise AssimilationInputError(
            f"wide_prices has an infinite price at interval_start_utc {index[row]}, location {prices.columns[col]!r}"
        )
    if np.isnan(values).all():
        raise AssimilationInputError("wide_prices has no observed price (all NaN)")
    return prices
