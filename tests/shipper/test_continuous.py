"""Continuous mode (no --once): a running `cloudsift ship` picks up new work, and SIGTERM ends it cleanly."""
from __future__ import annotations

import json
import signal
import subprocess

from elasticsearch import Elasticsearch

from .conftest import flow_key, flow_object, flows, put, remaining, s3_event, send, ship_process, wait_for


def stop(proc: subprocess.Popen) -> tuple[dict, str]:
    """SIGTERM the process; its final summary and stderr, once it exited 0."""
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "SIGTERM" in err
    return json.loads(out.splitlines()[-1]), err


def test_queue_is_consumed_until_sigterm(es: Elasticsearch, es_settings, ns: str, bucket: str, queue: str) -> None:
    """Notifications sent while it runs are shipped; SIGTERM → exit 0 with a final summary."""
    put(bucket, {flow_key(i): flow_object(10, seed=i) for i in range(3)})
    proc = ship_process(es_settings, ns, "--from", f"sqs://{queue}", "--wait-seconds", "1")
    try:
        send(queue, s3_event(bucket, flow_key(0)))
        wait_for("the first object", lambda: flows(es, ns) == 10)
        send(queue, s3_event(bucket, flow_key(1)), s3_event(bucket, flow_key(2)))
        wait_for("the objects sent later", lambda: flows(es, ns) == 30)
        wait_for("their messages to be deleted", lambda: remaining(queue) == 0)
    finally:
        summary, _ = stop(proc)
    assert summary["objects"] == 3 and summary["indexed"] == 30 and summary["failed_objects"] == 0


def test_listing_polls_for_new_objects_until_sigterm(es: Elasticsearch, es_settings, ns: str, bucket: str) -> None:
    """An object added after the first listing is shipped by the next poll; SIGTERM → exit 0 with a summary."""
    put(bucket, {flow_key(1): flow_object(10, seed=1)})
    proc = ship_process(es_settings, ns, "--from", f"s3://{bucket}", "--poll-seconds", "0.5")
    try:
        wait_for("the first object", lambda: flows(es, ns) == 10)
        put(bucket, {flow_key(2): flow_object(10, seed=2)})
        wait_for("the object added later", lambda: flows(es, ns) == 20)
    finally:
        summary, _ = stop(proc)
    assert summary["objects"] == 2 and summary["indexed"] == 20 and summary["duplicates"] == 0
