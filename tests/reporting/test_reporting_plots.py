"""Day figures: each returns a Figure with labelled, unit-bearing axes, in the shared style."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from hayeknet.reporting.labels import strategy_label
from hayeknet.reporting.plots import (
    OKABE_ITO,
    PlotInputError,
    plot_cumulative_profit,
    plot_enkf_band,
    plot_price_paths,
    plot_soc,
    plot_strategy_revenue,
    save_figure,
    strategy_styles,
)

# operating day 2025-10-02 (CDT, UTC-5): 05:00 UTC .. 05:00 UTC next day
INDEX = pd.date_range("2025-10-02T05:00:00Z", periods=288, freq="5min", tz="UTC", name="interval_start_utc")


@pytest.fixture(scope="module")
def prices() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    base = 30 + 10 * np.sin(np.linspace(0, 2 * np.pi, INDEX.size))
    frame = pd.DataFrame(
        {loc: base + rng.normal(0, 1, INDEX.size) for loc in ("HB_WEST", "HB_NORTH", "HB_HUBAVG", "LZ_WEST")},
        index=INDEX,
    )
    frame.iloc[200:206, 0] = 2500.0
    frame.iloc[30:40, 0] = -20.0
    return frame


def _ledger(price: np.ndarray, charge: np.ndarray, discharge: np.ndarray) -> pd.DataFrame:
    dt_h = 5 / 60
    soc = 200 + np.cumsum(0.95 * charge * dt_h - discharge * dt_h / 0.95)
    start = np.r_[200.0, soc[:-1]]
    cash = price * (discharge - charge) * dt_h
    deg = 5 * (charge + discharge) * dt_h
    return pd.DataFrame(
        {
            "interval_start_utc": INDEX,
            "dt_hours": dt_h,
            "price_usd_per_mwh": price,
            "charge_mw": charge,
            "discharge_mw": discharge,
            "soc_start_mwh": start,
            "soc_end_mwh": soc,
            "energy_cash_usd": cash,
            "as_cash_usd": 0.0,
            "degradation_usd": deg,
            "profit_usd": cash - deg,
        }
    )


@pytest.fixture(scope="module")
def ledgers(prices) -> dict[str, pd.DataFrame]:
    p = prices["HB_WEST"].to_numpy()
    idle = np.zeros(p.size)
    night = np.where(np.arange(p.size) < 24, 100.0, 0.0)
    evening = np.where((np.arange(p.size) >= 200) & (np.arange(p.size) < 224), 100.0, 0.0)
    return {
        "perfect_foresight": _ledger(p, night, evening),
        "ppo_agent": _ledger(p, night / 2, evening / 2),
        "percentile_threshold": _ledger(p, idle, idle),
    }


def _labels(fig: Figure) -> list[tuple[str, str]]:
    return [(ax.get_xlabel(), ax.get_ylabel()) for ax in fig.axes if ax.get_xlabel() or ax.get_ylabel()]


def _time_axes_ok(fig: Figure) -> None:
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Time (America/Chicago)"
    top = [c for c in ax.child_axes if c.get_xlabel() == "Time (UTC)"]
    assert top, "UTC secondary axis missing"
    fig.canvas.draw()  # renders under Agg
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert "00:00" in ticks  # Central midnight starts the operating day


def test_price_paths(prices, tmp_path):
    fig = plot_price_paths(prices, "HB_WEST", high_price_usd_per_mwh=100.0)
    assert isinstance(fig, Figure)
    _time_axes_ok(fig)
    ax = fig.axes[0]
    assert "$/MWh" in ax.get_ylabel() and ax.get_yscale() == "symlog"  # 2500 $/MWh spike
    labels = [line.get_label() for line in ax.get_lines()]
    assert "HB_WEST (battery)" in labels and "HB_NORTH" in labels and "HB_HUBAVG" not in labels
    battery = next(line for line in ax.get_lines() if line.get_label() == "HB_WEST (battery)")
    assert matplotlib.colors.to_hex(battery.get_color()) == OKABE_ITO["black"].lower()
    assert save_figure(fig, tmp_path / "p.png").stat().st_size > 0


def test_price_paths_linear_without_extremes(prices):
    calm = prices.clip(upper=200.0)
    assert plot_price_paths(calm, "HB_WEST").axes[0].get_yscale() == "linear"


def test_price_paths_unknown_location(prices):
    with pytest.raises(PlotInputError, match="HB_NOWHERE"):
        plot_price_paths(prices, "HB_NOWHERE")
    with pytest.raises(PlotInputError, match="HB_PAN"):
        plot_price_paths(prices, "HB_WEST", hubs=["HB_PAN"])


def test_enkf_band(prices):
    obs = prices["HB_WEST"].to_numpy()
    mean = np.r_[obs[0], obs[:-1]]
    filtered = pd.DataFrame(
        {
            "interval_start_utc": INDEX,
            "location": "HB_WEST",
            "observed": obs,
            "mean": mean,
            "spread": 3.0,
            "innovation": obs - mean,
            "normalized_innovation": (obs - mean) / 3.6,
        }
    )
    fig = plot_enkf_band(filtered, "HB_WEST")
    _time_axes_ok(fig)
    assert "$/MWh" in fig.axes[0].get_ylabel()
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert {"EnKF forecast mean", "observed", "|z| > 4"} <= set(labels)
    with pytest.raises(PlotInputError, match="HB_NORTH"):
        plot_enkf_band(filtered, "HB_NORTH")


def test_soc_plot(ledgers):
    fig = plot_soc(ledgers, soc_min_mwh=40.0, soc_max_mwh=360.0)
    _time_axes_ok(fig)
    ax = fig.axes[0]
    assert ax.get_ylabel() == "State of charge (MWh)"
    labels = {strategy_label(name) for name in ledgers}  # readable names in the legend
    strategy_lines = [line for line in ax.get_lines() if line.get_label() in labels]
    assert len(strategy_lines) == 3
    pf = next(line for line in strategy_lines if line.get_label() == "Perfect foresight (bound)")
    assert pf.get_linestyle() == "--"
    assert len(pf.get_xdata()) == 289  # interval boundaries
    assert pf.get_ydata()[0] == 200.0


def test_cumulative_profit(ledgers):
    fig = plot_cumulative_profit(ledgers)
    _time_axes_ok(fig)
    ax = fig.axes[0]
    assert "($)" in ax.get_ylabel()
    ppo = next(line for line in ax.get_lines() if line.get_label() == "PPO agent")
    assert ppo.get_ydata()[-1] == pytest.approx(ledgers["ppo_agent"]["profit_usd"].sum())


def test_strategy_revenue_bars(ledgers):
    summary = {
        name: {
            "revenue_usd": float(ledger["energy_cash_usd"].sum()),
            "degradation_cost_usd": float(ledger["degradation_usd"].sum()),
            "profit_usd": float(ledger["profit_usd"].sum()),
        }
        for name, ledger in ledgers.items()
    }
    fig = plot_strategy_revenue(summary)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Strategy" and "($)" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_xticklabels()] == [strategy_label(n) for n in strategy_styles(list(summary))]
    assert len(ax.patches) == 3 * 3
    with pytest.raises(PlotInputError):
        plot_strategy_revenue({})


def test_strategy_colours_are_stable_and_distinct():
    a = strategy_styles(["ppo_agent", "perfect_foresight", "percentile_threshold"])
    b = strategy_styles(["percentile_threshold", "ppo_agent", "perfect_foresight"])
    assert a == b
    assert len({s["color"] for s in a.values()}) == 3
    assert set(s["color"] for s in a.values()) <= {c.upper() for c in OKABE_ITO.values()} | set(OKABE_ITO.values())
