"""Shared pytest fixtures: paths to the real ERCOT samples.

The samples (``tests/fixtures/ercot/``, 32 KB, see its ``SOURCES.md``) are a
copy of the project's shared samples (``<repo>/../shared/fixtures/ercot``) kept
in the repository, so that a clean clone on any machine runs every parser test
instead of skipping it; ``tests/test_fixtures.py`` checks the copy against the
shared folder wherever that exists.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
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


JULIA_BRIDGE_VARS = (
    "PYTHON_JULIACALL_EXE",
    "PYTHON_JULIACALL_PROJECT",
    "JULIA_EXE",
    "PYTHON_JULIAPKG_EXE",
    "PYTHON_JULIAPKG_OFFLINE",
    "PYTHON_JULIAPKG_PROJECT",
)
"""Environment variables the Julia bridge reads or sets (:mod:`hayeknet.julia`)."""


@pytest.fixture(autouse=True)
def _julia_environment_is_left_as_found() -> Iterator[None]:
    """Fail a test that leaves a Julia bridge variable changed (and put it back).

    ``load_julia_module`` writes ``os.environ`` directly; a test that let a fake executable's path stay
    there sent every later ``dvc repro`` of the session (its subprocesses inherit the environment) to
    that fake Julia: CI at 48165cd failed that way, while each test passed on its own.
    """
    before = {var: os.environ.get(var) for var in JULIA_BRIDGE_VARS}
    yield
    after = {var: os.environ.get(var) for var in JULIA_BRIDGE_VARS}
    changed = sorted(var for var in JULIA_BRIDGE_VARS if before[var] != after[var])
    for var in changed:
        if before[var] is None:
            os.environ.pop(var, None)
        else:
            os.environ[var] = str(before[var])
    if changed:
        pytest.fail(f"the test left {', '.join(changed)} changed in os.environ (put back now)", pytrace=False)


@pytest.fixture
def no_julia(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No Julia anywhere: no bridge variables, an empty PATH, juliacall unimportable, empty load caches.

    Each variable is set before it is deleted, so monkeypatch records it and puts the original state
    back at teardown even when the code under test writes it (``delenv(raising=False)`` of an absent
    variable records nothing).
    """
    from hayeknet import julia

    for var in JULIA_BRIDGE_VARS:
        monkeypatch.setenv(var, "")
        monkeypatch.delenv(var)
    empty = tmp_path / "empty-path"
    empty.mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setitem(sys.modules, "juliacall", None)  # any import attempt raises ImportError
    monkeypatch.setattr(julia, "_JULIACALL_FAILURE", [])
    julia.load_julia_module.cache_clear()
    yield
    julia.load_julia_module.cache_clear()
