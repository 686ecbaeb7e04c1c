"""Thesis figures: every figure from plain study data, in the shared style, written as vector PDF and 300-dpi PNG."""

from __future__ import annotations

import datetime as dt

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from hayeknet.reporting.plots import OKABE_ITO, SERIES_COLOURS
from hayeknet.reporting.thesis import (
    FIGURE_NAMES,
    ThesisInputError,
    figure_belief_calibration,
    figure_hypothesis_results,
    figure_learning_curve,
    figure_market_designs,
    figure_price_distributions,
    figure_revenue_by_strategy,
    figure_soc_trajectories,
    market_design_profits,
    save_thesis_figure,
    write_thesis_figures,
)
from hayeknet.research.journal import build_results

START = dt.date(2025, 10, 1)
PALETTE = {c.lower() for c in (*OKABE_ITO.values(), *SERIES_COLOURS)}


def day_prices(day: dt.date, seed: int, spike: float | None) -> pd.DataFrame:
    """Wide 5-minute prices ($/MWh) of an operating day: a daily sine plus noise, optional evening spike."""
    start = pd.Timestamp(day.isoformat(), tz="America/Chicago")
    index = pd.date_range(start, start + pd.Timedelta(days=1), freq="5min", inclusive="left").tz_convert("UTC")
    hours = np.asarray(index.tz_convert("America/Chicago").hour, dtype=float)
    rng = np.random.default_rng(seed)
    base = 30.0 + (8.0 + 4 * seed) * np.sin(2 * np.pi * (hours - 10.0) / 24.0) + rng.normal(0, 1.5, index.size)
    if spike is not None:
        base[(hours >= 18) & (hours < 19)] = spike
    return pd.DataFrame(
        {"HB_WEST": base, "HB_NORTH": base + 3.0, "HB_HUBAVG": base + 1.0}, index=index.rename("interval_start_utc")
    )


@pytest.fixture(scope="module")
def study():
    """Four study days simulated with the real strategies and research stage (no files read)."""
    from hayeknet.battery.ledger import summarize
    from hayeknet.battery.spec import BatterySpec
    from hayeknet.battery.strategies import (
        PercentileThreshold,
        PerfectForesight,
        StrategyContext,
        TimeOfDaySchedule,
        run_strategy,
    )

    spec = BatterySpec()
    history, ledgers, prices = [], {}, {}
    for i in range(4):
        day = START + dt.timedelta(days=i)
        wide = day_prices(day, i, 2500.0 if i == 2 else None)
        series = wide["HB_WEST"]
        context = StrategyContext(dt_hours=5.0 / 60.0)
        strategies = {
            "perfect_foresight": PerfectForesight(),
            "percentile_threshold": PercentileThreshold(),
            "time_of_day": TimeOfDaySchedule(),
        }
        day_ledgers = {n: run_strategy(s, series, spec, context) for n, s in strategies.items()}
        summary = {n: summarize(ledger, spec).to_dict() for n, ledger in day_ledgers.items()}
        history.append(
            build_results(
                day=day,
                day_index=i,
                n_days=4,
                prices=wide,
                simulation_summary=summary,
                ledgers=day_ledgers,
                previous_results=history,
                battery=spec,
                n_resamples=100,
                seed=1,
            )
        )
        ledgers[day.isoformat()] = day_ledgers
        prices[day.isoformat()] = series.to_numpy()
    curve = [
        {"increment": k // 10 + 1, "timestep": 288 * (k + 1), "day": "", "reward": 0.0, "profit_usd": -300.0 + 12 * k}
        for k in range(40)
    ]
    return history, ledgers, prices, curve


def texts(fig: Figure) -> str:
    parts = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    return " ".join(parts)


def axis_labels(fig: Figure) -> list[str]:
    return [ax.get_ylabel() for ax in fig.axes if ax.get_visible() and ax.get_ylabel()]


def test_price_distributions_from_prices_and_from_metrics(study):
    history, _, prices, _ = study
    fig = figure_price_distributions(history, prices)
    assert any("$/MWh" in label for label in axis_labels(fig))
    assert "symlog" in texts(fig)  # the 2500 $/MWh spike switches the day axis to symlog
    fig2 = figure_price_distributions(history)
    assert "5th-95th percentile" in texts(fig2) and "Price ($/MWh" in texts(fig2)


def test_revenue_by_strategy_totals_match_the_history(study):
    history, *_ = study
    fig = figure_revenue_by_strategy(history)
    bars_ax = fig.axes[0]
    profit_bars = [p for p in bars_ax.patches if p.get_hatch() == ".."]
    expected = [
        sum(r["strategies"][n]["profit_usd"] for r in history)
        for n in ("perfect_foresight", "percentile_threshold", "time_of_day")
    ]
    assert [b.get_height() for b in profit_bars] == pytest.approx(expected)
    assert "($)" in bars_ax.get_ylabel() and "$ per day" in fig.axes[1].get_ylabel()
    for patch in bars_ax.patches:
        assert to_hex(patch.get_facecolor()).lower() in PALETTE


def test_soc_trajectories_one_panel_per_strategy(study):
    _, ledgers, _, _ = study
    fig = figure_soc_trajectories(ledgers, 20.0, 380.0)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert sorted(ax.get_title() for ax in visible) == sorted(
        ["perfect_foresight", "percentile_threshold", "time_of_day"]
    )
    for ax in visible:
        assert len([line for line in ax.get_lines() if line.get_linestyle() != ":"]) == 4  # one line per day
        assert all(0.0 <= x <= 24.0 + 1e-9 for line in ax.get_lines() for x in np.atleast_1d(line.get_xdata()))
    assert "SOC (MWh)" in axis_labels(fig)
    bad = {"2025-10-01": {"x": pd.DataFrame({"interval_start_utc": []})}}
    with pytest.raises(ThesisInputError, match="ledger of x on 2025-10-01: missing column dt_hours"):
        figure_soc_trajectories(bad)
    assert "not available" in texts(figure_soc_trajectories(None))


def test_market_designs_from_the_simulate_summary_format(study):
    history, *_ = study
    assert "not available" in texts(figure_market_designs(history))
    with_designs = []
    for i, r in enumerate(history):
        r = dict(r)
        r["market_designs"] = {
            "available": True,
            "sced_today": {"revenue_by_stream_usd": {"profit": 1000.0 + i}},
            "rtc_b": {"revenue_by_stream_usd": {"profit": 1200.0 + 3 * i}},
        }
        with_designs.append(r)
    with_designs[1]["market_designs"] = {"available": False, "reason": "no NP6-331-CD"}
    profits = market_design_profits(with_designs)
    assert list(profits.index) == ["2025-10-01", "2025-10-03", "2025-10-04"]
    assert profits.loc["2025-10-04", "rtc_b"] - profits.loc["2025-10-04", "sced_today"] == pytest.approx(206.0)
    fig = figure_market_designs(with_designs)
    assert "RTC+B minus SCED today ($ per day)" in axis_labels(fig)


def test_hypothesis_results_figure_shows_every_verdict(study):
    history, *_ = study
    fig = figure_hypothesis_results(history[-1]["hypotheses"])
    text = texts(fig)
    for h in history[-1]["hypotheses"]:
        assert h["name"] + ":" in text and h["verdict"] in text
    assert "$/MWh" in text  # H2/H3 axes name their unit (and "$" is not parsed as mathtext)


def test_learning_curve_and_calibration(study):
    history, _, _, curve = study
    fig = figure_learning_curve(curve)
    assert "Episode profit ($ per day)" in axis_labels(fig)
    assert "not available" in texts(figure_learning_curve([]))
    cal = figure_belief_calibration(history[-1]["prediction_scores"])
    assert "Observed frequency" in texts(cal) and "Brier" in texts(cal)
    assert "No predictive claim settled yet" in texts(figure_belief_calibration({}))


def test_write_thesis_figures_pdf_vector_and_png_300_dpi(study, tmp_path):
    from PIL import Image

    history, ledgers, prices, curve = study
    paths = write_thesis_figures(
        history,
        tmp_path / "thesis",
        ledgers_by_day=ledgers,
        prices_by_day=prices,
        learning_curve=curve,
        soc_min_mwh=20.0,
        soc_max_mwh=380.0,
    )
    assert sorted(p.name for p in paths) == sorted(f"{n}.{ext}" for n in FIGURE_NAMES for ext in ("pdf", "png"))
    for p in paths:
        data = p.read_bytes()
        if p.suffix == ".pdf":
            assert data.startswith(b"%PDF")
            assert b"/Subtype /Image" not in data  # vector: no embedded raster
            assert b"/CreationDate" not in data  # reproducible output for DVC
        else:
            with Image.open(p) as img:
                assert img.info["dpi"] == pytest.approx((300, 300), abs=0.5)
    fig = figure_hypothesis_results(history[-1]["hypotheses"])
    first, second = (save_thesis_figure(fig, tmp_path / name, "h", ("pdf",))[0] for name in ("a", "b"))
    assert first.read_bytes() == second.read_bytes()  # no timestamps: DVC sees identical outputs
