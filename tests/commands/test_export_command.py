"""`hayeknet export`: a day's report table as CSV (the same bytes as the report's download link) or Parquet,
a clean error for a table the day could not compute. The stage reads are replaced by the report fixtures;
the end-to-end test exports from a real repro."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hayeknet.cli import build_parser, main
from hayeknet.commands.export import TABLES, default_output
from hayeknet.pipeline.stages import report
from hayeknet.reporting import daily

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "reports" / "study_2025-10-03.json"


class FakeBundle:
    """What :func:`report.load` returns, for the tables only: the real :meth:`DayBundle.table`."""

    def __init__(self, fixture: dict[str, Any]) -> None:
        self.day = fixture["day"]
        self.summary = fixture["summary"]
        self.results = fixture["results"]
        self.assimilation_metrics = fixture["assimilation_metrics"]

    table = report.DayBundle.table
    strategy_table = report.DayBundle.strategy_table
    beliefs_table = report.DayBundle.beliefs_table
    qa_table = report.DayBundle.qa_table
    market_design_table = report.DayBundle.market_design_table
    qse_table = report.DayBundle.qse_table
    assimilation_table = report.DayBundle.assimilation_table
    metrics_table = report.DayBundle.metrics_table


@pytest.fixture()
def fixture_day(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    data = json.loads(FIXTURE.read_text())
    from hayeknet.pipeline import context

    monkeypatch.setattr(context.StageContext, "load", classmethod(lambda cls, start=None: object()))
    monkeypatch.setattr(report, "load", lambda ctx, day: FakeBundle(data))
    return data


@pytest.mark.parametrize("what", TABLES)
def test_export_csv_is_the_reports_csv(what: str, fixture_day: dict[str, Any], tmp_path: Path, capsys) -> None:
    out = tmp_path / f"{what}.csv"
    assert main(["export", "--day", "2025-10-03", "--what", what, "-o", str(out)]) == 0
    expected = FakeBundle(fixture_day).table(what)
    assert out.read_text() == expected.csv()
    assert f"export {what} of 2025-10-03: {len(expected.data)} rows" in capsys.readouterr().out
    parquet = tmp_path / f"{what}.parquet"
    assert main(["export", "--day", "2025-10-03", "--what", what, "--format", "parquet", "-o", str(parquet)]) == 0
    back = pd.read_parquet(parquet)
    assert len(back) == len(expected.data) and back.index.name == expected.data.index.name


def test_export_to_stdout_and_the_default_file_name(fixture_day, tmp_path: Path, capsys, monkeypatch) -> None:
    assert main(["export", "--day", "2025-10-03", "--what", "strategies", "-o", "-"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out), index_col=0)
    assert frame.loc["perfect_foresight", "label"] == "Perfect foresight (bound)"
    assert frame.loc["perfect_foresight", "profit_usd"] == pytest.approx(14946.739, abs=0.01)
    monkeypatch.chdir(tmp_path)
    assert main(["export", "--day", "2025-10-03", "--what", "beliefs"]) == 0
    assert (tmp_path / "2025-10-03_beliefs.csv").is_file()
    assert default_output("2025-10-03", "qa", "parquet") == Path("2025-10-03_qa.parquet")
    assert main(["export", "--day", "2025-10-03", "--what", "qa", "--format", "parquet", "-o", "-"]) == 2


def test_a_table_not_computed_is_an_error_with_the_reason(fixture_day, monkeypatch, capsys) -> None:
    fixture_day["summary"]["market_designs"] = {"available": False, "reason": "no AS clearing prices"}
    assert main(["export", "--day", "2025-10-03", "--what", "market_designs", "-o", "-"]) == 1
    assert "market_designs of 2025-10-03 not computed: no AS clearing prices" in capsys.readouterr().err


def test_parser_refuses_unknown_tables_and_bad_days() -> None:
    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["export", "--day", "2025-10-03", "--what", "ledgers"])
    with pytest.raises(SystemExit):
        parser.parse_args(["export", "--day", "yesterday", "--what", "qa"])
    assert set(TABLES) == set(report.EXPORTS) and daily.ANCHORS["strategies"] == "strategies"
