"""Bucket listing on the moto server: checkpoints in Elasticsearch, resume, only new objects, partitions."""
from __future__ import annotations

import json
import signal
import time

import pytest
from elasticsearch import Elasticsearch

from cloudsift.cli import main

from .conftest import flow_key, flow_object, flows, put, ship, ship_process


def _checkpoint(es: Elasticsearch, ns: str, scope_start: str) -> dict:
    """The one checkpoint document whose scope starts with `scope_start`."""
    es.indices.refresh(index=f"{ns}-state")
    hits = es.search(index=f"{ns}-state", query={"prefix": {"scope": scope_start}})["hits"]["hits"]
    assert len(hits) == 1
    return hits[0]["_source"]


def test_listing_ships_every_object(es: Elasticsearch, es_env, ns: str, bucket: str,
                                    capsys: pytest.CaptureFixture) -> None:
    """Every object under the prefix is shipped, across accounts and regions."""
    put(bucket, {flow_key(1): flow_object(20), flow_key(2, account="210987654321"): flow_object(20, seed=2),
                 flow_key(3, region="eu-west-1"): flow_object(20, seed=3)})
    status, summary = ship(ns, "--from", f"s3://{bucket}/AWSLogs/", "--once", capsys=capsys)
    assert status == 0 and summary["objects"] == 3 and flows(es, ns) == 60


def test_next_run_reads_only_new_objects(es: Elasticsearch, es_env, ns: str, bucket: str,
                                         capsys: pytest.CaptureFixture) -> None:
    """The checkpoint makes a second run skip what the first shipped, and pick up what is new."""
    put(bucket, {flow_key(1): flow_object(10), flow_key(2): flow_object(10, seed=2)})
    ship(ns, "--from", f"s3://{bucket}", "--once", capsys=capsys)
    put(bucket, {flow_key(3): flow_object(10, seed=3)})
    status, summary = ship(ns, "--from", f"s3://{bucket}", "--once", capsys=capsys)
    assert status == 0 and summary["objects"] == 1 and summary["indexed"] == 10
    assert flows(es, ns) == 30


def test_checkpoint_state_stays_bounded(es: Elasticsearch, es_env, ns: str, bucket: str,
                                        capsys: pytest.CaptureFixture) -> None:
    """The state holds one high-water key per delivery stream, not one entry per object ever seen."""
    put(bucket, {flow_key(i): flow_object(2, seed=i) for i in range(30)})
    ship(ns, "--from", f"s3://{bucket}", "--once", capsys=capsys)
    state = _checkpoint(es, ns, f"s3://{bucket}/#0/1@")
    stream = "AWSLogs/123456789012/vpcflowlogs/us-east-1/"
    assert state["streams"] == [{"prefix": stream, "after": flow_key(29), "done": [], "failures": []}]


def test_new_stream_sorting_before_the_mark_is_not_skipped(es: Elasticsearch, es_env, ns: str, bucket: str,
                                                           capsys: pytest.CaptureFixture) -> None:
    """A new account whose keys sort before already-shipped ones is still read (marks are per stream)."""
    put(bucket, {flow_key(5, account="999999999999"): flow_object(5)})
    ship(ns, "--from", f"s3://{bucket}", "--once", capsys=capsys)
    put(bucket, {flow_key(1, account="111111111111"): flow_object(5, seed=1)})
    _status, summary = ship(ns, "--from", f"s3://{bucket}", "--once", capsys=capsys)
    assert summary["objects"] == 1 and flows(es, ns) == 10


def test_workers_split_the_listing_without_overlap(es: Elasticsearch, es_env, ns: str, bucket: str,
                                                   capsys: pytest.CaptureFixture) -> None:
    """--workers 2 partitions keys by hash: every object shipped once, none twice."""
    put(bucket, {flow_key(i): flow_object(10, seed=i) for i in range(8)})
    status, summary = ship(ns, "--from", f"s3://{bucket}", "--once", "--workers", "2", capsys=capsys)
    assert status == 0 and summary["objects"] == 8 and summary["indexed"] == 80 and summary["duplicates"] == 0
    assert flows(es, ns) == 80


def test_kill_9_mid_object_then_restart_indexes_every_record_once(es: Elasticsearch, es_settings, ns: str,
                                                                  bucket: str) -> None:
    """A worker killed outright mid-object leaves it uncommitted; the restart completes it, exactly once."""
    put(bucket, {flow_key(1): flow_object(500), flow_key(2): flow_object(60_000, seed=2),
                 flow_key(3): flow_object(500, seed=3)})
    proc = ship_process(es_settings, ns, "--from", f"s3://{bucket}", "--once", "--batch-docs", "500")
    deadline = time.monotonic() + 120
    while flows(es, ns) < 2000 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    proc.kill()
    proc.wait()
    assert flows(es, ns) < 61_000, "the worker finished before it could be killed"
    again = ship_process(es_settings, ns, "--from", f"s3://{bucket}", "--once")
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    summary = json.loads(out.splitlines()[-1])
    assert summary["indexed"] + summary["duplicates"] >= 60_000
    assert flows(es, ns) == 61_000


def test_sigterm_stops_cleanly_without_committing_a_partial_object(es: Elasticsearch, es_settings, ns: str,
                                                                   bucket: str) -> None:
    """SIGTERM mid-object: delivered batches stay, the object is not committed, a restart completes it."""
    put(bucket, {flow_key(1): flow_object(60_000)})
    proc = ship_process(es_settings, ns, "--from", f"s3://{bucket}", "--once", "--batch-docs", "500")
    deadline = time.monotonic() + 120
    while flows(es, ns) < 1000 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert json.loads(out.splitlines()[-1])["objects"] == 0 and "SIGTERM" in err
    assert flows(es, ns) < 60_000
    again = ship_process(es_settings, ns, "--from", f"s3://{bucket}", "--once")
    out, err = again.communicate(timeout=300)
    assert json.loads(out.splitlines()[-1])["objects"] == 1 and flows(es, ns) == 60_000


def test_role_is_assumed_for_the_source(es: Elasticsearch, es_env, ns: str, bucket: str,
                                        capsys: pytest.CaptureFixture) -> None:
    """With --role-arn the bucket is read with credentials from STS AssumeRole (moto's STS)."""
    put(bucket, {flow_key(1): flow_object(5)})
    status, summary = ship(ns, "--from", f"s3://{bucket}", "--once", "--region", "us-east-1",
                           "--role-arn", "arn:aws:iam::123456789012:role/cloudsift-reader", capsys=capsys)
    assert status == 0 and summary["indexed"] == 5


def test_missing_bucket_is_a_clear_failure(es: Elasticsearch, es_env, ns: str, moto_endpoint: str,
                                           capsys: pytest.CaptureFixture) -> None:
    """A bucket that does not exist ends the run with exit 3 and the S3 error in the summary."""
    status, summary = ship(ns, "--from", f"s3://{ns}-missing", "--once", capsys=capsys)
    assert status == 3 and summary["fatal"] == 1 and "NoSuchBucket" in summary["errors"][0]


def test_processes_on_disjoint_prefixes_split_a_bucket(es: Elasticsearch, es_settings, ns: str, bucket: str) -> None:
    """Two processes on two prefixes of one bucket ship everything once, each with its own checkpoint."""
    prefixes = {"111111111111": "AWSLogs/111111111111/", "222222222222": "AWSLogs/222222222222/"}
    put(bucket, {flow_key(i, account=acct): flow_object(10, seed=10 * n + i)
                 for n, acct in enumerate(prefixes) for i in range(3)})

    def run_both() -> list[dict]:
        procs = [ship_process(es_settings, ns, "--from", f"s3://{bucket}/{p}", "--once") for p in prefixes.values()]
        summaries = []
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            summaries.append(json.loads(out.splitlines()[-1]))
        return summaries

    first = run_both()
    assert [s["objects"] for s in first] == [3, 3] and sum(s["duplicates"] for s in first) == 0
    assert flows(es, ns) == 60
    for acct, prefix in prefixes.items():
        state = _checkpoint(es, ns, f"s3://{bucket}/{prefix}#0/1@")
        assert [s["after"] for s in state["streams"]] == [flow_key(2, account=acct)]
    put(bucket, {flow_key(7, account="111111111111"): flow_object(10, seed=99)})
    assert [s["objects"] for s in run_both()] == [1, 0] and flows(es, ns) == 70


def test_workers_split_a_bucket_by_assigned_prefixes(es: Elasticsearch, es_env, ns: str, bucket: str,
                                                    capsys: pytest.CaptureFixture) -> None:
    """--prefixes with --workers 2: each worker lists only its prefixes, everything is shipped once, and each
    prefix's checkpoint is the one a process given that prefix alone resumes from."""
    accounts = ["111111111111", "222222222222", "333333333333"]
    put(bucket, {flow_key(i, account=acct): flow_object(10, seed=10 * n + i)
                 for n, acct in enumerate(accounts) for i in range(3)})
    prefixes = ",".join(f"{acct}/" for acct in accounts)
    status, summary = ship(ns, "--from", f"s3://{bucket}/AWSLogs/", "--prefixes", prefixes, "--workers", "2",
                           "--once", capsys=capsys)
    assert status == 0 and summary["objects"] == 9 and summary["duplicates"] == 0 and flows(es, ns) == 90
    for acct in accounts:
        state = _checkpoint(es, ns, f"s3://{bucket}/AWSLogs/{acct}/#0/1@")
        assert [s["after"] for s in state["streams"]] == [flow_key(2, account=acct)]
    # The prefixes dealt out otherwise: a process given one of them alone has nothing left to do there.
    put(bucket, {flow_key(7, account="333333333333"): flow_object(10, seed=99)})
    _status, summary = ship(ns, "--from", f"s3://{bucket}/AWSLogs/333333333333/", "--once", capsys=capsys)
    assert summary["objects"] == 1 and summary["duplicates"] == 0 and flows(es, ns) == 100


def test_another_namespace_with_the_same_state_index_ships_everything(es: Elasticsearch, es_env, ns: str,
                                                                       bucket: str,
                                                                       capsys: pytest.CaptureFixture) -> None:
    """The checkpoint's scope includes the namespace: a second namespace is a run of its own."""
    put(bucket, {flow_key(1): flow_object(10), flow_key(2): flow_object(10, seed=2)})
    ship(ns, "--from", f"s3://{bucket}", "--once", capsys=capsys)
    other = f"{ns}b"
    status = main(["ship", "--namespace", other, "--state-index", f"{ns}-state", "--progress", "json",
                   "--from", f"s3://{bucket}", "--once"])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert status == 0 and summary["objects"] == 2 and summary["indexed"] == 20
    assert flows(es, other) == 20
