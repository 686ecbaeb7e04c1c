"""Nightly evaluation of the three QSE agents on a new, unseen day (issue 5).

Each agent is scored on day ``d`` with the checkpoint trained on days
``< d`` (walk-forward), against heuristics that act through the *same*
environment (:class:`~hayeknet.agents.qse.ParallelQSEEnv`: same
projection, same price impact, same settlement) while the other two agents
follow their trained deterministic policies:

* battery: the agent vs :class:`~hayeknet.battery.strategies.PercentileThreshold`
  (thresholds from the previous day) and
  :class:`~hayeknet.battery.strategies.TimeOfDaySchedule`, plus a
  perfect-foresight bound per run: the LP of :mod:`hayeknet.battery.optimize`
  (under ``market_design="rtc_b"`` the energy + AS co-optimization of
  :mod:`hayeknet.battery.cooptimize` at the day's AS prices, the products the
  battery may offer) on the price the battery would have faced *without its
  own impact* (the others' deviations only), from the initial SOC with
  terminal SOC at least the run's final SOC. Since a QSE's own impact can only
  lower its cash (:mod:`hayeknet.agents.market`), AS payments do not depend on
  it, and the LP's constraints are the environment's rules (without the
  corridor and terminal floors, which only shrink the environment's choices),
  the run's profit never exceeds this bound: ``capture_ratio <= 1``. The
  textbook bound on the exogenous price (terminal SOC = initial) is reported
  too (``pf_exogenous_profit_usd``). Under ``rtc_b`` the heuristics also run
  with greedy AS offers (``<heuristic>_greedy_as``, and ``greedy_as_only``
  with the battery idle): each interval the power and energy the energy
  schedule leaves free are offered to the up products best paid in the
  previous interval (NPRR1282 durations) and to Reg-Down (:func:`greedy_as_offers`).
* solar and wind: the agent vs "hedge 100% of forecast, never curtail"
  (``hedge_full``) and "no hedge, never curtail" (``no_hedge``), on a day
  that has the resource's profile; otherwise that QSE is off (it does not
  run, the others run without it) and its entry says why.

Heuristic requests pass through the environment's projection like the
agent's (the battery's terminal-SOC rule may force a heuristic to recharge
at the end of the day). :func:`evaluate_qse_day` returns a JSON-serialisable
dict for the research stage; :func:`walk_forward` runs the nightly loop
(train on days ``< d``, evaluate on ``d``) over a window of days.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hayeknet.agents.errors import PriceDataError
from hayeknet.agents.market import local_prices
from hayeknet.agents.qse import AGENTS, RENEWABLE_AGENTS, STATE_FEATURE_NAMES, ParallelQSEEnv, QSEDay, QSEEnvConfig
from hayeknet.battery.cooptimize import AS_DURATION_HOURS, UP_PRODUCTS, optimize_energy_and_as
from hayeknet.battery.optimize import optimize_dispatch
from hayeknet.battery.spec import BatterySpec
from hayeknet.battery.strategies import (
    PercentileThreshold,
    Strategy,
    StrategyContext,
    TimeOfDaySchedule,
    capture_ratio,
)
from hayeknet.constraints.rules import BatteryAction

EVALUATION_SCHEMA_VERSION = 2

#: An actor turns an agent's observation (and the environment, for the interval index) into a physical
#: request: battery net MW (+ discharges), renewables ``(hedge_frac, curtail_frac)``.
Actor = Callable[[np.ndarray, ParallelQSEEnv], Any]


def policy_actor(agent: str, policy: Callable[[np.ndarray], Any]) -> Actor:
    """Actor of a discrete-action policy (e.g. :class:`~hayeknet.agents.multi_training.FrozenPolicy`)."""
    return lambda obs, env: env.action_to_request(agent, policy(obs))


def schedule_actor(net_mw: np.ndarray) -> Actor:
    """Battery actor requesting ``net_mw[t]`` (MW, + discharges) at interval ``t``."""
    net = np.asarray(net_mw, dtype=float)
    return lambda obs, env: float(net[env.interval])


def greedy_as_offers(
    net_mw: float,
    soc_mwh: float,
    spec: BatterySpec,
    dt_hours: float,
    prices_usd_per_mw_h: Mapping[str, float],
) -> dict[str, float]:
    """AS offers (MW) that fill what a net power ``net_mw`` (MW, + discharges) leaves free, best price first.

    Up products (``prices_usd_per_mw_h`` keys among Reg-Up, RRS, ECRS,
    Non-Spin), in decreasing price, share the power headroom
    ``power_mw - discharge`` and the energy above the SOC floor at the lower
    end of the interval, each MW of product ``k`` using ``h_k /
    discharge_efficiency`` MWh (NPRR1282 durations ``h_k``); Reg-Down gets
    ``power_mw - charge`` within the room below the ceiling at the higher end.
    Products priced <= 0 get nothing. These are the rules of
    :mod:`hayeknet.constraints.rules`, so a feasible ``net_mw`` with these
    offers passes the projection unchanged.
    """
    charge, discharge = max(-net_mw, 0.0), max(net_mw, 0.0)
    soc_end = soc_mwh + (spec.charge_efficiency * charge - discharge / spec.discharge_efficiency) * dt_hours
    power = max(spec.power_mw - discharge, 0.0)
    energy = max(min(soc_mwh, soc_end) - spec.soc_min_mwh, 0.0) * spec.discharge_efficiency
    offers = {k: 0.0 for k in prices_usd_per_mw_h}
    for k in sorted((k for k in prices_usd_per_mw_h if k in UP_PRODUCTS), key=lambda k: -prices_usd_per_mw_h[k]):
        if prices_usd_per_mw_h[k] <= 0:
            continue
        mw = min(power, energy / AS_DURATION_HOURS[k])
        offers[k] = mw
        power -= mw
        energy -= mw * AS_DURATION_HOURS[k]
    if prices_usd_per_mw_h.get("REGDN", 0.0) > 0:
        room = max(spec.soc_max_mwh - max(soc_mwh, soc_end), 0.0)
        per_mw = AS_DURATION_HOURS["REGDN"] * spec.charge_efficiency
        offers["REGDN"] = min(max(spec.power_mw - charge, 0.0), room / per_mw)
    # a hair inside the limits, so float round-off never leaves the offer infeasible
    return {k: v * (1.0 - 1e-9) for k, v in offers.items()}


def greedy_as_actor(net_mw: np.ndarray | None) -> Actor:
    """Battery actor (``rtc_b``): the energy schedule ``net_mw`` (MW, + discharges; ``None``: idle),
    clipped to what is feasible now, plus :func:`greedy_as_offers` ranked by the previous interval's AS
    prices (the last published, ADR 0017; none in the first interval)."""
    net = None if net_mw is None else np.asarray(net_mw, dtype=float)

    def act(obs: np.ndarray, env: ParallelQSEEnv) -> BatteryAction:
        t = env.interval
        lo, hi = env.battery_net_interval_mw()
        request = 0.0 if net is None else float(net[t])
        request = min(max(request, lo), hi)
        cfg = env.config
        if t == 0:  # no AS price of the day published yet: no AS offer
            return BatteryAction(request, {k: 0.0 for k in cfg.as_products})
        day_prices = _day_as_prices(env.day)
        prices = {k: float(day_prices[k][t - 1]) for k in cfg.as_products}  # the last published MCPCs
        return BatteryAction(request, greedy_as_offers(request, env.soc_mwh, cfg.battery, cfg.dt_hours, prices))

    return act


def constant_actor(hedge_frac: float, curtail_frac: float = 0.0) -> Actor:
    """Renewable actor: fixed hedge fraction and curtailment fraction."""
    return lambda obs, env: (hedge_frac, curtail_frac)


def rollout(env: ParallelQSEEnv, day_index: int, actors: Mapping[str, Actor]) -> dict[str, pd.DataFrame]:
    """Play one day with one actor per agent of the day; each running agent's per-interval ``info`` rows as a
    DataFrame (agents that are off that day have none)."""
    obs, _ = env.reset(options={"day_index": day_index})
    running = list(env.agents)
    rows: dict[str, list[dict[str, Any]]] = {a: [] for a in running}
    while env.agents:
        requests = {a: actors[a](obs[a], env) for a in running}
        obs, _, _, _, infos = env.step_requests(requests)
        for a in running:
            rows[a].append(infos[a])
    return {a: pd.DataFrame(r) for a, r in rows.items()}


def _price_series(prices: np.ndarray, index: pd.DatetimeIndex | None, day_offset: int, dt_hours: float) -> pd.Series:
    """Prices as a Series on the given UTC index, or on a stand-in one starting at local midnight (CST)."""
    if index is None:
        start = pd.Timestamp("2001-01-02T06:00Z") + pd.Timedelta(days=day_offset)
        index = pd.date_range(start, periods=len(prices), freq=pd.Timedelta(hours=dt_hours))
    return pd.Series(np.asarray(prices, dtype=float), index=index)


def battery_heuristic_net_mw(
    strategy: Strategy, day: QSEDay, reference: QSEDay | None, config: QSEEnvConfig
) -> np.ndarray:
    """Net power requests (MW, + discharges) of a battery strategy on ``day``'s exogenous prices."""
    prices = _price_series(day.rt_price_usd_per_mwh, day.interval_start_utc, 0, config.dt_hours)
    if reference is None:
        history = pd.Series([], index=pd.DatetimeIndex([], tz="UTC"), dtype=float)
    else:
        idx = reference.interval_start_utc
        history = _price_series(reference.rt_price_usd_per_mwh, idx, -1, config.dt_hours)
    charge, discharge = strategy.schedule(prices, config.battery, StrategyContext(config.dt_hours, history))
    return np.asarray(discharge) - np.asarray(charge)


def _day_as_prices(day: QSEDay) -> Mapping[str, np.ndarray]:
    """The day's AS prices ($/MW-h per interval); :class:`PriceDataError` when the day has none."""
    if day.as_prices_usd_per_mw_h is None:
        raise PriceDataError(f"QSEDay {day.label}: AS offers need AS prices (as_prices_usd_per_mw_h)")
    return day.as_prices_usd_per_mw_h


def _as_prices(day: QSEDay, config: QSEEnvConfig) -> dict[str, np.ndarray]:
    """The day's AS prices of the products the battery may offer ($/MW-h per interval; empty under SCED)."""
    if not config.offers_as:
        return {}
    given = _day_as_prices(day)
    return {k: given[k] for k in config.as_products}


def _battery_summary(frame: pd.DataFrame, config: QSEEnvConfig, day: QSEDay) -> dict[str, Any]:
    s, dt_h = config.battery, config.dt_hours
    charge = frame["charge_mw"].to_numpy(float)
    discharge = frame["discharge_mw"].to_numpy(float)
    net = discharge - charge
    # price without the battery's own deviation: an upper bound of what it could have earned
    others_dev = frame["deviation_mw"].to_numpy(float) - net
    p_others = local_prices(frame["exogenous_price_usd_per_mwh"].to_numpy(float), others_dev, config.impact)
    soc_end = float(frame["soc_mwh"].iloc[-1])
    terminal = min(max(soc_end, s.soc_min_mwh), s.soc_max_mwh)
    as_prices = _as_prices(day, config)
    if as_prices:
        bound = optimize_energy_and_as(
            p_others,
            as_prices,
            s,
            dt_h,
            soc_start_mwh=s.soc_initial_mwh,
            terminal_soc_mwh=terminal,
            terminal_rule="at_least",
        ).dispatch
    else:
        bound = optimize_dispatch(
            p_others, s, dt_h, soc_start_mwh=s.soc_initial_mwh, terminal_soc_mwh=terminal, terminal_rule="at_least"
        )
    profit = float(frame["profit_usd"].sum())
    energy = float(frame["cash_usd"].sum())
    degradation = float(frame["degradation_usd"].sum())
    as_by_product = {k: float(frame[f"as_cash_{k}_usd"].sum()) for k in as_prices}
    streams = {
        "energy": energy,
        **as_by_product,
        "as_total": float(frame["as_cash_usd"].sum()),
        "degradation": degradation,
        "profit": profit,
    }
    return {
        "profit_usd": profit,
        "energy_cash_usd": energy,
        "as_cash_usd": float(frame["as_cash_usd"].sum()),
        "as_cash_by_product_usd": as_by_product,
        "mean_as_award_mw": {k: float(frame[f"as_award_{k}_mw"].mean()) for k in as_prices},
        "revenue_by_stream_usd": streams,
        "degradation_usd": degradation,
        "charge_mwh": float(charge.sum() * dt_h),
        "discharge_mwh": float(discharge.sum() * dt_h),
        "soc_end_mwh": soc_end,
        "bound_profit_usd": float(bound.profit_usd),
        "capture_ratio": capture_ratio(profit, bound.profit_usd),
        "mean_price_impact_usd_per_mwh": float(
            np.mean(frame["price_usd_per_mwh"].to_numpy(float) - frame["exogenous_price_usd_per_mwh"].to_numpy(float))
        ),
    }


def _renewable_summary(frame: pd.DataFrame, config: QSEEnvConfig) -> dict[str, float]:
    dt_h = config.dt_hours
    return {
        "profit_usd": float(frame["profit_usd"].sum()),
        "da_cash_usd": float(frame["da_cash_usd"].sum()),
        "rt_cash_usd": float(frame["rt_cash_usd"].sum()),
        "imbalance_charge_usd": float(frame["imbalance_charge_usd"].sum()),
        "hedge_frac": float(frame["hedge_frac"].iloc[0]),
        "delivered_mwh": float(frame["delivered_mw"].sum() * dt_h),
        "curtailed_mwh": float(frame["curtailed_mw"].sum() * dt_h),
        "abs_imbalance_mwh": float(frame["imbalance_mw"].abs().sum() * dt_h),
    }


def learning_curves(checkpoint_dir: Path) -> dict[str, list[dict[str, float]]]:
    """Per agent and increment: episodes, mean scaled reward and mean episode profit ($) while training."""
    from hayeknet.agents.multi_training import read_qse_registry

    out: dict[str, list[dict[str, float]]] = {}
    for agent in AGENTS:
        curve = pd.DataFrame(read_qse_registry(checkpoint_dir, agent).get("learning_curve", []))
        if curve.empty:
            out[agent] = []
            continue
        grouped = curve.groupby("increment").agg(
            episodes=("reward", "size"), mean_reward=("reward", "mean"), mean_profit_usd=("profit_usd", "mean")
        )
        out[agent] = [{"increment": int(k), **{c: float(v) for c, v in row.items()}} for k, row in grouped.iterrows()]
    return out


def evaluate_qse_day(
    checkpoint_dir: Path,
    day: QSEDay,
    reference: QSEDay | None,
    config: QSEEnvConfig | None = None,
    threshold: PercentileThreshold | None = None,
) -> dict[str, Any]:
    """Score the checkpoint's three agents on ``day`` (unseen) against the heuristics; a JSON-ready dict.

    ``reference`` is the previous day (price features and the threshold
    heuristic's percentiles; ``None`` on the first day). Keys: ``day``,
    ``checkpoint``, ``market_design``, ``as_price_source``,
    ``net_power_bounds_mw``, ``observation`` (whether the day had an EnKF
    state and beliefs), ``battery``/``solar``/``wind`` (per strategy: revenue
    by stream and profit; the battery's ``capture_ratio`` vs its bound, its
    ``as_cash_usd``, ``as_cash_by_product_usd``, ``mean_as_award_mw`` and
    ``revenue_by_stream_usd``), each with ``best_heuristic`` and
    ``agent_minus_best_heuristic_usd``, and ``learning_curves``;
    ``agents_run`` (the QSEs of the day) and ``agents_not_run`` (a renewable
    that is off -> why, also its entry: ``{"ran": False, "reason": ...}``),
    ``renewables`` (resource -> where its profile came from, or why none).
    """
    from hayeknet.agents.multi_training import load_qse_policies

    config = config or QSEEnvConfig()
    policies = load_qse_policies(checkpoint_dir, config)
    refs = None if config.price_reference == "dam" else [None if reference is None else reference.rt_price_usd_per_mwh]
    env = ParallelQSEEnv([day], config, reference_prices=refs)
    agent_actors = {a: policy_actor(a, policies[a]) for a in AGENTS}

    out: dict[str, Any] = {
        "schema_version": EVALUATION_SCHEMA_VERSION,
        "day": day.label,
        # the checkpoint folder and its parent (e.g. "2025-10-01/qse"): never a host path in a tracked output
        "checkpoint": Path(checkpoint_dir).parent.name + "/" + Path(checkpoint_dir).name,
        "reference_day": None if reference is None else reference.label,
        "price_impact_usd_per_mwh_per_mw": config.impact.slope_usd_per_mwh_per_mw,
        "market_design": config.market_design,
        "as_price_source": day.as_price_source if config.offers_as else None,
        "net_power_bounds_mw": None if config.net_power_bounds_mw is None else list(config.net_power_bounds_mw),
        "observation": _observation_inputs(day),
        "agents_run": list(day.agents),
        "agents_not_run": {a: off_reason(day, a) for a in RENEWABLE_AGENTS if a not in day.agents},
        "renewables": {a: day.note(a) for a in RENEWABLE_AGENTS if day.note(a) is not None},
    }
    # battery
    strategies: dict[str, Strategy] = {
        "percentile_threshold": threshold or PercentileThreshold(),
        "time_of_day": TimeOfDaySchedule(),
    }
    battery: dict[str, Any] = {"agent": _battery_summary(rollout(env, 0, agent_actors)["battery"], config, day)}
    heuristics = list(strategies)
    for name, strategy in strategies.items():
        net = battery_heuristic_net_mw(strategy, day, reference, config)
        frames = rollout(env, 0, {**agent_actors, "battery": schedule_actor(net)})
        battery[name] = _battery_summary(frames["battery"], config, day)
        if config.offers_as:
            frames = rollout(env, 0, {**agent_actors, "battery": greedy_as_actor(net)})
            battery[f"{name}_greedy_as"] = _battery_summary(frames["battery"], config, day)
            heuristics.append(f"{name}_greedy_as")
    if config.offers_as:
        frames = rollout(env, 0, {**agent_actors, "battery": greedy_as_actor(None)})
        battery["greedy_as_only"] = _battery_summary(frames["battery"], config, day)
        heuristics.append("greedy_as_only")
        pf = optimize_energy_and_as(
            day.rt_price_usd_per_mwh, _as_prices(day, config), config.battery, config.dt_hours
        ).dispatch
    else:
        pf = optimize_dispatch(day.rt_price_usd_per_mwh, config.battery, config.dt_hours)
    battery["pf_exogenous_profit_usd"] = float(pf.profit_usd)
    out["battery"] = _with_best(battery, heuristics)
    # renewables
    for agent in RENEWABLE_AGENTS:
        if agent not in day.agents:
            out[agent] = {"ran": False, "reason": out["agents_not_run"][agent]}
            continue
        res: dict[str, Any] = {}
        res["agent"] = _renewable_summary(rollout(env, 0, agent_actors)[agent], config)
        for name, actor in (("hedge_full", constant_actor(1.0)), ("no_hedge", constant_actor(0.0))):
            res[name] = _renewable_summary(rollout(env, 0, {**agent_actors, agent: actor})[agent], config)
        out[agent] = _with_best(res, ["hedge_full", "no_hedge"])
    out["learning_curves"] = learning_curves(checkpoint_dir)
    return out


def off_reason(day: QSEDay, agent: str) -> str:
    """Why ``agent``'s QSE does not run on ``day``, in plain words ("wind QSE off: not collected (no NP4-732-CD
    posting for 2024-07-08)"), from the day's note of the resource (its profile's description)."""
    note = day.note(agent) or "no profile of its output for the day"
    return f"{agent} QSE off: {note.removeprefix(f'{agent}: ')}"


def _observation_inputs(day: QSEDay) -> dict[str, bool]:
    """Whether the day's observations carried an EnKF state and beliefs (stated the day before)."""
    sf = day.state_features
    has_beliefs = sf is not None and bool(np.any(sf[:, STATE_FEATURE_NAMES.index("has_beliefs")] > 0))
    return {"has_state": sf is not None, "has_beliefs": has_beliefs}


def _with_best(results: dict[str, Any], heuristics: list[str]) -> dict[str, Any]:
    best = max(heuristics, key=lambda h: results[h]["profit_usd"])
    results["best_heuristic"] = best
    results["agent_minus_best_heuristic_usd"] = results["agent"]["profit_usd"] - results[best]["profit_usd"]
    return results


def walk_forward(
    days: Sequence[QSEDay],
    train_params: Any,
    models_root: Path,
    config: QSEEnvConfig | None = None,
) -> list[dict[str, Any]]:
    """The nightly loop over ``days``: train on days ``< d`` (resuming), evaluate on ``d``; one dict per day ``d >= 1``.

    Writes ``models_root/init`` and ``models_root/<label>`` checkpoint folders.
    Each dict is :func:`evaluate_qse_day`'s plus ``train_seconds`` and
    ``evaluate_seconds`` (wall time of that night's increment and evaluation).
    """
    from hayeknet.agents.multi_training import init_qse_models, train_qse_increment

    config = config or QSEEnvConfig()
    models_root = Path(models_root)
    init_qse_models(train_params, models_root / "init", config)
    prev = models_root / "init"
    results = []
    for i in range(1, len(days)):
        start = time.perf_counter()
        record = train_qse_increment(prev, days[:i], train_params, models_root / days[i - 1].label, config)
        trained = time.perf_counter()
        result = evaluate_qse_day(record.out_dir, days[i], days[i - 1], config)
        result["train_seconds"] = trained - start
        result["evaluate_seconds"] = time.perf_counter() - trained
        results.append(result)
        prev = record.out_dir
    return results
