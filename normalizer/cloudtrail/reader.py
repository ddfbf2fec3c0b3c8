"""Split a CloudTrail object into raw records, streaming: a 1 GB object is never held whole.

Shapes recognized (after decompression):
- S3 delivery `{"Records":[{…},{…}]}`, compact or pretty-printed; also a bare `[{…},{…}]`;
- one JSON event per line, or concatenated (CloudWatch Logs exports, EventBridge → Firehose),
  including CloudWatch Logs subscription envelopes (`{"messageType":…,"logEvents":[…]}`);
- CloudTrail digest files (`digestStartTime`, `digestS3Object`, …): recognized and skipped.

Records are cut out of a bounded byte buffer. The fast path trusts the separator AWS writes
between records (`},{"eventVersion"`), found and confirmed natively (normalizer/native/src/
cloudtrail/reader.rs; the normalizer parses the record natively, so building Python objects here
would only be thrown away). Anything else follows JSON structure (the native `Scanner`: strings,
escapes, brackets, across buffers), never a search for what a record looks like: every element
of a Records array is exactly one outcome, a record or a located error, and a bad or oversized
element is skipped to its real end, so nothing inside a record is ever taken for a record.
Outside a Records array, an object whose first value fills its line is read line by line (a
bad line is a bad record); any other layout is followed by structure too.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import orjson

from normalizer._native import RecordCutter, Scanner
from normalizer.errors import NormalizationError
from normalizer.readers import EXCERPT, MAX_RECORD_BYTES, ByteInput, first_non_blank
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
_WHITESPACE = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"
# How much of an object is looked at to tell the Records wrapper and digest files apart.
_PEEK = 4096
# What an array element that is not an object is, by its first byte (for the error message).
_KINDS = {ord('"'): "a string", ord("["): "an array", ord("n"): "null", ord("t"): "a boolean", ord("f"): "a boolean",
          **{c: "a number" for c in b"-0123456789"}}


class _Input(ByteInput):
    """The CloudTrail reader's buffer: what it remembers of a search, and whether records are one a line."""

    def __init__(self, stream: BinaryIO, source: str) -> None:
        super().__init__(stream, source)
        self.searched: dict[bytes, int] = {}  # needle → offset before which it is known absent
        # Outside a Records array: True once a value filled its line (one record per line, so a
        # bad line is a bad record), False once one did not (values are followed by structure).
        self.lines: bool | None = None

    def abandon(self) -> None:
        """Read no further: what follows cannot be told apart into records (its error says so)."""
        self.buf = b""
        self.pos = 0
        self.eof = True

    def peek(self) -> int | None:
        """The next non-blank byte (left at `pos`), or None at the end."""
        while True:
            self.pos = first_non_blank(self.buf, self.pos, _WHITESPACE)
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            self.compact()
            if not self.fill():
                return None

    def ensure(self, size: int) -> None:
        """Read until `size` bytes are buffered past `pos` (or the stream ends)."""
        while len(self.buf) - self.pos < size and self.fill():
            pass


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
    """The elements of a Records array, each exactly one record or error; `pos` is just past its '['."""
    number = 0
    source = inp.source
    cut = _CUT
    # RawRecord(...) runs the NamedTuple's Python-level __new__; building the tuple directly
    # (all seven fields given) costs half as much, once per record.
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
                yield new_tuple(RawRecord, (text, source, number, base + pos, None, None, 0))
                pos = end + 2
        inp.compact()
        first = inp.peek()
        if first is None:
            yield inp.located("truncated: the Records array is not closed", inp.pos, number + 1)
            return
        if first == ord(","):
            inp.pos += 1
            continue
        if first == ord("]"):
            inp.pos += 1
            if wrapped and inp.peek() == ord("}"):
                inp.pos += 1
            return
        number += 1
        item, going_on = _array_element(inp, number, first)
        if item is not None:
            yield item
        if not going_on:
            return


@dataclass(frozen=True, slots=True)
class _Span:
    """Where a JSON value (or array element) starting at absolute `origin` ends."""

    origin: int
    end: int | None  # index in the buffer: the element's delimiter, or just past the value; None: no end
    head: bytes | None  # an oversized value's first bytes (the rest was discarded while skipping it)
    problem: str | None  # why the input is not JSON from there on (with end None)


def _follow(inp: _Input, start: int, *, element: bool, skip_oversized: bool = True) -> _Span:
    """Follow the structure of the value at `buf[start]` to its end, across buffer refills.

    Past MAX_RECORD_BYTES the value is oversized: with skip_oversized its bytes are dropped as
    scanning goes (memory stays bounded, the end is still found exactly), else scanning stops.
    """
    scanner = Scanner()
    find = scanner.element_end if element else scanner.value_end
    origin = inp.base + start
    head: bytes | None = None
    scan = start
    while True:
        try:
            end = find(inp.buf, scan)
        except ValueError as exc:
            return _Span(origin, None, head or inp.buf[start : start + EXCERPT], str(exc))
        if end is not None:
            return _Span(origin, end, head, None)
        if head is None and len(inp.buf) - start > MAX_RECORD_BYTES:
            head = inp.buf[start : start + EXCERPT]
            if not skip_oversized:
                return _Span(origin, None, head, None)
        if head is not None:
            inp.discard(len(inp.buf))
            start = scan = 0
        else:
            scan = len(inp.buf)
        if not inp.fill():
            return _Span(origin, None, head or inp.buf[start : start + EXCERPT], None)


def _array_element(inp: _Input, number: int, first: int) -> tuple[Item | None, bool]:
    """The element of a Records array at `pos` as one record or error, and whether the array goes on."""
    start = inp.pos
    if first == ord("{"):
        end = _fast_separator(inp)
        if start < end <= start + MAX_RECORD_BYTES:
            raw = inp.buf[start:end]
            try:
                orjson.loads(raw)
            except orjson.JSONDecodeError:
                pass
            else:  # a whole JSON value ending at the separator: it is exactly this element
                inp.pos = end
                return _record(inp, raw, None, start, number), True
    span = _follow(inp, start, element=True)
    if span.end is None:
        return _unended(inp, span, number), False
    inp.pos = span.end
    if span.head is not None or span.end - start > MAX_RECORD_BYTES:
        head = span.head if span.head is not None else inp.buf[start : start + EXCERPT]
        return inp.error_at(f"record longer than {MAX_RECORD_BYTES} bytes", span.origin, number, head), True
    raw = inp.buf[start : span.end].rstrip(_WHITESPACE)
    if first != ord("{"):
        kind = _KINDS.get(first, "not JSON")
        return inp.located(f"expected a JSON object in the Records array, got {kind}", start, number, raw), True
    return _parsed(inp, raw, start, number), True


def _unended(inp: _Input, span: _Span, number: int) -> NormalizationError | None:
    """The error for a value that never ends; the rest of the object is not read (nothing in it can be
    told apart into records). None when a broken compressed stream already says why."""
    inp.abandon()
    if span.problem is not None:
        reason = f"invalid JSON ({span.problem}): the rest of the object is not read"
    elif inp.error is not None:
        return None
    else:
        reason = "truncated: the input ends inside a record"
    return inp.error_at(reason, span.origin, number, span.head)


def _parsed(inp: _Input, raw: bytes, start: int, number: int, data: object = None) -> RawRecord | NormalizationError:
    """`raw` as a record when it is one JSON value (`data`, if already parsed), else its error."""
    if data is None:
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            # orjson also refuses bad UTF-8: say which of the two is wrong.
            record = _record(inp, raw, None, start, number)
            return record if isinstance(record, NormalizationError) else inp.located(
                f"invalid JSON: {exc}", start, number, raw
            )
    return _record(inp, raw, data, start, number)


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


def _top_level_value(inp: _Input, line: int) -> RawRecord | NormalizationError | None:
    """The JSON value at `pos`, outside any Records array; None when the input ended inside it
    with its reason already given (a broken compressed stream)."""
    start = inp.pos
    cut = _fast_line(inp) if inp.lines is not False else -1
    if cut == -1 and inp.lines:  # a line longer than any record
        raw = inp.buf[start : start + EXCERPT]
        error = inp.located(f"record longer than {MAX_RECORD_BYTES} bytes", start, line, raw)
        _skip_line(inp)
        return error
    if cut > start:
        raw = inp.buf[start:cut].rstrip(_WHITESPACE)
        if cut - start <= MAX_RECORD_BYTES:
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError:
                pass
            else:
                inp.pos = start + len(raw)
                inp.lines = True
                return _record(inp, raw, data, start, line)
        if inp.lines:  # one record per line: this line is the bad record, the next line the next one
            inp.pos = cut
            if cut - start > MAX_RECORD_BYTES:
                return inp.located(f"record longer than {MAX_RECORD_BYTES} bytes", start, line, raw)
            return _parsed(inp, raw, start, line)
    # Until the layout is known, a first line that is no value does not make the whole object one
    # (the rest may be one record per line): its structure is followed only within a record's size.
    undecided = cut > start and inp.lines is None
    span = _follow(inp, start, element=False, skip_oversized=not undecided)
    if span.end is None:
        if undecided:  # nothing was discarded: `cut` still marks the line's end
            inp.pos = cut
            inp.lines = True
            return inp.located("invalid JSON: the line is not one complete JSON value", start, line, inp.buf[start:cut])
        return _unended(inp, span, line)
    inp.pos = span.end
    inp.lines = False
    if span.head is not None or span.end - start > MAX_RECORD_BYTES:
        head = span.head if span.head is not None else inp.buf[start : start + EXCERPT]
        return inp.error_at(f"record longer than {MAX_RECORD_BYTES} bytes", span.origin, line, head)
    return _parsed(inp, inp.buf[start : span.end], start, line)


def _record(inp: _Input, raw: bytes, data: object, start: int, number: int) -> RawRecord | NormalizationError:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return inp.located(f"not UTF-8 (byte {exc.start} of the record)", start, number, raw)
    return RawRecord(text, inp.source, number, inp.base + start, data)


def _skip_line(inp: _Input) -> None:
    """Move past the end of the current line, dropping its bytes as they are read."""
    while True:
        found = inp.buf.find(b"\n", inp.pos)
        if found != -1:
            inp.pos = found + 1
            return
        inp.discard(len(inp.buf))
        if not inp.fill():
            return


def _resync_garbage(inp: _Input, line: int) -> Iterator[Item]:
    """One error for a run of non-JSON content, then move to the next line that opens a JSON value."""
    start = inp.pos
    yield inp.located("not JSON: a CloudTrail object starts with '{' or '['", start, line, inp.buf[start : start + 200])
    while True:
        found = _NEXT_VALUE_LINE.search(inp.buf, inp.pos)
        if found:
            inp.pos = found.start() + 1
            return
        inp.discard(max(inp.pos, len(inp.buf) - 64))
        if not inp.fill():
            inp.pos = len(inp.buf)
            return


def _skip_digest(inp: _Input, line: int) -> Iterator[Item]:
    span = _follow(inp, inp.pos, element=False)
    if span.end is None:
        inp.abandon()
        yield inp.error_at("truncated or malformed digest file", span.origin, line, None)
        return
    inp.pos = span.end
    yield Skipped(source=inp.source, reason="CloudTrail digest file")


def _top_level_object(inp: _Input, line: int) -> Iterator[Item]:
    """A JSON object outside a Records array: one event per line, or a wrapper of several."""
    start = inp.pos
    offset = inp.base + start
    item = _top_level_value(inp, line)
    if item is None:
        return
    if isinstance(item, NormalizationError) or not isinstance(item.data, dict):
        yield item
        return
    data = item.data
    if isinstance(data.get("Records"), list):  # a Records wrapper whose first key is not Records
        for number, record in enumerate(data["Records"], 1):
            yield _element(inp, record, offset, number)
    elif isinstance(data.get("logEvents"), list) and "messageType" in data:
        yield from _log_events(inp, data, offset, line)
    elif "eventVersion" not in data and not _DIGEST_FIELDS.isdisjoint(data):
        yield Skipped(source=inp.source, reason="CloudTrail digest file")
    else:
        yield item


def _element(inp: _Input, record: object, offset: int, number: int) -> RawRecord:
    """Element `number` of a Records wrapper parsed whole at `offset` (its place is part `number`)."""
    text = orjson.dumps(record).decode("utf-8")
    return RawRecord(text, inp.source, number, offset, None, None, number)


def _log_events(inp: _Input, envelope: dict, offset: int, line: int) -> Iterator[Item]:
    """CloudWatch Logs subscription data: each log event's message is one CloudTrail event
    (the n-th is part n of the envelope at `offset`)."""
    if envelope.get("messageType") != "DATA_MESSAGE":
        yield Skipped(source=inp.source, reason="CloudWatch Logs control message")
        return
    for part, event in enumerate(envelope["logEvents"], 1):
        message = event.get("message") if isinstance(event, dict) else None
        if not isinstance(message, str):
            yield inp.error_at(f"CloudWatch Logs event {part} without a message", offset, line, None)
            continue
        try:
            orjson.loads(message)
        except orjson.JSONDecodeError as exc:
            yield inp.error_at(f"invalid JSON in CloudWatch Logs event {part}: {exc}", offset, line,
                               message.encode("utf-8", "replace"))
            continue
        yield RawRecord(message, inp.source, line, offset, None, None, part)
