"""``hayeknet sweep`` on an archive outside a project: JSON report, the top sites, a re-run that skips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hayeknet.cli import main


def test_sweep_command_reports_and_skips_on_a_rerun(
    sweep_archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HAYEKNET_ROOT", raising=False)
    args = ["sweep", "--archive", str(sweep_archive / "archive"), "--output", str(tmp_path / "out"),
            "--start", "2025-10-02", "--end", "2025-10-04", "--scheduler", "serial",
            "--strategies", "mpc_dam,time_of_day"]  # fmt: skip
    assert main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["written"] == ["2025-10-02", "2025-10-03"] and report["not_archived"] == ["2025-10-04"]
    assert report["node_days"] == 34 and report["best_causal_strategy"] in ("mpc_dam", "time_of_day")
    assert len(report["top"]) == 10 and report["top"][0]["rank"] == 1
    assert main([*args, "--top", "3"]) == 0
    text = capsys.readouterr().out
    assert "0 written, 2 already finished (skipped)" in text and "top 3 settlement points" in text


def test_sweep_command_refuses_what_an_archive_cannot_run(
    sweep_archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HAYEKNET_ROOT", raising=False)
    code = main(["sweep", "--archive", str(sweep_archive / "archive"), "--strategies", "mpc_enkf"])
    assert code == 2 and "cannot be swept from an archive" in capsys.readouterr().err
    assert main(["sweep", "--strategies", "mpc_dam"]) == 2
    assert "give --archive DIR" in capsys.readouterr().err
