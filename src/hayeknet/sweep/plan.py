"""What a siting sweep computes: its configuration, the code version, and each day partition's fingerprint.

A sweep runs every strategy of :attr:`SweepConfig.strategies` at every
settlement point of every day. What determines its numbers is
:class:`SweepConfig` (strategies, the battery without its location, the
simulate stage's heuristic percentiles, the location selection), the code
(:func:`code_version`: the package version and a SHA-256 of the sources the
numbers come from) and the day's archive partition with the day before's (the
history the causal strategies see). :func:`partition_fingerprint` hashes all of
it: a finished day partition whose recorded fingerprint equals the current one
is skipped, any change re-computes it. How the sweep runs (scheduler, workers,
tasks per day, retries) is not part of it: it never changes a number.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hayeknet.battery.spec import BatterySpec
from hayeknet.params import SimulateParams

SCHEMA_VERSION = 1
"""Version of the results table and its metadata (:mod:`hayeknet.sweep.results`)."""

PERFECT_FORESIGHT = "perfect_foresight"
"""The bound every capture ratio divides by: always computed, listed first."""

ALL_LOCATIONS = "all"
"""Location selection: every settlement point with a real-time price on the day."""

SOURCE_FOLDERS: tuple[str, ...] = ("sweep", "battery")
"""Subpackages of :mod:`hayeknet` whose sources make the code hash (plus :data:`SOURCE_FILES`)."""
SOURCE_FILES: tuple[str, ...] = ("archive/queries.py", "params.py")
"""Single modules of :mod:`hayeknet` in the code hash: the price queries and the params' defaults."""


class SweepConfigError(ValueError):
    """A sweep's configuration cannot run (unknown strategy, empty or unreadable location list)."""


@dataclass(frozen=True)
class SweepConfig:
    """Everything that determines a sweep's numbers (module doc).

    ``strategies``: lineup names (:data:`hayeknet.battery.lineup.STRATEGY_NAMES`),
    ``perfect_foresight`` first and always present; ``battery``: the battery
    every location gets (its ``location`` is replaced by each swept point);
    ``simulate``: the heuristic's percentiles; ``locations``: None for every
    point with a real-time price, else the names to sweep (sorted, unique).
    """

    strategies: tuple[str, ...]
    battery: BatterySpec
    simulate: SimulateParams
    locations: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        from hayeknet.battery.lineup import STRATEGY_NAMES

        unknown = [s for s in self.strategies if s not in STRATEGY_NAMES]
        if unknown:
            raise SweepConfigError(f"unknown strategies {unknown}; known: {', '.join(STRATEGY_NAMES)}")
        if not self.strategies or self.strategies[0] != PERFECT_FORESIGHT:
            raise SweepConfigError("strategies must start with perfect_foresight (use SweepConfig.build)")
        if self.locations is not None and not self.locations:
            raise SweepConfigError("an explicit location list must name at least one settlement point")

    @classmethod
    def build(
        cls,
        strategies: Sequence[str],
        battery: BatterySpec,
        simulate: SimulateParams | None = None,
        locations: Sequence[str] | None = None,
    ) -> SweepConfig:
        """A config with ``perfect_foresight`` put first (added when missing), duplicates dropped, the battery's
        location normalised to the default (it is swept) and an explicit location list sorted."""
        names = [PERFECT_FORESIGHT, *(s.strip() for s in strategies if s.strip())]
        # plain copies (a stage hands in its guarded params sections); the battery's location is not read
        spec = BatterySpec(
            **{f.name: getattr(battery, f.name) for f in dataclasses.fields(battery) if f.name != "location"}
        )
        sim = SimulateParams(**dataclasses.asdict(simulate)) if simulate is not None else SimulateParams()
        chosen = None if locations is None else tuple(sorted({str(x).strip() for x in locations if str(x).strip()}))
        return cls(tuple(dict.fromkeys(names)), spec, sim, chosen)

    @property
    def causal_strategies(self) -> tuple[str, ...]:
        """The strategies other than the perfect-foresight bound."""
        return tuple(s for s in self.strategies if s != PERFECT_FORESIGHT)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON: what the results' metadata records (the battery without its location)."""
        battery = {k: v for k, v in dataclasses.asdict(self.battery).items() if k != "location"}
        return {
            "strategies": list(self.strategies),
            "battery": battery,
            "simulate": dataclasses.asdict(self.simulate),
            "locations": ALL_LOCATIONS if self.locations is None else list(self.locations),
        }


def read_location_list(path: Path) -> tuple[str, ...]:
    """Settlement point names of a text file, one a line (``#`` starts a comment; blank lines ignored)."""
    path = Path(path)
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise SweepConfigError(f"{path}: cannot read the location list ({exc.strerror})") from None
    names = [line.split("#", 1)[0].strip() for line in lines]
    names = [n for n in names if n]
    if not names:
        raise SweepConfigError(f"{path}: the location list names no settlement point")
    return tuple(names)


def resolve_locations(selection: str, root: Path | None = None) -> tuple[str, ...] | None:
    """``all`` -> None (every point); anything else is a file of names (relative to ``root`` when given)."""
    text = selection.strip()
    if text == ALL_LOCATIONS:
        return None
    path = Path(text)
    if root is not None and not path.is_absolute():
        path = Path(root) / path
    return read_location_list(path)


def _package_root() -> Path:
    import hayeknet

    return Path(hayeknet.__file__).resolve().parent


@functools.lru_cache(maxsize=4)
def _source_hash(root: Path) -> str:
    digest = hashlib.sha256()
    files: list[Path] = []
    for folder in SOURCE_FOLDERS:
        files += sorted((root / folder).rglob("*.py"))
    files += [root / f for f in SOURCE_FILES]
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def code_version() -> dict[str, str]:
    """``{package, source_sha256}``: the hayeknet version and a SHA-256 over the sources the sweep's numbers
    come from (:data:`SOURCE_FOLDERS`, :data:`SOURCE_FILES`). No git commit: two checkouts of the same code
    give the same value, so the results are reproducible bit for bit."""
    from hayeknet import __version__

    return {"package": __version__, "source_sha256": _source_hash(_package_root())}


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (an archive partition's ``prices.parquet``)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def partition_fingerprint(config: SweepConfig, code: dict[str, str], inputs: dict[str, Any]) -> str:
    """SHA-256 of the config, the code version and the day's inputs (``inputs``: the archive files' hashes
    and the zone source): equal fingerprints, equal results."""
    payload = {"schema": SCHEMA_VERSION, "config": config.to_dict(), "code": code, "inputs": inputs}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
