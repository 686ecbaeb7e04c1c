"""Monte Carlo prices against closed forms and published cases (within 3 standard errors)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.options.closed_forms import black76_call, black76_put, log_ou_call, log_ou_moments, margrabe_exchange
from hayeknet.options.errors import OptionInputError
from hayeknet.options.montecarlo import (
    METHODS,
    JumpOUModel,
    black76_call_mc,
    draw_jump_ou,
    expected_exp,
    jump_ou_call_mc,
    margrabe_mc,
    mc_estimate,
    simulate_jump_ou,
)

N_PATHS = 40_000


def test_published_margrabe_case() -> None:
    # Haug (2007) sec. 5.1: S1 22, S2 20, q1 0.06, q2 0.04, r 0.10, T 0.1, vols 0.20/0.15, rho -0.5 -> 2.125
    assert margrabe_exchange(22, 20, 0.1, 0.20, 0.15, -0.5, 0.06, 0.04) == pytest.approx(2.125, abs=5e-4)
    est = margrabe_mc(22, 20, 0.1, 0.20, 0.15, -0.5, 0.06, 0.04, 0.10, n_paths=N_PATHS, rng=11)
    assert est.std_error > 0
    assert est.covers(2.125, 3.0), est


def test_published_log_ou_call_case() -> None:
    # kappa 3, sigma 1, S0 40, long-run mean ln 40, T 0.5, K 45, r 0 -> 6.1434 (Black-76 on the exact transition)
    assert log_ou_call(40, 45, 0.5, 3.0, math.log(40), 1.0) == pytest.approx(6.1434, abs=5e-4)
    model = JumpOUModel(kappa=3.0, mean_level=math.log(40), sigma=1.0)
    for method in ("plain", "antithetic+control"):
        est = jump_ou_call_mc(40, 45, 0.5, model, n_paths=N_PATHS, rng=3, method=method)
        assert est.covers(6.1434, 3.0), est


def test_log_ou_exact_transition_matches_moments() -> None:
    model = JumpOUModel(kappa=3.0, mean_level=math.log(40), sigma=1.0)
    draws = draw_jump_ou(5, 20_000, 4, model, 0.125)
    paths = simulate_jump_ou(math.log(30), model, 0.125, draws)
    mean, var = log_ou_moments(math.log(30), 3.0, math.log(40), 1.0, 0.5)
    end = paths[:, -1]
    assert end.mean() == pytest.approx(mean, abs=4 * math.sqrt(var / end.size))
    assert end.var() == pytest.approx(var, rel=0.05)


@pytest.mark.parametrize("method", METHODS)
def test_black76_mc_matches_closed_form(method: str) -> None:
    exact = black76_call(50.0, 55.0, 0.75, 0.6, 0.03)
    est = black76_call_mc(50.0, 55.0, 0.75, 0.6, 0.03, n_paths=N_PATHS, rng=21, method=method)
    assert est.covers(exact, 3.0), (est, exact)


def test_put_call_parity() -> None:
    call = black76_call(40.0, 45.0, 0.5, 0.3, 0.05)
    put = black76_put(40.0, 45.0, 0.5, 0.3, 0.05)
    assert call - put == pytest.approx(math.exp(-0.025) * (40.0 - 45.0))


@pytest.mark.parametrize(
    "pricer",
    [
        lambda m: black76_call_mc(50.0, 55.0, 0.75, 0.6, n_paths=N_PATHS, rng=8, method=m),
        lambda m: margrabe_mc(22, 20, 0.1, 0.20, 0.15, -0.5, 0.06, 0.04, 0.10, n_paths=N_PATHS, rng=8, method=m),
        lambda m: jump_ou_call_mc(
            40, 45, 0.5, JumpOUModel(3.0, math.log(40), 1.0, 4.0, 0.2, 0.3), n_paths=N_PATHS, rng=8, method=m
        ),
    ],
)
def test_antithetic_and_control_reduce_standard_error(pricer) -> None:
    plain = pricer("plain")
    reduced = pricer("antithetic+control")
    assert reduced.std_error < 0.7 * plain.std_error, (plain, reduced)


def test_jump_expectation_matches_simulation() -> None:
    model = JumpOUModel(kappa=2.0, mean_level=0.5, sigma=0.4, jump_intensity=6.0, jump_mean=0.3, jump_std=0.2)
    draws = draw_jump_ou(1, 50_000, 5, model, 0.1)
    end = np.exp(simulate_jump_ou(0.2, model, 0.1, draws)[:, -1])
    exact = expected_exp(0.2, model, 0.5)
    assert end.mean() == pytest.approx(exact, abs=4 * end.std() / math.sqrt(end.size))


def test_mc_estimate_rejects_bad_method() -> None:
    with pytest.raises(OptionInputError, match="method"):
        mc_estimate(np.ones(10), "quasi")
    with pytest.raises(OptionInputError, match="even"):
        mc_estimate(np.ones(11), "antithetic")


@settings(max_examples=30, deadline=None)
@given(
    forward=st.floats(5.0, 200.0),
    strike=st.floats(5.0, 200.0),
    vol=st.floats(0.05, 2.0),
    t=st.floats(0.05, 3.0),
)
def test_black76_bounds(forward: float, strike: float, vol: float, t: float) -> None:
    call = black76_call(forward, strike, t, vol)
    assert max(forward - strike, 0.0) - 1e-9 <= call <= forward + 1e-9


@settings(max_examples=30, deadline=None)
@given(s1=st.floats(5.0, 100.0), s2=st.floats(5.0, 100.0), rho=st.floats(-1.0, 1.0))
def test_margrabe_is_black76_with_asset2_as_numeraire(s1: float, s2: float, rho: float) -> None:
    vol = math.sqrt(max(0.3**2 + 0.2**2 - 2 * rho * 0.3 * 0.2, 0.0))
    expected = s2 * black76_call(s1 / s2, 1.0, 0.5, vol) if vol > 0 else max(s1 - s2, 0.0)
    assert margrabe_exchange(s1, s2, 0.5, 0.3, 0.2, rho) == pytest.approx(expected, rel=1e-9, abs=1e-9)
