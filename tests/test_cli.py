"""The ``hayeknet`` parser explains itself: a description, examples and help for every option of every
sub-command, its own version, lists that cannot drift from the code they name, and a light import path
(``hayeknet --help`` must not load NumPy, pandas or a solver)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import shlex
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from hayeknet.cli import build_parser, main

SRC = Path(__file__).resolve().parents[1] / "src"
HEAVY = (
    "numpy",
    "pandas",
    "scipy",
    "torch",
    "pyarrow",
    "pymc",
    "highspy",
    "matplotlib",
    "stable_baselines3",
    "dask",
    "distributed",
)
COMMANDS = (
    "collect",
    "status",
    "experiments",
    "normalize",
    "validate",
    "optimize",
    "backtest",
    "evaluate",
    "export",
    "sweep",
    "study",
)


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_building_the_parser_and_every_help_imports_nothing_heavy() -> None:
    """A fresh interpreter builds the parser and formats every help text; none of the heavy packages
    is imported (what made `hayeknet --help` take seconds). No timing: the module list is the evidence."""
    code = (
        "import json, sys\n"
        "from hayeknet.cli import build_parser\n"
        "parser = build_parser()\n"
        "parser.format_help()\n"
        "action = next(a for a in parser._actions if a.__class__.__name__ == '_SubParsersAction')\n"
        "for sub in action.choices.values():\n"
        "    sub.format_help()\n"
        f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert json.loads(proc.stdout) == []


def test_every_command_describes_itself_with_examples_and_option_help() -> None:
    subs = _subparsers(build_parser())
    assert tuple(subs) == COMMANDS
    for name, sub in subs.items():
        assert sub.description and len(sub.description) > 80, name
        assert not re.search(r"``|:(func|mod|class|data):", sub.description), f"{name}: RST markup in its help"
        assert sub.epilog and f"hayeknet {name}" in sub.epilog, f"{name}: no example"
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help and action.help != argparse.SUPPRESS, f"{name} {action.option_strings or action.dest}"


def _example_lines(text: str) -> list[str]:
    joined = text.replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines() if line.strip().startswith("hayeknet ")]


def test_every_example_in_the_help_parses() -> None:
    parser = build_parser()
    texts = [parser.epilog or "", *[s.epilog or "" for s in _subparsers(parser).values()]]
    examples = [line for text in texts for line in _example_lines(text)]
    assert len(examples) >= 2 * len(COMMANDS)
    for line in examples:
        args = parser.parse_args(shlex.split(line)[1:])
        assert callable(args.func), line


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"hayeknet {version('hayeknet')}"


def test_the_strategy_list_is_the_lineup() -> None:
    """The parser's copy (importable without pandas) is the backtest's list, in its order, each with help."""
    from hayeknet.battery import lineup
    from hayeknet.battery.backtest import STRATEGY_NAMES
    from hayeknet.commands.strategies import STRATEGIES
    from hayeknet.commands.strategies import STRATEGY_NAMES as PARSER_NAMES

    assert PARSER_NAMES == STRATEGY_NAMES
    assert PARSER_NAMES[: len(lineup.STRATEGY_NAMES)] == lineup.STRATEGY_NAMES
    assert all(STRATEGIES[name].strip() for name in PARSER_NAMES)
    (strategy,) = [a for a in _subparsers(build_parser())["backtest"]._actions if a.dest == "strategy"]
    assert tuple(strategy.choices or ()) == STRATEGY_NAMES


def test_markets_and_battery_flags_follow_the_code() -> None:
    from hayeknet.archive.queries import INTERVAL_MINUTES
    from hayeknet.battery.spec import BatterySpec
    from hayeknet.commands.battery_options import FIELD_HELP
    from hayeknet.commands.economics import MARKET_DT_HOURS

    assert {m: h * 60 for m, h in MARKET_DT_HOURS.items()} == pytest.approx(dict(INTERVAL_MINUTES))
    fields = [f.name for f in dataclasses.fields(BatterySpec)]
    assert set(FIELD_HELP) == set(fields)
    subs = _subparsers(build_parser())
    for command in ("optimize", "backtest"):
        flags = {s for a in subs[command]._actions for s in a.option_strings}
        assert {"--" + f.replace("_", "-") for f in fields} <= flags, command


def test_collect_help_names_every_report_collected() -> None:
    from hayeknet.pipeline.days import RAW_REPORT_DIRS

    description = _subparsers(build_parser())["collect"].description or ""
    assert all(report.upper() in description for report in RAW_REPORT_DIRS)


def test_errors_are_one_line_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--project", str(tmp_path), "status", "--no-dvc"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hayeknet status: error: no HayekNet project root") and err.count("\n") == 1
