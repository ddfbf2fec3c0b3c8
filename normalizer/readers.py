"""Split a raw object (a binary stream, gzip or plain) into lines, treating input as hostile."""
from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from normalizer.errors import NormalizationError, ReadError

GZIP_MAGIC = b"\x1f\x8b"
# A record longer than this is rejected, not parsed: AWS never writes one, an attacker might.
MAX_RECORD_BYTES = 1024 * 1024
# An object decompressing to more than this ends with an error: far above any AWS log object
# (the benchmark streams a 1 GiB CloudTrail object), far below what a gzip bomb expands to.
MAX_OBJECT_BYTES = 4 * 1024**3
CHUNK = 1024 * 1024
# What a broken gzip member raises while being read.
DECOMPRESSION_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile)
# Bytes a blank line may hold (what bytes.strip() removes).
BLANK = b" \t\r\n\x0b\x0c"
# How much of a rejected record's text its error keeps (the dead-letter index stores it).
EXCERPT = 1024
# First looked at for the end of a run of blanks (pretty-printing indents by a few bytes).
_SHORT_RUN = 256


def open_object(stream: BinaryIO, source: str, max_bytes: int = MAX_OBJECT_BYTES) -> BinaryIO:
    """The decompressed view of `stream`, at most `max_bytes` long (reading past them raises a
    NormalizationError naming the limit): gzip is recognized by its magic bytes, not the name."""
    # A stream that buffers already (a file) gets a small buffer here: no second big read-ahead.
    raw_chunk = io.DEFAULT_BUFFER_SIZE if isinstance(stream, io.BufferedIOBase) else CHUNK
    buffered = io.BufferedReader(_Raw(stream), raw_chunk)
    decompressed: BinaryIO = buffered
    if buffered.peek(2)[:2] == GZIP_MAGIC:
        decompressed = gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[assignment]
    return io.BufferedReader(_Capped(decompressed, source, max_bytes), CHUNK)


class _Raw(io.RawIOBase):
    """Adapts any object with read() (a boto3 StreamingBody, a file) for io.BufferedReader; what its read()
    raises is a ReadError, so a download cut short is never mistaken for corrupt content."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self._stream.read(len(buffer))
        except Exception as exc:
            raise ReadError(f"{type(exc).__name__}: {exc}") from exc
        buffer[: len(data)] = data
        return len(data)


class _Capped(io.RawIOBase):
    """The first `limit` bytes of a decompressed stream; one byte more is an error, so a gzip bomb
    costs at most `limit` bytes of work, whichever reader reads it."""

    def __init__(self, stream: BinaryIO, source: str, limit: int) -> None:
        self._stream = stream
        self._source = source
        self._left = limit
        self._limit = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._left <= 0:
            if self._stream.read(1):
                raise NormalizationError(
                    f"object larger than the limit of {self._limit} bytes decompressed (max_bytes); "
                    "the rest is not read", source=self._source, offset=self._limit,
                )
            return 0
        # read1: what one decompression step gives, so the data before a corrupt spot still arrives.
        data = self._stream.read1(min(len(buffer), self._left))  # type: ignore[attr-defined]
        buffer[: len(data)] = data
        self._left -= len(data)
        return len(data)


def iter_lines(stream: BinaryIO, source: str) -> Iterator[tuple[int, int, str] | NormalizationError]:
    """Yield (line number, byte offset, text) for each non-blank line of a decompressed object
    (`open_object`'s view: it can peek).

    A line that is not UTF-8 or is longer than MAX_RECORD_BYTES becomes a NormalizationError
    and reading goes on; a broken compressed stream ends with one error naming the offset.
    A run of blank lines is skipped a buffer at a time: a line at a time, a gigabyte of newlines
    would cost minutes.
    """
    offset = 0
    number = 0
    readline = stream.readline
    while True:
        try:
            line = readline(MAX_RECORD_BYTES + 1)
            if line.isspace():
                blank, newlines = _skip_blank_lines(stream)
                number += 1 + newlines
                offset += len(line) + blank
                continue
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


def first_non_blank(data: bytes, start: int, blank: bytes = BLANK) -> int:
    """Index of the first byte at or after `start` not in `blank` (len(data) when there is none).

    C-speed whatever the run's length (a gigabyte of spaces must cost about its decompression),
    and nothing copied when there is nothing to skip (the common case, once per record).
    """
    if start >= len(data) or data[start] not in blank:
        return start
    window = data[start : start + _SHORT_RUN]
    rest = window.lstrip(blank)
    if rest or len(window) < _SHORT_RUN:
        return start + len(window) - len(rest)
    return len(data) - len(data[start:].lstrip(blank))


def _skip_blank_lines(stream: BinaryIO) -> tuple[int, int]:
    """Consume the blank lines ahead, up to the start of the next line with content: (bytes, newlines)."""
    skipped = newlines = 0
    while True:
        ahead = stream.peek(CHUNK)  # type: ignore[attr-defined]
        if not ahead:
            return skipped, newlines
        content = first_non_blank(ahead, 0)
        upto = len(ahead) if content == len(ahead) else ahead.rfind(b"\n", 0, content) + 1
        if upto:
            newlines += ahead.count(b"\n", 0, upto)
            skipped += upto
            stream.read(upto)
        if content < len(ahead):
            return skipped, newlines


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


class ByteInput:
    """A byte buffer over a (decompressed) stream for the readers that cut records out of bytes:
    `buf[pos:]` is unread, `base` is the absolute offset of `buf[0]`, line numbers are counted lazily."""

    def __init__(self, stream: BinaryIO, source: str) -> None:
        self._read = getattr(stream, "read1", stream.read)
        self.source = source
        self.buf = b""
        self.pos = 0
        self.base = 0
        self.eof = False
        self.error: NormalizationError | None = None
        self._newlines = 0  # newlines before absolute offset `_counted`
        self._counted = 0

    def fill(self) -> bool:
        """Append about one chunk; False at the end (a broken compressed stream ends it, remembered).

        read1 hands out what is decompressed so far, so the records before a truncation or
        corruption are still read; pieces are joined once per chunk to keep copying linear.
        """
        if self.eof:
            return False
        pieces: list[bytes] = []
        size = 0
        try:
            while size < CHUNK:
                piece = self._read(CHUNK - size)
                if not piece:
                    self.eof = True
                    break
                pieces.append(piece)
                size += len(piece)
        except DECOMPRESSION_ERRORS as exc:
            self.eof = True
            self.error = NormalizationError(
                f"corrupt or truncated compressed data: {exc}", source=self.source, offset=self.base + len(self.buf) + size
            )
        if not pieces:
            return False
        self.buf += b"".join(pieces)
        return True

    def compact(self) -> None:
        """Forget what has been read once it is a chunk's worth (keeps memory bounded)."""
        if self.pos >= CHUNK:
            self.discard(self.pos)

    def discard(self, upto: int) -> None:
        """Forget `buf[:upto]` (counting its lines first)."""
        self.line_at(upto)
        self.buf = self.buf[upto:]
        self.base += upto
        self.pos -= min(upto, self.pos)

    def line_at(self, index: int) -> int:
        """The 1-based line number of `buf[index]`."""
        start = self._counted - self.base
        if index > start:
            # find is memchr-fast and an S3 Records file has no newline at all; count is not.
            if self.buf.find(b"\n", start, index) != -1:
                self._newlines += self.buf.count(b"\n", start, index)
            self._counted = self.base + index
        return self._newlines + 1

    def located(self, reason: str, start: int, line: int, raw: bytes | None = None) -> NormalizationError:
        """An error about the content at `buf[start]`."""
        return self.error_at(reason, self.base + start, line, raw)

    def error_at(self, reason: str, offset: int, line: int, raw: bytes | None) -> NormalizationError:
        """An error about the content at absolute `offset`."""
        text = None if raw is None else raw[:EXCERPT].decode("utf-8", "replace")
        return NormalizationError(reason, source=self.source, line=line, offset=offset, raw=text)
