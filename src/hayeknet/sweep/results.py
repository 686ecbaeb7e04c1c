"""The sweep's results: one Parquet partition per day, its metadata, and the tables read back from them.

Layout of a sweep folder (``artifacts/sweep`` in the pipeline)::

    day=<YYYY-MM-DD>/results.parquet   one row per settlement point x strategy (RESULT_COLUMNS)
    sweep.json                         the window, the config, the code version, per-day row counts

Each partition's Arrow schema metadata (key :data:`METADATA_KEY`) holds the
sweep config, the code version, the day's inputs (the archive files' hashes,
the zone source) and their :func:`~hayeknet.sweep.plan.partition_fingerprint`:
a re-run skips a partition whose fingerprint is current. Rows are sorted by
location and then in the config's strategy order, so a partition is the same
bytes however many workers computed it and in whatever order. Nothing
run-dependent (wall time, workers, retries) is written here: that goes to the
stage's timing log.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hayeknet.battery.lineup import STRATEGY_NUMBERS
from hayeknet.io import atomic_path, atomic_write_json

RESULTS_FILE = "results.parquet"
SUMMARY_FILE = "sweep.json"
METADATA_KEY = b"hayeknet.sweep"

TEXT_COLUMNS: tuple[str, ...] = (
    "day",
    "location",
    "location_type",
    "zone",
    "zone_hub",
    "strategy",
    "status",
    "market",
)
INT_COLUMNS: tuple[str, ...] = ("interval_minutes", "n_filled")
FLOAT_COLUMNS: tuple[str, ...] = ("mean_price_usd_per_mwh", "basis_to_hub_usd_per_mwh", *STRATEGY_NUMBERS)
RESULT_COLUMNS: tuple[str, ...] = (*TEXT_COLUMNS, *INT_COLUMNS, *FLOAT_COLUMNS, "note")
"""Columns of a results partition: where and what (day, location, its type, zone and zone hub, strategy,
status, real-time market), the prices (interval length, filled intervals, mean price, mean basis to the
zone hub, $/MWh) and the strategy's totals of :data:`hayeknet.battery.lineup.STRATEGY_NUMBERS` (profit,
revenue, cycles, capture ratios...); NaN where a strategy did not run, with the reason in ``note``."""

SCHEMA = pa.schema(
    [(c, pa.string()) for c in TEXT_COLUMNS]
    + [(c, pa.int64()) for c in INT_COLUMNS]
    + [(c, pa.float64()) for c in FLOAT_COLUMNS]
    + [("note", pa.string())]
)


class SweepResultsError(RuntimeError):
    """A sweep folder or partition is missing or unreadable (names the path)."""


def partition_path(out_dir: Path, day: str) -> Path:
    return Path(out_dir) / f"day={day}" / RESULTS_FILE


def rows_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Result rows as a frame with exactly :data:`RESULT_COLUMNS` (missing values NaN / None)."""
    frame = pd.DataFrame(list(rows))
    for column in RESULT_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    frame = frame[list(RESULT_COLUMNS)]
    for column in FLOAT_COLUMNS:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    for column in INT_COLUMNS:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
    for column in (*TEXT_COLUMNS, "note"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def sort_rows(frame: pd.DataFrame, strategies: Sequence[str]) -> pd.DataFrame:
    """Rows by location, then in ``strategies`` order (the order a partition is written in)."""
    order = {name: i for i, name in enumerate(strategies)}
    key = frame["strategy"].map(lambda s: order.get(s, len(order)))
    out = frame.assign(_order=key).sort_values(["location", "_order"], kind="stable").drop(columns="_order")
    return out.reset_index(drop=True)


def write_partition(out_dir: Path, day: str, frame: pd.DataFrame, metadata: dict[str, Any]) -> Path:
    """Write one day's rows (atomically) with ``metadata`` in the schema metadata; returns the file."""
    path = partition_path(out_dir, day)
    table = pa.Table.from_pandas(rows_frame(frame.to_dict("records")), schema=SCHEMA, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta.pop(b"pandas", None)  # no pandas metadata: the schema says it all, and it carries a library version
    meta[METADATA_KEY] = json.dumps(metadata, sort_keys=True).encode()
    table = table.replace_schema_metadata(meta)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    return path


def partition_metadata(out_dir: Path, day: str) -> dict[str, Any] | None:
    """The metadata of a day's partition, None when it is absent or unreadable (it is then recomputed)."""
    path = partition_path(out_dir, day)
    if not path.exists():
        return None
    try:
        meta = pq.read_schema(path).metadata or {}
        return dict(json.loads(meta[METADATA_KEY]))
    except (OSError, KeyError, ValueError, pa.ArrowException):
        return None


def write_summary(out_dir: Path, summary: dict[str, Any]) -> Path:
    path = Path(out_dir) / SUMMARY_FILE
    atomic_write_json(path, summary)
    return path


def read_summary(out_dir: Path) -> dict[str, Any]:
    path = Path(out_dir) / SUMMARY_FILE
    if not path.exists():
        raise SweepResultsError(f"{path}: missing (run the sweep: dvc repro sweep, or hayeknet sweep)")
    return dict(json.loads(path.read_text()))


def read_results(out_dir: Path, days: Sequence[str] | None = None) -> pd.DataFrame:
    """The rows of ``days`` (default: the days of ``sweep.json``, else every partition), one frame."""
    out_dir = Path(out_dir)
    if days is None:
        summary_path = out_dir / SUMMARY_FILE
        if summary_path.exists():
            days = list(read_summary(out_dir)["days"])
        else:
            days = sorted(p.parent.name.removeprefix("day=") for p in out_dir.glob(f"day=*/{RESULTS_FILE}"))
    frames = []
    for day in days:
        path = partition_path(out_dir, day)
        if not path.exists():
            raise SweepResultsError(f"{path}: missing partition of {day}")
        frames.append(pq.read_table(path).to_pandas())
    if not frames:
        return rows_frame([])
    return pd.concat(frames, ignore_index=True)


def count_statuses(frame: pd.DataFrame) -> dict[str, int]:
    """Rows per status (``ok``, ``not_run``, ``error``, ``no_price``)."""
    return {str(k): int(v) for k, v in frame["status"].value_counts().sort_index().items()}


def finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None
