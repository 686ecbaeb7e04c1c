"""``hayeknet optimize`` and ``hayeknet backtest`` through their argparse registration."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hayeknet.battery.optimize import optimize_dispatch
from hayeknet.battery.spec import BatterySpec
from hayeknet.commands import economics
from hayeknet.commands.economics import EconomicsInputError

DAY_KEYS = {
    "day",
    "revenue",
    "degradation_cost",
    "profit",
    "charge_mwh",
    "discharge_mwh",
    "cycles",
    "intervals",
    "whole_day_intervals",
}
TINY_PARAMS = Path(__file__).resolve().parents[1] / "params.tiny.yaml"


@pytest.fixture(autouse=True)
def outside_any_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from an empty folder: no params.yaml is found unless a test passes --project."""
    monkeypatch.delenv("HAYEKNET_ROOT", raising=False)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)


def _project(root: Path, **battery: object) -> Path:
    """A project folder: params.tiny.yaml with ``battery`` values replaced, and a dvc.yaml."""
    import yaml

    params = yaml.safe_load(TINY_PARAMS.read_text())
    params["battery"].update(battery)
    root.mkdir(parents=True, exist_ok=True)
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    (root / "dvc.yaml").write_text("stages: {}\n")
    return root


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="hayeknet")
    parser.add_argument("--project")
    sub = parser.add_subparsers(dest="command", required=True)
    economics.register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


def _normalized_table(prices: list[float], start: str, freq: str = "15min", location: str = "HB_TEST") -> pd.DataFrame:
    starts = pd.date_range(start, periods=len(prices), freq=freq, tz="UTC")
    return pd.DataFrame(
        {
            "interval_start_utc": starts,
            "interval_end_utc": starts + pd.Timedelta(freq),
            "market": "RTM_15MIN",
            "location": location,
            "location_type": "Trading Hub",
            "as_type": pd.Series([pd.NA] * len(prices), dtype="string"),
            "price": np.asarray(prices, dtype=float),
            "report": "NP6-905-CD",
        }
    )


def test_optimize_refuses_a_single_interval_and_says_why(fixtures_dir: Path) -> None:
    # One 15-minute interval of 09/29/2026 HE12 (CDT): a battery that ends the day where it started cannot
    # trade within one interval, so the command says so instead of printing $0.00.
    with pytest.raises(EconomicsInputError) as caught:
        run(["optimize", str(fixtures_dir / "np6-905-cd.csv"), "--location", "HB_WEST", "--json"])
    message = str(caught.value)
    assert "covers 1 interval (15 min) of 2026-09-29" in message and "too short" in message
    assert "data/raw/np6-905-cd/2026-09-29/" in message and "artifacts/archive/day=2026-09-29/prices.parquet" in message


def test_optimize_one_sced_file_versus_its_day_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The README's old example: one SCED file is one 5-minute interval (refused, with the way out); the
    day's folder of 288 files, or its normalized table, gives the day's profit."""
    from hayeknet.commands import data
    from hayeknet.ercot.locations import default_catalogue
    from hayeknet.ercot.synthetic import write_synthetic_day

    write_synthetic_day("2025-10-02", tmp_path / "raw", default_catalogue(0), seed=5, reports=["NP6-788-CD"])
    folder = tmp_path / "raw" / "np6-788-cd" / "2025-10-02"
    one = sorted(folder.iterdir())[100]
    with pytest.raises(EconomicsInputError, match=r"covers 1 interval \(5 min\) of 2025-10-02 at HB_WEST: too short"):
        run(["optimize", str(one)])
    assert run(["optimize", str(folder), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    (day,) = out["days"]
    assert day["intervals"] == day["whole_day_intervals"] == 288 and day["profit"] > 0
    parser = argparse.ArgumentParser(prog="hayeknet")
    sub = parser.add_subparsers(dest="command", required=True)
    data.register(sub)
    args = parser.parse_args(["normalize", str(folder), "-o", str(tmp_path / "day.parquet")])
    assert args.func(args) == 0
    capsys.readouterr()
    assert run(["optimize", str(tmp_path / "day.parquet"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["days"][0]["profit"] == pytest.approx(day["profit"], rel=1e-12)
    # several INPUTs are combined: a file twice is the same interval once
    with pytest.raises(EconomicsInputError, match="too short"):
        run(["optimize", str(one), str(one)])


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_optimize_hand_computed_day_to_the_cent(
    tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Four 15-minute intervals at $10, $10, $50, $50 (CDT morning of 2025-10-01). The battery
    # charges 100 MW (25 MWh metered, 23.75 MWh stored) in each cheap interval and must end
    # where it began, so it discharges 47.5 * 0.95 = 45.125 MWh at $50:
    #   revenue     = 45.125 * 50 - 50 * 10        = 1756.25
    #   degradation = 5 * (50 + 45.125)            =  475.625
    #   profit      = 1756.25 - 475.625            = 1280.625
    #   cycles      = 45.125 / 0.95 / 320          =    0.1484375
    table = _normalized_table([10.0, 10.0, 50.0, 50.0], "2025-10-01 15:00")
    path = tmp_path / f"table{suffix}"
    if suffix == ".csv":
        table.to_csv(path, index=False)
    else:
        table.to_parquet(path, index=False)
    assert run(["optimize", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["location", "market", "interval_minutes", "battery", "days"]
    assert out["battery"]["power_mw"] == 100.0 and "built-in default" in out["battery"]["source"]
    (day,) = out["days"]
    assert set(day) == DAY_KEYS and day["intervals"] == 4 and day["whole_day_intervals"] == 96
    assert day["day"] == "2025-10-01"
    cent = 0.005  # "to the cent": within half a cent of the hand-computed dollars
    assert day["revenue"] == pytest.approx(1756.25, abs=cent)
    assert day["degradation_cost"] == pytest.approx(475.625, abs=cent)
    assert day["profit"] == pytest.approx(1280.625, abs=cent)
    assert day["charge_mwh"] == pytest.approx(50.0, abs=1e-6)
    assert day["discharge_mwh"] == pytest.approx(45.125, abs=1e-6)
    assert day["cycles"] == pytest.approx(0.1484375, abs=1e-9)


def test_optimize_splits_operating_days_with_cyclic_soc(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(1)
    prices = 40 + 30 * np.sin(np.linspace(0, 8 * np.pi, 192)) + rng.normal(0, 5, 192)
    table = _normalized_table(list(prices), "2025-10-01 05:00")  # midnight CDT: two whole operating days
    path = tmp_path / "two_days.parquet"
    table.to_parquet(path, index=False)
    assert run(["optimize", str(path), "--json"]) == 0
    days = json.loads(capsys.readouterr().out)["days"]
    assert [d["day"] for d in days] == ["2025-10-01", "2025-10-02"]
    for d, chunk in zip(days, (prices[:96], prices[96:])):
        assert d["profit"] == pytest.approx(optimize_dispatch(chunk, BatterySpec(), 0.25).profit_usd, rel=1e-9)
    assert run(["optimize", str(path), "--by-day"]) == 0
    text = capsys.readouterr().out
    assert "2025-10-01" in text and "2025-10-02" in text and "total" in text
    assert run(["optimize", str(path)]) == 0
    assert "2025-10-02" not in capsys.readouterr().out


def test_optimize_on_a_generated_archive_day(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hayeknet.archive.ingest import ingest_day
    from hayeknet.archive.queries import realtime_prices
    from hayeknet.archive.store import read_day
    from hayeknet.ercot.locations import default_catalogue
    from hayeknet.ercot.synthetic import write_synthetic_day

    write_synthetic_day("2025-10-02", tmp_path / "raw", default_catalogue(0), seed=5, reports=["NP6-788-CD"])
    ingest_day(tmp_path / "raw", "2025-10-02", tmp_path / "archive")
    table = read_day(tmp_path / "archive", "2025-10-02")
    path = tmp_path / "day.parquet"
    table.to_parquet(path, index=False)
    assert run(["optimize", str(path), "--location", "HB_NORTH", "--json"]) == 0
    (day,) = json.loads(capsys.readouterr().out)["days"]
    expected = optimize_dispatch(realtime_prices(table, "HB_NORTH").prices.to_numpy(), BatterySpec(), 5 / 60)
    assert day["day"] == "2025-10-02"
    assert day["profit"] == pytest.approx(expected.profit_usd, rel=1e-9)
    assert day["profit"] > 0 and day["cycles"] > 0
    # the archive partition's folder, or the archive root: the prices table, not provenance.json
    for folder in (tmp_path / "archive" / "day=2025-10-02", tmp_path / "archive"):
        assert run(["optimize", str(folder), "--location", "HB_NORTH", "--json"]) == 0
        (again,) = json.loads(capsys.readouterr().out)["days"]
        assert again["profit"] == pytest.approx(expected.profit_usd, rel=1e-9)


def test_optimize_errors_name_file_and_field(tmp_path: Path, fixtures_dir: Path) -> None:
    with pytest.raises(EconomicsInputError, match="NOWHERE"):
        run(["optimize", str(fixtures_dir / "np6-905-cd.csv"), "--location", "NOWHERE"])
    with pytest.raises(EconomicsInputError, match="no such file"):
        run(["optimize", str(tmp_path / "absent.csv")])
    table = _normalized_table([10.0, 20.0], "2025-10-01 15:00")
    table["price"] = table["price"].astype(object)
    table.loc[1, "price"] = "abc"
    path = tmp_path / "bad.csv"
    table.to_csv(path, index=False)
    with pytest.raises(EconomicsInputError, match=r"bad.csv: row 2: field 'price'"):
        run(["optimize", str(path)])


def test_backtest_command_over_an_archive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from hayeknet.archive.ingest import ingest_day
    from hayeknet.ercot.locations import default_catalogue
    from hayeknet.ercot.synthetic import write_synthetic_day

    for day in ("2025-10-01", "2025-10-02"):
        write_synthetic_day(day, tmp_path / "raw", default_catalogue(0), seed=2)
        ingest_day(tmp_path / "raw", day, tmp_path / "archive")
    monkeypatch.delenv("HAYEKNET_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)  # outside any project: DESIGN section 5 battery, HB_WEST
    argv = [
        "backtest",
        "--strategy",
        "time_of_day",
        "--start",
        "2025-10-01",
        "--end",
        "2025-10-02",
        "--archive",
        str(tmp_path / "archive"),
    ]
    assert run([*argv, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["strategy"] == "time_of_day" and out["location"] == "HB_WEST"
    assert [d["day"] for d in out["days"]] == ["2025-10-01", "2025-10-02"]
    assert all(d["capture_ratio"] <= 1 + 1e-9 for d in out["days"])
    assert out["risk"]["n_days"] == 2 and out["risk"]["level"] == 0.95
    assert out["risk_conventions"]["sharpe_annualization"] == "sqrt(365)"
    assert run(argv) == 0
    assert "VaR95%" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        run(["backtest", "--strategy", "oracle", "--start", "2025-10-01", "--end", "2025-10-02"])


def test_optimize_takes_the_battery_from_params_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Inside a project the battery is params.yaml's (as for backtest and the pipeline); flags override one
    value; outside a project the built-in default; the output says which and from where."""
    table = _normalized_table([10.0, 10.0, 50.0, 50.0], "2025-10-01 15:00", location="HB_WEST")
    path = tmp_path / "table.parquet"
    table.to_parquet(path, index=False)
    project = _project(tmp_path / "project", power_mw=50.0, energy_mwh=200.0)
    half = BatterySpec(power_mw=50.0, energy_mwh=200.0)

    assert run(["--project", str(project), "optimize", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["battery"]["power_mw"] == 50.0 and out["battery"]["energy_mwh"] == 200.0
    assert out["battery"]["source"] == f"params.yaml ({project / 'params.yaml'})"
    expected = optimize_dispatch(np.array([10.0, 10.0, 50.0, 50.0]), half, 0.25).profit_usd
    assert out["days"][0]["profit"] == pytest.approx(expected, rel=1e-9)

    assert run(["--project", str(project), "optimize", str(path)]) == 0
    text = capsys.readouterr().out
    assert "battery: 50 MW / 200 MWh" in text and f"from params.yaml ({project / 'params.yaml'})" in text
    assert "at HB_WEST (battery.location)" in text
    assert "partial days (the optimum over the intervals given only): 2025-10-01 (4 of 96 intervals)" in text

    argv = ["--project", str(project), "optimize", str(path), "--power-mw", "25", "--degradation-usd-per-mwh", "0"]
    assert run(argv) == 0
    text = capsys.readouterr().out
    assert "battery: 25 MW / 200 MWh" in text and "with --power-mw 25, --degradation-usd-per-mwh 0" in text

    assert run(["optimize", str(path)]) == 0  # the autouse fixture's folder: no project
    text = capsys.readouterr().out
    assert "battery: 100 MW / 400 MWh" in text and "from the built-in default (no params.yaml here" in text

    with pytest.raises(ValueError, match="battery SOC fractions"):
        run(["optimize", str(path), "--soc-min-frac", "0.95"])


def test_optimize_location_choice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    two = pd.concat(
        [
            _normalized_table([10.0, 50.0], "2025-10-01 15:00", location="HB_NORTH"),
            _normalized_table([10.0, 90.0], "2025-10-01 15:00", location="HB_SOUTH"),
        ]
    )
    path = tmp_path / "two.parquet"
    two.to_parquet(path, index=False)
    with pytest.raises(EconomicsInputError, match="no price at the battery's location HB_WEST; locations: HB_NORTH"):
        run(["optimize", str(path)])
    assert run(["optimize", str(path), "--location", "HB_SOUTH"]) == 0
    assert "at HB_SOUTH (--location)" in capsys.readouterr().out
    project = _project(tmp_path / "project", location="HB_NORTH")
    assert run(["--project", str(project), "optimize", str(path)]) == 0
    assert "at HB_NORTH (battery.location)" in capsys.readouterr().out
    one = tmp_path / "one.parquet"
    two[two["location"] == "HB_SOUTH"].to_parquet(one, index=False)
    assert run(["optimize", str(one)]) == 0
    assert "at HB_SOUTH (the only location in INPUT; the battery's is HB_WEST)" in capsys.readouterr().out


def test_backtest_reads_params_and_overrides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hayeknet.archive.ingest import ingest_day
    from hayeknet.ercot.locations import default_catalogue
    from hayeknet.ercot.synthetic import write_synthetic_day

    project = _project(tmp_path / "project", power_mw=50.0)
    write_synthetic_day("2025-10-01", project / "data" / "raw", default_catalogue(0), seed=2)
    ingest_day(project / "data" / "raw", "2025-10-01", project / "artifacts" / "archive")
    argv = ["--project", str(project), "backtest", "--strategy", "time_of_day", "--start", "2025-10-01"]
    assert run([*argv, "--end", "2025-10-02", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["battery"]["power_mw"] == 50.0 and out["battery"]["source"].startswith("params.yaml (")
    assert out["missing_days"] == ["2025-10-02"]
    assert run([*argv, "--end", "2025-10-01", "--energy-mwh", "100"]) == 0
    text = capsys.readouterr().out
    assert "battery: 50 MW / 100 MWh" in text and "with --energy-mwh 100" in text
    assert "backtest time_of_day at HB_WEST: 1 day from" in text


def test_backtest_names_every_strategy_and_refuses_unknown_ones(capsys: pytest.CaptureFixture[str]) -> None:
    from hayeknet.battery.backtest import STRATEGY_NAMES

    with pytest.raises(SystemExit):
        run(["backtest", "--help"])
    text = capsys.readouterr().out
    for name in STRATEGY_NAMES:
        assert f"  {name} " in text, name
    with pytest.raises(SystemExit):
        run(["backtest", "--strategy", "oracle", "--start", "2025-10-01", "--end", "2025-10-02"])
    assert "invalid choice: 'oracle'" in capsys.readouterr().err
