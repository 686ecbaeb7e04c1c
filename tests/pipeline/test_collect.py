"""`hayeknet collect --source synthetic`: raw ERCOT files per report and day,
a per-day collection record, days.yaml; idempotent; a tampered day is recollected."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml

from hayeknet.cli import main
from hayeknet.config import ProjectPaths
from hayeknet.params import load_params
from hayeknet.pipeline.collect import CollectError, collect, write_collection_record
from hayeknet.pipeline.days import GENERATION_REPORT_DIRS, PRICE_REPORT_DIRS, RAW_REPORT_DIRS

ROOT = Path(__file__).resolve().parents[2]
D1, D2 = dt.date(2025, 10, 1), dt.date(2025, 10, 2)


@pytest.fixture()
def project(tmp_path: Path) -> ProjectPaths:
    shutil.copy(ROOT / "tests" / "params.tiny.yaml", tmp_path / "params.yaml")
    (tmp_path / "dvc.yaml").write_text("stages: {}\n")
    return ProjectPaths(tmp_path)


def test_collect_writes_every_report_and_the_days_file(project: ProjectPaths) -> None:
    params = load_params(project.params_file)
    summary = collect(project, params, D1, D2, update_dvc=False)
    assert summary.collected == [D1, D2] and summary.days_file_changed
    for report in PRICE_REPORT_DIRS:
        files = list(project.raw_day(report, D1).iterdir())
        assert files and all(f.suffix == ".zip" for f in files), report
    for report in GENERATION_REPORT_DIRS:  # the synthetic source has no wind/solar postings: marked, not faked
        marker = json.loads((project.raw_day(report, D1) / "NOT_PUBLISHED.json").read_text())
        assert marker["report"] == report.upper() and marker["source"] == "synthetic"
    assert len(list(project.raw_day("np6-788-cd", D1).iterdir())) == 288
    record = json.loads((project.collect_log / "2025-10-01.json").read_text())
    assert record["source"] == "synthetic" and len(record["files"]) == len(
        [f for r in RAW_REPORT_DIRS for f in project.raw_day(r, D1).iterdir()]
    )
    days = yaml.safe_load(project.days_file.read_text())
    assert list(days["days"]) == ["2025-10-01", "2025-10-02"]


def test_collect_is_idempotent_and_repairs_a_tampered_day(project: ProjectPaths) -> None:
    params = load_params(project.params_file)
    collect(project, params, D1, D2, update_dvc=False)
    before = {p: p.read_bytes() for p in project.raw.rglob("*.zip")}
    again = collect(project, params, D1, D2, update_dvc=False)
    assert again.collected == [] and again.skipped == [D1, D2] and not again.days_file_changed
    victim = sorted(project.raw_day("np6-905-cd", D2).iterdir())[0]
    victim.write_bytes(b"truncated")
    repaired = collect(project, params, D1, D2, update_dvc=False)
    assert repaired.collected == [D2]
    assert {p: p.read_bytes() for p in project.raw.rglob("*.zip")} == before, "synthetic days are byte-identical"


def test_missing_report_gets_a_marker(project: ProjectPaths) -> None:
    params = load_params(project.params_file)
    collect(project, params, D1, D1, update_dvc=False)
    shutil.rmtree(project.raw_day("np6-331-cd", D1))
    write_collection_record(project, D1, "files")
    marker = json.loads((project.raw_day("np6-331-cd", D1) / "NOT_PUBLISHED.json").read_text())
    assert marker["report"] == "NP6-331-CD" and marker["day"] == "2025-10-01"


def test_unavailable_source_is_a_clear_error(project: ProjectPaths) -> None:
    params = load_params(project.params_file)
    with pytest.raises(CollectError, match="before"):
        collect(project, params, D2, D1, update_dvc=False)


def test_cli_collect_and_status(project: ProjectPaths, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--project", str(project.root), "collect", "--source", "synthetic", "--no-dvc"]) == 0
    assert "2 collected" in capsys.readouterr().out
    assert main(["--project", str(project.root), "status", "--no-dvc"]) == 0
    out = capsys.readouterr().out
    assert "collected days: 2" in out and "2025-10-02  pending" in out


def test_cli_reports_bad_params_without_traceback(project: ProjectPaths, capsys: pytest.CaptureFixture[str]) -> None:
    text = project.params_file.read_text().replace("power_mw: 100.0", "power_mw: lots")
    project.params_file.write_text(text)
    assert main(["--project", str(project.root), "collect", "--no-dvc"]) == 2
    assert "battery.power_mw" in capsys.readouterr().err


def test_collect_from_a_drop_folder_places_files_by_content(project: ProjectPaths, tmp_path: Path) -> None:
    from hayeknet.ercot.locations import default_catalogue
    from hayeknet.ercot.synthetic import write_synthetic_day

    staging = tmp_path / "staging"
    written = write_synthetic_day(D1, staging, default_catalogue(2), seed=3)
    drop = tmp_path / "drop"
    drop.mkdir()
    for i, f in enumerate(written):  # a flat, renamed pile of files: placement must come from the content
        shutil.copy(f, drop / f"download_{i:04d}{f.suffix}")
    params = load_params(project.params_file)
    summary = collect(project, params, D1, D1, source="files", update_dvc=False, drop_folder=drop)
    assert summary.collected == [D1]
    assert len(list(project.raw_day("np6-788-cd", D1).iterdir())) == 288
    record = json.loads((project.collect_log / "2025-10-01.json").read_text())
    assert record["source"] == "files" and record["collection"]["checks_passed"] is True
    assert collect(project, params, D1, D1, source="files", update_dvc=False, drop_folder=drop).skipped == [D1]


def test_api_source_without_credentials_names_the_variable(
    project: ProjectPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("ERCOT_API_USERNAME", "ERCOT_API_PASSWORD", "ERCOT_API_SUBSCRIPTION_KEY"):
        monkeypatch.delenv(var, raising=False)
    params = load_params(project.params_file)
    with pytest.raises(CollectError, match="ERCOT_API_"):
        collect(project, params, D1, D1, source="api", update_dvc=False)


def test_a_day_collected_before_the_production_postings_gets_their_markers_on_the_next_collect(
    project: ProjectPaths,
) -> None:
    params = load_params(project.params_file)
    collect(project, params, D1, D1, update_dvc=False)
    record_file = project.collect_log / "2025-10-01.json"
    record = json.loads(record_file.read_text())
    for report in GENERATION_REPORT_DIRS:  # as a project collected before those folders existed
        shutil.rmtree(project.raw_day(report, D1))
        record["files"] = [f for f in record["files"] if f"/{report}/" not in f["path"]]
    record_file.write_text(json.dumps(record))
    summary = collect(project, params, D1, D1, update_dvc=False)
    assert summary.skipped == [D1]
    for report in GENERATION_REPORT_DIRS:
        assert (project.raw_day(report, D1) / "NOT_PUBLISHED.json").exists()


def test_real_sources_collect_the_production_postings_by_default() -> None:
    from hayeknet.pipeline.collect import default_reports

    assert {"NP4-732-CD", "NP4-737-CD"} <= set(default_reports("mis"))
    assert {"NP4-732-CD", "NP4-737-CD"} <= set(default_reports("files"))
    assert not {"NP4-732-CD", "NP4-737-CD"} & set(default_reports("api"))  # the public API does not serve them
