"""Row 10: a crafted ``model.zip`` given to `backtest --checkpoint`.

Before: its embedded pickle ran code (a file was created) and the backtest exited 0. Now: a checkpoint is
loaded only when it is the project's own (under ``artifacts/models``, its sha256 as its registry records,
checked before the unpickler sees a byte) or when the user passes ``--trust-checkpoint``; anything else is
refused with one line and nothing in it runs.
"""

from __future__ import annotations

import base64
import contextlib
import json
import pickle
import shutil
import zipfile
from pathlib import Path

import pytest
from fault_helpers import D1, D2, assert_one_line, make_project

from hayeknet.cli import main


class Payload:
    """Unpickling it writes a file: what a crafted checkpoint could do (anything)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (exec, (f"open({str(self.marker)!r}, 'w').write('pwned')",))


def craft(source: Path, dest: Path, marker: Path) -> Path:
    """A copy of the SB3 checkpoint ``source`` whose ``data`` member carries :class:`Payload` pickled where SB3
    unpickles (``policy_class``)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "data":
                doc = json.loads(data)
                doc["policy_class"][":serialized:"] = base64.b64encode(pickle.dumps(Payload(marker))).decode()
                data = json.dumps(doc).encode()
            zout.writestr(info, data)
    return dest


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two archived days and the project's own untrained checkpoint (``artifacts/models/init``)."""
    from hayeknet.agents.training import init_model
    from hayeknet.config import ProjectPaths
    from hayeknet.params import load_params
    from hayeknet.pipeline.collect import collect
    from hayeknet.pipeline.context import StageContext
    from hayeknet.pipeline.stages import ingest

    root = make_project(tmp_path_factory.mktemp("row10") / "project", end=D2)
    paths = ProjectPaths(root)
    params = load_params(paths.params_file)
    collect(paths, params, params.study.start, params.study.end, update_dvc=False)
    ctx = StageContext(paths, params)
    for day in (D1, D2):
        ingest.run(ctx, day)
    init_model(params.battery, params.train, paths.models / "init")
    return root


def _backtest(root: Path, checkpoint: Path, *extra: str) -> int:
    return main(
        ["--project", str(root), "backtest", "--strategy", "ppo_agent", "--start", D1, "--end", D2,
         "--checkpoint", str(checkpoint), *extra]
    )  # fmt: skip


def test_a_crafted_checkpoint_from_elsewhere_is_refused_and_runs_nothing(project: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "pwned"
    crafted = craft(
        project / "artifacts" / "models" / "init" / "model.zip", tmp_path / "downloads" / "model.zip", marker
    )
    assert _backtest(project, crafted) == 2
    line = assert_one_line(capsys.readouterr().err, "hayeknet backtest: error", "refused")
    assert "not a checkpoint of this project" in line and "--trust-checkpoint" in line and "pickled" in line
    assert not marker.exists()


def test_a_crafted_checkpoint_with_its_own_registry_is_still_refused(project: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from hayeknet.agents.trust import REGISTRY_FIELD, sha256_file

    marker = tmp_path / "pwned"
    folder = tmp_path / "downloads"
    crafted = craft(project / "artifacts" / "models" / "init" / "model.zip", folder / "model.zip", marker)
    registry = json.loads((project / "artifacts" / "models" / "init" / "registry.json").read_text())
    (folder / "registry.json").write_text(json.dumps(registry | {REGISTRY_FIELD: sha256_file(crafted)}))
    assert _backtest(project, folder) == 2
    assert_one_line(capsys.readouterr().err, "refused", "not a checkpoint of this project")
    assert not marker.exists()


def test_a_swapped_checkpoint_inside_the_project_fails_its_hash(project: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "pwned"
    own = project / "artifacts" / "models" / "init"
    swapped = project / "artifacts" / "models" / "swapped"
    shutil.copytree(own, swapped)
    craft(own / "model.zip", swapped / "model.zip", marker)
    assert _backtest(project, swapped) == 2
    line = assert_one_line(capsys.readouterr().err, "refused", "differs from the")
    assert "registry.json" in line
    assert not marker.exists()
    shutil.rmtree(swapped)


def test_the_projects_own_checkpoint_loads_and_a_trusted_copy_too(project: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    own = project / "artifacts" / "models" / "init"
    assert _backtest(project, own) == 0, capsys.readouterr().err
    copy = tmp_path / "colleague"
    shutil.copytree(own, copy)
    (copy / "registry.json").unlink()  # no registry: only the user's word makes it loadable
    assert _backtest(project, copy) == 2
    capsys.readouterr()
    assert _backtest(project, copy, "--trust-checkpoint") == 0, capsys.readouterr().err


def test_the_crafted_file_really_runs_code_when_unpickled(project: Path, tmp_path: Path) -> None:
    """The check above is not vacuous: stable-baselines3 itself, without the guard, runs the payload."""
    from stable_baselines3 import PPO

    marker = tmp_path / "pwned"
    crafted = craft(project / "artifacts" / "models" / "init" / "model.zip", tmp_path / "model.zip", marker)
    with contextlib.suppress(Exception):  # the payload replaced the policy class: the load may fail afterwards
        PPO.load(crafted, device="cpu")
    assert marker.read_text() == "pwned"
