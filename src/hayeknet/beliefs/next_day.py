"""Beliefs about the next day: fit on recent days, state next-day and next-hour event probabilities.

:func:`run_beliefs_day` takes the normalized archive tables of the last
``history_days`` days before ``day_to_predict``, fits the heavy-tailed model of
:mod:`hayeknet.beliefs.model`, simulates posterior predictive paths of the
predicted day and states the probabilities of the three events
(:mod:`hayeknet.beliefs.events`: ``A`` high price, ``B`` imbalance, ``C``
congestion), of each pair and of the triple:

* **next day** — ``P(event holds in a uniformly random 5-minute interval of the
  day)``, i.e. the expected fraction of the day's intervals with the event;
  joints hold in the *same* interval;
* **hourly** — for each hour of the day, ``P(event holds in at least one
  interval of the hour)``; a joint such as ``AB`` means "A somewhere in the hour
  and B somewhere in the hour";
* **next hour** — the hourly probabilities of the day's first hour (the hour
  right after the history ends when it ends at midnight).

Every probability is a frequency over the *same* predictive paths, so each set
is coherent by construction; :func:`hayeknet.beliefs.coherence.check_coherence`
confirms it and the result records the check. The check that can fail is
across sources (:mod:`hayeknet.beliefs.cross_coherence`, run by the research
stage): these probabilities against the history frequency, the DAM and the
research's own claims.

The model describes the RT-DAM spread; the simulated real-time price is the
day-ahead price of the predicted day plus the spread. ERCOT publishes the DAM
the day before, so it may be passed as ``dam_table`` (the predicted day's
normalized table; only its ``DAM`` rows are read). Without it, the last
history day's DAM prices by local hour stand in (``dam_source`` says which was
used); that affects the high-price event and, through the DAM-level and
DAM-ramp terms of the model, the spread's predicted mean.
:func:`hayeknet.pipeline.stages.beliefs.run` reads the predicted day's archive partition
for it when asked (``use_published_dam``): only its ``DAM`` rows, never its
real-time prices, so the beliefs stay walk-forward.

**Price forecast** (the beliefs stage writes it as ``price_forecast.parquet``):
the posterior predictive real-time price of the predicted day per 5-minute
interval, for the MPC strategy ``mpc_beliefs`` of the simulate stage
(:func:`hayeknet.battery.forecasts.beliefs_forecast`). Index
``interval_start_utc`` (UTC, every 5-minute interval start of the predicted
operating day: 288 rows, 276/300 on DST days); columns, all $/MWh:

* ``dam_usd_per_mwh`` - the day-ahead price the paths were simulated with
  (``dam_source`` in ``beliefs.json`` says whether it is the published DAM of
  the predicted day or the persistence stand-in);
* ``spread_mean_usd_per_mwh`` and ``spread_q10/q50/q90_usd_per_mwh`` - mean and
  10/50/90% quantiles over the predictive paths of the RT - DAM spread;
* ``price_mean_usd_per_mwh`` and ``price_q10/q50/q90_usd_per_mwh`` - the same
  for the real-time price ``DAM + spread`` (the DAM is fixed, so price
  quantile = DAM + spread quantile).

The spread is modelled in asinh units with Student-t innovations, so its
predictive mean in $/MWh is sensitive to the few most extreme paths (the
exact mean of ``sinh`` of a Student-t variable does not exist); every path is
bounded by the market, each simulated price within the day's offer floor and
system-wide cap (:func:`bounded_paths_usd`), so every column is finite; the
mean columns are sample means over the paths and the ``q50`` columns are the
robust alternative. A consumer that knows the predicted day's published DAM (the
simulate stage does) should add it to the spread columns rather than use the
price columns, which may hold the persistence stand-in.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hayeknet.beliefs.calibration import event_indicators
from hayeknet.beliefs.coherence import EVENT_KEYS, EVENT_LABELS, CoherenceResult, check_coherence
from hayeknet.beliefs.events import (
    EVENT_NAMES,
    EventDataError,
    EventThresholds,
    dam_hourly,
    default_hub,
    interval_events,
    interval_quantities,
)
from hayeknet.beliefs.model import BeliefModel, Diagnostics, local_hour, simulate_paths, training_data
from hayeknet.ercot.calendar import as_date, interval_starts_utc
from hayeknet.params import BeliefsParams


def event_thresholds(beliefs: BeliefsParams, high_price_usd_per_mwh: float) -> EventThresholds:
    """The three events' thresholds: the high price is the research stage's (one definition of a
    "high price" for the study), imbalance and congestion are the beliefs section's."""
    return EventThresholds(high_price_usd_per_mwh, beliefs.imbalance_usd_per_mwh, beliefs.congestion_usd_per_mwh)


@dataclass(frozen=True)
class BeliefsResult:
    """Stated beliefs for one day at one location.

    ``next_day``/``next_hour``: event key (``A`` ... ``ABC``) -> probability
    (meanings in the module docstring); ``hourly``: one row per hour (index hour
    start UTC, column ``local_hour`` and one column per event key);
    ``coherence``: the check of ``next_day`` and ``next_hour``; ``climatology``:
    the events' interval frequencies over the history days (the reference
    forecast that calibration scores the beliefs against); ``price_forecast``:
    the predictive price per 5-minute interval (columns in the module
    docstring, :func:`price_forecast_frame`).
    """

    day: dt.date
    location: str
    hub: str | None
    thresholds: EventThresholds
    next_day: dict[str, float]
    next_hour: dict[str, float]
    hourly: pd.DataFrame
    diagnostics: Diagnostics
    coherence: dict[str, CoherenceResult]
    history_days: tuple[dt.date, ...]
    n_history_intervals: int
    n_paths: int
    dam_source: str
    posterior_summary: dict[str, Any]
    seconds: float
    climatology: dict[str, float] = field(default_factory=dict)
    price_forecast: pd.DataFrame = field(default_factory=pd.DataFrame)
    interval_minutes: int = 5
    congestion_note: str = ""

    @property
    def warnings(self) -> list[str]:
        """Warnings for the report: non-convergence, incoherence (should never happen)."""
        out = []
        if (w := self.diagnostics.warning()) is not None:
            out.append(w)
        out += [f"{name} probabilities are incoherent" for name, c in self.coherence.items() if not c.coherent]
        return out

    def _price_forecast_summary(self) -> dict[str, Any] | None:
        pf = self.price_forecast
        if pf.empty:
            return None
        return {
            "n_intervals": len(pf),
            "quantiles": list(FORECAST_QUANTILES),
            "day_mean_price_usd_per_mwh": float(pf["price_mean_usd_per_mwh"].mean()),
            "day_mean_spread_usd_per_mwh": float(pf["spread_mean_usd_per_mwh"].mean()),
            "day_median_spread_usd_per_mwh": float(pf["spread_q50_usd_per_mwh"].median()),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (``beliefs.json``)."""
        label = lambda probs: {EVENT_LABELS[k]: v for k, v in probs.items()}
        return {
            "schema_version": 1,
            "day": self.day.isoformat(),
            "location": self.location,
            "hub": self.hub,
            "thresholds_usd_per_mwh": {
                "high_price": self.thresholds.high_price_usd_per_mwh,
                "imbalance": self.thresholds.imbalance_usd_per_mwh,
                "congestion": self.thresholds.congestion_usd_per_mwh,
            },
            "interval_minutes": self.interval_minutes,
            "definitions": {
                "next_day": f"P(event in a uniformly random {self.interval_minutes}-minute interval of the day); "
                "joints in the same interval",
                "next_hour": f"P(event in at least one {self.interval_minutes}-minute interval of the day's first "
                "hour); joints: each member event somewhere in the hour",
            },
            "congestion": (
                {"stated": True, "reference_hub": self.hub}
                if self.hub is not None
                else {"stated": False, "note": self.congestion_note or "not stated: no reference hub"}
            ),
            "next_day": label(self.next_day),
            "next_hour": label(self.next_hour),
            "climatology": label(self.climatology),
            "hourly": [
                {"hour_start_utc": ts.isoformat(), "local_hour": int(row["local_hour"])}
                | {EVENT_LABELS[k]: float(row[k]) for k in EVENT_KEYS if k in self.hourly.columns}
                for ts, row in self.hourly.iterrows()
            ],
            "diagnostics": self.diagnostics.to_dict(),
            "coherence": {k: c.to_dict() for k, c in self.coherence.items()},
            "history_days": [d.isoformat() for d in self.history_days],
            "n_history_intervals": self.n_history_intervals,
            "n_paths": self.n_paths,
            "dam_source": self.dam_source,
            "price_forecast": self._price_forecast_summary(),
            "posterior_summary": self.posterior_summary,
            "seconds": self.seconds,
            "warnings": self.warnings,
        }


def _event_probabilities(singles: dict[str, np.ndarray], axis: tuple[int, ...]) -> dict[str, np.ndarray]:
    """P of every event of :data:`EVENT_KEYS` made of the given single events (``A``, ``B``[, ``C``])."""
    out = {}
    for key in EVENT_KEYS:
        if all(letter in singles for letter in key):
            joint = np.ones_like(singles["A"], dtype=bool)
            for letter in key:
                joint = joint & singles[letter]
            out[key] = joint.mean(axis=axis)
    return out


FORECAST_QUANTILES: tuple[float, ...] = (0.1, 0.5, 0.9)
"""Quantiles of the predictive price written to ``price_forecast.parquet`` (columns ``*_q10`` ...)."""


def _quantile_label(q: float) -> str:
    return f"q{round(100 * q):02d}"


def forecast_columns() -> list[str]:
    """Columns of :func:`price_forecast_frame` (all $/MWh)."""
    columns = ["dam_usd_per_mwh", "spread_mean_usd_per_mwh", "price_mean_usd_per_mwh"]
    return columns + [f"{k}_{_quantile_label(q)}_usd_per_mwh" for k in ("spread", "price") for q in FORECAST_QUANTILES]


def price_forecast_frame(
    starts_utc: pd.DatetimeIndex, dam_usd_per_mwh: np.ndarray, spread_paths_usd_per_mwh: np.ndarray
) -> pd.DataFrame:
    """Predictive mean and :data:`FORECAST_QUANTILES` of the spread and of ``price = DAM + spread`` ($/MWh).

    ``spread_paths_usd_per_mwh`` is (n_paths x n_intervals), ``dam_usd_per_mwh``
    one value per interval of ``starts_utc`` (UTC interval starts). Returns the
    ``price_forecast.parquet`` frame (module docstring).
    """
    spread = np.asarray(spread_paths_usd_per_mwh, dtype=float)
    dam = np.asarray(dam_usd_per_mwh, dtype=float)
    if spread.ndim != 2 or spread.shape[1] != len(starts_utc) or dam.shape != (len(starts_utc),):
        raise EventDataError(
            f"beliefs: price forecast needs paths x {len(starts_utc)} spreads and one DAM "
            f"price per interval; got {spread.shape} and {dam.shape} (field spread)"
        )
    columns: dict[str, np.ndarray] = {"dam_usd_per_mwh": dam, "spread_mean_usd_per_mwh": spread.mean(axis=0)}
    quantiles = np.quantile(spread, FORECAST_QUANTILES, axis=0)
    for q, values in zip(FORECAST_QUANTILES, quantiles):
        columns[f"spread_{_quantile_label(q)}_usd_per_mwh"] = values
    columns["price_mean_usd_per_mwh"] = dam + columns["spread_mean_usd_per_mwh"]
    for q in FORECAST_QUANTILES:
        columns[f"price_{_quantile_label(q)}_usd_per_mwh"] = dam + columns[f"spread_{_quantile_label(q)}_usd_per_mwh"]
    frame = pd.DataFrame(columns, index=pd.DatetimeIndex(starts_utc).tz_convert("UTC").as_unit("ns"))
    frame.index.name = "interval_start_utc"
    return frame


def bounded_paths_usd(transform: Any, paths: np.ndarray, dam_usd_per_mwh: np.ndarray, day: dt.date) -> np.ndarray:
    """Predictive paths in $/MWh (RT - DAM spread[, node - hub basis]), finite and physical: each simulated
    real-time price ``DAM + spread`` lies within the market's offer floor and system-wide cap of ``day``
    (:func:`hayeknet.ercot.market_rules.energy_price_bounds`), and the basis within the width of that range.

    The model's asinh transform has a Student-t tail, so ``sinh`` of a heavy draw overflows to +-inf
    (a path at -1.5e15 $/MWh was seen); the draw is capped before ``sinh`` and the price clipped to the
    bounds, which no real-time price of the day can leave.
    """
    from hayeknet.ercot.market_rules import energy_price_bounds

    low, high = energy_price_bounds(day)
    usd = transform.inverse(paths, bound_usd_per_mwh=high - low)
    dam = np.asarray(dam_usd_per_mwh, dtype=float)[None, :]
    usd[..., 0] = np.clip(dam + usd[..., 0], low, high) - dam
    return usd


def _dam_for_day(
    starts: pd.DatetimeIndex, location: str, dam_table: pd.DataFrame | None, last_table: pd.DataFrame
) -> tuple[np.ndarray, str]:
    """Day-ahead price per 5-minute interval of the predicted day ($/MWh) and where it came from."""
    if dam_table is not None:
        dam = dam_hourly(dam_table, location)
        values = dam.reindex(starts.floor("h")).to_numpy(dtype=float)
        if len(dam) and np.isfinite(values).all():
            return values, "published DAM of the predicted day"
    last = dam_hourly(last_table, location)
    if not len(last):
        raise EventDataError(f"beliefs: no DAM price for {location!r} in the last history day (field market)")
    by_hour = (
        pd.Series(last.to_numpy(dtype=float), index=local_hour(pd.DatetimeIndex(last.index))).groupby(level=0).mean()
    )
    values = by_hour.reindex(local_hour(starts)).to_numpy(dtype=float)
    values = np.where(np.isfinite(values), values, float(last.mean()))
    return values, "last history day's DAM by local hour (persistence)"


def run_beliefs_day(
    history_tables: Sequence[tuple[dt.date | str, pd.DataFrame]],
    day_to_predict: dt.date | str,
    location: str,
    thresholds: EventThresholds,
    settings: BeliefsParams | None = None,
    *,
    model: BeliefModel | None = None,
    dam_table: pd.DataFrame | None = None,
    hub: str | None = "auto",
    hub_note: str = "",
) -> BeliefsResult:
    """Fit on the most recent history days and state the predicted day's event probabilities.

    ``history_tables``: (operating day, normalized archive table of that day)
    pairs, days before ``day_to_predict`` (later days are ignored, so no
    look-ahead); the last ``settings.history_days`` are used. ``model``: a
    :class:`BeliefModel` kept between calls to reuse its compiled sampler (built
    when None, or rebuilt when it holds another number of quantities).
    ``dam_table``: the predicted day's table for its published DAM prices
    (optional, see the module docstring). ``hub``: the reference hub of the
    basis; ``"auto"`` takes ``settings.hub``, or the synthetic market's zone hub
    (:func:`~hayeknet.beliefs.events.default_hub`) when that is ``auto`` too;
    None: no basis, so the congestion event and its joints are not stated
    (``hub_note`` says why, for the report).
    """
    start = time.perf_counter()
    settings = settings or BeliefsParams()
    day = as_date(day_to_predict)
    if hub == "auto":
        hub = default_hub(location) if settings.hub == "auto" else settings.hub
    usable = sorted(((as_date(d), t) for d, t in history_tables if as_date(d) < day), key=lambda x: x[0])
    usable = usable[-settings.history_days :]
    if not usable:
        raise EventDataError(f"beliefs: no history day before {day} for {location!r}")
    quantities = pd.concat([interval_quantities(t, location, hub) for _, t in usable]).sort_index()
    data = training_data(quantities, settings.scales_usd_per_mwh)
    climatology = {k: float(v) for k, v in event_indicators(interval_events(quantities, thresholds)).mean().items()}
    if model is None or model.n_quantities != data.n_quantities:
        model = BeliefModel(settings, n_quantities=data.n_quantities)
    posterior = model.fit(data, seed=settings.seed)

    starts = pd.DatetimeIndex(interval_starts_utc(day, int(data.step_minutes)))
    dam, dam_source = _dam_for_day(starts, location, dam_table, usable[-1][1])
    paths = simulate_paths(posterior, starts, settings.paths_per_draw, seed=settings.seed + 1, dam_usd_per_mwh=dam)
    usd = bounded_paths_usd(data.transform, paths, dam, day)  # (paths, intervals, d): spread[, basis] $/MWh
    singles = {
        "A": dam[None, :] + usd[..., 0] > thresholds.high_price_usd_per_mwh,
        "B": np.abs(usd[..., 0]) > thresholds.imbalance_usd_per_mwh,
    }
    if data.n_quantities > 1:
        singles["C"] = np.abs(usd[..., 1]) > thresholds.congestion_usd_per_mwh

    next_day = {k: float(v) for k, v in _event_probabilities(singles, (0, 1)).items()}
    hour_starts = starts.floor("h")
    hours = pd.DatetimeIndex(hour_starts.unique())
    group = hours.get_indexer(hour_starts)
    n_paths = usd.shape[0]
    any_h = {}
    for letter, x in singles.items():
        h = np.zeros((n_paths, len(hours)), dtype=bool)
        for g in range(len(hours)):
            h[:, g] = x[:, group == g].any(axis=1)
        any_h[letter] = h
    hourly_probs = _event_probabilities(any_h, axis=(0,))
    hourly = pd.DataFrame({k: v for k, v in hourly_probs.items()}, index=hours)
    hourly.index.name = "hour_start_utc"
    hourly.insert(0, "local_hour", local_hour(hours))
    next_hour = {k: float(hourly[k].iloc[0]) for k in hourly_probs}
    coherence = {"next_day": check_coherence(next_day), "next_hour": check_coherence(next_hour)}
    price_forecast = price_forecast_frame(starts, dam, usd[..., 0])
    return BeliefsResult(
        day=day,
        location=location,
        hub=hub if hub != location else None,
        thresholds=thresholds,
        next_day=next_day,
        next_hour=next_hour,
        hourly=hourly,
        diagnostics=posterior.diagnostics,
        coherence=coherence,
        history_days=tuple(d for d, _ in usable),
        n_history_intervals=data.n_intervals,
        n_paths=n_paths,
        dam_source=dam_source,
        posterior_summary=posterior.summary,
        seconds=time.perf_counter() - start,
        climatology=climatology,
        price_forecast=price_forecast,
        interval_minutes=int(data.step_minutes),
        congestion_note=(
            ""
            if data.n_quantities > 1
            else (hub_note or f"not stated: {location} has no reference hub, so no basis and no congestion event")
        ),
    )


__all__ = [
    "EVENT_LABELS",
    "EVENT_NAMES",
    "FORECAST_QUANTILES",
    "BeliefsResult",
    "bounded_paths_usd",
    "event_thresholds",
    "forecast_columns",
    "price_forecast_frame",
    "run_beliefs_day",
]
