"""Claims made by the daily research, and their scores on later days (ADR 0016).

Every confidence the research states is a claim that can turn out wrong, and
each is settled from the study history alone:

* a :class:`Prediction` - a probability that an event (a metric of a later
  day's results compared with a threshold) happens on the *next study day*;
  scored by the Brier score ``mean((p - o)^2)`` (0 is perfect; 0.25 is what a
  constant 0.5 earns) against the base-rate reference ``obar * (1 - obar)``
  computed in hindsight from the same outcomes, and a reliability table
  (forecasts binned by probability: mean forecast vs observed frequency with
  a Wilson 95% interval);
* an :class:`IntervalPrediction` - an interval stated to hold a later
  quantity with probability ``level``: the value of a metric on the next study
  day, or the number of the next ``horizon_days`` study days on which an event
  happens; scored by *coverage*, the share of settled intervals that held the
  realised value, against the stated level;
* a :class:`CoverageRecord` - a claim stated before each of many outcomes and
  settled the same day (the EnKF's one-step intervals: each is issued before
  the price it covers); pooled over days into a realised coverage against the
  stated level.

:func:`score_predictions` settles every claim of the history;
:class:`PredictionScores` reports the scores by claim, by claim type (with
each type's reliability: observed frequency against stated probability,
realised coverage against stated level) and by the Q&A question that made it.
Intervals of consecutive days are not independent, so coverage intervals over
several days resample days (moving blocks, :mod:`hayeknet.research.resampling`).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd

from hayeknet.research.metrics import metrics_by_name
from hayeknet.research.resampling import bootstrap_days

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
    rests on. ``unit`` is the metric's unit. ``also`` holds further conditions
    ``(metric, operator, threshold)`` that must hold on the same day (a joint
    event); ``question`` names the Q&A question that stated it.
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
    question: str = ""
    also: tuple[tuple[str, str, float], ...] = ()

    def __post_init__(self) -> None:
        for op in (self.operator, *(c[1] for c in self.also)):
            if op not in OPERATORS:
                raise PredictionError(
                    f"prediction {self.id!r} of {self.day}: operator must be one of {sorted(OPERATORS)}, got {op!r}"
                )
        if not (0.0 <= self.probability <= 1.0):
            raise PredictionError(f"prediction {self.id!r} of {self.day}: probability {self.probability} not in [0, 1]")

    def to_dict(self) -> dict[str, Any]:
        event: dict[str, Any] = {
            "metric": self.metric,
            "operator": self.operator,
            "threshold": float(self.threshold),
            "unit": self.unit,
        }
        if self.also:
            event["and"] = [{"metric": m, "operator": o, "threshold": float(t)} for m, o, t in self.also]
        return {
            "id": self.id,
            "day": self.day,
            "claim": self.claim,
            "probability": float(self.probability),
            "event": event,
            "target": "next study day",
            "method": self.method,
            "n": int(self.n),
            "question": self.question,
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
                question=str(data.get("question", "")),
                also=tuple(
                    (str(c["metric"]), str(c["operator"]), float(c["threshold"])) for c in event.get("and") or []
                ),
            )
        except KeyError as exc:
            raise PredictionError(f"{where}: missing field {exc.args[0]!r}") from None

    def outcome(self, next_metrics: Mapping[str, float | None]) -> bool | None:
        """Whether the event happened given the next day's metrics (None when a metric is missing)."""
        held = True
        for metric, op, threshold in ((self.metric, self.operator, self.threshold), *self.also):
            value = next_metrics.get(metric)
            if value is None or not math.isfinite(float(value)):
                return None
            held = held and bool(OPERATORS[op](float(value), threshold))
        return held


def beta_binomial_probability(successes: int, trials: int, prior_a: float = 1.0, prior_b: float = 1.0) -> float:
    """Posterior mean of a Beta(prior_a, prior_b)-binomial frequency (Laplace's rule for the default prior)."""
    if trials < 0 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials, got {successes} of {trials}")
    return (successes + prior_a) / (trials + prior_a + prior_b)


AGGREGATES = ("value", "count")
"""How an :class:`IntervalPrediction` reads its target days: the metric's value on the one next study day,
or the count of the next ``horizon_days`` study days on which ``metric operator threshold`` holds."""


@dataclass(frozen=True)
class IntervalPrediction:
    """An interval ``[low, high]`` stated on ``day`` to hold a later quantity with probability ``level``.

    The quantity (``aggregate``): ``"value"`` - ``metric`` on the next study day
    (``horizon_days`` 1); ``"count"`` - the number of the next ``horizon_days``
    study days on which ``metric operator threshold`` holds. ``point`` is the
    central forecast (optional), ``unit`` the quantity's unit; ``method`` and
    ``n`` say how the interval was made and from how many days.
    """

    id: str
    day: str
    claim: str
    low: float
    high: float
    level: float
    metric: str
    unit: str
    method: str
    n: int
    question: str = ""
    horizon_days: int = 1
    aggregate: str = "value"
    operator: str | None = None
    threshold: float | None = None
    point: float | None = None

    def __post_init__(self) -> None:
        where = f"interval prediction {self.id!r} of {self.day}"
        if not (0.0 < self.level < 1.0):
            raise PredictionError(f"{where}: level {self.level} not in (0, 1)")
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.low > self.high:
            raise PredictionError(f"{where}: interval [{self.low}, {self.high}] is not a finite interval")
        if self.aggregate not in AGGREGATES:
            raise PredictionError(f"{where}: aggregate must be one of {AGGREGATES}, got {self.aggregate!r}")
        if self.horizon_days < 1 or (self.aggregate == "value" and self.horizon_days != 1):
            raise PredictionError(
                f"{where}: horizon_days {self.horizon_days} does not fit aggregate {self.aggregate!r}"
            )
        if self.aggregate == "count" and (self.operator not in OPERATORS or self.threshold is None):
            raise PredictionError(f"{where}: a count needs an operator of {sorted(OPERATORS)} and a threshold")

    @property
    def target(self) -> str:
        return "next study day" if self.horizon_days == 1 else f"next {self.horizon_days} study days"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "day": self.day,
            "claim": self.claim,
            "low": float(self.low),
            "high": float(self.high),
            "level": float(self.level),
            "point": _finite(self.point),
            "quantity": {
                "metric": self.metric,
                "aggregate": self.aggregate,
                "horizon_days": int(self.horizon_days),
                "operator": self.operator,
                "threshold": _finite(self.threshold),
                "unit": self.unit,
            },
            "target": self.target,
            "method": self.method,
            "n": int(self.n),
            "question": self.question,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], day: str | None = None) -> IntervalPrediction:
        """Read a stored interval prediction; :class:`PredictionError` names the missing field."""
        where = f"interval prediction {data.get('id', '?')!r} of {day or data.get('day', '?')}"
        try:
            q = data["quantity"]
            threshold = q.get("threshold")
            return cls(
                id=str(data["id"]),
                day=str(data.get("day", day)),
                claim=str(data["claim"]),
                low=float(data["low"]),
                high=float(data["high"]),
                level=float(data["level"]),
                metric=str(q["metric"]),
                unit=str(q.get("unit", "")),
                method=str(data.get("method", "")),
                n=int(data.get("n", 0)),
                question=str(data.get("question", "")),
                horizon_days=int(q.get("horizon_days", 1)),
                aggregate=str(q.get("aggregate", "value")),
                operator=q.get("operator"),
                threshold=None if threshold is None else float(threshold),
                point=None if data.get("point") is None else float(data["point"]),
            )
        except KeyError as exc:
            raise PredictionError(f"{where}: missing field {exc.args[0]!r}") from None

    def realized(self, target_metrics: Sequence[Mapping[str, float | None]]) -> float | None:
        """The realised quantity from the target days' metrics (None when a needed metric is missing)."""
        if len(target_metrics) != self.horizon_days:
            raise ValueError(f"{self.id}: needs {self.horizon_days} target day(s), got {len(target_metrics)}")
        values = [m.get(self.metric) for m in target_metrics]
        if any(v is None or not math.isfinite(float(v)) for v in values):
            return None
        if self.aggregate == "value":
            return float(cast(float, values[0]))
        compare = OPERATORS[cast(str, self.operator)]
        return float(sum(1 for v in values if compare(float(cast(float, v)), cast(float, self.threshold))))

    def covers(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class CoverageRecord:
    """A claim issued before each of ``n`` outcomes of ``day`` and settled that day: ``n_covered`` held.

    ``level`` is the stated probability that each outcome falls inside its
    interval (e.g. the EnKF's one-step +-2 spread interval, 0.954).
    """

    id: str
    day: str
    claim: str
    level: float
    n: int
    n_covered: int
    method: str
    question: str = ""

    def __post_init__(self) -> None:
        if not (0.0 < self.level < 1.0) or not 0 <= self.n_covered <= self.n:
            raise PredictionError(
                f"coverage record {self.id!r} of {self.day}: need 0 < level < 1 and 0 <= n_covered <= n,"
                f" got {self.level}, {self.n_covered} of {self.n}"
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "day": self.day,
            "claim": self.claim,
            "level": float(self.level),
            "n": int(self.n),
            "n_covered": int(self.n_covered),
            "method": self.method,
            "question": self.question,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], day: str | None = None) -> CoverageRecord:
        where = f"coverage record {data.get('id', '?')!r} of {day or data.get('day', '?')}"
        try:
            return cls(
                id=str(data["id"]),
                day=str(data.get("day", day)),
                claim=str(data["claim"]),
                level=float(data["level"]),
                n=int(data["n"]),
                n_covered=int(data["n_covered"]),
                method=str(data.get("method", "")),
                question=str(data.get("question", "")),
            )
        except KeyError as exc:
            raise PredictionError(f"{where}: missing field {exc.args[0]!r}") from None


def predictions_in(results: Mapping[str, Any]) -> list[Prediction]:
    """The probability predictions stored in one day's results document (none for schema 1.0.0 documents)."""
    day = str(results.get("day", "?"))
    return [Prediction.from_dict(p, day) for p in results.get("predictions") or []]


def interval_predictions_in(results: Mapping[str, Any]) -> list[IntervalPrediction]:
    """The interval predictions stored in one day's results document (none before schema 1.4.0)."""
    day = str(results.get("day", "?"))
    return [IntervalPrediction.from_dict(p, day) for p in results.get("interval_predictions") or []]


def coverage_records_in(results: Mapping[str, Any]) -> list[CoverageRecord]:
    """The same-day coverage records of one day's results document (none before schema 1.4.0)."""
    day = str(results.get("day", "?"))
    return [CoverageRecord.from_dict(p, day) for p in results.get("coverage_claims") or []]


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
class ScoredInterval:
    """An interval prediction of ``issued_day`` settled on ``target_day`` (the last day it covers)."""

    id: str
    issued_day: str
    target_day: str
    low: float
    high: float
    level: float
    realized: float
    covered: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "issued_day": self.issued_day,
            "target_day": self.target_day,
            "low": self.low,
            "high": self.high,
            "level": self.level,
            "realized": self.realized,
            "covered": self.covered,
        }


def binomial_two_sided_p(successes: int, n: int, p: float) -> float:
    """Exact two-sided binomial p-value of ``successes`` of ``n`` at rate ``p`` (sum of outcomes no likelier)."""
    from scipy.stats import binomtest

    return float(binomtest(successes, n, p).pvalue) if n else float("nan")


@dataclass(frozen=True)
class PredictionScores:
    """Every settled claim of the history with its scores (module docstring).

    ``scored``/``pending``/``unscorable`` are the probability predictions (as
    before schema 1.4.0); ``intervals``/``interval_pending``/``interval_unscorable``
    the interval predictions; ``coverage`` the same-day coverage records;
    ``questions`` maps each claim id to the Q&A question that stated it.
    """

    scored: tuple[ScoredPrediction, ...]
    pending: tuple[str, ...]
    unscorable: tuple[str, ...]
    n_bins: int = 10
    intervals: tuple[ScoredInterval, ...] = ()
    interval_pending: tuple[str, ...] = ()
    interval_unscorable: tuple[str, ...] = ()
    coverage: tuple[CoverageRecord, ...] = ()
    questions: Mapping[str, str] = field(default_factory=dict)
    n_resamples: int = 1000
    seed: int = 0

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
        """Reliability table of the probability predictions (one claim, or all pooled)."""
        rows = [s for s in self.scored if claim_id is None or s.id == claim_id]
        return reliability_table([s.probability for s in rows], [s.outcome for s in rows], self.n_bins)

    def by_claim(self) -> dict[str, dict[str, Any]]:
        """Probability predictions per claim id: n, Brier, base-rate Brier, mean forecast, observed frequency."""
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

    # ----------------------------------------------------------------- intervals

    def _coverage_stats(self, rows: Sequence[ScoredInterval]) -> dict[str, Any]:
        k, n = sum(r.covered for r in rows), len(rows)
        level = float(np.mean([r.level for r in rows]))
        low, high = wilson_interval(k, n)
        return {
            "n": n,
            "level": level,
            "coverage": k / n,
            "ci_low": _finite(low),
            "ci_high": _finite(high),
            "p_value": _finite(binomial_two_sided_p(k, n, level)),
        }

    def interval_by_claim(self) -> dict[str, dict[str, Any]]:
        """Interval predictions per claim id: n, mean stated level, realised coverage (Wilson 95%), binomial p."""
        out = {}
        for claim in sorted({s.id for s in self.intervals}):
            rows = [s for s in self.intervals if s.id == claim]
            out[claim] = self._coverage_stats(rows)
            out[claim]["mean_width"] = float(np.mean([r.high - r.low for r in rows]))
        return out

    def interval_reliability(self) -> pd.DataFrame:
        """Interval predictions binned by stated level (0.1 wide): realised coverage against the level."""
        rows = self.intervals
        return reliability_table([r.level for r in rows], [r.covered for r in rows], self.n_bins)

    def coverage_by_claim(self) -> dict[str, dict[str, Any]]:
        """Same-day coverage records pooled per claim id over days; the 95% interval resamples days."""
        out = {}
        for claim in sorted({c.id for c in self.coverage}):
            recs = sorted((c for c in self.coverage if c.id == claim and c.n > 0), key=lambda c: c.day)
            if not recs:
                continue
            n, k = sum(c.n for c in recs), sum(c.n_covered for c in recs)
            level = float(np.average([c.level for c in recs], weights=[c.n for c in recs]))
            if len(recs) >= 2:
                counts = np.array([[c.n_covered, c.n] for c in recs], dtype=float)
                boot = bootstrap_days(
                    counts, lambda a: a[:, 0].sum() / a[:, 1].sum(), n_resamples=self.n_resamples, seed=self.seed
                )
                low, high, how = boot.low, boot.high, f"moving-block bootstrap over {len(recs)} days"
            else:
                low, high = wilson_interval(k, n)
                how = "Wilson interval within one day (outcomes within a day are not independent: optimistic)"
            out[claim] = {
                "n_days": len(recs),
                "n": n,
                "level": level,
                "coverage": k / n,
                "ci_low": _finite(low),
                "ci_high": _finite(high),
                "ci_method": how,
            }
        return out

    # ----------------------------------------------------------------- by type and question

    def claim_types(self) -> dict[str, dict[str, Any]]:
        """Each claim type's pooled score and reliability (stated against realised)."""
        out: dict[str, dict[str, Any]] = {}
        out["probability"] = {
            "n": self.n,
            "brier": _finite(self.brier()),
            "base_rate_brier": _finite(self.base_rate_brier()),
            "reliability": _records(self.reliability()),
        }
        interval: dict[str, Any] = {"n": len(self.intervals)}
        if self.intervals:
            interval |= self._coverage_stats(self.intervals)
        interval["reliability"] = _records(self.interval_reliability())
        out["interval"] = interval
        cov = self.coverage_by_claim()
        out["coverage"] = {
            "n_days": max((c["n_days"] for c in cov.values()), default=0),
            "n": sum(c["n"] for c in cov.values()),
            "by_claim": cov,
        }
        return out

    def by_question(self) -> dict[str, dict[str, Any]]:
        """Per Q&A question: its claim ids and how they fared (Brier of its probabilities, coverage of its
        intervals, pooled coverage of its same-day records)."""
        out: dict[str, dict[str, Any]] = {}
        for claim, question in sorted(self.questions.items()):
            if question:
                out.setdefault(question, {"claims": []})["claims"].append(claim)
        for entry in out.values():
            claims = set(entry["claims"])
            probs = [s for s in self.scored if s.id in claims]
            ints = [s for s in self.intervals if s.id in claims]
            covs = [c for c in self.coverage if c.id in claims]
            entry["n_probability"] = len(probs)
            entry["brier"] = _finite(brier_score([s.probability for s in probs], [s.outcome for s in probs]))
            entry["n_interval"] = len(ints)
            entry["interval_coverage"] = (sum(s.covered for s in ints) / len(ints)) if ints else None
            entry["interval_level"] = float(np.mean([s.level for s in ints])) if ints else None
            n_cov = sum(c.n for c in covs)
            entry["n_coverage_outcomes"] = n_cov
            entry["coverage"] = (sum(c.n_covered for c in covs) / n_cov) if n_cov else None
            entry["coverage_level"] = (
                float(np.average([c.level for c in covs], weights=[c.n for c in covs])) if n_cov else None
            )
        return out

    def claims_table(self) -> pd.DataFrame:
        """One row per claim id: type, question, n settled, stated (mean probability or level), realised
        (observed frequency or coverage) with its 95% interval, and the Brier scores of probabilities."""
        rows = []
        for claim, v in self.by_claim().items():
            low, high = wilson_interval(round(v["observed_frequency"] * v["n"]), v["n"])
            rows.append(
                {
                    "claim": claim,
                    "type": "probability",
                    "question": self.questions.get(claim, ""),
                    "n": v["n"],
                    "stated": v["mean_probability"],
                    "realised": v["observed_frequency"],
                    "ci_low": _finite(low),
                    "ci_high": _finite(high),
                    "brier": v["brier"],
                    "base_rate_brier": v["base_rate_brier"],
                }
            )
        for claim, v in self.interval_by_claim().items():
            rows.append(
                {
                    "claim": claim,
                    "type": "interval",
                    "question": self.questions.get(claim, ""),
                    "n": v["n"],
                    "stated": v["level"],
                    "realised": v["coverage"],
                    "ci_low": v["ci_low"],
                    "ci_high": v["ci_high"],
                    "brier": None,
                    "base_rate_brier": None,
                }
            )
        for claim, v in self.coverage_by_claim().items():
            rows.append(
                {
                    "claim": claim,
                    "type": "coverage",
                    "question": self.questions.get(claim, ""),
                    "n": v["n"],
                    "stated": v["level"],
                    "realised": v["coverage"],
                    "ci_low": v["ci_low"],
                    "ci_high": v["ci_high"],
                    "brier": None,
                    "base_rate_brier": None,
                }
            )
        return pd.DataFrame(rows, columns=list(CLAIMS_TABLE_COLUMNS)).set_index("claim")

    def summary(self) -> str:
        """How the stated probabilities and intervals fared so far, in sentences."""
        if not self.scored and not self.intervals and not self.coverage:
            waiting = len(self.pending) + len(self.interval_pending)
            extra = f" ({waiting} awaiting later study days)" if waiting else ""
            return f"No prediction has been settled yet{extra}."
        parts = []
        if self.scored:
            text = (
                f"{self.n} prediction(s) settled: Brier score {self.brier():.3f} (0 is perfect; forecasting the"
                f" observed frequency in hindsight would score {self.base_rate_brier():.3f})."
            )
            if self.n < 20:
                text += " With fewer than 20 settled claims the reliability table is descriptive only."
            parts.append(text)
        else:
            parts.append("No probability prediction has been settled yet.")
        if self.intervals:
            stats = self._coverage_stats(self.intervals)
            parts.append(
                f"{stats['n']} interval prediction(s) settled: realised coverage {100 * stats['coverage']:.0f}%"
                f" (95% CI {100 * (stats['ci_low'] or 0):.0f}-{100 * (stats['ci_high'] or 0):.0f}%) against a"
                f" stated {100 * stats['level']:.0f}%."
            )
        elif self.interval_pending:
            parts.append(f"No interval prediction settled yet ({len(self.interval_pending)} awaiting later days).")
        for claim, v in self.coverage_by_claim().items():
            parts.append(
                f"{claim}: {100 * v['coverage']:.1f}% of {v['n']} outcomes over {v['n_days']} day(s) fell inside"
                f" intervals stated at {100 * v['level']:.1f}%."
            )
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_scored": self.n,
            "brier": _finite(self.brier()),
            "base_rate_brier": _finite(self.base_rate_brier()),
            "by_claim": self.by_claim(),
            "reliability": _records(self.reliability()),
            "pending": list(self.pending),
            "unscorable": list(self.unscorable),
            "scored": [s.to_dict() for s in self.scored],
            "intervals": {
                "n_scored": len(self.intervals),
                "by_claim": self.interval_by_claim(),
                "pending": list(self.interval_pending),
                "unscorable": list(self.interval_unscorable),
                "scored": [s.to_dict() for s in self.intervals],
            },
            "claim_types": self.claim_types(),
            "by_question": self.by_question(),
            "summary": self.summary(),
        }


CLAIMS_TABLE_COLUMNS = (
    "claim",
    "type",
    "question",
    "n",
    "stated",
    "realised",
    "ci_low",
    "ci_high",
    "brier",
    "base_rate_brier",
)


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _finite(v) if k != "n" else int(v) for k, v in row.items()} for row in table.to_dict("records")]


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def score_predictions(
    history: Sequence[Mapping[str, Any]], n_bins: int = 10, *, n_resamples: int = 1000, seed: int = 0
) -> PredictionScores:
    """Settle every claim of the history on the study days after its issue day.

    ``history`` is the list of daily results documents (any order; a repeated
    day keeps its last entry). A claim whose target days are not all in the
    history yet is ``pending``; one whose metric is missing on a target day is
    ``unscorable`` (listed as ``"<id>@<issued_day>"``). Coverage records are
    settled on their own day.
    """
    by_day: dict[str, Mapping[str, Any]] = {str(r["day"]): r for r in history}
    days = sorted(by_day)
    metrics = {d: metrics_by_name(by_day[d].get("metrics", [])) for d in days}
    scored: list[ScoredPrediction] = []
    pending: list[str] = []
    unscorable: list[str] = []
    intervals: list[ScoredInterval] = []
    i_pending: list[str] = []
    i_unscorable: list[str] = []
    coverage: list[CoverageRecord] = []
    questions: dict[str, str] = {}
    for i, day in enumerate(days):
        for p in predictions_in(by_day[day]):
            questions.setdefault(p.id, p.question)
            if i + 1 == len(days):
                pending.append(f"{p.id}@{day}")
                continue
            outcome = p.outcome(metrics[days[i + 1]])
            if outcome is None:
                unscorable.append(f"{p.id}@{day}")
            else:
                scored.append(ScoredPrediction(p.id, day, days[i + 1], p.probability, outcome))
        for ip in interval_predictions_in(by_day[day]):
            questions.setdefault(ip.id, ip.question)
            targets = days[i + 1 : i + 1 + ip.horizon_days]
            if len(targets) < ip.horizon_days:
                i_pending.append(f"{ip.id}@{day}")
                continue
            value = ip.realized([metrics[t] for t in targets])
            if value is None:
                i_unscorable.append(f"{ip.id}@{day}")
            else:
                intervals.append(
                    ScoredInterval(ip.id, day, targets[-1], ip.low, ip.high, ip.level, value, ip.covers(value))
                )
        for c in coverage_records_in(by_day[day]):
            questions.setdefault(c.id, c.question)
            coverage.append(c)
    return PredictionScores(
        tuple(scored),
        tuple(pending),
        tuple(unscorable),
        n_bins,
        tuple(intervals),
        tuple(i_pending),
        tuple(i_unscorable),
        tuple(coverage),
        questions,
        n_resamples,
        seed,
    )
