"""Wall-clock timings of the stages, kept out of every DVC-tracked output.

Identical inputs must give identical outputs, or DVC's cache and ``dvc.lock``
mean nothing; a ``seconds`` field in a tracked JSON breaks that on every run.
The domain code still measures its phases (the EnKF day, the PyMC compile and
sampling, a PPO increment) and the notebooks show them, but a stage writes a
tracked JSON through :func:`tracked_json`, which moves every wall-clock field
(:data:`WALL_CLOCK_KEYS`) into the stage's timing log
``artifacts/timings/<stage>@<day>.json`` (:func:`write_timings`), a plain file
no stage declares. Each stage run also prints one line to the terminal when it
is done (:func:`progress`), and the log records the stage's peak memory
(``peak_rss_mib``: the kernel process's peak resident set).
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from hayeknet.io import atomic_write_json

WALL_CLOCK_KEYS = frozenset({"seconds", "compile_seconds", "sample_seconds", "wall_seconds", "elapsed_seconds"})
"""Keys of measured wall-clock durations: never written into a tracked output."""


def split_wall_clock(payload: Any, path: str = "") -> tuple[Any, dict[str, float]]:
    """``payload`` without its wall-clock fields (recursively) and those fields by dotted path."""
    found: dict[str, float] = {}
    if isinstance(payload, dict):
        clean: dict[str, Any] = {}
        for key, value in payload.items():
            where = f"{path}.{key}" if path else str(key)
            if key in WALL_CLOCK_KEYS and isinstance(value, (int, float)):
                found[where] = float(value)
                continue
            clean[key], inner = split_wall_clock(value, where)
            found.update(inner)
        return clean, found
    if isinstance(payload, list):
        items = []
        for i, value in enumerate(payload):
            item, inner = split_wall_clock(value, f"{path}[{i}]")
            items.append(item)
            found.update(inner)
        return items, found
    return payload, found


class StageClock:
    """The wall-clock record of one stage run: total seconds and the phases its outputs measured."""

    def __init__(self, stage: str, key: str) -> None:
        self.stage, self.key = stage, key
        self.started = time.perf_counter()
        self.phases: dict[str, float] = {}

    def note(self, prefix: str, timings: dict[str, float]) -> None:
        self.phases.update({f"{prefix}:{k}": v for k, v in timings.items()})

    def record(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "key": self.key,
            "seconds": time.perf_counter() - self.started,
            "peak_rss_mib": peak_rss_mib(),
            "phases": dict(sorted(self.phases.items())),
        }


def peak_rss_mib() -> float:
    """The peak resident memory of this process so far, MiB (the stage's kernel: the stage's peak)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024.0 * 1024.0) if sys.platform == "darwin" else peak / 1024.0  # bytes on macOS, KiB on Linux


_CURRENT: ContextVar[StageClock | None] = ContextVar("hayeknet_stage_clock", default=None)


def tracked_json(path: Path, payload: Any) -> None:
    """Write ``payload`` as strict JSON to ``path`` (a DVC-tracked output) without its wall-clock fields;
    those go to the running stage's timing log (:func:`stage_clock`), if any."""
    clean, timings = split_wall_clock(payload)
    clock = _CURRENT.get()
    if clock is not None and timings:
        clock.note(Path(path).name, timings)
    atomic_write_json(Path(path), clean)


def note_timings(prefix: str, values: dict[str, float]) -> None:
    """Add ``values`` (wall-clock or other run-dependent numbers) to the running stage's timing log."""
    clock = _CURRENT.get()
    if clock is not None:
        clock.note(prefix, values)


def write_timings(folder: Path, clock: StageClock) -> Path:
    """Write ``<folder>/<stage>@<key>.json`` (``artifacts/timings``: a log, not a DVC output)."""
    out = Path(folder) / f"{clock.stage}@{clock.key}.json"
    atomic_write_json(out, clock.record())
    return out


def progress(line: str) -> None:
    """One line to the terminal the pipeline runs in (the process's original stderr: inside a papermill
    kernel, ``sys.stderr`` is a notebook output, ``sys.__stderr__`` is ``dvc repro``'s terminal)."""
    stream = sys.__stderr__
    if stream is not None:
        print(f"[hayeknet] {line}", file=stream, flush=True)


@contextmanager
def stage_clock(folder: Path, stage: str, key: str) -> Iterator[StageClock]:
    """Time a stage run (the clock that :func:`tracked_json` reports to) and write its log on success."""
    clock = StageClock(stage, key)
    token = _CURRENT.set(clock)
    try:
        yield clock
    finally:
        _CURRENT.reset(token)
    write_timings(folder, clock)


INPUT_ERRORS = frozenset(
    {
        "StageInputError",
        "PriceQueryError",
        "ReportFormatError",
        "ArchiveError",
        "MissingDataError",
        "EventDataError",
        "CheckpointError",
        "ParamsError",
        "UndeclaredParamError",
        "CollectorError",
    }
)
"""Exception classes (by name, anywhere in the MRO) that are a stage's *input* errors: the message names
the file, row and field (or key); a stage reports them in one line, not a traceback."""
ONE_LINE_CHARS = 400


class StageFailed(RuntimeError):
    """A stage stopped on a foreseeable fault; the message is the one line printed to the terminal.

    In a notebook kernel the cell's traceback is that line alone (IPython's
    ``_render_traceback_``), so papermill's report of the failed cell is short
    and names the input at fault; the original exception is the ``__cause__``.
    """

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}"]


def _clip(text: str, limit: int = ONE_LINE_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else f"{text[:limit]}... [{len(text) - limit} more characters]"


def foreseeable_message(exc: BaseException) -> str | None:
    """One line for a foreseeable fault (bad input, disk full, permission denied, interrupted), else None."""
    import errno

    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & INPUT_ERRORS:
        return _clip(str(exc))
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted (Ctrl-C or a signal): nothing half-written was kept; run `dvc repro` again"
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return _clip(f"{where}disk full (no space left on device): free space, then run `dvc repro` again")
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return _clip(f"{where}permission denied: check the owner and mode of the file or folder, then re-run")
    return None


def stage_failure(name: str, day: str, exc: BaseException) -> BaseException:
    """The exception to raise for ``exc`` in stage ``name@day``: a :class:`StageFailed` with one line (printed
    to the terminal now) for a foreseeable fault, else ``exc`` itself (a bug: its traceback is wanted)."""
    message = foreseeable_message(exc)
    if message is None:
        return exc
    line = f"{name}@{day} failed: {message}"
    progress(line)
    failed = StageFailed(line)
    failed.__cause__ = exc
    return failed


def _short_circuit(ctx: Any, stage: str, day: Any) -> Any:
    from hayeknet.pipeline.quarantine import short_circuit

    return short_circuit(ctx, stage, str(day))


def guarded(stage: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a stage function ``f(ctx, day)`` that is not timed (the report stage's ``load``): a quarantined
    day short-circuits (:mod:`hayeknet.pipeline.quarantine`), a foreseeable fault becomes one line."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def run(ctx: Any, day: str, *args: Any, **kwargs: Any) -> Any:
            held = _short_circuit(ctx, stage, day)
            if held is not None:
                return held
            try:
                return fn(ctx, day, *args, **kwargs)
            except Exception as exc:
                failure = stage_failure(stage, str(day), exc)
                if failure is exc:
                    raise
                raise failure from exc

        return run

    return wrap


def timed(stage: str, init_stage: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a stage's ``run(ctx, day)``: its wall clock goes to ``artifacts/timings/<stage>@<day>.json``
    (``init_stage`` names the run when ``day == "init"``). The stage guard: on a quarantined day the stage
    short-circuits (:mod:`hayeknet.pipeline.quarantine`); a foreseeable fault (an input error naming its
    file, row and field, disk full, permission denied) stops it with one line (:class:`StageFailed`)."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def run(ctx: Any, day: str, *args: Any, **kwargs: Any) -> Any:
            name = init_stage if init_stage is not None and day == "init" else stage
            held = _short_circuit(ctx, stage, day)
            if held is not None:
                return held
            try:
                with stage_clock(ctx.paths.timings, name, str(day)) as clock:
                    result = fn(ctx, day, *args, **kwargs)
            except Exception as exc:
                failure = stage_failure(name, str(day), exc)
                if failure is exc:
                    raise
                raise failure from exc
            progress(f"{name}@{day}: done in {time.perf_counter() - clock.started:.1f} s")
            if stage == "ingest":
                from hayeknet.pipeline.quarantine import announce_ingest

                announce_ingest(ctx, str(day))
            return result

        return run

    return wrap
