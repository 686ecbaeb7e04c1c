"""The study on real ERCOT prices: 2024 HB_HUBAVG days from ``../shared/real`` (ERCOT daily report layout).

* perfect-foresight profit equals an independent LP written here (``scipy.optimize.linprog``, HiGHS), to $1;
* every stage runs in-process on real days with the synthetic catalogue and grid made unusable, so nothing
  falls back to them;
* an end-to-end ``hayeknet collect --source files`` + ``dvc repro`` over three real days around the
  fall-back DST change (marked e2e).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import yaml
from scipy.optimize import linprog

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real" / "hb_hubavg_2024"
BIN = Path(sys.executable).parent
LOCATION = "HB_HUBAVG"

pytestmark = pytest.mark.skipif(
    not REAL.is_dir(), reason=f"real 2024 HB_HUBAVG prices not found at {REAL} (the project's shared folder)"
)


def _spp_file(day: dt.date) -> Path:
    return REAL / "np6-905-cd" / f"NP6-905-CD_HB_HUBAVG_{day:%Y%m%d}.csv"


def _read_spp(day: dt.date) -> np.ndarray:
    """The day's 15-minute settlement point prices in delivery order, read with pandas (not the project)."""
    frame = pd.read_csv(_spp_file(day))
    frame["second"] = frame["DSTFlag"].str.strip().eq("Y")
    frame = frame.sort_values(["DeliveryHour", "second", "DeliveryInterval"], kind="stable")
    return frame["SettlementPointPrice"].to_numpy(dtype=float)


def independent_pf_profit(prices: np.ndarray, dt_hours: float = 0.25) -> float:
    """Perfect foresight of the study battery (100 MW / 400 MWh, SOC 10-90 %, 95 %/95 %, $5/MWh, start and end
    at 50 %) as a plain LP: x = (charge MW, discharge MW, SOC after each interval MWh)."""
    n = len(prices)
    power, energy, eta_c, eta_d, deg = 100.0, 400.0, 0.95, 0.95, 5.0
    soc0 = 0.5 * energy
    # minimise -(p (d - c) dt - deg (c + d) dt)
    cost = np.concatenate([(prices + deg) * dt_hours, (-prices + deg) * dt_hours, np.zeros(n)])
    eye = sp.identity(n, format="csr")
    shift = sp.eye(n, n, k=-1, format="csr")  # SOC of the interval before
    # s_t - s_{t-1} - eta_c c_t dt + d_t dt / eta_d = 0 (s_{-1} = soc0)
    a_eq = sp.hstack([-eta_c * dt_hours * eye, (dt_hours / eta_d) * eye, eye - shift], format="csr")
    b_eq = np.zeros(n)
    b_eq[0] = soc0
    terminal = sp.csr_matrix(([1.0], ([0], [3 * n - 1])), shape=(1, 3 * n))
    a_eq = sp.vstack([a_eq, terminal], format="csr")
    b_eq = np.append(b_eq, soc0)
    bounds = [(0, power)] * (2 * n) + [(0.1 * energy, 0.9 * energy)] * n
    res = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    assert res.status == 0, res.message
    return float(-res.fun)


REAL_DAYS = [dt.date(2024, 7, 1) + dt.timedelta(days=i) for i in range(10)] + [
    dt.date(2024, 3, 10),
    dt.date(2024, 11, 3),
]


def test_perfect_foresight_equals_an_independent_lp_on_real_days() -> None:
    from hayeknet.archive.queries import realtime_prices
    from hayeknet.battery.optimize import optimize_dispatch
    from hayeknet.battery.spec import BatterySpec
    from hayeknet.ercot.parse import parse_file

    for day in REAL_DAYS:
        rt = realtime_prices(parse_file(_spp_file(day)), LOCATION)
        ours = optimize_dispatch(rt.prices.to_numpy(), BatterySpec(location=LOCATION), rt.dt_hours).profit_usd
        theirs = independent_pf_profit(_read_spp(day))
        np.testing.assert_allclose(rt.prices.to_numpy(), _read_spp(day))
        assert abs(ours - theirs) <= 1.0, (day, ours, theirs)
    assert len(_read_spp(dt.date(2024, 3, 10))) == 92 and len(_read_spp(dt.date(2024, 11, 3))) == 100


def _real_project(dest: Path, start: str, end: str) -> Path:
    """A project folder with the tiny params pointed at real files at HB_HUBAVG."""
    dest.mkdir(parents=True)
    for name in ("dvc.yaml", ".dvcignore", "Makefile"):
        shutil.copy(ROOT / name, dest / name)
    for folder in ("notebooks", "src", "julia"):
        shutil.copytree(ROOT / folder, dest / folder, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copytree(ROOT / ".dvc", dest / ".dvc", ignore=shutil.ignore_patterns("cache", "tmp", "config.local"))
    params = yaml.safe_load((ROOT / "tests" / "params.tiny.yaml").read_text())
    params["study"].update(start=start, end=end, source="files")
    params["battery"]["location"] = LOCATION
    (dest / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return dest


def test_every_stage_runs_on_real_days_without_the_synthetic_catalogue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real prices never meet the synthetic market's catalogue or grid: both raise here, and every stage of two
    real days still runs, each network-dependent part saying in its output that it is off."""
    from hayeknet.config import ProjectPaths
    from hayeknet.constraints import grid, mapped_network
    from hayeknet.ercot import locations
    from hayeknet.params import load_params
    from hayeknet.pipeline.collect import collect
    from hayeknet.pipeline.context import StageContext
    from hayeknet.pipeline.stages import assimilate, beliefs, ingest, research, simulate, train

    project = _real_project(tmp_path / "real", "2024-07-08", "2024-07-09")
    paths = ProjectPaths(project)
    params = load_params(paths.params_file)
    collect(paths, params, params.study.start, params.study.end, source="files", update_dvc=False, drop_folder=REAL)

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the synthetic catalogue or grid was used on real data")

    monkeypatch.setattr(locations, "default_catalogue", forbidden)
    monkeypatch.setattr(grid, "build_grid", forbidden)
    monkeypatch.setattr(mapped_network, "build_grid", forbidden)
    ctx = StageContext.load(project)
    days = ["2024-07-08", "2024-07-09"]
    for day in days:
        ingest.run(ctx, day)
        assimilate.run(ctx, day)
    for stage in (beliefs, train, research):
        stage.run(ctx, "init")
    for day in days:
        beliefs.run(ctx, day)
        train.run(ctx, day)
        simulate.run(ctx, day)
        research.run(ctx, day)
    metrics = assimilate.read_states(ctx, days[1])[1]
    assert metrics["interval_minutes"] == 15 and "NP4-160-SG" in metrics["localization"]
    stated = beliefs.read_beliefs(ctx, days[1]).beliefs
    assert stated["congestion"]["stated"] is False and "hub average" in stated["congestion"]["note"]
    summary = simulate.read_simulation(ctx, days[1]).summary
    assert summary["realtime_prices"]["report"] == "NP6-905-CD" and summary["n_intervals"] == 96
    assert summary["market_designs"]["available"] is False and "not computed" in summary["market_designs"]["reason"]
    # 15-minute prices: no QSE market (never synthetic renewables against real prices either)
    assert summary["qse_agents"]["available"] is False and "5-minute" in summary["qse_agents"]["reason"]
    pf = summary["strategies"]["perfect_foresight"]["profit_usd"]
    assert pf == pytest.approx(independent_pf_profit(_read_spp(dt.date(2024, 7, 9))), abs=1.0)


@pytest.mark.e2e
@pytest.mark.timeout(1500)
def test_collect_and_dvc_repro_of_real_days_across_the_fall_back(tmp_path: Path) -> None:
    """The new user's commands on real files: collect three days (the middle one has 25 hours) from the drop
    folder and `dvc repro` them; reports say which prices they trade."""
    project = _real_project(tmp_path / "real", "2024-11-02", "2024-11-04")
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "PYTHON_JULIAPKG_OFFLINE": "yes", "MPLBACKEND": "Agg", "HOME": str(tmp_path)}
    env |= {k: "hayeknet-test" for k in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME")}
    env |= {k: "test@hayeknet.invalid" for k in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL")}

    def run(*args: str) -> str:
        proc = subprocess.run(args, cwd=project, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, f"{' '.join(args)}:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
        return proc.stdout

    run("git", "init", "-q", "-b", "main")
    run("git", "add", "-A")
    run("git", "commit", "-q", "-m", "copy")
    run(str(BIN / "hayeknet"), "collect", "--source", "files", "--drop-folder", str(REAL))
    run(str(BIN / "dvc"), "repro")
    for day, n in (("2024-11-02", 96), ("2024-11-03", 100), ("2024-11-04", 96)):
        summary = json.loads((project / "artifacts" / "simulations" / day / "summary.json").read_text())
        assert summary["n_intervals"] == n and summary["realtime_prices"]["interval_minutes"] == 15
        pf = summary["strategies"]["perfect_foresight"]["profit_usd"]
        assert pf == pytest.approx(independent_pf_profit(_read_spp(dt.date.fromisoformat(day))), abs=1.0)
        html = (project / "reports" / "daily" / f"{day}.html").read_text()
        assert "Traceback" not in html and "15-minute" in html
        # the QSEs need 5-minute prices: no day here trains them, each carries the learners forward unchanged
        assert (project / "artifacts" / "models" / day / "qse").is_dir()
    assert (project / "reports" / "study.html").exists()
