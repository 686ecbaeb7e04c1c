"""The issue's "Also": outputs readable by the group (the atomic writers created 0600 files and 0700 folders),
no wall-clock field in a DVC-tracked output, and no kernel-shutdown noise in a nightly log.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from fault_helpers import D1, make_project


@pytest.fixture()
def umask_002():  # type: ignore[no-untyped-def]
    old = os.umask(0o002)
    yield
    os.umask(old)


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_atomic_writers_follow_the_umask(tmp_path: Path, umask_002) -> None:  # type: ignore[no-untyped-def]
    from hayeknet.io import atomic_directory, atomic_write_json, atomic_write_text

    atomic_write_text(tmp_path / "a.txt", "x")
    atomic_write_json(tmp_path / "b.json", {"x": 1})
    with atomic_directory(tmp_path / "folder") as tmp:
        (tmp / "inner.txt").write_text("x")
    assert _mode(tmp_path / "a.txt") == 0o664 and _mode(tmp_path / "b.json") == 0o664
    assert _mode(tmp_path / "folder") == 0o775 and _mode(tmp_path / "folder" / "inner.txt") == 0o664


def test_collected_raw_files_and_the_archive_are_group_readable(tmp_path: Path) -> None:
    from hayeknet.config import ProjectPaths
    from hayeknet.params import load_params
    from hayeknet.pipeline.collect import collect
    from hayeknet.pipeline.context import StageContext
    from hayeknet.pipeline.stages import ingest

    old = os.umask(0o022)
    try:
        root = make_project(tmp_path / "project", end=D1)
        paths = ProjectPaths(root)
        params = load_params(paths.params_file)
        collect(paths, params, params.study.start, params.study.end, update_dvc=False)
        ingest.run(StageContext(paths, params), D1)
    finally:
        os.umask(old)
    files = [p for p in (root / "data").rglob("*") if p.is_file()]
    files += [p for p in paths.archive.rglob("*") if p.is_file()]
    assert files and all(_mode(p) == 0o644 for p in files), {str(p): oct(_mode(p)) for p in files if _mode(p) != 0o644}
    folders = [paths.archive_day(D1), paths.raw_day("np6-788-cd", D1)]
    assert all(_mode(p) == 0o755 for p in folders)


def test_no_wall_clock_field_in_a_tracked_output(tmp_path: Path) -> None:
    from hayeknet.pipeline.timings import WALL_CLOCK_KEYS, stage_clock, tracked_json

    with stage_clock(tmp_path / "timings", "assimilate", D1):
        tracked_json(tmp_path / "metrics.json", {"rmse": 1.0, "seconds": 12.5, "phase": {"sample_seconds": 3.0}})
    text = (tmp_path / "metrics.json").read_text()
    assert not any(f'"{key}"' in text for key in WALL_CLOCK_KEYS)
    assert "12.5" in (tmp_path / "timings" / f"assimilate@{D1}.json").read_text()


def test_the_stage_kernel_is_quiet_at_shutdown() -> None:
    """The kernel every stage runs in logs at CRITICAL: no "KeyboardInterrupt caught in kernel" when papermill
    shuts it down after a successful run (hayeknet.kernelspec)."""
    from jupyter_client.kernelspec import NoSuchKernel, get_kernel_spec

    from hayeknet.kernelspec import KERNEL_NAME, QUIET_KERNEL_LOG

    try:
        spec = get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        pytest.skip("the hayeknet kernel is not installed (make venv installs it)")
    assert QUIET_KERNEL_LOG in spec.argv
