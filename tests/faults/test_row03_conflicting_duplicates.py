"""Row 3: two rows of one file give different prices for the same key.

Before: the last one silently won and every check passed. Now: a key priced twice differently within one file
quarantines the day (check ``duplicate_keys``, naming the file and both rows); an identical repeat is only
dropped; across republications (``_retry_``) the newer publication wins and the provenance says which file
replaced which.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fault_helpers import D1, assert_one_line, hub_row, make_project, rerecord, rewrite_zip_csv, sced_files

from hayeknet.cli import main


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hayeknet.config import ProjectPaths
    from hayeknet.params import load_params
    from hayeknet.pipeline.collect import collect

    root = make_project(tmp_path_factory.mktemp("row03") / "project", end=D1)
    paths = ProjectPaths(root)
    params = load_params(paths.params_file)
    collect(paths, params, params.study.start, params.study.end, update_dvc=False)
    return root


def _ingest(root: Path):  # type: ignore[no-untyped-def]
    from hayeknet.config import ProjectPaths
    from hayeknet.params import load_params
    from hayeknet.pipeline.context import StageContext
    from hayeknet.pipeline.stages import ingest

    paths = ProjectPaths(root)
    rerecord(root, D1)
    ingest.run(StageContext(paths, load_params(paths.params_file)), D1)
    return paths, json.loads((paths.archive_day(D1) / "provenance.json").read_text())


def _append_copy_of_hub_row(price: str | None):  # type: ignore[no-untyped-def]
    def edit(lines: list[str]) -> list[str]:
        parts = lines[hub_row(lines)].split(",")
        if price is not None:
            parts[-1] = price
        return [*lines, ",".join(parts)]

    return edit


def test_a_key_priced_twice_in_one_file_quarantines_the_day(template: Path, tmp_path: Path, capfd) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "project"
    shutil.copytree(template, root)
    victim = sced_files(root / "data" / "raw", D1)[40]
    rewrite_zip_csv(victim, _append_copy_of_hub_row("   99.99"))
    _, record = _ingest(root)
    assert record["verdict"] == "quarantined"
    line = assert_one_line(capfd.readouterr().err, f"ingest@{D1}", "quarantined")
    assert victim.name in line and "field LMP" in line and "check duplicate_keys" in line
    assert "HB_WEST" in line and "priced 99.99 here" in line and "of the same file" in line
    assert main(["--project", str(root), "validate", D1]) == 1
    assert "duplicate_keys" in capfd.readouterr().out


def test_an_identical_repeat_is_dropped_not_an_error(template: Path, tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(template, root)
    rewrite_zip_csv(sced_files(root / "data" / "raw", D1)[40], _append_copy_of_hub_row(None))
    _, record = _ingest(root)
    assert record["verdict"] == "valid"
    dedup = next(c for c in record["checks"] if c["name"] == "duplicates_removed")
    assert dedup["detail"].startswith("1 duplicate")


def test_a_republication_wins_and_the_provenance_says_so(template: Path, tmp_path: Path) -> None:
    """A ``_retry_`` file republishes a DAM file with one price changed: the retry's price is archived, the day
    is valid, and the provenance names the file that replaced the other and how many rows."""
    import pandas as pd

    from hayeknet.archive.store import read_day

    root = tmp_path / "project"
    shutil.copytree(template, root)
    folder = root / "data" / "raw" / "np4-190-cd" / D1
    original = sorted(folder.iterdir())[0]
    retry = folder / original.name.replace("_csv.zip", "_retry_csv.zip")
    shutil.copy(original, retry)

    def edit(lines: list[str]) -> list[str]:
        i = hub_row(lines)
        parts = lines[i].split(",")
        parts[-2] = "123.45"  # SettlementPointPrice (DSTFlag is last)
        lines[i] = ",".join(parts)
        return lines

    rewrite_zip_csv(retry, edit)
    paths, record = _ingest(root)
    assert record["verdict"] == "valid"
    superseded = record["superseded"]
    assert superseded["rows"] > 0 and "_retry_" in superseded["rule"]
    pair = superseded["by_file"][0]
    assert pair["kept"].endswith(retry.name) and pair["dropped"].endswith(original.name)
    table = read_day(paths.archive, D1)
    dam = table[(table["market"] == "DAM") & (table["location"] == "HB_WEST")]
    assert (dam["price"] == 123.45).sum() == 1
    assert isinstance(dam, pd.DataFrame)
