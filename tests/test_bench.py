"""``make bench``'s loaded mode pairs each idle figure with its loaded twin; the load really loads the cores."""

from __future__ import annotations

import os
import time

from hayeknet.bench import with_load
from hayeknet.benchmarking import BenchResult, cpu_load


def test_each_idle_figure_is_followed_by_its_loaded_twin_with_the_slowdown() -> None:
    idle = [BenchResult("etkf", 3.0, "ms", 300.0, 100.0), BenchResult("steps", 8000.0, "steps/s", 800.0, 10.0)]
    loaded = [BenchResult("etkf", 6.0, "ms", 900.0, 150.0), BenchResult("steps", 2000.0, "steps/s", 400.0, 5.0)]
    out = with_load(idle, loaded)
    assert [r.name for r in out] == ["etkf", "etkf@loaded", "steps", "steps@loaded"]
    assert out[1].condition == "loaded" and out[1].idle_value == 3.0 and out[1].loaded_over_idle == 2.0
    assert out[3].loaded_over_idle == 4.0 and out[3].ratio == 5.0 and out[0].condition == "idle"
    assert "loaded_over_idle" in out[1].to_dict()


def test_cpu_load_spins_and_stops() -> None:
    import multiprocessing

    start_cpu = sum(os.times()[2:4])
    with cpu_load(2) as n:
        assert n == 2 and len(multiprocessing.active_children()) >= 2
        time.sleep(1.0)
    assert not [p for p in multiprocessing.active_children() if p.is_alive()]
    # joined: their CPU time now counts as our children's (little on a machine already busy)
    assert sum(os.times()[2:4]) - start_cpu > 0.05
