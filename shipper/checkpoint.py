"""Durable, bounded bucket-listing state in an Elasticsearch index, so any worker anywhere can resume.

S3 lists keys in lexicographic order and AWS writes time-ordered keys under each delivery stream
(`AWSLogs/<account>/CloudTrail/<region>/` then YYYY/MM/DD/…). So per stream a high-water key
(`after`: every key up to it that this partition owns is done) plus the few keys finished out of
order past it (`done`) say everything; their size depends on the number of streams and on how many
objects are in flight, never on how many objects the bucket has ever held.
"""
from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

import orjson
from elasticsearch import ApiError, Elasticsearch, TransportError

from normalizer.ids import hashed_id
from shipper.errors import SinkError
from shipper.limits import RETRYABLE_STATUS, backoff
from shipper.objects import Partition
from shipper.routing import Override

STATE_MAPPINGS = {"dynamic": False, "properties": {"scope": {"type": "keyword"}, "updated": {"type": "date"}}}
T = TypeVar("T")
# Past this many keys finished out of order (one object keeps failing), stop reading that stream.
MAX_WINDOW = 10_000


def listing_scope(bucket: str, prefix: str, partition: Partition, namespace: str, routes: Iterable[Override]) -> str:
    """What a bucket listing's checkpoint belongs to: everything that makes a run's output different.

    The namespace (other data streams) and the routing overrides (other log types) are part of it, so
    shipping the same bucket into another namespace, or with other routes, starts from the beginning.
    """
    overrides = orjson.dumps([[o.prefix, o.log_type, o.bucket] for o in routes]).decode()
    return f"s3://{bucket}/{prefix}#{partition}@{namespace}#routes={overrides}"


@dataclass(slots=True)
class StreamMark:
    """One stream's position: keys <= after are done, plus `done` keys past it; `issued` is in memory."""

    after: str = ""
    done: set[str] = field(default_factory=set)
    order: deque[str] = field(default_factory=deque)  # keys handed out, in listing order, not yet passed
    state: dict[str, str] = field(default_factory=dict)  # key → open | released | done
    failures: dict[str, int] = field(default_factory=dict)  # failed attempts of keys not done yet (persisted)

    def wanted(self, key: str) -> bool:
        """Whether a listed key should be handed out (again): new, or released after a failure."""
        return key not in self.done and self.state.get(key, "released") == "released"

    def issue(self, key: str) -> None:
        """`key` was handed out."""
        if key not in self.state:
            self.order.append(key)
        self.state[key] = "open"

    def release(self, key: str, *, failed: bool = True) -> None:
        """`key` failed (or was interrupted): it blocks the mark and is handed out again on the next pass."""
        self.state[key] = "released"
        if failed:
            self.failures[key] = self.failures.get(key, 0) + 1

    def attempt(self, key: str) -> int:
        """The attempt that handing `key` out now would be (1: never failed)."""
        return self.failures.get(key, 0) + 1

    def finish(self, key: str) -> None:
        """`key` is committed: advance the mark over every finished key at the front."""
        self.state[key] = "done"
        self.done.add(key)
        self.failures.pop(key, None)
        while self.order and self.state[self.order[0]] == "done":
            self.after = self.order.popleft()
            del self.state[self.after]
        self.done = {k for k in self.done if k > self.after}

    @property
    def full(self) -> bool:
        return len(self.done) >= MAX_WINDOW


class CheckpointStore:
    """Loads and saves one scope's stream marks (scope = bucket + prefix + partition) as one document."""

    def __init__(self, client: Elasticsearch, index: str, scope: str, save_every: float = 2.0,
                 retry_seconds: float = 900.0) -> None:
        self._client = client
        self._index = index
        self._scope = scope
        self._id = hashed_id("checkpoint", scope)
        self._save_every = save_every
        self._retry_seconds = retry_seconds
        self._saved_at = 0.0
        self._dirty = False

    def load(self) -> dict[str, StreamMark]:
        """The stored marks, creating the state index on first use."""
        def read() -> dict:
            self._client.options(ignore_status=400).indices.create(index=self._index, mappings=STATE_MAPPINGS)
            # Another worker may have just created it: its shard may not serve reads yet (503, retried).
            return self._client.options(ignore_status=404).get(index=self._index, id=self._id).body

        found = self._retrying("read", read)
        if not found.get("found"):
            return {}
        return {s["prefix"]: StreamMark(s["after"], set(s["done"]), failures=dict(s.get("failures", [])))
                for s in found["_source"].get("streams", [])}

    def changed(self, marks: dict[str, StreamMark]) -> None:
        """Note a change; saves at most every `save_every` seconds (a replay of the rest is harmless)."""
        self._dirty = True
        if time.monotonic() - self._saved_at >= self._save_every:
            self.save(marks)

    def save(self, marks: dict[str, StreamMark]) -> None:
        """Write the marks now (if anything changed)."""
        if not self._dirty:
            return
        streams = [{"prefix": p, "after": m.after, "done": sorted(m.done), "failures": sorted(m.failures.items())}
                   for p, m in sorted(marks.items())]
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        doc = {"scope": self._scope, "updated": now, "streams": streams}
        self._retrying("save", lambda: self._client.index(index=self._index, id=self._id, document=doc))
        self._saved_at = time.monotonic()
        self._dirty = False

    def _retrying(self, what: str, call: Callable[[], T]) -> T:
        """Same policy as the sink: Elasticsearch restarting or overloaded (429/5xx) is waited out."""
        deadline = time.monotonic() + self._retry_seconds
        attempt = 0
        while True:
            try:
                return call()
            except (ApiError, TransportError) as exc:
                status = exc.meta.status if isinstance(exc, ApiError) else None
                attempt += 1
                wait = backoff(attempt)
                if (isinstance(exc, ApiError) and status not in RETRYABLE_STATUS) or \
                        time.monotonic() + wait > deadline:
                    raise SinkError(f"cannot {what} the checkpoint: {exc}", where=self._index) from None
                time.sleep(wait)
