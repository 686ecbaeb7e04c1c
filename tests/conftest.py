"""Shared pytest fixtures: paths to the real ERCOT samples.

The samples (``tests/fixtures/ercot/``, 32 KB, see its ``SOURCES.md``) are a
copy of the project's shared samples (``<repo>/../shared/fixtures/ercot``) kept
in the repository, so that a clean clone on any machine runs every parser test
instead of skipping it; ``tests/test_fixtures.py`` checks the copy against the
shared folder wherever that exists.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
ERCOT_FIXTURES = REPO_ROOT / "tests" / "fixtures" / "ercot"
SHARED_ERCOT_FIXTURES = REPO_ROOT.parent / "shared" / "fixtures" / "ercot"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """Folder of the real ERCOT sample files (``tests/fixtures/ercot``)."""
    if not ERCOT_FIXTURES.is_dir():  # pragma: no cover - the folder is committed
        raise FileNotFoundError(f"ERCOT samples missing at {ERCOT_FIXTURES}")
    return ERCOT_FIXTURES
