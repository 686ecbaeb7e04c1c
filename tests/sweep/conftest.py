"""A small synthetic archive for the sweep tests: 17 settlement points (2 resource nodes), three days."""

from __future__ import annotations

from pathlib import Path

import pytest

DAYS = ("2025-10-01", "2025-10-02", "2025-10-03")
SEED = 20251001


@pytest.fixture(scope="session")
def sweep_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``<root>/archive`` (one partition per day of :data:`DAYS`) and ``<root>/raw``; returns ``<root>``."""
    from hayeknet.archive.ingest import ingest_day
    from hayeknet.ercot.locations import default_catalogue
    from hayeknet.ercot.synthetic import write_synthetic_day

    root = tmp_path_factory.mktemp("sweep_archive")
    catalogue = default_catalogue(2)
    for day in DAYS:
        write_synthetic_day(day, root / "raw", catalogue, SEED)
        ingest_day(root / "raw", day, root / "archive", collected_from="synthetic")
    return root
