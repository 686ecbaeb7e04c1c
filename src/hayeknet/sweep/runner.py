"""Run a siting sweep: plan the day partitions, skip the finished ones, fan the rest out, write, report.

:func:`run_sweep` takes the archive, the days, a
:class:`~hayeknet.sweep.plan.SweepConfig` and :class:`SweepOptions`, and

1. fingerprints each day (:func:`~hayeknet.sweep.plan.partition_fingerprint`)
   and skips the days whose partition already carries that fingerprint;
2. splits each remaining day into ``tasks_per_day`` tasks (every k-th point:
   :class:`~hayeknet.sweep.tasks.ChunkTask`) and runs them on the scheduler:
   ``serial`` (this process, one task after another: the baseline),
   ``local`` (a :class:`distributed.LocalCluster` of ``n_workers`` processes,
   one thread each, on 127.0.0.1; 0 workers: one per core) or the address of a
   running ``dask scheduler`` (``tcp://host:8786``);
3. retries a failed task up to ``retries`` times (Dask's own retries; a task
   whose worker dies is re-run by the scheduler) and counts every attempt from
   the scheduler's story, so a retried task is reported, never hidden;
4. writes a day's partition as soon as all of its tasks are in (sorted rows:
   the same bytes for any number of workers), and the window's ``sweep.json``.

A day with a task that failed every attempt is not written: it is listed in
:attr:`SweepRun.failed` with the error, the other days are kept, and the next
run computes only what is missing. BLAS and OpenMP run with one thread in every
worker (:class:`~hayeknet.sweep.workers.ThreadBound`) and in the serial loop.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import resource
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from hayeknet.sweep import results as res
from hayeknet.sweep.plan import SCHEMA_VERSION, SweepConfig, code_version, file_sha256, partition_fingerprint
from hayeknet.sweep.tasks import SYNTHETIC, ChunkResult, ChunkTask, ZoneSource, run_chunk

SERIAL = "serial"
LOCAL = "local"


class SweepError(RuntimeError):
    """The sweep cannot start (no archived day, a scheduler that does not answer) or some days failed."""


@dataclass(frozen=True)
class SweepOptions:
    """How a sweep runs (never what it computes): scheduler, workers, tasks per day, retries.

    ``scheduler``: ``serial``, ``local`` or a scheduler address; ``n_workers``:
    the LocalCluster's worker processes (0: one per core); ``tasks_per_day``:
    tasks each day is split into (0: twice the workers, one for ``serial``);
    ``retries``: extra attempts of a failed task; ``prune``: remove partitions
    of days outside the window (the pipeline's folder holds the window only).
    """

    scheduler: str = LOCAL
    n_workers: int = 0
    tasks_per_day: int = 0
    retries: int = 2
    prune: bool = False
    connect_timeout_s: float = 30.0

    def __post_init__(self) -> None:
        if self.n_workers < 0 or self.tasks_per_day < 0 or self.retries < 0:
            raise ValueError("sweep options: n_workers, tasks_per_day and retries must be >= 0")
        if not self.scheduler.strip():
            raise ValueError("sweep options: scheduler must be serial, local or an address (tcp://host:port)")

    @property
    def kind(self) -> str:
        return self.scheduler if self.scheduler in (SERIAL, LOCAL) else "address"

    def workers(self) -> int:
        """Worker processes of a ``local`` cluster (``n_workers``, 0: the machine's cores)."""
        return self.n_workers or os.cpu_count() or 1


@dataclass(frozen=True)
class TaskReport:
    """One task: its day and name, attempts (> 1: retried), and the error of its last attempt when it failed."""

    name: str
    day: str
    attempts: int
    ok: bool
    error: str = ""
    retry_reasons: tuple[str, ...] = ()


@dataclass
class SweepRun:
    """What one :func:`run_sweep` did. The wall-clock figures belong in logs, never in a tracked output."""

    out_dir: Path
    days: list[str]
    scheduler: str
    n_workers: int
    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    tasks: list[TaskReport] = field(default_factory=list)
    node_days: int = 0
    rows: int = 0
    wall_seconds: float = 0.0
    compute_seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_rss_mib_by_process: dict[str, float] = field(default_factory=dict)

    @property
    def retried(self) -> list[TaskReport]:
        return [t for t in self.tasks if t.attempts > 1]

    @property
    def node_days_per_second(self) -> float:
        return self.node_days / self.wall_seconds if self.wall_seconds > 0 else float("nan")

    @property
    def peak_rss_mib(self) -> float:
        """The largest peak resident memory of one process (client or worker), MiB."""
        return max(self.peak_rss_mib_by_process.values(), default=float("nan"))

    @property
    def total_peak_rss_mib(self) -> float:
        """The sum of every process's peak resident memory, MiB (an upper bound of the sweep's peak)."""
        return float(sum(self.peak_rss_mib_by_process.values()))

    def timings(self) -> dict[str, float]:
        """Numbers for the stage's timing log (:mod:`hayeknet.pipeline.timings`)."""
        return {
            "wall_seconds": self.wall_seconds,
            "node_days": float(self.node_days),
            "node_days_per_second": self.node_days_per_second,
            "workers": float(self.n_workers),
            "days_written": float(len(self.written)),
            "days_skipped": float(len(self.skipped)),
            "days_failed": float(len(self.failed)),
            "tasks": float(len(self.tasks)),
            "tasks_retried": float(len(self.retried)),
            "task_seconds": self.compute_seconds,
            "task_cpu_seconds": self.cpu_seconds,
            "cpu_seconds_per_node_day": self.cpu_seconds / self.node_days if self.node_days else float("nan"),
            "peak_rss_mib": self.peak_rss_mib,
            "total_peak_rss_mib": self.total_peak_rss_mib,
        }

    def describe(self) -> str:
        """A few lines: days written, skipped and failed, throughput, retries with their reasons, memory."""
        lines = [
            f"sweep of {len(self.days)} day(s) on {self.scheduler} ({self.n_workers} worker(s)): "
            f"{len(self.written)} written, {len(self.skipped)} already finished (skipped), {len(self.failed)} failed"
            + (f", {len(self.missing)} not archived ({', '.join(self.missing)})" if self.missing else ""),
        ]
        if self.node_days:
            lines.append(
                f"{self.node_days:,} node-days ({self.rows:,} rows) in {self.wall_seconds:.1f} s: "
                f"{self.node_days_per_second:.1f} node-days/s ({self.cpu_seconds / self.node_days:.3f} CPU s per "
                f"node-day in the tasks); peak memory {self.peak_rss_mib:.0f} MiB in one process, "
                f"{self.total_peak_rss_mib:.0f} MiB summed over {len(self.peak_rss_mib_by_process)}"
            )
        for task in self.retried:
            reasons = ", ".join(task.retry_reasons) or "retried"
            state = "then succeeded" if task.ok else f"and failed: {task.error}"
            lines.append(f"retried: {task.name} ran {task.attempts} times ({reasons}) {state}")
        for day, error in self.failed.items():
            lines.append(f"FAILED {day}: {error}")
        return "\n".join(lines)

    def raise_for_failures(self) -> None:
        if self.failed:
            raise SweepError(
                f"{len(self.failed)} day(s) of the sweep failed after retries (the others are written; a re-run "
                f"computes only these): " + "; ".join(f"{d}: {e}" for d, e in self.failed.items())
            )


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _zone_source(archive_root: Path, day: str, raw_root: Path | None) -> ZoneSource:
    from hayeknet.archive.store import ArchiveError, read_provenance

    try:
        source = str(read_provenance(archive_root, day).get("collected_from", "unknown"))
    except ArchiveError:
        source = "unknown"
    return ZoneSource(source, str(raw_root) if raw_root is not None else None)


def _mapping_in_force(zones: ZoneSource, day: str) -> str | None:
    if zones.collected_from == SYNTHETIC or zones.raw_root is None:
        return None
    from hayeknet.ercot.parse.settlement_points import find_settlement_point_map

    posting = find_settlement_point_map(Path(zones.raw_root), day)
    return posting.paths[0].parent.name if posting is not None else None


@dataclass(frozen=True)
class DayPlan:
    day: str
    prev_day: str | None
    zones: ZoneSource
    fingerprint: str
    metadata: dict[str, Any]


def plan_days(
    archive_root: Path, days: Sequence[str | dt.date], config: SweepConfig, raw_root: Path | None = None
) -> tuple[list[DayPlan], list[str]]:
    """``(plans of the archived days, days not archived)``; each plan carries its fingerprint and metadata."""
    from hayeknet.archive.store import PRICES_FILE, partition_dir

    code = code_version()
    plans, missing = [], []
    hashes: dict[str, str] = {}

    def sha(day: str) -> str | None:
        path = partition_dir(archive_root, day) / PRICES_FILE
        if not path.exists():
            return None
        if day not in hashes:
            hashes[day] = file_sha256(path)
        return hashes[day]

    for value in sorted({dt.date.fromisoformat(str(d)) for d in days}):
        day = value.isoformat()
        if sha(day) is None:
            missing.append(day)
            continue
        prev = (value - dt.timedelta(days=1)).isoformat()
        prev_sha = sha(prev)
        zones = _zone_source(archive_root, day, raw_root)
        inputs = {
            "day": day,
            "prices_sha256": sha(day),
            "history_day": prev if prev_sha else None,
            "history_prices_sha256": prev_sha,
            "collected_from": zones.collected_from,
            "mapping": _mapping_in_force(zones, day),
        }
        fingerprint = partition_fingerprint(config, code, inputs)
        metadata = {
            "schema_version": SCHEMA_VERSION,
            "day": day,
            "config": config.to_dict(),
            "code": code,
            "inputs": inputs,
            "fingerprint": fingerprint,
        }
        plans.append(DayPlan(day, prev if prev_sha else None, zones, fingerprint, metadata))
    return plans, missing


@contextmanager
def dask_client(options: SweepOptions) -> Iterator[Any]:
    """A :class:`distributed.Client` of a fresh LocalCluster (``local``) or of the scheduler at the address."""
    from distributed import Client, LocalCluster

    from hayeknet.sweep.workers import ThreadBound

    if options.kind == LOCAL:
        cluster = LocalCluster(
            n_workers=options.workers(),
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        try:
            with Client(cluster) as client:
                client.register_plugin(ThreadBound(), name="hayeknet-thread-bound")
                yield client
        finally:
            cluster.close()
        return
    try:
        client = Client(options.scheduler, timeout=options.connect_timeout_s)
    except (OSError, TimeoutError) as exc:
        raise SweepError(f"no Dask scheduler answers at {options.scheduler} ({exc})") from None
    try:
        client.register_plugin(ThreadBound(), name="hayeknet-thread-bound")
        yield client
    finally:
        client.close()


def _attempts(client: Any, keys: Sequence[str]) -> dict[str, tuple[int, tuple[str, ...]]]:
    """Per key: how many times the scheduler sent it to a worker, and why each re-run happened (the stimulus
    of the transition back to waiting: ``task-erred`` for an exception, a worker's removal for a lost worker)."""
    out: dict[str, tuple[int, list[str]]] = {k: (0, []) for k in keys}
    try:
        story = client.story(*keys)
    except Exception:  # an old or remote scheduler without stories: no counts rather than no sweep
        return {}
    for entry in story:
        if len(entry) < 7 or entry[0] != "scheduler" or entry[1] not in out:
            continue
        key, start, finish, stimulus = entry[1], entry[2], entry[3], str(entry[5])
        count, reasons = out[key]
        if finish == "processing":
            count += 1
        elif start == "processing" and finish in ("released", "waiting", "no-worker"):
            reasons.append("exception" if stimulus.startswith("task-erred") else "worker lost")
        out[key] = (count, reasons)
    return {k: (n, tuple(r)) for k, (n, r) in out.items()}


ProgressFn = Callable[[str], None]


def _print_progress(line: str) -> None:
    print(f"[sweep] {line}", file=sys.__stderr__ or sys.stderr, flush=True)


def run_sweep(
    archive_root: Path,
    days: Sequence[str | dt.date],
    config: SweepConfig,
    out_dir: Path,
    options: SweepOptions | None = None,
    *,
    raw_root: Path | None = None,
    progress: ProgressFn | None = _print_progress,
) -> SweepRun:
    """Sweep ``config`` over the archived ``days`` into ``out_dir`` (module doc); returns the run's report.

    ``raw_root`` holds the settlement point mapping of real data (the zones);
    ``progress`` gets one line per written day (None: quiet). Raises
    :class:`SweepError` when no day of the window is archived; failed days are
    in the report (:meth:`SweepRun.raise_for_failures`).
    """
    options = options or SweepOptions()
    started = time.perf_counter()
    archive_root, out_dir = Path(archive_root), Path(out_dir)
    plans, missing = plan_days(archive_root, days, config, raw_root)
    if not plans:
        raise SweepError(f"{archive_root}: no archived day in the sweep window ({', '.join(missing) or 'empty'})")
    n_workers = 1 if options.kind == SERIAL else options.workers() if options.kind == LOCAL else 0
    run = SweepRun(out_dir, [p.day for p in plans], options.scheduler, n_workers, missing=missing)
    todo = []
    for plan in plans:
        meta = res.partition_metadata(out_dir, plan.day)
        if meta is not None and meta.get("fingerprint") == plan.fingerprint:
            run.skipped.append(plan.day)
        else:
            todo.append(plan)
    if options.prune:
        _prune(out_dir, {p.day for p in plans})
    if todo:
        per_day = options.tasks_per_day or (1 if options.kind == SERIAL else 2 * max(1, n_workers))
        tasks = [
            ChunkTask(str(archive_root), p.day, p.prev_day, k, per_day, config, p.zones)
            for p in todo
            for k in range(per_day)
        ]
        _execute(run, tasks, {p.day: p for p in todo}, config, options, progress)
        run.written.sort()
        run.failed = dict(sorted(run.failed.items()))
    me = str(os.getpid())
    run.peak_rss_mib_by_process[me] = max(run.peak_rss_mib_by_process.get(me, 0.0), _peak_rss_mib())
    _write_window_summary(run, plans, config)
    run.wall_seconds = time.perf_counter() - started
    return run


def _prune(out_dir: Path, keep: set[str]) -> None:
    for folder in out_dir.glob("day=*"):
        if folder.is_dir() and folder.name.removeprefix("day=") not in keep:
            shutil.rmtree(folder)


def _execute(
    run: SweepRun,
    tasks: list[ChunkTask],
    plans: dict[str, DayPlan],
    config: SweepConfig,
    options: SweepOptions,
    progress: ProgressFn | None,
) -> None:
    pending: dict[str, list[ChunkResult]] = {day: [] for day in plans}
    expected = {day: sum(1 for t in tasks if t.day == day) for day in plans}
    errors: dict[str, list[str]] = {}

    def done(task: ChunkTask, result: ChunkResult | None, error: str | None) -> None:
        if result is None:
            errors.setdefault(task.day, []).append(f"{task.name}: {error}")
        else:
            pending[task.day].append(result)
            run.compute_seconds += result.seconds
            run.cpu_seconds += result.cpu_seconds
            pid = str(result.pid)
            run.peak_rss_mib_by_process[pid] = max(run.peak_rss_mib_by_process.get(pid, 0.0), result.peak_rss_mib)
        day = task.day
        if len(pending[day]) + len(errors.get(day, [])) < expected[day]:
            return
        if day in errors:
            run.failed[day] = "; ".join(errors[day])
            if progress:
                progress(f"{day}: FAILED ({run.failed[day]})")
        else:
            frame = res.sort_rows(pd.concat([r.rows for r in pending[day]], ignore_index=True), config.strategies)
            res.write_partition(run.out_dir, day, frame, plans[day].metadata)
            run.written.append(day)
            run.node_days += sum(r.node_days for r in pending[day])
            run.rows += len(frame)
            if progress:
                n = len(run.written) + len(run.failed)
                points = frame["location"].nunique()
                progress(f"{day}: {points} points x {len(config.strategies)} strategies ({n}/{len(plans)})")
        pending[day] = []

    if options.kind == SERIAL:
        run.tasks = [_run_serial(task, options.retries, done) for task in tasks]
    else:
        run.tasks = _run_dask(tasks, options, done)


def _run_serial(task: ChunkTask, retries: int, done: Callable[..., None]) -> TaskReport:
    error = ""
    reasons: list[str] = []
    for attempt in range(1, retries + 2):
        try:
            result = run_chunk(task)
        except Exception as exc:  # retried like a Dask task, then reported
            error = f"{type(exc).__name__}: {exc}"
            if attempt <= retries:
                reasons.append("exception")
            continue
        done(task, result, None)
        return TaskReport(task.name, task.day, attempt, True, "", tuple(reasons))
    done(task, None, error)
    return TaskReport(task.name, task.day, retries + 1, False, error, tuple(reasons))


def _run_dask(tasks: list[ChunkTask], options: SweepOptions, done: Callable[..., None]) -> list[TaskReport]:
    from distributed import as_completed

    token = uuid.uuid4().hex[:8]
    with dask_client(options) as client:
        futures = {
            client.submit(run_chunk, task, key=f"{task.name}-{token}", retries=options.retries, pure=False): task
            for task in tasks
        }
        outcome: dict[str, tuple[bool, str]] = {}
        for future in as_completed(list(futures)):
            task = futures[future]
            if future.status == "finished":
                done(task, future.result(), None)
                outcome[task.name] = (True, "")
            else:
                exc = future.exception()
                message = f"{type(exc).__name__}: {exc}"
                done(task, None, message)
                outcome[task.name] = (False, message)
            future.release()
        attempts = _attempts(client, [f"{t.name}-{token}" for t in tasks])
    reports = []
    for task in tasks:
        ok, error = outcome[task.name]
        n, reasons = attempts.get(f"{task.name}-{token}", (1, ()))
        reports.append(TaskReport(task.name, task.day, max(n, 1), ok, error, reasons))
    return reports


def _write_window_summary(run: SweepRun, plans: list[DayPlan], config: SweepConfig) -> None:
    """``sweep.json``: the window's days with their row counts (read back from the partitions), the config
    and the code version; failed days are listed with their errors."""
    days: dict[str, Any] = {}
    for plan in plans:
        if plan.day in run.failed:
            continue
        frame = pd.read_parquet(res.partition_path(run.out_dir, plan.day), columns=["location", "status"])
        days[plan.day] = {
            "fingerprint": plan.fingerprint,
            "n_locations": int(frame["location"].nunique()),
            "rows": len(frame),
            "rows_by_status": res.count_statuses(frame),
        }
    summary: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "config": config.to_dict(),
        "code": code_version(),
        "days": days,
        "days_not_archived": run.missing,
        "days_failed": dict(sorted(run.failed.items())),
    }
    res.write_summary(run.out_dir, summary)
