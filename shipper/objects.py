"""What sources hand out: references to objects, and the Source protocol (directory, S3 listing, SQS)."""
from __future__ import annotations

import dataclasses
import hashlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from shipper.errors import ShipperError


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """One object to ship. `token` is the source's own bookkeeping (an SQS message, a stream)."""

    bucket: str
    key: str
    size: int = 0
    token: Any = None
    region: str | None = None  # what a notification said about the bucket's region, if anything
    attempt: int = 1  # how many times this object has been handed out, this time included
    path: str | None = None  # a local file's path: what messages show instead of the URL

    @property
    def url(self) -> str:
        """The object's identity (ids hash it): a local mirror of a bucket gives the bucket's ids."""
        return f"s3://{self.bucket}/{self.key}"

    @property
    def shown(self) -> str:
        """Where the object is, for people: its path for a local file, else its URL."""
        return self.path or self.url


@dataclass(frozen=True, slots=True)
class Partition:
    """Worker `index` of `count` takes the keys whose stable hash falls to it (no coordination)."""

    index: int = 0
    count: int = 1

    def owns(self, key: str) -> bool:
        """Whether this worker handles `key` (blake2b, so every process and machine agrees)."""
        if self.count == 1:
            return True
        digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        return int.from_bytes(digest, "big") % self.count == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @classmethod
    def parse(cls, text: str | None) -> Partition:
        """`I/N` (already validated by the config), or the whole key space for None."""
        if text is None:
            return cls()
        index, count = text.split("/")
        return cls(int(index), int(count))


WHOLE = Partition()


def _text(name: str) -> str:
    """A file name as text: names need not be UTF-8 (S3 keys always are), so undecodable bytes show
    as \\xNN in keys, logs and dead letters; the file itself is opened by its real path."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class Source(Protocol):
    """Hands out objects and learns their fate: committed (all records acknowledged) or released."""

    def objects(self, stop: threading.Event) -> Iterator[ObjectRef | None]:
        """The objects to ship, until drained (--once) or `stop` is set; None: nothing more for now.

        A source yields None before it waits for new objects (a long poll, the listing interval),
        so the pipeline delivers its partial batch and commits instead of holding it while idle.
        """

    def open(self, ref: ObjectRef) -> BinaryIO:
        """The object's bytes as a stream (never read whole: objects may be huge)."""

    def commit(self, ref: ObjectRef) -> None:
        """Every record of `ref` is acknowledged by the sink: never deliver it again."""

    def release(self, ref: ObjectRef, *, failed: bool) -> None:
        """`ref` failed (counts as an attempt) or was interrupted: leave it to be delivered again."""

    def close(self) -> None:
        """Persist what must survive (checkpoints) and stop background threads."""


class DirectorySource:
    """A local directory laid out like a bucket (keys are relative paths), or one file: the demo and tests.

    The directory's name is the bucket, so a local copy of a bucket gets the same document ids as the
    bucket itself. A single file below an `AWSLogs/` folder is keyed from there (bucket: the folder
    above it), so it routes by its AWS layout; any other file is keyed by its name alone.
    """

    def __init__(self, root: Path, partition: Partition = WHOLE) -> None:
        if not (root.is_dir() or root.is_file()):
            raise ShipperError("no such file or directory", where=str(root))
        self._root = root
        self._bucket = root.resolve().name
        self._partition = partition
        self._failed: list[ObjectRef] = []

    def objects(self, stop: threading.Event) -> Iterator[ObjectRef]:
        """Every file under the root in key order, then the ones that failed again (a directory has no
        notifications: always --once, and a run is the only chance a file gets)."""
        for bucket, key, path in self._files():
            if stop.is_set():
                return
            if self._partition.owns(key):
                yield ObjectRef(bucket, key, path.stat().st_size, path, path=_text(str(path)))
        # Bounded: the pipeline dead-letters an object on its last attempt instead of releasing it.
        while self._failed and not stop.is_set():
            ref = self._failed.pop(0)
            yield dataclasses.replace(ref, attempt=ref.attempt + 1)

    def _files(self) -> Iterator[tuple[str, str, Path]]:
        """(bucket, key, path) of every file to ship, in key order."""
        if self._root.is_file():
            parts = self._root.resolve().parts
            top = max((i for i, part in enumerate(parts) if part == "AWSLogs"), default=None)
            if top is not None and top > 1:
                yield parts[top - 1], _text("/".join(parts[top:])), self._root
            else:
                yield self._root.resolve().parent.name, _text(self._root.name), self._root
            return
        for path in self._walk(self._root):
            yield self._bucket, _text(path.relative_to(self._root).as_posix()), path

    def _walk(self, folder: Path) -> Iterator[Path]:
        # Sorted like an S3 listing; symlinks are not followed (a loop would never end).
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                yield from self._walk(Path(entry.path))
            elif entry.is_file(follow_symlinks=False) and not entry.name.startswith("."):
                yield Path(entry.path)

    def open(self, ref: ObjectRef) -> BinaryIO:
        """The file, opened for binary reading."""
        return open(ref.token, "rb")

    def commit(self, ref: ObjectRef) -> None:
        """Nothing to remember: a directory run is always a full pass (ids make replays harmless)."""

    def release(self, ref: ObjectRef, *, failed: bool) -> None:
        """A failed file is tried again at the end of the pass."""
        if failed:
            self._failed.append(ref)

    def close(self) -> None:
        """Nothing to persist."""
