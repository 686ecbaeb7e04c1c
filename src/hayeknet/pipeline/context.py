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
        """The project's context: its paths and its validated ``params.yaml`` (every key present, every value
        in range, the settlement points it names known to the project: :func:`check_settlement_points`)."""
        from hayeknet.params import ParamsError
        from hayeknet.pipeline.timings import StageFailed, progress

        paths = project_paths(start)
        try:
            params = load_params(paths.params_file)
            check_settlement_points(params, paths)
        except ParamsError as exc:  # one line in the terminal and as the notebook's traceback
            line = f"params: {exc}"
            progress(line)
            raise StageFailed(line) from exc
        return cls(paths, params)

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


CATALOGUE_PARTITIONS = 3
"""The newest archive partitions whose settlement points make the project's catalogue."""


def known_settlement_points(params: Params, paths: ProjectPaths) -> tuple[set[str], str] | None:
    """The settlement points the project knows and where they come from: the energy prices of the newest
    :data:`CATALOGUE_PARTITIONS` usable archive partitions, else (nothing archived yet) the synthetic
    market's catalogue when the study's source is synthetic; None when neither is available."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from hayeknet.archive.store import PRICES_FILE, archived_days, partition_dir, quarantined

    days = [d for d in archived_days(paths.archive) if not quarantined(paths.archive, d)][-CATALOGUE_PARTITIONS:]
    names: set[str] = set()
    for day in days:
        try:
            table = pq.read_table(partition_dir(paths.archive, day) / PRICES_FILE, columns=["location", "as_type"])
        except (OSError, ValueError):
            continue
        energy = table.filter(pc.is_null(table["as_type"]))
        names |= {str(n) for n in pc.unique(energy["location"]).to_pylist() if n is not None}
    if names:
        span = f"{days[0]}..{days[-1]}" if len(days) > 1 else str(days[0])
        return names, f"the archive ({span})"
    if params.study.source == "synthetic":
        from hayeknet.ercot.locations import default_catalogue

        return {p.name for p in default_catalogue(params.synthetic.n_resource_nodes)}, "the synthetic market"
    return None


def check_settlement_points(params: Params, paths: ProjectPaths) -> None:
    """Raise :class:`~hayeknet.params.ParamsError` naming the key when ``battery.location`` (or a
    ``beliefs.hub`` other than ``auto``) is not a settlement point the project knows
    (:func:`known_settlement_points`)."""
    from hayeknet.params import ParamsError

    known = known_settlement_points(params, paths)
    if known is None:
        return
    names, where = known
    wanted = {"battery.location": params.battery.location}
    if params.beliefs.hub != "auto":
        wanted["beliefs.hub"] = params.beliefs.hub
    for key, value in wanted.items():
        if value not in names:
            hubs = sorted(n for n in names if n.startswith("HB_"))[:8]
            raise ParamsError(
                f"{paths.params_file}: {key} = {value[:100]!r} is not a settlement point of {where} "
                f"({len(names)} known, e.g. {', '.join(hubs or sorted(names)[:8])})"
            )


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
