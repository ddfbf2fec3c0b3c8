"""Objects that fail: cut downloads, objects that keep failing, stray keys above the delivery layout.

Each failure is the object's own: it is tried again a bounded number of times, then dead-lettered by
key, and the checkpoint or queue moves on; nothing stops the stream behind it.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import boto3
import pytest
from elasticsearch import Elasticsearch

from shipper.objects import DirectorySource, ObjectRef
from shipper.pipeline import Shipper
from shipper.routing import Router
from shipper.sink import ElasticsearchSink
from shipper.templates import data_stream, deadletter_stream, install

from .conftest import (
    count,
    dead,
    flow_key,
    flow_object,
    flows,
    put,
    remaining,
    s3_event,
    send,
    ship,
    write_dir,
)
from .faultproxy import CuttingProxy

CLOUDTRAIL = "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/20/123456789012_CloudTrail_us-east-1_20261120T{:04d}Z_abc.json.gz"


def _trail(n: int) -> bytes:
    import gzip
    import json
    records = [{"eventVersion": "1.08", "eventTime": "2026-11-20T10:00:00Z", "eventSource": "s3.amazonaws.com",
                "eventName": "GetObject", "awsRegion": "us-east-1", "eventID": f"ev-{n}-{i}",
                "userIdentity": {"type": "IAMUser", "accountId": "123456789012"}} for i in range(5)]
    return gzip.compress(json.dumps({"Records": records}).encode())


@pytest.fixture
def cutting(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[type[CuttingProxy]]:
    """Makes a CuttingProxy in front of the moto server and points boto3 at it."""
    made: list[CuttingProxy] = []

    def make(cut: str, times: int) -> CuttingProxy:
        proxy = CuttingProxy(moto_endpoint, cut, times)
        made.append(proxy)
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        return proxy

    yield make  # type: ignore[misc]
    for proxy in made:
        proxy.close()


def _dead_letters(es: Elasticsearch, ns: str) -> list[dict]:
    es.indices.refresh(index=deadletter_stream(ns))
    return [h["_source"] for h in es.search(index=deadletter_stream(ns), size=100)["hits"]["hits"]]


def test_stray_objects_above_the_year_level_do_not_collapse_the_streams(es: Elasticsearch, es_env, ns: str,
                                                                        bucket: str,
                                                                        capsys: pytest.CaptureFixture) -> None:
    """ELB's test file and a console folder marker beside the delivery layout leave later CloudTrail objects found."""
    put(bucket, {"AWSLogs/": b"", "AWSLogs/123456789012/ELBAccessLogTestFile": b"Enable AccessLog for ELB: x\n",
                 CLOUDTRAIL.format(1): _trail(1), flow_key(1): flow_object(10)})
    status, first = ship(ns, "--from", f"s3://{bucket}", "--once", capsys=capsys)
    assert status == 1 and first["unroutable"] == 1 and first["indexed"] == 15  # the test file: reported once
    put(bucket, {CLOUDTRAIL.format(2): _trail(2), flow_key(2): flow_object(10, seed=2)})
    status, second = ship(ns, "--from", f"s3://{bucket}", "--once", capsys=capsys)
    assert status == 0 and second["objects"] == 2 and second["indexed"] == 15
    assert count(es, data_stream("aws.cloudtrail", ns)) == 10 and flows(es, ns) == 20


def test_a_cut_download_is_retried_not_committed(es: Elasticsearch, es_env, ns: str, bucket: str, cutting,
                                                 capsys: pytest.CaptureFixture) -> None:
    """A GetObject cut in half is a failed read of the object, not corrupt data: released, then shipped whole."""
    put(bucket, {flow_key(1): flow_object(50), flow_key(2): flow_object(50, seed=2)})
    proxy = cutting("hash0001", times=1)
    status, first = ship(ns, "--from", f"s3://{bucket}", "--once", capsys=capsys)
    assert proxy.cuts == 1 and status == 3 and first["failed_objects"] == 1 and first["deadlettered"] == 0, first
    status, second = ship(ns, "--from", f"s3://{bucket}", "--once", capsys=capsys)
    assert status == 0 and second["objects"] == 1 and flows(es, ns) == 100 and dead(es, ns) == 0


def test_an_object_that_keeps_failing_is_dead_lettered_by_key_and_the_listing_moves_on(
        es: Elasticsearch, es_env, ns: str, bucket: str, cutting, capsys: pytest.CaptureFixture) -> None:
    """Past retry.object_attempts failed reads (counted in the checkpoint across runs) the object is dead-lettered."""
    put(bucket, {flow_key(1): flow_object(50), flow_key(2): flow_object(50, seed=2)})
    cutting("hash0001", times=-1)
    attempts = ("--set", "retry.object_attempts=2")
    status, first = ship(ns, "--from", f"s3://{bucket}", "--once", *attempts, capsys=capsys)
    assert status == 3 and first["failed_objects"] == 1
    status, second = ship(ns, "--from", f"s3://{bucket}", "--once", *attempts, capsys=capsys)
    assert status == 1 and second["objects_deadlettered"] == 1 and second["failed_objects"] == 0
    [letter] = [d for d in _dead_letters(es, ns) if d["cloudsift"]["stage"] == "object"]
    assert letter["cloudsift"]["object"] == {"bucket": bucket, "key": flow_key(1)}
    assert "attempt 2 of 2" in letter["error"]["message"]
    put(bucket, {flow_key(3): flow_object(50, seed=3)})
    status, third = ship(ns, "--from", f"s3://{bucket}", "--once", *attempts, capsys=capsys)
    assert status == 0 and third["objects"] == 1 and third["failed_objects"] == 0, third["errors"]


def test_a_queued_object_that_keeps_failing_is_dead_lettered_and_its_message_deleted(
        es: Elasticsearch, es_env, ns: str, bucket: str, cutting, capsys: pytest.CaptureFixture) -> None:
    """The SQS receive count is the attempt: on the last one the object is dead-lettered and the message goes."""
    sqs = boto3.client("sqs")
    queue = sqs.create_queue(QueueName=f"{ns}-noredrive")["QueueUrl"]
    put(bucket, {flow_key(1): flow_object(20), flow_key(2): flow_object(20, seed=2)})
    send(queue, s3_event(bucket, flow_key(1)), s3_event(bucket, flow_key(2)))
    cutting("hash0001", times=-1)
    args = ("--from", f"sqs://{queue}", "--once", "--visibility-timeout", "1", "--set", "retry.object_attempts=2")
    runs = [ship(ns, *args, capsys=capsys)]
    while remaining(queue) and len(runs) < 5:  # a run may end while the failed message is still invisible
        runs.append(ship(ns, *args, capsys=capsys))
    assert remaining(queue) == 0
    assert sum(s["objects_deadlettered"] for _, s in runs) == 1 and sum(s["failed_objects"] for _, s in runs) == 1
    assert flows(es, ns) >= 20 and [d["cloudsift"]["object"]["key"] for d in _dead_letters(es, ns)] == [flow_key(1)]


class _BrokenFor(DirectorySource):
    """A directory whose one file raises what no reader expects (a bug, say) every time it is opened."""

    def __init__(self, root: Path, broken: str) -> None:
        super().__init__(root)
        self.broken = broken
        self.opened = 0

    def open(self, ref: ObjectRef) -> BinaryIO:
        if ref.key == self.broken:
            self.opened += 1
            raise RuntimeError("unexpected failure while opening")
        return super().open(ref)


def test_any_exception_of_one_object_is_that_objects_failure(es: Elasticsearch, ns: str, tmp_path: Path) -> None:
    """An exception nobody planned for fails its object (tried, then dead-lettered); the other objects ship."""
    install(es, ns)
    source = _BrokenFor(write_dir(tmp_path, {flow_key(i): flow_object(10, seed=i) for i in range(3)}), flow_key(1))
    shipper = Shipper(source, ElasticsearchSink(es), Router(()), ns, stop=threading.Event(),
                      log=lambda *a, **k: None, object_attempts=3)
    stats = shipper.run()
    assert source.opened == 3 and stats.objects_deadlettered == 1 and stats.failed_objects == 2
    assert stats.indexed == 20 and flows(es, ns) == 20 and dead(es, ns) == 1


def test_no_aws_credentials_is_one_clear_line(es_env, ns: str, moto_endpoint: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture) -> None:
    """Without any AWS credentials an S3 run says so in one line (exit 2), not an error per object."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    status, _ = ship(ns, "--from", f"s3://{ns}-logs", "--once")
    err = capsys.readouterr().err
    assert status == 2 and "no AWS credentials found" in err and "stay for the next run" not in err
