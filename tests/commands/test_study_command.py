"""``hayeknet study``: the window and location written into params.yaml (comments kept, dates quoted, the result
validated), then collect; real 2024 daily reports from ``../shared/real`` where present."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml

from hayeknet.cli import main
from hayeknet.commands.study import set_study
from hayeknet.params import ParamsError, load_params

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT.parent / "shared" / "real" / "hb_hubavg_2024"


def test_set_study_keeps_comments_and_every_other_value() -> None:
    before = (ROOT / "params.yaml").read_text()
    after = set_study(before, "files", dt.date(2024, 7, 1), dt.date(2024, 8, 31), "HB_HUBAVG")
    old, new = yaml.safe_load(before), yaml.safe_load(after)
    assert new["study"]["start"] == "2024-07-01" and new["study"]["end"] == "2024-08-31"  # strings: DVC reads them
    assert new["study"]["source"] == "files" and new["battery"]["location"] == "HB_HUBAVG"
    for section in old:
        if section not in ("study", "battery"):
            assert new[section] == old[section], section
    assert {k: v for k, v in new["battery"].items() if k != "location"} == {
        k: v for k, v in old["battery"].items() if k != "location"
    }
    comments = [line.split("#", 1)[1].strip() for line in before.splitlines() if "#" in line]
    assert all(c in after for c in comments)
    assert 'start: "2024-07-01"' in after


def test_set_study_refuses_a_window_params_would_refuse() -> None:
    with pytest.raises(ParamsError, match="study"):
        set_study((ROOT / "params.yaml").read_text(), "files", dt.date(2024, 8, 31), dt.date(2024, 7, 1), None)


def test_study_without_a_drop_folder_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(ROOT / "tests" / "params.tiny.yaml", tmp_path / "params.yaml")
    (tmp_path / "dvc.yaml").write_text("stages: {}\n")
    code = main(["--project", str(tmp_path), "study", "--start", "2024-07-01", "--end", "2024-07-02"])
    assert code == 2
    assert "--source files needs --drop-folder" in capsys.readouterr().err
    assert (tmp_path / "params.yaml").read_text() == (ROOT / "tests" / "params.tiny.yaml").read_text()


@pytest.mark.skipif(not REAL.is_dir(), reason=f"real 2024 HB_HUBAVG reports not found at {REAL}")
def test_study_sets_the_window_and_collects_real_days(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(ROOT / "tests" / "params.tiny.yaml", tmp_path / "params.yaml")
    (tmp_path / "dvc.yaml").write_text("stages: {}\n")
    argv = ["--project", str(tmp_path), "study", "--drop-folder", str(REAL), "--location", "HB_HUBAVG"]
    code = main([*argv, "--start", "2024-07-08", "--end", "2024-07-09", "--no-repro"])
    out = capsys.readouterr().out
    assert code == 0, out
    params = load_params(tmp_path / "params.yaml")
    assert (params.study.start, params.study.end_day()) == (dt.date(2024, 7, 8), dt.date(2024, 7, 9))
    assert params.study.source == "files" and params.battery.location == "HB_HUBAVG"
    assert "2 collected" in out and "dvc repro" in out
    assert yaml.safe_load((tmp_path / "days.yaml").read_text())["days"].keys() >= {"2024-07-08", "2024-07-09"}
    record = json.loads((tmp_path / "data" / "provenance" / "2024-07-08.json").read_text())
    assert record["source"] == "files" and record["complete"] is True
