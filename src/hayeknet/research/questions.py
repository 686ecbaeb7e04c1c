"""The research questions asked of each day, with evidence and a stated confidence.

A :class:`Question` has an id, a ``trigger`` deciding from the day's evidence
whether it is asked today (returning the reason either way), an ``evidence``
computation (a JSON-ready dict of the numbers behind the answer), an ``assess``
step giving a :class:`Confidence` from a named statistical method, and an
``answer`` writing plain words from the evidence and confidence. Confidence is
never a fixed number: it is a bootstrap probability, a rank-test p-value, or
absent (``measure="none"``) with the reason, when the data cannot support one.

Registry (:data:`REGISTRY`):

* ``volatility_drivers`` - which intervals carried today's price variance;
* ``spread_capture`` - how much of perfect foresight each strategy captured and
  where the shortfall came from;
* ``study_comparison`` - where today sits among the study's earlier days;
* ``enkf_follow_up`` - whether the EnKF forecast improved on yesterday's and
  what became of yesterday's anomaly flags;
* ``next_day_outlook`` - the predictive claims: probabilities that the next
  study day has a price spike and a tradeable spread, stored as
  :class:`~hayeknet.research.scoring.Prediction` records and scored on later
  days by :mod:`hayeknet.research.scoring`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict, cast

import numpy as np
import pandas as pd

from hayeknet.archive.queries import location_column
from hayeknet.params import ResearchParams
from hayeknet.research.errors import ResearchInputError
from hayeknet.research.insights import Regime, check_filtered
from hayeknet.research.metrics import metrics_by_name
from hayeknet.research.prices import (
    CENTRAL,
    asinh_returns,
    split_by_operating_day,
)
from hayeknet.research.resampling import block_bootstrap, rank_test
from hayeknet.research.scoring import Prediction, beta_binomial_probability

THIN_DAYS = 3  # fewer previous days than this: comparisons are reported as thin evidence
MEASURES = ("bootstrap_probability", "p_value", "posterior_probability", "none")


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
    """How sure an answer is, and by which method.

    ``measure`` says what ``value`` is: a bootstrap probability, a p-value, a
    posterior probability, or ``none`` (value None) when no method applies.
    ``statement`` says in words what ``value`` is the probability of.
    ``interval`` is an optional interval estimate ``{low, high, level, unit, of}``.
    """

    method: str
    measure: str
    value: float | None
    statement: str
    n: int
    interval: dict[str, Any] | None = None

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


def _central(ts: pd.Timestamp) -> str:
    return pd.Timestamp(ts).tz_convert(CENTRAL).strftime("%H:%M %Z")


def usd(x: float) -> str:
    """Whole dollars with the sign before the symbol: ``-$1,234`` (NaN as ``n/a``)."""
    if x != x:  # NaN
        return "n/a"
    return f"-${abs(x):,.0f}" if x < 0 else f"${x:,.0f}"


def _bootstrap_method(n_resamples: int, block: int, unit: str) -> str:
    if block > 1:
        return f"moving-block bootstrap, {n_resamples} resamples, blocks of {block} {unit}"
    return f"bootstrap over {unit}, {n_resamples} resamples"


# --------------------------------------------------------------------------- (a) volatility drivers


def _variance_share(rows: np.ndarray) -> float:
    """Share of the sum of squared deviations from the mean carried by member rows (column 1 > 0.5)."""
    values, member = rows[:, 0], rows[:, 1] > 0.5
    dev = (values - values.mean()) ** 2
    total = dev.sum()
    return float(dev[member].sum() / total) if total > 0 else float("nan")


def _excess_variance_share(rows: np.ndarray) -> float:
    """Variance share of member rows minus their share of the time (0 = no concentration)."""
    return _variance_share(rows) - float(np.mean(rows[:, 1] > 0.5))


def _volatility_trigger(ctx: DayContext) -> tuple[bool, str]:
    if ctx.series.size < 3:
        return False, f"only {ctx.series.size} priced intervals today"
    if ctx.regime.label != "calm":
        return True, f"the day is {ctx.regime.label}: {ctx.regime.reasons[0]}"
    previous = _previous_daily_stats(ctx)["volatility"]
    today = ctx.metrics.get("volatility.asinh_return_std")
    if previous and today is not None and today > float(np.median(previous)):
        return True, f"volatility {today:.3f} is above the median of {len(previous)} previous day(s)"
    return False, "calm day with volatility not above the study median"


def _volatility_evidence(ctx: DayContext) -> dict[str, Any]:
    s = ctx.settings
    values = ctx.series.to_numpy(dtype=float)
    spike = values > s.high_price_usd_per_mwh
    negative = values < s.negative_price_usd_per_mwh
    dev = (values - values.mean()) ** 2
    total = float(dev.sum())
    local_hours = ctx.series.index.tz_convert(CENTRAL).hour.to_numpy()
    hour_share = {
        int(h): float(dev[local_hours == h].sum() / total) if total > 0 else 0.0 for h in np.unique(local_hours)
    }
    if spike.any() or negative.any():
        member = spike | negative
        group = "extreme intervals (spikes and negative prices)"
    else:
        top_hour = max(hour_share, key=hour_share.__getitem__)
        member = local_hours == top_hour
        group = f"hour starting {top_hour:02d}:00 Central"
    rows = np.column_stack([values, member.astype(float)])
    boot = block_bootstrap(rows, _excess_variance_share, n_resamples=ctx.n_resamples, block_length=12, seed=ctx.seed)
    # same seed: the same resamples, so the share interval matches the excess one
    share_boot = block_bootstrap(rows, _variance_share, n_resamples=ctx.n_resamples, block_length=12, seed=ctx.seed)
    share = lambda mask: float(dev[mask].sum() / total) if total > 0 else 0.0
    runs = int(np.sum(np.diff(np.r_[0, member.astype(int)]) == 1))
    return {
        "group_runs": runs,
        "group": group,
        "n_intervals": int(values.size),
        "group_intervals": int(member.sum()),
        "group_time_share": float(member.mean()),
        "group_variance_share": share(member),
        "spike_variance_share": share(spike),
        "negative_variance_share": share(negative),
        "other_variance_share": share(~(spike | negative)),
        "spike_intervals": int(spike.sum()),
        "negative_intervals": int(negative.sum()),
        "top_hour_central": int(max(hour_share, key=hour_share.__getitem__)),
        "top_hour_variance_share": float(max(hour_share.values())),
        "group_variance_share_low": _finite_or_none(share_boot.low),
        "group_variance_share_high": _finite_or_none(share_boot.high),
        "excess_share": _finite_or_none(boot.estimate),
        "excess_share_low": _finite_or_none(boot.low),
        "excess_share_high": _finite_or_none(boot.high),
        "probability_excess_positive": _finite_or_none(boot.probability(lambda r: r > 0)),
        "block_length": boot.block_length,
        "n_resamples": boot.n_resamples,
        "price_variance_usd2_per_mwh2": float(values.var(ddof=1)) if values.size > 1 else None,
    }


def _volatility_assess(ctx: DayContext, ev: dict[str, Any]) -> tuple[Confidence, str]:
    if ev["excess_share"] is None:
        return (
            Confidence("none", "none", None, "prices were constant: no variance to attribute", ev["n_intervals"]),
            "none",
        )
    interval = {
        "low": ev["excess_share_low"],
        "high": ev["excess_share_high"],
        "level": 0.95,
        "unit": "share",
        "of": "the group's variance share minus its time share",
    }
    conf = Confidence(
        method=_bootstrap_method(ev["n_resamples"], ev["block_length"], "5-minute intervals")
        + ("" if "extreme" in ev["group"] else "; the hour was chosen on the same data, so this is optimistic"),
        measure="bootstrap_probability",
        value=ev["probability_excess_positive"],
        statement=f"share of resamples in which the {ev['group']} carry more of the variance than of the time",
        n=ev["n_intervals"],
        interval=interval,
    )
    return conf, "adequate" if ev["n_intervals"] >= 144 else "thin"


def _volatility_answer(ctx: DayContext, ev: dict[str, Any], conf: Confidence) -> str:
    if conf.measure == "none":
        return "Prices did not move today, so there is no volatility to explain."
    pct = lambda x: f"{100 * x:.1f}%"
    text = (
        f"The {ev['group']} ({ev['group_intervals']} of {ev['n_intervals']} intervals, {pct(ev['group_time_share'])}"
        f" of the time) carried {pct(ev['group_variance_share'])} of the day's price variance at {ctx.location}"
        f" (95% CI {pct(ev['group_variance_share_low'])} to {pct(ev['group_variance_share_high'])};"
        f" excess over its time share {pct(ev['excess_share_low'])} to {pct(ev['excess_share_high'])})."
    )
    if ev["spike_intervals"] or ev["negative_intervals"]:
        text += (
            f" Spikes contributed {pct(ev['spike_variance_share'])}, negative prices"
            f" {pct(ev['negative_variance_share'])}, ordinary intervals {pct(ev['other_variance_share'])}."
        )
    low = ev["group_variance_share_low"]
    if low is not None and low < 0.5 * ev["group_variance_share"]:
        text += (
            f" The interval is wide because the result rests on {ev['group_runs']} run(s) of intervals:"
            " resamples that miss them see little of it."
        )
    text += f" Probability (bootstrap) that this group really carries more than its time share: {conf.value:.2f}."
    return text


# --------------------------------------------------------------------------- (b) spread capture


def _hourly_profit(ledger: pd.DataFrame) -> pd.Series:
    times = pd.DatetimeIndex(ledger["interval_start_utc"])
    return ledger["profit_usd"].astype(float).groupby(times.floor("1h")).sum()


def _capture_trigger(ctx: DayContext) -> tuple[bool, str]:
    pf = ctx.ledgers.get("perfect_foresight")
    others = [k for k, v in ctx.ledgers.items() if k != "perfect_foresight" and not v.empty]
    if pf is None or pf.empty:
        return False, "no perfect-foresight ledger today"
    if not others:
        return False, "no strategy other than perfect foresight was simulated"
    return True, f"{len(others)} strategy ledger(s) and the perfect-foresight bound are available"


def _primary_strategy(names: Sequence[str]) -> str:
    return "ppo_agent" if "ppo_agent" in names else sorted(names)[0]


def _capture_evidence(ctx: DayContext) -> dict[str, Any]:
    pf_ledger = ctx.ledgers["perfect_foresight"]
    pf_hourly = _hourly_profit(pf_ledger)
    pf_profit = _profit(ctx, "perfect_foresight")
    per_strategy: dict[str, Any] = {}
    for i, name in enumerate(sorted(k for k in ctx.ledgers if k != "perfect_foresight")):
        ledger = ctx.ledgers[name]
        if ledger.empty:
            continue
        hourly = _hourly_profit(ledger)
        joined = pd.concat({"pf": pf_hourly, "s": hourly}, axis=1).fillna(0.0)
        shortfall = (joined["pf"] - joined["s"]).to_numpy(dtype=float)
        n_hours = shortfall.size
        entry: dict[str, Any] = {
            "profit_usd": _profit(ctx, name),
            "shortfall_usd": pf_profit - _profit(ctx, name),
            "capture_ratio": _finite_or_none(_profit(ctx, name) / pf_profit) if pf_profit > 0 else None,
            # the simulate stage's ratio against the bound with the strategy's own final SOC as floor
            "capture_ratio_fair": _finite_or_none(ctx.simulation_summary.get(name, {}).get("capture_ratio")),
            "final_soc_mwh": float(ledger["soc_end_mwh"].iloc[-1]),
            "n_hours": n_hours,
        }
        if n_hours >= 2:
            boot = block_bootstrap(shortfall, np.mean, n_resamples=ctx.n_resamples, block_length=1, seed=ctx.seed + i)
            worst = int(np.argmax(shortfall))
            entry |= {
                "hourly_shortfall_mean_usd": boot.estimate,
                "hourly_shortfall_low_usd": _finite_or_none(boot.low),
                "hourly_shortfall_high_usd": _finite_or_none(boot.high),
                "probability_trails": boot.probability(lambda r: r > 0),
                "worst_hour_start_central": _central(joined.index[worst]),
                "worst_hour_shortfall_usd": float(shortfall[worst]),
                "hours_strategy_ahead": int(np.sum(shortfall < 0)),
            }
        per_strategy[name] = entry
    return {
        "perfect_foresight_profit_usd": pf_profit,
        "spread_top4h_bottom4h_usd_per_mwh": ctx.metrics.get("spread.top4h_bottom4h"),
        "primary": _primary_strategy(list(per_strategy)) if per_strategy else None,
        "n_resamples": ctx.n_resamples,
        "strategies": per_strategy,
    }


def _profit(ctx: DayContext, name: str) -> float:
    summary = ctx.simulation_summary.get(name, {})
    if summary.get("profit_usd") is not None:
        return float(summary["profit_usd"])
    return float(ctx.ledgers[name]["profit_usd"].astype(float).sum())


def _capture_assess(ctx: DayContext, ev: dict[str, Any]) -> tuple[Confidence, str]:
    primary = ev["primary"]
    entry = ev["strategies"].get(primary, {}) if primary else {}
    if "probability_trails" not in entry:
        return Confidence("none", "none", None, "fewer than 2 hours of ledger: no resampling possible", 0), "thin"
    n = entry["n_hours"]
    conf = Confidence(
        method=_bootstrap_method(ev["n_resamples"], 1, "hours") + " of the per-hour profit shortfall",
        measure="bootstrap_probability",
        value=entry["probability_trails"],
        statement=f"share of hour-resamples in which {primary} still trails perfect foresight on average",
        n=n,
        interval={
            "low": entry["hourly_shortfall_low_usd"],
            "high": entry["hourly_shortfall_high_usd"],
            "level": 0.95,
            "unit": "$/h",
            "of": f"the mean per-hour shortfall of {primary} against perfect foresight",
        },
    )
    return conf, "adequate" if n >= 12 else "thin"


def _capture_answer(ctx: DayContext, ev: dict[str, Any], conf: Confidence) -> str:
    pf = ev["perfect_foresight_profit_usd"]
    spread = ev["spread_top4h_bottom4h_usd_per_mwh"]
    parts = [
        f"Perfect foresight earned {usd(pf)} on a top-4h minus bottom-4h spread of "
        + (f"{spread:,.2f} $/MWh." if spread is not None else "(spread not computable).")
    ]
    for name, e in ev["strategies"].items():
        ratio = (
            f"{100 * e['capture_ratio']:.0f}% of the bound" if e["capture_ratio"] is not None else "capture undefined"
        )
        if e.get("capture_ratio_fair") is not None:
            ratio += (
                f"; {100 * e['capture_ratio_fair']:.0f}% of the bound that may also end the day at its final"
                f" SOC of {e['final_soc_mwh']:,.0f} MWh"
            )
        line = f"{name} earned {usd(e['profit_usd'])} ({ratio}), missing {usd(e['shortfall_usd'])}"
        if "hourly_shortfall_mean_usd" in e:
            line += (
                f"; per hour it trailed by {usd(e['hourly_shortfall_mean_usd'])} on average"
                f" (95% CI {usd(e['hourly_shortfall_low_usd'])} to {usd(e['hourly_shortfall_high_usd'])}),"
                f" most in the hour from {e['worst_hour_start_central']} ({usd(e['worst_hour_shortfall_usd'])}),"
                f" and was ahead in {e['hours_strategy_ahead']} of {e['n_hours']} hours"
            )
        parts.append(line + ".")
    if conf.value is not None:
        parts.append(f"Bootstrap probability that {ev['primary']} trails on average per hour: {conf.value:.2f}.")
    return " ".join(parts)


# --------------------------------------------------------------------------- (c) study comparison


class _DailyStats(TypedDict):
    days: list[str]
    mean_price: list[float]
    volatility: list[float]


def _previous_daily_stats(ctx: DayContext) -> _DailyStats:
    """Mean price and asinh-return volatility of each earlier study day at the battery location.

    Taken from ``history_prices`` (operating days before today) when it holds the
    battery location, otherwise from the metrics of ``previous_results``.
    """
    means: list[float] = []
    vols: list[float] = []
    days: list[str] = []
    hist = ctx.history_prices
    if hist is not None and not hist.empty and ctx.location in hist.columns:
        series = location_column(hist, ctx.location, what="history_prices")
        for day, part in sorted(split_by_operating_day(series).items()):
            if day >= ctx.day or part.size < 3:
                continue
            days.append(day.isoformat())
            means.append(float(part.mean()))
            vols.append(float(np.std(asinh_returns(part), ddof=1)))
    else:
        for prev in ctx.previous_results:
            if str(prev.get("day", "")) >= ctx.day.isoformat():
                continue
            m = metrics_by_name(prev.get("metrics", []))
            mean, vol = m.get("price.mean"), m.get("volatility.asinh_return_std")
            if mean is None or vol is None:
                continue
            days.append(str(prev.get("day")))
            means.append(float(mean))
            vols.append(float(vol))
    return {"days": days, "mean_price": means, "volatility": vols}


def _comparison_trigger(ctx: DayContext) -> tuple[bool, str]:
    n = len(_previous_daily_stats(ctx)["days"])
    if n == 0:
        return False, "first day of the study at this location: nothing to compare with"
    return True, f"{n} earlier study day(s) to compare with"


def _comparison_evidence(ctx: DayContext) -> dict[str, Any]:
    prev = _previous_daily_stats(ctx)
    today_mean = ctx.metrics["price.mean"]
    if today_mean is None:
        raise ResearchInputError(f"prices: no finite mean price at {ctx.location} on {ctx.day} (metric price.mean)")
    today_vol = ctx.metrics.get("volatility.asinh_return_std")
    mean_test = rank_test(today_mean, np.array(prev["mean_price"]))
    ev: dict[str, Any] = {
        "previous_days": prev["days"],
        "n_previous": len(prev["days"]),
        "mean_price_today_usd_per_mwh": today_mean,
        "mean_price_previous_usd_per_mwh": prev["mean_price"],
        "mean_price_percentile": mean_test.percentile,
        "mean_price_p_two_sided": mean_test.p_two_sided,
        "min_attainable_p": mean_test.min_attainable_p,
        "volatility_today": today_vol,
        "volatility_previous": prev["volatility"],
    }
    if today_vol is not None:
        vol_test = rank_test(float(today_vol), np.array(prev["volatility"]))
        ev |= {"volatility_percentile": vol_test.percentile, "volatility_p_two_sided": vol_test.p_two_sided}
    regimes = [str(p.get("regime", {}).get("label")) for p in ctx.previous_results if p.get("regime")]
    ev["previous_regimes"] = {label: regimes.count(label) for label in sorted(set(regimes))}
    return ev


def _comparison_assess(ctx: DayContext, ev: dict[str, Any]) -> tuple[Confidence, str]:
    n = ev["n_previous"]
    strength = "thin" if n < THIN_DAYS else "adequate"
    conf = Confidence(
        method="exact rank (permutation) test of today's daily mean price among the study's days,"
        " assuming days are exchangeable",
        measure="p_value",
        value=ev["mean_price_p_two_sided"],
        statement="two-sided p-value of today's mean price being this extreme if days were exchangeable"
        f" (smallest attainable with {n} previous day(s): {ev['min_attainable_p']:.2f})",
        n=n + 1,
        interval=None,
    )
    return conf, strength


def _comparison_answer(ctx: DayContext, ev: dict[str, Any], conf: Confidence) -> str:
    n = ev["n_previous"]
    text = (
        f"Today's mean price at {ctx.location}, {ev['mean_price_today_usd_per_mwh']:,.2f} $/MWh, sits at the"
        f" {ev['mean_price_percentile']:.0f}th percentile of the {n} earlier study day(s)"
        f" (rank test two-sided p = {ev['mean_price_p_two_sided']:.2f})."
    )
    if "volatility_percentile" in ev:
        text += (
            f" Its volatility (asinh return std {ev['volatility_today']:.3f}) is at the"
            f" {ev['volatility_percentile']:.0f}th percentile (p = {ev['volatility_p_two_sided']:.2f})."
        )
    if n < THIN_DAYS:
        text += (
            f" Evidence is thin: with {n} earlier day(s) no result can be significant (smallest attainable p"
            f" = {ev['min_attainable_p']:.2f}); treat the percentile as description, not as a finding."
        )
    elif ev["min_attainable_p"] > 0.05:
        text += (
            f" With {n} earlier days the smallest attainable p is {ev['min_attainable_p']:.2f},"
            " so no 5% test is possible yet."
        )
    return text


# --------------------------------------------------------------------------- (d) EnKF follow-up


def _yesterday(ctx: DayContext) -> Mapping[str, Any] | None:
    earlier = [p for p in ctx.previous_results if str(p.get("day", "")) < ctx.day.isoformat()]
    return max(earlier, key=lambda p: str(p["day"])) if earlier else None


def _enkf_trigger(ctx: DayContext) -> tuple[bool, str]:
    if ctx.filtered is None or ctx.filtered.empty or not (ctx.filtered["location"] == ctx.location).any():
        return False, f"no EnKF states at {ctx.location} today"
    prev = _yesterday(ctx)
    if prev is None:
        return False, "no previous day's results to follow up"
    if metrics_by_name(prev.get("metrics", [])).get("enkf.rmse_battery") is None:
        return False, f"the results of {prev.get('day')} hold no EnKF RMSE at the battery location"
    return True, f"follow-up of {prev.get('day')}'s EnKF forecast and anomaly flags"


def _enkf_evidence(ctx: DayContext) -> dict[str, Any]:
    table = check_filtered(ctx.filtered)
    bat = table[table["location"] == ctx.location]
    errors = (bat["observed"] - bat["mean"]).to_numpy(dtype=float)
    errors = errors[np.isfinite(errors)]
    prev = _yesterday(ctx)
    assert prev is not None  # guaranteed by the trigger
    prev_metrics = metrics_by_name(prev.get("metrics", []))
    rmse_prev = float(cast(float, prev_metrics["enkf.rmse_battery"]))  # not None: guaranteed by the trigger
    rmse = lambda e: float(np.sqrt(np.mean(e**2)))
    ni = np.abs(bat["normalized_innovation"].to_numpy(dtype=float))
    ev: dict[str, Any] = {
        "previous_day": str(prev.get("day")),
        "rmse_today_usd_per_mwh": rmse(errors) if errors.size else None,
        "rmse_previous_usd_per_mwh": rmse_prev,
        "n_observations": int(errors.size),
        "coverage_2sigma": float(np.mean(ni <= 2.0)) if ni.size else None,
        "anomalies_today_battery": int(np.sum(ni > ctx.settings.anomaly_threshold)),
        "anomalies_previous_battery": _finite_or_none(prev_metrics.get("enkf.anomalies_battery")),
        "regime_previous": (prev.get("regime") or {}).get("label"),
        "regime_today": ctx.regime.label,
        "n_resamples": ctx.n_resamples,
    }
    if errors.size >= 2:
        boot = block_bootstrap(errors, rmse, n_resamples=ctx.n_resamples, block_length=12, seed=ctx.seed)
        ev |= {
            "rmse_today_low": boot.low,
            "rmse_today_high": boot.high,
            "block_length": boot.block_length,
            "probability_improved": boot.probability(lambda r: r < rmse_prev),
        }
    return ev


def _enkf_assess(ctx: DayContext, ev: dict[str, Any]) -> tuple[Confidence, str]:
    if "probability_improved" not in ev:
        return Confidence("none", "none", None, "fewer than 2 EnKF observations today", ev["n_observations"]), "thin"
    conf = Confidence(
        method=_bootstrap_method(ev["n_resamples"], ev["block_length"], "5-minute forecast errors")
        + "; yesterday's RMSE taken as fixed",
        measure="bootstrap_probability",
        value=ev["probability_improved"],
        statement="share of resamples in which today's RMSE is below yesterday's",
        n=ev["n_observations"],
        interval={
            "low": ev["rmse_today_low"],
            "high": ev["rmse_today_high"],
            "level": 0.95,
            "unit": "$/MWh",
            "of": "today's EnKF RMSE at the battery location",
        },
    )
    return conf, "adequate" if ev["n_observations"] >= 144 else "thin"


def _enkf_answer(ctx: DayContext, ev: dict[str, Any], conf: Confidence) -> str:
    if conf.measure == "none":
        return f"Too few EnKF observations at {ctx.location} today to compare with {ev['previous_day']}."
    better = "lower" if ev["rmse_today_usd_per_mwh"] < ev["rmse_previous_usd_per_mwh"] else "higher"
    text = (
        f"The EnKF forecast at {ctx.location} had RMSE {ev['rmse_today_usd_per_mwh']:,.2f} $/MWh today"
        f" (95% CI {ev['rmse_today_low']:,.2f} to {ev['rmse_today_high']:,.2f}), {better} than"
        f" {ev['rmse_previous_usd_per_mwh']:,.2f} $/MWh on {ev['previous_day']}; bootstrap probability that"
        f" today's error is lower: {conf.value:.2f}."
    )
    if ev["coverage_2sigma"] is not None:
        text += f" {100 * ev['coverage_2sigma']:.1f}% of observations fell within 2 spreads (95.4% if calibrated)."
    prev_anom = ev["anomalies_previous_battery"]
    if prev_anom is not None:
        followed = ev["regime_today"] != "calm"
        text += (
            f" Yesterday flagged {prev_anom:.0f} anomaly(ies) in a {ev['regime_previous']} day; today was"
            f" {ev['regime_today']} with {ev['anomalies_today_battery']} flag(s)"
            + (
                ", so stress persisted."
                if followed and prev_anom > 0
                else (", so the flags did not foreshadow stress." if prev_anom > 0 else ".")
            )
        )
    return text


# --------------------------------------------------------------------------- (e) next-day outlook

OUTLOOK_SPREAD_USD_PER_MWH = 15.0
"""Spread (top-4h minus bottom-4h, $/MWh) of hypothesis H3; the outlook forecasts days above it."""


def _outlook_events(ctx: DayContext) -> list[dict[str, Any]]:
    high = ctx.settings.high_price_usd_per_mwh
    return [
        {
            "id": "spike_next_day",
            "claim": f"the next study day has a 5-minute price above {high:g} $/MWh at {ctx.location}",
            "metric": "price.max",
            "operator": ">",
            "threshold": high,
            "unit": "$/MWh",
        },
        {
            "id": "wide_spread_next_day",
            "claim": f"the next study day's top-4h minus bottom-4h spread at {ctx.location} exceeds"
            f" {OUTLOOK_SPREAD_USD_PER_MWH:g} $/MWh",
            "metric": "spread.top4h_bottom4h",
            "operator": ">",
            "threshold": OUTLOOK_SPREAD_USD_PER_MWH,
            "unit": "$/MWh",
        },
    ]


def _study_metric_values(ctx: DayContext, metric: str) -> list[float]:
    """The metric on every study day up to and including today (earlier days from their results)."""
    values = []
    for prev in ctx.previous_results:
        if str(prev.get("day", "")) >= ctx.day.isoformat():
            continue
        value = metrics_by_name(prev.get("metrics", [])).get(metric)
        if value is not None:
            values.append(float(value))
    today = ctx.metrics.get(metric)
    if today is not None:
        values.append(float(today))
    return values


def _outlook_trigger(ctx: DayContext) -> tuple[bool, str]:
    return True, "a forecast for the next study day is made every day and scored once that day's results exist"


def _outlook_evidence(ctx: DayContext) -> dict[str, Any]:
    from scipy.stats import beta

    predictions = []
    claims = []
    for event in _outlook_events(ctx):
        values = _study_metric_values(ctx, event["metric"])
        hits = sum(1 for v in values if v > event["threshold"])
        n = len(values)
        probability = beta_binomial_probability(hits, n)
        low, high = beta.ppf([0.05, 0.95], hits + 1, n - hits + 1)
        prediction = Prediction(
            id=event["id"],
            day=ctx.day.isoformat(),
            claim=event["claim"],
            probability=probability,
            metric=event["metric"],
            operator=event["operator"],
            threshold=event["threshold"],
            unit=event["unit"],
            method=f"Beta(1,1)-binomial posterior mean of the frequency over {n} study day(s), days exchangeable"
            " (climatology: no weather or load information)",
            n=n,
        )
        predictions.append(prediction.to_dict())
        claims.append(
            {
                "id": event["id"],
                "days_with_event": hits,
                "n_days": n,
                "probability": probability,
                "frequency_low_90": float(low),
                "frequency_high_90": float(high),
                "today": ctx.metrics.get(event["metric"]),
            }
        )
    return {"predictions": predictions, "claims": claims}


def _outlook_assess(ctx: DayContext, ev: dict[str, Any]) -> tuple[Confidence, str]:
    first = ev["claims"][0]
    conf = Confidence(
        method="Beta(1,1)-binomial posterior over study days (climatology)",
        measure="posterior_probability",
        value=first["probability"],
        statement=f"posterior probability that {ev['predictions'][0]['claim']}",
        n=first["n_days"],
        interval={
            "low": first["frequency_low_90"],
            "high": first["frequency_high_90"],
            "level": 0.9,
            "unit": "probability",
            "of": "the long-run share of study days with a price above the high-price threshold",
        },
    )
    return conf, "adequate" if first["n_days"] >= 10 else "thin"


def _outlook_answer(ctx: DayContext, ev: dict[str, Any], conf: Confidence) -> str:
    parts = []
    for pred, claim in zip(ev["predictions"], ev["claims"]):
        parts.append(
            f"Probability that {pred['claim']}: {claim['probability']:.2f} ({claim['days_with_event']} of"
            f" {claim['n_days']} study day(s) so far; 90% interval of the long-run frequency"
            f" {claim['frequency_low_90']:.2f} to {claim['frequency_high_90']:.2f})."
        )
    parts.append(
        "These are frequencies, not forecasts from weather or load; they are scored (Brier score) on the next"
        " study day so that their calibration can be checked."
    )
    return " ".join(parts)


REGISTRY: tuple[Question, ...] = (
    Question(
        "volatility_drivers",
        "What drove today's price volatility at the battery location?",
        _volatility_trigger,
        _volatility_evidence,
        _volatility_assess,
        _volatility_answer,
    ),
    Question(
        "spread_capture",
        "Did the battery capture the day's spread, and what did each strategy miss against perfect foresight?",
        _capture_trigger,
        _capture_evidence,
        _capture_assess,
        _capture_answer,
    ),
    Question(
        "study_comparison",
        "How does today compare with the study so far?",
        _comparison_trigger,
        _comparison_evidence,
        _comparison_assess,
        _comparison_answer,
    ),
    Question(
        "enkf_follow_up",
        "Were yesterday's EnKF forecast and anomaly flags borne out today?",
        _enkf_trigger,
        _enkf_evidence,
        _enkf_assess,
        _enkf_answer,
    ),
    Question(
        "next_day_outlook",
        "How likely are a price spike and a tradeable spread on the next study day?",
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
