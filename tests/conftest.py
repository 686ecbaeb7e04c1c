"""Shared pytest fixtures: paths to the real ERCOT samples in ``shared/fixtures/ercot``."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
ERCOT_FIXTURES = REPO_ROOT.parent / "shared" / "fixtures" / "ercot"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """Folder of the real ERCOT sample files (``<repo>/../shared/fixtures/ercot``); skips if absent."""
    if not ERCOT_FIXTURES.is_dir():
        pytest.skip(f"ERCOT fixtures not found at {ERCOT_FIXTURES}")
    return ERCOT_FIXTURES
