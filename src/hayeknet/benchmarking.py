"""Shared pieces of ``make bench``: a result record and a robust timer.

Every benchmark compares against a baseline measured in the same run, so the
``ratio`` (baseline / value for times, value / baseline for throughputs; > 1
means HayekNet is better) is meaningful across machines. Absolute figures are
also kept for targets such as "under 50 ms".

:func:`cpu_load` starts a CPU-bound process on every core, for ``make bench``'s
loaded mode (``python -m hayeknet.bench --load``): each figure measured idle and
again under that load, to show what a busy machine does to it.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class BenchResult:
    """One benchmark figure: ``value`` in ``unit`` against ``baseline_value`` measured in the same run."""

    name: str
    value: float
    unit: str
    baseline_value: float
    ratio: float
    baseline: str = ""
    target: str = ""
    note: str = ""
    condition: str = "idle"
    """``idle`` or ``loaded`` (``make bench`` with ``--load``: a CPU-bound process on every core)."""
    idle_value: float | None = None
    """In a ``loaded`` result: the same figure measured idle in the same run."""
    loaded_over_idle: float | None = None
    """In a ``loaded`` result: how much worse the figure is under load (time loaded / idle, rate idle / loaded)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def lower_is_better(self) -> bool:
        """Times (s, ms, us, MiB) are better low; rates (per second) better high."""
        return self.unit in ("s", "ms", "us", "MiB")


def median_seconds(fn: Callable[[], Any], repeat: int = 7, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` over ``repeat`` runs after ``warmup`` untimed runs (seconds)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_result(
    name: str,
    seconds: float,
    baseline_seconds: float,
    *,
    unit: str = "ms",
    baseline: str = "",
    target: str = "",
    note: str = "",
) -> BenchResult:
    """A timing result (lower is better): ratio = baseline time / our time."""
    scale = {"s": 1.0, "ms": 1e3, "us": 1e6}[unit]
    return BenchResult(
        name,
        seconds * scale,
        unit,
        baseline_seconds * scale,
        baseline_seconds / seconds if seconds > 0 else float("inf"),
        baseline,
        target,
        note,
    )


def rate_result(
    name: str, rate: float, baseline_rate: float, *, unit: str, baseline: str = "", target: str = "", note: str = ""
) -> BenchResult:
    """A throughput result (higher is better): ratio = our rate / baseline rate."""
    return BenchResult(
        name,
        rate,
        unit,
        baseline_rate,
        rate / baseline_rate if baseline_rate > 0 else float("inf"),
        baseline,
        target,
        note,
    )


def _spin(stop: Any) -> None:  # pragma: no cover - runs in the load processes
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x = (x * 1103515245 + 12345) & 0xFFFFFFFF


@contextmanager
def cpu_load(processes: int | None = None) -> Iterator[int]:
    """A CPU-bound pure-Python loop in ``processes`` processes (default: one per core) for the block."""
    n = processes or os.cpu_count() or 1
    ctx = multiprocessing.get_context("spawn")
    stop = ctx.Event()
    workers = [ctx.Process(target=_spin, args=(stop,), daemon=True) for _ in range(n)]
    for w in workers:
        w.start()
    time.sleep(0.5)  # let them reach full speed
    try:
        yield n
    finally:
        stop.set()
        for w in workers:
            w.join(timeout=5)
            if w.is_alive():
                w.terminate()
