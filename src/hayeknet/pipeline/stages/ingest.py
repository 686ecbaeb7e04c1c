"""The ingest stage: raw ERCOT files of a day -> the day's archive partition."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from hayeknet.pipeline.stages.context import StageContext, check_day


@dataclass(frozen=True)
class IngestOutcome:
    """The day's archive partition and its provenance."""

    day: str
    provenance: dict[str, Any]

    def report_table(self) -> pd.DataFrame:
        """Rows per report and files per status."""
        files = pd.DataFrame(self.provenance["source_files"])
        per_report = files.groupby(["report", "status"]).size().unstack(fill_value=0)
        rows = pd.Series(self.provenance["row_counts"], name="rows")
        return per_report.join(rows, how="outer").fillna(0).astype(int)

    def checks_table(self) -> pd.DataFrame:
        return pd.DataFrame(self.provenance["checks"])


def run_ingest(ctx: StageContext, day: str) -> IngestOutcome:
    """Parse, validate and archive the day's raw files -> ``artifacts/archive/day=<day>/``."""
    from hayeknet.archive.ingest import ingest_day

    day = check_day(day)
    result = ingest_day(ctx.paths.raw, day, ctx.paths.archive)
    return IngestOutcome(day, result.provenance)
