"""The list of study days that ``dvc.yaml`` iterates over (``days.yaml``).

``dvc.yaml`` expands its per-day stages with ``foreach: ${days}``; every key
is a day and its item names the day before it in the study (``prev``), so that the
walk-forward chains (checkpoint of day d-1 -> agent on day d, research history
of d-1 -> research of d) are declared dependencies. The first day's ``prev`` is
the pseudo-day ``init`` produced by the ``init`` stage (an untrained agent and
an empty research history). ``hayeknet collect`` rewrites the file from the
days present under ``data/raw`` so that a new day adds new stages and leaves
the old ones cached.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import yaml

from hayeknet.io import atomic_write_text

INIT = "init"
PRICE_REPORT_DIRS = ("np6-788-cd", "np6-905-cd", "np4-190-cd", "np4-188-cd", "np6-331-cd")
"""The five daily price reports' folders under ``data/raw``."""
GENERATION_REPORT_DIRS = ("np4-732-cd", "np4-737-cd")
"""The hourly wind and solar production postings' folders (ADR 0014); the QSE agents' real profiles."""
RAW_REPORT_DIRS = PRICE_REPORT_DIRS + GENERATION_REPORT_DIRS
"""Report folders under ``data/raw``; every collected day has all seven, a report the source did not
publish for the day holding a ``NOT_PUBLISHED.json`` marker (see collect)."""

HEADER = (
    "# Written by `hayeknet collect`: the collected operating days (America/Chicago)\n"
    "# that dvc.yaml runs its per-day stages over. Do not edit by hand.\n"
)


NO_MAPPING = "none"
"""The ``mapping`` item of a day with no settlement point mapping in force (its folder holds a marker)."""


def day_items(days: list[dt.date], mapping_of: Callable[[dt.date], str] | None = None) -> dict[str, dict[str, str]]:
    """``{day: {prev, mapping}}`` in day order; the first day's ``prev`` is ``init``; ``mapping`` names the
    folder ``data/raw/np4-160-sg/<mapping>`` of the settlement point mapping in force on the day (``none``).

    A mapping (not a list) so that DVC names the stages by day
    (``simulate@2025-10-02``) and a new day never renames an old stage.
    """
    ordered = sorted(set(days))
    return {
        day.isoformat(): {
            "prev": INIT if i == 0 else ordered[i - 1].isoformat(),
            "mapping": mapping_of(day) if mapping_of is not None else NO_MAPPING,
        }
        for i, day in enumerate(ordered)
    }


def mapping_in_force(raw_root: Path) -> Callable[[dt.date], str]:
    """The ``mapping`` item of a day: the posting folder of the NP4-160-SG in force on it (ADR 0013), or ``none``."""
    from hayeknet.ercot.parse.settlement_points import find_settlement_point_map

    def folder(day: dt.date) -> str:
        posting = find_settlement_point_map(raw_root, day)
        return posting.paths[0].parent.name if posting is not None else NO_MAPPING

    return folder


def render_days_file(days: list[dt.date], mapping_of: Callable[[dt.date], str] | None = None) -> str:
    items = day_items(days, mapping_of)
    if not items:
        raise ValueError("no collected days: run `hayeknet collect` first")
    keys = list(items)
    body = {"first_day": keys[0], "last_day": keys[-1], "days": items}
    return HEADER + yaml.safe_dump(body, sort_keys=False, default_flow_style=None)


def write_days_file(path: Path, days: list[dt.date], mapping_of: Callable[[dt.date], str] | None = None) -> bool:
    """Write ``days.yaml`` atomically; returns True when its content changed."""
    text = render_days_file(days, mapping_of)
    if path.exists() and path.read_text() == text:
        return False
    atomic_write_text(path, text)
    return True


def read_days_file(path: Path) -> list[dt.date]:
    """Days listed in ``days.yaml`` (empty when the file is absent)."""
    if not path.exists():
        return []
    raw = yaml.safe_load(path.read_text()) or {}
    return [dt.date.fromisoformat(str(day)) for day in (raw.get("days") or {})]


def collected_days(raw_root: Path) -> list[dt.date]:
    """Operating days with a folder under ``raw_root/<report>/`` for any report."""
    days: set[dt.date] = set()
    for report in RAW_REPORT_DIRS:
        folder = raw_root / report
        if not folder.is_dir():
            continue
        for child in folder.iterdir():
            if child.is_dir():
                try:
                    days.add(dt.date.fromisoformat(child.name))
                except ValueError:
                    continue
    return sorted(days)


def previous_day(day: dt.date, days: list[dt.date]) -> str:
    """The study day before ``day`` or ``init``."""
    earlier = [d for d in sorted(days) if d < day]
    return earlier[-1].isoformat() if earlier else INIT
