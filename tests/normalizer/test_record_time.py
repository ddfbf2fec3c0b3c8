"""Every document has an @timestamp, decided in the normalizer: a record of a source that always
writes its time but lacks it is a located error; a flow-log line whose format has no time gets the
ingest time, tagged (a data stream refuses a document without @timestamp only at bulk time)."""
from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from normalizer.errors import NormalizationError
from normalizer.records import Normalized
from normalizer.stream import normalize_stream

INGEST_TIME_TAG = "cloudsift_ingest_timestamp"
TIMELESS = {
    "cloudtrail": ("eventTime", {"eventVersion": "1.09", "eventSource": "iam.amazonaws.com", "eventName": "ListUsers",
                                 "eventID": "6d4c"}),
    "waf": ("timestamp", {"formatVersion": 1, "action": "ALLOW", "httpRequest": {"clientIp": "1.2.3.4"}}),
    "route53": ("query_timestamp", {"query_name": "example.com.", "srcaddr": "10.0.0.1"}),
    "guardduty": ("updatedAt", {"id": "f1", "type": "Recon:EC2/PortProbeUnprotectedPort", "createdAt": "2024-01-02T03:04:05Z"}),
}


def results(source: str, data: bytes) -> list:
    return list(normalize_stream(io.BytesIO(data), source, "s3://b/AWSLogs/k.log"))


@pytest.mark.parametrize("source", sorted(TIMELESS))
def test_a_record_without_its_time_is_a_located_error(source: str) -> None:
    """No time where the source always writes one: an error naming the object, line and field, no document."""
    field, record = TIMELESS[source]
    (result,) = results(source, json.dumps(record).encode() + b"\n")
    assert isinstance(result, NormalizationError)
    assert result.field == field and result.source == "s3://b/AWSLogs/k.log" and result.line == 1


def test_a_cloudtrail_records_file_event_without_event_time_is_an_error() -> None:
    """The AWS docs example without eventTime (as reported) is dead-lettered, not a timeless document."""
    event = TIMELESS["cloudtrail"][1]
    (result,) = results("cloudtrail", json.dumps({"Records": [event]}).encode())
    assert isinstance(result, NormalizationError) and "eventTime" in str(result)


@pytest.mark.parametrize(("header", "line"), [
    ("instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr", "- eni-1 10.0.0.1 10.0.0.2 10.0.0.1 10.0.0.2"),
    ("version interface-id start end log-status", "2 eni-1 - - NODATA"),
], ids=["format without times", "times absent"])
def test_a_flow_log_line_without_times_gets_the_ingest_time_tagged(header: str, line: str) -> None:
    """A flow-log line with no start or end is indexed at the ingest time, tagged so, never without @timestamp."""
    before = datetime.now(UTC)
    (result,) = results("vpcflow", f"{header}\n{line}\n".encode())
    assert isinstance(result, Normalized)
    stamped = datetime.fromisoformat(result.doc["@timestamp"])
    assert before - timedelta(seconds=1) <= stamped <= datetime.now(UTC)
    assert result.doc["tags"] == [INGEST_TIME_TAG]


def test_a_flow_log_line_with_its_time_is_not_tagged() -> None:
    """A line with an end time keeps it as @timestamp and carries no ingest-time tag."""
    header = "version interface-id start end log-status"
    (result,) = results("vpcflow", f"{header}\n2 eni-1 1763596800 1763596860 OK\n".encode())
    assert result.doc["@timestamp"] == "2025-11-20T00:01:00.000Z" and "tags" not in result.doc
