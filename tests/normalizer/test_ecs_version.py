"""ecs.version: every source's documents say which ECS release they follow."""
from __future__ import annotations

import io

import pytest

from normalizer.stream import normalize_stream

RECORDS = {
    "cloudtrail": b'{"eventVersion":"1.09","eventTime":"2024-01-02T03:04:05Z","eventName":"ListUsers"}',
    "vpcflow": b"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 60 1763596800 1763596860 ACCEPT OK",
    "route53": b'{"query_timestamp":"2024-01-02T03:04:05Z","query_name":"example.com."}',
    "waf": b'{"timestamp":1576280412771,"action":"ALLOW","httpRequest":{"clientIp":"1.2.3.4"}}',
    "guardduty": b'{"id":"f1","type":"Recon:EC2/PortProbeUnprotectedPort","updatedAt":"2024-01-02T03:04:05Z"}',
}


@pytest.mark.parametrize("source", sorted(RECORDS))
def test_every_document_has_ecs_version(source: str) -> None:
    """Each source writes ecs.version 8.11.0, the release Elastic's AWS integration writes in its test outputs."""
    (result,) = normalize_stream(io.BytesIO(RECORDS[source] + b"\n"), source, "s3://b/k.log")
    assert result.doc["ecs"] == {"version": "8.11.0"}
