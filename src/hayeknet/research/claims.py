"""How the research makes claims that later days can prove wrong (ADR 0016).

The Q&A (:mod:`hayeknet.research.questions`) states its confidence only as
claims about what has not happened yet, each settled on later study days by
:mod:`hayeknet.research.scoring`:

* :func:`frequency_probability` - the probability of an event on the next
  study day from its frequency over the study so far (Beta(1, 1)-binomial
  posterior mean: climatology, no weather or load information);
* :func:`count_interval` - an interval for the number of the next ``horizon``
  study days with the event, from the same posterior (beta-binomial
  predictive); its stated level is the interval's exact predictive mass;
* :func:`persistence_interval` - an interval for a positive metric of the next
  study day: today's value, widened by the split-conformal quantile of past
  day-to-day changes of ``asinh(metric)`` (finite-sample coverage when the
  changes are exchangeable);
* :func:`exchangeable_interval` - an interval for a metric of the next study day
  from the order statistics of its past values (coverage ``(n + 1 - 2k) /
  (n + 1)`` when days are exchangeable).

:func:`causal_strategies` and :func:`named_causal_strategy` pick the
strategies a claim or a hypothesis may be about: never perfect foresight
(an upper bound that knows the day, ADR 0005), and any strategy whose
summary entry says ``causal: false``; unknown names are causal.

:func:`coherence_across_sources` gathers the next day's beliefs of separate
sources (the beliefs model, its history frequency, the DAM, the Q&A) into
the Dutch-book check of :mod:`hayeknet.beliefs.cross_coherence`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hayeknet.research.resampling import conformal_halfwidth, conformal_min_n

CLAIM_LEVEL = 0.8
"""Stated probability of the research's prediction intervals: 80% so that 60 days can show miscalibration."""

NON_CAUSAL_STRATEGIES = frozenset({"perfect_foresight"})
"""Strategies that see the realised day: bounds, never the subject of a claim or a hypothesis."""

NOT_STRATEGIES = frozenset({"market_designs"})
"""Entries of a results document's ``strategies`` mapping that are not strategies."""

CAUSAL_PREFERENCE: tuple[str, ...] = (
    "ppo_agent",
    "mpc_dam",
    "dam_schedule",
    "mpc_beliefs",
    "mpc_enkf",
    "percentile_threshold",
    "time_of_day",
    "mpc_naive",
)
"""Order in which a named causal strategy is chosen among those present equally often (others follow by name)."""


def is_causal(name: str, entry: Mapping[str, Any] | None = None) -> bool:
    """Whether strategy ``name`` decides from information published before each interval.

    Perfect foresight is not; neither is any strategy whose summary entry
    carries ``causal: false``. Any other name - including ones this module has
    never heard of - is taken as causal.
    """
    if name in NON_CAUSAL_STRATEGIES or name in NOT_STRATEGIES:
        return False
    return not (entry is not None and entry.get("causal") is False)


def causal_strategies(strategies: Mapping[str, Any]) -> list[str]:
    """The causal strategies of one day's ``strategies`` mapping, sorted by name."""
    return sorted(
        name
        for name, entry in strategies.items()
        if isinstance(entry, Mapping) and is_causal(name, entry) and not entry.get("not_run")
    )


def _preference(name: str) -> tuple[int, str]:
    return (CAUSAL_PREFERENCE.index(name) if name in CAUSAL_PREFERENCE else len(CAUSAL_PREFERENCE), name)


def named_causal_strategy(days: Iterable[Mapping[str, Any]]) -> str | None:
    """The causal strategy present on the most days (ties: :data:`CAUSAL_PREFERENCE`, then by name).

    ``days`` are ``strategies`` mappings, one per day. None when no causal
    strategy was simulated.
    """
    counts: dict[str, int] = {}
    for strategies in days:
        for name in causal_strategies(strategies):
            counts[name] = counts.get(name, 0) + 1
    if not counts:
        return None
    return min(counts, key=lambda n: (-counts[n], *_preference(n)))


# --------------------------------------------------------------------------- probability and count claims


def frequency_probability(hits: int, n: int) -> float:
    """Beta(1, 1)-binomial posterior mean of an event's frequency: ``(hits + 1) / (n + 2)``."""
    if n < 0 or not 0 <= hits <= n:
        raise ValueError(f"need 0 <= hits <= n, got {hits} of {n}")
    return (hits + 1.0) / (n + 2.0)


@dataclass(frozen=True)
class CountInterval:
    """Central interval ``[low, high]`` of the event count over ``horizon`` days and its exact mass."""

    low: int
    high: int
    mass: float
    mean: float
    horizon: int


def count_interval(hits: int, n: int, horizon: int, level: float = CLAIM_LEVEL) -> CountInterval:
    """Beta-binomial predictive interval of the number of the next ``horizon`` days with the event.

    The event's daily frequency has the Beta(hits + 1, n - hits + 1) posterior;
    the count over ``horizon`` exchangeable days is then beta-binomial. The
    interval runs from its ``(1 - level) / 2`` to its ``(1 + level) / 2``
    quantile; ``mass`` is the exact predictive probability of the interval
    (at least ``level``, as counts are discrete) and is the level the claim states.
    """
    from scipy.stats import betabinom

    if horizon < 1:
        raise ValueError(f"horizon must be >= 1, got {horizon}")
    dist = betabinom(horizon, hits + 1, n - hits + 1)
    tail = (1.0 - level) / 2.0
    low, high = int(dist.ppf(tail)), int(dist.ppf(1.0 - tail))
    mass = float(dist.cdf(high) - (dist.cdf(low - 1) if low > 0 else 0.0))
    return CountInterval(low, high, min(mass, 1.0), float(dist.mean()), horizon)


# --------------------------------------------------------------------------- intervals for a metric


@dataclass(frozen=True)
class MetricInterval:
    """A prediction interval for a metric of the next study day, how it was made and from how many days."""

    low: float
    high: float
    level: float
    point: float
    n: int
    method: str


def persistence_interval(
    values: Sequence[float], level: float = CLAIM_LEVEL, *, lower_bound: float | None = None
) -> MetricInterval | None:
    """Prediction interval for the next value of a day-level series from today's (last) value.

    ``values`` are the metric on consecutive study days, oldest first, today
    last. The forecast is today's value (persistence); its errors on earlier
    days are the changes ``asinh(v[i+1]) - asinh(v[i])`` (asinh: a log that
    takes zero and negative values), and the interval is today's value plus
    and minus their split-conformal quantile, back-transformed. None when
    fewer than :func:`~hayeknet.research.resampling.conformal_min_n` changes
    exist (no finite interval at ``level``). ``lower_bound``: the metric's
    smallest possible value (0 for a standard deviation or a spread); the
    interval is cut there, which cannot lower its coverage.
    """
    v = np.asarray([x for x in values if x is not None and math.isfinite(x)], dtype=float)
    if v.size < 2:
        return None
    errors = np.diff(np.arcsinh(v))
    half = conformal_halfwidth(errors, level)
    if half is None:
        return None
    today = float(np.arcsinh(v[-1]))
    low = float(np.sinh(today - half))
    return MetricInterval(
        low=low if lower_bound is None else max(low, lower_bound),
        high=float(np.sinh(today + half)),
        level=level,
        point=float(v[-1]),
        n=int(errors.size),
        method=f"persistence (today's value) with the split-conformal {100 * level:.0f}% quantile of"
        f" {errors.size} past day-to-day changes of asinh(value); exchangeable changes assumed",
    )


def persistence_min_days(level: float = CLAIM_LEVEL) -> int:
    """Study days (today included) :func:`persistence_interval` needs at ``level``."""
    return conformal_min_n(level) + 1


def exchangeable_interval(values: Sequence[float], level: float = CLAIM_LEVEL) -> MetricInterval | None:
    """Prediction interval for the next day's value from the order statistics of past days' values.

    With ``n`` exchangeable past values, ``[v_(k), v_(n+1-k)]`` holds the next
    one with probability ``(n + 1 - 2k) / (n + 1)``; ``k`` is the largest with
    that probability at least ``level`` and the interval states exactly that
    probability. None when even ``k = 1`` falls short (fewer than
    ``2 / (1 - level) - 1`` days).
    """
    v = np.sort(np.asarray([x for x in values if x is not None and math.isfinite(x)], dtype=float))
    n = v.size
    k = math.floor((n + 1) * (1.0 - level) / 2.0 + 1e-9)
    if k < 1:
        return None
    stated = (n + 1 - 2 * k) / (n + 1)
    return MetricInterval(
        low=float(v[k - 1]),
        high=float(v[n - k]),
        level=stated,
        point=float(np.median(v)),
        n=n,
        method=f"order statistics {k} and {n + 1 - k} of {n} past days' values (exchangeable days: the next"
        f" value falls between them with probability {stated:.3f})",
    )


def exchangeable_min_days(level: float = CLAIM_LEVEL) -> int:
    """Past days :func:`exchangeable_interval` needs at ``level``."""
    n = 1
    while math.floor((n + 1) * (1.0 - level) / 2.0 + 1e-9) < 1:
        n += 1
    return n


# --------------------------------------------------------------------------- coherence across sources

QA_EVENTS = {
    "spike_next_day": "S",
    "wide_spread_next_day": "W",
    "spike_and_wide_spread_next_day": "SW",
}
"""The Q&A's outlook claims as events of :mod:`hayeknet.beliefs.cross_coherence`."""


def coherence_across_sources(
    beliefs: Mapping[str, Any] | None,
    predictions: Sequence[Mapping[str, Any]],
    high_price_usd_per_mwh: float,
    next_day: str | None = None,
) -> dict[str, Any]:
    """The Dutch-book check of the next day's beliefs from every source the day has (ADR 0016).

    ``beliefs``: the results' ``beliefs`` block (``next_day``, ``climatology``,
    ``thresholds_usd_per_mwh``, ``dam_implied``), None when no beliefs were
    stated; ``predictions``: the day's probability predictions (the Q&A's
    outlook, about the next study day); ``next_day``: the calendar day after
    the research day (ISO), to note beliefs about another day. Returns
    :meth:`~hayeknet.beliefs.cross_coherence.CrossCoherence.to_dict` plus
    ``sources_missing`` (source -> why) and ``notes``.
    """
    from hayeknet.beliefs.cross_coherence import DEFAULT_IMPLICATIONS, Statement, beliefs_statements, check_statements

    statements: list[Statement] = []
    missing: dict[str, str] = {
        "enkf": "the EnKF filters the day's prices as they come; it states no probability about the next day"
    }
    notes: list[str] = []
    implications = DEFAULT_IMPLICATIONS
    if beliefs:
        statements += beliefs_statements(beliefs)
        stated_high = (beliefs.get("thresholds_usd_per_mwh") or {}).get("high_price")
        if stated_high is not None and float(stated_high) != float(high_price_usd_per_mwh):
            implications = ()
            notes.append(
                f"the beliefs' high price ({float(stated_high):g} $/MWh) is not the Q&A's ({high_price_usd_per_mwh:g}"
                " $/MWh): A => S is not imposed"
            )
        about = beliefs.get("forecast_day")
        if next_day is not None and about is not None and str(about) != next_day:
            notes.append(f"the beliefs are about {about}, the Q&A's claims about the next study day")
        dam = beliefs.get("dam_implied") or {}
        if dam.get("high_price") is not None:
            statements.append(
                Statement(
                    "dam",
                    "A",
                    float(dam["high_price"]),
                    f"share of the next day's intervals whose DAM price is above the threshold ({dam.get('source')})",
                )
            )
        else:
            missing["dam"] = str(dam.get("reason") or "no day-ahead price path for the next day in the beliefs")
        if not (beliefs.get("climatology") or {}):
            missing["history_frequency"] = "the beliefs carry no history frequency"
    else:
        for source in ("pymc", "history_frequency", "dam"):
            missing[source] = "no beliefs were stated about the next day"
    for p in predictions:
        event = QA_EVENTS.get(str(p.get("id")))
        if event is not None:
            statements.append(Statement("qa", event, float(p["probability"]), str(p.get("claim", ""))))
    if not any(s.source == "qa" for s in statements):
        missing["qa"] = "the Q&A stated no outlook"
    out = check_statements(statements, implications).to_dict()
    out["sources_missing"] = missing
    out["notes"] = notes
    return out
