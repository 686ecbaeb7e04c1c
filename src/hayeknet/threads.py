"""Bounding BLAS and OpenMP threads where small matrices dominate (issue 16, ADR 0019).

The EnKF's analyses work on ``N x N`` ensemble-space matrices (N = 40..100
members): an eigendecomposition or a product of that size finishes long before
a pool of BLAS threads pays for itself, and when the machine is busy (a nightly
job beside other work, a Dask worker per core) every extra thread competes for
the same cores. ``make bench`` measured one ETKF analysis at 2.9 ms idle and
192 ms with another pipeline on the 2 cores before the bound.

* :func:`blas_threads` limits the BLAS pools of this process for a block (a
  :class:`threadpoolctl.ThreadpoolController` built once, so entering the block
  costs microseconds, not the milliseconds of ``threadpool_limits``);
* :func:`bounded_blas` is the same as a decorator, for the EnKF kernels;
* :func:`limit_process_threads` is the process-wide setting for a worker
  (environment variables for the libraries not loaded yet, and the pools of
  those already loaded).

The pipeline's kernel already starts with one thread (``hayeknet.kernelspec``);
these bounds make the same true in a plain Python process, a test, ``make
bench`` and a Dask worker.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

THREAD_ENV_VARS: tuple[str, ...] = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
"""Variables that size the OpenMP and BLAS pools of libraries loaded after they are set."""

_F = TypeVar("_F", bound=Callable[..., Any])


@functools.lru_cache(maxsize=1)
def _controller() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@contextmanager
def blas_threads(limit: int = 1) -> Iterator[None]:
    """Run the block with at most ``limit`` BLAS threads in this process (the previous sizes come back after)."""
    with _controller().limit(limits=int(limit), user_api="blas"):
        yield


def bounded_blas(fn: _F) -> _F:
    """Decorate ``fn`` to run with one BLAS thread (:func:`blas_threads`)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with blas_threads(1):
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def limit_process_threads(limit: int = 1) -> dict[str, str]:
    """Set this process's BLAS and OpenMP pools to ``limit`` threads, now and for libraries loaded later.

    Returns the environment variables it set. Used when a Dask worker starts
    (:mod:`hayeknet.sweep.runner`) and by ``make bench``.
    """
    values = {name: str(int(limit)) for name in THREAD_ENV_VARS}
    os.environ.update(values)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=int(limit))
    _controller.cache_clear()
    return values
