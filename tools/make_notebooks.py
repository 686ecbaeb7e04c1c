"""Regenerate the thin stage notebooks in notebooks/ (committed without outputs).

Run: .venv/bin/python tools/make_notebooks.py
Each notebook: a markdown title, a tagged parameters cell with defaults that
work from JupyterLab, derived values computed after it, calls into
hayeknet.pipeline.stages, then tables and plots.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
KERNEL = {"name": "hayeknet", "display_name": "HayekNet (Python 3.11)", "language": "python"}

SETUP = """\
import pandas as pd
from IPython.display import Markdown, display

from hayeknet.pipeline import stages

ctx = stages.StageContext.load()
"""


def params_cell(source: str):
    cell = new_code_cell(source)
    cell.metadata["tags"] = ["parameters"]
    return cell


def notebook(title: str, intro: str, params: str, cells: list[str]) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["kernelspec"] = KERNEL
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [new_markdown_cell(f"# {title}\n\n{intro}"), params_cell(params), new_code_cell(SETUP)]
    for src in cells:
        if src.startswith("## "):
            nb.cells.append(new_markdown_cell(src))
        else:
            nb.cells.append(new_code_cell(src))
    return nb


DAY = '# Operating day (America/Chicago), YYYY-MM-DD; "init" for the study-start stages.\nday = "2025-10-01"\n'

BOOKS = {
    "ingest": notebook(
        "Ingest",
        "Parse the day's raw ERCOT files (`data/raw/<report>/<day>/`), validate them and write the "
        "day's Parquet partition with provenance (`artifacts/archive/day=<day>/`).",
        DAY,
        [
            "result = stages.run_ingest(ctx, day)\nresult.report_table()",
            "## Checks\nEvery validation check of the day: expected interval counts, duplicates, price bounds.",
            "result.checks_table()",
            "stages.show_figure(stages.figure_ingested_prices(ctx, day))",
        ],
    ),
    "assimilate": notebook(
        "Assimilate",
        "Ensemble Kalman filter over the day's 5-minute LMPs (`artifacts/states/<day>/`). "
        "The backend (Julia or NumPy) follows `assimilation.backend` in params.yaml.",
        DAY,
        [
            "result = stages.run_assimilate(ctx, day)\npd.Series(result.metrics, name='value').to_frame()",
            "stages.show_figure(stages.figure_assimilation(ctx, result))",
        ],
    ),
    "beliefs": notebook(
        "Beliefs",
        "Bayesian beliefs (PyMC, Student-t AR(1) spread and basis model) fitted on the study days up to "
        "`day`: P(high price), P(imbalance), P(congestion) and their joints for the next day and hour, "
        "checked for coherence (no Dutch book); yesterday's beliefs scored on this day "
        "(`artifacts/beliefs/<day>/`). `day = \"init\"` writes the empty start.",
        DAY,
        [
            "beliefs = stages.run_beliefs(ctx, day)\nbeliefs.probabilities_table()",
            "pd.Series({'warnings': '; '.join(beliefs.warnings()) or 'none', "
            "'coherent': str(beliefs.beliefs.get('coherence', {}))[:200]}, name='value').to_frame()",
        ],
    ),
    "train": notebook(
        "Train",
        "Walk-forward PPO: the checkpoint written for day d was trained on days up to d, resuming from "
        "day d-1's checkpoint; the agent simulated on day d uses day d-1's checkpoint. `day = \"init\"` "
        "writes the untrained, seeded starting checkpoint.",
        DAY,
        [
            "record = stages.run_train(ctx, day)\npd.Series(record.summary(), name='value').to_frame()",
            "stages.show_figure(stages.figure_learning_curve(record))",
        ],
    ),
    "simulate": notebook(
        "Simulate",
        "The battery on the day: perfect-foresight LP (the bound), heuristics and the PPO agent. "
        "A ledger per strategy and interval; capture ratio = strategy profit / perfect-foresight profit.",
        DAY,
        [
            "outcome = stages.run_simulate(ctx, day)\noutcome.summary_table()",
            "stages.show_figure(stages.figure_soc(ctx, outcome))",
            "## SCED today vs RTC+B\nEnergy + ancillary services under both market designs (perfect foresight of the day's prices).",
            "outcome.market_design_table()",
            "## Three QSE agents\nBattery, solar and wind learners (checkpoint of the day before) against their best heuristic.",
            "outcome.qse_table()",
        ],
    ),
    "research": notebook(
        "Research",
        "Questions answered from the day's evidence, insights, the journal and the results JSON "
        "(`artifacts/research/<day>/`). `day = \"init\"` writes the empty study history.",
        DAY,
        [
            "research = stages.run_research(ctx, day)\ndisplay(Markdown(research.journal_markdown))",
        ],
    ),
    "report": notebook(
        "Daily report",
        "One operating day of the HayekNet study: prices, assimilation, battery strategies and the "
        "research journal.",
        DAY,
        [
            "bundle = stages.load_day_bundle(ctx, day)\ndisplay(Markdown(bundle.headline_markdown()))",
            "## Prices",
            "stages.show_figure(bundle.figure_prices())",
            "## Assimilation (EnKF)",
            "display(bundle.assimilation_table())\nstages.show_figure(bundle.figure_assimilation())",
            "## Battery strategies",
            "display(bundle.strategy_table())\nstages.show_figure(bundle.figure_soc())\nstages.show_figure(bundle.figure_cumulative_profit())",
            "## SCED today vs RTC+B\nRevenue by stream ($) with AS bought day-ahead (SCED today) and co-optimized every 5 minutes (RTC+B).",
            "display(bundle.simulation.market_design_table())",
            "## Three QSE agents\nBattery, solar and wind PPO learners trained on earlier days, against their best heuristic on this day ($).",
            "display(bundle.simulation.qse_table())",
            "## Beliefs for the next day",
            "display(Markdown(bundle.beliefs_markdown()))\ndisplay(bundle.beliefs_table())",
            "## Journal",
            "display(Markdown(bundle.journal_markdown()))",
        ],
    ),
    "study_report": notebook(
        "Study report",
        "All study days so far: prices, strategy profits and capture ratios, and the research answers.",
        '# Last study day (the study history up to it is read from artifacts/research/<last_day>/).\nlast_day = "2025-10-03"\n',
        [
            "study = stages.load_study(ctx, last_day)\ndisplay(Markdown(study.headline_markdown()))",
            "## Days",
            "display(study.days_table())",
            "## Strategies",
            "display(study.strategy_table())\nstages.show_figure(study.figure_profit_by_day())",
            "## SCED today vs RTC+B\nDaily profit with AS bought day-ahead versus co-optimized every 5 minutes.",
            "display(study.market_design_table())",
            "## Hypotheses\nH1-H3 over the study days so far: test, effect size, p-value, bootstrap interval, n.",
            "display(study.hypotheses_table())",
            "## Predictions scored\nEach day's predictive claims, scored on the day after (Brier score, reliability).",
            "scores = study.prediction_scores()\ndisplay(Markdown(scores.summary()))\ndisplay(scores.reliability())",
        ],
    ),
    "thesis_figures": notebook(
        "Thesis figures",
        "Publication figures of the study (vector PDF and 300-dpi PNG, one colour-blind-safe style) "
        "written to `reports/thesis/`.",
        '# Last study day (the study history up to it is read from artifacts/research/<last_day>/).\nlast_day = "2025-10-03"\n',
        [
            "paths = stages.run_thesis_figures(ctx, last_day)\npd.Series([p.name for p in paths], name='file').to_frame()",
        ],
    ),
}


def main() -> None:
    NOTEBOOKS.mkdir(exist_ok=True)
    for name, nb in BOOKS.items():
        for i, cell in enumerate(nb.cells):
            cell["id"] = f"{name}-{i}"
        nbformat.validate(nb)
        nbformat.write(nb, NOTEBOOKS / f"{name}.ipynb")


if __name__ == "__main__":
    main()
