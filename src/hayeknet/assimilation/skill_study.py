"""The EnKF forecast-skill study of issue 13: tables a notebook or report can call (no script).

* :func:`synthetic_days` runs the filter as the assimilate stage does on
  synthetic days (the generator's 5-minute LMPs of the default catalogue, the
  synthetic grid's zones and 2-hop localization, the generator's DAM);
* :func:`real_hub_days` runs it on real ERCOT days of one settlement point
  (``../shared/real/hb_hubavg_2024``: NP6-905-CD 15-minute SPPs at HB_HUBAVG,
  one location, no network) with the real DAM (NP4-190-CD) as reference;
* :func:`skill_table` pools each window's forecast pairs over its days and
  reports RMSEs ($/MWh), skill scores with a 95% bootstrap interval over days
  (days resampled, never intervals: a day's errors are autocorrelated), the
  share of days on which the EnKF beats the reference, and spread/RMSE;
* :func:`withheld_node_errors` is the gap experiment of ADR 0006 (one node's
  prices withheld for hours, its filtered mean and spread against the truth);
* :func:`tuning_score` is the criterion that sized the price model's shared
  shock noise on real 2024-01..06 (ADR 0006, Addendums 3 and 4).

Real 2025+ prices are never used here (the hold-out rule of ``../shared/real/SOURCES.md``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hayeknet.assimilation import skill
from hayeknet.assimilation.price_model import AssimilationResult, PriceModelSpec, assimilate_day
from hayeknet.params import AssimilationParams

STUDY_SEED = 20251001
"""The study seed of params.yaml: the synthetic days the pipeline archives."""
DEFAULT_WINDOW = ("2025-10-01", "2025-10-03")
"""The default (test) window of the pipeline; never tuned on."""
TUNING_DAYS = tuple(f"2025-09-{d:02d}" for d in range(1, 31, 3))
"""Synthetic tuning days: every third day of September 2025 (10 days, before the default window)."""
REAL_EVALUATION_WINDOW = ("2024-07-01", "2024-08-31")
"""Real 2024 HB_HUBAVG days the forecast skill is reported on (nothing is tuned on real data)."""
RADIUS_HOPS = 2.0
WITHHELD_NODES = ("ALVIN_RN", "LZ_AEN", "HB_HOUSTON")  # a West resource node, a small load zone, a trading hub
WITHHELD_GAP = slice(150, 222)  # 6 hours of 5-minute intervals, 12:30-18:30 local (CDT)


def stage_params(seed: int = 7) -> AssimilationParams:
    """The assimilation section of params.yaml (N = 40, inflation 1.02, obs error 2 $/MWh, seed 7), NumPy."""
    return AssimilationParams(backend="numpy", ensemble_size=40, inflation=1.02, obs_error_usd_per_mwh=2.0, seed=seed)


@dataclass(frozen=True)
class DayRun:
    """One day's filter run and the DAM price of each of its intervals (``(T, L)``, NaN where none)."""

    day: str
    result: AssimilationResult
    dam_on_grid: np.ndarray

    @property
    def forecasts(self) -> skill.DayForecasts:
        assert self.result.forecasts is not None
        return self.result.forecasts


def _days(start: str, end: str) -> list[str]:
    lo, hi = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return [(lo + dt.timedelta(days=k)).isoformat() for k in range((hi - lo).days + 1)]


@functools.lru_cache(maxsize=32)
def _synthetic_frames(day: str, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    from hayeknet.ercot.locations import default_catalogue
    from hayeknet.ercot.synthetic import synthetic_prices

    sd = synthetic_prices(day, default_catalogue(), seed)
    lmp = sd.lmp_frame()
    lmp.index = pd.DatetimeIndex(lmp.index).as_unit("ns").rename("interval_start_utc")
    lmp.columns = pd.Index(lmp.columns, name="location")
    dam = pd.DataFrame(sd.dam, index=pd.DatetimeIndex(sd.starts_hour).as_unit("ns"), columns=sd.names)
    return lmp, dam


def synthetic_inputs(day: str, seed: int = STUDY_SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(5-minute LMPs, hourly DAM)`` of a synthetic day of the default catalogue (wide, UTC index, $/MWh):
    the generator's prices, which the archive of a synthetic study holds (fresh copies)."""
    lmp, dam = _synthetic_frames(day, seed)
    return lmp.copy(), dam.copy()


def _network(names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    from hayeknet.assimilation.price_model import grid_zone_loadings
    from hayeknet.constraints.grid import build_grid

    grid = build_grid()
    return grid_zone_loadings(names, grid), grid.distance_matrix(names)


def run_synthetic_day(
    day: str,
    spec: PriceModelSpec | None = None,
    *,
    seed: int = STUDY_SEED,
    params: AssimilationParams | None = None,
    withhold: tuple[str, slice] | None = None,
) -> DayRun:
    """The assimilate stage's filter on a synthetic day (zones, 2-hop localization, DAM reference).

    ``withhold=(node, gap)`` blanks the node's prices over the gap (the truth is
    still the generator's price: see :func:`withheld_node_errors`).
    """
    lmp, dam = synthetic_inputs(day, seed)
    if withhold is not None:
        node, gap = withhold
        lmp = lmp.copy()
        lmp.iloc[gap, lmp.columns.get_loc(node)] = np.nan
    zones, distance = _network(list(lmp.columns))
    result = assimilate_day(
        lmp,
        params or stage_params(),
        model=spec,
        zones=zones,
        distance=distance,
        localization_radius=RADIUS_HOPS,
        dam_prices=dam,
    )
    return DayRun(day, result, skill.reference_on_grid(dam, lmp.index, list(lmp.columns)))


def synthetic_days(start: str, end: str, spec: PriceModelSpec | None = None, *, seed: int = STUDY_SEED) -> list[DayRun]:
    """:func:`run_synthetic_day` for every day ``start``..``end`` (inclusive)."""
    return [run_synthetic_day(d, spec, seed=seed) for d in _days(start, end)]


def real_hub_days(
    folder: Path | str,
    start: str,
    end: str,
    spec: PriceModelSpec | None = None,
    *,
    location: str = "HB_HUBAVG",
    params: AssimilationParams | None = None,
) -> list[DayRun]:
    """The filter on real days of one settlement point: its 15-minute SPPs alone (one location, no network),
    the day's hourly DAM as reference. Days from 2025 on are refused (held out)."""
    from hayeknet.ercot.calendar import interval_starts_utc
    from hayeknet.ercot.synthetic_calibration import load_real_hub_days

    if dt.date.fromisoformat(end) >= dt.date(2025, 1, 1):
        raise ValueError("real prices from 2025 on are held out (../shared/real/SOURCES.md)")
    hub = load_real_hub_days(folder, start, end, location=location)
    runs = []
    for i, day in enumerate(hub.days):
        index = pd.DatetimeIndex(interval_starts_utc(day, 15)).as_unit("ns").rename("interval_start_utc")
        rt = pd.DataFrame({location: hub.rt[i]}, index=index)
        rt.columns.name = "location"
        dam = pd.DataFrame({location: hub.dam[i]}, index=pd.DatetimeIndex(interval_starts_utc(day, 60)))
        result = assimilate_day(rt, params or stage_params(), model=spec, dam_prices=dam)
        runs.append(DayRun(day.isoformat(), result, skill.reference_on_grid(dam, index, [location])))
    return runs


def _column_indices(run: DayRun, locations: Sequence[str] | None) -> list[int] | None:
    if locations is None:
        return None
    names = run.forecasts.locations
    return [names.index(name) for name in locations if name in names]


def day_pairs(runs: Sequence[DayRun], label: str, locations: Sequence[str] | None = None) -> list[skill.PairedErrors]:
    """Per day, the forecast pairs of horizon ``label`` (all locations, or ``locations``)."""
    return [skill.paired_errors(r.forecasts, label, r.dam_on_grid, _column_indices(r, locations)) for r in runs]


def _pool(pairs: Sequence[skill.PairedErrors]) -> skill.PairedErrors:
    out = pairs[0]
    for p in pairs[1:]:
        out = out.concat(p)
    return out


def _sums(pairs: Sequence[skill.PairedErrors]) -> np.ndarray:
    """Per day: sums of squared errors of the EnKF, persistence, the EnKF where the DAM is, the DAM, and counts."""
    rows = []
    for p in pairs:
        dam = np.isfinite(p.dam)
        e = p.observed - p.forecast
        rows.append(
            [
                np.sum(e**2),
                np.sum((p.observed - p.persistence) ** 2),
                np.sum(e[dam] ** 2),
                np.sum((p.observed[dam] - p.dam[dam]) ** 2),
                p.n,
                int(dam.sum()),
            ]
        )
    return np.asarray(rows, dtype=float)


def _skills(sums: np.ndarray) -> tuple[float, float]:
    total = sums.sum(axis=0)
    vs_p = 1.0 - np.sqrt(total[0] / total[1]) if total[1] > 0 else np.nan
    vs_d = 1.0 - np.sqrt(total[2] / total[3]) if total[3] > 0 else np.nan
    return float(vs_p), float(vs_d)


def window_skill(
    runs: Sequence[DayRun],
    label: str,
    locations: Sequence[str] | None = None,
    *,
    n_boot: int = 2000,
    seed: int = 0,
) -> dict[str, Any]:
    """Skill of horizon ``label`` pooled over the days of ``runs``, with 95% day-bootstrap intervals, the
    median day's skill and the number of days on which the EnKF is better (a pooled RMSE is decided by the
    few spike days; the day counts say what happens on the others)."""
    pairs = day_pairs(runs, label, locations)
    pooled = skill.scores(_pool(pairs), label)
    sums = _sums(pairs)
    rng = np.random.default_rng(seed)
    boot = np.array([_skills(sums[rng.integers(0, len(sums), len(sums))]) for _ in range(n_boot)])
    daily = np.array([_skills(sums[[k]]) for k in range(len(sums))])
    with np.errstate(invalid="ignore"):
        return {
            "days": len(runs),
            "n": pooled[f"n_forecasts_{label}"],
            "rmse_enkf": pooled[f"rmse_forecast_{label}_usd_per_mwh"],
            "rmse_persistence": pooled[f"rmse_persistence_{label}_usd_per_mwh"],
            "rmse_dam": pooled[f"rmse_dam_{label}_usd_per_mwh"],
            "skill_vs_persistence": pooled[f"skill_vs_persistence_{label}"],
            "skill_vs_persistence_ci": tuple(np.nanquantile(boot[:, 0], [0.025, 0.975]).tolist()),
            "days_beating_persistence": int(np.sum(daily[:, 0] > 0)),
            "median_day_skill_vs_persistence": float(np.nanmedian(daily[:, 0])),
            "skill_vs_dam": pooled[f"skill_vs_dam_{label}"],
            "skill_vs_dam_ci": tuple(np.nanquantile(boot[:, 1], [0.025, 0.975]).tolist()),
            "days_beating_dam": int(np.sum(daily[:, 1] > 0)),
            "median_day_skill_vs_dam": float(np.nanmedian(daily[:, 1])) if np.isfinite(daily[:, 1]).any() else None,
            "spread_skill_ratio": pooled[f"spread_skill_ratio_{label}"],
            "log_score": pooled[f"log_score_{label}"],
            "crps_z": pooled[f"crps_z_{label}"],
        }


def skill_table(
    windows: Mapping[str, Sequence[DayRun]],
    locations: Mapping[str, Sequence[str] | None] | None = None,
    *,
    n_boot: int = 2000,
) -> pd.DataFrame:
    """One row per window and horizon: RMSEs ($/MWh) of the EnKF, persistence and the DAM, skill scores
    with 95% day-bootstrap intervals, days on which the EnKF is better, spread/RMSE. ``locations`` per window
    restricts the pooling (default: every location of the window)."""
    rows = []
    for name, runs in windows.items():
        where = (locations or {}).get(name)
        for label, words in (("1step", "1 step"), ("1h", "1 hour")):
            step = runs[0].forecasts.interval_minutes
            row = window_skill(runs, label, where, n_boot=n_boot)
            rows.append({"window": name, "horizon": f"{words} ({step if label == '1step' else 60} min)", **row})
    return pd.DataFrame(rows).set_index(["window", "horizon"])


def format_skill_table(table: pd.DataFrame) -> str:
    """Markdown of :func:`skill_table` (RMSEs to 2 decimals, skills with their intervals)."""
    head = (
        "| window | horizon | days | EnKF RMSE | persistence RMSE | DAM RMSE | skill vs persistence [95% CI] "
        "| median day | days EnKF better | skill vs DAM [95% CI] | median day | days EnKF better | spread/RMSE |"
    )
    lines = [head, "|" + "---|" * 13]
    for (window, horizon), r in table.iterrows():
        lo_p, hi_p = r["skill_vs_persistence_ci"]
        lo_d, hi_d = r["skill_vs_dam_ci"]
        lines.append(
            f"| {window} | {horizon} | {r['days']} | {r['rmse_enkf']:.2f} | {r['rmse_persistence']:.2f} | "
            f"{r['rmse_dam']:.2f} | {r['skill_vs_persistence']:+.3f} [{lo_p:+.3f}, {hi_p:+.3f}] | "
            f"{r['median_day_skill_vs_persistence']:+.3f} | {r['days_beating_persistence']}/{r['days']} | "
            f"{r['skill_vs_dam']:+.3f} [{lo_d:+.3f}, {hi_d:+.3f}] | {r['median_day_skill_vs_dam']:+.3f} | "
            f"{r['days_beating_dam']}/{r['days']} | {r['spread_skill_ratio']:.2f} |"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class GapResult:
    """A node withheld over a gap: filtered mean minus truth and the filtered spread, per gap interval ($/MWh)."""

    day: str
    node: str
    error: np.ndarray
    spread: np.ndarray

    @property
    def rmse(self) -> float:
        return float(np.sqrt(np.mean(self.error**2)))


def withheld_node_errors(
    days: Iterable[str],
    spec: PriceModelSpec | None = None,
    *,
    nodes: Sequence[str] = WITHHELD_NODES,
    gap: slice = WITHHELD_GAP,
    seed: int = STUDY_SEED,
) -> list[GapResult]:
    """ADR 0006's gap experiment on synthetic days: each node's prices withheld over ``gap``."""
    out = []
    for day in days:
        truth_frame, _ = synthetic_inputs(day, seed)
        for node in nodes:
            run = run_synthetic_day(day, spec, seed=seed, withhold=(node, gap))
            f = run.result.filtered
            rows = f[f["location"] == node].iloc[gap]
            truth = truth_frame[node].to_numpy()[gap]
            out.append(GapResult(day, node, rows["mean"].to_numpy() - truth, rows["spread"].to_numpy()))
    return out


def gap_summary(gaps: Sequence[GapResult]) -> dict[str, float]:
    """Pooled RMSE, RMS spread, spread/RMSE, worst node-day RMSE and largest spread of gap experiments."""
    err = np.concatenate([g.error for g in gaps])
    spread = np.concatenate([g.spread for g in gaps])
    rmse = float(np.sqrt(np.mean(err**2)))
    rms_spread = float(np.sqrt(np.mean(spread**2)))
    return {
        "gap_rmse": rmse,
        "gap_rms_spread": rms_spread,
        "gap_spread_rmse": rms_spread / rmse if rmse > 0 else float("nan"),
        "gap_worst_rmse": max(g.rmse for g in gaps),
        "gap_max_abs_error": float(np.max(np.abs(err))),
        "gap_max_spread": float(np.max(spread)),
    }


def tuning_score(runs: Sequence[DayRun]) -> dict[str, float]:
    """The sizing criterion's parts over tuning days: 1-step log score (mean over every pair), 1-step and
    1-hour RMSE and skill vs persistence, and 1-step spread/RMSE."""
    one = window_skill(runs, "1step", n_boot=1)
    hour = window_skill(runs, "1h", n_boot=1)
    return {
        "log_score_1step": float(one["log_score"]),
        "log_score_1h": float(hour["log_score"]),
        "crps_z_1step": float(one["crps_z"]),
        "crps_z_1h": float(hour["crps_z"]),
        "rmse_1step": float(one["rmse_enkf"]),
        "rmse_1h": float(hour["rmse_enkf"]),
        "skill_vs_persistence_1step": float(one["skill_vs_persistence"]),
        "skill_vs_persistence_1h": float(hour["skill_vs_persistence"]),
        "spread_skill_ratio_1step": float(one["spread_skill_ratio"]),
        "spread_skill_ratio_1h": float(hour["spread_skill_ratio"]),
    }
