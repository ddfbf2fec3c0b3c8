"""Sinks: where normalized documents go. Elasticsearch bulk (the product) and NDJSON (dry runs).

The Elasticsearch sink streams: documents are serialized as they arrive into batches bounded by
count AND bytes; batches are sent by `senders` background threads while the caller normalizes the
next, with at most `max_inflight` more queued, so memory stays bounded whatever the object size.
Deliveries are reported in the order entries were added, whichever request finishes first.
Every item ends as ok / duplicate (409: a replay, already indexed) / dead-lettered; retryable
items (429, 5xx) and whole-request failures (connection refused, 5xx, 429) are retried with
exponential backoff and full jitter until `retry_seconds` have passed, then the batch fails
and the objects in it are not committed (the next run or the SQS redrive replays them).
"""
from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import IO, Protocol

import orjson
from elasticsearch import ApiError, Elasticsearch, TransportError

from normalizer.ids import hashed_id
from shipper.errors import SinkError
from shipper.limits import DEFAULT_LIMITS, RETRYABLE_STATUS, Limits, backoff

OK, DUPLICATE, DEAD = "ok", "duplicate", "dead"
# Keep the response small: statuses and errors only (the ids are known, items come back in order).
# Statuses always come back, errors or not: every item sent must be accounted for by one answered.
_FILTER = "errors,items.*.status,items.*.error.type,items.*.error.reason"
# Elasticsearch refuses an _id longer than this (in UTF-8 bytes).
MAX_ID_BYTES = 512


def safe_id(doc_id: str) -> str:
    """`doc_id`, or a deterministic id derived from it when Elasticsearch would refuse its length."""
    if len(doc_id.encode("utf-8", "surrogatepass")) <= MAX_ID_BYTES:
        return doc_id
    return hashed_id("long-id", doc_id)


def action_line(index: str, doc_id: str) -> bytes:
    """A bulk `create` action line, serialized: ids come from hostile records, never formatted in."""
    return orjson.dumps({"create": {"_index": index, "_id": safe_id(doc_id)}})


class BadBulkResponse(Exception):
    """The bulk response does not account for every item sent (a proxy or a broken node answered)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One document to write: target stream, deterministic id, serialized body, owning object.

    `deadletter` turns the entry into its dead-letter document when Elasticsearch rejects it
    (given the rejection reason); None for entries that are dead-letter documents themselves.
    """

    index: str
    doc_id: str
    body: bytes
    ticket: int
    deadletter: Callable[[str], Entry] | None = None
    is_deadletter: bool = False  # delivered means dead-lettered, not indexed


@dataclass(frozen=True, slots=True)
class Delivered:
    """The final state of one entry: OK, DUPLICATE or DEAD (ended in the dead-letter stream)."""

    ticket: int
    status: str
    reason: str | None = None


class Sink(Protocol):
    """Accepts entries; reports them delivered in the order they were added."""

    retries: int  # how often delivery had to back off

    def add(self, entry: Entry) -> list[Delivered]:
        """Queue one entry; returns whatever finished meanwhile."""

    def flush(self) -> list[Delivered]:
        """Send everything queued and wait; returns the rest of the deliveries."""

    def close(self) -> None:
        """Release threads and files (after flush)."""


@dataclass(slots=True)
class _Batch:
    entries: list[Entry] = field(default_factory=list)
    size: int = 0


class ElasticsearchSink:
    """Bulk `create` with deterministic ids into data streams, from a few sender threads."""

    def __init__(self, client: Elasticsearch, limits: Limits = DEFAULT_LIMITS,
                 on_retry: Callable[[str], None] | None = None) -> None:
        # Our own backoff governs retries: the client must not retry (or sleep) on its own, but for one
        # case. Given several nodes, a node that refuses the connection is set aside and the request
        # goes at once to the next one (a node down is not a cluster overloaded: nothing to wait for).
        others = len(client.transport.node_pool) - 1
        self._client = client.options(max_retries=others, retry_on_status=(), retry_on_timeout=False)
        self._limits = limits
        self._on_retry = on_retry or (lambda message: None)
        self._batch = _Batch()
        self._pool = ThreadPoolExecutor(limits.senders, thread_name_prefix="cloudsift-bulk")
        self._inflight: deque[Future[list[Delivered]]] = deque()
        self.retries = 0

    def add(self, entry: Entry) -> list[Delivered]:
        """Queue one entry; a full batch is handed to the sender threads."""
        self._batch.entries.append(entry)
        self._batch.size += len(entry.body) + len(entry.index) + len(entry.doc_id) + 40
        if len(self._batch.entries) >= self._limits.max_docs or self._batch.size >= self._limits.max_bytes:
            return self._submit()
        return self._collect(block=False)

    def flush(self) -> list[Delivered]:
        """Send the partial batch and wait for every in-flight batch."""
        done = self._submit() if self._batch.entries else []
        while self._inflight:
            done.extend(self._inflight.popleft().result())
        return done

    def close(self) -> None:
        """Stop the sender threads."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _submit(self) -> list[Delivered]:
        entries, self._batch = self._batch.entries, _Batch()
        self._inflight.append(self._pool.submit(self._deliver, entries))
        return self._collect(block=len(self._inflight) > self._limits.max_inflight)

    def _collect(self, *, block: bool) -> list[Delivered]:
        done: list[Delivered] = []
        while self._inflight and (self._inflight[0].done() or block):
            done.extend(self._inflight.popleft().result())  # re-raises SinkError of that batch
            block = False
        return done

    # --- the sender threads -------------------------------------------------------------

    def _deliver(self, entries: list[Entry]) -> list[Delivered]:
        """Every entry to a final state, in order; SinkError when the retry budget runs out."""
        deadline = time.monotonic() + self._limits.retry_seconds
        final: dict[int, Delivered] = {}
        reasons: dict[int, str] = {}  # entries replaced by their dead-letter document
        pending = list(range(len(entries)))
        attempt = 0
        while pending:
            statuses = self._bulk([entries[i] for i in pending], deadline, attempt)
            retry: list[int] = []
            dead: list[tuple[int, str]] = []
            for i, (status, reason) in zip(pending, statuses):
                if status in (200, 201, 409):
                    kind = DEAD if i in reasons or entries[i].is_deadletter else OK if status != 409 else DUPLICATE
                    final[i] = Delivered(entries[i].ticket, kind, reasons.get(i))
                elif status in RETRYABLE_STATUS:
                    retry.append(i)
                else:
                    dead.append((i, reason))
            for i, reason in dead:
                make = entries[i].deadletter
                if make is None:  # a dead-letter document itself was refused: nowhere left to put it
                    raise SinkError(f"the dead-letter stream refused a document: {reason}", where=entries[i].index)
                entries[i] = make(reason)
                reasons[i] = reason
                retry.append(i)  # now send the dead-letter document
            pending = sorted(retry)
            if pending:
                attempt += 1
                if retry and len(dead) < len(pending):
                    self._pause(f"{len(pending) - len(dead)} item(s) refused for now", deadline, attempt)
        return [final[i] for i in range(len(entries))]

    def _bulk(self, entries: list[Entry], deadline: float, attempt: int) -> list[tuple[int, str]]:
        """One bulk request (retried whole on connection errors, 429 and 5xx): (status, reason) per item."""
        body = b"".join(b"%s\n%s\n" % (action_line(e.index, e.doc_id), e.body) for e in entries)
        while True:
            try:
                # Bytes go out as they are: the NDJSON is serialized already (the stubs know only dicts).
                resp = self._client.bulk(operations=body, filter_path=_FILTER)  # type: ignore[arg-type]
                return item_statuses(resp.body, len(entries))
            except ApiError as exc:
                if exc.meta.status not in RETRYABLE_STATUS:
                    raise SinkError(f"bulk request refused: HTTP {exc.meta.status} {exc.message}") from None
                problem = f"HTTP {exc.meta.status}"
            except TransportError as exc:  # connection refused/reset, timeout: Elasticsearch may be restarting
                problem = f"{type(exc).__name__}: {exc.message}"
            except (BadBulkResponse, ValueError) as exc:  # ValueError: a body that is not JSON
                problem = f"bad bulk response: {exc}"
            attempt += 1
            self._pause(f"bulk request failed ({problem})", deadline, attempt)

    def _pause(self, problem: str, deadline: float, attempt: int) -> None:
        self.retries += 1
        wait = backoff(attempt, self._limits)
        if time.monotonic() + wait > deadline:
            raise SinkError(f"{problem}; gave up after {self._limits.retry_seconds:.0f}s of retries")
        self._on_retry(f"{problem}; retry {attempt} in {wait:.1f}s")
        time.sleep(wait)


def item_statuses(resp: object, sent: int) -> list[tuple[int, str]]:
    """(status, reason) of each item, or BadBulkResponse unless the response answers every item sent."""
    items = resp.get("items") if isinstance(resp, dict) else None
    if not isinstance(items, list) or len(items) != sent:
        count = len(items) if isinstance(items, list) else "no"
        raise BadBulkResponse(f"{count} items answered for {sent} sent")
    out = []
    for item in items:
        result = next(iter(item.values()), None) if isinstance(item, dict) and len(item) == 1 else None
        status = result.get("status") if isinstance(result, dict) else None
        if not isinstance(status, int) or isinstance(status, bool):
            raise BadBulkResponse(f"an item without a status: {str(item)[:200]}")
        error = result.get("error")  # type: ignore[union-attr]  # result is a dict: status came from it
        if not isinstance(error, dict):
            error = {}
        out.append((status, f"{error.get('type', '')}: {error.get('reason', '')}".strip(": ")))
    return out


class NdjsonSink:
    """Writes `{"_index", "_id", "doc"}` lines to a file: a dry run that shows what would be indexed."""

    def __init__(self, path: str) -> None:
        # Appends, one write per line: workers may share the file.
        self._out: IO[bytes] = open(path, "ab")  # noqa: SIM115 - closed by close()
        self._lock = threading.Lock()
        self.retries = 0

    def add(self, entry: Entry) -> list[Delivered]:
        """Write the entry at once; it is delivered when written."""
        with self._lock:
            self._out.write(b'{"_index":%s,"_id":%s,"doc":%s}\n' % (
                orjson.dumps(entry.index), orjson.dumps(safe_id(entry.doc_id)), entry.body))
        return [Delivered(entry.ticket, OK)]

    def flush(self) -> list[Delivered]:
        """Flush the file."""
        self._out.flush()
        return []

    def close(self) -> None:
        """Close the file."""
        self._out.close()
