"""``make bench`` figures of the EnKF (NumPy backend), each against a baseline timed in the same run.

* ``enkf_etkf_analysis``: one global ETKF analysis (:func:`hayeknet.assimilation.enkf.analysis_etkf`)
  with ``n = 1,100`` settlement points, ``N = 100`` members and ``p = 1,100``
  observations (index observation operator), against :func:`naive_enkf_analysis`,
  the textbook stochastic EnKF that forms the ``n x n`` sample covariance and
  inverts the ``p x p`` innovation covariance. Targets: under 5 ms, ratio >= 20; with a CPU-bound
  process on every core (``make bench-load``) under 20 ms, ratio >= 20. Both run with the thread
  budget of ``make bench`` (one BLAS thread, as the pipeline's kernel).
* ``enkf_full_day``: :func:`hayeknet.assimilation.price_model.assimilate_day`
  over one synthetic day (288 five-minute intervals, forecast step included)
  of 1,100 locations in :data:`N_ZONES` zones (the factor model with zone
  components, own-price localization of the basis). Target: under 5 s. Baseline: 288 naive analyses of the
  same size (the time of one, measured above, times 288; a full naive day is
  not run).

``quick=True`` shrinks the problem (n = p = 120, N = 20, 24 intervals) to run
in a second or two for the smoke test; its figures are not the targets.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from hayeknet.assimilation.enkf import analysis_etkf, apply_obs_operator
from hayeknet.assimilation.price_model import assimilate_day, zone_loadings
from hayeknet.benchmarking import BenchResult, median_seconds, time_result
from hayeknet.params import AssimilationParams

FULL_SIZE = {"n_state": 1100, "n_members": 100, "n_obs": 1100, "n_intervals": 288}
QUICK_SIZE = {"n_state": 120, "n_members": 20, "n_obs": 120, "n_intervals": 24}
N_ZONES = 8  # zones of the synthetic benchmark day (location k in zone k mod N_ZONES)


def naive_enkf_analysis(
    ensemble: np.ndarray,
    obs: np.ndarray,
    obs_operator: np.ndarray,
    obs_error_std: float | np.ndarray,
    perturbations: np.ndarray,
) -> np.ndarray:
    """Textbook stochastic EnKF (Burgers et al. 1998) that forms the ``n x n`` covariance.

    ``P = A A' / (N - 1)``, ``K = P H' (H P H' + R)^{-1}``, and each member
    assimilates ``obs + obs_error_std * e_j``. The benchmark's baseline: same
    result as :func:`hayeknet.assimilation.enkf.stochastic_update` with the same
    perturbations (centred over the members here too), at ``O(n^2 N + p^3)`` cost.
    """
    x = np.asarray(ensemble, dtype=float)
    n_members = x.shape[1]
    anomalies = x - x.mean(axis=1, keepdims=True)
    cov = anomalies @ anomalies.T / (n_members - 1)  # n x n
    h = np.zeros((obs.shape[0], x.shape[0]))
    h[np.arange(obs.shape[0]), np.asarray(obs_operator)] = 1.0
    std = np.broadcast_to(np.asarray(obs_error_std, dtype=float), obs.shape)
    innovation_cov = h @ cov @ h.T + np.diag(std**2)
    gain = cov @ h.T @ np.linalg.inv(innovation_cov)
    centred = perturbations - perturbations.mean(axis=1, keepdims=True)
    perturbed = obs[:, None] + std[:, None] * centred
    return x + gain @ (perturbed - apply_obs_operator(obs_operator, x))


def synthetic_day(n_locations: int, n_intervals: int, seed: int = 0) -> pd.DataFrame:
    """A wide price frame ($/MWh, UTC 5-minute index): daily cycle, random walk, basis and noise."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2025-10-01 05:00", periods=n_intervals, freq="5min", tz="UTC", name="interval_start_utc")
    t = np.arange(n_intervals)
    system = 25.0 + 20.0 * np.sin(2 * np.pi * (t - 100) / 288) + np.cumsum(rng.normal(0.0, 0.8, n_intervals))
    basis = rng.normal(0.0, 4.0, n_locations)
    prices = system[:, None] + basis[None, :] + rng.normal(0.0, 2.0, (n_intervals, n_locations))
    columns = pd.Index([f"NODE_{k:04d}" for k in range(n_locations)], name="location")
    return pd.DataFrame(prices, index=index, columns=columns)


def benchmarks(quick: bool = False) -> list[BenchResult]:
    """EnKF benchmark results (see the module doc); ``quick`` for the smoke test."""
    size = QUICK_SIZE if quick else FULL_SIZE
    n, members, p = size["n_state"], size["n_members"], size["n_obs"]
    rng = np.random.default_rng(2025)
    truth = rng.normal(0.0, 1.0, n)
    ensemble = truth[:, None] + rng.normal(0.0, 1.0, (n, members))
    obs_index = np.sort(rng.choice(n, size=p, replace=False)) if p < n else np.arange(n)
    obs = truth[obs_index] + rng.normal(0.0, 0.5, p)
    perturbations = rng.standard_normal((p, members))
    repeat = 3 if quick else 7

    etkf_s = median_seconds(lambda: analysis_etkf(ensemble, obs, obs_index, 0.5), repeat=repeat)
    naive_s = median_seconds(
        lambda: naive_enkf_analysis(ensemble, obs, obs_index, 0.5, perturbations), repeat=repeat if quick else 3
    )
    label = f"n={n}, N={members}, p={p}"
    results = [
        time_result(
            "enkf_etkf_analysis",
            etkf_s,
            naive_s,
            unit="ms",
            baseline="naive stochastic EnKF forming the n x n covariance (same run)",
            target="< 5 ms and ratio >= 20 at n=1100, N=100, p=1100; under load (make bench-load) < 20 ms, ratio >= 20"
            if not quick
            else "",
            note=label + (" (quick)" if quick else ""),
        )
    ]

    n_intervals = size["n_intervals"]
    wide = synthetic_day(n, n_intervals)
    params = AssimilationParams(backend="numpy", ensemble_size=members, inflation=1.02, seed=7)
    cpu_start = time.process_time()
    zones = zone_loadings([f"Z{k % N_ZONES}" for k in range(n)])
    day_s = median_seconds(
        lambda: assimilate_day(wide, params, backend="numpy", zones=zones), repeat=1, warmup=1 if quick else 0
    )
    day_cpu_s = (time.process_time() - cpu_start) / (2 if quick else 1)
    results.append(
        time_result(
            "enkf_full_day",
            day_s,
            naive_s * n_intervals,
            unit="s",
            baseline=f"{n_intervals} naive analyses (one timed naive analysis x {n_intervals})",
            target="< 5 s for 288 analyses of 1100 locations with N=100" if not quick else "",
            note=f"{n_intervals} intervals x {n} locations in {N_ZONES} zones, N={members}, forecast step included; "
            f"process CPU {day_cpu_s:.2f} s (wall time suffers when other jobs share the 2 cores)"
            + (" (quick)" if quick else ""),
        )
    )
    return results
