"""Spike and negative-price episodes, EnKF outliers, regime rules."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.params import ResearchParams
from hayeknet.research.errors import ResearchInputError
from hayeknet.research.insights import (
    classify_regime,
    find_episodes,
    innovation_outliers,
    negative_price_episodes,
    spike_episodes,
)

SETTINGS = ResearchParams(high_price_usd_per_mwh=100.0, negative_price_usd_per_mwh=0.0)


def _series(values, start="2025-10-02T05:00:00Z"):
    index = pd.date_range(start, periods=len(values), freq="5min", tz="UTC")
    return pd.Series(np.asarray(values, dtype=float), index=index, name="HB_WEST")


def test_consecutive_intervals_form_one_episode_and_gaps_split():
    s = _series([10, 150, 200, 10, 120, 10])
    episodes = spike_episodes(s, SETTINGS, "HB_WEST")
    assert [e.n_intervals for e in episodes] == [2, 1]
    first = episodes[0]
    assert first.extreme_price_usd_per_mwh == 200.0
    assert first.mean_price_usd_per_mwh == 175.0
    assert first.start_utc == s.index[1]
    assert first.end_utc == s.index[3]  # end of the last spike interval
    assert first.duration_hours == pytest.approx(10 / 60)


def test_missing_interval_ends_an_episode():
    s = _series([150, 150, 150, 10, 10, 10]).drop(pd.Timestamp("2025-10-02T05:05:00Z"))
    episodes = find_episodes(s, s.to_numpy() > 100, kind="spike", location="HB_WEST")
    assert [e.n_intervals for e in episodes] == [1, 1]


def test_spiky_day_has_one_spike_and_one_negative_episode(spiky_day):
    s = spiky_day.prices["HB_WEST"]
    (spike,) = spike_episodes(s, SETTINGS, "HB_WEST")
    (neg,) = negative_price_episodes(s, SETTINGS, "HB_WEST")
    assert spike.n_intervals == 6 and spike.extreme_price_usd_per_mwh == 600.0
    assert spike.start_utc.tz_convert("America/Chicago").hour == 17
    assert neg.n_intervals == 12 and neg.extreme_price_usd_per_mwh == -15.0
    assert neg.to_dict()["start_utc"] == "2025-10-02T08:00:00Z"  # 03:00 CDT


def test_calm_day_has_no_episodes(calm_day):
    s = calm_day.prices["HB_WEST"]
    assert spike_episodes(s, SETTINGS, "HB_WEST") == []
    assert negative_price_episodes(s, SETTINGS, "HB_WEST") == []


def test_innovation_outliers_are_sorted_by_magnitude(spiky_day):
    outliers = innovation_outliers(spiky_day.filtered, 4.0)
    z = [abs(o.normalized_innovation) for o in outliers]
    assert z == sorted(z, reverse=True)
    assert all(v > 4.0 for v in z)
    expected = int((spiky_day.filtered["normalized_innovation"].abs() > 4.0).sum())
    assert len(outliers) == expected > 0


def test_outliers_need_contract_columns(spiky_day):
    with pytest.raises(ResearchInputError, match="normalized_innovation"):
        innovation_outliers(spiky_day.filtered.drop(columns="normalized_innovation"))


def test_regime_calm_volatile_scarcity(day_factory, calm_day, spiky_day):
    assert classify_regime(calm_day.prices["HB_WEST"], SETTINGS).label == "calm"
    volatile = classify_regime(spiky_day.prices["HB_WEST"], SETTINGS)
    assert volatile.label == "volatile"
    assert any("spike" in r for r in volatile.reasons)
    cap = day_factory(dt.date(2025, 10, 3), seed=3, spike_price=3000.0)
    assert classify_regime(cap.prices["HB_WEST"], SETTINGS).label == "scarcity"
    long_high = day_factory(dt.date(2025, 10, 3), seed=3, spike_price=150.0, spike_hours=(15.0, 17.0))
    regime = classify_regime(long_high.prices["HB_WEST"], SETTINGS)
    assert regime.label == "scarcity"
    assert regime.evidence["hours_above_high_price"] == pytest.approx(2.0)


def test_regime_threshold_follows_settings(spiky_day):
    loose = ResearchParams(high_price_usd_per_mwh=1000.0, negative_price_usd_per_mwh=-100.0, volatile_return_std=5.0)
    assert classify_regime(spiky_day.prices["HB_WEST"], loose).label == "calm"


def test_settings_are_the_params_section():
    from hayeknet.params import ParamsError, params_from_mapping

    raw = {
        "study": {"start": "2025-10-01", "end": "2025-10-02"},
        "research": {"high_price_usd_per_mwh": 250, "negative_price_usd_per_mwh": -5},
    }
    s = params_from_mapping(raw).research
    assert (s.high_price_usd_per_mwh, s.negative_price_usd_per_mwh) == (250.0, -5.0)
    with pytest.raises(ParamsError, match="negative_price_usd_per_mwh must be below"):
        ResearchParams(high_price_usd_per_mwh=0.0, negative_price_usd_per_mwh=10.0)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-50, 300, allow_nan=False), min_size=1, max_size=120))
def test_episodes_partition_the_qualifying_intervals(values):
    s = _series(values)
    mask = s.to_numpy() > 100.0
    episodes = find_episodes(s, mask, kind="spike", location="HB_WEST")
    assert sum(e.n_intervals for e in episodes) == int(mask.sum())
    for a, b in itertools.pairwise(episodes):
        assert a.end_utc < b.start_utc  # disjoint, separated by at least one interval
    for e in episodes:
        inside = s[(s.index >= e.start_utc) & (s.index < e.end_utc)]
        assert (inside > 100.0).all() and e.extreme_price_usd_per_mwh == inside.max()


def test_dst_fall_back_day_has_300_intervals(day_factory):
    d = day_factory(dt.date(2025, 11, 2), seed=4, negative_price=-5.0, negative_hours=(1.0, 2.0))
    assert len(d.prices) == 300
    (neg,) = negative_price_episodes(d.prices["HB_WEST"], SETTINGS, "HB_WEST")
    # 01:00-02:00 local occurs twice on the fall-back day: 24 intervals, one run
    assert neg.n_intervals == 24 and neg.duration_hours == pytest.approx(2.0)


def test_congestion_events_follow_the_basis_to_the_hub() -> None:
    import numpy as np
    import pandas as pd

    from hayeknet.research.insights import congestion_events

    index = pd.date_range("2025-10-02 05:00", periods=288, freq="5min", tz="UTC")
    hub = pd.Series(30.0, index=index)
    node = hub.copy()
    node.iloc[100:112] = hub.iloc[100:112] - 25.0  # one hour of export congestion
    node.iloc[200:203] = hub.iloc[200:203] + 12.0  # 15 minutes of import congestion
    prices = pd.DataFrame({"HB_HUBAVG": hub, "HB_WEST": hub + 50.0, "WIND_RN": node})
    events = congestion_events(prices, 10.0)
    assert [e.location for e in events] == ["WIND_RN", "WIND_RN"], "hubs are not congestion events"
    longest, short = events
    assert longest.n_intervals == 12 and np.isclose(longest.extreme_price_usd_per_mwh, -25.0)
    assert short.n_intervals == 3 and np.isclose(short.mean_price_usd_per_mwh, 12.0)
    assert congestion_events(prices, 30.0) == []
