"""Document ids on a real node: records at the same key and offset in two buckets are two documents."""
from __future__ import annotations

import boto3
import pytest
from elasticsearch import Elasticsearch

from .conftest import flow_key, flow_object, flows, put, ship


def test_same_key_in_two_buckets_is_indexed_twice(es: Elasticsearch, es_env, ns: str, bucket: str,
                                                   capsys: pytest.CaptureFixture) -> None:
    """A flow log at one key in a second bucket is new data, not 20 duplicates of the first."""
    other = f"{bucket}-2"
    boto3.client("s3").create_bucket(Bucket=other)
    put(bucket, {flow_key(1): flow_object(20)})
    put(other, {flow_key(1): flow_object(20)})
    ship(ns, "--from", f"s3://{bucket}", "--once", capsys=capsys)
    status, summary = ship(ns, "--from", f"s3://{other}", "--once", capsys=capsys)
    assert status == 0 and summary["indexed"] == 20 and summary.get("duplicates", 0) == 0
    assert flows(es, ns) == 40
