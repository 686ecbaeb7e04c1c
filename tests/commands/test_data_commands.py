"""``hayeknet normalize`` and ``hayeknet validate`` through their argparse registration."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from hayeknet.archive.ingest import ingest_day
from hayeknet.commands import data
from hayeknet.ercot.locations import default_catalogue
from hayeknet.ercot.parse import COLUMNS, parse_file
from hayeknet.ercot.synthetic import write_synthetic_day

SAMPLES = ["np6-788-cd.csv", "np6-905-cd.csv", "np4-190-cd.csv", "np4-188-cd.csv", "np6-331-cd.csv"]
DAY = dt.date(2026, 3, 10)


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="hayeknet")
    parser.add_argument("--project")
    sub = parser.add_subparsers(dest="command", required=True)
    data.register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.mark.parametrize("sample", SAMPLES)
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_normalize_each_sample(sample: str, suffix: str, fixtures_dir: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / ("table" + suffix)
    assert run(["normalize", str(fixtures_dir / sample), "-o", str(out)]) == 0
    expected = parse_file(fixtures_dir / sample)
    if suffix == ".parquet":
        got = pq.read_table(out).to_pandas()
        assert list(got.columns) == list(COLUMNS)
        pd.testing.assert_series_equal(got["price"], expected["price"])
        assert (pd.DatetimeIndex(got["interval_start_utc"]) == pd.DatetimeIndex(expected["interval_start_utc"])).all()
        assert str(got["interval_start_utc"].dtype) == "datetime64[ns, UTC]"
    else:
        got = pd.read_csv(out, keep_default_na=False)
        assert list(got.columns) == list(COLUMNS)
        assert got["interval_start_utc"].str.endswith("Z").all()
        starts = pd.to_datetime(got["interval_start_utc"], utc=True)
        assert (pd.DatetimeIndex(starts) == pd.DatetimeIndex(expected["interval_start_utc"])).all()
        assert got["price"].tolist() == pytest.approx(expected["price"].tolist())
    assert f"normalized {len(expected)} rows" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left


def test_normalize_bad_file_names_file_row_field(fixtures_dir: Path, tmp_path: Path, capsys) -> None:
    lines = (fixtures_dir / "np6-905-cd.csv").read_text().splitlines()
    lines[3] = lines[3].replace("22.29", "abc")
    bad = tmp_path / "broken.csv"
    bad.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.parquet"
    assert run(["normalize", str(bad), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "file broken.csv, row 3, field SettlementPointPrice" in err
    assert not out.exists()


def test_normalize_refuses_unknown_report_and_suffix(fixtures_dir: Path, tmp_path: Path, capsys) -> None:
    assert run(["normalize", str(fixtures_dir / "np6-322-cd.csv"), "-o", str(tmp_path / "x.csv")]) == 2
    assert "field header" in capsys.readouterr().err
    assert run(["normalize", str(fixtures_dir / "np6-905-cd.csv"), "-o", str(tmp_path / "x.xlsx")]) == 2
    assert ".csv or .parquet" in capsys.readouterr().err
    assert run(["normalize", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "x.csv")]) == 2


@pytest.fixture
def clean_raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    write_synthetic_day(DAY, raw, default_catalogue(2), seed=3)
    return raw


def test_validate_clean_day_passes(clean_raw: Path, tmp_path: Path, capsys) -> None:
    assert run(["validate", DAY.isoformat(), "--raw", str(clean_raw)]) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out and "PASS  NP6-788-CD  interval_count     288 intervals, expected 288" in out
    archive = tmp_path / "archive"
    ingest_day(clean_raw, DAY, archive)
    assert run(["validate", DAY.isoformat(), "--archive", str(archive), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["checks_passed"] is True
    assert {c["name"] for c in report["checks"]} >= {
        "report_present",
        "interval_count",
        "complete_series",
        "price_bounds",
        "as_types",
        "files_parsed",
    }


def test_validate_day_with_a_removed_interval_fails(clean_raw: Path, capsys) -> None:
    sced = sorted((clean_raw / "np6-788-cd" / DAY.isoformat()).iterdir())
    sced[100].unlink()  # one SCED run: one 5-minute interval gone
    assert run(["validate", DAY.isoformat(), "--raw", str(clean_raw)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  NP6-788-CD  interval_count     287 intervals, expected 288; 1 missing" in out
    assert "checks passed; " in out and "failed" in out


def test_validate_missing_day_and_project_default(clean_raw: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    assert run(["validate", "2026-03-11", "--raw", str(clean_raw)]) == 2
    assert "no raw files for operating day 2026-03-11" in capsys.readouterr().err
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    shutil.move(str(clean_raw), project / "data" / "raw")
    for marker in ("dvc.yaml", "params.yaml"):
        (project / marker).write_text("")
    monkeypatch.delenv("HAYEKNET_ROOT", raising=False)
    assert run(["--project", str(project), "validate", DAY.isoformat()]) == 0
    assert f"raw files under {project / 'data' / 'raw'}" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        run(["validate", "yesterday"])


def test_normalize_zip_and_api_json_lines(tmp_path: Path, fixtures_dir: Path) -> None:
    recorded = Path(__file__).resolve().parents[1] / "fixtures" / "recorded"
    zipped = next((recorded / "mis").glob("cdr.00012301.*_csv.zip"))
    pages = [(recorded / "api_live" / f"np4-190-cd_page{i}.json").read_text() for i in (1, 2, 3)]
    jsonl = tmp_path / "dam.jsonl"
    jsonl.write_text("".join(json.dumps(json.loads(p)) + "\n" for p in pages))
    for source, sample in ((zipped, "np6-905-cd.csv"), (jsonl, "np4-190-cd.csv")):
        out = tmp_path / (source.stem + ".parquet")
        assert run(["normalize", str(source), "-o", str(out)]) == 0
        got = pq.read_table(out).to_pandas()
        assert got["price"].tolist() == parse_file(fixtures_dir / sample)["price"].tolist()


def test_normalize_a_day_folder_and_several_files(clean_raw: Path, tmp_path: Path, capsys) -> None:
    """A folder stands for all its files (a day of SCED is 288 files, one interval each); several INPUTs
    are combined; the result is the table ingest would build from the same files."""
    from hayeknet.ercot.parse import parse_files

    folder = clean_raw / "np6-788-cd" / DAY.isoformat()
    files = sorted(folder.iterdir())
    out = tmp_path / "day.parquet"
    assert run(["normalize", str(folder), "-o", str(out)]) == 0
    assert f"from {folder} into {out}" in capsys.readouterr().out
    got = pq.read_table(out).to_pandas()
    expected = parse_files(files)
    assert len(got) == len(expected) and got["interval_start_utc"].nunique() == 288
    pd.testing.assert_series_equal(got["price"], expected["price"])
    two = tmp_path / "two.csv"
    assert run(["normalize", str(files[0]), str(files[1]), "-o", str(two)]) == 0
    assert "and 1 more into" in capsys.readouterr().out
    assert pd.read_csv(two)["interval_start_utc"].nunique() == 2
    (tmp_path / "empty").mkdir()
    assert run(["normalize", str(tmp_path / "empty"), "-o", str(out)]) == 2
    assert "folder holds no file" in capsys.readouterr().err
