"""Stage ``beliefs``: PyMC beliefs about the next day, and the score of the beliefs about this one.

``beliefs@<day>`` fits :mod:`hayeknet.beliefs.model` on the last
``beliefs.history_days`` study days up to ``day`` and states, for ``day + 1``,
event probabilities and a predictive price path; when ``beliefs@<prev>``
predicted ``day``, those beliefs are scored against what happened. Output
folder ``artifacts/beliefs/<day>/``:

* ``beliefs.json`` - :meth:`hayeknet.beliefs.next_day.BeliefsResult.to_dict`;
* ``hourly.parquet`` - P(event in the hour) per hour of the predicted day;
* ``price_forecast.parquet`` - the predictive price path (see :mod:`hayeknet.beliefs.next_day`);
* ``calibration.json`` - the scores of the previous beliefs (when there were any).

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
    state_and_write(
        tables, day, out, location, thresholds, params.beliefs, previous_beliefs=previous, hub=hub, hub_note=hub_note
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
) -> Any:
    """State beliefs for ``day + 1`` from ``history_tables`` (days up to ``day``) into ``out_dir``.

    ``previous_beliefs`` (the ``beliefs.json`` payload stated the study day
    before) is scored against ``day`` when it predicted ``day``. ``dam_table``:
    the predicted day's published DAM rows, when known (otherwise the
    persistence stand-in of :func:`hayeknet.beliefs.next_day.run_beliefs_day`).
    ``hub``/``hub_note``: the congestion event's reference hub and why (None: no congestion event).
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
    write_beliefs(result, out_dir, calibration)
    return result


def write_beliefs(result: Any, out_dir: Path, calibration: Mapping[str, Any] | None = None) -> None:
    """Write ``beliefs.json``, ``hourly.parquet``, ``price_forecast.parquet`` (when the result has one)
    and (when given) ``calibration.json`` into ``out_dir``, replaced whole (atomic); wall-clock fields
    go to the stage's timing log, never into the files."""
    from hayeknet.beliefs.coherence import EVENT_LABELS

    payload = result.to_dict()
    if payload.get("price_forecast") is not None:
        payload["price_forecast"]["file"] = PRICE_FORECAST_FILE
    with atomic_directory(Path(out_dir)) as tmp:
        tracked_json(tmp / BELIEFS_FILE, payload)
        result.hourly.rename(columns=EVENT_LABELS).to_parquet(tmp / HOURLY_FILE)
        if not result.price_forecast.empty:
            result.price_forecast.to_parquet(tmp / PRICE_FORECAST_FILE)
        if calibration is not None:
            tracked_json(tmp / CALIBRATION_FILE, dict(calibration))


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
