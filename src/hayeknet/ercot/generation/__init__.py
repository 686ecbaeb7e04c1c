"""ERCOT's hourly wind and solar production reports (NP4-732-CD, NP4-737-CD) -> the generation table (ADR 0014).

* :mod:`~hayeknet.ercot.generation.reports` - the two reports and how their
  headers are read (by column role: the columns were renamed on 2024-09-26).
* :mod:`~hayeknet.ercot.generation.table` - a posting -> posting rows
  (:func:`read_posting`), postings -> the day's table (:func:`generation_table`:
  actual output from the latest posting, forecasts as of 10:00 Central the day before).
* :mod:`~hayeknet.ercot.generation.collect` - which postings belong to a day's
  raw folder (:func:`posting_window_utc`), placing them, the drop-folder and MIS parts.
* :mod:`~hayeknet.ercot.generation.profiles` - :func:`renewable_profiles`, the
  QSE side's view: actual and day-ahead forecast as fractions of capacity.
"""

from __future__ import annotations

from hayeknet.ercot.generation.profiles import RenewableProfile, fleet_peak_mw, renewable_profiles
from hayeknet.ercot.generation.reports import (
    GENERATION_BY_DIR,
    GENERATION_BY_ID,
    GENERATION_REPORTS,
    NP4_732,
    NP4_737,
    SYSTEM_WIDE,
    GenerationReport,
    detect_generation_header,
    is_generation_header,
)
from hayeknet.ercot.generation.table import (
    DAY_AHEAD_CUTOFF_LOCAL,
    GENERATION_COLUMNS,
    GENERATION_KEY,
    POSTING_COLUMNS,
    Posting,
    PostingsOutcome,
    day_ahead_cutoff_utc,
    empty_generation_table,
    generation_table,
    parse_postings,
    posting_time_utc,
    read_posting,
)

__all__ = [
    "DAY_AHEAD_CUTOFF_LOCAL",
    "GENERATION_BY_DIR",
    "GENERATION_BY_ID",
    "GENERATION_COLUMNS",
    "GENERATION_KEY",
    "GENERATION_REPORTS",
    "NP4_732",
    "NP4_737",
    "POSTING_COLUMNS",
    "SYSTEM_WIDE",
    "GenerationReport",
    "Posting",
    "PostingsOutcome",
    "RenewableProfile",
    "day_ahead_cutoff_utc",
    "detect_generation_header",
    "empty_generation_table",
    "fleet_peak_mw",
    "generation_table",
    "is_generation_header",
    "parse_postings",
    "posting_time_utc",
    "read_posting",
    "renewable_profiles",
]
