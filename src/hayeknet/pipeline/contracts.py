"""Stage contracts: a stage reads exactly the params its ``dvc.yaml`` entry declares.

DVC re-runs a stage when a declared param changes and never otherwise, so a
param a stage reads without declaring it lets ``dvc.lock`` describe results that
were computed with other values (``dvc exp run -S study.seed=...`` that
re-runs nothing). :func:`declared_params` reads each stage's ``params:`` list
from ``dvc.yaml`` and :func:`guarded_params` hands the stage a
:class:`~hayeknet.params.Params` whose sections raise
:class:`UndeclaredParamError` on any field the stage did not declare: a whole
section (``battery``) allows all its keys, a dotted key
(``battery.location``) that key only.

Every read is also noted (:class:`ParamsReads`); when the environment variable
:data:`RECORD_ENV` names a folder, each first read of a key by a stage is
appended to ``<folder>/<stage>.reads`` (one ``section.key`` per line), which
is how the end-to-end test proves that no stage declares a key it never reads.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from hayeknet.params import Params

RECORD_ENV = "HAYEKNET_RECORD_PARAM_READS"
"""Environment variable: a folder where every stage appends the params keys it reads."""


class StageContractError(RuntimeError):
    """``dvc.yaml`` has no such stage, or its ``params:`` entry cannot be read."""


class UndeclaredParamError(AttributeError):
    """A stage read a params key that its ``dvc.yaml`` entry does not declare."""


def _stage_body(stage: dict[str, Any]) -> dict[str, Any]:
    """The stage definition (``do:`` of a ``foreach`` stage)."""
    body = stage.get("do", stage)
    return body if isinstance(body, dict) else {}


@lru_cache(maxsize=8)
def _declarations(dvc_file: Path, mtime_ns: int) -> dict[str, tuple[str, ...]]:
    try:
        stages = (yaml.safe_load(dvc_file.read_text()) or {}).get("stages") or {}
    except (OSError, yaml.YAMLError) as exc:
        raise StageContractError(f"{dvc_file}: cannot read the stages ({exc})") from None
    out: dict[str, tuple[str, ...]] = {}
    for name, stage in stages.items():
        entries = _stage_body(stage).get("params") or []
        keys: list[str] = []
        for entry in entries:
            if isinstance(entry, str):
                keys.append(entry)
            elif isinstance(entry, dict):  # {params_file: [keys]}: only params.yaml is ours
                for file, listed in entry.items():
                    if str(file) != "params.yaml":
                        raise StageContractError(
                            f"{dvc_file}: stage {name} declares params of {file}, but every stage reads params.yaml"
                        )
                    keys += [str(k) for k in (listed or [])]
        out[str(name)] = tuple(keys)
    return out


def declared_params(dvc_file: Path, stage: str) -> tuple[str, ...]:
    """The ``params:`` entries of ``stage`` in ``dvc_file`` (sections and dotted keys)."""
    dvc_file = Path(dvc_file)
    if not dvc_file.exists():
        raise StageContractError(f"{dvc_file}: missing (the stage contracts live in dvc.yaml)")
    declarations = _declarations(dvc_file.resolve(), dvc_file.stat().st_mtime_ns)
    if stage not in declarations:
        raise StageContractError(f"{dvc_file}: no stage {stage!r} (stages: {', '.join(declarations)})")
    return declarations[stage]


@dataclass
class ParamsReads:
    """The params keys (``section.key``) one stage has read, in the order first read."""

    stage: str
    record_dir: Path | None = None
    keys: list[str] = field(default_factory=list)

    def note(self, key: str) -> None:
        if key in self.keys:
            return
        self.keys.append(key)
        if self.record_dir is not None:
            self.record_dir.mkdir(parents=True, exist_ok=True)
            with open(self.record_dir / f"{self.stage}.reads", "a", encoding="utf-8") as handle:
                handle.write(key + "\n")


_GUARDED: dict[type, type] = {}


def _guarded_class(cls: type) -> type:
    """A subclass of the frozen dataclass ``cls`` whose field reads are checked and noted.

    The instance keeps its values; ``_hk_allowed`` (field names) and ``_hk_reads``
    are set per instance. An instance made by ``dataclasses.replace`` has
    neither and reads freely (its values were read through the guard to make it).
    """
    if cls not in _GUARDED:
        names = frozenset(f.name for f in dataclasses.fields(cls))

        def __getattribute__(self: Any, name: str) -> Any:
            if name in names:
                state = object.__getattribute__(self, "__dict__")
                allowed = state.get("_hk_allowed")
                if allowed is not None:
                    section = state["_hk_section"]
                    if name not in allowed:
                        stage = state["_hk_reads"].stage
                        raise UndeclaredParamError(
                            f"stage {stage} read params key {section}.{name}, which its dvc.yaml entry does not "
                            f"declare: add '{section}.{name}' (or '{section}') to the params of stage {stage}"
                        )
                    state["_hk_reads"].note(f"{section}.{name}")
            return object.__getattribute__(self, name)

        def __reduce__(self: Any) -> tuple[type, tuple[Any, ...]]:
            """Pickle and copy as the plain class (the guard belongs to one stage's process)."""
            return cls, tuple(getattr(self, f.name) for f in dataclasses.fields(cls))

        _GUARDED[cls] = type(
            f"Declared{cls.__name__}", (cls,), {"__getattribute__": __getattribute__, "__reduce__": __reduce__}
        )
    return _GUARDED[cls]


def _guard(section: str, value: Any, allowed: Iterable[str], reads: ParamsReads) -> Any:
    guarded: Any = object.__new__(_guarded_class(type(value)))
    state = object.__getattribute__(guarded, "__dict__")
    state.update({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    state.update({"_hk_section": section, "_hk_allowed": frozenset(allowed), "_hk_reads": reads})
    return guarded


def guarded_params(params: Params, declared: Iterable[str], reads: ParamsReads) -> Params:
    """``params`` as seen by a stage that declared ``declared``: every section is present, and
    reading a field outside the declarations raises :class:`UndeclaredParamError`."""
    declared = tuple(declared)
    sections = {f.name for f in dataclasses.fields(params)}
    unknown = [d for d in declared if d.split(".", 1)[0] not in sections]
    if unknown:
        raise StageContractError(
            f"stage {reads.stage} declares unknown params {unknown} (sections: {sorted(sections)})"
        )
    values: dict[str, Any] = {}
    for f in dataclasses.fields(params):
        section = getattr(params, f.name)
        keys = [d.split(".", 1)[1] for d in declared if d.startswith(f"{f.name}.")]
        allowed = [x.name for x in dataclasses.fields(section)] if f.name in declared else keys
        values[f.name] = _guard(f.name, section, allowed, reads)
    return Params(**values)


def reads_for(stage: str) -> ParamsReads:
    """A fresh read log for ``stage``, appending to the :data:`RECORD_ENV` folder when it is set."""
    folder = os.environ.get(RECORD_ENV)
    return ParamsReads(stage, Path(folder) if folder else None)
