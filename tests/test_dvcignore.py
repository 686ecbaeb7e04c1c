"""DVC hashes ``src/hayeknet/<package>`` folders as stage dependencies: the caches a run leaves beside the
sources must not enter those hashes, or a used checkout and a clean clone disagree about every stage."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hayeknet.commands.experiments import find_dvc

ROOT = Path(__file__).resolve().parents[1]
DVC = find_dvc()


@pytest.mark.skipif(DVC is None, reason="dvc not installed")
def test_caches_beside_the_sources_are_ignored_and_the_sources_are_not() -> None:
    caches = [
        "src/hayeknet/agents/__pycache__/policy.cpython-311.pyc",
        "src/hayeknet/battery/offers.pyc",
        "notebooks/.ipynb_checkpoints/simulate-checkpoint.ipynb",
    ]
    sources = ["src/hayeknet/agents/policy.py", "notebooks/simulate.ipynb"]
    ignored = subprocess.run(
        [str(DVC), "check-ignore", *caches, *sources], cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    assert ignored == caches
