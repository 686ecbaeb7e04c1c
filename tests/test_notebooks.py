"""The stage notebooks stay thin and papermill-ready: no outputs committed, the
kernel named, one tagged parameters cell of plain assignments, logic in the package."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
NOT_STAGES = {"explore": "hayeknet.reporting"}
"""Notebooks that are no DVC stage (exploration in JupyterLab) -> the package they call instead of a stage module."""


def test_every_stage_has_a_notebook() -> None:
    names = {p.stem for p in NOTEBOOKS} - set(NOT_STAGES)
    assert {
        "ingest",
        "assimilate",
        "beliefs",
        "train",
        "simulate",
        "research",
        "report",
        "study_report",
        "thesis_figures",
        "sweep",
    } == names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_thin_and_parameterized(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "hayeknet"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), "commit without outputs"
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    tree = ast.parse(tagged[0].source)
    assert tree.body and all(isinstance(node, ast.Assign) for node in tree.body), "parameters: plain assignments"
    for cell in code:
        tree = ast.parse(cell.source)
        defs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
        assert not defs, f"{path.name}: logic belongs in src/hayeknet, not in a notebook"
        assert len(cell.source.splitlines()) <= 12
    imports = [n for c in code for n in ast.walk(ast.parse(c.source)) if isinstance(n, ast.ImportFrom)]
    stage_imports = {n.names[0].name for n in imports if n.module == "hayeknet.pipeline.stages"}
    if path.stem in NOT_STAGES:  # no stage of its own: it reads every stage through the package
        assert stage_imports == set(), f"{path.name} is no stage: it calls {NOT_STAGES[path.stem]}, not a stage module"
        assert any(n.module == NOT_STAGES[path.stem] for n in imports), path.name
    else:
        assert stage_imports == {path.stem}, f"{path.name} should call its own stage module only"


def test_notebooks_that_are_no_stage_are_not_in_the_pipeline() -> None:
    dvc = (ROOT / "dvc.yaml").read_text()
    for name in NOT_STAGES:
        assert (ROOT / "notebooks" / f"{name}.ipynb").exists()
        assert f"notebooks/{name}.ipynb" not in dvc, f"{name}.ipynb is for JupyterLab, not a DVC stage"


def test_dvc_stages_run_the_notebooks_with_the_named_kernel() -> None:
    dvc = yaml.safe_load((ROOT / "dvc.yaml").read_text())
    assert "-k hayeknet" in dvc["vars"][1]["pm"]
    for name, stage in dvc["stages"].items():
        body = stage.get("do", stage)
        notebook = next(d for d in body["deps"] if str(d).startswith("notebooks/"))
        assert notebook in body["cmd"], name
        assert "${pm}" in body["cmd"], name
