"""julia/options.jl agrees with the NumPy pricing on the same draws (skipped without Julia)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hayeknet.julia import find_julia_executable
from hayeknet.options.backend import julia_kernel, numpy_kernel
from hayeknet.options.montecarlo import JumpOUModel, draw_jump_ou

pytestmark = pytest.mark.skipif(
    find_julia_executable() is None,
    reason="no Julia executable (set PYTHON_JULIACALL_EXE or JULIA_EXE, or put julia on PATH); NumPy is the reference",
)
MODEL = JumpOUModel(kappa=2.0, mean_level=math.log(40), sigma=0.8, jump_intensity=5.0, jump_mean=0.2, jump_std=0.3)


def test_closed_forms_agree() -> None:
    jl, np_k = julia_kernel(), numpy_kernel()
    args = (50.0, 55.0, 0.75, 0.6, 0.03)
    assert jl.black76_call(*args) == pytest.approx(np_k.black76_call(*args), abs=1e-12)
    args = (22.0, 20.0, 0.1, 0.2, 0.15, -0.5, 0.06, 0.04)
    assert jl.margrabe_exchange(*args) == pytest.approx(np_k.margrabe_exchange(*args), abs=1e-12)
    args = (40.0, 45.0, 0.5, 3.0, math.log(40), 1.0, 0.0)
    assert jl.log_ou_call(*args) == pytest.approx(np_k.log_ou_call(*args), abs=1e-12)


def test_simulation_and_estimates_agree_on_the_same_draws() -> None:
    jl, np_k = julia_kernel(), numpy_kernel()
    draws = draw_jump_ou(3, 200, 6, MODEL, 0.05)
    a = np_k.simulate_jump_ou(math.log(35), MODEL, 0.05, draws)
    b = jl.simulate_jump_ou(math.log(35), MODEL, 0.05, draws)
    np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)
    assert jl.expected_exp(0.3, MODEL, 0.5, -1.0) == pytest.approx(np_k.expected_exp(0.3, MODEL, 0.5, -1.0), rel=1e-12)
    payoff = np.maximum(np.exp(a[:, -1]) - 40.0, 0.0)
    for method in ("plain", "antithetic+control"):
        e1 = np_k.mc_estimate(payoff, method, np.exp(a[:, -1]), 41.0)
        e2 = jl.mc_estimate(payoff, method, np.exp(a[:, -1]), 41.0)
        assert e2.value == pytest.approx(e1.value, rel=1e-12)
        assert e2.std_error == pytest.approx(e1.std_error, rel=1e-10)
    prices = np.exp(a[:, 1:5].repeat(6, axis=1))
    p1 = np_k.strip_payoffs(prices, (1, 2, 3), (15, 16, 17), 0.9, 9.5, 100.0)
    p2 = jl.strip_payoffs(prices, (1, 2, 3), (15, 16, 17), 0.9, 9.5, 100.0)
    np.testing.assert_allclose(p2[0], p1[0], rtol=1e-12)
    np.testing.assert_allclose(p2[1], p1[1], rtol=1e-12)


def test_strip_value_agrees_across_backends() -> None:
    import pandas as pd

    from hayeknet.battery.spec import BatterySpec
    from hayeknet.options.fit import fit_jump_ou
    from hayeknet.options.montecarlo import simulate_paths
    from hayeknet.options.strip import battery_strip_value

    model = JumpOUModel(kappa=0.3, mean_level=0.0, sigma=0.15, jump_intensity=0.02, jump_mean=1.0, jump_std=0.2)
    deviation = simulate_paths(0.0, model, 1.0, 24 * 60 - 1, 4, 5, "plain")[0]
    index = pd.date_range("2025-01-01", periods=24 * 60, freq="h", tz="UTC")
    fitted = fit_jump_ou(pd.Series(20.0 * np.sinh(1.0 + deviation), index=index))
    a = battery_strip_value(fitted, BatterySpec(), n_paths=2000, rng=4, backend="numpy")
    b = battery_strip_value(fitted, BatterySpec(), n_paths=2000, rng=4, backend="julia")
    assert b.backend == "julia"
    assert b.value_usd == pytest.approx(a.value_usd, rel=1e-10)
    assert b.std_error_usd == pytest.approx(a.std_error_usd, rel=1e-8)
