"""Document ids: every record without an id of its own gets one that is unique in its object and
stable on a replay, and the native sources give the ids normalizer/ids.py gives (tests/cases/ids.json)."""

from __future__ import annotations

import io
import json

import pytest
from cases import cases
from hypothesis import given, settings
from hypothesis import strategies as st

from normalizer.cloudtrail import document as cloudtrail
from normalizer.ids import hashed_id, record_id
from normalizer.records import Normalized, RawRecord
from normalizer.stream import normalize_stream
from normalizer.vpcflow import document as vpcflow

FLOW_LINE = "2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 60 1763596800 1763596860 ACCEPT OK"
EVENT_WITHOUT_ID = '{"eventVersion":"1.09","eventTime":"2024-01-02T03:04:05Z","eventName":"X"}'


@pytest.mark.parametrize("case", cases("ids", "hashed"), ids=lambda c: c["id"])
def test_hashed_ids_match_the_shared_cases(case: dict) -> None:
    """hashed_id gives each case's id (the native core runs the same cases)."""
    assert hashed_id(*case["parts"]) == case["id"]


@pytest.mark.parametrize("case", cases("ids", "record"), ids=lambda c: c["id"])
def test_record_ids_match_the_shared_cases(case: dict) -> None:
    """A record's place gives each case's id, in Python and in both native sources."""
    def record(text: str) -> RawRecord:
        return RawRecord(text, case["source"], 1, case["offset"], part=case["part"])

    assert record_id(record("x")) == case["id"]
    assert vpcflow.document(record(FLOW_LINE), False)[0] == case["id"]
    assert cloudtrail.document(record(EVENT_WITHOUT_ID), False)[0] == case["id"]


# Object keys as they reach the normalizer: any text, including lone surrogates (a local file
# name that is not UTF-8 arrives decoded with surrogateescape).
_SOURCES = st.text(st.characters(blacklist_categories=()))


@settings(max_examples=300)
@given(source=_SOURCES, offset=st.integers(min_value=0, max_value=2**63), part=st.integers(min_value=0, max_value=2**63))
def test_native_sources_give_record_id(source: str, offset: int, part: int) -> None:
    """Whatever the place, a flow-log line and a CloudTrail event without eventID get record_id's id."""
    flow = RawRecord(FLOW_LINE, source, 1, offset, part=part)
    event = RawRecord(EVENT_WITHOUT_ID, source, 1, offset, part=part)
    assert vpcflow.document(flow, False)[0] == record_id(flow)
    assert cloudtrail.document(event, False)[0] == record_id(event)


def _envelope(events: list[dict]) -> bytes:
    log_events = [{"id": str(n), "timestamp": 1, "message": json.dumps(e)} for n, e in enumerate(events)]
    return json.dumps({"messageType": "DATA_MESSAGE", "owner": "1", "logGroup": "g", "logStream": "s",
                       "subscriptionFilters": ["f"], "logEvents": log_events}).encode() + b"\n"


def _ids(data: bytes, source: str = "s3://bucket/AWSLogs/1/CloudTrail/x.json") -> list[str]:
    return [r.doc_id for r in normalize_stream(io.BytesIO(data), "cloudtrail", source) if isinstance(r, Normalized)]


_EVENT = {"eventVersion": "1.09", "eventTime": "2024-01-02T03:04:05Z", "eventSource": "iam.amazonaws.com",
          "eventName": "ListUsers"}


def test_cloudwatch_envelope_events_without_event_id_are_distinct() -> None:
    """Three envelope events without eventID are three documents, not one and two duplicates (as reported)."""
    ids = _ids(_envelope([_EVENT, _EVENT, _EVENT]))
    assert len(ids) == 3 and len(set(ids)) == 3


def test_records_wrapper_read_whole_gives_each_element_its_own_id() -> None:
    """Events of a Records wrapper parsed at one offset (its first key is not Records) get distinct ids."""
    data = json.dumps({"x": 1, "Records": [_EVENT, _EVENT]}).encode()
    ids = _ids(data)
    assert len(ids) == 2 and len(set(ids)) == 2


def test_ids_without_event_id_are_the_same_on_a_replay() -> None:
    """Normalizing the same object again gives the same ids (a replay makes no new documents)."""
    data = _envelope([_EVENT, _EVENT]) + json.dumps({"Records": [_EVENT, _EVENT]}).encode()
    assert _ids(data) == _ids(data)


def test_the_same_key_in_another_bucket_gets_other_ids() -> None:
    """An object's URL (bucket included) is part of its records' ids, for every source without ids of its own."""
    lines = {
        "vpcflow": b"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 60 1763596800 1763596860 ACCEPT OK\n",
        "waf": b'{"timestamp":1576280412771,"action":"ALLOW","httpRequest":{"clientIp":"1.2.3.4"}}\n',
        "route53": b'{"query_timestamp":"2024-01-02T03:04:05Z","query_name":"example.com."}\n',
        "cloudtrail": json.dumps(_EVENT).encode(),
    }
    for source, data in lines.items():
        first, second = ([r.doc_id for r in normalize_stream(io.BytesIO(data), source, url)]
                         for url in ("s3://one/AWSLogs/k.log", "s3://two/AWSLogs/k.log"))
        assert len(first) == 1 and first != second, source
