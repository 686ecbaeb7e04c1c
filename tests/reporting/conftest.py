"""A study day as the pipeline writes it (``tests/fixtures/reports``), and the same day as real ERCOT data
would give it: 15-minute settlement point prices, no AS prices, no QSE agents, no congestion belief, a
strategy that needs a DAM price it does not have."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "reports" / "study_2025-10-03.json"


@pytest.fixture(scope="session")
def study_day() -> dict[str, Any]:
    """``{"day", "summary", "results", "assimilation_metrics", "history"}`` of 2025-10-03 (synthetic source)."""
    return json.loads(FIXTURE.read_text())


@pytest.fixture()
def day(study_day: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(study_day)


@pytest.fixture()
def real_day(study_day: dict[str, Any]) -> dict[str, Any]:
    """The fixture day as a real-data day: the parts the stages could not compute carry their reasons."""
    d = copy.deepcopy(study_day)
    s, r = d["summary"], d["results"]
    s["realtime_prices"] = {
        "market": "RTM_SPP",
        "report": "NP6-905-CD",
        "interval_minutes": 15,
        "n_filled": 0,
        "description": "NP6-905-CD 15-minute settlement point prices at HB_WEST",
    }
    s["dt_hours"] = 0.25
    why_designs = "no AS clearing prices for 2025-10-03 (NP4-188-CD and NP6-331-CD not published)"
    s["market_designs"] = r["market_designs"] = {"available": False, "reason": why_designs, "location": "HB_WEST"}
    why_qse = "QSE agents not trained: no real renewable output for the solar and wind agents"
    s["qse_agents"] = r["qse_agents"] = {"enabled": True, "available": False, "reason": why_qse}
    s["strategies_not_run"] = {"mpc_dam": "strategy mpc_dam needs the day's DAM prices (NP4-190-CD) at the location"}
    s["strategies"].pop("mpc_dam")
    r["strategies"].pop("mpc_dam")
    b = r["beliefs"]
    for key in ("next_day", "next_hour"):
        b[key] = {k: v for k, v in b[key].items() if "congestion" not in k}
    cal = b["calibration_of_previous_beliefs"]["day"]
    b["calibration_of_previous_beliefs"]["day"] = {k: v for k, v in cal.items() if "C" not in k}
    b["congestion"] = {"stated": False, "note": "not stated: the location has no reference hub in the mapping"}
    r["insights"]["congestion_events"] = []
    return d
