"""Parsing real ERCOT samples and malformed files into the normalized price table."""

from __future__ import annotations

import io
import json
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hayeknet.ercot.parse import COLUMNS, KEY_COLUMNS, ReportFormatError, parse_file, parse_files, read_raw
from hayeknet.ercot.reports import NP6_788, NP6_905, detect_report

UTC = "UTC"


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=UTC)


def _contract_dtypes(table: pd.DataFrame) -> None:
    assert tuple(table.columns) == COLUMNS
    assert str(table["interval_start_utc"].dtype) == "datetime64[ns, UTC]"
    assert str(table["interval_end_utc"].dtype) == "datetime64[ns, UTC]"
    assert table["price"].dtype == np.float64
    assert not table.duplicated(list(KEY_COLUMNS)).any()


def test_np6_788_sced_sample(fixtures_dir: Path) -> None:
    t = parse_file(fixtures_dir / "np6-788-cd.csv")
    _contract_dtypes(t)
    assert len(t) == 20
    # 09/29/2026 11:25:17 CDT -> 16:25:17Z, floored to the 16:25 five-minute interval.
    assert (t["interval_start_utc"] == ts("2026-09-29 16:25")).all()
    assert (t["interval_end_utc"] == ts("2026-09-29 16:30")).all()
    assert set(t["market"]) == {"RTM_SCED"} and set(t["report"]) == {"NP6-788-CD"}
    row = t.set_index("location")
    assert row.loc["7RNCHSLR_ALL", "price"] == pytest.approx(30.72)  # space-padded in the file
    assert row.loc["HB_HOUSTON", "price"] == pytest.approx(40.02)
    assert row.loc["HB_HOUSTON", "location_type"] == "Trading Hub"
    assert row.loc["HB_HUBAVG", "location_type"] == "Hub Average"
    assert row.loc["HB_BUSAVG", "location_type"] == "Hub Average"
    assert row.loc["LZ_RAYBN", "location_type"] == "Load Zone"
    assert row.loc["A4_DGR1_RN", "location_type"] == "Resource Node"
    assert t["as_type"].isna().all()


def test_np6_905_sample_keeps_lz_and_lzew(fixtures_dir: Path) -> None:
    t = parse_file(fixtures_dir / "np6-905-cd.csv")
    _contract_dtypes(t)
    assert len(t) == 28
    # HE12 interval 1 on 09/29/2026 = 11:00-11:15 CDT = 16:00-16:15Z.
    assert (t["interval_start_utc"] == ts("2026-09-29 16:00")).all()
    assert (t["interval_end_utc"] == ts("2026-09-29 16:15")).all()
    assert set(t["market"]) == {"RTM_15MIN"}
    raybn = t[t["location"] == "LZ_RAYBN"].set_index("location_type")["price"]
    assert raybn["Load Zone"] == pytest.approx(19.42)
    assert raybn["Load Zone Energy Weighted"] == pytest.approx(19.04)
    types = t.groupby("location_type").size().to_dict()
    assert types == {
        "Hub Average": 2,
        "Load Zone": 8,
        "Load Zone Energy Weighted": 8,
        "Resource Node": 5,
        "Trading Hub": 5,
    }
    assert t.set_index(["location", "location_type"]).loc[("HB_HOUSTON", "Trading Hub"), "price"] == 29.0


def test_np4_190_dam_sample(fixtures_dir: Path) -> None:
    t = parse_file(fixtures_dir / "np4-190-cd.csv")
    _contract_dtypes(t)
    assert len(t) == 40
    assert set(t["market"]) == {"DAM"}
    assert sorted(t["interval_start_utc"].unique()) == [ts("2026-09-29 05:00"), ts("2026-09-29 06:00")]
    he1 = t[t["interval_start_utc"] == ts("2026-09-29 05:00")].set_index("location")
    assert he1.loc["7RNCHSLR_ALL", "price"] == pytest.approx(28.4)  # " 28.4" leading space
    assert he1.loc["HB_PAN", "price"] == pytest.approx(23.39)
    assert (t["interval_end_utc"] - t["interval_start_utc"] == pd.Timedelta(hours=1)).all()


def test_np4_188_dam_as_sample(fixtures_dir: Path) -> None:
    t = parse_file(fixtures_dir / "np4-188-cd.csv")
    _contract_dtypes(t)
    assert len(t) == 10
    assert set(t["as_type"]) == {"REGUP", "REGDN", "RRS", "ECRS", "NSPIN"}
    assert set(t["location"]) == {"ERCOT"} and set(t["location_type"]) == {"System"}
    he1 = t[t["interval_start_utc"] == ts("2026-09-29 05:00")].set_index("as_type")["price"]
    assert he1["NSPIN"] == pytest.approx(2.55) and he1["REGUP"] == pytest.approx(0.83)


def test_np6_331_rt_as_sample(fixtures_dir: Path) -> None:
    t = parse_file(fixtures_dir / "np6-331-cd.csv")
    _contract_dtypes(t)
    assert len(t) == 5
    assert set(t["market"]) == {"RTM_15MIN"}
    assert (t["interval_start_utc"] == ts("2026-09-29 16:00")).all()
    assert t.set_index("as_type").loc["REGDN", "price"] == pytest.approx(1.51)


def test_report_is_detected_from_header_not_name(fixtures_dir: Path, tmp_path: Path) -> None:
    misleading = tmp_path / "np4-190-cd.csv"
    shutil.copy(fixtures_dir / "np6-788-cd.csv", misleading)
    assert read_raw(misleading).spec is NP6_788
    assert set(parse_file(misleading)["report"]) == {"NP6-788-CD"}
    assert detect_report(["deliveryDate", "deliveryHour", "deliveryInterval", "settlementPointName",
                          "settlementPointType", "settlementPointPrice", "DSTFlag"]) is NP6_905  # fmt: skip


def test_unsupported_report_header_is_rejected(fixtures_dir: Path) -> None:
    with pytest.raises(ReportFormatError) as err:
        parse_file(fixtures_dir / "np6-322-cd.csv")
    assert err.value.row == 0 and err.value.field == "header"
    assert "np6-322-cd.csv" in str(err.value)


def test_zip_holding_one_csv(fixtures_dir: Path, tmp_path: Path) -> None:
    z = tmp_path / "cdr.00012301.0000000000000000.20260929.111502.SPPHLZNP6905_csv.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(fixtures_dir / "np6-905-cd.csv", "cdr.00012301.SPPHLZNP6905.csv")
    pd.testing.assert_frame_equal(parse_file(z), parse_file(fixtures_dir / "np6-905-cd.csv"))


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_corrupt_zip_names_the_file(fixtures_dir: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(fixtures_dir / "np6-788-cd.csv", "x.csv")
    bad = tmp_path / "broken_csv.zip"
    bad.write_bytes(good.read_bytes()[:60])
    with pytest.raises(ReportFormatError) as err:
        parse_file(bad)
    assert err.value.file == "broken_csv.zip" and "zip" in err.value.message


def test_truncated_csv_names_row_and_field(fixtures_dir: Path, tmp_path: Path) -> None:
    text = (fixtures_dir / "np6-788-cd.csv").read_text()
    cut = text[: text.index("HB_NORTH") + len("HB_NO")]  # file cut inside data row 9
    with pytest.raises(ReportFormatError) as err:
        parse_file(_write(tmp_path / "cut.csv", cut))
    assert (err.value.file, err.value.row, err.value.field) == ("cut.csv", 9, "LMP")
    assert "cut.csv, row 9, field LMP" in str(err.value)


def test_wrong_header_names_header_field(fixtures_dir: Path, tmp_path: Path) -> None:
    text = (fixtures_dir / "np4-190-cd.csv").read_text().replace("SettlementPointPrice", "Price", 1)
    with pytest.raises(ReportFormatError) as err:
        parse_file(_write(tmp_path / "hdr.csv", text))
    assert (err.value.row, err.value.field) == (0, "header")


def test_non_numeric_price_names_row_and_field(fixtures_dir: Path, tmp_path: Path) -> None:
    lines = (fixtures_dir / "np4-190-cd.csv").read_text().splitlines()
    lines[3] = lines[3].replace(" 28.05", " n/a")
    with pytest.raises(ReportFormatError) as err:
        parse_file(_write(tmp_path / "price.csv", "\n".join(lines) + "\n"))
    assert (err.value.file, err.value.row, err.value.field) == ("price.csv", 3, "SettlementPointPrice")
    assert "n/a" in str(err.value)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [("09/29/2026,12,1,HB_PAN", "2026-09-29,12,1,HB_PAN", "DeliveryDate"),
     ("09/29/2026,12,1,HB_PAN", "09/29/2026,12,7,HB_PAN", "DeliveryInterval"),
     ("HB_PAN,HU,19.81,N", "HB_PAN,XX,19.81,N", "SettlementPointType"),
     ("HB_PAN,HU,19.81,N", "HB_PAN,HU,19.81,Q", "DSTFlag"),
     ("HB_PAN,HU,19.81,N", "HB_PAN,HU,19.81,Y", "DSTFlag")],
)  # fmt: skip
def test_bad_labels_name_row_and_field(fixtures_dir: Path, tmp_path: Path, old: str, new: str, field: str) -> None:
    text = (fixtures_dir / "np6-905-cd.csv").read_text().replace(old, new)
    with pytest.raises(ReportFormatError) as err:
        parse_file(_write(tmp_path / "labels.csv", text))
    assert (err.value.row, err.value.field) == (10, field)


def test_extra_field_names_the_row(fixtures_dir: Path, tmp_path: Path) -> None:
    lines = (fixtures_dir / "np4-188-cd.csv").read_text().splitlines()
    lines[4] += ",extra"
    with pytest.raises(ReportFormatError) as err:
        parse_file(_write(tmp_path / "wide.csv", "\n".join(lines) + "\n"))
    assert err.value.row == 4


def test_exact_duplicate_rows_are_dropped(fixtures_dir: Path, tmp_path: Path) -> None:
    lines = (fixtures_dir / "np4-188-cd.csv").read_text().splitlines()
    dup = _write(tmp_path / "dup.csv", "\n".join(lines + lines[1:4]) + "\n")
    pd.testing.assert_frame_equal(parse_file(dup), parse_file(fixtures_dir / "np4-188-cd.csv"))


def test_retry_file_wins_over_the_original(fixtures_dir: Path, tmp_path: Path) -> None:
    text = (fixtures_dir / "np6-331-cd.csv").read_text()
    first = _write(tmp_path / "cdr.00024898.20260929.111702.RTMCPCNP6331_csv.csv", text)
    retry = _write(tmp_path / "cdr.00024898.20260929.111702.RTMCPCNP6331_retry_csv.csv", text.replace("1.51", "9.99"))
    for order in ([first, retry], [retry, first]):
        t = parse_files(order)
        assert len(t) == 5
        assert t.set_index("as_type").loc["REGDN", "price"] == pytest.approx(9.99)


def test_later_sced_run_of_the_same_interval_wins(fixtures_dir: Path, tmp_path: Path) -> None:
    text = (fixtures_dir / "np6-788-cd.csv").read_text()
    early = _write(tmp_path / "a.csv", text)
    late = _write(tmp_path / "b.csv", text.replace("11:25:17", "11:27:40").replace("40.02", "41.00"))
    for order in ([early, late], [late, early]):
        t = parse_files(order)
        assert len(t) == 20
        assert t.set_index("location").loc["HB_HOUSTON", "price"] == pytest.approx(41.0)


def test_parse_files_raises_the_bad_files_error(fixtures_dir: Path, tmp_path: Path) -> None:
    bad = _write(tmp_path / "bad.csv", (fixtures_dir / "np6-331-cd.csv").read_text().replace("0.05", "x"))
    with pytest.raises(ReportFormatError) as err:
        parse_files([fixtures_dir / "np6-331-cd.csv", bad])
    assert err.value.file == "bad.csv" and err.value.row == 2 and err.value.field == "MCPC"


def _api_doc(fields: list[str], rows: list[list]) -> dict:
    return {"_meta": {"totalRecords": len(rows)}, "fields": [{"name": f} for f in fields], "data": rows}


def test_public_api_json_matches_the_mis_csv(fixtures_dir: Path, tmp_path: Path) -> None:
    fields = ["deliveryDate", "deliveryHour", "deliveryInterval", "settlementPointName",
              "settlementPointType", "settlementPointPrice", "DSTFlag"]  # fmt: skip
    csv = pd.read_csv(fixtures_dir / "np6-905-cd.csv", dtype=str)
    rows = [
        ["2026-09-29", int(r.DeliveryHour), int(r.DeliveryInterval), r.SettlementPointName,
         r.SettlementPointType, float(r.SettlementPointPrice), r.DSTFlag == "Y"]
        for r in csv.itertuples()
    ]  # fmt: skip
    one = tmp_path / "spp.json"
    one.write_text(json.dumps(_api_doc(fields, rows)))
    expected = parse_file(fixtures_dir / "np6-905-cd.csv")
    pd.testing.assert_frame_equal(parse_file(one), expected)
    lines = tmp_path / "spp.jsonl"
    lines.write_text(json.dumps(_api_doc(fields, rows[:10])) + "\n" + json.dumps(_api_doc(fields, rows[10:])) + "\n")
    pd.testing.assert_frame_equal(parse_file(lines), expected)


def test_public_api_sced_json(fixtures_dir: Path, tmp_path: Path) -> None:
    doc = _api_doc(
        ["SCEDTimestamp", "repeatHourFlag", "settlementPoint", "LMP"],
        [["2026-09-29T11:25:17", False, "HB_NORTH", 14.2], ["2026-09-29T11:25:17", False, "HB_WEST", 14.69]],
    )
    path = tmp_path / "lmp.json"
    path.write_text(json.dumps(doc))
    t = parse_file(path)
    assert (t["interval_start_utc"] == ts("2026-09-29 16:25")).all()
    assert t.set_index("location").loc["HB_WEST", "price"] == pytest.approx(14.69)


def test_zip_with_two_members_is_rejected(fixtures_dir: Path, tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.csv", (fixtures_dir / "np6-788-cd.csv").read_text())
        zf.writestr("b.csv", (fixtures_dir / "np6-788-cd.csv").read_text())
    path = tmp_path / "two.zip"
    path.write_bytes(buf.getvalue())
    with pytest.raises(ReportFormatError, match="exactly one"):
        parse_file(path)


def test_batched_parse_maps_a_bad_row_back_to_its_file(fixtures_dir: Path, tmp_path: Path) -> None:
    from hayeknet.ercot.parse import parse_files_collecting

    text = (fixtures_dir / "np6-788-cd.csv").read_text()
    good = [_write(tmp_path / f"run{i}.csv", text.replace("11:25:17", f"11:{20 + 5 * i}:17")) for i in range(3)]
    lines = text.replace("11:25:17", "11:40:17").splitlines()
    lines[4] += ",surplus"
    bad = _write(tmp_path / "run9.csv", "\n".join(lines) + "\n")
    outcome = parse_files_collecting([good[0], bad, good[1], good[2]])
    assert list(outcome.failures) == [bad]
    err = outcome.failures[bad]
    assert (err.file, err.row) == ("run9.csv", 4)
    assert outcome.table["interval_start_utc"].nunique() == 3 and len(outcome.table) == 60
    assert set(outcome.raw_files) == set(good) and all(r.n_rows == 20 for r in outcome.raw_files.values())


def test_blank_lines_are_ignored(fixtures_dir: Path, tmp_path: Path) -> None:
    lines = (fixtures_dir / "np4-188-cd.csv").read_text().splitlines()
    spaced = _write(tmp_path / "blank.csv", "\n".join([*lines[:4], "", *lines[4:]]) + "\n\n")
    expected = parse_file(fixtures_dir / "np4-188-cd.csv")
    pd.testing.assert_frame_equal(parse_file(spaced), expected)
    both = parse_files([spaced, fixtures_dir / "np4-190-cd.csv"])
    pd.testing.assert_frame_equal(both[both["report"] == "NP4-188-CD"].reset_index(drop=True), expected)


def test_public_api_list_of_pages_and_bad_json(tmp_path: Path) -> None:
    fields = ["deliveryDate", "hourEnding", "ancillaryType", "MCPC", "DSTFlag"]
    pages = [
        _api_doc(fields, [["2025-11-02", "02:00", "REGUP", 4.5, False]]),
        _api_doc(fields, [["2025-11-02", "02:00", "REGUP", 5.5, True]]),
    ]
    path = tmp_path / "as.json"
    path.write_text(json.dumps(pages, indent=2))
    t = parse_file(path)
    assert t["interval_start_utc"].tolist() == [ts("2025-11-02 06:00"), ts("2025-11-02 07:00")]
    assert t["price"].tolist() == [4.5, 5.5]
    broken = tmp_path / "broken.json"
    broken.write_text('{"fields": [')
    with pytest.raises(ReportFormatError, match=r"broken\.json"):
        parse_file(broken)


def test_undecodable_file_in_a_batch_is_isolated(fixtures_dir: Path, tmp_path: Path) -> None:
    from hayeknet.ercot.parse import parse_files_collecting

    good = fixtures_dir / "np6-331-cd.csv"
    bad = tmp_path / "garbage.csv"
    bad.write_bytes(good.read_bytes().replace(b"ECRS", b"\xff\xfe\xfa", 1))
    outcome = parse_files_collecting([good, bad])
    assert list(outcome.failures) == [bad] and outcome.failures[bad].file == "garbage.csv"
    assert len(outcome.table) == 5


@settings(max_examples=30, deadline=None)
@given(
    prices=st.lists(
        st.floats(min_value=-251, max_value=5000, allow_nan=False).map(lambda x: round(x, 2)), min_size=1, max_size=30
    ),
    hour=st.integers(1, 24),
    interval=st.integers(1, 4),
)
def test_formatted_prices_parse_back_exactly(prices: list[float], hour: int, interval: int) -> None:
    from hayeknet.ercot.synthetic.raw_files import _fmt_padded, _fmt_short

    with tempfile.TemporaryDirectory() as tmp:
        names = [f"N{i:03d}_RN" for i in range(len(prices))]
        spp = Path(tmp) / "spp.csv"
        spp.write_text(
            ",".join(NP6_905.columns) + "\n"
            + "".join(f"10/01/2025,{hour},{interval},{n},RN,{_fmt_short(p)},N\n" for n, p in zip(names, prices))
        )  # fmt: skip
        lmp = Path(tmp) / "lmp.csv"
        lmp.write_text(
            ",".join(NP6_788.columns) + "\n"
            + "".join(f"10/01/2025 13:05:12,N,{n},{_fmt_padded(p)}\n" for n, p in zip(names, prices))
        )  # fmt: skip
        for path in (spp, lmp):
            t = parse_file(path).set_index("location").loc[names]
            np.testing.assert_array_equal(t["price"].to_numpy(), np.array(prices) + 0.0)
        start = parse_file(spp)["interval_start_utc"].iloc[0]
        assert start == ts("2025-10-01 05:00") + pd.Timedelta(minutes=60 * (hour - 1) + 15 * (interval - 1))


def test_hour_in_the_spring_forward_gap_names_row_and_field(tmp_path: Path) -> None:
    header = "DeliveryDate,HourEnding,AncillaryType,MCPC,DSTFlag\n"
    text = header + "03/08/2026,02:00,RRS,1.0,N\n03/08/2026,03:00,RRS,1.0,N\n"
    with pytest.raises(ReportFormatError) as err:
        parse_file(_write(tmp_path / "gap.csv", text))
    assert (err.value.row, err.value.field) == (2, "HourEnding")
    assert "spring-forward" in err.value.message


@pytest.mark.parametrize(
    "name", ["np6-788-cd.csv", "np6-905-cd.csv", "np4-190-cd.csv", "np4-188-cd.csv", "np6-331-cd.csv"]
)
def test_year_beyond_the_timestamp_range_names_row_and_field(fixtures_dir: Path, tmp_path: Path, name: str) -> None:
    """A typo'd year (3026) is a format error of that row, not a nanosecond-overflow crash."""
    lines = (fixtures_dir / name).read_text().splitlines()
    lines[3] = re.sub(r"(\d\d/\d\d/)2026", r"\g<1>3026", lines[3], count=1)
    with pytest.raises(ReportFormatError) as err:
        parse_file(_write(tmp_path / name, "\n".join(lines) + "\n"))
    assert err.value.row == 3 and err.value.field in {"SCEDTimestamp", "DeliveryDate"}
    assert "3026" in str(err.value)
