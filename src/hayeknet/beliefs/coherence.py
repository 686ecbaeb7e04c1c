"""Dutch-book coherence of stated probabilities of up to three events and their joints.

Three binary events ``A``, ``B``, ``C`` split the world into 8 *atoms*
(``A∧B∧C``, ``A∧B∧¬C``, ..., ``¬A∧¬B∧¬C``). Stated probabilities of any subset
of the seven events ``A, B, C, AB, AC, BC, ABC`` (``AB`` = ``A and B``) are
*coherent* when some probability distribution ``q`` over the atoms gives
exactly those probabilities (de Finetti). The world is made of the events the
statements mention: without a reference hub there is no congestion event
``C``, and statements about ``A`` and ``B`` live in the 4 atoms of a 2-event
world (the payoffs and atom probabilities name only those). That is a linear
feasibility problem:

    M q = p,   q >= 0,   sum(q) = 1,

with ``M[i, w] = 1`` when event ``i`` holds in atom ``w``.

When it is infeasible, Farkas' lemma gives a *Dutch book*: stakes ``s_i`` (units
of a bet that pays 1 if event ``i`` happens, bought at the stated price ``p_i``;
a negative stake sells the bet at that price) such that the holder of the
stated beliefs, who accepts every such trade at its stated price, loses money
in every atom:

    G(w) = sum_i s_i * (1[event i holds in w] - p_i) < 0   for all atoms w.

We find the book with the strongest guaranteed loss among stakes with
``|s_i| <= 1`` (an LP solved by HiGHS) and verify the payoffs numerically.
The *nearest coherent beliefs* minimize the L1 distance ``sum_i |p'_i - p_i|``
over coherent ``p'`` (another LP); the minimizer need not be unique, and the
one HiGHS returns is reported together with its atom distribution.

Probabilities from one model's predictive paths are coherent by construction;
:mod:`hayeknet.beliefs.cross_coherence` checks statements of *separately
estimated* sources, which can disagree.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import linprog

EVENT_KEYS: tuple[str, ...] = ("A", "B", "C", "AB", "AC", "BC", "ABC")
"""The seven events: three singles, three pairwise joints and the triple joint."""

EVENT_LABELS: dict[str, str] = {
    "A": "high_price",
    "B": "imbalance",
    "C": "congestion",
    "AB": "high_price&imbalance",
    "AC": "high_price&congestion",
    "BC": "imbalance&congestion",
    "ABC": "high_price&imbalance&congestion",
}
"""Event key -> readable label used in the JSON outputs."""

ATOMS: tuple[tuple[int, int, int], ...] = tuple(itertools.product((1, 0), (1, 0), (1, 0)))
"""The 8 atoms as (A, B, C) truth values, from ``(1, 1, 1)`` to ``(0, 0, 0)``."""

TOLERANCE = 1e-9
"""A guaranteed loss or an L1 distance at or below this counts as zero (coherent)."""


class CoherenceInputError(ValueError):
    """Stated probabilities with an unknown event key or a value outside [0, 1]."""


def atom_label(atom: tuple[int, ...], letters: str = "ABC") -> str:
    """Readable label of an atom, e.g. ``A&B&~C`` (``A&~B`` in the world of ``letters`` ``AB``)."""
    return "&".join(name if bit else f"~{name}" for name, bit in zip(letters, atom))


def holds(event: str, atom: tuple[int, ...], letters: str = "ABC") -> bool:
    """Whether ``event`` (a key of :data:`EVENT_KEYS`) holds in ``atom`` of the world of ``letters``."""
    return all(atom[letters.index(letter)] == 1 for letter in event)


def world_letters(events: tuple[str, ...]) -> str:
    """The events a world needs for ``events``, in A, B, C order: ``AB`` without congestion (at least ``A``)."""
    used = {letter for e in events for letter in e}
    return "".join(letter for letter in "ABC" if letter in used) or "A"


def atoms(letters: str = "ABC") -> tuple[tuple[int, ...], ...]:
    """The ``2 ** len(letters)`` atoms of the world of ``letters``, from all true to all false."""
    return tuple(itertools.product((1, 0), repeat=len(letters)))


def incidence(events: tuple[str, ...], letters: str = "ABC") -> np.ndarray:
    """Matrix ``M`` (len(events) x atoms): ``M[i, w] = 1`` when event ``i`` holds in atom ``w``."""
    world = atoms(letters)
    m = [[1.0 if holds(e, w, letters) else 0.0 for w in world] for e in events]
    return np.array(m, dtype=float).reshape(len(events), len(world))


def event_probabilities(atom_probabilities: np.ndarray) -> dict[str, float]:
    """All seven event probabilities implied by a distribution over the 8 :data:`ATOMS`."""
    q = np.asarray(atom_probabilities, dtype=float)
    return {e: float(v) for e, v in zip(EVENT_KEYS, incidence(EVENT_KEYS) @ q)}


def _validated(stated: Mapping[str, float]) -> tuple[tuple[str, ...], np.ndarray]:
    events: list[str] = []
    values: list[float] = []
    for key, value in stated.items():
        if key not in EVENT_KEYS:
            raise CoherenceInputError(f"stated probabilities: unknown event {key!r} (known: {', '.join(EVENT_KEYS)})")
        v = float(value)
        if not np.isfinite(v) or v < 0.0 or v > 1.0:
            raise CoherenceInputError(f"stated probabilities: P({key}) = {value!r} is not within [0, 1]")
        events.append(key)
        values.append(v)
    order = sorted(range(len(events)), key=lambda i: EVENT_KEYS.index(events[i]))
    return tuple(events[i] for i in order), np.array([values[i] for i in order])


@dataclass(frozen=True)
class DutchBook:
    """Stakes against incoherent beliefs: the belief holder loses in every atom.

    ``stakes[e]`` is the number of unit bets on event ``e`` the belief holder
    buys at its stated price (negative: sells). ``payoff_by_atom[label]`` is the
    holder's net payoff in that atom (all negative); ``guaranteed_loss`` is the
    smallest loss over atoms (positive), in the same units as the stakes;
    ``loss_per_unit_stake`` divides it by the total stake ``sum |stakes|``.
    """

    stakes: dict[str, float]
    payoff_by_atom: dict[str, float]
    guaranteed_loss: float

    @property
    def loss_per_unit_stake(self) -> float:
        total = sum(abs(v) for v in self.stakes.values())
        return self.guaranteed_loss / total if total > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "stakes": dict(self.stakes),
            "payoff_by_atom": dict(self.payoff_by_atom),
            "guaranteed_loss": self.guaranteed_loss,
            "loss_per_unit_stake": self.loss_per_unit_stake,
        }


@dataclass(frozen=True)
class CoherenceResult:
    """Outcome of :func:`check_coherence`.

    ``coherent`` says whether an atom distribution reproduces ``stated``;
    ``atom_probabilities`` is such a distribution (for incoherent input: the one
    behind ``nearest``); ``nearest`` holds the nearest coherent probabilities of
    the stated events (equal to ``stated`` when coherent) and ``l1_distance``
    the L1 distance to them; ``dutch_book`` is set only when incoherent.
    ``events`` are the letters of the world the atoms span (``AB`` without congestion).
    """

    stated: dict[str, float]
    coherent: bool
    nearest: dict[str, float]
    l1_distance: float
    atom_probabilities: dict[str, float]
    dutch_book: DutchBook | None = field(default=None)
    events: str = "ABC"

    def to_dict(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "stated": dict(self.stated),
            "coherent": self.coherent,
            "nearest": dict(self.nearest),
            "l1_distance": self.l1_distance,
            "atom_probabilities": dict(self.atom_probabilities),
            "dutch_book": None if self.dutch_book is None else self.dutch_book.to_dict(),
        }


def payoffs(stakes: Mapping[str, float], stated: Mapping[str, float]) -> dict[str, float]:
    """Belief holder's net payoff in each atom from ``stakes`` traded at the ``stated`` prices."""
    events, p = _validated({k: stated[k] for k in stakes})
    letters = world_letters(events)
    s = np.array([float(stakes[e]) for e in events])
    gains = s @ (incidence(events, letters) - p[:, None])
    return {atom_label(w, letters): float(g) for w, g in zip(atoms(letters), gains)}


def dutch_book(stated: Mapping[str, float]) -> DutchBook | None:
    """The Dutch book with the largest guaranteed loss (stakes within [-1, 1]), or None if coherent.

    LP: maximize ``t`` subject to ``sum_i s_i (p_i - M[i, w]) >= t`` for every atom
    ``w`` and ``-1 <= s_i <= 1``. By Farkas' lemma ``t* > 0`` exactly when the
    stated probabilities are incoherent. The payoffs are recomputed from the
    stakes and must all be negative, else the book is rejected.
    """
    events, p = _validated(stated)
    if not events:
        return None
    letters = world_letters(events)
    m = incidence(events, letters)
    n = len(events)
    k = m.shape[1]
    # Variables: s_1..s_n, t. Minimize -t. Constraint: t - sum_i s_i (p_i - M[i,w]) <= 0.
    a_ub = np.hstack([-(p[:, None] - m).T, np.ones((k, 1))])
    res = linprog(
        c=np.r_[np.zeros(n), -1.0],
        A_ub=a_ub,
        b_ub=np.zeros(k),
        bounds=[(-1.0, 1.0)] * n + [(None, 1.0)],
        method="highs",
    )
    if res.status != 0:
        raise RuntimeError(f"Dutch-book LP failed: {res.message}")
    t = -float(res.fun)
    if t <= TOLERANCE:
        return None
    stakes = {e: float(v) for e, v in zip(events, res.x[:n])}
    pay = payoffs(stakes, dict(zip(events, p)))
    if max(pay.values()) >= 0.0:
        return None  # numerically marginal: no strict loss in every atom
    return DutchBook(stakes=stakes, payoff_by_atom=pay, guaranteed_loss=-max(pay.values()))


def nearest_coherent(stated: Mapping[str, float]) -> tuple[dict[str, float], float, np.ndarray]:
    """Nearest coherent probabilities in L1 distance: ``(probabilities, distance, atom distribution)``.

    LP over atom probabilities ``q`` (8) and deviations ``u, v >= 0``:
    minimize ``sum(u + v)`` subject to ``M q - u + v = p``, ``sum(q) = 1``, ``q >= 0``.
    """
    events, p = _validated(stated)
    n = len(events)
    letters = world_letters(events)
    m = incidence(events, letters)
    k = m.shape[1]
    a_eq = np.vstack(
        [
            np.hstack([m, -np.eye(n), np.eye(n)]),
            np.r_[np.ones(k), np.zeros(2 * n)][None, :],
        ]
    )
    b_eq = np.r_[p, 1.0]
    res = linprog(
        c=np.r_[np.zeros(k), np.ones(2 * n)], A_eq=a_eq, b_eq=b_eq, bounds=[(0.0, None)] * (k + 2 * n), method="highs"
    )
    if res.status != 0:
        raise RuntimeError(f"nearest-coherent LP failed: {res.message}")
    q = np.clip(res.x[:k], 0.0, None)
    q = q / q.sum()
    nearest = {e: float(v) for e, v in zip(events, m @ q)}
    return nearest, float(np.abs(m @ q - p).sum()), q


def check_coherence(stated: Mapping[str, float]) -> CoherenceResult:
    """Decide coherence of ``stated`` (any subset of :data:`EVENT_KEYS` -> probability).

    Coherent when the L1 distance to the nearest coherent beliefs is within
    :data:`TOLERANCE`; otherwise the Dutch book is attached.
    """
    events, p = _validated(stated)
    letters = world_letters(events)
    clean = dict(zip(events, (float(v) for v in p)))
    nearest, distance, q = nearest_coherent(clean)
    coherent = distance <= TOLERANCE * max(1, len(events))
    book = None if coherent else dutch_book(clean)
    if not coherent and book is None:
        coherent = True  # within numerical noise: no strict Dutch book exists
    return CoherenceResult(
        stated=clean,
        coherent=coherent,
        nearest=clean if coherent else nearest,
        l1_distance=0.0 if coherent else distance,
        atom_probabilities={atom_label(w, letters): float(v) for w, v in zip(atoms(letters), q)},
        dutch_book=book,
        events=letters,
    )
