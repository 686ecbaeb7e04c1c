"""Row 5: `collect` killed in the middle of a day, then the window's collect runs again.

Before: exit 0, and the partial folder (with a hidden ``.tmp``) entered days.yaml and data.dvc; `dvc repro`
failed on a missing folder until a manual collect. Now: the killed day has no complete record, so it is never
listed; the next collect removes the temporary files, fetches the day again and ends with the same raw files
as an uninterrupted run, every day listed, data.dvc refreshed. (The 50-run loop of the issue, with `make
daily`, is the closing note's; here: kills at a fixed point mid-day and at random moments.)
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from fault_helpers import BIN, D1, D2, env, hayeknet, make_project, tree_digest

pytestmark = pytest.mark.timeout(900)


def _dvc_project(root: Path) -> Path:
    make_project(root, end=D2)
    git = shutil.which("git")
    if git is None or not (BIN / "dvc").exists():
        pytest.skip("git and dvc are needed")
    (root / ".gitignore").write_text("/data\n/.hayeknet.lock\n")
    shutil.copy(Path(__file__).resolve().parents[2] / ".dvcignore", root / ".dvcignore")
    for args in (["git", "init", "-q"], [str(BIN / "dvc"), "init", "-q"]):
        subprocess.run(args, cwd=root, check=True, capture_output=True, env=env())
    return root


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The raw files of an uninterrupted collect of the window."""
    root = make_project(tmp_path_factory.mktemp("row05ref") / "project", end=D2)
    proc = hayeknet("collect", "--no-dvc", cwd=root)
    assert proc.returncode == 0, proc.stderr
    return tree_digest(root / "data" / "raw")


def _start(root: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "hayeknet.cli", "collect"],
        cwd=root,
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)


def _listed(root: Path) -> list[str]:
    days = root / "days.yaml"
    return list(yaml.safe_load(days.read_text())["days"]) if days.exists() else []


def test_a_collect_killed_mid_day_is_completed_by_the_next_run(reference: dict[str, str], tmp_path: Path) -> None:
    root = _dvc_project(tmp_path / "project")
    sced = root / "data" / "raw" / "np6-788-cd" / D2
    proc = _start(root)
    deadline = time.monotonic() + 300
    while not (sced.is_dir() and len(list(sced.iterdir())) > 50):  # the second day half written
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "collect never reached the second day"
        time.sleep(0.02)
    _kill(proc)
    record = root / "data" / "provenance" / f"{D2}.json"
    if not record.exists():  # (a slow kill may land after the day was complete: then it is rightly listed)
        assert D2 not in _listed(root)  # the partial day is never a pipeline day
    again = hayeknet("collect", cwd=root)
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr
    assert _listed(root) == [D1, D2]
    assert tree_digest(root / "data" / "raw") == reference  # same bytes, no temporary file left
    assert (root / "data.dvc").exists()
    status = subprocess.run([str(BIN / "dvc"), "status", "data.dvc"], cwd=root, capture_output=True, text=True)
    assert status.returncode == 0 and "changed" not in status.stdout, status.stdout


def test_kills_at_random_moments_always_recover(reference: dict[str, str], tmp_path: Path) -> None:
    """A few kills at random moments of a collect (with DVC), each followed by a plain collect."""
    rng = random.Random(14)
    root = _dvc_project(tmp_path / "project")
    for _ in range(2):
        shutil.rmtree(root / "data", ignore_errors=True)
        (root / "days.yaml").unlink(missing_ok=True)
        proc = _start(root)
        time.sleep(rng.uniform(0.5, 6.0))
        _kill(proc)
        # a leftover temporary file of the kill is ignored by DVC and removed by the next run
        again = hayeknet("collect", cwd=root)
        assert again.returncode == 0, again.stderr
        assert _listed(root) == [D1, D2]
        assert tree_digest(root / "data" / "raw") == reference
