"""Report specs: exact MIS headers (DESIGN section 4) and header-based detection."""

from __future__ import annotations

import pytest

from hayeknet.ercot.reports import (
    NP4_188,
    NP4_190,
    NP6_331,
    NP6_788,
    NP6_905,
    REPORTS_BY_DIR,
    ReportFormatError,
    detect_report,
)

DESIGN_HEADERS = {
    NP6_788: "SCEDTimestamp,RepeatedHourFlag,SettlementPoint,LMP",
    NP6_905: "DeliveryDate,DeliveryHour,DeliveryInterval,SettlementPointName,SettlementPointType,"
    "SettlementPointPrice,DSTFlag",
    NP4_190: "DeliveryDate,HourEnding,SettlementPoint,SettlementPointPrice,DSTFlag",
    NP4_188: "DeliveryDate,HourEnding,AncillaryType,MCPC,DSTFlag",
    NP6_331: "DeliveryDate,DeliveryHour,DeliveryInterval,RepeatedHourFlag,ASType,MCPC",
}


@pytest.mark.parametrize("spec", list(DESIGN_HEADERS))
def test_headers_match_design_and_are_detected(spec) -> None:
    header = DESIGN_HEADERS[spec]
    assert ",".join(spec.columns) == header
    assert detect_report(header.split(",")) is spec
    assert detect_report(["\ufeff" + header.split(",")[0], *header.split(",")[1:]]) is spec  # byte-order mark
    assert detect_report([f" {c} " for c in header.split(",")]) is spec
    assert REPORTS_BY_DIR[spec.report_id.lower()] is spec


def test_markets_and_interval_lengths() -> None:
    assert (NP6_788.market, NP6_788.interval_minutes) == ("RTM_SCED", 5)
    assert (NP6_905.market, NP6_905.interval_minutes) == ("RTM_15MIN", 15)
    assert (NP6_331.market, NP6_331.is_ancillary) == ("RTM_15MIN", True)
    assert (NP4_190.market, NP4_188.market, NP4_190.interval_minutes) == ("DAM", "DAM", 60)


def test_public_api_camel_case_is_recognised() -> None:
    api = ["deliveryDate", "hourEnding", "settlementPoint", "settlementPointPrice", "DSTFlag"]
    assert detect_report(api) is NP4_190
    assert detect_report(["SCEDTimestamp", "repeatHourFlag", "settlementPoint", "LMP"]) is NP6_788


def test_a_column_out_of_order_is_not_a_report() -> None:
    with pytest.raises(ReportFormatError) as err:
        detect_report(["LMP", "SCEDTimestamp", "RepeatedHourFlag", "SettlementPoint"], "x.csv")
    assert (err.value.file, err.value.row, err.value.field) == ("x.csv", 0, "header")
