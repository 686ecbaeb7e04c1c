"""The HTML rendering of executed report notebooks: nbconvert's lab template without network scripts.

The pipeline renders reports with ``jupyter nbconvert --to html --no-input
--template hayeknet`` (``dvc.yaml``'s ``nbhtml``), the template in
:data:`TEMPLATE_DIR`: JupyterLab's look, minus require.js, MathJax and
Mermaid from a CDN, which HayekNet's reports never use (Markdown, tables and
embedded PNG figures only; dollar signs are escaped so nothing is LaTeX). A
report therefore reads the same offline. :func:`html_exporter` is the same
exporter for Python callers and tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

TEMPLATE_DIR = Path(__file__).resolve().parent / "nbconvert_templates"
"""Folder holding the ``hayeknet`` nbconvert template (``--TemplateExporter.extra_template_basedirs``)."""

TEMPLATE_NAME = "hayeknet"


def _stable_cell_ids(nb: Any) -> Any:
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index}"
    return nb


PROGRESS_PREFIX = "[hayeknet] "
"""Lines the stages print for the terminal running the pipeline (:func:`hayeknet.pipeline.timings.progress`);
ipykernel captures them into the notebook, the HTML report leaves them out."""


def _drop_progress_lines(nb: Any) -> Any:
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                lines = [
                    line for line in output.get("text", "").splitlines(True) if not line.startswith(PROGRESS_PREFIX)
                ]
                if not "".join(lines).strip():
                    continue
                output["text"] = "".join(lines)
            kept.append(output)
        cell["outputs"] = kept
    return nb


def __getattr__(name: str) -> Any:
    # StableCellIds and DropProgressLines subclass nbconvert's Preprocessor; built on first use so importing
    # this module (the stage glue does) does not import nbconvert.
    if name == "DropProgressLines":
        from nbconvert.preprocessors import Preprocessor

        class DropProgressLines(Preprocessor):
            """Leave the pipeline's ``[hayeknet] ...`` progress lines (stderr, meant for the terminal) out of
            the HTML report; other stderr output (warnings) stays."""

            def preprocess(self, nb: Any, resources: Any) -> tuple[Any, Any]:
                return _drop_progress_lines(nb), resources

        globals()["DropProgressLines"] = DropProgressLines
        return DropProgressLines
    if name == "StableCellIds":
        from nbconvert.preprocessors import Preprocessor

        class StableCellIds(Preprocessor):
            """Number the cells' ids by position: papermill gives its injected-parameters cell a random
            id, which the HTML repeats, so two runs of the same inputs would differ by that one id."""

            def preprocess(self, nb: Any, resources: Any) -> tuple[Any, Any]:
                return _stable_cell_ids(nb), resources

        globals()["StableCellIds"] = StableCellIds
        return StableCellIds
    raise AttributeError(name)


def html_exporter(exclude_input: bool = True) -> Any:
    """An ``nbconvert.HTMLExporter`` with the offline ``hayeknet`` template (code cells hidden by default)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATE_DIR)])
    exporter.exclude_input = exclude_input
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter
