"""BLAS threads are bounded around the EnKF kernels and in a worker process (ADR 0019)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from threadpoolctl import threadpool_info

from hayeknet.assimilation import enkf, price_model
from hayeknet.threads import THREAD_ENV_VARS, blas_threads, bounded_blas

SRC = Path(__file__).resolve().parents[1] / "src"


def _blas_threads() -> set[int]:
    return {int(i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"}


def test_blas_threads_bound_a_block_and_restore_after() -> None:
    before = _blas_threads()
    with blas_threads(1):
        assert _blas_threads() <= {1}
    assert _blas_threads() == before

    seen: list[set[int]] = []

    @bounded_blas
    def kernel() -> None:
        seen.append(_blas_threads())

    kernel()
    assert seen[0] <= {1}


def test_the_enkf_kernels_run_bounded() -> None:
    for fn in (enkf.analysis_etkf, enkf.stochastic_update, price_model.assimilate_day):
        assert getattr(fn, "__wrapped__", None) is not None, fn.__name__


def test_limit_process_threads_sets_the_environment_and_the_pools() -> None:
    code = (
        "import json, os\n"
        "from threadpoolctl import threadpool_info\n"
        "from hayeknet.threads import limit_process_threads\n"
        "env = limit_process_threads(1)\n"
        "print(json.dumps([env, sorted({i['num_threads'] for i in threadpool_info()})]))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in THREAD_ENV_VARS}
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])
    out = subprocess.run([sys.executable, "-c", "import numpy\n" + code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    import json

    values, threads = json.loads(out.stdout)
    assert values == {name: "1" for name in THREAD_ENV_VARS} and threads == [1]
