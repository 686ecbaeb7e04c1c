"""Walk-forward calibration of stated event probabilities: Brier score and reliability table.

Each day the beliefs stage states probabilities for the next day; once the day
is realized, :func:`score_day` compares them with the events that happened.

* Day probabilities mean "the event holds in a uniformly random 5-minute
  interval of the day", so they are scored against every interval's indicator:
  Brier = mean over intervals of ``(p - 1[event in interval])^2``.
* Hourly probabilities mean "the event holds in at least one interval of the
  hour", scored against each hour's indicator.

:func:`reliability_table` bins forecasts and compares the mean forecast with
the observed frequency in each bin (a calibrated forecaster lies on the diagonal).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from hayeknet.beliefs.coherence import EVENT_KEYS, EVENT_LABELS
from hayeknet.beliefs.events import EventThresholds, interval_events, interval_quantities

LETTERS = {"A": "high_price", "B": "imbalance", "C": "congestion"}
"""Coherence event letter -> event column of :func:`hayeknet.beliefs.events.interval_events`."""


class CalibrationInputError(ValueError):
    """Forecasts and outcomes of different lengths, or forecasts outside [0, 1]."""


def _arrays(forecasts: Iterable[float], outcomes: Iterable[float]) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(list(forecasts), dtype=float)
    o = np.asarray(list(outcomes), dtype=float)
    if p.shape != o.shape:
        raise CalibrationInputError(f"calibration: {p.size} forecasts but {o.size} outcomes")
    if p.size and (np.nanmin(p) < 0 or np.nanmax(p) > 1):
        raise CalibrationInputError("calibration: forecasts must lie within [0, 1]")
    if o.size and not np.isin(o, (0.0, 1.0)).all():
        raise CalibrationInputError("calibration: outcomes must be 0 or 1")
    return p, o


def brier_score(forecasts: Iterable[float], outcomes: Iterable[float]) -> float:
    """Mean squared difference between probabilities and 0/1 outcomes (0 best, 1 worst); NaN if empty."""
    p, o = _arrays(forecasts, outcomes)
    return float(np.mean((p - o) ** 2)) if p.size else float("nan")


def reliability_table(forecasts: Iterable[float], outcomes: Iterable[float], n_bins: int = 10) -> pd.DataFrame:
    """Reliability table over ``n_bins`` equal-width bins of [0, 1] (the last bin includes 1).

    Columns: ``bin_lower``, ``bin_upper``, ``n``, ``mean_forecast``,
    ``observed_frequency`` (NaN for empty bins).
    """
    if n_bins < 1:
        raise CalibrationInputError("calibration: n_bins must be >= 1")
    p, o = _arrays(forecasts, outcomes)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1], right=False), 0, n_bins - 1)
    rows = []
    for b in range(n_bins):
        mask = which == b
        n = int(mask.sum())
        rows.append(
            {
                "bin_lower": float(edges[b]),
                "bin_upper": float(edges[b + 1]),
                "n": n,
                "mean_forecast": float(p[mask].mean()) if n else float("nan"),
                "observed_frequency": float(o[mask].mean()) if n else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def event_indicators(events: pd.DataFrame) -> pd.DataFrame:
    """0/1 indicator of each event (:data:`EVENT_KEYS`) whose single events are columns of ``events``
    (without a basis there is no congestion, so no key with ``C``), per row."""
    out = {}
    for key in EVENT_KEYS:
        if not all(LETTERS[letter] in events.columns for letter in key):
            continue
        ind = np.ones(len(events), dtype=bool)
        for letter in key:
            ind &= events[LETTERS[letter]].to_numpy(dtype=bool)
        out[key] = ind.astype(float)
    return pd.DataFrame(out, index=events.index)


def hourly_indicators(events: pd.DataFrame) -> pd.DataFrame:
    """Per hour (index: hour start UTC): 1 when each single event held in at least one interval; joints
    hold when each member event held somewhere in the hour (same meaning as the hourly probabilities)."""
    any_hour = events.astype(bool).groupby(pd.DatetimeIndex(events.index).floor("h")).any()
    return event_indicators(any_hour)


def score_day(
    day_probabilities: Mapping[str, float],
    events: pd.DataFrame,
    hourly_probabilities: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Score one day's stated probabilities against its realized interval events.

    ``day_probabilities``: event key (``A`` ... ``ABC``) -> probability for a
    random interval; ``events``: :func:`~hayeknet.beliefs.events.interval_events`
    of the realized day; ``hourly_probabilities``: optional frame indexed by
    hour start UTC with one column per event key. Returns per event the
    forecast, the realized interval frequency and the Brier score, plus the
    hourly Brier scores when given.
    """
    ind = event_indicators(events)
    out: dict[str, Any] = {"n_intervals": len(events), "day": {}}
    for key, p in day_probabilities.items():
        if key not in ind.columns or p is None:
            continue
        o = ind[key].to_numpy()
        out["day"][key] = {
            "forecast": float(p),
            "realized_frequency": float(o.mean()) if o.size else float("nan"),
            "brier": brier_score(np.full(o.size, float(p)), o),
        }
    if hourly_probabilities is not None:
        realized = hourly_indicators(events)
        common = realized.index.intersection(hourly_probabilities.index)
        out["hourly"] = {
            key: {
                "brier": brier_score(hourly_probabilities.loc[common, key], realized.loc[common, key]),
                "n_hours": len(common),
            }
            for key in hourly_probabilities.columns
            if key in realized.columns
        }
    return out


def walk_forward_summary(
    records: Iterable[tuple[Mapping[str, float], pd.DataFrame]], n_bins: int = 10
) -> dict[str, Any]:
    """Calibration over many days: ``records`` are (stated day probabilities, realized events) pairs.

    Returns per event key the pooled interval-level Brier score, the number of
    intervals and the reliability table (as a list of row dicts) of the day
    forecasts against interval outcomes.
    """
    forecasts: dict[str, list[np.ndarray]] = {k: [] for k in EVENT_KEYS}
    outcomes: dict[str, list[np.ndarray]] = {k: [] for k in EVENT_KEYS}
    for probs, events in records:
        ind = event_indicators(events)
        for key, prob in probs.items():
            forecasts[key].append(np.full(len(ind), float(prob)))
            outcomes[key].append(ind[key].to_numpy())
    summary: dict[str, Any] = {}
    for key in EVENT_KEYS:
        if not forecasts[key]:
            continue
        p = np.concatenate(forecasts[key])
        o = np.concatenate(outcomes[key])
        summary[key] = {
            "brier": brier_score(p, o),
            "n": int(p.size),
            "reliability": reliability_table(p, o, n_bins).to_dict(orient="records"),
        }
    return summary


def walk_forward_from_scores(scores: Iterable[Mapping[str, Any]], n_bins: int = 10) -> dict[str, Any]:
    """Pool per-day :func:`score_day` outputs (e.g. read back from each day's ``calibration.json``).

    A day's forecast ``p`` of event ``e`` applies to each of its ``n`` intervals,
    of which a fraction ``f`` held the event, so the pooled Brier score is the
    ``n``-weighted mean of the daily ones and the reliability bin of ``p`` gains
    ``n`` forecasts with ``n * f`` hits. Same output shape as :func:`walk_forward_summary`.
    """
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    acc: dict[str, dict[str, Any]] = {}
    for score in scores:
        n = int(score.get("n_intervals", 0))
        for key, item in score.get("day", {}).items():
            if n == 0 or not np.isfinite(item["brier"]):
                continue
            a = acc.setdefault(key, {"sq": 0.0, "n": 0, "bins": np.zeros((n_bins, 3))})
            a["sq"] += item["brier"] * n
            a["n"] += n
            b = int(np.clip(np.digitize(item["forecast"], edges[1:-1]), 0, n_bins - 1))
            a["bins"][b] += (n, item["forecast"] * n, item["realized_frequency"] * n)
    summary: dict[str, Any] = {}
    for key in EVENT_KEYS:
        if key not in acc:
            continue
        a = acc[key]
        rows = []
        for b in range(n_bins):
            n, fsum, hits = a["bins"][b]
            rows.append(
                {
                    "bin_lower": float(edges[b]),
                    "bin_upper": float(edges[b + 1]),
                    "n": int(n),
                    "mean_forecast": float(fsum / n) if n else float("nan"),
                    "observed_frequency": float(hits / n) if n else float("nan"),
                }
            )
        summary[key] = {"brier": a["sq"] / a["n"], "n": a["n"], "reliability": rows}
    return summary


def score_previous_beliefs(previous: Mapping[str, Any], realized_table: pd.DataFrame) -> dict[str, Any]:
    """Score a stored ``beliefs.json`` payload (``BeliefsResult.to_dict()``) against its realized day.

    The events are recomputed from ``realized_table`` (the predicted day's
    normalized table) with the location, hub and thresholds the beliefs were
    stated for. Returns :func:`hayeknet.beliefs.calibration.score_day`'s output
    plus ``forecast_day`` (the scored day), ``location`` and ``converged`` of the
    scored beliefs; each day item also carries the Brier score of the
    climatology forecast and the skill ``1 - brier / climatology_brier``.
    """
    labels = {v: k for k, v in EVENT_LABELS.items()}
    th = previous["thresholds_usd_per_mwh"]
    thresholds = EventThresholds(th["high_price"], th["imbalance"], th["congestion"])
    events = interval_events(interval_quantities(realized_table, previous["location"], previous["hub"]), thresholds)
    day_probs = {labels[k]: float(v) for k, v in previous["next_day"].items()}
    hourly = pd.DataFrame(
        [{labels[k]: float(v) for k, v in row.items() if k in labels} for row in previous["hourly"]],
        index=pd.DatetimeIndex([pd.Timestamp(row["hour_start_utc"]) for row in previous["hourly"]]),
    )
    scored = score_day(day_probs, events, hourly)
    if previous.get("climatology"):
        reference = score_day({labels[k]: float(v) for k, v in previous["climatology"].items()}, events)
        for key, item in scored["day"].items():
            ref = reference["day"][key]["brier"]
            item["climatology_forecast"] = reference["day"][key]["forecast"]
            item["climatology_brier"] = ref
            item["brier_skill"] = 1.0 - item["brier"] / ref if ref > 0 else float("nan")
    return {
        "forecast_day": previous["day"],
        "location": previous["location"],
        "converged": bool(previous["diagnostics"]["converged"]),
    } | scored
