"""IP addresses: the shared cases (tests/cases/ips.json) hold for the Python validator and for both
native sources, so an address is an ip value for every source or for none."""
from __future__ import annotations

import json

import orjson
import pytest
from cases import cases

from normalizer.cloudtrail import document as cloudtrail
from normalizer.converters import is_ip
from normalizer.errors import NormalizationError
from normalizer.records import RawRecord
from normalizer.vpcflow import document as vpcflow

IPS = cases("ips", "cases")


@pytest.mark.parametrize("case", IPS, ids=lambda c: repr(c["text"]))
def test_is_ip_follows_the_cases(case: dict) -> None:
    """The Python sources' validator takes exactly the cases' addresses."""
    assert is_ip(case["text"]) is case["ip"]


@pytest.mark.parametrize("case", IPS, ids=lambda c: repr(c["text"]))
def test_cloudtrail_source_ip_follows_the_cases(case: dict) -> None:
    """sourceIPAddress becomes source.ip exactly for the cases' addresses (else it stays source.address)."""
    event = json.dumps({"eventVersion": "1.09", "eventTime": "2024-01-02T03:04:05Z", "eventName": "X",
                        "sourceIPAddress": case["text"]})
    doc = orjson.loads(cloudtrail.document(RawRecord(event, "k", 1, 0), False)[1])
    assert ("ip" in doc.get("source", {})) is case["ip"]


# A flow-log column is one whitespace-free token, and "-" means no value there.
_TOKENS = [c for c in IPS if c["text"].split() == [c["text"]] and c["text"] != "-"]


@pytest.mark.parametrize("case", _TOKENS, ids=lambda c: repr(c["text"]))
def test_flow_log_addresses_follow_the_cases(case: dict) -> None:
    """A flow log's srcaddr column takes exactly the cases' addresses."""
    record = RawRecord(case["text"], "k", 2, 0, header=("srcaddr",))
    if case["ip"]:
        assert orjson.loads(vpcflow.document(record, False)[1])["source"]["ip"] == case["text"]
    else:
        with pytest.raises(NormalizationError):
            vpcflow.document(record, False)
