"""The day's battery value stated before the day (intrinsic + extrinsic) and scored after it (ADR 0021)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.battery.optimize import optimize_dispatch
from hayeknet.battery.spec import BatterySpec
from hayeknet.ercot.calendar import interval_starts_utc
from hayeknet.options.errors import OptionInputError
from hayeknet.options.montecarlo import strip_payoffs
from hayeknet.options.next_day import hourly_means, score_after_day, value_before_day

SPEC = BatterySpec()
DT = 1.0 / 12.0


def day_curve(day: str = "2025-10-01") -> tuple[pd.DatetimeIndex, np.ndarray]:
    """A day's 5-minute interval starts and a DAM curve held per hour (cheap night, dear evening), $/MWh."""
    starts = pd.DatetimeIndex(interval_starts_utc(pd.Timestamp(day).date(), 5))
    hour = np.asarray(starts.tz_convert("America/Chicago").hour)
    return starts, 30.0 + 25.0 * np.sin(2 * np.pi * (hour - 12) / 24)


def noisy_paths(dam: np.ndarray, scale: float, n: int = 400, seed: int = 3) -> np.ndarray:
    """Paths DAM + scale * z, z centred over the paths (so the sample mean is the DAM exactly)."""
    z = np.random.default_rng(seed).standard_normal((n, dam.size))
    z -= z.mean(axis=0, keepdims=True)
    return dam[None, :] + scale * z


def test_paths_that_equal_the_dam_have_no_extrinsic_value_and_a_point_interval() -> None:
    starts, dam = day_curve()
    value = value_before_day("2025-10-01", starts, dam, np.repeat(dam[None, :], 8, axis=0), SPEC, DT)
    lp = optimize_dispatch(dam, SPEC, DT)
    assert value.intrinsic_usd == pytest.approx(lp.profit_usd)
    assert value.intrinsic_usd > 0
    assert value.extrinsic_usd == pytest.approx(0.0, abs=1e-9)
    assert value.interval_usd[0] == pytest.approx(value.intrinsic_usd)
    assert value.interval_usd[1] == pytest.approx(value.intrinsic_usd)
    assert value.total_usd == pytest.approx(value.intrinsic_usd)
    # the blocks: charge in the cheap hours before the dear ones
    assert max(value.charge_hours) < min(value.discharge_hours)
    assert len(value.hour_starts_utc) == 24


@settings(max_examples=25, deadline=None)
@given(scale=st.floats(1.0, 200.0), seed=st.integers(0, 10_000))
def test_extrinsic_value_is_never_negative_and_grows_with_the_spread_of_the_paths(scale: float, seed: int) -> None:
    """Jensen: the strip is convex in the prices, so a mean-preserving spread of the paths never lowers it."""
    starts, dam = day_curve()
    narrow = value_before_day("d", starts, dam, noisy_paths(dam, scale, seed=seed), SPEC, DT)
    wide = value_before_day("d", starts, dam, noisy_paths(dam, 2.0 * scale, seed=seed), SPEC, DT)
    assert narrow.extrinsic_usd >= -1e-6
    assert wide.extrinsic_usd >= narrow.extrinsic_usd - 1e-6
    assert narrow.interval_usd[0] <= narrow.interval_usd[1]
    assert narrow.intrinsic_usd == pytest.approx(wide.intrinsic_usd)


def test_a_dst_day_values_its_25_hours() -> None:
    starts, dam = day_curve("2025-11-02")
    assert len(starts) == 300
    value = value_before_day("2025-11-02", starts, dam, noisy_paths(dam, 20.0), SPEC, DT)
    assert len(value.hour_starts_utc) == 25 and len(value.forward_usd_per_mwh) == 25


def test_hourly_means_average_each_utc_hour() -> None:
    starts, _ = day_curve()
    values = np.arange(len(starts), dtype=float)
    hourly, hours = hourly_means(values, starts)
    assert len(hours) == 24
    assert hourly[0] == pytest.approx(np.arange(12).mean())
    both, _ = hourly_means(np.vstack([values, 2 * values]), starts)
    np.testing.assert_allclose(both[1], 2 * hourly)


def test_the_score_uses_the_stated_blocks_on_the_realised_hourly_prices() -> None:
    starts, dam = day_curve()
    stated = value_before_day("2025-10-01", starts, dam, noisy_paths(dam, 30.0), SPEC, DT).to_dict()
    realised = dam + 5.0 * np.cos(np.arange(dam.size) / 7.0)
    prices = pd.Series(realised, index=starts)
    score = score_after_day(stated, prices, {"perfect_foresight": 9000.0, "dam_schedule": 4000.0})
    hourly, _ = hourly_means(realised, starts)
    strip, _ = strip_payoffs(
        hourly[None, :],
        tuple(stated["charge_hours"]),
        tuple(stated["discharge_hours"]),
        stated["round_trip_efficiency"],
        stated["cost_usd_per_mwh"],
        stated["mwh_per_pair"],
    )
    assert score["scored"]
    expected = stated["intrinsic_usd"] + strip[0] - stated["strip_forward_usd"]
    assert score["realised_value_usd"] == pytest.approx(expected)
    lo, hi = stated["interval_usd"]
    assert score["covered"] == (lo <= score["realised_value_usd"] <= hi)
    pf = score["against"]["perfect_foresight"]
    assert pf["stated_minus_realised_usd"] == pytest.approx(stated["total_usd"] - 9000.0)
    assert pf["realised_over_stated"] == pytest.approx(9000.0 / stated["total_usd"])


def test_a_spike_outside_the_interval_is_not_covered() -> None:
    """The claim can be wrong: an evening spike the paths never reached falls outside the stated interval."""
    starts, dam = day_curve()
    stated = value_before_day("2025-10-01", starts, dam, noisy_paths(dam, 5.0), SPEC, DT).to_dict()
    spiked = dam.copy()
    spiked[[int(h) * 12 + k for h in stated["discharge_hours"] for k in range(12)]] += 2000.0
    score = score_after_day(stated, pd.Series(spiked, index=starts), {})
    assert score["scored"] and not score["covered"]
    assert score["realised_value_usd"] > stated["interval_usd"][1]


def test_a_day_with_other_hours_or_gaps_is_not_scored() -> None:
    starts, dam = day_curve()
    stated = value_before_day("2025-10-01", starts, dam, noisy_paths(dam, 5.0), SPEC, DT).to_dict()
    short = pd.Series(dam[:-12], index=starts[:-12])
    assert score_after_day(stated, short, {})["scored"] is False
    gap = dam.copy()
    gap[40] = np.nan
    assert score_after_day(stated, pd.Series(gap, index=starts), {})["scored"] is False


def test_bad_inputs_are_refused_with_what_is_wrong() -> None:
    starts, dam = day_curve()
    with pytest.raises(OptionInputError, match="n_paths"):
        value_before_day("d", starts, dam, dam[None, :], SPEC, DT)
    with pytest.raises(OptionInputError, match="finite"):
        bad = np.repeat(dam[None, :], 5, axis=0)
        bad[2, 7] = np.inf
        value_before_day("d", starts, dam, bad, SPEC, DT)
    with pytest.raises(OptionInputError, match="level"):
        value_before_day("d", starts, dam, np.repeat(dam[None, :], 5, axis=0), SPEC, DT, level=1.0)


def test_the_study_summary_counts_coverage_with_a_wilson_interval() -> None:
    from hayeknet.options.next_day import summarise_scores, wilson_interval

    starts, dam = day_curve()
    stated = value_before_day("2025-10-01", starts, dam, noisy_paths(dam, 10.0), SPEC, DT).to_dict()
    calm = score_after_day(stated, pd.Series(dam, index=starts), {"perfect_foresight": 5000.0})
    spiked = dam.copy()
    spiked[[int(h) * 12 for h in stated["discharge_hours"]]] += 5000.0
    wild = score_after_day(stated, pd.Series(spiked, index=starts), {"perfect_foresight": 9000.0})
    assert calm["covered"] and not wild["covered"]
    days = [stated | {"after_day": calm}, stated | {"after_day": wild}, {"stated": False, "note": "no DAM"}]
    summary = summarise_scores(days)
    assert (summary["days_stated"], summary["days_scored"], summary["days_covered"]) == (2, 2, 1)
    assert summary["coverage"] == 0.5 and summary["level"] == 0.9
    assert summary["mean_realised_profit_usd"] == {"perfect_foresight": 7000.0}
    lo, hi = summary["coverage_ci95"]
    assert lo < 0.5 < hi
    assert wilson_interval(0, 10)[0] == pytest.approx(0.0) and wilson_interval(10, 10)[1] == pytest.approx(1.0)
    assert wilson_interval(55, 60)[0] > 0.8  # sixty days can tell a 90% interval from a 50% one
    assert summarise_scores([])["coverage"] is None


def test_the_summary_skips_a_profit_that_was_undefined() -> None:
    """A profit read back from strict JSON as null (undefined) does not enter the mean."""
    from hayeknet.options.next_day import summarise_scores

    starts, dam = day_curve()
    stated = value_before_day("2025-10-01", starts, dam, noisy_paths(dam, 10.0), SPEC, DT).to_dict()
    a = score_after_day(stated, pd.Series(dam, index=starts), {"storage_value": 100.0})
    b = score_after_day(stated, pd.Series(dam, index=starts), {"storage_value": 300.0})
    b["against"]["storage_value"]["profit_usd"] = None
    summary = summarise_scores([stated | {"after_day": a}, stated | {"after_day": b}])
    assert summary["mean_realised_profit_usd"] == {"storage_value": 100.0}


def test_a_julia_that_cannot_start_leaves_the_value_stated_by_numpy_with_the_reason(
    no_julia: None, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    exe = tmp_path / "bin" / "julia"
    exe.parent.mkdir()
    exe.write_text("#!/bin/sh\nexit 0\n")
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", str(exe.parent))
    starts, dam = day_curve()
    auto = value_before_day("d", starts, dam, noisy_paths(dam, 20.0), SPEC, DT, backend="auto").to_dict()
    plain = value_before_day("d", starts, dam, noisy_paths(dam, 20.0), SPEC, DT, backend="numpy").to_dict()
    assert auto["backend"] == "numpy" and "juliacall could not start it" in auto["backend_note"]
    assert plain["backend_note"] == ""
    assert {k: v for k, v in auto.items() if k != "backend_note"} == {
        k: v for k, v in plain.items() if k != "backend_note"
    }
