"""SCED today versus RTC+B: revenue identities, AS backing, a hand-computed day, archive extraction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.archive.queries import RTM_15MIN, as_prices
from hayeknet.battery.cooptimize import AS_DURATION_HOURS, UP_PRODUCTS, optimize_energy_and_as
from hayeknet.battery.errors import ScheduleInputError
from hayeknet.battery.ledger import validate_ledger
from hayeknet.battery.market_designs import (
    AS_PRODUCTS,
    MarketDataError,
    compare_market_designs,
    simulate_day_designs,
)
from hayeknet.battery.optimize import optimize_dispatch
from hayeknet.battery.spec import BatterySpec

SPEC = BatterySpec()
DAY_START = pd.Timestamp("2025-10-01 05:00", tz="UTC")
DT = 5.0 / 60.0


def _series(values: np.ndarray, freq: str) -> pd.Series:
    idx = pd.date_range(DAY_START, periods=len(values), freq=freq, tz="UTC")
    return pd.Series(np.asarray(values, dtype=float), index=idx)


def _as(prices: dict[str, np.ndarray], freq: str) -> pd.DataFrame:
    return pd.DataFrame({k: _series(v, freq) for k, v in prices.items()})


def test_hand_computed_regup_only_day() -> None:
    # Two hours of flat energy prices: no arbitrage pays (degradation), so each design
    # only sells Reg-Up. DAM pays $10/MW-h, real time $2/MW-h. 100 MW is the power
    # limit; its SOC need (100 MW x 0.5 h / 0.95 = 52.6 MWh) fits above the floor.
    rt = _series(np.full(24, 20.0), "5min")
    dam_as = _as({"REGUP": np.array([10.0, 10.0])}, "h")
    rt_as = _as({"REGUP": np.full(8, 2.0)}, "15min")
    result = compare_market_designs(rt, rt_as, dam_as, SPEC, dam_energy_prices_hourly=_series(np.full(2, 20.0), "h"))
    sced, rtcb = result.sced_today.revenue_by_stream(), result.rtc_b.revenue_by_stream()
    assert sced["REGUP"] == pytest.approx(100 * 10.0 * 2, abs=1e-6)  # $2,000
    assert rtcb["REGUP"] == pytest.approx(100 * 2.0 * 2, abs=1e-6)  # $400
    for streams in (sced, rtcb):
        assert streams["energy"] == pytest.approx(0.0, abs=1e-6)
        assert streams["degradation"] == pytest.approx(0.0, abs=1e-6)
    diff = result.difference_usd()
    assert diff["profit"] == pytest.approx(-1600.0, abs=1e-6)
    assert result.dam_energy_source == "DAM settlement point price"
    table = result.revenue_table()
    assert table.loc["REGUP", "difference"] == pytest.approx(-1600.0, abs=1e-6)


def test_sced_awards_hold_back_soc_in_real_time() -> None:
    # Day-ahead Non-Spin at a high price: 4 h duration needs SOC; the real-time energy
    # schedule must keep it even though a price spike would pay to empty the battery.
    rt_values = np.full(48, 30.0)
    rt_values[30:36] = 1000.0
    rt = _series(rt_values, "5min")
    dam_as = _as({"NSPIN": np.array([50.0, 50.0, 50.0, 50.0])}, "h")
    rt_as = _as({"NSPIN": np.zeros(16)}, "15min")
    result = compare_market_designs(rt, rt_as, dam_as, SPEC)
    awards = result.sced_today.awards_mw["NSPIN"].to_numpy()
    assert awards.max() > 0
    soc = np.concatenate(([SPEC.soc_initial_mwh], result.sced_today.ledger["soc_end_mwh"].to_numpy()))
    need = awards * AS_DURATION_HOURS["NSPIN"] / SPEC.discharge_efficiency
    assert np.all(soc[1:] - need >= SPEC.soc_min_mwh - 1e-6)
    assert np.all(soc[:-1] - need >= SPEC.soc_min_mwh - 1e-6)
    # Awards are hourly: constant within each hour.
    assert np.all(awards.reshape(4, 12) == awards.reshape(4, 12)[:, :1])
    # Without DAM energy prices the hourly mean of real time stands in (stated).
    assert "hourly mean" in result.dam_energy_source


def test_missing_prices_are_named() -> None:
    rt = _series(np.full(24, 20.0), "5min")
    dam_as = _as({"REGUP": np.array([10.0, 10.0])}, "h")
    rt_as = _as({"REGUP": np.full(7, 2.0)}, "15min")  # last quarter hour missing
    with pytest.raises(MarketDataError, match=r"REGUP.*15min period starting 2025-10-01T06:45"):
        compare_market_designs(rt, rt_as, dam_as, SPEC)
    with pytest.raises(MarketDataError, match="unknown AS product"):
        compare_market_designs(rt, _as({"FRRS": np.ones(8)}, "15min"), dam_as, SPEC)
    with pytest.raises(MarketDataError, match="not covered"):
        compare_market_designs(rt.iloc[:20], rt_as, dam_as, SPEC)


def test_fixed_awards_are_kept_and_backed() -> None:
    rng = np.random.default_rng(5)
    p = 30 + 20 * np.sin(np.linspace(0, 2 * np.pi, 24)) + rng.normal(0, 5, 24)
    pi = {k: rng.uniform(0, 15, 24) for k in AS_DURATION_HOURS}
    free = optimize_energy_and_as(p, pi, SPEC, 1.0)
    fixed = optimize_energy_and_as(p, pi, SPEC, 1.0, fixed_awards_mw={k: v * 0.5 for k, v in free.awards_mw.items()})
    for k in AS_DURATION_HOURS:
        np.testing.assert_allclose(fixed.awards_mw[k], free.awards_mw[k] * 0.5)
    refit = optimize_energy_and_as(p, pi, SPEC, 1.0, fixed_awards_mw=free.awards_mw)
    assert refit.dispatch.profit_usd == pytest.approx(free.dispatch.profit_usd, rel=1e-7, abs=1e-4)
    with pytest.raises(ScheduleInputError):
        optimize_energy_and_as(p, {"REGUP": pi["REGUP"]}, SPEC, 1.0, fixed_awards_mw={"RRS": np.zeros(24)})


energy = st.floats(-250.0, 600.0, allow_nan=False)
capacity = st.floats(0.0, 60.0, allow_nan=False)


@settings(max_examples=20, deadline=None)
@given(
    hours=st.integers(1, 3),
    data=st.data(),
)
def test_design_identities_and_backing(hours: int, data: st.DataObject) -> None:
    n = 12 * hours
    rt = _series(np.array(data.draw(st.lists(energy, min_size=n, max_size=n))), "5min")
    rt_products = data.draw(st.sets(st.sampled_from(AS_PRODUCTS), min_size=1))
    dam_products = data.draw(st.sets(st.sampled_from(AS_PRODUCTS), min_size=1))
    rt_as = _as(
        {k: np.array(data.draw(st.lists(capacity, min_size=4 * hours, max_size=4 * hours))) for k in rt_products},
        "15min",
    )
    dam_as = _as(
        {k: np.array(data.draw(st.lists(capacity, min_size=hours, max_size=hours))) for k in dam_products}, "h"
    )
    dam_energy = _series(np.array(data.draw(st.lists(energy, min_size=hours, max_size=hours))), "h")
    result = compare_market_designs(rt, rt_as, dam_as, SPEC, dam_energy_prices_hourly=dam_energy)
    for outcome, paid_as, freq in ((result.sced_today, dam_as, "h"), (result.rtc_b, rt_as, "15min")):
        ledger = outcome.ledger
        validate_ledger(ledger)
        s = outcome.revenue_by_stream()
        # Revenue identities.
        assert s["revenue"] == pytest.approx(s["energy"] + s["as_total"], abs=1e-6)
        assert s["as_total"] == pytest.approx(sum(s[k] for k in AS_PRODUCTS), abs=1e-6)
        assert s["profit"] == pytest.approx(s["revenue"] - s["degradation"], abs=1e-6)
        assert s["profit"] == pytest.approx(ledger["profit_usd"].sum(), abs=1e-6)
        for k in AS_PRODUCTS:
            paid = paid_as[k].reindex(ledger["interval_start_utc"].dt.floor(freq)).to_numpy() if k in paid_as else 0
            assert s[k] == pytest.approx(float(np.sum(paid * outcome.awards_mw[k].to_numpy() * DT)), abs=1e-6)
        # Physics: SOC window, no simultaneous action, energy balance, cyclic day.
        c, d = ledger["charge_mw"].to_numpy(), ledger["discharge_mw"].to_numpy()
        soc = np.concatenate(([SPEC.soc_initial_mwh], ledger["soc_end_mwh"].to_numpy()))
        assert not np.any((c > 1e-7) & (d > 1e-7))
        assert soc[-1] == pytest.approx(SPEC.soc_initial_mwh, abs=1e-5)
        assert soc[-1] - soc[0] == pytest.approx((0.95 * c.sum() - d.sum() / 0.95) * DT, abs=1e-6)
        # Every award is backed by SOC per the NPRR1282 durations, at both ends of each interval.
        awards = outcome.awards_mw
        up_mw = sum(awards[k].to_numpy() for k in UP_PRODUCTS)
        up_mwh = sum(awards[k].to_numpy() * AS_DURATION_HOURS[k] for k in UP_PRODUCTS) / SPEC.discharge_efficiency
        dn_mwh = awards["REGDN"].to_numpy() * AS_DURATION_HOURS["REGDN"] * SPEC.charge_efficiency
        tol = 1e-6
        for s_edge in (soc[:-1], soc[1:]):
            assert np.all(s_edge - up_mwh >= SPEC.soc_min_mwh - tol)
            assert np.all(s_edge + dn_mwh <= SPEC.soc_max_mwh + tol)
        assert np.all(d + up_mw <= SPEC.power_mw + tol)
        assert np.all(c + awards["REGDN"].to_numpy() <= SPEC.power_mw + tol)
    # SCED awards are hourly; the difference is RTC+B minus SCED stream by stream.
    sced_awards = result.sced_today.awards_mw.to_numpy().reshape(hours, 12, -1)
    assert np.all(sced_awards == sced_awards[:, :1, :])
    diff = result.difference_usd()
    for k, v in result.rtc_b.revenue_by_stream().items():
        assert diff[k] == pytest.approx(v - result.sced_today.revenue_by_stream()[k], abs=1e-9)
    # RTC+B may always decline AS: it is never below the energy-only perfect-foresight profit.
    energy_only = optimize_dispatch(rt.to_numpy(), SPEC, DT).profit_usd
    assert result.rtc_b.summary.profit_usd >= energy_only - 1e-5


@pytest.fixture(scope="module")
def synthetic_day_table(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    from hayeknet.archive.ingest import ingest_day
    from hayeknet.archive.store import read_day
    from hayeknet.ercot.locations import default_catalogue
    from hayeknet.ercot.synthetic import write_synthetic_day

    root: Path = tmp_path_factory.mktemp("designs")
    write_synthetic_day("2025-10-02", root / "raw", default_catalogue(0), seed=11)
    ingest_day(root / "raw", "2025-10-02", root / "archive")
    return read_day(root / "archive", "2025-10-02")


def test_simulate_day_designs_on_an_archived_day(synthetic_day_table: pd.DataFrame) -> None:
    rt_as = as_prices(synthetic_day_table, RTM_15MIN)
    assert set(rt_as.columns) == set(AS_PRODUCTS) and len(rt_as) == 96
    summary, ledgers = simulate_day_designs(synthetic_day_table, SPEC)
    assert summary["available"] is True and summary["location"] == "HB_WEST"
    assert set(ledgers) == {"sced_today", "rtc_b"}
    for name, ledger in ledgers.items():
        validate_ledger(ledger)
        assert len(ledger) == 288
        assert summary[name]["revenue_by_stream_usd"]["profit"] == pytest.approx(ledger["profit_usd"].sum())
    assert summary["difference_usd"]["profit"] == pytest.approx(
        summary["rtc_b"]["totals"]["profit_usd"] - summary["sced_today"]["totals"]["profit_usd"]
    )


def test_simulate_day_designs_without_rtcb_prices(synthetic_day_table: pd.DataFrame) -> None:
    before_rtcb = synthetic_day_table[synthetic_day_table["report"] != "NP6-331-CD"]
    summary, ledgers = simulate_day_designs(before_rtcb, SPEC)
    assert summary["available"] is False and "NP6-331-CD" in summary["reason"] and ledgers == {}
    summary, ledgers = simulate_day_designs(synthetic_day_table, BatterySpec(location="NOWHERE"))
    assert summary["available"] is False and "NOWHERE" in summary["reason"]
