"""EnKF state and belief features of the three-QSE observation (issue 5).

:func:`state_features` builds the ``state_features`` matrix of a
:class:`~hayeknet.agents.qse.day.QSEDay` (columns :data:`STATE_FEATURE_NAMES`)
from the EnKF filtered mean and spread ($/MWh) and the beliefs;
:func:`interval_beliefs` holds the beliefs stage's per-hour probabilities over
the day's 5-minute intervals.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from hayeknet.agents.errors import PriceDataError

#: Scale of the asinh transform of the EnKF mean and spread, $/MWh.
STATE_PRICE_SCALE_USD_PER_MWH = 50.0

STATE_FEATURE_NAMES: tuple[str, ...] = (
    "enkf_mean_asinh",  # asinh(EnKF filtered mean / 50 $/MWh)
    "enkf_spread_asinh",  # asinh(EnKF ensemble spread / 50 $/MWh)
    "has_beliefs",  # 1 when beliefs were stated for the day, else 0 (and the probabilities are 0)
    "p_high_price",  # beliefs: probabilities in [0, 1] (of the interval's hour when given per hour)
    "p_imbalance",
    "p_congestion",
)
#: Belief features and the event columns of the beliefs stage's ``hourly.parquet`` they come from.
BELIEF_EVENT_COLUMNS: dict[str, str] = {
    "p_high_price": "high_price",
    "p_imbalance": "imbalance",
    "p_congestion": "congestion",
}


def state_features(
    enkf_mean_usd_per_mwh: np.ndarray,
    enkf_spread_usd_per_mwh: np.ndarray,
    beliefs: Mapping[str, float | np.ndarray] | None = None,
) -> np.ndarray:
    """The ``state_features`` matrix of a :class:`~hayeknet.agents.qse.day.QSEDay`,
    shape ``(n, len(STATE_FEATURE_NAMES))``.

    ``enkf_mean_usd_per_mwh`` and ``enkf_spread_usd_per_mwh`` are the EnKF
    filtered mean and spread at the location per interval ($/MWh; from
    ``artifacts/states/<day>/filtered.parquet``), transformed by
    ``asinh(x / 50)``. The filtered state of interval ``t`` uses observations
    up to ``t``, the same information as the price features of interval ``t``.

    ``beliefs`` maps ``p_high_price``, ``p_imbalance``, ``p_congestion`` to a
    probability for the whole day or an array of one probability per interval
    (e.g. :func:`interval_beliefs` of the beliefs stated the day before);
    missing keys are 0. ``has_beliefs`` is 1 when ``beliefs`` is given, else 0
    and every probability is 0. Raises :class:`PriceDataError` naming the key
    (and interval) of a value that is not a probability or has the wrong shape.
    """
    mean = np.asarray(enkf_mean_usd_per_mwh, dtype=np.float64)
    spread = np.asarray(enkf_spread_usd_per_mwh, dtype=np.float64)
    if mean.ndim != 1 or spread.shape != mean.shape:
        raise PriceDataError(f"state_features: EnKF mean {mean.shape} and spread {spread.shape} must be equal 1-D")
    n = mean.size
    given = dict(beliefs) if beliefs is not None else None
    unknown = sorted(set(given or {}) - set(BELIEF_EVENT_COLUMNS))
    if unknown:
        known = ", ".join(BELIEF_EVENT_COLUMNS)
        raise PriceDataError(f"state_features: unknown belief {unknown[0]!r} (known: {known})")
    probs = []
    for key in BELIEF_EVENT_COLUMNS:
        p = np.asarray((given or {}).get(key, 0.0), dtype=np.float64)
        p = np.full(n, float(p)) if p.ndim == 0 else p
        if p.shape != (n,):
            raise PriceDataError(f"state_features: belief {key} has shape {p.shape}, expected ({n},) or a scalar")
        bad = np.flatnonzero(~((p >= 0.0) & (p <= 1.0)))
        if bad.size:
            raise PriceDataError(f"state_features: belief {key}[{bad[0]}] = {p[bad[0]]!r} is not a probability")
        probs.append(p)
    s = STATE_PRICE_SCALE_USD_PER_MWH
    has = np.full(n, 0.0 if given is None else 1.0)
    return np.column_stack([np.arcsinh(mean / s), np.arcsinh(spread / s), has, *probs])


def interval_beliefs(hourly: pd.DataFrame, interval_start_utc: pd.DatetimeIndex) -> dict[str, np.ndarray] | None:
    """Per-hour belief probabilities held over the 5-minute intervals of the hour.

    ``hourly``: the beliefs stage's ``hourly.parquet`` (index ``hour_start_utc``,
    timezone-aware, or a column of that name; event columns ``high_price``,
    ``imbalance``, ``congestion``: P(event in at least one interval of the
    hour)). Returns ``{"p_high_price": array, ...}`` aligned to
    ``interval_start_utc``, or ``None`` when the table does not cover every
    interval's hour (beliefs stated for another day). Raises
    :class:`PriceDataError` naming the column and hour of a value outside [0, 1].
    """
    table = hourly.set_index("hour_start_utc") if "hour_start_utc" in hourly.columns else hourly
    index = table.index
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
        raise PriceDataError("interval_beliefs: hourly beliefs must be indexed by timezone-aware hour_start_utc")
    missing = [c for c in BELIEF_EVENT_COLUMNS.values() if c not in table.columns]
    if missing:
        raise PriceDataError(f"interval_beliefs: hourly beliefs lack column(s) {', '.join(missing)}")
    table = table.copy()
    table.index = index.tz_convert("UTC")
    hours = pd.DatetimeIndex(interval_start_utc).tz_convert("UTC").floor("h")
    out: dict[str, np.ndarray] = {}
    for key, column in BELIEF_EVENT_COLUMNS.items():
        values = table[column].astype(float)
        bad = values[~((values >= 0.0) & (values <= 1.0))]
        if len(bad):
            raise PriceDataError(
                f"interval_beliefs: {column} at hour {bad.index[0].isoformat()} is {bad.iloc[0]!r}, not a probability"
            )
        aligned = values[~values.index.duplicated(keep="last")].reindex(hours).to_numpy(dtype=np.float64)
        if np.isnan(aligned).any():
            return None
        out[key] = aligned
    return out
