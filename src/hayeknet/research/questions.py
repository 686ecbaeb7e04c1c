"""The research questions asked of each day: evidence in numbers, and a confidence that can be wrong.

A :class:`Question` has an id, a ``trigger`` deciding from the day's evidence
whether it is asked today (returning the reason either way), an ``evidence``
computation (a JSON-ready dict of the numbers behind the answer), an ``assess``
step giving a :class:`Confidence`, and an ``answer`` writing plain words from
the evidence and confidence.

**Claims policy** (ADR 0016). What a question says about *today* is
description: numbers computed from the day, stated without a probability.
Its confidence is a *claim about something not yet observed* - a probability
of an event on the next study day, or an interval for a quantity of later
days - stored in the evidence (``predictions``, ``interval_predictions``,
``coverage_claims``), copied into the day's results and settled on later days
by :mod:`hayeknet.research.scoring` (Brier score; interval coverage against
the stated level). ``Confidence.claims`` names the claims a confidence is
scored as. Nothing is stated with a confidence that is certain by
construction (perfect foresight is an upper bound, so a strategy trailing it
is no finding), and nothing whose intervals the battery's state of charge
links is resampled by interval or hour.

Registry (:data:`REGISTRY`):

* ``volatility_next_day`` - how volatile the next study day will be (an 80%
  interval for its standard deviation of price changes); today's variance
  split between spikes, negative prices and ordinary intervals as description;
* ``capture_next_day`` - what share of the next day's perfect-foresight
  profit a named causal strategy will capture (an interval) and whether it
  will make money (a probability); today's capture ratios as description;
* ``spread_next_day`` - where the next day's tradeable spread will fall (an
  80% interval), with today's place among the study's days as description;
* ``enkf_interval_coverage`` - whether the EnKF's one-step +-2 spread
  intervals, each stated before its price, held the prices at their stated
  95.4%; settled the same day and pooled over days;
* ``next_day_outlook`` - the probabilities that the next study day has a
  price spike, a tradeable spread, and both, and an interval for the number
  of spike days among the next seven study days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hayeknet.params import ResearchParams
from hayeknet.research.claims import (
    CLAIM_LEVEL,
    count_interval,
    exchangeable_interval,
    exchangeable_min_days,
    frequency_probability,
    named_causal_strategy,
    persistence_interval,
    persistence_min_days,
)
from hayeknet.research.errors import ResearchInputError
from hayeknet.research.insights import Regime, check_filtered
from hayeknet.research.metrics import metrics_by_name
from hayeknet.research.prices import CENTRAL, interval_hours
from hayeknet.research.resampling import block_bootstrap, rank_test
from hayeknet.research.scoring import CoverageRecord, IntervalPrediction, Prediction

THIN_DAYS = 10  # fewer study days than this behind a claim: its evidence strength is "thin"
MEASURES = (
    "bootstrap_probability",
    "p_value",
    "posterior_probability",
    "prediction_interval",
    "none",
)
"""What ``Confidence.value`` is. ``prediction_interval``: the stated probability that a later quantity
falls in ``Confidence.interval``. ``bootstrap_probability`` and ``p_value`` are kept for documents
written before schema 1.4.0; no question states them now (they describe today, which no later day settles)."""

ENKF_COVERAGE_SIGMAS = 2.0
ENKF_COVERAGE_LEVEL = 0.9544997361036416
"""P(|Z| <= 2) for a standard normal: the probability the EnKF states for its one-step +-2 spread interval."""

OUTLOOK_SPREAD_USD_PER_MWH = 15.0
"""Spread (top-4h minus bottom-4h, $/MWh) of hypothesis H3; the outlook forecasts days above it."""
OUTLOOK_HORIZON_DAYS = 7
"""Horizon (study days) of the outlook's count of spike days."""


@dataclass(frozen=True, eq=False)
class DayContext:
    """Everything the questions may look at for one operating day (read-only)."""

    day: dt.date
    location: str
    settings: ResearchParams
    series: pd.Series
    prices: pd.DataFrame
    history_prices: pd.DataFrame
    filtered: pd.DataFrame
    simulation_summary: Mapping[str, Mapping[str, Any]]
    ledgers: Mapping[str, pd.DataFrame]
    previous_results: Sequence[Mapping[str, Any]]
    metrics: Mapping[str, float | None]
    regime: Regime
    n_resamples: int = 1000
    seed: int = 0


@dataclass(frozen=True)
class Confidence:
    """How sure an answer is, as claims that later days settle.

    ``measure`` says what ``value`` is (:data:`MEASURES`): a posterior
    probability of an event of the next study day, the stated level of a
    prediction interval, or ``none`` (value None) when the days at hand
    support no claim. ``statement`` says in words what ``value`` is the
    probability of. ``interval`` is an optional interval ``{low, high, level,
    unit, of}``. ``claims`` are the ids of the predictions this confidence is
    scored as (``predictions``, ``interval_predictions`` or
    ``coverage_claims`` of the day's results).
    """

    method: str
    measure: str
    value: float | None
    statement: str
    n: int
    interval: dict[str, Any] | None = None
    claims: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.measure not in MEASURES:
            raise ValueError(f"confidence measure must be one of {MEASURES}, got {self.measure!r}")
        if self.measure == "none" and self.value is not None:
            raise ValueError("confidence with measure 'none' must have value None")

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "measure": self.measure,
            "value": _finite_or_none(self.value),
            "statement": self.statement,
            "n": int(self.n),
            "interval": self.interval,
            "claims": list(self.claims),
        }


@dataclass(frozen=True)
class Answer:
    """One question's outcome for the day (``asked=False`` keeps the trigger's reason)."""

    id: str
    question: str
    asked: bool
    reason: str
    answer: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    confidence: Confidence | None = None
    evidence_strength: str = "none"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "asked": self.asked,
            "reason": self.reason,
            "answer": self.answer,
            "evidence": self.evidence,
            "confidence": self.confidence.to_dict() if self.confidence else None,
            "evidence_strength": self.evidence_strength,
        }


@dataclass(frozen=True)
class Question:
    """A registered research question (see module docstring)."""

    id: str
    text: str
    trigger: Callable[[DayContext], tuple[bool, str]]
    evidence: Callable[[DayContext], dict[str, Any]]
    assess: Callable[[DayContext, dict[str, Any]], tuple[Confidence, str]]
    answer: Callable[[DayContext, dict[str, Any], Confidence], str]


def _finite_or_none(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


def usd(x: float) -> str:
    """Whole dollars with the sign before the symbol: ``-$1,234`` (NaN as ``n/a``)."""
    if x != x:  # NaN
        return "n/a"
    return f"-${abs(x):,.0f}" if x < 0 else f"${x:,.0f}"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _earlier_results(ctx: DayContext) -> list[Mapping[str, Any]]:
    """Results of the study days before today, oldest first (a repeated day keeps its last entry)."""
    by_day = {str(p.get("day", "")): p for p in ctx.previous_results if str(p.get("day", "")) < ctx.day.isoformat()}
    return [by_day[d] for d in sorted(by_day)]


def _study_metric_values(ctx: DayContext, metric: str) -> list[float]:
    """The metric on every study day up to and including today, oldest first (days without it skipped)."""
    values = []
    for prev in _earlier_results(ctx):
        value = _finite_or_none(metrics_by_name(prev.get("metrics", [])).get(metric))
        if value is not None:
            values.append(value)
    today = _finite_or_none(ctx.metrics.get(metric))
    if today is not None:
        values.append(today)
    return values


def _interval_dict(claim: IntervalPrediction, of: str) -> dict[str, Any]:
    return {"low": claim.low, "high": claim.high, "level": claim.level, "unit": claim.unit, "of": of}


def _metric_interval_claim(
    ctx: DayContext, *, claim_id: str, question: str, metric: str, unit: str, what: str
) -> tuple[IntervalPrediction | None, int]:
    """A persistence-conformal interval for the nonnegative ``metric`` of the next study day (None: too few days)."""
    values = _study_metric_values(ctx, metric)
    made = persistence_interval(values, CLAIM_LEVEL, lower_bound=0.0)
    if made is None:
        return None, len(values)
    claim = IntervalPrediction(
        id=claim_id,
        day=ctx.day.isoformat(),
        claim=f"the next study day's {what} at {ctx.location} lies between {made.low:,.3g} and {made.high:,.3g} {unit}",
        low=made.low,
        high=made.high,
        level=made.level,
        metric=metric,
        unit=unit,
        method=made.method,
        n=made.n,
        question=question,
        point=made.point,
    )
    return claim, len(values)


def _no_claim(reason: str, n: int) -> Confidence:
    return Confidence("none", "none", None, reason, n)


def _interval_confidence(ev: Mapping[str, Any], of: str) -> Confidence:
    claim = IntervalPrediction.from_dict(ev["interval_predictions"][0])
    return Confidence(
        method=claim.method,
        measure="prediction_interval",
        value=claim.level,
        statement=f"stated probability that {claim.claim}",
        n=claim.n,
        interval=_interval_dict(claim, of),
        claims=(claim.id,),
    )


# --------------------------------------------------------------------------- (a) volatility


def _volatility_trigger(ctx: DayContext) -> tuple[bool, str]:
    if ctx.series.size < 3:
        return False, f"only {ctx.series.size} priced intervals today"
    return True, "the next day's volatility is forecast every day and scored once that day's results exist"


def _volatility_evidence(ctx: DayContext) -> dict[str, Any]:
    s = ctx.settings
    values = ctx.series.to_numpy(dtype=float)
    spike = values > s.high_price_usd_per_mwh
    negative = values < s.negative_price_usd_per_mwh
    dev = (values - values.mean()) ** 2
    total = float(dev.sum())
    share = lambda mask: float(dev[mask].sum() / total) if total > 0 else None
    local_hours = ctx.series.index.tz_convert(CENTRAL).hour.to_numpy()
    hour_share = {int(h): share(local_hours == h) or 0.0 for h in np.unique(local_hours)}
    top_hour = max(hour_share, key=hour_share.__getitem__)
    claim, n_values = _metric_interval_claim(
        ctx,
        claim_id="volatility_next_day",
        question="volatility_next_day",
        metric="volatility.price_change_std",
        unit="$/MWh",
        what="standard deviation of interval-to-interval price changes",
    )
    return {
        "n_intervals": int(values.size),
        "volatility_today_usd_per_mwh": ctx.metrics.get("volatility.price_change_std"),
        "spike_intervals": int(spike.sum()),
        "negative_intervals": int(negative.sum()),
        "spike_variance_share": share(spike),
        "negative_variance_share": share(negative),
        "other_variance_share": share(~(spike | negative)),
        "top_hour_central": top_hour,
        "top_hour_variance_share": hour_share[top_hour],
        "n_study_days": n_values,
        "days_needed": persistence_min_days(CLAIM_LEVEL),
        "interval_predictions": [claim.to_dict()] if claim else [],
    }


def _volatility_assess(ctx: DayContext, ev: dict[str, Any]) -> tuple[Confidence, str]:
    if not ev["interval_predictions"]:
        return _no_claim(
            f"{ev['n_study_days']} study day(s) with the metric; an {100 * CLAIM_LEVEL:.0f}% interval needs"
            f" {ev['days_needed']}",
            ev["n_study_days"],
        ), "none"
    conf = _interval_confidence(ev, "the next study day's std of price changes")
    return conf, "adequate" if ev["n_study_days"] >= THIN_DAYS else "thin"


def _volatility_answer(ctx: DayContext, ev: dict[str, Any], conf: Confidence) -> str:
    text = ""
    if ev["spike_variance_share"] is not None:
        text = (
            f"Today at {ctx.location} spikes ({ev['spike_intervals']} intervals) carried"
            f" {_pct(ev['spike_variance_share'])} of the price variance, negative prices"
            f" ({ev['negative_intervals']}) {_pct(ev['negative_variance_share'])}, ordinary intervals"
            f" {_pct(ev['other_variance_share'])}; the hour from {ev['top_hour_central']:02d}:00 Central carried the"
            f" most ({_pct(ev['top_hour_variance_share'])}). These shares describe today; they are no finding."
        )
    else:
        text = f"Prices at {ctx.location} did not move today."
    if conf.measure == "none":
        return text + f" No interval for the next day is stated: {conf.statement}."
    iv = conf.interval or {}
    return text + (
        f" Forecast: the next study day's standard deviation of price changes lies between {iv['low']:,.2f} and"
        f" {iv['high']:,.2f} $/MWh with probability {conf.value:.2f} (today {ev['volatility_today_usd_per_mwh']:,.2f});"
        " the study report scores how often such intervals hold."
    )


# --------------------------------------------------------------------------- (b) capture


def _named_strategy(ctx: DayContext) -> str | None:
    return named_causal_strategy(
        [*((p.get("strategies") or {}) for p in _earlier_results(ctx)), dict(ctx.simulation_summary)]
    )


def _capture_trigger(ctx: DayContext) -> tuple[bool, str]:
    if "perfect_foresight" not in ctx.simulation_summary:
        return False, "no perfect-foresight result today: capture ratios are undefined"
    name = _named_strategy(ctx)
    if name is None or name not in ctx.simulation_summary:
        return False, "no causal strategy was simulated today"
    return True, f"the next day's capture of {name} is forecast every day and scored once that day's results exist"


def _profit(ctx: DayContext, name: str) -> float:
    summary = ctx.simulation_summary.get(name, {})
    if summary.get("profit_usd") is not None:
        return float(summary["profit_usd"])
    return float(ctx.ledgers[name]["profit_usd"].astype(float).sum())


def _strategy_history(ctx: DayContext, name: str, key: str) -> list[float]:
    return _study_metric_values(ctx, f"strategy.{name}.{key}")


def _capture_evidence(ctx: DayContext) -> dict[str, Any]:
    name = _named_strategy(ctx)
    assert name is not None  # guaranteed by the trigger
    pf_profit = _profit(ctx, "perfect_foresight")
    today: dict[str, Any] = {}
    for other in sorted(k for k in ctx.simulation_summary if k != "perfect_foresight"):
        entry = ctx.simulation_summary[other]
        if not isinstance(entry, Mapping) or entry.get("profit_usd") is None:
            continue
        profit = _profit(ctx, other)
        today[other] = {
            "profit_usd": profit,
            "shortfall_usd": pf_profit - profit,
            "capture_ratio": _finite_or_none(entry.get("capture_ratio")),
            "capture_ratio_vs_pf": _finite_or_none(profit / pf_profit) if pf_profit > 0 else None,
        }
    day = ctx.day.isoformat()
    ratios = _strategy_history(ctx, name, "capture_ratio")
    profits = _strategy_history(ctx, name, "profit")
    hits = sum(1 for p in profits if p > 0)
    probability = frequency_probability(hits, len(profits))
    predictions = [
        Prediction(
            id="profitable_next_day",
            day=day,
            claim=f"{name} makes a profit on the next study day at {ctx.location}",
            probability=probability,
            metric=f"strategy.{name}.profit",
            operator=">",
            threshold=0.0,
            unit="$",
            method=f"Beta(1,1)-binomial posterior mean of {name}'s profitable days over {len(profits)} study day(s)",
            n=len(profits),
            question="capture_next_day",
        ).to_dict()
    ]
    interval = exchangeable_interval(ratios, CLAIM_LEVEL)
    intervals = []
    if interval is not None:
        intervals.append(
            IntervalPrediction(
                id="capture_ratio_next_day",
                day=day,
                claim=f"{name}'s capture ratio on the next study day lies between {interval.low:.2f} and"
                f" {interval.high:.2f}",
                low=interval.low,
                high=interval.high,
                level=interval.level,
                metric=f"strategy.{name}.capture_ratio",
                unit="1",
                method=interval.method,
                n=interval.n,
                question="capture_next_day",
                point=interval.point,
            ).to_dict()
        )
    return {
        "strategy": name,
        "perfect_foresight_profit_usd": pf_profit,
        "spread_top4h_bottom4h_usd_per_mwh": ctx.metrics.get("spread.top4h_bottom4h"),
        "today": today,
        "n_study_days": len(ratios),
        "profitable_days": hits,
        "n_profit_days": len(profits),
        "days_needed_for_interval": exchangeable_min_days(CLAIM_LEVEL),
        "predictions": predictions,
        "interval_predictions": intervals,
    }


def _capture_assess(ctx: DayContext, ev: dict[str, Any]) -> tuple[Confidence, str]:
    pred = ev["predictions"][0]
    claims = [pred["id"]]
    interval = None
    if ev["interval_predictions"]:
        ip = IntervalPrediction.from_dict(ev["interval_predictions"][0])
        interval = _interval_dict(ip, f"the next study day's capture ratio of {ev['strategy']}")
        claims.append(ip.id)
    conf = Confidence(
        method=pred["method"],
        measure="posterior_probability",
        value=pred["probability"],
        statement=f"posterior probability that {pred['claim']}",
        n=pred["n"],
        interval=interval,
        claims=tuple(claims),
    )
    return conf, "adequate" if ev["n_profit_days"] >= THIN_DAYS else "thin"


def _capture_answer(ctx: DayContext, ev: dict[str, Any], conf: Confidence) -> str:
    pf = ev["perfect_foresight_profit_usd"]
    spread = ev["spread_top4h_bottom4h_usd_per_mwh"]
    parts = [
        f"Perfect foresight - the bound, which knows the day - earned {usd(pf)} on a top-4h minus bottom-4h spread"
        " of " + (f"{spread:,.2f} $/MWh." if spread is not None else "(not computable).")
    ]
    for name, e in ev["today"].items():
        ratio = f"{100 * e['capture_ratio']:.0f}% of its bound" if e["capture_ratio"] is not None else "no ratio"
        parts.append(f"{name} earned {usd(e['profit_usd'])} ({ratio}).")
    name = ev["strategy"]
    parts.append(
        f"Forecast for {name} on the next study day: probability {conf.value:.2f} that it makes a profit"
        f" ({ev['profitable_days']} of {ev['n_profit_days']} study day(s) so far were profitable)"
    )
    if conf.interval:
        parts[-1] += (
            f"; its capture ratio lies between {conf.interval['low']:.2f} and {conf.interval['high']:.2f} with"
            f" probability {conf.interval['level']:.2f}."
        )
    else:
        parts[-1] += (
            f"; no capture interval yet ({ev['n_study_days']} day(s), {ev['days_needed_for_interval']} needed for"
            f" {100 * CLAIM_LEVEL:.0f}%)."
        )
    return " ".join(parts)


# --------------------------------------------------------------------------- (c) spread


def _spread_trigger(ctx: DayContext) -> tuple[bool, str]:
    if ctx.metrics.get("spread.top4h_bottom4h") is None:
        return False, "today's top-4h minus bottom-4h spread is not computable (fewer than 8 hours of prices)"
    return True, "the next day's spread is forecast every day and scored once that day's results exist"


def _spread_evidence(ctx: DayContext) -> dict[str, Any]:
    spread_today = float(ctx.metrics["spread.top4h_bottom4h"] or 0.0)  # not None: guaranteed by the trigger
    mean_today = ctx.metrics.get("price.mean")
    if mean_today is None:
        raise ResearchInputError(f"prices: no finite mean price at {ctx.location} on {ctx.day} (metric price.mean)")
    earlier = _earlier_results(ctx)
    prev_spread = [
        v for p in earlier if (v := _finite_or_none(metrics_by_name(p.get("metrics", [])).get("spread.top4h_bottom4h")))
    ]
    prev_mean = [v for p in earlier if (v := _finite_or_none(metrics_by_name(p.get("metrics", [])).get("price.mean")))]
    claim, n_values = _metric_interval_claim(
        ctx,
        claim_id="spread_next_day",
        question="spread_next_day",
        metric="spread.top4h_bottom4h",
        unit="$/MWh",
        what="top-4h minus bottom-4h price spread",
    )
    return {
        "spread_today_usd_per_mwh": spread_today,
        "mean_price_today_usd_per_mwh": mean_today,
        "n_previous": len(prev_spread),
        "spread_percentile": rank_test(spread_today, np.array(prev_spread)).percentile if prev_spread else None,
        "mean_price_percentile": rank_test(float(mean_today), np.array(prev_mean)).percentile if prev_mean else None,
        "previous_regimes": _regime_counts(earlier),
        "n_study_days": n_values,
        "days_needed": persistence_min_days(CLAIM_LEVEL),
        "interval_predictions": [claim.to_dict()] if claim else [],
    }


def _regime_counts(results: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    labels = [str(p["regime"].get("label")) for p in results if isinstance(p.get("regime"), Mapping)]
    return {label: labels.count(label) for label in sorted(set(labels))}


def _spread_assess(ctx: DayContext, ev: dict[str, Any]) -> tuple[Confidence, str]:
    if not ev["interval_predictions"]:
        return _no_claim(
            f"{ev['n_study_days']} study day(s) with a spread; an {100 * CLAIM_LEVEL:.0f}% interval needs"
            f" {ev['days_needed']}",
            ev["n_study_days"],
        ), "none"
    conf = _interval_confidence(ev, "the next study day's top-4h minus bottom-4h spread")
    return conf, "adequate" if ev["n_study_days"] >= THIN_DAYS else "thin"


def _spread_answer(ctx: DayContext, ev: dict[str, Any], conf: Confidence) -> str:
    text = f"Today's top-4h minus bottom-4h spread at {ctx.location} was {ev['spread_today_usd_per_mwh']:,.2f} $/MWh"
    if ev["spread_percentile"] is not None:
        text += (
            f", at the {ev['spread_percentile']:.0f}th percentile of {ev['n_previous']} earlier study day(s); its mean"
            f" price {ev['mean_price_today_usd_per_mwh']:,.2f} $/MWh at the {ev['mean_price_percentile']:.0f}th"
            " (description, not a test)."
        )
    else:
        text += " (first study day)."
    if conf.measure == "none":
        return text + f" No interval for the next day is stated: {conf.statement}."
    iv = conf.interval or {}
    return text + (
        f" Forecast: the next study day's spread lies between {iv['low']:,.2f} and {iv['high']:,.2f} $/MWh with"
        f" probability {conf.value:.2f}."
    )


# --------------------------------------------------------------------------- (d) EnKF interval coverage


def _battery_innovations(ctx: DayContext) -> pd.DataFrame:
    table = check_filtered(ctx.filtered)
    bat = table[table["location"] == ctx.location]
    return bat[np.isfinite(bat["normalized_innovation"].to_numpy(dtype=float))]


def _enkf_trigger(ctx: DayContext) -> tuple[bool, str]:
    if ctx.filtered is None or ctx.filtered.empty or not (ctx.filtered["location"] == ctx.location).any():
        return False, f"no EnKF states at {ctx.location} today"
    n = len(_battery_innovations(ctx))
    if n < 2:
        return False, f"only {n} EnKF one-step forecast(s) at {ctx.location} today"
    return True, f"{n} one-step EnKF intervals at {ctx.location}, each stated before its price"


def _previous_coverage(ctx: DayContext) -> dict[str, Any] | None:
    earlier = _earlier_results(ctx)
    for prev in reversed(earlier):
        for c in prev.get("coverage_claims") or []:
            if c.get("id") == "enkf_one_step_2sigma" and c.get("n"):
                return {"day": prev.get("day"), "coverage": c["n_covered"] / c["n"], "n": c["n"]}
    return None


def _enkf_evidence(ctx: DayContext) -> dict[str, Any]:
    bat = _battery_innovations(ctx)
    ni = np.abs(bat["normalized_innovation"].to_numpy(dtype=float))
    covered = (ni <= ENKF_COVERAGE_SIGMAS).astype(float)
    step_h = interval_hours(pd.DatetimeIndex(bat["interval_start_utc"]))
    block = max(1, round(1.0 / step_h))  # one hour of consecutive intervals
    boot = block_bootstrap(covered, np.mean, n_resamples=ctx.n_resamples, block_length=block, seed=ctx.seed)
    record = CoverageRecord(
        id="enkf_one_step_2sigma",
        day=ctx.day.isoformat(),
        claim=f"each price at {ctx.location} falls within 2 ensemble spreads (observation error included) of the"
        " EnKF's one-step forecast made before it",
        level=ENKF_COVERAGE_LEVEL,
        n=int(ni.size),
        n_covered=int(covered.sum()),
        method="EnKF prior (one-step forecast) predictive distribution, Gaussian in the filter's transformed units",
        question="enkf_interval_coverage",
    )
    errors = (bat["observed"] - bat["mean"]).to_numpy(dtype=float)
    errors = errors[np.isfinite(errors)]
    return {
        "n_forecasts": int(ni.size),
        "n_covered": int(covered.sum()),
        "coverage": float(covered.mean()),
        "coverage_low": _finite_or_none(boot.low),
        "coverage_high": _finite_or_none(boot.high),
        "block_intervals": boot.block_length,
        "n_resamples": ctx.n_resamples,
        "stated_level": ENKF_COVERAGE_LEVEL,
        "previous": _previous_coverage(ctx),
        "analysis_rmse_usd_per_mwh": float(np.sqrt(np.mean(errors**2))) if errors.size else None,
        "anomalies_today_battery": int(np.sum(ni > ctx.settings.anomaly_threshold)),
        "regime_today": ctx.regime.label,
        "coverage_claims": [record.to_dict()],
    }


def _enkf_assess(ctx: DayContext, ev: dict[str, Any]) -> tuple[Confidence, str]:
    conf = Confidence(
        method=f"EnKF one-step forecasts, each stated before its price; today's realised coverage with a moving-block"
        f" bootstrap ({ev['n_resamples']} resamples, blocks of {ev['block_intervals']} intervals = 1 hour)",
        measure="prediction_interval",
        value=ev["stated_level"],
        statement="probability the EnKF stated that each price falls within 2 spreads of its one-step forecast",
        n=ev["n_forecasts"],
        interval={
            "low": ev["coverage_low"],
            "high": ev["coverage_high"],
            "level": 0.95,
            "unit": "share",
            "of": "today's realised coverage of the EnKF's one-step +-2 spread intervals",
        },
        claims=("enkf_one_step_2sigma",),
    )
    return conf, "adequate" if ev["n_forecasts"] >= 48 else "thin"


def _enkf_answer(ctx: DayContext, ev: dict[str, Any], conf: Confidence) -> str:
    text = (
        f"The EnKF stated, before each price at {ctx.location}, a {100 * ev['stated_level']:.1f}% interval (+-2"
        f" spreads); {ev['n_covered']} of {ev['n_forecasts']} prices fell inside ({_pct(ev['coverage'])}, 95% CI"
        f" {_pct(ev['coverage_low'])} to {_pct(ev['coverage_high'])} by hour blocks)."
    )
    low, high = ev["coverage_low"], ev["coverage_high"]
    if high is not None and high < ev["stated_level"]:
        text += " The intervals were too narrow today: the filter is overconfident."
    elif low is not None and low > ev["stated_level"]:
        text += " The intervals were wider than needed today: the filter is underconfident."
    prev = ev["previous"]
    if prev is not None:
        text += f" On {prev['day']} the coverage was {_pct(prev['coverage'])}."
    text += (
        f" Analysis RMSE (after assimilating each price, so not a forecast error):"
        f" {ev['analysis_rmse_usd_per_mwh']:,.2f} $/MWh; {ev['anomalies_today_battery']} innovation(s) beyond"
        f" {ctx.settings.anomaly_threshold:g} spreads on a {ev['regime_today']} day."
        if ev["analysis_rmse_usd_per_mwh"] is not None
        else ""
    )
    return text


# --------------------------------------------------------------------------- (e) next-day outlook


def _outlook_events(ctx: DayContext) -> list[dict[str, Any]]:
    high = ctx.settings.high_price_usd_per_mwh
    spike = ("price.max", ">", high)
    wide = ("spread.top4h_bottom4h", ">", OUTLOOK_SPREAD_USD_PER_MWH)
    return [
        {
            "id": "spike_next_day",
            "claim": f"the next study day has a price above {high:g} $/MWh at {ctx.location}",
            "conditions": (spike,),
            "unit": "$/MWh",
        },
        {
            "id": "wide_spread_next_day",
            "claim": f"the next study day's top-4h minus bottom-4h spread at {ctx.location} exceeds"
            f" {OUTLOOK_SPREAD_USD_PER_MWH:g} $/MWh",
            "conditions": (wide,),
            "unit": "$/MWh",
        },
        {
            "id": "spike_and_wide_spread_next_day",
            "claim": f"the next study day at {ctx.location} has both a price above {high:g} $/MWh and a spread above"
            f" {OUTLOOK_SPREAD_USD_PER_MWH:g} $/MWh",
            "conditions": (spike, wide),
            "unit": "$/MWh",
        },
    ]


def _outlook_trigger(ctx: DayContext) -> tuple[bool, str]:
    return True, "a forecast for the next study days is made every day and scored once their results exist"


def _event_days(ctx: DayContext, conditions: Sequence[tuple[str, str, float]]) -> tuple[int, int]:
    """(days with every condition, days with every metric) over the study up to today."""
    from hayeknet.research.scoring import OPERATORS

    days = [*(metrics_by_name(p.get("metrics", [])) for p in _earlier_results(ctx)), dict(ctx.metrics)]
    hits = n = 0
    for m in days:
        values = [_finite_or_none(m.get(metric)) for metric, _, _ in conditions]
        present = [v for v in values if v is not None]
        if len(present) < len(conditions):
            continue
        n += 1
        hits += all(OPERATORS[op](v, t) for v, (_, op, t) in zip(present, conditions))
    return hits, n


def _outlook_evidence(ctx: DayContext) -> dict[str, Any]:
    day = ctx.day.isoformat()
    predictions = []
    claims = []
    for event in _outlook_events(ctx):
        hits, n = _event_days(ctx, event["conditions"])
        (metric, operator, threshold), *also = event["conditions"]
        prediction = Prediction(
            id=event["id"],
            day=day,
            claim=event["claim"],
            probability=frequency_probability(hits, n),
            metric=metric,
            operator=operator,
            threshold=threshold,
            unit=event["unit"],
            method=f"Beta(1,1)-binomial posterior mean of the frequency over {n} study day(s), days exchangeable"
            " (climatology: no weather or load information)",
            n=n,
            question="next_day_outlook",
            also=tuple(also),
        )
        predictions.append(prediction.to_dict())
        claims.append({"id": event["id"], "days_with_event": hits, "n_days": n, "probability": prediction.probability})
    high = ctx.settings.high_price_usd_per_mwh
    hits, n = _event_days(ctx, [("price.max", ">", high)])
    count = count_interval(hits, n, OUTLOOK_HORIZON_DAYS)
    weekly = IntervalPrediction(
        id="spike_days_next_week",
        day=day,
        claim=f"between {count.low} and {count.high} of the next {OUTLOOK_HORIZON_DAYS} study days have a price"
        f" above {high:g} $/MWh at {ctx.location}",
        low=float(count.low),
        high=float(count.high),
        level=count.mass,
        metric="price.max",
        unit="days",
        method=f"beta-binomial predictive count over {OUTLOOK_HORIZON_DAYS} days from the Beta(1,1) posterior of the"
        f" spike-day frequency over {n} study day(s); the level is the interval's exact predictive mass",
        n=n,
        question="next_day_outlook",
        horizon_days=OUTLOOK_HORIZON_DAYS,
        aggregate="count",
        operator=">",
        threshold=high,
        point=count.mean,
    )
    return {"predictions": predictions, "claims": claims, "interval_predictions": [weekly.to_dict()]}


def _outlook_assess(ctx: DayContext, ev: dict[str, Any]) -> tuple[Confidence, str]:
    first = ev["claims"][0]
    weekly = IntervalPrediction.from_dict(ev["interval_predictions"][0])
    conf = Confidence(
        method="Beta(1,1)-binomial posterior over study days (climatology)",
        measure="posterior_probability",
        value=first["probability"],
        statement=f"posterior probability that {ev['predictions'][0]['claim']}",
        n=first["n_days"],
        interval=_interval_dict(weekly, f"the number of the next {weekly.horizon_days} study days with a spike"),
        claims=(*(p["id"] for p in ev["predictions"]), weekly.id),
    )
    return conf, "adequate" if first["n_days"] >= THIN_DAYS else "thin"


def _outlook_answer(ctx: DayContext, ev: dict[str, Any], conf: Confidence) -> str:
    parts = []
    for pred, claim in zip(ev["predictions"], ev["claims"]):
        parts.append(
            f"Probability that {pred['claim']}: {claim['probability']:.2f} ({claim['days_with_event']} of"
            f" {claim['n_days']} study day(s) so far)."
        )
    weekly = ev["interval_predictions"][0]
    parts.append(f"With probability {weekly['level']:.2f}, {weekly['claim']}.")
    parts.append(
        "These are frequencies, not forecasts from weather or load; each is scored on the study days it is about"
        " (Brier score, interval coverage) so that its calibration can be checked."
    )
    return " ".join(parts)


REGISTRY: tuple[Question, ...] = (
    Question(
        "volatility_next_day",
        "How volatile will the next study day be, and where did today's variance come from?",
        _volatility_trigger,
        _volatility_evidence,
        _volatility_assess,
        _volatility_answer,
    ),
    Question(
        "capture_next_day",
        "What share of the next day's perfect-foresight profit will the named causal strategy capture, and will it"
        " make money?",
        _capture_trigger,
        _capture_evidence,
        _capture_assess,
        _capture_answer,
    ),
    Question(
        "spread_next_day",
        "Where will the next study day's tradeable spread fall, given the study so far?",
        _spread_trigger,
        _spread_evidence,
        _spread_assess,
        _spread_answer,
    ),
    Question(
        "enkf_interval_coverage",
        "Did the EnKF's one-step forecast intervals hold today's prices as often as they said they would?",
        _enkf_trigger,
        _enkf_evidence,
        _enkf_assess,
        _enkf_answer,
    ),
    Question(
        "next_day_outlook",
        "How likely are a price spike and a tradeable spread on the next study day, and how many spike days in the"
        " next week?",
        _outlook_trigger,
        _outlook_evidence,
        _outlook_assess,
        _outlook_answer,
    ),
)


def answer_questions(ctx: DayContext, registry: Sequence[Question] = REGISTRY) -> list[Answer]:
    """Run every question's trigger; answer those that fire. Skipped ones keep their reason."""
    out = []
    for q in registry:
        asked, reason = q.trigger(ctx)
        if not asked:
            out.append(Answer(q.id, q.text, False, reason))
            continue
        evidence = q.evidence(ctx)
        confidence, strength = q.assess(ctx, evidence)
        out.append(
            Answer(q.id, q.text, True, reason, q.answer(ctx, evidence, confidence), evidence, confidence, strength)
        )
    return out


def claims_of(answers: Sequence[Answer]) -> dict[str, list[dict[str, Any]]]:
    """The claims every asked answer made, by kind: ``predictions``, ``interval_predictions``, ``coverage_claims``."""
    out: dict[str, list[dict[str, Any]]] = {"predictions": [], "interval_predictions": [], "coverage_claims": []}
    for a in answers:
        if a.asked:
            for kind in out:
                out[kind] += list(a.evidence.get(kind) or [])
    return out
