"""Checkpoints are code: which ``model.zip`` files may be loaded.

A stable-baselines3 checkpoint is a zip of pickled Python objects (the
policy class, the optimizer, the spaces); ``PPO.load`` unpickles them, and a
crafted file runs whatever code it carries the moment it is loaded. So a
checkpoint is loaded only when

* it is one the project wrote: the ``registry.json`` beside it records the
  sha256 of the zip (:data:`REGISTRY_FIELD`, written by the training code when
  it saves), and the file on disk still has that hash, checked *before* the
  load (a swapped or altered ``model.zip`` is refused); and, for a path a user
  types (``hayeknet backtest --checkpoint``), it lies under the project's
  ``artifacts/models/``, so a folder from elsewhere cannot bring its own
  matching registry; or
* the user said they trust the file (``hayeknet backtest --trust-checkpoint``,
  :func:`trust`), for a checkpoint from a colleague or another clone.

A refused file is never opened by the unpickler; the error says why and what to do.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from hayeknet.agents.errors import CheckpointError

REGISTRY_FIELD = "checkpoint_sha256"
"""The registry field holding the sha256 of the ``model.zip`` beside it."""
MAX_REGISTRY_BYTES = 16 << 20
WHY = (
    "a model.zip holds pickled Python objects that run code when loaded, so only the project's own checkpoints "
    "are loaded"
)

_TRUSTED: set[Path] = set()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def with_checkpoint_hash(zip_path: Path, registry: dict[str, Any]) -> dict[str, Any]:
    """``registry`` with the sha256 of the saved ``zip_path`` (write the registry after the zip)."""
    return {**registry, REGISTRY_FIELD: sha256_file(zip_path)}


def trust(path: Path) -> None:
    """Trust the checkpoint at ``path`` (a ``model.zip`` or its folder) for this process: the user vouched for it."""
    path = Path(path)
    _TRUSTED.add((path / "model.zip" if path.is_dir() else path).resolve())


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` (resolved, links followed) lies inside ``folder``."""
    try:
        Path(path).resolve().relative_to(Path(folder).resolve())
    except ValueError:
        return False
    return True


def verify(zip_path: Path, registry_name: str = "registry.json") -> None:
    """Raise :class:`CheckpointError` unless ``zip_path`` is trusted (:func:`trust`) or its registry records its
    sha256 and the file still has it (module docstring)."""
    path = Path(zip_path)
    if path.resolve() in _TRUSTED:
        return
    registry = path.parent / registry_name
    advice = "pass --trust-checkpoint if you trust the file"
    try:
        with open(registry, "rb") as fh:
            record = json.loads(fh.read(MAX_REGISTRY_BYTES))
    except FileNotFoundError:
        raise CheckpointError(
            f"{path}: refused: no {registry_name} beside it records its sha256, so the project did not write it "
            f"({WHY}; {advice})"
        ) from None
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{registry}: unreadable ({str(exc)[:120]}); the checkpoint is not loaded") from None
    expected = record.get(REGISTRY_FIELD) if isinstance(record, dict) else None
    if not expected:
        raise CheckpointError(
            f"{path}: refused: {registry} records no {REGISTRY_FIELD} (written before checkpoints were hashed: "
            f"retrain with dvc repro, or {advice})"
        )
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint")
    actual = sha256_file(path)
    if actual != expected:
        raise CheckpointError(
            f"{path}: refused: its sha256 {actual[:16]}... differs from the {expected[:16]}... recorded in "
            f"{registry} (the file changed after training wrote it; {WHY}; {advice})"
        )


__all__ = ["REGISTRY_FIELD", "inside", "sha256_file", "trust", "verify", "with_checkpoint_hash"]
