"""Price features: causal (no look-ahead), robustly scaled, matching plain numpy percentiles."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hayeknet.agents.features import (
    PRICE_FEATURE_NAMES,
    PRICE_LAGS,
    SCALE_FLOOR_USD_PER_MWH,
    Z_CLIP,
    _clamped_windows,
    _window_percentiles,
    price_features,
)

DT = 1.0 / 12.0
prices_st = arrays(np.float64, st.integers(2, 60), elements=st.floats(-250.0, 5000.0))


@settings(max_examples=60, deadline=None)
@given(day=prices_st, ref=st.one_of(st.none(), prices_st), data=st.data())
def test_features_are_causal(day: np.ndarray, ref: np.ndarray | None, data: st.DataObject) -> None:
    """Changing prices after interval t never changes the feature rows up to t."""
    t = data.draw(st.integers(0, day.size - 1))
    future = day.copy()
    future[t + 1 :] = data.draw(arrays(np.float64, day.size - t - 1, elements=st.floats(-250.0, 5000.0)))
    a = price_features(day, DT, ref)
    b = price_features(future, DT, ref)
    np.testing.assert_array_equal(a[: t + 1], b[: t + 1])
    assert a.shape == (day.size, len(PRICE_FEATURE_NAMES))
    assert np.all(np.abs(a) <= Z_CLIP)


@settings(max_examples=100, deadline=None)
@given(values=arrays(np.float64, st.integers(1, 40), elements=st.floats(-1e3, 1e3)), data=st.data())
def test_window_percentiles_match_numpy(values: np.ndarray, data: st.DataObject) -> None:
    m = values.size
    starts = np.array(data.draw(st.lists(st.integers(-5, m + 5), min_size=1, max_size=8)))
    widths = data.draw(st.lists(st.integers(-3, 12), min_size=starts.size, max_size=starts.size))
    stops = starts + np.array(widths)
    s, e = _clamped_windows(m, starts, stops)
    got = _window_percentiles(values, s, e, (10.0, 50.0, 90.0))
    for i in range(starts.size):
        assert 0 <= s[i] < e[i] <= m
        expected = np.percentile(values[s[i] : e[i]], [10.0, 50.0, 90.0])
        np.testing.assert_allclose(got[:, i], expected, atol=1e-9)


def test_reference_scaling_and_flags() -> None:
    ref = np.linspace(0.0, 100.0, 288)  # median 50, IQR 50
    day = np.full(288, 75.0)
    f = price_features(day, DT, ref)
    names = list(PRICE_FEATURE_NAMES)
    np.testing.assert_allclose(f[:, names.index("price_lag0_z")], 0.5)
    np.testing.assert_allclose(f[:, names.index("has_reference")], 1.0)
    np.testing.assert_allclose(f[:, names.index("reference_rank")], np.mean(ref <= 75.0))
    # the look-ahead windows of a rising reference day lie above the window at the current time
    later = f[:-80, names.index("reference_median_3h_6h_z")]
    assert np.all(later > f[:-80, names.index("reference_p50_now_z")])
    no_ref = price_features(day, DT, None)
    np.testing.assert_allclose(no_ref[:, names.index("has_reference")], 0.0)
    # flat day without reference: the floor keeps the scale finite and the scaled price at 0
    np.testing.assert_allclose(no_ref[:, : len(PRICE_LAGS)], 0.0)
    spike = day.copy()
    spike[10] = 75.0 + 2 * SCALE_FLOOR_USD_PER_MWH
    assert price_features(spike, DT, None)[10, 0] == pytest.approx(2.0)
