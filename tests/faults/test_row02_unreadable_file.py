"""Row 2: a truncated zip, an empty file, a wrong header or an ``abc`` price in one raw file of a day.

Before: `validate --raw` named the file, but `dvc repro` forward-filled the missing interval and failed later in
beliefs with a 60-line papermill traceback naming no file. Now: ingest quarantines the day with one line naming
the file, row, field and check (nothing filled), the day's stages short-circuit, and a stage that does fail
(here: more missing prices at the battery than the fill bound allows) says so in one line, also through
papermill.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fault_helpers import D1, D2, assert_one_line, make_project, rerecord, sced_files, set_price

from hayeknet.cli import main


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hayeknet.config import ProjectPaths
    from hayeknet.params import load_params
    from hayeknet.pipeline.collect import collect

    root = make_project(tmp_path_factory.mktemp("row02") / "project", end=D2)
    paths = ProjectPaths(root)
    params = load_params(paths.params_file)
    collect(paths, params, params.study.start, params.study.end, update_dvc=False)
    return root


def _truncate(f: Path) -> tuple[int | None, str | None, str]:
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    return None, None, "corrupt zip archive"


def _empty(f: Path) -> tuple[int | None, str | None, str]:
    f.write_bytes(b"")
    return 0, "header", "file is empty"


def _wrong_header(f: Path) -> tuple[int | None, str | None, str]:
    from fault_helpers import rewrite_zip_csv

    rewrite_zip_csv(f, lambda lines: ["Timestamp,Flag,Node,Price", *lines[1:]])
    return 0, "header", "matches no supported report"


def _abc(f: Path) -> tuple[int | None, str | None, str]:
    row = set_price(f, "abc")
    return row, "LMP", "price is not a number"


@pytest.mark.parametrize("fault", [_truncate, _empty, _wrong_header, _abc], ids=["truncated", "empty", "header", "abc"])
def test_an_unreadable_file_quarantines_the_day_with_one_line(template: Path, tmp_path: Path, fault, capfd) -> None:  # type: ignore[no-untyped-def]
    from hayeknet.config import ProjectPaths
    from hayeknet.params import load_params
    from hayeknet.pipeline.context import StageContext
    from hayeknet.pipeline.quarantine import Quarantined
    from hayeknet.pipeline.stages import assimilate, beliefs, ingest

    root = tmp_path / "project"
    shutil.copytree(template, root)
    paths = ProjectPaths(root)
    victim = sced_files(paths.raw, D2)[150]
    row, field, message = fault(victim)
    rerecord(root, D2)
    # `hayeknet validate --raw` names the file, row and field
    assert main(["--project", str(root), "validate", D2, "--raw", str(paths.raw)]) == 1
    out = capfd.readouterr().out
    assert victim.name in out and message in out and "verdict: quarantined" in out
    ctx = StageContext(paths, load_params(paths.params_file))
    ingest.run(ctx, D2)
    line = assert_one_line(capfd.readouterr().err, f"ingest@{D2}", "quarantined")
    assert victim.name in line and message in line and "check files_parsed" in line
    if row is not None:
        assert f"row {row}" in line
    if field is not None:
        assert f"field {field}" in line
    # nothing was filled: the day is not used at all; its stages stop at once with the same reason
    assert isinstance(assimilate.run(ctx, D2), Quarantined)
    assert isinstance(beliefs.run(ctx, D2), Quarantined)
    err = capfd.readouterr().err
    assert "EventDataError" not in err and "Traceback" not in err
    assert len([ln for ln in err.splitlines() if "quarantined, not run" in ln and victim.name in ln]) == 2
    record = json.loads((paths.archive_day(D2) / "provenance.json").read_text())
    assert record["verdict"] == "quarantined"


def test_a_stage_failure_is_one_line_naming_the_input(template: Path, tmp_path: Path, capfd) -> None:
    """A valid day (a resource node with gaps is only flagged) at a battery location missing more intervals
    than ``quality.max_filled_minutes`` lets the query layer fill: train stops with one line naming the
    archive partition, the location and the bound; the notebook's traceback is that line."""
    import yaml
    from fault_helpers import rewrite_zip_csv

    from hayeknet.config import ProjectPaths
    from hayeknet.params import load_params
    from hayeknet.pipeline.context import StageContext
    from hayeknet.pipeline.stages import ingest, train
    from hayeknet.pipeline.timings import StageFailed

    root = tmp_path / "project"
    shutil.copytree(template, root)
    paths = ProjectPaths(root)
    params = yaml.safe_load(paths.params_file.read_text())
    node = "ALVIN_RN"
    params["battery"]["location"] = node
    paths.params_file.write_text(yaml.safe_dump(params))
    for f in sced_files(paths.raw, D1)[100:120]:  # 20 five-minute intervals without a price at the node
        rewrite_zip_csv(f, lambda lines: [ln for ln in lines if f",{node}," not in ln])
    rerecord(root, D1)
    ctx = StageContext(paths, load_params(paths.params_file))
    ingest.run(ctx, D1)
    record = json.loads((paths.archive_day(D1) / "provenance.json").read_text())
    assert record["verdict"] == "valid" and any(node in flag for flag in record["flags"])
    train.run(ctx, "init")
    capfd.readouterr()
    with pytest.raises(StageFailed) as info:
        train.run(ctx, D1)
    line = assert_one_line(capfd.readouterr().err, f"train@{D1} failed")
    assert f"20 of 288 NP6-788-CD intervals have no price at {node}" in line and "max_filled_minutes" in line
    assert info.value._render_traceback_() == [f"StageFailed: {line.removeprefix('[hayeknet] ')}"]


def test_papermill_shows_the_one_line_not_a_traceback(template: Path, tmp_path: Path) -> None:
    """A stage notebook that fails on its input (no archive partition): the cell's error papermill prints is
    the stage's one line, without the stack of frames."""
    import os

    import papermill as pm

    root = tmp_path / "project"
    shutil.copytree(template, root)
    notebook = Path(__file__).resolve().parents[2] / "notebooks" / "assimilate.ipynb"
    before = os.environ.get("HAYEKNET_ROOT")
    os.environ["HAYEKNET_ROOT"] = str(root)
    try:
        with pytest.raises(pm.PapermillExecutionError) as info:
            pm.execute_notebook(
                str(notebook),
                str(root / "out.ipynb"),
                parameters={"day": D1},
                kernel_name="hayeknet",
                cwd=str(root),
                progress_bar=False,
            )
    finally:
        if before is None:
            os.environ.pop("HAYEKNET_ROOT", None)
        else:
            os.environ["HAYEKNET_ROOT"] = before
    err = info.value
    assert err.ename == "StageFailed"
    assert f"assimilate@{D1} failed" in err.evalue and f"no archive partition for {D1}" in err.evalue
    assert len(err.traceback) == 1 and "most recent call last" not in "".join(err.traceback)
