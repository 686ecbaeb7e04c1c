"""``hayeknet experiments`` on a recorded ``dvc exp show --json`` (DVC 3.x shape), and its one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hayeknet.cli import main
from hayeknet.commands import experiments
from hayeknet.commands.experiments import experiments_table, format_table, format_value


def _metrics(power: float, brier: float | None = 0.12) -> dict[str, Any]:
    """A metrics/study.json as study_report writes it (hayeknet.research.study_metrics), scaled by power."""
    k = power / 100.0
    return {
        "days": 3,
        "profit_usd": {"perfect_foresight": 61234.5 * k, "mpc_dam": 41000.0 * k, "ppo_agent": -1500.0 * k},
        "capture_ratio": {"perfect_foresight": 1.0, "mpc_dam": 0.6696, "ppo_agent": None},
        "forecast": {"rmse_forecast_usd_per_mwh": 3.456, "spread_rmse_ratio": 0.91},
        "beliefs": {"days_scored": 2, "brier": {"high_price": brier, "imbalance": 0.2}},
        "daily": {"2025-10-01": {"mpc_dam": 12000.0 * k}, "2025-10-02": {"mpc_dam": 29000.0 * k}},
    }


def _entry(rev: str, name: str | None, power: float, metrics: dict[str, Any] | None) -> dict[str, Any]:
    study: dict[str, Any] = {"data": metrics} if metrics is not None else {}
    return {
        "rev": rev,
        "name": name,
        "data": {
            "rev": rev,
            "timestamp": None,
            "params": {"params.yaml": {"data": {"battery": {"power_mw": power, "location": "HB_WEST"}, "study": {}}}},
            "metrics": {"metrics/study.json": study} if study else {},
            "deps": {"src/hayeknet/pipeline": {"hash": "abc", "size": 1, "nfiles": 3}},
            "outs": {},
            "meta": {},
        },
        "error": None,
        "experiments": None,
    }


def recorded_exp_show() -> list[dict[str, Any]]:
    """What `dvc exp show --json` printed after `dvc exp run -S battery.power_mw=50 -n half-power` and a
    second experiment whose metrics file was corrupt (DVC 3.67)."""
    workspace = _entry("workspace", None, 100.0, _metrics(100.0))
    base = _entry("dd644e3207e0fb265c81499372b6ebbe3247cf40", "main", 100.0, _metrics(100.0))
    half = _entry("da119a3bf2b85f4d510c0dd4ff0b4f22365710eb", "half-power", 50, _metrics(50.0, brier=None))
    broken = _entry("0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c", "broken", 200, None)
    error = {"type": "JSONFileCorruptedError", "msg": "unable to read: 'metrics/study.json'"}
    broken["data"]["metrics"] = {"metrics/study.json": {"error": error}}
    base["experiments"] = [
        {"revs": [half], "executor": None, "name": "half-power"},
        {"revs": [broken], "executor": None, "name": "broken"},
    ]
    return [workspace, base]


def test_table_columns_params_and_metrics() -> None:
    table = experiments_table(recorded_exp_show())
    assert [(c.name, c.kind, c.baseline) for c in table.columns] == [
        ("workspace", "workspace", None),
        ("main", "baseline", None),
        ("half-power", "experiment", "main"),
        ("broken", "experiment", "main"),
    ]
    assert table.params == {"battery.power_mw": [100.0, 100.0, 50, 200]}  # only what differs
    keys = list(table.metrics)
    assert keys[:4] == ["days", "profit_usd.perfect_foresight", "profit_usd.mpc_dam", "profit_usd.ppo_agent"]
    assert not any(k.startswith("daily.") for k in keys) and "beliefs.brier.high_price" in keys
    assert table.metrics["profit_usd.perfect_foresight"] == [61234.5, 61234.5, 30617.25, None]
    assert table.columns[3].metrics_error == "unable to read: 'metrics/study.json'"
    daily = experiments_table(recorded_exp_show(), daily=True)
    assert daily.metrics["daily.2025-10-02.mpc_dam"] == [29000.0, 29000.0, 14500.0, None]


def test_formatted_text() -> None:
    text = format_table(experiments_table(recorded_exp_show()))
    lines = text.splitlines()
    assert lines[0].split() == ["workspace", "main", "half-power", "broken"]
    assert "params that differ" in lines and "metrics (metrics/study.json)" in lines
    row = next(line for line in lines if line.startswith("profit_usd.perfect_foresight"))
    assert row.split()[1:] == ["$61,234", "$61,234", "$30,617", "-"]
    row = next(line for line in lines if line.startswith("capture_ratio.mpc_dam"))
    assert row.split()[1:] == ["67.0%", "67.0%", "67.0%", "-"]
    assert next(line for line in lines if line.startswith("profit_usd.ppo_agent")).split()[1] == "-$1,500"
    assert "broken: metrics/study.json unreadable (unable to read: 'metrics/study.json')" in text
    assert "src/hayeknet" not in text  # deps are not metrics
    assert format_value("forecast.rmse_forecast_usd_per_mwh", 3.456) == "$3.46/MWh"
    assert format_value("beliefs.brier.high_price", 0.1234) == "0.123"
    assert format_value("days", 3) == "3"


def _project(root: Path) -> Path:
    root.mkdir()
    (root / "params.yaml").write_text("battery: {power_mw: 100.0}\n")
    (root / "dvc.yaml").write_text("stages: {}\n")
    return root


def test_command_prints_the_table_and_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path / "project")
    seen: list[tuple[Path, bool]] = []

    def fake_show(root: Path, all_commits: bool = False) -> list[dict[str, Any]]:
        seen.append((root, all_commits))
        return recorded_exp_show()

    monkeypatch.setattr(experiments, "dvc_exp_show", fake_show)
    assert main(["--project", str(project), "experiments"]) == 0
    assert "half-power" in capsys.readouterr().out
    assert main(["--project", str(project), "experiments", "--json", "--daily", "--all-commits"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert seen == [(project.resolve(), False), (project.resolve(), True)]
    assert [c["name"] for c in out["columns"]] == ["workspace", "main", "half-power", "broken"]
    assert out["params"] == {"battery.power_mw": [100.0, 100.0, 50, 200]}
    assert out["metrics"]["capture_ratio.mpc_dam"] == [0.6696, 0.6696, 0.6696, None]
    assert "daily.2025-10-01.mpc_dam" in out["metrics"]


def test_no_dvc_repository_is_a_clear_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path / "project")
    assert main(["--project", str(project), "experiments"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"hayeknet experiments: error: {project.resolve()} is not a DVC repository")


def test_no_metrics_yet_says_so() -> None:
    shown = [_entry("workspace", None, 100.0, None), _entry("a" * 40, "main", 100.0, None)]
    text = format_table(experiments_table(shown))
    assert text.splitlines()[0].split() == ["workspace", "main"]
    assert "no study metrics yet" in text
