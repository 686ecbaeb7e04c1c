"""``hayeknet experiments``: the study metrics of the workspace, the commits and their DVC experiments, side by side.

Runs ``dvc exp show --json`` in the project root and reduces its output (DVC
3.x: a list of commits, the workspace first, each with ``data.params`` and
``data.metrics`` and its ``experiments``) to one table: a row per metric of
``metrics/study.json`` (written by the ``study_report`` stage; see
:mod:`hayeknet.research.study_metrics`) and a column per workspace, commit and
experiment, under the ``params.yaml`` values that differ between the columns.
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Column", "ExperimentsError", "ExperimentsTable", "experiments_table", "format_table", "register"]

METRICS_FILE = "metrics/study.json"
PARAMS_FILE = "params.yaml"
#: Metric groups shown by default, in this order (``daily.*`` only with ``--daily``; anything else last).
METRIC_ORDER = ("days", "profit_usd.", "capture_ratio.", "forecast.", "beliefs.")


class ExperimentsError(RuntimeError):
    """``dvc exp show`` cannot run or its output cannot be read (one line, names the folder)."""


@dataclass(frozen=True)
class Column:
    """One column of the table: the workspace, a commit (baseline) or an experiment of a commit."""

    name: str
    rev: str
    kind: str  # "workspace" | "baseline" | "experiment"
    baseline: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    metrics_error: str | None = None


@dataclass(frozen=True)
class ExperimentsTable:
    """Columns, the params that differ between them and the metric rows, each row one value per column."""

    columns: list[Column]
    params: dict[str, list[Any]]
    metrics: dict[str, list[Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": [
                {"name": c.name, "rev": c.rev, "kind": c.kind, "baseline": c.baseline, "metrics_error": c.metrics_error}
                for c in self.columns
            ],
            "params": self.params,
            "metrics": self.metrics,
        }


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}`` (lists stay values)."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def _column(entry: Mapping[str, Any], kind: str, baseline: str | None = None) -> Column:
    rev = str(entry.get("rev") or "")
    data = entry.get("data") or {}
    if kind == "workspace":
        name = "workspace"
    else:
        name = str(entry.get("name") or data.get("name") or rev[:7])
    params = flatten(((data.get("params") or {}).get(PARAMS_FILE) or {}).get("data") or {})
    metrics_entry = (data.get("metrics") or {}).get(METRICS_FILE) or {}
    error = metrics_entry.get("error")
    message = None
    if error:
        message = str(error.get("msg") or error.get("type") or error) if isinstance(error, Mapping) else str(error)
    elif entry.get("error"):
        err = entry["error"]
        message = str(err.get("msg") or err) if isinstance(err, Mapping) else str(err)
    metrics = flatten(metrics_entry.get("data") or {})
    return Column(name, rev, kind, baseline, params, metrics, message)


def _columns(shown: Sequence[Mapping[str, Any]]) -> Iterator[Column]:
    for commit in shown:
        if commit.get("rev") == "workspace":
            yield _column(commit, "workspace")
            continue
        base = _column(commit, "baseline")
        yield base
        for experiment in commit.get("experiments") or []:
            for rev in experiment.get("revs") or []:
                yield _column({**rev, "name": rev.get("name") or experiment.get("name")}, "experiment", base.name)


def _metric_rank(key: str) -> tuple[int, str]:
    for i, prefix in enumerate(METRIC_ORDER):
        if key == prefix or key.startswith(prefix):
            return i, ""
    return len(METRIC_ORDER), key


def experiments_table(shown: Sequence[Mapping[str, Any]], daily: bool = False) -> ExperimentsTable:
    """The table of a ``dvc exp show --json`` output (list of commits, DVC 3.x)."""
    columns = list(_columns(shown))
    param_keys = sorted({k for c in columns for k in c.params})
    differ = {}
    for key in param_keys:
        values = [c.params.get(key) for c in columns]
        if any(v != values[0] for v in values[1:]):
            differ[key] = values
    keys: list[str] = []
    for c in columns:  # first-seen order (the study_metrics order), grouped by METRIC_ORDER
        keys += [k for k in c.metrics if k not in keys]
    if not daily:
        keys = [k for k in keys if not k.startswith("daily.")]
    keys.sort(key=_metric_rank)  # stable: keeps the file's order within a group
    metrics = {k: [c.metrics.get(k) for c in columns] for k in keys}
    return ExperimentsTable(columns, differ, metrics)


# --------------------------------------------------------------------------- formatting


def format_value(key: str, value: Any) -> str:
    """A cell: dollars with thousands separators, ratios as %, other numbers to 3 significant places."""
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    last = key.rsplit(".", 1)[-1]
    if key.startswith(("profit_usd.", "daily.")) or last.endswith("_usd"):
        return f"-${-value:,.0f}" if value < 0 else f"${value:,.0f}"
    if key.startswith("capture_ratio."):
        return f"{value * 100:.1f}%"
    if isinstance(value, int):
        return f"{value:,}"
    if last.endswith("_usd_per_mwh"):
        return f"${value:,.2f}/MWh"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def _param_value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    return json.dumps(value) if isinstance(value, (list, dict)) else str(value)


def _kind(column: Column) -> str:
    if column.kind == "workspace":
        return "uncommitted"
    if column.kind == "baseline":
        return f"commit {column.rev[:7]}"
    return f"exp of {column.baseline}"


def format_table(table: ExperimentsTable) -> str:
    """The table as aligned text: the differing params, a rule, then the metrics."""
    header = ["", *[c.name for c in table.columns]]
    kinds = ["", *[_kind(c) for c in table.columns]]
    rows: list[list[str]] = [header, kinds]
    sections: list[int] = []
    if table.params:
        sections.append(len(rows))
        rows.append(["params that differ", *[""] * len(table.columns)])
        rows += [[key, *[_param_value(v) for v in values]] for key, values in table.params.items()]
    sections.append(len(rows))
    rows.append([f"metrics ({METRICS_FILE})", *[""] * len(table.columns)])
    rows += [[key, *[format_value(key, v) for v in values]] for key, values in table.metrics.items()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        if n in sections:
            lines.append(row[0])
            continue
        cells = [row[0].ljust(widths[0]), *[cell.rjust(w) for cell, w in zip(row[1:], widths[1:])]]
        lines.append("  ".join(cells).rstrip())
    notes = [f"{c.name}: {METRICS_FILE} unreadable ({c.metrics_error})" for c in table.columns if c.metrics_error]
    if not table.metrics:
        notes.append(f"no study metrics yet ({METRICS_FILE} is written by the study_report stage: run `dvc repro`)")
    return "\n".join(lines + notes)


# --------------------------------------------------------------------------- dvc


def find_dvc() -> str | None:
    """The ``dvc`` executable: the one beside this Python (the project's .venv/bin), else on PATH."""
    beside = Path(sys.executable).parent / "dvc"
    if beside.is_file():
        return str(beside)
    return shutil.which("dvc")


def dvc_exp_show(root: Path, all_commits: bool = False) -> list[dict[str, Any]]:
    """``dvc exp show --json`` run in ``root``, parsed; :class:`ExperimentsError` when it cannot run."""
    if not (root / ".dvc").is_dir():
        raise ExperimentsError(f"{root} is not a DVC repository (no .dvc folder): run `git init && dvc init` first")
    dvc = find_dvc()
    if dvc is None:
        raise ExperimentsError("dvc not found (neither beside this Python nor on PATH): install dvc>=3")
    cmd = [dvc, "exp", "show", "--json", *(["--all-commits"] if all_commits else [])]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    if proc.returncode != 0:
        lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
        reason = next((ln for ln in lines if ln.startswith("ERROR")), lines[-1] if lines else f"exit {proc.returncode}")
        raise ExperimentsError(f"`dvc exp show --json` failed in {root}: {reason}")
    try:
        shown = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError as exc:
        raise ExperimentsError(f"`dvc exp show --json` in {root} printed no JSON ({exc})") from None
    if not isinstance(shown, list):
        raise ExperimentsError(
            f"`dvc exp show --json` in {root}: expected a list of commits, got {type(shown).__name__}"
        )
    if not shown:
        raise ExperimentsError(f"{root}: no commit yet (`dvc exp show` lists nothing): commit the project first")
    return shown


def cmd_experiments(args: argparse.Namespace) -> int:
    from hayeknet.config import project_paths

    project = getattr(args, "project", None)
    root = project_paths(Path(project) if project else None).root
    table = experiments_table(dvc_exp_show(root, all_commits=args.all_commits), daily=args.daily)
    if args.json:
        print(json.dumps(table.to_dict(), indent=2))
    else:
        print(format_table(table))
    return 0


DESCRIPTION = f"""\
Compare the study's headline numbers across the workspace, the current commit and its DVC
experiments (dvc exp run -S key=value): runs `dvc exp show --json` in the project root and prints one
row per metric of {METRICS_FILE} (total profit per strategy in $, capture ratio per strategy in %,
the EnKF forecast errors, the beliefs' Brier scores) and one column per workspace, commit and
experiment (by name), under the {PARAMS_FILE} values that differ between the columns. The metrics are
written by the study_report stage, so a column without them has not run `dvc repro` (or dvc exp run).
"""

EPILOG = """\
examples:
  dvc exp run --temp -S battery.power_mw=50 -n half-power && hayeknet experiments
  hayeknet experiments --daily --json
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``experiments`` to the ``hayeknet`` command line."""
    p = subparsers.add_parser(
        "experiments",
        help="study metrics of the workspace, commits and DVC experiments side by side",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--daily", action="store_true", help="also the per-day profit rows (daily.<day>.<strategy>, $)")
    p.add_argument(
        "--all-commits",
        action="store_true",
        help="every commit and its experiments (dvc exp show --all-commits), not only the current commit",
    )
    p.add_argument(
        "--json", action="store_true", help='print {"columns", "params", "metrics"} as JSON (unformatted numbers)'
    )
    p.set_defaults(func=cmd_experiments)
