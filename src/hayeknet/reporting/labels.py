"""What a reader sees instead of a code name: strategy, AS product, belief event and column labels.

The one place that maps names to words for every report, notebook and export
(:mod:`hayeknet.reporting.tables` reads it). A name this module does not know
still reads well: :func:`humanize` turns ``dam_schedule`` into "DAM schedule"
and ``profit_usd`` into "Profit ($)", so a new strategy or column added upstream
never shows up as ``snake_case`` in a report. Standard library only.
"""

from __future__ import annotations

import re

STRATEGY_LABELS: dict[str, str] = {
    "perfect_foresight": "Perfect foresight (bound)",
    "percentile_threshold": "Percentile threshold",
    "time_of_day": "Time of day",
    "mpc_naive": "MPC, yesterday's prices",
    "mpc_dam": "MPC, DAM prices",
    "mpc_enkf": "MPC, EnKF-anchored DAM",
    "mpc_beliefs": "MPC, beliefs",
    "ppo_agent": "PPO agent",
    "dam_schedule": "DAM schedule",
    "hedge_full": "Full day-ahead hedge",
    "no_hedge": "No hedge",
}
"""Strategy name (``summary.json`` ``strategies``) -> label; unknown names go through :func:`humanize`."""

BOUND_STRATEGIES: frozenset[str] = frozenset({"perfect_foresight"})
"""Strategies that see the day's realised prices: bounds, not causal strategies."""

AS_PRODUCT_LABELS: dict[str, str] = {
    "energy": "Energy",
    "REGUP": "Regulation up",
    "REGDN": "Regulation down",
    "RRS": "Responsive reserve (RRS)",
    "ECRS": "Contingency reserve (ECRS)",
    "NSPIN": "Non-spinning reserve",
    "as_total": "All AS",
    "revenue": "Revenue",
    "degradation": "Degradation",
    "profit": "Profit",
}
"""Revenue stream / AS product (``market_designs`` ``revenue_by_stream_usd``) -> label."""

MARKET_DESIGN_LABELS: dict[str, str] = {"sced_today": "SCED today", "rtc_b": "RTC+B"}

QSE_AGENT_LABELS: dict[str, str] = {"battery": "Battery", "solar": "Solar", "wind": "Wind"}

BELIEF_EVENTS: dict[str, str] = {"A": "high price", "B": "imbalance", "C": "congestion"}
"""The beliefs' elementary events (``results.json`` ``beliefs.next_day`` keys are their joints: ``AB``...)."""

ACRONYMS: dict[str, str] = {
    "as": "AS",
    "dam": "DAM",
    "rt": "RT",
    "lmp": "LMP",
    "mpc": "MPC",
    "ppo": "PPO",
    "enkf": "EnKF",
    "pf": "PF",
    "qse": "QSE",
    "soc": "SOC",
    "sced": "SCED",
    "rtc": "RTC",
    "rmse": "RMSE",
    "mae": "MAE",
    "ess": "ESS",
    "ci": "CI",
    "id": "ID",
    "hb": "HB",
    "lz": "LZ",
    "var": "VaR",
    "cvar": "CVaR",
    "ercot": "ERCOT",
    "n": "n",
    "p": "p",
}

UNIT_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("_usd_per_mwh", "$/MWh"),
    ("_usd_per_mw", "$/MW"),
    ("_usd", "$"),
    ("_mwh", "MWh"),
    ("_mw", "MW"),
    ("_hours", "h"),
    ("_minutes", "min"),
    ("_pct", "%"),
    ("_frac", "share"),
)
"""Column-name suffix -> the unit shown in brackets after the label (longest suffix first)."""


def humanize(name: str) -> str:
    """A readable label for a code name: words, known acronyms upper-cased, the unit suffix in brackets.

    ``"fair_bound_profit_usd"`` -> ``"Fair bound profit ($)"``; ``"mean_price_usd_per_mwh"`` ->
    ``"Mean price ($/MWh)"``; ``"dam_schedule"`` -> ``"DAM schedule"``; ``"p_value"`` -> ``"p value"``.
    """
    text = str(name)
    unit = ""
    for suffix, shown in UNIT_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text, unit = text[: -len(suffix)], shown
            break
    words = [w for w in re.split(r"[_\s]+", text) if w]
    out = []
    for i, word in enumerate(words):
        lower = word.lower()
        if lower in ACRONYMS:
            out.append(ACRONYMS[lower])
        elif word.isupper() or any(c.isdigit() for c in word):
            out.append(word)
        else:
            out.append(lower.capitalize() if i == 0 else lower)
    label = " ".join(out) or str(name)
    return f"{label} ({unit})" if unit else label


def strategy_label(name: str) -> str:
    """``"perfect_foresight"`` -> ``"Perfect foresight (bound)"``; an unknown name through :func:`humanize`."""
    return STRATEGY_LABELS.get(name) or humanize(name)


def as_product_label(name: str) -> str:
    """``"REGUP"`` -> ``"Regulation up"``; an unknown stream through :func:`humanize`."""
    return AS_PRODUCT_LABELS.get(name) or AS_PRODUCT_LABELS.get(name.upper()) or humanize(name)


def belief_event_label(key: str) -> str:
    """``"A"`` -> ``"High price (A)"``; ``"AB"`` -> ``"High price and imbalance (AB)"``; else :func:`humanize`."""
    if key and all(c in BELIEF_EVENTS for c in key):
        words = [BELIEF_EVENTS[c] for c in key]
        text = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
        return f"{text[0].upper()}{text[1:]} ({key})"
    return humanize(key)


def is_causal(name: str) -> bool:
    """Whether a strategy decides with what it could know at the time (not a perfect-foresight bound)."""
    return name not in BOUND_STRATEGIES
