"""Potential-based shaping leaves the optimal policy unchanged: exact value iteration on small MDPs.

For ``F(s, s') = gamma * Phi(s') - Phi(s)`` with ``Phi = 0`` at terminal
states, the optimal action values of the shaped MDP are the unshaped ones
minus ``Phi(s)`` (Ng, Harada & Russell 1999), so every state's set of
optimal actions is the same. The form without ``gamma`` has no such
guarantee for ``gamma < 1``: a two-step example where it flips the policy.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.agents.shaping import shaping_term, stored_energy_potential


def value_iteration(p: np.ndarray, r: np.ndarray, terminal: np.ndarray, gamma: float, tol: float = 1e-13) -> np.ndarray:
    """Optimal action values ``Q[s, a]`` of a finite MDP (``p[s, a, s']``, ``r[s, a, s']``); a terminal
    ``s'`` ends the episode (no value after it). Iterates to a fixed point within ``tol``."""
    q = np.zeros(p.shape[:2])
    for _ in range(200_000):
        v = np.where(terminal, 0.0, q.max(axis=1))
        new = np.einsum("sat,sat->sa", p, r + gamma * v[None, None, :])
        if np.max(np.abs(new - q)) <= tol:
            return new
        q = new
    raise AssertionError("value iteration did not converge")


def shaped_rewards(r: np.ndarray, phi: np.ndarray, terminal: np.ndarray, gamma: float) -> np.ndarray:
    """``r[s, a, s'] + F(s, s')`` with :func:`shaping_term` (``Phi(s') = 0`` when ``s'`` is terminal)."""
    n = phi.size
    f = np.array([[shaping_term(phi[s], phi[t], gamma, bool(terminal[t])) for t in range(n)] for s in range(n)])
    return r + f[:, None, :]


def random_mdp(seed: int, n_states: int, n_actions: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random transitions and rewards; the last state is terminal (reached with positive probability)."""
    rng = np.random.default_rng(seed)
    p = rng.random((n_states, n_actions, n_states)) ** 3
    p[:, :, -1] += 0.05
    p /= p.sum(axis=2, keepdims=True)
    r = rng.normal(0.0, 1.0, (n_states, n_actions, n_states))
    terminal = np.zeros(n_states, dtype=bool)
    terminal[-1] = True
    return p, r, terminal


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_states=st.integers(2, 7),
    n_actions=st.integers(2, 4),
    gamma=st.sampled_from([0.0, 0.5, 0.9, 0.995, 1.0]),
    phi_scale=st.sampled_from([0.1, 10.0, 1000.0]),
)
def test_shaping_keeps_the_optimal_policy(
    seed: int, n_states: int, n_actions: int, gamma: float, phi_scale: float
) -> None:
    p, r, terminal = random_mdp(seed, n_states, n_actions)
    phi = np.random.default_rng(seed + 1).normal(0.0, phi_scale, n_states)
    q = value_iteration(p, r, terminal, gamma)
    q_shaped = value_iteration(p, shaped_rewards(r, phi, terminal, gamma), terminal, gamma)
    live = ~terminal
    # Q'(s, a) = Q(s, a) - Phi(s) at every non-terminal state
    np.testing.assert_allclose(q_shaped[live], q[live] - phi[live, None], atol=1e-8 * max(1.0, phi_scale))
    np.testing.assert_array_equal(q_shaped[live].argmax(axis=1), q[live].argmax(axis=1))


def test_the_form_without_gamma_can_change_the_policy() -> None:
    """s0 -a-> sA (reward 1) or -b-> sB (reward 0), then the end. Optimal: a. With ``Phi(sB) = 100`` the
    shaping ``Phi(s') - Phi(s)`` pays ``(1 - gamma) * 100`` for passing through sB and flips it to b;
    ``gamma * Phi(s') - Phi(s)`` does not."""
    s0, sa, sb, end = 0, 1, 2, 3
    p = np.zeros((4, 2, 4))
    p[s0, 0, sa] = p[s0, 1, sb] = 1.0
    p[[sa, sb, end], :, end] = 1.0
    r = np.zeros((4, 2, 4))
    r[s0, 0, sa] = 1.0
    terminal = np.array([False, False, False, True])
    phi = np.array([0.0, 0.0, 100.0, 0.0])
    gamma = 0.5
    assert value_iteration(p, r, terminal, gamma)[s0].argmax() == 0
    assert value_iteration(p, shaped_rewards(r, phi, terminal, gamma), terminal, gamma)[s0].argmax() == 0
    without_gamma = r + np.array([[phi[t] * (not terminal[t]) - phi[s] for t in range(4)] for s in range(4)])[:, None]
    assert value_iteration(p, without_gamma, terminal, gamma)[s0].argmax() == 1


def test_finite_horizon_battery_day_keeps_the_optimal_schedule() -> None:
    """A tiny battery day (SOC levels x intervals, the last interval ends the episode) shaped with the
    stored-energy potential: the optimal first action and the action values minus Phi agree exactly."""
    prices = np.array([20.0, 80.0, 10.0, 60.0, 30.0])
    levels = np.array([0.0, 1.0, 2.0])  # MWh stored
    initial = 1
    value = 40.0  # $/MWh: the potential's price
    n_t, n_soc = prices.size, levels.size
    n = n_t * n_soc + 1  # (t, soc) states, then the end
    end = n - 1
    actions = (-1, 0, 1)  # MWh discharged (negative charges)
    p = np.zeros((n, len(actions), n))
    r = np.zeros((n, len(actions), n))
    phi = np.zeros(n)
    for t in range(n_t):
        for k in range(n_soc):
            s = t * n_soc + k
            phi[s] = stored_energy_potential(levels[k], levels[initial], value)
            for i, a in enumerate(actions):
                k2 = min(max(k - a, 0), n_soc - 1)
                sold = levels[k] - levels[k2]
                nxt = end if t == n_t - 1 else (t + 1) * n_soc + k2
                p[s, i, nxt] = 1.0
                # the terminal SOC rule as a penalty: end below the initial SOC costs 1000 $/MWh
                penalty = 1000.0 * max(levels[initial] - levels[k2], 0.0) if t == n_t - 1 else 0.0
                r[s, i, nxt] = prices[t] * sold - penalty
    p[end, :, end] = 1.0
    terminal = np.zeros(n, dtype=bool)
    terminal[end] = True
    for gamma in (0.9, 0.995, 1.0):
        q = value_iteration(p, r, terminal, gamma)
        q_shaped = value_iteration(p, shaped_rewards(r, phi, terminal, gamma), terminal, gamma)
        np.testing.assert_allclose(q_shaped[:end], q[:end] - phi[:end, None], atol=1e-8)
        start = initial  # t = 0 at the initial SOC
        assert q_shaped[start].argmax() == q[start].argmax()


def test_shaping_term_and_potential() -> None:
    assert shaping_term(2.0, 5.0, 0.9, terminal=False) == pytest.approx(0.9 * 5.0 - 2.0)
    assert shaping_term(2.0, 5.0, 0.9, terminal=True) == -2.0
    assert stored_energy_potential(250.0, 200.0, 30.0) == pytest.approx(1500.0)
    assert stored_energy_potential(150.0, 200.0, 30.0) == pytest.approx(-1500.0)
