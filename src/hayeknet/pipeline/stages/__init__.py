"""One function per pipeline stage, called by the thin notebooks in ``notebooks/``.

Each ``run_*`` function reads its inputs from the paths of ADR 0001, does the
stage's work through the package's modules, and writes its outputs atomically
(a whole folder replaced at once), so a failed stage never leaves a
half-written output for DVC or the next stage. The ``load_*`` functions and
plot helpers serve the report notebooks.
"""

from __future__ import annotations

from hayeknet.pipeline.stages.context import (
    check_day,
    dam_reference,
    day_table,
    day_wide_prices,
    json_default,
    location_prices,
    read_json,
    SCED_DT_HOURS,
    StageContext,
    StageInputError,
    write_json,
)
from hayeknet.pipeline.stages.ingest import (
    IngestOutcome,
    run_ingest,
)
from hayeknet.pipeline.stages.beliefs import (
    BeliefsOutcome,
    read_beliefs,
    run_beliefs,
)
from hayeknet.pipeline.stages.agents import (
    evaluate_qse,
    qse_config,
    qse_day,
    QSE_DIR,
    run_train,
    train_qse,
    TrainOutcome,
)
from hayeknet.pipeline.stages.assimilate import (
    AssimilateOutcome,
    network_structure,
    read_states,
    run_assimilate,
)
from hayeknet.pipeline.stages.simulate import (
    previous_prices,
    read_simulation,
    run_simulate,
    SimulateOutcome,
    strategy_frame,
)
from hayeknet.pipeline.stages.research import (
    HISTORY_FILE,
    observation_path,
    read_history,
    ResearchOutcome,
    run_research,
)
from hayeknet.pipeline.stages.reports import (
    DayBundle,
    escape_dollars,
    figure_assimilation,
    figure_ingested_prices,
    figure_learning_curve,
    figure_soc,
    load_day_bundle,
    load_study,
    run_thesis_figures,
    show_figure,
    STUDY_DAY_METRICS,
    StudyBundle,
)

__all__ = [
    "AssimilateOutcome",
    "BeliefsOutcome",
    "check_day",
    "dam_reference",
    "day_table",
    "day_wide_prices",
    "DayBundle",
    "escape_dollars",
    "evaluate_qse",
    "figure_assimilation",
    "figure_ingested_prices",
    "figure_learning_curve",
    "figure_soc",
    "HISTORY_FILE",
    "IngestOutcome",
    "json_default",
    "load_day_bundle",
    "load_study",
    "location_prices",
    "network_structure",
    "observation_path",
    "previous_prices",
    "qse_config",
    "qse_day",
    "QSE_DIR",
    "read_beliefs",
    "read_history",
    "read_json",
    "read_simulation",
    "read_states",
    "ResearchOutcome",
    "run_assimilate",
    "run_beliefs",
    "run_ingest",
    "run_research",
    "run_simulate",
    "run_thesis_figures",
    "run_train",
    "SCED_DT_HOURS",
    "show_figure",
    "SimulateOutcome",
    "StageContext",
    "StageInputError",
    "strategy_frame",
    "STUDY_DAY_METRICS",
    "StudyBundle",
    "train_qse",
    "TrainOutcome",
    "write_json",
]
