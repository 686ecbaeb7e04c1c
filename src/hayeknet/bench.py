"""``make bench``: run every benchmark of the project and write ``reports/benchmarks.json``.

Each area exposes ``benchmarks(quick: bool) -> list[BenchResult]`` in
``hayeknet.<area>.benchmarks``; every figure is compared with a baseline
measured in the same run (``ratio`` > 1: HayekNet is better). The output is a
JSON list of ``{name, value, unit, baseline_value, ratio, ...}``.

``--load`` runs every figure twice, idle and with a CPU-bound process on
every core (:func:`hayeknet.benchmarking.cpu_load`), and reports both: the
loaded entry is named ``<name>@loaded`` and carries the idle value and
``loaded_over_idle`` (how many times worse the figure got under load).
Figures run with one BLAS/OpenMP thread, as the pipeline's kernel does
(``--threads``; :mod:`hayeknet.threads`), baselines included.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from hayeknet.benchmarking import BenchResult, cpu_load
from hayeknet.io import atomic_write_text

AREAS = ("ercot", "battery", "assimilation", "options", "agents", "beliefs", "sweep", "pipeline")
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


def with_load(idle: list[BenchResult], loaded: list[BenchResult]) -> list[BenchResult]:
    """Each idle figure followed by its loaded twin (``<name>@loaded``, with the idle value and the slowdown)."""
    by_name = {r.name: r for r in loaded}
    out: list[BenchResult] = []
    for r in idle:
        out.append(r)
        twin = by_name.get(r.name)
        if twin is None:
            continue
        if r.lower_is_better:
            slowdown = twin.value / r.value if r.value > 0 else float("inf")
        else:
            slowdown = r.value / twin.value if twin.value > 0 else float("inf")
        out.append(
            dataclasses.replace(
                twin, name=f"{r.name}@loaded", condition="loaded", idle_value=r.value, loaded_over_idle=slowdown
            )
        )
    return out


def run_loaded(areas: Sequence[str] = AREAS, quick: bool = False) -> list[BenchResult]:
    """Every figure idle, then again with a CPU-bound process on every core; both reported."""
    idle = run_benchmarks(areas, quick=quick)
    with cpu_load() as n:
        print(f"[bench] again with a CPU-bound load process on each of {n} core(s)", file=sys.stderr)
        loaded = run_benchmarks(areas, quick=quick)
    return with_load(idle, loaded)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hayeknet.bench", description=__doc__)
    parser.add_argument("--output", type=Path, default=Path("reports/benchmarks.json"))
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test), not the reported figures")
    parser.add_argument("--area", action="append", choices=AREAS, help="only these areas (repeatable)")
    parser.add_argument(
        "--load", action="store_true", help="run every figure idle and again with a CPU-bound process on every core"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="BLAS/OpenMP threads of this process, as the pipeline's kernel runs (default: 1; 0: the libraries' own)",
    )
    args = parser.parse_args(argv)
    if args.threads > 0:
        from hayeknet.threads import limit_process_threads

        limit_process_threads(args.threads)
    areas = args.area or AREAS
    results = run_loaded(areas, quick=args.quick) if args.load else run_benchmarks(areas, quick=args.quick)
    payload = [r.to_dict() for r in results]
    atomic_write_text(args.output, json.dumps(payload, indent=2) + "\n")
    meta = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "quick": args.quick,
        "load": args.load,
        "load_average_at_start": _load_average(),
        "blas_threads": args.threads or "library default",
    }
    atomic_write_text(args.output.with_suffix(".meta.json"), json.dumps(meta, indent=2) + "\n")
    print(f"wrote {args.output} ({len(payload)} figures)")
    return 0


def _load_average() -> list[float] | None:
    import os

    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


if __name__ == "__main__":
    sys.exit(main())
