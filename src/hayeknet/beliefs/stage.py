"""The beliefs stage: fit on recent days, state next-day and next-hour event probabilities.

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
confirms it and the result records the check.

The model describes the RT-DAM spread; the simulated real-time price is the
day-ahead price of the predicted day plus the spread. ERCOT publishes the DAM
the day before, so it may be passed as ``dam_table`` (the predicted day's
normalized table; only its ``DAM`` rows are read). Without it, the last
history day's DAM prices by local hour stand in (``dam_source`` says which was
used); that affects the high-price event and, through the DAM-level and
DAM-ramp terms of the model, the spread's predicted mean.
:func:`run_beliefs_stage` reads the predicted day's archive partition
for it when asked (``use_published_dam``): only its ``DAM`` rows, never its
real-time prices, so the beliefs stay walk-forward.

**Price forecast** (``price_forecast.parquet``, :data:`PRICE_FORECAST_FILE`):
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
exact mean of ``sinh`` of a Student-t variable does not exist); the mean
columns are sample means over the paths and the ``q50`` columns are the robust
alternative. A consumer that knows the predicted day's published DAM (the
simulate stage does) should add it to the spread columns rather than use the
price columns, which may hold the persistence stand-in.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from hayeknet.beliefs.calibration import event_indicators, score_day
from hayeknet.beliefs.coherence import EVENT_KEYS, CoherenceResult, check_coherence
from hayeknet.beliefs.events import (
    EVENT_NAMES,
    EventDataError,
    EventThresholds,
    dam_hourly,
    default_hub,
    interval_events,
    interval_quantities,
)
from hayeknet.beliefs.model import BeliefModel, Diagnostics, SamplerSettings, local_hour, simulate_paths, training_data
from hayeknet.ercot.calendar import as_date, interval_starts_utc

EVENT_LABELS: dict[str, str] = {
    "A": "high_price", "B": "imbalance", "C": "congestion",
    "AB": "high_price&imbalance", "AC": "high_price&congestion", "BC": "imbalance&congestion",
    "ABC": "high_price&imbalance&congestion",
}
"""Coherence key -> readable label used in the JSON output."""


@dataclass(frozen=True)
class BeliefSettings:
    """Settings of the beliefs stage.

    ``history_days``: most recent days fitted; ``paths_per_draw``: predictive
    paths per posterior draw; ``scales_usd_per_mwh``: asinh scales of price and
    basis ($/MWh); ``hub``: reference hub (default :func:`default_hub`).
    """

    history_days: int = 5
    paths_per_draw: int = 4
    scales_usd_per_mwh: tuple[float, float] = (10.0, 10.0)
    sampler: SamplerSettings = field(default_factory=SamplerSettings)
    hub: str | None = None
    seed: int = 11

    def __post_init__(self) -> None:
        if self.history_days < 1 or self.paths_per_draw < 1:
            raise ValueError("beliefs: history_days and paths_per_draw must be >= 1")

    @classmethod
    def from_params(cls, section: Mapping[str, Any]) -> BeliefSettings:
        """Build from a ``beliefs:`` params section (keys: history_days, paths_per_draw, chains,
        draws, tune, target_accept, seed, rhat_max, ess_min, hub); unknown keys raise ValueError."""
        sampler_keys = {"chains", "draws", "tune", "target_accept", "rhat_max", "ess_min"}
        own_keys = {"history_days", "paths_per_draw", "hub", "seed"}
        threshold_keys = {"high_price_usd_per_mwh", "imbalance_usd_per_mwh", "congestion_usd_per_mwh"}
        unknown = set(section) - sampler_keys - own_keys - threshold_keys
        if unknown:
            raise ValueError(f"params beliefs: unknown key(s) {sorted(unknown)}")
        seed = int(section.get("seed", 11))
        sampler = SamplerSettings(seed=seed, **{k: section[k] for k in sampler_keys if k in section})
        return cls(sampler=sampler, seed=seed, **{k: section[k] for k in own_keys - {"seed"} if k in section})


def thresholds_from_params(section: Mapping[str, Any], research: Mapping[str, Any] | None = None) -> EventThresholds:
    """Event thresholds from the ``beliefs`` section, the high-price one defaulting to ``research``'s."""
    high = section.get("high_price_usd_per_mwh", (research or {}).get("high_price_usd_per_mwh", 100.0))
    return EventThresholds(float(high), float(section.get("imbalance_usd_per_mwh", 20.0)),
                           float(section.get("congestion_usd_per_mwh", 10.0)))


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
    hub: str
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
            "file": PRICE_FORECAST_FILE,
            "n_intervals": int(len(pf)),
            "quantiles": list(FORECAST_QUANTILES),
            "day_mean_price_usd_per_mwh": float(pf["price_mean_usd_per_mwh"].mean()),
            "day_mean_spread_usd_per_mwh": float(pf["spread_mean_usd_per_mwh"].mean()),
            "day_median_spread_usd_per_mwh": float(pf["spread_q50_usd_per_mwh"].median()),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (``beliefs.json``)."""
        label = lambda probs: {EVENT_LABELS[k]: v for k, v in probs.items()}  # noqa: E731
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
            "definitions": {
                "next_day": "P(event in a uniformly random 5-minute interval of the day); joints in the same interval",
                "next_hour": "P(event in at least one 5-minute interval of the day's first hour); joints: each member "
                             "event somewhere in the hour",
            },
            "next_day": label(self.next_day),
            "next_hour": label(self.next_hour),
            "climatology": label(self.climatology),
            "hourly": [
                {"hour_start_utc": ts.isoformat(), "local_hour": int(row["local_hour"])}
                | {EVENT_LABELS[k]: float(row[k]) for k in EVENT_KEYS}
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


def _event_probabilities(a: np.ndarray, b: np.ndarray, c: np.ndarray, axis: tuple[int, ...]) -> dict[str, np.ndarray]:
    return {"A": a.mean(axis=axis), "B": b.mean(axis=axis), "C": c.mean(axis=axis),
            "AB": (a & b).mean(axis=axis), "AC": (a & c).mean(axis=axis), "BC": (b & c).mean(axis=axis),
            "ABC": (a & b & c).mean(axis=axis)}


FORECAST_QUANTILES: tuple[float, ...] = (0.1, 0.5, 0.9)
"""Quantiles of the predictive price written to ``price_forecast.parquet`` (columns ``*_q10`` ...)."""


def _quantile_label(q: float) -> str:
    return f"q{round(100 * q):02d}"


def price_forecast_frame(starts_utc: pd.DatetimeIndex, dam_usd_per_mwh: np.ndarray,
                         spread_paths_usd_per_mwh: np.ndarray) -> pd.DataFrame:
    """Predictive mean and :data:`FORECAST_QUANTILES` of the spread and of ``price = DAM + spread`` ($/MWh).

    ``spread_paths_usd_per_mwh`` is (n_paths x n_intervals), ``dam_usd_per_mwh``
    one value per interval of ``starts_utc`` (UTC interval starts). Returns the
    ``price_forecast.parquet`` frame (module docstring).
    """
    spread = np.asarray(spread_paths_usd_per_mwh, dtype=float)
    dam = np.asarray(dam_usd_per_mwh, dtype=float)
    if spread.ndim != 2 or spread.shape[1] != len(starts_utc) or dam.shape != (len(starts_utc),):
        raise EventDataError(f"beliefs: price forecast needs paths x {len(starts_utc)} spreads and one DAM "
                             f"price per interval; got {spread.shape} and {dam.shape} (field spread)")
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


def _dam_for_day(starts: pd.DatetimeIndex, location: str, dam_table: pd.DataFrame | None,
                 last_table: pd.DataFrame) -> tuple[np.ndarray, str]:
    """Day-ahead price per 5-minute interval of the predicted day ($/MWh) and where it came from."""
    if dam_table is not None:
        dam = dam_hourly(dam_table, location)
        values = dam.reindex(starts.floor("h")).to_numpy(dtype=float)
        if len(dam) and np.isfinite(values).all():
            return values, "published DAM of the predicted day"
    last = dam_hourly(last_table, location)
    if not len(last):
        raise EventDataError(f"beliefs: no DAM price for {location!r} in the last history day (field market)")
    by_hour = pd.Series(last.to_numpy(dtype=float), index=local_hour(pd.DatetimeIndex(last.index))).groupby(level=0).mean()
    values = by_hour.reindex(local_hour(starts)).to_numpy(dtype=float)
    values = np.where(np.isfinite(values), values, float(last.mean()))
    return values, "last history day's DAM by local hour (persistence)"


def run_beliefs_day(
    history_tables: Sequence[tuple[dt.date | str, pd.DataFrame]],
    day_to_predict: dt.date | str,
    location: str,
    thresholds: EventThresholds,
    settings: BeliefSettings | None = None,
    *,
    model: BeliefModel | None = None,
    dam_table: pd.DataFrame | None = None,
) -> BeliefsResult:
    """Fit on the most recent history days and state the predicted day's event probabilities.

    ``history_tables``: (operating day, normalized archive table of that day)
    pairs, days before ``day_to_predict`` (later days are ignored, so no
    look-ahead); the last ``settings.history_days`` are used. ``model``: a
    :class:`BeliefModel` kept between calls to reuse its compiled sampler (built
    when None). ``dam_table``: the predicted day's table for its published DAM
    prices (optional, see the module docstring).
    """
    start = time.perf_counter()
    settings = settings or BeliefSettings()
    day = as_date(day_to_predict)
    hub = settings.hub or default_hub(location)
    usable = sorted(((as_date(d), t) for d, t in history_tables if as_date(d) < day), key=lambda x: x[0])
    usable = usable[-settings.history_days:]
    if not usable:
        raise EventDataError(f"beliefs: no history day before {day} for {location!r}")
    quantities = pd.concat([interval_quantities(t, location, hub) for _, t in usable]).sort_index()
    data = training_data(quantities, settings.scales_usd_per_mwh)
    climatology = {k: float(v) for k, v in event_indicators(interval_events(quantities, thresholds)).mean().items()}
    if model is None:
        model = BeliefModel(settings.sampler)
    posterior = model.fit(data, seed=settings.seed)

    starts = pd.DatetimeIndex(interval_starts_utc(day, 5))
    dam, dam_source = _dam_for_day(starts, location, dam_table, usable[-1][1])
    paths = simulate_paths(posterior, starts, settings.paths_per_draw, seed=settings.seed + 1, dam_usd_per_mwh=dam)
    usd = data.transform.inverse(paths)  # (paths, intervals, 2): RT-DAM spread, basis in $/MWh
    a = dam[None, :] + usd[..., 0] > thresholds.high_price_usd_per_mwh
    b = np.abs(usd[..., 0]) > thresholds.imbalance_usd_per_mwh
    c = np.abs(usd[..., 1]) > thresholds.congestion_usd_per_mwh

    next_day = {k: float(v) for k, v in _event_probabilities(a, b, c, (0, 1)).items()}
    hour_starts = starts.floor("h")
    hours = pd.DatetimeIndex(hour_starts.unique())
    group = hours.get_indexer(hour_starts)
    n_paths = a.shape[0]
    any_h = []
    for x in (a, b, c):
        h = np.zeros((n_paths, len(hours)), dtype=bool)
        for g in range(len(hours)):
            h[:, g] = x[:, group == g].any(axis=1)
        any_h.append(h)
    hourly_probs = _event_probabilities(*any_h, axis=(0,))
    hourly = pd.DataFrame({k: v for k, v in hourly_probs.items()}, index=hours)
    hourly.index.name = "hour_start_utc"
    hourly.insert(0, "local_hour", local_hour(hours))
    next_hour = {k: float(hourly[k].iloc[0]) for k in EVENT_KEYS}
    coherence = {"next_day": check_coherence(next_day), "next_hour": check_coherence(next_hour)}
    price_forecast = price_forecast_frame(starts, dam, usd[..., 0])
    return BeliefsResult(
        day=day, location=location, hub=hub if hub != location else "HB_HUBAVG", thresholds=thresholds,
        next_day=next_day, next_hour=next_hour, hourly=hourly, diagnostics=posterior.diagnostics,
        coherence=coherence, history_days=tuple(d for d, _ in usable), n_history_intervals=data.n_intervals,
        n_paths=n_paths, dam_source=dam_source, posterior_summary=posterior.summary,
        seconds=time.perf_counter() - start, climatology=climatology, price_forecast=price_forecast,
    )


BELIEFS_FILE = "beliefs.json"
HOURLY_FILE = "hourly.parquet"
CALIBRATION_FILE = "calibration.json"
PRICE_FORECAST_FILE = "price_forecast.parquet"


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
    return {"forecast_day": previous["day"], "location": previous["location"],
            "converged": bool(previous["diagnostics"]["converged"])} | scored


def write_beliefs(result: BeliefsResult, out_dir: Path, calibration: Mapping[str, Any] | None = None) -> None:
    """Write ``beliefs.json``, ``hourly.parquet``, ``price_forecast.parquet`` (when the result has one)
    and (when given) ``calibration.json`` into ``out_dir``.

    The folder is replaced whole (atomic), so DVC never sees a partial output.
    """
    from hayeknet.io import atomic_directory, atomic_write_json

    with atomic_directory(Path(out_dir)) as tmp:
        atomic_write_json(tmp / BELIEFS_FILE, result.to_dict())
        hourly = result.hourly.rename(columns=EVENT_LABELS)
        hourly.to_parquet(tmp / HOURLY_FILE)
        if not result.price_forecast.empty:
            result.price_forecast.to_parquet(tmp / PRICE_FORECAST_FILE)
        if calibration is not None:
            atomic_write_json(tmp / CALIBRATION_FILE, dict(calibration))


def read_price_forecast(beliefs_dir: Path) -> pd.DataFrame | None:
    """The ``price_forecast.parquet`` of a beliefs folder (``artifacts/beliefs/<day>``), None when absent.

    Absent means no beliefs were stated (the study's ``init`` folder) or they
    predate the price forecast. A file without a UTC ``interval_start_utc``
    index or a required column raises :class:`EventDataError` naming the file.
    """
    path = Path(beliefs_dir) / PRICE_FORECAST_FILE
    if not path.exists():
        return None
    frame = pd.read_parquet(path)
    if not isinstance(frame.index, pd.DatetimeIndex) or frame.index.tz is None:
        raise EventDataError(f"{path}: index must be the UTC interval start (field interval_start_utc)")
    required = ["dam_usd_per_mwh", "spread_mean_usd_per_mwh", "price_mean_usd_per_mwh"]
    required += [f"{k}_{_quantile_label(q)}_usd_per_mwh" for k in ("spread", "price") for q in FORECAST_QUANTILES]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise EventDataError(f"{path}: missing column(s) {missing} (field {missing[0]})")
    frame.index = frame.index.tz_convert("UTC").as_unit("ns")
    frame.index.name = "interval_start_utc"
    return frame.sort_index()


def run_beliefs_stage(
    archive_root: Path,
    day: dt.date | str,
    out_dir: Path,
    location: str,
    thresholds: EventThresholds,
    settings: BeliefSettings | None = None,
    *,
    previous_beliefs_file: Path | None = None,
    use_published_dam: bool | Literal["auto"] = False,
    model: BeliefModel | None = None,
) -> BeliefsResult:
    """The ``beliefs@<day>`` stage: fit on archived days up to ``day``, state beliefs for ``day + 1``.

    Reads the archive partitions of the last ``settings.history_days`` archived
    days up to and including ``day`` (``artifacts/archive/day=<d>/prices.parquet``).
    With ``use_published_dam=True`` the day-ahead prices of ``day + 1`` are read
    from its partition (only its ``DAM`` rows; declare that partition as a DVC
    dep; a missing partition raises), with ``"auto"`` they are read when the
    partition exists and the persistence stand-in is used otherwise, and with
    ``False`` the stand-in is always used (see :func:`run_beliefs_day`); the
    default keeps the output a function of the declared inputs only. The
    predicted day's real-time rows are never read. When ``previous_beliefs_file`` (the
    ``beliefs.json`` of ``beliefs@<day - 1>``, which predicted ``day``) exists,
    it is scored against ``day``'s realized events into ``calibration.json``.
    Writes ``out_dir/{beliefs.json, hourly.parquet, price_forecast.parquet[, calibration.json]}``.
    """
    import json

    from hayeknet.archive.store import archived_days, read_day

    settings = settings or BeliefSettings()
    d = as_date(day)
    available = archived_days(Path(archive_root))
    history = [x for x in available if x <= d][-settings.history_days:]
    if d not in history:
        raise EventDataError(f"beliefs: day {d} is not archived under {archive_root} (field day)")
    tables = [(x, read_day(Path(archive_root), x)) for x in history]
    target = d + dt.timedelta(days=1)
    dam_table = None
    if use_published_dam not in (True, False, "auto"):
        raise ValueError(f"beliefs: use_published_dam must be True, False or 'auto', got {use_published_dam!r}")
    if use_published_dam == "auto":
        use_published_dam = target in available
    if use_published_dam:
        if target not in available:
            raise EventDataError(f"beliefs: day {target} is not archived under {archive_root}; "
                                 "its published DAM prices were requested (field day)")
        table = read_day(Path(archive_root), target)
        dam_table = table[table["market"] == "DAM"]
    result = run_beliefs_day(tables, target, location, thresholds, settings, model=model, dam_table=dam_table)
    calibration = None
    if previous_beliefs_file is not None and Path(previous_beliefs_file).exists():
        previous = json.loads(Path(previous_beliefs_file).read_text())
        if previous.get("day") == d.isoformat():
            calibration = score_previous_beliefs(previous, tables[-1][1])
    write_beliefs(result, out_dir, calibration)
    return result


__all__ = ["BELIEFS_FILE", "BeliefSettings", "BeliefsResult", "CALIBRATION_FILE", "EVENT_LABELS", "EVENT_NAMES",
           "FORECAST_QUANTILES", "HOURLY_FILE", "PRICE_FORECAST_FILE", "price_forecast_frame", "read_price_forecast",
           "run_beliefs_day", "run_beliefs_stage", "score_previous_beliefs", "thresholds_from_params",
           "write_beliefs"]
