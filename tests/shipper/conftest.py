"""Shipper test helpers: generated flow-log objects, buckets and queues on moto, counts, a CLI runner."""
from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
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
    """Documents in `index` (0 when it does not exist yet), after a refresh."""
    lenient = es.options(ignore_status=404)
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


def ship_process(es_settings: EsSettings, ns: str, *args: str) -> subprocess.Popen:
    """`cloudsift ship` as a separate process (to kill it, or run several at once)."""
    env = {**os.environ, "ELASTICSEARCH_URL": es_settings.url, "ELASTICSEARCH_USERNAME": es_settings.username or "",
           "ELASTICSEARCH_PASSWORD": es_settings.password or ""}
    cmd = [sys.executable, "-m", "cloudsift.cli", "ship", "--namespace", ns, "--state-index", f"{ns}-state",
           "--progress", "json", *args]
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


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


@pytest.fixture(autouse=True)
def _orphan_template(request: pytest.FixtureRequest) -> None:
    """Lets `ns` delete a test's templates although its data streams stay (no delete API on the local node).

    Elasticsearch refuses to delete the last template matching a data stream; this low-priority
    catch-all matches every test stream, so the test's own (namespaced) templates can go.
    """
    if "ns" not in request.fixturenames:
        return
    es = request.getfixturevalue("es")
    es.indices.put_index_template(name="cloudsift-test-orphans", data_stream={}, priority=1,
                                  index_patterns=["logs-*.cloudsift-t*", "logs-cloudsift.deadletter-t*"])


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
