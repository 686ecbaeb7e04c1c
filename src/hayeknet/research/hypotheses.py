"""The study's hypotheses, tested over every study day so far (updated daily).

Each test reads the study history: a list of daily results documents (as built
by :func:`hayeknet.research.journal.build_results` and stored in
``artifacts/research/<day>/history.json``), taking metric values from each
document's ``metrics`` list (names of :mod:`hayeknet.research.metrics`) and
strategy totals from its ``strategies`` mapping. A day is one observation
(days are treated as exchangeable; with autocorrelated weather regimes this is
optimistic and the verdicts say so only through their sample size).

* **H1** *volatility is associated with battery profit*: Spearman rank
  correlation between the day's price volatility (standard deviation of
  5-minute price changes, $/MWh) and the perfect-foresight profit ($/day);
  two-sided permutation p-value (exact enumeration for n <= 7 days), percentile
  bootstrap CI over days. The PPO agent's correlation and the asinh-return
  volatility are reported alongside.
* **H2** *a state-of-charge utilization of 60-80 % is the most efficient*: each
  (day, strategy) pair is an observation of SOC utilization (range of SOC
  visited / usable window) and efficiency (net profit per MWh discharged,
  $/MWh). Effect size: mean efficiency in the [0.6, 0.8) bin minus the mean of
  all other observations; one-sided permutation test with the bin labels
  shuffled *within each strategy* (so a strategy that is both efficient and
  always in one bin does not create the effect); bootstrap CI resampling within
  the two groups.
* **H3** *a daily spread above 15 $/MWh is needed for a profitable day*: the
  break-even top-4h minus bottom-4h spread of the primary strategy (PPO agent
  when present), the spread at which a least-squares line of daily profit on
  spread crosses zero; percentile bootstrap CI over days and a one-sided
  bootstrap test of "break-even > 15 $/MWh". The error-minimising threshold
  between unprofitable and profitable days is reported alongside.

Verdicts are words, not only numbers: with fewer than ``min_days`` days a
hypothesis is ``insufficient data`` whatever its p-value, and the numbers are
still reported.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from scipy import stats

from hayeknet.research.metrics import metrics_by_name
from hayeknet.research.resampling import InsufficientDataError, block_bootstrap

if TYPE_CHECKING:
    import pandas as pd

VERDICTS = ("supported", "contradicted", "inconclusive", "insufficient data")
MIN_DAYS = 5
"""Fewer study days than this: every verdict is ``insufficient data``."""
UTILIZATION_BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0 + 1e-9)
TARGET_BIN = (0.6, 0.8)
SPREAD_THRESHOLD_USD_PER_MWH = 15.0
EXACT_PERMUTATION_MAX_N = 7
VOLATILITY_METRIC = "volatility.price_change_std"
NOT_STRATEGIES = frozenset({"market_designs"})
"""Entries of a results document's ``strategies`` mapping that are not strategies."""
SPREAD_METRIC = "spread.top4h_bottom4h"


class HypothesisInputError(ValueError):
    """A study history entry lacks the field a hypothesis test needs."""


@dataclass(frozen=True)
class HypothesisResult:
    """Outcome of one hypothesis test over the study so far.

    ``effect_size`` is in ``effect_unit`` (``effect_name`` says what it is);
    ``ci_low``/``ci_high`` bound its ``ci_level`` percentile bootstrap interval.
    ``n`` counts the observations the test used (days for H1/H3, day-strategy
    pairs for H2) and ``n_days`` the study days. Numbers are None when they
    cannot be computed; ``verdict`` is one of :data:`VERDICTS` and ``summary``
    says it in a sentence.
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


def _primary_strategy(days: Sequence[StudyDay]) -> str | None:
    names = {n for d in days for n in d.strategies}
    for name in ("ppo_agent", "percentile_threshold", "time_of_day"):
        if name in names:
            return name
    others = sorted(n for n in names if n != "perfect_foresight")
    if others:
        return others[0]
    return "perfect_foresight" if "perfect_foresight" in names else None


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


def _verdict_from(
    n_days: int, min_days: int, effect: float | None, p_for: float | None, p_against: float | None, alpha: float
) -> str:
    if n_days < min_days or effect is None or p_for is None:
        return "insufficient data"
    if p_for < alpha:
        return "supported"
    if p_against is not None and p_against < alpha:
        return "contradicted"
    return "inconclusive"


def _fmt(x: float | None, spec: str = ".2f") -> str:
    return "n/a" if x is None or not math.isfinite(x) else format(x, spec)


def _small_sample_note(verdict: str, n_days: int, min_days: int) -> str:
    if n_days < min_days:
        return f" Only {n_days} study day(s) (fewer than {min_days}): the numbers are descriptive, not a finding."
    return ""


# --------------------------------------------------------------------------- H1


def _correlation(
    days: Sequence[StudyDay], vol_metric: str, strategy: str, n_resamples: int, seed: int
) -> dict[str, Any]:
    pairs = [(d.metric(vol_metric), _profit(d, strategy)) for d in days]
    pairs = [(v, p) for v, p in pairs if v is not None and p is not None]
    out: dict[str, Any] = {
        "volatility_metric": vol_metric,
        "strategy": strategy,
        "n": len(pairs),
        "rho": None,
        "p_value": None,
        "ci_low": None,
        "ci_high": None,
        "exact": None,
    }
    if len(pairs) < 3:
        return out
    data = np.array(pairs, dtype=float)
    rho, p, exact = spearman_permutation_test(data[:, 0], data[:, 1], n_resamples=n_resamples, seed=seed)
    out |= {"rho": _finite(rho), "p_value": _finite(p), "exact": exact}
    if math.isfinite(rho):
        boot = block_bootstrap(
            data, lambda a: spearman_rho(a[:, 0], a[:, 1]), n_resamples=n_resamples, block_length=1, seed=seed
        )
        out |= {"ci_low": _finite(boot.low), "ci_high": _finite(boot.high)}
    return out


def test_volatility_profit(
    days: Sequence[StudyDay],
    *,
    n_resamples: int = 2000,
    seed: int = 0,
    alpha: float = 0.05,
    min_days: int = MIN_DAYS,
    level: float = 0.95,
) -> HypothesisResult:
    """H1: Spearman correlation of daily volatility with perfect-foresight profit (agent profit alongside)."""
    primary = _correlation(days, VOLATILITY_METRIC, "perfect_foresight", n_resamples, seed)
    agent = _primary_strategy(days)
    also = {
        "perfect_foresight_asinh_volatility": _correlation(
            days, "volatility.asinh_return_std", "perfect_foresight", n_resamples, seed
        ),
    }
    if agent and agent != "perfect_foresight":
        also[f"{agent}_price_change_volatility"] = _correlation(days, VOLATILITY_METRIC, agent, n_resamples, seed)
    rho, p = primary["rho"], primary["p_value"]
    # two-sided test: a significant negative correlation contradicts the (positive) association
    p_pos = None if p is None else (p if rho is not None and rho > 0 else 1.0)
    p_neg = None if p is None else (p if rho is not None and rho < 0 else 1.0)
    verdict = _verdict_from(len(days), min_days, rho, p_pos, p_neg, alpha)
    if rho is None:
        summary = (
            f"Spearman correlation not computable from {primary['n']} day(s) with both numbers (needs 3 non-constant)."
        )
    else:
        summary = (
            f"Across {primary['n']} days, rho = {rho:+.2f} between the std of 5-minute price changes and the"
            f" perfect-foresight profit (95% CI {_fmt(primary['ci_low'], '+.2f')}"
            f" to {_fmt(primary['ci_high'], '+.2f')},"
            f" permutation p = {_fmt(p, '.3f')}{', exact' if primary['exact'] else ''})."
        )
        agent_entry = also.get(f"{agent}_price_change_volatility")
        if agent_entry and agent_entry["rho"] is not None:
            summary += f" For {agent}: rho = {agent_entry['rho']:+.2f} (p = {_fmt(agent_entry['p_value'], '.3f')})."
    summary = f"{verdict.capitalize()}. " + summary + _small_sample_note(verdict, len(days), min_days)
    return HypothesisResult(
        id="volatility_profit",
        name="H1",
        statement="Price volatility is associated with battery profit.",
        test="Spearman rank correlation, two-sided permutation test over days (exact for n <= 7),"
        " percentile bootstrap CI over days",
        effect_name="Spearman rho (std of 5-minute price changes vs perfect-foresight profit)",
        effect_unit="1",
        effect_size=rho,
        p_value=p,
        ci_low=primary["ci_low"],
        ci_high=primary["ci_high"],
        ci_level=level,
        n=primary["n"],
        n_days=len(days),
        verdict=verdict,
        summary=summary,
        details={"primary": primary, "also": also, "alpha": alpha, "n_resamples": n_resamples},
    )


# --------------------------------------------------------------------------- H2


def utilization_observations(days: Sequence[StudyDay]) -> list[dict[str, Any]]:
    """(day, strategy, SOC utilization, profit per MWh discharged $/MWh) for every pair with throughput."""
    rows = []
    for d in days:
        for name in sorted(d.strategies):
            util = d.metric(f"strategy.{name}.soc_utilization")
            profit = _profit(d, name)
            discharged = d.strategy_value(name, "discharge_mwh")
            if util is None or profit is None or discharged is None or discharged <= 1e-9:
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


def _in_target(util: np.ndarray) -> np.ndarray:
    return (util >= TARGET_BIN[0]) & (util < TARGET_BIN[1])


def _stratified_permutation_p(
    values: np.ndarray, member: np.ndarray, strata: np.ndarray, n_resamples: int, seed: int
) -> tuple[float, float]:
    """One-sided p-values (greater, less) of mean(member) - mean(rest) with labels shuffled within strata."""
    observed = values[member].mean() - values[~member].mean()
    rng = np.random.default_rng(seed)
    diffs = np.empty(n_resamples)
    labels = member.copy()
    groups = [np.flatnonzero(strata == s) for s in np.unique(strata)]
    for b in range(n_resamples):
        for idx in groups:
            labels[idx] = rng.permutation(member[idx])
        diffs[b] = values[labels].mean() - values[~labels].mean()
    p_greater = (np.sum(diffs >= observed - 1e-12) + 1) / (n_resamples + 1)
    p_less = (np.sum(diffs <= observed + 1e-12) + 1) / (n_resamples + 1)
    return float(p_greater), float(p_less)


def test_soc_utilization(
    days: Sequence[StudyDay],
    *,
    n_resamples: int = 2000,
    seed: int = 0,
    alpha: float = 0.05,
    min_days: int = MIN_DAYS,
    level: float = 0.95,
) -> HypothesisResult:
    """H2: profit per MWh discharged in the 60-80 % SOC-utilization bin against all other bins."""
    rows = utilization_observations(days)
    util = np.array([r["soc_utilization"] for r in rows], dtype=float)
    eff = np.array([r["profit_per_mwh_discharged"] for r in rows], dtype=float)
    strata = np.array([r["strategy"] for r in rows], dtype=object)
    bins = []
    for low, high in itertools.pairwise(UTILIZATION_BINS):
        mask = (util >= low) & (util < high)
        bins.append(
            {
                "bin": _bin_label(low, high),
                "low": low,
                "high": min(1.0, high),
                "n": int(mask.sum()),
                "mean_profit_per_mwh_discharged": _finite(eff[mask].mean()) if mask.any() else None,
            }
        )
    member = _in_target(util) if rows else np.zeros(0, dtype=bool)
    n_in, n_out = int(member.sum()), int((~member).sum())
    effect = p_greater = p_less = low_ci = high_ci = None
    if n_in >= 1 and n_out >= 1:
        effect = float(eff[member].mean() - eff[~member].mean())
        p_greater, p_less = _stratified_permutation_p(eff, member, strata, n_resamples, seed)
    if n_in >= 2 and n_out >= 2:
        rng = np.random.default_rng(seed + 1)
        inside, outside = eff[member], eff[~member]
        reps = np.array(
            [
                rng.choice(inside, inside.size).mean() - rng.choice(outside, outside.size).mean()
                for _ in range(n_resamples)
            ]
        )
        alpha_ci = (1 - level) / 2
        low_ci, high_ci = (float(q) for q in np.quantile(reps, [alpha_ci, 1 - alpha_ci]))
    filled = [b for b in bins if b["mean_profit_per_mwh_discharged"] is not None]
    best = max(filled, key=lambda b: cast(float, b["mean_profit_per_mwh_discharged"]))["bin"] if filled else None
    target = _bin_label(*TARGET_BIN)
    verdict = _verdict_from(len(days), min_days, effect, p_greater, p_less, alpha)
    if verdict == "supported" and best != target:
        verdict = "inconclusive"  # better than the rest pooled, but another bin is better still
    if effect is None:
        summary = (
            f"No comparison possible: {n_in} observation(s) in the {target} bin and {n_out} outside"
            f" ({len(rows)} day-strategy pairs with energy discharged)."
        )
    else:
        summary = (
            f"Mean profit per MWh discharged in the {target} SOC-utilization bin minus elsewhere:"
            f" {effect:+,.2f} $/MWh (95% CI {_fmt(low_ci, '+,.2f')} to {_fmt(high_ci, '+,.2f')}; stratified permutation"
            f" one-sided p = {_fmt(p_greater, '.3f')}; {n_in} vs {n_out} day-strategy pairs). Best bin: {best}."
        )
    summary = f"{verdict.capitalize()}. " + summary + _small_sample_note(verdict, len(days), min_days)
    return HypothesisResult(
        id="soc_utilization_efficiency",
        name="H2",
        statement="A state-of-charge utilization of 60-80% is the most efficient (profit per MWh discharged).",
        test="difference in mean profit per MWh discharged (60-80% bin minus the rest), one-sided permutation test"
        " with bin labels shuffled within strategies, bootstrap CI resampling within the two groups",
        effect_name="mean profit per MWh discharged, 60-80% SOC utilization minus other bins",
        effect_unit="$/MWh",
        effect_size=effect,
        p_value=p_greater,
        ci_low=low_ci,
        ci_high=high_ci,
        ci_level=level,
        n=len(rows),
        n_days=len(days),
        verdict=verdict,
        summary=summary,
        details={
            "bins": bins,
            "best_bin": best,
            "n_in_target": n_in,
            "n_outside": n_out,
            "p_value_less": p_less,
            "observations": rows,
            "alpha": alpha,
            "n_resamples": n_resamples,
        },
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
    """H3: break-even daily spread of ``strategy`` (default: the PPO agent) and whether it exceeds 15 $/MWh."""
    strategy = strategy or _primary_strategy(days) or "ppo_agent"
    pairs = [(d.metric(SPREAD_METRIC), _profit(d, strategy), d.day) for d in days]
    pairs = [(s, p, day) for s, p, day in pairs if s is not None and p is not None]
    spread = np.array([p[0] for p in pairs], dtype=float)
    profit = np.array([p[1] for p in pairs], dtype=float)
    n = len(pairs)
    estimate = break_even_spread(spread, profit) if n >= 2 else float("nan")
    low = high = p_value = p_below = None
    n_valid = 0
    if n >= 3 and math.isfinite(estimate):
        try:
            boot = block_bootstrap(
                np.column_stack([spread, profit]),
                lambda a: break_even_spread(a[:, 0], a[:, 1]),
                n_resamples=n_resamples,
                block_length=1,
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
    separation = separating_threshold(spread, profit > 0) if n else {"threshold": None, "errors": 0, "bound": None}
    effect = estimate - threshold_usd_per_mwh if math.isfinite(estimate) else None
    verdict = _verdict_from(len(days), min_days, effect, p_value, p_below, alpha)
    if verdict == "insufficient data" and effect is None and len(days) >= min_days and n >= 3:
        verdict = "inconclusive"  # enough days, but profit does not rise with spread: no break-even to test
    n_profitable = int(np.sum(profit > 0))
    if math.isfinite(estimate):
        summary = (
            f"Break-even top-4h minus bottom-4h spread for {strategy}: {estimate:,.2f} $/MWh (95% CI"
            f" {_fmt(low, ',.2f')} to {_fmt(high, ',.2f')}; bootstrap one-sided p = {_fmt(p_value, '.3f')} for"
            f" exceeding {threshold_usd_per_mwh:g} $/MWh); {n_profitable} of {n} days profitable."
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
    summary = f"{verdict.capitalize()}. " + summary + _small_sample_note(verdict, len(days), min_days)
    return HypothesisResult(
        id="break_even_spread",
        name="H3",
        statement=f"A daily spread above {threshold_usd_per_mwh:g} $/MWh (top-4h minus bottom-4h) is needed for a"
        " profitable day.",
        test="least-squares line of daily profit on spread, break-even = its zero crossing; percentile bootstrap"
        f" CI over days; one-sided bootstrap test of break-even > {threshold_usd_per_mwh:g} $/MWh",
        effect_name=f"break-even spread of {strategy} minus {threshold_usd_per_mwh:g} $/MWh",
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
            "strategy": strategy,
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
    )


def hypotheses_table(hypotheses: Sequence[HypothesisResult | Mapping[str, Any]]) -> pd.DataFrame:
    """One row per hypothesis (index ``name``): statement, test, effect with CI, p-value, n, verdict.

    Accepts :class:`HypothesisResult` objects or their dicts (``results["hypotheses"]``).
    """
    import pandas as pd

    rows = []
    for h in hypotheses:
        d = h.to_dict() if isinstance(h, HypothesisResult) else dict(h)
        rows.append(
            {
                "name": d["name"],
                "statement": d["statement"],
                "effect": d["effect_name"],
                "unit": d["effect_unit"],
                "effect_size": d["effect_size"],
                "ci_low": d["ci_low"],
                "ci_high": d["ci_high"],
                "p_value": d["p_value"],
                "n": d["n"],
                "n_days": d["n_days"],
                "verdict": d["verdict"],
            }
        )
    columns = [
        "name",
        "statement",
        "effect",
        "unit",
        "effect_size",
        "ci_low",
        "ci_high",
        "p_value",
        "n",
        "n_days",
        "verdict",
    ]
    return pd.DataFrame(rows, columns=columns).set_index("name")


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

    ``strategy`` picks H3's strategy (default: PPO agent, else the first
    heuristic). Seeds are fixed, so the same history gives the same results.
    """
    days = study_days(history)
    common: dict[str, Any] = {"n_resamples": n_resamples, "seed": seed, "alpha": alpha, "min_days": min_days}
    return [
        test_volatility_profit(days, **common),
        test_soc_utilization(days, **common),
        test_break_even_spread(days, strategy=strategy, threshold_usd_per_mwh=spread_threshold_usd_per_mwh, **common),
    ]


# pytest would collect the public ``test_*`` functions of this module if it were imported
# into a test module's namespace under these names; mark them as not tests.
for _f in (test_volatility_profit, test_soc_utilization, test_break_even_spread, test_hypotheses):
    vars(_f)["__test__"] = False
