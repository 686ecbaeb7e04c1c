"""The repository's copy of the real ERCOT samples equals the project's shared samples."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
ERCOT_FIXTURES = REPO_ROOT / "tests" / "fixtures" / "ercot"  # as tests/conftest.py
SHARED_ERCOT_FIXTURES = REPO_ROOT.parent / "shared" / "fixtures" / "ercot"


def test_every_report_has_a_sample() -> None:
    names = {p.name for p in ERCOT_FIXTURES.glob("*.csv")}
    assert {"np6-788-cd.csv", "np6-905-cd.csv", "np4-190-cd.csv", "np4-188-cd.csv", "np6-331-cd.csv"} <= names


def test_copy_matches_the_shared_samples() -> None:
    if not SHARED_ERCOT_FIXTURES.is_dir():
        pytest.skip(f"no shared samples at {SHARED_ERCOT_FIXTURES} to compare with")
    shared = {p.name: p.read_bytes() for p in SHARED_ERCOT_FIXTURES.iterdir() if p.is_file()}
    ours = {p.name: p.read_bytes() for p in ERCOT_FIXTURES.iterdir() if p.is_file()}
    assert ours == shared
