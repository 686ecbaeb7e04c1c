"""``make bench``: one study day of every stage at full ERCOT scale (issue 16), against the default scale.

A temporary project collects one synthetic day with ``synthetic.n_resource_nodes:
1085`` (1,100 settlement points: 7 hubs, 8 load zones, 1,085 resource nodes) and
runs each stage's notebook the way ``dvc repro`` does (``papermill -k hayeknet``,
``nbconvert`` for the two reports), one process per stage, in the pipeline's
order: ingest, assimilate, beliefs, train, simulate, research, report, sweep,
study_report, thesis_figures (the init stages run first, untimed). The same
day runs again at the default scale (15 resource nodes, 30 points) in the same
run.

* ``pipeline.full_scale.<stage>``: wall seconds of the stage's process at 1,100
  points (kernel start included), against the default-scale time scaled
  linearly by the number of points (ratio > 1: the stage grows slower than the
  number of points; < 1: faster, i.e. superlinear). The note gives the stage's
  own timing log (seconds inside the kernel, peak resident memory).
* ``pipeline.full_scale.day``: the sum over the day's stages, target under 300 s
  on 2 cores (the nightly increment; ``dvc repro``'s own hashing not included).
* ``pipeline.full_scale.peak_memory``: the largest stage peak (MiB), target
  under 4 GiB.

The day is the study's first (its stages start from the init checkpoint and
beliefs). ``quick=True``: 2 resource nodes against 1, the PPO and NUTS settings
of the tiny test configuration.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hayeknet.benchmarking import BenchResult

DAY = "2025-10-01"
FULL_NODES = 1085
DEFAULT_NODES = 15
STAGES: tuple[tuple[str, str], ...] = (
    ("ingest", DAY),
    ("assimilate", DAY),
    ("beliefs", "init"),
    ("beliefs", DAY),
    ("train", "init"),
    ("train", DAY),
    ("simulate", DAY),
    ("research", "init"),
    ("research", DAY),
    ("report", DAY),
    ("sweep", DAY),
    ("study_report", DAY),
    ("thesis_figures", DAY),
)
"""(notebook, day) in the order ``dvc repro`` runs them; ``init`` runs are set-up, not timed in the totals."""
HTML_STAGES = {"report": "reports/daily", "study_report": "reports"}
LAST_DAY_STAGES = {"sweep", "study_report", "thesis_figures"}
TINY_OVERRIDES: dict[str, dict[str, Any]] = {
    "train": {"timesteps_per_day": 256, "n_envs": 2, "n_steps": 64, "batch_size": 64, "n_epochs": 2},
    "qse": {"timesteps_per_agent_per_day": 128},
    "beliefs": {"draws": 40, "tune": 40, "history_days": 2},
    "assimilation": {"ensemble_size": 10},
}


@dataclass(frozen=True)
class StageRun:
    """One stage process: its wall seconds, and its timing log's in-kernel seconds and peak memory (MiB)."""

    stage: str
    key: str
    seconds: float
    kernel_seconds: float
    peak_rss_mib: float


def _repo_root() -> Path:
    return Path(__file__).resolve().parents[3]


def make_project(folder: Path, n_resource_nodes: int, quick: bool) -> Path:
    """A project at ``folder`` (dvc.yaml, params.yaml, the notebooks) with one collected synthetic day."""
    from hayeknet.config import project_paths
    from hayeknet.params import load_params
    from hayeknet.pipeline.collect import collect

    repo = _repo_root()
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(repo / "dvc.yaml", folder / "dvc.yaml")
    shutil.copytree(repo / "notebooks", folder / "notebooks", dirs_exist_ok=True)
    raw = yaml.safe_load((repo / "params.yaml").read_text())
    raw["study"].update(start=DAY, end=DAY)
    raw["synthetic"].update(n_resource_nodes=n_resource_nodes, published_through=DAY)
    if quick:
        for section, values in TINY_OVERRIDES.items():
            raw[section].update(values)
    (folder / "params.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    paths = project_paths(folder)
    params = load_params(paths.params_file)
    collect(paths, params, dt.date.fromisoformat(DAY), DAY, source="synthetic", update_dvc=False)
    return folder


def run_stage(project: Path, stage: str, key: str) -> StageRun:
    """Run one stage's notebook as ``dvc.yaml`` does (papermill, then nbconvert for a report) and time it."""
    bin_dir = Path(sys.executable).parent
    out_dir = project / "artifacts" / "notebooks" / stage
    out_dir.mkdir(parents=True, exist_ok=True)
    param = "last_day" if stage in LAST_DAY_STAGES else "day"
    executed = out_dir / f"{key}.ipynb"
    commands = [
        [str(bin_dir / "papermill"), "-k", "hayeknet", "--no-progress-bar", "--log-level", "WARNING",
         f"notebooks/{stage}.ipynb", str(executed), "-p", param, key],
    ]  # fmt: skip
    if stage in HTML_STAGES:
        templates = Path(__file__).resolve().parents[1] / "reporting" / "nbconvert_templates"
        commands.append(
            [str(bin_dir / "jupyter"), "nbconvert", "--log-level", "WARN", "--to", "html", "--no-input",
             "--template", "hayeknet", f"--TemplateExporter.extra_template_basedirs={templates}",
             "--output-dir", HTML_STAGES[stage], "--output", key if stage == "report" else "study", str(executed)]
        )  # fmt: skip
    env = {**os.environ, "HAYEKNET_ROOT": str(project), "MPLBACKEND": "Agg", "PYTHON_JULIAPKG_OFFLINE": "yes"}
    start = time.perf_counter()
    for command in commands:
        proc = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"{stage}@{key} failed ({' '.join(command[:2])}):\n{proc.stderr[-3000:]}")
    seconds = time.perf_counter() - start
    name = {"beliefs": "beliefs_init", "train": "train_init", "research": "research_init"}.get(stage, stage)
    log_path = project / "artifacts" / "timings" / f"{name if key == 'init' else stage}@{key}.json"
    log = json.loads(log_path.read_text()) if log_path.exists() else {}
    return StageRun(stage, key, seconds, float(log.get("seconds", float("nan"))), float(log.get("peak_rss_mib", 0.0)))


def run_day(project: Path) -> list[StageRun]:
    """Every stage of :data:`STAGES` in order."""
    return [run_stage(project, stage, key) for stage, key in STAGES]


def _inside(run: StageRun) -> str:
    if run.kernel_seconds != run.kernel_seconds:  # NaN: the stage writes no timing log (report)
        return "no timing log of its own"
    return f"{run.kernel_seconds:.1f} s inside the stage, peak {run.peak_rss_mib:.0f} MiB"


def _points(project: Path) -> int:
    from hayeknet.archive.queries import realtime_wide
    from hayeknet.archive.store import read_day

    return int(realtime_wide(read_day(project / "artifacts" / "archive", DAY))[1].shape[1])


def benchmarks(quick: bool = False) -> list[BenchResult]:
    """One full-scale day per stage against the default scale (module doc)."""
    full_nodes, small_nodes = (2, 1) if quick else (FULL_NODES, DEFAULT_NODES)
    with tempfile.TemporaryDirectory(prefix="hayeknet-pipeline-bench-") as tmp:
        full_project = make_project(Path(tmp) / "full", full_nodes, quick)
        full = run_day(full_project)
        n_full = _points(full_project)
        small_project = make_project(Path(tmp) / "small", small_nodes, quick)
        small = run_day(small_project)
        n_small = _points(small_project)
    scale = n_full / n_small
    tag = " (quick)" if quick else ""
    results = []
    for big, base in zip(full, small):
        if big.key == "init":
            continue
        linear = base.seconds * scale
        results.append(
            BenchResult(
                f"pipeline.full_scale.{big.stage}",
                big.seconds,
                "s",
                linear,
                linear / big.seconds if big.seconds > 0 else float("inf"),
                baseline=f"the same stage at {n_small} points ({base.seconds:.1f} s) x {scale:.1f}, linear in points",
                note=f"{n_full} points, one day; {_inside(big)} (kernel start and notebook in the wall time){tag}",
            )
        )
    day_full = sum(r.seconds for r in full if r.key != "init")
    day_small = sum(r.seconds for r in small if r.key != "init")
    results.append(
        BenchResult(
            "pipeline.full_scale.day",
            day_full,
            "s",
            day_small * scale,
            day_small * scale / day_full,
            baseline=f"the day at {n_small} points ({day_small:.1f} s) x {scale:.1f}",
            target="< 300 s on 2 cores (the nightly increment)" if not quick else "",
            note=f"sum over the day's {sum(1 for r in full if r.key != 'init')} stage processes at {n_full} points; "
            f"init stages and dvc's hashing not included{tag}",
        )
    )
    worst = max(full, key=lambda r: r.peak_rss_mib)
    small_peak = max(r.peak_rss_mib for r in small)
    results.append(
        BenchResult(
            "pipeline.full_scale.peak_memory",
            worst.peak_rss_mib,
            "MiB",
            small_peak,
            small_peak / worst.peak_rss_mib if worst.peak_rss_mib > 0 else float("inf"),
            baseline=f"the largest stage peak at {n_small} points",
            target="no stage above 4 GiB (4096 MiB)" if not quick else "",
            note=f"largest stage peak at {n_full} points: {worst.stage}@{worst.key} (the kernel process; a sweep's "
            f"workers are separate processes, see sweep.peak_memory){tag}",
        )
    )
    return results


if __name__ == "__main__":  # pragma: no cover - manual run
    for r in benchmarks(quick="--quick" in sys.argv):
        print(r.to_dict())
