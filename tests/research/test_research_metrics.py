"""Day metrics: hand-computed values on constructed inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hayeknet.params import ResearchParams
from hayeknet.research.errors import ResearchInputError
from hayeknet.research.metrics import (
    assimilation_day_metrics,
    basis_metrics,
    dam_rt_metrics,
    day_metrics,
    metrics_by_name,
    price_metrics,
    soc_utilization,
    strategy_metrics,
)

SETTINGS = ResearchParams()
INDEX = pd.date_range("2025-10-02T05:00:00Z", periods=288, freq="5min", tz="UTC", name="interval_start_utc")


def test_price_metrics_on_a_ramp():
    series = pd.Series(np.arange(1.0, 289.0), index=INDEX, name="HB_WEST")
    m = metrics_by_name(price_metrics(series, SETTINGS))
    assert m["price.mean"] == pytest.approx(144.5)
    assert (m["price.min"], m["price.max"]) == (1.0, 288.0)
    assert m["spread.max_min"] == 287.0
    # top 48 intervals (241..288) minus bottom 48 (1..48)
    assert m["spread.top4h_bottom4h"] == pytest.approx(264.5 - 24.5)
    assert m["high_price.intervals"] == 188  # 101..288
    assert m["high_price.hours"] == pytest.approx(188 / 12)
    assert m["negative_price.intervals"] == 0
    assert m["spikes.episodes"] == 1
    assert m["volatility.price_change_std"] == pytest.approx(0.0)
    assert m["volatility.asinh_return_std"] > 0


def test_price_metrics_spiky_day(spiky_day):
    series = spiky_day.prices["HB_WEST"]
    m = metrics_by_name(price_metrics(series, SETTINGS))
    assert m["high_price.intervals"] == 6
    assert m["negative_price.intervals"] == 12
    assert m["negative_price.hours"] == pytest.approx(1.0)
    assert m["spikes.episodes"] == 1 and m["negative_price.episodes"] == 1
    assert m["price.max"] == 600.0 and m["price.min"] == -15.0


def test_basis_against_hub_average():
    prices = pd.DataFrame({"HB_HUBAVG": 30.0, "HB_WEST": 25.0, "NODE_A": 40.0}, index=INDEX)
    m = metrics_by_name(basis_metrics(prices, "HB_WEST"))
    assert m["basis.battery_mean"] == pytest.approx(-5.0)
    assert m["basis.abs_mean_across_locations"] == pytest.approx(7.5)
    assert m["basis.max_abs_across_locations"] == pytest.approx(10.0)
    assert m["basis.std_across_locations"] == pytest.approx(np.std([-5.0, 10.0], ddof=1))


def test_basis_without_hub_is_none():
    prices = pd.DataFrame({"NODE_A": 40.0}, index=INDEX)
    assert all(v is None for v in metrics_by_name(basis_metrics(prices, "NODE_A")).values())


def test_dam_rt_spread():
    prices = pd.DataFrame({"HB_WEST": 30.0}, index=INDEX)
    dam = pd.DataFrame({"HB_WEST": 42.0}, index=pd.date_range(INDEX[0], periods=24, freq="1h"))
    m = metrics_by_name(dam_rt_metrics(prices, dam, "HB_WEST"))
    assert m["dam_rt.spread_mean"] == pytest.approx(12.0)
    assert m["dam_rt.hours"] == 24
    empty = metrics_by_name(dam_rt_metrics(prices, pd.DataFrame(), "HB_WEST"))
    assert empty["dam_rt.spread_mean"] is None and empty["dam_rt.hours"] == 0


def test_enkf_metrics_from_known_errors():
    filtered = pd.DataFrame(
        {
            "interval_start_utc": INDEX[:4],
            "location": "HB_WEST",
            "observed": [10.0, 10.0, 10.0, 10.0],
            "mean": [7.0, 13.0, 6.0, 14.0],
            "spread": [2.0, 2.0, 2.0, 2.0],
            "innovation": [3.0, -3.0, 4.0, -4.0],
            "normalized_innovation": [1.0, -1.0, 5.0, -6.0],
        }
    )
    m = metrics_by_name(assimilation_day_metrics(filtered, "HB_WEST", {}, SETTINGS))
    assert m["enkf.rmse_battery"] == pytest.approx(np.sqrt((9 + 9 + 16 + 16) / 4))
    assert m["enkf.anomalies_battery"] == 2
    assert m["enkf.spread_to_rmse_battery"] == pytest.approx(2.0 / np.sqrt(12.5))
    fallback = metrics_by_name(assimilation_day_metrics(pd.DataFrame(), "HB_WEST", {"rmse": 3.5}, SETTINGS))
    assert fallback["enkf.rmse_all"] == 3.5 and fallback["enkf.rmse_battery"] is None


def test_soc_utilization_and_capture(spiky_day):
    usable = spiky_day.spec.usable_mwh
    ledger = spiky_day.ledgers["perfect_foresight"]
    soc = np.r_[ledger["soc_start_mwh"], ledger["soc_end_mwh"]]
    assert soc_utilization(ledger, usable) == pytest.approx((soc.max() - soc.min()) / usable)
    summary = {k: {kk: vv for kk, vv in v.items() if kk != "capture_ratio"} for k, v in spiky_day.summary.items()}
    m = metrics_by_name(strategy_metrics(summary, spiky_day.ledgers, usable))
    pf = summary["perfect_foresight"]["profit_usd"]
    assert m["strategy.ppo_agent.capture_ratio"] == pytest.approx(summary["ppo_agent"]["profit_usd"] / pf)
    assert m["strategy.perfect_foresight.capture_ratio"] == pytest.approx(1.0)


def test_strategy_metrics_reject_ledger_without_contract_column(spiky_day):
    bad = {"ppo_agent": spiky_day.ledgers["ppo_agent"].drop(columns="soc_end_mwh")}
    with pytest.raises(ResearchInputError, match=r"ppo_agent.*soc_end_mwh"):
        strategy_metrics({"ppo_agent": spiky_day.summary["ppo_agent"]}, bad, 320.0)


def test_day_metrics_has_at_least_twenty_unique_names(spiky_day):
    metrics = day_metrics(
        spiky_day.prices,
        "HB_WEST",
        SETTINGS,
        dam_prices=spiky_day.dam_prices,
        filtered=spiky_day.filtered,
        assimilation_metrics={},
        simulation_summary=spiky_day.summary,
        ledgers=spiky_day.ledgers,
        usable_mwh=spiky_day.spec.usable_mwh,
    )
    names = [m.name for m in metrics]
    assert len(names) == len(set(names)) >= 20
    assert all(m.unit for m in metrics)


def test_day_metrics_unknown_location(spiky_day):
    from hayeknet.archive.queries import PriceQueryError

    with pytest.raises(PriceQueryError, match="HB_NOWHERE"):
        day_metrics(
            spiky_day.prices,
            "HB_NOWHERE",
            SETTINGS,
            dam_prices=None,
            filtered=None,
            assimilation_metrics=None,
            simulation_summary={},
            ledgers={},
            usable_mwh=320.0,
        )


def test_dam_metrics_are_known_the_day_before(spiky_day):
    """H1's predictor comes from the DAM alone: changing the real-time prices leaves it unchanged."""
    from hayeknet.research.metrics import dam_metrics

    got = {m.name: m.value for m in dam_metrics(spiky_day.dam_prices, "HB_WEST")}
    dam = spiky_day.dam_prices["HB_WEST"].to_numpy()
    assert got["dam.price_change_std"] == pytest.approx(np.std(np.diff(dam), ddof=1))
    assert got["dam.max"] == pytest.approx(dam.max())
    top, bottom = np.sort(dam)[-4:].mean(), np.sort(dam)[:4].mean()
    assert got["dam.spread_top4h_bottom4h"] == pytest.approx(top - bottom)
    assert all(m.value is None for m in dam_metrics(None, "HB_WEST"))
