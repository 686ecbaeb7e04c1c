"""The beliefs stage: PyMC beliefs for the next day, coherence, calibration of yesterday's."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

import pandas as pd

from hayeknet.io import atomic_directory
from hayeknet.pipeline.days import INIT
from hayeknet.pipeline.stages.context import StageContext, check_day, read_json, write_json


@dataclass(frozen=True)
class BeliefsOutcome:
    day: str
    beliefs: dict[str, Any]
    calibration: dict[str, Any] | None

    def probabilities_table(self) -> pd.DataFrame:
        """P(event) for the next day and the next hour (A high price, B imbalance, C congestion)."""
        return pd.DataFrame({"next_day": self.beliefs.get("next_day", {}),
                             "next_hour": self.beliefs.get("next_hour", {})})

    def warnings(self) -> list[str]:
        return list(self.beliefs.get("warnings", []))


def run_beliefs(ctx: StageContext, day: str) -> BeliefsOutcome:
    """Fit the Bayesian model on the study days up to ``day`` and state beliefs for the next day
    -> ``artifacts/beliefs/<day>/`` (``beliefs.json``, ``hourly.parquet`` and, when the day
    before stated beliefs about ``day``, ``calibration.json`` scoring them). ``init``: empty folder."""
    import warnings

    from hayeknet.beliefs.stage import BeliefSettings, run_beliefs_stage, thresholds_from_params

    # pip's PyTensor links no BLAS; this model's likelihood is elementwise and does not need one
    warnings.filterwarnings("ignore", message="PyTensor could not link to a BLAS")
    out = ctx.paths.artifacts / "beliefs" / day
    if day == INIT:
        with atomic_directory(out) as tmp:
            write_json(tmp / "beliefs.json", {"day": None, "note": "study start: no beliefs yet"})
        return BeliefsOutcome(INIT, {}, None)
    day = check_day(day)
    section = dataclasses.asdict(ctx.params.beliefs)
    thresholds = thresholds_from_params(section, dataclasses.asdict(ctx.params.research))
    settings = BeliefSettings.from_params(section)
    previous = ctx.paths.artifacts / "beliefs" / ctx.prev_of(day) / "beliefs.json"
    with atomic_directory(out) as tmp:
        run_beliefs_stage(ctx.paths.archive, day, tmp, ctx.location, thresholds, settings,
                          previous_beliefs_file=previous)
    return read_beliefs(ctx, day)


def read_beliefs(ctx: StageContext, day: str) -> BeliefsOutcome:
    folder = ctx.paths.artifacts / "beliefs" / day
    beliefs = read_json(folder / "beliefs.json")
    calibration = json.loads((folder / "calibration.json").read_text()) if (folder / "calibration.json").exists() else None
    return BeliefsOutcome(day, beliefs, calibration)
