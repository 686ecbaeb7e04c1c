"""The evaluation protocol of the strategies on real days: tune on one window, report walk-forward on another.

Protocol (issue 17, ADR 0020):

* Two windows of operating days (America/Chicago dates), the **tuning**
  window and the **evaluation** window. They must not overlap, the
  evaluation window must come after the tuning window, and the tuning window
  must end before :data:`HELD_OUT_FROM` (2025 and later real prices are held
  out: nothing is tuned on them). Settings of the strategies are chosen on the
  tuning window only (:func:`tune`); the evaluation uses them unchanged.
* Walk-forward: for each evaluation day the spread model is fitted on the
  ``history_days`` days before it (tuning days and earlier evaluation days:
  published before the day), and every strategy decides under the information
  contract (ADR 0017). Each day starts at the battery's initial SOC, as the
  perfect-foresight bound does.
* The EnKF runs on each evaluated day's own real-time prices (one location,
  the ``assimilation`` settings of ``params.yaml``), so ``mpc_enkf`` decides
  interval t from the filtered mean of t - 1, as in the simulate stage; the
  filter's shared noise was sized on the tuning window (ADR 0006, Addendum 4).
* Per day and strategy: profit, the real-time perfect-foresight profit (start
  and end at the initial SOC: the study bound), the fair bound (same start,
  the strategy's own final SOC as the floor, ADR 0005), capture ratios and the
  strategy's compute time.
* Totals: capture = sum of profits / sum of perfect-foresight profits, with a
  bootstrap 95% interval over **days** (intervals within a day are linked by
  the SOC, so days, not intervals, are resampled); the paired difference
  against ``dam_schedule`` (the baseline) in $/day and in capture points,
  each with its bootstrap interval over the same resampled days.

The days come from a folder of ERCOT daily reports (NP6-905-CD real-time
settlement point prices, NP4-190-CD DAM prices), parsed by the project's
parsers (:func:`load_days`). Prices $/MWh, profits $.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hayeknet.battery.errors import ScheduleInputError
from hayeknet.battery.information import StrategyContext
from hayeknet.battery.ledger import summarize
from hayeknet.battery.lineup import BASELINE, PERFECT_FORESIGHT, DayInformation, make_strategy
from hayeknet.battery.spec import BatterySpec
from hayeknet.battery.strategies import capture_ratio, fair_bound, run_strategy
from hayeknet.beliefs.spread_model import SpreadDay, SpreadModel, fit_spread_model
from hayeknet.params import HELD_OUT_FROM, AssimilationParams, SimulateParams

DEFAULT_STRATEGIES: tuple[str, ...] = (
    BASELINE,
    "storage_value",
    "dam_offer",
    "mpc_stochastic",
    "mpc_median",
    "mpc_dam",
    "mpc_naive",
    "mpc_enkf",
    "percentile_threshold",
    "time_of_day",
)
"""Strategies evaluated by default (perfect foresight is always computed: it is the bound)."""


class EvaluationError(ValueError):
    """The evaluation cannot run as asked (windows, data, strategies); the message says what to change."""


@dataclass(frozen=True)
class Window:
    """Operating days ``start`` to ``end`` inclusive."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise EvaluationError(f"window {self.start}..{self.end} ends before it starts")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    def label(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @classmethod
    def parse(cls, text: str) -> Window:
        """``YYYY-MM-DD:YYYY-MM-DD`` (or ``..`` between the two)."""
        parts = text.replace("..", ":").split(":")
        if len(parts) != 2:
            raise EvaluationError(f"window {text!r}: expected FIRST:LAST, e.g. 2024-07-01:2024-12-31")
        try:
            return cls(dt.date.fromisoformat(parts[0]), dt.date.fromisoformat(parts[1]))
        except ValueError as exc:
            raise EvaluationError(f"window {text!r}: {exc}") from None


def check_windows(tuning: Window, evaluation: Window) -> None:
    """Refuse overlapping windows, an evaluation before the tuning, and tuning on held-out days."""
    if tuning.start <= evaluation.end and evaluation.start <= tuning.end:
        raise EvaluationError(
            f"tuning window {tuning.label()} and evaluation window {evaluation.label()} overlap: "
            "nothing may be tuned on a day it is reported on"
        )
    if evaluation.start < tuning.start:
        raise EvaluationError(
            f"evaluation window {evaluation.label()} comes before tuning window {tuning.label()}: "
            "walk-forward evaluation reports on days after those it was tuned on"
        )
    if tuning.end >= HELD_OUT_FROM:
        raise EvaluationError(
            f"tuning window {tuning.label()} reaches {HELD_OUT_FROM}: real prices from then on are held out"
        )


@dataclass(frozen=True, eq=False)
class RealDay:
    """One operating day at the location: RT prices on their grid and the DAM (hourly, UTC hour start)."""

    day: dt.date
    rt: pd.Series
    dam_hourly: pd.Series

    def spread_day(self) -> SpreadDay:
        from hayeknet.battery.dam_strategies import dam_on_index

        index = pd.DatetimeIndex(self.rt.index)
        return SpreadDay(self.day, index, self.rt.to_numpy(float), dam_on_index(self.dam_hourly, index))

    @property
    def dt_hours(self) -> float:
        return float((self.rt.index[1] - self.rt.index[0]) / pd.Timedelta(hours=1))


def load_days(
    folder: Path | str, location: str, start: dt.date | None = None, end: dt.date | None = None
) -> list[RealDay]:
    """Days with a complete real-time grid and a complete DAM at ``location`` from a folder of daily reports.

    Reads ``np6-905-cd/`` and ``np4-190-cd/`` below ``folder`` (or the files in
    ``folder`` itself) with :func:`hayeknet.ercot.parse.parse_files`; days
    missing an interval are left out (:func:`hayeknet.ercot.synthetic_calibration.load_real_hub_days`).
    """
    from hayeknet.ercot.calendar import interval_starts_utc
    from hayeknet.ercot.synthetic_calibration import load_real_hub_days

    try:
        hub = load_real_hub_days(folder, start, end, location=location)
    except FileNotFoundError as exc:
        raise EvaluationError(str(exc)) from None
    days = []
    for i, day in enumerate(hub.days):
        rt = pd.Series(hub.rt[i], index=interval_starts_utc(day, 15), name=location)
        dam = pd.Series(hub.dam[i], index=interval_starts_utc(day, 60), name=location)
        days.append(RealDay(day, rt, dam))
    return days


@dataclass(frozen=True)
class EvaluationSettings:
    """What the strategies are run with: the simulate settings, the spread model's size and history, and the
    EnKF's (``assimilation``; ``None``: no EnKF, so ``mpc_enkf`` cannot run)."""

    simulate: SimulateParams = field(default_factory=SimulateParams)
    spread_bins: int = 15
    spread_atoms: int = 50
    history_days: int = 365
    min_history_days: int = 28
    assimilation: AssimilationParams | None = field(default_factory=AssimilationParams)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DayResult:
    """One strategy on one day."""

    day: dt.date
    strategy: str
    profit_usd: float
    pf_profit_usd: float
    fair_bound_usd: float
    soc_end_mwh: float
    seconds: float
    note: str = ""

    @property
    def capture_vs_fair(self) -> float:
        return capture_ratio(self.profit_usd, self.fair_bound_usd)


def history_before(ordered: Sequence[RealDay], i: int, settings: EvaluationSettings) -> list[RealDay]:
    """The days of ``ordered`` (chronological) before its ``i``-th within ``settings.history_days`` of it."""
    day = ordered[i].day
    return [d for d in ordered[:i] if (day - d.day).days <= settings.history_days]


def spread_model_for(history: Sequence[RealDay], settings: EvaluationSettings) -> tuple[SpreadModel | None, str]:
    """The spread model fitted on ``history`` and what it was fitted on; ``(None, why)`` with fewer than
    ``settings.min_history_days`` days."""
    if len(history) < settings.min_history_days:
        return None, f"fewer than {settings.min_history_days} earlier days"
    model = fit_spread_model([h.spread_day() for h in history], settings.spread_bins, settings.spread_atoms)
    return model, f"spread model fitted {model.first_day}..{model.last_day}"


StrategyFactory = Callable[[DayInformation], Any]
"""``info -> strategy`` for a strategy that is not one of the lineup's names (the trained agent, built in
:mod:`hayeknet.agents.real_days`); picklable when the days run in processes."""


def evaluate_day(
    day: RealDay,
    history: Sequence[RealDay],
    strategies: Sequence[str],
    spec: BatterySpec,
    settings: EvaluationSettings,
    fitted: tuple[SpreadModel | None, str] | None = None,
    extra: Mapping[str, StrategyFactory] | None = None,
) -> list[DayResult]:
    """Every strategy on ``day`` with a spread model fitted on ``history`` (days before it only);
    ``fitted``: that model and its note when the caller has already fitted it (:func:`spread_model_for`);
    ``extra``: more strategies by name, each built from the day's :class:`DayInformation`, run after the
    named ones under the same context."""
    if any(h.day >= day.day for h in history):
        raise EvaluationError(f"{day.day}: the history holds days on or after it")
    model, note = fitted if fitted is not None else spread_model_for(history, settings)
    previous = history[-1].rt if history and (day.day - history[-1].day).days == 1 else None
    context = StrategyContext(dt_hours=day.dt_hours, history=previous if previous is not None else _no_history())
    info = DayInformation(
        history=context.history,
        dam_hourly=day.dam_hourly,
        enkf_mean=None if settings.assimilation is None else day_enkf_mean(day, settings.assimilation),
        spread_model=model,
        spread_note=note,
        beliefs_note="the evaluation states no beliefs",
    )
    results = []
    pf_ledger = None
    built: list[tuple[str, Any, dict[str, Any]]] = [
        (name, *make_strategy(name, info, settings.simulate))
        for name in (PERFECT_FORESIGHT, *[s for s in strategies if s != PERFECT_FORESIGHT])
    ]
    built += [(name, factory(info), {"spread_model": note}) for name, factory in (extra or {}).items()]
    for name, strategy, meta in built:
        started = time.perf_counter()
        ledger = run_strategy(strategy, day.rt, spec, context)
        seconds = time.perf_counter() - started
        if pf_ledger is None:
            pf_ledger = ledger
        results.append(
            DayResult(
                day.day,
                name,
                summarize(ledger, spec).profit_usd,
                summarize(pf_ledger, spec).profit_usd,
                fair_bound(ledger, spec).profit_usd,
                float(ledger["soc_end_mwh"].iloc[-1]),
                seconds,
                str(meta.get("spread_model", "")),
            )
        )
    return results


def day_enkf_mean(day: RealDay, params: AssimilationParams) -> pd.Series:
    """The EnKF filtered mean ($/MWh) of ``day``'s real-time prices at its location, per UTC interval start.

    The filter is sequential: its mean at interval t has seen the prices up to t only, and a strategy reads
    the mean of t - 1 when it decides t (:func:`hayeknet.battery.forecasts.enkf_dam_forecast`).
    """
    from hayeknet.assimilation.price_model import assimilate_day

    location = str(day.rt.name or "location")
    wide = pd.DataFrame({location: day.rt.to_numpy(float)}, index=pd.DatetimeIndex(day.rt.index).as_unit("ns"))
    wide.index.name = "interval_start_utc"
    filtered = assimilate_day(wide, params, backend=params.backend).filtered
    return pd.Series(filtered["mean"].to_numpy(float), index=wide.index, name=location)


def _no_history() -> pd.Series:
    from hayeknet.battery.information import empty_history

    return empty_history()


def _evaluate_job(
    job: tuple[RealDay, list[RealDay], tuple[str, ...], BatterySpec, EvaluationSettings, dict[str, StrategyFactory]],
) -> list[DayResult]:
    day, history, strategies, spec, settings, extra = job
    return evaluate_day(day, history, strategies, spec, settings, extra=extra)


def walk_forward(
    days: Sequence[RealDay],
    window: Window,
    strategies: Sequence[str],
    spec: BatterySpec,
    settings: EvaluationSettings,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
    extra: Mapping[str, StrategyFactory] | None = None,
) -> pd.DataFrame:
    """Per-day results of ``strategies`` (and of ``extra``'s, see :func:`evaluate_day`) on the days of
    ``window``, each with the days before it as history.

    Days are independent given their history, so ``workers`` > 1 runs them in
    processes, started from a fresh interpreter (``forkserver``: a script that
    calls this with ``workers`` > 1 needs an ``if __name__ == "__main__":``
    guard). Returns one row per (day, strategy): :data:`RESULT_COLUMNS`.
    """
    ordered = sorted(days, key=lambda d: d.day)
    jobs = []
    for i, day in enumerate(ordered):
        if day.day not in window:
            continue
        jobs.append((day, history_before(ordered, i, settings), tuple(strategies), spec, settings, dict(extra or {})))
    if not jobs:
        raise EvaluationError(f"no day of {window.label()} in the data")
    rows: list[DayResult] = []
    if workers > 1:
        # a fresh interpreter per worker, never a fork: a fork copies the parent's HiGHS and OpenMP thread state
        # without its threads, and after PPO training in the parent a forked worker's first MIP spun forever
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
            for k, result in enumerate(pool.map(_evaluate_job, jobs)):
                rows += result
                if progress:
                    progress(f"{jobs[k][0].day} ({k + 1}/{len(jobs)})")
    else:
        for k, job in enumerate(jobs):
            rows += _evaluate_job(job)
            if progress:
                progress(f"{job[0].day} ({k + 1}/{len(jobs)})")
    return results_frame(rows)


RESULT_COLUMNS = (
    "day",
    "strategy",
    "profit_usd",
    "pf_profit_usd",
    "fair_bound_usd",
    "capture_vs_pf",
    "capture_vs_fair",
    "soc_end_mwh",
    "seconds",
)


def results_frame(rows: Iterable[DayResult]) -> pd.DataFrame:
    """The rows as a table of :data:`RESULT_COLUMNS` (``day`` an ISO date)."""
    records = [
        {
            "day": r.day.isoformat(),
            "strategy": r.strategy,
            "profit_usd": r.profit_usd,
            "pf_profit_usd": r.pf_profit_usd,
            "fair_bound_usd": r.fair_bound_usd,
            "capture_vs_pf": capture_ratio(r.profit_usd, r.pf_profit_usd),
            "capture_vs_fair": r.capture_vs_fair,
            "soc_end_mwh": r.soc_end_mwh,
            "seconds": r.seconds,
        }
        for r in rows
    ]
    return pd.DataFrame.from_records(records, columns=list(RESULT_COLUMNS))


def summarize_results(
    frame: pd.DataFrame, baseline: str = BASELINE, n_boot: int = 10_000, seed: int = 0, level: float = 0.95
) -> pd.DataFrame:
    """One row per strategy: totals, capture with its bootstrap interval over days, the paired difference
    against ``baseline`` ($/day and capture points) with its interval, compute seconds per day and their
    ratio to the baseline's."""
    profits = frame.pivot(index="day", columns="strategy", values="profit_usd")
    pf = frame[frame["strategy"] == PERFECT_FORESIGHT].set_index("day")["profit_usd"].reindex(profits.index)
    seconds = frame.pivot(index="day", columns="strategy", values="seconds")
    start_soc = frame[frame["strategy"] == PERFECT_FORESIGHT].set_index("day")["soc_end_mwh"]  # PF ends where it began
    soc_change = frame.pivot(index="day", columns="strategy", values="soc_end_mwh").sub(start_soc, axis=0)
    n = len(profits)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, size=(n_boot, n))
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    pf_values = pf.to_numpy(float)
    pf_boot = pf_values[draws].sum(axis=1)
    has_base = baseline in profits.columns
    base = profits[baseline].to_numpy(float) if has_base else None
    rows = []
    for name in profits.columns:
        values = profits[name].to_numpy(float)
        boot = values[draws].sum(axis=1) / pf_boot
        row: dict[str, Any] = {
            "strategy": name,
            "days": n,
            "profit_usd": float(values.sum()),
            "capture": float(values.sum() / pf_values.sum()),
            "capture_lo": float(np.quantile(boot, lo_q)),
            "capture_hi": float(np.quantile(boot, hi_q)),
            "median_daily_capture_vs_fair": float(
                frame[frame["strategy"] == name]["capture_vs_fair"].median(skipna=True)
            ),
            "seconds_per_day": float(seconds[name].mean()),
            "end_soc_change_mwh": float(soc_change[name].mean()),
        }
        if base is not None:
            diff = values - base
            diff_boot = diff[draws].mean(axis=1)
            points_boot = diff[draws].sum(axis=1) / pf_boot
            row |= {
                "vs_baseline_usd_per_day": float(diff.mean()),
                "vs_baseline_lo": float(np.quantile(diff_boot, lo_q)),
                "vs_baseline_hi": float(np.quantile(diff_boot, hi_q)),
                "vs_baseline_points": float(diff.sum() / pf_values.sum()),
                "vs_baseline_points_lo": float(np.quantile(points_boot, lo_q)),
                "vs_baseline_points_hi": float(np.quantile(points_boot, hi_q)),
                "days_better_than_baseline": float(np.mean(diff > 0)),
                "seconds_vs_baseline": float(seconds[name].mean() / max(seconds[baseline].mean(), 1e-12)),
            }
        rows.append(row)
    table = pd.DataFrame(rows).set_index("strategy")
    return table.sort_values("capture", ascending=False)


def format_summary(table: pd.DataFrame, title: str) -> str:
    """The summary as a Markdown table (capture in %, money in $, intervals in brackets).

    ``end SOC - start`` is the mean energy a strategy leaves in (+) or takes out of (-) the battery
    over a day: a strategy ending below where it started sold energy it did not buy that day, which
    the perfect-foresight bound may not do, so its capture of that bound reads high.
    """
    lines = [
        f"### {title}",
        "",
        "| strategy | profit $ | capture of RT PF | 95% CI | vs dam_schedule $/day [95% CI] "
        "| vs dam_schedule pts [95% CI] | days better | end SOC - start, MWh | s/day | cost vs baseline |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in table.iterrows():
        versus = points = better = ratio = "-"
        if "vs_baseline_usd_per_day" in table.columns and name not in (BASELINE, PERFECT_FORESIGHT):
            versus = f"{r.vs_baseline_usd_per_day:,.0f} [{r.vs_baseline_lo:,.0f}, {r.vs_baseline_hi:,.0f}]"
            points = (
                f"{100 * r.vs_baseline_points:+.1f} [{100 * r.vs_baseline_points_lo:+.1f}, "
                f"{100 * r.vs_baseline_points_hi:+.1f}]"
            )
            better = f"{100 * r.days_better_than_baseline:.0f}%"
        if "seconds_vs_baseline" in table.columns:
            ratio = f"{r.seconds_vs_baseline:.1f}x"
        lines.append(
            f"| {name} | {r.profit_usd:,.0f} | {100 * r.capture:.1f}% | "
            f"[{100 * r.capture_lo:.1f}, {100 * r.capture_hi:.1f}] | {versus} | {points} | {better} | "
            f"{r.end_soc_change_mwh:+.1f} | {r.seconds_per_day:.2f} | {ratio} |"
        )
    return "\n".join(lines)


SPREAD_BIN_CANDIDATES: tuple[int, ...] = (7, 11, 15, 21)
"""Spread-model bins :func:`tune` tries for ``storage_value`` (the bins both spread strategies then use)."""
OFFER_QUANTILE_CANDIDATES: tuple[tuple[float, float], ...] = ((0.02, 0.98), (0.05, 0.95), (0.1, 0.9), (0.2, 0.8))
"""Charge/discharge spread quantiles :func:`tune` tries for ``dam_offer``."""


def tune(
    days: Sequence[RealDay],
    tuning: Window,
    spec: BatterySpec,
    settings: EvaluationSettings,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
) -> tuple[EvaluationSettings, pd.DataFrame]:
    """Choose the settings on the tuning window only: its first half is history, its second half is scored
    walk-forward. First the spread bins by ``storage_value``'s total capture of perfect foresight
    (:data:`SPREAD_BIN_CANDIDATES`), then, with those bins, ``dam_offer``'s quantiles
    (:data:`OFFER_QUANTILE_CANDIDATES`). Returns the chosen settings and a row per trial."""
    inside = sorted((d for d in days if d.day in tuning), key=lambda d: d.day)
    if len(inside) < 2 * settings.min_history_days:
        raise EvaluationError(
            f"tuning window {tuning.label()} has {len(inside)} days; tuning needs {2 * settings.min_history_days}"
        )
    scored = Window(inside[len(inside) // 2].day, tuning.end)

    def capture(trial: EvaluationSettings, strategy: str) -> float:
        frame = walk_forward(inside, scored, (strategy,), spec, trial, workers, progress)
        profit = frame.groupby("strategy")["profit_usd"].sum()
        return float(profit[strategy] / profit[PERFECT_FORESIGHT])

    rows: list[dict[str, Any]] = []
    for bins in SPREAD_BIN_CANDIDATES:
        trial = replace(settings, spread_bins=bins)
        rows.append({"strategy": "storage_value", "spread_bins": bins, "capture": capture(trial, "storage_value")})
    best_bins = int(max((r for r in rows), key=lambda r: r["capture"])["spread_bins"])
    settings = replace(settings, spread_bins=best_bins)
    offer: dict[tuple[float, float], float] = {}
    for lo, hi in OFFER_QUANTILE_CANDIDATES:
        simulate = replace(settings.simulate, offer_low_quantile=lo, offer_high_quantile=hi)
        offer[(lo, hi)] = capture(replace(settings, simulate=simulate), "dam_offer")
    offer_rows = [
        {"strategy": "dam_offer", "spread_bins": best_bins, "low_q": lo, "high_q": hi, "capture": c}
        for (lo, hi), c in offer.items()
    ]
    best_lo, best_hi = max(offer, key=lambda q: offer[q])
    simulate = replace(settings.simulate, offer_low_quantile=best_lo, offer_high_quantile=best_hi)
    grid = pd.DataFrame(rows + offer_rows)
    grid.insert(0, "scored_window", scored.label())
    return replace(settings, simulate=simulate), grid


def default_workers() -> int:
    """Processes for :func:`walk_forward`: the CPUs this process may use, at most 8."""
    try:
        return max(1, min(8, len(os.sched_getaffinity(0))))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, min(8, os.cpu_count() or 1))


def settings_from(
    simulate: SimulateParams, beliefs: Any, assimilation: AssimilationParams | None = None
) -> EvaluationSettings:
    """Evaluation settings from the project's ``simulate``, ``beliefs`` and ``assimilation`` params
    (``assimilation`` None: the defaults)."""
    return EvaluationSettings(
        simulate=simulate,
        spread_bins=int(beliefs.spread_bins),
        spread_atoms=int(beliefs.spread_atoms),
        history_days=int(beliefs.spread_history_days),
        assimilation=assimilation or AssimilationParams(),
    )


def check_strategies(names: Sequence[str], with_enkf: bool = True) -> tuple[str, ...]:
    """The names, known and without the bound (always computed); :class:`EvaluationError` otherwise.
    ``with_enkf``: the evaluation runs the EnKF on each day (:attr:`EvaluationSettings.assimilation`)."""
    from hayeknet.battery.lineup import STRATEGY_NAMES

    unknown = [n for n in names if n not in STRATEGY_NAMES]
    if unknown:
        raise EvaluationError(f"unknown strategy {unknown[0]!r}; known: {', '.join(STRATEGY_NAMES)}")
    if "mpc_beliefs" in names:
        raise EvaluationError(
            "strategy mpc_beliefs needs the pipeline's beliefs, which an evaluation on report files does not "
            "have; run it through the simulate stage"
        )
    if "mpc_enkf" in names and not with_enkf:
        raise EvaluationError("strategy mpc_enkf needs the EnKF, and this evaluation runs without it")
    return tuple(n for n in names if n != PERFECT_FORESIGHT)


__all__ = [
    "DEFAULT_STRATEGIES",
    "HELD_OUT_FROM",
    "EvaluationError",
    "EvaluationSettings",
    "RealDay",
    "ScheduleInputError",
    "Window",
    "check_strategies",
    "check_windows",
    "evaluate_day",
    "format_summary",
    "history_before",
    "load_days",
    "spread_model_for",
    "summarize_results",
    "tune",
    "walk_forward",
]
