"""Timestamps: the shared cases (tests/cases/timestamps.json) hold for from_iso / from_epoch and for
the native sources, whose fast paths must agree with them."""
from __future__ import annotations

import json

import orjson
import pytest
from cases import CASES, cases

from normalizer.cloudtrail import document as cloudtrail
from normalizer.errors import NormalizationError
from normalizer.records import RawRecord
from normalizer.timestamps import MAX_EPOCH, MIN_EPOCH, from_epoch, from_iso
from normalizer.vpcflow import document as vpcflow

ISO = cases("timestamps", "iso")
EPOCH = cases("timestamps", "epoch")


def test_the_plausible_range_is_the_tables() -> None:
    """MIN_EPOCH and MAX_EPOCH (handed to the native core) are the range the cases are written for."""
    RANGE = json.loads((CASES / "timestamps.json").read_text())["range"]
    assert (int(MIN_EPOCH), int(MAX_EPOCH)) == (RANGE["first"], RANGE["end"])


@pytest.mark.parametrize("case", ISO, ids=lambda c: repr(c["value"]))
def test_from_iso_gives_each_case(case: dict) -> None:
    """from_iso converts each case to its UTC text, or refuses it naming the field."""
    if case["utc"] is None:
        with pytest.raises(NormalizationError) as caught:
            from_iso(case["value"], "eventTime")
        assert caught.value.field == "eventTime"
    else:
        assert from_iso(case["value"], "eventTime") == case["utc"]


@pytest.mark.parametrize("case", ISO, ids=lambda c: repr(c["value"]))
def test_cloudtrail_event_time_follows_the_cases(case: dict) -> None:
    """The native CloudTrail normalizer gives an eventTime's case result, whichever side converts it."""
    event = json.dumps({"eventVersion": "1.09", "eventTime": case["value"], "eventName": "X", "eventID": "e"})
    record = RawRecord(event, "s3://b/k", 1, 0)
    if case["utc"] is None:
        with pytest.raises(NormalizationError) as caught:
            cloudtrail.document(record, False)
        assert caught.value.field == "eventTime"
    else:
        assert orjson.loads(cloudtrail.document(record, False)[1])["@timestamp"] == case["utc"]


@pytest.mark.parametrize("case", EPOCH, ids=lambda c: str(c["seconds"]))
def test_epoch_seconds_follow_the_cases(case: dict) -> None:
    """from_epoch and the native flow-log `end` column give each case's UTC text, or both refuse it."""
    record = RawRecord(str(case["seconds"]), "s3://b/k", 2, 0, header=("end",))
    if case["utc"] is None:
        with pytest.raises(NormalizationError):
            from_epoch(case["seconds"], "end")
        with pytest.raises(NormalizationError) as caught:
            vpcflow.document(record, False)
        assert caught.value.field == "end"
    else:
        assert from_epoch(case["seconds"], "end") == case["utc"]
        assert orjson.loads(vpcflow.document(record, False)[1])["@timestamp"] == case["utc"]
