"""Events of one operating day: price spikes, negative-price episodes, EnKF outliers, regime.

Definitions (all on real-time prices at one location, $/MWh; 5-minute SCED or 15-minute settlement point prices):

* A **spike interval** has price strictly above ``high_price_usd_per_mwh``; a
  **negative-price interval** strictly below ``negative_price_usd_per_mwh``.
* An **episode** is a maximal run of consecutive qualifying intervals, where
  consecutive means the next interval starts exactly one interval length later
  (a missing interval or one non-qualifying interval ends the episode).
* An **innovation outlier** is an EnKF observation with
  ``|normalized_innovation| > anomaly_threshold`` (default 4), i.e. an observed
  price more than four predicted standard deviations from the forecast.

Regime rules (:func:`classify_regime`), checked in this order:

1. ``scarcity`` if the day's maximum price reaches ``scarcity_price_usd_per_mwh``
   (default 1000 $/MWh) or the time above the high-price threshold adds up to at
   least ``scarcity_high_hours`` (default 1 h);
2. ``volatile`` if there is at least one spike episode, or negative prices add up
   to at least ``volatile_negative_hours`` (default 1 h), or the standard
   deviation of 5-minute asinh returns reaches ``volatile_return_std``
   (default 0.15, about a 15 % typical move per interval);
3. ``calm`` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hayeknet.assimilation.price_model import FILTERED_COLUMNS
from hayeknet.params import ResearchParams
from hayeknet.research.errors import ResearchInputError
from hayeknet.research.prices import asinh_returns, interval_hours

REGIMES = ("calm", "volatile", "scarcity")


def iso_utc(ts: pd.Timestamp) -> str:
    """ISO 8601 UTC text of a timestamp (``2025-10-02T05:00:00Z``)."""
    return pd.Timestamp(ts).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class PriceEpisode:
    """A run of consecutive spike or negative-price intervals at one location.

    ``end_utc`` is the end of the last interval. ``extreme_price_usd_per_mwh`` is
    the maximum for a spike and the minimum for a negative-price episode.
    """

    kind: str
    location: str
    start_utc: pd.Timestamp
    end_utc: pd.Timestamp
    n_intervals: int
    duration_hours: float
    extreme_price_usd_per_mwh: float
    mean_price_usd_per_mwh: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "location": self.location,
            "start_utc": iso_utc(self.start_utc),
            "end_utc": iso_utc(self.end_utc),
            "n_intervals": self.n_intervals,
            "duration_hours": self.duration_hours,
            "extreme_price_usd_per_mwh": self.extreme_price_usd_per_mwh,
            "mean_price_usd_per_mwh": self.mean_price_usd_per_mwh,
        }


def find_episodes(series: pd.Series, mask: np.ndarray, *, kind: str, location: str) -> list[PriceEpisode]:
    """Group the intervals where ``mask`` holds into episodes of consecutive intervals."""
    series = series.sort_index() if not series.index.is_monotonic_increasing else series
    mask = np.asarray(mask, dtype=bool)
    if mask.shape[0] != len(series):
        raise ResearchInputError(f"episode mask has {mask.shape[0]} rows, series {len(series)}")
    if not mask.any():
        return []
    step_ns = round(interval_hours(series.index) * 3.6e12)
    times = pd.DatetimeIndex(series.index).as_unit("ns").asi8
    values = series.to_numpy(dtype=float)
    positions = np.flatnonzero(mask)
    # a new episode starts where the previous qualifying interval is not exactly one step earlier
    breaks = np.ones(positions.size, dtype=bool)
    breaks[1:] = (np.diff(positions) != 1) | (np.diff(times[positions]) != step_ns)
    starts = np.flatnonzero(breaks)
    ends = np.append(starts[1:], positions.size)
    episodes = []
    for a, b in zip(starts, ends):
        pos = positions[a:b]
        vals = values[pos]
        if kind == "spike":
            extreme = float(vals.max())
        elif kind == "congestion":  # the basis of largest magnitude, with its sign
            extreme = float(vals[np.argmax(np.abs(vals))])
        else:
            extreme = float(vals.min())
        episodes.append(
            PriceEpisode(
                kind=kind,
                location=location,
                start_utc=series.index[pos[0]],
                end_utc=series.index[pos[-1]] + pd.Timedelta(step_ns, unit="ns"),
                n_intervals=int(pos.size),
                duration_hours=float(pos.size * step_ns / 3.6e12),
                extreme_price_usd_per_mwh=extreme,
                mean_price_usd_per_mwh=float(vals.mean()),
            )
        )
    return episodes


def spike_episodes(series: pd.Series, settings: ResearchParams, location: str) -> list[PriceEpisode]:
    """Episodes of prices strictly above the high-price threshold."""
    mask = series.to_numpy(dtype=float) > settings.high_price_usd_per_mwh
    return find_episodes(series, mask, kind="spike", location=location)


def negative_price_episodes(series: pd.Series, settings: ResearchParams, location: str) -> list[PriceEpisode]:
    """Episodes of prices strictly below the negative-price threshold."""
    mask = series.to_numpy(dtype=float) < settings.negative_price_usd_per_mwh
    return find_episodes(series, mask, kind="negative_price", location=location)


def congestion_events(prices: pd.DataFrame, congestion_usd_per_mwh: float, limit: int = 50) -> list[PriceEpisode]:
    """Episodes where a settlement point's basis to the hub reference exceeds the congestion threshold.

    Basis = node price - hub reference price ($/MWh; ``HB_HUBAVG`` or the mean of
    the hubs, see :func:`hayeknet.research.prices.hub_reference`); an episode is a
    run of consecutive real-time intervals with |basis| > ``congestion_usd_per_mwh``.
    For these episodes ``extreme_price_usd_per_mwh`` is the basis of largest
    magnitude (signed) and ``mean_price_usd_per_mwh`` the mean basis. Hubs are
    skipped. The ``limit`` longest episodes are returned, longest first.
    """
    from hayeknet.research.prices import hub_reference

    ref = hub_reference(prices)
    if ref is None:
        return []
    _, hub = ref
    events: list[PriceEpisode] = []
    for location in prices.columns:
        if str(location).startswith("HB_"):
            continue
        basis = (prices[location].astype(float) - hub).dropna()
        if basis.empty:
            continue
        mask = np.abs(basis.to_numpy(dtype=float)) > congestion_usd_per_mwh
        events += find_episodes(basis, mask, kind="congestion", location=str(location))
    events.sort(key=lambda e: (-e.n_intervals, -abs(e.extreme_price_usd_per_mwh), e.location))
    return events[:limit]


@dataclass(frozen=True)
class InnovationOutlier:
    """An EnKF observation far outside its forecast ($/MWh; normalized innovation dimensionless)."""

    interval_start_utc: pd.Timestamp
    location: str
    observed_usd_per_mwh: float
    forecast_mean_usd_per_mwh: float
    spread_usd_per_mwh: float
    normalized_innovation: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "interval_start_utc": iso_utc(self.interval_start_utc),
            "location": self.location,
            "observed_usd_per_mwh": self.observed_usd_per_mwh,
            "forecast_mean_usd_per_mwh": self.forecast_mean_usd_per_mwh,
            "spread_usd_per_mwh": self.spread_usd_per_mwh,
            "normalized_innovation": self.normalized_innovation,
        }


def check_filtered(filtered: pd.DataFrame) -> pd.DataFrame:
    """Check the EnKF long table has the contract's columns; return it sorted."""
    missing = [c for c in FILTERED_COLUMNS if c not in filtered.columns]
    if missing:
        raise ResearchInputError(f"filtered states: missing column(s) {', '.join(missing)}")
    return filtered.sort_values(["interval_start_utc", "location"], kind="stable")


def innovation_outliers(filtered: pd.DataFrame, threshold: float = 4.0) -> list[InnovationOutlier]:
    """Observations with ``|normalized_innovation| > threshold``, largest first."""
    if filtered.empty:
        return []
    table = check_filtered(filtered)
    ni = table["normalized_innovation"].to_numpy(dtype=float)
    hits = table[np.abs(ni) > threshold]
    hits = hits.iloc[np.argsort(-np.abs(hits["normalized_innovation"].to_numpy(dtype=float)), kind="stable")]
    return [
        InnovationOutlier(
            interval_start_utc=pd.Timestamp(row.interval_start_utc),
            location=str(row.location),
            observed_usd_per_mwh=float(row.observed),
            forecast_mean_usd_per_mwh=float(row.mean),
            spread_usd_per_mwh=float(row.spread),
            normalized_innovation=float(row.normalized_innovation),
        )
        for row in hits.itertuples(index=False)
    ]


@dataclass(frozen=True)
class Regime:
    """The day's regime label with the rule that fired and the numbers it used."""

    label: str
    reasons: tuple[str, ...]
    evidence: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "reasons": list(self.reasons), "evidence": dict(self.evidence)}


def classify_regime(series: pd.Series, settings: ResearchParams) -> Regime:
    """Label the day ``calm``, ``volatile`` or ``scarcity`` by the module's documented rules."""
    values = series.to_numpy(dtype=float)
    if values.size == 0:
        raise ResearchInputError("regime: the battery location has no prices this day")
    dt_h = interval_hours(series.index)
    max_price = float(values.max())
    high_hours = float(np.sum(values > settings.high_price_usd_per_mwh) * dt_h)
    negative_hours = float(np.sum(values < settings.negative_price_usd_per_mwh) * dt_h)
    returns = asinh_returns(series)
    return_std = float(np.std(returns, ddof=1)) if returns.size >= 2 else 0.0
    n_spikes = len(spike_episodes(series, settings, str(series.name)))
    evidence = {
        "max_price_usd_per_mwh": max_price,
        "hours_above_high_price": high_hours,
        "hours_below_negative_price": negative_hours,
        "asinh_return_std": return_std,
        "spike_episodes": float(n_spikes),
    }
    scarcity = []
    if max_price >= settings.scarcity_price_usd_per_mwh:
        scarcity.append(f"maximum price {max_price:,.2f} $/MWh >= {settings.scarcity_price_usd_per_mwh:,.0f} $/MWh")
    if high_hours >= settings.scarcity_high_hours:
        scarcity.append(
            f"{high_hours:.2f} h above {settings.high_price_usd_per_mwh:,.0f} $/MWh"
            f" >= {settings.scarcity_high_hours:g} h"
        )
    if scarcity:
        return Regime("scarcity", tuple(scarcity), evidence)
    volatile = []
    if n_spikes:
        volatile.append(f"{n_spikes} spike episode(s) above {settings.high_price_usd_per_mwh:,.0f} $/MWh")
    if negative_hours >= settings.volatile_negative_hours:
        volatile.append(
            f"{negative_hours:.2f} h below {settings.negative_price_usd_per_mwh:,.0f} $/MWh"
            f" >= {settings.volatile_negative_hours:g} h"
        )
    if return_std >= settings.volatile_return_std:
        volatile.append(f"interval asinh return std {return_std:.3f} >= {settings.volatile_return_std:g}")
    if volatile:
        return Regime("volatile", tuple(volatile), evidence)
    return Regime(
        "calm",
        (
            f"no spike, {negative_hours:.2f} h of negative prices and asinh return std"
            f" {return_std:.3f} below {settings.volatile_return_std:g}",
        ),
        evidence,
    )
