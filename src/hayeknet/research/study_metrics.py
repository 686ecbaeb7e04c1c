"""The study's headline numbers as DVC metrics and plots: what ``dvc exp show`` and ``dvc metrics diff`` compare.

:func:`study_metrics` reduces the study history (every day's ``results.json``)
to one flat-enough mapping of numbers:

* ``profit_usd.<strategy>`` - total profit over the study days, $;
* ``capture_ratio.<strategy>`` - total profit / total perfect-foresight profit
  of the same days: the days the strategy ran, so a strategy that waits for
  history (``storage_value`` needs a fitted spread model) is not charged the
  bound of days it did not trade (the study's capture ratio; ADR 0005 per day);
* ``days_run.<strategy>`` - on how many of the study days the strategy has a
  profit;
* ``forecast.*`` - the EnKF's mean one-step forecast RMSE and analysis RMSE
  (the fit after assimilating the same price, not a skill; $/MWh) and mean
  spread/RMSE over the days; the 1-hour forecast RMSE, and the skill against
  persistence 1 step and 1 hour ahead over the study,
  ``1 - sqrt(mean RMSE_EnKF^2 / mean RMSE_persistence^2)`` (all locations; each
  day weighs equally);
* ``beliefs.brier.<event>`` and ``beliefs.brier_skill.<event>`` - the mean
  Brier score (per 5-minute interval) of the beliefs about each day, and its
  mean skill against climatology, over the days that were scored;
* ``claims.*`` - how the research's claims fared (ADR 0016): the Brier
  score of its settled probabilities, the realised coverage of its settled
  intervals against their mean stated level, and the pooled coverage of the
  EnKF's one-step intervals, from the last day's ``prediction_scores``;
* ``battery_value.*`` - the day's battery value stated before each day (ADR 0021): on how many days it
  was stated and scored, how often its interval covered the realised value (with a Wilson 95% interval,
  against the stated ``level``), and the mean stated total against the mean realised value and profits, $/day;
* ``daily.<day>.<strategy>`` - profit per day and strategy, $.

:func:`daily_profit_table` is the long table behind the plots.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from hayeknet.options.next_day import summarise_scores

PERFECT_FORESIGHT = "perfect_foresight"
EVENTS = {"A": "high_price", "B": "imbalance", "C": "congestion"}


def _mean(values: Sequence[float | None]) -> float | None:
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return sum(finite) / len(finite) if finite else None


def _pooled_skill(assimilation: Sequence[Mapping[str, Any]], label: str) -> float | None:
    """``1 - sqrt(mean RMSE_EnKF^2 / mean RMSE_persistence^2)`` over the days that have both."""
    pairs = [
        (a.get(f"rmse_forecast_{label}_usd_per_mwh"), a.get(f"rmse_persistence_{label}_usd_per_mwh"))
        for a in assimilation
    ]
    both = [(float(f), float(p)) for f, p in pairs if f is not None and p is not None]
    model = _mean([f**2 for f, _ in both])
    reference = _mean([p**2 for _, p in both])
    if model is None or reference is None or reference <= 0:
        return None
    return 1.0 - math.sqrt(model / reference)


def daily_profit_table(history: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Profit ($) per study day (rows, ISO day) and strategy (columns)."""
    rows = {str(r["day"]): {k: v.get("profit_usd") for k, v in (r.get("strategies") or {}).items()} for r in history}
    frame = pd.DataFrame(rows).T.astype(float)
    frame.index.name = "day"
    return frame.sort_index()


def capture_over_days_run(profit: pd.DataFrame) -> dict[str, float | None]:
    """Each strategy's total profit / the perfect-foresight profit of the days it has a profit.

    ``profit`` is :func:`daily_profit_table`'s frame ($; NaN where a strategy did not run). ``None``
    where there is no perfect-foresight column or its total over those days is not positive.
    """
    if PERFECT_FORESIGHT not in profit:
        return {str(name): None for name in profit.columns}
    pf = profit[PERFECT_FORESIGHT]
    out: dict[str, float | None] = {}
    for name in profit.columns:
        ran = profit[name].notna() & pf.notna()
        bound = float(pf[ran].sum())
        out[str(name)] = float(profit.loc[ran, name].sum()) / bound if ran.any() and bound > 0 else None
    return out


def study_metrics(history: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The study's headline metrics (module docstring); undefined values are ``None``."""
    profit = daily_profit_table(history)
    totals = profit.sum(min_count=1)
    capture = capture_over_days_run(profit)
    assimilation = [r.get("assimilation") or {} for r in history]
    forecast = {
        "rmse_forecast_usd_per_mwh": _mean([a.get("rmse_forecast_usd_per_mwh") for a in assimilation]),
        "rmse_analysis_usd_per_mwh": _mean([a.get("rmse_analysis_usd_per_mwh") for a in assimilation]),
        "spread_rmse_ratio": _mean([a.get("spread_rmse_ratio") for a in assimilation]),
        "rmse_forecast_1h_usd_per_mwh": _mean([a.get("rmse_forecast_1h_usd_per_mwh") for a in assimilation]),
        "skill_vs_persistence_1step": _pooled_skill(assimilation, "1step"),
        "skill_vs_persistence_1h": _pooled_skill(assimilation, "1h"),
    }
    scored = [((r.get("beliefs") or {}).get("calibration_of_previous_beliefs") or {}).get("day") or {} for r in history]
    brier = {name: _mean([(s.get(key) or {}).get("brier") for s in scored]) for key, name in EVENTS.items()}
    skill = {name: _mean([(s.get(key) or {}).get("brier_skill") for s in scored]) for key, name in EVENTS.items()}
    last = max(history, key=lambda r: str(r.get("day", "")), default={}) if history else {}
    types = (last.get("prediction_scores") or {}).get("claim_types") or {}
    probability, interval = types.get("probability") or {}, types.get("interval") or {}
    coverage = ((types.get("coverage") or {}).get("by_claim") or {}).get("enkf_one_step_2sigma") or {}
    rate = lambda d: {"n": d.get("n", 0), "coverage": d.get("coverage"), "level": d.get("level")}
    claims = {
        "probability": {"n": probability.get("n", 0), "brier": probability.get("brier")},
        "interval": rate(interval),
        "enkf_coverage": rate(coverage),
    }
    return {
        "days": len(history),
        "claims": claims,
        "profit_usd": {k: float(v) for k, v in totals.items()},
        "capture_ratio": capture,
        "days_run": {k: int(v) for k, v in profit.notna().sum().items()},
        "forecast": forecast,
        "beliefs": {"days_scored": sum(1 for s in scored if s), "brier": brier, "brier_skill": skill},
        "battery_value": summarise_scores([r.get("battery_value") or {} for r in history]),
        "daily": {
            day: {k: (None if pd.isna(v) else float(v)) for k, v in row.items()} for day, row in profit.iterrows()
        },
    }
