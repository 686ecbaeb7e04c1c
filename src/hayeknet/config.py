"""Every path of the project in one place.

The project root is found from ``HAYEKNET_ROOT`` or by walking up from the
current directory to the folder holding ``dvc.yaml`` and ``params.yaml`` (so a
notebook opened from ``notebooks/`` in JupyterLab finds the same files as the
papermill run that DVC starts from the root). No module hard-codes a folder.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

ROOT_MARKERS = ("dvc.yaml", "params.yaml")


def find_root(start: Path | None = None) -> Path:
    """Return the project root: ``$HAYEKNET_ROOT`` or the nearest folder with the markers."""
    env = os.environ.get("HAYEKNET_ROOT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if all((candidate / m).exists() for m in ROOT_MARKERS):
            return candidate
    raise FileNotFoundError(
        f"no HayekNet project root above {here}: expected a folder with {' and '.join(ROOT_MARKERS)}"
        " (or set HAYEKNET_ROOT)"
    )


@dataclass(frozen=True)
class ProjectPaths:
    """Folders of one project checkout. Raw data under ``data/``; outputs elsewhere."""

    root: Path

    @property
    def params_file(self) -> Path:
        return self.root / "params.yaml"

    @property
    def dvc_file(self) -> Path:
        """The pipeline (``dvc.yaml``): its stages' ``params:`` entries are the stage contracts."""
        return self.root / "dvc.yaml"

    @property
    def days_file(self) -> Path:
        """The list of collected days that ``dvc.yaml`` iterates over (written by collect)."""
        return self.root / "days.yaml"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def raw(self) -> Path:
        """Raw files exactly as ERCOT publishes them: ``data/raw/<report>/<day>/``."""
        return self.data / "raw"

    @property
    def collect_log(self) -> Path:
        """Per-day collection provenance: ``data/provenance/<day>.json``."""
        return self.data / "provenance"

    @property
    def artifacts(self) -> Path:
        return self.root / "artifacts"

    @property
    def archive(self) -> Path:
        """Parquet archive, one partition per day: ``artifacts/archive/day=<day>/``."""
        return self.artifacts / "archive"

    @property
    def states(self) -> Path:
        """EnKF outputs: ``artifacts/states/<day>/``."""
        return self.artifacts / "states"

    @property
    def beliefs(self) -> Path:
        """Beliefs stated for the next day and the scores of the previous ones: ``artifacts/beliefs/<day>/``."""
        return self.artifacts / "beliefs"

    @property
    def models(self) -> Path:
        """PPO checkpoints: ``artifacts/models/<day>/`` (trained on days up to and including day)."""
        return self.artifacts / "models"

    @property
    def simulations(self) -> Path:
        """Ledgers and strategy results: ``artifacts/simulations/<day>/``."""
        return self.artifacts / "simulations"

    @property
    def research(self) -> Path:
        """Journal, Q&A and results JSON: ``artifacts/research/<day>/``."""
        return self.artifacts / "research"

    @property
    def metrics(self) -> Path:
        """The study's DVC metrics and plot data, ``metrics/study.json`` and ``metrics/daily_profit.csv``:
        small files kept in git (not in the DVC cache), so that ``dvc exp show`` finds them in every
        experiment and ``dvc metrics diff`` in every commit."""
        return self.root / "metrics"

    @property
    def sweep(self) -> Path:
        """The siting sweep's results, ``artifacts/sweep/day=<day>/results.parquet`` and ``sweep.json``."""
        return self.artifacts / "sweep"

    @property
    def timings(self) -> Path:
        """Wall-clock logs of the stage runs, ``artifacts/timings/<stage>@<day>.json`` (not DVC outputs)."""
        return self.artifacts / "timings"

    @property
    def executed_notebooks(self) -> Path:
        """The notebooks as papermill executed them: ``artifacts/notebooks/<stage>/<day>.ipynb``."""
        return self.artifacts / "notebooks"

    @property
    def reports(self) -> Path:
        """HTML reports: ``reports/daily/<day>.html`` and ``reports/study.html``."""
        return self.root / "reports"

    @property
    def daily_reports(self) -> Path:
        """One HTML report per day: ``reports/daily/<day>.html``."""
        return self.reports / "daily"

    @property
    def thesis_figures(self) -> Path:
        """Thesis figures (vector PDF + 300-dpi PNG): ``reports/thesis/``."""
        return self.reports / "thesis"

    @property
    def observations(self) -> Path:
        """The researcher's own notes per day (git, never a DVC output): ``notes/observations/<day>.md``."""
        return self.root / "notes" / "observations"

    def archive_day(self, day: dt.date | str) -> Path:
        return self.archive / f"day={_iso(day)}"

    def raw_day(self, report_dir: str, day: dt.date | str) -> Path:
        return self.raw / report_dir / _iso(day)


def _iso(day: dt.date | str) -> str:
    return day if isinstance(day, str) else day.isoformat()


def project_paths(start: Path | None = None) -> ProjectPaths:
    """Paths of the project containing ``start`` (default: the current directory)."""
    return ProjectPaths(find_root(start))
