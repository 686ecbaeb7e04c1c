"""The EnKF benchmark's naive baseline is a real EnKF, and the quick benchmark runs."""

from __future__ import annotations

import numpy as np

from hayeknet.assimilation.benchmarks import benchmarks, naive_enkf_analysis, synthetic_day
from hayeknet.assimilation.enkf import stochastic_update


def test_naive_baseline_equals_ensemble_space_stochastic_enkf() -> None:
    rng = np.random.default_rng(4)
    n, members, p = 30, 12, 18
    ensemble = rng.normal(size=(n, members))
    obs_index = np.sort(rng.choice(n, size=p, replace=False))
    obs = rng.normal(size=p)
    perturbations = rng.standard_normal((p, members))
    naive = naive_enkf_analysis(ensemble, obs, obs_index, 0.4, perturbations)
    fast = stochastic_update(ensemble, obs, obs_index, 0.4, perturbations)
    np.testing.assert_allclose(naive, fast, rtol=1e-9, atol=1e-9)


def test_synthetic_day_follows_the_wide_contract() -> None:
    wide = synthetic_day(7, 12)
    assert wide.shape == (12, 7)
    assert str(wide.index.tz) == "UTC"
    assert (wide.index[1:] - wide.index[:-1] == np.timedelta64(5, "m")).all()


def test_quick_benchmarks_report_both_figures() -> None:
    results = benchmarks(quick=True)
    assert [r.name for r in results] == ["enkf_etkf_analysis", "enkf_full_day"]
    for r in results:
        assert r.value > 0 and r.baseline_value > 0 and r.ratio > 0
