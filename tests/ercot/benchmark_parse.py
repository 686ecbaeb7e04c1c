"""Benchmark of ERCOT parsing and ingest (not collected by pytest; run as a script).

    python tests/ercot/benchmark_parse.py

Generates one synthetic operating day with about 1,100 settlement points (the
size of a real NP6-788-CD day: 288 SCED files x ~1,100 rows), then times
:func:`hayeknet.ercot.parse.parse_files` on the day's NP6-788-CD files against a
naive per-row parser (``csv`` module, ``datetime.strptime`` and a time-zone
conversion per row), and a full :func:`hayeknet.archive.ingest.ingest_day`.
Target (brief): the vectorized parse far faster than per-row parsing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import time
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

from hayeknet.archive.ingest import ingest_day
from hayeknet.ercot.locations import default_catalogue
from hayeknet.ercot.parse import parse_files
from hayeknet.ercot.synthetic import write_synthetic_day

DAY = dt.date(2025, 10, 1)


def naive_parse(paths: list[Path]) -> list[tuple]:
    """Row-by-row reference parser of NP6-788-CD zips."""
    tz = ZoneInfo("America/Chicago")
    rows = []
    for path in paths:
        with zipfile.ZipFile(path) as zf:
            text = zf.read(zf.namelist()[0]).decode()
        reader = csv.reader(io.StringIO(text))
        next(reader)
        for stamp, flag, point, lmp in reader:
            local = dt.datetime.strptime(stamp, "%m/%d/%Y %H:%M:%S").replace(tzinfo=tz, fold=int(flag == "Y"))
            utc = local.astimezone(dt.UTC)
            start = utc.replace(minute=utc.minute - utc.minute % 5, second=0)
            rows.append((start, point, float(lmp)))
    return rows


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        catalogue = default_catalogue(1085)
        t0 = time.perf_counter()
        paths = write_synthetic_day(DAY, raw, catalogue, seed=1)
        t_write = time.perf_counter() - t0
        sced = [p for p in paths if "np6-788-cd" in p.parts]

        t0 = time.perf_counter()
        table = parse_files(sced)
        t_fast = time.perf_counter() - t0
        t0 = time.perf_counter()
        rows = naive_parse(sced)
        t_naive = time.perf_counter() - t0
        assert len(rows) == len(table)

        t0 = time.perf_counter()
        result = ingest_day(raw, DAY, Path(tmp) / "archive")
        t_ingest = time.perf_counter() - t0

    print(f"points: {len(catalogue)}, files: {len(paths)} ({len(sced)} NP6-788-CD), rows 788: {len(table):,}")
    print(f"write_synthetic_day          {t_write:7.2f} s")
    print(f"parse_files NP6-788-CD day   {t_fast:7.2f} s")
    print(f"naive per-row parser         {t_naive:7.2f} s   ({t_naive / t_fast:.1f}x slower)")
    print(f"ingest_day (all 5 reports)   {t_ingest:7.2f} s   ({result.n_rows:,} rows, checks: {result.checks_passed})")


if __name__ == "__main__":
    main()
