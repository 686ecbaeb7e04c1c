"""Shared pytest fixtures: paths to the real ERCOT samples.

The samples (``tests/fixtures/ercot/``, 32 KB, see its ``SOURCES.md``) are a
copy of the project's shared samples (``<repo>/../shared/fixtures/ercot``) kept
in the repository, so that a clean clone on any machine runs every parser test
instead of skipping it; ``tests/test_fixtures.py`` checks the copy against the
shared folder wherever that exists.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
ERCOT_FIXTURES = REPO_ROOT / "tests" / "fixtures" / "ercot"
SHARED_ERCOT_FIXTURES = REPO_ROOT.parent / "shared" / "fixtures" / "ercot"


def pytest_configure(config: pytest.Config) -> None:
    """DVC's per-machine state (``/var/tmp/dvc/repo/<hash of the project path>``) is keyed by path, and
    pytest reuses temporary paths across runs on a long-lived machine: every DVC call of this session
    (in-process or in a subprocess, which inherits the variable) gets a fresh site cache instead, so a
    run never meets another run's index or locks. No usage analytics either (no network at test time)."""
    if "DVC_SITE_CACHE_DIR" not in os.environ:
        os.environ["DVC_SITE_CACHE_DIR"] = tempfile.mkdtemp(prefix="hayeknet-dvc-site-")
    os.environ.setdefault("DVC_NO_ANALYTICS", "1")


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """Folder of the real ERCOT sample files (``tests/fixtures/ercot``)."""
    if not ERCOT_FIXTURES.is_dir():  # pragma: no cover - the folder is committed
        raise FileNotFoundError(f"ERCOT samples missing at {ERCOT_FIXTURES}")
    return ERCOT_FIXTURES
