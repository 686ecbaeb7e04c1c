"""Stage ``beliefs``: PyMC beliefs about the next day, and the score of the beliefs about this one.

``beliefs@<day>`` fits :mod:`hayeknet.beliefs.model` on the last
``beliefs.history_days`` study days up to ``day`` and states, for ``day + 1``,
event probabilities and a predictive price path; when ``beliefs@<prev>``
predicted ``day``, those beliefs are scored against what happened. Output
folder ``artifacts/beliefs/<day>/``:

* ``beliefs.json`` - :meth:`hayeknet.beliefs.next_day.BeliefsResult.to_dict`;
* ``hourly.parquet`` - P(event in the hour) per hour of the predicted day;
* ``price_forecast.parquet`` - the predictive price path (see :mod:`hayeknet.beliefs.next_day`);
* ``calibration.json`` - the scores of the previous beliefs (when there were any);
* ``spread_history.parquet`` - RT and DAM prices at the battery location of the last
  ``beliefs.spread_history_days`` days through ``day``: the previous study day's file plus ``day``;
* ``spread_model.json`` - the RT - DAM spread model fitted on that history
  (:mod:`hayeknet.beliefs.spread_model`), when there is enough of it; ``beliefs.json`` says
  under ``spread_model`` what it was fitted on, or why there is none.

Params (``dvc.yaml``): ``beliefs``, ``research.high_price_usd_per_mwh`` (the
high-price event), ``battery.location``. ``beliefs_init`` writes the empty
``artifacts/beliefs/init``. Later stages read the outputs through
:func:`read_beliefs`, :func:`beliefs_about` and :func:`read_price_forecast`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hayeknet.io import atomic_directory, atomic_write_json
from hayeknet.params import BeliefsParams
from hayeknet.pipeline.context import StageContext, StageInputError, check_day, read_json
from hayeknet.pipeline.days import INIT
from hayeknet.pipeline.stages import ingest
from hayeknet.pipeline.timings import timed, tracked_json

STAGE = "beliefs"
INIT_STAGE = "beliefs_init"
BELIEFS_FILE = "beliefs.json"
HOURLY_FILE = "hourly.parquet"
CALIBRATION_FILE = "calibration.json"
PRICE_FORECAST_FILE = "price_forecast.parquet"


@dataclass(frozen=True)
class BeliefsOutcome:
    """The beliefs stated on ``day`` (about the next day) and the score of the previous ones."""

    day: str
    beliefs: dict[str, Any]
    calibration: dict[str, Any] | None

    def probabilities_table(self) -> pd.DataFrame:
        """P(event) for the next day and the next hour (A high price, B imbalance, C congestion)."""
        return pd.DataFrame(
            {"next_day": self.beliefs.get("next_day", {}), "next_hour": self.beliefs.get("next_hour", {})}
        )

    def warnings(self) -> list[str]:
        return list(self.beliefs.get("warnings", []))

    def status_table(self) -> pd.DataFrame:
        """Warnings and the coherence check, one row each."""
        coherence = self.beliefs.get("coherence", {})
        return pd.Series(
            {"warnings": "; ".join(self.warnings()) or "none", "coherent": str(coherence)[:200]}, name="value"
        ).to_frame()


@dataclass(frozen=True, eq=False)
class SpreadBelief:
    """The spread history through the day, the model fitted on it (None when there is too little), a note."""

    history: pd.DataFrame
    model: Any
    note: str

    def to_dict(self) -> dict[str, Any]:
        if self.model is None:
            return {"fitted": False, "note": self.note}
        return {"fitted": True, **self.model.describe(), "note": self.note}


def spread_belief(ctx: StageContext, day: str, table: pd.DataFrame, params: Any) -> SpreadBelief:
    """Extend the previous study day's spread history with ``day`` at the battery location and fit the model.

    A day without a DAM price at the location adds nothing (the note says so);
    the previous history is kept.
    """
    from hayeknet.archive.queries import dam_on_grid, dam_prices, realtime_prices
    from hayeknet.beliefs.spread_model import (
        SPREAD_HISTORY_FILE,
        SpreadDay,
        SpreadModelError,
        days_from_history,
        extend_history,
        fit_spread_model,
        history_frame,
    )
    from hayeknet.ercot.calendar import as_date

    location = params.battery.location
    previous_file = ctx.paths.beliefs / ctx.prev_of(day) / SPREAD_HISTORY_FILE
    previous = pd.read_parquet(previous_file) if previous_file.exists() else None
    rt = realtime_prices(table, location, what=str(ctx.paths.archive_day(day)))
    dam = dam_on_grid(dam_prices(table, location), rt.prices.index)
    if dam is None:
        history = previous if previous is not None else history_frame([])
        note = f"no DAM price at {location} on {day}: the history was not extended"
    else:
        today = SpreadDay(as_date(day), pd.DatetimeIndex(rt.prices.index), rt.prices.to_numpy(float), dam)
        history, note = extend_history(previous, today, params.beliefs.spread_history_days)
    try:
        model = fit_spread_model(days_from_history(history), params.beliefs.spread_bins, params.beliefs.spread_atoms)
    except SpreadModelError as exc:
        return SpreadBelief(history, None, f"not fitted: {exc} ({note})")
    return SpreadBelief(history, model, f"fitted on {note} at {location}")


@timed(STAGE, INIT_STAGE)
def run(ctx: StageContext, day: str) -> BeliefsOutcome:
    """``beliefs@<day>`` (module docstring); ``day == "init"``: ``beliefs_init``, an empty statement."""
    import warnings

    from hayeknet.beliefs.next_day import event_thresholds

    out = ctx.paths.beliefs / day
    if day == INIT:
        ctx.params_for(INIT_STAGE)
        with atomic_directory(out) as tmp:
            atomic_write_json(tmp / BELIEFS_FILE, {"day": None, "note": "study start: no beliefs yet"})
        return BeliefsOutcome(INIT, {}, None)
    # pip's PyTensor links no BLAS; this model's likelihood is elementwise and does not need one
    warnings.filterwarnings("ignore", message="PyTensor could not link to a BLAS")
    params = ctx.params_for(STAGE)
    day = check_day(day)
    history = [d for d in ctx.days_through(day) if ingest.archived(ctx, d)][-params.beliefs.history_days :]
    if day not in history:
        raise StageInputError(f"{ctx.paths.archive_day(day)}: no archive partition for {day} (run ingest@{day})")
    tables = [(d, ingest.read_day(ctx, d)) for d in history]
    previous = _read_optional_json(ctx.paths.beliefs / ctx.prev_of(day) / BELIEFS_FILE)
    thresholds = event_thresholds(params.beliefs, params.research.high_price_usd_per_mwh)
    location = params.battery.location
    hub, hub_note = ingest.network(ctx, day).reference_hub(location, params.beliefs.hub)
    spread = spread_belief(ctx, day, tables[-1][1], params)
    state_and_write(
        tables,
        day,
        out,
        location,
        thresholds,
        params.beliefs,
        previous_beliefs=previous,
        hub=hub,
        hub_note=hub_note,
        spread=spread,
    )
    return read_beliefs(ctx, day)


def state_and_write(
    history_tables: Sequence[tuple[dt.date | str, pd.DataFrame]],
    day: dt.date | str,
    out_dir: Path,
    location: str,
    thresholds: Any,
    params: BeliefsParams,
    *,
    previous_beliefs: Mapping[str, Any] | None = None,
    dam_table: pd.DataFrame | None = None,
    model: Any = None,
    hub: str | None = "auto",
    hub_note: str = "",
    spread: SpreadBelief | None = None,
) -> Any:
    """State beliefs for ``day + 1`` from ``history_tables`` (days up to ``day``) into ``out_dir``.

    ``previous_beliefs`` (the ``beliefs.json`` payload stated the study day
    before) is scored against ``day`` when it predicted ``day``. ``dam_table``:
    the predicted day's published DAM rows, when known (otherwise the
    persistence stand-in of :func:`hayeknet.beliefs.next_day.run_beliefs_day`).
    ``hub``/``hub_note``: the congestion event's reference hub and why (None: no congestion event).
    ``spread``: the spread history and model to write beside the beliefs (:func:`spread_belief`).
    Returns the :class:`~hayeknet.beliefs.next_day.BeliefsResult`.
    """
    from hayeknet.beliefs.calibration import score_previous_beliefs
    from hayeknet.beliefs.next_day import run_beliefs_day
    from hayeknet.ercot.calendar import as_date

    d = as_date(day)
    tables = sorted(((as_date(x), t) for x, t in history_tables if as_date(x) <= d), key=lambda x: x[0])
    if not tables or tables[-1][0] != d:
        raise StageInputError(f"beliefs: no table of {d} among the history tables")
    result = run_beliefs_day(
        tables,
        d + dt.timedelta(days=1),
        location,
        thresholds,
        params,
        model=model,
        dam_table=dam_table,
        hub=hub,
        hub_note=hub_note,
    )
    calibration = None
    if previous_beliefs is not None and previous_beliefs.get("day") == d.isoformat():
        calibration = score_previous_beliefs(previous_beliefs, tables[-1][1])
    write_beliefs(result, out_dir, calibration, spread)
    return result


def write_beliefs(
    result: Any, out_dir: Path, calibration: Mapping[str, Any] | None = None, spread: SpreadBelief | None = None
) -> None:
    """Write ``beliefs.json``, ``hourly.parquet``, ``price_forecast.parquet`` (when the result has one)
    and (when given) ``calibration.json`` and the spread files into ``out_dir``, replaced whole
    (atomic); wall-clock fields go to the stage's timing log, never into the files."""
    from hayeknet.beliefs.coherence import EVENT_LABELS
    from hayeknet.beliefs.spread_model import SPREAD_HISTORY_FILE, SPREAD_MODEL_FILE

    payload = result.to_dict()
    if spread is not None:
        payload["spread_model"] = spread.to_dict()
    if payload.get("price_forecast") is not None:
        payload["price_forecast"]["file"] = PRICE_FORECAST_FILE
    with atomic_directory(Path(out_dir)) as tmp:
        tracked_json(tmp / BELIEFS_FILE, payload)
        result.hourly.rename(columns=EVENT_LABELS).to_parquet(tmp / HOURLY_FILE)
        if not result.price_forecast.empty:
            result.price_forecast.to_parquet(tmp / PRICE_FORECAST_FILE)
        if calibration is not None:
            tracked_json(tmp / CALIBRATION_FILE, dict(calibration))
        if spread is not None:
            spread.history.to_parquet(tmp / SPREAD_HISTORY_FILE, index=False)
            if spread.model is not None:
                tracked_json(tmp / SPREAD_MODEL_FILE, spread.model.to_dict())


def _read_optional_json(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text()) if path.exists() else None


def read_beliefs(ctx: StageContext, day: str) -> BeliefsOutcome:
    """What ``beliefs@<day>`` stated (about the day after ``day``) and its score of the previous beliefs."""
    folder = ctx.paths.beliefs / day
    return BeliefsOutcome(day, read_json(folder / BELIEFS_FILE), _read_optional_json(folder / CALIBRATION_FILE))


def beliefs_about(ctx: StageContext, day: str) -> tuple[Path | None, str]:
    """The beliefs folder stated the study day before ``day`` about ``day`` (walk-forward), and why.

    Returns ``(artifacts/beliefs/<prev>, note)`` when ``beliefs@<prev>`` predicted
    ``day`` (those beliefs were fitted on days up to ``<prev>`` only), else
    ``(None, reason)``: the first study day, a missing folder, or a gap in the
    study days (the beliefs predicted another day).
    """
    prev = ctx.prev_of(day)
    if prev == INIT:
        return None, "first study day: no beliefs stated the day before"
    folder = ctx.paths.beliefs / prev
    if not (folder / BELIEFS_FILE).exists():
        if (folder / "quarantine.json").exists():
            return None, f"{prev} is quarantined: no beliefs were stated on it"
        return None, f"{folder / BELIEFS_FILE} missing (run beliefs@{prev})"
    stated_for = read_json(folder / BELIEFS_FILE).get("day")
    if stated_for != day:
        return None, f"beliefs@{prev} predicted {stated_for}, not {day}"
    return folder, f"beliefs@{prev}"


def read_spread_model(folder: Path | None, note: str) -> tuple[Any, str]:
    """The spread model a beliefs folder holds and a note saying what it was fitted on, or
    ``(None, why not)``; ``note`` says which beliefs the folder is (:func:`beliefs_about`)."""
    from hayeknet.beliefs.spread_model import SPREAD_MODEL_FILE, spread_model_from_dict

    if folder is None:
        return None, note
    path = Path(folder) / SPREAD_MODEL_FILE
    if not path.exists():
        stated = _read_optional_json(Path(folder) / BELIEFS_FILE) or {}
        why = (stated.get("spread_model") or {}).get("note", "the beliefs predate the spread model")
        return None, f"{note} has no spread model: {why}"
    model = spread_model_from_dict(read_json(path), what=str(path))
    return model, f"{note}: spread model fitted {model.first_day} through {model.last_day} ({model.n_days} days)"


def read_hourly(folder: Path) -> pd.DataFrame | None:
    """``hourly.parquet`` of a beliefs folder: P(event in the hour) per UTC hour start; None when absent."""
    path = Path(folder) / HOURLY_FILE
    return pd.read_parquet(path) if path.exists() else None


def read_price_forecast(folder: Path) -> pd.DataFrame | None:
    """The ``price_forecast.parquet`` of a beliefs folder, None when absent.

    Absent means no beliefs were stated (the study's ``init`` folder) or they
    predate the price forecast. A file without a UTC ``interval_start_utc``
    index or a required column raises :class:`~hayeknet.beliefs.events.EventDataError` naming the file.
    """
    from hayeknet.beliefs.events import EventDataError
    from hayeknet.beliefs.next_day import forecast_columns

    path = Path(folder) / PRICE_FORECAST_FILE
    if not path.exists():
        return None
    frame = pd.read_parquet(path)
    if not isinstance(frame.index, pd.DatetimeIndex) or frame.index.tz is None:
        raise EventDataError(f"{path}: index must be the UTC interval start (field interval_start_utc)")
    missing = [c for c in forecast_columns() if c not in frame.columns]
    if missing:
        raise EventDataError(f"{path}: missing column(s) {missing} (field {missing[0]})")
    frame.index = frame.index.tz_convert("UTC").as_unit("ns")
    frame.index.name = "interval_start_utc"
    return frame.sort_index()
