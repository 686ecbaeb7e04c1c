"""One function per pipeline stage, called by the thin notebooks in ``notebooks/``.

Each ``run_*`` function reads its inputs from the paths of ADR 0001, does the
stage's work through the package's modules, and writes its outputs atomically
(a whole folder replaced at once), so a failed stage never leaves a
half-written output for DVC or the next stage. The ``load_*`` functions and
plot helpers serve the report notebooks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hayeknet.battery.spec import BatterySpec
from hayeknet.config import ProjectPaths, project_paths
from hayeknet.io import atomic_directory
from hayeknet.params import Params, load_params
from hayeknet.pipeline.days import INIT, read_days_file

SCED_DT_HOURS = 5.0 / 60.0
"""Length of a 5-minute SCED interval in hours."""


class StageInputError(RuntimeError):
    """A stage's input is missing or unusable (names the path and what is wrong)."""


@dataclass(frozen=True)
class StageContext:
    """Paths and validated parameters of the project a stage runs in."""

    paths: ProjectPaths
    params: Params

    @classmethod
    def load(cls, start: Path | None = None) -> "StageContext":
        paths = project_paths(start)
        return cls(paths, load_params(paths.params_file))

    @property
    def spec(self) -> BatterySpec:
        return BatterySpec.from_params(self.params.battery)

    @property
    def location(self) -> str:
        return self.params.battery.location

    def study_days(self) -> list[dt.date]:
        """Days of ``days.yaml`` (the pipeline's days), oldest first."""
        return read_days_file(self.paths.days_file)

    def prev_of(self, day: str) -> str:
        """The study day before ``day`` (ISO) or ``init``."""
        d = dt.date.fromisoformat(day)
        earlier = [x for x in self.study_days() if x < d]
        return earlier[-1].isoformat() if earlier else INIT

    def days_through(self, day: str) -> list[str]:
        """Study days up to and including ``day`` (ISO strings)."""
        d = dt.date.fromisoformat(day)
        return [x.isoformat() for x in self.study_days() if x <= d]


def _check_day(day: str) -> str:
    try:
        return dt.date.fromisoformat(str(day)).isoformat()
    except ValueError:
        raise StageInputError(f"day must be YYYY-MM-DD, got {day!r}") from None


def _write_json(path: Path, payload: Any) -> None:
    path.write_text(json.dumps(payload, indent=2, sort_keys=True, default=_json_default) + "\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.isoformat()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _read_json(path: Path) -> Any:
    if not path.exists():
        raise StageInputError(f"{path}: missing (run the upstream stage: dvc repro)")
    return json.loads(path.read_text())


# --------------------------------------------------------------------------- prices


def day_table(ctx: StageContext, day: str) -> pd.DataFrame:
    """The day's normalized archive table (all reports)."""
    from hayeknet.archive.store import read_day

    folder = ctx.paths.archive_day(day)
    if not folder.exists():
        raise StageInputError(f"{folder}: no archive partition for {day} (run ingest@{day})")
    return read_day(ctx.paths.archive, day)


def day_wide_prices(ctx: StageContext, day: str, market: str = "RTM_SCED") -> pd.DataFrame:
    """Wide 5-minute (or hourly for DAM) prices of the day: index UTC, one column per location."""
    from hayeknet.archive.store import wide_prices

    return wide_prices(day_table(ctx, day), market=market)


def location_prices(ctx: StageContext, day: str, location: str | None = None) -> pd.Series:
    """5-minute RTM prices ($/MWh) of one location over the day, gaps filled forward."""
    location = location or ctx.location
    wide = day_wide_prices(ctx, day)
    if location not in wide.columns:
        raise StageInputError(
            f"{ctx.paths.archive_day(day)}: settlement point {location!r} (battery.location) not in the "
            f"day's RTM prices; available: {', '.join(sorted(wide.columns)[:12])}..."
        )
    series = wide[location].astype(float)
    if series.isna().all():
        raise StageInputError(f"{ctx.paths.archive_day(day)}: no RTM price for {location}")
    return series.ffill().bfill().rename(location)


# --------------------------------------------------------------------------- ingest


@dataclass(frozen=True)
class IngestOutcome:
    """The day's archive partition and its provenance."""

    day: str
    provenance: dict[str, Any]

    def report_table(self) -> pd.DataFrame:
        """Rows per report and files per status."""
        files = pd.DataFrame(self.provenance["source_files"])
        per_report = files.groupby(["report", "status"]).size().unstack(fill_value=0)
        rows = pd.Series(self.provenance["row_counts"], name="rows")
        return per_report.join(rows, how="outer").fillna(0).astype(int)

    def checks_table(self) -> pd.DataFrame:
        return pd.DataFrame(self.provenance["checks"])


def run_ingest(ctx: StageContext, day: str) -> IngestOutcome:
    """Parse, validate and archive the day's raw files -> ``artifacts/archive/day=<day>/``."""
    from hayeknet.archive.ingest import ingest_day

    day = _check_day(day)
    result = ingest_day(ctx.paths.raw, day, ctx.paths.archive)
    return IngestOutcome(day, result.provenance)


def dam_reference(ctx: StageContext, day: str, grid: pd.DatetimeIndex) -> np.ndarray | None:
    """The day's DAM price at the battery location held over each 5-minute interval of ``grid``.

    Known before the operating day, so the agent may look at all of it (its
    "reference" curve); None when the archive has no DAM price for the location.
    """
    from hayeknet.battery.market_designs import dam_energy_prices

    dam = dam_energy_prices(day_table(ctx, day), ctx.location)
    if dam is None:
        return None
    dam = dam.copy()
    dam.index = dam.index.tz_convert("UTC")
    values = dam.reindex(grid.tz_convert("UTC").floor("h")).ffill().bfill().to_numpy(dtype=float)
    return None if np.isnan(values).any() else values


# --------------------------------------------------------------------------- beliefs


@dataclass(frozen=True)
class BeliefsOutcome:
    day: str
    beliefs: dict[str, Any]
    calibration: dict[str, Any] | None

    def probabilities_table(self) -> pd.DataFrame:
        """P(event) for the next day and the next hour (A high price, B imbalance, C congestion)."""
        return pd.DataFrame({"next_day": self.beliefs.get("next_day", {}),
                             "next_hour": self.beliefs.get("next_hour", {})})

    def warnings(self) -> list[str]:
        return list(self.beliefs.get("warnings", []))


def run_beliefs(ctx: StageContext, day: str) -> BeliefsOutcome:
    """Fit the Bayesian model on the study days up to ``day`` and state beliefs for the next day
    -> ``artifacts/beliefs/<day>/`` (``beliefs.json``, ``hourly.parquet`` and, when the day
    before stated beliefs about ``day``, ``calibration.json`` scoring them). ``init``: empty folder."""
    import warnings

    from hayeknet.beliefs.stage import BeliefSettings, run_beliefs_stage, thresholds_from_params

    # pip's PyTensor links no BLAS; this model's likelihood is elementwise and does not need one
    warnings.filterwarnings("ignore", message="PyTensor could not link to a BLAS")
    out = ctx.paths.artifacts / "beliefs" / day
    if day == INIT:
        with atomic_directory(out) as tmp:
            _write_json(tmp / "beliefs.json", {"day": None, "note": "study start: no beliefs yet"})
        return BeliefsOutcome(INIT, {}, None)
    day = _check_day(day)
    section = dataclasses.asdict(ctx.params.beliefs)
    thresholds = thresholds_from_params(section, dataclasses.asdict(ctx.params.research))
    settings = BeliefSettings.from_params(section)
    previous = ctx.paths.artifacts / "beliefs" / ctx.prev_of(day) / "beliefs.json"
    with atomic_directory(out) as tmp:
        run_beliefs_stage(ctx.paths.archive, day, tmp, ctx.location, thresholds, settings,
                          previous_beliefs_file=previous)
    return read_beliefs(ctx, day)


def read_beliefs(ctx: StageContext, day: str) -> BeliefsOutcome:
    folder = ctx.paths.artifacts / "beliefs" / day
    beliefs = _read_json(folder / "beliefs.json")
    calibration = json.loads((folder / "calibration.json").read_text()) if (folder / "calibration.json").exists() else None
    return BeliefsOutcome(day, beliefs, calibration)


# --------------------------------------------------------------------------- three QSE agents

QSE_DIR = "qse"
"""Sub-folder of ``artifacts/models/<day>/`` holding the three QSE learners."""


def qse_config(ctx: StageContext) -> Any:
    """The three-QSE market of params.yaml (``qse`` section, battery of ``battery``)."""
    from hayeknet.agents.market import PriceImpact
    from hayeknet.agents.qse_env import QSEEnvConfig, RenewableSpec

    q = ctx.params.qse
    return QSEEnvConfig(
        battery=ctx.spec,
        solar=RenewableSpec(q.solar_mw, q.imbalance_charge_usd_per_mwh),
        wind=RenewableSpec(q.wind_mw, q.imbalance_charge_usd_per_mwh),
        impact=PriceImpact(slope_usd_per_mwh_per_mw=q.impact_usd_per_mwh_per_mw),
    )


def qse_day(ctx: StageContext, day: str) -> Any:
    """The day as the three QSEs see it: RT and DAM prices at the location, renewable
    profiles (synthetic: the archive has no plant output) and the EnKF state."""
    from hayeknet.agents.qse_env import qse_day_from_prices, state_features
    from hayeknet.battery.market_designs import dam_energy_prices

    prices = location_prices(ctx, day)
    dam = dam_energy_prices(day_table(ctx, day), ctx.location)
    if dam is None:
        raise StageInputError(f"{ctx.paths.archive_day(day)}: no DAM price at {ctx.location} for the QSE agents")
    filtered, _ = read_states(ctx, day)
    own = filtered[filtered["location"] == ctx.location].set_index("interval_start_utc").reindex(prices.index)
    state = state_features(own["mean"].ffill().bfill().to_numpy(), own["spread"].ffill().bfill().to_numpy())
    return qse_day_from_prices(day, prices, dam, ctx.params.study.seed, state=state)


def train_qse(ctx: StageContext, day: str) -> None:
    """Train (or, for ``init``, create) the three QSE learners into ``models/<day>/qse``."""
    from hayeknet.agents.multi_training import init_qse_models, train_qse_increment

    params = dataclasses.replace(ctx.params.train, timesteps_per_day=ctx.params.qse.timesteps_per_agent_per_day)
    out = ctx.paths.models / day / QSE_DIR
    if day == INIT:
        init_qse_models(params, out, qse_config(ctx))
        return
    days = [qse_day(ctx, d) for d in ctx.days_through(day)]
    train_qse_increment(ctx.paths.models / ctx.prev_of(day) / QSE_DIR, days, params, out, qse_config(ctx))


def evaluate_qse(ctx: StageContext, day: str) -> dict[str, Any]:
    """The three QSE agents of checkpoint ``models/<prev>/qse`` on the unseen ``day`` vs heuristics."""
    from hayeknet.agents.evaluation import evaluate_qse_day

    prev = ctx.prev_of(day)
    reference = None if prev == INIT else qse_day(ctx, prev)
    return evaluate_qse_day(ctx.paths.models / prev / QSE_DIR, qse_day(ctx, day), reference, qse_config(ctx))


# --------------------------------------------------------------------------- train


@dataclass(frozen=True)
class TrainOutcome:
    """What the train stage did: the checkpoint folder and its registry."""

    day: str
    model_dir: Path
    registry: dict[str, Any]
    seconds: float

    def summary(self) -> dict[str, Any]:
        reg = self.registry
        return {
            "day": self.day,
            "checkpoint": str(self.model_dir.relative_to(self.model_dir.parents[1])),
            "days_seen": ", ".join(reg.get("days_seen", [])) or "(none: untrained start)",
            "total_timesteps": reg.get("total_timesteps", 0),
            "increment_timesteps": reg.get("increment_timesteps", 0),
            "parameters_sha256": reg.get("parameters_sha256", "")[:16],
            "seconds": round(self.seconds, 1),
        }

    def learning_curve(self) -> pd.DataFrame:
        return pd.DataFrame(self.registry.get("learning_curve", []))


def run_train(ctx: StageContext, day: str) -> TrainOutcome:
    """``day == "init"``: write the seeded untrained checkpoint ``models/init``.

    Otherwise resume from the previous study day's checkpoint and train
    ``train.timesteps_per_day`` steps on every study day up to and including
    ``day`` (walk-forward: this checkpoint is used to simulate the *next* day).
    The agent's reference curve for a day is that day's DAM price (known the
    day before), so it sees the day-ahead outlook the MPC strategies use.
    """
    import time

    from hayeknet.agents.training import init_model, read_registry, train_increment

    start = time.perf_counter()
    if day == INIT:
        out = ctx.paths.models / INIT
        init_model(ctx.spec, ctx.params.train, out)
    else:
        day = _check_day(day)
        labels = ctx.days_through(day)
        if day not in labels:
            raise StageInputError(f"{day} is not a study day of {ctx.paths.days_file}")
        series = [location_prices(ctx, d) for d in labels]
        history = [s.to_numpy() for s in series]
        references = [dam_reference(ctx, d, s.index) for d, s in zip(labels, series)]
        prev_dir = ctx.paths.models / ctx.prev_of(day)
        if not prev_dir.exists():
            raise StageInputError(f"{prev_dir}: previous checkpoint missing (run train@{ctx.prev_of(day)})")
        out = ctx.paths.models / day
        train_increment(prev_dir, history, labels, ctx.spec, ctx.params.train, out,
                        reference_days=references, reference_kind="dam")
    if ctx.params.qse.enabled:
        train_qse(ctx, day)
    registry = read_registry(out) or {}
    return TrainOutcome(day, out, registry, time.perf_counter() - start)


# --------------------------------------------------------------------------- assimilate


@dataclass(frozen=True)
class AssimilateOutcome:
    day: str
    filtered: pd.DataFrame
    metrics: dict[str, Any]


def run_assimilate(ctx: StageContext, day: str) -> AssimilateOutcome:
    """EnKF over the day's 5-minute LMPs -> ``artifacts/states/<day>/``.

    Writes ``filtered.parquet`` (per interval and location: observed, mean,
    spread, innovation, normalized innovation; $/MWh), ``system.parquet`` (the
    shared system and shock components) and ``metrics.json`` (backend used,
    RMSE, spread/RMSE, anomalies).
    """
    from hayeknet.assimilation import assimilate_day, resolve_backend

    day = _check_day(day)
    wide = day_wide_prices(ctx, day)
    backend = resolve_backend(ctx.params.assimilation.backend)
    distance, localization = network_distance(ctx, list(wide.columns))
    result = assimilate_day(wide, ctx.params.assimilation, backend=backend, distance=distance,
                            localization_radius=ctx.params.assimilation.localization_radius_hops or None)
    metrics = {**result.metrics, "day": day, "backend_requested": ctx.params.assimilation.backend,
               "localization": localization}
    with atomic_directory(ctx.paths.states / day) as tmp:
        result.filtered.to_parquet(tmp / "filtered.parquet", index=False)
        result.system.to_parquet(tmp / "system.parquet", index=False)
        _write_json(tmp / "metrics.json", metrics)
    return AssimilateOutcome(day, result.filtered, metrics)


def network_distance(ctx: StageContext, locations: list[str]) -> tuple[np.ndarray | None, str]:
    """Grid-graph distance (hops) between ``locations`` for EnKF localization, and how it was chosen.

    ``assimilation.localization_radius_hops = 0`` or a settlement point outside
    the grid graph (real data beyond the synthetic catalogue) gives None: each
    level is then updated by its own price only.
    """
    radius = ctx.params.assimilation.localization_radius_hops
    if radius <= 0:
        return None, "own price only (assimilation.localization_radius_hops = 0)"
    from hayeknet.constraints.errors import GridModelError
    from hayeknet.constraints.grid import build_grid

    try:
        return build_grid().distance_matrix(locations), f"network distance, Gaspari-Cohn radius {radius:g} hops"
    except GridModelError as exc:
        return None, f"own price only: {exc}"


def read_states(ctx: StageContext, day: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    folder = ctx.paths.states / day
    if not (folder / "filtered.parquet").exists():
        raise StageInputError(f"{folder}: no EnKF state (run assimilate@{day})")
    return pd.read_parquet(folder / "filtered.parquet"), _read_json(folder / "metrics.json")


# --------------------------------------------------------------------------- simulate


@dataclass
class SimulateOutcome:
    """Ledgers and summary of every strategy on one day."""

    day: str
    ledgers: dict[str, pd.DataFrame]
    summary: dict[str, Any]
    design_ledgers: dict[str, pd.DataFrame] = dataclasses.field(default_factory=dict)

    def market_design_table(self) -> pd.DataFrame:
        """Revenue by stream ($) under SCED today and RTC+B, and the difference (RTC+B minus SCED)."""
        designs = self.summary.get("market_designs", {})
        if not designs.get("available"):
            return pd.DataFrame({"note": [designs.get("reason", "market designs not simulated")]})
        table = pd.DataFrame({
            "sced_today": designs["sced_today"]["revenue_by_stream_usd"],
            "rtc_b": designs["rtc_b"]["revenue_by_stream_usd"],
        })
        table["rtc_b_minus_sced"] = pd.Series(designs["difference_usd"])
        return table.astype(float).round(2)

    def qse_table(self) -> pd.DataFrame:
        """Each QSE agent on the day (unseen by its checkpoint) against its best heuristic, $."""
        qse = self.summary.get("qse_agents") or {}
        rows = {}
        for agent in ("battery", "solar", "wind"):
            entry = qse.get(agent)
            if not isinstance(entry, dict) or "agent" not in entry:
                continue
            best = entry["best_heuristic"]
            rows[agent] = {
                "agent_profit_usd": entry["agent"]["profit_usd"],
                "best_heuristic": best,
                "best_heuristic_profit_usd": entry[best]["profit_usd"],
                "agent_minus_best_usd": entry["agent_minus_best_heuristic_usd"],
                "capture_ratio": entry["agent"].get("capture_ratio"),
            }
        if not rows:
            return pd.DataFrame({"note": ["three-QSE agents not simulated (qse.enabled: false)"]})
        return pd.DataFrame(rows).T

    def summary_table(self) -> pd.DataFrame:
        rows = self.summary["strategies"]
        return _strategy_frame(rows).round(3)


def previous_prices(ctx: StageContext, day: str) -> pd.Series | None:
    """The battery location's prices on the study day before ``day`` (None on the first day)."""
    prev = ctx.prev_of(day)
    if prev == INIT or not ctx.paths.archive_day(prev).exists():
        return None
    return location_prices(ctx, prev)


def run_simulate(ctx: StageContext, day: str) -> SimulateOutcome:
    """The battery on ``day``: perfect foresight, heuristics, MPC (naive, DAM and EnKF-anchored
    DAM forecasts) and the walk-forward agent,
    plus the SCED-today vs RTC+B comparison (energy + AS, perfect foresight of both designs).

    Every strategy gets a ledger (ADR 0001). ``capture_ratio`` = strategy
    profit / perfect-foresight profit of the same day from the same starting
    SOC with the strategy's own final SOC as the floor for the optimizer's
    (``fair_bound_profit_usd``): a heuristic that ends the day emptier than it
    started has sold stored energy, which the bound may sell too, so the ratio
    is <= 1 for every feasible strategy. ``capture_ratio_vs_pf`` divides by the
    perfect-foresight profit with terminal SOC = initial (the study bound).
    """
    from hayeknet.agents.policy import agent_schedule
    from hayeknet.agents.training import read_registry
    from hayeknet.battery.forecasts import enkf_dam_forecast
    from hayeknet.battery.ledger import simulate_schedule, summarize
    from hayeknet.battery.market_designs import dam_energy_prices, simulate_day_designs
    from hayeknet.battery.mpc import mpc_strategy
    from hayeknet.battery.strategies import (
        PercentileThreshold,
        PerfectForesight,
        StrategyContext,
        TimeOfDaySchedule,
        capture_ratio,
        fair_bound,
        run_strategy,
    )

    day = _check_day(day)
    spec = ctx.spec
    table = day_table(ctx, day)
    prices = location_prices(ctx, day)
    prev_prices = previous_prices(ctx, day)
    history = prev_prices if prev_prices is not None else StrategyContext(SCED_DT_HOURS).history
    context = StrategyContext(dt_hours=SCED_DT_HOURS, history=history)
    sim = ctx.params.simulate

    ledgers: dict[str, pd.DataFrame] = {
        "perfect_foresight": run_strategy(PerfectForesight(), prices, spec, context),
        "percentile_threshold": run_strategy(
            PercentileThreshold(sim.threshold_low_percentile, sim.threshold_high_percentile), prices, spec, context
        ),
        "time_of_day": run_strategy(TimeOfDaySchedule(), prices, spec, context),
    }
    ledgers["mpc_naive"] = run_strategy(mpc_strategy("naive"), prices, spec, context)
    dam = dam_energy_prices(table, ctx.location)
    if dam is not None:
        ledgers["mpc_dam"] = run_strategy(mpc_strategy("dam", dam_prices_hourly=dam), prices, spec, context)
    filtered, _ = read_states(ctx, day)
    own = filtered[filtered["location"] == ctx.location].set_index("interval_start_utc")["mean"]
    ledgers["mpc_enkf"] = run_strategy(
        mpc_strategy("array", forecast=enkf_dam_forecast(own, dam)), prices, spec, context
    )
    checkpoint = ctx.paths.models / ctx.prev_of(day)
    reference = dam_reference(ctx, day, prices.index)
    if reference is None and prev_prices is not None:
        reference = prev_prices.to_numpy()
    charge, discharge = agent_schedule(checkpoint, prices.to_numpy(), spec, SCED_DT_HOURS,
                                       reference_prices=reference)
    ledgers["ppo_agent"] = simulate_schedule(prices.index, prices.to_numpy(), charge, discharge, spec, SCED_DT_HOURS)

    pf_profit = summarize(ledgers["perfect_foresight"], spec).profit_usd
    strategies: dict[str, dict[str, Any]] = {}
    for name, ledger in ledgers.items():
        result = summarize(ledger, spec).to_dict()
        bound = fair_bound(ledger, spec).profit_usd
        result["fair_bound_profit_usd"] = bound
        result["capture_ratio"] = capture_ratio(result["profit_usd"], bound)
        result["capture_ratio_vs_pf"] = capture_ratio(result["profit_usd"], pf_profit)
        strategies[name] = result
    designs, design_ledgers = simulate_day_designs(table, ctx.location, spec)
    qse = evaluate_qse(ctx, day) if ctx.params.qse.enabled else {"enabled": False}
    registry = read_registry(checkpoint) or {}
    summary = {
        "day": day,
        "location": ctx.location,
        "dt_hours": SCED_DT_HOURS,
        "n_intervals": int(len(prices)),
        "battery": dataclasses.asdict(spec),
        "strategies": strategies,
        "agent_checkpoint": checkpoint.name,
        "agent_checkpoint_days_seen": list(registry.get("days_seen", [])),
        "agent_total_timesteps": int(registry.get("total_timesteps", 0)),
        "market_designs": designs,
        "qse_agents": qse,
    }
    with atomic_directory(ctx.paths.simulations / day) as tmp:
        for name, ledger in ledgers.items():
            ledger.to_parquet(tmp / f"ledger_{name}.parquet", index=False)
        for name, ledger in design_ledgers.items():
            ledger.to_parquet(tmp / f"design_{name}.parquet", index=False)
        _write_json(tmp / "summary.json", summary)
    return SimulateOutcome(day, ledgers, summary, design_ledgers)


def read_simulation(ctx: StageContext, day: str) -> SimulateOutcome:
    folder = ctx.paths.simulations / day
    summary = _read_json(folder / "summary.json")
    ledgers = {p.stem.removeprefix("ledger_"): pd.read_parquet(p) for p in sorted(folder.glob("ledger_*.parquet"))}
    designs = {p.stem.removeprefix("design_"): pd.read_parquet(p) for p in sorted(folder.glob("design_*.parquet"))}
    return SimulateOutcome(day, ledgers, summary, designs)


# --------------------------------------------------------------------------- research

HISTORY_FILE = "history.json"
"""Study history in ``artifacts/research/<day>/``: the results of every study day up to it."""


@dataclass(frozen=True)
class ResearchOutcome:
    day: str
    results: dict[str, Any]
    journal_markdown: str
    history: list[dict[str, Any]]


def read_history(ctx: StageContext, day: str) -> list[dict[str, Any]]:
    """Results of every study day up to ``day`` (``init``: the empty history)."""
    return list(_read_json(ctx.paths.research / day / HISTORY_FILE))


def observation_path(ctx: StageContext, day: str) -> Path:
    """The researcher's own notes for a day: ``notes/observations/<day>.md`` (git, never a DVC output)."""
    return ctx.paths.root / "notes" / "observations" / f"{day}.md"


def run_research(ctx: StageContext, day: str) -> ResearchOutcome:
    """Answer the day's questions from its evidence -> ``artifacts/research/<day>/``.

    Reads the archive (5-minute and DAM prices), the EnKF state, the
    simulation ledgers and the study history up to the day before; writes
    ``results.json`` (schema-versioned), ``qa.json``, ``journal.md`` and
    ``history.json`` (the history extended by this day). ``day == "init"``
    writes the empty history. The observation template for the researcher's
    notes is created once and never overwritten after it is edited.
    """
    from hayeknet.research.journal import (
        build_results,
        ensure_observation_file,
        render_journal,
        to_jsonable,
        validate_results,
        write_day_outputs,
    )

    if day == INIT:
        with atomic_directory(ctx.paths.research / INIT) as tmp:
            _write_json(tmp / HISTORY_FILE, [])
        return ResearchOutcome(INIT, {}, "Study start: no days yet.", [])

    day = _check_day(day)
    days = [d.isoformat() for d in ctx.study_days()]
    if day not in days:
        raise StageInputError(f"{day} is not a study day of {ctx.paths.days_file}")
    history = read_history(ctx, ctx.prev_of(day))
    table = day_table(ctx, day)
    from hayeknet.archive.store import wide_prices

    prices = wide_prices(table, market="RTM_SCED")
    dam = wide_prices(table, market="DAM")
    filtered, assimilation_metrics = read_states(ctx, day)
    simulation = read_simulation(ctx, day)
    results = build_results(
        day=day,
        day_index=days.index(day),
        n_days=len(days),
        battery_location=ctx.location,
        prices=prices,
        dam_prices=dam,
        filtered=filtered,
        assimilation_metrics=assimilation_metrics,
        simulation_summary=simulation.summary["strategies"],
        ledgers=simulation.ledgers,
        previous_results=history,
        params=ctx.params.to_dict(),
        battery=ctx.spec,
        seed=ctx.params.study.seed,
    )
    designs = simulation.summary.get("market_designs")
    if designs:
        results["market_designs"] = to_jsonable(designs)
    if simulation.summary.get("qse_agents"):
        results["qse_agents"] = to_jsonable(simulation.summary["qse_agents"])
    beliefs = read_beliefs(ctx, day)
    results["beliefs"] = {
        "forecast_day": beliefs.beliefs.get("day"),
        "next_day": beliefs.beliefs.get("next_day", {}),
        "next_hour": beliefs.beliefs.get("next_hour", {}),
        "diagnostics": beliefs.beliefs.get("diagnostics", {}),
        "coherence": beliefs.beliefs.get("coherence", {}),
        "warnings": beliefs.warnings(),
        "calibration_of_previous_beliefs": beliefs.calibration,
    }
    results["beliefs"] = to_jsonable(results["beliefs"])
    validate_results(results, f"results of {day}")
    journal = render_journal(results)
    extended = [*history, results]
    with atomic_directory(ctx.paths.research / day) as tmp:
        write_day_outputs(tmp, results, journal)
        _write_json(tmp / HISTORY_FILE, extended)
    ensure_observation_file(observation_path(ctx, day), day)
    return ResearchOutcome(day, results, journal, extended)


# --------------------------------------------------------------------------- figures and reports


def escape_dollars(markdown: str) -> str:
    """Escape ``$`` for Jupyter/nbconvert Markdown, where ``$...$`` is LaTeX math
    (two prices on one line, or ``$/MWh`` in table cells, would otherwise be
    swallowed as a formula and break the table)."""
    import re

    return re.sub(r"(?<!\\)\$", r"\\$", markdown)


def show_figure(fig: Any) -> None:
    """Display a matplotlib Figure as an embedded PNG (works for pyplot-free figures)."""
    import io

    from IPython.display import Image, display

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    display(Image(data=buffer.getvalue(), format="png"))


def figure_ingested_prices(ctx: StageContext, day: str) -> Any:
    from hayeknet.reporting.plots import plot_price_paths

    return plot_price_paths(
        day_wide_prices(ctx, day), ctx.location, high_price_usd_per_mwh=ctx.params.research.high_price_usd_per_mwh
    )


def figure_assimilation(ctx: StageContext, outcome: AssimilateOutcome) -> Any:
    from hayeknet.reporting.plots import plot_enkf_band

    return plot_enkf_band(outcome.filtered, ctx.location)


def figure_learning_curve(outcome: TrainOutcome) -> Any:
    from hayeknet.reporting.plots import plot_learning_curve

    return plot_learning_curve(outcome.learning_curve())


def figure_soc(ctx: StageContext, outcome: SimulateOutcome) -> Any:
    from hayeknet.reporting.plots import plot_soc

    return plot_soc(outcome.ledgers, ctx.spec.soc_min_mwh, ctx.spec.soc_max_mwh)


def _strategy_frame(strategies: dict[str, dict[str, Any]]) -> pd.DataFrame:
    cols = ["profit_usd", "revenue_usd", "degradation_cost_usd", "charge_mwh", "discharge_mwh", "cycles",
            "fair_bound_profit_usd", "capture_ratio", "capture_ratio_vs_pf"]
    frame = pd.DataFrame(strategies).T
    return frame[[c for c in cols if c in frame.columns]].astype(float)


@dataclass
class DayBundle:
    """Everything the daily report shows for one day (read from stage outputs)."""

    ctx: StageContext
    day: str
    prices: pd.DataFrame
    filtered: pd.DataFrame
    assimilation_metrics: dict[str, Any]
    simulation: SimulateOutcome
    results: dict[str, Any]
    journal: str

    def headline_markdown(self) -> str:
        s = self.simulation.summary
        pf = s["strategies"]["perfect_foresight"]
        agent = s["strategies"].get("ppo_agent", {})
        progress = self.results.get("study", {})
        regime = self.results.get("regime", {})
        regime_label = regime.get("label", regime) if isinstance(regime, dict) else regime
        lines = [
            f"**Operating day {self.day}** (America/Chicago) — study day "
            f"{progress.get('day_index', 0) + 1} of {progress.get('n_days', '?')}; regime: **{regime_label}**.",
            "",
            f"Battery: {self.ctx.spec.power_mw:g} MW / {self.ctx.spec.energy_mwh:g} MWh at {s['location']}. "
            f"Perfect-foresight profit ${pf['profit_usd']:,.0f}; PPO agent ${agent.get('profit_usd', float('nan')):,.0f} "
            f"(capture ratio {agent.get('capture_ratio', float('nan')):.2f}; checkpoint trained on "
            f"{', '.join(s['agent_checkpoint_days_seen']) or 'no days (untrained start)'}).",
        ]
        return escape_dollars("\n".join(lines))

    def figure_prices(self) -> Any:
        from hayeknet.reporting.plots import plot_price_paths

        return plot_price_paths(
            self.prices, self.ctx.location, high_price_usd_per_mwh=self.ctx.params.research.high_price_usd_per_mwh
        )

    def assimilation_table(self) -> pd.DataFrame:
        keys = ["backend", "ensemble_size", "rmse_analysis_usd_per_mwh", "rmse_forecast_usd_per_mwh",
                "mean_spread_usd_per_mwh", "spread_rmse_ratio", "n_anomalies"]
        return pd.Series({k: self.assimilation_metrics.get(k) for k in keys}, name="value").to_frame()

    def figure_assimilation(self) -> Any:
        from hayeknet.reporting.plots import plot_enkf_band

        return plot_enkf_band(self.filtered, self.ctx.location)

    def strategy_table(self) -> pd.DataFrame:
        return _strategy_frame(self.simulation.summary["strategies"]).round(3)

    def figure_soc(self) -> Any:
        from hayeknet.reporting.plots import plot_soc

        return plot_soc(self.simulation.ledgers, self.ctx.spec.soc_min_mwh, self.ctx.spec.soc_max_mwh)

    def figure_cumulative_profit(self) -> Any:
        from hayeknet.reporting.plots import plot_cumulative_profit

        return plot_cumulative_profit(self.simulation.ledgers)

    def journal_markdown(self) -> str:
        return escape_dollars(self.journal)

    def beliefs_table(self) -> pd.DataFrame:
        """Stated probabilities for the next day and next hour (A high price, B imbalance, C congestion)."""
        b = self.results.get("beliefs") or {}
        return pd.DataFrame({"next_day": b.get("next_day", {}), "next_hour": b.get("next_hour", {})}).round(4)

    def beliefs_markdown(self) -> str:
        b = self.results.get("beliefs") or {}
        diag = b.get("diagnostics") or {}
        lines = [f"Beliefs about **{b.get('forecast_day', 'the next day')}** from the PyMC model fitted on the "
                 f"study days up to {self.day}; R-hat max {diag.get('rhat_max', float('nan')):.3f}, "
                 f"bulk ESS min {diag.get('ess_bulk_min', float('nan')):.0f}."]
        for w in b.get("warnings", []):
            lines.append(f"- **Warning:** {w}")
        cal = (b.get("calibration_of_previous_beliefs") or {}).get("day") or {}
        scored = {k: v["brier"] for k, v in cal.items() if isinstance(v, dict) and v.get("brier") is not None}
        if scored:
            lines.append("")
            lines.append("Yesterday's beliefs about this day, scored (Brier per interval, 0 is perfect; "
                         "A high price, B imbalance, C congestion): "
                         + ", ".join(f"{k} {v:.4f}" for k, v in scored.items()))
        return escape_dollars("\n".join(lines))


def load_day_bundle(ctx: StageContext, day: str) -> DayBundle:
    day = _check_day(day)
    filtered, metrics = read_states(ctx, day)
    folder = ctx.paths.research / day
    return DayBundle(
        ctx=ctx,
        day=day,
        prices=day_wide_prices(ctx, day),
        filtered=filtered,
        assimilation_metrics=metrics,
        simulation=read_simulation(ctx, day),
        results=_read_json(folder / "results.json"),
        journal=(folder / "journal.md").read_text(),
    )


STUDY_DAY_METRICS = {
    "mean_price_usd_per_mwh": "price.mean",
    "min_price_usd_per_mwh": "price.min",
    "max_price_usd_per_mwh": "price.max",
    "spread_top4h_bottom4h_usd_per_mwh": "spread.top4h_bottom4h",
    "volatility_asinh_return_std": "volatility.asinh_return_std",
}
"""Columns of the study report's day table: label -> metric name in results.json."""


@dataclass
class StudyBundle:
    """The study history up to the last day, for the study report."""

    ctx: StageContext
    last_day: str
    history: list[dict[str, Any]]

    def headline_markdown(self) -> str:
        days = [r["day"] for r in self.history]
        return escape_dollars(
            f"**HayekNet study**: {len(days)} operating days ({days[0]} to {days[-1]}), battery "
            f"{self.ctx.spec.power_mw:g} MW / {self.ctx.spec.energy_mwh:g} MWh at {self.ctx.location}."
        )

    def days_table(self) -> pd.DataFrame:
        rows = []
        for r in self.history:
            metrics = {m["name"]: m["value"] for m in r.get("metrics", [])}
            regime = r.get("regime", {})
            rows.append({
                "day": r["day"],
                "regime": regime.get("label", regime) if isinstance(regime, dict) else regime,
                **{label: metrics.get(name) for label, name in STUDY_DAY_METRICS.items()},
            })
        return pd.DataFrame(rows).set_index("day")

    def profit_by_day(self) -> pd.DataFrame:
        rows = {r["day"]: {k: v.get("profit_usd") for k, v in r.get("strategies", {}).items()} for r in self.history}
        return pd.DataFrame(rows).T.astype(float)

    def strategy_table(self) -> pd.DataFrame:
        profit = self.profit_by_day()
        table = pd.DataFrame({"total_profit_usd": profit.sum(), "mean_daily_profit_usd": profit.mean()})
        if "perfect_foresight" in profit:
            table["study_capture_ratio"] = profit.sum() / profit["perfect_foresight"].sum()
        return table.round(2)

    def figure_profit_by_day(self) -> Any:
        from hayeknet.reporting.plots import plot_profit_by_day

        return plot_profit_by_day(self.profit_by_day())

    def hypotheses_table(self) -> pd.DataFrame:
        """H1-H3 over every study day so far (test, effect size, p-value, CI, n, verdict)."""
        from hayeknet.research.hypotheses import hypotheses_table

        return hypotheses_table(self.history[-1].get("hypotheses", []))

    def prediction_scores(self) -> Any:
        """Predictive claims of earlier days scored on the days after them (Brier, reliability)."""
        from hayeknet.research.scoring import score_predictions

        return score_predictions(self.history)

    def market_design_table(self) -> pd.DataFrame:
        """Profit ($) per day under SCED today and RTC+B (energy + AS, perfect foresight)."""
        rows = {}
        for r in self.history:
            designs = r.get("market_designs") or {}
            if designs.get("available"):
                rows[r["day"]] = {
                    "sced_today_profit_usd": designs["sced_today"]["revenue_by_stream_usd"]["profit"],
                    "rtc_b_profit_usd": designs["rtc_b"]["revenue_by_stream_usd"]["profit"],
                    "rtc_b_minus_sced_usd": designs["difference_usd"]["profit"],
                }
        return pd.DataFrame(rows).T.round(2) if rows else pd.DataFrame({"note": ["no market-design results"]})


def load_study(ctx: StageContext, last_day: str) -> StudyBundle:
    last_day = _check_day(last_day)
    history = read_history(ctx, last_day)
    if not history:
        raise StageInputError(f"{ctx.paths.research / last_day}: empty study history")
    return StudyBundle(ctx, last_day, history)


def run_thesis_figures(ctx: StageContext, last_day: str) -> list[Path]:
    """Thesis figures over the study up to ``last_day`` -> ``reports/thesis/`` (PDF + 300-dpi PNG)."""
    from hayeknet.agents.training import read_registry
    from hayeknet.reporting.thesis import write_thesis_figures

    last_day = _check_day(last_day)
    history = read_history(ctx, last_day)
    days = [r["day"] for r in history]
    out = ctx.paths.reports / "thesis"
    with atomic_directory(out) as tmp:
        write_thesis_figures(
            history,
            tmp,
            ledgers_by_day={d: read_simulation(ctx, d).ledgers for d in days},
            prices_by_day={d: location_prices(ctx, d).to_numpy() for d in days},
            learning_curve=(read_registry(ctx.paths.models / last_day) or {}).get("learning_curve", []),
            soc_min_mwh=ctx.spec.soc_min_mwh,
            soc_max_mwh=ctx.spec.soc_max_mwh,
        )
    return sorted(out.iterdir())
