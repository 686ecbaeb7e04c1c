"""Display helpers for the stage notebooks: figures as embedded PNG, Markdown that Jupyter will not
read as LaTeX."""

from __future__ import annotations

import re
from typing import Any


def escape_dollars(markdown: str) -> str:
    """Escape ``$`` for Jupyter/nbconvert Markdown, where ``$...$`` is LaTeX math
    (two prices on one line, or ``$/MWh`` in table cells, would otherwise be
    swallowed as a formula and break the table)."""
    return re.sub(r"(?<!\\)\$", r"\\$", markdown)


def show_figure(fig: Any) -> None:
    """Display a matplotlib Figure as an embedded PNG (works for pyplot-free figures); nothing for the stand-in
    of a quarantined day (:mod:`hayeknet.pipeline.quarantine`)."""
    import io

    from IPython.display import Image, display

    from hayeknet.pipeline.quarantine import is_stand_in

    if is_stand_in(fig):
        return
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    display(Image(data=buffer.getvalue(), format="png"))
