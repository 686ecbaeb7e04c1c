"""Figures of the siting sweep for the study report (ADR 0019), in the style of :mod:`hayeknet.reporting.plots`.

* :func:`plot_siting_distribution`: how perfect-foresight and best-causal-strategy
  profit are spread over the settlement points (histograms on one axis);
* :func:`plot_siting_by_zone`: settlement points have no coordinates in ERCOT's
  reports, so instead of a map: every point ranked by perfect-foresight profit
  and coloured by load zone (left), and profit against the mean basis to the
  zone's hub (right), which shows how much of a site's value is its basis.

Both take a :class:`hayeknet.sweep.siting.SitingSummary`; money in $ over the
sweep's days, basis in $/MWh.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.ticker
import numpy as np
from matplotlib.figure import Figure

from hayeknet.reporting.plots import OKABE_ITO, SERIES_COLOURS, PlotInputError, strategy_styles, styled

if TYPE_CHECKING:
    from hayeknet.sweep.siting import SitingSummary


def _zone_colours(zones: list[str]) -> dict[str, str]:
    return {zone: SERIES_COLOURS[i % len(SERIES_COLOURS)] for i, zone in enumerate(sorted(zones))}


@styled
def plot_siting_distribution(summary: SitingSummary) -> Figure:
    """Histogram over settlement points of the sweep's total perfect-foresight profit and the best causal
    strategy's, $ over the sweep's days."""
    nodes = summary.per_node
    if nodes.empty or nodes["pf_profit_usd"].notna().sum() == 0:
        raise PlotInputError("siting distribution: no node with a perfect-foresight profit")
    series = {"perfect_foresight": nodes["pf_profit_usd"].dropna().to_numpy(float)}
    if summary.best_causal is not None and nodes["causal_profit_usd"].notna().any():
        series[summary.best_causal] = nodes["causal_profit_usd"].dropna().to_numpy(float)
    values = np.concatenate(list(series.values()))
    bins = [float(b) for b in np.histogram_bin_edges(values, bins=min(40, max(5, int(np.sqrt(values.size)))))]
    styles = strategy_styles(list(series))
    fig = Figure()
    ax = fig.add_subplot()
    for name, data in series.items():
        colour = styles[name]["color"]
        ax.hist(data, bins=bins, alpha=0.55, color=colour, label=f"{name} (median ${np.median(data):,.0f})")
        ax.axvline(float(np.median(data)), color=colour, lw=1.2, ls="--")
    ax.set_xlabel(f"Profit over the sweep's {summary.n_days} day(s) ($ per settlement point)")
    ax.set_ylabel("Settlement points")
    ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.set_title(f"Where the battery earns: {len(nodes):,} settlement points")
    ax.legend(loc="best")
    fig.tight_layout()
    return fig


@styled
def plot_siting_by_zone(summary: SitingSummary) -> Figure:
    """Left: points ranked by perfect-foresight profit, coloured by zone. Right: that profit against the
    mean basis to the zone's hub ($/MWh)."""
    nodes = summary.per_node.dropna(subset=["pf_profit_usd"])
    if nodes.empty:
        raise PlotInputError("siting by zone: no node with a perfect-foresight profit")
    zones = nodes["zone"].fillna("unknown")
    colours = _zone_colours(list(zones.unique()))
    fig = Figure(figsize=(11.0, 4.5))
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    rank = np.arange(1, len(nodes) + 1)
    for zone, colour in colours.items():
        mask = (zones == zone).to_numpy()
        left.scatter(rank[mask], nodes["pf_profit_usd"].to_numpy(float)[mask], s=8, color=colour, label=zone)
        right.scatter(
            nodes["basis_to_hub_usd_per_mwh"].to_numpy(float)[mask],
            nodes["pf_profit_usd"].to_numpy(float)[mask],
            s=8,
            color=colour,
        )
    left.set_xlabel("Rank of the settlement point")
    left.set_ylabel("Perfect-foresight profit ($)")
    left.set_title("Settlement points ranked, by load zone")
    left.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    left.legend(loc="upper right", markerscale=2, ncols=2)
    right.axvline(0.0, color=OKABE_ITO["black"], lw=0.6)
    right.set_xlabel("Mean basis to the zone's hub ($/MWh)")
    right.set_title("Profit and basis")
    right.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    fig.tight_layout()
    return fig


def siting_markdown(summary: SitingSummary | None, note: str = "") -> str:
    """One paragraph for the report: points and days swept, the best causal strategy, the spread of profit."""
    from hayeknet.reporting.notebook import escape_dollars

    if summary is None:
        return escape_dollars(note or "No siting sweep results.")
    nodes = summary.per_node
    pf = nodes["pf_profit_usd"].dropna()
    text = (
        f"**Siting sweep**: {len(nodes):,} settlement points over {summary.n_days} day(s). Perfect-foresight "
        f"profit per point: median ${pf.median():,.0f}, 10th-90th percentile ${pf.quantile(0.1):,.0f} to "
        f"${pf.quantile(0.9):,.0f}; best site {pf.index[0] if len(pf) else 'none'} (${pf.max():,.0f})."
    )
    if summary.best_causal is not None:
        causal = nodes["causal_profit_usd"].dropna()
        ratio = causal.sum() / pf.sum() if pf.sum() > 0 else float("nan")
        text += (
            f" The best causal strategy over all points is **{summary.best_causal}** (chosen once for every "
            f"point, not per point after the fact): median ${causal.median():,.0f} per point, "
            f"{ratio:.0%} of perfect foresight in total."
        )
    return escape_dollars(text)
