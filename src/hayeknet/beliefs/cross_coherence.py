"""Coherence across separately estimated beliefs: a Dutch-book check that can fail.

:func:`hayeknet.beliefs.coherence.check_coherence` checks one model's
probabilities, and a model whose probabilities are all frequencies over the
same predictive paths is coherent by construction. This module checks the
beliefs the study states about the *same next day* from *different sources*
together, as one book a bettor could trade against:

* ``pymc`` - the beliefs model's P(high price), P(imbalance), their joint
  (and congestion, where a reference hub exists) in a random interval of the
  next day;
* ``history_frequency`` - the same events' frequency over the history days
  the model was fitted on (an empirical estimate, not the model);
* ``dam`` - the share of the next day's intervals whose day-ahead price is
  above the high-price threshold (the DAM read as a point forecast);
* ``qa`` - the Q&A's probabilities that the next study day has a spike, a
  wide spread, and both (climatology over study days).

A statement is ``(source, event, probability)``; an event is a conjunction of
letters of the world (``A`` high price in a random interval, ``B`` imbalance,
``C`` congestion, ``S`` a spike somewhere in the day, ``W`` a wide spread),
and the world's atoms obey the logical links between them (``A => S``: a high
price in a random interval means the day has one). Two sources stating the
same event at different prices are incoherent together; so are a joint above
a marginal, or P(A) above P(S).

The **Dutch-book stake** is the bettor's guaranteed gain per unit of total
stake: the LP maximises ``t`` subject to the holder of the stated beliefs,
trading ``s_i`` unit bets on event ``i`` at its stated price with
``sum |s_i| <= 1``, losing at least ``t`` in every atom. By LP duality ``t``
equals the smallest L-infinity distance from the statements to a coherent
set (:attr:`CrossCoherence.linf_distance`, computed separately and checked
equal): the stake says by how much the most contested probability must move.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import linprog

TOLERANCE = 1e-7
"""A stake at or below this is zero: the statements are coherent together (LP round-off is far smaller)."""

LETTER_MEANINGS: dict[str, str] = {
    "A": "high price in a random interval of the next day",
    "B": "imbalance (|RT - DAM| above its threshold) in a random interval of the next day",
    "C": "congestion (|node - hub| above its threshold) in a random interval of the next day",
    "S": "the next day has at least one high-price interval",
    "W": "the next day's top-4h minus bottom-4h spread is wide",
}
"""The letters a statement's event is made of."""

DEFAULT_IMPLICATIONS: tuple[tuple[str, str], ...] = (("A", "S"),)
"""``(X, Y)``: X implies Y. A high price in a random interval of a day means the day has one."""

LABEL_TO_EVENT: dict[str, str] = {
    "high_price": "A",
    "imbalance": "B",
    "congestion": "C",
    "high_price&imbalance": "AB",
    "high_price&congestion": "AC",
    "imbalance&congestion": "BC",
    "high_price&imbalance&congestion": "ABC",
}
"""``beliefs.json`` labels (:data:`hayeknet.beliefs.coherence.EVENT_LABELS`) -> events."""


class CrossCoherenceError(ValueError):
    """A statement with an unknown letter, a repeated letter or a probability outside [0, 1]."""


@dataclass(frozen=True)
class Statement:
    """``source`` states probability ``probability`` for ``event`` (letters of :data:`LETTER_MEANINGS`)."""

    source: str
    event: str
    probability: float
    meaning: str = ""

    def __post_init__(self) -> None:
        if (
            not self.event
            or any(c not in LETTER_MEANINGS for c in self.event)
            or len(set(self.event)) != len(self.event)
        ):
            raise CrossCoherenceError(
                f"{self.source}: event {self.event!r} must be distinct letters of {''.join(LETTER_MEANINGS)}"
            )
        if not (math.isfinite(self.probability) and 0.0 <= self.probability <= 1.0):
            raise CrossCoherenceError(f"{self.source}: P({self.event}) = {self.probability!r} is not within [0, 1]")

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "event": self.event, "probability": self.probability, "meaning": self.meaning}


def world(
    statements: Sequence[Statement], implications: Sequence[tuple[str, str]] = DEFAULT_IMPLICATIONS
) -> tuple[str, tuple[tuple[int, ...], ...], tuple[tuple[str, str], ...]]:
    """``(letters, atoms, implications in force)`` for the letters the statements use.

    Atoms are truth assignments to the letters (in :data:`LETTER_MEANINGS`
    order) that break no implication whose two letters are both in the world.
    """
    used = {c for s in statements for c in s.event}
    letters = "".join(c for c in LETTER_MEANINGS if c in used)
    active = tuple((x, y) for x, y in implications if x in letters and y in letters)
    atoms = tuple(
        a
        for a in itertools.product((1, 0), repeat=len(letters))
        if all(not (a[letters.index(x)] and not a[letters.index(y)]) for x, y in active)
    )
    return letters, atoms, active


def _atom_label(atom: tuple[int, ...], letters: str) -> str:
    return "&".join(c if bit else f"~{c}" for c, bit in zip(letters, atom))


def _incidence(statements: Sequence[Statement], letters: str, atoms: Sequence[tuple[int, ...]]) -> np.ndarray:
    return np.array(
        [[1.0 if all(a[letters.index(c)] for c in s.event) else 0.0 for a in atoms] for s in statements], dtype=float
    ).reshape(len(statements), len(atoms))


@dataclass(frozen=True)
class CrossCoherence:
    """The check of a set of statements from several sources (module docstring).

    ``stake``: guaranteed loss per unit of total stake of a bettor holding all
    statements (0 when coherent); ``stakes``: the book, one stake per
    statement (positive: the holder buys the bet at its stated price);
    ``payoff_by_atom``: the holder's payoff in each atom (all at most
    ``-stake``); ``nearest``: a coherent set at the smallest L-infinity
    distance ``linf_distance`` (equal to ``stake``); ``by_source``: each source
    alone; ``pairs``: every two sources together.
    """

    letters: str
    implications: tuple[tuple[str, str], ...]
    statements: tuple[Statement, ...]
    coherent: bool
    stake: float
    stakes: tuple[float, ...]
    payoff_by_atom: dict[str, float]
    nearest: tuple[float, ...]
    linf_distance: float
    by_source: dict[str, dict[str, Any]] = field(default_factory=dict)
    pairs: tuple[dict[str, Any], ...] = ()

    def summary(self) -> str:
        sources = sorted({s.source for s in self.statements})
        if not self.statements:
            return "No statements to check."
        if self.coherent:
            return (
                f"The {len(self.statements)} statements of {', '.join(sources)} are coherent together: no Dutch"
                " book exists."
            )
        worst = max(self.pairs, key=lambda p: p["stake"], default=None)
        text = (
            f"The {len(self.statements)} statements of {', '.join(sources)} are incoherent together: a bettor taking"
            f" every stated price wins at least {self.stake:.4f} per unit staked whatever happens (equivalently, some"
            f" probability must move by {self.linf_distance:.4f} to make them coherent)."
        )
        if worst is not None and worst["stake"] > TOLERANCE:
            text += f" The largest disagreement is between {worst['sources'][0]} and {worst['sources'][1]}."
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "world": {
                "events": {c: LETTER_MEANINGS[c] for c in self.letters},
                "implications": [f"{x} => {y}" for x, y in self.implications],
            },
            "statements": [s.to_dict() for s in self.statements],
            "coherent": self.coherent,
            "stake": self.stake,
            "dutch_book": None
            if self.coherent
            else {
                "stakes": [
                    {"source": s.source, "event": s.event, "price": s.probability, "stake": k}
                    for s, k in zip(self.statements, self.stakes)
                    if abs(k) > TOLERANCE
                ],
                "payoff_by_atom": dict(self.payoff_by_atom),
                "guaranteed_loss_per_unit_stake": self.stake,
            },
            "nearest": [
                {"source": s.source, "event": s.event, "probability": v} for s, v in zip(self.statements, self.nearest)
            ],
            "linf_distance": self.linf_distance,
            "by_source": dict(self.by_source),
            "pairs": list(self.pairs),
            "summary": self.summary(),
        }


def _book(m: np.ndarray, p: np.ndarray) -> tuple[float, np.ndarray]:
    """Max ``t`` with ``sum_i s_i (p_i - M[i, w]) >= t`` for all atoms and ``sum |s_i| <= 1``; and ``s``."""
    n, k = m.shape
    # variables: s+ (n), s- (n), t; minimise -t
    diff = (p[:, None] - m).T  # (k, n): the holder's loss per unit stake in each atom
    a_ub = np.vstack(
        [
            np.hstack([-diff, diff, np.ones((k, 1))]),  # t - sum s_i diff <= 0
            np.r_[np.ones(2 * n), 0.0][None, :],  # sum |s| <= 1
        ]
    )
    res = linprog(
        c=np.r_[np.zeros(2 * n), -1.0],
        A_ub=a_ub,
        b_ub=np.r_[np.zeros(k), 1.0],
        bounds=[(0.0, None)] * (2 * n) + [(None, None)],
        method="highs",
    )
    if res.status != 0:
        raise RuntimeError(f"cross-source Dutch-book LP failed: {res.message}")
    return max(0.0, -float(res.fun)), res.x[:n] - res.x[n : 2 * n]


def _nearest(m: np.ndarray, p: np.ndarray) -> tuple[float, np.ndarray]:
    """Smallest ``r`` with ``|M q - p|_inf <= r`` over atom distributions ``q``; and ``M q``."""
    n, k = m.shape
    # variables: q (k), r; minimise r
    a_ub = np.vstack([np.hstack([m, -np.ones((n, 1))]), np.hstack([-m, -np.ones((n, 1))])])
    b_ub = np.r_[p, -p]
    res = linprog(
        c=np.r_[np.zeros(k), 1.0],
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=np.r_[np.ones(k), 0.0][None, :],
        b_eq=[1.0],
        bounds=[(0.0, None)] * (k + 1),
        method="highs",
    )
    if res.status != 0:
        raise RuntimeError(f"cross-source nearest-coherent LP failed: {res.message}")
    q = np.clip(res.x[:k], 0.0, None)
    q = q / q.sum()
    return float(res.x[k]), m @ q


def _stake_only(statements: Sequence[Statement], implications: Sequence[tuple[str, str]]) -> float:
    if not statements:
        return 0.0
    letters, atoms, _ = world(statements, implications)
    stake, _ = _book(_incidence(statements, letters, atoms), np.array([s.probability for s in statements]))
    return stake if stake > TOLERANCE else 0.0


def check_statements(
    statements: Sequence[Statement], implications: Sequence[tuple[str, str]] = DEFAULT_IMPLICATIONS
) -> CrossCoherence:
    """Check the statements together, each source alone and every pair of sources (module docstring)."""
    statements = tuple(statements)
    letters, atoms, active = world(statements, implications)
    sources = sorted({s.source for s in statements})
    by_source = {}
    for src in sources:
        own = [s for s in statements if s.source == src]
        stake = _stake_only(own, implications)
        by_source[src] = {"n_statements": len(own), "coherent": stake <= TOLERANCE, "stake": stake}
    pairs = []
    for a, b in itertools.combinations(sources, 2):
        stake = _stake_only([s for s in statements if s.source in (a, b)], implications)
        pairs.append({"sources": [a, b], "coherent": stake <= TOLERANCE, "stake": stake})
    if not statements:
        return CrossCoherence(letters, active, (), True, 0.0, (), {}, (), 0.0, by_source, tuple(pairs))
    m = _incidence(statements, letters, atoms)
    p = np.array([s.probability for s in statements])
    stake, s = _book(m, p)
    distance, nearest = _nearest(m, p)
    payoff = s @ (m - p[:, None])  # the holder's payoff in each atom
    coherent = stake <= TOLERANCE or float(payoff.max()) >= 0.0  # no strict loss everywhere: numerically marginal
    return CrossCoherence(
        letters=letters,
        implications=active,
        statements=statements,
        coherent=coherent,
        stake=0.0 if coherent else stake,
        stakes=tuple(float(v) for v in (np.zeros_like(s) if coherent else s)),
        payoff_by_atom={} if coherent else {_atom_label(a, letters): float(g) for a, g in zip(atoms, payoff)},
        nearest=tuple(float(v) for v in (p if coherent else nearest)),
        linf_distance=0.0 if coherent else distance,
        by_source=by_source,
        pairs=tuple(pairs),
    )


# --------------------------------------------------------------------------- the study's sources


def beliefs_statements(beliefs: Mapping[str, Any]) -> list[Statement]:
    """The ``pymc`` (``next_day``) and ``history_frequency`` (``climatology``) statements of a beliefs block.

    ``beliefs`` is the ``beliefs`` block of a results document (or ``beliefs.json``):
    probabilities keyed by the labels of :data:`LABEL_TO_EVENT`. Unknown
    labels and non-numbers are skipped.
    """
    out = []
    meanings = {
        "pymc": "beliefs model: frequency over its posterior predictive paths",
        "history_frequency": "interval frequency over the history days the beliefs model was fitted on",
    }
    for source, key in (("pymc", "next_day"), ("history_frequency", "climatology")):
        for label, value in (beliefs.get(key) or {}).items():
            event = LABEL_TO_EVENT.get(str(label))
            if event is None or not isinstance(value, (int, float)) or not math.isfinite(float(value)):
                continue
            out.append(Statement(source, event, float(value), meanings[source]))
    return out
