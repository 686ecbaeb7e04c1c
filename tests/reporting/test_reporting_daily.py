"""The daily and study reports' words and tables from stage outputs: the synthetic fixture day and the same
day as real data gives it (15-minute prices, no AS prices, no QSE agents, no congestion belief)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from hayeknet.reporting import daily, study
from hayeknet.reporting.tables import Note, Table

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def _headers(t: Table) -> list[str]:
    return [t.row_header, *(c.header for c in t.columns)]


def _readable(t: Table) -> None:
    """Headers without snake_case, every cell formatted (no float of more than 6 unseparated digits)."""
    assert not [h for h in _headers(t) if SNAKE.search(h)], _headers(t)
    html = t._repr_html_()
    for cell in re.findall(r"<td[^>]*>([^<]*)</td>", html):
        for token in re.findall(r"-?\d[\d,]*(?:\.\d+)?", cell):
            assert "," in token or sum(c.isdigit() for c in token) <= 6, cell
    assert "<figcaption>" in html and "Download CSV" in html


def test_headline_says_which_prices_the_day_trades_and_links_every_number(day):
    block = daily.headline(day["day"], day["summary"], day["results"])
    html = block.html
    assert "NP6-788-CD 5-minute real-time prices at HB_WEST" in html
    assert "min -30.76, mean 8.31, max 67.51 $/MWh" in html and "10.0 h below 0 $/MWh" in html
    assert 'Perfect-foresight bound: <a href="#strategies">$14,947</a>' in html
    assert "Best causal strategy: <strong>Percentile threshold</strong>" in html
    assert "79% of its fair bound, 91% of the perfect-foresight bound" in html
    assert "PPO agent" in html and "trained on 2 earlier days" in html
    assert "Flagged:" in html and 'href="#assimilation"' in html
    assert "Not computed today" not in html
    targets = set(re.findall(r'href="#([^"]+)"', html))
    assert targets <= set(daily.ANCHORS.values())
    assert "ppo_agent" not in html and "perfect_foresight" not in html


def test_headline_of_a_real_data_day_names_its_prices_and_what_was_not_computed(real_day):
    html = daily.headline(real_day["day"], real_day["summary"], real_day["results"]).html
    assert "NP6-905-CD 15-minute settlement point prices at HB_WEST" in html
    assert "Not computed today:" in html
    assert "MPC, DAM prices: strategy mpc_dam needs the day" in html
    assert "SCED today vs RTC+B: no AS clearing prices" in html
    assert "QSE agents: QSE agents not trained" in html
    assert "congestion beliefs: not stated: the location has no reference hub" in html
    assert "congestion event" not in html


def test_strategy_table_explains_the_capture_ratios(day):
    t = daily.strategy_table(day["day"], day["summary"])
    _readable(t)
    assert list(t.data.index[:2]) == ["perfect_foresight", "percentile_threshold"]  # bound first, then by profit
    assert [c.header for c in t.visible] == [
        "Profit ($)",
        "Capture (% of fair bound)",
        "Capture (% of PF bound)",
        "End SOC (MWh)",
        "Cycles",
    ]
    assert "fair bound" in t.footnote and "ends the day emptier" in t.footnote and "ADR 0005" in t.footnote
    assert "NP6-788-CD 5-minute real-time prices" in t.caption
    formatted = t.formatted()
    assert formatted.loc["Perfect foresight (bound)", "Profit ($)"] == "$14,947"
    assert formatted.loc["Percentile threshold", "Capture (% of PF bound)"] == "91%"


def test_a_strategy_that_out_earns_the_cyclic_bound_is_explained_in_its_footnote(day):
    s = day["summary"]
    s["strategies"]["percentile_threshold"]["profit_usd"] = 15_200.0
    s["strategies"]["percentile_threshold"]["capture_ratio_vs_pf"] = 15_200.0 / 14_946.74
    t = daily.strategy_table(day["day"], s)
    assert "Today Percentile threshold ($15,200) ended the day at 64 MWh, below its 200 MWh start" in t.footnote
    assert t.formatted().loc["Percentile threshold", "Capture (% of PF bound)"] == "102%"


def test_real_data_parts_not_computed_are_notes_with_the_stages_reasons(real_day):
    s, r = real_day["summary"], real_day["results"]
    designs, qse = daily.market_design_table(real_day["day"], s), daily.qse_table(real_day["day"], s)
    assert isinstance(designs, Note) and "no AS clearing prices" in designs.reason
    assert isinstance(qse, Note) and "no real renewable output" in qse.reason
    assert "Not computed:" in designs._repr_html_() and 'id="market-designs"' in designs._repr_html_()
    not_run = daily.strategies_not_run_note(s)
    assert not_run is not None and "MPC, DAM prices" in not_run.reason
    strategies = daily.strategy_table(real_day["day"], s)
    assert "mpc_dam" not in strategies.data.index and "NP6-905-CD 15-minute" in strategies.caption
    beliefs = daily.beliefs_table(real_day["day"], r)
    assert isinstance(beliefs, Table) and not any("C" in k for k in beliefs.data.index)
    notes = daily.beliefs_notes(r)
    assert any("no reference hub" in n.reason for n in notes)
    off = daily.qse_table("2025-10-03", {"qse_agents": {"enabled": False}})
    assert isinstance(off, Note) and "qse.enabled: false" in off.reason


def test_market_design_qse_beliefs_assimilation_and_metrics_tables_read_well(day):
    s, r = day["summary"], day["results"]
    designs = daily.market_design_table(day["day"], s)
    assert isinstance(designs, Table)
    _readable(designs)
    assert designs.formatted().index[:3].tolist() == ["Energy", "Regulation up", "Regulation down"]
    qse = daily.qse_table(day["day"], s)
    assert isinstance(qse, Table)
    _readable(qse)
    assert qse.formatted().loc["Solar", "Best heuristic"] == "Full day-ahead hedge"
    beliefs = daily.beliefs_table(day["day"], r)
    assert isinstance(beliefs, Table)
    _readable(beliefs)
    shown = beliefs.formatted()
    assert "High price and imbalance (AB)" in shown.index
    assert shown.loc["Imbalance (B)", "P, next day"] == "0.3" and shown.loc["Congestion (C)", "P, next hour"] == "0.97"
    assert "Brier" in " ".join(shown.columns)
    assim = daily.assimilation_table(day["day"], day["assimilation_metrics"])
    _readable(assim)
    assert assim.formatted().loc["Anomalies (|z| > 4)", "Value"] == "1,588"
    metrics = daily.metrics_table(day["day"], r)
    assert isinstance(metrics, Table) and metrics.collapsed
    _readable(metrics)
    labels = metrics.formatted().index
    assert "PPO agent: net profit (energy + AS - degradation)" in labels
    assert not [x for x in labels if SNAKE.search(x)]
    qa = daily.qa_table(day["day"], r)
    _readable(qa)
    assert len(qa.data) == len(r["qa"]) and "answer" in qa.export_frame().columns


def test_navigation_links_previous_next_study_and_index(day):
    nav = daily.navigation("2025-10-03", "2025-10-02").html
    assert 'href="2025-10-02.html"' in nav and 'href="2025-10-04.html"' in nav
    assert 'href="../study.html"' in nav and 'href="../index.html"' in nav
    first = daily.navigation("2025-10-01", None).html
    assert "← " not in first and 'href="2025-10-02.html"' in first


def test_journal_keeps_the_research_and_leaves_out_what_the_report_tabulates():
    journal = (
        "# HayekNet research journal: 2025-10-03\n\n**Headline.** text\n\n## Metrics\n\n| metric | value |\n"
        "|---|---|\n| `price.mean` | 8.31 |\n\n## Insights\n\n### Price spikes (0)\n\nNone.\n\n"
        "## Strategies\n\n| strategy |\n\n## Questions and answers\n\n### Q1. Why?\n\nBecause.\n\n"
        "## Hypotheses (all study days so far)\n\n| | hypothesis |\n\n## Predictions and their scores\n\n"
        "- P(spike) = 0.60\n\n| forecast bin | n |\n|---|---:|\n| 0.6-0.7 | 2 |\n"
    )
    out = daily.with_journal_sections(journal)
    assert "research journal: 2025" not in out and "| metric |" not in out and "| strategy |" not in out
    assert "#### Insights" in out and "##### Price spikes (0)" in out and "#### Questions and answers" in out
    assert "**Headline.** text" in out and "Because." in out
    assert "| hypothesis |" not in out and "| forecast bin |" not in out and "|" not in out
    assert "- P(spike) = 0.60" in out and out.count(daily.TABLE_POINTER) == 1


def test_study_tables_link_the_days_and_read_well(day):
    history = day["history"]
    days = study.days_table(history)
    _readable(days)
    assert days.row_links == {d: f"daily/{d}.html" for d in ("2025-10-01", "2025-10-02", "2025-10-03")}
    assert 'href="daily/2025-10-01.html"' in days._repr_html_()
    assert days.formatted().loc["2025-10-03", "Best causal strategy"] == "Percentile threshold"
    strategies = study.strategy_table(history)
    _readable(strategies)
    assert strategies.data.index[0] == "perfect_foresight" and "ADR 0005" in strategies.footnote
    # a strategy that waits for history (storage_value) runs only on the last day: it is measured on that day
    last = history[2]["strategies"]
    late = [*history[:2], dict(history[2], strategies={**last, "storage_value": {"profit_usd": 500.0}})]
    data = study.strategy_table(late).data
    for name in data.index:
        ran = [r for r in late if name in (r.get("strategies") or {})]
        bound = sum(r["strategies"]["perfect_foresight"]["profit_usd"] for r in ran)
        total = sum(r["strategies"][name]["profit_usd"] for r in ran)
        assert data.loc[name, "days"] == len(ran)
        assert data.loc[name, "study_capture_ratio_vs_pf"] == pytest.approx(total / bound)
    last_bound = history[2]["strategies"]["perfect_foresight"]["profit_usd"]
    assert data.loc["storage_value", "days"] == 1
    assert data.loc["storage_value", "study_capture_ratio_vs_pf"] == pytest.approx(500.0 / last_bound)
    designs = study.market_design_table(history)
    assert isinstance(designs, Table)
    _readable(designs)
    from hayeknet.research.hypotheses import hypotheses_table

    hyp = study.hypotheses_table(hypotheses_table(history[-1]["hypotheses"]))
    _readable(hyp)
    assert [c.header for c in hyp.visible] == ["Hypothesis", "Effect", "p-value", "Days", "Verdict"]
    rel = study.reliability_table(pd.DataFrame())
    assert isinstance(rel, Note)


def test_study_headline_and_a_study_of_real_days_without_market_designs(day, real_day):
    head = study.study_headline(day["history"], day["results"]["battery"]).html
    assert "3 operating days (2025-10-01 to 2025-10-03)" in head and "Perfect-foresight bound over the study" in head
    assert "of the bound)" in head and "it ran" not in head
    h = day["history"]
    last = h[2]["strategies"]
    late = [*h[:2], dict(h[2], strategies={**last, "storage_value": {"profit_usd": 1e6}})]  # best total, one day
    head = study.study_headline(late, day["results"]["battery"]).html
    share = 1e6 / last["perfect_foresight"]["profit_usd"]
    assert "Storage value" in head and f"{100 * share:,.0f}% of the bound, on the 1 day it ran" in head
    history = [dict(r, market_designs={"available": False, "reason": "no AS prices"}) for r in day["history"]]
    note = study.market_design_table(history)
    assert isinstance(note, Note) and note.reason == "no AS prices"
    mixed = [*day["history"][:2], dict(day["history"][2], market_designs={"available": False, "reason": "no AS"})]
    table = study.market_design_table(mixed)
    assert isinstance(table, Table) and "Not computed on 1 day(s): 2025-10-03: no AS" in table.caption


def test_index_page_lists_every_day_with_its_headline(day):
    page = study.index_html(day["history"], day["results"]["battery"])
    assert page == study.index_html(day["history"], day["results"]["battery"])  # deterministic: no clock
    assert '<meta name="viewport"' in page and "<script" not in page and ".hk-table" in page
    assert 'href="study.html"' in page
    positions = [page.index(f'href="daily/{d}.html"') for d in ("2025-10-03", "2025-10-02", "2025-10-01")]
    assert positions == sorted(positions), "newest first"
    assert "best causal: Percentile threshold $13,671 (79% of its fair bound)" in page


@pytest.mark.parametrize(
    "what", ["strategies", "beliefs", "qa", "market_designs", "qse_agents", "assimilation", "metrics"]
)
def test_export_names_are_the_report_tables(what):
    from hayeknet.commands.export import TABLES
    from hayeknet.pipeline.stages.report import EXPORTS

    assert TABLES == EXPORTS and what in TABLES


def test_a_qse_that_did_not_run_is_named_with_its_reason() -> None:
    why = "wind QSE off: not collected (no NP4-732-CD posting for 2024-07-08)"
    battery = {
        "agent": {"profit_usd": 10.0, "capture_ratio": 0.5},
        "time_of_day": {"profit_usd": 8.0},
        "best_heuristic": "time_of_day",
        "agent_minus_best_heuristic_usd": 2.0,
    }
    qse = {"enabled": True, "available": True, "battery": battery, "wind": {"ran": False, "reason": why}}
    qse["agents_not_run"] = {"wind": why}
    table = daily.qse_table("2024-07-08", {"qse_agents": qse})
    assert isinstance(table, Table) and list(table.data.index) == ["battery"] and table.footnote == why
    assert why in [text for _, text in daily.not_computed({"qse_agents": qse}, {})]


def test_a_julia_kernel_that_auto_could_not_load_is_named_in_the_headline() -> None:
    note = (
        "backend auto found Julia but ran NumPy instead: Julia at /opt/julia was found but juliacall could not start it"
    )
    summary = {"battery_value": {"stated": True, "backend": "numpy", "backend_note": note}}
    results = {"assimilation": {"backend": "numpy", "backend_note": note}}
    missing = daily.not_computed(summary, results)
    assert (daily.ANCHORS["assimilation"], f"Julia EnKF kernel: {note}") in missing
    assert (daily.ANCHORS["battery_value"], f"Julia options kernel: {note}") in missing
    quiet = {"assimilation": {"backend": "numpy", "backend_note": ""}}
    assert daily.not_computed({"battery_value": {"backend_note": ""}}, quiet) == []


def test_the_battery_value_stated_before_the_day_reads_well_in_the_day_and_the_study(day):
    """ADR 0021: the daily table shows intrinsic, extrinsic, interval and what the day paid; the study table gives
    the interval's coverage over the days; a day without a statement is a note with its reason."""
    import numpy as np

    from hayeknet.battery.spec import BatterySpec
    from hayeknet.ercot.calendar import interval_starts_utc
    from hayeknet.options.next_day import score_after_day, value_before_day

    starts = pd.DatetimeIndex(interval_starts_utc(pd.Timestamp("2025-10-03").date(), 5))
    dam = 30.0 + 25.0 * np.sin(np.arange(len(starts)) / len(starts) * 2 * np.pi)
    paths = dam[None, :] + np.random.default_rng(1).normal(0.0, 15.0, (300, len(starts)))
    stated = value_before_day("2025-10-03", starts, dam, paths, BatterySpec(), 5 / 60).to_dict()
    realised = {"perfect_foresight": 12_345.0, "dam_schedule": 6_789.0}
    stated["after_day"] = score_after_day(stated, pd.Series(dam, index=starts), realised)
    day["summary"]["battery_value"] = stated
    shown = daily.battery_value_table(day["day"], day["summary"])
    assert isinstance(shown, Table)
    _readable(shown)
    labels = shown.formatted().index.tolist()
    assert labels[0].startswith("Intrinsic") and labels[1].startswith("Extrinsic")
    assert "Realised profit: Perfect foresight (bound)" in labels
    assert "inside the stated interval" in shown.caption
    day["summary"]["battery_value"] = {"stated": False, "note": "not stated: no spread model (first study day)"}
    assert isinstance(daily.battery_value_table(day["day"], day["summary"]), Note)

    history = [
        {"day": "2025-10-02", "battery_value": {"stated": False, "note": "not stated: first study day"}},
        {"day": "2025-10-03", "battery_value": stated},
    ]
    table = study.battery_value_table(history)
    assert isinstance(table, Table)
    _readable(table)
    assert "covered 1 of 1 days" in table.caption and "2025-10-02: not stated: first study day" in table.caption
    assert isinstance(study.battery_value_table(history[:1]), Note)


def test_dam_hours_held_from_neighbours_are_flagged_and_a_missing_dam_is_not_computed() -> None:
    note = "2 of 24 DAM hours had no price; the DAM-based strategies held the neighbouring hour's price over them"
    partial = {"dam_prices": {"available": True, "hours": 24, "hours_missing": 2, "note": note}}
    assert (daily.ANCHORS["strategies"], f"DAM prices: {note}") in daily.flags(partial, {})
    assert daily.not_computed(partial, {}) == []
    why = "no DAM price on the day: the strategies that need it did not run"
    absent = {"dam_prices": {"available": False, "hours": 24, "hours_missing": 24, "note": why}}
    assert (daily.ANCHORS["strategies"], f"DAM prices: {why}") in daily.not_computed(absent, {})
    assert daily.flags({"dam_prices": {"available": True, "hours": 24, "hours_missing": 0, "note": ""}}, {}) == []
