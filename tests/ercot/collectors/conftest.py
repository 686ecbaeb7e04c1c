"""Fixtures of the collector tests: recorded responses, no network, a fake sleep."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

RECORDED = Path(__file__).resolve().parents[2] / "fixtures" / "recorded"
SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "ercot"  # the real samples (tests/conftest.py)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a real URL fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted in a test: {args[:1]}")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)


@pytest.fixture
def recorded() -> Path:
    return RECORDED


@pytest.fixture
def samples() -> Path:
    return SAMPLES


class FakeSleep:
    """Records the waits instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def fake_sleep() -> FakeSleep:
    return FakeSleep()
