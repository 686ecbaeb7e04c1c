"""The RT - DAM spread model: cells, bins, atoms that keep the mean, pooling, paths, files, history."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from hayeknet.beliefs.spread_model import (
    SpreadDay,
    SpreadModelError,
    days_from_history,
    extend_history,
    fit_spread_model,
    history_frame,
    spread_model_from_dict,
)
from hayeknet.ercot.calendar import interval_starts_utc

START = dt.date(2024, 4, 1)


def _day(day: dt.date, spread: np.ndarray, minutes: int = 60, dam_level: float = 30.0) -> SpreadDay:
    index = interval_starts_utc(day, minutes)
    dam = np.full(len(index), dam_level)
    return SpreadDay(day, index, dam + np.resize(spread, len(index)), dam)


def _ar_days(n_days: int, seed: int = 0, phi: float = 0.8, minutes: int = 60) -> list[SpreadDay]:
    """Spreads of an AR(1) with persistence ``phi`` carried across midnight."""
    rng = np.random.default_rng(seed)
    days, last = [], 0.0
    for i in range(n_days):
        day = START + dt.timedelta(days=i)
        n = len(interval_starts_utc(day, minutes))
        s = np.empty(n)
        for j in range(n):
            last = phi * last + rng.normal(0.0, 10.0)
            s[j] = last
        days.append(_day(day, s, minutes))
    return days


def test_atoms_keep_each_cell_mean_and_the_bins_split_the_previous_spread() -> None:
    days = _ar_days(60)
    model = fit_spread_model(days, n_bins=3, n_atoms=5)
    assert model.n_bins == 3 and model.atoms.shape == (24, 3, 5)
    spread = np.concatenate([d.spread for d in days])
    previous = np.concatenate([[np.nan], spread[:-1]])
    hour = np.concatenate([d.local_hour for d in days])
    bins = model.bin_of(previous[1:])
    for h, z in [(0, 0), (12, 1), (23, 2)]:
        cell = spread[1:][(hour[1:] == h) & (bins == z)]
        assert model.counts[h, z] == cell.size
        if cell.size >= 5:  # not pooled: the atoms are the means of five slices of the sorted cell
            assert model.atoms[h, z].mean() == pytest.approx(cell.mean(), rel=1e-9, abs=1e-9)
            assert np.all(np.diff(model.atoms[h, z]) >= 0)
    # persistence: after a high spread the next is higher on average than after a low one
    assert model.atoms[:, 2].mean() > model.atoms[:, 0].mean() + 5.0


def test_a_spread_on_an_edge_belongs_to_the_bin_above_and_quantiles_come_from_the_cell() -> None:
    model = fit_spread_model(_ar_days(30), n_bins=4, n_atoms=4)
    edge = float(model.edges[1])
    assert int(model.bin_of(edge)) == 2 and int(model.bin_of(np.nextafter(edge, -np.inf))) == 1
    q = model.quantile(5, edge, [0.0, 1.0])
    assert q[0] == pytest.approx(model.atoms[5, 2].min()) and q[1] == pytest.approx(model.atoms[5, 2].max())


def test_thin_cells_pool_neighbouring_hours_and_say_so() -> None:
    model = fit_spread_model(_ar_days(10), n_bins=5, n_atoms=20)  # 10 days: < 20 per (hour, bin) cell
    assert model.pooled_cells == 24 * 5
    assert np.all(np.isfinite(model.atoms))
    assert model.describe()["pooled_cells"] == 120


def test_too_little_history_and_mixed_interval_lengths_are_refused_by_name() -> None:
    with pytest.raises(SpreadModelError, match="needs at least 750 intervals"):
        fit_spread_model(_ar_days(3), n_bins=15, n_atoms=50)
    mixed = [*_ar_days(20), _day(START + dt.timedelta(days=30), np.zeros(96), minutes=15)]
    with pytest.raises(SpreadModelError, match="one interval length"):
        fit_spread_model(mixed, n_bins=2, n_atoms=2)
    with pytest.raises(SpreadModelError, match="at least one day"):
        fit_spread_model([], n_bins=2, n_atoms=2)
    index = interval_starts_utc(START, 60)
    with pytest.raises(SpreadModelError, match="DAM price at interval 3 is missing"):
        SpreadDay(START, index, np.zeros(24), np.where(np.arange(24) == 3, np.nan, 1.0))


def test_a_gap_between_days_drops_the_first_interval_after_it() -> None:
    days = _ar_days(30)
    gapped = days[:10] + days[11:]
    model = fit_spread_model(gapped, n_bins=2, n_atoms=2)
    assert int(model.counts.sum()) == 29 * 24 - 2  # the first interval overall and the one after the gap


def test_paths_follow_the_bins_and_start_from_the_last_published_spread() -> None:
    model = fit_spread_model(_ar_days(90, phi=0.95), n_bins=5, n_atoms=10)
    rng = np.random.default_rng(1)
    hours = np.arange(6)
    high = model.sample_paths(hours, float(model.atoms.max()), 2000, rng)
    low = model.sample_paths(hours, float(model.atoms.min()), 2000, rng)
    assert high.shape == (2000, 6)
    assert high[:, 0].mean() > low[:, 0].mean() + 20.0
    assert np.all(np.isin(high[:, 0], model.atoms[0, model.n_bins - 1]))  # drawn from the top bin's atoms
    unconditioned = model.sample_paths(hours, None, 10, rng)
    assert np.all(np.isfinite(unconditioned))


def test_the_model_survives_its_json_form_and_a_broken_file_is_named() -> None:
    model = fit_spread_model(_ar_days(40), n_bins=4, n_atoms=6)
    back = spread_model_from_dict(model.to_dict())
    np.testing.assert_array_equal(back.atoms, model.atoms)
    np.testing.assert_array_equal(back.edges, model.edges)
    assert (back.first_day, back.last_day, back.n_days, back.dt_hours) == (
        model.first_day,
        model.last_day,
        model.n_days,
        model.dt_hours,
    )
    broken = model.to_dict() | {"atoms_usd_per_mwh": [[1.0]]}
    with pytest.raises(SpreadModelError, match=r"beliefs/x/spread_model\.json: atoms"):
        spread_model_from_dict(broken, what="beliefs/x/spread_model.json")
    with pytest.raises(SpreadModelError, match="unreadable"):
        spread_model_from_dict({"edges_usd_per_mwh": []}, what="f")


def test_history_extends_walk_forward_replaces_a_day_and_keeps_the_last_days() -> None:
    days = _ar_days(5)
    frame, note = extend_history(None, days[0], keep_days=3)
    for d in days[1:]:
        frame, note = extend_history(frame, d, keep_days=3)
    back = days_from_history(frame)
    assert [d.day for d in back] == [d.day for d in days[-3:]]
    assert "3 day(s) from 2024-04-03 through 2024-04-05" in note
    again, _ = extend_history(frame, days[-1], keep_days=3)
    pd.testing.assert_frame_equal(again, frame)  # a re-run of the same day replaces it
    other = _day(START + dt.timedelta(days=9), np.zeros(96), minutes=15)
    switched, note = extend_history(frame, other, keep_days=3)
    assert "3 earlier day(s) of another interval length dropped" in note
    assert len(days_from_history(switched)) == 1
    assert history_frame([]).empty
    with pytest.raises(SpreadModelError, match="field rt_usd_per_mwh"):
        days_from_history(frame.drop(columns="rt_usd_per_mwh"))
