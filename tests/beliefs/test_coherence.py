"""Dutch-book coherence: known coherent and incoherent belief sets, books that lose in every atom."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.beliefs.coherence import (
    ATOMS,
    EVENT_KEYS,
    CoherenceInputError,
    check_coherence,
    event_probabilities,
    holds,
)


def _payoff_by_hand(stakes: dict[str, float], stated: dict[str, float]) -> list[float]:
    """Belief holder's payoff in each atom, computed independently of the module."""
    return [sum(s * ((1.0 if holds(e, w) else 0.0) - stated[e]) for e, s in stakes.items()) for w in ATOMS]


def _assert_dutch_book(stated: dict[str, float]) -> None:
    result = check_coherence(stated)
    assert not result.coherent
    book = result.dutch_book
    assert book is not None
    pay = _payoff_by_hand(book.stakes, stated)
    assert max(pay) < 0.0, pay  # loses in every world
    assert book.guaranteed_loss == pytest.approx(-max(pay))
    # The nearest beliefs are coherent and no farther than any coherent point we know.
    assert check_coherence(result.nearest).coherent
    assert result.l1_distance > 0


def test_classic_incoherent_joint_above_marginals() -> None:
    stated = {"A": 0.5, "B": 0.5, "AB": 0.6}
    _assert_dutch_book(stated)
    result = check_coherence(stated)
    # AB <= min(A, B): cheapest repair moves AB down by 0.1.
    assert result.l1_distance == pytest.approx(0.1, abs=1e-9)
    assert result.nearest["AB"] <= min(result.nearest["A"], result.nearest["B"]) + 1e-12


def test_incoherent_joint_below_frechet_lower_bound() -> None:
    # P(AB) >= P(A) + P(B) - 1 = 0.4
    stated = {"A": 0.7, "B": 0.7, "AB": 0.3}
    _assert_dutch_book(stated)
    assert check_coherence(stated).l1_distance == pytest.approx(0.1, abs=1e-9)


def test_incoherent_triple_above_pair() -> None:
    _assert_dutch_book({"A": 0.4, "B": 0.4, "C": 0.4, "AB": 0.2, "AC": 0.2, "BC": 0.2, "ABC": 0.25})


def test_incoherent_inclusion_exclusion_of_three() -> None:
    # P(A or B or C) = 0.9*3 - 0.1*3 + 0 = 2.4 > 1
    _assert_dutch_book({"A": 0.9, "B": 0.9, "C": 0.9, "AB": 0.1, "AC": 0.1, "BC": 0.1, "ABC": 0.0})


def test_coherent_independent_events() -> None:
    stated = {"A": 0.5, "B": 0.4, "C": 0.2, "AB": 0.2, "AC": 0.1, "BC": 0.08, "ABC": 0.04}
    result = check_coherence(stated)
    assert result.coherent and result.dutch_book is None
    assert result.l1_distance == 0.0
    q = np.array(list(result.atom_probabilities.values()))
    assert q.min() >= -1e-12 and q.sum() == pytest.approx(1.0)
    assert event_probabilities(q) == pytest.approx(stated, abs=1e-9)


def test_subsets_and_edge_values() -> None:
    assert check_coherence({"A": 0.3}).coherent
    assert check_coherence({}).coherent
    assert check_coherence({"A": 1.0, "B": 1.0, "AB": 1.0}).coherent
    assert not check_coherence({"A": 1.0, "B": 1.0, "AB": 0.0}).coherent


def test_bad_input_names_the_event() -> None:
    with pytest.raises(CoherenceInputError, match="'AD'"):
        check_coherence({"AD": 0.1})
    with pytest.raises(CoherenceInputError, match=r"P\(B\)"):
        check_coherence({"B": 1.2})


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=8, max_size=8).filter(lambda w: sum(w) > 1e-3))
def test_any_atom_distribution_gives_coherent_beliefs(weights: list[float]) -> None:
    q = np.array(weights) / sum(weights)
    stated = event_probabilities(q)
    result = check_coherence(stated)
    assert result.coherent
    assert result.nearest == stated


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=7, max_size=7))
def test_random_beliefs_are_coherent_or_booked(values: list[float]) -> None:
    stated = dict(zip(EVENT_KEYS, values))
    result = check_coherence(stated)
    if result.coherent:
        assert result.dutch_book is None
    else:
        assert result.dutch_book is not None
        assert max(_payoff_by_hand(result.dutch_book.stakes, stated)) < 0.0
        assert check_coherence(result.nearest).coherent


def test_a_two_event_world_without_congestion() -> None:
    """Real data without a reference hub state no C: the atoms are those of A and B (4, not 8)."""
    result = check_coherence({"A": 0.1, "B": 0.3, "AB": 0.05})
    assert result.coherent and result.events == "AB"
    assert set(result.atom_probabilities) == {"A&B", "A&~B", "~A&B", "~A&~B"}
    bad = check_coherence({"A": 0.1, "B": 0.3, "AB": 0.2})
    assert not bad.coherent and bad.dutch_book is not None
    assert set(bad.dutch_book.payoff_by_atom) == {"A&B", "A&~B", "~A&B", "~A&~B"}
    assert max(bad.dutch_book.payoff_by_atom.values()) < 0
    assert bad.dutch_book.loss_per_unit_stake > 0
