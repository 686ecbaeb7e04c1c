"""The one table style: formats, labels, at most 6 visible columns, captions, the CSV download."""

from __future__ import annotations

import base64
import io
import math
import re

import pandas as pd
import pytest

from hayeknet.reporting.labels import STRATEGY_LABELS, belief_event_label, humanize, strategy_label
from hayeknet.reporting.tables import (
    MAX_VISIBLE_COLUMNS,
    Column,
    FigureBlock,
    Note,
    Table,
    auto_columns,
    format_percent,
    format_probability,
    format_usd,
    format_value,
    infer_kind,
    parquet_ready,
    significant,
    style_block,
    stylesheet,
    table,
)


@pytest.mark.parametrize(
    "value, kind, text",
    [
        (8648.217, "usd", "$8,648"),
        (-1234.5, "usd", "-$1,234"),
        (0.4, "usd", "$0"),
        (26300.362776, "usd", "$26,300"),
        (0.93, "percent", "93%"),
        (1.0245, "percent", "102%"),
        (0.075, "percent", "7.5%"),
        (0.0826, "probability", "0.083"),
        (0.5, "probability", "0.5"),
        (1.0, "probability", "1"),
        (0.0, "probability", "0"),
        (0.0004, "probability", "<0.001"),
        (0.3333333, "probability", "0.33"),
        (0.00012, "pvalue", "<0.001"),
        (0.0344, "pvalue", "0.034"),
        (34.5612, "price", "34.56"),
        (-30.764, "price", "-30.76"),
        (2512.7, "price", "2,513"),
        (324.580495, "energy", "325"),
        (12.44, "energy", "12.4"),
        (1588, "count", "1,588"),
        (1.919613, "decimal", "1.92"),
        (0.99999997, "decimal", "1.00"),
        (0.336880, "decimal", "0.337"),
        (12345.678, "decimal", "12,346"),
        (None, "usd", "n/a"),
        (math.nan, "percent", "n/a"),
        ("numpy", "decimal", "numpy"),
        (True, "text", "yes"),
    ],
)
def test_format_value(value, kind, text):
    assert format_value(value, kind) == text


def test_no_formatted_number_has_more_than_6_unseparated_digits():
    for x in (0.1234567, 123.456789, 98765.4321, 1234567.89, -0.000123456, 42.0):
        for kind in ("usd", "price", "percent", "probability", "pvalue", "energy", "count", "decimal"):
            text = format_value(x, kind)
            for token in re.findall(r"\d[\d,]*(?:\.\d+)?", text):
                if "," not in token:
                    assert sum(c.isdigit() for c in token) <= 6, (x, kind, text)


def test_helpers():
    assert format_usd(-0.4) == "$0" and format_percent(0.0) == "0%" and format_probability(0.999) == "1"
    assert significant(0.000456) == "<0.001" and significant(-12.3456) == "-12.3"


@pytest.mark.parametrize(
    "name, label",
    [
        ("fair_bound_profit_usd", "Fair bound profit ($)"),
        ("mean_price_usd_per_mwh", "Mean price ($/MWh)"),
        ("charge_mwh", "Charge (MWh)"),
        ("dam_schedule", "DAM schedule"),
        ("capture_ratio_vs_pf", "Capture ratio vs PF"),
        ("p_value", "p value"),
        ("rmse_enkf", "RMSE EnKF"),
    ],
)
def test_humanize(name, label):
    assert humanize(name) == label


def test_strategy_labels_in_one_place_with_a_readable_fallback():
    assert strategy_label("perfect_foresight") == "Perfect foresight (bound)"
    for name in (
        "percentile_threshold",
        "time_of_day",
        "mpc_naive",
        "mpc_dam",
        "mpc_enkf",
        "mpc_beliefs",
        "ppo_agent",
        "dam_schedule",
    ):
        assert name in STRATEGY_LABELS and "_" not in strategy_label(name)
    assert strategy_label("offer_curve_dam_stack") == "Offer curve DAM stack"
    assert belief_event_label("A") == "High price (A)"
    assert belief_event_label("ABC") == "High price, imbalance and congestion (ABC)"


@pytest.mark.parametrize(
    "name, kind",
    [
        ("profit_usd", "usd"),
        ("mean_price_usd_per_mwh", "price"),
        ("capture_ratio", "percent"),
        ("p_value", "pvalue"),
        ("brier", "probability"),
        ("charge_mwh", "energy"),
        ("n_days", "count"),
        ("cycles", "decimal"),
    ],
)
def test_infer_kind(name, kind):
    assert infer_kind(name) == kind


def _wide_table(n_columns: int = 9) -> Table:
    data = pd.DataFrame(
        {f"value_{i}_usd": [1234.5678 * (i + 1), -98765.4321] for i in range(n_columns)},
        index=pd.Index(["percentile_threshold", "new_strategy"], name="strategy"),
    )
    return table(data, "Each strategy's money.", "2025-10-03_money", row_header="Strategy", row_labels=strategy_label)


def test_a_wide_table_shows_six_columns_and_folds_the_rest():
    t = _wide_table(9)
    assert len(t.visible) == MAX_VISIBLE_COLUMNS == 5 and len(t.hidden) == 4
    page = t._repr_html_()
    first_table = page.split("<details")[0]
    assert first_table.count('<th scope="col"') == 6  # the row label and 5 data columns
    assert "<details" in page and "4 more columns" in page
    assert "$1,235" in page and "-$98,765" in page and "1234.5678" not in page
    assert "Percentile threshold" in page and "New strategy" in page
    assert "<figcaption>Each strategy's money." in page
    assert not re.findall(r"<th[^>]*>[^<]*_[^<]*</th>", page), "no snake_case header"


def test_the_csv_link_holds_the_unformatted_numbers():
    t = _wide_table(3)
    page = t._repr_html_()
    href = re.search(r'download="2025-10-03_money.csv" href="data:text/csv;charset=utf-8;base64,([^"]+)"', page)
    assert href
    csv = base64.b64decode(href.group(1)).decode()
    assert csv == t.csv()
    back = pd.read_csv(io.StringIO(csv), index_col=0)
    assert list(back.columns) == ["label", "value_0_usd", "value_1_usd", "value_2_usd"]
    assert back.loc["percentile_threshold", "value_0_usd"] == pytest.approx(1234.5678)


def test_row_kinds_collapsed_notes_and_blocks(tmp_path):
    data = pd.DataFrame({"value": ["numpy", 40, 7.5975]}, index=["backend", "ensemble_size", "rmse_usd_per_mwh"])
    t = Table(
        data=data,
        columns=(
            Column(
                "value", "Value", row_kinds={"backend": "text", "ensemble_size": "count", "rmse_usd_per_mwh": "price"}
            ),
        ),
        caption="The EnKF.",
        name="x",
        collapsed=True,
    )
    assert list(t.formatted()["Value"]) == ["numpy", "40", "7.60"]
    assert "Show the table (3 rows)" in t._repr_html_()
    pq = t.write(tmp_path / "x.parquet", "parquet")
    assert pd.read_parquet(pq)["value"].tolist() == ["numpy", "40", "7.5975"]
    assert t.write(tmp_path / "x.csv").read_text() == t.csv()
    with pytest.raises(ValueError, match="unknown format kind"):
        Column("a", "A", "money")
    note = Note("no AS clearing prices for the day", name="market-designs")._repr_html_()
    assert "Not computed:" in note and 'id="market-designs"' in note and "no AS clearing prices" in note
    assert "<style>" in style_block()._repr_html_() and ".hk-table" in stylesheet()


def test_figure_block_embeds_a_png_with_its_caption():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2))
    fig.add_subplot().plot([0, 1], [1, 0])
    html = FigureBlock(fig, "Prices through the day.", "prices")._repr_html_()
    assert 'id="prices"' in html and "data:image/png;base64," in html and "<figcaption>Prices through the day." in html


def test_auto_columns_and_parquet_ready():
    frame = pd.DataFrame({"profit_usd": [1.0], "verdict": ["ok"], "n_days": [3]})
    cols = auto_columns(frame, {"verdict": Column("verdict", "Verdict", "text")})
    assert [(c.header, c.kind) for c in cols] == [("Profit ($)", "usd"), ("Verdict", "text"), ("n days", "count")]
    mixed = pd.DataFrame({"v": ["numpy", 4.0, None]})
    ready = parquet_ready(mixed)["v"].tolist()
    assert ready[:2] == ["numpy", "4.0"] and pd.isna(ready[2])
