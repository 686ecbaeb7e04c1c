"""The one bridge to Julia: find an executable, pick the backend, load a kernel from ``julia/``.

The Julia kernels (``julia/enkf.jl``, ``julia/options.jl``,
``julia/constraints.jl``; standard library only) each have a NumPy twin, the
reference and the default. This module holds what they share; the modules
that wrap one kernel (:mod:`hayeknet.assimilation.backend`,
:mod:`hayeknet.options.backend`, :mod:`hayeknet.constraints.backend`) keep
only their NumPy/Julia callables and the argument conversions.

* :func:`find_julia_executable`: ``$PYTHON_JULIACALL_EXE``, ``$JULIA_EXE`` or
  ``julia`` on ``PATH``.
* :func:`resolve_backend`: ``auto | julia | numpy`` to ``julia`` or ``numpy``;
  ``auto`` picks Julia only when an executable is found.
* :func:`julia_source`: a kernel file ``julia/<name>`` of the project.
* :func:`load_julia_module`: include a kernel through juliacall, once per
  process, and return its Julia module.
* :class:`BackendUnavailableError`: Julia was asked for but cannot run here.

* :func:`choose_kernel`: the kernel a backend wrapper hands out; ``auto``
  falls back to NumPy, with the reason in the kernel's ``note``, when Julia is
  found but cannot be loaded (nothing degrades silently: the stages record
  the note in their metrics and the daily report shows it).

``juliacall`` is never imported unless an executable was found, because
importing it without Julia tries to download one (and fails offline with
``URLError``). The executable found is handed to juliapkg
(``PYTHON_JULIAPKG_EXE``), which resolves juliacall's Julia project (the
venv's ``julia_env`` with PythonCall); juliacall refuses
``PYTHON_JULIACALL_EXE`` without ``PYTHON_JULIACALL_PROJECT`` (0.9.3x), so a
lone ``PYTHON_JULIACALL_EXE`` is moved to ``PYTHON_JULIAPKG_EXE`` in this
process. ``PYTHON_JULIAPKG_OFFLINE=yes`` is set unless already set, so a run
never reaches the network: install PythonCall into that project once with
network (``PYTHON_JULIAPKG_OFFLINE=no python -c "import juliacall"``, README
"Julia"). The Julia version pin is ``src/hayeknet/juliapkg.json``, which
juliapkg reads from the installed package. Import juliacall before torch in
a process that uses both (DESIGN section 8), and do not fork after loading
Julia.
"""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

BACKENDS = ("auto", "julia", "numpy")
JULIA_ENV_VARS = ("PYTHON_JULIACALL_EXE", "JULIA_EXE")
K = TypeVar("K")
_JULIACALL_FAILURE: list[str] = []  # why juliacall could not start in this process (at most one entry)


class BackendUnavailableError(RuntimeError):
    """The requested Julia backend cannot run here (no Julia executable, missing kernel file)."""


def find_julia_executable() -> str | None:
    """Path of a Julia executable from the environment variables or ``PATH``; ``None`` if absent.

    ``$PYTHON_JULIACALL_EXE`` then ``$JULIA_EXE`` (a path or a name looked up
    on ``PATH``; empty values, juliacall's ``@...`` specials and values that
    name no executable are skipped), then ``julia`` on ``PATH``.
    """
    for var in JULIA_ENV_VARS:
        value = os.environ.get(var, "").strip()
        if not value or value.startswith("@"):
            continue
        found = shutil.which(value)
        if found:
            return found
    return shutil.which("julia")


def resolve_backend(requested: str) -> str:
    """Map ``auto | julia | numpy`` to the backend that will run: ``julia`` or ``numpy``.

    ``auto`` gives ``julia`` only when a Julia executable is found. ``julia``
    without one raises :class:`BackendUnavailableError`. Never imports juliacall.
    """
    if requested not in BACKENDS:
        raise ValueError(f"EnKF backend must be one of {', '.join(BACKENDS)}, got {requested!r}")
    if requested == "numpy":
        return "numpy"
    exe = find_julia_executable()
    if requested == "julia" and exe is None:
        raise BackendUnavailableError(
            "assimilation backend 'julia' requested but no Julia executable was found: set "
            "PYTHON_JULIACALL_EXE or JULIA_EXE, or put `julia` (1.10) on PATH; "
            "or use backend 'auto' or 'numpy'"
        )
    return "julia" if exe is not None else "numpy"


def julia_source(name: str) -> Path:
    """``julia/<name>`` of the project (beside the source tree, else under the project root).

    Raises :class:`BackendUnavailableError` naming every path looked at when
    the file is in neither place.
    """
    candidates = [Path(__file__).resolve().parents[2] / "julia" / name]
    try:
        from hayeknet.config import find_root

        candidates.append(find_root() / "julia" / name)
    except FileNotFoundError:
        pass
    for path in candidates:
        if path.is_file():
            return path
    raise BackendUnavailableError(f"Julia kernel {name} not found (looked at {', '.join(str(p) for p in candidates)})")


@functools.cache
def load_julia_module(name: str, module: str) -> Any:
    """Include ``julia/<name>`` through juliacall and return ``Main.<module>`` (once per process).

    Raises :class:`BackendUnavailableError` (without importing juliacall) when
    no Julia executable is found or the kernel file is missing. Otherwise hands
    the executable to juliapkg (``PYTHON_JULIAPKG_EXE``; a lone
    ``PYTHON_JULIACALL_EXE`` is removed, since juliacall refuses it without
    ``PYTHON_JULIACALL_PROJECT``) and sets ``PYTHON_JULIAPKG_OFFLINE=yes``
    unless already set, so juliacall neither downloads Julia nor resolves
    packages. A failure to start juliacall or to include the kernel is a
    :class:`BackendUnavailableError` naming the executable, the kernel and the
    cause; a failed juliacall start is not retried in the same process. The
    result is cached per ``(name, module)``: a file is included once, however
    many wrappers ask for it.
    """
    exe = find_julia_executable()
    if exe is None:
        raise BackendUnavailableError(
            f"cannot load the Julia kernel {name}: no Julia executable found "
            "(set PYTHON_JULIACALL_EXE or JULIA_EXE, or put `julia` on PATH)"
        )
    source = julia_source(name)
    if _JULIACALL_FAILURE:
        raise BackendUnavailableError(_JULIACALL_FAILURE[0])
    os.environ.setdefault("PYTHON_JULIAPKG_OFFLINE", "yes")
    if "PYTHON_JULIACALL_PROJECT" not in os.environ:
        os.environ.pop("PYTHON_JULIACALL_EXE", None)
        os.environ["PYTHON_JULIAPKG_EXE"] = exe
    try:
        from juliacall import Main as jl
    except Exception as exc:  # juliacall raises bare Exception, JuliaError, OSError, ...
        _JULIACALL_FAILURE.append(
            f"Julia at {exe} was found but juliacall could not start it ({type(exc).__name__}: {exc}); "
            "juliacall needs PythonCall in its Julia project: run once with network "
            '`PYTHON_JULIAPKG_OFFLINE=no python -c "import juliacall"`'
        )
        raise BackendUnavailableError(_JULIACALL_FAILURE[0]) from exc
    try:
        jl.include(str(source))
        return getattr(jl, module)
    except Exception as exc:
        raise BackendUnavailableError(
            f"Julia at {exe} could not load {source} as module {module} ({type(exc).__name__}: {exc})"
        ) from exc


def choose_kernel(requested: str, julia: Callable[[], K], numpy: Callable[[str], K]) -> K:
    """The kernel for ``auto | julia | numpy``: ``julia()`` or ``numpy(note)``.

    ``numpy`` takes the note the kernel carries: empty when NumPy was chosen
    (``numpy`` requested, or ``auto`` without a Julia executable), the reason
    when ``auto`` found Julia but :class:`BackendUnavailableError` came from
    loading it. ``julia`` requested and failing raises that error.
    """
    if resolve_backend(requested) == "numpy":
        return numpy("")
    try:
        return julia()
    except BackendUnavailableError as exc:
        if requested == "julia":
            raise
        return numpy(f"backend auto found Julia but ran NumPy instead: {exc}")
