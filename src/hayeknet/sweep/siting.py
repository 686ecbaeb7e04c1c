"""Where should the battery sit: the sweep's rows summed per settlement point, ranked, and by zone.

:func:`siting_summary` turns the sweep's results (:func:`hayeknet.sweep.results.read_results`)
into :class:`SitingSummary`:

* ``per_node``: one row per settlement point with its type and zone, the days
  swept, the perfect-foresight profit (total and per day), the profit of the
  *best causal strategy* and its capture ratio (its total / the perfect-foresight
  total), and the mean basis to the zone's hub ($/MWh);
* ``best_causal``: the causal strategy with the highest mean profit per node-day
  over the whole sweep. It is one strategy for every node, chosen over all of
  them: picking the best strategy per node after the fact would credit each
  node with hindsight no operator has;
* ``strategies``: mean and quantiles of the profit per node-day of every strategy;
* ``zones``: nodes, median profits and mean basis per zone.

Only rows with status ``ok`` count; a node-day where a strategy did not run is
left out of that strategy's totals and counted in ``days_missing``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hayeknet.sweep.plan import PERFECT_FORESIGHT
from hayeknet.sweep.tasks import OK


@dataclass(frozen=True, eq=False)
class SitingSummary:
    """Per-node, per-strategy and per-zone tables of a sweep (module doc)."""

    per_node: pd.DataFrame
    best_causal: str | None
    strategies: pd.DataFrame
    zones: pd.DataFrame
    n_days: int

    def top(self, n: int = 20) -> pd.DataFrame:
        """The ``n`` nodes with the highest perfect-foresight profit, with zone, type, best-causal profit,
        capture ratio and basis to the zone hub (rounded for a report)."""
        columns = [
            "zone",
            "location_type",
            "pf_profit_usd",
            "pf_profit_usd_per_day",
            "causal_profit_usd",
            "causal_capture_ratio",
            "basis_to_hub_usd_per_mwh",
        ]
        table = self.per_node.head(n)[columns].copy()
        table.index = pd.RangeIndex(1, len(table) + 1, name="rank")
        table.insert(0, "location", self.per_node.head(n).index)
        return table.round({c: 2 for c in columns if c not in ("zone", "location_type")})


def siting_summary(rows: pd.DataFrame) -> SitingSummary:
    """The :class:`SitingSummary` of a sweep's result rows (module doc)."""
    ok = rows[rows["status"] == OK]
    n_days = int(rows["day"].nunique()) if len(rows) else 0
    by_strategy = ok.groupby("strategy")["profit_usd"]
    strategies = pd.DataFrame(
        {
            "node_days": by_strategy.size(),
            "mean_profit_usd_per_node_day": by_strategy.mean(),
            "p10_profit_usd": by_strategy.quantile(0.10),
            "median_profit_usd": by_strategy.median(),
            "p90_profit_usd": by_strategy.quantile(0.90),
            "mean_capture_ratio_vs_pf": ok.groupby("strategy")["capture_ratio_vs_pf"].mean(),
        }
    )
    order = list(dict.fromkeys(rows["strategy"]))
    strategies = strategies.reindex([s for s in order if s in strategies.index])
    causal = strategies.drop(index=PERFECT_FORESIGHT, errors="ignore")
    best = str(causal["mean_profit_usd_per_node_day"].idxmax()) if len(causal) else None

    first = rows.drop_duplicates("location").set_index("location")
    nodes = pd.DataFrame(index=pd.Index(sorted(first.index), name="location"))
    nodes["zone"] = first["zone"]
    nodes["location_type"] = first["location_type"]
    pf = ok[ok["strategy"] == PERFECT_FORESIGHT].groupby("location")["profit_usd"]
    nodes["days"] = pf.size().reindex(nodes.index).fillna(0).astype(int)
    nodes["days_missing"] = n_days - nodes["days"]
    nodes["pf_profit_usd"] = pf.sum().reindex(nodes.index)
    nodes["pf_profit_usd_per_day"] = pf.mean().reindex(nodes.index)
    if best is not None:
        causal_rows = ok[ok["strategy"] == best].groupby("location")["profit_usd"]
        nodes["causal_profit_usd"] = causal_rows.sum().reindex(nodes.index)
        nodes["causal_capture_ratio"] = nodes["causal_profit_usd"] / nodes["pf_profit_usd"].where(
            nodes["pf_profit_usd"] > 0
        )
    else:
        nodes["causal_profit_usd"] = np.nan
        nodes["causal_capture_ratio"] = np.nan
    basis = rows.drop_duplicates(["location", "day"]).groupby("location")["basis_to_hub_usd_per_mwh"].mean()
    nodes["basis_to_hub_usd_per_mwh"] = basis.reindex(nodes.index)
    nodes = nodes.sort_values("pf_profit_usd", ascending=False, kind="stable")

    zones_group = nodes.groupby(nodes["zone"].fillna("unknown"))
    zones = pd.DataFrame(
        {
            "nodes": zones_group.size(),
            "median_pf_profit_usd": zones_group["pf_profit_usd"].median(),
            "max_pf_profit_usd": zones_group["pf_profit_usd"].max(),
            "median_causal_profit_usd": zones_group["causal_profit_usd"].median(),
            "mean_basis_to_hub_usd_per_mwh": zones_group["basis_to_hub_usd_per_mwh"].mean(),
        }
    ).sort_values("median_pf_profit_usd", ascending=False)
    zones.index.name = "zone"
    return SitingSummary(nodes, best, strategies, zones, n_days)
