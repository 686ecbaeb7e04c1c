"""Install the ``hayeknet`` Jupyter kernel that every stage runs in (``papermill -k hayeknet``).

The kernelspec is ipykernel's, with three project settings:

* the kernel's own log is at CRITICAL: a successful run otherwise prints
  "Kernel is running over TCP without encryption" for every notebook (the
  kernel listens on 127.0.0.1 only) and "KeyboardInterrupt caught in kernel"
  when papermill shuts it down; both read like failures in a nightly log.
  Errors of the code in a cell still reach papermill and fail the stage.
* ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` and ``MKL_NUM_THREADS`` are 1:
  results that sum in floating point (BLAS, torch) must not depend on the
  machine's core count, and the EnKF's small matrices run faster on one
  thread when the machine is busy;
* ``PYTHON_JULIAPKG_OFFLINE=yes``: juliacall never downloads at run time.

Usage: ``python -m hayeknet.kernelspec`` (into this environment, what the
Makefile and the conda recipe run) or ``--user``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

KERNEL_NAME = "hayeknet"
DISPLAY_NAME = "HayekNet (Python 3.11)"
QUIET_KERNEL_LOG = "--IPKernelApp.log_level=CRITICAL"
KERNEL_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHON_JULIAPKG_OFFLINE": "yes",
}


def install(user: bool = False, prefix: str | None = None) -> Path:
    """Install (or replace) the kernelspec; returns its ``kernel.json``."""
    from ipykernel.kernelspec import install as ipykernel_install

    folder = Path(
        ipykernel_install(
            user=user,
            kernel_name=KERNEL_NAME,
            display_name=DISPLAY_NAME,
            prefix=None if user else (prefix or sys.prefix),
            env=dict(KERNEL_ENV),
        )
    )
    spec_file = folder / "kernel.json"
    spec = json.loads(spec_file.read_text())
    argv = [a for a in spec["argv"] if a != QUIET_KERNEL_LOG]
    argv.insert(argv.index("-f"), QUIET_KERNEL_LOG)
    spec["argv"] = argv
    spec_file.write_text(json.dumps(spec, indent=1) + "\n")
    return spec_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hayeknet.kernelspec", description=__doc__.split("\n\n")[0])
    parser.add_argument("--user", action="store_true", help="install for this user instead of this environment")
    args = parser.parse_args(argv)
    print(f"installed the {KERNEL_NAME} kernel: {install(user=args.user)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
