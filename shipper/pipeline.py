"""One worker's loop: source → route → normalize → sink, committing each object once acknowledged.

Objects are read one at a time, but batches span objects and are sent in the background, so an
object is committed when the sink has delivered its last entry, not when reading ends. A stop
request (SIGTERM/SIGINT) ends reading at the next record boundary: what was read is delivered
and committed object by object; the object being read is released, never committed partially.
"""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import BinaryIO, cast

import orjson
from botocore.exceptions import BotoCoreError, ClientError
from elasticsearch import ApiError, TransportError

from normalizer.errors import NormalizationError
from normalizer.geo.lookup import GeoIP
from normalizer.readers import MAX_OBJECT_BYTES
from normalizer.records import Normalized, RawRecord, Skipped
from normalizer.registry import LOG_TYPES, LogType
from normalizer.stream import normalize_stream
from shipper import deadletter
from shipper.errors import SinkError
from shipper.objects import ObjectRef, Source
from shipper.routing import SKIP, Router
from shipper.sink import DEAD, DUPLICATE, OK, Delivered, Entry, Sink
from shipper.templates import DEADLETTER_DATASET, data_stream, deadletter_stream, stream_fields

# How often (in records) reading checks for a stop request.
STOP_CHECK_EVERY = 256
# What listing or receiving may raise (permissions, a missing bucket or queue): the run stops.
SOURCE_ERRORS = (OSError, BotoCoreError, ClientError)


@dataclass(slots=True)
class Stats:
    """Running counters of one worker (summed across workers for the summary)."""

    objects: int = 0
    records: int = 0
    bytes: int = 0
    indexed: int = 0
    duplicates: int = 0
    deadlettered: int = 0
    skipped: int = 0
    unroutable: int = 0
    failed_objects: int = 0  # released after a failure: tried again by the next pass, run or delivery
    objects_deadlettered: int = 0  # failed on their last attempt: dead-lettered by key, committed
    retries: int = 0
    fatal: int = 0  # the run stopped early: Elasticsearch or the source failed past retrying
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """Counters as a JSON-ready dict (errors capped: a summary is not a log)."""
        out = {k: getattr(self, k) for k in self.__slots__ if k != "errors"}
        out["errors"] = self.errors[:20]
        return out


@dataclass(slots=True)
class _Open:
    ref: ObjectRef
    pending: int = 0
    reading: bool = True
    interrupted: bool = False


class _Counted:
    """An object's stream that adds what is read to `stats.bytes`: progress moves within a big object."""

    def __init__(self, stream: BinaryIO, stats: Stats) -> None:
        self._stream = stream
        self._stats = stats

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._stats.bytes += len(data)
        return data


class Shipper:
    """Runs one worker until the source is drained or `stop` is set."""

    def __init__(self, source: Source, sink: Sink, router: Router, namespace: str, *,
                 stop: threading.Event, log: Callable[..., None], original: bool = False,
                 object_attempts: int = 3, max_object_bytes: int = MAX_OBJECT_BYTES,
                 progress: Callable[[Stats], None] = lambda stats: None,
                 apps: dict[str, LogType] | None = None, geoip: GeoIP | None = None) -> None:
        self._source = source
        self._sink = sink
        self._router = router
        self._namespace = namespace
        self._deadletter = deadletter_stream(namespace)
        # Route name → log type: the registered ones, and each configured application's (config.applog_types).
        self._kinds = {**LOG_TYPES, **(apps or {})}
        if geoip is not None:
            self._kinds = {name: geoip.enriching(kind) for name, kind in self._kinds.items()}
        self._streams = {d: data_stream(d, namespace) for kind in self._kinds.values() for d in kind.datasets}
        # What each stream's documents start with: their data_stream.* (serialized once, never from input).
        self._heads = {stream: orjson.dumps({"data_stream": stream_fields(d, namespace)})[:-1] + b',"event.ingested":'
                       for d, stream in [*self._streams.items(), (DEADLETTER_DATASET, self._deadletter)]}
        self._ingested = b""
        self._stop = stop
        self._log = log
        self._original = original
        self._attempts = object_attempts
        self._max_bytes = max_object_bytes
        self._progress = progress
        self._open: dict[int, _Open] = {}
        self._next_ticket = 0
        self.stats = Stats()

    def run(self) -> Stats:
        """Ship every object; a SinkError (Elasticsearch gone past the retry budget) ends the run."""
        try:
            for ref in self._source.objects(self._stop):
                if self._stop.is_set():
                    break
                if ref is None:  # the source is about to wait: deliver and commit what is batched
                    self._deliver(self._sink.flush())
                    continue
                self._ship(ref)
            self._deliver(self._sink.flush())
        except SinkError as exc:
            self._fail_all(f"Elasticsearch: {exc}")
        except SOURCE_ERRORS as exc:
            self._fail_all(f"source: {type(exc).__name__}: {exc}")
        except (ApiError, TransportError) as exc:  # the checkpoint index could not be read
            self._fail_all(f"checkpoint: {exc}")
        finally:
            self._sink.close()
            try:
                self._source.close()
            except SinkError as exc:  # the final checkpoint could not be saved
                self._fail_all(f"checkpoint: {exc}")
            self.stats.retries = self._sink.retries
        return self.stats

    def _ship(self, ref: ObjectRef) -> None:
        ticket = self._next_ticket
        self._next_ticket += 1
        current = self._open[ticket] = _Open(ref)
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        self._ingested = orjson.dumps(now) + b","  # per object: the time its records reach the sink
        route = self._router.route(ref.bucket, ref.key)
        try:
            if route.log_type is None:
                self.stats.unroutable += 1
                self._report("unroutable", ref, route.rule)
                self._dead(ticket, current, deadletter.ROUTE, route.rule, ref, None)
            elif route.log_type == SKIP:
                self.stats.skipped += 1
            else:
                self._read(ticket, current, ref, route.log_type)
        except SinkError:
            raise  # Elasticsearch is gone: the run's failure, not this object's
        except Exception as exc:  # noqa: BLE001  whatever else one object raises is that object's failure
            if not self._failed(ticket, current, ref, route.log_type, exc):
                return
        if current.interrupted:  # interrupted by a stop request: never commit a partial object
            self._release(ticket, failed=False)
            return
        current.reading = False
        self.stats.objects += 1
        self._finish(ticket)
        self._progress(self.stats)

    def _failed(self, ticket: int, current: _Open, ref: ObjectRef, log_type: str | None, exc: Exception) -> bool:
        """Release `ref` to be tried again, or past its last attempt dead-letter it by key (True: commit it)."""
        reason = f"{type(exc).__name__}: {exc}"
        if ref.attempt < self._attempts:
            self._report(f"read failed (attempt {ref.attempt} of {self._attempts}; tried again later)", ref, reason)
            self._release(ticket, failed=True)
            return False
        self.stats.objects_deadlettered += 1
        self._report(f"object dead-lettered after {ref.attempt} attempts", ref, reason)
        current.interrupted = False  # what was read of it is delivered; the dead letter says the rest is missing
        self._dead(ticket, current, deadletter.OBJECT, f"{reason} (attempt {ref.attempt} of {self._attempts})",
                   ref, log_type)
        return True

    def _read(self, ticket: int, current: _Open, ref: ObjectRef, log_type: str) -> None:
        # closing(), not `with stream`: a boto3 body's __enter__ hands out the raw HTTP response, whose
        # reads skip botocore's Content-Length and checksum checks, so a cut download would read as
        # a truncated (corrupt) object instead of failing as a read.
        with contextlib.closing(self._source.open(ref)) as stream:
            counted = cast(BinaryIO, _Counted(stream, self.stats))  # readers need only read()
            for n, result in enumerate(normalize_stream(counted, self._kinds[log_type], ref.url, original=self._original,
                                                                   max_bytes=self._max_bytes)):
                if isinstance(result, Normalized):
                    self.stats.records += 1
                    target = self._stream_of(result.dataset, log_type)
                    self._add(ticket, current, Entry(
                        target, result.doc_id, self._stamped(target, result.body), ticket,
                        self._rejected_by_es(ticket, ref, log_type, result.record)))
                elif isinstance(result, NormalizationError):
                    self.stats.records += 1
                    # A normalizer error names the object by its URL; people see a local file by its path.
                    self._report("record rejected", ref, str(result).replace(ref.url, ref.shown, 1))
                    # n: several bad records may share a line and offset (one line of Records, an envelope)
                    self._dead(ticket, current, deadletter.NORMALIZE, result.reason, ref, log_type,
                               line=result.line, offset=result.offset, raw=result.raw, ordinal=n)
                elif isinstance(result, Skipped):
                    self.stats.skipped += result.count
                if n % STOP_CHECK_EVERY == 0:
                    self._progress(self.stats)
                    if self._stop.is_set():
                        current.interrupted = True
                        return

    def _stamped(self, stream: str, body: bytes) -> bytes:
        """`body` with what an ingest pipeline adds on a full cluster (the test distribution has none):
        data_stream.* and event.ingested, as the document's first keys (`event.ingested` dotted: the
        normalizer's `event` object stays as it is; Elasticsearch maps both as one `event`)."""
        return self._heads[stream] + self._ingested + body[1:]

    def _stream_of(self, dataset: str, log_type: str) -> str:
        return self._streams.get(dataset) or self._streams[self._kinds[log_type].datasets[0]]

    def _rejected_by_es(self, ticket: int, ref: ObjectRef, log_type: str, record: RawRecord) -> Callable[[str], Entry]:
        def make(reason: str) -> Entry:
            doc_id, body = deadletter.document(deadletter.INDEX, reason, ref, log_type, line=record.line,
                                               offset=record.offset, raw=record.raw_excerpt(), ordinal=record.part)
            return Entry(self._deadletter, doc_id, self._stamped(self._deadletter, body), ticket, is_deadletter=True)
        return make

    def _dead(self, ticket: int, current: _Open, stage: str, reason: str, ref: ObjectRef, log_type: str | None,
              **where: object) -> None:
        doc_id, body = deadletter.document(stage, reason, ref, log_type, **where)  # type: ignore[arg-type]
        self._add(ticket, current, Entry(self._deadletter, doc_id, self._stamped(self._deadletter, body), ticket,
                                         is_deadletter=True))

    def _add(self, ticket: int, current: _Open, entry: Entry) -> None:
        current.pending += 1
        self._deliver(self._sink.add(entry))

    def _deliver(self, delivered: list[Delivered]) -> None:
        for item in delivered:
            if item.status == OK:
                self.stats.indexed += 1
            elif item.status == DUPLICATE:
                self.stats.duplicates += 1
            elif item.status == DEAD:
                self.stats.deadlettered += 1
            current = self._open.get(item.ticket)
            if current is not None:
                current.pending -= 1
                self._finish(item.ticket)

    def _finish(self, ticket: int) -> None:
        current = self._open[ticket]
        if current.pending == 0 and not current.reading:
            del self._open[ticket]
            self._source.commit(current.ref)

    def _release(self, ticket: int, *, failed: bool) -> None:
        current = self._open.pop(ticket)
        if failed:
            self.stats.failed_objects += 1
        self._source.release(current.ref, failed=failed)

    def _fail_all(self, reason: str) -> None:
        self.stats.fatal += 1
        self.stats.errors.append(reason)
        left = len(self._open)
        self._log("error", f"run stopped; {left} uncommitted objects stay for the next run" if left else
                  "run stopped", reason=reason)
        for ticket in list(self._open):
            self._release(ticket, failed=True)

    def _report(self, what: str, ref: ObjectRef, reason: str) -> None:
        if len(self.stats.errors) < 1000:
            self.stats.errors.append(f"{ref.shown}: {what}: {reason}")
        self._log("warning", what, object=ref.shown, reason=reason)
