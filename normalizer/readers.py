"""Split a raw object (a binary stream, gzip or plain) into lines, treating input as hostile."""
from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from normalizer.errors import NormalizationError

GZIP_MAGIC = b"\x1f\x8b"
# A record longer than this is rejected, not parsed: AWS never writes one, an attacker might.
MAX_RECORD_BYTES = 1024 * 1024
CHUNK = 1024 * 1024
# What a broken gzip member raises while being read.
DECOMPRESSION_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile)


def open_object(stream: BinaryIO) -> BinaryIO:
    """The decompressed view of `stream`: gzip is recognized by its magic bytes, not the name."""
    buffered = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(_Raw(stream), CHUNK)
    if buffered.peek(2)[:2] == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[return-value]
    return buffered


class _Raw(io.RawIOBase):
    """Adapts any object with read() (a boto3 StreamingBody, a pipe) for io.BufferedReader."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def iter_lines(stream: BinaryIO, source: str) -> Iterator[tuple[int, int, str] | NormalizationError]:
    """Yield (line number, byte offset, text) for each non-blank line.

    A line that is not UTF-8 or is longer than MAX_RECORD_BYTES becomes a NormalizationError
    and reading goes on; a broken compressed stream ends with one error naming the offset.
    """
    offset = 0
    number = 0
    while True:
        try:
            line = stream.readline(MAX_RECORD_BYTES + 1)
        except DECOMPRESSION_ERRORS as exc:
            yield NormalizationError(f"corrupt or truncated compressed data: {exc}", source=source, line=number + 1, offset=offset)
            return
        if not line:
            return
        number += 1
        start = offset
        offset += len(line)
        if len(line) > MAX_RECORD_BYTES and not line.endswith(b"\n"):
            skipped = _skip_rest_of_line(stream)
            if isinstance(skipped, NormalizationError):
                yield skipped.located(source=source, line=number, offset=start, raw=None)
                return
            offset += skipped
            yield NormalizationError(
                f"record longer than {MAX_RECORD_BYTES} bytes", source=source, line=number, offset=start,
                raw=line[:1024].decode("utf-8", "replace"),
            )
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield NormalizationError(
                f"not UTF-8 (byte {exc.start} of the line)", source=source, line=number, offset=start,
                raw=line.decode("utf-8", "replace"),
            )
            continue
        text = text.strip()
        if text:
            yield number, start, text


def _skip_rest_of_line(stream: BinaryIO) -> int | NormalizationError:
    skipped = 0
    try:
        while True:
            part = stream.readline(CHUNK)
            skipped += len(part)
            if not part or part.endswith(b"\n"):
                return skipped
    except DECOMPRESSION_ERRORS as exc:
        return NormalizationError(f"corrupt or truncated compressed data: {exc}")
