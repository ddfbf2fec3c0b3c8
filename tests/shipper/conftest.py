"""Shipper test helpers: generated flow-log objects, buckets and queues on moto, counts, a CLI runner."""
from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import urllib3
from elasticsearch import Elasticsearch

from cloudsift.cli import main
from cloudsift.elastic import EsSettings
from shipper.templates import data_stream, deadletter_stream

ROOT = Path(__file__).resolve().parents[2]
HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"


def flow_key(n: int, account: str = "123456789012", region: str = "us-east-1") -> str:
    """A VPC flow log key in AWS's delivery layout, ordered by n."""
    return (f"AWSLogs/{account}/vpcflowlogs/{region}/2026/11/20/"
            f"{account}_vpcflowlogs_{region}_fl-0abc_20261120T{n:04d}Z_hash{n:04d}.log.gz")


def flow_object(records: int, *, corrupt: int = 0, seed: int = 0) -> bytes:
    """A gzipped flow log with `records` good lines and `corrupt` unparseable ones at the end."""
    lines = [HEADER]
    for i in range(records):
        lines.append(f"2 123456789012 eni-0a1b 10.0.{seed % 250}.{i % 250} 10.1.0.2 {1024 + i % 60000} 443 6 "
                     f"10 840 1763596800 1763596860 ACCEPT OK")
    lines.extend(f"garbage line {i}" for i in range(corrupt))
    return gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=1)


def write_dir(root: Path, objects: dict[str, bytes]) -> Path:
    """Lay `objects` (key → bytes) out under `root` like a bucket."""
    for key, body in objects.items():
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    return root


def count(es: Elasticsearch, index: str) -> int:
    """Documents in `index` (0 when it does not exist yet, or its shard has not started: 503), after a refresh."""
    lenient = es.options(ignore_status=(404, 503))
    lenient.indices.refresh(index=index)
    resp = lenient.count(index=index)
    return resp.body.get("count", 0)


def flows(es: Elasticsearch, ns: str) -> int:
    """Flow log documents shipped into namespace `ns`."""
    return count(es, data_stream("aws.vpcflow", ns))


def dead(es: Elasticsearch, ns: str) -> int:
    """Dead-letter documents in namespace `ns`."""
    return count(es, deadletter_stream(ns))


def ship(ns: str, *args: str, capsys: pytest.CaptureFixture | None = None) -> tuple[int, dict]:
    """Run `cloudsift ship` in this process with the test's namespace; (exit status, summary)."""
    status = main(["ship", "--namespace", ns, "--state-index", f"{ns}-state", "--progress", "json", *args])
    summary = {}
    if capsys is not None:
        out = capsys.readouterr().out.strip().splitlines()
        summary = json.loads(out[-1]) if out else {}
    return status, summary


class ShipProcess(subprocess.Popen):
    """A child whose stdout and stderr go to anonymous files, not pipes: a test waiting on something else
    (a count, a kill) reads nothing meanwhile, and a full pipe would block the child's next log line."""

    def __init__(self, cmd: list[str], **kwargs: object) -> None:
        # Closed when read (communicate); they are unlinked already, so nothing stays on disk.
        self._outputs = (tempfile.TemporaryFile(), tempfile.TemporaryFile())  # noqa: SIM115
        super().__init__(cmd, stdout=self._outputs[0], stderr=self._outputs[1], **kwargs)  # type: ignore[call-overload]

    def communicate(self, input: object = None, timeout: float | None = None) -> tuple[str, str]:
        """Wait (bounded by `timeout`, as Popen.communicate), then (stdout, stderr) as text."""
        self.wait(timeout)
        texts = []
        for output in self._outputs:
            output.seek(0)
            texts.append(output.read().decode(errors="replace"))
            output.close()
        return texts[0], texts[1]


def ship_process(es_settings: EsSettings, ns: str, *args: str) -> ShipProcess:
    """`cloudsift ship` as a separate process (to kill it, or run several at once); `communicate` for its output."""
    env = {**os.environ, "ELASTICSEARCH_URL": es_settings.url, "ELASTICSEARCH_USERNAME": es_settings.username or "",
           "ELASTICSEARCH_PASSWORD": es_settings.password or ""}
    cmd = [sys.executable, "-m", "cloudsift.cli", "ship", "--namespace", ns, "--state-index", f"{ns}-state",
           "--progress", "json", *args]
    return ShipProcess(cmd, env=env, cwd=ROOT)


@pytest.fixture
def es_env(es_settings: EsSettings, monkeypatch: pytest.MonkeyPatch) -> EsSettings:
    """ELASTICSEARCH_* set for in-process runs of `cloudsift ship`."""
    monkeypatch.setenv("ELASTICSEARCH_URL", es_settings.url)
    monkeypatch.setenv("ELASTICSEARCH_USERNAME", es_settings.username or "")
    monkeypatch.setenv("ELASTICSEARCH_PASSWORD", es_settings.password or "")
    return es_settings


@pytest.fixture
def bucket(moto_endpoint: str, ns: str) -> str:
    """A fresh bucket on the moto server."""
    name = f"{ns}-logs"
    boto3.client("s3").create_bucket(Bucket=name)
    return name


def put(bucket: str, objects: dict[str, bytes]) -> None:
    """Upload objects to the bucket."""
    s3 = boto3.client("s3")
    for key, body in objects.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body)


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def s3_event(bucket: str, key: str, region: str | None = None) -> dict:
    """A direct S3 → SQS notification (keys URL-encoded, as S3 sends them; `awsRegion` if given)."""
    record = {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
              "s3": {"bucket": {"name": bucket}, "object": {"key": key.replace(" ", "+"), "size": 1}}}
    if region:
        record["awsRegion"] = region
    return {"Records": [record]}


@pytest.fixture
def queue(moto_endpoint: str, ns: str) -> str:
    """A queue with a dead-letter queue `<queue>-dlq` (maxReceiveCount 2)."""
    sqs = boto3.client("sqs")
    dlq = sqs.create_queue(QueueName=f"{ns}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})
    return sqs.create_queue(QueueName=ns, Attributes={"RedrivePolicy": policy, "VisibilityTimeout": "30"})["QueueUrl"]


def send(queue: str, *events: dict | str) -> None:
    """Put notifications (or any raw message body) on the queue."""
    sqs = boto3.client("sqs")
    for event in events:
        sqs.send_message(QueueUrl=queue, MessageBody=event if isinstance(event, str) else json.dumps(event))


def remaining(queue: str) -> int:
    """Messages still on the queue, visible or not."""
    attrs = boto3.client("sqs").get_queue_attributes(
        QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
    return sum(int(v) for v in attrs["Attributes"].values())


def wait_for(what: str, check: object, timeout: float = 30.0) -> None:
    """Poll `check()` until it is true; fail the test with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


@pytest.fixture
def partitioned_moto(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A moto server of this test's own where a request signed for the wrong region cannot see a bucket.

    The shared server lets any request reach any bucket. With cross-account access off, moto keeps
    buckets per AWS partition (aws, aws-cn, aws-us-gov), so reading a bucket with a client of the
    wrong region fails, as it does on AWS: the test observes which region each request was signed for.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "MOTO_S3_ALLOW_CROSSACCOUNT_ACCESS": "false"}
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def up() -> bool:
        try:
            urllib3.request("GET", url + "/moto-api/", timeout=2, retries=False)
        except urllib3.exceptions.HTTPError:
            assert proc.poll() is None, "moto server exited"
            return False
        return True

    try:
        wait_for("the moto server", up)
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
