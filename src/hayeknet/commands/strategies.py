"""The strategy names of ``hayeknet backtest --strategy``, with one line of help each, importable without NumPy.

The names are those of :data:`hayeknet.battery.backtest.STRATEGY_NAMES` (the
simulate stage's lineup, :data:`hayeknet.battery.lineup.STRATEGY_NAMES`, plus
the trained agent), in the same order. That module imports pandas and the
solvers, which ``hayeknet --help`` must not pay for, so the parser reads this
copy; ``tests/test_cli.py`` fails when the two lists differ, and
``hayeknet backtest`` checks the name against the real list before it runs.
"""

from __future__ import annotations

import textwrap

STRATEGIES: dict[str, str] = {
    "perfect_foresight": "the LP on the day's realised prices: the bound, not a strategy",
    "dam_schedule": "the LP on the day's DAM prices executed in real time: the baseline (needs NP4-190-CD)",
    "storage_value": (
        "offer curves from the value of stored energy (dynamic programming on the DAM plus the RT - DAM "
        "spread model of earlier days); needs the DAM and a spread model: the simulate stage and "
        "hayeknet evaluate have one, a backtest does not"
    ),
    "dam_offer": (
        "the DAM position re-planned each interval with a threshold offer curve from spread quantiles "
        "(simulate.offer_low_quantile / offer_high_quantile); needs the DAM and a spread model, as storage_value"
    ),
    "mpc_stochastic": (
        "rolling MPC on simulate.stochastic_scenarios paths of DAM + spread, re-planned each interval; offers "
        "the monotone curve of the scenario LP's first actions; needs the DAM and a spread model, as storage_value"
    ),
    "mpc_median": (
        "the same rolling MPC on the per-interval median of those scenario prices, offered flat; "
        "needs the DAM and a spread model, as storage_value"
    ),
    "percentile_threshold": (
        "charge below / discharge above percentiles of the previous day's prices "
        "(simulate.threshold_low_percentile / threshold_high_percentile)"
    ),
    "time_of_day": "a fixed schedule: charge 10:00-15:00, discharge 18:00-22:00 (America/Chicago)",
    "mpc_naive": "rolling-horizon MPC on the previous day's prices (persistence), replanned hourly",
    "mpc_dam": "rolling-horizon MPC on the day's DAM prices (needs NP4-190-CD for the day)",
    "mpc_enkf": (
        "MPC on the DAM curve anchored to the EnKF filtered mean; needs the EnKF state of the "
        "simulate stage, which a backtest does not have, so a backtest refuses it"
    ),
    "mpc_beliefs": (
        "MPC on the beliefs' predictive price path stated the day before; a backtest reads no "
        "beliefs, so it runs as its fallback, mpc_dam (mpc_naive without DAM prices)"
    ),
    "ppo_agent": "the trained PPO agent of a checkpoint (--checkpoint artifacts/models/<day> or a model.zip)",
}
"""Every strategy name, in the order of :data:`hayeknet.battery.backtest.STRATEGY_NAMES`, with its help line."""

STRATEGY_NAMES: tuple[str, ...] = tuple(STRATEGIES)


def strategy_list(indent: str = "  ", width: int = 100) -> str:
    """The strategies as help text: ``name  description``, the description wrapped under itself."""
    column = max(len(name) for name in STRATEGIES)
    lines = []
    for name, text in STRATEGIES.items():
        lead = f"{indent}{name:<{column}}  "
        lines.append(textwrap.fill(text, width, initial_indent=lead, subsequent_indent=" " * len(lead)))
    return "\n".join(lines)
