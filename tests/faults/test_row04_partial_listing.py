"""Row 4: MIS lists 100 of a day's 288 SCED files.

Before: `collect` exited 0 ("1 collected", checks failed), and a re-run with the full listing said "0 collected,
1 already present": the day never completed. Now: the day is incomplete: the 100 files are kept, the record
says why, the day stays out of days.yaml and collect exits 1 with one line; the next run with the full listing
fetches only the 188 missing files, exits 0 and lists the day.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from fault_helpers import D2, assert_one_line, make_project, mis_recordings

from hayeknet.cli import main


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The day's 288 SCED files as MIS would serve them (synthetic, ERCOT's names and bytes)."""
    from hayeknet.ercot.locations import default_catalogue
    from hayeknet.ercot.synthetic import write_synthetic_day

    staging = tmp_path_factory.mktemp("mis")
    return sorted(write_synthetic_day(D2, staging, default_catalogue(2), 20251001, reports=["NP6-788-CD"]))


def _collect(root: Path, transport, monkeypatch: pytest.MonkeyPatch, capsys) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    """`hayeknet collect --source mis --start DAY` with MIS answering from ``transport`` (SCED only)."""
    import hayeknet.ercot.collectors.base as base
    from hayeknet.ercot.collectors import http

    monkeypatch.setattr(http, "RequestsTransport", lambda *a, **k: transport)
    real = base.CollectOptions

    def options(**kw):  # type: ignore[no-untyped-def]
        kw["reports"] = ("NP6-788-CD",)  # this MIS serves these reports only
        kw.setdefault("sleep", lambda s: None)
        return real(**kw)

    monkeypatch.setattr("hayeknet.ercot.collectors.CollectOptions", options)
    code = main(["--project", str(root), "collect", "--source", "mis", "--start", D2, "--no-dvc"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_short_listing_leaves_the_day_incomplete_and_the_full_one_completes_it(  # type: ignore[no-untyped-def]
    published: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from hayeknet.ercot.collectors.http import ReplayTransport

    root = make_project(tmp_path / "project", end=D2, study={"source": "mis"})
    raw = root / "data" / "raw" / "np6-788-cd" / D2

    short = ReplayTransport(mis_recordings(published, listed=100))
    code, out, err = _collect(root, short, monkeypatch, capsys)
    assert code == 1, (out, err)
    assert "0 collected, 0 already present, 1 incomplete" in out
    line = assert_one_line(err, f"{D2} incomplete", "run collect again")
    assert "188 of 288 intervals have no file or row" in line
    assert len(list(raw.iterdir())) == 100  # what came is kept
    record = json.loads((root / "data" / "provenance" / f"{D2}.json").read_text())
    assert record["complete"] is False and "188 of 288" in record["incomplete_reason"]
    assert not (root / "days.yaml").exists() or D2 not in yaml.safe_load((root / "days.yaml").read_text())["days"]
    assert main(["--project", str(root), "status", "--no-dvc"]) == 0
    assert f"incomplete (not in days.yaml; run collect again): {D2}: " in capsys.readouterr().out

    full = ReplayTransport(mis_recordings(published))
    code, out, err = _collect(root, full, monkeypatch, capsys)
    assert code == 0, (out, err)
    assert "1 collected" in out and "incomplete" not in out
    downloads = [r.url for r in full.requests if "mirDownload" in r.url]
    assert len(downloads) == 188  # the 100 files on disk are not fetched again
    assert sorted(p.name for p in raw.iterdir()) == sorted(p.name for p in published)
    assert all((raw / p.name).read_bytes() == p.read_bytes() for p in published)
    assert list(yaml.safe_load((root / "days.yaml").read_text())["days"]) == [D2]
    assert json.loads((root / "data" / "provenance" / f"{D2}.json").read_text())["complete"] is True

    again = ReplayTransport(mis_recordings(published))
    code, out, _ = _collect(root, again, monkeypatch, capsys)
    assert code == 0 and "0 collected, 1 already present" in out
