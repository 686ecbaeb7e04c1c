"""Shared pieces of ``make bench``: a result record and a robust timer.

Every benchmark compares against a baseline measured in the same run, so the
``ratio`` (baseline / value for times, value / baseline for throughputs; > 1
means HayekNet is better) is meaningful across machines. Absolute figures are
also kept for targets such as "under 50 ms".
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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
