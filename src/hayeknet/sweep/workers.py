"""What every Dask worker of a sweep runs with: one BLAS/OpenMP thread per worker process.

A LocalCluster starts one single-threaded worker per core, and a ``dask
worker`` on a shared server runs beside other jobs: a BLAS pool of its own per
worker would oversubscribe the cores (ADR 0019). Dask's nanny already sets the
thread variables for the processes it spawns; :class:`ThreadBound` makes it
true of every worker, including one started without a nanny, and of libraries
loaded before the variables were read.
"""

from __future__ import annotations

from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin


class ThreadBound(WorkerPlugin):
    """Worker plugin: :func:`hayeknet.threads.limit_process_threads` to ``threads`` when the worker starts."""

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads

    def setup(self, worker: Any) -> None:
        from hayeknet.threads import limit_process_threads

        limit_process_threads(self.threads)
