"""The public entry points: raw ERCOT files -> the normalized price table.

:func:`parse_file` parses one file: an NP6-788-CD CSV by the fast path of
:mod:`hayeknet.ercot.parse.sced_fast` when it applies, else (and for every
other file) by the careful path, :func:`~hayeknet.ercot.parse.raw.read_raw` ->
:func:`~hayeknet.ercot.parse.table.normalize` ->
:func:`~hayeknet.ercot.parse.table.deduplicate`. :func:`parse_files` and
:func:`parse_files_collecting` parse many, the files of one report in one
vectorized pass (a day of NP6-788-CD is 288 files); the latter records a bad
file in :class:`ParseOutcome` and parses the rest. Every defect raises (or
records) :class:`ReportFormatError` naming the file, the 1-based data row and
the field.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from hayeknet.ercot.parse.raw import (
    _FILE,
    _ROW,
    RawFile,
    _BlankLines,
    _count_rows,
    _csv_start,
    _is_json,
    _json_frames,
    _payload,
    _read_bodies,
    _read_one_body,
    _split_csv,
    needs_historical_reader,
    read_raw,
)
from hayeknet.ercot.parse.sced_fast import _map_plain_file, _sced_fast, _sced_fast_mapped
from hayeknet.ercot.parse.table import (
    deduplicate,
    empty_table,
    normalize,
    superseded_publications,
    within_file_conflicts,
)
from hayeknet.ercot.reports import ReportFormatError, ReportSpec

__all__ = ["ParseOutcome", "parse_file", "parse_files", "parse_files_collecting"]


def parse_file(path: str | Path) -> pd.DataFrame:
    """Parse one raw ERCOT file into the normalized price table.

    Exact duplicate rows are dropped; a key repeated with a different price
    keeps the later row. Raises :class:`ReportFormatError` (file, row, field).
    """
    path = Path(path)
    mapped = _map_plain_file(path)
    if mapped is not None:
        try:
            fast = _sced_fast_mapped(mapped, path.name)
        finally:
            with contextlib.suppress(BufferError):  # a view still held (e.g. by a traceback): unmapped when freed
                mapped.close()
    else:
        data = _payload(path)
        fast = None
        if not _is_json(data) and not needs_historical_reader(data, path.name):
            spec, start = _csv_start(data, path.name)
            fast = _sced_fast(spec, data, start)
    if fast is not None:
        return fast
    raw = read_raw(path)
    return deduplicate(normalize(raw.spec, raw.frame))


@dataclass(frozen=True)
class ParseOutcome:
    """Result of parsing many files without stopping at the first bad one.

    ``table`` holds the rows of every good file (deduplicated), ``raw_files``
    the good files' :class:`RawFile` (report and row count), ``failures`` the
    error of each bad file by path. ``origin`` (aligned with ``table``) names
    the file (``_file``) and 1-based row (``_row``) each kept row came from;
    ``conflicts`` lists keys one file priced twice differently
    (:func:`~hayeknet.ercot.parse.table.within_file_conflicts`, ``n_conflicts``
    in all); ``superseded`` the rows a later publication of another file
    replaced (:func:`~hayeknet.ercot.parse.table.superseded_publications`,
    ``n_superseded`` in all).
    """

    table: pd.DataFrame
    raw_files: dict[Path, RawFile]
    failures: dict[Path, ReportFormatError]
    rows_before_dedup: int
    origin: pd.DataFrame | None = None
    n_conflicts: int = 0
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    n_superseded: int = 0
    superseded: list[dict[str, Any]] = field(default_factory=list)


def _parse_one_by_one(
    spec: ReportSpec,
    members: list[Path],
    raws: dict[Path, RawFile],
    bodies: dict[Path, bytes],
    failures: dict[Path, ReportFormatError],
) -> list[pd.DataFrame]:
    parts = []
    for p in members:
        try:
            # a file not held as a CSV body was read whole, with its frame
            frame = cast(pd.DataFrame, raws[p].frame) if p not in bodies else _read_one_body(spec, p.name, bodies[p])
            parts.append(normalize(spec, frame))
            raws[p] = RawFile(p, spec, len(frame))
        except ReportFormatError as exc:
            failures[p] = exc if exc.file == p.name else ReportFormatError(p.name, exc.row, exc.field, exc.message)
            del raws[p]
    return parts


def parse_files_collecting(paths: Iterable[str | Path]) -> ParseOutcome:
    """Parse many files; a bad file is recorded in ``failures`` and the rest still parse.

    Files of one report are concatenated and normalized in one vectorized pass
    (a day of NP6-788-CD is 288 files); when that pass finds a defect, the
    offending file is set aside and the pass repeats without it.
    """
    raws: dict[Path, RawFile] = {}
    bodies: dict[Path, bytes] = {}
    failures: dict[Path, ReportFormatError] = {}
    for p in paths:
        p = Path(p)
        try:
            data = _payload(p)
            if needs_historical_reader(data, p.name):
                raws[p] = read_raw(p)
            elif _is_json(data):
                spec, frame = _json_frames(data, p.name)
                frame[_ROW] = np.arange(1, len(frame) + 1, dtype=np.int64)
                frame[_FILE] = p.name
                raws[p] = RawFile(p, spec, len(frame), frame)
            else:
                spec, body = _split_csv(data, p.name)
                raws[p] = RawFile(p, spec, _count_rows(body))
                bodies[p] = body
        except ReportFormatError as exc:
            failures[p] = exc
    by_name = {p.name: p for p in raws}
    parts: list[pd.DataFrame] = []
    specs = sorted({r.spec.report_id: r.spec for r in raws.values()}.values(), key=lambda s: s.report_id)
    for spec in specs:
        members = [p for p, r in raws.items() if r.spec is spec]
        while members:
            try:
                frames = [raws[p].frame for p in members if p not in bodies]
                csv_members = [p for p in members if p in bodies]
                if csv_members:
                    try:
                        frames.append(_read_bodies(spec, [(p.name, bodies[p], raws[p].n_rows) for p in csv_members]))
                    except _BlankLines:
                        for p in csv_members:
                            one = _read_one_body(spec, p.name, bodies[p])
                            raws[p] = RawFile(p, spec, len(one))
                            frames.append(one)
                parts.append(normalize(spec, pd.concat(frames, ignore_index=True)))
                break
            except ReportFormatError as exc:
                bad = by_name.get(exc.file)
                if bad is None or bad not in members:
                    # A defect the batch cannot attribute (e.g. undecodable bytes): parse one by one.
                    parts.extend(_parse_one_by_one(spec, members, raws, bodies, failures))
                    break
                failures[bad] = exc
                members.remove(bad)
                del raws[bad]
    table = pd.concat(parts, ignore_index=True) if parts else empty_table()
    n_before = len(table)
    n_conflicts, conflicts = within_file_conflicts(table)
    n_superseded, superseded = superseded_publications(table)
    kept = deduplicate(table, keep_origin=True)
    origin_columns = [c for c in (_FILE, _ROW) if c in kept]
    return ParseOutcome(
        kept.drop(columns=origin_columns),
        raws,
        failures,
        n_before,
        origin=kept[origin_columns] if origin_columns else None,
        n_conflicts=n_conflicts,
        conflicts=conflicts,
        n_superseded=n_superseded,
        superseded=superseded,
    )


def parse_files(paths: Sequence[str | Path]) -> pd.DataFrame:
    """Parse and concatenate many raw files, keeping the latest publication of each key.

    Raises the first :class:`ReportFormatError` met (in the order of ``paths``).
    """
    files = [Path(p) for p in paths]
    if len({p.name for p in files}) != len(files):
        # File names identify files in error messages; fall back to one-by-one parsing.
        tables = [read_raw(p) for p in files]
        return deduplicate(pd.concat([normalize(r.spec, r.frame) for r in tables], ignore_index=True))
    outcome = parse_files_collecting(files)
    if outcome.failures:
        first = min(outcome.failures, key=files.index)
        raise outcome.failures[first]
    return outcome.table
