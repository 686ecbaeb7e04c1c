"""Ensemble Kalman filtering of one operating day of 5-minute prices.

Latent price of location ``i`` (``L`` locations), in transformed units
``z = asinh(price / scale)``, is a linear factor model along the grid graph::

    z_i = system + shock + sum_k loadings[i, k] * zone_k + basis_i

* ``system``: shared, persistent system component (random walk);
* ``shock``: shared short-term shock, AR(1) with coefficient ``shock_ar``;
* ``zone_k``: one component per zone of the grid (the physical hub that a
  settlement point's load zone feeds, :func:`grid_zone_loadings`; a hub
  average loads equally on the hubs it averages), AR(1) with ``zone_ar``:
  a zone's premium over the system price that persists for hours;
* ``basis_i``: the location's own basis, AR(1) with ``basis_ar`` (an
  Ornstein-Uhlenbeck process sampled every 5 minutes), mean-reverting to zero.

Why ``asinh``: ERCOT prices go negative and spike to thousands of $/MWh. The
signed log ``asinh(p / s)`` is linear near zero (``~ p / s`` for ``|p| << s``),
logarithmic in the tails (``~ sign(p) log(2|p| / s)``), defined for every real
price and invertible (``p = s sinh(z)``); ``log`` is not defined for ``p <= 0``.

Forecast step between two 5-minute analyses: every state row is its own AR(1),
``x' = phi x + sigma eta`` (:func:`hayeknet.assimilation.enkf.ar1_forecast`).
The state is ``[basis (L); system; shock; zones (K)]``, and the levels are
composed from it (:func:`hayeknet.assimilation.enkf.factor_levels`), so the
one-step noise of the levels has the covariance
``(sigma_system^2 + sigma_shock^2) 1 1' + sigma_zone^2 B B' + sigma_basis^2 I``
(:func:`level_noise_covariance`): locations of one zone co-move, every
location follows the system, and an ``L x L`` matrix is never formed (the
noise is generated in factor space). Because the basis mean-reverts and the
shared components are estimated from every price, a location without prices
stays near its zone's level with a bounded spread instead of drifting as a
random walk.

Observations are the 5-minute LMPs of the locations that have a price at that
interval (NaN = missing, skipped). A price error of ``obs_error_usd_per_mwh``
becomes ``obs_error / sqrt(p^2 + s^2)`` in transformed units (delta method at
the observed price ``p``). The analysis is the ETKF of
:mod:`hayeknet.assimilation.enkf` (or the stochastic EnKF), with the
multiplicative inflation of :class:`~hayeknet.params.AssimilationParams`;
without localization it is global, on the ensemble ``[levels (L); state]``
with an index observation operator on the levels. The levels are composed
again from the analysed state.

Localization (``PriceModelSpec.localize``, default on; R-localization) is
about the bases, not about their covariance with the shared components: the
analysis has two stages (:func:`hayeknet.assimilation.enkf.factor_analysis`).
The shared components (system, shock, zones) are analysed first with every
price, each location's basis given the factors counted as observation error;
their block is low-dimensional, so its analysis is not at the mercy of
sampling noise. Then each basis is updated given its members' analysed
factors: it follows the factors it is correlated with (a location without a
price keeps its level tied to its neighbours), and the part the factors do
not explain is updated by the location's own price only, or, given the
network distance and a radius, by every price within twice the radius with
Gaspari-Cohn weights. (Before 2026-12-03 a basis without a price was left as
it was while the factors moved, which lost that covariance: ADR 0006,
Addendum 4.) A price that fails the background check (normalized innovation
above ``anomaly_threshold``) is down-weighted for the factors and the other
bases but not its own (Huber-type), so a spike at one node is not passed on
to the others.

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

import dataclasses
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hayeknet.assimilation import enkf as enkf_module
from hayeknet.assimilation import skill
from hayeknet.assimilation.backend import EnKFKernel, kernel
from hayeknet.assimilation.enkf import localization_taper
from hayeknet.params import AssimilationParams
from hayeknet.threads import bounded_blas

if TYPE_CHECKING:
    from hayeknet.constraints.grid import GridGraph

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
    "backend_note",
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
    "rmse_forecast_1step_usd_per_mwh",
    "rmse_persistence_1step_usd_per_mwh",
    "skill_vs_persistence_1step",
    "spread_skill_ratio_1step",
    "rmse_forecast_1h_usd_per_mwh",
    "rmse_persistence_1h_usd_per_mwh",
    "skill_vs_persistence_1h",
    "spread_skill_ratio_1h",
    "forecast_verdict",
    "mean_spread_usd_per_mwh",
    "mean_forecast_spread_usd_per_mwh",
    "spread_rmse_ratio",
    "anomaly_threshold",
    "n_anomalies",
    "n_zones",
    "localization_radius",
    "seconds",
)


UTC_NAMES = frozenset({"UTC", "Etc/UTC", "utc"})
INTERVAL = "5min"  # one forecast step of the model


class AssimilationInputError(ValueError):
    """The wide price frame handed to the filter breaks the wide price matrix contract."""


@dataclass(frozen=True)
class PriceModelSpec:
    """Dynamics and transform of the latent price state (transformed units per 5-minute step).

    AR(1) coefficients are per 5-minute step: 1 is a random walk, ``a < 1``
    reverts to zero with an e-folding time of ``-5 / ln(a)`` minutes (0.995:
    ~17 h, 0.98: ~4 h); the stationary std of such a component is
    ``noise_std / sqrt(1 - a^2)``.
    """

    price_scale_usd_per_mwh: float = 20.0  # s in z = asinh(price / s)
    system_noise_std: float = 0.03  # random-walk step of the shared system component
    shock_ar: float = 0.95  # AR(1) coefficient of the shared short-term shock (~1.6 h e-folding)
    shock_noise_std: float = 0.2  # innovation std of the shock (sized on real 2024-01..06: ADR 0006, Addendum 4)
    zone_ar: float = 0.995  # AR(1) coefficient of each zone component (premium over the system)
    zone_noise_std: float = 0.015  # innovation std of a zone component
    basis_ar: float = 0.98  # AR(1) (OU) coefficient of each location's basis, reverting to zero
    basis_noise_std: float = 0.01  # innovation std of a location's basis
    initial_missing_std: float = 0.5  # initial spread of a location without a first price
    anomaly_threshold: float = 4.0  # |normalized innovation| above this is an anomaly
    method: str = "etkf"  # etkf | stochastic
    localize: bool = True  # basis k sees price k (or prices within the radius); shared rows see every price

    def __post_init__(self) -> None:
        if not self.price_scale_usd_per_mwh > 0:
            raise AssimilationInputError("price_scale_usd_per_mwh must be > 0")
        for name in (
            "system_noise_std",
            "shock_noise_std",
            "zone_noise_std",
            "basis_noise_std",
            "initial_missing_std",
        ):
            if not getattr(self, name) >= 0:
                raise AssimilationInputError(f"{name} must be >= 0")
        if not -1 < self.shock_ar < 1:
            raise AssimilationInputError("shock_ar must be within (-1, 1)")
        for name in ("zone_ar", "basis_ar"):
            if not -1 < getattr(self, name) <= 1:
                raise AssimilationInputError(f"{name} must be within (-1, 1] (1: random walk)")
        if self.method not in {"etkf", "stochastic"}:
            raise AssimilationInputError(f"method must be etkf|stochastic, got {self.method!r}")

    def for_step(self, minutes: float) -> PriceModelSpec:
        """The same dynamics sampled every ``minutes`` (a multiple of 5: 15 for NP6-905-CD, 60 for hourly).

        The parameters are per 5-minute step; for ``k = minutes / 5`` steps an
        AR(1) coefficient becomes ``a**k`` and its innovation std keeps the
        component's stationary variance, ``sd * sqrt((1 - a**(2k)) / (1 - a**2))``;
        a random walk's (``a = 1``) grows as ``sd * sqrt(k)``.
        """
        k = minutes / 5.0
        if not (k >= 1 and float(k).is_integer()):
            raise AssimilationInputError(f"the price model steps in multiples of 5 minutes, got {minutes!r}")
        if k == 1:
            return self

        def scaled(a: float, sd: float) -> tuple[float, float]:
            if a == 1.0:
                return 1.0, sd * math.sqrt(k)
            a_k = a**k
            return a_k, sd * math.sqrt((1.0 - a_k**2) / (1.0 - a**2))

        shock_ar, shock_sd = scaled(self.shock_ar, self.shock_noise_std)
        zone_ar, zone_sd = scaled(self.zone_ar, self.zone_noise_std)
        basis_ar, basis_sd = scaled(self.basis_ar, self.basis_noise_std)
        return dataclasses.replace(
            self,
            system_noise_std=self.system_noise_std * math.sqrt(k),
            shock_ar=shock_ar,
            shock_noise_std=shock_sd,
            zone_ar=zone_ar,
            zone_noise_std=zone_sd,
            basis_ar=basis_ar,
            basis_noise_std=basis_sd,
        )


@dataclass(frozen=True)
class AssimilationResult:
    """Filtered prices of one day (long table, $/MWh), shared components, run metrics and the forecasts
    (1 step and 1 hour ahead, :class:`hayeknet.assimilation.skill.DayForecasts`) the skill metrics score."""

    filtered: pd.DataFrame  # FILTERED_COLUMNS, one row per interval and location
    system: pd.DataFrame  # interval_start_utc, system_z, shock_z (analysis means, transformed units)
    metrics: dict[str, Any] = field(default_factory=dict)
    forecasts: skill.DayForecasts | None = None


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


def zone_loadings(labels: Sequence[str | None]) -> np.ndarray:
    """Zone loadings ``(L, K)`` from one zone label per location (``None``: no zone).

    Columns are the distinct labels in sorted order; location ``i`` loads 1 on
    its zone. For data whose zones are known without the grid graph.
    """
    zones = sorted({label for label in labels if label is not None})
    column = {zone: k for k, zone in enumerate(zones)}
    out = np.zeros((len(labels), len(zones)))
    for i, label in enumerate(labels):
        if label is not None:
            out[i, column[label]] = 1.0
    return out


def grid_zone_loadings(locations: Sequence[str], grid: GridGraph | None = None) -> np.ndarray:
    """Zone loadings ``(L, K)`` of ``locations`` from the grid graph (default: ``build_grid()``).

    A zone is a physical hub bus of the grid (columns in ``grid.buses`` order,
    zones without any location of the frame dropped). A resource node, load
    zone or trading hub loads 1 on its bus (``grid.bus_of``: the hub that its
    load zone feeds); a hub average, which has no bus, loads on its children in
    the aggregation graph with equal weights (the mean of their loadings).
    Raises :class:`~hayeknet.constraints.errors.GridModelError` for a location
    that is not in the grid graph.
    """
    from hayeknet.constraints.errors import GridModelError
    from hayeknet.constraints.grid import build_grid
    from hayeknet.ercot.locations import HUB_AVERAGE

    graph = grid or build_grid()
    bus_index = {bus: k for k, bus in enumerate(graph.buses)}
    kind = {p.name: p.location_type for p in graph.points}
    children: dict[str, list[str]] = {}
    for child, parent in graph.edges:
        children.setdefault(parent, []).append(child)

    def row(name: str, depth: int = 0) -> np.ndarray:
        if name not in kind:
            raise GridModelError(f"settlement point {name!r} is not in the grid graph (zone loadings)")
        out = np.zeros(len(graph.buses))
        if kind[name] != HUB_AVERAGE:
            out[bus_index[graph.bus_of[name]]] = 1.0
            return out
        below = children.get(name, [])
        if not below or depth > len(kind):
            raise GridModelError(f"hub average {name!r} has no settlement point below it in the grid graph")
        return np.mean([row(child, depth + 1) for child in below], axis=0)

    loadings = np.array([row(name) for name in locations]).reshape(len(locations), len(graph.buses))
    return loadings[:, loadings.any(axis=0)]


def level_noise_covariance(spec: PriceModelSpec, zones: np.ndarray | None, n_locations: int) -> np.ndarray:
    """Covariance ``(L, L)`` of the one-step noise of the levels (transformed units squared).

    ``(sigma_system^2 + sigma_shock^2) 1 1' + sigma_zone^2 B B' + sigma_basis^2 I``
    for zone loadings ``B (L, K)`` (``None``: no zones): the covariance that the
    forecast step draws in factor space. Forms ``L x L``: for tests and
    documentation, not used by the filter.
    """
    loadings = _factor_loadings(n_locations, zones)
    variances = np.concatenate(
        [[spec.system_noise_std**2, spec.shock_noise_std**2], np.full(loadings.shape[1] - 2, spec.zone_noise_std**2)]
    )
    return (loadings * variances) @ loadings.T + spec.basis_noise_std**2 * np.eye(n_locations)


@bounded_blas
def assimilate_day(
    wide_prices: pd.DataFrame,
    params: AssimilationParams,
    backend: str = "numpy",
    model: PriceModelSpec | None = None,
    distance: np.ndarray | None = None,
    localization_radius: float | None = None,
    zones: np.ndarray | None = None,
    dam_prices: pd.DataFrame | None = None,
) -> AssimilationResult:
    """Run the EnKF over one day of the wide price matrix.

    Besides filtering, the day's prices are forecast before they are seen, 1
    step and 1 hour ahead, and scored against persistence and (with
    ``dam_prices``: hourly DAM prices, index UTC hour start, one column per
    location) the DAM (:mod:`hayeknet.assimilation.skill`); the forecasts draw
    no random number, so the filtered output does not depend on them.
    ``rmse_analysis_usd_per_mwh`` is the analysis (after assimilating the same
    price): a fit, not a forecast skill.

    ``zones`` (``(L, K)`` loadings of the frame's locations on ``K`` zone
    components, e.g. :func:`grid_zone_loadings`) adds the zone components of
    the factor model (module doc); without them the locations share the system
    and shock components only.

    ``distance`` (L x L, the network distance between the frame's locations,
    e.g. :meth:`hayeknet.constraints.grid.GridGraph.distance_matrix`) with
    ``localization_radius`` (same units) localizes each location's basis by
    network distance: it is updated by every price closer than twice the
    radius, weighted by the Gaspari-Cohn taper (1 at distance 0, 0 from twice
    the radius on; :func:`hayeknet.assimilation.enkf.gaspari_cohn`). Without
    them a basis sees its own price only.

    ``wide_prices``: index ``interval_start_utc`` (tz-aware UTC, increasing,
    unique), one column per location, $/MWh, NaN where missing. ``params``
    gives ensemble size, inflation, observation error ($/MWh) and seed;
    ``backend`` is ``numpy``, ``julia`` or ``auto`` (resolved here; the one used
    is ``metrics['backend']``, and ``metrics['backend_note']`` says why NumPy ran
    when ``auto`` found Julia but could not load it). Deterministic for a given seed: all random
    draws come from ``numpy.random.default_rng(params.seed)`` in Python, in the
    same order for both backends (initial state, then per interval the forecast
    draws and, for the stochastic filter, the observation perturbations).
    """
    started = time.perf_counter()
    prices, step_minutes = validated_prices(wide_prices)
    spec = (model or PriceModelSpec()).for_step(step_minutes)
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
    loadings = _factor_loadings(n_loc, zones)  # (L, F): system, shock, zones
    phi, sigma = _dynamics(spec, n_loc, loadings.shape[1])

    state = _initial_state(z_obs, z_err, spec, loadings, n_members, rng)
    levels = kern.factor_levels(state, loadings)
    basis_taper = _basis_taper(n_loc, distance, localization_radius) if spec.localize else None
    out_mean = np.empty((n_times, n_loc))
    out_spread = np.empty((n_times, n_loc))
    fc_mean = np.full((n_times, n_loc), np.nan)
    fc_spread = np.full((n_times, n_loc), np.nan)
    horizons = skill.horizon_steps(step_minutes)
    ahead = {
        label: {name: np.full((n_times, n_loc), np.nan) for name in ("mean", "spread", "z_mean", "z_var")}
        for label in horizons
    }

    def forecast_ahead(t: int, analysed: np.ndarray) -> None:
        """Forecasts of ``t + h`` for each horizon ``h`` from the analysis of ``t`` (prices up to ``t``; no draws)."""
        for label, steps in horizons.items():
            if t + steps < n_times:
                out = skill.h_step_forecast(analysed, loadings, phi, sigma, steps, scale)
                for name, values in zip(("mean", "spread", "z_mean", "z_var"), out, strict=True):
                    ahead[label][name][t + steps] = values

    norm_innov = np.full((n_times, n_loc), np.nan)
    system = np.empty((n_times, 2))

    out_mean[0], out_spread[0] = _price_stats(levels, scale)
    system[0] = state[n_loc : n_loc + 2].mean(axis=1)
    forecast_ahead(0, state)
    for t in range(1, n_times):
        state = kern.ar1_forecast(state, rng.standard_normal(state.shape), phi, sigma)
        levels = kern.factor_levels(state, loadings)
        fc_mean[t], fc_spread[t] = _price_stats(levels, scale)
        idx = np.flatnonzero(~np.isnan(z_obs[t]))
        if idx.size:
            zf_mean = levels[idx].mean(axis=1)
            zf_var = levels[idx].var(axis=1, ddof=1)
            norm_innov[t, idx] = (z_obs[t, idx] - zf_mean) / np.sqrt(zf_var + z_err[t, idx] ** 2)
            taper, shared_weight = (
                (None, None)
                if basis_taper is None
                else _background_check(basis_taper[:, idx], idx, norm_innov[t, idx], zf_var, z_err[t, idx], spec)
            )
            state = _analysis(
                kern,
                spec,
                state,
                levels,
                loadings,
                (z_obs[t, idx], idx, z_err[t, idx]),
                taper,
                shared_weight,
                params,
                rng,
            )
            levels = kern.factor_levels(state, loadings)
        out_mean[t], out_spread[t] = _price_stats(levels, scale)
        system[t] = state[n_loc : n_loc + 2].mean(axis=1)
        forecast_ahead(t, state)

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
        "backend_note": kern.note,
        "method": spec.method,
        "ensemble_size": n_members,
        "inflation": float(params.inflation),
        "obs_error_usd_per_mwh": obs_err,
        "price_scale_usd_per_mwh": scale,
        "seed": int(params.seed),
        "n_intervals": n_times,
        "interval_minutes": step_minutes,
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
        "n_zones": loadings.shape[1] - 2,
        "localization_radius": (
            float(localization_radius)
            if spec.localize and distance is not None and localization_radius is not None
            else None
        ),
        "seconds": time.perf_counter() - started,
    }
    # undefined metrics (a one-interval day has no forecast) are None, so metrics.json stays valid JSON
    forecasts = skill.DayForecasts(
        index=pd.DatetimeIndex(prices.index),
        locations=tuple(str(c) for c in prices.columns),
        observed=observed,
        interval_minutes=step_minutes,
        obs_error_usd_per_mwh=obs_err,
        price_scale_usd_per_mwh=scale,
        horizons={label: skill.HorizonForecast(label, steps, **ahead[label]) for label, steps in horizons.items()},
    )
    metrics |= skill.forecast_skill_metrics(forecasts, dam_prices)
    metrics = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in metrics.items()}
    return AssimilationResult(filtered=filtered, system=system_frame, metrics=metrics, forecasts=forecasts)


def _rmse(errors: np.ndarray) -> float:
    return float(np.sqrt(np.mean(errors**2))) if errors.size else math.nan


def _price_stats(levels: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Mean and spread (std over members, ddof=1) of ``scale * sinh(levels)`` in $/MWh."""
    price = from_transformed(levels, scale)
    return price.mean(axis=1), price.std(axis=1, ddof=1)


def _factor_loadings(n_loc: int, zones: np.ndarray | None) -> np.ndarray:
    """Loadings ``(L, 2 + K)`` of the levels on system, shock and the ``K`` zones."""
    if zones is None:
        zone_part = np.zeros((n_loc, 0))
    else:
        zone_part = np.asarray(zones, dtype=float)
        if zone_part.ndim != 2 or zone_part.shape[0] != n_loc:
            raise AssimilationInputError(
                f"zones must be loadings ({n_loc}, K) for the frame's {n_loc} locations, got shape {zone_part.shape}"
            )
        if not np.all(np.isfinite(zone_part)) or np.any(zone_part < 0):
            raise AssimilationInputError("zone loadings must be finite and >= 0")
    return np.concatenate([np.ones((n_loc, 2)), zone_part], axis=1)


def _dynamics(spec: PriceModelSpec, n_loc: int, n_factors: int) -> tuple[np.ndarray, np.ndarray]:
    """AR(1) coefficients and innovation stds of the state rows ``[basis (L); system; shock; zones]``."""
    n_zones = n_factors - 2
    phi = np.concatenate([np.full(n_loc, spec.basis_ar), [1.0, spec.shock_ar], np.full(n_zones, spec.zone_ar)])
    sigma = np.concatenate(
        [
            np.full(n_loc, spec.basis_noise_std),
            [spec.system_noise_std, spec.shock_noise_std],
            np.full(n_zones, spec.zone_noise_std),
        ]
    )
    return phi, sigma


def _initial_state(
    z_obs: np.ndarray,
    z_err: np.ndarray,
    spec: PriceModelSpec,
    loadings: np.ndarray,
    n_members: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """State ``(L + F, N)`` at the first interval: basis, then system, shock and zones.

    Member ``j``'s level at location ``i`` is the first price of the day there
    plus ``std0_i * eta`` (observation error, or ``initial_missing_std`` without
    a price at the first interval), as in a filter without factors: system and
    zones start at the median first price and the median first zone premium
    with one step of their noise, the shock at zero, and the basis takes the
    rest.
    """
    n_loc, n_factors = loadings.shape
    observed = ~np.isnan(z_obs)
    first_row = observed.argmax(axis=0)  # first interval with a price, per location
    has_any = observed.any(axis=0)
    first = np.where(has_any, z_obs[first_row, np.arange(n_loc)], np.nan)
    system0 = float(np.nanmedian(first))
    level0 = np.where(has_any, first, system0)
    zones = loadings[:, 2:]
    zone0 = np.zeros(n_factors - 2)
    for k in range(n_factors - 2):
        members = (zones[:, k] > 0) & has_any
        if members.any():
            zone0[k] = float(np.median(first[members] - system0))
    std0 = np.where(observed[0], np.nan_to_num(z_err[0]), spec.initial_missing_std)
    draws = rng.standard_normal((n_loc + n_factors, n_members))
    factors = np.empty((n_factors, n_members))
    factors[0] = system0 + spec.system_noise_std * draws[n_loc]
    factors[1] = spec.shock_noise_std * draws[n_loc + 1]
    factors[2:] = zone0[:, None] + spec.zone_noise_std * draws[n_loc + 2 :]
    basis = level0[:, None] + std0[:, None] * draws[:n_loc] - loadings @ factors
    return np.concatenate([basis, factors])


def _analysis(
    kern: EnKFKernel,
    spec: PriceModelSpec,
    state: np.ndarray,
    levels: np.ndarray,
    loadings: np.ndarray,
    prices: tuple[np.ndarray, np.ndarray, np.ndarray],
    basis_taper: np.ndarray | None,
    shared_weight: np.ndarray | None,
    params: AssimilationParams,
    rng: np.random.Generator,
) -> np.ndarray:
    """Analysed state ``[basis (L); factors (F)]`` given ``prices``: (transformed prices, their locations,
    their error stds).

    Localized (``basis_taper``, ``(L, p)``, and the factors' ``shared_weight``
    from :func:`_background_check`): the two-stage factor analysis
    (:func:`hayeknet.assimilation.enkf.factor_analysis`): the shared factors
    with every price, then each basis given the analysed factors and its own
    (or nearby) prices. Not localized: a global analysis of
    ``[levels; state]`` whose observed rows are the levels.
    """
    obs, idx, obs_std = prices
    n_loc = levels.shape[0]
    perturbations = (
        enkf_module.draw_perturbations(rng, idx.size, state.shape[1]) if spec.method == "stochastic" else None
    )
    if basis_taper is None:
        augmented = np.concatenate([levels, state])
        if perturbations is None:
            return kern.analysis_etkf(augmented, obs, idx, obs_std, inflation=params.inflation)[n_loc:]
        return kern.stochastic_update(augmented, obs, idx, obs_std, perturbations, inflation=params.inflation)[n_loc:]
    return kern.factor_analysis(
        state[:n_loc],
        state[n_loc:],
        loadings,
        obs,
        idx,
        obs_std,
        basis_taper,
        shared_weight=shared_weight,
        inflation=params.inflation,
        perturbations=perturbations,
    )


def _background_check(
    basis_taper: np.ndarray,
    idx: np.ndarray,
    normalized: np.ndarray,
    forecast_var: np.ndarray,
    obs_std: np.ndarray,
    spec: PriceModelSpec,
) -> tuple[np.ndarray, np.ndarray]:
    """Down-weight outlying prices everywhere but in their own location's basis.

    ``basis_taper`` is ``(L, p)`` over the observed locations ``idx``. A price
    whose normalized innovation exceeds ``anomaly_threshold`` gets, for the
    shared factors and the other locations' bases, its error variance inflated
    (weight ``rho < 1``; R-localization divides the variance by ``rho``) until
    its normalized innovation equals the threshold (Huber-type background
    check). Its own basis is still updated with weight 1, so the filtered
    price follows the spike while the other locations do not. Returns the
    bases' taper and the factors' weights ``(p,)``.
    """
    shared = np.ones(idx.size)
    outlying = np.flatnonzero(np.abs(normalized) > spec.anomaly_threshold)
    if not outlying.size:
        return basis_taper, shared
    obs_var = obs_std[outlying] ** 2
    innovation_sq = normalized[outlying] ** 2 * (forecast_var[outlying] + obs_var)
    needed_var = innovation_sq / spec.anomaly_threshold**2 - forecast_var[outlying]
    factor = obs_var / np.maximum(needed_var, obs_var)
    out = basis_taper.copy()
    out[:, outlying] *= factor
    out[idx[outlying], outlying] = basis_taper[idx[outlying], outlying]
    shared[outlying] = factor
    return out, shared


def _basis_taper(n_loc: int, distance: np.ndarray | None = None, radius: float | None = None) -> np.ndarray:
    """Localization weights ``(L, L)`` of the bases: basis ``k`` sees price ``k`` only, or, given the
    network ``distance (L, L)`` and a ``radius``, every price ``j`` with Gaspari-Cohn weight
    ``gc(d(k, j) / radius)``. The shared factors see every price (:func:`_analysis`)."""
    if distance is None or radius is None:
        return np.eye(n_loc)
    d = np.asarray(distance, dtype=float)
    if d.shape != (n_loc, n_loc) or not radius > 0:
        raise AssimilationInputError(
            f"distance must be ({n_loc}, {n_loc}) for the frame's locations and radius > 0; "
            f"got {d.shape} and {radius!r}"
        )
    return localization_taper(d, radius)


STEP_MINUTES = (5, 15, 60)
"""Interval lengths the model takes: SCED LMPs, settlement point prices, hourly prices."""


def validated_prices(wide_prices: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Check the wide price matrix contract; return a float copy and its interval length in minutes."""
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
    step = steps[0] if len(steps) else pd.Timedelta(INTERVAL)
    minutes = step / pd.Timedelta(minutes=1)
    if minutes not in STEP_MINUTES:
        raise AssimilationInputError(
            f"wide_prices index must be a regular grid of {', '.join(map(str, STEP_MINUTES))} minutes: "
            f"interval_start_utc {index[1]} (row 1) follows {index[0]}"
        )
    irregular = np.flatnonzero(np.asarray(steps != step))
    if irregular.size:
        at = irregular[0] + 1
        raise AssimilationInputError(
            f"wide_prices index must be a regular {minutes:g}-minute grid: interval_start_utc {index[at]} "
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
    return prices, int(minutes)
