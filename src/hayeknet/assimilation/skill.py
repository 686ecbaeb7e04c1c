"""Forecast skill of the EnKF price model, measured as forecasts (issue 13).

The analysis mean at interval ``t`` has already assimilated the price of ``t``:
its error against that price (``rmse_analysis_usd_per_mwh``) says how closely
the filter fits the data, not how well it forecasts. Skill is measured here on
forecasts made *before* the price is seen, against two references a trader has
without the filter:

* **1 step** (one interval: 5 minutes for SCED LMPs, 15 for settlement point
  prices): the prior (forecast) distribution of ``t`` given the analysis of
  ``t - 1``;
* **1 hour** (``h = 60 / interval`` steps: 12 of 5 minutes, 4 of 15): the
  analysis ensemble of ``t - h`` propagated ``h`` steps with the model's AR(1)
  dynamics and *no* assimilation. It uses prices up to ``t - h`` only.

Both are computed by :func:`h_step_forecast` from the analysis ensemble, the
1-step one being the exact mean of the filter's prior: the filter's sampled
prior ensemble (``phi x + sigma eta``, 40 members; the innovations and
``rmse_forecast_usd_per_mwh`` use it) estimates the same mean with a Monte
Carlo error of the noise term, ``sigma / sqrt(N)``, which adds about
``1 / (2N)`` (~1%) to its RMSE and would take that much from a skill score
that is itself a few percent.

References: **persistence**, the last price observed at or before the
forecast origin (``p_{t-1}`` for 1 step, ``p_{t-h}`` for h steps; a gap is
bridged by the last earlier price of the day), and the **DAM** price of the
target interval's hour (known the day before). Skill score
``1 - RMSE_model / RMSE_reference``: positive when the EnKF forecast is better,
0 as good, negative worse. Every RMSE of a comparison is taken over the same
(target interval, location) pairs: those with an observed price, a forecast and
the reference.

Why the h-step *price* forecast is not ``s sinh(mean z)``: the dynamics are
linear in ``z = asinh(p / s)``, but the RMSE-optimal point forecast of the
price is the mean of the predictive distribution of ``p = s sinh(z)``, and
``sinh`` is convex for positive prices, so ``s sinh(E z)`` is (for a symmetric
``z``) the predictive *median*, biased low in a rising tail. The h-step
forecast therefore propagates every member (``x -> phi^h x`` per state row)
and adds the expected effect of the ``h`` steps of model noise exactly: for a
member at ``z_j`` and accumulated noise variance ``q`` of the level,
``E[s sinh(z_j + e)] = s sinh(z_j) exp(q / 2)`` and
``E[(s sinh(z_j + e))^2] = s^2 (cosh(2 z_j) exp(2 q) - 1) / 2`` for
``e ~ N(0, q)``. The forecast mean is the average over members, its spread the
mixture's standard deviation. No random number is drawn, so the filter's
random stream and its outputs are unchanged by the measurement.

The spread-skill check compares the predictive spread of the forecast,
``sqrt(spread^2 + obs_error^2)`` (the observed price carries the observation
error the filter assumes), with the forecast RMSE, pooled
(``spread_skill_ratio_*``, 1 = consistent, < 1 overconfident) and within
quantile bins of the spread (``spread_skill_bins_*``): a useful spread sorts
the errors, so the binned RMSE rises with the binned spread.

``log_score_*`` is the mean log predictive density of the observed price
($/MWh^-1, natural log; higher is better) under the Gaussian-in-``z``
predictive of the filter, ``z_obs ~ N(mean z_f, var z_f + sigma_z^2)``, mapped to
price units with the Jacobian ``1 / sqrt(p^2 + s^2)``. It is the criterion meant for
sizing the price model's noise levels; they have not been re-sized with it yet (they
are still those of ADR 0006, Addendum 2, sized on synthetic days).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hayeknet.assimilation.enkf import factor_levels

HOUR_MINUTES = 60
SPREAD_SKILL_BINS = 5
"""Quantile bins of the forecast spread in the binned spread-skill check."""

METRIC_DESCRIPTIONS: dict[str, str] = {
    "rmse_analysis_usd_per_mwh": (
        "RMSE of the analysis mean against the observed price, over all locations: the analysis (after "
        "assimilating the same price), a measure of fit, not a forecast skill"
    ),
    "rmse_forecast_usd_per_mwh": (
        "RMSE of the sampled prior ensemble's mean (the innovations), every observed interval but the first"
    ),
    "rmse_forecast_1step_usd_per_mwh": "RMSE of the 1-step forecast (exact prior mean), made before the price is seen",
    "rmse_persistence_1step_usd_per_mwh": "RMSE of persistence: the previous interval's price, p(t-1)",
    "rmse_dam_1step_usd_per_mwh": "RMSE of the DAM price of the target interval's hour (same pairs as the EnKF's)",
    "skill_vs_persistence_1step": "1 - RMSE(EnKF 1-step forecast) / RMSE(persistence); > 0: the EnKF is better",
    "skill_vs_dam_1step": "1 - RMSE(EnKF 1-step forecast) / RMSE(DAM); > 0: the EnKF is better",
    "spread_skill_ratio_1step": "sqrt(mean forecast spread^2 + obs error^2) / 1-step forecast RMSE; 1 = consistent",
    "spread_skill_bins_1step": "forecast spread and RMSE within quantile bins of the spread (1 step)",
    "log_score_1step": "mean log predictive density of the observed price under the 1-step forecast, ln(1/($/MWh))",
    "rmse_forecast_1h_usd_per_mwh": "RMSE of the 1-hour-ahead forecast: the analysis of t-1h propagated, no data",
    "rmse_persistence_1h_usd_per_mwh": "RMSE of 1-hour persistence: the price of t-1h, p(t-h)",
    "rmse_dam_1h_usd_per_mwh": "RMSE of the DAM price of the target interval's hour (same pairs as the EnKF's)",
    "skill_vs_persistence_1h": "1 - RMSE(EnKF 1-hour forecast) / RMSE(1-hour persistence); > 0: the EnKF is better",
    "skill_vs_dam_1h": "1 - RMSE(EnKF 1-hour forecast) / RMSE(DAM); > 0: the EnKF is better",
    "spread_skill_ratio_1h": "sqrt(mean forecast spread^2 + obs error^2) / 1-hour forecast RMSE; 1 = consistent",
    "spread_skill_bins_1h": "forecast spread and RMSE within quantile bins of the spread (1 hour)",
    "log_score_1h": "mean log predictive density of the observed price under the 1-hour forecast, ln(1/($/MWh))",
    "crps_z_1step": "mean CRPS of the 1-step Gaussian predictive of z = asinh(price / scale) (transformed units)",
    "crps_z_1h": "mean CRPS of the 1-hour Gaussian predictive of z = asinh(price / scale) (transformed units)",
    "forecast_verdict": "one sentence: does the EnKF forecast beat persistence and the DAM at 1 step and 1 hour",
}
"""What each forecast-skill field of the assimilate stage's ``metrics.json`` means (for reports and notebooks)."""


@dataclass(frozen=True)
class HorizonForecast:
    """Forecasts of every (target interval, location) ``h`` steps ahead, from the analysis of ``t - h``.

    ``mean`` and ``spread`` ($/MWh) are the predictive mean and standard
    deviation of the price without the observation error; ``z_mean`` and
    ``z_var`` the predictive mean and variance of the latent level
    ``z = asinh(p / s)`` (transformed units). NaN where the target has no origin
    inside the day (``t < h``).
    """

    label: str  # "1step" | "1h"
    steps: int
    mean: np.ndarray  # (T, L)
    spread: np.ndarray  # (T, L)
    z_mean: np.ndarray  # (T, L)
    z_var: np.ndarray  # (T, L)


@dataclass(frozen=True)
class DayForecasts:
    """A day's observed prices and the EnKF's forecasts of them at each horizon (:class:`HorizonForecast`)."""

    index: pd.DatetimeIndex  # interval_start_utc
    locations: tuple[str, ...]
    observed: np.ndarray  # (T, L) $/MWh, NaN = missing
    interval_minutes: int
    obs_error_usd_per_mwh: float
    price_scale_usd_per_mwh: float
    horizons: dict[str, HorizonForecast] = field(default_factory=dict)

    def table(self, label: str) -> pd.DataFrame:
        """Long table of one horizon: target interval, location, observed, forecast mean and spread, persistence."""
        h = self.horizons[label]
        n_t, n_l = self.observed.shape
        return pd.DataFrame(
            {
                "interval_start_utc": self.index.repeat(n_l),
                "location": np.tile(np.asarray(self.locations, dtype=object), n_t),
                "observed": self.observed.ravel(),
                "forecast_mean": h.mean.ravel(),
                "forecast_spread": h.spread.ravel(),
                "persistence": persistence(self.observed, h.steps).ravel(),
            }
        )


def horizon_steps(interval_minutes: int) -> dict[str, int]:
    """Steps of each reported horizon at an interval length: ``{"1step": 1, "1h": 60 / interval}``."""
    if interval_minutes <= 0 or HOUR_MINUTES % interval_minutes:
        raise ValueError(f"interval_minutes must divide 60, got {interval_minutes!r}")
    return {"1step": 1, "1h": HOUR_MINUTES // interval_minutes}


def accumulated_noise_variance(phi: np.ndarray, sigma: np.ndarray, steps: int) -> np.ndarray:
    """Variance per state row of ``steps`` AR(1) steps of noise: ``sigma^2 sum_{k<steps} phi^(2k)``."""
    a2 = np.asarray(phi, dtype=float) ** 2
    s2 = np.asarray(sigma, dtype=float) ** 2
    k = np.arange(steps)[:, None]
    return s2 * np.sum(a2[None, :] ** k, axis=0)


def level_noise_variance(phi: np.ndarray, sigma: np.ndarray, loadings: np.ndarray, steps: int) -> np.ndarray:
    """Per location, the variance ``(L,)`` of the level ``z`` from ``steps`` steps of model noise (transformed units).

    The state rows are ``[basis (L); factors (F)]`` with independent noises, so
    the level's variance is the basis row's plus ``sum_f loadings[i, f]^2`` times the factor's.
    """
    n_loc = loadings.shape[0]
    q = accumulated_noise_variance(phi, sigma, steps)
    return q[:n_loc] + (np.asarray(loadings, dtype=float) ** 2) @ q[n_loc:]


def h_step_forecast(
    state: np.ndarray,
    loadings: np.ndarray,
    phi: np.ndarray,
    sigma: np.ndarray,
    steps: int,
    scale: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Predictive ``(mean $, spread $, mean z, var z)`` per location, ``steps`` ahead of an analysis ensemble.

    ``state`` is the analysis ensemble ``(L + F, N)`` (rows ``[basis; system;
    shock; zones]``), ``phi``/``sigma`` the per-step AR(1) coefficients and
    noise stds of its rows. Each member is propagated without noise
    (``phi^steps x``); the noise's effect on the price is added in closed form
    (module docstring). Draws nothing.
    """
    x = np.asarray(state, dtype=float)
    members = factor_levels(np.asarray(phi, dtype=float)[:, None] ** steps * x, loadings)  # (L, N) z
    q = level_noise_variance(phi, sigma, loadings, steps)[:, None]  # (L, 1)
    cond_mean = scale * np.sinh(members) * np.exp(q / 2.0)
    cond_second = scale**2 * (np.cosh(2.0 * members) * np.exp(2.0 * q) - 1.0) / 2.0
    cond_var = np.maximum(cond_second - cond_mean**2, 0.0)
    n_members = x.shape[1]
    between = cond_mean.var(axis=1, ddof=1) if n_members > 1 else np.zeros(members.shape[0])
    mean = cond_mean.mean(axis=1)
    spread = np.sqrt(cond_var.mean(axis=1) + between)
    z_var = (members.var(axis=1, ddof=1) if n_members > 1 else 0.0) + q[:, 0]
    return mean, spread, members.mean(axis=1), z_var


def persistence(observed: np.ndarray, steps: int) -> np.ndarray:
    """Persistence forecast ``(T, L)`` of each interval ``t``: the last price observed at or before ``t - steps``.

    NaN where no price of the array is observed at or before ``t - steps``
    (the first ``steps`` intervals, and a location's leading gap).
    """
    values = np.asarray(observed, dtype=float)
    last = pd.DataFrame(values).ffill().to_numpy()
    out = np.full_like(values, np.nan)
    if steps < values.shape[0]:
        out[steps:] = last[: values.shape[0] - steps]
    return out


def reference_on_grid(hourly: pd.DataFrame | None, index: pd.DatetimeIndex, locations: Sequence[str]) -> np.ndarray:
    """An hourly price frame (e.g. the DAM; index UTC hour start) held over each interval of ``index``: ``(T, L)``.

    NaN for a location without a column or an hour without a price (no fill:
    a reference that is missing is not compared).
    """
    out = np.full((len(index), len(locations)), np.nan)
    if hourly is None or hourly.empty:
        return out
    frame = hourly.copy()
    frame.index = pd.DatetimeIndex(frame.index).tz_convert("UTC")
    hours = pd.DatetimeIndex(index).tz_convert("UTC").floor("h")
    for j, name in enumerate(locations):
        if name in frame.columns:
            out[:, j] = frame[name].astype(float).groupby(level=0).last().reindex(hours).to_numpy(dtype=float)
    return out


def skill_score(rmse_model: float | None, rmse_reference: float | None) -> float | None:
    """``1 - rmse_model / rmse_reference``; None when either is undefined or the reference is 0."""
    if rmse_model is None or rmse_reference is None:
        return None
    if not (math.isfinite(rmse_model) and math.isfinite(rmse_reference)) or rmse_reference <= 0:
        return None
    return 1.0 - rmse_model / rmse_reference


def _rmse(errors: np.ndarray) -> float | None:
    return float(np.sqrt(np.mean(errors**2))) if errors.size else None


def spread_skill_bins(
    spread: np.ndarray, errors: np.ndarray, n_bins: int = SPREAD_SKILL_BINS
) -> list[dict[str, float]]:
    """Binned spread-skill: pairs sorted by predictive spread into ``n_bins`` equal-count bins; per bin the
    RMS spread, the RMSE and the number of pairs (``[]`` with fewer pairs than bins)."""
    s = np.asarray(spread, dtype=float)
    e = np.asarray(errors, dtype=float)
    if s.size < n_bins or n_bins < 1:
        return []
    order = np.argsort(s, kind="stable")
    out = []
    for part in np.array_split(order, n_bins):
        out.append(
            {
                "spread_usd_per_mwh": float(np.sqrt(np.mean(s[part] ** 2))),
                "rmse_usd_per_mwh": float(np.sqrt(np.mean(e[part] ** 2))),
                "n": int(part.size),
            }
        )
    return out


def crps_gaussian(y: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """CRPS of ``N(mean, std^2)`` at ``y`` (same units as ``y``; lower is better; Gneiting et al. 2005)."""
    from scipy.special import ndtr

    sd = np.asarray(std, dtype=float)
    u = (np.asarray(y, dtype=float) - mean) / sd
    return sd * (u * (2.0 * ndtr(u) - 1.0) + 2.0 * np.exp(-0.5 * u**2) / np.sqrt(2.0 * np.pi) - 1.0 / np.sqrt(np.pi))


def log_predictive_density(
    observed: np.ndarray, z_mean: np.ndarray, z_var: np.ndarray, obs_error: float, scale: float
) -> np.ndarray:
    """Log density ($/MWh^-1) of each observed price under ``z ~ N(z_mean, z_var + sigma_z^2)``, in price units."""
    p = np.asarray(observed, dtype=float)
    jac = np.sqrt(p**2 + scale**2)
    z = np.arcsinh(p / scale)
    var = np.asarray(z_var, dtype=float) + (obs_error / jac) ** 2
    return -0.5 * np.log(2.0 * np.pi * var) - 0.5 * (z - z_mean) ** 2 / var - np.log(jac)


@dataclass(frozen=True)
class PairedErrors:
    """The comparable pairs of one horizon (flattened): observed, EnKF forecast, references, spreads."""

    observed: np.ndarray
    forecast: np.ndarray
    persistence: np.ndarray
    dam: np.ndarray
    spread: np.ndarray  # predictive spread incl. the observation error
    log_density: np.ndarray
    crps_z: np.ndarray  # CRPS of the Gaussian predictive of z = asinh(p / s), transformed units

    @property
    def n(self) -> int:
        return int(self.observed.size)

    def concat(self, other: PairedErrors) -> PairedErrors:
        return PairedErrors(*(np.concatenate([getattr(self, f), getattr(other, f)]) for f in PAIRED_FIELDS))


PAIRED_FIELDS = ("observed", "forecast", "persistence", "dam", "spread", "log_density", "crps_z")


def paired_errors(
    forecasts: DayForecasts, label: str, dam: np.ndarray | None = None, columns: Sequence[int] | None = None
) -> PairedErrors:
    """The pairs of horizon ``label`` with an observed price, an EnKF forecast and persistence.

    ``dam`` ``(T, L)`` is the DAM price of each target interval (NaN where
    none; pairs without it are kept, their DAM is NaN); ``columns`` restricts to
    some locations (indices).
    """
    return horizon_arrays(forecasts, label, dam).pairs(columns)


@dataclass(frozen=True)
class HorizonArrays:
    """Every quantity of one horizon on the ``(T, L)`` grid, computed once; :meth:`pairs` selects columns.

    ``keep`` marks the intervals with an observed price, an EnKF forecast and a persistence forecast.
    """

    observed: np.ndarray
    forecast: np.ndarray
    persistence: np.ndarray
    dam: np.ndarray
    spread: np.ndarray
    log_density: np.ndarray
    crps_z: np.ndarray
    keep: np.ndarray

    def pairs(self, columns: Sequence[int] | None = None) -> PairedErrors:
        """The kept pairs of all locations, or of ``columns`` (row-major: interval by interval, as before)."""
        cols = slice(None) if columns is None else list(columns)
        keep = self.keep[:, cols]
        pick = lambda a: a[:, cols][keep]
        return PairedErrors(*(pick(getattr(self, f)) for f in PAIRED_FIELDS))


def horizon_arrays(forecasts: DayForecasts, label: str, dam: np.ndarray | None = None) -> HorizonArrays:
    """:class:`HorizonArrays` of horizon ``label`` (``dam`` as in :func:`paired_errors`)."""
    h = forecasts.horizons[label]
    o = np.asarray(forecasts.observed, dtype=float)
    f = np.asarray(h.mean, dtype=float)
    p = persistence(o, h.steps)
    d = np.asarray(dam, dtype=float) if dam is not None else np.full_like(o, np.nan)
    keep = np.isfinite(o) & np.isfinite(f) & np.isfinite(p)
    scale, obs_error = forecasts.price_scale_usd_per_mwh, forecasts.obs_error_usd_per_mwh
    total_spread = np.sqrt(np.asarray(h.spread) ** 2 + obs_error**2)
    z_mean, z_var = np.asarray(h.z_mean), np.asarray(h.z_var)
    log_density = log_predictive_density(o, z_mean, z_var, obs_error, scale)
    z_sd = np.sqrt(z_var + (obs_error / np.sqrt(o**2 + scale**2)) ** 2)
    crps = crps_gaussian(np.arcsinh(o / scale), z_mean, z_sd)
    return HorizonArrays(o, f, p, d, total_spread, log_density, crps, keep)


def scores(pairs: PairedErrors, label: str) -> dict[str, Any]:
    """Skill metrics of one horizon from its pairs (names of :data:`METRIC_DESCRIPTIONS`, suffix ``label``)."""
    err = pairs.observed - pairs.forecast
    out: dict[str, Any] = {
        f"n_forecasts_{label}": pairs.n,
        **_scalar_scores(pairs, label),
        f"spread_skill_bins_{label}": spread_skill_bins(pairs.spread, err),
        f"log_score_{label}": float(np.mean(pairs.log_density)) if pairs.n else None,
        f"crps_z_{label}": float(np.mean(pairs.crps_z)) if pairs.n else None,
    }
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in out.items()}


def forecast_skill(
    forecasts: DayForecasts, dam: pd.DataFrame | None = None, columns: Sequence[int] | None = None
) -> dict[str, Any]:
    """Skill metrics of every horizon (pooled over the locations, or over ``columns``)."""
    ref = reference_on_grid(dam, forecasts.index, forecasts.locations)
    out: dict[str, Any] = {}
    for label in forecasts.horizons:
        out |= scores(horizon_arrays(forecasts, label, ref).pairs(columns), label)
    return out


SCALAR_SKILL_KEYS = (
    "rmse_forecast_1step_usd_per_mwh",
    "rmse_persistence_1step_usd_per_mwh",
    "rmse_dam_1step_usd_per_mwh",
    "skill_vs_persistence_1step",
    "skill_vs_dam_1step",
    "spread_skill_ratio_1step",
    "rmse_forecast_1h_usd_per_mwh",
    "rmse_persistence_1h_usd_per_mwh",
    "rmse_dam_1h_usd_per_mwh",
    "skill_vs_persistence_1h",
    "skill_vs_dam_1h",
    "spread_skill_ratio_1h",
)
"""The per-location subset kept in ``forecast_skill_by_location``."""


def forecast_skill_metrics(forecasts: DayForecasts, dam: pd.DataFrame | None = None) -> dict[str, Any]:
    """The forecast-skill fields of the assimilate stage's ``metrics.json``: pooled over all locations,
    ``forecast_skill_by_location`` (the scalar scores per location) and ``forecast_verdict`` (pooled).

    The ``(T, L)`` arrays of each horizon (persistence, the DAM on the grid, densities) are computed once
    and sliced per location, so the cost is linear in the number of locations.
    """
    ref = reference_on_grid(dam, forecasts.index, forecasts.locations)
    arrays = {label: horizon_arrays(forecasts, label, ref) for label in forecasts.horizons}
    pooled: dict[str, Any] = {}
    for label, a in arrays.items():
        pooled |= scores(a.pairs(), label)
    by_location = {}
    for j, name in enumerate(forecasts.locations):
        own: dict[str, Any] = {}
        for label, a in arrays.items():
            own |= _scalar_scores(a.pairs([j]), label)
        by_location[name] = {k: own.get(k) for k in SCALAR_SKILL_KEYS}
    return {
        **pooled,
        "forecast_skill_by_location": by_location,
        "forecast_verdict": forecast_verdict(pooled, f"{len(forecasts.locations)} locations pooled"),
    }


def _scalar_scores(pairs: PairedErrors, label: str) -> dict[str, Any]:
    """The :data:`SCALAR_SKILL_KEYS` of :func:`scores` without its binned and density fields (the same values)."""
    err = pairs.observed - pairs.forecast
    rmse_f = _rmse(err)
    rmse_p = _rmse(pairs.observed - pairs.persistence)
    has_dam = np.isfinite(pairs.dam)
    rmse_d = _rmse(pairs.observed[has_dam] - pairs.dam[has_dam])
    rmse_f_dam = _rmse(err[has_dam])
    ratio = float(np.sqrt(np.mean(pairs.spread**2))) / rmse_f if rmse_f is not None and rmse_f > 0 else None
    out: dict[str, Any] = {
        f"rmse_forecast_{label}_usd_per_mwh": rmse_f,
        f"rmse_persistence_{label}_usd_per_mwh": rmse_p,
        f"rmse_dam_{label}_usd_per_mwh": rmse_d,
        f"skill_vs_persistence_{label}": skill_score(rmse_f, rmse_p),
        f"skill_vs_dam_{label}": skill_score(rmse_f_dam, rmse_d),
        f"spread_skill_ratio_{label}": ratio,
    }
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in out.items()}


def _fmt(value: Any, digits: int = 2) -> str:
    return "n/a" if value is None else f"{float(value):.{digits}f}"


VERDICT_MARGIN = 0.02
"""A skill score within +-2% of zero is reported as "does not beat" (within 2% of the reference)."""


def forecast_verdict(skill: Mapping[str, Any], where: str) -> str:
    """One plain sentence on the EnKF's forecast skill ``where`` (e.g. ``"HB_WEST"``) from skill metrics."""
    parts = []
    for label, words in (("1step", "1 step"), ("1h", "1 hour")):
        s_p = skill.get(f"skill_vs_persistence_{label}")
        s_d = skill.get(f"skill_vs_dam_{label}")
        if s_p is None:
            parts.append(f"{words} ahead: not computed")
            continue
        if s_p > VERDICT_MARGIN:
            beats = "beats"
        elif s_p < -VERDICT_MARGIN:
            beats = "does not beat (is worse than)"
        else:
            beats = "does not beat (is within 2% of)"
        dam = (
            ""
            if s_d is None
            else f"; vs the DAM {'better' if s_d > 0 else 'not better'} (skill {_fmt(s_d)},"
            f" DAM RMSE {_fmt(skill.get(f'rmse_dam_{label}_usd_per_mwh'))})"
        )
        parts.append(
            f"{words} ahead the EnKF forecast {beats} persistence (RMSE "
            f"{_fmt(skill.get(f'rmse_forecast_{label}_usd_per_mwh'))} vs "
            f"{_fmt(skill.get(f'rmse_persistence_{label}_usd_per_mwh'))} $/MWh, skill {_fmt(s_p)}){dam}"
        )
    return f"At {where}: " + "; ".join(parts) + "."
