"""Results document, schema validation, Markdown journal, files and researcher notes."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from hayeknet.battery.spec import BatterySpec
from hayeknet.research.errors import ResearchInputError
from hayeknet.research.journal import (
    SCHEMA_VERSION,
    ResultsSchemaError,
    build_results,
    ensure_observation_file,
    load_results,
    observation_template,
    render_journal,
    results_schema,
    validate_results,
    write_day_outputs,
)


@pytest.fixture(scope="module")
def two_days(day_factory):
    make_day = day_factory
    d1 = make_day(dt.date(2025, 10, 1), seed=1, noise=0.5)
    d2 = make_day(dt.date(2025, 10, 2), seed=2, spike_price=600.0, negative_price=-15.0)
    r1 = build_results(**d1.build_kwargs())
    r2 = build_results(**d2.build_kwargs(day_index=1, previous_results=[r1], history_prices=d1.prices))
    return r1, r2


def test_schema_is_draft_2020_12():
    import jsonschema

    schema = results_schema()
    assert schema["$schema"].endswith("2020-12/schema")
    jsonschema.Draft202012Validator.check_schema(schema)


def test_results_shape(two_days):
    r1, r2 = two_days
    for r in (r1, r2):
        validate_results(r)
        assert r["schema_version"] == SCHEMA_VERSION
        assert len(r["metrics"]) >= 20
        assert json.loads(json.dumps(r, allow_nan=False)) == r
    assert r2["study"] == {"day_index": 1, "n_days": 5}
    assert r1["regime"]["label"] == "calm" and r2["regime"]["label"] == "volatile"
    assert len(r2["insights"]["spikes"]) == 1 and len(r2["insights"]["negative_price_episodes"]) == 1
    asked = {q["id"] for q in r2["qa"] if q["asked"]}
    assert asked == {
        "volatility_next_day",
        "capture_next_day",
        "spread_next_day",
        "enkf_interval_coverage",
        "next_day_outlook",
    }
    assert r2["schema_version"] == "1.5.0"
    assert {p["id"] for p in r2["interval_predictions"]} == {"spike_days_next_week"}  # 2 days: too few for more
    assert r2["coverage_claims"][0]["id"] == "enkf_one_step_2sigma"
    assert r2["coherence_across_sources"]["coherent"] is True  # the Q&A alone: its joint is below its marginals


def test_first_day_without_history_dam_or_states(spiky_day):
    r = build_results(
        **spiky_day.build_kwargs(dam_prices=None, filtered=None, assimilation_metrics=None, history_prices=None)
    )
    names = {m["name"]: m["value"] for m in r["metrics"]}
    assert names["dam_rt.spread_mean"] is None and names["enkf.rmse_battery"] is None
    assert r["insights"]["innovation_outliers"]["count"] == 0
    assert not {q["id"]: q for q in r["qa"]}["enkf_interval_coverage"]["asked"]


def test_the_battery_sizes_the_energy_metrics(spiky_day):
    small = build_results(**spiky_day.build_kwargs())
    large = build_results(**spiky_day.build_kwargs(battery=BatterySpec(energy_mwh=800.0, power_mw=100.0)))
    assert large["battery"]["energy_mwh"] == 800.0 and large["battery"]["location"] == "HB_WEST"
    key = "strategy.perfect_foresight.soc_utilization"
    value = lambda r: {m["name"]: m["value"] for m in r["metrics"]}[key]
    assert value(large) == pytest.approx(value(small) / 2)


def test_day_index_out_of_range(spiky_day):
    with pytest.raises(ResearchInputError, match="day_index 5"):
        build_results(**spiky_day.build_kwargs(day_index=5, n_days=5))


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda r: r.pop("metrics"), "metrics"),
        (lambda r: r["regime"].__setitem__("label", "stormy"), "regime/label"),
        (lambda r: r.__setitem__("metrics", r["metrics"][:5]), "metrics"),
        (lambda r: r["metrics"][0].__setitem__("value", "high"), "metrics/0/value"),
        (lambda r: r.__setitem__("schema_version", "0.9"), "schema_version"),
        (lambda r: r["study"].__setitem__("day_index", -1), "study/day_index"),
    ],
)
def test_schema_rejects_bad_documents(two_days, mutate, field):
    bad = copy.deepcopy(two_days[1])
    mutate(bad)
    with pytest.raises(ResultsSchemaError, match=field.split("/")[0]):
        validate_results(bad)


def test_schema_rejects_a_fixed_confidence_without_method(two_days):
    bad = copy.deepcopy(two_days[1])
    asked = next(q for q in bad["qa"] if q["asked"] and q["confidence"]["value"] is not None)
    asked["confidence"]["measure"] = "none"  # 'none' must carry no value
    with pytest.raises(ResultsSchemaError, match="qa"):
        validate_results(bad)
    bad2 = copy.deepcopy(two_days[1])
    next(q for q in bad2["qa"] if q["asked"])["confidence"] = None
    with pytest.raises(ResultsSchemaError, match="qa"):
        validate_results(bad2)


def test_journal_contents(two_days):
    md = render_journal(two_days[1])
    assert md.startswith("# HayekNet research journal: 2025-10-02 (day 2 of 5)")
    assert "**Headline.**" in md and "results.json" in md
    metric_rows = [line for line in md.splitlines() if line.startswith("| `")]
    assert len(metric_rows) >= 20
    assert "| `price.mean` |" in md and "$/MWh" in md
    assert md.count("### Q") == 5
    assert "**Confidence.** posterior probability" in md and "**Confidence.** stated probability" in md
    assert "Scored later as: `enkf_one_step_2sigma`" in md and "p-value" in md
    assert "## Coherence across sources" in md and "| days needed |" in md
    assert "17:00-17:30 CDT (22:00-22:30 UTC)" in md
    assert "| perfect_foresight |" in md


def test_journal_lists_skipped_questions(spiky_day):
    md = render_journal(build_results(**spiky_day.build_kwargs(filtered=None)))
    assert "Not asked today:" in md and "no EnKF states at HB_WEST today" in md


def test_write_day_outputs(tmp_path, two_days):
    r = two_days[1]
    md = render_journal(r)
    paths = write_day_outputs(tmp_path / "2025-10-02", r, md)
    assert [p.name for p in paths] == ["results.json", "qa.json", "journal.md"]
    assert load_results(paths[0]) == r
    qa = json.loads(paths[1].read_text())
    assert qa["qa"] == r["qa"] and qa["day"] == "2025-10-02"
    assert paths[2].read_text() == md
    assert sorted(p.name for p in (tmp_path / "2025-10-02").iterdir()) == ["journal.md", "qa.json", "results.json"]


def test_write_refuses_invalid_results(tmp_path, two_days):
    bad = copy.deepcopy(two_days[1])
    bad["regime"]["label"] = "stormy"
    with pytest.raises(ResultsSchemaError):
        write_day_outputs(tmp_path / "out", bad, "x")
    assert not (tmp_path / "out").exists()


def test_load_results_names_the_file(tmp_path):
    path = tmp_path / "results.json"
    path.write_text("{not json")
    with pytest.raises(ResultsSchemaError, match=r"results\.json"):
        load_results(path)


def test_observation_file_written_once_then_kept(tmp_path):
    path = tmp_path / "notes" / "2025-10-02.md"
    assert ensure_observation_file(path, dt.date(2025, 10, 2))
    assert path.read_text() == observation_template("2025-10-02")
    assert ensure_observation_file(path, "2025-10-02")  # still pristine: rewriting is harmless
    edited = path.read_text().replace("## What I saw\n\n- ", "## What I saw\n\n- West hub spiked at 17:00")
    path.write_text(edited)
    assert not ensure_observation_file(path, dt.date(2025, 10, 2))
    assert path.read_text() == edited
    assert observation_template("2025-10-03") != observation_template("2025-10-02")


def test_journal_tables_render_as_html_tables(two_days):
    """Every Markdown table of the journal survives nbconvert (a stray '|' in a cell drops the table)."""
    from nbconvert import HTMLExporter
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    from hayeknet.reporting.notebook import escape_dollars

    md = render_journal(two_days[1])
    n_tables = sum(1 for line in md.splitlines() if line.startswith("|---") or line.startswith("|--"))
    cell = new_code_cell("journal")
    cell.outputs = [new_output("display_data", data={"text/markdown": escape_dollars(md)})]
    nb = new_notebook()
    nb.cells = [cell]
    html, _ = HTMLExporter().from_notebook_node(nb)
    assert n_tables >= 2 and html.count("<table") == n_tables


BELIEFS = {
    "forecast_day": "2025-10-03",
    "next_day": {"high_price": 0.30, "imbalance": 0.2, "high_price&imbalance": 0.05},
    "climatology": {"high_price": 0.02, "imbalance": 0.1, "high_price&imbalance": 0.01},
    "thresholds_usd_per_mwh": {"high_price": 100.0, "imbalance": 20.0, "congestion": 10.0},
    "dam_implied": {"high_price": 0.0, "n_intervals": 288, "source": "published DAM of the predicted day"},
}


def test_beliefs_from_separate_sources_are_checked_together(spiky_day):
    """The PyMC model states P(high price in a random interval) = 0.30 while its own history frequency says 0.02
    and the DAM 0.0: the sources disagree, the check says so with the Dutch-book stake, and the journal shows it."""
    r = build_results(**spiky_day.build_kwargs(beliefs=BELIEFS))
    validate_results(r)
    check = r["coherence_across_sources"]
    assert check["coherent"] is False and check["stake"] > 0.1
    assert {s["source"] for s in check["statements"]} == {"pymc", "history_frequency", "dam", "qa"}
    assert check["by_source"]["pymc"]["coherent"] and check["by_source"]["qa"]["coherent"]
    pair = {tuple(p["sources"]): p for p in check["pairs"]}
    assert not pair[("dam", "pymc")]["coherent"] and pair[("dam", "pymc")]["stake"] == pytest.approx(0.15)
    assert check["world"]["implications"] == ["A => S"]
    assert "enkf" in check["sources_missing"]
    assert r["beliefs"]["next_day"]["high_price"] == 0.30
    md = render_journal(r)
    assert "**Dutch book**" in md and "dam and pymc: 0.1500" in md


def test_a_different_high_price_threshold_drops_the_link_to_the_spike_claim(spiky_day):
    beliefs = dict(BELIEFS, thresholds_usd_per_mwh={"high_price": 250.0})
    check = build_results(**spiky_day.build_kwargs(beliefs=beliefs))["coherence_across_sources"]
    assert check["world"]["implications"] == [] and "not imposed" in check["notes"][0]


def test_schema_holds_the_new_claims(two_days):
    bad = copy.deepcopy(two_days[1])
    bad["interval_predictions"][0]["level"] = 1.2
    with pytest.raises(ResultsSchemaError, match="interval_predictions"):
        validate_results(bad)
    bad = copy.deepcopy(two_days[1])
    del bad["coherence_across_sources"]
    with pytest.raises(ResultsSchemaError, match="coherence_across_sources"):
        validate_results(bad)
    bad = copy.deepcopy(two_days[1])
    bad["hypotheses"][0]["unit_of_analysis"] = "day-strategy pair"
    with pytest.raises(ResultsSchemaError, match="hypotheses"):
        validate_results(bad)
    old = copy.deepcopy(two_days[1])  # a 1.3.0 document without the new fields stays valid
    old["schema_version"] = "1.3.0"
    for key in ("interval_predictions", "coverage_claims", "coherence_across_sources"):
        del old[key]
    validate_results(old)
