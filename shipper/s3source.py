"""Bucket listing: discover delivery streams, list each from its checkpoint, ship new objects in order.

One source lists one or more prefixes of a bucket (`--prefixes`: the share of the bucket assigned
to this worker), each with a checkpoint of its own, so a prefix moved to another worker resumes there.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from shipper.checkpoint import CheckpointStore, StreamMark
from shipper.objects import WHOLE, ObjectRef, Partition

# Below a stream prefix, AWS keys start with the year: that level is where time order begins.
_YEAR = re.compile(r"\d{4}/")
# Delivery layouts are at most this deep above the year (org/AWSLogs/o-id/account/service/region/acl).
MAX_DEPTH = 8


@dataclass(frozen=True, slots=True)
class Stream:
    """A prefix whose keys AWS writes in time order: all of them (`whole`), or only its own level's."""

    prefix: str
    whole: bool

    @property
    def mark(self) -> str:
        """The checkpoint's name for it. S3 keys cannot hold NUL, so a level's own objects never share a
        name with a whole stream of the same prefix."""
        return self.prefix if self.whole else self.prefix + "\x00"


def _is_folder_marker(obj: dict) -> bool:
    """An empty key ending in '/' is what the S3 console writes for "Create folder": not a log object."""
    return obj["Key"].endswith("/") and not obj.get("Size")


class S3ListingSource:
    """Lists s3://bucket/prefix for each (prefix, CheckpointStore) given: a restart resumes and the next run
    reads only new keys."""

    def __init__(self, s3: Any, bucket: str, listings: Sequence[tuple[str, CheckpointStore]], *,
                 partition: Partition = WHOLE, once: bool = True, poll_seconds: float = 60.0,
                 log: Callable[..., None] = lambda *a, **k: None) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._prefixes = [prefix for prefix, _ in listings]
        self._stores = [store for _, store in listings]
        self._partition = partition
        self._once = once
        self._poll = poll_seconds
        self._log = log
        self._marks: list[dict[str, StreamMark]] = []  # per listing: stream → mark

    def objects(self, stop: threading.Event) -> Iterator[ObjectRef | None]:
        """Every new object this partition owns, prefix by prefix and stream by stream in key order; then
        poll again unless once."""
        self._marks = [store.load() for store in self._stores]
        while not stop.is_set():
            for listing, prefix in enumerate(self._prefixes):
                for stream in self._streams(prefix, 0):
                    mark = self._marks[listing].setdefault(stream.mark, StreamMark())
                    for obj in self._list(stream, mark.after):
                        if stop.is_set():
                            return
                        key = obj["Key"]
                        if not mark.wanted(key) or not self._partition.owns(key) or _is_folder_marker(obj):
                            continue
                        if mark.full:
                            self._log("warning", "too many objects finished past one that keeps failing; stream "
                                      "paused until it succeeds", stream=f"s3://{self._bucket}/{stream.prefix}")
                            break
                        mark.issue(key)
                        yield ObjectRef(self._bucket, key, obj.get("Size", 0), (listing, stream.mark),
                                        attempt=mark.attempt(key))
            if self._once:
                return
            yield None  # about to sleep: the pipeline delivers and commits what it holds …
            self._save()  # … so the checkpoints are current while idle
            if stop.wait(self._poll):
                return

    def _save(self) -> None:
        for store, marks in zip(self._stores, self._marks):
            store.save(marks)

    def _streams(self, prefix: str, depth: int) -> Iterator[Stream]:
        """The time-ordered streams under `prefix`: a level whose children are years (or that has none) is
        one stream, listed whole; elsewhere a level's own objects are a stream and each child is explored.

        So a stray object above the year level (ELB's `ELBAccessLogTestFile`, a console folder marker)
        is a stream by itself and never turns the delivery streams beside it into one.
        """
        children: list[str] = []
        has_objects = False
        pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=prefix, Delimiter="/")
        for page in pages:
            has_objects = has_objects or any(not _is_folder_marker(o) for o in page.get("Contents", []))
            children.extend(p["Prefix"] for p in page.get("CommonPrefixes", []))
        if depth >= MAX_DEPTH or not children or any(_YEAR.fullmatch(c[len(prefix):]) for c in children):
            if has_objects or children:
                yield Stream(prefix, whole=True)
            return
        if has_objects:
            yield Stream(prefix, whole=False)
        for child in children:
            yield from self._streams(child, depth + 1)

    def _list(self, stream: Stream, after: str) -> Iterator[dict]:
        kwargs = {"Bucket": self._bucket, "Prefix": stream.prefix}
        if not stream.whole:
            kwargs["Delimiter"] = "/"
        if after:
            kwargs["StartAfter"] = after
        for page in self._s3.get_paginator("list_objects_v2").paginate(**kwargs):
            yield from page.get("Contents", [])

    def open(self, ref: ObjectRef) -> BinaryIO:
        """The object's body, streamed."""
        return self._s3.get_object(Bucket=ref.bucket, Key=ref.key)["Body"]

    def commit(self, ref: ObjectRef) -> None:
        """Advance the stream's mark; saved to Elasticsearch every few seconds and on close."""
        listing, stream = ref.token
        self._marks[listing][stream].finish(ref.key)
        self._stores[listing].changed(self._marks[listing])

    def release(self, ref: ObjectRef, *, failed: bool) -> None:
        """The mark cannot pass a released key: the next pass (or run) lists it again (a failure is counted)."""
        listing, stream = ref.token
        self._marks[listing][stream].release(ref.key, failed=failed)

    def close(self) -> None:
        """Save the marks."""
        self._save()
