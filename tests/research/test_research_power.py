"""Power of the hypothesis tests: days needed, power at n, smallest detectable effect."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hayeknet.research.hypotheses import spearman_permutation_test
from hayeknet.research.power import estimator_power, spearman_power


def test_spearman_days_needed_for_the_smallest_effects():
    # Fisher z with Var = 1.06 / (n - 3): n = 3 + 1.06 ((1.96 + 0.8416) / atanh(rho))^2
    assert spearman_power(10, 0.4).n_needed == 50
    assert spearman_power(10, 0.3).n_needed == 90
    assert spearman_power(10, 0.5).n_needed == 31


def test_spearman_power_at_n_and_detectable_effect():
    at_needed = spearman_power(50, 0.4)
    assert at_needed.adequate and at_needed.power_at_n == pytest.approx(0.8, abs=0.02)
    assert at_needed.minimum_detectable_effect == pytest.approx(0.4, abs=0.01)
    few = spearman_power(12, 0.4)
    assert not few.adequate and few.power_at_n < 0.3 and few.minimum_detectable_effect > 0.7
    assert spearman_power(3, 0.4).power_at_n is None  # Fisher z needs n > 3


def test_spearman_power_matches_a_simulated_permutation_test():
    """At n = 50 and a true rank correlation near 0.4 the permutation test rejects about 80% of the time."""
    rng = np.random.default_rng(0)
    rejections = []
    r = 2 * math.sin(math.pi * 0.4 / 6)  # Pearson correlation of a bivariate normal with Spearman rho 0.4
    for i in range(150):
        x = rng.normal(size=50)
        y = r * x + math.sqrt(1 - r**2) * rng.normal(size=50)
        rejections.append(spearman_permutation_test(x, y, n_resamples=300, seed=i)[1] < 0.05)
    assert 0.65 < np.mean(rejections) < 0.92


def test_estimator_power_scales_with_the_standard_error():
    p = estimator_power(60, 2.0, 5.0, effect_unit="$/MWh", method="m")
    # one-sided alpha 0.05, power 0.8: MDE = (1.645 + 0.8416) * SE
    assert p.minimum_detectable_effect == pytest.approx(2.4865 * 2.0, rel=1e-3)
    assert p.n_needed == math.ceil(60 * (2.4865 * 2.0 / 5.0) ** 2)
    assert p.adequate and p.power_at_n > 0.8
    none = estimator_power(1, None, 5.0, effect_unit="$/MWh", method="m")
    assert none.n_needed is None and not none.adequate and "not computable" in none.sentence()
    with pytest.raises(ValueError):
        estimator_power(5, 1.0, 0.0, effect_unit="", method="m")
    with pytest.raises(ValueError):
        spearman_power(5, 1.2)
