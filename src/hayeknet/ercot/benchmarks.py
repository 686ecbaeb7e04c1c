"""``make bench`` figures of ERCOT parsing and the price archive, each against a baseline timed in the same run.

* ``ercot_normalize_np6_788_day_csv``: ``hayeknet normalize`` of one full day
  of NP6-788-CD as one CSV (about 1,100 settlement points x 288 SCED runs,
  about 15 MB, written by the synthetic source's writer) with
  :func:`hayeknet.ercot.parse.parse_file`, against the plain pandas baseline of
  the issue: ``pandas.read_csv`` + ``pd.to_datetime`` (explicit format) +
  ``tz_localize("America/Chicago")`` with the DST flag deciding the repeated
  hour. Targets (issue 3): ratio >= 3 and under 2 s on one core. Note that
  the baseline only reads and localizes: HayekNet's path also checks every
  field (file/row/field errors), floors SCED timestamps to intervals, types
  settlement points, deduplicates and sorts. ``parse_file`` maps the file into
  memory and reads it as a grid of SCED runs (``hayeknet.ercot.parse.sced_grid``); the
  types of the settlement points are remembered between calls (the warm-up
  run fills that memo, as the first day of an ingest does).
* ``ercot_parse_np6_788_day_288_files``: the same day as ERCOT publishes it
  (288 zip files, one per SCED run) with :func:`hayeknet.ercot.parse.parse_files`,
  against the same plain pandas steps run file by file and concatenated.
* ``archive_read_location_65_days``: :func:`hayeknet.archive.store.read_location`
  of one settlement point over 65 archived days (about 1,100 points, RTM_SCED +
  RTM_15MIN + DAM rows per day), against reading each day's whole partition with
  ``pandas.read_parquet`` and filtering. Target: under 200 ms. ``read_location``
  reads one or two row groups per day (statistics and sort order) and, in
  groups of energy rows of one market, not the ``market``/``as_type`` columns;
  about half of its time is Parquet footer parsing (0.8 ms per partition).

Timings run with pyarrow limited to one CPU (``pa.set_cpu_count(1)``); pandas'
C parser is single-threaded. ``quick=True`` shrinks everything (100 points,
5 archived days) to run in a few seconds for the smoke test; its figures are
not the targets.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from hayeknet.archive.store import PRICES_FILE, partition_dir, read_location, write_day
from hayeknet.benchmarking import BenchResult, median_seconds, time_result
from hayeknet.ercot.calendar import ERCOT_TZ, interval_starts_utc
from hayeknet.ercot.locations import default_catalogue
from hayeknet.ercot.parse import parse_file, parse_files
from hayeknet.ercot.synthetic import write_synthetic_day

FULL_SIZE = {"n_resource_nodes": 1085, "n_days": 65, "repeat": 5}
QUICK_SIZE = {"n_resource_nodes": 85, "n_days": 5, "repeat": 2}
BENCH_DAY = dt.date(2026, 4, 15)
ARCHIVE_FIRST_DAY = dt.date(2026, 4, 1)  # 65 days without a DST change
BENCH_LOCATION = "HB_WEST"


@contextlib.contextmanager
def one_cpu() -> Iterator[None]:
    """Limit pyarrow's compute thread pool to one CPU for the duration."""
    before = pa.cpu_count()
    pa.set_cpu_count(1)
    try:
        yield
    finally:
        pa.set_cpu_count(before)


def _member(path: Path) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(zf.namelist()[0])


def write_sced_day(folder: Path, n_resource_nodes: int) -> tuple[list[Path], Path]:
    """One synthetic NP6-788-CD day: its 288 zip files and the same rows as one big CSV."""
    catalogue = default_catalogue(n_resource_nodes)
    files = write_synthetic_day(BENCH_DAY, folder / "raw", catalogue, seed=7, reports=["NP6-788-CD"])
    parts = []
    for i, path in enumerate(files):
        data = _member(path)
        parts.append(data if i == 0 else data.split(b"\n", 1)[1])
    big = folder / "np6-788-cd-day.csv"
    big.write_bytes(b"".join(parts))
    return files, big


def pandas_baseline_csv(source: Path | bytes) -> pd.DataFrame:
    """The plain pandas steps: read_csv, to_datetime, tz_localize (DST flag for the repeated hour), to UTC."""
    frame = pd.read_csv(io.BytesIO(source) if isinstance(source, bytes) else source)
    local = pd.to_datetime(frame["SCEDTimestamp"], format="%m/%d/%Y %H:%M:%S")
    first_pass = (frame["RepeatedHourFlag"] == "N").to_numpy()
    frame["SCEDTimestamp"] = local.dt.tz_localize(ERCOT_TZ, ambiguous=first_pass).dt.tz_convert("UTC")
    return frame


def pandas_baseline_files(files: list[Path]) -> pd.DataFrame:
    return pd.concat([pandas_baseline_csv(_member(p)) for p in files], ignore_index=True)


def _archive_day_table(day: dt.date, names: np.ndarray, types: np.ndarray) -> pd.DataFrame:
    """A realistic-size normalized day: RTM_SCED (5 min), RTM_15MIN (15 min) and DAM (hourly) energy rows."""
    parts = []
    for market, minutes, report in (
        ("RTM_SCED", 5, "NP6-788-CD"),
        ("RTM_15MIN", 15, "NP6-905-CD"),
        ("DAM", 60, "NP4-190-CD"),
    ):
        starts = interval_starts_utc(day, minutes).tz_convert("UTC").tz_localize(None).to_numpy()
        n_t, n_p = len(starts), len(names)
        step = np.timedelta64(minutes, "m")
        parts.append(
            pd.DataFrame(
                {
                    "interval_start_utc": pd.DatetimeIndex(np.tile(starts, n_p)).tz_localize("UTC"),
                    "interval_end_utc": pd.DatetimeIndex(np.tile(starts + step, n_p)).tz_localize("UTC"),
                    "market": market,
                    "location": np.repeat(names, n_t),
                    "location_type": np.repeat(types, n_t),
                    "as_type": pd.Series([None] * (n_t * n_p), dtype="str"),
                    "price": np.zeros(n_t * n_p),
                    "report": report,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def write_archive(root: Path, n_resource_nodes: int, n_days: int) -> list[dt.date]:
    """``n_days`` partitions from :data:`ARCHIVE_FIRST_DAY` on, written by :func:`write_day`; returns the days.

    The first day's table is built once; each later day shifts its timestamps
    by whole days (no DST change in the window) and draws new prices ($/MWh).
    """
    catalogue = default_catalogue(n_resource_nodes)
    names = np.array([p.name for p in catalogue], dtype=object)
    types = np.array([p.location_type for p in catalogue], dtype=object)
    rng = np.random.default_rng(11)
    base = _archive_day_table(ARCHIVE_FIRST_DAY, names, types)
    days = [ARCHIVE_FIRST_DAY + dt.timedelta(days=i) for i in range(n_days)]
    for i, day in enumerate(days):
        table = base.copy()
        shift = pd.Timedelta(days=i)
        table["interval_start_utc"] = base["interval_start_utc"] + shift
        table["interval_end_utc"] = base["interval_end_utc"] + shift
        table["price"] = 30.0 + rng.gamma(2.0, 6.0, size=len(base)) - 6.0
        write_day(root, day, table, {"day": day.isoformat(), "source": "hayeknet.ercot.benchmarks"})
    return days


def pandas_read_location(root: Path, days: list[dt.date], location: str, market: str) -> pd.DataFrame:
    """Baseline: read every partition whole with pandas, then filter and sort."""
    frames = []
    for day in days:
        frame = pd.read_parquet(partition_dir(root, day) / PRICES_FILE)
        frames.append(frame[(frame["location"] == location) & (frame["market"] == market) & frame["as_type"].isna()])
    return pd.concat(frames, ignore_index=True).sort_values("interval_start_utc", kind="stable")


def _normalize_result(big: Path, n_runs: int, repeat: int) -> BenchResult:
    """The ``ercot_normalize_np6_788_day_csv`` figure for the day CSV ``big`` (call under :func:`one_cpu`)."""
    n_rows = len(parse_file(big))
    if len(pandas_baseline_csv(big)) != n_rows:
        raise RuntimeError("benchmark inputs disagree: baseline and parser row counts differ")
    mb = big.stat().st_size / 1e6
    ours = median_seconds(lambda: parse_file(big), repeat=repeat)
    base = median_seconds(lambda: pandas_baseline_csv(big), repeat=repeat)
    return time_result(
        "ercot_normalize_np6_788_day_csv", ours, base, unit="s",
        baseline="pandas.read_csv + pd.to_datetime(format) + tz_localize (no checks, no dedup)",
        target="ratio >= 3 and < 2 s on one core (issue 3)",
        note=f"{n_rows:,} rows, {n_runs} SCED runs, {mb:.1f} MB CSV")  # fmt: skip


def normalize_benchmark(quick: bool = False) -> BenchResult:
    """Only the ``ercot_normalize_np6_788_day_csv`` figure of :func:`benchmarks` (for iterating on the parser)."""
    size = QUICK_SIZE if quick else FULL_SIZE
    with tempfile.TemporaryDirectory(prefix="hayeknet-bench-") as tmp, one_cpu():
        files, big = write_sced_day(Path(tmp), size["n_resource_nodes"])
        return _normalize_result(big, len(files), size["repeat"])


def benchmarks(quick: bool = False) -> list[BenchResult]:
    """The ERCOT and archive figures of ``make bench`` (see the module docstring)."""
    size = QUICK_SIZE if quick else FULL_SIZE
    repeat = size["repeat"]
    results: list[BenchResult] = []
    with tempfile.TemporaryDirectory(prefix="hayeknet-bench-") as tmp, one_cpu():
        folder = Path(tmp)
        files, big = write_sced_day(folder, size["n_resource_nodes"])
        results.append(_normalize_result(big, len(files), repeat))
        n_rows = len(parse_file(big))

        ours = median_seconds(lambda: parse_files(files), repeat=repeat)
        base = median_seconds(lambda: pandas_baseline_files(files), repeat=repeat)
        results.append(
            time_result(
                "ercot_parse_np6_788_day_288_files",
                ours,
                base,
                unit="s",
                baseline="the same pandas steps file by file, then concat",
                note=f"{len(files)} zip files as ERCOT publishes them, {n_rows:,} rows",
            )
        )

        root = folder / "archive"
        days = write_archive(root, size["n_resource_nodes"], size["n_days"])
        got = read_location(root, BENCH_LOCATION, "RTM_SCED", days=days)
        expected = pandas_read_location(root, days, BENCH_LOCATION, "RTM_SCED")
        if len(got) != len(expected) or len(got) != 288 * len(days):
            raise RuntimeError(f"read_location returned {len(got)} rows, baseline {len(expected)}")
        ours = median_seconds(lambda: read_location(root, BENCH_LOCATION, "RTM_SCED", days=days), repeat=repeat)
        base = median_seconds(lambda: pandas_read_location(root, days, BENCH_LOCATION, "RTM_SCED"), repeat=repeat)
        results.append(
            time_result(
                f"archive_read_location_{len(days)}_days",
                ours,
                base,
                unit="ms",
                baseline="pandas.read_parquet of each whole partition, then filter",
                target="< 200 ms for 65 days (issue 3)",
                note=f"{len(days)} partitions x ~{size['n_resource_nodes'] + 15} points (RTM_SCED, RTM_15MIN, DAM)",
            )
        )
    return results


if __name__ == "__main__":  # pragma: no cover - manual run
    import sys

    for r in benchmarks(quick="--quick" in sys.argv):
        print(f"{r.name}: {r.value:.4g} {r.unit} (baseline {r.baseline_value:.4g}, ratio {r.ratio:.2f}) {r.note}")
