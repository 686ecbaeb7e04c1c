"""``make bench`` figures of the siting sweep (issue 16), each against the serial loop in the same run.

* ``sweep.node_days_2_workers``: node-days per second of a sweep on a 2-worker
  Dask ``LocalCluster`` (cluster start included) against the serial loop
  (:class:`~hayeknet.sweep.runner.SweepOptions` ``serial``: the same tasks one
  after another in one process) over the same node-days: 300 synthetic
  settlement points x 2 days x perfect foresight, ``mpc_dam`` and
  ``percentile_threshold``. Both write their partitions, which must be the
  same bytes. Target: ratio >= 1.6 on 2 cores.
* ``sweep.peak_memory``: the Dask sweep's peak resident memory summed over its
  processes (client and workers: an upper bound, the peaks need not coincide)
  against the serial loop's one process, MiB.

Each sweep runs in a fresh Python process (``python -c``), so the figures include
interpreter start and imports for both, and the memory is the sweep's own.
``quick=True``: 17 points x 1 day.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from hayeknet.benchmarking import BenchResult, rate_result

STRATEGIES = ("perfect_foresight", "mpc_dam", "percentile_threshold")
FULL = {"n_resource_nodes": 285, "days": 2}
QUICK = {"n_resource_nodes": 2, "days": 1}

_SCRIPT = """
import json, sys
from pathlib import Path
from hayeknet.battery.spec import BatterySpec
from hayeknet.sweep.plan import SweepConfig
from hayeknet.sweep.runner import SweepOptions, run_sweep
archive, out, scheduler, days = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
config = SweepConfig.build({strategies!r}, BatterySpec())
run = run_sweep(Path(archive), days, config, Path(out), SweepOptions(scheduler=scheduler, n_workers=2), progress=None)
run.raise_for_failures()
print(json.dumps(run.timings() | {{"rows": run.rows}}))
"""


def build_archive(root: Path, n_resource_nodes: int, days: list[dt.date], seed: int = 20251001) -> Path:
    """A synthetic archive of ``days`` (and the day before, the strategies' history) under ``root/archive``."""
    from hayeknet.archive.ingest import ingest_day
    from hayeknet.ercot.locations import default_catalogue
    from hayeknet.ercot.synthetic import write_synthetic_day

    catalogue = default_catalogue(n_resource_nodes)
    for day in [days[0] - dt.timedelta(days=1), *days]:
        write_synthetic_day(day, root / "raw", catalogue, seed)
        ingest_day(root / "raw", day, root / "archive", collected_from="synthetic")
    return root / "archive"


def _sweep_in_process(archive: Path, out: Path, scheduler: str, days: list[dt.date]) -> dict[str, Any]:
    src = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH", "")) if p)}
    code = _SCRIPT.format(strategies=STRATEGIES)
    args = [sys.executable, "-c", code, str(archive), str(out), scheduler, ",".join(d.isoformat() for d in days)]
    import time

    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"sweep benchmark ({scheduler}) failed:\n{proc.stderr[-3000:]}")
    report = dict(json.loads(proc.stdout.strip().splitlines()[-1]))
    report["process_seconds"] = elapsed
    return report


def benchmarks(quick: bool = False) -> list[BenchResult]:
    """The sweep's figures (module doc)."""
    size = QUICK if quick else FULL
    days = [dt.date(2025, 10, 2) + dt.timedelta(days=i) for i in range(size["days"])]
    with tempfile.TemporaryDirectory(prefix="hayeknet-sweep-bench-") as tmp:
        root = Path(tmp)
        archive = build_archive(root, size["n_resource_nodes"], days)
        serial = _sweep_in_process(archive, root / "serial", "serial", days)
        local = _sweep_in_process(archive, root / "local", "local", days)
        for day in days:
            name = f"day={day.isoformat()}/results.parquet"
            if (root / "serial" / name).read_bytes() != (root / "local" / name).read_bytes():
                raise RuntimeError(f"the 2-worker sweep and the serial loop wrote different results for {day}")
    node_days = serial["node_days"]
    points = int(node_days) // len(days)
    label = f"{points} points x {len(days)} day(s) x {len(STRATEGIES)} strategies = {int(node_days)} node-days"
    rate = node_days / local["process_seconds"]
    base = node_days / serial["process_seconds"]
    return [
        rate_result(
            "sweep.node_days_2_workers",
            rate,
            base,
            unit="node-days/s",
            baseline="the serial loop (one process, the same tasks in order) over the same node-days",
            target="ratio >= 1.6 on 2 cores; results identical to the serial loop" if not quick else "",
            note=f"{label}; Dask LocalCluster of 2 single-threaded workers, its start and the interpreter start "
            f"included ({local['process_seconds']:.1f} s vs {serial['process_seconds']:.1f} s serial); partitions "
            "byte-identical" + (" (quick)" if quick else ""),
        ),
        BenchResult(
            "sweep.peak_memory",
            local["total_peak_rss_mib"],
            "MiB",
            serial["total_peak_rss_mib"],
            serial["total_peak_rss_mib"] / local["total_peak_rss_mib"],
            baseline="peak resident memory of the serial loop's one process",
            target="no process above 4 GiB",
            note=f"{label}; summed over the client and 2 workers (largest single process "
            f"{local['peak_rss_mib']:.0f} MiB)" + (" (quick)" if quick else ""),
        ),
    ]


if __name__ == "__main__":  # pragma: no cover - manual run
    for r in benchmarks(quick="--quick" in sys.argv):
        print(r.to_dict())
