"""Quarantined days: a day whose data-quality checks fail runs its stages, but each only says so (ADR 0015).

``ingest@<day>`` records the day's verdict in its partition's
``provenance.json`` (:mod:`hayeknet.archive.quality`). Every later stage of a
quarantined day (:data:`SHORT_CIRCUIT_STAGES`) passes through the stage guard
of :mod:`hayeknet.pipeline.timings`, which calls :func:`short_circuit`: it
prints one line to the terminal (raw file, row, field and check; ``hayeknet
validate DAY`` lists every problem), shows a red "not valid" banner in the
stage's notebook, writes the stage's *marked* output so the walk-forward chains
continue, and returns a :class:`Quarantined` stand-in that the rest of the
notebook renders as nothing:

* ``assimilate``, ``beliefs``, ``simulate``: ``quarantine.json`` only (no EnKF
  state, no beliefs about the next day, no ledgers);
* ``train``: the previous study day's checkpoint, unchanged (the model trained
  on the days before), plus ``quarantine.json``;
* ``research``: the previous day's study history, unchanged (the day does not
  enter the history, the hypotheses or the study report), a journal saying
  why, and ``quarantine.json``;
* ``report``: the red "not valid" page.

Later days skip the day: :meth:`~hayeknet.pipeline.context.StageContext.days_through`
leaves it out (training and beliefs history), :func:`hayeknet.pipeline.stages.ingest.archived`
says False for it, and :func:`~hayeknet.pipeline.stages.ingest.read_day` refuses it.
Fixing the raw file and running ``dvc repro`` again re-runs ingest, which
clears the verdict, and everything downstream.
"""

from __future__ import annotations

import html
import json
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hayeknet.io import atomic_directory, atomic_write_json

if TYPE_CHECKING:
    from hayeknet.config import ProjectPaths
    from hayeknet.pipeline.context import StageContext

QUARANTINE_FILE = "quarantine.json"
"""The marker a short-circuited stage writes into its output folder."""
SHORT_CIRCUIT_STAGES = ("assimilate", "beliefs", "train", "simulate", "research", "report")
"""Per-day stages that stop on a quarantined day (ingest is where the verdict is made)."""
QUARANTINED = "quarantined"
MAX_PROVENANCE_BYTES = 64 << 20


def provenance_of(paths: ProjectPaths, day: str) -> dict[str, Any] | None:
    """The archive partition's ``provenance.json`` of ``day`` (None when the day is not archived)."""
    path = paths.archive_day(day) / "provenance.json"
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_PROVENANCE_BYTES)
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        record = json.loads(data)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def reason(paths: ProjectPaths, day: str) -> str | None:
    """Why ``day`` is quarantined, in one line (raw file, row, field, check), or None when it is not."""
    record = provenance_of(paths, day)
    if record is None or record.get("verdict") != QUARANTINED:
        return None
    lines = record.get("quarantine") or ["the day's checks failed"]
    first = str(lines[0])
    more = f" and {len(lines) - 1} more failed check(s)" if len(lines) > 1 else ""
    return f"{first}{more}"


def is_quarantined(paths: ProjectPaths, day: str) -> bool:
    """Whether ``day``'s archive partition is quarantined."""
    record = provenance_of(paths, day)
    return record is not None and record.get("verdict") == QUARANTINED


def quarantined_days(paths: ProjectPaths, days: list[str]) -> dict[str, str]:
    """``{day: reason}`` of the quarantined ones among ``days``."""
    out = {}
    for day in days:
        why = reason(paths, day)
        if why is not None:
            out[day] = why
    return out


def one_line(stage: str, day: str, why: str) -> str:
    return f"{stage}@{day}: {day} is quarantined, not run: {why}; `hayeknet validate {day}` lists every problem"


class Quarantined(str):
    """What a short-circuited stage returns: an empty string that answers every public attribute and call
    with itself and displays as nothing, so a stage notebook runs to its end on a quarantined day (the banner
    was shown once, by :func:`short_circuit`)."""

    stage: str
    day: str
    reason: str

    def __new__(cls, stage: str, day: str, why: str) -> Quarantined:
        obj = super().__new__(cls, "")
        obj.stage, obj.day, obj.reason = stage, day, why
        return obj

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> Quarantined:
        return self

    def __getitem__(self, key: Any) -> Quarantined:
        """``outcome.metrics["x"]`` in a notebook is itself too (a ``str`` would want an integer index)."""
        return self

    def _ipython_display_(self) -> None:
        return None

    def __repr__(self) -> str:
        return f"<{self.stage}@{self.day}: quarantined>"


def is_stand_in(value: Any) -> bool:
    """Whether ``value`` is a :class:`Quarantined` stand-in (a notebook helper shows nothing for it)."""
    return isinstance(value, Quarantined)


def banner_html(day: str, why: str) -> str:
    """The red "not valid" banner of a quarantined day."""
    return (
        '<div class="hayeknet-quarantine" style="border:3px solid #b00020;background:#fdecea;color:#7f0015;'
        'padding:1em 1.2em;margin:1em 0;font-size:1.05em">'
        f"<p style='margin:0 0 .5em 0;font-size:1.3em'><strong>NOT VALID: operating day {html.escape(day)} "
        "is quarantined.</strong></p>"
        f"<p style='margin:0 0 .5em 0'>{html.escape(why)}</p>"
        "<p style='margin:0'>No number, table or figure of this day is shown or used: the stages of the day "
        "did not run, later days' training and beliefs skip it. Run <code>hayeknet validate "
        f"{html.escape(day)}</code> for every problem; fix or re-collect the raw file and run "
        "<code>dvc repro</code> again.</p></div>"
    )


def show_banner(day: str, why: str) -> None:
    """Display the banner when running inside a notebook kernel (nothing otherwise)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return
    try:
        shell = ipython.get_ipython()
    except AttributeError:  # pragma: no cover - partial IPython
        return
    if shell is None or not hasattr(shell, "kernel"):
        return
    from IPython.display import HTML, display

    display(HTML(banner_html(day, why)))


def _marker(day: str, stage: str, why: str) -> dict[str, Any]:
    return {"day": day, "stage": stage, "verdict": QUARANTINED, "reason": why}


def _write_marker_folder(folder: Path, day: str, stage: str, why: str) -> None:
    with atomic_directory(folder) as tmp:
        atomic_write_json(tmp / QUARANTINE_FILE, _marker(day, stage, why))


def _train(ctx: StageContext, day: str, why: str) -> None:
    from hayeknet.pipeline.context import StageInputError

    prev = ctx.prev_of(day)
    source = ctx.paths.models / prev
    if not source.is_dir():
        raise StageInputError(f"{source}: previous checkpoint missing (run train@{prev})")
    with atomic_directory(ctx.paths.models / day) as tmp:
        shutil.copytree(source, tmp, dirs_exist_ok=True)
        (tmp / QUARANTINE_FILE).unlink(missing_ok=True)
        atomic_write_json(tmp / QUARANTINE_FILE, _marker(day, "train", why) | {"checkpoint_of": prev})


def _research(ctx: StageContext, day: str, why: str) -> None:
    from hayeknet.pipeline.stages import research

    history = research.read_history(ctx, ctx.prev_of(day))
    journal = (
        f"# {day}: quarantined\n\nThe day's data failed its quality checks, so no question was answered and the "
        f"day does not enter the study history.\n\n{why}\n\nRun `hayeknet validate {day}` for every problem.\n"
    )
    with atomic_directory(ctx.paths.research / day) as tmp:
        atomic_write_json(tmp / research.HISTORY_FILE, history)
        (tmp / research.JOURNAL_FILE).write_text(journal)
        atomic_write_json(tmp / QUARANTINE_FILE, _marker(day, "research", why))


def _marked_output(ctx: StageContext, stage: str, day: str, why: str) -> None:
    paths = ctx.paths
    if stage == "assimilate":
        _write_marker_folder(paths.states / day, day, stage, why)
    elif stage == "beliefs":
        _write_marker_folder(paths.beliefs / day, day, stage, why)
    elif stage == "simulate":
        _write_marker_folder(paths.simulations / day, day, stage, why)
    elif stage == "train":
        _train(ctx, day, why)
    elif stage == "research":
        _research(ctx, day, why)
    # report: the notebook renders the banner page; nbconvert writes it


def short_circuit(ctx: StageContext, stage: str, day: str) -> Quarantined | None:
    """For a quarantined ``day``: print the one line, show the banner, write the stage's marked output and
    return the stand-in; None (nothing done) when the day is not quarantined."""
    from hayeknet.pipeline.timings import progress

    if stage not in SHORT_CIRCUIT_STAGES or day == "init":
        return None
    why = reason(ctx.paths, day)
    if why is None:
        return None
    progress(one_line(stage, day, why))
    show_banner(day, why)
    _marked_output(ctx, stage, day, why)
    return Quarantined(stage, day, why)


def announce_ingest(ctx: StageContext, day: str) -> None:
    """After ingest: the one line and the banner when it quarantined the day."""
    from hayeknet.pipeline.timings import progress

    why = reason(ctx.paths, day)
    if why is None:
        return
    progress(f"ingest@{day}: {day} quarantined: {why}; its stages will not run (`hayeknet validate {day}`)")
    show_banner(day, why)


__all__ = [
    "QUARANTINE_FILE",
    "SHORT_CIRCUIT_STAGES",
    "Quarantined",
    "announce_ingest",
    "banner_html",
    "is_quarantined",
    "is_stand_in",
    "provenance_of",
    "quarantined_days",
    "reason",
    "short_circuit",
]
