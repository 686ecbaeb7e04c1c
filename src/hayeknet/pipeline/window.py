"""The study window against the calendar: which operating days ``hayeknet collect`` fetches.

``study.end`` (and ``collect --through``) is an operating day (YYYY-MM-DD) or
one of two words resolved when collect runs:

* ``yesterday`` - the operating day before today in America/Chicago;
* ``latest`` - the last operating day whose reports the source has
  published: for ERCOT (``mis``, ``api``) the day before today once it is
  01:00 Central (the last 15-minute settlement point price of a day is
  posted minutes after midnight; the hour of margin covers late postings),
  else the day before that; for a drop folder (``files``) the last day its
  files cover; for the synthetic source the fixed day
  ``synthetic.published_through`` (the embedded default never advances on
  its own).

"Today" is the wall clock's, or ``$HAYEKNET_TODAY`` (YYYY-MM-DD, or an ISO
timestamp with offset) when set: a replay of past nights and the tests use it.
Nothing in a stage reads the clock; only collect does, so the pipeline's
outputs stay a function of its declared inputs.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from zoneinfo import ZoneInfo

from hayeknet.params import Params

CENTRAL = ZoneInfo("America/Chicago")
TODAY_ENV = "HAYEKNET_TODAY"
"""Environment variable that replaces the wall clock (a date or an ISO timestamp)."""
YESTERDAY = "yesterday"
LATEST = "latest"
WORDS = (YESTERDAY, LATEST)
ERCOT_PUBLICATION_HOUR = 1
"""Hour (America/Chicago) after which yesterday's ERCOT reports count as published."""


class WindowError(ValueError):
    """A window bound that is neither a day nor a known word, or a window that ends before it starts."""


def now_central(env: dict[str, str] | None = None) -> dt.datetime:
    """The current time in America/Chicago, or the one ``$HAYEKNET_TODAY`` names (midnight for a date)."""
    text = (env if env is not None else os.environ).get(TODAY_ENV, "").strip()
    if not text:
        return dt.datetime.now(CENTRAL)
    try:
        if len(text) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(12), tzinfo=CENTRAL)
        stamp = dt.datetime.fromisoformat(text)
    except ValueError:
        raise WindowError(f"${TODAY_ENV} = {text!r} is neither YYYY-MM-DD nor an ISO timestamp") from None
    if stamp.tzinfo is None:
        raise WindowError(f"${TODAY_ENV} = {text!r}: an ISO timestamp needs its offset (e.g. -05:00)")
    return stamp.astimezone(CENTRAL)


def parse_bound(text: str | dt.date) -> dt.date | str:
    """A window bound: a date, or one of :data:`WORDS` (lower case); :class:`WindowError` otherwise."""
    if isinstance(text, dt.date):
        return text
    word = str(text).strip().lower()
    if word in WORDS:
        return word
    try:
        return dt.date.fromisoformat(word)
    except ValueError:
        raise WindowError(f"{text!r} is not an operating day (YYYY-MM-DD), 'yesterday' or 'latest'") from None


def latest_published(
    source: str,
    params: Params,
    now: dt.datetime,
    drop_folder_days: Callable[[], list[dt.date]] | None = None,
) -> dt.date:
    """The last operating day whose reports ``source`` has published at ``now`` (module docstring)."""
    if source == "synthetic":
        return params.synthetic.published_through
    if source == "files":
        days = drop_folder_days() if drop_folder_days is not None else []
        if not days:
            raise WindowError("source 'files': the drop folder holds no ERCOT file, so it has no latest day")
        return max(days)
    today = now.astimezone(CENTRAL).date()
    lag = 1 if now.astimezone(CENTRAL).hour >= ERCOT_PUBLICATION_HOUR else 2
    return today - dt.timedelta(days=lag)


def resolve_end(
    bound: str | dt.date,
    source: str,
    params: Params,
    now: dt.datetime | None = None,
    drop_folder_days: Callable[[], list[dt.date]] | None = None,
) -> dt.date:
    """The operating day a window bound stands for at ``now`` (default: :func:`now_central`)."""
    value = parse_bound(bound)
    if isinstance(value, dt.date):
        return value
    now = now or now_central()
    if value == YESTERDAY:
        return now.astimezone(CENTRAL).date() - dt.timedelta(days=1)
    return latest_published(source, params, now, drop_folder_days)
