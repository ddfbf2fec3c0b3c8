"""Split a CloudTrail object into raw records, streaming: a 1 GB object is never held whole.

Shapes recognized (after decompression):
- S3 delivery `{"Records":[{…},{…}]}`, compact or pretty-printed; also a bare `[{…},{…}]`;
- one JSON event per line, or concatenated (CloudWatch Logs exports, EventBridge → Firehose),
  including CloudWatch Logs subscription envelopes (`{"messageType":…,"logEvents":[…]}`);
- CloudTrail digest files (`digestStartTime`, `digestS3Object`, …): recognized and skipped.

Records are cut out of a bounded byte buffer. The fast path trusts the separator AWS writes
between records (`},{"eventVersion"`), found and confirmed natively (normalizer/native/src/
cloudtrail_cut.rs; the normalizer parses the record natively, so building Python objects here
would only be thrown away); any other layout goes through a bracket/string scanner. A record that cannot be parsed becomes a
located NormalizationError and reading resumes at the next record.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import BinaryIO

import orjson

from normalizer._native import RecordCutter
from normalizer.errors import NormalizationError
from normalizer.readers import CHUNK, DECOMPRESSION_ERRORS, MAX_RECORD_BYTES
from normalizer.records import RawRecord, Skipped

Item = RawRecord | Skipped | NormalizationError

_SEPARATOR = b'},{"eventVersion"'
# Finds the separator and confirms the cut, natively: the fast path's whole per-record work.
_CUT = RecordCutter(_SEPARATOR).cut
_RECORDS = re.compile(rb'\{\s*"Records"\s*:\s*\[')
_DIGEST_KEY = re.compile(
    rb'"(?:digestStartTime|digestEndTime|digestS3Object|digestS3Bucket|digestSignatureAlgorithm|'
    rb'digestPublicKeyFingerprint)"\s*:'
)
_DIGEST_FIELDS = frozenset({"digestStartTime", "digestEndTime", "digestS3Object", "digestS3Bucket"})
_EVENT_START = re.compile(rb'\{\s*"eventVersion"')
_NEXT_VALUE_LINE = re.compile(rb"\n[ \t\r]*[{\[]")
# A whole JSON string (group 1 is the closing quote; empty when the buffer ends first) or a bracket.
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*("?)|[{}\[\]]')
_WHITESPACE = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"
# How much of an object is looked at to tell the Records wrapper and digest files apart.
_PEEK = 4096
_OPEN = frozenset(b"{[")


class _Input:
    """A byte buffer over the stream: `buf[pos:]` is unread, `base` is the offset of `buf[0]`."""

    def __init__(self, stream: BinaryIO, source: str) -> None:
        self._read = getattr(stream, "read1", stream.read)
        self.source = source
        self.buf = b""
        self.pos = 0
        self.base = 0
        self.eof = False
        self.error: NormalizationError | None = None
        self.gave_up = False  # resynchronizing ran into the end of the input
        self.searched: dict[bytes, int] = {}  # needle → offset before which it is known absent
        # Newlines before absolute offset `counted` (line numbers for line-oriented content).
        self.newlines = 0
        self.counted = 0

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
        """Forget everything before `upto` (while skipping content that is not kept)."""
        self.line_at(upto)
        self.buf = self.buf[upto:]
        self.base += upto
        self.pos = 0

    def line_at(self, index: int) -> int:
        """The 1-based line number of `buf[index]`."""
        start = self.counted - self.base
        if index > start:
            # find is memchr-fast and an S3 Records file has no newline at all; count is not.
            if self.buf.find(b"\n", start, index) != -1:
                self.newlines += self.buf.count(b"\n", start, index)
            self.counted = self.base + index
        return self.newlines + 1

    def peek(self) -> int | None:
        """The next non-blank byte (left at `pos`), or None at the end."""
        while True:
            buf, pos = self.buf, self.pos
            while pos < len(buf) and buf[pos] in _WHITESPACE:
                pos += 1
            self.pos = pos
            if pos < len(buf):
                return buf[pos]
            self.compact()
            if not self.fill():
                return None

    def ensure(self, size: int) -> None:
        """Read until `size` bytes are buffered past `pos` (or the stream ends)."""
        while len(self.buf) - self.pos < size and self.fill():
            pass

    def located(self, reason: str, start: int, line: int, raw: bytes | None = None) -> NormalizationError:
        text = None if raw is None else raw[:1024].decode("utf-8", "replace")
        return NormalizationError(reason, source=self.source, line=line, offset=self.base + start, raw=text)


def read_records(stream: BinaryIO, source: str) -> Iterator[Item]:
    """Yield RawRecords, Skipped digests and located errors, in order.

    The native normalizer reads only a record's text; `data` is set only where the careful path
    parsed a top-level object to tell wrappers, digests and events apart.
    """
    inp = _Input(stream, source)
    inp.ensure(len(_BOM))
    if inp.buf.startswith(_BOM):
        inp.pos = len(_BOM)
    while True:
        first = inp.peek()
        if first is None:
            break
        line = inp.line_at(inp.pos)
        if first == ord("["):
            inp.pos += 1
            yield from _records(inp, wrapped=False)
            continue
        if first != ord("{"):
            yield from _resync_garbage(inp, line)
            continue
        inp.ensure(_PEEK)
        records = _RECORDS.match(inp.buf, inp.pos)
        if records:
            inp.pos = records.end()
            yield from _records(inp, wrapped=True)
        elif _is_digest(inp.buf, inp.pos):
            yield from _skip_digest(inp, line)
        else:
            yield from _top_level_object(inp, line)
    if inp.error is not None:
        yield inp.error


def _is_digest(buf: bytes, pos: int) -> bool:
    head = buf[pos : pos + _PEEK]
    return _DIGEST_KEY.search(head) is not None and _EVENT_START.match(head) is None


def _records(inp: _Input, *, wrapped: bool) -> Iterator[Item]:
    """The elements of a Records array; `pos` is just past its '['."""
    number = 0
    source = inp.source
    cut = _CUT
    # RawRecord(...) runs the NamedTuple's Python-level __new__; building the tuple directly
    # (all six fields given) costs half as much, once per record.
    new_tuple = tuple.__new__
    while True:
        # Fast path for the layout AWS writes, `{…},{"eventVersion"…`: one native call per
        # record cuts, checks and decodes it, in a tight loop over what is buffered. Anything else (the last
        # record, a bad one, a record cut by the buffer's end) goes the careful way below.
        buf, pos, base = inp.buf, inp.pos, inp.base
        if inp.searched.get(_SEPARATOR, 0) <= base + pos:
            while buf.startswith(b"{", pos):
                found = cut(buf, pos, pos + MAX_RECORD_BYTES)
                if found is None:
                    break
                end, text = found
                number += 1
                inp.pos = end + 2  # past the comma
                yield new_tuple(RawRecord, (text, source, number, base + pos, None, None))
                pos = end + 2
        inp.compact()
        first = inp.peek()
        if first is None:
            if not inp.gave_up:
                yield inp.located("truncated: the Records array is not closed", inp.pos, number + 1)
            return
        if first == ord(","):
            inp.pos += 1
            continue
        if first == ord("]") or inp.gave_up:
            inp.pos += 1
            if wrapped and inp.peek() == ord("}"):
                inp.pos += 1
            return
        number += 1
        if first != ord("{"):
            yield inp.located("expected a JSON object in the Records array", inp.pos, number)
            if not _resync_record(inp):
                return
            continue
        item = _cut(inp, number, fast=_fast_separator, resync=_resync_record)
        if item is None:
            return
        yield item


def _fast_separator(inp: _Input) -> int:
    """End of the record at `pos` by AWS's compact separator, or -1 (reading ahead a bounded amount)."""
    found = _find_ahead(inp, _SEPARATOR)
    return found + 1 if found != -1 else -1


def _fast_line(inp: _Input) -> int:
    """End of the object at `pos` by the end of its line, or -1."""
    found = _find_ahead(inp, b"\n")
    return found if found != -1 else (len(inp.buf) if inp.eof else -1)


def _find_ahead(inp: _Input, needle: bytes) -> int:
    """Index of `needle` at or after `pos`, reading up to MAX_RECORD_BYTES ahead; -1 if absent.

    Where a search failed is remembered, so a file without the needle (pretty-printed,
    one long line) is searched once in all, not once per record.
    """
    while True:
        searched = inp.searched.get(needle, 0) - inp.base
        found = inp.buf.find(needle, max(inp.pos, searched))
        if found != -1:
            return found
        inp.searched[needle] = inp.base + max(inp.pos, len(inp.buf) - len(needle) + 1)
        if len(inp.buf) - inp.pos >= MAX_RECORD_BYTES or not inp.fill():
            return -1


def _cut(
    inp: _Input, number: int, *, fast: Callable[[_Input], int], resync: Callable[[_Input], bool]
) -> RawRecord | NormalizationError | None:
    """Cut the value at `pos` out of the buffer and parse it; None when the input ended inside it."""
    start = inp.pos
    end = fast(inp)
    if end - start > MAX_RECORD_BYTES:
        inp.pos = end  # its end is known: skip exactly this record
        return inp.located(f"record longer than {MAX_RECORD_BYTES} bytes", start, number, inp.buf[start:end])
    if end > start:
        raw = inp.buf[start:end].rstrip(_WHITESPACE)
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
        else:
            inp.pos = start + len(raw)
            return _record(inp, raw, data, start, number)
    cut = end
    end = _value_end(inp, start)
    if (end is None or end < 0) and cut > start:
        # No value closes after the line the fast cut found: the line itself is the bad record
        # (one-event-per-line input), so report it and go on with the next line.
        inp.pos = cut
        return inp.located("invalid JSON: the line is not one complete JSON value", start, number, inp.buf[start:cut])
    if end is None:
        raw = inp.buf[start:]
        inp.pos = len(inp.buf)
        inp.gave_up = True
        if inp.error is None:  # a broken gzip already says why the record is cut short
            return inp.located("truncated: the input ends inside a record", start, number, raw)
        return None
    if end < 0:
        error = inp.located(f"record longer than {MAX_RECORD_BYTES} bytes", start, number, inp.buf[start:])
        inp.pos = start + 1
        inp.gave_up = not resync(inp)
        return error
    raw = inp.buf[start:end]
    inp.pos = end
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        # orjson also refuses bad UTF-8: say which of the two is wrong.
        record = _record(inp, raw, None, start, number)
        return record if isinstance(record, NormalizationError) else inp.located(
            f"invalid JSON: {exc}", start, number, raw
        )
    return _record(inp, raw, data, start, number)


def _record(inp: _Input, raw: bytes, data: object, start: int, number: int) -> RawRecord | NormalizationError:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return inp.located(f"not UTF-8 (byte {exc.start} of the record)", start, number, raw)
    return RawRecord(text, inp.source, number, inp.base + start, data)


def _value_end(inp: _Input, start: int, *, keep: bool = True) -> int | None:
    """End (exclusive) of the JSON value opening at `start`; None at end of input, -1 when too long.

    With keep=False the value is being skipped: consumed bytes are dropped as scanning goes,
    so a large skipped value never fills memory.
    """
    depth = 0
    scan = start
    while True:
        buf = inp.buf
        for match in _TOKEN.finditer(buf, scan):
            token = buf[match.start()]
            if token == 0x22:  # '"'
                if not match.group(1):
                    scan = match.start()
                    break
            elif token in _OPEN:
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    return match.end()
        else:
            scan = len(buf)
        if not keep:
            inp.discard(scan)
            start -= scan
            scan = 0
            if len(inp.buf) > MAX_RECORD_BYTES:  # one string longer than any record: not skippable
                return -1
        elif len(buf) - start > MAX_RECORD_BYTES:
            return -1
        if not inp.fill():
            return None


def _resync_record(inp: _Input) -> bool:
    """Move to the next record that starts like a CloudTrail event; False if there is none."""
    while True:
        found = _EVENT_START.search(inp.buf, inp.pos)
        if found:
            inp.pos = found.start()
            return True
        keep = max(inp.pos, len(inp.buf) - 64)  # a match may straddle the chunk boundary
        inp.discard(keep)
        if not inp.fill():
            inp.pos = len(inp.buf)
            return False


def _resync_garbage(inp: _Input, line: int) -> Iterator[Item]:
    """One error for a run of non-JSON content, then move to the next line that opens a JSON value."""
    start = inp.pos
    yield inp.located("not JSON: a CloudTrail object starts with '{' or '['", start, line, inp.buf[start : start + 200])
    _resync_line(inp)


def _resync_line(inp: _Input) -> bool:
    """Move to the next line that opens a JSON value; False if there is none."""
    while True:
        found = _NEXT_VALUE_LINE.search(inp.buf, inp.pos)
        if found:
            inp.pos = found.start() + 1
            return True
        inp.discard(max(inp.pos, len(inp.buf) - 64))
        if not inp.fill():
            inp.pos = len(inp.buf)
            return False


def _skip_digest(inp: _Input, line: int) -> Iterator[Item]:
    end = _value_end(inp, inp.pos, keep=False)
    if end is None or end < 0:
        yield inp.located("truncated or malformed digest file", inp.pos, line)
        inp.pos = len(inp.buf)
        return
    inp.pos = end
    yield Skipped(source=inp.source, reason="CloudTrail digest file")


def _top_level_object(inp: _Input, line: int) -> Iterator[Item]:
    """A JSON object outside a Records array: one event per line, or a wrapper of several."""
    start = inp.pos
    item = _cut(inp, line, fast=_fast_line, resync=_resync_line)
    if item is None:
        return
    if isinstance(item, NormalizationError) or not isinstance(item.data, dict):
        yield item
        return
    data = item.data
    if isinstance(data.get("Records"), list):  # a Records wrapper whose first key is not Records
        for number, record in enumerate(data["Records"], 1):
            yield _element(inp, record, start, number)
    elif isinstance(data.get("logEvents"), list) and "messageType" in data:
        yield from _log_events(inp, data, start, line)
    elif "eventVersion" not in data and not _DIGEST_FIELDS.isdisjoint(data):
        yield Skipped(source=inp.source, reason="CloudTrail digest file")
    else:
        yield item


def _element(inp: _Input, record: object, start: int, number: int) -> RawRecord:
    text = orjson.dumps(record).decode("utf-8")
    return RawRecord(text=text, source=inp.source, line=number, offset=inp.base + start)


def _log_events(inp: _Input, envelope: dict, start: int, line: int) -> Iterator[Item]:
    """CloudWatch Logs subscription data: each log event's message is one CloudTrail event."""
    if envelope.get("messageType") != "DATA_MESSAGE":
        yield Skipped(source=inp.source, reason="CloudWatch Logs control message")
        return
    for event in envelope["logEvents"]:
        message = event.get("message") if isinstance(event, dict) else None
        if not isinstance(message, str):
            yield inp.located("CloudWatch Logs event without a message", start, line)
            continue
        try:
            orjson.loads(message)
        except orjson.JSONDecodeError as exc:
            yield inp.located(f"invalid JSON in a CloudWatch Logs message: {exc}", start, line, message.encode())
            continue
        yield RawRecord(text=message, source=inp.source, line=line, offset=inp.base + start)
