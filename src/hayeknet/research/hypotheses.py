"""The study's hypotheses, tested over every study day so far (updated daily), the day as the unit.

Each test reads the study history: a list of daily results documents (as built
by :func:`hayeknet.research.journal.build_results` and stored in
``artifacts/research/<day>/history.json``), taking metric values from each
document's ``metrics`` list (names of :mod:`hayeknet.research.metrics`) and
strategy totals from its ``strategies`` mapping. **One day is one
observation** in every test: several strategies on the same day share its
prices, so they are compared within the day and the day's comparison is the
observation (never (day, strategy) pairs as if independent). Intervals over
days resample *runs* of days (moving blocks, :func:`~hayeknet.research.resampling.bootstrap_days`),
since weather regimes last several days. Every hypothesis is about a
*causal* strategy (:mod:`hayeknet.research.claims`): perfect foresight knows
the day, so its profit says nothing about a method.

* **H1** *a causal strategy earns more on days the day-ahead market expects
  to be volatile*: Spearman rank correlation between the day's DAM volatility
  (standard deviation of hour-to-hour DAM price changes, ``dam.price_change_std``,
  published the day before) and the named causal strategy's profit that day;
  two-sided permutation p-value (exact for n <= 7 days). Alongside: the DAM
  spread and the previous study day's realised volatility as predictors.
* **H2** *a state-of-charge utilization of 60-80% is the most efficient*: on
  each day, Spearman correlation across the day's causal strategies (each
  with at least 1 MWh discharged) between closeness to the 60-80% band
  (minus the distance of its SOC utilization from the band) and its profit
  per MWh discharged; the effect is the mean of these daily correlations,
  tested by flipping the signs of the daily values (paired over days).
  Alongside: the daily difference in efficiency between strategies inside
  and outside the band, on days with both.
* **H3** *a daily spread above 15 $/MWh is needed for a profitable day*: the
  break-even top-4h minus bottom-4h spread of the named causal strategy, the
  spread at which a least-squares line of its daily profit on spread crosses
  zero; bootstrap interval over days and a one-sided bootstrap test of
  "break-even > 15 $/MWh". The error-minimising threshold between unprofitable
  and profitable days is reported alongside.

**Power** (:mod:`hayeknet.research.power`). Each hypothesis names its smallest
effect of interest and reports the days needed to detect it with power 0.8 at
alpha 0.05, the power at the current n and the smallest effect the current n
detects. A test that finds nothing with fewer days than it needs is
``insufficient data`` (not ``inconclusive``); with fewer than ``min_days``
days every verdict is ``insufficient data``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

from hayeknet.research.claims import NOT_STRATEGIES, is_causal, named_causal_strategy
from hayeknet.research.metrics import metrics_by_name
from hayeknet.research.power import PowerAnalysis, estimator_power, spearman_power
from hayeknet.research.resampling import (
    InsufficientDataError,
    bootstrap_days,
    day_block_length,
    sign_flip_test,
)

if TYPE_CHECKING:
    import pandas as pd

VERDICTS = ("supported", "contradicted", "inconclusive", "insufficient data")
MIN_DAYS = 5
"""Fewer study days than this: every verdict is ``insufficient data``."""
TARGET_BIN = (0.6, 0.8)
UTILIZATION_BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0 + 1e-9)
SPREAD_THRESHOLD_USD_PER_MWH = 15.0
EXACT_PERMUTATION_MAX_N = 7
H1_PREDICTOR = "dam.price_change_std"
"""Day-ahead-predicted volatility: std of hour-to-hour DAM price changes, published the day before."""
VOLATILITY_METRIC = "volatility.price_change_std"
SPREAD_METRIC = "spread.top4h_bottom4h"
MIN_DISCHARGE_MWH = 1.0
"""H2 reads a strategy's efficiency only when it discharged at least this much that day."""

H1_SMALLEST_RHO = 0.4
"""H1's smallest effect of interest: a weaker rank correlation ranks days too poorly to plan the next day by."""
H2_SMALLEST_MEAN_RHO = 0.2
"""H2's smallest effect of interest: the mean within-day rank correlation."""
H3_SMALLEST_DIFFERENCE_USD_PER_MWH = 5.0
"""H3's smallest effect of interest: a break-even spread 5 $/MWh away from 15 $/MWh."""


class HypothesisInputError(ValueError):
    """A study history entry lacks the field a hypothesis test needs."""


@dataclass(frozen=True)
class HypothesisResult:
    """Outcome of one hypothesis test over the study so far.

    ``effect_size`` is in ``effect_unit`` (``effect_name`` says what it is);
    ``ci_low``/``ci_high`` bound its ``ci_level`` bootstrap interval (moving
    blocks of days). ``n`` counts the days the test used (``unit_of_analysis``
    is always ``day``) and ``n_days`` the study days. ``strategy`` is the
    causal strategy the hypothesis is about; ``power`` the power analysis
    (:class:`~hayeknet.research.power.PowerAnalysis`). Numbers are None when
    they cannot be computed; ``verdict`` is one of :data:`VERDICTS` and
    ``summary`` says it in sentences.
    """

    id: str
    name: str
    statement: str
    test: str
    effect_name: str
    effect_unit: str
    effect_size: float | None
    p_value: float | None
    ci_low: float | None
    ci_high: float | None
    ci_level: float
    n: int
    n_days: int
    verdict: str
    summary: str
    details: dict[str, Any] = field(default_factory=dict)
    strategy: str | None = None
    power: PowerAnalysis | None = None
    unit_of_analysis: str = "day"

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "statement": self.statement,
            "test": self.test,
            "effect_name": self.effect_name,
            "effect_unit": self.effect_unit,
            "effect_size": _finite(self.effect_size),
            "p_value": _finite(self.p_value),
            "ci_low": _finite(self.ci_low),
            "ci_high": _finite(self.ci_high),
            "ci_level": self.ci_level,
            "n": int(self.n),
            "n_days": int(self.n_days),
            "verdict": self.verdict,
            "summary": self.summary,
            "details": _jsonable(self.details),
            "strategy": self.strategy,
            "unit_of_analysis": self.unit_of_analysis,
            "power": _jsonable(self.power.to_dict()) if self.power is not None else None,
        }


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return _finite(value)
    return value


# --------------------------------------------------------------------------- history access


@dataclass(frozen=True)
class StudyDay:
    """The numbers of one study day the hypotheses use (from its results document)."""

    day: str
    metrics: Mapping[str, float | None]
    strategies: Mapping[str, Mapping[str, Any]]

    def metric(self, name: str) -> float | None:
        return _finite(self.metrics.get(name))

    def strategy_value(self, strategy: str, key: str) -> float | None:
        return _finite(self.strategies.get(strategy, {}).get(key))


def study_days(history: Sequence[Mapping[str, Any]]) -> list[StudyDay]:
    """One :class:`StudyDay` per distinct day, oldest first (a repeated day keeps its last entry)."""
    by_day: dict[str, StudyDay] = {}
    for i, results in enumerate(history):
        for key in ("day", "metrics"):
            if key not in results:
                raise HypothesisInputError(f"study history entry {i}: missing field {key!r}")
        day = str(results["day"])
        strategies = {
            k: v
            for k, v in (results.get("strategies") or {}).items()
            if k not in NOT_STRATEGIES and isinstance(v, Mapping)
        }
        by_day[day] = StudyDay(day, metrics_by_name(results["metrics"]), strategies)
    return [by_day[d] for d in sorted(by_day)]


def _named_strategy(days: Sequence[StudyDay]) -> str | None:
    return named_causal_strategy(d.strategies for d in days)


def _profit(day: StudyDay, strategy: str) -> float | None:
    value = day.strategy_value(strategy, "profit_usd")
    return value if value is not None else day.metric(f"strategy.{strategy}.profit")


# --------------------------------------------------------------------------- statistics


def _ranks(values: np.ndarray) -> np.ndarray:
    return stats.rankdata(values, axis=-1)


def spearman_rho(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation (average ranks for ties); NaN when either side is constant."""
    rx, ry = _ranks(np.asarray(x, dtype=float)), _ranks(np.asarray(y, dtype=float))
    rx, ry = rx - rx.mean(), ry - ry.mean()
    denom = math.sqrt(float(rx @ rx) * float(ry @ ry))
    return float(rx @ ry / denom) if denom > 0 else float("nan")


def _permutations(n: int, n_resamples: int, seed: int) -> tuple[np.ndarray, bool]:
    """All permutations of ``range(n)`` when n <= 7 (exact test), else ``n_resamples`` random ones."""
    if n <= EXACT_PERMUTATION_MAX_N:
        import itertools

        return np.array(list(itertools.permutations(range(n))), dtype=int), True
    rng = np.random.default_rng(seed)
    return np.argsort(rng.random((n_resamples, n)), axis=1), False


def spearman_permutation_test(
    x: np.ndarray, y: np.ndarray, *, n_resamples: int = 2000, seed: int = 0
) -> tuple[float, float, bool]:
    """``(rho, two-sided p, exact)``: p = share of permutations of ``y`` with ``|rho| >= |observed|``.

    Exact enumeration (the observed order included) when ``n <= 7``; otherwise
    ``(count + 1) / (n_resamples + 1)`` over random permutations.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    rho = spearman_rho(x, y)
    if not math.isfinite(rho):
        return rho, float("nan"), False
    rx, ry = _ranks(x), _ranks(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    denom = math.sqrt(float(rx @ rx) * float(ry @ ry))
    perms, exact = _permutations(x.size, n_resamples, seed)
    perm_rho = (ry[perms] @ rx) / denom
    hits = np.sum(np.abs(perm_rho) >= abs(rho) - 1e-12)
    p = hits / perms.shape[0] if exact else (hits + 1) / (perms.shape[0] + 1)
    return rho, float(min(1.0, p)), exact


def _verdict(
    n: int,
    min_days: int,
    effect: float | None,
    p_for: float | None,
    p_against: float | None,
    alpha: float,
    power: PowerAnalysis | None,
) -> str:
    """Significant in the hypothesis' direction: supported; in the other: contradicted; otherwise inconclusive
    when the test had the days it needs, insufficient data when it did not."""
    if n < min_days or effect is None or p_for is None:
        return "insufficient data"
    if p_for < alpha:
        return "supported"
    if p_against is not None and p_against < alpha:
        return "contradicted"
    if power is None or not power.adequate:
        return "insufficient data"
    return "inconclusive"


def _fmt(x: float | None, spec: str = ".2f") -> str:
    return "n/a" if x is None or not math.isfinite(x) else format(x, spec)


def _small_sample_note(n: int, min_days: int) -> str:
    if n < min_days:
        return f" Only {n} study day(s) (fewer than {min_days}): the numbers are descriptive, not a finding."
    return ""


def _block_note(n: int) -> str:
    return f"moving-block bootstrap over days (blocks of {day_block_length(n)} day(s))"


# --------------------------------------------------------------------------- H1


def _correlation(pairs: Sequence[tuple[float, float]], n_resamples: int, seed: int, level: float) -> dict[str, Any]:
    out: dict[str, Any] = {"n": len(pairs), "rho": None, "p_value": None, "ci_low": None, "ci_high": None}
    out["exact"] = None
    if len(pairs) < 3:
        return out
    data = np.array(pairs, dtype=float)
    rho, p, exact = spearman_permutation_test(data[:, 0], data[:, 1], n_resamples=n_resamples, seed=seed)
    out |= {"rho": _finite(rho), "p_value": _finite(p), "exact": exact}
    if math.isfinite(rho):
        boot = bootstrap_days(
            data, lambda a: spearman_rho(a[:, 0], a[:, 1]), n_resamples=n_resamples, level=level, seed=seed
        )
        out |= {"ci_low": _finite(boot.low), "ci_high": _finite(boot.high), "block_days": boot.block_length}
    return out


def test_predicted_volatility_profit(
    days: Sequence[StudyDay],
    *,
    strategy: str | None = None,
    n_resamples: int = 2000,
    seed: int = 0,
    alpha: float = 0.05,
    min_days: int = MIN_DAYS,
    level: float = 0.95,
) -> HypothesisResult:
    """H1: Spearman correlation of the day's DAM volatility (known the day before) with a causal strategy's profit."""
    strategy = strategy or _named_strategy(days)
    pairs: list[tuple[float, float]] = []
    also: dict[str, Any] = {}
    if strategy is not None:
        for metric in (H1_PREDICTOR, "dam.spread_top4h_bottom4h"):
            found = [(d.metric(metric), _profit(d, strategy)) for d in days]
            clean = [(x, y) for x, y in found if x is not None and y is not None]
            if metric == H1_PREDICTOR:
                pairs = clean
            else:
                also[f"{metric} vs profit"] = _correlation(clean, n_resamples, seed, level)
        lagged = [(a.metric(VOLATILITY_METRIC), _profit(b, strategy)) for a, b in itertools.pairwise(days)]
        also[f"previous day's {VOLATILITY_METRIC} vs profit"] = _correlation(
            [(x, y) for x, y in lagged if x is not None and y is not None], n_resamples, seed, level
        )
    primary = _correlation(pairs, n_resamples, seed, level)
    n = primary["n"]
    power = spearman_power(n, H1_SMALLEST_RHO, alpha=alpha)
    rho, p = primary["rho"], primary["p_value"]
    p_pos = None if p is None else (p if rho is not None and rho > 0 else 1.0)
    p_neg = None if p is None else (p if rho is not None and rho < 0 else 1.0)
    verdict = _verdict(n, min_days, rho, p_pos, p_neg, alpha, power)
    if strategy is None:
        summary = "No causal strategy in the study: H1 is about a causal strategy's profit."
    elif rho is None:
        summary = (
            f"Spearman correlation not computable from {n} day(s) with both the DAM volatility and {strategy}'s"
            " profit (needs 3 non-constant)."
        )
    else:
        summary = (
            f"Across {n} days, rho = {rho:+.2f} between the DAM's hour-to-hour volatility (known the day before)"
            f" and {strategy}'s daily profit ({100 * level:.0f}% CI {_fmt(primary['ci_low'], '+.2f')} to"
            f" {_fmt(primary['ci_high'], '+.2f')}, {_block_note(n)}; permutation p = {_fmt(p, '.3f')}"
            f"{', exact' if primary['exact'] else ''})."
        )
    summary = f"{verdict.capitalize()}. " + summary + power.sentence() + _small_sample_note(len(days), min_days)
    return HypothesisResult(
        id="predicted_volatility_profit",
        name="H1",
        statement="A causal strategy earns more on days the day-ahead market expects to be volatile.",
        test="Spearman rank correlation over days, two-sided permutation test (exact for n <= 7), moving-block"
        " bootstrap CI over days",
        effect_name=f"Spearman rho (DAM hour-to-hour volatility vs {strategy or 'a causal strategy'}'s daily profit)",
        effect_unit="1",
        effect_size=rho,
        p_value=p,
        ci_low=primary["ci_low"],
        ci_high=primary["ci_high"],
        ci_level=level,
        n=n,
        n_days=len(days),
        verdict=verdict,
        summary=summary,
        details={
            "predictor": H1_PREDICTOR,
            "primary": primary,
            "also": also,
            "alpha": alpha,
            "n_resamples": n_resamples,
        },
        strategy=strategy,
        power=power,
    )


# --------------------------------------------------------------------------- H2


def band_distance(utilization: np.ndarray, band: tuple[float, float] = TARGET_BIN) -> np.ndarray:
    """Distance of each SOC utilization from the band ``[low, high]`` (0 inside it)."""
    u = np.asarray(utilization, dtype=float)
    return np.maximum(band[0] - u, 0.0) + np.maximum(u - band[1], 0.0)


def utilization_observations(days: Sequence[StudyDay]) -> list[dict[str, Any]]:
    """(day, causal strategy, SOC utilization, profit per MWh discharged $/MWh) with >= 1 MWh discharged."""
    rows = []
    for d in days:
        for name in sorted(d.strategies):
            if not is_causal(name, d.strategies[name]):
                continue
            util = d.metric(f"strategy.{name}.soc_utilization")
            profit = _profit(d, name)
            discharged = d.strategy_value(name, "discharge_mwh")
            if util is None or profit is None or discharged is None or discharged < MIN_DISCHARGE_MWH:
                continue
            rows.append(
                {
                    "day": d.day,
                    "strategy": name,
                    "soc_utilization": util,
                    "profit_per_mwh_discharged": profit / discharged,
                }
            )
    return rows


def _bin_label(low: float, high: float) -> str:
    return f"{100 * low:.0f}-{min(100.0, 100 * high):.0f}%"


def daily_band_statistics(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per day: the within-day Spearman correlation between closeness to the band and efficiency across the
    day's strategies (None with fewer than 3 strategies or no variation), and the efficiency difference inside
    minus outside the band (None without strategies on both sides)."""
    by_day: dict[str, list[Mapping[str, Any]]] = {}
    for r in rows:
        by_day.setdefault(str(r["day"]), []).append(r)
    out = []
    for day in sorted(by_day):
        group = by_day[day]
        util = np.array([r["soc_utilization"] for r in group], dtype=float)
        eff = np.array([r["profit_per_mwh_discharged"] for r in group], dtype=float)
        closeness = -band_distance(util)
        rho = spearman_rho(closeness, eff) if len(group) >= 3 else float("nan")
        inside = closeness == 0.0
        diff = float(eff[inside].mean() - eff[~inside].mean()) if inside.any() and (~inside).any() else None
        out.append(
            {
                "day": day,
                "n_strategies": len(group),
                "rho": _finite(rho),
                "inside_minus_outside_usd_per_mwh": diff,
                "n_inside": int(inside.sum()),
            }
        )
    return out


def test_soc_utilization(
    days: Sequence[StudyDay],
    *,
    n_resamples: int = 2000,
    seed: int = 0,
    alpha: float = 0.05,
    min_days: int = MIN_DAYS,
    level: float = 0.95,
) -> HypothesisResult:
    """H2: mean over days of the within-day correlation of closeness to 60-80% SOC utilization with efficiency."""
    rows = utilization_observations(days)
    daily = daily_band_statistics(rows)
    rhos = np.array([d["rho"] for d in daily if d["rho"] is not None], dtype=float)
    n = int(rhos.size)
    effect = p_greater = p_less = low_ci = high_ci = sd = None
    exact = None
    if n >= 1:
        effect = float(rhos.mean())
        p_greater, p_less, exact = sign_flip_test(rhos, n_resamples=n_resamples, seed=seed)
    if n >= 2:
        sd = float(rhos.std(ddof=1))
        boot = bootstrap_days(rhos, np.mean, n_resamples=n_resamples, level=level, seed=seed + 1)
        low_ci, high_ci = _finite(boot.low), _finite(boot.high)
    power = estimator_power(
        n,
        None if sd is None or n < 2 else sd / math.sqrt(n),
        H2_SMALLEST_MEAN_RHO,
        effect_unit="1",
        method="one-sided test of a mean of daily values, normal approximation with their standard deviation",
        alpha=alpha,
    )
    diffs = np.array(
        [d["inside_minus_outside_usd_per_mwh"] for d in daily if d["inside_minus_outside_usd_per_mwh"] is not None]
    )
    contrast: dict[str, Any] = {"n_days": int(diffs.size), "mean_usd_per_mwh": None, "p_greater": None}
    if diffs.size:
        g, _, _ = sign_flip_test(diffs, n_resamples=n_resamples, seed=seed + 2)
        contrast |= {"mean_usd_per_mwh": float(diffs.mean()), "p_greater": g}
    bins = []
    util = np.array([r["soc_utilization"] for r in rows], dtype=float)
    eff = np.array([r["profit_per_mwh_discharged"] for r in rows], dtype=float)
    for low, high in itertools.pairwise(UTILIZATION_BINS):
        mask = (util >= low) & (util < high)
        bins.append(
            {
                "bin": _bin_label(low, high),
                "n_strategy_days": int(mask.sum()),
                "mean_profit_per_mwh_discharged": _finite(eff[mask].mean()) if mask.any() else None,
            }
        )
    verdict = _verdict(n, min_days, effect, p_greater, p_less, alpha, power)
    target = _bin_label(*TARGET_BIN)
    if effect is None:
        summary = (
            f"No day with 3 or more causal strategies that discharged and differed in SOC utilization"
            f" ({len(rows)} strategy-day(s) over {len(days)} day(s))."
        )
    else:
        summary = (
            f"Within each of {n} days, the causal strategies whose SOC utilization lay nearer the {target} band earned"
            f" {'more' if effect > 0 else 'less'} per MWh discharged: mean within-day rho {effect:+.2f}"
            f" ({100 * level:.0f}% CI {_fmt(low_ci, '+.2f')} to {_fmt(high_ci, '+.2f')}, {_block_note(n)};"
            f" sign-flip p = {_fmt(p_greater, '.3f')} one-sided{', exact' if exact else ''})."
        )
        if contrast["mean_usd_per_mwh"] is not None:
            summary += (
                f" On the {contrast['n_days']} day(s) with strategies inside and outside the band, inside minus"
                f" outside: {contrast['mean_usd_per_mwh']:+,.2f} $/MWh (p = {_fmt(contrast['p_greater'], '.3f')})."
            )
    summary = f"{verdict.capitalize()}. " + summary + power.sentence() + _small_sample_note(len(days), min_days)
    return HypothesisResult(
        id="soc_utilization_efficiency",
        name="H2",
        statement="A state-of-charge utilization of 60-80% is the most efficient (profit per MWh discharged).",
        test="per day: Spearman rho across causal strategies between closeness of SOC utilization to 60-80% and"
        " profit per MWh discharged; one-sided sign-flip (paired) test of the mean over days; moving-block bootstrap"
        " CI over days",
        effect_name="mean over days of the within-day rank correlation (closeness to 60-80% vs efficiency)",
        effect_unit="1",
        effect_size=effect,
        p_value=p_greater,
        ci_low=low_ci,
        ci_high=high_ci,
        ci_level=level,
        n=n,
        n_days=len(days),
        verdict=verdict,
        summary=summary,
        details={
            "daily": daily,
            "inside_minus_outside": contrast,
            "bins_descriptive": bins,
            "p_value_less": p_less,
            "n_strategy_days": len(rows),
            "min_discharge_mwh": MIN_DISCHARGE_MWH,
            "alpha": alpha,
            "n_resamples": n_resamples,
        },
        power=power,
    )


# --------------------------------------------------------------------------- H3


def break_even_spread(spread: np.ndarray, profit: np.ndarray) -> float:
    """Spread ($/MWh) where the least-squares line of profit ($) on spread crosses zero.

    NaN when the spreads do not vary or the fitted slope is not positive (then
    more spread does not mean more profit and no break-even exists).
    """
    spread, profit = np.asarray(spread, dtype=float), np.asarray(profit, dtype=float)
    if spread.size < 2 or np.ptp(spread) <= 0:
        return float("nan")
    slope, intercept = np.polyfit(spread, profit, 1)
    return float(-intercept / slope) if slope > 0 else float("nan")


def separating_threshold(spread: np.ndarray, profitable: np.ndarray) -> dict[str, Any]:
    """The threshold rule "profitable iff spread > s" with the fewest misclassified days.

    Returns ``threshold`` (midpoint of the best gap; None when all days are of one
    class), ``errors`` and, with a single class, the ``bound`` the data imply.
    """
    order = np.argsort(spread)
    s, y = np.asarray(spread, dtype=float)[order], np.asarray(profitable, dtype=bool)[order]
    if y.all():
        return {"threshold": None, "errors": 0, "bound": f"below {s[0]:.2f} $/MWh (every day profitable)"}
    if not y.any():
        return {"threshold": None, "errors": 0, "bound": f"above {s[-1]:.2f} $/MWh (no day profitable)"}
    best: tuple[int, float] | None = None
    for k in range(s.size + 1):  # days [0, k) predicted unprofitable, [k, n) profitable
        errors = int(np.sum(y[:k]) + np.sum(~y[k:]))
        cut = s[0] - 1.0 if k == 0 else s[-1] + 1.0 if k == s.size else 0.5 * (s[k - 1] + s[k])
        if best is None or errors < best[0]:
            best = (errors, cut)
    assert best is not None
    return {"threshold": best[1], "errors": best[0], "bound": None}


def test_break_even_spread(
    days: Sequence[StudyDay],
    *,
    strategy: str | None = None,
    threshold_usd_per_mwh: float = SPREAD_THRESHOLD_USD_PER_MWH,
    n_resamples: int = 2000,
    seed: int = 0,
    alpha: float = 0.05,
    min_days: int = MIN_DAYS,
    level: float = 0.95,
) -> HypothesisResult:
    """H3: break-even daily spread of a causal strategy (default: the named one) and whether it exceeds 15 $/MWh."""
    strategy = strategy or _named_strategy(days)
    pairs = [(d.metric(SPREAD_METRIC), _profit(d, strategy), d.day) for d in days] if strategy else []
    pairs = [(s, p, day) for s, p, day in pairs if s is not None and p is not None]
    spread = np.array([p[0] for p in pairs], dtype=float)
    profit = np.array([p[1] for p in pairs], dtype=float)
    n = len(pairs)
    estimate = break_even_spread(spread, profit) if n >= 2 else float("nan")
    low = high = p_value = p_below = se = None
    n_valid = 0
    if n >= 3 and math.isfinite(estimate):
        try:
            boot = bootstrap_days(
                np.column_stack([spread, profit]),
                lambda a: break_even_spread(a[:, 0], a[:, 1]),
                n_resamples=n_resamples,
                level=level,
                seed=seed,
            )
        except InsufficientDataError:
            boot = None
        if boot is not None and boot.replicates.size:
            n_valid = int(boot.replicates.size)
            low, high = _finite(boot.low), _finite(boot.high)
            reps = boot.replicates
            p_value = float((np.sum(reps <= threshold_usd_per_mwh) + 1) / (n_valid + 1))
            p_below = float((np.sum(reps >= threshold_usd_per_mwh) + 1) / (n_valid + 1))
            if n_valid >= 2:
                q25, q75 = np.quantile(reps, [0.25, 0.75])
                se = float((q75 - q25) / 1.349)  # robust: a few near-flat resampled slopes give huge break-evens
    power = estimator_power(
        n,
        se,
        H3_SMALLEST_DIFFERENCE_USD_PER_MWH,
        effect_unit="$/MWh",
        method="one-sided test of the break-even spread against 15 $/MWh, normal approximation with the bootstrap"
        " standard error (interquartile range / 1.349)",
        alpha=alpha,
    )
    separation = separating_threshold(spread, profit > 0) if n else {"threshold": None, "errors": 0, "bound": None}
    effect = estimate - threshold_usd_per_mwh if math.isfinite(estimate) else None
    verdict = _verdict(n, min_days, effect, p_value, p_below, alpha, power)
    if verdict == "insufficient data" and effect is None and n >= min_days:
        verdict = "inconclusive"  # enough days, but profit does not rise with spread: no break-even to test
    n_profitable = int(np.sum(profit > 0))
    if strategy is None:
        summary = "No causal strategy in the study: H3 is about a causal strategy's profit."
    elif math.isfinite(estimate):
        summary = (
            f"Break-even top-4h minus bottom-4h spread for {strategy}: {estimate:,.2f} $/MWh ({100 * level:.0f}% CI"
            f" {_fmt(low, ',.2f')} to {_fmt(high, ',.2f')}, {_block_note(n)}; bootstrap one-sided p ="
            f" {_fmt(p_value, '.3f')} for exceeding {threshold_usd_per_mwh:g} $/MWh); {n_profitable} of {n} days"
            " profitable."
        )
        if spread.min() > estimate or estimate > spread.max():
            summary += (
                f" The estimate extrapolates beyond the observed spreads ({spread.min():,.2f} to"
                f" {spread.max():,.2f} $/MWh): only its side of that range is supported by data."
            )
        if n_valid and n_valid < n_resamples:
            summary += f" {n_resamples - n_valid} resample(s) had no positive slope and were dropped."
    else:
        summary = (
            f"No break-even spread for {strategy}: profit does not rise with spread over {n} day(s)"
            f" ({n_profitable} profitable)."
        )
    if separation["threshold"] is not None:
        summary += (
            f" The best threshold rule separates days at {separation['threshold']:,.2f} $/MWh"
            f" with {separation['errors']} misclassified day(s)."
        )
    elif separation["bound"]:
        summary += f" Threshold rule: break-even {separation['bound']}."
    summary = f"{verdict.capitalize()}. " + summary + power.sentence() + _small_sample_note(len(days), min_days)
    return HypothesisResult(
        id="break_even_spread",
        name="H3",
        statement=f"A daily spread above {threshold_usd_per_mwh:g} $/MWh (top-4h minus bottom-4h) is needed for a"
        " profitable day.",
        test="least-squares line of daily profit on spread, break-even = its zero crossing; moving-block bootstrap"
        f" CI over days; one-sided bootstrap test of break-even > {threshold_usd_per_mwh:g} $/MWh",
        effect_name=f"break-even spread of {strategy or 'a causal strategy'} minus {threshold_usd_per_mwh:g} $/MWh",
        effect_unit="$/MWh",
        effect_size=effect,
        p_value=p_value,
        ci_low=None if low is None else low - threshold_usd_per_mwh,
        ci_high=None if high is None else high - threshold_usd_per_mwh,
        ci_level=level,
        n=n,
        n_days=len(days),
        verdict=verdict,
        summary=summary,
        details={
            "threshold_usd_per_mwh": threshold_usd_per_mwh,
            "break_even_usd_per_mwh": _finite(estimate),
            "break_even_low_usd_per_mwh": low,
            "break_even_high_usd_per_mwh": high,
            "p_value_below": p_below,
            "n_valid_resamples": n_valid,
            "n_profitable_days": n_profitable,
            "extrapolated": bool(n and math.isfinite(estimate) and not spread.min() <= estimate <= spread.max()),
            "separating_threshold": separation,
            "days": [{"day": day, "spread_usd_per_mwh": s, "profit_usd": p} for s, p, day in pairs],
            "alpha": alpha,
            "n_resamples": n_resamples,
        },
        strategy=strategy,
        power=power,
    )


HYPOTHESES_TABLE_COLUMNS = [
    "name",
    "statement",
    "strategy",
    "effect",
    "unit",
    "effect_size",
    "ci_low",
    "ci_high",
    "p_value",
    "n",
    "n_days",
    "n_needed",
    "power_at_n",
    "minimum_detectable_effect",
    "verdict",
]


def hypotheses_table(hypotheses: Sequence[HypothesisResult | Mapping[str, Any]]) -> pd.DataFrame:
    """One row per hypothesis (index ``name``): statement, effect with CI, p-value, n, power, verdict.

    Accepts :class:`HypothesisResult` objects or their dicts (``results["hypotheses"]``);
    documents written before schema 1.4.0 have no power (None).
    """
    import pandas as pd

    rows = []
    for h in hypotheses:
        d = h.to_dict() if isinstance(h, HypothesisResult) else dict(h)
        power = d.get("power") or {}
        rows.append(
            {
                "name": d["name"],
                "statement": d["statement"],
                "strategy": d.get("strategy"),
                "effect": d["effect_name"],
                "unit": d["effect_unit"],
                "effect_size": d["effect_size"],
                "ci_low": d["ci_low"],
                "ci_high": d["ci_high"],
                "p_value": d["p_value"],
                "n": d["n"],
                "n_days": d["n_days"],
                "n_needed": power.get("n_needed"),
                "power_at_n": power.get("power_at_n"),
                "minimum_detectable_effect": power.get("minimum_detectable_effect"),
                "verdict": d["verdict"],
            }
        )
    return pd.DataFrame(rows, columns=HYPOTHESES_TABLE_COLUMNS).set_index("name")


def test_hypotheses(
    history: Sequence[Mapping[str, Any]],
    *,
    n_resamples: int = 2000,
    seed: int = 0,
    alpha: float = 0.05,
    min_days: int = MIN_DAYS,
    spread_threshold_usd_per_mwh: float = SPREAD_THRESHOLD_USD_PER_MWH,
    strategy: str | None = None,
) -> list[HypothesisResult]:
    """H1, H2 and H3 over the study history (a list of daily results dicts), in that order.

    ``strategy`` picks the causal strategy of H1 and H3 (default: the one
    present on the most days, :func:`~hayeknet.research.claims.named_causal_strategy`).
    Seeds are fixed, so the same history gives the same results.
    """
    days = study_days(history)
    if strategy is not None and not is_causal(strategy):
        raise HypothesisInputError(f"strategy {strategy!r} is not causal: the hypotheses are about causal strategies")
    common: dict[str, Any] = {"n_resamples": n_resamples, "seed": seed, "alpha": alpha, "min_days": min_days}
    return [
        test_predicted_volatility_profit(days, strategy=strategy, **common),
        test_soc_utilization(days, **common),
        test_break_even_spread(days, strategy=strategy, threshold_usd_per_mwh=spread_threshold_usd_per_mwh, **common),
    ]


# pytest would collect the public ``test_*`` functions of this module if it were imported
# into a test module's namespace under these names; mark them as not tests.
for _f in (test_predicted_volatility_profit, test_soc_utilization, test_break_even_spread, test_hypotheses):
    vars(_f)["__test__"] = False
