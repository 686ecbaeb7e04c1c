"""The battery of the economics commands (``optimize``, ``backtest``): where it comes from, and flags to change it.

Inside a project the battery is ``params.yaml``'s ``battery`` section (the
:class:`~hayeknet.battery.spec.BatterySpec` the pipeline's stages use, so a
``dvc exp run -S battery.power_mw=50`` experiment and these commands agree);
outside one it is the built-in default of :class:`BatterySpec`. One flag per
field of the spec (``--power-mw``, ``--energy-mwh``, ``--location``, ...)
overrides a single value, and the commands print which battery they used and
where it came from.
"""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hayeknet.battery.spec import BatterySpec

if TYPE_CHECKING:
    from hayeknet.config import ProjectPaths
    from hayeknet.params import Params

#: Help of each :class:`BatterySpec` field's flag: (metavar, what it is with its unit). A field missing
#: here still gets a flag (``tests/test_cli.py`` fails until it has its own help).
FIELD_HELP: dict[str, tuple[str, str]] = {
    "location": ("NAME", "settlement point whose prices the battery trades"),
    "power_mw": ("MW", "charge and discharge limit at the meter, MW"),
    "energy_mwh": ("MWH", "nameplate energy, MWh"),
    "soc_min_frac": ("FRAC", "SOC floor, fraction of the energy (0-1)"),
    "soc_max_frac": ("FRAC", "SOC ceiling, fraction of the energy (0-1)"),
    "soc_initial_frac": ("FRAC", "SOC at the start of each day, fraction of the energy (0-1)"),
    "charge_efficiency": ("FRAC", "share of the metered charge that is stored (0-1]"),
    "discharge_efficiency": ("FRAC", "metered discharge per MWh taken from storage (0-1]"),
    "degradation_usd_per_mwh": ("USD", "cost of throughput (charged + discharged), $/MWh"),
}

BATTERY_GROUP_TITLE = "battery (default: params.yaml's battery section inside a project, else the built-in default)"


def _flag(field: str) -> str:
    return "--" + field.replace("_", "-")


def _default_text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def describe_spec(spec: BatterySpec) -> str:
    """One line: power, energy, SOC window, efficiencies and degradation cost of ``spec``."""

    def pct(x: float) -> str:
        return f"{x * 100:g}"

    return (
        f"{spec.power_mw:g} MW / {spec.energy_mwh:g} MWh, SOC {pct(spec.soc_min_frac)}-{pct(spec.soc_max_frac)} % "
        f"(start {pct(spec.soc_initial_frac)} %), efficiency {pct(spec.charge_efficiency)} % charge / "
        f"{pct(spec.discharge_efficiency)} % discharge, degradation ${spec.degradation_usd_per_mwh:g}/MWh"
    )


DEFAULT_BATTERY_TEXT = describe_spec(BatterySpec())
"""The built-in default battery in words (for help texts)."""


def add_battery_options(parser: argparse.ArgumentParser, location_help: str | None = None) -> None:
    """Add one override flag per :class:`BatterySpec` field to ``parser`` (an argument group "battery")."""
    group = parser.add_argument_group(BATTERY_GROUP_TITLE)
    for field in dataclasses.fields(BatterySpec):
        metavar, text = FIELD_HELP.get(field.name, ("VALUE", f"battery.{field.name}"))
        if field.name == "location" and location_help:
            text = location_help
        else:
            text += f" (default: battery.{field.name}, else {_default_text(field.default)})"
        kind = str if field.name == "location" else float
        group.add_argument(_flag(field.name), dest=field.name, type=kind, metavar=metavar, help=text)


@dataclass(frozen=True)
class Battery:
    """The battery a command uses: the spec, where it came from, and the project it was read from (if any)."""

    spec: BatterySpec
    source: str
    overrides: tuple[str, ...] = ()
    paths: ProjectPaths | None = None
    params: Params | None = None

    @property
    def origin(self) -> str:
        """Where the numbers come from, with the flags that changed them."""
        if not self.overrides:
            return self.source
        changed = ", ".join(f"{_flag(f)} {_default_text(getattr(self.spec, f))}" for f in self.overrides)
        return f"{self.source}, with {changed}"

    def describe(self) -> str:
        """``battery: <numbers>; from <origin>``."""
        return f"battery: {describe_spec(self.spec)}; from {self.origin}"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self.spec) | {"source": self.origin}


def resolve_battery(args: argparse.Namespace) -> Battery:
    """The battery of ``args``: the project's ``params.yaml`` battery (or the built-in default outside a
    project), with the flags of :func:`add_battery_options` applied.

    ``--project DIR`` that is not a project raises ``FileNotFoundError``; a bad params file raises
    :class:`~hayeknet.params.ParamsError`, an impossible override
    :class:`~hayeknet.battery.errors.BatterySpecError`.
    """
    from hayeknet.config import project_paths
    from hayeknet.params import load_params

    project = getattr(args, "project", None)
    paths: ProjectPaths | None
    params: Params | None
    try:
        paths = project_paths(Path(project) if project else None)
    except FileNotFoundError:
        if project:
            raise
        paths, params = None, None
        base = BatterySpec()
        source = "the built-in default (no params.yaml here: not inside a HayekNet project)"
    else:
        params = load_params(paths.params_file)
        base = params.battery
        source = f"params.yaml ({paths.params_file})"
    overrides = {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(BatterySpec)
        if getattr(args, f.name, None) is not None
    }
    spec = dataclasses.replace(base, **overrides)
    return Battery(spec, source, tuple(overrides), paths, params)
