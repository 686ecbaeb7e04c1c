"""Wall-clock timings stay out of tracked outputs and go to the stage's timing log."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from hayeknet.pipeline.timings import split_wall_clock, timed, tracked_json


def test_split_wall_clock_finds_nested_timings() -> None:
    payload = {
        "seconds": 1.5,
        "a": {"compile_seconds": 2.0, "n": 3, "items": [{"wall_seconds": 4.0, "x": 1}]},
        "seconds_label": "kept",
        "b": [1, 2],
    }
    clean, found = split_wall_clock(payload)
    assert clean == {"a": {"n": 3, "items": [{"x": 1}]}, "seconds_label": "kept", "b": [1, 2]}
    assert found == {"seconds": 1.5, "a.compile_seconds": 2.0, "a.items[0].wall_seconds": 4.0}


def test_a_timed_stage_writes_clean_outputs_and_its_log(tmp_path: Path, capfd) -> None:  # type: ignore[no-untyped-def]
    ctx = SimpleNamespace(paths=SimpleNamespace(timings=tmp_path / "timings"))

    @timed("demo", "demo_init")
    def run(ctx, day):  # type: ignore[no-untyped-def]
        tracked_json(tmp_path / "out.json", {"value": 7, "seconds": 0.25})
        return day

    assert run(ctx, "2025-10-02") == "2025-10-02" and run(ctx, "init") == "init"
    assert json.loads((tmp_path / "out.json").read_text()) == {"value": 7}
    log = json.loads((tmp_path / "timings" / "demo@2025-10-02.json").read_text())
    assert log["stage"] == "demo" and log["phases"] == {"out.json:seconds": 0.25} and log["seconds"] >= 0
    assert (tmp_path / "timings" / "demo_init@init.json").exists()
    assert "[hayeknet] demo@2025-10-02: done in" in capfd.readouterr().err


def test_outside_a_stage_the_timings_are_dropped(tmp_path: Path) -> None:
    tracked_json(tmp_path / "x.json", {"seconds": 3.0, "k": 1})
    assert json.loads((tmp_path / "x.json").read_text()) == {"k": 1}
