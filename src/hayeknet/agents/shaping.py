"""Potential-based reward shaping that leaves the optimal policy unchanged (Ng, Harada & Russell 1999).

A learner that maximizes the discounted return ``sum_t gamma^t r_t`` keeps the
same optimal policies when every reward gains ``F(s, s') = gamma * Phi(s') -
Phi(s)`` for any potential ``Phi`` of the state with ``Phi = 0`` in terminal
states: the shaped discounted return of any trajectory from ``s0`` is the
unshaped one minus ``Phi(s0)``, the same for every policy. The form without
``gamma`` (``Phi(s') - Phi(s)``) is only invariant for ``gamma = 1``; with
``gamma = 0.995`` it adds ``-(1 - gamma) * Phi(s')`` per step, a bias towards
states of low potential. ``tests/agents/test_shaping.py`` checks the identity
by exact value iteration on small MDPs.

The battery agents' potential is the stored energy relative to the day's
starting SOC valued at a price known before the day (:func:`stored_energy_potential`).
"""

from __future__ import annotations


def shaping_term(phi_before: float, phi_after: float, gamma: float, terminal: bool) -> float:
    """``gamma * Phi(s') - Phi(s)``, with ``Phi(s') = 0`` when ``s'`` is terminal."""
    return gamma * (0.0 if terminal else phi_after) - phi_before


def stored_energy_potential(soc_mwh: float, soc_initial_mwh: float, value_usd_per_mwh: float) -> float:
    """``Phi`` ($): the energy stored above the day's starting SOC (MWh) valued at ``value_usd_per_mwh``."""
    return (soc_mwh - soc_initial_mwh) * value_usd_per_mwh
