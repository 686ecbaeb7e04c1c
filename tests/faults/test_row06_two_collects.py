"""Row 6: two `collect` at once.

Before: no lock; the loser failed with a bare ``[Errno 2] ... cdr....zip`` or a ``CalledProcessError``
traceback from `dvc add`. Now: the project lock (``.hayeknet.lock``: PID, host, start time) makes the second
collect (or `make daily`) refuse at once with one line (exit 3) or wait (``--wait``); a lock left by a dead
process is taken over and said so; a failing `dvc add` is one line too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from fault_helpers import D1, assert_one_line, env, hayeknet, make_project

from hayeknet.pipeline.lock import LOCK_FILE, project_lock


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project", end=D1)


def test_a_second_collect_refuses_with_one_line(root: Path) -> None:
    with project_lock(root, "hayeknet collect (the first one)"):
        proc = hayeknet("collect", "--no-dvc", cwd=root)
    assert proc.returncode == 3
    line = assert_one_line(proc.stderr, "another run holds the project lock")
    assert f"pid {os.getpid()}" in line and "started" in line and "hayeknet collect (the first one)" in line
    assert not (root / "data" / "raw").exists()  # nothing touched
    assert hayeknet("collect", "--no-dvc", cwd=root).returncode == 0  # once released, it runs


def test_a_second_collect_waits_when_asked(root: Path) -> None:
    with project_lock(root, "first"):
        proc = subprocess.Popen(
            [sys.executable, "-m", "hayeknet.cli", "collect", "--no-dvc", "--wait", "300"],
            cwd=root,
            env=env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stderr is not None
        first = proc.stderr.readline()  # blocks until the second collect says it waits
        assert "waiting for the project lock" in first and "first" in first
        assert proc.poll() is None
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert "1 collected" in out


def test_make_daily_refuses_while_a_collect_runs(root: Path) -> None:
    with project_lock(root, "hayeknet collect"):
        proc = subprocess.run(
            [sys.executable, "-m", "hayeknet.pipeline.lock", "--", "true"],
            cwd=root,
            env=env(),
            capture_output=True,
            text=True,
        )
    assert proc.returncode == 3
    assert_one_line(proc.stderr, "another run holds the project lock", "hayeknet collect")


def test_commands_under_the_lock_run_inside_it(root: Path) -> None:
    """`make daily` holds the lock and its own collect runs (not refused by its parent's lock)."""
    proc = subprocess.run(
        [sys.executable, "-m", "hayeknet.pipeline.lock", "--", sys.executable, "-m", "hayeknet.cli", "collect",
         "--no-dvc"],
        cwd=root,
        env=env(),
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert list(yaml.safe_load((root / "days.yaml").read_text())["days"]) == [D1]


def test_a_stale_lock_is_taken_over(root: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (root / LOCK_FILE).write_text(
        json.dumps(
            {
                "pid": dead.pid,
                "host": os.uname().nodename,
                "started_utc": "2025-10-01T06:30:00+00:00",
                "command": "hayeknet collect",
            }
        )
    )
    proc = hayeknet("collect", "--no-dvc", cwd=root)
    assert proc.returncode == 0, proc.stderr
    line = assert_one_line(proc.stderr, "took over a stale project lock")
    assert f"pid {dead.pid}" in line


def test_a_failing_dvc_add_is_one_line(root: Path, tmp_path: Path) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "dvc").write_text(
        "#!/bin/sh\necho 'ERROR: Unable to acquire lock. Most likely another DVC process is running' >&2\nexit 1\n"
    )
    (fake / "dvc").chmod(0o755)
    (root / ".dvc").mkdir()
    e = env()
    e["PATH"] = f"{fake}{os.pathsep}{e['PATH']}"
    proc = hayeknet("collect", cwd=root, env=e)
    assert proc.returncode == 2
    line = assert_one_line(proc.stderr, "`dvc add data` failed", "Unable to acquire lock")
    assert "raw files are saved" in line and len(proc.stderr.strip().splitlines()) == 1
    assert list(yaml.safe_load((root / "days.yaml").read_text())["days"]) == [D1]  # what was collected is kept
