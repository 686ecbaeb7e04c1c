"""``make bench``: run every benchmark of the project and write ``reports/benchmarks.json``.

Each area exposes ``benchmarks(quick: bool) -> list[BenchResult]`` in
``hayeknet.<area>.benchmarks``; every figure is compared with a baseline
measured in the same run (``ratio`` > 1: HayekNet is better). The output is a
JSON list of ``{name, value, unit, baseline_value, ratio, ...}``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from hayeknet.benchmarking import BenchResult
from hayeknet.io import atomic_write_text

AREAS = ("ercot", "battery", "assimilation", "options", "agents", "beliefs")
"""Subpackages with a ``benchmarks`` module, run in this order."""


def run_benchmarks(areas: Sequence[str] = AREAS, quick: bool = False) -> list[BenchResult]:
    """Run the benchmarks of ``areas``; an area whose module is absent is reported, not skipped silently."""
    results: list[BenchResult] = []
    for area in areas:
        module = importlib.import_module(f"hayeknet.{area}.benchmarks")
        start = time.perf_counter()
        area_results = module.benchmarks(quick=quick)
        print(f"[bench] {area}: {len(area_results)} figure(s) in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        for r in area_results:
            print(
                f"  {r.name}: {r.value:.4g} {r.unit} (baseline {r.baseline_value:.4g}, ratio {r.ratio:.2f})",
                file=sys.stderr,
            )
        results.extend(area_results)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hayeknet.bench", description=__doc__)
    parser.add_argument("--output", type=Path, default=Path("reports/benchmarks.json"))
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test), not the reported figures")
    parser.add_argument("--area", action="append", choices=AREAS, help="only these areas (repeatable)")
    args = parser.parse_args(argv)
    results = run_benchmarks(args.area or AREAS, quick=args.quick)
    payload = [r.to_dict() for r in results]
    atomic_write_text(args.output, json.dumps(payload, indent=2) + "\n")
    meta = {"python": platform.python_version(), "machine": platform.machine(), "quick": args.quick}
    atomic_write_text(args.output.with_suffix(".meta.json"), json.dumps(meta, indent=2) + "\n")
    print(f"wrote {args.output} ({len(payload)} figures)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
