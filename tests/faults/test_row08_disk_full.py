"""Row 8: the disk fills up during collect or normalize (and its relatives: permission denied, no DVC, Ctrl-C).

Before: an ``OSError: [Errno 28]`` traceback and a partial day folder left. Now: one line saying what failed
and what to do, no traceback, no temporary file or half-written output left, the days already complete kept
(days.yaml lists them), and the next run completes the rest.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
import yaml
from fault_helpers import D1, D2, assert_one_line, make_project, sced_files, tree_digest

from hayeknet.cli import main


def _full_after(n: int, monkeypatch: pytest.MonkeyPatch, exc: type[OSError] = OSError, code: int = errno.ENOSPC):  # type: ignore[no-untyped-def]
    """Make the synthetic writer fail like a full disk (or ``code``) after ``n`` files, the temporary file written."""
    import hayeknet.ercot.synthetic.raw_files as raw_files

    real = raw_files.make_shareable  # called with each file written, before it is renamed into place
    count = [0]

    def write(path: Path) -> None:
        count[0] += 1
        if count[0] > n:
            raise exc(code, "No space left on device" if code == errno.ENOSPC else "Permission denied", str(path))
        real(path)

    monkeypatch.setattr(raw_files, "make_shareable", write)


def _listed(root: Path) -> list[str]:
    days = root / "days.yaml"
    return list(yaml.safe_load(days.read_text())["days"]) if days.exists() else []


def _hidden(root: Path) -> list[Path]:
    return [p for p in (root / "data").rglob(".*")]


def test_disk_full_during_collect_is_one_line_and_the_next_run_completes(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    reference = make_project(tmp_path / "reference", end=D2)
    assert main(["--project", str(reference), "collect", "--no-dvc"]) == 0
    capsys.readouterr()
    root = make_project(tmp_path / "project", end=D2)
    with monkeypatch.context() as m:
        first_day = [p for p in (reference / "data" / "raw").rglob("*") if p.is_file() and D1 in p.parts]
        _full_after(len(first_day) + 100, m)  # the second day half written
        code = main(["--project", str(root), "collect", "--no-dvc"])
    err = capsys.readouterr().err
    assert code == 2
    line = assert_one_line(err, "hayeknet collect: error", "disk full")
    assert "free space" in line and len(err.strip().splitlines()) == 1
    assert _listed(root) == [D1]  # the complete day is kept and listed, the partial one is not
    assert _hidden(root) == []
    assert main(["--project", str(root), "collect", "--no-dvc"]) == 0
    assert _listed(root) == [D1, D2]
    assert tree_digest(root / "data" / "raw") == tree_digest(reference / "data" / "raw")


def test_permission_denied_is_one_line(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    root = make_project(tmp_path / "project", end=D1)
    _full_after(10, monkeypatch, PermissionError, errno.EACCES)
    assert main(["--project", str(root), "collect", "--no-dvc"]) == 2
    line = assert_one_line(capsys.readouterr().err, "hayeknet collect: error", "permission denied")
    assert "data/raw" in line and "check the owner and mode" in line


def test_disk_full_during_normalize_leaves_no_output(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import pyarrow.parquet as pq

    from hayeknet.ercot.locations import default_catalogue
    from hayeknet.ercot.synthetic import write_synthetic_day

    write_synthetic_day(D1, tmp_path / "raw", default_catalogue(2), 20251001, reports=["NP6-788-CD"])

    def full(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq, "write_table", full)
    out = tmp_path / "out" / "day.parquet"
    assert main(["normalize", str(tmp_path / "raw" / "np6-788-cd" / D1), "-o", str(out)]) == 2
    assert_one_line(capsys.readouterr().err, "hayeknet normalize: error", "disk full", "free space")
    assert not out.exists() and list(out.parent.iterdir()) == []  # no temporary file either


def test_disk_full_in_a_stage_is_one_line(tmp_path: Path, monkeypatch, capfd) -> None:  # type: ignore[no-untyped-def]
    from hayeknet.config import ProjectPaths
    from hayeknet.params import load_params
    from hayeknet.pipeline.collect import collect
    from hayeknet.pipeline.context import StageContext
    from hayeknet.pipeline.stages import ingest
    from hayeknet.pipeline.timings import StageFailed

    root = make_project(tmp_path / "project", end=D1)
    paths = ProjectPaths(root)
    params = load_params(paths.params_file)
    collect(paths, params, params.study.start, params.study.end, update_dvc=False)

    def full(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device", str(paths.archive / f"day={D1}"))

    monkeypatch.setattr("hayeknet.archive.ingest.write_day", full)
    with pytest.raises(StageFailed):
        ingest.run(StageContext(paths, params), D1)
    line = assert_one_line(capfd.readouterr().err, f"ingest@{D1} failed", "disk full")
    assert "dvc repro" in line


def test_no_dvc_on_path_is_said_in_one_line(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    root = make_project(tmp_path / "project", end=D1)
    (root / ".dvc").mkdir()
    monkeypatch.setattr("shutil.which", lambda name, *a, **k: None)
    assert main(["--project", str(root), "collect"]) == 0
    captured = capsys.readouterr()
    assert_one_line(captured.err, "data.dvc not refreshed", "dvc", "not found")
    assert "1 collected" in captured.out


def test_an_interrupted_collect_says_so_and_the_next_run_completes(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    root = make_project(tmp_path / "project", end=D1)
    _full_after(100, monkeypatch, KeyboardInterrupt)  # type: ignore[arg-type]
    assert main(["--project", str(root), "collect", "--no-dvc"]) == 130
    assert_one_line(capsys.readouterr().err, "interrupted", "run it again")
    monkeypatch.undo()
    assert main(["--project", str(root), "collect", "--no-dvc"]) == 0
    assert _listed(root) == [D1] and len(sced_files(root / "data" / "raw", D1)) == 288
