"""Load and validate ``params.yaml`` into frozen dataclasses.

A wrong key or value raises :class:`ParamsError` naming the file and the dotted
key (``battery.power_mw``), so a typo in an experiment fails before any work.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

import yaml

from hayeknet.battery.spec import BatterySpec


class ParamsError(ValueError):
    """A parameter file is missing a key, has an unknown key or a bad value."""


@dataclass(frozen=True)
class StudyParams:
    """The study window and source. ``end`` is an operating day (YYYY-MM-DD) or a word that
    ``hayeknet collect`` resolves against the calendar: ``yesterday`` or ``latest`` (the last day the
    source has published; :mod:`hayeknet.pipeline.window`). ``seed`` seeds every random draw of the study."""

    start: dt.date
    end: str
    source: str = "synthetic"
    seed: int = 20251001

    def __post_init__(self) -> None:
        end = self.end_day()
        if end is None and self.end not in ("yesterday", "latest"):
            raise ParamsError(f"study.end must be YYYY-MM-DD, 'yesterday' or 'latest', got {self.end!r}")
        if end is not None and end < self.start:
            raise ParamsError(f"study.end {end} is before study.start {self.start}")
        if self.source not in {"synthetic", "files", "mis", "api"}:
            raise ParamsError(f"study.source must be synthetic|files|mis|api, got {self.source!r}")

    def end_day(self) -> dt.date | None:
        """``end`` as a date, or None when it is a calendar word (``yesterday``, ``latest``)."""
        try:
            return dt.date.fromisoformat(str(self.end))
        except ValueError:
            return None

    def days(self) -> list[dt.date]:
        """Every operating day of a fixed window (``end`` a date)."""
        end = self.end_day()
        if end is None:
            raise ParamsError(f"study.end is {self.end!r}: resolve it against the calendar first (hayeknet collect)")
        return [self.start + dt.timedelta(days=i) for i in range((end - self.start).days + 1)]


@dataclass(frozen=True)
class SyntheticParams:
    """The synthetic source: ``n_resource_nodes`` resource nodes beside the hubs and load zones, and
    ``published_through``, the last operating day it has "published" (what ``study.end: latest`` means
    for it: a fixed day, so the embedded default never grows on its own)."""

    n_resource_nodes: int = 15
    published_through: dt.date = dt.date(2025, 10, 3)

    def __post_init__(self) -> None:
        if not 0 <= self.n_resource_nodes <= 2000:
            raise ParamsError("synthetic.n_resource_nodes must be within 0..2000")


@dataclass(frozen=True)
class AssimilationParams:
    backend: str = "auto"
    ensemble_size: int = 40
    inflation: float = 1.02
    obs_error_usd_per_mwh: float = 2.0
    seed: int = 7
    localization_radius_hops: float = 2.0

    def __post_init__(self) -> None:
        if self.backend not in {"auto", "julia", "numpy"}:
            raise ParamsError(f"assimilation.backend must be auto|julia|numpy, got {self.backend!r}")
        if self.ensemble_size < 2:
            raise ParamsError("assimilation.ensemble_size must be >= 2")
        if not 1 <= self.inflation <= 2:
            raise ParamsError(f"assimilation.inflation must be within [1, 2], got {self.inflation!r}")
        if self.obs_error_usd_per_mwh <= 0:
            raise ParamsError(f"assimilation.obs_error_usd_per_mwh must be > 0, got {self.obs_error_usd_per_mwh!r}")
        if self.localization_radius_hops < 0:
            raise ParamsError("assimilation.localization_radius_hops must be >= 0 (0: own price only)")


@dataclass(frozen=True)
class TrainParams:
    """PPO settings of the agents, and the tuning window they were chosen on.

    ``tuning_start`` .. ``tuning_end`` (operating days, inclusive): the only days the agents' design and
    these settings may be tuned on (ADR 0008: real 2024-01..06 HB_HUBAVG); results are to be reported on
    days outside it. Nothing enforces that yet: checkpoints record which of their training days fall
    inside it (``registry.json``: ``days_in_tuning_window``).
    """

    timesteps_per_day: int = 20000
    n_envs: int = 4
    learning_rate: float = 3e-4
    n_steps: int = 512
    batch_size: int = 256
    n_epochs: int = 5
    gamma: float = 0.995
    seed: int = 42
    tuning_start: dt.date = dt.date(2024, 1, 1)
    tuning_end: dt.date = dt.date(2024, 6, 30)

    def __post_init__(self) -> None:
        if self.timesteps_per_day < 0:
            raise ParamsError(f"train.timesteps_per_day must be >= 0, got {self.timesteps_per_day!r}")
        if self.n_envs < 1:
            raise ParamsError(f"train.n_envs must be >= 1, got {self.n_envs!r}")
        if self.n_steps < 2:
            raise ParamsError(f"train.n_steps must be >= 2, got {self.n_steps!r}")
        if not 0 < self.learning_rate < 1:
            raise ParamsError(f"train.learning_rate must be within (0, 1), got {self.learning_rate!r}")
        if not 2 <= self.batch_size <= self.n_steps * self.n_envs:
            raise ParamsError(
                f"train.batch_size must be within 2..n_steps x n_envs ({self.n_steps * self.n_envs}), "
                f"got {self.batch_size!r}"
            )
        if self.n_epochs < 1:
            raise ParamsError(f"train.n_epochs must be >= 1, got {self.n_epochs!r}")
        if not 0 < self.gamma <= 1:
            raise ParamsError(f"train.gamma must be within (0, 1], got {self.gamma!r}")
        if self.tuning_end < self.tuning_start:
            raise ParamsError(f"train.tuning_end {self.tuning_end} is before train.tuning_start {self.tuning_start}")


@dataclass(frozen=True)
class BeliefsParams:
    """Bayesian beliefs (PyMC): event thresholds, the model's history and scales, and NUTS settings.

    Events at the battery location per 5-minute interval: price above
    ``research.high_price_usd_per_mwh``; |RT - DAM| above
    ``imbalance_usd_per_mwh``; |node - hub| basis above ``congestion_usd_per_mwh``.
    ``history_days``: most recent days fitted; ``paths_per_draw``: predictive
    paths per posterior draw; ``price_scale_usd_per_mwh`` / ``basis_scale_usd_per_mwh``:
    asinh scales of the spread and the basis; ``hub``: reference hub of the basis
    (``auto``: :func:`hayeknet.beliefs.events.default_hub` of the location).
    NUTS: ``chains`` run sequentially in-process, ``draws``/``tune`` per chain;
    ``converged`` requires R-hat max <= ``rhat_max`` and bulk and tail ESS min >= ``ess_min``.
    The RT - DAM spread model (:mod:`hayeknet.beliefs.spread_model`): ``spread_bins`` bins of the
    previous interval's spread, ``spread_atoms`` atoms per (hour, bin), fitted on the last
    ``spread_history_days`` days.
    """

    imbalance_usd_per_mwh: float = 20.0
    congestion_usd_per_mwh: float = 10.0
    history_days: int = 5
    paths_per_draw: int = 4
    hub: str = "auto"
    price_scale_usd_per_mwh: float = 10.0
    basis_scale_usd_per_mwh: float = 10.0
    chains: int = 2
    draws: int = 300
    tune: int = 300
    target_accept: float = 0.85
    seed: int = 11
    rhat_max: float = 1.05
    ess_min: float = 100.0
    spread_bins: int = 15
    spread_atoms: int = 50
    spread_history_days: int = 365

    def __post_init__(self) -> None:
        if self.history_days < 1 or self.paths_per_draw < 1:
            raise ParamsError("beliefs: history_days and paths_per_draw must be >= 1")
        if self.chains < 1 or self.draws < 1 or self.tune < 0:
            raise ParamsError("beliefs: chains and draws must be >= 1 and tune >= 0")
        if not 0.5 <= self.target_accept < 1.0:
            raise ParamsError("beliefs.target_accept must be within [0.5, 1)")
        if self.price_scale_usd_per_mwh <= 0 or self.basis_scale_usd_per_mwh <= 0:
            raise ParamsError("beliefs: price_scale_usd_per_mwh and basis_scale_usd_per_mwh must be > 0")
        if self.imbalance_usd_per_mwh < 0 or self.congestion_usd_per_mwh < 0:
            raise ParamsError("beliefs: imbalance_usd_per_mwh and congestion_usd_per_mwh must be >= 0")
        if self.spread_bins < 1 or self.spread_atoms < 1 or self.spread_history_days < 1:
            raise ParamsError("beliefs: spread_bins, spread_atoms and spread_history_days must be >= 1")

    @property
    def scales_usd_per_mwh(self) -> tuple[float, float]:
        """asinh scales ($/MWh) of the two modelled quantities: RT-DAM spread, node-hub basis."""
        return (self.price_scale_usd_per_mwh, self.basis_scale_usd_per_mwh)


@dataclass(frozen=True)
class QSEParams:
    """The three-QSE market (battery, solar, wind at the battery's settlement point)."""

    enabled: bool = True
    timesteps_per_agent_per_day: int = 20000
    impact_usd_per_mwh_per_mw: float = 0.05
    imbalance_charge_usd_per_mwh: float = 1.0
    solar_mw: float = 200.0
    wind_mw: float = 150.0
    market_design: str = "sced"
    corridor_limits: bool = True

    def __post_init__(self) -> None:
        if self.market_design not in ("sced", "rtc_b"):
            raise ParamsError(f"qse.market_design must be 'sced' or 'rtc_b', got {self.market_design!r}")
        if self.timesteps_per_agent_per_day < 0 or self.impact_usd_per_mwh_per_mw < 0:
            raise ParamsError("qse: timesteps_per_agent_per_day and impact_usd_per_mwh_per_mw must be >= 0")
        if self.solar_mw <= 0 or self.wind_mw <= 0 or self.imbalance_charge_usd_per_mwh < 0:
            raise ParamsError("qse: solar_mw and wind_mw must be > 0, imbalance_charge_usd_per_mwh >= 0")


@dataclass(frozen=True)
class SimulateParams:
    """Settings of the strategies (:mod:`hayeknet.battery.lineup`).

    ``threshold_*_percentile``: the percentile heuristic's charge/discharge percentiles of the previous
    day; ``value_soc_points`` / ``value_power_levels``: the SOC grid and net-power levels of the
    ``storage_value`` dynamic program; ``offer_*_quantile``: the spread quantiles of ``dam_offer``'s
    charge and discharge thresholds. The last four were chosen on the tuning window (ADR 0020).
    ``stochastic_scenarios``: spread paths per re-plan of ``mpc_stochastic`` (and the paths whose median
    ``mpc_median`` plans on); ``stochastic_replan_intervals``: intervals between their re-plans;
    ``stochastic_seed``: seeds their draws together with the operating day and the interval.
    ``valuation_paths``: spread paths of the day's battery valuation stated before the day
    (:mod:`hayeknet.options.next_day`; seeded by ``stochastic_seed`` and the day).
    """

    threshold_low_percentile: float = 25.0
    threshold_high_percentile: float = 75.0
    value_soc_points: int = 41
    value_power_levels: int = 21
    offer_low_quantile: float = 0.1
    offer_high_quantile: float = 0.9
    stochastic_scenarios: int = 16
    stochastic_replan_intervals: int = 1
    stochastic_seed: int = 17
    valuation_paths: int = 2000

    def __post_init__(self) -> None:
        if not 0 <= self.threshold_low_percentile < self.threshold_high_percentile <= 100:
            raise ParamsError("simulate: 0 <= threshold_low_percentile < threshold_high_percentile <= 100")
        if self.value_soc_points < 3 or self.value_power_levels < 3 or self.value_power_levels % 2 == 0:
            raise ParamsError("simulate: value_soc_points >= 3 and an odd value_power_levels >= 3")
        if not 0 < self.offer_low_quantile < self.offer_high_quantile < 1:
            raise ParamsError("simulate: 0 < offer_low_quantile < offer_high_quantile < 1")
        if not 1 <= self.stochastic_scenarios <= 256:
            raise ParamsError(f"simulate: stochastic_scenarios must be in 1..256, got {self.stochastic_scenarios}")
        if self.stochastic_replan_intervals < 1:
            raise ParamsError(
                f"simulate: stochastic_replan_intervals must be >= 1, got {self.stochastic_replan_intervals}"
            )
        if self.stochastic_seed < 0:
            raise ParamsError(f"simulate: stochastic_seed must be >= 0, got {self.stochastic_seed}")
        if not 4 <= self.valuation_paths <= 100_000:
            raise ParamsError(f"simulate: valuation_paths must be in 4..100000, got {self.valuation_paths}")


@dataclass(frozen=True)
class ResearchParams:
    """Thresholds of the research stage in $/MWh (5-minute real-time prices) and hours.

    A price above ``high_price_usd_per_mwh`` is a *high price* (a spike
    interval), one below ``negative_price_usd_per_mwh`` a *negative price*.
    ``anomaly_threshold`` is the |normalized innovation| above which an EnKF
    observation is an outlier. ``scarcity_*`` and ``volatile_*`` define the day
    regime (:func:`hayeknet.research.insights.classify_regime`).
    """

    high_price_usd_per_mwh: float = 100.0
    negative_price_usd_per_mwh: float = 0.0
    anomaly_threshold: float = 4.0
    scarcity_price_usd_per_mwh: float = 1000.0
    scarcity_high_hours: float = 1.0
    volatile_return_std: float = 0.15
    volatile_negative_hours: float = 1.0

    def __post_init__(self) -> None:
        if self.negative_price_usd_per_mwh >= self.high_price_usd_per_mwh:
            raise ParamsError("research.negative_price_usd_per_mwh must be below research.high_price_usd_per_mwh")
        if self.anomaly_threshold <= 0:
            raise ParamsError("research.anomaly_threshold must be positive")


HELD_OUT_FROM = dt.date(2025, 1, 1)
"""Real prices from this day on are held out for evaluation: no tuning window may reach it."""


@dataclass(frozen=True)
class EvaluationParams:
    """The tuning and evaluation windows of real days (inclusive operating days, America/Chicago).

    Strategies and agents are tuned on the tuning window only and reported on
    the evaluation window (:mod:`hayeknet.battery.walk_forward`, ``hayeknet
    evaluate``); the windows may not overlap, the evaluation comes after the
    tuning, and the tuning window ends before :data:`HELD_OUT_FROM`.
    ``location``: the settlement point of the evaluation on real report files.
    """

    tuning_start: dt.date = dt.date(2024, 1, 1)
    tuning_end: dt.date = dt.date(2024, 6, 30)
    evaluation_start: dt.date = dt.date(2024, 7, 1)
    evaluation_end: dt.date = dt.date(2024, 12, 31)
    location: str = "HB_HUBAVG"

    def __post_init__(self) -> None:
        if self.tuning_end < self.tuning_start or self.evaluation_end < self.evaluation_start:
            raise ParamsError("evaluation: each window must end on or after its start")
        if self.tuning_start <= self.evaluation_end and self.evaluation_start <= self.tuning_end:
            raise ParamsError("evaluation: the tuning and evaluation windows overlap")
        if self.evaluation_start < self.tuning_start:
            raise ParamsError("evaluation: the evaluation window must come after the tuning window")
        if self.tuning_end >= HELD_OUT_FROM:
            raise ParamsError(f"evaluation.tuning_end must be before {HELD_OUT_FROM} (later real prices are held out)")


@dataclass(frozen=True)
class QualityParams:
    """Data-quality gates (:mod:`hayeknet.archive.quality`): ``max_filled_minutes`` is how many minutes of
    one price series (a report's intervals, a hub, load zone or AS product) may be missing and still be
    filled from the neighbouring interval by the query layer; the fill is counted and shown in the report.
    More missing quarantines the day (ingest), or stops a stage that would fill more at its location."""

    max_filled_minutes: int = 60

    def __post_init__(self) -> None:
        if not 0 <= self.max_filled_minutes <= 1440:
            raise ParamsError(f"quality.max_filled_minutes must be within 0..1440, got {self.max_filled_minutes!r}")


SWEEP_SCHEDULERS = ("local", "serial")
"""``sweep.scheduler`` words; anything else must be a Dask scheduler address (``tcp://host:port``)."""


@dataclass(frozen=True)
class SweepParams:
    """The siting sweep (stage ``sweep``, ``hayeknet sweep``; ADR 0019): every settlement point x study day
    x strategy, on Dask.

    ``locations``: ``all`` (every point with a real-time price) or a file of names, one a line (relative
    to the project root); ``strategies``: comma-separated lineup names (:mod:`hayeknet.battery.lineup`;
    ``perfect_foresight``, the bound of the capture ratios, always runs); ``scheduler``: ``local`` (a Dask
    LocalCluster on this machine), ``serial`` (no Dask: one process) or a running scheduler's address
    ``tcp://host:port``; ``n_workers``: the LocalCluster's worker processes (0: one per core);
    ``tasks_per_day``: tasks each day is split into (0: twice the workers); ``retries``: extra attempts of
    a failed task. The last four change how the sweep runs, never a number: a change re-runs the stage,
    which then finds every day partition finished.
    """

    locations: str = "all"
    strategies: str = "perfect_foresight,mpc_dam,percentile_threshold"
    scheduler: str = "local"
    n_workers: int = 0
    tasks_per_day: int = 0
    retries: int = 2

    def __post_init__(self) -> None:
        if not self.locations.strip():
            raise ParamsError("sweep.locations must be 'all' or a file of settlement point names")
        names = self.strategy_names()
        if not names or not all(n.replace("_", "").isalnum() for n in names):
            raise ParamsError(f"sweep.strategies must be comma-separated strategy names, got {self.strategies!r}")
        if self.scheduler not in SWEEP_SCHEDULERS and "://" not in self.scheduler:
            raise ParamsError(
                "sweep.scheduler must be local, serial or a scheduler address (tcp://host:port), "
                f"got {self.scheduler!r}"
            )
        if self.n_workers < 0 or self.tasks_per_day < 0 or self.retries < 0:
            raise ParamsError("sweep: n_workers, tasks_per_day and retries must be >= 0")

    def strategy_names(self) -> tuple[str, ...]:
        """``strategies`` as a tuple of names (blanks dropped)."""
        return tuple(n.strip() for n in self.strategies.split(",") if n.strip())


@dataclass(frozen=True)
class Params:
    study: StudyParams
    synthetic: SyntheticParams = field(default_factory=SyntheticParams)
    battery: BatterySpec = field(default_factory=BatterySpec)
    assimilation: AssimilationParams = field(default_factory=AssimilationParams)
    train: TrainParams = field(default_factory=TrainParams)
    qse: QSEParams = field(default_factory=QSEParams)
    beliefs: BeliefsParams = field(default_factory=BeliefsParams)
    simulate: SimulateParams = field(default_factory=SimulateParams)
    research: ResearchParams = field(default_factory=ResearchParams)
    evaluation: EvaluationParams = field(default_factory=EvaluationParams)
    quality: QualityParams = field(default_factory=QualityParams)

    sweep: SweepParams = field(default_factory=SweepParams)

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(dataclasses.asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _coerce(value: Any, typ: Any, key: str, source: str) -> Any:
    try:
        if typ is dt.date:
            if isinstance(value, dt.date):
                return value
            return dt.date.fromisoformat(str(value))
        if typ is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        if typ is float:
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
            if not math.isfinite(number):
                raise ParamsError(f"{source}: {key} = {clip(repr(value))} is not a finite number")
            return number
        if typ is bool:
            if not isinstance(value, bool):
                raise ValueError
            return value
        if typ is str:
            if isinstance(value, dt.date):  # an unquoted YAML date where a day or a word is allowed
                return value.isoformat()
            if not isinstance(value, str):
                raise ValueError
            return value
    except ParamsError:
        raise
    except (TypeError, ValueError):
        raise ParamsError(f"{source}: {key} = {clip(repr(value))} is not a valid {typ.__name__}") from None
    return value


def _build(cls: type, raw: Any, prefix: str, source: str, complete: bool = False) -> Any:
    if raw is None:
        if complete:
            raise ParamsError(f"{source}: missing section {prefix} (params.yaml holds every key dvc.yaml tracks)")
        raw = {}
    if not isinstance(raw, Mapping):
        raise ParamsError(f"{source}: {prefix} must be a mapping, got {type(raw).__name__}")
    hints = get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(map(str, raw)) - set(fields))
    if unknown:
        raise ParamsError(f"{source}: unknown key {prefix}.{clip(unknown[0])} (known: {', '.join(fields)})")
    kwargs: dict[str, Any] = {}
    for name, f in fields.items():
        key = f"{prefix}.{name}"
        typ = hints[name]
        if isinstance(typ, type) and dataclasses.is_dataclass(typ):
            kwargs[name] = _build(typ, raw.get(name), key, source, complete)
            continue
        if name not in raw:
            if complete:
                raise ParamsError(
                    f"{source}: missing key {key} (no default is used for a key dvc.yaml tracks: put it back)"
                )
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ParamsError(f"{source}: missing key {key}")
            continue
        kwargs[name] = _coerce(raw[name], typ, key, source)
    try:
        return cls(**kwargs)
    except ValueError as exc:  # ParamsError, or a domain class's own check (BatterySpecError)
        raise ParamsError(f"{source}: {exc}") from None


def params_from_mapping(raw: Mapping[str, Any], source: str = "<params>", *, complete: bool = False) -> Params:
    """Validate a parsed mapping (the content of params.yaml) into :class:`Params`.

    ``complete``: every section and key must be present (a params *file*: a
    deleted key fails with its name instead of silently taking a default that
    ``dvc.lock`` would not record); otherwise absent keys take their defaults.
    """
    if not isinstance(raw, Mapping):
        raise ParamsError(f"{source}: top level must be a mapping")
    unknown = sorted(set(map(str, raw)) - {f.name for f in dataclasses.fields(Params)})
    if unknown:
        raise ParamsError(f"{source}: unknown section {clip(unknown[0])!r}")
    hints = get_type_hints(Params)
    kwargs = {
        f.name: _build(
            hints[f.name], {} if f.name in raw and raw[f.name] is None else raw.get(f.name), f.name, source, complete
        )
        for f in dataclasses.fields(Params)
        if f.name in raw or f.name == "study" or complete
    }
    params = Params(**kwargs)
    _check_one_tuning_window(params, source)
    return params


def _check_one_tuning_window(params: Params, source: str) -> None:
    """``train.tuning_*`` (recorded in every checkpoint) must equal ``evaluation.tuning_*`` (the protocol's):
    the project has one tuning window (ADR 0020). Checked where a params file is read, not in ``Params``,
    so a stage that reads neither section does not read them."""
    train = (params.train.tuning_start, params.train.tuning_end)
    evaluation = (params.evaluation.tuning_start, params.evaluation.tuning_end)
    if train != evaluation:
        raise ParamsError(
            f"{source}: train.tuning_start..tuning_end ({train[0]}..{train[1]}) must equal evaluation.tuning_start.."
            f"tuning_end ({evaluation[0]}..{evaluation[1]}): the project has one tuning window"
        )


MAX_PARAMS_BYTES = 1 << 20
"""A params file larger than this is not a params file (read bounded)."""


def load_params(path: str | Path, *, complete: bool = True) -> Params:
    """Read and validate a params file (``params.yaml``): every key present (``complete``), every value in range."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_PARAMS_BYTES + 1)
    except FileNotFoundError:
        raise ParamsError(f"{path}: no such params file") from None
    except OSError as exc:
        raise ParamsError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_PARAMS_BYTES:
        raise ParamsError(f"{path}: larger than {MAX_PARAMS_BYTES} bytes: not a params file")
    try:
        raw = yaml.safe_load(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ParamsError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML: {clip(exc)}") from None
    _refuse_yaml_dates(raw, str(path))
    return params_from_mapping(raw or {}, str(path), complete=complete)


def _refuse_yaml_dates(raw: Any, source: str, prefix: str = "") -> None:
    """DVC cannot read a YAML date (``2024-01-01`` unquoted) in a params file: every ``dvc`` command of the
    project then fails with "unexpected error". Refuse it here, naming the key."""
    if isinstance(raw, dict):
        for key, value in raw.items():
            _refuse_yaml_dates(value, source, f"{prefix}{key}.")
    elif isinstance(raw, list):
        for i, value in enumerate(raw):
            _refuse_yaml_dates(value, source, f"{prefix}{i}.")
    elif isinstance(raw, dt.date):
        raise ParamsError(
            f'{source}: {prefix.rstrip(".")}: write the date quoted ("{raw.isoformat()}"): DVC cannot read '
            "an unquoted YAML date"
        )


def clip(text: object, limit: int = 200) -> str:
    """``str(text)`` cut to ``limit`` characters: messages never echo more of an input than that."""
    s = str(text)
    return s if len(s) <= limit else f"{s[:limit]}... [{len(s) - limit} more characters]"
