"""The ERCOT/archive benchmarks run at smoke-test size and report each figure against its baseline."""

from __future__ import annotations

import math

from hayeknet.ercot.benchmarks import benchmarks


def test_quick_benchmarks_report_the_three_figures() -> None:
    results = benchmarks(quick=True)
    assert [r.name for r in results] == [
        "ercot_normalize_np6_788_day_csv",
        "ercot_parse_np6_788_day_288_files",
        "archive_read_location_5_days",
    ]
    for r in results:
        assert math.isfinite(r.value) and r.value > 0
        assert math.isfinite(r.baseline_value) and r.baseline_value > 0
        assert math.isclose(r.ratio, r.baseline_value / r.value)
