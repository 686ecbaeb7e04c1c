"""The one table style of every HayekNet report, notebook and export.

A :class:`Table` holds the numbers (``data``: a DataFrame with machine column
names, what a CSV download and ``hayeknet export`` write) and how to show them
(:class:`Column`: a header with its unit and a format kind). Displayed in a
notebook (``_repr_html_``) it renders as:

* at most :data:`MAX_VISIBLE_COLUMNS` columns besides the row label, the rest in
  a collapsible ``<details>`` (in tables of at most that many columns each), so
  no table is wider than a phone (390 CSS px);
* numbers formatted by kind: money ``$8,648``, ratios ``93%``, probabilities with
  2 significant digits, prices ``34.56`` under a ``($/MWh)`` header, energy
  ``1,234`` / ``12.5`` under ``(MWh)``; an undefined value as ``n/a``;
* a one-line caption under the table (:attr:`Table.caption`), an optional
  footnote, and a "Download CSV" link holding the data as a ``data:`` URI (no
  server, works offline).

:class:`Note` shows a part that was not computed ("Not computed: <reason>"),
:class:`FigureBlock` a matplotlib figure as an embedded PNG with its caption,
:class:`HtmlBlock` any other HTML (the headline block, navigation). Each
carries the classes ``tex2jax_ignore mathjax_ignore`` so JupyterLab does not
read two dollar amounts as a formula. The style sheet is
:func:`stylesheet` (the ``hayeknet`` nbconvert template includes the same file).
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from hayeknet.reporting.labels import humanize

MAX_VISIBLE_COLUMNS = 5
"""Data columns shown beside the row label (6 visible columns in all); the rest go into the details."""

NA = "n/a"
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
NO_MATH = "tex2jax_ignore mathjax_ignore"
STYLESHEET = Path(__file__).resolve().parent / "nbconvert_templates" / "hayeknet" / "hayeknet.css"

KINDS = ("usd", "price", "percent", "probability", "pvalue", "energy", "power", "count", "decimal", "text")
"""Format kinds of a :class:`Column` (see :func:`format_value`)."""


# --------------------------------------------------------------------------- numbers


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def significant(x: float, digits: int = 3) -> str:
    """``x`` with ``digits`` significant digits, never in scientific notation; thousands separated from 1,000.

    Values below 0.001 in magnitude (but not 0) read ``<0.001``.
    """
    if x == 0:
        return "0"
    if abs(x) < 0.001:
        return "<0.001" if x > 0 else ">-0.001"
    if abs(x) >= 10 ** (digits - 1):
        return f"{x:,.0f}"
    x = float(f"{x:.{digits}g}")  # round first: 0.99996 -> 1.0 (then 1.00, not 1.000)
    if abs(x) >= 10 ** (digits - 1):
        return f"{x:,.0f}"
    decimals = digits - 1 - math.floor(math.log10(abs(x)))
    return f"{x:.{max(decimals, 0)}f}"


def format_usd(x: float) -> str:
    """Whole dollars, sign before the symbol: ``$8,648``, ``-$1,234``."""
    rounded = round(x)
    if rounded == 0:
        return "$0"
    return f"-${abs(rounded):,.0f}" if rounded < 0 else f"${rounded:,.0f}"


def format_percent(x: float) -> str:
    """A ratio as a percentage: ``0.93`` -> ``93%``; one decimal below 10%: ``0.075`` -> ``7.5%``."""
    pct = 100.0 * x
    if pct != 0 and abs(pct) < 10:
        return f"{pct:.1f}%"
    return f"{pct:,.0f}%"


def format_probability(x: float) -> str:
    """2 significant digits: ``0.0825`` -> ``0.082``, ``0.5`` -> ``0.5``, ``1`` -> ``1``, tiny -> ``<0.001``."""
    if x == 0 or x == 1:
        return f"{x:.0f}"
    if 0 < x < 0.001:
        return "<0.001"
    return f"{x:.2g}" if abs(x) >= 0.001 else significant(x, 2)


def format_price(x: float) -> str:
    """A price under a ``($/MWh)`` header: ``34.56``; from 1,000 whole: ``1,234``."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:,.2f}"


def format_energy(x: float) -> str:
    """MWh or MW: ``1,234`` from 100, ``12.5`` below."""
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.1f}"


def format_value(value: Any, kind: str) -> str:
    """``value`` as text in the format ``kind`` (one of :data:`KINDS`); missing or NaN as ``n/a``."""
    if _missing(value):
        return NA
    if isinstance(value, bool):
        return "yes" if value else "no"
    if kind == "text" or isinstance(value, str):
        return str(value)
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if kind == "usd":
        return format_usd(x)
    if kind == "price":
        return format_price(x)
    if kind == "percent":
        return format_percent(x)
    if kind == "probability":
        return format_probability(x)
    if kind == "pvalue":
        return "<0.001" if 0 <= x < 0.001 else f"{x:.2g}"
    if kind in ("energy", "power"):
        return format_energy(x)
    if kind == "count":
        return f"{round(x):,}"
    return significant(x, 3)


def infer_kind(name: str, values: pd.Series | None = None) -> str:
    """The format kind a column name implies (``_usd`` money, ``capture_ratio`` percent, ``p_value``...)."""
    key = str(name).lower()
    if values is not None and not pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numeric = pd.to_numeric(values, errors="coerce")
        if numeric.notna().sum() < values.notna().sum():
            return "text"
    if key.endswith(("_usd_per_mwh", "_usd_per_mw")):
        return "price"
    if key.endswith("_usd"):
        return "usd"
    if "capture_ratio" in key or key.endswith("_pct") or key.endswith("_share"):
        return "percent"
    if key in ("p_value", "pvalue") or key.startswith("p_value"):
        return "pvalue"
    if "probability" in key or "brier" in key or key.startswith("p_") or key in ("forecast", "observed_frequency"):
        return "probability"
    if key.endswith("_mwh"):
        return "energy"
    if key.endswith("_mw"):
        return "power"
    if key in ("n", "count") or key.startswith("n_") or key.endswith("_count"):
        return "count"
    if values is not None and pd.api.types.is_integer_dtype(values):
        return "count"
    return "decimal"


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Column:
    """One column of a :class:`Table`: ``key`` in the data, the ``header`` a reader sees (unit in
    brackets), the format ``kind`` (:data:`KINDS`), and whether it waits in the details (``detail``)."""

    key: str
    header: str
    kind: str = "decimal"
    detail: bool = False
    row_kinds: Mapping[Any, str] | None = field(default=None, hash=False, compare=False)
    """Per-row format kinds (index value -> kind) for a column of mixed measures (Measure | Value)."""

    def __post_init__(self) -> None:
        for kind in [self.kind, *(self.row_kinds or {}).values()]:
            if kind not in KINDS:
                raise ValueError(f"column {self.key!r}: unknown format kind {kind!r} (known: {', '.join(KINDS)})")

    def kind_of(self, row: Any) -> str:
        """The format kind of this column's cell in row ``row``."""
        return (self.row_kinds or {}).get(row, self.kind)

    def cell(self, row: Any, value: Any) -> str:
        return format_value(value, self.kind_of(row))


def auto_columns(data: pd.DataFrame, overrides: Mapping[str, Column] | None = None) -> tuple[Column, ...]:
    """A :class:`Column` per column of ``data``: ``overrides`` where given, else the humanized name
    (:func:`hayeknet.reporting.labels.humanize`) and the kind its name implies (:func:`infer_kind`)."""
    overrides = overrides or {}
    return tuple(
        overrides.get(str(c)) or Column(str(c), humanize(str(c)), infer_kind(str(c), data[c])) for c in data.columns
    )


def _escape(text: Any) -> str:
    """Text for an element's content (``<``, ``>``, ``&`` escaped; quotes read as quotes)."""
    return html.escape(str(text), quote=False)


def _attr(text: Any) -> str:
    """Text for an attribute value (quotes escaped too)."""
    return html.escape(str(text), quote=True)


def csv_data_uri(frame: pd.DataFrame) -> str:
    """The frame as CSV (UTF-8) in a ``data:text/csv`` URI."""
    payload = frame.to_csv(lineterminator="\n").encode("utf-8")
    return "data:text/csv;charset=utf-8;base64," + base64.b64encode(payload).decode("ascii")


@dataclass(frozen=True)
class Table:
    """A report table: numbers (``data``, machine names; the CSV), how to show them (``columns``), and words.

    ``name`` names the CSV download (``<name>.csv``) and is the HTML ``id`` unless ``anchor`` is given;
    ``row_header`` heads the row-label column; ``row_labels`` maps an index value to the label shown
    (default: the value); ``row_links`` maps an index value to a link target; ``caption`` is the one
    line under the table, ``footnote`` an optional second paragraph.
    """

    data: pd.DataFrame
    columns: tuple[Column, ...]
    caption: str
    name: str
    row_header: str = ""
    row_labels: Mapping[Any, str] | Callable[[Any], str] | None = None
    row_links: Mapping[Any, str] = field(default_factory=dict)
    footnote: str = ""
    anchor: str = ""
    collapsed: bool = False
    """Long reference tables (every metric, every question): the table folds into a ``<details>``."""

    def __post_init__(self) -> None:
        missing = [c.key for c in self.columns if c.key not in self.data.columns]
        if missing:
            raise KeyError(f"table {self.name!r}: no data column {missing}")

    def __repr__(self) -> str:
        return f"<Table {self.name!r}: {len(self.data)} rows x {len(self.columns)} columns>"

    # -- the parts
    def label(self, key: Any) -> str:
        if callable(self.row_labels):
            return self.row_labels(key)
        if self.row_labels is not None and key in self.row_labels:
            return self.row_labels[key]
        return str(key)

    @property
    def visible(self) -> tuple[Column, ...]:
        shown = [c for c in self.columns if not c.detail]
        return tuple(shown[:MAX_VISIBLE_COLUMNS])

    @property
    def hidden(self) -> tuple[Column, ...]:
        shown = {id(c) for c in self.visible}
        return tuple(c for c in self.columns if id(c) not in shown)

    def formatted(self) -> pd.DataFrame:
        """The table as a reader sees it: labels as the index, headers as columns, every cell formatted text."""
        out = pd.DataFrame(
            {c.header: [c.cell(k, v) for k, v in zip(self.data.index, self.data[c.key])] for c in self.columns},
            index=[self.label(k) for k in self.data.index],
        )
        out.index.name = self.row_header or None
        return out

    def export_frame(self) -> pd.DataFrame:
        """The data behind the table (machine column names, unformatted numbers: every column of ``data``),
        what CSV and Parquet hold; with a ``label`` column when the rows have labels other than their keys."""
        frame = self.data.copy()
        labels = [self.label(k) for k in frame.index]
        if labels != [str(k) for k in frame.index]:
            frame.insert(0, "label", labels)
        return frame

    def csv(self) -> str:
        return self.export_frame().to_csv(lineterminator="\n")

    def write(self, path: str | Path, fmt: str = "csv") -> Path:
        """Write :meth:`export_frame` as ``csv`` (what the download link holds) or ``parquet``."""
        path = Path(path)
        if fmt == "csv":
            path.write_text(self.csv(), encoding="utf-8")
        elif fmt == "parquet":
            parquet_ready(self.export_frame()).to_parquet(path)
        else:
            raise ValueError(f"unknown format {fmt!r}: csv | parquet")
        return path

    # -- HTML
    def _table_html(self, columns: Sequence[Column]) -> str:
        head = [f'<th scope="col" class="hk-rowhead">{_escape(self.row_header)}</th>']
        head += [
            f'<th scope="col" class="{"text" if c.kind == "text" else "num"}">{_escape(c.header)}</th>' for c in columns
        ]
        rows = []
        for key, record in zip(self.data.index, self.data.to_dict("records")):
            label = _escape(self.label(key))
            link = self.row_links.get(key)
            if link:
                label = f'<a href="{_attr(link)}">{label}</a>'
            date = ' class="date"' if ISO_DAY.fullmatch(str(key)) else ""  # a day reads whole, never "2025-/10-01"
            cells = [f'<th scope="row"{date}>{label}</th>']
            for c in columns:
                text = c.cell(key, record.get(c.key))
                css = "text" if c.kind == "text" else "num"
                if text == NA:
                    css += " na"
                cells.append(f'<td class="{css}">{_escape(text)}</td>')
            rows.append("<tr>" + "".join(cells) + "</tr>")
        return (
            '<div class="hk-scroll"><table class="hk">'
            f"<thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        )

    def _repr_html_(self) -> str:
        anchor = self.anchor or self.name
        parts = [f'<figure class="hk-table {NO_MATH}" id="{_attr(anchor)}">']
        if self.collapsed:
            n = len(self.data)
            parts.append(f'<details class="hk-more"><summary>Show the table ({n} row{"s" if n != 1 else ""})</summary>')
        parts.append(self._table_html(self.visible))
        hidden = self.hidden
        if hidden:
            names = ", ".join(c.header for c in hidden)
            parts.append(
                f'<details class="hk-more"><summary>{len(hidden)} more column{"s" if len(hidden) > 1 else ""}: '
                f"{_escape(names)}</summary>"
            )
            for start in range(0, len(hidden), MAX_VISIBLE_COLUMNS):
                parts.append(self._table_html(hidden[start : start + MAX_VISIBLE_COLUMNS]))
            parts.append("</details>")
        if self.collapsed:
            parts.append("</details>")
        download = (
            f'<a class="hk-csv" download="{_attr(self.name)}.csv" href="{csv_data_uri(self.export_frame())}">'
            "Download CSV</a>"
        )
        parts.append(f"<figcaption>{_escape(self.caption)} {download}</figcaption>")
        if self.footnote:
            parts.append(f'<p class="hk-footnote">{_escape(self.footnote)}</p>')
        parts.append("</figure>")
        return "".join(parts)

    def with_caption(self, caption: str) -> Table:
        return replace(self, caption=caption)


def parquet_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every object column that mixes value types (``"numpy"`` beside ``40``) as text,
    which Parquet needs (one type per column); missing values stay missing."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype == object:
            kinds = {type(v) for v in values if not _missing(v)}
            if len(kinds) > 1:
                out[column] = [None if _missing(v) else str(v) for v in values]
    return out


def table(
    data: pd.DataFrame,
    caption: str,
    name: str,
    *,
    columns: Iterable[Column] | None = None,
    overrides: Mapping[str, Column] | None = None,
    **kwargs: Any,
) -> Table:
    """A :class:`Table` of ``data``: the given ``columns``, else one per data column (:func:`auto_columns`)."""
    cols = tuple(columns) if columns is not None else auto_columns(data, overrides)
    return Table(data=data, columns=cols, caption=caption, name=name, **kwargs)


# --------------------------------------------------------------------------- other blocks


@dataclass(frozen=True)
class Note:
    """A part of a report that was not computed, and why: renders "Not computed: <reason>"."""

    reason: str
    name: str = ""
    prefix: str = "Not computed"

    def __repr__(self) -> str:
        return f"{self.prefix}: {self.reason}"

    def _repr_html_(self) -> str:
        anchor = f' id="{_attr(self.name)}"' if self.name else ""
        return (
            f'<div class="hk-note {NO_MATH}"{anchor}><strong>{_escape(self.prefix)}:</strong> '
            f"{_escape(self.reason)}</div>"
        )


@dataclass(frozen=True)
class HtmlBlock:
    """Ready HTML for a notebook output (already escaped by its builder)."""

    html: str
    text: str = ""

    def __repr__(self) -> str:
        return self.text or "<HTML block>"

    def _repr_html_(self) -> str:
        return f'<div class="{NO_MATH}">{self.html}</div>'


def figure_png(fig: Any, dpi: int = 110) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


class FigureBlock:
    """A matplotlib figure as an embedded PNG with a one-line caption under it (``id`` = ``name``)."""

    def __init__(self, fig: Any, caption: str, name: str = "", alt: str = "", dpi: int = 110) -> None:
        self.png = figure_png(fig, dpi)
        self.caption = caption
        self.name = name
        self.alt = alt or caption

    def __repr__(self) -> str:
        return f"<Figure {self.name!r}: {self.caption}>"

    def _repr_html_(self) -> str:
        anchor = f' id="{_attr(self.name)}"' if self.name else ""
        data = base64.b64encode(self.png).decode("ascii")
        return (
            f'<figure class="hk-figure {NO_MATH}"{anchor}><img src="data:image/png;base64,{data}" '
            f'alt="{_attr(self.alt)}"><figcaption>{_escape(self.caption)}</figcaption></figure>'
        )


def stylesheet() -> str:
    """The report style sheet (tables, captions, headline, navigation), the file the nbconvert template includes."""
    return STYLESHEET.read_text(encoding="utf-8")


def style_block() -> HtmlBlock:
    """The style sheet as a notebook output, for notebooks viewed in JupyterLab (the HTML reports have it)."""
    return HtmlBlock(f"<style>{stylesheet()}</style>", "HayekNet report style")
