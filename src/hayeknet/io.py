"""Atomic file writes: a reader never sees a half-written output.

Each writer writes a temporary file in the destination folder and renames it
over the destination (``os.replace`` is atomic on POSIX within one file system).
The temporary file (0600) or folder (0700) is given the mode an ordinary
``open``/``mkdir`` would have given it under the process's umask before it is
renamed into place (:func:`make_shareable`), so a colleague's group reads the
outputs whenever the umask lets it (``umask 002``: group-writable too).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def quiet_stdout() -> Iterator[None]:
    """Silence file descriptor 1 for the block (C libraries such as HiGHS print banners there, which
    would break ``--json`` output and read like noise in a nightly log)."""
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's umask (read by setting and restoring it, under a lock)."""
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def make_shareable(path: Path) -> None:
    """Give ``path`` (a temporary file or folder about to be renamed into place) the mode ``open``/``mkdir``
    would have given it: 0666 or 0777 less the umask (``tempfile`` creates 0600 and 0700)."""
    path = Path(path)
    base = 0o777 if path.is_dir() else 0o666
    os.chmod(path, base & ~current_umask())


@contextmanager
def atomic_path(dest: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; on success rename it to ``dest``."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        make_shareable(tmp_path)
        os.replace(tmp_path, dest)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def atomic_write_text(dest: Path, text: str) -> None:
    with atomic_path(dest) as tmp:
        tmp.write_text(text)


def strict_json_value(value: Any) -> Any:
    """``value`` with every non-finite float (NaN, +-inf, also NumPy's) replaced by ``None``, recursively.

    ``json.dumps`` writes such floats as the bare tokens ``NaN``/``Infinity``,
    which are not JSON: strict readers (browsers, ``jq``, most languages) reject
    the whole file. ``None`` (JSON ``null``) says "no value" in every reader.
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: strict_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json_value(v) for v in value]
    if hasattr(value, "dtype") and getattr(value, "shape", None) == ():  # NumPy scalar
        item = value.item()
        return strict_json_value(item) if isinstance(item, float) else item
    return value


def json_default(value: Any) -> Any:
    """JSON for what :mod:`json` cannot write: NumPy numbers and arrays, timestamps and dates (ISO 8601)."""
    import datetime as dt

    import numpy as np
    import pandas as pd

    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.isoformat()
    if isinstance(value, np.ndarray):
        return strict_json_value(value.tolist())
    return str(value)


def json_text(payload: Any) -> str:
    """Strict, sorted, indented JSON of ``payload`` (non-finite floats as ``null``, see :func:`strict_json_value`)."""
    return (
        json.dumps(strict_json_value(payload), indent=2, sort_keys=True, default=json_default, allow_nan=False) + "\n"
    )


def atomic_write_json(dest: Path, payload: Any) -> None:
    """Write ``payload`` as strict JSON (:func:`json_text`), atomically."""
    atomic_write_text(dest, json_text(payload))


@contextmanager
def atomic_directory(dest: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``dest``; on success it replaces ``dest`` whole.

    The old folder is renamed aside first and removed only after the new one is
    in place, so at every moment either the old or the new content is visible.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent))
    try:
        yield tmp
        make_shareable(tmp)
        if dest.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".old", dir=dest.parent))
            old.rmdir()
            os.replace(dest, old)
            os.replace(tmp, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, dest)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
