"""The INPUT arguments of ``normalize`` and ``optimize``: files and folders of raw ERCOT files.

A folder stands for every file under it (hidden files, the collector's
``NOT_PUBLISHED.json`` markers and an archive partition's ``provenance.json``
skipped), so ``data/raw/np6-788-cd/2025-10-01/`` is the day's 288 SCED files
and ``artifacts/archive/`` every archived day's ``prices.parquet``. Nothing here imports pandas until a file is parsed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


class InputPathError(ValueError):
    """An INPUT path does not exist or a folder holds no file (the message names the path)."""


def expand_inputs(inputs: Sequence[str | Path]) -> list[Path]:
    """The files ``inputs`` name, in order: a file as given, a folder as every file under it, sorted."""
    from hayeknet.archive.ingest import NOT_PUBLISHED_MARKER
    from hayeknet.archive.store import PRICES_FILE, PROVENANCE_FILE

    def wanted(p: Path, folder: Path) -> bool:
        if not p.is_file() or any(part.startswith(".") for part in p.relative_to(folder).parts):
            return False
        if p.name == NOT_PUBLISHED_MARKER:
            return False
        # an archive partition (day=<day>/): its prices table, not the provenance record beside it
        return not (p.name == PROVENANCE_FILE and (p.parent / PRICES_FILE).is_file())

    files: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if wanted(p, path))
            if not found:
                raise InputPathError(f"{path}: folder holds no file")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise InputPathError(f"{path}: no such file or folder")
    return files


def parse_raw_files(files: Sequence[Path]) -> pd.DataFrame:
    """The normalized price table (ADR 0001) of raw ERCOT files; a key published twice keeps the later row.

    Raises :class:`~hayeknet.ercot.reports.ReportFormatError` (file, row, field) at the first bad file.
    """
    from hayeknet.ercot.parse import parse_file, parse_files

    if len(files) == 1:
        return parse_file(files[0])
    return parse_files(list(files))


def describe_inputs(inputs: Sequence[str | Path], files: Sequence[Path]) -> str:
    """``INPUT`` as the user gave it, for messages: one path, or the first path and how many files in all."""
    first = str(inputs[0])
    if len(inputs) == 1 and len(files) == 1:
        return first
    return f"{first}{' and others' if len(inputs) > 1 else ''} ({len(files)} files)"
