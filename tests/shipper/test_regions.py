"""Region per bucket: objects are read with clients signed for their bucket's region (moto, per partition)."""
from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from elasticsearch import Elasticsearch

from .conftest import flow_key, flow_object, flows, put, remaining, s3_event, send, ship

# Regions of three partitions: the partitioned moto server keeps their buckets apart.
HOME, CHINA, GOVCLOUD = "us-east-1", "cn-north-1", "us-gov-west-1"


def regional_bucket(name: str, region: str) -> str:
    """A bucket created in `region`."""
    s3 = boto3.client("s3", region_name=region)
    if region == HOME:
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    return name


def put_in(bucket: str, region: str, objects: dict[str, bytes]) -> None:
    """Upload objects to a bucket of another region."""
    s3 = boto3.client("s3", region_name=region)
    for key, body in objects.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body)


def bucket_config(tmp_path: Path, **regions: str) -> str:
    """A config file holding only `buckets:` (bucket name → region)."""
    path = tmp_path / "ship.yml"
    lines = "".join(f"  - {{name: {name}, region: {region}}}\n" for name, region in regions.items())
    path.write_text(f"buckets:\n{lines}")
    return str(path)


def test_queue_reads_each_bucket_in_its_region(partitioned_moto: str, queue: str, es: Elasticsearch, es_env,
                                               ns: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """One queue naming buckets in three regions: configured region, else the notification's awsRegion."""
    home = regional_bucket(f"{ns}-home", HOME)
    china = regional_bucket(f"{ns}-china", CHINA)
    gov = regional_bucket(f"{ns}-gov", GOVCLOUD)
    put(home, {flow_key(1): flow_object(5, seed=1)})
    put_in(china, CHINA, {flow_key(2): flow_object(5, seed=2)})
    put_in(gov, GOVCLOUD, {flow_key(3): flow_object(5, seed=3)})
    send(queue, s3_event(home, flow_key(1)), s3_event(china, flow_key(2)), s3_event(gov, flow_key(3), GOVCLOUD))
    status, summary = ship(ns, "--config", bucket_config(tmp_path, **{china: CHINA}), "--from", f"sqs://{queue}",
                           "--once", capsys=capsys)
    assert (status, summary["objects"], summary["errors"]) == (0, 3, [])
    assert flows(es, ns) == 15 and remaining(queue) == 0


def test_wrong_region_is_what_fails(partitioned_moto: str, queue: str, es: Elasticsearch, es_env, ns: str,
                                    capsys: pytest.CaptureFixture) -> None:
    """Without the bucket's region (not configured, not in the notification) its object cannot be read."""
    china = regional_bucket(f"{ns}-china", CHINA)
    put_in(china, CHINA, {flow_key(2): flow_object(5)})
    send(queue, s3_event(china, flow_key(2)))
    status, summary = ship(ns, "--from", f"sqs://{queue}", "--once", capsys=capsys)
    assert status == 3 and summary["failed_objects"] == 1 and flows(es, ns) == 0


def test_listing_uses_the_configured_bucket_region(partitioned_moto: str, es: Elasticsearch, es_env, ns: str,
                                                   tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """A bucket listing without --region reads the bucket in the region `buckets:` gives it."""
    china = regional_bucket(f"{ns}-china", CHINA)
    put_in(china, CHINA, {flow_key(1): flow_object(5)})
    status, summary = ship(ns, "--config", bucket_config(tmp_path, **{china: CHINA}), "--from", f"s3://{china}",
                           "--once", capsys=capsys)
    assert status == 0 and summary["indexed"] == 5
