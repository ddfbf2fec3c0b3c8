"""S3 event notifications on SQS (direct, via SNS, via EventBridge): delete only what ES acknowledged.

A message is deleted when every object it names is committed; a failed object leaves its message
to reappear after the visibility timeout. The receive count is the object's attempt: on the last
(`retry.object_attempts`) the object is dead-lettered by key in Elasticsearch and the message
deleted, unless the queue's maxReceiveCount is lower and its dead-letter queue takes it first. While objects are in flight a heartbeat thread keeps their messages invisible.
"""
from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import unquote_plus, urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from shipper.objects import ObjectRef
from shipper.s3clients import S3Clients, region_or_none

ONCE_WAIT_SECONDS = 2
# The region a queue URL's host names: sqs.<region>.amazonaws.com[.cn] (through a VPC endpoint too) or
# the legacy <region>.queue.amazonaws.com; an emulator's host names none.
_URL_REGION = re.compile(r"(?:^|\.)(?:sqs\.([a-z0-9-]+)\.(?:vpce\.)?|([a-z0-9-]+)\.queue\.)amazonaws\.")


# (bucket, key, size, region the notification gives for the bucket or None)
Created = tuple[str, str, int, str | None]


@dataclass(slots=True)
class _Message:
    receipt: str
    pending: int
    objects: list[Created]
    attempt: int = 1  # SQS's ApproximateReceiveCount: this receive included
    failed: bool = False


def parse_event(body: object) -> list[Created] | None:
    """(bucket, key, size, region) of each created object in a notification; [] for a test event; None if unknown.

    Bodies are hostile: whatever one holds (nesting deep enough to exhaust recursion, `"size": 1e999`,
    an SNS envelope wrapping garbage, wrong types anywhere), the answer is None, never an exception.
    """
    try:
        created = _parse(body, envelopes=2)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError):
        return None
    if created is None or not all(isinstance(b, str) and b and isinstance(k, str) and k for b, k, _, _ in created):
        return None
    return created


def _parse(body: object, *, envelopes: int) -> list[Created] | None:
    if not isinstance(body, str):
        return None
    event = json.loads(body)
    if not isinstance(event, dict):
        return None
    if event.get("Type") == "Notification" and isinstance(event.get("Message"), str):  # SNS envelope
        return _parse(event["Message"], envelopes=envelopes - 1) if envelopes > 0 else None
    if event.get("Event") == "s3:TestEvent":
        return []
    if event.get("source") == "aws.s3" and isinstance(event.get("detail"), dict):  # EventBridge
        if event.get("detail-type") != "Object Created":
            return []
        detail = event["detail"]
        try:
            return [(detail["bucket"]["name"], detail["object"]["key"], int(detail["object"].get("size", 0)),
                     region_or_none(event.get("region")))]
        except (KeyError, TypeError, ValueError):
            return None
    records = event.get("Records")
    if not isinstance(records, list):
        return None
    out = []
    for rec in records:
        try:
            if rec.get("eventSource") != "aws:s3" or not rec.get("eventName", "").startswith("ObjectCreated:"):
                continue
            # S3 notifications URL-encode keys (spaces as '+').
            out.append((rec["s3"]["bucket"]["name"], unquote_plus(rec["s3"]["object"]["key"]),
                        int(rec["s3"]["object"].get("size", 0)), region_or_none(rec.get("awsRegion"))))
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
    return out


def receive_count(attributes: object) -> int:
    """A message's ApproximateReceiveCount (this receive included): the attempt of its objects."""
    if not isinstance(attributes, dict):
        return 1
    try:
        return max(1, int(attributes.get("ApproximateReceiveCount", 1)))
    except (TypeError, ValueError):
        return 1


def is_queue(url: str, arn: str) -> bool:
    """Whether the queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>) is the queue of `arn`
    (arn:<partition>:sqs:<region>:<account>:<name>, as a Lambda trigger's records carry it)."""
    parts = arn.split(":")
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sqs":
        return False
    region, account, name = parts[3:]
    split = urlsplit(url)
    if split.path.strip("/").split("/") != [account, name]:
        return False
    host = _URL_REGION.search(split.hostname or "")
    named = (host[1] or host[2]) if host else None
    return named is None or named == region


class SqsSource:
    """Consumes one queue; N processes on the same queue split the work through SQS itself."""

    def __init__(self, sqs: Any, s3: S3Clients, queue_url: str, *, once: bool = True, wait_seconds: int = 20,
                 visibility_timeout: int = 300, max_messages: int = 10,
                 log: Callable[..., None] = lambda *a, **k: None) -> None:
        self._sqs = sqs
        self._s3 = s3
        self._queue = queue_url
        self._once = once
        # --once drains: a short poll ends the run soon after the queue is empty.
        self._wait = min(wait_seconds, ONCE_WAIT_SECONDS) if once else wait_seconds
        self._visibility = visibility_timeout
        self._max = max_messages
        self._log = log
        self._inflight: dict[str, _Message] = {}
        self._lock = threading.Lock()
        self._halt = threading.Event()
        self._heart = threading.Thread(target=self._heartbeat, name="cloudsift-sqs-heartbeat", daemon=True)

    def objects(self, stop: threading.Event) -> Iterator[ObjectRef | None]:
        """Objects named by received messages; with once, ends at the first empty receive."""
        self._heart.start()
        drained = False
        while not stop.is_set():
            if drained:  # the next receive may wait: deliver what is batched, delete what it acknowledges
                yield None
            resp = self._sqs.receive_message(QueueUrl=self._queue, MaxNumberOfMessages=self._max,
                                             WaitTimeSeconds=self._wait, VisibilityTimeout=self._visibility,
                                             AttributeNames=["ApproximateReceiveCount"])
            messages = resp.get("Messages", [])
            if not messages and self._once:
                return
            # A full receive means a backlog: keep filling batches rather than sending small ones.
            drained = len(messages) < self._max
            # Register the whole batch before the first object: all of it is in flight from now on,
            # so the heartbeat must cover messages still waiting behind a big object.
            batch: list[_Message] = []
            for state in (self._track(message) for message in messages):
                if state is not None:
                    batch.append(state)
            for state in batch:
                for bucket, key, size, region in state.objects:
                    yield ObjectRef(bucket, key, size, state, region, attempt=state.attempt)

    def _track(self, message: dict) -> _Message | None:
        created = parse_event(message.get("Body", ""))
        if created is None:
            # Not ours to judge as garbage for good: leave it, the queue's redrive policy moves it to the DLQ.
            self._log("warning", "message is not an S3 event notification; left for the queue's DLQ",
                      message_id=message.get("MessageId"))
            return None
        if not created:  # s3:TestEvent, or only deletions
            self._delete(message["ReceiptHandle"])
            return None
        state = _Message(message["ReceiptHandle"], len(created), created, receive_count(message.get("Attributes")))
        with self._lock:
            self._inflight[state.receipt] = state
        return state

    def open(self, ref: ObjectRef) -> BinaryIO:
        """The object's body, streamed, from a client signed for the bucket's region."""
        return self._s3.client(ref.bucket, ref.region).get_object(Bucket=ref.bucket, Key=ref.key)["Body"]

    def commit(self, ref: ObjectRef) -> None:
        """One object of its message is done; the last one deletes the message (unless another failed)."""
        self._settle(ref.token)

    def release(self, ref: ObjectRef, *, failed: bool) -> None:
        """Mark the message failed: it is not deleted, so SQS delivers it again (each receive is an attempt;
        on the last one the pipeline dead-letters the object instead, unless the queue's redrive is sooner)."""
        ref.token.failed = True
        self._settle(ref.token)

    def _settle(self, state: _Message) -> None:
        state.pending -= 1
        if state.pending > 0:
            return
        with self._lock:
            self._inflight.pop(state.receipt, None)
        if not state.failed:
            self._delete(state.receipt)

    def _delete(self, receipt: str) -> None:
        self._sqs.delete_message(QueueUrl=self._queue, ReceiptHandle=receipt)

    def _heartbeat(self) -> None:
        # Extend well before expiry: a third of the timeout leaves two chances to succeed.
        while not self._halt.wait(self._visibility / 3):
            with self._lock:
                receipts = list(self._inflight)
            for receipt in receipts:
                try:
                    self._sqs.change_message_visibility(QueueUrl=self._queue, ReceiptHandle=receipt,
                                                        VisibilityTimeout=self._visibility)
                except (BotoCoreError, ClientError) as exc:
                    self._log("warning", "could not extend a message's visibility", reason=str(exc))

    def close(self) -> None:
        """Stop the heartbeat; messages still in flight (interrupted) become visible again at once."""
        self._halt.set()
        with self._lock:
            receipts, self._inflight = list(self._inflight), {}
        for receipt in receipts:
            try:
                self._sqs.change_message_visibility(QueueUrl=self._queue, ReceiptHandle=receipt, VisibilityTimeout=0)
            except (BotoCoreError, ClientError) as exc:
                self._log("warning", "could not return a message to the queue", reason=str(exc))
