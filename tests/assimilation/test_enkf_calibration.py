"""A long cycled linear-Gaussian run: a correctly specified EnKF is calibrated.

The truth follows x[t+1] = A x[t] + w, w ~ N(0, Q), every variable observed
with unit error; the members are propagated with the same A and their own
model-noise draws. A calibrated filter's truth is statistically one more
member: the spread matches the RMSE of the mean (ratio sqrt(N / (N + 1)) ~ 1),
and the truth's rank among the members is uniform (flat rank histogram).
Small multiplicative inflation (on anomalies) offsets the finite ensemble's
sampling error, as in every operational EnKF: 1.05 for the ETKF, 1.08 for
perturbed observations, whose extra sampling noise needs more (as in DAPPER's
Lorenz-96 settings: 1.013 vs 1.06); without it the spread/RMSE ratio is 0.92
(ETKF) and 0.90 (perturbed observations) here.
Flatness is judged by the largest relative deviation of 10 rank bins from
their mean: the ranks are correlated in time and space, so a chi-square test
that assumes independent draws rejects any real filter.
"""

from __future__ import annotations

import numpy as np
import pytest

from hayeknet.assimilation.enkf import analysis_etkf, analysis_stochastic

N_VARS, N_MEMBERS, N_CYCLES, SPIN_UP = 10, 40, 2000, 200
INFLATION = {"etkf": 1.05, "stochastic": 1.08}
MAX_BIN_DEVIATION = 0.12


def _cycled(method: str, seed: int = 3, shrink: float = 1.0) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    a = 0.9 * np.eye(N_VARS) + 0.05 * (np.eye(N_VARS, k=1) + np.eye(N_VARS, k=-1))
    q_std = 0.5
    truth = rng.normal(size=N_VARS)
    ensemble = truth[:, None] + rng.normal(size=(N_VARS, N_MEMBERS))
    observed = np.arange(N_VARS)
    sq_err, sq_spread, ranks = [], [], []
    for t in range(N_CYCLES):
        truth = a @ truth + q_std * rng.normal(size=N_VARS)
        ensemble = a @ ensemble + q_std * rng.normal(size=(N_VARS, N_MEMBERS))
        obs = truth + rng.normal(size=N_VARS)
        if method == "etkf":
            ensemble = analysis_etkf(ensemble, obs, observed, 1.0, inflation=INFLATION[method])
        else:
            ensemble = analysis_stochastic(ensemble, obs, observed, 1.0, rng, inflation=INFLATION[method])
        center = ensemble.mean(axis=1, keepdims=True)
        ensemble = center + shrink * (ensemble - center)
        if t >= SPIN_UP:
            mean = ensemble.mean(axis=1)
            sq_err.append(np.mean((mean - truth) ** 2))
            sq_spread.append(np.mean(ensemble.var(axis=1, ddof=1)))
            ranks.append((ensemble < truth[:, None]).sum(axis=1))
    ratio = float(np.sqrt(np.mean(sq_spread)) / np.sqrt(np.mean(sq_err)))
    counts = np.bincount(np.concatenate(ranks), minlength=N_MEMBERS + 1)  # N + 1 possible ranks
    per_rank = np.array([group.mean() for group in np.array_split(counts, 10)])
    return ratio, float(np.abs(per_rank / counts.mean() - 1.0).max())


@pytest.mark.parametrize("method", ["etkf", "stochastic"])
def test_spread_matches_error_and_rank_histogram_is_flat(method: str) -> None:
    ratio, deviation = _cycled(method)
    assert 0.9 <= ratio <= 1.1, f"spread/RMSE = {ratio:.3f}"
    assert deviation < MAX_BIN_DEVIATION, f"rank histogram bins deviate by up to {deviation:.1%}"


def test_an_overconfident_filter_fails_the_same_checks() -> None:
    """The checks can fail: shrinking each analysis spread by 20% is detected by both."""
    ratio, deviation = _cycled("etkf", shrink=0.8)
    assert ratio < 0.9 and deviation > MAX_BIN_DEVIATION
