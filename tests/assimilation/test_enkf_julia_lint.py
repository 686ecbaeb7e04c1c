"""The Julia kernels (julia/) pass `fatou lint` (the project's Julia linter; Julia itself is not needed)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def fatou_executable() -> str | None:
    beside_python = Path(sys.executable).parent / "fatou"
    if beside_python.is_file():
        return str(beside_python)
    return shutil.which("fatou")


def test_julia_folder_passes_fatou_lint() -> None:
    exe = fatou_executable()
    if exe is None:
        pytest.skip("fatou is not installed next to this Python (pip install 'hayeknet[dev]')")
    assert (REPO / "julia" / "enkf.jl").is_file()
    done = subprocess.run(
        [exe, "lint", "--color", "never", str(REPO / "julia")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stdout + done.stderr
