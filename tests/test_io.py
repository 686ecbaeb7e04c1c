"""Atomic writes: a failure leaves the earlier content intact."""

from __future__ import annotations

from pathlib import Path

import pytest

from hayeknet.io import atomic_directory, atomic_write_json, atomic_write_text


def test_atomic_text_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "a" / "out.txt"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]


def test_failed_json_write_keeps_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    atomic_write_json(target, {"a": 1})

    class Unprintable:
        def __str__(self) -> str:
            raise TypeError("cannot serialise")

    with pytest.raises(TypeError):
        atomic_write_json(target, {"a": Unprintable()})
    assert target.read_text().strip().startswith("{")
    assert '"a": 1' in target.read_text()


def test_atomic_directory_failure_keeps_old_folder(tmp_path: Path) -> None:
    dest = tmp_path / "day=2025-10-01"
    with atomic_directory(dest) as tmp:
        (tmp / "prices.parquet").write_text("old")
    with pytest.raises(RuntimeError), atomic_directory(dest) as tmp:
        (tmp / "prices.parquet").write_text("half")
        raise RuntimeError("disk full")
    assert (dest / "prices.parquet").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["day=2025-10-01"]


def test_atomic_directory_replaces_whole(tmp_path: Path) -> None:
    dest = tmp_path / "d"
    with atomic_directory(dest) as tmp:
        (tmp / "x").write_text("1")
    with atomic_directory(dest) as tmp:
        (tmp / "y").write_text("2")
    assert sorted(p.name for p in dest.iterdir()) == ["y"]


def test_json_is_strict_non_finite_floats_become_null(tmp_path) -> None:
    import json
    import math

    import numpy as np

    from hayeknet.io import atomic_write_json

    dest = tmp_path / "out.json"
    atomic_write_json(
        dest,
        {
            "a": math.nan,
            "b": [1.5, math.inf, np.float64("-inf"), np.float32(2.5)],
            "c": {"d": np.nan, "e": np.int64(3)},
            "f": "NaN",
        },
    )
    text = dest.read_text()
    assert "NaN" not in text.replace('"NaN"', "") and "Infinity" not in text
    assert json.loads(text) == {"a": None, "b": [1.5, None, None, 2.5], "c": {"d": None, "e": 3}, "f": "NaN"}
