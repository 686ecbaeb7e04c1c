"""Progress of a long command over days (``hayeknet collect``): a bar on a terminal, one line per day in a log.

:func:`day_progress` chooses: when the error stream is a terminal, a ``tqdm``
bar there (days done of the window, collected and skipped counts, the day at
hand, elapsed time and an ETA); otherwise (cron, a pipe, a log file) one line
per day on the output stream, e.g.::

    collect 2025-10-02 [2/30]: collected 312 files (4.1 MB) in 0.8 s; ETA 22 s

Both implement :class:`DayProgress`, which :func:`hayeknet.pipeline.collect.collect`
calls once per day; :class:`NoProgress` says nothing (library use, tests).
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from typing import Any, Protocol, TextIO

COLLECTED = "collected"
SKIPPED = "skipped"
INCOMPLETE = "incomplete"


class DayProgress(Protocol):
    """Told the window once, then each day as it is done, then closed (also after an error)."""

    def start(self, task: str, days: list[dt.date]) -> None: ...

    def day_done(self, day: dt.date, status: str, n_files: int, n_bytes: int, seconds: float) -> None: ...

    def close(self) -> None: ...


class NoProgress:
    """Says nothing."""

    def start(self, task: str, days: list[dt.date]) -> None:
        pass

    def day_done(self, day: dt.date, status: str, n_files: int, n_bytes: int, seconds: float) -> None:
        pass

    def close(self) -> None:
        pass


def megabytes(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.1f} MB"


def duration(seconds: float) -> str:
    """``42 s``, ``3 min 05 s``, ``2 h 07 min``."""
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {(s % 3600) // 60:02d} min"


class _Counts:
    def __init__(self) -> None:
        self.task = ""
        self.total = 0
        self.done = 0
        self.collected = 0
        self.skipped = 0
        self.work_seconds = 0.0

    def add(self, status: str, seconds: float) -> None:
        self.done += 1
        if status == SKIPPED:
            self.skipped += 1
        else:
            self.collected += 1
            self.work_seconds += seconds

    def eta_seconds(self) -> float | None:
        """Remaining days at the mean time of a collected day so far (None before the first)."""
        if self.collected == 0:
            return None
        return (self.total - self.done) * self.work_seconds / self.collected


class LineProgress:
    """One line per day on ``stream`` (a log: no carriage returns, no bar)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.counts = _Counts()

    def start(self, task: str, days: list[dt.date]) -> None:
        self.counts.task, self.counts.total = task, len(days)

    def day_done(self, day: dt.date, status: str, n_files: int, n_bytes: int, seconds: float) -> None:
        c = self.counts
        c.add(status, seconds)
        what = (
            f"already present ({n_files} files)"
            if status == SKIPPED
            else f"{status} {n_files} files ({megabytes(n_bytes)}) in {seconds:.1f} s"
        )
        eta = c.eta_seconds()
        tail = f"; ETA {duration(eta)}" if eta is not None and c.done < c.total else ""
        print(f"{c.task} {day} [{c.done}/{c.total}]: {what}{tail}", file=self.stream, flush=True)

    def close(self) -> None:
        pass


class BarProgress:
    """A ``tqdm`` bar on ``stream``: days done of the window, counts, the last day, elapsed and ETA."""

    BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} days [{elapsed}, ETA {remaining}{postfix}]"

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.counts = _Counts()
        self.bar: Any = None

    def start(self, task: str, days: list[dt.date]) -> None:
        from tqdm import tqdm

        self.counts.task, self.counts.total = task, len(days)
        columns = shutil.get_terminal_size(fallback=(100, 24)).columns or 100  # a fresh pty can say 0
        self.bar = tqdm(
            total=len(days),
            desc=task,
            unit="day",
            file=self.stream,
            bar_format=self.BAR_FORMAT,
            ncols=min(max(columns, 60), 160),
            mininterval=0.2,
        )

    def day_done(self, day: dt.date, status: str, n_files: int, n_bytes: int, seconds: float) -> None:
        self.counts.add(status, seconds)
        if self.bar is None:
            return
        self.bar.set_postfix_str(
            f"{day}: {self.counts.collected} collected, {self.counts.skipped} present", refresh=False
        )
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def day_progress(out: TextIO, err: TextIO) -> DayProgress:
    """A bar on ``err`` when it is a terminal, else one line per day on ``out``."""
    isatty = getattr(err, "isatty", None)
    if isatty is not None and isatty():
        return BarProgress(err)
    return LineProgress(out)


class Stopwatch:
    """Seconds since it was made (``time.perf_counter``)."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()

    def seconds(self) -> float:
        return time.perf_counter() - self.t0
