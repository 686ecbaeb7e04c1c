"""Coherence across separately estimated beliefs: a check that fails on real disagreement, with its Dutch book."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.beliefs.cross_coherence import (
    CrossCoherenceError,
    Statement,
    beliefs_statements,
    check_statements,
    world,
)


def _payoffs_by_hand(check) -> list[float]:
    """The belief holder's payoff in every atom of the check's world, from its stakes, computed here."""
    letters, atoms, _ = world(check.statements, check.implications)
    return [
        sum(
            k * ((1.0 if all(a[letters.index(c)] for c in s.event) else 0.0) - s.probability)
            for s, k in zip(check.statements, check.stakes)
        )
        for a in atoms
    ]


def test_two_sources_stating_a_joint_above_a_marginal_are_booked():
    """The brief's example: one source says P(A) = 0.3, another P(A and B) = 0.4. A and B cannot be likelier
    than A, so a bettor buying A from the first and selling AB to the second wins in every world."""
    check = check_statements([Statement("pymc", "A", 0.3), Statement("qa", "AB", 0.4)])
    assert not check.coherent
    assert check.stake == pytest.approx(0.05)  # move both by 0.05 to meet at 0.35
    assert check.linf_distance == pytest.approx(0.05)
    assert check.nearest == pytest.approx((0.35, 0.35))
    pay = _payoffs_by_hand(check)
    assert max(pay) <= -0.05 + 1e-9  # the holder loses at least the stake per unit in every world
    assert sum(abs(k) for k in check.stakes) == pytest.approx(1.0)
    book = check.to_dict()["dutch_book"]
    assert {b["source"] for b in book["stakes"]} == {"pymc", "qa"}
    assert all(v < 0 for v in book["payoff_by_atom"].values())
    assert check.by_source == {
        "pymc": {"n_statements": 1, "coherent": True, "stake": 0.0},
        "qa": {"n_statements": 1, "coherent": True, "stake": 0.0},
    }
    assert check.pairs[0]["sources"] == ["pymc", "qa"] and not check.pairs[0]["coherent"]
    assert "incoherent together" in check.summary() and "pymc and qa" in check.summary()


def test_two_sources_stating_the_same_event_differently_disagree_by_half_the_gap():
    check = check_statements([Statement("pymc", "A", 0.02), Statement("history_frequency", "A", 0.05)])
    assert not check.coherent and check.stake == pytest.approx(0.015)
    stakes = dict(zip((s.source for s in check.statements), check.stakes))
    # the holder of both beliefs buys the dear bet and sells the cheap one: the bettor does the reverse
    assert stakes["history_frequency"] > 0 > stakes["pymc"]


def test_the_same_numbers_from_one_source_in_a_two_event_world_are_coherent():
    """Without a reference hub there is no congestion event: a world of A and B only (4 atoms)."""
    check = check_statements([Statement("pymc", "A", 0.1), Statement("pymc", "B", 0.2), Statement("pymc", "AB", 0.05)])
    assert check.coherent and check.stake == 0.0 and check.letters == "AB"
    _, atoms, _ = world(check.statements)
    assert len(atoms) == 4
    assert check.to_dict()["dutch_book"] is None


def test_a_high_price_interval_implies_a_spike_day():
    """P(high price in a random interval) above P(the day has a high-price interval) is incoherent: A => S."""
    check = check_statements([Statement("pymc", "A", 0.3), Statement("qa", "S", 0.2)])
    assert not check.coherent and check.stake == pytest.approx(0.05)
    assert check.implications == (("A", "S"),)
    assert "A&~S" not in check.payoff_by_atom  # the impossible atom is not in the world
    assert check_statements([Statement("pymc", "A", 0.3), Statement("qa", "S", 0.2)], implications=()).coherent


def test_sources_in_agreement_are_coherent_and_say_so():
    statements = [
        Statement("pymc", "A", 0.05),
        Statement("pymc", "B", 0.2),
        Statement("pymc", "AB", 0.02),
        Statement("qa", "S", 0.4),
        Statement("qa", "W", 0.9),
        Statement("qa", "SW", 0.35),
    ]
    check = check_statements(statements)
    assert check.coherent and all(p["coherent"] for p in check.pairs)
    assert "coherent together" in check.summary()


def test_bad_statements_name_the_source():
    with pytest.raises(CrossCoherenceError, match="qa: event 'AX'"):
        Statement("qa", "AX", 0.1)
    with pytest.raises(CrossCoherenceError, match="event 'AA'"):
        Statement("qa", "AA", 0.1)
    with pytest.raises(CrossCoherenceError, match=r"P\(A\) = 1.5"):
        Statement("pymc", "A", 1.5)


def test_beliefs_block_statements_skip_what_they_cannot_read():
    block = {
        "next_day": {"high_price": 0.01, "imbalance": 0.1, "high_price&imbalance": 0.005, "mystery": 0.5},
        "climatology": {"high_price": 0.02, "imbalance": None},
    }
    got = [(s.source, s.event, s.probability) for s in beliefs_statements(block)]
    assert got == [
        ("pymc", "A", 0.01),
        ("pymc", "B", 0.1),
        ("pymc", "AB", 0.005),
        ("history_frequency", "A", 0.02),
    ]


EVENTS = ["A", "B", "AB", "S", "W", "SW", "AS"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["x", "y", "z"]), st.sampled_from(EVENTS), st.floats(0.0, 1.0)),
        min_size=1,
        max_size=7,
    )
)
def test_the_stake_is_the_distance_to_coherence_and_the_book_always_wins(rows):
    """By LP duality the guaranteed loss per unit stake equals the L-infinity distance to coherent beliefs; when
    positive, the stakes lose at least that much in every atom."""
    check = check_statements([Statement(src, e, p) for src, e, p in rows])
    assert check.stake == pytest.approx(check.linf_distance, abs=1e-7)
    if not check.coherent:
        assert max(_payoffs_by_hand(check)) <= -check.stake + 1e-7
        assert sum(abs(k) for k in check.stakes) <= 1.0 + 1e-9
    # the nearest beliefs are themselves coherent, whichever sources they came from
    nearest = [Statement(s.source, s.event, float(np.clip(v, 0, 1))) for s, v in zip(check.statements, check.nearest)]
    assert check_statements(nearest).stake <= 1e-7
