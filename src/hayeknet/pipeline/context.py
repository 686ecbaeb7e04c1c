"""What every stage runs in: the project's paths, its validated params (as each stage may see
them) and the study's days.

A stage never reads ``params.yaml`` as a whole: :meth:`StageContext.params_for`
gives it the params its ``dvc.yaml`` entry declares (:mod:`hayeknet.pipeline.contracts`),
so a number in a report can always be traced to ``dvc.lock``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from hayeknet.config import ProjectPaths, project_paths
from hayeknet.params import Params, load_params
from hayeknet.pipeline.contracts import declared_params, guarded_params, reads_for
from hayeknet.pipeline.days import INIT, read_days_file


class StageInputError(RuntimeError):
    """A stage's input is missing or unusable (names the path and what is wrong)."""


class StageContext:
    """Paths, params and days of the project a stage runs in.

    ``params`` (the whole validated ``params.yaml``) is for the code that
    builds contexts; stages ask :meth:`params_for` with their own DVC stage name.
    """

    def __init__(self, paths: ProjectPaths, params: Params) -> None:
        self.paths = paths
        self._params = params
        self._views: dict[str, Params] = {}

    @classmethod
    def load(cls, start: Path | None = None) -> StageContext:
        paths = project_paths(start)
        return cls(paths, load_params(paths.params_file))

    def params_for(self, stage: str) -> Params:
        """The params as stage ``stage`` of ``dvc.yaml`` may read them (undeclared keys raise)."""
        if stage not in self._views:
            declared = declared_params(self.paths.dvc_file, stage)
            self._views[stage] = guarded_params(self._params, declared, reads_for(stage))
        return self._views[stage]

    def study_days(self) -> list[dt.date]:
        """Days of ``days.yaml`` (the pipeline's days), oldest first."""
        return read_days_file(self.paths.days_file)

    def prev_of(self, day: str) -> str:
        """The study day before ``day`` (ISO) or ``init``."""
        d = dt.date.fromisoformat(day)
        earlier = [x for x in self.study_days() if x < d]
        return earlier[-1].isoformat() if earlier else INIT

    def days_through(self, day: str) -> list[str]:
        """Study days up to and including ``day`` (ISO strings), quarantined days left out (their data is
        never used: :mod:`hayeknet.pipeline.quarantine`)."""
        from hayeknet.pipeline.quarantine import is_quarantined

        d = dt.date.fromisoformat(day)
        return [x.isoformat() for x in self.study_days() if x <= d and not is_quarantined(self.paths, x.isoformat())]


def check_day(day: str) -> str:
    """``day`` as an ISO date string, or :class:`StageInputError` naming what was given."""
    try:
        return dt.date.fromisoformat(str(day)).isoformat()
    except ValueError:
        raise StageInputError(f"day must be YYYY-MM-DD, got {day!r}") from None


def read_json(path: Path) -> Any:
    """A stage output's JSON, or :class:`StageInputError` telling which stage to run."""
    if not path.exists():
        raise StageInputError(f"{path}: missing (run the upstream stage: dvc repro)")
    return json.loads(path.read_text())
