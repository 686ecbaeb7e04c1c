"""Predictive claims made by the daily research, and their scores on later days.

A :class:`Prediction` is a probability that a named event happens on the *next
study day*, stated on day ``d`` and stored in that day's results document under
``predictions``. The event is machine-checkable: a metric of the next day's
results (:mod:`hayeknet.research.metrics` names) compared with a threshold, so
that :func:`score_predictions` can settle every claim from the study history
alone, once the next day's results exist.

Scores: the Brier score ``mean((p - o)^2)`` (0 is perfect; 0.25 is what a
constant 0.5 earns) against the base-rate reference ``obar * (1 - obar)``
computed in hindsight from the same outcomes, and a reliability table (forecasts
binned by probability: mean forecast vs observed frequency with a Wilson 95%
interval) so that stated confidence can be checked against outcomes.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hayeknet.research.metrics import metrics_by_name

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
RELIABILITY_COLUMNS = ("bin_low", "bin_high", "n", "mean_probability", "observed_frequency", "ci_low", "ci_high")


class PredictionError(ValueError):
    """A stored prediction is malformed (names the day, the prediction and the field)."""


@dataclass(frozen=True)
class Prediction:
    """``probability`` that ``metric operator threshold`` holds on the first study day after ``day``.

    ``method`` says how the probability was obtained and ``n`` how many days it
    rests on. ``unit`` is the metric's unit.
    """

    id: str
    day: str
    claim: str
    probability: float
    metric: str
    operator: str
    threshold: float
    unit: str
    method: str
    n: int

    def __post_init__(self) -> None:
        if self.operator not in OPERATORS:
            raise PredictionError(
                f"prediction {self.id!r} of {self.day}: operator must be one of {sorted(OPERATORS)},"
                f" got {self.operator!r}"
            )
        if not (0.0 <= self.probability <= 1.0):
            raise PredictionError(f"prediction {self.id!r} of {self.day}: probability {self.probability} not in [0, 1]")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "day": self.day,
            "claim": self.claim,
            "probability": float(self.probability),
            "event": {
                "metric": self.metric,
                "operator": self.operator,
                "threshold": float(self.threshold),
                "unit": self.unit,
            },
            "target": "next study day",
            "method": self.method,
            "n": int(self.n),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], day: str | None = None) -> Prediction:
        """Read a stored prediction; :class:`PredictionError` names the missing field."""
        where = f"prediction {data.get('id', '?')!r} of {day or data.get('day', '?')}"
        try:
            event = data["event"]
            return cls(
                id=str(data["id"]),
                day=str(data.get("day", day)),
                claim=str(data["claim"]),
                probability=float(data["probability"]),
                metric=str(event["metric"]),
                operator=str(event["operator"]),
                threshold=float(event["threshold"]),
                unit=str(event.get("unit", "")),
                method=str(data.get("method", "")),
                n=int(data.get("n", 0)),
            )
        except KeyError as exc:
            raise PredictionError(f"{where}: missing field {exc.args[0]!r}") from None

    def outcome(self, next_metrics: Mapping[str, float | None]) -> bool | None:
        """Whether the event happened given the next day's metrics (None when the metric is missing)."""
        value = next_metrics.get(self.metric)
        if value is None or not math.isfinite(float(value)):
            return None
        return bool(OPERATORS[self.operator](float(value), self.threshold))


def beta_binomial_probability(successes: int, trials: int, prior_a: float = 1.0, prior_b: float = 1.0) -> float:
    """Posterior mean of a Beta(prior_a, prior_b)-binomial frequency (Laplace's rule for the default prior)."""
    if trials < 0 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials, got {successes} of {trials}")
    return (successes + prior_a) / (trials + prior_a + prior_b)


def predictions_in(results: Mapping[str, Any]) -> list[Prediction]:
    """The predictions stored in one day's results document (none for schema 1.0.0 documents)."""
    day = str(results.get("day", "?"))
    return [Prediction.from_dict(p, day) for p in results.get("predictions") or []]


@dataclass(frozen=True)
class ScoredPrediction:
    """A prediction of ``issued_day`` settled on ``target_day``."""

    id: str
    issued_day: str
    target_day: str
    probability: float
    outcome: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "issued_day": self.issued_day,
            "target_day": self.target_day,
            "probability": self.probability,
            "outcome": self.outcome,
        }


def brier_score(probabilities: Sequence[float], outcomes: Sequence[bool]) -> float:
    """Mean squared difference between forecast probability and outcome (1 or 0); NaN when empty."""
    p = np.asarray(probabilities, dtype=float)
    o = np.asarray(outcomes, dtype=float)
    if p.shape != o.shape:
        raise ValueError(f"{p.size} probabilities but {o.size} outcomes")
    return float(np.mean((p - o) ** 2)) if p.size else float("nan")


def wilson_interval(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (95% by default); (NaN, NaN) when n = 0."""
    if n == 0:
        return float("nan"), float("nan")
    phat = successes / n
    denom = 1 + z**2 / n
    centre = (phat + z**2 / (2 * n)) / denom
    half = z * math.sqrt(phat * (1 - phat) / n + z**2 / (4 * n**2)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def reliability_table(probabilities: Sequence[float], outcomes: Sequence[bool], n_bins: int = 10) -> pd.DataFrame:
    """Forecasts binned by probability (equal-width bins on [0, 1]); only non-empty bins are listed.

    Columns :data:`RELIABILITY_COLUMNS`: bin edges, forecast count, mean forecast
    probability, observed frequency and its Wilson 95% interval. A calibrated
    forecaster has observed frequency close to mean probability in every bin.
    """
    p = np.asarray(probabilities, dtype=float)
    o = np.asarray(outcomes, dtype=bool)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1], right=False), 0, n_bins - 1)
    rows = []
    for b in range(n_bins):
        mask = which == b
        if not mask.any():
            continue
        k, n = int(o[mask].sum()), int(mask.sum())
        low, high = wilson_interval(k, n)
        rows.append(
            {
                "bin_low": edges[b],
                "bin_high": edges[b + 1],
                "n": n,
                "mean_probability": float(p[mask].mean()),
                "observed_frequency": k / n,
                "ci_low": low,
                "ci_high": high,
            }
        )
    return pd.DataFrame(rows, columns=list(RELIABILITY_COLUMNS))


@dataclass(frozen=True)
class PredictionScores:
    """Every settled prediction of the history with its Brier scores and reliability table."""

    scored: tuple[ScoredPrediction, ...]
    pending: tuple[str, ...]
    unscorable: tuple[str, ...]
    n_bins: int = 10

    @property
    def n(self) -> int:
        return len(self.scored)

    def brier(self, claim_id: str | None = None) -> float:
        rows = [s for s in self.scored if claim_id is None or s.id == claim_id]
        return brier_score([s.probability for s in rows], [s.outcome for s in rows])

    def base_rate_brier(self, claim_id: str | None = None) -> float:
        """Brier score of always forecasting the (hindsight) observed frequency: ``obar (1 - obar)``."""
        rows = [s for s in self.scored if claim_id is None or s.id == claim_id]
        if not rows:
            return float("nan")
        obar = float(np.mean([s.outcome for s in rows]))
        return obar * (1.0 - obar)

    def reliability(self, claim_id: str | None = None) -> pd.DataFrame:
        rows = [s for s in self.scored if claim_id is None or s.id == claim_id]
        return reliability_table([s.probability for s in rows], [s.outcome for s in rows], self.n_bins)

    def by_claim(self) -> dict[str, dict[str, Any]]:
        out = {}
        for claim in sorted({s.id for s in self.scored}):
            rows = [s for s in self.scored if s.id == claim]
            out[claim] = {
                "n": len(rows),
                "brier": _finite(self.brier(claim)),
                "base_rate_brier": _finite(self.base_rate_brier(claim)),
                "mean_probability": float(np.mean([s.probability for s in rows])),
                "observed_frequency": float(np.mean([s.outcome for s in rows])),
            }
        return out

    def summary(self) -> str:
        """A sentence on how the stated probabilities fared so far."""
        if not self.scored:
            waiting = f" ({len(self.pending)} awaiting the next study day)" if self.pending else ""
            return f"No prediction has been settled yet{waiting}."
        text = (
            f"{self.n} prediction(s) settled: Brier score {self.brier():.3f} (0 is perfect; forecasting the"
            f" observed frequency in hindsight would score {self.base_rate_brier():.3f})."
        )
        if self.n < 20:
            text += " With fewer than 20 settled claims the reliability table is descriptive only."
        return text

    def to_dict(self) -> dict[str, Any]:
        table = self.reliability()
        return {
            "n_scored": self.n,
            "brier": _finite(self.brier()),
            "base_rate_brier": _finite(self.base_rate_brier()),
            "by_claim": self.by_claim(),
            "reliability": [
                {k: _finite(v) if k != "n" else int(v) for k, v in row.items()} for row in table.to_dict("records")
            ],
            "pending": list(self.pending),
            "unscorable": list(self.unscorable),
            "scored": [s.to_dict() for s in self.scored],
            "summary": self.summary(),
        }


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def score_predictions(history: Sequence[Mapping[str, Any]], n_bins: int = 10) -> PredictionScores:
    """Settle every prediction of the history on the study day that follows its issue day.

    ``history`` is the list of daily results documents (any order; a repeated
    day keeps its last entry). Predictions of the last day are ``pending``;
    those whose metric is missing on the target day are ``unscorable``
    (listed as ``"<id>@<issued_day>"``).
    """
    by_day: dict[str, Mapping[str, Any]] = {str(r["day"]): r for r in history}
    days = sorted(by_day)
    scored: list[ScoredPrediction] = []
    pending: list[str] = []
    unscorable: list[str] = []
    for i, day in enumerate(days):
        predictions = predictions_in(by_day[day])
        if i + 1 == len(days):
            pending += [f"{p.id}@{day}" for p in predictions]
            continue
        target = days[i + 1]
        next_metrics = metrics_by_name(by_day[target].get("metrics", []))
        for p in predictions:
            outcome = p.outcome(next_metrics)
            if outcome is None:
                unscorable.append(f"{p.id}@{day}")
            else:
                scored.append(ScoredPrediction(p.id, day, target, p.probability, outcome))
    return PredictionScores(tuple(scored), tuple(pending), tuple(unscorable), n_bins)
