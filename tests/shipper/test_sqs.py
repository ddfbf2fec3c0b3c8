"""S3 event notifications on SQS (moto server): every shape, delete only after acknowledgement."""
from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path

import boto3
import pytest
import yaml
from elasticsearch import Elasticsearch

from shipper.s3clients import S3Clients
from shipper.sqssource import SqsSource, is_queue, parse_event

from .conftest import (
    flow_key,
    flow_object,
    flows,
    put,
    remaining,
    s3_event,
    send,
    ship,
    ship_process,
    wait_for,
)


def sns_event(bucket: str, key: str, region: str | None = None) -> dict:
    """The same notification wrapped by SNS (raw message delivery off)."""
    return {"Type": "Notification", "TopicArn": "arn:aws:sns:us-east-1:123456789012:logs",
            "Message": json.dumps(s3_event(bucket, key, region))}


def eventbridge_event(bucket: str, key: str, region: str | None = None) -> dict:
    """An EventBridge `Object Created` event delivered to SQS."""
    event = {"version": "0", "detail-type": "Object Created", "source": "aws.s3",
             "detail": {"bucket": {"name": bucket}, "object": {"key": key, "size": 1}}}
    return {**event, "region": region} if region else event


@pytest.mark.parametrize("shape", [s3_event, sns_event, eventbridge_event])
def test_every_notification_shape_is_parsed(shape) -> None:  # type: ignore[no-untyped-def]
    """Direct, SNS-wrapped and EventBridge notifications name the same object and its bucket's region."""
    assert parse_event(json.dumps(shape("logs", "a b/key.gz", "eu-west-1"))) == [("logs", "a b/key.gz", 1, "eu-west-1")]


def test_malformed_region_in_a_notification_is_ignored() -> None:
    """A region that is not an AWS region name (hostile input) is dropped, not used to build an endpoint."""
    assert parse_event(json.dumps(s3_event("logs", "k", "evil.example/x"))) == [("logs", "k", 1, None)]


def test_test_event_and_foreign_messages() -> None:
    """s3:TestEvent names nothing; a message that is no notification is unknown (None)."""
    assert parse_event(json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"})) == []
    assert parse_event("not json") is None and parse_event('{"hello": 1}') is None


POISON = [
    "[" * 100_000 + "]" * 100_000,  # nesting past the recursion limit
    json.dumps({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                             "s3": {"bucket": {"name": "b"}, "object": {"key": "k", "size": 1}}}]}).replace(
        '"size": 1', '"size": 1e999'),
    json.dumps({"Type": "Notification", "Message": "{not json"}),
    json.dumps({"Type": "Notification", "Message": json.dumps({"Type": "Notification", "Message": json.dumps(
        {"Type": "Notification", "Message": "{}"})})}),
    json.dumps({"Records": [5, None, "x"]}),
    json.dumps({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                             "s3": {"bucket": {"name": 7}, "object": {"key": ["k"]}}}]}),
    json.dumps({"source": "aws.s3", "detail-type": "Object Created", "detail": {"bucket": {"name": "b"},
                                                                                 "object": {"key": 12}}}),
]


@pytest.mark.parametrize(("url", "arn", "same"), [
    ("https://sqs.eu-west-1.amazonaws.com/123456789012/logs", "arn:aws:sqs:eu-west-1:123456789012:logs", True),
    ("https://eu-west-1.queue.amazonaws.com/123456789012/logs", "arn:aws:sqs:eu-west-1:123456789012:logs", True),
    ("https://sqs.cn-north-1.amazonaws.com.cn/123456789012/logs.fifo",
     "arn:aws-cn:sqs:cn-north-1:123456789012:logs.fifo", True),
    ("https://vpce-0a1b.sqs.eu-west-1.vpce.amazonaws.com/123456789012/logs",
     "arn:aws:sqs:eu-west-1:123456789012:logs", True),
    ("http://127.0.0.1:5000/123456789012/logs", "arn:aws:sqs:us-east-1:123456789012:logs", True),  # an emulator
    ("https://sqs.eu-west-1.amazonaws.com/123456789012/logs", "arn:aws:sqs:us-east-1:123456789012:logs", False),
    ("https://sqs.eu-west-1.amazonaws.com/123456789012/logs", "arn:aws:sqs:eu-west-1:210987654321:logs", False),
    ("https://sqs.eu-west-1.amazonaws.com/123456789012/logs", "arn:aws:sqs:eu-west-1:123456789012:logs-dlq", False),
    ("https://sqs.eu-west-1.amazonaws.com/x/123456789012/logs", "arn:aws:sqs:eu-west-1:123456789012:logs", False),
    ("https://sqs.eu-west-1.amazonaws.com/123456789012/logs", "arn:aws:sns:eu-west-1:123456789012:logs", False),
    ("https://sqs.eu-west-1.amazonaws.com/123456789012/logs", "", False),
])
def test_a_queue_url_is_matched_to_its_arn(url: str, arn: str, same: bool) -> None:
    """Account and name decide, and the region wherever the URL's host names one."""
    assert is_queue(url, arn) is same


@pytest.mark.parametrize("body", POISON)
def test_poison_notifications_are_unknown_not_exceptions(body: str) -> None:
    """Whatever a message body holds, parsing it answers None (unknown), never raises."""
    assert parse_event(body) is None


def test_poison_messages_do_not_stop_good_ones_of_the_same_receive(es: Elasticsearch, es_env, ns: str, bucket: str,
                                                                    queue: str, capsys: pytest.CaptureFixture) -> None:
    """Poison messages are left for the queue's redrive; the good message beside them is shipped and deleted."""
    put(bucket, {flow_key(0): flow_object(10)})
    send(queue, *POISON, s3_event(bucket, flow_key(0)))
    status, summary = ship(ns, "--from", f"sqs://{queue}", "--once", capsys=capsys)
    assert status == 0 and summary["objects"] == 1 and flows(es, ns) == 10
    assert remaining(queue) == len(POISON)


def test_queue_end_to_end_deletes_acknowledged_messages(es: Elasticsearch, es_env, ns: str, bucket: str,
                                                        queue: str, capsys: pytest.CaptureFixture) -> None:
    """Objects named by all three shapes are shipped; their messages and the test event are deleted."""
    put(bucket, {flow_key(i): flow_object(10, seed=i) for i in range(3)})
    send(queue, s3_event(bucket, flow_key(0)), sns_event(bucket, flow_key(1)), eventbridge_event(bucket, flow_key(2)),
         {"Service": "Amazon S3", "Event": "s3:TestEvent"})
    status, summary = ship(ns, "--from", f"sqs://{queue}", "--once", capsys=capsys)
    assert status == 0 and summary["objects"] == 3 and flows(es, ns) == 30
    assert remaining(queue) == 0


def test_missing_object_leaves_its_message_for_redrive(es: Elasticsearch, es_env, ns: str, bucket: str,
                                                       queue: str, capsys: pytest.CaptureFixture) -> None:
    """An object that cannot be read is not acknowledged: its message stays on the queue (then the DLQ)."""
    put(bucket, {flow_key(1): flow_object(10)})
    send(queue, s3_event(bucket, flow_key(1)), s3_event(bucket, flow_key(9)))
    status, summary = ship(ns, "--from", f"sqs://{queue}", "--once", capsys=capsys)
    assert status == 3 and summary["failed_objects"] == 1 and flows(es, ns) == 10
    assert remaining(queue) == 1


def test_two_workers_on_one_queue_do_not_duplicate(es: Elasticsearch, es_settings, ns: str, bucket: str,
                                                   queue: str) -> None:
    """Two separate `cloudsift ship` processes share the queue: every record indexed once, no object twice."""
    put(bucket, {flow_key(i): flow_object(200, seed=i) for i in range(20)})
    send(queue, *(s3_event(bucket, flow_key(i)) for i in range(20)))
    procs = [ship_process(es_settings, ns, "--from", f"sqs://{queue}", "--once") for _ in range(2)]
    summaries = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        summaries.append(json.loads(out.splitlines()[-1]))
    assert sum(s["objects"] for s in summaries) == 20 and sum(s["duplicates"] for s in summaries) == 0
    assert flows(es, ns) == 4000 and remaining(queue) == 0


def _in_flight(queue: str) -> int:
    attrs = boto3.client("sqs").get_queue_attributes(QueueUrl=queue,
                                                     AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    return int(attrs["Attributes"]["ApproximateNumberOfMessagesNotVisible"])


def test_four_workers_two_killed_mid_object_ship_everything_once(es: Elasticsearch, es_settings, ns: str,
                                                                bucket: str, moto_endpoint: str,
                                                                tmp_path: Path) -> None:
    """Four `cloudsift ship` processes share a queue; two are SIGKILLed mid-object. Their messages reappear when
    the heartbeat stops, the other two finish the work: every record indexed once, every message deleted."""
    objects, per_object = 12, 5000
    queue = boto3.client("sqs").create_queue(QueueName=f"{ns}-four")["QueueUrl"]  # no redrive: replays are fine
    put(bucket, {flow_key(i): flow_object(per_object, seed=i) for i in range(objects)})
    send(queue, *(s3_event(bucket, flow_key(i)) for i in range(objects)))
    config = tmp_path / "ship.yml"
    # One message per receive, so the work spreads over the four; a short visibility brings a killed
    # worker's message back within seconds (the heartbeat keeps the survivors' ones hidden).
    config.write_text(yaml.safe_dump({"sources": [{"url": f"sqs://{queue}", "max_messages": 1, "wait_seconds": 1,
                                                   "visibility_timeout": 6}]}))
    procs = [ship_process(es_settings, ns, "--config", str(config), "--batch-docs", "500") for _ in range(4)]
    try:
        wait_for("every worker to hold a message and the first records",
                 lambda: _in_flight(queue) >= 4 and flows(es, ns) >= 2000, timeout=120)
        for victim in procs[:2]:
            victim.kill()
        wait_for("the survivors to finish the work",
                 lambda: flows(es, ns) == objects * per_object and remaining(queue) == 0, timeout=300)
    finally:
        for proc in procs:
            if proc in procs[:2] or proc.poll() is not None:
                proc.kill()
            else:
                proc.send_signal(signal.SIGTERM)
        results = [(proc.communicate(timeout=60), proc.returncode) for proc in procs]
    assert [code for _, code in results] == [-signal.SIGKILL, -signal.SIGKILL, 0, 0], [err for (_, err), _ in results]
    survivors = [json.loads(out.splitlines()[-1]) for (out, _), _ in results[2:]]
    assert sum(s["failed_objects"] for s in survivors) == 0
    # A replayed object the killed workers had partly indexed answers 409 for those records.
    assert sum(s["duplicates"] for s in survivors) > 0, "no object was replayed: the kills did not land mid-object"
    assert flows(es, ns) == objects * per_object and remaining(queue) == 0


def test_heartbeat_keeps_a_slow_message_invisible(queue: str) -> None:
    """While an object is in flight past the visibility timeout, no other consumer receives its message."""
    sqs = boto3.client("sqs")
    send(queue, s3_event("bucket", flow_key(1)))
    source = SqsSource(sqs, S3Clients(boto3.Session(), {}), queue, wait_seconds=1, visibility_timeout=2)
    stop = threading.Event()
    ref = next(source.objects(stop))
    time.sleep(3.5)  # longer than the 2 s timeout: only the heartbeat keeps it hidden
    other = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0, MaxNumberOfMessages=10)
    source.commit(ref)
    source.close()
    assert other.get("Messages", []) == [] and remaining(queue) == 0


def test_failing_messages_reach_the_dlq_through_redrive(es: Elasticsearch, es_env, ns: str, bucket: str,
                                                        queue: str, capsys: pytest.CaptureFixture) -> None:
    """A missing object and a non-notification are received maxReceiveCount times, then moved to the DLQ."""
    put(bucket, {flow_key(i): flow_object(10, seed=i) for i in range(2)})
    send(queue, s3_event(bucket, flow_key(0)), s3_event(bucket, flow_key(9)), s3_event(bucket, flow_key(1)),
         "not a notification")
    dlq = boto3.client("sqs").get_queue_url(QueueName=f"{ns}-dlq")["QueueUrl"]
    # A 1 s visibility timeout lets a failed message come back within a run's 2 s drain polls; a run may
    # still end while one is invisible, so drain again (as a scheduled `--once` job would) until it is gone.
    runs = []
    while remaining(queue) and len(runs) < 5:
        runs.append(ship(ns, "--from", f"sqs://{queue}", "--once", "--visibility-timeout", "1", capsys=capsys))
    assert runs[0][0] == 3 and remaining(queue) == 0 and remaining(dlq) == 2
    assert sum(s["objects"] for _, s in runs) == 2 and sum(s["failed_objects"] for _, s in runs) == 2
    assert flows(es, ns) == 20
    moved = boto3.client("sqs").receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in moved) == sorted([json.dumps(s3_event(bucket, flow_key(9))), "not a notification"])
