"""The Julia bridge (hayeknet.julia): executable lookup, backend choice, kernel files, cached loading.

No test imports the real juliacall: ``sys.modules["juliacall"]`` is ``None``
(any import raises ``ImportError``) or, for the loading test, a stand-in
module that records what it was asked to include.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path

import pytest

from hayeknet import julia
from hayeknet.julia import (
    BackendUnavailableError,
    choose_kernel,
    find_julia_executable,
    julia_source,
    load_julia_module,
    resolve_backend,
)

SHIPPED_KERNELS = {"enkf.jl": "HayekEnKF", "options.jl": "HayekOptions", "constraints.jl": "HayekConstraints"}


@pytest.fixture
def make_exe(tmp_path: Path) -> Callable[..., Path]:
    """Write a fake executable shell script ``tmp_path/<folder>/<name>`` (it is never run)."""

    def make(name: str = "julia", folder: str = "bin", executable: bool = True) -> Path:
        exe = tmp_path / folder / name
        exe.parent.mkdir(exist_ok=True)
        exe.write_text("#!/bin/sh\nexit 0\n")
        if executable:
            exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
        return exe

    return make


# --------------------------------------------------------------------------- executable


def test_no_executable_anywhere_gives_none(no_julia: None) -> None:
    assert find_julia_executable() is None


def test_julia_on_path_is_found(no_julia: None, monkeypatch: pytest.MonkeyPatch, make_exe) -> None:
    exe = make_exe()
    monkeypatch.setenv("PATH", str(exe.parent))
    assert find_julia_executable() == str(exe)


@pytest.mark.parametrize("var", julia.JULIA_ENV_VARS)
def test_environment_variable_path_wins_over_path(
    no_julia: None, monkeypatch: pytest.MonkeyPatch, make_exe, var: str
) -> None:
    on_path = make_exe(folder="on-path")
    named = make_exe(folder="named")
    monkeypatch.setenv("PATH", str(on_path.parent))
    monkeypatch.setenv(var, str(named))
    assert find_julia_executable() == str(named)


def test_python_juliacall_exe_comes_before_julia_exe(no_julia: None, monkeypatch: pytest.MonkeyPatch, make_exe) -> None:
    first = make_exe(folder="first")
    second = make_exe(folder="second")
    monkeypatch.setenv("PYTHON_JULIACALL_EXE", str(first))
    monkeypatch.setenv("JULIA_EXE", str(second))
    assert find_julia_executable() == str(first)


def test_environment_variable_may_name_a_command_on_path(
    no_julia: None, monkeypatch: pytest.MonkeyPatch, make_exe
) -> None:
    exe = make_exe(name="julia-1.10")
    monkeypatch.setenv("PATH", str(exe.parent))
    monkeypatch.setenv("JULIA_EXE", "julia-1.10")
    assert find_julia_executable() == str(exe)


@pytest.mark.parametrize("value", ["", "   ", "@JuliaPkg", "/nonexistent/julia"])
def test_unusable_environment_values_fall_through_to_path(
    no_julia: None, monkeypatch: pytest.MonkeyPatch, make_exe, value: str
) -> None:
    monkeypatch.setenv("PYTHON_JULIACALL_EXE", value)
    assert find_julia_executable() is None
    exe = make_exe()
    monkeypatch.setenv("PATH", str(exe.parent))
    assert find_julia_executable() == str(exe)


def test_a_file_without_execute_permission_is_not_an_executable(
    no_julia: None, monkeypatch: pytest.MonkeyPatch, make_exe
) -> None:
    plain = make_exe(executable=False)
    monkeypatch.setenv("JULIA_EXE", str(plain))
    monkeypatch.setenv("PATH", str(plain.parent))
    assert find_julia_executable() is None


# --------------------------------------------------------------------------- backend choice


def test_auto_resolves_to_numpy_without_julia(no_julia: None) -> None:
    assert resolve_backend("auto") == "numpy"
    assert resolve_backend("numpy") == "numpy"


def test_auto_and_julia_resolve_to_julia_with_an_executable(
    no_julia: None, monkeypatch: pytest.MonkeyPatch, make_exe
) -> None:
    monkeypatch.setenv("JULIA_EXE", str(make_exe()))
    assert resolve_backend("auto") == "julia"
    assert resolve_backend("julia") == "julia"
    assert resolve_backend("numpy") == "numpy"


def test_julia_requested_without_executable_says_how_to_fix_it(no_julia: None) -> None:
    with pytest.raises(BackendUnavailableError) as info:
        resolve_backend("julia")
    message = str(info.value)
    assert "no Julia executable was found" in message
    assert "PYTHON_JULIACALL_EXE" in message and "JULIA_EXE" in message and "PATH" in message
    assert "'auto' or 'numpy'" in message


@pytest.mark.parametrize("requested", ["fortran", "Julia", "", "NUMPY"])
def test_unknown_backend_names_the_choices(requested: str) -> None:
    with pytest.raises(ValueError, match="auto, julia, numpy"):
        resolve_backend(requested)


def test_backend_unavailable_is_a_runtime_error() -> None:
    assert issubclass(BackendUnavailableError, RuntimeError)


# --------------------------------------------------------------------------- kernel files


@pytest.mark.parametrize(("name", "module"), SHIPPED_KERNELS.items())
def test_shipped_kernels_are_found(name: str, module: str) -> None:
    source = julia_source(name)
    assert source.name == name and source.parent.name == "julia"
    assert f"module {module}" in source.read_text()


def test_missing_kernel_names_every_path_looked_at(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HAYEKNET_ROOT", str(tmp_path))
    beside_source = Path(julia.__file__).resolve().parents[2] / "julia" / "missing.jl"
    with pytest.raises(BackendUnavailableError) as info:
        julia_source("missing.jl")
    message = str(info.value)
    assert message.startswith("Julia kernel missing.jl not found (looked at ")
    assert str(beside_source) in message
    assert str(tmp_path.resolve() / "julia" / "missing.jl") in message


def test_missing_kernel_outside_a_project_names_the_source_tree_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("HAYEKNET_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)  # no project root above: only the path beside the source tree
    beside_source = Path(julia.__file__).resolve().parents[2] / "julia" / "missing.jl"
    with pytest.raises(BackendUnavailableError) as info:
        julia_source("missing.jl")
    assert str(info.value) == f"Julia kernel missing.jl not found (looked at {beside_source})"


def test_kernel_under_the_project_root_is_found(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    kernel = tmp_path / "julia" / "extra.jl"
    kernel.parent.mkdir()
    kernel.write_text("module Extra end\n")
    monkeypatch.setenv("HAYEKNET_ROOT", str(tmp_path))
    assert julia_source("extra.jl") == kernel.resolve()


# --------------------------------------------------------------------------- loading


def test_loading_without_julia_raises_before_importing_juliacall(no_julia: None) -> None:
    with pytest.raises(BackendUnavailableError, match=r"cannot load the Julia kernel enkf\.jl: no Julia executable"):
        load_julia_module("enkf.jl", "HayekEnKF")
    assert "PYTHON_JULIACALL_EXE" not in os.environ


def test_loading_a_missing_kernel_raises_before_importing_juliacall(
    no_julia: None, monkeypatch: pytest.MonkeyPatch, make_exe
) -> None:
    monkeypatch.setenv("PATH", str(make_exe().parent))
    with pytest.raises(BackendUnavailableError, match=r"Julia kernel missing\.jl not found"):
        load_julia_module("missing.jl", "Missing")
    assert "PYTHON_JULIACALL_EXE" not in os.environ  # nothing was set up for juliacall


class _StandInMain:
    """Records ``include`` calls and exposes one attribute per included kernel module."""

    def __init__(self) -> None:
        self.included: list[str] = []
        self.HayekEnKF = object()
        self.HayekOptions = object()

    def include(self, path: str) -> None:
        self.included.append(path)


@pytest.mark.parametrize("preset", [None, "no"])
def test_loading_sets_the_offline_guard_and_includes_each_kernel_once(
    no_julia: None, monkeypatch: pytest.MonkeyPatch, make_exe, preset: str | None
) -> None:
    exe = make_exe()
    monkeypatch.setenv("PATH", str(exe.parent))
    if preset is None:
        monkeypatch.delenv("PYTHON_JULIAPKG_OFFLINE", raising=False)
    else:
        monkeypatch.setenv("PYTHON_JULIAPKG_OFFLINE", preset)
    main = _StandInMain()
    monkeypatch.setitem(sys.modules, "juliacall", types.SimpleNamespace(Main=main))

    first = load_julia_module("enkf.jl", "HayekEnKF")
    again = load_julia_module("enkf.jl", "HayekEnKF")
    other = load_julia_module("options.jl", "HayekOptions")

    assert first is again is main.HayekEnKF
    assert other is main.HayekOptions
    assert main.included == [str(julia_source("enkf.jl")), str(julia_source("options.jl"))]
    assert os.environ["PYTHON_JULIAPKG_EXE"] == str(exe)  # juliapkg resolves juliacall's project with it
    assert "PYTHON_JULIACALL_EXE" not in os.environ
    assert os.environ["PYTHON_JULIAPKG_OFFLINE"] == (preset or "yes")  # an explicit setting is kept


def test_a_lone_juliacall_exe_is_handed_to_juliapkg(no_julia: None, monkeypatch: pytest.MonkeyPatch, make_exe) -> None:
    """juliacall 0.9.3x refuses PYTHON_JULIACALL_EXE without PYTHON_JULIACALL_PROJECT (CI at 48165cd)."""
    exe = make_exe()
    monkeypatch.setenv("PYTHON_JULIACALL_EXE", str(exe))
    monkeypatch.setitem(sys.modules, "juliacall", types.SimpleNamespace(Main=_StandInMain()))
    load_julia_module("enkf.jl", "HayekEnKF")
    assert "PYTHON_JULIACALL_EXE" not in os.environ
    assert os.environ["PYTHON_JULIAPKG_EXE"] == str(exe)


def test_a_juliacall_exe_with_its_project_is_left_to_juliacall(
    no_julia: None, monkeypatch: pytest.MonkeyPatch, make_exe, tmp_path: Path
) -> None:
    exe = make_exe()
    monkeypatch.setenv("PYTHON_JULIACALL_EXE", str(exe))
    monkeypatch.setenv("PYTHON_JULIACALL_PROJECT", str(tmp_path))
    monkeypatch.setitem(sys.modules, "juliacall", types.SimpleNamespace(Main=_StandInMain()))
    load_julia_module("enkf.jl", "HayekEnKF")
    assert os.environ["PYTHON_JULIACALL_EXE"] == str(exe)
    assert os.environ["PYTHON_JULIACALL_PROJECT"] == str(tmp_path)
    assert "PYTHON_JULIAPKG_EXE" not in os.environ


class _BrokenJuliacall(types.ModuleType):
    """A juliacall whose start fails, as the real one does without PythonCall offline; counts the attempts."""

    attempts = 0

    def __getattr__(self, name: str) -> object:
        if name != "Main":
            raise AttributeError(name)
        type(self).attempts += 1
        raise Exception("Both PYTHON_JULIACALL_PROJECT and PYTHON_JULIACALL_EXE must be set together")


def test_a_julia_that_cannot_start_is_a_backend_error_naming_the_cause_and_is_not_retried(
    no_julia: None, monkeypatch: pytest.MonkeyPatch, make_exe
) -> None:
    exe = make_exe()
    monkeypatch.setenv("PATH", str(exe.parent))
    monkeypatch.setattr(_BrokenJuliacall, "attempts", 0)
    monkeypatch.setitem(sys.modules, "juliacall", _BrokenJuliacall("juliacall"))
    with pytest.raises(BackendUnavailableError) as first:
        load_julia_module("enkf.jl", "HayekEnKF")
    message = str(first.value)
    assert f"Julia at {exe} was found but juliacall could not start it" in message
    assert "must be set together" in message  # the cause, verbatim
    assert "PYTHON_JULIAPKG_OFFLINE=no" in message  # and the one-time fix
    with pytest.raises(BackendUnavailableError, match="could not start it"):
        load_julia_module("options.jl", "HayekOptions")
    assert _BrokenJuliacall.attempts == 1  # a failed start is remembered, not retried


def test_a_kernel_julia_cannot_include_names_the_file(
    no_julia: None, monkeypatch: pytest.MonkeyPatch, make_exe
) -> None:
    class Failing(_StandInMain):
        def include(self, path: str) -> None:
            raise RuntimeError("LoadError: syntax")

    monkeypatch.setenv("PATH", str(make_exe().parent))
    monkeypatch.setitem(sys.modules, "juliacall", types.SimpleNamespace(Main=Failing()))
    with pytest.raises(BackendUnavailableError) as info:
        load_julia_module("enkf.jl", "HayekEnKF")
    assert str(julia_source("enkf.jl")) in str(info.value) and "LoadError: syntax" in str(info.value)


# --------------------------------------------------------------------------- choosing a kernel


def _numpy(note: str) -> tuple[str, str]:
    return ("numpy", note)


def _julia_fails() -> tuple[str, str]:
    raise BackendUnavailableError("juliacall could not start")


def test_choose_kernel_numpy_and_auto_without_julia_carry_no_note(no_julia: None) -> None:
    assert choose_kernel("numpy", _julia_fails, _numpy) == ("numpy", "")
    assert choose_kernel("auto", _julia_fails, _numpy) == ("numpy", "")


def test_choose_kernel_auto_falls_back_to_numpy_saying_why(
    no_julia: None, monkeypatch: pytest.MonkeyPatch, make_exe
) -> None:
    monkeypatch.setenv("PATH", str(make_exe().parent))
    name, note = choose_kernel("auto", _julia_fails, _numpy)
    assert name == "numpy"
    assert note == "backend auto found Julia but ran NumPy instead: juliacall could not start"
    assert choose_kernel("auto", lambda: ("julia", ""), _numpy) == ("julia", "")


def test_choose_kernel_julia_requested_raises_instead_of_falling_back(
    no_julia: None, monkeypatch: pytest.MonkeyPatch, make_exe
) -> None:
    monkeypatch.setenv("PATH", str(make_exe().parent))
    with pytest.raises(BackendUnavailableError, match="could not start"):
        choose_kernel("julia", _julia_fails, _numpy)


def test_importing_the_bridge_and_the_backends_does_not_import_juliacall() -> None:
    code = (
        "import sys, hayeknet.julia, hayeknet.assimilation.backend, hayeknet.options.backend,"
        " hayeknet.options.strip, hayeknet.constraints.backend;"
        "sys.exit('juliacall' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if k not in julia.JULIA_ENV_VARS}
    done = subprocess.run([sys.executable, "-c", code], env=env, check=False, timeout=120)
    assert done.returncode == 0
