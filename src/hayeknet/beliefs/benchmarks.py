"""Benchmarks of the beliefs stage for ``make bench``.

``beliefs_refit_reused``: one day's fit + posterior predictive with a
:class:`~hayeknet.beliefs.model.BeliefModel` kept from an earlier day (only the
data change), against the baseline of building and compiling a fresh model and
then fitting, measured in the same run on the same synthetic days. The
absolute time is checked against the target of 60 s per day on 2 cores.
"""

from __future__ import annotations

import logging
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd

from hayeknet.beliefs.events import EventThresholds
from hayeknet.beliefs.model import BeliefModel
from hayeknet.beliefs.next_day import run_beliefs_day
from hayeknet.benchmarking import BenchResult, time_result
from hayeknet.ercot.locations import default_catalogue
from hayeknet.ercot.parse import parse_files
from hayeknet.ercot.synthetic import write_synthetic_day
from hayeknet.params import BeliefsParams


def _synthetic_tables(days: list[str], seed: int = 20251001) -> list[tuple[str, pd.DataFrame]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = []
        for day in days:
            files = write_synthetic_day(
                day, Path(tmp), default_catalogue(0), seed=seed, reports=["NP6-788-CD", "NP4-190-CD"]
            )
            out.append((day, parse_files(files)))
    return out


def benchmarks(quick: bool = False) -> list[BenchResult]:
    """Refit with the compiled model reused vs a fresh build + compile + fit (seconds per day).

    ``quick``: one history day and a handful of draws (one chain) — exercises
    the code path in seconds (most of it the fresh compile); the full run uses
    the default settings (5 history days, 2 chains x 300 draws after 300 tune).
    """
    logging.getLogger("pymc").setLevel(logging.ERROR)
    if quick:
        days = ["2025-10-01", "2025-10-02", "2025-10-03"]
        settings = BeliefsParams(history_days=1, paths_per_draw=1, chains=1, draws=10, tune=10)
    else:
        days = [f"2025-10-{d:02d}" for d in range(1, 8)]
        settings = BeliefsParams()
    tables = _synthetic_tables(days)
    thresholds = EventThresholds()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Warm the model on the previous day (as the walk-forward loop would) ...
        model = BeliefModel(settings)
        run_beliefs_day(tables[:-1], days[-2], "HB_WEST", thresholds, settings, model=model)
        start = time.perf_counter()
        reused = run_beliefs_day(
            tables[:-1], days[-1], "HB_WEST", thresholds, settings, model=model, dam_table=tables[-1][1]
        )
        reused_s = time.perf_counter() - start
        # ... and the baseline: a fresh model built and compiled for the same day.
        start = time.perf_counter()
        run_beliefs_day(
            tables[:-1], days[-1], "HB_WEST", thresholds, settings, model=BeliefModel(settings), dam_table=tables[-1][1]
        )
        fresh_s = time.perf_counter() - start
    d = reused.diagnostics
    note = (
        f"{len(reused.history_days)} history days, {d.chains} chains x {d.draws} draws "
        f"(+{d.tune} tune), {reused.n_paths} predictive paths; converged={d.converged}, "
        f"R-hat max {d.rhat_max:.3f}, ESS bulk min {d.ess_bulk_min:.0f}"
    )
    return [
        time_result(
            "beliefs_refit_reused",
            reused_s,
            fresh_s,
            unit="s",
            baseline="fresh model build + compile + fit, same day, same run",
            target="< 60 s per day on 2 cores",
            note=note,
        ),
    ]
