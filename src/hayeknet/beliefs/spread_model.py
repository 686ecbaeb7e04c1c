"""What the real-time price may do relative to the day-ahead price: an empirical, walk-forward spread model.

The real-time minus day-ahead spread (``rt - dam``, $/MWh, the DAM hourly
price held over the hour's intervals) is the part of tomorrow's real-time price
the DAM does not know. :class:`SpreadModel` is its conditional distribution for
the next interval given

* the local clock hour (America/Chicago) of the interval, and
* the bin of the previous interval's spread (the spread is persistent from one
  interval to the next: a real-time price above the DAM tends to stay above it),

stored as ``n_atoms`` equally likely atoms per (hour, bin) cell: the means of
``n_atoms`` consecutive slices of the sorted spreads of the cell, so each
cell's mean, and the weight of its tail, is the sample's (quantile points would
cut the rare spikes that carry much of a battery's profit). Cells with fewer
than ``n_atoms`` observations pool the neighbouring hours (+/-2 h), then all
hours of the bin; :attr:`SpreadModel.pooled_cells` counts them.

Walk-forward: the beliefs stage of day ``d`` extends the spread history of
the study day before with day ``d`` (:func:`extend_history`, file
:data:`SPREAD_HISTORY_FILE`), fits the model on it and writes it
(:data:`SPREAD_MODEL_FILE`); the strategies of day ``d + 1`` read that model,
so they decide with what was published before their day. Bin edges and atoms
are in $/MWh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hayeknet.ercot.calendar import ERCOT_TZ


class SpreadModelError(ValueError):
    """The spread model cannot be fitted or used as asked (the message says why)."""


SPREAD_HISTORY_FILE = "spread_history.parquet"
"""Per-interval RT and DAM prices at the battery location of the days the model may be fitted on."""
SPREAD_MODEL_FILE = "spread_model.json"
"""The fitted :class:`SpreadModel` (:meth:`SpreadModel.to_dict`)."""
HISTORY_COLUMNS = ("day", "interval_start_utc", "rt_usd_per_mwh", "dam_usd_per_mwh")

HOURS = 24
POOL_HOURS = 2
"""Half-width (hours) of the neighbourhood a thin cell pools before falling back to all hours of its bin."""


@dataclass(frozen=True, eq=False)
class SpreadDay:
    """One operating day on its native grid: interval starts (UTC), RT prices and DAM held on the grid ($/MWh)."""

    day: dt.date
    index: pd.DatetimeIndex
    rt_usd_per_mwh: np.ndarray
    dam_usd_per_mwh: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.index)
        if self.rt_usd_per_mwh.shape != (n,) or self.dam_usd_per_mwh.shape != (n,):
            raise SpreadModelError(f"spread day {self.day}: {n} intervals need {n} RT and {n} DAM prices")
        for what, values in (("RT", self.rt_usd_per_mwh), ("DAM", self.dam_usd_per_mwh)):
            bad = np.flatnonzero(~np.isfinite(values))
            if bad.size:
                raise SpreadModelError(f"spread day {self.day}: {what} price at interval {int(bad[0])} is missing")

    @property
    def spread(self) -> np.ndarray:
        """RT minus DAM per interval ($/MWh)."""
        return self.rt_usd_per_mwh - self.dam_usd_per_mwh

    @property
    def local_hour(self) -> np.ndarray:
        """Local clock hour (0-23, America/Chicago) of each interval start."""
        return np.asarray(self.index.tz_convert(ERCOT_TZ).hour, dtype=int)


@dataclass(frozen=True, eq=False)
class SpreadModel:
    """Spread of the next interval given its local hour and the previous interval's spread bin (module doc).

    ``edges`` (K - 1, increasing): bin edges of the previous spread; ``atoms``
    (24, K, n_atoms): equally likely spreads per (hour, bin); ``counts``
    (24, K): observations behind each cell before pooling; ``first_day`` and
    ``last_day``: the days fitted on; ``dt_hours``: their interval length.
    """

    edges: np.ndarray
    atoms: np.ndarray
    counts: np.ndarray
    first_day: dt.date
    last_day: dt.date
    n_days: int
    dt_hours: float

    @property
    def n_bins(self) -> int:
        return int(self.edges.size + 1)

    @property
    def n_atoms(self) -> int:
        return int(self.atoms.shape[2])

    @property
    def pooled_cells(self) -> int:
        """(hour, bin) cells too thin to stand alone, whose atoms pool neighbouring hours or all hours."""
        return int(np.sum(self.counts < self.n_atoms))

    def bin_of(self, spread: np.ndarray | float) -> np.ndarray:
        """Bin index (0..K-1) of each spread ($/MWh); a spread equal to an edge belongs to the bin above."""
        return np.searchsorted(self.edges, np.asarray(spread, dtype=float), side="right")

    def bin_bounds(self) -> np.ndarray:
        """(K + 1,) lower and upper spread of each bin, the outer ones infinite."""
        return np.concatenate([[-np.inf], self.edges, [np.inf]])

    def quantile(self, hour: int, previous_spread: float, q: float | Sequence[float]) -> np.ndarray:
        """Quantile(s) ``q`` (0..1) of the next interval's spread given its hour and the previous spread."""
        cell = self.atoms[int(hour), int(self.bin_of(previous_spread))]
        return np.quantile(cell, q)

    def sample_paths(
        self, hours: np.ndarray, previous_spread: float | None, n_paths: int, rng: np.random.Generator
    ) -> np.ndarray:
        """``(n_paths, len(hours))`` spread paths ($/MWh) simulated forward through the bins.

        Interval ``j`` draws an atom of ``(hours[j], bin of the spread before it)``;
        the first conditions on ``previous_spread`` (the last one published), or
        on a bin drawn uniformly when it is None.
        """
        hours = np.asarray(hours, dtype=int)
        paths = np.empty((n_paths, hours.size))
        if previous_spread is None or not np.isfinite(previous_spread):
            bins = rng.integers(0, self.n_bins, size=n_paths)
        else:
            bins = np.full(n_paths, int(self.bin_of(previous_spread)))
        for j, hour in enumerate(hours):
            draws = self.atoms[hour, bins, rng.integers(0, self.n_atoms, size=n_paths)]
            paths[:, j] = draws
            bins = self.bin_of(draws)
        return paths

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form (:func:`spread_model_from_dict` reads it back)."""
        return {
            **self.describe(),
            "dt_hours": self.dt_hours,
            "edges_usd_per_mwh": self.edges.tolist(),
            "atoms_usd_per_mwh": self.atoms.tolist(),
            "counts": self.counts.tolist(),
        }

    def describe(self) -> dict[str, object]:
        """Flat facts for a results file: window, size, bins, atoms, pooling."""
        return {
            "fitted_from": self.first_day.isoformat(),
            "fitted_through": self.last_day.isoformat(),
            "fitted_days": self.n_days,
            "spread_bins": self.n_bins,
            "atoms_per_cell": self.n_atoms,
            "pooled_cells": self.pooled_cells,
        }


def fit_spread_model(days: Sequence[SpreadDay], n_bins: int = 15, n_atoms: int = 50) -> SpreadModel:
    """Fit :class:`SpreadModel` on ``days`` (module doc).

    The previous spread of a day's first interval is the last spread of the
    day before when that day is in ``days`` (consecutive dates), else the
    interval is left out. Raises :class:`SpreadModelError` without days, with
    days of different interval lengths, or with fewer observations than cells.
    """
    if n_bins < 1 or n_atoms < 1:
        raise SpreadModelError(f"spread model needs n_bins >= 1 and n_atoms >= 1, got {n_bins}, {n_atoms}")
    ordered = sorted(days, key=lambda d: d.day)
    if not ordered:
        raise SpreadModelError("spread model needs at least one day of RT and DAM prices")
    steps = {round(_dt_hours(d), 9) for d in ordered}
    if len(steps) != 1:
        raise SpreadModelError(f"spread model needs one interval length, got {sorted(steps)} h")
    spreads, previous, hours = [], [], []
    last: tuple[dt.date, float] | None = None
    for d in ordered:
        s = d.spread
        before = last[1] if last is not None and (d.day - last[0]).days == 1 else np.nan
        spreads.append(s)
        previous.append(np.concatenate([[before], s[:-1]]))
        hours.append(d.local_hour)
        last = (d.day, float(s[-1]))
    spread, prev, hour = np.concatenate(spreads), np.concatenate(previous), np.concatenate(hours)
    keep = np.isfinite(prev)
    spread, prev, hour = spread[keep], prev[keep], hour[keep]
    if spread.size < n_bins * n_atoms:
        raise SpreadModelError(
            f"spread model with {n_bins} bins x {n_atoms} atoms needs at least {n_bins * n_atoms} intervals, "
            f"got {spread.size} from {len(ordered)} day(s)"
        )
    edges = np.unique(np.quantile(prev, np.linspace(0.0, 1.0, n_bins + 1)[1:-1]))
    bins = np.searchsorted(edges, prev, side="right")
    k = edges.size + 1
    atoms = np.empty((HOURS, k, n_atoms))
    counts = np.zeros((HOURS, k), dtype=int)
    hour_gap = np.abs(hour[:, None] - np.arange(HOURS)[None, :])
    near = np.minimum(hour_gap, HOURS - hour_gap) <= POOL_HOURS  # (n, 24): within +/-2 h on the clock
    for z in range(k):
        in_bin = bins == z
        for h in range(HOURS):
            cell = in_bin & (hour == h)
            counts[h, z] = int(cell.sum())
            if counts[h, z] < n_atoms:
                cell = in_bin & near[:, h]
            if cell.sum() < n_atoms:
                cell = in_bin
            if not cell.any():  # a bin no observation fell in (ties on an edge): the whole sample
                cell = np.ones_like(in_bin)
            atoms[h, z] = _slice_means(spread[cell], n_atoms)
    return SpreadModel(edges, atoms, counts, ordered[0].day, ordered[-1].day, len(ordered), float(steps.pop()))


def _slice_means(values: np.ndarray, n_atoms: int) -> np.ndarray:
    """Means of the sample over ``n_atoms`` equal slices of probability (their average is the sample mean).

    Atom ``k`` is ``n_atoms`` times the integral of the empirical quantile
    function over ``[k / n_atoms, (k + 1) / n_atoms)``: an observation on a
    slice boundary is shared between the two atoms in proportion.
    """
    ordered = np.sort(np.asarray(values, dtype=float))
    n = ordered.size
    cumulative = np.concatenate([[0.0], np.cumsum(ordered) / n])  # integral of the quantile function to i / n

    def integral(u: np.ndarray) -> np.ndarray:
        i = np.minimum((u * n).astype(int), n - 1)
        return cumulative[i] + ordered[i] * (u - i / n)

    edges = np.linspace(0.0, 1.0, n_atoms + 1)
    return np.diff(integral(edges)) * n_atoms


def _dt_hours(day: SpreadDay) -> float:
    if len(day.index) < 2:
        raise SpreadModelError(f"spread day {day.day}: needs at least two intervals")
    return float((day.index[1] - day.index[0]) / pd.Timedelta(hours=1))


def spread_model_from_dict(payload: dict[str, object], what: str = "spread model") -> SpreadModel:
    """The :class:`SpreadModel` of :meth:`SpreadModel.to_dict`; :class:`SpreadModelError` names what is wrong."""
    try:
        edges = np.asarray(payload["edges_usd_per_mwh"], dtype=float)
        atoms = np.asarray(payload["atoms_usd_per_mwh"], dtype=float)
        counts = np.asarray(payload["counts"], dtype=int)
        first = dt.date.fromisoformat(str(payload["fitted_from"]))
        last = dt.date.fromisoformat(str(payload["fitted_through"]))
        n_days, step = int(str(payload["fitted_days"])), float(str(payload["dt_hours"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise SpreadModelError(f"{what}: unreadable ({type(exc).__name__}: {exc})") from exc
    k = edges.size + 1
    if atoms.ndim != 3 or atoms.shape[:2] != (HOURS, k) or counts.shape != (HOURS, k):
        raise SpreadModelError(f"{what}: atoms {atoms.shape} / counts {counts.shape} do not match {k} bins x 24 hours")
    if not (np.all(np.isfinite(atoms)) and np.all(np.diff(edges) > 0)):
        raise SpreadModelError(f"{what}: atoms must be finite and edges strictly increasing")
    return SpreadModel(edges, atoms, counts, first, last, n_days, step)


def history_frame(days: Sequence[SpreadDay]) -> pd.DataFrame:
    """The days as a table of :data:`HISTORY_COLUMNS` (``day`` an ISO date, prices $/MWh), sorted."""
    frames = [
        pd.DataFrame(
            {
                "day": d.day.isoformat(),
                "interval_start_utc": d.index.tz_convert("UTC"),
                "rt_usd_per_mwh": d.rt_usd_per_mwh,
                "dam_usd_per_mwh": d.dam_usd_per_mwh,
            }
        )
        for d in sorted(days, key=lambda d: d.day)
    ]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in HISTORY_COLUMNS})
    return pd.concat(frames, ignore_index=True)


def days_from_history(frame: pd.DataFrame, what: str = "spread history") -> list[SpreadDay]:
    """The :class:`SpreadDay` s of a :func:`history_frame` table."""
    missing = [c for c in HISTORY_COLUMNS if c not in frame.columns]
    if missing:
        raise SpreadModelError(f"{what}: missing column(s) {missing} (field {missing[0]})")
    days = []
    for day, rows in frame.groupby("day", sort=True):
        index = pd.DatetimeIndex(rows["interval_start_utc"]).tz_convert("UTC")
        days.append(
            SpreadDay(
                dt.date.fromisoformat(str(day)),
                index,
                rows["rt_usd_per_mwh"].to_numpy(float),
                rows["dam_usd_per_mwh"].to_numpy(float),
            )
        )
    return days


def extend_history(previous: pd.DataFrame | None, day: SpreadDay, keep_days: int) -> tuple[pd.DataFrame, str]:
    """``previous`` (a :func:`history_frame`, or None) with ``day`` added (replacing an earlier copy of it),
    cut to the last ``keep_days`` days, and a note. Days of another interval length than ``day`` are
    dropped (the model needs one), and the note says so."""
    days = [d for d in days_from_history(previous)] if previous is not None and len(previous) else []
    days = [d for d in days if d.day != day.day]
    step = _dt_hours(day)
    kept = [d for d in days if abs(_dt_hours(d) - step) < 1e-9]
    note = ""
    if len(kept) < len(days):
        note = f"{len(days) - len(kept)} earlier day(s) of another interval length dropped; "
    kept = sorted([*kept, day], key=lambda d: d.day)[-keep_days:]
    return history_frame(kept), note + f"{len(kept)} day(s) from {kept[0].day} through {kept[-1].day}"
